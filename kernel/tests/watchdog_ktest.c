/*
 * watchdog_ktest.c - the soft-lockup detector (kernel/watchdog.c).
 *
 * softlockup_touch_and_once runs with every ktest=all boot: with a short
 * threshold and quiet reports it checks that a loop which touches the
 * watchdog or calls schedule() is never reported, that a loop which does
 * neither is reported exactly once however long it goes on, and that the
 * next episode is reported again.
 *
 * softlockup_spin is run only by name: the "softlockup" image boots with
 * "softlockup=2 softlockup_panic=1 ktest=softlockup_spin debugexit" and
 * the harness expects the BUG line, the interrupted RIP in
 * softlockup_spin_loop, and the panic (tests/harness.py, config
 * "softlockup").
 *
 * Time limits are on clock_ns(), lockup times in jiffies as the detector
 * counts them; under TCG on a loaded host the two drift, so every wait is
 * bounded generously and every check has several ticks of margin.
 */
#include "kernel/ktest.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/watchdog.h"
#include <arch/cpu.h>

#define SPIN_LIMIT_NS		(30 * NSEC_PER_SEC)	/* no loop here outlives this */
#define TEST_THRESH_TICKS	(HZ / 5)		/* 200 ms */
#define TOUCH_PERIOD_NS		(20 * 1000 * 1000ull)	/* 2 ticks: well inside it */
#define WATCH_TICKS		(3 * TEST_THRESH_TICKS)

enum spin_action { SPIN_BARE, SPIN_TOUCH, SPIN_SCHEDULE };

/*
 * Stay in the kernel until @ticks jiffies have passed or the report count
 * reaches @until_reports (0: no such stop), doing @action every
 * TOUCH_PERIOD_NS. Returns false if SPIN_LIMIT_NS ran out first.
 */
static bool spin(uint64_t ticks, enum spin_action action, unsigned long until_reports)
{
	uint64_t j0 = jiffies_read(), t0 = clock_ns(), next = t0 + TOUCH_PERIOD_NS;

	while (jiffies_read() - j0 < ticks) {
		uint64_t now = clock_ns();

		if (until_reports && softlockup_reports() >= until_reports)
			return true;
		if (now - t0 > SPIN_LIMIT_NS)
			return false;
		if (action != SPIN_BARE && now >= next) {
			if (action == SPIN_TOUCH)
				touch_softlockup_watchdog();
			else
				schedule();
			next = now + TOUCH_PERIOD_NS;
		}
		arch_cpu_relax();
	}
	return !until_reports;
}

static enum ktest_result touch_and_once(void)
{
	unsigned long base = softlockup_reports();

	/* Progress every 2 ticks: three thresholds pass without a report. */
	KT_ASSERT(spin(WATCH_TICKS, SPIN_TOUCH, 0));
	KT_ASSERT_EQ(softlockup_reports(), base);
	KT_ASSERT(spin(WATCH_TICKS, SPIN_SCHEDULE, 0));
	KT_ASSERT_EQ(softlockup_reports(), base);

	/* No progress: one report... */
	touch_softlockup_watchdog();
	KT_ASSERT(spin(~0ull, SPIN_BARE, base + 1));
	/* ...and no second one while the same episode lasts 3 more thresholds. */
	KT_ASSERT(spin(WATCH_TICKS, SPIN_BARE, 0));
	KT_ASSERT_EQ(softlockup_reports(), base + 1);

	/* A touch ends the episode: the next stall is reported again. */
	touch_softlockup_watchdog();
	KT_ASSERT(spin(~0ull, SPIN_BARE, base + 2));
	KT_ASSERT_EQ(softlockup_reports(), base + 2);
	return KT_PASS;
}

KTEST(softlockup_touch_and_once)
{
	struct softlockup_config cfg = {
		.thresh_ticks = TEST_THRESH_TICKS, .panic = false, .quiet = true,
	};
	enum ktest_result r;

	if (!clock_tsc_khz())
		KT_SKIP("no calibrated clock to bound the loops");
	KT_ASSERT(arch_irqs_enabled());	/* the tick must see the loops */
	softlockup_swap_config(&cfg);
	r = touch_and_once();
	softlockup_swap_config(&cfg);	/* put the boot configuration back */
	return r;
}

/*
 * The loop the "softlockup" image must catch. Not inlined and calling
 * nothing, so the interrupted RIP is always inside this function and the
 * report names it; the caller shows up in the call chain.
 */
static __attribute__((noinline)) void softlockup_spin_loop(uint64_t tsc_end)
{
	while (rdtsc() < tsc_end)
		arch_cpu_relax();
}

KTEST_MANUAL(softlockup_spin)
{
	uint64_t khz = clock_tsc_khz();

	if (!khz)
		KT_SKIP("no calibrated clock to bound the loop");
	KT_ASSERT(arch_irqs_enabled());
	printk("softlockup_spin: spinning in the kernel for up to %llu s\n",
	       SPIN_LIMIT_NS / NSEC_PER_SEC);
	softlockup_spin_loop(rdtsc() + SPIN_LIMIT_NS / 1000000 * khz);
	ktest_fail_reason(__FILE__, __LINE__, "no soft-lockup panic within %llu s",
			  SPIN_LIMIT_NS / NSEC_PER_SEC);
	return KT_FAIL;
}
