/*
 * open.c - opening files (open, openat, creat, and the kernel's
 * file_open_kernel), and the calls that act on a path or an open file's
 * inode without reading it: access, chdir, fchdir, getcwd, umask,
 * truncate, ftruncate, fallocate.
 *
 * An open is two steps:
 *
 *   1. under vfs_ns_lock: find the dentry, creating it for O_CREAT
 *   2. outside it: check the open against the inode (may_open), pick the
 *      file operations -- the inode's, or a character device's from the
 *      chrdev table -- truncate for O_TRUNC, call fop->open.
 *
 * Permissions are Linux's (kernel/cred.c cred_permission): the owner,
 * group or other bits against the fs uid/gid, with CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH as root's bypass. Path walks need search (x) on each
 * directory, creating and removing names write and search on the parent,
 * and access(2) asks with the real ids.
 */
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/slab.h"
#include <linux/falloc.h>

#define F_OK	0
#define X_OK	1
#define W_OK	2
#define R_OK	4

/* Flags that only steer the open itself, not the open file. */
#define OPEN_ONLY_FLAGS	(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)

/* ---- user paths ---- */

char *getname(const char __user *upath, bool allow_empty)
{
	char *name = kmalloc(PATH_MAX, 0);
	long len;

	if (!name)
		return ERR_PTR(-ENOMEM);
	len = strncpy_from_user(name, upath, PATH_MAX);
	if (len == 0 && !allow_empty)
		len = -ENOENT;
	if (len < 0) {
		kfree(name);
		return ERR_PTR(len);
	}
	return name;
}

void putname(char *name)
{
	kfree(name);
}

int at_path_get(int dirfd, const char __user *upath, bool allow_empty, struct at_path *ap)
{
	struct dentry *cwd;
	struct file *f;

	ap->name = getname(upath, allow_empty);
	if (IS_ERR(ap->name))
		return PTR_ERR(ap->name);
	fs_get_root_cwd(&ap->root, &cwd);
	if (ap->name[0] == '/' || dirfd == AT_FDCWD) {
		ap->start = cwd;
		return 0;
	}
	dentry_put(cwd);
	f = fget(dirfd);
	if (!f || !f->dentry || !dentry_is_dir(f->dentry)) {
		putname(ap->name);
		dentry_put(ap->root);
		fput(f);
		return f ? -ENOTDIR : -EBADF;
	}
	ap->start = dentry_get(f->dentry);
	fput(f);
	return 0;
}

void at_path_put(struct at_path *ap)
{
	putname(ap->name);
	dentry_put(ap->root);
	dentry_put(ap->start);
}

/* ---- creating and opening ---- */

static void touch_dir(struct inode *dir)
{
	mutex_lock(&dir->lock);
	dir->mtime = dir->ctime = fs_now();
	mutex_unlock(&dir->lock);
}

/*
 * Make a new name @name in @parent for a new inode of @mode. Returns the
 * dentry (a reference for the caller; the tree holds its own) or
 * ERR_PTR: -EEXIST, -ENOENT (@parent was removed), -EACCES (the file
 * system takes no new names, e.g. /proc, or no write and search
 * permission on @parent), -ENOMEM. The file system's create gives the
 * inode its owner (inode_init_owner). vfs_ns_lock held.
 */
struct dentry *vfs_create_locked(struct dentry *parent, const char *name, umode_t mode,
				 unsigned int rdev)
{
	struct inode *dir = parent->inode, *inode;
	struct dentry *d;
	int err;

	if (!dir->i_op || !dir->i_op->create)
		return ERR_PTR(-EACCES);
	if (dir->nlink == 0)
		return ERR_PTR(-ENOENT);
	d = dentry_find_child(parent, name, strlen(name));
	if (d) {
		dentry_put(d);
		return ERR_PTR(-EEXIST);
	}
	err = inode_permission(dir, MAY_WRITE | MAY_EXEC);
	if (err)
		return ERR_PTR(err);
	inode = dir->i_op->create(dir, mode, rdev);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	d = dentry_alloc(parent, name, inode);
	if (!d) {
		inode_put(inode);
		return ERR_PTR(-ENOMEM);
	}
	dentry_link(d);
	if (S_ISDIR(mode))
		dir->nlink++;
	touch_dir(dir);
	return d;
}

/*
 * ---- permissions ----
 *
 * Every check of an inode's mode bits or owner goes through here: the bits
 * through cred_permission (kernel/cred.c), ownership through
 * inode_owner_or_capable. Current is never NULL here: sched_init() runs
 * before vfs_init(), and the kernel's own tasks are root.
 */

/* @c's access to @inode with @mask; 0 or -EACCES. */
static int cred_inode_permission(const struct cred *c, const struct inode *inode, int mask)
{
	return cred_permission(c, inode->mode, inode->uid, inode->gid, mask);
}

int inode_permission(struct inode *inode, int mask)
{
	return cred_inode_permission(&current()->cred, inode, mask);
}

bool inode_owner_or_capable(const struct inode *inode)
{
	return current()->cred.fsuid == inode->uid || capable(CAP_FOWNER_BIT);
}

int may_delete_perm(struct inode *dir, struct inode *victim)
{
	int err = inode_permission(dir, MAY_WRITE | MAY_EXEC);

	if (err)
		return err;
	/* Sticky directory (/tmp): only the owners or CAP_FOWNER remove names. */
	if ((dir->mode & S_ISVTX) && current()->cred.fsuid != dir->uid &&
	    !inode_owner_or_capable(victim))
		return -EPERM;
	return 0;
}

void inode_init_owner(struct inode *inode)
{
	inode->uid = current()->cred.fsuid;
	inode->gid = current()->cred.fsgid;
}

/* The O_CREAT half of an open: find or make the last component. */
static int open_create(struct dentry *root, struct dentry *start, const char *path,
		       int flags, umode_t mode, struct dentry **res, bool *created)
{
	struct last_component last;
	struct dentry *parent, *d;
	int err = namei_parent(root, start, path, &parent, &last);

	if (err)
		return err;
	if (last.type != LAST_NORM || last.trailing_slash) {
		dentry_put(parent);	/* "/", ".", "..", "x/": directories */
		return -EISDIR;
	}
	d = namei_lookup_one(root, parent, last.name);
	if (!IS_ERR(d) && (flags & O_EXCL)) {
		dentry_put(d);
		d = ERR_PTR(-EEXIST);
	} else if (IS_ERR(d) && PTR_ERR(d) == -ENOENT) {
		d = vfs_create_locked(parent, last.name, S_IFREG | (mode & 07777), 0);
		*created = !IS_ERR(d);
	}
	dentry_put(parent);
	if (IS_ERR(d))
		return PTR_ERR(d);
	*res = d;
	return 0;
}

/* The file operations an open of @inode gets, or NULL (-ENXIO). */
static const struct file_operations *open_fops(struct inode *inode)
{
	if (S_ISCHR(inode->mode))
		return chrdev_lookup(inode->rdev);
	if (S_ISREG(inode->mode) || S_ISDIR(inode->mode))
		return inode->fop ? inode->fop : &empty_fops;
	return NULL;		/* FIFOs, sockets, block devices: no driver */
}

/*
 * may_open(): what the flags ask against what the inode is, and against
 * its permission bits (not for a file this open has just created).
 */
static int may_open(struct inode *inode, int flags, bool created)
{
	unsigned int acc = flags & O_ACCMODE;
	bool write = acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC);
	bool read = acc == O_RDONLY || acc == O_RDWR;

	if ((flags & O_DIRECTORY) && !S_ISDIR(inode->mode))
		return -ENOTDIR;
	if (flags & O_PATH)
		return 0;
	if (S_ISDIR(inode->mode) && (write || (flags & O_CREAT)))
		return -EISDIR;
	if (created)
		return 0;
	return inode_permission(inode, (read ? MAY_READ : 0) | (write ? MAY_WRITE : 0));
}

/*
 * Open the inode of @d (a reference is taken for the file); @created: this
 * open made it, so its permission bits are not checked. Returns the
 * file or ERR_PTR(-ENOTDIR/-EISDIR/-ENXIO/-ENOMEM or fop->open's error).
 * May sleep.
 */
static struct file *open_dentry(struct dentry *d, int flags, bool created)
{
	struct inode *inode = d->inode;
	const struct file_operations *fop;
	bool writer = !(flags & O_PATH) && (flags & O_ACCMODE) != O_RDONLY &&
		      S_ISREG(inode->mode);
	struct file *f;
	int err = may_open(inode, flags, created);

	if (err)
		return ERR_PTR(err);
	fop = (flags & O_PATH) ? &empty_fops : open_fops(inode);
	if (!fop)
		return ERR_PTR(-ENXIO);
	/* Not the file of a running program (ETXTBSY), which O_TRUNC would cut. */
	if (writer && (err = get_write_access(inode)))
		return ERR_PTR(err);
	if ((flags & O_TRUNC) && !(flags & O_PATH) && S_ISREG(inode->mode)) {
		err = vfs_truncate(inode, 0);
		if (err)
			goto undo;
	}
	f = file_alloc(fop, (flags & ~OPEN_ONLY_FLAGS) | O_LARGEFILE);
	err = IS_ERR(f) ? (int)PTR_ERR(f) : 0;
	if (err)
		goto undo;
	f->writer = writer;		/* fput() puts the write access */
	f->inode = inode_get(inode);
	f->dentry = dentry_get(d);
	if (fop->open) {
		err = fop->open(inode, f);
		if (err) {
			f->fop = &empty_fops;	/* failed opens are not released */
			fput(f);
			return ERR_PTR(err);
		}
	}
	return f;
undo:
	if (writer)
		put_write_access(inode);
	return ERR_PTR(err);
}

struct file *vfs_open_dentry(struct dentry *d, int flags)
{
	return open_dentry(d, flags, /* created= */false);
}

struct file *vfs_open(struct dentry *root, struct dentry *start, const char *path,
		      int flags, umode_t mode)
{
	struct dentry *d;
	struct file *f;
	bool created = false;
	int err;

	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return ERR_PTR(-EINVAL);
	mutex_lock(&vfs_ns_lock);
	if (flags & O_CREAT)
		err = open_create(root, start, path, flags, mode, &d, &created);
	else
		err = namei_walk(root, start, path, &d);
	mutex_unlock(&vfs_ns_lock);
	if (err)
		return ERR_PTR(err);
	f = open_dentry(d, flags, created);
	dentry_put(d);
	return f;
}

/*
 * Open @path for the kernel (the ELF loader), relative to the current
 * task's root and cwd, or to "/" when there is no task. File or ERR_PTR.
 */
struct file *file_open_kernel(const char *path, int flags)
{
	struct dentry *root, *cwd;
	struct file *f;

	fs_get_root_cwd(&root, &cwd);
	f = vfs_open(root, cwd, path, flags & ~O_CREAT, 0);
	dentry_put(root);
	dentry_put(cwd);
	return f;
}

static umode_t current_umask(void)
{
	struct task *t = current();

	return t ? t->umask : 022;
}

static long do_openat(int dirfd, const char __user *upath, int flags, umode_t mode)
{
	struct at_path ap;
	struct file *f;
	int fd = at_path_get(dirfd, upath, /* allow_empty= */false, &ap);

	if (fd)
		return fd;
	f = vfs_open(ap.root, ap.start, ap.name, flags, mode & 07777 & ~current_umask());
	at_path_put(&ap);
	if (IS_ERR(f))
		return PTR_ERR(f);
	fd = fd_install(f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		fput(f);
	return fd;
}

static long sys_open(const char __user *path, int flags, umode_t mode)
{
	return do_openat(AT_FDCWD, path, flags, mode);
}
SYSCALL(__NR_open, sys_open);

static long sys_openat(int dirfd, const char __user *path, int flags, umode_t mode)
{
	return do_openat(dirfd, path, flags, mode);
}
SYSCALL(__NR_openat, sys_openat);

static long sys_creat(const char __user *path, umode_t mode)
{
	return do_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}
SYSCALL(__NR_creat, sys_creat);

/* ---- lookups without opening ---- */

int user_path_at(int dirfd, const char __user *upath, struct dentry **res)
{
	struct at_path ap;
	int err = at_path_get(dirfd, upath, /* allow_empty= */false, &ap);

	if (err)
		return err;
	mutex_lock(&vfs_ns_lock);
	err = namei_walk(ap.root, ap.start, ap.name, res);
	mutex_unlock(&vfs_ns_lock);
	at_path_put(&ap);
	return err;
}

int at_empty_path(const char __user *upath, int flags)
{
	char *name;
	bool empty;

	if (!(flags & AT_EMPTY_PATH))
		return 0;
	name = upath ? getname(upath, /* allow_empty= */true) : NULL;
	if (IS_ERR(name))
		return PTR_ERR(name);
	empty = !name || !name[0];
	putname(name);
	return empty;
}

int fd_dentry(int fd, struct dentry **res)
{
	struct file *f = fget(fd);
	int err;

	if (!f)
		return -EBADF;
	err = f->dentry ? 0 : -EBADF;
	if (!err)
		*res = dentry_get(f->dentry);
	fput(f);
	return err;
}

/*
 * access(2): the real ids ask (AT_EACCESS: the effective ones), with
 * root's bypass only for a real uid 0. F_OK is existence alone.
 */
static long do_faccessat(int dirfd, const char __user *upath, int mode, int flags)
{
	struct dentry *d;
	struct cred c;
	long err;

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = user_path_at(dirfd, upath, &d);
	if (err)
		return err;
	if (flags & AT_EACCESS)
		c = current()->cred;
	else
		cred_for_access(&c);
	if (mode)
		err = cred_inode_permission(&c, d->inode, mode);
	dentry_put(d);
	return err;
}

static long sys_access(const char __user *path, int mode)
{
	return do_faccessat(AT_FDCWD, path, mode, 0);
}
SYSCALL(__NR_access, sys_access);

static long sys_faccessat(int dirfd, const char __user *path, int mode)
{
	return do_faccessat(dirfd, path, mode, 0);
}
SYSCALL(__NR_faccessat, sys_faccessat);

static long sys_faccessat2(int dirfd, const char __user *path, int mode, int flags)
{
	return do_faccessat(dirfd, path, mode, flags);
}
SYSCALL(__NR_faccessat2, sys_faccessat2);

static long sys_chdir(const char __user *path)
{
	struct dentry *d;
	long err = user_path_at(AT_FDCWD, path, &d);

	if (err)
		return err;
	err = dentry_is_dir(d) ? fs_set_cwd(d) : -ENOTDIR;
	dentry_put(d);
	return err;
}
SYSCALL(__NR_chdir, sys_chdir);

static long sys_fchdir(int fd)
{
	struct file *f = fget(fd);
	long err;

	if (!f)
		return -EBADF;
	err = f->dentry && dentry_is_dir(f->dentry) ? fs_set_cwd(f->dentry) : -ENOTDIR;
	fput(f);
	return err;
}
SYSCALL(__NR_fchdir, sys_fchdir);

/*
 * getcwd(buf, size): the length written including the NUL; -ERANGE if
 * @size is too small, -ENOENT if the cwd has been removed.
 */
static long sys_getcwd(char __user *ubuf, size_t size)
{
	struct dentry *root, *cwd;
	char *buf = kmalloc(PATH_MAX, 0);
	long len;

	if (!buf)
		return -ENOMEM;
	fs_get_root_cwd(&root, &cwd);
	mutex_lock(&vfs_ns_lock);
	len = dentry_path(cwd, root, buf, PATH_MAX);
	mutex_unlock(&vfs_ns_lock);
	dentry_put(root);
	dentry_put(cwd);
	if (len >= 0 && (size_t)len + 1 > size)
		len = -ERANGE;
	if (len >= 0 && copy_to_user(ubuf, buf, len + 1))
		len = -EFAULT;
	kfree(buf);
	return len < 0 ? len : len + 1;
}
SYSCALL(__NR_getcwd, sys_getcwd);

static long sys_umask(umode_t mask)
{
	struct task *t = current();
	umode_t old = t->umask;

	t->umask = mask & 0777;
	return old;
}
SYSCALL(__NR_umask, sys_umask);

/* ---- truncate ---- */

/* Set the size of a regular file: 0, -EINVAL (no data), -EFBIG. May sleep. */
int vfs_truncate(struct inode *inode, loff_t size)
{
	if (size < 0)
		return -EINVAL;
	if (!inode->i_op || !inode->i_op->setsize)
		return -EINVAL;
	return inode->i_op->setsize(inode, size);
}

static long sys_truncate(const char __user *path, loff_t size)
{
	struct dentry *d;
	long err;

	if (size < 0)
		return -EINVAL;
	err = user_path_at(AT_FDCWD, path, &d);
	if (err)
		return err;
	if (S_ISDIR(d->inode->mode))
		err = -EISDIR;
	else if (!S_ISREG(d->inode->mode))
		err = -EINVAL;
	else if (!(err = inode_permission(d->inode, MAY_WRITE)) &&
		 !(err = get_write_access(d->inode))) {	/* ETXTBSY: a running program */
		err = vfs_truncate(d->inode, size);
		put_write_access(d->inode);
	}
	dentry_put(d);
	return err;
}
SYSCALL(__NR_truncate, sys_truncate);

static long sys_ftruncate(int fd, loff_t size)
{
	struct file *f;
	unsigned int acc;
	long err;

	if (size < 0)
		return -EINVAL;
	f = fget(fd);
	if (!f)
		return -EBADF;
	acc = f->flags & O_ACCMODE;
	if (f->flags & O_PATH)
		err = -EBADF;
	else if (!f->inode || !S_ISREG(f->inode->mode) || (acc != O_WRONLY && acc != O_RDWR))
		err = -EINVAL;
	else
		err = vfs_truncate(f->inode, size);
	fput(f);
	return err;
}
SYSCALL(__NR_ftruncate, sys_ftruncate);

/* ---- fallocate ---- */

#define FALLOC_KNOWN	(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_NO_HIDE_STALE | \
			 FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE | \
			 FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE)

/* Linux's vfs_fallocate() checks, in its order; 0 when @f may go on to i_op. */
static int check_fallocate(struct file *f, int mode, loff_t off, loff_t len)
{
	unsigned int acc = f->flags & O_ACCMODE;
	umode_t imode = f->inode ? f->inode->mode : S_IFIFO;	/* no inode: a pipe */

	if (off < 0 || len <= 0)
		return -EINVAL;
	if (mode & ~FALLOC_KNOWN)
		return -EOPNOTSUPP;
	/* A hole punched must keep the size. */
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	if ((f->flags & O_PATH) || (acc != O_WRONLY && acc != O_RDWR))
		return -EBADF;
	if (S_ISFIFO(imode))
		return -ESPIPE;
	if (S_ISDIR(imode))
		return -EISDIR;
	if (!S_ISREG(imode))
		return -ENODEV;
	if (off > INT64_MAX - len)
		return -EFBIG;
	return 0;
}

static long sys_fallocate(int fd, int mode, loff_t off, loff_t len)
{
	struct file *f = fget(fd);
	long err;

	if (!f)
		return -EBADF;
	err = check_fallocate(f, mode, off, len);
	if (!err && (!f->inode->i_op || !f->inode->i_op->fallocate))
		err = -EOPNOTSUPP;
	if (!err)
		err = f->inode->i_op->fallocate(f->inode, mode, off, len);
	fput(f);
	return err;
}
SYSCALL(__NR_fallocate, sys_fallocate);
