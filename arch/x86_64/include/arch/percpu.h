/*
 * arch/percpu.h - per-CPU data, reached through the GS base.
 *
 * Each CPU's GS base points at its struct cpu, whose first field points at
 * itself, so this_cpu() is one "mov %gs:0". There is no global "current":
 * later issues add the running thread here. Only the boot CPU runs for now
 * (cpus[0]); SMP start-up fills the others.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <stdint.h>

#define MAX_CPUS	64

/* 64-bit Task State Segment (Intel SDM vol. 3A, 8.7): stacks only. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];	/* stack for a switch to ring 0..2 */
	uint64_t reserved1;
	uint64_t ist[7];	/* interrupt stacks 1..7 (IDT entry's IST field) */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout");

#define GDT_ENTRIES	8

struct cpu {
	struct cpu *self;		/* must stay first: this_cpu() reads gs:0 */
	unsigned int index;		/* 0 = boot CPU */
	uint32_t apic_id;
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss tss __attribute__((aligned(16)));
	void *current;			/* struct task running here (kernel/task.h) */
	uint64_t user_rsp;		/* scratch for the syscall entry */
	uint64_t kernel_rsp;		/* top of current's kernel stack */
};

extern struct cpu cpus[MAX_CPUS];
extern unsigned int nr_cpus;		/* CPUs listed in the ACPI MADT */

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(c));
	return c;
}

#endif
