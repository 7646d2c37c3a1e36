/*
 * pte_cursor_ktest.c - contract tests for the page-table cursor and the
 * page-table locks (arch/pgtable.h), on a throw-away user pgd that no task
 * runs on: what a cursor reads in a hole, after an install, a protect, a
 * flag clear and a clear; swap entries; stepping and moving inside one
 * page table without a walk; skipping holes; the soft-dirty bit through
 * protect, PROT_NONE, swap entries and clears; split PTE locks (one per
 * table, held by two CPUs at once) and the whole-tree lock.
 */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "mm/page_alloc.h"
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/pgtable.h>
#include <arch/tlb.h>

#define TEST_VA		0x40000000ul		/* 1 GiB: 2 MiB aligned, user half */

KTEST(pte_cursor_install_read_clear)
{
	struct page *pg = alloc_page(GFP_ZERO);
	struct pgtable pgt;
	struct pte_cursor c;
	struct pte_val v, before;

	KT_ASSERT(pg != NULL);
	KT_ASSERT_EQ(arch_pgd_create(&pgt), 0);
	/* A hole: reads as none, the hole spans to the 512 GiB boundary. */
	pte_cursor_lock(&c, &pgt, TEST_VA + 5);
	KT_ASSERT(pgt_is_locked(&pgt));
	KT_ASSERT_EQ(c.va, TEST_VA);
	KT_ASSERT_EQ(pte_cursor_get(&c, &v), PTE_KIND_NONE);
	KT_ASSERT_EQ(pte_cursor_span_end(&c), 512ul << 30);
	KT_ASSERT(!pte_cursor_next(&c, TEST_VA + 4 * PAGE_SIZE));
	/* Install: creates PDPT, PD and PT (three user tables). */
	KT_ASSERT_EQ(pte_cursor_set_page(&c, page_to_phys(pg), MMU_USER | MMU_WRITE), 0);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 3);
	KT_ASSERT_EQ(pte_cursor_set_page(&c, page_to_phys(pg), MMU_USER), -EEXIST);
	KT_ASSERT_EQ(pte_cursor_get(&c, &v), PTE_KIND_PAGE);
	KT_ASSERT_EQ(v.pa, page_to_phys(pg));
	KT_ASSERT((v.flags & (MMU_USER | MMU_WRITE)) == (MMU_USER | MMU_WRITE));
	KT_ASSERT_EQ(pte_cursor_span_end(&c), TEST_VA + PMD_SIZE);
	before = v;
	/* Protect and clear flags keep the frame. */
	KT_ASSERT_EQ(pte_cursor_protect(&c, MMU_USER), 0);
	KT_ASSERT_EQ(pte_cursor_get(&c, &v), PTE_KIND_PAGE);
	KT_ASSERT(!(v.flags & MMU_WRITE) && v.pa == before.pa);
	KT_ASSERT(!pte_val_same(&v, &before));
	KT_ASSERT_EQ(pte_cursor_protect(&c, MMU_USER | MMU_WRITE), 0);
	KT_ASSERT(pte_cursor_clear_flags(&c, MMU_WRITE) & MMU_WRITE);
	KT_ASSERT_EQ(pte_cursor_get(&c, &v), PTE_KIND_PAGE);
	KT_ASSERT(!(v.flags & MMU_WRITE));
	/* PROT_NONE keeps the frame but is no longer present. */
	KT_ASSERT_EQ(pte_cursor_protect(&c, MMU_PROTNONE), 0);
	KT_ASSERT_EQ(pte_cursor_get(&c, &v), PTE_KIND_PAGE);
	KT_ASSERT((v.flags & MMU_PROTNONE) && v.pa == before.pa);
	KT_ASSERT_EQ(pte_cursor_clear_flags(&c, MMU_ACCESSED), 0);
	pte_cursor_clear(&c, PTE_FLUSH);
	KT_ASSERT_EQ(pte_cursor_get(&c, &v), PTE_KIND_NONE);
	KT_ASSERT_EQ(pte_cursor_protect(&c, MMU_USER), -ENOENT);
	pte_cursor_unlock(&c);
	KT_ASSERT(!pgt_is_locked(&pgt));
	/* One-shot queries see the same tree through the same lock. */
	KT_ASSERT_EQ(arch_clear_flags(&pgt, TEST_VA, MMU_WRITE), 0);
	arch_free_user_tables(&pgt, 0, USER_END, 0, USER_END);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 0);
	arch_pgd_destroy(&pgt);
	free_page(pg);
	return KT_PASS;
}

static int count_swap(vaddr_t va, uint64_t entry, unsigned int flags, void *arg)
{
	(void)va;
	(void)flags;
	*(uint64_t *)arg += entry;
	return 0;
}

KTEST(pte_cursor_swap_next_move_relock)
{
	struct pgtable pgt;
	struct pte_cursor c;
	struct pte_val v;
	uint64_t sum = 0;
	unsigned int n = 0;

	KT_ASSERT_EQ(arch_pgd_create(&pgt), 0);
	pte_cursor_lock(&c, &pgt, TEST_VA);
	/* Swap entries in the first four slots, one at a time by stepping. */
	do {
		KT_ASSERT_EQ(pte_cursor_set_swap(&c, 100 + n, 0), 0);
		n++;
	} while (pte_cursor_next(&c, TEST_VA + 4 * PAGE_SIZE));
	KT_ASSERT_EQ(n, 4);
	KT_ASSERT_EQ(c.va, TEST_VA + 3 * PAGE_SIZE);
	KT_ASSERT_EQ(pte_cursor_set_swap(&c, 7, 0), -EEXIST);
	/* Move back without a walk; the table ends at the next 2 MiB. */
	KT_ASSERT(pte_cursor_move(&c, TEST_VA + PAGE_SIZE));
	KT_ASSERT_EQ(pte_cursor_get(&c, &v), PTE_KIND_SWAP);
	KT_ASSERT_EQ(v.swap, 101);
	KT_ASSERT(!pte_cursor_move(&c, TEST_VA + PMD_SIZE));
	KT_ASSERT(pte_cursor_move(&c, TEST_VA + PMD_SIZE - PAGE_SIZE));
	KT_ASSERT(!pte_cursor_next(&c, ~0ul));	/* last slot of the table */
	/* Unlock and relock: the same slot, no new walk needed. */
	pte_cursor_unlock(&c);
	pte_cursor_relock(&c);
	KT_ASSERT_EQ(c.va, TEST_VA + PMD_SIZE - PAGE_SIZE);
	KT_ASSERT_EQ(pte_cursor_get(&c, &v), PTE_KIND_NONE);
	pte_cursor_unlock(&c);
	/* The range walker sees the four entries. */
	KT_ASSERT_EQ(arch_walk_swap(&pgt, TEST_VA, TEST_VA + PMD_SIZE, count_swap, &sum), 0);
	KT_ASSERT_EQ(sum, 100 + 101 + 102 + 103);
	pte_cursor_lock(&c, &pgt, TEST_VA);
	do
		pte_cursor_clear(&c, PTE_NOFLUSH);
	while (pte_cursor_next(&c, TEST_VA + 4 * PAGE_SIZE));
	pte_cursor_unlock(&c);
	arch_pgd_destroy(&pgt);
	return KT_PASS;
}

/*
 * pte_cursor_map walks without the lock: a hole reads as none, an install
 * made under the lock is seen, and relock then works on the same slot.
 */
KTEST(pte_cursor_map_unlocked)
{
	struct page *pg = alloc_page(GFP_ZERO);
	struct pgtable pgt;
	struct pte_cursor c;
	struct pte_val v;

	KT_ASSERT(pg != NULL);
	KT_ASSERT_EQ(arch_pgd_create(&pgt), 0);
	pte_cursor_map(&c, &pgt, TEST_VA + PAGE_SIZE + 7);
	KT_ASSERT(!pgt_is_locked(&pgt));
	KT_ASSERT_EQ(c.va, TEST_VA + PAGE_SIZE);
	KT_ASSERT_EQ(pte_cursor_get(&c, &v), PTE_KIND_NONE);
	/* Install through the unlocked hole: relock re-walks, then creates. */
	pte_cursor_relock(&c);
	KT_ASSERT(pgt_is_locked(&pgt));
	KT_ASSERT_EQ(pte_cursor_set_page(&c, page_to_phys(pg), MMU_USER), 0);
	pte_cursor_unlock(&c);
	pte_cursor_map(&c, &pgt, TEST_VA + PAGE_SIZE);
	KT_ASSERT(!pgt_is_locked(&pgt));
	KT_ASSERT_EQ(pte_cursor_get(&c, &v), PTE_KIND_PAGE);
	KT_ASSERT_EQ(v.pa, page_to_phys(pg));
	pte_cursor_relock(&c);
	pte_cursor_clear(&c, PTE_FLUSH);
	pte_cursor_unlock(&c);
	arch_free_user_tables(&pgt, 0, USER_END, 0, USER_END);
	arch_pgd_destroy(&pgt);
	free_page(pg);
	return KT_PASS;
}

static int swap_softdirty(vaddr_t va, uint64_t entry, unsigned int flags, void *arg)
{
	(void)va;
	(void)entry;
	*(unsigned int *)arg |= flags;
	return 0;
}

/*
 * MMU_SOFTDIRTY: set only when asked for, kept by protect (also through
 * PROT_NONE and back), cleared by clear_flags alone, carried by a swap
 * entry without changing the entry, never confused with the hardware bits.
 */
KTEST(pte_cursor_softdirty)
{
	struct page *pg = alloc_page(GFP_ZERO);
	struct pgtable pgt;
	struct pte_cursor c;
	struct pte_val v;
	unsigned int seen = 0;

	KT_ASSERT(pg != NULL);
	KT_ASSERT_EQ(arch_pgd_create(&pgt), 0);
	pte_cursor_lock(&c, &pgt, TEST_VA);
	KT_ASSERT_EQ(pte_cursor_set_page(&c, page_to_phys(pg), MMU_USER), 0);
	pte_cursor_get(&c, &v);
	KT_ASSERT(!(v.flags & MMU_SOFTDIRTY));
	KT_ASSERT_EQ(pte_cursor_protect(&c, MMU_USER | MMU_WRITE | MMU_SOFTDIRTY), 0);
	pte_cursor_get(&c, &v);
	KT_ASSERT((v.flags & (MMU_WRITE | MMU_SOFTDIRTY)) == (MMU_WRITE | MMU_SOFTDIRTY));
	/* A protect without it keeps it, PROT_NONE included. */
	KT_ASSERT_EQ(pte_cursor_protect(&c, MMU_USER), 0);
	pte_cursor_get(&c, &v);
	KT_ASSERT(v.flags & MMU_SOFTDIRTY);
	KT_ASSERT_EQ(pte_cursor_protect(&c, MMU_PROTNONE), 0);
	pte_cursor_get(&c, &v);
	KT_ASSERT((v.flags & (MMU_PROTNONE | MMU_SOFTDIRTY)) == (MMU_PROTNONE | MMU_SOFTDIRTY));
	KT_ASSERT(pte_cursor_clear_flags(&c, MMU_SOFTDIRTY) & MMU_SOFTDIRTY);
	pte_cursor_get(&c, &v);
	KT_ASSERT((v.flags & MMU_PROTNONE) && !(v.flags & MMU_SOFTDIRTY) &&
		  v.pa == page_to_phys(pg));
	/* Clearing write and soft-dirty together (clear_refs 4). */
	KT_ASSERT_EQ(pte_cursor_protect(&c, MMU_USER | MMU_WRITE | MMU_SOFTDIRTY), 0);
	KT_ASSERT(pte_cursor_clear_flags(&c, MMU_WRITE | MMU_SOFTDIRTY) & MMU_SOFTDIRTY);
	pte_cursor_get(&c, &v);
	KT_ASSERT(!(v.flags & (MMU_WRITE | MMU_SOFTDIRTY)) && (v.flags & MMU_USER));
	pte_cursor_clear(&c, PTE_FLUSH);
	/* A soft-dirty swap entry: the entry is unchanged, the bit clears alone. */
	KT_ASSERT_EQ(pte_cursor_set_swap(&c, 0x12345, MMU_SOFTDIRTY), 0);
	KT_ASSERT_EQ(pte_cursor_get(&c, &v), PTE_KIND_SWAP);
	KT_ASSERT(v.swap == 0x12345 && v.flags == MMU_SOFTDIRTY);
	pte_cursor_unlock(&c);
	KT_ASSERT_EQ(arch_walk_swap(&pgt, TEST_VA, TEST_VA + PAGE_SIZE, swap_softdirty, &seen), 0);
	KT_ASSERT_EQ(seen, MMU_SOFTDIRTY);
	pte_cursor_lock(&c, &pgt, TEST_VA);
	KT_ASSERT_EQ(pte_cursor_clear_flags(&c, MMU_WRITE | MMU_SOFTDIRTY), MMU_SOFTDIRTY);
	KT_ASSERT_EQ(pte_cursor_get(&c, &v), PTE_KIND_SWAP);
	KT_ASSERT(v.swap == 0x12345 && v.flags == 0);
	KT_ASSERT_EQ(pte_cursor_clear_flags(&c, MMU_SOFTDIRTY), 0);
	pte_cursor_clear(&c, PTE_NOFLUSH);
	pte_cursor_unlock(&c);
	arch_free_user_tables(&pgt, 0, USER_END, 0, USER_END);
	arch_pgd_destroy(&pgt);
	free_page(pg);
	return KT_PASS;
}

/*
 * Split PTE locks: each page table of a user tree has its own lock, which
 * a cursor takes with the tree shared; a whole-tree holder gets in only
 * when no cursor is inside.
 */
KTEST(pte_cursor_split_locks)
{
	struct page *pg = alloc_page(GFP_ZERO);
	volatile uint32_t *first;
	struct pgtable pgt;
	struct pte_cursor a;
	struct pte_val v;
	unsigned long irq;

	KT_ASSERT(pg != NULL);
	KT_ASSERT_EQ(arch_pgd_create(&pgt), 0);
	pte_cursor_lock(&a, &pgt, TEST_VA);
	KT_ASSERT(a.ptl == NULL);		/* a hole: no table, no PTE lock */
	KT_ASSERT_EQ(pte_cursor_set_page(&a, page_to_phys(pg), MMU_USER), 0);
	KT_ASSERT(a.ptl != NULL && *a.ptl);	/* the new table's lock, taken */
	KT_ASSERT(!spin_is_locked(&pgt.lock));	/* the tree is only shared */
	KT_ASSERT_EQ(pgt.readers, 1);
	first = a.ptl;
	pte_cursor_unlock(&a);
	KT_ASSERT(!*first && pgt.readers == 0);
	/* The next 2 MiB: another table, another lock. */
	pte_cursor_lock(&a, &pgt, TEST_VA + PMD_SIZE);
	KT_ASSERT_EQ(pte_cursor_set_page(&a, page_to_phys(pg), MMU_USER), 0);
	KT_ASSERT(a.ptl != NULL && *a.ptl && a.ptl != first && !*first);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 4);	/* PDPT, PD, two PTs */
	pte_cursor_clear(&a, PTE_FLUSH);
	pte_cursor_unlock(&a);
	/* Relocking an unlocked cursor finds its table's lock again. */
	pte_cursor_map(&a, &pgt, TEST_VA);
	pte_cursor_relock(&a);
	KT_ASSERT(a.ptl == first && *first);
	KT_ASSERT_EQ(pte_cursor_get(&a, &v), PTE_KIND_PAGE);
	pte_cursor_clear(&a, PTE_FLUSH);
	pte_cursor_unlock(&a);
	/* The whole tree: no cursor inside, so it is ours at once. */
	irq = pgt_lock_all(&pgt);
	KT_ASSERT(spin_is_locked(&pgt.lock) && pgt.readers == 0);
	pgt_unlock_all(&pgt, irq);
	arch_free_user_tables(&pgt, 0, USER_END, 0, USER_END);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 0);
	arch_pgd_destroy(&pgt);
	free_page(pg);
	return KT_PASS;
}

/* Two CPUs, one tree: a kernel thread holds a cursor on one table... */
static struct {
	struct pgtable *pgt;
	volatile int holding, release, done;
} split;

static int split_holder(void *arg)
{
	struct pte_cursor c;

	(void)arg;
	pte_cursor_lock(&c, split.pgt, TEST_VA);
	split.holding = 1;
	while (!split.release) {		/* interrupts off: answer shootdowns */
		tlb_ipi_poll();
		arch_cpu_relax();
	}
	pte_cursor_unlock(&c);
	split.done = 1;
	return 0;
}

/*
 * ... while this CPU locks and changes another table of the same tree. With
 * one lock per tree this would spin until the harness's timeout.
 */
KTEST(pte_cursor_split_locks_two_cpus)
{
	struct page *pg = alloc_page(GFP_ZERO);
	struct pgtable pgt;
	struct pte_cursor b;
	uint64_t deadline;

	if (sched_nr_cpus() < 2) {
		if (pg)
			free_page(pg);
		KT_SKIP("one CPU runs tasks");
	}
	KT_ASSERT(pg != NULL);
	KT_ASSERT_EQ(arch_pgd_create(&pgt), 0);
	pte_cursor_lock(&b, &pgt, TEST_VA);		/* both tables exist first */
	KT_ASSERT_EQ(pte_cursor_set_page(&b, page_to_phys(pg), MMU_USER), 0);
	pte_cursor_unlock(&b);
	split = (typeof(split)){ .pgt = &pgt };
	/* Not on this CPU: the test runs on CPU 0's idle task, which a holder
	 * spinning there with interrupts off would never let back in. */
	KT_ASSERT(!IS_ERR(kthread_create_on("split-holder", split_holder, NULL,
					    1ull << (this_cpu()->index ? 0 : 1))));
	deadline = clock_ns() + 30ull * 1000000000;
	while (!split.holding && clock_ns() < deadline)
		schedule();
	KT_ASSERT(split.holding);
	pte_cursor_lock(&b, &pgt, TEST_VA + PMD_SIZE);
	KT_ASSERT_EQ(pte_cursor_set_page(&b, page_to_phys(pg), MMU_USER), 0);
	pte_cursor_clear(&b, PTE_FLUSH);
	pte_cursor_unlock(&b);
	KT_ASSERT(!split.done);			/* the holder held on all along */
	split.release = 1;
	while (!split.done)
		schedule();
	pte_cursor_lock(&b, &pgt, TEST_VA);
	pte_cursor_clear(&b, PTE_FLUSH);
	pte_cursor_unlock(&b);
	arch_free_user_tables(&pgt, 0, USER_END, 0, USER_END);
	arch_pgd_destroy(&pgt);
	free_page(pg);
	return KT_PASS;
}
