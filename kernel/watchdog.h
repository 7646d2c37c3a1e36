/*
 * watchdog.h - the soft-lockup detector: a task that stays in the kernel
 * too long without scheduling is reported with its backtrace.
 *
 * Kernel code is not preempted in Pagoda (kernel/sched.c), so a loop that
 * never sleeps or calls schedule() keeps its CPU until it ends; if it
 * never ends, the machine looks hung. The timer tick (kernel/time.c) asks
 * watchdog_tick() how long this CPU has been running one piece of kernel
 * work; past the threshold it prints, once per episode,
 *
 *   BUG: soft lockup - CPU#0 stuck for 12s! [comm:pid]
 *
 * and the registers and call chain of the interrupted code. Command line
 * (see docs/debugging.md):
 *   softlockup=N         threshold in seconds, default 10; 0 turns it off
 *   nosoftlockup         same as softlockup=0 (Linux's name)
 *   softlockup_panic=1   panic() after the report (make check images)
 *
 * Code that legitimately runs long in the kernel calls
 * touch_softlockup_watchdog() (or cond_resched/schedule) now and then.
 */
#ifndef KERNEL_WATCHDOG_H
#define KERNEL_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

/* Read the softlockup options from the command line; call once at boot. */
void watchdog_init(void);

/*
 * Say "this CPU is making progress": it scheduled, returned to user mode,
 * idled, or is in a long loop that is known to end. Ends a lockup episode.
 * Any context, does not sleep, costs two stores.
 */
void touch_softlockup_watchdog(void);

/* From the timer interrupt (kernel/time.c): check and maybe report. */
void watchdog_tick(void);

/*
 * Test hooks (kernel/tests/watchdog_ktest.c). A configuration is swapped
 * in whole and the old one handed back, so a test restores what it found.
 * thresh_ticks: threshold in timer ticks (0 = off); quiet: count reports
 * without printing them, so an expected report is not mistaken for a bug
 * when the logs are searched.
 */
struct softlockup_config {
	uint64_t thresh_ticks;
	bool panic;
	bool quiet;
};
void softlockup_swap_config(struct softlockup_config *cfg);
/* Reports made since boot, on every CPU (quiet ones included). */
unsigned long softlockup_reports(void);

#endif
