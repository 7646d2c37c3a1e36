/*
 * monitor.h - the boot monitor: a tiny command prompt on the serial console.
 *
 * Until processes exist (a later issue brings init and a shell), this is
 * what `make run` ends in: it shows that serial input works and lets a user
 * look at memory, time and ACPI, and power off or restart the machine.
 */
#ifndef KERNEL_MONITOR_H
#define KERNEL_MONITOR_H

#include "kernel/compiler.h"

void monitor_run(void) __noreturn;

#endif
