/*
 * vmscan.h - the anonymous LRU list and reclaim to swap (mm/vmscan.c).
 */
#ifndef MM_VMSCAN_H
#define MM_VMSCAN_H

#include "kernel/types.h"

struct page;

/* Free-page levels (pages): kswapd wakes below low and works up to high. */
extern unsigned long watermark_low, watermark_high;

void lru_add(struct page *p);		/* a new anonymous page is mapped */
void lru_del(struct page *p);		/* its last reference is going */
void wakeup_kswapd(void);		/* any context */
/* Reclaim up to @nr pages to swap; returns how many were freed. May sleep. */
unsigned long reclaim_pages(unsigned long nr);
/* From the fault path, before any lock: reclaim if memory is short. */
void reclaim_if_short(void);
void vmscan_init(void);			/* watermarks and kswapd */

#endif
