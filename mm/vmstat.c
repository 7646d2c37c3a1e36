/*
 * vmstat.c - the global memory counters of mm/vmstat.h and their names as
 * /proc/meminfo and /proc/vmstat print them.
 *
 * The counters need no lock: every update is one relaxed atomic add to
 * the updating CPU's own slot (mod_vm_stat, count_vm_event in vmstat.h),
 * and a reader sums the slots, wanting only a recent value, never a
 * consistent snapshot across counters. Per CPU because a fault bumps
 * several counters: one shared array would be a cache line that every
 * CPU faulting at once takes from the others (under TCG a host atomic
 * across host cores, each time). Linux keeps per-CPU deltas too, folded
 * in periodically; summing at read time is exact and cheap enough for
 * /proc and tests, the only readers.
 *
 * A state counter's sum may briefly read negative when a decrement on one
 * CPU lands before the matching increment on another; read_vm_stat()
 * clamps it to 0. Events only grow (wrapping after 2^64 is not a concern).
 *
 * Adding a counter: add the enum entry in vmstat.h, then its name here.
 * The designated initialisers keep the two in step, and a missing name
 * shows up as "(null)" in /proc, not as a shifted table. Use the Linux
 * name when Linux has the counter: tests and tools compare them.
 */
#include "mm/vmstat.h"

struct vm_counts vm_counts[MAX_CPUS];		/* each CPU's; atomic adds */

long read_vm_stat(enum vm_stat_item i)
{
	long v = 0;

	for (unsigned int c = 0; c < MAX_CPUS; c++)
		v += __atomic_load_n(&vm_counts[c].stat[i], __ATOMIC_RELAXED);
	return v < 0 ? 0 : v;
}

unsigned long read_vm_event(enum vm_event_item i)
{
	unsigned long v = 0;

	for (unsigned int c = 0; c < MAX_CPUS; c++)
		v += __atomic_load_n(&vm_counts[c].events[i], __ATOMIC_RELAXED);
	return v;
}

/* /proc/vmstat names of the state counters (meminfo has its own labels). */
const char *const vm_stat_names[NR_VM_STAT_ITEMS] = {
	[NR_ANON_PAGES] = "nr_anon_pages",
	[NR_FILE_MAPPED] = "nr_mapped",
	[NR_FILE_PAGES] = "nr_file_pages",
	[NR_SHMEM] = "nr_shmem",
	[NR_MLOCK] = "nr_mlock",
	[NR_PAGETABLE] = "nr_page_table_pages",
	[NR_SWAPCACHE] = "nr_swapcached",
	[NR_SECRETMEM] = "nr_secretmem",
	[NR_DIRECT_MAP_TABLES] = "nr_direct_map_split_tables",
};

/* /proc/vmstat names of the events. */
const char *const vm_event_names[NR_VM_EVENT_ITEMS] = {
	[PGFAULT] = "pgfault",
	[PGMAJFAULT] = "pgmajfault",
	[PGALLOC] = "pgalloc_user",
	[PGFREE_USER] = "pgfree_user",
	[THP_FAULT_ALLOC] = "thp_fault_alloc",
	[COW_FAULT] = "cow_fault",
	[COW_REUSE] = "cow_reuse",
	[ZERO_PAGE_MAP] = "zero_page_map",
	[FILE_FAULT] = "file_fault",
	[ANON_FAULT] = "anon_fault",
	[SIGSEGV_FAULT] = "fault_sigsegv",
	[SIGBUS_FAULT] = "fault_sigbus",
	[TLB_FLUSH] = "tlb_gather_flush",
	[FAULT_AROUND] = "fault_around",
	[PSWPIN] = "pswpin",
	[PSWPOUT] = "pswpout",
	[SWAPIN_ERROR] = "swapin_error",
	[POPULATE_UNLOCKED] = "populate_unlocked",
	[FAULT_RACED] = "fault_raced",
	[PGSCAN] = "pgscan_anon",
	[PGSTEAL] = "pgsteal_anon",
	[PGSCAN_KSWAPD] = "pgscan_kswapd",
	[PGSCAN_DIRECT] = "pgscan_direct",
	[PGSTEAL_KSWAPD] = "pgsteal_kswapd",
	[PGSTEAL_DIRECT] = "pgsteal_direct",
	[PGREFILL] = "pgrefill",
	[PGACTIVATE] = "pgactivate",
	[PGDEACTIVATE] = "pgdeactivate",
	[ALLOCSTALL] = "allocstall_normal",
	[KSWAPD_RUN] = "kswapd_run",
	[OOM_KILL] = "oom_kill",
};
