/*
 * dirops.c - changing the name space: mkdir, mknod, rmdir, unlink, rename
 * (and their *at forms).
 *
 * Each operation runs entirely under vfs_ns_lock: resolve the parent,
 * check the last component, change the children lists. Names are only
 * ever in the dentry tree, so removing one is dentry_unlink(), and a
 * rename moves the dentry itself -- open files, cwds and mounts that point
 * at it follow the move:
 *
 *   rename("a/x", "b/y"):   a -- x          a
 *                           b          =>   b -- y   (same dentry, new
 *                                                     name and cookie)
 *
 * Link counts (nlink, guarded by vfs_ns_lock): a file has 1, a directory
 * 2 + its subdirectories; a removed inode has 0, and a directory with
 * nlink 0 refuses new names and lookups (it is "dead").
 */
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/slab.h"

static void touch(struct inode *inode, bool mtime)
{
	struct fs_time now = fs_now();

	mutex_lock(&inode->lock);
	inode->ctime = now;
	if (mtime)
		inode->mtime = now;
	mutex_unlock(&inode->lock);
}

/* ---- mkdir / mknod ---- */

struct dentry *vfs_create_at(struct dentry *root, struct dentry *start, const char *path,
			     umode_t mode, unsigned int rdev)
{
	struct last_component last;
	struct dentry *parent, *d;
	int err;

	mutex_lock(&vfs_ns_lock);
	err = namei_parent(root, start, path, &parent, &last);
	if (err) {
		d = ERR_PTR(err);
		goto out_unlock;
	}
	d = last.type == LAST_NORM ? namei_lookup_one(root, parent, last.name)
				   : ERR_PTR(-EEXIST);
	if (!IS_ERR(d)) {
		dentry_put(d);
		d = ERR_PTR(-EEXIST);
	} else if (PTR_ERR(d) != -ENOENT) {
		/* d is the lookup's error */
	} else if (last.trailing_slash && !S_ISDIR(mode)) {
		d = ERR_PTR(-ENOENT);
	} else {
		d = vfs_create_locked(parent, last.name, mode, rdev);
	}
	dentry_put(parent);
out_unlock:
	mutex_unlock(&vfs_ns_lock);
	return d;
}

/* vfs_create_at without keeping the new dentry: 0 or -errno. */
static int create_node(struct dentry *root, struct dentry *start, const char *path,
		       umode_t mode, unsigned int rdev)
{
	struct dentry *d = vfs_create_at(root, start, path, mode, rdev);

	if (IS_ERR(d))
		return (int)PTR_ERR(d);
	dentry_put(d);
	return 0;
}

/* mkdir: 0 or -EEXIST/-ENOENT/-ENOTDIR/-ENAMETOOLONG/-EACCES/-ENOMEM. */
int vfs_mkdir(struct dentry *root, struct dentry *start, const char *path, umode_t mode)
{
	return create_node(root, start, path, S_IFDIR | (mode & 07777), 0);
}

/* mknod of a regular file or a character device (others: -EINVAL/-EPERM). */
int vfs_mknod(struct dentry *root, struct dentry *start, const char *path, umode_t mode,
	      unsigned int rdev)
{
	switch (mode & S_IFMT) {
	case 0:
		mode |= S_IFREG;
		break;
	case S_IFREG:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	return create_node(root, start, path, mode & (S_IFMT | 07777), rdev);
}

static umode_t current_umask(void)
{
	struct task *t = current();

	return t ? t->umask : 022;
}

static long sys_mkdirat(int dirfd, const char __user *path, umode_t mode)
{
	struct at_path ap;
	int err = at_path_get(dirfd, path, /* allow_empty= */false, &ap);

	if (err)
		return err;
	err = vfs_mkdir(ap.root, ap.start, ap.name, mode & ~current_umask());
	at_path_put(&ap);
	return err;
}
SYSCALL(__NR_mkdirat, sys_mkdirat);

static long sys_mkdir(const char __user *path, umode_t mode)
{
	return sys_mkdirat(AT_FDCWD, path, mode);
}
SYSCALL(__NR_mkdir, sys_mkdir);

/* Linux's dev_t encoding: minor low byte | major << 8 | minor high bits << 12. */
static long sys_mknodat(int dirfd, const char __user *path, umode_t mode, unsigned int dev)
{
	unsigned int major = (dev >> 8) & 0xfff, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
	struct at_path ap;
	int err;

	if (minor > 0xff || major > 0xffffff)
		return -EINVAL;		/* MKDEV() keeps 8 bits of minor */
	err = at_path_get(dirfd, path, /* allow_empty= */false, &ap);
	if (err)
		return err;
	err = vfs_mknod(ap.root, ap.start, ap.name, mode & ~current_umask(),
			MKDEV(major, minor));
	at_path_put(&ap);
	return err;
}
SYSCALL(__NR_mknodat, sys_mknodat);

static long sys_mknod(const char __user *path, umode_t mode, unsigned int dev)
{
	return sys_mknodat(AT_FDCWD, path, mode, dev);
}
SYSCALL(__NR_mknod, sys_mknod);

/* ---- unlink / rmdir ---- */

/* Why the linked child @c may not be removed (rmdir or unlink), or 0. */
static int may_delete(struct dentry *c, bool rmdir, bool trailing_slash)
{
	if (rmdir && !dentry_is_dir(c))
		return -ENOTDIR;
	if (!rmdir && dentry_is_dir(c))
		return -EISDIR;
	if (!rmdir && trailing_slash)
		return -ENOTDIR;
	if (c->flags & D_MOUNTED)
		return -EBUSY;
	if (rmdir && !list_empty(&c->children))
		return -ENOTEMPTY;
	return 0;
}

/* Take linked child @c out of the tree; vfs_ns_lock held. */
static void delete_child(struct dentry *parent, struct dentry *c)
{
	if (dentry_is_dir(c)) {
		c->inode->nlink = 0;
		parent->inode->nlink--;
	} else {
		c->inode->nlink--;
	}
	touch(c->inode, /* mtime= */false);
	touch(parent->inode, /* mtime= */true);
	dentry_unlink(c);
}

/* Errors for a last component that is not a plain name. */
static int delete_last_type(enum last_type type, bool rmdir)
{
	if (!rmdir)
		return -EISDIR;
	return type == LAST_DOT ? -EINVAL : type == LAST_DOTDOT ? -ENOTEMPTY : -EBUSY;
}

int vfs_unlink(struct dentry *root, struct dentry *start, const char *path, bool rmdir)
{
	struct last_component last;
	struct dentry *parent, *c;
	int err;

	mutex_lock(&vfs_ns_lock);
	err = namei_parent(root, start, path, &parent, &last);
	if (err)
		goto out_unlock;
	if (last.type != LAST_NORM) {
		err = delete_last_type(last.type, rmdir);
		goto out_put;
	}
	c = dentry_find_child(parent, last.name, strlen(last.name));
	if (!c) {
		/* Not in the tree: absent, or a made-up name (procfs). */
		c = namei_lookup_one(root, parent, last.name);
		err = IS_ERR(c) ? PTR_ERR(c) : -EPERM;
		if (!IS_ERR(c))
			dentry_put(c);
		goto out_put;
	}
	err = may_delete_perm(parent->inode, c->inode);
	if (!err)
		err = may_delete(c, rmdir, last.trailing_slash);
	if (!err)
		delete_child(parent, c);
	dentry_put(c);
out_put:
	dentry_put(parent);
out_unlock:
	mutex_unlock(&vfs_ns_lock);
	return err;
}

static long sys_unlinkat(int dirfd, const char __user *path, int flags)
{
	struct at_path ap;
	int err;

	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	err = at_path_get(dirfd, path, /* allow_empty= */false, &ap);
	if (err)
		return err;
	err = vfs_unlink(ap.root, ap.start, ap.name, flags & AT_REMOVEDIR);
	at_path_put(&ap);
	return err;
}
SYSCALL(__NR_unlinkat, sys_unlinkat);

static long sys_unlink(const char __user *path)
{
	return sys_unlinkat(AT_FDCWD, path, 0);
}
SYSCALL(__NR_unlink, sys_unlink);

static long sys_rmdir(const char __user *path)
{
	return sys_unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}
SYSCALL(__NR_rmdir, sys_rmdir);

/* ---- rename ---- */

struct rename_op {
	struct dentry *oparent, *nparent;	/* references */
	struct dentry *old, *target;		/* references; target may be NULL */
	struct last_component olast, nlast;
	bool noreplace;
};

/* Is @d equal to or below @anc (in the same super block)? */
static bool is_subdir(struct dentry *d, struct dentry *anc)
{
	for (;;) {
		if (d == anc)
			return true;
		if (d == d->parent)
			return false;
		d = d->parent;
	}
}

/* One commented check per rule; 0 when the rename may go ahead. */
static int check_rename(struct rename_op *r)
{
	bool odir = dentry_is_dir(r->old);

	/* Different super blocks (mounts) cannot share a dentry tree. */
	if (r->oparent->sb != r->nparent->sb)
		return -EXDEV;
	/* A removed directory takes no new names. */
	if (r->nparent->inode->nlink == 0)
		return -ENOENT;
	/* "x/" names a directory. */
	if (!odir && (r->olast.trailing_slash || r->nlast.trailing_slash))
		return -ENOTDIR;
	/* A mount point stays where it is. */
	if ((r->old->flags & D_MOUNTED) || (r->target && (r->target->flags & D_MOUNTED)))
		return -EBUSY;
	/* A directory cannot move below itself. */
	if (odir && is_subdir(r->nparent, r->old))
		return -EINVAL;
	if (!r->target)
		return 0;
	if (r->noreplace)
		return -EEXIST;
	/* Replace only like with like, and directories only when empty. */
	if (odir && !dentry_is_dir(r->target))
		return -ENOTDIR;
	if (!odir && dentry_is_dir(r->target))
		return -EISDIR;
	if (dentry_is_dir(r->target) && !list_empty(&r->target->children))
		return -ENOTEMPTY;
	return 0;
}

/* Move r->old under r->nparent with its new name; cannot fail. */
static void rename_move(struct rename_op *r)
{
	struct dentry *d = r->old, *from = r->oparent;

	if (r->target)
		delete_child(r->nparent, r->target);
	list_del_init(&d->child);
	if (from != r->nparent) {
		unsigned long irq = spin_lock_irqsave(&dentry_tree_lock);

		d->parent = dentry_get(r->nparent);
		spin_unlock_irqrestore(&dentry_tree_lock, irq);
		if (dentry_is_dir(d)) {
			from->inode->nlink--;
			r->nparent->inode->nlink++;
		}
		dentry_put(from);	/* the old parent pin; r->oparent still holds one */
	}
	d->cookie = r->nparent->next_cookie++;
	list_add_tail(&d->child, &r->nparent->children);
	touch(from->inode, /* mtime= */true);
	touch(r->nparent->inode, /* mtime= */true);
	touch(d->inode, /* mtime= */false);
}

static int rename_locked(struct dentry *root, struct rename_op *r, struct dentry *ostart,
			 const char *oldpath, struct dentry *nstart, const char *newpath)
{
	int err = namei_parent(root, ostart, oldpath, &r->oparent, &r->olast);

	if (err)
		return err;
	err = namei_parent(root, nstart, newpath, &r->nparent, &r->nlast);
	if (err)
		return err;
	if (r->olast.type != LAST_NORM || r->nlast.type != LAST_NORM)
		return -EBUSY;
	r->old = dentry_find_child(r->oparent, r->olast.name, strlen(r->olast.name));
	if (!r->old)
		return -ENOENT;
	r->target = dentry_find_child(r->nparent, r->nlast.name, strlen(r->nlast.name));
	if (r->target == r->old)
		return 0;		/* a rename onto itself does nothing */
	/* Removing the old name, replacing or adding the new one. */
	err = may_delete_perm(r->oparent->inode, r->old->inode);
	if (!err)
		err = r->target ? may_delete_perm(r->nparent->inode, r->target->inode)
				: inode_permission(r->nparent->inode, MAY_WRITE | MAY_EXEC);
	if (!err)
		err = check_rename(r);
	if (err)
		return err;
	err = dentry_set_name(r->old, r->nlast.name);
	if (err)
		return err;
	rename_move(r);
	return 0;
}

/*
 * rename(2) within one file system: 0 or -ENOENT, -ENOTDIR, -EISDIR,
 * -ENOTEMPTY, -EINVAL (into itself), -EBUSY (".", "..", mount points),
 * -EXDEV, -EEXIST (@noreplace), -ENOMEM.
 */
int vfs_rename(struct dentry *root, struct dentry *ostart, const char *oldpath,
	       struct dentry *nstart, const char *newpath, bool noreplace)
{
	struct rename_op *r = kzalloc(sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	r->noreplace = noreplace;
	mutex_lock(&vfs_ns_lock);
	err = rename_locked(root, r, ostart, oldpath, nstart, newpath);
	mutex_unlock(&vfs_ns_lock);
	if (r->target)
		dentry_put(r->target);
	if (r->old)
		dentry_put(r->old);
	if (r->nparent)
		dentry_put(r->nparent);
	if (r->oparent)
		dentry_put(r->oparent);
	kfree(r);
	return err;
}

static long sys_renameat2(int odirfd, const char __user *oldpath, int ndirfd,
			  const char __user *newpath, unsigned int flags)
{
	struct at_path o, n;
	int err;

	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;		/* RENAME_EXCHANGE/WHITEOUT: not supported */
	err = at_path_get(odirfd, oldpath, /* allow_empty= */false, &o);
	if (err)
		return err;
	err = at_path_get(ndirfd, newpath, /* allow_empty= */false, &n);
	if (!err) {
		err = vfs_rename(o.root, o.start, o.name, n.start, n.name,
				 flags & RENAME_NOREPLACE);
		at_path_put(&n);
	}
	at_path_put(&o);
	return err;
}
SYSCALL(__NR_renameat2, sys_renameat2);

static long sys_renameat(int odirfd, const char __user *oldpath, int ndirfd,
			 const char __user *newpath)
{
	return sys_renameat2(odirfd, oldpath, ndirfd, newpath, 0);
}
SYSCALL(__NR_renameat, sys_renameat);

static long sys_rename(const char __user *oldpath, const char __user *newpath)
{
	return sys_renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}
SYSCALL(__NR_rename, sys_rename);
