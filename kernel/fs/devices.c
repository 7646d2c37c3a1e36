/*
 * devices.c - the character devices every Unix has: /dev/null, /dev/zero,
 * /dev/random, /dev/urandom, /dev/console and /dev/tty.
 *
 * Each is a file_operations table registered with chrdev_register(), which
 * makes devtmpfs show it in /dev under its Linux major:minor:
 *
 *   name      dev    reads                    writes
 *   null      1:3    end of file              swallowed
 *   zero      1:5    zero bytes               swallowed
 *   random    1:8    the kernel CSPRNG        mixed into it
 *   urandom   1:9    the kernel CSPRNG        mixed into it
 *   tty       5:0    the caller's controlling terminal (ENXIO if none)
 *   console   5:1    the console TTY
 *
 * /dev/random never blocks: as in Linux 5.6 and later it is /dev/urandom
 * once the generator is seeded, and ours seeds at first use (random.c).
 * /dev/tty is "my controlling terminal": with a single terminal that is
 * the console when the caller's session has made it its controlling tty
 * (TIOCSCTTY), and ENXIO otherwise, as in Linux.
 */
#include "kernel/errno.h"
#include "kernel/fs/poll.h"
#include "kernel/fs/tty.h"
#include "kernel/fs/vfs.h"
#include "kernel/printk.h"
#include "kernel/random.h"
#include "kernel/task.h"

#define DEVICE_MODE_RW_ALL	0666
#define DEVICE_MODE_CONSOLE	0600

/*
 * /dev/random polls readable, as Linux's once its generator is seeded
 * (Pagoda's never waits for that: kernel/random.c). null, zero and
 * urandom have no poll, as on Linux: poll(2) finds them always ready
 * (poll.c's DEFAULT_POLLMASK) and epoll refuses them (EPERM).
 */
static unsigned int random_poll(struct file *f, struct poll_table *pt)
{
	return POLLIN | POLLRDNORM;
}

/* lseek on null and zero succeeds and leaves the position at 0 (Linux). */
static loff_t null_llseek(struct file *f, loff_t off, int whence)
{
	f->pos = 0;
	return 0;
}

/* lseek on the random devices succeeds and changes nothing (noop_llseek). */
static loff_t noop_llseek(struct file *f, loff_t off, int whence)
{
	return f->pos;
}

static ssize_t null_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	return 0;
}

static ssize_t sink_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	return (ssize_t)n;
}

/*
 * A page at a time (Linux's read_zero): a gigabyte read yields the CPU
 * between pages and stops at a signal with what it has done, or -EINTR.
 */
static ssize_t zero_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	size_t done = 0;

	while (done < n) {
		size_t chunk = PAGE_SIZE - ((uintptr_t)(buf + done) & (PAGE_SIZE - 1));

		if (chunk > n - done)
			chunk = n - done;
		if (clear_user(buf + done, chunk))
			return done ? (ssize_t)done : -EFAULT;
		done += chunk;
		if (done < n && signal_pending_current())
			break;
		cond_resched();
	}
	return (ssize_t)done;
}

static ssize_t random_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	return random_read_user(buf, n);
}

static ssize_t random_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	return random_write_user(buf, n);
}

static const struct file_operations null_fops = {
	.read = null_read,
	.write = sink_write,
	.llseek = null_llseek,
};

static const struct file_operations zero_fops = {
	.read = zero_read,
	.write = sink_write,
	.llseek = null_llseek,
};

static const struct file_operations random_fops = {
	.read = random_read,
	.write = random_write,
	.llseek = noop_llseek,
	.poll = random_poll,
};

static const struct file_operations urandom_fops = {
	.read = random_read,
	.write = random_write,
	.llseek = noop_llseek,
};

static const struct {
	const char *name;
	unsigned int dev;
	umode_t mode;
	const struct file_operations *fop;
} devices[] = {
	{ "null",	MKDEV(1, 3), DEVICE_MODE_RW_ALL,  &null_fops },
	{ "zero",	MKDEV(1, 5), DEVICE_MODE_RW_ALL,  &zero_fops },
	{ "random",	MKDEV(1, 8), DEVICE_MODE_RW_ALL,  &random_fops },
	{ "urandom",	MKDEV(1, 9), DEVICE_MODE_RW_ALL,  &urandom_fops },
	{ "tty",	MKDEV(5, 0), DEVICE_MODE_RW_ALL,  &devtty_fops },
	{ "console",	MKDEV(5, 1), DEVICE_MODE_CONSOLE, &console_fops },
};

/*
 * Bring up the console TTY and register the devices above. Called once
 * after vfs_init() (devtmpfs must exist) and after interrupts are routed
 * (the TTY takes over the serial receive interrupt and claims IRQ 1).
 */
void devices_init(void)
{
	tty_console_init();
	for (unsigned int i = 0; i < ARRAY_SIZE(devices); i++) {
		int err = chrdev_register(devices[i].name, devices[i].dev,
					  devices[i].mode, devices[i].fop);

		if (err)
			pr_warn("devices: cannot register /dev/%s: %d\n",
				devices[i].name, err);
	}
}
