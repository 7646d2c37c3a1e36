/*
 * printf.h - formatted output into a buffer (no kernel dependencies).
 *
 * Supports the conversions the kernel uses: %d %i %u %x %X %o %p %s %c %%,
 * with flags '-', '0', '+', ' ', '#', a width and precision (numbers or '*'),
 * and the length modifiers hh h l ll z t j. No floating point (the kernel
 * has no SSE). Output is always NUL-terminated when size > 0; the return
 * value is the length the full output would have had (C99 semantics).
 */
#ifndef KERNEL_LIB_PRINTF_H
#define KERNEL_LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
