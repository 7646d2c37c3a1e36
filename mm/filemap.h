/*
 * mm/filemap.h - the page cache as the rest of the kernel sees it: the
 * pages of a file, indexed by page offset in inode->pages (mm/filemap.c).
 * Getting or creating a page of a shmem/tmpfs file, with swap-in, is
 * mm/shmem.h's shmem_get_page(); this header is the lookup side.
 */
#ifndef MM_FILEMAP_H
#define MM_FILEMAP_H

#include "kernel/fs/fs.h"

/*
 * The cached page at @index of @inode with a reference for the caller, or
 * NULL (a hole, or a page that is out on swap): never allocates, never
 * reads. Takes inode->pages_lock (not inode->lock: the fault path calls
 * it); never sleeps.
 */
struct page *filemap_get_page(struct inode *inode, unsigned long index);

/* debug_alloc=1: panic unless @p (if any) names @inode and @index as its place. */
void debug_check_cached(const struct inode *inode, unsigned long index, const struct page *p);

/*
 * Set the file size @size under inode->pages_lock, so a fault (which
 * checks the size under that lock) sees either the old size with the old
 * pages or the new one. Caller holds inode->lock; never sleeps.
 */
void i_size_write(struct inode *inode, loff_t size);

#endif
