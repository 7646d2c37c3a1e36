/*
 * dcache.c - lifetime of inodes and dentries, and the dentry tree.
 *
 * The tree of dentries is the name space (fs.h explains why there is no
 * separate cache). This file owns the reference counting:
 *
 *   parent <--ref-- child             (a dentry pins its parent)
 *   parent --ref--> child             (while D_LINKED: the children list)
 *   dentry --ref--> inode
 *
 * The parent->child reference is dropped by dentry_unlink(); the dentry is
 * freed when the last other holder (open file, cwd, mount) lets go, and
 * only then is its parent released, so an unlinked directory that is still
 * somebody's cwd keeps a valid ".." chain (lookups in it fail: nlink 0).
 *
 * Also here: the fs_buf copy helpers and fs_now(). Path walking: namei.c.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"
#include "mm/slab.h"

struct mutex vfs_ns_lock = MUTEX_INIT(vfs_ns_lock);
/*
 * The shape of the tree as a path walk sees it - each dentry's parent,
 * name and D_LINKED, and each super block's mount - changes only under
 * vfs_ns_lock *and* this spinlock, so a path can be printed holding just
 * the spinlock (Linux's rename_lock). /proc/PID/maps does that: it prints
 * under the mmap lock, which must not wait for vfs_ns_lock (unlink holds
 * vfs_ns_lock while it takes a file's inode lock, and a file's reader
 * holds that while it faults: docs/locking.md).
 */
spinlock_t dentry_tree_lock = SPINLOCK_INIT(dentry_tree_lock);
struct dentry *vfs_root;

/* ---- fs_buf ---- */

int fsbuf_copy_out(struct fs_buf dst, size_t off, const void *src, size_t n)
{
	if (dst.is_user)
		return copy_to_user(dst.ptr + off, src, n);
	memcpy(dst.ptr + off, src, n);
	return 0;
}

int fsbuf_copy_in(void *dst, struct fs_buf src, size_t off, size_t n)
{
	if (src.is_user)
		return copy_from_user(dst, src.ptr + off, n);
	memcpy(dst, src.ptr + off, n);
	return 0;
}

int fsbuf_zero(struct fs_buf dst, size_t off, size_t n)
{
	if (dst.is_user)
		return clear_user(dst.ptr + off, n);
	memset(dst.ptr + off, 0, n);
	return 0;
}

struct fs_time fs_now(void)
{
	uint64_t ns = clock_ns();

	return (struct fs_time){
		.sec = FS_EPOCH_SEC + (int64_t)(ns / NSEC_PER_SEC),
		.nsec = (long)(ns % NSEC_PER_SEC),
	};
}

/* ---- inodes ---- */

static struct lock_class_key inode_dir_key, inode_key;

struct inode *inode_alloc(struct super_block *sb, umode_t mode)
{
	struct inode *inode = kzalloc(sizeof(*inode));

	if (!inode)
		return NULL;
	inode->refcount = 1;
	inode->mode = mode;
	inode->sb = sb;
	inode->ino = __atomic_fetch_add(&sb->next_ino, 1, __ATOMIC_RELAXED);
	inode->nlink = S_ISDIR(mode) ? 2 : 1;
	/*
	 * Two lock classes in one field (Linux's i_mutex_dir_key): a
	 * directory's lock is taken under vfs_ns_lock (open.c), a regular
	 * file's above the mmap lock (a fault while tmpfs_read copies out),
	 * and the mmap lock is above vfs_ns_lock (/proc/PID/maps). One
	 * class would join those into a cycle no two inodes can form;
	 * docs/locking.md draws the order.
	 */
	if (S_ISDIR(mode))
		__mutex_init(&inode->lock, "inode->lock (dir)", &inode_dir_key, LOCK_RANK_NONE);
	else
		__mutex_init(&inode->lock, "inode->lock", &inode_key, LOCK_RANK_NONE);
	spin_lock_init_ranked(&inode->pages_lock, LOCK_RANK_PAGES);
	spin_lock_init_ranked(&inode->i_mmap_lock, LOCK_RANK_I_MMAP);
	INIT_LIST_HEAD(&inode->swaplist);
	inode->atime = inode->mtime = inode->ctime = fs_now();
	return inode;
}

struct inode *inode_get(struct inode *inode)
{
	__atomic_add_fetch(&inode->refcount, 1, __ATOMIC_RELAXED);
	return inode;
}

/* Drop a reference; the last one lets the file system free its data. */
void inode_put(struct inode *inode)
{
	if (!inode || __atomic_sub_fetch(&inode->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	if (inode->i_op && inode->i_op->evict)
		inode->i_op->evict(inode);
	kfree(inode);
}

/* ---- dentries ---- */

static char *name_dup(const char *name)
{
	size_t len = strlen(name);
	char *s = kmalloc(len + 1, 0);

	if (s)
		memcpy(s, name, len + 1);
	return s;
}

struct dentry *dentry_alloc(struct dentry *parent, const char *name, struct inode *inode)
{
	struct dentry *d = kzalloc(sizeof(*d));

	if (!d)
		return NULL;
	d->name = name_dup(name);
	if (!d->name) {
		kfree(d);
		return NULL;
	}
	d->refcount = 1;
	d->inode = inode;
	d->sb = inode->sb;
	d->parent = parent ? dentry_get(parent) : d;
	INIT_LIST_HEAD(&d->child);
	INIT_LIST_HEAD(&d->children);
	d->next_cookie = DIR_COOKIE_FIRST;
	return d;
}

struct dentry *dentry_get(struct dentry *d)
{
	__atomic_add_fetch(&d->refcount, 1, __ATOMIC_RELAXED);
	return d;
}

/*
 * Drop a reference. Freeing a dentry releases its parent, which may free
 * that one too: walk up in a loop rather than recursing.
 */
void dentry_put(struct dentry *d)
{
	while (d && !__atomic_sub_fetch(&d->refcount, 1, __ATOMIC_ACQ_REL)) {
		struct dentry *parent = d->parent == d ? NULL : d->parent;

		inode_put(d->inode);
		kfree(d->name);
		kfree(d);
		d = parent;
	}
}

void dentry_link(struct dentry *d)
{
	struct dentry *dir = d->parent;

	unsigned long irq;

	d->cookie = dir->next_cookie++;
	list_add_tail(&d->child, &dir->children);
	irq = spin_lock_irqsave(&dentry_tree_lock);
	d->flags |= D_LINKED;
	spin_unlock_irqrestore(&dentry_tree_lock, irq);
	dentry_get(d);
}

void dentry_unlink(struct dentry *d)
{
	unsigned long irq;

	if (!(d->flags & D_LINKED))
		return;
	list_del_init(&d->child);
	irq = spin_lock_irqsave(&dentry_tree_lock);
	d->flags &= ~D_LINKED;
	spin_unlock_irqrestore(&dentry_tree_lock, irq);
	dentry_put(d);
}

struct dentry *dentry_find_child(struct dentry *dir, const char *name, size_t len)
{
	struct dentry *c;

	list_for_each_entry(c, &dir->children, child)
		if (strlen(c->name) == len && !memcmp(c->name, name, len))
			return dentry_get(c);
	return NULL;
}

int dentry_set_name(struct dentry *d, const char *name)
{
	char *s = name_dup(name), *old;
	unsigned long irq;

	if (!s)
		return -ENOMEM;
	irq = spin_lock_irqsave(&dentry_tree_lock);
	old = d->name;
	d->name = s;
	spin_unlock_irqrestore(&dentry_tree_lock, irq);
	kfree(old);
	return 0;
}

/*
 * Paths are built backwards from the end of @buf:
 *
 *   buf [............/usr/bin\0]
 *                   ^ p moves left one "/name" per step
 *
 * A super block's root is not a name: step to its mount point instead.
 */
long dentry_path(struct dentry *d, struct dentry *root, char *buf, size_t size)
{
	char *p = buf + size;
	size_t len;

	if (size < 2)
		return -ENAMETOOLONG;
	*--p = 0;
	while (d != root) {
		if (d == d->sb->root) {
			if (!d->sb->mnt)
				break;		/* the top of everything */
			d = d->sb->mnt->mountpoint;
			continue;
		}
		if (!(d->flags & (D_LINKED | D_DYNAMIC)))
			return -ENOENT;
		len = strlen(d->name);
		if ((size_t)(p - buf) < len + 2)
			return -ENAMETOOLONG;
		p -= len;
		memcpy(p, d->name, len);
		*--p = '/';
		d = d->parent;
	}
	if (!*p)
		*--p = '/';
	len = buf + size - p - 1;
	memmove(buf, p, len + 1);
	return (long)len;
}
