/*
 * tmpfs.c - the in-memory file system behind "/", /tmp and (as a base) /dev.
 *
 * Names live in the dentry tree (dcache.c); this file supplies the inodes:
 * directories, device nodes, and regular files whose data sits in whole
 * pages indexed by a page_tree (page_tree.c):
 *
 *   file offset:  0          4096        8192        12288
 *                 [ page 0  ][  hole    ][ page 2  ][..size
 *   pages:        tree[0]    NULL        tree[2]
 *
 * A hole (never written, or cut off by truncate and grown again) reads as
 * zeros. Truncating frees the pages wholly past the new size and zeroes the
 * tail of the page that straddles it, so growing the file later shows zeros.
 * fallocate's PUNCH_HOLE is the same on a range (tmpfs_free_range and
 * zero_in_page serve both).
 * The pages are the page cache: mmap maps them directly (mm/memory.c), so
 * read/write and every mapping see the same bytes. inode->lock serialises
 * read, write, size changes and times (copies to and from user memory
 * happen with it held); the page tree and the size are also guarded by the
 * pages_lock spinlock, which is all the page-fault path takes.
 *
 * Under memory pressure reclaim writes tmpfs pages to swap (shmem_writeout)
 * and the tree keeps the swap slot where the page was; the next read,
 * write or fault of that index reads it back (shmem_swapin). Shared
 * anonymous memory and memfds are tmpfs files, so they swap the same way.
 *
 * Time stamps: FS_EPOCH_SEC plus the time since boot (fs_now(), fs.h).
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/swap.h"
#include "mm/vmscan.h"
#include "mm/vmstat.h"
#include <linux/falloc.h>
#include <limits.h>		/* ULONG_MAX; after the UAPI headers */

#define TMPFS_MAX_BYTES	(1ll << 40)	/* s_maxbytes: 1 TiB */

unsigned long tmpfs_total_pages;

static const struct inode_operations tmpfs_file_iops;
static const struct inode_operations tmpfs_special_iops;	/* nothing to do */

/* ---- regular file data ---- */

/*
 * Inodes holding swap entries, for swapoff (shmem_unuse). Lock order:
 * pages_lock -> shmem_swaplist_lock -> swap map_lock.
 */
static spinlock_t shmem_swaplist_lock = SPINLOCK_INIT;
static LIST_HEAD(shmem_swaplist);
/* Evicting an inode waits here for reclaim's writes of its pages to end. */
static struct waitqueue shmem_writeout_wq = WAITQUEUE_INIT(shmem_writeout_wq);

/* A page joins (+1) or leaves (-1) memory as data of a tmpfs file. */
static void shmem_account(long d)
{
	__atomic_add_fetch(&tmpfs_total_pages, d, __ATOMIC_RELAXED);
	mod_vm_stat(NR_FILE_PAGES, d);
	mod_vm_stat(NR_SHMEM, d);
}

/* @p becomes the page at @index of @inode (pages_lock held). */
static void shmem_page_init(struct inode *inode, struct page *p, unsigned long index)
{
	p->mapping = inode;
	p->index = index;
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
	shmem_page_init(inode, p, index);
	page_set_flag(p, PG_dirty);
	get_page(p);				/* the caller's; the tree keeps the first */
	spin_unlock_irqrestore(&inode->pages_lock, irq);
	swap_free(page_tree_swap_slot(e));
	lru_add(p);
	return p;
}

/*
 * The page at @index with a reference, swapped back in if it was out.
 * A hole gives NULL, or with @create a new zeroed page (only below the
 * size when @check_size: faults). ERR_PTR(-ENXIO) beyond the size,
 * ERR_PTR(-EIO) when swap-in failed, ERR_PTR(-ENOMEM).
 */
static struct page *cache_get(struct inode *inode, unsigned long index, bool create,
			      bool check_size)
{
	struct page *fresh = NULL, *p;
	unsigned long irq;
	void *e;

	for (;;) {
		irq = spin_lock_irqsave(&inode->pages_lock);
		if (check_size && index >= (unsigned long)((inode->size + PAGE_SIZE - 1) >> PAGE_SHIFT)) {
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
			if (page_tree_insert(&inode->pages, index, fresh)) {
				p = ERR_PTR(-ENOMEM);
				goto out;
			}
			p = fresh;
			fresh = NULL;
			shmem_page_init(inode, p, index);
			inode->nr_pages++;
			get_page(p);
			spin_unlock_irqrestore(&inode->pages_lock, irq);
			lru_add(p);
			return p;
		}
		if (p) {
			get_page(p);
			goto out;
		}
		if (!create)
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

struct page *tmpfs_fault_page(struct inode *inode, unsigned long index)
{
	return cache_get(inode, index, true, true);
}

/* Fault-around: a page already in memory, or NULL (holes and swap stay). */
struct page *tmpfs_find_page(struct inode *inode, unsigned long index)
{
	unsigned long irq = spin_lock_irqsave(&inode->pages_lock);
	struct page *p = page_tree_lookup(&inode->pages, index);

	if (p)
		get_page(p);
	spin_unlock_irqrestore(&inode->pages_lock, irq);
	return p;
}

/*
 * Reclaim (mm/vmscan.c) of tmpfs page @p: shmem_writeout_begin() pins
 * the inode for the writes to come. It is called without sleeping since
 * @p was seen in the file (p->mapping set), so the inode is alive: its
 * eviction first truncates (clearing every page's mapping), then waits
 * for writeouts to end - so unlink(2) frees the memory and the swap of a
 * file at once, as on Linux, rather than when reclaim lets go of it.
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
 * Write tmpfs page @p, which no PTE maps any more and the caller holds
 * (its reference and the file's are the only ones), to a new swap slot
 * and leave the slot's entry in the file in its place - Linux's
 * shmem_writepage. The write sleeps; if anyone took the page meanwhile (a
 * fault mapped it, read(2) or write(2) used it, truncate cut it), or
 * dirtied it, the page stays and the slot is freed. 0 when the file's
 * reference is dropped (the caller's is then the last), -EBUSY, -ENOSPC
 * or -EIO. Between shmem_writeout_begin() and _end().
 */
int shmem_writeout(struct page *p)
{
	struct inode *inode = p->mapping;
	long slot = swap_alloc_slot();
	unsigned long irq;
	bool done = false;

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
		p = cache_get(inode, index, false, false);	/* reads it back */
		if (IS_ERR(p))
			return (int)PTR_ERR(p);
		if (p)
			put_page(p);
	}
}

/*
 * swapoff: bring every swapped tmpfs page back into memory (Linux's
 * shmem_unuse). 0, or the first error; the swap area then stays on.
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

static ssize_t tmpfs_read(struct file *f, struct fs_buf buf, size_t n, loff_t *pos)
{
	struct inode *inode = f->inode;
	size_t done = 0;
	int err = 0;

	mutex_lock(&inode->lock);
	while (done < n && *pos < inode->size) {
		size_t off = *pos & ~PAGE_MASK;
		size_t chunk = MIN(PAGE_SIZE - off, n - done);
		struct page *p = cache_get(inode, *pos >> PAGE_SHIFT, false, false);

		chunk = MIN(chunk, (size_t)(inode->size - *pos));
		if (IS_ERR(p)) {
			err = (int)PTR_ERR(p);
		} else if (p) {
			mark_page_accessed(p);
			err = fsbuf_copy_out(buf, done, (char *)page_address(p) + off, chunk);
			put_page(p);
		} else {
			err = fsbuf_zero(buf, done, chunk);
		}
		if (err)
			break;
		done += chunk;
		*pos += chunk;
	}
	inode->atime = fs_now();
	mutex_unlock(&inode->lock);
	return done ? (ssize_t)done : err;
}

static void set_size(struct inode *inode, loff_t size)
{
	unsigned long irq = spin_lock_irqsave(&inode->pages_lock);

	inode->size = size;
	spin_unlock_irqrestore(&inode->pages_lock, irq);
}

/*
 * write: whole pages come from the page cache, so the new data is what
 * every MAP_SHARED mapper sees at once (the page cache *is* the file).
 */
static ssize_t tmpfs_write(struct file *f, struct fs_buf buf, size_t n, loff_t *pos)
{
	struct inode *inode = f->inode;
	size_t done = 0;
	int err = 0;

	mutex_lock(&inode->lock);
	if (f->flags & O_APPEND)
		*pos = inode->size;
	if (*pos >= TMPFS_MAX_BYTES) {
		err = n ? -EFBIG : 0;
		goto out_unlock;
	}
	n = MIN(n, (size_t)(TMPFS_MAX_BYTES - *pos));
	while (done < n) {
		size_t off = *pos & ~PAGE_MASK;
		size_t chunk = MIN(PAGE_SIZE - off, n - done);
		struct page *p = cache_get(inode, *pos >> PAGE_SHIFT, true, false);

		if (IS_ERR(p)) {
			err = PTR_ERR(p) == -EIO ? -EIO : -ENOSPC;
			break;
		}
		mark_page_accessed(p);
		err = fsbuf_copy_in((char *)page_address(p) + off, buf, done, chunk);
		if (!err)
			page_set_flag(p, PG_dirty);
		put_page(p);
		if (err)
			break;
		done += chunk;
		*pos += chunk;
		if (*pos > inode->size)
			set_size(inode, *pos);
	}
	if (done)
		inode->mtime = inode->ctime = fs_now();
out_unlock:
	mutex_unlock(&inode->lock);
	return done ? (ssize_t)done : err;
}

/*
 * Drop the pages and swap slots at indices [@first, @end) of @inode: the
 * core of truncate, punch hole and eviction. Mappers must be gone first
 * (unmap_mapping_range/_pages) or be unable to fault these pages back in.
 */
static void tmpfs_free_range(struct inode *inode, unsigned long first, unsigned long end)
{
	unsigned long irq = spin_lock_irqsave(&inode->pages_lock);
	unsigned long swapped, freed = page_tree_punch(&inode->pages, first, end, &swapped);

	inode->nr_pages -= freed + swapped;
	inode->swapped -= swapped;
	spin_unlock_irqrestore(&inode->pages_lock, irq);
	shmem_account(-(long)freed);
}

/*
 * Zero the bytes [@from, @to) of the file, all inside one page, if the
 * file has that page (swapped back in if it was out); a hole reads as
 * zeros already.
 */
static void zero_in_page(struct inode *inode, loff_t from, loff_t to)
{
	struct page *p = cache_get(inode, (uint64_t)from >> PAGE_SHIFT, false, false);

	if (IS_ERR_OR_NULL(p))
		return;
	memset((char *)page_address(p) + (from & ~PAGE_MASK), 0, to - from);
	page_set_flag(p, PG_dirty);
	put_page(p);
}

/*
 * Set the size; shrinking unmaps the cut-off pages from every process that
 * maps them (so their next access raises SIGBUS) and drops them from the
 * cache. 0 or -EFBIG. Takes inode->lock.
 */
static int tmpfs_setsize(struct inode *inode, loff_t size)
{
	if (size > TMPFS_MAX_BYTES)
		return -EFBIG;
	mutex_lock(&inode->lock);
	if (size < inode->size) {
		loff_t boundary = ALIGN_UP((uint64_t)size, PAGE_SIZE);
		unsigned long first = (uint64_t)boundary >> PAGE_SHIFT;

		set_size(inode, size);		/* new faults past it now fail */
		unmap_mapping_range(inode, first);
		tmpfs_free_range(inode, first, ULONG_MAX);
		if (size < boundary)
			zero_in_page(inode, size, boundary);	/* the straddling page's tail */
	}
	set_size(inode, size);
	inode->mtime = inode->ctime = fs_now();
	mutex_unlock(&inode->lock);
	return 0;
}

/* ---- fallocate ---- */

/*
 * FALLOC_FL_PUNCH_HOLE: truncate's two steps on a range. The whole pages
 * of [@off, @off + @len) leave the file - unmapped from the file's shared
 * mappers first (private COW copies stay, as Linux's), then dropped with
 * their swap slots - and the partial pages at either end are zeroed in
 * place. The size never changes.
 *
 *           off     head_end                 tail_start    end
 *   pages: [ ....|xxxxxx][xxxxxxxx] ... [xxxxxxxx][xxxxxx|.... ]
 *                zeroed    whole pages: freed       zeroed
 *
 * (off and end inside one page: that page's [off, end) is zeroed once.)
 */
static void tmpfs_punch_hole(struct inode *inode, loff_t off, loff_t len)
{
	loff_t end = off + len;
	loff_t head_end = ALIGN_UP((uint64_t)off, PAGE_SIZE);
	loff_t tail_start = ALIGN_DOWN((uint64_t)end, PAGE_SIZE);
	unsigned long first = (uint64_t)head_end >> PAGE_SHIFT;
	unsigned long last = (uint64_t)tail_start >> PAGE_SHIFT;	/* exclusive */

	if (first < last) {
		unmap_mapping_pages(inode, first, last, /* even_cows= */false);
		tmpfs_free_range(inode, first, last);
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
		zero_in_page(inode, off, MIN(end, head_end));
	if (tail_start >= head_end && tail_start < end)
		zero_in_page(inode, tail_start, end);	/* not the head's page again */
}

/*
 * Mode 0 and FALLOC_FL_KEEP_SIZE: every page of the range is in the page
 * cache afterwards (zeroed where it was a hole); mode 0 also extends the
 * size. A failed allocation leaves the pages already added (Linux takes
 * them back) and returns -ENOSPC.
 */
static int tmpfs_allocate(struct inode *inode, int mode, loff_t off, loff_t len)
{
	unsigned long first = (uint64_t)off >> PAGE_SHIFT;
	unsigned long end = ALIGN_UP((uint64_t)(off + len), PAGE_SIZE) >> PAGE_SHIFT;

	for (unsigned long index = first; index < end; index++) {
		struct page *p = cache_get(inode, index, true, false);

		if (IS_ERR(p))
			return PTR_ERR(p) == -EIO ? -EIO : -ENOSPC;
		put_page(p);
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > inode->size)
		set_size(inode, off + len);
	return 0;
}

/* fallocate(2): see the two helpers above. Takes inode->lock; may sleep. */
static int tmpfs_fallocate(struct inode *inode, int mode, loff_t off, loff_t len)
{
	int err = 0;

	if (off + len > TMPFS_MAX_BYTES)
		return -EFBIG;			/* s_maxbytes: checked first, as Linux's VFS */
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;		/* ZERO_RANGE, COLLAPSE_RANGE, ...: not shmem's */
	mutex_lock(&inode->lock);
	if (mode & FALLOC_FL_PUNCH_HOLE)
		tmpfs_punch_hole(inode, off, len);
	else
		err = tmpfs_allocate(inode, mode, off, len);
	inode->ctime = fs_now();
	if (!(mode & FALLOC_FL_KEEP_SIZE) || (mode & FALLOC_FL_PUNCH_HOLE))
		inode->mtime = inode->ctime;
	mutex_unlock(&inode->lock);
	return err;
}

static void tmpfs_evict(struct inode *inode)
{
	tmpfs_free_range(inode, 0, ULONG_MAX);
	wait_event(&shmem_writeout_wq, !READ_ONCE(inode->writeouts));
	swaplist_del(inode);
}

/*
 * An unlinked tmpfs file, for shared anonymous memory ("dev/zero") and
 * memfd_create ("memfd:<name>"). Its dentry is in no directory, so
 * /proc/<pid>/maps shows "/<name> (deleted)", as Linux does.
 */
struct file *shmem_file_create(const char *name, loff_t size, unsigned int flags)
{
	struct inode *inode = tmpfs_new_inode(vfs_root->sb, S_IFREG | 0777, 0);
	struct dentry *d;
	struct file *f;

	if (!inode)
		return ERR_PTR(-ENOMEM);
	inode->nlink = 0;
	d = dentry_alloc(vfs_root, name, inode);
	if (!d) {
		inode_put(inode);
		return ERR_PTR(-ENOMEM);
	}
	f = vfs_open_dentry(d, O_RDWR | (flags & O_CLOEXEC));
	dentry_put(d);
	if (!IS_ERR(f) && size && tmpfs_setsize(inode, size)) {
		fput(f);
		return ERR_PTR(-ENOMEM);
	}
	return f;
}

/* ---- directories ---- */

/* List a directory of the dentry tree: ".", "..", then children by cookie. */
int tree_iterate(struct file *f, struct dir_context *ctx)
{
	struct dentry *c;

	if (!dir_emit_dots(f, ctx))
		return 0;
	list_for_each_entry(c, &f->dentry->children, child) {
		if (c->cookie <= ctx->pos)
			continue;
		if (!dir_emit(ctx, c->name, strlen(c->name), c->inode->ino,
			      dtype_of(c->inode->mode), c->cookie))
			break;
	}
	return 0;
}

static struct inode *tmpfs_create(struct inode *dir, umode_t mode, unsigned int rdev)
{
	return tmpfs_new_inode(dir->sb, mode, rdev);
}

/*
 * A new tmpfs inode of type @mode (S_IFREG, S_IFDIR, S_IFCHR, ...) with
 * refcount 1, or NULL when out of memory. Device nodes open through the
 * character-device table (open.c), so they need no file operations here.
 */
struct inode *tmpfs_new_inode(struct super_block *sb, umode_t mode, unsigned int rdev)
{
	struct inode *inode = inode_alloc(sb, mode);

	if (!inode)
		return NULL;
	inode_init_owner(inode);		/* the creator's fsuid/fsgid */
	if (S_ISDIR(mode)) {
		inode->i_op = &tmpfs_dir_iops;
		inode->fop = &dir_fops;
	} else if (S_ISREG(mode)) {
		inode->i_op = &tmpfs_file_iops;
		inode->fop = &generic_file_fops;
	} else {
		inode->i_op = &tmpfs_special_iops;
		inode->rdev = rdev;
	}
	return inode;
}

const struct inode_operations tmpfs_dir_iops = {
	.create = tmpfs_create,
	.iterate = tree_iterate,
};

static const struct inode_operations tmpfs_file_iops = {
	.read = tmpfs_read,
	.write = tmpfs_write,
	.setsize = tmpfs_setsize,
	.fallocate = tmpfs_fallocate,
	.evict = tmpfs_evict,
};

static struct super_block *tmpfs_make_sb(void)
{
	struct super_block *sb = sb_alloc(&tmpfs_type, &tmpfs_dir_iops, &dir_fops);

	if (sb)
		sb->root->inode->mode = S_IFDIR | 01777;	/* as Linux tmpfs */
	return sb;
}

const struct fs_type tmpfs_type = {
	.name = "tmpfs",
	.magic = TMPFS_MAGIC,
	.make_sb = tmpfs_make_sb,
};
