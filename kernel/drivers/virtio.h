/*
 * virtio.h - virtio 1.x devices over PCI and their split virtqueues, shared
 * by the virtio device drivers (virtio_blk.c; virtio-net later).
 *
 * A virtio device is a PCI function (vendor 0x1af4) whose registers are
 * reached through vendor-specific PCI capabilities that point into its
 * memory BARs ("modern" interface, OASIS VIRTIO 1.1, 4.1.4):
 *
 *   PCI config space                      BAR n (memory)
 *   cap 0x09 cfg_type 1 (common) -------> device/driver features, status,
 *                                         queue select/size/addresses/enable
 *   cap 0x09 cfg_type 2 (notify) -------> doorbells: queue q rings at
 *                                         offset + q's notify_off * multiplier
 *   cap 0x09 cfg_type 3 (ISR)    -------> interrupt status (INTx only)
 *   cap 0x09 cfg_type 4 (device) -------> device-specific config (capacity...)
 *   cap 0x11 (MSI-X)             -------> MSI-X vector table
 *
 * Pagoda drives only this modern interface, never the legacy I/O-port
 * registers of a transitional device: the modern one is the standard,
 * allows 64-bit ring addresses and separate descriptor/driver/device areas,
 * and it is what a device with disable-legacy=on (or on a PCIe port)
 * offers. Interrupts are MSI-X, one vector per virtqueue; a device without
 * MSI-X still works, with its requests polled (virtqueue.has_irq false).
 *
 * All multi-byte fields are little-endian, as x86 is, so they are used as
 * they are.
 *
 * Transport: virtio_pci.c. Split virtqueue: virtio_ring.c.
 */
#ifndef KERNEL_DRIVERS_VIRTIO_H
#define KERNEL_DRIVERS_VIRTIO_H

#include "kernel/spinlock.h"
#include "kernel/types.h"
#include <arch/irq.h>

struct pci_dev;
struct page;

#define VIRTIO_PCI_VENDOR	0x1af4
/* Modern device IDs are 0x1040 + the virtio device type (5.x of the spec). */
#define VIRTIO_PCI_MODERN_BASE	0x1040
/*
 * A transitional device (legacy and modern interfaces both) has its own
 * ID, 0x1000 + (type - 1) for the first types, and the virtio type as its
 * subsystem device ID (4.1.2.1). QEMU's devices on q35's root bus are
 * transitional; behind a PCIe port, or with disable-legacy=on, modern.
 */
#define VIRTIO_PCI_TRANS_BASE	0x1000
#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2

/* device_status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE	1	/* the OS noticed the device */
#define VIRTIO_STATUS_DRIVER		2	/* ... and has a driver for it */
#define VIRTIO_STATUS_DRIVER_OK		4	/* driver ready: device is live */
#define VIRTIO_STATUS_FEATURES_OK	8	/* feature negotiation complete */
#define VIRTIO_STATUS_NEEDS_RESET	64
#define VIRTIO_STATUS_FAILED		128

/* Feature bits independent of the device type (6). */
#define VIRTIO_F_VERSION_1	32	/* a virtio 1.x device: required here */

/* ---- the transport: virtio_pci.c ---- */

/*
 * Is @pci a virtio device of type @type (VIRTIO_ID_*), modern or
 * transitional? Either way Pagoda drives its modern interface.
 */
bool virtio_pci_match(const struct pci_dev *pci, unsigned int type);

struct virtio_dev {
	struct pci_dev *pci;
	volatile uint8_t *common;	/* struct virtio_pci_common_cfg */
	volatile uint8_t *notify;	/* notification area (cfg_type 2) */
	uint32_t notify_len;
	uint32_t notify_mult;		/* notify_off_multiplier */
	volatile uint8_t *isr;		/* ISR status byte (cfg_type 3) */
	volatile uint8_t *device_cfg;	/* device-specific config (cfg_type 4) */
	uint32_t device_cfg_len;
	uint64_t features;		/* negotiated */
	bool msix;			/* MSI-X is on: queues get vectors */
};

/*
 * Find the virtio capabilities of @pci, map them, enable the function,
 * reset the device and set ACKNOWLEDGE|DRIVER. The caller has claimed
 * @pci. Returns 0, -ENODEV (no modern interface) or -ENOMEM (cannot map).
 * Boot context; does not sleep.
 */
int virtio_pci_init(struct virtio_dev *vd, struct pci_dev *pci);
/*
 * Offer @wanted (a mask of feature bits, VIRTIO_F_VERSION_1 added) and keep
 * what the device also has in vd->features; set FEATURES_OK and check that
 * the device accepted. Returns 0, -ENODEV (not a 1.x device) or -EIO
 * (device refused the subset).
 */
int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted);
bool virtio_has_feature(const struct virtio_dev *vd, unsigned int bit);
/* Set DRIVER_OK (device goes live) or FAILED (driver gave up on it). */
void virtio_driver_ok(struct virtio_dev *vd);
void virtio_fail(struct virtio_dev *vd);
/*
 * Read the device-specific configuration at byte @off. The 64-bit read
 * retries until config_generation is stable, so both halves belong to the
 * same configuration.
 */
uint8_t virtio_cfg_read8(struct virtio_dev *vd, unsigned int off);
uint16_t virtio_cfg_read16(struct virtio_dev *vd, unsigned int off);
uint32_t virtio_cfg_read32(struct virtio_dev *vd, unsigned int off);
uint64_t virtio_cfg_read64(struct virtio_dev *vd, unsigned int off);
/*
 * Copy @len bytes of the device-specific configuration at @off into @buf,
 * byte by byte, retrying until config_generation is stable (a MAC address
 * is six bytes no single access covers). Zeroes outside the window.
 */
void virtio_cfg_read_bytes(struct virtio_dev *vd, unsigned int off, void *buf,
			   unsigned int len);

/* ---- split virtqueues: virtio_ring.c ---- */

/*
 * One queue is three areas in one physically contiguous allocation
 * (2.7, "Split Virtqueues"); sizes for queue size N:
 *
 *   +------------------------+  0                 (16-byte aligned)
 *   | descriptor table       |  N x { le64 addr, le32 len,
 *   |                        |        le16 flags, le16 next }
 *   +------------------------+  16N               (2-byte aligned)
 *   | driver area ("avail")  |  le16 flags, le16 idx, le16 ring[N],
 *   |                        |  le16 used_event
 *   +------------------------+  ALIGN4(16N + 6 + 2N) (4-byte aligned)
 *   | device area ("used")   |  le16 flags, le16 idx,
 *   |                        |  { le32 id, le32 len } ring[N], le16 avail_event
 *   +------------------------+
 *
 * The driver writes descriptors and the avail ring and only reads the used
 * ring; the device does the opposite. A request is a chain of descriptors
 * linked by next/NEXT; its head's index is what both rings carry. The free
 * descriptors form a list through the same next fields.
 */
struct vring_desc {
	uint64_t addr;			/* physical address of the buffer */
	uint32_t len;
	uint16_t flags;			/* VRING_DESC_F_* */
	uint16_t next;			/* next in chain when F_NEXT */
};
_Static_assert(sizeof(struct vring_desc) == 16, "virtio descriptor layout");

#define VRING_DESC_F_NEXT	1	/* chain continues at next */
#define VRING_DESC_F_WRITE	2	/* device writes (else device reads) */

struct vring_avail {
	uint16_t flags;			/* VRING_AVAIL_F_NO_INTERRUPT */
	uint16_t idx;			/* where the driver puts the next entry */
	uint16_t ring[];
};
#define VRING_AVAIL_F_NO_INTERRUPT	1

struct vring_used_elem {
	uint32_t id;			/* head of a finished chain */
	uint32_t len;			/* bytes the device wrote into it */
};

struct vring_used {
	uint16_t flags;			/* VRING_USED_F_NO_NOTIFY */
	uint16_t idx;
	struct vring_used_elem ring[];
};
#define VRING_USED_F_NO_NOTIFY	1

/* One buffer of a request, as virtq_add() takes it. */
struct virtq_buf {
	phys_addr_t addr;
	uint32_t len;
	bool device_writes;		/* data flows device -> memory */
};

struct virtqueue {
	spinlock_t lock;		/* guards everything below */
	unsigned int index;		/* queue number within the device */
	unsigned int size;		/* N, a power of two */
	volatile struct vring_desc *desc;
	volatile struct vring_avail *avail;
	volatile struct vring_used *used;
	struct page *pages;		/* the rings' memory */
	unsigned int order;
	uint16_t free_head;		/* first free descriptor */
	unsigned int nr_free;
	uint16_t avail_idx;		/* our copy of avail->idx */
	uint16_t last_used;		/* next used->ring slot to consume */
	void **tokens;			/* caller's cookie per chain head */
	volatile uint16_t *doorbell;	/* set by the transport */
	bool has_irq;			/* completions raise an interrupt */
};

/*
 * Allocate and initialise queue @index with @size entries (a power of two,
 * at most 32768). Returns 0 or -ENOMEM. Does not sleep.
 */
int virtq_init(struct virtqueue *vq, unsigned int index, unsigned int size);
/* Physical addresses of the three areas, for the transport. */
phys_addr_t virtq_desc_phys(const struct virtqueue *vq);
phys_addr_t virtq_avail_phys(const struct virtqueue *vq);
phys_addr_t virtq_used_phys(const struct virtqueue *vq);
/*
 * Put the @n buffers of @bufs as one chain in the avail ring with @token
 * (non-NULL) as its cookie. Returns the head index, or -ENOSPC when fewer
 * than @n descriptors are free (try again after completions). Takes
 * vq->lock; any context.
 */
int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned int n,
	      void *token);
/* Tell the device there is new work, unless it asked not to be told. */
void virtq_kick(struct virtqueue *vq);
/*
 * Take the next finished chain off the used ring, free its descriptors and
 * return its token (and the bytes written into it in *@len), or NULL when
 * none is pending. Takes vq->lock; any context (interrupt handlers).
 */
void *virtq_get_used(struct virtqueue *vq, uint32_t *len);
/*
 * Ask the device not to interrupt for this queue's completions (a hint:
 * VRING_AVAIL_F_NO_INTERRUPT, 2.7.7) while a poll takes them anyway; and
 * ask again. virtq_enable_irq() returns true when completions came in
 * before the device could see the flag cleared: the caller must poll
 * again, or they would wait for the next one's interrupt. For queues with
 * an interrupt; one poller at a time (no lock).
 */
void virtq_disable_irq(struct virtqueue *vq);
bool virtq_enable_irq(struct virtqueue *vq);

/*
 * Physical address of kernel virtual address @p, for a descriptor: the
 * buffer's own page only (a range that crosses a page boundary is
 * contiguous only in the direct map and the kernel image). 0 when
 * unmapped. Any context. virtio_ring.c.
 */
phys_addr_t virtio_kva_to_phys(const void *p);

/*
 * Give virtqueue @index of @vd at most @max_size entries, initialise it
 * and tell the device where it is; completions call @fn(@arg) from the
 * queue's MSI-X vector (vq->has_irq false: none could be set up, poll).
 * Before virtio_driver_ok(). Returns 0, -ENOENT (no such queue), -ENOMEM
 * or -ENODEV (doorbell outside the notify window). virtio_pci.c.
 */
int virtio_setup_queue(struct virtio_dev *vd, struct virtqueue *vq, unsigned int index,
		       unsigned int max_size, irq_handler_t fn, void *arg);
/*
 * Route configuration-change interrupts (the device changed its
 * device-specific configuration, e.g. virtio-net's link status) to
 * @fn(@arg) through MSI-X table entry @entry, one no queue uses. Before
 * virtio_driver_ok(). Returns 0, -ENODEV (no MSI-X, or the device refused
 * the vector) or the error of pci_msix_set_vector(). virtio_pci.c.
 */
int virtio_setup_config_irq(struct virtio_dev *vd, unsigned int entry, irq_handler_t fn,
			    void *arg);

#endif
