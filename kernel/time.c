/*
 * time.c - jiffies and the TSC-based monotonic clock (see time.h).
 *
 *   clock_ns = ns_base + ((rdtsc() - tsc_base) * mult >> 32)
 *   mult     = 10^6 * 2^32 / tsc_khz
 *
 * The product is done in 128 bits so it never overflows, and the result is
 * clamped to be monotonic (a CPU whose TSC steps back, or a later CPU with
 * a skewed TSC, cannot make time reverse).
 *
 * tsc_khz comes from the arch code (arch/x86_64/tsc.c: measured at boot
 * against the best reference clock, re-checked later). When a re-check
 * corrects it, clock_set_tsc_khz() rebases instead of rescaling all time
 * since boot: at the TSC value of the change it takes the old clock's
 * reading as the new ns_base, so the clock neither steps nor reverses,
 * only its slope changes from there on:
 *
 *      ns ^                  /  new mult
 *         |                 /
 *         |             ___/  <- ns_base = old clock at tsc_base
 *         |         ___/
 *         |     ___/  old mult
 *         +-------------|---------------> TSC
 *                    tsc_base
 *
 * The three values change together under a sequence count (odd while a
 * writer is in the middle); a reader that sees it odd or changed retries.
 * Writers serialise on clock_lock with interrupts off, so the tick cannot
 * spin on an update its own CPU left half-done.
 */
#include "kernel/profile.h"
#include "kernel/time.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "kernel/watchdog.h"
#include "kernel/compiler.h"
#include "kernel/spinlock.h"
#include <arch/cpu.h>

static volatile uint64_t jiffies;

/* The clock's parameters: written under clock_lock, read under clock_seq. */
static struct {
	uint64_t tsc_base;		/* TSC value at the last (re)base */
	uint64_t ns_base;		/* clock_ns() at tsc_base */
	uint64_t mult;			/* ns per TSC tick, 32.32 fixed point; 0: not started */
	uint64_t khz;			/* the TSC frequency mult was made from */
} clk;
static unsigned int clock_seq;
static spinlock_t clock_lock = SPINLOCK_INIT(clock_lock);
static uint64_t last_ns;

uint64_t jiffies_read(void)
{
	return READ_ONCE(jiffies);
}

void time_tick(void)
{
	__atomic_add_fetch(&jiffies, 1, __ATOMIC_RELAXED);
	sched_account_tick();		/* /proc/stat */
	sched_timer_tick();		/* timed sleepers, time slices, alarms */
	watchdog_tick();		/* stuck in the kernel? (watchdog.c) */
	profile_tick();			/* profile=: where was this CPU? */
}

void time_tick_ap(void)
{
	sched_account_tick();
	sched_tick();			/* this CPU's time slice */
	watchdog_tick();
	profile_tick();
}

static uint64_t khz_to_mult(uint64_t khz)
{
	return (uint64_t)(((unsigned __int128)1000000 << 32) / khz);
}

/* The clock at TSC value @tsc; a TSC before the base counts as the base. */
static uint64_t clock_at(uint64_t tsc, uint64_t tsc_base, uint64_t ns_base, uint64_t mult)
{
	uint64_t delta = (int64_t)(tsc - tsc_base) > 0 ? tsc - tsc_base : 0;

	return ns_base + (uint64_t)(((unsigned __int128)delta * mult) >> 32);
}

/* Interrupts off, clock_lock held: install new parameters for readers. */
static void clock_publish(uint64_t tsc_base, uint64_t ns_base, uint64_t khz)
{
	__atomic_store_n(&clock_seq, clock_seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE_ONCE(clk.tsc_base, tsc_base);
	WRITE_ONCE(clk.ns_base, ns_base);
	WRITE_ONCE(clk.mult, khz_to_mult(khz));
	WRITE_ONCE(clk.khz, khz);
	__atomic_store_n(&clock_seq, clock_seq + 1, __ATOMIC_RELEASE);
}

void clock_init_tsc(uint64_t khz)
{
	unsigned long irq;

	if (!khz)
		return;
	irq = spin_lock_irqsave(&clock_lock);
	clock_publish(rdtsc(), 0, khz);
	spin_unlock_irqrestore(&clock_lock, irq);
}

uint64_t clock_set_tsc_khz(uint64_t khz)
{
	unsigned long irq;
	uint64_t old, now;

	if (!khz)
		return 0;
	irq = spin_lock_irqsave(&clock_lock);
	old = clk.khz;
	now = rdtsc();
	if (!clk.mult)
		clock_publish(now, 0, khz);
	else
		clock_publish(now, clock_at(now, clk.tsc_base, clk.ns_base, clk.mult), khz);
	spin_unlock_irqrestore(&clock_lock, irq);
	return old;
}

uint64_t clock_tsc_khz(void)
{
	return READ_ONCE(clk.khz);
}

/* clock_ns() before the monotonic clamp: one consistent set of parameters. */
static uint64_t clock_read(void)
{
	for (;;) {
		unsigned int seq = __atomic_load_n(&clock_seq, __ATOMIC_ACQUIRE);
		uint64_t tsc_base = READ_ONCE(clk.tsc_base);
		uint64_t ns_base = READ_ONCE(clk.ns_base);
		uint64_t mult = READ_ONCE(clk.mult);
		uint64_t tsc = rdtsc();

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(seq & 1) && __atomic_load_n(&clock_seq, __ATOMIC_RELAXED) == seq)
			return mult ? clock_at(tsc, tsc_base, ns_base, mult) : 0;
		arch_cpu_relax();
	}
}

uint64_t clock_ns(void)
{
	uint64_t now = clock_read(), prev;

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
