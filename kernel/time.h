/*
 * time.h - the tick and the monotonic clock.
 *
 * jiffies counts timer ticks (HZ per second) since the tick started.
 * clock_ns() is nanoseconds since boot from the TSC, whose frequency the
 * arch code measures at boot against a reference clock (HPET, PM timer,
 * CPUID or PIT) and may correct later; a correction changes the clock's
 * rate from that moment on, never its value, so it neither steps nor goes
 * backwards. Before calibration it returns 0.
 */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <stdint.h>

#define HZ	100
#define NSEC_PER_SEC	1000000000ull

uint64_t jiffies_read(void);
void time_tick(void);			/* called by the boot CPU's timer interrupt */
void time_tick_ap(void);		/* ... and by the other CPUs': slices only */
uint64_t clock_ns(void);
/* Read the RTC once so CLOCK_REALTIME has an epoch (sys_misc.c). */
void time_init_realtime(void);
/* Start clock_ns() from a TSC frequency measured by the arch code. */
void clock_init_tsc(uint64_t tsc_khz);
/*
 * Run clock_ns() at @tsc_khz from now on, continuing from its present
 * value (a rebase: no step either way). Returns the frequency it replaces
 * (0 if the clock had not started; then it starts at 0 ns). Takes a
 * spinlock with interrupts off; callable from any context, never sleeps.
 */
uint64_t clock_set_tsc_khz(uint64_t tsc_khz);
uint64_t clock_tsc_khz(void);
/* CLOCK_REALTIME: nanoseconds since the epoch (sys_misc.c). */
uint64_t clock_realtime_ns(void);
struct __kernel_timespec;
/*
 * A timespec from user space in nanoseconds: -EINVAL unless tv_sec >= 0
 * and 0 <= tv_nsec < 1e9 (Linux's timespec64_valid); seconds too many for
 * 64 bits of nanoseconds become "forever", UINT64_MAX / 2 (sys_misc.c).
 */
int ts_to_ns(const struct __kernel_timespec *ts, uint64_t *ns);
/* Busy-wait for @ns nanoseconds on clock_ns(). */
void ndelay_busy(uint64_t ns);

#endif
