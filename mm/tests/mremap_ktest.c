/*
 * mremap_ktest.c - mremap's page-table move seen from the reverse map: after
 * a move (through a 2 MiB-aligned fast path and an unaligned one, with a
 * forked child sharing the pages copy-on-write) every moved page is found
 * by rmap_walk at its new address in the mover and at the old one in the
 * child, never at the old address in the mover; and after a relocating move
 * (MREMAP_RELOCATE_ANON), refused while a child shares the pages, each
 * page's index and anon_vma name its new place.
 */
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/uapi.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/vm.h"
#include "mm/vma.h"
#include <arch/pgtable.h>

#define RW		(VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define SRC		0x40000000ul		/* 2 MiB aligned */
#define DST_ALIGNED	0x48000000ul		/* 2 MiB aligned: the fast path */
#define DST_ODD		0x50003000ul		/* not: entry by entry */
#define DST_RELOC	0x60000000ul		/* where the relocating move goes */
#define NPAGES		(1024 + 7)		/* two page tables and a bit */
#define RELOC_PAGES		64
#define MREMAP_RELOCATE_ANON_	8
#define MREMAP_MUST_RELOCATE_ANON_	16

static long map_fixed(struct mm *mm, unsigned long a, unsigned long len)
{
	return vm_mmap_region_locked(mm, a, len, RW, NULL, 0, MAP_REGION_FIXED);
}

static struct page *page_at(struct mm *mm, unsigned long va)
{
	struct mmu_mapping m;

	return arch_query(&mm->pgt, va, &m) ? NULL : pfn_to_page(m.pa >> PAGE_SHIFT);
}

/* Where rmap_walk finds a page: how often in which mm at which address. */
struct where {
	struct mm *mm;
	unsigned long addr;
	int in_mm, at_addr, others;
};

static bool count(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	struct where *w = arg;

	(void)p;
	if (v->mm == w->mm) {
		w->in_mm++;
		w->at_addr += addr == w->addr;
	} else {
		w->others++;
	}
	return true;
}

/* Is every page of [va, va + n pages) of @mm found by rmap there, and once? */
static int check_moved(struct mm *mm, unsigned long va, unsigned long n, int others)
{
	for (unsigned long i = 0; i < n; i++) {
		struct where w = { mm, va + i * PAGE_SIZE, 0, 0, 0 };
		struct page *p = page_at(mm, w.addr);

		if (!p || *(unsigned long *)page_address(p) != i)
			return -1;
		rmap_walk(p, count, &w);
		if (w.in_mm != 1 || w.at_addr != 1 || w.others != others)
			return -1;
	}
	return 0;
}

static long remap(struct mm *mm, unsigned long old, unsigned long len, unsigned long flags,
		  unsigned long new)
{
	long ret;

	mmap_write_lock(mm);
	ret = vm_mremap_locked(mm, old, len, len, flags, new);
	mmap_write_unlock(mm);
	return ret;
}

KTEST(mremap_moves_page_tables_rmap_exact)
{
	unsigned long free_before = pmm_free_pages();
	struct mm *mm = mm_create(), *child;
	const unsigned long len = NPAGES * PAGE_SIZE;

	KT_ASSERT(mm != NULL);
	mmap_write_lock(mm);
	KT_ASSERT_EQ(map_fixed(mm, SRC, len), (long)SRC);
	mmap_write_unlock(mm);
	for (unsigned long i = 0; i < NPAGES; i++) {
		KT_ASSERT_EQ(vm_fault(mm, SRC + i * PAGE_SIZE, FAULT_WRITE), VM_FAULT_OK);
		*(unsigned long *)page_address(page_at(mm, SRC + i * PAGE_SIZE)) = i;
	}
	child = mm_dup(mm);			/* the pages are now shared COW */
	KT_ASSERT(child != NULL);

	KT_ASSERT_EQ(remap(mm, SRC, len, MREMAP_MAYMOVE | MREMAP_FIXED, DST_ALIGNED),
		     (long)DST_ALIGNED);
	KT_ASSERT(page_at(mm, SRC) == NULL);
	KT_ASSERT_EQ(check_moved(mm, DST_ALIGNED, NPAGES, 1), 0);
	KT_ASSERT_EQ(check_moved(child, SRC, NPAGES, 1), 0);

	KT_ASSERT_EQ(remap(mm, DST_ALIGNED, len, MREMAP_MAYMOVE | MREMAP_FIXED, DST_ODD),
		     (long)DST_ODD);
	KT_ASSERT(page_at(mm, DST_ALIGNED) == NULL);
	KT_ASSERT_EQ(check_moved(mm, DST_ODD, NPAGES, 1), 0);

	mm_put(child);
	mm_put(mm);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}

/*
 * MREMAP_RELOCATE_ANON: while a fork child shares the pages, MUST_RELOCATE
 * refuses (EFAULT, nothing moved) and RELOCATE moves ordinarily (the pgoff
 * kept); once the child is gone, a MUST_RELOCATE move re-files every page:
 * the new VMA's pgoff is its address's, each page's index is its new
 * linear index and its anon_vma the VMA's, and rmap finds each page there.
 */
KTEST(mremap_relocate_refiles_pages)
{
	unsigned long free_before = pmm_free_pages();
	struct mm *mm = mm_create(), *child;
	const unsigned long len = RELOC_PAGES * PAGE_SIZE;
	struct vma *v;

	KT_ASSERT(mm != NULL);
	mmap_write_lock(mm);
	KT_ASSERT_EQ(map_fixed(mm, SRC, len), (long)SRC);
	mmap_write_unlock(mm);
	for (unsigned long i = 0; i < RELOC_PAGES; i++) {
		KT_ASSERT_EQ(vm_fault(mm, SRC + i * PAGE_SIZE, FAULT_WRITE), VM_FAULT_OK);
		*(unsigned long *)page_address(page_at(mm, SRC + i * PAGE_SIZE)) = i;
	}
	child = mm_dup(mm);
	KT_ASSERT(child != NULL);

	KT_ASSERT_EQ(remap(mm, SRC, len, MREMAP_MAYMOVE | MREMAP_FIXED |
			   MREMAP_MUST_RELOCATE_ANON_, DST_RELOC), -EFAULT);
	KT_ASSERT(page_at(mm, SRC) != NULL && page_at(mm, DST_RELOC) == NULL);
	KT_ASSERT_EQ(remap(mm, SRC, len, MREMAP_MAYMOVE | MREMAP_FIXED |
			   MREMAP_RELOCATE_ANON_, DST_ODD), (long)DST_ODD);
	v = vma_lookup(&mm->vmas, DST_ODD);
	KT_ASSERT(v && v->pgoff == SRC >> PAGE_SHIFT);
	KT_ASSERT_EQ(check_moved(mm, DST_ODD, RELOC_PAGES, 1), 0);

	mm_put(child);
	KT_ASSERT_EQ(remap(mm, DST_ODD, len, MREMAP_MAYMOVE | MREMAP_FIXED |
			   MREMAP_MUST_RELOCATE_ANON_, DST_RELOC), (long)DST_RELOC);
	KT_ASSERT_EQ(check_moved(mm, DST_RELOC, RELOC_PAGES, 0), 0);
	v = vma_lookup(&mm->vmas, DST_RELOC);
	KT_ASSERT(v && v->pgoff == DST_RELOC >> PAGE_SHIFT);
	for (unsigned long i = 0; i < RELOC_PAGES; i++) {
		struct page *p = page_at(mm, DST_RELOC + i * PAGE_SIZE);

		KT_ASSERT_EQ(p->index, (DST_RELOC >> PAGE_SHIFT) + i);
		KT_ASSERT(page_anon_vma(p) == v->anon_vma);
	}
	mm_put(mm);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}
