/*
 * eventfd.c - eventfd(2) and eventfd2(2): a 64-bit counter behind a file
 * descriptor, for one thread or process to signal another (Linux's
 * fs/eventfd.c).
 *
 * write(2) of 8 bytes adds their value to the counter; read(2) of 8 bytes
 * returns the counter and zeroes it, or with EFD_SEMAPHORE returns 1 and
 * takes 1 off. A read of a zero counter sleeps (EAGAIN with O_NONBLOCK);
 * so does a write that would take the counter to UINT64_MAX or beyond.
 * The file polls readable while the counter is above zero and writable
 * while one more write of 1 fits, so poll, select and epoll wait on it.
 *
 *   ctx->lock (spin) guards count; ctx->wq holds readers, writers and
 *   pollers alike: every change wakes it and each sleeper checks again.
 *
 * Tests: user/tests/eventfd_test.c; epoll's epoll_wakeup_test uses it.
 */
#include "kernel/errno.h"
#include "kernel/fs/poll.h"
#include "kernel/fs/vfs.h"
#include "kernel/syscall.h"
#include "kernel/wait.h"
#include "mm/slab.h"
#include "mm/usercopy.h"

/* <sys/eventfd.h>'s flags: the UAPI headers do not carry them. */
#define EFD_SEMAPHORE	1
#define EFD_CLOEXEC	O_CLOEXEC
#define EFD_NONBLOCK	O_NONBLOCK
#define EFD_FLAGS	(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK)

struct eventfd_ctx {
	spinlock_t lock;		/* guards count */
	uint64_t count;			/* never UINT64_MAX */
	bool semaphore;			/* EFD_SEMAPHORE: reads take 1 */
	struct waitqueue wq;		/* readers, writers, pollers */
};

/* Take what a read returns, if the counter allows; 0: nothing yet. */
static uint64_t eventfd_take(struct eventfd_ctx *ctx)
{
	unsigned long irq = spin_lock_irqsave(&ctx->lock);
	uint64_t v = ctx->count;

	if (v && ctx->semaphore)
		v = 1;
	ctx->count -= v;
	spin_unlock_irqrestore(&ctx->lock, irq);
	return v;
}

/* Add @v if the counter stays below UINT64_MAX; false: it would not. */
static bool eventfd_add(struct eventfd_ctx *ctx, uint64_t v)
{
	unsigned long irq = spin_lock_irqsave(&ctx->lock);
	bool ok = UINT64_MAX - ctx->count > v;

	if (ok)
		ctx->count += v;
	spin_unlock_irqrestore(&ctx->lock, irq);
	return ok;
}

/* read(2): EINVAL below 8 bytes; sleeps for a non-zero counter. */
static ssize_t eventfd_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	struct eventfd_ctx *ctx = f->private_data;
	uint64_t v;

	if (n < sizeof(v))
		return -EINVAL;
	while (!(v = eventfd_take(ctx))) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(&ctx->wq, READ_ONCE(ctx->count) != 0))
			return -ERESTARTSYS;
	}
	wake_up(&ctx->wq);		/* room for writers */
	/* As Linux: the value is taken even when the copy then faults. */
	return copy_to_user(buf, &v, sizeof(v)) ? -EFAULT : (ssize_t)sizeof(v);
}

/*
 * write(2): EINVAL below 8 bytes or for UINT64_MAX; sleeps while the sum
 * would reach UINT64_MAX.
 */
static ssize_t eventfd_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	struct eventfd_ctx *ctx = f->private_data;
	uint64_t v;

	if (n < sizeof(v))
		return -EINVAL;
	if (copy_from_user(&v, buf, sizeof(v)))
		return -EFAULT;
	if (v == UINT64_MAX)
		return -EINVAL;
	while (!eventfd_add(ctx, v)) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(&ctx->wq, UINT64_MAX - READ_ONCE(ctx->count) > v))
			return -ERESTARTSYS;
	}
	wake_up(&ctx->wq);		/* something for readers */
	return sizeof(v);
}

static unsigned int eventfd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd_ctx *ctx = f->private_data;
	uint64_t count;
	unsigned int mask = 0;

	poll_wait(f, &ctx->wq, pt);
	count = READ_ONCE(ctx->count);
	if (count)
		mask |= POLLIN | POLLRDNORM;
	if (count < UINT64_MAX - 1)
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

static void eventfd_release(struct file *f)
{
	kfree(f->private_data);
}

static const struct file_operations eventfd_fops = {
	.read = eventfd_read,
	.write = eventfd_write,
	.poll = eventfd_poll,
	.release = eventfd_release,
};

static long do_eventfd(unsigned int initval, int flags)
{
	struct eventfd_ctx *ctx;
	struct file *f;
	int fd;

	/* Check: only the three EFD_ flags. */
	if (flags & ~EFD_FLAGS)
		return -EINVAL;
	ctx = kzalloc(sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	spin_lock_init(&ctx->lock);
	waitqueue_init(&ctx->wq);
	ctx->count = initval;
	ctx->semaphore = flags & EFD_SEMAPHORE;
	f = file_alloc(&eventfd_fops, O_RDWR | (flags & EFD_NONBLOCK));
	if (IS_ERR(f)) {
		kfree(ctx);
		return PTR_ERR(f);
	}
	f->private_data = ctx;
	fd = fd_install(f, 0, flags & EFD_CLOEXEC);
	if (fd < 0)
		fput(f);
	return fd;
}

static long sys_eventfd(unsigned int initval)
{
	return do_eventfd(initval, 0);
}
SYSCALL(__NR_eventfd, sys_eventfd);

static long sys_eventfd2(unsigned int initval, int flags)
{
	return do_eventfd(initval, flags);
}
SYSCALL(__NR_eventfd2, sys_eventfd2);
