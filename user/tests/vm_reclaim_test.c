/*
 * vm_reclaim_test.c - the reclaim hints and the shared memory that reclaim
 * must treat as shared: MADV_COLD (data and residency unchanged, refused on
 * locked ranges, ENOMEM over a hole, the page's referenced/active state
 * cleared), MAP_SHARED file mappings read back with pread(2) and written
 * with pwrite(2), and MAP_SHARED anonymous memory passed across fork.
 *
 * None of it needs swap or memory pressure, so every case runs on Linux
 * and on Pagoda alike; the few Pagoda-only assertions (LRU flags and the
 * deactivation count around MADV_COLD) say why.  What is looked at:
 *
 *	mincore(2)		residency (1 per page in memory)
 *	/proc/self/pagemap	the PFN of a page (root only on Linux)
 *	/proc/kpageflags	KPF_REFERENCED (bit 2), KPF_ACTIVE (bit 6)
 *	/proc/vmstat		pgdeactivate
 *
 * Files go to $TMPDIR or /tmp (ut_tmpdir): tmpfs on Pagoda, possibly a
 * disk file system on a Linux host, which does not matter here since
 * nothing below depends on writeback.
 */
#include "vm_util.h"

#define RW		(PROT_READ | PROT_WRITE)
#define WORDS		(PAGE / 8)

/* <linux/kernel-page-flags.h> (not on musl's include path). */
#define KPF_REFERENCED	2
#define KPF_ACTIVE	6

/* The 8-byte word @word of page @page of a pattern chosen by @seed. */
static uint64_t pat(unsigned long seed, unsigned long page, unsigned long word)
{
	return ((seed + 1) * 0xd6e8feb86659fd93ull) ^
	       (page * 0x9e3779b97f4a7c15ull) ^ (word * 0xbf58476d1ce4e5b9ull);
}

/* Store the pattern in every @stride-th word of @npages pages at @p. */
static void put_pattern(char *p, unsigned long npages, unsigned long seed,
			unsigned long stride)
{
	for (unsigned long pg = 0; pg < npages; pg++)
		for (unsigned long w = 0; w < WORDS; w += stride)
			((uint64_t *)(p + pg * PAGE))[w] = pat(seed, pg, w);
}

/* The first page at @p whose words differ from the pattern, or -1. */
static long find_bad(const char *p, unsigned long npages, unsigned long seed,
		     unsigned long stride)
{
	for (unsigned long pg = 0; pg < npages; pg++)
		for (unsigned long w = 0; w < WORDS; w += stride)
			if (((const uint64_t *)(p + pg * PAGE))[w] !=
			    pat(seed, pg, w))
				return (long)pg;
	return -1;
}

/* How many of the @npages pages at @p mincore(2) reports in memory; -1. */
static long resident(void *p, unsigned long npages)
{
	static unsigned char vec[1024];
	long n = 0;

	if (npages > sizeof(vec) || mincore(p, npages * PAGE, vec) < 0)
		return -1;
	for (unsigned long i = 0; i < npages; i++)
		n += vec[i] & 1;
	return n;
}

/*
 * Fill @npages at @p, advise MADV_COLD, and check that the call succeeded,
 * that every page stayed in memory and that the data is unchanged.  On
 * failure reports (naming @what) and returns -1.
 */
static int cold_keeps(char *p, unsigned long npages, unsigned long seed,
		      const char *what)
{
	long n, bad;

	put_pattern(p, npages, seed, 1);
	if (madvise(p, npages * PAGE, MADV_COLD) < 0) {
		ut_fail("%s: MADV_COLD: %s", what, strerror(errno));
		return -1;
	}
	n = resident(p, npages);
	if (n != (long)npages) {
		ut_fail("%s: %ld of %lu pages resident after MADV_COLD", what,
			n, npages);
		return -1;
	}
	bad = find_bad(p, npages, seed, 1);
	if (bad >= 0) {
		ut_fail("%s: page %ld changed by MADV_COLD", what, bad);
		return -1;
	}
	return 0;
}

/*
 * MADV_COLD is a hint that the pages will not be used soon: it may only
 * move them towards reclaim, never drop or change them - for private and
 * shared anonymous memory and for a shared file mapping (a file in the
 * temporary directory and a memfd), whose file then reads back the same.
 */
static void madvise_cold_keeps_data(void)
{
	char *p, *s, name[32];
	uint64_t w;
	int fd;

	p = vm_anon(64);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	if (cold_keeps(p, 64, 1, "private anonymous"))
		return;
	vm_unmap_guarded(p, 64);

	s = vm_map_guarded(16, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	EXPECT(s != MAP_FAILED, "mmap shared: %s", strerror(errno));
	if (cold_keeps(s, 16, 2, "shared anonymous"))
		return;
	vm_unmap_guarded(s, 16);

	for (int i = 0; i < 2; i++) {
		if (i == 0)
			fd = open(ut_path("cold"), O_RDWR | O_CREAT | O_TRUNC, 0600);
		else
			fd = memfd_create("vm_reclaim_cold", 0);
		snprintf(name, sizeof(name), "shared %s", i ? "memfd" : "file");
		EXPECT(fd >= 0, "%s: create: %s", name, strerror(errno));
		EXPECT_OK(ftruncate(fd, 16 * PAGE));
		s = vm_map_guarded(16, RW, MAP_SHARED, fd, 0);
		EXPECT(s != MAP_FAILED, "%s: mmap: %s", name, strerror(errno));
		if (cold_keeps(s, 16, 3 + i, name))
			return;
		/* The file itself holds the same data. */
		for (unsigned long pg = 0; pg < 16; pg++) {
			EXPECT(pread(fd, &w, 8, pg * PAGE + 8 * 17) == 8,
			       "%s: pread: %s", name, strerror(errno));
			EXPECT(w == pat(3 + i, pg, 17), "%s: page %lu reads %#llx "
			       "through pread", name, pg, (unsigned long long)w);
		}
		vm_unmap_guarded(s, 16);
		close(fd);
		if (i == 0)
			unlink(ut_path("cold"));
	}
}

/*
 * Locked memory is not subject to reclaim, so Linux refuses the reclaim
 * hints on it outright: MADV_COLD and MADV_PAGEOUT on a VM_LOCKED VMA fail
 * with EINVAL (can_madv_lru_vma()), and the pages stay as they were.  Once
 * unlocked the hint is accepted.  Like every madvise, a range with a hole
 * in it fails with ENOMEM.
 */
static void madvise_cold_pageout_einval_on_locked(void)
{
	char *p = vm_anon(8);
	long bad;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	put_pattern(p, 8, 5, 1);
	EXPECT_OK(mlock(p, 8 * PAGE));
	EXPECT_ERRNO(madvise(p, 8 * PAGE, MADV_COLD), EINVAL);
	EXPECT_ERRNO(madvise(p, 8 * PAGE, MADV_PAGEOUT), EINVAL);
	EXPECT_ERRNO(madvise(p + 2 * PAGE, PAGE, MADV_COLD), EINVAL);
	EXPECT_ERRNO(madvise(p + 2 * PAGE, PAGE, MADV_PAGEOUT), EINVAL);
	EXPECT(resident(p, 8) == 8, "%ld of 8 locked pages resident",
	       resident(p, 8));
	bad = find_bad(p, 8, 5, 1);
	EXPECT(bad < 0, "locked page %ld changed", bad);
	EXPECT_OK(munlock(p, 8 * PAGE));
	EXPECT_OK(madvise(p, 8 * PAGE, MADV_COLD));

	/* A hole: ENOMEM, whether the range only contains it or is it. */
	EXPECT_OK(munmap(p + 3 * PAGE, PAGE));
	EXPECT_ERRNO(madvise(p, 8 * PAGE, MADV_COLD), ENOMEM);
	EXPECT_ERRNO(madvise(p + 3 * PAGE, PAGE, MADV_COLD), ENOMEM);
	bad = find_bad(p, 3, 5, 1);
	EXPECT(bad < 0, "page %ld changed by MADV_COLD over a hole", bad);
	vm_unmap_guarded(p, 8);
}

/*
 * MADV_COLD deactivates the pages: afterwards /proc/kpageflags shows them
 * neither active nor referenced, and pgdeactivate has not gone backwards.
 *
 * Two kinds of page: anonymous ones, written and read through the mapping
 * (on both kernels a new anonymous page starts inactive and unreferenced,
 * so for them only the result is checked), and memfd pages used through
 * write(2) and read(2) first - the first use marks a page referenced, the
 * second activates it, the third marks it referenced again - so that
 * MADV_COLD, on a mapping that is their only one, has both flags to clear
 * and must count 16 deactivations.
 *
 * The flags and the count are asserted on Pagoda only: Linux clears
 * PG_referenced at once but activates and deactivates folios through
 * per-CPU batches (folio_activate, lru_deactivate), so what the test sees
 * depends on when a batch drains - racy by design, not wrong. On Linux the
 * flags are still read (the files must work) but not judged.
 */
#define HOT	((1ull << KPF_ACTIVE) | (1ull << KPF_REFERENCED))

/* kpageflags of the @n pages at @p into @f; -1 (case failed) on error. */
static int page_flags(int kfd, char *p, unsigned long n, uint64_t *f)
{
	uint64_t e;

	for (unsigned long pg = 0; pg < n; pg++) {
		if (vm_pagemap(p + pg * PAGE, &e) < 0) {
			ut_fail("pagemap: %s", strerror(errno));
			return -1;
		}
		if (!(e & PM_PRESENT) || !(e & PM_PFN_MASK)) {
			ut_fail("page %lu not present (pagemap %#llx)", pg,
				(unsigned long long)e);
			return -1;
		}
		if (pread(kfd, &f[pg], 8, (off_t)(e & PM_PFN_MASK) * 8) != 8) {
			ut_fail("kpageflags of pfn %#llx: %s",
				(unsigned long long)(e & PM_PFN_MASK),
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Read the flags of the 16 pages at @p; on Pagoda each must be hot iff @hot. */
static void expect_hot(int kfd, char *p, int hot, const char *kind,
		       const char *after)
{
	uint64_t f[16];

	if (page_flags(kfd, p, 16, f))
		return;
	for (unsigned long pg = 0; pg < 16 && ut_on_pagoda(); pg++)
		EXPECT((f[pg] & HOT) == (hot ? HOT : 0),
		       "%s page %lu: kpageflags %#llx after %s, want "
		       "KPF_ACTIVE and KPF_REFERENCED%s", kind, pg,
		       (unsigned long long)f[pg], after, hot ? "" : " clear");
}

/* Fill a new memfd (into *@mfdp) with 16 pages by write(2), read twice. */
static void make_hot_memfd(int *mfdp)
{
	static uint64_t buf[WORDS];
	int mfd = memfd_create("vm_reclaim_hot", 0);

	*mfdp = mfd;
	EXPECT_OK(mfd);
	for (unsigned long pg = 0; pg < 16; pg++) {
		for (unsigned long w = 0; w < WORDS; w++)
			buf[w] = pat(10, pg, w);
		EXPECT(pwrite(mfd, buf, PAGE, pg * PAGE) == PAGE, "pwrite: %s",
		       strerror(errno));
		for (int i = 0; i < 2; i++)
			EXPECT(pread(mfd, buf, PAGE, pg * PAGE) == PAGE,
			       "pread: %s", strerror(errno));
	}
}

static void madvise_cold_clears_referenced(void)
{
	char *p = vm_anon(16), *s;
	long long d0, d1, d2;
	uint64_t e;
	int kfd, mfd;
	long bad;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	put_pattern(p, 16, 6, 1);
	bad = find_bad(p, 16, 6, 1);	/* used twice */
	EXPECT(bad < 0, "page %ld wrong before MADV_COLD", bad);
	EXPECT_PAGEMAP(p, e);
	if ((e & PM_PFN_MASK) == 0)
		SKIP("pagemap shows no PFNs (not root)");
	kfd = open("/proc/kpageflags", O_RDONLY);
	EXPECT(kfd >= 0, "open /proc/kpageflags: %s", strerror(errno));
	d0 = vm_vmstat("pgdeactivate");
	EXPECT(d0 >= 0, "no pgdeactivate in /proc/vmstat");
	EXPECT_OK(madvise(p, 16 * PAGE, MADV_COLD));
	expect_hot(kfd, p, 0, "anonymous", "MADV_COLD");
	if (ut_case_failed)
		return;
	bad = find_bad(p, 16, 6, 1);
	EXPECT(bad < 0, "page %ld changed by MADV_COLD", bad);
	vm_unmap_guarded(p, 16);

	make_hot_memfd(&mfd);
	if (ut_case_failed)
		return;
	s = vm_map_guarded(16, PROT_READ, MAP_SHARED, mfd, 0);
	EXPECT(s != MAP_FAILED, "mmap memfd: %s", strerror(errno));
	bad = find_bad(s, 16, 10, 1);
	EXPECT(bad < 0, "memfd page %ld wrong through the mapping", bad);
	expect_hot(kfd, s, 1, "memfd", "write(2) and two read(2)s");
	if (ut_case_failed)
		return;
	d1 = vm_vmstat("pgdeactivate");
	EXPECT_OK(madvise(s, 16 * PAGE, MADV_COLD));
	d2 = vm_vmstat("pgdeactivate");
	expect_hot(kfd, s, 0, "memfd", "MADV_COLD");
	if (ut_case_failed)
		return;
	EXPECT(d0 <= d1 && d1 <= d2, "pgdeactivate went %lld, %lld, %lld",
	       d0, d1, d2);
	if (ut_on_pagoda())
		EXPECT(d2 - d1 >= 16, "pgdeactivate +%lld for 16 active pages",
		       d2 - d1);
	bad = find_bad(s, 16, 10, 1);
	EXPECT(bad < 0, "memfd page %ld changed by MADV_COLD", bad);
	vm_unmap_guarded(s, 16);
	close(mfd);
	close(kfd);
}

/*
 * MADV_COLD clears the accessed ("young") bit of every page only this
 * process maps, as Linux's madvise_cold does: smaps' Referenced (pages
 * with a young PTE or the page's referenced flag) drops from all of the
 * VMA to nothing, while Rss stays.
 */
static void madvise_cold_clears_young(void)
{
	char *p = vm_anon(16);
	long ref0, ref1;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	put_pattern(p, 16, 7, 64);
	ref0 = vm_smaps_kb(p, "Referenced");
	EXPECT(ref0 == 16 * PAGE / 1024, "Referenced %ld kB after writing 16 pages", ref0);
	EXPECT_OK(madvise(p, 16 * PAGE, MADV_COLD));
	ref1 = vm_smaps_kb(p, "Referenced");
	EXPECT(ref1 == 0, "Referenced %ld kB after MADV_COLD, want 0", ref1);
	EXPECT(vm_smaps_kb(p, "Rss") == 16 * PAGE / 1024, "Rss %ld kB after MADV_COLD",
	       vm_smaps_kb(p, "Rss"));
	vm_unmap_guarded(p, 16);
}

/*
 * A shared file mapping is the file: 4 MiB written only through the
 * mapping read back with pread(2) after munmap, and a pwrite(2) is seen
 * through a new mapping at once.
 */
#define FILE_PAGES	1024ul		/* 4 MiB */
#define FILE_STRIDE	32		/* a word every 256 bytes */

static void shared_file_mapping_read_back(void)
{
	static uint64_t chunk[16 * WORDS];	/* 64 KiB: 16 pages */
	const char *path = ut_path("shared-4m");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	uint64_t a = 0x0123456789abcdefull, b = ~a;
	struct stat st;
	char *m;

	EXPECT(fd >= 0, "open %s: %s", path, strerror(errno));
	EXPECT_OK(ftruncate(fd, FILE_PAGES * PAGE));
	m = mmap(NULL, FILE_PAGES * PAGE, RW, MAP_SHARED, fd, 0);
	EXPECT(m != MAP_FAILED, "mmap: %s", strerror(errno));
	put_pattern(m, FILE_PAGES, 7, FILE_STRIDE);
	EXPECT_OK(munmap(m, FILE_PAGES * PAGE));

	EXPECT_OK(fstat(fd, &st));
	EXPECT(st.st_size == (off_t)(FILE_PAGES * PAGE), "size %lld",
	       (long long)st.st_size);
	for (unsigned long pg = 0; pg < FILE_PAGES; pg += 16) {
		ssize_t r = pread(fd, chunk, sizeof(chunk), pg * PAGE);

		EXPECT(r == (ssize_t)sizeof(chunk), "pread at page %lu: %zd (%s)",
		       pg, r, strerror(errno));
		for (unsigned long i = 0; i < 16; i++)
			for (unsigned long w = 0; w < WORDS; w += FILE_STRIDE)
				EXPECT(chunk[i * WORDS + w] == pat(7, pg + i, w),
				       "pread: page %lu word %lu is %#llx, want "
				       "%#llx", pg + i, w,
				       (unsigned long long)chunk[i * WORDS + w],
				       (unsigned long long)pat(7, pg + i, w));
	}

	m = mmap(NULL, FILE_PAGES * PAGE, RW, MAP_SHARED, fd, 0);
	EXPECT(m != MAP_FAILED, "second mmap: %s", strerror(errno));
	EXPECT(find_bad(m, FILE_PAGES, 7, FILE_STRIDE) < 0,
	       "the second mapping sees page %ld wrong",
	       find_bad(m, FILE_PAGES, 7, FILE_STRIDE));
	EXPECT(pwrite(fd, &a, 8, 517 * PAGE + 8) == 8, "pwrite: %s",
	       strerror(errno));
	EXPECT(pwrite(fd, &b, 8, FILE_PAGES * PAGE - 8) == 8, "pwrite: %s",
	       strerror(errno));
	EXPECT(*(uint64_t *)(m + 517 * PAGE + 8) == a &&
	       *(uint64_t *)(m + FILE_PAGES * PAGE - 8) == b,
	       "the mapping misses a pwrite: %#llx %#llx",
	       (unsigned long long)*(uint64_t *)(m + 517 * PAGE + 8),
	       (unsigned long long)*(uint64_t *)(m + FILE_PAGES * PAGE - 8));
	/* The words next to them are untouched. */
	EXPECT(*(uint64_t *)(m + 517 * PAGE) == pat(7, 517, 0),
	       "pwrite disturbed its neighbour");
	EXPECT_OK(munmap(m, FILE_PAGES * PAGE));
	close(fd);
	EXPECT_OK(unlink(path));
}

/*
 * MAP_SHARED | MAP_ANONYMOUS memory is one object for parent and child: a
 * pattern the child writes is what the parent reads after the child has
 * exited, and the other way round (the child's exit status says).
 */
#define SHARED_PAGES	512ul		/* 2 MiB */

static void shared_anon_across_fork(void)
{
	char *s = vm_map_guarded(SHARED_PAGES, RW, MAP_SHARED | MAP_ANONYMOUS,
				 -1, 0);
	long bad;
	pid_t pid;
	int st;

	EXPECT(s != MAP_FAILED, "mmap: %s", strerror(errno));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		put_pattern(s, SHARED_PAGES, 8, 1);
		_exit(0);
	}
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0, "writer child status %#x", st);
	bad = find_bad(s, SHARED_PAGES, 8, 1);
	EXPECT(bad < 0, "parent reads page %ld of the child's pattern wrong",
	       bad);

	put_pattern(s, SHARED_PAGES, 9, 1);
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0)
		_exit(find_bad(s, SHARED_PAGES, 9, 1) < 0 ? 0 : 1);
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "child read the parent's pattern wrong (status %#x)", st);
	vm_unmap_guarded(s, SHARED_PAGES);
}

int main(void)
{
	ut_begin("vm_reclaim_test");
	RUN(madvise_cold_keeps_data);
	RUN(madvise_cold_pageout_einval_on_locked);
	RUN(madvise_cold_clears_referenced);
	RUN(madvise_cold_clears_young);
	RUN(shared_file_mapping_read_back);
	RUN(shared_anon_across_fork);
	return ut_end();
}
