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

#define ZERO_SIZE_PTR	((void *)16)
#define KMALLOC_MAX_CACHE_SIZE	8192

struct kmem_cache {
	char name[32];
	size_t object_size;		/* what the user asked for */
	size_t size;			/* stride: object_size rounded to align */
	size_t align;
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

#endif
