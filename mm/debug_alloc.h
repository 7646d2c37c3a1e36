/*
 * debug_alloc.h - the debug allocator: poisoned free memory, slab
 * redzones, free tracking and leak reports (boot option debug_alloc=1).
 *
 * Off (the default, and make run and make bench): every hook below is
 * behind one test of debug_alloc_enabled and the allocators behave exactly
 * as without it. On (every make check image): page_alloc.c and slab.c call
 * the hooks, which poison what is freed, check the poison when it is
 * handed out again, check slab redzones on free, catch double frees and
 * remember who allocated and freed what. A bug found prints a report that
 * names the call chains and panics - or, while a ktest has asked to catch
 * reports (debug_alloc_catch_begin()), is counted and recorded instead.
 *
 * Definitions: debug_alloc.c (the option, call chains, reports, pages),
 * slab_debug.c (object layout, redzones, leak scan). Design and memory
 * cost: docs/memory.md, "The debug allocator".
 */
#ifndef MM_DEBUG_ALLOC_H
#define MM_DEBUG_ALLOC_H

#include "kernel/compiler.h"
#include "kernel/types.h"
#include <arch/memlayout.h>
#include <arch/stacktrace.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct page;
struct kmem_cache;

/* Set once at boot from the command line (debug_alloc=1), never changed. */
extern bool debug_alloc_enabled;

static inline bool debug_alloc_on(void)
{
	return unlikely(debug_alloc_enabled);
}

/* ---- debug_alloc.c ---- */

/*
 * A call chain, compactly: return addresses as offsets from __text_start
 * (the kernel text is far below 4 GiB long), innermost first, 0 ends it.
 */
#define DBG_STACK_DEPTH	5
struct dbg_stack {
	uint32_t pc[DBG_STACK_DEPTH];
};

/*
 * Record the chain of the function that calls this (the first entry is in
 * it), without its @skip innermost frames. Always inlined, so that the
 * frames counted by @skip are exactly the caller's own and its callers'
 * (a separate function could be inlined, or tail-called, or not).
 */
static inline __attribute__((always_inline)) void dbg_stack_save(struct dbg_stack *s,
								 unsigned int skip)
{
	uint64_t pcs[DBG_STACK_DEPTH];
	unsigned int n = arch_stack_save(pcs, DBG_STACK_DEPTH, skip);

	for (unsigned int i = 0; i < DBG_STACK_DEPTH; i++)
		s->pc[i] = i < n ? (uint32_t)(pcs[i] - (uint64_t)__text_start) : 0;
}
/* "fn+0x12 <- fn2+0x40 <- ..." into @buf; "(none)" for an empty chain. */
void dbg_stack_format(char *buf, size_t len, const struct dbg_stack *s);

/*
 * Boot: read the option and, when it is on, carve the per-frame table out
 * of memblock (max_pfn entries). Runs in page_alloc_init() before any
 * frame reaches the buddy allocator.
 */
void debug_alloc_init(void);

/*
 * Reports. dbg_report_begin() takes the report lock and starts the text;
 * dbg_report_printf() appends; dbg_report_end() prints it and panics with
 * @title, or, while a test catches reports, counts and keeps it and
 * returns. Never sleeps; may be called with spinlocks held.
 */
void dbg_report_begin(void);
void dbg_report_printf(const char *fmt, ...) __printf(1, 2);
void dbg_report_chain(const char *what, const struct dbg_stack *s);
void dbg_report_bytes(const void *p, size_t n);
void dbg_report_end(const char *title);

/*
 * For ktests: from debug_alloc_catch_begin() to debug_alloc_catch_end()
 * a report does not panic; the detector repairs what it found and goes on.
 * _end() returns how many reports were made and copies the first one's
 * text into @buf. Only one test catches at a time.
 */
void debug_alloc_catch_begin(void);
unsigned int debug_alloc_catch_end(char *buf, size_t len);

/*
 * Pages. debug_page_free() poisons the block with PAGE_POISON and records
 * the free call chain for each frame; it returns false after reporting a
 * double free (the caller must then not free). debug_page_alloc() checks
 * the poison of a block just taken from the buddy allocator. The caller
 * owns the frames (not yet in, or just out of, the free lists); no lock.
 */
#define PAGE_POISON	0xaa
bool debug_page_free(struct page *page, unsigned int order);
void debug_page_alloc(struct page *page, unsigned int order);
/* put_page() took the count below zero: report it with the last free. */
void debug_page_refcount_underflow(struct page *page);
struct dbg_stack;
/* Check every free frame's poison now (debug_alloc.c); frames checked. */
unsigned long debug_page_poison_scan(void (*bad)(void *arg, unsigned long pfn, long off,
						 const unsigned char *bytes,
						 const struct dbg_stack *freed),
				     void *arg);
/* Bytes of the per-frame table (0 when off). */
size_t debug_page_table_bytes(void);

/* ---- slab_debug.c (all under the cache's lock, c->debug set) ---- */

#define SLAB_POISON_FREE	0x6b	/* a free object's bytes */
#define SLAB_POISON_END		0xa5	/* ... and its last byte */
#define SLAB_RED_ACTIVE		0xcc	/* redzone of an allocated object */
#define SLAB_RED_INACTIVE	0xbb	/* redzone of a free object */

/* Choose the debug layout of a cache being set up (object_size, align set). */
void slab_debug_layout(struct kmem_cache *c);
/* A new slab: every object poisoned, redzones inactive, no history. */
void slab_debug_init_object(struct kmem_cache *c, void *obj);
/* @obj was just taken off the freelist for a request of @orig_size bytes. */
void slab_debug_alloc(struct kmem_cache *c, void *obj, size_t orig_size);
/* @obj is being freed: false after reporting a double free (keep it). */
bool slab_debug_free(struct kmem_cache *c, void *obj);
/* The size asked for when @obj was allocated (ksize() with debugging on). */
size_t slab_debug_orig_size(struct kmem_cache *c, const void *obj);

/* What slab_debug_leaks() found in one cache. */
#define SLAB_LEAK_SAMPLES	3
struct slab_leak_report {
	unsigned long count;			/* live objects allocated after mark */
	unsigned int nsamples;
	struct {
		const void *obj;
		int pid;
		struct dbg_stack alloc;
	} sample[SLAB_LEAK_SAMPLES];
};
/* The allocation counter: every debug allocation takes the next number. */
uint64_t slab_debug_seq(void);
/*
 * Count @c's live objects allocated after sequence number @mark; keep a
 * few. Takes c->lock; never sleeps. Returns -ENODEV when debugging is off.
 */
int slab_debug_leaks(struct kmem_cache *c, uint64_t mark, struct slab_leak_report *r);

#endif
