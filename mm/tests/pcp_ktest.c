/*
 * pcp_ktest.c - the per-CPU page lists of the page allocator
 * (mm/page_alloc.c): order-0 allocations and frees hit this CPU's list,
 * which is refilled from and drained to the buddy in batches, the free
 * count stays exact with pages sitting on lists, and four CPUs hammering
 * the allocator at once lose no page.
 *
 * pcp_bench prints what an order-0 allocation and free cost (information
 * only, never asserted: QEMU TCG on a shared host is no stopwatch).
 */
#include "kernel/ktest.h"
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "mm/debug_alloc.h"
#include "mm/page_alloc.h"

#define BENCH_ROUNDS	20000
#define BENCH_HELD	256

/*
 * Two patterns: one page taken and given back at once (the list's best
 * case: the same hot page every time), and 256 taken then 256 given back
 * (refills and drains along the way).
 */
KTEST(pcp_bench)
{
	static struct page *held[BENCH_HELD];
	uint64_t t0, pair_ns, burst_ns;

	t0 = clock_ns();
	for (int i = 0; i < BENCH_ROUNDS; i++) {
		struct page *p = alloc_page(GFP_KERNEL);

		KT_ASSERT(p != NULL);
		free_page(p);
	}
	pair_ns = clock_ns() - t0;
	t0 = clock_ns();
	for (int r = 0; r < BENCH_ROUNDS / BENCH_HELD; r++) {
		for (int i = 0; i < BENCH_HELD; i++) {
			held[i] = alloc_page(GFP_KERNEL);
			KT_ASSERT(held[i] != NULL);
		}
		for (int i = 0; i < BENCH_HELD; i++)
			free_page(held[i]);
	}
	burst_ns = clock_ns() - t0;
	printk("# pcp_bench: order-0 alloc+free pair %lu ns, in bursts of %d %lu ns "
	       "(%d pairs each)\n", (unsigned long)(pair_ns / BENCH_ROUNDS), BENCH_HELD,
	       (unsigned long)(burst_ns / (BENCH_ROUNDS / BENCH_HELD * BENCH_HELD)),
	       BENCH_ROUNDS);
	return KT_PASS;
}

static struct pcp_stats here(void)
{
	struct pcp_stats st;

	pcp_get_stats(this_cpu()->index, &st);
	return st;
}

/*
 * One CPU's list, step by step, with interrupts off so that nothing else
 * allocates on this CPU in between (and the test stays on it):
 *
 *   empty list, alloc     -> one refill of pcp_batch, batch - 1 left
 *   free it               -> back on the list (batch), and the next
 *                            alloc takes that same page (LIFO)
 *   pcp_batch more allocs -> served from the list, no refill
 *   high + 1 frees        -> the last one drains pcp_batch to the buddy
 *   drain                 -> list empty, pmm_free_pages() as before
 *
 * Frames on the list count as free throughout.
 */
#define HOLD_MAX	512

KTEST(pcp_refill_and_drain_in_batches)
{
	static struct page *held[HOLD_MAX];
	unsigned long irq, before;
	struct pcp_stats s0, s;
	struct page *p, *q;
	char why[128];

	KT_ASSERT(pcp_batch >= 1 && pcp_high >= pcp_batch && pcp_high + 1 <= HOLD_MAX);
	irq = arch_irq_save();
	before = pmm_free_pages();
	drain_local_pages();
	s0 = here();
	KT_ASSERT_EQ(s0.count, 0);
	KT_ASSERT_EQ(pmm_free_pages(), before);		/* a drain only moves frames */

	p = alloc_page(GFP_KERNEL);
	KT_ASSERT(p != NULL);
	s = here();
	KT_ASSERT_EQ(s.refills, s0.refills + 1);
	KT_ASSERT_EQ(s.count, pcp_batch - 1);
	KT_ASSERT_EQ(pmm_free_pages(), before - 1);
	KT_ASSERT_EQ(page_count(p), 1);
	KT_ASSERT(!page_test_flag(p, PG_pcp));

	free_page(p);
	KT_ASSERT_EQ(here().count, pcp_batch);
	KT_ASSERT_EQ(pmm_free_pages(), before);
	KT_ASSERT(page_test_flag(p, PG_pcp) && page_count(p) == 0);
	q = alloc_page(GFP_KERNEL);
	KT_ASSERT(q == p);				/* the hottest frame first */
	free_page(q);

	/* A full list's worth, then one more: exactly one more refill. */
	for (unsigned int i = 0; i < pcp_batch; i++) {
		held[i] = alloc_page(GFP_KERNEL);
		KT_ASSERT(held[i] != NULL);
	}
	s = here();
	KT_ASSERT_EQ(s.count, 0);
	KT_ASSERT_EQ(s.refills, s0.refills + 1);
	held[pcp_batch] = alloc_page(GFP_KERNEL);
	KT_ASSERT(held[pcp_batch] != NULL);
	s = here();
	KT_ASSERT_EQ(s.refills, s0.refills + 2);
	KT_ASSERT_EQ(s.count, pcp_batch - 1);
	KT_ASSERT_EQ(pmm_free_pages(), before - pcp_batch - 1);
	for (unsigned int i = 0; i <= pcp_batch; i++)
		free_page(held[i]);
	KT_ASSERT_EQ(pmm_free_pages(), before);

	/* Fill the list from empty to the high mark: the frame after drains a batch. */
	for (unsigned int i = 0; i <= pcp_high; i++) {
		held[i] = alloc_page(GFP_KERNEL);
		KT_ASSERT(held[i] != NULL);
	}
	drain_local_pages();
	s0 = here();
	KT_ASSERT_EQ(s0.count, 0);
	for (unsigned int i = 0; i < pcp_high; i++) {
		free_page(held[i]);
		KT_ASSERT_EQ(here().count, i + 1);
	}
	KT_ASSERT_EQ(here().drains, s0.drains);
	free_page(held[pcp_high]);
	s = here();
	KT_ASSERT_EQ(s.drains, s0.drains + 1);
	KT_ASSERT_EQ(s.count, pcp_high + 1 - pcp_batch);
	KT_ASSERT_EQ(pmm_free_pages(), before);

	/* A drain gives every frame back: all of them in the buddy, none lost. */
	drain_local_pages();
	KT_ASSERT_EQ(here().count, 0);
	KT_ASSERT_EQ(pmm_free_pages(), before);
	arch_irq_restore(irq);
	if (!pmm_check(why, sizeof(why))) {
		ktest_fail_reason(__FILE__, __LINE__, "allocator inconsistent: %s", why);
		return KT_FAIL;
	}
	return KT_PASS;
}

/*
 * A double free of a frame sitting on a per-CPU list is still caught:
 * debug_alloc reports it (the frame is "free" for it), and without
 * debug_alloc free_pages() would BUG on PG_pcp.
 */
KTEST(pcp_double_free_caught)
{
	struct page *p = alloc_page(GFP_KERNEL);
	unsigned long irq, before;
	char msg[256];
	unsigned int n;

	if (!debug_alloc_on()) {
		free_page(p);
		KT_SKIP("debug_alloc is off (the BUG_ON would stop the kernel)");
	}
	KT_ASSERT(p != NULL);
	irq = arch_irq_save();
	free_page(p);
	KT_ASSERT(page_test_flag(p, PG_pcp));		/* parked, not in the buddy */
	before = pmm_free_pages();
	debug_alloc_catch_begin();
	free_page(p);					/* the bug */
	n = debug_alloc_catch_end(msg, sizeof(msg));
	KT_ASSERT_EQ(pmm_free_pages(), before);
	arch_irq_restore(irq);
	KT_ASSERT_EQ(n, 1);
	KT_ASSERT(strstr(msg, "BUG: double free of page"));
	return KT_PASS;
}

/*
 * Every CPU at once: a kernel thread pinned to each allocates and frees
 * SMP_PAGES frames in random bursts of up to SMP_BURST (longer than a
 * list, so that lists are refilled and drained; shorter bursts would
 * recycle the same hot frames for ever), checking a pattern in each, then
 * frees a burst its neighbour CPU allocated (so frames migrate between
 * lists). The free count must come out exact with frames parked on every
 * list, each list must have been refilled in batches, and draining every
 * list must give everything back.
 */
#define SMP_PAGES	10000
#define SMP_BURST	512		/* > pcp_high + pcp_batch: bursts refill and drain */

struct pcp_worker {
	unsigned int cpu;
	struct task *task;			/* we hold a reference (workers_stop) */
	uint32_t rng;
	struct page *held[SMP_BURST];		/* the current burst */
	struct page *handoff[SMP_BURST];	/* allocated here, freed by cpu - 1's worker */
	volatile bool ready;
	volatile unsigned int bad;		/* wrong CPU, failed alloc, changed pattern */
};

static struct pcp_worker workers[MAX_CPUS];
static unsigned int nworkers;
static volatile bool smp_go, smp_release;
static volatile unsigned int handoffs_ready, workers_done;

static uint32_t worker_rnd(struct pcp_worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 17;
	w->rng ^= w->rng << 5;
	return w->rng;
}

/*
 * Wait a millisecond, asleep: a plain schedule_timeout() only yields, and
 * the worker pinned to the CPU the test runs on (the boot CPU's idle task,
 * which runs only when nothing else can) would never let the test go on.
 */
static void worker_nap(void)
{
	current()->state = TASK_INTERRUPTIBLE;
	schedule_timeout(1000000);
	current()->state = TASK_RUNNING;
}

static uint64_t stamp(struct pcp_worker *w, struct page *p)
{
	return page_to_pfn(p) * 0x9e3779b97f4a7c15ull + w->cpu;
}

/* One burst of @n allocations, each stamped, into @held; false (NULLs) if one failed. */
static bool worker_take(struct pcp_worker *w, struct page **held, unsigned int n)
{
	bool ok = true;

	for (unsigned int i = 0; i < n; i++) {
		held[i] = ok ? alloc_page(GFP_KERNEL) : NULL;
		if (!held[i]) {
			ok = false;
			continue;
		}
		*(volatile uint64_t *)page_address(held[i]) = stamp(w, held[i]);
	}
	return ok;
}

/* Check each frame of a burst @w took, and free it (on this CPU's list). */
static void worker_give(struct pcp_worker *w, struct page **held, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (!held[i])
			continue;
		if (*(volatile uint64_t *)page_address(held[i]) != stamp(w, held[i]))
			w->bad++;
		free_page(held[i]);
	}
}

static int pcp_worker_fn(void *arg)
{
	struct pcp_worker *w = arg, *next;

	WRITE_ONCE(w->ready, true);
	while (!READ_ONCE(smp_go))
		worker_nap();
	if (this_cpu()->index != w->cpu)
		w->bad++;
	for (unsigned int done = 0; done < SMP_PAGES; ) {
		unsigned int n = MIN(1 + worker_rnd(w) % SMP_BURST, SMP_PAGES - done);

		if (!worker_take(w, w->held, n))
			w->bad++;
		worker_give(w, w->held, n);
		done += n;
	}
	/* Cross-CPU frees: our burst goes to the next worker's CPU list. */
	if (!worker_take(w, w->handoff, SMP_BURST))
		w->bad++;
	__atomic_add_fetch(&handoffs_ready, 1, __ATOMIC_ACQ_REL);
	while (READ_ONCE(handoffs_ready) < nworkers)
		worker_nap();
	next = &workers[(w - workers + 1) % nworkers];
	worker_give(next, next->handoff, SMP_BURST);
	__atomic_add_fetch(&workers_done, 1, __ATOMIC_ACQ_REL);
	while (!READ_ONCE(smp_release))
		worker_nap();
	return 0;
}

/*
 * Tell the workers to exit and wait until they are gone, stacks and all,
 * before the next test counts free pages. Each CPU drops its dead task's
 * last reference at its next switch, which under TCG on a busy host may be
 * long after the task left the task list; so we hold a reference of our
 * own, wait for it to be the only one, and free the task ourselves.
 */
static void workers_stop(void)
{
	WRITE_ONCE(smp_release, true);
	WRITE_ONCE(smp_go, true);
	for (unsigned int i = 0; i < nworkers; i++) {
		struct task *t = workers[i].task;

		while (__atomic_load_n(&t->usage, __ATOMIC_ACQUIRE) > 1)
			schedule();		/* we are the boot CPU's idle task: no sleep */
		put_task_struct(t);
	}
}

KTEST(pcp_smp_alloc_free_exact)
{
	struct pcp_stats st0[MAX_CPUS], st;
	unsigned long before, refills = 0, drains = 0;
	uint64_t t0, ms;
	char why[128];

	if (sched_nr_cpus() < 2)
		KT_SKIP("%u CPU runs tasks", sched_nr_cpus());
	smp_go = smp_release = false;
	handoffs_ready = workers_done = 0;
	nworkers = 0;
	for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
		struct pcp_worker *w = &workers[nworkers];
		struct task *t;

		if (!cpu_online(cpu))
			continue;
		*w = (struct pcp_worker){ .cpu = cpu, .rng = 0x1234567u * (cpu + 1) };
		t = kthread_create_on("pcp_worker", pcp_worker_fn, w, 1ull << cpu);
		if (IS_ERR(t)) {
			workers_stop();
			KT_ASSERT(!"kthread_create_on failed");
		}
		/* Safe: it cannot exit before smp_release. */
		get_task_struct(t);
		w->task = t;
		nworkers++;
	}
	for (unsigned int i = 0; i < nworkers; i++)
		while (!READ_ONCE(workers[i].ready))
			schedule_timeout(1000000);
	/* Threads, stacks and all exist now: from here only the workers allocate. */
	for (unsigned int i = 0; i < nworkers; i++)
		pcp_get_stats(workers[i].cpu, &st0[i]);
	before = pmm_free_pages();
	t0 = clock_ns();
	WRITE_ONCE(smp_go, true);
	while (READ_ONCE(workers_done) < nworkers)
		schedule_timeout(1000000);
	ms = (clock_ns() - t0) / 1000000;

	KT_ASSERT_EQ(pmm_free_pages(), before);
	for (unsigned int i = 0; i < nworkers; i++) {
		KT_ASSERT_EQ(workers[i].bad, 0);
		pcp_get_stats(workers[i].cpu, &st);
		/* 10,000 frames cannot come from one list without batches both ways. */
		KT_ASSERT(st.refills > st0[i].refills && st.drains > st0[i].drains);
		refills += st.refills - st0[i].refills;
		drains += st.drains - st0[i].drains;
	}
	printk("# pcp_smp: %u CPUs x %d pages in %lu ms: %lu refills, %lu drains "
	       "(batch %u, high %u)\n", nworkers, SMP_PAGES, (unsigned long)ms, refills,
	       drains, pcp_batch, pcp_high);

	drain_all_pages();
	for (unsigned int i = 0; i < nworkers; i++) {
		pcp_get_stats(workers[i].cpu, &st);
		KT_ASSERT_EQ(st.count, 0);
	}
	KT_ASSERT_EQ(pmm_free_pages(), before);
	workers_stop();
	if (!pmm_check(why, sizeof(why))) {
		ktest_fail_reason(__FILE__, __LINE__, "allocator inconsistent: %s", why);
		return KT_FAIL;
	}
	return KT_PASS;
}
