/*
 * rwsem.c - reader/writer semaphores (see kernel/rwsem.h for the rules).
 *
 * The whole state sits under one spinlock, and a waiter never takes the
 * lock for itself: the task that releases it decides who comes in next
 * and hands it over (count and owner set for the newcomers) before
 * waking them. A woken waiter therefore only has to see that it was
 * granted, and nobody can overtake the head of the queue between the
 * release and the wake-up - which is what makes the queue FIFO and keeps
 * a waiting writer from being starved:
 *
 *   releaser (s->lock held)                waiter
 *                                          queue w; state = UNINTERRUPTIBLE
 *   count/owner for w; w->granted = true   (checked under s->lock)
 *   wake_up_task(w->task)                  schedule() ... returns
 *                                          sees w->granted: holds it
 *
 * The waiter sets its sleeping state and reads w->granted under s->lock,
 * and the releaser sets w->granted and wakes it under the same lock, so
 * a grant between the check and schedule() finds the task already
 * runnable again (the same lost-wake-up argument as kernel/wait.h). The
 * wake-up happens before s->lock is dropped because w lives on the
 * waiter's stack and the waiter may return as soon as it can see the
 * grant; after that nothing of w is touched.
 *
 * The fast paths never touch the queue: each is a compare-and-swap of
 * count that expects RWSEM_WAITERS clear. A task about to wait sets the
 * flag (under s->lock) before it queues, so from then on a fast path's
 * swap fails - a releaser comes here and takes part in the hand-off -
 * until the last waiter is granted and the flag goes. Under s->lock the
 * word still changes by atomic operations, since while the flag is clear
 * the fast paths run beside us.
 */
#include "kernel/rwsem.h"
#include "kernel/might_sleep.h"
#include "kernel/panic.h"
#include "kernel/task.h"
#include "kernel/wait.h"

enum rwsem_want { RWSEM_WANT_READ, RWSEM_WANT_WRITE };

/* A task in the queue, on its own stack while it sleeps. */
struct rwsem_waiter {
	struct list_head node;		/* in s->waiters */
	struct task *task;
	enum rwsem_want want;
	bool granted;			/* set by the releaser: it holds the lock now */
};

struct lock_class_key rwsem_spin_key;

void __init_rwsem(struct rw_semaphore *s, const char *name, const struct lock_class_key *key,
		  enum lock_rank r)
{
	__spin_lock_init(&s->lock, "rwsem->lock", &rwsem_spin_key, LOCK_RANK_NONE);
	s->count = 0;
	s->owner = NULL;
	INIT_LIST_HEAD(&s->waiters);
	lockdep_map_init(&s->dep, name, key, r);
}

/* Try once to change count from @old to @new (a fast path's one step). */
static bool count_cas(struct rw_semaphore *s, long *old, long new)
{
	return __atomic_compare_exchange_n(&s->count, old, new, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void count_add(struct rw_semaphore *s, long delta)
{
	__atomic_add_fetch(&s->count, delta, __ATOMIC_ACQ_REL);
}

/* Hand @w the lock (count/owner already set for it) and wake it. s->lock held. */
static void grant(struct rw_semaphore *s, struct rwsem_waiter *w)
{
	struct task *t = w->task;

	list_del(&w->node);
	if (list_empty(&s->waiters))
		__atomic_and_fetch(&s->count, ~RWSEM_WAITERS, __ATOMIC_ACQ_REL);
	WRITE_ONCE(w->granted, true);
	wake_up_task(t);
}

/*
 * The lock just became free, or shared with room for more readers: let
 * in, in queue order, either the writer at the head (only when it is
 * free) or the readers at the head up to the first writer. s->lock held,
 * and RWSEM_WAITERS set while anyone is queued, so count is ours alone;
 * never sleeps.
 */
static void grant_from_head(struct rw_semaphore *s)
{
	while (!list_empty(&s->waiters)) {
		struct rwsem_waiter *w = list_entry(s->waiters.next, struct rwsem_waiter, node);
		long c = READ_ONCE(s->count);

		if (w->want == RWSEM_WANT_WRITE) {
			if (c & (RWSEM_WRITER | RWSEM_READERS))
				return;
			count_add(s, RWSEM_WRITER);
			s->owner = w->task;
			grant(s, w);
			return;
		}
		if (c & RWSEM_WRITER)
			return;
		count_add(s, 1);
		grant(s, w);
	}
}

/*
 * Queue for @want at the tail and sleep until granted. Entered with
 * s->lock held (interrupt state @irq), returns with it dropped and the
 * lock held as asked.
 */
static void wait_for_grant(struct rw_semaphore *s, enum rwsem_want want, unsigned long irq)
{
	struct rwsem_waiter w = { .task = current(), .want = want };

	/*
	 * First the flag: from here on no fast path gets past us. The
	 * holder may have left by a fast path just before it was set, with
	 * nobody then to hand over to: so try the hand-off now, which grants
	 * us at once if the lock is free for us (w is already RUNNING).
	 */
	__atomic_or_fetch(&s->count, RWSEM_WAITERS, __ATOMIC_ACQ_REL);
	list_add_tail(&w.node, &s->waiters);
	grant_from_head(s);
	for (;;) {
		bool granted;

		current()->state = TASK_UNINTERRUPTIBLE;
		granted = w.granted;
		spin_unlock_irqrestore(&s->lock, irq);
		if (granted)
			break;
		schedule();
		irq = spin_lock_irqsave(&s->lock);
	}
	current()->state = TASK_RUNNING;
}

/* A reader may come in: no writer inside, nobody waiting. One try. */
static bool read_trylock_fast(struct rw_semaphore *s)
{
	long c = READ_ONCE(s->count);

	while (!(c & (RWSEM_WRITER | RWSEM_WAITERS)))
		if (count_cas(s, &c, c + 1))
			return true;
	return false;
}

/* Checked before any wait, so an inversion is seen even without contention. */
static void down_read_how(struct rw_semaphore *s, uint64_t ip)
{
	unsigned long irq;

	might_sleep();
	if (lock_order_checked())
		lock_order_acquire(s, &s->dep, LOCK_ACQ_WAIT, ip);
	if (read_trylock_fast(s))
		return;
	irq = spin_lock_irqsave(&s->lock);
	if (read_trylock_fast(s)) {	/* the writer left meanwhile */
		spin_unlock_irqrestore(&s->lock, irq);
		return;
	}
	wait_for_grant(s, RWSEM_WANT_READ, irq);
}

void down_read(struct rw_semaphore *s)
{
	down_read_how(s, (uint64_t)__builtin_return_address(0));
}

/* Free and nobody waiting: take it for writing. One try. */
static bool write_trylock_fast(struct rw_semaphore *s)
{
	long c = 0;

	if (!count_cas(s, &c, RWSEM_WRITER))
		return false;
	s->owner = current();
	return true;
}

static void down_write_how(struct rw_semaphore *s, enum lock_acquire how, uint64_t ip)
{
	unsigned long irq;

	might_sleep();
	if (lock_order_checked())
		lock_order_acquire(s, &s->dep, how, ip);
	if (write_trylock_fast(s))
		return;
	irq = spin_lock_irqsave(&s->lock);
	if (write_trylock_fast(s)) {
		spin_unlock_irqrestore(&s->lock, irq);
		return;
	}
	wait_for_grant(s, RWSEM_WANT_WRITE, irq);
}

void down_write(struct rw_semaphore *s)
{
	down_write_how(s, LOCK_ACQ_WAIT, (uint64_t)__builtin_return_address(0));
}

void down_write_nested(struct rw_semaphore *s)
{
	down_write_how(s, LOCK_ACQ_NESTED, (uint64_t)__builtin_return_address(0));
}

void up_read(struct rw_semaphore *s)
{
	long c = READ_ONCE(s->count);
	unsigned long irq;

	BUG_ON(!(c & RWSEM_READERS) || (c & RWSEM_WRITER));
	while (!(c & RWSEM_WAITERS))
		if (count_cas(s, &c, c - 1))
			goto out;
	/* Somebody waits: the last reader out hands the lock on. */
	irq = spin_lock_irqsave(&s->lock);
	count_add(s, -1);
	if (!(READ_ONCE(s->count) & RWSEM_READERS))
		grant_from_head(s);
	spin_unlock_irqrestore(&s->lock, irq);
out:
	if (lock_order_checked())
		lock_order_release(s);
}

void up_write(struct rw_semaphore *s)
{
	long c = RWSEM_WRITER;
	unsigned long irq;

	BUG_ON(!(READ_ONCE(s->count) & RWSEM_WRITER) || s->owner != current());
	s->owner = NULL;
	if (!count_cas(s, &c, 0)) {
		irq = spin_lock_irqsave(&s->lock);
		count_add(s, -RWSEM_WRITER);
		grant_from_head(s);
		spin_unlock_irqrestore(&s->lock, irq);
	}
	if (lock_order_checked())
		lock_order_release(s);
}

bool down_read_trylock(struct rw_semaphore *s)
{
	bool got = read_trylock_fast(s);

	if (got && lock_order_checked())
		lock_order_acquire(s, &s->dep, LOCK_ACQ_TRY,
				   (uint64_t)__builtin_return_address(0));
	return got;
}

bool down_write_trylock(struct rw_semaphore *s)
{
	bool got = write_trylock_fast(s);

	if (got && lock_order_checked())
		lock_order_acquire(s, &s->dep, LOCK_ACQ_TRY,
				   (uint64_t)__builtin_return_address(0));
	return got;
}

/* The lock-order record stays as it is: the same lock, the same rank, held. */
void downgrade_write(struct rw_semaphore *s)
{
	unsigned long irq = spin_lock_irqsave(&s->lock);

	BUG_ON(!(READ_ONCE(s->count) & RWSEM_WRITER) || s->owner != current());
	s->owner = NULL;
	/* Writer -> one reader in one step: no other writer slips in between. */
	count_add(s, 1 - RWSEM_WRITER);
	grant_from_head(s);
	spin_unlock_irqrestore(&s->lock, irq);
}

bool rwsem_write_held_by_current(const struct rw_semaphore *s)
{
	return READ_ONCE(s->owner) == current();
}

bool rwsem_held_by_current(const struct rw_semaphore *s)
{
	if (rwsem_write_held_by_current(s))
		return true;
	if (!(READ_ONCE(s->count) & RWSEM_READERS))
		return false;
	return !lock_order_checked() || lock_order_held(s);
}
