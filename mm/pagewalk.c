/*
 * pagewalk.c - range operations on a VMA's page tables, each done with
 * page-table cursors (arch/pgtable.h) one page table at a time: tearing
 * mappings down (zap: munmap, exit, MADV_DONTNEED, truncate), fork's copy,
 * mprotect's re-protection, MADV_PAGEOUT / MADV_COLD, /proc/PID/clear_refs,
 * and the single-PTE unmaps rmap and reclaim ask for.
 *
 * walk_ptes() is the loop they share: one walk per page table (512 PTEs,
 * 2 MiB), the cursor stepping from slot to slot without walking again, and
 * a hole (no table) skipped in one step:
 *
 *   start                                                       end
 *     |--- PT #1 (locked once) ---|--- no table: skip ---|--- PT #3 ---|
 *      fn fn . fn . . fn fn fn                             fn . fn
 *
 * The callback runs with the page-table lock held (spinlock, interrupts
 * off). Work that may sleep (swap writes, shmem writeout, which rmap-walks
 * and takes this lock itself) unlocks the cursor around it and re-reads
 * the entry after re-locking. Every function here needs the mmap lock of
 * the mm(s) it touches, which keeps page tables from being freed meanwhile.
 *
 * The fault path is in memory.c.
 */
#include "mm/internal.h"
#include "kernel/compiler.h"
#include "kernel/lib/string.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/swap.h"
#include "mm/vmscan.h"
#include "mm/vmstat.h"
#include "kernel/errno.h"
#include <arch/pgtable.h>
#include <arch/tlb.h>
#include <arch/page.h>

/* Called for every non-empty PTE; non-zero stops the walk and is returned. */
typedef int (*pte_fn)(struct pte_cursor *c, const struct pte_val *pv, void *arg);

static int walk_ptes(struct pgtable *pgt, unsigned long start, unsigned long end, pte_fn fn,
		     void *arg)
{
	struct pte_cursor c;
	int ret = 0;

	for (unsigned long va = start; va < end && !ret; va = pte_cursor_span_end(&c)) {
		pte_cursor_lock(&c, pgt, va);
		/* Reclaim may have left changed PTEs unflushed: not for us to meet. */
		tlb_flush_batched_pending(pgt);
		do {
			struct pte_val pv;

			if (pte_cursor_get(&c, &pv) != PTE_KIND_NONE)
				ret = fn(&c, &pv, arg);
		} while (!ret && pte_cursor_next(&c, end));
		pte_cursor_unlock(&c);
	}
	return ret;
}

static struct page *pte_page(const struct pte_val *pv)
{
	return pfn_to_page(pv->pa >> PAGE_SHIFT);
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
#define GATHER_MAX	64		/* pages kept in the gather itself (on the stack) */
#define GATHER_EXTRA	16		/* at most this many overflow pages per flush */

/*
 * When the 64 slots are full, further pages go to overflow pages taken
 * from the buddy allocator without reclaim (the page-table lock is held),
 * 510 pointers each, so that unmapping up to ~32 MiB costs one flush - one
 * shootdown of the other CPUs - rather than one per 64 pages. If no page
 * can be had, the gather flushes early instead: correct, only slower.
 */
struct gather_batch {
	struct gather_batch *next;
	unsigned long nr;
	struct page *pages[(PAGE_SIZE - 2 * sizeof(long)) / sizeof(struct page *)];
};
_Static_assert(sizeof(struct gather_batch) <= PAGE_SIZE, "one page per batch");

struct mmu_gather {
	struct mm *mm;
	unsigned long start, end;	/* range of cleared PTEs still to flush */
	unsigned int nr;
	struct page *pages[GATHER_MAX];
	struct gather_batch *batch;	/* overflow pages, newest first */
	unsigned int nbatch;
};

static void tlb_gather_init(struct mmu_gather *tlb, struct mm *mm)
{
	tlb->mm = mm;
	tlb->start = ~0ul;
	tlb->end = 0;
	tlb->nr = 0;
	tlb->batch = NULL;
	tlb->nbatch = 0;
}

static void tlb_flush_and_release(struct mmu_gather *tlb)
{
	if (tlb->end > tlb->start) {
		arch_flush_tlb_mm_range(&tlb->mm->pgt, tlb->start, tlb->end);
		count_vm_event(TLB_FLUSH);
	}
	for (unsigned int i = 0; i < tlb->nr; i++)
		page_remove_map(tlb->mm, tlb->pages[i]);
	while (tlb->batch) {
		struct gather_batch *b = tlb->batch;

		for (unsigned long i = 0; i < b->nr; i++)
			page_remove_map(tlb->mm, b->pages[i]);
		tlb->batch = b->next;
		free_page(virt_to_page(b));
	}
	tlb->start = ~0ul;
	tlb->end = 0;
	tlb->nr = 0;
	tlb->nbatch = 0;
}

/* Room for one more page outside the inline slots, or false (flush first). */
static bool tlb_batch_room(struct mmu_gather *tlb)
{
	struct gather_batch *b = tlb->batch;
	struct page *pg;

	if (b && b->nr < ARRAY_SIZE(b->pages))
		return true;
	if (tlb->nbatch == GATHER_EXTRA)
		return false;
	pg = alloc_page(0);		/* no reclaim: the page-table lock is held */
	if (!pg)
		return false;
	b = page_address(pg);
	b->next = tlb->batch;
	b->nr = 0;
	tlb->batch = b;
	tlb->nbatch++;
	return true;
}

static void tlb_remove_page(struct mmu_gather *tlb, unsigned long va, struct page *p)
{
	bool zero = is_zero_page(p);

	/* Full: flush what is gathered (va's PTE goes in the next range). */
	if (!zero && tlb->nr == GATHER_MAX && !tlb_batch_room(tlb))
		tlb_flush_and_release(tlb);
	tlb->start = MIN(tlb->start, va);
	tlb->end = MAX(tlb->end, va + PAGE_SIZE);
	if (zero)
		return;
	if (tlb->nr < GATHER_MAX)
		tlb->pages[tlb->nr++] = p;
	else
		tlb->batch->pages[tlb->batch->nr++] = p;
}

struct zap_ctx {
	struct mmu_gather tlb;
	bool unmap;			/* clear the PTEs too (not needed at exit) */
	bool keep_cows;			/* punch hole: private anonymous copies stay */
	bool swap;			/* swap entries go too (not for truncate) */
	const struct vma *vma;
};

static void zap_page(struct zap_ctx *c, struct pte_cursor *pc, const struct pte_val *pv)
{
	struct page *p = pte_page(pv);

	if (c->keep_cows && page_test_flag(p, PG_anon))
		return;
	if (c->vma->flags & VM_LOCKED)
		mod_vm_stat(NR_MLOCK, -1);
	/* A file page written through this PTE keeps that news (Linux's set_page_dirty). */
	if ((pv->flags & MMU_DIRTY) && !is_zero_page(p) && !page_test_flag(p, PG_anon))
		page_set_flag(p, PG_dirty);
	if (c->unmap) {
		pte_cursor_clear(pc, PTE_NOFLUSH);
		tlb_remove_page(&c->tlb, pc->va, p);
	} else if (!is_zero_page(p)) {
		page_remove_map(c->tlb.mm, p);	/* exit: the page tables go next */
	}
}

/* A swap entry being unmapped: the slot loses one reference. */
static void zap_swap(struct zap_ctx *c, struct pte_cursor *pc, uint64_t slot)
{
	if (c->unmap)
		pte_cursor_clear(pc, PTE_NOFLUSH);
	if (slot == SWP_ERROR_MARKER)
		return;				/* a marker holds no slot */
	add_mm_counter(c->tlb.mm, MM_SWAPENTS, -1);
	swap_free(slot);
}

static int zap_one(struct pte_cursor *pc, const struct pte_val *pv, void *arg)
{
	struct zap_ctx *c = arg;

	if (pv->kind == PTE_KIND_PAGE)
		zap_page(c, pc, pv);
	else if (c->swap)
		zap_swap(c, pc, pv->swap);
	return 0;
}

/* How much zap_vma_range walks between two preemption points. */
#define ZAP_CHUNK	(64ul << 20)

/*
 * munmap, exit (ZAP_EXIT: the tables go next), MADV_DONTNEED, the OOM
 * reaper: drop the pages and swap entries of [start, end) of @v. A huge
 * range is walked ZAP_CHUNK at a time with a cond_resched() between (after
 * a flush, so no page waits in the gather across a sleep): unmapping a
 * terabyte does not keep other tasks off the CPU. mmap lock held; takes
 * the page-table lock per table; may sleep.
 */
void zap_vma_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end,
		   enum zap_mode mode)
{
	struct zap_ctx c = { .unmap = mode != ZAP_EXIT, .swap = true, .vma = v };

	mmap_assert_locked(mm);
	tlb_gather_init(&c.tlb, mm);
	while (start < end) {
		unsigned long next = (start & ~(ZAP_CHUNK - 1)) + ZAP_CHUNK;

		if (next > end || next < start)
			next = end;
		walk_ptes(&mm->pgt, start, next, zap_one, &c);
		start = next;
		if (start < end && mode != ZAP_REAP && need_resched()) {
			tlb_flush_and_release(&c.tlb);
			cond_resched();
		}
	}
	tlb_flush_and_release(&c.tlb);
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

/*
 * Truncate / punch hole: unmap file pages [first_index, end_index) from @v
 * (private COW copies too with @even_cows). i_mmap_lock held (it keeps @v);
 * takes the page-table lock per table; does not sleep.
 */
void zap_file_pages_range(struct vma *v, unsigned long first_index, unsigned long end_index,
			  bool even_cows)
{
	struct zap_ctx c = { .unmap = true, .keep_cows = !even_cows, .vma = v };
	unsigned long start, end;

	vma_index_range(v, first_index, end_index, &start, &end);
	tlb_gather_init(&c.tlb, v->mm);
	walk_ptes(&v->mm->pgt, start, end, zap_one, &c);
	tlb_flush_and_release(&c.tlb);
}

/*
 * rmap (try_to_unmap): remove the PTE mapping @p at @addr of @v, moving a
 * dirty bit to PG_dirty, and drop its reference. With @b (reclaim) the
 * TLB flush is left to the batch, whose owner keeps its own reference on
 * @p until it has flushed; NULL flushes now. anon_vma or i_mmap lock
 * held; takes @v's page-table lock; one walk; does not sleep.
 */
/*
 * Lock the PTE at @addr of @v if it still maps @p (read into *@pv): rmap
 * found @p there, but under another lock, and a zap (MADV_DONTNEED, under
 * the mmap lock held for reading, like reclaim's) or a COW copy may have
 * changed the PTE since. False, with the cursor unlocked, if it did.
 */
static bool lock_pte_of_page(struct pte_cursor *c, struct vma *v, unsigned long addr,
			     struct page *p, struct pte_val *pv)
{
	pte_cursor_lock(c, &v->mm->pgt, addr);
	if (pte_cursor_get(c, pv) == PTE_KIND_PAGE && pv->pa == page_to_phys(p))
		return true;
	pte_cursor_unlock(c);
	return false;
}

bool unmap_page_at(struct vma *v, unsigned long addr, struct page *p, struct tlb_batch *b)
{
	struct pte_cursor c;
	struct pte_val pv;

	if (!lock_pte_of_page(&c, v, addr, p, &pv))
		return false;
	if (pv.flags & MMU_DIRTY)
		page_set_flag(p, PG_dirty);
	if (b)
		pte_cursor_clear_batched(&c, b);
	else
		pte_cursor_clear(&c, PTE_FLUSH);
	if (v->flags & VM_LOCKED)
		mod_vm_stat(NR_MLOCK, -1);
	page_remove_map(v->mm, p);
	pte_cursor_unlock(&c);
	return true;
}

/*
 * Reclaim: the PTE mapping @p at @addr of @v becomes swap entry @slot,
 * its flush left to batch @b (the caller holds a reference on @p until it
 * has flushed @b). The entry takes the caller's slot reference, or with
 * @dup one more of its own. Caller holds @v's mmap lock (trylocked) and
 * the rmap lock; one walk; does not sleep. The entry keeps the PTE's
 * soft-dirty bit. False, with nothing done, when the PTE no longer maps
 * @p (lock_pte_of_page says why).
 */
bool unmap_page_to_swap(struct vma *v, unsigned long addr, struct page *p, unsigned long slot,
			bool dup, struct tlb_batch *b)
{
	struct pte_cursor c;
	struct pte_val pv;

	if (!lock_pte_of_page(&c, v, addr, p, &pv))
		return false;
	if (dup)
		swap_dup(slot);		/* before the entry exists: a swap-in may free one */
	pte_cursor_clear_batched(&c, b);
	pte_cursor_set_swap(&c, slot, pv.flags);	/* the table is there: cannot fail */
	add_mm_counter(v->mm, MM_SWAPENTS, 1);
	page_remove_map(v->mm, p);
	pte_cursor_unlock(&c);
	return true;
}

/* ---- fork ---- */

/*
 * A pinned anonymous page (GUP_PIN) is not shared with the child: sharing
 * it would make the parent's next write copy it away from the pin, which
 * would then no longer see the parent's data (Linux's
 * page_needs_cow_for_dma). The child gets its own copy now, in
 * @*prealloc (taken; -EAGAIN asks the caller for one, allocated with the
 * locks dropped), and the parent's PTE stays as it was.
 */
static int copy_pinned_one(struct pte_cursor *d, struct page *p, struct vma *v,
			   struct page **prealloc)
{
	struct page *copy = *prealloc;
	int err;

	if (!copy)
		return -EAGAIN;
	*prealloc = NULL;
	copy_pages(page_address(copy), page_address(p), PAGE_SIZE);
	page_set_flag(copy, PG_anon);
	page_set_anon_rmap(copy, v, d->va);
	count_vm_event(PGALLOC);
	err = install_page(d, v, copy, /* writable= */true);
	if (err)
		put_page(copy);
	return err;
}

/*
 * Map the parent's page @p in the child (@d, same address; @v is the
 * child's VMA) with MMU_* @flags: one more PTE on the same frame, so one
 * more reference and one more mapping (the zero page counts neither).
 */
static int share_with_child(struct pte_cursor *d, struct vma *v, struct mm *dst,
			    struct page *p, unsigned int flags)
{
	debug_check_page_at(v, d->va, p);
	if (pte_cursor_set_page(d, page_to_phys(p), flags))
		return -ENOMEM;
	if (!is_zero_page(p)) {
		get_page(p);
		page_add_map(dst, p);
	}
	return 0;
}

/*
 * Copy one PTE of the parent (@s) into the child (@d, same address; @v
 * is the child's VMA). Private pages become copy-on-write: read-only on
 * both sides, one frame (pinned ones are copied: copy_pinned_one). A
 * swap entry gives the child one more reference on the slot. Soft-dirty
 * bits are copied as they are (Linux's copy_present_pte/copy_nonpresent_pte).
 *
 *   parent PTE           after the fork: parent PTE     child PTE
 *   frame F, writable    ->              frame F, r/o   frame F, r/o
 *   (private mapping)                    F->mapcount + 1, F->refcount + 1
 */
static int copy_one(struct pte_cursor *s, struct pte_cursor *d, const struct pte_val *pv,
		    struct vma *v, struct mm *dst, struct page **prealloc)
{
	unsigned int flags = pv->flags & (MMU_USER | MMU_WRITE | MMU_EXEC | MMU_PROTNONE |
					  MMU_SOFTDIRTY);
	bool cow = !(v->flags & VM_SHARED);	/* a private mapping: copy-on-write */
	struct page *p;

	if (pv->kind == PTE_KIND_SWAP) {
		if (pte_cursor_set_swap(d, pv->swap, pv->flags))
			return -ENOMEM;
		if (pv->swap == SWP_ERROR_MARKER)
			return 0;		/* the child inherits the poison, as on Linux */
		swap_dup(pv->swap);
		add_mm_counter(dst, MM_SWAPENTS, 1);
		return 0;
	}
	p = pte_page(pv);
	/* LAB cow BEGIN */
	/* LAB cow STUB: if (cow && page_test_flag(p, PG_anon)) return copy_pinned_one(d, p, v, prealloc); */
	if (cow && page_test_flag(p, PG_anon) && page_pincount(p))
		return copy_pinned_one(d, p, v, prealloc);
	if (cow && (flags & MMU_WRITE)) {
		flags &= ~MMU_WRITE;
		pte_cursor_protect_deferred(s, flags);	/* mm_dup flushes the parent */
	}
	/* LAB cow END */
	return share_with_child(d, v, dst, p, flags);
}

/*
 * fork: copy @v's PTEs and swap entries from @src into @dst (0 or -ENOMEM,
 * the child then being torn down). Both cursors move together, a page
 * table at a time, holding both page-table locks: the child's whole tree
 * (nobody else can reach it) first and released last, the parent's cursor
 * nested inside it (as Linux does). The caller
 * holds both mmap locks; @dst is not yet visible to anyone. Does not sleep.
 */
int copy_vma_pages(struct mm *dst, struct mm *src, struct vma *v)
{
	struct page *prealloc = NULL;
	struct pte_cursor s, d;
	int err = 0;

	mmap_assert_locked(dst);
	mmap_assert_locked(src);
	for (unsigned long va = v->start; va < v->end && !err; ) {
		/*
		 * A huge fork yields, and gives up when the parent is being
		 * killed. Before yielding, the write-protection done so far is
		 * flushed (mm_dup flushes the rest at its end): a CLONE_VM
		 * sibling that runs meanwhile shares this CR3, and a stale
		 * writable entry would let it write a page now shared with the
		 * child.
		 */
		if (fatal_signal_pending(current())) {
			err = -EINTR;		/* and the frame we hold goes back */
			break;
		}
		if (need_resched()) {
			arch_flush_tlb_mm(&src->pgt);
			cond_resched();
		}
		pte_cursor_lock_whole(&d, &dst->pgt, va);
		pte_cursor_lock_nested(&s, &src->pgt, va);
		do {
			struct pte_val pv;

			if (pte_cursor_get(&s, &pv) != PTE_KIND_NONE && pte_cursor_move(&d, s.va))
				err = copy_one(&s, &d, &pv, v, dst, &prealloc);
		} while (!err && pte_cursor_next(&s, v->end));
		pte_cursor_unlock(&s);
		pte_cursor_unlock(&d);
		va = pte_cursor_span_end(&s);
		if (err == -EAGAIN) {		/* a pinned page: copy it into a new frame */
			prealloc = alloc_page(GFP_RECLAIM);
			err = prealloc ? 0 : -ENOMEM;
			va = s.va;		/* and go on from that page */
		}
	}
	if (prealloc)
		put_page(prealloc);
	return err;
}

/* ---- mprotect ---- */

static int reprotect_one(struct pte_cursor *c, const struct pte_val *pv, void *arg)
{
	struct vma *v = arg;
	bool writable;

	if (pv->kind != PTE_KIND_PAGE)
		return 0;
	/* Linux's can_change_pte_writable(): no COW, and no write to record. */
	/* LAB cow BEGIN */
	/* LAB cow STUB: writable = false; */
	writable = ((v->flags & VM_SHARED) || page_exclusive_anon(pte_page(pv))) &&
		   !pte_needs_soft_dirty_wp(v, pv->flags);
	/* LAB cow END */
	/* Keeps soft-dirty; change_vma_protection flushes the range once. */
	pte_cursor_protect_deferred(c, vma_pte_flags(v, writable));
	return 0;
}

/*
 * mprotect: give every page of @v the PTE flags v->flags now call for
 * (writable only where a write needs no COW and, while soft-dirty tracks
 * @v, only where the PTE is soft-dirty already). mmap lock held; takes the
 * page-table lock per table; does not sleep.
 */
void change_vma_protection(struct mm *mm, struct vma *v)
{
	mmap_assert_locked(mm);

	walk_ptes(&mm->pgt, v->start, v->end, reprotect_one, v);
	/* One shootdown for the range, not one per page (Linux's flush_tlb_range). */
	arch_flush_tlb_mm_range(&mm->pgt, v->start, v->end);
}

/* ---- MADV_PAGEOUT and MADV_COLD ---- */

/*
 * MADV_PAGEOUT on [start, end) of @v: write each page only this PTE maps
 * to swap now - an anonymous page's PTE becomes its swap entry, a tmpfs
 * page (MAP_SHARED memory, memfd, a tmpfs file) leaves its slot in the
 * file (vmscan.c). Pages shared with other mappings stay, as on Linux.
 * As Linux's madvise_pageout, the walk only isolates the pages, up to
 * PAGEOUT_BATCH at a time; reclaim's batched swap-out (pageout_pages)
 * then writes them, with one TLB flush round per batch.
 */
struct pageout_ctx {
	struct vma *vma;
	unsigned long next;		/* where the walk stopped (batch full) */
	unsigned int n;
	struct page *pages[PAGEOUT_BATCH];
};

static int pageout_one(struct pte_cursor *pc, const struct pte_val *pv, void *arg)
{
	struct pageout_ctx *c = arg;
	struct page *p = pte_page(pv);

	if (pv->kind != PTE_KIND_PAGE || (pv->flags & MMU_PROTNONE))
		return 0;
	if (!c->vma->file) {
		if (!page_exclusive_anon(p))
			return 0;
	} else if (page_test_flag(p, PG_anon) || READ_ONCE(p->mapcount) != 1) {
		return 0;		/* a private COW copy of a file page, or shared */
	}
	if (!lru_isolate(p))
		return 0;		/* reclaim has it already, or it is leaving */
	c->pages[c->n++] = p;
	if (c->n < PAGEOUT_BATCH)
		return 0;
	c->next = pc->va + PAGE_SIZE;
	return 1;
}

/*
 * MADV_PAGEOUT: returns the pages written out, or -ENOSPC / -EIO when none
 * could be. mmap lock held (the caller, madvise, has refused VM_LOCKED
 * VMAs); the page-table locks are not held during the writes; may sleep.
 */
long pageout_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end)
{
	struct pageout_ctx c = { .vma = v };
	long done = 0;
	int err = 0;

	mmap_assert_locked(mm);
	lru_add_drain_all();		/* pages still in add batches can be isolated too */
	while (start < end) {
		int res[PAGEOUT_BATCH];
		bool full;

		c.n = 0;
		full = walk_ptes(&mm->pgt, start, end, pageout_one, &c);
		start = full ? c.next : end;
		pageout_pages(mm, c.pages, c.n, res);
		for (unsigned int i = 0; i < c.n; i++) {
			if (!res[i])
				done++;
			else if (res[i] == -ENOSPC || res[i] == -EIO)
				err = res[i];
		}
		if (err == -ENOSPC)
			break;			/* no swap (left): stop */
	}
	return done ? done : err;
}

/*
 * MADV_COLD on [start, end) of @v: each page only this PTE maps loses its
 * accessed bit and goes to the head of the inactive list, so reclaim takes
 * it before pages still in use - Linux's madvise_cold: nothing is freed or
 * written now, and pages shared with other mappings are left alone.
 */
static int cold_one(struct pte_cursor *pc, const struct pte_val *pv, void *arg)
{
	struct page *p = pte_page(pv);

	(void)arg;
	if (pv->kind != PTE_KIND_PAGE || is_zero_page(p) || READ_ONCE(p->mapcount) != 1)
		return 0;
	pte_cursor_clear_flags(pc, MMU_ACCESSED);
	lru_deactivate(p);
	return 0;
}

/* MADV_COLD on [start, end) of @v. mmap lock held; page-table lock per table; no sleep. */
void cold_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end)
{
	mmap_assert_locked(mm);
	lru_add_drain_all();		/* as Linux's madvise_cold: deactivate filed pages */
	walk_ptes(&mm->pgt, start, end, cold_one, v);
}

/* ---- /proc/PID/clear_refs ---- */

/*
 * One entry of clear_refs_vma(). Soft-dirty ("4"): a present PTE is made
 * clean and write-protected (a writable VMA's next write faults and marks
 * it again, memory.c); the hardware dirty bit stays, so a shared file
 * page still reaches PG_dirty when it is unmapped. A PROT_NONE page or a
 * swap entry is only made clean. Otherwise ("1" to "3"): a mapped page
 * loses its accessed bit and PG_referenced (the zero page is nobody's).
 */
static int clear_refs_one(struct pte_cursor *pc, const struct pte_val *pv, void *arg)
{
	const enum clear_refs_type *type = arg;
	struct page *p;

	if (*type == CLEAR_REFS_SOFT_DIRTY) {
		pte_cursor_clear_flags(pc, MMU_WRITE | MMU_SOFTDIRTY);
		return 0;
	}
	if (pv->kind != PTE_KIND_PAGE || (pv->flags & MMU_PROTNONE))
		return 0;
	p = pte_page(pv);
	if (is_zero_page(p))
		return 0;
	pte_cursor_clear_flags(pc, MMU_ACCESSED);
	page_clear_flag(p, PG_referenced);
	return 0;
}

void clear_refs_vma(struct mm *mm, struct vma *v, enum clear_refs_type type)
{
	if (type == CLEAR_REFS_SOFT_DIRTY) {
		mmap_assert_write_locked(mm);	/* v->flags changes */
		v->flags &= ~VM_SOFTDIRTY;
	} else {
		mmap_assert_locked(mm);
	}
	walk_ptes(&mm->pgt, v->start, v->end, clear_refs_one, &type);
}
