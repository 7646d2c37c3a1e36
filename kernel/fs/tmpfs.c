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
 * inode->lock serialises data, size and times. Data copies to and from user
 * memory happen with inode->lock held.
 *
 * Time stamps: FS_EPOCH_SEC plus the time since boot (fs_now(), fs.h).
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "mm/page_alloc.h"

#define TMPFS_MAX_BYTES	(1ll << 40)	/* s_maxbytes: 1 TiB */

unsigned long tmpfs_total_pages;

static const struct inode_operations tmpfs_file_iops;
static const struct inode_operations tmpfs_special_iops;	/* nothing to do */

/* ---- regular file data ---- */

static ssize_t tmpfs_read(struct file *f, struct fs_buf buf, size_t n, loff_t *pos)
{
	struct inode *inode = f->inode;
	size_t done = 0;
	int err = 0;

	mutex_lock(&inode->lock);
	while (done < n && *pos < inode->size) {
		size_t off = *pos & ~PAGE_MASK;
		size_t chunk = MIN(PAGE_SIZE - off, n - done);
		struct page *p = page_tree_lookup(&inode->pages, *pos >> PAGE_SHIFT);

		chunk = MIN(chunk, (size_t)(inode->size - *pos));
		if (p)
			err = fsbuf_copy_out(buf, done, (char *)page_address(p) + off, chunk);
		else
			err = fsbuf_zero(buf, done, chunk);
		if (err)
			break;
		done += chunk;
		*pos += chunk;
	}
	inode->atime = fs_now();
	mutex_unlock(&inode->lock);
	return done ? (ssize_t)done : err;
}

/* The page at @index, allocated (zeroed) if the slot is a hole. inode->lock held. */
static struct page *tmpfs_get_page(struct inode *inode, unsigned long index)
{
	struct page *p = page_tree_lookup(&inode->pages, index);

	if (p)
		return p;
	p = alloc_page(GFP_ZERO);
	if (!p)
		return NULL;
	if (page_tree_insert(&inode->pages, index, p)) {
		free_page(p);
		return NULL;
	}
	p->index = index;
	inode->nr_pages++;
	__atomic_add_fetch(&tmpfs_total_pages, 1, __ATOMIC_RELAXED);
	return p;
}

/*
 * Write at *pos (at the end with O_APPEND, decided under the lock so
 * concurrent appenders do not overwrite each other). Returns the bytes
 * written, or -EFBIG / -ENOSPC / -EFAULT when none could be.
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
		struct page *p = tmpfs_get_page(inode, *pos >> PAGE_SHIFT);

		if (!p) {
			err = -ENOSPC;
			break;
		}
		err = fsbuf_copy_in((char *)page_address(p) + off, buf, done, chunk);
		if (err)
			break;
		done += chunk;
		*pos += chunk;
		if (*pos > inode->size)
			inode->size = *pos;
	}
	if (done)
		inode->mtime = inode->ctime = fs_now();
out_unlock:
	mutex_unlock(&inode->lock);
	return done ? (ssize_t)done : err;
}

static void tmpfs_free_from(struct inode *inode, unsigned long first)
{
	unsigned long freed = page_tree_truncate(&inode->pages, first);

	inode->nr_pages -= freed;
	__atomic_sub_fetch(&tmpfs_total_pages, freed, __ATOMIC_RELAXED);
}

/* Set the size; shrinking frees pages. 0 or -EFBIG. Takes inode->lock. */
static int tmpfs_setsize(struct inode *inode, loff_t size)
{
	if (size > TMPFS_MAX_BYTES)
		return -EFBIG;
	mutex_lock(&inode->lock);
	if (size < inode->size) {
		size_t off = size & ~PAGE_MASK;
		struct page *p;

		tmpfs_free_from(inode, ALIGN_UP((uint64_t)size, PAGE_SIZE) >> PAGE_SHIFT);
		p = off ? page_tree_lookup(&inode->pages, size >> PAGE_SHIFT) : NULL;
		if (p)
			memset((char *)page_address(p) + off, 0, PAGE_SIZE - off);
	}
	inode->size = size;
	inode->mtime = inode->ctime = fs_now();
	mutex_unlock(&inode->lock);
	return 0;
}

static void tmpfs_evict(struct inode *inode)
{
	tmpfs_free_from(inode, 0);
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
	.make_sb = tmpfs_make_sb,
};
