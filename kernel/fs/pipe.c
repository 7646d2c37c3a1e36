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
 *   - a signal during a wait: the bytes moved so far, or -ERESTARTSYS if none (EINTR or a restart, kernel/uapi.h).
 *
 * Locking: pipe->lock (a mutex) serialises every data move and guards
 * readers/writers. It is dropped around each sleep; the wait conditions
 * peek at the ring and the counts without it, which is safe because the
 * waiter re-checks under the lock. poll() also reads them without the lock
 * (a stale answer only costs one more pass). The struct is freed when both
 * files are released (nr_files reaches 0).
 *
 * vmsplice(2) into a pipe puts the user's pages themselves in it, not
 * copies: each page is pinned read-only (get_user_pages with GUP_PIN, which
 * first unshares a page COW-shared after fork, so the reader sees what the
 * splicing process had, never what another process writes later) and
 * queued in p->pages, at the point of the byte stream where the ring's
 * head was when it came:
 *
 *   ring:   [ a a a | b b b b ]            pages: { at = ring index of first b,
 *   stream:   a a a  <page 7 bytes>  b b b b        page 7, off, len }
 *
 * A reader takes ring bytes up to the first queued page's `at`, then that
 * page's bytes (unpinning it when they are all read), and so on. Ring
 * bytes and spliced bytes together never exceed PIPE_SIZE, and at most
 * PIPE_MAX_PAGES pages are queued (Linux's pipe holds 16 page buffers).
 * Linux keeps every byte in page buffers; Pagoda keeps its ring for
 * write(2) and queues only spliced pages beside it.
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
#include "mm/vm.h"
#include <linux/uio.h>

#ifndef PIPE_BUF
#define PIPE_BUF	4096	/* writes up to this size are atomic */
#endif

_Static_assert((PIPE_SIZE & (PIPE_SIZE - 1)) == 0, "the ring needs a power of two");
_Static_assert(PIPE_SIZE >= PIPE_BUF, "an atomic write must fit");

/* vmsplice(2)'s flags (Linux's include/linux/splice.h). */
#define SPLICE_F_MOVE		0x01u
#define SPLICE_F_NONBLOCK	0x02u
#define SPLICE_F_MORE		0x04u
#define SPLICE_F_GIFT		0x08u
#define SPLICE_F_ALL		0x0fu

#define PIPE_MAX_PAGES	(PIPE_SIZE / PAGE_SIZE)	/* spliced pages queued at once */

struct pipe {
	struct mutex lock;		/* guards ring, pages, readers, writers */
	struct ring ring;
	struct list_head pages;		/* struct pipe_page, oldest first */
	uint32_t page_bytes;		/* unread bytes in pages; peeked unlocked */
	unsigned int nr_pages;		/* entries in pages */
	int readers, writers;		/* open read and write ends */
	struct waitqueue rd_wait;	/* readers wait for data or no writers */
	struct waitqueue wr_wait;	/* writers wait for room or no readers */
	int nr_files;			/* atomic: files not yet released */
};

/* A user page vmsplice(2) queued in a pipe (see the top of the file). */
struct pipe_page {
	struct list_head link;		/* in pipe->pages */
	struct page *page;		/* pinned (GUP_PIN): unpin_user_page() */
	uint32_t off, len;		/* its bytes still to read */
	uint32_t at;			/* ring head when it came (free-running) */
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

/* Unread bytes, in the ring and in spliced pages (exact under the lock). */
static uint32_t pipe_used(struct pipe *p)
{
	return READ_ONCE(p->ring.head) - READ_ONCE(p->ring.tail) + READ_ONCE(p->page_bytes);
}

static bool pipe_readable(struct pipe *p)
{
	return pipe_used(p) != 0 || READ_ONCE(p->writers) == 0;
}

/* Enough room for a write of @want more bytes (all of it if atomic)? */
static bool pipe_writable(struct pipe *p, size_t want)
{
	uint32_t space = PIPE_SIZE - pipe_used(p);

	if (READ_ONCE(p->readers) == 0)
		return true;
	return want <= PIPE_BUF ? space >= want : space > 0;
}

/* ---- moving bytes -------------------------------------------------------- */

/* Drop a spliced page whose bytes have all been read (or the pipe is going). */
static void pipe_page_free(struct pipe *p, struct pipe_page *pp)
{
	list_del(&pp->link);
	p->nr_pages--;
	p->page_bytes -= pp->len;
	unpin_user_page(pp->page);
	kfree(pp);
}

/*
 * Copy up to @n bytes out of the spliced page @pp, which is next in the
 * stream; lock held. Returns bytes or -EFAULT.
 */
static ssize_t pipe_drain_page(struct pipe *p, struct pipe_page *pp, struct pipe_buf *b,
			       size_t off, size_t n)
{
	uint32_t len = (uint32_t)MIN((size_t)pp->len, n);

	if (pipe_copy_out(b, off, (char *)page_address(pp->page) + pp->off, len))
		return -EFAULT;
	pp->off += len;
	pp->len -= len;
	WRITE_ONCE(p->page_bytes, p->page_bytes - len);
	if (!pp->len)
		pipe_page_free(p, pp);
	return len;
}

/*
 * Copy what the pipe holds (up to @n) out, ring bytes and spliced pages in
 * stream order; lock held. Returns bytes or -EFAULT.
 */
static ssize_t pipe_drain_locked(struct pipe *p, struct pipe_buf *b, size_t n)
{
	size_t done = 0;

	while (done < n) {
		struct pipe_page *pp = list_empty(&p->pages) ? NULL :
				       list_first_entry(&p->pages, struct pipe_page, link);
		uint8_t *seg;
		uint32_t len;

		if (pp && pp->at == p->ring.tail) {
			ssize_t r = pipe_drain_page(p, pp, b, done, n - done);

			if (r < 0)
				return done ? (ssize_t)done : r;
			done += (size_t)r;
			continue;
		}
		len = ring_read_seg(&p->ring, &seg);
		if (pp)
			len = MIN(len, pp->at - p->ring.tail);	/* stop at the page */
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

/* read(2) on a pipe; @nonblock: -EAGAIN instead of waiting for data. */
static ssize_t pipe_do_read(struct file *f, struct pipe_buf *b, size_t n, bool nonblock)
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
		if (nonblock) {
			ret = -EAGAIN;
			break;
		}
		mutex_unlock(&p->lock);
		ret = wait_event_interruptible(&p->rd_wait, pipe_readable(p));
		mutex_lock(&p->lock);
		if (ret) {
			ret = -ERESTARTSYS;	/* a signal before any byte */
			break;
		}
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

	n = MIN(n, (size_t)(PIPE_SIZE - pipe_used(p)));	/* spliced pages count too */
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
				send_signal_thread(current(), SIGPIPE, NULL);
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
		if (ret) {
			ret = -ERESTARTSYS;	/* the bytes written so far, if any */
			break;
		}
	}
	mutex_unlock(&p->lock);
	return done ? (ssize_t)done : ret;
}

/* ---- file operations ----------------------------------------------------- */

static ssize_t pipe_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	struct pipe_buf b = { .kbuf = NULL, .ubuf = buf };

	return pipe_do_read(f, &b, n, f->flags & O_NONBLOCK);
}

static ssize_t pipe_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	struct pipe_buf b = { .kbuf = NULL, .ubuf = (char __user *)buf };

	return pipe_do_write(f, &b, n);
}

ssize_t pipe_kernel_read(struct file *f, void *buf, size_t n)
{
	struct pipe_buf b = { .kbuf = buf, .ubuf = NULL };

	return pipe_do_read(f, &b, n, f->flags & O_NONBLOCK);
}

ssize_t pipe_kernel_write(struct file *f, const void *buf, size_t n)
{
	struct pipe_buf b = { .kbuf = (char *)buf, .ubuf = NULL };

	return pipe_do_write(f, &b, n);
}

size_t pipe_bytes_ready(struct file *f)
{
	return pipe_used(f->private_data);
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
	while (!list_empty(&p->pages))
		pipe_page_free(p, list_first_entry(&p->pages, struct pipe_page, link));
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
	INIT_LIST_HEAD(&p->pages);
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

/* ---- vmsplice ------------------------------------------------------------ */

/*
 * Queue the user pages of [addr, addr + n) behind the ring's head, each
 * pinned read-only, as far as room allows (lock held). Returns the bytes
 * queued, or -EFAULT / -ENOMEM / -ERESTARTSYS when none were.
 */
static ssize_t pipe_splice_user_locked(struct pipe *p, unsigned long addr, size_t n)
{
	struct mm *mm = current()->mm;
	size_t done = 0;

	while (done < n && p->nr_pages < PIPE_MAX_PAGES && pipe_used(p) < PIPE_SIZE) {
		unsigned long a = addr + done;
		size_t len = MIN(n - done, PAGE_SIZE - (a & ~PAGE_MASK));
		struct pipe_page *pp = kmalloc(sizeof(*pp), 0);
		struct page *pg;
		long got;

		if (!pp)
			return done ? (ssize_t)done : -ENOMEM;
		len = MIN(len, (size_t)(PIPE_SIZE - pipe_used(p)));
		mmap_read_lock(mm);
		got = get_user_pages_locked(mm, a & PAGE_MASK, 1, GUP_PIN, &pg);
		mmap_read_unlock(mm);
		if (got != 1) {
			kfree(pp);
			return done ? (ssize_t)done : got;
		}
		*pp = (struct pipe_page){ .page = pg, .off = (uint32_t)(a & ~PAGE_MASK),
					  .len = (uint32_t)len, .at = p->ring.head };
		list_add_tail(&pp->link, &p->pages);
		p->nr_pages++;
		WRITE_ONCE(p->page_bytes, p->page_bytes + (uint32_t)len);
		done += len;
	}
	return (ssize_t)done;
}

static bool pipe_splice_room(struct pipe *p)
{
	return READ_ONCE(p->readers) == 0 ||
	       (READ_ONCE(p->nr_pages) < PIPE_MAX_PAGES && pipe_used(p) < PIPE_SIZE);
}

/*
 * vmsplice to the write end: wait once for room (as Linux's
 * wait_for_space: -EAGAIN instead with SPLICE_F_NONBLOCK or O_NONBLOCK),
 * then queue as much of the vector as fits. Returns bytes queued or an
 * error: -EPIPE (and SIGPIPE) with no reader left.
 */
static ssize_t vmsplice_to_pipe(struct file *f, const struct iovec *iov, int cnt, bool nonblock)
{
	struct pipe *p = f->private_data;
	ssize_t done = 0, r = 0;

	mutex_lock(&p->lock);
	while (!pipe_splice_room(p) || !p->readers) {
		if (!p->readers) {
			send_signal_thread(current(), SIGPIPE, NULL);
			r = -EPIPE;
			goto out;
		}
		if (nonblock) {
			r = -EAGAIN;
			goto out;
		}
		mutex_unlock(&p->lock);
		r = wait_event_interruptible(&p->wr_wait, pipe_splice_room(p));
		mutex_lock(&p->lock);
		if (r) {
			r = -ERESTARTSYS;
			goto out;
		}
	}
	for (int i = 0; i < cnt; i++) {
		if (!iov[i].iov_len)
			continue;
		r = pipe_splice_user_locked(p, (unsigned long)iov[i].iov_base, iov[i].iov_len);
		if (r < 0)
			break;
		done += r;
		if ((size_t)r < iov[i].iov_len)
			break;			/* full */
	}
	if (done)
		wake_up(&p->rd_wait);
out:
	mutex_unlock(&p->lock);
	return done ? done : r;
}

/* vmsplice from the read end: a copy into the user's vector, as readv. */
static ssize_t vmsplice_to_user(struct file *f, const struct iovec *iov, int cnt, bool nonblock)
{
	ssize_t done = 0;

	for (int i = 0; i < cnt; i++) {
		struct pipe_buf b = { .kbuf = NULL, .ubuf = iov[i].iov_base };
		ssize_t r;

		if (!iov[i].iov_len)
			continue;
		r = pipe_do_read(f, &b, iov[i].iov_len, nonblock);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((size_t)r < iov[i].iov_len)
			break;
	}
	return done;
}

/*
 * vmsplice(2): @fd must be a pipe end. Into the write end the pages of
 * the vector are spliced, pinned, not copied (the reader sees the data
 * as it was spliced); from the read end the data is copied out, as
 * readv(2). Linux's errors: EINVAL for unknown flags or a bad vector,
 * EBADF for a file that is not a pipe, EFAULT for a bad address.
 */
static long sys_vmsplice(int fd, const struct iovec __user *uiov, unsigned long nr_segs,
			 unsigned int flags)
{
	struct iovec *iov;
	size_t total = 0;
	struct file *f;
	bool nonblock;
	ssize_t ret;

	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	f = fget(fd);
	if (!f)
		return -EBADF;
	iov = nr_segs > UIO_MAXIOV ? ERR_PTR(-EINVAL) : iov_import(uiov, (int)nr_segs);
	if (IS_ERR_OR_NULL(iov)) {
		fput(f);
		return iov ? PTR_ERR(iov) : 0;
	}
	nonblock = (flags & SPLICE_F_NONBLOCK) || (f->flags & O_NONBLOCK);
	for (unsigned long i = 0; i < nr_segs; i++)
		total += iov[i].iov_len;
	if (f->fop != &pipe_write_fops && f->fop != &pipe_read_fops)
		ret = -EBADF;
	else if (!total)
		ret = 0;
	else if (f->fop == &pipe_write_fops)
		ret = vmsplice_to_pipe(f, iov, (int)nr_segs, nonblock);
	else
		ret = vmsplice_to_user(f, iov, (int)nr_segs, nonblock);
	kfree(iov);
	fput(f);
	return ret;
}
SYSCALL(__NR_vmsplice, sys_vmsplice);
