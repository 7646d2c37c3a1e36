/*
 * smp_ktest.c - application processors (smp.c) and TLB shootdown (tlb.c):
 * with more than one CPU in the MADT (the harness's smp2 and smp4 boots),
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
 * does unmapping them - one IPI per other CPU - not one per page; so does unmapping the next 447 (the gather
 * overflows into extra pages instead of flushing every 64). The last page
 * of the 2 MiB keeps the page table alive, so no munmap frees a table
 * (which would be a second flush).
 */
#define SD_BASE		0x60000000ul	/* 2 MiB aligned: one page table */
#define SD_PAGES	64
#define SD_ALL		512

struct sd_thread {
	struct mm *mm;
	pid_t pid;
	volatile bool loaded, done;
};

static bool task_alive_pid(pid_t pid)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	bool alive = task_find(pid) != NULL;

	spin_unlock_irqrestore(&tasklist_lock, irq);
	return alive;
}

static int sd_adopt(void *arg)
{
	struct sd_thread *st = arg;

	arch_switch_pgt(&st->mm->pgt);		/* CR3 = the test's mm, in its cpumask */
	WRITE_ONCE(st->loaded, true);
	while (!READ_ONCE(st->done))
		schedule_timeout(1000000);	/* idle keeps our CR3: lazy TLB */
	arch_switch_pgt(&kernel_pgt);
	WRITE_ONCE(st->loaded, false);
	return 0;
}

KTEST(tlb_shootdown_batched_munmap)
{
	static struct sd_thread st[MAX_CPUS];
	unsigned int n = sched_nr_cpus(), others = 0;
	unsigned long sd0, ipi0;
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
	for (unsigned int cpu = 1; cpu < nr_cpus; cpu++) {
		if (!cpu_online(cpu))
			continue;
		struct task *t;

		st[cpu] = (struct sd_thread){ .mm = mm };
		t = kthread_create_on("tlb_adopt", sd_adopt, &st[cpu], 1ull << cpu);
		KT_ASSERT(!IS_ERR(t));
		st[cpu].pid = t->pid;
		others++;
	}
	for (unsigned int cpu = 1; cpu < nr_cpus; cpu++)
		while (cpu_online(cpu) && !READ_ONCE(st[cpu].loaded))
			schedule_timeout(1000000);
	{
		unsigned int loaded = 0;

		for (uint64_t m = mm->pgt.cpumask; m; m &= m - 1)
			loaded++;
		KT_ASSERT_EQ(loaded, others);
	}

	/* mprotect of the same 64 pages: one shootdown too. */
	sd0 = tlb_stat_shootdowns;
	KT_ASSERT_EQ(vm_mprotect(mm, SD_BASE, SD_PAGES * PAGE_SIZE, PROT_READ), 0);
	printk("# 64-page mprotect: %lu shootdown(s)\n", tlb_stat_shootdowns - sd0);
	KT_ASSERT_EQ(tlb_stat_shootdowns - sd0, 1);

	sd0 = tlb_stat_shootdowns;
	ipi0 = tlb_stat_ipis;
	mmap_write_lock(mm);
	KT_ASSERT_EQ(vm_munmap_locked(mm, SD_BASE, SD_PAGES * PAGE_SIZE), 0);
	mmap_write_unlock(mm);
	printk("# 64-page munmap: %lu shootdown(s), %lu IPIs, %u other CPUs\n",
	       tlb_stat_shootdowns - sd0, tlb_stat_ipis - ipi0, others);
	KT_ASSERT_EQ(tlb_stat_shootdowns - sd0, 1);
	KT_ASSERT_EQ(tlb_stat_ipis - ipi0, others);

	sd0 = tlb_stat_shootdowns;
	mmap_write_lock(mm);
	KT_ASSERT_EQ(vm_munmap_locked(mm, SD_BASE + SD_PAGES * PAGE_SIZE,
				      (SD_ALL - SD_PAGES - 1) * PAGE_SIZE), 0);
	mmap_write_unlock(mm);
	printk("# 447-page munmap: %lu shootdown(s)\n", tlb_stat_shootdowns - sd0);
	KT_ASSERT_EQ(tlb_stat_shootdowns - sd0, 1);

	for (unsigned int cpu = 1; cpu < nr_cpus; cpu++)
		WRITE_ONCE(st[cpu].done, true);
	for (unsigned int cpu = 1; cpu < nr_cpus; cpu++)
		while (cpu_online(cpu) && READ_ONCE(st[cpu].loaded))
			schedule_timeout(1000000);
	KT_ASSERT_EQ(mm->pgt.cpumask, 0);
	/* Gone for good (stacks freed) before the next test counts free pages. */
	for (unsigned int cpu = 1; cpu < nr_cpus; cpu++)
		while (st[cpu].pid && task_alive_pid(st[cpu].pid))
			schedule_timeout(1000000);
	schedule_timeout(20000000);	/* each CPU frees its dead task at its next switch */
	mm_put(mm);
	return KT_PASS;
}
