/*
 * pgtable_test.c - page tables seen from user space (the page-table lab,
 * docs/labs/02-pgtable.md): the tables a process's memory needs come and
 * go with its mappings, as /proc/self/status's VmPTE counts them, and the
 * kernel maps all of RAM with large pages (/proc/meminfo's DirectMap*).
 *
 *	munmap_frees_page_tables	touching one page in each of 64 2 MiB
 *					regions needs 64 page tables; munmap
 *					of them all frees them (Linux's
 *					free_pgtables)
 *	munmap_keeps_shared_table	a page table that still maps a
 *					neighbour's pages stays, and its pages
 *					with it; it goes with the last of them
 *	direct_map_large_pages		most of RAM is direct-mapped by 2 MiB
 *					and 1 GiB pages
 *
 * "pgtable_test case[,case]" runs some cases only. The same binary runs
 * on Linux, which behaves the same.
 */
#include "vm_util.h"

#define RW		(PROT_READ | PROT_WRITE)
#define PMD_SPAN	(2ul << 20)	/* what one page table maps */

/*
 * An anonymous mapping of @len bytes that starts on a 2 MiB boundary (so
 * that its page tables map nothing else), without transparent huge pages
 * (a 2 MiB page would need no page table). MAP_FAILED on failure.
 */
static char *map_aligned(size_t len)
{
	char *p = mmap(NULL, len + PMD_SPAN, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	size_t head;

	if (p == MAP_FAILED)
		return p;
	head = (PMD_SPAN - ((uintptr_t)p & (PMD_SPAN - 1))) & (PMD_SPAN - 1);
	if (head)
		munmap(p, head);
	if (PMD_SPAN - head)
		munmap(p + head + len, PMD_SPAN - head);
	p += head;
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static void munmap_frees_page_tables(void)
{
	const size_t regions = 64, len = regions * PMD_SPAN;
	long pte0 = vm_status_kb("VmPTE"), pte1, pte2, want = (long)regions * 4;
	char *p = map_aligned(len);

	EXPECT(pte0 >= 0, "no VmPTE in /proc/self/status");
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (size_t i = 0; i < regions; i++)
		p[i * PMD_SPAN + (i % 512) * PAGE] = 1;
	pte1 = vm_status_kb("VmPTE");
	EXPECT_OK(munmap(p, len));
	pte2 = vm_status_kb("VmPTE");
	EXPECT(pte1 - pte0 >= want, "VmPTE %ld -> %ld kB after touching %zu regions, want +%ld",
	       pte0, pte1, regions, want);
	EXPECT(pte1 - pte2 >= want, "VmPTE %ld -> %ld kB after munmap, want -%ld", pte1, pte2,
	       want);
}

/*
 * One page table, two VMAs (the upper half made read-only): unmapping the
 * lower half must keep the table, which still maps the upper half's
 * pages; unmapping the upper half then frees it.
 */
static void munmap_keeps_shared_table(void)
{
	const size_t half = PMD_SPAN / 2, pages = PMD_SPAN / PAGE;
	char *w = map_aligned(PMD_SPAN);
	long t0, t1, t2;

	EXPECT(w != MAP_FAILED, "mmap: %s", strerror(errno));
	for (size_t i = 0; i < pages; i += 32)
		w[i * PAGE] = (char)(i / 32 + 1);
	EXPECT_OK(mprotect(w + half, half, PROT_READ));
	t0 = vm_status_kb("VmPTE");
	EXPECT_OK(munmap(w, half));
	t1 = vm_status_kb("VmPTE");
	EXPECT(t0 >= 4 && t1 == t0, "VmPTE %ld -> %ld kB after unmapping the lower half, "
	       "want no change: the table still maps the upper half", t0, t1);
	for (size_t i = pages / 2; i < pages; i += 32)
		EXPECT(w[i * PAGE] == (char)(i / 32 + 1), "page %zu of the upper half reads %d, "
		       "want %d", i, w[i * PAGE], (int)(i / 32 + 1));
	EXPECT_OK(munmap(w + half, half));
	t2 = vm_status_kb("VmPTE");
	EXPECT(t1 - t2 >= 4, "VmPTE %ld -> %ld kB after unmapping the upper half too: "
	       "its page table was not freed", t1, t2);
}

static long kb_or_zero(long kb)
{
	return kb > 0 ? kb : 0;
}

static void direct_map_large_pages(void)
{
	long k4 = vm_meminfo_kb("DirectMap4k"), m2 = vm_meminfo_kb("DirectMap2M");
	long g1 = vm_meminfo_kb("DirectMap1G");

	if (k4 < 0 && m2 < 0 && g1 < 0)
		SKIP("/proc/meminfo has no DirectMap lines (not x86, or a kernel without them)");
	EXPECT(kb_or_zero(m2) + kb_or_zero(g1) > kb_or_zero(k4),
	       "DirectMap4k %ld kB, DirectMap2M %ld kB, DirectMap1G %ld kB: "
	       "want most of RAM in large pages", k4, m2, g1);
}

int main(int argc, char **argv)
{
	ut_begin("pgtable_test");
	if (argc > 1)
		ut_select(argv[1]);
	RUN(munmap_frees_page_tables);
	RUN(munmap_keeps_shared_table);
	RUN(direct_map_large_pages);
	return ut_end();
}
