/*
 * apic.c - local APIC, I/O APIC, the legacy PIC and the timer tick.
 *
 * Interrupt path on a PC:
 *
 *   device --IRQ line--> I/O APIC (redirection table: GSI -> vector, CPU)
 *                            \--message--> local APIC of the CPU --> IDT
 *   LAPIC timer --------------------------> local APIC (LVT timer entry)
 *
 * The 8259 PICs are remapped away from the exception vectors and fully
 * masked: everything comes through the APICs. The LAPIC timer runs at an
 * unknown bus frequency, so it is calibrated against the TSC, which tsc.c
 * has just measured against the best reference clock (CPUID, HPET, ACPI
 * PM timer or PIT; see there). Both ends of the 50 ms LAPIC window are
 * read between two TSC reads, so a vCPU descheduled in between cannot
 * stretch it.
 *
 * LAPIC registers (xAPIC MMIO, 16-byte aligned, 32-bit access):
 *   0x020 ID   0x0b0 EOI   0x0f0 spurious vector / enable
 *   0x320 LVT timer   0x350 LINT0   0x360 LINT1   0x370 LVT error
 *   0x380 initial count   0x390 current count   0x3e0 divide config
 *   0x300 ICR low   0x310 ICR high (interrupt command: IPIs, smp.c)
 *
 * ICR (Intel SDM vol. 3A, 11.6.1), xAPIC layout:
 *
 *   high 63..56 destination APIC id
 *   low  19..18 shorthand | 15 trigger (1 level) | 14 level (1 assert)
 *        12 delivery status (1 pending) | 11 dest mode | 10..8 delivery
 *        mode (101 INIT, 110 Start-up) | 7..0 vector (SIPI: start page)
 */
#include <arch/lapic.h>
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/irq.h>
#include <arch/percpu.h>
#include <arch/pgtable.h>
#include <arch/tsc.h>
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/time.h"

#define LAPIC_ID	0x020
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_LINT0	0x350
#define LAPIC_LINT1	0x360
#define LAPIC_LVT_ERROR	0x370
#define LAPIC_TIMER_ICR	0x380
#define LAPIC_TIMER_CCR	0x390
#define LAPIC_TIMER_DCR	0x3e0
#define LAPIC_ESR	0x280
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310

#define ICR_INIT	(5u << 8)
#define ICR_STARTUP	(6u << 8)
#define ICR_PENDING	(1u << 12)
#define ICR_ASSERT	(1u << 14)
#define ICR_LEVEL	(1u << 15)

#define SVR_ENABLE	(1u << 8)
#define LVT_MASKED	(1u << 16)
#define LVT_PERIODIC	(1u << 17)
#define DCR_DIV16	0x3

static volatile uint8_t *lapic;
static uint64_t lapic_ticks_per_tick;

static uint32_t lapic_read(uint32_t reg)
{
	return mmio_read32(lapic + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(lapic + reg, v);
}

void lapic_eoi(void)
{
	if (lapic)
		lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	return lapic ? lapic_read(LAPIC_ID) >> 24 : 0;
}

/* Remap the 8259 pair to vectors 0xe0-0xef and mask every line. */
static void pic_disable(void)
{
	outb(0x20, 0x11);	/* ICW1: init, expect ICW4 */
	outb(0xa0, 0x11);
	outb(0x21, 0xe0);	/* ICW2: vector base */
	outb(0xa1, 0xe8);
	outb(0x21, 0x04);	/* ICW3: slave on IRQ2 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01);	/* ICW4: 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, 0xff);	/* mask all */
	outb(0xa1, 0xff);
}

void lapic_init(void)
{
	uint64_t base = acpi.lapic_addr ? acpi.lapic_addr
					: (rdmsr(MSR_APIC_BASE) & ~0xfffull);

	if (!cpu_features.apic)
		panic("lapic_init: this CPU has no local APIC");
	pic_disable();
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));	/* global enable */
	lapic = ioremap(base, PAGE_SIZE);
	if (!lapic)
		panic("lapic_init: cannot map the local APIC at %lx", base);
	lapic_write(LAPIC_SVR, SVR_ENABLE | IRQ_VECTOR_SPURIOUS);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, IRQ_VECTOR_ERROR);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_EOI, 0);
	this_cpu()->apic_id = lapic_id();
}

/*
 * Enable an AP's own local APIC: the same MMIO page as the boot CPU's
 * (each CPU sees its own LAPIC there), software-enabled with the spurious
 * vector, timer masked. Runs on the AP with interrupts off; takes no lock.
 */
uint32_t lapic_ap_init(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
	lapic_write(LAPIC_SVR, SVR_ENABLE | IRQ_VECTOR_SPURIOUS);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, IRQ_VECTOR_ERROR);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_EOI, 0);
	return lapic_id();
}

/*
 * Send one IPI and wait (bounded) until the LAPIC has taken it. The two
 * ICR writes must not be split by an interrupt handler sending its own
 * IPI on this CPU, so interrupts are off across them.
 */
static int lapic_send_ipi(uint32_t apic_id, uint32_t low)
{
	unsigned long irq = arch_irq_save();
	int err = -ETIMEDOUT;

	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, low);		/* writing the low word sends */
	for (int i = 0; i < 100000; i++) {
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_PENDING)) {
			err = 0;
			break;
		}
		arch_cpu_relax();
	}
	arch_irq_restore(irq);
	return err;
}

int lapic_send_fixed(uint32_t apic_id, uint8_t vector)
{
	return lapic_send_ipi(apic_id, vector);	/* fixed delivery, physical, edge */
}

int lapic_send_init(uint32_t apic_id)
{
	int err = lapic_send_ipi(apic_id, ICR_INIT | ICR_LEVEL | ICR_ASSERT);

	if (err)
		return err;
	/* De-assert: ignored by modern CPUs, needed by the 82489DX era. */
	return lapic_send_ipi(apic_id, ICR_INIT | ICR_LEVEL);
}

int lapic_send_startup(uint32_t apic_id, uint8_t page)
{
	return lapic_send_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | page);
}

/*
 * Every CPU's LAPIC timer ticks; the boot CPU's also keeps time (jiffies,
 * timed sleepers, alarms), the others' only slice time for their tasks.
 */
static void timer_irq(void *arg)
{
	(void)arg;
	if (this_cpu()->index) {
		time_tick_ap();
		return;
	}
	time_tick();
	tsc_recheck_tick();
}

void lapic_timer_ap_start(void)
{
	lapic_write(LAPIC_TIMER_DCR, DCR_DIV16);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | IRQ_VECTOR_TIMER);
	lapic_write(LAPIC_TIMER_ICR, (uint32_t)lapic_ticks_per_tick);
}

#define LAPIC_CAL_MS	50

/* The LAPIC timer's current count, read between two close TSC reads. */
static void lapic_count_point(uint64_t *tsc, uint32_t *count)
{
	uint64_t best = ~0ull;

	for (int i = 0; i < 5; i++) {
		uint64_t t0 = rdtsc_ordered();
		uint32_t c = lapic_read(LAPIC_TIMER_CCR);
		uint64_t t1 = rdtsc_ordered();

		if (t1 - t0 < best) {
			best = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			*count = c;
		}
	}
}

void lapic_timer_init(unsigned int hz)
{
	uint64_t tsc0, tsc1, tsc_khz, lapic_khz;
	uint32_t c0, c1;

	tsc_calibrate();
	tsc_khz = clock_tsc_khz();

	/* Count LAPIC ticks (bus clock / 16) across LAPIC_CAL_MS of TSC time. */
	lapic_write(LAPIC_TIMER_DCR, DCR_DIV16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_ICR, 0xffffffff);
	lapic_count_point(&tsc0, &c0);
	while (rdtsc() - tsc0 < tsc_khz * LAPIC_CAL_MS)
		arch_cpu_relax();
	lapic_count_point(&tsc1, &c1);
	lapic_write(LAPIC_TIMER_ICR, 0);

	lapic_khz = mul_u64_u64_div_u64(c0 - c1, tsc_khz, tsc1 - tsc0);
	lapic_ticks_per_tick = lapic_khz * 1000 / hz;
	if (lapic_ticks_per_tick == 0)
		panic("lapic_timer_init: LAPIC timer did not count during calibration");
	printk("timer: LAPIC %lu kHz (bus/16), TSC %lu kHz, tick %u Hz\n",
	       (unsigned long)lapic_khz, (unsigned long)tsc_khz, hz);

	irq_register_vector(IRQ_VECTOR_TIMER, timer_irq, NULL);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | IRQ_VECTOR_TIMER);
	lapic_write(LAPIC_TIMER_ICR, (uint32_t)lapic_ticks_per_tick);
}

/* ---- I/O APIC ---- */

#define IOAPIC_REGSEL	0x00
#define IOAPIC_WIN	0x10
#define IOAPIC_VER	0x01
#define IOAPIC_REDTBL(n)	(0x10 + 2 * (n))
#define RTE_MASKED	(1u << 16)
#define RTE_LEVEL	(1u << 15)
#define RTE_ACTIVE_LOW	(1u << 13)

struct ioapic {
	volatile uint8_t *mmio;
	uint32_t gsi_base;
	unsigned int nr_pins;
};
static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned int nr_ioapics;

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
	mmio_write32(io->mmio + IOAPIC_REGSEL, reg);
	return mmio_read32(io->mmio + IOAPIC_WIN);
}

static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	mmio_write32(io->mmio + IOAPIC_REGSEL, reg);
	mmio_write32(io->mmio + IOAPIC_WIN, v);
}

void ioapic_init(void)
{
	struct acpi_ioapic def = { .id = 0, .addr = 0xfec00000, .gsi_base = 0 };
	unsigned int n = acpi.nr_ioapics ? acpi.nr_ioapics : 1;

	for (unsigned int i = 0; i < n; i++) {
		const struct acpi_ioapic *a = acpi.nr_ioapics ? &acpi.ioapics[i] : &def;
		struct ioapic *io = &ioapics[nr_ioapics];

		io->mmio = ioremap(a->addr, PAGE_SIZE);
		if (!io->mmio)
			continue;
		io->gsi_base = a->gsi_base;
		io->nr_pins = ((ioapic_read(io, IOAPIC_VER) >> 16) & 0xff) + 1;
		for (unsigned int pin = 0; pin < io->nr_pins; pin++) {
			ioapic_write(io, IOAPIC_REDTBL(pin), RTE_MASKED);
			ioapic_write(io, IOAPIC_REDTBL(pin) + 1, 0);
		}
		nr_ioapics++;
	}
}

static struct ioapic *ioapic_for(uint32_t gsi, unsigned int *pin)
{
	for (unsigned int i = 0; i < nr_ioapics; i++) {
		struct ioapic *io = &ioapics[i];

		if (gsi >= io->gsi_base && gsi < io->gsi_base + io->nr_pins) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

int ioapic_route(uint32_t gsi, const struct ioapic_route *r)
{
	unsigned int pin;
	struct ioapic *io = ioapic_for(gsi, &pin);

	if (!io)
		return -ENODEV;
	/* High word: destination APIC id (physical mode) of the boot CPU. */
	ioapic_write(io, IOAPIC_REDTBL(pin) + 1, lapic_id() << 24);
	ioapic_write(io, IOAPIC_REDTBL(pin), r->vector |
		     (r->active_low ? RTE_ACTIVE_LOW : 0) | (r->level ? RTE_LEVEL : 0));
	return 0;
}

int ioapic_mask(uint32_t gsi, int masked)
{
	unsigned int pin;
	struct ioapic *io = ioapic_for(gsi, &pin);
	uint32_t lo;

	if (!io)
		return -ENODEV;
	lo = ioapic_read(io, IOAPIC_REDTBL(pin));
	ioapic_write(io, IOAPIC_REDTBL(pin), masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
	return 0;
}

bool ioapic_gsi_in_use(uint32_t gsi)
{
	unsigned int pin;
	struct ioapic *io = ioapic_for(gsi, &pin);

	return io && !(ioapic_read(io, IOAPIC_REDTBL(pin)) & RTE_MASKED);
}

int irq_register_isa(unsigned int irq, irq_handler_t fn, void *arg)
{
	struct ioapic_route r = { .vector = IRQ_VECTOR_ISA_BASE + irq };
	bool low, level;
	uint32_t gsi;
	int err;

	if (irq >= 16)
		return -EINVAL;
	gsi = acpi_isa_irq_to_gsi(irq, &low, &level);
	r.active_low = low;
	r.level = level;
	err = irq_register_vector(r.vector, fn, arg);
	if (err)
		return err;
	return ioapic_route(gsi, &r);
}
