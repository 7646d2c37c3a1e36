/*
 * buddy_ktest.c - the buddy algorithm itself, step by step (the buddy
 * lab, docs/labs/03-buddy.md): splitting in halves, merging with the
 * buddy, the zone's edges, order accounting, and buddy_check() noticing
 * broken invariants.
 *
 * The live allocator's free lists depend on everything that ran before,
 * so each test borrows one order-MAX block of real RAM (1024 frames,
 * 1024-aligned) and runs a private buddy zone over it, with a memmap of
 * its own; frames are named by their offset from the block's first pfn:
 *
 *   block:  [ 0 1 2 3 ... 1023 ]      rel = pfn - base
 *
 * Frames go into an empty zone one at a time through
 * buddy_release_range(), which frees them as the allocator frees any
 * block: the tests of merging need no working split. The host test
 * (tests/host/buddy_test.c) checks the same code against a model.
 */
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "mm/buddy.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

#define FRAMES		(1u << MAX_ORDER)

/* A private zone over a borrowed order-MAX block. */
struct test_zone {
	struct buddy_zone z;
	struct page *block;	/* borrowed from the live allocator */
	struct page *memmap;	/* FRAMES struct pages: memmap[rel] describes base + rel */
	pfn_t base;
};

/* One expected free block: its first frame (rel) and its order. */
struct blk {
	unsigned int rel, order;
};

static uint32_t rng = 0x2545f491;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void tz_fini(struct test_zone *t)
{
	if (t->memmap)
		kfree(t->memmap);
	if (t->block)
		free_pages(t->block, MAX_ORDER);
}

/*
 * Borrow a block and make the empty zone [base + lo, base + hi) over it:
 * nothing released yet, every struct page of the block zeroed first (so
 * that those outside the zone are plain, known frames).
 */
static bool tz_init(struct test_zone *t, unsigned int lo, unsigned int hi)
{
	t->block = alloc_pages(GFP_KERNEL, MAX_ORDER);
	t->memmap = kmalloc(FRAMES * sizeof(struct page), GFP_KERNEL);
	if (!t->block || !t->memmap) {
		tz_fini(t);
		ktest_fail_reason(__FILE__, __LINE__, "no memory for a private zone");
		return false;
	}
	memset(t->memmap, 0, FRAMES * sizeof(struct page));
	for (unsigned int i = 0; i < FRAMES; i++)
		INIT_LIST_HEAD(&t->memmap[i].lru);
	t->base = page_to_pfn(t->block);
	buddy_init(&t->z, t->memmap + lo, t->base + lo, t->base + hi);
	return true;
}

/* A zone of the whole block, released at once: one free order-MAX block. */
static bool tz_init_full(struct test_zone *t)
{
	if (!tz_init(t, 0, FRAMES))
		return false;
	buddy_release_range(&t->z, t->base, t->base + FRAMES);
	return true;
}

/* Give frame @rel to the zone (it is freed as an order-0 block). */
static void tz_release(struct test_zone *t, unsigned int rel)
{
	buddy_release_range(&t->z, t->base + rel, t->base + rel + 1);
}

static unsigned int rel_of(struct test_zone *t, const struct page *p)
{
	return buddy_page_to_pfn(&t->z, p) - t->base;
}

/* Is (@rel, @order) one of the @n blocks of @want? */
static bool wanted_blk(const struct blk *want, unsigned int n, unsigned int rel,
		       unsigned int order)
{
	for (unsigned int i = 0; i < n; i++)
		if (want[i].rel == rel && want[i].order == order)
			return true;
	return false;
}

/*
 * The free lists must hold exactly the @n blocks of @want, each on the
 * list of its order with PG_buddy and its order on its first frame, and
 * nr_free and free_pages must agree. Reason recorded when not.
 */
static bool expect_blocks(struct test_zone *t, const struct blk *want, unsigned int n,
			  int line)
{
	unsigned long frames = 0;
	unsigned int seen = 0;

	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		unsigned long listed = 0, wanted = 0;
		struct page *p;

		list_for_each_entry(p, &t->z.area[o].free_list, lru) {
			unsigned int rel = rel_of(t, p);

			if (!wanted_blk(want, n, rel, o) || !page_test_flag(p, PG_buddy) ||
			    p->order != o) {
				ktest_fail_reason(__FILE__, line, "unexpected free block at +%u, "
						  "order %u (PG_buddy %d, order field %u)", rel, o,
						  page_test_flag(p, PG_buddy), p->order);
				return false;
			}
			if (++listed > FRAMES)
				break;		/* a corrupt list: do not loop forever */
		}
		for (unsigned int i = 0; i < n; i++)
			wanted += want[i].order == o;
		if (listed != wanted || t->z.area[o].nr_free != wanted) {
			ktest_fail_reason(__FILE__, line, "order %u: %lu blocks listed, nr_free %lu, "
					  "want %lu", o, listed, t->z.area[o].nr_free, wanted);
			return false;
		}
		seen += listed;
		frames += listed << o;
	}
	if (seen != n || t->z.free_pages != frames) {
		ktest_fail_reason(__FILE__, line, "%u blocks, free_pages %lu for %lu listed frames",
				  seen, t->z.free_pages, frames);
		return false;
	}
	return true;
}

#define EXPECT_BLOCKS(t, ...) do {						\
	static const struct blk want_[] = { __VA_ARGS__ };			\
	if (!expect_blocks((t), want_, ARRAY_SIZE(want_), __LINE__))		\
		goto out;							\
} while (0)

/* The free block of order @o at +2^o (what splitting off frame 0 leaves). */
#define HALF(o)		{ 1u << (o), (o) }

/* KT_ASSERT and KT_ASSERT_EQ that give the borrowed block back on failure. */
#define TZ_ASSERT(cond) do {							\
	if (!(cond)) {								\
		ktest_fail_reason(__FILE__, __LINE__, "%s", #cond);		\
		goto out;							\
	}									\
} while (0)

#define TZ_ASSERT_EQ(a, b) do {							\
	long long a_ = (long long)(a), b_ = (long long)(b);			\
	if (a_ != b_) {								\
		ktest_fail_reason(__FILE__, __LINE__, "%s == %s (%lld != %lld)",	\
				  #a, #b, a_, b_);				\
		goto out;							\
	}									\
} while (0)

/*
 * Taking one frame from a free 1024-frame block splits it in halves down
 * to order 0, giving back the upper half at each level: one free block of
 * every order 0..9, the block of order o at +2^o. The next requests are
 * served from the smallest block that fits, without splitting more.
 */
KTEST(buddy_split_halves)
{
	struct test_zone t = { 0 };
	enum ktest_result r = KT_FAIL;
	struct page *p;

	if (!tz_init_full(&t))
		return KT_FAIL;
	EXPECT_BLOCKS(&t, { 0, MAX_ORDER });
	p = buddy_alloc(&t.z, 0);
	TZ_ASSERT(p != NULL);
	TZ_ASSERT_EQ(rel_of(&t, p), 0);
	TZ_ASSERT_EQ(p->refcount, 1);
	EXPECT_BLOCKS(&t, { 1, 0 }, { 2, 1 }, { 4, 2 }, { 8, 3 }, { 16, 4 }, { 32, 5 },
		      { 64, 6 }, { 128, 7 }, { 256, 8 }, { 512, 9 });
	/* The order-0 block left over is the next frame handed out... */
	p = buddy_alloc(&t.z, 0);
	TZ_ASSERT(p != NULL);
	TZ_ASSERT_EQ(rel_of(&t, p), 1);
	/* ...and an order-2 and an order-1 request take theirs, whole. */
	p = buddy_alloc(&t.z, 2);
	TZ_ASSERT(p != NULL);
	TZ_ASSERT_EQ(rel_of(&t, p), 4);
	p = buddy_alloc(&t.z, 1);
	TZ_ASSERT(p != NULL);
	TZ_ASSERT_EQ(rel_of(&t, p), 2);
	EXPECT_BLOCKS(&t, { 8, 3 }, { 16, 4 }, { 32, 5 }, { 64, 6 }, { 128, 7 }, { 256, 8 },
		      { 512, 9 });
	/* Order 1 again: the order-3 block splits (into 1 and 2 at +10, +12). */
	p = buddy_alloc(&t.z, 1);
	TZ_ASSERT(p != NULL);
	TZ_ASSERT_EQ(rel_of(&t, p), 8);
	EXPECT_BLOCKS(&t, { 10, 1 }, { 12, 2 }, { 16, 4 }, { 32, 5 }, { 64, 6 }, { 128, 7 },
		      { 256, 8 }, { 512, 9 });
	p = buddy_alloc(&t.z, 9);
	TZ_ASSERT(p != NULL);
	TZ_ASSERT_EQ(rel_of(&t, p), 512);
	TZ_ASSERT(buddy_alloc(&t.z, 9) == NULL);
	TZ_ASSERT(buddy_alloc(&t.z, MAX_ORDER + 1) == NULL);
	TZ_ASSERT_EQ(t.z.free_pages, FRAMES - 1 - 1 - 4 - 2 - 2 - 512);
	r = KT_PASS;
out:
	tz_fini(&t);
	return r;
}

/* Shuffle @v[0..n) (Fisher-Yates). */
static void shuffle(unsigned int *v, unsigned int n)
{
	for (unsigned int i = n - 1; i > 0; i--) {
		unsigned int j = rnd() % (i + 1), x = v[i];

		v[i] = v[j];
		v[j] = x;
	}
}

/*
 * Freed frames merge with their buddy (rel ^ 2^order) while it is a free
 * block of the same order, upwards: a free neighbour of another order, or
 * a neighbour that is not the buddy, does not merge.
 */
KTEST(buddy_merge_pairs)
{
	static unsigned int rest[FRAMES];
	struct test_zone t = { 0 };
	enum ktest_result r = KT_FAIL;
	unsigned int n = 0;

	if (!tz_init(&t, 0, FRAMES))
		return KT_FAIL;
	tz_release(&t, 0);
	EXPECT_BLOCKS(&t, { 0, 0 });
	tz_release(&t, 1);				/* 0's buddy: merge */
	EXPECT_BLOCKS(&t, { 0, 1 });
	tz_release(&t, 2);				/* [0,1]'s buddy, but order 0 */
	EXPECT_BLOCKS(&t, { 0, 1 }, { 2, 0 });
	tz_release(&t, 3);				/* 3+2, then +[0,1] */
	EXPECT_BLOCKS(&t, { 0, 2 });
	tz_release(&t, 6);
	tz_release(&t, 5);				/* 6 is a neighbour, not its buddy */
	EXPECT_BLOCKS(&t, { 0, 2 }, { 5, 0 }, { 6, 0 });
	tz_release(&t, 4);				/* 4+5; [4,5]'s buddy 6 is order 0 */
	EXPECT_BLOCKS(&t, { 0, 2 }, { 4, 1 }, { 6, 0 });
	tz_release(&t, 7);				/* three merges in a row */
	EXPECT_BLOCKS(&t, { 0, 3 });
	/* Everything else in random order: one block of 1024 in the end. */
	for (unsigned int rel = 8; rel < FRAMES; rel++)
		rest[n++] = rel;
	shuffle(rest, n);
	for (unsigned int i = 0; i < n; i++)
		tz_release(&t, rest[i]);
	EXPECT_BLOCKS(&t, { 0, MAX_ORDER });
	TZ_ASSERT_EQ(t.z.free_pages, FRAMES);
	r = KT_PASS;
out:
	tz_fini(&t);
	return r;
}

/* Make the frame at @rel (outside the zone) look like a free block of @order. */
static void plant_decoy(struct test_zone *t, unsigned int rel, unsigned int order)
{
	__page_set_flag(&t->memmap[rel], PG_buddy);
	t->memmap[rel].order = order;
}

/*
 * A buddy outside the zone never merges, even when its struct page looks
 * free: a zone's edges need not be aligned to 2^MAX_ORDER, and the frames
 * beyond them belong to someone else (a decoy page says PG_buddy there).
 */
KTEST(buddy_merge_edges)
{
	static unsigned int rels[FRAMES];
	struct test_zone t = { 0 };
	enum ktest_result r = KT_FAIL;

	/* Three frames [0, 3): frame 2's buddy, 3, is beyond the end. */
	if (!tz_init(&t, 0, 3))
		return KT_FAIL;
	plant_decoy(&t, 3, 0);
	tz_release(&t, 2);
	tz_release(&t, 0);
	tz_release(&t, 1);
	EXPECT_BLOCKS(&t, { 0, 1 }, { 2, 0 });
	tz_fini(&t);

	/* [1, 1024): frame 0 is outside, the first of every buddy pair up. */
	memset(&t, 0, sizeof(t));
	if (!tz_init(&t, 1, FRAMES))
		return KT_FAIL;
	plant_decoy(&t, 0, 0);
	for (unsigned int i = 0; i < FRAMES - 1; i++)
		rels[i] = i + 1;
	shuffle(rels, FRAMES - 1);
	for (unsigned int i = 0; i < FRAMES - 1; i++)
		tz_release(&t, rels[i]);
	EXPECT_BLOCKS(&t, { 1, 0 }, HALF(1), HALF(2), HALF(3), HALF(4), HALF(5), HALF(6),
		      HALF(7), HALF(8), HALF(9));
	r = KT_PASS;
out:
	tz_fini(&t);
	return r;
}

/* Are the free lists of @t consistent with free_pages, every block aligned? */
static bool lists_add_up(struct test_zone *t, unsigned int step)
{
	unsigned long frames = 0;

	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		unsigned long n = 0;
		struct page *p;

		list_for_each_entry(p, &t->z.area[o].free_list, lru) {
			if (rel_of(t, p) & ((1u << o) - 1) || !page_test_flag(p, PG_buddy) ||
			    p->order != o || ++n > FRAMES) {
				ktest_fail_reason(__FILE__, __LINE__, "step %u: bad free block at +%u "
						  "on the order-%u list", step, rel_of(t, p), o);
				return false;
			}
		}
		if (n != t->z.area[o].nr_free) {
			ktest_fail_reason(__FILE__, __LINE__, "step %u: order %u lists %lu, "
					  "nr_free %lu", step, o, n, t->z.area[o].nr_free);
			return false;
		}
		frames += n << o;
	}
	if (frames != t->z.free_pages) {
		ktest_fail_reason(__FILE__, __LINE__, "step %u: lists hold %lu frames, "
				  "free_pages %lu", step, frames, t->z.free_pages);
		return false;
	}
	return true;
}

/*
 * Mixed orders through buddy_alloc()/buddy_free(): every block aligned to
 * its order, no two overlapping, free_pages exact after every step, and
 * all of it back as one block when everything is freed.
 */
KTEST(buddy_order_counts)
{
	static const unsigned int orders[] = { 3, 0, 5, 1, 0, 2, 7, 0, 4, 1, 6, 0, 2, 8, 3, 0 };
	const unsigned int n = ARRAY_SIZE(orders);
	struct page *got[ARRAY_SIZE(orders)];
	unsigned int idx[ARRAY_SIZE(orders)];
	struct test_zone t = { 0 };
	enum ktest_result r = KT_FAIL;
	unsigned long used = 0;

	if (!tz_init_full(&t))
		return KT_FAIL;
	for (unsigned int i = 0; i < n; i++) {
		unsigned int rel;

		got[i] = buddy_alloc(&t.z, orders[i]);
		if (!got[i]) {
			ktest_fail_reason(__FILE__, __LINE__, "order %u: no block", orders[i]);
			goto out;
		}
		rel = rel_of(&t, got[i]);
		used += 1ul << orders[i];
		if (rel & ((1u << orders[i]) - 1)) {
			ktest_fail_reason(__FILE__, __LINE__, "order-%u block at +%u: misaligned",
					  orders[i], rel);
			goto out;
		}
		for (unsigned int j = 0; j < i; j++) {
			unsigned int a = rel_of(&t, got[j]);

			if (rel < a + (1u << orders[j]) && a < rel + (1u << orders[i])) {
				ktest_fail_reason(__FILE__, __LINE__, "blocks +%u (order %u) and +%u "
						  "(order %u) overlap", rel, orders[i], a, orders[j]);
				goto out;
			}
		}
		if (t.z.free_pages != FRAMES - used || !lists_add_up(&t, i))
			goto out;
	}
	for (unsigned int i = 0; i < n; i++)
		idx[i] = i;
	shuffle(idx, n);
	for (unsigned int i = 0; i < n; i++) {
		buddy_free(&t.z, got[idx[i]], orders[idx[i]]);
		used -= 1ul << orders[idx[i]];
		if (t.z.free_pages != FRAMES - used || !lists_add_up(&t, n + i))
			goto out;
	}
	EXPECT_BLOCKS(&t, { 0, MAX_ORDER });
	r = KT_PASS;
out:
	tz_fini(&t);
	return r;
}

/* Does buddy_check() refuse @t's state, with a reason? */
static bool check_refuses(struct test_zone *t, const char *what)
{
	char why[128];

	why[0] = 0;
	if (buddy_check(&t->z, why, sizeof(why)) || !why[0]) {
		ktest_fail_reason(__FILE__, __LINE__, "buddy_check missed %s", what);
		return false;
	}
	return true;
}

static bool check_accepts(struct test_zone *t, const char *what)
{
	char why[128] = "";

	if (!buddy_check(&t->z, why, sizeof(why))) {
		ktest_fail_reason(__FILE__, __LINE__, "buddy_check refused %s: %s", what, why);
		return false;
	}
	return true;
}

/* The first listed block of order @o (the zone has one: see below). */
static struct page *first_of(struct test_zone *t, unsigned int o)
{
	return list_first_entry(&t->z.area[o].free_list, struct page, lru);
}

/*
 * buddy_check() against each invariant broken on purpose (and mended
 * after): counts, flags, order fields, alignment, a flag inside a block,
 * two free buddies left apart. The zone: frames [2, 1024) released at
 * once - the largest aligned blocks, which no merge could make larger -
 * so one free block of every order 1..9 is listed (no split or merge
 * needed to get there).
 */
KTEST(buddy_check_corrupt)
{
	struct test_zone t = { 0 };
	enum ktest_result r = KT_FAIL;
	struct page *p, *q;

	if (!tz_init(&t, 0, FRAMES))
		return KT_FAIL;
	buddy_release_range(&t.z, t.base + 2, t.base + FRAMES);
	EXPECT_BLOCKS(&t, HALF(1), HALF(2), HALF(3), HALF(4), HALF(5), HALF(6), HALF(7),
		      HALF(8), HALF(9));
	if (!check_accepts(&t, "a consistent zone"))
		goto out;

	t.z.area[3].nr_free++;
	if (!check_refuses(&t, "nr_free one too high"))
		goto out;
	t.z.area[3].nr_free -= 2;
	if (!check_refuses(&t, "nr_free one too low"))
		goto out;
	t.z.area[3].nr_free++;
	t.z.free_pages--;
	if (!check_refuses(&t, "free_pages one too low"))
		goto out;
	t.z.free_pages++;

	p = first_of(&t, 2);				/* [4..7] */
	__page_clear_flag(p, PG_buddy);
	if (!check_refuses(&t, "a listed block without PG_buddy"))
		goto out;
	__page_set_flag(p, PG_buddy);
	p->order = 3;
	if (!check_refuses(&t, "a listed block whose order field is wrong"))
		goto out;
	p->order = 2;

	__page_set_flag(p + 2, PG_buddy);		/* frame 6, inside [4..7] */
	(p + 2)->order = 1;
	if (!check_refuses(&t, "PG_buddy inside a free block"))
		goto out;
	__page_clear_flag(p + 2, PG_buddy);

	/* [2,3] (order 1) moved up one frame: listed at 3, misaligned. */
	q = first_of(&t, 1);
	list_del(&q->lru);
	__page_clear_flag(q, PG_buddy);
	__page_set_flag(q + 1, PG_buddy);
	(q + 1)->order = 1;
	list_add(&(q + 1)->lru, &t.z.area[1].free_list);
	if (!check_refuses(&t, "a misaligned block"))
		goto out;
	list_del(&(q + 1)->lru);
	__page_clear_flag(q + 1, PG_buddy);
	__page_set_flag(q, PG_buddy);
	list_add(&q->lru, &t.z.area[1].free_list);

	/* [2,3] as two order-0 blocks, buddies both free: not merged. */
	list_del(&q->lru);
	t.z.area[1].nr_free--;
	q->order = 0;
	__page_set_flag(q + 1, PG_buddy);
	(q + 1)->order = 0;
	list_add(&q->lru, &t.z.area[0].free_list);
	list_add(&(q + 1)->lru, &t.z.area[0].free_list);
	t.z.area[0].nr_free += 2;
	if (!check_refuses(&t, "two free buddies left unmerged"))
		goto out;
	list_del(&q->lru);
	list_del(&(q + 1)->lru);
	t.z.area[0].nr_free -= 2;
	__page_clear_flag(q + 1, PG_buddy);
	q->order = 1;
	list_add(&q->lru, &t.z.area[1].free_list);
	t.z.area[1].nr_free++;

	if (check_accepts(&t, "the zone mended"))
		r = KT_PASS;
out:
	tz_fini(&t);
	return r;
}
