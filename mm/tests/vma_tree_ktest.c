/*
 * vma_tree_ktest.c - in-kernel smoke test of the VMA tree (mm/vma_tree.c).
 *
 * The host test (tests/host/vma_tree_test.c) runs 200k random operations
 * against a model; this one only proves that the same code, built with the
 * kernel's flags (no SSE, kernel code model), answers a few known queries
 * on a user-sized address space, caches the right per-VMA gaps and keeps
 * vma_tree_check() happy.
 */
#include "kernel/ktest.h"
#include "mm/vma.h"
#include <arch/memlayout.h>

#define KT_LOW		0x10000ul		/* a typical mmap_min_addr */
#define KT_HIGH		0x800000000000ul	/* top of the user half */

/* vma_tree_check(), failing with its reason. */
#define KT_CHECK_TREE(t)						\
	do {								\
		char why[128];						\
									\
		if (!vma_tree_check(t, why, sizeof(why))) {		\
			ktest_fail_reason(__FILE__, __LINE__, "%s", why); \
			return KT_FAIL;					\
		}							\
	} while (0)

KTEST(vma_tree_smoke)
{
	static struct vma v[4];
	static const unsigned long range[4][2] = {
		{ 0x400000, 0x402000 },		/* a program's text and data */
		{ 0x403000, 0x404000 },		/* one page gap before it */
		{ 0x7f0000000000, 0x7f0000010000 },
		{ KT_HIGH - 0x21000, KT_HIGH - 0x1000 },	/* a stack */
	};
	struct vma_tree t;

	vma_tree_init(&t, KT_LOW, KT_HIGH);
	for (int i = 0; i < 4; i++)
		v[i] = (struct vma){ .start = range[i][0], .end = range[i][1],
				     .flags = VM_READ | VM_WRITE };
	for (int i = 0; i < 4; i++)
		vma_tree_insert(&t, &v[(i * 3) % 4]);	/* not in address order */
	KT_CHECK_TREE(&t);
	KT_ASSERT_EQ(t.count, 4);
	/* The cached gaps: the first from t->low, then from each predecessor. */
	KT_ASSERT_EQ(v[0].gap, 0x400000 - KT_LOW);
	KT_ASSERT_EQ(v[1].gap, 0x1000);
	KT_ASSERT_EQ(v[2].gap, 0x7f0000000000 - 0x404000);
	KT_ASSERT(vma_first(&t) == &v[0] && vma_last(&t) == &v[3]);
	KT_ASSERT(vma_lookup(&t, 0x401fff) == &v[0]);
	KT_ASSERT(vma_lookup(&t, 0x402000) == NULL);
	KT_ASSERT(vma_find(&t, 0x402000) == &v[1]);
	KT_ASSERT(vma_next(&v[1]) == &v[2] && vma_prev(&v[1]) == &v[0]);
	/* Top-down: the last gap, above the stack, is one page. */
	KT_ASSERT_EQ(vma_gap_topdown(&t, PAGE_SIZE, KT_LOW, KT_HIGH), KT_HIGH - PAGE_SIZE);
	KT_ASSERT_EQ(vma_gap_topdown(&t, 2 * PAGE_SIZE, KT_LOW, KT_HIGH),
		     KT_HIGH - 0x23000);
	/* Bottom-up: the first gap from t->low, then the one-page hole. */
	KT_ASSERT_EQ(vma_gap_bottomup(&t, PAGE_SIZE, KT_LOW, KT_HIGH), KT_LOW);
	KT_ASSERT_EQ(vma_gap_bottomup(&t, PAGE_SIZE, 0x400000, KT_HIGH), 0x402000);
	KT_ASSERT_EQ(vma_gap_bottomup(&t, 0, KT_LOW, KT_HIGH), 0);

	/* Merge v[1] into v[0] in place, then drop v[1]: the hole is gone. */
	vma_tree_erase(&t, &v[1]);
	v[0].end = 0x404000;
	vma_tree_adjust(&t, &v[0]);
	KT_CHECK_TREE(&t);
	KT_ASSERT_EQ(v[2].gap, 0x7f0000000000 - 0x404000);
	KT_ASSERT_EQ(vma_gap_bottomup(&t, PAGE_SIZE, 0x400000, KT_HIGH), 0x404000);
	for (int i = 0; i < 4; i++)
		if (i != 1)
			vma_tree_erase(&t, &v[i]);
	KT_CHECK_TREE(&t);
	KT_ASSERT(vma_first(&t) == NULL && t.count == 0);
	return KT_PASS;
}
