/*
 * arch/cpu.h - control registers, MSRs, CPUID, interrupt flag, TSC.
 *
 * The thin layer of inline assembly generic code may call through named
 * functions (arch_irq_save(), arch_halt(), ...). Feature bits discovered at
 * boot are in struct cpu_features (cpu.c).
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

/* CR0/CR4 bits we set (Intel SDM vol. 3A, 2.5). */
#define CR0_WP		(1ul << 16)	/* supervisor writes honour R/O pages */
#define CR4_PSE		(1ul << 4)
#define CR4_PAE		(1ul << 5)
#define CR4_PGE		(1ul << 7)	/* global pages */
#define CR4_OSFXSR	(1ul << 9)
#define CR4_OSXMMEXCPT	(1ul << 10)
#define CR4_SMEP	(1ul << 20)	/* no kernel execution of user pages */
#define CR4_SMAP	(1ul << 21)	/* no kernel access to user pages (unless AC) */

#define MSR_EFER		0xc0000080
#define EFER_SCE		(1ul << 0)
#define EFER_LME		(1ul << 8)
#define EFER_NXE		(1ul << 11)
#define MSR_APIC_BASE		0x1b
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102

#define RFLAGS_IF	(1ul << 9)
#define RFLAGS_AC	(1ul << 18)

struct cpu_features {
	bool nx, pdpe1gb, smep, smap, pge, apic, x2apic, tsc, invariant_tsc;
	uint32_t leaf1_edx;		/* CPUID.1:EDX, what Linux reports as AT_HWCAP */
	char hypervisor[13];		/* CPUID 0x40000000 signature, "" on hardware */
	char vendor[13];
	char brand[49];
};
extern struct cpu_features cpu_features;

/* Running under QEMU's software emulator (TCG)? */
static inline bool cpu_is_qemu_tcg(void)
{
	const char *h = cpu_features.hypervisor;

	return h[0] == 'T' && h[1] == 'C' && h[2] == 'G';
}

/* AT_HWCAP for user programs (CPUID.1:EDX, as Linux on x86-64). */
static inline unsigned long cpu_hwcap(void)
{
	return cpu_features.leaf1_edx;
}

void cpu_detect_features(void);
void cpu_enable_features(void);

#define DEFINE_CR(n) \
static inline uint64_t read_cr##n(void) \
{ \
	uint64_t v; \
	__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v)); \
	return v; \
} \
static inline void write_cr##n(uint64_t v) \
{ \
	__asm__ __volatile__("mov %0, %%cr" #n : : "r"(v) : "memory"); \
}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			     "d"((uint32_t)(v >> 32)) : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
			 uint32_t *c, uint32_t *d)
{
	__asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			     : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/*
 * a * b / c with a 128-bit intermediate product (mul, then div of the
 * 128-bit rdx:rax by c): the kernel has no libgcc for __int128 division.
 * A quotient too large for 64 bits (div would fault) saturates.
 */
static inline uint64_t mul_u64_u64_div_u64(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t hi, lo, q, r;

	__asm__("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"(b));
	if (hi >= c)
		return ~0ull;
	__asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(c));
	return q;
}

/*
 * rdtsc that does not run ahead of the instructions before it: rdtsc is
 * not ordered, and lfence waits until earlier instructions have completed
 * (always on Intel; on AMD only with DE_CFG bit 1 set, which Pagoda leaves
 * to the firmware). Used to bracket a device read between two TSC values
 * (arch/x86_64/tsc.c).
 */
static inline uint64_t rdtsc_ordered(void)
{
	__asm__ __volatile__("lfence" ::: "memory");
	return rdtsc();
}

static inline uint64_t read_rflags(void)
{
	uint64_t f;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(f));
	return f;
}

static inline void arch_irq_enable(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

static inline void arch_irq_disable(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}

static inline bool arch_irqs_enabled(void)
{
	return read_rflags() & RFLAGS_IF;
}

/* Disable interrupts, returning whether they were on (for arch_irq_restore). */
static inline unsigned long arch_irq_save(void)
{
	unsigned long f = read_rflags();

	arch_irq_disable();
	return f & RFLAGS_IF;
}

static inline void arch_irq_restore(unsigned long was_on)
{
	if (was_on)
		arch_irq_enable();
}

static inline void arch_cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

/* Wait for the next interrupt (with interrupts enabled, atomically). */
static inline void arch_idle(void)
{
	__asm__ __volatile__("sti; hlt" ::: "memory");
}

/* Interrupts off, halt forever: the end of panic() and of a failed boot. */
static inline __attribute__((noreturn)) void __noreturn_halt(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

static inline void arch_breakpoint(void)
{
	__asm__ __volatile__("int3");
}

static inline void stac(void)
{
	__asm__ __volatile__("stac" ::: "memory");
}

static inline void clac(void)
{
	__asm__ __volatile__("clac" ::: "memory");
}

/* Leave QEMU through its isa-debug-exit device (exit status = code*2+1). */
void arch_qemu_exit(uint8_t code);

#endif
