/*
 * filemap_test.c - file mappings and the page cache, seen from user space
 * (the grading tests of lab 6, docs/labs/06-filemap.md): which pages a
 * fault on a file mapping maps, how many faults it takes, and what
 * mincore(2) knows of the page cache.
 *
 *	fault-around	a read fault maps the file's cached pages of its
 *			aligned 16-page (64 KiB) window too, read-only; holes
 *			and slots already mapped (a private copy) stay as
 *			they are
 *	private write	to a file page never touched: one fault, and the
 *			page mapped is a private copy, never the cache's
 *	shared read	maps the cache page writable: the write that
 *			follows takes no fault (unless soft-dirty tracks the
 *			mapping: then it must fault, to be recorded)
 *	mincore		a file page in the page cache is resident, mapped
 *			or not; a hole is not
 *
 * The files are memfds (tmpfs on both kernels). Pages are seen in
 * /proc/self/pagemap (present bit 63, file/shared bit 61, exclusive bit
 * 56, soft-dirty bit 55, the PFN for root). Faults are counted with
 * getrusage() on Linux and with /proc/vmstat's pgfault on Pagoda (whose
 * getrusage does not count them; the test is alone on the machine
 * there). Linux's fault-around window is its default, fault_around_bytes
 * = 64 KiB, as Pagoda's; Pagoda's fault_around, file_fault and cow_fault
 * counters (Linux has none of them) are checked too.
 */
#include "vm_util.h"

#include <sys/resource.h>

#define RW		(PROT_READ | PROT_WRITE)
#define WINDOW		16		/* pages of one fault-around window */
#define PM_SOFT_DIRTY	(1ull << 55)

static unsigned long long pfn(uint64_t e)
{
	return e & PM_PFN_MASK;
}

/* Faults this process took so far (see the top), or -1. */
static long long faults_now(void)
{
	struct rusage ru;

	if (ut_on_pagoda())
		return vm_vmstat("pgfault");
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return -1;
	return ru.ru_minflt + ru.ru_majflt;
}

/* faults_now(), read twice: the first read may fault itself (its buffer). */
static long long faults(void)
{
	faults_now();
	return faults_now();
}

/* A Pagoda-only vmstat counter, or -1 on Linux. */
static long long pagoda_counter(const char *name)
{
	return ut_on_pagoda() ? vm_vmstat(name) : -1;
}

/*
 * A memfd of @npages pages; page i holds byte 'A' + i throughout when
 * bit i of @written is set, else it is a hole. -1 on error.
 */
static int make_file(int npages, unsigned long written)
{
	static char buf[PAGE];
	int fd = memfd_create("filemap_test", 0);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)npages * PAGE) < 0)
		goto fail;
	for (int i = 0; i < npages; i++) {
		if (!(written & (1ul << i)))
			continue;
		memset(buf, 'A' + i, sizeof(buf));
		if (pwrite(fd, buf, PAGE, (off_t)i * PAGE) != PAGE)
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/*
 * Map @npages of @fd at an address aligned to a whole fault-around window,
 * so that page 0 starts a window; guarded by PROT_NONE reservations on
 * both sides. MAP_FAILED on error; undo with unmap_aligned().
 */
static char *map_aligned(int npages, int prot, int flags, int fd)
{
	size_t span = (size_t)(npages + 2 * WINDOW) * PAGE;
	char *res = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);
	char *p;

	if (res == MAP_FAILED)
		return MAP_FAILED;
	p = (char *)(((uintptr_t)res + WINDOW * PAGE) & ~(uintptr_t)(WINDOW * PAGE - 1));
	if (mmap(p, (size_t)npages * PAGE, prot, flags | MAP_FIXED, fd, 0) == MAP_FAILED) {
		munmap(res, span);
		return MAP_FAILED;
	}
	return p;
}

static void unmap_aligned(char *p, int npages)
{
	/* The reservation around: at most a window below, a window above. */
	munmap(p - WINDOW * PAGE, (size_t)(npages + 2 * WINDOW) * PAGE);
}

/* The present bits of @n pages from @p, as a mask (page i: bit i); -1 on error. */
static long present_mask(const char *p, int n)
{
	long m = 0;

	for (int i = 0; i < n; i++) {
		uint64_t e;

		if (vm_pagemap(p + (size_t)i * PAGE, &e))
			return -1;
		if (e & PM_PRESENT)
			m |= 1l << i;
	}
	return m;
}

/* ---- fault-around ---- */

static void fault_around_checks(int fd, char *s, char *q)
{
	long long fa0 = pagoda_counter("fault_around"), fa1, f0, f1;
	uint64_t es, eq;
	long m;

	/* One read in the middle of the first window maps all of it. */
	f0 = faults();
	EXPECT(s[5 * PAGE] == 'A' + 5, "page 5 reads %#x", s[5 * PAGE]);
	f1 = faults();
	m = present_mask(s, 2 * WINDOW);
	EXPECT(m == 0xffff, "after reading page 5 of a shared mapping, present pages %#lx: want "
	       "%#x (its 16-page window, all cached; the next window untouched)", m, 0xffff);
	fa1 = pagoda_counter("fault_around");
	EXPECT(f1 == f0 + 1, "reading one page: %lld faults", f1 - f0);
	EXPECT(!ut_on_pagoda() || fa1 == fa0 + WINDOW - 1,
	       "fault_around %lld -> %lld: want %d neighbours mapped", fa0, fa1, WINDOW - 1);
	/* Each neighbour is the right page of the file: its bytes, no fault. */
	f0 = faults();
	for (int i = 0; i < WINDOW; i++) {
		EXPECT(s[i * PAGE] == 'A' + i && s[i * PAGE + PAGE - 1] == 'A' + i,
		       "page %d of the window reads %#x", i, s[i * PAGE]);
		EXPECT_PAGEMAP(s + i * PAGE, es);
		EXPECT((es & PM_FILE) && pfn(es), "page %d: entry %#llx, want a file page", i,
		       (unsigned long long)es);
	}
	f1 = faults();
	EXPECT(f1 == f0, "reading the 15 neighbours took %lld faults, want none", f1 - f0);
	/* The second window, faulted at its end. */
	EXPECT(s[31 * PAGE] == 'A' + 31, "page 31 reads %#x", s[31 * PAGE]);
	m = present_mask(s, 2 * WINDOW);
	EXPECT(m == 0xffffffffl, "after reading page 31 too, present pages %#lx", m);
	/* A private mapping of the file maps the very same cache pages around. */
	EXPECT(q[9 * PAGE] == 'A' + 9, "private page 9 reads %#x", q[9 * PAGE]);
	m = present_mask(q, 2 * WINDOW);
	EXPECT(m == 0xffff, "after reading page 9 of a private mapping, present pages %#lx", m);
	for (int i = 0; i < WINDOW; i++) {
		EXPECT_PAGEMAP(s + i * PAGE, es);
		EXPECT_PAGEMAP(q + i * PAGE, eq);
		EXPECT(pfn(eq) == pfn(es) && (eq & PM_FILE),
		       "private page %d: %#llx, shared %#llx: want the one cache page", i,
		       (unsigned long long)eq, (unsigned long long)es);
	}
	(void)fd;
}

/* A read fault maps the cached pages of its window (Linux's fault-around). */
static void fault_around_maps_neighbours(void)
{
	int fd = make_file(2 * WINDOW, ~0ul);
	char *s, *q;

	EXPECT(fd >= 0, "memfd: %s", strerror(errno));
	s = map_aligned(2 * WINDOW, PROT_READ, MAP_SHARED, fd);
	q = map_aligned(2 * WINDOW, PROT_READ, MAP_PRIVATE, fd);
	if (s != MAP_FAILED && q != MAP_FAILED)
		fault_around_checks(fd, s, q);
	else
		ut_fail("mmap: %s", strerror(errno));
	if (s != MAP_FAILED)
		unmap_aligned(s, 2 * WINDOW);
	if (q != MAP_FAILED)
		unmap_aligned(q, 2 * WINDOW);
	close(fd);
}

static void fault_around_holes_checks(char *q)
{
	/* Cached: 0-7, 12, 13 (bits); holes: 8-11, 14, 15. */
	const long cached = 0x30ff;
	long long fa0, fa1;
	uint64_t e3, e;
	long m;

	q[3 * PAGE] = 'p';			/* a private copy in the window */
	EXPECT_PAGEMAP(q + 3 * PAGE, e3);
	EXPECT((e3 & PM_PRESENT) && !(e3 & PM_FILE), "private write: %#llx",
	       (unsigned long long)e3);
	EXPECT(present_mask(q, WINDOW) == 1l << 3, "a write mapped neighbours: %#lx",
	       present_mask(q, WINDOW));
	fa0 = pagoda_counter("fault_around");
	EXPECT(q[PAGE] == 'B', "page 1 reads %#x", q[PAGE]);
	fa1 = pagoda_counter("fault_around");
	m = present_mask(q, WINDOW);
	EXPECT(m == cached, "present pages %#lx after reading page 1: want %#lx (the cached "
	       "pages, not the holes)", m, cached);
	EXPECT_PAGEMAP(q + 3 * PAGE, e);
	EXPECT(pfn(e) == pfn(e3) && !(e & PM_FILE) && q[3 * PAGE] == 'p' &&
	       q[3 * PAGE + 1] == 'D',
	       "the private copy of page 3 was replaced: %#llx (was %#llx), reads %#x %#x",
	       (unsigned long long)e, (unsigned long long)e3, q[3 * PAGE], q[3 * PAGE + 1]);
	/* 0, 2, 4-7, 12, 13: eight neighbours (1 was the fault, 3 was taken). */
	EXPECT(!ut_on_pagoda() || fa1 == fa0 + 8, "fault_around %lld -> %lld: want +8", fa0,
	       fa1);
	/* A hole reads as zeros, by a fault of its own. */
	EXPECT(q[9 * PAGE] == 0 && q[15 * PAGE + 7] == 0, "holes do not read as zeros");
}

/* Fault-around maps cached pages only, into empty slots only. */
static void fault_around_holes_and_copies(void)
{
	int fd = make_file(WINDOW, 0x30ff);
	char *q;

	EXPECT(fd >= 0, "memfd: %s", strerror(errno));
	q = map_aligned(WINDOW, RW, MAP_PRIVATE, fd);
	if (q == MAP_FAILED) {
		close(fd);
		EXPECT(0, "mmap: %s", strerror(errno));
	}
	fault_around_holes_checks(q);
	unmap_aligned(q, WINDOW);
	close(fd);
}

/* ---- private writes ---- */

static void private_write_checks(int fd, char *s, char *q)
{
	long long f0, f1, cf0, cf1, ff0, ff1;
	uint64_t es, eq;
	char c = 0;

	EXPECT(s[0] == 'A', "shared page 0 reads %#x", s[0]);
	EXPECT_PAGEMAP(s, es);
	cf0 = pagoda_counter("cow_fault");
	ff0 = pagoda_counter("file_fault");
	f0 = faults();
	q[0] = 'w';				/* never touched before */
	f1 = faults();
	cf1 = pagoda_counter("cow_fault");
	ff1 = pagoda_counter("file_fault");
	EXPECT_PAGEMAP(q, eq);
	EXPECT(f1 == f0 + 1, "the first write to a private file page took %lld faults, want "
	       "one", f1 - f0);
	EXPECT((eq & PM_PRESENT) && !(eq & PM_FILE) && (eq & PM_EXCLUSIVE) && pfn(eq) != pfn(es),
	       "private write: entry %#llx, the cache page's PFN %#llx: want a private, "
	       "exclusive copy", (unsigned long long)eq, pfn(es));
	EXPECT(q[0] == 'w' && q[1] == 'A' && q[PAGE - 1] == 'A',
	       "the copy reads %#x %#x, want the write over the file's bytes", q[0], q[1]);
	EXPECT(s[0] == 'A' && pread(fd, &c, 1, 0) == 1 && c == 'A',
	       "a private write reached the file (%#x, %#x)", s[0], c);
	EXPECT(present_mask(q, 4) == 1, "a write fault mapped neighbours: %#lx",
	       present_mask(q, 4));
	EXPECT(!ut_on_pagoda() || (cf1 == cf0 + 1 && ff1 == ff0 + 1),
	       "cow_fault %lld -> %lld, file_fault %lld -> %lld: want one of each", cf0, cf1,
	       ff0, ff1);
}

/* The first write to a private file page maps a private copy, in one fault. */
static void private_write_copies_at_once(void)
{
	int fd = make_file(4, 0xf);
	char *s, *q;

	EXPECT(fd >= 0, "memfd: %s", strerror(errno));
	s = vm_map_guarded(4, PROT_READ, MAP_SHARED, fd, 0);
	q = vm_map_guarded(4, RW, MAP_PRIVATE, fd, 0);
	if (s != MAP_FAILED && q != MAP_FAILED)
		private_write_checks(fd, s, q);
	else
		ut_fail("mmap: %s", strerror(errno));
	if (s != MAP_FAILED)
		vm_unmap_guarded(s, 4);
	if (q != MAP_FAILED)
		vm_unmap_guarded(q, 4);
	close(fd);
}

/* ---- shared mappings ---- */

/* Does this kernel track soft-dirty (a new VMA shows VmFlags "sd")? */
static int softdirty_supported(void)
{
	char *p = mmap(NULL, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char flags[256];
	int ret;

	if (p == MAP_FAILED)
		return 0;
	ret = vm_smaps_flags(p, flags, sizeof(flags)) == 0 && vm_has_flag(flags, "sd");
	munmap(p, PAGE);
	return ret;
}

static int clear_soft_dirty(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	int ok = fd >= 0 && write(fd, "4", 1) == 1;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static void shared_checks(int fd, char *a, char *b, char *t)
{
	long long f0, f1;
	uint64_t e;
	char c = 0;

	/* A read, then a write of the same page: the write takes no fault. */
	EXPECT(a[0] == 'A', "page 0 reads %#x", a[0]);
	f0 = faults();
	a[0] = 'S';
	f1 = faults();
	EXPECT(f1 == f0, "writing a shared page after reading it took %lld faults, want none "
	       "(the read maps it writable)", f1 - f0);
	EXPECT(pread(fd, &c, 1, 0) == 1 && c == 'S', "the file reads %#x after the write", c);
	/* A first write maps the cache page itself, writable: seen everywhere. */
	f0 = faults();
	b[PAGE] = 'T';
	f1 = faults();
	EXPECT(f1 == f0 + 1, "a first write to a shared page took %lld faults, want one",
	       f1 - f0);
	EXPECT(a[PAGE] == 'T' && pread(fd, &c, 1, PAGE) == 1 && c == 'T',
	       "the other mapping reads %#x, the file %#x", a[PAGE], c);
	EXPECT_PAGEMAP(b + PAGE, e);
	EXPECT((e & PM_FILE) && pfn(e), "shared write: entry %#llx", (unsigned long long)e);
	if (!softdirty_supported()) {
		EXPECT(!ut_on_pagoda(), "no VM_SOFTDIRTY (VmFlags sd) on a new mapping");
		return;		/* a Linux without soft-dirty: nothing to track */
	}
	/* Tracked by soft-dirty: the read maps it read-only, the write faults. */
	EXPECT(clear_soft_dirty() == 0, "clear_refs 4: %s", strerror(errno));
	EXPECT(t[2 * PAGE] == 'C', "page 2 reads %#x", t[2 * PAGE]);
	EXPECT_PAGEMAP(t + 2 * PAGE, e);
	EXPECT((e & PM_PRESENT) && !(e & PM_SOFT_DIRTY), "after a tracked read: %#llx",
	       (unsigned long long)e);
	f0 = faults();
	t[2 * PAGE] = 'U';
	f1 = faults();
	EXPECT_PAGEMAP(t + 2 * PAGE, e);
	EXPECT(f1 == f0 + 1 && (e & PM_SOFT_DIRTY),
	       "write after clear_refs 4 and a read: %lld faults, entry %#llx: want one fault "
	       "that marks it soft-dirty", f1 - f0, (unsigned long long)e);
}

/* A shared read maps the page writable; soft-dirty makes the write fault. */
static void shared_read_maps_writable(void)
{
	int fd = make_file(4, 0xf);
	/* a and t: one window each, nothing mapped around them by other faults. */
	char *a = map_aligned(4, RW, MAP_SHARED, fd);
	char *b = map_aligned(4, RW, MAP_SHARED, fd);
	char *t = map_aligned(4, RW, MAP_SHARED, fd);

	if (fd < 0 || a == MAP_FAILED || b == MAP_FAILED || t == MAP_FAILED)
		ut_fail("memfd or mmap: %s", strerror(errno));
	else
		shared_checks(fd, a, b, t);
	if (a != MAP_FAILED)
		unmap_aligned(a, 4);
	if (b != MAP_FAILED)
		unmap_aligned(b, 4);
	if (t != MAP_FAILED)
		unmap_aligned(t, 4);
	if (fd >= 0)
		close(fd);
}

/* ---- mincore ---- */

/* mincore of @n pages at @p as a mask; -1 on error. */
static long mincore_mask(char *p, int n)
{
	unsigned char vec[64];
	long m = 0;

	if (mincore(p, (size_t)n * PAGE, vec) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (vec[i] & 1)
			m |= 1l << i;
	return m;
}

static void mincore_checks(int fd)
{
	char *s = vm_map_guarded(8, PROT_READ, MAP_SHARED, fd, 0), *q, *anon;
	long m;

	EXPECT(s != MAP_FAILED, "mmap: %s", strerror(errno));
	m = mincore_mask(s, 8);
	vm_unmap_guarded(s, 8);
	EXPECT(m == 0x0f, "mincore of an untouched shared mapping: %#lx, want 0xf (pages 0-3 "
	       "are in the page cache, 4-7 are holes)", m);
	/* A new, private mapping: the cache outlived the first one. */
	q = vm_map_guarded(8, PROT_READ, MAP_PRIVATE, fd, 0);
	EXPECT(q != MAP_FAILED, "mmap: %s", strerror(errno));
	m = mincore_mask(q, 8);
	if (m == 0x0f && q[6 * PAGE] == 0)	/* a read of a hole puts a page there */
		m = mincore_mask(q, 8);
	else
		m = -2;
	vm_unmap_guarded(q, 8);
	EXPECT(m == 0x4f, "mincore of a private mapping after reading hole 6: %#lx, want 0x4f",
	       m);
	anon = vm_anon(8);
	EXPECT(anon != MAP_FAILED, "mmap: %s", strerror(errno));
	m = mincore_mask(anon, 8);
	vm_unmap_guarded(anon, 8);
	EXPECT(m == 0, "untouched anonymous memory is resident: %#lx", m);
}

/* mincore(2) of a file mapping answers from the page cache. */
static void mincore_sees_page_cache(void)
{
	int fd = make_file(8, 0x0f);

	EXPECT(fd >= 0, "memfd: %s", strerror(errno));
	mincore_checks(fd);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		ut_select(argv[1]);
	ut_begin("filemap_test");
	RUN(fault_around_maps_neighbours);
	RUN(fault_around_holes_and_copies);
	RUN(private_write_copies_at_once);
	RUN(shared_read_maps_writable);
	RUN(mincore_sees_page_cache);
	return ut_end();
}
