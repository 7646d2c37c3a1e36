/*
 * arch/lapic.h - local APIC, I/O APIC and the timer tick (the PIT is in
 * arch/refclock.h).
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <stdint.h>

/* Map and enable the boot CPU's local APIC (xAPIC MMIO mode). */
void lapic_init(void);
void lapic_eoi(void);
uint32_t lapic_id(void);
/* Calibrate the TSC (tsc_calibrate) and the LAPIC timer against it, and
 * start a periodic tick of @hz per second on IRQ_VECTOR_TIMER. */
void lapic_timer_init(unsigned int hz);

/* I/O APIC: send global system interrupt @gsi to @vector on the boot CPU. */
struct ioapic_route {
	uint8_t vector;
	uint8_t active_low;	/* polarity */
	uint8_t level;		/* trigger mode */
};
void ioapic_init(void);
int ioapic_route(uint32_t gsi, const struct ioapic_route *r);
int ioapic_mask(uint32_t gsi, int masked);

#endif
