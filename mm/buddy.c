/*
 * buddy.c - binary buddy allocator (see buddy.h for the model).
 *
 * Block of order o starting at pfn p (p is a multiple of 2^o):
 *
 *   order 2:  [ p p+1 p+2 p+3 ][ q ... ]      q = p ^ (1 << 2) is its buddy
 *              \_____ 4 ______/
 *   split:    [ p p+1 ][ p+2 p+3 ]            two order-1 blocks
 *
 * Only the first frame of a free block carries PG_buddy and the order;
 * that is enough to test "is my buddy free and whole?" in O(1).
 *
 * Invariants (buddy_check() verifies every one of them):
 *   - a free block of order o starts at a pfn that is a multiple of 2^o;
 *   - it is on free_area[o].free_list, and nr_free counts that list;
 *   - no two buddies are both free at the same order (they would have
 *     been merged into one block of order o + 1);
 *   - free_pages is the sum of 2^o over every listed block.
 *
 * Freeing merges upwards, allocation splits downwards:
 *
 *   free pfn 4, order 0, while 5 and [6,7] are free:
 *     [4][5] -> [4 5] (order 1) ; [4 5][6 7] -> [4 5 6 7] (order 2)
 *   allocate order 0 from a free order-2 block at p:
 *     keep [p], give back [p+1] (order 0) and [p+2 p+3] (order 1)
 *
 * Locking: none here; page_alloc.c holds zone_lock around every call, so
 * the PG_buddy bit and the order of a free frame belong to whoever holds
 * that lock. Nobody else references a free frame (refcount 0), which is
 * why the plain __page_set_flag() is enough here.
 */
#include "mm/buddy.h"
#include "kernel/lib/printf.h"

void buddy_init(struct buddy_zone *z, struct page *memmap, pfn_t start, pfn_t end)
{
	z->memmap = memmap;
	z->start_pfn = start;
	z->end_pfn = end;
	z->free_pages = 0;
	z->managed_pages = 0;
	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		INIT_LIST_HEAD(&z->area[o].free_list);
		z->area[o].nr_free = 0;
	}
	/* Everything starts reserved: only buddy_release_range() frees. */
	for (pfn_t pfn = start; pfn < end; pfn++) {
		struct page *p = buddy_pfn_to_page(z, pfn);

		*p = (struct page){ .flags = 1ul << PG_reserved };
		INIT_LIST_HEAD(&p->lru);
	}
}

/* Put the block headed by @p on its order's list and mark its first frame. */
static void add_free_block(struct buddy_zone *z, struct page *p, unsigned int order)
{
	__page_set_flag(p, PG_buddy);
	p->order = order;
	list_add(&p->lru, &z->area[order].free_list);
	z->area[order].nr_free++;
}

/* Take the block headed by @p off its list: it is being split, merged or handed out. */
static void del_free_block(struct buddy_zone *z, struct page *p, unsigned int order)
{
	list_del_init(&p->lru);
	__page_clear_flag(p, PG_buddy);
	z->area[order].nr_free--;
}

/*
 * O(1): only a free block's first frame has PG_buddy, with the block's
 * order; a frame inside a free block, or a free block of another order
 * starting here, does not make [pfn, pfn + 2^order) one free block.
 */
bool buddy_is_free_block(const struct buddy_zone *z, pfn_t pfn, unsigned int order)
{
	/* LAB buddy BEGIN */
	/* LAB buddy STUB: return false; */
	/* A buddy outside the zone (its edges are not 2^MAX_ORDER aligned) never merges. */
	if (pfn < z->start_pfn || pfn + (1ul << order) > z->end_pfn)
		return false;
	const struct page *p = buddy_pfn_to_page(z, pfn);

	return page_test_flag(p, PG_buddy) && p->order == order;
	/* LAB buddy END */
}

/*
 * Give the block [pfn, pfn + 2^order) back, merging it with its buddy
 * while that buddy is free and whole. The buddy of the block at pfn is at
 * pfn ^ 2^order: flipping that one bit finds the other half of the
 * enclosing block of order + 1, whichever half we are.
 */
static void free_block(struct buddy_zone *z, pfn_t pfn, unsigned int order)
{
	z->free_pages += 1ul << order;
	/* LAB buddy BEGIN */
	/* Merge upwards while the buddy is a free block of the same order. */
	while (order < MAX_ORDER) {
		pfn_t buddy = pfn ^ (1ul << order);

		if (!buddy_is_free_block(z, buddy, order))
			break;
		del_free_block(z, buddy_pfn_to_page(z, buddy), order);
		pfn &= ~(1ul << order);		/* merged block starts at the lower half */
		order++;
	}
	/* LAB buddy END */
	add_free_block(z, buddy_pfn_to_page(z, pfn), order);
}

/*
 * Boot-time release of usable RAM. The range need not be aligned: it is
 * cut into the largest blocks that are aligned at their start, e.g.
 * [3, 12) -> [3] (order 0), [4 .. 7] (order 2), [8 .. 11] (order 2).
 * Each block then goes through the normal free path, so neighbouring
 * ranges merge with each other as if they had been freed one by one.
 */
void buddy_release_range(struct buddy_zone *z, pfn_t start, pfn_t end)
{
	/* Clip to the zone: memblock may describe RAM the memmap does not cover. */
	if (start < z->start_pfn)
		start = z->start_pfn;
	if (end > z->end_pfn)
		end = z->end_pfn;
	while (start < end) {
		unsigned int order = MAX_ORDER;

		/* Largest block that is aligned at start and fits before end. */
		while (order > 0 && ((start & ((1ul << order) - 1)) ||
				     start + (1ul << order) > end))
			order--;
		for (pfn_t i = 0; i < (1ul << order); i++) {
			struct page *p = buddy_pfn_to_page(z, start + i);

			__page_clear_flag(p, PG_reserved);	/* not shared yet: boot */
			p->refcount = 0;
		}
		z->managed_pages += 1ul << order;
		free_block(z, start, order);
		start += 1ul << order;
	}
}

/*
 * Take from the smallest order >= @order that has a free block. The
 * head of that list is taken (LIFO: the most recently freed, cache-warm
 * block), then split in halves until it has the size asked for.
 */
struct page *buddy_alloc(struct buddy_zone *z, unsigned int order)
{
	unsigned int o;
	struct page *p;

	if (order > MAX_ORDER)
		return NULL;
	for (o = order; o <= MAX_ORDER; o++)
		if (!list_empty(&z->area[o].free_list))
			break;
	if (o > MAX_ORDER)
		return NULL;
	p = list_first_entry(&z->area[o].free_list, struct page, lru);
	del_free_block(z, p, o);
	/* LAB buddy BEGIN */
	/* LAB buddy STUB: for (unsigned long i = 1ul << order; i < 1ul << o; i += 1ul << order) add_free_block(z, p + i, order); */
	/* Split: give back the upper half at each level down to @order. */
	while (o > order) {
		o--;
		add_free_block(z, p + (1ul << o), o);
	}
	/* LAB buddy END */
	z->free_pages -= 1ul << order;
	p->refcount = 1;		/* the caller's reference */
	p->order = 0;			/* order only means something while free or PG_head */
	return p;
}

void buddy_free(struct buddy_zone *z, struct page *page, unsigned int order)
{
	page->refcount = 0;
	/* Drop slab/head/... state. Plain store: the last reference is gone,
	 * so no other CPU may be changing a bit of this frame. */
	page->flags &= 1ul << PG_reserved;
	free_block(z, buddy_page_to_pfn(z, page), order);
}

/* Walk every free list; O(free blocks * block size). Tests and debugging only. */
bool buddy_check(const struct buddy_zone *z, char *why, size_t len)
{
	/* LAB buddy BEGIN */
	/* LAB buddy STUB: return true; */
	unsigned long total = 0;

	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		unsigned long n = 0;
		struct list_head *pos;

		list_for_each(pos, &z->area[o].free_list) {
			const struct page *p = list_entry(pos, struct page, lru);
			pfn_t pfn = buddy_page_to_pfn(z, p);

			if (!page_test_flag(p, PG_buddy) || p->order != o) {
				snprintf(why, len, "pfn %lu on order-%u list has flags %lx order %u",
					 (unsigned long)pfn, o, p->flags, p->order);
				return false;
			}
			if (pfn & ((1ul << o) - 1)) {
				snprintf(why, len, "pfn %lu misaligned for order %u",
					 (unsigned long)pfn, o);
				return false;
			}
			if (o < MAX_ORDER && buddy_is_free_block(z, pfn ^ (1ul << o), o)) {
				snprintf(why, len, "pfn %lu and its buddy both free at order %u",
					 (unsigned long)pfn, o);
				return false;
			}
			for (pfn_t i = 1; i < (1ul << o); i++)
				if (page_test_flag(p + i, PG_buddy)) {
					snprintf(why, len, "pfn %lu inside a free block has PG_buddy",
						 (unsigned long)(pfn + i));
					return false;
				}
			n++;
		}
		if (n != z->area[o].nr_free) {
			snprintf(why, len, "order %u: %lu blocks listed, nr_free says %lu",
				 o, n, z->area[o].nr_free);
			return false;
		}
		total += n << o;
	}
	if (total != z->free_pages) {
		snprintf(why, len, "free lists hold %lu frames, free_pages says %lu",
			 total, z->free_pages);
		return false;
	}
	return true;
	/* LAB buddy END */
}
