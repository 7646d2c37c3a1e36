/*
 * page_loops_ktest.c - the page clear and copy loops (arch/page.h): every
 * variant, not only the one boot chose, clears or copies exactly the
 * pages it is given - every byte of them, nothing before or after - for
 * one page and for several; and boot chose one of them.
 */
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "mm/page_alloc.h"
#include <arch/page.h>

#define FRAMES	8	/* order 3: a guard page, up to 6 pages of work, a guard page */

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + 1) | 1;	/* never 0 */
}

static void fill(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = pattern(i);
}

/* Does [from, to) of @b still hold the pattern? */
static bool intact(const uint8_t *b, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (b[i] != pattern(i))
			return false;
	return true;
}

static bool zero(const uint8_t *b, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (b[i])
			return false;
	return true;
}

KTEST(page_loops_clear_exact)
{
	struct page *pg = alloc_pages(GFP_KERNEL, 3);
	uint8_t *b;

	KT_ASSERT(pg != NULL);
	b = page_address(pg);
	for (int how = 0; how < NR_PAGE_LOOPS; how++)
		for (size_t pages = 1; pages <= 6; pages += 5) {
			size_t end = PAGE_SIZE * (1 + pages);

			fill(b, PAGE_SIZE * FRAMES);
			clear_pages_with(how, b + PAGE_SIZE, pages * PAGE_SIZE);
			KT_ASSERT(intact(b, 0, PAGE_SIZE));
			KT_ASSERT(zero(b, PAGE_SIZE, end));
			KT_ASSERT(intact(b, end, PAGE_SIZE * FRAMES));
		}
	free_pages(pg, 3);
	return KT_PASS;
}

KTEST(page_loops_copy_exact)
{
	struct page *src_pg = alloc_pages(GFP_KERNEL, 3), *dst_pg = alloc_pages(GFP_KERNEL, 3);
	uint8_t *src, *dst;

	KT_ASSERT(src_pg && dst_pg);
	src = page_address(src_pg);
	dst = page_address(dst_pg);
	fill(src, PAGE_SIZE * FRAMES);
	for (int how = 0; how < NR_PAGE_LOOPS; how++)
		for (size_t pages = 1; pages <= 6; pages += 5) {
			size_t end = PAGE_SIZE * (1 + pages);

			memset(dst, 0, PAGE_SIZE * FRAMES);
			/* Source page k lands on destination page k: same offsets, same bytes. */
			copy_pages_with(how, dst + PAGE_SIZE, src + PAGE_SIZE, pages * PAGE_SIZE);
			KT_ASSERT(zero(dst, 0, PAGE_SIZE));
			KT_ASSERT(intact(dst, PAGE_SIZE, end));
			KT_ASSERT(zero(dst, end, PAGE_SIZE * FRAMES));
			KT_ASSERT(intact(src, 0, PAGE_SIZE * FRAMES));
		}
	free_pages(src_pg, 3);
	free_pages(dst_pg, 3);
	return KT_PASS;
}

/* Boot timed the loops and chose real ones (the log line says which, and why). */
KTEST(page_loops_chosen)
{
	KT_ASSERT(clear_page_loop < NR_PAGE_LOOPS && copy_page_loop < NR_PAGE_LOOPS);
	KT_ASSERT(page_loop_names[clear_page_loop] && page_loop_names[copy_page_loop]);
	return KT_PASS;
}
