/*
 * page_alloc_ktest.c - in-kernel tests of the buddy allocator on real RAM.
 *
 * The host test (tests/host/buddy_test.c) checks the bookkeeping against a
 * model; these check the live allocator: counters, split/coalesce through
 * the real free lists, a storm that must leave no leak, and memory above
 * 4 GiB being found and usable when the machine has it.
 */
#include "kernel/ktest.h"
#include "kernel/watchdog.h"
#include "kernel/lib/string.h"
#include "mm/memblock.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

static uint32_t rng_state = 12345;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

KTEST(pmm_counters)
{
	unsigned long before = pmm_free_pages();
	struct page *p;

	KT_ASSERT(before > 0 && before <= pmm_managed_pages());
	p = alloc_pages(GFP_KERNEL, 3);
	KT_ASSERT(p != NULL);
	KT_ASSERT_EQ(pmm_free_pages(), before - 8);
	KT_ASSERT_EQ(p->refcount, 1);
	KT_ASSERT(IS_ALIGNED(page_to_pfn(p), 8));
	free_pages(p, 3);
	KT_ASSERT_EQ(pmm_free_pages(), before);
	return KT_PASS;
}

/*
 * Split and coalesce, exactly: the live allocator's free lists depend on
 * everything that ran before, so this test borrows one order-MAX block of
 * real RAM and runs a private buddy zone over it. Taking one frame must
 * split the block into one free block of every order below MAX; giving it
 * back must coalesce them into the single original block. Then every frame
 * is taken, written through the direct map, checked and freed in a shuffled
 * order, which must coalesce completely again.
 */
/*
 * Take one frame from the fresh private zone @z over [@base, base + 2^MAX):
 * it must be @base and leave one free block of every lower order; freeing it
 * must coalesce back to one order-MAX block.
 */
static bool split_and_coalesce_one(struct buddy_zone *z, pfn_t base, char *why, size_t len)
{
	struct page *one = buddy_alloc(z, 0);

	if (!one || buddy_page_to_pfn(z, one) != base)
		return false;
	for (unsigned int o = 0; o < MAX_ORDER; o++)
		if (z->area[o].nr_free != 1)
			return false;
	if (z->area[MAX_ORDER].nr_free != 0 || !buddy_check(z, why, len))
		return false;
	buddy_free(z, one, 0);
	return z->area[MAX_ORDER].nr_free == 1 && z->area[0].nr_free == 0;
}

/* Take all @n frames of @z into @taken, writing each frame's pfn into it. */
static bool take_every_frame(struct buddy_zone *z, struct page **taken, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		taken[i] = buddy_alloc(z, 0);
		if (!taken[i])
			return false;
		*(uint64_t *)phys_to_virt(buddy_page_to_pfn(z, taken[i]) << PAGE_SHIFT) =
			buddy_page_to_pfn(z, taken[i]);
	}
	return buddy_alloc(z, 0) == NULL && z->free_pages == 0;
}

/* Shuffle the @n pages in @taken (Fisher-Yates, with rnd()). */
static void shuffle_pages(struct page **taken, unsigned int n)
{
	for (unsigned int i = n - 1; i > 0; i--) {
		unsigned int j = rnd() % (i + 1);
		struct page *t = taken[i];

		taken[i] = taken[j];
		taken[j] = t;
	}
}

/* Check that each of the @n frames in @taken still holds its pfn, and free it. */
static bool check_and_free_frames(struct buddy_zone *z, struct page **taken, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		pfn_t pfn = buddy_page_to_pfn(z, taken[i]);

		if (*(uint64_t *)phys_to_virt(pfn << PAGE_SHIFT) != pfn)
			return false;
		buddy_free(z, taken[i], 0);
	}
	return true;
}

KTEST(pmm_split_coalesce)
{
	const unsigned int n = 1u << MAX_ORDER;
	struct page *block = alloc_pages(GFP_KERNEL, MAX_ORDER);
	struct page *mm = kmalloc(n * sizeof(struct page), GFP_KERNEL);
	static struct page *taken[1u << MAX_ORDER];
	static struct buddy_zone z;
	enum ktest_result r = KT_FAIL;
	char why[128];
	pfn_t base;

	KT_ASSERT(block && mm);
	base = page_to_pfn(block);
	buddy_init(&z, mm, base, base + n);
	buddy_release_range(&z, base, base + n);
	if (z.area[MAX_ORDER].nr_free != 1 || z.free_pages != n)
		goto fail;
	if (!split_and_coalesce_one(&z, base, why, sizeof(why)))
		goto fail;
	if (!take_every_frame(&z, taken, n))
		goto fail;
	shuffle_pages(taken, n);
	if (!check_and_free_frames(&z, taken, n))
		goto fail;
	if (z.area[MAX_ORDER].nr_free == 1 && z.free_pages == n &&
	    buddy_check(&z, why, sizeof(why)))
		r = KT_PASS;
fail:
	if (r != KT_PASS)
		ktest_fail_reason(__FILE__, __LINE__, "private zone over pfn %lx: "
				  "free %lu, order-%d blocks %lu", (unsigned long)base,
				  z.free_pages, MAX_ORDER, z.area[MAX_ORDER].nr_free);
	kfree(mm);
	free_pages(block, MAX_ORDER);
	return r;
}

#define STORM_SLOTS	256

KTEST(pmm_storm_no_leak)
{
	static struct page *slot[STORM_SLOTS];
	static unsigned int order[STORM_SLOTS];
	unsigned long before = pmm_free_pages();
	char why[128];

	memset(slot, 0, sizeof(slot));
	for (int round = 0; round < 20000; round++) {
		unsigned int i = rnd() % STORM_SLOTS;

		if (slot[i]) {
			/* The pattern written at allocation must still be there. */
			uint64_t *w = page_address(slot[i]);

			if (w[0] != page_to_pfn(slot[i]))
				KT_ASSERT(!"block contents changed while allocated");
			free_pages(slot[i], order[i]);
			slot[i] = NULL;
		} else {
			order[i] = rnd() % 6;
			slot[i] = alloc_pages(GFP_KERNEL, order[i]);
			KT_ASSERT(slot[i] != NULL);
			KT_ASSERT(IS_ALIGNED(page_to_pfn(slot[i]), 1ul << order[i]));
			*(uint64_t *)page_address(slot[i]) = page_to_pfn(slot[i]);
		}
	}
	for (unsigned int i = 0; i < STORM_SLOTS; i++)
		if (slot[i])
			free_pages(slot[i], order[i]);
	KT_ASSERT_EQ(pmm_free_pages(), before);
	if (!pmm_check(why, sizeof(why))) {
		ktest_fail_reason(__FILE__, __LINE__, "buddy inconsistent: %s", why);
		return KT_FAIL;
	}
	return KT_PASS;
}

KTEST(pmm_exhaust_and_recover)
{
	/* Drain every order-MAX block, check NULL at the end, give all back. */
	static struct page *blocks[4096];
	unsigned long before = pmm_free_pages();
	unsigned int n = 0;
	struct page *p;

	/*
	 * With debug_alloc=1 every frame is poison-checked here and poisoned
	 * again below: on the 6 GiB boot under a loaded host that is more than
	 * the soft-lockup threshold, so the loops say they are making progress.
	 */
	while (n < ARRAY_SIZE(blocks) && (p = alloc_pages(GFP_KERNEL, MAX_ORDER))) {
		blocks[n++] = p;
		touch_softlockup_watchdog();
	}
	KT_ASSERT(n > 0);
	if (n < ARRAY_SIZE(blocks))
		KT_ASSERT(alloc_pages(GFP_KERNEL, MAX_ORDER) == NULL);
	KT_ASSERT(alloc_pages(GFP_KERNEL, MAX_ORDER + 1) == NULL);
	while (n) {
		free_pages(blocks[--n], MAX_ORDER);
		touch_softlockup_watchdog();
	}
	KT_ASSERT_EQ(pmm_free_pages(), before);
	return KT_PASS;
}

/* Memory above 4 GiB must be in the allocator and work through the direct map. */
KTEST(pmm_above_4g)
{
	static struct page *held[512];
	unsigned int n = 0;
	struct page *high = NULL;
	const pfn_t limit = (4ul << 30) >> PAGE_SHIFT;

	if (memblock_end_of_ram() <= (4ul << 30))
		KT_SKIP("no RAM above 4 GiB (end of RAM %lx)", memblock_end_of_ram());
	while (n < ARRAY_SIZE(held)) {
		struct page *p = alloc_pages(GFP_KERNEL, MAX_ORDER);

		if (!p)
			break;
		held[n++] = p;
		touch_softlockup_watchdog();	/* debug_alloc checks 4 MiB per block */
		if (page_to_pfn(p) >= limit) {
			high = p;
			break;
		}
	}
	if (high) {
		volatile uint64_t *w = page_address(high);
		size_t words = (PAGE_SIZE << MAX_ORDER) / 8;

		for (size_t i = 0; i < words; i += 509)
			w[i] = i * 0x9e3779b97f4a7c15ull;
		for (size_t i = 0; i < words; i += 509)
			if (w[i] != i * 0x9e3779b97f4a7c15ull)
				high = (struct page *)1;	/* mark failure */
	}
	while (n) {
		free_pages(held[--n], MAX_ORDER);
		touch_softlockup_watchdog();
	}
	KT_ASSERT(high != NULL);
	KT_ASSERT(high != (struct page *)1);
	return KT_PASS;
}
