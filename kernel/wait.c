/*
 * wait.c - wait queues, mutexes and semaphores (see kernel/wait.h).
 */
#include "kernel/wait.h"
#include "kernel/errno.h"
#include "kernel/might_sleep.h"
#include "kernel/task.h"

void __waitqueue_init(struct waitqueue *wq, const char *name, const struct lock_class_key *key)
{
	__spin_lock_init(&wq->lock, name, key, LOCK_RANK_NONE);
	INIT_LIST_HEAD(&wq->waiters);
}

void prepare_to_wait(struct waitqueue *wq, struct wait_entry *e, int state)
{
	unsigned long irq;

	might_sleep();			/* the schedule() that follows */
	irq = spin_lock_irqsave(&wq->lock);

	if (!e->node.next) {			/* not queued yet */
		e->task = current();
		list_add_tail(&e->node, &wq->waiters);
	}
	current()->state = state;
	spin_unlock_irqrestore(&wq->lock, irq);
}

void finish_wait(struct waitqueue *wq, struct wait_entry *e)
{
	unsigned long irq = spin_lock_irqsave(&wq->lock);

	current()->state = TASK_RUNNING;
	if (e->node.next) {
		list_del(&e->node);
		e->node.next = e->node.prev = NULL;
	}
	spin_unlock_irqrestore(&wq->lock, irq);
}

/* Wake @wq's entries; the caller holds wq->lock. True: it had some. */
static bool __wake_up_locked(struct waitqueue *wq)
{
	bool exclusive_done = false;
	struct wait_entry *e;

	list_for_each_entry(e, &wq->waiters, node) {
		if (!e->func) {
			wake_up_task(e->task);
			continue;
		}
		if (!(e->flags & WAIT_EXCLUSIVE))
			e->func(e);
		else if (!exclusive_done)
			exclusive_done = e->func(e);
	}
	return !list_empty(&wq->waiters);
}

bool wake_up(struct waitqueue *wq)
{
	unsigned long irq = spin_lock_irqsave(&wq->lock);
	bool any = __wake_up_locked(wq);

	spin_unlock_irqrestore(&wq->lock, irq);
	return any;
}

void wake_up_nested(struct waitqueue *wq)
{
	unsigned long irq = arch_irq_save();

	__spin_lock_nested(&wq->lock);
	__wake_up_locked(wq);
	spin_unlock_irqrestore(&wq->lock, irq);
}

void add_wait_queue(struct waitqueue *wq, struct wait_entry *e)
{
	unsigned long irq = spin_lock_irqsave(&wq->lock);

	list_add_tail(&e->node, &wq->waiters);
	spin_unlock_irqrestore(&wq->lock, irq);
}

void remove_wait_queue(struct waitqueue *wq, struct wait_entry *e)
{
	unsigned long irq = spin_lock_irqsave(&wq->lock);

	list_del_init(&e->node);
	spin_unlock_irqrestore(&wq->lock, irq);
}

bool signal_pending_current(void)
{
	return task_sigpending(current());
}

/* ---- mutex ---- */

/* The classes every mutex's inner spinlock and wait-queue lock share. */
struct lock_class_key mutex_spin_key, mutex_wq_key;

void __mutex_init(struct mutex *m, const char *name, const struct lock_class_key *key,
		  enum lock_rank r)
{
	__spin_lock_init(&m->lock, "mutex->lock", &mutex_spin_key, LOCK_RANK_NONE);
	m->owner = NULL;
	__waitqueue_init(&m->wq, "mutex->wq", &mutex_wq_key);
	lockdep_map_init(&m->dep, name, key, r);
}

static bool mutex_try(struct mutex *m)
{
	unsigned long irq = spin_lock_irqsave(&m->lock);
	bool got = !m->owner;

	if (got)
		m->owner = current();
	spin_unlock_irqrestore(&m->lock, irq);
	return got;
}

/* Checked before waiting, so an inversion is caught even without contention. */
static void mutex_lock_how(struct mutex *m, enum lock_acquire how, uint64_t ip)
{
	might_sleep();
	if (lock_order_checked())
		lock_order_acquire(m, &m->dep, how, ip);
	wait_event(&m->wq, mutex_try(m));
}

void mutex_lock(struct mutex *m)
{
	mutex_lock_how(m, LOCK_ACQ_WAIT, (uint64_t)__builtin_return_address(0));
}

void mutex_lock_nested(struct mutex *m)
{
	mutex_lock_how(m, LOCK_ACQ_NESTED, (uint64_t)__builtin_return_address(0));
}

void mutex_unlock(struct mutex *m)
{
	unsigned long irq = spin_lock_irqsave(&m->lock);

	m->owner = NULL;
	spin_unlock_irqrestore(&m->lock, irq);
	if (lock_order_checked())
		lock_order_release(m);
	wake_up(&m->wq);
}

bool mutex_trylock(struct mutex *m)
{
	bool got = mutex_try(m);

	if (got && lock_order_checked())
		lock_order_acquire(m, &m->dep, LOCK_ACQ_TRY,
				   (uint64_t)__builtin_return_address(0));
	return got;
}

bool mutex_is_locked(const struct mutex *m)
{
	return READ_ONCE(m->owner) != NULL;
}

/* ---- semaphore ---- */

void sema_init(struct semaphore *s, int count)
{
	static struct lock_class_key spin_key, wq_key;

	__spin_lock_init(&s->lock, "semaphore->lock", &spin_key, LOCK_RANK_NONE);
	s->count = count;
	__waitqueue_init(&s->wq, "semaphore->wq", &wq_key);
}

static bool sema_try(struct semaphore *s)
{
	unsigned long irq = spin_lock_irqsave(&s->lock);
	bool got = s->count > 0;

	if (got)
		s->count--;
	spin_unlock_irqrestore(&s->lock, irq);
	return got;
}

void down(struct semaphore *s)
{
	might_sleep();
	wait_event(&s->wq, sema_try(s));
}

int down_interruptible(struct semaphore *s)
{
	might_sleep();
	return wait_event_interruptible(&s->wq, sema_try(s));
}

void up(struct semaphore *s)
{
	unsigned long irq = spin_lock_irqsave(&s->lock);

	s->count++;
	spin_unlock_irqrestore(&s->lock, irq);
	wake_up(&s->wq);
}
