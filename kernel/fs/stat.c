/*
 * stat.c - stat, lstat, fstat, newfstatat and statx, and the small inode
 * queries of vfs.h (file_is_regular, file_may_exec, file_size).
 *
 * Every variant fills one struct kstat snapshot (taken under inode->lock)
 * and converts it to the user layout at the end: struct stat of
 * <asm/stat.h> or struct statx of <linux/stat.h>. There are no symbolic
 * links, so lstat is stat and AT_SYMLINK_NOFOLLOW changes nothing. A file
 * without an inode (a pipe end) stats as a FIFO.
 */
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"

struct kstat {
	unsigned int dev, rdev;
	uint64_t ino;
	umode_t mode;
	unsigned int nlink, uid, gid;
	loff_t size;
	uint64_t blocks;		/* 512-byte units */
	struct fs_time atime, mtime, ctime;
};

static void inode_kstat(struct inode *inode, struct kstat *ks)
{
	mutex_lock(&inode->lock);
	*ks = (struct kstat){
		.dev = inode->sb->dev, .rdev = inode->rdev, .ino = inode->ino,
		.mode = inode->mode, .nlink = READ_ONCE(inode->nlink),
		.uid = inode->uid, .gid = inode->gid, .size = inode->size,
		.blocks = (uint64_t)inode->nr_pages * (PAGE_SIZE / 512),
		.atime = inode->atime, .mtime = inode->mtime, .ctime = inode->ctime,
	};
	mutex_unlock(&inode->lock);
}

static void file_kstat(struct file *f, struct kstat *ks)
{
	if (f->inode) {
		inode_kstat(f->inode, ks);
		return;
	}
	*ks = (struct kstat){
		.mode = S_IFIFO | 0600, .nlink = 1,
		.ino = (uint64_t)(uintptr_t)f >> 4,	/* unique while open */
	};
}

static int fd_kstat(int fd, struct kstat *ks)
{
	struct dentry *root, *cwd;
	struct file *f;

	if (fd == AT_FDCWD) {
		fs_get_root_cwd(&root, &cwd);
		inode_kstat(cwd->inode, ks);
		dentry_put(root);
		dentry_put(cwd);
		return 0;
	}
	f = fget(fd);
	if (!f)
		return -EBADF;
	file_kstat(f, ks);
	fput(f);
	return 0;
}

/* (dirfd, path) with AT_EMPTY_PATH meaning "dirfd itself" for "". */
static int kstat_at(int dirfd, const char __user *upath, int flags, struct kstat *ks)
{
	struct dentry *d;
	int err = at_empty_path(upath, flags);

	if (err < 0)
		return err;
	if (err)
		return fd_kstat(dirfd, ks);
	err = user_path_at(dirfd, upath, &d);
	if (err)
		return err;
	inode_kstat(d->inode, ks);
	dentry_put(d);
	return 0;
}

/* ---- struct stat ---- */

static int put_stat(const struct kstat *ks, struct stat __user *ust)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_dev = ks->dev;
	st.st_ino = ks->ino;
	st.st_nlink = ks->nlink;
	st.st_mode = ks->mode;
	st.st_uid = ks->uid;
	st.st_gid = ks->gid;
	st.st_rdev = ks->rdev;		/* MKDEV() equals Linux's encoding below 256 */
	st.st_size = ks->size;
	st.st_blksize = PAGE_SIZE;
	st.st_blocks = ks->blocks;
	st.st_atime = ks->atime.sec;
	st.st_atime_nsec = ks->atime.nsec;
	st.st_mtime = ks->mtime.sec;
	st.st_mtime_nsec = ks->mtime.nsec;
	st.st_ctime = ks->ctime.sec;
	st.st_ctime_nsec = ks->ctime.nsec;
	return copy_to_user(ust, &st, sizeof(st));
}

#define NEWFSTATAT_FLAGS	(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)

static long sys_newfstatat(int dirfd, const char __user *path, struct stat __user *ust,
			   int flags)
{
	struct kstat ks;
	int err;

	if (flags & ~NEWFSTATAT_FLAGS)
		return -EINVAL;
	err = kstat_at(dirfd, path, flags, &ks);
	return err ? err : put_stat(&ks, ust);
}
SYSCALL(__NR_newfstatat, sys_newfstatat);

static long sys_stat(const char __user *path, struct stat __user *ust)
{
	return sys_newfstatat(AT_FDCWD, path, ust, 0);
}
SYSCALL(__NR_stat, sys_stat);

static long sys_lstat(const char __user *path, struct stat __user *ust)
{
	return sys_newfstatat(AT_FDCWD, path, ust, AT_SYMLINK_NOFOLLOW);
}
SYSCALL(__NR_lstat, sys_lstat);

static long sys_fstat(int fd, struct stat __user *ust)
{
	struct kstat ks;
	int err;

	if (fd == AT_FDCWD)
		return -EBADF;
	err = fd_kstat(fd, &ks);
	return err ? err : put_stat(&ks, ust);
}
SYSCALL(__NR_fstat, sys_fstat);

/* ---- statx ---- */

#define STATX_FLAGS	(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | \
			 AT_STATX_SYNC_TYPE)

static struct statx_timestamp statx_time(struct fs_time t)
{
	return (struct statx_timestamp){ .tv_sec = t.sec, .tv_nsec = (uint32_t)t.nsec };
}

static long sys_statx(int dirfd, const char __user *path, int flags, unsigned int mask,
		      struct statx __user *ustx)
{
	struct statx stx;
	struct kstat ks;
	int err;

	if (flags & ~STATX_FLAGS)
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if (mask & STATX__RESERVED)
		return -EINVAL;
	err = kstat_at(dirfd, path, flags, &ks);
	if (err)
		return err;
	memset(&stx, 0, sizeof(stx));
	stx.stx_mask = STATX_BASIC_STATS;	/* all of them, whatever was asked */
	stx.stx_blksize = PAGE_SIZE;
	stx.stx_nlink = ks.nlink;
	stx.stx_uid = ks.uid;
	stx.stx_gid = ks.gid;
	stx.stx_mode = (uint16_t)ks.mode;
	stx.stx_ino = ks.ino;
	stx.stx_size = ks.size;
	stx.stx_blocks = ks.blocks;
	stx.stx_atime = statx_time(ks.atime);
	stx.stx_mtime = statx_time(ks.mtime);
	stx.stx_ctime = statx_time(ks.ctime);
	stx.stx_rdev_major = MAJOR(ks.rdev);
	stx.stx_rdev_minor = MINOR(ks.rdev);
	stx.stx_dev_major = MAJOR(ks.dev);
	stx.stx_dev_minor = MINOR(ks.dev);
	return copy_to_user(ustx, &stx, sizeof(stx));
}
SYSCALL(__NR_statx, sys_statx);

/* ---- vfs.h queries ---- */

bool file_is_regular(struct file *f)
{
	return f->inode && S_ISREG(f->inode->mode);
}

/* A regular file the caller may execute (MAY_EXEC: root too needs some x bit). */
bool file_may_exec(struct file *f)
{
	return file_is_regular(f) && !inode_permission(f->inode, MAY_EXEC);
}

loff_t file_size(struct file *f)
{
	return f->inode ? READ_ONCE(f->inode->size) : 0;
}
