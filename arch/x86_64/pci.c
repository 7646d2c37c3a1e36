/*
 * pci.c - PCI configuration space through ports 0xCF8/0xCFC, bus
 * enumeration, BAR sizing, capabilities and MSI-X on x86.
 *
 * Configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2):
 * write the address of a 32-bit configuration register to CONFIG_ADDRESS,
 * then read or write it through CONFIG_DATA. Narrower accesses use the
 * byte lanes 0xCFC + (offset & 3).
 *
 *   CONFIG_ADDRESS (port 0xCF8):
 *    31   30      24 23     16 15     11 10      8 7          2 1  0
 *   +---+----------+---------+---------+---------+------------+----+
 *   | E | reserved |   bus   | device  | function|  register  | 00 |
 *   +---+----------+---------+---------+---------+------------+----+
 *     E: enable (1 = configuration cycle)
 *
 * The two port accesses form one transaction, so pci_cfg_lock serialises
 * them across CPUs and against interrupt handlers. Only the first 256
 * bytes of each function are reachable this way (PCIe's extended space
 * needs ECAM, which nothing here uses yet).
 *
 * Enumeration is brute force: every bus 0..255, device 0..31, function 0
 * and, for multi-function devices, 1..7. That finds devices behind bridges
 * that the firmware configured without walking the bridge tree, and costs
 * a few thousand port reads at boot. BARs keep the addresses firmware
 * (SeaBIOS/OVMF) assigned; pci_init() only measures their sizes.
 *
 * Interrupts, best first: MSI-X (pci_msix_*) and MSI (pci_msi_enable),
 * whose messages are plain memory writes to the local APIC, so no I/O
 * APIC routing or INTx# polarity is involved; and for functions with
 * neither, the shared, level-triggered INTx# lines (pci_intx_register),
 * routed through the I/O APIC:
 *
 *   INTA#..INTD# --PIRQ link--> ISA IRQ (Interrupt Line, e.g. 11)
 *        --MADT override--> GSI 11, level --I/O APIC--> vector 0x30..0xef
 *        --> intx_dispatch(): every handler on the line, in turn
 *
 * Neighbours: arch/pci.h (the API), apic.c (I/O APIC, the vectors' EOI),
 * acpi.c (overrides), kernel/drivers/ (users).
 */
#include <arch/acpi.h>
#include <arch/io.h>
#include <arch/lapic.h>
#include <arch/pci.h>
#include <arch/pgtable.h>
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/lib/printf.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"

#define PCI_CONFIG_ADDRESS	0xcf8
#define PCI_CONFIG_DATA		0xcfc
#define PCI_CONFIG_ENABLE	(1u << 31)

#define PCI_MAX_BUS		256
#define PCI_MAX_SLOT		32
#define PCI_MAX_FUNC		8

static spinlock_t pci_cfg_lock = SPINLOCK_INIT(pci_cfg_lock);	/* the 0xCF8/0xCFC pair */
static spinlock_t pci_dev_lock = SPINLOCK_INIT(pci_dev_lock);	/* claimed flags, vectors, INTx lines */
static struct pci_dev pci_devs[PCI_MAX_DEVICES];
static unsigned int nr_pci_devs;
static bool pci_done;

/* ---- raw configuration access by bus/slot/function ---- */

static uint32_t cfg_address(uint8_t bus, uint8_t slot, uint8_t func, unsigned int off)
{
	return PCI_CONFIG_ENABLE | (uint32_t)bus << 16 | (uint32_t)(slot & 0x1f) << 11 |
	       (uint32_t)(func & 0x7) << 8 | (off & 0xfc);
}

static uint32_t cfg_read(uint8_t bus, uint8_t slot, uint8_t func, unsigned int off,
			 unsigned int width)
{
	unsigned long irq = spin_lock_irqsave(&pci_cfg_lock);
	uint16_t port = PCI_CONFIG_DATA + (off & 3);
	uint32_t v;

	outl(PCI_CONFIG_ADDRESS, cfg_address(bus, slot, func, off));
	if (width == 1)
		v = inb(port);
	else if (width == 2)
		v = inw(port);
	else
		v = inl(PCI_CONFIG_DATA);
	spin_unlock_irqrestore(&pci_cfg_lock, irq);
	return v;
}

static void cfg_write(uint8_t bus, uint8_t slot, uint8_t func, unsigned int off,
		      unsigned int width, uint32_t v)
{
	unsigned long irq = spin_lock_irqsave(&pci_cfg_lock);
	uint16_t port = PCI_CONFIG_DATA + (off & 3);

	outl(PCI_CONFIG_ADDRESS, cfg_address(bus, slot, func, off));
	if (width == 1)
		outb(port, (uint8_t)v);
	else if (width == 2)
		outw(port, (uint16_t)v);
	else
		outl(PCI_CONFIG_DATA, v);
	spin_unlock_irqrestore(&pci_cfg_lock, irq);
}

uint8_t pci_read8(const struct pci_dev *d, unsigned int off)
{
	return (uint8_t)cfg_read(d->bus, d->slot, d->func, off, 1);
}

uint16_t pci_read16(const struct pci_dev *d, unsigned int off)
{
	return (uint16_t)cfg_read(d->bus, d->slot, d->func, off, 2);
}

uint32_t pci_read32(const struct pci_dev *d, unsigned int off)
{
	return cfg_read(d->bus, d->slot, d->func, off, 4);
}

void pci_write8(const struct pci_dev *d, unsigned int off, uint8_t v)
{
	cfg_write(d->bus, d->slot, d->func, off, 1, v);
}

void pci_write16(const struct pci_dev *d, unsigned int off, uint16_t v)
{
	cfg_write(d->bus, d->slot, d->func, off, 2, v);
}

void pci_write32(const struct pci_dev *d, unsigned int off, uint32_t v)
{
	cfg_write(d->bus, d->slot, d->func, off, 4, v);
}

/* ---- BARs ---- */

/*
 * A Base Address Register, low bits first:
 *
 *   memory:  31 ........................ 4   3    2 1   0
 *           +-----------------------------+----+-----+---+
 *           | base address (16-aligned)   |pref| type| 0 |  type 00: 32-bit
 *           +-----------------------------+----+-----+---+       10: 64-bit,
 *                                                                the next BAR
 *   I/O:     31 ........................ 2   1   0               holds bits 63:32
 *           +-----------------------------+---+---+
 *           | base port (4-aligned)       | 0 | 1 |
 *           +-----------------------------+---+---+
 *
 * The size comes from the write-ones method: write all ones, read back;
 * the device keeps the bits below its size at zero, so the size is the
 * two's complement of what reads back (with the flag bits masked off).
 * Then the original value goes back. Decoding is off meanwhile, so the
 * device never answers at the all-ones address.
 */
#define BAR_IO			(1u << 0)
#define BAR_MEM_TYPE_MASK	(3u << 1)
#define BAR_MEM_TYPE_64		(2u << 1)
#define BAR_MEM_PREFETCH	(1u << 3)
#define BAR_IO_MASK		(~3u)
#define BAR_MEM_MASK		(~0xfu)

/* Write ones to the BAR at @off, return what reads back, restore it. */
static uint32_t bar_probe_mask(struct pci_dev *d, unsigned int off, uint32_t orig)
{
	uint32_t mask;

	pci_write32(d, off, 0xffffffff);
	mask = pci_read32(d, off);
	pci_write32(d, off, orig);
	return mask;
}

/* Fill d->bar[i]; returns how many BAR slots it used (2 for a 64-bit one). */
static unsigned int bar_probe(struct pci_dev *d, unsigned int i, unsigned int nr_bars)
{
	unsigned int off = PCI_BAR0 + 4 * i;
	uint32_t lo = pci_read32(d, off), mask = bar_probe_mask(d, off, lo);
	struct pci_bar *b = &d->bar[i];

	if (mask == 0)
		return 1;				/* unimplemented BAR */
	if (lo & BAR_IO) {
		mask &= BAR_IO_MASK;
		if (!(mask >> 16))
			mask |= 0xffff0000;		/* only 16 port bits decoded */
		b->type = PCI_BAR_IO;
		b->base = lo & BAR_IO_MASK;
		b->size = (uint32_t)(~mask + 1);
		return 1;
	}
	b->prefetchable = lo & BAR_MEM_PREFETCH;
	if ((lo & BAR_MEM_TYPE_MASK) == BAR_MEM_TYPE_64 && i + 1 < nr_bars) {
		uint32_t hi = pci_read32(d, off + 4);
		uint64_t mask64 = (uint64_t)bar_probe_mask(d, off + 4, hi) << 32 |
				  (mask & BAR_MEM_MASK);

		b->type = PCI_BAR_MEM64;
		b->base = (uint64_t)hi << 32 | (lo & BAR_MEM_MASK);
		b->size = ~mask64 + 1;
		return 2;
	}
	b->type = PCI_BAR_MEM32;
	b->base = lo & BAR_MEM_MASK;
	b->size = (uint32_t)(~(mask & BAR_MEM_MASK) + 1);
	return 1;
}

static void bars_probe(struct pci_dev *d)
{
	unsigned int nr_bars;
	uint16_t cmd;

	if (d->header_type == PCI_HEADER_NORMAL)
		nr_bars = 6;
	else if (d->header_type == PCI_HEADER_BRIDGE)
		nr_bars = 2;
	else
		return;				/* CardBus: not handled */
	cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned int i = 0; i < nr_bars; )
		i += bar_probe(d, i, nr_bars);
	pci_write16(d, PCI_COMMAND, cmd);
}

/* ---- enumeration ---- */

static void print_dev(const struct pci_dev *d)
{
	static const char *const bar_kind[] = {
		[PCI_BAR_IO] = "io", [PCI_BAR_MEM32] = "mem", [PCI_BAR_MEM64] = "mem64",
	};
	char line[256];
	int n;

	n = snprintf(line, sizeof(line), "pci: %02x:%02x.%x %04x:%04x class %02x.%02x",
		     d->bus, d->slot, d->func, d->vendor, d->device, d->class, d->subclass);
	if (d->irq_pin)
		n += snprintf(line + n, sizeof(line) - n, " irq %u INT%c#", d->irq_line,
			      'A' + d->irq_pin - 1);
	for (unsigned int i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = &d->bar[i];

		if (b->type != PCI_BAR_NONE && (size_t)n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, " bar%u %s %lx+%lx", i,
				      bar_kind[b->type], (unsigned long)b->base,
				      (unsigned long)b->size);
	}
	printk("%s\n", line);
}

static void add_function(uint8_t bus, uint8_t slot, uint8_t func)
{
	struct pci_dev *d;

	if (nr_pci_devs == PCI_MAX_DEVICES) {
		pr_warn("pci: more than %u functions; ignoring %02x:%02x.%x\n",
			PCI_MAX_DEVICES, bus, slot, func);
		return;
	}
	d = &pci_devs[nr_pci_devs++];
	d->bus = bus;
	d->slot = slot;
	d->func = func;
	d->vendor = pci_read16(d, PCI_VENDOR_ID);
	d->device = pci_read16(d, PCI_DEVICE_ID);
	d->revision = pci_read8(d, PCI_REVISION);
	d->prog_if = pci_read8(d, PCI_PROG_IF);
	d->subclass = pci_read8(d, PCI_SUBCLASS);
	d->class = pci_read8(d, PCI_CLASS);
	d->header_type = pci_read8(d, PCI_HEADER_TYPE) & ~PCI_HEADER_MULTIFUNC;
	if (d->header_type == PCI_HEADER_NORMAL) {
		d->subsys_vendor = pci_read16(d, PCI_SUBSYS_VENDOR);
		d->subsys_device = pci_read16(d, PCI_SUBSYS_ID);
	}
	d->irq_line = pci_read8(d, PCI_INTERRUPT_LINE);
	d->irq_pin = pci_read8(d, PCI_INTERRUPT_PIN);
	bars_probe(d);
	print_dev(d);
}

static void scan_slot(uint8_t bus, uint8_t slot)
{
	unsigned int nr_funcs = 1;

	if (cfg_read(bus, slot, 0, PCI_VENDOR_ID, 2) == 0xffff)
		return;				/* nothing there: all ones */
	if (cfg_read(bus, slot, 0, PCI_HEADER_TYPE, 1) & PCI_HEADER_MULTIFUNC)
		nr_funcs = PCI_MAX_FUNC;
	for (unsigned int func = 0; func < nr_funcs; func++)
		if (cfg_read(bus, slot, func, PCI_VENDOR_ID, 2) != 0xffff)
			add_function(bus, slot, func);
}

void pci_init(void)
{
	if (pci_done)
		return;
	for (unsigned int bus = 0; bus < PCI_MAX_BUS; bus++)
		for (unsigned int slot = 0; slot < PCI_MAX_SLOT; slot++)
			scan_slot(bus, slot);
	printk("pci: %u functions\n", nr_pci_devs);
	__atomic_store_n(&pci_done, true, __ATOMIC_RELEASE);
}

bool pci_ready(void)
{
	return __atomic_load_n(&pci_done, __ATOMIC_ACQUIRE);
}

unsigned int pci_device_count(void)
{
	return nr_pci_devs;
}

struct pci_dev *pci_device_at(unsigned int i)
{
	return i < nr_pci_devs ? &pci_devs[i] : NULL;
}

struct pci_dev *pci_find_device(uint16_t vendor, uint16_t device, struct pci_dev *from)
{
	unsigned int i = from ? (unsigned int)(from - pci_devs) + 1 : 0;

	for (; i < nr_pci_devs; i++)
		if (pci_devs[i].vendor == vendor &&
		    (device == PCI_ANY_ID || pci_devs[i].device == device))
			return &pci_devs[i];
	return NULL;
}

/* ---- capabilities ---- */

/*
 * The list starts at the byte PCI_CAP_PTR names (low two bits reserved);
 * each entry is { u8 id, u8 next, ... } and next == 0 ends it. At most 48
 * entries fit in the 192 bytes after the header, which bounds a looping
 * list.
 */
unsigned int pci_find_capability(const struct pci_dev *d, uint8_t id, unsigned int from)
{
	unsigned int off;

	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	off = from ? pci_read8(d, from + 1) : pci_read8(d, PCI_CAP_PTR);
	for (unsigned int steps = 0; steps < 48 && off >= 0x40; steps++) {
		off &= 0xfc;
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1);
	}
	return 0;
}

/* ---- claiming, enabling, mapping ---- */

int pci_claim(struct pci_dev *d)
{
	unsigned long irq = spin_lock_irqsave(&pci_dev_lock);
	int err = d->claimed ? -EBUSY : 0;

	d->claimed = true;
	spin_unlock_irqrestore(&pci_dev_lock, irq);
	return err;
}

void pci_enable_device(struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND) | PCI_COMMAND_MASTER;

	for (unsigned int i = 0; i < PCI_NUM_BARS; i++) {
		if (d->bar[i].type == PCI_BAR_IO)
			cmd |= PCI_COMMAND_IO;
		else if (d->bar[i].type != PCI_BAR_NONE)
			cmd |= PCI_COMMAND_MEMORY;
	}
	pci_write16(d, PCI_COMMAND, cmd);
}

void *pci_map_bar(struct pci_dev *d, unsigned int bar)
{
	struct pci_bar *b;

	if (bar >= PCI_NUM_BARS)
		return NULL;
	b = &d->bar[bar];
	if (b->type != PCI_BAR_MEM32 && b->type != PCI_BAR_MEM64)
		return NULL;
	if (!b->mmio && b->base && b->size)
		b->mmio = ioremap(b->base, ALIGN_UP(b->size, PAGE_SIZE));
	return b->mmio;
}

/* ---- MSI-X ---- */

/*
 * The capability (PCI 3.0, 6.8.2.1) and one 16-byte table entry:
 *
 *    31            16 15        8 7         0
 *   +----------------+-----------+-----------+
 *   | Message Control| next ptr  | ID = 0x11 |  +0
 *   +----------------+-----------+-----+-----+
 *   |        Table offset              | BIR |  +4   BIR: which BAR
 *   |        PBA offset                | BIR |  +8
 *   +----------------------------------+-----+
 *   Message Control: bit 15 enable, bit 14 function mask, 10:0 table size-1
 *
 *   table entry:  +0 message address   +4 message upper address
 *                 +8 message data      +12 vector control (bit 0: masked)
 *
 * On x86 the message is a write to the local APIC's window (Intel SDM vol.
 * 3A, 11.11): the address names the destination CPU, the data the vector.
 *
 *   address:  31     20 19          12 11      4  3    2   1  0
 *            +---------+--------------+---------+----+----+----+
 *            |  0xFEE  | dest APIC ID | reserved| RH | DM | 00 |
 *            +---------+--------------+---------+----+----+----+
 *   data:     15   14   13  11 10      8 7            0
 *            +----+----+------+---------+--------------+
 *            | TM | LV | rsvd | delivery|    vector    |   TM 0 = edge,
 *            +----+----+------+---------+--------------+   delivery 000 = fixed
 */
#define MSIX_CTRL		2
#define MSIX_TABLE		4
#define MSIX_CTRL_ENABLE	(1u << 15)
#define MSIX_CTRL_MASKALL	(1u << 14)
#define MSIX_CTRL_SIZE_MASK	0x7ff
#define MSIX_BIR_MASK		0x7

#define MSIX_ENTRY_SIZE		16
#define MSIX_ENTRY_ADDR_LO	0
#define MSIX_ENTRY_ADDR_HI	4
#define MSIX_ENTRY_DATA		8
#define MSIX_ENTRY_CTRL		12
#define MSIX_ENTRY_MASKED	(1u << 0)

#define MSI_ADDR_BASE		0xfee00000u
#define MSI_ADDR_DEST_SHIFT	12

#define PCI_VECTOR_FIRST	0x30		/* see arch/irq.h */
#define PCI_VECTOR_LAST		0xef

int pci_msix_enable(struct pci_dev *d)
{
	unsigned int cap = pci_find_capability(d, PCI_CAP_ID_MSIX, 0);
	unsigned int nr, bir;
	uint32_t table;
	uint16_t ctrl;
	uint8_t *bar;

	if (!cap)
		return -ENODEV;
	ctrl = pci_read16(d, cap + MSIX_CTRL);
	table = pci_read32(d, cap + MSIX_TABLE);
	nr = (ctrl & MSIX_CTRL_SIZE_MASK) + 1;
	bir = table & MSIX_BIR_MASK;
	if (bir >= PCI_NUM_BARS ||
	    (uint64_t)(table & ~MSIX_BIR_MASK) + nr * MSIX_ENTRY_SIZE > d->bar[bir].size)
		return -ENODEV;			/* table outside its BAR */
	bar = pci_map_bar(d, bir);
	if (!bar)
		return -ENOMEM;
	d->msix_cap = cap;
	d->msix_entries = nr;
	d->msix_table = bar + (table & ~MSIX_BIR_MASK);
	/* Enable with the whole function masked, mask each entry, then unmask. */
	pci_write16(d, cap + MSIX_CTRL, ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
	for (unsigned int i = 0; i < d->msix_entries; i++)
		mmio_write32(d->msix_table + i * MSIX_ENTRY_SIZE + MSIX_ENTRY_CTRL,
			     MSIX_ENTRY_MASKED);
	pci_write16(d, cap + MSIX_CTRL, (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL);
	return 0;
}

/* As vector_alloc(), with pci_dev_lock held. */
static int vector_alloc_locked(irq_handler_t fn, void *arg)
{
	for (unsigned int v = PCI_VECTOR_FIRST; v <= PCI_VECTOR_LAST; v++)
		if (irq_register_vector(v, fn, arg) == 0)
			return (int)v;
	return -EBUSY;
}

/* A CPU vector nobody uses, now running @fn; -EBUSY when all are taken. */
static int vector_alloc(irq_handler_t fn, void *arg)
{
	unsigned long irq = spin_lock_irqsave(&pci_dev_lock);
	int vec = vector_alloc_locked(fn, arg);

	spin_unlock_irqrestore(&pci_dev_lock, irq);
	return vec;
}

int pci_msix_set_vector(struct pci_dev *d, unsigned int entry, irq_handler_t fn, void *arg)
{
	volatile uint8_t *e;
	int vec;

	if (!d->msix_table || entry >= d->msix_entries)
		return -EINVAL;
	vec = vector_alloc(fn, arg);
	if (vec < 0)
		return vec;
	e = d->msix_table + entry * MSIX_ENTRY_SIZE;
	mmio_write32(e + MSIX_ENTRY_CTRL, MSIX_ENTRY_MASKED);
	mmio_write32(e + MSIX_ENTRY_ADDR_LO, MSI_ADDR_BASE | lapic_id() << MSI_ADDR_DEST_SHIFT);
	mmio_write32(e + MSIX_ENTRY_ADDR_HI, 0);
	mmio_write32(e + MSIX_ENTRY_DATA, (uint32_t)vec);	/* fixed, edge */
	mmio_write32(e + MSIX_ENTRY_CTRL, 0);
	return vec;
}

/* ---- MSI ---- */

/*
 * The MSI capability (PCI 3.0, 6.8.1); the message itself is the one
 * drawn above for MSI-X (address: destination APIC id, data: vector):
 *
 *    31            16 15        8 7         0
 *   +----------------+-----------+-----------+
 *   | Message Control| next ptr  | ID = 0x05 |  +0
 *   +----------------+-----------+-----------+
 *   |          Message Address (low)          |  +4
 *   |  Message Upper Address (64-bit only)    |  +8
 *   |          | Message Data (+8 or +12)     |
 *   |  Mask bits (per-vector masking only)    |  +12 or +16
 *   +-----------------------------------------+
 *   Message Control: bit 0 enable, 3:1 vectors capable (log2), 6:4
 *   vectors enabled (log2), 7 64-bit address, 8 per-vector masking
 */
#define MSI_CTRL		2
#define MSI_ADDR_LO		4
#define MSI_ADDR_HI		8
#define MSI_DATA_32		8
#define MSI_DATA_64		12
#define MSI_MASK_32		12
#define MSI_MASK_64		16
#define MSI_CTRL_ENABLE		(1u << 0)
#define MSI_CTRL_MME_MASK	(7u << 4)
#define MSI_CTRL_64BIT		(1u << 7)
#define MSI_CTRL_MASKABLE	(1u << 8)

int pci_msi_enable(struct pci_dev *d, irq_handler_t fn, void *arg)
{
	unsigned int cap = pci_find_capability(d, PCI_CAP_ID_MSI, 0);
	uint16_t ctrl;
	bool is64;
	int vec;

	if (!cap)
		return -ENODEV;
	vec = vector_alloc(fn, arg);
	if (vec < 0)
		return vec;
	ctrl = pci_read16(d, cap + MSI_CTRL);
	is64 = ctrl & MSI_CTRL_64BIT;
	/* Off while the message is written; one vector (MME 0). */
	ctrl &= ~(MSI_CTRL_ENABLE | MSI_CTRL_MME_MASK);
	pci_write16(d, cap + MSI_CTRL, ctrl);
	pci_write32(d, cap + MSI_ADDR_LO, MSI_ADDR_BASE | lapic_id() << MSI_ADDR_DEST_SHIFT);
	if (is64)
		pci_write32(d, cap + MSI_ADDR_HI, 0);
	pci_write16(d, cap + (is64 ? MSI_DATA_64 : MSI_DATA_32), (uint16_t)vec);
	if (ctrl & MSI_CTRL_MASKABLE)
		pci_write32(d, cap + (is64 ? MSI_MASK_64 : MSI_MASK_32), 0);
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | PCI_COMMAND_INTX_OFF);
	pci_write16(d, cap + MSI_CTRL, ctrl | MSI_CTRL_ENABLE);
	d->msi_cap = cap;
	return vec;
}

/* ---- INTx# ---- */

#define INTX_LINES		8	/* distinct GSIs with PCI INTx# handlers */
#define INTX_SHARERS		8	/* handlers on one line */

/*
 * One level-triggered line and the handlers sharing it. gsi, vector and
 * the entries below nr are written once, under pci_dev_lock, before nr
 * (a release store) counts them; the dispatcher reads nr with acquire and
 * needs no lock. Lines and handlers are never removed.
 */
struct intx_line {
	uint32_t gsi;
	int vector;
	unsigned int nr;
	struct {
		pci_intx_handler_t fn;
		void *arg;
	} h[INTX_SHARERS];
	unsigned int unhandled;		/* in a row; only the dispatcher touches it */
};

/*
 * A line that interrupts this many times in a row without any handler
 * owning up is held by a device nobody drives (or one that will not let
 * go): it is masked, or it would take the CPU forever.
 */
#define INTX_UNHANDLED_MAX	10000

static struct intx_line intx_lines[INTX_LINES];	/* pci_dev_lock */
static unsigned int nr_intx_lines;			/* pci_dev_lock */

/*
 * Every handler on the line runs: each checks whether its device asserts
 * INTx# and, if so, makes it stop. The EOI after this (trap.c) lets the
 * I/O APIC deliver again if a device still holds the line.
 */
static void intx_dispatch(void *arg)
{
	struct intx_line *l = arg;
	unsigned int nr = __atomic_load_n(&l->nr, __ATOMIC_ACQUIRE);
	bool handled = false;

	for (unsigned int i = 0; i < nr; i++)
		handled |= l->h[i].fn(l->h[i].arg);
	if (handled) {
		l->unhandled = 0;
	} else if (++l->unhandled == INTX_UNHANDLED_MAX) {
		ioapic_mask(l->gsi, 1);
		pr_warn("pci: GSI %u interrupts and no driver claims it: masked\n", l->gsi);
	}
}

/* Where @d's INTx# arrives: the GSI and its polarity/trigger; or -ENODEV. */
static int intx_route_of(const struct pci_dev *d, uint32_t *gsi, struct ioapic_route *r)
{
	bool low, level;

	if (d->irq_pin < 1 || d->irq_pin > 4)
		return -ENODEV;			/* no INTx# pin */
	if (d->irq_line == 0 || d->irq_line == 0xff)
		return -ENODEV;			/* firmware did not route it */
	if (d->irq_line < 16) {
		*gsi = acpi_pci_irq_to_gsi(d->irq_line, &low, &level);
	} else {
		*gsi = d->irq_line;
		low = level = true;
	}
	r->active_low = low;
	r->level = level;
	return 0;
}

/* The line for @gsi, made (vector and I/O APIC entry) if it is new. */
static struct intx_line *intx_line_get_locked(uint32_t gsi, struct ioapic_route *r)
{
	struct intx_line *l;
	int vec;

	for (unsigned int i = 0; i < nr_intx_lines; i++)
		if (intx_lines[i].gsi == gsi)
			return &intx_lines[i];
	/* A new line: not one an ISA device (edge-triggered) has routed. */
	if (nr_intx_lines == INTX_LINES || ioapic_gsi_in_use(gsi))
		return NULL;
	l = &intx_lines[nr_intx_lines];
	vec = vector_alloc_locked(intx_dispatch, l);
	if (vec < 0)
		return NULL;
	l->gsi = gsi;
	l->vector = vec;
	r->vector = (uint8_t)vec;
	if (ioapic_route(gsi, r)) {
		irq_register_vector((unsigned int)vec, NULL, NULL);
		return NULL;
	}
	nr_intx_lines++;
	return l;
}

int pci_intx_register(struct pci_dev *d, pci_intx_handler_t fn, void *arg)
{
	struct ioapic_route r;
	struct intx_line *l;
	unsigned long irq;
	uint32_t gsi;
	int err;

	err = intx_route_of(d, &gsi, &r);
	if (err)
		return err;
	irq = spin_lock_irqsave(&pci_dev_lock);
	l = intx_line_get_locked(gsi, &r);
	if (!l || l->nr == INTX_SHARERS) {
		spin_unlock_irqrestore(&pci_dev_lock, irq);
		return -EBUSY;
	}
	l->h[l->nr].fn = fn;
	l->h[l->nr].arg = arg;
	__atomic_store_n(&l->nr, l->nr + 1, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&pci_dev_lock, irq);
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) & ~PCI_COMMAND_INTX_OFF);
	printk("pci: %02x:%02x.%x INT%c# -> IRQ %u -> GSI %u (%s, active %s), vector %#x\n",
	       d->bus, d->slot, d->func, 'A' + d->irq_pin - 1, d->irq_line, gsi,
	       r.level ? "level" : "edge", r.active_low ? "low" : "high", l->vector);
	return l->vector;
}
