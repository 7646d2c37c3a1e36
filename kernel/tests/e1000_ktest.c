/*
 * e1000_ktest.c - in-kernel tests of the Intel PRO/1000 driver
 * (kernel/drivers/e1000.c) on QEMU's 82540EM (-device e1000) and 82574L
 * (-device e1000e), with hand-built frames through QEMU's user-mode
 * network; no IP stack involved.
 *
 * They need one of the two as eth0 on a user-mode network, as the
 * harness's net-e1000 (pc machine, e1000) and net-e1000e (q35, e1000e)
 * boots give:
 *
 *   -netdev user,id=n0,restrict=on -device e1000,netdev=n0
 *
 * and report KT_SKIP otherwise. The same tests run on both parts; what
 * they expect of each (interrupt mode above all) is worked out from the
 * PCI function itself. The frames, the capture and the shared test bodies
 * (ARP, echo, a burst that wraps both rings) are in nic_test.c;
 * e1000_tx_ring_wraps wraps the TX ring alone, receiving nothing.
 */
#include "kernel/cmdline.h"
#include "kernel/drivers/e1000.h"
#include "kernel/drivers/e1000_regs.h"
#include "kernel/drivers/netdev.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/tests/nic_test.h"
#include "kernel/time.h"
#include <arch/irq.h>
#include <arch/pci.h>

#define NSEC_PER_MS		1000000ull

static struct netdev *test_nic(void)
{
	struct e1000_info info;
	struct netdev *dev;

	netdev_init();			/* kmain did it; idempotent */
	dev = netdev_get("eth0");
	if (!e1000_get_info(dev, &info))
		return NULL;		/* no NIC, or another driver's */
	return READ_ONCE(dev->link_up) ? dev : NULL;
}

#define NEED_NIC(dev)								\
	do {									\
		if (!(dev))							\
			KT_SKIP("no e1000/e1000e eth0 with link up (boot with "	\
				"-netdev user -device e1000: net-e1000, net-e1000e)"); \
	} while (0)

static long tx_pending(struct netdev *dev)
{
	struct e1000_info info;

	return e1000_get_info(dev, &info) ? (long)info.tx_busy : -1;
}

/* Interrupts taken on the NIC's own vectors. */
static unsigned long nic_irqs(struct netdev *dev)
{
	struct e1000_info info;
	unsigned long n = 0;

	if (!e1000_get_info(dev, &info))
		return 0;
	for (unsigned int i = 0; i < info.nr_vectors; i++)
		n += irq_count((unsigned int)info.vectors[i]);
	return n;
}

/*
 * The interrupt mode the driver must have picked for @pci: MSI-X on the
 * 82574 when it has the capability, else MSI when it has that, else INTx
 * (QEMU's 82540EM has neither); capped by e1000_irq= if given.
 */
static enum e1000_irq_mode expected_irq_mode(struct pci_dev *pci, bool is_82574)
{
	enum e1000_irq_mode max = E1000_IRQ_MSIX;
	char v[8];

	if (cmdline_get("e1000_irq", v, sizeof(v)))
		max = strcmp(v, "intx") == 0 ? E1000_IRQ_INTX :
		      strcmp(v, "msi") == 0 ? E1000_IRQ_MSI : E1000_IRQ_MSIX;
	if (max >= E1000_IRQ_MSIX && is_82574 && pci_find_capability(pci, PCI_CAP_ID_MSIX, 0))
		return E1000_IRQ_MSIX;
	if (max >= E1000_IRQ_MSI && pci_find_capability(pci, PCI_CAP_ID_MSI, 0))
		return E1000_IRQ_MSI;
	return E1000_IRQ_INTX;
}

/* ---- the tests ---- */

/*
 * eth0 is an Intel NIC bound to the right part: QEMU's default MAC, which
 * is also what receive address 0 holds (valid); link up both in the netdev
 * and in STATUS; a 1500-byte MTU; the interrupt mode that PCI function
 * allows, switched on in its configuration space and programmed into the
 * NIC (IVAR for MSI-X). Frames of a bad length are refused and counted.
 */
KTEST(e1000_eth0)
{
	struct netdev *dev = test_nic();
	struct e1000_info info;
	uint32_t ral, rah;
	bool is_82574;

	NEED_NIC(dev);
	KT_ASSERT(e1000_get_info(dev, &info));
	is_82574 = strcmp(dev->driver, E1000_DRIVER_82574L) == 0;
	KT_ASSERT(is_82574 || strcmp(dev->driver, E1000_DRIVER_82540EM) == 0);
	KT_ASSERT_EQ(info.pci->vendor, 0x8086);
	KT_ASSERT_EQ(info.pci->device, is_82574 ? 0x10d3 : 0x100e);
	KT_ASSERT(info.pci->claimed);
	KT_ASSERT(strcmp(dev->name, "eth0") == 0);
	KT_ASSERT(netdev_next(NULL) == dev);

	KT_ASSERT(memcmp(dev->mac, qemu_default_mac, ETH_ALEN) == 0);
	ral = e1000_reg_read(dev, E1000_RAL0);
	rah = e1000_reg_read(dev, E1000_RAH0);
	KT_ASSERT_EQ(ral, 0x12005452u);			/* 52:54:00:12 */
	KT_ASSERT_EQ(rah, E1000_RAH_AV | 0x5634u);	/* 34:56, valid */
	KT_ASSERT(dev->link_up);
	KT_ASSERT(e1000_reg_read(dev, E1000_STATUS) & E1000_STATUS_LU);
	KT_ASSERT_EQ(dev->mtu, ETH_DATA_LEN);
	KT_ASSERT_EQ(info.rx_ring, 256);
	KT_ASSERT_EQ(info.tx_ring, 256);

	KT_ASSERT_EQ(info.irq_mode, expected_irq_mode(info.pci, is_82574));
	switch (info.irq_mode) {
	case E1000_IRQ_MSIX:
		KT_ASSERT_EQ(info.nr_vectors, 3);
		KT_ASSERT(info.vectors[0] != info.vectors[1] && info.vectors[1] != info.vectors[2]);
		KT_ASSERT(pci_read16(info.pci, info.pci->msix_cap + 2) & (1u << 15));
		/* RX queue 0 -> entry 0, TX queue 0 -> 1, other causes -> 2. */
		KT_ASSERT_EQ(e1000_reg_read(dev, E1000_IVAR) & 0xfffff, 0xa0908);
		break;
	case E1000_IRQ_MSI:
		KT_ASSERT_EQ(info.nr_vectors, 1);
		KT_ASSERT(info.pci->msi_cap != 0);
		KT_ASSERT(pci_read16(info.pci, info.pci->msi_cap + 2) & 1);
		KT_ASSERT(pci_read16(info.pci, PCI_COMMAND) & PCI_COMMAND_INTX_OFF);
		break;
	case E1000_IRQ_INTX:
		KT_ASSERT_EQ(info.nr_vectors, 1);
		KT_ASSERT(info.vectors[0] >= 0x30 && info.vectors[0] <= 0xef);
		KT_ASSERT(!(pci_read16(info.pci, PCI_COMMAND) & PCI_COMMAND_INTX_OFF));
		KT_ASSERT(info.pci->msix_table == NULL);
		break;
	}
	/* Receive and transmit on, with the rings the driver set up. */
	KT_ASSERT(e1000_reg_read(dev, E1000_RCTL) & E1000_RCTL_EN);
	KT_ASSERT(e1000_reg_read(dev, E1000_TCTL) & E1000_TCTL_EN);
	KT_ASSERT_EQ(e1000_reg_read(dev, E1000_RDLEN), 256 * 16);
	KT_ASSERT_EQ(e1000_reg_read(dev, E1000_TDLEN), 256 * 16);

	return nic_test_bad_lengths(dev);
}

/* ARP for the gateway: a 42-byte frame, padded by the NIC (TCTL.PSP). */
KTEST(e1000_arp_gateway)
{
	struct netdev *dev = test_nic();

	NEED_NIC(dev);
	return nic_test_arp_gateway(dev);
}

/* One ICMP echo to the gateway and back. */
KTEST(e1000_icmp_echo)
{
	struct netdev *dev = test_nic();

	NEED_NIC(dev);
	return nic_test_icmp_echo(dev, 0x4531);
}

/*
 * A burst of BURST (1000) echoes, at most 64 unanswered at a time (more
 * would overrun the RX ring, and a real NIC, or QEMU's 82540EM, drops
 * what does not fit: e1000_rx_overrun): both 256-entry rings wrap several
 * times; every TX descriptor is reclaimed afterwards, the NIC's own
 * vectors took interrupts, and the hardware's ring pointers agree with
 * the driver's: TDH caught up with TDT, and RDT is the descriptor just
 * before the next one the driver will look at (the spare).
 */
KTEST(e1000_tx_burst)
{
	struct netdev *dev = test_nic();
	struct e1000_info info;
	int ret;

	NEED_NIC(dev);
	ret = nic_test_tx_burst(dev, 0x4542, /* window= */64, tx_pending, nic_irqs);
	if (ret != KT_PASS)
		return ret;
	KT_ASSERT_EQ(e1000_reg_read(dev, E1000_TDH), e1000_reg_read(dev, E1000_TDT));
	KT_ASSERT(e1000_get_info(dev, &info));
	KT_ASSERT_EQ(e1000_reg_read(dev, E1000_RDT), (info.rx_next + 255) % 256);
	return KT_PASS;
}

/*
 * Transmit on its own, nothing to receive: TX_WRAP ARP requests for the
 * gateway, more than two turns of the 256-descriptor ring, sent without
 * waiting (a full ring is retried here, until a deadline, so that a
 * driver which never reclaims fails instead of hanging). Every frame is
 * sent and reclaimed: tx_packets and tx_bytes grow by exactly that, the
 * only drops are the full-ring refusals retried, no descriptor stays
 * busy, and the NIC's head caught up with the tail.
 */
#define TX_WRAP		600

KTEST(e1000_tx_ring_wraps)
{
	struct netdev *dev = test_nic();
	struct netdev_stats before, after;
	uint8_t f[ETH_HLEN + ARP_LEN];
	unsigned long full = 0;
	bool drained = false;
	uint64_t end;
	size_t len;
	int err = 0;

	NEED_NIC(dev);
	nic_capture_start(dev, 0);		/* lwIP off the NIC: the counts are ours */
	nic_stats_snapshot(dev, &before);
	len = nic_build_arp_request(f, dev->mac);
	end = clock_ns() + WAIT_NS;
	for (unsigned int i = 0; i < TX_WRAP && !err; ) {
		err = netdev_xmit(dev, f, len, NETDEV_XMIT_NOWAIT);
		if (err == -ENOBUFS && clock_ns() < end) {
			full++;
			err = 0;
			schedule_timeout(NSEC_PER_MS);	/* the poll reclaims meanwhile */
			continue;
		}
		i++;
	}
	while (!err && clock_ns() < end && !(drained = tx_pending(dev) == 0))
		schedule_timeout(NSEC_PER_MS);
	nic_stats_snapshot(dev, &after);
	nic_capture_stop(dev);

	KT_ASSERT_EQ(err, 0);
	KT_ASSERT(drained);
	KT_ASSERT_EQ(after.tx_packets - before.tx_packets, TX_WRAP);
	KT_ASSERT_EQ(after.tx_bytes - before.tx_bytes, TX_WRAP * len);
	KT_ASSERT_EQ(after.tx_dropped - before.tx_dropped, full);
	KT_ASSERT_EQ(e1000_reg_read(dev, E1000_TDH), e1000_reg_read(dev, E1000_TDT));
	printk("e1000_tx_ring_wraps: %s: %u frames, ring full %lu times\n", dev->driver,
	       TX_WRAP, full);
	return KT_PASS;
}

/*
 * BURST echoes with nothing holding the sender back: the replies come
 * faster than the netpoll thread hands them up, and when the RX ring is
 * full the NIC must drop them and count them in MPC (QEMU's 82540EM does;
 * its 82574L holds them back instead, and drops none). Every reply either
 * arrives, exactly once, or is counted missed; none is taken for a bad
 * frame; and the NIC receives normally afterwards.
 */
KTEST(e1000_rx_overrun)
{
	const uint16_t id = 0x4f52;
	struct netdev *dev = test_nic();
	unsigned long missed = 0, errors = 0;
	bool resolved, settled = false;
	uint8_t f[PING_LEN];
	int err = 0;

	NEED_NIC(dev);
	nic_capture_start(dev, id);
	resolved = nic_resolve_gateway(dev);
	if (resolved) {
		(void)e1000_reg_read(dev, E1000_MPC);	/* clear on read: count from 0 */
		errors = netdev_stat_read(&dev->stats.rx_errors);
		for (uint16_t seq = 0; seq < BURST && !err; seq++) {
			nic_build_echo(f, dev->mac, nic_cap.gw_mac, id, seq);
			err = netdev_xmit(dev, f, sizeof(f), NETDEV_XMIT_WAIT);
		}
		for (uint64_t end = clock_ns() + WAIT_NS; !err && clock_ns() < end; ) {
			missed += e1000_reg_read(dev, E1000_MPC);
			if (nic_cap_read(&nic_cap.echo_replies) + missed >= BURST) {
				settled = true;
				break;
			}
			schedule_timeout(NSEC_PER_MS);
		}
	}
	nic_capture_stop(dev);

	KT_ASSERT(resolved);
	KT_ASSERT_EQ(err, 0);
	KT_ASSERT(settled);
	KT_ASSERT_EQ(nic_cap.echo_replies + missed, BURST);
	KT_ASSERT_EQ(nic_cap.echo_dups, 0);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.rx_errors), errors);
	printk("e1000_rx_overrun: %s: %lu replies, %lu missed\n", dev->driver,
	       nic_cap.echo_replies, missed);
	return nic_test_icmp_echo(dev, id + 1);
}

/* ---- link changes ---- */

/* What the link handler saw: down then up, in order. */
static struct {
	netdev_link_handler_t chained;	/* lwIP's handler, called after us */
	void *chained_arg;
	unsigned long downs, ups;	/* atomics */
	bool up_after_down;
} link_log;

static void test_link_handler(struct netdev *dev, void *arg)
{
	if (READ_ONCE(dev->link_up)) {
		if (__atomic_load_n(&link_log.downs, __ATOMIC_ACQUIRE))
			WRITE_ONCE(link_log.up_after_down, true);
		__atomic_add_fetch(&link_log.ups, 1, __ATOMIC_RELEASE);
	} else {
		__atomic_add_fetch(&link_log.downs, 1, __ATOMIC_RELEASE);
	}
	if (link_log.chained)
		link_log.chained(dev, link_log.chained_arg);
}

/* Let other tasks run until *@counter is nonzero or @ns pass. */
static bool wait_nonzero(const unsigned long *counter, uint64_t ns)
{
	uint64_t end = clock_ns() + ns;

	while (!__atomic_load_n(counter, __ATOMIC_ACQUIRE)) {
		if (clock_ns() > end)
			return false;
		schedule_timeout(NSEC_PER_MS);
	}
	return true;
}

/*
 * Restart auto-negotiation in the PHY: the link drops and comes back.
 * QEMU's models drop STATUS.LU at once without an interrupt and raise LSC
 * when negotiation ends 500 ms later; a real PHY interrupts both ways. So
 * the test raises the down edge's LSC itself through ICS (a real link
 * change interrupt from the driver's point of view) once STATUS shows the
 * link down. If the test was descheduled long enough for the link to be
 * back before the driver looked, it tries again (at most 5 times). Then:
 * the netdev went down and up again, in that order, through the link
 * handler; the NIC's own LSC brought it up; sending works afterwards.
 */
KTEST(e1000_link_change)
{
	struct netdev *dev = test_nic();
	struct e1000_info info;
	unsigned long lsc_before, irq;
	bool saw_down = false;
	uint16_t bmcr;

	NEED_NIC(dev);
	KT_ASSERT(e1000_get_info(dev, &info));
	lsc_before = info.lsc_irqs;
	KT_ASSERT_EQ(e1000_phy_read(dev, MII_BMCR, &bmcr), 0);

	nic_capture_start(dev, 0);	/* lwIP off the NIC */
	irq = spin_lock_irqsave(&dev->lock);
	link_log.chained = dev->link_handler;
	link_log.chained_arg = dev->link_arg;
	spin_unlock_irqrestore(&dev->lock, irq);
	link_log.downs = link_log.ups = 0;
	link_log.up_after_down = false;
	netdev_set_link_handler(dev, test_link_handler, NULL);

	for (unsigned int tries = 0; tries < 5 && !saw_down; tries++) {
		/* Wait for the previous round's negotiation to finish. */
		for (uint64_t end = clock_ns() + WAIT_NS;
		     !READ_ONCE(dev->link_up) && clock_ns() < end; )
			schedule_timeout(NSEC_PER_MS);
		__atomic_store_n(&link_log.downs, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&link_log.ups, 0, __ATOMIC_RELEASE);
		WRITE_ONCE(link_log.up_after_down, false);
		if (e1000_phy_write(dev, MII_BMCR, bmcr | MII_BMCR_ANENABLE | MII_BMCR_ANRESTART))
			break;
		if (e1000_reg_read(dev, E1000_STATUS) & E1000_STATUS_LU)
			continue;		/* already back up (or never dropped) */
		e1000_reg_write(dev, E1000_ICS, E1000_ICR_LSC);
		saw_down = wait_nonzero(&link_log.downs, 100 * NSEC_PER_MS);
	}
	if (saw_down)
		wait_nonzero(&link_log.ups, WAIT_NS);

	netdev_set_link_handler(dev, link_log.chained, link_log.chained_arg);
	nic_capture_stop(dev);

	KT_ASSERT(saw_down);
	KT_ASSERT(__atomic_load_n(&link_log.ups, __ATOMIC_ACQUIRE) >= 1);
	KT_ASSERT(READ_ONCE(link_log.up_after_down));
	KT_ASSERT(READ_ONCE(dev->link_up));
	KT_ASSERT(e1000_reg_read(dev, E1000_STATUS) & E1000_STATUS_LU);
	/* Our ICS and the NIC's own LSC at the end of negotiation at least. */
	KT_ASSERT(e1000_get_info(dev, &info));
	KT_ASSERT(info.lsc_irqs >= lsc_before + 2);
	/* And the NIC still carries frames. */
	return nic_test_icmp_echo(dev, 0x4c4b);
}

