/*
 * virtio_net_ktest.c - in-kernel tests of the network-device layer
 * (kernel/drivers/netdev.c) and the virtio-net driver, talking to QEMU's
 * user-mode network (slirp) with hand-built frames; no IP stack involved.
 *
 * They need a virtio NIC on a user-mode network, as the harness's
 * net-virtio boot gives:
 *
 *   -netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0
 *
 * and report KT_SKIP without one. restrict=on keeps the guest from
 * reaching anything outside; slirp still answers, by itself, ARP for its
 * gateway address and ICMP echo sent to it:
 *
 *   guest 10.0.2.15, MAC 52:54:00:12:34:56 (QEMU's default)
 *   gateway 10.0.2.2 (slirp itself; its MAC is learnt by ARP, not assumed)
 *
 * lwIP, which has its own netif on eth0, is kept off the NIC while a test
 * captures (net_eth_hold), so that the counts here are the tests' own.
 *
 * The only traffic these tests send is ARP requests to the broadcast
 * address asking for 10.0.2.2, and ICMP echo requests to 10.0.2.2.
 *
 * Frames are checked byte for byte: an ARP reply must come from 10.0.2.2
 * and be addressed to our MAC and address; an echo reply must carry valid
 * IPv4 and ICMP checksums and our identifier, sequence and payload.
 *
 * The tests run in the boot CPU's idle task, which cannot sleep; they wait
 * for frames by letting other tasks (the netpoll thread) run until a clock
 * deadline, as the ktest runner itself does.
 */
#include "kernel/drivers/netdev.h"
#include "kernel/drivers/virtio.h"
#include "kernel/drivers/virtio_net.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/net/net.h"
#include "kernel/time.h"
#include "kernel/wait.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include <arch/irq.h>
#include <arch/pci.h>

#define NSEC_PER_SEC		1000000000ull
#define WAIT_NS			(20 * NSEC_PER_SEC)	/* generous: TCG on a busy host */

#define ETH_P_IP		0x0800
#define ETH_P_ARP		0x0806
#define ARP_REQUEST		1
#define ARP_REPLY		2
#define IPPROTO_ICMP		1
#define ICMP_ECHOREPLY		0
#define ICMP_ECHO		8

#define IP_HLEN			20
#define ICMP_HLEN		8
#define ARP_LEN			28			/* Ethernet/IPv4 ARP body */
#define PING_PAYLOAD		56			/* ping(8)'s default */
#define PING_LEN		(ETH_HLEN + IP_HLEN + ICMP_HLEN + PING_PAYLOAD)
#define BURST			1000

static const uint8_t qemu_default_mac[ETH_ALEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t broadcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t guest_ip[4] = { 10, 0, 2, 15 };
static const uint8_t gateway_ip[4] = { 10, 0, 2, 2 };

static struct netdev *test_nic(void)
{
	struct netdev *dev;

	netdev_init();			/* kmain did it; idempotent */
	dev = netdev_get("eth0");
	return dev && READ_ONCE(dev->link_up) ? dev : NULL;
}

#define NEED_NIC(dev)								\
	do {									\
		if (!(dev))							\
			KT_SKIP("no NIC eth0 with link up (boot with -netdev user "	\
				"-device virtio-net-pci: the net-virtio boot)");	\
	} while (0)

/* ---- frames, in network byte order ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The Internet checksum (RFC 1071): the ones' complement of the ones'
 * complement sum of the 16-bit words. Over data that includes a correct
 * checksum field, it comes out 0.
 */
static uint16_t inet_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void eth_header(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, ETH_ALEN);
	memcpy(f + ETH_ALEN, src, ETH_ALEN);
	put16(f + 12, type);
}

/*
 * "Who has 10.0.2.2? Tell 10.0.2.15", broadcast (RFC 826):
 *
 *   0 htype 1 (Ethernet)   2 ptype 0x0800   4 hlen 6   5 plen 4   6 oper
 *   8 sender MAC   14 sender IP   18 target MAC   24 target IP
 */
static size_t build_arp_request(uint8_t *f, const uint8_t *mac)
{
	uint8_t *a = f + ETH_HLEN;

	eth_header(f, broadcast, mac, ETH_P_ARP);
	put16(a, 1);
	put16(a + 2, ETH_P_IP);
	a[4] = ETH_ALEN;
	a[5] = 4;
	put16(a + 6, ARP_REQUEST);
	memcpy(a + 8, mac, ETH_ALEN);
	memcpy(a + 14, guest_ip, 4);
	memset(a + 18, 0, ETH_ALEN);
	memcpy(a + 24, gateway_ip, 4);
	return ETH_HLEN + ARP_LEN;
}

/* Is @f the gateway's answer to us? Its MAC goes to @gw_mac. */
static bool is_arp_reply(const uint8_t *f, size_t len, const uint8_t *mac, uint8_t *gw_mac)
{
	const uint8_t *a = f + ETH_HLEN;

	if (len < ETH_HLEN + ARP_LEN || get16(f + 12) != ETH_P_ARP)
		return false;
	if (get16(a) != 1 || get16(a + 2) != ETH_P_IP || a[4] != ETH_ALEN || a[5] != 4 ||
	    get16(a + 6) != ARP_REPLY)
		return false;
	if (memcmp(a + 14, gateway_ip, 4) || memcmp(a + 24, guest_ip, 4))
		return false;
	/* Addressed to us, in the Ethernet header and in the ARP body. */
	if (memcmp(f, mac, ETH_ALEN) || memcmp(a + 18, mac, ETH_ALEN))
		return false;
	/* The sender's MAC is a unicast address, the one the frame came from. */
	if ((a[8] & 1) || memcmp(a + 8, f + ETH_ALEN, ETH_ALEN))
		return false;
	memcpy(gw_mac, a + 8, ETH_ALEN);
	return true;
}

static uint8_t ping_byte(uint16_t id, uint16_t seq, unsigned int i)
{
	return (uint8_t)(seq * 7 + i * 13 + id);
}

/*
 * An ICMP echo request (RFC 792) in IPv4 (RFC 791) from 10.0.2.15 to
 * 10.0.2.2, both checksums computed here:
 *
 *   IPv4: 0 ver/ihl 0x45  1 tos  2 total length  4 id  6 flags/fragment
 *         8 ttl  9 protocol  10 header checksum  12 source  16 destination
 *   ICMP: 0 type  1 code  2 checksum  4 identifier  6 sequence  8 payload
 */
static size_t build_echo(uint8_t *f, const uint8_t *mac, const uint8_t *gw_mac,
			 uint16_t id, uint16_t seq)
{
	uint8_t *ip = f + ETH_HLEN, *icmp = ip + IP_HLEN;

	eth_header(f, gw_mac, mac, ETH_P_IP);
	memset(ip, 0, IP_HLEN);
	ip[0] = 0x45;
	put16(ip + 2, IP_HLEN + ICMP_HLEN + PING_PAYLOAD);
	put16(ip + 4, seq);
	ip[8] = 64;
	ip[9] = IPPROTO_ICMP;
	memcpy(ip + 12, guest_ip, 4);
	memcpy(ip + 16, gateway_ip, 4);
	put16(ip + 10, inet_csum(ip, IP_HLEN));

	icmp[0] = ICMP_ECHO;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, id);
	put16(icmp + 6, seq);
	for (unsigned int i = 0; i < PING_PAYLOAD; i++)
		icmp[ICMP_HLEN + i] = ping_byte(id, seq, i);
	put16(icmp + 2, inet_csum(icmp, ICMP_HLEN + PING_PAYLOAD));
	return PING_LEN;
}

/*
 * Is @f the echo reply to our request @id? Everything is checked: the
 * Ethernet addresses, the IPv4 header and its checksum, the ICMP checksum,
 * identifier and payload. The sequence number goes to @seq.
 */
static bool is_echo_reply(const uint8_t *f, size_t len, const uint8_t *mac,
			  const uint8_t *gw_mac, uint16_t id, uint16_t *seq)
{
	const uint8_t *ip = f + ETH_HLEN, *icmp = ip + IP_HLEN;

	if (len < PING_LEN || get16(f + 12) != ETH_P_IP)
		return false;
	if (memcmp(f, mac, ETH_ALEN) || memcmp(f + ETH_ALEN, gw_mac, ETH_ALEN))
		return false;
	if (ip[0] != 0x45 || ip[9] != IPPROTO_ICMP || inet_csum(ip, IP_HLEN) != 0 ||
	    get16(ip + 2) != IP_HLEN + ICMP_HLEN + PING_PAYLOAD)
		return false;
	if (memcmp(ip + 12, gateway_ip, 4) || memcmp(ip + 16, guest_ip, 4))
		return false;
	if (icmp[0] != ICMP_ECHOREPLY || icmp[1] != 0 || get16(icmp + 4) != id ||
	    inet_csum(icmp, ICMP_HLEN + PING_PAYLOAD) != 0)
		return false;
	*seq = get16(icmp + 6);
	for (unsigned int i = 0; i < PING_PAYLOAD; i++)
		if (icmp[ICMP_HLEN + i] != ping_byte(id, *seq, i))
			return false;
	return true;
}

/* ---- capturing what the NIC receives ---- */

/*
 * The receive handler's record, read by the test under cap.lock. The
 * handler runs in the netpoll thread; the test waits in the idle task.
 */
static struct {
	spinlock_t lock;
	const uint8_t *mac;		/* ours */
	uint8_t gw_mac[ETH_ALEN];	/* from the first ARP reply */
	uint16_t echo_id;		/* echo replies to look for */
	unsigned long frames;		/* every frame the handler saw */
	unsigned long arp_replies;
	unsigned long echo_replies;
	unsigned long echo_dups;	/* a sequence number seen twice */
	uint8_t seen[BURST / 8 + 1];	/* sequence numbers replied to */
} cap = { .lock = SPINLOCK_INIT(cap.lock) };

static void capture_rx(struct netdev *dev, const void *frame, size_t len, void *arg)
{
	unsigned long irq = spin_lock_irqsave(&cap.lock);
	uint8_t gw[ETH_ALEN];
	uint16_t seq;

	(void)dev;
	(void)arg;
	cap.frames++;
	if (is_arp_reply(frame, len, cap.mac, gw)) {
		if (!cap.arp_replies++)
			memcpy(cap.gw_mac, gw, ETH_ALEN);
	} else if (cap.arp_replies &&
		   is_echo_reply(frame, len, cap.mac, cap.gw_mac, cap.echo_id, &seq) &&
		   seq < BURST) {
		if (cap.seen[seq / 8] & (1u << (seq % 8)))
			cap.echo_dups++;
		cap.seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
		cap.echo_replies++;
	}
	spin_unlock_irqrestore(&cap.lock, irq);
}

static void capture_start(struct netdev *dev, uint16_t echo_id)
{
	unsigned long irq = spin_lock_irqsave(&cap.lock);

	cap.mac = dev->mac;
	cap.echo_id = echo_id;
	cap.frames = cap.arp_replies = cap.echo_replies = cap.echo_dups = 0;
	memset(cap.seen, 0, sizeof(cap.seen));
	spin_unlock_irqrestore(&cap.lock, irq);
	net_eth_hold(dev);		/* lwIP neither sends nor receives meanwhile */
	netdev_set_rx_handler(dev, capture_rx, NULL);
}

static void capture_stop(struct netdev *dev)
{
	net_eth_release(dev);		/* lwIP's receive handler back */
}

static unsigned long cap_read(const unsigned long *field)
{
	unsigned long irq = spin_lock_irqsave(&cap.lock);
	unsigned long v = *field;

	spin_unlock_irqrestore(&cap.lock, irq);
	return v;
}

/* Let other tasks run until *@field reaches @want or @ns pass. */
static bool wait_for(const unsigned long *field, unsigned long want, uint64_t ns)
{
	uint64_t end = clock_ns() + ns;

	while (cap_read(field) < want) {
		if (clock_ns() > end)
			return false;
		schedule_timeout(1000000);
	}
	return true;
}

/*
 * ARP for the gateway (one request a second until answered): true with
 * cap.gw_mac filled in. Capturing must have started.
 */
static bool resolve_gateway(struct netdev *dev)
{
	uint8_t f[ETH_HLEN + ARP_LEN];
	size_t len = build_arp_request(f, dev->mac);

	for (unsigned int tries = 0; tries < WAIT_NS / NSEC_PER_SEC; tries++) {
		if (netdev_xmit(dev, f, len, NETDEV_XMIT_WAIT))
			return false;
		if (wait_for(&cap.arp_replies, 1, NSEC_PER_SEC))
			return true;
	}
	return false;
}

/* Interrupts taken on the vectors PCI devices get (0x30..0xef, arch/irq.h). */
static unsigned long pci_vector_irqs(void)
{
	unsigned long n = 0;

	for (unsigned int v = 0x30; v <= 0xef; v++)
		n += irq_count(v);
	return n;
}

/* Active objects of the transmit-buffer cache, or -1 if there is none. */
static long tx_buffers_alive(void)
{
	size_t n = slab_snapshot(NULL, 0);
	struct slab_stat *st = kmalloc(n * sizeof(*st), 0);
	long alive = -1;

	if (!st)
		return -1;
	n = MIN(n, slab_snapshot(st, n));
	for (size_t i = 0; i < n; i++)
		if (strcmp(st[i].name, VIRTIO_NET_TX_CACHE) == 0)
			alive = (long)st[i].active_objs;
	kfree(st);
	return alive;
}

static void stats_snapshot(struct netdev *dev, struct netdev_stats *s)
{
	s->rx_packets = netdev_stat_read(&dev->stats.rx_packets);
	s->rx_bytes = netdev_stat_read(&dev->stats.rx_bytes);
	s->rx_dropped = netdev_stat_read(&dev->stats.rx_dropped);
	s->rx_errors = netdev_stat_read(&dev->stats.rx_errors);
	s->tx_packets = netdev_stat_read(&dev->stats.tx_packets);
	s->tx_bytes = netdev_stat_read(&dev->stats.tx_bytes);
	s->tx_dropped = netdev_stat_read(&dev->stats.tx_dropped);
	s->tx_errors = netdev_stat_read(&dev->stats.tx_errors);
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
	unsigned long errors, packets;
	struct pci_dev *p = NULL;
	uint8_t f[ETH_HLEN + ETH_DATA_LEN + 1];

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

	errors = netdev_stat_read(&dev->stats.tx_errors);
	packets = netdev_stat_read(&dev->stats.tx_packets);
	memset(f, 0, sizeof(f));
	KT_ASSERT_EQ(netdev_xmit(dev, f, ETH_HLEN - 1, NETDEV_XMIT_NOWAIT), -EMSGSIZE);
	KT_ASSERT_EQ(netdev_xmit(dev, f, sizeof(f), NETDEV_XMIT_NOWAIT), -EMSGSIZE);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.tx_errors), errors + 2);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.tx_packets), packets);
	return KT_PASS;
}

/* ARP "who has 10.0.2.2" gets slirp's answer, addressed to our MAC. */
KTEST(virtio_net_arp_gateway)
{
	struct netdev *dev = test_nic();
	unsigned long rx, tx;
	bool ok;

	NEED_NIC(dev);
	rx = netdev_stat_read(&dev->stats.rx_packets);
	tx = netdev_stat_read(&dev->stats.tx_packets);
	capture_start(dev, 0);
	ok = resolve_gateway(dev);
	capture_stop(dev);
	KT_ASSERT(ok);
	/* A unicast MAC that is not ours (QEMU's slirp uses 52:55:0a:00:02:02). */
	KT_ASSERT(!(cap.gw_mac[0] & 1));
	KT_ASSERT(memcmp(cap.gw_mac, dev->mac, ETH_ALEN) != 0);
	/* The request was counted as sent, the reply as received. */
	KT_ASSERT(netdev_stat_read(&dev->stats.tx_packets) >= tx + 1);
	KT_ASSERT(netdev_stat_read(&dev->stats.rx_packets) >= rx + 1);
	return KT_PASS;
}

/* One ICMP echo to 10.0.2.2 comes back with our id, sequence and payload. */
KTEST(virtio_net_icmp_echo)
{
	const uint16_t id = 0x5047;
	struct netdev *dev = test_nic();
	uint8_t f[PING_LEN];
	bool ok = false;

	NEED_NIC(dev);
	capture_start(dev, id);
	if (resolve_gateway(dev)) {
		build_echo(f, dev->mac, cap.gw_mac, id, 1);
		ok = netdev_xmit(dev, f, sizeof(f), NETDEV_XMIT_WAIT) == 0 &&
		     wait_for(&cap.echo_replies, 1, WAIT_NS);
	}
	capture_stop(dev);
	KT_ASSERT(ok);
	KT_ASSERT_EQ(cap.echo_replies, 1);
	KT_ASSERT(cap.seen[0] & (1u << 1));	/* sequence 1 */
	return KT_PASS;
}

/*
 * BURST echo requests as fast as the TX ring takes them (the sender waits
 * for free slots, so the ring fills and completions must be reclaimed to
 * go on): every frame is sent and counted, every reply arrives exactly
 * once (the RX ring, smaller than the burst, is refilled as it goes), the
 * counters agree with what the handler saw, completions came by
 * interrupt, and afterwards no transmit buffer is alive and not one page
 * is missing.
 */
KTEST(virtio_net_tx_burst)
{
	const uint16_t id = 0x4255;
	struct netdev *dev = test_nic();
	struct netdev_stats before;
	unsigned long free_before, irqs, frames;
	uint8_t f[PING_LEN];
	int err = 0;

	NEED_NIC(dev);
	capture_start(dev, id);
	if (!resolve_gateway(dev)) {
		capture_stop(dev);
		KT_ASSERT(!"gateway did not answer ARP");
	}
	/* Wait out the request's completion, then take the baseline. */
	for (uint64_t end = clock_ns() + WAIT_NS;
	     tx_buffers_alive() != 0 && clock_ns() < end; )
		schedule_timeout(1000000);
	KT_ASSERT_EQ(tx_buffers_alive(), 0);
	free_before = pmm_free_pages();
	irqs = pci_vector_irqs();
	frames = cap_read(&cap.frames);
	stats_snapshot(dev, &before);

	for (uint16_t seq = 0; seq < BURST && !err; seq++) {
		build_echo(f, dev->mac, cap.gw_mac, id, seq);
		err = netdev_xmit(dev, f, sizeof(f), NETDEV_XMIT_WAIT);
	}
	KT_ASSERT_EQ(err, 0);
	KT_ASSERT(wait_for(&cap.echo_replies, BURST, WAIT_NS));
	/* Every completion taken back by the TX interrupt (or the next xmit). */
	for (uint64_t end = clock_ns() + WAIT_NS;
	     netdev_stat_read(&dev->stats.tx_packets) < before.tx_packets + BURST &&
	     clock_ns() < end; )
		schedule_timeout(1000000);
	capture_stop(dev);

	KT_ASSERT_EQ(cap.echo_replies, BURST);
	KT_ASSERT_EQ(cap.echo_dups, 0);
	for (unsigned int seq = 0; seq < BURST; seq++)
		KT_ASSERT(cap.seen[seq / 8] & (1u << (seq % 8)));
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.tx_packets), before.tx_packets + BURST);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.tx_bytes),
		     before.tx_bytes + (unsigned long)BURST * PING_LEN);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.tx_dropped), before.tx_dropped);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.tx_errors), before.tx_errors);
	/* Received: exactly what the handler saw (the replies, maybe more). */
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.rx_packets) - before.rx_packets,
		     cap.frames - frames);
	KT_ASSERT(netdev_stat_read(&dev->stats.rx_bytes) - before.rx_bytes >=
		  (unsigned long)BURST * PING_LEN);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.rx_dropped), before.rx_dropped);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.rx_errors), before.rx_errors);
	KT_ASSERT(pci_vector_irqs() > irqs);
	KT_ASSERT_EQ(tx_buffers_alive(), 0);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}
