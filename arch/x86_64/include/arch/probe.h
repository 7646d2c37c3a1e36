/*
 * arch/probe.h - memory accesses that may fault (probe.S): they return
 * -EFAULT through the exception table instead of oopsing.
 */
#ifndef ARCH_PROBE_H
#define ARCH_PROBE_H

#include <stddef.h>
#include <stdint.h>

long arch_probe_read(void *dst, const void *src, size_t n);	/* 0 / -EFAULT */
long arch_probe_write(void *dst, const void *src, size_t n);	/* 0 / -EFAULT */
/* Atomically: *p = new if *p == old; *found = the old *p. 0 / -EFAULT. */
long arch_probe_cmpxchg32(uint32_t *p, uint32_t old, uint32_t new, uint32_t *found);

#endif
