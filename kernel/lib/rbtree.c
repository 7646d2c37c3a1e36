/*
 * rbtree.c - red-black tree rebalancing, iteration and augmentation.
 *
 * The interface, the node layout and the three colour rules are described
 * in rbtree.h. This file restores the rules after an insertion or an
 * erasure with recolourings and rotations, and calls the augmentation
 * callbacks so per-subtree values follow every change of shape.
 *
 * Design choices (where this differs from Linux's lib/rbtree.c, which fuses
 * rotations with recolourings to save stores): every rotation here is one
 * complete relinking by rotate_left()/rotate_right(), and every callback
 * runs after the tree is consistent again. That costs a few stores but
 * keeps each case readable, and lets callbacks walk the tree freely: the
 * VMA tree's value for a node depends on the node just before it
 * (rb_prev()), which may sit anywhere above.
 *
 * Only two shapes of change exist, both drawn below; everything else is
 * recolouring:
 *
 *	          p                               p
 *	          |                               |
 *	          x        rotate_left(x)         y
 *	         / \      --------------->       / \
 *	        a   y                           x   c
 *	           / \    <---------------     / \
 *	          b   c    rotate_right(y)    a   b
 *
 * In-order sequence a x b y c is the same on both sides; only the subtrees
 * of x and y change, which is why a rotation needs exactly one callback:
 * rotate(old = the node that went down, new = the node that came up).
 *
 * Users: mm/vma_tree.c. Host test: tests/host/rbtree_test.c.
 */
#include "kernel/lib/rbtree.h"

/* ---- node field helpers ------------------------------------------------- */

static inline void set_parent(struct rb_node *n, struct rb_node *p)
{
	n->__rb_parent_color = (unsigned long)p | (unsigned long)rb_color(n);
}

static inline void set_color(struct rb_node *n, int color)
{
	n->__rb_parent_color = (n->__rb_parent_color & ~1ul) | (unsigned long)color;
}

static inline void set_parent_color(struct rb_node *n, struct rb_node *p, int color)
{
	n->__rb_parent_color = (unsigned long)p | (unsigned long)color;
}

/* Make the link that pointed at @old (in @parent, or the root) point at @new. */
static inline void change_child(struct rb_node *old, struct rb_node *new,
				struct rb_node *parent, struct rb_root *root)
{
	if (!parent)
		root->node = new;
	else if (parent->rb_left == old)
		parent->rb_left = new;
	else
		parent->rb_right = new;
}

/* ---- rotations (see the drawing at the top) ----------------------------- */

static void rotate_left(struct rb_node *x, struct rb_root *root,
			const struct rb_augment_callbacks *cb)
{
	struct rb_node *p = rb_parent(x);
	struct rb_node *y = x->rb_right;
	struct rb_node *b = y->rb_left;

	x->rb_right = b;
	if (b)
		set_parent(b, x);
	y->rb_left = x;
	set_parent(x, y);
	set_parent(y, p);
	change_child(x, y, p, root);
	cb->rotate(x, y);
}

static void rotate_right(struct rb_node *y, struct rb_root *root,
			 const struct rb_augment_callbacks *cb)
{
	struct rb_node *p = rb_parent(y);
	struct rb_node *x = y->rb_left;
	struct rb_node *b = x->rb_right;

	y->rb_left = b;
	if (b)
		set_parent(b, y);
	x->rb_right = y;
	set_parent(y, x);
	set_parent(x, p);
	change_child(y, x, p, root);
	cb->rotate(y, x);
}

/* ---- insertion ---------------------------------------------------------- */

/*
 * The new node n is red, so black heights are fine; only rule 2 can break,
 * between n and its parent p. Cases (capitals black, lower case red; the
 * mirror images, with p a right child, are handled the same way):
 *
 * 1. p is black (or n is the root): done (a red root is painted black).
 *
 * 2. p and the uncle u are both red: push the grandparent's blackness down.
 *    g may now be red under a red parent: continue from g.
 *
 *	        G                 g
 *	       / \               / \
 *	      p   u     -->     P   U
 *	     /                 /
 *	    n                 n
 *
 * 3. u is black and n is an inner child ("triangle"): rotate at p, which
 *    makes it case 4 with the roles of n and p exchanged.
 *
 *	        G                 G
 *	       / \               / \
 *	      p   U     -->     n   U
 *	       \               /
 *	        n             p
 *
 * 4. u is black and n is an outer child ("line"): rotate at g and swap
 *    the colours of p and g. Every path keeps its black count and the
 *    subtree's top is black, so the fix is complete.
 *
 *	        G                 P
 *	       / \               / \
 *	      p   U     -->     n   g
 *	     /                       \
 *	    n                         U
 */
static void insert_fixup(struct rb_node *n, struct rb_root *root,
			 const struct rb_augment_callbacks *cb)
{
	for (;;) {
		struct rb_node *p = rb_parent(n), *g, *u;

		if (!p) {				/* n is the root */
			set_color(n, RB_BLACK);
			return;
		}
		if (rb_is_black(p))			/* case 1 */
			return;
		g = rb_parent(p);			/* p is red: not the root */
		u = (p == g->rb_left) ? g->rb_right : g->rb_left;
		if (rb_is_red(u)) {			/* case 2 */
			set_color(p, RB_BLACK);
			set_color(u, RB_BLACK);
			set_color(g, RB_RED);
			n = g;
			continue;
		}
		if (p == g->rb_left) {
			if (n == p->rb_right) {		/* case 3 */
				rotate_left(p, root, cb);
				p = n;
			}
			rotate_right(g, root, cb);	/* case 4 */
		} else {
			if (n == p->rb_left) {
				rotate_right(p, root, cb);
				p = n;
			}
			rotate_left(g, root, cb);
		}
		set_color(p, RB_BLACK);
		set_color(g, RB_RED);
		return;
	}
}

/*
 * Rebalance after rb_link_node(@node). The caller has already set the
 * augmented values of @node and its ancestors (see rbtree.h); rotations
 * keep them right through cb->rotate. No allocation, cannot fail.
 */
void rb_insert_augmented(struct rb_node *node, struct rb_root *root,
			 const struct rb_augment_callbacks *cb)
{
	insert_fixup(node, root, cb);
}

/* ---- erasure ------------------------------------------------------------ */

/*
 * A black node was removed from the path through position n (n may be an
 * empty link; p is its parent), so that path is one black short ("n is
 * doubly black"). Cases, with n a left child (mirror for a right child);
 * capitals black, lower case red, '?' either colour; s is n's sibling,
 * which exists because s's side has black height >= 1:
 *
 * 1. s is red: rotate at p and swap the colours of p and s. n's new
 *    sibling is black: go on with case 2, 3 or 4.
 *
 *	      P                  S
 *	     / \                / \
 *	    N   s      -->     p   Sr
 *	       / \            / \
 *	     Sl   Sr         N   Sl
 *
 * 2. s and both its children are black: paint s red, which takes one black
 *    from s's side too; the shortage moves up to p. If p was red, paint it
 *    black and stop; otherwise continue from p.
 *
 *	      ?p                 ?p   <- now doubly black if it was black
 *	     / \                / \
 *	    N   S      -->     N   s
 *	       / \                / \
 *	     Sl   Sr            Sl   Sr
 *
 * 3. s is black, its outer child black, its inner child red: rotate at s
 *    and swap colours: now the outer child of n's sibling is red (case 4).
 *
 *	      ?p                 ?p
 *	     / \                / \
 *	    N   S      -->     N   Sl
 *	       / \                  \
 *	     sl   Sr                 s
 *	                              \
 *	                               Sr
 *
 * 4. s is black and its outer child red: rotate at p; s takes p's colour,
 *    p and the outer child become black. n's path gained a black (p), the
 *    others kept theirs: done.
 *
 *	      ?p                 ?s
 *	     / \                / \
 *	    N   S      -->     P   Sr
 *	       / \            / \
 *	     ?sl  sr         N  ?sl
 */
static void erase_fixup(struct rb_node *n, struct rb_node *p, struct rb_root *root,
			const struct rb_augment_callbacks *cb)
{
	while (n != root->node && rb_is_black(n)) {
		struct rb_node *s;

		if (n == p->rb_left) {
			s = p->rb_right;
			if (rb_is_red(s)) {			/* case 1 */
				set_color(s, RB_BLACK);
				set_color(p, RB_RED);
				rotate_left(p, root, cb);
				s = p->rb_right;
			}
			if (rb_is_black(s->rb_left) && rb_is_black(s->rb_right)) {
				set_color(s, RB_RED);		/* case 2 */
				n = p;
				p = rb_parent(n);
				continue;
			}
			if (rb_is_black(s->rb_right)) {		/* case 3 */
				set_color(s->rb_left, RB_BLACK);
				set_color(s, RB_RED);
				rotate_right(s, root, cb);
				s = p->rb_right;
			}
			set_color(s, rb_color(p));		/* case 4 */
			set_color(p, RB_BLACK);
			set_color(s->rb_right, RB_BLACK);
			rotate_left(p, root, cb);
		} else {
			s = p->rb_left;
			if (rb_is_red(s)) {
				set_color(s, RB_BLACK);
				set_color(p, RB_RED);
				rotate_right(p, root, cb);
				s = p->rb_left;
			}
			if (rb_is_black(s->rb_left) && rb_is_black(s->rb_right)) {
				set_color(s, RB_RED);
				n = p;
				p = rb_parent(n);
				continue;
			}
			if (rb_is_black(s->rb_left)) {
				set_color(s->rb_right, RB_BLACK);
				set_color(s, RB_RED);
				rotate_left(s, root, cb);
				s = p->rb_left;
			}
			set_color(s, rb_color(p));
			set_color(p, RB_BLACK);
			set_color(s->rb_left, RB_BLACK);
			rotate_right(p, root, cb);
		}
		n = root->node;
		break;
	}
	if (n)
		set_color(n, RB_BLACK);
}

/*
 * Unlinking. A node with at most one child is replaced by that child. A
 * node with two children is replaced by its successor s (the leftmost node
 * of its right subtree, which has no left child); s's old spot is what
 * really leaves the tree, so s's colour decides whether a path lost a black:
 *
 *	      node                  s            s was node's right child:
 *	      /  \                 / \           the fix starts at s
 *	     a    s        -->    a   x
 *	           \
 *	            x
 *
 *	      node                  s            s deeper down: s's right
 *	      /  \                 / \           child x takes s's spot
 *	     a    r        -->    a   r          under sp, and the fix
 *	         /                   /           starts at sp
 *	       sp                  sp
 *	       /                   /
 *	      s                   x
 *	       \
 *	        x
 *
 * s takes node's colour, so only s's old spot can be short of a black.
 * Values: s takes node's value (copy), then the values from the spot that
 * changed up to the root are recomputed (propagate).
 */
void rb_erase_augmented(struct rb_node *node, struct rb_root *root,
			const struct rb_augment_callbacks *cb)
{
	struct rb_node *parent = rb_parent(node);
	struct rb_node *child, *fix_parent;
	int removed_color;

	if (!node->rb_left || !node->rb_right) {
		child = node->rb_left ? node->rb_left : node->rb_right;
		removed_color = rb_color(node);
		change_child(node, child, parent, root);
		if (child)
			set_parent(child, parent);
		fix_parent = parent;
		if (parent)
			cb->propagate(parent, NULL);
	} else {
		struct rb_node *s = node->rb_right;

		while (s->rb_left)
			s = s->rb_left;
		child = s->rb_right;
		removed_color = rb_color(s);
		if (s == node->rb_right) {
			fix_parent = s;
		} else {
			fix_parent = rb_parent(s);
			fix_parent->rb_left = child;
			if (child)
				set_parent(child, fix_parent);
			s->rb_right = node->rb_right;
			set_parent(s->rb_right, s);
		}
		s->rb_left = node->rb_left;
		set_parent(s->rb_left, s);
		set_parent_color(s, parent, rb_color(node));
		change_child(node, s, parent, root);
		/* Consistent again: fix the values, from s's old spot upwards. */
		cb->copy(node, s);
		if (fix_parent != s)
			cb->propagate(fix_parent, s);
		cb->propagate(s, NULL);
	}
	if (removed_color == RB_BLACK)
		erase_fixup(child, fix_parent, root, cb);
}

/* ---- the plain tree: augmentation with callbacks that do nothing -------- */

static void dummy_propagate(struct rb_node *node, struct rb_node *stop)
{
	(void)node;
	(void)stop;
}

static void dummy_copy(struct rb_node *old, struct rb_node *new)
{
	(void)old;
	(void)new;
}

static void dummy_rotate(struct rb_node *old, struct rb_node *new)
{
	(void)old;
	(void)new;
}

static const struct rb_augment_callbacks dummy_callbacks = {
	.propagate = dummy_propagate,
	.copy = dummy_copy,
	.rotate = dummy_rotate,
};

/* rb_insert_augmented() and rb_erase_augmented() without values to keep. */
void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	rb_insert_augmented(node, root, &dummy_callbacks);
}

void rb_erase(struct rb_node *node, struct rb_root *root)
{
	rb_erase_augmented(node, root, &dummy_callbacks);
}

/* ---- in-order iteration ------------------------------------------------- */

/* The leftmost (smallest) node, or NULL for an empty tree. */
struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->node;

	if (!n)
		return NULL;
	while (n->rb_left)
		n = n->rb_left;
	return n;
}

/* The rightmost (largest) node, or NULL for an empty tree. */
struct rb_node *rb_last(const struct rb_root *root)
{
	struct rb_node *n = root->node;

	if (!n)
		return NULL;
	while (n->rb_right)
		n = n->rb_right;
	return n;
}

/*
 * The successor is the leftmost node of the right subtree if there is one;
 * otherwise the first ancestor that we reach from its left side.
 */
struct rb_node *rb_next(const struct rb_node *node)
{
	struct rb_node *p;

	if (RB_EMPTY_NODE(node))
		return NULL;
	if (node->rb_right) {
		node = node->rb_right;
		while (node->rb_left)
			node = node->rb_left;
		return (struct rb_node *)node;
	}
	while ((p = rb_parent(node)) && node == p->rb_right)
		node = p;
	return p;
}

/* The mirror image of rb_next(). */
struct rb_node *rb_prev(const struct rb_node *node)
{
	struct rb_node *p;

	if (RB_EMPTY_NODE(node))
		return NULL;
	if (node->rb_left) {
		node = node->rb_left;
		while (node->rb_right)
			node = node->rb_right;
		return (struct rb_node *)node;
	}
	while ((p = rb_parent(node)) && node == p->rb_left)
		node = p;
	return p;
}
