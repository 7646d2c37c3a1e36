/*
 * netif_eth.h - what net_lwip.c calls in netif_eth.c to bring the
 * Ethernet interfaces up (the public side is in kernel/net/net.h).
 */
#ifndef KERNEL_NET_LWIP_NETIF_ETH_H
#define KERNEL_NET_LWIP_NETIF_ETH_H

/*
 * Boot path, before tcpip_init(): an interface for every registered NIC,
 * and eth0's configuration from the ip= option. Never sleeps.
 */
void net_eth_prepare(void);
/* In the tcpip thread, core lock held: add the netifs and start them. */
void net_eth_attach_all(void);

/*
 * lwIP's netif for @name ("eth0"), or NULL before it is added. The
 * pointer stays valid; what it points to is the core's (lock it).
 */
struct netif;
struct netif *net_eth_netif(const char *name);

/* The NIC behind @netif, or NULL (the loopback). Core lock held. */
struct netdev;
struct netdev *net_eth_dev_of(struct netif *netif);
/*
 * An address is being set by hand (SIOCSIFADDR): stop @netif's DHCP
 * client and keep the address it has as a static one. Core lock held.
 */
void net_eth_make_static(struct netif *netif);

#endif
