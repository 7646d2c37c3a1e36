/*
 * vm_lock_test.c - mlock, munlock, mlockall, munlockall, MAP_LOCKED,
 * RLIMIT_MEMLOCK accounting, and mincore.
 *
 * Locking is observed through /proc: VmLck in /proc/self/status, Locked
 * and the "lo" VmFlag in /proc/self/smaps, the VMA split in maps, and the
 * present bits in pagemap (a locked page is always present).
 *
 * RLIMIT_MEMLOCK: CAP_IPC_LOCK bypasses the limit and root has it (on
 * Linux and on Pagoda), so the limit cases first drop CAP_IPC_LOCK from
 * the effective set (cap_util.h: raw capget/capset, musl has no
 * <sys/capability.h>).  The cases that change limits,
 * capabilities or MCL_FUTURE run in a child so that nothing leaks into
 * later cases; the child reports a failure as text through a pipe.
 */
#include "vm_util.h"
#include "cap_util.h"

#include <sys/resource.h>

#define RW	(PROT_READ | PROT_WRITE)

/* Fail unless all @n pages from @p are (@want 1) or are not present. */
static int pages_present(const char *p, int n, int want, char *why, size_t wl)
{
	uint64_t e;
	int i;

	for (i = 0; i < n; i++) {
		if (vm_pagemap(p + i * PAGE, &e)) {
			snprintf(why, wl, "pagemap: %s", strerror(errno));
			return -1;
		}
		if (!!(e & PM_PRESENT) != want) {
			snprintf(why, wl, "page %d %s present (%#llx)", i,
				 want ? "not" : "is", (unsigned long long)e);
			return -1;
		}
	}
	return 0;
}

#define EXPECT_PRESENT(p, n, want) do {					\
	char why_[128];							\
	EXPECT(pages_present((p), (n), (want), why_, sizeof(why_)) == 0,	\
	       "%s", why_);						\
} while (0)

static int has_lo(const void *p)
{
	char flags[256];

	return vm_smaps_flags(p, flags, sizeof(flags)) == 0 &&
	       vm_has_flag(flags, "lo");
}

/* mlock faults every page in and accounts it; munlock undoes the count. */
static void mlock_present_and_counted(void)
{
	char *p = vm_anon(8);
	long l0 = vm_status_kb("VmLck"), l1;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(l0 >= 0, "no VmLck in /proc/self/status");
	EXPECT_PRESENT(p, 8, 0);
	EXPECT_OK(mlock(p, 8 * PAGE));
	EXPECT_PRESENT(p, 8, 1);
	l1 = vm_status_kb("VmLck");
	EXPECT(l1 == l0 + 32, "VmLck %ld -> %ld kB, want +32", l0, l1);
	EXPECT(vm_smaps_kb(p, "Locked") == 32, "smaps Locked %ld kB, want 32",
	       vm_smaps_kb(p, "Locked"));
	EXPECT(vm_smaps_kb(p, "Rss") == 32, "smaps Rss %ld kB",
	       vm_smaps_kb(p, "Rss"));
	EXPECT(has_lo(p), "VmFlags lack 'lo' after mlock");
	EXPECT(p[0] == 0 && p[8 * PAGE - 1] == 0, "locked memory not zero");
	/* mlock again is not counted twice. */
	EXPECT_OK(mlock(p, 8 * PAGE));
	EXPECT(vm_status_kb("VmLck") == l1, "second mlock counted twice");
	EXPECT_OK(munlock(p, 8 * PAGE));
	EXPECT(vm_status_kb("VmLck") == l0, "VmLck %ld after munlock, want %ld",
	       vm_status_kb("VmLck"), l0);
	EXPECT(vm_smaps_kb(p, "Locked") == 0 && !has_lo(p),
	       "still locked after munlock");
	EXPECT_PRESENT(p, 8, 1);	/* unlocking does not drop pages */
	vm_unmap_guarded(p, 8);
}

/* mlock of a file mapping brings in the page-cache pages. */
static void mlock_file_mapping(void)
{
	int fd = memfd_create("vm_lock_file", 0);
	char *s;

	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, 4 * PAGE));
	s = vm_map_guarded(4, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT(s != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(mlock(s, 4 * PAGE));
	EXPECT_PRESENT(s, 4, 1);
	EXPECT(vm_smaps_kb(s, "Locked") == 16 && has_lo(s),
	       "file mapping Locked %ld kB", vm_smaps_kb(s, "Locked"));
	EXPECT_OK(munlock(s, 4 * PAGE));
	vm_unmap_guarded(s, 4);
	close(fd);
}

/* Locking part of a mapping splits the VMA; unlocking merges it again. */
static void mlock_split_and_merge(void)
{
	char *p = vm_anon(5);
	struct vm_map m;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(mlock(p + 2 * PAGE, PAGE));
	EXPECT(vm_maps_count(p, 5 * PAGE) == 3, "%d maps lines, want 3",
	       vm_maps_count(p, 5 * PAGE));
	EXPECT(has_lo(p + 2 * PAGE) && !has_lo(p) && !has_lo(p + 3 * PAGE),
	       "lo on the wrong VMAs");
	EXPECT_PRESENT(p + 2 * PAGE, 1, 1);
	EXPECT_PRESENT(p + 3 * PAGE, 1, 0);
	EXPECT_OK(munlock(p + 2 * PAGE, PAGE));
	EXPECT(vm_maps_count(p, 5 * PAGE) == 1, "%d maps lines after munlock",
	       vm_maps_count(p, 5 * PAGE));
	EXPECT(vm_maps_find(p, &m) == 0 && m.start == (unsigned long)p &&
	       m.end == (unsigned long)(p + 5 * PAGE), "merged line '%s'",
	       m.line);
	vm_unmap_guarded(p, 5);
}

/* MAP_LOCKED: locked and present as soon as mmap returns. */
static void map_locked(void)
{
	long l0 = vm_status_kb("VmLck");
	char *p = mmap(NULL, 4 * PAGE, RW,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_PRESENT(p, 4, 1);
	EXPECT(has_lo(p), "MAP_LOCKED VMA lacks 'lo'");
	EXPECT(vm_status_kb("VmLck") == l0 + 16, "VmLck %ld -> %ld kB", l0,
	       vm_status_kb("VmLck"));
	munmap(p, 4 * PAGE);
	EXPECT(vm_status_kb("VmLck") == l0, "munmap did not uncount the lock");
}

static void mlock_errors(void)
{
	char *p = vm_anon(4);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	/* mlock/munlock round the address down: no EINVAL. */
	EXPECT_OK(syscall(SYS_mlock, p + 1, 10));
	EXPECT(has_lo(p), "unaligned mlock did not lock the page");
	EXPECT_OK(syscall(SYS_munlock, p + 1, 10));
	EXPECT(!has_lo(p), "unaligned munlock did not unlock");
	EXPECT_OK(syscall(SYS_mlock, p, 0));
	/* A hole in the range: ENOMEM. */
	EXPECT_OK(munmap(p + PAGE, PAGE));
	EXPECT_ERRNO(syscall(SYS_mlock, p + PAGE, PAGE), ENOMEM);
	EXPECT_ERRNO(syscall(SYS_munlock, p + PAGE, PAGE), ENOMEM);
	EXPECT_ERRNO(syscall(SYS_mlock, p, 3 * PAGE), ENOMEM);
	EXPECT_ERRNO(syscall(SYS_munlock, p, 3 * PAGE), ENOMEM);
	/* mlockall: no flag, an unknown one, or MCL_ONFAULT alone. */
	EXPECT_ERRNO(syscall(SYS_mlockall, 0), EINVAL);
	EXPECT_ERRNO(syscall(SYS_mlockall, 8), EINVAL);
	EXPECT_ERRNO(syscall(SYS_mlockall, 4 /* MCL_ONFAULT */), EINVAL);
	vm_unmap_guarded(p, 4);
}

/* Locked ranges refuse MS_INVALIDATE (EBUSY) and MADV_DONTNEED (EINVAL). */
static void locked_range_refusals(void)
{
	char *p = vm_anon(2);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 9, 2 * PAGE);
	EXPECT_OK(mlock(p, 2 * PAGE));
	EXPECT_ERRNO(msync(p, 2 * PAGE, MS_INVALIDATE), EBUSY);
	EXPECT_ERRNO(madvise(p, PAGE, MADV_DONTNEED), EINVAL);
	EXPECT(p[0] == 9, "locked data dropped");
	EXPECT_OK(munlock(p, 2 * PAGE));
	vm_unmap_guarded(p, 2);
}

static char child_msg[256];

/* Format a child's failure message (returned by the child function). */
#define CHILD_FAIL(...) do {						\
	snprintf(child_msg, sizeof(child_msg), __VA_ARGS__);		\
	return child_msg;						\
} while (0)

/* Give the child the largest RLIMIT_MEMLOCK it may set (see mlockall). */
static void raise_memlock_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &rl);
	}
}

/*
 * mlockall(MCL_CURRENT|MCL_FUTURE): existing mappings are locked and
 * present; new ones are locked and present at once; munlockall undoes
 * both.  (In a child: MCL_FUTURE must not leak into other cases.  On
 * Pagoda the whole process counts against RLIMIT_MEMLOCK even for root,
 * so the child first raises its soft limit to the hard one.)
 */
static const char *mlockall_child(void)
{
	char *old = vm_anon(4), *neu, *after;
	long lck;

	raise_memlock_limit();
	if (old == MAP_FAILED)
		CHILD_FAIL("mmap: %s", strerror(errno));
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		CHILD_FAIL("mlockall: %s", strerror(errno));
	if (pages_present(old, 4, 1, child_msg, sizeof(child_msg)))
		return child_msg;
	if (!has_lo(old))
		CHILD_FAIL("existing mapping not locked");
	lck = vm_status_kb("VmLck");
	if (lck < 16)
		CHILD_FAIL("VmLck %ld kB after mlockall", lck);
	neu = mmap(NULL, 4 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (neu == MAP_FAILED)
		CHILD_FAIL("mmap under MCL_FUTURE: %s", strerror(errno));
	if (pages_present(neu, 4, 1, child_msg, sizeof(child_msg)))
		return child_msg;
	if (!has_lo(neu))
		CHILD_FAIL("MCL_FUTURE mapping not locked");
	if (vm_status_kb("VmLck") != lck + 16)
		CHILD_FAIL("VmLck %ld -> %ld kB after a 16 kB mmap", lck,
			   vm_status_kb("VmLck"));
	if (munlockall() < 0)
		CHILD_FAIL("munlockall: %s", strerror(errno));
	if (vm_status_kb("VmLck") != 0 || has_lo(old) || has_lo(neu))
		CHILD_FAIL("VmLck %ld kB after munlockall",
			   vm_status_kb("VmLck"));
	after = mmap(NULL, 4 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (after == MAP_FAILED)
		CHILD_FAIL("mmap after munlockall: %s", strerror(errno));
	if (has_lo(after) ||
	    pages_present(after, 4, 0, child_msg, sizeof(child_msg)))
		CHILD_FAIL("mapping after munlockall is locked or present");
	return NULL;
}

static void mlockall_current_future(void)
{
	run_in_child(mlockall_child);
}

/*
 * mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT): a later mapping is locked
 * but populated only as it is touched (Linux: nothing present at first).
 */
static const char *mlockall_onfault_child(void)
{
	char *p;

	raise_memlock_limit();
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0)
		CHILD_FAIL("mlockall: %s", strerror(errno));
	p = mmap(NULL, 64 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		CHILD_FAIL("mmap under MCL_FUTURE|MCL_ONFAULT: %s", strerror(errno));
	if (!has_lo(p))
		CHILD_FAIL("MCL_ONFAULT mapping not locked");
	if (pages_present(p, 64, 0, child_msg, sizeof(child_msg)))
		return child_msg;
	p[3 * PAGE] = 1;
	if (pages_present(p + 3 * PAGE, 1, 1, child_msg, sizeof(child_msg)) ||
	    pages_present(p + 4 * PAGE, 60, 0, child_msg, sizeof(child_msg)))
		return child_msg;
	munlockall();
	return NULL;
}

static void mlockall_onfault_future(void)
{
	run_in_child(mlockall_onfault_child);
}

#define CAP_IPC_LOCK_	14	/* <linux/capability.h> */

/*
 * RLIMIT_MEMLOCK = 64 KiB: locking 128 KiB fails with ENOMEM (mlock,
 * mlockall) or EAGAIN (mmap MAP_LOCKED, mmap under MCL_FUTURE); amounts
 * within the limit, counted together, succeed.
 */
static const char *rlimit_child(void)
{
	struct rlimit rl = { 64 * 1024, 64 * 1024 };
	char *p = vm_anon(32), *q;
	long r;

	if (p == MAP_FAILED)
		CHILD_FAIL("mmap: %s", strerror(errno));
	/* Root's CAP_IPC_LOCK would bypass the limit. */
	if (cap_drop_effective(CAP_IPC_LOCK_) < 0)
		CHILD_FAIL("capset: %s", strerror(errno));
	if (setrlimit(RLIMIT_MEMLOCK, &rl) < 0)
		CHILD_FAIL("setrlimit: %s", strerror(errno));
	errno = 0;
	r = mlock(p, 32 * PAGE);
	if (r != -1 || errno != ENOMEM)
		CHILD_FAIL("mlock 128 KiB: %ld (%s), want ENOMEM", r,
			   strerror(errno));
	if (has_lo(p) || vm_status_kb("VmLck") != 0)
		CHILD_FAIL("refused mlock left memory locked");
	if (mlock(p, 8 * PAGE) < 0)
		CHILD_FAIL("mlock 32 KiB under the limit: %s", strerror(errno));
	errno = 0;
	r = mlock(p + 8 * PAGE, 16 * PAGE);	/* 32 + 64 > 64 KiB */
	if (r != -1 || errno != ENOMEM)
		CHILD_FAIL("mlock to 96 KiB total: %ld (%s), want ENOMEM", r,
			   strerror(errno));
	if (mlock(p + 8 * PAGE, 8 * PAGE) < 0)
		CHILD_FAIL("mlock to exactly 64 KiB: %s", strerror(errno));
	if (munlock(p, 32 * PAGE) < 0)
		CHILD_FAIL("munlock: %s", strerror(errno));
	q = mmap(NULL, 32 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED,
		 -1, 0);
	if (q != MAP_FAILED || errno != EAGAIN)
		CHILD_FAIL("mmap MAP_LOCKED 128 KiB: %p (%s), want EAGAIN",
			   (void *)q, strerror(errno));
	q = mmap(NULL, 8 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED,
		 -1, 0);
	if (q == MAP_FAILED)
		CHILD_FAIL("mmap MAP_LOCKED 32 KiB: %s", strerror(errno));
	munmap(q, 8 * PAGE);
	errno = 0;
	r = mlockall(MCL_CURRENT);	/* the whole process is > 64 KiB */
	if (r != -1 || errno != ENOMEM)
		CHILD_FAIL("mlockall(MCL_CURRENT): %ld (%s), want ENOMEM", r,
			   strerror(errno));
	if (mlockall(MCL_FUTURE) < 0)
		CHILD_FAIL("mlockall(MCL_FUTURE): %s", strerror(errno));
	q = mmap(NULL, 32 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q != MAP_FAILED || errno != EAGAIN)
		CHILD_FAIL("mmap 128 KiB under MCL_FUTURE: %p (%s), want EAGAIN",
			   (void *)q, strerror(errno));
	return NULL;
}

static void rlimit_memlock(void)
{
	run_in_child(rlimit_child);
}

/* mincore: 1 for a page in memory, 0 for one never touched. */
static void mincore_anon(void)
{
	static const unsigned char want[8] = { 1, 0, 1, 0, 0, 1, 0, 0 };
	unsigned char vec[8];
	char *p = vm_anon(8);
	int i;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	p[0] = p[2 * PAGE] = p[5 * PAGE + 7] = 1;
	memset(vec, 0xee, sizeof(vec));
	EXPECT_OK(mincore(p, 8 * PAGE - 100, vec));	/* rounds up */
	for (i = 0; i < 8; i++)
		EXPECT((vec[i] & 1) == want[i], "page %d: mincore %d, want %d",
		       i, vec[i] & 1, want[i]);
	EXPECT_OK(mincore(p, 0, vec));
	EXPECT_ERRNO(syscall(SYS_mincore, p + 1, PAGE, vec), EINVAL);
	EXPECT_ERRNO(syscall(SYS_mincore, p, PAGE, (void *)8), EFAULT);
	EXPECT_OK(munmap(p + 3 * PAGE, PAGE));
	EXPECT_ERRNO(syscall(SYS_mincore, p, 8 * PAGE, vec), ENOMEM);
	EXPECT_ERRNO(syscall(SYS_mincore, p + 3 * PAGE, PAGE, vec), ENOMEM);
	vm_unmap_guarded(p, 8);
}

/* For a file mapping mincore reports the page cache, mapped or not. */
static void mincore_file(void)
{
	static const unsigned char want[4] = { 1, 0, 1, 0 };
	int fd = memfd_create("vm_lock_mincore", 0), i;
	unsigned char vec[4];
	char *s;

	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, 4 * PAGE));
	EXPECT(pwrite(fd, "a", 1, 0) == 1 && pwrite(fd, "c", 1, 2 * PAGE) == 1,
	       "pwrite");
	s = vm_map_guarded(4, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT(s != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_PRESENT(s, 4, 0);		/* nothing mapped yet */
	EXPECT_OK(mincore(s, 4 * PAGE, vec));
	for (i = 0; i < 4; i++)
		EXPECT((vec[i] & 1) == want[i], "page %d: mincore %d, want %d",
		       i, vec[i] & 1, want[i]);
	vm_unmap_guarded(s, 4);
	close(fd);
}

int main(void)
{
	ut_begin("vm_lock_test");
	RUN(mlock_present_and_counted);
	RUN(mlock_file_mapping);
	RUN(mlock_split_and_merge);
	RUN(map_locked);
	RUN(mlock_errors);
	RUN(locked_range_refusals);
	RUN(mlockall_current_future);
	RUN(mlockall_onfault_future);
	RUN(rlimit_memlock);
	RUN(mincore_anon);
	RUN(mincore_file);
	return ut_end();
}
