/*
 * gup.c - get_user_pages: the kernel reaching into a user address space
 * through its page tables rather than through the current CR3. Used for
 * MAP_POPULATE/mlock prefaulting (populate_range_locked, here), the ELF loader and
 * set_tid_address-style stores into another process (vm_copy_to), and
 * /proc and tests reading another process's memory (vm_copy_from).
 *
 * A pinned page is one the caller holds a reference on (get_page): it
 * cannot be freed while pinned, though reclaim may still unmap it. GUP
 * faults pages in through the same fault handler a user access takes
 * (memory.c's handle_mm_fault, which counts it in pgfault as Linux's does), and
 * with the mmap lock already held by the caller (for reading is enough):
 *
 *   lock PTE --absent--> handle_vma_fault(read or write) ---+
 *       |  read-only, write wanted, VMA writable --> write fault
 *       |  read-only, GUP_FORCE, VMA read-only ----> FAULT_UNSHARE (COW copy)
 *       |  GUP_PIN read-only, COW-shared ----------> FAULT_UNSHARE (gup_must_unshare)
 *       v  present and good enough: reference it <----------+ (retry, 4 times)
 *          before the page-table lock goes
 *
 * A fault's success is never taken for the page itself: other tasks of the
 * mm fault, zap and swap under the same read lock, so the PTE is looked
 * at again afterwards (a populate of a missing page re-reads the slot
 * through its cursor, without a new walk).
 *
 * Linux's FOLL_FORCE lets ptrace and /proc/<pid>/mem write read-only
 * private mappings the same way: the write lands in a private copy, never
 * in the file.
 */
#include "mm/internal.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "mm/page_alloc.h"
#include "mm/swap.h"
#include "mm/vmscan.h"
#include "mm/vmstat.h"
#include <arch/pgtable.h>

/* Tries before giving up on a page that keeps changing under us. */
#define GUP_TRIES	4

/* A fault's failure as an errno, as Linux's faultin_page() maps it. */
static int gup_fault_error(enum vm_fault_result r)
{
	switch (r) {
	case VM_FAULT_OOM:
		return -ENOMEM;
	case VM_FAULT_HWPOISON:
		return -EHWPOISON;
	default:
		return -EFAULT;		/* SIGBUS or SIGSEGV */
	}
}

/*
 * Must a read-only pin of @p (mapped by @v) unshare it first? (Linux's
 * gup_must_unshare.) Only in a copy-on-write mapping: an anonymous page
 * another mm or reference shares, whose owner's next write would copy it
 * away from the pin (the CVE-2020-29374 class: a pin seeing the other
 * side's data); for a long-term pin, also a page-cache page or the zero
 * page, which the owner's next write would replace the same way.
 */
static bool gup_must_unshare(const struct vma *v, struct page *p, unsigned int gup_flags)
{
	if (!is_cow_mapping(v->flags))
		return false;
	if (page_test_flag(p, PG_anon) && !is_zero_page(p))
		return !page_exclusive_anon(p);
	return gup_flags & GUP_LONGTERM;
}

/*
 * A populate about to fault @addr in (mmap lock held for reading, nothing
 * else): if its PTE is a swap entry whose page is not in the swap cache,
 * read the slot into the cache with the mmap lock dropped, so that
 * reclaim and writers can take it while the I/O sleeps (Linux's
 * faultin_page drops it the same way: VM_FAULT_RETRY). One more reference
 * on the slot keeps it from being freed and reused meanwhile. Returns
 * true when the lock was dropped and retaken: every VMA pointer is then
 * stale.
 */
static bool gup_swapin_unlocked(struct mm *mm, unsigned long addr)
{
	/* LAB populate BEGIN */
	/* LAB populate STUB: return false; */
	struct pte_cursor c;
	struct pte_val pv;
	unsigned long slot;
	struct page *p;

	pte_cursor_lock(&c, &mm->pgt, addr);
	if (pte_cursor_get(&c, &pv) != PTE_KIND_SWAP || pv.swap == SWP_ERROR_MARKER) {
		pte_cursor_unlock(&c);
		return false;
	}
	slot = pv.swap;
	p = swap_cache_lookup(slot);
	if (p) {
		put_page(p);			/* cached: the fault needs no I/O */
		pte_cursor_unlock(&c);
		return false;
	}
	swap_dup(slot);
	pte_cursor_unlock(&c);
	count_vm_event(POPULATE_UNLOCKED);
	mmap_read_unlock(mm);
	p = swap_cache_read_page(slot);		/* an error is the fault's to report */
	if (!IS_ERR_OR_NULL(p))
		put_page(p);			/* the cache keeps it for the fault */
	swap_free(slot);
	mmap_read_lock(mm);
	return true;
	/* LAB populate END */
}

/*
 * What an access (@write, @gup_flags) still needs from page @p, which the
 * PTE maps in @v with MMU_* @flags: 0 when the page will do as it is,
 * FAULT_WRITE or FAULT_UNSHARE for the fault that makes it do, -EFAULT
 * when nothing can (a write to a read-only VMA without GUP_FORCE, or to a
 * shared one). Pure; called under the page-table lock.
 */
static int gup_needs(const struct vma *v, struct page *p, unsigned int flags, bool write,
		     unsigned int gup_flags)
{
	if (!write)
		return (gup_flags & GUP_PIN) && gup_must_unshare(v, p, gup_flags) ?
		       FAULT_UNSHARE : 0;
	if (flags & MMU_WRITE)
		return 0;
	if (v->flags & VM_WRITE)
		return FAULT_WRITE;
	/* GUP_FORCE: write a read-only private VMA through a private copy. */
	if (!(gup_flags & GUP_FORCE) || (v->flags & VM_SHARED))
		return -EFAULT;
	return page_exclusive_anon(p) ? 0 : FAULT_UNSHARE;
}

/*
 * Make the page at @addr of @v present (and, for @write, writable or
 * private); with @pagep, take a reference on it into *@pagep. Only what
 * is missing is faulted: a present page good enough for the access costs
 * one PTE lookup. Whatever a fault did, the PTE is looked at again under
 * the page-table lock before it counts: under the mmap lock held for
 * reading another task may fault, zap or swap the same page meanwhile,
 * and its fault may have won the slot with less than ours asked for (a
 * zero page for our write). The reference is taken before that lock goes,
 * so a concurrent zap (MADV_DONTNEED, reclaim) cannot free the page first
 * (Linux's follow_page_pte). 0 or -EFAULT / -ENOMEM / -EHWPOISON, or with
 * GUP_UNLOCKABLE -EAGAIN: the mmap lock was dropped (for swap-in I/O) and
 * retaken, @v may be gone. mmap lock held; may sleep.
 */
static int gup_fault_in(struct mm *mm, struct vma *v, unsigned long addr, bool write,
			unsigned int gup_flags, struct page **pagep)
{
	for (int tries = 0; tries < GUP_TRIES; tries++) {
		enum vm_fault_result r;
		struct pte_cursor c;
		struct pte_val pv;
		int need;

		pte_cursor_lock(&c, &mm->pgt, addr);
		if (pte_cursor_get(&c, &pv) != PTE_KIND_PAGE || (pv.flags & MMU_PROTNONE)) {
			/* Absent, on swap, or PROT_NONE left over: fault it in. */
			pte_cursor_unlock(&c);
			if ((gup_flags & GUP_UNLOCKABLE) && gup_swapin_unlocked(mm, addr))
				return -EAGAIN;
			/* A forced write to a read-only VMA first reads the page in. */
			need = write && (v->flags & VM_WRITE) ? FAULT_WRITE : 0;
		} else {
			struct page *p = pfn_to_page(pv.pa >> PAGE_SHIFT);

			need = gup_needs(v, p, pv.flags, write, gup_flags);
			if (!need && pagep) {
				get_page(p);
				*pagep = p;
			}
			pte_cursor_unlock(&c);
			if (need <= 0)
				return need;
		}
		r = handle_vma_fault(mm, v, addr, (unsigned int)need);
		if (r != VM_FAULT_OK)
			return gup_fault_error(r);
	}
	return -EFAULT;
}

/*
 * Pin @n pages from @start of @mm (see vm.h): n, or with nothing left
 * pinned -EFAULT (no access), -ENOMEM (out of memory) or -EINTR (the
 * caller is being killed: a long pin gives up, as Linux's does). mmap
 * lock held (for reading is enough: each page is referenced under the
 * page-table lock, gup_fault_in); may sleep (faults, and a cond_resched()
 * per page).
 */
long get_user_pages_locked(struct mm *mm, unsigned long start, unsigned long n,
			   unsigned int gup_flags, struct page **pages)
{
	bool write = gup_flags & GUP_WRITE;
	long err = -EFAULT;
	unsigned long i;

	mmap_assert_locked(mm);
	for (i = 0; i < n; i++) {
		unsigned long addr = (start & PAGE_MASK) + i * PAGE_SIZE;
		struct vma *v = vma_lookup(&mm->vmas, addr);

		if (fatal_signal_pending(current())) {
			err = -EINTR;
			break;
		}
		cond_resched();

		/* Secret memory is out of the kernel's reach (Linux's check_vma_flags). */
		if (!v || vma_is_secretmem(v))
			break;
		/* Without GUP_FORCE the VMA must allow the access, as a user's would. */
		if (!(gup_flags & GUP_FORCE) && !vma_access_permitted(v, write ? FAULT_WRITE : 0))
			break;
		if (!(v->flags & VM_ACCESS_FLAGS))
			break;			/* PROT_NONE: not even with GUP_FORCE */
		err = gup_fault_in(mm, v, addr, write, gup_flags, &pages[i]);
		if (err == -EHWPOISON)
			err = -EFAULT;		/* GUP's callers know no poison */
		if (err)
			break;
		if (gup_flags & GUP_PIN)
			__atomic_fetch_add(&pages[i]->pincount, 1, __ATOMIC_RELAXED);
	}
	if (i == n)
		return (long)n;
	while (i--) {
		if (gup_flags & GUP_PIN)
			unpin_user_page(pages[i]);
		else
			put_page(pages[i]);
	}
	return err;
}

/* Contract in vm.h. */
void unpin_user_page(struct page *p)
{
	int was = __atomic_fetch_sub(&p->pincount, 1, __ATOMIC_RELAXED);

	BUG_ON(was <= 0);
	put_page(p);
}

/*
 * The populate loop (internal.h), which MAP_POPULATE, mlock and
 * MADV_POPULATE_* share, as Linux's share __get_user_pages(): page by
 * page from ps->addr to @end of @v, each faulted in only if missing (or,
 * for @write, not writable: a write fault allocates a file hole or breaks
 * COW), nothing pinned. The range is walked once per page-table page (a
 * cursor stepping along it), and a missing page is faulted on that cursor
 * (handle_vma_fault_at): no second walk. A fatal signal ends it with
 * -EINTR, so a populate larger than memory, whose task the OOM killer
 * picks, unwinds at once;
 * a cond_resched() per page lets others run. A page on swap is read in
 * with the mmap lock dropped, once per page (gup_swapin_unlocked):
 * -EAGAIN then tells the caller to look the VMA up again at ps->addr.
 */
int populate_vma_range(struct mm *mm, struct vma *v, unsigned long end, bool write,
		       struct populate_state *ps)
{
	const unsigned int fault = write ? FAULT_WRITE : 0;
	bool walked = false;
	struct pte_cursor c;
	struct pte_val pv;
	int err;

	mmap_assert_locked(mm);
	for (; ps->addr < end; ps->addr += PAGE_SIZE) {
		enum pte_kind kind;

		if (fatal_signal_pending(current()))
			return -EINTR;
		cond_resched();
		/* One walk per page-table page; the cursor steps within it. */
		if (!walked || !pte_cursor_next(&c, end))
			pte_cursor_map(&c, &mm->pgt, ps->addr);
		walked = true;
		kind = pte_cursor_get(&c, &pv);		/* a hint: the fault re-reads it */
		if (kind == PTE_KIND_NONE) {		/* missing: fault it on our cursor */
			enum vm_fault_result r = handle_vma_fault_at(mm, v, ps->addr, fault, &c);

			if (r != VM_FAULT_OK)
				return gup_fault_error(r);
			/*
			 * Ours, or another task's fault that won the slot: look
			 * (a zero page there does not do for a write). The fault
			 * made the page table if there was none: walk to it.
			 */
			if (!c.pte)
				pte_cursor_map(&c, &mm->pgt, ps->addr);
			kind = pte_cursor_get(&c, &pv);
		}
		if (kind != PTE_KIND_PAGE || (pv.flags & MMU_PROTNONE) ||
		    (write && !(pv.flags & MMU_WRITE))) {
			/* On swap, read-only for a write, PROT_NONE left over: the general path. */
			err = gup_fault_in(mm, v, ps->addr, write,
					   ps->dropped_at == ps->addr ? 0 : GUP_UNLOCKABLE, NULL);
			walked = false;			/* the lock may have been dropped */
			if (err == -EAGAIN)
				ps->dropped_at = ps->addr;
			if (err)
				return err;
		}					/* else good enough already */
		ps->reclaims = 0;
	}
	return 0;
}

/*
 * After populate_vma_range() ran out of memory at ps->addr: reclaim with
 * the mmap lock (held for reading) dropped, as a CPU fault does
 * (memory.c): reclaim trylocks the mmap lock of every mm it takes pages
 * from, and a writer queued on ours would make that fail. True when
 * the page is worth another try (pages were freed; at most 3 rounds a
 * page); the lock is retaken either way, the VMA to be looked up again.
 */
bool populate_reclaim(struct mm *mm, struct populate_state *ps)
{
	bool freed;

	if (ps->reclaims++ == 3)
		return false;
	count_vm_event(POPULATE_UNLOCKED);
	mmap_read_unlock(mm);
	freed = reclaim_pages(32) > 0;
	mmap_read_lock(mm);
	return freed;
}

/*
 * Fault in [start, end) as MAP_POPULATE and mlock do (internal.h). A VMA
 * whose page fails is left at that page and the error hidden (Linux's
 * __mm_populate goes on with the next VMA); only -EINTR is passed on.
 * The mmap lock may be dropped and retaken meanwhile (populate_vma_range).
 */
int populate_range_locked(struct mm *mm, unsigned long start, unsigned long end)
{
	struct populate_state ps = { .addr = start, .dropped_at = -1ul };
	bool skip = false;		/* the VMA at ps.addr failed: go past it */

	mmap_assert_locked(mm);
	while (ps.addr < end) {
		struct vma *v = vma_find(&mm->vmas, ps.addr);
		bool write;
		int err;

		if (!v || v->start >= end)
			break;
		if ((skip && v->start <= ps.addr) || !(v->flags & VM_ACCESS_FLAGS) ||
		    vma_is_secretmem(v)) {
			/* failed (hidden), PROT_NONE, or secret: faulted by its owner only */
			ps.addr = MIN(end, v->end);
			skip = false;
			continue;
		}
		ps.addr = MAX(ps.addr, v->start);
		write = (v->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
		err = populate_vma_range(mm, v, MIN(end, v->end), write, &ps);
		if (err == -EINTR)
			return -EINTR;
		if (err == -ENOMEM)
			skip = !populate_reclaim(mm, &ps);	/* the lock was dropped */
		else if (err && err != -EAGAIN)
			skip = true;
		/* Look the VMA up again: it may have changed while unlocked. */
	}
	return 0;
}

/* Contract in internal.h. */
void mmap_write_unlock_populate(struct mm *mm, unsigned long start, unsigned long end)
{
	mmap_write_downgrade(mm);
	populate_range_locked(mm, start, end);	/* errors hidden, as Linux's mm_populate */
	mmap_read_unlock(mm);
}

/*
 * Copy into @mm's memory through its page tables, breaking COW even in
 * read-only private VMAs (like Linux's FOLL_FORCE): the ELF loader uses it
 * to zero the tail of a file-backed segment (@src NULL: write zeros).
 * Returns 0 or -EFAULT. Takes the mmap lock for reading; may sleep.
 */
int vm_copy_to(struct mm *mm, unsigned long dst, const void *src, size_t n)
{
	const char *s = src;
	int err = 0;

	mmap_read_lock(mm);
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
	mmap_read_unlock(mm);
	return err;
}

/*
 * Read @mm's memory without faulting anything in (absent pages read as
 * zeros). Returns 0. The caller keeps @mm's page tables alive (holds the
 * mmap lock, or the mm is not running); does not sleep.
 */
int vm_copy_from(struct mm *mm, void *dst, unsigned long src, size_t n)
{
	char *d = dst;

	while (n) {
		size_t chunk = MIN(n, PAGE_SIZE - (src & ~PAGE_MASK));
		struct mmu_mapping m;

		if (arch_query(&mm->pgt, src, &m) ||
		    page_test_flag(pfn_to_page(m.pa >> PAGE_SHIFT), PG_secret))
			memset(d, 0, chunk);	/* absent, or secret: not in the direct map */
		else
			memcpy(d, (char *)phys_to_virt(m.pa) + (src - m.va), chunk);
		d += chunk;
		src += chunk;
		n -= chunk;
	}
	return 0;
}
