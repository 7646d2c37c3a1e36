/*
 * netdev_ioctl.c - the interface requests of Linux's SIOC* ioctls on an
 * AF_INET socket, which ifconfig uses: list the interfaces with an IPv4
 * address, read an interface's flags, addresses, MAC, MTU and index, and
 * set its address, netmask and up/down state (CAP_NET_ADMIN).
 *
 * Interfaces are lwIP's netifs under Linux's names: the loopback lo0 is
 * "lo", an Ethernet netif takes its NIC's name (eth0...). The index is
 * lwIP's (lo 1, then the NICs in order), as Linux numbers them at boot.
 *
 *   struct ifreq (40 bytes)             struct ifconf (16 bytes)
 *   +0  char ifr_name[16]               +0 int ifc_len  (+4 padding)
 *   +16 union: struct sockaddr addr     +8 struct ifreq *ifc_req
 *              short flags, int mtu,
 *              int ifindex, hwaddr
 *              (a sockaddr: family +
 *              6 bytes of MAC)
 */
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "kernel/net/inet/inet.h"
#include "kernel/cred.h"
#include "kernel/drivers/netdev.h"
#include "kernel/errno.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/net/lwip/netif_eth.h"
#include "kernel/uapi.h"
#include <linux/sockios.h>

#define ARPHRD_ETHER	1		/* <linux/if_arp.h> */
#define ARPHRD_LOOPBACK	772
#define IFF_UP		0x1		/* <linux/if.h> */
#define IFF_BROADCAST	0x2
#define IFF_LOOPBACK	0x8
#define IFF_RUNNING	0x40
#define IFF_MULTICAST	0x1000
#define LO_MTU		65536		/* what Linux's lo reports */

struct ifreq_abi {
	char name[IFNAMSIZ];
	union {
		struct inet_sockaddr addr;
		struct {
			uint16_t family;
			uint8_t data[14];
		} hwaddr;
		short flags;
		int ivalue;
		uint8_t pad[24];
	};
};
_Static_assert(sizeof(struct ifreq_abi) == 40, "struct ifreq is ABI");

struct ifconf_abi {
	int len;
	int pad;
	struct ifreq_abi __user *req;
};
_Static_assert(sizeof(struct ifconf_abi) == 16, "struct ifconf is ABI");

/* Linux's name of @netif into @name (IFNAMSIZ). Core lock held. */
static void netif_linux_name(struct netif *netif, char *name)
{
	struct netdev *dev = net_eth_dev_of(netif);

	if (dev)
		strlcpy(name, dev->name, IFNAMSIZ);
	else if (netif->name[0] == 'l' && netif->name[1] == 'o')
		strlcpy(name, "lo", IFNAMSIZ);
	else
		snprintf(name, IFNAMSIZ, "%c%c%u", netif->name[0], netif->name[1], netif->num);
}

static struct netif *netif_by_linux_name(const char *name)
{
	struct netif *netif;
	char n[IFNAMSIZ];

	NETIF_FOREACH(netif) {
		netif_linux_name(netif, n);
		if (!strcmp(n, name))
			return netif;
	}
	return NULL;
}

static bool is_loop(struct netif *netif)
{
	return net_eth_dev_of(netif) == NULL;
}

static short netif_linux_flags(struct netif *netif)
{
	short f = 0;

	if (netif_is_up(netif))
		f |= IFF_UP;
	if (netif_is_up(netif) && netif_is_link_up(netif))
		f |= IFF_RUNNING;
	if (is_loop(netif))
		f |= IFF_LOOPBACK;
	if (netif->flags & NETIF_FLAG_BROADCAST)
		f |= IFF_BROADCAST | IFF_MULTICAST;
	return f;
}

/* SIOCGIFCONF: one entry per interface with an address (ifc_req NULL: the size). */
static long gifconf(struct ifconf_abi __user *uc)
{
	struct ifconf_abi c;
	struct ifreq_abi r;
	struct netif *netif;
	int used = 0;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	inet_lock();
	NETIF_FOREACH(netif) {
		if (ip4_addr_isany_val(*netif_ip4_addr(netif)))
			continue;
		if (c.req) {
			if (used + (int)sizeof(r) > c.len)
				break;
			memset(&r, 0, sizeof(r));
			netif_linux_name(netif, r.name);
			inet_fill_addr(&r.addr, ip4_addr_get_u32(netif_ip4_addr(netif)), 0);
			inet_unlock();
			if (copy_to_user((char __user *)c.req + used, &r, sizeof(r)))
				return -EFAULT;
			inet_lock();
		}
		used += (int)sizeof(r);
	}
	inet_unlock();
	return put_user(used, &uc->len);
}

static long set_addr(struct netif *netif, unsigned int cmd, const struct ifreq_abi *r)
{
	ip4_addr_t a;

	if (r->addr.sin_family != AF_INET)
		return -EINVAL;
	ip4_addr_set_u32(&a, r->addr.sin_addr);
	if (cmd == SIOCSIFADDR) {
		net_eth_make_static(netif);
		netif_set_ipaddr(netif, &a);
	} else {
		/* A netmask is contiguous ones, as Linux's inet_abc_len checks. */
		uint32_t m = lwip_ntohl(r->addr.sin_addr);

		if (m & (~m >> 1))
			return -EINVAL;
		net_eth_make_static(netif);
		netif_set_netmask(netif, &a);
	}
	return 0;
}

/* A SIOCGIF* request about @netif into @r (core lock held): 0 or -errno. */
static long ifreq_get(struct netif *netif, unsigned int cmd, struct ifreq_abi *r)
{
	uint32_t a = ip4_addr_get_u32(netif_ip4_addr(netif));
	uint32_t m = ip4_addr_get_u32(netif_ip4_netmask(netif));

	switch (cmd) {
	case SIOCGIFFLAGS:
		r->flags = netif_linux_flags(netif);
		break;
	case SIOCGIFADDR:
	case SIOCGIFBRDADDR:
	case SIOCGIFNETMASK:
		if (!a)
			return -EADDRNOTAVAIL;	/* no address, as Linux */
		if (cmd == SIOCGIFBRDADDR)
			a = is_loop(netif) ? 0 : (a | ~m);
		else if (cmd == SIOCGIFNETMASK)
			a = m;
		memset(&r->addr, 0, sizeof(r->addr));
		inet_fill_addr(&r->addr, a, 0);
		break;
	case SIOCGIFMTU:
		r->ivalue = is_loop(netif) ? LO_MTU : netif->mtu;
		break;
	case SIOCGIFHWADDR:
		memset(&r->hwaddr, 0, sizeof(r->hwaddr));
		r->hwaddr.family = is_loop(netif) ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
		if (!is_loop(netif))
			memcpy(r->hwaddr.data, netif->hwaddr, 6);
		break;
	case SIOCGIFINDEX:
		r->ivalue = netif_get_index(netif);
		break;
	}
	return 0;
}

/* A SIOCSIF* request for @netif from @r (core lock held): 0 or -errno. */
static long ifreq_set(struct netif *netif, unsigned int cmd, const struct ifreq_abi *r)
{
	if (cmd != SIOCSIFFLAGS)
		return set_addr(netif, cmd, r);
	if ((r->flags & IFF_UP) && !netif_is_up(netif))
		netif_set_up(netif);
	else if (!(r->flags & IFF_UP) && netif_is_up(netif))
		netif_set_down(netif);
	return 0;
}

long inet_netdev_ioctl(unsigned int cmd, void __user *arg)
{
	struct ifreq_abi r;
	struct netif *netif;
	bool set = false;
	long err;

	switch (cmd) {
	case SIOCGIFCONF:
		return gifconf(arg);
	case SIOCGIFFLAGS: case SIOCGIFADDR: case SIOCGIFBRDADDR: case SIOCGIFNETMASK:
	case SIOCGIFMTU: case SIOCGIFHWADDR: case SIOCGIFINDEX:
		break;
	case SIOCSIFFLAGS: case SIOCSIFADDR: case SIOCSIFNETMASK:
		if (!capable(CAP_NET_ADMIN_BIT))
			return -EPERM;
		set = true;
		break;
	default:
		return -ENOTTY;
	}
	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	r.name[IFNAMSIZ - 1] = 0;
	inet_lock();
	netif = netif_by_linux_name(r.name);
	if (!netif)
		err = -ENODEV;
	else
		err = set ? ifreq_set(netif, cmd, &r) : ifreq_get(netif, cmd, &r);
	inet_unlock();
	if (!err && !set && copy_to_user(arg, &r, sizeof(r)))
		err = -EFAULT;
	return err;
}
