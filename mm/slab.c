/*
 * slab.c - a simple slab allocator: caches of equal-sized objects carved
 * from buddy pages, and kmalloc on top.
 *
 * A slab is 2^order frames holding objs_per_slab objects back to back.
 * Free objects form a singly linked list threaded through their first
 * word; the list head lives in the first frame's struct page (freelist),
 * with the in-use count (inuse). Every frame of a slab has PG_slab,
 * slab_cache = its cache and mapping = the slab's first struct page, so
 * kfree() finds everything from any object address in O(1).
 *
 *   slab (order 0, size 512):  [obj0][obj1]...[obj7]
 *   page->freelist -> obj5 -> obj2 -> NULL      (free objects only)
 *
 * Slabs move between two lists, partial (some free) and full (none free);
 * a slab whose last object is freed goes straight back to the buddy, so
 * the free-frame count returns exactly to where it was once every object
 * is freed (the user tests check this after every run).
 * Freed memory is poisoned with 0x6b after the link word, so a
 * use-after-free reads obviously wrong values.
 *
 * Lock order: cache->lock, then the zone lock (alloc_pages) inside it.
 */
#include "mm/slab.h"
#include "mm/page_alloc.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/printk.h"

#define POISON_FREE	0x6b

static LIST_HEAD(slab_caches);
static spinlock_t caches_lock = SPINLOCK_INIT;
static struct kmem_cache cache_cache;	/* the cache of struct kmem_cache */

static const size_t kmalloc_sizes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};
static struct kmem_cache kmalloc_caches[ARRAY_SIZE(kmalloc_sizes)];
static const char *const kmalloc_names[] = {
	"kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-96",
	"kmalloc-128", "kmalloc-192", "kmalloc-256", "kmalloc-512",
	"kmalloc-1k", "kmalloc-2k", "kmalloc-4k", "kmalloc-8k",
};

static void cache_setup(struct kmem_cache *c, const char *name, size_t size, size_t align)
{
	memset(c, 0, sizeof(*c));
	strlcpy(c->name, name, sizeof(c->name));
	c->object_size = size;
	c->align = align;
	c->size = ALIGN_UP(MAX(size, sizeof(void *)), align);
	/* Smallest slab that holds at least 4 objects (order 0 for <= 1 KiB). */
	while ((PAGE_SIZE << c->order) / c->size < 4 && c->order < 3)
		c->order++;
	c->objs_per_slab = (PAGE_SIZE << c->order) / c->size;
	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->partial);
	INIT_LIST_HEAD(&c->full);
	unsigned long f = spin_lock_irqsave(&caches_lock);

	list_add_tail(&c->list, &slab_caches);
	spin_unlock_irqrestore(&caches_lock, f);
}

void slab_init(void)
{
	cache_setup(&cache_cache, "kmem_cache", sizeof(struct kmem_cache), 64);
	for (unsigned int i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++) {
		size_t sz = kmalloc_sizes[i];
		/* Power-of-two classes are naturally aligned; 96/192 to 32. */
		size_t align = (sz & (sz - 1)) ? 32 : MIN(sz, PAGE_SIZE);

		cache_setup(&kmalloc_caches[i], kmalloc_names[i], sz, align);
	}
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align)
{
	struct kmem_cache *c;

	if (align == 0)
		align = 8;
	if (size == 0 || size > KMALLOC_MAX_CACHE_SIZE || (align & (align - 1)) ||
	    align > PAGE_SIZE)
		return NULL;
	c = kmem_cache_alloc(&cache_cache, GFP_KERNEL);
	if (c)
		cache_setup(c, name, size, align);
	return c;
}

/* Allocate and format a new slab for @c (cache lock held). */
static struct page *new_slab(struct kmem_cache *c)
{
	struct page *head = alloc_pages(GFP_KERNEL, c->order);
	char *base;

	if (!head)
		return NULL;
	for (unsigned int i = 0; i < (1u << c->order); i++) {
		page_set_flag(head + i, PG_slab);
		head[i].slab_cache = c;
		head[i].mapping = head;
	}
	base = page_address(head);
	head->freelist = NULL;
	for (unsigned int i = c->objs_per_slab; i-- > 0; ) {
		void **obj = (void **)(base + i * c->size);

		*obj = head->freelist;
		head->freelist = obj;
	}
	head->inuse = 0;
	c->nr_slabs++;
	return head;
}

static void free_slab(struct kmem_cache *c, struct page *head)
{
	for (unsigned int i = 0; i < (1u << c->order); i++) {
		page_clear_flag(head + i, PG_slab);
		head[i].slab_cache = NULL;
		head[i].mapping = NULL;
	}
	c->nr_slabs--;
	free_pages(head, c->order);
}

void *kmem_cache_alloc(struct kmem_cache *c, unsigned int gfp)
{
	unsigned long f = spin_lock_irqsave(&c->lock);
	struct page *slab;
	void **obj;

	if (!list_empty(&c->partial)) {
		slab = list_first_entry(&c->partial, struct page, lru);
	} else {
		slab = new_slab(c);
		if (!slab) {
			spin_unlock_irqrestore(&c->lock, f);
			return NULL;
		}
		list_add(&slab->lru, &c->partial);
	}
	obj = slab->freelist;
	slab->freelist = *obj;
	slab->inuse++;
	c->active_objs++;
	if (!slab->freelist) {
		list_del_init(&slab->lru);
		list_add(&slab->lru, &c->full);
	}
	spin_unlock_irqrestore(&c->lock, f);
	if (gfp & GFP_ZERO)
		memset(obj, 0, c->object_size);
	return obj;
}

static void slab_free(struct kmem_cache *c, struct page *head, void *obj)
{
	unsigned long f;
	char *base = page_address(head);

	BUG_ON((size_t)((char *)obj - base) % c->size != 0);
	if (c->size > sizeof(void *))
		memset((char *)obj + sizeof(void *), POISON_FREE, c->size - sizeof(void *));
	f = spin_lock_irqsave(&c->lock);
	BUG_ON(head->inuse == 0);
	if (!head->freelist) {			/* was full: now partial */
		list_del_init(&head->lru);
		list_add(&head->lru, &c->partial);
	}
	*(void **)obj = head->freelist;
	head->freelist = obj;
	head->inuse--;
	c->active_objs--;
	if (head->inuse == 0) {
		list_del_init(&head->lru);
		free_slab(c, head);
	}
	spin_unlock_irqrestore(&c->lock, f);
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	struct page *p = virt_to_page(obj);

	BUG_ON(!page_test_flag(p, PG_slab) || p->slab_cache != c);
	slab_free(c, p->mapping, obj);
}

int kmem_cache_destroy(struct kmem_cache *c)
{
	unsigned long f = spin_lock_irqsave(&c->lock);

	if (c->active_objs) {
		spin_unlock_irqrestore(&c->lock, f);
		return -EBUSY;
	}
	spin_unlock_irqrestore(&c->lock, f);
	f = spin_lock_irqsave(&caches_lock);
	list_del(&c->list);
	spin_unlock_irqrestore(&caches_lock, f);
	kmem_cache_free(&cache_cache, c);
	return 0;
}

struct kmem_cache *kmalloc_cache_for(size_t size)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++)
		if (size <= kmalloc_sizes[i])
			return &kmalloc_caches[i];
	return NULL;
}

/* Order of the smallest page block that holds @size bytes. */
static unsigned int size_to_order(size_t size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

void *kmalloc(size_t size, unsigned int gfp)
{
	struct kmem_cache *c;
	struct page *p;
	unsigned int order;

	if (size == 0)
		return ZERO_SIZE_PTR;
	c = kmalloc_cache_for(size);
	if (c)
		return kmem_cache_alloc(c, gfp);
	if (size > (PAGE_SIZE << MAX_ORDER))
		return NULL;
	order = size_to_order(size);
	p = alloc_pages(gfp, order);
	if (!p)
		return NULL;
	page_set_flag(p, PG_head);
	p->order = order;
	return page_address(p);
}

void *kzalloc(size_t size)
{
	return kmalloc(size, GFP_ZERO);
}

void kfree(const void *ptr)
{
	struct page *p;

	if (!ptr || ptr == ZERO_SIZE_PTR)
		return;
	p = virt_to_page(ptr);
	if (page_test_flag(p, PG_slab)) {
		slab_free(p->slab_cache, p->mapping, (void *)ptr);
	} else {
		BUG_ON(!page_test_flag(p, PG_head));
		free_pages(p, p->order);
	}
}

size_t ksize(const void *ptr)
{
	struct page *p;

	if (!ptr || ptr == ZERO_SIZE_PTR)
		return 0;
	p = virt_to_page(ptr);
	if (page_test_flag(p, PG_slab))
		return p->slab_cache->object_size;
	return PAGE_SIZE << p->order;
}

void slab_report(void)
{
	unsigned long f = spin_lock_irqsave(&caches_lock);
	struct list_head *pos;

	list_for_each(pos, &slab_caches) {
		struct kmem_cache *c = list_entry(pos, struct kmem_cache, list);

		printk("  slab %-14s size %5zu objs/slab %3u slabs %4lu active %6lu\n",
		       c->name, c->size, c->objs_per_slab, c->nr_slabs, c->active_objs);
	}
	spin_unlock_irqrestore(&caches_lock, f);
}
