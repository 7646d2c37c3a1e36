/*
 * virtio_blk.h - the virtio block device driver's entry point.
 *
 * virtio_blk.c binds every virtio-blk PCI function (1af4:1042, or the
 * transitional 1af4:1001) and registers each as a struct blkdev named vda,
 * vdb, ... in PCI order. See blkdev.h for the API the disks then offer.
 */
#ifndef KERNEL_DRIVERS_VIRTIO_BLK_H
#define KERNEL_DRIVERS_VIRTIO_BLK_H

/*
 * Probe and register all virtio-blk devices pci_init() found. Called by
 * blkdev_init() only. Returns the number of disks registered.
 */
unsigned int virtio_blk_init(void);

#endif
