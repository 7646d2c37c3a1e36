/*
 * mm/swap_state.c - the swap cache: swap slot -> the page holding its data.
 *
 * A swapped-out anonymous page is a swap entry in each PTE that mapped it
 * (a COW page shared by fork is in several processes). The first fault on
 * the entry reads the slot into a new page and keeps it here, indexed by
 * slot, so every other sharer that faults finds the same frame instead of
 * reading the slot again and splitting the sharing:
 *
 *   PTE (task A): swap 17 --+                 swap_cache (page_tree)
 *                           +--> fault: lookup 17 --> [page] --> map it
 *   PTE (task B): swap 17 --+       (miss: read slot, insert)
 *
 * A cached page carries PG_swapcache, p->private = its slot and one
 * reference for the cache; it enters the cache before its slot is read
 * (PG_locked until the read ends, PG_uptodate once it succeeded), so
 * faults on the same slot at the same time wait for one read instead of
 * each reading its own copy. It leaves the cache when its slot is freed
 * (the last swap PTE went away: swap_free calls swap_cache_del_locked)
 * or when reclaim finds nothing else holds it (swap_cache_drop): the data
 * is still on the slot, so a later fault just reads it again.
 *
 * Locking: the cache changes under swap_map_lock, the spinlock that also
 * guards the slot counts (mm/swapfile.c), so a slot cannot be freed and
 * taken again while its old page is still cached. It is the innermost
 * lock of mm: nothing is taken under it but the allocator's.
 * Shmem pages on swap do not use the swap cache: their file's page tree
 * holds the entry (mm/shmem.c).
 */
#include "kernel/errno.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "mm/page_tree.h"
#include "mm/swap.h"
#include "mm/vmstat.h"

static struct page_tree swap_cache;	/* under swap_map_lock */
/* Faults waiting for another's read of a slot into its cache page (PG_locked). */
static struct waitqueue swap_cache_wq = WAITQUEUE_INIT(swap_cache_wq);

/*
 * Take the page cached for @slot out of the swap cache: returns it with
 * the cache's reference, which the caller must hand to
 * swap_cache_release() once swap_map_lock is dropped, or NULL if none is
 * cached. Caller holds swap_map_lock; never sleeps.
 */
struct page *swap_cache_del_locked(unsigned long slot)
{
	struct page *cached = page_tree_lookup(&swap_cache, slot);

	if (cached) {
		page_tree_remove(&swap_cache, slot);
		page_clear_flag(cached, PG_swapcache);
	}
	return cached;
}

/*
 * Drop the cache's reference on @p, taken out by swap_cache_del_locked()
 * (freeing the frame if that was the last). Called without
 * swap_map_lock; never sleeps.
 */
void swap_cache_release(struct page *p)
{
	mod_vm_stat(NR_SWAPCACHE, -1);
	put_page(p);
}

/* The cached page of @slot with a reference for the caller, or NULL. Never sleeps. */
struct page *swap_cache_lookup(unsigned long slot)
{
	unsigned long irq = spin_lock_irqsave(&swap_map_lock);
	struct page *p = page_tree_lookup(&swap_cache, slot);

	if (p)
		get_page(p);
	spin_unlock_irqrestore(&swap_map_lock, irq);
	return p;
}

/*
 * Wait while @p, a swap-cache page, is being read in by another fault
 * (PG_locked), then say whether it holds its slot's data: read without
 * error and still the cache's page of @slot. Caller holds a reference on
 * @p. May sleep.
 */
static bool swap_cache_wait_read(struct page *p, unsigned long slot)
{
	wait_event(&swap_cache_wq, !page_test_flag(p, PG_locked));
	return page_test_flag(p, PG_uptodate) && page_test_flag(p, PG_swapcache) &&
	       p->private == slot;
}

/*
 * The page holding swap slot @slot, with a reference: from the swap cache,
 * or read from the device into a new page that is in the cache from
 * before the read starts, so that concurrent faults on the slot - the
 * same PTE faulted by two tasks of one mm under the mmap lock held for
 * reading, or PTEs of a fork family - share the one read (Linux's
 * swapcache_prepare and the locked folio):
 *
 *   fault A: miss; insert page (PG_locked) ... read slot ... PG_uptodate,
 *            unlock, wake
 *   fault B:              lookup: A's page, locked: sleep ........ use it
 *
 * The page is inserted only while the slot is in use; when the slot is
 * freed meanwhile (the PTE that held it changed: another fault mapped it,
 * a zap dropped it), swap_free takes the page out of the cache, so a
 * slot handed out again can never find a stale page here (the caller's
 * PTE check, swap_cache_page_current, sees that too). Returns the page,
 * NULL when the slot is no longer in use (look at the PTE again),
 * ERR_PTR(-EIO) when the read fails (the page leaves the cache, so the
 * next fault tries again) or ERR_PTR(-ENOMEM). Takes swap_map_lock;
 * sleeps (allocation, the read, or waiting for another fault's read).
 */
struct page *swap_cache_read_page(unsigned long slot)
{
	struct page *p, *fresh = NULL;
	unsigned long irq;
	bool dropped = false;
	int err;

	for (;;) {
		irq = spin_lock_irqsave(&swap_map_lock);
		p = page_tree_lookup(&swap_cache, slot);
		if (p) {
			get_page(p);
			spin_unlock_irqrestore(&swap_map_lock, irq);
			if (swap_cache_wait_read(p, slot))
				break;
			put_page(p);		/* its read failed, or the slot went: again */
			continue;
		}
		if (!swap_count(slot)) {
			spin_unlock_irqrestore(&swap_map_lock, irq);
			p = NULL;
			break;
		}
		if (!fresh) {
			spin_unlock_irqrestore(&swap_map_lock, irq);
			fresh = alloc_page(GFP_RECLAIM);
			if (!fresh)
				return ERR_PTR(-ENOMEM);
			continue;		/* slept: look again */
		}
		if (page_tree_insert(&swap_cache, slot, fresh)) {
			spin_unlock_irqrestore(&swap_map_lock, irq);
			p = ERR_PTR(-ENOMEM);	/* no tree node: the fault reclaims, retries */
			break;
		}
		page_set_flag(fresh, PG_locked);
		page_set_flag(fresh, PG_swapcache);
		fresh->private = slot;
		get_page(fresh);		/* the cache's; the caller's is fresh's own */
		mod_vm_stat(NR_SWAPCACHE, 1);
		spin_unlock_irqrestore(&swap_map_lock, irq);
		p = fresh;
		fresh = NULL;
		err = swap_read_slot(p, slot);
		irq = spin_lock_irqsave(&swap_map_lock);
		if (!err) {
			page_set_flag(p, PG_uptodate);
		} else if (page_tree_lookup(&swap_cache, slot) == p) {
			swap_cache_del_locked(slot);
			dropped = true;
		}
		page_clear_flag(p, PG_locked);
		spin_unlock_irqrestore(&swap_map_lock, irq);
		wake_up(&swap_cache_wq);
		if (dropped)
			swap_cache_release(p);	/* the cache's reference */
		if (err) {
			put_page(p);
			p = ERR_PTR(-EIO);
		}
		break;
	}
	if (fresh)
		free_page(fresh);
	return p;
}

/*
 * Is @p, which swap_cache_read_page() gave for @slot, still what @slot
 * holds? True while it is the cache's page of the slot: a slot freed and
 * taken again meanwhile would have dropped it from the cache first. The
 * fault asks with the page-table lock held, after finding its PTE still
 * the swap entry it saw (Linux's folio_test_swapcache and entry check
 * after pte_same). Never sleeps.
 */
bool swap_cache_page_current(const struct page *p, unsigned long slot)
{
	return page_test_flag(p, PG_swapcache) && p->private == slot;
}

/*
 * Reclaim: take @p out of the swap cache if nothing but the cache and the
 * caller's reference hold it (no PTE maps it, no swap-in is using it). Its
 * data is still on its slot, so nothing is written; the next fault on the
 * slot reads it again. Returns true when dropped: the caller's reference
 * is then the last one, and its put_page() frees the frame. Takes
 * swap_map_lock; never sleeps.
 */
bool swap_cache_drop(struct page *p)
{
	unsigned long irq = spin_lock_irqsave(&swap_map_lock);
	bool drop = page_test_flag(p, PG_swapcache) && page_count(p) == 2 &&
		    !__atomic_load_n(&p->mapcount, __ATOMIC_RELAXED) &&
		    page_tree_lookup(&swap_cache, p->private) == p;

	if (drop) {
		page_tree_remove(&swap_cache, p->private);
		page_clear_flag(p, PG_swapcache);
	}
	spin_unlock_irqrestore(&swap_map_lock, irq);
	if (!drop)
		return false;
	swap_cache_release(p);		/* the cache's reference */
	return true;
}

/*
 * swapoff, once every slot is free: free the tree's nodes (no page is
 * cached any more). Caller holds swap_map_lock; never sleeps.
 */
void swap_cache_clear_locked(void)
{
	page_tree_truncate(&swap_cache, 0, NULL);
}
