/*
 * interval_tree.h - intrusive interval trees of closed ranges [start, last]
 * (the Linux <linux/interval_tree.h> interface), for reverse mapping.
 *
 * The anon_vma and i_mmap trees of mm/rmap.c hold one node per VMA, keyed
 * by the range of page offsets the VMA maps; rmap asks "which VMAs map
 * page offset i?", a query for every node overlapping [i, i]. Ranges may
 * nest, overlap and repeat exactly (a VMA split 10 000 times leaves 10 000
 * neighbours plus, after fork, identical copies of each).
 *
 * The tree is a red-black tree (kernel/lib/rbtree.h) ordered by start,
 * equal starts in insertion order, and each node caches the largest `last'
 * in its subtree:
 *
 *	subtree_last(n) = MAX(n->last, subtree_last(left), subtree_last(right))
 *
 * A search for [start, last] skips every subtree whose subtree_last is
 * below start (nothing in it reaches start) and every node, with all that
 * follows it in order, whose start is above last. See interval_tree.c for
 * the walk and its cost.
 *
 * A user embeds a struct interval_tree_node, sets start and last, and
 * inserts it; start and last must not change while the node is in a tree
 * (remove, change, insert again: mm/rmap.c's vma_rmap_pre/post_update()).
 *
 *	struct interval_tree_node *n;
 *
 *	for (n = interval_tree_iter_first(&t, i, i); n;
 *	     n = interval_tree_iter_next(n, i, i))
 *		use(container_of(n, struct anon_vma_chain, rb));
 *
 * No locking here: the owner serialises changes and keeps them out of
 * running walks (the anon_vma root's mutex, the inode's i_mmap_lock).
 * No kernel dependencies: host test tests/host/interval_tree_test.c.
 */
#ifndef KERNEL_LIB_INTERVAL_TREE_H
#define KERNEL_LIB_INTERVAL_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/lib/rbtree.h"

struct interval_tree_node {
	struct rb_node rb;
	unsigned long start, last;	/* the closed range; start <= last */
	unsigned long subtree_last;	/* max `last' in this subtree (tree-owned) */
};

struct interval_tree_root {
	struct rb_root root;
	unsigned long count;		/* nodes in the tree */
};

/* An empty tree. A zero-filled struct interval_tree_root is one too. */
#define INTERVAL_TREE_ROOT	((struct interval_tree_root){ RB_ROOT, 0 })

/*
 * Nodes examined by interval_tree_iter_first() and interval_tree_iter_next()
 * since boot, over all trees: a statistic for tests, which read it before
 * and after a walk to bound its cost (tests/host/interval_tree_test.c, the
 * rmap tests). Nothing else reads or updates it. Updated without a lock
 * prefix, so two CPUs walking at once may lose counts: a difference is
 * exact only while one walker runs.
 */
extern unsigned long interval_tree_visits;

/*
 * Insert @n, whose start <= last are set, into @t. Duplicates are allowed;
 * @n goes after the nodes with the same start. The caller holds the tree's
 * lock. Cannot fail, does not allocate. O(log n).
 */
void interval_tree_insert(struct interval_tree_node *n, struct interval_tree_root *t);

/*
 * Remove @n, which must be in @t with the start and last it was inserted
 * with. @n is left unlinked (RB_EMPTY_NODE(&n->rb)) and not freed. The
 * caller holds the tree's lock. O(log n).
 */
void interval_tree_remove(struct interval_tree_node *n, struct interval_tree_root *t);

/*
 * Give @n, in @t, a new last (its start, the sort key, stays): the
 * subtree_last values up the path follow. The caller holds the tree's
 * lock. O(log n), no rebalancing (mremap's grow in place).
 */
void interval_tree_set_last(struct interval_tree_node *n, struct interval_tree_root *t,
			    unsigned long last);

/*
 * The first node of @t, in order of start, that overlaps [start, last]
 * (n->start <= last && start <= n->last), or NULL if none does or if
 * start > last. interval_tree_iter_next() with the same range gives the
 * rest. The caller holds the tree's lock across the whole walk and does
 * not change the tree during it. Cost: see interval_tree.c.
 */
struct interval_tree_node *interval_tree_iter_first(struct interval_tree_root *t,
						    unsigned long start,
						    unsigned long last);

/* The next node after @n, in order of start, that overlaps [start, last]. */
struct interval_tree_node *interval_tree_iter_next(struct interval_tree_node *n,
						   unsigned long start,
						   unsigned long last);

/*
 * Check every invariant of @t: parent pointers match; the root is black,
 * no red node has a red child, all paths have the same black height; each
 * node has start <= last, starts never decrease in order; every
 * subtree_last is right; count matches. Returns true if all hold, else
 * false with a reason in @why (@len bytes, NUL terminated). O(n); the
 * caller holds the tree's lock. For debug assertions and tests.
 */
bool interval_tree_check(struct interval_tree_root *t, char *why, size_t len);

#endif /* KERNEL_LIB_INTERVAL_TREE_H */
