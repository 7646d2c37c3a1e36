/*
 * interval_tree.c - insert, remove and overlap walks for interval trees of
 * closed ranges [start, last] (interface and users: interval_tree.h).
 *
 * Shape. A red-black tree (kernel/lib/rbtree.c) ordered by start; a node
 * with the same start as one already there goes to its right, so equal
 * starts stay in insertion order. Each node caches
 *
 *	subtree_last = MAX(last, left->subtree_last, right->subtree_last)
 *
 * which depends only on the node and its children, so RB_DECLARE_CALLBACKS
 * keeps it right through rotations and erasure; insert sets it on the way
 * down, as rb_insert_augmented() asks.
 *
 * The walk. A node n overlaps [start, last] iff
 *
 *	n->start <= last   (1)   and   start <= n->last   (2)
 *
 * In order, a node's left subtree, the node and its right subtree read
 *
 *	[ left: starts <= n->start ]  n  [ right: starts >= n->start ]
 *
 * Two facts prune the walk:
 *   a. a subtree with subtree_last < start holds no node meeting (2):
 *      skip it whole, after reading one field of its top node;
 *   b. if n->start > last, neither n nor anything after it meets (1):
 *      the walk is over.
 * And one commits it: if the left subtree's subtree_last >= start, the
 * first overlapping node of n's subtree, if there is one at all, is in the
 * left subtree. Some x there has x->last >= start: if x->start <= last, x
 * overlaps; if not, by (b) nothing from x on overlaps, n and the right
 * subtree included. So subtree_first() goes left without coming back, and
 * only tries n and then the right subtree when the left was skipped by (a).
 * The same argument for n's right subtree lets interval_tree_iter_next()
 * commit to it; otherwise it climbs to the first ancestor that holds n in
 * its left subtree, the next node in order, and tries that one.
 *
 * Cost, h the height (h <= 2 log2(n + 1)), k the nodes reported, counted in
 * interval_tree_visits (every node whose fields a walk reads, the climbs
 * included):
 *   interval_tree_iter_first      one descent: <= 2h + 1 nodes
 *   interval_tree_iter_next       a climb and one descent: <= 4h + 1 nodes
 *   a whole walk                  O(log n + k) when the reported nodes are
 *                                 neighbours in order; O(log n) more for
 *                                 every run of non-reported nodes between
 *                                 two reported ones (their subtrees are
 *                                 skipped whole, by (a), except along the
 *                                 two paths bounding the run)
 * So a point query over intervals none of which contains another (the
 * pieces of a split VMA: starts and lasts in the same order) reports one
 * run and costs O(log n + k); a few covering intervals add a few runs, a
 * few root paths each. Finding that the walk is over also costs a path:
 * the nodes after the last hit still reach start, so only (b), at the
 * leftmost of them, stops it. The general bound is O(min(n, (k + 1) log n)):
 * k hits spread evenly among non-hits need about k log2(n / k) nodes, since
 * each hit is reached by its own path. A walk over everything reads each
 * node at most three times (reached from its parent, climbed to from each
 * child). tests/host/interval_tree_test.c measures all of these; on a VMA
 * split into 10 000 pieces plus 3 covering intervals a point query reads
 * at most 136 nodes, about 71 on average (log2 n + k is about 18).
 *
 * Insert and remove are O(log n), the rbtree's plus one path of
 * subtree_last updates. No locking, no allocation (interval_tree.h).
 */
#include "kernel/lib/interval_tree.h"
#include "kernel/lib/printf.h"

#define it_node(p)	rb_entry(p, struct interval_tree_node, rb)

unsigned long interval_tree_visits;

/*
 * One more node examined. Relaxed atomic load and store: no lock prefix
 * (this is on every step of every rmap walk) and no data race in the C
 * sense, at the price of lost counts when CPUs walk at once (interval_tree.h).
 */
static inline void count_visit(void)
{
	__atomic_store_n(&interval_tree_visits,
			 __atomic_load_n(&interval_tree_visits, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
}

static inline unsigned long max_ul(unsigned long a, unsigned long b)
{
	return a > b ? a : b;
}

/* subtree_last of @n from its own last and its children's subtree_last. */
static unsigned long compute_subtree_last(struct interval_tree_node *n)
{
	unsigned long m = n->last;

	if (n->rb.rb_left)
		m = max_ul(m, it_node(n->rb.rb_left)->subtree_last);
	if (n->rb.rb_right)
		m = max_ul(m, it_node(n->rb.rb_right)->subtree_last);
	return m;
}

RB_DECLARE_CALLBACKS(static, interval_tree_callbacks, struct interval_tree_node,
		     rb, subtree_last, compute_subtree_last);

/*
 * Insert @n into @t after every node with a start <= n->start. Each node
 * passed on the way down gets @n in its subtree, so its subtree_last grows
 * to n->last if that is larger: the path is right before the rebalance,
 * as rb_insert_augmented() requires. Contract: interval_tree.h.
 */
void interval_tree_insert(struct interval_tree_node *n, struct interval_tree_root *t)
{
	struct rb_node **link = &t->root.node, *parent = NULL;

	while (*link) {
		struct interval_tree_node *p = it_node(*link);

		parent = *link;
		if (p->subtree_last < n->last)
			p->subtree_last = n->last;
		if (n->start < p->start)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;	/* equal starts: after p */
	}
	n->subtree_last = n->last;
	rb_link_node(&n->rb, parent, link);
	rb_insert_augmented(&n->rb, &t->root, &interval_tree_callbacks);
	t->count++;
}

/*
 * Remove @n from @t. rb_erase_augmented() recomputes subtree_last along
 * every path that changed. Contract: interval_tree.h.
 */
void interval_tree_remove(struct interval_tree_node *n, struct interval_tree_root *t)
{
	rb_erase_augmented(&n->rb, &t->root, &interval_tree_callbacks);
	RB_CLEAR_NODE(&n->rb);
	t->count--;
}

/* Contract: interval_tree.h. */
void interval_tree_set_last(struct interval_tree_node *n, struct interval_tree_root *t,
			    unsigned long last)
{
	(void)t;
	n->last = last;
	interval_tree_callbacks_propagate(&n->rb, NULL);
}

/* ---- overlap walks ------------------------------------------------------ */

/*
 * Examine @rb, a child about to be entered (or the root): its node if its
 * subtree may hold a node with last >= @start, else NULL (fact (a) at the
 * top). An empty link is not a node and is not counted.
 */
static struct interval_tree_node *enter(struct rb_node *rb, unsigned long start)
{
	struct interval_tree_node *n;

	if (!rb)
		return NULL;
	count_visit();
	n = it_node(rb);
	return n->subtree_last >= start ? n : NULL;
}

/*
 * The first node in order in the subtree of @n that overlaps [start, last],
 * or NULL if none does. @n was entered: counted, with subtree_last >= start.
 */
static struct interval_tree_node *subtree_first(struct interval_tree_node *n,
						unsigned long start,
						unsigned long last)
{
	for (;;) {
		struct interval_tree_node *left = enter(n->rb.rb_left, start);

		if (left) {			/* the answer is there or nowhere */
			n = left;
			continue;
		}
		if (n->start > last)		/* (b): nothing from n on */
			return NULL;
		if (n->last >= start)
			return n;
		/*
		 * Neither the left subtree nor n reaches start, yet n's subtree
		 * does: the right child exists and is entered. The test only
		 * guards against a corrupt tree.
		 */
		n = enter(n->rb.rb_right, start);
		if (!n)
			return NULL;
	}
}

/* Contract: interval_tree.h. */
struct interval_tree_node *interval_tree_iter_first(struct interval_tree_root *t,
						    unsigned long start,
						    unsigned long last)
{
	struct interval_tree_node *root;

	if (start > last)
		return NULL;			/* an empty range overlaps nothing */
	root = enter(t->root.node, start);
	return root ? subtree_first(root, start, last) : NULL;
}

/*
 * Everything before @n in order has been reported or ruled out, so look
 * in n's right subtree, then at each next ancestor in order with its right
 * subtree, until a node overlaps or (b) ends the walk. The climb
 *
 *	        a          <- stop here: n is in a's left subtree,
 *	       /              a comes next in order
 *	      x
 *	       \
 *	        n          <- x was before n in order: pass it
 *
 * reads each ancestor it passes. Contract: interval_tree.h.
 */
struct interval_tree_node *interval_tree_iter_next(struct interval_tree_node *n,
						   unsigned long start,
						   unsigned long last)
{
	if (start > last)
		return NULL;
	for (;;) {
		struct interval_tree_node *right = enter(n->rb.rb_right, start);
		struct rb_node *from, *up;

		if (right)			/* the answer is there or nowhere */
			return subtree_first(right, start, last);
		do {
			from = &n->rb;
			up = rb_parent(from);
			if (!up)
				return NULL;	/* climbed out: n was the last */
			count_visit();
			n = it_node(up);
		} while (n->rb.rb_right == from);
		if (n->start > last)		/* (b) */
			return NULL;
		if (n->last >= start)
			return n;
	}
}

/* ---- consistency check -------------------------------------------------- */

struct check_state {
	unsigned long prev_start;	/* start of the node visited last */
	unsigned long count;		/* nodes visited */
	char *why;
	size_t len;
};

#define CHECK_MAX_DEPTH	128		/* 2 log2(n + 1) for any n in memory */

/*
 * Check subtree @rb (whose parent must be @parent) in order. Returns its
 * black height (empty links count 1), or -1 with s->why filled in. Sets
 * *max_last to the true largest last in the subtree (0 if empty).
 */
static int check_subtree(struct check_state *s, const struct rb_node *rb,
			 const struct rb_node *parent, int depth,
			 unsigned long *max_last)
{
	unsigned long lmax, rmax;
	const struct interval_tree_node *n;
	int lbh, rbh;

	*max_last = 0;
	if (!rb)
		return 1;
	n = it_node(rb);
	if (depth > CHECK_MAX_DEPTH) {
		snprintf(s->why, s->len, "deeper than %d: a cycle?", CHECK_MAX_DEPTH);
		return -1;
	}
	if (rb_parent(rb) != parent) {
		snprintf(s->why, s->len, "node [%#lx, %#lx]: parent pointer is wrong",
			 n->start, n->last);
		return -1;
	}
	if (rb_is_red(rb) && rb_is_red(parent)) {
		snprintf(s->why, s->len, "node [%#lx, %#lx]: red child of a red node",
			 n->start, n->last);
		return -1;
	}
	lbh = check_subtree(s, rb->rb_left, rb, depth + 1, &lmax);
	if (lbh < 0)
		return -1;

	/* In-order visit. */
	if (n->start > n->last) {
		snprintf(s->why, s->len, "node [%#lx, %#lx]: start above last",
			 n->start, n->last);
		return -1;
	}
	if (s->count && n->start < s->prev_start) {
		snprintf(s->why, s->len, "node [%#lx, %#lx]: out of order after start %#lx",
			 n->start, n->last, s->prev_start);
		return -1;
	}
	s->prev_start = n->start;
	s->count++;

	rbh = check_subtree(s, rb->rb_right, rb, depth + 1, &rmax);
	if (rbh < 0)
		return -1;
	if (lbh != rbh) {
		snprintf(s->why, s->len, "node [%#lx, %#lx]: black heights %d left, %d right",
			 n->start, n->last, lbh, rbh);
		return -1;
	}
	*max_last = max_ul(n->last, max_ul(lmax, rmax));
	if (n->subtree_last != *max_last) {
		snprintf(s->why, s->len, "node [%#lx, %#lx]: subtree_last %#lx, should be %#lx",
			 n->start, n->last, n->subtree_last, *max_last);
		return -1;
	}
	return lbh + rb_is_black(rb);
}

/* Contract: interval_tree.h. Does not count visits. */
bool interval_tree_check(struct interval_tree_root *t, char *why, size_t len)
{
	struct check_state s = { .prev_start = 0, .count = 0, .why = why, .len = len };
	unsigned long max_last;

	if (len)
		why[0] = 0;
	if (rb_is_red(t->root.node)) {
		snprintf(why, len, "the root is red");
		return false;
	}
	if (check_subtree(&s, t->root.node, NULL, 0, &max_last) < 0)
		return false;
	if (s.count != t->count) {
		snprintf(why, len, "count is %lu, the tree holds %lu", t->count, s.count);
		return false;
	}
	return true;
}
