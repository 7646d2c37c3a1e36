/*
 * swapfile.c - swapon(2), swapoff(2) and the swap area's slot map.
 *
 * One active swap area for now (type 0). swapon reads and checks the mkswap
 * header (mm/swap.h), builds a map of slot use counts (0 free, SWAP_BAD for
 * the header and bad pages), and publishes the totals to /proc/meminfo and
 * /proc/swaps.
 *
 * Linux semantics kept: only a block device can be a swap area here
 * (a tmpfs file gives EINVAL, as on Linux), a second swapon of the same
 * device gives EBUSY, swapoff of a path that is not swapping gives EINVAL,
 * both need CAP_SYS_ADMIN (EPERM without it).
 *
 * Pages go out by MADV_PAGEOUT (mm/memory.c pageout_range) and come back
 * on the next fault (fault_swapin); swapoff stops new slots being taken,
 * then reads every swapped tmpfs page back (shmem_unuse) and faults every
 * remaining entry of every process back in. Under memory pressure reclaim
 * (mm/vmscan.c) swaps pages out too, and drops swap-cache pages no PTE
 * maps any more (swap_cache_drop). The swap cache itself (slot -> page)
 * is mm/swap_state.c; swapped shmem pages are mm/shmem.c's.
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
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/vmstat.h"
#include "mm/usercopy.h"
#include "mm/internal.h"
#include <arch/memlayout.h>
#include <arch/pgtable.h>

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
	bool writeok;			/* new slots may be taken (not while swapoff runs) */
};

static struct mutex swap_lock = MUTEX_INIT_RANKED(swap_lock, LOCK_RANK_SWAPON);
static struct swap_area area;

/*
 * Slot counts (area.map, area.inuse) and the swap cache (swap_state.c)
 * change under swap_map_lock, a spinlock: the fault path and zap use
 * them. One lock for both, so a slot freed and taken again never finds
 * its old page still cached.
 */
spinlock_t swap_map_lock = SPINLOCK_INIT_RANKED(swap_map_lock, LOCK_RANK_SWAP_MAP);
static unsigned long next_slot = 1;

/* A slot can be taken now (swapon done, not in swapoff, not full). No lock. */
bool swap_writable(void)
{
	return area.writeok && area.inuse < area.usable;
}

/* A free slot with count 1, or -ENOSPC. Takes swap_map_lock; never sleeps. */
long swap_alloc_slot(void)
{
	unsigned long irq = spin_lock_irqsave(&swap_map_lock);
	long slot = -ENOSPC;

	if (swap_writable()) {
		for (unsigned long n = 0; n < area.last_page; n++) {
			unsigned long s = next_slot;

			next_slot = next_slot >= area.last_page ? 1 : next_slot + 1;
			if (!area.map[s]) {
				area.map[s] = 1;
				area.inuse++;
				slot = (long)s;
				break;
			}
		}
	}
	spin_unlock_irqrestore(&swap_map_lock, irq);
	return slot;
}

/* fork copied a swap PTE: one more reference. Takes swap_map_lock. */
void swap_dup(unsigned long slot)
{
	unsigned long irq = spin_lock_irqsave(&swap_map_lock);

	if (area.active && slot <= area.last_page && area.map[slot] && area.map[slot] < SWAP_BAD - 1)
		area.map[slot]++;
	spin_unlock_irqrestore(&swap_map_lock, irq);
}

/* Drop one reference; the last one frees the slot and its cached page. */
void swap_free(unsigned long slot)
{
	unsigned long irq = spin_lock_irqsave(&swap_map_lock);
	struct page *cached = NULL;

	if (area.active && slot <= area.last_page && area.map[slot] &&
	    area.map[slot] != SWAP_BAD && !--area.map[slot]) {
		area.inuse--;
		cached = swap_cache_del_locked(slot);
	}
	spin_unlock_irqrestore(&swap_map_lock, irq);
	if (cached)
		swap_cache_release(cached);	/* the cache's reference */
}

/* The swap PTEs referring to @slot (racy read, for tests and /proc). */
unsigned int swap_count(unsigned long slot)
{
	return area.active && slot <= area.last_page ? area.map[slot] : 0;
}

/* Write @p to slot @slot (counted in pswpout): 0 or -EIO. Sleeps. */
int swap_writepage(struct page *p, unsigned long slot)
{
	count_vm_event(PSWPOUT);
	return blkdev_rw(area.bdev, slot * (PAGE_SIZE / 512), page_address(p), PAGE_SIZE / 512,
			 true) ? -EIO : 0;
}

/* Read slot @slot into @p (counted in pswpin). 0 or -EIO. */
int swap_read_slot(struct page *p, unsigned long slot)
{
	if (!area.active || slot > area.last_page ||
	    blkdev_rw(area.bdev, slot * (PAGE_SIZE / 512), page_address(p), PAGE_SIZE / 512, /* write= */false))
		return -EIO;
	count_vm_event(PSWPIN);
	return 0;
}

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

/*
 * swapon(2) of the block device at @path: 0, -EINVAL (not a block device
 * or no swap header), -EBUSY (an area is on), -EIO, -ENOMEM. Takes
 * swap_lock; sleeps.
 */
long swapon_kernel(const char *path)
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
	usable = blkdev_rw(bd, 0, hdr, PAGE_SIZE / 512, /* write= */false) ? -EIO : 0;
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
	area.writeok = true;
	printk("swap: %s: %lu KiB of swap\n", path, usable * (PAGE_SIZE / 1024));
	usable = 0;
out:
	mutex_unlock(&swap_lock);
	kfree(hdr);
	return usable;
}

/*
 * swapoff's unuse pass: fault every swap entry of @mm back in. The walker
 * runs under the page-table lock, so it only finds the next entry; the
 * fault (which may sleep) runs after it returns.
 */
static int find_swap_entry(vaddr_t va, uint64_t slot, unsigned int flags, void *arg)
{
	vaddr_t *found = arg;

	(void)flags;
	if (slot == SWP_ERROR_MARKER)		/* markers hold no slot: they stay */
		return 0;
	*found = va;
	return 1;
}

/*
 * A signal to the swapoff caller ends the pass with -EINTR (Linux's
 * try_to_unuse): swapping a gigabyte back in must not make it unkillable.
 */
static int unuse_mm(struct mm *mm)
{
	int err = 0;

	mmap_read_lock(mm);
	for (struct vma *v = vma_first(&mm->vmas); v && !err; v = vma_next(v)) {
		vaddr_t va = v->start;

		while (va < v->end && arch_walk_swap(&mm->pgt, va, v->end, find_swap_entry, &va)) {
			if (signal_pending_current()) {
				err = -EINTR;
				break;
			}
			cond_resched();
			vm_fault_locked(mm, va, 0);
			va += PAGE_SIZE;
		}
	}
	mmap_read_unlock(mm);
	return err;
}

/* Bring every swapped page of every process back into memory: 0 or -EINTR. */
static int unuse_all(void)
{
	for (;;) {
		struct mm *mms[32];
		unsigned int n = 0;
		struct task *t;
		unsigned long irq = spin_lock_irqsave(&tasklist_lock);

		for_each_task(t) {
			if (t->mm && t->state != TASK_ZOMBIE && n < ARRAY_SIZE(mms)) {
				__atomic_add_fetch(&t->mm->refcount, 1, __ATOMIC_RELAXED);
				mms[n++] = t->mm;
			}
		}
		spin_unlock_irqrestore(&tasklist_lock, irq);
		int err = 0;

		for (unsigned int i = 0; i < n; i++) {
			if (!err)
				err = unuse_mm(mms[i]);
			mm_put(mms[i]);
		}
		if (err)
			return err;
		if (n < ARRAY_SIZE(mms) || !area.inuse)
			return 0;
	}
}

/*
 * swapoff(2): bring every shmem and process page back, then drop the
 * area. 0, -EINVAL (not the active area), -EBUSY or the unuse error
 * (-EINTR when a signal came; the area stays on). Takes swap_lock; sleeps.
 */
long swapoff_kernel(const char *path)
{
	long ret = -EINVAL;

	mutex_lock(&swap_lock);
	if (area.active && !strcmp(area.path, path)) {
		area.writeok = false;			/* reclaim takes no new slots */
		ret = shmem_unuse();
		if (!ret && area.inuse)
			ret = unuse_all();
		if (!ret)
			ret = area.inuse ? -EBUSY : 0;	/* a page could not be read back */
		if (ret)
			area.writeok = true;
		if (!ret) {
			unsigned long irq = spin_lock_irqsave(&swap_map_lock);

			swap_cache_clear_locked();	/* frees its nodes (empty now) */
			kfree(area.map);
			memset(&area, 0, sizeof(area));
			spin_unlock_irqrestore(&swap_map_lock, irq);
		}
	}
	mutex_unlock(&swap_lock);
	return ret;
}

/* swapon(2)/swapoff(2): root's business (CAP_SYS_ADMIN), then by path. */
static long swap_syscall(const char __user *upath, long (*op)(const char *path))
{
	char path[64];
	long n;

	if (!capable(CAP_SYS_ADMIN_BIT))
		return -EPERM;
	n = strncpy_from_user(path, upath, sizeof(path));
	if (n < 0)
		return n;
	return op(path);
}

static long sys_swapon(const char __user *upath, long flags)
{
	return swap_syscall(upath, swapon_kernel);
}
SYSCALL(__NR_swapon, sys_swapon);

static long sys_swapoff(const char __user *upath)
{
	return swap_syscall(upath, swapoff_kernel);
}
SYSCALL(__NR_swapoff, sys_swapoff);
