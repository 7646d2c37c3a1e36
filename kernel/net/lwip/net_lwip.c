/*
 * net_lwip.c - lwIP's start-up in the kernel: the tcpip thread, the
 * loopback interface and the NICs' netifs (netif_eth.c; the contract is
 * in kernel/net/net.h).
 *
 * tcpip_init() runs lwip_init() on the calling (boot) task - which also
 * adds lo0, 127.0.0.1/8, since lwipopts.h sets LWIP_HAVE_LOOPIF - then
 * makes lwIP's mailbox, core mutex and the "tcpip" kernel thread, and
 * returns without waiting: the boot task may not sleep. The thread's
 * first act, with the core lock held, is net_tcpip_ready() below, which
 * also adds an Ethernet netif for each NIC.
 * Port: sys_arch.c; configuration: lwipopts.h.
 */
#include "kernel/net/net.h"
#include "netif_eth.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "kernel/compiler.h"
#include "kernel/drivers/netdev.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/wait.h"

static bool net_started;		/* boot path only; then read-only */
static bool net_up;			/* set once by the tcpip thread */
static struct waitqueue net_up_wq = WAITQUEUE_INIT(net_up_wq);

/* In the tcpip thread, core lock held: lwIP is running. */
static void net_tcpip_ready(void *arg)
{
	struct netif *lo = netif_find("lo0");

	if (!lo || !netif_is_up(lo))
		panic("net_init: lwIP's loopback interface lo0 is not up");
	printk("net: lwIP %s up, lo %s\n", LWIP_VERSION_STRING,
	       ip4addr_ntoa(netif_ip4_addr(lo)));
	net_eth_attach_all();
	WRITE_ONCE(net_up, true);
	wake_up(&net_up_wq);
}

void net_init(void)
{
	if (net_started)
		return;
	net_started = true;
	if (netdev_start())
		printk("net: cannot start the netpoll thread: no NIC will receive\n");
	net_eth_prepare();
	tcpip_init(net_tcpip_ready, NULL);
}

bool net_ready(void)
{
	return READ_ONCE(net_up);
}

bool net_wait_ready(void)
{
	if (!READ_ONCE(net_started))
		return false;
	wait_event_interruptible_timeout(&net_up_wq, net_ready(), NET_READY_WAIT_NS);
	return net_ready();
}
