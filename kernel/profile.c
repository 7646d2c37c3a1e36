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
 *
 * Lock contention, which the ticks cannot see (interrupts are off while
 * spinning), is counted where it happens: a spinlock whose first exchange
 * fails comes to __spin_lock_contended(), which, when profiling, adds the
 * wait to its lock class (Linux's lock_stat, in miniature):
 *
 *	lock_stats[i] = { class key, name, waits, spins }
 *
 * found by open addressing on the class key (lock_order.h's class: the
 * init site's key, or a static lock's own map), claimed by compare-and-
 * swap so that no lock is needed to count a lock.
 */
#include "kernel/profile.h"
#include "kernel/cmdline.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/ksyms.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/wait.h"
#include "mm/buddy.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include <arch/memlayout.h>
#include <arch/pgtable.h>
#include <arch/trap.h>

#define PROFILE_MAX_SHIFT	12
#define PROFILE_SHOW_MAX	60	/* functions listed, most sampled first */
#define LOCK_STAT_SLOTS		128	/* lock classes counted (power of 2) */
#define LOCK_STAT_SHOW_MAX	20

static uint32_t *prof_hits;		/* NULL: profiling is off; set once */
static struct mutex prof_start_lock = MUTEX_INIT(prof_start_lock);
static unsigned long prof_buckets;
static unsigned int prof_shift, prof_order;	/* set with prof_hits */
static uint64_t prof_user, prof_kernel;

/* One lock class's waits; key 0: a free slot. */
struct lock_stat {
	const void *key;
	const char *name;
	uint64_t waits;			/* acquisitions that found it taken */
	uint64_t spins;			/* turns of the spin loop they took */
};
static struct lock_stat lock_stats[LOCK_STAT_SLOTS];

/* The slot of @dep's class, claimed if new; NULL when the table is full. */
static struct lock_stat *lock_stat_slot(const struct lockdep_map *dep)
{
	const void *key = dep->key ? (const void *)dep->key : (const void *)dep;
	unsigned long h = ((unsigned long)key >> 4) * 0x9e3779b97f4a7c15ul;

	for (unsigned int i = 0; i < LOCK_STAT_SLOTS; i++) {
		struct lock_stat *s = &lock_stats[(h + i) & (LOCK_STAT_SLOTS - 1)];
		const void *seen = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);

		if (!seen && __atomic_compare_exchange_n(&s->key, &seen, key, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			s->name = dep->name;
			return s;
		}
		if (seen == key)
			return s;
	}
	return NULL;
}

void __spin_wait_contended(volatile uint32_t *word, const struct lockdep_map *dep)
{
	uint64_t spins = 0;
	struct lock_stat *s;

	do {
		while (__atomic_load_n(word, __ATOMIC_RELAXED)) {
			tlb_ipi_poll();	/* the holder may be waiting for our flush */
			arch_cpu_relax();
			spins++;
		}
	} while (__atomic_exchange_n(word, 1, __ATOMIC_ACQUIRE));
	if (READ_ONCE(prof_hits) && (s = lock_stat_slot(dep))) {
		__atomic_add_fetch(&s->waits, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&s->spins, spins, __ATOMIC_RELAXED);
	}
}

/*
 * Allocate the counters for buckets of 2^@shift bytes and turn profiling
 * on. @boot: from profile_init, before any task exists (no mutex needed,
 * nor possible yet).
 */
static int profile_start(unsigned long shift, bool boot)
{
	unsigned long text = (unsigned long)(__text_end - __text_start), buckets;
	unsigned int order = 0, sh;
	struct page *p;
	int err = 0;

	sh = (unsigned int)MIN(MAX(shift, 2ul), (unsigned long)PROFILE_MAX_SHIFT);
	buckets = (text >> sh) + 1;
	while ((PAGE_SIZE << order) < buckets * sizeof(*prof_hits) && order < MAX_ORDER)
		order++;
	if (!boot)
		mutex_lock(&prof_start_lock);
	if (prof_hits)
		goto out;			/* someone was first */
	if ((PAGE_SIZE << order) < buckets * sizeof(*prof_hits) ||
	    !(p = alloc_pages(GFP_ZERO, order))) {
		err = -ENOMEM;
		goto out;
	}
	prof_shift = sh;
	prof_buckets = buckets;
	prof_order = order;
	/* Shift and buckets first: a tick that sees the pointer sees them. */
	__atomic_store_n(&prof_hits, (uint32_t *)page_address(p), __ATOMIC_RELEASE);
	printk("profile: %lu buckets of %u bytes of kernel text\n", buckets, 1u << sh);
out:
	if (!boot)
		mutex_unlock(&prof_start_lock);
	return err;
}

void profile_init(void)
{
	unsigned long shift;

	if (cmdline_get_ulong("profile", &shift) && profile_start(shift, true))
		printk("profile: no room for the counters; profiling off\n");
}

void profile_tick(void)
{
	struct trap_frame *tf = get_irq_regs();
	uint32_t *hits = __atomic_load_n(&prof_hits, __ATOMIC_ACQUIRE);
	uint64_t ip;

	if (!hits || !tf)
		return;
	if (trap_from_user(tf)) {
		__atomic_add_fetch(&prof_user, 1, __ATOMIC_RELAXED);
		return;
	}
	ip = tf->rip - (uint64_t)__text_start;
	if (ip >> prof_shift >= prof_buckets)
		return;			/* not kernel text (a trampoline) */
	__atomic_add_fetch(&hits[ip >> prof_shift], 1, __ATOMIC_RELAXED);
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

/* The contended lock classes, most spins first. */
static void lock_stat_show(struct proc_buf *b)
{
	struct lock_stat top[LOCK_STAT_SHOW_MAX];
	int n = 0;

	for (unsigned int i = 0; i < LOCK_STAT_SLOTS; i++) {
		struct lock_stat s = lock_stats[i];
		int j;

		if (!s.key || !s.waits)
			continue;
		if (n == LOCK_STAT_SHOW_MAX && top[n - 1].spins >= s.spins)
			continue;
		j = n < LOCK_STAT_SHOW_MAX ? n++ : n - 1;
		for (; j > 0 && top[j - 1].spins < s.spins; j--)
			top[j] = top[j - 1];
		top[j] = s;
	}
	proc_printf(b, "contended locks: waits spins class\n");
	for (int i = 0; i < n; i++)
		proc_printf(b, "%8lu %10lu %s\n", top[i].waits, top[i].spins,
			    top[i].name ? top[i].name : "?");
}

int proc_show_profile(struct proc_buf *b, const struct proc_ctx *unused)
{
	const int max = 2048;
	struct prof_fn *fns;
	uint64_t user, kernel;
	int n;

	(void)unused;
	fns = kmalloc(max * sizeof(*fns), 0);
	if (!fns)
		return -ENOMEM;
	mutex_lock(&prof_start_lock);		/* keeps the counters from going */
	if (!prof_hits) {
		mutex_unlock(&prof_start_lock);
		kfree(fns);
		proc_printf(b, "profiling is off: boot with profile=SHIFT, or write SHIFT here\n");
		return 0;
	}
	user = __atomic_load_n(&prof_user, __ATOMIC_RELAXED);
	kernel = __atomic_load_n(&prof_kernel, __ATOMIC_RELAXED);
	n = prof_collect(fns, max);
	proc_printf(b, "ticks %lu user %lu kernel %lu\n", user + kernel, user, kernel);
	for (int i = 0; i < n && i < PROFILE_SHOW_MAX && user + kernel; i++)
		proc_printf(b, "%8lu %5lu.%lu%% %s\n", fns[i].hits,
			    fns[i].hits * 100 / (user + kernel),
			    fns[i].hits * 1000 / (user + kernel) % 10, fns[i].name);
	mutex_unlock(&prof_start_lock);
	kfree(fns);
	lock_stat_show(b);
	return 0;
}

/*
 * Turn profiling off and free the counters. A tick may have loaded the
 * pointer just before it went: a flush of every CPU's TLB is answered by
 * each CPU only between interrupt handlers or in a spin-wait, never
 * between profile_tick()'s load and its increment, so once it returns no
 * tick still holds the old pointer.
 */
static int profile_stop(void)
{
	uint32_t *hits;

	mutex_lock(&prof_start_lock);
	hits = prof_hits;
	__atomic_store_n(&prof_hits, NULL, __ATOMIC_RELEASE);
	mutex_unlock(&prof_start_lock);
	if (!hits)
		return 0;
	arch_flush_tlb_all();
	free_pages(virt_to_page(hits), prof_order);
	return 0;
}

int profile_reset(const char *req)
{
	unsigned long shift = 0;

	if (!strcmp(req, "off") || !strcmp(req, "off\n"))
		return profile_stop();

	if (!__atomic_load_n(&prof_hits, __ATOMIC_ACQUIRE)) {
		/* Off: a number turns it on, as profile=SHIFT would have. */
		for (; *req >= '0' && *req <= '9' && shift < 100; req++)
			shift = shift * 10 + (unsigned long)(*req - '0');
		if (!shift || (*req && *req != '\n'))
			return -EINVAL;
		return profile_start(shift, false);
	}
	mutex_lock(&prof_start_lock);
	if (prof_hits)
		memset(prof_hits, 0, prof_buckets * sizeof(*prof_hits));
	mutex_unlock(&prof_start_lock);
	for (unsigned int i = 0; i < LOCK_STAT_SLOTS; i++) {
		__atomic_store_n(&lock_stats[i].waits, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&lock_stats[i].spins, 0, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&prof_user, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&prof_kernel, 0, __ATOMIC_RELAXED);
	return 0;
}
