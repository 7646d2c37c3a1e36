/*
 * paging_internal.h - what paging.c (the generic walking code) shares with
 * kernel_pgtable.c (the kernel's own tables) and nothing else needs. All
 * of it works on raw x86 entries; callers hold the tree's lock.
 */
#ifndef ARCH_X86_64_PAGING_INTERNAL_H
#define ARCH_X86_64_PAGING_INTERNAL_H

#include <arch/pgtable.h>

/* Index of @va in the table of @level (3 = PML4, 2 = PDPT, 1 = PD, 0 = PT). */
unsigned int pt_index(vaddr_t va, int level);
/* Bytes one entry of @level maps: 4 KiB, 2 MiB, 1 GiB, 512 GiB. */
size_t level_size(int level);
/* The table an entry (or a physical table address) points at, via the direct map. */
pte_t *table_va(pte_t entry_or_phys);
/*
 * The entry of @level covering @va below @root, creating missing tables
 * when @create (no sleep). NULL when missing/out of memory, ERR_PTR(-EEXIST)
 * when a huge page is in the way.
 */
pte_t *walk_to(phys_addr_t root, vaddr_t va, int level, bool create);
/* arch_map() with the tree's lock held: 0, -EINVAL, -EEXIST or -ENOMEM. */
int map_locked(phys_addr_t root, vaddr_t va, phys_addr_t pa, size_t size, unsigned int flags);

#endif
