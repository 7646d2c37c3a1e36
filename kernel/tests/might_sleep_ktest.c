/*
 * might_sleep_ktest.c - the sleep-in-atomic checker (kernel/might_sleep.h)
 * reports a might_sleep() under a spinlock or with interrupts off, with
 * the right file, line and atomic count; stays silent where sleeping is
 * allowed; and the count every spinlock raises comes back down on unlock
 * and survives context switches. The checker's test hook records the
 * report instead of panicking, for the duration of each test. The same
 * check inside an interrupt handler: arch/x86_64/tests/trap_ktest.c.
 */
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/lock_order.h"
#include "kernel/might_sleep.h"
#include "kernel/rwsem.h"
#include "kernel/spinlock.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/wait.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/usercopy.h"

static struct might_sleep_report rep;

/* Interrupts on, no spinlock: where the tests run, and where sleeping is fine. */
KTEST(might_sleep_silent_when_sleepable)
{
	unsigned int before = atomic_count();

	KT_ASSERT_EQ(before, 0);
	KT_ASSERT(arch_irqs_enabled());
	might_sleep_record(&rep);
	might_sleep();
	might_sleep_if(true);
	might_fault();
	might_sleep_record(NULL);
	KT_ASSERT_EQ(rep.nr, 0);
	KT_ASSERT_EQ(atomic_count(), before);
	return KT_PASS;
}

/* The bug the checker exists for: a might_sleep() with a spinlock held. */
KTEST(might_sleep_under_spinlock)
{
	spinlock_t l;
	unsigned int before = atomic_count(), locked;
	unsigned long irq;
	int line;

	spin_lock_init(&l);
	might_sleep_record(&rep);
	irq = spin_lock_irqsave(&l);
	locked = atomic_count();
	line = __LINE__ + 1;
	might_sleep();
	spin_unlock_irqrestore(&l, irq);
	might_sleep_record(NULL);
	KT_ASSERT_EQ(locked, before + 1);
	KT_ASSERT_EQ(rep.nr, 1);
	KT_ASSERT(rep.file && strcmp(rep.file, __FILE__) == 0);
	KT_ASSERT_EQ(rep.line, line);
	KT_ASSERT_EQ(rep.count, before + 1);
	KT_ASSERT(rep.irqs_disabled);		/* every Pagoda spinlock turns them off */
	KT_ASSERT_EQ(atomic_count(), before);
	return KT_PASS;
}

/* Each nested lock counts; each unlock, in any order, takes one back. */
KTEST(might_sleep_nested_spinlocks_count)
{
	spinlock_t a, b;
	unsigned int before = atomic_count(), both, one;
	unsigned long irq;
	int line;

	spin_lock_init(&a);
	spin_lock_init(&b);
	might_sleep_record(&rep);
	irq = spin_lock_irqsave(&a);
	__spin_lock(&b);
	both = atomic_count();
	line = __LINE__ + 1;
	might_sleep();
	__spin_unlock(&a);			/* out of order on purpose */
	one = atomic_count();
	__spin_unlock(&b);
	arch_irq_restore(irq);
	might_sleep_record(NULL);
	KT_ASSERT_EQ(both, before + 2);
	KT_ASSERT_EQ(one, before + 1);
	KT_ASSERT_EQ(rep.nr, 1);
	KT_ASSERT_EQ(rep.line, line);
	KT_ASSERT_EQ(rep.count, before + 2);
	KT_ASSERT_EQ(atomic_count(), before);
	return KT_PASS;
}

/* Interrupts off without a lock: not counted, but seen by the check. */
KTEST(might_sleep_irqs_off)
{
	unsigned int before = atomic_count();
	unsigned long irq;
	int line;

	might_sleep_record(&rep);
	irq = arch_irq_save();
	line = __LINE__ + 1;
	might_sleep();
	arch_irq_restore(irq);
	might_sleep_record(NULL);
	KT_ASSERT_EQ(rep.nr, 1);
	KT_ASSERT_EQ(rep.line, line);
	KT_ASSERT_EQ(rep.count, before);
	KT_ASSERT(rep.irqs_disabled);
	return KT_PASS;
}

/*
 * The sleeping primitives carry the check themselves: each one, called
 * under a spinlock where it happens not to block (free mutex, semaphore
 * with a unit left, a user copy refused before it touches memory, a
 * GFP_RECLAIM allocation with plenty of memory, a free reader/writer
 * semaphore taken either way), is reported in its own file.
 */
static struct mutex prim_mutex = MUTEX_INIT(prim_mutex);
static struct rw_semaphore prim_rwsem = RWSEM_INIT(prim_rwsem);

static const char *reported_file_under_lock(int which)
{
	spinlock_t l;
	struct semaphore sem;
	unsigned long irq;
	char byte = 0;
	struct page *p = NULL;
	void *obj = NULL;

	spin_lock_init(&l);
	sema_init(&sem, 1);
	might_sleep_record(&rep);
	irq = spin_lock_irqsave(&l);
	switch (which) {
	case 0:
		mutex_lock(&prim_mutex);
		mutex_unlock(&prim_mutex);
		break;
	case 1:
		down(&sem);
		up(&sem);
		break;
	case 2:
		/* A kernel address: access_ok() refuses it, after might_fault(). */
		(void)copy_to_user((void __user *)&byte, &byte, 1);
		break;
	case 3:
		p = alloc_page(GFP_RECLAIM);
		break;
	case 4:
		obj = kmalloc(64, GFP_RECLAIM);
		break;
	case 5:
		down_read(&prim_rwsem);
		up_read(&prim_rwsem);
		break;
	case 6:
		down_write(&prim_rwsem);
		up_write(&prim_rwsem);
		break;
	}
	spin_unlock_irqrestore(&l, irq);
	might_sleep_record(NULL);
	if (p)
		free_page(p);
	kfree(obj);
	return rep.nr ? rep.file : "(no report)";
}

KTEST(might_sleep_primitives_checked)
{
	static const char *const want[] = {
		"kernel/wait.c", "kernel/wait.c", "mm/usercopy.c", "mm/page_alloc.c", "mm/slab.c",
		"kernel/rwsem.c", "kernel/rwsem.c",
	};
	unsigned int before = atomic_count();

	for (int i = 0; i < (int)ARRAY_SIZE(want); i++) {
		const char *got = reported_file_under_lock(i);

		if (strcmp(got, want[i])) {
			ktest_fail_reason(__FILE__, __LINE__, "primitive %d reported at %s, not %s",
					  i, got, want[i]);
			return KT_FAIL;
		}
	}
	KT_ASSERT_EQ(atomic_count(), before);
	/* The same allocations without GFP_RECLAIM never sleep: silent. */
	{
		spinlock_t l;
		unsigned long irq;
		struct page *p;
		void *obj;

		spin_lock_init(&l);
		might_sleep_record(&rep);
		irq = spin_lock_irqsave(&l);
		p = alloc_page(0);
		obj = kmalloc(64, 0);
		spin_unlock_irqrestore(&l, irq);
		might_sleep_record(NULL);
		if (p)
			free_page(p);
		kfree(obj);
		KT_ASSERT_EQ(rep.nr, 0);
	}
	return KT_PASS;
}

/*
 * The count goes with the task across switches: a new thread starts at 0
 * (the run-queue lock its first switch handed over is released against
 * the count that took it), yields and sleeps keep it at 0, and the test's
 * own count is what it was before.
 */
#define SWITCH_ROUNDS	20

static struct waitqueue sw_wq = WAITQUEUE_INIT(sw_wq);
static volatile int sw_turn, sw_done;
static volatile unsigned int sw_worst;

static void sw_note(void)
{
	unsigned int c = atomic_count();

	if (c > sw_worst)
		sw_worst = c;
}

static int switcher(void *arg)
{
	sw_note();
	for (int i = 0; i < SWITCH_ROUNDS; i++) {
		schedule();
		sw_note();
		wait_event(&sw_wq, sw_turn == 1);
		sw_note();
		sw_turn = 0;
		wake_up(&sw_wq);
	}
	sw_done = 1;
	wake_up(&sw_wq);
	return 0;
}

KTEST(might_sleep_count_survives_switch)
{
	unsigned int before = atomic_count();
	uint64_t end = clock_ns() + 5000000000ul;

	KT_ASSERT_EQ(before, 0);		/* sw_worst compares both sides with 0 */
	sw_turn = 0;
	sw_done = 0;
	sw_worst = 0;
	might_sleep_record(&rep);		/* armed: a switch in atomic context is recorded */
	KT_ASSERT(!IS_ERR(kthread_create("switcher", switcher, NULL)));
	while (!sw_done && clock_ns() < end) {
		if (sw_turn == 0) {
			sw_turn = 1;
			wake_up(&sw_wq);
		}
		schedule();
		sw_note();
	}
	might_sleep_record(NULL);
	KT_ASSERT_EQ(sw_done, 1);
	KT_ASSERT_EQ(sw_worst, 0);
	KT_ASSERT_EQ(rep.nr, 0);
	KT_ASSERT_EQ(atomic_count(), before);
	return KT_PASS;
}

/*
 * The real thing, unhooked (ktest=might_sleep_report_panics only; the
 * harness's "sleep-in-atomic" boot): a might_sleep() under a ranked
 * spinlock prints the BUG line with this file and line, the count, where
 * the lock was taken, the ranked locks held and the call chain, then
 * panics. Never returns.
 */
KTEST_MANUAL(might_sleep_report_panics)
{
	spinlock_t l;
	unsigned long irq;

	spin_lock_init_ranked(&l, LOCK_RANK_LRU);
	might_sleep_record(NULL);		/* armed by debug_atomic_sleep=1 */
	irq = spin_lock_irqsave(&l);
	might_sleep();
	spin_unlock_irqrestore(&l, irq);
	ktest_fail_reason(__FILE__, __LINE__, "might_sleep() under a spinlock did not panic "
			  "(is debug_atomic_sleep=1 on the command line?)");
	return KT_FAIL;
}
