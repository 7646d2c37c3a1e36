/*
 * swapfile.c - swapon(2), swapoff(2) and the swap area's slot map.
 *
 * One active swap area for now (type 0). swapon reads and checks the mkswap
 * header (mm/swap.h), builds a map of slot use counts (0 free, SWAP_BAD for
 * the header and bad pages), and publishes the totals to /proc/meminfo and
 * /proc/swaps. Writing pages out and reading them back (swap entries in
 * PTEs, the swap cache, reclaim) is the next step of the rmap/swap issue.
 *
 * Linux semantics kept: only a block device can be a swap area here
 * (a tmpfs file gives EINVAL, as on Linux), a second swapon of the same
 * device gives EBUSY, swapoff of a path that is not swapping gives EINVAL,
 * both need CAP_SYS_ADMIN (EPERM without it).
 */
#include "mm/swap.h"
#include "kernel/cred.h"
#include "kernel/drivers/blkdev.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include <arch/memlayout.h>

#define SWAP_BAD	0xff
#define CAP_SYS_ADMIN_BIT	21

struct swap_area {
	struct blkdev *bdev;
	char path[64];
	unsigned long last_page;	/* slots 1..last_page */
	unsigned long usable;		/* slots that are not bad */
	unsigned long inuse;
	uint8_t *map;			/* use count per slot */
	bool active;
};

static struct mutex swap_lock = MUTEX_INIT(swap_lock);
static struct swap_area area;

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

long swap_parse_header(const void *page, uint64_t device_pages, unsigned long *last_page)
{
	const uint8_t *h = page;
	uint32_t version = rd32(h + 1024), last = rd32(h + 1028), nbad = rd32(h + 1032);

	if (memcmp(h + PAGE_SIZE - 10, SWAP_MAGIC, 10))
		return -EINVAL;		/* not mkswap'ed (or the old SWAP-SPACE format) */
	if (version != 1 || last < 1 || nbad > SWAP_MAX_BADPAGES)
		return -EINVAL;
	if (last >= device_pages)
		last = device_pages - 1;	/* Linux clamps to the device, too */
	if (last < 1)
		return -EINVAL;
	for (uint32_t i = 0; i < nbad; i++) {
		uint32_t b = rd32(h + 1536 + 4 * i);

		if (b == 0 || b > last)
			return -EINVAL;
	}
	*last_page = last;
	return (long)last - nbad;
}

void swap_totals(unsigned long *total, unsigned long *free)
{
	*total = area.active ? area.usable : 0;
	*free = area.active ? area.usable - area.inuse : 0;
}

size_t swap_show(char *buf, size_t size)
{
	size_t n = snprintf(buf, size, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");

	if (area.active && n < size)
		n += snprintf(buf + n, size - n, "%-40s%s\t%lu\t\t%lu\t\t%d\n", area.path,
			      "partition", area.usable * (PAGE_SIZE / 1024),
			      area.inuse * (PAGE_SIZE / 1024), -2);
	return n < size ? n : size - 1;
}

/* The block device behind an open /dev node, or NULL. */
static struct blkdev *file_blkdev(struct file *f)
{
	if (!f->inode || !S_ISCHR(f->inode->mode) || MAJOR(f->inode->rdev) != BLKDEV_MAJOR)
		return NULL;
	for (unsigned int i = 0; blkdev_at(i); i++)
		if (blkdev_at(i)->minor == MINOR(f->inode->rdev))
			return blkdev_at(i);
	return NULL;
}

static long do_swapon(const char *path)
{
	struct file *f = file_open_kernel(path, O_RDWR);
	struct blkdev *bd;
	unsigned long last;
	uint8_t *hdr = NULL;
	long usable;

	if (IS_ERR(f))
		return PTR_ERR(f);
	bd = file_blkdev(f);
	fput(f);
	if (!bd)
		return -EINVAL;
	mutex_lock(&swap_lock);
	usable = -EBUSY;
	if (area.active)
		goto out;
	usable = -ENOMEM;
	hdr = kmalloc(PAGE_SIZE, 0);
	if (!hdr)
		goto out;
	usable = blkdev_rw(bd, 0, hdr, PAGE_SIZE / 512, false) ? -EIO : 0;
	if (!usable)
		usable = swap_parse_header(hdr, bd->sectors / (PAGE_SIZE / 512), &last);
	if (usable <= 0) {
		usable = usable ? usable : -EINVAL;
		goto out;
	}
	area.map = kzalloc(last + 1);
	if (!area.map) {
		usable = -ENOMEM;
		goto out;
	}
	area.map[0] = SWAP_BAD;
	for (uint32_t i = 0; i < rd32(hdr + 1032); i++)
		area.map[rd32(hdr + 1536 + 4 * i)] = SWAP_BAD;
	area.bdev = bd;
	area.last_page = last;
	area.usable = usable;
	area.inuse = 0;
	strlcpy(area.path, path, sizeof(area.path));
	area.active = true;
	printk("swap: %s: %lu KiB of swap\n", path, usable * (PAGE_SIZE / 1024));
	usable = 0;
out:
	mutex_unlock(&swap_lock);
	kfree(hdr);
	return usable;
}

long swapon_kernel(const char *path)
{
	return do_swapon(path);
}

static long do_swapoff(const char *path)
{
	long ret = -EINVAL;

	mutex_lock(&swap_lock);
	if (area.active && !strcmp(area.path, path)) {
		/* Nothing is swapped out yet (no swap-out path): just forget the area. */
		ret = area.inuse ? -EBUSY : 0;
		if (!ret) {
			kfree(area.map);
			memset(&area, 0, sizeof(area));
		}
	}
	mutex_unlock(&swap_lock);
	return ret;
}

long swapoff_kernel(const char *path)
{
	return do_swapoff(path);
}

static long sys_swapon(const char __user *upath, long flags)
{
	char path[64];
	long n;

	if (!capable(CAP_SYS_ADMIN_BIT))
		return -EPERM;
	n = strncpy_from_user(path, upath, sizeof(path));
	if (n < 0)
		return n;
	return do_swapon(path);
}
SYSCALL(__NR_swapon, sys_swapon);

static long sys_swapoff(const char __user *upath)
{
	char path[64];
	long n;

	if (!capable(CAP_SYS_ADMIN_BIT))
		return -EPERM;
	n = strncpy_from_user(path, upath, sizeof(path));
	if (n < 0)
		return n;
	return do_swapoff(path);
}
SYSCALL(__NR_swapoff, sys_swapoff);
