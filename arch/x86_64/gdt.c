/*
 * gdt.c - the Global Descriptor Table, the TSS and the per-CPU GS base.
 *
 * In long mode segmentation is almost gone: code segments only carry the
 * long-mode bit and a privilege level, and the TSS only holds stacks. The
 * layout is chosen for syscall/sysret (STAR wants user data at base+8 and
 * user code at base+16):
 *
 *   0x00  null
 *   0x08  kernel code, 64-bit      (KERNEL_CS)
 *   0x10  kernel data              (KERNEL_DS)
 *   0x18  user code, 32-bit        (sysret base; unused)
 *   0x20  user data   | RPL 3 = 0x23
 *   0x28  user code64 | RPL 3 = 0x2b
 *   0x30  TSS (16-byte system descriptor, two slots)
 *
 * IST stacks: #DF uses IST1 and NMI uses IST2, so both run on a known-good
 * stack even when the kernel stack overflowed. Each CPU has its own GDT and
 * TSS in its struct cpu (a busy TSS cannot be shared); the boot CPU's IST
 * stacks are static, an AP's come from smp.c.
 */
#include <arch/percpu.h>
#include <arch/cpu.h>
#include "kernel/lib/string.h"

#define KERNEL_CS	0x08
#define KERNEL_DS	0x10
#define TSS_SEL		0x30
#define IST_STACK_SIZE	8192

struct cpu cpus[MAX_CPUS];
unsigned int nr_cpus = 1;

static uint8_t ist_df_stack[IST_STACK_SIZE] __attribute__((aligned(16)));
static uint8_t ist_nmi_stack[IST_STACK_SIZE] __attribute__((aligned(16)));

/*
 * Segment descriptor (8 bytes):
 *   63..56 base 31:24 | 55 G | 54 D/B | 53 L | 52 AVL | 51..48 limit 19:16
 *   47 P | 46..45 DPL | 44 S | 43..40 type | 39..16 base 23:0 | 15..0 limit
 */
#define SEG_CODE64(dpl)	(0x00209a0000000000ull | ((uint64_t)(dpl) << 45))
#define SEG_DATA(dpl)	(0x0000920000000000ull | ((uint64_t)(dpl) << 45))
#define SEG_CODE32(dpl)	(0x00cf9a000000ffffull | ((uint64_t)(dpl) << 45))

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void set_tss_descriptor(uint64_t *gdt, struct tss *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;

	/* Type 0x9: available 64-bit TSS; present. */
	gdt[TSS_SEL / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			   (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
			   (((base >> 24) & 0xff) << 56);
	gdt[TSS_SEL / 8 + 1] = base >> 32;
}

/*
 * Point GS at the boot CPU's struct cpu: the first thing kmain does, since
 * every spinlock counts itself there (kernel/might_sleep.h). Until now the
 * GS base is 0, and %gs-relative accesses would land in low memory.
 */
void percpu_boot_init(void)
{
	percpu_init(&cpus[0], 0);
}

void percpu_init(struct cpu *c, unsigned int index)
{
	uint32_t apic_id = c->apic_id;		/* an AP's is set by smp.c */

	memset(c, 0, sizeof(*c));
	c->self = c;
	c->index = index;
	c->apic_id = apic_id;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

/* Load the GDT and TSS of the boot CPU (GS already points at its struct cpu). */
void gdt_init(void)
{
	gdt_load_cpu(&cpus[0], ist_df_stack + IST_STACK_SIZE, ist_nmi_stack + IST_STACK_SIZE);
}

void gdt_load_cpu(struct cpu *c, void *df_stack_top, void *nmi_stack_top)
{
	struct gdt_ptr p;

	c->gdt[1] = SEG_CODE64(0);
	c->gdt[2] = SEG_DATA(0);
	c->gdt[3] = SEG_CODE32(3);
	c->gdt[4] = SEG_DATA(3);
	c->gdt[5] = SEG_CODE64(3);
	c->tss.ist[0] = (uint64_t)df_stack_top;
	c->tss.ist[1] = (uint64_t)nmi_stack_top;
	c->tss.iomap_base = sizeof(struct tss);		/* no I/O bitmap */
	set_tss_descriptor(c->gdt, &c->tss);

	p.limit = sizeof(c->gdt) - 1;
	p.base = (uint64_t)c->gdt;
	__asm__ __volatile__(
		"lgdt %0\n\t"
		"movw %w1, %%ds\n\t"
		"movw %w1, %%es\n\t"
		"movw %w1, %%ss\n\t"
		"pushq %2\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"		/* reload CS with a far return */
		"1:\n\t"
		"ltr %w3"
		: : "m"(p), "r"(KERNEL_DS), "i"(KERNEL_CS), "r"(TSS_SEL)
		: "rax", "memory");
}
