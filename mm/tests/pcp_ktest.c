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
#include "kernel/printk.h"
#include "kernel/time.h"
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
