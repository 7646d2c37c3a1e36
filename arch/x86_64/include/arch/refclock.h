/*
 * arch/refclock.h - the PC's reference clocks: counters of known frequency
 * that the TSC is measured against (arch/x86_64/tsc.c does the measuring).
 *
 * Counting references (HPET, ACPI PM timer) are read as a free-running
 * up-counter of `mask + 1` values at `hz`; a reader that reads often enough
 * (more than once per wrap) extends it to 64 bits. CPUID leaf 0x15 states
 * the TSC frequency outright and has nothing to read; the PIT is only used
 * as a one-shot countdown (channel 2, output on port 0x61).
 */
#ifndef ARCH_REFCLOCK_H
#define ARCH_REFCLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct refclock {
	const char *name;		/* "HPET", "PM timer": for the log */
	uint64_t hz;			/* counter frequency */
	uint64_t mask;			/* counter width: wraps from mask to 0 */
	uint64_t (*read)(void);		/* the raw counter, 0..mask */
};

/*
 * The HPET's main counter, or NULL when there is no usable HPET (no ACPI
 * table, a period outside the spec, a counter that does not move). The
 * first call maps the block and starts the counter if firmware left it
 * stopped; call it after paging and ACPI are up. Does not sleep.
 */
const struct refclock *refclock_hpet(void);
/* The ACPI PM timer (3.579545 MHz, 24 or 32 bits), or NULL when absent. */
const struct refclock *refclock_pm_timer(void);

/*
 * The TSC frequency CPUID enumerates (leaf 0x15: TSC/crystal ratio times
 * the crystal frequency, the crystal from leaf 0x16's base MHz when 0x15
 * leaves it 0), in kHz; 0 when the leaves are absent or say 0.
 */
uint64_t refclock_cpuid_tsc_khz(void);

/* PIT channel 2 as a one-shot: the frequency of its input clock. */
#define PIT_HZ		1193182u
/* Load @count (mode 0) with the gate closed; pit_ch2_go() starts it. */
void pit_ch2_arm(uint16_t count);
void pit_ch2_go(void);
/* Has the count run out (channel 2 output high)? */
bool pit_ch2_expired(void);
/* Busy-wait using PIT channel 2 (before the tick exists). */
void pit_delay_us(unsigned int us);

#endif
