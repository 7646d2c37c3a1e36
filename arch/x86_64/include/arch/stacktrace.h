/*
 * stacktrace.h - save the kernel call chain as return addresses.
 *
 * arch_backtrace() (trap.h) prints the chain at once; arch_stack_save()
 * keeps it, so that a later report can say where an object was allocated
 * or freed (the debug allocator, mm/debug_alloc.c). Both follow the frame
 * pointers the kernel is built with (-fno-omit-frame-pointer).
 */
#ifndef ARCH_STACKTRACE_H
#define ARCH_STACKTRACE_H

#include <stdint.h>

/*
 * Store up to @max return addresses of the caller's chain in @pcs, the
 * innermost first, after dropping the @skip innermost ones (0: the first
 * address is where the caller of arch_stack_save() will return to).
 * Returns how many were stored. Stops at the first address outside kernel
 * text or frame that cannot be read; never faults, never sleeps, takes no
 * lock, so it may be called from any context.
 */
unsigned int arch_stack_save(uint64_t *pcs, unsigned int max, unsigned int skip);

#endif
