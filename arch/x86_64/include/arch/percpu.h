/*
 * arch/percpu.h - per-CPU data, reached through the GS base.
 *
 * Each CPU's GS base points at its struct cpu, whose first field points at
 * itself, so this_cpu() is one "mov %gs:0". There is no global "current":
 * later issues add the running thread here. Only the boot CPU runs kernel
 * code for now (cpus[0]); smp.c starts the others, which fill their own
 * slot with percpu_init() and park. percpu_boot_init() points GS
 * at cpus[0] as the very first thing kmain does, so per-CPU data (the
 * atomic count every spinlock raises) is usable from the first printk; a
 * CPU started later must point GS at its own struct cpu before its first
 * lock in the same way.
 *
 * this_cpu_add_atomic_count() is one "addl ..., %gs:off": a single
 * instruction, so an interrupt cannot split its read-modify-write, and no
 * this_cpu() pointer is held across it (kernel/might_sleep.h).
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <stddef.h>
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
	/*
	 * Atomic-context bookkeeping (kernel/might_sleep.h), this CPU only:
	 * spinlocks held plus HARDIRQ_OFFSET per interrupt being handled;
	 * saved in and restored from the task across a context switch
	 * (kernel/sched.c). atomic_ip: where the spinlock part last left 0.
	 */
	unsigned int atomic_count;
	uint64_t atomic_ip;
	/*
	 * The page tables this CPU has in CR3 (struct pgtable; &kernel_pgt
	 * when none of a process's). Written with interrupts off by this CPU
	 * only (arch_switch_pgt); read by TLB shootdowns (tlb.c).
	 */
	void *loaded_pgt;
} __attribute__((aligned(64)));	/* no line shared with the next CPU's: atomic_count
				 * changes at every spinlock, self is read at every
				 * this_cpu() */

extern struct cpu cpus[MAX_CPUS];
extern unsigned int nr_cpus;		/* cpus[] slots in use: boot CPU + APs started */

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/* Point GS at cpus[0] (boot CPU, before anything takes a lock). */
void percpu_boot_init(void);
/*
 * Clear @c (keeping its apic_id), number it @index and point this CPU's GS
 * at it. An AP calls it first thing, before any lock. Never sleeps.
 */
void percpu_init(struct cpu *c, unsigned int index);
/*
 * Fill @c's GDT and TSS (the #DF and NMI stacks given by their tops) and
 * load both on this CPU. Never sleeps, takes no lock.
 */
void gdt_load_cpu(struct cpu *c, void *df_stack_top, void *nmi_stack_top);

static inline unsigned int this_cpu_atomic_count(void)
{
	unsigned int v;

	__asm__ __volatile__("movl %%gs:%c1, %0" : "=r"(v)
			     : "i"(offsetof(struct cpu, atomic_count)) : "memory");
	return v;
}

static inline void this_cpu_add_atomic_count(int n)
{
	__asm__ __volatile__("addl %1, %%gs:%c0" : : "i"(offsetof(struct cpu, atomic_count)),
			     "ri"(n) : "memory", "cc");
}

static inline void this_cpu_set_atomic_count(unsigned int v)
{
	__asm__ __volatile__("movl %1, %%gs:%c0" : : "i"(offsetof(struct cpu, atomic_count)),
			     "r"(v) : "memory");
}

/* Record this instruction's address (inlined: the caller's) as atomic_ip. */
static inline __attribute__((always_inline)) void this_cpu_mark_atomic_ip(void)
{
	uint64_t ip;

	__asm__ __volatile__("leaq 0(%%rip), %0\n\tmovq %0, %%gs:%c1" : "=&r"(ip)
			     : "i"(offsetof(struct cpu, atomic_ip)) : "memory");
}

static inline uint64_t this_cpu_atomic_ip(void)
{
	uint64_t ip;

	__asm__ __volatile__("movq %%gs:%c1, %0" : "=r"(ip)
			     : "i"(offsetof(struct cpu, atomic_ip)) : "memory");
	return ip;
}

#endif
