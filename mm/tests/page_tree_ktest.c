/*
 * page_tree_ktest.c - the page cache's radix tree (mm/page_tree.c) alone,
 * on a private tree: growth in height, lookups, swap entries, iteration
 * and truncation. The tree inside a file is tested through tmpfs
 * (kernel/tests/fs_ktest.c) and the fault path (vm_ktest.c).
 */
#include "kernel/ktest.h"
#include "mm/page_alloc.h"
#include "mm/page_tree.h"

/* The radix tree alone: growth in height, lookups, partial truncation. */
KTEST(page_tree_ops)
{
	static const unsigned long idx[] = { 0, 63, 64, 4095, 4096, 1ul << 20 };
	struct page_tree t = { 0 };
	struct page *p[ARRAY_SIZE(idx)];

	for (size_t i = 0; i < ARRAY_SIZE(idx); i++) {
		p[i] = alloc_page(GFP_ZERO);
		KT_ASSERT(p[i]);
		KT_ASSERT_EQ(page_tree_insert(&t, idx[i], p[i]), 0);
	}
	KT_ASSERT_EQ(t.height, 4);		/* 2^20 needs 4 levels of 6 bits */
	for (size_t i = 0; i < ARRAY_SIZE(idx); i++)
		KT_ASSERT(page_tree_lookup(&t, idx[i]) == p[i]);
	KT_ASSERT(page_tree_lookup(&t, 1) == NULL);
	KT_ASSERT(page_tree_lookup(&t, 1ul << 40) == NULL);
	/* page_tree_next finds each entry in index order, skipping holes. */
	for (unsigned long from = 0, i = 0; i <= ARRAY_SIZE(idx); i++, from++) {
		void *e = page_tree_next(&t, &from);

		if (i == ARRAY_SIZE(idx)) {
			KT_ASSERT(e == NULL);
			break;
		}
		KT_ASSERT(e == p[i]);
		KT_ASSERT_EQ(from, idx[i]);
	}
	/* A swap entry in place of a page: only page_tree_load sees it. */
	KT_ASSERT(page_tree_replace(&t, 63, page_tree_swap_entry(12345)) == p[1]);
	KT_ASSERT(page_tree_lookup(&t, 63) == NULL);
	KT_ASSERT(page_tree_is_swap(page_tree_load(&t, 63)));
	KT_ASSERT_EQ(page_tree_swap_slot(page_tree_load(&t, 63)), 12345);
	KT_ASSERT(page_tree_replace(&t, 63, p[1]) == page_tree_swap_entry(12345));
	KT_ASSERT(page_tree_replace(&t, 1, p[1]) == NULL);	/* a hole stays one */
	KT_ASSERT_EQ(page_tree_truncate(&t, 64, NULL), 4);
	KT_ASSERT(page_tree_lookup(&t, 0) == p[0] && page_tree_lookup(&t, 63) == p[1]);
	KT_ASSERT(page_tree_lookup(&t, 64) == NULL);
	KT_ASSERT_EQ(page_tree_truncate(&t, 1ul << 50, NULL), 0);
	KT_ASSERT_EQ(page_tree_truncate(&t, 0, NULL), 2);
	KT_ASSERT(t.root == NULL && t.height == 0);
	/* The tree held the only reference (alloc_page's) and truncation
	 * dropped it: the pages are free now, nothing is left to put. */
	return KT_PASS;
}
