/*
 * overcommit.c - committed-memory accounting (Committed_AS, CommitLimit)
 * and the vm knobs of /proc/sys/vm, as Linux's mm/util.c and
 * security/min_addr.c.
 *
 * One global counter holds the committed pages. mmap.c charges a VMA's
 * pages when the VMA becomes accountable (mmap, brk, mprotect to
 * writable, fork) and uncharges them when it goes (munmap, exit, exec);
 * splits and merges move no charge. Nothing here allocates: a sparse
 * 128 TiB mapping costs one counter addition, its pages come at fault
 * time.
 *
 * The policy is Linux's __vm_enough_memory(): the request is charged
 * first, then checked, and taken back on refusal, so that two racing
 * requests cannot both slip under the limit. Mode 2 keeps two reserves
 * out of reach, as Linux: an admin reserve (min(RAM/32, 8 MiB)) for
 * tasks without CAP_SYS_ADMIN and a user reserve (min(total_vm/32,
 * min(RAM/32, 128 MiB))) so one process cannot take the last of it.
 *
 * Knobs are plain longs written by procfs (kernel/fs/proc_sysctl.c) and
 * read unlocked, as Linux reads its sysctls.
 */
#include <linux/capability.h>
#include "mm/overcommit.h"
#include "kernel/compiler.h"
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "mm/page_alloc.h"
#include "mm/swap.h"
#include "mm/vm.h"

#define KB_SHIFT		(PAGE_SHIFT - 10)	/* KiB -> pages */
#define ADMIN_RESERVE_PAGES	((8ul << 20) >> PAGE_SHIFT)
#define USER_RESERVE_PAGES	((128ul << 20) >> PAGE_SHIFT)
#define RESERVE_DIVISOR		32			/* 3% of RAM */

long sysctl_overcommit_memory = OVERCOMMIT_GUESS;
long sysctl_overcommit_ratio = 50;
long sysctl_overcommit_kbytes;
long sysctl_max_map_count = 65530;	/* Linux DEFAULT_MAX_MAP_COUNT */
long mmap_min_addr = 65536;		/* Debian's CONFIG_DEFAULT_MMAP_MIN_ADDR */

static long committed;			/* atomic: pages charged */

void vm_acct_memory(long pages)
{
	__atomic_add_fetch(&committed, pages, __ATOMIC_RELAXED);
}

void vm_unacct_memory(long pages)
{
	__atomic_sub_fetch(&committed, pages, __ATOMIC_RELAXED);
}

unsigned long vm_committed_pages(void)
{
	long n = __atomic_load_n(&committed, __ATOMIC_RELAXED);

	return n < 0 ? 0 : (unsigned long)n;
}

static unsigned long swap_pages(void)
{
	unsigned long total, free;

	swap_totals(&total, &free);
	return total;
}

unsigned long vm_commit_limit(void)
{
	unsigned long allowed;

	if (sysctl_overcommit_kbytes)
		allowed = (unsigned long)sysctl_overcommit_kbytes >> KB_SHIFT;
	else
		allowed = pmm_managed_pages() * (unsigned long)sysctl_overcommit_ratio / 100;
	return allowed + swap_pages();
}

/* Mode 2: is the committed total, the new charge included, under the limit? */
static bool within_commit_limit(struct mm *mm)
{
	long allowed = (long)vm_commit_limit();
	long ram_reserve = (long)(pmm_managed_pages() / RESERVE_DIVISOR);

	if (!capable(CAP_SYS_ADMIN))
		allowed -= MIN(ram_reserve, (long)ADMIN_RESERVE_PAGES);
	if (mm)
		allowed -= MIN((long)(mm->total_vm / RESERVE_DIVISOR),
			       MIN(ram_reserve, (long)USER_RESERVE_PAGES));
	return (long)vm_committed_pages() < allowed;
}

int vm_enough_memory(struct mm *mm, unsigned long pages)
{
	vm_acct_memory((long)pages);
	switch (sysctl_overcommit_memory) {
	case OVERCOMMIT_ALWAYS:
		return 0;
	case OVERCOMMIT_GUESS:
		if (pages <= pmm_managed_pages() + swap_pages())
			return 0;
		break;
	default:
		if (within_commit_limit(mm))
			return 0;
		break;
	}
	vm_unacct_memory((long)pages);
	return -ENOMEM;
}
