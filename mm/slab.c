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
 * use-after-free reads obviously wrong values. With debug_alloc=1 each
 * object slot grows a redzone and a meta block (the freelist link moves
 * there, c->free_off), and slab_debug.c checks poison, redzones and
 * double frees and records who allocated and freed each object; the
 * hooks below are all behind c->debug.
 *
 * The struct page fields of a slab, all on its first frame ("head"):
 *
 *   head->lru        on c->partial or c->full       (cache->lock)
 *   head->freelist   first free object, NULL if full (cache->lock)
 *   head->inuse      objects handed out             (cache->lock)
 *   every frame:     PG_slab, slab_cache = c, mapping = head (fixed while
 *                    the slab lives, so kfree() reads them unlocked)
 *
 * A large kmalloc (above the biggest class) bypasses the caches: it is a
 * plain buddy block whose first frame has PG_head and order = its order.
 *
 * Locks (their place: the lock order (docs/locking.md)): cache->lock, then the
 * zone lock (alloc_pages) inside it. caches_lock only guards the list of
 * caches (slab_report, /proc/slabinfo); /proc/slabinfo and the leak scan
 * take a cache's lock inside it, never the other way round.
 */
#include "mm/slab.h"
#include "mm/debug_alloc.h"
#include "mm/page_alloc.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/might_sleep.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "mm/fail_alloc.h"

#define POISON_FREE	0x6b

static LIST_HEAD(slab_caches);		/* every cache; caches_lock */
static spinlock_t caches_lock = SPINLOCK_INIT_RANKED(caches_lock, LOCK_RANK_SLAB_CACHES);
static struct kmem_cache cache_cache;	/* the cache of struct kmem_cache */

/*
 * kmalloc size classes: powers of two plus 96 and 192, which cut the
 * waste of the common 65..96 and 129..192 byte requests (as Linux's).
 * A request goes to the first class that holds it.
 */
static const size_t kmalloc_sizes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};
static struct kmem_cache kmalloc_caches[ARRAY_SIZE(kmalloc_sizes)];
static const char *const kmalloc_names[] = {
	"kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-96",
	"kmalloc-128", "kmalloc-192", "kmalloc-256", "kmalloc-512",
	"kmalloc-1k", "kmalloc-2k", "kmalloc-4k", "kmalloc-8k",
};

/*
 * Fill in @c and publish it on slab_caches. Each object slot is at least a
 * pointer wide (a free object stores the freelist link in its first word)
 * and rounded up to @align, so every slot of a page-aligned slab is aligned.
 */
static void cache_setup(struct kmem_cache *c, const char *name, size_t size, size_t align)
{
	memset(c, 0, sizeof(*c));
	strlcpy(c->name, name, sizeof(c->name));
	c->object_size = size;
	c->align = align;
	c->size = ALIGN_UP(MAX(size, sizeof(void *)), align);
	slab_debug_layout(c);		/* wider slots with debug_alloc=1 */
	/* Smallest slab that holds at least 4 objects (order 0 for <= 1 KiB). */
	while ((PAGE_SIZE << c->order) / c->size < 4 && c->order < 3)
		c->order++;
	c->objs_per_slab = (PAGE_SIZE << c->order) / c->size;
	spin_lock_init_ranked(&c->lock, LOCK_RANK_SLAB);
	INIT_LIST_HEAD(&c->partial);
	INIT_LIST_HEAD(&c->full);
	unsigned long f = spin_lock_irqsave(&caches_lock);

	list_add_tail(&c->list, &slab_caches);
	spin_unlock_irqrestore(&caches_lock, f);
}

/*
 * Set up the bootstrap caches: cache_cache (which kmem_cache_create()
 * allocates from, so it cannot itself be created that way) and the static
 * kmalloc classes. Runs once at boot after page_alloc_init(); never sleeps.
 */
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

/*
 * Returns a new cache of @size-byte objects aligned to @align (0: 8), or
 * NULL for a bad size/alignment or no memory. Takes caches_lock; never
 * sleeps.
 */
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

/* A free object's freelist link: its first word, or in the debug meta block. */
static inline void **freeptr(const struct kmem_cache *c, void *obj)
{
	return (void **)((char *)obj + c->free_off);
}

/* Allocate and format a new slab for @c (cache lock held). */
static struct page *new_slab(struct kmem_cache *c)
{
	struct page *head = alloc_pages(GFP_KERNEL, c->order);
	char *base;

	if (!head)
		return NULL;
	/* Fresh from the buddy and not published yet: plain flag writes. */
	for (unsigned int i = 0; i < (1u << c->order); i++) {
		__page_set_flag(head + i, PG_slab);
		head[i].slab_cache = c;
		head[i].mapping = head;
	}
	/* Thread the freelist backwards so it hands out obj0, obj1, ... in
	 * address order: consecutive allocations share cache lines. */
	base = page_address(head);
	head->freelist = NULL;
	for (unsigned int i = c->objs_per_slab; i-- > 0; ) {
		void *obj = base + i * c->size;

		if (c->debug)
			slab_debug_init_object(c, obj);
		*freeptr(c, obj) = head->freelist;
		head->freelist = obj;
	}
	head->inuse = 0;
	c->nr_slabs++;
	return head;
}

/* Undo new_slab() and give the frames back (cache lock held, slab empty). */
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

/*
 * One object of @c for a request of @orig_size bytes (the debug redzone
 * starts there). Not inlined, so that the debug call chains skip a fixed
 * number of allocator frames (slab_debug.c).
 */
static __attribute__((noinline)) void *slab_alloc(struct kmem_cache *c, unsigned int gfp,
						  size_t orig_size)
{
	unsigned long f;
	struct page *slab;
	void *obj;

	if (should_fail_alloc())
		return NULL;			/* injected (mm/fail_alloc.h) */
	f = spin_lock_irqsave(&c->lock);
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
	/* Pop the first free object; its first word links to the next. */
	obj = slab->freelist;
	slab->freelist = *freeptr(c, obj);
	if (c->debug)
		slab_debug_alloc(c, obj, orig_size);
	slab->inuse++;
	c->active_objs++;
	if (!slab->freelist) {
		list_del_init(&slab->lru);
		list_add(&slab->lru, &c->full);
	}
	spin_unlock_irqrestore(&c->lock, f);
	if (gfp & GFP_ZERO)
		memset(obj, 0, c->debug ? orig_size : c->object_size);
	return obj;
}

/*
 * Returns one object of @c (zeroed with GFP_ZERO), or NULL when no slab
 * can be allocated. Takes c->lock (irqs off) and, for a new slab, the zone
 * lock inside it; never sleeps, so it is safe from interrupt context.
 */
void *kmem_cache_alloc(struct kmem_cache *c, unsigned int gfp)
{
	void *obj;

	might_sleep_if(gfp & GFP_RECLAIM);	/* Linux's might_alloc() */
	obj = slab_alloc(c, gfp, c->object_size);

	barrier();	/* no tail call: debug call chains count this frame */
	return obj;
}

/*
 * Push @obj back on its slab's freelist. The slab moves full -> partial on
 * its first free object and goes back to the buddy on its last, so an
 * idle cache holds no memory. Not inlined: see slab_alloc().
 */
static __attribute__((noinline)) void slab_free(struct kmem_cache *c, struct page *head,
						void *obj)
{
	unsigned long f;
	char *base = page_address(head);

	/* A pointer into the middle of an object is a caller bug (double
	 * or wrong free): catch it before it corrupts the freelist. */
	BUG_ON((size_t)((char *)obj - base) % c->size != 0);
	if (!c->debug && c->size > sizeof(void *))
		memset((char *)obj + sizeof(void *), POISON_FREE, c->size - sizeof(void *));
	f = spin_lock_irqsave(&c->lock);
	if (c->debug && !slab_debug_free(c, obj)) {
		spin_unlock_irqrestore(&c->lock, f);	/* a double free a test caught */
		return;
	}
	BUG_ON(head->inuse == 0);
	if (!head->freelist) {			/* was full: now partial */
		list_del_init(&head->lru);
		list_add(&head->lru, &c->partial);
	}
	*freeptr(c, obj) = head->freelist;
	head->freelist = obj;
	head->inuse--;
	c->active_objs--;
	if (head->inuse == 0) {
		list_del_init(&head->lru);
		free_slab(c, head);
	}
	spin_unlock_irqrestore(&c->lock, f);
}

/* Free @obj, which must come from @c (BUG otherwise). Never sleeps. */
void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	struct page *p = virt_to_page(obj);

	BUG_ON(!page_test_flag(p, PG_slab) || p->slab_cache != c);
	slab_free(c, p->mapping, obj);
	barrier();	/* no tail call: debug call chains count this frame */
}

/*
 * Returns 0 after freeing @c, or -EBUSY while objects are still allocated
 * (then @c stays usable). Empty slabs were freed already, so there is no
 * memory to give back. Takes c->lock then caches_lock, one after the other.
 */
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

/* Returns the kmalloc class cache for @size, or NULL above the largest class. */
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

/*
 * Returns @size bytes (ZERO_SIZE_PTR for 0, NULL when out of memory or
 * above 2^MAX_ORDER pages). Small sizes come from a class cache, larger
 * ones straight from the buddy. Never sleeps.
 */
void *kmalloc(size_t size, unsigned int gfp)
{
	struct kmem_cache *c;
	struct page *p;
	unsigned int order;

	might_sleep_if(gfp & GFP_RECLAIM);	/* Linux's might_alloc() */
	if (size == 0)
		return ZERO_SIZE_PTR;
	c = kmalloc_cache_for(size);
	if (c) {
		void *obj = slab_alloc(c, gfp, size);

		barrier();	/* no tail call: debug call chains count this frame */
		return obj;
	}
	if (size > (PAGE_SIZE << MAX_ORDER))
		return NULL;
	order = size_to_order(size);
	p = alloc_pages(gfp, order);
	if (!p)
		return NULL;
	__page_set_flag(p, PG_head);	/* ours alone until we return it */
	p->order = order;
	return page_address(p);
}

/* kmalloc() of zeroed memory. */
void *kzalloc(size_t size)
{
	return kmalloc(size, GFP_ZERO);
}

/* Free what kmalloc() returned; NULL and ZERO_SIZE_PTR are ignored. Never sleeps. */
void kfree(const void *ptr)
{
	struct page *p;

	if (!ptr || ptr == ZERO_SIZE_PTR)
		return;
	p = virt_to_page(ptr);
	if (page_test_flag(p, PG_slab)) {
		slab_free(p->slab_cache, p->mapping, (void *)ptr);
		barrier();	/* no tail call: debug call chains count this frame */
	} else {
		BUG_ON(!page_test_flag(p, PG_head));
		free_pages(p, p->order);
	}
}

/* Returns the usable size of a kmalloc() block (its class size, not the request). */
size_t ksize(const void *ptr)
{
	struct page *p;

	if (!ptr || ptr == ZERO_SIZE_PTR)
		return 0;
	p = virt_to_page(ptr);
	/* With debug_alloc=1 the bytes past the request are redzone. */
	if (page_test_flag(p, PG_slab) && p->slab_cache->debug)
		return slab_debug_orig_size(p->slab_cache, ptr);
	if (page_test_flag(p, PG_slab))
		return p->slab_cache->object_size;
	return PAGE_SIZE << p->order;
}

/* printk one line per cache (the monitor's "slab" command). Takes caches_lock. */
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

size_t slab_snapshot(struct slab_stat *out, size_t max)
{
	unsigned long f = spin_lock_irqsave(&caches_lock);
	struct kmem_cache *c;
	size_t n = 0;

	list_for_each_entry(c, &slab_caches, list) {
		if (n < max) {
			struct slab_stat *st = &out[n];
			unsigned long cf = spin_lock_irqsave(&c->lock);

			strlcpy(st->name, c->name, sizeof(st->name));
			st->active_objs = c->active_objs;
			st->num_objs = c->nr_slabs * c->objs_per_slab;
			st->object_size = c->object_size;
			st->size = c->size;
			st->objs_per_slab = c->objs_per_slab;
			st->pages_per_slab = 1u << c->order;
			st->nr_slabs = c->nr_slabs;
			spin_unlock_irqrestore(&c->lock, cf);
		}
		n++;
	}
	spin_unlock_irqrestore(&caches_lock, f);
	return n;
}

int slab_leaks_by_name(const char *name, uint64_t mark, struct slab_leak_report *r)
{
	unsigned long f = spin_lock_irqsave(&caches_lock);
	struct kmem_cache *c;
	int ret = -ENOENT;

	list_for_each_entry(c, &slab_caches, list) {
		if (strcmp(c->name, name) == 0) {
			ret = slab_debug_leaks(c, mark, r);
			break;
		}
	}
	spin_unlock_irqrestore(&caches_lock, f);
	return ret;
}
