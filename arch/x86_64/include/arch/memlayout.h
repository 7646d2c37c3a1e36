/*
 * arch/memlayout.h - the x86-64 virtual address map and address conversions.
 *
 *   0x0000000000000000  +--------------------------+
 *                       | user (47-bit lower half) | per process (struct mm)
 *   0x00007fffffffffff  +--------------------------+
 *                       | non-canonical hole       |
 *   0xffff888000000000  +--------------------------+  DIRECT_MAP_BASE
 *                       | direct map of all RAM    |  1 GiB / 2 MiB pages,
 *                       | (phys 0 .. max RAM)      |  split to 4 KiB on demand
 *   0xffffc90000000000  +--------------------------+  IOREMAP_BASE
 *                       | ioremap: MMIO, uncached  |  bump-allocated, 4 KiB pages
 *   0xffffe90000000000  +--------------------------+  IOREMAP_END = KSTACK_BASE
 *                       | kernel stacks: each slot |  guard page (unmapped) +
 *                       | = guard + KSTACK_PAGES   |  KSTACK_PAGES mapped pages
 *   0xffffe98000000000  +--------------------------+  KSTACK_END
 *                       |                          |
 *   0xffffffff80000000  +--------------------------+  KERNEL_VIRT
 *                       | kernel image (-2 GiB)    |  .text at phys KERNEL_PHYS
 *   0xffffffffffffffff  +--------------------------+
 */
#ifndef ARCH_MEMLAYOUT_H
#define ARCH_MEMLAYOUT_H

#include "kernel/types.h"

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1ul << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define PMD_SHIFT	21
#define PMD_SIZE	(1ul << PMD_SHIFT)		/* 2 MiB */
#define PUD_SHIFT	30
#define PUD_SIZE	(1ul << PUD_SHIFT)		/* 1 GiB */
#define PGD_SHIFT	39

#define DIRECT_MAP_BASE	0xffff888000000000ul
#define DIRECT_MAP_SIZE	(64ul << 40)			/* 64 TiB of RAM at most */
#define IOREMAP_BASE	0xffffc90000000000ul
#define IOREMAP_END	0xffffe90000000000ul
#define KSTACK_BASE	0xffffe90000000000ul
#define KSTACK_END	0xffffe98000000000ul
#define KERNEL_VIRT	0xffffffff80000000ul
#define KERNEL_PHYS	0x200000ul

#define USER_END	0x0000800000000000ul

/* Linker symbols: kernel image boundaries (virtual addresses). */
extern char __kernel_start[], __kernel_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __bss_start[], __bss_end[];

/* Direct map: every RAM frame is at DIRECT_MAP_BASE + phys. */
static inline void *phys_to_virt(phys_addr_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}

static inline phys_addr_t virt_to_phys(const void *va)
{
	vaddr_t v = (vaddr_t)va;

	if (v >= KERNEL_VIRT)
		return v - KERNEL_VIRT + KERNEL_PHYS;	/* kernel image */
	return v - DIRECT_MAP_BASE;
}

static inline bool is_direct_map_addr(vaddr_t v)
{
	return v >= DIRECT_MAP_BASE && v < DIRECT_MAP_BASE + DIRECT_MAP_SIZE;
}

#endif
