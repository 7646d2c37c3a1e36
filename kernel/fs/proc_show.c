/*
 * proc_show.c - the text of each /proc file, in Linux's formats, so that
 * ps, top and free written for Linux can parse it.
 *
 * What Pagoda does not track is printed as 0 (fault counters, code
 * addresses, LRU lists, slab sizes...). A task's memory sizes come from a
 * snapshot of its mm taken just before (struct proc_mm_stats, proc_vm.c),
 * because these functions run under tasklist_lock and cannot take the
 * mmap lock. Times: USER_HZ is 100 ticks per second, the kernel's HZ as
 * well. Tree, buffers and locking: procfs.c; memory views: proc_vm.c.
 */
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/net/net.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "mm/fail_alloc.h"
#include "mm/oom.h"
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/pgtable.h>
#include <arch/smp.h>
#include "mm/overcommit.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/swap.h"
#include "mm/vmscan.h"
#include "mm/vmstat.h"

#define USER_HZ		100
#define NSEC_PER_TICK	(NSEC_PER_SEC / USER_HZ)
#define KB_PER_PAGE	(PAGE_SIZE / 1024)

/* ---- global files ---- */

/* "MemTotal:       16305840 kB": the name padded to 16, the value to 8. */
static void meminfo_kb(struct proc_buf *b, const char *name, unsigned long kb)
{
	char label[24];

	snprintf(label, sizeof(label), "%s:", name);
	proc_printf(b, "%-16s%8lu kB\n", label, kb);
}

static void meminfo_line(struct proc_buf *b, const char *name, unsigned long pages)
{
	meminfo_kb(b, name, pages * KB_PER_PAGE);
}

/*
 * Linux's fields in Linux's order (fs/proc/meminfo.c), leaving out the
 * ones that depend on a configuration (Zswap, CMA, Balloon, DirectMap).
 * Pagoda has no LRU lists, no swap, no writeback, no vmalloc and no huge
 * pages for users: those are 0. Nothing can be reclaimed (tmpfs pages
 * cannot be dropped), so MemAvailable is MemFree. Mlocked pages are the
 * only unevictable ones.
 */
int proc_show_meminfo(struct proc_buf *b, const struct proc_ctx *unused)
{
	unsigned long total = pmm_managed_pages(), free = pmm_free_pages();
	unsigned long mlock = read_vm_stat(NR_MLOCK);
	unsigned long swap_total, swap_free, dm[3];

	swap_totals(&swap_total, &swap_free);
	lru_add_drain_all();		/* the list counts below include the newest pages */
	meminfo_line(b, "MemTotal", total);
	meminfo_line(b, "MemFree", free);
	meminfo_line(b, "MemAvailable", free);
	meminfo_line(b, "Buffers", 0);
	meminfo_line(b, "Cached", read_vm_stat(NR_FILE_PAGES));	/* shmem included, as Linux */
	meminfo_line(b, "SwapCached", read_vm_stat(NR_SWAPCACHE));
	meminfo_line(b, "Active", lru_pages(LRU_ACTIVE_ANON) + lru_pages(LRU_ACTIVE_FILE));
	meminfo_line(b, "Inactive", lru_pages(LRU_INACTIVE_ANON) + lru_pages(LRU_INACTIVE_FILE));
	meminfo_line(b, "Active(anon)", lru_pages(LRU_ACTIVE_ANON));
	meminfo_line(b, "Inactive(anon)", lru_pages(LRU_INACTIVE_ANON));
	meminfo_line(b, "Active(file)", lru_pages(LRU_ACTIVE_FILE));
	meminfo_line(b, "Inactive(file)", lru_pages(LRU_INACTIVE_FILE));
	meminfo_line(b, "Unevictable", mlock);
	meminfo_line(b, "Mlocked", mlock);
	meminfo_line(b, "SwapTotal", swap_total);
	meminfo_line(b, "SwapFree", swap_free);
	meminfo_line(b, "Dirty", 0);
	meminfo_line(b, "Writeback", 0);
	meminfo_line(b, "AnonPages", read_vm_stat(NR_ANON_PAGES));
	meminfo_line(b, "Mapped", read_vm_stat(NR_FILE_MAPPED));
	meminfo_line(b, "Shmem", read_vm_stat(NR_SHMEM));
	meminfo_line(b, "KReclaimable", 0);
	meminfo_line(b, "Slab", 0);
	meminfo_line(b, "SReclaimable", 0);
	meminfo_line(b, "SUnreclaim", 0);
	meminfo_line(b, "KernelStack", 0);
	meminfo_line(b, "PageTables", read_vm_stat(NR_PAGETABLE));
	meminfo_line(b, "SecPageTables", 0);
	meminfo_line(b, "NFS_Unstable", 0);
	meminfo_line(b, "Bounce", 0);
	meminfo_line(b, "WritebackTmp", 0);
	meminfo_line(b, "CommitLimit", vm_commit_limit());
	meminfo_line(b, "Committed_AS", vm_committed_pages());
	meminfo_line(b, "VmallocTotal", 0);
	meminfo_line(b, "VmallocUsed", 0);
	meminfo_line(b, "VmallocChunk", 0);
	meminfo_line(b, "Percpu", 0);
	meminfo_line(b, "AnonHugePages", 0);
	meminfo_line(b, "ShmemHugePages", 0);
	meminfo_line(b, "ShmemPmdMapped", 0);
	meminfo_line(b, "FileHugePages", 0);
	meminfo_line(b, "FilePmdMapped", 0);
	proc_printf(b, "HugePages_Total:%8lu\nHugePages_Free: %8lu\n"
		    "HugePages_Rsvd: %8lu\nHugePages_Surp: %8lu\n", 0ul, 0ul, 0ul, 0ul);
	meminfo_kb(b, "Hugepagesize", PMD_SIZE / 1024);
	meminfo_kb(b, "Hugetlb", 0);
	arch_direct_map_sizes(&dm[0], &dm[1], &dm[2]);
	meminfo_kb(b, "DirectMap4k", dm[0]);
	meminfo_kb(b, "DirectMap2M", dm[1]);
	meminfo_kb(b, "DirectMap1G", dm[2]);
	return 0;
}

/* "seconds.centiseconds idle": idle time is not measured (0.00). */
int proc_show_uptime(struct proc_buf *b, const struct proc_ctx *unused)
{
	uint64_t ns = clock_ns();

	proc_printf(b, "%lu.%02lu 0.00\n", (unsigned long)(ns / NSEC_PER_SEC),
		    (unsigned long)(ns % NSEC_PER_SEC / (NSEC_PER_SEC / 100)));
	return 0;
}

#define PROC_MOUNTS_MAX	(16 * 1024)

int proc_show_mounts(struct proc_buf *b, const struct proc_ctx *unused)
{
	char *text = kmalloc(PROC_MOUNTS_MAX, 0);

	if (!text)
		return -ENOMEM;
	proc_write(b, text, mounts_print(text, PROC_MOUNTS_MAX));
	kfree(text);
	return 0;
}

/* /proc/swaps, Linux's layout (mm/swapfile.c). */
int proc_show_swaps(struct proc_buf *b, const struct proc_ctx *unused)
{
	char text[256];

	swap_show(text, sizeof(text));
	proc_printf(b, "%s", text);
	return 0;
}

int proc_show_version(struct proc_buf *b, const struct proc_ctx *unused)
{
	proc_printf(b, "Pagoda version %s (x86_64) - a teaching kernel\n", PAGODA_VERSION);
	return 0;
}

/*
 * /proc/cpuinfo: one block per online CPU, in Linux's format
 * (arch/x86/kernel/cpu/proc.c) but only the fields Pagoda knows; a blank
 * line ends each block.
 */
int proc_show_cpuinfo(struct proc_buf *b, const struct proc_ctx *unused)
{
	for (unsigned int i = 0; i < MAX_CPUS; i++) {
		if (!cpu_online(i))
			continue;
		proc_printf(b, "processor\t: %u\n", i);
		proc_printf(b, "vendor_id\t: %s\n", cpu_features.vendor);
		proc_printf(b, "model name\t: %s\n", cpu_features.brand);
		proc_printf(b, "apicid\t\t: %u\n", cpus[i].apic_id);
		proc_printf(b, "initial apicid\t: %u\n", cpus[i].apic_id);
		proc_printf(b, "\n");
	}
	return 0;
}

/*
 * /proc/stat in Linux's layout: the "cpu" line sums the "cpuN" lines, in
 * USER_HZ (100) ticks: user nice system idle iowait irq softirq steal
 * guest guest_nice (Pagoda has no nice, iowait or irq split: zeros).
 */
int proc_show_stat_global(struct proc_buf *b, const struct proc_ctx *unused)
{
	struct sched_cpu_stat sum = { 0 }, st;
	uint64_t switches, started;
	unsigned int running;

	for (unsigned int i = 0; i < MAX_CPUS; i++) {
		if (!cpu_online(i))
			continue;
		sched_cpu_stat(i, &st);
		sum.user += st.user;
		sum.system += st.system;
		sum.idle += st.idle;
	}
	proc_printf(b, "cpu  %lu 0 %lu %lu 0 0 0 0 0 0\n", (unsigned long)sum.user,
		    (unsigned long)sum.system, (unsigned long)sum.idle);
	for (unsigned int i = 0; i < MAX_CPUS; i++) {
		if (!cpu_online(i))
			continue;
		sched_cpu_stat(i, &st);
		proc_printf(b, "cpu%u %lu 0 %lu %lu 0 0 0 0 0 0\n", i, (unsigned long)st.user,
			    (unsigned long)st.system, (unsigned long)st.idle);
	}
	sched_global_stat(&switches, &started, &running);
	proc_printf(b, "intr 0\nctxt %lu\nbtime %lu\nprocesses %lu\nprocs_running %u\n"
		    "procs_blocked 0\n", (unsigned long)switches,
		    (unsigned long)((clock_realtime_ns() - clock_ns()) / 1000000000ul),
		    (unsigned long)started, running);
	return 0;
}

/* ---- per-task files ---- */

static char task_state_char(const struct task *t)
{
	switch (t->state) {
	case TASK_RUNNING:		return 'R';
	case TASK_INTERRUPTIBLE:	return 'S';
	case TASK_UNINTERRUPTIBLE:	return 'D';
	case TASK_ZOMBIE:		return 'Z';
	case TASK_STOPPED:		return 'T';
	case TASK_TRACED:		return 't';
	}
	return 'X';
}

static const char *task_state_name(const struct task *t)
{
	switch (t->state) {
	case TASK_RUNNING:		return "running";
	case TASK_INTERRUPTIBLE:	return "sleeping";
	case TASK_UNINTERRUPTIBLE:	return "disk sleep";
	case TASK_ZOMBIE:		return "zombie";
	case TASK_STOPPED:		return "stopped";
	case TASK_TRACED:		return "tracing stop";
	}
	return "dead";
}

/* Signals set to SIG_IGN and signals with a handler, as bit (sig-1) masks. */
static void task_sig_masks(const struct task *t, unsigned long *ign, unsigned long *catch)
{
	*ign = *catch = 0;
	for (int i = 0; i < NR_SIGNALS && i < 64; i++) {
		__sighandler_t h = t->sighand->action[i].sa.sa_handler;

		if (h == SIG_IGN)
			*ign |= 1ul << i;
		else if (h != SIG_DFL)
			*catch |= 1ul << i;
	}
}

static pid_t task_ppid(const struct task *t)
{
	const struct task *p = t->group_leader->parent;

	return p ? p->tgid : 0;
}

static pid_t task_tracer_pid(const struct task *t)
{
	const struct task *tr = READ_ONCE(t->tracer);

	return tr ? tr->pid : 0;
}

/*
 * The 52 fields of proc(5) /proc/pid/stat, one line. Fields 1-13 say who
 * the task is, 14-24 times and sizes, 25-37 limits, addresses and signal
 * masks, 38-52 the rest.
 */
int proc_show_stat(struct proc_buf *b, const struct proc_ctx *c)
{
	static const struct proc_mm_stats no_mm;
	const struct proc_mm_stats *vm = c->vm ? c->vm : &no_mm;
	struct task *t = c->task;
	unsigned long ign, catch;

	task_sig_masks(t, &ign, &catch);
	/* 1 pid, 2 comm, 3 state, 4 ppid, 5 pgrp, 6 session, 7 tty_nr,
	 * 8 tpgid, 9 flags, 10 minflt, 11 cminflt, 12 majflt, 13 cmajflt */
	proc_printf(b, "%d (%.*s) %c %d %d %d 0 -1 0 0 0 0 0 ",
		    t->pid, TASK_COMM_LEN, t->comm, task_state_char(t), task_ppid(t),
		    t->group_leader->pgid, t->group_leader->sid);
	/* CPU time is not split into user and system: all of it is utime.
	 * 14 utime, 15 stime, 16 cutime, 17 cstime, 18 priority, 19 nice,
	 * 20 num_threads, 21 itrealvalue, 22 starttime, 23 vsize, 24 rss */
	proc_printf(b, "%lu %lu 0 0 20 0 %u 0 %lu %lu %lu ",
		    (unsigned long)(t->exec_ns / NSEC_PER_TICK), 0ul,
		    READ_ONCE(t->signal->nr_threads),
		    (unsigned long)(t->start_ns / NSEC_PER_TICK), vm->total_vm * PAGE_SIZE,
		    vm->rss_anon + vm->rss_file + vm->rss_shmem);
	/* 25 rsslim, 26 startcode, 27 endcode, 28 startstack, 29 kstkesp,
	 * 30 kstkeip, 31 signal, 32 blocked, 33 sigignore, 34 sigcatch,
	 * 35 wchan, 36 nswap, 37 cnswap */
	proc_printf(b, "%lu 0 0 %lu 0 0 %lu %lu %lu %lu 0 0 0 ",
		    ~0ul, vm->start_stack,
		    (unsigned long)(t->pending | READ_ONCE(t->signal->shared_pending)),
		    (unsigned long)t->blocked, ign, catch);
	/* 38 exit_signal, 39 processor, 40 rt_priority, 41 policy,
	 * 42 delayacct_blkio_ticks, 43 guest_time, 44 cguest_time,
	 * 45 start_data, 46 end_data, 47 start_brk, 48 arg_start, 49 arg_end,
	 * 50 env_start, 51 env_end, 52 exit_code */
	proc_printf(b, "%d 0 0 0 0 0 0 0 0 %lu %lu %lu %lu %lu %d\n",
		    SIGCHLD, vm->start_brk, vm->arg_start, vm->arg_end, vm->env_start,
		    vm->env_end, t->state == TASK_ZOMBIE ? t->exit_status : 0);
	return 0;
}

/*
 * The memory lines of status, Linux's task_mem(): "VmRSS:\t    1234 kB".
 * Peaks are not tracked: VmPeak is VmSize and VmHWM is VmRSS. A static
 * binary has no libraries: all executable mappings are VmExe.
 */
static void status_vm(struct proc_buf *b, const struct proc_mm_stats *vm)
{
	unsigned long rss = vm->rss_anon + vm->rss_file + vm->rss_shmem;
	const struct { const char *name; unsigned long pages; } f[] = {
		{ "VmPeak", vm->total_vm }, { "VmSize", vm->total_vm },
		{ "VmLck", vm->locked_vm }, { "VmPin", 0 },
		{ "VmHWM", rss }, { "VmRSS", rss },
		{ "RssAnon", vm->rss_anon }, { "RssFile", vm->rss_file },
		{ "RssShmem", vm->rss_shmem }, { "VmData", vm->data_vm },
		{ "VmStk", vm->stack_vm }, { "VmExe", vm->exec_vm },
		{ "VmLib", 0 }, { "VmPTE", vm->pgtables }, { "VmSwap", vm->swap_ents },
		{ "HugetlbPages", 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		proc_printf(b, "%s:\t%8lu kB\n", f[i].name, f[i].pages * KB_PER_PAGE);
}

/* Uid:/Gid: real, effective, saved, fs; then FDSize and the groups. */
static void status_ids(struct proc_buf *b, const struct cred *c)
{
	proc_printf(b, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%d\nGroups:\t",
		    c->uid, c->euid, c->suid, c->fsuid, c->gid, c->egid, c->sgid, c->fsgid,
		    NR_OPEN_MAX);
	for (unsigned int i = 0; i < c->ngroups; i++)
		proc_printf(b, i ? " %u" : "%u", c->groups[i]);
	proc_printf(b, " \n");		/* Linux's trailing space */
}

/* /proc/PID/oom_score: how likely the OOM killer picks it (mm/oom_kill.c). */
int proc_show_oom_score(struct proc_buf *b, const struct proc_ctx *c)
{
	proc_printf(b, "%lu\n", oom_score_locked(c->task));
	return 0;
}

int proc_show_oom_score_adj(struct proc_buf *b, const struct proc_ctx *c)
{
	proc_printf(b, "%d\n", c->task->oom_score_adj);
	return 0;
}

/*
 * Linux's __set_oom_adj: -1000..1000; going below the floor set by the
 * last privileged writer (oom_score_adj_min, 0 at first) needs
 * CAP_SYS_RESOURCE, and a privileged write moves that floor.
 */
int proc_store_oom_score_adj(struct task *t, long value)
{
	if (value < OOM_SCORE_ADJ_MIN || value > OOM_SCORE_ADJ_MAX)
		return -EINVAL;
	if (value < t->oom_score_adj_min && !capable(CAP_SYS_RESOURCE_BIT))
		return -EACCES;
	t->oom_score_adj = (short)value;
	if (capable(CAP_SYS_RESOURCE_BIT))
		t->oom_score_adj_min = (short)value;
	return 0;
}

/* /proc/PID/make-it-fail: the task filter of allocation-failure injection. */
int proc_show_make_it_fail(struct proc_buf *b, const struct proc_ctx *c)
{
	proc_printf(b, "%d\n", c->task->make_it_fail);
	return 0;
}

int proc_store_make_it_fail(struct task *t, long value)
{
	if (value < 0 || value > 1)
		return -EINVAL;
	t->make_it_fail = value;
	return 0;
}

int proc_show_fail_alloc(struct proc_buf *b, const struct proc_ctx *c)
{
	return fail_alloc_show(b);
}

int proc_show_lwip(struct proc_buf *b, const struct proc_ctx *c)
{
	return net_lwip_mem_show(b);
}

/* Linux's order (fs/proc/array.c); the Vm lines only for a task with an mm. */
int proc_show_status(struct proc_buf *b, const struct proc_ctx *c)
{
	struct task *t = c->task;
	unsigned long ign, catch;

	task_sig_masks(t, &ign, &catch);
	proc_printf(b, "Name:\t%.*s\nUmask:\t%04o\nState:\t%c (%s)\n",
		    TASK_COMM_LEN, t->comm, t->umask, task_state_char(t), task_state_name(t));
	proc_printf(b, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t%d\n",
		    t->tgid, t->pid, task_ppid(t), task_tracer_pid(t));
	status_ids(b, &t->cred);
	proc_printf(b, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\nKthread:\t%d\n",
		    t->tgid, t->pid, t->group_leader->pgid, t->group_leader->sid, t->kthread);
	if (c->vm)
		status_vm(b, c->vm);
	proc_printf(b, "Threads:\t%u\n", READ_ONCE(t->signal->nr_threads));
	proc_printf(b, "SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\n"
		    "SigIgn:\t%016lx\nSigCgt:\t%016lx\n",
		    (unsigned long)t->pending, (unsigned long)READ_ONCE(t->signal->shared_pending),
		    (unsigned long)t->blocked, ign, catch);
	proc_printf(b, "CapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\n"
		    "CapBnd:\t%016lx\nCapAmb:\t%016lx\nNoNewPrivs:\t%d\n",
		    (unsigned long)t->cred.cap_inheritable, (unsigned long)t->cred.cap_permitted,
		    (unsigned long)t->cred.cap_effective, (unsigned long)t->cred.cap_bset, 0ul,
		    t->cred.no_new_privs);
	return 0;
}
