/*
 * context.c - per-CPU state for running user code: the syscall MSRs, the
 * ring-0 stack in the TSS, FPU/SSE enablement and save/restore, FS base.
 *
 * IA32_STAR (Intel SDM vol. 3B, 5.8.8 / AMD APM vol. 2, 6.1.1):
 *
 *   63      48 47      32 31             0
 *   +---------+----------+----------------+
 *   | 0x18|3  |   0x08   |    reserved    |
 *   +---------+----------+----------------+
 *     sysret     syscall
 *
 * syscall loads CS = 0x08, SS = 0x10; sysret (64-bit) loads CS = 0x18+16 =
 * 0x28|3 and SS = 0x18+8 = 0x20|3 - which is why gdt.c orders its entries
 * kcode, kdata, ucode32, udata, ucode64. Pagoda leaves through iretq today
 * (switch.S), but the layout keeps sysret possible.
 */
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include "kernel/lib/string.h"

#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_FMASK	0xc0000084
#define CR0_MP		(1ul << 1)
#define CR0_EM		(1ul << 2)
#define CR0_TS		(1ul << 3)

extern char syscall_entry[];

_Static_assert(offsetof(struct cpu, user_rsp) == 192, "switch.S CPU_USER_RSP");
_Static_assert(offsetof(struct cpu, kernel_rsp) == 200, "switch.S CPU_KERNEL_RSP");

/* A clean FXSAVE image: default x87 control word, all SSE exceptions masked. */
static struct {
	uint8_t area[512];
} __attribute__((aligned(16))) fpu_clean;

void arch_syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (0x18ul | 3) << 48 | 0x08ul << 32);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Clear IF (no interrupts before the stack switch), DF, TF and AC. */
	wrmsr(MSR_FMASK, RFLAGS_IF | (1ul << 10) | (1ul << 8) | RFLAGS_AC);

	/* FPU/SSE for user mode; the kernel itself is built without them. */
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	__asm__ __volatile__("fninit");
	*(uint16_t *)&fpu_clean.area[0] = 0x037f;	/* FCW */
	*(uint32_t *)&fpu_clean.area[24] = 0x1f80;	/* MXCSR */
}

void arch_set_kernel_stack(uint64_t top)
{
	struct cpu *c = this_cpu();

	c->tss.rsp[0] = top;
	c->kernel_rsp = top;
}

void arch_fpu_save(void *area)
{
	__asm__ __volatile__("fxsaveq (%0)" : : "r"(area) : "memory");
}

void arch_fpu_restore(const void *area)
{
	__asm__ __volatile__("fxrstorq (%0)" : : "r"(area) : "memory");
}

void arch_fpu_init_state(void *area)
{
	memcpy(area, fpu_clean.area, sizeof(fpu_clean.area));
}

void arch_set_fs_base(uint64_t base)
{
	wrmsr(MSR_FS_BASE, base);
}
