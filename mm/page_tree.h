/*
 * mm/page_tree.h - the sparse index -> entry radix tree behind the page
 * cache of a file (mm/filemap.c, mm/shmem.c) and behind the swap cache
 * (mm/swap_state.c). The tree itself is in mm/page_tree.c, which draws it.
 *
 * 64 slots per node (the xarray's chunk size); height 0 is empty, height h
 * covers indices below 64^h. An entry is a struct page *, or - in a shmem
 * file whose page went to swap - a tagged swap entry (bit 0 set).
 *
 * The tree has no lock of its own: each user serialises its calls (a
 * file's inode->pages_lock, the swap cache's swap_map_lock).
 */
#ifndef MM_PAGE_TREE_H
#define MM_PAGE_TREE_H

#include "kernel/types.h"

struct page;

struct page_tree {
	void *root;			/* ptree_node, or NULL (height 0) */
	unsigned int height;		/* levels of 6 index bits */
};

/* A swapped-out shmem page's entry: its swap slot, tagged with bit 0. */
static inline bool page_tree_is_swap(const void *e)
{
	return (uintptr_t)e & 1;
}

static inline void *page_tree_swap_entry(unsigned long slot)
{
	return (void *)((slot << 1) | 1);
}

static inline unsigned long page_tree_swap_slot(const void *e)
{
	return (uintptr_t)e >> 1;
}

/* The page at @index; NULL for a hole or a swap entry. */
struct page *page_tree_lookup(const struct page_tree *t, unsigned long index);
/* Whatever @index holds: a page, a swap entry or NULL. */
void *page_tree_load(const struct page_tree *t, unsigned long index);
/* The first entry at an index >= *index (set to it), or NULL. */
void *page_tree_next(const struct page_tree *t, unsigned long *index);
/* Store @entry at @index; 0 or -ENOMEM (may allocate nodes). The slot must be empty. */
int page_tree_insert(struct page_tree *t, unsigned long index, void *entry);
/* Swap the entry at @index for @entry (never allocates); the old one, or NULL if none. */
void *page_tree_replace(struct page_tree *t, unsigned long index, void *entry);
/*
 * Drop everything at index >= @first: the tree's reference on each page
 * (freeing those nobody else holds; the page's mapping is cleared) and
 * each swap entry's slot (swap_free), and the nodes left empty. Returns
 * the pages dropped; *swapped (may be NULL) the swap entries. Never sleeps.
 */
unsigned long page_tree_truncate(struct page_tree *t, unsigned long first,
				 unsigned long *swapped);
/* The same for the indices in [@first, @end) only (fallocate's punch hole). */
unsigned long page_tree_punch(struct page_tree *t, unsigned long first, unsigned long end,
			      unsigned long *swapped);
/* Take the page at @index out of the tree (no reference dropped); NULL if none. */
struct page *page_tree_remove(struct page_tree *t, unsigned long index);

#endif
