/*
 * time.c - jiffies and the TSC-based monotonic clock (see time.h).
 *
 * clock_ns = (rdtsc() - tsc_at_init) * mult >> 32, where
 * mult = 10^6 * 2^32 / tsc_khz. The product is done in 128 bits so it never
 * overflows, and the result is clamped to be monotonic (a CPU whose TSC
 * steps back, or a later CPU with a skewed TSC, cannot make time reverse).
 */
#include "kernel/time.h"
#include "kernel/sched.h"
#include "kernel/watchdog.h"
#include "kernel/compiler.h"
#include <arch/cpu.h>

static volatile uint64_t jiffies;
static uint64_t tsc_base, tsc_mult, tsc_khz;
static uint64_t last_ns;

uint64_t jiffies_read(void)
{
	return READ_ONCE(jiffies);
}

void time_tick(void)
{
	__atomic_add_fetch(&jiffies, 1, __ATOMIC_RELAXED);
	sched_timer_tick();		/* timed sleepers, time slices, alarms */
	watchdog_tick();		/* stuck in the kernel? (watchdog.c) */
}

void clock_init_tsc(uint64_t khz)
{
	if (!khz)
		return;
	tsc_khz = khz;
	tsc_mult = (uint64_t)(((unsigned __int128)1000000 << 32) / khz);
	tsc_base = rdtsc();
}

uint64_t clock_tsc_khz(void)
{
	return tsc_khz;
}

uint64_t clock_ns(void)
{
	uint64_t now, prev;

	if (!tsc_mult)
		return 0;
	now = (uint64_t)(((unsigned __int128)(rdtsc() - tsc_base) * tsc_mult) >> 32);
	prev = __atomic_load_n(&last_ns, __ATOMIC_RELAXED);
	while (now > prev && !__atomic_compare_exchange_n(&last_ns, &prev, now, true,
							  __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return now > prev ? now : prev;
}

void ndelay_busy(uint64_t ns)
{
	uint64_t end = clock_ns() + ns;

	while (clock_ns() < end)
		arch_cpu_relax();
}
