/*
 * memblock.h - the boot-time physical memory allocator.
 *
 * Before struct pages and the buddy allocator exist, the kernel still needs
 * memory: page tables for the direct map and the struct page array itself.
 * memblock keeps two lists built from the multiboot2 memory map (usable RAM
 * and reserved ranges: low 1 MiB, kernel image, boot information, modules)
 * and hands out memory by reserving it. page_alloc_init() then releases every
 * usable frame that is not reserved to the buddy allocator.
 */
#ifndef MM_MEMBLOCK_H
#define MM_MEMBLOCK_H

#include "kernel/types.h"
#include "kernel/lib/multiboot2.h"

#define MEMBLOCK_MAX	128

struct memblock_range {
	phys_addr_t base, end;		/* [base, end) */
};

/* Record usable RAM from @bi and reserve what the boot left in memory. */
void memblock_init(const struct boot_info *bi, phys_addr_t mbi_phys);
/* Mark [base, base+size) as in use. */
void memblock_reserve(phys_addr_t base, uint64_t size);
/*
 * Reserve and return @size bytes aligned to @align, below the current limit
 * (memblock_set_limit). Returns 0 when nothing fits. The memory is not zeroed.
 */
phys_addr_t memblock_alloc(uint64_t size, uint64_t align);
void memblock_set_limit(phys_addr_t limit);

/* Usable RAM ranges (sorted, page-aligned inward) and their count. */
unsigned int memblock_usable(const struct memblock_range **out);
/*
 * Call @fn for each page-aligned range of usable RAM that is not reserved,
 * in ascending order.
 */
void memblock_for_each_free(void (*fn)(phys_addr_t base, phys_addr_t end, void *arg),
			    void *arg);
/* One past the last usable byte of RAM. */
phys_addr_t memblock_end_of_ram(void);

#endif
