/*
 * profile.c - the tick profiler (see profile.h for what it shows and what
 * it cannot see).
 *
 *	__text_start                                      __text_end
 *	| bucket 0 | bucket 1 | ...                  | bucket n-1 |
 *	  2^shift bytes of kernel code each; prof_hits[i] counts the ticks
 *	  whose interrupted RIP fell in bucket i
 *
 * The counters are bumped with relaxed atomics from every CPU's tick; a
 * reader sums them per function (ksyms_lookup of each bucket's first byte,
 * so a function sharing a bucket with its neighbour takes that bucket's
 * ticks: a smaller shift is finer). Nothing is locked: a show racing
 * with a tick or a reset reads a count one tick off, which a profile
 * cannot tell from noise.
 */
#include "kernel/profile.h"
#include "kernel/cmdline.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/ksyms.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "mm/buddy.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include <arch/memlayout.h>
#include <arch/trap.h>

#define PROFILE_MAX_SHIFT	12
#define PROFILE_SHOW_MAX	60	/* functions listed, most sampled first */

static uint32_t *prof_hits;		/* NULL: profiling is off */
static unsigned long prof_buckets;
static unsigned int prof_shift;
static uint64_t prof_user, prof_kernel;

void profile_init(void)
{
	unsigned long shift, text = (unsigned long)(__text_end - __text_start);
	unsigned int order = 0;
	struct page *p;

	if (!cmdline_get_ulong("profile", &shift))
		return;
	prof_shift = (unsigned int)MIN(MAX(shift, 2ul), (unsigned long)PROFILE_MAX_SHIFT);
	prof_buckets = (text >> prof_shift) + 1;
	while ((PAGE_SIZE << order) < prof_buckets * sizeof(*prof_hits) && order < MAX_ORDER)
		order++;
	if ((PAGE_SIZE << order) < prof_buckets * sizeof(*prof_hits) ||
	    !(p = alloc_pages(GFP_ZERO, order))) {
		printk("profile: no room for %lu counters; profiling off\n", prof_buckets);
		return;
	}
	prof_hits = page_address(p);
	printk("profile: %lu buckets of %u bytes of kernel text\n", prof_buckets,
	       1u << prof_shift);
}

void profile_tick(void)
{
	struct trap_frame *tf = get_irq_regs();
	uint64_t ip;

	if (!prof_hits || !tf)
		return;
	if (trap_from_user(tf)) {
		__atomic_add_fetch(&prof_user, 1, __ATOMIC_RELAXED);
		return;
	}
	ip = tf->rip - (uint64_t)__text_start;
	if (ip >> prof_shift >= prof_buckets)
		return;			/* not kernel text (a trampoline) */
	__atomic_add_fetch(&prof_hits[ip >> prof_shift], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&prof_kernel, 1, __ATOMIC_RELAXED);
}

/* One function's total while /proc/profile sums them. */
struct prof_fn {
	const char *name;
	uint64_t hits;
};

/*
 * The functions with ticks, most first (ties in address order). Buckets
 * are visited in address order, so a function's buckets are consecutive.
 */
static int prof_collect(struct prof_fn *fns, int max)
{
	int n = 0;

	for (unsigned long i = 0; i < prof_buckets; i++) {
		uint32_t h = __atomic_load_n(&prof_hits[i], __ATOMIC_RELAXED);
		uint64_t off;
		const char *name;

		if (!h)
			continue;
		name = ksyms_lookup((uint64_t)__text_start + (i << prof_shift), &off);
		if (!name)
			name = "(unknown)";
		if (n && fns[n - 1].name == name) {
			fns[n - 1].hits += h;
			continue;
		}
		if (n == max)
			break;
		fns[n++] = (struct prof_fn){ name, h };
	}
	/* Insertion sort, stable: a few hundred entries at most in practice. */
	for (int i = 1; i < n; i++) {
		struct prof_fn f = fns[i];
		int j = i;

		for (; j > 0 && fns[j - 1].hits < f.hits; j--)
			fns[j] = fns[j - 1];
		fns[j] = f;
	}
	return n;
}

int proc_show_profile(struct proc_buf *b, const struct proc_ctx *unused)
{
	const int max = 2048;
	struct prof_fn *fns;
	uint64_t user, kernel;
	int n;

	(void)unused;
	if (!prof_hits) {
		proc_printf(b, "profiling is off: boot with profile=SHIFT\n");
		return 0;
	}
	fns = kmalloc(max * sizeof(*fns), 0);
	if (!fns)
		return -ENOMEM;
	user = __atomic_load_n(&prof_user, __ATOMIC_RELAXED);
	kernel = __atomic_load_n(&prof_kernel, __ATOMIC_RELAXED);
	n = prof_collect(fns, max);
	proc_printf(b, "ticks %lu user %lu kernel %lu\n", user + kernel, user, kernel);
	for (int i = 0; i < n && i < PROFILE_SHOW_MAX && user + kernel; i++)
		proc_printf(b, "%8lu %5lu.%lu%% %s\n", fns[i].hits,
			    fns[i].hits * 100 / (user + kernel),
			    fns[i].hits * 1000 / (user + kernel) % 10, fns[i].name);
	kfree(fns);
	return 0;
}

int profile_reset(const char *req)
{
	(void)req;
	if (!prof_hits)
		return -EINVAL;
	memset(prof_hits, 0, prof_buckets * sizeof(*prof_hits));
	__atomic_store_n(&prof_user, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&prof_kernel, 0, __ATOMIC_RELAXED);
	return 0;
}
