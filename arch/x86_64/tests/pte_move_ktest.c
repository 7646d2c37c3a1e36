/*
 * pte_move_ktest.c - contract tests for mremap's two page-table moves
 * (arch/pgtable.h), on a throw-away user pgd that no task runs on:
 * arch_move_ptes() moves every kind of entry slot for slot, bits kept and
 * soft-dirty added, stops at an occupied target with -EEXIST, and moves
 * nothing from where no table is; arch_move_pte_table() moves a whole page
 * table by its PD entry - no table is allocated, none copied - and says
 * -ENOENT and -EEXIST as its contract does. mm/tests/mremap_ktest.c sees
 * the same moves through mremap.
 */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "mm/page_alloc.h"
#include <arch/pgtable.h>

#define SRC		0x40000000ul		/* 1 GiB: 2 MiB aligned, user half */
#define DST		0x40a00000ul		/* the same PD, another page table */
#define DST_FAR		0x8040000000ul		/* another PDPT (PML4 slot 1) */

/* What the cursor reads at @va of @pgt. */
static enum pte_kind read_at(struct pgtable *pgt, vaddr_t va, struct pte_val *v)
{
	struct pte_cursor c;
	enum pte_kind k;

	pte_cursor_lock(&c, pgt, va);
	k = pte_cursor_get(&c, v);
	pte_cursor_unlock(&c);
	return k;
}

static int install_page(struct pgtable *pgt, vaddr_t va, struct page *pg, unsigned int flags)
{
	struct pte_cursor c;
	int err;

	pte_cursor_lock(&c, pgt, va);
	err = pte_cursor_set_page(&c, page_to_phys(pg), flags);
	pte_cursor_unlock(&c);
	return err;
}

static int install_swap(struct pgtable *pgt, vaddr_t va, uint64_t entry)
{
	struct pte_cursor c;
	int err;

	pte_cursor_lock(&c, pgt, va);
	err = pte_cursor_set_swap(&c, entry, 0);
	pte_cursor_unlock(&c);
	return err;
}

/* Empty every slot of [start, end) (the test's own entries: no page is freed). */
static void clear_range(struct pgtable *pgt, vaddr_t start, vaddr_t end)
{
	struct pte_cursor c;

	for (vaddr_t va = start; va < end; va = pte_cursor_span_end(&c)) {
		pte_cursor_lock(&c, pgt, va);
		do
			pte_cursor_clear(&c, PTE_NOFLUSH);
		while (pte_cursor_next(&c, end));
		pte_cursor_unlock(&c);
	}
}

/* Is the entry at @va a page @pg with (at least) @flags? */
static bool page_there(struct pgtable *pgt, vaddr_t va, struct page *pg, unsigned int flags)
{
	struct pte_val v;

	return read_at(pgt, va, &v) == PTE_KIND_PAGE && v.pa == page_to_phys(pg) &&
	       (v.flags & flags) == flags;
}

/*
 *   SRC:  page A (rw) | PROT_NONE B | swap 0x1234 | - | page C (ro)
 *   DST:  the same five slots, each marked soft-dirty; SRC empty
 */
KTEST(pte_move_entries)
{
	struct page *a = alloc_page(GFP_ZERO), *b = alloc_page(GFP_ZERO), *c = alloc_page(GFP_ZERO);
	const unsigned int rw = MMU_USER | MMU_WRITE;
	struct pgtable pgt;
	struct pte_val v;
	unsigned long tables;

	KT_ASSERT(a && b && c);
	KT_ASSERT_EQ(arch_pgd_create(&pgt), 0);
	KT_ASSERT_EQ(install_page(&pgt, SRC, a, rw), 0);
	KT_ASSERT_EQ(install_page(&pgt, SRC + PAGE_SIZE, b, MMU_USER | MMU_PROTNONE), 0);
	KT_ASSERT_EQ(install_swap(&pgt, SRC + 2 * PAGE_SIZE, 0x1234), 0);
	KT_ASSERT_EQ(install_page(&pgt, SRC + 4 * PAGE_SIZE, c, MMU_USER), 0);

	KT_ASSERT_EQ(arch_move_ptes(&pgt, SRC, DST, 5 * PAGE_SIZE), 0);
	KT_ASSERT(page_there(&pgt, DST, a, rw | MMU_SOFTDIRTY));
	KT_ASSERT(page_there(&pgt, DST + PAGE_SIZE, b, MMU_USER | MMU_PROTNONE | MMU_SOFTDIRTY));
	KT_ASSERT_EQ(read_at(&pgt, DST + 2 * PAGE_SIZE, &v), PTE_KIND_SWAP);
	KT_ASSERT_EQ(v.swap, 0x1234);
	KT_ASSERT_EQ(v.flags, MMU_SOFTDIRTY);
	KT_ASSERT_EQ(read_at(&pgt, DST + 3 * PAGE_SIZE, &v), PTE_KIND_NONE);
	KT_ASSERT(page_there(&pgt, DST + 4 * PAGE_SIZE, c, MMU_USER | MMU_SOFTDIRTY));
	read_at(&pgt, DST + 4 * PAGE_SIZE, &v);
	KT_ASSERT(!(v.flags & MMU_WRITE));		/* read-only stays read-only */
	for (unsigned int i = 0; i < 5; i++)
		KT_ASSERT_EQ(read_at(&pgt, SRC + i * PAGE_SIZE, &v), PTE_KIND_NONE);

	/*
	 * An occupied target slot: the entries before it have moved, it and
	 * the ones after have not.
	 */
	KT_ASSERT_EQ(install_page(&pgt, SRC + PAGE_SIZE, c, MMU_USER), 0);
	KT_ASSERT_EQ(arch_move_ptes(&pgt, DST, SRC, 3 * PAGE_SIZE), -EEXIST);
	KT_ASSERT(page_there(&pgt, SRC, a, rw));
	KT_ASSERT_EQ(read_at(&pgt, DST, &v), PTE_KIND_NONE);
	KT_ASSERT(page_there(&pgt, DST + PAGE_SIZE, b, MMU_PROTNONE));
	KT_ASSERT(page_there(&pgt, SRC + PAGE_SIZE, c, MMU_USER));
	KT_ASSERT_EQ(read_at(&pgt, DST + 2 * PAGE_SIZE, &v), PTE_KIND_SWAP);

	/* No table at the source: nothing moves, no table is made. */
	tables = arch_pgd_nr_tables(&pgt);
	KT_ASSERT_EQ(arch_move_ptes(&pgt, DST_FAR, DST_FAR + PMD_SIZE, 8 * PAGE_SIZE), 0);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), tables);

	clear_range(&pgt, SRC, SRC + PMD_SIZE);
	clear_range(&pgt, DST, DST + PMD_SIZE);
	arch_pgd_destroy(&pgt);
	free_page(a);
	free_page(b);
	free_page(c);
	return KT_PASS;
}

/*
 * The 2 MiB fast path: the PD entry moves, so the PT page with its 512
 * slots goes along as it is - the table count stays, and the entries keep
 * their slots (0, 7, 511) at the new address.
 *
 *   PD: [SRC] = PT  [DST] = -     ->     [SRC] = -  [DST] = PT
 */
KTEST(pte_move_table)
{
	struct page *a = alloc_page(GFP_ZERO), *b = alloc_page(GFP_ZERO);
	const unsigned int rw = MMU_USER | MMU_WRITE;
	struct pgtable pgt;
	struct pte_val v;
	unsigned long tables;

	KT_ASSERT(a && b);
	KT_ASSERT_EQ(arch_pgd_create(&pgt), 0);
	KT_ASSERT_EQ(install_page(&pgt, SRC, a, rw), 0);
	KT_ASSERT_EQ(install_swap(&pgt, SRC + 7 * PAGE_SIZE, 77), 0);
	KT_ASSERT_EQ(install_page(&pgt, SRC + 511 * PAGE_SIZE, b, MMU_USER), 0);
	tables = arch_pgd_nr_tables(&pgt);
	KT_ASSERT_EQ(tables, 3);			/* PDPT, PD, PT */

	KT_ASSERT_EQ(arch_move_pte_table(&pgt, SRC, DST), 0);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), tables);	/* moved, not copied */
	KT_ASSERT(page_there(&pgt, DST, a, rw));
	KT_ASSERT_EQ(read_at(&pgt, DST + 7 * PAGE_SIZE, &v), PTE_KIND_SWAP);
	KT_ASSERT_EQ(v.swap, 77);
	KT_ASSERT(page_there(&pgt, DST + 511 * PAGE_SIZE, b, MMU_USER));
	KT_ASSERT_EQ(read_at(&pgt, SRC, &v), PTE_KIND_NONE);
	KT_ASSERT_EQ(read_at(&pgt, SRC + 511 * PAGE_SIZE, &v), PTE_KIND_NONE);

	/* Nothing at the source now; and a target with a table of its own. */
	KT_ASSERT_EQ(arch_move_pte_table(&pgt, SRC, SRC + 2 * PMD_SIZE), -ENOENT);
	KT_ASSERT_EQ(install_page(&pgt, SRC + 3 * PAGE_SIZE, a, MMU_USER), 0);
	KT_ASSERT_EQ(arch_move_pte_table(&pgt, DST, SRC), -EEXIST);
	KT_ASSERT(page_there(&pgt, DST, a, rw));
	KT_ASSERT(page_there(&pgt, SRC + 3 * PAGE_SIZE, a, MMU_USER));
	clear_range(&pgt, SRC, SRC + PMD_SIZE);

	/* Far away: the PDPT and PD on the way are made, the PT still moves. */
	KT_ASSERT_EQ(arch_move_pte_table(&pgt, DST, DST_FAR), 0);
	KT_ASSERT(page_there(&pgt, DST_FAR, a, rw));
	KT_ASSERT(page_there(&pgt, DST_FAR + 511 * PAGE_SIZE, b, MMU_USER));
	KT_ASSERT_EQ(read_at(&pgt, DST, &v), PTE_KIND_NONE);

	clear_range(&pgt, DST_FAR, DST_FAR + PMD_SIZE);
	arch_pgd_destroy(&pgt);
	free_page(a);
	free_page(b);
	return KT_PASS;
}
