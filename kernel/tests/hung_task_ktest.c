/*
 * hung_task_ktest.c - the hung-task detector (kernel/hung_task.c): a
 * kernel thread asleep uninterruptibly is found by a scan with a short
 * timeout, reported once for that sleep and not again, and the call chain
 * read from its saved stack goes through schedule() back to the function
 * it sleeps in. Then it is woken and ends.
 */
#include "kernel/errno.h"
#include "kernel/hung_task.h"
#include "kernel/ksyms.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/wait.h"
#include <arch/stacktrace.h>

static struct waitqueue sleeper_wq = WAITQUEUE_INIT(sleeper_wq);
static volatile bool sleeper_go, sleeper_done;

static int __attribute__((noinline)) hung_sleeper(void *unused)
{
	(void)unused;
	wait_event(&sleeper_wq, sleeper_go);
	sleeper_done = true;
	return 0;
}

/* Does @t's saved chain name @fn? */
static bool chain_has(struct task *t, const char *fn)
{
	uint64_t pcs[16];
	unsigned int n = arch_task_stack_save(t->saved_rsp, pcs, 16);

	for (unsigned int i = 0; i < n; i++) {
		uint64_t off;
		const char *name = ksyms_lookup(pcs[i], &off);

		if (name && !strcmp(name, fn))
			return true;
	}
	return false;
}

KTEST(hung_task_reports_a_d_sleeper_once)
{
	struct task *t;
	uint64_t end;
	bool asleep = false;

	sleeper_go = sleeper_done = false;
	t = kthread_create("hung-sleeper", hung_sleeper, NULL);
	KT_ASSERT(!IS_ERR(t));
	/* Asleep (state D, off its CPU) and for 50 ms at least: at most 5 s to get there. */
	for (end = clock_ns() + 5000000000ull; clock_ns() < end && !asleep; schedule())
		asleep = READ_ONCE(t->state) == TASK_UNINTERRUPTIBLE && !READ_ONCE(t->on_cpu) &&
			 clock_ns() - READ_ONCE(t->last_in_ns) > 50000000ull;
	KT_ASSERT(asleep);
	KT_ASSERT(chain_has(t, "schedule") && chain_has(t, "hung_sleeper"));
	KT_ASSERT_EQ(hung_task_scan(3600000000000ull), 0);	/* nobody asleep for an hour */
	KT_ASSERT(hung_task_check(t, 10000000ull));		/* asleep over 10 ms: reported */
	KT_ASSERT_EQ(t->hung_reported_in, t->last_in_ns);
	KT_ASSERT(!hung_task_check(t, 10000000ull));		/* the same sleep: not again */
	sleeper_go = true;
	wake_up(&sleeper_wq);
	for (end = clock_ns() + 5000000000ull; clock_ns() < end && !sleeper_done; )
		schedule();
	KT_ASSERT(sleeper_done);
	return KT_PASS;
}
