/*
 * vmstat.c - the global memory counters of mm/vmstat.h and their names as
 * /proc/meminfo and /proc/vmstat print them.
 */
#include "mm/vmstat.h"

long vm_stat[NR_VM_STAT_ITEMS];
unsigned long vm_events[NR_VM_EVENT_ITEMS];

const char *const vm_stat_names[NR_VM_STAT_ITEMS] = {
	[NR_ANON_PAGES] = "nr_anon_pages",
	[NR_FILE_MAPPED] = "nr_mapped",
	[NR_FILE_PAGES] = "nr_file_pages",
	[NR_SHMEM] = "nr_shmem",
	[NR_MLOCK] = "nr_mlock",
	[NR_PAGETABLE] = "nr_page_table_pages",
	[NR_SWAPCACHE] = "nr_swapcached",
};

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
};
