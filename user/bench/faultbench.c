/*
 * faultbench.c - measure the cost of anonymous page faults and of munmap,
 * so that Pagoda and Linux can be compared in the same QEMU machine.
 *
 *	faultbench [MiB [reps]]		defaults: 64 MiB, 5 repetitions
 *
 * Each repetition maps MiB of private anonymous memory (MADV_NOHUGEPAGE,
 * so every 4 KiB page takes its own fault), touches one byte per page and
 * divides the elapsed CLOCK_MONOTONIC time by the number of pages:
 *
 *   anon_write_fault   write-touch: allocate, zero and map a fresh page
 *   munmap_populated   munmap of the region just written (free + flush)
 *   anon_read_fault    read-touch: map the shared zero page read-only
 *
 * One untimed write/munmap round runs first to warm the caches (and, under
 * TCG, the translated code).  The calibration line user_rep_stosq is the
 * cost of clearing an already-mapped page with "rep stosq" in user mode:
 * the floor of what a write fault's page zeroing can cost.
 *
 * Output is one machine-readable line per metric:
 *
 *   BENCH <metric> <median> ns/page min <min> max <max> n <reps>
 *
 * plus "BENCH boottime <s>" (CLOCK_BOOTTIME at start) and "BENCH DONE".
 * Booted as PID 1 (init=/bench/faultbench on Pagoda, tools/linux-qemu-run
 * on Linux) it mounts /proc, makes sure the console is open, and powers
 * the machine off at the end: Linux panics if init exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

enum {
	PAGE = 4096,
	MAX_REPS = 1000,
	STOSQ_PAGES = 256,	/* one calibration sample clears 1 MiB */
	STOSQ_SAMPLES = 31,
};

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

/* Print one metric: median, min and max of @n samples (sorts @v). */
static void report(const char *metric, double *v, int n)
{
	double median;

	qsort(v, n, sizeof(*v), cmp_double);
	median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	printf("BENCH %s %.1f ns/page min %.1f max %.1f n %d\n",
	       metric, median, v[0], v[n - 1], n);
}

/* A fresh private anonymous region of @len bytes, without huge pages. */
static volatile char *map_region(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		printf("BENCH ERROR mmap %zu: %s\n", len, strerror(errno));
		return NULL;
	}
	/* Linux may have THP on regardless of the command line: opt out. */
	if (madvise(p, len, MADV_NOHUGEPAGE) != 0)
		printf("BENCH WARN madvise(MADV_NOHUGEPAGE): %s\n", strerror(errno));
	return p;
}

/*
 * One repetition of the write test: store a byte in every page, then
 * unmap.  Fills *@fault and *@unmap with ns per page.  Returns 0, or -1
 * if the region could not be mapped.
 */
static int write_round(size_t len, double *fault, double *unmap)
{
	size_t pages = len / PAGE, i;
	volatile char *p = map_region(len);
	uint64_t t0, t1, t2;

	if (!p)
		return -1;
	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < pages; i++)
		p[i * PAGE] = 1;
	t1 = now_ns(CLOCK_MONOTONIC);
	munmap((void *)p, len);
	t2 = now_ns(CLOCK_MONOTONIC);
	*fault = (double)(t1 - t0) / pages;
	*unmap = (double)(t2 - t1) / pages;
	return 0;
}

/* One repetition of the read test (zero-page faults); ns per page in *@fault. */
static int read_round(size_t len, double *fault)
{
	size_t pages = len / PAGE, i;
	volatile char *p = map_region(len);
	uint64_t t0, t1;
	char sum = 0;

	if (!p)
		return -1;
	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < pages; i++)
		sum += p[i * PAGE];
	t1 = now_ns(CLOCK_MONOTONIC);
	munmap((void *)p, len);
	if (sum != 0)
		printf("BENCH WARN anonymous memory read back non-zero\n");
	*fault = (double)(t1 - t0) / pages;
	return 0;
}

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

/* The user-mode page-clearing floor: median ns per page over many pages. */
static void bench_rep_stosq(void)
{
	size_t len = (size_t)STOSQ_PAGES * PAGE, i;
	double v[STOSQ_SAMPLES];
	char *buf = (char *)map_region(len);
	int s;

	if (!buf)
		return;
	memset(buf, 1, len);		/* fault everything in first */
	for (s = 0; s < STOSQ_SAMPLES; s++) {
		uint64_t t0 = now_ns(CLOCK_MONOTONIC);

		for (i = 0; i < STOSQ_PAGES; i++)
			clear_page_stosq(buf + i * PAGE);
		v[s] = (double)(now_ns(CLOCK_MONOTONIC) - t0) / STOSQ_PAGES;
	}
	munmap(buf, len);
	qsort(v, STOSQ_SAMPLES, sizeof(v[0]), cmp_double);
	printf("BENCH user_rep_stosq %.1f ns/page\n", v[STOSQ_SAMPLES / 2]);
}

/* PID 1 setup: a console on fds 0-2 and /proc, as an init would have. */
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
	mkdir("/proc", 0555);		/* errors ignored: it may exist */
	mount("proc", "/proc", "proc", 0, NULL);
}

static long parse_arg(const char *s, long dflt, long max)
{
	char *end;
	long v;

	if (!s)
		return dflt;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > max) {
		fprintf(stderr, "faultbench: bad argument '%s' (1..%ld)\n", s, max);
		return -1;
	}
	return v;
}

int main(int argc, char **argv)
{
	double boottime = now_ns(CLOCK_BOOTTIME) / 1e9;
	int pid1 = getpid() == 1;
	long mib, reps, r;
	double *wf, *un, *rf, dummy;
	struct utsname u;
	size_t len;

	if (pid1)
		pid1_setup();
	mib = parse_arg(argc > 1 ? argv[1] : NULL, 64, 1 << 16);
	reps = parse_arg(argc > 2 ? argv[2] : NULL, 5, MAX_REPS);
	if (mib < 0 || reps < 0)
		goto out;
	len = (size_t)mib << 20;
	wf = calloc(3 * reps, sizeof(double));
	if (!wf)
		goto out;
	un = wf + reps;
	rf = un + reps;

	printf("BENCH boottime %.3f s\n", boottime);
	if (uname(&u) == 0)
		printf("BENCH kernel %s %s\n", u.sysname, u.release);
	printf("BENCH config mib %ld reps %ld pages %zu\n", mib, reps, len / PAGE);
	fflush(stdout);

	bench_rep_stosq();
	if (write_round(len, &dummy, &dummy) < 0)	/* warm-up, untimed */
		goto out;
	for (r = 0; r < reps; r++)
		if (write_round(len, &wf[r], &un[r]) < 0)
			goto out;
	for (r = 0; r < reps; r++)
		if (read_round(len, &rf[r]) < 0)
			goto out;
	report("anon_write_fault", wf, reps);
	report("anon_read_fault", rf, reps);
	report("munmap_populated", un, reps);
	printf("BENCH DONE\n");
out:
	fflush(stdout);
	if (pid1) {
		sync();
		reboot(RB_POWER_OFF);
		for (;;)		/* power-off failed: never let init exit */
			pause();
	}
	return 0;
}
