/*
 * netdev.c - the network-device layer: registration and names, the
 * netpoll thread that delivers received frames, transmit with or without
 * waiting, link state and counters. The API and the receive context are
 * described in netdev.h.
 *
 * The netpoll thread. Interrupt handlers must not call into the stack
 * (lwIP takes sleeping locks, and a handler runs with interrupts off for
 * as long as it takes), so a NIC's interrupt only puts its device on
 * netdev_poll_list and wakes one kernel thread:
 *
 *   IRQ (any CPU)                      netpoll thread
 *   netdev_schedule_poll(dev)          wait_event(poll_wq, list not empty)
 *     dev->poll_queued = true          take the first device off the list,
 *     list_add_tail(poll_list)           poll_queued = false
 *     wake_up(poll_wq)                 dev->ops->poll(dev, budget)
 *                                        -> netdev_receive() per frame
 *                                      budget used up: queue dev again
 *
 * poll_queued is cleared before ops->poll() runs, so an interrupt that
 * comes while it runs queues the device again and nothing is missed: the
 * poll after it finds the new frames. A device that had a whole budget of
 * frames goes to the back of the list, so one busy NIC cannot starve the
 * others. This is Linux's NAPI without the interrupt masking: the
 * interrupt stays on, and a second one while the device is queued costs
 * only the lock.
 *
 * Locks: netdev_list_lock (device list), netdev_poll_lock (poll list and
 * poll_queued), dev->lock (the receive handler): all leaves, spinlocks.
 * Drivers call netdev_receive() with none of their own locks held.
 *
 * Drivers: virtio_net.c, e1000.c. Tests: kernel/tests/virtio_net_ktest.c,
 * kernel/tests/e1000_ktest.c.
 */
#include "kernel/drivers/netdev.h"
#include "kernel/drivers/e1000.h"
#include "kernel/drivers/virtio_net.h"
#include "kernel/errno.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/task.h"

static spinlock_t netdev_list_lock = SPINLOCK_INIT(netdev_list_lock);
static LIST_HEAD(netdev_list);			/* of struct netdev, by node */
static unsigned int nr_netdevs;			/* netdev_list_lock */

static spinlock_t netdev_poll_lock = SPINLOCK_INIT(netdev_poll_lock);
static LIST_HEAD(netdev_poll_list);		/* devices to poll, by poll_node */
static struct waitqueue netdev_poll_wq = WAITQUEUE_INIT(netdev_poll_wq);
static struct task *netpoll_task;		/* set once, by netdev_start() */

static bool netdev_done;

/* ---- the netpoll thread ---- */

/* The first device waiting for a poll, taken off the list; or NULL. */
static struct netdev *poll_list_pop(void)
{
	unsigned long irq = spin_lock_irqsave(&netdev_poll_lock);
	struct netdev *dev = NULL;

	if (!list_empty(&netdev_poll_list)) {
		dev = list_first_entry(&netdev_poll_list, struct netdev, poll_node);
		list_del_init(&dev->poll_node);
		dev->poll_queued = false;
	}
	spin_unlock_irqrestore(&netdev_poll_lock, irq);
	return dev;
}

static void netdev_receive_batch_end(struct netdev *dev);

static bool poll_list_busy(void)
{
	unsigned long irq = spin_lock_irqsave(&netdev_poll_lock);
	bool busy = !list_empty(&netdev_poll_list);

	spin_unlock_irqrestore(&netdev_poll_lock, irq);
	return busy;
}

static int netpoll_thread(void *unused)
{
	(void)unused;
	for (;;) {
		struct netdev *dev;

		wait_event(&netdev_poll_wq, poll_list_busy());
		while ((dev = poll_list_pop()) != NULL) {
			unsigned int n = dev->ops->poll(dev, NETDEV_POLL_BUDGET);

			if (n)
				netdev_receive_batch_end(dev);
			if (n >= NETDEV_POLL_BUDGET)
				netdev_schedule_poll(dev);	/* more: after the others */
			cond_resched();
		}
	}
	return 0;
}

void netdev_schedule_poll(struct netdev *dev)
{
	unsigned long irq = spin_lock_irqsave(&netdev_poll_lock);

	if (!dev->poll_queued) {
		dev->poll_queued = true;
		list_add_tail(&dev->poll_node, &netdev_poll_list);
	}
	spin_unlock_irqrestore(&netdev_poll_lock, irq);
	wake_up(&netdev_poll_wq);
}

/*
 * One thread for every device (none without a NIC), started by
 * net_init() - after pid 1 exists (drivers register during PCI
 * enumeration, long before init, and a thread made then would take pid
 * 1). Polls scheduled before it runs wait on the list.
 */
int netdev_start(void)
{
	struct task *t;

	if (netpoll_task || !READ_ONCE(nr_netdevs))
		return 0;			/* no NIC: no thread */
	t = kthread_create("netpoll", netpoll_thread, NULL);
	if (IS_ERR(t))
		return PTR_ERR(t);
	netpoll_task = t;
	return 0;
}

/* ---- registration ---- */

int netdev_register(struct netdev *dev)
{
	unsigned long irq;

	spin_lock_init(&dev->lock);
	waitqueue_init(&dev->tx_wait);
	INIT_LIST_HEAD(&dev->poll_node);
	dev->poll_queued = false;

	irq = spin_lock_irqsave(&netdev_list_lock);
	dev->index = nr_netdevs++;
	snprintf(dev->name, sizeof(dev->name), "eth%u", dev->index);
	list_add_tail(&dev->node, &netdev_list);
	spin_unlock_irqrestore(&netdev_list_lock, irq);
	return 0;
}

struct netdev *netdev_get(const char *name)
{
	unsigned long irq = spin_lock_irqsave(&netdev_list_lock);
	struct netdev *dev, *found = NULL;

	list_for_each_entry(dev, &netdev_list, node) {
		if (strcmp(dev->name, name) == 0) {
			found = dev;
			break;
		}
	}
	spin_unlock_irqrestore(&netdev_list_lock, irq);
	return found;
}

struct netdev *netdev_next(struct netdev *prev)
{
	unsigned long irq = spin_lock_irqsave(&netdev_list_lock);
	struct list_head *n = prev ? prev->node.next : netdev_list.next;
	struct netdev *dev = n == &netdev_list ? NULL : container_of(n, struct netdev, node);

	spin_unlock_irqrestore(&netdev_list_lock, irq);
	return dev;
}

unsigned int netdev_count(void)
{
	unsigned long irq = spin_lock_irqsave(&netdev_list_lock);
	unsigned int n = nr_netdevs;

	spin_unlock_irqrestore(&netdev_list_lock, irq);
	return n;
}

void netdev_init(void)
{
	if (__atomic_exchange_n(&netdev_done, true, __ATOMIC_ACQ_REL))
		return;
	virtio_net_init();
	e1000_init();
}

/* ---- receive ---- */

void netdev_set_rx_handler(struct netdev *dev, netdev_rx_handler_t fn, void *arg)
{
	unsigned long irq = spin_lock_irqsave(&dev->lock);

	dev->rx_handler = fn;
	dev->rx_arg = arg;
	spin_unlock_irqrestore(&dev->lock, irq);
}

/* The end of a poll's frames: the handler hears of it as a NULL frame. */
static void netdev_receive_batch_end(struct netdev *dev)
{
	unsigned long irq = spin_lock_irqsave(&dev->lock);
	netdev_rx_handler_t fn = dev->rx_handler;
	void *arg = dev->rx_arg;

	spin_unlock_irqrestore(&dev->lock, irq);
	if (fn)
		fn(dev, NULL, 0, arg);
}

void netdev_receive(struct netdev *dev, const void *frame, size_t len)
{
	unsigned long irq = spin_lock_irqsave(&dev->lock);
	netdev_rx_handler_t fn = dev->rx_handler;
	void *arg = dev->rx_arg;

	spin_unlock_irqrestore(&dev->lock, irq);
	netdev_stat_add(&dev->stats.rx_packets, 1);
	netdev_stat_add(&dev->stats.rx_bytes, len);
	if (!fn) {
		netdev_stat_add(&dev->stats.rx_dropped, 1);
		return;
	}
	fn(dev, frame, len, arg);
}

/* ---- transmit ---- */

int netdev_xmit(struct netdev *dev, const void *frame, size_t len,
		enum netdev_xmit_wait wait)
{
	int err;

	if (len < ETH_HLEN || len > ETH_HLEN + dev->mtu) {
		netdev_stat_add(&dev->stats.tx_errors, 1);
		return -EMSGSIZE;
	}
	if (!READ_ONCE(dev->link_up)) {
		netdev_stat_add(&dev->stats.tx_dropped, 1);
		return -ENETDOWN;
	}
	if (wait == NETDEV_XMIT_WAIT)
		wait_event(&dev->tx_wait, (err = dev->ops->xmit(dev, frame, len)) != -ENOBUFS);
	else
		err = dev->ops->xmit(dev, frame, len);
	if (err)
		netdev_stat_add(&dev->stats.tx_dropped, 1);
	return err;
}

void netdev_tx_done(struct netdev *dev)
{
	wake_up(&dev->tx_wait);
}

void netdev_set_link_handler(struct netdev *dev, netdev_link_handler_t fn, void *arg)
{
	unsigned long irq = spin_lock_irqsave(&dev->lock);

	dev->link_handler = fn;
	dev->link_arg = arg;
	spin_unlock_irqrestore(&dev->lock, irq);
}

void netdev_set_link(struct netdev *dev, bool up)
{
	netdev_link_handler_t fn;
	unsigned long irq;
	void *arg;

	if (__atomic_exchange_n(&dev->link_up, up, __ATOMIC_RELAXED) == up)
		return;
	printk("%s: link %s\n", dev->name[0] ? dev->name : "netdev", up ? "up" : "down");
	irq = spin_lock_irqsave(&dev->lock);
	fn = dev->link_handler;
	arg = dev->link_arg;
	spin_unlock_irqrestore(&dev->lock, irq);
	if (fn)
		fn(dev, arg);
}
