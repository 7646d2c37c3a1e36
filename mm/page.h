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
 *   free (per-CPU) PG_pcp on a free order-0 frame parked on one CPU's
 *                  list (mm/page_alloc.c), lru links it there
 *   slab           PG_slab; slab_cache, freelist, inuse; lru on the cache's
 *                  partial/full/free list
 *   large kmalloc  PG_head; order = allocation order
 *   user pgd       private = page-table pages below its user half
 *                  (arch/x86_64/paging.c; /proc/<pid>/status VmPTE)
 *   user data      mapping (the inode for file/shmem pages, a tagged
 *                  anon_vma for anonymous ones: mm/rmap.h), index (page
 *                  offset used by rmap), mapcount, lru on an LRU list;
 *                  PG_swapcache pages keep their swap slot in private
 *
 * Locking. Each field below names what protects it, xv6-style. The flag
 * word is the exception: its bits belong to different owners under
 * different locks (PG_lru under lru_lock, PG_swapcache under
 * swap_map_lock, PG_dirty under the mmap lock or the file's pages_lock ...), so
 * two CPUs may change two bits of one word at the same time. That is why
 * page_set_flag() and page_clear_flag() are atomic read-modify-writes
 * (lock bts / lock btr): a plain "flags |= bit" could write back a stale
 * copy of the other owner's bit. __page_set_flag()/__page_clear_flag() are
 * the cheap plain variants, only for a frame nobody else can see (a free
 * buddy block under the zone lock, a slab page before it is published).
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
	PG_dirty,		/* data newer than backing store: the mapper's mmap
				 * lock, or the file's pages_lock / writeback */
	PG_uptodate,		/* contents valid: set once before publishing (a
				 * swap-cache page: when its read ends) */
	PG_locked,		/* a swap-cache page whose slot is being read
				 * (mm/swap_state.c): set before it is published,
				 * cleared when the read ends; swap_map_lock */
	PG_anon,		/* anonymous: set before the first PTE maps it */
	PG_swapbacked,		/* shmem: set once before publishing */
	PG_secret,		/* removed from the direct map (secretmem); not set yet */
	PG_swapcache,		/* in the swap cache: private = its swap slot;
				 * swap_map_lock */
	PG_lru,			/* on an LRU list (mm/vmscan.c): lru_lock */
	PG_active,		/* ... the active one: lru_lock */
	PG_referenced,		/* used by read/write(2) since reclaim last
				 * looked: lru_lock */
	PG_pcp,			/* free order-0 frame on a per-CPU list
				 * (mm/page_alloc.c): that list's pcp->lock */
	PG_lru_batch,		/* in a CPU's LRU add batch, not yet on a list
				 * (mm/vmscan.c): claimed atomically, cleared
				 * under that batch's lock */
};

struct kmem_cache;

struct page {
	/* 1 << PG_*: atomic bit operations only (see above); each bit is
	 * changed under its owner's lock, named in enum page_flag_bits. */
	unsigned long flags;
	/* Users of the frame; 0 when free. Atomic (get_page/put_page). */
	int refcount;
	/* PTEs mapping the frame. Atomic: PTEs of different mms come and go
	 * under different mmap locks (mm/memory.c page_add_map/remove_map). */
	int mapcount;
	/* One list at a time, each under its own lock: free_area[order]
	 * (zone_lock), a per-CPU free list (its pcp->lock, while PG_pcp is
	 * set), a slab cache's partial/full/free list (cache->lock), or an
	 * LRU list (lru_lock, only while PG_lru is set). */
	struct list_head lru;
	/* What rmap follows back: the struct inode for file and shmem pages
	 * (set and cleared under the inode's pages_lock), or an anon_vma
	 * tagged with PAGE_MAPPING_ANON for anonymous pages (set by
	 * page_set_anon_rmap() under the mmap lock, before the first PTE
	 * maps the page or while none does). A slab frame points at its
	 * slab's first struct page instead (mm/slab.c). NULL otherwise. */
	void *mapping;
	/* Page offset within mapping: file page index, or for anon pages the
	 * linear offset rmap looks up. Written together with mapping. */
	unsigned long index;
	union {
		struct kmem_cache *slab_cache;	/* PG_slab: owning cache; fixed for the slab's life */
		/* A page-table page of a user tree: the PTE lock of its 512
		 * entries (arch/x86_64/paging.c), 0 when free. */
		uint32_t ptl;
	};
	void *freelist;			/* PG_slab: first free object; cache->lock */
	union {
		unsigned int inuse;	/* PG_slab: allocated objects; cache->lock */
		/* A user page: the pins (get_user_pages with GUP_PIN) held on
		 * it, each also one reference. Atomic; 0 while free (a slab
		 * frame goes back with inuse 0). Linux's folio->_pincount. */
		int pincount;
	};
	union {
		/* PG_buddy: block order, under zone_lock. PG_head: allocation
		 * order, set once by the allocating kmalloc (the owner). */
		unsigned int order;
		/* PG_lru_batch: the CPU whose LRU add batch holds the page;
		 * written under that batch's lock (mm/vmscan.c). */
		unsigned int lru_cpu;
	};
	/* PG_swapcache: the swap slot, under swap_map_lock.
	 * A user pgd: its page-table pages, under that mm->pgt.upper_lock
	 * (or the whole tree). */
	unsigned long private;
};
_Static_assert(sizeof(struct page) <= 80, "struct page grew: it costs 2% of RAM");

static inline bool page_test_flag(const struct page *p, enum page_flag_bits b)
{
	return __atomic_load_n(&p->flags, __ATOMIC_RELAXED) & (1ul << b);
}

/*
 * Set / clear one bit atomically with respect to other CPUs changing other
 * bits of the same word (GCC emits lock or / lock and, or lock bts / btr).
 * No ordering beyond that (relaxed), like Linux's set_bit(): the lock that
 * owns the bit orders everything else.
 */
static inline void page_set_flag(struct page *p, enum page_flag_bits b)
{
	__atomic_fetch_or(&p->flags, 1ul << b, __ATOMIC_RELAXED);
}

static inline void page_clear_flag(struct page *p, enum page_flag_bits b)
{
	__atomic_fetch_and(&p->flags, ~(1ul << b), __ATOMIC_RELAXED);
}

/*
 * Set / clear a bit and say whether it was set before, in one atomic step,
 * for an owner that must act only once on a transition (Linux's
 * TestSetPageReferenced, TestClearPageDirty). Full barrier, as in Linux.
 */
static inline bool page_test_and_set_flag(struct page *p, enum page_flag_bits b)
{
	return __atomic_fetch_or(&p->flags, 1ul << b, __ATOMIC_SEQ_CST) & (1ul << b);
}

static inline bool page_test_and_clear_flag(struct page *p, enum page_flag_bits b)
{
	return __atomic_fetch_and(&p->flags, ~(1ul << b), __ATOMIC_SEQ_CST) & (1ul << b);
}

/*
 * Plain (non-atomic) variants: only for a frame the caller owns alone, so
 * no other CPU can be changing any of its bits: a free buddy block under
 * zone_lock or a free frame on a per-CPU list under its pcp->lock
 * (refcount 0, on no other list), or frames just returned by
 * alloc_pages() and not yet published (a new slab).
 */
static inline void __page_set_flag(struct page *p, enum page_flag_bits b)
{
	p->flags |= 1ul << b;
}

static inline void __page_clear_flag(struct page *p, enum page_flag_bits b)
{
	p->flags &= ~(1ul << b);
}

#endif
