/*
 * watchdog.c - the soft-lockup detector (see watchdog.h for the contract).
 *
 * What counts as "stuck": one CPU executing kernel code for longer than the
 * threshold without any sign of progress. Progress is anything that calls
 * touch_softlockup_watchdog():
 *
 *   schedule()            the task gave up the CPU, or offered to
 *   exit_to_user()        the task is about to return to user mode
 *   a tick in user mode   watchdog_tick() sees the interrupted CS was ring 3
 *   cpu_idle(), monitor   each round of an idle "hlt" loop
 *   long-running code     e.g. the ktest runner between tests
 *
 * Time is measured in jiffies, not clock_ns(): a tick only happens when the
 * guest actually runs, so a host that stops QEMU for a while (a loaded
 * build machine) does not make a task look stuck. Jiffies can only run
 * slow, which delays a report but never invents one.
 *
 * The idle task is not exempt as such: at boot it is the task that runs
 * kmain() and the in-kernel tests (kernel/main.c), and a hang there should
 * be reported like any other. Only its hlt loops touch the watchdog.
 *
 * One episode, one report: a report marks the CPU, and only a touch (the
 * end of the episode) clears the mark, as Linux's soft_watchdog_warn did.
 * Interrupts that are off stop the tick, so code spinning with interrupts
 * disabled is not seen here (that would be a hard lockup, Linux's NMI
 * watchdog, which Pagoda does not have).
 *
 * Per-CPU state lives in an array indexed by this_cpu()->index, as
 * sched.c's prev_task[]; it is only written by its own CPU.
 */
#include "kernel/watchdog.h"
#include "kernel/cmdline.h"
#include "kernel/compiler.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include <arch/percpu.h>
#include <arch/trap.h>

#define SOFTLOCKUP_DEFAULT_SECS	10
#define SOFTLOCKUP_MAX_SECS	3600	/* keeps secs * HZ far from overflow */

static struct softlockup_config config;	/* all zero (off) until watchdog_init */
static unsigned long nr_reports;

/* Written at every return to user mode: a cache line per CPU, or the CPUs bounce it. */
static struct {
	uint64_t touched;		/* jiffies at the last sign of progress */
	bool reported;			/* this episode has been reported */
} __attribute__((aligned(64))) wd_cpu[MAX_CPUS];

void watchdog_init(void)
{
	unsigned long secs = SOFTLOCKUP_DEFAULT_SECS, panic_on = 0;

	cmdline_get_ulong("softlockup", &secs);
	if (cmdline_has("nosoftlockup"))
		secs = 0;
	secs = MIN(secs, SOFTLOCKUP_MAX_SECS);
	cmdline_get_ulong("softlockup_panic", &panic_on);
	touch_softlockup_watchdog();
	config.panic = panic_on != 0;
	WRITE_ONCE(config.thresh_ticks, (uint64_t)secs * HZ);
	if (secs)
		printk("watchdog: soft-lockup threshold %lus%s\n", secs,
		       config.panic ? ", panic on lockup" : "");
	else
		printk("watchdog: soft-lockup detector off\n");
}

void touch_softlockup_watchdog(void)
{
	unsigned int cpu = this_cpu()->index;

	/*
	 * Timestamp first: a tick that lands between the two stores sees a
	 * fresh time and leaves the mark alone.
	 */
	WRITE_ONCE(wd_cpu[cpu].touched, jiffies_read());
	if (READ_ONCE(wd_cpu[cpu].reported))
		WRITE_ONCE(wd_cpu[cpu].reported, false);
}

/* Print the report for @t, stuck for @ticks, interrupted at @regs. */
static void softlockup_report(struct task *t, uint64_t ticks, const struct trap_frame *regs)
{
	__atomic_add_fetch(&nr_reports, 1, __ATOMIC_RELAXED);
	if (config.quiet)
		return;
	printk("BUG: soft lockup - CPU#%u stuck for %lus! [%s:%d]\n",
	       this_cpu()->index, (unsigned long)(ticks / HZ), t->comm, t->pid);
	arch_show_regs(regs);
	if (config.panic)
		panic("softlockup: hung tasks");
}

/*
 * Called from the timer interrupt, interrupts off. The interrupted context
 * is get_irq_regs(): user mode is progress; kernel mode is checked.
 */
void watchdog_tick(void)
{
	const struct trap_frame *regs = get_irq_regs();
	unsigned int cpu = this_cpu()->index;
	uint64_t thresh = READ_ONCE(config.thresh_ticks), stuck;
	struct task *t = current();

	if (!thresh || !regs || !t)
		return;
	if (trap_from_user(regs)) {
		touch_softlockup_watchdog();
		return;
	}
	stuck = jiffies_read() - READ_ONCE(wd_cpu[cpu].touched);
	if (stuck <= thresh || wd_cpu[cpu].reported)
		return;
	wd_cpu[cpu].reported = true;
	softlockup_report(t, stuck, regs);
}

void softlockup_swap_config(struct softlockup_config *cfg)
{
	struct softlockup_config old = config;

	WRITE_ONCE(config.thresh_ticks, 0);	/* no tick sees half of each */
	config.panic = cfg->panic;
	config.quiet = cfg->quiet;
	touch_softlockup_watchdog();
	WRITE_ONCE(config.thresh_ticks, cfg->thresh_ticks);
	*cfg = old;
}

unsigned long softlockup_reports(void)
{
	return __atomic_load_n(&nr_reports, __ATOMIC_RELAXED);
}
