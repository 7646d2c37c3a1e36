/*
 * read_write.c - read, write, their vector and positioned forms, lseek,
 * the sync family, and kernel_read()/kernel_write().
 *
 * Every path ends in f->fop->read/write with a user pointer. The file
 * position is read and written back under f->pos_lock, but only for
 * seekable files (fop->llseek set): a pipe or TTY read may sleep for a
 * long time, and stdin/stdout/stderr are often one shared struct file,
 * so holding pos_lock there would block every writer behind a reader.
 *
 * Files of tmpfs and procfs use generic_file_fops, which forwards to the
 * inode's fs_buf-based read/write (fs.h) -- the same functions
 * kernel_read() calls with a kernel buffer.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/syscall.h"
#include "mm/slab.h"
#include <linux/uio.h>

static bool file_readable(const struct file *f)
{
	unsigned int acc = f->flags & O_ACCMODE;

	return !(f->flags & O_PATH) && (acc == O_RDONLY || acc == O_RDWR);
}

static bool file_writable(const struct file *f)
{
	unsigned int acc = f->flags & O_ACCMODE;

	return !(f->flags & O_PATH) && (acc == O_WRONLY || acc == O_RDWR);
}

/* ---- generic file operations over inode->i_op ---- */

/*
 * lseek arithmetic for a file of @size bytes (caller holds pos_lock).
 * SEEK_DATA/SEEK_HOLE treat the whole file as data (holes are not
 * reported), as Linux's generic implementation does.
 */
loff_t llseek_size(struct file *f, loff_t off, int whence, loff_t size)
{
	loff_t pos;

	switch (whence) {
	case SEEK_SET:
		pos = off;
		break;
	case SEEK_CUR:
		if (__builtin_add_overflow(f->pos, off, &pos))
			return -EOVERFLOW;
		break;
	case SEEK_END:
		if (__builtin_add_overflow(size, off, &pos))
			return -EOVERFLOW;
		break;
	case SEEK_DATA:
		if (off < 0 || off >= size)
			return -ENXIO;
		pos = off;
		break;
	case SEEK_HOLE:
		if (off < 0 || off >= size)
			return -ENXIO;
		pos = size;
		break;
	default:
		return -EINVAL;
	}
	if (pos < 0)
		return -EINVAL;
	f->pos = pos;
	return pos;
}

loff_t generic_llseek(struct file *f, loff_t off, int whence)
{
	return llseek_size(f, off, whence, READ_ONCE(f->inode->size));
}

static ssize_t generic_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	return f->inode->i_op->read(f, fsbuf_user(buf), n, pos);
}

static ssize_t generic_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	return f->inode->i_op->write(f, fsbuf_user((void __user *)buf), n, pos);
}

const struct file_operations generic_file_fops = {
	.read = generic_read,
	.write = generic_write,
	.llseek = generic_llseek,
};

/* ---- the checks every read and write makes ---- */

static ssize_t vfs_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	if (!file_readable(f))
		return -EBADF;
	if (!f->fop->read)
		return f->inode && S_ISDIR(f->inode->mode) ? -EISDIR : -EINVAL;
	n = MIN(n, (size_t)MAX_RW_COUNT);
	if (!access_ok(buf, n))
		return -EFAULT;
	return f->fop->read(f, buf, n, pos);
}

static ssize_t vfs_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	if (!file_writable(f))
		return -EBADF;
	if (!f->fop->write)
		return -EINVAL;
	n = MIN(n, (size_t)MAX_RW_COUNT);
	if (!access_ok(buf, n))
		return -EFAULT;
	return f->fop->write(f, buf, n, pos);
}

static void pos_lock(struct file *f)
{
	if (f->fop->llseek)
		mutex_lock(&f->pos_lock);
}

static void pos_unlock(struct file *f)
{
	if (f->fop->llseek)
		mutex_unlock(&f->pos_lock);
}

/* read(2)/write(2) at the file position, which advances. */
static ssize_t rw_at_pos(int fd, char __user *buf, size_t n, bool write)
{
	struct file *f = fget(fd);
	ssize_t ret;
	loff_t pos;

	if (!f)
		return -EBADF;
	pos_lock(f);
	pos = f->pos;
	ret = write ? vfs_write(f, buf, n, &pos) : vfs_read(f, buf, n, &pos);
	if (ret >= 0)
		f->pos = pos;
	pos_unlock(f);
	fput(f);
	return ret;
}

static long sys_read(int fd, char __user *buf, size_t n)
{
	return rw_at_pos(fd, buf, n, false);
}
SYSCALL(__NR_read, sys_read);

static long sys_write(int fd, const char __user *buf, size_t n)
{
	return rw_at_pos(fd, (char __user *)buf, n, true);
}
SYSCALL(__NR_write, sys_write);

/* pread64/pwrite64: at @off, file position untouched; ESPIPE if unseekable. */
static ssize_t rw_at_off(int fd, char __user *buf, size_t n, loff_t off, bool write)
{
	struct file *f;
	ssize_t ret;

	if (off < 0)
		return -EINVAL;
	f = fget(fd);
	if (!f)
		return -EBADF;
	if (!f->fop->llseek)
		ret = -ESPIPE;
	else
		ret = write ? vfs_write(f, buf, n, &off) : vfs_read(f, buf, n, &off);
	fput(f);
	return ret;
}

static long sys_pread64(int fd, char __user *buf, size_t n, loff_t off)
{
	return rw_at_off(fd, buf, n, off, false);
}
SYSCALL(__NR_pread64, sys_pread64);

static long sys_pwrite64(int fd, const char __user *buf, size_t n, loff_t off)
{
	return rw_at_off(fd, (char __user *)buf, n, off, true);
}
SYSCALL(__NR_pwrite64, sys_pwrite64);

/* ---- readv/writev ---- */

/* Contract in fs.h. */
struct iovec *iov_import(const struct iovec __user *uiov, int cnt)
{
	struct iovec *iov;
	size_t total = 0;

	if (cnt < 0 || cnt > UIO_MAXIOV)
		return ERR_PTR(-EINVAL);
	if (cnt == 0)
		return NULL;
	iov = kmalloc(cnt * sizeof(*iov), 0);
	if (!iov)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(iov, uiov, cnt * sizeof(*iov))) {
		kfree(iov);
		return ERR_PTR(-EFAULT);
	}
	for (int i = 0; i < cnt; i++) {
		if ((ssize_t)iov[i].iov_len < 0 || iov[i].iov_len > (size_t)INT64_MAX - total) {
			kfree(iov);
			return ERR_PTR(-EINVAL);
		}
		total += iov[i].iov_len;
	}
	return iov;
}

/*
 * Each segment in turn; stop at an error or a short transfer. A file with
 * an rw_iov op takes the whole vector at once instead (a socket: one
 * message), and has no position.
 */
static ssize_t rw_iov(struct file *f, struct iovec *iov, int cnt, loff_t *pos, bool write)
{
	ssize_t done = 0;

	if (f->fop->rw_iov)
		return f->fop->rw_iov(f, iov, cnt, write);
	for (int i = 0; i < cnt; i++) {
		ssize_t r;

		if (!iov[i].iov_len)
			continue;
		r = write ? vfs_write(f, iov[i].iov_base, iov[i].iov_len, pos)
			  : vfs_read(f, iov[i].iov_base, iov[i].iov_len, pos);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((size_t)r < iov[i].iov_len)
			break;
	}
	return done;
}

static long do_rwv(int fd, const struct iovec __user *uiov, int cnt, bool write)
{
	struct file *f = fget(fd);
	struct iovec *iov;
	ssize_t ret;
	loff_t pos;

	if (!f)
		return -EBADF;
	if (write ? !file_writable(f) : !file_readable(f)) {
		fput(f);
		return -EBADF;
	}
	iov = iov_import(uiov, cnt);
	if (IS_ERR_OR_NULL(iov)) {
		fput(f);
		return iov ? PTR_ERR(iov) : 0;
	}
	pos_lock(f);
	pos = f->pos;
	ret = rw_iov(f, iov, cnt, &pos, write);
	if (ret >= 0)
		f->pos = pos;
	pos_unlock(f);
	kfree(iov);
	fput(f);
	return ret;
}

static long sys_readv(int fd, const struct iovec __user *iov, int cnt)
{
	return do_rwv(fd, iov, cnt, false);
}
SYSCALL(__NR_readv, sys_readv);

static long sys_writev(int fd, const struct iovec __user *iov, int cnt)
{
	return do_rwv(fd, iov, cnt, true);
}
SYSCALL(__NR_writev, sys_writev);

/* ---- lseek and sync ---- */

static long sys_lseek(int fd, loff_t off, unsigned int whence)
{
	struct file *f = fget(fd);
	loff_t ret;

	if (!f)
		return -EBADF;
	if (whence > SEEK_MAX)
		ret = -EINVAL;
	else if (!f->fop->llseek)
		ret = -ESPIPE;
	else {
		mutex_lock(&f->pos_lock);
		ret = f->fop->llseek(f, off, (int)whence);
		mutex_unlock(&f->pos_lock);
	}
	fput(f);
	return ret;
}
SYSCALL(__NR_lseek, sys_lseek);

/* Everything is in memory: there is nothing to write back. */
static long sys_sync(void)
{
	return 0;
}
SYSCALL(__NR_sync, sys_sync);

static long sys_fsync(int fd)
{
	struct file *f = fget(fd);

	if (!f)
		return -EBADF;
	fput(f);
	return 0;
}
SYSCALL(__NR_fsync, sys_fsync);

static long sys_fdatasync(int fd)
{
	return sys_fsync(fd);
}
SYSCALL(__NR_fdatasync, sys_fdatasync);

/* ---- kernel buffers ---- */

/*
 * Read up to @n bytes at @off into kernel memory, for files whose inode
 * has fs_buf operations (tmpfs, procfs). Returns bytes read or -errno
 * (-EINVAL for pipes and devices). May sleep (inode->lock).
 */
ssize_t kernel_read(struct file *f, void *buf, size_t n, loff_t off)
{
	if (!f->inode || !f->inode->i_op || !f->inode->i_op->read)
		return -EINVAL;
	if (off < 0)
		return -EINVAL;
	return f->inode->i_op->read(f, fsbuf_kernel(buf), n, &off);
}

/* The write counterpart of kernel_read(); O_APPEND files append. */
ssize_t kernel_write(struct file *f, const void *buf, size_t n, loff_t off)
{
	if (!f->inode || !f->inode->i_op || !f->inode->i_op->write)
		return -EINVAL;
	if (off < 0)
		return -EINVAL;
	return f->inode->i_op->write(f, fsbuf_kernel((void *)buf), n, &off);
}
