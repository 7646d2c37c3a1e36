/*
 * arch/lapic.h - local APIC, I/O APIC and the timer tick (the PIT is in
 * arch/refclock.h).
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Map and enable the boot CPU's local APIC (xAPIC MMIO mode). */
void lapic_init(void);
void lapic_eoi(void);
uint32_t lapic_id(void);
/* Calibrate the TSC (tsc_calibrate) and the LAPIC timer against it, and
 * start a periodic tick of @hz per second on IRQ_VECTOR_TIMER. */
void lapic_timer_init(unsigned int hz);
/* On an AP: enable its local APIC (timer masked). Returns its APIC id. */
uint32_t lapic_ap_init(void);
/*
 * IPIs to start an AP (smp.c; xAPIC physical destination @apic_id): INIT
 * (assert then de-assert) and a Start-up IPI at physical page @page. Each
 * returns 0 once the local APIC has sent it, -ETIMEDOUT if it stays
 * pending. Boot CPU, interrupts on or off; never sleeps.
 */
int lapic_send_init(uint32_t apic_id);
int lapic_send_startup(uint32_t apic_id, uint8_t page);
/* A fixed-delivery IPI on @vector to @apic_id (reschedule, TLB shootdown). */
int lapic_send_fixed(uint32_t apic_id, uint8_t vector);
/* On an AP: start its periodic tick with the boot CPU's calibration. */
void lapic_timer_ap_start(void);

/* I/O APIC: send global system interrupt @gsi to @vector on the boot CPU. */
struct ioapic_route {
	uint8_t vector;
	uint8_t active_low;	/* polarity */
	uint8_t level;		/* trigger mode */
};
void ioapic_init(void);
int ioapic_route(uint32_t gsi, const struct ioapic_route *r);
int ioapic_mask(uint32_t gsi, int masked);
/* True if @gsi's redirection entry is unmasked (someone routed it). */
bool ioapic_gsi_in_use(uint32_t gsi);

#endif
