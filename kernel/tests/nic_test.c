/*
 * nic_test.c - the NIC ktests' shared helpers and test bodies (API and
 * the network they expect: nic_test.h). Frames are built and checked byte
 * for byte: an ARP reply must come from 10.0.2.2 and be addressed to our
 * MAC and address; an echo reply must carry valid IPv4 and ICMP checksums
 * and our identifier, sequence and payload.
 */
#include "kernel/tests/nic_test.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/net/net.h"
#include "kernel/sched.h"
#include "kernel/time.h"
#include "kernel/wait.h"
#include "mm/page_alloc.h"
#include <arch/irq.h>

#define ETH_P_IP		0x0800
#define ETH_P_ARP		0x0806
#define ARP_REQUEST		1
#define ARP_REPLY		2
#define IPPROTO_ICMP		1
#define ICMP_ECHOREPLY		0
#define ICMP_ECHO		8

static const uint8_t broadcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t guest_ip[4] = { 10, 0, 2, 15 };
static const uint8_t gateway_ip[4] = { 10, 0, 2, 2 };

const uint8_t qemu_default_mac[ETH_ALEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

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
size_t nic_build_arp_request(uint8_t *f, const uint8_t *mac)
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
size_t nic_build_echo(uint8_t *f, const uint8_t *mac, const uint8_t *gw_mac,
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

struct nic_capture nic_cap = { .lock = SPINLOCK_INIT(nic_cap.lock) };

static void capture_rx(struct netdev *dev, const void *frame, size_t len, void *arg)
{
	unsigned long irq = spin_lock_irqsave(&nic_cap.lock);
	uint8_t gw[ETH_ALEN];
	uint16_t seq;

	(void)dev;
	(void)arg;
	if (!frame) {			/* the end of a poll batch */
		spin_unlock_irqrestore(&nic_cap.lock, irq);
		return;
	}
	nic_cap.frames++;
	if (is_arp_reply(frame, len, nic_cap.mac, gw)) {
		if (!nic_cap.arp_replies++)
			memcpy(nic_cap.gw_mac, gw, ETH_ALEN);
	} else if (nic_cap.arp_replies &&
		   is_echo_reply(frame, len, nic_cap.mac, nic_cap.gw_mac, nic_cap.echo_id, &seq) &&
		   seq < BURST) {
		if (nic_cap.seen[seq / 8] & (1u << (seq % 8)))
			nic_cap.echo_dups++;
		nic_cap.seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
		nic_cap.echo_replies++;
	}
	spin_unlock_irqrestore(&nic_cap.lock, irq);
}

void nic_capture_start(struct netdev *dev, uint16_t echo_id)
{
	unsigned long irq = spin_lock_irqsave(&nic_cap.lock);

	nic_cap.mac = dev->mac;
	nic_cap.echo_id = echo_id;
	nic_cap.frames = nic_cap.arp_replies = nic_cap.echo_replies = nic_cap.echo_dups = 0;
	memset(nic_cap.seen, 0, sizeof(nic_cap.seen));
	spin_unlock_irqrestore(&nic_cap.lock, irq);
	net_eth_hold(dev);		/* lwIP neither sends nor receives meanwhile */
	netdev_set_rx_handler(dev, capture_rx, NULL);
}

void nic_capture_stop(struct netdev *dev)
{
	net_eth_release(dev);		/* lwIP's receive handler back */
}

unsigned long nic_cap_read(const unsigned long *field)
{
	unsigned long irq = spin_lock_irqsave(&nic_cap.lock);
	unsigned long v = *field;

	spin_unlock_irqrestore(&nic_cap.lock, irq);
	return v;
}

/* Let other tasks run until *@field reaches @want or @ns pass. */
bool nic_wait_for(const unsigned long *field, unsigned long want, uint64_t ns)
{
	uint64_t end = clock_ns() + ns;

	while (nic_cap_read(field) < want) {
		if (clock_ns() > end)
			return false;
		schedule_timeout(1000000);
	}
	return true;
}

/*
 * ARP for the gateway (one request a second until answered): true with
 * nic_cap.gw_mac filled in. Capturing must have started.
 */
bool nic_resolve_gateway(struct netdev *dev)
{
	uint8_t f[ETH_HLEN + ARP_LEN];
	size_t len = nic_build_arp_request(f, dev->mac);

	for (unsigned int tries = 0; tries < WAIT_NS / NSEC_PER_SEC; tries++) {
		if (netdev_xmit(dev, f, len, NETDEV_XMIT_WAIT))
			return false;
		if (nic_wait_for(&nic_cap.arp_replies, 1, NSEC_PER_SEC))
			return true;
	}
	return false;
}

/* Interrupts taken on the vectors PCI devices get (0x30..0xef, arch/irq.h). */
unsigned long nic_pci_vector_irqs(void)
{
	unsigned long n = 0;

	for (unsigned int v = 0x30; v <= 0xef; v++)
		n += irq_count(v);
	return n;
}

void nic_stats_snapshot(struct netdev *dev, struct netdev_stats *s)
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

/* ---- the shared test bodies (nic_test.h) ---- */

int nic_test_bad_lengths(struct netdev *dev)
{
	static uint8_t f[ETH_HLEN + ETH_DATA_LEN + 1];
	unsigned long errors = netdev_stat_read(&dev->stats.tx_errors);
	unsigned long packets = netdev_stat_read(&dev->stats.tx_packets);

	memset(f, 0, sizeof(f));
	KT_ASSERT_EQ(netdev_xmit(dev, f, ETH_HLEN - 1, NETDEV_XMIT_NOWAIT), -EMSGSIZE);
	KT_ASSERT_EQ(netdev_xmit(dev, f, sizeof(f), NETDEV_XMIT_NOWAIT), -EMSGSIZE);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.tx_errors), errors + 2);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.tx_packets), packets);
	return KT_PASS;
}

int nic_test_arp_gateway(struct netdev *dev)
{
	unsigned long rx, tx;
	bool ok;

	rx = netdev_stat_read(&dev->stats.rx_packets);
	tx = netdev_stat_read(&dev->stats.tx_packets);
	nic_capture_start(dev, 0);
	ok = nic_resolve_gateway(dev);
	nic_capture_stop(dev);
	KT_ASSERT(ok);
	/* A unicast MAC that is not ours (QEMU's slirp uses 52:55:0a:00:02:02). */
	KT_ASSERT(!(nic_cap.gw_mac[0] & 1));
	KT_ASSERT(memcmp(nic_cap.gw_mac, dev->mac, ETH_ALEN) != 0);
	/* The request was counted as sent, the reply as received. */
	KT_ASSERT(netdev_stat_read(&dev->stats.tx_packets) >= tx + 1);
	KT_ASSERT(netdev_stat_read(&dev->stats.rx_packets) >= rx + 1);
	return KT_PASS;
}

int nic_test_icmp_echo(struct netdev *dev, uint16_t id)
{
	uint8_t f[PING_LEN];
	bool ok = false;

	nic_capture_start(dev, id);
	if (nic_resolve_gateway(dev)) {
		nic_build_echo(f, dev->mac, nic_cap.gw_mac, id, 1);
		ok = netdev_xmit(dev, f, sizeof(f), NETDEV_XMIT_WAIT) == 0 &&
		     nic_wait_for(&nic_cap.echo_replies, 1, WAIT_NS);
	}
	nic_capture_stop(dev);
	KT_ASSERT(ok);
	KT_ASSERT_EQ(nic_cap.echo_replies, 1);
	KT_ASSERT(nic_cap.seen[0] & (1u << 1));	/* sequence 1 */
	return KT_PASS;
}

/* Send echo @seq to the gateway, first letting replies catch up to @window. */
static int send_echo(struct netdev *dev, uint16_t id, uint16_t seq, unsigned int window)
{
	uint8_t f[PING_LEN];

	if (window && seq >= window &&
	    !nic_wait_for(&nic_cap.echo_replies, seq - window + 1u, WAIT_NS))
		return -ETIMEDOUT;
	nic_build_echo(f, dev->mac, nic_cap.gw_mac, id, seq);
	return netdev_xmit(dev, f, sizeof(f), NETDEV_XMIT_WAIT);
}

int nic_test_tx_burst(struct netdev *dev, uint16_t id, unsigned int window,
		      long (*tx_pending)(struct netdev *),
		      unsigned long (*irqs_taken)(struct netdev *))
{
	struct netdev_stats before;
	unsigned long free_before = 0, irqs = 0, frames = 0;
	long pending_before;
	bool resolved, all_replies = false;
	int err = 0;

	nic_capture_start(dev, id);
	resolved = nic_resolve_gateway(dev);
	/* Wait out the request's completion, then take the baseline. */
	for (uint64_t end = clock_ns() + WAIT_NS;
	     tx_pending(dev) != 0 && clock_ns() < end; )
		schedule_timeout(1000000);
	pending_before = tx_pending(dev);
	if (resolved && pending_before == 0) {
		free_before = pmm_free_pages();
		irqs = irqs_taken(dev);
		frames = nic_cap_read(&nic_cap.frames);
		nic_stats_snapshot(dev, &before);
		for (uint16_t seq = 0; seq < BURST && !err; seq++)
			err = send_echo(dev, id, seq, window);
		all_replies = !err && nic_wait_for(&nic_cap.echo_replies, BURST, WAIT_NS);
		/* Every completion taken back after a TX interrupt (or by the next xmit). */
		for (uint64_t end = clock_ns() + WAIT_NS;
		     netdev_stat_read(&dev->stats.tx_packets) < before.tx_packets + BURST &&
		     clock_ns() < end; )
			schedule_timeout(1000000);
	}
	nic_capture_stop(dev);		/* lwIP gets the NIC back whatever happened */

	KT_ASSERT(resolved);
	KT_ASSERT_EQ(pending_before, 0);
	KT_ASSERT_EQ(err, 0);
	KT_ASSERT(all_replies);
	KT_ASSERT_EQ(nic_cap.echo_replies, BURST);
	KT_ASSERT_EQ(nic_cap.echo_dups, 0);
	for (unsigned int seq = 0; seq < BURST; seq++)
		KT_ASSERT(nic_cap.seen[seq / 8] & (1u << (seq % 8)));
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.tx_packets), before.tx_packets + BURST);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.tx_bytes),
		     before.tx_bytes + (unsigned long)BURST * PING_LEN);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.tx_dropped), before.tx_dropped);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.tx_errors), before.tx_errors);
	/* Received: exactly what the handler saw (the replies, maybe more). */
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.rx_packets) - before.rx_packets,
		     nic_cap.frames - frames);
	KT_ASSERT(netdev_stat_read(&dev->stats.rx_bytes) - before.rx_bytes >=
		  (unsigned long)BURST * PING_LEN);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.rx_dropped), before.rx_dropped);
	KT_ASSERT_EQ(netdev_stat_read(&dev->stats.rx_errors), before.rx_errors);
	KT_ASSERT(irqs_taken(dev) > irqs);
	KT_ASSERT_EQ(tx_pending(dev), 0);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}
