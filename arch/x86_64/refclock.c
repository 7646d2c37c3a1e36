/*
 * refclock.c - the reference clocks of a PC that the TSC is calibrated
 * against: CPUID leaf 0x15/0x16, the HPET, the ACPI PM timer and the PIT.
 *
 * Each is found through the firmware (ACPI tables, parsed by acpi.c; CPUID)
 * and checked before it is trusted: an HPET whose period is outside the
 * spec's range or whose counter does not move is not used, and CPUID is
 * only believed when the leaves exist and are non-zero. Which one wins, and
 * how the TSC is measured against it, is tsc.c's business; this file only
 * knows the hardware.
 *
 * Neighbours: tsc.c (calibration), apic.c (the tick), acpi.c (the tables).
 */
#include <arch/refclock.h>
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/pgtable.h>
#include "kernel/printk.h"

/* ---- CPUID ---- */

/*
 * Leaf 0x15 (Time Stamp Counter and Nominal Core Crystal Clock):
 *   EAX = denominator, EBX = numerator of TSC/crystal, ECX = crystal Hz
 *   (0 if not enumerated). TSC Hz = ECX * EBX / EAX.
 * Leaf 0x16 (Processor Frequency): EAX = base MHz. When ECX is 0, the TSC
 * runs at the base frequency (what Intel's SDM says for those parts).
 */
uint64_t refclock_cpuid_tsc_khz(void)
{
	uint32_t max, a, b, c, d;

	cpuid(0, 0, &max, &b, &c, &d);
	if (max < 0x15)
		return 0;
	cpuid(0x15, 0, &a, &b, &c, &d);
	if (a == 0 || b == 0)
		return 0;
	if (c)
		return (uint64_t)c * b / a / 1000;
	if (max < 0x16)
		return 0;
	cpuid(0x16, 0, &a, &b, &c, &d);
	return (uint64_t)(a & 0xffff) * 1000;
}

/* ---- HPET ---- */

/*
 * HPET registers (IA-PC HPET spec 1.0a, section 2.3), 64-bit, at the base
 * from the ACPI HPET table:
 *
 *   0x000 General Capabilities and ID (read-only)
 *    63                          32 31       16 15  14  13  12    8 7      0
 *   +------------------------------+-----------+---+---+---+-------+--------+
 *   | COUNTER_CLK_PERIOD (fs/tick) | VENDOR_ID |LEG| - |CS |NUM_TIM| REV_ID |
 *   +------------------------------+-----------+---+---+---+-------+--------+
 *     CS (COUNT_SIZE_CAP): 1 = the main counter is 64 bits, 0 = 32 bits.
 *     The period must be non-zero and at most 100 ns (10^8 fs).
 *
 *   0x010 General Configuration: bit 0 ENABLE_CNF (main counter runs and
 *         comparators may fire), bit 1 LEG_RT_CNF (we leave it 0)
 *   0x0f0 Main Counter Value: the up-counter, read as two 32-bit halves
 */
#define HPET_CAP		0x000
#define HPET_CAP_HI		0x004
#define HPET_CFG		0x010
#define HPET_COUNTER_LO		0x0f0
#define HPET_COUNTER_HI		0x0f4
#define HPET_CAP_COUNT_SIZE	(1u << 13)
#define HPET_CFG_ENABLE		(1u << 0)
#define HPET_MAX_PERIOD_FS	100000000u	/* 100 ns: the spec's limit */
#define HPET_MIN_PERIOD_FS	100000u		/* 0.1 ns: 10 GHz is not an HPET */
#define FS_PER_SEC		1000000000000000ull

static volatile uint8_t *hpet;
static struct refclock hpet_clock = { .name = "HPET" };

static uint64_t hpet_read32(void)
{
	return mmio_read32(hpet + HPET_COUNTER_LO);
}

/* The two halves are separate reads: retry when the high half moved. */
static uint64_t hpet_read64(void)
{
	uint32_t hi, lo;

	do {
		hi = mmio_read32(hpet + HPET_COUNTER_HI);
		lo = mmio_read32(hpet + HPET_COUNTER_LO);
	} while (hi != mmio_read32(hpet + HPET_COUNTER_HI));
	return (uint64_t)hi << 32 | lo;
}

/* Does the main counter move within a few thousand reads? */
static bool hpet_counter_moves(void)
{
	uint32_t c0 = mmio_read32(hpet + HPET_COUNTER_LO);

	for (int i = 0; i < 100000; i++)
		if (mmio_read32(hpet + HPET_COUNTER_LO) != c0)
			return true;
	return false;
}

static bool hpet_probe(void)
{
	uint32_t cap, period, cfg;

	if (!acpi.hpet_addr)
		return false;
	hpet = ioremap(acpi.hpet_addr, PAGE_SIZE);
	if (!hpet)
		return false;
	cap = mmio_read32(hpet + HPET_CAP);
	period = mmio_read32(hpet + HPET_CAP_HI);
	if (period < HPET_MIN_PERIOD_FS || period > HPET_MAX_PERIOD_FS) {
		printk("hpet: period %u fs is out of range; not used\n", period);
		return false;
	}
	cfg = mmio_read32(hpet + HPET_CFG);
	if (!(cfg & HPET_CFG_ENABLE))
		mmio_write32(hpet + HPET_CFG, cfg | HPET_CFG_ENABLE);
	if (!hpet_counter_moves()) {
		printk("hpet: main counter does not count; not used\n");
		return false;
	}
	hpet_clock.hz = FS_PER_SEC / period;
	if (cap & HPET_CAP_COUNT_SIZE) {
		hpet_clock.mask = ~0ull;
		hpet_clock.read = hpet_read64;
	} else {
		hpet_clock.mask = 0xffffffffu;
		hpet_clock.read = hpet_read32;
	}
	return true;
}

const struct refclock *refclock_hpet(void)
{
	static int probed;		/* 0 not yet, 1 found, -1 absent */

	if (!probed)
		probed = hpet_probe() ? 1 : -1;
	return probed > 0 ? &hpet_clock : NULL;
}

/* ---- ACPI PM timer ---- */

/*
 * The PM timer is one 32-bit register in I/O (or memory) space: a free-
 * running up-counter at 3.579545 MHz (the NTSC colour-burst crystal / 4),
 * of which only bits 23:0 count unless the FADT sets TMR_VAL_EXT. It wraps
 * every 4.69 s (24 bits) or 20 minutes (32 bits).
 */
#define PM_TIMER_HZ	3579545u

static volatile uint32_t *pm_tmr_mmio;
static struct refclock pm_clock = { .name = "PM timer", .hz = PM_TIMER_HZ };

static uint64_t pm_timer_read_io(void)
{
	return inl((uint16_t)acpi.pm_tmr_addr) & pm_clock.mask;
}

static uint64_t pm_timer_read_mmio(void)
{
	return mmio_read32(pm_tmr_mmio) & pm_clock.mask;
}

static bool pm_timer_probe(void)
{
	uint64_t c0;

	if (!acpi.has_pm_tmr)
		return false;
	pm_clock.mask = acpi.pm_tmr_32bit ? 0xffffffffu : 0xffffffu;
	if (acpi.pm_tmr_space == ACPI_GAS_SPACE_IO) {
		if (acpi.pm_tmr_addr > 0xfffc)
			return false;
		pm_clock.read = pm_timer_read_io;
	} else {
		pm_tmr_mmio = ioremap(acpi.pm_tmr_addr, 4);
		if (!pm_tmr_mmio)
			return false;
		pm_clock.read = pm_timer_read_mmio;
	}
	c0 = pm_clock.read();
	for (int i = 0; i < 100000; i++)
		if (pm_clock.read() != c0)
			return true;
	printk("acpi: PM timer does not count; not used\n");
	return false;
}

const struct refclock *refclock_pm_timer(void)
{
	static int probed;		/* 0 not yet, 1 found, -1 absent */

	if (!probed)
		probed = pm_timer_probe() ? 1 : -1;
	return probed > 0 ? &pm_clock : NULL;
}

/* ---- PIT channel 2 ---- */

/*
 * The 8254's channel 2 counts PIT_HZ down from the loaded value while its
 * gate is high; in mode 0 its output goes high when the count runs out.
 * Gate and output are wired to port 0x61 (the "NMI status and control"
 * port; the same bits drive the PC speaker):
 *
 *   port 0x61:  bit 5 (read)  channel 2 output
 *               bit 1         speaker data enable (kept 0: silence)
 *               bit 0         channel 2 gate
 *
 *   port 0x43 command 0xb0:  10 11 000 0
 *                            |  |  |   binary count
 *                            |  |  mode 0 (interrupt on terminal count)
 *                            |  lo byte then hi byte
 *                            channel 2
 */
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PORT_B		0x61
#define PORT_B_GATE2	(1u << 0)
#define PORT_B_SPEAKER	(1u << 1)
#define PORT_B_OUT2	(1u << 5)

void pit_ch2_arm(uint16_t count)
{
	uint8_t b = inb(PORT_B) & ~(PORT_B_GATE2 | PORT_B_SPEAKER);

	outb(PORT_B, b);			/* gate low, speaker off */
	outb(PIT_CMD, 0xb0);			/* ch2, lo/hi byte, mode 0, binary */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
}

void pit_ch2_go(void)
{
	outb(PORT_B, (inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2);
}

bool pit_ch2_expired(void)
{
	return inb(PORT_B) & PORT_B_OUT2;
}

void pit_delay_us(unsigned int us)
{
	while (us) {
		unsigned int chunk = us > 50000 ? 50000 : us;

		pit_ch2_arm((uint16_t)((uint64_t)chunk * PIT_HZ / 1000000));
		pit_ch2_go();
		while (!pit_ch2_expired())
			arch_cpu_relax();
		us -= chunk;
	}
}
