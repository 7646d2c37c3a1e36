/*
 * debug_alloc_ktest.c - in-kernel tests of the debug allocator
 * (debug_alloc=1, mm/debug_alloc.c and mm/slab_debug.c).
 *
 * Each bug test commits the bug on purpose - a write after free, a
 * one-byte overflow, a double free - with reports caught
 * (debug_alloc_catch_begin) instead of panicking, then checks that exactly
 * one report was made, what it says (the kind of bug, the offset, and the
 * call chain of the free or allocation that it names), and that the
 * detector left nothing broken behind. Objects come from a private cache,
 * so nobody else can be handed the object the test corrupts, and each
 * cache keeps one more object allocated so that its slab (and the page
 * under it) is not freed in the middle of the test. Page tests run with
 * interrupts off, so no other task can take the frame between the free and
 * the allocation that must get it back (Pagoda runs on one CPU).
 *
 * Without debug_alloc=1 on the command line every test is skipped; make
 * check boots with it (and the harness checks the boot line saying so).
 */
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "mm/debug_alloc.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include <arch/cpu.h>

#define NEED_DEBUG_ALLOC()						\
	do {								\
		if (!debug_alloc_on())					\
			KT_SKIP("debug_alloc=1 is not on the command line"); \
	} while (0)

static char msg[1024];

/* Frees through a frame of its own, so reports can be checked to name it. */
static __attribute__((noinline)) void dbg_test_free(struct kmem_cache *c, void *obj)
{
	kmem_cache_free(c, obj);
	barrier();		/* no tail call: keep this frame in the chain */
}

static __attribute__((noinline)) void dbg_test_free_page(struct page *p)
{
	free_page(p);
	barrier();
}

static bool all_bytes(const void *p, size_t n, unsigned char v)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != v)
			return false;
	return true;
}

KTEST(debug_alloc_on)
{
	NEED_DEBUG_ALLOC();
	KT_ASSERT(debug_page_table_bytes() >= max_pfn * 24);
	KT_ASSERT(kmalloc_cache_for(64)->debug);
	return KT_PASS;
}

/* The layout a clean alloc/free cycle leaves, and no report for it. */
KTEST(debug_alloc_slab_poison_layout)
{
	NEED_DEBUG_ALLOC();
	struct kmem_cache *c = kmem_cache_create("dbg_test", 60, 8);
	unsigned char *keep, *o, *k;

	KT_ASSERT(c != NULL);
	KT_ASSERT_EQ(c->free_off, 64 + 8);
	debug_alloc_catch_begin();
	keep = kmem_cache_alloc(c, GFP_KERNEL);
	o = kmem_cache_alloc(c, GFP_KERNEL);
	KT_ASSERT(keep && o);
	/* Fresh: still the poison, redzone "allocated" right after 60 bytes. */
	KT_ASSERT(all_bytes(o, 59, SLAB_POISON_FREE));
	KT_ASSERT(all_bytes(o + 60, c->free_off - 60, SLAB_RED_ACTIVE));
	memset(o, 0x11, 60);
	dbg_test_free(c, o);
	KT_ASSERT(all_bytes(o, 59, SLAB_POISON_FREE));
	KT_ASSERT_EQ(o[59], SLAB_POISON_END);
	KT_ASSERT(all_bytes(o + 60, c->free_off - 60, SLAB_RED_INACTIVE));
	/* kmalloc: the slack past the request is redzone too. */
	k = kmalloc(100, GFP_ZERO);
	KT_ASSERT(k != NULL);
	KT_ASSERT(all_bytes(k, 100, 0));
	KT_ASSERT_EQ(ksize(k), 100);
	KT_ASSERT(all_bytes(k + 100, 28 + 8, SLAB_RED_ACTIVE));
	kfree(k);
	kmem_cache_free(c, keep);
	KT_ASSERT_EQ(debug_alloc_catch_end(msg, sizeof(msg)), 0);
	KT_ASSERT_EQ(kmem_cache_destroy(c), 0);
	return KT_PASS;
}

/* (a) A write into a freed object is reported when it is handed out again. */
KTEST(debug_alloc_slab_use_after_free)
{
	NEED_DEBUG_ALLOC();
	struct kmem_cache *c = kmem_cache_create("dbg_test", 64, 8);
	unsigned char *keep, *o, *again;
	unsigned int n;

	KT_ASSERT(c != NULL);
	keep = kmem_cache_alloc(c, GFP_KERNEL);
	o = kmem_cache_alloc(c, GFP_KERNEL);
	KT_ASSERT(keep && o);
	dbg_test_free(c, o);
	o[10] = 0x42;				/* the bug */
	debug_alloc_catch_begin();
	again = kmem_cache_alloc(c, GFP_KERNEL);	/* LIFO: the same object */
	n = debug_alloc_catch_end(msg, sizeof(msg));
	KT_ASSERT(again == o);
	KT_ASSERT_EQ(n, 1);
	KT_ASSERT(strstr(msg, "BUG: use-after-free: slab object written after it was freed"));
	KT_ASSERT(strstr(msg, "cache dbg_test"));
	KT_ASSERT(strstr(msg, "first bad byte at offset 0xa"));
	KT_ASSERT(strstr(msg, "freed by pid"));
	KT_ASSERT(strstr(msg, "dbg_test_free+0x"));	/* the freeing chain */
	/* Handed out anyway; a clean free/alloc afterwards reports nothing. */
	debug_alloc_catch_begin();
	kmem_cache_free(c, again);
	again = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_free(c, again);
	kmem_cache_free(c, keep);
	KT_ASSERT_EQ(debug_alloc_catch_end(msg, sizeof(msg)), 0);
	KT_ASSERT_EQ(kmem_cache_destroy(c), 0);
	return KT_PASS;
}

/* (b) One byte past the object is caught on free, for a cache and for kmalloc. */
KTEST(debug_alloc_slab_redzone)
{
	NEED_DEBUG_ALLOC();
	struct kmem_cache *c = kmem_cache_create("dbg_test", 64, 8);
	unsigned char *keep, *o, *k;
	unsigned int n;

	KT_ASSERT(c != NULL);
	keep = kmem_cache_alloc(c, GFP_KERNEL);
	o = kmem_cache_alloc(c, GFP_KERNEL);
	KT_ASSERT(keep && o);
	o[64] = 0;				/* the bug: one byte too far */
	debug_alloc_catch_begin();
	dbg_test_free(c, o);
	n = debug_alloc_catch_end(msg, sizeof(msg));
	KT_ASSERT_EQ(n, 1);
	KT_ASSERT(strstr(msg, "BUG: slab redzone overwritten (0 bytes past the 64 asked for)"));
	KT_ASSERT(strstr(msg, "first bad byte at offset 0x40"));
	KT_ASSERT(strstr(msg, "ktest_fn_debug_alloc_slab_redzone+0x"));	/* allocated here */
	/* The free went ahead and repaired the redzone. */
	KT_ASSERT(all_bytes(o + 64, 8, SLAB_RED_INACTIVE));

	k = kmalloc(100, GFP_KERNEL);		/* kmalloc-128: 28 bytes of slack */
	KT_ASSERT(k != NULL);
	k[100] = 1;
	debug_alloc_catch_begin();
	kfree(k);
	n = debug_alloc_catch_end(msg, sizeof(msg));
	KT_ASSERT_EQ(n, 1);
	KT_ASSERT(strstr(msg, "(0 bytes past the 100 asked for)"));
	KT_ASSERT(strstr(msg, "cache kmalloc-128"));

	kmem_cache_free(c, keep);
	KT_ASSERT_EQ(kmem_cache_destroy(c), 0);
	return KT_PASS;
}

/* (c) Freeing a free object is reported with the first free's chain, and ignored. */
KTEST(debug_alloc_slab_double_free)
{
	NEED_DEBUG_ALLOC();
	struct kmem_cache *c = kmem_cache_create("dbg_test", 64, 8);
	unsigned char *keep, *o, *a, *b;
	unsigned long active;
	unsigned int n;

	KT_ASSERT(c != NULL);
	keep = kmem_cache_alloc(c, GFP_KERNEL);
	o = kmem_cache_alloc(c, GFP_KERNEL);
	KT_ASSERT(keep && o);
	dbg_test_free(c, o);
	active = c->active_objs;
	debug_alloc_catch_begin();
	kmem_cache_free(c, o);			/* the bug */
	n = debug_alloc_catch_end(msg, sizeof(msg));
	KT_ASSERT_EQ(n, 1);
	KT_ASSERT(strstr(msg, "BUG: slab double free: object already free"));
	KT_ASSERT(strstr(msg, "dbg_test_free+0x"));	/* the first free */
	/* Not pushed twice: the next two allocations are two objects. */
	KT_ASSERT_EQ(c->active_objs, active);
	a = kmem_cache_alloc(c, GFP_KERNEL);
	b = kmem_cache_alloc(c, GFP_KERNEL);
	KT_ASSERT(a == o && b != o);
	kmem_cache_free(c, a);
	kmem_cache_free(c, b);
	kmem_cache_free(c, keep);
	KT_ASSERT_EQ(kmem_cache_destroy(c), 0);
	return KT_PASS;
}

/* (d) A write into a freed frame is reported when the frame is allocated again. */
KTEST(debug_alloc_page_use_after_free)
{
	NEED_DEBUG_ALLOC();
	/*
	 * Free the second frame of an order-1 block while keeping the first:
	 * it goes to the head of this CPU's per-CPU list (interrupts are off,
	 * so nothing else takes it), where the next alloc_page() finds it.
	 */
	struct page *pair = alloc_pages(GFP_KERNEL, 1), *victim, *again;
	unsigned char *va;
	unsigned long irq;
	unsigned int n;
	bool poisoned;

	KT_ASSERT(pair != NULL);
	victim = pair + 1;
	va = page_address(victim);
	irq = arch_irq_save();
	dbg_test_free_page(victim);
	poisoned = all_bytes(va, PAGE_SIZE, PAGE_POISON);
	va[0x123] = 0x5a;			/* the bug */
	debug_alloc_catch_begin();
	again = alloc_page(GFP_KERNEL);
	n = debug_alloc_catch_end(msg, sizeof(msg));
	arch_irq_restore(irq);
	KT_ASSERT(poisoned);
	KT_ASSERT(again == victim);
	KT_ASSERT_EQ(n, 1);
	KT_ASSERT(strstr(msg, "BUG: use-after-free: page poison corrupted"));
	KT_ASSERT(strstr(msg, "first bad byte at offset 0x123"));
	KT_ASSERT(strstr(msg, " 5a"));
	KT_ASSERT(strstr(msg, "dbg_test_free_page+0x"));	/* the freeing chain */
	free_page(again);
	free_page(pair);
	return KT_PASS;
}

/* Freeing a free frame, and one put_page() too many, are reported and ignored. */
KTEST(debug_alloc_page_double_free)
{
	NEED_DEBUG_ALLOC();
	struct page *p = alloc_page(GFP_KERNEL);
	unsigned long irq, free_before;
	unsigned int n;

	KT_ASSERT(p != NULL);
	irq = arch_irq_save();
	dbg_test_free_page(p);
	free_before = pmm_free_pages();
	debug_alloc_catch_begin();
	free_page(p);				/* the bug */
	n = debug_alloc_catch_end(msg, sizeof(msg));
	KT_ASSERT_EQ(pmm_free_pages(), free_before);	/* not freed twice */
	arch_irq_restore(irq);
	KT_ASSERT_EQ(n, 1);
	KT_ASSERT(strstr(msg, "BUG: double free of page"));
	KT_ASSERT(strstr(msg, "dbg_test_free_page+0x"));

	/* A reference dropped once too often (the count is made 0 by hand). */
	p = alloc_page(GFP_KERNEL);
	KT_ASSERT(p != NULL);
	p->refcount = 0;
	debug_alloc_catch_begin();
	put_page(p);				/* the bug */
	n = debug_alloc_catch_end(msg, sizeof(msg));
	KT_ASSERT_EQ(n, 1);
	KT_ASSERT(strstr(msg, "BUG: put_page: refcount underflow"));
	KT_ASSERT_EQ(page_count(p), 0);		/* the put was undone */
	p->refcount = 1;
	free_page(p);
	return KT_PASS;
}

/* The leak scan counts live objects allocated after a mark, with their chains. */
KTEST(debug_alloc_leak_scan)
{
	NEED_DEBUG_ALLOC();
	struct kmem_cache *c = kmem_cache_create("dbg_test", 64, 8);
	struct slab_leak_report r;
	void *old, *obj[5];
	uint64_t mark;

	KT_ASSERT(c != NULL);
	old = kmem_cache_alloc(c, GFP_KERNEL);
	mark = slab_debug_seq();
	for (int i = 0; i < 5; i++)
		obj[i] = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_free(c, obj[1]);
	KT_ASSERT_EQ(slab_debug_leaks(c, mark, &r), 0);
	KT_ASSERT_EQ(r.count, 4);		/* not old, not the freed one */
	KT_ASSERT_EQ(r.nsamples, SLAB_LEAK_SAMPLES);
	for (unsigned int i = 0; i < r.nsamples; i++) {
		char chain[256];

		KT_ASSERT(r.sample[i].obj != old && r.sample[i].obj != obj[1]);
		dbg_stack_format(chain, sizeof(chain), &r.sample[i].alloc);
		/* (GCC may call the function ktest_fn_debug_alloc_leak_scan.part.0.) */
		KT_ASSERT(strncmp(chain, "ktest_fn_debug_alloc_leak_scan", 30) == 0);
	}
	for (int i = 0; i < 5; i++)
		if (i != 1)
			kmem_cache_free(c, obj[i]);
	KT_ASSERT_EQ(slab_debug_leaks(c, mark, &r), 0);
	KT_ASSERT_EQ(r.count, 0);
	kmem_cache_free(c, old);
	KT_ASSERT_EQ(kmem_cache_destroy(c), 0);
	return KT_PASS;
}
