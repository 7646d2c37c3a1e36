/*
 * arch/pgtable.h - the page-table contract between mm/ and arch/x86_64.
 *
 * x86-64 4-level paging (Intel SDM vol. 3A, 4.5). A virtual address splits as
 *
 *   63      48 47     39 38     30 29     21 20     12 11         0
 *   +---------+---------+---------+---------+---------+------------+
 *   | sign ext| PML4 idx| PDPT idx|  PD idx |  PT idx | page offset|
 *   +---------+---------+---------+---------+---------+------------+
 *                (pgd)     (pud)     (pmd)     (pte)
 *
 * and every entry of every level is 64 bits:
 *
 *   63  62..52  51 ........ 12  11..9  8  7   6  5  4   3   2   1  0
 *   +--+-------+--------------+-----+---+--+--+--+---+---+---+---+--+
 *   |NX| avail | frame address|avail| G |PS| D| A|PCD|PWT|U/S|R/W| P|
 *   +--+-------+--------------+-----+---+--+--+--+---+---+---+---+--+
 *
 * PS at the PDPT level maps 1 GiB, at the PD level 2 MiB (the frame address
 * must then be aligned to that size).
 *
 * Generic code never touches these bits: it asks for MMU_* flags, and
 * paging.c translates them in one place (mmu_flags_to_pte()).
 */
#ifndef ARCH_PGTABLE_H
#define ARCH_PGTABLE_H

#include "kernel/types.h"
#include <arch/memlayout.h>

typedef uint64_t pte_t;

#define PTE_PRESENT	(1ull << 0)
#define PTE_WRITE	(1ull << 1)
#define PTE_USER	(1ull << 2)
#define PTE_PWT		(1ull << 3)
#define PTE_PCD		(1ull << 4)
#define PTE_ACCESSED	(1ull << 5)
#define PTE_DIRTY	(1ull << 6)
#define PTE_HUGE	(1ull << 7)	/* PS: 1 GiB at PDPT, 2 MiB at PD */
#define PTE_GLOBAL	(1ull << 8)
/*
 * Software bit (one of the three the CPU ignores): a 4 KiB user PTE with P
 * clear but PROTNONE set still names its frame - a PROT_NONE page keeps
 * its contents, every access faults. (Linux uses the same trick.)
 */
#define PTE_PROTNONE	(1ull << 9)
/*
 * Software bit: a non-present 4 KiB user PTE with SWAP set holds a swap
 * entry (mm/swap.h) in the frame-address bits instead of a frame:
 *
 *   63      52 51                      12 11 10  9     1  0
 *   +---------+--------------------------+--+--+--+-----+--+
 *   |    0    |   swap entry (40 bits)   | 0| 1| 0|  0  | 0|
 *   +---------+--------------------------+--+--+--+-----+--+
 */
#define PTE_SWAP	(1ull << 10)
#define PTE_NX		(1ull << 63)
#define PTE_ADDR_MASK	0x000ffffffffff000ull

#define PT_ENTRIES	512
_Static_assert(sizeof(pte_t) == 8, "x86-64 page-table entries are 8 bytes");

/* Generic mapping attributes (readable is implied by "mapped"). */
enum mmu_flags {
	MMU_WRITE	= 1u << 0,
	MMU_EXEC	= 1u << 1,
	MMU_USER	= 1u << 2,
	MMU_NOCACHE	= 1u << 3,	/* device memory: PCD|PWT */
	MMU_GLOBAL	= 1u << 4,	/* survives CR3 switches (kernel only) */
	MMU_ACCESSED	= 1u << 5,	/* reported by query; ignored by map */
	MMU_DIRTY	= 1u << 6,	/* reported by query; ignored by map */
	MMU_PROTNONE	= 1u << 7,	/* 4 KiB only: kept but inaccessible (PROT_NONE) */
};

/* One translation as reported by arch_query()/arch_walk(). */
struct mmu_mapping {
	vaddr_t va;		/* first virtual address of the page */
	phys_addr_t pa;		/* frame it maps to */
	size_t size;		/* PAGE_SIZE, PMD_SIZE or PUD_SIZE */
	unsigned int flags;	/* enum mmu_flags */
};

/* The kernel's own top-level table (PML4), shared by every address space. */
extern phys_addr_t kernel_pgd;

/*
 * Map [va, va+size) to pa in the tree rooted at @root. @size is PAGE_SIZE,
 * PMD_SIZE or PUD_SIZE, and va/pa are aligned to it. Allocates intermediate
 * tables. Returns 0, -EINVAL (alignment/size), -EEXIST (something already
 * mapped there) or -ENOMEM. Takes the page-table lock; does not sleep.
 */
int arch_map(phys_addr_t root, vaddr_t va, phys_addr_t pa, size_t size,
	     unsigned int flags);
/*
 * Remove the translation of the page that contains @va and flush it from the
 * TLB. @size must equal the size of that mapping. Returns 0 or -ENOENT
 * (nothing mapped) or -EINVAL (size mismatch). Page tables are not freed.
 */
int arch_unmap(phys_addr_t root, vaddr_t va, size_t size);
/*
 * Clear the 4 KiB PTE of @va *without* a TLB flush (TLB gather: the caller
 * flushes the range once with arch_flush_tlb_mm_range()). True if cleared.
 */
bool arch_unmap_noflush(phys_addr_t root, vaddr_t va);
/* Swap entries in user PTEs (see PTE_SWAP). 0 / -EEXIST / -ENOMEM. */
int arch_set_swap(phys_addr_t root, vaddr_t va, uint64_t entry);
/* The swap entry at @va, if the PTE holds one: true and *entry. */
bool arch_get_swap(phys_addr_t root, vaddr_t va, uint64_t *entry);
/*
 * arch_query and arch_get_swap in one walk (the fault path): 0 and *out for
 * a mapping, 1 and *entry for a swap entry, -ENOENT for an empty PTE.
 */
int arch_query_or_swap(phys_addr_t root, vaddr_t va, struct mmu_mapping *out,
		       uint64_t *entry);
void arch_clear_swap(phys_addr_t root, vaddr_t va);
/* Call @fn for every swap entry in [start, end), in address order. */
int arch_walk_swap(phys_addr_t root, vaddr_t start, vaddr_t end,
		   int (*fn)(vaddr_t va, uint64_t entry, void *arg), void *arg);
/* Flush [start, end) of the address space @root wherever it may be cached. */
void arch_flush_tlb_mm_range(phys_addr_t root, vaddr_t start, vaddr_t end);
/* Describe the translation of @va. Returns 0 or -ENOENT. */
int arch_query(phys_addr_t root, vaddr_t va, struct mmu_mapping *out);
/*
 * Call @fn for every present leaf mapping that overlaps [start, end), in
 * address order. Stops early and returns @fn's value when it is non-zero.
 */
int arch_walk(phys_addr_t root, vaddr_t start, vaddr_t end,
	      int (*fn)(const struct mmu_mapping *m, void *arg), void *arg);

/*
 * Direct-map surgery (secretmem): make the direct-map page of frame @pfn
 * invalid or valid again. Invalidating splits a covering 1 GiB or 2 MiB page
 * into 4 KiB pages first (keeping every other frame mapped with the same
 * attributes). Restoring leaves the split in place. TLB flushed on return.
 * Returns 0, -ENOMEM (no page for a split) or -EINVAL (not in the map).
 */
int arch_set_direct_map_valid(pfn_t pfn, bool valid);
/* Size of the direct-map page covering @pfn (0 if none). For tests. */
size_t arch_direct_map_page_size(pfn_t pfn);

/* User address spaces: a pgd sharing the kernel half, torn down with its tables. */
phys_addr_t arch_pgd_create(void);		/* 0 when out of memory */
void arch_pgd_destroy(phys_addr_t pgd);
/* Page-table pages below @pgd's user half (its VmPTE); not the pgd itself. */
unsigned long arch_pgd_nr_tables(phys_addr_t pgd);
/*
 * After munmap: free the user page tables overlapping [start, end) that
 * are empty and map nothing outside [floor, ceiling) (the gap between the
 * neighbouring VMAs), as Linux's free_pgtables(). Flushes the TLB when it
 * freed any. Takes the page-table lock; does not sleep.
 */
void arch_free_user_tables(phys_addr_t pgd, vaddr_t start, vaddr_t end, vaddr_t floor,
			   vaddr_t ceiling);
int arch_protect(phys_addr_t root, vaddr_t va, unsigned int flags);
void arch_switch_pgd(phys_addr_t pgd);
/* Clear WRITE/ACCESSED/DIRTY on a 4 KiB PTE; returns the old flags (0: none). */
unsigned int arch_clear_flags(phys_addr_t root, vaddr_t va, unsigned int clear);
/* Free the page table mapping @va when it has become empty. */
void arch_prune_table(phys_addr_t root, vaddr_t va);

/* TLB maintenance; the one place that will shoot down other CPUs later. */
void arch_flush_tlb_page(vaddr_t va);
void arch_flush_tlb_range(vaddr_t start, vaddr_t end);
void arch_flush_tlb_all(void);

struct boot_info;
/*
 * Build the kernel's own page tables from the memory map in @bi and switch
 * to them (boot only; page tables come from memblock below 4 GiB).
 */
void paging_init(const struct boot_info *bi);

/*
 * Map @size bytes of device memory at physical @pa uncached and return its
 * virtual address (NULL when out of space/memory). Never unmapped for now.
 */
void *ioremap(phys_addr_t pa, size_t size);
/* Same, write-back cached: for firmware tables in non-RAM regions. */
void *ioremap_cached(phys_addr_t pa, size_t size);

#endif
