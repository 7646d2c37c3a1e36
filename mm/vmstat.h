/*
 * vmstat.h - global memory counters: page states (what memory holds now,
 * for /proc/meminfo) and events (what happened, for /proc/vmstat).
 *
 * Both are counted per CPU and summed when read (mm/vmstat.c says why);
 * the names the /proc files print are in vm_stat_names[] /
 * vm_event_names[]. The Linux names are used where Linux has the counter.
 */
#ifndef MM_VMSTAT_H
#define MM_VMSTAT_H

#include "kernel/types.h"
#include <arch/percpu.h>

/* Pages currently in a state (meminfo). */
enum vm_stat_item {
	NR_ANON_PAGES,		/* anonymous pages mapped by at least one process */
	NR_FILE_MAPPED,		/* file (incl. shmem) pages mapped by a process */
	NR_FILE_PAGES,		/* page-cache pages (tmpfs/shmem data) */
	NR_SHMEM,		/* of which shmem/tmpfs/memfd */
	NR_MLOCK,		/* pages in VM_LOCKED mappings */
	NR_PAGETABLE,		/* user page-table pages */
	NR_SWAPCACHE,		/* pages in the swap cache */
	NR_SECRETMEM,		/* memfd_secret pages, out of the direct map */
	NR_DIRECT_MAP_TABLES,	/* page-table pages made by direct-map splits (never freed) */
	NR_VM_STAT_ITEMS
};

/* Events (vmstat). */
enum vm_event_item {
	PGFAULT,		/* every page fault taken by mm */
	PGMAJFAULT,		/* faults that had to do I/O (none without swap yet) */
	PGALLOC,		/* pages allocated for user memory */
	PGFREE_USER,		/* user pages freed */
	THP_FAULT_ALLOC,	/* (never: no huge pages for users yet) */
	COW_FAULT,		/* write faults that copied a shared page */
	COW_REUSE,		/* write faults that reused an exclusive page in place */
	ZERO_PAGE_MAP,		/* read faults answered with the shared zero page */
	FILE_FAULT,		/* faults that mapped a page-cache page */
	ANON_FAULT,		/* faults that allocated a fresh anonymous page */
	SIGSEGV_FAULT,		/* faults that ended in SIGSEGV */
	SIGBUS_FAULT,		/* faults that ended in SIGBUS */
	TLB_FLUSH,		/* TLB range flushes issued by unmapping (mmu_gather) */
	FAULT_AROUND,		/* extra cache pages mapped by read-fault fault-around */
	PSWPIN,			/* pages read from swap */
	PSWPOUT,		/* pages written to swap */
	SWAPIN_ERROR,		/* swap-ins that failed and left a poisoned marker */
	POPULATE_UNLOCKED,	/* populate faults that dropped the mmap lock (Pagoda's) */
	FAULT_RACED,		/* faults that, after sleeping, found the PTE resolved
				 * by another task of the mm and backed out (Pagoda's) */
	PGSCAN,			/* inactive anon/shmem pages looked at by reclaim */
	PGSTEAL,		/* of which reclaimed (written to swap or dropped) */
	PGSCAN_KSWAPD,		/* PGSCAN by kswapd ... */
	PGSCAN_DIRECT,		/* ... and by direct reclaim */
	PGSTEAL_KSWAPD,
	PGSTEAL_DIRECT,
	PGREFILL,		/* active pages aged (looked at) */
	PGACTIVATE,		/* inactive -> active (referenced again) */
	PGDEACTIVATE,		/* active -> inactive (aged, or MADV_COLD) */
	ALLOCSTALL,		/* allocations that reclaimed directly */
	KSWAPD_RUN,		/* reclaim rounds done by kswapd */
	OOM_KILL,		/* processes killed by the OOM killer (mm/oom_kill.c) */
	NR_VM_EVENT_ITEMS
};

/* One CPU's counts, on cache lines of its own. */
struct vm_counts {
	long stat[NR_VM_STAT_ITEMS];		/* this CPU's share; may be negative */
	unsigned long events[NR_VM_EVENT_ITEMS];
} __attribute__((aligned(64)));

extern struct vm_counts vm_counts[MAX_CPUS];
extern const char *const vm_stat_names[NR_VM_STAT_ITEMS];
extern const char *const vm_event_names[NR_VM_EVENT_ITEMS];

/*
 * A relaxed atomic add to this CPU's slot: another CPU only reads it, and a
 * task that migrates between finding the slot and adding still adds
 * atomically (to the CPU it left).
 */
static inline void mod_vm_stat(enum vm_stat_item i, long delta)
{
	__atomic_add_fetch(&vm_counts[this_cpu()->index].stat[i], delta, __ATOMIC_RELAXED);
}

static inline void count_vm_event(enum vm_event_item i)
{
	__atomic_add_fetch(&vm_counts[this_cpu()->index].events[i], 1, __ATOMIC_RELAXED);
}

/* The sum over CPUs (0 if a decrement elsewhere ran ahead of its increment). */
long read_vm_stat(enum vm_stat_item i);
/* Events since boot, summed over CPUs. */
unsigned long read_vm_event(enum vm_event_item i);

#endif
