/*
 * netdev.h - network devices: what a NIC driver offers the network stack.
 *
 * A driver (virtio_net.c, e1000.c) fills a struct netdev - MAC address,
 * MTU, link state, operations - and registers it; it is named eth0, eth1,
 * ... in registration order (netdev_init: virtio-net NICs first, then the
 * Intel ones, each driver in PCI order). The stack (lwIP's netif glue, later) looks it
 * up by name, sets a receive handler and sends whole Ethernet frames:
 *
 *   stack                                   driver
 *   netdev_xmit(dev, frame, len, wait) ---> ops->xmit(): frame copied into
 *                                           a TX buffer, on the ring
 *   IRQ: netdev_schedule_poll(dev) <------- "the RX ring has frames"
 *   [netpoll thread] ops->poll(dev, budget) -> netdev_receive(dev, frame, len)
 *   rx handler(dev, frame, len, arg) <----- for each frame, no locks held
 *
 * Frames are Ethernet frames from the destination MAC up to the end of
 * the payload, no FCS: 14 to ETH_HLEN + mtu bytes.
 *
 * Receive context. Interrupt handlers only schedule a poll; frames are
 * delivered from one kernel thread, "netpoll" (netdev.c), which calls each
 * scheduled device's ops->poll() - Linux's NAPI poll in its softirq, made
 * a thread. The receive handler thus runs in a kernel thread: interrupts
 * on, no driver spinlock held, allowed to take sleeping locks and to call
 * netdev_xmit() (even with NETDEV_XMIT_WAIT). It must not keep the frame
 * pointer after it returns: the buffer goes straight back to the device
 * (copy what you keep). While it runs, that device's reception is paused,
 * so it should not block for long.
 *
 * Devices are never unregistered, so a struct netdev pointer stays valid
 * for good and lookups need no reference counting.
 *
 * Statistics are the counters of Linux's struct rtnl_link_stats64 that
 * /proc/net/dev prints (kernel/fs/proc_net.c): updated atomically, read
 * without a lock, each one exact on its own.
 */
#ifndef KERNEL_DRIVERS_NETDEV_H
#define KERNEL_DRIVERS_NETDEV_H

#include "kernel/compiler.h"
#include "kernel/lib/list.h"
#include "kernel/spinlock.h"
#include "kernel/types.h"
#include "kernel/wait.h"

#define ETH_ALEN	6		/* octets in a MAC address */
#define ETH_HLEN	14		/* destination, source, EtherType */
#define ETH_DATA_LEN	1500		/* the usual MTU */
#define IFNAMSIZ	16		/* name, NUL included (Linux's) */
#define NETDEV_POLL_BUDGET	64	/* frames one poll may deliver */

struct netdev;

/*
 * Called for each received frame; see "Receive context" above. After the
 * frames of one ops->poll() it is called once more with frame NULL and
 * len 0: the end of a batch (a handler that holds frames back to merge
 * them, as lwIP's does, sends them on then).
 */
typedef void (*netdev_rx_handler_t)(struct netdev *dev, const void *frame, size_t len,
				    void *arg);
/*
 * Called when the link goes up or down (read dev->link_up for which), from
 * whatever context the driver noticed it in - an interrupt handler too:
 * it must not sleep or take a sleeping lock.
 */
typedef void (*netdev_link_handler_t)(struct netdev *dev, void *arg);

struct netdev_ops {
	/*
	 * Copy the frame @frame (ETH_HLEN .. ETH_HLEN + mtu bytes, checked by
	 * the caller) into a transmit buffer and hand it to the device.
	 * Returns 0, -ENOBUFS (every transmit slot busy: try again after a
	 * completion) or -ENOMEM. Never sleeps; any context. The driver counts
	 * tx_packets/tx_bytes when the device has sent it, and calls
	 * netdev_tx_done() when slots free up.
	 */
	int (*xmit)(struct netdev *dev, const void *frame, size_t len);
	/*
	 * From the netpoll thread only: reclaim finished transmits, deliver
	 * up to @budget received frames through netdev_receive() (with no
	 * driver lock held), give their buffers back to the device, and act
	 * on a link change. Returns the frames delivered; @budget means more
	 * may be waiting (the thread polls again after other devices).
	 */
	unsigned int (*poll)(struct netdev *dev, unsigned int budget);
};

struct netdev_stats {
	unsigned long rx_packets, rx_bytes;	/* frames handed up (or dropped, below) */
	unsigned long rx_dropped;		/* received, but no handler took them */
	unsigned long rx_errors;		/* bad frames from the device */
	unsigned long tx_packets, tx_bytes;	/* frames the device has sent */
	unsigned long tx_dropped;		/* refused: no slot or no memory */
	unsigned long tx_errors;		/* refused: bad length */
};

struct netdev {
	/* Set by the driver before netdev_register(), then constant. */
	uint8_t mac[ETH_ALEN];
	unsigned int mtu;			/* payload bytes per frame */
	const struct netdev_ops *ops;
	void *priv;				/* the driver's */
	const char *driver;			/* "virtio-net", "e1000", "e1000e" */

	/* Set by netdev_register(), then constant. */
	char name[IFNAMSIZ];			/* "eth0" */
	unsigned int index;			/* 0 for eth0 */
	struct list_head node;			/* on the device list (netdev_lock) */

	bool link_up;				/* netdev_set_link(); read with READ_ONCE */

	spinlock_t lock;			/* guards rx_handler, rx_arg, link_handler, link_arg */
	netdev_rx_handler_t rx_handler;
	void *rx_arg;
	netdev_link_handler_t link_handler;
	void *link_arg;

	/* Guarded by netdev_poll_lock (netdev.c). */
	struct list_head poll_node;
	bool poll_queued;

	struct waitqueue tx_wait;		/* senders waiting for a slot */
	struct netdev_stats stats;		/* atomic adds (netdev_stat_add) */
};

/*
 * Start the netpoll thread that delivers every device's frames (boot, from
 * net_init(), once pid 1 exists). 0 or -errno. Before it runs, scheduled
 * polls wait.
 */
int netdev_start(void);

/*
 * Name @dev eth<N> and make it findable. The driver has filled mac, mtu,
 * ops and priv, and its interrupts may call netdev_schedule_poll() from
 * now on. Returns 0. Boot context (probing); may sleep.
 */
int netdev_register(struct netdev *dev);
/* The device called @name, or NULL. Any context. */
struct netdev *netdev_get(const char *name);
/* The device registered after @prev (NULL: the first), or NULL. Any context. */
struct netdev *netdev_next(struct netdev *prev);
/* How many devices are registered. */
unsigned int netdev_count(void);

/*
 * Receive @dev's frames through @fn(dev, frame, len, @arg) from now on;
 * NULL drops them (counted in rx_dropped). Any context. A frame being
 * delivered when this is called may still reach the old handler.
 */
void netdev_set_rx_handler(struct netdev *dev, netdev_rx_handler_t fn, void *arg);

/* Tell @fn(dev, @arg) about link changes from now on; NULL: nobody. Any context. */
void netdev_set_link_handler(struct netdev *dev, netdev_link_handler_t fn, void *arg);

enum netdev_xmit_wait {
	NETDEV_XMIT_NOWAIT,	/* a full ring drops the frame (tx_dropped) */
	NETDEV_XMIT_WAIT,	/* sleep until the device frees a slot */
};
/*
 * Send one Ethernet frame; the caller's buffer is copied before this
 * returns. Returns 0, -EMSGSIZE (shorter than a header or longer than
 * ETH_HLEN + mtu; tx_errors), -ENETDOWN (link down; tx_dropped), or with
 * NETDEV_XMIT_NOWAIT -ENOBUFS / -ENOMEM (tx_dropped). NETDEV_XMIT_WAIT may
 * sleep, so only where sleeping is allowed (a task, no spinlock held).
 */
int netdev_xmit(struct netdev *dev, const void *frame, size_t len,
		enum netdev_xmit_wait wait);

/* ---- for drivers ---- */

/*
 * Ask the netpoll thread to call @dev's ops->poll() soon. Any context,
 * interrupt handlers included; a device already scheduled stays once.
 */
void netdev_schedule_poll(struct netdev *dev);
/*
 * Hand one received frame to the stack: count it and call the receive
 * handler. From ops->poll() only (the netpoll thread), no lock held.
 */
void netdev_receive(struct netdev *dev, const void *frame, size_t len);
/* Transmit slots were freed: wake NETDEV_XMIT_WAIT senders. Any context. */
void netdev_tx_done(struct netdev *dev);
/*
 * Record the link state (printing a line and calling the link handler
 * when it changes). Any context.
 */
void netdev_set_link(struct netdev *dev, bool up);

static inline void netdev_stat_add(unsigned long *counter, unsigned long n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

static inline unsigned long netdev_stat_read(const unsigned long *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/*
 * Probe the NIC drivers (virtio-net, then e1000/e1000e) and register what
 * they find. Call
 * once after pci_init() and sched_init(); a second call does nothing.
 */
void netdev_init(void);

#endif
