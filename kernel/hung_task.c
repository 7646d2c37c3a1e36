/*
 * hung_task.c - the hung-task detector (hung_task.h says what and why).
 *
 * A task's last_in_ns is when it was last given a CPU (kernel/sched.c).
 * One in state D whose last_in_ns is older than the timeout has slept all
 * that time (give or take the little it ran before it slept). The report
 * remembers last_in_ns (hung_reported_in), so the same sleep is reported
 * once; a task that runs again and sleeps again can be reported again.
 */
#include "kernel/hung_task.h"
#include "kernel/cmdline.h"
#include "kernel/ksyms.h"
#include "kernel/printk.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/wait.h"
#include <arch/stacktrace.h>

#define HUNG_TASK_DEFAULT_SECS	120
#define HUNG_TASK_SCAN_NS	(10ull * 1000 * 1000 * 1000)
#define HUNG_TASK_FRAMES	16

static void report(struct task *t, uint64_t asleep_ns)
{
	uint64_t pcs[HUNG_TASK_FRAMES];
	unsigned int n = arch_task_stack_save(t->saved_rsp, pcs, HUNG_TASK_FRAMES);

	printk("INFO: task %s:%d blocked for more than %lu seconds.\n", t->comm, t->pid,
	       (unsigned long)(asleep_ns / 1000000000ull));
	for (unsigned int i = 0; i < n; i++) {
		uint64_t off = 0;
		const char *name = ksyms_lookup(pcs[i], &off);

		printk("  [<%016lx>] %s+%#lx\n", (unsigned long)pcs[i], name ? name : "?",
		       (unsigned long)off);
	}
}

/* Report @t if it is hung and not reported for this sleep yet; tasklist_lock held. */
static bool check_locked(struct task *t, uint64_t now, uint64_t timeout_ns)
{
	uint64_t in = READ_ONCE(t->last_in_ns);

	if (READ_ONCE(t->state) != TASK_UNINTERRUPTIBLE || READ_ONCE(t->on_cpu) ||
	    now - in < timeout_ns || t->hung_reported_in == in)
		return false;
	t->hung_reported_in = in;
	report(t, now - in);
	return true;
}

unsigned int hung_task_scan(uint64_t timeout_ns)
{
	uint64_t now = clock_ns();
	unsigned int found = 0;
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	struct task *t;

	for_each_task(t)
		found += check_locked(t, now, timeout_ns);
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return found;
}

bool hung_task_check(struct task *t, uint64_t timeout_ns)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	bool found = check_locked(t, clock_ns(), timeout_ns);

	spin_unlock_irqrestore(&tasklist_lock, irq);
	return found;
}

static int khungtaskd(void *arg)
{
	uint64_t timeout_ns = *(uint64_t *)arg;

	for (;;) {
		current()->state = TASK_INTERRUPTIBLE;
		schedule_timeout(HUNG_TASK_SCAN_NS);
		current()->state = TASK_RUNNING;
		hung_task_scan(timeout_ns);
	}
	return 0;
}

void hung_task_init(void)
{
	static uint64_t timeout_ns;
	unsigned long secs = HUNG_TASK_DEFAULT_SECS;

	cmdline_get_ulong("hung_task_timeout", &secs);
	if (!secs)
		return;
	timeout_ns = (uint64_t)secs * 1000000000ull;
	kthread_create("khungtaskd", khungtaskd, &timeout_ns);
}
