/*
 * kstack.c - kernel stacks with guard pages.
 *
 * The region [KSTACK_BASE, KSTACK_END) is cut into slots; each slot is an
 * unmapped guard page followed by KSTACK_PAGES mapped pages:
 *
 *   slot n:  | guard (unmapped) | stack page 0 | ... | stack page K-1 |
 *            ^ KSTACK_BASE + n * SLOT                                 ^ top
 *
 * A stack overflow runs into the guard of its own slot and page-faults
 * (reported as a kernel bug) instead of silently corrupting its neighbour.
 * Free slots are kept on a stack of indices; the page-table pages of the
 * region are shared with every address space (paging_init pre-creates them).
 */
#include "mm/kstack.h"
#include "kernel/errno.h"
#include "kernel/spinlock.h"
#include "mm/page_alloc.h"
#include <arch/pgtable.h>

#define SLOT_SIZE	((KSTACK_PAGES + 1) * PAGE_SIZE)
#define MAX_SLOTS	4096

static spinlock_t kstack_lock = SPINLOCK_INIT_RANKED(kstack_lock, LOCK_RANK_KSTACK);
static unsigned int next_unused;		/* slots never used so far */
static unsigned int free_slots[MAX_SLOTS];
static unsigned int nr_free;

static void unmap_slot(vaddr_t base, unsigned int mapped)
{
	for (unsigned int i = 0; i < mapped; i++) {
		struct mmu_mapping m;
		vaddr_t va = base + (i + 1) * PAGE_SIZE;

		if (arch_query(&kernel_pgt, va, &m) == 0) {
			arch_unmap(&kernel_pgt, va, PAGE_SIZE);
			free_page(pfn_to_page(m.pa >> PAGE_SHIFT));
		}
	}
}

void *kstack_alloc(void)
{
	unsigned long irq = spin_lock_irqsave(&kstack_lock);
	unsigned int slot;
	vaddr_t base;

	if (nr_free)
		slot = free_slots[--nr_free];
	else if (next_unused < MAX_SLOTS)
		slot = next_unused++;
	else
		slot = ~0u;
	spin_unlock_irqrestore(&kstack_lock, irq);
	if (slot == ~0u)
		return NULL;
	base = KSTACK_BASE + (vaddr_t)slot * SLOT_SIZE;
	for (unsigned int i = 0; i < KSTACK_PAGES; i++) {
		struct page *p = alloc_page(0);

		if (!p || arch_map(&kernel_pgt, base + (i + 1) * PAGE_SIZE, page_to_phys(p),
				   PAGE_SIZE, MMU_WRITE)) {
			if (p)
				free_page(p);
			unmap_slot(base, i);
			kstack_free((void *)(base + PAGE_SIZE));
			return NULL;
		}
	}
	return (void *)(base + PAGE_SIZE);
}

void kstack_free(void *stack)
{
	vaddr_t base = (vaddr_t)stack - PAGE_SIZE;
	unsigned int slot = (base - KSTACK_BASE) / SLOT_SIZE;
	unsigned long irq;

	unmap_slot(base, KSTACK_PAGES);
	/* A slot may straddle two page tables; free whichever became empty. */
	arch_prune_table(&kernel_pgt, base);
	arch_prune_table(&kernel_pgt, base + SLOT_SIZE - 1);
	irq = spin_lock_irqsave(&kstack_lock);
	free_slots[nr_free++] = slot;
	spin_unlock_irqrestore(&kstack_lock, irq);
}

bool kstack_is_guard(vaddr_t addr)
{
	return addr >= KSTACK_BASE && addr < KSTACK_END &&
	       (addr - KSTACK_BASE) % SLOT_SIZE < PAGE_SIZE;
}
