/*
 * smp_ktest.c - application processors (smp.c) and TLB shootdown (tlb.c):
 * with more than one CPU in the MADT (the harness's smp2, smp4, uefi-smp4,
 * smp8-pc and uefi-smp2-pc boots),
 * every CPU it lists is online, each with its own APIC id, and a munmap
 * sends one batched shootdown.
 */
#include "kernel/ktest.h"
#include "kernel/cmdline.h"
#include <arch/acpi.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <arch/pgtable.h>
#include <arch/tlb.h>
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "mm/internal.h"
#include "mm/vm.h"

KTEST(smp_aps_online)
{
	if (acpi.nr_cpus < 2)
		KT_SKIP("the MADT lists %u CPU", acpi.nr_cpus);
	if (cmdline_has("nosmp") || cmdline_has("maxcpus"))
		KT_SKIP("nosmp or maxcpus= on the command line");
	KT_ASSERT(cpu_online(0));
	KT_ASSERT_EQ(num_online_cpus(), acpi.nr_cpus);
	KT_ASSERT_EQ(nr_cpus, acpi.nr_cpus);
	/* Each online CPU has its own APIC id, one the MADT lists. */
	for (unsigned int i = 0; i < nr_cpus; i++) {
		bool listed = false;

		KT_ASSERT(cpu_online(i));
		for (unsigned int j = 0; j < i; j++)
			KT_ASSERT(cpus[j].apic_id != cpus[i].apic_id);
		for (unsigned int k = 0; k < acpi.nr_cpus; k++)
			listed |= acpi.cpu_apic_ids[k] == cpus[i].apic_id;
		KT_ASSERT(listed);
	}
	return KT_PASS;
}

/*
 * TLB shootdown is batched: with an address space loaded on every other
 * CPU (a kernel thread there adopts it, as a lazy-TLB CPU keeps the last
 * one), an mprotect of 64 populated pages sends one shootdown, and so
 * does unmapping them - one IPI per other CPU - not one per page; so does
 * unmapping the next 447 (the gather
 * overflows into extra pages instead of flushing every 64). The last page
 * of the 2 MiB keeps the page table alive, so no munmap frees a table
 * (which would be a second flush).
 */
#define SD_BASE		0x60000000ul	/* 2 MiB aligned: one page table */
#define SD_PAGES	64
#define SD_ALL		512

static unsigned int bits(uint64_t m)
{
	unsigned int n = 0;

	for (; m; m &= m - 1)
		n++;
	return n;
}

/* Shootdowns one munmap of [start, start + len) of @mm sends. */
static unsigned long munmap_shootdowns(struct mm *mm, unsigned long start, size_t len)
{
	unsigned long sd0 = tlb_stat_shootdowns;
	long err;

	mmap_write_lock(mm);
	err = vm_munmap_locked(mm, start, len);
	mmap_write_unlock(mm);
	return err ? ~0ul : tlb_stat_shootdowns - sd0;
}

KTEST(tlb_shootdown_batched_munmap)
{
	unsigned int n = sched_nr_cpus(), others;
	unsigned long sd, ipi0;
	struct mm *mm;
	int err;

	if (n < 2)
		KT_SKIP("%u CPU runs tasks", n);
	mm = mm_create();
	KT_ASSERT(mm != NULL);
	mmap_write_lock(mm);
	KT_ASSERT_EQ(vm_mmap_region_locked(mm, SD_BASE, SD_ALL * PAGE_SIZE,
					   VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE,
					   NULL, 0, MAP_REGION_FIXED), (long)SD_BASE);
	mmap_write_downgrade(mm);
	err = populate_range_locked(mm, SD_BASE, SD_BASE + SD_ALL * PAGE_SIZE);
	mmap_read_unlock(mm);
	KT_ASSERT_EQ(err, 0);
	others = ktest_load_mm_elsewhere(mm);
	KT_ASSERT_EQ(others, num_online_cpus() - 1);
	KT_ASSERT_EQ(bits(mm->pgt.cpumask), others);

	/* mprotect of the same 64 pages: one shootdown too. */
	sd = tlb_stat_shootdowns;
	KT_ASSERT_EQ(vm_mprotect(mm, SD_BASE, SD_PAGES * PAGE_SIZE, PROT_READ), 0);
	sd = tlb_stat_shootdowns - sd;
	printk("# 64-page mprotect: %lu shootdown(s)\n", sd);
	KT_ASSERT_EQ(sd, 1);

	ipi0 = tlb_stat_ipis;
	sd = munmap_shootdowns(mm, SD_BASE, SD_PAGES * PAGE_SIZE);
	printk("# 64-page munmap: %lu shootdown(s), %lu IPIs, %u other CPUs\n",
	       sd, tlb_stat_ipis - ipi0, others);
	KT_ASSERT_EQ(sd, 1);
	KT_ASSERT_EQ(tlb_stat_ipis - ipi0, others);

	sd = munmap_shootdowns(mm, SD_BASE + SD_PAGES * PAGE_SIZE,
			       (SD_ALL - SD_PAGES - 1) * PAGE_SIZE);
	printk("# 447-page munmap: %lu shootdown(s)\n", sd);
	KT_ASSERT_EQ(sd, 1);

	/* Gone for good (stacks freed) before the next test counts free pages. */
	ktest_unload_mm_elsewhere();
	KT_ASSERT_EQ(mm->pgt.cpumask, 0);
	mm_put(mm);
	return KT_PASS;
}
