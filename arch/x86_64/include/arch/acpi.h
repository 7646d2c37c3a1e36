/*
 * arch/acpi.h - what Pagoda reads from the ACPI tables.
 *
 * MADT: the CPUs (local APIC ids), I/O APICs and ISA interrupt overrides.
 * FADT: the PM1 control ports and \_S5 sleep type for power-off, the
 * reset register for restart, and the PM timer (a reference clock).
 * HPET: the base address of the event timer block (a reference clock).
 * The clocks themselves are driven by arch/x86_64/refclock.c.
 */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_MAX_IOAPICS	8
#define ACPI_MAX_OVERRIDES	16

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;
	uint32_t gsi_base;
};

struct acpi_override {
	uint8_t isa_irq;
	uint32_t gsi;
	uint16_t flags;		/* MPS INTI flags: polarity bits 1:0, trigger 3:2 */
};

/* Generic Address Structure address spaces (drawn in acpi.c). */
#define ACPI_GAS_SPACE_MEMORY	0
#define ACPI_GAS_SPACE_IO	1

struct acpi_info {
	bool present;
	int revision;			/* 0: ACPI 1.0 RSDP, 2: XSDP */
	char oem[7];
	uint64_t lapic_addr;
	unsigned int nr_cpus;
	uint32_t cpu_apic_ids[64];
	unsigned int nr_ioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned int nr_overrides;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	/* FADT */
	bool has_fadt;
	uint32_t pm1a_cnt, pm1b_cnt;	/* I/O ports */
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	bool has_s5;
	uint8_t slp_typa, slp_typb;
	bool has_reset_reg;
	uint8_t reset_space;		/* GAS address space: 0 memory, 1 I/O */
	uint64_t reset_addr;
	uint8_t reset_value;
	/* FADT PM timer (3.579545 MHz up-counter): X_PM_TMR_BLK if usable, else PM_TMR_BLK */
	bool has_pm_tmr;
	uint8_t pm_tmr_space;		/* GAS address space: 0 memory, 1 I/O */
	uint64_t pm_tmr_addr;
	bool pm_tmr_32bit;		/* FADT flag TMR_VAL_EXT: 32 bits, else 24 */
	/* HPET table: event timer block 0 (always memory space) */
	uint64_t hpet_addr;		/* 0: no HPET table */
};

extern struct acpi_info acpi;

/*
 * Find and parse the tables. @rsdp is the copy from the multiboot2 tag (or
 * NULL: then the BIOS areas are searched). Returns 0 or a negative errno;
 * without ACPI the kernel still runs with PC defaults.
 */
int acpi_init(const void *rsdp, unsigned int len);
/* ISA IRQ -> global system interrupt, with polarity/trigger. */
uint32_t acpi_isa_irq_to_gsi(unsigned int irq, bool *active_low, bool *level);
/*
 * The same for an ISA IRQ that a PCI interrupt link was routed to (a PCI
 * function's Interrupt Line): a MADT override's polarity and trigger win,
 * and where it has none or says "conforms to the bus" the PCI defaults
 * apply (level-triggered, active low) instead of ISA's.
 */
uint32_t acpi_pci_irq_to_gsi(unsigned int irq, bool *active_low, bool *level);
/* Power off (ACPI S5). Returns only on failure. */
void acpi_poweroff(void);
/* Restart: FADT reset register, then the keyboard controller, then a
 * triple fault. Does not return. */
void acpi_reboot(void) __attribute__((noreturn));

#endif
