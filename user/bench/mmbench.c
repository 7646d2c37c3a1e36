/*
 * mmbench.c - time the memory-management paths of the kernel it runs on,
 * so that Pagoda and Linux can be compared in the same QEMU machine.
 *
 *	mmbench [--quick] [--smp] [--profile] [--size MiB] [--reps N]
 *
 * Defaults: 64 MiB regions, 5 samples per metric.  --quick is 8 MiB, 3
 * samples and few iterations per sample: a few seconds on Pagoda under
 * TCG, and small enough that tools/bench can bisect the least guest memory
 * that still completes it.  --size and --reps override --quick.  --smp
 * runs only the threaded group below (tools/bench's -smp 4 boots); without
 * it, that group runs last when more than one CPU is online.  --profile
 * prints, after each metric, the busiest functions of a kernel booted with
 * profile=N (Pagoda's /proc/profile, reset before each metric), as lines
 * "PROFILE <metric> <ticks> <percent> <function>".
 *
 * Each metric is sampled several times within the run and reported as the
 * median sample, with the min, the max and the number of samples.  A
 * sample is a CLOCK_MONOTONIC interval divided by the pages, calls or
 * iterations it covers.  Cheap per-call metrics (fork of a small process,
 * mremap move) run several iterations per sample.  The metrics, in output
 * order:
 *
 *   calib_rep_stosq           clear a mapped page with "rep stosq" in user
 *                             mode: the floor under any page zeroing
 *   anon_write_fault          write one byte per page of a fresh private
 *                             anonymous region: allocate, zero, map
 *   anon_read_fault           read one byte per page: map the zero page
 *   munmap_populated          munmap of the region just written
 *   madv_populate_write/read  madvise(MADV_POPULATE_*) of a fresh region
 *   mremap_move               MREMAP_MAYMOVE|MREMAP_FIXED of a populated
 *                             region onto a PROT_NONE reservation and back
 *   mremap_relocate           the same with Pagoda's MREMAP_RELOCATE_ANON
 *                             (8): every page re-filed at its new index
 *                             (EINVAL on Linux, which lacks it)
 *   mremap_grow               grow a mapping 4 KiB at a time from one page
 *                             to SIZE with MREMAP_MAYMOVE, writing each new
 *                             page; the time per call includes that write
 *   fork_exit_wait_0          fork, child _exit(0), parent wait4
 *   fork_exit_wait_64m        the same with SIZE MiB written in the parent
 *   cow_break_child           the child of that fork writes every page;
 *                             the child times itself, reports over a pipe
 *   memfd_shared_read_fault   read one byte per page of a MAP_SHARED memfd
 *                             whose page cache is already filled by write(2)
 *   memfd_secret_fault        write one byte per page of a fresh
 *                             memfd_secret (syscall 447) mapping
 *
 * The threaded group (--smp, or a run on several CPUs), in one boot so
 * that each kernel's scaling from 1 to 4 threads is measured under the
 * same conditions:
 *
 *   anon_write_fault_1t       anon_write_fault and munmap_populated again,
 *   munmap_1t                 pinned to CPU 0 before any thread exists
 *   anon_write_fault_4t       4 threads (pinned to CPUs 0-3 when there are
 *                             4) each write-fault a quarter of one region
 *                             of SIZE MiB: the same total pages as the 1t
 *                             metric, so 1t/4t is the speed-up (ideal 4);
 *                             ns per page of the wall time from the start
 *                             until the last thread is done
 *   munmap_4t                 munmap_1t while 3 other threads of the mm
 *                             spin in user mode on CPUs 1-3: the unmap
 *                             must shoot down their TLBs (cost, ideal 1x
 *                             munmap_1t)
 *
 * Every mapping gets MADV_NOHUGEPAGE, so that each 4 KiB page takes its own
 * fault on Linux whatever its THP setting.  At most about 3 x SIZE MiB is
 * in use at any time (cow_break_child holds two copies of the region).
 *
 * Output is one machine-readable line per metric, parsed by tools/bench:
 *
 *   BENCH <metric> <median> <unit> min <min> max <max> n <samples>
 *   BENCH <metric> unsupported <ERRNO_NAME> <short reason>
 *
 * preceded by "BENCH boottime <s> s", "BENCH kernel <uname>" and "BENCH
 * config <key> <value> ..." and followed by "BENCH DONE".  A metric whose
 * system call fails reports the errno honestly and the run continues.
 * Wrong results (data that reads back wrong, a child that dies) are
 * reported as EIO, with details on stderr.  A metric that takes a fatal
 * signal (SIGSEGV, SIGBUS: a kernel bug) or outlives its watchdog alarm is
 * abandoned by siglongjmp: its resources are released from the small
 * registry below, the remaining metrics of its group are reported as
 * EFAULT or ETIMEDOUT, and the run goes on, so mmbench never hangs.
 *
 * Booted as PID 1 (init=/bench/mmbench on Pagoda, tools/linux-qemu-run on
 * Linux) it mounts /proc and /tmp, makes sure the console is open, and
 * powers the machine off at the end: Linux panics if init exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Linux 5.14 ABI that musl 1.2.3's headers predate. */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif
#ifndef SYS_memfd_secret
#define SYS_memfd_secret	447
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC		1U
#endif

enum {
	PAGE = 4096,
	PMD_SIZE = 2 << 20,
	MAX_REPS = 1000,
	STOSQ_PAGES = 256,	/* one calibration sample clears 1 MiB */
	STOSQ_SAMPLES = 11,
	WRITE_CHUNK = 64 << 10,	/* write(2) size that fills the memfd */
	CREW = 4,		/* threads of the threaded group */
};

/* What one run does: set from the command line in parse_args(). */
static struct config {
	long size_mib;
	long reps;		/* samples per metric */
	long fork_iters;	/* fork_exit_wait_0 iterations per sample */
	long fork_big_iters;	/* fork_exit_wait_64m iterations per sample */
	long move_iters;	/* mremap_move round trips per sample */
	unsigned watchdog_s;	/* alarm per group of metrics */
	int quick;
	int smp_only;		/* --smp: only the threaded group */
	int profile;		/* --profile: /proc/profile after each metric */
	size_t len;		/* size_mib in bytes */
	size_t pages;		/* len in pages */
} cfg;

/* ---- time and statistics ---- */

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* ---- metric groups, and the way out of one that crashes or hangs ---- */

/*
 * The metric group being run.  The group's function prints its metrics in
 * order; "done" counts those printed, so that an abandoned group can
 * report the rest as unsupported.
 */
static struct {
	const char *const *names;
	int done;
} group;

static sigjmp_buf group_jmp;
static volatile sig_atomic_t group_armed;
static volatile sig_atomic_t fatal_sig;
static void *volatile fatal_addr;

/*
 * The threaded group's helpers (see "the crew" below).  Only the main
 * thread may leave a group by siglongjmp: a helper that takes a fatal
 * signal records it in crew_fault and parks, and the main thread, which
 * polls crew_fault while it waits for the helpers, abandons the group.
 */
static pthread_t main_thread;
static atomic_int crew_fault;
static int crew_active;			/* crew_stop() has something to undo */
static void crew_stop(void);

static const char *errno_name(int e)
{
	static char buf[16];

	switch (e) {
#define E(x) case x: return #x
	E(EPERM); E(ENOENT); E(ESRCH); E(EINTR); E(EIO); E(ENXIO); E(E2BIG);
	E(EBADF); E(ECHILD); E(EAGAIN); E(ENOMEM); E(EACCES); E(EFAULT);
	E(EBUSY); E(EEXIST); E(ENODEV); E(ENOTDIR); E(EISDIR); E(EINVAL);
	E(ENFILE); E(EMFILE); E(EFBIG); E(ENOSPC); E(ESPIPE); E(EROFS);
	E(ERANGE); E(ENOSYS); E(EOVERFLOW); E(EOPNOTSUPP); E(ETIMEDOUT);
	E(EHWPOISON);
#undef E
	}
	snprintf(buf, sizeof(buf), "ERRNO%d", e);
	return buf;
}

/* Print one metric: median, min and max of @n samples (sorts @v). */
/* --profile: start /proc/profile's counts again. */
static void profile_reset(void)
{
	FILE *f;

	if (cfg.profile && (f = fopen("/proc/profile", "w"))) {
		fputs("0\n", f);
		fclose(f);
	}
}

/*
 * --profile: print the top of /proc/profile for @metric, then reset it.
 * A kernel without it (Linux, or Pagoda without profile=) prints nothing.
 */
static void profile_dump(const char *metric)
{
	char line[160];
	FILE *f;
	int n = 0;

	if (!cfg.profile || !(f = fopen("/proc/profile", "r")))
		return;
	/* The header, the 15 busiest functions, and the contended locks. */
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "contended", 9))
			n = -1000;
		if (n++ < 16)
			printf("PROFILE %s %s", metric, line);
	}
	fclose(f);
	profile_reset();
}

static void report(const char *unit, double *v, int n)
{
	const char *fmt = unit[0] == 'u' ?
		"BENCH %s %.2f %s min %.2f max %.2f n %d\n" :
		"BENCH %s %.1f %s min %.1f max %.1f n %d\n";
	double median;

	qsort(v, n, sizeof(*v), cmp_double);
	median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	printf(fmt, group.names[group.done], median, unit, v[0], v[n - 1], n);
	profile_dump(group.names[group.done]);
	fflush(stdout);
	group.done++;
}

/*
 * Report the group's next metric as unsupported because of @err; @what
 * names the call that failed.  Returns -1 for the caller to pass on.
 */
static int fail(int err, const char *what)
{
	printf("BENCH %s unsupported %s %s\n", group.names[group.done],
	       errno_name(err), what);
	fflush(stdout);
	group.done++;
	return -1;
}

/*
 * Resources a group holds, released when the group is abandoned: a few
 * mappings, file descriptors and at most one child.  The normal paths
 * release them through the same helpers.
 */
enum { MAX_MAPS = 8, MAX_FDS = 4 };
static struct { void *p; size_t len; } held_maps[MAX_MAPS];
static int held_fds[MAX_FDS] = { -1, -1, -1, -1 };
static volatile pid_t held_child;

static void hold_map(void *p, size_t len)
{
	for (int i = 0; i < MAX_MAPS; i++)
		if (!held_maps[i].p) {
			held_maps[i].p = p;
			held_maps[i].len = len;
			return;
		}
	fprintf(stderr, "mmbench: too many mappings held\n");
}

/* munmap a held mapping; returns munmap's result. */
static int unmap(void *p, size_t len)
{
	for (int i = 0; i < MAX_MAPS; i++)
		if (held_maps[i].p == p)
			held_maps[i].p = NULL;
	return munmap(p, len);
}

/*
 * mremap moved (or resized) the held mapping @from to @to, @len bytes now;
 * whatever was held at @to was replaced by it.
 */
static void moved(void *from, void *to, size_t len)
{
	for (int i = 0; i < MAX_MAPS; i++)
		if (held_maps[i].p == to && to != from)
			held_maps[i].p = NULL;
	for (int i = 0; i < MAX_MAPS; i++)
		if (held_maps[i].p == from) {
			held_maps[i].p = to;
			held_maps[i].len = len;
		}
}

static void hold_fd(int fd)
{
	for (int i = 0; i < MAX_FDS; i++)
		if (held_fds[i] < 0) {
			held_fds[i] = fd;
			return;
		}
}

static void close_fd(int fd)
{
	for (int i = 0; i < MAX_FDS; i++)
		if (held_fds[i] == fd)
			held_fds[i] = -1;
	close(fd);
}

static void release_all(void)
{
	if (crew_active)		/* before the unmaps: helpers may write */
		crew_stop();
	if (held_child > 0) {
		kill(held_child, SIGKILL);
		waitpid(held_child, NULL, 0);
		held_child = 0;
	}
	for (int i = 0; i < MAX_MAPS; i++)
		if (held_maps[i].p)
			unmap(held_maps[i].p, held_maps[i].len);
	for (int i = 0; i < MAX_FDS; i++)
		if (held_fds[i] >= 0)
			close_fd(held_fds[i]);
}

/* SIGSEGV, SIGBUS, SIGALRM while a group runs: abandon the group. */
static void on_fatal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!pthread_equal(pthread_self(), main_thread)) {
		if (!atomic_exchange(&crew_fault, 1)) {
			fatal_sig = sig;
			fatal_addr = si->si_addr;
		}
		for (;;)		/* SIGALRM is blocked here: parked for good */
			pause();
	}
	if (!group_armed) {		/* outside a group: die as usual */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	group_armed = 0;
	fatal_sig = sig;
	fatal_addr = sig == SIGALRM ? NULL : si->si_addr;
	siglongjmp(group_jmp, 1);
}

static void catch_fatal(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fatal;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: wait4 etc. return */
}

/* In a forked child: a fault must kill it, not jump into the parent's code. */
static void child_default_signals(void)
{
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
}

/*
 * Run one group of metrics, named by the NULL-terminated @names, under the
 * watchdog.  If @fn returns early or is abandoned, the metrics it did not
 * print are reported as unsupported.
 */
static void run_group(const char *const *names, int (*fn)(void))
{
	char why[64];
	int err;

	group.names = names;
	group.done = 0;
	if (sigsetjmp(group_jmp, 1) == 0) {
		group_armed = 1;
		alarm(cfg.watchdog_s);
		fn();
		alarm(0);
		group_armed = 0;
	} else {
		alarm(0);
		if (fatal_sig == SIGALRM) {
			err = ETIMEDOUT;
			snprintf(why, sizeof(why), "watchdog %u s", cfg.watchdog_s);
		} else {
			err = EFAULT;
			snprintf(why, sizeof(why), "%s at %p",
				 fatal_sig == SIGBUS ? "SIGBUS" : "SIGSEGV",
				 fatal_addr);
		}
		fprintf(stderr, "mmbench: %s abandoned: %s\n",
			names[group.done] ? names[group.done] : names[0], why);
		while (names[group.done])
			fail(err, why);
	}
	release_all();
	while (names[group.done])	/* fn gave up without saying why */
		fail(EIO, "no result");
}

/* ---- helpers ---- */

/* Opt out of THP (Linux may have it on regardless of the command line). */
static void no_thp(void *p, size_t len)
{
	madvise(p, len, MADV_NOHUGEPAGE);	/* errors ignored */
}

/* A fresh private anonymous region of @len bytes, held; NULL on failure. */
static char *map_anon(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	no_thp(p, len);
	hold_map(p, len);
	return p;
}

/*
 * A region of @len bytes starting @off bytes past a 2 MiB boundary:
 *
 *	  2 MiB boundary
 *	  |     p                                 p + len
 *	  v     v                                 v
 *	--+-----+---------------------------------+--
 *	  | off |          the region             |
 *
 * mremap_move gives its source and its destination different offsets, so
 * that Linux moves the region PTE by PTE, like Pagoda, rather than whole
 * page tables: its PMD fast path needs both ends aligned, and newer
 * kernels realign a move whose ends share an offset.  The result then
 * does not depend on where mmap happened to place them.  Held; NULL on
 * failure.
 */
static char *map_pmd_offset(size_t len, size_t off, int prot)
{
	size_t slack = PMD_SIZE + off;
	char *base = mmap(NULL, len + slack, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	if (base == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)base + PMD_SIZE - 1) & ~(uintptr_t)(PMD_SIZE - 1)) + off;
	if (p > base)
		munmap(base, p - base);
	munmap(p + len, base + len + slack - (p + len));
	no_thp(p, len);
	hold_map(p, len);
	return p;
}

/* The byte mmbench stores in page @i of a region: never zero. */
static char pattern(size_t i)
{
	return (char)((i * 7) % 255 + 1);
}

/* Write the pattern byte into every page of @p. */
static void fill(volatile char *p, size_t pages)
{
	for (size_t i = 0; i < pages; i++)
		p[i * PAGE] = pattern(i);
}

/* Index of the first page of @p whose byte is not @want's, or -1. */
static long check(volatile char *p, size_t pages, char (*want)(size_t))
{
	for (size_t i = 0; i < pages; i++)
		if (p[i * PAGE] != want(i))
			return (long)i;
	return -1;
}

static char zero(size_t i)
{
	(void)i;
	return 0;
}

static char flipped(size_t i)
{
	return (char)~pattern(i);
}

/* Report a data mismatch at page @bad of metric's region as EIO. */
static int wrong_data(const char *what, long bad, volatile char *p)
{
	fprintf(stderr, "mmbench: %s: page %ld reads %d\n", what, bad,
		p ? p[bad * PAGE] : -1);
	return fail(EIO, what);
}

/* ---- calib_rep_stosq ---- */

/* Clear one mapped 4 KiB page, as a kernel's clear_page() does without ERMS. */
static void clear_page_stosq(void *page)
{
	void *dst = page;
	unsigned long count = PAGE / 8;

	__asm__ volatile("rep stosq"
			 : "+D"(dst), "+c"(count)
			 : "a"(0UL)
			 : "memory");
}

static int bench_rep_stosq(void)
{
	size_t len = (size_t)STOSQ_PAGES * PAGE;
	double v[STOSQ_SAMPLES];
	char *buf = map_anon(len, PROT_READ | PROT_WRITE);

	if (!buf)
		return fail(errno, "mmap");
	memset(buf, 1, len);		/* fault everything in first */
	for (int s = 0; s < STOSQ_SAMPLES; s++) {
		uint64_t t0 = now_ns(CLOCK_MONOTONIC);

		for (size_t i = 0; i < STOSQ_PAGES; i++)
			clear_page_stosq(buf + i * PAGE);
		v[s] = (double)(now_ns(CLOCK_MONOTONIC) - t0) / STOSQ_PAGES;
	}
	unmap(buf, len);
	report("ns/page", v, STOSQ_SAMPLES);
	return 0;
}

/* ---- anon_write_fault, anon_read_fault, munmap_populated ---- */

/*
 * One write sample: store a byte in every page of a fresh region, then
 * unmap it.  Fills *@fault and *@unmap with ns per page; returns 0 or -errno.
 */
static int write_sample(double *fault, double *unmap_ns)
{
	char *p = map_anon(cfg.len, PROT_READ | PROT_WRITE);
	uint64_t t0, t1, t2;
	int err;

	if (!p)
		return -errno;
	t0 = now_ns(CLOCK_MONOTONIC);
	fill(p, cfg.pages);
	t1 = now_ns(CLOCK_MONOTONIC);
	err = unmap(p, cfg.len) ? -errno : 0;
	t2 = now_ns(CLOCK_MONOTONIC);
	*fault = (double)(t1 - t0) / cfg.pages;
	*unmap_ns = (double)(t2 - t1) / cfg.pages;
	return err;
}

static int bench_anon(void)
{
	double wf[MAX_REPS], un[MAX_REPS], rf[MAX_REPS], dummy;
	uint64_t t0;
	long r, bad;
	char *p;
	int err;

	/* One untimed round warms the caches and, under TCG, the translations. */
	if ((err = write_sample(&dummy, &dummy)) < 0)
		return fail(-err, "mmap/munmap");
	for (r = 0; r < cfg.reps; r++)
		if ((err = write_sample(&wf[r], &un[r])) < 0)
			return fail(-err, "mmap/munmap");
	report("ns/page", wf, cfg.reps);

	for (r = 0; r < cfg.reps; r++) {
		if (!(p = map_anon(cfg.len, PROT_READ | PROT_WRITE)))
			return fail(errno, "mmap");
		t0 = now_ns(CLOCK_MONOTONIC);
		bad = check(p, cfg.pages, zero);
		rf[r] = (double)(now_ns(CLOCK_MONOTONIC) - t0) / cfg.pages;
		if (bad >= 0)
			return wrong_data("fresh anonymous page not zero", bad, p);
		unmap(p, cfg.len);
	}
	report("ns/page", rf, cfg.reps);
	report("ns/page", un, cfg.reps);
	return 0;
}

/* ---- madv_populate_write, madv_populate_read ---- */

static int populate(int advice, const char *what)
{
	double v[MAX_REPS];
	uint64_t t0;
	char *p;
	long bad;

	for (long r = 0; r < cfg.reps; r++) {
		if (!(p = map_anon(cfg.len, PROT_READ | PROT_WRITE)))
			return fail(errno, "mmap");
		t0 = now_ns(CLOCK_MONOTONIC);
		if (madvise(p, cfg.len, advice) != 0)
			return fail(errno, what);
		v[r] = (double)(now_ns(CLOCK_MONOTONIC) - t0) / cfg.pages;
		if ((bad = check(p, cfg.pages, zero)) >= 0)
			return wrong_data("populated page not zero", bad, p);
		unmap(p, cfg.len);
	}
	report("ns/page", v, cfg.reps);
	return 0;
}

static int bench_populate_write(void)
{
	return populate(MADV_POPULATE_WRITE, "madvise(MADV_POPULATE_WRITE)");
}

static int bench_populate_read(void)
{
	return populate(MADV_POPULATE_READ, "madvise(MADV_POPULATE_READ)");
}

/* ---- mremap_move, mremap_grow ---- */

/*
 * Move a populated region to a PROT_NONE reservation (MREMAP_FIXED
 * replaces it) and back to where it was, which the first move left
 * free; nothing maps in between, so the old range is still free.
 */
static int mremap_move(int flags)
{
	double v[MAX_REPS];
	char *a, *b, *q;
	long bad;

	if (!(a = map_pmd_offset(cfg.len, PAGE, PROT_READ | PROT_WRITE)) ||
	    !(b = map_pmd_offset(cfg.len, 2 * PAGE, PROT_NONE)))
		return fail(errno, "mmap");
	fill(a, cfg.pages);
	for (long r = 0; r < cfg.reps; r++) {
		uint64_t t0 = now_ns(CLOCK_MONOTONIC);

		for (long i = 0; i < cfg.move_iters; i++) {
			q = mremap(a, cfg.len, cfg.len, flags, b);
			if (q == MAP_FAILED)
				return fail(errno, "mremap(MREMAP_MAYMOVE|MREMAP_FIXED)");
			if (q != b)
				return fail(EIO, "mremap(MREMAP_FIXED) moved elsewhere");
			moved(a, b, cfg.len);
			q = mremap(b, cfg.len, cfg.len, flags, a);
			if (q == MAP_FAILED)
				return fail(errno, "mremap(MREMAP_MAYMOVE|MREMAP_FIXED) back");
			if (q != a)
				return fail(EIO, "mremap(MREMAP_FIXED) moved elsewhere");
			moved(b, a, cfg.len);
		}
		v[r] = (double)(now_ns(CLOCK_MONOTONIC) - t0) / 1000 /
		       (2 * cfg.move_iters);
	}
	if ((bad = check(a, cfg.pages, pattern)) >= 0)
		return wrong_data("moved region lost its data", bad, a);
	report("us/call", v, cfg.reps);
	return 0;
}

static int bench_mremap_move(void)
{
	return mremap_move(MREMAP_MAYMOVE | MREMAP_FIXED);
}

#define MREMAP_RELOCATE_ANON	8	/* Pagoda's extension */

static int bench_mremap_relocate(void)
{
	return mremap_move(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_RELOCATE_ANON);
}

/* Grow one page at a time; the registry follows the mapping as it moves. */
static int bench_mremap_grow(void)
{
	double v[MAX_REPS];
	size_t n;
	char *p, *q;
	long bad;

	if (cfg.pages < 2)
		return fail(EINVAL, "size below two pages");
	for (long r = 0; r < cfg.reps; r++) {
		uint64_t t0;

		if (!(p = map_anon(PAGE, PROT_READ | PROT_WRITE)))
			return fail(errno, "mmap");
		p[0] = pattern(0);
		t0 = now_ns(CLOCK_MONOTONIC);
		for (n = 1; n < cfg.pages; n++) {
			q = mremap(p, n * PAGE, (n + 1) * PAGE, MREMAP_MAYMOVE);
			if (q == MAP_FAILED)
				return fail(errno, "mremap(MREMAP_MAYMOVE) grow");
			moved(p, q, (n + 1) * PAGE);
			p = q;
			p[n * PAGE] = pattern(n);
		}
		v[r] = (double)(now_ns(CLOCK_MONOTONIC) - t0) / (cfg.pages - 1);
		if ((bad = check(p, cfg.pages, pattern)) >= 0)
			return wrong_data("grown region lost its data", bad, p);
		unmap(p, cfg.len);
	}
	report("ns/call", v, cfg.reps);
	return 0;
}

/* ---- fork_exit_wait_0, fork_exit_wait_64m, cow_break_child ---- */

/*
 * Reap @pid.  Returns 0 if it exited with status 0, else fails the
 * current metric and returns -1: ENOMEM if SIGKILL ended it (only the
 * OOM killer sends that here), EIO otherwise, with the status on stderr.
 */
static int reap(pid_t pid)
{
	char why[48];
	int status;
	pid_t got;

	do
		got = wait4(pid, &status, 0, NULL);
	while (got < 0 && errno == EINTR);
	held_child = 0;
	if (got != pid)
		return fail(errno, "wait4");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "child killed by signal %d%s",
			 WTERMSIG(status),
			 WTERMSIG(status) == SIGKILL ? " (OOM kill)" : "");
	else
		snprintf(why, sizeof(why), "child exited with status %d",
			 WEXITSTATUS(status));
	fprintf(stderr, "mmbench: %s\n", why);
	return fail(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ?
		    ENOMEM : EIO, why);
}

/* @iters fork/_exit/wait4 round trips per sample; us per iteration. */
static int fork_loop(long iters)
{
	double v[MAX_REPS];

	for (long r = 0; r < cfg.reps; r++) {
		uint64_t t0 = now_ns(CLOCK_MONOTONIC);

		for (long i = 0; i < iters; i++) {
			pid_t pid = fork();

			if (pid == 0)
				_exit(0);
			if (pid < 0)
				return fail(errno, "fork");
			held_child = pid;
			if (reap(pid) < 0)
				return -1;
		}
		v[r] = (double)(now_ns(CLOCK_MONOTONIC) - t0) / 1000 / iters;
	}
	report("us/iter", v, cfg.reps);
	return 0;
}

/*
 * One cow_break_child sample: the child writes every page of the parent's
 * region @p and sends its ns per page down a pipe.  The parent then checks
 * that its own copy is untouched.
 */
static int cow_sample(char *p, double *ns)
{
	int fds[2];
	ssize_t got;
	pid_t pid;
	long bad;

	if (pipe(fds) != 0)
		return fail(errno, "pipe");
	hold_fd(fds[0]);
	hold_fd(fds[1]);
	pid = fork();
	if (pid == 0) {
		uint64_t t0;
		double d;

		child_default_signals();
		close(fds[0]);
		t0 = now_ns(CLOCK_MONOTONIC);
		for (size_t i = 0; i < cfg.pages; i++)
			p[i * PAGE] = flipped(i);
		d = (double)(now_ns(CLOCK_MONOTONIC) - t0) / cfg.pages;
		if (check(p, cfg.pages, flipped) >= 0)
			_exit(3);
		_exit(write(fds[1], &d, sizeof(d)) == sizeof(d) ? 0 : 2);
	}
	if (pid < 0)
		return fail(errno, "fork");
	held_child = pid;
	close_fd(fds[1]);
	do
		got = read(fds[0], ns, sizeof(*ns));
	while (got < 0 && errno == EINTR);
	close_fd(fds[0]);
	if (reap(pid) < 0)
		return -1;
	if (got != sizeof(*ns))
		return fail(EIO, "child sent no time");
	if ((bad = check(p, cfg.pages, pattern)) >= 0)
		return wrong_data("child's writes showed in the parent", bad, p);
	return 0;
}

static int bench_fork(void)
{
	double v[MAX_REPS];
	char *p;

	fork_loop(cfg.fork_iters);	/* on failure, its line says so: go on */
	if (!(p = map_anon(cfg.len, PROT_READ | PROT_WRITE)))
		return fail(errno, "mmap");
	fill(p, cfg.pages);
	fork_loop(cfg.fork_big_iters);
	for (long r = 0; r < cfg.reps; r++)
		if (cow_sample(p, &v[r]) < 0)
			return -1;
	unmap(p, cfg.len);
	report("ns/page", v, cfg.reps);
	return 0;
}

/* ---- memfd_shared_read_fault, memfd_secret_fault ---- */

/* Fill the memfd @fd with the pattern through write(2). */
static int write_file(int fd)
{
	char *buf = map_anon(WRITE_CHUNK, PROT_READ | PROT_WRITE);
	size_t per = WRITE_CHUNK / PAGE;

	if (!buf)
		return fail(errno, "mmap");
	for (size_t off = 0; off < cfg.len; off += WRITE_CHUNK) {
		size_t n = cfg.len - off < WRITE_CHUNK ? cfg.len - off : WRITE_CHUNK;

		for (size_t i = 0; i < per; i++)
			buf[i * PAGE] = pattern(off / PAGE + i);
		errno = 0;
		if (pwrite(fd, buf, n, off) != (ssize_t)n)
			return fail(errno ? errno : EIO, "write(memfd)");
	}
	unmap(buf, WRITE_CHUNK);
	return 0;
}

static int bench_memfd_read(void)
{
	double v[MAX_REPS];
	uint64_t t0;
	long bad;
	int fd;
	char *p;

	if ((fd = memfd_create("mmbench", MFD_CLOEXEC)) < 0)
		return fail(errno, "memfd_create");
	hold_fd(fd);
	if (ftruncate(fd, cfg.len) != 0)
		return fail(errno, "ftruncate(memfd)");
	if (write_file(fd) < 0)
		return -1;
	for (long r = 0; r < cfg.reps; r++) {
		p = mmap(NULL, cfg.len, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return fail(errno, "mmap(MAP_SHARED memfd)");
		no_thp(p, cfg.len);
		hold_map(p, cfg.len);
		t0 = now_ns(CLOCK_MONOTONIC);
		bad = check(p, cfg.pages, pattern);
		v[r] = (double)(now_ns(CLOCK_MONOTONIC) - t0) / cfg.pages;
		if (bad >= 0)
			return wrong_data("memfd mapping differs from write(2)", bad, p);
		unmap(p, cfg.len);
	}
	close_fd(fd);
	report("ns/page", v, cfg.reps);
	return 0;
}

/*
 * A fresh memfd_secret per sample: its size can be set only once, and a
 * second mapping of the same file would find its pages already there.
 */
static int bench_memfd_secret(void)
{
	double v[MAX_REPS];
	uint64_t t0;
	long bad;
	int fd;
	char *p;

	for (long r = 0; r < cfg.reps; r++) {
		if ((fd = syscall(SYS_memfd_secret, 0)) < 0)
			return fail(errno, "memfd_secret(0)");
		hold_fd(fd);
		if (ftruncate(fd, cfg.len) != 0)
			return fail(errno, "ftruncate(memfd_secret)");
		p = mmap(NULL, cfg.len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return fail(errno, "mmap(MAP_SHARED memfd_secret)");
		no_thp(p, cfg.len);
		hold_map(p, cfg.len);
		t0 = now_ns(CLOCK_MONOTONIC);
		fill(p, cfg.pages);
		v[r] = (double)(now_ns(CLOCK_MONOTONIC) - t0) / cfg.pages;
		if ((bad = check(p, cfg.pages, pattern)) >= 0)
			return wrong_data("memfd_secret lost its data", bad, p);
		unmap(p, cfg.len);
		close_fd(fd);
	}
	report("ns/page", v, cfg.reps);
	return 0;
}

/* ---- anon_write_fault_1t/_4t, munmap_1t/_4t: threads in one mm ---- */

/*
 * The crew: the main thread (crew member 0) and CREW - 1 helper threads,
 * member i pinned to the i-th CPU we may run on when there are at least
 * CREW of them.  Between rounds the helpers spin in user mode, so the mm
 * stays loaded on their CPUs (an unmap must interrupt them to flush
 * their TLBs) and a round starts without a wake-up that would be timed
 * too.  A round: the main thread sets crew.p and bumps crew.round; each
 * member fills its share of the region and bumps crew.done.
 *
 *	p (2 MiB aligned)                                           p + len
 *	| member 0      | member 1      | member 2      | member 3      |
 *
 * With --size 64 a share is 16 MiB, whole page-table pages (2 MiB each),
 * so the members never share a PTE page; they do share the mm, its mmap
 * lock and its upper page tables, which is what the metric is about.
 */
static struct {
	pthread_t tid[CREW];		/* [0] unused: the main thread */
	int started;			/* helpers created */
	int ncpus;			/* CPUs in old_mask */
	cpu_set_t old_mask;		/* the main thread's, restored at the end */
	char *volatile p;		/* the round's region */
	atomic_int round;		/* bumped to start a round */
	atomic_int done;		/* members finished with the round */
	atomic_int live;		/* helpers in their loop */
	atomic_int quit;		/* helpers: leave the loop */
} crew;

/* One turn of a spin-wait: pause, or yield when members share CPUs. */
static void crew_relax(void)
{
	if (crew.ncpus < CREW)
		sched_yield();
	else
		__asm__ volatile("pause");
}

/* Pin the caller to the @i-th allowed CPU, if each member has its own. */
static void crew_pin(int i)
{
	cpu_set_t set;

	if (crew.ncpus < CREW)
		return;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &crew.old_mask) && i-- == 0) {
			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			sched_setaffinity(0, sizeof(set), &set);  /* errors: unpinned */
			return;
		}
}

/* The pattern into pages [first, first + n) of @p. */
static void fill_range(volatile char *p, size_t first, size_t n)
{
	for (size_t i = first; i < first + n; i++)
		p[i * PAGE] = pattern(i);
}

/* Member @i's share of the round's region; the last takes the rest. */
static void crew_fill(int i)
{
	size_t each = cfg.pages / CREW, first = (size_t)i * each;

	fill_range(crew.p, first, i == CREW - 1 ? cfg.pages - first : each);
}

static void *crew_helper(void *arg)
{
	int i = (int)(intptr_t)arg, seen = atomic_load(&crew.round);

	crew_pin(i);
	atomic_fetch_add(&crew.live, 1);
	while (!atomic_load(&crew.quit)) {
		int r = atomic_load(&crew.round);

		if (r == seen) {
			crew_relax();
			continue;
		}
		seen = r;
		crew_fill(i);
		atomic_fetch_add(&crew.done, 1);
	}
	atomic_fetch_sub(&crew.live, 1);
	return NULL;
}

/* The main thread's spin-wait turn: leaves the group if a helper crashed. */
static void crew_wait(void)
{
	if (atomic_load(&crew_fault)) {
		group_armed = 0;
		siglongjmp(group_jmp, 1);
	}
	crew_relax();
}

/*
 * Start the helpers and wait until each runs (pinned) in its loop.  They
 * block SIGALRM: the watchdog is the main thread's.  Returns 0 or -errno.
 */
static int crew_start(void)
{
	sigset_t alrm, old;
	int err = 0;

	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	atomic_store(&crew.quit, 0);
	pthread_sigmask(SIG_BLOCK, &alrm, &old);
	while (crew.started < CREW - 1 && !err) {
		err = pthread_create(&crew.tid[crew.started + 1], NULL, crew_helper,
				     (void *)(intptr_t)(crew.started + 1));
		if (!err)
			crew.started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	while (atomic_load(&crew.live) < crew.started)
		crew_wait();
	return -err;
}

/*
 * Stop and join the helpers, and unpin the main thread.  A helper that
 * has not left its loop after about a second (parked after a crash, or
 * stuck in the kernel) is left behind, unjoined.
 */
static void crew_stop(void)
{
	atomic_store(&crew.quit, 1);
	for (int ms = 0; ms < 1000 && atomic_load(&crew.live) > 0; ms++)
		usleep(1000);
	if (atomic_load(&crew.live) == 0)
		for (int i = 1; i <= crew.started; i++)
			pthread_join(crew.tid[i], NULL);
	crew.started = 0;
	sched_setaffinity(0, sizeof(crew.old_mask), &crew.old_mask);
	crew_active = 0;
}

/*
 * One anon_write_fault_4t sample: all members fill their shares of a
 * fresh region; *@ns is the wall time per page from the start of the
 * round until the last member is done.  Returns 0, -errno, or -EIO after
 * reporting wrong data.
 */
static int crew_fault_sample(double *ns)
{
	char *p = map_pmd_offset(cfg.len, 0, PROT_READ | PROT_WRITE);
	uint64_t t0;
	long bad;

	if (!p)
		return -errno;
	crew.p = p;
	atomic_store(&crew.done, 0);
	t0 = now_ns(CLOCK_MONOTONIC);
	atomic_fetch_add(&crew.round, 1);
	crew_fill(0);
	atomic_fetch_add(&crew.done, 1);
	while (atomic_load(&crew.done) < CREW)
		crew_wait();
	*ns = (double)(now_ns(CLOCK_MONOTONIC) - t0) / cfg.pages;
	if ((bad = check(p, cfg.pages, pattern)) >= 0) {
		wrong_data("4-thread fault lost a write", bad, p);
		return -EIO;
	}
	return unmap(p, cfg.len) ? -errno : 0;
}

static int bench_crew(void)
{
	double f1[MAX_REPS], u1[MAX_REPS], f4[MAX_REPS], u4[MAX_REPS], dummy;
	long r;
	int err;

	if (sched_getaffinity(0, sizeof(crew.old_mask), &crew.old_mask) != 0)
		return fail(errno, "sched_getaffinity");
	crew.ncpus = CPU_COUNT(&crew.old_mask);
	crew_active = 1;
	crew_pin(0);

	/* One thread, before any other exists: the mm was never elsewhere. */
	if ((err = write_sample(&dummy, &dummy)) < 0)
		return fail(-err, "mmap/munmap");
	for (r = 0; r < cfg.reps; r++)
		if ((err = write_sample(&f1[r], &u1[r])) < 0)
			return fail(-err, "mmap/munmap");
	report("ns/page", f1, cfg.reps);
	report("ns/page", u1, cfg.reps);

	if ((err = crew_start()) < 0)
		return fail(-err, "pthread_create");
	for (r = -1; r < cfg.reps; r++)		/* r = -1: warm-up */
		if ((err = crew_fault_sample(r < 0 ? &dummy : &f4[r])) < 0)
			return err == -EIO ? -1 : fail(-err, "mmap/munmap");
	report("ns/page", f4, cfg.reps);
	/* The main thread maps, writes and unmaps while the helpers spin. */
	for (r = -1; r < cfg.reps; r++)
		if ((err = write_sample(&dummy, r < 0 ? &dummy : &u4[r])) < 0)
			return fail(-err, "mmap/munmap");
	report("ns/page", u4, cfg.reps);
	crew_stop();
	return 0;
}

/* ---- setup ---- */

/* PID 1 setup: a console on fds 0-2, /proc and /tmp, as an init would have. */
static void pid1_setup(void)
{
	int fd;

	if (fcntl(1, F_GETFD) < 0) {
		fd = open("/dev/console", O_RDWR | O_NOCTTY);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
	/* Errors ignored: the directories may exist, the kernel may have mounted them. */
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	mkdir("/tmp", 01777);
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
}

static long parse_num(const char *opt, const char *s, long max)
{
	char *end;
	long v;

	if (!s) {
		fprintf(stderr, "mmbench: %s needs a number\n", opt);
		return -1;
	}
	v = strtol(s, &end, 10);
	if (*end || end == s || v < 1 || v > max) {
		fprintf(stderr, "mmbench: bad %s '%s' (1..%ld)\n", opt, s, max);
		return -1;
	}
	return v;
}

/* Fill cfg from the command line; returns 0, or -1 after a usage message. */
static int parse_args(int argc, char **argv)
{
	long size = 0, reps = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			cfg.quick = 1;
		} else if (!strcmp(argv[i], "--smp")) {
			cfg.smp_only = 1;
		} else if (!strcmp(argv[i], "--profile")) {
			cfg.profile = 1;
		} else if (!strcmp(argv[i], "--size")) {
			if ((size = parse_num("--size", argv[++i], 1 << 20)) < 0)
				return -1;
		} else if (!strcmp(argv[i], "--reps")) {
			if ((reps = parse_num("--reps", argv[++i], MAX_REPS)) < 0)
				return -1;
		} else {
			fprintf(stderr, "usage: mmbench [--quick] [--smp] [--profile] "
				"[--size MiB] [--reps N]\n");
			return -1;
		}
	}
	cfg.size_mib = size ? size : cfg.quick ? 8 : 64;
	cfg.reps = reps ? reps : cfg.quick ? 3 : 5;
	cfg.fork_iters = cfg.quick ? 10 : 50;
	cfg.fork_big_iters = cfg.quick ? 3 : 10;
	cfg.move_iters = cfg.quick ? 3 : 10;
	cfg.watchdog_s = cfg.quick ? 60 : 600;
	cfg.len = (size_t)cfg.size_mib << 20;
	cfg.pages = cfg.len / PAGE;
	return 0;
}

static const char *const anon_names[] = {
	"anon_write_fault", "anon_read_fault", "munmap_populated", NULL };
static const char *const fork_names[] = {
	"fork_exit_wait_0", "fork_exit_wait_64m", "cow_break_child", NULL };
static const char *const crew_names[] = {
	"anon_write_fault_1t", "munmap_1t", "anon_write_fault_4t", "munmap_4t", NULL };

#define ONE(name) ((const char *const[]){ name, NULL })

static void run_all(void)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };

	/* memfd_secret is charged like mlock; root may lift the limit. */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);		/* errors ignored */
	catch_fatal();
	if (cfg.smp_only) {
		run_group(crew_names, bench_crew);
		return;
	}
	run_group(ONE("calib_rep_stosq"), bench_rep_stosq);
	run_group(anon_names, bench_anon);
	run_group(ONE("madv_populate_write"), bench_populate_write);
	run_group(ONE("madv_populate_read"), bench_populate_read);
	run_group(ONE("mremap_move"), bench_mremap_move);
	run_group(ONE("mremap_relocate"), bench_mremap_relocate);
	run_group(ONE("mremap_grow"), bench_mremap_grow);
	run_group(fork_names, bench_fork);
	run_group(ONE("memfd_shared_read_fault"), bench_memfd_read);
	run_group(ONE("memfd_secret_fault"), bench_memfd_secret);
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		run_group(crew_names, bench_crew);
}

int main(int argc, char **argv)
{
	double boottime = now_ns(CLOCK_BOOTTIME) / 1e9;
	int pid1 = getpid() == 1;
	struct utsname u;
	int status = 0;

	main_thread = pthread_self();
	if (pid1)
		pid1_setup();
	setvbuf(stdout, NULL, _IOLBF, 0);	/* and flushed before each fork */
	if (parse_args(argc, argv) < 0) {
		status = 2;
		goto out;
	}
	profile_reset();

	printf("BENCH boottime %.3f s\n", boottime);
	if (uname(&u) == 0)
		printf("BENCH kernel %s %s %s\n", u.sysname, u.release, u.version);
	printf("BENCH config size_mib %ld reps %ld pages %zu quick %d "
	       "fork_iters %ld fork_big_iters %ld mremap_move_iters %ld "
	       "stosq_pages %d stosq_samples %d watchdog_s %u smp_only %d "
	       "cpus %ld\n",
	       cfg.size_mib, cfg.reps, cfg.pages, cfg.quick, cfg.fork_iters,
	       cfg.fork_big_iters, cfg.move_iters, STOSQ_PAGES, STOSQ_SAMPLES,
	       cfg.watchdog_s, cfg.smp_only, sysconf(_SC_NPROCESSORS_ONLN));
	fflush(stdout);
	run_all();
	printf("BENCH DONE\n");
out:
	fflush(stdout);
	if (pid1) {
		sync();
		reboot(RB_POWER_OFF);
		for (;;)		/* power-off failed: never let init exit */
			pause();
	}
	return status;
}
