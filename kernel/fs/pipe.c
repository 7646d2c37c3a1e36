/*
 * pipe.c - anonymous pipes: pipe(2), pipe2(2) and the pipe file operations.
 *
 * A pipe is a 64 KiB byte ring (kernel/lib/ring.h) shared by a read end and
 * a write end, each a struct file whose private_data points here:
 *
 *   fd 3 (O_RDONLY) --> file --\                   /-- file <-- fd 4 (O_WRONLY)
 *                               v                 v
 *                   +-------------------------------------+
 *                   | struct pipe   readers=1 writers=1   |
 *                   | ring: [tail ...data... head]  64KiB |
 *                   | rd_wait: readers sleeping on empty  |
 *                   | wr_wait: writers sleeping on full   |
 *                   +-------------------------------------+
 *
 * Semantics (Linux pipe(7)):
 *   - read returns as soon as any byte is there; 0 (EOF) once it is empty
 *     and no writer is left; -EAGAIN with O_NONBLOCK.
 *   - a write of at most PIPE_BUF (4096) bytes is atomic: it waits until
 *     all of it fits, so it never interleaves with another writer's bytes.
 *     Longer writes go in pieces as room appears.
 *   - writing with no reader left: SIGPIPE to the writer and -EPIPE.
 *   - a signal during a wait: the bytes moved so far, or -EINTR if none.
 *
 * Locking: pipe->lock (a mutex) serialises every data move and guards
 * readers/writers. It is dropped around each sleep; the wait conditions
 * peek at the ring and the counts without it, which is safe because the
 * waiter re-checks under the lock. poll() also reads them without the lock
 * (a stale answer only costs one more pass). The struct is freed when both
 * files are released (nr_files reaches 0).
 *
 * Poll table and poll_wait(): poll.c. The ring itself: kernel/lib/ring.c.
 */
#include "kernel/fs/pipe.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/poll.h"
#include "kernel/lib/ring.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

#ifndef PIPE_BUF
#define PIPE_BUF	4096	/* writes up to this size are atomic */
#endif

_Static_assert((PIPE_SIZE & (PIPE_SIZE - 1)) == 0, "the ring needs a power of two");
_Static_assert(PIPE_SIZE >= PIPE_BUF, "an atomic write must fit");

struct pipe {
	struct mutex lock;		/* guards ring, readers, writers */
	struct ring ring;
	int readers, writers;		/* open read and write ends */
	struct waitqueue rd_wait;	/* readers wait for data or no writers */
	struct waitqueue wr_wait;	/* writers wait for room or no readers */
	int nr_files;			/* atomic: files not yet released */
};

/* Where a read or write copies to or from: user or kernel memory. */
struct pipe_buf {
	char *kbuf;			/* kernel buffer, or NULL */
	char __user *ubuf;		/* user buffer when kbuf is NULL */
};

static const struct file_operations pipe_read_fops;
static const struct file_operations pipe_write_fops;

static int pipe_copy_out(struct pipe_buf *b, size_t off, const void *src, size_t n)
{
	if (b->kbuf) {
		memcpy(b->kbuf + off, src, n);
		return 0;
	}
	return copy_to_user(b->ubuf + off, src, n);
}

static int pipe_copy_in(void *dst, struct pipe_buf *b, size_t off, size_t n)
{
	if (b->kbuf) {
		memcpy(dst, b->kbuf + off, n);
		return 0;
	}
	return copy_from_user(dst, b->ubuf + off, n);
}

static bool pipe_readable(struct pipe *p)
{
	return READ_ONCE(p->ring.head) != READ_ONCE(p->ring.tail) ||
	       READ_ONCE(p->writers) == 0;
}

/* Enough room for a write of @want more bytes (all of it if atomic)? */
static bool pipe_writable(struct pipe *p, size_t want)
{
	uint32_t space = PIPE_SIZE - (READ_ONCE(p->ring.head) - READ_ONCE(p->ring.tail));

	if (READ_ONCE(p->readers) == 0)
		return true;
	return want <= PIPE_BUF ? space >= want : space > 0;
}

/* ---- moving bytes -------------------------------------------------------- */

/* Copy what the ring holds (up to @n) out; lock held. Returns bytes or -EFAULT. */
static ssize_t pipe_drain_locked(struct pipe *p, struct pipe_buf *b, size_t n)
{
	size_t done = 0;

	while (done < n) {
		uint8_t *seg;
		uint32_t len = ring_read_seg(&p->ring, &seg);

		if (!len)
			break;
		len = (uint32_t)MIN((size_t)len, n - done);
		if (pipe_copy_out(b, done, seg, len))
			return done ? (ssize_t)done : -EFAULT;
		ring_consume(&p->ring, len);
		done += len;
	}
	return (ssize_t)done;
}

static ssize_t pipe_do_read(struct file *f, struct pipe_buf *b, size_t n)
{
	struct pipe *p = f->private_data;
	ssize_t ret;

	if (!n)
		return 0;
	mutex_lock(&p->lock);
	for (;;) {
		ret = pipe_drain_locked(p, b, n);
		if (ret != 0)
			break;			/* bytes, or -EFAULT */
		if (!p->writers)
			break;			/* empty and no writer: EOF */
		if (f->flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		mutex_unlock(&p->lock);
		ret = wait_event_interruptible(&p->rd_wait, pipe_readable(p));
		mutex_lock(&p->lock);
		if (ret)
			break;			/* -EINTR with nothing read */
	}
	if (ret > 0)
		wake_up(&p->wr_wait);
	mutex_unlock(&p->lock);
	return ret;
}

/* Copy up to @n bytes at @off of @b into the ring; lock held. */
static ssize_t pipe_fill_locked(struct pipe *p, struct pipe_buf *b, size_t off, size_t n)
{
	size_t done = 0;

	while (done < n) {
		uint8_t *seg;
		uint32_t len = ring_write_seg(&p->ring, &seg);

		if (!len)
			break;
		len = (uint32_t)MIN((size_t)len, n - done);
		if (pipe_copy_in(seg, b, off + done, len))
			return done ? (ssize_t)done : -EFAULT;
		ring_produce(&p->ring, len);
		done += len;
	}
	return (ssize_t)done;
}

static ssize_t pipe_do_write(struct file *f, struct pipe_buf *b, size_t n)
{
	struct pipe *p = f->private_data;
	size_t done = 0;
	ssize_t ret = 0;

	if (!n)
		return 0;
	mutex_lock(&p->lock);
	for (;;) {
		if (!p->readers) {
			if (current())
				send_signal(current(), SIGPIPE, NULL);
			ret = -EPIPE;
			break;
		}
		if (pipe_writable(p, n - done)) {
			ret = pipe_fill_locked(p, b, done, n - done);
			if (ret < 0)
				break;
			done += (size_t)ret;
			wake_up(&p->rd_wait);
			if (done == n)
				break;
			continue;		/* room may remain: try again */
		}
		if (f->flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		mutex_unlock(&p->lock);
		ret = wait_event_interruptible(&p->wr_wait, pipe_writable(p, n - done));
		mutex_lock(&p->lock);
		if (ret)
			break;			/* -EINTR */
	}
	mutex_unlock(&p->lock);
	return done ? (ssize_t)done : ret;
}

/* ---- file operations ----------------------------------------------------- */

static ssize_t pipe_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	struct pipe_buf b = { .kbuf = NULL, .ubuf = buf };

	return pipe_do_read(f, &b, n);
}

static ssize_t pipe_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	struct pipe_buf b = { .kbuf = NULL, .ubuf = (char __user *)buf };

	return pipe_do_write(f, &b, n);
}

ssize_t pipe_kernel_read(struct file *f, void *buf, size_t n)
{
	struct pipe_buf b = { .kbuf = buf, .ubuf = NULL };

	return pipe_do_read(f, &b, n);
}

ssize_t pipe_kernel_write(struct file *f, const void *buf, size_t n)
{
	struct pipe_buf b = { .kbuf = (char *)buf, .ubuf = NULL };

	return pipe_do_write(f, &b, n);
}

size_t pipe_bytes_ready(struct file *f)
{
	struct pipe *p = f->private_data;

	return READ_ONCE(p->ring.head) - READ_ONCE(p->ring.tail);
}

static unsigned int pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->private_data;
	unsigned int mask = 0;

	if (f->fop == &pipe_read_fops) {
		poll_wait(f, &p->rd_wait, pt);
		if (pipe_bytes_ready(f))
			mask |= POLLIN | POLLRDNORM;
		if (!READ_ONCE(p->writers))
			mask |= POLLHUP;
	} else {
		poll_wait(f, &p->wr_wait, pt);
		/* Writable when an atomic write would go through at once. */
		if (PIPE_SIZE - pipe_bytes_ready(f) >= PIPE_BUF)
			mask |= POLLOUT | POLLWRNORM;
		if (!READ_ONCE(p->readers))
			mask |= POLLERR;
	}
	return mask;
}

static long pipe_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	int n;

	switch (cmd) {
	case FIONREAD:
		n = (int)pipe_bytes_ready(f);
		return put_user(n, (int __user *)arg);
	default:
		return -ENOTTY;
	}
}

/* Every struct pipe (its 64 KiB ring is a kmalloc of its own). */
static struct kmem_cache *pipe_cache;

void pipe_cache_init(void)
{
	pipe_cache = kmem_cache_create("pipe", sizeof(struct pipe), 8);
	if (!pipe_cache)
		panic("pipe_cache_init: no memory");
}

static void pipe_free(struct pipe *p)
{
	kfree(p->ring.buf);
	kmem_cache_free(pipe_cache, p);
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->private_data;

	mutex_lock(&p->lock);
	if (f->fop == &pipe_read_fops)
		p->readers--;
	else
		p->writers--;
	/* Sleepers must see EOF, EPIPE, POLLHUP or POLLERR now. */
	wake_up(&p->rd_wait);
	wake_up(&p->wr_wait);
	mutex_unlock(&p->lock);
	/* Only after our unlock: the other end may free the pipe. */
	if (__atomic_sub_fetch(&p->nr_files, 1, __ATOMIC_ACQ_REL) == 0)
		pipe_free(p);
}

static const struct file_operations pipe_read_fops = {
	.read = pipe_read,
	.poll = pipe_poll,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
};

static const struct file_operations pipe_write_fops = {
	.write = pipe_write,
	.poll = pipe_poll,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
};

/* ---- creation and the system calls -------------------------------------- */

static struct pipe *pipe_alloc(void)
{
	struct pipe *p = kmem_cache_alloc(pipe_cache, GFP_ZERO);
	void *buf;

	if (!p)
		return NULL;
	buf = kmalloc(PIPE_SIZE, GFP_KERNEL);
	if (!buf) {
		kmem_cache_free(pipe_cache, p);
		return NULL;
	}
	mutex_init(&p->lock);
	ring_init(&p->ring, buf, PIPE_SIZE);
	waitqueue_init(&p->rd_wait);
	waitqueue_init(&p->wr_wait);
	p->readers = p->writers = 1;
	p->nr_files = 2;
	return p;
}

int pipe_create_files(struct file *files[2], unsigned int flags)
{
	unsigned int nb = flags & O_NONBLOCK;
	struct pipe *p = pipe_alloc();

	if (!p)
		return -ENOMEM;
	files[0] = file_alloc(&pipe_read_fops, O_RDONLY | nb);
	if (IS_ERR(files[0])) {
		pipe_free(p);
		return -ENOMEM;
	}
	files[0]->private_data = p;
	files[1] = file_alloc(&pipe_write_fops, O_WRONLY | nb);
	if (IS_ERR(files[1])) {
		/* A pipe that never had a writer: releasing the reader frees it. */
		p->writers = 0;
		p->nr_files = 1;
		fput(files[0]);
		return -ENOMEM;
	}
	files[1]->private_data = p;
	return 0;
}

/* Validate pipe2's flags: only O_CLOEXEC and O_NONBLOCK are known. */
static int check_pipe2_params(unsigned int flags)
{
	if (flags & ~(unsigned int)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	return 0;
}

static long do_pipe2(int __user *ufds, unsigned int flags)
{
	struct file *files[2];
	int err;

	err = check_pipe2_params(flags);
	if (err)
		return err;
	if (!access_ok(ufds, 2 * sizeof(int)))
		return -EFAULT;
	err = pipe_create_files(files, flags);
	if (err)
		return err;
	return fd_install_pair(files, flags & O_CLOEXEC, ufds);
}

static long sys_pipe2(int __user *fds, unsigned int flags)
{
	return do_pipe2(fds, flags);
}
SYSCALL(__NR_pipe2, sys_pipe2);

static long sys_pipe(int __user *fds)
{
	return do_pipe2(fds, 0);
}
SYSCALL(__NR_pipe, sys_pipe);
