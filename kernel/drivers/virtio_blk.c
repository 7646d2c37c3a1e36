/*
 * virtio_blk.c - the virtio block device (OASIS VIRTIO 1.1, 5.2): a disk
 * behind one split virtqueue, presented as a struct blkdev (blkdev.h).
 *
 * A request is one descriptor chain (5.2.6):
 *
 *   desc: header  { le32 type; le32 reserved; le64 sector }  device reads
 *   desc: data    segment 0 .. k-1 (the caller's buffer, one  device writes
 *         ...     descriptor per physically contiguous run)   for IN, reads
 *   desc: status  u8: 0 OK, 1 IOERR, 2 UNSUPP                  device writes
 *
 * The caller's buffer is a kernel virtual range that need not be physically
 * contiguous: it is cut at page boundaries and each piece translated on its
 * own (adjacent pieces that happen to be contiguous are merged). The header
 * and status live in a small struct vblk_req from a 32-byte-aligned cache,
 * so they never straddle a page.
 *
 * Completion: the queue's MSI-X interrupt runs vblk_reap(), which takes
 * finished chains off the used ring, marks their requests done and wakes
 * vb->wq; the submitter sleeps there in wait_event(). The same queue is
 * where submitters wait for free descriptors. Before the scheduler runs,
 * with interrupts off, or when the device has no usable MSI-X, the
 * submitter instead polls vblk_reap() itself.
 *
 * Features: VERSION_1 (required), RO (honoured: writes fail) and SEG_MAX
 * (bounds the segments per request). FLUSH is not negotiated, so the
 * device must complete writes write-through (5.2.5.1).
 *
 * Neighbours: virtio_pci.c (transport), virtio_ring.c (queue), blkdev.c.
 */
#include "kernel/drivers/virtio_blk.h"
#include "kernel/drivers/blkdev.h"
#include "kernel/drivers/virtio.h"
#include "kernel/errno.h"
#include "kernel/lib/printf.h"
#include "kernel/printk.h"
#include "kernel/task.h"
#include "kernel/wait.h"
#include "mm/slab.h"
#include <arch/cpu.h>
#include <arch/pci.h>
#include <arch/pgtable.h>

/* Device configuration (5.2.4), byte offsets. */
#define VBLK_CFG_CAPACITY	0	/* le64, in 512-byte sectors */
#define VBLK_CFG_SEG_MAX	12	/* le32, data segments per request */

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5

/* Request types and status values (5.2.6). */
#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_S_OK		0

#define VBLK_QUEUE_SIZE		128	/* ask for at most this many entries */
#define VBLK_MAX_SEGS		17	/* 64 KiB at any alignment: 16 pages + 1 */

struct virtio_blk_outhdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
_Static_assert(sizeof(struct virtio_blk_outhdr) == 16, "virtio-blk header layout");

/* One request in flight. hdr and status are what the device sees. */
struct vblk_req {
	struct virtio_blk_outhdr hdr;	/* device reads */
	uint8_t status;			/* device writes */
	bool done;			/* set by vblk_reap() */
};
#define VBLK_REQ_ALIGN	32
_Static_assert(sizeof(struct vblk_req) <= VBLK_REQ_ALIGN, "vblk_req fits its alignment");

struct virtio_blk {
	struct blkdev bdev;
	struct virtio_dev vdev;
	struct virtqueue vq;
	struct waitqueue wq;		/* completions, free descriptors, the reserve */
	/*
	 * One request kept back for when the cache cannot allocate: reclaim
	 * writes pages out (and faults read them back) exactly when memory is
	 * short, and a read failed for want of 32 bytes would poison a user
	 * page for good (Linux: the bio mempools).
	 */
	struct vblk_req *reserve;
	bool reserve_busy;
	unsigned int max_segs;
	char name[8];
};

static struct kmem_cache *vblk_req_cache;
static unsigned int nr_vblk;

/* ---- completion ---- */

/* Mark every finished request done and wake the waiters. Any context. */
static void vblk_reap(struct virtio_blk *vb)
{
	struct vblk_req *req;
	bool any = false;

	while ((req = virtq_get_used(&vb->vq, NULL)) != NULL) {
		WRITE_ONCE(req->done, true);
		any = true;
	}
	if (any)
		wake_up(&vb->wq);
}

static void vblk_irq(void *arg)
{
	vblk_reap(arg);
}

/* Sleeping needs a task to put to sleep and an interrupt to wake it. */
static bool vblk_can_sleep(const struct virtio_blk *vb)
{
	return vb->vq.has_irq && current() && arch_irqs_enabled();
}

/* ---- submission ---- */

/*
 * Describe [buf, buf + len) as at most @max physically contiguous segments
 * in @segs. Returns the number used, or -EFAULT (unmapped page) / -E2BIG
 * (more than @max segments).
 */
static int map_buffer(struct virtq_buf *segs, unsigned int max, void *buf, size_t len,
		      bool device_writes)
{
	uint8_t *p = buf;
	unsigned int n = 0;

	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - ((vaddr_t)p & (PAGE_SIZE - 1)));
		phys_addr_t pa = virtio_kva_to_phys(p);

		if (!pa)
			return -EFAULT;
		if (n && segs[n - 1].addr + segs[n - 1].len == pa) {
			segs[n - 1].len += chunk;
		} else {
			if (n == max)
				return -E2BIG;
			segs[n++] = (struct virtq_buf){ pa, (uint32_t)chunk, device_writes };
		}
		p += chunk;
		len -= chunk;
	}
	return (int)n;
}

/* Queue @req's chain (waiting for descriptors if need be) and wait for it. */
static int vblk_submit_wait(struct virtio_blk *vb, const struct virtq_buf *bufs,
			    unsigned int n, struct vblk_req *req)
{
	int head;

	if (vblk_can_sleep(vb)) {
		wait_event(&vb->wq, (head = virtq_add(&vb->vq, bufs, n, req)) != -ENOSPC);
		if (head < 0)
			return head;
		virtq_kick(&vb->vq);
		wait_event(&vb->wq, READ_ONCE(req->done));
		return 0;
	}
	while ((head = virtq_add(&vb->vq, bufs, n, req)) == -ENOSPC) {
		vblk_reap(vb);
		arch_cpu_relax();
	}
	if (head < 0)
		return head;
	virtq_kick(&vb->vq);
	while (!READ_ONCE(req->done)) {
		vblk_reap(vb);
		arch_cpu_relax();
	}
	return 0;
}

static bool vblk_reserve_try(struct virtio_blk *vb)
{
	return !__atomic_exchange_n(&vb->reserve_busy, true, __ATOMIC_ACQUIRE);
}

/* A request: from the cache, else the reserve (waiting for it if need be). */
static struct vblk_req *vblk_req_alloc(struct virtio_blk *vb)
{
	struct vblk_req *req = kmem_cache_alloc(vblk_req_cache, 0);

	if (req || !vb->reserve)
		return req;
	if (vblk_can_sleep(vb))
		wait_event(&vb->wq, vblk_reserve_try(vb));
	else if (!vblk_reserve_try(vb))
		return NULL;
	return vb->reserve;
}

static void vblk_req_free(struct virtio_blk *vb, struct vblk_req *req)
{
	if (req != vb->reserve) {
		kmem_cache_free(vblk_req_cache, req);
		return;
	}
	__atomic_store_n(&vb->reserve_busy, false, __ATOMIC_RELEASE);
	wake_up(&vb->wq);
}

/* blkdev_ops.transfer: one request of at most bd->max_sectors. */
static int vblk_transfer(struct blkdev *bd, uint64_t sector, void *buf, size_t nsectors,
			 bool write)
{
	struct virtio_blk *vb = bd->priv;
	struct virtq_buf bufs[VBLK_MAX_SEGS + 2];
	struct vblk_req *req;
	int n, err;

	req = vblk_req_alloc(vb);
	if (!req)
		return -EIO;
	req->hdr = (struct virtio_blk_outhdr){
		.type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN,
		.sector = sector,
	};
	req->status = 0xff;
	req->done = false;
	n = map_buffer(bufs + 1, vb->max_segs, buf, nsectors * SECTOR_SIZE,
		       /* device_writes= */!write);
	if (n < 0) {
		pr_warn("virtio-blk: %s: cannot map buffer %p (%d)\n", bd->name, buf, n);
		err = -EIO;
		goto out_free;
	}
	bufs[0] = (struct virtq_buf){ virtio_kva_to_phys(&req->hdr), sizeof(req->hdr), false };
	bufs[n + 1] = (struct virtq_buf){ virtio_kva_to_phys(&req->status), 1, true };
	err = vblk_submit_wait(vb, bufs, (unsigned int)n + 2, req);
	if (!err && READ_ONCE(req->status) != VIRTIO_BLK_S_OK)
		err = -EIO;
out_free:
	vblk_req_free(vb, req);
	return err ? -EIO : 0;
}

static const struct blkdev_ops vblk_ops = {
	.transfer = vblk_transfer,
};

/* ---- probing ---- */

/* Limits from the device's configuration; after negotiation. */
static void vblk_read_config(struct virtio_blk *vb)
{
	uint32_t seg_max = 0;

	vb->bdev.sectors = virtio_cfg_read64(&vb->vdev, VBLK_CFG_CAPACITY);
	vb->bdev.read_only = virtio_has_feature(&vb->vdev, VIRTIO_BLK_F_RO);
	if (virtio_has_feature(&vb->vdev, VIRTIO_BLK_F_SEG_MAX))
		seg_max = virtio_cfg_read32(&vb->vdev, VBLK_CFG_SEG_MAX);
	vb->max_segs = VBLK_MAX_SEGS;
	if (seg_max >= 2 && seg_max < vb->max_segs)
		vb->max_segs = seg_max;
	/* Worst case: a buffer not page aligned needs one segment more. */
	vb->bdev.max_sectors = (vb->max_segs - 1) * (PAGE_SIZE / SECTOR_SIZE);
}

/*
 * Bring up one device and register it. The PCI function stays claimed even
 * when this fails. Once the queue is live (DRIVER_OK), a failure leaks the
 * structure on purpose: the queue's interrupt handler still points at it.
 */
static int vblk_probe(struct pci_dev *pci)
{
	struct virtio_blk *vb;
	int err;

	err = pci_claim(pci);
	if (err)
		return err;
	vb = kzalloc(sizeof(*vb));
	if (!vb)
		return -ENOMEM;
	waitqueue_init(&vb->wq);
	vb->reserve = kmem_cache_alloc(vblk_req_cache, 0);	/* none: run without */
	err = virtio_pci_init(&vb->vdev, pci);
	if (err)
		goto err_free;
	err = virtio_negotiate(&vb->vdev, 1ull << VIRTIO_BLK_F_RO | 1ull << VIRTIO_BLK_F_SEG_MAX);
	if (err)
		goto err_fail;
	err = virtio_setup_queue(&vb->vdev, &vb->vq, 0, VBLK_QUEUE_SIZE, vblk_irq, vb);
	if (err)
		goto err_fail;
	vblk_read_config(vb);
	virtio_driver_ok(&vb->vdev);

	snprintf(vb->name, sizeof(vb->name), "vd%c", 'a' + nr_vblk);
	vb->bdev.name = vb->name;
	vb->bdev.ops = &vblk_ops;
	vb->bdev.priv = vb;
	err = blkdev_register(&vb->bdev);
	if (err) {
		virtio_fail(&vb->vdev);
		return err;
	}
	nr_vblk++;
	printk("virtio-blk: %s at %02x:%02x.%x: %lu sectors (%lu MiB)%s, queue %u, %s\n",
	       vb->name, pci->bus, pci->slot, pci->func, (unsigned long)vb->bdev.sectors,
	       (unsigned long)(vb->bdev.sectors >> (20 - SECTOR_SHIFT)),
	       vb->bdev.read_only ? " read-only" : "", vb->vq.size,
	       vb->vq.has_irq ? "MSI-X" : "polled");
	return 0;

err_fail:
	virtio_fail(&vb->vdev);
err_free:
	if (vb->reserve)
		kmem_cache_free(vblk_req_cache, vb->reserve);
	kfree(vb);		/* no queue is live, no vector points at it */
	return err;
}

unsigned int virtio_blk_init(void)
{
	struct pci_dev *d = NULL;

	if (!vblk_req_cache)
		vblk_req_cache = kmem_cache_create("virtio_blk_req", sizeof(struct vblk_req),
						   VBLK_REQ_ALIGN);
	if (!vblk_req_cache)
		return 0;
	while ((d = pci_find_device(VIRTIO_PCI_VENDOR, PCI_ANY_ID, d)) != NULL) {
		int err;

		if (!virtio_pci_match(d, VIRTIO_ID_BLOCK) || d->claimed)
			continue;
		err = vblk_probe(d);
		if (err)
			pr_warn("virtio-blk: %02x:%02x.%x: not usable (%d)\n",
				d->bus, d->slot, d->func, err);
	}
	return nr_vblk;
}
