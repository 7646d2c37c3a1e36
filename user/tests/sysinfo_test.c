/*
 * sysinfo_test.c - sysinfo(2): the call works and writes exactly its
 * struct; memory, shared memory, swap, uptime and the number of tasks
 * agree with /proc/meminfo, CLOCK_BOOTTIME and the processes this test
 * makes; a buffer that is not writable user memory is EFAULT.
 *
 *	sysinfo_test [case[,case]]
 *
 * The graded user test of the syscall lab (docs/labs/01-syscall.md,
 * tools/labs.py). Memory figures move while other programs run (on the
 * Linux host), so each is compared with /proc/meminfo read just before
 * and just after the call, within SLACK. swap_matches_meminfo formats and
 * swaps on /dev/vda, so it runs only on Pagoda with a spare virtio disk
 * (make grade's boot has one, as the harness's swap boot); elsewhere it
 * is skipped: never a host's disk.
 */
#include "vm_util.h"

#include <stddef.h>
#include <sys/swap.h>
#include <sys/sysinfo.h>
#include <time.h>

#define DISK		"/dev/vda"
#define SLACK		(8ull << 20)	/* bytes two reads of a busy host may differ */
#define NCHILDREN	16
#define SHMEM_BYTES	(4ul << 20)
#define SWAP_PAGES	256		/* 1 MiB pushed out to swap */
/*
 * What the kernel writes: struct sysinfo of <linux/sysinfo.h>, 112 bytes
 * on x86-64, ending with mem_unit and padding. musl's struct has the same
 * fields at the same offsets plus 256 reserved bytes the kernel never
 * touches, so sizeof() here would be the wrong size.
 */
#define KSYSINFO_SIZE	((offsetof(struct sysinfo, mem_unit) + sizeof(unsigned) + 7) & ~7ul)

static int raw_sysinfo(struct sysinfo *si)
{
	return syscall(SYS_sysinfo, si);
}

/* Is @v (bytes) within [min(a, b) - SLACK, max(a, b) + SLACK], a and b in kB? */
static int in_window(unsigned long long v, long a_kb, long b_kb)
{
	unsigned long long a = a_kb * 1024ull, b = b_kb * 1024ull;
	unsigned long long lo = a < b ? a : b, hi = a < b ? b : a;

	return v + SLACK >= lo && v <= hi + SLACK;
}

static void returns_zero(void)
{
	union {
		struct sysinfo si;
		unsigned char bytes[sizeof(struct sysinfo)];
	} u;
	struct sysinfo s2;

	memset(&u, 0xa5, sizeof(u));
	EXPECT(raw_sysinfo(&u.si) == 0, "sysinfo: %s", strerror(errno));
	EXPECT(KSYSINFO_SIZE == 112, "struct sysinfo layout: %zu bytes", KSYSINFO_SIZE);
	for (size_t i = KSYSINFO_SIZE; i < sizeof(u.bytes); i++)
		EXPECT(u.bytes[i] == 0xa5, "byte %zu past the struct (%zu bytes) was written",
		       i, KSYSINFO_SIZE);
	EXPECT(u.si.mem_unit != 0 && u.si.mem_unit != 0xa5a5a5a5u,
	       "mem_unit not filled in (%u)", u.si.mem_unit);
	EXPECT(u.si.totalram != 0 && u.si.totalram != 0xa5a5a5a5a5a5a5a5ul,
	       "totalram not filled in (%#lx)", u.si.totalram);
	EXPECT(u.si.procs != 0 && u.si.procs != 0xa5a5, "procs not filled in (%#x)",
	       u.si.procs);
	/* And through the C library's wrapper, as programs call it. */
	EXPECT_OK(sysinfo(&s2));
	EXPECT(s2.totalram == u.si.totalram && s2.mem_unit == u.si.mem_unit,
	       "two calls disagree on totalram: %lu*%u and %lu*%u", s2.totalram,
	       s2.mem_unit, u.si.totalram, u.si.mem_unit);
}

static void memory_matches_meminfo(void)
{
	long total, free0, free1, sh0, sh1, buf0, buf1;
	unsigned long long unit;
	struct sysinfo si;
	int fd = memfd_create("sysinfo_test", 0);
	char *p;

	/* Hold 4 MiB of shared memory (a memfd) while looking. */
	EXPECT(fd >= 0, "memfd_create: %s", strerror(errno));
	EXPECT(ftruncate(fd, SHMEM_BYTES) == 0, "ftruncate: %s", strerror(errno));
	p = mmap(NULL, SHMEM_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	EXPECT(p != MAP_FAILED, "mmap memfd: %s", strerror(errno));
	memset(p, 1, SHMEM_BYTES);

	total = vm_meminfo_kb("MemTotal");
	free0 = vm_meminfo_kb("MemFree");
	sh0 = vm_meminfo_kb("Shmem");
	buf0 = vm_meminfo_kb("Buffers");
	EXPECT_OK(raw_sysinfo(&si));
	free1 = vm_meminfo_kb("MemFree");
	sh1 = vm_meminfo_kb("Shmem");
	buf1 = vm_meminfo_kb("Buffers");
	munmap(p, SHMEM_BYTES);
	EXPECT(total > 0 && free0 >= 0 && sh0 >= 0 && buf0 >= 0, "/proc/meminfo unreadable");

	unit = si.mem_unit;
	EXPECT(unit >= 1 && (unit & (unit - 1)) == 0, "mem_unit %llu: not a power of two", unit);
	EXPECT(si.totalram * unit == total * 1024ull, "totalram %lu * %llu bytes, MemTotal %ld kB",
	       si.totalram, unit, total);
	EXPECT(si.freeram <= si.totalram, "freeram %lu > totalram %lu", si.freeram, si.totalram);
	EXPECT(in_window(si.freeram * unit, free0, free1),
	       "freeram %llu bytes, MemFree %ld..%ld kB", si.freeram * unit, free0, free1);
	EXPECT(in_window(si.sharedram * unit, sh0, sh1),
	       "sharedram %llu bytes, Shmem %ld..%ld kB", si.sharedram * unit, sh0, sh1);
	EXPECT(si.sharedram * unit >= SHMEM_BYTES, "sharedram %llu bytes while this test "
	       "holds a %lu-byte memfd", si.sharedram * unit, SHMEM_BYTES);
	EXPECT(in_window(si.bufferram * unit, buf0, buf1),
	       "bufferram %llu bytes, Buffers %ld..%ld kB", si.bufferram * unit, buf0, buf1);
	EXPECT(si.totalhigh == 0 && si.freehigh == 0, "high memory %lu/%lu on x86-64",
	       si.totalhigh, si.freehigh);
	/* The C library sizes physical memory with sysinfo too. */
	EXPECT(sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE) == total * 1024L,
	       "sysconf(_SC_PHYS_PAGES) %ld pages, MemTotal %ld kB", sysconf(_SC_PHYS_PAGES),
	       total);
}

static long ceil_sec(const struct timespec *ts)
{
	return ts->tv_sec + (ts->tv_nsec ? 1 : 0);
}

static void uptime_matches_clock(void)
{
	struct timespec a, b;
	struct sysinfo si;

	EXPECT_OK(clock_gettime(CLOCK_BOOTTIME, &a));
	EXPECT_OK(raw_sysinfo(&si));
	EXPECT_OK(clock_gettime(CLOCK_BOOTTIME, &b));
	/* Whole seconds since boot, a second that has begun counting as one. */
	EXPECT((long)si.uptime >= ceil_sec(&a) && (long)si.uptime <= ceil_sec(&b),
	       "uptime %ld s, CLOCK_BOOTTIME %ld.%09ld..%ld.%09ld", (long)si.uptime,
	       (long)a.tv_sec, a.tv_nsec, (long)b.tv_sec, b.tv_nsec);
}

static void procs_counts_tasks(void)
{
	pid_t pids[NCHILDREN];
	struct sysinfo si;
	int fds[2], n = 0, st;
	char c;

	memset(&si, 0, sizeof(si));
	EXPECT(pipe(fds) == 0, "pipe: %s", strerror(errno));
	for (; n < NCHILDREN; n++) {
		pids[n] = fork();
		if (pids[n] == 0) {
			close(fds[1]);
			_exit(read(fds[0], &c, 1) == 0 ? 0 : 1);	/* until EOF */
		}
		if (pids[n] < 0)
			break;
	}
	close(fds[0]);
	if (n == NCHILDREN)
		EXPECT_OK(raw_sysinfo(&si));
	close(fds[1]);				/* EOF: the children exit */
	for (int i = 0; i < n; i++)
		waitpid(pids[i], &st, 0);
	EXPECT(n == NCHILDREN, "fork #%d: %s", n, strerror(errno));
	/* This process and its children at least, whatever else runs. */
	EXPECT(si.procs >= NCHILDREN + 1, "procs %u with %d children alive", si.procs,
	       NCHILDREN);
}

static void swap_matches_meminfo(void)
{
	long total, free0, free1;
	unsigned long long unit;
	struct sysinfo si, off;
	char *p;

	if (!ut_on_pagoda() || access(DISK, R_OK | W_OK) != 0)
		SKIP("needs Pagoda with a spare virtio disk (%s)", DISK);
	EXPECT(vm_mkswap(DISK) == 0, "formatting %s: %s", DISK, strerror(errno));
	EXPECT(swapon(DISK, 0) == 0, "swapon: %s", strerror(errno));
	p = vm_anon(SWAP_PAGES);
	if (p != MAP_FAILED) {
		memset(p, 7, SWAP_PAGES * PAGE);
		madvise(p, SWAP_PAGES * PAGE, MADV_PAGEOUT);
	}
	total = vm_meminfo_kb("SwapTotal");
	free0 = vm_meminfo_kb("SwapFree");
	raw_sysinfo(&si);
	free1 = vm_meminfo_kb("SwapFree");
	if (p != MAP_FAILED)
		vm_unmap_guarded(p, SWAP_PAGES);
	EXPECT(swapoff(DISK) == 0, "swapoff: %s", strerror(errno));
	EXPECT_OK(raw_sysinfo(&off));

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(total > 0 && free0 < total, "SwapTotal %ld kB, SwapFree %ld kB: nothing swapped "
	       "out", total, free0);
	unit = si.mem_unit;
	EXPECT(si.totalswap * unit == total * 1024ull, "totalswap %lu * %llu bytes, SwapTotal "
	       "%ld kB", si.totalswap, unit, total);
	EXPECT(in_window(si.freeswap * unit, free0, free1), "freeswap %llu bytes, SwapFree "
	       "%ld..%ld kB", si.freeswap * unit, free0, free1);
	EXPECT(si.freeswap < si.totalswap, "freeswap %lu = totalswap with %d KiB swapped out",
	       si.freeswap, SWAP_PAGES * 4);
	EXPECT(off.totalswap == 0 && off.freeswap == 0, "after swapoff: totalswap %lu, "
	       "freeswap %lu", off.totalswap, off.freeswap);
}

static void bad_pointers_efault(void)
{
	char *guarded, *ro;

	EXPECT_ERRNO(raw_sysinfo(NULL), EFAULT);
	EXPECT_ERRNO(raw_sysinfo((struct sysinfo *)1), EFAULT);
	EXPECT_ERRNO(raw_sysinfo((struct sysinfo *)0xffffffff80000000ul), EFAULT);

	/* A read-only page: the kernel must not write where the user cannot. */
	ro = vm_map_guarded(1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(ro != MAP_FAILED, "mmap: %s", strerror(errno));
	errno = 0;
	if (raw_sysinfo((struct sysinfo *)ro) != -1 || errno != EFAULT) {
		vm_unmap_guarded(ro, 1);
		EXPECT(0, "sysinfo into a read-only page: %s, want EFAULT", strerror(errno));
	}
	vm_unmap_guarded(ro, 1);

	/* The struct's second half on the PROT_NONE page after a writable one. */
	guarded = vm_anon(1);
	EXPECT(guarded != MAP_FAILED, "mmap: %s", strerror(errno));
	errno = 0;
	if (raw_sysinfo((struct sysinfo *)(guarded + PAGE - KSYSINFO_SIZE / 2)) != -1 ||
	    errno != EFAULT) {
		vm_unmap_guarded(guarded, 1);
		EXPECT(0, "sysinfo across the end of a mapping: %s, want EFAULT",
		       strerror(errno));
	}
	vm_unmap_guarded(guarded, 1);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		ut_select(argv[1]);
	ut_begin("sysinfo_test");
	RUN(returns_zero);
	RUN(memory_matches_meminfo);
	RUN(uptime_matches_clock);
	RUN(procs_counts_tasks);
	RUN(swap_matches_meminfo);
	RUN(bad_pointers_efault);
	return ut_end();
}
