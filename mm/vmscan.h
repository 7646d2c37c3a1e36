/*
 * vmscan.h - the LRU lists and reclaim to swap (mm/vmscan.c).
 */
#ifndef MM_VMSCAN_H
#define MM_VMSCAN_H

#include "kernel/types.h"

struct page;

/*
 * Free-page levels (pages): kswapd wakes below low and works up to high;
 * below min a GFP_RECLAIM allocation reclaims directly.
 */
extern unsigned long watermark_min, watermark_low, watermark_high;

/* Linux's order; the file lists stay empty (tmpfs pages are swap-backed). */
enum lru_list {
	LRU_INACTIVE_ANON,
	LRU_ACTIVE_ANON,
	LRU_INACTIVE_FILE,
	LRU_ACTIVE_FILE,
	NR_LRU_LISTS
};

void lru_cache_add(struct page *p);	/* a new anonymous page is mapped, a tmpfs page made */
void lru_add(struct page *p);		/* onto its list now (reclaim's putback) */
void lru_del(struct page *p);		/* its last reference is going */
void lru_add_drain_all(void);		/* every CPU's add batch onto the lists; no sleep */
unsigned long lru_pages(enum lru_list l);	/* for /proc/meminfo */
void mark_page_accessed(struct page *p);	/* read/write(2) used it */
void lru_deactivate(struct page *p);	/* MADV_COLD */
unsigned long direct_reclaim(void);	/* the allocator, for GFP_RECLAIM: pages freed */
struct mm;
/* Off its LRU list with a reference (MADV_PAGEOUT); false if on none. No sleep. */
bool lru_isolate(struct page *p);
/*
 * MADV_PAGEOUT of isolated pages (anonymous ones only @mm maps, or tmpfs
 * pages) in one batch, @mm's mmap lock held: @err[i] 0 when page i went
 * out, else -EBUSY, -EINVAL, -ENOSPC or -EIO. Drops the references. At
 * most PAGEOUT_BATCH pages. May sleep.
 */
#define PAGEOUT_BATCH	32
void pageout_pages(struct mm *mm, struct page **pages, unsigned int n, int *err);
void wakeup_kswapd(void);		/* any context */
/*
 * LRU aging, reclaim's two policy steps (mm/vmscan.c; ktests call them):
 *
 * page_check_references() - reclaim took @p, mapped or a tmpfs page, off
 * the inactive tail: was it used since reclaim last looked? ACTIVATE when
 * a PTE mapping it has its accessed bit set (it goes to the active list),
 * KEEP when only read(2)/write(2) used it (PG_referenced: another round on
 * the inactive list), RECLAIM when nothing did (it goes to swap). Clears
 * the accessed bits and PG_referenced it looked at; with @tlb (may be
 * NULL: flush each) the TLB flushes are left to that batch. The caller
 * holds a reference on @p; locks as rmap_walk; may sleep.
 *
 * shrink_active_list() - move up to @nr pages from the tail of the active
 * anon list to the head of the inactive one, their accessed bits and
 * PG_referenced cleared (pgrefill, pgdeactivate); a page that is leaving
 * (no mapping and no file) is left off the lists. Takes lru_lock per
 * page; may sleep (rmap).
 */
enum page_references { PAGEREF_RECLAIM, PAGEREF_KEEP, PAGEREF_ACTIVATE };
struct tlb_batch;
enum page_references page_check_references(struct page *p, struct tlb_batch *tlb);
void shrink_active_list(unsigned long nr);
/* Reclaim up to @nr pages to swap; returns how many were freed. May sleep. */
unsigned long reclaim_pages(unsigned long nr);
/* From the fault path, before any lock: reclaim if memory is short. */
void reclaim_if_short(void);
void vmscan_init(void);			/* watermarks and kswapd */

#endif
