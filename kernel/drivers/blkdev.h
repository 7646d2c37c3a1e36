/*
 * blkdev.h - block devices: disks addressed in 512-byte sectors.
 *
 * A driver (virtio_blk.c) fills a struct blkdev and registers it; everyone
 * else finds it by name ("vda") and moves whole sectors with blkdev_rw(),
 * which checks the range, applies injected errors and splits the transfer
 * into pieces the driver takes (at most max_sectors each). Each registered
 * disk also appears as /dev/<name>, a byte-addressed device node:
 *
 *   blkdev_rw(d, sector, buf, n, write)     kernel buffer, whole sectors
 *   blkdev_pread/pwrite(d, buf, n, off)     kernel buffer, any byte range
 *   read(2)/write(2)/lseek(2) on /dev/vda   the same, from user space
 *
 * Block devices are not a VFS inode type yet, so /dev/vda is a character
 * device, major BLKDEV_MAJOR, minor = registration order (Linux's vda is
 * block 253:0; here "ls -l" shows c 254:0). Implementation: blkdev.c.
 */
#ifndef KERNEL_DRIVERS_BLKDEV_H
#define KERNEL_DRIVERS_BLKDEV_H

#include "kernel/compiler.h"
#include "kernel/spinlock.h"
#include "kernel/types.h"
#include "kernel/wait.h"

#define SECTOR_SIZE	512
#define SECTOR_SHIFT	9
#define BLKDEV_MAJOR	254
#define BLKDEV_MAX	16

struct blkdev;

struct blkdev_ops {
	/*
	 * Move @nsectors (1..d->max_sectors) sectors between the disk at
	 * @sector and the kernel buffer @buf (any alignment, may cross pages).
	 * Returns 0 or -EIO. May sleep until the transfer is done.
	 */
	int (*transfer)(struct blkdev *d, uint64_t sector, void *buf, size_t nsectors,
			bool write);
};

struct blkdev {
	const char *name;		/* "vda": set by the driver */
	uint64_t sectors;		/* capacity in 512-byte sectors */
	bool read_only;
	unsigned int max_sectors;	/* largest single transfer */
	const struct blkdev_ops *ops;
	void *priv;			/* the driver's */
	unsigned int minor;		/* set by blkdev_register() */

	/* Error injection (tests), guarded by inject_lock. */
	spinlock_t inject_lock;
	uint64_t inject_start, inject_count;

	/* Serialises read-modify-write of partial sectors by pwrite. */
	struct mutex rmw_lock;

	/* Counters (atomic), for tests and debugging. */
	unsigned long nr_reads, nr_writes, nr_errors;
};

/*
 * Probe the block drivers (virtio-blk over PCI) and register what they
 * find. Call once after pci_init() and devices_init() (the /dev nodes need
 * devtmpfs mounted or not yet mounted, and chrdev_register may sleep once
 * it is). A second call does nothing.
 */
void blkdev_init(void);
bool blkdev_ready(void);

/*
 * Register @d (name, sectors, max_sectors and ops filled in) and create
 * /dev/<name>. Returns 0 or -ENOSPC (table full). A /dev node that cannot
 * be made is only warned about: the disk still serves the kernel. May
 * sleep (chrdev_register takes vfs_ns_lock once devtmpfs is mounted).
 */
int blkdev_register(struct blkdev *d);
/* The registered device called @name, or NULL. */
struct blkdev *blkdev_get(const char *name);
/* The @i-th registered device (0-based), or NULL. */
struct blkdev *blkdev_at(unsigned int i);

/*
 * Read or write @nsectors sectors at @sector to/from the kernel buffer
 * @buf (direct map, kernel image or kernel stack; need not be aligned or
 * contiguous across pages). Returns 0; -EIO for a device error, an
 * injected read error, a range past the end, or a write to a read-only
 * disk. Sleeps until done (polls before the scheduler exists).
 */
int blkdev_rw(struct blkdev *d, uint64_t sector, void *buf, size_t nsectors,
	      bool write) __must_check;

/*
 * Byte-granular I/O, as /dev/<name> does it: @n bytes at byte offset @off,
 * clipped at the end of the disk. Returns the bytes moved (0 at or past the
 * end for a read), or -EIO; a write starting at or past the end returns
 * -ENOSPC. Partial sectors of a write are read, merged and written back.
 */
ssize_t blkdev_pread(struct blkdev *d, void *buf, size_t n, uint64_t off);
ssize_t blkdev_pwrite(struct blkdev *d, const void *buf, size_t n, uint64_t off);

/*
 * Make every later read that touches sectors [sector, sector + count) fail
 * with -EIO without reaching the device (writes are unaffected). One range
 * per device; a new call replaces it, count 0 clears it. For tests.
 */
void blkdev_inject_read_error(struct blkdev *d, uint64_t sector, uint64_t count);

#endif
