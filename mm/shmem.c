/*
 * mm/shmem.c - shmem: the pages of tmpfs files, which are also shared
 * anonymous memory and memfds (unlinked tmpfs files, shmem_file_create).
 *
 * A shmem file has no backing store but swap. Its pages sit in the page
 * cache (inode->pages, mm/filemap.c), are created zeroed on first use,
 * and are "swap-backed" (PG_swapbacked) like anonymous memory: under
 * memory pressure reclaim (mm/vmscan.c) unmaps a page from every process
 * and shmem_writeout() writes it to a swap slot, leaving the slot's tagged
 * entry in the tree where the page was:
 *
 *   inode->pages:  [ page 0 ][ swap entry: slot 17 ][ hole ][ page 3 ]
 *                               |
 *                  read/write/fault of index 1 -> shmem_swapin():
 *                  read slot 17 into a new page, put it in the entry's
 *                  place, free the slot; the page is dirty again
 *
 * Holes read as zeros; shmem_get_page() allocates a page for one only when
 * asked to (enum sgp_type). Truncate and punch hole drop pages and swap
 * entries alike (filemap_remove_range) and zero partial pages in place.
 *
 * Inodes that may hold swap entries are on the swaplist, so swapoff
 * (mm/swapfile.c) can bring every page back (shmem_unuse) without
 * walking every file. The locks (inode->lock, pages_lock,
 * shmem_swaplist_lock, swap_map_lock) nest as the lock order (docs/locking.md)
 * says; mm/filemap.c explains pages_lock. The file system side (names, read/write loops, sizes,
 * times) is kernel/fs/tmpfs.c.
 */
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "mm/filemap.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/shmem.h"
#include "mm/swap.h"
#include "mm/vmscan.h"
#include "mm/vmstat.h"
#include <limits.h>		/* ULONG_MAX; after the UAPI headers */

unsigned long shmem_total_pages;	/* atomic */

/* Inodes holding swap entries (inode->swaplist), for swapoff. */
static spinlock_t shmem_swaplist_lock = SPINLOCK_INIT_RANKED(shmem_swaplist_lock, LOCK_RANK_SHMEM_SWAPLIST);
static LIST_HEAD(shmem_swaplist);	/* under shmem_swaplist_lock */
/* Evicting an inode waits here for reclaim's writes of its pages to end. */
static struct waitqueue shmem_writeout_wq = WAITQUEUE_INIT(shmem_writeout_wq);

/* A page joins (+1) or leaves (-1) memory as data of a shmem file. */
static void shmem_account(long d)
{
	__atomic_add_fetch(&shmem_total_pages, d, __ATOMIC_RELAXED);
	mod_vm_stat(NR_FILE_PAGES, d);
	mod_vm_stat(NR_SHMEM, d);
}

/* @p, just placed in the page cache, becomes shmem data (pages_lock held). */
static void shmem_page_init(struct page *p)
{
	page_set_flag(p, PG_swapbacked);	/* shmem: anonymous-like file data */
	page_set_flag(p, PG_uptodate);
	shmem_account(1);
}

/*
 * Bring the page at @index back from swap entry @e: read the slot into a
 * new page and, if @index still holds @e (truncate or another reader may
 * have been faster while this one slept), put the page in its place and
 * free the slot - the only copy is in memory again, so the page is dirty,
 * as Linux's shmem_swapin_folio leaves it. Returns the page with a
 * reference, NULL when the entry changed (look again), ERR_PTR(-EIO) when
 * the device failed (the entry stays: a later access tries again) or
 * ERR_PTR(-ENOMEM).
 */
static struct page *shmem_swapin(struct inode *inode, unsigned long index, void *e)
{
	struct page *p = alloc_page(GFP_RECLAIM);
	unsigned long irq;
	int err;

	if (!p)
		return ERR_PTR(-ENOMEM);
	err = swap_read_slot(p, page_tree_swap_slot(e));
	irq = spin_lock_irqsave(&inode->pages_lock);
	if (page_tree_load(&inode->pages, index) != e || err) {
		spin_unlock_irqrestore(&inode->pages_lock, irq);
		free_page(p);
		return err ? ERR_PTR(-EIO) : NULL;
	}
	page_tree_replace(&inode->pages, index, p);
	inode->swapped--;
	p->mapping = inode;
	p->index = index;
	shmem_page_init(p);
	page_set_flag(p, PG_dirty);
	get_page(p);				/* the caller's; the tree keeps the first */
	spin_unlock_irqrestore(&inode->pages_lock, irq);
	swap_free(page_tree_swap_slot(e));
	lru_cache_add(p);
	return p;
}

/* Past the last page of the file (pages_lock held)? */
static bool shmem_beyond_eof(struct inode *inode, unsigned long index)
{
	return index >= (unsigned long)((inode->size + PAGE_SIZE - 1) >> PAGE_SHIFT);
}

/*
 * The page at @index of @inode with a reference, swapped in if it was
 * out; a hole per @sgp (mm/shmem.h has the full contract). Takes
 * pages_lock, never inode->lock; may sleep (allocation, swap-in).
 */
struct page *shmem_get_page(struct inode *inode, unsigned long index, enum sgp_type sgp)
{
	struct page *fresh = NULL, *p;
	unsigned long irq;
	void *e;

	for (;;) {
		irq = spin_lock_irqsave(&inode->pages_lock);
		if (sgp == SGP_CACHE && shmem_beyond_eof(inode, index)) {
			p = ERR_PTR(-ENXIO);
			goto out;
		}
		e = page_tree_load(&inode->pages, index);
		if (page_tree_is_swap(e)) {
			spin_unlock_irqrestore(&inode->pages_lock, irq);
			p = shmem_swapin(inode, index, e);
			if (!p)
				continue;
			if (fresh)
				free_page(fresh);
			return p;
		}
		p = e;
		if (!p && fresh) {
			if (filemap_add_page_locked(inode, fresh, index)) {
				p = ERR_PTR(-ENOMEM);
				goto out;
			}
			p = fresh;
			fresh = NULL;
			shmem_page_init(p);
			get_page(p);
			spin_unlock_irqrestore(&inode->pages_lock, irq);
			lru_cache_add(p);
			return p;
		}
		if (p) {
			debug_check_cached(inode, index, p);
			get_page(p);
			goto out;
		}
		if (sgp == SGP_READ)
			goto out;
		spin_unlock_irqrestore(&inode->pages_lock, irq);
		fresh = alloc_page(GFP_ZERO | GFP_RECLAIM);	/* outside the lock, then retry */
		if (!fresh)
			return ERR_PTR(-ENOMEM);
	}
out:
	spin_unlock_irqrestore(&inode->pages_lock, irq);
	if (fresh)
		free_page(fresh);
	return p;
}

/* ---- reclaim: writing pages out to swap ---- */

/*
 * Reclaim (mm/vmscan.c) of shmem page @p: shmem_writeout_begin() pins
 * the inode for the writes to come. It is called without sleeping since
 * @p was seen in the file (p->mapping set), so the inode is alive: its
 * eviction first truncates (clearing every page's mapping), then waits
 * for writeouts to end - so unlink(2) frees the memory and the swap of a
 * file at once, as on Linux, rather than when reclaim lets go of it.
 * Neither takes a lock nor sleeps.
 */
void shmem_writeout_begin(struct inode *inode)
{
	__atomic_add_fetch(&inode->writeouts, 1, __ATOMIC_RELAXED);
}

void shmem_writeout_end(struct inode *inode)
{
	if (!__atomic_sub_fetch(&inode->writeouts, 1, __ATOMIC_ACQ_REL))
		wake_up(&shmem_writeout_wq);	/* last touch of @inode */
}

/*
 * Write shmem page @p, which no PTE maps any more and the caller holds
 * (its reference and the file's are the only ones), to a new swap slot
 * and leave the slot's entry in the file in its place - Linux's
 * shmem_writepage. The write sleeps; if anyone took the page meanwhile (a
 * fault mapped it, read(2) or write(2) used it, truncate cut it), or
 * dirtied it, the page stays and the slot is freed. 0 when the file's
 * reference is dropped (the caller's is then the last), -EBUSY, -ENOSPC
 * or -EIO. Between shmem_writeout_begin() and _end(); takes pages_lock
 * and shmem_swaplist_lock.
 */
int shmem_writeout(struct page *p)
{
	struct inode *inode = READ_ONCE(p->mapping);
	unsigned long irq;
	bool done = false;
	long slot;

	if (!inode)
		return -EBUSY;		/* truncated since the caller looked */
	slot = swap_alloc_slot();
	if (slot < 0)
		return (int)slot;
	page_clear_flag(p, PG_dirty);
	if (swap_writepage(p, slot)) {
		page_set_flag(p, PG_dirty);
		swap_free(slot);
		return -EIO;
	}
	irq = spin_lock_irqsave(&inode->pages_lock);
	if (p->mapping == inode && page_count(p) == 2 && !READ_ONCE(p->mapcount) &&
	    !page_test_flag(p, PG_dirty) && page_tree_load(&inode->pages, p->index) == p) {
		page_tree_replace(&inode->pages, p->index, page_tree_swap_entry(slot));
		inode->swapped++;
		__spin_lock(&shmem_swaplist_lock);	/* irqs are off already */
		if (list_empty(&inode->swaplist))
			list_add_tail(&inode->swaplist, &shmem_swaplist);
		__spin_unlock(&shmem_swaplist_lock);
		p->mapping = NULL;
		shmem_account(-1);
		done = true;
	}
	spin_unlock_irqrestore(&inode->pages_lock, irq);
	if (!done) {
		page_set_flag(p, PG_dirty);
		swap_free(slot);
		return -EBUSY;
	}
	put_page(p);				/* the file's reference */
	return 0;
}

/* ---- swapoff: bringing every page back ---- */

static void swaplist_del(struct inode *inode)
{
	unsigned long irq = spin_lock_irqsave(&shmem_swaplist_lock);

	if (!list_empty(&inode->swaplist))
		list_del_init(&inode->swaplist);
	spin_unlock_irqrestore(&shmem_swaplist_lock, irq);
}

/* Swap every page of @inode back in; 0 or -EIO / -ENOMEM. */
static int shmem_unuse_inode(struct inode *inode)
{
	for (unsigned long index = 0; ; index++) {
		unsigned long irq = spin_lock_irqsave(&inode->pages_lock);
		void *e = inode->swapped ? page_tree_next(&inode->pages, &index) : NULL;
		struct page *p;

		while (e && !page_tree_is_swap(e)) {
			index++;
			e = page_tree_next(&inode->pages, &index);
		}
		spin_unlock_irqrestore(&inode->pages_lock, irq);
		if (!e)
			return 0;
		if (signal_pending_current())
			return -EINTR;		/* swapoff is interrupted, as Linux's */
		cond_resched();
		p = shmem_get_page(inode, index, SGP_READ);	/* reads it back */
		if (IS_ERR(p))
			return (int)PTR_ERR(p);
		if (p)
			put_page(p);
	}
}

/*
 * swapoff: bring every swapped shmem page back into memory (Linux's
 * shmem_unuse). 0, or the first error (-EINTR for a signal); the swap
 * area then stays on.
 * Takes shmem_swaplist_lock and each inode's pages_lock; sleeps.
 */
int shmem_unuse(void)
{
	for (;;) {
		struct inode *inode = NULL;
		unsigned long irq = spin_lock_irqsave(&shmem_swaplist_lock);
		int err;

		if (!list_empty(&shmem_swaplist))
			inode = inode_get(list_entry(shmem_swaplist.next, struct inode, swaplist));
		spin_unlock_irqrestore(&shmem_swaplist_lock, irq);
		if (!inode)
			return 0;
		err = shmem_unuse_inode(inode);
		if (!err)
			swaplist_del(inode);
		inode_put(inode);
		if (err)
			return err;
	}
}

/* ---- truncate, punch hole, fallocate, eviction: the page side ---- */

/*
 * Drop the pages and swap slots at indices [@first, @end) of @inode: the
 * core of truncate, punch hole and eviction. Mappers must be gone first
 * (unmap_mapping_range/_pages) or be unable to fault these pages back in.
 */
static void shmem_truncate_range(struct inode *inode, unsigned long first, unsigned long end)
{
	shmem_account(-(long)filemap_remove_range(inode, first, end));
}

/*
 * Zero the bytes [@from, @to) of the file, all inside one page, if the
 * file has that page (swapped back in if it was out); a hole reads as
 * zeros already.
 */
static void shmem_zero_range(struct inode *inode, loff_t from, loff_t to)
{
	struct page *p = shmem_get_page(inode, (uint64_t)from >> PAGE_SHIFT, SGP_READ);

	if (IS_ERR_OR_NULL(p))
		return;
	memset((char *)page_address(p) + (from & ~PAGE_MASK), 0, to - from);
	page_set_flag(p, PG_dirty);
	put_page(p);
}

/*
 * Shrink to @size: size first, then unmap, drop and zero the tail (the
 * order faults rely on). Caller holds inode->lock; may sleep.
 */
void shmem_truncate(struct inode *inode, loff_t size)
{
	loff_t boundary = ALIGN_UP((uint64_t)size, PAGE_SIZE);
	unsigned long first = (uint64_t)boundary >> PAGE_SHIFT;

	i_size_write(inode, size);		/* new faults past it now fail */
	unmap_mapping_range(inode, first);
	shmem_truncate_range(inode, first, ULONG_MAX);
	if (size < boundary)
		shmem_zero_range(inode, size, boundary);	/* the straddling page's tail */
}

/*
 * Punch hole is truncate's two steps on a range. The whole pages of
 * [@off, @off + @len) leave the file - unmapped from the file's shared
 * mappers first (private COW copies stay, as Linux's), then dropped with
 * their swap slots - and the partial pages at either end are zeroed in
 * place:
 *
 *           off     head_end                 tail_start    end
 *   pages: [ ....|xxxxxx][xxxxxxxx] ... [xxxxxxxx][xxxxxx|.... ]
 *                zeroed    whole pages: freed       zeroed
 *
 * (off and end inside one page: that page's [off, end) is zeroed once.)
 * Caller holds inode->lock; may sleep.
 */
void shmem_punch_hole(struct inode *inode, loff_t off, loff_t len)
{
	loff_t end = off + len;
	loff_t head_end = ALIGN_UP((uint64_t)off, PAGE_SIZE);
	loff_t tail_start = ALIGN_DOWN((uint64_t)end, PAGE_SIZE);
	unsigned long first = (uint64_t)head_end >> PAGE_SHIFT;
	unsigned long last = (uint64_t)tail_start >> PAGE_SHIFT;	/* exclusive */

	if (first < last) {
		unmap_mapping_pages(inode, first, last, /* even_cows= */false);
		shmem_truncate_range(inode, first, last);
		/*
		 * A fault does not take inode->lock: one that found an old
		 * page before it left the tree may have mapped it while the
		 * range was freed (free_range can sleep). Unmap again, as
		 * Linux's truncate_pagecache_range does, so no mapper keeps
		 * a page that is no longer the file's.
		 */
		unmap_mapping_pages(inode, first, last, /* even_cows= */false);
	}
	if (off < head_end)
		shmem_zero_range(inode, off, MIN(end, head_end));
	if (tail_start >= head_end && tail_start < end)
		shmem_zero_range(inode, tail_start, end);	/* not the head's page again */
}

/*
 * Fill [@off, @off + @len) with pages: 0, -ENOSPC or -EIO (pages added
 * before a failure stay; Linux takes them back). Caller holds
 * inode->lock and sets the size itself; may sleep.
 */
int shmem_fallocate(struct inode *inode, loff_t off, loff_t len)
{
	unsigned long first = (uint64_t)off >> PAGE_SHIFT;
	unsigned long end = ALIGN_UP((uint64_t)(off + len), PAGE_SIZE) >> PAGE_SHIFT;

	for (unsigned long index = first; index < end; index++) {
		struct page *p = shmem_get_page(inode, index, SGP_WRITE);

		if (IS_ERR(p))
			return PTR_ERR(p) == -EIO ? -EIO : -ENOSPC;
		put_page(p);
	}
	return 0;
}

/*
 * The inode's last reference is gone: drop its pages and swap slots, wait
 * for reclaim's writeouts, leave the swaplist. May sleep.
 */
void shmem_evict_inode(struct inode *inode)
{
	shmem_truncate_range(inode, 0, ULONG_MAX);
	wait_event(&shmem_writeout_wq, !READ_ONCE(inode->writeouts));
	swaplist_del(inode);
}

/*
 * Open the new inode @inode (its reference goes to the file) as an
 * unlinked file called @name: its dentry is in no directory, so
 * /proc/<pid>/maps shows "/<name> (deleted)", as Linux does. The file or
 * ERR_PTR(-ENOMEM); may sleep. shmem_file_create and memfd_secret use it.
 */
struct file *open_unlinked_inode(struct inode *inode, const char *name, int flags)
{
	struct dentry *d;
	struct file *f;

	inode->nlink = 0;
	d = dentry_alloc(vfs_root, name, inode);
	if (!d) {
		inode_put(inode);
		return ERR_PTR(-ENOMEM);
	}
	f = vfs_open_dentry(d, flags);
	dentry_put(d);
	return f;
}

/*
 * An unlinked tmpfs file for shared anonymous memory ("dev/zero") and
 * memfd_create ("memfd:<name>"): a new open file or ERR_PTR(-ENOMEM);
 * may sleep. The file's dentry is in no directory, so /proc/<pid>/maps shows
 * "/<name> (deleted)", as Linux does. The size is set through the tmpfs
 * inode's setsize, as ftruncate(2) would.
 */
struct file *shmem_file_create(const char *name, loff_t size, unsigned int flags)
{
	struct inode *inode = tmpfs_new_inode(vfs_root->sb, S_IFREG | 0777, 0);
	struct file *f;

	if (!inode)
		return ERR_PTR(-ENOMEM);
	f = open_unlinked_inode(inode, name, O_RDWR | (flags & O_CLOEXEC));
	if (!IS_ERR(f) && size && inode->i_op->setsize(inode, size)) {
		fput(f);
		return ERR_PTR(-ENOMEM);
	}
	return f;
}

/* ---- mapping shmem: shmem_vm_ops ---- */

/*
 * vm_operations.fault of tmpfs, memfd and shared anonymous VMAs: the
 * page-cache page of vmf->pgoff, read back from swap or allocated for a
 * hole if need be. A shared write dirties it; a private write gets a copy
 * made by the generic path (mm/memory.c's do_fault), so the file page is
 * only read. SIGBUS at or beyond EOF or when its swap slot is unreadable.
 */
static enum vm_fault_result shmem_fault(struct vm_fault *vmf)
{
	struct vma *v = vmf->vma;
	struct page *p = shmem_get_page(v->file->inode, vmf->pgoff, SGP_CACHE);

	if (IS_ERR(p))
		return PTR_ERR(p) == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	count_vm_event(FILE_FAULT);
	vmf->page = p;
	/* LAB filemap BEGIN */
	/* LAB filemap STUB: vmf->writable = false; */
	if ((vmf->flags & FAULT_WRITE) && (v->flags & VM_SHARED))
		page_set_flag(p, PG_dirty);
	/*
	 * A shared read maps the page writable (a later write sets the PTE's
	 * dirty bit, which unmapping moves to the page), unless soft-dirty
	 * tracks this VMA: then the first write must fault, to be recorded
	 * (Linux's vma_wants_writenotify()). A private write is mapped
	 * writable too: do_fault() maps a copy (cow_file_page()).
	 */
	vmf->writable = (vmf->flags & FAULT_WRITE) ||
			((v->flags & VM_SHARED) && !vma_soft_dirty_enabled(v));
	/* LAB filemap END */
	return VM_FAULT_OK;
}

const struct vm_operations shmem_vm_ops = {
	.fault = shmem_fault,
	.map_pages = filemap_map_pages,
};
