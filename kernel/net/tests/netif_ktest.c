/*
 * netif_ktest.c - lwIP on a real NIC (kernel/net/lwip/netif_eth.c): the
 * ip= option's parser, eth0's DHCP lease, an ICMP echo to the gateway
 * through lwIP with the ARP entry it leaves, and a static address brought
 * up and taken back at run time.
 *
 * They need eth0 on QEMU's user-mode network, as the harness's net-virtio
 * boot gives (-netdev user,restrict=on -device virtio-net-pci), and skip
 * without it. What slirp does there:
 *
 *   DHCP server 10.0.2.2 leases 10.0.2.15/24. With restrict=on it offers
 *   no router (and no DNS server): the lease has no gateway, which the
 *   DHCP test checks; the gateway 10.0.2.2 is tested with the static
 *   configuration instead.
 *   10.0.2.2 answers ARP and ICMP echo by itself.
 *
 * The only traffic sent: DHCP (broadcast, and its release to 10.0.2.2),
 * lwIP's ARP for 10.0.2.2 and for its own address, and ICMP echo requests
 * to 10.0.2.2. Never DNS.
 *
 * Each test waits for the address it needs itself, so they do not depend
 * on the order they run in (the runner sorts them by name).
 */
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/icmp.h"
#include "lwip/raw.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "kernel/cmdline.h"
#include "kernel/drivers/netdev.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "actor.h"
#include "netif_eth.h"

#define ADDR_WAIT_S	60		/* slirp's DHCP, generous under TCG */
#define PING_COUNT	3
#define PING_PAYLOAD	56
#define PING_ID		0x7e51

static const uint8_t guest_quad[4] = { 10, 0, 2, 15 };
static const uint8_t gateway_quad[4] = { 10, 0, 2, 2 };
static const uint8_t zero_quad[4];
static const ip_addr_t gateway_ip = IPADDR4_INIT_BYTES(10, 0, 2, 2);

/* eth0 with its link up and an lwIP netif, or NULL (the test skips). */
static struct netif *test_netif(void)
{
	struct netdev *dev = netdev_get("eth0");

	if (!dev || !READ_ONCE(dev->link_up))
		return NULL;
	if (wait_net_ready() != KT_PASS)
		return NULL;
	/* The tcpip thread adds the netifs before net_ready() turns true. */
	return net_eth_netif("eth0");
}

#define NEED_NETIF(n)								\
	do {									\
		if (!(n))							\
			KT_SKIP("no eth0 with link up and an lwIP netif (boot with "	\
				"-netdev user -device virtio-net-pci: net-virtio)");	\
	} while (0)

/* ---- the ip= parser ---- */

KTEST(net_ip_config_parse)
{
	static const char *const bad[] = {
		"", "10.0.2.15", "10.0.2.15/24", "10.0.2.15/24:", "10.0.2.15:10.0.2.2",
		"10.0.2.15/0:10.0.2.2", "10.0.2.15/33:10.0.2.2", "10.0.2.256/24:10.0.2.2",
		"10.0.2/24:10.0.2.2", "10.0.2.15.1/24:10.0.2.2", "10.0.2.15/24:10.0.3.2",
		"10.0.2.15/24:10.0.2.15", "0.0.0.0/24:0.0.0.1", "10.0.2.15/24:10.0.2.2 ",
		" 10.0.2.15/24:10.0.2.2", "10.0.2.15/024:10.0.2.2x", "10.0.2.0015/24:10.0.2.2",
		"10.0.2.15/-1:10.0.2.2", "a.b.c.d/24:10.0.2.2",
	};
	struct net_ip_config c;

	KT_ASSERT_EQ(net_parse_ip_config("10.0.2.15/24:10.0.2.2", &c), 0);
	KT_ASSERT(c.is_static && c.prefix == 24);
	KT_ASSERT(memcmp(c.addr, guest_quad, 4) == 0 && memcmp(c.gw, gateway_quad, 4) == 0);
	KT_ASSERT_EQ(net_parse_ip_config("192.168.200.7/16:192.168.0.1", &c), 0);
	KT_ASSERT(c.prefix == 16 && c.addr[2] == 200 && c.addr[3] == 7 && c.gw[3] == 1);
	KT_ASSERT_EQ(net_parse_ip_config("172.16.0.9/32:172.16.0.8", &c), -EINVAL);
	KT_ASSERT_EQ(net_parse_ip_config("1.2.3.4/8:1.255.255.254", &c), 0);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.prefix = 99;
		if (net_parse_ip_config(bad[i], &c) != -EINVAL || c.prefix != 99) {
			ktest_fail_reason(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
			return KT_FAIL;
		}
	}
	return KT_PASS;
}

/* ---- waiting for an address ---- */

/* In an actor: wait until eth0 has an address (DHCP's or static), fill @info. */
static int wait_address(struct actor *a, struct net_eth_info *info, bool want_dhcp)
{
	uint64_t end = clock_ns() + (uint64_t)ADDR_WAIT_S * NSEC_PER_SEC;

	for (;;) {
		A_CHECK(a, net_eth_info("eth0", info) == 0, 0);
		if (memcmp(info->addr, zero_quad, 4) != 0 && (!want_dhcp || info->dhcp_bound))
			return 0;
		A_CHECK(a, clock_ns() < end, ADDR_WAIT_S);
		sys_msleep(50);
	}
}

static struct net_eth_info dhcp_info;
static ip4_addr_t dhcp_server;

static int dhcp_actor(struct actor *a)
{
	struct netif *netif = a->arg;

	if (wait_address(a, &dhcp_info, true))
		return -1;
	LOCK_TCPIP_CORE();
	if (netif_dhcp_data(netif))
		ip4_addr_copy(dhcp_server, *ip_2_ip4(&netif_dhcp_data(netif)->server_ip_addr));
	UNLOCK_TCPIP_CORE();
	return 0;
}

/* (a) DHCP binds eth0 to 10.0.2.15/24; slirp (restricted) offers no gateway. */
KTEST(net_eth_dhcp)
{
	struct netif *netif = test_netif();
	struct actor a = { .fn = dhcp_actor };

	NEED_NETIF(netif);
	if (cmdline_has("ip"))
		KT_SKIP("eth0 is configured statically by the ip= option");
	a.arg = netif;
	KT_ASSERT(actor_start(&a, "kt-dhcp"));
	YIELD_UNTIL(a.done, ADDR_WAIT_S + 10);
	KT_ACTOR_OK(&a);
	KT_ASSERT(dhcp_info.dhcp_bound && dhcp_info.up && dhcp_info.link_up);
	KT_ASSERT(memcmp(dhcp_info.addr, guest_quad, 4) == 0);
	KT_ASSERT_EQ(dhcp_info.prefix, 24);
	KT_ASSERT(memcmp(dhcp_info.gw, zero_quad, 4) == 0);	/* restrict=on: no router option */
	KT_ASSERT(dhcp_info.is_default);
	KT_ASSERT(ip4_addr1(&dhcp_server) == 10 && ip4_addr2(&dhcp_server) == 0 &&
		  ip4_addr3(&dhcp_server) == 2 && ip4_addr4(&dhcp_server) == 2);
	/* lwIP's own name: lo0 came first (see netif_eth.c). */
	KT_ASSERT(strcmp(dhcp_info.lwip_name, "et1") == 0);
	return KT_PASS;
}

/* ---- ICMP echo through lwIP's raw API ---- */

struct ping {
	sys_sem_t got;			/* signalled for each good reply */
	uint16_t want_seq;		/* core lock */
	uint16_t replied_seq;		/* core lock: last good reply */
	int bad;			/* core lock: malformed replies with our id */
	uint8_t src_mac[ETH_HWADDR_LEN];	/* core lock: the reply's sender */
};

static uint8_t ping_byte(uint16_t seq, unsigned int i)
{
	return (uint8_t)(seq * 31 + i * 7 + 1);
}

/* raw_recv callback: tcpip thread, core lock held; @p starts at the IP header. */
static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct ping *pg = arg;
	uint8_t icmp[sizeof(struct icmp_echo_hdr) + PING_PAYLOAD];
	const struct icmp_echo_hdr *h = (const void *)icmp;
	struct eth_hdr eth;
	u16_t hlen, seq;

	(void)pcb;
	if (p->tot_len < 20)
		return 0;
	hlen = (u16_t)((pbuf_get_at(p, 0) & 0x0f) * 4);
	if (p->tot_len != hlen + sizeof(icmp) ||
	    pbuf_copy_partial(p, icmp, sizeof(icmp), hlen) != sizeof(icmp) ||
	    h->type != ICMP_ER || lwip_ntohs(h->id) != PING_ID)
		return 0;			/* not ours: lwIP's ICMP takes it */
	seq = lwip_ntohs(h->seqno);
	if (h->code != 0 || inet_chksum(icmp, sizeof(icmp)) != 0 ||
	    !ip_addr_cmp(addr, &gateway_ip))
		goto bad;
	for (unsigned int i = 0; i < PING_PAYLOAD; i++)
		if (icmp[sizeof(*h) + i] != ping_byte(seq, i))
			goto bad;
	/* The Ethernet header is still in front of the IP header. */
	if (pbuf_add_header(p, SIZEOF_ETH_HDR) != 0)
		goto bad;
	pbuf_copy_partial(p, &eth, sizeof(eth), 0);
	pbuf_remove_header(p, SIZEOF_ETH_HDR);
	if (seq == pg->want_seq && pg->replied_seq != seq) {
		memcpy(pg->src_mac, eth.src.addr, ETH_HWADDR_LEN);
		pg->replied_seq = seq;
		sys_sem_signal(&pg->got);
	}
	pbuf_free(p);
	return 1;
bad:
	pg->bad++;
	pbuf_free(p);
	return 1;
}

static struct pbuf *ping_request(uint16_t seq)
{
	struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr) + PING_PAYLOAD,
				    PBUF_RAM);
	struct icmp_echo_hdr *h;
	uint8_t *data;

	if (!p)
		return NULL;
	h = p->payload;
	data = (uint8_t *)(h + 1);
	h->type = ICMP_ECHO;
	h->code = 0;
	h->chksum = 0;
	h->id = lwip_htons(PING_ID);
	h->seqno = lwip_htons(seq);
	for (unsigned int i = 0; i < PING_PAYLOAD; i++)
		data[i] = ping_byte(seq, i);
	h->chksum = inet_chksum(h, p->len);
	return p;
}

/*
 * In an actor: PING_COUNT echoes to 10.0.2.2 through lwIP, each answered
 * (a request is sent again after 2 s without a reply, at most 5 times:
 * the first waits for ARP). Then lwIP's ARP table must hold 10.0.2.2 with
 * the MAC the replies came from. Returns 0 or -1 (recorded in @a).
 */
static int ping_gateway(struct actor *a, struct netif *netif, uint16_t first_seq)
{
	static struct ping pg;
	const ip_addr_t gw = gateway_ip;
	struct eth_addr *arp_mac = NULL;
	const ip4_addr_t *arp_ip = NULL;
	struct raw_pcb *pcb;
	ssize_t idx;
	int ok = 0, bad;

	memset(&pg, 0, sizeof(pg));
	A_CHECK(a, sys_sem_new(&pg.got, 0) == ERR_OK, 0);
	LOCK_TCPIP_CORE();
	pcb = raw_new(IP_PROTO_ICMP);
	if (pcb)
		raw_recv(pcb, ping_recv, &pg);
	UNLOCK_TCPIP_CORE();
	A_CHECK(a, pcb != NULL, 0);

	for (uint16_t n = 0; n < PING_COUNT; n++) {
		uint16_t seq = (uint16_t)(first_seq + n);
		bool answered = false;

		for (int tries = 0; tries < 5 && !answered; tries++) {
			struct pbuf *p = ping_request(seq);
			err_t err = ERR_MEM;

			if (p) {
				LOCK_TCPIP_CORE();
				pg.want_seq = seq;
				err = raw_sendto(pcb, p, &gw);
				UNLOCK_TCPIP_CORE();
				pbuf_free(p);
			}
			if (err != ERR_OK)
				break;
			answered = sys_arch_sem_wait(&pg.got, 2000) != SYS_ARCH_TIMEOUT;
		}
		ok += answered;
	}

	LOCK_TCPIP_CORE();
	raw_remove(pcb);
	bad = pg.bad;
	idx = etharp_find_addr(netif, ip_2_ip4(&gw), &arp_mac, &arp_ip);
	if (idx >= 0 && memcmp(arp_mac->addr, pg.src_mac, ETH_HWADDR_LEN) != 0)
		idx = -100;			/* in the table, with another MAC */
	UNLOCK_TCPIP_CORE();
	sys_sem_free(&pg.got);

	A_CHECK(a, bad == 0, bad);
	A_CHECK(a, ok == PING_COUNT, ok);
	/* (c) ARP: 10.0.2.2 learnt with the MAC that answered, a unicast one. */
	A_CHECK(a, idx >= 0, idx);
	A_CHECK(a, !(pg.src_mac[0] & 1), pg.src_mac[0]);
	A_CHECK(a, memcmp(pg.src_mac, netif->hwaddr, ETH_HWADDR_LEN) != 0, 0);
	return 0;
}

static int ping_actor(struct actor *a)
{
	struct net_eth_info info;

	if (wait_address(a, &info, false))
		return -1;
	return ping_gateway(a, a->arg, 1);
}

/* (b) an ICMP echo to 10.0.2.2 through lwIP; (c) the ARP entry it leaves. */
KTEST(net_eth_ping_gateway)
{
	struct netif *netif = test_netif();
	struct actor a = { .fn = ping_actor };

	NEED_NETIF(netif);
	a.arg = netif;
	KT_ASSERT(actor_start(&a, "kt-ping"));
	YIELD_UNTIL(a.done, ADDR_WAIT_S + 60);
	KT_ACTOR_OK(&a);
	return KT_PASS;
}

/* ---- (d) a static address at run time ---- */

static struct net_eth_info static_info, restored_info;
static struct netif *static_route;

static int static_actor(struct actor *a)
{
	struct netif *netif = a->arg;
	struct net_ip_config cfg, boot_cfg = { .is_static = false };
	ip4_addr_t off_link;
	char param[64];

	/* The same path as ip=10.0.2.15/24:10.0.2.2 on the command line. */
	A_CHECK(a, net_parse_ip_config("10.0.2.15/24:10.0.2.2", &cfg) == 0, 0);
	A_CHECK(a, net_eth_configure("eth0", &cfg) == 0, 0);
	A_CHECK(a, net_eth_info("eth0", &static_info) == 0, 0);
	/* Where lwIP would send off-link traffic (a lookup: nothing is sent). */
	IP4_ADDR(&off_link, 192, 0, 2, 1);		/* TEST-NET-1 */
	LOCK_TCPIP_CORE();
	static_route = ip4_route(&off_link);
	UNLOCK_TCPIP_CORE();
	if (ping_gateway(a, netif, 100))
		return -1;

	/* Back to what the boot asked for, and wait for it. */
	if (cmdline_get("ip", param, sizeof(param)))
		A_CHECK(a, net_parse_ip_config(param, &boot_cfg) == 0, 0);
	A_CHECK(a, net_eth_configure("eth0", &boot_cfg) == 0, 0);
	return wait_address(a, &restored_info, !boot_cfg.is_static);
}

KTEST(net_eth_static)
{
	struct netif *netif = test_netif();
	struct actor a = { .fn = static_actor };

	NEED_NETIF(netif);
	a.arg = netif;
	KT_ASSERT(actor_start(&a, "kt-static"));
	YIELD_UNTIL(a.done, 2 * ADDR_WAIT_S + 60);
	KT_ACTOR_OK(&a);
	KT_ASSERT(static_info.up && !static_info.dhcp_bound && static_info.is_default);
	KT_ASSERT(memcmp(static_info.addr, guest_quad, 4) == 0);
	KT_ASSERT_EQ(static_info.prefix, 24);
	KT_ASSERT(memcmp(static_info.gw, gateway_quad, 4) == 0);
	KT_ASSERT(static_route == netif);
	KT_ASSERT(memcmp(restored_info.addr, guest_quad, 4) == 0);
	return KT_PASS;
}
