/*
 * arch/smp.h - starting the application processors (APs) and knowing
 * which CPUs are online.
 *
 * This is the first part of SMP (issue 17): smp_init() starts every CPU
 * the ACPI MADT lists, each AP loads its own GDT, TSS, IDT and GS base,
 * enables its local APIC and parks (cli; hlt) - it runs no other kernel
 * code, since the rest of the kernel does not yet expect a second CPU.
 * The layout shared with trampoline.S is here too.
 */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

/* trampoline.S parameter block: offsets in the copied page. */
#define TR_PARAMS	0x200
#define TR_CR3		(TR_PARAMS + 0)		/* u32: trampoline page-table root */
#define TR_EFER		(TR_PARAMS + 4)		/* u32: extra EFER bits (NXE) */
#define TR_ENTRY	(TR_PARAMS + 8)		/* u64: smp_ap_entry64 */
#define TR_PARAMS_SIZE	16

/* struct smp_ap_boot offsets, for smp_ap_entry64. */
#define AP_BOOT_CR3	0
#define AP_BOOT_STACK	8

#ifndef __ASSEMBLER__
#include <stdint.h>

/* What the AP being started reads on its way in (smp.c fills it). */
struct smp_ap_boot {
	uint64_t cr3;		/* the kernel's page tables */
	uint64_t stack;		/* top of the AP's kernel stack */
};
_Static_assert(__builtin_offsetof(struct smp_ap_boot, stack) == AP_BOOT_STACK, "ap_boot");

/*
 * Start every enabled CPU of the MADT (unless "nosmp" or "maxcpus=" says
 * otherwise) and wait, with a timeout, for each to report itself online.
 * Boot CPU only, after lapic_timer_init() (it times the IPIs on the TSC).
 */
void smp_init(void);
/* Let the parked APs enter the scheduler (boot CPU, once tasks can run). */
void smp_start_scheduling(void);
/* CPUs that are up, the boot CPU included. */
unsigned int num_online_cpus(void);
/* Is cpus[@index] up? */
int cpu_online(unsigned int index);

#endif
#endif
