/*
 * lru_ktest.c - LRU aging, reclaim's policy (mm/vmscan.c), on pages of
 * real address spaces: page_check_references() sees a use through any
 * PTE mapping a page (the accessed bits, found by rmap, even in another
 * process) and sends the page to the active list, a read(2)/write(2) use
 * (PG_referenced) only earns another round, and each look clears what it
 * saw; shrink_active_list() moves active pages back to the inactive list
 * with their marks cleared, so they must be used again to stay.
 *
 * A page faulted in by vm_fault() has never been touched through its PTE:
 * its accessed bit is clear. touch() reads the page through the mm's own
 * page tables, and the CPU sets the bit, so that the tests decide what
 * was "used".
 * No swap is needed: nothing here writes a page out.
 */
#include "kernel/ktest.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "mm/usercopy.h"
#include "mm/vm.h"
#include "mm/vmscan.h"
#include "mm/vmstat.h"
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/pgtable.h>
#include <arch/tlb.h>

#define RW	(VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define BASE	0x48000000ul
#define NPAGES	4

/* A new mm with NPAGES of private anonymous memory at BASE, written (faulted in). */
static struct mm *faulted_mm(void)
{
	struct mm *mm = mm_create();
	long r;

	if (!mm)
		return NULL;
	mmap_write_lock(mm);
	r = vm_mmap_region_locked(mm, BASE, NPAGES * PAGE_SIZE, RW, NULL, 0, MAP_REGION_FIXED);
	mmap_write_unlock(mm);
	for (unsigned long i = 0; r == (long)BASE && i < NPAGES; i++)
		if (vm_fault(mm, BASE + i * PAGE_SIZE, FAULT_WRITE) != VM_FAULT_OK)
			r = -1;
	if (r != (long)BASE) {
		mm_put(mm);
		return NULL;
	}
	lru_add_drain_all();		/* out of the add batches, as reclaim does first */
	return mm;
}

/* The page mapped at @va of @mm, or NULL. */
static struct page *page_at(struct mm *mm, unsigned long va)
{
	struct mmu_mapping m;

	return arch_query(&mm->pgt, va, &m) ? NULL : pfn_to_page(m.pa >> PAGE_SHIFT);
}

/*
 * Read a byte of @mm's memory at @va through its own page tables, as a
 * task of @mm would: the CPU sets the PTE's accessed bit (the kernel never
 * sets it; mapping strips it). This CPU loads @mm's tables for the one
 * read, interrupts off so that nothing runs on them meanwhile. True when
 * the byte was read (the page is present).
 */
static bool touch(struct mm *mm, unsigned long va)
{
	unsigned long irq = arch_irq_save();
	struct pgtable *old = this_cpu()->loaded_pgt;
	char c;
	int err;

	arch_switch_pgt(&mm->pgt);
	err = copy_from_user_inatomic(&c, (const void __user *)va, 1);
	arch_switch_pgt(old ? old : &kernel_pgt);
	arch_irq_restore(irq);
	return err == 0;
}

/* Is the accessed bit of @mm's PTE at @va set? */
static bool young(struct mm *mm, unsigned long va)
{
	struct mmu_mapping m;

	return arch_query(&mm->pgt, va, &m) == 0 && (m.flags & MMU_ACCESSED);
}

/*
 * A use through the mapping activates; the look clears the accessed bit,
 * so the next look without a use finds nothing. The same with the flushes
 * left to a batch.
 */
KTEST(lru_accessed_bit_activates)
{
	struct mm *mm = faulted_mm();
	struct tlb_batch b = { 0 };
	struct page *p;

	KT_ASSERT(mm != NULL);
	p = page_at(mm, BASE);
	KT_ASSERT(p && page_test_flag(p, PG_lru) && !page_test_flag(p, PG_active));
	KT_ASSERT(!young(mm, BASE));			/* faulted, never touched */
	KT_ASSERT_EQ(page_check_references(p, NULL), PAGEREF_RECLAIM);
	KT_ASSERT(touch(mm, BASE));
	KT_ASSERT(young(mm, BASE));
	KT_ASSERT_EQ(page_check_references(p, NULL), PAGEREF_ACTIVATE);
	KT_ASSERT(!young(mm, BASE));			/* the look cleared it */
	KT_ASSERT_EQ(page_check_references(p, NULL), PAGEREF_RECLAIM);
	/* Batched: the same answers; the batch owes a flush. */
	KT_ASSERT(touch(mm, BASE + PAGE_SIZE));
	p = page_at(mm, BASE + PAGE_SIZE);
	KT_ASSERT_EQ(page_check_references(p, &b), PAGEREF_ACTIVATE);
	KT_ASSERT(!young(mm, BASE + PAGE_SIZE));
	KT_ASSERT_EQ(page_check_references(p, &b), PAGEREF_RECLAIM);
	tlb_batch_flush(&b);
	/* Looking never moves a page between the lists: the caller does. */
	KT_ASSERT(page_test_flag(p, PG_lru) && !page_test_flag(p, PG_active));
	mm_put(mm);
	return KT_PASS;
}

/*
 * A page shared by fork is one page with two PTEs: a touch through either
 * counts (the look walks every mapping through rmap), and the look clears
 * the bit in both address spaces.
 */
KTEST(lru_accessed_bit_other_mm)
{
	struct mm *mm = faulted_mm(), *child;
	struct page *p;

	KT_ASSERT(mm != NULL);
	child = mm_dup(mm);
	KT_ASSERT(child != NULL);
	p = page_at(mm, BASE);
	KT_ASSERT(p && p == page_at(child, BASE));	/* COW-shared */
	KT_ASSERT_EQ(page_check_references(p, NULL), PAGEREF_RECLAIM);
	KT_ASSERT(touch(child, BASE));			/* only the child used it */
	KT_ASSERT_EQ(page_check_references(p, NULL), PAGEREF_ACTIVATE);
	KT_ASSERT(!young(child, BASE) && !young(mm, BASE));
	KT_ASSERT(touch(mm, BASE));
	KT_ASSERT(touch(child, BASE));			/* both did */
	KT_ASSERT_EQ(page_check_references(p, NULL), PAGEREF_ACTIVATE);
	KT_ASSERT(!young(child, BASE) && !young(mm, BASE));
	KT_ASSERT_EQ(page_check_references(p, NULL), PAGEREF_RECLAIM);
	mm_put(child);
	mm_put(mm);
	return KT_PASS;
}

/*
 * read(2) and write(2) mark a page PG_referenced (mark_page_accessed):
 * that earns one more round on the inactive list, not the active list,
 * and the look clears it. With a touch through a PTE as well: active,
 * both marks cleared.
 */
KTEST(lru_read_write_keeps)
{
	struct mm *mm = faulted_mm();
	struct page *p;

	KT_ASSERT(mm != NULL);
	p = page_at(mm, BASE);
	KT_ASSERT(p && !page_test_flag(p, PG_referenced));
	mark_page_accessed(p);				/* a first use: just the flag */
	KT_ASSERT(page_test_flag(p, PG_referenced) && !page_test_flag(p, PG_active));
	KT_ASSERT_EQ(page_check_references(p, NULL), PAGEREF_KEEP);
	KT_ASSERT(!page_test_flag(p, PG_referenced));
	KT_ASSERT_EQ(page_check_references(p, NULL), PAGEREF_RECLAIM);
	mark_page_accessed(p);
	KT_ASSERT(touch(mm, BASE));
	KT_ASSERT_EQ(page_check_references(p, NULL), PAGEREF_ACTIVATE);
	KT_ASSERT(!page_test_flag(p, PG_referenced) && !young(mm, BASE));
	KT_ASSERT_EQ(page_check_references(p, NULL), PAGEREF_RECLAIM);
	mm_put(mm);
	return KT_PASS;
}

/*
 * Aging: active pages, just used (accessed bits and PG_referenced set),
 * all go back to the inactive list with both marks cleared - to stay in
 * memory they must be used again before reclaim reaches them there - and
 * the counters show it.
 */
KTEST(lru_shrink_active_ages)
{
	struct mm *mm = faulted_mm();
	unsigned long refill0 = read_vm_event(PGREFILL), deact0 = read_vm_event(PGDEACTIVATE);
	unsigned long active, inactive;
	struct page *p[NPAGES];

	KT_ASSERT(mm != NULL);
	for (unsigned long i = 0; i < NPAGES; i++) {
		p[i] = page_at(mm, BASE + i * PAGE_SIZE);
		KT_ASSERT(p[i] != NULL);
		mark_page_accessed(p[i]);
		mark_page_accessed(p[i]);		/* two uses: active */
		KT_ASSERT(page_test_flag(p[i], PG_active) && page_test_flag(p[i], PG_lru));
		mark_page_accessed(p[i]);		/* and used again */
		KT_ASSERT(touch(mm, BASE + i * PAGE_SIZE));
	}
	active = lru_pages(LRU_ACTIVE_ANON);
	inactive = lru_pages(LRU_INACTIVE_ANON);
	KT_ASSERT(active >= NPAGES);
	shrink_active_list(active);			/* the whole list, ours among it */
	for (unsigned long i = 0; i < NPAGES; i++) {
		KT_ASSERT(page_test_flag(p[i], PG_lru) && !page_test_flag(p[i], PG_active));
		KT_ASSERT(!page_test_flag(p[i], PG_referenced));
		KT_ASSERT(!young(mm, BASE + i * PAGE_SIZE));
	}
	KT_ASSERT_EQ(lru_pages(LRU_ACTIVE_ANON), 0);
	KT_ASSERT(lru_pages(LRU_INACTIVE_ANON) >= inactive + NPAGES);
	KT_ASSERT(read_vm_event(PGREFILL) - refill0 >= NPAGES);
	KT_ASSERT(read_vm_event(PGDEACTIVATE) - deact0 >= NPAGES);
	/* Only as many as asked: one page back to the active list, nr = 0 leaves it. */
	mark_page_accessed(p[0]);
	mark_page_accessed(p[0]);
	KT_ASSERT(page_test_flag(p[0], PG_active));
	shrink_active_list(0);
	KT_ASSERT(page_test_flag(p[0], PG_active));
	mm_put(mm);
	return KT_PASS;
}

/* A new anonymous page, as a fault makes it before lru_cache_add(). */
static struct page *anon_page(void)
{
	struct page *p = alloc_page(GFP_ZERO);

	if (p)
		page_set_flag(p, PG_anon);
	return p;
}

static bool in_batch(const struct page *p)
{
	return page_test_flag(p, PG_lru_batch) && !page_test_flag(p, PG_lru);
}

static bool on_list(const struct page *p)
{
	return page_test_flag(p, PG_lru) && !page_test_flag(p, PG_lru_batch);
}

/*
 * The per-CPU add batches (mm/vmscan.c): a new page waits in this CPU's
 * batch, off the lists, until the batch fills (LRU_BATCH = 15 pages: all
 * of them go at once) or a drain; uses while it waits decide the list it
 * lands on; a page freed while it waits leaves the batch with its last
 * reference. Interrupts off keep the test on one CPU, and so one batch.
 */
KTEST(lru_add_batches)
{
	struct page *p[15], *q[12], *gone, *hot;
	unsigned long act, irq;
	bool waiting;

	for (int i = 0; i < 15; i++)
		KT_ASSERT((p[i] = anon_page()) != NULL);
	KT_ASSERT((gone = anon_page()) && (hot = anon_page()));
	irq = arch_irq_save();
	lru_add_drain_all();				/* this CPU's batch empty */
	lru_cache_add(gone);
	lru_cache_add(hot);
	for (int i = 0; i < 12; i++)
		lru_cache_add(p[i]);			/* 14 waiting */
	arch_irq_restore(irq);
	KT_ASSERT(in_batch(gone) && in_batch(hot) && in_batch(p[0]) && in_batch(p[11]));
	lru_cache_add(p[0]);				/* again: still once */
	KT_ASSERT(in_batch(p[0]));
	mark_page_accessed(hot);
	mark_page_accessed(hot);			/* activated while waiting */
	KT_ASSERT(page_test_flag(hot, PG_active) && in_batch(hot));
	put_page(gone);					/* freed while waiting: out */
	KT_ASSERT(!page_test_flag(gone, PG_lru_batch) && !page_test_flag(gone, PG_lru));
	act = lru_pages(LRU_ACTIVE_ANON);
	lru_add_drain_all();
	KT_ASSERT(!page_test_flag(gone, PG_lru));	/* a free frame stays off the lists */
	KT_ASSERT(on_list(hot) && page_test_flag(hot, PG_active));
	KT_ASSERT(lru_pages(LRU_ACTIVE_ANON) >= act + 1);
	for (int i = 0; i < 12; i++)
		KT_ASSERT(on_list(p[i]) && !page_test_flag(p[i], PG_active));
	/* A full batch goes by itself: 14 wait, the 15th sends them all. */
	for (int i = 0; i < 12; i++)
		KT_ASSERT((q[i] = anon_page()) != NULL);
	irq = arch_irq_save();
	lru_add_drain_all();
	for (int i = 12; i < 15; i++)
		lru_cache_add(p[i]);
	for (int i = 0; i < 11; i++)
		lru_cache_add(q[i]);
	waiting = in_batch(p[12]) && in_batch(p[14]) && in_batch(q[10]);
	lru_cache_add(q[11]);				/* 3 + 12 = 15: the batch goes */
	arch_irq_restore(irq);
	KT_ASSERT(waiting);
	KT_ASSERT(on_list(p[12]) && on_list(p[13]) && on_list(p[14]));
	for (int i = 0; i < 12; i++) {
		KT_ASSERT(on_list(q[i]));
		put_page(q[i]);
	}
	/* Taken off the lists with their last references. */
	put_page(hot);
	for (int i = 0; i < 15; i++) {
		put_page(p[i]);
		KT_ASSERT(!page_test_flag(p[i], PG_lru));
	}
	return KT_PASS;
}
