/*
 * rwsem.h - reader/writer semaphores: a sleeping lock that many readers
 * may hold at once, or one writer alone (Linux's struct rw_semaphore).
 * The mmap lock (mm/vm.h) is one.
 *
 * State: one word, count, read and changed only by atomic operations -
 * so that a reader of an uncontended semaphore (every page fault takes
 * the mmap lock for reading) needs one compare-and-swap and no spinlock:
 *
 *   bits 0-31    RWSEM_READERS: that many readers hold it
 *   bit 61       RWSEM_WAITERS: the queue is not empty (set and cleared
 *                under the spinlock, exactly while it is not)
 *   bit 62       RWSEM_WRITER: a writer holds it; owner says which task
 *   0            free, and nobody waits
 *
 * The fast paths (down_read, up_read, down_write, up_write and the
 * trylocks) are one compare-and-swap that succeeds only while
 * RWSEM_WAITERS is clear; everything else happens under the spinlock,
 * which also guards owner and the queue. Once a task waits, the flag
 * sends every newcomer and every releaser to the spinlock, where the
 * rules below are kept.
 *
 * Waiting is strictly first come, first served. A task that cannot have
 * the lock at once joins the tail of one queue of readers and writers;
 * whoever releases the lock hands it over from the head - to the first
 * writer alone, or to the whole run of readers up to the next writer -
 * and wakes them, already holding it:
 *
 *   held by R1,R2      queue: W1 -> R3 -> R4 -> W2 -> R5
 *   R1, R2 release  -> W1 holds it
 *   W1 releases     -> R3 and R4 hold it (W2 and R5 still wait)
 *
 * So a writer is never starved by a stream of readers: once it waits, a
 * new reader (down_read, and down_read_trylock too) queues behind it
 * instead of joining the readers inside. The price is that a reader may
 * not take the lock again while it holds it (a writer queued in between
 * would deadlock both); the lock-order checker reports that nesting.
 *
 * Like struct mutex (kernel/wait.h): the blocking calls are might_sleep();
 * every semaphore is checked by the lock-order checker (readers and
 * writers alike, each task recording what it holds, so "does the current
 * task hold it?" has an answer: rwsem_held_by_current()). Releasing and
 * the trylocks never sleep.
 *
 * Tests: kernel/tests/rwsem_ktest.c.
 */
#ifndef KERNEL_RWSEM_H
#define KERNEL_RWSEM_H

#include "kernel/lib/list.h"
#include "kernel/lock_order.h"
#include "kernel/spinlock.h"
#include "kernel/types.h"

struct task;

#define RWSEM_READERS	0xffffffffl
#define RWSEM_WAITERS	(1l << 61)
#define RWSEM_WRITER	(1l << 62)

struct rw_semaphore {
	spinlock_t lock;		/* guards owner, waiters, RWSEM_WAITERS */
	long count;			/* atomic: RWSEM_* above; 0: free */
	struct task *owner;		/* the writer inside, or NULL */
	struct list_head waiters;	/* struct rwsem_waiter (rwsem.c), oldest first */
	struct lockdep_map dep;		/* class, name, rank (lock_order.h) */
};

/* Every semaphore's own spinlock is one class (a leaf, like a mutex's). */
extern struct lock_class_key rwsem_spin_key;
#define RWSEM_INIT_RANKED(name, r)						\
	{ SPINLOCK_INIT_KEY("rwsem->lock", &rwsem_spin_key), 0, NULL,		\
	  LIST_HEAD_INIT((name).waiters), LOCKDEP_MAP_INIT(#name, NULL, (r)) }
#define RWSEM_INIT(name)	RWSEM_INIT_RANKED(name, LOCK_RANK_NONE)

void __init_rwsem(struct rw_semaphore *s, const char *name, const struct lock_class_key *key,
		  enum lock_rank r);
/* Every semaphore initialised at one call site is one lock class (lock_order.h). */
#define init_rwsem_ranked(s, r) do {					\
	static struct lock_class_key __key;				\
	__init_rwsem((s), #s, &__key, (r));				\
} while (0)
#define init_rwsem(s)		init_rwsem_ranked((s), LOCK_RANK_NONE)

/* Take it shared, sleeping while a writer holds it or waits for it. */
void down_read(struct rw_semaphore *s);
void up_read(struct rw_semaphore *s);
/* Take it exclusive, sleeping until every earlier holder and waiter is done. */
void down_write(struct rw_semaphore *s);
/*
 * down_write() of a second semaphore of the rank already held, whose
 * nesting cannot deadlock (Linux's down_write_nested: fork's child mm,
 * which nobody else can reach yet).
 */
void down_write_nested(struct rw_semaphore *s);
void up_write(struct rw_semaphore *s);
/* true: now held for reading. Fails while a writer holds it or waits. Never sleeps. */
bool down_read_trylock(struct rw_semaphore *s);
/* true: now held for writing. Fails unless it is free. Never sleeps. */
bool down_write_trylock(struct rw_semaphore *s);
/*
 * The writer becomes a reader without letting go: readers queued at the
 * head come in with it, a writer stays queued. Never sleeps.
 */
void downgrade_write(struct rw_semaphore *s);

/* Held at all (by anyone, either way)? A hint unless the caller holds it. */
static inline bool rwsem_is_locked(const struct rw_semaphore *s)
{
	return (READ_ONCE(s->count) & ~RWSEM_WAITERS) != 0;
}

/* Who holds it: -1 a writer, else the number of readers (0: free). A hint. */
static inline long rwsem_holders(const struct rw_semaphore *s)
{
	long c = READ_ONCE(s->count);

	return (c & RWSEM_WRITER) ? -1 : (c & RWSEM_READERS);
}

/* Does the current task hold it for writing? Exact. */
bool rwsem_write_held_by_current(const struct rw_semaphore *s);
/*
 * Does the current task hold it, either way? Exact for a writer; for a
 * reader it asks the lock-order checker's record (kernel/lock_order.h),
 * so with that checker off (lockcheck=off) it can only say "some reader
 * holds it".
 */
bool rwsem_held_by_current(const struct rw_semaphore *s);

#endif
