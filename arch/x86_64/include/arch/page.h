/*
 * page.h - clearing and copying whole pages, the two memory loops the mm
 * runs on every anonymous fault (GFP_ZERO) and every COW copy.
 *
 * Three ways to do each, as Linux's clear_page_{rep,erms,orig} and
 * copy_page variants:
 *
 *   PAGE_LOOP_REP8      "rep stosq" / "rep movsq": 8 bytes per step of one
 *                       string instruction (Linux on CPUs with REP_GOOD)
 *   PAGE_LOOP_REPB      "rep stosb" / "rep movsb": fastest on CPUs with ERMS
 *                       (Enhanced REP MOVSB/STOSB), slow elsewhere
 *   PAGE_LOOP_UNROLLED  a loop of eight 8-byte moves per 64 bytes (Linux's
 *                       clear_page_orig / copy_page's loop)
 *
 * Which is fastest depends on the machine, and under QEMU's translator
 * differently again (every step of a string instruction is a separate
 * pass through the translated block; an unrolled loop is straight-line
 * code). So, as Linux's RAID-6 and XOR code choose their routines,
 * page_loops_select() times each on this machine at boot and the fastest
 * is used from then on (arch/x86_64/page.c; "mm: page loops" in the log).
 * Until then, and whenever a variant's name is asked for, REP8 is it.
 *
 * All need 8-byte-aligned pointers and a length that is a multiple of 64
 * (whole pages always are). No FPU/SSE registers: kernel code never uses
 * them (the user's are live).
 */
#ifndef ARCH_PAGE_H
#define ARCH_PAGE_H

#include <stddef.h>

enum page_loop { PAGE_LOOP_REP8, PAGE_LOOP_REPB, PAGE_LOOP_UNROLLED, NR_PAGE_LOOPS };

extern enum page_loop clear_page_loop, copy_page_loop;	/* set once, at boot */
extern const char *const page_loop_names[NR_PAGE_LOOPS];

/*
 * Time every variant on @buf (@bytes, whole pages, at least two) and use
 * the fastest of each from now on; prints what it measured. Boot, one CPU.
 */
void page_loops_select(void *buf, size_t bytes);

static inline void clear_pages_with(enum page_loop how, void *dst, size_t bytes)
{
	size_t n;

	switch (how) {
	case PAGE_LOOP_REPB:
		__asm__ volatile("rep stosb" : "+D"(dst), "+c"(bytes) : "a"(0ul) : "memory");
		return;
	case PAGE_LOOP_UNROLLED:
		n = bytes / 64;
		__asm__ volatile("1:\n\t"
				 "movq %2, 0(%0)\n\tmovq %2, 8(%0)\n\t"
				 "movq %2, 16(%0)\n\tmovq %2, 24(%0)\n\t"
				 "movq %2, 32(%0)\n\tmovq %2, 40(%0)\n\t"
				 "movq %2, 48(%0)\n\tmovq %2, 56(%0)\n\t"
				 "leaq 64(%0), %0\n\t"
				 "decq %1\n\t"
				 "jnz 1b"
				 : "+r"(dst), "+r"(n) : "r"(0ul) : "memory", "cc");
		return;
	default:
		n = bytes / 8;
		__asm__ volatile("rep stosq" : "+D"(dst), "+c"(n) : "a"(0ul) : "memory");
		return;
	}
}

static inline void copy_pages_with(enum page_loop how, void *dst, const void *src,
				   size_t bytes)
{
	size_t n;

	switch (how) {
	case PAGE_LOOP_REPB:
		__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(bytes) : : "memory");
		return;
	case PAGE_LOOP_UNROLLED: {
		unsigned long a, b, c, d;

		n = bytes / 64;
		__asm__ volatile("1:\n\t"
				 "movq 0(%1), %3\n\tmovq 8(%1), %4\n\t"
				 "movq 16(%1), %5\n\tmovq 24(%1), %6\n\t"
				 "movq %3, 0(%0)\n\tmovq %4, 8(%0)\n\t"
				 "movq %5, 16(%0)\n\tmovq %6, 24(%0)\n\t"
				 "movq 32(%1), %3\n\tmovq 40(%1), %4\n\t"
				 "movq 48(%1), %5\n\tmovq 56(%1), %6\n\t"
				 "movq %3, 32(%0)\n\tmovq %4, 40(%0)\n\t"
				 "movq %5, 48(%0)\n\tmovq %6, 56(%0)\n\t"
				 "leaq 64(%0), %0\n\t"
				 "leaq 64(%1), %1\n\t"
				 "decq %2\n\t"
				 "jnz 1b"
				 : "+r"(dst), "+r"(src), "+r"(n), "=&r"(a), "=&r"(b), "=&r"(c),
				   "=&r"(d)
				 : : "memory", "cc");
		return;
	}
	default:
		n = bytes / 8;
		__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
		return;
	}
}

/* Zero @bytes at @dst, the way chosen at boot. */
static inline void clear_pages(void *dst, size_t bytes)
{
	clear_pages_with(clear_page_loop, dst, bytes);
}

/* Copy @bytes from @src to @dst (no overlap), the way chosen at boot. */
static inline void copy_pages(void *dst, const void *src, size_t bytes)
{
	copy_pages_with(copy_page_loop, dst, src, bytes);
}

#endif
