/*
 * virtio_pci.c - the virtio 1.x PCI transport: find a device's virtio
 * capabilities, reset it, negotiate features, set up its virtqueues and
 * MSI-X vectors (OASIS VIRTIO 1.1, 4.1).
 *
 * Each virtio capability in PCI configuration space names a window in one
 * of the memory BARs:
 *
 *    0          1          2          3          4       5      6..7
 *   +----------+----------+----------+----------+-------+------+--------+
 *   | 0x09     | next     | cap_len  | cfg_type | bar   | id   | padding|
 *   +----------+----------+----------+----------+-------+------+--------+
 *   |  8: le32 offset (within the BAR)  | 12: le32 length                |
 *   +-----------------------------------+--------------------------------+
 *   | 16: le32 notify_off_multiplier (cfg_type 2 only)                  |
 *   +--------------------------------------------------------------------+
 *
 * The common configuration window (cfg_type 1), byte offsets:
 *
 *   0x00 le32 device_feature_select   0x04 le32 device_feature
 *   0x08 le32 driver_feature_select   0x0c le32 driver_feature
 *   0x10 le16 msix_config             0x12 le16 num_queues
 *   0x14 u8   device_status           0x15 u8   config_generation
 *   0x16 le16 queue_select            0x18 le16 queue_size
 *   0x1a le16 queue_msix_vector       0x1c le16 queue_enable
 *   0x1e le16 queue_notify_off        0x20 le64 queue_desc
 *   0x28 le64 queue_driver            0x30 le64 queue_device
 *
 * queue_* registers act on the queue that queue_select names. 64-bit
 * fields are written as two 32-bit halves, low first (4.1.3.1 allows it).
 *
 * Initialisation order (3.1.1): reset -> ACKNOWLEDGE -> DRIVER -> features
 * -> FEATURES_OK (re-read to confirm) -> queues -> DRIVER_OK.
 *
 * Interrupts: MSI-X only. Queue q uses MSI-X table entry q. The
 * configuration-change vector is unset (VIRTIO_MSI_NO_VECTOR) unless the
 * driver asks for one (virtio_setup_config_irq: virtio-net's link state).
 * Without MSI-X the queue is marked has_irq = false and its driver polls
 * (virtio-blk) or refuses the device (virtio-net).
 */
#include "kernel/drivers/virtio.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/pci.h>

/* Capability fields. */
#define VIRTIO_CAP_CFG_TYPE	3
#define VIRTIO_CAP_BAR		4
#define VIRTIO_CAP_OFFSET	8
#define VIRTIO_CAP_LENGTH	12
#define VIRTIO_CAP_NOTIFY_MULT	16

#define VIRTIO_PCI_CAP_COMMON	1
#define VIRTIO_PCI_CAP_NOTIFY	2
#define VIRTIO_PCI_CAP_ISR	3
#define VIRTIO_PCI_CAP_DEVICE	4

/* Common configuration registers. */
#define VPC_DFSELECT		0x00
#define VPC_DF			0x04
#define VPC_GFSELECT		0x08
#define VPC_GF			0x0c
#define VPC_MSIX_CONFIG		0x10
#define VPC_NUM_QUEUES		0x12
#define VPC_STATUS		0x14
#define VPC_CFG_GENERATION	0x15
#define VPC_Q_SELECT		0x16
#define VPC_Q_SIZE		0x18
#define VPC_Q_MSIX		0x1a
#define VPC_Q_ENABLE		0x1c
#define VPC_Q_NOTIFY_OFF	0x1e
#define VPC_Q_DESC		0x20
#define VPC_Q_DRIVER		0x28
#define VPC_Q_DEVICE		0x30
#define VPC_MIN_LENGTH		0x38

#define VIRTIO_MSI_NO_VECTOR	0xffff

/*
 * 8- and 16-bit MMIO (arch/io.h only has 32-bit accessors yet; these are
 * the same volatile accesses, one width each).
 */
static uint8_t mmio_read8(const volatile uint8_t *p)
{
	return *p;
}

static void mmio_write8(volatile uint8_t *p, uint8_t v)
{
	*p = v;
}

static uint16_t mmio_read16(const volatile uint8_t *p)
{
	return *(const volatile uint16_t *)p;
}

static void mmio_write16(volatile uint8_t *p, uint16_t v)
{
	*(volatile uint16_t *)p = v;
}

static void mmio_write64(volatile uint8_t *p, uint64_t v)
{
	mmio_write32(p, (uint32_t)v);
	mmio_write32(p + 4, (uint32_t)(v >> 32));
}

bool virtio_pci_match(const struct pci_dev *pci, unsigned int type)
{
	if (pci->vendor != VIRTIO_PCI_VENDOR)
		return false;
	if (pci->device == VIRTIO_PCI_MODERN_BASE + type)
		return true;
	return pci->device == VIRTIO_PCI_TRANS_BASE + type - 1 && pci->subsys_device == type;
}

static uint8_t get_status(struct virtio_dev *vd)
{
	return mmio_read8(vd->common + VPC_STATUS);
}

static void add_status(struct virtio_dev *vd, uint8_t bits)
{
	mmio_write8(vd->common + VPC_STATUS, get_status(vd) | bits);
}

/*
 * Map the window capability @cap describes; NULL when its BAR is not a
 * memory BAR or the window does not fit in it.
 */
static volatile uint8_t *map_cap(struct pci_dev *pci, unsigned int cap, uint32_t *len)
{
	uint8_t bar = pci_read8(pci, cap + VIRTIO_CAP_BAR);
	uint32_t off = pci_read32(pci, cap + VIRTIO_CAP_OFFSET);
	uint8_t *base;

	*len = pci_read32(pci, cap + VIRTIO_CAP_LENGTH);
	if (bar >= PCI_NUM_BARS || (uint64_t)off + *len > pci->bar[bar].size)
		return NULL;
	base = pci_map_bar(pci, bar);
	return base ? base + off : NULL;
}

/* Walk the vendor capabilities; the first usable one of each type wins. */
static int find_caps(struct virtio_dev *vd, struct pci_dev *pci)
{
	uint32_t len;

	for (unsigned int cap = pci_find_capability(pci, PCI_CAP_ID_VENDOR, 0); cap;
	     cap = pci_find_capability(pci, PCI_CAP_ID_VENDOR, cap)) {
		uint8_t type = pci_read8(pci, cap + VIRTIO_CAP_CFG_TYPE);
		volatile uint8_t *p;

		if (type < VIRTIO_PCI_CAP_COMMON || type > VIRTIO_PCI_CAP_DEVICE)
			continue;		/* PCI-config window, shared memory */
		p = map_cap(pci, cap, &len);
		if (!p)
			continue;
		if (type == VIRTIO_PCI_CAP_COMMON && !vd->common && len >= VPC_MIN_LENGTH) {
			vd->common = p;
		} else if (type == VIRTIO_PCI_CAP_NOTIFY && !vd->notify && len >= 2) {
			vd->notify = p;
			vd->notify_len = len;
			vd->notify_mult = pci_read32(pci, cap + VIRTIO_CAP_NOTIFY_MULT);
		} else if (type == VIRTIO_PCI_CAP_ISR && !vd->isr) {
			vd->isr = p;
		} else if (type == VIRTIO_PCI_CAP_DEVICE && !vd->device_cfg) {
			vd->device_cfg = p;
			vd->device_cfg_len = len;
		}
	}
	return vd->common && vd->notify ? 0 : -ENODEV;
}

/* Write 0 to device_status and wait (boundedly) until the device agrees. */
static int reset_device(struct virtio_dev *vd)
{
	mmio_write8(vd->common + VPC_STATUS, 0);
	for (unsigned int spins = 0; spins < 1000000; spins++) {
		if (get_status(vd) == 0)
			return 0;
		arch_cpu_relax();
	}
	return -EIO;
}

int virtio_pci_init(struct virtio_dev *vd, struct pci_dev *pci)
{
	int err;

	vd->pci = pci;
	pci_enable_device(pci);
	err = find_caps(vd, pci);
	if (err)
		return err;
	err = reset_device(vd);
	if (err)
		return err;
	add_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(vd, VIRTIO_STATUS_DRIVER);
	vd->msix = pci_msix_enable(pci) == 0;
	mmio_write16(vd->common + VPC_MSIX_CONFIG, VIRTIO_MSI_NO_VECTOR);
	return 0;
}

static uint64_t device_features(struct virtio_dev *vd)
{
	uint64_t f;

	mmio_write32(vd->common + VPC_DFSELECT, 0);
	f = mmio_read32(vd->common + VPC_DF);
	mmio_write32(vd->common + VPC_DFSELECT, 1);
	return f | (uint64_t)mmio_read32(vd->common + VPC_DF) << 32;
}

int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted)
{
	uint64_t offered = device_features(vd);

	if (!(offered & (1ull << VIRTIO_F_VERSION_1)))
		return -ENODEV;		/* a legacy-only device */
	vd->features = offered & (wanted | 1ull << VIRTIO_F_VERSION_1);
	mmio_write32(vd->common + VPC_GFSELECT, 0);
	mmio_write32(vd->common + VPC_GF, (uint32_t)vd->features);
	mmio_write32(vd->common + VPC_GFSELECT, 1);
	mmio_write32(vd->common + VPC_GF, (uint32_t)(vd->features >> 32));
	add_status(vd, VIRTIO_STATUS_FEATURES_OK);
	if (!(get_status(vd) & VIRTIO_STATUS_FEATURES_OK))
		return -EIO;
	return 0;
}

bool virtio_has_feature(const struct virtio_dev *vd, unsigned int bit)
{
	return bit < 64 && (vd->features & (1ull << bit));
}

void virtio_driver_ok(struct virtio_dev *vd)
{
	add_status(vd, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_fail(struct virtio_dev *vd)
{
	add_status(vd, VIRTIO_STATUS_FAILED);
}

uint8_t virtio_cfg_read8(struct virtio_dev *vd, unsigned int off)
{
	if (!vd->device_cfg || off + 1 > vd->device_cfg_len)
		return 0;
	return mmio_read8(vd->device_cfg + off);
}

uint16_t virtio_cfg_read16(struct virtio_dev *vd, unsigned int off)
{
	if (!vd->device_cfg || off + 2 > vd->device_cfg_len)
		return 0;
	return mmio_read16(vd->device_cfg + off);
}

uint32_t virtio_cfg_read32(struct virtio_dev *vd, unsigned int off)
{
	if (!vd->device_cfg || off + 4 > vd->device_cfg_len)
		return 0;
	return mmio_read32(vd->device_cfg + off);
}

uint64_t virtio_cfg_read64(struct virtio_dev *vd, unsigned int off)
{
	uint8_t gen;
	uint64_t v;

	if (!vd->device_cfg || off + 8 > vd->device_cfg_len)
		return 0;
	do {
		gen = mmio_read8(vd->common + VPC_CFG_GENERATION);
		v = mmio_read32(vd->device_cfg + off) |
		    (uint64_t)mmio_read32(vd->device_cfg + off + 4) << 32;
	} while (gen != mmio_read8(vd->common + VPC_CFG_GENERATION));
	return v;
}

void virtio_cfg_read_bytes(struct virtio_dev *vd, unsigned int off, void *buf,
			   unsigned int len)
{
	uint8_t *p = buf;
	uint8_t gen;

	do {
		gen = mmio_read8(vd->common + VPC_CFG_GENERATION);
		for (unsigned int i = 0; i < len; i++)
			p[i] = virtio_cfg_read8(vd, off + i);
	} while (gen != mmio_read8(vd->common + VPC_CFG_GENERATION));
}

/* Largest power of two <= @n (n > 0). */
static unsigned int pow2_floor(unsigned int n)
{
	unsigned int p = 1;

	while (p * 2 <= n)
		p *= 2;
	return p;
}

/* Route queue @index's completions to a fresh MSI-X vector; false: poll. */
static bool setup_queue_irq(struct virtio_dev *vd, unsigned int index,
			    irq_handler_t fn, void *arg)
{
	int vec;

	if (!vd->msix)
		return false;
	vec = pci_msix_set_vector(vd->pci, index, fn, arg);
	if (vec < 0)
		return false;
	mmio_write16(vd->common + VPC_Q_MSIX, (uint16_t)index);
	/* The device answers NO_VECTOR when it could not take the entry. */
	if (mmio_read16(vd->common + VPC_Q_MSIX) == VIRTIO_MSI_NO_VECTOR) {
		irq_register_vector((unsigned int)vec, NULL, NULL);
		return false;
	}
	return true;
}

int virtio_setup_queue(struct virtio_dev *vd, struct virtqueue *vq, unsigned int index,
		       unsigned int max_size, irq_handler_t fn, void *arg)
{
	unsigned int size;
	uint16_t notify_off;
	int err;

	if (index >= mmio_read16(vd->common + VPC_NUM_QUEUES))
		return -ENOENT;
	mmio_write16(vd->common + VPC_Q_SELECT, (uint16_t)index);
	size = mmio_read16(vd->common + VPC_Q_SIZE);
	if (size == 0)
		return -ENOENT;
	notify_off = mmio_read16(vd->common + VPC_Q_NOTIFY_OFF);
	if ((uint64_t)notify_off * vd->notify_mult + 2 > vd->notify_len)
		return -ENODEV;		/* doorbell outside the notify window */
	size = pow2_floor(MIN(size, max_size));
	err = virtq_init(vq, index, size);
	if (err)
		return err;
	mmio_write16(vd->common + VPC_Q_SIZE, (uint16_t)size);
	mmio_write64(vd->common + VPC_Q_DESC, virtq_desc_phys(vq));
	mmio_write64(vd->common + VPC_Q_DRIVER, virtq_avail_phys(vq));
	mmio_write64(vd->common + VPC_Q_DEVICE, virtq_used_phys(vq));
	vq->doorbell = (volatile uint16_t *)(vd->notify + (uint32_t)notify_off * vd->notify_mult);
	vq->has_irq = setup_queue_irq(vd, index, fn, arg);
	if (!vq->has_irq)
		vq->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	mmio_write16(vd->common + VPC_Q_ENABLE, 1);
	return 0;
}

int virtio_setup_config_irq(struct virtio_dev *vd, unsigned int entry, irq_handler_t fn,
			    void *arg)
{
	int vec;

	if (!vd->msix)
		return -ENODEV;
	vec = pci_msix_set_vector(vd->pci, entry, fn, arg);
	if (vec < 0)
		return vec;
	mmio_write16(vd->common + VPC_MSIX_CONFIG, (uint16_t)entry);
	/* As for queues: NO_VECTOR read back means the device refused it. */
	if (mmio_read16(vd->common + VPC_MSIX_CONFIG) == VIRTIO_MSI_NO_VECTOR) {
		irq_register_vector((unsigned int)vec, NULL, NULL);
		return -ENODEV;
	}
	return 0;
}
