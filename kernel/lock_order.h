/*
 * lock_order.h - lock ranks and the runtime lock-order checker.
 *
 * A lock may carry a rank (spin_lock_init_ranked, mutex_init_ranked, or the
 * _RANKED static initialisers); rank 0 means "not checked". Ranks follow the
 * lock order written in mm/internal.h: a task may take a ranked lock
 * only while every ranked lock it holds has a *lower* rank. Taking one of
 * equal or higher rank panics with both names:
 *
 *   lock order: took anon_vma while holding zone_lock
 *
 * Each task keeps a small array of the ranked locks it holds (struct
 * held_locks in struct task). Spinlocks are held with interrupts off, so an
 * interrupt handler only ever finds mutexes (lower ranks than every
 * spinlock) on the interrupted task's array. Trylocks are recorded but not
 * checked: a trylock cannot deadlock, and reclaim depends on trylocking
 * mmap locks from inside rmap walks, against the order.
 *
 * Freestanding: no kernel dependencies beyond an opaque owner pointer, so
 * spinlock.h can include it.
 */
#ifndef KERNEL_LOCK_ORDER_H
#define KERNEL_LOCK_ORDER_H

#include <stdbool.h>
#include <stdint.h>

enum lock_rank {
	LOCK_RANK_NONE,			/* not checked */
	LOCK_RANK_SWAPON,		/* swap_lock (mm/swapfile.c) */
	LOCK_RANK_INODE,		/* inode->lock */
	LOCK_RANK_MMAP,			/* mm->mmap_lock (a rw_semaphore) */
	LOCK_RANK_VFS_NS,		/* vfs_ns_lock */
	LOCK_RANK_ANON_VMA,		/* anon_vma->root->lock */
	LOCK_RANK_I_MMAP,		/* inode->i_mmap_lock */
	LOCK_RANK_PAGES,		/* inode->pages_lock */
	LOCK_RANK_PT,			/* mm->pgt.lock, kernel_pgt.lock (never nested) */
	LOCK_RANK_SHMEM_SWAPLIST,	/* shmem_swaplist_lock */
	LOCK_RANK_SWAP_MAP,		/* swap_map_lock */
	LOCK_RANK_LRU,			/* lru_lock */
	LOCK_RANK_KSTACK,		/* kstack_lock */
	LOCK_RANK_SLAB_CACHES,		/* caches_lock */
	LOCK_RANK_SLAB,			/* kmem_cache->lock */
	LOCK_RANK_PCP,			/* per_cpu_pages->lock (mm/page_alloc.c) */
	LOCK_RANK_ZONE,			/* zone_lock */
	NR_LOCK_RANKS
};

/* Enough for reclaim's 16 trylocked mmap locks plus the locks around them. */
#define LOCK_HELD_MAX	24

struct held_locks {
	unsigned int nr;		/* entries in use; more are not recorded */
	const void *lock[LOCK_HELD_MAX];
	uint8_t rank[LOCK_HELD_MAX];
};

/*
 * How a lock is being taken. LOCK_ACQ_NESTED is the one declared exception
 * (Linux's *_lock_nested): a second lock of the same rank whose nesting
 * cannot deadlock because of how the two are chosen - fork's child mm
 * under its parent's (nobody else can reach the child yet). Only a lock of
 * a *higher* rank held is then an error.
 */
enum lock_acquire {
	LOCK_ACQ_WAIT,		/* checked: every rank held must be lower */
	LOCK_ACQ_TRY,		/* recorded, not checked: a trylock cannot deadlock */
	LOCK_ACQ_NESTED,	/* checked: ranks held may be lower or equal */
};

/*
 * Check and record that the current task now holds @lock of @rank, taken
 * as @how says. Panics on an order violation unless lock_order_report is
 * set. Never sleeps; safe with interrupts off.
 */
void lock_order_acquire(const void *lock, enum lock_rank rank, enum lock_acquire how);
/* Forget @lock (no-op when it was not recorded). Never sleeps. */
void lock_order_release(const void *lock);
/*
 * Does the current task's record say it holds @lock (a ranked lock taken
 * while the checker was on)? Also true when the record is full, since a
 * lock taken then was not recorded: the answer backs assertions
 * (rwsem_held_by_current), which must never fail on a lock that is held.
 * Never sleeps.
 */
bool lock_order_held(const void *lock);
/*
 * The checker runs unless the kernel command line says lockcheck=off (the
 * benchmark image does, as a benchmarked Linux has no lockdep): set once
 * in kmain before any lock is held, then read-only.
 */
extern bool lock_order_on;

/* Is taking a lock of @rank checked and recorded? */
static inline bool lock_order_checked(uint8_t rank)
{
	return rank && lock_order_on;
}

/*
 * Test hook: when set, a violation calls it instead of panicking (and the
 * lock is still recorded). Only the lock-order ktest sets it.
 */
extern void (*lock_order_report)(enum lock_rank taken, enum lock_rank held);
extern const char *const lock_rank_names[NR_LOCK_RANKS];

#endif
