/*
 * rbtree_test.c - host unit test for the red-black tree (kernel/lib/rbtree.c).
 *
 * Build and run (from the repo top; `make host-tests` uses the same flags):
 *   gcc -std=gnu11 -g -O1 -Wall -Werror -I. -Iarch/x86_64/include \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       tests/host/rbtree_test.c -o /tmp/rbtree_test && /tmp/rbtree_test
 *
 * Design: kernel/lib/rbtree.c is #included, so the test runs the exact
 * kernel code. Items with unique integer keys are inserted and erased at
 * random next to a naive model, a sorted array of the keys in the tree.
 * After every operation the test walks the whole tree and checks:
 *   - parent pointers, the root's parent (NULL) and colour (black);
 *   - no red node has a red child, all paths have the same black height;
 *   - the in-order sequence is the model's array (so BST order and count);
 *   - rb_first/rb_next and rb_last/rb_prev visit exactly the model, in
 *     order and in reverse;
 * and, in the augmented runs, that every node's `submax' (the largest
 * `val' in its subtree, kept by RB_DECLARE_CALLBACKS callbacks) equals a
 * recomputation from scratch. The augmented runs also change values in
 * place and repair with the propagate callback.
 *
 * Fixed-seed xorshift64 (hosttest.h), so runs repeat. Output: one line
 * per check, "PASS rbtree/<name>" or "FAIL rbtree/<name>: <reason>".
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/rbtree.c"

#define HOSTTEST_SUITE "rbtree"
#include "hosttest.h"

#define NKEYS		1024	/* keys 0..NKEYS-1; item i has key i */
#define MAXL(a, b)	((a) > (b) ? (a) : (b))

struct item {
	long key;
	long val;		/* the augmented runs' per-node value */
	long submax;		/* max val in the subtree (augmented runs) */
	bool in_tree;
	struct rb_node rb;
};

static long compute_submax(struct item *it)
{
	long m = it->val;

	if (it->rb.rb_left)
		m = MAXL(m, rb_entry(it->rb.rb_left, struct item, rb)->submax);
	if (it->rb.rb_right)
		m = MAXL(m, rb_entry(it->rb.rb_right, struct item, rb)->submax);
	return m;
}

RB_DECLARE_CALLBACKS(static, submax_cb, struct item, rb, submax, compute_submax);

/* ---- the tree under test plus its model --------------------------------- */

static struct item items[NKEYS];
static struct rb_root root;
static long model[NKEYS];		/* sorted keys in the tree */
static size_t nmodel;
static bool augmented;			/* use the _augmented calls and check submax */

static void env_reset(bool aug)
{
	memset(items, 0, sizeof(items));
	for (long i = 0; i < NKEYS; i++) {
		items[i].key = i;
		RB_CLEAR_NODE(&items[i].rb);
	}
	root = RB_ROOT;
	nmodel = 0;
	augmented = aug;
}

static size_t model_pos(long key)
{
	size_t lo = 0, hi = nmodel;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (model[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void tree_insert(long key, long val)
{
	struct item *it = &items[key];
	struct rb_node **link = &root.node, *parent = NULL;

	it->val = val;
	it->submax = val;
	while (*link) {
		struct item *p = rb_entry(*link, struct item, rb);

		parent = *link;
		/* The contract: values on the insertion path include the new node. */
		if (augmented && p->submax < val)
			p->submax = val;
		link = key < p->key ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&it->rb, parent, link);
	if (augmented)
		rb_insert_augmented(&it->rb, &root, &submax_cb);
	else
		rb_insert_color(&it->rb, &root);
	it->in_tree = true;

	size_t pos = model_pos(key);

	memmove(&model[pos + 1], &model[pos], (nmodel - pos) * sizeof(model[0]));
	model[pos] = key;
	nmodel++;
}

static void tree_erase(long key)
{
	struct item *it = &items[key];

	if (augmented)
		rb_erase_augmented(&it->rb, &root, &submax_cb);
	else
		rb_erase(&it->rb, &root);
	RB_CLEAR_NODE(&it->rb);
	it->in_tree = false;

	size_t pos = model_pos(key);

	memmove(&model[pos], &model[pos + 1], (nmodel - pos - 1) * sizeof(model[0]));
	nmodel--;
}

/* Change a value in place, then repair the path with propagate. */
static void tree_set_val(long key, long val)
{
	items[key].val = val;
	submax_cb.propagate(&items[key].rb, NULL);
}

/* ---- invariant checks --------------------------------------------------- */

static size_t walk_pos;			/* in-order index during check_subtree */

/* Returns the black height (empty link: 1), or -1 after fail(). */
static int check_subtree(struct rb_node *n, struct rb_node *parent, long *max)
{
	long lmax = LONG_MIN, rmax = LONG_MIN;
	int lbh, rbh;

	*max = LONG_MIN;
	if (!n)
		return 1;

	struct item *it = rb_entry(n, struct item, rb);

	if (rb_parent(n) != parent) {
		fail("key %ld: wrong parent pointer", it->key);
		return -1;
	}
	if (rb_is_red(n) && rb_is_red(parent)) {
		fail("key %ld: red node under a red parent", it->key);
		return -1;
	}
	lbh = check_subtree(n->rb_left, n, &lmax);
	if (lbh < 0)
		return -1;
	if (walk_pos >= nmodel || model[walk_pos] != it->key) {
		fail("in-order position %zu holds key %ld, model says %ld",
		     walk_pos, it->key, walk_pos < nmodel ? model[walk_pos] : -1L);
		return -1;
	}
	walk_pos++;
	rbh = check_subtree(n->rb_right, n, &rmax);
	if (rbh < 0)
		return -1;
	if (lbh != rbh) {
		fail("key %ld: black heights %d (left) != %d (right)", it->key, lbh, rbh);
		return -1;
	}
	*max = MAXL(it->val, MAXL(lmax, rmax));
	if (augmented && it->submax != *max) {
		fail("key %ld: submax %ld, recomputed %ld", it->key, it->submax, *max);
		return -1;
	}
	return lbh + rb_is_black(n);
}

static bool check_all(void)
{
	struct rb_node *n;
	long max;
	size_t i;

	if (root.node && (rb_parent(root.node) || rb_is_red(root.node))) {
		fail("root has a parent or is red");
		return false;
	}
	walk_pos = 0;
	if (check_subtree(root.node, NULL, &max) < 0)
		return false;
	if (walk_pos != nmodel) {
		fail("tree holds %zu nodes, model %zu", walk_pos, nmodel);
		return false;
	}
	for (i = 0, n = rb_first(&root); n; n = rb_next(n), i++) {
		if (i >= nmodel || rb_entry(n, struct item, rb)->key != model[i]) {
			fail("forward iteration differs at %zu", i);
			return false;
		}
	}
	if (i != nmodel) {
		fail("forward iteration saw %zu of %zu", i, nmodel);
		return false;
	}
	for (i = nmodel, n = rb_last(&root); n; n = rb_prev(n)) {
		if (i == 0 || rb_entry(n, struct item, rb)->key != model[--i]) {
			fail("backward iteration differs at %zu", i);
			return false;
		}
	}
	if (i != 0) {
		fail("backward iteration stopped with %zu left", i);
		return false;
	}
	return true;
}

/* ---- checks -------------------------------------------------------------- */

static void t_empty(void)
{
	env_reset(false);
	EXPECT(RB_EMPTY_ROOT(&root), "new root not empty");
	EXPECT(rb_first(&root) == NULL && rb_last(&root) == NULL, "first/last of empty tree");
	EXPECT(rb_next(&items[0].rb) == NULL && rb_prev(&items[0].rb) == NULL,
	       "next/prev of a cleared node");
	tree_insert(7, 0);
	EXPECT(rb_first(&root) == &items[7].rb && rb_last(&root) == &items[7].rb,
	       "single node is first and last");
	EXPECT(rb_next(&items[7].rb) == NULL && rb_prev(&items[7].rb) == NULL,
	       "single node has no neighbours");
	EXPECT(!rb_is_red(root.node), "single root is red");
	tree_erase(7);
	EXPECT(RB_EMPTY_ROOT(&root), "tree not empty after erasing its only node");
	check_all();
}

/* Sorted and reverse-sorted runs: the rotation-heavy worst cases. */
static void t_sequential(void)
{
	for (int aug = 0; aug < 2; aug++) {
		env_reset(aug);
		for (long k = 0; k < NKEYS && !reason[0]; k++) {
			tree_insert(k, (k * 7919) % 1000);
			check_all();
		}
		for (long k = 0; k < NKEYS && !reason[0]; k++) {
			tree_erase(k);
			check_all();
		}
		for (long k = NKEYS - 1; k >= 0 && !reason[0]; k--) {
			tree_insert(k, k);
			check_all();
		}
		/* Erase the root again and again: the two-children case. */
		while (root.node && !reason[0]) {
			tree_erase(rb_entry(root.node, struct item, rb)->key);
			check_all();
		}
	}
}

static unsigned long random_ops;

static void random_run(bool aug, unsigned long ops, long keys)
{
	env_reset(aug);
	for (unsigned long i = 0; i < ops && !reason[0]; i++) {
		long key = (long)rng_below(keys);
		unsigned long op = rng_below(10);

		if (aug && op == 0 && items[key].in_tree) {
			tree_set_val(key, (long)rng_below(100000) - 50000);
		} else if (!items[key].in_tree) {
			tree_insert(key, (long)rng_below(100000) - 50000);
		} else {
			tree_erase(key);
		}
		check_all();
		random_ops++;
	}
	/* Drain, still checking. */
	while (nmodel && !reason[0]) {
		tree_erase(model[rng_below(nmodel)]);
		check_all();
	}
}

static void t_random_plain(void)
{
	rng_seed(0x5eed0001);
	random_run(false, 50000, 300);
	random_run(false, 10000, NKEYS);
}

static void t_random_augmented(void)
{
	rng_seed(0x5eed0002);
	random_run(true, 50000, 300);
	random_run(true, 10000, NKEYS);
}

/* Big trees reached by insert-heavy phases, then erase-heavy ones. */
static void t_grow_shrink(void)
{
	rng_seed(0x5eed0003);
	for (int aug = 0; aug < 2; aug++) {
		env_reset(aug);
		for (int round = 0; round < 4 && !reason[0]; round++) {
			while (nmodel < NKEYS * 9 / 10 && !reason[0]) {
				long key = (long)rng_below(NKEYS);

				if (items[key].in_tree)
					continue;
				tree_insert(key, (long)rng_below(1000));
				check_all();
			}
			while (nmodel > NKEYS / 10 && !reason[0]) {
				tree_erase(model[rng_below(nmodel)]);
				check_all();
			}
		}
	}
}

int main(void)
{
	run("empty", t_empty);
	run("sequential", t_sequential);
	run("random_plain", t_random_plain);
	run("random_augmented", t_random_augmented);
	run("grow_shrink", t_grow_shrink);
	printf("rbtree: %lu random operations checked\n", random_ops);
	return failures ? 1 : 0;
}
