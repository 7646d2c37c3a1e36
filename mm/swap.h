/*
 * swap.h - swap areas: a block device formatted by mkswap(8) that anonymous
 * pages can be written to (the swap-out and swap-in paths come next).
 *
 * The area's first page is Linux's swap header (mkswap from util-linux
 * writes it):
 *
 *   0     1024 bytes of boot block (ignored)
 *   1024  u32 version (1)  u32 last_page  u32 nr_badpages
 *   1036  u8 uuid[16]  char volume_name[16]  u32 padding[117]
 *   1536  u32 badpages[nr_badpages]
 *   4086  "SWAPSPACE2" (the last 10 bytes of the page)
 *
 * Slot 0 is the header; slots 1..last_page hold pages, except bad ones.
 */
#ifndef MM_SWAP_H
#define MM_SWAP_H

#include "kernel/types.h"

#define SWAP_MAGIC		"SWAPSPACE2"
#define SWAP_MAX_BADPAGES	((4096 - 1536 - 10) / 4)

/* Totals for /proc/meminfo, in pages. */
void swap_totals(unsigned long *total, unsigned long *free);
/* /proc/swaps text into @buf; returns its length. */
size_t swap_show(char *buf, size_t size);
/*
 * Validate a swap header page (pure: host- and ktest-able). Returns the
 * number of usable page slots (excluding the header and bad pages) and
 * sets *last_page, or -EINVAL.
 */
long swap_parse_header(const void *page, uint64_t device_pages, unsigned long *last_page);

/*
 * A swap PTE holding this value is a poisoned marker left by a failed
 * swap-in: no slot behind it, every access raises SIGBUS, fork copies it.
 */
#define SWP_ERROR_MARKER	((1ull << 40) - 1)

struct page;
/*
 * Swap slots and their I/O (mm/swapfile.c). A slot's count = swap PTEs
 * referring to it. The swap cache is mm/swap_state.c (mm/internal.h).
 */
long swap_alloc_slot(void);			/* a slot with count 1, or -ENOSPC */
void swap_dup(unsigned long slot);		/* fork copied a swap PTE */
void swap_free(unsigned long slot);		/* a swap PTE went away */
unsigned int swap_count(unsigned long slot);
int swap_writepage(struct page *p, unsigned long slot);	/* 0 / -EIO */
int swap_read_slot(struct page *p, unsigned long slot);	/* 0 / -EIO */
bool swap_writable(void);			/* a slot can be taken now */

/* swapon(2)/swapoff(2) for kernel code and tests: 0 or -errno. */
long swapon_kernel(const char *path);
long swapoff_kernel(const char *path);

#endif
