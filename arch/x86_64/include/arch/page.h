/*
 * page.h - clearing and copying whole pages, the two memory loops the mm
 * runs on every anonymous fault (GFP_ZERO) and every COW copy.
 *
 * "rep stosq" / "rep movsq" move 8 bytes per step in one instruction that
 * the CPU (or QEMU's translator, which runs it as one helper loop instead
 * of translated blocks of stores) streams: Linux's clear_page_rep and
 * copy_page use the same on CPUs without ERMS. The kernel's C memset is a
 * loop of 8-byte stores, several times slower under TCG.
 *
 * Both need 8-byte-aligned pointers and a length that is a multiple of 8
 * (whole pages always are).
 */
#ifndef ARCH_PAGE_H
#define ARCH_PAGE_H

#include <stddef.h>

/* Zero @bytes at @dst. */
static inline void clear_pages(void *dst, size_t bytes)
{
	size_t n = bytes / 8;

	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(n) : "a"(0ul) : "memory");
}

/* Copy @bytes from @src to @dst (no overlap). */
static inline void copy_pages(void *dst, const void *src, size_t bytes)
{
	size_t n = bytes / 8;

	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

#endif
