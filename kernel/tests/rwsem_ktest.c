/*
 * rwsem_ktest.c - the reader/writer semaphore (kernel/rwsem.h): readers
 * share it, a writer waits for every reader, readers arriving while a
 * writer waits queue behind it (FIFO hand-over, so no writer starves),
 * downgrade lets the queued readers in and not a queued writer, the
 * trylocks, and what the lock-order checker sees.
 *
 * Each holder is a kernel thread (an "actor") that asks for the lock,
 * records when it got it, and holds it, asleep on a wait queue, until the
 * test tells it to let go; the test itself runs in the boot (idle)
 * context and only looks, yields and trylocks, never blocks. The idle
 * context runs only when no actor can, so each schedule() of the test
 * lets every actor that can make progress do so: "still waiting" after
 * that means it could not have the lock.
 */
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lock_order.h"
#include "kernel/rwsem.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/wait.h"

enum actor_kind { ACT_READ, ACT_WRITE, ACT_WRITE_DOWNGRADE };
enum actor_stage { ST_NEW, ST_ASKING, ST_HOLDS, ST_DOWNGRADED, ST_DONE };

struct actor {
	struct rw_semaphore *sem;
	enum actor_kind kind;
	volatile int stage;		/* enum actor_stage */
	volatile bool downgrade;	/* the test says: downgrade now */
	volatile bool release;		/* the test says: let go now */
	volatile int order;		/* 1, 2, ...: when it got the lock */
	volatile long count_seen;	/* rwsem_holders() just after it got the lock */
};

static volatile int got_seq;		/* acquisitions so far in this test */
static struct actor actors[8];
static struct waitqueue actor_wq = WAITQUEUE_INIT(actor_wq);	/* orders to actors */

static int actor_fn(void *arg)
{
	struct actor *a = arg;

	a->stage = ST_ASKING;
	if (a->kind == ACT_READ)
		down_read(a->sem);
	else
		down_write(a->sem);
	a->count_seen = rwsem_holders(a->sem);
	a->order = __atomic_add_fetch(&got_seq, 1, __ATOMIC_RELAXED);
	a->stage = ST_HOLDS;
	if (a->kind == ACT_WRITE_DOWNGRADE) {
		wait_event(&actor_wq, a->downgrade);
		downgrade_write(a->sem);
		a->stage = ST_DOWNGRADED;
	}
	wait_event(&actor_wq, a->release);
	if (a->kind == ACT_WRITE)
		up_write(a->sem);
	else
		up_read(a->sem);
	a->stage = ST_DONE;
	return 0;
}

/* Start actor @i on @s; false when no thread could be made. */
static bool start(int i, struct rw_semaphore *s, enum actor_kind kind)
{
	actors[i] = (struct actor){ .sem = s, .kind = kind };
	return !IS_ERR(kthread_create("rwsem-actor", actor_fn, &actors[i]));
}

/* Waiters queued on @s now. */
static unsigned int nr_queued_on(struct rw_semaphore *s)
{
	unsigned long irq = spin_lock_irqsave(&s->lock);
	struct list_head *pos;
	unsigned int n = 0;

	list_for_each(pos, &s->waiters)
		n++;
	spin_unlock_irqrestore(&s->lock, irq);
	return n;
}

/* Is every actor that is asking for a semaphore queued on it? */
static bool askers_queued(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(actors); i++) {
		struct rw_semaphore *s = actors[i].sem;
		unsigned int asking = 0;

		if (!s || actors[i].stage != ST_ASKING)
			continue;
		for (unsigned int j = 0; j < ARRAY_SIZE(actors); j++)
			asking += actors[j].sem == s && actors[j].stage == ST_ASKING;
		if (nr_queued_on(s) < asking)
			return false;
	}
	return true;
}

/*
 * Give every runnable actor plenty of turns. With other CPUs, an actor
 * that says ST_ASKING may not have queued yet: wait (up to 2 s) until
 * every asking actor is in its semaphore's queue, so the queue order is
 * the order the test started them in.
 */
static void settle(void)
{
	for (uint64_t end = clock_ns() + 2000000000ul; !askers_queued() && clock_ns() < end; )
		schedule();
	for (int i = 0; i < 50; i++)
		schedule();
}

/* Yield until actor @i reaches @stage (at most 5 s): true if it did. */
static bool reaches(int i, int stage)
{
	for (uint64_t end = clock_ns() + 5000000000ul; clock_ns() < end; ) {
		if (actors[i].stage >= stage)
			return true;
		schedule();
	}
	return actors[i].stage >= stage;
}

static void reset(void)
{
	got_seq = 0;
}

/* Tell actor @i to let go, or to downgrade its write lock. */
static void release(int i)
{
	actors[i].release = true;
	wake_up(&actor_wq);
}

static void downgrade(int i)
{
	actors[i].downgrade = true;
	wake_up(&actor_wq);
}

/* Have actors 0..@n-1 all let go and finished (before the array is reused)? */
static bool all_done(int n)
{
	for (int i = 0; i < n; i++)
		if (!reaches(i, ST_DONE))
			return false;
	return true;
}

/* Two readers are inside at once; the writer gets in only after both left. */
KTEST(rwsem_readers_share_writer_waits)
{
	static struct rw_semaphore s = RWSEM_INIT(s);

	reset();
	KT_ASSERT(start(0, &s, ACT_READ) && start(1, &s, ACT_READ));
	KT_ASSERT(reaches(0, ST_HOLDS) && reaches(1, ST_HOLDS));
	KT_ASSERT_EQ(rwsem_holders(&s), 2);		/* both inside together */
	KT_ASSERT(actors[0].stage == ST_HOLDS && actors[1].stage == ST_HOLDS);
	KT_ASSERT(start(2, &s, ACT_WRITE));
	KT_ASSERT(reaches(2, ST_ASKING));
	settle();
	KT_ASSERT_EQ(actors[2].stage, ST_ASKING);	/* waits for both readers */
	release(0);
	KT_ASSERT(reaches(0, ST_DONE));
	settle();
	KT_ASSERT_EQ(actors[2].stage, ST_ASKING);	/* one reader still inside */
	release(1);
	KT_ASSERT(reaches(2, ST_HOLDS));
	KT_ASSERT_EQ(actors[2].count_seen, -1);
	KT_ASSERT_EQ(actors[2].order, 3);
	KT_ASSERT(s.owner != NULL && s.owner != current());
	release(2);
	KT_ASSERT(reaches(2, ST_DONE));
	KT_ASSERT(all_done(3));
	KT_ASSERT_EQ(rwsem_holders(&s), 0);
	KT_ASSERT(s.owner == NULL);
	return KT_PASS;
}

/*
 * Readers arriving while a writer waits queue behind it, and the queue is
 * served in order (the drawing in kernel/rwsem.h):
 *
 *   held by R0       queue: W1 -> R2 -> R3 -> W4 -> R5
 *   R0 leaves     -> W1;  W1 leaves -> R2 and R3;  both leave -> W4;  W4 -> R5
 */
KTEST(rwsem_fifo_readers_queue_behind_writer)
{
	static struct rw_semaphore s = RWSEM_INIT(s);
	static const enum actor_kind kinds[6] = {
		ACT_READ, ACT_WRITE, ACT_READ, ACT_READ, ACT_WRITE, ACT_READ,
	};

	reset();
	for (int i = 0; i < 6; i++) {
		KT_ASSERT(start(i, &s, kinds[i]));
		KT_ASSERT(reaches(i, i == 0 ? ST_HOLDS : ST_ASKING));
		settle();			/* queued in this order */
	}
	/* Only readers inside, yet R2, R3, R5 wait: a writer is queued ahead. */
	for (int i = 1; i < 6; i++)
		KT_ASSERT_EQ(actors[i].stage, ST_ASKING);
	KT_ASSERT_EQ(rwsem_holders(&s), 1);
	KT_ASSERT(!down_read_trylock(&s));	/* the trylock queues behind too */

	release(0);
	KT_ASSERT(reaches(1, ST_HOLDS));
	settle();
	for (int i = 2; i < 6; i++)
		KT_ASSERT_EQ(actors[i].stage, ST_ASKING);

	release(1);
	KT_ASSERT(reaches(2, ST_HOLDS) && reaches(3, ST_HOLDS));
	settle();
	KT_ASSERT_EQ(rwsem_holders(&s), 2);
	KT_ASSERT_EQ(actors[4].stage, ST_ASKING);
	KT_ASSERT_EQ(actors[5].stage, ST_ASKING);	/* behind W4, not let in with R2, R3 */

	release(2);
	KT_ASSERT(reaches(2, ST_DONE));
	settle();
	KT_ASSERT_EQ(actors[4].stage, ST_ASKING);	/* R3 still inside */
	release(3);
	KT_ASSERT(reaches(4, ST_HOLDS));
	settle();
	KT_ASSERT_EQ(actors[5].stage, ST_ASKING);

	release(4);
	KT_ASSERT(reaches(5, ST_HOLDS));
	release(5);
	KT_ASSERT(reaches(5, ST_DONE));

	KT_ASSERT_EQ(actors[0].order, 1);
	KT_ASSERT_EQ(actors[1].order, 2);
	KT_ASSERT(actors[2].order + actors[3].order == 3 + 4);
	KT_ASSERT_EQ(actors[4].order, 5);
	KT_ASSERT_EQ(actors[5].order, 6);
	KT_ASSERT(all_done(6));
	KT_ASSERT_EQ(rwsem_holders(&s), 0);
	return KT_PASS;
}

/* The trylocks: never wait, succeed exactly when the blocking call would not wait. */
KTEST(rwsem_trylocks)
{
	static struct rw_semaphore s = RWSEM_INIT(s);

	reset();
	KT_ASSERT(down_write_trylock(&s));
	KT_ASSERT(rwsem_write_held_by_current(&s));
	KT_ASSERT(!down_read_trylock(&s));
	KT_ASSERT(!down_write_trylock(&s));
	up_write(&s);
	KT_ASSERT(!rwsem_is_locked(&s));

	KT_ASSERT(down_read_trylock(&s));
	KT_ASSERT(down_read_trylock(&s));	/* readers share */
	KT_ASSERT_EQ(rwsem_holders(&s), 2);
	KT_ASSERT(!down_write_trylock(&s));
	KT_ASSERT(!rwsem_write_held_by_current(&s));
	up_read(&s);
	up_read(&s);

	/* A reader inside and a writer waiting: no reader gets in, by trylock either. */
	KT_ASSERT(start(0, &s, ACT_READ));
	KT_ASSERT(reaches(0, ST_HOLDS));
	KT_ASSERT(down_read_trylock(&s));	/* nobody waits yet */
	up_read(&s);
	KT_ASSERT(start(1, &s, ACT_WRITE));
	KT_ASSERT(reaches(1, ST_ASKING));
	settle();
	KT_ASSERT(!down_read_trylock(&s));
	KT_ASSERT(!down_write_trylock(&s));
	release(0);
	KT_ASSERT(reaches(1, ST_HOLDS));
	KT_ASSERT(!down_read_trylock(&s));
	KT_ASSERT(!rwsem_write_held_by_current(&s));	/* the actor's, not ours */
	release(1);
	KT_ASSERT(all_done(2));
	KT_ASSERT(down_write_trylock(&s));
	up_write(&s);
	return KT_PASS;
}

/* downgrade_write: the readers queued at the head come in, a writer behind them does not. */
KTEST(rwsem_downgrade)
{
	static struct rw_semaphore s = RWSEM_INIT(s);

	reset();
	KT_ASSERT(start(0, &s, ACT_WRITE_DOWNGRADE));
	KT_ASSERT(reaches(0, ST_HOLDS));
	KT_ASSERT(start(1, &s, ACT_READ));
	KT_ASSERT(reaches(1, ST_ASKING));
	settle();
	KT_ASSERT(start(2, &s, ACT_WRITE));
	KT_ASSERT(reaches(2, ST_ASKING));
	settle();
	KT_ASSERT(start(3, &s, ACT_READ));
	KT_ASSERT(reaches(3, ST_ASKING));
	settle();
	KT_ASSERT_EQ(actors[1].stage, ST_ASKING);
	downgrade(0);
	KT_ASSERT(reaches(0, ST_DOWNGRADED));
	KT_ASSERT(reaches(1, ST_HOLDS));		/* in with the downgraded writer */
	settle();
	KT_ASSERT_EQ(rwsem_holders(&s), 2);
	KT_ASSERT(s.owner == NULL);
	KT_ASSERT_EQ(actors[2].stage, ST_ASKING);	/* a writer waits for both */
	KT_ASSERT_EQ(actors[3].stage, ST_ASKING);	/* and a reader behind it waits too */
	release(0);
	release(1);
	KT_ASSERT(reaches(2, ST_HOLDS));
	release(2);
	KT_ASSERT(reaches(3, ST_HOLDS));
	release(3);
	KT_ASSERT(all_done(4));
	KT_ASSERT_EQ(rwsem_holders(&s), 0);
	return KT_PASS;
}

static unsigned int order_reports;
static enum lock_rank order_taken, order_held;

static void record_order(enum lock_rank taken, enum lock_rank held)
{
	order_taken = taken;
	order_held = held;
	order_reports++;
}

/* The class graph (lock_order.h) sees the same two mistakes. */
static unsigned int graph_reports, graph_depth;

static void record_graph(const struct lock_inversion *inv)
{
	graph_depth = inv->depth;
	graph_reports++;
}

/*
 * Ranked like the mmap lock: a reader is found in the holder's record
 * (rwsem_held_by_current), not in another task's; down_read while
 * holding it already is reported (it would deadlock behind a queued
 * writer); a nested write lock of a second semaphore is allowed; a
 * trylock against the order is not reported.
 */
KTEST(rwsem_lock_order)
{
	static struct rw_semaphore a = RWSEM_INIT_RANKED(a, LOCK_RANK_MMAP);
	static struct rw_semaphore b = RWSEM_INIT_RANKED(b, LOCK_RANK_MMAP);
	struct mutex av;

	if (!lock_order_on)
		KT_SKIP("lockcheck=off");
	mutex_init_ranked(&av, LOCK_RANK_ANON_VMA);
	reset();
	order_reports = graph_reports = 0;
	lock_order_report = record_order;
	lock_order_inversion_report = record_graph;

	/* Held for reading by an actor: "some reader", but not us. */
	KT_ASSERT(start(0, &a, ACT_READ));
	KT_ASSERT(reaches(0, ST_HOLDS));
	KT_ASSERT(rwsem_is_locked(&a));
	KT_ASSERT(!rwsem_held_by_current(&a));
	release(0);
	KT_ASSERT(reaches(0, ST_DONE));

	KT_ASSERT(down_read_trylock(&a));
	KT_ASSERT(rwsem_held_by_current(&a));
	KT_ASSERT(!rwsem_write_held_by_current(&a));
	down_read(&a);				/* no writer waits: no hang, but reported */
	KT_ASSERT_EQ(order_reports, 1);
	KT_ASSERT_EQ(order_taken, LOCK_RANK_MMAP);
	KT_ASSERT_EQ(order_held, LOCK_RANK_MMAP);
	KT_ASSERT_EQ(graph_reports, 1);		/* a second lock of a's class ... */
	KT_ASSERT_EQ(graph_depth, 0);		/* ... not an edge between two */
	up_read(&a);
	up_read(&a);
	KT_ASSERT(!rwsem_held_by_current(&a));

	down_write(&a);
	down_write_nested(&b);			/* fork's child: declared, silent */
	KT_ASSERT(rwsem_held_by_current(&b) && rwsem_write_held_by_current(&b));
	up_write(&b);
	downgrade_write(&a);
	KT_ASSERT(rwsem_held_by_current(&a) && !rwsem_write_held_by_current(&a));
	up_read(&a);
	KT_ASSERT_EQ(order_reports, 1);

	mutex_lock(&av);
	KT_ASSERT(down_read_trylock(&a));	/* reclaim's trylock inside an rmap walk */
	up_read(&a);
	mutex_unlock(&av);
	KT_ASSERT_EQ(order_reports, 1);
	down_read(&a);
	mutex_lock(&av);			/* in order */
	mutex_unlock(&av);
	up_read(&a);
	mutex_lock(&av);
	down_read(&a);				/* against the order: reported */
	up_read(&a);
	mutex_unlock(&av);
	lock_order_report = NULL;
	lock_order_inversion_report = NULL;
	KT_ASSERT_EQ(order_reports, 2);
	KT_ASSERT_EQ(graph_reports, 2);		/* a -> av was seen, now av -> a */
	KT_ASSERT_EQ(graph_depth, 1);
	KT_ASSERT_EQ(order_taken, LOCK_RANK_MMAP);
	KT_ASSERT_EQ(order_held, LOCK_RANK_ANON_VMA);
	return KT_PASS;
}
