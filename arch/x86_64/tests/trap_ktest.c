/*
 * trap_ktest.c - exceptions and interrupts: int3 through a hook, page
 * faults and general-protection faults caught by the exception table, the
 * timer tick, serial receive interrupts (UART loopback), interrupt
 * handlers counted as atomic context (kernel/might_sleep.h) and the ACPI
 * tables.
 */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/might_sleep.h"
#include "kernel/time.h"
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <arch/irq.h>
#include <arch/pgtable.h>
#include <arch/trap.h>
#include <arch/uart.h>

long arch_probe_read(void *dst, const void *src, size_t n);
long arch_probe_write(void *dst, const void *src, size_t n);

static int bp_hits;
static uint64_t bp_rip;

static bool bp_hook(struct trap_frame *tf)
{
	bp_hits++;
	bp_rip = tf->rip;
	return true;		/* int3 is a trap: rip already points past it */
}

KTEST(trap_int3)
{
	bp_hits = 0;
	trap_set_hook(T_BP, bp_hook);
	arch_breakpoint();
	arch_breakpoint();
	trap_set_hook(T_BP, NULL);
	KT_ASSERT_EQ(bp_hits, 2);
	KT_ASSERT(bp_rip >= (uint64_t)__text_start && bp_rip < (uint64_t)__text_end);
	return KT_PASS;
}

static uint64_t pf_cr2, pf_err;
static int pf_hits;

/* Observe the fault, then let the exception table do the recovery. */
static bool pf_hook(struct trap_frame *tf)
{
	pf_hits++;
	pf_cr2 = read_cr2();
	pf_err = tf->error;
	return false;
}

KTEST(trap_page_fault_caught)
{
	uint64_t v = 0x55;
	const vaddr_t hole = 0xffffc80040000000ul;	/* never mapped */

	pf_hits = 0;
	trap_set_hook(T_PF, pf_hook);
	long r1 = arch_probe_read(&v, (void *)(hole + 0x10), 8);
	uint64_t cr2_read = pf_cr2, err_read = pf_err;
	long r2 = arch_probe_write((void *)__text_start, &v, 1);
	uint64_t err_write = pf_err;
	trap_set_hook(T_PF, NULL);

	KT_ASSERT_EQ(r1, -EFAULT);
	KT_ASSERT_EQ(v, 0x55);
	KT_ASSERT_EQ(cr2_read, hole + 0x10);
	KT_ASSERT_EQ(err_read & (PF_PRESENT | PF_WRITE | PF_USER), 0);
	/* Writing kernel text: a protection fault on a present page. */
	KT_ASSERT_EQ(r2, -EFAULT);
	KT_ASSERT_EQ(err_write & (PF_PRESENT | PF_WRITE), PF_PRESENT | PF_WRITE);
	KT_ASSERT_EQ(pf_hits, 2);
	return KT_PASS;
}

KTEST(trap_gp_caught)
{
	uint64_t v;

	/* A non-canonical address raises #GP, not #PF; also recoverable. */
	KT_ASSERT_EQ(arch_probe_read(&v, (void *)0x8000000000000000ul, 8), -EFAULT);
	return KT_PASS;
}

KTEST(timer_tick_advances)
{
	uint64_t j0, t0, t1;
	unsigned long irqs0 = irq_count(IRQ_VECTOR_TIMER);

	KT_ASSERT(arch_irqs_enabled());
	j0 = jiffies_read();
	t0 = clock_ns();
	/* hlt wakes on every interrupt; 5 ticks need at most a few hundred. */
	for (int i = 0; i < 100000 && jiffies_read() < j0 + 5; i++)
		arch_idle();
	t1 = clock_ns();
	KT_ASSERT(jiffies_read() >= j0 + 5);
	KT_ASSERT(irq_count(IRQ_VECTOR_TIMER) >= irqs0 + 5);
	/*
	 * Five ticks at HZ=100 span at least four periods (40 ms); under an
	 * emulator on a loaded host ticks can arrive late and then close
	 * together, so only a clock that is grossly off (2x) fails here.
	 */
	KT_ASSERT(t1 > t0);
	KT_ASSERT(t1 - t0 >= 20ull * 1000 * 1000);
	KT_ASSERT(clock_ns() >= t1);
	return KT_PASS;
}

KTEST(uart_rx_interrupt_loopback)
{
	const char msg[] = "ping";
	char got[8] = { 0 };
	unsigned long irqs0 = uart_irq_count();
	unsigned int n = 0;

	while (uart_getc() >= 0)	/* drain stale input */
		;
	uart_set_loopback(true);
	uart_write(msg, 4);
	for (int i = 0; i < 100000 && n < 4; i++) {
		int c = uart_getc();

		if (c >= 0)
			got[n++] = (char)c;
		else
			arch_idle();
	}
	uart_set_loopback(false);
	KT_ASSERT_EQ(n, 4);
	KT_ASSERT(got[0] == 'p' && got[1] == 'i' && got[2] == 'n' && got[3] == 'g');
	KT_ASSERT(uart_irq_count() > irqs0);
	return KT_PASS;
}

/*
 * A handler runs in hardirq context: the atomic count carries
 * HARDIRQ_OFFSET, and a might_sleep() there is reported with it. The
 * interrupt is a software "int" on a vector no device uses (PCI vectors
 * are handed out from 0x30 up), so the test needs no device.
 */
#define TEST_IRQ_VECTOR	0xe0

static unsigned int hardirq_seen_count;
static int hardirq_line;

static void might_sleep_irq(void *arg)
{
	hardirq_seen_count = atomic_count();
	hardirq_line = __LINE__ + 1;
	might_sleep();
}

KTEST(might_sleep_in_hardirq)
{
	struct might_sleep_report rep;
	unsigned int before = atomic_count();

	if (irq_register_vector(TEST_IRQ_VECTOR, might_sleep_irq, NULL))
		KT_SKIP("vector %#x in use", TEST_IRQ_VECTOR);
	might_sleep_record(&rep);
	__asm__ __volatile__("int %0" : : "i"(TEST_IRQ_VECTOR) : "memory");
	might_sleep_record(NULL);
	irq_register_vector(TEST_IRQ_VECTOR, NULL, NULL);
	KT_ASSERT_EQ(hardirq_seen_count, before + HARDIRQ_OFFSET);
	KT_ASSERT_EQ(rep.nr, 1);
	KT_ASSERT_EQ(rep.line, hardirq_line);
	KT_ASSERT_EQ(rep.count, before + HARDIRQ_OFFSET);
	KT_ASSERT(rep.irqs_disabled);		/* an interrupt gate clears IF */
	KT_ASSERT_EQ(atomic_count(), before);	/* and the way out takes it back */
	return KT_PASS;
}

KTEST(acpi_tables)
{
	KT_ASSERT(acpi.present);
	KT_ASSERT(acpi.nr_cpus >= 1);
	KT_ASSERT(acpi.nr_ioapics >= 1);
	KT_ASSERT(acpi.lapic_addr != 0);
	KT_ASSERT(acpi.has_fadt && acpi.pm1a_cnt != 0);
	KT_ASSERT(acpi.has_s5);
	return KT_PASS;
}
