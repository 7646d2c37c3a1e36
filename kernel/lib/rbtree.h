/*
 * rbtree.h - intrusive red-black trees, with optional augmentation
 * (the Linux <linux/rbtree.h> / <linux/rbtree_augmented.h> interface).
 *
 * A user embeds a struct rb_node in its own struct and recovers the struct
 * with rb_entry(). The tree never compares keys: the caller walks down from
 * root->node to the empty link where the new node belongs, links it there
 * with rb_link_node(), then calls rb_insert_color() to restore the colour
 * rules. That keeps this file free of callbacks for ordering, and lets the
 * caller keep whatever it learned on the way down (mm/vma_tree.c remembers
 * the neighbours).
 *
 *	struct thing { long key; struct rb_node rb; };
 *
 *	struct rb_node **link = &root->node, *parent = NULL;
 *	while (*link) {
 *		parent = *link;
 *		if (new->key < rb_entry(parent, struct thing, rb)->key)
 *			link = &parent->rb_left;
 *		else
 *			link = &parent->rb_right;
 *	}
 *	rb_link_node(&new->rb, parent, link);
 *	rb_insert_color(&new->rb, root);
 *
 * Node layout. Nodes are at least 4-byte aligned, so bit 0 of the parent
 * pointer is free and holds the colour:
 *
 *	__rb_parent_color:  [ parent pointer ............ | c ]   c: 0 red, 1 black
 *	rb_right, rb_left:  children, NULL at the leaves
 *
 * The rules (an empty link counts as black):
 *   1. the root is black;
 *   2. a red node has no red child;
 *   3. every path from a node down to an empty link passes the same number
 *      of black nodes (the node's black height).
 * So the longest root-to-leaf path is at most twice the shortest and the
 * height is at most 2 log2(n + 1).
 *
 * Augmentation. Each node may carry a value computed from its subtree (the
 * largest gap below it in mm/vma_tree.c, the largest interval end in an
 * interval tree). The tree calls three callbacks so the values stay right
 * while it rotates and erases:
 *
 *   propagate(n, stop)  recompute the values of n, parent(n), ... up to but
 *                       not including stop (stop == NULL: up to the root);
 *                       it may stop early once a value comes out unchanged
 *   copy(old, new)      new takes old's place: new's value = old's value
 *   rotate(old, new)    old moved down under new: new's value = old's value
 *                       (same subtree), and old's value is recomputed
 *
 * The callbacks only run while the tree is fully linked and consistent, so
 * they may look at any node (rb_prev(), rb_next(), parents, children).
 * RB_DECLARE_CALLBACKS() below writes all three from one compute function.
 *
 * Contract for rb_insert_augmented(): before calling it, the caller has
 * linked the node and set the value of the new node and of every ancestor
 * on its insertion path (usually by updating them on the way down, or by
 * calling propagate(parent, NULL)). rb_erase_augmented() needs nothing
 * extra: values are right when it returns, for values that depend only on
 * the node and its subtree.
 *
 * No locking: the owner of the tree serialises. Pure code, host-tested
 * (tests/host/rbtree_test.c). Users: mm/vma_tree.c.
 */
#ifndef KERNEL_LIB_RBTREE_H
#define KERNEL_LIB_RBTREE_H

#include <stdbool.h>
#include <stddef.h>

#define RB_RED		0
#define RB_BLACK	1

struct rb_node {
	unsigned long __rb_parent_color;	/* parent | colour (bit 0) */
	struct rb_node *rb_right;
	struct rb_node *rb_left;
} __attribute__((aligned(sizeof(long))));

struct rb_root {
	struct rb_node *node;			/* NULL: the tree is empty */
};

#define RB_ROOT		((struct rb_root){ NULL })

/* The struct of type @type whose member @member is the rb_node @ptr. */
#define rb_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
/* Same, but NULL stays NULL. */
#define rb_entry_safe(ptr, type, member) ({				\
	__typeof__(ptr) ____ptr = (ptr);				\
	____ptr ? rb_entry(____ptr, type, member) : NULL;		\
})

static inline struct rb_node *rb_parent(const struct rb_node *n)
{
	return (struct rb_node *)(n->__rb_parent_color & ~3ul);
}

static inline int rb_color(const struct rb_node *n)
{
	return n->__rb_parent_color & 1;
}

/* An empty link (NULL) is black. */
static inline bool rb_is_red(const struct rb_node *n)
{
	return n && rb_color(n) == RB_RED;
}

static inline bool rb_is_black(const struct rb_node *n)
{
	return !rb_is_red(n);
}

static inline bool RB_EMPTY_ROOT(const struct rb_root *root)
{
	return root->node == NULL;
}

/*
 * A node that is in no tree points at itself as parent; RB_CLEAR_NODE()
 * marks it so and RB_EMPTY_NODE() tests it (rb_next() of such a node is
 * NULL).
 */
static inline void RB_CLEAR_NODE(struct rb_node *n)
{
	n->__rb_parent_color = (unsigned long)n;
}

static inline bool RB_EMPTY_NODE(const struct rb_node *n)
{
	return n->__rb_parent_color == (unsigned long)n;
}

/*
 * Put @node, a new red leaf, into the empty link @link under @parent
 * (@link is &parent->rb_left, &parent->rb_right, or &root->node with
 * parent NULL). The tree may break the colour rules until rb_insert_color().
 */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->__rb_parent_color = (unsigned long)parent;	/* red */
	node->rb_left = node->rb_right = NULL;
	*link = node;
}

struct rb_augment_callbacks {
	void (*propagate)(struct rb_node *node, struct rb_node *stop);
	void (*copy)(struct rb_node *old, struct rb_node *new);
	void (*rotate)(struct rb_node *old, struct rb_node *new);
};

/* Rebalance after rb_link_node(). O(log n), at most two rotations. */
void rb_insert_color(struct rb_node *node, struct rb_root *root);
/* Unlink @node (which must be in @root). O(log n), at most three rotations. */
void rb_erase(struct rb_node *node, struct rb_root *root);
void rb_insert_augmented(struct rb_node *node, struct rb_root *root,
			 const struct rb_augment_callbacks *cb);
void rb_erase_augmented(struct rb_node *node, struct rb_root *root,
			const struct rb_augment_callbacks *cb);

/* In-order walks; NULL at the ends. O(log n) each, O(1) amortized. */
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *node);
struct rb_node *rb_prev(const struct rb_node *node);

/*
 * RB_DECLARE_CALLBACKS(static, name, struct thing, rb, aug, compute)
 * defines `name', a struct rb_augment_callbacks for nodes embedded as
 * member @rbfield of @rbstruct, whose augmented value is member @rbaugmented
 * and is recomputed by `compute(rbstruct *)' from the node and the values of
 * its children. The propagate callback stops at the first node whose value
 * does not change: its ancestors were computed from that same value.
 */
#define RB_DECLARE_CALLBACKS(rbstatic, rbname, rbstruct, rbfield,	\
			     rbaugmented, rbcompute)			\
static void rbname ## _propagate(struct rb_node *rb, struct rb_node *stop) \
{									\
	while (rb != stop) {						\
		rbstruct *node = rb_entry(rb, rbstruct, rbfield);	\
		__typeof__(node->rbaugmented) val = rbcompute(node);	\
									\
		if (node->rbaugmented == val)				\
			break;						\
		node->rbaugmented = val;				\
		rb = rb_parent(&node->rbfield);				\
	}								\
}									\
static void rbname ## _copy(struct rb_node *rb_old, struct rb_node *rb_new) \
{									\
	rb_entry(rb_new, rbstruct, rbfield)->rbaugmented =		\
		rb_entry(rb_old, rbstruct, rbfield)->rbaugmented;	\
}									\
static void rbname ## _rotate(struct rb_node *rb_old, struct rb_node *rb_new) \
{									\
	rbstruct *old = rb_entry(rb_old, rbstruct, rbfield);		\
	rbstruct *new = rb_entry(rb_new, rbstruct, rbfield);		\
									\
	new->rbaugmented = old->rbaugmented;				\
	old->rbaugmented = rbcompute(old);				\
}									\
rbstatic const struct rb_augment_callbacks rbname = {			\
	.propagate = rbname ## _propagate,				\
	.copy = rbname ## _copy,					\
	.rotate = rbname ## _rotate,					\
}

#endif /* KERNEL_LIB_RBTREE_H */
