/*
 * vmscan.c - reclaim: the LRU lists, the scan that picks pages to swap
 * out, kswapd and direct reclaim.
 *
 * Four lists, as Linux keeps per node (the head is the young end):
 *
 *   inactive anon  <- new anonymous pages and tmpfs/shmem pages start here
 *   active anon    <- pages found referenced on the inactive list
 *   inactive file, active file
 *                  page cache that can simply be dropped or written back
 *                  to its own file; Pagoda's only file system is tmpfs,
 *                  whose pages are swap-backed and so live on the anon
 *                  lists (as in Linux), which leaves these two empty
 *
 * A page is on a list (PG_lru, PG_active says which) from when it is first
 * mapped (anonymous) or created (tmpfs) until its last reference goes
 * (put_page). Reclaim works from the inactive tail, the oldest end:
 *
 *   swap cache only  an anonymous swap-cache page no PTE maps: drop it from
 *                    the cache (its data is on its slot); its anon_vma may
 *                    be freed, so it is never rmap-walked
 *   referenced       a PTE's accessed bit was set since the last look
 *                    (page_referenced clears them): to the active list;
 *                    only used by read/write(2) (PG_referenced): another
 *                    round on the inactive list
 *   otherwise        anonymous: read-trylock the mmap lock of every mm
 *                    mapping it and write-protect its PTEs (a write during
 *                    the I/O must fault, and copies the page away from
 *                    us), refuse it if anyone else holds a reference (a
 *                    get_user_pages user may write it), write it to a
 *                    slot, replace every PTE still mapping it by the swap
 *                    entry; tmpfs: unmap it from every mapper (the dirty
 *                    bits go to PG_dirty), write it to a slot, and leave the
 *                    slot in the file in its place (shmem_writeout) - so
 *                    dirty shared pages are written before the frame is
 *                    reused, never lost
 *
 * When the inactive list is shorter than the active one, pages move from
 * the active tail to the inactive head with their accessed bits cleared
 * (aging): a page must be used again during its time on the inactive list
 * to stay. MADV_COLD moves pages there at once (lru_deactivate).
 *
 * kswapd wakes when an allocation leaves fewer than watermark_low free
 * pages and reclaims until watermark_high. An allocation that may sleep
 * (GFP_RECLAIM) and finds fewer than watermark_min reclaims a batch itself
 * first: direct reclaim. Only read-trylocks are taken on mmap locks here,
 * so reclaim never waits for a task that may be waiting for memory. Held
 * for reading, an mmap lock keeps the mm's page tables (freed only under
 * the write lock) but not its PTEs: the mm's own faults go on meanwhile,
 * which the write-protection and the re-checks below allow for. A trylock
 * fails while a writer holds the lock or waits for it, so the fault path
 * also reclaims before taking its own (reclaim_if_short) and after an
 * allocation failure with it dropped. Linux needs neither: its reclaim
 * works under page-table locks, not mmap_lock.
 *
 * Locks: docs/locking.md's order; the mmap locks here are trylocks taken
 * inside rmap walks, against that order, which is why they must stay
 * trylocks. Neighbours: the fault path and swap entries in memory.c,
 * rmap_walk in rmap.c, slots in swapfile.c, the swap cache in
 * swap_state.c, shmem writeout and swap entries in shmem.c.
 */
#include "mm/vmscan.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/list.h"
#include "kernel/lib/string.h"
#include "kernel/might_sleep.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/task.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/swap.h"
#include "mm/internal.h"
#include "mm/vmstat.h"
#include <arch/percpu.h>
#include <arch/pgtable.h>
#include <arch/tlb.h>

/* 0 until vmscan_init(): no reclaim during boot and the in-kernel tests. */
unsigned long watermark_min, watermark_low, watermark_high;
static spinlock_t lru_lock = SPINLOCK_INIT_RANKED(lru_lock, LOCK_RANK_LRU);
static struct list_head lru[NR_LRU_LISTS] = {
	LIST_HEAD_INIT(lru[0]), LIST_HEAD_INIT(lru[1]), LIST_HEAD_INIT(lru[2]), LIST_HEAD_INIT(lru[3]),
};
static unsigned long lru_nr[NR_LRU_LISTS];
static struct waitqueue kswapd_wq = WAITQUEUE_INIT(kswapd_wq);
static struct task *kswapd_task;

/* The list @p belongs on: anon or file by what backs it, then PG_active. */
static enum lru_list page_lru(const struct page *p)
{
	bool file = !page_test_flag(p, PG_anon) && !page_test_flag(p, PG_swapbacked);

	return (file ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON) + page_test_flag(p, PG_active);
}

static void lru_add_locked(struct page *p)
{
	enum lru_list l = page_lru(p);

	page_set_flag(p, PG_lru);
	list_add(&p->lru, &lru[l]);
	lru_nr[l]++;
}

static void lru_del_locked(struct page *p)
{
	list_del_init(&p->lru);
	lru_nr[page_lru(p)]--;
	page_clear_flag(p, PG_lru);
}

/*
 * Per-CPU add batches (Linux's lru_add folio batches, 15 pages each). A
 * new page (lru_cache_add: a fault's anonymous page, a new tmpfs page)
 * goes first to this CPU's batch, under the batch's own lock, which only
 * this CPU takes on the fault path; only when the batch is full does it
 * move to the lists, all at once under lru_lock. So four CPUs faulting
 * take the shared lock once per LRU_BATCH pages, not per page. Reclaim
 * puts the pages it looked at back directly (lru_add), as Linux's
 * move_folios_to_lru.
 *
 *   lru_cache_add:  page --> lru_batches[cpu].pages[n++]   PG_lru_batch, lru_cpu
 *                              |  full, or lru_add_drain_all()
 *                              v  (lru_lock)
 *   lru_add:        page --> lru[page_lru(p)]                PG_lru
 *
 * A page in a batch holds no reference (Linux's does): its free takes it
 * back out (lru_del), so no frame waits in a batch after its last user
 * and free-page counts stay exact. Everything that must see the lists
 * whole - reclaim, MADV_PAGEOUT and MADV_COLD (as Linux's lru_add_drain
 * before them), /proc/meminfo's counts, /proc/kpageflags - drains every
 * CPU's batch first, by taking each batch lock in turn: no IPI.
 *
 * PG_lru_batch is claimed with an atomic test-and-set, so two CPUs adding
 * one page (two faults mapping one swap-cache page) cannot both file it;
 * a page found on a list meanwhile is settled under lru_lock, where reclaim
 * takes pages off and puts them back.
 */
#define LRU_BATCH	15

struct lru_batch {
	spinlock_t lock;
	unsigned int n;				/* lock (read unlocked by drains) */
	struct page *pages[LRU_BATCH];		/* lock; [0, n) have PG_lru_batch */
};

static struct lru_batch lru_batches[MAX_CPUS] = {
	[0 ... MAX_CPUS - 1] = { .lock = SPINLOCK_INIT_RANKED(lru_batch->lock, LOCK_RANK_LRU_BATCH) },
};

/* Every page of @b onto its list; @b's lock held, interrupts off. */
static void lru_batch_drain_locked(struct lru_batch *b)
{
	__spin_lock(&lru_lock);
	for (unsigned int i = 0; i < b->n; i++) {
		struct page *p = b->pages[i];

		/* PG_lru before PG_lru_batch goes: lru_cache_add never sees neither. */
		lru_add_locked(p);
		page_clear_flag(p, PG_lru_batch);
	}
	__spin_unlock(&lru_lock);
	b->n = 0;
}

void lru_cache_add(struct page *p)
{
	struct lru_batch *b = &lru_batches[this_cpu()->index];
	unsigned long irq = spin_lock_irqsave(&b->lock);

	if (!(__atomic_fetch_or(&p->flags, 1ul << PG_lru_batch, __ATOMIC_RELAXED) &
	      (1ul << PG_lru_batch))) {
		if (page_test_flag(p, PG_lru)) {
			/* On a list, or was until reclaim isolated it just now. */
			__spin_lock(&lru_lock);
			if (!page_test_flag(p, PG_lru))
				lru_add_locked(p);
			page_clear_flag(p, PG_lru_batch);
			__spin_unlock(&lru_lock);
		} else {
			p->lru_cpu = (unsigned int)(b - lru_batches);
			b->pages[b->n++] = p;
			if (b->n == LRU_BATCH)
				lru_batch_drain_locked(b);
		}
	}
	spin_unlock_irqrestore(&b->lock, irq);
}

void lru_add_drain_all(void)
{
	for (unsigned int i = 0; i < MAX_CPUS; i++) {
		struct lru_batch *b = &lru_batches[i];
		unsigned long irq;

		if (!READ_ONCE(b->n))
			continue;
		irq = spin_lock_irqsave(&b->lock);
		lru_batch_drain_locked(b);
		spin_unlock_irqrestore(&b->lock, irq);
	}
}

/* Onto its list now, unless on one or in a batch already (reclaim's putback). */
void lru_add(struct page *p)
{
	unsigned long irq = spin_lock_irqsave(&lru_lock);

	if (!(p->flags & (1ul << PG_lru | 1ul << PG_lru_batch)))
		lru_add_locked(p);
	spin_unlock_irqrestore(&lru_lock, irq);
}

/* Take @p, whose last reference is going, out of its batch; false if in none. */
static bool lru_batch_del(struct page *p)
{
	struct lru_batch *b = &lru_batches[p->lru_cpu];
	unsigned long irq = spin_lock_irqsave(&b->lock);
	bool found = false;

	for (unsigned int i = 0; i < b->n && !found; i++) {
		if (b->pages[i] != p)
			continue;
		b->n--;
		memmove(&b->pages[i], &b->pages[i + 1], (b->n - i) * sizeof(b->pages[0]));
		page_clear_flag(p, PG_lru_batch);
		found = true;
	}
	spin_unlock_irqrestore(&b->lock, irq);
	return found;
}

/*
 * The last reference to @p is going (nobody can add it meanwhile): off
 * its batch or its list. A drain racing with us has moved it to a list
 * by the time we hold the batch lock, and the list half finds it there.
 */
void lru_del(struct page *p)
{
	unsigned long irq;

	if (page_test_flag(p, PG_lru_batch) && lru_batch_del(p))
		return;
	irq = spin_lock_irqsave(&lru_lock);
	if (page_test_flag(p, PG_lru))
		lru_del_locked(p);
	spin_unlock_irqrestore(&lru_lock, irq);
}

unsigned long lru_pages(enum lru_list l)
{
	return READ_ONCE(lru_nr[l]);
}

/* read/write(2) used @p: a second use while inactive activates it (Linux's two touches). */
void mark_page_accessed(struct page *p)
{
	unsigned long irq = spin_lock_irqsave(&lru_lock);

	if (!page_test_flag(p, PG_referenced)) {
		page_set_flag(p, PG_referenced);
	} else if (page_test_flag(p, PG_lru) && !page_test_flag(p, PG_active)) {
		lru_del_locked(p);
		page_set_flag(p, PG_active);
		page_clear_flag(p, PG_referenced);
		lru_add_locked(p);
		count_vm_event(PGACTIVATE);
	} else if (page_test_flag(p, PG_lru_batch) && !page_test_flag(p, PG_active)) {
		/* Still in an add batch: the drain (under lru_lock) files it active. */
		page_set_flag(p, PG_active);
		page_clear_flag(p, PG_referenced);
		count_vm_event(PGACTIVATE);
	}
	spin_unlock_irqrestore(&lru_lock, irq);
}

/* MADV_COLD: to the head of the inactive list, not referenced any more. */
void lru_deactivate(struct page *p)
{
	unsigned long irq = spin_lock_irqsave(&lru_lock);

	page_clear_flag(p, PG_referenced);
	if (page_test_flag(p, PG_lru) && page_test_flag(p, PG_active)) {
		lru_del_locked(p);
		page_clear_flag(p, PG_active);
		lru_add_locked(p);
		count_vm_event(PGDEACTIVATE);
	} else if (page_test_flag(p, PG_lru_batch) && page_test_flag(p, PG_active)) {
		page_clear_flag(p, PG_active);		/* filed inactive when drained */
		count_vm_event(PGDEACTIVATE);
	}
	spin_unlock_irqrestore(&lru_lock, irq);
}

/* Take the oldest page of list @l off it, with a reference; NULL if empty. */
static struct page *lru_isolate_tail(enum lru_list l)
{
	unsigned long irq = spin_lock_irqsave(&lru_lock);
	struct page *p = NULL;

	while (!p && !list_empty(&lru[l])) {
		p = list_entry(lru[l].prev, struct page, lru);
		lru_del_locked(p);
		/* A page whose last put_page() is under way is not ours to take. */
		if (!page_get_unless_zero(p))
			p = NULL;
	}
	spin_unlock_irqrestore(&lru_lock, irq);
	return p;
}

/*
 * Pages are swapped out in batches of up to SHRINK_BATCH (Linux's
 * shrink_folio_list with its tlbflush_unmap_batch), so that the TLB
 * flushes their PTE changes need are one per batch, not one per page
 * (each is a shootdown IPI round trip to every CPU running a mapper):
 *
 *   1 check    each page: read-trylock its mappers' mmap locks (kept for
 *              the whole batch), write-protect its PTEs (anon) or clear
 *              them (tmpfs) - no flush, recorded in sb->tlb
 *   2 flush    if any PTE was writable or dirty    (tlb_batch_flush_dirty)
 *   3 write    each page to its slot (anon) or shmem_writeout (tmpfs)
 *   4 unmap    each anon page: its PTEs become swap entries - no flush
 *   5 flush    everything left                     (tlb_batch_flush)
 *   6 unlock   the mmap locks; the caller then drops its page references,
 *              which frees the pages
 *
 * The invariants the order keeps:
 *  - no CPU holds a writable translation of a page once its write to swap
 *    starts (2 before 3): a write through a stale entry during the I/O
 *    would be lost, as the slot gets the older contents;
 *  - no CPU holds any translation of a page when it is freed (5 before
 *    the caller's put_page), nor once our mmap locks go (5 before 6), so
 *    munmap, mprotect and mremap - which take the lock for writing -
 *    never meet a PTE whose flush is still owed;
 *  - a fault or MADV_* (mmap lock for reading) may meet such a PTE in
 *    between: each deferred change marked the tree, and they flush it
 *    before acting (tlb_flush_batched_pending, arch/tlb.h).
 * The batch holds each page's reference from isolation to the end, so
 * no page of it is freed early.
 */
#define SHRINK_BATCH	32
#define SHRINK_MMS	16	/* mms one batch may lock */

struct shrink_batch {
	struct tlb_batch tlb;		/* PTE changes whose flush is still owed */
	struct mm *held;		/* locked by our caller already (MADV_PAGEOUT) */
	struct mm *locked[SHRINK_MMS];	/* mmap locks held (read), each mm pinned */
	unsigned int nlocked;
};

/* One page's swap-out within a batch: which mms it found, its slot. */
struct swapout_ctx {
	struct shrink_batch *sb;
	unsigned long slot;
	unsigned int mms;		/* mappings found (check) / converted (swapout) */
	uint32_t mm_bits;		/* which of sb->locked its check walk used */
	bool wrprotect;			/* check: write-protect each mapping found */
	bool busy;			/* a lock was taken or VM_LOCKED: skip the page */
	bool cached;			/* in the swap cache: its slot has the data */
	struct mm *busy_mm;		/* pinned, its lock taken: unpinned after the walk */
	int err;			/* 0 while it goes on; then the page's result */
};

bool mm_get_unless_zero(struct mm *mm)
{
	int c = __atomic_load_n(&mm->refcount, __ATOMIC_RELAXED);

	while (c && !__atomic_compare_exchange_n(&mm->refcount, &c, c + 1, /* weak= */false,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		;
	return c != 0;
}

/* Was @mm's lock taken for this page's check (lock_mm), or by our caller? */
static bool mm_locked_here(const struct swapout_ctx *c, const struct mm *mm)
{
	if (mm == c->sb->held)
		return true;
	for (unsigned int i = 0; i < c->sb->nlocked; i++)
		if (c->sb->locked[i] == mm)
			return c->mm_bits & (1u << i);
	return false;
}

/*
 * Read-trylock @mm's mmap lock (once per mm and batch) and pin the mm: the
 * lock is held until the batch is flushed, so the mm's page tables stay,
 * no writer sees a PTE whose flush is owed, and an exiting task's mm_put()
 * does not take it.
 * Runs inside an rmap walk, which for a tmpfs page holds the i_mmap
 * spinlock: when the trylock fails the pin is not dropped here (mm_put()
 * may be the last and sleep) but after the walk - which ends at the
 * first failure, so one slot is enough.
 */
static bool lock_mm(struct swapout_ctx *c, struct mm *mm)
{
	struct shrink_batch *sb = c->sb;

	if (mm == sb->held)
		return true;
	for (unsigned int i = 0; i < sb->nlocked; i++) {
		if (sb->locked[i] == mm) {
			c->mm_bits |= 1u << i;
			return true;
		}
	}
	if (sb->nlocked == SHRINK_MMS || !mm_get_unless_zero(mm))
		return false;
	if (!mmap_read_trylock(mm)) {
		c->busy_mm = mm;
		return false;
	}
	c->mm_bits |= 1u << sb->nlocked;
	sb->locked[sb->nlocked++] = mm;
	return true;
}

/* After a check walk: drop the pin of an mm whose lock was busy. May sleep. */
static void drop_busy_mm(struct swapout_ctx *c)
{
	if (c->busy_mm)
		mm_put(c->busy_mm);
	c->busy_mm = NULL;
}

/* End of a batch (flushed): release the mmap locks taken and every pin. May sleep. */
static void unlock_mms(struct shrink_batch *sb)
{
	for (unsigned int i = 0; i < sb->nlocked; i++) {
		mmap_read_unlock(sb->locked[i]);
		mm_put(sb->locked[i]);
	}
	sb->nlocked = 0;
}

static bool check_one(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	struct swapout_ctx *c = arg;

	if ((v->flags & VM_LOCKED) || !lock_mm(c, v->mm)) {
		c->busy = true;
		return false;
	}
	/*
	 * The mm's other tasks may run and fault while the page is written:
	 * from now on a write to it must fault, and the fault copies the
	 * page (our reference keeps it from looking exclusive), so whatever
	 * the slot receives is what every PTE still mapping @p holds. The
	 * flush comes before the write (step 2), and a fault flushes first.
	 */
	if (c->wrprotect)
		arch_clear_flags_batched(&v->mm->pgt, addr, MMU_WRITE, &c->sb->tlb);
	c->mms++;
	return true;
}

/*
 * Only mms whose lock check_one took for this page: a mapping that
 * appeared since (a swap-in of this swap-cache page in another mm) stays
 * as it is, and keeps the page (swap_cache_drop then refuses it).
 */
static bool swapout_one(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	struct swapout_ctx *c = arg;

	if (!mm_locked_here(c, v->mm))
		return true;
	/* The first entry takes our slot reference, each further one its own. */
	if (unmap_page_to_swap(v, addr, p, c->slot, c->mms > 0, &c->sb->tlb))
		c->mms++;
	return true;
}

/* Step 1 for anonymous page @p: lock, write-protect, take a slot. */
static void anon_check(struct swapout_ctx *c, struct page *p)
{
	long slot;

	c->wrprotect = true;
	c->cached = page_test_flag(p, PG_swapcache);
	if (!page_test_flag(p, PG_anon) || p == zero_page || !page_anon_vma(p)) {
		c->err = -EINVAL;
		return;
	}
	rmap_walk(p, check_one, c);
	drop_busy_mm(c);
	/*
	 * References: one per PTE, the swap cache's, ours. Any other is a
	 * fault at work on it or a get_user_pages user (a pin, a copy into
	 * it in progress) that may still write it: not now.
	 */
	if (c->busy || !c->mms ||
	    page_count(p) != READ_ONCE(p->mapcount) + 1 + (c->cached ? 1 : 0)) {
		c->err = -EBUSY;
		return;
	}
	if (c->cached) {
		/*
		 * Read from swap and only ever mapped read-only since (a write
		 * breaks COW): its slot still holds the data. Every PTE takes
		 * one more reference on that slot; nothing is written.
		 */
		c->slot = p->private;
		c->mms = 1;
		return;
	}
	slot = swap_alloc_slot();
	if (slot < 0) {
		c->err = (int)slot;
		return;
	}
	c->slot = slot;
	c->mms = 0;
}

/* Step 3: write it (its PTEs are read-only everywhere by now). */
static void anon_write(struct swapout_ctx *c, struct page *p)
{
	if (c->err || c->cached)
		return;
	if (swap_writepage(p, c->slot)) {
		swap_free(c->slot);
		c->err = -EIO;
	}
}

/* Step 4: its PTEs become swap entries (flushed at the end of the batch). */
static void anon_unmap(struct swapout_ctx *c, struct page *p)
{
	if (c->err)
		return;
	rmap_walk(p, swapout_one, c);
	if (!c->cached && !c->mms)
		swap_free(c->slot);
	if (c->cached && !swap_cache_drop(p))
		c->err = -EBUSY;	/* unmapped, but someone still holds it */
}

static bool unmap_shmem_one(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	struct swapout_ctx *c = arg;

	/* A dirty PTE leaves PG_dirty behind; the flush is step 2. */
	unmap_page_at(v, addr, p, &c->sb->tlb);
	return true;
}

/*
 * Step 1 for tmpfs page @p: unmap it from every process (all mmap locks
 * taken first, or none is touched). The inode is kept until step 3.
 */
static void shmem_check(struct swapout_ctx *c, struct page *p)
{
	struct inode *inode = p->mapping;

	if (!inode) {
		c->err = -EINVAL;	/* truncated while isolated */
		return;
	}
	shmem_writeout_begin(inode);	/* the write sleeps: keep the inode */
	if (READ_ONCE(p->mapcount)) {
		rmap_walk(p, check_one, c);
		drop_busy_mm(c);
		if (!c->busy)
			rmap_walk(p, unmap_shmem_one, c);
	}
}

/*
 * Step 3: shmem_writeout() writes it and puts the slot in the file - if
 * no fault mapped it again meanwhile.
 */
static void shmem_write(struct swapout_ctx *c, struct page *p, struct inode *inode)
{
	if (c->err == -EINVAL)
		return;			/* no inode: nothing was begun */
	/* Other pages' writes slept since step 1: it may be truncated now. */
	if (!c->busy && !READ_ONCE(p->mapcount) && READ_ONCE(p->mapping) == inode)
		c->err = shmem_writeout(p);
	else
		c->err = -EBUSY;
	shmem_writeout_end(inode);
}

/*
 * Swap out isolated pages @pages[0..n) (each with the caller's reference,
 * anonymous or tmpfs) in one batch, steps 1 to 6 above; @sb is zeroed but
 * for ->held (and pending accessed-bit clears in ->tlb). Fills @err[i]: 0
 * when page i is out (the caller's reference is then the last), -EBUSY,
 * -EINVAL, -ENOSPC or -EIO. Sleeps in the writes.
 */
static void shrink_page_list(struct shrink_batch *sb, struct page **pages, unsigned int n,
			     int *err)
{
	struct swapout_ctx c[SHRINK_BATCH];
	struct inode *inode[SHRINK_BATCH];

	for (unsigned int i = 0; i < n; i++) {
		struct page *p = pages[i];

		c[i] = (struct swapout_ctx){ .sb = sb };
		inode[i] = p->mapping;
		if (page_test_flag(p, PG_anon))
			anon_check(&c[i], p);
		else
			shmem_check(&c[i], p);
	}
	tlb_batch_flush_dirty(&sb->tlb);
	for (unsigned int i = 0; i < n; i++) {
		if (page_test_flag(pages[i], PG_anon))
			anon_write(&c[i], pages[i]);
		else
			shmem_write(&c[i], pages[i], inode[i]);
	}
	for (unsigned int i = 0; i < n; i++)
		if (page_test_flag(pages[i], PG_anon))
			anon_unmap(&c[i], pages[i]);
	tlb_batch_flush(&sb->tlb);
	unlock_mms(sb);
	for (unsigned int i = 0; i < n; i++)
		err[i] = c[i].err;
}

/*
 * Does isolated page @p still belong on an LRU list? While a PTE maps it,
 * or, for a tmpfs page, while it is in its file; otherwise it is leaving
 * (its last mapping or truncate is under way) and goes when put.
 */
static bool lru_keeps(const struct page *p)
{
	return READ_ONCE(p->mapcount) || (!page_test_flag(p, PG_anon) && p->mapping);
}

/*
 * Take @p off its LRU list with a reference, for MADV_PAGEOUT: false when
 * it is on none (being freed, or isolated by reclaim already). Takes
 * lru_lock, so callable under a page-table lock; never sleeps.
 */
bool lru_isolate(struct page *p)
{
	unsigned long irq = spin_lock_irqsave(&lru_lock);
	bool ours = page_test_flag(p, PG_lru) && page_get_unless_zero(p);

	if (ours)
		lru_del_locked(p);
	spin_unlock_irqrestore(&lru_lock, irq);
	return ours;
}

/*
 * MADV_PAGEOUT of @pages[0..n), isolated by lru_isolate(), anonymous pages
 * only @mm maps or tmpfs pages: out to swap now, in one batch (one TLB
 * flush round, as reclaim's). The caller holds @mm's mmap lock. Fills
 * @err[i] as shrink_page_list does; puts every page back on its list (or
 * lets it go) and drops the references. May sleep.
 */
void pageout_pages(struct mm *mm, struct page **pages, unsigned int n, int *err)
{
	struct shrink_batch sb = { .held = mm };

	shrink_page_list(&sb, pages, n, err);
	for (unsigned int i = 0; i < n; i++) {
		if (err[i] && lru_keeps(pages[i]))
			lru_add(pages[i]);
		put_page(pages[i]);
	}
}

/* What reclaim did with one inactive page; SHRINK: swap it out (batched). */
enum reclaim_result { RECLAIMED, KEPT, DROPPED, SHRINK };

/*
 * Reclaim found @p at the inactive tail: was it used since the last look?
 * (Linux's folio_check_references; contract in vmscan.h.) Two kinds of
 * use leave a mark, and both marks are cleared here, so that the next look
 * sees only what happens from now on:
 *
 *   a PTE's accessed bit   set by the CPU when a process touches the page
 *                          through that PTE: page_referenced() counts and
 *                          clears them over every mapping (rmap)
 *   PG_referenced          set by read(2)/write(2) (mark_page_accessed)
 *
 * A touch through a mapping earns the active list; a read or write only
 * another round on the inactive list.
 */
enum page_references page_check_references(struct page *p, struct tlb_batch *tlb)
{
	/* LAB reclaim BEGIN */
	/* LAB reclaim STUB: return PAGEREF_RECLAIM; */
	bool used = page_test_flag(p, PG_referenced);

	page_clear_flag(p, PG_referenced);
	if (READ_ONCE(p->mapcount) > 0 && page_referenced(p, tlb))
		return PAGEREF_ACTIVATE;
	if (used)
		return PAGEREF_KEEP;	/* read or written since: another round */
	return PAGEREF_RECLAIM;
	/* LAB reclaim END */
}

/* Decide about isolated inactive page @p (see the top of the file). */
static enum reclaim_result reclaim_one(struct page *p, struct tlb_batch *tlb)
{
	bool mapped = READ_ONCE(p->mapcount) > 0;
	bool shmem = !page_test_flag(p, PG_anon);

	if (shmem && !p->mapping)
		return DROPPED;		/* truncated: it is leaving anyway */
	if (!shmem && !mapped)
		/* Only the swap cache keeps it; or leave it off until it is mapped. */
		return swap_cache_drop(p) ? RECLAIMED : DROPPED;
	switch (page_check_references(p, tlb)) {
	case PAGEREF_ACTIVATE:
		page_set_flag(p, PG_active);	/* reclaim_finish puts it on that list */
		count_vm_event(PGACTIVATE);
		return KEPT;
	case PAGEREF_KEEP:
		return KEPT;
	case PAGEREF_RECLAIM:
		break;
	}
	return SHRINK;
}

/*
 * Age up to @nr pages from the tail of the active anon list (contract in
 * vmscan.h): clear their accessed bits and move them to the inactive
 * head, where they must be used again to come back (Linux's
 * shrink_active_list; it keeps only executable file pages active, and
 * those are not on the anon list).
 */
void shrink_active_list(unsigned long nr)
{
	/* LAB reclaim BEGIN */
	struct tlb_batch tlb = { 0 };

	while (nr--) {
		struct page *p = lru_isolate_tail(LRU_ACTIVE_ANON);

		if (!p)
			break;
		count_vm_event(PGREFILL);
		if (READ_ONCE(p->mapcount))
			page_referenced(p, &tlb);	/* clears the accessed bits */
		page_clear_flag(p, PG_active);
		page_clear_flag(p, PG_referenced);
		count_vm_event(PGDEACTIVATE);
		if (lru_keeps(p))
			lru_add(p);
		put_page(p);
	}
	tlb_batch_flush(&tlb);		/* only accessed bits: nothing waits for it */
	/* LAB reclaim END */
}

/* A page reclaim is done with: count it, put it back on a list or let it go. */
static void reclaim_finish(struct page *p, enum reclaim_result r, bool by_kswapd,
			   unsigned long *reclaimed)
{
	switch (r) {
	case RECLAIMED:
		(*reclaimed)++;
		count_vm_event(PGSTEAL);
		count_vm_event(by_kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT);
		break;
	case KEPT:
		lru_add(p);
		break;
	case DROPPED:
	case SHRINK:
		break;
	}
	put_page(p);
}

/*
 * Reclaim up to @nr pages from the inactive anon tail, looking at no more
 * than 4 * nr + 32, aging the active list whenever it outgrows the
 * inactive one. The pages to swap out go in batches of SHRINK_BATCH
 * (shrink_page_list). Returns the pages freed. Takes no lock on entry;
 * sleeps in the swap writes.
 */
unsigned long reclaim_pages(unsigned long nr)
{
	unsigned long reclaimed = 0, scanned = 0, budget = nr * 4 + 32;
	bool by_kswapd = current() == kswapd_task;
	bool empty = false;

	might_sleep();			/* swap writes, whether or not any happen */
	if (!swap_writable())
		return 0;
	lru_add_drain_all();		/* the newest pages too, so the counts below are whole */
	while (!empty && reclaimed < nr && scanned < budget) {
		struct shrink_batch sb = { 0 };
		struct page *batch[SHRINK_BATCH];
		int err[SHRINK_BATCH];
		unsigned int n = 0;

		while (n < SHRINK_BATCH && reclaimed + n < nr && scanned < budget) {
			struct page *p;
			enum reclaim_result r;

			if (lru_pages(LRU_INACTIVE_ANON) < lru_pages(LRU_ACTIVE_ANON))
				shrink_active_list(32);
			p = lru_isolate_tail(LRU_INACTIVE_ANON);
			if (!p) {
				empty = true;
				break;
			}
			scanned++;
			count_vm_event(PGSCAN);
			count_vm_event(by_kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT);
			r = reclaim_one(p, &sb.tlb);
			if (r == SHRINK)
				batch[n++] = p;		/* our reference kept until the flush */
			else
				reclaim_finish(p, r, by_kswapd, &reclaimed);
		}
		shrink_page_list(&sb, batch, n, err);	/* flushes sb.tlb, even for n == 0 */
		for (unsigned int i = 0; i < n; i++)
			reclaim_finish(batch[i], !err[i] ? RECLAIMED :
				       lru_keeps(batch[i]) ? KEPT : DROPPED, by_kswapd, &reclaimed);
	}
	return reclaimed;
}

void reclaim_if_short(void)
{
	if (pmm_free_below(watermark_min))
		reclaim_pages(32);
}

/*
 * The allocator's direct reclaim for a GFP_RECLAIM allocation that found
 * memory short: reclaim a batch in the caller's own time. Never recurses
 * (the reclaim path allocates nothing with GFP_RECLAIM, and a task already
 * reclaiming is not let in again).
 */
unsigned long direct_reclaim(void)
{
	struct task *t = current();
	unsigned long n;

	if (!watermark_min || !t || t->in_reclaim || t == kswapd_task)
		return 0;
	t->in_reclaim = true;
	count_vm_event(ALLOCSTALL);
	n = reclaim_pages(32);
	t->in_reclaim = false;
	return n;
}

void wakeup_kswapd(void)
{
	if (kswapd_task)
		wake_up(&kswapd_wq);
}

static int kswapd(void *unused)
{
	for (;;) {
		wait_event(&kswapd_wq, pmm_free_below(watermark_low));
		while (pmm_free_below(watermark_high)) {
			if (!reclaim_pages(32))
				break;
			count_vm_event(KSWAPD_RUN);
		}
		current()->state = TASK_INTERRUPTIBLE;
		schedule_timeout(10 * 1000 * 1000);
		current()->state = TASK_RUNNING;
	}
	return 0;
}

void vmscan_init(void)
{
	unsigned long managed = pmm_managed_pages();
	struct task *t;

	watermark_low = MAX(managed / 64, 256ul);
	watermark_min = watermark_low / 2;
	watermark_high = watermark_low * 2;
	t = kthread_create("kswapd", kswapd, NULL);
	if (!IS_ERR(t))
		kswapd_task = t;
}
