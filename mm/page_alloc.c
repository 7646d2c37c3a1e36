/*
 * page_alloc.c - the kernel's physical page allocator.
 *
 * One zone covers every frame from pfn 0 to the end of RAM; the memmap (an
 * array of struct page) is carved out of memblock, and every usable,
 * unreserved frame is then released to the buddy allocator (mm/buddy.c).
 * The zone lock is a spinlock taken with interrupts off.
 *
 * Per-CPU page lists (Linux's per_cpu_pages). Most allocations are single
 * frames (user pages, page tables, slabs), and with every CPU taking
 * zone_lock for each one, the lock and the free lists' cache lines bounce
 * between CPUs. So each CPU keeps a short list of free order-0 frames of
 * its own, and the buddy is only visited a batch at a time:
 *
 *   alloc_page:  this CPU's list --empty?--> refill: pcp_batch frames
 *                     ^                       from the buddy, one zone_lock
 *   free_page:   this CPU's list --more than pcp_high?--> drain: the
 *                                     pcp_batch coldest back to the buddy
 *
 * The list is LIFO: the frame freed last, still in this CPU's cache, is
 * the next one handed out. Only order 0 is cached: larger blocks are rare
 * (kmalloc of more than a page, boot) and parking them would keep the
 * buddy from merging them. There is one zone, so a list holds frames of
 * the only kind there is.
 *
 * Each list has its own spinlock, as in Linux since 5.19. Its own CPU
 * takes it with nobody else wanting it, so it costs an uncontended atomic
 * on a cache line no other CPU touches; what it buys is that any CPU may
 * empty another's list (drain_all_pages), so memory parked on an idle CPU
 * is reachable when memory runs out - before an allocation fails, before
 * direct reclaim gives up and before the OOM killer is called.
 *
 * Frames on a list are free for every count: pmm_free_pages() (MemFree,
 * the watermarks, the tests' "nothing leaked") is the buddy's count plus
 * every list's, so nothing has to be drained before it is measured. Linux
 * counts them as allocated instead; Pagoda's tests compare free counts
 * exactly, and a free frame should look free. The sum is read without
 * locks, so while a batch moves between a list and the buddy it can be off
 * by that batch for an instant; a quiet system reads it exactly.
 *
 * With debug_alloc=1 (mm/debug_alloc.c) free_pages() poisons what it frees
 * and alloc_pages() checks the poison before handing frames out - around
 * the per-CPU lists too, so a frame on a list is free for those checks
 * (poisoned, a second free of it reported).
 *
 * Neighbours: memblock.c runs before this, slab.c builds on it.
 */
#include "mm/page_alloc.h"
#include <arch/cpu.h>
#include "mm/debug_alloc.h"
#include "mm/memblock.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/might_sleep.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/task.h"
#include "mm/fail_alloc.h"
#include "mm/oom.h"
#include "mm/vmscan.h"
#include <arch/page.h>

struct page *memmap;
pfn_t max_pfn;

static struct buddy_zone zone;
static spinlock_t zone_lock = SPINLOCK_INIT_RANKED(zone_lock, LOCK_RANK_ZONE);
static bool ready;

/*
 * One CPU's free order-0 frames. The only writer is the CPU itself,
 * except drain_all_pages(), hence the lock. A cache line each, so that
 * CPUs do not bounce each other's lines (the point of the exercise).
 */
struct per_cpu_pages {
	spinlock_t lock;		/* rank LOCK_RANK_PCP; guards the rest */
	unsigned int count;		/* frames on list; read locklessly by pmm_free_pages */
	struct list_head list;		/* PG_pcp frames, refcount 0, hottest first */
	unsigned long refills, drains;	/* batches from / to the buddy (pcp_get_stats) */
} __attribute__((aligned(64)));

static struct per_cpu_pages pcp_lists[MAX_CPUS];
unsigned int pcp_batch, pcp_high;	/* set once by pcp_init() */

static void release(phys_addr_t base, phys_addr_t end, void *arg)
{
	(void)arg;
	buddy_release_range(&zone, base >> PAGE_SHIFT, end >> PAGE_SHIFT);
}

static void scrub_free_memory(void);

/*
 * Batch and high mark, scaled with memory as Linux's zone_batchsize() and
 * its classic high = 6 * batch: a quarter of 1/1024 of RAM (at most 64
 * frames), times 1.5, rounded down to 2^n - 1 (Linux found that a power of
 * two makes a batch land on one cache colour). A batch amortises one zone_lock over
 * that many frames; the high mark lets a list absorb a few batches of frees
 * (an exiting process, a munmap) before it gives any back. 512 MiB: batch
 * 31, high 186 (744 KiB a CPU); 64 MiB: 3 and 18, so four CPUs park 72
 * frames, well under the 256-frame low watermark.
 */
static void pcp_init(void)
{
	unsigned long b = MIN(zone.managed_pages / 1024, 256ul) / 4, p2 = 1;

	b = MAX(b, 1ul);
	while (p2 * 2 <= b + b / 2)
		p2 *= 2;
	pcp_batch = MAX(p2 - 1, 1ul);
	pcp_high = 6 * pcp_batch;
	for (unsigned int i = 0; i < MAX_CPUS; i++) {
		spin_lock_init_ranked(&pcp_lists[i].lock, LOCK_RANK_PCP);
		INIT_LIST_HEAD(&pcp_lists[i].list);
	}
	printk("mm: per-CPU page lists: batch %u, high %u\n", pcp_batch, pcp_high);
}

/* Time the page clear/copy loops on 16 frames (arch/page.h) and keep the fastest. */
static void select_page_loops(void)
{
	struct page *p = alloc_pages(0, 4);

	if (!p)
		return;			/* keep the default: rep8 */
	page_loops_select(page_address(p), PAGE_SIZE << 4);
	free_pages(p, 4);
}

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
	pcp_init();
	ready = true;
	select_page_loops();
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
				clear_pages(page_address(p), PAGE_SIZE << order);
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

/* ---- per-CPU lists ---- */

/*
 * This CPU's list. Tasks leave a CPU only in schedule() and nothing here
 * sleeps, so the list stays ours from here to the unlock; an interrupt
 * handler allocating on this CPU finds the lock's interrupts off.
 */
static struct per_cpu_pages *this_pcp(void)
{
	return &pcp_lists[this_cpu()->index];
}

/* Take up to pcp_batch frames from the buddy onto the empty @pcp. Both locks held. */
static void pcp_refill_locked(struct per_cpu_pages *pcp)
{
	for (unsigned int i = 0; i < pcp_batch; i++) {
		struct page *p = buddy_alloc(&zone, 0);

		if (!p)
			break;
		/* buddy_alloc() set refcount 1 for a caller; on the list it is free. */
		p->refcount = 0;
		__page_set_flag(p, PG_pcp);
		/* Tail: the buddy hands out ascending pfns, keep them in order. */
		list_add_tail(&p->lru, &pcp->list);
		pcp->count++;
	}
	if (pcp->count)
		pcp->refills++;
}

/* Give the @n coldest frames of @pcp back to the buddy. pcp->lock held. */
static void pcp_free_batch_locked(struct per_cpu_pages *pcp, unsigned int n)
{
	unsigned long flags = spin_lock_irqsave(&zone_lock);

	while (n-- && pcp->count) {
		struct page *p = list_last_entry(&pcp->list, struct page, lru);

		list_del_init(&p->lru);
		pcp->count--;
		buddy_free(&zone, p, 0);	/* clears PG_pcp with every other flag */
	}
	spin_unlock_irqrestore(&zone_lock, flags);
	pcp->drains++;
}

/* An order-0 frame from this CPU's list, refilled when empty; NULL when the buddy is empty too. */
static struct page *pcp_alloc(void)
{
	struct per_cpu_pages *pcp = this_pcp();
	unsigned long flags = spin_lock_irqsave(&pcp->lock);
	struct page *p = NULL;

	if (!pcp->count) {
		unsigned long zflags = spin_lock_irqsave(&zone_lock);

		pcp_refill_locked(pcp);
		spin_unlock_irqrestore(&zone_lock, zflags);
	}
	if (pcp->count) {
		p = list_first_entry(&pcp->list, struct page, lru);
		list_del_init(&p->lru);
		pcp->count--;
		__page_clear_flag(p, PG_pcp);
		p->refcount = 1;		/* the caller's reference, as buddy_alloc() */
		p->order = 0;
	}
	spin_unlock_irqrestore(&pcp->lock, flags);
	return p;
}

/* Park a freed order-0 frame on this CPU's list; past pcp_high a batch goes back. */
static void pcp_free(struct page *page)
{
	struct per_cpu_pages *pcp = this_pcp();
	unsigned long flags = spin_lock_irqsave(&pcp->lock);

	/* As buddy_free(): the last reference is gone, nobody changes a bit. */
	page->refcount = 0;
	page->flags = 1ul << PG_pcp;
	list_add(&page->lru, &pcp->list);
	if (++pcp->count > pcp_high)
		pcp_free_batch_locked(pcp, pcp_batch);
	spin_unlock_irqrestore(&pcp->lock, flags);
}

static void drain_pages(struct per_cpu_pages *pcp)
{
	unsigned long flags = spin_lock_irqsave(&pcp->lock);

	if (pcp->count)
		pcp_free_batch_locked(pcp, pcp->count);
	spin_unlock_irqrestore(&pcp->lock, flags);
}

void drain_local_pages(void)
{
	drain_pages(this_pcp());
}

void drain_all_pages(void)
{
	for (unsigned int i = 0; i < MAX_CPUS; i++)
		if (READ_ONCE(pcp_lists[i].count))
			drain_pages(&pcp_lists[i]);
}

void pcp_get_stats(unsigned int cpu, struct pcp_stats *st)
{
	struct per_cpu_pages *pcp = &pcp_lists[cpu];
	unsigned long flags = spin_lock_irqsave(&pcp->lock);

	st->count = pcp->count;
	st->refills = pcp->refills;
	st->drains = pcp->drains;
	spin_unlock_irqrestore(&pcp->lock, flags);
}

/* ---- allocation and free ---- */

/* Order 0 from the per-CPU list (unless GFP_NO_PCP), larger orders from the buddy. */
static struct page *rmqueue(unsigned int gfp, unsigned int order)
{
	if (order == 0 && ready) {
		if (!(gfp & GFP_NO_PCP))
			return pcp_alloc();
		drain_all_pages();	/* let the parked frames merge first */
	}
	return buddy_alloc_locked(order);
}

/*
 * rmqueue(), and when that finds nothing, the same again after every
 * CPU's list went back to the buddy: the frames parked there are free
 * memory (they are counted so), and an order-1 or larger block may only
 * be missing its other half from a list. Spinlocks only, so any caller
 * may do it; it only happens when memory is short.
 */
static struct page *rmqueue_or_drain(unsigned int gfp, unsigned int order)
{
	struct page *p = rmqueue(gfp, order);

	if (!p && ready) {
		drain_all_pages();
		p = rmqueue(gfp, order);
	}
	return p;
}

/*
 * The buddy's own count is a lower bound of the total, and usually far
 * above the marks: only when it is not are the per-CPU lists summed
 * (pmm_free_pages reads one cache line per CPU).
 */
bool pmm_free_below(unsigned long mark)
{
	if (READ_ONCE(zone.free_pages) >= mark)
		return false;
	return pmm_free_pages() < mark;
}

/*
 * A GFP_RECLAIM allocation that found nothing: reclaim a batch and try
 * again; when reclaim frees nothing, the OOM killer frees memory by
 * killing a process (mm/oom_kill.c) and we try again, a bounded number of
 * times. A task being killed (SIGKILL pending) does neither: its
 * allocation fails at once, so that it unwinds to its exit (Linux's
 * __alloc_pages_slowpath, without the costly orders' retries). Every
 * retry drains the per-CPU lists before it fails (rmqueue_or_drain):
 * reclaim on another CPU (kswapd) frees onto that CPU's list.
 */
#define OOM_RETRIES		8
#define COSTLY_ORDER		3	/* above it Linux does not OOM-kill either */

static struct page *alloc_pages_slow(unsigned int gfp, unsigned int order)
{
	for (int tries = 0; ; tries++) {
		struct page *p;

		unsigned long reclaimed;

		if (fatal_signal_pending(current()))
			return NULL;
		reclaimed = direct_reclaim();
		p = rmqueue_or_drain(gfp, order);
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
	if ((gfp & GFP_RECLAIM) && ready && pmm_free_below(watermark_min) &&
	    !fatal_signal_pending(current()))
		direct_reclaim();
	p = rmqueue_or_drain(gfp, order);
	if (!p && (gfp & GFP_RECLAIM) && ready)
		p = alloc_pages_slow(gfp, order);
	if (ready && pmm_free_below(watermark_low))
		wakeup_kswapd();
	if (p && debug_alloc_on())
		debug_page_alloc(p, order);	/* before GFP_ZERO clears the evidence */
	if (p && (gfp & GFP_ZERO))
		clear_pages(page_address(p), PAGE_SIZE << order);
	return p;
}

void free_pages(struct page *page, unsigned int order)
{
	unsigned long flags;

	/* Before the BUG_ON: a double free is reported with both chains. */
	if (debug_alloc_on() && !debug_page_free(page, order))
		return;				/* a double free a test caught */
	/* Free already: in the buddy, or parked on a per-CPU list. */
	BUG_ON(page_test_flag(page, PG_reserved) || page_test_flag(page, PG_buddy) ||
	       page_test_flag(page, PG_pcp));
	if (order == 0 && ready) {
		pcp_free(page);
		return;
	}
	flags = spin_lock_irqsave(&zone_lock);
	buddy_free(&zone, page, order);
	spin_unlock_irqrestore(&zone_lock, flags);
}

/*
 * The buddy's frames plus every per-CPU list's. All MAX_CPUS lists, not
 * nr_cpus: a CPU being started allocates before smp_init() counts it.
 */
unsigned long pmm_free_pages(void)
{
	unsigned long n = READ_ONCE(zone.free_pages);

	for (unsigned int i = 0; i < MAX_CPUS; i++)
		n += READ_ONCE(pcp_lists[i].count);
	return n;
}

unsigned long pmm_managed_pages(void)
{
	return zone.managed_pages;
}

/* Every frame on @pcp's list is a free order-0 frame, and count says how many. */
static bool pcp_check(unsigned int cpu, char *why, size_t len)
{
	struct per_cpu_pages *pcp = &pcp_lists[cpu];
	unsigned long flags = spin_lock_irqsave(&pcp->lock);
	unsigned int n = 0;
	struct list_head *pos;
	bool ok = true;

	list_for_each(pos, &pcp->list) {
		const struct page *p = list_entry(pos, struct page, lru);

		if (p->flags != 1ul << PG_pcp || p->refcount || p->mapcount) {
			snprintf(why, len, "cpu %u list: pfn %lx flags %lx refcount %d mapcount %d",
				 cpu, (unsigned long)page_to_pfn(p), p->flags, p->refcount,
				 p->mapcount);
			ok = false;
			break;
		}
		n++;
	}
	if (ok && n != pcp->count) {
		snprintf(why, len, "cpu %u list holds %u frames, count says %u", cpu, n, pcp->count);
		ok = false;
	}
	spin_unlock_irqrestore(&pcp->lock, flags);
	return ok;
}

bool pmm_check(char *why, size_t len)
{
	unsigned long flags;
	bool ok;

	for (unsigned int i = 0; i < MAX_CPUS; i++)
		if (!pcp_check(i, why, len))
			return false;
	flags = spin_lock_irqsave(&zone_lock);
	ok = buddy_check(&zone, why, len);
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
	if (page->flags & (1ul << PG_lru | 1ul << PG_lru_batch))
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

	if (!p)
		return 0;
	p->slab_cache = NULL;		/* and so its PTE lock (ptl) is free */
	return page_to_phys(p);
}

phys_addr_t pgtable_alloc(void)
{
	phys_addr_t pa;

	if (ready) {
		struct page *p = alloc_page(GFP_ZERO);

		if (!p)
			return 0;
		p->slab_cache = NULL;	/* and so its PTE lock (ptl) is free */
		return page_to_phys(p);
	}
	pa = memblock_alloc(PAGE_SIZE, PAGE_SIZE);
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}
