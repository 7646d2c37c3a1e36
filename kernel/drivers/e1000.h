/*
 * e1000.h - the Intel PRO/1000 driver's entry point (82540EM "e1000" and
 * 82574L "e1000e"; kernel/drivers/e1000.c), and what its ktests look at.
 *
 * e1000_init() binds every supported PCI function and registers each as a
 * struct netdev (eth0, eth1, ... after any NIC registered before it). See
 * netdev.h for what the stack does with it.
 */
#ifndef KERNEL_DRIVERS_E1000_H
#define KERNEL_DRIVERS_E1000_H

#include "kernel/types.h"

struct netdev;
struct pci_dev;

/* netdev.driver of the two parts. */
#define E1000_DRIVER_82540EM	"e1000"
#define E1000_DRIVER_82574L	"e1000e"

/*
 * Probe and register all supported Intel NICs pci_init() found. Called by
 * netdev_init() only. Returns the number of NICs registered.
 */
unsigned int e1000_init(void);

/* ---- for ktests (kernel/tests/e1000_ktest.c) ---- */

enum e1000_irq_mode {
	E1000_IRQ_INTX,		/* shared level-triggered line (pci_intx_register) */
	E1000_IRQ_MSI,		/* one message for every cause */
	E1000_IRQ_MSIX,		/* 82574: RX, TX and "other" on entries 0, 1, 2 */
};

struct e1000_info {
	struct pci_dev *pci;
	enum e1000_irq_mode irq_mode;
	unsigned int nr_vectors;	/* 3 with MSI-X, else 1 */
	int vectors[3];			/* the CPU vectors */
	unsigned int rx_ring, tx_ring;	/* descriptors in each ring */
	unsigned int tx_busy;		/* TX descriptors not reclaimed yet */
	unsigned int rx_next;		/* next RX descriptor the driver looks at */
	unsigned long lsc_irqs;		/* link-change interrupts taken */
	unsigned long intx_unclaimed;	/* INTx: handler ran, our ICR was 0 */
};

/* Fill @out for @dev; false when @dev is not driven by e1000.c. */
bool e1000_get_info(struct netdev *dev, struct e1000_info *out);
/* Read or write register @reg (e1000_regs.h) of @dev, an e1000 netdev. */
uint32_t e1000_reg_read(struct netdev *dev, unsigned int reg);
void e1000_reg_write(struct netdev *dev, unsigned int reg, uint32_t v);
/*
 * Write or read PHY register @reg through MDIC (bounded wait). Returns 0
 * or -EIO (the NIC reported an error or never finished). Never sleeps.
 */
int e1000_phy_write(struct netdev *dev, unsigned int reg, uint16_t v);
int e1000_phy_read(struct netdev *dev, unsigned int reg, uint16_t *v);

#endif
