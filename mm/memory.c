/*
 * memory.c - the page-fault handler: demand paging, copy-on-write, swap-in,
 * fault-around, and the vm_operations of anonymous VMAs (a file VMA's are
 * shmem_vm_ops, in shmem.c).
 *
 * Page states and who holds a reference (page->refcount):
 *
 *   zero page      one shared, read-only page for every untouched anonymous
 *                  page that was only read; never counted or freed
 *   anonymous      PG_anon; index = the page offset it was faulted at
 *                  (vma->pgoff + (addr - vma->start) / PAGE_SIZE); one
 *                  reference per PTE mapping it (mapcount == refcount)
 *   page cache     mapping = the tmpfs inode, index = file page; one
 *                  reference from the cache, one per PTE (mapcount) and
 *                  one per get_user_pages pin
 *
 * The fault decision table (vma = the VMA containing the address):
 *
 *   PTE absent, anon VMA,  read   -> map the zero page read-only
 *   PTE absent, anon VMA,  write  -> new zeroed page, writable
 *   PTE absent, file VMA,  read   -> map the cache page (read-only when
 *                                    private, so a write comes back here)
 *   PTE absent, private file, write -> copy the cache page (COW)
 *   PTE absent, shared file, write  -> map the cache page writable, dirty
 *   PTE read-only, write, shared    -> make writable, dirty
 *   PTE read-only, write, private   -> exclusive anon page: reuse in place;
 *                                      else copy (COW break)
 *   PTE holds a swap entry          -> read the page back, map it
 *
 * Soft-dirty: every PTE made writable for a write here is also marked
 * MMU_SOFTDIRTY (Linux's pte_mkdirty does both), so after clear_refs "4"
 * has write-protected and cleaned a VMA's PTEs (pagewalk.c), the first
 * write to each page faults, reuses or copies it as above, and marks it.
 * Making a PTE writable ahead of a write (a shared read, a swap-in)
 * asks pte_needs_soft_dirty_wp() first.
 *
 * "PTE absent" goes through the VMA's vm_operations.fault (anon_fault
 * below, shmem_fault in shmem.c, secretmem_fault in secretmem.c), which
 * only finds the page; do_fault() maps the cached neighbours of a read
 * (->map_pages), copies a file page for a private write, and
 * finish_fault() maps it. Write faults on a VMA without VM_WRITE,
 * exec faults without VM_EXEC and any access to a PROT_NONE VMA are
 * refused before any of this (SEGV_ACCERR); an address no VMA covers is
 * SEGV_MAPERR; a file page at or beyond EOF is SIGBUS.
 *
 * One page-table walk per fault: handle_mm_fault() takes a cursor on the
 * PTE (arch/pgtable.h) and every step works through it. The walk itself
 * takes no lock (the mmap lock, held for reading, keeps the tables; Linux
 * reads the PTE the same way), and whatever may sleep (allocating, reading
 * swap, the file's page cache) runs with the cursor unlocked; after
 * locking, the entry is read again or compared with what was read
 * (pte_val_same, as Linux's pte_same) and the fault is simply retried when
 * it changed - another task of the mm may have faulted the same page
 * meanwhile, since faults only read-lock the mmap lock (what a fault may
 * assume, and what not: above handle_vma_fault_at()):
 *
 *   handle_mm_fault      walk, read entry (no lock)
 *   ->fault / swap-in                        alloc, I/O (sleeps)
 *   finish / swap-in                         lock, still empty/same? install, unlock
 *                                            else: free ours, drop refs, retry
 *
 * Range operations (zap, fork's copy, mprotect, MADV_PAGEOUT/COLD) are in
 * pagewalk.c; get_user_pages in gup.c.
 */
#include "mm/internal.h"
#include "mm/debug_alloc.h"
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/might_sleep.h"
#include "kernel/printk.h"
#include "kernel/panic.h"
#include "mm/filemap.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/shmem.h"
#include "mm/swap.h"
#include "mm/vmscan.h"
#include "mm/vmstat.h"
#include <arch/pgtable.h>
#include <arch/tlb.h>
#include <arch/page.h>

struct page *zero_page;

/* Boot: the mm and rmap caches and the shared zero page. Panics without memory. */
void vm_init(void)
{
	mmap_init();
	zero_page = alloc_page(GFP_ZERO);
	if (!zero_page)
		panic("vm_init: no zero page");
	page_set_flag(zero_page, PG_reserved);
	rmap_init();
	{
		char val[4];

		debug_vm_enabled = cmdline_get("debug_vm", val, sizeof(val)) && !strcmp(val, "1");
		if (debug_vm_enabled)
			printk("debug_vm: every system call ends with a check of the caller's PTEs\n");
	}
}

/* LAB demand BEGIN */
/* Which of the mm's RSS counters a page mapped in it counts in (Linux's mm_counter). */
static enum mm_counter page_counter(const struct page *p)
{
	return page_test_flag(p, PG_anon) ? MM_ANONPAGES : MM_SHMEMPAGES;
}
/* LAB demand END */

/*
 * A PTE of @mm now maps @p (internal.h); takes over the caller's reference.
 * What is resident is counted twice: per address space in @mm's RSS
 * counter for the page's kind (VmRSS, RssAnon, RssShmem), and once per
 * page, when its first mapping appears, in the global NR_ANON_PAGES or
 * NR_FILE_MAPPED (AnonPages, Mapped in /proc/meminfo).
 */
void page_add_map(struct mm *mm, struct page *p)
{
	/* LAB demand BEGIN */
	/* LAB demand STUB: (void)__atomic_fetch_add(&p->mapcount, 1, __ATOMIC_RELAXED); */
	if (__atomic_fetch_add(&p->mapcount, 1, __ATOMIC_RELAXED) == 0)
		mod_vm_stat(page_test_flag(p, PG_anon) ? NR_ANON_PAGES : NR_FILE_MAPPED, 1);
	add_mm_counter(mm, page_counter(p), 1);
	/* LAB demand END */
}

/*
 * A PTE of @mm stopped mapping @p; drops its reference (may free @p). No
 * sleep. The counters of page_add_map() go down again, the global one
 * when the last mapping goes.
 */
void page_remove_map(struct mm *mm, struct page *p)
{
	/* LAB demand BEGIN */
	/* LAB demand STUB: (void)__atomic_sub_fetch(&p->mapcount, 1, __ATOMIC_RELAXED); */
	if (__atomic_sub_fetch(&p->mapcount, 1, __ATOMIC_RELAXED) == 0)
		mod_vm_stat(page_test_flag(p, PG_anon) ? NR_ANON_PAGES : NR_FILE_MAPPED, -1);
	add_mm_counter(mm, page_counter(p), -1);
	/* LAB demand END */
	put_page(p);
}

/* The MMU_* flags a PTE of @v gets; MMU_WRITE only when @writable and VM_WRITE. Pure. */
unsigned int vma_pte_flags(const struct vma *v, bool writable)
{
	unsigned int f = MMU_USER;

	if (!(v->flags & VM_ACCESS_FLAGS))
		return MMU_PROTNONE;		/* PROT_NONE: keep the page, fault on use */

	if (writable && (v->flags & VM_WRITE))
		f |= MMU_WRITE;
	if (v->flags & VM_EXEC)
		f |= MMU_EXEC;
	return f;
}

/*
 * May a write reuse @p in place? Anonymous, one PTE, and no reference but
 * that PTE's and the pins' (GUP_PIN): a pinned page stays its owner's, so
 * the pin keeps seeing the owner's writes (fork copies it for the child:
 * copy_vma_pages). Any other reference - a swap-cache entry, a plain
 * get_user_pages - may be a reader that must not see later writes, so
 * the write copies. Linux decides with PageAnonExclusive; Pagoda counts.
 * Pure, lock-free.
 */
bool page_exclusive_anon(struct page *p)
{
	return !is_zero_page(p) && page_test_flag(p, PG_anon) &&
	       __atomic_load_n(&p->mapcount, __ATOMIC_RELAXED) == 1 &&
	       page_count(p) == 1 + page_pincount(p);
}

/* A new anonymous page for @addr of @v, filed under the VMA's anon_vma. May sleep. */
static struct page *new_anon_page(struct vma *v, unsigned long addr, bool zero)
{
	struct page *p;

	if (anon_vma_prepare(v))
		return NULL;
	p = alloc_page((zero ? GFP_ZERO : 0) | GFP_RECLAIM);
	if (!p)
		return NULL;
	page_set_flag(p, PG_anon);
	page_set_anon_rmap(p, v, addr);
	count_vm_event(PGALLOC);
	return p;
}

/*
 * Would rmap find @p at @addr of @v? An anonymous page of @v's anon_vma
 * family at its linear index, or the page cache page of @v's file at that
 * index (the zero page anywhere). NULL if so, else what is wrong.
 */
static const char *page_misplaced(const struct vma *v, unsigned long addr, const struct page *p)
{
	const struct anon_vma *av;

	if (is_zero_page(p))
		return NULL;
	if (page_test_flag(p, PG_anon)) {
		av = (const void *)((unsigned long)p->mapping & ~PAGE_MAPPING_ANON);
		if (!((unsigned long)p->mapping & PAGE_MAPPING_ANON) || !v->anon_vma ||
		    av->root != v->anon_vma->root || p->index != linear_page_index(v, addr))
			return "an anonymous page of another anon_vma or index";
	} else if (!v->file || p->mapping != v->file->inode ||
		   p->index != linear_page_index(v, addr)) {
		return "a file page of another file or index";
	}
	return NULL;
}

/*
 * debug_alloc=1: a page about to be mapped at @addr of @v must be one that
 * rmap would find there. A page of another file or another index mapped
 * here would let a program read and write memory it was never given
 * (internal.h).
 */
void debug_check_page_at(const struct vma *v, unsigned long addr, const struct page *p)
{
	if (!debug_alloc_on() || !page_misplaced(v, addr, p))
		return;
	panic("BUG: mapping pfn %#lx (flags %#lx, mapping %p, index %#lx, count %d, mapcount %d) "
	      "at %#lx of VMA [%#lx, %#lx) pgoff %#lx flags %#lx file %p anon_vma %p",
	      (unsigned long)page_to_pfn((struct page *)p), (unsigned long)p->flags, p->mapping,
	      p->index, page_count((struct page *)p), p->mapcount, addr, v->start, v->end,
	      v->pgoff, v->flags, v->file ? (void *)v->file->inode : NULL, (void *)v->anon_vma);
}

/* ---- debug_vm=1: every mapped page where rmap would look for it ---- */

bool debug_vm_enabled;

struct vm_verify {
	struct mm *mm;
	unsigned long bad_va;		/* the first bad PTE: its address, */
	struct page *page;		/* the page it maps, */
	struct vma *vma;		/* its VMA (or NULL) */
	const char *why;		/* and what is wrong */
};

static int vm_verify_one(const struct mmu_mapping *m, void *arg)
{
	struct vm_verify *vv = arg;

	vv->vma = vma_lookup(&vv->mm->vmas, m->va);
	vv->page = pfn_to_page(m->pa >> PAGE_SHIFT);
	vv->why = vv->vma ? page_misplaced(vv->vma, m->va, vv->page) : "no VMA covers it";
	vv->bad_va = m->va;
	return vv->why != NULL;
}

/*
 * Walk every present user PTE of @mm and panic at the first one that is
 * outside any VMA or maps a page rmap would not find there. @tag says
 * after what. Caller holds the mmap lock.
 */
void debug_vm_verify(struct mm *mm, const char *tag)
{
	struct vm_verify vv = { .mm = mm };
	struct page *p;
	struct vma *v;

	if (!arch_walk(&mm->pgt, 0, USER_END, vm_verify_one, &vv))
		return;
	p = vv.page;
	v = vv.vma;
	panic("BUG: after %s: PTE at %#lx maps %s (pfn %#lx mapping %p index %#lx flags %#lx; "
	      "VMA [%#lx, %#lx) pgoff %#lx flags %#lx)", tag, vv.bad_va, vv.why,
	      (unsigned long)page_to_pfn(p), p->mapping, p->index, (unsigned long)p->flags,
	      v ? v->start : 0, v ? v->end : 0, v ? v->pgoff : 0, v ? v->flags : 0);
}

/*
 * install_page() with the PTE's MMU_* @flags decided by the caller (a
 * swap-in or an unshare carries the old entry's soft-dirty bit over).
 */
static int __install_page(struct pte_cursor *c, struct vma *v, struct page *p,
			  unsigned int flags)
{
	int err;

	debug_check_page_at(v, c->va, p);
	err = pte_cursor_set_page(c, page_to_phys(p), flags);

	if (err)
		return err;
	if (!is_zero_page(p))
		page_add_map(v->mm, p);
	if (page_test_flag(p, PG_anon))
		lru_cache_add(p);
	if (v->flags & VM_LOCKED)
		mod_vm_stat(NR_MLOCK, 1);
	return 0;
}

/*
 * Map @p in the empty slot under locked cursor @c of @v (internal.h). A
 * writable PTE is made for a write (or where no write needs tracking: a
 * shared mapping whose VMA is wholly soft-dirty), so it is soft-dirty, as
 * Linux's pte_mkdirty makes it: a write through it can fault no more.
 */
int install_page(struct pte_cursor *c, struct vma *v, struct page *p, bool writable)
{
	unsigned int flags = vma_pte_flags(v, writable);

	if (flags & MMU_WRITE)
		flags |= MMU_SOFTDIRTY;
	return __install_page(c, v, p, flags);
}

/* Put back a page a fault found but did not map. */
static void drop_page(struct page *p)
{
	if (!is_zero_page(p))
		put_page(p);
}

/*
 * The end of every "PTE absent" fault: map vmf->page (from ->fault) at
 * vmf->address. Cursor unlocked on entry and on return. When the slot is
 * no longer empty, something else resolved the fault: drop ours and retry.
 */
static enum vm_fault_result finish_fault(struct vm_fault *vmf)
{
	struct pte_val now;
	int err = -EEXIST;

	pte_cursor_relock(&vmf->pte);
	if (pte_cursor_get(&vmf->pte, &now) == PTE_KIND_NONE)
		err = install_page(&vmf->pte, vmf->vma, vmf->page, vmf->writable);
	pte_cursor_unlock(&vmf->pte);
	if (err == -EEXIST)
		count_vm_event(FAULT_RACED);
	if (err)
		drop_page(vmf->page);
	return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_OK;
}

/* ---- anonymous memory: anon_vm_ops ---- */

/*
 * A PTE absent in anonymous memory (->fault of anon_vm_ops): which page
 * to map, in vmf->page, and whether writable (vmf->writable);
 * finish_fault() maps it. A read of private memory gets the shared zero
 * page, read-only, and allocates nothing (a write to it later faults:
 * fault_wp, cow_copy); a write gets a new zeroed page of its own.
 */
static enum vm_fault_result anon_fault(struct vm_fault *vmf)
{
	/* LAB demand BEGIN */
	/* LAB demand STUB: vmf->page = new_anon_page(vmf->vma, vmf->address, true); */
	/* LAB demand STUB: vmf->writable = true; */
	/* LAB demand STUB: return vmf->page ? VM_FAULT_OK : VM_FAULT_OOM; */
	struct vma *v = vmf->vma;

	if (!(vmf->flags & FAULT_WRITE) && !(v->flags & VM_SHARED)) {
		count_vm_event(ZERO_PAGE_MAP);
		vmf->page = zero_page;
		vmf->writable = false;
		return VM_FAULT_OK;
	}
	vmf->page = new_anon_page(v, vmf->address, /* zero= */true);
	if (!vmf->page)
		return VM_FAULT_OOM;
	count_vm_event(ANON_FAULT);
	vmf->writable = true;
	return VM_FAULT_OK;
	/* LAB demand END */
}

static const struct vm_operations anon_vm_ops = {
	.fault = anon_fault,
};

/* At mmap: shmem_vm_ops for a file (secretmem's for memfd_secret), anon_vm_ops otherwise. */
void vma_set_vm_ops(struct vma *v)
{
	if (v->file && inode_is_secretmem(v->file->inode))
		v->ops = &secretmem_vm_ops;
	else
		v->ops = v->file ? &shmem_vm_ops : &anon_vm_ops;
}

/* ---- faults on present PTEs: copy-on-write ---- */

/*
 * Replace the PTE under @vmf (locked; it maps @old, as @seen says) with a
 * private copy of @old. Returns with the cursor unlocked. The copy is made
 * with the lock dropped; if the entry changed meanwhile the fault retries.
 */
static enum vm_fault_result cow_copy(struct vm_fault *vmf, const struct pte_val *seen,
				     struct page *old)
{
	struct vma *v = vmf->vma;
	struct page *copy;
	struct pte_val now;
	int err;

	if (!is_zero_page(old))
		get_page(old);			/* keep it while unlocked */
	pte_cursor_unlock(&vmf->pte);
	copy = new_anon_page(v, vmf->address, is_zero_page(old));
	if (copy && !is_zero_page(old))
		copy_pages(page_address(copy), page_address(old), PAGE_SIZE);
	pte_cursor_relock(&vmf->pte);
	if (!copy || pte_cursor_get(&vmf->pte, &now) != PTE_KIND_PAGE ||
	    !pte_val_same(&now, seen)) {
		pte_cursor_unlock(&vmf->pte);
		drop_page(old);
		if (!copy)
			return VM_FAULT_OOM;
		count_vm_event(FAULT_RACED);
		put_page(copy);
		return VM_FAULT_OK;
	}
	count_vm_event(COW_FAULT);
	pte_cursor_clear(&vmf->pte, PTE_FLUSH);
	if (v->flags & VM_LOCKED)
		mod_vm_stat(NR_MLOCK, -1);	/* install_page counts the copy */
	if (!is_zero_page(old)) {
		put_page(old);			/* our hold; the PTE's goes next */
		page_remove_map(v->mm, old);
	}
	/*
	 * An unshare gives a private page, not a writable one, with the old
	 * entry's soft-dirty bit (Linux's wp_page_copy); a write, a dirty one.
	 */
	if (vmf->flags & FAULT_UNSHARE)
		err = __install_page(&vmf->pte, v, copy, vma_pte_flags(v, /* writable= */false) |
							 (seen->flags & MMU_SOFTDIRTY));
	else
		err = install_page(&vmf->pte, v, copy, /* writable= */true);
	pte_cursor_unlock(&vmf->pte);
	if (err) {
		put_page(copy);
		return VM_FAULT_OOM;
	}
	return VM_FAULT_OK;
}

/*
 * Make the read-only PTE under @vmf (locked; unlocked on return) writable
 * and soft-dirty in place, for a write: the page stays where it is
 * (Linux's wp_page_reuse). For a page the write may have to itself: a
 * shared mapping's, or an anonymous page only this PTE maps.
 */
static enum vm_fault_result wp_page_reuse(struct vm_fault *vmf)
{
	pte_cursor_protect(&vmf->pte, vma_pte_flags(vmf->vma, /* writable= */true) |
				      MMU_SOFTDIRTY);
	pte_cursor_unlock(&vmf->pte);
	return VM_FAULT_OK;
}

/*
 * A write to a present, read-only PTE of a writable VMA (Linux's
 * do_wp_page). Cursor locked; unlocked on return. A shared page is
 * written in place (and is dirty now); a private one is reused in place
 * when it is an anonymous page only this PTE maps (also one clear_refs
 * or mprotect write-protected), else copied (cow_copy). Either way the
 * PTE ends up writable and soft-dirty.
 */
static enum vm_fault_result fault_wp(struct vm_fault *vmf, const struct pte_val *seen)
{
	struct page *old = pfn_to_page(seen->pa >> PAGE_SHIFT);

	if (vmf->vma->flags & VM_SHARED) {
		page_set_flag(old, PG_dirty);
		return wp_page_reuse(vmf);
	}
	/* LAB cow BEGIN */
	/* LAB cow STUB: return cow_copy(vmf, seen, old); */
	if (page_exclusive_anon(old)) {
		count_vm_event(COW_REUSE);
		return wp_page_reuse(vmf);
	}
	return cow_copy(vmf, seen, old);
	/* LAB cow END */
}

/*
 * FAULT_UNSHARE on a present page (cursor locked; unlocked on return): a
 * private copy unless the page is already this mm's alone, mapped with
 * the permissions it had - never made writable here.
 */
static enum vm_fault_result fault_unshare_page(struct vm_fault *vmf, const struct pte_val *seen)
{
	struct page *p = pfn_to_page(seen->pa >> PAGE_SHIFT);

	if (page_exclusive_anon(p)) {
		pte_cursor_unlock(&vmf->pte);
		return VM_FAULT_OK;
	}
	return cow_copy(vmf, seen, p);
}


/* ---- faults on swap entries ---- */

/* LAB reclaim BEGIN */
/*
 * The device could not give the page back: replace the entry under @vmf
 * (locked, still @slot) by a poisoned marker and drop the slot, so every
 * later access, and the same address in a child forked from now on, gets
 * SIGBUS instead of a page of garbage (Linux: the swapin error PTE marker).
 * The marker keeps the entry's soft-dirty bit (@flags).
 */
static void swapin_poison(struct vm_fault *vmf, uint64_t slot, unsigned int flags)
{
	pte_cursor_clear(&vmf->pte, PTE_NOFLUSH);	/* a swap entry: no TLB entry */
	pte_cursor_set_swap(&vmf->pte, SWP_ERROR_MARKER, flags);
	pte_cursor_unlock(&vmf->pte);
	add_mm_counter(vmf->vma->mm, MM_SWAPENTS, -1);
	swap_free(slot);
	count_vm_event(SWAPIN_ERROR);
}

/*
 * Map @p, just read back for swap entry @seen, in place of that entry.
 * Cursor locked on entry (entry re-checked by the caller); unlocked on
 * return unless a write still has to break COW (then locked, *wp set).
 * While others still refer to the slot the page is mapped read-only, so a
 * write breaks COW as before swapping. The PTE keeps the entry's
 * soft-dirty bit; it is made writable early only where a write need not
 * be seen (Linux's do_swap_page and pte_needs_soft_dirty_wp()).
 */
static enum vm_fault_result swapin_map(struct vm_fault *vmf, const struct pte_val *seen,
				       struct page *p, bool *wp)
{
	struct vma *v = vmf->vma;
	uint64_t slot = seen->swap;
	/* Ours alone: no other swap PTE for the slot and no PTE on the frame. */
	bool exclusive = swap_count(slot) == 1 && !__atomic_load_n(&p->mapcount, __ATOMIC_RELAXED);
	bool writable = exclusive && !(v->flags & VM_SHARED) &&
			!pte_needs_soft_dirty_wp(v, seen->flags);
	unsigned int flags = vma_pte_flags(v, writable) | (seen->flags & MMU_SOFTDIRTY);

	/*
	 * First mapper since the page was read, or since every PTE on it went
	 * away: (re)file it for rmap. A page left in the swap cache by a
	 * process that has since exited still points at that process's
	 * anon_vma, which may be freed; reclaim walking it would lock freed
	 * memory. Shared with the rest of the fork family: under the root.
	 */
	if (!__atomic_load_n(&p->mapcount, __ATOMIC_RELAXED)) {
		page_set_flag(p, PG_anon);
		if (exclusive)
			page_set_anon_rmap(p, v, vmf->address);
		else
			page_set_shared_anon_rmap(p, v, vmf->address);
	}
	pte_cursor_clear(&vmf->pte, PTE_NOFLUSH);
	add_mm_counter(v->mm, MM_SWAPENTS, -1);
	swap_free(slot);			/* may drop the cache's reference */
	if ((flags & MMU_WRITE) && (vmf->flags & FAULT_WRITE))
		flags |= MMU_SOFTDIRTY;			/* written now: pte_mkdirty */
	if (__install_page(&vmf->pte, v, p, flags)) {
		pte_cursor_unlock(&vmf->pte);
		put_page(p);
		return VM_FAULT_OOM;
	}
	*wp = (vmf->flags & FAULT_WRITE) && !(flags & MMU_WRITE);
	if (!*wp)
		pte_cursor_unlock(&vmf->pte);
	return VM_FAULT_OK;
}
/* LAB reclaim END */

/*
 * The PTE holds a swap entry (@seen; cursor locked on entry, unlocked on
 * return): bring the page back - from the swap cache if another sharer
 * already did, else from the device, with the cursor unlocked (a second
 * fault on the same slot meanwhile waits for this one's read in
 * swap_cache_read_page) - then map it and drop this PTE's reference on
 * the slot. Whatever happened to the PTE during the sleep, it is read
 * again under the lock before anything is mapped or poisoned.
 */
static enum vm_fault_result fault_swapin(struct vm_fault *vmf, const struct pte_val *seen)
{
	/* LAB reclaim BEGIN */
	/* LAB reclaim STUB: pte_cursor_unlock(&vmf->pte); */
	/* LAB reclaim STUB: return VM_FAULT_SIGBUS; */
	uint64_t slot = seen->swap;
	struct pte_val now, pv;
	enum vm_fault_result r;
	struct page *p;
	bool wp;

	pte_cursor_unlock(&vmf->pte);
	if (slot == SWP_ERROR_MARKER)
		return VM_FAULT_HWPOISON;	/* the data was lost: never map garbage */
	p = swap_cache_read_page(slot);
	if (!p) {
		count_vm_event(FAULT_RACED);	/* the slot is gone: so is our entry */
		return VM_FAULT_OK;
	}
	if (IS_ERR(p) && PTR_ERR(p) == -EIO) {
		pte_cursor_relock(&vmf->pte);
		if (pte_cursor_get(&vmf->pte, &now) == PTE_KIND_SWAP && pte_val_same(&now, seen)) {
			swapin_poison(vmf, slot, now.flags);
			return VM_FAULT_HWPOISON;
		}
		pte_cursor_unlock(&vmf->pte);	/* resolved meanwhile: look again */
		count_vm_event(FAULT_RACED);
		return VM_FAULT_OK;
	}
	if (IS_ERR(p))
		return VM_FAULT_OOM;
	count_vm_event(PGMAJFAULT);
	if (anon_vma_prepare(vmf->vma)) {
		put_page(p);
		return VM_FAULT_OOM;
	}
	pte_cursor_relock(&vmf->pte);
	if (pte_cursor_get(&vmf->pte, &now) != PTE_KIND_SWAP || !pte_val_same(&now, seen) ||
	    !swap_cache_page_current(p, slot)) {
		/*
		 * Someone else swapped it in (or dropped it) meanwhile - and
		 * if the entry looks the same but the page left the cache, the
		 * slot was freed and taken again: its data is newer than @p.
		 */
		pte_cursor_unlock(&vmf->pte);
		count_vm_event(FAULT_RACED);
		put_page(p);
		return VM_FAULT_OK;
	}
	r = swapin_map(vmf, seen, p, &wp);
	if (r != VM_FAULT_OK || !wp)
		return r;
	pte_cursor_get(&vmf->pte, &pv);		/* still locked: no walk */
	return fault_wp(vmf, &pv);
	/* LAB reclaim END */
}

/* ---- the entry points ---- */

/* Does @v allow a FAULT_* @flags access? (x86: write and exec imply read) Pure. */
bool vma_access_permitted(const struct vma *v, unsigned int flags)
{
	if (!(v->flags & VM_ACCESS_FLAGS))
		return false;
	if ((flags & FAULT_WRITE) && !(v->flags & VM_WRITE))
		return false;
	if ((flags & FAULT_EXEC) && !(v->flags & VM_EXEC))
		return false;
	return true;
}

/*
 * Fault-around (Linux's do_fault_around): a read fault on a file also
 * maps the neighbouring pages of its aligned 16-page window that are
 * already in the page cache, read-only, so a sequential reader takes one
 * fault per 64 KiB instead of one per page. A later write still faults
 * (COW for private mappings, dirty tracking for shared ones). The window
 * lies inside one page table and the VMA; ops->map_pages fills it.
 */
#define FAULT_AROUND_PAGES	16

static void do_fault_around(struct vm_fault *vmf)
{
	struct vma *v = vmf->vma;
	unsigned long lo = MAX(v->start, ALIGN_DOWN(vmf->address, FAULT_AROUND_PAGES * PAGE_SIZE));
	unsigned long hi = MIN(v->end, lo + FAULT_AROUND_PAGES * PAGE_SIZE);

	v->ops->map_pages(vmf, lo, hi);
	pte_cursor_move(&vmf->pte, vmf->address);	/* back to the faulting page */
}

/*
 * A private write to a file page (Linux's do_cow_fault): map a copy of
 * vmf->page, an anonymous page of this VMA, instead of the page itself,
 * in this one fault. (Mapping the cache page read-only would be correct
 * too - the write would fault again and fault_wp() copy it - but costs
 * a second fault on every first write to a private file page.)
 */
static enum vm_fault_result cow_file_page(struct vm_fault *vmf)
{
	/* LAB filemap BEGIN */
	/* LAB filemap STUB: vmf->writable = false; */
	/* LAB filemap STUB: return VM_FAULT_OK; */
	struct page *copy = new_anon_page(vmf->vma, vmf->address, /* zero= */false);

	if (!copy) {
		put_page(vmf->page);
		return VM_FAULT_OOM;
	}
	copy_pages(page_address(copy), page_address(vmf->page), PAGE_SIZE);
	put_page(vmf->page);
	count_vm_event(COW_FAULT);
	vmf->page = copy;
	vmf->writable = true;
	return VM_FAULT_OK;
	/* LAB filemap END */
}

/*
 * A PTE absent: the VMA's ->fault finds the page; a read maps the cached
 * neighbours too, a private write to a file page copies it; finish_fault
 * maps the result.
 */
static enum vm_fault_result do_fault(struct vm_fault *vmf)
{
	const struct vm_operations *ops = vmf->vma->ops;
	bool write = vmf->flags & FAULT_WRITE;
	enum vm_fault_result r;

	if (!ops || !ops->fault)
		ops = &anon_vm_ops;		/* a VMA made without vma_set_vm_ops() */
	r = ops->fault(vmf);
	if (r != VM_FAULT_OK)
		return r;
	if (!write && ops->map_pages)
		do_fault_around(vmf);
	if (write && !(vmf->vma->flags & VM_SHARED) && !page_test_flag(vmf->page, PG_anon)) {
		r = cow_file_page(vmf);
		if (r != VM_FAULT_OK)
			return r;
	}
	return finish_fault(vmf);
}

/*
 * Linux's sanitize_fault_flags: fault flags no caller may pass. A CPU
 * fault's access was checked by fault_with_reclaim() already, so what is
 * left is a kernel bug, refused before any page-table work with a
 * one-line warning (once per kind):
 *
 *   FAULT_WRITE | FAULT_UNSHARE          both at once
 *   FAULT_WRITE, VMA without VM_MAYWRITE a mapping that can never be written
 *   FAULT_WRITE, read-only, not COW      a shared mapping written through
 *                                        a read-only VMA
 *
 * FAULT_UNSHARE of a mapping that is not copy-on-write has nothing to
 * unshare: it is dropped, as Linux does, and the fault is a read.
 */
static enum vm_fault_result sanitize_fault_flags(const struct vma *v, unsigned int *flags)
{
	static const char *const bug[] = {
		"FAULT_WRITE together with FAULT_UNSHARE",
		"FAULT_WRITE on a VMA that may never be written",
		"FAULT_WRITE on a read-only VMA that is not copy-on-write",
	};
	static bool warned[3];
	int b = -1;

	if (*flags & FAULT_UNSHARE) {
		if (*flags & FAULT_WRITE)
			b = 0;
		else if (!is_cow_mapping(v->flags))
			*flags &= ~FAULT_UNSHARE;
	} else if (*flags & FAULT_WRITE) {
		if (!(v->flags & VM_MAYWRITE))
			b = 1;
		else if (!(v->flags & VM_WRITE) && !is_cow_mapping(v->flags))
			b = 2;
	}
	if (b < 0)
		return VM_FAULT_OK;
	if (!__atomic_exchange_n(&warned[b], true, __ATOMIC_RELAXED))
		printk("WARNING: mm/memory.c: %s (VMA %#lx-%#lx flags %#lx)\n", bug[b], v->start,
		       v->end, v->flags);
	return VM_FAULT_SEGV_ACCERR;
}

/*
 * Resolve a fault at @addr of @mm with one page-table walk: the cursor
 * taken here is handed down to every step. Returns a vm_fault_result;
 * counts it in pgfault, as Linux's does (CPU faults, and the faults that
 * get_user_pages and populate make). mmap lock held (for reading is
 * enough); the page-table lock is taken and always dropped before
 * returning; may sleep (with it dropped).
 *
 * What a fault may assume with the mmap lock held only for reading (as
 * Linux's): other tasks sharing the mm (CLONE_VM, later threads) fault,
 * GUP, populate, zap (MADV_DONTNEED/FREE, the OOM reaper), page out
 * (MADV_PAGEOUT/COLD, reclaim's trylock) and swap off in it at the same
 * time, and on one CPU they do so whenever this fault sleeps - in
 * pte_cursor_prepare's or a page's reclaiming allocation, in swap-in I/O,
 * in a shmem page read back from swap.
 *
 *   stays          the VMA tree, every VMA's start, end, pgoff, flags,
 *                  file and ops (all written only under the write lock);
 *                  the page tables themselves (freed only under it, so a
 *                  cursor's slot pointer survives a sleep); a VMA's
 *                  anon_vma once set (anon_vma_prepare sets it once, under
 *                  mm->pgt.upper_lock, whoever comes first; rmap.c)
 *   may change     any PTE, the moment the page-table lock is dropped: an
 *                  empty slot filled by another fault (finish_fault,
 *                  swapin, cow_copy and filemap_map_pages re-check it
 *                  under the lock and back out: the page they allocated
 *                  or read freed, the references they took dropped); a
 *                  page unmapped or swapped out, a swap entry brought
 *                  back by someone else (pte_val_same against what was
 *                  seen); a page's mapcount, refcount and swap count (so
 *                  "exclusive" - reuse in place, map writable after
 *                  swap-in - is decided under the page-table lock, never
 *                  before a sleep); the page cache and swap cache (their
 *                  own locks: shmem_get_page and swap_cache_read_page
 *                  insert only into a hole they find under that lock,
 *                  and drop their page when someone was faster)
 *   counters       mm->rss rows (add_mm_counter) and the vmstat items are
 *                  atomic adds; nothing else of struct mm is written by
 *                  a fault
 *   never          anything that changes VMAs (splits, merges, flags):
 *                  that needs the write lock, which no fault takes
 */
enum vm_fault_result handle_vma_fault(struct mm *mm, struct vma *v, unsigned long addr,
				      unsigned int flags)
{
	return handle_vma_fault_at(mm, v, addr, flags, NULL);
}

/*
 * The fault itself; @walked, when not NULL, is a cursor the caller mapped
 * (unlocked) at @addr, used instead of a walk of our own: a populate that
 * walks its range hands each missing page's cursor down.
 */
enum vm_fault_result handle_vma_fault_at(struct mm *mm, struct vma *v, unsigned long addr,
					 unsigned int flags, const struct pte_cursor *walked)
{
	struct vm_fault vmf;
	struct pte_val pv;

	count_vm_event(PGFAULT);
	if (sanitize_fault_flags(v, &flags) != VM_FAULT_OK)
		return VM_FAULT_SEGV_ACCERR;
	if (!vma_access_permitted(v, flags))
		return VM_FAULT_SEGV_ACCERR;
	addr &= PAGE_MASK;
	vmf = (struct vm_fault){ .vma = v, .address = addr, .flags = flags,
				 .pgoff = linear_page_index(v, addr) };
	/*
	 * The fault's one page-table walk, unlocked (as Linux's
	 * handle_pte_fault reads the PTE): an empty slot goes straight to
	 * ->fault, and finish_fault() checks it again under the lock. Any
	 * other entry is re-read under the lock before it is acted on.
	 */
	if (walked)
		vmf.pte = *walked;
	else
		pte_cursor_map(&vmf.pte, &mm->pgt, addr);
	if (pte_cursor_get(&vmf.pte, &pv) == PTE_KIND_NONE) {
		/* Reclaim may have emptied it, flush deferred: as below. */
		tlb_flush_batched_pending_unlocked(&mm->pgt);
		/* The page table first, from a reclaiming allocation (Linux's pte_alloc). */
		if (pte_cursor_prepare(&vmf.pte))
			return VM_FAULT_OOM;
		return do_fault(&vmf);
	}
	pte_cursor_relock(&vmf.pte);
	/*
	 * Reclaim may have turned this PTE into a swap entry, or write-
	 * protected it, and left the flush to its batch (tlb.c): flush now,
	 * before the swap-in maps a new copy of the page or a COW copies it,
	 * or a CPU still holding the old entry would read (or write) the old
	 * frame behind our back. A no-op unless the tree is marked.
	 */
	tlb_flush_batched_pending(&mm->pgt);
	switch (pte_cursor_get(&vmf.pte, &pv)) {
	case PTE_KIND_NONE:
		pte_cursor_unlock(&vmf.pte);
		return do_fault(&vmf);
	case PTE_KIND_SWAP:
		return fault_swapin(&vmf, &pv);
	case PTE_KIND_PAGE:
		break;
	}
	if (pv.flags & MMU_PROTNONE)		/* left over from PROT_NONE: refresh */
		pte_cursor_protect(&vmf.pte, vma_pte_flags(v, /* writable= */false));
	else if (flags & FAULT_UNSHARE)
		return fault_unshare_page(&vmf, &pv);
	else if ((flags & FAULT_WRITE) && !(pv.flags & MMU_WRITE))
		return fault_wp(&vmf, &pv);
	pte_cursor_unlock(&vmf.pte);
	return VM_FAULT_OK;		/* (or another path fixed it meanwhile) */
}

enum vm_fault_result handle_mm_fault(struct mm *mm, unsigned long addr, unsigned int flags)
{
	struct vma *v = vma_lookup(&mm->vmas, addr);

	mmap_assert_locked(mm);
	return v ? handle_vma_fault(mm, v, addr, flags) : VM_FAULT_SEGV_MAPERR;
}

/*
 * A CPU fault: first the check Linux makes in arch code (access_error), a
 * VMA there that allows the access - a user writing to a read-only
 * mapping gets SIGSEGV here, and the fault handler never sees the write -
 * then the fault, on the VMA found once. mmap lock held (read).
 */
static enum vm_fault_result cpu_fault(struct mm *mm, unsigned long addr, unsigned int flags)
{
	struct vma *v = vma_lookup(&mm->vmas, addr);

	if (!v)
		return VM_FAULT_SEGV_MAPERR;
	if (!vma_access_permitted(v, flags))
		return VM_FAULT_SEGV_ACCERR;
	return handle_vma_fault(mm, v, addr, flags);
}

/*
 * Reclaim read-trylocks the mmap lock of every mm it takes pages from
 * (which fails while a writer waits for it), so a fault reclaims before
 * taking ours, and when it ran out of memory with the lock held, reclaims
 * with it dropped and tries again (a few times).
 */
static enum vm_fault_result fault_with_reclaim(struct mm *mm, unsigned long addr,
					       unsigned int flags)
{
	enum vm_fault_result r;

	for (int tries = 0; ; tries++) {
		reclaim_if_short();
		mmap_read_lock(mm);
		r = cpu_fault(mm, addr, flags);
		mmap_read_unlock(mm);
		if (r != VM_FAULT_OOM || tries == 3 || !reclaim_pages(32))
			return r;
	}
}

/* Count a fault's outcome in /proc/vmstat. */
static enum vm_fault_result fault_account(enum vm_fault_result r)
{
	if (r == VM_FAULT_SEGV_MAPERR || r == VM_FAULT_SEGV_ACCERR)
		count_vm_event(SIGSEGV_FAULT);
	else if (r == VM_FAULT_SIGBUS || r == VM_FAULT_HWPOISON)
		count_vm_event(SIGBUS_FAULT);
	return r;
}

/* A CPU fault (trap.c) or a test: takes the mmap lock for reading, reclaims around it; may sleep. */
enum vm_fault_result vm_fault(struct mm *mm, unsigned long addr, unsigned int flags)
{
	might_sleep();
	return fault_account(fault_with_reclaim(mm, addr, flags));
}

/* vm_fault() for a holder of @mm's mmap lock, either way (swapoff): no reclaim retry; may sleep. */
enum vm_fault_result vm_fault_locked(struct mm *mm, unsigned long addr, unsigned int flags)
{
	mmap_assert_locked(mm);
	return fault_account(cpu_fault(mm, addr, flags));
}
