/*
 * types.h - fixed-width and address types shared by the whole kernel.
 *
 * Physical and virtual addresses get distinct names so a reader can tell
 * which one a function wants (STYLE.md, "Naming").
 */
#ifndef KERNEL_TYPES_H
#define KERNEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t phys_addr_t;	/* a physical (bus) address */
typedef uint64_t vaddr_t;	/* a virtual address, kernel or user */
typedef uint64_t pfn_t;		/* a physical frame number: phys >> PAGE_SHIFT */
typedef int64_t ssize_t;

#endif
