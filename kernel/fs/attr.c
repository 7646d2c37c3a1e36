/*
 * attr.c - changing inode attributes: chmod, chown and utimensat families.
 *
 * The calls validate their arguments, find the inode (by path or fd),
 * check Linux's ownership rules (chmod: the owner or CAP_FOWNER; chown:
 * CAP_CHOWN, or the owner giving the file to one of its own groups) and
 * store the new values under inode->lock, updating ctime as Linux does.
 * The file type bits of a mode never change.
 */
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/syscall.h"
#include "kernel/task.h"

#ifndef UTIME_NOW
#define UTIME_NOW	((1l << 30) - 1l)
#define UTIME_OMIT	((1l << 30) - 2l)
#endif

/* (dirfd, path) -> dentry with a reference; "" with AT_EMPTY_PATH is dirfd itself. */
static int attr_path(int dirfd, const char __user *upath, int flags, struct dentry **res)
{
	struct dentry *root;
	int empty = at_empty_path(upath, flags);

	if (empty < 0)
		return empty;
	if (!empty)
		return user_path_at(dirfd, upath, res);
	if (dirfd != AT_FDCWD)
		return fd_dentry(dirfd, res);
	fs_get_root_cwd(&root, res);
	dentry_put(root);
	return 0;
}

/* ---- chmod ---- */

static void set_mode(struct inode *inode, umode_t mode)
{
	mutex_lock(&inode->lock);
	inode->mode = (inode->mode & S_IFMT) | (mode & 07777);
	inode->ctime = fs_now();
	mutex_unlock(&inode->lock);
}

static long do_chmod(int err, struct dentry *d, umode_t mode)
{
	if (err)
		return err;
	if (!inode_owner_or_capable(d->inode)) {
		dentry_put(d);
		return -EPERM;
	}
	set_mode(d->inode, mode);
	dentry_put(d);
	return 0;
}

static long sys_fchmodat(int dirfd, const char __user *path, umode_t mode)
{
	struct dentry *d = NULL;
	int err = attr_path(dirfd, path, 0, &d);

	return do_chmod(err, d, mode);
}
SYSCALL(__NR_fchmodat, sys_fchmodat);

static long sys_chmod(const char __user *path, umode_t mode)
{
	return sys_fchmodat(AT_FDCWD, path, mode);
}
SYSCALL(__NR_chmod, sys_chmod);

static long sys_fchmod(int fd, umode_t mode)
{
	struct dentry *d = NULL;
	int err = fd_dentry(fd, &d);

	return do_chmod(err, d, mode);
}
SYSCALL(__NR_fchmod, sys_fchmod);

/* ---- chown: -1 keeps a value ---- */

/* Linux's chown_ok/chgrp_ok: CAP_CHOWN, or the owner keeping the uid and picking its own group. */
static bool may_chown(const struct inode *inode, unsigned int uid, unsigned int gid)
{
	const struct cred *c = &current()->cred;
	bool owner = c->fsuid == inode->uid;

	if (capable(CAP_CHOWN_BIT))
		return true;
	if (uid != (unsigned int)-1 && !(owner && uid == inode->uid))
		return false;
	return gid == (unsigned int)-1 ||
	       (owner && (gid == inode->gid || cred_in_group(c, gid)));
}

static long do_chown(int err, struct dentry *d, unsigned int uid, unsigned int gid)
{
	struct inode *inode;

	if (err)
		return err;
	inode = d->inode;
	if (!may_chown(inode, uid, gid)) {
		dentry_put(d);
		return -EPERM;
	}
	mutex_lock(&inode->lock);
	if (uid != (unsigned int)-1)
		inode->uid = uid;
	if (gid != (unsigned int)-1)
		inode->gid = gid;
	inode->ctime = fs_now();
	mutex_unlock(&inode->lock);
	dentry_put(d);
	return 0;
}

static long sys_fchownat(int dirfd, const char __user *path, unsigned int uid,
			 unsigned int gid, int flags)
{
	struct dentry *d = NULL;
	int err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = attr_path(dirfd, path, flags, &d);
	return do_chown(err, d, uid, gid);
}
SYSCALL(__NR_fchownat, sys_fchownat);

static long sys_chown(const char __user *path, unsigned int uid, unsigned int gid)
{
	return sys_fchownat(AT_FDCWD, path, uid, gid, 0);
}
SYSCALL(__NR_chown, sys_chown);

static long sys_lchown(const char __user *path, unsigned int uid, unsigned int gid)
{
	return sys_fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}
SYSCALL(__NR_lchown, sys_lchown);

static long sys_fchown(int fd, unsigned int uid, unsigned int gid)
{
	struct dentry *d = NULL;
	int err = fd_dentry(fd, &d);

	return do_chown(err, d, uid, gid);
}
SYSCALL(__NR_fchown, sys_fchown);

/* ---- utimensat ---- */

static bool valid_time(const struct __kernel_timespec *t)
{
	return t->tv_nsec == UTIME_NOW || t->tv_nsec == UTIME_OMIT ||
	       (t->tv_nsec >= 0 && t->tv_nsec < 1000000000l);
}

static void apply_time(struct fs_time *dst, const struct __kernel_timespec *t,
		       struct fs_time now)
{
	if (t->tv_nsec == UTIME_OMIT)
		return;
	if (t->tv_nsec == UTIME_NOW)
		*dst = now;
	else
		*dst = (struct fs_time){ .sec = t->tv_sec, .nsec = t->tv_nsec };
}

/*
 * utimensat(dirfd, path, times[2], flags): times NULL means both now; a
 * NULL path means dirfd itself (the futimens form).
 */
static long sys_utimensat(int dirfd, const char __user *path,
			  const struct __kernel_timespec __user *utimes, int flags)
{
	struct __kernel_timespec t[2] = {
		{ .tv_nsec = UTIME_NOW }, { .tv_nsec = UTIME_NOW },
	};
	struct fs_time now = fs_now();
	struct dentry *d = NULL;
	int err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (utimes && copy_from_user(t, utimes, sizeof(t)))
		return -EFAULT;
	if (!valid_time(&t[0]) || !valid_time(&t[1]))
		return -EINVAL;
	err = path ? attr_path(dirfd, path, flags, &d) : fd_dentry(dirfd, &d);
	if (err)
		return err;
	mutex_lock(&d->inode->lock);
	apply_time(&d->inode->atime, &t[0], now);
	apply_time(&d->inode->mtime, &t[1], now);
	d->inode->ctime = now;
	mutex_unlock(&d->inode->lock);
	dentry_put(d);
	return 0;
}
SYSCALL(__NR_utimensat, sys_utimensat);
