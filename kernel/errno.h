/*
 * errno.h - error numbers and the ERR_PTR convention.
 *
 * The values come from the Linux UAPI headers (Debian's linux-libc-dev), so
 * kernel code and the Linux ABI share one vocabulary: functions return
 * -EINVAL, -ENOMEM, ...; pointer-returning functions encode an error in the
 * top 4095 values of the address space (ERR_PTR/IS_ERR/PTR_ERR).
 */
#ifndef KERNEL_ERRNO_H
#define KERNEL_ERRNO_H

#include <asm-generic/errno.h>
#include <stdbool.h>
#include <stdint.h>

#define MAX_ERRNO	4095
#define IS_ERR_VALUE(x)	((unsigned long)(x) >= (unsigned long)-MAX_ERRNO)

static inline void *ERR_PTR(long error)
{
	return (void *)error;
}

static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

static inline bool IS_ERR(const void *ptr)
{
	return IS_ERR_VALUE((uintptr_t)ptr);
}

static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return !ptr || IS_ERR(ptr);
}

#endif
