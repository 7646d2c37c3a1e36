/*
 * demand_test.c - demand paging of anonymous memory as a program sees it
 * (the demand-paging lab, docs/labs/04-demand.md), through
 * /proc/self/pagemap (present bit, PFN, "exclusively mapped" bit 56),
 * /proc/self/smaps (Rss of one mapping) and /proc/self/status (RssAnon,
 * RssShmem):
 *
 *	read_maps_zero_page		reads of untouched private memory map
 *					one shared page, the same in every
 *					mapping: the zero page
 *	read_not_resident		...which is not resident memory of the
 *					process: Rss and RssAnon stay put
 *	write_after_read_replaces	a write puts a zeroed page of its own
 *					in place of the zero page
 *	write_counts_rss		written pages are resident: RssAnon
 *	dontneed_back_to_zero		MADV_DONTNEED drops a written page; the
 *					next read maps the zero page again
 *	shared_anon_counts_shmem	shared anonymous memory is shmem:
 *					RssShmem
 *
 * Linux maps the zero page for such reads on x86 but does not promise it
 * (mm_forbids_zeropage()), and shows PFNs in pagemap to root only: there,
 * the cases that need either ask first and skip, saying why. Pagoda must
 * do it all. "demand_test case[,case]" runs some cases only.
 */
#include "vm_util.h"

#define NPAGES	256			/* 1 MiB */

static unsigned long long pfn(uint64_t e)
{
	return e & PM_PFN_MASK;
}

/*
 * Does this kernel answer a read of untouched private anonymous memory
 * with the zero page, which is not resident memory? (No root needed: a
 * page that was only read shows no Rss.) 1 yes, 0 no, -1 unknown; @why
 * says what was seen.
 */
static int reads_map_zero_page(char *why, size_t n)
{
	char *p = vm_anon(1);
	long rss;

	if (p == MAP_FAILED) {
		snprintf(why, n, "probe mmap: %s", strerror(errno));
		return -1;
	}
	(void)*(volatile char *)p;
	rss = vm_smaps_kb(p, "Rss");
	vm_unmap_guarded(p, 1);
	if (rss < 0) {
		snprintf(why, n, "no smaps Rss line for the probe");
		return -1;
	}
	snprintf(why, n, "this kernel allocates on read faults of private anonymous memory "
		 "(Rss %ld kB after reading one page): no zero page", rss);
	return rss == 0;
}

/* On Linux, skip unless reads map the zero page. */
#define NEED_ZERO_PAGE() do {						\
	char w_[200];							\
	if (!ut_on_pagoda() && reads_map_zero_page(w_, sizeof(w_)) != 1)	\
		SKIP("%s", w_);						\
} while (0)

/* ...and pagemap shows PFNs (root, CAP_SYS_ADMIN). */
#define NEED_ZERO_PAGE_PFNS() do {					\
	char w_[200];							\
	NEED_ZERO_PAGE();						\
	if (!ut_on_pagoda() && vm_host_maps_zero_page(w_, sizeof(w_)) != 1)	\
		SKIP("%s", w_);						\
} while (0)

/* Read one byte of each of @n pages at @p; their sum (0 for fresh memory). */
static long read_pages(const char *p, size_t n)
{
	long sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += ((const volatile char *)p)[i * PAGE + i % PAGE];
	return sum;
}

static void read_maps_zero_page(void)
{
	uint64_t e0, e;
	char *p, *q;

	NEED_ZERO_PAGE_PFNS();
	p = vm_anon(NPAGES);
	q = vm_anon(1);
	EXPECT(p != MAP_FAILED && q != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_PAGEMAP(p, e0);
	EXPECT(!(e0 & PM_PRESENT), "untouched page present: %#llx", (unsigned long long)e0);
	EXPECT(read_pages(p, NPAGES) == 0, "fresh anonymous memory is not zero");
	EXPECT_PAGEMAP(p, e0);
	EXPECT((e0 & PM_PRESENT) && pfn(e0) != 0, "a page just read is not present "
	       "(pagemap %#llx)", (unsigned long long)e0);
	for (size_t i = 0; i < NPAGES; i++) {
		EXPECT_PAGEMAP(p + i * PAGE, e);
		EXPECT((e & PM_PRESENT) && pfn(e) == pfn(e0),
		       "page %zu: PFN %#llx, page 0: %#llx - want one shared page", i, pfn(e),
		       pfn(e0));
		EXPECT(!(e & PM_EXCLUSIVE) && !(e & PM_FILE),
		       "page %zu: pagemap %#llx has the exclusive or file bit", i,
		       (unsigned long long)e);
	}
	/* Every mapping shares it. */
	EXPECT(read_pages(q, 1) == 0, "fresh memory not zero");
	EXPECT_PAGEMAP(q, e);
	EXPECT(pfn(e) == pfn(e0), "another mapping reads PFN %#llx, want the same %#llx",
	       pfn(e), pfn(e0));
	vm_unmap_guarded(p, NPAGES);
	vm_unmap_guarded(q, 1);
}

static void read_not_resident(void)
{
	long a0, a1, rss;
	char *p;

	NEED_ZERO_PAGE();
	p = vm_anon(NPAGES);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	a0 = vm_status_kb("RssAnon");
	EXPECT(read_pages(p, NPAGES) == 0, "fresh anonymous memory is not zero");
	rss = vm_smaps_kb(p, "Rss");
	a1 = vm_status_kb("RssAnon");
	EXPECT(a0 >= 0 && a1 >= 0 && rss >= 0, "no RssAnon in status or Rss in smaps");
	EXPECT(rss == 0, "smaps Rss %ld kB after reading %d untouched pages, want 0: "
	       "nothing of their own is resident", rss, NPAGES);
	EXPECT(a1 - a0 < NPAGES * 4 / 4, "RssAnon %ld -> %ld kB after reading %d untouched "
	       "pages: the reads were counted as resident", a0, a1, NPAGES);
	vm_unmap_guarded(p, NPAGES);
}

static void write_after_read_replaces(void)
{
	uint64_t e0, e1, e;
	char *p;

	NEED_ZERO_PAGE_PFNS();
	p = vm_anon(4);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(read_pages(p, 4) == 0, "fresh anonymous memory is not zero");
	EXPECT_PAGEMAP(p, e0);
	EXPECT_PAGEMAP(p + PAGE, e1);
	EXPECT(pfn(e0) && pfn(e1) == pfn(e0), "two pages read: PFNs %#llx and %#llx, want "
	       "the zero page twice", pfn(e0), pfn(e1));
	p[PAGE + 100] = 'x';
	EXPECT_PAGEMAP(p + PAGE, e);
	EXPECT((e & PM_PRESENT) && pfn(e) != pfn(e0),
	       "the written page still has the zero page's PFN %#llx", pfn(e0));
	EXPECT(e & PM_EXCLUSIVE, "the written page is not mapped exclusively: %#llx",
	       (unsigned long long)e);
	for (size_t i = 0; i < PAGE; i++)
		EXPECT(p[PAGE + i] == (i == 100 ? 'x' : 0), "byte %zu of the written page "
		       "reads %d", i, p[PAGE + i]);
	/* The others still map the zero page, which stayed zero. */
	EXPECT_PAGEMAP(p, e);
	EXPECT(pfn(e) == pfn(e0) && read_pages(p, 1) == 0 && read_pages(p + 2 * PAGE, 2) == 0,
	       "the other pages changed");
	EXPECT(vm_smaps_kb(p, "Rss") == 4, "smaps Rss %ld kB, want 4 (one page written)",
	       vm_smaps_kb(p, "Rss"));
	vm_unmap_guarded(p, 4);
}

static void write_counts_rss(void)
{
	char *p = vm_anon(NPAGES);
	long a0, a1, a2;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	a0 = vm_status_kb("RssAnon");
	for (size_t i = 0; i < NPAGES; i++)
		p[i * PAGE] = 1;
	a1 = vm_status_kb("RssAnon");
	EXPECT(a0 >= 0 && a1 >= 0, "no RssAnon in /proc/self/status");
	EXPECT(a1 - a0 >= NPAGES * 4, "RssAnon %ld -> %ld kB after writing %d pages, want "
	       "+%d", a0, a1, NPAGES, NPAGES * 4);
	EXPECT(vm_smaps_kb(p, "Rss") == NPAGES * 4, "smaps Rss %ld kB, want %d",
	       vm_smaps_kb(p, "Rss"), NPAGES * 4);
	vm_unmap_guarded(p, NPAGES);
	a2 = vm_status_kb("RssAnon");
	EXPECT(a1 - a2 >= NPAGES * 4, "RssAnon %ld -> %ld kB after munmap, want -%d", a1, a2,
	       NPAGES * 4);
}

static void dontneed_back_to_zero(void)
{
	uint64_t z, e;
	char *p;

	NEED_ZERO_PAGE_PFNS();
	p = vm_anon(2);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(read_pages(p + PAGE, 1) == 0, "fresh memory not zero");
	EXPECT_PAGEMAP(p + PAGE, z);
	p[0] = 'a';
	EXPECT_PAGEMAP(p, e);
	EXPECT(pfn(e) != pfn(z), "written page has the zero page's PFN");
	EXPECT_OK(madvise(p, PAGE, MADV_DONTNEED));
	EXPECT_PAGEMAP(p, e);
	EXPECT(!(e & PM_PRESENT), "present after MADV_DONTNEED: %#llx", (unsigned long long)e);
	EXPECT(p[0] == 0, "a dropped page reads %d, want 0", p[0]);
	EXPECT_PAGEMAP(p, e);
	EXPECT((e & PM_PRESENT) && pfn(e) == pfn(z), "read after MADV_DONTNEED maps PFN %#llx, "
	       "want the zero page %#llx", pfn(e), pfn(z));
	EXPECT(vm_smaps_kb(p, "Rss") == 0, "smaps Rss %ld kB, want 0", vm_smaps_kb(p, "Rss"));
	vm_unmap_guarded(p, 2);
}

static void shared_anon_counts_shmem(void)
{
	char *p = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	long s0, s1, s2;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	madvise(p, NPAGES * PAGE, MADV_NOHUGEPAGE);
	s0 = vm_status_kb("RssShmem");
	for (size_t i = 0; i < NPAGES; i++)
		p[i * PAGE] = 1;
	s1 = vm_status_kb("RssShmem");
	EXPECT(s0 >= 0 && s1 >= 0, "no RssShmem in /proc/self/status");
	EXPECT(s1 - s0 >= NPAGES * 4, "RssShmem %ld -> %ld kB after writing %d shared pages, "
	       "want +%d", s0, s1, NPAGES, NPAGES * 4);
	EXPECT_OK(munmap(p, NPAGES * PAGE));
	s2 = vm_status_kb("RssShmem");
	EXPECT(s1 - s2 >= NPAGES * 4, "RssShmem %ld -> %ld kB after munmap, want -%d", s1, s2,
	       NPAGES * 4);
}

int main(int argc, char **argv)
{
	ut_begin("demand_test");
	if (argc > 1)
		ut_select(argv[1]);
	/*
	 * Make the buffers /proc files are read into resident now, so that
	 * reading them later changes no Rss the cases measure.
	 */
	memset(vm_buf, 0, sizeof(vm_buf));
	(void)vm_smaps_kb(vm_buf, "Rss");
	RUN(read_maps_zero_page);
	RUN(read_not_resident);
	RUN(write_after_read_replaces);
	RUN(write_counts_rss);
	RUN(dontneed_back_to_zero);
	RUN(shared_anon_counts_shmem);
	return ut_end();
}
