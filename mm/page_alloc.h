/*
 * page_alloc.h - the physical page allocator (buddy) and memmap helpers.
 *
 * alloc_pages(order) returns 2^order physically contiguous frames as their
 * first struct page, or NULL; free_pages() gives them back. Frames are
 * reached through the direct map (page_address()). All functions take the
 * zone lock or a per-CPU list's lock with interrupts off and never sleep,
 * so they may be called from interrupt context - except an allocation with
 * GFP_RECLAIM, which may reclaim (and sleep) before it returns. Single
 * frames come from and go to a per-CPU list first (page_alloc.c).
 */
#ifndef MM_PAGE_ALLOC_H
#define MM_PAGE_ALLOC_H

#include "mm/page.h"
#include "mm/buddy.h"
#include <arch/memlayout.h>

/* Allocation modifiers. */
enum gfp_flags {
	GFP_KERNEL = 0,
	GFP_ZERO = 1u << 0,		/* clear the memory */
	/*
	 * The caller may sleep and holds no spinlock, anon_vma lock or swap
	 * lock: when memory is short the allocator reclaims some pages itself
	 * first (direct reclaim, mm/vmscan.c) - user pages and page cache.
	 */
	GFP_RECLAIM = 1u << 1,
	/*
	 * A single frame from the buddy as it would be without per-CPU lists:
	 * every CPU's list is given back first (page_alloc.c), so that frames
	 * parked there merge with their buddies again, and the buddy splits
	 * one block into neighbouring frames instead of handing out the
	 * scattered leftovers whose other halves sat on a list. Costly; for
	 * secretmem, whose every frame splits the 2 MiB direct-map page
	 * around it for good (a page-table page each).
	 */
	GFP_NO_PCP = 1u << 2,
};

extern struct page *memmap;		/* struct page for every pfn < max_pfn */
extern pfn_t max_pfn;

/* Build the memmap from memblock and hand free frames to the buddy. */
void page_alloc_init(void);

struct page *alloc_pages(unsigned int gfp, unsigned int order);
void free_pages(struct page *page, unsigned int order);

static inline struct page *alloc_page(unsigned int gfp)
{
	return alloc_pages(gfp, 0);
}

static inline void free_page(struct page *page)
{
	free_pages(page, 0);
}

/*
 * References to a frame someone else may also hold (mapped user pages,
 * page-cache pages): the frame returns to the buddy when the last goes.
 */
static inline void get_page(struct page *page)
{
	__atomic_add_fetch(&page->refcount, 1, __ATOMIC_RELAXED);
}

/* Take a reference unless the count already dropped to 0 (being freed). */
static inline bool page_get_unless_zero(struct page *page)
{
	int c = __atomic_load_n(&page->refcount, __ATOMIC_RELAXED);

	while (c && !__atomic_compare_exchange_n(&page->refcount, &c, c + 1, /* weak= */false,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		;
	return c != 0;
}

void put_page(struct page *page);

static inline int page_count(const struct page *page)
{
	return __atomic_load_n(&page->refcount, __ATOMIC_RELAXED);
}

/* GUP_PIN pins held on a user page (mm/gup.c), each also counted in page_count. */
static inline int page_pincount(const struct page *page)
{
	return __atomic_load_n(&page->pincount, __ATOMIC_RELAXED);
}

static inline pfn_t page_to_pfn(const struct page *p)
{
	return (pfn_t)(p - memmap);
}

static inline struct page *pfn_to_page(pfn_t pfn)
{
	return &memmap[pfn];
}

static inline phys_addr_t page_to_phys(const struct page *p)
{
	return (phys_addr_t)page_to_pfn(p) << PAGE_SHIFT;
}

static inline void *page_address(const struct page *p)
{
	return phys_to_virt(page_to_phys(p));
}

/* struct page of a direct-map address. */
static inline struct page *virt_to_page(const void *va)
{
	return pfn_to_page(virt_to_phys(va) >> PAGE_SHIFT);
}

/*
 * Per-CPU lists of free order-0 frames. A list is refilled with pcp_batch
 * frames from the buddy when empty, and gives pcp_batch back when a free
 * takes it above pcp_high (both set at boot from the size of RAM).
 */
extern unsigned int pcp_batch, pcp_high;

struct pcp_stats {
	unsigned int count;		/* frames on the list now */
	unsigned long refills;		/* batches taken from the buddy since boot */
	unsigned long drains;		/* batches (or whole lists) given back since boot */
};

/* Snapshot of CPU @cpu's list, under its lock. Never sleeps. */
void pcp_get_stats(unsigned int cpu, struct pcp_stats *st);
/* Give every frame on this CPU's list back to the buddy. Never sleeps. */
void drain_local_pages(void);
/*
 * The same for every CPU's list, from this CPU (each list under its own
 * lock, one at a time). The allocator does it itself before failing an
 * allocation. Never sleeps.
 */
void drain_all_pages(void);

/*
 * Counters that tests and /proc/meminfo read. pmm_free_pages() counts the
 * frames on per-CPU lists as free; read without locks, so exact only while
 * no CPU is moving a batch between a list and the buddy.
 */
unsigned long pmm_free_pages(void);
/* pmm_free_pages() < @mark, cheaply when the buddy alone has more (watermarks). */
bool pmm_free_below(unsigned long mark);
unsigned long pmm_managed_pages(void);
/*
 * Check every per-CPU list (PG_pcp frames, count right), then run
 * buddy_check() under the zone lock; false and a reason when inconsistent.
 */
bool pmm_check(char *why, size_t len);

/*
 * A zeroed page for a page table: from memblock before the buddy exists,
 * from the buddy after. Returns its physical address, or 0 when out of memory.
 */
phys_addr_t pgtable_alloc(void);
/* The same from an allocation that may reclaim and OOM-kill: only with no spinlock held. */
phys_addr_t pgtable_alloc_reclaim(void);
/* Free a table from pgtable_alloc() (after boot: buddy frames only). */
void pgtable_free(phys_addr_t pa);

#endif
