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
 * reference for the cache. It leaves the cache when its slot is freed
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
 * The page holding swap slot @slot, with a reference: from the swap cache,
 * or read from the device and added to it (when no tree node can be
 * allocated, a private copy outside the cache). ERR_PTR(-EIO) when the
 * read fails, ERR_PTR(-ENOMEM). Takes swap_map_lock; sleeps (the read).
 */
struct page *swap_cache_read_page(unsigned long slot)
{
	struct page *p, *fresh;
	unsigned long irq;

	p = swap_cache_lookup(slot);
	if (p)
		return p;
	fresh = alloc_page(GFP_RECLAIM);
	if (!fresh)
		return ERR_PTR(-ENOMEM);
	if (swap_read_slot(fresh, slot)) {
		free_page(fresh);
		return ERR_PTR(-EIO);
	}
	irq = spin_lock_irqsave(&swap_map_lock);
	p = page_tree_lookup(&swap_cache, slot);	/* raced with another reader? */
	if (p) {
		get_page(p);
	} else if (!page_tree_insert(&swap_cache, slot, fresh)) {
		p = fresh;			/* the caller's reference is fresh's own */
		fresh = NULL;
		page_set_flag(p, PG_swapcache);
		p->private = slot;
		get_page(p);			/* and one for the cache */
		mod_vm_stat(NR_SWAPCACHE, 1);
	}
	spin_unlock_irqrestore(&swap_map_lock, irq);
	if (fresh) {
		if (!p)
			return fresh;		/* no room in the cache: a private copy */
		free_page(fresh);
	}
	return p;
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
