/*
 * blkdev.c - the block layer: the table of disks, sector I/O with range
 * checks and error injection, byte-granular I/O and the /dev/<name> nodes.
 *
 *   blkdev_rw(d, sector, buf, n)        check range / read-only / injected
 *        |                              errors, then cut into pieces of at
 *        v                              most d->max_sectors
 *   d->ops->transfer(d, sector, buf, k) the driver (virtio_blk.c): one
 *                                       request, sleeps until it completes
 *
 * Byte I/O goes through a one-page bounce buffer, a page (8 sectors) at a
 * time. A write that covers a sector only in part reads the sectors first,
 * merges and writes them back, holding d->rmw_lock so two partial writers
 * of one sector cannot lose each other's bytes:
 *
 *   off                                        off + n
 *    |                                            |
 *   [ sector s   | s+1 | s+2 | ...     | sector e ]     read s..e into the page,
 *    ^^^^ kept                           kept ^^^^      copy the new bytes in,
 *                                                       write s..e back
 *
 * /dev/<name> is registered with chrdev_register() as character device
 * BLKDEV_MAJOR:minor (the VFS has no block-device inodes yet); open() finds
 * the disk by minor and read/write/lseek are the byte I/O above, so
 * `cat /dev/vda`, dd-style pread/pwrite and lseek(SEEK_END) all work.
 * ioctl answers BLKGETSIZE64, BLKGETSIZE and BLKSSZGET as Linux does.
 *
 * Locking: blkdev_lock guards the table (entries are never removed);
 * d->inject_lock the injected range; d->rmw_lock (sleeping) partial writes.
 */
#include "kernel/drivers/blkdev.h"
#include "kernel/drivers/virtio_blk.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/might_sleep.h"
#include "kernel/printk.h"
#include "mm/page_alloc.h"

static spinlock_t blkdev_lock = SPINLOCK_INIT(blkdev_lock);	/* blkdevs[], nr_blkdevs */
static struct blkdev *blkdevs[BLKDEV_MAX];
static unsigned int nr_blkdevs;
static bool blkdev_done;

/* ---- the table ---- */

struct blkdev *blkdev_at(unsigned int i)
{
	unsigned long irq = spin_lock_irqsave(&blkdev_lock);
	struct blkdev *d = i < nr_blkdevs ? blkdevs[i] : NULL;

	spin_unlock_irqrestore(&blkdev_lock, irq);
	return d;
}

struct blkdev *blkdev_get(const char *name)
{
	struct blkdev *d;

	for (unsigned int i = 0; (d = blkdev_at(i)) != NULL; i++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

static const struct file_operations blkdev_fops;

int blkdev_register(struct blkdev *d)
{
	unsigned long irq;
	int err = 0;

	spin_lock_init(&d->inject_lock);
	mutex_init(&d->rmw_lock);
	d->inject_start = d->inject_count = 0;
	if (!d->max_sectors)
		d->max_sectors = 1;
	irq = spin_lock_irqsave(&blkdev_lock);
	if (nr_blkdevs == BLKDEV_MAX) {
		err = -ENOSPC;
	} else {
		d->minor = nr_blkdevs;
		blkdevs[nr_blkdevs] = d;
		__atomic_store_n(&nr_blkdevs, nr_blkdevs + 1, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&blkdev_lock, irq);
	if (err)
		return err;
	/* Without its /dev node the disk still serves the kernel. */
	err = chrdev_register(d->name, MKDEV(BLKDEV_MAJOR, d->minor), 0660, &blkdev_fops);
	if (err)
		pr_warn("blkdev: no /dev/%s: %d\n", d->name, err);
	return 0;
}

void blkdev_init(void)
{
	if (blkdev_ready())
		return;
	virtio_blk_init();
	__atomic_store_n(&blkdev_done, true, __ATOMIC_RELEASE);
}

bool blkdev_ready(void)
{
	return __atomic_load_n(&blkdev_done, __ATOMIC_ACQUIRE);
}

/* ---- sector I/O ---- */

void blkdev_inject_read_error(struct blkdev *d, uint64_t sector, uint64_t count)
{
	unsigned long irq = spin_lock_irqsave(&d->inject_lock);

	d->inject_start = sector;
	d->inject_count = count;
	spin_unlock_irqrestore(&d->inject_lock, irq);
}

/* Does [sector, sector + n) meet the injected range? */
static bool inject_hit(struct blkdev *d, uint64_t sector, uint64_t n)
{
	unsigned long irq = spin_lock_irqsave(&d->inject_lock);
	bool hit = d->inject_count && sector < d->inject_start + d->inject_count &&
		   d->inject_start < sector + n;

	spin_unlock_irqrestore(&d->inject_lock, irq);
	return hit;
}

int blkdev_rw(struct blkdev *d, uint64_t sector, void *buf, size_t nsectors, bool write)
{
	uint8_t *p = buf;

	/*
	 * The driver waits for the device: it sleeps, or polls only while
	 * sleeping is impossible (boot, before the scheduler).
	 */
	might_sleep();
	if (nsectors == 0)
		return 0;
	/* Past the end, or wrapping around: Linux fails such bios with EIO. */
	if (sector >= d->sectors || nsectors > d->sectors - sector)
		return -EIO;
	if (write && d->read_only)
		return -EIO;
	if (!write && inject_hit(d, sector, nsectors)) {
		__atomic_add_fetch(&d->nr_errors, 1, __ATOMIC_RELAXED);
		return -EIO;
	}
	while (nsectors) {
		size_t chunk = MIN(nsectors, (size_t)d->max_sectors);

		if (d->ops->transfer(d, sector, p, chunk, write)) {
			__atomic_add_fetch(&d->nr_errors, 1, __ATOMIC_RELAXED);
			return -EIO;
		}
		sector += chunk;
		p += chunk * SECTOR_SIZE;
		nsectors -= chunk;
	}
	__atomic_add_fetch(write ? &d->nr_writes : &d->nr_reads, 1, __ATOMIC_RELAXED);
	return 0;
}

/* ---- byte I/O ---- */

static uint64_t disk_bytes(const struct blkdev *d)
{
	return d->sectors << SECTOR_SHIFT;
}

/*
 * Move one piece: @len bytes at disk offset @pos (all within one page of
 * the bounce buffer @tmp once shifted by the in-sector offset) to or from
 * @buf at @done. Returns 0 or -EIO/-EFAULT.
 */
static int bytes_piece(struct blkdev *d, uint8_t *tmp, struct fs_buf buf, size_t done,
		       uint64_t pos, size_t len, bool write)
{
	uint64_t sector = pos >> SECTOR_SHIFT;
	size_t skip = pos & (SECTOR_SIZE - 1);
	size_t nsec = (skip + len + SECTOR_SIZE - 1) >> SECTOR_SHIFT;
	bool partial = skip || ((skip + len) & (SECTOR_SIZE - 1));
	int err;

	if (!write || partial) {
		err = blkdev_rw(d, sector, tmp, nsec, /* write= */false);
		if (err)
			return err;
	}
	if (!write)
		return fsbuf_copy_out(buf, done, tmp + skip, len);
	err = fsbuf_copy_in(tmp + skip, buf, done, len);
	if (err)
		return err;
	return blkdev_rw(d, sector, tmp, nsec, /* write= */true);
}

/* pread/pwrite on @d through @buf (user or kernel); see blkdev.h. */
static ssize_t bytes_rw(struct blkdev *d, struct fs_buf buf, size_t n, uint64_t off,
			bool write)
{
	struct page *bounce;
	size_t done = 0;
	int err = 0;

	if (off >= disk_bytes(d))
		return write ? -ENOSPC : 0;
	n = MIN(n, disk_bytes(d) - off);
	if (n == 0)
		return 0;
	bounce = alloc_page(GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	if (write)
		mutex_lock(&d->rmw_lock);
	while (done < n) {
		uint64_t pos = off + done;
		size_t len = MIN(n - done, PAGE_SIZE - (pos & (SECTOR_SIZE - 1)));

		err = bytes_piece(d, page_address(bounce), buf, done, pos, len, write);
		if (err)
			break;
		done += len;
	}
	if (write)
		mutex_unlock(&d->rmw_lock);
	free_page(bounce);
	return done ? (ssize_t)done : err;
}

ssize_t blkdev_pread(struct blkdev *d, void *buf, size_t n, uint64_t off)
{
	return bytes_rw(d, fsbuf_kernel(buf), n, off, /* write= */false);
}

ssize_t blkdev_pwrite(struct blkdev *d, const void *buf, size_t n, uint64_t off)
{
	return bytes_rw(d, fsbuf_kernel((void *)buf), n, off, /* write= */true);
}

/* ---- /dev/<name> ---- */

static int blkdev_open(struct inode *inode, struct file *f)
{
	struct blkdev *d = blkdev_at(MINOR(inode->rdev));

	if (!d)
		return -ENXIO;
	f->private_data = d;
	return 0;
}

static ssize_t blkdev_file_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	ssize_t ret;

	if (*pos < 0)
		return -EINVAL;
	ret = bytes_rw(f->private_data, fsbuf_user(buf), n, (uint64_t)*pos, /* write= */false);
	if (ret > 0)
		*pos += ret;
	return ret;
}

static ssize_t blkdev_file_write(struct file *f, const char __user *buf, size_t n,
				 loff_t *pos)
{
	ssize_t ret;

	if (*pos < 0)
		return -EINVAL;
	ret = bytes_rw(f->private_data, fsbuf_user((void __user *)buf), n, (uint64_t)*pos,
		       /* write= */true);
	if (ret > 0)
		*pos += ret;
	return ret;
}

static loff_t blkdev_llseek(struct file *f, loff_t off, int whence)
{
	return llseek_size(f, off, whence, (loff_t)disk_bytes(f->private_data));
}

static long blkdev_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct blkdev *d = f->private_data;

	switch (cmd) {
	case BLKGETSIZE64:		/* size in bytes, u64 */
		return put_user((uint64_t)disk_bytes(d), (uint64_t __user *)arg);
	case BLKGETSIZE:		/* size in sectors, unsigned long */
		return put_user((unsigned long)d->sectors, (unsigned long __user *)arg);
	case BLKSSZGET:			/* logical sector size, int */
		return put_user((int)SECTOR_SIZE, (int __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations blkdev_fops = {
	.open = blkdev_open,
	.read = blkdev_file_read,
	.write = blkdev_file_write,
	.llseek = blkdev_llseek,
	.ioctl = blkdev_ioctl,
};
