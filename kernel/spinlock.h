/*
 * spinlock.h - busy-wait locks that also disable local interrupts.
 *
 * Every spinlock in Pagoda is taken with interrupts off (spin_lock_irqsave),
 * so an interrupt handler on the same CPU can never spin on a lock its own
 * CPU holds. Hold them briefly and never sleep while holding one. The owner
 * is not recorded yet; SMP bring-up (a later issue) needs nothing more than
 * the atomic exchange below.
 *
 * Every lock belongs to a lock class and may carry a rank
 * (kernel/lock_order.h): taking it is checked against the locks the
 * current task already holds, unless lockcheck=off (then one test).
 * docs/locking.md is the lock order.
 *
 * Holding a spinlock is atomic context: each acquisition raises this CPU's
 * atomic count and each release lowers it (kernel/might_sleep.h), so a
 * might_sleep() under the lock is reported. The count goes up before the
 * lock is spun for and down after it is released. The taking side is
 * always inlined, so the place the outermost lock was taken, which a
 * report prints, is the caller's code and not a shared copy.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <arch/cpu.h>
#include <arch/tlb.h>
#include "kernel/lock_order.h"
#include "kernel/might_sleep.h"
#include <stdint.h>

typedef struct spinlock {
	volatile uint32_t locked;
	struct lockdep_map dep;		/* class, name, rank (lock_order.h) */
} spinlock_t;

/*
 * Static initialisers name the lock (its class is the lock itself):
 *   static spinlock_t rq_lock = SPINLOCK_INIT(rq_lock);
 * Only for locks in static storage: a lock on the stack or in allocated
 * memory gets spin_lock_init(), whose call site is its class.
 */
#define SPINLOCK_INIT(name)		{ 0, LOCKDEP_MAP_INIT(#name, NULL, LOCK_RANK_NONE) }
#define SPINLOCK_INIT_RANKED(name, r)	{ 0, LOCKDEP_MAP_INIT(#name, NULL, (r)) }
/* A lock inside another primitive, sharing one class (@key) with its kind. */
#define SPINLOCK_INIT_KEY(namestr, key)	{ 0, LOCKDEP_MAP_INIT((namestr), (key), LOCK_RANK_NONE) }

static inline void __spin_lock_init(spinlock_t *l, const char *name,
				    const struct lock_class_key *key, enum lock_rank r)
{
	l->locked = 0;
	lockdep_map_init(&l->dep, name, key, r);
}

/*
 * Run-time initialisation: every lock initialised at one call site is one
 * class, named after the expression (lock_order.h explains classes).
 */
#define spin_lock_init(l) do {						\
	static struct lock_class_key __key;				\
	__spin_lock_init((l), #l, &__key, LOCK_RANK_NONE);		\
} while (0)

#define spin_lock_init_ranked(l, r) do {				\
	static struct lock_class_key __key;				\
	__spin_lock_init((l), #l, &__key, (r));				\
} while (0)

/*
 * The lock was taken: spin until it is ours (kernel/profile.c, which also
 * counts the wait per lock class when profiling). Out of line: only the
 * uncontended exchange is inlined into every caller. Also for lock words
 * outside a spinlock_t (the PTE locks, arch/x86_64/paging.c).
 */
void __spin_wait_contended(volatile uint32_t *word, const struct lockdep_map *dep);
static inline void __spin_lock_contended(spinlock_t *l)
{
	__spin_wait_contended(&l->locked, &l->dep);
}

/* Interrupts must be off (spin_lock_irqsave, or already off). */
static inline __attribute__((always_inline)) void __spin_lock_how(spinlock_t *l,
								   enum lock_acquire how)
{
	atomic_count_spin_enter();
	if (lock_order_checked())
		lock_order_acquire(l, &l->dep, how, 0);
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		__spin_lock_contended(l);
}

static inline __attribute__((always_inline)) void __spin_lock(spinlock_t *l)
{
	__spin_lock_how(l, LOCK_ACQ_WAIT);
}

/*
 * __spin_lock of a second lock of the rank or class already held, whose
 * nesting cannot deadlock (lock_order.h: LOCK_ACQ_NESTED).
 */
static inline __attribute__((always_inline)) void __spin_lock_nested(spinlock_t *l)
{
	__spin_lock_how(l, LOCK_ACQ_NESTED);
}

static inline void __spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	if (lock_order_checked())
		lock_order_release(l);
	atomic_count_spin_exit();
}

/* Returns the interrupt state to hand back to spin_unlock_irqrestore(). */
static inline __attribute__((always_inline)) unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = arch_irq_save();

	__spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	__spin_unlock(l);
	arch_irq_restore(flags);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED);
}

#endif
