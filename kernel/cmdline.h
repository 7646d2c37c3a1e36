/*
 * cmdline.h - the kernel command line ("key=value flag ...").
 *
 * Options Pagoda understands (see README "Kernel command line"):
 *   ktest=all|<name>[,<name>...]  run in-kernel tests, then stop
 *   debugexit                     leave QEMU via isa-debug-exit (tests, panic)
 *   softlockup=N, nosoftlockup,   soft-lockup detector (kernel/watchdog.h)
 *   softlockup_panic=0|1
 *   debug_alloc=1                 the debug allocator (mm/debug_alloc.h)
 *   debug_atomic_sleep=1          the sleep-in-atomic checker (kernel/might_sleep.h)
 *   ip=ADDR/PREFIX:GATEWAY        eth0's static IPv4 address; DHCP without it
 *                                 (kernel/net/net.h)
 *   e1000_irq=msix|msi|intx       best interrupt mode the Intel NICs may use
 *                                 (kernel/drivers/e1000.c)
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

void cmdline_init(const char *s);
const char *cmdline_raw(void);
/* True if @key appears alone or as key=value. */
bool cmdline_has(const char *key);
/* Copy the value of key=value into @buf; returns false when absent. */
bool cmdline_get(const char *key, char *buf, size_t size);
/*
 * Parse the value of key=N (decimal) into @out. Returns false, leaving
 * @out alone, when the key is absent or its value is not a number.
 */
bool cmdline_get_ulong(const char *key, unsigned long *out);

#endif
