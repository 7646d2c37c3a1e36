/*
 * page.h - struct page: what the kernel knows about one physical frame.
 *
 * There is one struct page for every frame from pfn 0 up to the end of RAM
 * (the "memmap", allocated at boot by page_alloc_init()). Holes and reserved
 * frames have PG_reserved and are never handed out.
 *
 * Fields are shared between owners, as in Linux; who owns the frame decides
 * which fields mean something:
 *
 *   free (buddy)   PG_buddy on the first frame of a free block, order = log2
 *                  of its size in frames, lru links it into free_area[order]
 *   slab           PG_slab; slab_cache, freelist, inuse; lru on the cache's
 *                  partial/full/free list
 *   large kmalloc  PG_head; order = allocation order
 *   user pgd       private = page-table pages below its user half
 *                  (arch/x86_64/paging.c; /proc/<pid>/status VmPTE)
 *   mapped (later) mapping (address_space or tagged anon_vma), index (page
 *                  offset used by rmap), mapcount, lru on an LRU list
 *
 * Pure data: no kernel dependencies, so host tests compile buddy.c with it.
 */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include "kernel/lib/list.h"
#include "kernel/types.h"

enum page_flag_bits {
	PG_reserved,		/* not managed by the allocator (hole, image, ...) */
	PG_buddy,		/* first frame of a free buddy block */
	PG_slab,		/* owned by a slab cache */
	PG_head,		/* first frame of a multi-frame kmalloc */
	PG_dirty,
	PG_uptodate,
	PG_locked,
	PG_anon,
	PG_swapbacked,
	PG_secret,		/* removed from the direct map (secretmem) */
	PG_swapcache,		/* in the swap cache: private = its swap slot */
	PG_lru,			/* on an LRU list (mm/vmscan.c) */
	PG_active,		/* ... the active one */
	PG_referenced,		/* used by read/write(2) since reclaim last looked */
};

struct kmem_cache;

struct page {
	unsigned long flags;		/* 1 << PG_* */
	int refcount;			/* users of the frame; 0 when free */
	int mapcount;			/* page-table mappings (later issues) */
	struct list_head lru;		/* buddy free list / slab list / LRU */
	void *mapping;			/* address_space or anon_vma (later) */
	unsigned long index;		/* page offset within mapping (later) */
	struct kmem_cache *slab_cache;	/* PG_slab: owning cache */
	void *freelist;			/* PG_slab: first free object */
	unsigned int inuse;		/* PG_slab: allocated objects */
	unsigned int order;		/* PG_buddy / PG_head: block order */
	unsigned long private;		/* PG_swapcache: the swap slot; pgd: tables */
};
_Static_assert(sizeof(struct page) <= 80, "struct page grew: it costs 2% of RAM");

static inline bool page_test_flag(const struct page *p, enum page_flag_bits b)
{
	return p->flags & (1ul << b);
}

static inline void page_set_flag(struct page *p, enum page_flag_bits b)
{
	p->flags |= 1ul << b;
}

static inline void page_clear_flag(struct page *p, enum page_flag_bits b)
{
	p->flags &= ~(1ul << b);
}

#endif
