/*
 * slab_debug.c - slab objects under the debug allocator: redzones, free
 * poison, double-free checks, alloc/free tracking and the leak scan.
 *
 * With debug_alloc=1 every cache gets a wider slot (SLUB's slub_debug=FZPU
 * layout, small). Without it nothing here runs and the slot is the object.
 *
 *   0            orig_size   object_size      free_off           size
 *   +------------+-----------+----------------+------------------+----+
 *   | object     | redzone (kmalloc slack,    | struct           |pad |
 *   |            |  then >= 8 bytes after it) | slab_obj_meta    |    |
 *   +------------+----------------------------+------------------+----+
 *
 *   allocated: object = the user's; [orig_size, free_off) = 0xcc
 *   free:      [0, object_size) = 0x6b ... 0x6b 0xa5; [object_size, free_off) = 0xbb
 *
 * orig_size is what the kmalloc() caller asked for (object_size for a
 * named cache), so writing one byte past a 100-byte kmalloc is caught
 * although the object sits in kmalloc-128. The meta block holds the
 * freelist link (a free object's bytes are all poison, so the link cannot
 * live in the object as it does without debugging), the size asked for,
 * an allocation sequence number for the leak scan, and who allocated and
 * who freed the object (pid and call chain).
 *
 * Checks: on free, the redzone must be intact (else "slab redzone
 * overwritten", with the allocation chain) and must not read "free" (else
 * "double free", with the first free's chain); on allocation, the poison
 * and the inactive redzone must be intact (else "use-after-free", with the
 * free chain). Everything here runs under the cache's lock, taken by
 * slab.c, so the meta block and the object's state change together and
 * the leak scan sees each object whole.
 *
 * Cost per object: at most 7 bytes of alignment plus 8 bytes of redzone
 * plus the 72-byte meta block, then rounded up to the cache's alignment
 * (kmalloc-64: 64 -> 192 bytes; kmalloc-4k: 4 KiB -> 8 KiB).
 */
#include "mm/debug_alloc.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "kernel/errno.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"

#define SLAB_REDZONE	8		/* redzone bytes after an 8-aligned object */

/* Per object, at free_off (see the picture above). */
struct slab_obj_meta {
	void *next_free;		/* freelist link while free */
	uint64_t seq;			/* slab_seq at the allocation */
	uint32_t orig_size;		/* bytes the caller asked for */
	int32_t alloc_pid;		/* 0: kernel boot, no task yet */
	struct dbg_stack alloc;		/* last allocated here */
	struct dbg_stack free;		/* last freed here (0s: never) */
	int32_t free_pid;
};

static uint64_t slab_seq;		/* atomic; allocations so far */

static struct slab_obj_meta *obj_meta(const struct kmem_cache *c, const void *obj)
{
	return (struct slab_obj_meta *)((char *)obj + c->free_off);
}

static int current_pid(void)
{
	struct task *t = current();

	return t ? t->pid : 0;
}

void slab_debug_layout(struct kmem_cache *c)
{
	c->debug = debug_alloc_on();
	if (!c->debug)
		return;
	c->free_off = ALIGN_UP(c->object_size, 8) + SLAB_REDZONE;
	c->size = ALIGN_UP(c->free_off + sizeof(struct slab_obj_meta), c->align);
}

static void poison_free(struct kmem_cache *c, void *obj)
{
	memset(obj, SLAB_POISON_FREE, c->object_size - 1);
	((unsigned char *)obj)[c->object_size - 1] = SLAB_POISON_END;
	memset((char *)obj + c->object_size, SLAB_RED_INACTIVE, c->free_off - c->object_size);
}

void slab_debug_init_object(struct kmem_cache *c, void *obj)
{
	poison_free(c, obj);
	memset(obj_meta(c, obj), 0, sizeof(struct slab_obj_meta));
}

/* Offset of the first byte of [from, to) of @obj that is not @want, or -1. */
static long first_not(const void *obj, size_t from, size_t to, unsigned char want)
{
	const unsigned char *b = obj;

	for (size_t i = from; i < to; i++)
		if (b[i] != want)
			return (long)i;
	return -1;
}

/* Where a free object's poison or inactive redzone was written, or -1. */
static long first_bad_free(struct kmem_cache *c, const void *obj)
{
	long bad = first_not(obj, 0, c->object_size - 1, SLAB_POISON_FREE);

	if (bad >= 0)
		return bad;
	if (((const unsigned char *)obj)[c->object_size - 1] != SLAB_POISON_END)
		return (long)c->object_size - 1;
	return first_not(obj, c->object_size, c->free_off, SLAB_RED_INACTIVE);
}

/* The report's middle: 16 bytes around @bad and both chains. */
static void report_object(struct kmem_cache *c, const void *obj, long bad)
{
	struct slab_obj_meta *m = obj_meta(c, obj);
	size_t from = MIN((size_t)ALIGN_DOWN(bad, 8), c->free_off - 8);
	char what[40];

	dbg_report_printf("  cache %s, object %p (%u bytes asked, slot %zu), "
			  "first bad byte at offset %#lx\n",
			  c->name, obj, m->orig_size, c->object_size, bad);
	dbg_report_bytes((const char *)obj + from, MIN(16, c->free_off + 8 - from));
	snprintf(what, sizeof(what), "allocated by pid %d at", m->alloc_pid);
	dbg_report_chain(what, &m->alloc);
	snprintf(what, sizeof(what), "freed by pid %d at", m->free_pid);
	dbg_report_chain(what, &m->free);
}

void slab_debug_alloc(struct kmem_cache *c, void *obj, size_t orig_size)
{
	struct slab_obj_meta *m = obj_meta(c, obj);
	long bad = first_bad_free(c, obj);

	if (bad >= 0) {
		dbg_report_begin();
		dbg_report_printf("BUG: use-after-free: slab object written after it was freed\n");
		report_object(c, obj, bad);
		dbg_report_end("BUG: use-after-free (slab poison overwritten)");
	}
	/* The kmalloc slack joins the redzone; the object keeps its poison
	 * (0x6b) until the caller writes it, as SLUB's does. */
	memset((char *)obj + orig_size, SLAB_RED_ACTIVE, c->free_off - orig_size);
	m->orig_size = orig_size;
	m->seq = __atomic_add_fetch(&slab_seq, 1, __ATOMIC_RELAXED);
	m->alloc_pid = current_pid();
	/* Skip slab_debug_alloc, slab_alloc and kmalloc/kmem_cache_alloc. */
	dbg_stack_save(&m->alloc, 3);
}

bool slab_debug_free(struct kmem_cache *c, void *obj)
{
	struct slab_obj_meta *m = obj_meta(c, obj);
	size_t orig = MIN(m->orig_size, c->object_size);
	long bad;

	if (first_not(obj, c->object_size, c->free_off, SLAB_RED_INACTIVE) < 0) {
		dbg_report_begin();
		dbg_report_printf("BUG: slab double free: object already free\n");
		report_object(c, obj, c->object_size);
		dbg_report_printf("  freed again at: the call trace below\n");
		dbg_report_end("BUG: slab double free");
		return false;
	}
	bad = first_not(obj, orig, c->free_off, SLAB_RED_ACTIVE);
	if (bad >= 0) {
		dbg_report_begin();
		dbg_report_printf("BUG: slab redzone overwritten (%ld bytes past the %zu asked for)\n",
				  bad - (long)orig, orig);
		report_object(c, obj, bad);
		dbg_report_end("BUG: slab redzone overwritten");
	}
	poison_free(c, obj);
	m->free_pid = current_pid();
	dbg_stack_save(&m->free, 3);	/* as in slab_debug_alloc */
	return true;
}

size_t slab_debug_orig_size(struct kmem_cache *c, const void *obj)
{
	return obj_meta(c, obj)->orig_size;
}

uint64_t slab_debug_seq(void)
{
	return __atomic_load_n(&slab_seq, __ATOMIC_RELAXED);
}

/* Count @slab's live objects newer than @mark into @r (c->lock held). */
static void scan_slab(struct kmem_cache *c, struct page *slab, uint64_t mark,
		      struct slab_leak_report *r)
{
	char *base = page_address(slab);

	for (unsigned int i = 0; i < c->objs_per_slab; i++) {
		char *obj = base + i * c->size;
		struct slab_obj_meta *m = obj_meta(c, obj);

		/* Live: the redzone's last byte says "allocated". */
		if ((unsigned char)obj[c->free_off - 1] != SLAB_RED_ACTIVE || m->seq <= mark)
			continue;
		if (r->nsamples < SLAB_LEAK_SAMPLES) {
			r->sample[r->nsamples].obj = obj;
			r->sample[r->nsamples].pid = m->alloc_pid;
			r->sample[r->nsamples].alloc = m->alloc;
			r->nsamples++;
		}
		r->count++;
	}
}

int slab_debug_leaks(struct kmem_cache *c, uint64_t mark, struct slab_leak_report *r)
{
	unsigned long f;
	struct page *slab;

	memset(r, 0, sizeof(*r));
	if (!c->debug)
		return -ENODEV;
	f = spin_lock_irqsave(&c->lock);
	list_for_each_entry(slab, &c->partial, lru)
		scan_slab(c, slab, mark, r);
	list_for_each_entry(slab, &c->full, lru)
		scan_slab(c, slab, mark, r);
	spin_unlock_irqrestore(&c->lock, f);
	return 0;
}
