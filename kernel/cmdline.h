/*
 * cmdline.h - the kernel command line ("key=value flag ...").
 *
 * Options Pagoda understands (see README "Kernel command line"):
 *   ktest=all|<name>[,<name>...]  run in-kernel tests, then stop
 *   debugexit                     leave QEMU via isa-debug-exit (tests, panic)
 *   debug_alloc=1                 the debug allocator (mm/debug_alloc.h)
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

#endif
