/*
 * demand_ktest.c - demand paging of anonymous memory on a private mm,
 * without a user process (the demand-paging lab, docs/labs/04-demand.md):
 * faults through vm_fault() as the CPU's would come, the page tables read
 * back with arch_query().
 *
 *   read of an untouched page   -> the shared zero page, read-only;
 *                                  nothing allocated but page tables,
 *                                  nothing counted
 *   write                       -> a zeroed page of its own, writable,
 *                                  counted in the mm's RSS and AnonPages
 *   write after a read          -> the same, in place of the zero page
 *
 * (vm_ktest.c goes on from here to fork and copy-on-write.)
 */
#include "kernel/ktest.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "mm/vm.h"
#include "mm/vmstat.h"
#include <arch/pgtable.h>

#define RW	(VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define BASE	0x40000000ul

/* A new mm with @pages of private anonymous memory at BASE, or NULL. */
static struct mm *anon_mm(unsigned long pages)
{
	struct mm *mm = mm_create();
	long r;

	if (!mm)
		return NULL;
	mmap_write_lock(mm);
	r = vm_mmap_region_locked(mm, BASE, pages * PAGE_SIZE, RW, NULL, 0, MAP_REGION_FIXED);
	mmap_write_unlock(mm);
	if (r != (long)BASE) {
		mm_put(mm);
		return NULL;
	}
	return mm;
}

/* The frame mapped at @va of @mm (0: none) and its MMU_* flags. */
static phys_addr_t pa_of(struct mm *mm, unsigned long va, unsigned int *flags)
{
	struct mmu_mapping m;

	*flags = 0;
	if (arch_query(&mm->pgt, va, &m))
		return 0;
	*flags = m.flags;
	return m.pa;
}

/* Is the frame at @pa all zero bytes? */
static bool frame_is_zero(phys_addr_t pa)
{
	const uint64_t *w = phys_to_virt(pa);

	for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
		if (w[i])
			return false;
	return true;
}

/*
 * Reads of untouched anonymous memory all map the one zero page,
 * read-only: no page is allocated (only the page tables the faults
 * needed), the zero page gains no reference or mapping, the mm's RSS
 * stays 0.
 */
KTEST(demand_read_zero_page)
{
	const unsigned long pages = 8;
	unsigned long free_before = pmm_free_pages(), free_mapped;
	unsigned long zp_before = read_vm_event(ZERO_PAGE_MAP);
	int zero_refs = page_count(zero_page), zero_maps = zero_page->mapcount;
	struct mm *mm = anon_mm(pages);
	unsigned int fl;

	KT_ASSERT(mm != NULL);
	free_mapped = pmm_free_pages();
	for (unsigned long i = 0; i < pages; i++) {
		unsigned long va = BASE + i * PAGE_SIZE + 8 * i;

		KT_ASSERT_EQ(vm_fault(mm, va, 0), VM_FAULT_OK);
		KT_ASSERT_EQ(pa_of(mm, va, &fl), page_to_phys(zero_page));
		KT_ASSERT(!(fl & MMU_WRITE) && (fl & MMU_USER));
	}
	/* A second read of a page already mapped changes nothing. */
	KT_ASSERT_EQ(vm_fault(mm, BASE, 0), VM_FAULT_OK);
	KT_ASSERT_EQ(pa_of(mm, BASE, &fl), page_to_phys(zero_page));
	KT_ASSERT_EQ(get_mm_counter(mm, MM_ANONPAGES), 0);
	KT_ASSERT_EQ(page_count(zero_page), zero_refs);
	KT_ASSERT_EQ(zero_page->mapcount, zero_maps);
	KT_ASSERT(read_vm_event(ZERO_PAGE_MAP) >= zp_before + pages);
	/* Only the page tables under BASE (PDPT, PD, PT) were allocated. */
	KT_ASSERT_EQ(arch_pgd_nr_tables(&mm->pgt), 3);
	KT_ASSERT_EQ(pmm_free_pages(), free_mapped - 3);
	KT_ASSERT(frame_is_zero(page_to_phys(zero_page)));
	mm_put(mm);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}

/*
 * A write fault allocates a zeroed, writable page of the mm's own -
 * also where the zero page was mapped by an earlier read, which it
 * replaces; the zero page itself is never written, and the reads of
 * other pages keep mapping it.
 */
KTEST(demand_write_replaces_zero)
{
	unsigned long free_before = pmm_free_pages();
	struct mm *mm = anon_mm(4);
	phys_addr_t zero = page_to_phys(zero_page), p0, p1;
	unsigned int fl;
	struct page *pg;

	KT_ASSERT(mm != NULL);
	KT_ASSERT_EQ(vm_fault(mm, BASE, 0), VM_FAULT_OK);
	KT_ASSERT_EQ(pa_of(mm, BASE, &fl), zero);
	/* The write: a page of its own replaces the zero page. */
	KT_ASSERT_EQ(vm_fault(mm, BASE + 5, FAULT_WRITE), VM_FAULT_OK);
	p0 = pa_of(mm, BASE, &fl);
	KT_ASSERT(p0 && p0 != zero);
	KT_ASSERT((fl & MMU_WRITE) && (fl & MMU_USER));
	pg = pfn_to_page(p0 >> PAGE_SHIFT);
	KT_ASSERT(page_test_flag(pg, PG_anon));
	KT_ASSERT_EQ(pg->mapcount, 1);
	KT_ASSERT(frame_is_zero(p0));
	/* A write to a page never read: straight to a page of its own. */
	KT_ASSERT_EQ(vm_fault(mm, BASE + PAGE_SIZE, FAULT_WRITE), VM_FAULT_OK);
	p1 = pa_of(mm, BASE + PAGE_SIZE, &fl);
	KT_ASSERT(p1 && p1 != zero && p1 != p0 && (fl & MMU_WRITE));
	KT_ASSERT(frame_is_zero(p1));
	/* Reads elsewhere still get the zero page, which stayed zero. */
	KT_ASSERT_EQ(vm_fault(mm, BASE + 2 * PAGE_SIZE, 0), VM_FAULT_OK);
	KT_ASSERT_EQ(pa_of(mm, BASE + 2 * PAGE_SIZE, &fl), zero);
	KT_ASSERT(!(fl & MMU_WRITE));
	KT_ASSERT(frame_is_zero(zero));
	mm_put(mm);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}

/*
 * What is resident is counted: the mm's RSS (RssAnon) per page mapped,
 * AnonPages per page with a mapping, both down again on munmap; a fault
 * on a page already mapped counts nothing.
 */
KTEST(demand_rss_counts)
{
	long anon_before = read_vm_stat(NR_ANON_PAGES);
	struct mm *mm = anon_mm(8);

	KT_ASSERT(mm != NULL);
	for (unsigned long i = 0; i < 5; i++)
		KT_ASSERT_EQ(vm_fault(mm, BASE + i * PAGE_SIZE, FAULT_WRITE), VM_FAULT_OK);
	KT_ASSERT_EQ(get_mm_counter(mm, MM_ANONPAGES), 5);
	KT_ASSERT_EQ(get_mm_counter(mm, MM_SHMEMPAGES), 0);
	KT_ASSERT_EQ(read_vm_stat(NR_ANON_PAGES), anon_before + 5);
	KT_ASSERT_EQ(vm_fault(mm, BASE, FAULT_WRITE), VM_FAULT_OK);
	KT_ASSERT_EQ(vm_fault(mm, BASE + PAGE_SIZE, 0), VM_FAULT_OK);
	KT_ASSERT_EQ(get_mm_counter(mm, MM_ANONPAGES), 5);
	mmap_write_lock(mm);
	KT_ASSERT_EQ(vm_munmap_locked(mm, BASE, 2 * PAGE_SIZE), 0);
	mmap_write_unlock(mm);
	KT_ASSERT_EQ(get_mm_counter(mm, MM_ANONPAGES), 3);
	KT_ASSERT_EQ(read_vm_stat(NR_ANON_PAGES), anon_before + 3);
	mm_put(mm);
	KT_ASSERT_EQ(read_vm_stat(NR_ANON_PAGES), anon_before);
	return KT_PASS;
}
