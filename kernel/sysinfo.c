/*
 * sysinfo.c - sysinfo(2): the machine's memory, swap, uptime and number of
 * tasks in one call (what musl's sysconf(_SC_PHYS_PAGES) and
 * _SC_AVPHYS_PAGES ask, and what uptime(1) and free(1) may use on Linux).
 *
 * The answer is a snapshot put together from counters other subsystems
 * keep: the page allocator's managed and free frames (mm/page_alloc.c),
 * shmem pages (mm/vmstat.c), the swap area's size and use
 * (mm/swapfile.c), the clock (kernel/time.c) and the list of every task
 * (kernel/proc.c). Nothing is locked across the whole snapshot, so the
 * figures may be a moment apart; /proc/meminfo reads the same counters
 * the same way, so the two agree as closely as two reads can.
 *
 * Sizes: the counters are in pages. Linux reports them in units of
 * mem_unit bytes, and uses 1 (plain bytes) whenever the largest sum
 * (RAM + swap) still fits in an unsigned long - always on x86-64 - so
 * that old programs that ignore mem_unit read bytes.
 *
 * Pagoda keeps no load average and no buffer cache: loads[] and bufferram
 * are 0, as are totalhigh/freehigh (no high memory on a 64-bit kernel).
 *
 * The syscall lab (docs/labs/01-syscall.md) has students write both
 * functions here; their tree starts with a do_sysinfo() that returns
 * -ENOSYS and no system call at all.
 */
#include "kernel/sysinfo.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/spinlock.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "mm/page_alloc.h"
#include "mm/swap.h"
#include "mm/usercopy.h"
#include "mm/vmstat.h"
#include <arch/memlayout.h>

/* Contract in kernel/sysinfo.h. */
int do_sysinfo(struct sysinfo *info)
{
	/* LAB syscall BEGIN */
	/* LAB syscall STUB: return -ENOSYS; */
	unsigned long swap_total, swap_free, irq;
	unsigned int tasks = 0;
	uint64_t ns = clock_ns();
	long shmem = read_vm_stat(NR_SHMEM);
	struct task *t;

	memset(info, 0, sizeof(*info));

	/* Whole seconds since boot, rounded up (Linux: a started second counts). */
	info->uptime = ns / NSEC_PER_SEC + (ns % NSEC_PER_SEC ? 1 : 0);

	/* Every task on all_tasks: threads, kernel threads and zombies. */
	irq = spin_lock_irqsave(&tasklist_lock);
	for_each_task(t)
		tasks++;
	spin_unlock_irqrestore(&tasklist_lock, irq);
	info->procs = tasks > UINT16_MAX ? UINT16_MAX : tasks;	/* a __u16 field */

	/* Memory and swap in pages first... */
	swap_totals(&swap_total, &swap_free);
	info->totalram = pmm_managed_pages();
	info->freeram = pmm_free_pages();
	info->sharedram = shmem > 0 ? shmem : 0;	/* a per-CPU sum: may dip below 0 */
	info->totalswap = swap_total;
	info->freeswap = swap_free;
	info->mem_unit = PAGE_SIZE;

	/* ...then in bytes (mem_unit 1) when RAM + swap in bytes fit. */
	if (info->totalram + info->totalswap <= UINT64_MAX / PAGE_SIZE) {
		info->totalram *= PAGE_SIZE;
		info->freeram *= PAGE_SIZE;
		info->sharedram *= PAGE_SIZE;
		info->totalswap *= PAGE_SIZE;
		info->freeswap *= PAGE_SIZE;
		info->mem_unit = 1;
	}
	return 0;
	/* LAB syscall END */
}

/* LAB syscall BEGIN */
/*
 * sysinfo(2): fill the struct in the kernel, then copy it out whole; a
 * pointer that is not a writable user buffer of that size is EFAULT.
 */
static long sys_sysinfo(struct sysinfo __user *uinfo)
{
	struct sysinfo info;
	int err = do_sysinfo(&info);

	if (err)
		return err;
	return copy_to_user(uinfo, &info, sizeof(info)) ? -EFAULT : 0;
}
SYSCALL(__NR_sysinfo, sys_sysinfo);
/* LAB syscall END */
