/*
 * arch/pci.h - PCI configuration space, the table of devices found at boot,
 * BARs and MSI-X.
 *
 * Every PCI function has a 256-byte configuration space. The first 64 bytes
 * are the standard header (PCI Local Bus Specification 3.0, 6.1), type 0
 * for an ordinary device:
 *
 *   31            24 23            16 15             8 7              0
 *  +----------------+----------------+----------------+----------------+
 *  |           Device ID             |           Vendor ID             | 0x00
 *  |            Status               |            Command              | 0x04
 *  |     Class      |    Subclass    |    Prog IF     |   Revision     | 0x08
 *  |     BIST       |  Header type   | Latency timer  | Cache line sz  | 0x0c
 *  |                     Base Address Registers 0..5                    | 0x10
 *  |                            ... (6 x 32 bits)                       | 0x24
 *  |                        CardBus CIS pointer                         | 0x28
 *  |          Subsystem ID           |      Subsystem vendor ID        | 0x2c
 *  |                     Expansion ROM base address                     | 0x30
 *  |                    reserved                      |  Cap. pointer  | 0x34
 *  |                    reserved                                        | 0x38
 *  |    Max_Lat     |    Min_Gnt     | Interrupt pin  | Interrupt line | 0x3c
 *  +----------------+----------------+----------------+----------------+
 *
 * The capability pointer starts a linked list of capabilities in the rest
 * of the space: each begins with { u8 id, u8 next }.
 *
 * pci_init() walks every bus/device/function once and fills a table of
 * struct pci_dev; a driver looks its device up (pci_find_device), claims it
 * so no second driver takes it, enables decoding and bus mastering, and
 * maps its memory BARs. Implementation: arch/x86_64/pci.c.
 */
#ifndef ARCH_PCI_H
#define ARCH_PCI_H

#include "kernel/types.h"
#include <arch/irq.h>

/* Standard header registers (byte offsets). */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION		0x08
#define PCI_PROG_IF		0x09
#define PCI_SUBCLASS		0x0a
#define PCI_CLASS		0x0b
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_SUBSYS_VENDOR	0x2c
#define PCI_SUBSYS_ID		0x2e
#define PCI_CAP_PTR		0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

/* Command register bits. */
#define PCI_COMMAND_IO		(1u << 0)	/* respond to I/O BARs */
#define PCI_COMMAND_MEMORY	(1u << 1)	/* respond to memory BARs */
#define PCI_COMMAND_MASTER	(1u << 2)	/* may start DMA */
#define PCI_COMMAND_INTX_OFF	(1u << 10)	/* INTx# disable */

/* Status register bits. */
#define PCI_STATUS_CAP_LIST	(1u << 4)	/* 0x34 holds a capability list */

/* Header type: low 7 bits the layout, bit 7 "more functions in this slot". */
#define PCI_HEADER_MULTIFUNC	0x80
#define PCI_HEADER_NORMAL	0x00
#define PCI_HEADER_BRIDGE	0x01

/* Capability IDs used in Pagoda. */
#define PCI_CAP_ID_MSI		0x05
#define PCI_CAP_ID_VENDOR	0x09		/* vendor specific (virtio) */
#define PCI_CAP_ID_MSIX		0x11

#define PCI_NUM_BARS		6
#define PCI_MAX_DEVICES		64

enum pci_bar_type {
	PCI_BAR_NONE,
	PCI_BAR_IO,		/* I/O ports: base is a port number */
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,		/* occupies this BAR and the next */
};

struct pci_bar {
	enum pci_bar_type type;
	bool prefetchable;
	uint64_t base;		/* bus address (physical) or port */
	uint64_t size;		/* bytes, found by the write-ones method */
	void *mmio;		/* ioremap() of the BAR once pci_map_bar() ran */
};

struct pci_dev {
	uint8_t bus, slot, func;
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint8_t class, subclass, prog_if, revision;
	uint8_t header_type;	/* without the multi-function bit */
	uint8_t irq_line;	/* firmware's INTx# routing for the 8259 PICs: the
				 * ISA IRQ its PIRQ link goes to (11 for QEMU's
				 * NICs, pc and q35 alike); 0xff none */
	uint8_t irq_pin;	/* 0 none, 1..4 = INTA#..INTD# */
	struct pci_bar bar[PCI_NUM_BARS];
	bool claimed;		/* a driver owns it (pci_claim) */
	/* MSI-X, once pci_msix_enable() ran: */
	uint8_t msix_cap;	/* config offset of the capability, 0 none */
	uint16_t msix_entries;	/* table size */
	volatile uint8_t *msix_table;
	/* MSI, once pci_msi_enable() ran: */
	uint8_t msi_cap;	/* config offset of the capability, 0 none */
};

/*
 * Enumerate every bus, device and function through configuration
 * mechanism #1 (ports 0xCF8/0xCFC), record them and print one line per
 * function. Safe to call twice (the second call does nothing). Boot only:
 * call after paging (ioremap) and the I/O APIC, before any PCI driver.
 */
void pci_init(void);
bool pci_ready(void);

/*
 * Configuration-space access to @d at byte offset @off (naturally aligned
 * for its width). Serialised by a spinlock; never sleeps; any context.
 */
uint8_t pci_read8(const struct pci_dev *d, unsigned int off);
uint16_t pci_read16(const struct pci_dev *d, unsigned int off);
uint32_t pci_read32(const struct pci_dev *d, unsigned int off);
void pci_write8(const struct pci_dev *d, unsigned int off, uint8_t v);
void pci_write16(const struct pci_dev *d, unsigned int off, uint16_t v);
void pci_write32(const struct pci_dev *d, unsigned int off, uint32_t v);

/* The functions found by pci_init(): index 0..pci_device_count()-1. */
unsigned int pci_device_count(void);
struct pci_dev *pci_device_at(unsigned int i);
/*
 * The next device after @from (NULL: the first) whose vendor and device ID
 * match; PCI_ANY_ID matches every device ID. NULL when there is none.
 */
#define PCI_ANY_ID	0xffff
struct pci_dev *pci_find_device(uint16_t vendor, uint16_t device, struct pci_dev *from);

/*
 * Offset of the next capability with ID @id after the one at @from (0: from
 * the start of the list), or 0 when there is none. Loops in a broken list
 * end after 48 steps.
 */
unsigned int pci_find_capability(const struct pci_dev *d, uint8_t id, unsigned int from);

/* Mark @d as owned by the caller. Returns 0, or -EBUSY if already claimed. */
int pci_claim(struct pci_dev *d);
/* Turn on memory and I/O decoding (for the BARs it has) and bus mastering. */
void pci_enable_device(struct pci_dev *d);
/*
 * Map memory BAR @bar uncached and return its virtual address (cached in
 * d->bar[bar].mmio, so a second call returns the same mapping). NULL for an
 * I/O or absent BAR, or when ioremap() fails. Mappings are never undone.
 */
void *pci_map_bar(struct pci_dev *d, unsigned int bar);

/*
 * MSI-X (PCI 3.0, 6.8.2). pci_msix_enable() maps the vector table, masks
 * every entry and turns MSI-X on (which also silences INTx#). Returns 0,
 * -ENODEV (no capability, or its table lies outside the BAR) or -ENOMEM
 * (table not mappable).
 */
int pci_msix_enable(struct pci_dev *d);
/*
 * Give MSI-X table entry @entry a free CPU vector in 0x30..0xef, install
 * @fn(@arg) on it and unmask the entry; the message goes to the boot CPU's
 * local APIC, edge-triggered. Returns the vector, or -EINVAL (no such
 * entry / MSI-X not enabled), -EBUSY (no free vector).
 */
int pci_msix_set_vector(struct pci_dev *d, unsigned int entry, irq_handler_t fn, void *arg);

/*
 * MSI (PCI 3.0, 6.8.1), for a function without MSI-X: one message, a free
 * CPU vector in 0x30..0xef running @fn(@arg), sent to the boot CPU's
 * local APIC, edge-triggered; MSI turns on and INTx# off. Returns the
 * vector, -ENODEV (no MSI capability) or -EBUSY (no free vector). Boot
 * context (probing).
 */
int pci_msi_enable(struct pci_dev *d, irq_handler_t fn, void *arg);

/*
 * Legacy INTx#, for a function with neither MSI-X nor MSI: run @fn(@arg)
 * on every interrupt of the line the function's Interrupt Pin is wired
 * to. The line is level-triggered and may be shared with other functions,
 * so every handler on it runs on each interrupt: @fn must check its own
 * device's cause register and make the device drop the line, returning
 * true, or return false when its device is not asserting it. A line that
 * keeps interrupting with every handler saying false is masked (a device
 * nobody drives holds it).
 *
 * Routing: the Interrupt Line the firmware wrote is an ISA IRQ (PIC mode),
 * taken to a GSI through the MADT's overrides (polarity and trigger too,
 * PCI defaults where it says nothing); a value of 16 or more is taken as a
 * GSI, level-triggered and active low. That is right on QEMU's pc and q35
 * machines, whose chipsets feed the routed IRQ to the I/O APIC pin of the
 * same number; a PC whose chipset wires PIRQs only to I/O APIC pins 16..23
 * needs the DSDT's _PRT, which Pagoda cannot read (no AML interpreter).
 *
 * Returns the CPU vector of the line, or -ENODEV (no pin, or unrouted),
 * -EBUSY (the GSI belongs to an ISA device, or no vector or sharing slot
 * is left). Clears INTx Disable in the command register. Boot context.
 */
typedef bool (*pci_intx_handler_t)(void *arg);
int pci_intx_register(struct pci_dev *d, pci_intx_handler_t fn, void *arg);

#endif
