/*
 * lock_order.h - lock ranks, lock classes and the runtime lock-order
 * checker ("lockdep-lite"). The lock order itself is written in
 * docs/locking.md; this header is the machinery that checks it.
 *
 * Two checks run on every blocking acquisition of a spinlock, mutex or
 * rw_semaphore (unless the command line says lockcheck=off):
 *
 * 1. Ranks - the documented order. A lock may carry a rank from the enum
 *    below (spin_lock_init_ranked, mutex_init_ranked, the _RANKED static
 *    initialisers); rank 0 means "no rank". A task may take a ranked lock
 *    only while every ranked lock it holds has a *lower* rank:
 *
 *      lock order: took anon_vma while holding zone_lock
 *
 * 2. Classes - the observed order (Linux's lockdep, small). Every lock
 *    belongs to a *class*: a static lock is its own class, named after its
 *    variable (SPINLOCK_INIT(rq_lock)); a lock initialised at run time
 *    belongs to its initialisation site (spin_lock_init(&inode->pages_lock)
 *    declares one static struct lock_class_key per call site), so all
 *    inodes' pages_locks are one class. When a task takes a lock of class
 *    B while holding one of class A, the pair A -> B is an edge; the first
 *    time an edge is seen it is stored with the call chain that made it.
 *    An edge that closes a cycle - B -> ... -> A was seen before - is an
 *    inversion: two tasks could each hold one end and wait for the other.
 *    It is reported with the class names and both chains, then panics:
 *
 *      lock order inversion: taking B while holding A
 *      ... and earlier B was held while taking A, here: <chain>
 *      ... now: <chain>
 *
 *    The search follows stored edges up to LOCKDEP_MAX_DEPTH deep, so a
 *    three-lock cycle A -> B -> C -> A is found too. Taking a second lock
 *    of a class already held is reported as well (it is a cycle of one
 *    edge) unless declared with the "nested" acquire.
 *
 * Ranks say what the order *should* be; classes find what the code *does*
 * and catch orders among the many locks that have no rank. Both stay.
 *
 * What "held" means. Each task keeps the locks it holds in struct
 * held_locks (in struct task), with the hardirq depth at which each was
 * taken. An interrupt handler runs on the interrupted task, but its locks
 * do not nest inside the interrupted code's: spinlocks are irqsave
 * everywhere, so a handler can only interrupt code that holds no spinlock,
 * only sleeping locks, and its own spinlocks can never be waited for by
 * that code. Edges are therefore drawn only from locks taken at the same
 * hardirq depth; an interrupt handler's chain starts empty (Linux does the
 * same with its irq contexts). Pagoda needs no irq-safe/irq-unsafe check
 * for the same reason.
 *
 * Trylocks are recorded but not checked and make no edge into the
 * trylocked lock: a trylock cannot deadlock, and reclaim depends on
 * trylocking mmap locks from inside rmap walks, against the order. Locks
 * taken *while* a trylocked lock is held do make edges out of it.
 *
 * Storage is static (LOCKDEP_MAX_CLASSES classes, LOCKDEP_MAX_EDGES
 * edges); when a table fills the checker says so once and stops
 * recording new classes or edges; the rank check goes on.
 *
 * Tests: kernel/tests/lock_order_ktest.c. Cost: see lock_order.c.
 *
 * Freestanding: no kernel dependencies beyond an opaque owner pointer, so
 * spinlock.h can include it.
 */
#ifndef KERNEL_LOCK_ORDER_H
#define KERNEL_LOCK_ORDER_H

#include <stdbool.h>
#include <stdint.h>

enum lock_rank {
	LOCK_RANK_NONE,			/* no rank: only the class graph checks it */
	LOCK_RANK_SWAPON,		/* swap_lock (mm/swapfile.c) */
	LOCK_RANK_INODE,		/* inode->lock */
	LOCK_RANK_MMAP,			/* mm->mmap_lock (a rw_semaphore) */
	LOCK_RANK_VFS_NS,		/* vfs_ns_lock */
	LOCK_RANK_ANON_VMA,		/* anon_vma->root->lock */
	LOCK_RANK_I_MMAP,		/* inode->i_mmap_lock */
	LOCK_RANK_PAGES,		/* inode->pages_lock */
	LOCK_RANK_PT,			/* mm->pgt.lock (whole or shared), kernel_pgt.lock */
	LOCK_RANK_PT_UPPER,		/* mm->pgt.upper_lock */
	LOCK_RANK_PTL,			/* a page-table page's PTE lock */
	LOCK_RANK_SHMEM_SWAPLIST,	/* shmem_swaplist_lock */
	LOCK_RANK_SWAP_MAP,		/* swap_map_lock */
	LOCK_RANK_LRU_BATCH,		/* a CPU's LRU add batch lock (mm/vmscan.c) */
	LOCK_RANK_LRU,			/* lru_lock */
	LOCK_RANK_KSTACK,		/* kstack_lock */
	LOCK_RANK_SLAB_CACHES,		/* caches_lock */
	LOCK_RANK_SLAB,			/* kmem_cache->lock */
	LOCK_RANK_PCP,			/* per_cpu_pages->lock (mm/page_alloc.c) */
	LOCK_RANK_ZONE,			/* zone_lock */
	NR_LOCK_RANKS
};

/*
 * The identity of a class of locks initialised at run time: one static
 * object per initialisation site (the init macros declare it). Only its
 * address matters; it is not empty because C objects may not be.
 */
struct lock_class_key {
	char unused;
};

/*
 * What every checked lock carries (Linux's struct lockdep_map). The class
 * is @key, or - for a lock defined statically, which has no init site -
 * the address of this map. Written when the lock is initialised, except
 * class_id, a cache the checker fills the first time the lock is taken.
 */
struct lockdep_map {
	const char *name;			/* the class's name in reports */
	const struct lock_class_key *key;	/* NULL: a static lock, its own class */
	uint16_t class_id;			/* index + 1 in the class table; 0: not yet looked up */
	uint8_t rank;				/* enum lock_rank; 0: no rank */
};

/* For static initialisers: @name a string, @key NULL (the lock is its class). */
#define LOCKDEP_MAP_INIT(name, key, rank)	{ (name), (key), 0, (rank) }

static inline void lockdep_map_init(struct lockdep_map *m, const char *name,
				    const struct lock_class_key *key, enum lock_rank rank)
{
	m->name = name;
	m->key = key;
	m->class_id = 0;
	m->rank = (uint8_t)rank;
}

/* Enough for reclaim's 16 trylocked mmap locks plus the locks around them. */
#define LOCK_HELD_MAX	32

/* One lock the task holds. */
struct held_lock {
	const void *lock;		/* the lock itself, to find it again at release */
	uint64_t ip;			/* where it was taken (a return address) */
	uint16_t class_id;		/* index + 1; 0: not in the class graph */
	uint8_t rank;
	uint8_t irq_depth;		/* hardirq depth when taken (edges stay within one) */
	uint8_t trylock;		/* taken by a trylock */
};

struct held_locks {
	unsigned int nr;		/* entries in use; more are not recorded */
	bool in_checker;		/* the checker is running for this task: skip nested calls */
	struct held_lock e[LOCK_HELD_MAX];
};

/*
 * How a lock is being taken. LOCK_ACQ_NESTED is the one declared exception
 * (Linux's *_lock_nested): a second lock of the same rank or class whose
 * nesting cannot deadlock because of how the two are chosen - fork's
 * child mm under its parent's (nobody else can reach the child yet), two
 * futex buckets taken in address order. Only a lock of a *higher* rank
 * held is then a rank error, and the class graph draws no self-edge.
 */
enum lock_acquire {
	LOCK_ACQ_WAIT,		/* checked: ranks and class graph */
	LOCK_ACQ_TRY,		/* recorded, not checked: a trylock cannot deadlock */
	LOCK_ACQ_NESTED,	/* checked: ranks held may be lower or equal */
};

/*
 * Check and record that the current task now holds @lock (whose class and
 * rank @map gives), taken as @how says, at @ip (what reports print as
 * "taken at"; 0: where this call returns to, right for the inlined
 * spinlock functions; the sleeping locks pass their caller's address). Panics on an order violation
 * unless a report hook below is set. Never sleeps; safe with interrupts
 * off and from interrupt handlers.
 */
void lock_order_acquire(const void *lock, struct lockdep_map *map, enum lock_acquire how,
			uint64_t ip);
/* Forget @lock (no-op when it was not recorded). Never sleeps. */
void lock_order_release(const void *lock);
/*
 * Does the current task's record say it holds @lock (taken while the
 * checker was on)? Also true when the record is full, since a lock taken
 * then was not recorded: the answer backs assertions
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

static inline bool lock_order_checked(void)
{
	return lock_order_on;
}

/* The name of @rank's locks, for reports. */
extern const char *const lock_rank_names[NR_LOCK_RANKS];

/* Most frames a stored or reported call chain keeps. */
#define LOCKDEP_CHAIN_MAX	8

/* An inversion as the class graph saw it (for the test hook). */
struct lock_inversion {
	const char *taken;		/* the class being taken ... */
	const char *held;		/* ... while this one is held */
	unsigned int depth;		/* edges in the earlier path taken -> ... -> held; 0: same class */
	unsigned int nr_recorded;	/* the chain stored with the path's first edge */
	uint64_t recorded[LOCKDEP_CHAIN_MAX];
	unsigned int nr_now;		/* the chain of the acquisition just made */
	uint64_t now[LOCKDEP_CHAIN_MAX];
};

/*
 * Test hooks: when set, a violation calls them instead of panicking (the
 * lock is still recorded, and so is the edge). Only the lock-order ktest
 * sets them.
 */
extern void (*lock_order_report)(enum lock_rank taken, enum lock_rank held);
extern void (*lock_order_inversion_report)(const struct lock_inversion *inv);

struct task;
/* Print the locks @t holds, with class, rank and where each was taken. */
void lock_order_print_held(const struct task *t);

/* How many class-graph edges are stored. */
unsigned int lock_order_nr_edges(void);
/* How many stored edges lead from @held's class to @taken's (0 or 1, for tests). */
unsigned int lock_order_edges_between(struct lockdep_map *held, struct lockdep_map *taken);
/*
 * Copy the call chain stored with the edge from @held's class to @taken's
 * class into @pcs (at most @max frames). Returns the number of frames, or
 * -1 when no such edge is stored. Never sleeps.
 */
int lock_order_edge_chain(struct lockdep_map *held, struct lockdep_map *taken,
			  uint64_t *pcs, unsigned int max);

#endif
