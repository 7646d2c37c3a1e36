/*
 * slab.h - object caches and kmalloc.
 *
 * kmem_cache_create() makes a named cache of equal-sized objects;
 * kmalloc(size) picks the smallest of the kmalloc-<N> caches that fits
 * (8 ... 8192 bytes) and falls back to whole pages from the buddy allocator
 * above that. All of it is safe from interrupt context (spinlocks, no sleep).
 * kmalloc(0) returns ZERO_SIZE_PTR, which kfree() accepts, as in Linux.
 */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include "kernel/lib/list.h"
#include "kernel/spinlock.h"
#include <stddef.h>
#include <stdint.h>

#define ZERO_SIZE_PTR	((void *)16)
#define KMALLOC_MAX_CACHE_SIZE	8192

struct kmem_cache {
	char name[32];
	size_t object_size;		/* what the user asked for */
	size_t size;			/* stride: object_size rounded to align
					 * (plus redzone and meta when debug) */
	size_t align;
	/* Fixed at setup. debug: the debug_alloc layout (mm/slab_debug.c);
	 * free_off: where a free object keeps its freelist link (0, or past
	 * the redzone when debug). */
	bool debug;
	size_t free_off;
	unsigned int order;		/* each slab is 2^order frames */
	unsigned int objs_per_slab;
	spinlock_t lock;		/* guards the lists and counters below */
	struct list_head partial;	/* slabs with free and used objects */
	struct list_head full;		/* slabs with no free object */
	unsigned long nr_slabs;
	unsigned long active_objs;
	struct list_head list;		/* on slab_caches */
};

void slab_init(void);
/* Returns the cache or NULL (bad size/align, no memory). */
struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align);
/* Destroy a cache whose objects are all freed. Returns 0 or -EBUSY. */
int kmem_cache_destroy(struct kmem_cache *c);
void *kmem_cache_alloc(struct kmem_cache *c, unsigned int gfp);
void kmem_cache_free(struct kmem_cache *c, void *obj);

void *kmalloc(size_t size, unsigned int gfp);
void *kzalloc(size_t size);
void kfree(const void *p);
/* Usable size of a kmalloc'd block (its size class). */
size_t ksize(const void *p);
/* The cache kmalloc(size) would use, or NULL above KMALLOC_MAX_CACHE_SIZE. */
struct kmem_cache *kmalloc_cache_for(size_t size);
/* Each cache's counters, one line per cache (for tests and debugging). */
void slab_report(void);

/* One cache's figures, as /proc/slabinfo prints them. */
struct slab_stat {
	char name[32];
	unsigned long active_objs;	/* allocated objects */
	unsigned long num_objs;		/* objects the cache's slabs hold */
	size_t object_size;		/* what the user asked for */
	size_t size;			/* slot stride */
	unsigned int objs_per_slab;
	unsigned int pages_per_slab;
	unsigned long nr_slabs;
};
/*
 * Copy the figures of up to @max caches into @out, in creation order;
 * returns how many caches there are (may be more than @max). Takes
 * caches_lock and each cache's lock in turn; never sleeps.
 */
size_t slab_snapshot(struct slab_stat *out, size_t max);

struct slab_leak_report;
/*
 * slab_debug_leaks() (mm/debug_alloc.h) for the cache called @name: 0,
 * -ENOENT for no such cache, -ENODEV without debug_alloc=1. Takes
 * caches_lock, then the cache's lock; never sleeps.
 */
int slab_leaks_by_name(const char *name, uint64_t mark, struct slab_leak_report *r);

#endif
