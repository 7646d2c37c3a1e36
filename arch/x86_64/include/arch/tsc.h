/*
 * arch/tsc.h - measuring the TSC's frequency against a reference clock, at
 * boot and again once the system is up (arch/x86_64/tsc.c).
 */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include <stdbool.h>
#include <stdint.h>

struct refclock;

/* What the boot calibration used, and what the re-checks found. */
struct tsc_calibration {
	const char *source;		/* "HPET", "PM timer", "CPUID 0x15", "PIT" */
	uint64_t boot_khz;		/* the boot value clock_ns() started with */
	unsigned int window_ms;		/* how long the boot measurement ran (0: CPUID) */
	const struct refclock *ref;	/* counting reference for re-checks, or NULL */
	unsigned int rechecks;		/* re-checks that completed */
	uint64_t recheck_khz;		/* the last one's result */
};

/* A re-check corrects clock_ns()'s rate only beyond this difference. */
#define TSC_RECHECK_TOLERANCE_PPM	200

/* How a measurement waits between its reads of the reference. */
enum tsc_wait {
	TSC_WAIT_BUSY,			/* spin: at boot, and where sleeping is not allowed */
	TSC_WAIT_SLEEP,			/* schedule_timeout() between reads */
};

/*
 * Measure the TSC at boot against the best reference there is (CPUID leaf
 * 0x15, else the HPET, else the ACPI PM timer, else the PIT; the command
 * line's tsc_ref=cpuid|hpet|pmtimer|pit asks for one), start clock_ns()
 * and log the result. Needs paging (ioremap) and ACPI; busy-waits ~100 ms.
 */
void tsc_calibrate(void);
const struct tsc_calibration *tsc_calibration(void);

/*
 * Count TSC ticks against @ref's own counter over about @window_ms and
 * return the TSC frequency in kHz; *span_ms gets the window actually used.
 * The window's end points are each read between two close TSC reads, and
 * one whose bracket is wide (the vCPU was descheduled) is not used.
 * @floor_khz is a frequency the TSC surely exceeds: with it, a gap between
 * reads that could hide a wrap of @ref's counter is detected. Returns 0
 * when the reference was lost that way or too few end points were clean.
 * May sleep only with TSC_WAIT_SLEEP.
 */
uint64_t tsc_measure(const struct refclock *ref, unsigned int window_ms, uint64_t floor_khz,
		     enum tsc_wait how, unsigned int *span_ms);
/*
 * The same against PIT channel 2 one-shots (busy, ~100 ms): the median of
 * the clean samples, *clean = true; if every sample's ends were stretched,
 * the least bad one, *clean = false.
 */
uint64_t tsc_measure_pit(bool *clean);

/*
 * Measure again against the boot's counting reference over @window_ms
 * (sleeping) and, if the result differs from clock_tsc_khz() by more than
 * TSC_RECHECK_TOLERANCE_PPM, correct clock_ns()'s rate without a step
 * (clock_set_tsc_khz). Logs one line. Returns the measured kHz, -ENODEV
 * without a counting reference, -EAGAIN when every try lost track of it.
 * Sleeps; call from a thread.
 */
long tsc_recheck(unsigned int window_ms);
/*
 * From the timer interrupt: drive the re-checks ~2 s and ~10 s after boot
 * (one reference read per tick; same logging and correction as
 * tsc_recheck). Interrupts off; never sleeps.
 */
void tsc_recheck_tick(void);

#endif
