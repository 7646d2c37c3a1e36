/*
 * memory.c - user pages: the page-fault handler, copy-on-write, tearing
 * mappings down (zap), the fork copy, and get_user_pages.
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
 *
 * Write faults on a VMA without VM_WRITE, exec faults without VM_EXEC and
 * any access to a PROT_NONE VMA are refused before any of this
 * (SEGV_ACCERR); an address no VMA covers is SEGV_MAPERR; a file page at
 * or beyond EOF is SIGBUS.
 */
#include "mm/internal.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "mm/filemap.h"
#include "mm/shmem.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/task.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/swap.h"
#include "mm/vmscan.h"
#include "mm/vmstat.h"
#include <arch/pgtable.h>
#include <limits.h>		/* ULONG_MAX; after the UAPI headers (glibc) */

struct page *zero_page;

void vm_init(void)
{
	mmap_init();
	zero_page = alloc_page(GFP_ZERO);
	if (!zero_page)
		panic("vm_init: no zero page");
	page_set_flag(zero_page, PG_reserved);
	rmap_init();
}

static bool is_zero_page(const struct page *p)
{
	return p == zero_page;
}

static inline void add_mm_counter(struct mm *mm, enum mm_counter c, long d)
{
	__atomic_add_fetch(&mm->rss[c], d, __ATOMIC_RELAXED);
}

static enum mm_counter page_counter(const struct page *p)
{
	return page_test_flag(p, PG_anon) ? MM_ANONPAGES : MM_SHMEMPAGES;
}

/* A PTE now maps @p: count it (mapcount, meminfo, RSS). Caller holds a reference. */
static void page_add_map(struct mm *mm, struct page *p)
{
	if (__atomic_fetch_add(&p->mapcount, 1, __ATOMIC_RELAXED) == 0)
		mod_vm_stat(page_test_flag(p, PG_anon) ? NR_ANON_PAGES : NR_FILE_MAPPED, 1);
	add_mm_counter(mm, page_counter(p), 1);
}

/* A PTE stopped mapping @p: uncount it and drop the PTE's reference. */
static void page_remove_map(struct mm *mm, struct page *p)
{
	if (__atomic_sub_fetch(&p->mapcount, 1, __ATOMIC_RELAXED) == 0)
		mod_vm_stat(page_test_flag(p, PG_anon) ? NR_ANON_PAGES : NR_FILE_MAPPED, -1);
	add_mm_counter(mm, page_counter(p), -1);
	put_page(p);
}

/* MMU flags of a PTE in @v; @writable says whether this PTE may be written. */
static unsigned int pte_flags(const struct vma *v, bool writable)
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

/* A new anonymous page for @addr of @v, filed under the VMA's anon_vma. */
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

/* Install @p at @addr (no PTE there yet); the PTE takes the caller's reference. */
static int install_page(struct mm *mm, struct vma *v, unsigned long addr, struct page *p,
			bool writable)
{
	int err = arch_map(mm->pgd, addr, page_to_phys(p), PAGE_SIZE, pte_flags(v, writable));

	if (err)
		return err;
	if (!is_zero_page(p))
		page_add_map(mm, p);
	if (page_test_flag(p, PG_anon))
		lru_add(p);
	if (v->flags & VM_LOCKED)
		mod_vm_stat(NR_MLOCK, 1);
	return 0;
}

/*
 * Fault-around (as Linux's do_fault_around): a read fault on a file also
 * maps the neighbouring pages of its aligned 16-page window that are
 * already in the page cache, read-only, so a sequential reader takes one
 * fault per 64 KiB instead of one per page. A later write still faults
 * (COW for private mappings, dirty tracking for shared ones).
 */
#define FAULT_AROUND_PAGES	16

static void fault_around(struct mm *mm, struct vma *v, unsigned long addr)
{
	unsigned long lo = MAX(v->start, ALIGN_DOWN(addr, FAULT_AROUND_PAGES * PAGE_SIZE));
	unsigned long hi = MIN(v->end, lo + FAULT_AROUND_PAGES * PAGE_SIZE);
	struct inode *inode = v->file->inode;

	for (unsigned long a = lo; a < hi; a += PAGE_SIZE) {
		unsigned long idx = linear_page_index(v, a);
		struct mmu_mapping m;
		struct page *p;

		if (a == addr || arch_query(mm->pgd, a, &m) == 0)
			continue;
		/* Only below EOF: beyond it the access must raise SIGBUS. */
		if ((loff_t)(idx << PAGE_SHIFT) >= READ_ONCE(inode->size))
			break;
		p = filemap_get_page(inode, idx);
		if (!p)
			continue;
		if (install_page(mm, v, a, p, false))
			put_page(p);
		else
			count_vm_event(FAULT_AROUND);
	}
}

static enum vm_fault_result fault_absent(struct mm *mm, struct vma *v, unsigned long addr,
					 bool write)
{
	struct page *p, *copy;

	if (!v->file) {
		if (!write && !(v->flags & VM_SHARED)) {
			count_vm_event(ZERO_PAGE_MAP);
			return install_page(mm, v, addr, zero_page, false) ? VM_FAULT_OOM :
			       VM_FAULT_OK;
		}
		p = new_anon_page(v, addr, true);
		if (!p)
			return VM_FAULT_OOM;
		count_vm_event(ANON_FAULT);
		if (install_page(mm, v, addr, p, true)) {
			put_page(p);
			return VM_FAULT_OOM;
		}
		return VM_FAULT_OK;
	}

	p = shmem_get_page(v->file->inode, linear_page_index(v, addr), SGP_CACHE);
	if (IS_ERR(p))	/* beyond EOF, or its swap slot could not be read */
		return PTR_ERR(p) == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	count_vm_event(FILE_FAULT);
	if (!write)
		fault_around(mm, v, addr);
	if (write && !(v->flags & VM_SHARED)) {
		/* Private write: the process gets its own copy right away. */
		copy = new_anon_page(v, addr, false);
		if (!copy) {
			put_page(p);
			return VM_FAULT_OOM;
		}
		memcpy(page_address(copy), page_address(p), PAGE_SIZE);
		put_page(p);
		count_vm_event(COW_FAULT);
		p = copy;
	} else if (write) {
		page_set_flag(p, PG_dirty);
	}
	if (install_page(mm, v, addr, p, write || (v->flags & VM_SHARED))) {
		put_page(p);
		return VM_FAULT_OOM;
	}
	return VM_FAULT_OK;
}

/* Replace the PTE at @addr (mapping @old) with a private copy of it. */
static enum vm_fault_result cow_copy(struct mm *mm, struct vma *v, unsigned long addr,
				     struct page *old)
{
	struct page *copy = new_anon_page(v, addr, is_zero_page(old));

	if (!copy)
		return VM_FAULT_OOM;
	if (!is_zero_page(old))
		memcpy(page_address(copy), page_address(old), PAGE_SIZE);
	count_vm_event(COW_FAULT);
	arch_unmap(mm->pgd, addr, PAGE_SIZE);
	if (v->flags & VM_LOCKED)
		mod_vm_stat(NR_MLOCK, -1);	/* install_page counts the copy */
	if (!is_zero_page(old))
		page_remove_map(mm, old);
	if (install_page(mm, v, addr, copy, true)) {
		put_page(copy);
		return VM_FAULT_OOM;
	}
	return VM_FAULT_OK;
}

/* Only this PTE maps it and nobody pinned it: a write may reuse it in place. */
static bool page_exclusive_anon(struct page *p)
{
	return !is_zero_page(p) && page_test_flag(p, PG_anon) &&
	       __atomic_load_n(&p->mapcount, __ATOMIC_RELAXED) == 1 && page_count(p) == 1;
}

/* A write to a present, read-only PTE of a writable VMA. */
static enum vm_fault_result fault_wp(struct mm *mm, struct vma *v, unsigned long addr,
				     const struct mmu_mapping *m)
{
	struct page *old = pfn_to_page(m->pa >> PAGE_SHIFT);

	if (v->flags & VM_SHARED) {
		page_set_flag(old, PG_dirty);
		arch_protect(mm->pgd, addr, pte_flags(v, true));
		return VM_FAULT_OK;
	}
	if (page_exclusive_anon(old)) {
		count_vm_event(COW_REUSE);
		arch_protect(mm->pgd, addr, pte_flags(v, true));
		return VM_FAULT_OK;
	}
	return cow_copy(mm, v, addr, old);
}

/*
 * The PTE holds a swap entry: bring the page back (from the swap cache if
 * another sharer already did, else from the device), map it, and drop this
 * PTE's reference on the slot. While others still refer to the slot the
 * page is mapped read-only, so a write breaks COW as before swapping.
 */
static enum vm_fault_result fault_swapin(struct mm *mm, struct vma *v, unsigned long addr,
					 uint64_t slot, bool write)
{
	struct page *p;
	bool exclusive;

	if (slot == SWP_ERROR_MARKER)
		return VM_FAULT_SIGBUS;		/* the data was lost: never map garbage */
	p = swap_cache_read_page(slot);
	if (IS_ERR(p) && PTR_ERR(p) == -EIO) {
		/*
		 * The device could not give the page back. Replace this entry by
		 * a poisoned marker (and drop the slot): every later access, and
		 * the same address in a child forked from now on, gets SIGBUS
		 * instead of a page of garbage. (Linux: the swapin error PTE marker.)
		 */
		arch_clear_swap(mm->pgd, addr);
		arch_set_swap(mm->pgd, addr, SWP_ERROR_MARKER);
		add_mm_counter(mm, MM_SWAPENTS, -1);
		swap_free(slot);
		count_vm_event(SWAPIN_ERROR);
		return VM_FAULT_SIGBUS;
	}
	if (IS_ERR(p))
		return VM_FAULT_OOM;
	count_vm_event(PGMAJFAULT);
	if (anon_vma_prepare(v)) {
		put_page(p);
		return VM_FAULT_OOM;
	}
	/* Ours alone: no other swap PTE for the slot and no PTE on the frame. */
	exclusive = swap_count(slot) == 1 && !__atomic_load_n(&p->mapcount, __ATOMIC_RELAXED);
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
			page_set_anon_rmap(p, v, addr);
		else
			page_set_shared_anon_rmap(p, v, addr);
	}
	arch_clear_swap(mm->pgd, addr);
	add_mm_counter(mm, MM_SWAPENTS, -1);
	swap_free(slot);			/* may drop the cache's reference */
	if (install_page(mm, v, addr, p, exclusive && !(v->flags & VM_SHARED))) {
		put_page(p);
		return VM_FAULT_OOM;
	}
	if (write) {
		struct mmu_mapping m;

		if (arch_query(mm->pgd, addr, &m) == 0 && !(m.flags & MMU_WRITE))
			return fault_wp(mm, v, addr, &m);
	}
	return VM_FAULT_OK;
}

/* Is the access allowed by the VMA at all? (x86: write and exec imply read) */
static bool access_permitted(const struct vma *v, unsigned int flags)
{
	if (!(v->flags & VM_ACCESS_FLAGS))
		return false;
	if ((flags & FAULT_WRITE) && !(v->flags & VM_WRITE))
		return false;
	if ((flags & FAULT_EXEC) && !(v->flags & VM_EXEC))
		return false;
	return true;
}

static enum vm_fault_result handle_fault_locked(struct mm *mm, unsigned long addr,
						unsigned int flags)
{
	struct vma *v = vma_lookup(&mm->vmas, addr);
	struct mmu_mapping m;
	bool write = flags & FAULT_WRITE;
	uint64_t entry;
	int state;

	addr &= PAGE_MASK;
	if (!v)
		return VM_FAULT_SEGV_MAPERR;
	if (!access_permitted(v, flags))
		return VM_FAULT_SEGV_ACCERR;
	state = arch_query_or_swap(mm->pgd, addr, &m, &entry);	/* one page-table walk */
	if (state == 1)
		return fault_swapin(mm, v, addr, entry, write);
	if (state < 0)
		return fault_absent(mm, v, addr, write);
	if (m.flags & MMU_PROTNONE) {		/* left over from PROT_NONE: refresh */
		arch_protect(mm->pgd, addr, pte_flags(v, false));
		return VM_FAULT_OK;
	}
	if (write && !(m.flags & MMU_WRITE))
		return fault_wp(mm, v, addr, &m);
	return VM_FAULT_OK;		/* another path fixed it meanwhile */
}

/*
 * Reclaim needs the mmap lock of every mm it takes pages from, so a fault
 * reclaims before taking ours, and when it ran out of memory with the lock
 * held, reclaims with it dropped and tries again (a few times).
 */
static enum vm_fault_result fault_with_reclaim(struct mm *mm, unsigned long addr,
					       unsigned int flags)
{
	enum vm_fault_result r;

	for (int tries = 0; ; tries++) {
		reclaim_if_short();
		mmap_lock(mm);
		r = handle_fault_locked(mm, addr, flags);
		mmap_unlock(mm);
		if (r != VM_FAULT_OOM || tries == 3 || !reclaim_pages(32))
			return r;
	}
}

enum vm_fault_result vm_fault(struct mm *mm, unsigned long addr, unsigned int flags)
{
	enum vm_fault_result r;

	count_vm_event(PGFAULT);
	if (flags & FAULT_NOLOCK)
		r = handle_fault_locked(mm, addr, flags);
	else
		r = fault_with_reclaim(mm, addr, flags);
	if (r == VM_FAULT_SEGV_MAPERR || r == VM_FAULT_SEGV_ACCERR)
		count_vm_event(SIGSEGV_FAULT);
	else if (r == VM_FAULT_SIGBUS)
		count_vm_event(SIGBUS_FAULT);
	return r;
}

/* ---- tearing down ---- */

/*
 * TLB gather: unmapping clears PTEs without flushing each one, collects the
 * pages, then flushes the TLB once for the whole range and only *then*
 * drops the pages' mappings (rmap, mapcount) and references, which may
 * free them. Until the flush another CPU (later, with SMP) may still write
 * through a stale translation, so the frame must not be reused before:
 *
 *   clear PTE, clear PTE, ...  ->  flush TLB [start, end)  ->  put pages
 */
#define GATHER_MAX	64

struct mmu_gather {
	struct mm *mm;
	unsigned long start, end;	/* range of cleared PTEs still to flush */
	unsigned int nr;
	struct page *pages[GATHER_MAX];
};

static void tlb_gather_init(struct mmu_gather *tlb, struct mm *mm)
{
	tlb->mm = mm;
	tlb->start = ~0ul;
	tlb->end = 0;
	tlb->nr = 0;
}

static void tlb_flush_and_release(struct mmu_gather *tlb)
{
	if (tlb->end > tlb->start) {
		arch_flush_tlb_mm_range(tlb->mm->pgd, tlb->start, tlb->end);
		count_vm_event(TLB_FLUSH);
	}
	for (unsigned int i = 0; i < tlb->nr; i++)
		page_remove_map(tlb->mm, tlb->pages[i]);
	tlb->start = ~0ul;
	tlb->end = 0;
	tlb->nr = 0;
}

static void tlb_remove_page(struct mmu_gather *tlb, unsigned long va, struct page *p)
{
	tlb->start = MIN(tlb->start, va);
	tlb->end = MAX(tlb->end, va + PAGE_SIZE);
	if (is_zero_page(p))
		return;
	tlb->pages[tlb->nr++] = p;
	if (tlb->nr == GATHER_MAX)
		tlb_flush_and_release(tlb);
}

struct zap_ctx {
	struct mmu_gather tlb;
	bool unmap;			/* clear the PTEs too (not needed at exit) */
	bool keep_cows;			/* punch hole: private anonymous copies stay */
	const struct vma *vma;
};

static int zap_one(const struct mmu_mapping *m, void *arg)
{
	struct zap_ctx *c = arg;
	struct page *p = pfn_to_page(m->pa >> PAGE_SHIFT);

	if (c->keep_cows && page_test_flag(p, PG_anon))
		return 0;
	if (c->vma->flags & VM_LOCKED)
		mod_vm_stat(NR_MLOCK, -1);
	/* A file page written through this PTE keeps that news (Linux's set_page_dirty). */
	if ((m->flags & MMU_DIRTY) && !is_zero_page(p) && !page_test_flag(p, PG_anon))
		page_set_flag(p, PG_dirty);
	if (c->unmap) {
		arch_unmap_noflush(c->tlb.mm->pgd, m->va);
		tlb_remove_page(&c->tlb, m->va, p);
	} else if (!is_zero_page(p)) {
		page_remove_map(c->tlb.mm, p);	/* exit: the page tables go next */
	}
	return 0;
}

/* A swap entry being unmapped: the slot loses one reference. */
static int zap_swap_one(vaddr_t va, uint64_t slot, void *arg)
{
	struct zap_ctx *c = arg;

	if (c->unmap)
		arch_clear_swap(c->tlb.mm->pgd, va);
	if (slot == SWP_ERROR_MARKER)
		return 0;			/* a marker holds no slot */
	add_mm_counter(c->tlb.mm, MM_SWAPENTS, -1);
	swap_free(slot);
	return 0;
}

static void zap_walk(struct zap_ctx *c, unsigned long start, unsigned long end)
{
	arch_walk(c->tlb.mm->pgd, start, end, zap_one, c);
	tlb_flush_and_release(&c->tlb);
}

/* Recompute the PTE flags of every page of @v in [start, end) (mprotect). */
struct prot_ctx {
	struct mm *mm;
	struct vma *vma;
};

static int reprotect_one(const struct mmu_mapping *m, void *arg)
{
	struct prot_ctx *c = arg;
	struct page *p = pfn_to_page(m->pa >> PAGE_SHIFT);
	bool writable = (c->vma->flags & VM_SHARED) || page_exclusive_anon(p);

	arch_protect(c->mm->pgd, m->va, pte_flags(c->vma, writable));
	return 0;
}

void change_vma_protection(struct mm *mm, struct vma *v)
{
	struct prot_ctx c = { mm, v };

	arch_walk(mm->pgd, v->start, v->end, reprotect_one, &c);
}

/* Drop every page mapped in [start, end) of @v. */
void zap_vma_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end,
		   bool unmap)
{
	struct zap_ctx c = { .unmap = unmap, .vma = v };

	tlb_gather_init(&c.tlb, mm);
	zap_walk(&c, start, end);
	arch_walk_swap(mm->pgd, start, end, zap_swap_one, &c);
}

/*
 * The addresses of @v that map file pages [@first_index, @end_index):
 *
 *   file:   pgoff ....... first_index ######## end_index ....
 *   @v:     v->start .... *start ############# *end ... v->end
 *
 * clamped to @v (*start == *end when they do not meet).
 */
static void vma_index_range(const struct vma *v, unsigned long first_index,
			    unsigned long end_index, unsigned long *start, unsigned long *end)
{
	unsigned long n = vma_pages(v);
	unsigned long lo = first_index > v->pgoff ? MIN(first_index - v->pgoff, n) : 0;
	unsigned long hi = end_index > v->pgoff ? MIN(end_index - v->pgoff, n) : 0;

	*start = v->start + (lo << PAGE_SHIFT);
	*end = v->start + (MAX(lo, hi) << PAGE_SHIFT);
}

void zap_file_pages_range(struct vma *v, unsigned long first_index, unsigned long end_index,
			  bool even_cows)
{
	struct zap_ctx c = { .unmap = true, .keep_cows = !even_cows, .vma = v };
	unsigned long start, end;

	vma_index_range(v, first_index, end_index, &start, &end);
	tlb_gather_init(&c.tlb, v->mm);
	zap_walk(&c, start, end);
}

/* rmap: remove the PTE mapping @p at @addr of @v; a dirty PTE dirties @p. */
void unmap_page_at(struct vma *v, unsigned long addr, struct page *p)
{
	struct mmu_mapping m;

	if (arch_query(v->mm->pgd, addr, &m) == 0 && (m.flags & MMU_DIRTY))
		page_set_flag(p, PG_dirty);
	arch_unmap(v->mm->pgd, addr, PAGE_SIZE);
	if (v->flags & VM_LOCKED)
		mod_vm_stat(NR_MLOCK, -1);
	page_remove_map(v->mm, p);
}

/* Reclaim (mm/vmscan.c): replace the PTE mapping @p at @addr of @v by swap entry @slot. */
void unmap_page_to_swap(struct vma *v, unsigned long addr, struct page *p, unsigned long slot)
{
	arch_unmap(v->mm->pgd, addr, PAGE_SIZE);
	arch_set_swap(v->mm->pgd, addr, slot);
	add_mm_counter(v->mm, MM_SWAPENTS, 1);
	page_remove_map(v->mm, p);
}

/* ---- fork ---- */

struct copy_ctx {
	struct mm *dst, *src;
	struct vma *vma;
	int err;
};

static int copy_one(const struct mmu_mapping *m, void *arg)
{
	struct copy_ctx *c = arg;
	struct page *p = pfn_to_page(m->pa >> PAGE_SHIFT);
	unsigned int flags = m->flags & (MMU_USER | MMU_WRITE | MMU_EXEC | MMU_PROTNONE);

	/* Private pages become copy-on-write: read-only on both sides. */
	if (!(c->vma->flags & VM_SHARED) && (flags & MMU_WRITE)) {
		flags &= ~MMU_WRITE;
		arch_protect(c->src->pgd, m->va, flags);
	}
	if (arch_map(c->dst->pgd, m->va, m->pa, PAGE_SIZE, flags))
		return c->err = -ENOMEM;
	if (!is_zero_page(p)) {
		get_page(p);
		page_add_map(c->dst, p);
	}
	return 0;
}

/* fork: the child's PTE refers to the same slot, one more reference. */
static int copy_swap_one(vaddr_t va, uint64_t slot, void *arg)
{
	struct copy_ctx *c = arg;

	if (arch_set_swap(c->dst->pgd, va, slot))
		return c->err = -ENOMEM;
	if (slot == SWP_ERROR_MARKER)
		return 0;			/* the child inherits the poison, as on Linux */
	swap_dup(slot);
	add_mm_counter(c->dst, MM_SWAPENTS, 1);
	return 0;
}

int copy_vma_pages(struct mm *dst, struct mm *src, struct vma *v)
{
	struct copy_ctx c = { dst, src, v, 0 };

	arch_walk(src->pgd, v->start, v->end, copy_one, &c);
	if (!c.err)
		arch_walk_swap(src->pgd, v->start, v->end, copy_swap_one, &c);
	return c.err;
}

/*
 * MADV_PAGEOUT on [start, end) of @v: write each page only this PTE maps
 * to swap now - an anonymous page's PTE becomes its swap entry, a tmpfs
 * page (MAP_SHARED memory, memfd, a tmpfs file) leaves its slot in the
 * file (vmscan.c). Pages shared with other mappings stay, as on Linux.
 * Returns the pages swapped out, or -ENOSPC / -EIO when nothing could be
 * written.
 */
struct pageout_ctx {
	struct mm *mm;
	struct vma *vma;
	long done;
	int err;
};

static int pageout_anon_one(struct pageout_ctx *c, const struct mmu_mapping *m, struct page *p)
{
	long slot = swap_alloc_slot();

	if (slot < 0)
		return c->err = (int)slot;		/* no swap (left): stop */
	if (swap_writepage(p, slot)) {
		swap_free(slot);
		c->err = -EIO;
		return 0;
	}
	arch_unmap(c->mm->pgd, m->va, PAGE_SIZE);
	if (arch_set_swap(c->mm->pgd, m->va, slot)) {
		/* Cannot happen (the table exists); keep the data mapped. */
		arch_map(c->mm->pgd, m->va, m->pa, PAGE_SIZE, m->flags & (MMU_USER | MMU_WRITE | MMU_EXEC));
		swap_free(slot);
		return 0;
	}
	add_mm_counter(c->mm, MM_SWAPENTS, 1);
	page_remove_map(c->mm, p);			/* frees the frame */
	c->done++;
	return 0;
}

static int pageout_one(const struct mmu_mapping *m, void *arg)
{
	struct pageout_ctx *c = arg;
	struct page *p = pfn_to_page(m->pa >> PAGE_SHIFT);
	int err;

	if (m->flags & MMU_PROTNONE)
		return 0;
	if (!c->vma->file)
		return page_exclusive_anon(p) ? pageout_anon_one(c, m, p) : 0;
	if (page_test_flag(p, PG_anon) || READ_ONCE(p->mapcount) != 1)
		return 0;		/* a private COW copy of a file page, or shared */
	err = pageout_shmem_page(p, c->mm);
	if (!err)
		c->done++;
	else if (err == -ENOSPC)
		return c->err = err;
	else if (err == -EIO)
		c->err = err;
	return 0;
}

/* The caller (madvise) has refused VM_LOCKED VMAs already. */
long pageout_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end)
{
	struct pageout_ctx c = { mm, v, 0, 0 };

	arch_walk(mm->pgd, start, end, pageout_one, &c);
	return c.done ? c.done : c.err;
}

/*
 * MADV_COLD on [start, end) of @v: each page only this PTE maps loses its
 * accessed bit and goes to the head of the inactive list, so reclaim takes
 * it before pages still in use - Linux's madvise_cold: nothing is freed or
 * written now, and pages shared with other mappings are left alone.
 */
static int cold_one(const struct mmu_mapping *m, void *arg)
{
	struct mm *mm = arg;
	struct page *p = pfn_to_page(m->pa >> PAGE_SHIFT);

	if (is_zero_page(p) || READ_ONCE(p->mapcount) != 1)
		return 0;
	arch_clear_flags(mm->pgd, m->va, MMU_ACCESSED);
	lru_deactivate(p);
	return 0;
}

void cold_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end)
{
	arch_walk(mm->pgd, start, end, cold_one, mm);
}

/* ---- get_user_pages and kernel access to other address spaces ---- */

/* Make the page at @addr present (and, for @write, writable or private). */
static int gup_fault_in(struct mm *mm, struct vma *v, unsigned long addr, bool write,
			unsigned int gup_flags, struct mmu_mapping *m)
{
	for (int tries = 0; tries < 4; tries++) {
		struct page *p;

		if (arch_query(mm->pgd, addr, m)) {
			/* A forced write to a read-only VMA first reads the page in. */
			bool fw = write && (v->flags & VM_WRITE);

			if (handle_fault_locked(mm, addr, fw ? FAULT_WRITE : 0) != VM_FAULT_OK)
				return -EFAULT;
			continue;
		}
		if (!write || (m->flags & MMU_WRITE))
			return 0;
		if (v->flags & VM_WRITE) {
			if (handle_fault_locked(mm, addr, FAULT_WRITE) != VM_FAULT_OK)
				return -EFAULT;
			continue;
		}
		/* GUP_FORCE: write a read-only private VMA through a private copy. */
		if (!(gup_flags & GUP_FORCE) || (v->flags & VM_SHARED))
			return -EFAULT;
		p = pfn_to_page(m->pa >> PAGE_SHIFT);
		if (page_exclusive_anon(p))
			return 0;
		if (cow_copy(mm, v, addr, p) != VM_FAULT_OK)
			return -ENOMEM;
	}
	return -EFAULT;
}

long get_user_pages_locked(struct mm *mm, unsigned long start, unsigned long n,
			   unsigned int gup_flags, struct page **pages)
{
	bool write = gup_flags & GUP_WRITE;
	unsigned long i;

	for (i = 0; i < n; i++) {
		unsigned long addr = (start & PAGE_MASK) + i * PAGE_SIZE;
		struct vma *v = vma_lookup(&mm->vmas, addr);
		struct mmu_mapping m;

		if (!v || (!(gup_flags & GUP_FORCE) &&
			   !access_permitted(v, write ? FAULT_WRITE : 0)))
			break;
		if (!(v->flags & VM_ACCESS_FLAGS))
			break;
		if (gup_fault_in(mm, v, addr, write, gup_flags, &m))
			break;
		pages[i] = pfn_to_page(m.pa >> PAGE_SHIFT);
		get_page(pages[i]);
	}
	if (i == n)
		return (long)n;
	while (i--)
		put_page(pages[i]);
	return -EFAULT;
}

long get_user_pages(struct mm *mm, unsigned long start, unsigned long n, bool write,
		    struct page **pages)
{
	long r;

	mmap_lock(mm);
	r = get_user_pages_locked(mm, start, n, write ? GUP_WRITE : 0, pages);
	mmap_unlock(mm);
	return r;
}

/*
 * Copy into @mm's memory through its page tables, breaking COW even in
 * read-only private VMAs (like Linux's FOLL_FORCE): the ELF loader uses it
 * to zero the tail of a file-backed segment.
 */
int vm_copy_to(struct mm *mm, unsigned long dst, const void *src, size_t n)
{
	const char *s = src;
	int err = 0;

	mmap_lock(mm);
	while (n) {
		size_t chunk = MIN(n, PAGE_SIZE - (dst & ~PAGE_MASK));
		struct page *p;

		if (get_user_pages_locked(mm, dst, 1, GUP_WRITE | GUP_FORCE, &p) != 1) {
			err = -EFAULT;
			break;
		}
		if (s)
			memcpy((char *)page_address(p) + (dst & ~PAGE_MASK), s, chunk);
		else
			memset((char *)page_address(p) + (dst & ~PAGE_MASK), 0, chunk);
		put_page(p);
		if (s)
			s += chunk;
		dst += chunk;
		n -= chunk;
	}
	mmap_unlock(mm);
	return err;
}

/* Read @mm's memory without faulting anything in (absent pages read as zeros). */
int vm_copy_from(struct mm *mm, void *dst, unsigned long src, size_t n)
{
	char *d = dst;

	while (n) {
		size_t chunk = MIN(n, PAGE_SIZE - (src & ~PAGE_MASK));
		struct mmu_mapping m;

		if (arch_query(mm->pgd, src, &m))
			memset(d, 0, chunk);
		else
			memcpy(d, (char *)phys_to_virt(m.pa) + (src - m.va), chunk);
		d += chunk;
		src += chunk;
		n -= chunk;
	}
	return 0;
}
