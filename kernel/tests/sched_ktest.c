/*
 * sched_ktest.c - the scheduler and its sleeping primitives, tested with
 * kernel threads: threads take turns through a wait queue, a mutex keeps a
 * read-modify-write counter exact across forced switches, a timed sleep
 * lasts at least its time, a kernel stack overflow lands in a guard, and
 * a thread spinning in the kernel is preempted; wait entries with wake
 * functions and exclusive entries (epoll's) are run as wait.h says.
 */
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/wait.h"
#include "mm/kstack.h"
#include "mm/page_alloc.h"
#include <arch/pgtable.h>

#define PINGPONG_ROUNDS	50

static struct waitqueue pp_wq = WAITQUEUE_INIT(pp_wq);
static volatile int pp_turn, pp_done;

static int pinger(void *arg)
{
	int me = (int)(long)arg;

	for (int i = 0; i < PINGPONG_ROUNDS; i++) {
		wait_event(&pp_wq, pp_turn == me);
		pp_turn = !me;
		wake_up(&pp_wq);
	}
	__atomic_add_fetch(&pp_done, 1, __ATOMIC_RELAXED);
	wake_up(&pp_wq);
	return 0;
}

KTEST(sched_waitqueue_pingpong)
{
	pp_turn = 0;
	pp_done = 0;
	KT_ASSERT(!IS_ERR(kthread_create("ping", pinger, (void *)0)));
	KT_ASSERT(!IS_ERR(kthread_create("pong", pinger, (void *)1)));
	/* The test runs in the boot (idle) context: yield until both finish. */
	for (uint64_t end = clock_ns() + 5000000000ul; pp_done < 2 && clock_ns() < end; )
		schedule();
	KT_ASSERT_EQ(pp_done, 2);
	return KT_PASS;
}

/* A wait entry with a function: counts its calls, answers @ret. */
struct counting_entry {
	struct wait_entry we;
	int calls;
	bool ret;
};

static bool count_wake(struct wait_entry *we)
{
	struct counting_entry *c = container_of(we, struct counting_entry, we);

	c->calls++;
	return c->ret;
}

static void counting_entry_init(struct counting_entry *c, unsigned int flags, bool ret)
{
	*c = (struct counting_entry){ .we = WAIT_ENTRY_INIT, .ret = ret };
	c->we.func = count_wake;
	c->we.flags = flags;
}

/*
 * wake_up() runs every entry's function; of the exclusive entries only
 * those up to the first that says it woke someone (epoll's EPOLLEXCLUSIVE).
 * An entry without a function still wakes its task.
 */
KTEST(wait_entry_functions_and_exclusive)
{
	struct waitqueue wq;
	struct counting_entry plain, ex_none, ex_woke, ex_skipped, late;
	struct wait_entry sleeper = WAIT_ENTRY_INIT;

	waitqueue_init(&wq);
	KT_ASSERT(!wake_up(&wq));		/* empty: nobody */
	counting_entry_init(&plain, 0, true);
	counting_entry_init(&ex_none, WAIT_EXCLUSIVE, false);
	counting_entry_init(&ex_woke, WAIT_EXCLUSIVE, true);
	counting_entry_init(&ex_skipped, WAIT_EXCLUSIVE, true);
	counting_entry_init(&late, 0, false);
	sleeper.task = current();
	add_wait_queue(&wq, &ex_none.we);
	add_wait_queue(&wq, &plain.we);
	add_wait_queue(&wq, &ex_woke.we);
	add_wait_queue(&wq, &ex_skipped.we);
	add_wait_queue(&wq, &sleeper);
	add_wait_queue(&wq, &late.we);
	KT_ASSERT(wake_up(&wq));
	KT_ASSERT_EQ(plain.calls, 1);
	KT_ASSERT_EQ(ex_none.calls, 1);		/* woke nobody: the search goes on */
	KT_ASSERT_EQ(ex_woke.calls, 1);
	KT_ASSERT_EQ(ex_skipped.calls, 0);	/* one exclusive wake-up per wake_up() */
	KT_ASSERT_EQ(late.calls, 1);		/* ordinary entries after it still run */
	KT_ASSERT_EQ(current()->state, TASK_RUNNING);
	/* Next time the first exclusive one that wakes is ex_woke again. */
	wake_up_nested(&wq);
	KT_ASSERT_EQ(ex_woke.calls, 2);
	KT_ASSERT_EQ(ex_skipped.calls, 0);
	remove_wait_queue(&wq, &ex_woke.we);
	wake_up(&wq);
	KT_ASSERT_EQ(ex_skipped.calls, 1);
	remove_wait_queue(&wq, &ex_none.we);
	remove_wait_queue(&wq, &plain.we);
	remove_wait_queue(&wq, &ex_skipped.we);
	remove_wait_queue(&wq, &sleeper);
	remove_wait_queue(&wq, &late.we);
	KT_ASSERT(!wake_up(&wq));
	return KT_PASS;
}

static struct mutex counter_lock = MUTEX_INIT(counter_lock);
static volatile long counter;
static volatile int counters_done;

static int incrementer(void *arg)
{
	for (int i = 0; i < 200; i++) {
		mutex_lock(&counter_lock);
		long v = counter;

		schedule();		/* let the others run while we hold the lock */
		counter = v + 1;
		mutex_unlock(&counter_lock);
	}
	__atomic_add_fetch(&counters_done, 1, __ATOMIC_RELAXED);
	return 0;
}

KTEST(sched_mutex_exclusion)
{
	counter = 0;
	counters_done = 0;
	for (int i = 0; i < 3; i++)
		KT_ASSERT(!IS_ERR(kthread_create("inc", incrementer, NULL)));
	for (uint64_t end = clock_ns() + 10000000000ul; counters_done < 3 && clock_ns() < end; )
		schedule();
	KT_ASSERT_EQ(counters_done, 3);
	KT_ASSERT_EQ(counter, 600);
	return KT_PASS;
}

static volatile uint64_t slept_ns;

static int sleeper(void *arg)
{
	uint64_t t0 = clock_ns();

	current()->state = TASK_UNINTERRUPTIBLE;
	schedule_timeout(30000000);		/* 30 ms */
	current()->state = TASK_RUNNING;
	slept_ns = clock_ns() - t0;
	return 0;
}

KTEST(sched_timed_sleep)
{
	slept_ns = 0;
	KT_ASSERT(!IS_ERR(kthread_create("sleeper", sleeper, NULL)));
	for (uint64_t end = clock_ns() + 5000000000ul; !slept_ns && clock_ns() < end; )
		schedule();
	KT_ASSERT(slept_ns >= 30000000);
	return KT_PASS;
}

KTEST(kstack_guard_unmapped)
{
	unsigned long before;
	struct mmu_mapping m;
	void *s;

	/* The first stack ever also creates the region's page directory (kept). */
	s = kstack_alloc();
	KT_ASSERT(s != NULL);
	kstack_free(s);
	before = pmm_free_pages();
	s = kstack_alloc();
	KT_ASSERT(s != NULL);
	/* The stack pages are mapped, the page below them is not. */
	KT_ASSERT_EQ(arch_query(&kernel_pgt, (vaddr_t)s, &m), 0);
	KT_ASSERT_EQ(arch_query(&kernel_pgt, (vaddr_t)s + KSTACK_SIZE - 1, &m), 0);
	KT_ASSERT_EQ(arch_query(&kernel_pgt, (vaddr_t)s - 1, &m), -ENOENT);
	KT_ASSERT(kstack_is_guard((vaddr_t)s - 8));
	/* Stack pages and any page table made for them all come back. */
	kstack_free(s);
	KT_ASSERT_EQ(pmm_free_pages(), before);
	return KT_PASS;
}

/*
 * Kernel preemption: a kernel thread spinning with interrupts on (no
 * schedule(), no lock) on CPU 0 is preempted at a timer tick, so a second
 * thread on the same CPU runs and sets the flag the spinner waits for.
 * Without preemption the spinner would give up after 2 s, the flag unset.
 */
static volatile bool pre_flag;
static volatile int pre_result;		/* 0 running, 1 saw the flag, -1 gave up */

static int pre_spinner(void *arg)
{
	uint64_t end = clock_ns() + 2000000000ull;

	(void)arg;
	while (!pre_flag && clock_ns() < end)
		__asm__ __volatile__("pause");
	pre_result = pre_flag ? 1 : -1;
	return 0;
}

static int pre_setter(void *arg)
{
	(void)arg;
	pre_flag = true;
	return 0;
}

KTEST(sched_kernel_preemption)
{
	unsigned long before = sched_nr_preemptions();

	pre_flag = false;
	pre_result = 0;
	/*
	 * Both queued on CPU 0, the spinner first: tests run in CPU 0's boot
	 * (idle) task, which gets the CPU back only when neither can run.
	 */
	KT_ASSERT(!IS_ERR(kthread_create_on("pre_spin", pre_spinner, NULL, 1)));
	KT_ASSERT(!IS_ERR(kthread_create_on("pre_set", pre_setter, NULL, 1)));
	while (!pre_result)
		schedule_timeout(10000000);
	KT_ASSERT_EQ(pre_result, 1);
	KT_ASSERT(sched_nr_preemptions() > before);
	return KT_PASS;
}
