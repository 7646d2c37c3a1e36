/*
 * virtio_net_ktest.c - in-kernel tests of the network-device layer
 * (kernel/drivers/netdev.c) and the virtio-net driver, talking to QEMU's
 * user-mode network (slirp) with hand-built frames; no IP stack involved.
 *
 * They need a virtio NIC as eth0 on a user-mode network, as the harness's
 * net-virtio boot gives:
 *
 *   -netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0
 *
 * and report KT_SKIP without one (or when eth0 is another driver's). The
 * frames, the capture and the test bodies are shared with the other NIC
 * drivers' tests: kernel/tests/nic_test.c, which says what is sent and
 * what slirp answers.
 */
#include "kernel/drivers/netdev.h"
#include "kernel/drivers/virtio.h"
#include "kernel/drivers/virtio_net.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/tests/nic_test.h"
#include "mm/slab.h"
#include <arch/pci.h>

static struct netdev *test_nic(void)
{
	struct netdev *dev;

	netdev_init();			/* kmain did it; idempotent */
	dev = netdev_get("eth0");
	if (!dev || !dev->driver || strcmp(dev->driver, VIRTIO_NET_DRIVER) != 0)
		return NULL;		/* another NIC's boot (e1000_ktest.c) */
	return READ_ONCE(dev->link_up) ? dev : NULL;
}

#define NEED_NIC(dev)								\
	do {									\
		if (!(dev))							\
			KT_SKIP("no virtio NIC eth0 with link up (boot with -netdev "	\
				"user -device virtio-net-pci: the net-virtio boot)");	\
	} while (0)

/* Active objects of the transmit-buffer cache, or -1 if there is none. */
static long tx_buffers_alive(struct netdev *dev)
{
	size_t n = slab_snapshot(NULL, 0);
	struct slab_stat *st = kmalloc(n * sizeof(*st), 0);
	long alive = -1;

	(void)dev;
	if (!st)
		return -1;
	n = MIN(n, slab_snapshot(st, n));
	for (size_t i = 0; i < n; i++)
		if (strcmp(st[i].name, VIRTIO_NET_TX_CACHE) == 0)
			alive = (long)st[i].active_objs;
	kfree(st);
	return alive;
}

static unsigned long vector_irqs(struct netdev *dev)
{
	(void)dev;
	return nic_pci_vector_irqs();
}

/* ---- the tests ---- */

/*
 * eth0 is the virtio NIC: QEMU's default MAC (from the config space, not
 * made up), link up (config status), a 1500-byte MTU, found by name and
 * by walking the list; the PCI function has MSI-X on. Frames of a bad
 * length are refused and counted.
 */
KTEST(virtio_net_eth0)
{
	struct netdev *dev = test_nic();
	struct pci_dev *p = NULL;

	NEED_NIC(dev);
	KT_ASSERT(strcmp(dev->name, "eth0") == 0);
	KT_ASSERT_EQ(dev->index, 0);
	KT_ASSERT(netdev_next(NULL) == dev);
	KT_ASSERT(netdev_count() >= 1);
	KT_ASSERT(netdev_get("eth") == NULL && netdev_get("eth01") == NULL);
	KT_ASSERT(memcmp(dev->mac, qemu_default_mac, ETH_ALEN) == 0);
	KT_ASSERT(dev->link_up);
	KT_ASSERT_EQ(dev->mtu, ETH_DATA_LEN);

	while ((p = pci_find_device(VIRTIO_PCI_VENDOR, PCI_ANY_ID, p)) != NULL)
		if (p->claimed && virtio_pci_match(p, VIRTIO_ID_NET))
			break;
	KT_ASSERT(p != NULL);
	KT_ASSERT(p->msix_cap != 0);
	KT_ASSERT(pci_read16(p, p->msix_cap + 2) & (1u << 15));	/* enabled */

	return nic_test_bad_lengths(dev);
}

/* ARP for the gateway (nic_test.h). */
KTEST(virtio_net_arp_gateway)
{
	struct netdev *dev = test_nic();

	NEED_NIC(dev);
	return nic_test_arp_gateway(dev);
}

/* One ICMP echo to the gateway and back. */
KTEST(virtio_net_icmp_echo)
{
	struct netdev *dev = test_nic();

	NEED_NIC(dev);
	return nic_test_icmp_echo(dev, 0x5047);
}

/*
 * A burst of BURST echoes through both rings (nic_test.h); no transmit
 * buffer (virtio_net_tx slab object) is alive afterwards.
 */
KTEST(virtio_net_tx_burst)
{
	struct netdev *dev = test_nic();

	NEED_NIC(dev);
	return nic_test_tx_burst(dev, 0x4255, /* window= */0, tx_buffers_alive, vector_irqs);
}
