/*
 * page_alloc.c - the kernel's physical page allocator.
 *
 * One zone covers every frame from pfn 0 to the end of RAM; the memmap (an
 * array of struct page) is carved out of memblock, and every usable,
 * unreserved frame is then released to the buddy allocator (mm/buddy.c).
 * The zone lock is a spinlock taken with interrupts off.
 *
 * With debug_alloc=1 (mm/debug_alloc.c) free_pages() poisons what it frees
 * and alloc_pages() checks the poison before handing frames out.
 *
 * Neighbours: memblock.c runs before this, slab.c builds on it.
 */
#include "mm/page_alloc.h"
#include <arch/cpu.h>
#include "mm/debug_alloc.h"
#include "mm/memblock.h"
#include "kernel/lib/string.h"
#include "kernel/might_sleep.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/task.h"
#include "mm/fail_alloc.h"
#include "mm/oom.h"
#include "mm/vmscan.h"

struct page *memmap;
pfn_t max_pfn;

static struct buddy_zone zone;
static spinlock_t zone_lock = SPINLOCK_INIT_RANKED(zone_lock, LOCK_RANK_ZONE);
static bool ready;

static void release(phys_addr_t base, phys_addr_t end, void *arg)
{
	(void)arg;
	buddy_release_range(&zone, base >> PAGE_SHIFT, end >> PAGE_SHIFT);
}

static void scrub_free_memory(void);

void page_alloc_init(void)
{
	uint64_t bytes;
	phys_addr_t pa;

	max_pfn = memblock_end_of_ram() >> PAGE_SHIFT;
	bytes = max_pfn * sizeof(struct page);
	/* The whole direct map is up by now, so the memmap may live anywhere. */
	memblock_set_limit(memblock_end_of_ram());
	pa = memblock_alloc(bytes, PAGE_SIZE);
	if (!pa)
		panic("page_alloc_init: no room for a %lu KiB memmap", bytes >> 10);
	memmap = phys_to_virt(pa);
	debug_alloc_init();		/* its frame table comes from memblock too */
	buddy_init(&zone, memmap, 0, max_pfn);
	memblock_for_each_free(release, NULL);
	ready = true;
	if (cpu_is_qemu_tcg())
		scrub_free_memory();
}

/*
 * Write every free frame once (QEMU TCG only). Under TCG the first guest
 * write to a frame whose old contents QEMU had translated as code - GRUB's
 * modules and heap, which Pagoda boots through and which become free RAM -
 * goes down QEMU's code-invalidation slow path. Measured: anonymous write
 * faults landing on such frames cost ~175 us instead of ~7 us, depending
 * on where the boot loader happened to run. Paying that once at boot keeps
 * Pagoda's measurements about Pagoda (Linux in make bench is started with
 * -kernel, without a boot loader running in its RAM). Never done on
 * hardware or KVM.
 */
static void scrub_free_memory(void)
{
	struct page *head = NULL, *p;
	unsigned long pages = 0;

	for (int order = MAX_ORDER; order >= 0; order--) {
		while ((p = alloc_pages(0, order))) {
			/* With debug_alloc the free below writes the poison. */
			if (!debug_alloc_on())
				memset(page_address(p), 0, PAGE_SIZE << order);
			p->order = order;
			*(struct page **)page_address(p) = head;
			head = p;
			pages += 1ul << order;
		}
	}
	while (head) {
		p = head;
		head = *(struct page **)page_address(p);
		free_pages(p, p->order);
	}
	printk("mm: QEMU TCG: wrote %lu free pages once (see page_alloc.c)\n", pages);
}

static struct page *buddy_alloc_locked(unsigned int order)
{
	unsigned long flags = spin_lock_irqsave(&zone_lock);
	struct page *p = buddy_alloc(&zone, order);

	spin_unlock_irqrestore(&zone_lock, flags);
	return p;
}

/*
 * A GFP_RECLAIM allocation that found nothing: reclaim a batch and try
 * again; when reclaim frees nothing, the OOM killer frees memory by
 * killing a process (mm/oom_kill.c) and we try again, a bounded number of
 * times. A task being killed (SIGKILL pending) does neither: its
 * allocation fails at once, so that it unwinds to its exit (Linux's
 * __alloc_pages_slowpath, without the costly orders' retries).
 */
#define OOM_RETRIES		8
#define COSTLY_ORDER		3	/* above it Linux does not OOM-kill either */

static struct page *alloc_pages_slow(unsigned int order)
{
	for (int tries = 0; ; tries++) {
		struct page *p;

		unsigned long reclaimed;

		if (fatal_signal_pending(current()))
			return NULL;
		reclaimed = direct_reclaim();
		p = buddy_alloc_locked(order);
		if (p || order > COSTLY_ORDER || tries == OOM_RETRIES)
			return p;
		if (!reclaimed && !out_of_memory())
			return NULL;
	}
}

/*
 * Below watermark_low kswapd is woken; a GFP_RECLAIM caller that finds
 * fewer than watermark_min free pages reclaims a batch itself first
 * (mm/vmscan.c direct_reclaim), and one that finds none of its order
 * goes the slow way above.
 */
struct page *alloc_pages(unsigned int gfp, unsigned int order)
{
	struct page *p;

	might_sleep_if(gfp & GFP_RECLAIM);	/* whether or not memory is short now */
	if (should_fail_alloc())
		return NULL;			/* injected (mm/fail_alloc.h) */
	if ((gfp & GFP_RECLAIM) && ready && READ_ONCE(zone.free_pages) < watermark_min &&
	    !fatal_signal_pending(current()))
		direct_reclaim();
	p = buddy_alloc_locked(order);
	if (!p && (gfp & GFP_RECLAIM) && ready)
		p = alloc_pages_slow(order);
	if (ready && READ_ONCE(zone.free_pages) < watermark_low)
		wakeup_kswapd();
	if (p && debug_alloc_on())
		debug_page_alloc(p, order);	/* before GFP_ZERO clears the evidence */
	if (p && (gfp & GFP_ZERO))
		memset(page_address(p), 0, PAGE_SIZE << order);
	return p;
}

void free_pages(struct page *page, unsigned int order)
{
	unsigned long flags;

	/* Before the BUG_ON: a double free is reported with both chains. */
	if (debug_alloc_on() && !debug_page_free(page, order))
		return;				/* a double free a test caught */
	BUG_ON(page_test_flag(page, PG_reserved) || page_test_flag(page, PG_buddy));
	flags = spin_lock_irqsave(&zone_lock);
	buddy_free(&zone, page, order);
	spin_unlock_irqrestore(&zone_lock, flags);
}

unsigned long pmm_free_pages(void)
{
	return READ_ONCE(zone.free_pages);
}

unsigned long pmm_managed_pages(void)
{
	return zone.managed_pages;
}

bool pmm_check(char *why, size_t len)
{
	unsigned long flags = spin_lock_irqsave(&zone_lock);
	bool ok = buddy_check(&zone, why, len);

	spin_unlock_irqrestore(&zone_lock, flags);
	return ok;
}

void put_page(struct page *page)
{
	int count = __atomic_sub_fetch(&page->refcount, 1, __ATOMIC_ACQ_REL);

	if (unlikely(count < 0)) {
		/* One put too many: the page was freed already. */
		debug_page_refcount_underflow(page);
		__atomic_add_fetch(&page->refcount, 1, __ATOMIC_RELAXED);	/* a test caught it */
		return;
	}
	if (count)
		return;
	/*
	 * debug_alloc=1: the last reference cannot be a PTE's or the page
	 * cache's (both hold one), so a frame still mapped or still in a file
	 * here had a reference dropped twice - and will be reused while
	 * someone can still reach it.
	 */
	if (debug_alloc_on() && (page->mapcount ||
	    (page->mapping && !((unsigned long)page->mapping & 1) && !page_test_flag(page, PG_slab))))
		panic("BUG: freeing pfn %#lx still mapped (mapcount %d) or cached (mapping %p index %#lx flags %#lx)",
		      (unsigned long)page_to_pfn(page), page->mapcount, page->mapping, page->index,
		      (unsigned long)page->flags);
	/* The last user is gone: forget what the frame was, then free it. */
	if (page_test_flag(page, PG_lru))
		lru_del(page);
	page->flags = 0;
	page->mapping = NULL;
	page->index = 0;
	page->mapcount = 0;
	page->refcount = 1;		/* free_pages() expects an allocated frame */
	free_page(page);
}

void pgtable_free(phys_addr_t pa)
{
	free_page(pfn_to_page(pa >> PAGE_SHIFT));
}

/* A zeroed page-table page from an allocation that may reclaim and OOM-kill (may sleep). */
phys_addr_t pgtable_alloc_reclaim(void)
{
	struct page *p = alloc_page(GFP_RECLAIM | GFP_ZERO);

	return p ? page_to_phys(p) : 0;
}

phys_addr_t pgtable_alloc(void)
{
	phys_addr_t pa;

	if (ready) {
		struct page *p = alloc_page(GFP_ZERO);

		return p ? page_to_phys(p) : 0;
	}
	pa = memblock_alloc(PAGE_SIZE, PAGE_SIZE);
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}
