/*
 * e1000_regs.h - the registers and legacy descriptors of Intel's PRO/1000
 * NICs that kernel/drivers/e1000.c programs: the 82540EM (PCI 8086:100e,
 * QEMU's "e1000") and the 82574L (PCIe 8086:10d3, QEMU's "e1000e").
 *
 * Sources: Intel's "PCI/PCI-X Family of Gigabit Ethernet Controllers
 * Software Developer's Manual" (8254x, chapter 13 for registers, 3 for
 * descriptors) and the "82574 GbE Controller Family Datasheet" (chapter
 * 10 for registers, 7 for descriptors). The 82574 kept the 8254x register
 * map and its legacy descriptors; what it changed or added, and what the
 * driver uses of it, is marked "82574" below. Everything is little-endian
 * and 32 bits wide, in memory BAR 0 (128 KiB on both).
 */
#ifndef KERNEL_DRIVERS_E1000_REGS_H
#define KERNEL_DRIVERS_E1000_REGS_H

#include "kernel/types.h"

/* ---- register offsets in BAR 0 ---- */

#define E1000_CTRL	0x0000	/* device control */
#define E1000_STATUS	0x0008	/* device status (read only) */
#define E1000_EECD	0x0010	/* EEPROM/NVM control */
#define E1000_EERD	0x0014	/* EEPROM/NVM read: one word at a time */
#define E1000_CTRL_EXT	0x0018	/* extended device control */
#define E1000_MDIC	0x0020	/* MDI control: the PHY's registers */
#define E1000_ICR	0x00c0	/* interrupt cause read */
#define E1000_ITR	0x00c4	/* interrupt throttling (0: off) */
#define E1000_ICS	0x00c8	/* interrupt cause set (write: raise causes) */
#define E1000_IMS	0x00d0	/* interrupt mask set (write 1s: enable) */
#define E1000_IMC	0x00d8	/* interrupt mask clear (write 1s: disable) */
#define E1000_EIAC	0x00dc	/* 82574: MSI-X causes auto-cleared on message */
#define E1000_IAM	0x00e0	/* 82574: causes auto-masked on ICR read/write */
#define E1000_IVAR	0x00e4	/* 82574: cause -> MSI-X vector (drawn below) */
#define E1000_EITR(n)	(0x00e8 + 4 * (n))	/* 82574: per-vector throttling, n < 5 */
#define E1000_RCTL	0x0100	/* receive control */
#define E1000_TCTL	0x0400	/* transmit control */
#define E1000_TIPG	0x0410	/* transmit inter-packet gap */
#define E1000_RDBAL	0x2800	/* RX ring: base address, low 32 bits */
#define E1000_RDBAH	0x2804	/*          base address, high 32 bits */
#define E1000_RDLEN	0x2808	/*          length in bytes (multiple of 128) */
#define E1000_RDH	0x2810	/*          head: next descriptor the NIC fills */
#define E1000_RDT	0x2818	/*          tail: one past the last it may fill */
#define E1000_RDTR	0x2820	/* RX interrupt delay (0: at once) */
#define E1000_RADV	0x282c	/* RX absolute interrupt delay */
#define E1000_TDBAL	0x3800	/* TX ring: the same five as RX */
#define E1000_TDBAH	0x3804
#define E1000_TDLEN	0x3808
#define E1000_TDH	0x3810	/*          head: next descriptor the NIC sends */
#define E1000_TDT	0x3818	/*          tail: one past the last queued */
#define E1000_TIDV	0x3820	/* TX interrupt delay (only with CMD.IDE) */
#define E1000_TADV	0x382c	/* TX absolute interrupt delay */
#define E1000_MPC	0x4010	/* missed packets (no RX descriptor): clear on read */
#define E1000_MTA(n)	(0x5200 + 4 * (n))	/* multicast hash table, n < 128 */
#define E1000_RAL0	0x5400	/* receive address 0: MAC bytes 0..3 */
#define E1000_RAH0	0x5404	/*   bytes 4..5 in bits 15:0, AV in bit 31 */

#define E1000_MTA_WORDS	128
#define E1000_RAH_AV	(1u << 31)	/* address valid: filter on it */

/* ---- CTRL ---- */
#define E1000_CTRL_FD		(1u << 0)	/* full duplex (when forced) */
#define E1000_CTRL_GIO_MASTER_DISABLE (1u << 2)	/* 82574: stop issuing DMA */
#define E1000_CTRL_LRST		(1u << 3)	/* 8254x: link reset */
#define E1000_CTRL_ASDE		(1u << 5)	/* auto-speed detection */
#define E1000_CTRL_SLU		(1u << 6)	/* set link up */
#define E1000_CTRL_ILOS		(1u << 7)	/* invert loss-of-signal */
#define E1000_CTRL_FRCSPD	(1u << 11)	/* force speed */
#define E1000_CTRL_FRCDPLX	(1u << 12)	/* force duplex */
#define E1000_CTRL_RST		(1u << 26)	/* device reset: self-clearing */
#define E1000_CTRL_VME		(1u << 30)	/* VLAN mode */
#define E1000_CTRL_PHY_RST	(1u << 31)	/* PHY reset */

/* ---- STATUS ---- */
#define E1000_STATUS_FD		(1u << 0)	/* full duplex */
#define E1000_STATUS_LU		(1u << 1)	/* link up */
#define E1000_STATUS_SPEED_SHIFT 6		/* 7:6: 00 10, 01 100, 1x 1000 Mb/s */
#define E1000_STATUS_GIO_MASTER_ENABLE (1u << 19) /* 82574: DMA still pending */

/* ---- EECD ---- */
#define E1000_EECD_AUTO_RD	(1u << 9)	/* 82574: NVM auto-read after reset done */

/*
 * EERD: read one 16-bit EEPROM word. Write START with the word address;
 * the NIC sets DONE and puts the word in DATA. The address field and the
 * DONE bit moved between the two generations:
 *
 *   8254x:  31        16 15      8 7     5  4    3   1  0
 *          +------------+---------+--------+----+-----+-----+
 *          |    DATA    |  ADDR   |  rsvd  |DONE| rsvd|START|
 *          +------------+---------+--------+----+-----+-----+
 *   82574:  31        16 15                  2   1     0
 *          +------------+---------------------+-----+-----+
 *          |    DATA    |        ADDR         |DONE |START|
 *          +------------+---------------------+-----+-----+
 */
#define E1000_EERD_START	(1u << 0)
#define E1000_EERD_DATA_SHIFT	16
#define E1000_EERD_DONE_8254X	(1u << 4)
#define E1000_EERD_ADDR_SHIFT_8254X 8
#define E1000_EERD_DONE_82574	(1u << 1)
#define E1000_EERD_ADDR_SHIFT_82574 2

/* EEPROM words 0..2: the MAC address, low byte first in each word. */
#define E1000_EEPROM_MAC	0

/* ---- CTRL_EXT (82574 bits) ---- */
#define E1000_CTRL_EXT_DRV_LOAD	(1u << 28)	/* a driver runs the device */
#define E1000_CTRL_EXT_PBA_CLR	(1u << 31)	/* MSI-X: IMS writes clear PBA bits */

/*
 * MDIC: one access to a PHY register over the MII management interface.
 *
 *   31  30  29  28  27 26  25     21  20     16  15            0
 *  +---+---+---+---+------+---------+----------+----------------+
 *  | 0 | E | I | R |  OP  | PHYADD  |  REGADD  |      DATA      |
 *  +---+---+---+---+------+---------+----------+----------------+
 *   OP 01 write, 10 read; R: ready (done); E: error; I: interrupt when
 *   done. The internal PHY is at address 1 on both parts.
 */
#define E1000_MDIC_DATA_MASK	0xffffu
#define E1000_MDIC_REG_SHIFT	16
#define E1000_MDIC_PHY_SHIFT	21
#define E1000_MDIC_OP_WRITE	(1u << 26)
#define E1000_MDIC_OP_READ	(2u << 26)
#define E1000_MDIC_READY	(1u << 28)
#define E1000_MDIC_ERROR	(1u << 30)
#define E1000_PHY_ADDR		1

/* PHY registers (IEEE 802.3 clause 22) the tests touch. */
#define MII_BMCR		0		/* basic mode control */
#define MII_BMCR_ANRESTART	(1u << 9)	/* restart auto-negotiation */
#define MII_BMCR_ANENABLE	(1u << 12)	/* auto-negotiation on */
#define MII_BMSR		1		/* basic mode status */
#define MII_BMSR_LSTATUS	(1u << 2)	/* link up (latched low) */

/*
 * ---- interrupt causes: ICR, ICS, IMS, IMC share one layout ----
 *
 *   31        24  23   22   21   20       7    6    4    2    1    0
 *  +---+-----+-----+----+----+----+-...-+----+---+-----+---+----+----+
 *  |ASR| ... |OTHER|TXQ1|TXQ0|RXQ1|RXQ0 |RXT0|RXO|RXDMT|LSC|TXQE|TXDW|
 *  +---+-----+-----+----+----+----+-...-+----+---+-----+---+----+----+
 *   bits 20..24 and 31 (ASR: INT_ASSERTED) are the 82574's. Without
 *   MSI-X, reading ICR returns the causes and clears them, which also
 *   makes the NIC drop INTx# (or lets it send the next MSI). With MSI-X,
 *   RX and TX completions set RXQ0 and TXQ0, everything else (LSC, RXO,
 *   ...) also OTHER; those bits are cleared by writing 1s to ICR.
 */
#define E1000_ICR_TXDW		(1u << 0)	/* TX descriptor written back */
#define E1000_ICR_TXQE		(1u << 1)	/* TX queue empty */
#define E1000_ICR_LSC		(1u << 2)	/* link status change */
#define E1000_ICR_RXDMT0	(1u << 4)	/* RX descriptors below threshold */
#define E1000_ICR_RXO		(1u << 6)	/* RX overrun: frames lost */
#define E1000_ICR_RXT0		(1u << 7)	/* RX timer: frames received */
#define E1000_ICR_RXQ0		(1u << 20)	/* 82574 MSI-X: RX queue 0 */
#define E1000_ICR_TXQ0		(1u << 22)	/* 82574 MSI-X: TX queue 0 */
#define E1000_ICR_OTHER		(1u << 24)	/* 82574 MSI-X: any other cause */
#define E1000_ICR_ASSERTED	(1u << 31)	/* 82574: an interrupt is pending */

/*
 * IVAR (82574): which MSI-X table entry each cause group uses, one 4-bit
 * field each - vector number in bits 2:0, "valid" in bit 3.
 *
 *   31  30     20 19  18 16 15  14 12 11  10  8  7  6   4  3  2   0
 *  +---+--------+---+-----+---+-----+---+-----+---+-----+---+-----+
 *  |AWB|  rsvd  | V |Other| V | TxQ1| V | TxQ0| V | RxQ1| V | RxQ0|
 *  +---+--------+---+-----+---+-----+---+-----+---+-----+---+-----+
 *   AWB: interrupt on every descriptor write-back (unused)
 */
#define E1000_IVAR_VALID	0x8u
#define E1000_IVAR_RXQ0_SHIFT	0
#define E1000_IVAR_TXQ0_SHIFT	8
#define E1000_IVAR_OTHER_SHIFT	16

/* ---- RCTL ---- */
#define E1000_RCTL_EN		(1u << 1)	/* receiver on */
#define E1000_RCTL_UPE		(1u << 3)	/* unicast promiscuous */
#define E1000_RCTL_MPE		(1u << 4)	/* multicast promiscuous */
#define E1000_RCTL_LPE		(1u << 5)	/* long packets (> 1522 bytes) */
#define E1000_RCTL_RDMTS_HALF	(0u << 8)	/* RXDMT0 when half the ring is free */
#define E1000_RCTL_BAM		(1u << 15)	/* accept broadcast */
#define E1000_RCTL_BSIZE_2048	(0u << 16)	/* buffer size 2048 (BSEX 0) */
#define E1000_RCTL_SECRC	(1u << 26)	/* strip the Ethernet CRC */

/* ---- TCTL and TIPG ---- */
#define E1000_TCTL_EN		(1u << 1)	/* transmitter on */
#define E1000_TCTL_PSP		(1u << 3)	/* pad short packets to 64 bytes */
#define E1000_TCTL_CT_SHIFT	4		/* collision threshold (half duplex) */
#define E1000_TCTL_COLD_SHIFT	12		/* collision distance */
#define E1000_TCTL_RTLC		(1u << 24)	/* 82574: retransmit on late collision */
#define E1000_TCTL_CT_DEFAULT	0x0f		/* both manuals' recommendation */

#define E1000_TIPG_IPGR1_SHIFT	10
#define E1000_TIPG_IPGR2_SHIFT	20

/*
 * ---- legacy descriptors: 16 bytes each, in rings of physically
 * contiguous memory (base 16-byte aligned, length a multiple of 128) ----
 *
 * Transmit (8254x manual 3.3.3, 82574 datasheet 7.2.10.1):
 *
 *   63                                                               0
 *  +-----------------------------------------------------------------+
 *  |                 buffer address (physical)                        | +0
 *  +----------+--------+------+------+--------+--------+--------------+
 *  | special  |  CSS   | rsvd | STA  |  CMD   |  CSO   |   length     | +8
 *  +----------+--------+------+------+--------+--------+--------------+
 *   63      48 47    40 39  36 35  32 31    24 23    16 15           0
 *
 *   CMD: EOP (last descriptor of the frame), IFCS (append the CRC), RS
 *        (report status: set DD when done), IDE (delay the interrupt),
 *        DEXT 0 = this legacy layout. STA: DD (descriptor done).
 *   CSO/CSS: checksum offload (unused, 0); special: VLAN tag (unused).
 *
 * Receive (8254x manual 3.2.3, 82574 datasheet 7.1.4.1; the 82574 uses
 * this layout while RFCTL.EXSTEN and RCTL.DTYP are 0, their reset values):
 *
 *   63                                                               0
 *  +-----------------------------------------------------------------+
 *  |                 buffer address (physical)                        | +0
 *  +----------+---------+---------+-------------------+--------------+
 *  | special  | errors  | status  |  packet checksum  |   length     | +8
 *  +----------+---------+---------+-------------------+--------------+
 *   63      48 47     40 39     32 31               16 15           0
 *
 *   The NIC writes everything but the address. status: DD (written
 *   back), EOP (last buffer of the frame: with 2048-byte buffers and no
 *   long packets, every frame is one buffer). errors: CE (CRC), SE
 *   (symbol), SEQ (sequence), CXE (carrier extension), RXE (data) - a
 *   frame with any of them is dropped.
 */
struct e1000_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "legacy TX descriptor is 16 bytes");

#define E1000_TXD_CMD_EOP	(1u << 0)
#define E1000_TXD_CMD_IFCS	(1u << 1)
#define E1000_TXD_CMD_RS	(1u << 3)
#define E1000_TXD_CMD_DEXT	(1u << 5)
#define E1000_TXD_CMD_IDE	(1u << 7)
#define E1000_TXD_STA_DD	(1u << 0)

struct e1000_rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
};
_Static_assert(sizeof(struct e1000_rx_desc) == 16, "legacy RX descriptor is 16 bytes");

#define E1000_RXD_STA_DD	(1u << 0)
#define E1000_RXD_STA_EOP	(1u << 1)
#define E1000_RXD_ERR_CE	(1u << 0)
#define E1000_RXD_ERR_SE	(1u << 1)
#define E1000_RXD_ERR_SEQ	(1u << 2)
#define E1000_RXD_ERR_CXE	(1u << 4)
#define E1000_RXD_ERR_RXE	(1u << 7)
#define E1000_RXD_ERR_FRAME	(E1000_RXD_ERR_CE | E1000_RXD_ERR_SE | E1000_RXD_ERR_SEQ | \
				 E1000_RXD_ERR_CXE | E1000_RXD_ERR_RXE)

#endif
