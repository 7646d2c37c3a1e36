/*
 * proc_slab.c - the slab allocator seen from user space: /proc/slabinfo
 * (Linux's format) and /proc/pagoda/slab_leaks (Pagoda's leak check).
 *
 * /proc/slabinfo has one line per cache with its live and total objects;
 * the user test runner reads it around every test program. With
 * debug_alloc=1, pagoda/slab_leaks says which objects are still allocated
 * that were allocated after a mark, and where; it is a transaction file
 * (PROC_QUERY, see procfs.c):
 *
 *   write "mark"                       read "mark 123456"
 *   write "check 123456 task mm file"  read, per cache with such objects,
 *     leak: cache task: 2 objects (allocated at task_alloc+0x1d <- ...)
 *       object ffff888001234000 pid 57: task_alloc+0x1d <- ...
 *     (at most SLAB_LEAK_SAMPLES object lines), or "no leaks".
 *   write "poison"                     read "poison: 120034 free frames checked",
 *     after a line per free frame written since its free (a use-after-free,
 *     also printed on the console) with the offset, bytes and free chain:
 *     the page allocator's poison checked now rather than at the next
 *     allocation, so runall can tell which program did it.
 *
 * A mark is the slab allocation counter (mm/slab_debug.c): every object
 * allocated after it has a higher number, so "live and newer than the
 * mark" is exactly what a test program left behind, whatever was freed
 * meanwhile. Without debug_alloc=1 the file answers ENODEV.
 * Slab internals: mm/slab.c, mm/slab_debug.c.
 */
#include "kernel/errno.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "mm/debug_alloc.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

#define SLABINFO_MAX	64

int proc_show_slabinfo(struct proc_buf *b, const struct proc_ctx *unused)
{
	struct slab_stat *st = kmalloc(SLABINFO_MAX * sizeof(*st), GFP_KERNEL);
	size_t n;

	if (!st)
		return -ENOMEM;
	n = MIN(slab_snapshot(st, SLABINFO_MAX), SLABINFO_MAX);
	proc_printf(b, "slabinfo - version: 2.1\n"
		    "# name            <active_objs> <num_objs> <objsize> <objperslab> "
		    "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> "
		    ": slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	for (size_t i = 0; i < n; i++)
		proc_printf(b, "%-17s %6lu %6lu %6zu %4u %4u : tunables %4u %4u %4u "
			    ": slabdata %6lu %6lu %6u\n",
			    st[i].name, st[i].active_objs, st[i].num_objs, st[i].size,
			    st[i].objs_per_slab, st[i].pages_per_slab, 0, 0, 0,
			    st[i].nr_slabs, st[i].nr_slabs, 0);
	kfree(st);
	return 0;
}

/* The decimal number at *@p, advancing past it; false if there is none. */
static bool parse_u64(const char **p, uint64_t *v)
{
	const char *s = *p;

	*v = 0;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++)
		*v = *v * 10 + (uint64_t)(*s - '0');
	*p = s;
	return true;
}

/* The next space-separated word of *@p into @w (at most @len - 1 bytes). */
static size_t next_word(const char **p, char *w, size_t len)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == ' ')
		s++;
	while (*s && *s != ' ') {
		if (n < len - 1)
			w[n++] = *s;
		s++;
	}
	w[n] = '\0';
	*p = s;
	return n;
}

static void print_leaks(struct proc_buf *b, const char *name, const struct slab_leak_report *r)
{
	char chain[384];

	dbg_stack_format(chain, sizeof(chain), &r->sample[0].alloc);
	proc_printf(b, "leak: cache %s: %lu objects (allocated at %s)\n", name, r->count, chain);
	for (unsigned int i = 0; i < r->nsamples; i++) {
		dbg_stack_format(chain, sizeof(chain), &r->sample[i].alloc);
		proc_printf(b, "  object %p pid %d: %s\n", r->sample[i].obj, r->sample[i].pid, chain);
	}
}

static void print_poison(void *arg, unsigned long pfn, long off, const unsigned char *bytes,
			 const struct dbg_stack *freed)
{
	struct proc_buf *b = arg;
	char chain[384];

	dbg_stack_format(chain, sizeof(chain), freed);
	proc_printf(b, "written after free: pfn %#lx offset %#lx, bytes", pfn, off);
	for (int i = 0; i < 16; i++)
		proc_printf(b, " %02x", bytes[i]);
	proc_printf(b, "\n  freed at: %s\n", chain);
	/* The console too: the test's own output may be lost with it. */
	printk("debug_alloc: BUG: use-after-free: pfn %#lx written at offset %#lx after "
	       "its free at %s\n", pfn, off, chain);
}

int proc_slab_leaks_query(struct proc_buf *b, const char *req)
{
	struct slab_leak_report r;
	const char *p = req;
	char name[32];
	uint64_t mark;
	bool any = false;

	if (!debug_alloc_on())
		return -ENODEV;
	if (strcmp(req, "mark") == 0) {
		proc_printf(b, "mark %lu\n", (unsigned long)slab_debug_seq());
		return 0;
	}
	if (strcmp(req, "poison") == 0) {
		proc_printf(b, "poison: %lu free frames checked\n",
			    debug_page_poison_scan(print_poison, b));
		return 0;
	}
	if (strncmp(p, "check ", 6) != 0)
		return -EINVAL;
	p += 6;
	if (!parse_u64(&p, &mark))
		return -EINVAL;
	while (next_word(&p, name, sizeof(name))) {
		int err = slab_leaks_by_name(name, mark, &r);

		if (err)
			return err;		/* -ENOENT: no cache of that name */
		if (r.count) {
			print_leaks(b, name, &r);
			any = true;
		}
	}
	if (!any)
		proc_printf(b, "no leaks\n");
	return 0;
}
