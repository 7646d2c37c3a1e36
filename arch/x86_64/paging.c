/*
 * paging.c - x86-64 page tables: the arch half of the mm contract
 * (arch/pgtable.h), the kernel's own tables, ioremap, and direct-map surgery.
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
 *
 * Intermediate entries are always present+writable(+user below USER_END);
 * permissions are decided by the leaf, the only place NX is set.
 *
 * Locking: pt_lock (a spinlock, interrupts off) serialises every change to
 * kernel page tables; walks for queries take it too so a concurrent split
 * is never seen half-done. TLB flushes go through arch_flush_tlb_*(), the
 * one place SMP shoot-down will be added.
 */
#include <arch/pgtable.h>
#include <arch/cpu.h>
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "mm/memblock.h"
#include "mm/page_alloc.h"
#include "mm/vmstat.h"
#include "kernel/lib/multiboot2.h"
#include "kernel/lib/string.h"

phys_addr_t kernel_pgd;
static spinlock_t pt_lock = SPINLOCK_INIT;
static vaddr_t ioremap_next = IOREMAP_BASE;

/* Index of @va in the table of @level (3 = PML4, 2 = PDPT, 1 = PD, 0 = PT). */
static unsigned int pt_index(vaddr_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & (PT_ENTRIES - 1);
}

static size_t level_size(int level)
{
	return 1ul << (PAGE_SHIFT + 9 * level);
}

static pte_t *table_va(pte_t entry_or_phys)
{
	return phys_to_virt(entry_or_phys & PTE_ADDR_MASK);
}

/* The one translation from generic MMU_* flags to x86 bits. */
static pte_t mmu_flags_to_pte(unsigned int flags)
{
	pte_t pte = PTE_PRESENT;

	if (flags & MMU_PROTNONE)
		return PTE_PROTNONE | PTE_USER | (cpu_features.nx ? PTE_NX : 0);

	if (flags & MMU_WRITE)
		pte |= PTE_WRITE;
	if (flags & MMU_USER)
		pte |= PTE_USER;
	if (flags & MMU_NOCACHE)
		pte |= PTE_PCD | PTE_PWT;
	if ((flags & MMU_GLOBAL) && cpu_features.pge)
		pte |= PTE_GLOBAL;
	if (!(flags & MMU_EXEC) && cpu_features.nx)
		pte |= PTE_NX;
	return pte;
}

static unsigned int pte_to_mmu_flags(pte_t pte)
{
	unsigned int f = 0;

	if (!(pte & PTE_PRESENT))
		return (pte & PTE_PROTNONE) ? MMU_PROTNONE | MMU_USER : 0;

	if (pte & PTE_WRITE)
		f |= MMU_WRITE;
	if (pte & PTE_USER)
		f |= MMU_USER;
	if (pte & PTE_PCD)
		f |= MMU_NOCACHE;
	if (pte & PTE_GLOBAL)
		f |= MMU_GLOBAL;
	if (!(pte & PTE_NX))
		f |= MMU_EXEC;
	if (pte & PTE_ACCESSED)
		f |= MMU_ACCESSED;
	if (pte & PTE_DIRTY)
		f |= MMU_DIRTY;
	return f;
}

static int size_to_level(size_t size)
{
	switch (size) {
	case PAGE_SIZE:
		return 0;
	case PMD_SIZE:
		return 1;
	case PUD_SIZE:
		return 2;
	default:
		return -1;
	}
}

/*
 * User page-table pages (PDPT, PD and PT tables of the lower half of a
 * user pgd, not the pgd itself) are counted twice: per address space in
 * the pgd's struct page (->private, as Linux's mm->pgtables_bytes) and
 * globally in NR_PAGETABLE (/proc/meminfo PageTables). pt_lock held.
 */
static void user_tables_account(phys_addr_t root, long delta)
{
	pfn_to_page(root >> PAGE_SHIFT)->private += delta;
	mod_vm_stat(NR_PAGETABLE, delta);
}

static bool is_user_table(phys_addr_t root, vaddr_t va)
{
	return root != kernel_pgd && va < USER_END;
}

/* Is no entry of @table in use (not even a swap or PROT_NONE entry)? */
static bool table_empty(const pte_t *table)
{
	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		if (table[i])
			return false;
	return true;
}

/*
 * Walk from @root down to the table of @level that covers @va, creating
 * missing tables when @create. Returns the entry's address, NULL when a
 * table is missing (and !create) or cannot be allocated, or ERR_PTR(-EEXIST)
 * when a huge page sits above @level.
 */
static pte_t *walk_to(phys_addr_t root, vaddr_t va, int level, bool create)
{
	pte_t *table = table_va(root);

	for (int l = 3; l > level; l--) {
		pte_t *e = &table[pt_index(va, l)];

		if (!(*e & PTE_PRESENT)) {
			phys_addr_t pa;

			if (!create || !(pa = pgtable_alloc()))
				return NULL;
			if (is_user_table(root, va))
				user_tables_account(root, 1);
			*e = pa | PTE_PRESENT | PTE_WRITE |
			     (va < USER_END ? PTE_USER : 0);
		} else if (*e & PTE_HUGE) {
			return ERR_PTR(-EEXIST);
		}
		table = table_va(*e);
	}
	return &table[pt_index(va, level)];
}

static int map_locked(phys_addr_t root, vaddr_t va, phys_addr_t pa, size_t size,
		      unsigned int flags)
{
	int level = size_to_level(size);
	pte_t *e;

	if (level < 0 || !IS_ALIGNED(va, size) || !IS_ALIGNED(pa, size))
		return -EINVAL;
	if (level == 2 && !cpu_features.pdpe1gb)
		return -EINVAL;
	e = walk_to(root, va, level, true);
	if (!e)
		return -ENOMEM;
	if (IS_ERR(e))
		return PTR_ERR(e);
	if (*e & (PTE_PRESENT | PTE_PROTNONE | PTE_SWAP))
		return -EEXIST;
	if ((flags & MMU_PROTNONE) && level)
		return -EINVAL;
	*e = pa | mmu_flags_to_pte(flags) | (level ? PTE_HUGE : 0);
	return 0;
}

int arch_map(phys_addr_t root, vaddr_t va, phys_addr_t pa, size_t size,
	     unsigned int flags)
{
	unsigned long irq = spin_lock_irqsave(&pt_lock);
	int err = map_locked(root, va, pa, size, flags);

	spin_unlock_irqrestore(&pt_lock, irq);
	return err;
}

/* Find the leaf entry that maps @va; sets *level. NULL when not mapped. */
static pte_t *find_leaf(phys_addr_t root, vaddr_t va, int *level)
{
	pte_t *table = table_va(root);

	for (int l = 3; l >= 0; l--) {
		pte_t *e = &table[pt_index(va, l)];

		if (l == 0 && (*e & PTE_PROTNONE) && !(*e & PTE_PRESENT)) {
			*level = 0;
			return e;		/* a PROT_NONE page: mapped, inaccessible */
		}
		if (!(*e & PTE_PRESENT))
			return NULL;
		if (l == 0 || (l <= 2 && (*e & PTE_HUGE))) {
			*level = l;
			return e;
		}
		table = table_va(*e);
	}
	return NULL;
}

int arch_unmap(phys_addr_t root, vaddr_t va, size_t size)
{
	unsigned long irq = spin_lock_irqsave(&pt_lock);
	int level, err = 0;
	pte_t *e = find_leaf(root, va, &level);

	if (!e)
		err = -ENOENT;
	else if (level_size(level) != size)
		err = -EINVAL;
	else
		*e = 0;
	spin_unlock_irqrestore(&pt_lock, irq);
	if (!err)
		arch_flush_tlb_page(ALIGN_DOWN(va, size));
	return err;
}

/* ---- swap entries in non-present PTEs ---- */

static vaddr_t canonical(vaddr_t va);

static bool is_swap_pte(pte_t e)
{
	return (e & PTE_SWAP) && !(e & PTE_PRESENT);
}

int arch_set_swap(phys_addr_t root, vaddr_t va, uint64_t entry)
{
	unsigned long irq = spin_lock_irqsave(&pt_lock);
	pte_t *e = walk_to(root, va, 0, true);
	int err = 0;

	if (!e)
		err = -ENOMEM;
	else if (IS_ERR(e) || *e)
		err = -EEXIST;
	else
		*e = (entry << PAGE_SHIFT) | PTE_SWAP;
	spin_unlock_irqrestore(&pt_lock, irq);
	return err;
}

int arch_query_or_swap(phys_addr_t root, vaddr_t va, struct mmu_mapping *out,
		       uint64_t *entry)
{
	unsigned long irq = spin_lock_irqsave(&pt_lock);
	pte_t *table = table_va(root);
	int ret = -ENOENT;

	for (int l = 3; l >= 0; l--) {
		pte_t e = table[pt_index(va, l)];
		size_t sz = level_size(l);

		if (l == 0 && is_swap_pte(e)) {
			*entry = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
			ret = 1;
			break;
		}
		if (!(e & PTE_PRESENT) && !(l == 0 && (e & PTE_PROTNONE)))
			break;
		if (l == 0 || (e & PTE_HUGE)) {
			out->va = ALIGN_DOWN(va, sz);
			out->pa = e & PTE_ADDR_MASK & ~(sz - 1);
			out->size = sz;
			out->flags = pte_to_mmu_flags(e);
			ret = 0;
			break;
		}
		table = table_va(e);
	}
	spin_unlock_irqrestore(&pt_lock, irq);
	return ret;
}

bool arch_get_swap(phys_addr_t root, vaddr_t va, uint64_t *entry)
{
	unsigned long irq = spin_lock_irqsave(&pt_lock);
	pte_t *e = walk_to(root, va, 0, false);
	bool found = !IS_ERR_OR_NULL(e) && is_swap_pte(*e);

	if (found)
		*entry = (*e & PTE_ADDR_MASK) >> PAGE_SHIFT;
	spin_unlock_irqrestore(&pt_lock, irq);
	return found;
}

void arch_clear_swap(phys_addr_t root, vaddr_t va)
{
	unsigned long irq = spin_lock_irqsave(&pt_lock);
	pte_t *e = walk_to(root, va, 0, false);

	if (!IS_ERR_OR_NULL(e) && is_swap_pte(*e))
		*e = 0;			/* never in a TLB: no flush needed */
	spin_unlock_irqrestore(&pt_lock, irq);
}

static int walk_swap_level(pte_t *table, int level, vaddr_t base, vaddr_t start, vaddr_t end,
			   int (*fn)(vaddr_t, uint64_t, void *), void *arg)
{
	size_t sz = level_size(level);

	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		vaddr_t va = canonical(base + i * sz);
		pte_t e = table[i];
		int ret = 0;

		if (va + sz - 1 < start || va >= end)
			continue;
		if (level == 0) {
			if (is_swap_pte(e))
				ret = fn(va, (e & PTE_ADDR_MASK) >> PAGE_SHIFT, arg);
		} else if ((e & PTE_PRESENT) && !(e & PTE_HUGE)) {
			ret = walk_swap_level(table_va(e), level - 1, base + i * sz, start, end,
					      fn, arg);
		}
		if (ret)
			return ret;
	}
	return 0;
}

int arch_walk_swap(phys_addr_t root, vaddr_t start, vaddr_t end,
		   int (*fn)(vaddr_t va, uint64_t entry, void *arg), void *arg)
{
	return walk_swap_level(table_va(root), 3, 0, start, end, fn, arg);
}

bool arch_unmap_noflush(phys_addr_t root, vaddr_t va)
{
	unsigned long irq = spin_lock_irqsave(&pt_lock);
	int level;
	pte_t *e = find_leaf(root, va, &level);
	bool cleared = e && level == 0;

	if (cleared)
		*e = 0;
	spin_unlock_irqrestore(&pt_lock, irq);
	return cleared;
}

void arch_flush_tlb_mm_range(phys_addr_t root, vaddr_t start, vaddr_t end)
{
	/*
	 * Only the CPU running this address space can hold its translations
	 * (one CPU for now; SMP turns this into a shootdown of the CPUs that
	 * have it loaded). Another address space's entries died with its CR3.
	 */
	if ((read_cr3() & PTE_ADDR_MASK) == root)
		arch_flush_tlb_range(start, end);
}

int arch_query(phys_addr_t root, vaddr_t va, struct mmu_mapping *out)
{
	unsigned long irq = spin_lock_irqsave(&pt_lock);
	int level;
	pte_t *e = find_leaf(root, va, &level);

	if (e) {
		size_t sz = level_size(level);

		out->va = ALIGN_DOWN(va, sz);
		out->pa = (*e & PTE_ADDR_MASK & ~(sz - 1));
		out->size = sz;
		out->flags = pte_to_mmu_flags(*e);
	}
	spin_unlock_irqrestore(&pt_lock, irq);
	return e ? 0 : -ENOENT;
}

/* Sign-extend a 48-bit address (bit 47 copied into bits 63..48). */
static vaddr_t canonical(vaddr_t va)
{
	return (vaddr_t)((int64_t)(va << 16) >> 16);
}

static int walk_level(pte_t *table, int level, vaddr_t base, vaddr_t start, vaddr_t end,
		      int (*fn)(const struct mmu_mapping *, void *), void *arg)
{
	size_t sz = level_size(level);

	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		vaddr_t va = canonical(base + i * sz);
		pte_t e = table[i];
		int ret;

		if (va + sz - 1 < start || va >= end)
			continue;
		if (!(e & PTE_PRESENT) && !(level == 0 && (e & PTE_PROTNONE)))
			continue;
		if (level == 0 || (level <= 2 && (e & PTE_HUGE))) {
			struct mmu_mapping m = {
				.va = va, .pa = e & PTE_ADDR_MASK & ~(sz - 1),
				.size = sz, .flags = pte_to_mmu_flags(e),
			};

			ret = fn(&m, arg);
		} else {
			ret = walk_level(table_va(e), level - 1, base + i * sz,
					 start, end, fn, arg);
		}
		if (ret)
			return ret;
	}
	return 0;
}

int arch_walk(phys_addr_t root, vaddr_t start, vaddr_t end,
	      int (*fn)(const struct mmu_mapping *m, void *arg), void *arg)
{
	/* The callback runs without pt_lock: it may call arch_query(). */
	return walk_level(table_va(root), 3, 0, start, end, fn, arg);
}

void arch_flush_tlb_page(vaddr_t va)
{
	__asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
}

void arch_flush_tlb_range(vaddr_t start, vaddr_t end)
{
	if (end - start > 64 * PAGE_SIZE) {
		arch_flush_tlb_all();
		return;
	}
	for (vaddr_t va = ALIGN_DOWN(start, PAGE_SIZE); va < end; va += PAGE_SIZE)
		arch_flush_tlb_page(va);
}

void arch_flush_tlb_all(void)
{
	uint64_t cr4 = read_cr4();

	if (cr4 & CR4_PGE) {		/* toggling PGE also drops global entries */
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}

/* ---- User address spaces ---- */

/*
 * A user pgd: the lower 256 PML4 slots (user half) start empty, the upper
 * 256 are copied from kernel_pgd. Every kernel PML4 slot is created at boot
 * (direct map, ioremap, kernel stacks, image), so the copies never go stale.
 */
phys_addr_t arch_pgd_create(void)
{
	phys_addr_t pgd = pgtable_alloc();

	if (!pgd)
		return 0;
	pfn_to_page(pgd >> PAGE_SHIFT)->private = 0;	/* user tables under it */
	memcpy(table_va(pgd) + PT_ENTRIES / 2, table_va(kernel_pgd) + PT_ENTRIES / 2,
	       PT_ENTRIES / 2 * sizeof(pte_t));
	return pgd;
}

/* Free @table (of @level) and every table below it. */
static void free_tables(pte_t *table, int level)
{
	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		pte_t e = table[i];

		if (level > 0 && (e & PTE_PRESENT) && !(e & PTE_HUGE))
			free_tables(table_va(e), level - 1);
	}
	pgtable_free(virt_to_phys(table));
}

/*
 * Free every page table of the user half and the pgd itself. The frames the
 * leaves pointed at belong to mm/ and must already be released.
 */
void arch_pgd_destroy(phys_addr_t pgd)
{
	pte_t *top = table_va(pgd);

	for (unsigned int i = 0; i < PT_ENTRIES / 2; i++)
		if (top[i] & PTE_PRESENT)
			free_tables(table_va(top[i]), 2);
	/* The pgd's own count of its user tables says how many went. */
	mod_vm_stat(NR_PAGETABLE, -(long)arch_pgd_nr_tables(pgd));
	pgtable_free(pgd);
}

unsigned long arch_pgd_nr_tables(phys_addr_t pgd)
{
	return pfn_to_page(pgd >> PAGE_SHIFT)->private;
}

/*
 * The bounds a user-table prune works in: tables overlapping [start, end)
 * are looked at, those lying wholly inside [floor, ceiling) may go; freed
 * ones are chained on @freed (through struct page lru) to be released
 * after the TLB flush.
 */
struct prune_range {
	vaddr_t start, end, floor, ceiling;
	struct list_head freed;
	long nr;
};

/*
 * Prune below @table (of @level >= 1) whose first address is @base: the
 * child tables first, then each child that is now empty and covers only
 * addresses inside the floor/ceiling window.
 *
 *   floor                                               ceiling
 *     |   [ child ] [ child ] [ child ]   [ child ] [ chi|ld ]
 *         freed if empty ...........freed if empty   kept: it straddles
 */
static void prune_level(struct prune_range *r, pte_t *table, int level, vaddr_t base)
{
	size_t span = level_size(level);	/* what one entry maps */

	for (unsigned int i = pt_index(r->start > base ? r->start : base, level);
	     i < PT_ENTRIES; i++) {
		vaddr_t cb = base + i * span;
		pte_t e = table[i];

		if (cb >= r->end)
			break;
		if (!(e & PTE_PRESENT) || (e & PTE_HUGE))
			continue;
		if (level > 1)
			prune_level(r, table_va(e), level - 1, cb);
		if (cb >= r->floor && cb + span <= r->ceiling && table_empty(table_va(e))) {
			table[i] = 0;
			list_add(&pfn_to_page((e & PTE_ADDR_MASK) >> PAGE_SHIFT)->lru, &r->freed);
			r->nr++;
		}
	}
}

void arch_free_user_tables(phys_addr_t pgd, vaddr_t start, vaddr_t end, vaddr_t floor,
			   vaddr_t ceiling)
{
	struct prune_range r = { .start = start, .end = MIN(end, (vaddr_t)USER_END),
				 .floor = floor, .ceiling = ceiling, .nr = 0 };
	struct page *p, *n;
	unsigned long irq;

	if (r.start >= r.end)
		return;
	INIT_LIST_HEAD(&r.freed);
	irq = spin_lock_irqsave(&pt_lock);
	prune_level(&r, table_va(pgd), 3, 0);
	if (r.nr)
		user_tables_account(pgd, -r.nr);
	spin_unlock_irqrestore(&pt_lock, irq);
	if (!r.nr)
		return;
	arch_flush_tlb_all();		/* paging-structure caches may hold them */
	list_for_each_entry_safe(p, n, &r.freed, lru) {
		list_del(&p->lru);
		pgtable_free(page_to_phys(p));
	}
}

/* Change the flags of the 4 KiB mapping at @va; flushes it. 0 or -ENOENT. */
int arch_protect(phys_addr_t root, vaddr_t va, unsigned int flags)
{
	unsigned long irq = spin_lock_irqsave(&pt_lock);
	int level;
	pte_t *e = find_leaf(root, va, &level);
	int err = 0;

	if (!e || level != 0)
		err = -ENOENT;
	else
		*e = (*e & PTE_ADDR_MASK) | mmu_flags_to_pte(flags);
	spin_unlock_irqrestore(&pt_lock, irq);
	if (!err)
		arch_flush_tlb_page(va);
	return err;
}

/*
 * Free the 4 KiB-page table that maps @va if none of its 512 entries is in
 * use any more (kernel regions whose mappings come and go, e.g. kernel
 * stacks). The PD above it is shared by every address space, so clearing
 * its entry once is enough; the TLB is flushed for all of it.
 */
void arch_prune_table(phys_addr_t root, vaddr_t va)
{
	unsigned long irq = spin_lock_irqsave(&pt_lock);
	pte_t *pd_e = walk_to(root, va, 1, false);
	phys_addr_t pt = 0;

	if (!IS_ERR_OR_NULL(pd_e) && (*pd_e & PTE_PRESENT) && !(*pd_e & PTE_HUGE) &&
	    table_empty(table_va(*pd_e))) {
		pt = *pd_e & PTE_ADDR_MASK;
		*pd_e = 0;
	}
	spin_unlock_irqrestore(&pt_lock, irq);
	if (pt) {
		arch_flush_tlb_all();
		pgtable_free(pt);
	}
}

/*
 * Clear some of MMU_WRITE / MMU_ACCESSED / MMU_DIRTY on the 4 KiB PTE at
 * @va (rmap: page_referenced, page_mkclean). Returns the flags it had, or
 * 0 when nothing is mapped there. Flushes the TLB entry when it changed.
 */
unsigned int arch_clear_flags(phys_addr_t root, vaddr_t va, unsigned int clear)
{
	unsigned long irq = spin_lock_irqsave(&pt_lock);
	int level;
	pte_t *e = find_leaf(root, va, &level);
	unsigned int old = 0;
	pte_t bits = 0;

	if (e && level == 0 && (*e & PTE_PRESENT)) {
		old = pte_to_mmu_flags(*e);
		if (clear & MMU_WRITE)
			bits |= PTE_WRITE;
		if (clear & MMU_ACCESSED)
			bits |= PTE_ACCESSED;
		if (clear & MMU_DIRTY)
			bits |= PTE_DIRTY;
		bits &= *e;
		*e &= ~bits;
	}
	spin_unlock_irqrestore(&pt_lock, irq);
	if (bits)
		arch_flush_tlb_page(va);
	return old;
}

void arch_switch_pgd(phys_addr_t pgd)
{
	if (read_cr3() != pgd)
		write_cr3(pgd);
}

/* ---- Boot: building the kernel's tables ---- */

static void must_map(vaddr_t va, phys_addr_t pa, size_t size, unsigned int flags)
{
	int err = map_locked(kernel_pgd, va, pa, size, flags);

	if (err)
		panic("paging_init: mapping %lx -> %lx (%lx bytes) failed: %d",
		      va, pa, size, err);
}

/* Map [start, end) of physical memory into the direct map, largest pages first. */
static void map_direct_range(phys_addr_t start, phys_addr_t end)
{
	const unsigned int flags = MMU_WRITE | MMU_GLOBAL;

	for (phys_addr_t pa = start; pa < end; ) {
		size_t sz = PAGE_SIZE;

		if (cpu_features.pdpe1gb && IS_ALIGNED(pa, PUD_SIZE) && pa + PUD_SIZE <= end)
			sz = PUD_SIZE;
		else if (IS_ALIGNED(pa, PMD_SIZE) && pa + PMD_SIZE <= end)
			sz = PMD_SIZE;
		must_map(DIRECT_MAP_BASE + pa, pa, sz, flags);
		pa += sz;
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
	kernel_pgd = pgtable_alloc();
	if (!kernel_pgd)
		panic("paging_init: no memory for the top-level table");
	map_direct(bi);
	/* Pre-create the ioremap PDPT so the region is shared by construction. */
	if (IS_ERR_OR_NULL(walk_to(kernel_pgd, IOREMAP_BASE, 2, true)))
		panic("paging_init: no memory for the ioremap table");
	/* Same for the kernel-stack region: every user pgd copies these slots. */
	if (IS_ERR_OR_NULL(walk_to(kernel_pgd, KSTACK_BASE, 2, true)))
		panic("paging_init: no memory for the kernel-stack table");
	map_kernel_image();
	write_cr3(kernel_pgd);
	arch_flush_tlb_all();
}

/* ---- ioremap ---- */

static void *ioremap_flags(phys_addr_t pa, size_t size, unsigned int flags)
{
	phys_addr_t base = ALIGN_DOWN(pa, PAGE_SIZE);
	size_t len = ALIGN_UP(pa + size, PAGE_SIZE) - base;
	unsigned long irq = spin_lock_irqsave(&pt_lock);
	vaddr_t va = ioremap_next;

	if (size == 0 || va + len > IOREMAP_END) {
		spin_unlock_irqrestore(&pt_lock, irq);
		return NULL;
	}
	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		if (map_locked(kernel_pgd, va + off, base + off, PAGE_SIZE, flags)) {
			spin_unlock_irqrestore(&pt_lock, irq);
			return NULL;	/* the partial mapping stays: never reused */
		}
	}
	ioremap_next = va + len + PAGE_SIZE;	/* one unmapped guard page */
	spin_unlock_irqrestore(&pt_lock, irq);
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
	return 0;
}

int arch_set_direct_map_valid(pfn_t pfn, bool valid)
{
	vaddr_t va = DIRECT_MAP_BASE + (pfn << PAGE_SHIFT);
	unsigned long irq = spin_lock_irqsave(&pt_lock);
	bool split = false;
	pte_t *table = table_va(kernel_pgd);
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
	spin_unlock_irqrestore(&pt_lock, irq);
	/* A page-size change needs a full flush (SDM 4.10.2.3); else one page. */
	if (split)
		arch_flush_tlb_all();
	else if (!err)
		arch_flush_tlb_page(va);
	return err;
}

size_t arch_direct_map_page_size(pfn_t pfn)
{
	struct mmu_mapping m;

	if (arch_query(kernel_pgd, DIRECT_MAP_BASE + (pfn << PAGE_SHIFT), &m))
		return 0;
	return m.size;
}
