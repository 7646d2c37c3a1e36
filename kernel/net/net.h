/*
 * net.h - bringing up the TCP/IP stack (lwIP, kernel/net/lwip/).
 *
 * net_init() starts lwIP: tcpip_init() makes its tcpip kernel thread and
 * the loopback interface lo0 at 127.0.0.1; once that thread runs, it
 * prints "net: lwIP 2.1.3 up, lo 127.0.0.1" and net_ready() turns true.
 * Its first act is to give every registered NIC (kernel/drivers/netdev.h)
 * an lwIP Ethernet netif (netif_eth.c) and configure it: DHCP, or the
 * static address of the kernel command line's
 *
 *   ip=ADDR/PREFIX:GATEWAY          e.g. ip=10.0.2.15/24:10.0.2.2
 *
 * (eth0 only). When the address is set it prints, once,
 * "net: eth0 10.0.2.15/24 gw 10.0.2.2 (dhcp)"; eth0's gateway is the
 * default route.
 */
#ifndef KERNEL_NET_NET_H
#define KERNEL_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Start lwIP. Call once, from the boot path, after the scheduler can run
 * kernel threads (and after pid 1 exists, which must get pid 1). Never
 * sleeps: the rest happens in the tcpip thread.
 */
void net_init(void);
/* True once the tcpip thread has started and lo0 is up. */
bool net_ready(void);
/*
 * Wait (a task, interruptibly, at most NET_READY_WAIT_NS) for net_ready():
 * pid 1 may ask for a socket before the tcpip thread, started just after
 * it, has run. False if lwIP was never started or is still not up.
 */
#define NET_READY_WAIT_NS	(10ull * 1000000000ull)
bool net_wait_ready(void);
/* ---- Ethernet interfaces (netif_eth.c) ---- */

struct netdev;

/* An IPv4 configuration: static (the ip= option) or from DHCP. */
struct net_ip_config {
	bool is_static;
	uint8_t addr[4];		/* static only: network order, 10.0.2.15 is {10,0,2,15} */
	uint8_t gw[4];
	unsigned int prefix;		/* 1..32 */
};

/*
 * Parse "ADDR/PREFIX:GATEWAY" (the ip= option's value) into @cfg, which
 * becomes static. Returns 0 or -EINVAL (nothing else accepted: no spaces,
 * octets 0..255, prefix 1..32, a nonzero address, the gateway inside the
 * address's subnet and not the address itself). Any context.
 */
int net_parse_ip_config(const char *s, struct net_ip_config *cfg);

/*
 * Configure @name ("eth0"): static per @cfg, or DHCP when @cfg is NULL
 * or not static (the old lease is released, a new one requested).
 * Returns 0 or -ENODEV. Takes lwIP's core lock: a task that may sleep.
 */
int net_eth_configure(const char *name, const struct net_ip_config *cfg);

/* What net_eth_info() reports; addresses in network order as above. */
struct net_eth_info {
	uint8_t addr[4], gw[4];
	unsigned int prefix;
	bool up, link_up;		/* lwIP's netif flags */
	bool dhcp_bound;		/* the address came from a DHCP server */
	bool is_default;		/* lwIP's default route goes through it */
	char lwip_name[8];		/* lwIP's own name, "et1" (see netif_eth.c) */
};
/* Fill @out for @name; -ENODEV if no such interface. Core lock: may sleep. */
int net_eth_info(const char *name, struct net_eth_info *out);

/*
 * Keep lwIP off @dev while a test sends and receives raw frames on it:
 * lwIP's transmits are dropped and its link goes down until
 * net_eth_release(), which gives reception back to lwIP and brings its
 * link up again (a DHCP client then asks again at once). Returns when no
 * lwIP transmit is still inside the driver. For ktests in the idle task:
 * waits by yielding, never sleeps. Without lwIP on @dev, release only
 * clears the receive handler.
 */
void net_eth_hold(struct netdev *dev);
void net_eth_release(struct netdev *dev);

/* Bytes lwIP has allocated and not freed (its heap and pools). */
size_t pagoda_lwip_mem_in_use(void);

struct proc_buf;
/*
 * /proc/pagoda/lwip's text: those bytes, the use of each of lwIP's pools
 * and its protocol counters (sys_arch.c). Any task context; takes no
 * lock. Returns 0.
 */
int net_lwip_mem_show(struct proc_buf *b);

#endif
