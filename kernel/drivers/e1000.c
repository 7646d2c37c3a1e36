/*
 * e1000.c - Intel PRO/1000 Ethernet NICs: the 82540EM (PCI 8086:100e,
 * QEMU's -device e1000) and the 82574L (PCIe 8086:10d3, -device e1000e),
 * each presented as a struct netdev (netdev.h).
 *
 * One driver for both: the 82574 kept the 8254x register map, its reset
 * and its legacy descriptors (e1000_regs.h draws them), so the rings, the
 * MAC address and the link are programmed the same way. What differs is
 * in struct e1000_chip and a few "if (chip->pcie)":
 *
 *                        82540EM (e1000)           82574L (e1000e)
 *   interrupts           INTx# only (QEMU's has    MSI-X (3 entries), else
 *                        no MSI capability)        MSI, else INTx#
 *   before reset         -                         GIO master disable, wait
 *                                                  for its DMA to drain
 *   after reset          fixed wait (EEPROM load)  wait for EECD.AUTO_RD
 *   EERD                 DONE bit 4, ADDR 15:8     DONE bit 1, ADDR 15:2
 *   TIPG / TCTL.COLD     10,8,6 / 0x40             8,8,6 / 0x3f
 *   cause bits           RXT0, TXDW, LSC (ICR      with MSI-X: RXQ0, TXQ0,
 *                        read clears them)         OTHER (cleared by writing
 *                                                  1s), mapped by IVAR
 *
 * Rings. One RX and one TX ring of E1000_RING descriptors each, one page
 * apiece, and a 2048-byte buffer per descriptor (two per page) that stays
 * with its descriptor for good: receiving and sending copy, nothing is
 * allocated once the NIC is up.
 *
 *   RX: the NIC owns [RDH, RDT); the driver keeps one clean descriptor
 *       at RDT so that RDH == RDT always means "nothing to fill".
 *
 *        rx_next (next to look at)           RDT (held back, clean)
 *            v                                 v
 *     ... | DD | DD | owned | owned | ... | owned | spare | DD | ...
 *                   ^ RDH
 *
 *       ops->poll (the netpoll thread, so never concurrently) hands every
 *       descriptor with DD set to netdev_receive(), clears it, and moves
 *       RDT to the last one it cleared: that one becomes the spare and the
 *       previous spare goes back to the NIC.
 *
 *   TX: xmit copies the frame into the buffer of descriptor tx_next,
 *       writes the descriptor (EOP, IFCS, RS) and moves TDT past it. The
 *       NIC sets DD in each one it has sent; reclaim walks tx_clean up to
 *       the first without DD, counting tx_packets/tx_bytes, and wakes
 *       senders waiting for a slot. One slot stays empty so that a full
 *       ring (tx_next + 1 == tx_clean) differs from an empty one.
 *
 * Interrupts only schedule the netdev poll (netdev.c's netpoll thread),
 * which reclaims TX, delivers RX and re-reads the link. The handler must
 * still stop the NIC interrupting: without MSI-X it reads ICR, which
 * clears every cause (and drops INTx#); with MSI-X each vector writes its
 * own cause bits back to ICR (they are not cleared by reading, and the
 * NIC sends a vector's next message only once its cause was cleared).
 * The interrupt mode is the best the function and the PCI layer offer,
 * capped by the command line's e1000_irq=msix|msi|intx.
 *
 * Link: STATUS.LU, read at probe and on every link-status-change (LSC)
 * interrupt (through the poll); netdev_set_link() tells the stack.
 *
 * Not done: checksum and segmentation offloads (the stack computes every
 * checksum), multicast filters (MTA cleared: only our unicast address and
 * broadcast are received), VLANs, jumbo frames, interrupt moderation
 * (ITR/EITR 0), the 82574's second queues and its NVM checksum check.
 *
 * Locks: tx_lock (TX ring). RX needs none (only the netpoll thread); the
 * interrupt handlers take none. netdev_receive() runs with none held.
 * Neighbours: e1000_regs.h, netdev.c, arch/x86_64/pci.c (MSI-X, MSI,
 * INTx#); tests in kernel/tests/e1000_ktest.c.
 */
#include "kernel/drivers/e1000.h"
#include "kernel/drivers/e1000_regs.h"
#include "kernel/drivers/netdev.h"
#include "kernel/cmdline.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/random.h"
#include "kernel/time.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/pci.h>

#define INTEL_VENDOR		0x8086

#define E1000_RING		256	/* descriptors per ring: 4 KiB */
#define E1000_BUF_SIZE		2048	/* RCTL.BSIZE, and each TX buffer */
#define E1000_BUFS_PER_PAGE	(PAGE_SIZE / E1000_BUF_SIZE)
#define E1000_BUF_PAGES		(E1000_RING / E1000_BUFS_PER_PAGE)
#define E1000_FRAME_MAX		(ETH_HLEN + ETH_DATA_LEN + 4)	/* + a VLAN tag; no CRC */

#define NS_PER_MS		1000000ull

_Static_assert(E1000_RING * sizeof(struct e1000_tx_desc) <= PAGE_SIZE, "TX ring fits a page");
_Static_assert(E1000_RING * sizeof(struct e1000_rx_desc) % 128 == 0, "RDLEN/TDLEN: 128-byte units");
_Static_assert(E1000_FRAME_MAX <= E1000_BUF_SIZE, "a frame fits one buffer");

/* What differs between the two parts (see the table at the top). */
struct e1000_chip {
	uint16_t device;		/* PCI device ID */
	const char *driver;		/* netdev.driver, and the log prefix */
	const char *name;
	bool pcie;			/* 82574: GIO master, AUTO_RD, MSI/MSI-X, IVAR */
	uint32_t eerd_done;
	unsigned int eerd_addr_shift;
	uint32_t tipg;
	uint32_t cold;			/* TCTL collision distance, full duplex */
};

static const struct e1000_chip e1000_chips[] = {
	{
		.device = 0x100e, .driver = E1000_DRIVER_82540EM, .name = "82540EM",
		.eerd_done = E1000_EERD_DONE_8254X,
		.eerd_addr_shift = E1000_EERD_ADDR_SHIFT_8254X,
		.tipg = 10 | 8 << E1000_TIPG_IPGR1_SHIFT | 6 << E1000_TIPG_IPGR2_SHIFT,
		.cold = 0x40,
	},
	{
		.device = 0x10d3, .driver = E1000_DRIVER_82574L, .name = "82574L",
		.pcie = true,
		.eerd_done = E1000_EERD_DONE_82574,
		.eerd_addr_shift = E1000_EERD_ADDR_SHIFT_82574,
		.tipg = 8 | 8 << E1000_TIPG_IPGR1_SHIFT | 6 << E1000_TIPG_IPGR2_SHIFT,
		.cold = 0x3f,
	},
};

/* MSI-X table entries (IVAR maps the causes to them). */
enum { E1000_MSIX_RX, E1000_MSIX_TX, E1000_MSIX_OTHER, E1000_MSIX_NR };

struct e1000 {
	struct netdev ndev;
	/* Set at probe, then constant. */
	struct pci_dev *pci;
	const struct e1000_chip *chip;
	volatile uint8_t *regs;			/* BAR 0 */
	enum e1000_irq_mode irq_mode;
	unsigned int nr_vectors;
	int vectors[E1000_MSIX_NR];
	uint32_t ims;				/* causes enabled; 0 until live */

	/* RX: the netpoll thread only (ops->poll), once registered. */
	struct page *rx_desc_page;
	volatile struct e1000_rx_desc *rx_desc;
	struct page *rx_bufs[E1000_BUF_PAGES];
	unsigned int rx_next;			/* next descriptor to look at */
	bool rx_discarding;			/* inside a frame without EOP: drop to its end */

	/* TX: tx_lock guards the ring, tx_next, tx_clean and tx_len. */
	spinlock_t tx_lock;
	struct page *tx_desc_page;
	volatile struct e1000_tx_desc *tx_desc;
	struct page *tx_bufs[E1000_BUF_PAGES];
	unsigned int tx_next;			/* next free descriptor (= TDT) */
	unsigned int tx_clean;			/* oldest descriptor not reclaimed */
	uint16_t tx_len[E1000_RING];

	/* Atomics, set by the interrupt handlers. */
	bool link_changed;			/* taken by the poll */
	unsigned long lsc_irqs;
	unsigned long intx_unclaimed;
};

static const struct netdev_ops e1000_ops;
static unsigned int nr_e1000;

/* ---- registers ---- */

static uint32_t rd(struct e1000 *e, unsigned int reg)
{
	return mmio_read32(e->regs + reg);
}

static void wr(struct e1000 *e, unsigned int reg, uint32_t v)
{
	mmio_write32(e->regs + reg, v);
}

/* Make posted writes reach the NIC: a read cannot pass them. */
static void wr_flush(struct e1000 *e)
{
	(void)rd(e, E1000_STATUS);
}

/*
 * Wait until (@reg & @mask) == @want, at most @ns. Returns 0 or
 * -ETIMEDOUT. Busy-waits: probing and tests only.
 */
static int wait_reg(struct e1000 *e, unsigned int reg, uint32_t mask, uint32_t want,
		    uint64_t ns)
{
	uint64_t end = clock_ns() + ns;

	while ((rd(e, reg) & mask) != want) {
		if (clock_ns() > end)
			return (rd(e, reg) & mask) == want ? 0 : -ETIMEDOUT;
		arch_cpu_relax();
	}
	return 0;
}

/* ---- buffers ---- */

/*
 * Buffer @i of a ring whose buffers live in @pages, two per page: its
 * kernel address and its bus (physical) address, for the descriptor.
 * (__unused: in the student tree of lab net their callers are stubs.)
 */
static __unused void *buf_va(struct page *const *pages, unsigned int i)
{
	return (uint8_t *)page_address(pages[i / E1000_BUFS_PER_PAGE]) +
	       (i % E1000_BUFS_PER_PAGE) * E1000_BUF_SIZE;
}

static __unused uint64_t buf_pa(struct page *const *pages, unsigned int i)
{
	return page_to_phys(pages[i / E1000_BUFS_PER_PAGE]) +
	       (i % E1000_BUFS_PER_PAGE) * E1000_BUF_SIZE;
}

static void free_bufs(struct page **pages)
{
	for (unsigned int i = 0; i < E1000_BUF_PAGES; i++) {
		if (pages[i])
			free_page(pages[i]);
		pages[i] = NULL;
	}
}

static int alloc_bufs(struct page **pages)
{
	for (unsigned int i = 0; i < E1000_BUF_PAGES; i++) {
		pages[i] = alloc_page(0);
		if (!pages[i]) {
			free_bufs(pages);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Both rings and their buffers; all or nothing. */
static int e1000_alloc_rings(struct e1000 *e)
{
	e->rx_desc_page = alloc_page(GFP_ZERO);
	e->tx_desc_page = alloc_page(GFP_ZERO);
	if (!e->rx_desc_page || !e->tx_desc_page)
		goto err;
	if (alloc_bufs(e->rx_bufs))
		goto err;
	if (alloc_bufs(e->tx_bufs)) {
		free_bufs(e->rx_bufs);
		goto err;
	}
	e->rx_desc = page_address(e->rx_desc_page);
	e->tx_desc = page_address(e->tx_desc_page);
	return 0;
err:
	if (e->rx_desc_page)
		free_page(e->rx_desc_page);
	if (e->tx_desc_page)
		free_page(e->tx_desc_page);
	e->rx_desc_page = e->tx_desc_page = NULL;
	return -ENOMEM;
}

static void e1000_free_rings(struct e1000 *e)
{
	free_bufs(e->rx_bufs);
	free_bufs(e->tx_bufs);
	free_page(e->rx_desc_page);
	free_page(e->tx_desc_page);
}

/* ---- link ---- */

static void e1000_update_link(struct e1000 *e)
{
	netdev_set_link(&e->ndev, rd(e, E1000_STATUS) & E1000_STATUS_LU);
}

/* From an interrupt handler: the link may have changed; the poll looks. */
static void note_link_change(struct e1000 *e)
{
	__atomic_add_fetch(&e->lsc_irqs, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&e->link_changed, true, __ATOMIC_RELEASE);
}

/* ---- transmit ---- */

/* The descriptor after @i, around the ring. */
static __unused unsigned int ring_next(unsigned int i)
{
	return (i + 1) % E1000_RING;
}

/* tx_ring_full_locked(e): is every slot but the one kept empty in use? */
/* LAB net BEGIN */
static bool tx_ring_full_locked(struct e1000 *e)
{
	return ring_next(e->tx_next) == e->tx_clean;
}
/* LAB net END */

/* Count and free every descriptor the NIC has sent. tx_lock held. */
static unsigned int reclaim_tx_locked(struct e1000 *e)
{
	/* LAB net BEGIN */
	/* LAB net STUB: return 0; */
	unsigned int n = 0;

	while (e->tx_clean != e->tx_next &&
	       (e->tx_desc[e->tx_clean].status & E1000_TXD_STA_DD)) {
		netdev_stat_add(&e->ndev.stats.tx_packets, 1);
		netdev_stat_add(&e->ndev.stats.tx_bytes, e->tx_len[e->tx_clean]);
		e->tx_clean = ring_next(e->tx_clean);
		n++;
	}
	return n;
	/* LAB net END */
}

static void e1000_reclaim_tx(struct e1000 *e)
{
	unsigned long irq = spin_lock_irqsave(&e->tx_lock);
	unsigned int n = reclaim_tx_locked(e);

	spin_unlock_irqrestore(&e->tx_lock, irq);
	if (n)
		netdev_tx_done(&e->ndev);
}

/* netdev_ops.xmit: copy into the next slot, hand it over. Never sleeps. */
static int e1000_xmit(struct netdev *dev, const void *frame, size_t len)
{
	/* LAB net BEGIN */
	/* LAB net STUB: return -ENOMEM; */
	struct e1000 *e = dev->priv;
	volatile struct e1000_tx_desc *d;
	unsigned int i, freed = 0;
	unsigned long irq;

	irq = spin_lock_irqsave(&e->tx_lock);
	if (tx_ring_full_locked(e))
		freed = reclaim_tx_locked(e);	/* sent, but the IRQ's poll is yet to come */
	if (tx_ring_full_locked(e)) {
		spin_unlock_irqrestore(&e->tx_lock, irq);
		return -ENOBUFS;
	}
	i = e->tx_next;
	memcpy(buf_va(e->tx_bufs, i), frame, len);
	e->tx_len[i] = (uint16_t)len;
	d = &e->tx_desc[i];
	d->addr = buf_pa(e->tx_bufs, i);
	d->length = (uint16_t)len;
	d->cso = 0;
	d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
	d->status = 0;
	d->css = 0;
	d->special = 0;
	e->tx_next = ring_next(i);
	/*
	 * The buffer and descriptor are in ordinary write-back memory, TDT is
	 * uncached MMIO: x86 keeps the stores in program order, so the NIC
	 * cannot see the new tail before the descriptor; only the compiler
	 * must not reorder them.
	 */
	barrier();
	wr(e, E1000_TDT, e->tx_next);
	spin_unlock_irqrestore(&e->tx_lock, irq);
	if (freed)
		netdev_tx_done(dev);
	return 0;
	/* LAB net END */
}

/* ---- receive ---- */

/* rx_one(e, i): deliver (or drop) the frame in descriptor @i: DD is set. */
/* LAB net BEGIN */
static void rx_one(struct e1000 *e, unsigned int i)
{
	volatile struct e1000_rx_desc *d = &e->rx_desc[i];
	uint8_t status = d->status, errors = d->errors;
	unsigned int len = d->length;
	bool eop = status & E1000_RXD_STA_EOP;

	if (e->rx_discarding || !eop || (errors & E1000_RXD_ERR_FRAME) ||
	    len < ETH_HLEN || len > E1000_FRAME_MAX) {
		/* A frame spread over buffers is counted once, at its end. */
		if (eop)
			netdev_stat_add(&e->ndev.stats.rx_errors, 1);
		e->rx_discarding = !eop;
		return;
	}
	netdev_receive(&e->ndev, buf_va(e->rx_bufs, i), len);
}
/* LAB net END */

/*
 * Deliver up to @budget received frames and give their descriptors back
 * (see "Rings" above). Returns how many. The netpoll thread only.
 */
static unsigned int e1000_rx(struct e1000 *e, unsigned int budget)
{
	/* LAB net BEGIN */
	/* LAB net STUB: return 0; */
	unsigned int done = 0, last = 0;

	while (done < budget) {
		unsigned int i = e->rx_next;
		volatile struct e1000_rx_desc *d = &e->rx_desc[i];

		if (!(d->status & E1000_RXD_STA_DD))
			break;
		/* The rest of the descriptor was written before DD (x86 keeps loads in order). */
		barrier();
		rx_one(e, i);
		d->status = 0;
		last = i;
		e->rx_next = ring_next(i);
		done++;
	}
	if (done) {
		barrier();			/* cleared descriptors before the tail */
		wr(e, E1000_RDT, last);
	}
	return done;
	/* LAB net END */
}

/*
 * netdev_ops.poll, in the netpoll thread: act on a link change, reclaim
 * sent frames, deliver up to @budget received ones.
 */
static unsigned int e1000_poll(struct netdev *dev, unsigned int budget)
{
	struct e1000 *e = dev->priv;

	if (__atomic_exchange_n(&e->link_changed, false, __ATOMIC_ACQ_REL))
		e1000_update_link(e);
	e1000_reclaim_tx(e);
	return e1000_rx(e, budget);
}

/* ---- interrupts ---- */

/*
 * INTx# and MSI: one handler for every cause. Reading ICR returns and
 * clears the causes, which also makes the NIC release INTx#. A shared
 * line calls this for other devices' interrupts too: then none of the
 * causes we enabled is set. Returns whether the interrupt was ours.
 */
static bool e1000_irq_legacy(struct e1000 *e)
{
	uint32_t icr = rd(e, E1000_ICR) & READ_ONCE(e->ims);

	if (!icr) {
		__atomic_add_fetch(&e->intx_unclaimed, 1, __ATOMIC_RELAXED);
		return false;
	}
	if (icr & E1000_ICR_LSC)
		note_link_change(e);
	netdev_schedule_poll(&e->ndev);
	return true;
}

static bool e1000_intx(void *arg)
{
	return e1000_irq_legacy(arg);
}

static void e1000_msi(void *arg)
{
	(void)e1000_irq_legacy(arg);
}

/*
 * MSI-X, one vector per cause group (IVAR). A vector's cause bits stay
 * set in ICR until written back; until then the NIC sends that vector no
 * further message, so each handler clears its own before the poll runs
 * (work that arrives after the clear raises the vector again).
 */
static void e1000_msix_rx(void *arg)
{
	struct e1000 *e = arg;

	wr(e, E1000_ICR, E1000_ICR_RXQ0 | E1000_ICR_RXT0 | E1000_ICR_RXDMT0);
	netdev_schedule_poll(&e->ndev);
}

static void e1000_msix_tx(void *arg)
{
	struct e1000 *e = arg;

	wr(e, E1000_ICR, E1000_ICR_TXQ0 | E1000_ICR_TXDW | E1000_ICR_TXQE);
	netdev_schedule_poll(&e->ndev);
}

static void e1000_msix_other(void *arg)
{
	struct e1000 *e = arg;
	uint32_t icr = rd(e, E1000_ICR) & (E1000_ICR_LSC | E1000_ICR_RXO);

	wr(e, E1000_ICR, icr | E1000_ICR_OTHER);
	if (icr & E1000_ICR_LSC)
		note_link_change(e);
	netdev_schedule_poll(&e->ndev);
}

static int setup_msix(struct e1000 *e)
{
	static const irq_handler_t handlers[E1000_MSIX_NR] = {
		[E1000_MSIX_RX] = e1000_msix_rx,
		[E1000_MSIX_TX] = e1000_msix_tx,
		[E1000_MSIX_OTHER] = e1000_msix_other,
	};
	int err = pci_msix_enable(e->pci);

	if (err)
		return err;
	if (e->pci->msix_entries < E1000_MSIX_NR)
		return -ENODEV;
	for (unsigned int i = 0; i < E1000_MSIX_NR; i++) {
		int vec = pci_msix_set_vector(e->pci, i, handlers[i], e);

		if (vec < 0)
			return vec;
		e->vectors[i] = vec;
		e->nr_vectors = i + 1;		/* installed: e must outlive it */
	}
	e->irq_mode = E1000_IRQ_MSIX;
	return 0;
}

/*
 * Pick and install the interrupt mode: MSI-X (82574), MSI, INTx#, at best
 * @max. Returns 0 or a negative errno. Once MSI-X is on, a later failure
 * cannot fall back (MSI-X would have to be turned off again).
 */
static int e1000_setup_irq(struct e1000 *e, enum e1000_irq_mode max)
{
	int vec;

	if (max >= E1000_IRQ_MSIX && e->chip->pcie &&
	    pci_find_capability(e->pci, PCI_CAP_ID_MSIX, 0))
		return setup_msix(e);
	if (max >= E1000_IRQ_MSI) {
		vec = pci_msi_enable(e->pci, e1000_msi, e);
		if (vec >= 0) {
			e->vectors[0] = vec;
			e->nr_vectors = 1;
			e->irq_mode = E1000_IRQ_MSI;
			return 0;
		}
		if (vec != -ENODEV)
			return vec;
	}
	vec = pci_intx_register(e->pci, e1000_intx, e);
	if (vec < 0)
		return vec;
	e->vectors[0] = vec;
	e->nr_vectors = 1;
	e->irq_mode = E1000_IRQ_INTX;
	return 0;
}

/* Program the interrupt registers for the mode and enable the causes. */
static void e1000_enable_irq(struct e1000 *e)
{
	uint32_t ims = E1000_ICR_RXT0 | E1000_ICR_RXDMT0 | E1000_ICR_RXO | E1000_ICR_TXDW |
		       E1000_ICR_LSC;

	wr(e, E1000_ITR, 0);			/* no throttling */
	if (e->chip->pcie) {
		wr(e, E1000_EIAC, 0);		/* no auto-clear: the handlers clear */
		wr(e, E1000_IAM, 0);		/* no auto-mask */
		for (unsigned int n = 0; n < 5; n++)
			wr(e, E1000_EITR(n), 0);
	}
	if (e->irq_mode == E1000_IRQ_MSIX) {
		wr(e, E1000_IVAR,
		   (E1000_IVAR_VALID | E1000_MSIX_RX) << E1000_IVAR_RXQ0_SHIFT |
		   (E1000_IVAR_VALID | E1000_MSIX_TX) << E1000_IVAR_TXQ0_SHIFT |
		   (E1000_IVAR_VALID | E1000_MSIX_OTHER) << E1000_IVAR_OTHER_SHIFT);
		wr(e, E1000_CTRL_EXT, rd(e, E1000_CTRL_EXT) | E1000_CTRL_EXT_PBA_CLR);
		ims = E1000_ICR_RXQ0 | E1000_ICR_TXQ0 | E1000_ICR_OTHER | E1000_ICR_LSC |
		      E1000_ICR_RXO;
	}
	(void)rd(e, E1000_ICR);			/* stale causes */
	if (e->irq_mode == E1000_IRQ_MSIX)
		wr(e, E1000_ICR, ~0u);
	WRITE_ONCE(e->ims, ims);
	wr(e, E1000_IMS, ims);
	wr_flush(e);
}

/* ---- bring-up ---- */

/*
 * Stop DMA and reset the MAC: receiver and transmitter off first (a boot
 * ROM may have left them running), then CTRL.RST, which clears itself
 * when done. Bounded waits throughout. Returns 0 or -EIO.
 */
static int e1000_reset(struct e1000 *e)
{
	wr(e, E1000_IMC, ~0u);
	wr(e, E1000_RCTL, 0);
	wr(e, E1000_TCTL, E1000_TCTL_PSP);
	wr_flush(e);
	ndelay_busy(10 * NS_PER_MS);		/* frames in flight leave the FIFOs */
	if (e->chip->pcie) {
		/* No new DMA requests, and wait for the outstanding ones. */
		wr(e, E1000_CTRL, rd(e, E1000_CTRL) | E1000_CTRL_GIO_MASTER_DISABLE);
		if (wait_reg(e, E1000_STATUS, E1000_STATUS_GIO_MASTER_ENABLE, 0, 10 * NS_PER_MS))
			pr_warn("%s: DMA still pending before reset\n", e->chip->driver);
	}
	wr(e, E1000_CTRL, rd(e, E1000_CTRL) | E1000_CTRL_RST);
	ndelay_busy(NS_PER_MS);			/* no access right after RST */
	if (wait_reg(e, E1000_CTRL, E1000_CTRL_RST, 0, 100 * NS_PER_MS))
		return -EIO;
	if (!e->chip->pcie)
		ndelay_busy(5 * NS_PER_MS);	/* 8254x: EEPROM reload, no done bit */
	else if (wait_reg(e, E1000_EECD, E1000_EECD_AUTO_RD, E1000_EECD_AUTO_RD,
			  100 * NS_PER_MS))
		pr_warn("%s: NVM auto-read not done after reset\n", e->chip->driver);
	wr(e, E1000_IMC, ~0u);
	(void)rd(e, E1000_ICR);
	return 0;
}

static int eeprom_read(struct e1000 *e, unsigned int word, uint16_t *out)
{
	wr(e, E1000_EERD, word << e->chip->eerd_addr_shift | E1000_EERD_START);
	if (wait_reg(e, E1000_EERD, e->chip->eerd_done, e->chip->eerd_done, 10 * NS_PER_MS))
		return -ETIMEDOUT;
	*out = (uint16_t)(rd(e, E1000_EERD) >> E1000_EERD_DATA_SHIFT);
	return 0;
}

static bool mac_usable(const uint8_t *mac)
{
	static const uint8_t zero[ETH_ALEN];

	return memcmp(mac, zero, ETH_ALEN) != 0 && !(mac[0] & 1);
}

/*
 * The MAC address: receive address 0, which the NIC loads from its
 * EEPROM/NVM at reset; else the EEPROM's words 0..2 read directly; else a
 * random locally administered one. Written back to RAL0/RAH0 with AV set,
 * which is also the unicast filter. Returns where it came from.
 */
static const char *e1000_read_mac(struct e1000 *e)
{
	uint32_t lo = rd(e, E1000_RAL0), hi = rd(e, E1000_RAH0);
	uint8_t *mac = e->ndev.mac;
	const char *from = "RAL0";
	uint16_t w;

	for (unsigned int i = 0; i < 4; i++)
		mac[i] = (uint8_t)(lo >> (8 * i));
	mac[4] = (uint8_t)hi;
	mac[5] = (uint8_t)(hi >> 8);
	if (!(hi & E1000_RAH_AV) || !mac_usable(mac)) {
		from = "EEPROM";
		for (unsigned int i = 0; i < ETH_ALEN / 2; i++) {
			if (eeprom_read(e, E1000_EEPROM_MAC + i, &w)) {
				from = NULL;
				break;
			}
			mac[2 * i] = (uint8_t)w;
			mac[2 * i + 1] = (uint8_t)(w >> 8);
		}
	}
	if (!from || !mac_usable(mac)) {
		from = "random";
		get_random_bytes(mac, ETH_ALEN);
		mac[0] = (mac[0] & ~1u) | 2u;	/* unicast, locally administered */
	}
	wr(e, E1000_RAL0, mac[0] | mac[1] << 8 | mac[2] << 16 | (uint32_t)mac[3] << 24);
	wr(e, E1000_RAH0, mac[4] | mac[5] << 8 | E1000_RAH_AV);
	return from;
}

/* Link up through auto-negotiation: no forced speed, duplex or resets. */
static void e1000_setup_link(struct e1000 *e)
{
	uint32_t ctrl = rd(e, E1000_CTRL);

	ctrl &= ~(E1000_CTRL_LRST | E1000_CTRL_ILOS | E1000_CTRL_FRCSPD | E1000_CTRL_FRCDPLX |
		  E1000_CTRL_PHY_RST | E1000_CTRL_VME | E1000_CTRL_GIO_MASTER_DISABLE);
	wr(e, E1000_CTRL, ctrl | E1000_CTRL_SLU | E1000_CTRL_ASDE);
	if (e->chip->pcie)
		wr(e, E1000_CTRL_EXT, rd(e, E1000_CTRL_EXT) | E1000_CTRL_EXT_DRV_LOAD);
}

/* The RX ring full of empty buffers (but the spare), receiver on. */
static void e1000_setup_rx(struct e1000 *e)
{
	/* LAB net BEGIN */
	uint64_t pa = page_to_phys(e->rx_desc_page);

	for (unsigned int i = 0; i < E1000_RING; i++) {
		e->rx_desc[i].addr = buf_pa(e->rx_bufs, i);
		e->rx_desc[i].status = 0;
	}
	for (unsigned int i = 0; i < E1000_MTA_WORDS; i++)
		wr(e, E1000_MTA(i), 0);
	wr(e, E1000_RDBAL, (uint32_t)pa);
	wr(e, E1000_RDBAH, (uint32_t)(pa >> 32));
	wr(e, E1000_RDLEN, E1000_RING * sizeof(struct e1000_rx_desc));
	wr(e, E1000_RDH, 0);
	wr(e, E1000_RDT, E1000_RING - 1);	/* descriptor RING-1 is the spare */
	e->rx_next = 0;
	wr(e, E1000_RDTR, 0);			/* interrupt at once */
	wr(e, E1000_RADV, 0);
	wr(e, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_RDMTS_HALF |
			  E1000_RCTL_BSIZE_2048 | E1000_RCTL_SECRC);
	/* LAB net END */
}

/* The empty TX ring, transmitter on. */
static void e1000_setup_tx(struct e1000 *e)
{
	/* LAB net BEGIN */
	uint64_t pa = page_to_phys(e->tx_desc_page);
	uint32_t tctl = E1000_TCTL_EN | E1000_TCTL_PSP |
			E1000_TCTL_CT_DEFAULT << E1000_TCTL_CT_SHIFT |
			e->chip->cold << E1000_TCTL_COLD_SHIFT;

	wr(e, E1000_TDBAL, (uint32_t)pa);
	wr(e, E1000_TDBAH, (uint32_t)(pa >> 32));
	wr(e, E1000_TDLEN, E1000_RING * sizeof(struct e1000_tx_desc));
	wr(e, E1000_TDH, 0);
	wr(e, E1000_TDT, 0);
	e->tx_next = e->tx_clean = 0;
	wr(e, E1000_TIDV, 0);
	wr(e, E1000_TADV, 0);
	wr(e, E1000_TIPG, e->chip->tipg);
	if (e->chip->pcie)
		tctl |= E1000_TCTL_RTLC;
	wr(e, E1000_TCTL, tctl);
	/* LAB net END */
}

static const char *const irq_mode_names[] = {
	[E1000_IRQ_INTX] = "INTx", [E1000_IRQ_MSI] = "MSI", [E1000_IRQ_MSIX] = "MSI-X",
};

/*
 * Bring up one NIC and register it. The PCI function stays claimed even
 * when this fails. Once interrupts are installed, a failure leaks the
 * structure and its rings on purpose: a vector still points at it (as in
 * virtio_net.c).
 */
static int e1000_probe(struct pci_dev *pci, const struct e1000_chip *chip,
		       enum e1000_irq_mode max_irq)
{
	const char *mac_from;
	struct e1000 *e;
	int err;

	err = pci_claim(pci);
	if (err)
		return err;
	if (pci->bar[0].type != PCI_BAR_MEM32 && pci->bar[0].type != PCI_BAR_MEM64)
		return -ENODEV;
	e = kzalloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->pci = pci;
	e->chip = chip;
	spin_lock_init(&e->tx_lock);
	pci_enable_device(pci);
	e->regs = pci_map_bar(pci, 0);
	err = e->regs ? e1000_reset(e) : -ENOMEM;
	if (err)
		goto err_free;
	err = e1000_alloc_rings(e);
	if (err)
		goto err_free;
	mac_from = e1000_read_mac(e);
	e1000_setup_link(e);
	e1000_setup_rx(e);
	e1000_setup_tx(e);
	err = e1000_setup_irq(e, max_irq);
	if (err && e->nr_vectors)
		goto err_leak;			/* MSI-X half set up */
	if (err)
		goto err_stop;
	e->ndev.mtu = ETH_DATA_LEN;
	e->ndev.ops = &e1000_ops;
	e->ndev.priv = e;
	e->ndev.driver = chip->driver;
	err = netdev_register(&e->ndev);
	if (err)
		goto err_leak;
	e1000_update_link(e);
	e1000_enable_irq(e);
	nr_e1000++;
	printk("%s: %s at %02x:%02x.%x: %s, %02x:%02x:%02x:%02x:%02x:%02x (%s), %s "
	       "vector %#x%s, rings %u/%u, link %s\n", chip->driver, e->ndev.name, pci->bus,
	       pci->slot, pci->func, chip->name, e->ndev.mac[0], e->ndev.mac[1],
	       e->ndev.mac[2], e->ndev.mac[3], e->ndev.mac[4], e->ndev.mac[5], mac_from,
	       irq_mode_names[e->irq_mode], e->vectors[0], e->nr_vectors > 1 ? "+" : "",
	       E1000_RING, E1000_RING, e->ndev.link_up ? "up" : "down");
	return 0;

err_stop:
	e1000_reset(e);				/* no more DMA into the rings */
	e1000_free_rings(e);
err_free:
	kfree(e);				/* no vector points at it */
	return err;
err_leak:
	e1000_reset(e);
	return err;				/* e stays: vectors point at it */
}

static const struct netdev_ops e1000_ops = {
	.xmit = e1000_xmit,
	.poll = e1000_poll,
};

static const struct e1000_chip *chip_of(const struct pci_dev *pci)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(e1000_chips); i++)
		if (pci->vendor == INTEL_VENDOR && pci->device == e1000_chips[i].device)
			return &e1000_chips[i];
	return NULL;
}

/* e1000_irq=msix|msi|intx on the command line caps the interrupt mode. */
static enum e1000_irq_mode max_irq_mode(void)
{
	static const char *const opt[] = {
		[E1000_IRQ_INTX] = "intx", [E1000_IRQ_MSI] = "msi", [E1000_IRQ_MSIX] = "msix",
	};
	char v[8];

	if (!cmdline_get("e1000_irq", v, sizeof(v)))
		return E1000_IRQ_MSIX;
	for (unsigned int m = 0; m < ARRAY_SIZE(opt); m++)
		if (strcmp(v, opt[m]) == 0)
			return (enum e1000_irq_mode)m;
	pr_warn("e1000: ignoring e1000_irq=%s (want msix, msi or intx)\n", v);
	return E1000_IRQ_MSIX;
}

unsigned int e1000_init(void)
{
	enum e1000_irq_mode max_irq = max_irq_mode();
	struct pci_dev *d = NULL;

	while ((d = pci_find_device(INTEL_VENDOR, PCI_ANY_ID, d)) != NULL) {
		const struct e1000_chip *chip = chip_of(d);
		int err;

		if (!chip || d->claimed)
			continue;
		err = e1000_probe(d, chip, max_irq);
		if (err)
			pr_warn("%s: %02x:%02x.%x: not usable (%d)\n", chip->driver,
				d->bus, d->slot, d->func, err);
	}
	return nr_e1000;
}

/* ---- for ktests ---- */

bool e1000_get_info(struct netdev *dev, struct e1000_info *out)
{
	struct e1000 *e;
	unsigned long irq;

	if (!dev || dev->ops != &e1000_ops)
		return false;
	e = dev->priv;
	out->pci = e->pci;
	out->irq_mode = e->irq_mode;
	out->nr_vectors = e->nr_vectors;
	for (unsigned int i = 0; i < E1000_MSIX_NR; i++)
		out->vectors[i] = i < e->nr_vectors ? e->vectors[i] : -1;
	out->rx_ring = out->tx_ring = E1000_RING;
	out->rx_next = READ_ONCE(e->rx_next);
	irq = spin_lock_irqsave(&e->tx_lock);
	out->tx_busy = (e->tx_next + E1000_RING - e->tx_clean) % E1000_RING;
	spin_unlock_irqrestore(&e->tx_lock, irq);
	out->lsc_irqs = __atomic_load_n(&e->lsc_irqs, __ATOMIC_RELAXED);
	out->intx_unclaimed = __atomic_load_n(&e->intx_unclaimed, __ATOMIC_RELAXED);
	return true;
}

uint32_t e1000_reg_read(struct netdev *dev, unsigned int reg)
{
	return rd(dev->priv, reg);
}

void e1000_reg_write(struct netdev *dev, unsigned int reg, uint32_t v)
{
	wr(dev->priv, reg, v);
}

/* One MDIC transaction; the value read back, or -EIO. */
static int mdic(struct e1000 *e, uint32_t cmd)
{
	uint32_t v;

	wr(e, E1000_MDIC, cmd);
	if (wait_reg(e, E1000_MDIC, E1000_MDIC_READY, E1000_MDIC_READY, 10 * NS_PER_MS))
		return -EIO;
	v = rd(e, E1000_MDIC);
	return v & E1000_MDIC_ERROR ? -EIO : (int)(v & E1000_MDIC_DATA_MASK);
}

int e1000_phy_write(struct netdev *dev, unsigned int reg, uint16_t v)
{
	int r = mdic(dev->priv, E1000_MDIC_OP_WRITE | E1000_PHY_ADDR << E1000_MDIC_PHY_SHIFT |
				(reg & 0x1f) << E1000_MDIC_REG_SHIFT | v);

	return r < 0 ? r : 0;
}

int e1000_phy_read(struct netdev *dev, unsigned int reg, uint16_t *v)
{
	int r = mdic(dev->priv, E1000_MDIC_OP_READ | E1000_PHY_ADDR << E1000_MDIC_PHY_SHIFT |
				(reg & 0x1f) << E1000_MDIC_REG_SHIFT);

	if (r < 0)
		return r;
	*v = (uint16_t)r;
	return 0;
}
