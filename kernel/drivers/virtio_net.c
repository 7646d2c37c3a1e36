/*
 * virtio_net.c - the virtio network device (OASIS VIRTIO 1.1, 5.1): an
 * Ethernet NIC behind two split virtqueues, presented as a struct netdev
 * (netdev.h).
 *
 * Queues: 0 is receiveq1, 1 is transmitq1 (no multiqueue, no control
 * queue). Every frame in either direction is one descriptor holding a
 * 12-byte struct virtio_net_hdr followed by the frame (VIRTIO_F_VERSION_1
 * makes the layout free, 5.1.6.6, so header and frame may share it):
 *
 *   struct vnet_buf (one slab object, physically contiguous)
 *   +-------------------+-----------------------------------+-----+
 *   | virtio_net_hdr 12 | frame: 14-byte Ethernet header,   | len |
 *   | (all zero: no     |   payload; at most 1518 bytes     |     |
 *   |  offloads)        |   (1500 + a VLAN tag)             |     |
 *   +-------------------+-----------------------------------+-----+
 *   <-------------- what the descriptor covers ------------->
 *
 * Receive. The RX ring is filled with buffers at probe and kept full: each
 * buffer the device returns is handed to the stack by the netpoll thread
 * (netdev_receive, from vnet_poll) and then posted again at once, so the
 * ring never runs dry and receiving allocates nothing. The RX interrupt
 * only schedules that poll, and turns itself off until the poll has taken
 * every frame (VRING_AVAIL_F_NO_INTERRUPT, as Linux's NAPI): QEMU then
 * signals a batch once rather than each frame (netbench, 3 interleaved
 * pairs: guest->host 44.5-46.4 -> 47.9-49.4 MB/s).
 *
 * Transmit. vnet_xmit copies the frame into a buffer from its own slab
 * cache ("virtio_net_tx") and puts it on the TX ring; when the device has
 * sent it, the TX interrupt (or the next xmit that finds the ring full)
 * takes it off the used ring, counts it, frees it and wakes senders
 * waiting for a slot. At most one buffer per TX descriptor is alive.
 *
 * Link state: with VIRTIO_NET_F_STATUS, bit 0 of the config space's status
 * field, re-read when the configuration-change interrupt (MSI-X entry 2)
 * says it changed; without it the link is always up.
 *
 * Features negotiated: VERSION_1 (required), MAC (else a random locally
 * administered address), STATUS. Nothing else: no checksum or
 * segmentation offloads (the stack computes every checksum, frames are at
 * most one MTU), no mergeable RX buffers, no control queue (no promiscuous
 * or multicast filter control: QEMU's device delivers everything to us).
 *
 * Interrupts are MSI-X (entries 0 RX, 1 TX, 2 config); a device without
 * MSI-X is refused rather than polled.
 *
 * Locks: each virtqueue's own lock (virtio_ring.c) only; netdev_receive()
 * is called with none held. Neighbours: virtio_pci.c, virtio_ring.c,
 * netdev.c; tests in kernel/tests/virtio_net_ktest.c.
 */
#include "kernel/drivers/virtio_net.h"
#include "kernel/drivers/netdev.h"
#include "kernel/drivers/virtio.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/random.h"
#include "mm/slab.h"
#include <arch/pci.h>

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_MAC	5	/* config space has a MAC address */
#define VIRTIO_NET_F_STATUS	16	/* config space has a link status */

/* Device configuration (5.1.4), byte offsets. */
#define VNET_CFG_MAC		0	/* u8[6] */
#define VNET_CFG_STATUS		6	/* le16 */
#define VIRTIO_NET_S_LINK_UP	1

#define VNET_RXQ		0
#define VNET_TXQ		1
#define VNET_MSIX_CONFIG	2	/* MSI-X entry of config changes */
#define VNET_QUEUE_SIZE		256	/* ask for at most this many entries */
#define VNET_FRAME_MAX		(ETH_HLEN + ETH_DATA_LEN + 4)	/* + a VLAN tag */

/* The per-frame header (5.1.6); 12 bytes under VERSION_1. */
struct virtio_net_hdr {
	uint8_t flags;			/* NEEDS_CSUM, DATA_VALID: unused here */
	uint8_t gso_type;		/* 0: GSO_NONE */
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;		/* RX: 1 without MRG_RXBUF; TX: 0 */
};
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio-net header layout");

/* One frame's buffer, RX or TX; the device sees hdr and frame. */
struct vnet_buf {
	struct virtio_net_hdr hdr;
	uint8_t frame[VNET_FRAME_MAX];
	uint16_t len;			/* TX: frame bytes, for tx_bytes */
};
#define VNET_BUF_DEVICE_LEN	(sizeof(struct virtio_net_hdr) + VNET_FRAME_MAX)
_Static_assert(offsetof(struct vnet_buf, frame) == sizeof(struct virtio_net_hdr),
	       "frame follows the header in one descriptor");

struct virtio_net {
	struct netdev ndev;
	struct virtio_dev vdev;
	struct virtqueue rxq, txq;
	bool config_changed;		/* set by the config IRQ, taken by poll */
};

static struct kmem_cache *vnet_rx_cache, *vnet_tx_cache;
static unsigned int nr_vnet;

static struct virtio_net *to_vnet(struct netdev *dev)
{
	return dev->priv;
}

/* The descriptor for @b: header and frame, one contiguous slab object. */
static struct virtq_buf vnet_desc(struct vnet_buf *b, uint32_t len, bool device_writes)
{
	return (struct virtq_buf){ virtio_kva_to_phys(b), len, device_writes };
}

/* ---- link ---- */

static void vnet_update_link(struct virtio_net *vn)
{
	bool up = true;

	if (virtio_has_feature(&vn->vdev, VIRTIO_NET_F_STATUS))
		up = virtio_cfg_read16(&vn->vdev, VNET_CFG_STATUS) & VIRTIO_NET_S_LINK_UP;
	netdev_set_link(&vn->ndev, up);
}

/* ---- transmit ---- */

/* Free every buffer the device has sent. Any context (TX IRQ, xmit). */
static void vnet_reclaim_tx(struct virtio_net *vn)
{
	struct vnet_buf *b;
	unsigned int n = 0;

	while ((b = virtq_get_used(&vn->txq, NULL)) != NULL) {
		netdev_stat_add(&vn->ndev.stats.tx_packets, 1);
		netdev_stat_add(&vn->ndev.stats.tx_bytes, b->len);
		kmem_cache_free(vnet_tx_cache, b);
		n++;
	}
	if (n)
		netdev_tx_done(&vn->ndev);
}

/* netdev_ops.xmit: copy, queue, ring the doorbell. Never sleeps. */
static int vnet_xmit(struct netdev *dev, const void *frame, size_t len)
{
	struct virtio_net *vn = to_vnet(dev);
	struct virtq_buf d;
	struct vnet_buf *b;
	int head;

	b = kmem_cache_alloc(vnet_tx_cache, 0);
	if (!b)
		return -ENOMEM;
	memset(&b->hdr, 0, sizeof(b->hdr));	/* no offload asked for */
	memcpy(b->frame, frame, len);
	b->len = (uint16_t)len;
	d = vnet_desc(b, sizeof(b->hdr) + len, /* device_writes= */false);
	head = virtq_add(&vn->txq, &d, 1, b);
	if (head == -ENOSPC) {
		/* The ring is full of sent frames nobody took back yet? */
		vnet_reclaim_tx(vn);
		head = virtq_add(&vn->txq, &d, 1, b);
	}
	if (head < 0) {
		kmem_cache_free(vnet_tx_cache, b);
		return head == -ENOSPC ? -ENOBUFS : head;
	}
	virtq_kick(&vn->txq);
	return 0;
}

static void vnet_tx_irq(void *arg)
{
	vnet_reclaim_tx(arg);
}

/* ---- receive ---- */

static int vnet_post_rx(struct virtio_net *vn, struct vnet_buf *b)
{
	struct virtq_buf d = vnet_desc(b, VNET_BUF_DEVICE_LEN, /* device_writes= */true);
	int head = virtq_add(&vn->rxq, &d, 1, b);

	return head < 0 ? head : 0;
}

/*
 * netdev_ops.poll, in the netpoll thread: act on a config change, hand up
 * to @budget received frames to the stack and give each buffer straight
 * back to the device; reclaim sent frames too (cheap, and it keeps the TX
 * ring short even if a TX interrupt was coalesced away).
 */
static unsigned int vnet_poll(struct netdev *dev, unsigned int budget)
{
	struct virtio_net *vn = to_vnet(dev);
	unsigned int done = 0;
	struct vnet_buf *b;
	uint32_t len;

	if (__atomic_exchange_n(&vn->config_changed, false, __ATOMIC_ACQ_REL))
		vnet_update_link(vn);
	vnet_reclaim_tx(vn);
	while (done < budget && (b = virtq_get_used(&vn->rxq, &len)) != NULL) {
		if (len < sizeof(b->hdr) + ETH_HLEN || len > VNET_BUF_DEVICE_LEN)
			netdev_stat_add(&dev->stats.rx_errors, 1);
		else
			netdev_receive(dev, b->frame, len - sizeof(b->hdr));
		/* Just freed one descriptor, so there is room for it. */
		if (vnet_post_rx(vn, b)) {
			pr_warn("%s: cannot repost an RX buffer\n", dev->name);
			kmem_cache_free(vnet_rx_cache, b);
		}
		done++;
	}
	if (done)
		virtq_kick(&vn->rxq);
	/* All taken: interrupts again (and a second look for a race with them). */
	if (done < budget && virtq_enable_irq(&vn->rxq)) {
		virtq_disable_irq(&vn->rxq);
		netdev_schedule_poll(dev);
	}
	return done;
}

/* Frames came in: no more interrupts for them until the poll has taken them all. */
static void vnet_rx_irq(void *arg)
{
	struct virtio_net *vn = arg;

	virtq_disable_irq(&vn->rxq);
	netdev_schedule_poll(&vn->ndev);
}

static void vnet_config_irq(void *arg)
{
	struct virtio_net *vn = arg;

	__atomic_store_n(&vn->config_changed, true, __ATOMIC_RELEASE);
	netdev_schedule_poll(&vn->ndev);
}

static const struct netdev_ops vnet_ops = {
	.xmit = vnet_xmit,
	.poll = vnet_poll,
};

/* ---- probing ---- */

/* Fill the RX ring; before DRIVER_OK. Returns 0 or -ENOMEM (some posted). */
static int vnet_fill_rx(struct virtio_net *vn)
{
	for (unsigned int i = 0; i < vn->rxq.size; i++) {
		struct vnet_buf *b = kmem_cache_alloc(vnet_rx_cache, 0);

		if (!b)
			return -ENOMEM;
		if (vnet_post_rx(vn, b)) {
			kmem_cache_free(vnet_rx_cache, b);
			return -ENOSPC;
		}
	}
	return 0;
}

/* Take back the buffers vnet_fill_rx() posted: the device never went live. */
static void vnet_free_rx(struct virtio_net *vn)
{
	for (unsigned int i = 0; i < vn->rxq.size; i++)
		if (vn->rxq.tokens[i])
			kmem_cache_free(vnet_rx_cache, vn->rxq.tokens[i]);
}

static void vnet_read_mac(struct virtio_net *vn)
{
	uint8_t *mac = vn->ndev.mac;

	if (virtio_has_feature(&vn->vdev, VIRTIO_NET_F_MAC)) {
		virtio_cfg_read_bytes(&vn->vdev, VNET_CFG_MAC, mac, ETH_ALEN);
		return;
	}
	get_random_bytes(mac, ETH_ALEN);
	mac[0] = (mac[0] & ~1u) | 2u;	/* unicast, locally administered */
}

/* Both queues with their interrupts, and the config-change interrupt. */
static int vnet_setup_queues(struct virtio_net *vn)
{
	int err;

	err = virtio_setup_queue(&vn->vdev, &vn->rxq, VNET_RXQ, VNET_QUEUE_SIZE,
				 vnet_rx_irq, vn);
	if (err)
		return err;
	err = virtio_setup_queue(&vn->vdev, &vn->txq, VNET_TXQ, VNET_QUEUE_SIZE,
				 vnet_tx_irq, vn);
	if (err)
		return err;
	if (!vn->rxq.has_irq || !vn->txq.has_irq)
		return -ENODEV;			/* no MSI-X: would have to poll */
	if (virtio_has_feature(&vn->vdev, VIRTIO_NET_F_STATUS) &&
	    virtio_setup_config_irq(&vn->vdev, VNET_MSIX_CONFIG, vnet_config_irq, vn))
		pr_warn("virtio-net: no config interrupt: link changes go unnoticed\n");
	return 0;
}

/*
 * Bring up one device and register it. The PCI function stays claimed
 * even when this fails. Once queues have vectors, a failure leaks the
 * structure and its rings on purpose: a vector still points at it (as in
 * virtio_blk.c).
 */
static int vnet_probe(struct pci_dev *pci)
{
	struct virtio_net *vn;
	int err;

	err = pci_claim(pci);
	if (err)
		return err;
	vn = kzalloc(sizeof(*vn));
	if (!vn)
		return -ENOMEM;
	err = virtio_pci_init(&vn->vdev, pci);
	if (err)
		goto err_free;
	err = virtio_negotiate(&vn->vdev, 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS);
	if (err)
		goto err_fail_free;
	err = vnet_setup_queues(vn);
	if (err)
		goto err_fail;
	err = vnet_fill_rx(vn);
	if (err)
		goto err_fail_rx;
	vnet_read_mac(vn);
	vn->ndev.mtu = ETH_DATA_LEN;
	vn->ndev.ops = &vnet_ops;
	vn->ndev.priv = vn;
	vn->ndev.driver = VIRTIO_NET_DRIVER;
	err = netdev_register(&vn->ndev);
	if (err)
		goto err_fail_rx;
	vnet_update_link(vn);
	virtio_driver_ok(&vn->vdev);
	virtq_kick(&vn->rxq);		/* notifications only after DRIVER_OK */
	nr_vnet++;
	printk("virtio-net: %s at %02x:%02x.%x: %02x:%02x:%02x:%02x:%02x:%02x, "
	       "queues %u/%u, MSI-X, link %s\n", vn->ndev.name, pci->bus, pci->slot,
	       pci->func, vn->ndev.mac[0], vn->ndev.mac[1], vn->ndev.mac[2],
	       vn->ndev.mac[3], vn->ndev.mac[4], vn->ndev.mac[5], vn->rxq.size,
	       vn->txq.size, vn->ndev.link_up ? "up" : "down");
	return 0;

err_fail_rx:
	vnet_free_rx(vn);
err_fail:
	virtio_fail(&vn->vdev);
	return err;		/* vn stays: vectors may point at it */
err_fail_free:
	virtio_fail(&vn->vdev);
err_free:
	kfree(vn);		/* no queue is live, no vector points at it */
	return err;
}

/* The buffer caches, made with the first device (none without a NIC). */
static int vnet_caches_init(void)
{
	if (!vnet_rx_cache)
		vnet_rx_cache = kmem_cache_create("virtio_net_rx", sizeof(struct vnet_buf), 8);
	if (!vnet_tx_cache)
		vnet_tx_cache = kmem_cache_create(VIRTIO_NET_TX_CACHE, sizeof(struct vnet_buf), 8);
	return vnet_rx_cache && vnet_tx_cache ? 0 : -ENOMEM;
}

unsigned int virtio_net_init(void)
{
	struct pci_dev *d = NULL;

	while ((d = pci_find_device(VIRTIO_PCI_VENDOR, PCI_ANY_ID, d)) != NULL) {
		int err;

		if (!virtio_pci_match(d, VIRTIO_ID_NET) || d->claimed)
			continue;
		err = vnet_caches_init();
		if (!err)
			err = vnet_probe(d);
		if (err)
			pr_warn("virtio-net: %02x:%02x.%x: not usable (%d)\n",
				d->bus, d->slot, d->func, err);
	}
	return nr_vnet;
}
