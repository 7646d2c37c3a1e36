/*
 * arch/probe.h - memory copies that may fault (probe.S): they return
 * -EFAULT through the exception table instead of oopsing.
 */
#ifndef ARCH_PROBE_H
#define ARCH_PROBE_H

#include <stddef.h>

long arch_probe_read(void *dst, const void *src, size_t n);	/* 0 / -EFAULT */
long arch_probe_write(void *dst, const void *src, size_t n);	/* 0 / -EFAULT */

#endif
