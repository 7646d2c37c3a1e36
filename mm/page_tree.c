/*
 * mm/page_tree.c - the sparse page index: a small radix tree mapping a page
 * index to an entry. Two users: the page cache of each shmem/tmpfs file
 * (inode->pages, mm/filemap.c and mm/shmem.c) and the swap cache, indexed
 * by swap slot (mm/swap_state.c).
 *
 * A file's data lives in whole 4 KiB pages found by page index
 * (offset >> PAGE_SHIFT). Files are mostly small and sometimes sparse, so
 * the tree grows in height only as far as the largest index needs:
 *
 *   height 1: root = node[64] of struct page *        indices 0..63
 *   height 2: root = node[64] of node[64] of pages    indices 0..4095
 *   height h: 6 bits of the index per level, top level first
 *
 *       index = | 6 bits (level h) | ... | 6 bits (level 1) |
 *
 *   root (height 2)
 *   +----+----+-----+----+
 *   | s0 | s1 | ... | s63|        slot = index bits 11..6
 *   +----+----+-----+----+
 *     |    `-> NULL: indices 64..127 are all holes
 *     v
 *   +----+----+-----+----+
 *   | p0 |NULL| ... | e63|        slot = index bits 5..0
 *   +----+----+-----+----+
 *    page hole       swap entry
 *
 * Growing puts the old root into slot 0 of a new root. Slots that were
 * never written are NULL: a hole, which reads as zeros. Nodes are 512-byte
 * kmalloc objects; the pages come from the buddy allocator.
 *
 * A slot holds a struct page *, or - for a shmem page that reclaim wrote
 * to swap - a swap entry: the slot number shifted left by one with bit 0
 * set (struct pages are aligned, so a page pointer never has it), as
 * Linux's xarray keeps "value entries":
 *
 *   | swap slot number ........................................ | 1 |
 *
 * page_tree_lookup() sees pages only; page_tree_load() sees both.
 *
 * No lock here: the caller serialises all calls on one tree (a file's
 * inode->pages_lock, the swap cache's swap_map_lock). Static helpers carry
 * the ptree_ prefix (arch/x86_64/paging.c owns pt_).
 */
#include "kernel/errno.h"
#include "mm/page_alloc.h"
#include "mm/page_tree.h"
#include "mm/slab.h"
#include "mm/swap.h"
#include <limits.h>

#define PTREE_SHIFT	6
#define PTREE_SLOTS	(1u << PTREE_SHIFT)

struct ptree_node {
	void *slot[PTREE_SLOTS];
};

/* Number of indices a tree of @height can hold (0 = "all of them"). */
static unsigned long ptree_span(unsigned int height)
{
	if (height * PTREE_SHIFT >= 64)
		return 0;
	return 1ul << (height * PTREE_SHIFT);
}

static bool ptree_fits(unsigned int height, unsigned long index)
{
	unsigned long span = ptree_span(height);

	return height && (span == 0 || index < span);
}

static unsigned int ptree_slot(unsigned long index, unsigned int level)
{
	return (index >> ((level - 1) * PTREE_SHIFT)) & (PTREE_SLOTS - 1);
}

/* Whatever @index holds (page, swap entry or NULL). Never sleeps. */
void *page_tree_load(const struct page_tree *t, unsigned long index)
{
	void *n = t->root;

	if (!ptree_fits(t->height, index))
		return NULL;
	for (unsigned int level = t->height; level > 0 && n; level--)
		n = ((struct ptree_node *)n)->slot[ptree_slot(index, level)];
	return n;
}

/* The page at @index; NULL for a hole or a swap entry. Never sleeps. */
struct page *page_tree_lookup(const struct page_tree *t, unsigned long index)
{
	void *e = page_tree_load(t, index);

	return page_tree_is_swap(e) ? NULL : e;
}

/* The next entry at index >= *index in subtree @n (from @base at @level). */
static void *ptree_next(struct ptree_node *n, unsigned int level, unsigned long base,
		     unsigned long *index)
{
	unsigned long step = 1ul << ((level - 1) * PTREE_SHIFT);

	for (unsigned int i = ptree_slot(*index > base ? *index : base, level); i < PTREE_SLOTS; i++) {
		unsigned long lo = base + i * step;
		void *e = n->slot[i];

		if (!e)
			continue;
		if (level == 1) {
			*index = lo;
			return e;
		}
		if (*index < lo)
			*index = lo;
		e = ptree_next(e, level - 1, lo, index);
		if (e)
			return e;
	}
	return NULL;
}

/* The first entry at an index >= *index, which it sets; NULL if none. Never sleeps. */
void *page_tree_next(const struct page_tree *t, unsigned long *index)
{
	if (!t->root || !ptree_fits(t->height, *index))
		return NULL;
	return ptree_next(t->root, t->height, 0, index);
}

/* Add levels on top until @index fits. */
static int ptree_grow(struct page_tree *t, unsigned long index)
{
	while (!ptree_fits(t->height, index)) {
		struct ptree_node *n;

		if (!t->root) {		/* empty: just claim more height */
			t->height++;
			continue;
		}
		n = kzalloc(sizeof(*n));
		if (!n)
			return -ENOMEM;
		n->slot[0] = t->root;
		t->root = n;
		t->height++;
	}
	return 0;
}

/*
 * Store @entry at @index, growing the tree and allocating nodes on the
 * way (kzalloc, which does not sleep): 0 or -ENOMEM. The slot must be empty.
 */
int page_tree_insert(struct page_tree *t, unsigned long index, void *entry)
{
	void **slot = &t->root;
	int err = ptree_grow(t, index);

	if (err)
		return err;
	for (unsigned int level = t->height; level > 0; level--) {
		if (!*slot) {
			*slot = kzalloc(sizeof(struct ptree_node));
			if (!*slot)
				return -ENOMEM;
		}
		slot = &((struct ptree_node *)*slot)->slot[ptree_slot(index, level)];
	}
	*slot = entry;
	return 0;
}

/*
 * Free the pages of subtree @n (covering indices from @base at @level)
 * whose index is in [@first, @end). Returns true if the whole subtree is
 * now empty and @n has been freed.
 */
static bool ptree_free_range(struct ptree_node *n, unsigned int level, unsigned long base,
			  unsigned long first, unsigned long end, unsigned long *freed,
			  unsigned long *swapped)
{
	unsigned long step = 1ul << ((level - 1) * PTREE_SHIFT);
	bool empty = true;

	for (unsigned int i = 0; i < PTREE_SLOTS; i++) {
		unsigned long lo = base + i * step;

		if (!n->slot[i])
			continue;
		/* Slots (leaf entries or subtrees) that meet the range. */
		if (lo >= end || first > lo + (step - 1)) {
			empty = false;
		} else if (level > 1) {
			if (ptree_free_range(n->slot[i], level - 1, lo, first, end, freed, swapped))
				n->slot[i] = NULL;
			else
				empty = false;	/* partly kept */
		} else if (page_tree_is_swap(n->slot[i])) {
			swap_free(page_tree_swap_slot(n->slot[i]));
			n->slot[i] = NULL;
			(*swapped)++;
		} else {
			struct page *p = n->slot[i];

			p->mapping = NULL;	/* out of the file: rmap and reclaim let go */
			put_page(p);		/* mappers may still hold it */
			n->slot[i] = NULL;
			(*freed)++;
		}
	}
	if (empty)
		kfree(n);
	return empty;
}

/* page_tree_punch() from @first to the end: returns the pages dropped. */
unsigned long page_tree_truncate(struct page_tree *t, unsigned long first,
				 unsigned long *swapped)
{
	return page_tree_punch(t, first, ULONG_MAX, swapped);
}

/*
 * Drop every entry in [@first, @end): pages lose their mapping and the
 * tree's reference, swap entries their slot; emptied nodes are freed.
 * Returns the pages dropped, *swapped (may be NULL) the swap entries.
 */
unsigned long page_tree_punch(struct page_tree *t, unsigned long first, unsigned long end,
			      unsigned long *swapped)
{
	unsigned long freed = 0, dummy;

	if (!swapped)
		swapped = &dummy;
	*swapped = 0;
	if (!t->root) {
		t->height = 0;
		return 0;
	}
	if (first >= end || !ptree_fits(t->height, first))
		return 0;	/* nothing stored at or beyond @first */
	if (ptree_free_range(t->root, t->height, 0, first, end, &freed, swapped)) {
		t->root = NULL;
		t->height = 0;
	}
	return freed;
}

/* The leaf slot for @index, or NULL when no node holds it. */
static void **ptree_leaf_slot(struct page_tree *t, unsigned long index)
{
	struct ptree_node *n = t->root;

	if (!n || !ptree_fits(t->height, index))
		return NULL;
	for (unsigned int level = t->height; level > 1; level--) {
		n = n->slot[ptree_slot(index, level)];
		if (!n)
			return NULL;
	}
	return &n->slot[ptree_slot(index, 1)];
}

/* Put @entry in the place of the entry at @index; the old one, or NULL (a hole stays one). */
void *page_tree_replace(struct page_tree *t, unsigned long index, void *entry)
{
	void **slot = ptree_leaf_slot(t, index);
	void *old;

	if (!slot || !*slot)
		return NULL;
	old = *slot;
	*slot = entry;
	return old;
}

/* Take the entry at @index out; NULL if none. Emptied nodes stay until truncate. */
struct page *page_tree_remove(struct page_tree *t, unsigned long index)
{
	void **slot = ptree_leaf_slot(t, index);
	struct page *p;

	if (!slot)
		return NULL;
	p = *slot;
	*slot = NULL;			/* emptied nodes stay until truncate */
	return p;
}
