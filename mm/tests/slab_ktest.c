/*
 * slab_ktest.c - in-kernel tests of the slab allocator and kmalloc.
 *
 * Every kmalloc size class is exercised at its exact size and one byte
 * above the previous class; objects must be distinct, aligned, writable
 * without disturbing their neighbours, and all counters must return to
 * their starting values when everything is freed.
 */
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "kernel/errno.h"

#define NOBJ	40

static enum ktest_result exercise(size_t size, size_t expect_class)
{
	static void *obj[NOBJ];
	struct kmem_cache *c = kmalloc_cache_for(size);
	unsigned long active = c ? c->active_objs : 0;

	if (expect_class)
		KT_ASSERT(c && c->object_size == expect_class);
	else
		KT_ASSERT(c == NULL);
	for (int i = 0; i < NOBJ; i++) {
		obj[i] = kmalloc(size, GFP_KERNEL);
		KT_ASSERT(obj[i] != NULL);
		KT_ASSERT(ksize(obj[i]) >= size);
		/* Power-of-two classes are naturally aligned (up to a page). */
		if (expect_class && !(expect_class & (expect_class - 1)))
			KT_ASSERT(IS_ALIGNED((uintptr_t)obj[i], MIN(expect_class, PAGE_SIZE)));
		KT_ASSERT(IS_ALIGNED((uintptr_t)obj[i], 8));
		memset(obj[i], i + 1, size);
	}
	for (int i = 0; i < NOBJ; i++) {
		unsigned char *b = obj[i];

		for (size_t k = 0; k < size; k += (size > 64 ? 61 : 1))
			KT_ASSERT_EQ(b[k], i + 1);
		KT_ASSERT_EQ(b[size - 1], i + 1);
	}
	if (c)
		KT_ASSERT_EQ(c->active_objs, active + NOBJ);
	for (int i = 0; i < NOBJ; i++)
		kfree(obj[i]);
	if (c)
		KT_ASSERT_EQ(c->active_objs, active);
	return KT_PASS;
}

KTEST(kmalloc_size_classes)
{
	static const size_t classes[] = {
		8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
	};
	unsigned long free_before;
	size_t prev = 0;

	free_before = pmm_free_pages();
	for (unsigned int i = 0; i < ARRAY_SIZE(classes); i++) {
		if (exercise(classes[i], classes[i]) != KT_PASS)
			return KT_FAIL;
		if (exercise(prev + 1, classes[i]) != KT_PASS)
			return KT_FAIL;
		prev = classes[i];
	}
	/* Beyond the largest class: whole pages from the buddy. */
	if (exercise(8193, 0) != KT_PASS || exercise(100000, 0) != KT_PASS)
		return KT_FAIL;
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	KT_ASSERT(kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	kfree(ZERO_SIZE_PTR);
	kfree(NULL);
	return KT_PASS;
}

KTEST(kmalloc_zeroed)
{
	for (int round = 0; round < 4; round++) {
		unsigned char *p = kmalloc(200, GFP_KERNEL);

		KT_ASSERT(p != NULL);
		memset(p, 0xa5, 200);
		kfree(p);
		p = kzalloc(200);
		KT_ASSERT(p != NULL);
		for (int i = 0; i < 200; i++)
			KT_ASSERT_EQ(p[i], 0);
		kfree(p);
	}
	return KT_PASS;
}

struct test_obj {
	uint64_t a, b, c;
	char name[13];
};

KTEST(kmem_cache_named)
{
	struct kmem_cache *c = kmem_cache_create("ktest_obj", sizeof(struct test_obj), 16);
	struct test_obj *o[100];

	KT_ASSERT(c != NULL);
	KT_ASSERT(strcmp(c->name, "ktest_obj") == 0);
	KT_ASSERT(c->size >= sizeof(struct test_obj) && IS_ALIGNED(c->size, 16));
	for (int i = 0; i < 100; i++) {
		o[i] = kmem_cache_alloc(c, GFP_ZERO);
		KT_ASSERT(o[i] != NULL);
		KT_ASSERT(IS_ALIGNED((uintptr_t)o[i], 16));
		KT_ASSERT_EQ(o[i]->a | o[i]->b | o[i]->c, 0);
		o[i]->a = i;
	}
	KT_ASSERT_EQ(c->active_objs, 100);
	KT_ASSERT(c->nr_slabs >= 100 / c->objs_per_slab);
	for (int i = 0; i < 100; i++)
		KT_ASSERT_EQ(o[i]->a, i);
	KT_ASSERT_EQ(kmem_cache_destroy(c), -EBUSY);
	for (int i = 0; i < 100; i++)
		kmem_cache_free(c, o[i]);
	KT_ASSERT_EQ(c->active_objs, 0);
	KT_ASSERT_EQ(kmem_cache_destroy(c), 0);
	KT_ASSERT(kmem_cache_create("bad", 0, 8) == NULL);
	KT_ASSERT(kmem_cache_create("bad", 64, 3) == NULL);
	return KT_PASS;
}
