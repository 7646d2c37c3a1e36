/*
 * paging_ktest.c - contract tests for the page-table API and direct-map
 * surgery (arch/pgtable.h), run on the live kernel page tables.
 *
 * Test mappings go to a scratch window in the kernel half that nothing else
 * uses (PML4 slot 400), so they cannot disturb real mappings.
 */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/watchdog.h"
#include "mm/page_alloc.h"
#include <arch/probe.h>
#include <arch/cpu.h>
#include <arch/pgtable.h>

#define SCRATCH_VA	0xffffc80000000000ul	/* PML4 index 400 */

long arch_probe_write(void *dst, const void *src, size_t n);

KTEST(pt_map_query_unmap_4k)
{
	struct page *pg = alloc_page(GFP_ZERO);
	phys_addr_t pa;
	struct mmu_mapping m;
	uint64_t v = 0;

	KT_ASSERT(pg != NULL);
	pa = page_to_phys(pg);
	KT_ASSERT_EQ(arch_query(&kernel_pgt, SCRATCH_VA, &m), -ENOENT);
	KT_ASSERT_EQ(arch_map(&kernel_pgt, SCRATCH_VA, pa, PAGE_SIZE, MMU_WRITE), 0);
	KT_ASSERT_EQ(arch_query(&kernel_pgt, SCRATCH_VA + 123, &m), 0);
	KT_ASSERT_EQ(m.va, SCRATCH_VA);
	KT_ASSERT_EQ(m.pa, pa);
	KT_ASSERT_EQ(m.size, PAGE_SIZE);
	KT_ASSERT(m.flags & MMU_WRITE);
	KT_ASSERT(!(m.flags & MMU_USER));
	if (cpu_features.nx)
		KT_ASSERT(!(m.flags & MMU_EXEC));
	/* The new mapping and the direct map alias the same frame. */
	*(volatile uint64_t *)(SCRATCH_VA + 8) = 0x1122334455667788ull;
	KT_ASSERT_EQ(((uint64_t *)page_address(pg))[1], 0x1122334455667788ull);
	/* Mapping twice is refused; misaligned requests are invalid. */
	KT_ASSERT_EQ(arch_map(&kernel_pgt, SCRATCH_VA, pa, PAGE_SIZE, 0), -EEXIST);
	KT_ASSERT_EQ(arch_map(&kernel_pgt, SCRATCH_VA + 1, pa, PAGE_SIZE, 0), -EINVAL);
	KT_ASSERT_EQ(arch_map(&kernel_pgt, SCRATCH_VA, pa, 12345, 0), -EINVAL);
	KT_ASSERT_EQ(arch_unmap(&kernel_pgt, SCRATCH_VA, PMD_SIZE), -EINVAL);
	KT_ASSERT_EQ(arch_unmap(&kernel_pgt, SCRATCH_VA, PAGE_SIZE), 0);
	KT_ASSERT_EQ(arch_query(&kernel_pgt, SCRATCH_VA, &m), -ENOENT);
	KT_ASSERT_EQ(arch_unmap(&kernel_pgt, SCRATCH_VA, PAGE_SIZE), -ENOENT);
	/* And the unmapped address now faults (caught, not fatal). */
	KT_ASSERT_EQ(arch_probe_read(&v, (void *)SCRATCH_VA, 8), -EFAULT);

	/* Read-only + executable round trip. */
	KT_ASSERT_EQ(arch_map(&kernel_pgt, SCRATCH_VA, pa, PAGE_SIZE, MMU_EXEC), 0);
	KT_ASSERT_EQ(arch_query(&kernel_pgt, SCRATCH_VA, &m), 0);
	KT_ASSERT(!(m.flags & MMU_WRITE) && (m.flags & MMU_EXEC));
	KT_ASSERT_EQ(arch_probe_read(&v, (void *)(SCRATCH_VA + 8), 8), 0);
	KT_ASSERT_EQ(v, 0x1122334455667788ull);
	/* CR0.WP: even the kernel cannot write a read-only page. */
	KT_ASSERT_EQ(arch_probe_write((void *)(SCRATCH_VA + 8), &pa, 8), -EFAULT);
	KT_ASSERT_EQ(arch_unmap(&kernel_pgt, SCRATCH_VA, PAGE_SIZE), 0);
	free_page(pg);
	return KT_PASS;
}

struct walk_state {
	vaddr_t expect_va;
	int count;
};

static int count_2m(const struct mmu_mapping *mm, void *arg)
{
	struct walk_state *w = arg;

	w->count++;
	return mm->size == PMD_SIZE && mm->va == w->expect_va ? 0 : -1;
}

KTEST(pt_map_2m_and_walk)
{
	struct page *blk = alloc_pages(GFP_KERNEL, 9);	/* 2 MiB, 2 MiB aligned */
	vaddr_t va = SCRATCH_VA + PUD_SIZE;
	struct mmu_mapping m;
	struct walk_state ws = { .expect_va = va };

	KT_ASSERT(blk != NULL);
	KT_ASSERT_EQ(arch_map(&kernel_pgt, va, page_to_phys(blk), PMD_SIZE, MMU_WRITE), 0);
	KT_ASSERT_EQ(arch_query(&kernel_pgt, va + PMD_SIZE - 1, &m), 0);
	KT_ASSERT_EQ(m.size, PMD_SIZE);
	KT_ASSERT_EQ(m.pa, page_to_phys(blk));
	/* A 4 KiB mapping inside a 2 MiB page is refused. */
	KT_ASSERT_EQ(arch_map(&kernel_pgt, va + PAGE_SIZE, 0, PAGE_SIZE, 0), -EEXIST);
	KT_ASSERT_EQ(arch_walk(&kernel_pgt, va, va + PMD_SIZE, count_2m, &ws), 0);
	KT_ASSERT_EQ(ws.count, 1);
	KT_ASSERT_EQ(arch_unmap(&kernel_pgt, va, PMD_SIZE), 0);
	free_pages(blk, 9);
	return KT_PASS;
}

/* The image was mapped with per-section permissions (W^X). */
KTEST(pt_kernel_image_permissions)
{
	extern char __text_start[], __rodata_start[], __data_start[];
	struct mmu_mapping m;

	KT_ASSERT_EQ(arch_query(&kernel_pgt, (vaddr_t)__text_start, &m), 0);
	KT_ASSERT((m.flags & MMU_EXEC) && !(m.flags & MMU_WRITE));
	KT_ASSERT_EQ(arch_query(&kernel_pgt, (vaddr_t)__rodata_start, &m), 0);
	KT_ASSERT(!(m.flags & MMU_WRITE));
	if (cpu_features.nx)
		KT_ASSERT(!(m.flags & MMU_EXEC));
	KT_ASSERT_EQ(arch_query(&kernel_pgt, (vaddr_t)__data_start, &m), 0);
	KT_ASSERT(m.flags & MMU_WRITE);
	if (cpu_features.nx)
		KT_ASSERT(!(m.flags & MMU_EXEC));
	/* The direct map is data: writable, never executable. */
	KT_ASSERT_EQ(arch_query(&kernel_pgt, (vaddr_t)page_address(pfn_to_page(0x200)), &m), 0);
	KT_ASSERT(m.flags & MMU_WRITE);
	if (cpu_features.nx)
		KT_ASSERT(!(m.flags & MMU_EXEC));
	/* The identity map of the boot trampoline is gone. */
	KT_ASSERT_EQ(arch_query(&kernel_pgt, 0x200000, &m), -ENOENT);
	return KT_PASS;
}

/*
 * Find a free frame whose direct-map page has size @want, by taking
 * order-MAX blocks (which come from every part of RAM) until one sits in
 * such a page. The blocks taken are returned in @held for the caller to free.
 */
static struct page *frame_in_page_of(size_t want, struct page **held, unsigned int *n,
				     unsigned int max)
{
	while (*n < max) {
		struct page *p = alloc_pages(GFP_KERNEL, MAX_ORDER);

		if (!p)
			return NULL;
		held[(*n)++] = p;
		touch_softlockup_watchdog();	/* debug_alloc checks 4 MiB per block */
		/* Use a frame in the middle so both neighbours are in the block. */
		if (arch_direct_map_page_size(page_to_pfn(p) + 7) == want)
			return p + 7;
	}
	return NULL;
}

/* Free the @n order-MAX blocks in @held, last taken first. */
static void release_held(struct page **held, unsigned int n)
{
	while (n) {
		free_pages(held[--n], MAX_ORDER);
		touch_softlockup_watchdog();
	}
}

/*
 * With frame @pg (direct-mapped at @w) just invalidated: it must fault,
 * while its neighbours and the far end of its old large page stay mapped.
 * Records the failure reason and returns false otherwise.
 */
static bool frame_unmapped_alone(struct page *pg, pfn_t pfn, volatile uint64_t *w)
{
	uint64_t v;
	long got;

	/* The frame is gone from the direct map: a probe gets -EFAULT. */
	got = arch_probe_read(&v, (const void *)w, sizeof(v));
	if (got != -EFAULT || arch_direct_map_page_size(pfn) != 0) {
		ktest_fail_reason(__FILE__, __LINE__, "frame still readable (%ld)", got);
		return false;
	}
	/* Its neighbours are still there, now as 4 KiB pages. */
	if (arch_direct_map_page_size(pfn - 1) != PAGE_SIZE ||
	    arch_direct_map_page_size(pfn + 1) != PAGE_SIZE ||
	    arch_probe_read(&v, page_address(pg + 1), 8) != 0 ||
	    arch_probe_read(&v, page_address(pg - 1), 8) != 0) {
		ktest_fail_reason(__FILE__, __LINE__, "neighbours not mapped as 4 KiB pages");
		return false;
	}
	/* Frames far away in the old large page kept their mapping too. */
	if (arch_direct_map_page_size(pfn - 7 + (1u << MAX_ORDER) - 1) == 0) {
		ktest_fail_reason(__FILE__, __LINE__, "far frame lost its mapping");
		return false;
	}
	return true;
}

/*
 * With frame @pfn (direct-mapped at @w) just made valid again: its data
 * must read back through a 4 KiB mapping. Records the reason if not.
 */
static bool frame_restored(pfn_t pfn, volatile uint64_t *w)
{
	uint64_t v;

	if (arch_probe_read(&v, (const void *)w, sizeof(v)) != 0 ||
	    v != 0xfeedfacecafebeefull || w[511] != pfn) {
		ktest_fail_reason(__FILE__, __LINE__, "data not readable after restore");
		return false;
	}
	if (arch_direct_map_page_size(pfn) != PAGE_SIZE) {
		ktest_fail_reason(__FILE__, __LINE__, "restored frame not a 4 KiB mapping");
		return false;
	}
	return true;
}

static enum ktest_result dmap_surgery(size_t want, const char *what)
{
	static struct page *held[1024];
	unsigned int n = 0;
	enum ktest_result r = KT_FAIL;
	struct page *pg = frame_in_page_of(want, held, &n, ARRAY_SIZE(held));
	volatile uint64_t *w;
	pfn_t pfn;

	if (!pg) {
		release_held(held, n);
		KT_SKIP("no free frame inside a %s direct-map page (RAM layout or CPU)", what);
	}
	pfn = page_to_pfn(pg);
	w = page_address(pg);
	w[0] = 0xfeedfacecafebeefull;
	w[511] = pfn;

	if (arch_set_direct_map_valid(pfn, false)) {
		ktest_fail_reason(__FILE__, __LINE__, "invalidate failed");
		goto out;
	}
	if (!frame_unmapped_alone(pg, pfn, w))
		goto out;
	if (arch_set_direct_map_valid(pfn, true)) {
		ktest_fail_reason(__FILE__, __LINE__, "restore failed");
		goto out;
	}
	if (!frame_restored(pfn, w))
		goto out;
	r = KT_PASS;
out:
	release_held(held, n);
	return r;
}

KTEST(dmap_split_2m)
{
	return dmap_surgery(PMD_SIZE, "2 MiB");
}

KTEST(dmap_split_1g)
{
	if (!cpu_features.pdpe1gb)
		KT_SKIP("CPU has no 1 GiB pages");
	return dmap_surgery(PUD_SIZE, "1 GiB");
}

KTEST(dmap_invalid_pfn)
{
	/* Frames that are not RAM are not in the direct map: refused. */
	KT_ASSERT_EQ(arch_set_direct_map_valid((0xfec00000ul >> PAGE_SHIFT), false), -EINVAL);
	return KT_PASS;
}
