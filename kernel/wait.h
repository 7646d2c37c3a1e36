/*
 * wait.h - wait queues, sleeping and the sleeping locks built on them.
 *
 * A task that must wait for a condition puts itself on a wait queue, marks
 * itself sleeping, re-checks the condition and calls schedule(); whoever
 * makes the condition true calls wake_up() on the queue. Checking after
 * marking closes the lost-wake-up window:
 *
 *      waiter                              waker
 *      prepare_to_wait(wq)  (state=SLEEP)
 *      if (cond) break;                    cond = true;
 *      schedule();                         wake_up(wq)  (state=RUNNING)
 *
 * If the waker runs between the check and schedule(), the state is already
 * RUNNING again and schedule() returns at once.
 *
 * An interruptible wait ends early with -EINTR when a signal is pending.
 *
 * Everything here that can block - prepare_to_wait(), the wait_event
 * macros, mutex_lock(), down() - is might_sleep() (kernel/might_sleep.h):
 * calling it with a spinlock held or interrupts off is a reported bug.
 * wake_up(), mutex_unlock(), mutex_trylock() and up() never sleep.
 */
#ifndef KERNEL_WAIT_H
#define KERNEL_WAIT_H

#include "kernel/lib/list.h"
#include "kernel/might_sleep.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"
#include "kernel/types.h"

struct task;
struct wait_entry;

/*
 * What wake_up() does with an entry. With no function it makes e->task
 * runnable - every sleeper in the kernel. An entry with a function is a
 * hook instead (epoll's items, kernel/fs/eventpoll.c; poll's entries,
 * poll.c): wake_up() calls it with the queue's lock held and interrupts
 * off, so it must not sleep nor touch this queue's list. It returns true
 * when it made a task runnable; for a WAIT_EXCLUSIVE entry that ends the
 * wake-up's search for an exclusive waiter (below).
 */
typedef bool (*wait_func_t)(struct wait_entry *e);

struct wait_entry {
	struct list_head node;
	struct task *task;		/* whom to wake when func is NULL */
	wait_func_t func;		/* NULL: wake task */
	unsigned int flags;		/* WAIT_EXCLUSIVE */
};

/*
 * Exclusive entries (EPOLLEXCLUSIVE): one wake_up() runs every ordinary
 * entry but exclusive ones only until the first that returns true, as
 * Linux's wake_up() with nr_exclusive 1. Only entries with a function may
 * be exclusive.
 */
#define WAIT_EXCLUSIVE		0x1

/* An entry starts unqueued (node.next == NULL); prepare_to_wait queues it. */
#define WAIT_ENTRY_INIT		{ .node = { NULL, NULL }, .task = NULL, .func = NULL, .flags = 0 }

struct waitqueue {
	spinlock_t lock;
	struct list_head waiters;	/* of struct wait_entry */
};

/*
 * A static queue's lock is its own lock class, named after the queue
 * (kernel/lock_order.h); on the stack or in allocated memory use
 * waitqueue_init(), whose call site is the class.
 */
#define WAITQUEUE_INIT(name)	{ SPINLOCK_INIT(name.lock), LIST_HEAD_INIT((name).waiters) }
#define WAITQUEUE_INIT_KEY(name, namestr, key) \
	{ SPINLOCK_INIT_KEY((namestr), (key)), LIST_HEAD_INIT((name).waiters) }

void __waitqueue_init(struct waitqueue *wq, const char *name, const struct lock_class_key *key);
#define waitqueue_init(wq) do {						\
	static struct lock_class_key __key;				\
	__waitqueue_init((wq), #wq, &__key);				\
} while (0)
/* Queue @e (for the current task) on @wq and set the task's state. Might sleep. */
void prepare_to_wait(struct waitqueue *wq, struct wait_entry *e, int state);
/* Take @e off @wq and make the current task runnable. */
void finish_wait(struct waitqueue *wq, struct wait_entry *e);
/*
 * Make every task waiting on @wq runnable (and run the entries' functions,
 * see struct wait_entry). Safe from interrupt handlers.
 */
bool wake_up(struct waitqueue *wq);	/* true: @wq had an entry */
/*
 * wake_up() of a queue whose lock class may already be held by this CPU:
 * an epoll's queue of watchers woken from inside a wake-up of another
 * epoll's (nested epolls form a graph without cycles, so the same-class
 * locks are always taken inner before outer; kernel/fs/eventpoll.c).
 */
void wake_up_nested(struct waitqueue *wq);
/*
 * Link @e (its task, func and flags already set) on @wq without touching
 * any task's state, and unlink it again: for entries that stay queued
 * while their owner runs (poll tables, epoll items). Never sleep.
 */
void add_wait_queue(struct waitqueue *wq, struct wait_entry *e);
void remove_wait_queue(struct waitqueue *wq, struct wait_entry *e);
bool signal_pending_current(void);


/*
 * wait_event_interruptible() that also ends after @ns nanoseconds (0: no
 * limit). Returns 0 (@cond true), -EINTR (a signal came first) or
 * -ETIMEDOUT (the time ran out with @cond still false). The caller
 * includes kernel/errno.h (this header is also seen by lwIP's own files,
 * which have no errno headers).
 */
#define wait_event_interruptible_timeout(wq, cond, ns) ({		\
	struct wait_entry __we = WAIT_ENTRY_INIT;			\
	uint64_t __ns = (ns);						\
	uint64_t __end = __ns ? clock_ns() + __ns : 0;			\
	int __ret = 0;							\
	might_sleep();							\
	for (;;) {							\
		prepare_to_wait((wq), &__we, TASK_INTERRUPTIBLE);	\
		if (cond)						\
			break;						\
		if (signal_pending_current()) {				\
			__ret = -EINTR;					\
			break;						\
		}							\
		if (!__end) {						\
			schedule();					\
			continue;					\
		}							\
		uint64_t __now = clock_ns();				\
		if (__now >= __end) {					\
			__ret = -ETIMEDOUT;				\
			break;						\
		}							\
		schedule_timeout(__end - __now);			\
	}								\
	finish_wait((wq), &__we);					\
	__ret;								\
})

/*
 * Sleep until @cond is true. Returns 0, or -EINTR if a signal arrived first
 * (then @cond may still be false).
 */
#define wait_event_interruptible(wq, cond)				\
	wait_event_interruptible_timeout(wq, cond, 0)

/* Sleep until @cond is true; signals do not end the wait. */
#define wait_event(wq, cond) ({						\
	struct wait_entry __we = WAIT_ENTRY_INIT;						\
	might_sleep();							\
	for (;;) {							\
		prepare_to_wait((wq), &__we, TASK_UNINTERRUPTIBLE);	\
		if (cond)						\
			break;						\
		schedule();						\
	}								\
	finish_wait((wq), &__we);					\
})

/*
 * A sleeping lock: holders may block (copy to user, wait for I/O).
 * Its own spinlock and wait queue are one lock class each for all
 * mutexes (they are leaves: nothing is taken inside them but rq_lock).
 */
struct mutex {
	spinlock_t lock;		/* guards owner */
	struct task *owner;
	struct waitqueue wq;
	struct lockdep_map dep;		/* class, name, rank (lock_order.h) */
};

extern struct lock_class_key mutex_spin_key, mutex_wq_key;
#define MUTEX_INIT_RANKED(name, r) {						\
	SPINLOCK_INIT_KEY("mutex->lock", &mutex_spin_key), NULL,		\
	WAITQUEUE_INIT_KEY((name).wq, "mutex->wq", &mutex_wq_key),		\
	LOCKDEP_MAP_INIT(#name, NULL, (r)) }
#define MUTEX_INIT(name)	MUTEX_INIT_RANKED(name, LOCK_RANK_NONE)

void __mutex_init(struct mutex *m, const char *name, const struct lock_class_key *key,
		  enum lock_rank r);
/* Every mutex initialised at one call site is one lock class. */
#define mutex_init_ranked(m, r) do {					\
	static struct lock_class_key __key;				\
	__mutex_init((m), #m, &__key, (r));				\
} while (0)
/* mutex_init_ranked() with no rank: only the class graph checks it. */
#define mutex_init(m)		mutex_init_ranked((m), LOCK_RANK_NONE)
void mutex_lock(struct mutex *m);
/* mutex_lock() of a second mutex of the rank or class already held (lock_order.h). */
void mutex_lock_nested(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_trylock(struct mutex *m);	/* true: now held; never sleeps */
bool mutex_is_locked(const struct mutex *m);

/* A counting semaphore. */
struct semaphore {
	spinlock_t lock;
	int count;
	struct waitqueue wq;
};

/*
 * A semaphore is not a lock to the lock-order checker (its up() may come
 * from another task); its own spinlock and queue are one class each.
 */
void sema_init(struct semaphore *s, int count);
void down(struct semaphore *s);
int down_interruptible(struct semaphore *s);	/* 0 or -EINTR */
void up(struct semaphore *s);

/* Task states used by the macros above (see kernel/task.h). */
#define TASK_RUNNING		0
#define TASK_INTERRUPTIBLE	1
#define TASK_UNINTERRUPTIBLE	2

void schedule(void);
/* Sleep (in the state already set) for at most @ns; returns the ns left. */
long schedule_timeout(uint64_t ns);

#endif
