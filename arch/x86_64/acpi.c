/*
 * acpi.c - just enough ACPI: RSDP -> RSDT/XSDT -> MADT, FADT (+ DSDT \_S5),
 * HPET.
 *
 *   RSDP "RSD PTR " --rsdt_addr (32-bit)--> RSDT: header + u32 table addrs
 *                   --xsdt_addr (64-bit)--> XSDT: header + u64 table addrs
 *   each table: 36-byte header (signature, length, revision, checksum, ...)
 *
 * Tables are usually in memory the firmware reserved, outside the direct
 * map, so each is mapped with ioremap_cached() (a bump allocator: tables are
 * read once at boot). Every table's checksum is verified and every length
 * bounded before it is parsed; a bad table is ignored, never trusted.
 *
 * \_S5 (the SLP_TYP values for soft-off) lives in the DSDT's AML. We do not
 * run an AML interpreter; we find the "_S5_" name and decode the package
 * that follows (NameOp "_S5_" PackageOp PkgLength NumElements {SLP_TYPa,
 * SLP_TYPb ...}), which is how every small kernel does it.
 */
#include <arch/acpi.h>
#include <arch/io.h>
#include <arch/cpu.h>
#include <arch/pgtable.h>
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"

struct acpi_info acpi;

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI table header");

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_addr;
	/* ACPI 2.0+ */
	uint32_t length;
	uint64_t xsdt_addr;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

#define MAX_TABLE_LEN	(1u << 20)

static bool checksum_ok(const void *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += ((const uint8_t *)p)[i];
	return sum == 0;
}

/* Map a whole table at @pa after checking its header. NULL if invalid. */
static const struct acpi_header *map_table(uint64_t pa)
{
	const struct acpi_header *h = ioremap_cached(pa, sizeof(*h));
	uint32_t len;

	if (!h)
		return NULL;
	len = h->length;
	if (len < sizeof(*h) || len > MAX_TABLE_LEN)
		return NULL;
	h = ioremap_cached(pa, len);
	if (!h || !checksum_ok(h, len)) {
		printk("acpi: table at %lx (%.4s) has a bad checksum, ignored\n",
		       pa, h ? h->signature : "????");
		return NULL;
	}
	return h;
}

static void parse_madt(const struct acpi_header *h)
{
	const uint8_t *p = (const uint8_t *)h;
	uint32_t len = h->length;

	memcpy(&acpi.lapic_addr, p + 36, 4);
	acpi.lapic_addr &= 0xffffffff;
	for (uint32_t off = 44; off + 2 <= len; ) {
		uint8_t type = p[off], elen = p[off + 1];

		if (elen < 2 || off + elen > len)
			break;
		const uint8_t *e = p + off;

		switch (type) {
		case 0:		/* processor local APIC: uid, apic id, flags */
			if (elen >= 8 && (e[4] & 3) && acpi.nr_cpus < 64)
				acpi.cpu_apic_ids[acpi.nr_cpus++] = e[3];
			break;
		case 1:		/* I/O APIC: id, reserved, address, gsi base */
			if (elen >= 12 && acpi.nr_ioapics < ACPI_MAX_IOAPICS) {
				struct acpi_ioapic *io = &acpi.ioapics[acpi.nr_ioapics++];

				io->id = e[2];
				memcpy(&io->addr, e + 4, 4);
				memcpy(&io->gsi_base, e + 8, 4);
			}
			break;
		case 2:		/* interrupt source override: bus, source, gsi, flags */
			if (elen >= 10 && acpi.nr_overrides < ACPI_MAX_OVERRIDES) {
				struct acpi_override *o = &acpi.overrides[acpi.nr_overrides++];

				o->isa_irq = e[3];
				memcpy(&o->gsi, e + 4, 4);
				memcpy(&o->flags, e + 8, 2);
			}
			break;
		case 5:		/* 64-bit local APIC address override */
			if (elen >= 12)
				memcpy(&acpi.lapic_addr, e + 4, 8);
			break;
		case 9:		/* processor local x2APIC: reserved, id, flags */
			if (elen >= 16 && (e[8] & 3) && acpi.nr_cpus < 64)
				memcpy(&acpi.cpu_apic_ids[acpi.nr_cpus++], e + 4, 4);
			break;
		}
		off += elen;
	}
}

/* Decode one AML integer of the \_S5 package: BytePrefix n, ZeroOp, OneOp. */
static const uint8_t *aml_small_int(const uint8_t *p, const uint8_t *end, uint8_t *out)
{
	if (p >= end)
		return NULL;
	if (*p == 0x0a && p + 1 < end) {	/* BytePrefix */
		*out = p[1];
		return p + 2;
	}
	if (*p == 0x00 || *p == 0x01) {		/* ZeroOp, OneOp */
		*out = *p;
		return p + 1;
	}
	return NULL;
}

static void find_s5(const struct acpi_header *dsdt)
{
	const uint8_t *aml = (const uint8_t *)dsdt + sizeof(*dsdt);
	const uint8_t *end = (const uint8_t *)dsdt + dsdt->length;

	for (const uint8_t *p = aml; p + 8 < end; p++) {
		if (memcmp(p, "_S5_", 4) != 0)
			continue;
		/* NameOp (0x08) directly before, or before a root prefix '\'. */
		if (!(p > aml && (p[-1] == 0x08 || (p[-1] == '\\' && p - 1 > aml &&
						     p[-2] == 0x08))))
			continue;
		const uint8_t *q = p + 4;

		if (*q++ != 0x12)			/* PackageOp */
			continue;
		q += 1 + (*q >> 6);			/* PkgLength: 1..4 bytes */
		q++;					/* NumElements */
		q = aml_small_int(q, end, &acpi.slp_typa);
		if (q && aml_small_int(q, end, &acpi.slp_typb)) {
			acpi.has_s5 = true;
			return;
		}
	}
}

/*
 * Generic Address Structure, how ACPI 2.0+ names a register:
 *
 *   byte 0      1          2          3            4 ........ 11
 *   +--------+---------+----------+-----------+-------------------+
 *   | space  | bit     | bit      | access    | address (64-bit)  |
 *   | 0 mem  | width   | offset   | size      |                   |
 *   | 1 I/O  |         |          |           |                   |
 *   +--------+---------+----------+-----------+-------------------+
 */
/*
 * The PM timer's block (FADT offsets, ACPI 6.5 table 5.9):
 *
 *    76  PM_TMR_BLK    u32 I/O port (ACPI 1.0)
 *    91  PM_TMR_LEN    u8, 4 when the timer exists
 *   112  Flags         bit 8 TMR_VAL_EXT: the counter is 32 bits, else 24
 *   208  X_PM_TMR_BLK  GAS (ACPI 2.0+), wins when its address is non-zero
 */
#define FADT_FLAG_TMR_VAL_EXT	(1u << 8)

static void parse_fadt_pm_timer(const uint8_t *p, uint32_t len, uint32_t flags)
{
	uint32_t port = 0;

	if (len >= 92 && p[91] == 4)
		memcpy(&port, p + 76, 4);
	if (len >= 220) {
		uint64_t x;

		memcpy(&x, p + 212, 8);
		if (x && (p[208] == ACPI_GAS_SPACE_IO || p[208] == ACPI_GAS_SPACE_MEMORY)) {
			acpi.has_pm_tmr = true;
			acpi.pm_tmr_space = p[208];
			acpi.pm_tmr_addr = x;
		}
	}
	if (!acpi.has_pm_tmr && port) {
		acpi.has_pm_tmr = true;
		acpi.pm_tmr_space = ACPI_GAS_SPACE_IO;
		acpi.pm_tmr_addr = port;
	}
	acpi.pm_tmr_32bit = flags & FADT_FLAG_TMR_VAL_EXT;
}

/*
 * HPET description table (IA-PC HPET spec 1.0a, table 3):
 *
 *   0   header (36 bytes, signature "HPET")
 *   36  event timer block id (u32: hardware rev, comparators, vendor)
 *   40  base address (GAS; the space must be memory)
 *   52  HPET sequence number, 53 minimum tick, 55 page protection
 */
static void parse_hpet(const struct acpi_header *h)
{
	const uint8_t *p = (const uint8_t *)h;
	uint64_t addr;

	if (h->length < 56 || p[40] != ACPI_GAS_SPACE_MEMORY)
		return;
	memcpy(&addr, p + 44, 8);
	if (p[52] == 0)			/* block 0 is the one whose counter we read */
		acpi.hpet_addr = addr;
}

static void parse_fadt(const struct acpi_header *h)
{
	const uint8_t *p = (const uint8_t *)h;
	uint32_t len = h->length, dsdt32 = 0, flags = 0;
	uint64_t dsdt = 0;
	const struct acpi_header *d;

	acpi.has_fadt = true;
	if (len >= 44)
		memcpy(&dsdt32, p + 40, 4);
	dsdt = dsdt32;
	if (len >= 53) {
		memcpy(&acpi.smi_cmd, p + 48, 4);
		acpi.acpi_enable = p[52];
	}
	if (len >= 72) {
		memcpy(&acpi.pm1a_cnt, p + 64, 4);
		memcpy(&acpi.pm1b_cnt, p + 68, 4);
	}
	if (len >= 116)
		memcpy(&flags, p + 112, 4);
	/* RESET_REG (generic address at 116) valid when flags bit 10 is set. */
	if (len >= 129 && (flags & (1u << 10))) {
		acpi.has_reset_reg = true;
		acpi.reset_space = p[116];
		memcpy(&acpi.reset_addr, p + 120, 8);
		acpi.reset_value = p[128];
	}
	parse_fadt_pm_timer(p, len, flags);
	if (len >= 148) {			/* X_DSDT wins when present */
		uint64_t x;

		memcpy(&x, p + 140, 8);
		if (x)
			dsdt = x;
	}
	if (dsdt && (d = map_table(dsdt)) && memcmp(d->signature, "DSDT", 4) == 0)
		find_s5(d);
}

/* Search the legacy BIOS areas for the RSDP (ACPI spec 5.2.5.1). */
static const struct acpi_rsdp *scan_bios_for_rsdp(void)
{
	const uint8_t *bios = ioremap_cached(0xe0000, 0x20000);

	if (!bios)
		return NULL;
	for (unsigned int off = 0; off < 0x20000; off += 16)
		if (memcmp(bios + off, "RSD PTR ", 8) == 0 && checksum_ok(bios + off, 20))
			return (const struct acpi_rsdp *)(bios + off);
	return NULL;
}

int acpi_init(const void *rsdp_copy, unsigned int len)
{
	const struct acpi_rsdp *rsdp = rsdp_copy;
	const struct acpi_header *root;
	bool xsdt;
	unsigned int n, esz;

	if (!rsdp || len < 20)
		rsdp = scan_bios_for_rsdp();
	if (!rsdp || memcmp(rsdp->signature, "RSD PTR ", 8) || !checksum_ok(rsdp, 20)) {
		printk("acpi: no valid RSDP; using PC defaults\n");
		return -ENOENT;
	}
	xsdt = rsdp->revision >= 2 && rsdp->xsdt_addr;
	acpi.revision = rsdp->revision;
	memcpy(acpi.oem, rsdp->oem_id, 6);
	root = map_table(xsdt ? rsdp->xsdt_addr : rsdp->rsdt_addr);
	if (!root)
		return -EINVAL;
	esz = xsdt ? 8 : 4;
	n = (root->length - sizeof(*root)) / esz;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t pa = 0;
		const struct acpi_header *t;

		memcpy(&pa, (const uint8_t *)root + sizeof(*root) + i * esz, esz);
		t = map_table(pa);
		if (!t)
			continue;
		if (memcmp(t->signature, "APIC", 4) == 0 && t->length >= 44)
			parse_madt(t);
		else if (memcmp(t->signature, "FACP", 4) == 0)
			parse_fadt(t);
		else if (memcmp(t->signature, "HPET", 4) == 0)
			parse_hpet(t);
	}
	acpi.present = true;
	printk("acpi: %s rev %d OEM '%s': %u CPU(s), %u I/O APIC(s), %u override(s), "
	       "S5 %s, reset %s, PM timer %s, HPET %s\n", xsdt ? "XSDT" : "RSDT",
	       acpi.revision, acpi.oem, acpi.nr_cpus, acpi.nr_ioapics, acpi.nr_overrides,
	       acpi.has_s5 ? "yes" : "no", acpi.has_reset_reg ? "yes" : "no",
	       !acpi.has_pm_tmr ? "no" : acpi.pm_tmr_32bit ? "32-bit" : "24-bit",
	       acpi.hpet_addr ? "yes" : "no");
	return 0;
}

uint32_t acpi_isa_irq_to_gsi(unsigned int irq, bool *active_low, bool *level)
{
	*active_low = false;		/* ISA default: active high, edge */
	*level = false;
	for (unsigned int i = 0; i < acpi.nr_overrides; i++) {
		const struct acpi_override *o = &acpi.overrides[i];

		if (o->isa_irq != irq)
			continue;
		*active_low = (o->flags & 3) == 3;
		*level = ((o->flags >> 2) & 3) == 3;
		return o->gsi;
	}
	return irq;
}

/*
 * MPS INTI flags, as the MADT's interrupt source overrides carry them:
 * bits 1:0 polarity, 3:2 trigger mode; 00 in either means "conforms to
 * the bus", 01 high / edge, 11 low / level.
 */
#define INTI_CONFORMS	0
#define INTI_HIGH_EDGE	1
#define INTI_LOW_LEVEL	3

uint32_t acpi_pci_irq_to_gsi(unsigned int irq, bool *active_low, bool *level)
{
	*active_low = true;		/* PCI INTx#: active low, level */
	*level = true;
	for (unsigned int i = 0; i < acpi.nr_overrides; i++) {
		const struct acpi_override *o = &acpi.overrides[i];
		unsigned int pol = o->flags & 3, trig = (o->flags >> 2) & 3;

		if (o->isa_irq != irq)
			continue;
		if (pol != INTI_CONFORMS)
			*active_low = pol == INTI_LOW_LEVEL;
		if (trig != INTI_CONFORMS)
			*level = trig == INTI_LOW_LEVEL;
		return o->gsi;
	}
	return irq;
}

#define PM1_SCI_EN	(1u << 0)
#define PM1_SLP_EN	(1u << 13)

void acpi_poweroff(void)
{
	if (!acpi.has_fadt || !acpi.has_s5 || !acpi.pm1a_cnt) {
		printk("acpi: cannot power off (no FADT or \\_S5)\n");
		return;
	}
	/* Firmware in legacy mode must hand over first (SMI_CMD <- ACPI_ENABLE). */
	if (!(inw(acpi.pm1a_cnt) & PM1_SCI_EN) && acpi.smi_cmd && acpi.acpi_enable) {
		outb(acpi.smi_cmd, acpi.acpi_enable);
		for (int i = 0; i < 300 && !(inw(acpi.pm1a_cnt) & PM1_SCI_EN); i++)
			arch_cpu_relax();
	}
	outw(acpi.pm1a_cnt, (acpi.slp_typa << 10) | PM1_SLP_EN);
	if (acpi.pm1b_cnt)
		outw(acpi.pm1b_cnt, (acpi.slp_typb << 10) | PM1_SLP_EN);
	for (int i = 0; i < 1000000; i++)
		arch_cpu_relax();
	printk("acpi: power-off request did not take effect\n");
}

void acpi_reboot(void)
{
	arch_irq_disable();
	if (acpi.has_reset_reg) {
		if (acpi.reset_space == 1)
			outb(acpi.reset_addr, acpi.reset_value);
		else if (acpi.reset_space == 0) {
			volatile uint8_t *r = ioremap(acpi.reset_addr, 1);

			if (r)
				*r = acpi.reset_value;
		}
	}
	/* 8042 keyboard controller: pulse the CPU reset line. */
	for (int i = 0; i < 100000 && (inb(0x64) & 2); i++)
		;
	outb(0x64, 0xfe);
	for (int i = 0; i < 1000000; i++)
		arch_cpu_relax();
	/* Last resort: an empty IDT turns the next exception into a triple fault. */
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };
	__asm__ __volatile__("lidt %0; int3" : : "m"(empty));
	for (;;)
		__asm__ __volatile__("hlt");
}
