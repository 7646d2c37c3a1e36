/*
 * lock_order.c - the runtime lock-order checker (see lock_order.h).
 *
 * Cost: ranked locks only (rank 0 and lockcheck=off skip all of this;
 * `make bench` measures about 10-15 % on an anonymous fault under TCG
 * with it on, which is why the bench image turns it off); one scan of the
 * current task's few held entries per acquire and per release, with
 * interrupts off so an interrupt handler taking a ranked spinlock cannot
 * interleave with a mutex's bookkeeping on the same array.
 */
#include "kernel/lock_order.h"
#include "kernel/panic.h"
#include "kernel/task.h"

void (*lock_order_report)(enum lock_rank taken, enum lock_rank held);
bool lock_order_on = true;

const char *const lock_rank_names[NR_LOCK_RANKS] = {
	[LOCK_RANK_NONE] = "(unranked)",
	[LOCK_RANK_SWAPON] = "swap_lock",
	[LOCK_RANK_INODE] = "inode->lock",
	[LOCK_RANK_MMAP] = "mmap_lock",
	[LOCK_RANK_VFS_NS] = "vfs_ns_lock",
	[LOCK_RANK_ANON_VMA] = "anon_vma",
	[LOCK_RANK_I_MMAP] = "i_mmap_lock",
	[LOCK_RANK_PAGES] = "pages_lock",
	[LOCK_RANK_SHMEM_SWAPLIST] = "shmem_swaplist_lock",
	[LOCK_RANK_SWAP_MAP] = "swap_map_lock",
	[LOCK_RANK_LRU] = "lru_lock",
	[LOCK_RANK_PT] = "page-table lock",
	[LOCK_RANK_KSTACK] = "kstack_lock",
	[LOCK_RANK_SLAB_CACHES] = "slab caches_lock",
	[LOCK_RANK_SLAB] = "kmem_cache lock",
	[LOCK_RANK_PCP] = "pcp->lock",
	[LOCK_RANK_ZONE] = "zone_lock",
};

/* The current task's array; NULL before the scheduler has a task here. */
static struct held_locks *held_here(void)
{
	struct task *t = current();

	return t ? &t->held_locks : NULL;
}

void lock_order_acquire(const void *lock, enum lock_rank rank, enum lock_acquire how)
{
	unsigned long irq = arch_irq_save();
	struct held_locks *h = held_here();

	if (!h)
		goto out;
	if (how != LOCK_ACQ_TRY) {
		/* The highest rank held decides; report it by name. */
		unsigned int worst = 0, limit = how == LOCK_ACQ_NESTED ? rank + 1 : rank;

		for (unsigned int i = 0; i < h->nr; i++)
			if (h->rank[i] >= limit && h->rank[i] > worst)
				worst = h->rank[i];
		if (worst) {
			if (!lock_order_report)
				panic("lock order: took %s while holding %s",
				      lock_rank_names[rank], lock_rank_names[worst]);
			lock_order_report(rank, (enum lock_rank)worst);
		}
	}
	if (h->nr < LOCK_HELD_MAX) {
		h->lock[h->nr] = lock;
		h->rank[h->nr] = (uint8_t)rank;
		h->nr++;
	}
out:
	arch_irq_restore(irq);
}

void lock_order_release(const void *lock)
{
	unsigned long irq = arch_irq_save();
	struct held_locks *h = held_here();

	/* Usually the last entry; unlock order need not mirror lock order. */
	for (unsigned int i = h ? h->nr : 0; i-- > 0; ) {
		if (h->lock[i] != lock)
			continue;
		for (unsigned int j = i; j + 1 < h->nr; j++) {
			h->lock[j] = h->lock[j + 1];
			h->rank[j] = h->rank[j + 1];
		}
		h->nr--;
		break;
	}
	arch_irq_restore(irq);
}

bool lock_order_held(const void *lock)
{
	unsigned long irq = arch_irq_save();
	struct held_locks *h = held_here();
	bool held = !h || h->nr == LOCK_HELD_MAX;

	for (unsigned int i = 0; !held && i < h->nr; i++)
		held = h->lock[i] == lock;
	arch_irq_restore(irq);
	return held;
}
