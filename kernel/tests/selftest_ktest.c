/*
 * selftest_ktest.c - tests of the failure path itself, run only by name.
 *
 * fault_selftest reads an unmapped kernel address without an exception-
 * table entry: the kernel must print the exception (vector, error code, CR2
 * decoded, registers, backtrace) and panic, and with "debugexit" leave QEMU
 * with the failure status. The harness boots an image with
 * "ktest=fault_selftest debugexit" and checks exactly that (config "panic").
 */
#include "kernel/ktest.h"
#include <stdint.h>

KTEST_MANUAL(fault_selftest)
{
	volatile uint64_t *bad = (volatile uint64_t *)0xffffc800dead0000ul;

	printk("fault_selftest: reading %p, which is not mapped\n", (void *)bad);
	(void)*bad;
	ktest_fail_reason(__FILE__, __LINE__, "the read did not fault");
	return KT_FAIL;
}
