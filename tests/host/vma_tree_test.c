/*
 * vma_tree_test.c - host unit test for the VMA tree (mm/vma_tree.c on
 * kernel/lib/rbtree.c).
 *
 * Build and run (from the repo top; `make host-tests` uses the same flags):
 *   gcc -std=gnu11 -g -O1 -Wall -Werror -I. -Iarch/x86_64/include \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       tests/host/vma_tree_test.c -o /tmp/vma_tree_test && /tmp/vma_tree_test
 *
 * Design: mm/vma_tree.c and kernel/lib/rbtree.c are #included, so the test
 * runs the exact kernel code. vma_tree.c formats vma_tree_check() reasons
 * with the kernel's snprintf, so kernel/lib/printf.c is included too, with
 * its vsnprintf/snprintf renamed to kernel_* (as in buddy_test.c).
 *
 * Next to the tree runs a naive model: a sorted array of the VMAs. Random
 * operations (insert, erase, shrink, grow, split, merge, the last three
 * through vma_tree_adjust()) change both; every step also asks random
 * queries (vma_find, vma_lookup, vma_prev/next, vma_first/last,
 * vma_gap_topdown/bottomup with random sizes and bounds) and compares them
 * with linear scans of the model, then runs vma_tree_check() and compares
 * the tree's in-order sequence and count with the model. The address
 * space is small (so gaps are often exactly full or empty) and its lower
 * bound is not 0 (so the first gap's use of t->low is exercised).
 *
 * vma_tree_check() also verifies every cached gap (v->gap), so each check
 * after a step proves that insert, erase and adjust kept them right.
 *
 * Complexity: VMA_TREE_COUNT_VISITS compiles in vma_tree.c's visit counter
 * (nodes on its descents and subtree_gap recomputations), and the
 * counted_rb_*() shims below add the nodes rbtree.c's in-order walks
 * (rb_next, rb_prev, rb_first, rb_last) pass for it. t_visits builds
 * 100000 VMAs and bounds every gap search and update by 4 log2(n) visits.
 *
 * The struct vma fields the tree does not use (mm, file, anon_vma, ops,
 * file_node) stay zero.
 *
 * Fixed-seed xorshift64 (hosttest.h), so runs repeat. Output: one line
 * per check, "PASS vma_tree/<name>" or "FAIL vma_tree/<name>: <reason>".
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#undef snprintf
#undef vsnprintf
#define snprintf kernel_snprintf
#define vsnprintf kernel_vsnprintf
#include "kernel/lib/printf.c"
#include "kernel/lib/rbtree.c"

/*
 * Visit counting for rbtree.c's walks, which vma_tree.c's counter cannot
 * see. rb_next() and rb_prev() move along one root path (down into a
 * subtree, or up to an ancestor), so the nodes they pass are the depth
 * difference between where they start and where they end.
 */
static unsigned long rb_walk_visits;

static unsigned long node_depth(const struct rb_node *n)
{
	unsigned long d = 0;

	while ((n = rb_parent(n)))
		d++;
	return d;
}

static unsigned long path_steps(const struct rb_node *from, const struct rb_node *to)
{
	unsigned long a = node_depth(from), b;

	if (!to)
		return a;			/* climbed past the root */
	b = node_depth(to);
	return a > b ? a - b : b - a;
}

static struct rb_node *counted_rb_next(const struct rb_node *n)
{
	struct rb_node *r = rb_next(n);

	if (!RB_EMPTY_NODE(n))
		rb_walk_visits += path_steps(n, r);
	return r;
}

static struct rb_node *counted_rb_prev(const struct rb_node *n)
{
	struct rb_node *r = rb_prev(n);

	if (!RB_EMPTY_NODE(n))
		rb_walk_visits += path_steps(n, r);
	return r;
}

static struct rb_node *counted_rb_first(const struct rb_root *root)
{
	struct rb_node *r = rb_first(root);

	rb_walk_visits += r ? node_depth(r) + 1 : 0;
	return r;
}

static struct rb_node *counted_rb_last(const struct rb_root *root)
{
	struct rb_node *r = rb_last(root);

	rb_walk_visits += r ? node_depth(r) + 1 : 0;
	return r;
}

#define VMA_TREE_COUNT_VISITS
#define rb_next		counted_rb_next
#define rb_prev		counted_rb_prev
#define rb_first	counted_rb_first
#define rb_last		counted_rb_last
#include "mm/vma_tree.c"
#undef rb_next
#undef rb_prev
#undef rb_first
#undef rb_last
#undef snprintf
#undef vsnprintf

#define HOSTTEST_SUITE "vma_tree"
#include "hosttest.h"

#define P		PAGE_SIZE
#define LOW		(16 * P)		/* t->low: not 0 on purpose */
#define NPAGES		1024ul			/* pages in [t->low, t->high) */
#define HIGH		(LOW + NPAGES * P)
#define MAXV		100000			/* VMAs in the pool (t_visits) */

/* ---- the tree under test plus its model --------------------------------- */

static struct vma pool[MAXV];
static struct vma *free_list[MAXV];
static size_t nfree;

static struct vma_tree tree;
static struct vma *model[MAXV];		/* sorted by start */
static size_t nmodel;
static unsigned long tlow, thigh;	/* the tree's bounds */

static unsigned long stats_ops, stats_queries, stats_gap_found;

static void env_reset(unsigned long low, unsigned long high, size_t pool_size)
{
	memset(pool, 0, sizeof(pool));
	nfree = 0;
	for (size_t i = pool_size; i-- > 0;)
		free_list[nfree++] = &pool[i];
	vma_tree_init(&tree, low, high);
	nmodel = 0;
	tlow = low;
	thigh = high;
}

static struct vma *vma_alloc(unsigned long start, unsigned long end)
{
	struct vma *v;

	if (!nfree)
		return NULL;
	v = free_list[--nfree];
	memset(v, 0, sizeof(*v));
	v->start = start;
	v->end = end;
	v->pgoff = start / P;
	v->flags = VM_READ | VM_WRITE;
	return v;
}

/* Index of the first model VMA whose end is above @addr (nmodel if none). */
static size_t model_find(unsigned long addr)
{
	size_t lo = 0, hi = nmodel;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (model[mid]->end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Is [start, end) inside the bounds and clear of every model VMA? */
static bool model_free(unsigned long start, unsigned long end)
{
	size_t i = model_find(start);

	return start >= tlow && end <= thigh && start < end &&
	       (i == nmodel || model[i]->start >= end);
}

static void do_insert(unsigned long start, unsigned long end)
{
	struct vma *v = vma_alloc(start, end);
	size_t i = model_find(start);

	if (!v)
		return;
	memmove(&model[i + 1], &model[i], (nmodel - i) * sizeof(model[0]));
	model[i] = v;
	nmodel++;
	vma_tree_insert(&tree, v);
}

static void do_erase(size_t i)
{
	struct vma *v = model[i];

	vma_tree_erase(&tree, v);
	EXPECT(RB_EMPTY_NODE(&v->rb), "erased vma not marked unlinked");
	memmove(&model[i], &model[i + 1], (nmodel - i - 1) * sizeof(model[0]));
	nmodel--;
	free_list[nfree++] = v;
}

/* The free range below model[i] and above it. */
static unsigned long room_below(size_t i)
{
	return model[i]->start - (i ? model[i - 1]->end : tlow);
}

static unsigned long room_above(size_t i)
{
	return (i + 1 < nmodel ? model[i + 1]->start : thigh) - model[i]->end;
}

/* ---- model answers ------------------------------------------------------ */

static unsigned long model_gap(unsigned long size, unsigned long low,
			       unsigned long high, bool topdown)
{
	unsigned long best = 0, prev = tlow;
	bool found = false;

	if (size == 0 || high <= low || size > high - low)
		return 0;
	for (size_t i = 0; i <= nmodel; i++) {
		unsigned long gs = prev, ge = i < nmodel ? model[i]->start : thigh;
		unsigned long lo = gs > low ? gs : low, hi = ge < high ? ge : high;

		if (i < nmodel)
			prev = model[i]->end;
		if (hi <= lo || hi - lo < size)
			continue;
		if (topdown) {
			best = ALIGN_DOWN(hi - size, P);	/* later gaps are higher */
			found = true;
		} else if (!found) {
			best = lo;
			found = true;
		}
	}
	return best;
}

/* ---- checks after every step -------------------------------------------- */

static void check_tree(void)
{
	char why[256];
	size_t i = 0;

	if (!vma_tree_check(&tree, why, sizeof(why))) {
		fail("vma_tree_check after op %lu: %s", stats_ops, why);
		return;
	}
	EXPECT(tree.count == nmodel, "count %lu, model %zu", tree.count, nmodel);
	for (struct vma *v = vma_first(&tree); v; v = vma_next(v), i++) {
		if (i >= nmodel || v != model[i]) {
			fail("in-order position %zu differs from the model", i);
			return;
		}
	}
	EXPECT(i == nmodel, "walk saw %zu of %zu vmas", i, nmodel);
	EXPECT(vma_last(&tree) == (nmodel ? model[nmodel - 1] : NULL), "vma_last");
}

static void check_find(unsigned long addr)
{
	size_t i = model_find(addr);
	struct vma *want = i < nmodel ? model[i] : NULL;
	struct vma *want_l = want && want->start <= addr ? want : NULL;
	struct vma *got = vma_find(&tree, addr), *got_l = vma_lookup(&tree, addr);

	EXPECT(got == want, "vma_find(%#lx) = %#lx, want %#lx", addr,
	       got ? got->start : 0, want ? want->start : 0);
	EXPECT(got_l == want_l, "vma_lookup(%#lx) = %#lx, want %#lx", addr,
	       got_l ? got_l->start : 0, want_l ? want_l->start : 0);
	stats_queries += 2;
}

static void check_gap(unsigned long size, unsigned long low, unsigned long high)
{
	unsigned long top = vma_gap_topdown(&tree, size, low, high);
	unsigned long bot = vma_gap_bottomup(&tree, size, low, high);
	unsigned long want_top = model_gap(size, low, high, true);
	unsigned long want_bot = model_gap(size, low, high, false);

	EXPECT(top == want_top, "gap_topdown(size %#lx, [%#lx, %#lx)) = %#lx, want %#lx",
	       size, low, high, top, want_top);
	EXPECT(bot == want_bot, "gap_bottomup(size %#lx, [%#lx, %#lx)) = %#lx, want %#lx",
	       size, low, high, bot, want_bot);
	if (top) {
		/* Independent of the model: the answer is aligned, in bounds, free. */
		EXPECT(IS_ALIGNED(top, P) && top >= low && top + size <= high &&
		       model_free(top, top + size), "gap_topdown answer %#lx not free", top);
		stats_gap_found++;
	}
	stats_queries += 2;
}

/* Random page-aligned bounds inside the tree's, now and then the full range. */
static void random_bounds(unsigned long *low, unsigned long *high)
{
	unsigned long pages = (thigh - tlow) / P;
	unsigned long a = rng_below(pages + 1), b = rng_below(pages + 1);

	switch (rng_below(4)) {
	case 0:
		*low = tlow;
		*high = thigh;
		return;
	case 1:				/* a window, possibly empty or reversed */
		*low = tlow + a * P;
		*high = tlow + b * P;
		return;
	default:
		if (a > b) {
			unsigned long x = a;

			a = b;
			b = x;
		}
		*low = tlow + a * P;
		*high = tlow + b * P;
	}
}

static unsigned long random_size(void)
{
	switch (rng_below(16)) {
	case 0:
		return 0;
	case 1:
		return ULONG_MAX - P + 1;		/* huge */
	case 2:
		return (1 + rng_below(200)) * P;	/* large for this space */
	case 3:
		return 1 + rng_below(4 * P);		/* not a page multiple */
	default:
		return (1 + rng_below(16)) * P;
	}
}

static void random_queries(void)
{
	unsigned long low, high;

	for (int k = 0; k < 2; k++) {
		random_bounds(&low, &high);
		check_gap(random_size(), low, high);
	}
	/* Addresses anywhere, including outside the bounds and near VMA edges. */
	check_find(tlow - P + rng_below((thigh - tlow) + 2 * P));
	if (nmodel) {
		size_t i = rng_below(nmodel);
		struct vma *v = model[i];

		check_find(v->start);
		check_find(v->end - 1);
		check_find(v->end);
		check_find(v->start - 1);
		EXPECT(vma_prev(v) == (i ? model[i - 1] : NULL), "vma_prev");
		EXPECT(vma_next(v) == (i + 1 < nmodel ? model[i + 1] : NULL), "vma_next");
		EXPECT(vma_first(&tree) == model[0], "vma_first");
	} else {
		EXPECT(vma_first(&tree) == NULL && vma_last(&tree) == NULL,
		       "first/last of an empty tree");
	}
}

/* ---- random operations -------------------------------------------------- */

static void op_insert_random(void)
{
	unsigned long pages = (thigh - tlow) / P;
	unsigned long len = 1 + rng_below(6);
	unsigned long start = tlow + rng_below(pages) * P, end = start + len * P;

	if (model_free(start, end))
		do_insert(start, end);
}

/* Fill one gap exactly, or its low or high part. */
static void op_insert_in_gap(void)
{
	size_t i = rng_below(nmodel + 1);
	unsigned long gs = i ? model[i - 1]->end : tlow;
	unsigned long ge = i < nmodel ? model[i]->start : thigh;
	unsigned long pages = (ge - gs) / P, len;

	if (!pages)
		return;
	switch (rng_below(3)) {
	case 0:
		do_insert(gs, ge);
		break;
	case 1:
		len = 1 + rng_below(pages);
		do_insert(gs, gs + len * P);
		break;
	default:
		len = 1 + rng_below(pages);
		do_insert(ge - len * P, ge);
	}
}

static void op_shrink(size_t i)
{
	struct vma *v = model[i];
	unsigned long pages = (v->end - v->start) / P;

	if (pages < 2)
		return;
	if (rng_below(2))
		v->start += (1 + rng_below(pages - 1)) * P;
	else
		v->end -= (1 + rng_below(pages - 1)) * P;
	vma_tree_adjust(&tree, v);
}

static void op_grow(size_t i)
{
	struct vma *v = model[i];
	unsigned long below = room_below(i) / P, above = room_above(i) / P;

	if (rng_below(2)) {
		if (below)
			v->start -= (1 + rng_below(below)) * P;
	} else if (above) {
		v->end += (1 + rng_below(above)) * P;
	}
	vma_tree_adjust(&tree, v);
}

/* Split model[i] at a page boundary: shrink it in place, insert the tail. */
static void op_split(size_t i)
{
	struct vma *v = model[i];
	unsigned long pages = (v->end - v->start) / P, mid, end = v->end;

	if (pages < 2 || !nfree)
		return;
	mid = v->start + (1 + rng_below(pages - 1)) * P;
	v->end = mid;
	vma_tree_adjust(&tree, v);
	do_insert(mid, end);
}

/* Merge model[i + 1] into model[i], swallowing the gap between them. */
static void op_merge(size_t i)
{
	struct vma *v = model[i];
	unsigned long end;

	if (i + 1 >= nmodel)
		return;
	end = model[i + 1]->end;
	do_erase(i + 1);
	v->end = end;
	vma_tree_adjust(&tree, v);
}

static void random_op(void)
{
	unsigned long op = rng_below(20);
	size_t i = nmodel ? rng_below(nmodel) : 0;

	if (op < 6) {
		op_insert_random();
	} else if (op < 8) {
		op_insert_in_gap();
	} else if (!nmodel) {
		return;
	} else if (op < 12) {
		do_erase(i);
	} else if (op < 14) {
		op_shrink(i);
	} else if (op < 16) {
		op_grow(i);
	} else if (op < 18) {
		op_split(i);
	} else {
		op_merge(i);
	}
}

/* ---- checks -------------------------------------------------------------- */

static void t_empty(void)
{
	char why[128];

	env_reset(LOW, HIGH, 8);
	EXPECT(vma_tree_check(&tree, why, sizeof(why)), "empty tree: %s", why);
	EXPECT(vma_find(&tree, 0) == NULL && vma_find(&tree, LOW) == NULL &&
	       vma_lookup(&tree, LOW) == NULL, "find in an empty tree");
	EXPECT(vma_first(&tree) == NULL && vma_last(&tree) == NULL, "first/last");
	EXPECT(vma_gap_topdown(&tree, P, LOW, HIGH) == HIGH - P, "topdown, empty");
	EXPECT(vma_gap_bottomup(&tree, P, LOW, HIGH) == LOW, "bottomup, empty");
	EXPECT(vma_gap_topdown(&tree, HIGH - LOW, LOW, HIGH) == LOW, "whole range, top");
	EXPECT(vma_gap_bottomup(&tree, HIGH - LOW, LOW, HIGH) == LOW, "whole range, bottom");
	EXPECT(vma_gap_topdown(&tree, HIGH - LOW + P, LOW, HIGH) == 0, "one page too big");
	EXPECT(vma_gap_bottomup(&tree, HIGH - LOW + P, LOW, HIGH) == 0, "one page too big");
	EXPECT(vma_gap_topdown(&tree, 0, LOW, HIGH) == 0, "size 0, top");
	EXPECT(vma_gap_bottomup(&tree, 0, LOW, HIGH) == 0, "size 0, bottom");
	EXPECT(vma_gap_topdown(&tree, ULONG_MAX, LOW, HIGH) == 0, "huge, top");
	EXPECT(vma_gap_bottomup(&tree, ULONG_MAX, LOW, HIGH) == 0, "huge, bottom");
	EXPECT(vma_gap_topdown(&tree, P, LOW + 4 * P, LOW + 4 * P) == 0, "empty bounds");
	EXPECT(vma_gap_topdown(&tree, P, LOW + 5 * P, LOW + 4 * P) == 0, "reversed bounds");
	EXPECT(vma_gap_topdown(&tree, 2 * P, LOW + 4 * P, LOW + 9 * P) == LOW + 7 * P,
	       "window, top");
	EXPECT(vma_gap_bottomup(&tree, 2 * P, LOW + 4 * P, LOW + 9 * P) == LOW + 4 * P,
	       "window, bottom");
	/* A size that is not a page multiple: a rounds down, stays in bounds. */
	EXPECT(vma_gap_topdown(&tree, P + 1, LOW, HIGH) == HIGH - 2 * P, "odd size, top");
	EXPECT(vma_gap_bottomup(&tree, P + 1, LOW, HIGH) == LOW, "odd size, bottom");
}

/* VMAs touching t->low and t->high, and gaps that fit exactly. */
static void t_edges(void)
{
	char why[128];

	env_reset(LOW, HIGH, 8);
	do_insert(LOW, LOW + P);			/* gap in front: 0 */
	do_insert(LOW + 4 * P, LOW + 6 * P);		/* gap 3 pages */
	do_insert(LOW + 11 * P, LOW + 12 * P);		/* gap 5 pages */
	do_insert(HIGH - 2 * P, HIGH);			/* last gap: none */
	check_tree();
	EXPECT(vma_tree_check(&tree, why, sizeof(why)), "%s", why);
	/* Largest inner gap: [LOW+12P, HIGH-2P). */
	EXPECT(vma_gap_topdown(&tree, P, LOW, HIGH) == HIGH - 3 * P, "top, 1 page");
	EXPECT(vma_gap_bottomup(&tree, P, LOW, HIGH) == LOW + P, "bottom, 1 page");
	EXPECT(vma_gap_bottomup(&tree, 3 * P, LOW, HIGH) == LOW + P, "exact 3-page fit");
	EXPECT(vma_gap_bottomup(&tree, 4 * P, LOW, HIGH) == LOW + 6 * P, "4 pages skip");
	EXPECT(vma_gap_topdown(&tree, 5 * P, LOW, LOW + 11 * P) == LOW + 6 * P,
	       "exact 5-page fit, high at a vma start");
	EXPECT(vma_gap_topdown(&tree, 5 * P, LOW, LOW + 10 * P) == 0,
	       "high cuts the 5-page gap");
	EXPECT(vma_gap_topdown(&tree, 3 * P, LOW, LOW + 10 * P) == LOW + 7 * P,
	       "clamped by high");
	EXPECT(vma_gap_bottomup(&tree, 3 * P, LOW + 2 * P, HIGH) == LOW + 6 * P,
	       "low cuts the 3-page gap");
	EXPECT(vma_gap_bottomup(&tree, 2 * P, LOW + 2 * P, HIGH) == LOW + 2 * P,
	       "clamped by low");
	EXPECT(vma_gap_topdown(&tree, HIGH - LOW - 14 * P, LOW, HIGH) == LOW + 12 * P,
	       "the largest gap, exactly");
	EXPECT(vma_gap_topdown(&tree, HIGH - LOW - 13 * P, LOW, HIGH) == 0,
	       "one page more than the largest gap");
	EXPECT(vma_find(&tree, 0) == model[0] && vma_lookup(&tree, 0) == NULL,
	       "below t->low");
	EXPECT(vma_find(&tree, HIGH) == NULL && vma_lookup(&tree, HIGH - 1) == model[3],
	       "at t->high");
	EXPECT(vma_find(&tree, LOW + 6 * P) == model[2], "find in a gap");

	/* Move the first VMA's end up: the next VMA's gap shrinks. */
	model[0]->end = LOW + 3 * P;			/* gap after it: 1 page */
	vma_tree_adjust(&tree, model[0]);
	check_tree();
	EXPECT(vma_gap_bottomup(&tree, 2 * P, LOW, HIGH) == LOW + 6 * P,
	       "adjust moved the next vma's gap");
	/* Free the first page: the first gap, measured from t->low. */
	model[0]->start = LOW + P;
	vma_tree_adjust(&tree, model[0]);
	check_tree();
	EXPECT(vma_gap_bottomup(&tree, P, LOW, HIGH) == LOW, "first gap from t->low");
	/* Erase the last VMA: the last gap reaches t->high again. */
	do_erase(3);
	check_tree();
	EXPECT(vma_gap_topdown(&tree, P, LOW, HIGH) == HIGH - P, "last gap after erase");
	EXPECT(vma_gap_topdown(&tree, HIGH - LOW - 12 * P, LOW, HIGH) == LOW + 12 * P,
	       "last gap, exactly");
	/* Erase everything. */
	while (nmodel && !reason[0]) {
		do_erase(0);
		check_tree();
	}
	EXPECT(vma_gap_bottomup(&tree, HIGH - LOW, LOW, HIGH) == LOW, "empty again");
}

/* vma_tree_check() must notice broken trees. */
static void t_check_detects(void)
{
	char why[128];
	struct vma *v;
	unsigned long saved;

	env_reset(LOW, HIGH, 64);
	for (unsigned long k = 0; k < 40; k++)
		do_insert(LOW + 3 * k * P, LOW + (3 * k + 1 + k % 2) * P);
	check_tree();
	v = model[17];

#define EXPECT_BROKEN(what)						\
	do {								\
		why[0] = 0;						\
		EXPECT(!vma_tree_check(&tree, why, sizeof(why)) && why[0], \
		       "%s not detected", what);			\
	} while (0)

	v->subtree_gap += P;
	EXPECT_BROKEN("wrong subtree_gap");
	v->subtree_gap -= P;

	v->gap += P;
	EXPECT_BROKEN("wrong cached gap");
	v->gap -= P;
	model[0]->gap = model[0]->start;		/* measured from 0, not t->low */
	EXPECT_BROKEN("first cached gap not from t->low");
	model[0]->gap = model[0]->start - LOW;

	saved = v->start;
	v->start = model[16]->end - P;			/* overlaps model[16] */
	EXPECT_BROKEN("overlap");
	v->start = v->end;
	EXPECT_BROKEN("empty vma");
	v->start = saved + 1;
	EXPECT_BROKEN("unaligned start");
	v->start = saved;

	tree.count++;
	EXPECT_BROKEN("wrong count");
	tree.count--;

	set_color(tree.root.node, RB_RED);
	EXPECT_BROKEN("red root");
	set_color(tree.root.node, RB_BLACK);

	/* A black leaf turned red changes a black height (or makes red-red). */
	v = vma_first(&tree);
	set_color(&v->rb, !rb_color(&v->rb));
	EXPECT_BROKEN("flipped colour");
	set_color(&v->rb, !rb_color(&v->rb));

	tree.low = model[0]->start + P;
	EXPECT_BROKEN("vma below t->low");
	tree.low = LOW;
	EXPECT(vma_tree_check(&tree, why, sizeof(why)), "restored tree: %s", why);
#undef EXPECT_BROKEN
}

#define STORM_OPS	200000ul

static void t_storm(void)
{
	size_t peak = 0;

	rng_seed(0x7ee5eed1);
	env_reset(LOW, HIGH, 256);
	for (unsigned long k = 0; k < STORM_OPS && !reason[0]; k++) {
		random_op();
		stats_ops++;
		check_tree();
		random_queries();
		if (nmodel > peak)
			peak = nmodel;
	}
	printf("vma_tree: storm %lu ops, peak %zu vmas, %lu queries, %lu gaps found\n",
	       STORM_OPS, peak, stats_queries, stats_gap_found);
}

/*
 * A deep tree: many small VMAs in a wide space. The model's gap answers are
 * linear scans, so queries are sampled; vma_tree_check() runs every
 * BIG_CHECK_EVERY steps.
 */
#define BIG_N		20000
#define BIG_CHECK_EVERY	997

static void t_big(void)
{
	unsigned long pages = 8ul * BIG_N;
	char why[128];

	rng_seed(0xb16b16);
	env_reset(LOW, LOW + pages * P, BIG_N);
	for (unsigned long k = 0; nmodel < BIG_N && !reason[0]; k++) {
		unsigned long start = tlow + rng_below(pages) * P;
		unsigned long end = start + (1 + rng_below(4)) * P;

		if (model_free(start, end))
			do_insert(start, end);
		else if (rng_below(4) == 0)
			op_insert_in_gap();
		if (k % BIG_CHECK_EVERY == 0 && !vma_tree_check(&tree, why, sizeof(why)))
			fail("while filling: %s", why);
	}
	check_tree();
	for (int q = 0; q < 300 && !reason[0]; q++) {
		unsigned long low, high;

		random_bounds(&low, &high);
		check_gap((1 + rng_below(q < 150 ? 8 : 64)) * P, low, high);
		check_find(tlow + rng_below(pages) * P);
	}
	/* Erase in random order, sometimes splitting or merging on the way. */
	for (unsigned long k = 0; nmodel && !reason[0]; k++) {
		size_t i = rng_below(nmodel);

		if (k % 5 == 0)
			op_split(i);
		else if (k % 7 == 0)
			op_merge(i);
		else
			do_erase(i);
		if (k % BIG_CHECK_EVERY == 0) {
			check_tree();
			check_gap((1 + rng_below(32)) * P, tlow, thigh);
		}
	}
	check_tree();
}

/* ---- complexity: nodes visited per operation --------------------------- */

#define VIS_N		100000ul		/* VMAs in the tree */
#define VIS_SLOT	16ul			/* pages per VMA's slot */
#define VIS_OPS		20000			/* of each kind, per tree shape */
#define VIS_MODEL_EVERY	500			/* searches also checked by the model */

enum vis_kind { VIS_TOPDOWN, VIS_BOTTOMUP, VIS_INSERT, VIS_ERASE, VIS_ADJUST, VIS_KINDS };

static const char *const vis_name[VIS_KINDS] = {
	"topdown", "bottomup", "insert", "erase", "adjust",
};

struct vis_stats {
	unsigned long max[VIS_KINDS], sum[VIS_KINDS], n[VIS_KINDS];
};

static unsigned long visits(void)
{
	return vma_tree_visits + rb_walk_visits;
}

static void vis_reset(void)
{
	vma_tree_visits = rb_walk_visits = 0;
}

static void vis_note(struct vis_stats *st, enum vis_kind k)
{
	unsigned long c = visits();

	if (c > st->max[k])
		st->max[k] = c;
	st->sum[k] += c;
	st->n[k]++;
}

static unsigned long tree_height(const struct rb_node *n)
{
	unsigned long l, r;

	if (!n)
		return 0;
	l = tree_height(n->rb_left);
	r = tree_height(n->rb_right);
	return 1 + (l > r ? l : r);
}

/* floor(4 log2(n)): the largest k with 2^k <= n^4 (exact in doubles here). */
static unsigned long four_log2(unsigned long n)
{
	double n4 = (double)n * n * n * n, p = 2;
	unsigned long k = 0;

	while (p <= n4) {
		p *= 2;
		k++;
	}
	return k;
}

/*
 * Fill the tree with VIS_N VMAs, one per slot of VIS_SLOT pages at a random
 * offset and length (gaps of 0 to ~2 slots), inserted in @order: 0
 * ascending (bottom-up mmap), 1 descending (top-down mmap), 2 random.
 */
static void vis_fill(int order)
{
	static size_t perm[VIS_N];

	env_reset(LOW, LOW + VIS_N * VIS_SLOT * P, VIS_N);
	for (size_t k = 0; k < VIS_N; k++) {
		unsigned long s = tlow + (k * VIS_SLOT + rng_below(VIS_SLOT / 2)) * P;

		model[k] = vma_alloc(s, s + (1 + rng_below(VIS_SLOT / 2)) * P);
		perm[k] = order == 1 ? VIS_N - 1 - k : k;
	}
	nmodel = VIS_N;
	for (size_t k = VIS_N - 1; order == 2 && k > 0; k--) {
		size_t j = rng_below(k + 1), x = perm[k];

		perm[k] = perm[j];
		perm[j] = x;
	}
	for (size_t k = 0; k < VIS_N; k++)
		vma_tree_insert(&tree, model[perm[k]]);
}

static void vis_search(struct vis_stats *st, int q)
{
	unsigned long low, high, size = (1 + rng_below(3 * VIS_SLOT)) * P;
	unsigned long top, bot;

	random_bounds(&low, &high);
	vis_reset();
	top = vma_gap_topdown(&tree, size, low, high);
	vis_note(st, VIS_TOPDOWN);
	vis_reset();
	bot = vma_gap_bottomup(&tree, size, low, high);
	vis_note(st, VIS_BOTTOMUP);
	if (q % VIS_MODEL_EVERY == 0) {
		EXPECT(top == model_gap(size, low, high, true), "topdown differs from model");
		EXPECT(bot == model_gap(size, low, high, false), "bottomup differs from model");
	}
}

/* Move model[i]'s start and end anywhere between its neighbours. */
static void vis_adjust(struct vis_stats *st, size_t i)
{
	struct vma *v = model[i];
	unsigned long gs = i ? model[i - 1]->end : tlow;
	unsigned long ge = i + 1 < nmodel ? model[i + 1]->start : thigh;
	unsigned long start = gs + rng_below((ge - gs) / P) * P;
	unsigned long end = start + (1 + rng_below((ge - start) / P)) * P;

	v->start = start;
	v->end = end;
	vis_reset();
	vma_tree_adjust(&tree, v);
	vis_note(st, VIS_ADJUST);
}

/* Erase model[i] and put it back (the model does not change). */
static void vis_erase_insert(struct vis_stats *st, size_t i)
{
	vis_reset();
	vma_tree_erase(&tree, model[i]);
	vis_note(st, VIS_ERASE);
	vis_reset();
	vma_tree_insert(&tree, model[i]);
	vis_note(st, VIS_INSERT);
}

/*
 * Count the nodes each operation looks at, on three tree shapes: ascending
 * and descending inserts (what bottom-up and top-down mmap produce) give
 * red-black trees near the height limit 2 log2(n + 1) (31 here), random
 * inserts a bushy one (about 21). Counted: vma_tree.c's descents, each
 * subtree_gap recomputation (also those the rbtree callbacks ask for), and
 * the nodes rb_next/rb_prev/rb_last pass; not counted: rbtree.c's own
 * recolouring walk, which reads no gaps. The bound 4 log2(n) is what the
 * task asked for; the proven one is a small multiple of the height (see
 * search_topdown()), which 4 log2(n) covers for these shapes with room.
 */
static void t_visits(void)
{
	static const char *const order_name[] = { "ascending", "descending", "random" };
	unsigned long bound = four_log2(VIS_N);

	rng_seed(0x515175);
	for (int order = 0; order < 3 && !reason[0]; order++) {
		struct vis_stats st = { 0 };

		vis_fill(order);
		check_tree();
		printf("vma_tree: visits, %lu vmas inserted %s, height %lu, "
		       "bound 4 log2(n) = %lu\n", VIS_N, order_name[order],
		       tree_height(tree.root.node), bound);
		for (int q = 0; q < VIS_OPS && !reason[0]; q++) {
			vis_search(&st, q);
			vis_adjust(&st, rng_below(nmodel));
			vis_erase_insert(&st, rng_below(nmodel));
		}
		check_tree();
		for (int k = 0; k < VIS_KINDS; k++) {
			printf("vma_tree:   %-9s max %3lu  mean %5.1f\n", vis_name[k],
			       st.max[k], (double)st.sum[k] / st.n[k]);
			EXPECT(st.max[k] <= bound, "%s tree: %s visited %lu nodes, bound %lu",
			       order_name[order], vis_name[k], st.max[k], bound);
		}
	}
}

int main(void)
{
	run("empty", t_empty);
	run("edges", t_edges);
	run("check_detects", t_check_detects);
	run("storm", t_storm);
	run("big", t_big);
	run("visits", t_visits);
	return failures ? 1 : 0;
}
