/*
 * interval_tree_test.c - host unit test for the interval tree
 * (kernel/lib/interval_tree.c on kernel/lib/rbtree.c).
 *
 * Build and run (from the repo top; `make host-tests` uses the same flags):
 *   gcc -std=gnu11 -g -O1 -Wall -Werror -I. -Iarch/x86_64/include \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       tests/host/interval_tree_test.c -o /tmp/interval_tree_test && \
 *       /tmp/interval_tree_test
 *
 * Design: kernel/lib/interval_tree.c and kernel/lib/rbtree.c are
 * #included, so the test runs the exact kernel code. interval_tree_check()
 * formats its reasons with the kernel's snprintf, so kernel/lib/printf.c
 * is included too, renamed to kernel_* (as in vma_tree_test.c).
 *
 * Next to the tree runs a naive model: an array of the nodes sorted by
 * (start, insertion number), which is the order the tree promises (equal
 * starts in insertion order). The storm inserts and removes at random,
 * over a small range of starts so that duplicates, identical and nested
 * intervals are common, with some intervals reaching ULONG_MAX, and
 * moves some node's last up in place (interval_tree_set_last, mremap's
 * grow: the model's order does not change). After
 * every step it runs interval_tree_check() (colours, order, every
 * subtree_last, count), compares the in-order sequence with the model, and
 * asks overlap queries (points, ranges, everything, reversed ranges, the
 * top of the address space) whose answers, in order, must be the model's
 * linear scan.
 *
 * Complexity: interval_tree_visits counts the nodes the walks read. The
 * storm checks the per-call bounds the top of interval_tree.c gives
 * (iter_first <= 2h + 1, iter_next <= 4h + 1, h the tree height), so a
 * walk reporting k nodes reads <= (k + 1)(4h + 1). t_complexity builds
 * the rmap case: a VMA split into 10 000 pieces ([i, i] or [4i, 4i + 3]),
 * inserted in order or shuffled, with and without 3 covering intervals,
 * and bounds every point query by CX_C (log2 n + k) and a query for
 * everything by 3n. CX_C is 8: measured ratios reach 4.60 without covers
 * and 7.56 with them, both on the taller tree ascending inserts build (the
 * means are about 1.4 and 4.0). t_scattered measures the case the
 * structure is not O(log n + k) for (hits spread evenly among non-hits)
 * and prints it. All the numbers are printed.
 *
 * Fixed-seed xorshift64 (hosttest.h), so runs repeat. Output: one line
 * per check, "PASS interval_tree/<name>" or "FAIL interval_tree/<name>:
 * <reason>", plus the measured visit counts.
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
#include "kernel/lib/interval_tree.c"
#undef snprintf
#undef vsnprintf

#define HOSTTEST_SUITE "interval_tree"
#include "hosttest.h"

struct item {
	struct interval_tree_node it;
	unsigned long seq;		/* insertion number: order among equal starts */
	bool live;
};

#define it_item(n)	rb_entry(n, struct item, it)

#define MAXN		256		/* live nodes in the storm, at most */
#define CX_N		10000		/* pieces of the split VMA */
#define CX_COVERS	3		/* covering intervals added to them */
#define POOL		(CX_N + CX_COVERS + 1)

static struct item pool[POOL];
static size_t pool_used;		/* items handed out since env_reset() */
static struct interval_tree_root tree;
static struct item *model[POOL];	/* live items by (start, seq) */
static size_t nmodel;
static unsigned long next_seq;

static void env_reset(void)
{
	memset(pool, 0, sizeof(pool));
	pool_used = 0;
	tree = INTERVAL_TREE_ROOT;
	nmodel = 0;
	next_seq = 0;
}

static struct item *item_new(unsigned long start, unsigned long last)
{
	struct item *x = &pool[pool_used++];

	x->it.start = start;
	x->it.last = last;
	return x;
}

/* Insert @x into tree and model (the model after every equal start). */
static void do_insert(struct item *x)
{
	size_t i = nmodel;

	while (i > 0 && model[i - 1]->it.start > x->it.start)
		i--;
	memmove(&model[i + 1], &model[i], (nmodel - i) * sizeof(model[0]));
	model[i] = x;
	nmodel++;
	x->seq = next_seq++;
	x->live = true;
	interval_tree_insert(&x->it, &tree);
}

static void do_remove(size_t i)
{
	struct item *x = model[i];

	interval_tree_remove(&x->it, &tree);
	EXPECT(RB_EMPTY_NODE(&x->it.rb), "removed node not marked RB_EMPTY_NODE");
	x->live = false;
	memmove(&model[i], &model[i + 1], (nmodel - i - 1) * sizeof(model[0]));
	nmodel--;
}

/* interval_tree_check(), then the in-order sequence against the model. */
static void check_tree(void)
{
	char why[160];
	struct rb_node *rb = rb_first(&tree.root);
	size_t i = 0;

	if (!interval_tree_check(&tree, why, sizeof(why))) {
		fail("interval_tree_check: %s", why);
		return;
	}
	for (; rb && i < nmodel; rb = rb_next(rb), i++) {
		if (&model[i]->it.rb != rb) {
			fail("in-order position %zu: tree has [%lu, %lu] seq %lu, model [%lu, %lu] seq %lu",
			     i, it_item(rb)->it.start, it_item(rb)->it.last, it_item(rb)->seq,
			     model[i]->it.start, model[i]->it.last, model[i]->seq);
			return;
		}
	}
	EXPECT(!rb && i == nmodel && tree.count == nmodel,
	       "tree holds more or fewer nodes than the model's %zu", nmodel);
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

/* The smallest b with 2^b >= n: log2 n rounded up. */
static unsigned long ceil_log2(unsigned long n)
{
	unsigned long b = 0;

	while ((1ul << b) < n)
		b++;
	return b;
}

/* Does @x overlap [start, last]? Never, for a reversed (empty) range. */
static bool overlaps(const struct item *x, unsigned long start, unsigned long last)
{
	return start <= last && x->it.start <= last && start <= x->it.last;
}

/* What one walk cost, in interval_tree_visits. */
struct walk_cost {
	unsigned long total;		/* the whole walk */
	unsigned long first;		/* the interval_tree_iter_first() call */
	unsigned long next_max;		/* the dearest interval_tree_iter_next() */
};

/*
 * Walk [start, last] with the tree and with the model, compare, and return
 * the number of nodes reported; @cost gets what the walk read.
 */
static unsigned long check_query(unsigned long start, unsigned long last,
				 struct walk_cost *cost)
{
	struct interval_tree_node *n;
	unsigned long k = 0, before;
	size_t i = 0;

	interval_tree_visits = 0;
	n = interval_tree_iter_first(&tree, start, last);
	cost->first = interval_tree_visits;
	cost->next_max = 0;
	for (;;) {
		while (i < nmodel && !overlaps(model[i], start, last))
			i++;
		if (!n || i == nmodel)
			break;
		if (n != &model[i]->it) {
			fail("query [%lu, %lu]: hit %lu is [%lu, %lu] seq %lu, model [%lu, %lu] seq %lu",
			     start, last, k, n->start, n->last, it_item(n)->seq,
			     model[i]->it.start, model[i]->it.last, model[i]->seq);
			break;
		}
		k++;
		i++;
		before = interval_tree_visits;
		n = interval_tree_iter_next(n, start, last);
		if (interval_tree_visits - before > cost->next_max)
			cost->next_max = interval_tree_visits - before;
	}
	cost->total = interval_tree_visits;
	EXPECT(!n, "query [%lu, %lu]: tree reports [%lu, %lu] after the model's %lu hits",
	       start, last, n ? n->start : 0, n ? n->last : 0, k);
	EXPECT(i == nmodel, "query [%lu, %lu]: tree stops after %lu hits, model has more",
	       start, last, k);
	return k;
}

/* A uniform value in [a, b], a <= b, the full range included. */
static unsigned long rand_between(unsigned long a, unsigned long b)
{
	unsigned long span = b - a;

	return a + (span == ULONG_MAX ? (unsigned long)rng() : rng_below(span + 1));
}

/* ---- the storm ---------------------------------------------------------- */

#define SPAN		64		/* most starts lie in [0, SPAN) */
#define STORM_OPS	200000ul
#define STORM_PHASE	4000		/* ops between new target sizes */

static unsigned long storm_queries, storm_hits, storm_max_k, storm_max_visits;
static unsigned long storm_max_first, storm_max_next;	/* dearest single calls */
static double storm_max_ratio;		/* visits / ((k + 1) h) */

/*
 * Mostly short intervals over few starts; a fifth copy a live interval
 * exactly, some nest inside one, a few reach ULONG_MAX or sit at the top.
 */
static void random_interval(unsigned long *start, unsigned long *last)
{
	unsigned long r = rng_below(100);

	if (nmodel && r < 20) {				/* identical */
		const struct item *m = model[rng_below(nmodel)];

		*start = m->it.start;
		*last = m->it.last;
	} else if (nmodel && r < 35) {			/* nested */
		const struct item *m = model[rng_below(nmodel)];

		*start = rand_between(m->it.start, m->it.last);
		*last = rand_between(*start, m->it.last);
	} else if (r < 38) {				/* at the top */
		*start = ULONG_MAX - rng_below(4);
		*last = rand_between(*start, ULONG_MAX);
	} else if (r < 41) {				/* to the top */
		*start = rng_below(SPAN);
		*last = ULONG_MAX;
	} else {
		*start = rng_below(SPAN);
		*last = *start + (r < 60 ? 0 : r < 85 ? rng_below(8) : rng_below(SPAN));
	}
}

/*
 * One random query, checked against the model and against the costs the
 * top of interval_tree.c claims: iter_first <= 2h + 1, each iter_next
 * <= 4h + 1, so a walk <= (k + 1)(4h + 1).
 */
static void random_query(unsigned long h)
{
	unsigned long r = rng_below(100), start, last, k;
	struct walk_cost c;

	if (r < 30) {					/* a point */
		start = last = rng_below(SPAN + 8);
	} else if (r < 35) {				/* a point at the top */
		start = last = ULONG_MAX - rng_below(3);
	} else if (r < 40) {				/* everything */
		start = 0;
		last = ULONG_MAX;
	} else if (r < 45) {				/* reversed: empty */
		last = rng_below(SPAN);
		start = last + 1 + rng_below(4);
	} else if (r < 50) {				/* to the top */
		start = rng_below(SPAN + 8);
		last = ULONG_MAX;
	} else {
		start = rng_below(SPAN + 8);
		last = start + rng_below(SPAN / 2);
	}
	k = check_query(start, last, &c);
	if (start > last) {
		EXPECT(k == 0 && c.total == 0, "reversed query [%lu, %lu] walked", start, last);
		if (nmodel)
			EXPECT(!interval_tree_iter_next(&model[0]->it, start, last),
			       "iter_next with reversed range [%lu, %lu] reported", start, last);
	}
	EXPECT(c.first <= 2 * h + 1 && c.next_max <= 4 * h + 1,
	       "query [%lu, %lu]: iter_first read %lu, an iter_next %lu, height %lu",
	       start, last, c.first, c.next_max, h);
	EXPECT(c.total <= (k + 1) * (4 * h + 1),
	       "query [%lu, %lu]: %lu hits, %lu visits > (k + 1)(4h + 1), h %lu",
	       start, last, k, c.total, h);
	storm_queries++;
	storm_hits += k;
	if (k > storm_max_k)
		storm_max_k = k;
	if (c.total > storm_max_visits)
		storm_max_visits = c.total;
	if (c.first > storm_max_first)
		storm_max_first = c.first;
	if (c.next_max > storm_max_next)
		storm_max_next = c.next_max;
	if (h && (double)c.total / ((k + 1) * h) > storm_max_ratio)
		storm_max_ratio = (double)c.total / ((k + 1) * h);
}

/* A free pool item (the storm reuses MAXN of them). */
static struct item *storm_item(void)
{
	for (;;) {
		struct item *x = &pool[rng_below(MAXN)];

		if (!x->live)
			return x;
	}
}

static void t_storm(void)
{
	unsigned long target = 0, peak = 0, inserts = 0, removes = 0, set_lasts = 0;

	rng_seed(0x1d7e5a11);
	env_reset();
	for (unsigned long op = 0; op < STORM_OPS && !reason[0]; op++) {
		bool insert;

		if (op % STORM_PHASE == 0)
			target = rng_below(MAXN + 1);	/* grow, shrink, empty */
		if (nmodel == 0)
			insert = true;
		else if (nmodel == MAXN)
			insert = false;
		else
			insert = rng_below(10) < (nmodel < target ? 7u : 3u);
		if (nmodel && rng_below(8) == 0) {
			/* A node's last grows in place: order and count stay. */
			struct item *x = model[rng_below(nmodel)];
			unsigned long grow = rng_below(64);

			interval_tree_set_last(&x->it, &tree, x->it.last > ULONG_MAX - grow ?
					       ULONG_MAX : x->it.last + grow);
			set_lasts++;
		} else if (insert) {
			struct item *x = storm_item();

			random_interval(&x->it.start, &x->it.last);
			do_insert(x);
			inserts++;
		} else {
			do_remove(rng_below(nmodel));
			removes++;
		}
		if (nmodel > peak)
			peak = nmodel;
		check_tree();
		unsigned long h = tree_height(tree.root.node);
		random_query(h);
		random_query(h);
	}
	printf("interval_tree: storm %lu ops (%lu inserts, %lu removes, %lu set_last), peak %lu "
	       "nodes, %lu queries, %lu hits (max %lu in one)\n", STORM_OPS, inserts, removes,
	       set_lasts, peak, storm_queries, storm_hits, storm_max_k);
	printf("interval_tree: storm walks: max %lu visits, max visits/((k+1)h) %.2f "
	       "(bound 4 + 1/h); dearest iter_first %lu, iter_next %lu\n",
	       storm_max_visits, storm_max_ratio, storm_max_first, storm_max_next);
}

/* ---- hand-made cases ---------------------------------------------------- */

/* Expect query [start, last] to report exactly @want (n items, in order). */
static void expect_hits(unsigned long start, unsigned long last,
			struct item *const *want, size_t n)
{
	struct interval_tree_node *it = interval_tree_iter_first(&tree, start, last);

	for (size_t i = 0; i < n; i++) {
		EXPECT(it == &want[i]->it, "query [%#lx, %#lx]: hit %zu wrong", start, last, i);
		if (!it)
			return;
		it = interval_tree_iter_next(it, start, last);
	}
	EXPECT(!it, "query [%#lx, %#lx]: more than %zu hits", start, last, n);
}

static void t_empty(void)
{
	struct walk_cost c = { .total = 1 };

	env_reset();
	check_tree();
	EXPECT(check_query(0, ULONG_MAX, &c) == 0 && c.total == 0,
	       "empty tree: everything query found something or walked");
	EXPECT(!interval_tree_iter_first(&tree, 5, 5), "empty tree: point found");
}

static void t_edges(void)
{
	struct item *a, *b, *c, *d[5];

	env_reset();
	a = item_new(5, 5);
	do_insert(a);
	check_tree();
	expect_hits(5, 5, &a, 1);
	expect_hits(4, 5, &a, 1);
	expect_hits(5, 6, &a, 1);
	expect_hits(0, ULONG_MAX, &a, 1);
	expect_hits(4, 4, NULL, 0);			/* closed ends: */
	expect_hits(6, 6, NULL, 0);			/* just outside */
	expect_hits(0, 4, NULL, 0);
	expect_hits(6, ULONG_MAX, NULL, 0);
	expect_hits(6, 4, NULL, 0);			/* reversed */

	/* The top of the range: no overflow in last + 1 style arithmetic. */
	b = item_new(0, ULONG_MAX);
	c = item_new(ULONG_MAX, ULONG_MAX);
	do_insert(c);
	do_insert(b);
	check_tree();
	expect_hits(ULONG_MAX, ULONG_MAX, (struct item *[]){ b, c }, 2);
	expect_hits(0, 0, &b, 1);
	expect_hits(5, 5, (struct item *[]){ b, a }, 2);
	expect_hits(0, ULONG_MAX, (struct item *[]){ b, a, c }, 3);

	/* Identical intervals come back in insertion order... */
	for (int i = 0; i < 5; i++) {
		d[i] = item_new(3, 7);
		do_insert(d[i]);
	}
	check_tree();
	expect_hits(7, 7, (struct item *[]){ b, d[0], d[1], d[2], d[3], d[4] }, 6);
	/* ...and keep it when one in the middle leaves and comes back. */
	do_remove(2);					/* b d0 [d1] d2 ... */
	EXPECT(!d[1]->live, "model: removed the wrong item");
	check_tree();
	expect_hits(6, 8, (struct item *[]){ b, d[0], d[2], d[3], d[4] }, 5);
	do_insert(d[1]);
	check_tree();
	expect_hits(3, 3, (struct item *[]){ b, d[0], d[2], d[3], d[4], d[1] }, 6);
	expect_hits(4, 5, (struct item *[]){ b, d[0], d[2], d[3], d[4], d[1], a }, 7);
	while (nmodel && !reason[0]) {
		do_remove(nmodel / 2);
		check_tree();
	}
	EXPECT(RB_EMPTY_ROOT(&tree.root), "tree not empty after removing everything");
}

/* interval_tree_check() must notice broken trees. */
static void t_check_detects(void)
{
	char why[160];
	struct rb_node *parent;
	struct item *x;
	unsigned long saved;

	env_reset();
	for (unsigned long k = 0; k < 40; k++)
		do_insert(item_new(3 * k, 3 * k + k % 5));
	check_tree();
	x = model[17];

#define EXPECT_BROKEN(what)						\
	do {								\
		why[0] = 0;						\
		EXPECT(!interval_tree_check(&tree, why, sizeof(why)) && why[0], \
		       "%s not detected", what);			\
	} while (0)

	x->it.subtree_last++;
	EXPECT_BROKEN("wrong subtree_last");
	x->it.subtree_last--;

	saved = x->it.start;
	x->it.start = x->it.last + 1;
	EXPECT_BROKEN("start above last");
	x->it.start = model[16]->it.start - 1;
	EXPECT_BROKEN("out of order");
	x->it.start = saved;

	tree.count++;
	EXPECT_BROKEN("wrong count");
	tree.count--;

	set_color(tree.root.node, RB_RED);
	EXPECT_BROKEN("red root");
	set_color(tree.root.node, RB_BLACK);

	x = it_item(rb_first(&tree.root));
	set_color(&x->it.rb, !rb_color(&x->it.rb));
	EXPECT_BROKEN("flipped colour");
	set_color(&x->it.rb, !rb_color(&x->it.rb));

	parent = rb_parent(&x->it.rb);			/* x: the first node */
	set_parent(&x->it.rb, parent == tree.root.node ? NULL : tree.root.node);
	EXPECT_BROKEN("wrong parent pointer");
	set_parent(&x->it.rb, parent);
	EXPECT(interval_tree_check(&tree, why, sizeof(why)), "restored tree: %s", why);
#undef EXPECT_BROKEN
}

/* ---- complexity --------------------------------------------------------- */

#define CX_C		8		/* the c in c (log2 n + k): measured 7.56 */

struct cx_stats {
	unsigned long queries, max_visits, max_k, sum_visits;
	double max_ratio;			/* visits / (log2 n + k) */
};

/*
 * A VMA of CX_N pages split into CX_N pieces ([i, i], @width 1) or of
 * 4 CX_N pages into pieces of 4 ([4i, 4i + 3], @width 4), inserted in
 * ascending order (as the splits happen) or shuffled; then, with @covers,
 * CX_COVERS covering intervals: two identical ones over everything (the
 * VMA before the splits, kept by two forked children) and one over the
 * upper half.
 */
static void cx_fill(unsigned long width, bool shuffle, bool covers)
{
	static size_t perm[CX_N];
	unsigned long end = CX_N * width - 1;

	env_reset();
	for (size_t i = 0; i < CX_N; i++)
		perm[i] = i;
	for (size_t i = CX_N - 1; shuffle && i > 0; i--) {
		size_t j = rng_below(i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	/* do_insert() by hand: the model's place is known, no memmove. */
	for (size_t i = 0; i < CX_N; i++) {
		struct item *x = item_new(perm[i] * width, perm[i] * width + width - 1);

		x->seq = next_seq++;
		x->live = true;
		model[perm[i]] = x;
		interval_tree_insert(&x->it, &tree);
	}
	nmodel = CX_N;
	if (!covers)
		return;
	do_insert(item_new(0, end));
	do_insert(item_new(0, end));
	do_insert(item_new(end / 2, end));
}

/*
 * Point query @p on the cx_fill() tree. The model's linear scan would cost
 * O(n) per query, so the hits are checked instead: each overlaps p, they
 * come in order of start, and there are as many as the pieces (exactly
 * one) and covers containing p.
 */
static void cx_point(struct cx_stats *st, unsigned long p, unsigned long lg,
		     unsigned long h)
{
	unsigned long want = 1, k = 0, visits, before, prev_start = 0;
	struct interval_tree_node *n;
	double ratio;

	for (size_t i = CX_N; i < pool_used; i++)
		want += pool[i].it.start <= p && p <= pool[i].it.last;
	interval_tree_visits = 0;
	n = interval_tree_iter_first(&tree, p, p);
	EXPECT(interval_tree_visits <= 2 * h + 1, "point %lu: iter_first read %lu, height %lu",
	       p, interval_tree_visits, h);
	while (n) {
		EXPECT(n->start <= p && p <= n->last && n->start >= prev_start,
		       "point %lu: hit [%lu, %lu] wrong or out of order", p, n->start, n->last);
		prev_start = n->start;
		k++;
		before = interval_tree_visits;
		n = interval_tree_iter_next(n, p, p);
		EXPECT(interval_tree_visits - before <= 4 * h + 1,
		       "point %lu: an iter_next read %lu, height %lu",
		       p, interval_tree_visits - before, h);
	}
	visits = interval_tree_visits;
	EXPECT(k == want, "point %lu: %lu hits, expected %lu", p, k, want);
	ratio = (double)visits / (lg + k);
	st->queries++;
	st->sum_visits += visits;
	if (visits > st->max_visits)
		st->max_visits = visits;
	if (k > st->max_k)
		st->max_k = k;
	if (ratio > st->max_ratio)
		st->max_ratio = ratio;
	EXPECT(visits <= CX_C * (lg + k), "point %lu: %lu hits, %lu visits > %d (log2 n + k) = %lu",
	       p, k, visits, CX_C, CX_C * (lg + k));
}

/*
 * Every page offset of the split VMA is a point query (the rmap walk for
 * one page). Without covers it has one hit, the piece; with them 3 or 4.
 * None of the pieces contains another, so the hits form at most three runs
 * in order, and each run costs about two root paths (see the top of
 * interval_tree.c): bounded by CX_C (log2 n + k), log2 n rounded up (14
 * here). Ascending inserts give the taller tree (height 24 of at most
 * 2 log2(n + 1) = 27), and the largest ratios. A query for everything
 * reads each node at most three times (measured: twice).
 */
static void t_complexity(void)
{
	rng_seed(0xc0de1e55);
	for (int cfg = 0; cfg < 8; cfg++) {
		unsigned long width = cfg & 1 ? 4 : 1, k, h;
		bool shuffle = cfg & 2, covers = cfg & 4;
		unsigned long n = CX_N + (covers ? CX_COVERS : 0), lg = ceil_log2(n);
		struct cx_stats st = { 0 };
		struct walk_cost c;

		cx_fill(width, shuffle, covers);
		check_tree();
		h = tree_height(tree.root.node);
		for (unsigned long i = 0; i < CX_N; i++)
			cx_point(&st, i * width + rng_below(width), lg, h);
		k = check_query(0, ULONG_MAX, &c);
		EXPECT(k == n && c.total <= 3 * n, "everything: %lu hits, %lu visits > 3n",
		       k, c.total);
		printf("interval_tree: %d pieces [%lui, %lui+%lu] + %d covers, %-9s height %lu: "
		       "point queries k <= %lu, visits max %lu mean %.1f, "
		       "max visits/(log2 n + k) %.2f; everything %lu visits (%.2f n)\n",
		       CX_N, width, width, width - 1, covers ? CX_COVERS : 0,
		       shuffle ? "shuffled," : "ascending,",
		       h, st.max_k, st.max_visits,
		       (double)st.sum_visits / st.queries, st.max_ratio, c.total,
		       (double)c.total / n);
	}
}

/*
 * Where O(log n + k) does not hold: n points [i, i], every SCATTER-th
 * stretched to cover the query point. The k hits are spread evenly, so
 * each needs its own path of about log2(n / k) nodes: k log2(n / k) in
 * all, above 4 (log2 n + k). Checked against the general bound
 * (k + 1)(4h + 1) and 3n; the numbers are printed for the record.
 */
#define SCATTER		100

static void t_scattered(void)
{
	unsigned long p = CX_N, k, h, lg = ceil_log2(CX_N);
	struct walk_cost c;

	env_reset();
	for (unsigned long i = 0; i < CX_N; i++)
		do_insert(item_new(i, i % SCATTER ? i : p));
	check_tree();
	h = tree_height(tree.root.node);
	k = check_query(p, p, &c);
	EXPECT(k == CX_N / SCATTER, "%lu hits, expected %d", k, CX_N / SCATTER);
	EXPECT(c.total <= (k + 1) * (4 * h + 1) && c.total <= 3ul * CX_N,
	       "%lu visits over the general bounds", c.total);
	printf("interval_tree: %d points, every %dth covering the query: k %lu, %lu visits "
	       "= %.2f (log2 n + k), %.2f k\n", CX_N, SCATTER, k, c.total,
	       (double)c.total / (lg + k), (double)c.total / k);
}

int main(void)
{
	run("empty", t_empty);
	run("edges", t_edges);
	run("check_detects", t_check_detects);
	run("storm", t_storm);
	run("complexity", t_complexity);
	run("scattered", t_scattered);
	return failures ? 1 : 0;
}
