/*
 * mm/shmem.h - shmem: the pages of tmpfs files and of shared anonymous
 * memory and memfds (which are unlinked tmpfs files), as kernel/fs/tmpfs.c,
 * the mapping system calls and the fault path use them (mm/shmem.c).
 *
 * tmpfs keeps the file system (names, inodes, read/write loops, sizes and
 * times); shmem owns the pages: getting or allocating one, swapping it in,
 * and dropping or zeroing them when the file shrinks or a hole is punched.
 * Reclaim's half (writeout, swapoff's unuse) is in mm/internal.h.
 */
#ifndef MM_SHMEM_H
#define MM_SHMEM_H

#include "kernel/fs/fs.h"

/* Pages of shmem files in memory (meminfo Shmem, statfs); atomic. */
extern unsigned long shmem_total_pages;

/*
 * What shmem_get_page() does with a hole and with the file size, after
 * Linux's enum sgp_type (Pagoda's SGP_READ does not check the size: the
 * read loop stops at it already).
 */
enum sgp_type {
	SGP_READ,	/* a hole gives NULL; no size check (read, unuse, zeroing) */
	SGP_WRITE,	/* a hole gets a new zeroed page, even past the size (write, fallocate) */
	SGP_CACHE,	/* like SGP_WRITE, but -ENXIO at or past the size (faults: SIGBUS) */
};

/*
 * The page at @index of shmem file @inode with a reference for the
 * caller, read back from swap if it was out; for a hole NULL or a new
 * zeroed page, as @sgp says. ERR_PTR(-ENXIO) past the size (SGP_CACHE),
 * ERR_PTR(-EIO) when swap-in failed, ERR_PTR(-ENOMEM). Takes
 * inode->pages_lock, never inode->lock (faults call it); may sleep
 * (allocation, swap-in).
 */
struct page *shmem_get_page(struct inode *inode, unsigned long index, enum sgp_type sgp);

/*
 * Shrink @inode to @size (below its current size): the size first (new
 * faults past it fail), then the cut-off pages are unmapped from every
 * process and dropped with their swap slots, and the tail of the page
 * that straddles @size is zeroed. Caller holds inode->lock; may sleep.
 */
void shmem_truncate(struct inode *inode, loff_t size);

/*
 * FALLOC_FL_PUNCH_HOLE on [@off, @off + @len): whole pages leave the file
 * (unmapped from shared mappers, dropped), partial pages at either end
 * are zeroed; the size never changes. Caller holds inode->lock; may sleep.
 */
void shmem_punch_hole(struct inode *inode, loff_t off, loff_t len);

/*
 * fallocate mode 0 / FALLOC_FL_KEEP_SIZE, page side: every page of
 * [@off, @off + @len) is in the page cache afterwards (zeroed where it
 * was a hole). 0, -ENOSPC or -EIO; a failure leaves the pages already
 * added. Caller holds inode->lock and sets the size; may sleep.
 */
int shmem_fallocate(struct inode *inode, loff_t off, loff_t len);

/*
 * The last reference to shmem inode @inode is gone: drop all its pages
 * and swap slots, wait for reclaim's writes of its pages to end, take it
 * off the swaplist. May sleep.
 */
void shmem_evict_inode(struct inode *inode);

/*
 * An unlinked tmpfs file of @size bytes for shared anonymous memory
 * ("dev/zero") and memfd_create ("memfd:<name>"), opened O_RDWR (plus
 * O_CLOEXEC from @flags): a new open file or ERR_PTR(-ENOMEM). May sleep.
 */
struct file *shmem_file_create(const char *name, loff_t size, unsigned int flags);
/* Open new inode @inode as the unlinked file @name (mm/shmem.c). */
struct file *open_unlinked_inode(struct inode *inode, const char *name, int flags);

#endif
