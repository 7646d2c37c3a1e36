/*
 * panic.c - stop the kernel after an unrecoverable bug.
 *
 * panic() turns interrupts off, takes the console by force (the lock holder
 * may be the code that failed), prints "PANIC: <message>" and a backtrace,
 * and then either leaves QEMU with the failure code (when the command line
 * says "debugexit", as the test harness does) or halts forever. A panic
 * while panicking just halts.
 */
#include "kernel/panic.h"
#include "kernel/cmdline.h"
#include "kernel/printk.h"
#include "kernel/ktest.h"
#include <arch/cpu.h>
#include <arch/trap.h>

static volatile int panicking;

void panic(const char *fmt, ...)
{
	va_list ap;

	arch_irq_disable();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		__noreturn_halt();	/* a panic while panicking */
	console_bust_lock();
	printk("\nPANIC: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	arch_backtrace((uint64_t)__builtin_frame_address(0));
	/* Other CPUs are not started yet; SMP adds a stop IPI here. */
	if (cmdline_has("debugexit"))
		arch_qemu_exit(QEMU_EXIT_FAIL);
	printk("System halted.\n");
	__noreturn_halt();
}

bool panic_in_progress(void)
{
	return __atomic_load_n(&panicking, __ATOMIC_RELAXED);
}

void warn_once_report(const char *file, int line, const char *cond)
{
	printk("WARNING: %s:%d: %s\n", file, line, cond);
	arch_backtrace((uint64_t)__builtin_frame_address(0));
}
