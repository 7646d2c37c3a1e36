/*
 * tmpfs.c - the in-memory file system behind "/", /tmp and (as a base) /dev.
 *
 * Names live in the dentry tree (dcache.c); this file supplies the inodes:
 * directories, device nodes, and regular files. A regular file's data is
 * shmem's (mm/shmem.c): whole pages in the page cache (mm/filemap.c), which
 * mmap maps directly (mm/memory.c), so read/write and every mapping see the
 * same bytes, and which reclaim may write to swap. This file keeps the file
 * system side: the read and write loops copying through those pages, the
 * size (truncate calls shmem_truncate, fallocate shmem_punch_hole or
 * shmem_fallocate) and times; eviction is shmem_evict_inode.
 *
 * inode->lock serialises read, write, size changes and times (copies to
 * and from user memory happen with it held); the page cache and the size
 * are also guarded by the pages_lock spinlock, which is all the page-fault
 * path takes (i_size_write sets the size under it).
 *
 * Time stamps: FS_EPOCH_SEC plus the time since boot (fs_now(), fs.h).
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"
#include "mm/filemap.h"
#include "mm/page_alloc.h"
#include "mm/shmem.h"
#include "mm/vmscan.h"
#include <linux/falloc.h>

#define TMPFS_MAX_BYTES	(1ll << 40)	/* s_maxbytes: 1 TiB */

static const struct inode_operations tmpfs_file_iops;
static const struct inode_operations tmpfs_special_iops;	/* nothing to do */

/* ---- regular file data: copied through the page cache (mm/shmem.c) ---- */

static ssize_t tmpfs_read(struct file *f, struct fs_buf buf, size_t n, loff_t *pos)
{
	struct inode *inode = f->inode;
	size_t done = 0;
	int err = 0;

	/*
	 * The inode lock is held only to find each page (and the size), not
	 * across the copy to the reader: the copy may fault and take the
	 * reader's mmap lock, and the mmap lock may be held while a path is
	 * printed under vfs_ns_lock (/proc/PID/maps), which unlink holds
	 * while it takes this lock - a cycle (docs/locking.md). A page we
	 * hold a reference on stays valid across a racing truncate; as on
	 * Linux, such a read may return the old contents.
	 */
	while (done < n) {
		size_t off = *pos & ~PAGE_MASK;
		size_t chunk = MIN(PAGE_SIZE - off, n - done);
		struct page *p;

		/* A huge read yields, and ends when the reader is being killed. */
		if (fatal_signal_pending(current())) {
			err = -EINTR;
			break;
		}
		cond_resched();
		mutex_lock(&inode->lock);
		if (*pos >= inode->size) {
			mutex_unlock(&inode->lock);
			break;
		}
		p = shmem_get_page(inode, *pos >> PAGE_SHIFT, SGP_READ);
		chunk = MIN(chunk, (size_t)(inode->size - *pos));
		mutex_unlock(&inode->lock);
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
	mutex_lock(&inode->lock);
	inode->atime = fs_now();
	mutex_unlock(&inode->lock);
	return done ? (ssize_t)done : err;
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
		struct page *p;

		if (fatal_signal_pending(current())) {
			err = -EINTR;
			break;
		}
		cond_resched();
		p = shmem_get_page(inode, *pos >> PAGE_SHIFT, SGP_WRITE);
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
			i_size_write(inode, *pos);
	}
	if (done)
		inode->mtime = inode->ctime = fs_now();
out_unlock:
	mutex_unlock(&inode->lock);
	return done ? (ssize_t)done : err;
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
	if (size < inode->size)
		shmem_truncate(inode, size);	/* unmaps and drops the cut-off pages */
	i_size_write(inode, size);
	inode->mtime = inode->ctime = fs_now();
	mutex_unlock(&inode->lock);
	return 0;
}

/* ---- fallocate ---- */

/*
 * fallocate(2): PUNCH_HOLE frees whole pages and zeroes partial ones
 * (shmem_punch_hole); mode 0 and KEEP_SIZE fill the range with pages
 * (shmem_fallocate), mode 0 then extends the size. Takes inode->lock; may
 * sleep.
 */
static int tmpfs_fallocate(struct inode *inode, int mode, loff_t off, loff_t len)
{
	int err = 0;

	if (off + len > TMPFS_MAX_BYTES)
		return -EFBIG;			/* s_maxbytes: checked first, as Linux's VFS */
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;		/* ZERO_RANGE, COLLAPSE_RANGE, ...: not shmem's */
	mutex_lock(&inode->lock);
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		shmem_punch_hole(inode, off, len);
	} else {
		err = shmem_fallocate(inode, off, len);
		if (!err && !(mode & FALLOC_FL_KEEP_SIZE) && off + len > inode->size)
			i_size_write(inode, off + len);
	}
	inode->ctime = fs_now();
	if (!(mode & FALLOC_FL_KEEP_SIZE) || (mode & FALLOC_FL_PUNCH_HOLE))
		inode->mtime = inode->ctime;
	mutex_unlock(&inode->lock);
	return err;
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
	.evict = shmem_evict_inode,	/* drops the pages and swap slots */
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
