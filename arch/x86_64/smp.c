/*
 * smp.c - starting the application processors (APs), then parking them.
 *
 * The first part of SMP (issue 17). The boot CPU (BSP) starts each CPU the
 * ACPI MADT lists (acpi.cpu_apic_ids, enabled or online-capable) with the
 * INIT-SIPI-SIPI sequence of Intel SDM vol. 3A, 9.4.4.1:
 *
 *   BSP                                    AP (apic id x)
 *   INIT (assert, de-assert) ---------->   reset, waits for a SIPI
 *   10 ms
 *   SIPI, vector = trampoline page ---->   real mode at page * 4096
 *   200 us                                 trampoline.S: -> long mode
 *   SIPI again, unless already online      smp_ap_entry64: kernel CR3, stack
 *   wait <= 10 s for online[i]              smp_ap_main: GS, GDT+TSS, IDT,
 *                                          CR0/CR4/EFER, LAPIC, online[i] = 1
 *                                          cli; hlt forever
 *
 * One AP at a time: smp_ap_boot (the stack and CR3 the AP picks up) and
 * ap_index are written by the BSP before the SIPI and read by the AP, and
 * the BSP waits for that AP's online flag (or gives up on it) before it
 * touches them again. An AP that does not come up within the timeout is
 * reported and left in whatever state it is; its slot stays offline.
 *
 * A parked AP runs no kernel code after bring-up: interrupts stay off (the
 * I/O APIC routes every IRQ to the BSP and the LAPIC timer is masked), it
 * takes no lock and touches no shared data, since the rest of the kernel
 * is not yet SMP-safe. It does set up its GS base first thing, as every
 * CPU must before its first spinlock (arch/percpu.h).
 *
 * Low memory used (all below 1 MiB, which memblock reserves as a whole at
 * boot, so the buddy never hands it out; smp_init only picks usable RAM):
 *
 *   page + 0x0000   trampoline code, parameter block at TR_PARAMS
 *   page + 0x1000   PML4: [0] -> PDPT, [256..511] = the kernel's entries
 *   page + 0x2000   PDPT: [0] -> PD
 *   page + 0x3000   PD:   [0] = 2 MiB page at physical 0 (identity)
 */
#include <arch/smp.h>
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/percpu.h>
#include <arch/pgtable.h>
#include <arch/trap.h>
#include "kernel/cmdline.h"
#include "kernel/lib/multiboot2.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/time.h"
#include "mm/page_alloc.h"
#include "kernel/sched.h"
#include <arch/context.h>
#include <arch/tlb.h>

#define TRAMPOLINE_PAGES	4
#define LOW_MEM_END		0x9f000		/* stay below the EBDA */
#define AP_STACK_ORDER		2		/* 16 KiB kernel stack */
#define AP_IST_ORDER		1		/* 8 KiB #DF and NMI stacks */
#define AP_ONLINE_TIMEOUT_NS	10000000000ull	/* 10 s, as Linux waits: TCG under load is slow */

/* Raw page-table bits for the trampoline tables (the rest use MMU_*). */
#define TR_PTE_PW		0x003		/* present, writable */
#define TR_PDE_LARGE		0x083		/* present, writable, 2 MiB */

extern const char trampoline_start[], trampoline_end[];
extern char smp_ap_entry64[];
extern struct boot_info boot_info;

/* Read by smp_ap_entry64 (assembly) and smp_ap_main for the AP starting. */
struct smp_ap_boot smp_ap_boot;
static volatile unsigned int ap_index;
static void *ap_ist_df, *ap_ist_nmi;

static volatile uint8_t online[MAX_CPUS];
static volatile uint8_t sched_go;		/* the APs may enter the scheduler */

unsigned int num_online_cpus(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < MAX_CPUS; i++)
		n += __atomic_load_n(&online[i], __ATOMIC_ACQUIRE);
	return n;
}

int cpu_online(unsigned int index)
{
	return index < MAX_CPUS && __atomic_load_n(&online[index], __ATOMIC_ACQUIRE);
}

/*
 * The AP's C entry, on its own stack with the kernel's page tables. GS
 * first (nothing before it may take a lock), then the CPU's own GDT, TSS
 * and IDT, the control-register features the BSP has, and its LAPIC.
 */
__attribute__((noreturn)) void smp_ap_main(void)
{
	unsigned int idx = ap_index;
	struct cpu *c = &cpus[idx];

	percpu_init(c, idx);
	gdt_load_cpu(c, ap_ist_df, ap_ist_nmi);
	idt_load();
	cpu_enable_features();
	c->apic_id = lapic_ap_init();
	arch_syscall_init();		/* SYSCALL MSRs and the FPU, per CPU */
	c->loaded_pgt = &kernel_pgt;
	__atomic_store_n(&online[idx], 1, __ATOMIC_RELEASE);
	/* Parked until the kernel can schedule (smp_start_scheduling). */
	while (!__atomic_load_n(&sched_go, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	sched_init_ap();
	/* Shootdowns reach us from now on; entries cached while parked go first. */
	tlb_cpu_online(idx);
	tlb_flush_local_all();
	lapic_timer_ap_start();
	sched_cpu_online(idx);
	cpu_idle();			/* interrupts on from here */
}

void smp_start_scheduling(void)
{
	if (num_online_cpus() > 1)
		printk("smp: %u CPUs run tasks\n", num_online_cpus());
	__atomic_store_n(&sched_go, 1, __ATOMIC_RELEASE);
}

static bool overlaps_module(phys_addr_t base, phys_addr_t end)
{
	for (unsigned int i = 0; i < boot_info.nr_modules; i++)
		if (base < boot_info.modules[i].end && boot_info.modules[i].start < end)
			return true;
	return false;
}

/*
 * The highest TRAMPOLINE_PAGES of usable RAM in [4 KiB, LOW_MEM_END) that
 * no boot module occupies, or 0. It is already reserved (memblock keeps
 * the whole low 1 MiB) and direct-mapped (it is usable RAM).
 */
static phys_addr_t trampoline_find_page(void)
{
	const uint64_t size = TRAMPOLINE_PAGES * PAGE_SIZE;
	phys_addr_t best = 0;

	for (unsigned int i = 0; i < boot_info.nr_mmap; i++) {
		const struct boot_mem_region *r = &boot_info.mmap[i];
		phys_addr_t lo = MAX(ALIGN_UP(r->base, PAGE_SIZE), (phys_addr_t)PAGE_SIZE);
		phys_addr_t hi = MIN(ALIGN_DOWN(r->base + r->len, PAGE_SIZE),
				     (phys_addr_t)LOW_MEM_END);

		if (r->type != MB2_MEM_AVAILABLE)
			continue;
		for (phys_addr_t p = hi; p >= lo + size; p -= PAGE_SIZE) {
			if (!overlaps_module(p - size, p)) {
				best = MAX(best, p - size);
				break;
			}
		}
	}
	return best;
}

/* Copy the trampoline to @pa and build its page tables behind it. */
static void trampoline_setup(phys_addr_t pa)
{
	uint8_t *t = phys_to_virt(pa);
	uint64_t *pml4 = phys_to_virt(pa + PAGE_SIZE);
	uint64_t *pdpt = phys_to_virt(pa + 2 * PAGE_SIZE);
	uint64_t *pd = phys_to_virt(pa + 3 * PAGE_SIZE);
	const uint64_t *kroot = phys_to_virt(kernel_pgt.root);
	uint32_t cr3 = pa + PAGE_SIZE, efer = cpu_features.nx ? EFER_NXE : 0;
	uint64_t entry = (uint64_t)smp_ap_entry64;

	memset(t, 0, TRAMPOLINE_PAGES * PAGE_SIZE);
	memcpy(t, trampoline_start, trampoline_end - trampoline_start);
	memcpy(t + TR_CR3, &cr3, sizeof(cr3));
	memcpy(t + TR_EFER, &efer, sizeof(efer));
	memcpy(t + TR_ENTRY, &entry, sizeof(entry));
	pml4[0] = (pa + 2 * PAGE_SIZE) | TR_PTE_PW;
	for (unsigned int i = 256; i < 512; i++)
		pml4[i] = kroot[i];
	pdpt[0] = (pa + 3 * PAGE_SIZE) | TR_PTE_PW;
	pd[0] = TR_PDE_LARGE;
}

static void *alloc_stack(unsigned int order)
{
	struct page *p = alloc_pages(GFP_ZERO, order);

	return p ? (uint8_t *)page_address(p) + (PAGE_SIZE << order) : NULL;
}

static bool wait_online(unsigned int idx, uint64_t ns)
{
	uint64_t end = clock_ns() + ns;

	while (!cpu_online(idx)) {
		if (clock_ns() >= end)
			return false;
		arch_cpu_relax();
	}
	return true;
}

/* INIT-SIPI-SIPI for cpus[@idx]. Returns true once it is online. */
static bool start_ap(unsigned int idx, uint32_t apic_id, phys_addr_t tramp)
{
	uint8_t vector = tramp >> PAGE_SHIFT;

	smp_ap_boot.cr3 = kernel_pgt.root;
	smp_ap_boot.stack = (uint64_t)alloc_stack(AP_STACK_ORDER);
	ap_ist_df = alloc_stack(AP_IST_ORDER);
	ap_ist_nmi = alloc_stack(AP_IST_ORDER);
	if (!smp_ap_boot.stack || !ap_ist_df || !ap_ist_nmi) {
		printk("smp: CPU %u (APIC id %u): no memory for its stacks\n", idx, apic_id);
		return false;	/* a few pages leak: boot-time only */
	}
	cpus[idx].apic_id = apic_id;
	ap_index = idx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	if (lapic_send_init(apic_id))
		return false;
	ndelay_busy(10000000);			/* 10 ms */
	for (int i = 0; i < 2 && !cpu_online(idx); i++) {
		if (lapic_send_startup(apic_id, vector))
			return false;
		ndelay_busy(200000);		/* 200 us */
	}
	return wait_online(idx, AP_ONLINE_TIMEOUT_NS);
}

/* How many CPUs the command line allows: "nosmp" 1, "maxcpus=n" n. */
static unsigned int smp_max_cpus(void)
{
	unsigned long n;

	if (cmdline_has("nosmp"))
		return 1;
	if (cmdline_get_ulong("maxcpus", &n))
		return n ? MIN(n, (unsigned long)MAX_CPUS) : 1;
	return MAX_CPUS;
}

void smp_init(void)
{
	unsigned int max = smp_max_cpus(), next = 1, failed = 0;
	uint32_t bsp_id = cpus[0].apic_id;
	phys_addr_t tramp = 0;

	online[0] = 1;
	for (unsigned int i = 0; i < acpi.nr_cpus; i++) {
		uint32_t id = acpi.cpu_apic_ids[i];

		if (id == bsp_id)
			continue;
		if (next >= max) {
			printk("smp: APIC id %u left down (%s)\n", id,
			       max == 1 ? "nosmp" : "maxcpus");
			continue;
		}
		if (id > 0xfe) {
			printk("smp: APIC id %u needs x2APIC mode; left down\n", id);
			continue;
		}
		if (!tramp) {
			tramp = trampoline_find_page();
			if (!tramp) {
				printk("smp: no free low memory for the trampoline\n");
				break;
			}
			trampoline_setup(tramp);
		}
		if (start_ap(next, id, tramp)) {
			printk("smp: CPU %u (APIC id %u) online\n", next, id);
		} else {
			printk("smp: CPU %u (APIC id %u) did not come up\n", next, id);
			failed++;
		}
		next++;
	}
	nr_cpus = next;
	printk("smp: %u CPU%s online", num_online_cpus(), num_online_cpus() == 1 ? "" : "s");
	if (failed)
		printk(", %u failed to start", failed);
	printk("\n");
}
