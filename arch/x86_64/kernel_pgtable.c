/*
 * kernel_pgtable.c - the kernel's own page tables: building them at boot,
 * ioremap, and direct-map surgery for secretmem. Everything here works on
 * kernel_pgt under its lock; the generic walking code is in paging.c.
 *
 * paging_init() replaces the boot trampoline's tables with the kernel's:
 *
 *   - the direct map: every usable/ACPI range of the memory map at
 *     DIRECT_MAP_BASE + phys, read-write, NX, global, using 1 GiB pages
 *     where the CPU has them and a whole aligned GiB is RAM, else 2 MiB,
 *     else 4 KiB (map_direct_range());
 *   - the kernel image at KERNEL_VIRT in 4 KiB pages with per-section
 *     permissions: .text R+X, .rodata R, .data/.bss R+W (map_kernel_image());
 *   - an empty top-level slot for ioremap, so later mappings there never
 *     need a new PML4 entry (future address spaces copy the kernel half once).
 */
#include <arch/pgtable.h>
#include <arch/cpu.h>
#include "arch/x86_64/paging_internal.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "mm/memblock.h"
#include "mm/page_alloc.h"
#include "mm/vmstat.h"
#include "kernel/lib/multiboot2.h"
#include "kernel/lib/string.h"

static vaddr_t ioremap_next = IOREMAP_BASE;	/* kernel_pgt.lock */

/* ---- Boot: building the kernel's tables ---- */

static void must_map(vaddr_t va, phys_addr_t pa, size_t size, unsigned int flags)
{
	int err = map_locked(kernel_pgt.root, va, pa, size, flags);

	if (err)
		panic("paging_init: mapping %lx -> %lx (%lx bytes) failed: %d",
		      va, pa, size, err);
}

/*
 * Map one page of the direct map at @pa, of size @sz or - when map_locked()
 * refuses that size as invalid - the next smaller one: a map_locked() that
 * knows only 4 KiB pages (the student tree of docs/labs/02-pgtable.md)
 * still gets a working direct map. Returns the size mapped.
 */
static size_t map_direct_page(phys_addr_t pa, size_t sz)
{
	const unsigned int flags = MMU_WRITE | MMU_GLOBAL;
	int err;

	while ((err = map_locked(kernel_pgt.root, DIRECT_MAP_BASE + pa, pa, sz, flags)) == -EINVAL &&
	       sz > PAGE_SIZE)
		sz = sz == PUD_SIZE ? PMD_SIZE : PAGE_SIZE;
	if (err)
		panic("paging_init: mapping %lx -> %lx (%lx bytes) failed: %d",
		      DIRECT_MAP_BASE + pa, pa, sz, err);
	return sz;
}

/* Map [start, end) of physical memory into the direct map, largest pages first. */
static void map_direct_range(phys_addr_t start, phys_addr_t end)
{
	for (phys_addr_t pa = start; pa < end; ) {
		size_t sz = PAGE_SIZE;

		if (cpu_features.pdpe1gb && IS_ALIGNED(pa, PUD_SIZE) && pa + PUD_SIZE <= end)
			sz = PUD_SIZE;
		else if (IS_ALIGNED(pa, PMD_SIZE) && pa + PMD_SIZE <= end)
			sz = PMD_SIZE;
		pa += map_direct_page(pa, sz);
	}
}

static void map_kernel_image(void)
{
	struct {
		char *start, *end;
		unsigned int flags;
	} sec[] = {
		{ __text_start, __rodata_start, MMU_EXEC | MMU_GLOBAL },
		{ __rodata_start, __data_start, MMU_GLOBAL },
		{ __data_start, __kernel_end, MMU_WRITE | MMU_GLOBAL },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(sec); i++)
		for (char *va = sec[i].start; va < sec[i].end; va += PAGE_SIZE)
			must_map((vaddr_t)va, virt_to_phys(va), PAGE_SIZE, sec[i].flags);
}

/*
 * Direct-map the memory map's RAM-like ranges: usable RAM plus ACPI
 * reclaimable/NVS (firmware tables). Reserved ranges are left out: on real
 * PCs they include MMIO (PCIe config space, APICs), which must not be
 * mapped write-back. Ranges are rounded out to whole pages and merged.
 */
static void map_direct(const struct boot_info *bi)
{
	phys_addr_t rs[BOOT_MAX_MMAP], re[BOOT_MAX_MMAP];
	unsigned int n = 0;

	for (unsigned int i = 0; i < bi->nr_mmap; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];
		phys_addr_t s, e;
		unsigned int j;

		if (r->type != MB2_MEM_AVAILABLE && r->type != MB2_MEM_ACPI_RECLAIM &&
		    r->type != MB2_MEM_NVS)
			continue;
		s = ALIGN_DOWN(r->base, PAGE_SIZE);
		e = ALIGN_UP(r->base + r->len, PAGE_SIZE);
		/* Insert sorted by start. */
		for (j = n; j > 0 && rs[j - 1] > s; j--) {
			rs[j] = rs[j - 1];
			re[j] = re[j - 1];
		}
		rs[j] = s;
		re[j] = e;
		n++;
	}
	for (unsigned int i = 0; i < n; ) {
		phys_addr_t s = rs[i], e = re[i];

		for (i++; i < n && rs[i] <= e; i++)	/* merge touching ranges */
			e = MAX(e, re[i]);
		map_direct_range(s, e);
	}
}

void paging_init(const struct boot_info *bi)
{
	kernel_pgt.root = pgtable_alloc();
	if (!kernel_pgt.root)
		panic("paging_init: no memory for the top-level table");
	map_direct(bi);
	/* Pre-create the ioremap PDPT so the region is shared by construction. */
	if (IS_ERR_OR_NULL(walk_to(kernel_pgt.root, IOREMAP_BASE, 2, /* create= */true)))
		panic("paging_init: no memory for the ioremap table");
	/* Same for the kernel-stack region: every user pgd copies these slots. */
	if (IS_ERR_OR_NULL(walk_to(kernel_pgt.root, KSTACK_BASE, 2, /* create= */true)))
		panic("paging_init: no memory for the kernel-stack table");
	map_kernel_image();
	write_cr3(kernel_pgt.root);
	this_cpu()->loaded_pgt = &kernel_pgt;
	arch_flush_tlb_all();
}

/* ---- ioremap ---- */

static void *ioremap_flags(phys_addr_t pa, size_t size, unsigned int flags)
{
	phys_addr_t base = ALIGN_DOWN(pa, PAGE_SIZE);
	size_t len = ALIGN_UP(pa + size, PAGE_SIZE) - base;
	unsigned long irq = spin_lock_irqsave(&kernel_pgt.lock);
	vaddr_t va = ioremap_next;

	if (size == 0 || va + len > IOREMAP_END) {
		spin_unlock_irqrestore(&kernel_pgt.lock, irq);
		return NULL;
	}
	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		if (map_locked(kernel_pgt.root, va + off, base + off, PAGE_SIZE, flags)) {
			spin_unlock_irqrestore(&kernel_pgt.lock, irq);
			return NULL;	/* the partial mapping stays: never reused */
		}
	}
	ioremap_next = va + len + PAGE_SIZE;	/* one unmapped guard page */
	spin_unlock_irqrestore(&kernel_pgt.lock, irq);
	return (void *)(va + (pa - base));
}

void *ioremap(phys_addr_t pa, size_t size)
{
	return ioremap_flags(pa, size, MMU_WRITE | MMU_NOCACHE | MMU_GLOBAL);
}

void *ioremap_cached(phys_addr_t pa, size_t size)
{
	return ioremap_flags(pa, size, MMU_WRITE | MMU_GLOBAL);
}

/* ---- Direct-map surgery ---- */

/*
 * Replace the huge entry *e (mapping level_size(level) bytes) by a table of
 * 512 entries one level down that map the same frames with the same
 * attributes. A 2 MiB leaf loses PS (bit 7 means PAT in a 4 KiB entry; we
 * never set PAT). The new table is filled completely before it is
 * installed, so no CPU can see a half-built table.
 *
 *   before:  PDPT[i] = 1 GiB page @ P          after:  PDPT[i] -> PD
 *                                                      PD[k] = 2 MiB page @ P + k*2M
 */
/* LAB secretmem BEGIN */
static int split_huge(pte_t *e, int level)
{
	phys_addr_t tpa = pgtable_alloc();
	pte_t attrs = *e & ~PTE_ADDR_MASK;
	phys_addr_t base = *e & PTE_ADDR_MASK & ~(level_size(level) - 1);
	size_t sub = level_size(level - 1);
	pte_t *t;

	if (!tpa)
		return -ENOMEM;
	if (level - 1 == 0)
		attrs &= ~PTE_HUGE;
	t = table_va(tpa);
	for (unsigned int k = 0; k < PT_ENTRIES; k++)
		t[k] = (base + k * sub) | attrs;
	*e = tpa | PTE_PRESENT | PTE_WRITE;
	mod_vm_stat(NR_DIRECT_MAP_TABLES, 1);	/* kept for good: /proc/vmstat shows it */
	return 0;
}
/* LAB secretmem END */

int arch_set_direct_map_valid(pfn_t pfn, bool valid)
{
	/* LAB secretmem BEGIN */
	/* LAB secretmem STUB: return 0; */
	vaddr_t va = DIRECT_MAP_BASE + (pfn << PAGE_SHIFT);
	unsigned long irq = spin_lock_irqsave(&kernel_pgt.lock);
	bool split = false;
	pte_t *table = table_va(kernel_pgt.root);
	int err = 0;

	for (int l = 3; l > 0; l--) {
		pte_t *e = &table[pt_index(va, l)];

		if (!(*e & PTE_PRESENT)) {
			err = -EINVAL;		/* not RAM we mapped */
			goto out;
		}
		if (l <= 2 && (*e & PTE_HUGE)) {
			err = split_huge(e, l);
			if (err)
				goto out;
			split = true;
		}
		table = table_va(*e);
	}
	pte_t *pte = &table[pt_index(va, 0)];

	if (!(*pte & PTE_ADDR_MASK)) {
		err = -EINVAL;
		goto out;
	}
	if (valid)
		*pte |= PTE_PRESENT;
	else
		*pte &= ~PTE_PRESENT;	/* the frame address stays for restore */
out:
	spin_unlock_irqrestore(&kernel_pgt.lock, irq);
	/* A page-size change needs a full flush (SDM 4.10.2.3); else one page. */
	if (split)
		arch_flush_tlb_all();
	else if (!err)
		arch_flush_tlb_page(va);
	return err;
	/* LAB secretmem END */
}

size_t arch_direct_map_page_size(pfn_t pfn)
{
	struct mmu_mapping m;

	if (arch_query(&kernel_pgt, DIRECT_MAP_BASE + (pfn << PAGE_SHIFT), &m))
		return 0;
	return m.size;
}

/* Count the direct map's leaves below @t (a table of @level) by size, in KiB. */
static void count_direct_leaves(const pte_t *t, int level, unsigned long kb[3])
{
	for (unsigned int k = 0; k < PT_ENTRIES; k++) {
		pte_t e = t[k];

		if (!(e & PTE_ADDR_MASK))
			continue;		/* never mapped (a secret page keeps its address) */
		if (level == 0 || (e & PTE_HUGE))
			kb[level < 3 ? level : 2] += level_size(level) >> 10;
		else if (e & PTE_PRESENT)
			count_direct_leaves(table_va(e), level - 1, kb);
	}
}

/*
 * /proc/meminfo's DirectMap4k/2M/1G (Linux's): KiB of RAM the direct map
 * maps with each page size - 4 KiB pages grow as secretmem splits it.
 */
void arch_direct_map_sizes(unsigned long *k4, unsigned long *m2, unsigned long *g1)
{
	unsigned long kb[3] = { 0, 0, 0 };
	unsigned long irq = spin_lock_irqsave(&kernel_pgt.lock);
	const pte_t *pml4 = table_va(kernel_pgt.root);

	for (vaddr_t va = DIRECT_MAP_BASE; va < DIRECT_MAP_BASE + DIRECT_MAP_SIZE;
	     va += level_size(3)) {
		pte_t e = pml4[pt_index(va, 3)];

		if (e & PTE_PRESENT)
			count_direct_leaves(table_va(e), 2, kb);
	}
	spin_unlock_irqrestore(&kernel_pgt.lock, irq);
	*k4 = kb[0];
	*m2 = kb[1];
	*g1 = kb[2];
}
