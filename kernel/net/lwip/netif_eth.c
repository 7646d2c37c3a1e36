/*
 * netif_eth.c - the glue between the NIC drivers (kernel/drivers/netdev.h)
 * and lwIP: one lwIP Ethernet netif per registered netdev, its link state,
 * its address (DHCP or the ip= option) and the default route. The
 * contract is in kernel/net/net.h.
 *
 *   lwIP core (core lock held)              netdev
 *   etharp_output -> eth_linkoutput() ----> netdev_xmit(..., NETDEV_XMIT_WAIT)
 *   tcpip thread: ethernet_input <-- mbox <- eth_rx() <- netpoll thread
 *   tcpip thread: eth_link_sync() <- mbox <- eth_link_changed() <- driver
 *
 * Names. lwIP names a netif with two letters and a number it picks
 * itself, unique over all netifs: lo0 came first, so eth0's netif is
 * "et1", eth1's "et2", and so on. Nothing relies on that number: the
 * kernel finds an interface by its netdev name through eth_find() here,
 * and net_eth_info() reports lwIP's name for diagnostics.
 *
 * Receive. The netpoll thread calls eth_rx() with no lock held; it copies
 * the frame into a pbuf from lwIP's pool, merges in-order TCP segments of
 * one poll batch (eth_gro.c) and hands the result to tcpip_input(),
 * which posts it to the tcpip thread's mailbox (lwipopts.h: input does
 * not take the core lock) - so the netpoll thread never waits for the
 * core lock, which a sender may hold while it waits in eth_linkoutput()
 * for the netpoll thread to free a transmit slot. A full mailbox or pool
 * drops the frame, as a full RX ring would.
 *
 * Transmit. lwIP calls eth_linkoutput() only from its core, with the core
 * lock held; that lock is a mutex in this port (sys_arch.c), so waiting
 * for a free transmit slot (NETDEV_XMIT_WAIT) is allowed there - and no
 * SYS_ARCH_PROTECT section (a spinlock) is ever held around a netif's
 * output. A frame in several pbufs is first copied into the interface's
 * tx_frame, which the core lock guards.
 *
 * Link. The driver's link changes reach lwIP as a callback message posted
 * to the tcpip thread (static, allocated once, so posting works from an
 * interrupt handler); eth_link_sync() then reads the state and calls
 * netif_set_link_up/down, which restarts DHCP on "up".
 */
#include "kernel/net/net.h"
#include "netif_eth.h"
#include "eth_gro.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"
#include "kernel/cmdline.h"
#include "kernel/compiler.h"
#include "kernel/drivers/netdev.h"
#include "kernel/errno.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"
#include "kernel/wait.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

#define NET_ETH_MAX	8		/* interfaces given a netif */

struct eth_if {
	struct netif netif;		/* lwIP's: core lock */
	struct netdev *dev;		/* constant */
	struct tcpip_callback_msg *link_msg;	/* set before attached: posts eth_link_sync */
	uint8_t *tx_frame;		/* core lock: a chained frame made whole */

	spinlock_t lock;		/* guards held, attached and the rx handler's setting */
	bool held;			/* a test owns the NIC (also read atomically) */
	bool attached;			/* the netif exists and may receive */

	unsigned int tx_busy;		/* atomic: eth_linkoutput() calls inside netdev_xmit */
	bool link_pending;		/* atomic: link_msg is in the mailbox */
	unsigned long rx_dropped;	/* atomic: no pbuf or full mailbox */
	struct eth_gro gro;		/* the netpoll thread's: TCP segments being merged */

	struct net_ip_config cfg;	/* core lock: what the interface runs */
	uint32_t announced;		/* core lock: the address last printed, 0: none */
};

/*
 * Filled by net_eth_prepare() on the boot path before the tcpip thread
 * exists, then constant (eth_count is published last).
 */
static struct eth_if *eth_ifs[NET_ETH_MAX];
static unsigned int eth_count;

static struct eth_if *eth_of_dev(struct netdev *dev)
{
	for (unsigned int i = 0; i < READ_ONCE(eth_count); i++)
		if (eth_ifs[i]->dev == dev)
			return eth_ifs[i];
	return NULL;
}

static struct eth_if *eth_find(const char *name)
{
	struct netdev *dev = netdev_get(name);

	return dev ? eth_of_dev(dev) : NULL;
}

/* ---- parsing ip=ADDR/PREFIX:GATEWAY ---- */

/* A decimal number of at most @max at *@s, advancing *@s; -1 if none. */
static long parse_num(const char **s, long max)
{
	long v = 0;
	int digits = 0;

	while (**s >= '0' && **s <= '9') {
		v = v * 10 + (**s - '0');
		(*s)++;
		if (++digits > 3 || v > max)
			return -1;
	}
	return digits ? v : -1;
}

static bool parse_quad(const char **s, uint8_t out[4])
{
	for (int i = 0; i < 4; i++) {
		long v;

		if (i > 0 && *(*s)++ != '.')
			return false;
		v = parse_num(s, 255);
		if (v < 0)
			return false;
		out[i] = (uint8_t)v;
	}
	return true;
}

static uint32_t quad_to_host(const uint8_t q[4])
{
	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

static uint32_t prefix_mask(unsigned int prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

int net_parse_ip_config(const char *s, struct net_ip_config *cfg)
{
	struct net_ip_config c = { .is_static = true };
	uint32_t addr, gw, mask;
	long prefix;

	if (!parse_quad(&s, c.addr) || *s++ != '/')
		return -EINVAL;
	prefix = parse_num(&s, 32);
	if (prefix < 1 || *s++ != ':' || !parse_quad(&s, c.gw) || *s != '\0')
		return -EINVAL;
	c.prefix = (unsigned int)prefix;
	addr = quad_to_host(c.addr);
	gw = quad_to_host(c.gw);
	mask = prefix_mask(c.prefix);
	/* A usable host address, and a gateway we can reach by ARP. */
	if (addr == 0 || gw == addr || (addr & mask) != (gw & mask))
		return -EINVAL;
	*cfg = c;
	return 0;
}

/* ---- lwIP's side: runs with the core lock held ---- */

static void quad_to_ip4(const uint8_t q[4], ip4_addr_t *a)
{
	IP4_ADDR(a, q[0], q[1], q[2], q[3]);
}

static void ip4_to_quad(const ip4_addr_t *a, uint8_t q[4])
{
	q[0] = ip4_addr1(a);
	q[1] = ip4_addr2(a);
	q[2] = ip4_addr3(a);
	q[3] = ip4_addr4(a);
}

static unsigned int mask_prefix(const ip4_addr_t *mask)
{
	uint32_t m = ip4_addr_get_u32(mask);
	unsigned int n = 0;

	for (; m; m &= m - 1)		/* no libgcc popcount in the kernel */
		n++;
	return n;
}

/* The netif's address changed (or it went up or down): say so once. */
static void eth_status_changed(struct netif *netif)
{
	struct eth_if *eif = netif->state;
	uint32_t addr = ip4_addr_get_u32(netif_ip4_addr(netif));
	char a[IP4ADDR_STRLEN_MAX], g[IP4ADDR_STRLEN_MAX];

	if (!netif_is_up(netif) || addr == 0) {
		eif->announced = 0;
		return;
	}
	if (addr == eif->announced)
		return;
	eif->announced = addr;
	ip4addr_ntoa_r(netif_ip4_addr(netif), a, sizeof(a));
	/* QEMU's restricted DHCP server (restrict=on) offers no router. */
	if (ip4_addr_isany(netif_ip4_gw(netif)))
		strlcpy(g, "none", sizeof(g));
	else
		ip4addr_ntoa_r(netif_ip4_gw(netif), g, sizeof(g));
	printk("net: %s %s/%u gw %s (%s)\n", eif->dev->name, a,
	       mask_prefix(netif_ip4_netmask(netif)), g,
	       dhcp_supplied_address(netif) ? "dhcp" : "static");
}

/* Apply eif->cfg: a static address, or a (new) DHCP lease. */
static void eth_apply_config(struct eth_if *eif)
{
	struct netif *netif = &eif->netif;
	ip4_addr_t a, m, g;

	if (netif_dhcp_data(netif))
		dhcp_release_and_stop(netif);
	if (eif->cfg.is_static) {
		quad_to_ip4(eif->cfg.addr, &a);
		ip4_addr_set_u32(&m, lwip_htonl(prefix_mask(eif->cfg.prefix)));
		quad_to_ip4(eif->cfg.gw, &g);
		netif_set_addr(netif, &a, &m, &g);
		return;
	}
	netif_set_addr(netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
	if (dhcp_start(netif) != ERR_OK)
		printk("net: %s: cannot start DHCP (out of memory)\n", eif->dev->name);
}

/* Posted by eth_link_changed() and the hold/release calls. */
static void eth_link_sync(void *arg)
{
	struct eth_if *eif = arg;
	bool up;

	__atomic_store_n(&eif->link_pending, false, __ATOMIC_SEQ_CST);
	up = READ_ONCE(eif->dev->link_up) && !__atomic_load_n(&eif->held, __ATOMIC_SEQ_CST);
	if (up && !netif_is_link_up(&eif->netif))
		netif_set_link_up(&eif->netif);		/* DHCP asks again */
	else if (!up && netif_is_link_up(&eif->netif))
		netif_set_link_down(&eif->netif);
}

/*
 * Ask the tcpip thread to look at the link. Any context: the message is
 * static, and one already queued will read the newest state. Should the
 * mailbox be full, the change is lost until the next one (reported).
 */
static void eth_link_post(struct eth_if *eif)
{
	if (__atomic_exchange_n(&eif->link_pending, true, __ATOMIC_SEQ_CST))
		return;
	if (tcpip_callbackmsg_trycallback(eif->link_msg) != ERR_OK) {
		__atomic_store_n(&eif->link_pending, false, __ATOMIC_SEQ_CST);
		printk("net: %s: link change lost (tcpip mailbox full)\n", eif->dev->name);
	}
}

static void eth_link_changed(struct netdev *dev, void *arg)
{
	(void)dev;
	eth_link_post(arg);
}

/* netif->linkoutput: send one frame (core lock held; may sleep, see the top). */
static err_t eth_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct eth_if *eif = netif->state;
	const void *frame = p->payload;
	err_t ret = ERR_OK;
	int err;

	__atomic_add_fetch(&eif->tx_busy, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&eif->held, __ATOMIC_SEQ_CST)) {
		ret = ERR_IF;			/* a test owns the NIC */
		goto out;
	}
	if (p->tot_len > ETH_HLEN + eif->dev->mtu) {
		ret = ERR_BUF;
		goto out;
	}
	if (p->len != p->tot_len) {
		pbuf_copy_partial(p, eif->tx_frame, p->tot_len, 0);
		frame = eif->tx_frame;
	}
	err = netdev_xmit(eif->dev, frame, p->tot_len, NETDEV_XMIT_WAIT);
	if (err)
		ret = err == -ENETDOWN ? ERR_IF : ERR_MEM;
out:
	__atomic_sub_fetch(&eif->tx_busy, 1, __ATOMIC_SEQ_CST);
	if (ret == ERR_OK) {
		LINK_STATS_INC(link.xmit);
	} else {
		LINK_STATS_INC(link.drop);
	}
	return ret;
}

/*
 * Count a received frame in lwIP's link counters (/proc/pagoda/lwip), as
 * lwIP's own drivers do, and a drop in @dropped too. Atomic adds: the
 * tcpip thread counts into the same words, without the atomics, so a
 * count may still be lost now and then - they are diagnostics.
 */
static void eth_rx_count(STAT_COUNTER *stat, unsigned long *dropped)
{
	__atomic_add_fetch(stat, 1, __ATOMIC_RELAXED);
	if (dropped)
		__atomic_add_fetch(dropped, 1, __ATOMIC_RELAXED);
}

/* Hand a (maybe merged) frame to lwIP: tcpip_input, through the mailbox. */
static void eth_up(void *arg, struct pbuf *p)
{
	struct eth_if *eif = arg;

	if (eif->netif.input(p, &eif->netif) != ERR_OK) {	/* tcpip_input */
		pbuf_free(p);
		eth_rx_count(&lwip_stats.link.drop, &eif->rx_dropped);
	}
}

/*
 * The netpoll thread's receive handler (no lock held; see the top): each
 * frame goes through receive coalescing (eth_gro.c) on its way up; a NULL
 * frame ends a poll batch, and the segment held back goes up then.
 */
static void eth_rx(struct netdev *dev, const void *frame, size_t len, void *arg)
{
	struct eth_if *eif = arg;
	struct pbuf *p;

	(void)dev;
	if (!frame) {
		eth_gro_flush(&eif->gro, eth_up, eif);
		return;
	}
	p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (!p) {
		eth_rx_count(&lwip_stats.link.drop, &eif->rx_dropped);
		return;
	}
	pbuf_take(p, frame, (u16_t)len);
	eth_rx_count(&lwip_stats.link.recv, NULL);
	eth_gro_receive(&eif->gro, p, eth_up, eif);
}

/* netif_add()'s init callback. */
static err_t eth_netif_init(struct netif *netif)
{
	struct eth_if *eif = netif->state;

	netif->name[0] = 'e';
	netif->name[1] = 't';
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, eif->dev->mac, ETH_HWADDR_LEN);
	netif->mtu = (u16_t)eif->dev->mtu;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	netif->output = etharp_output;
	netif->linkoutput = eth_linkoutput;
	netif_set_hostname(netif, "pagoda");
	return ERR_OK;
}

/* In the tcpip thread, core lock held: give @eif its netif and start it. */
static void eth_attach(struct eth_if *eif, bool is_first)
{
	unsigned long irq;

	eif->link_msg = tcpip_callbackmsg_new(eth_link_sync, eif);
	if (!eif->link_msg) {
		printk("net: %s: out of memory, no netif\n", eif->dev->name);
		return;
	}
	if (!netif_add(&eif->netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, eif,
		       eth_netif_init, tcpip_input)) {
		printk("net: %s: lwIP would not add its netif\n", eif->dev->name);
		return;
	}
	netif_set_status_callback(&eif->netif, eth_status_changed);
	if (is_first)
		netif_set_default(&eif->netif);		/* the default route: eth0's gateway */
	netif_set_up(&eif->netif);
	eth_apply_config(eif);		/* DHCP waits for the link */

	irq = spin_lock_irqsave(&eif->lock);
	eif->attached = true;
	if (!eif->held)
		netdev_set_rx_handler(eif->dev, eth_rx, eif);
	spin_unlock_irqrestore(&eif->lock, irq);
	netdev_set_link_handler(eif->dev, eth_link_changed, eif);
	eth_link_sync(eif);
}

void net_eth_attach_all(void)
{
	for (unsigned int i = 0; i < eth_count; i++)
		eth_attach(eth_ifs[i], i == 0);
}

/*
 * Boot path, before the tcpip thread starts: an eth_if for each NIC, and
 * eth0's configuration from the command line.
 */
void net_eth_prepare(void)
{
	struct net_ip_config boot_cfg = { .is_static = false };
	char param[64];
	unsigned int n = 0;

	if (cmdline_get("ip", param, sizeof(param)) &&
	    net_parse_ip_config(param, &boot_cfg) != 0) {
		printk("net: ignoring ip=%s (want ADDR/PREFIX:GATEWAY); using DHCP\n", param);
		boot_cfg.is_static = false;
	}
	for (struct netdev *dev = netdev_next(NULL); dev && n < NET_ETH_MAX;
	     dev = netdev_next(dev)) {
		struct eth_if *eif = kzalloc(sizeof(*eif));

		if (eif)
			eif->tx_frame = kmalloc(ETH_HLEN + dev->mtu, GFP_KERNEL);
		if (!eif || !eif->tx_frame) {
			printk("net: %s: out of memory, no netif\n", dev->name);
			if (eif)
				kfree(eif->tx_frame);
			kfree(eif);
			continue;
		}
		eif->dev = dev;
		spin_lock_init(&eif->lock);
		if (n == 0)
			eif->cfg = boot_cfg;
		eth_ifs[n++] = eif;
	}
	WRITE_ONCE(eth_count, n);
}

/* ---- for the kernel and the tests ---- */

struct netif *net_eth_netif(const char *name)
{
	struct eth_if *eif = eth_find(name);

	return eif && READ_ONCE(eif->attached) ? &eif->netif : NULL;
}

struct netdev *net_eth_dev_of(struct netif *netif)
{
	for (unsigned int i = 0; i < READ_ONCE(eth_count); i++) {
		if (&eth_ifs[i]->netif == netif)
			return eth_ifs[i]->dev;
	}
	return NULL;
}

void net_eth_make_static(struct netif *netif)
{
	struct netdev *dev = net_eth_dev_of(netif);
	struct eth_if *eif = dev ? eth_of_dev(dev) : NULL;

	if (!eif)
		return;
	if (netif_dhcp_data(netif))
		dhcp_release_and_stop(netif);
	eif->cfg.is_static = true;
	ip4_to_quad(netif_ip4_addr(netif), eif->cfg.addr);
	ip4_to_quad(netif_ip4_gw(netif), eif->cfg.gw);
	eif->cfg.prefix = mask_prefix(netif_ip4_netmask(netif));
}

int net_eth_configure(const char *name, const struct net_ip_config *cfg)
{
	struct eth_if *eif = eth_find(name);

	if (!eif || !READ_ONCE(eif->attached))
		return -ENODEV;
	LOCK_TCPIP_CORE();
	if (cfg && cfg->is_static)
		eif->cfg = *cfg;
	else
		eif->cfg = (struct net_ip_config){ .is_static = false };
	eth_apply_config(eif);
	UNLOCK_TCPIP_CORE();
	return 0;
}

int net_eth_info(const char *name, struct net_eth_info *out)
{
	struct eth_if *eif = eth_find(name);
	struct netif *netif;

	if (!eif || !READ_ONCE(eif->attached))
		return -ENODEV;
	netif = &eif->netif;
	LOCK_TCPIP_CORE();
	ip4_to_quad(netif_ip4_addr(netif), out->addr);
	ip4_to_quad(netif_ip4_gw(netif), out->gw);
	out->prefix = mask_prefix(netif_ip4_netmask(netif));
	out->up = netif_is_up(netif);
	out->link_up = netif_is_link_up(netif);
	out->dhcp_bound = dhcp_supplied_address(netif);
	out->is_default = netif_default == netif;
	snprintf(out->lwip_name, sizeof(out->lwip_name), "%c%c%u", netif->name[0],
		 netif->name[1], netif->num);
	UNLOCK_TCPIP_CORE();
	return 0;
}

void net_eth_hold(struct netdev *dev)
{
	struct eth_if *eif = eth_of_dev(dev);
	uint64_t end = clock_ns() + 10 * NSEC_PER_SEC;
	unsigned long irq;

	if (!eif)
		return;
	irq = spin_lock_irqsave(&eif->lock);
	__atomic_store_n(&eif->held, true, __ATOMIC_SEQ_CST);
	if (eif->attached)
		netdev_set_rx_handler(dev, NULL, NULL);
	spin_unlock_irqrestore(&eif->lock, irq);
	if (READ_ONCE(eif->attached))
		eth_link_post(eif);
	/* A transmit that saw held clear may still be in the driver. */
	while (__atomic_load_n(&eif->tx_busy, __ATOMIC_SEQ_CST) && clock_ns() < end)
		schedule_timeout(1000000);
}

void net_eth_release(struct netdev *dev)
{
	struct eth_if *eif = eth_of_dev(dev);
	unsigned long irq;

	if (!eif) {
		netdev_set_rx_handler(dev, NULL, NULL);
		return;
	}
	irq = spin_lock_irqsave(&eif->lock);
	__atomic_store_n(&eif->held, false, __ATOMIC_SEQ_CST);
	if (eif->attached)
		netdev_set_rx_handler(dev, eth_rx, eif);
	else
		netdev_set_rx_handler(dev, NULL, NULL);
	spin_unlock_irqrestore(&eif->lock, irq);
	if (READ_ONCE(eif->attached))
		eth_link_post(eif);
}
