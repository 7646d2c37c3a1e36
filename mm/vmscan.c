/*
 * vmscan.c - reclaim: the LRU list of anonymous pages, the second-chance
 * scan, and kswapd.
 *
 * Every anonymous page gets on the list (PG_lru) when a PTE first maps it
 * (install_page) and leaves it when its last reference goes (put_page).
 * Reclaim takes pages from the tail, the oldest end:
 *
 *   mapped by nobody  a swap-cache page its mappers left behind: drop it
 *                     from the cache (its data is on its slot); its
 *                     anon_vma may be freed, so it is never rmap-walked
 *   referenced        the accessed bit was set in some PTE since the last
 *                     look (page_referenced clears it): second chance, back
 *                     to the head
 *   otherwise         trylock the mmap lock of every mm mapping it, write
 *                     it to a new slot (a swap-cache page keeps its slot,
 *                     nothing written), replace every PTE by the swap entry
 *
 * kswapd wakes when an allocation leaves fewer than watermark_low free
 * pages and reclaims until watermark_high; a fault finding fewer than
 * watermark_low / 2 reclaims a batch itself first (direct reclaim), before
 * it takes its own mmap lock. Only trylocks are taken on mmap locks here,
 * so reclaim never waits for a task that may be waiting for memory.
 *
 * Lock order: mmap lock (trylock) -> anon_vma root lock -> lru_lock.
 * Neighbours: the fault path and swap entries in memory.c, rmap_walk in
 * rmap.c, slots and the swap cache in swapfile.c.
 */
#include "mm/vmscan.h"
#include "kernel/errno.h"
#include "kernel/lib/list.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/task.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/swap.h"
#include "mm/vm.h"
#include "mm/vmstat.h"
#include <arch/pgtable.h>

/* 0 until vmscan_init(): no reclaim during boot and the in-kernel tests. */
unsigned long watermark_low, watermark_high;
static spinlock_t lru_lock = SPINLOCK_INIT;
static LIST_HEAD(lru_list);
static struct waitqueue kswapd_wq = WAITQUEUE_INIT(kswapd_wq);
static bool kswapd_started;

void lru_add(struct page *p)
{
	unsigned long irq = spin_lock_irqsave(&lru_lock);

	if (!page_test_flag(p, PG_lru)) {
		page_set_flag(p, PG_lru);
		list_add(&p->lru, &lru_list);
	}
	spin_unlock_irqrestore(&lru_lock, irq);
}

void lru_del(struct page *p)
{
	unsigned long irq = spin_lock_irqsave(&lru_lock);

	if (page_test_flag(p, PG_lru)) {
		list_del_init(&p->lru);
		page_clear_flag(p, PG_lru);
	}
	spin_unlock_irqrestore(&lru_lock, irq);
}

static struct page *lru_isolate_tail(void)
{
	unsigned long irq = spin_lock_irqsave(&lru_lock);
	struct page *p = NULL;

	while (!p && !list_empty(&lru_list)) {
		p = list_entry(lru_list.prev, struct page, lru);
		list_del_init(&p->lru);
		page_clear_flag(p, PG_lru);
		/* A page whose last put_page() is under way is not ours to take. */
		if (!page_get_unless_zero(p))
			p = NULL;
	}
	spin_unlock_irqrestore(&lru_lock, irq);
	return p;
}

/* One page's swap-out: the mms locked for it and the slot its PTEs get. */
struct swapout_ctx {
	unsigned long slot;
	unsigned int mms;		/* mappings found (check) / converted (swapout) */
	struct mm *locked[16];		/* mmap locks held, each mm pinned */
	unsigned int nlocked;
	bool busy;			/* a lock was taken or VM_LOCKED: skip the page */
};

/* A reference on @mm unless its last user is already tearing it down. */
static bool mm_get_unless_zero(struct mm *mm)
{
	int c = __atomic_load_n(&mm->refcount, __ATOMIC_RELAXED);

	while (c && !__atomic_compare_exchange_n(&mm->refcount, &c, c + 1, false,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		;
	return c != 0;
}

/*
 * Trylock @mm's mmap lock (once per mm) and pin the mm: the lock is held
 * across the swap write, and an exiting task's mm_put() does not take it.
 */
static bool lock_mm(struct swapout_ctx *c, struct mm *mm)
{
	for (unsigned int i = 0; i < c->nlocked; i++)
		if (c->locked[i] == mm)
			return true;
	if (c->nlocked == ARRAY_SIZE(c->locked) || !mm_get_unless_zero(mm))
		return false;
	if (!mutex_trylock(&mm->lock)) {
		mm_put(mm);
		return false;
	}
	c->locked[c->nlocked++] = mm;
	return true;
}

static bool check_one(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	struct swapout_ctx *c = arg;

	if ((v->flags & VM_LOCKED) || !lock_mm(c, v->mm)) {
		c->busy = true;
		return false;
	}
	c->mms++;
	return true;
}

static bool swapout_one(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	struct swapout_ctx *c = arg;

	if (c->mms++)
		swap_dup(c->slot);
	unmap_page_to_swap(v, addr, p, c->slot);
	return true;
}

/*
 * Swap @p out of every mm mapping it. 0 when done (the caller's reference
 * is then the last), -EBUSY when an mm was locked, -ENOSPC or -EIO.
 */
static int shrink_page(struct page *p)
{
	struct swapout_ctx c = { 0 };
	bool cached = page_test_flag(p, PG_swapcache);
	long slot;
	int err = 0;

	if (!page_test_flag(p, PG_anon) || p == zero_page || !page_anon_vma(p))
		return -EINVAL;
	rmap_walk(p, check_one, &c);
	if (c.busy || !c.mms) {
		err = -EBUSY;
		goto out;
	}
	if (cached) {
		/*
		 * Read from swap and only ever mapped read-only since (a write
		 * breaks COW): its slot still holds the data. Every PTE takes
		 * one more reference on that slot; nothing is written.
		 */
		c.slot = p->private;
		c.mms = 1;
	} else {
		slot = swap_alloc_slot();
		if (slot < 0) {
			err = (int)slot;
			goto out;
		}
		if (swap_writepage(p, slot)) {
			swap_free(slot);
			err = -EIO;
			goto out;
		}
		c.slot = slot;
		c.mms = 0;
	}
	rmap_walk(p, swapout_one, &c);
	if (!cached && !c.mms)
		swap_free(slot);
	if (cached && !swap_cache_drop(p))
		err = -EBUSY;		/* unmapped, but someone still holds it */
out:
	for (unsigned int i = 0; i < c.nlocked; i++) {
		mutex_unlock(&c.locked[i]->lock);
		mm_put(c.locked[i]);
	}
	return err;
}

/*
 * Reclaim up to @nr pages from the LRU tail, looking at no more than
 * 4 * nr + 32. Returns the pages freed. Takes no lock on entry; sleeps in
 * the swap writes.
 */
unsigned long reclaim_pages(unsigned long nr)
{
	unsigned long reclaimed = 0, scanned = 0, budget = nr * 4 + 32;
	unsigned long total, free;

	swap_totals(&total, &free);
	if (!free)
		return 0;
	while (reclaimed < nr && scanned < budget) {
		struct page *p = lru_isolate_tail();

		if (!p)
			break;
		scanned++;
		count_vm_event(PGSCAN);
		if (!__atomic_load_n(&p->mapcount, __ATOMIC_RELAXED)) {
			/*
			 * No PTE maps it: only the swap cache keeps it (its
			 * anon_vma may be gone, so no rmap walk). Drop it from
			 * the cache, or leave it off the LRU until it is mapped.
			 */
			if (swap_cache_drop(p)) {
				reclaimed++;
				count_vm_event(PGSTEAL);
			}
		} else if (page_referenced(p)) {
			lru_add(p);
		} else if (shrink_page(p) == 0) {
			reclaimed++;
			count_vm_event(PGSTEAL);
		} else if (__atomic_load_n(&p->mapcount, __ATOMIC_RELAXED)) {
			lru_add(p);
		}
		put_page(p);
	}
	return reclaimed;
}

void reclaim_if_short(void)
{
	if (pmm_free_pages() < watermark_low / 2)
		reclaim_pages(32);
}

void wakeup_kswapd(void)
{
	if (kswapd_started)
		wake_up(&kswapd_wq);
}

static int kswapd(void *unused)
{
	for (;;) {
		wait_event(&kswapd_wq, pmm_free_pages() < watermark_low);
		while (pmm_free_pages() < watermark_high) {
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

	watermark_low = MAX(managed / 64, 256ul);
	watermark_high = watermark_low * 2;
	if (!IS_ERR(kthread_create("kswapd", kswapd, NULL)))
		kswapd_started = true;
}
