/*
 * proc_show.c - the text of each /proc file, in Linux's formats, so that
 * ps, top and free written for Linux can parse it.
 *
 * What Pagoda does not track is printed as 0 (fault counters, code and
 * stack addresses...). Memory sizes of a task come from
 * proc_task_vm_kb(), which mm provides (fs.h); until it does they are 0.
 * Times: USER_HZ is 100 ticks per second, the kernel's HZ as well.
 * Tree and file registration: procfs.c.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "mm/page_alloc.h"

#define USER_HZ		100
#define NSEC_PER_TICK	(NSEC_PER_SEC / USER_HZ)
#define KB_PER_PAGE	(PAGE_SIZE / 1024)

void proc_printf(struct proc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len + 1 >= b->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len = MIN(b->len + (size_t)n, b->cap - 1);
}

/* ---- global files ---- */

/* "MemTotal:       16305840 kB": the name padded to 16, the value to 8. */
static void meminfo_line(struct proc_buf *b, const char *name, unsigned long pages)
{
	char label[24];

	snprintf(label, sizeof(label), "%s:", name);
	proc_printf(b, "%-16s%8lu kB\n", label, pages * KB_PER_PAGE);
}

int proc_show_meminfo(struct proc_buf *b, struct task *unused)
{
	unsigned long total = pmm_managed_pages(), free = pmm_free_pages();
	unsigned long shmem = __atomic_load_n(&tmpfs_total_pages, __ATOMIC_RELAXED);

	meminfo_line(b, "MemTotal", total);
	meminfo_line(b, "MemFree", free);
	meminfo_line(b, "MemAvailable", free);	/* tmpfs pages cannot be dropped */
	meminfo_line(b, "Buffers", 0);
	meminfo_line(b, "Cached", shmem);	/* Linux counts shmem in Cached */
	meminfo_line(b, "SwapCached", 0);
	meminfo_line(b, "SwapTotal", 0);
	meminfo_line(b, "SwapFree", 0);
	meminfo_line(b, "Shmem", shmem);
	return 0;
}

/* "seconds.centiseconds idle": idle time is not measured (0.00). */
int proc_show_uptime(struct proc_buf *b, struct task *unused)
{
	uint64_t ns = clock_ns();

	proc_printf(b, "%lu.%02lu 0.00\n", (unsigned long)(ns / NSEC_PER_SEC),
		    (unsigned long)(ns % NSEC_PER_SEC / (NSEC_PER_SEC / 100)));
	return 0;
}

int proc_show_mounts(struct proc_buf *b, struct task *unused)
{
	b->len += mounts_print(b->data + b->len, b->cap - b->len);
	return 0;
}

int proc_show_version(struct proc_buf *b, struct task *unused)
{
	proc_printf(b, "Pagoda version %s (x86_64) - a teaching kernel\n", PAGODA_VERSION);
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
	}
	return "dead";
}

/* Signals set to SIG_IGN and signals with a handler, as bit (sig-1) masks. */
static void task_sig_masks(const struct task *t, unsigned long *ign, unsigned long *catch)
{
	*ign = *catch = 0;
	for (int i = 0; i < NR_SIGNALS && i < 64; i++) {
		__sighandler_t h = t->sigaction[i].sa.sa_handler;

		if (h == SIG_IGN)
			*ign |= 1ul << i;
		else if (h != SIG_DFL)
			*catch |= 1ul << i;
	}
}

static void task_vm(struct task *t, unsigned long *vsz_kb, unsigned long *rss_kb)
{
	*vsz_kb = *rss_kb = 0;
	if (t->mm)
		proc_task_vm_kb(t, vsz_kb, rss_kb);
}

static pid_t task_ppid(const struct task *t)
{
	return t->parent ? t->parent->pid : 0;
}

/*
 * The 52 fields of proc(5) /proc/pid/stat, one line. Fields 1-13 say who
 * the task is, 14-24 times and sizes, 25-37 limits, addresses and signal
 * masks, 38-52 the rest.
 */
int proc_show_stat(struct proc_buf *b, struct task *t)
{
	unsigned long vsz, rss, ign, catch;

	task_vm(t, &vsz, &rss);
	task_sig_masks(t, &ign, &catch);
	/* 1 pid, 2 comm, 3 state, 4 ppid, 5 pgrp, 6 session, 7 tty_nr,
	 * 8 tpgid, 9 flags, 10 minflt, 11 cminflt, 12 majflt, 13 cmajflt */
	proc_printf(b, "%d (%.*s) %c %d %d %d 0 -1 0 0 0 0 0 ",
		    t->pid, TASK_COMM_LEN, t->comm, task_state_char(t), task_ppid(t),
		    t->pgid, t->sid);
	/* CPU time is not split into user and system: all of it is utime.
	 * 14 utime, 15 stime, 16 cutime, 17 cstime, 18 priority, 19 nice,
	 * 20 num_threads, 21 itrealvalue, 22 starttime, 23 vsize, 24 rss */
	proc_printf(b, "%lu %lu 0 0 20 0 1 0 %lu %lu %lu ",
		    (unsigned long)(t->exec_ns / NSEC_PER_TICK), 0ul,
		    (unsigned long)(t->start_ns / NSEC_PER_TICK), vsz * 1024,
		    rss / KB_PER_PAGE);
	/* 25 rsslim, 26 startcode, 27 endcode, 28 startstack, 29 kstkesp,
	 * 30 kstkeip, 31 signal, 32 blocked, 33 sigignore, 34 sigcatch,
	 * 35 wchan, 36 nswap, 37 cnswap */
	proc_printf(b, "%lu 0 0 0 0 0 %lu %lu %lu %lu 0 0 0 ",
		    ~0ul, (unsigned long)t->pending, (unsigned long)t->blocked, ign, catch);
	/* 38 exit_signal, 39 processor, 40 rt_priority, 41 policy,
	 * 42 delayacct_blkio_ticks, 43 guest_time, 44 cguest_time,
	 * 45 start_data, 46 end_data, 47 start_brk, 48 arg_start, 49 arg_end,
	 * 50 env_start, 51 env_end, 52 exit_code */
	proc_printf(b, "%d 0 0 0 0 0 0 0 0 0 0 0 0 0 %d\n",
		    SIGCHLD, t->state == TASK_ZOMBIE ? t->exit_status : 0);
	return 0;
}

/*
 * The arguments, each NUL-terminated. TODO(lead): task_get_cmdline() is
 * called with tasklist_lock held, so it must not sleep.
 */
int proc_show_cmdline(struct proc_buf *b, struct task *t)
{
	b->len = task_get_cmdline(t, b->data, b->cap);
	if (b->len > b->cap)
		b->len = b->cap;
	return 0;
}

int proc_show_status(struct proc_buf *b, struct task *t)
{
	unsigned long vsz, rss, ign, catch;

	task_vm(t, &vsz, &rss);
	task_sig_masks(t, &ign, &catch);
	proc_printf(b, "Name:\t%.*s\nUmask:\t%04o\nState:\t%c (%s)\n",
		    TASK_COMM_LEN, t->comm, t->umask, task_state_char(t), task_state_name(t));
	proc_printf(b, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		    t->pid, t->pid, task_ppid(t));
	proc_printf(b, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t%d\n", NR_OPEN_MAX);
	proc_printf(b, "VmSize:\t%8lu kB\nVmRSS:\t%8lu kB\nThreads:\t1\n", vsz, rss);
	proc_printf(b, "SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\n"
		    "SigIgn:\t%016lx\nSigCgt:\t%016lx\n",
		    (unsigned long)t->pending, 0ul, (unsigned long)t->blocked, ign, catch);
	return 0;
}
