/*
 * virtio_blk_ktest.c - in-kernel tests of PCI enumeration, the virtio-blk
 * driver and the block layer (kernel/drivers/).
 *
 * The disk tests need a virtio disk of at least 1 MiB, e.g.
 *
 *   -drive file=/tmp/vda.img,format=raw,if=none,id=d0
 *   -device virtio-blk-pci,drive=d0
 *
 * (or, with no image file at all, a zero-filled disk whose writes go to a
 * throw-away overlay: -drive driver=null-co,size=64M,read-zeroes=on,
 * if=none,id=d0,snapshot=on), and report KT_SKIP without one. They write
 * to the first 1 MiB of vda, but save what was there first and put it
 * back before they pass, so a disk image survives a passing run
 * unchanged (a test that fails midway may leave its pattern behind).
 *
 * PCI and the block layer are brought up lazily here if kmain() has not
 * done it (pci_init() and blkdev_init() are idempotent).
 */
#include "kernel/drivers/blkdev.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include <arch/pci.h>

#define TEST_AREA_SECTORS	2048		/* the first 1 MiB */

static struct blkdev *test_disk(void)
{
	struct blkdev *d;

	if (!pci_ready())
		pci_init();
	blkdev_init();
	d = blkdev_get("vda");
	return d && d->sectors >= TEST_AREA_SECTORS ? d : NULL;
}

/* A pattern that differs per sector, per byte and per @seed. */
static void fill(uint8_t *buf, uint64_t first_sector, size_t nsectors, unsigned int seed)
{
	for (size_t s = 0; s < nsectors; s++)
		for (size_t i = 0; i < SECTOR_SIZE; i++)
			buf[s * SECTOR_SIZE + i] = (uint8_t)((first_sector + s) * 31 + i * 7 + seed);
}

static bool check(const uint8_t *buf, uint64_t first_sector, size_t nsectors,
		  unsigned int seed)
{
	for (size_t s = 0; s < nsectors; s++)
		for (size_t i = 0; i < SECTOR_SIZE; i++)
			if (buf[s * SECTOR_SIZE + i] !=
			    (uint8_t)((first_sector + s) * 31 + i * 7 + seed))
				return false;
	return true;
}

/* Save and restore the test area, so the disk image is left as found. */
static uint8_t *save_area(struct blkdev *d)
{
	uint8_t *saved = kmalloc(TEST_AREA_SECTORS * SECTOR_SIZE, 0);

	if (saved && blkdev_rw(d, 0, saved, TEST_AREA_SECTORS, /* write= */false)) {
		kfree(saved);
		return NULL;
	}
	return saved;
}

static bool restore_area(struct blkdev *d, uint8_t *saved)
{
	bool ok = blkdev_rw(d, 0, saved, TEST_AREA_SECTORS, /* write= */true) == 0;

	kfree(saved);
	return ok;
}

/*
 * Both machines the harness boots (q35, and pc in smp8-pc) have a host
 * bridge at 00:00.0; every device has a class.
 */
KTEST(pci_enumerate)
{
	struct pci_dev *host;

	if (!pci_ready())
		pci_init();
	KT_ASSERT(pci_device_count() > 0);
	host = pci_device_at(0);
	KT_ASSERT(host != NULL);
	KT_ASSERT_EQ(host->bus, 0);
	KT_ASSERT_EQ(host->slot, 0);
	KT_ASSERT_EQ(host->class, 0x06);	/* bridge */
	KT_ASSERT_EQ(host->subclass, 0x00);	/* host bridge */
	KT_ASSERT(pci_find_device(host->vendor, host->device, NULL) == host);
	KT_ASSERT(pci_find_device(0xffff, PCI_ANY_ID, NULL) == NULL);
	/* Config reads agree with what enumeration recorded. */
	KT_ASSERT_EQ(pci_read16(host, PCI_VENDOR_ID), host->vendor);
	KT_ASSERT_EQ(pci_read32(host, PCI_VENDOR_ID) >> 16, host->device);
	return KT_PASS;
}

/* The PCI function behind vda: the first virtio function a driver claimed. */
static struct pci_dev *disk_pci(void)
{
	struct pci_dev *p = NULL;

	while ((p = pci_find_device(0x1af4, PCI_ANY_ID, p)) != NULL)
		if (p->claimed)
			return p;
	return NULL;
}

/*
 * The virtio function has the modern capabilities, decodes memory, may
 * master the bus and has MSI-X turned on (if it has MSI-X at all).
 */
KTEST(virtio_blk_pci_caps)
{
	struct pci_dev *p;
	unsigned int cap, nr_vendor = 0;

	if (!test_disk())
		KT_SKIP("no virtio disk vda (boot with -device virtio-blk-pci)");
	p = disk_pci();
	KT_ASSERT(p != NULL);
	KT_ASSERT(pci_read16(p, PCI_COMMAND) & PCI_COMMAND_MASTER);
	KT_ASSERT(pci_read16(p, PCI_COMMAND) & PCI_COMMAND_MEMORY);
	for (cap = pci_find_capability(p, PCI_CAP_ID_VENDOR, 0); cap;
	     cap = pci_find_capability(p, PCI_CAP_ID_VENDOR, cap))
		nr_vendor++;
	KT_ASSERT(nr_vendor >= 4);		/* common, notify, ISR, device */
	KT_ASSERT_EQ(p->msix_cap, pci_find_capability(p, PCI_CAP_ID_MSIX, 0));
	if (p->msix_cap)
		KT_ASSERT(pci_read16(p, p->msix_cap + 2) & (1u << 15));	/* enabled */
	KT_ASSERT_EQ(pci_claim(p), -EBUSY);
	return KT_PASS;
}

/*
 * Capacity, range checks, and a pattern through unaligned multi-page
 * buffers (segments split at page boundaries), larger than one request
 * (max_sectors), and through a buffer on the boot stack.
 */
KTEST(virtio_blk_rw)
{
	const size_t n = 200;			/* sectors: > 64 KiB, several requests */
	struct blkdev *d = test_disk();
	uint8_t *saved, *wbuf, *rbuf, *wraw, *rraw;
	uint8_t stackbuf[SECTOR_SIZE];

	if (!d)
		KT_SKIP("no virtio disk vda of 1 MiB or more");
	KT_ASSERT(strcmp(d->name, "vda") == 0);
	KT_ASSERT(n > d->max_sectors);
	saved = save_area(d);
	KT_ASSERT(saved != NULL);
	wraw = kmalloc(n * SECTOR_SIZE + 256, 0);
	rraw = kmalloc(n * SECTOR_SIZE + 256, 0);
	KT_ASSERT(wraw && rraw);
	wbuf = wraw + 100;			/* neither page nor sector aligned */
	rbuf = rraw + 37;

	fill(wbuf, 5, n, 1);
	KT_ASSERT_EQ(blkdev_rw(d, 5, wbuf, n, /* write= */true), 0);
	memset(rbuf, 0, n * SECTOR_SIZE);
	KT_ASSERT_EQ(blkdev_rw(d, 5, rbuf, n, /* write= */false), 0);
	KT_ASSERT(check(rbuf, 5, n, 1));
	/* A second pattern over part of it: both writes really reached the disk. */
	fill(wbuf, 50, 3, 2);
	KT_ASSERT_EQ(blkdev_rw(d, 50, wbuf, 3, /* write= */true), 0);
	KT_ASSERT_EQ(blkdev_rw(d, 5, rbuf, n, /* write= */false), 0);
	KT_ASSERT(check(rbuf, 5, 45, 1));
	KT_ASSERT(check(rbuf + 45 * SECTOR_SIZE, 50, 3, 2));
	KT_ASSERT(check(rbuf + 48 * SECTOR_SIZE, 53, n - 48, 1));

	/* The boot stack (the idle task's) lies in the kernel image. */
	fill(stackbuf, 1000, 1, 3);
	KT_ASSERT_EQ(blkdev_rw(d, 1000, stackbuf, 1, /* write= */true), 0);
	memset(stackbuf, 0, sizeof(stackbuf));
	KT_ASSERT_EQ(blkdev_rw(d, 1000, stackbuf, 1, /* write= */false), 0);
	KT_ASSERT(check(stackbuf, 1000, 1, 3));

	/* The last sector is readable; one past it, or a wrap, is not. */
	KT_ASSERT_EQ(blkdev_rw(d, d->sectors - 1, rbuf, 1, /* write= */false), 0);
	KT_ASSERT_EQ(blkdev_rw(d, d->sectors, rbuf, 1, /* write= */false), -EIO);
	KT_ASSERT_EQ(blkdev_rw(d, d->sectors - 1, rbuf, 2, /* write= */false), -EIO);
	KT_ASSERT_EQ(blkdev_rw(d, ~0ull, rbuf, 2, /* write= */false), -EIO);
	KT_ASSERT_EQ(blkdev_rw(d, 0, rbuf, 0, /* write= */false), 0);

	kfree(wraw);
	kfree(rraw);
	KT_ASSERT(restore_area(d, saved));
	return KT_PASS;
}

/* Injected read errors hit exactly the chosen sectors, and only reads. */
KTEST(virtio_blk_inject_error)
{
	const uint64_t first = 40, count = 3;
	struct blkdev *d = test_disk();
	uint8_t *buf, *rd;
	unsigned long errors;

	if (!d)
		KT_SKIP("no virtio disk vda of 1 MiB or more");
	buf = kmalloc(16 * SECTOR_SIZE, 0);
	KT_ASSERT(buf != NULL);
	rd = buf + 8 * SECTOR_SIZE;
	KT_ASSERT_EQ(blkdev_rw(d, first, buf, count, /* write= */false), 0);	/* keep contents */
	blkdev_inject_read_error(d, first, count);
	errors = d->nr_errors;
	for (uint64_t s = first - 4; s < first + count + 4; s++) {
		int want = s >= first && s < first + count ? -EIO : 0;

		KT_ASSERT_EQ(blkdev_rw(d, s, rd, 1, /* write= */false), want);
	}
	KT_ASSERT_EQ(d->nr_errors, errors + count);
	/* Ranges that only touch the bad sectors at one end fail too. */
	KT_ASSERT_EQ(blkdev_rw(d, first - 2, rd, 3, /* write= */false), -EIO);
	KT_ASSERT_EQ(blkdev_rw(d, first + count - 1, rd, 5, /* write= */false), -EIO);
	KT_ASSERT_EQ(blkdev_rw(d, first - 3, rd, 3, /* write= */false), 0);
	KT_ASSERT_EQ(blkdev_rw(d, first + count, rd, 3, /* write= */false), 0);
	/* The byte interface sees the same error. */
	KT_ASSERT_EQ(blkdev_pread(d, rd, 10, first * SECTOR_SIZE + 100), -EIO);
	/* Writes are not affected. */
	KT_ASSERT_EQ(blkdev_rw(d, first, buf, count, /* write= */true), 0);
	/* Count 0 clears the injection. */
	blkdev_inject_read_error(d, first, 0);
	KT_ASSERT_EQ(blkdev_rw(d, first, rd, count, /* write= */false), 0);
	KT_ASSERT(memcmp(buf, rd, count * SECTOR_SIZE) == 0);
	kfree(buf);
	return KT_PASS;
}

/*
 * Byte-granular I/O as /dev/vda does it: an unaligned write merges with the
 * bytes around it, reads clip at the end, writes past the end are refused;
 * and the node exists with the block major.
 */
KTEST(virtio_blk_bytes_and_devnode)
{
	const uint64_t off = 3 * SECTOR_SIZE + 123;
	const size_t len = 5000;
	struct blkdev *d = test_disk();
	uint8_t *saved, *before, *buf;
	uint64_t size;
	struct file *f;

	if (!d)
		KT_SKIP("no virtio disk vda of 1 MiB or more");
	size = d->sectors * SECTOR_SIZE;
	saved = save_area(d);
	before = kmalloc(8 * PAGE_SIZE, 0);
	KT_ASSERT(saved && before);
	buf = before + 4 * PAGE_SIZE;
	KT_ASSERT_EQ(blkdev_pread(d, before, 16 * SECTOR_SIZE, 0), 16 * SECTOR_SIZE);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 13 + 5);
	KT_ASSERT_EQ(blkdev_pwrite(d, buf, len, off), (ssize_t)len);
	KT_ASSERT_EQ(blkdev_pread(d, buf + PAGE_SIZE * 2, 16 * SECTOR_SIZE, 0), 16 * SECTOR_SIZE);
	for (size_t i = 0; i < 16 * SECTOR_SIZE; i++) {
		uint8_t want = i >= off && i < off + len ? (uint8_t)((i - off) * 13 + 5) : before[i];

		KT_ASSERT_EQ(buf[PAGE_SIZE * 2 + i], want);
	}
	/* Clipping at the end of the disk. */
	KT_ASSERT_EQ(blkdev_pread(d, buf, 100, size - 10), 10);
	KT_ASSERT_EQ(blkdev_pread(d, buf, 100, size), 0);
	KT_ASSERT_EQ(blkdev_pwrite(d, buf, 1, size), -ENOSPC);

	/* /dev/vda: character device BLKDEV_MAJOR:0 (no block inodes yet). */
	f = file_open_kernel("/dev/vda", O_RDONLY);
	KT_ASSERT(!IS_ERR(f));
	KT_ASSERT(S_ISCHR(f->inode->mode));
	KT_ASSERT_EQ(f->inode->rdev, MKDEV(BLKDEV_MAJOR, 0));
	KT_ASSERT(f->private_data == d);
	KT_ASSERT_EQ(f->fop->llseek(f, 0, SEEK_END), (loff_t)size);
	fput(f);

	kfree(before);
	KT_ASSERT(restore_area(d, saved));
	return KT_PASS;
}

/*
 * Two kernel threads write and read back their own sectors at the same
 * time, sleeping in the driver while the other's requests are in flight.
 */
#define CONC_THREADS	2
#define CONC_ROUNDS	25
#define CONC_SECTORS	24

static struct blkdev *conc_disk;
static volatile int conc_done, conc_failed;

/*
 * One sector through a buffer on this kthread's own stack, which is mapped
 * outside the direct map (the driver translates it by page-table walk).
 */
static bool conc_stack_io(uint64_t sector, unsigned int seed)
{
	uint8_t buf[SECTOR_SIZE];

	fill(buf, sector, 1, seed);
	if (blkdev_rw(conc_disk, sector, buf, 1, /* write= */true))
		return false;
	memset(buf, 0, sizeof(buf));
	if (blkdev_rw(conc_disk, sector, buf, 1, /* write= */false))
		return false;
	return check(buf, sector, 1, seed);
}

static int conc_worker(void *arg)
{
	unsigned int me = (unsigned int)(long)arg;
	uint64_t base = 256 + me * 512;
	uint8_t *w = kmalloc(CONC_SECTORS * SECTOR_SIZE, 0);
	uint8_t *r = kmalloc(CONC_SECTORS * SECTOR_SIZE, 0);

	for (unsigned int round = 0; w && r && round < CONC_ROUNDS; round++) {
		uint64_t sector = base + (round % 8) * CONC_SECTORS;
		unsigned int seed = me * 100 + round;

		fill(w, sector, CONC_SECTORS, seed);
		if (blkdev_rw(conc_disk, sector, w, CONC_SECTORS, /* write= */true) ||
		    blkdev_rw(conc_disk, sector, r, CONC_SECTORS, /* write= */false) ||
		    !check(r, sector, CONC_SECTORS, seed) ||
		    !conc_stack_io(base + 200 + round, seed)) {
			__atomic_add_fetch(&conc_failed, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	if (!w || !r)
		__atomic_add_fetch(&conc_failed, 1, __ATOMIC_RELAXED);
	kfree(w);
	kfree(r);
	__atomic_add_fetch(&conc_done, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Interrupts taken on the vectors PCI devices get (0x30..0xef, arch/irq.h). */
static unsigned long pci_vector_irqs(void)
{
	unsigned long n = 0;

	for (unsigned int v = 0x30; v <= 0xef; v++)
		n += irq_count(v);
	return n;
}

KTEST(virtio_blk_concurrent)
{
	struct blkdev *d = test_disk();
	unsigned long reads, irqs;
	uint8_t *saved;

	if (!d)
		KT_SKIP("no virtio disk vda of 1 MiB or more");
	saved = save_area(d);
	KT_ASSERT(saved != NULL);
	conc_disk = d;
	conc_done = conc_failed = 0;
	reads = d->nr_reads;
	irqs = pci_vector_irqs();
	for (long i = 0; i < CONC_THREADS; i++)
		KT_ASSERT(!IS_ERR(kthread_create("blktest", conc_worker, (void *)i)));
	/* The test runs in the boot (idle) context: yield until both finish. */
	for (uint64_t end = clock_ns() + 30000000000ul;
	     conc_done < CONC_THREADS && clock_ns() < end; )
		schedule();
	KT_ASSERT_EQ(conc_done, CONC_THREADS);
	KT_ASSERT_EQ(conc_failed, 0);
	KT_ASSERT(d->nr_reads >= reads + CONC_THREADS * CONC_ROUNDS);
	/* Completions came by MSI-X interrupt (the driver polls only without). */
	if (disk_pci() && disk_pci()->msix_cap)
		KT_ASSERT(pci_vector_irqs() > irqs);
	KT_ASSERT(restore_area(d, saved));
	return KT_PASS;
}
