/*
 * buddy.h - the binary buddy allocator's bookkeeping, without locking.
 *
 * A zone covers frames [start_pfn, end_pfn) and owns their struct pages.
 * Free memory is kept as blocks of 2^order frames (order 0..MAX_ORDER),
 * each block aligned to its own size, on one list per order. Allocation
 * splits a larger block in halves; freeing merges a block with its "buddy"
 * (the other half of the next-larger aligned block: pfn ^ (1 << order))
 * while that buddy is free and of the same order.
 *
 * The caller (page_alloc.c) provides locking. Pure C over struct page:
 * tests/host/buddy_test.c drives it against a bitmap model.
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include "mm/page.h"
#include <stddef.h>

#define MAX_ORDER	10		/* largest block: 2^10 frames = 4 MiB */

struct free_area {
	struct list_head free_list;
	unsigned long nr_free;		/* blocks on the list */
};

struct buddy_zone {
	struct page *memmap;		/* memmap[i] describes start_pfn + i */
	pfn_t start_pfn, end_pfn;
	struct free_area area[MAX_ORDER + 1];
	unsigned long free_pages;	/* frames on the free lists */
	unsigned long managed_pages;	/* frames ever released to the zone */
};

/* Take over @memmap for [start, end); every frame starts PG_reserved. */
void buddy_init(struct buddy_zone *z, struct page *memmap, pfn_t start, pfn_t end);
/* Release usable frames [start, end) (boot), in the largest aligned blocks. */
void buddy_release_range(struct buddy_zone *z, pfn_t start, pfn_t end);
/* Take a 2^order block; NULL when none is free. refcount is set to 1. */
struct page *buddy_alloc(struct buddy_zone *z, unsigned int order);
/* Return a block taken with buddy_alloc() of the same order. */
void buddy_free(struct buddy_zone *z, struct page *page, unsigned int order);
/*
 * Is [pfn, pfn + 2^order) one whole free block of @z (listed, of exactly
 * that order)? False for a range not wholly inside the zone.
 */
bool buddy_is_free_block(const struct buddy_zone *z, pfn_t pfn, unsigned int order);
/*
 * Check every invariant (list counts, alignment, flags, no two free buddies
 * of the same order left unmerged, free_pages). Returns true when consistent;
 * otherwise writes the first problem into @why.
 */
bool buddy_check(const struct buddy_zone *z, char *why, size_t len);

static inline struct page *buddy_pfn_to_page(const struct buddy_zone *z, pfn_t pfn)
{
	return &z->memmap[pfn - z->start_pfn];
}

static inline pfn_t buddy_page_to_pfn(const struct buddy_zone *z, const struct page *p)
{
	return z->start_pfn + (pfn_t)(p - z->memmap);
}

#endif
