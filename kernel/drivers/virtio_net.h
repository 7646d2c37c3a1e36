/*
 * virtio_net.h - the virtio network device driver's entry point.
 *
 * virtio_net.c binds every virtio-net PCI function (1af4:1041, or the
 * transitional 1af4:1000) and registers each as a struct netdev (eth0,
 * eth1, ... in PCI order, after any NIC registered before). See netdev.h
 * for what the stack then does with it.
 */
#ifndef KERNEL_DRIVERS_VIRTIO_NET_H
#define KERNEL_DRIVERS_VIRTIO_NET_H

/*
 * Probe and register all virtio-net devices pci_init() found. Called by
 * netdev_init() only. Returns the number of NICs registered.
 */
unsigned int virtio_net_init(void);

/* netdev.driver of virtio-net NICs. */
#define VIRTIO_NET_DRIVER	"virtio-net"

/* The slab cache transmit buffers come from ("virtio_net_tx"): for tests. */
#define VIRTIO_NET_TX_CACHE	"virtio_net_tx"

#endif
