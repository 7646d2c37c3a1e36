/*
 * buddy_test.c - host unit test for the binary buddy allocator (mm/buddy.c).
 *
 * Build and run (from the repo top; `make host-tests` uses the same flags):
 *   gcc -std=gnu11 -g -O1 -Wall -Werror -I. -Iarch/x86_64/include \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       tests/host/buddy_test.c -o /tmp/buddy_test && /tmp/buddy_test
 *
 * Design: mm/buddy.c is #included, so the test runs the exact kernel code
 * (and can reach its static helpers to build corrupt states on purpose).
 * buddy.c formats buddy_check() reasons with the kernel's snprintf, so
 * kernel/lib/printf.c is included too, with its vsnprintf/snprintf renamed
 * to kernel_* so they do not collide with libc (which prints the results).
 *
 * The allocator runs over a malloc()ed memmap for a zone with an odd
 * start_pfn and a non-power-of-two end, released in several ranges with
 * holes between them (two of them clamped by the zone bounds, two adjacent
 * ones whose common order-10 block must merge across the range boundary).
 * Next to it runs a naive model: one state byte per frame (hole, free,
 * allocated) and the list of live allocations as (pfn, order). After every
 * operation the test checks:
 *   - a returned block is aligned to its order, lies in the zone and covers
 *     only frames the model says are free (no overlap with live blocks,
 *     holes or reserved frames); refcount 1, no PG_buddy/PG_reserved;
 *   - buddy_alloc() returns NULL only when the model has no free, aligned
 *     run of 2^order frames (full coalescing makes this exact);
 *   - zone->free_pages equals the model's count of free frames.
 * Every step (every STORM_CHECK_EVERY steps in the 200k-operation storm) it
 * also runs buddy_check() and compares the free lists block by block with
 * the unique fully coalesced decomposition of the model's free set (every
 * free frame belongs to the largest aligned, wholly free block of order
 * <= MAX_ORDER), computed here bottom-up without looking at the allocator.
 * Finally buddy_check() itself is tested: deliberately corrupted states must
 * be reported (false, with a non-empty, NUL-terminated reason).
 *
 * Randomness comes from a fixed-seed xorshift64, so runs are reproducible.
 * A watchdog alarm turns a hung check into a FAIL line.
 *
 * Output: one line per check, "PASS buddy/<name>" or
 * "FAIL buddy/<name>: <reason>"; exit status 0 only if every check passed.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#undef snprintf
#undef vsnprintf
#define snprintf kernel_snprintf
#define vsnprintf kernel_vsnprintf
#include "kernel/lib/printf.c"
#include "mm/buddy.c"
#undef snprintf
#undef vsnprintf

#define HOSTTEST_SUITE "buddy"
#include "hosttest.h"

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p) {
		perror("calloc");
		exit(2);
	}
	return p;
}

#define BLOCK(o)	(1ul << (o))

/* ---- the zone under test plus its naive model --------------------------- */

enum { M_HOLE, M_FREE, M_USED };

struct alloc_rec {
	pfn_t pfn;
	unsigned int order;
};

struct env {
	struct buddy_zone z;
	struct page *memmap;
	pfn_t start, end;
	unsigned char *st;		/* model state per frame, index pfn - start */
	unsigned long nfree;		/* frames the model says are free */
	unsigned long managed;		/* frames ever released */
	struct alloc_rec *allocs;	/* live allocations */
	size_t nallocs, cap;
};

static void env_init(struct env *e, pfn_t start, pfn_t end)
{
	memset(e, 0, sizeof(*e));
	e->start = start;
	e->end = end;
	e->memmap = xcalloc(end - start, sizeof(struct page));
	e->st = xcalloc(end - start, 1);
	e->cap = 64;
	e->allocs = xcalloc(e->cap, sizeof(*e->allocs));
	/* Garbage in the memmap: buddy_init() must initialise every entry. */
	memset(e->memmap, 0xa5, (end - start) * sizeof(struct page));
	buddy_init(&e->z, e->memmap, start, end);
}

static void env_destroy(struct env *e)
{
	free(e->memmap);
	free(e->st);
	free(e->allocs);
	memset(e, 0, sizeof(*e));
}

/* Release [s, en) in both the allocator and the model (same clamping). */
static void env_release(struct env *e, pfn_t s, pfn_t en)
{
	buddy_release_range(&e->z, s, en);
	if (s < e->start)
		s = e->start;
	if (en > e->end)
		en = e->end;
	for (pfn_t p = s; p < en; p++) {
		if (e->st[p - e->start] != M_HOLE) {
			fail("test bug: pfn %lu released twice", (unsigned long)p);
			return;
		}
		e->st[p - e->start] = M_FREE;
		e->nfree++;
		e->managed++;
	}
}

/* The standard zone: odd start, end not a power of two, several holes. */
#define ZSTART	12301ul
#define ZEND	18300ul

static const pfn_t std_ranges[][2] = {
	{ 12000, 12305 },	/* starts below the zone: clamped to 12301 */
	{ 12310, 13000 },
	{ 13005, 13006 },	/* a single frame between two holes */
	{ 13100, 15500 },	/* holds two whole order-10 blocks */
	{ 15503, 15504 },
	{ 15600, 16900 },	/* 15600..17900 in two calls: the order-10 */
	{ 16900, 17900 },	/* block 16384..17407 must merge across them */
	{ 18290, 18400 },	/* ends past the zone: clamped to 18300 */
};

static void env_standard(struct env *e)
{
	env_init(e, ZSTART, ZEND);
	for (size_t i = 0; i < sizeof(std_ranges) / sizeof(std_ranges[0]); i++)
		env_release(e, std_ranges[i][0], std_ranges[i][1]);
}

/* Does the model hold a wholly free, aligned run of 2^order frames? */
static bool model_has_run(const struct env *e, unsigned int order)
{
	unsigned long sz = BLOCK(order);
	pfn_t p = (e->start + sz - 1) & ~(sz - 1);

	for (; p + sz <= e->end; p += sz) {
		unsigned long i;

		for (i = 0; i < sz; i++)
			if (e->st[p + i - e->start] != M_FREE)
				break;
		if (i == sz)
			return true;
	}
	return false;
}

static void push_alloc(struct env *e, pfn_t pfn, unsigned int order)
{
	if (e->nallocs == e->cap) {
		e->cap *= 2;
		e->allocs = realloc(e->allocs, e->cap * sizeof(*e->allocs));
		if (!e->allocs) {
			perror("realloc");
			exit(2);
		}
	}
	e->allocs[e->nallocs++] = (struct alloc_rec){ pfn, order };
}

/*
 * Allocate 2^order frames and check the block against the model. Returns
 * true if a block was handed out (and recorded), false on NULL or failure.
 */
static bool do_alloc(struct env *e, unsigned int order)
{
	struct page *p = buddy_alloc(&e->z, order);
	unsigned long sz = BLOCK(order);
	pfn_t pfn;

	if (!p) {
		EXPECT(!model_has_run(e, order),
		       "alloc order %u returned NULL but a free aligned run exists",
		       order);
		EXPECT(e->z.free_pages == e->nfree,
		       "free_pages %lu after failed alloc, model %lu",
		       e->z.free_pages, e->nfree);
		return false;
	}
	if (p < e->memmap || p >= e->memmap + (e->end - e->start)) {
		fail("alloc order %u returned page outside the memmap", order);
		return false;
	}
	pfn = buddy_page_to_pfn(&e->z, p);
	if (pfn & (sz - 1)) {
		fail("alloc order %u returned misaligned pfn %lu",
		     order, (unsigned long)pfn);
		return false;
	}
	if (pfn + sz > e->end) {
		fail("alloc order %u at pfn %lu runs past zone end %lu",
		     order, (unsigned long)pfn, (unsigned long)e->end);
		return false;
	}
	for (unsigned long i = 0; i < sz; i++) {
		unsigned char s = e->st[pfn + i - e->start];

		if (s != M_FREE) {
			fail("alloc order %u at pfn %lu: frame %lu is %s", order,
			     (unsigned long)pfn, (unsigned long)(pfn + i),
			     s == M_HOLE ? "a hole/reserved" : "already allocated");
			return false;
		}
	}
	EXPECT(p->refcount == 1, "allocated pfn %lu refcount %d",
	       (unsigned long)pfn, p->refcount);
	EXPECT(!page_test_flag(p, PG_buddy) && !page_test_flag(p, PG_reserved),
	       "allocated pfn %lu has flags %#lx", (unsigned long)pfn, p->flags);
	for (unsigned long i = 0; i < sz; i++)
		e->st[pfn + i - e->start] = M_USED;
	e->nfree -= sz;
	push_alloc(e, pfn, order);
	EXPECT(e->z.free_pages == e->nfree, "free_pages %lu after alloc, model %lu",
	       e->z.free_pages, e->nfree);
	return true;
}

/* Free the idx-th live allocation (swap-remove from the record list). */
static void do_free(struct env *e, size_t idx)
{
	struct alloc_rec r = e->allocs[idx];
	unsigned long sz = BLOCK(r.order);

	e->allocs[idx] = e->allocs[--e->nallocs];
	buddy_free(&e->z, buddy_pfn_to_page(&e->z, r.pfn), r.order);
	for (unsigned long i = 0; i < sz; i++)
		e->st[r.pfn + i - e->start] = M_FREE;
	e->nfree += sz;
	EXPECT(e->z.free_pages == e->nfree, "free_pages %lu after free, model %lu",
	       e->z.free_pages, e->nfree);
}

static void free_all_random(struct env *e)
{
	while (e->nallocs && !reason[0])
		do_free(e, rng_below(e->nallocs));
}

/*
 * The fully coalesced decomposition of the model's free set: head[i] is the
 * order of the free block starting at pfn start + i, or -1. Computed
 * bottom-up over absolute, MAX_ORDER-aligned block indices.
 */
static signed char *model_decomposition(const struct env *e)
{
	pfn_t base = e->start & ~(BLOCK(MAX_ORDER) - 1);
	unsigned long span = ((e->end - base) + BLOCK(MAX_ORDER) - 1) &
			     ~(BLOCK(MAX_ORDER) - 1);
	unsigned char *full[MAX_ORDER + 1];
	signed char *head = xcalloc(e->end - e->start, 1);

	memset(head, -1, e->end - e->start);
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		full[o] = xcalloc(span >> o, 1);
	for (unsigned long i = 0; i < span; i++) {
		pfn_t pfn = base + i;

		full[0][i] = pfn >= e->start && pfn < e->end &&
			     e->st[pfn - e->start] == M_FREE;
	}
	for (unsigned int o = 1; o <= MAX_ORDER; o++)
		for (unsigned long i = 0; i < (span >> o); i++)
			full[o][i] = full[o - 1][2 * i] && full[o - 1][2 * i + 1];
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		for (unsigned long i = 0; i < (span >> o); i++)
			if (full[o][i] && (o == MAX_ORDER || !full[o + 1][i / 2]))
				head[base + (i << o) - e->start] = (signed char)o;
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		free(full[o]);
	return head;
}

/*
 * Full consistency check: buddy_check(), counters, per-frame flags, and the
 * free lists equal to the model's coalesced decomposition, block by block.
 */
static void cross_check(struct env *e, const char *when)
{
	char why[256] = "";
	unsigned long nframes = e->end - e->start;
	signed char *head;
	unsigned char *seen;
	unsigned long listed = 0, expected = 0;

	if (reason[0])
		return;
	if (!buddy_check(&e->z, why, sizeof(why))) {
		fail("%s: buddy_check failed: %s", when, why);
		return;
	}
	EXPECT(e->z.free_pages == e->nfree, "%s: free_pages %lu, model %lu",
	       when, e->z.free_pages, e->nfree);
	EXPECT(e->z.managed_pages == e->managed, "%s: managed_pages %lu, model %lu",
	       when, e->z.managed_pages, e->managed);
	for (unsigned long i = 0; i < nframes && !reason[0]; i++) {
		bool resv = page_test_flag(&e->memmap[i], PG_reserved);

		EXPECT(resv == (e->st[i] == M_HOLE),
		       "%s: pfn %lu PG_reserved=%d but model state %d", when,
		       (unsigned long)(e->start + i), resv, e->st[i]);
	}
	head = model_decomposition(e);
	seen = xcalloc(nframes, 1);
	for (unsigned long i = 0; i < nframes; i++)
		expected += head[i] >= 0;
	for (unsigned int o = 0; o <= MAX_ORDER && !reason[0]; o++) {
		struct list_head *pos;
		unsigned long steps = 0;

		list_for_each(pos, &e->z.area[o].free_list) {
			struct page *p = list_entry(pos, struct page, lru);
			unsigned long i = (unsigned long)(p - e->memmap);

			if (++steps > nframes || p < e->memmap || i >= nframes) {
				fail("%s: order-%u list is corrupt", when, o);
				break;
			}
			if (seen[i]) {
				fail("%s: pfn %lu listed twice", when,
				     (unsigned long)(e->start + i));
				break;
			}
			seen[i] = 1;
			listed++;
			if (head[i] != (signed char)o) {
				fail("%s: free block pfn %lu order %u, coalesced model "
				     "says %d", when, (unsigned long)(e->start + i),
				     o, head[i]);
				break;
			}
		}
	}
	EXPECT(listed == expected, "%s: %lu free blocks listed, model expects %lu",
	       when, listed, expected);
	free(head);
	free(seen);
}

static void snapshot_nr_free(const struct buddy_zone *z, unsigned long *out)
{
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		out[o] = z->area[o].nr_free;
}

static void expect_nr_free(const struct buddy_zone *z, const unsigned long *want,
			   const char *when)
{
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		EXPECT(z->area[o].nr_free == want[o],
		       "%s: order %u has %lu free blocks, expected %lu",
		       when, o, z->area[o].nr_free, want[o]);
}

/* ---- tests -------------------------------------------------------------- */

static void t_init_reserves_everything(void)
{
	struct env e;

	env_init(&e, ZSTART, ZEND);
	EXPECT(e.z.free_pages == 0 && e.z.managed_pages == 0,
	       "fresh zone: free %lu managed %lu", e.z.free_pages,
	       e.z.managed_pages);
	for (unsigned long i = 0; i < ZEND - ZSTART && !reason[0]; i++)
		EXPECT(e.memmap[i].flags == 1ul << PG_reserved &&
		       e.memmap[i].refcount == 0 && e.memmap[i].order == 0,
		       "pfn %lu after init: flags %#lx refcount %d order %u",
		       ZSTART + i, e.memmap[i].flags, e.memmap[i].refcount,
		       e.memmap[i].order);
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		EXPECT(list_empty(&e.z.area[o].free_list) && !e.z.area[o].nr_free,
		       "fresh zone: order %u list not empty", o);
	EXPECT(buddy_alloc(&e.z, 0) == NULL, "alloc from an empty zone succeeded");
	cross_check(&e, "empty zone");
	env_destroy(&e);
}

static void t_release_ranges(void)
{
	struct env e;

	env_init(&e, ZSTART, ZEND);
	for (size_t i = 0; i < sizeof(std_ranges) / sizeof(std_ranges[0]); i++) {
		char when[64];

		env_release(&e, std_ranges[i][0], std_ranges[i][1]);
		snprintf(when, sizeof(when), "after releasing range %zu", i);
		cross_check(&e, when);
	}
	/* The model counted the clamped ranges; double-check the total. */
	EXPECT(e.nfree == 4 + 690 + 1 + 2400 + 1 + 1300 + 1000 + 10,
	       "test bug: model released %lu frames", e.nfree);
	/* 16384..17407 was released in two calls and must be one block. */
	struct page *p = buddy_pfn_to_page(&e.z, 16384);

	EXPECT(page_test_flag(p, PG_buddy) && p->order == MAX_ORDER,
	       "block 16384 not merged across release calls (flags %#lx order %u)",
	       p->flags, p->order);
	EXPECT(e.z.area[MAX_ORDER].nr_free == 3, "%lu order-%d blocks, expected 3",
	       e.z.area[MAX_ORDER].nr_free, MAX_ORDER);
	env_destroy(&e);
}

static void t_release_clamps_to_zone(void)
{
	struct env e;

	env_init(&e, 4096 + 3, 4096 + 3 + 100);
	buddy_release_range(&e.z, 0, 4096 + 3 + 10);
	EXPECT(e.z.free_pages == 10 && e.z.managed_pages == 10,
	       "release below zone: free %lu managed %lu (want 10)",
	       e.z.free_pages, e.z.managed_pages);
	buddy_release_range(&e.z, 4096 + 3 + 90, 1ul << 40);
	EXPECT(e.z.free_pages == 20 && e.z.managed_pages == 20,
	       "release past zone: free %lu managed %lu (want 20)",
	       e.z.free_pages, e.z.managed_pages);
	buddy_release_range(&e.z, 50, 60);		/* entirely below */
	buddy_release_range(&e.z, 1ul << 30, 1ul << 31);	/* entirely above */
	buddy_release_range(&e.z, 4096 + 50, 4096 + 50);	/* empty */
	EXPECT(e.z.free_pages == 20, "out-of-zone release changed free_pages to %lu",
	       e.z.free_pages);
	/* Bring the model in line (env_release clamps the same way). */
	for (unsigned long i = 0; i < 10; i++) {
		e.st[i] = M_FREE;
		e.st[90 + i] = M_FREE;
	}
	e.nfree = e.managed = 20;
	cross_check(&e, "after clamped releases");
	env_destroy(&e);
}

/* A zone holding exactly one order-MAX block, with reserved frames around. */
static void one_max_block_zone(struct env *e, pfn_t *blk)
{
	*blk = 5 * BLOCK(MAX_ORDER);
	env_init(e, *blk - 7, *blk + BLOCK(MAX_ORDER) + 9);
	env_release(e, *blk, *blk + BLOCK(MAX_ORDER));
}

static void t_split_and_coalesce(void)
{
	for (unsigned int order = 0; order <= MAX_ORDER && !reason[0]; order++) {
		struct env e;
		pfn_t blk;

		one_max_block_zone(&e, &blk);
		EXPECT(e.z.area[MAX_ORDER].nr_free == 1,
		       "one-block zone has %lu order-%d blocks",
		       e.z.area[MAX_ORDER].nr_free, MAX_ORDER);
		if (!do_alloc(&e, order)) {
			fail("alloc order %u from a lone order-%d block failed",
			     order, MAX_ORDER);
			env_destroy(&e);
			return;
		}
		/* Splitting leaves exactly one free block at each order below. */
		for (unsigned int o = 0; o <= MAX_ORDER; o++)
			EXPECT(e.z.area[o].nr_free == (o >= order && o < MAX_ORDER),
			       "after alloc order %u: order %u has %lu free blocks",
			       order, o, e.z.area[o].nr_free);
		EXPECT(e.z.free_pages == BLOCK(MAX_ORDER) - BLOCK(order),
		       "after alloc order %u: free_pages %lu", order,
		       e.z.free_pages);
		cross_check(&e, "after split");
		do_free(&e, 0);
		for (unsigned int o = 0; o <= MAX_ORDER; o++)
			EXPECT(e.z.area[o].nr_free == (o == MAX_ORDER),
			       "after free order %u: order %u has %lu free blocks",
			       order, o, e.z.area[o].nr_free);
		EXPECT(e.z.free_pages == BLOCK(MAX_ORDER),
		       "after free order %u: free_pages %lu", order,
		       e.z.free_pages);
		struct page *p = buddy_pfn_to_page(&e.z, blk);

		EXPECT(page_test_flag(p, PG_buddy) && p->order == MAX_ORDER,
		       "block at %lu not whole again after freeing order %u",
		       (unsigned long)blk, order);
		cross_check(&e, "after coalesce");
		env_destroy(&e);
	}
}

/* Split all the way down, then free the pieces in random order. */
static void t_coalesce_any_order(void)
{
	struct env e;
	pfn_t blk;

	rng_seed(0xc0a1e5ce);
	for (int round = 0; round < 20 && !reason[0]; round++) {
		one_max_block_zone(&e, &blk);
		while (do_alloc(&e, (unsigned int)rng_below(3)) && !reason[0])
			;
		EXPECT(e.z.free_pages < BLOCK(2),
		       "leftover %lu free pages", e.z.free_pages);
		while (do_alloc(&e, 0) && !reason[0])
			;
		EXPECT(e.z.free_pages == 0 && e.nallocs > 0,
		       "zone not exhausted: %lu free", e.z.free_pages);
		cross_check(&e, "exhausted");
		while (e.nallocs && !reason[0]) {
			do_free(&e, rng_below(e.nallocs));
			cross_check(&e, "while freeing");
		}
		EXPECT(e.z.area[MAX_ORDER].nr_free == 1,
		       "round %d: pieces did not coalesce into one block", round);
		env_destroy(&e);
	}
}

static void t_exhaustion(void)
{
	struct env e;
	unsigned long initial, nr_free0[MAX_ORDER + 1];

	rng_seed(42);
	env_standard(&e);
	initial = e.z.free_pages;
	snapshot_nr_free(&e.z, nr_free0);

	/* Order 3 until it fails: then no aligned free 8-run may remain. */
	while (do_alloc(&e, 3) && !reason[0])
		;
	cross_check(&e, "order-3 exhaustion");
	for (unsigned int o = 3; o <= MAX_ORDER; o++)
		EXPECT(buddy_alloc(&e.z, o) == NULL,
		       "alloc order %u succeeded after order 3 ran out", o);
	EXPECT(e.z.free_pages > 0, "the zone's odd edges should leave small blocks");

	/* The leftovers still serve smaller orders, down to the last frame. */
	while (do_alloc(&e, 0) && !reason[0])
		;
	EXPECT(e.z.free_pages == 0, "free_pages %lu after exhausting order 0",
	       e.z.free_pages);
	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		EXPECT(buddy_alloc(&e.z, o) == NULL,
		       "alloc order %u succeeded on a full zone", o);
		EXPECT(list_empty(&e.z.area[o].free_list) && !e.z.area[o].nr_free,
		       "full zone: order %u list not empty", o);
	}
	/* Repeated failures must not corrupt anything. */
	for (int i = 0; i < 100; i++)
		EXPECT(buddy_alloc(&e.z, (unsigned int)i % (MAX_ORDER + 1)) == NULL,
		       "alloc succeeded on a full zone (try %d)", i);
	cross_check(&e, "full zone");
	unsigned long used = 0;

	for (size_t i = 0; i < e.nallocs; i++)
		used += BLOCK(e.allocs[i].order);
	EXPECT(used == initial, "allocated %lu frames in all, released %lu",
	       used, initial);

	free_all_random(&e);
	cross_check(&e, "after freeing everything");
	EXPECT(e.z.free_pages == initial, "free_pages %lu, initially %lu",
	       e.z.free_pages, initial);
	expect_nr_free(&e.z, nr_free0, "after exhaustion and free");
	env_destroy(&e);
}

static void t_order_too_large(void)
{
	struct env e;
	unsigned long nr_free0[MAX_ORDER + 1], free0;
	const unsigned int bad[] = { MAX_ORDER + 1, MAX_ORDER + 2, 31, 32, 63, 64,
				     1000, UINT_MAX };

	env_standard(&e);
	free0 = e.z.free_pages;
	snapshot_nr_free(&e.z, nr_free0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT(buddy_alloc(&e.z, bad[i]) == NULL,
		       "alloc order %u did not return NULL", bad[i]);
	EXPECT(e.z.free_pages == free0, "free_pages changed: %lu -> %lu", free0,
	       e.z.free_pages);
	expect_nr_free(&e.z, nr_free0, "after oversized allocs");
	cross_check(&e, "after oversized allocs");
	/* MAX_ORDER itself is fine. */
	EXPECT(do_alloc(&e, MAX_ORDER), "alloc order MAX_ORDER failed");
	cross_check(&e, "after order-MAX alloc");
	env_destroy(&e);
}

static void t_free_drops_owner_flags(void)
{
	struct env e;

	env_standard(&e);
	for (unsigned int o = 0; o <= 4 && !reason[0]; o++) {
		if (!do_alloc(&e, o))
			break;
		struct page *p = buddy_pfn_to_page(&e.z, e.allocs[0].pfn);

		/* Pretend slab / large-kmalloc owned it. */
		page_set_flag(p, PG_slab);
		page_set_flag(p, PG_head);
		page_set_flag(p, PG_dirty);
		p->order = o;
		do_free(&e, 0);
		EXPECT(!(p->flags & ~((1ul << PG_buddy) | (1ul << PG_reserved))),
		       "freed page keeps owner flags %#lx", p->flags);
		EXPECT(p->refcount == 0, "freed page refcount %d", p->refcount);
		cross_check(&e, "after freeing a flagged page");
	}
	env_destroy(&e);
}

static void t_deterministic_sequence(void)
{
	struct env e;
	unsigned long nr_free0[MAX_ORDER + 1];

	rng_seed(7);
	env_standard(&e);
	snapshot_nr_free(&e.z, nr_free0);
	/* Every step fully checked: 3000 mixed operations. */
	for (int step = 0; step < 3000 && !reason[0]; step++) {
		if (e.nallocs && rng_below(100) < 45)
			do_free(&e, rng_below(e.nallocs));
		else
			do_alloc(&e, (unsigned int)rng_below(MAX_ORDER + 2));
		cross_check(&e, "step");
	}
	free_all_random(&e);
	cross_check(&e, "after freeing everything");
	expect_nr_free(&e.z, nr_free0, "after deterministic sequence");
	env_destroy(&e);
}

#define STORM_OPS		200000
#define STORM_CHECK_EVERY	50

static unsigned int storm_order(void)
{
	unsigned long r = rng_below(100);

	if (r < 50)
		return 0;
	if (r < 70)
		return 1 + (unsigned int)rng_below(2);		/* 1..2 */
	if (r < 90)
		return 3 + (unsigned int)rng_below(4);		/* 3..6 */
	if (r < 99)
		return 7 + (unsigned int)rng_below(MAX_ORDER - 6);	/* 7..MAX */
	return MAX_ORDER + 1 + (unsigned int)rng_below(3);	/* too big */
}

/* One storm operation: free or allocate, with the alloc share by phase. */
static void storm_step(struct env *e, long op, unsigned long *ok,
		       unsigned long *nulls)
{
	/* Phases shift the alloc/free balance to reach exhaustion too. */
	unsigned long phase = (unsigned long)(op / 4000) % 4;
	unsigned long alloc_pct = phase == 0 ? 70 : phase == 1 ? 40 :
				  phase == 2 ? 90 : 20;

	if (e->nallocs && rng_below(100) >= alloc_pct) {
		do_free(e, rng_below(e->nallocs));
	} else {
		unsigned int o = storm_order();

		if (o > MAX_ORDER) {
			EXPECT(buddy_alloc(&e->z, o) == NULL,
			       "op %ld: order %u allocated", op, o);
		} else if (do_alloc(e, o)) {
			ok[o]++;
		} else {
			(*nulls)++;
		}
	}
}

/* Check the drained zone @e is coalesced exactly like a fresh one. */
static void expect_like_fresh_zone(struct env *e)
{
	struct env fresh;
	unsigned long fresh_nr[MAX_ORDER + 1];

	/* Fully coalesced: the same per-order counts as a fresh zone. */
	env_standard(&fresh);
	snapshot_nr_free(&fresh.z, fresh_nr);
	expect_nr_free(&e->z, fresh_nr, "after storm vs fresh zone");
	for (unsigned long i = 0; i < ZEND - ZSTART && !reason[0]; i++) {
		const struct page *a = &e->memmap[i], *b = &fresh.memmap[i];
		bool ha = page_test_flag(a, PG_buddy), hb = page_test_flag(b, PG_buddy);

		EXPECT(ha == hb && (!ha || a->order == b->order),
		       "pfn %lu: block head %d/order %u vs fresh %d/order %u",
		       ZSTART + i, ha, a->order, hb, b->order);
	}
	env_destroy(&fresh);
}

static void t_storm(void)
{
	struct env e;
	unsigned long initial, nulls = 0, ok[MAX_ORDER + 1] = { 0 };

	rng_seed(0x5eed1234abcdull);
	env_standard(&e);
	initial = e.z.free_pages;
	for (long op = 0; op < STORM_OPS && !reason[0]; op++) {
		storm_step(&e, op, ok, &nulls);
		if (op % STORM_CHECK_EVERY == 0) {
			char when[48];

			snprintf(when, sizeof(when), "storm op %ld", op);
			cross_check(&e, when);
		}
	}
	cross_check(&e, "end of storm");
	/* Make sure the storm exercised what it is meant to. */
	EXPECT(nulls > 0, "storm never ran out of memory");
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		EXPECT(ok[o] > 0, "storm never allocated order %u", o);

	free_all_random(&e);
	cross_check(&e, "storm drained");
	EXPECT(e.z.free_pages == initial, "free_pages %lu after storm, initially %lu",
	       e.z.free_pages, initial);
	EXPECT(e.z.managed_pages == initial, "managed_pages changed to %lu",
	       e.z.managed_pages);
	expect_like_fresh_zone(&e);
	env_destroy(&e);
}

/* ---- buddy_check() must notice corruption ------------------------------- */

/* Assert buddy_check() fails with a sane, NUL-terminated reason. */
static void expect_check_fails(const struct buddy_zone *z, const char *what)
{
	char why[200];
	struct { char buf[12]; char after[8]; } box;

	memset(why, 0x7f, sizeof(why));
	if (buddy_check(z, why, sizeof(why))) {
		fail("buddy_check missed: %s", what);
		return;
	}
	EXPECT(memchr(why, 0, sizeof(why)) != NULL, "%s: reason not terminated", what);
	EXPECT(why[0] != 0 && why[0] != 0x7f, "%s: empty reason", what);
	/* A short buffer: truncated, terminated, nothing written past it. */
	memset(&box, 0x7f, sizeof(box));
	EXPECT(!buddy_check(z, box.buf, sizeof(box.buf)),
	       "%s: second check passed", what);
	EXPECT(box.buf[sizeof(box.buf) - 1] == 0 &&
	       strlen(box.buf) == sizeof(box.buf) - 1,
	       "%s: short reason not truncated to %zu chars", what,
	       sizeof(box.buf) - 1);
	EXPECT(!strncmp(box.buf, why, sizeof(box.buf) - 1),
	       "%s: short reason '%s' is not a prefix of '%s'", what, box.buf, why);
	for (size_t i = 0; i < sizeof(box.after); i++)
		EXPECT(box.after[i] == 0x7f, "%s: wrote past the reason buffer", what);
}

static void expect_check_ok(struct env *e, const char *what)
{
	char why[200] = "";

	EXPECT(buddy_check(&e->z, why, sizeof(why)),
	       "buddy_check fails after restoring %s: %s", what, why);
	cross_check(e, what);
}

/* First listed block of order >= min (NULL if none). */
static struct page *listed_block(struct buddy_zone *z, unsigned int min,
				 unsigned int *order)
{
	for (unsigned int o = min; o <= MAX_ORDER; o++)
		if (!list_empty(&z->area[o].free_list)) {
			*order = o;
			return list_first_entry(&z->area[o].free_list,
						struct page, lru);
		}
	return NULL;
}

/* Fragment @e a little so there are free blocks of many orders. */
static void fragment_zone(struct env *e)
{
	for (int i = 0; i < 300; i++)
		do_alloc(e, (unsigned int)rng_below(6));
	for (int i = 0; i < 100 && e->nallocs; i++)
		do_free(e, rng_below(e->nallocs));
	expect_check_ok(e, "baseline");
}

/* Corrupt the nr_free and free_pages counters; each must be noticed. */
static void corrupt_counters(struct env *e)
{
	/* 1. nr_free of one order off by one (both directions). */
	for (unsigned int o = 0; o <= MAX_ORDER && !reason[0]; o++) {
		e->z.area[o].nr_free++;
		expect_check_fails(&e->z, "nr_free bumped");
		e->z.area[o].nr_free -= 2;
		expect_check_fails(&e->z, "nr_free lowered");
		e->z.area[o].nr_free++;
	}
	expect_check_ok(e, "nr_free");

	/* 2. free_pages off by one. */
	e->z.free_pages++;
	expect_check_fails(&e->z, "free_pages bumped");
	e->z.free_pages--;
	expect_check_ok(e, "free_pages");
}

/* Corrupt the first listed block's PG_buddy and order; false if none. */
static bool corrupt_listed_block(struct env *e)
{
	struct page *p;
	unsigned int o;

	/* 3. PG_buddy cleared on a listed block. */
	p = listed_block(&e->z, 0, &o);
	if (!p) {
		fail("no free block to corrupt");
		return false;
	}
	page_clear_flag(p, PG_buddy);
	expect_check_fails(&e->z, "PG_buddy cleared on a listed block");
	page_set_flag(p, PG_buddy);
	expect_check_ok(e, "PG_buddy");

	/* 4. Wrong order recorded in a listed block. */
	p->order = o == MAX_ORDER ? 0 : o + 1;
	expect_check_fails(&e->z, "listed block with wrong order");
	p->order = o;
	expect_check_ok(e, "order field");
	return true;
}

/* 5. PG_buddy set on a frame inside a free block. */
static void corrupt_inner_frame(struct env *e)
{
	unsigned int o;
	struct page *p = listed_block(&e->z, 1, &o);

	if (p) {
		struct page *inner = p + BLOCK(o) - 1;

		page_set_flag(inner, PG_buddy);
		expect_check_fails(&e->z, "PG_buddy inside a free block");
		page_clear_flag(inner, PG_buddy);
		expect_check_ok(e, "inner PG_buddy");
	} else {
		fail("no free block of order >= 1 to corrupt");
	}
}

/* 6. Two free buddies left unmerged: split a block by hand. */
static void corrupt_unmerged_buddies(struct env *e)
{
	unsigned int o;
	struct page *p = listed_block(&e->z, 1, &o);

	if (p) {
		pfn_t pfn = buddy_page_to_pfn(&e->z, p);

		del_free_block(&e->z, p, o);
		add_free_block(&e->z, p, o - 1);
		add_free_block(&e->z, buddy_pfn_to_page(&e->z, pfn + BLOCK(o - 1)),
			       o - 1);
		expect_check_fails(&e->z, "two free buddies unmerged");
		del_free_block(&e->z, buddy_pfn_to_page(&e->z, pfn + BLOCK(o - 1)),
			       o - 1);
		del_free_block(&e->z, p, o - 1);
		add_free_block(&e->z, p, o);
		expect_check_ok(e, "unmerged buddies");
	}
}

/* 7. A misaligned block: an odd order-0 block moved to the order-1 list. */
static void corrupt_misaligned_block(struct env *e)
{
	struct list_head *pos;
	struct page *odd = NULL;

	list_for_each(pos, &e->z.area[0].free_list) {
		struct page *q = list_entry(pos, struct page, lru);

		if (buddy_page_to_pfn(&e->z, q) & 1) {
			odd = q;
			break;
		}
	}
	if (odd && buddy_page_to_pfn(&e->z, odd) + 1 < e->end) {
		del_free_block(&e->z, odd, 0);
		add_free_block(&e->z, odd, 1);
		e->z.free_pages += 1;	/* keep the totals consistent */
		expect_check_fails(&e->z, "misaligned block");
		e->z.free_pages -= 1;
		del_free_block(&e->z, odd, 1);
		add_free_block(&e->z, odd, 0);
		expect_check_ok(e, "misaligned block");
	} else {
		fail("no odd order-0 free block to corrupt");
	}
}

/* Random allocs and frees after the corruption tests, then drain. */
static void exercise_after_corruption(struct env *e)
{
	/* The allocator still works normally afterwards. */
	for (int i = 0; i < 500 && !reason[0]; i++) {
		if (e->nallocs && rng_below(2))
			do_free(e, rng_below(e->nallocs));
		else
			do_alloc(e, (unsigned int)rng_below(5));
	}
	free_all_random(e);
	cross_check(e, "after corruption tests");
}

static void t_check_detects_corruption(void)
{
	struct env e;

	rng_seed(99);
	env_standard(&e);
	fragment_zone(&e);
	corrupt_counters(&e);
	if (!corrupt_listed_block(&e)) {
		env_destroy(&e);
		return;
	}
	corrupt_inner_frame(&e);
	corrupt_unmerged_buddies(&e);
	corrupt_misaligned_block(&e);
	exercise_after_corruption(&e);
	env_destroy(&e);
}

int main(void)
{
	run("init_reserves_everything", t_init_reserves_everything);
	run("release_ranges", t_release_ranges);
	run("release_clamps_to_zone", t_release_clamps_to_zone);
	run("split_and_coalesce", t_split_and_coalesce);
	run("coalesce_any_order", t_coalesce_any_order);
	run("exhaustion", t_exhaustion);
	run("order_too_large", t_order_too_large);
	run("free_drops_owner_flags", t_free_drops_owner_flags);
	run("deterministic_sequence", t_deterministic_sequence);
	run("storm", t_storm);
	run("check_detects_corruption", t_check_detects_corruption);
	return failures ? 1 : 0;
}
