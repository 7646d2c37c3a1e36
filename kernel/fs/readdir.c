/*
 * readdir.c - getdents64(2) and the directory-listing helpers file systems use.
 *
 * A directory's i_op->iterate emits entries after a position with
 * dir_emit(); each entry carries a cookie, its stable position, which
 * becomes the record's d_off and, once the record is returned, f->pos:
 *
 *   cookie 1 "."   2 ".."   3.. tree children in creation order
 *   (procfs: fixed files, then PROC_PID_COOKIE + pid)
 *
 * The next call resumes after f->pos, so deleting or adding entries
 * between calls never repeats or skips the others. Records are built in a
 * kernel buffer under vfs_ns_lock and copied to the user afterwards, so no
 * user fault is taken with the name-space lock held.
 *
 *   struct linux_dirent64:  d_ino | d_off | d_reclen | d_type | d_name\0 pad to 8
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "mm/slab.h"

#define DIRENT_BUF_MAX	8192	/* staging buffer: short counts are fine */

unsigned int dtype_of(umode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:	return DT_REG;
	case S_IFDIR:	return DT_DIR;
	case S_IFCHR:	return DT_CHR;
	case S_IFBLK:	return DT_BLK;
	case S_IFIFO:	return DT_FIFO;
	case S_IFLNK:	return DT_LNK;
	case S_IFSOCK:	return DT_SOCK;
	}
	return DT_UNKNOWN;
}

/* Returns false (and sets ctx->full) when the record does not fit. */
bool dir_emit(struct dir_context *ctx, const char *name, size_t len, uint64_t ino,
	      unsigned int dtype, loff_t cookie)
{
	size_t reclen = ALIGN_UP(offsetof(struct linux_dirent64, d_name) + len + 1, 8);
	struct linux_dirent64 *de;

	if (reclen > ctx->size - ctx->used) {
		ctx->full = true;
		return false;
	}
	de = (struct linux_dirent64 *)(ctx->buf + ctx->used);
	memset(de, 0, reclen);
	de->d_ino = ino;
	de->d_off = cookie;
	de->d_reclen = reclen;
	de->d_type = dtype;
	memcpy(de->d_name, name, len);
	ctx->used += reclen;
	ctx->pos = cookie;
	return true;
}

/* The inode ".." names: across a mount point to the directory above it. */
static uint64_t dotdot_ino(struct dentry *d)
{
	while (d == d->sb->root && d->sb->mnt)
		d = d->sb->mnt->mountpoint;
	return d->parent->inode->ino;
}

bool dir_emit_dots(struct file *f, struct dir_context *ctx)
{
	if (ctx->pos < 1 && !dir_emit(ctx, ".", 1, f->inode->ino, DT_DIR, 1))
		return false;
	if (ctx->pos < 2 && !dir_emit(ctx, "..", 2, dotdot_ino(f->dentry), DT_DIR, 2))
		return false;
	return true;
}

/*
 * fop->getdents64 of every directory: bytes placed in @ubuf, 0 at the end,
 * -EINVAL if not even one record fits, -EFAULT, -ENOMEM.
 */
static long dir_getdents64(struct file *f, void __user *ubuf, size_t n)
{
	struct dir_context ctx = { .size = MIN(n, (size_t)DIRENT_BUF_MAX) };
	long err = 0;

	if (!f->inode || !f->dentry || !f->inode->i_op || !f->inode->i_op->iterate)
		return -ENOTDIR;
	ctx.buf = kmalloc(ctx.size ? ctx.size : 1, 0);
	if (!ctx.buf)
		return -ENOMEM;
	mutex_lock(&f->pos_lock);
	ctx.pos = f->pos;
	mutex_lock(&vfs_ns_lock);
	if (f->inode->nlink)		/* a removed directory lists nothing */
		err = f->inode->i_op->iterate(f, &ctx);
	mutex_unlock(&vfs_ns_lock);
	if (!err && ctx.used == 0 && ctx.full)
		err = -EINVAL;		/* not even one record fits */
	if (!err && copy_to_user(ubuf, ctx.buf, ctx.used))
		err = -EFAULT;
	if (!err) {
		f->pos = ctx.pos;
		err = (long)ctx.used;
	}
	mutex_unlock(&f->pos_lock);
	kfree(ctx.buf);
	return err;
}

/* Directories rewind with lseek(fd, 0, SEEK_SET) or seek to a saved d_off. */
static loff_t dir_llseek(struct file *f, loff_t off, int whence)
{
	loff_t pos;

	switch (whence) {
	case SEEK_SET:
		pos = off;
		break;
	case SEEK_CUR:
		pos = f->pos + off;
		break;
	default:
		return -EINVAL;
	}
	if (pos < 0)
		return -EINVAL;
	f->pos = pos;
	return pos;
}

const struct file_operations dir_fops = {
	.llseek = dir_llseek,
	.getdents64 = dir_getdents64,
};

static long sys_getdents64(int fd, void __user *buf, unsigned int count)
{
	struct file *f = fget(fd);
	long ret;

	if (!f)
		return -EBADF;
	ret = f->fop->getdents64 ? f->fop->getdents64(f, buf, count) : -ENOTDIR;
	fput(f);
	return ret;
}
SYSCALL(__NR_getdents64, sys_getdents64);
