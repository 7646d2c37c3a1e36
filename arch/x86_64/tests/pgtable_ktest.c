/*
 * pgtable_ktest.c - the one-shot page-table contract at every page size
 * (arch_map, arch_query, arch_unmap of arch/pgtable.h) and the freeing of
 * empty user page tables (arch_free_user_tables), as the page-table lab
 * grades them (docs/labs/02-pgtable.md). The 4 KiB and 2 MiB round trips
 * on the live kernel tables are in paging_ktest.c.
 *
 * Most tests work on a throw-away user pgd that no CPU ever loads, so
 * they may map any physical address (nothing is accessed through it) and
 * count its tables exactly (arch_pgd_nr_tables: the PDPT, PD and PT pages
 * below the pgd, not the pgd itself):
 *
 *   TEST_VA = 1 GiB:  PML4[0] -> PDPT[1] -> PD[0..] -> PT
 */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "mm/page_alloc.h"
#include <arch/cpu.h>
#include <arch/pgtable.h>

#define TEST_VA		0x40000000ul		/* 1 GiB: PDPT index 1 of PML4 slot 0 */
#define FAKE_PA		0x80000000ul		/* 2 GiB: 1 GiB aligned, never accessed */

/* One mapping as arch_query() must report it. */
static bool query_is(struct pgtable *pgt, vaddr_t at, vaddr_t va, phys_addr_t pa, size_t size)
{
	struct mmu_mapping m;

	if (arch_query(pgt, at, &m)) {
		ktest_fail_reason(__FILE__, __LINE__, "query %lx: nothing mapped", at);
		return false;
	}
	if (m.va != va || m.pa != pa || m.size != size) {
		ktest_fail_reason(__FILE__, __LINE__, "query %lx: va %lx pa %lx size %lx, "
				  "want va %lx pa %lx size %lx", at, m.va, m.pa, m.size, va, pa, size);
		return false;
	}
	return true;
}

/*
 * A 1 GiB page is a PDPT entry with PS set: one table below the pgd and
 * nothing under it. Every address inside reports the whole page; nothing
 * smaller can be mapped inside it, and only an unmap of its own size
 * removes it.
 */
KTEST(pt_map_1g)
{
	struct pgtable pgt;
	struct mmu_mapping m;

	if (!cpu_features.pdpe1gb)
		KT_SKIP("CPU has no 1 GiB pages");
	KT_ASSERT_EQ(arch_pgd_create(&pgt), 0);
	/* Misaligned either side: refused, and nothing is created. */
	KT_ASSERT_EQ(arch_map(&pgt, TEST_VA + PMD_SIZE, FAKE_PA, PUD_SIZE, MMU_USER), -EINVAL);
	KT_ASSERT_EQ(arch_map(&pgt, TEST_VA, FAKE_PA + PMD_SIZE, PUD_SIZE, MMU_USER), -EINVAL);
	KT_ASSERT_EQ(arch_map(&pgt, TEST_VA, FAKE_PA, PUD_SIZE, MMU_USER | MMU_PROTNONE), -EINVAL);
	KT_ASSERT_EQ(arch_map(&pgt, TEST_VA, FAKE_PA, PUD_SIZE, MMU_USER | MMU_WRITE), 0);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 1);	/* the PDPT; no PD, no PT */
	if (!query_is(&pgt, TEST_VA + 0x12345678, TEST_VA, FAKE_PA, PUD_SIZE) ||
	    !query_is(&pgt, TEST_VA + PUD_SIZE - 1, TEST_VA, FAKE_PA, PUD_SIZE))
		return KT_FAIL;
	KT_ASSERT_EQ(arch_query(&pgt, TEST_VA, &m), 0);
	KT_ASSERT((m.flags & (MMU_USER | MMU_WRITE)) == (MMU_USER | MMU_WRITE));
	if (cpu_features.nx)
		KT_ASSERT(!(m.flags & MMU_EXEC));
	/* Its neighbours are not mapped. */
	KT_ASSERT_EQ(arch_query(&pgt, TEST_VA + PUD_SIZE, &m), -ENOENT);
	KT_ASSERT_EQ(arch_query(&pgt, TEST_VA - 1, &m), -ENOENT);
	/* Nothing goes inside it, nor over it. */
	KT_ASSERT_EQ(arch_map(&pgt, TEST_VA + PMD_SIZE, 0, PMD_SIZE, MMU_USER), -EEXIST);
	KT_ASSERT_EQ(arch_map(&pgt, TEST_VA + 5 * PAGE_SIZE, 0, PAGE_SIZE, MMU_USER), -EEXIST);
	KT_ASSERT_EQ(arch_map(&pgt, TEST_VA, 0, PUD_SIZE, MMU_USER), -EEXIST);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 1);
	/* Only an unmap of its own size takes it away. */
	KT_ASSERT_EQ(arch_unmap(&pgt, TEST_VA + 12345, PMD_SIZE), -EINVAL);
	KT_ASSERT_EQ(arch_unmap(&pgt, TEST_VA + 12345, PAGE_SIZE), -EINVAL);
	KT_ASSERT_EQ(arch_unmap(&pgt, TEST_VA + PAGE_SIZE, PUD_SIZE), 0);
	KT_ASSERT_EQ(arch_query(&pgt, TEST_VA + PAGE_SIZE, &m), -ENOENT);
	KT_ASSERT_EQ(arch_unmap(&pgt, TEST_VA, PUD_SIZE), -ENOENT);
	arch_pgd_destroy(&pgt);
	return KT_PASS;
}

/*
 * 2 MiB and 4 KiB pages in one PD: a PD entry is either a 2 MiB leaf or
 * a pointer to a page table, never both, so each is in the other's way -
 * even a page table with nothing left in it, until it is freed.
 */
KTEST(pt_huge_rules)
{
	const vaddr_t big = TEST_VA + 4 * PMD_SIZE, small = TEST_VA + 7 * PAGE_SIZE;
	struct pgtable pgt;
	struct mmu_mapping m;

	KT_ASSERT_EQ(arch_pgd_create(&pgt), 0);
	/* Sizes other than the three, misaligned addresses: invalid. */
	KT_ASSERT_EQ(arch_map(&pgt, big, FAKE_PA, 3 * PAGE_SIZE, MMU_USER), -EINVAL);
	KT_ASSERT_EQ(arch_map(&pgt, big, FAKE_PA, 0, MMU_USER), -EINVAL);
	KT_ASSERT_EQ(arch_map(&pgt, big + PAGE_SIZE, FAKE_PA, PMD_SIZE, MMU_USER), -EINVAL);
	KT_ASSERT_EQ(arch_map(&pgt, big, FAKE_PA + PAGE_SIZE, PMD_SIZE, MMU_USER), -EINVAL);
	KT_ASSERT_EQ(arch_map(&pgt, big, FAKE_PA, PMD_SIZE, MMU_USER | MMU_PROTNONE), -EINVAL);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 0);

	/* A 2 MiB page: PDPT and PD, no PT. */
	KT_ASSERT_EQ(arch_map(&pgt, big, FAKE_PA, PMD_SIZE, MMU_USER), 0);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 2);
	if (!query_is(&pgt, big + PMD_SIZE - 1, big, FAKE_PA, PMD_SIZE))
		return KT_FAIL;
	KT_ASSERT_EQ(arch_query(&pgt, big, &m), 0);
	KT_ASSERT(!(m.flags & MMU_WRITE) && (m.flags & MMU_USER));
	KT_ASSERT_EQ(arch_map(&pgt, big + PAGE_SIZE, FAKE_PA, PAGE_SIZE, MMU_USER), -EEXIST);
	KT_ASSERT_EQ(arch_unmap(&pgt, big, PAGE_SIZE), -EINVAL);

	/* A 4 KiB page in the first 2 MiB: a PT under the same PD. */
	KT_ASSERT_EQ(arch_map(&pgt, small, FAKE_PA + PMD_SIZE, PAGE_SIZE, MMU_USER | MMU_EXEC), 0);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 3);
	if (!query_is(&pgt, small + 99, small, FAKE_PA + PMD_SIZE, PAGE_SIZE))
		return KT_FAIL;
	KT_ASSERT_EQ(arch_query(&pgt, small, &m), 0);
	KT_ASSERT(m.flags & MMU_EXEC);
	KT_ASSERT_EQ(arch_query(&pgt, small + PAGE_SIZE, &m), -ENOENT);
	/* No 2 MiB page over the PT, not even once the PT is empty... */
	KT_ASSERT_EQ(arch_map(&pgt, TEST_VA, FAKE_PA, PMD_SIZE, MMU_USER), -EEXIST);
	KT_ASSERT_EQ(arch_unmap(&pgt, small, PMD_SIZE), -EINVAL);
	KT_ASSERT_EQ(arch_unmap(&pgt, small, PAGE_SIZE), 0);
	KT_ASSERT_EQ(arch_query(&pgt, small, &m), -ENOENT);
	KT_ASSERT_EQ(arch_map(&pgt, TEST_VA, FAKE_PA, PMD_SIZE, MMU_USER), -EEXIST);
	/* ...until the empty PT is freed. */
	arch_free_user_tables(&pgt, TEST_VA, TEST_VA + PMD_SIZE, 0, USER_END);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 2);
	KT_ASSERT_EQ(arch_map(&pgt, TEST_VA, FAKE_PA, PMD_SIZE, MMU_USER), 0);
	if (!query_is(&pgt, TEST_VA + 5, TEST_VA, FAKE_PA, PMD_SIZE))
		return KT_FAIL;

	/* A PROT_NONE page is a 4 KiB leaf too: present bit clear, frame kept. */
	KT_ASSERT_EQ(arch_map(&pgt, TEST_VA + PUD_SIZE, FAKE_PA, PAGE_SIZE,
			      MMU_USER | MMU_PROTNONE), 0);
	if (!query_is(&pgt, TEST_VA + PUD_SIZE + 8, TEST_VA + PUD_SIZE, FAKE_PA, PAGE_SIZE))
		return KT_FAIL;
	KT_ASSERT_EQ(arch_query(&pgt, TEST_VA + PUD_SIZE, &m), 0);
	KT_ASSERT(m.flags & MMU_PROTNONE);
	KT_ASSERT_EQ(arch_map(&pgt, TEST_VA + PUD_SIZE, 0, PAGE_SIZE, MMU_USER), -EEXIST);
	KT_ASSERT_EQ(arch_unmap(&pgt, TEST_VA + PUD_SIZE, PAGE_SIZE), 0);

	KT_ASSERT_EQ(arch_unmap(&pgt, TEST_VA, PMD_SIZE), 0);
	KT_ASSERT_EQ(arch_unmap(&pgt, big, PMD_SIZE), 0);
	KT_ASSERT_EQ(arch_query(&pgt, big, &m), -ENOENT);
	arch_pgd_destroy(&pgt);
	return KT_PASS;
}

/*
 * The live kernel tables, as paging_init() built them: the direct map
 * uses large pages where RAM allows (16 MiB is RAM, in a 2 MiB or 1 GiB
 * page, on every machine the tests boot: 64 MiB and up), the kernel
 * image 4 KiB pages with per-section permissions. A query anywhere
 * inside reports the page: its first address, its frame, its size.
 */
KTEST(pt_query_levels)
{
	extern char __text_start[];
	const phys_addr_t pa = (16ul << 20) + 0x5123;
	const vaddr_t va = DIRECT_MAP_BASE + pa;
	struct mmu_mapping m;
	unsigned long k4, m2, g1;

	KT_ASSERT_EQ(arch_query(&kernel_pgt, va, &m), 0);
	KT_ASSERT(m.size == PMD_SIZE || m.size == PUD_SIZE);
	KT_ASSERT_EQ(m.va, ALIGN_DOWN(va, m.size));
	KT_ASSERT_EQ(m.pa, ALIGN_DOWN(pa, m.size));
	KT_ASSERT(m.flags & MMU_WRITE);
	if (cpu_features.nx)
		KT_ASSERT(!(m.flags & MMU_EXEC));
	KT_ASSERT_EQ(arch_direct_map_page_size(pa >> PAGE_SHIFT), m.size);
	/* Most of the direct map is in large pages. */
	arch_direct_map_sizes(&k4, &m2, &g1);
	KT_ASSERT(m2 + g1 > k4);
	/* The kernel image: 4 KiB pages, text executable, not writable. */
	KT_ASSERT_EQ(arch_query(&kernel_pgt, (vaddr_t)__text_start + 0x1234, &m), 0);
	KT_ASSERT_EQ(m.size, PAGE_SIZE);
	KT_ASSERT_EQ(m.va, (vaddr_t)__text_start + 0x1000);
	KT_ASSERT_EQ(m.pa, virt_to_phys(__text_start) + 0x1000);
	KT_ASSERT((m.flags & MMU_EXEC) && !(m.flags & MMU_WRITE));
	return KT_PASS;
}

/* Map one 4 KiB page of @pgt at @va (frame @pa); false (reason set) on failure. */
static bool map_4k(struct pgtable *pgt, vaddr_t va, phys_addr_t pa)
{
	int err = arch_map(pgt, va, pa, PAGE_SIZE, MMU_USER | MMU_WRITE);

	if (err)
		ktest_fail_reason(__FILE__, __LINE__, "arch_map %lx: %d", va, err);
	return !err;
}

/*
 * arch_free_user_tables(start, end, floor, ceiling) frees the tables
 * below [start, end) that are empty and lie inside [floor, ceiling),
 * bottom-up (a PD emptied by freeing its PTs goes too), and gives their
 * pages back to the allocator:
 *
 *   PDPT[1] (1 GiB) -> PD a: PT @ +0, PT @ +2 MiB, PT @ +4 MiB
 *   PDPT[2] (2 GiB) -> PD b: PT @ +0
 */
KTEST(pt_free_user_tables)
{
	const vaddr_t a = TEST_VA, b = TEST_VA + PUD_SIZE;
	struct pgtable pgt;
	unsigned long before;

	KT_ASSERT_EQ(arch_pgd_create(&pgt), 0);
	before = pmm_free_pages();
	if (!map_4k(&pgt, a, FAKE_PA) || !map_4k(&pgt, a + PMD_SIZE, FAKE_PA) ||
	    !map_4k(&pgt, a + 2 * PMD_SIZE + PAGE_SIZE, FAKE_PA) || !map_4k(&pgt, b, FAKE_PA))
		return KT_FAIL;
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 7);	/* PDPT, 2 PDs, 4 PTs */
	/* Nothing is empty yet: nothing goes. */
	arch_free_user_tables(&pgt, 0, USER_END, 0, USER_END);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 7);
	KT_ASSERT_EQ(arch_unmap(&pgt, a, PAGE_SIZE), 0);
	KT_ASSERT_EQ(arch_unmap(&pgt, a + PMD_SIZE, PAGE_SIZE), 0);
	KT_ASSERT_EQ(arch_unmap(&pgt, a + 2 * PMD_SIZE + PAGE_SIZE, PAGE_SIZE), 0);
	/* Empty, but outside [start, end): kept. */
	arch_free_user_tables(&pgt, a + 3 * PMD_SIZE, a + 9 * PMD_SIZE, 0, USER_END);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 7);
	/*
	 * The PT at a maps [a, a + 2 MiB): below a floor of a + 1 MiB (a
	 * neighbour's mapping may still need it), it stays; the other two
	 * lie wholly above the floor and go. PD a still holds the first PT.
	 */
	arch_free_user_tables(&pgt, a, a + 3 * PMD_SIZE, a + PMD_SIZE / 2, USER_END);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 5);
	/* A ceiling inside it keeps it too. */
	arch_free_user_tables(&pgt, a, a + PMD_SIZE, 0, a + PMD_SIZE - PAGE_SIZE);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 5);
	/* A table still mapping a page is never freed. */
	if (!map_4k(&pgt, a + 2 * PAGE_SIZE, FAKE_PA))
		return KT_FAIL;
	arch_free_user_tables(&pgt, a, a + PMD_SIZE, 0, USER_END);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 5);
	KT_ASSERT_EQ(arch_unmap(&pgt, a + 2 * PAGE_SIZE, PAGE_SIZE), 0);
	/*
	 * Now the PT goes, and with it PD a, left empty; the PDPT still
	 * points at PD b and stays.
	 */
	arch_free_user_tables(&pgt, a, a + PMD_SIZE, 0, USER_END);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 3);
	KT_ASSERT_EQ(arch_unmap(&pgt, b, PAGE_SIZE), 0);
	arch_free_user_tables(&pgt, 0, USER_END, 0, USER_END);
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 0);
	/* Every table's page went back to the allocator. */
	KT_ASSERT_EQ(pmm_free_pages(), before);
	/* And the tree works as before: the walk creates them again. */
	if (!map_4k(&pgt, a, FAKE_PA))
		return KT_FAIL;
	KT_ASSERT_EQ(arch_pgd_nr_tables(&pgt), 3);
	KT_ASSERT_EQ(arch_unmap(&pgt, a, PAGE_SIZE), 0);
	arch_pgd_destroy(&pgt);
	return KT_PASS;
}
