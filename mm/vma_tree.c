/*
 * vma_tree.c - the per-mm tree of VMAs: lookup by address and gap search.
 *
 * The VMAs of one address space sit in a red-black tree (kernel/lib/rbtree.c)
 * ordered by start address. They never overlap, so the in-order sequence is
 * also ordered by end, and between neighbours lies a free gap:
 *
 *   t->low                                                       t->high
 *     |<- gap(A) ->[ A )<- gap(B) ->[ B )<-gap(C)->[ C )<- last gap ->|
 *
 *   gap(v)   = [prev->end, v->start), prev the VMA just below v; for the
 *              first VMA prev->end is replaced by t->low. May be empty.
 *   last gap = [last->end, t->high): belongs to no VMA, so it is stored
 *              nowhere and the searches look at it explicitly.
 *
 * Two cached values per VMA:
 *   v->gap          the length of gap(v), so gap(v) = [v->start - v->gap,
 *                   v->start) without looking at the predecessor;
 *   v->subtree_gap  the largest v->gap over the VMAs in v's subtree, i.e.
 *                   MAX(v->gap, left->subtree_gap, right->subtree_gap).
 * subtree_gap depends only on the node and its children, as the rbtree's
 * augmentation callbacks require (rbtree.h), so rotations and erasure keep
 * it right by themselves. A search for a free range of `size' bytes skips
 * every subtree whose subtree_gap is smaller, and every subtree whose
 * address span cannot meet [low, high) (see gap_window()).
 *
 * The twist: gap(v) depends on v's predecessor, which may be anywhere in
 * the tree. So an update changes up to two cached gaps, and the update
 * functions (which, unlike the callbacks, know t->low) set them by hand:
 *
 *   insert v        gap(v) is new, gap(next) shrinks to [v->end, next->start)
 *   erase v         gap(next) grows to [v->start - v->gap, next->start)
 *   adjust v        v->start moved: gap(v); v->end moved: gap(next)
 *
 * then recompute subtree_gap from the changed nodes up to the root. v and
 * its successor always lie on one root path (next is the leftmost node of
 * v's right subtree, or, if v has none, the nearest ancestor holding v in
 * its left subtree), so one walk from the deeper of the two covers both
 * (update_pair()).
 *
 * Costs (n VMAs, tree height h <= 2 log2(n + 1)):
 *   vma_find, vma_lookup, vma_first, vma_last      O(log n)
 *   vma_next, vma_prev                             O(log n), O(1) amortized
 *   vma_tree_insert                                O(log n): one descent,
 *                                                  one path recomputed
 *   vma_tree_erase                                 O(log n): rb_next(), the
 *                                                  erase, one path
 *   vma_tree_adjust                                O(log n): rb_prev(),
 *                                                  rb_next(), one path
 *   vma_gap_topdown, vma_gap_bottomup              O(log n): rb_last() for
 *                                                  the last gap, then a
 *                                                  pruned descent (see
 *                                                  search_topdown())
 *   vma_tree_check                                 O(n)
 * The host test counts the nodes each operation looks at (the
 * VMA_TREE_COUNT_VISITS hook below) and bounds them by 4 log2(n).
 *
 * No locking here: the owner (struct mm) holds its mmap lock for writing
 * around changes and at least for reading around lookups. Pure code: host
 * test tests/host/vma_tree_test.c. Declarations and struct vma: mm/vma.h.
 */
#include "mm/vma.h"
#include "kernel/compiler.h"
#include "kernel/lib/printf.h"
#include <arch/memlayout.h>

#define rb_vma(n)	rb_entry(n, struct vma, rb)

/*
 * Test hook: the host test defines VMA_TREE_COUNT_VISITS to count the nodes
 * this file looks at on its descents and recomputations (rbtree.c's walks
 * it counts itself). Compiled out in the kernel.
 */
#ifdef VMA_TREE_COUNT_VISITS
static unsigned long vma_tree_visits;
#define count_visit()	(vma_tree_visits++)
#else
#define count_visit()	do { } while (0)
#endif

static inline unsigned long subtree_gap_of(const struct rb_node *n)
{
	return n ? rb_vma(n)->subtree_gap : 0;
}

/* Where gap(v) begins: the end of the VMA below @v, or t->low. */
static inline unsigned long gap_start(const struct vma *v)
{
	return v->start - v->gap;
}

/* subtree_gap of @v from its own cached gap and its children's values. */
static unsigned long compute_subtree_gap(struct vma *v)
{
	count_visit();
	return MAX(v->gap, MAX(subtree_gap_of(v->rb.rb_left),
			       subtree_gap_of(v->rb.rb_right)));
}

RB_DECLARE_CALLBACKS(static, vma_gap_callbacks, struct vma, rb, subtree_gap,
		     compute_subtree_gap);

/*
 * Recompute subtree_gap from @n up to the root. No early stop: insert
 * changes two nodes on this path and has not set the new leaf's value yet,
 * so an unchanged value halfway up proves nothing. O(h).
 */
static void update_path(struct rb_node *n)
{
	for (; n; n = rb_parent(n))
		rb_vma(n)->subtree_gap = compute_subtree_gap(rb_vma(n));
}

/*
 * The cached gaps of @v and of @next, its successor (or NULL), changed:
 * recompute from the deeper of the two, which has the other as ancestor.
 */
static void update_pair(struct vma *v, struct vma *next)
{
	if (next && v->rb.rb_right)
		update_path(&next->rb);		/* next: leftmost below v's right */
	else
		update_path(&v->rb);		/* next: an ancestor of v, or none */
}

/*
 * Set up an empty tree whose gaps are measured from @low (the first gap
 * starts there) to @high (the last gap ends there). Both page aligned.
 */
void vma_tree_init(struct vma_tree *t, unsigned long low, unsigned long high)
{
	t->root = RB_ROOT;
	t->low = low;
	t->high = high;
	t->count = 0;
}

/*
 * Insert @v. Its [start, end) must be page aligned, lie within
 * [t->low, t->high) and overlap no VMA in @t (not checked: see
 * vma_tree_check()). Sets v->gap and the successor's gap. The caller
 * holds the mmap lock for writing. Cannot fail, does not allocate.
 * O(log n).
 */
void vma_tree_insert(struct vma_tree *t, struct vma *v)
{
	struct rb_node **link = &t->root.node, *parent = NULL;
	struct vma *prev = NULL, *next = NULL;

	/*
	 * The last node where the descent turns right is v's predecessor,
	 * the last where it turns left its successor.
	 */
	while (*link) {
		parent = *link;
		count_visit();
		if (v->start < rb_vma(parent)->start) {
			next = rb_vma(parent);
			link = &parent->rb_left;
		} else {
			prev = rb_vma(parent);
			link = &parent->rb_right;
		}
	}
	v->gap = v->start - (prev ? prev->end : t->low);
	if (next)
		next->gap = next->start - v->end;
	rb_link_node(&v->rb, parent, link);
	/*
	 * rb_insert_augmented() wants the values on the insertion path right.
	 * next, if any, is an ancestor of the new leaf, so this one path holds
	 * both gaps that changed.
	 */
	update_path(&v->rb);
	rb_insert_augmented(&v->rb, &t->root, &vma_gap_callbacks);
	t->count++;
}

/*
 * Remove @v from @t; the gap in front of the VMA after it grows to cover
 * v's range. @v itself is left unlinked (RB_EMPTY_NODE) and is not freed;
 * its start, end and gap must be as the tree last saw them. The caller
 * holds the mmap lock for writing. O(log n).
 */
void vma_tree_erase(struct vma_tree *t, struct vma *v)
{
	struct vma *next = vma_next(v);

	/*
	 * The erase itself keeps every subtree_gap right (they depend only on
	 * the cached gaps below), and v's own gap leaves with v. Then next's
	 * gap swallows gap(v) and v: it now begins where gap(v) began.
	 */
	rb_erase_augmented(&v->rb, &t->root, &vma_gap_callbacks);
	RB_CLEAR_NODE(&v->rb);
	if (next) {
		next->gap = next->start - gap_start(v);
		update_path(&next->rb);
	}
	t->count--;
}

/*
 * @v->start and/or @v->end changed in place (split, merge, grow, shrink)
 * without passing a neighbour: the order is unchanged, only gap(v) and
 * gap(next) moved. Recompute both from the neighbours, then their path.
 * Mmap lock held for writing. O(log n).
 */
void vma_tree_adjust(struct vma_tree *t, struct vma *v)
{
	struct vma *prev = vma_prev(v), *next = vma_next(v);

	v->gap = v->start - (prev ? prev->end : t->low);
	if (next)
		next->gap = next->start - v->end;
	update_pair(v, next);
}

/*
 * The VMA containing @addr, else the lowest VMA above @addr (the first VMA
 * whose end is above @addr), else NULL. Mmap lock held (read or write).
 */
struct vma *vma_find(struct vma_tree *t, unsigned long addr)
{
	struct rb_node *n = t->root.node;
	struct vma *best = NULL;

	while (n) {
		struct vma *v = rb_vma(n);

		if (addr < v->end) {
			best = v;		/* a candidate; look for a lower one */
			if (addr >= v->start)
				return v;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

/* The VMA containing @addr, or NULL. Mmap lock held (read or write). */
struct vma *vma_lookup(struct vma_tree *t, unsigned long addr)
{
	struct vma *v = vma_find(t, addr);

	return v && v->start <= addr ? v : NULL;
}

/* The lowest VMA, or NULL if there is none. */
struct vma *vma_first(struct vma_tree *t)
{
	return rb_entry_safe(rb_first(&t->root), struct vma, rb);
}

/* The highest VMA, or NULL if there is none. */
struct vma *vma_last(struct vma_tree *t)
{
	return rb_entry_safe(rb_last(&t->root), struct vma, rb);
}

/* The VMA after @v (which is in a tree), or NULL. */
struct vma *vma_next(struct vma *v)
{
	return rb_entry_safe(rb_next(&v->rb), struct vma, rb);
}

/* The VMA before @v (which is in a tree), or NULL. */
struct vma *vma_prev(struct vma *v)
{
	return rb_entry_safe(rb_prev(&v->rb), struct vma, rb);
}

/* ---- gap search --------------------------------------------------------- */

struct gap_query {
	unsigned long size, low, high;	/* want [a, a + size) in [low, high) */
	unsigned long found;		/* the answer, once fit_*() said yes */
};

/*
 * How much of [gs, ge) lies inside [low, high)? A free range [gs, ge) can
 * only hold the request if this is >= size:
 *
 *        gs                              ge
 *        |------------ free --------------|
 *              low                              high
 *               |=========== usable ======|
 *               lo                        hi
 */
static unsigned long gap_window(const struct gap_query *q, unsigned long gs,
				unsigned long ge)
{
	unsigned long lo = MAX(gs, q->low), hi = MIN(ge, q->high);

	return hi > lo ? hi - lo : 0;
}

/* The highest fit in the free range [gs, ge), if there is one. */
static bool fit_top(struct gap_query *q, unsigned long gs, unsigned long ge)
{
	if (gap_window(q, gs, ge) < q->size)
		return false;
	/* lo is page aligned, so rounding down cannot go below it. */
	q->found = ALIGN_DOWN(MIN(ge, q->high) - q->size, PAGE_SIZE);
	return true;
}

/* The lowest fit in the free range [gs, ge), if there is one. */
static bool fit_bottom(struct gap_query *q, unsigned long gs, unsigned long ge)
{
	if (gap_window(q, gs, ge) < q->size)
		return false;
	q->found = MAX(gs, q->low);
	return true;
}

/*
 * Search the gaps of the VMAs in subtree @n, highest first. All of them lie
 * in [lo_fence, hi_fence): lo_fence is the end of the VMA just below the
 * subtree (or t->low), hi_fence the start of the VMA just above it (or
 * t->high). In-order, the candidates come as
 *
 *	[ left subtree's gaps ]    gap(v)    [ v ) [ right subtree's gaps ]
 *	lo_fence         gap_start(v)   v->start   v->end            hi_fence
 *
 * so: right subtree, then gap(v), then the left subtree, whose VMAs all end
 * by gap_start(v). Each node costs O(1): its own gap is cached.
 *
 * Why O(h) nodes: a subtree is entered only if its subtree_gap and its
 * window in [low, high) can both hold size. If its whole fence range lies
 * inside [low, high), its largest gap does too and the search succeeds in
 * it. So a subtree that is entered and fails straddles low or high; at each
 * depth at most one subtree straddles low and one straddles high. Besides
 * those two paths and the final, successful one, only children rejected at
 * once are looked at.
 */
static bool search_topdown(struct gap_query *q, const struct rb_node *n,
			   unsigned long lo_fence, unsigned long hi_fence)
{
	const struct vma *v;

	/* The fences alone can rule the subtree out, without touching it. */
	if (!n || gap_window(q, lo_fence, hi_fence) < q->size)
		return false;
	count_visit();
	v = rb_vma(n);
	if (v->subtree_gap < q->size)
		return false;
	if (search_topdown(q, n->rb_right, v->end, hi_fence))
		return true;
	if (gap_window(q, lo_fence, v->start) < q->size)
		return false;		/* gap(v) and the left subtree lie below */
	if (fit_top(q, gap_start(v), v->start))
		return true;
	return search_topdown(q, n->rb_left, lo_fence, gap_start(v));
}

/* The mirror image: left subtree, gap(v), right subtree. */
static bool search_bottomup(struct gap_query *q, const struct rb_node *n,
			    unsigned long lo_fence, unsigned long hi_fence)
{
	const struct vma *v;

	/* The fences alone can rule the subtree out, without touching it. */
	if (!n || gap_window(q, lo_fence, hi_fence) < q->size)
		return false;
	count_visit();
	v = rb_vma(n);
	if (v->subtree_gap < q->size)
		return false;
	if (search_bottomup(q, n->rb_left, lo_fence, gap_start(v)))
		return true;
	if (fit_bottom(q, gap_start(v), v->start))
		return true;
	return search_bottomup(q, n->rb_right, v->end, hi_fence);
}

/* Set up @q; false if no range can fit, whatever the tree holds. */
static bool gap_query_init(struct gap_query *q, unsigned long size,
			   unsigned long low, unsigned long high)
{
	q->size = size;
	q->low = low;
	q->high = high;
	q->found = 0;
	return size != 0 && high > low && size <= high - low;
}

/*
 * The highest page-aligned a with [a, a + size) free, low <= a and
 * a + size <= high; 0 if there is none, if size is 0, or if size exceeds
 * high - low. @low and @high are page aligned; the result also lies within
 * [t->low, t->high). An answer of address 0 (only possible with t->low 0)
 * is indistinguishable from failure, so such trees should not use it.
 * Mmap lock held (read or write). Cost: see the top of the file.
 */
unsigned long vma_gap_topdown(struct vma_tree *t, unsigned long size,
			      unsigned long low, unsigned long high)
{
	struct gap_query q;
	struct vma *last = vma_last(t);

	if (!gap_query_init(&q, size, low, high))
		return 0;
	/* The last gap is the highest of all and lives in no node. */
	if (fit_top(&q, last ? last->end : t->low, t->high))
		return q.found;
	if (search_topdown(&q, t->root.node, t->low, t->high))
		return q.found;
	return 0;
}

/* Like vma_gap_topdown(), but the lowest such address. */
unsigned long vma_gap_bottomup(struct vma_tree *t, unsigned long size,
			       unsigned long low, unsigned long high)
{
	struct gap_query q;
	struct vma *last = vma_last(t);

	if (!gap_query_init(&q, size, low, high))
		return 0;
	if (search_bottomup(&q, t->root.node, t->low, t->high))
		return q.found;
	/* The last gap is the highest of all: the last resort here. */
	if (fit_bottom(&q, last ? last->end : t->low, t->high))
		return q.found;
	return 0;
}

/* ---- consistency check -------------------------------------------------- */

struct check_state {
	const struct vma_tree *t;
	unsigned long prev_end;		/* end of the VMA visited last (or t->low) */
	unsigned long count;		/* VMAs visited */
	char *why;
	size_t len;
};

#define CHECK_MAX_DEPTH	128		/* 2 log2(n + 1) for any n in memory */

/*
 * The in-order visit of @v, right after the VMA that ended at s->prev_end:
 * non-empty, aligned, ordered, below t->high, its cached gap right.
 * false with s->why filled in.
 */
static bool check_inorder(struct check_state *s, const struct vma *v)
{
	unsigned long own = v->start - s->prev_end;

	if (v->start >= v->end) {
		snprintf(s->why, s->len, "vma [%#lx, %#lx): empty or reversed",
			 v->start, v->end);
		return false;
	}
	if (!IS_ALIGNED(v->start, PAGE_SIZE) || !IS_ALIGNED(v->end, PAGE_SIZE)) {
		snprintf(s->why, s->len, "vma [%#lx, %#lx): not page aligned",
			 v->start, v->end);
		return false;
	}
	if (v->start < s->prev_end) {
		snprintf(s->why, s->len,
			 "vma [%#lx, %#lx): out of order or overlaps the one ending at %#lx%s",
			 v->start, v->end, s->prev_end, s->count ? "" : " (t->low)");
		return false;
	}
	if (v->end > s->t->high) {
		snprintf(s->why, s->len, "vma [%#lx, %#lx): above t->high %#lx",
			 v->start, v->end, s->t->high);
		return false;
	}
	if (v->gap != own) {
		snprintf(s->why, s->len, "vma %#lx: cached gap %#lx, should be %#lx",
			 v->start, v->gap, own);
		return false;
	}
	s->prev_end = v->end;
	s->count++;
	return true;
}

/*
 * Check subtree @n (whose parent must be @parent) in order. Returns its
 * black height (empty links count 1), or -1 with s->why filled in. Sets
 * *gap to the true largest gap(v) in the subtree.
 */
static int check_subtree(struct check_state *s, const struct rb_node *n,
			 const struct rb_node *parent, int depth, unsigned long *gap)
{
	unsigned long lgap, rgap;
	const struct vma *v;
	int lbh, rbh;

	*gap = 0;
	if (!n)
		return 1;
	v = rb_vma(n);
	if (depth > CHECK_MAX_DEPTH) {
		snprintf(s->why, s->len, "deeper than %d: a cycle?", CHECK_MAX_DEPTH);
		return -1;
	}
	if (rb_parent(n) != parent) {
		snprintf(s->why, s->len, "vma %#lx: parent pointer is wrong", v->start);
		return -1;
	}
	if (rb_is_red(n) && rb_is_red(parent)) {
		snprintf(s->why, s->len, "vma %#lx: red child of a red node", v->start);
		return -1;
	}
	lbh = check_subtree(s, n->rb_left, n, depth + 1, &lgap);
	if (lbh < 0)
		return -1;

	if (!check_inorder(s, v))
		return -1;
	rbh = check_subtree(s, n->rb_right, n, depth + 1, &rgap);
	if (rbh < 0)
		return -1;
	if (lbh != rbh) {
		snprintf(s->why, s->len, "vma %#lx: black heights %d left, %d right",
			 v->start, lbh, rbh);
		return -1;
	}
	*gap = MAX(v->gap, MAX(lgap, rgap));
	if (v->subtree_gap != *gap) {
		snprintf(s->why, s->len, "vma %#lx: subtree_gap %#lx, should be %#lx",
			 v->start, v->subtree_gap, *gap);
		return -1;
	}
	return lbh + rb_is_black(n);
}

/*
 * Check every invariant of @t: the bounds are ordered; VMAs are non-empty,
 * page aligned, in address order, non-overlapping and inside [t->low,
 * t->high); parent pointers match; the root is black, no red node has a
 * red child, all paths have the same black height; every cached gap and
 * every subtree_gap is right; count matches. Returns true if all hold,
 * else false with a reason in @why (@len bytes, NUL terminated). O(n);
 * takes the mmap lock's reader side at least. For CONFIG_DEBUG_VM-style
 * assertions and tests.
 */
bool vma_tree_check(struct vma_tree *t, char *why, size_t len)
{
	struct check_state s = {
		.t = t, .prev_end = t->low, .count = 0, .why = why, .len = len,
	};
	unsigned long gap;

	if (len)
		why[0] = 0;
	if (t->low > t->high) {
		snprintf(why, len, "bounds reversed: low %#lx > high %#lx", t->low, t->high);
		return false;
	}
	if (rb_is_red(t->root.node)) {
		snprintf(why, len, "the root is red");
		return false;
	}
	if (check_subtree(&s, t->root.node, NULL, 0, &gap) < 0)
		return false;
	if (s.count != t->count) {
		snprintf(why, len, "count is %lu, the tree holds %lu", t->count, s.count);
		return false;
	}
	return true;
}
