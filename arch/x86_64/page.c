/*
 * page.c - choosing the page clear and copy loops (arch/page.h) by timing
 * them on the machine we run on, once at boot.
 *
 * Each variant runs over the buffer a few rounds, interleaved with the
 * others so that a slow moment of the host (QEMU shares it) hits all of
 * them alike; a variant's score is its best round, in TSC cycles per page.
 * The first round of each only warms up (caches, QEMU's translation) and
 * does not count. Interrupts are off while a round runs.
 */
#include <arch/page.h>
#include <arch/cpu.h>
#include "kernel/printk.h"

enum page_loop clear_page_loop = PAGE_LOOP_REP8, copy_page_loop = PAGE_LOOP_REP8;

const char *const page_loop_names[NR_PAGE_LOOPS] = {
	[PAGE_LOOP_REP8] = "rep8", [PAGE_LOOP_REPB] = "repb", [PAGE_LOOP_UNROLLED] = "unrolled",
};

#define ROUNDS	4

/* Cycles per page of one round: clear (@src NULL) or copy over @bytes at @dst. */
static uint64_t one_round(enum page_loop how, void *dst, const void *src, size_t bytes)
{
	unsigned long irq = arch_irq_save();
	uint64_t t0 = rdtsc_ordered(), t;

	if (src)
		copy_pages_with(how, dst, src, bytes);
	else
		clear_pages_with(how, dst, bytes);
	t = rdtsc_ordered() - t0;
	arch_irq_restore(irq);
	return t / (bytes / 4096);
}

/* The fastest variant for clearing (@src NULL) or copying; @best gets the cycles of each. */
static enum page_loop fastest(void *dst, const void *src, size_t bytes,
			      uint64_t best[NR_PAGE_LOOPS])
{
	enum page_loop win = PAGE_LOOP_REP8;

	for (int h = 0; h < NR_PAGE_LOOPS; h++)
		best[h] = ~(uint64_t)0;
	for (int r = 0; r < ROUNDS; r++)
		for (int h = 0; h < NR_PAGE_LOOPS; h++) {
			uint64_t c = one_round(h, dst, src, bytes);

			if (r > 0 && c < best[h])
				best[h] = c;
		}
	for (int h = 0; h < NR_PAGE_LOOPS; h++)
		if (best[h] < best[win])
			win = h;
	return win;
}

void page_loops_select(void *buf, size_t bytes)
{
	size_t half = bytes / 2 & ~(size_t)4095;
	uint64_t c[NR_PAGE_LOOPS], m[NR_PAGE_LOOPS];

	clear_page_loop = fastest(buf, NULL, bytes, c);
	copy_page_loop = fastest(buf, (char *)buf + half, half, m);
	printk("mm: page loops: clear %s (cycles/page: rep8 %lu, repb %lu, unrolled %lu), "
	       "copy %s (rep8 %lu, repb %lu, unrolled %lu)\n",
	       page_loop_names[clear_page_loop], (unsigned long)c[0], (unsigned long)c[1],
	       (unsigned long)c[2], page_loop_names[copy_page_loop], (unsigned long)m[0],
	       (unsigned long)m[1], (unsigned long)m[2]);
}
