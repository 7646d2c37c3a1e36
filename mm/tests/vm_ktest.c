/*
 * vm_ktest.c - the VM core without a user process: VMA split and merge
 * invariants through vm_mmap_region_locked/vm_munmap_locked on a private mm, the fault
 * path (zero page, COW after a fork copy, exclusive reuse), and the page
 * cache of a tmpfs file (mapped pages, truncation, SIGBUS beyond EOF).
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "mm/shmem.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "mm/vm.h"
#include "mm/vmstat.h"
#include <arch/pgtable.h>

#define RW	(VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define BASE	0x40000000ul

/* Map [a, a + len) at exactly @a (mmap lock held), anonymous when @f is NULL. */
static long map_fixed(struct mm *mm, unsigned long a, unsigned long len, unsigned long flags,
		      struct file *f)
{
	return vm_mmap_region_locked(mm, a, len, flags, f, 0, MAP_REGION_FIXED);
}

static unsigned long count_vmas(struct mm *mm)
{
	unsigned long n = 0;

	for (struct vma *v = vma_first(&mm->vmas); v; v = vma_next(v))
		n++;
	return n;
}

static bool tree_ok(struct mm *mm)
{
	char why[128];

	return vma_tree_check(&mm->vmas, why, sizeof(why)) && mm->vmas.count == count_vmas(mm);
}

KTEST(vm_vma_split_merge)
{
	struct mm *mm = mm_create();
	struct vma *v;

	KT_ASSERT(mm != NULL);
	mmap_write_lock(mm);
	/* Three adjacent anonymous mappings made separately merge into one. */
	for (int i = 0; i < 3; i++)
		KT_ASSERT_EQ(map_fixed(mm, BASE + i * 0x3000, 0x3000, RW, NULL),
			     (long)(BASE + i * 0x3000));
	KT_ASSERT_EQ(count_vmas(mm), 1);
	v = vma_first(&mm->vmas);
	KT_ASSERT(v->start == BASE && v->end == BASE + 0x9000 && v->pgoff == BASE >> PAGE_SHIFT);
	/* A hole in the middle splits it; pgoff of the upper part follows the address. */
	KT_ASSERT_EQ(vm_munmap_locked(mm, BASE + 0x4000, 0x1000), 0);
	KT_ASSERT_EQ(count_vmas(mm), 2);
	v = vma_lookup(&mm->vmas, BASE + 0x5000);
	KT_ASSERT(v && v->start == BASE + 0x5000 && v->pgoff == (BASE + 0x5000) >> PAGE_SHIFT);
	KT_ASSERT(tree_ok(mm));
	/* Filling the hole merges all three pieces back. */
	KT_ASSERT_EQ(map_fixed(mm, BASE + 0x4000, 0x1000, RW, NULL),
		     (long)(BASE + 0x4000));
	KT_ASSERT_EQ(count_vmas(mm), 1);
	/* Different flags never merge. */
	KT_ASSERT_EQ(map_fixed(mm, BASE + 0x9000, 0x1000, VM_READ | VM_MAYREAD, NULL),
		     (long)(BASE + 0x9000));
	KT_ASSERT_EQ(count_vmas(mm), 2);
	KT_ASSERT_EQ(mm->total_vm, 10);
	/* Unmapping across both VMAs and a hole. */
	KT_ASSERT_EQ(vm_munmap_locked(mm, BASE + 0x8000, 0x10000), 0);
	KT_ASSERT_EQ(count_vmas(mm), 1);
	KT_ASSERT_EQ(mm->total_vm, 8);
	KT_ASSERT(tree_ok(mm));
	mmap_write_unlock(mm);
	mm_put(mm);
	return KT_PASS;
}

static phys_addr_t pa_of(struct mm *mm, unsigned long va, unsigned int *flags)
{
	struct mmu_mapping m;

	if (arch_query(&mm->pgt, va, &m))
		return 0;
	if (flags)
		*flags = m.flags;
	return m.pa;
}

KTEST(vm_fault_zero_page_and_cow)
{
	unsigned long free_before = pmm_free_pages();
	struct mm *mm = mm_create(), *child;
	unsigned int fl = 0;
	phys_addr_t pa, pa2;

	KT_ASSERT(mm != NULL);
	mmap_write_lock(mm);
	KT_ASSERT_EQ(map_fixed(mm, BASE, 0x4000, RW, NULL), (long)BASE);
	mmap_write_unlock(mm);
	/* Read: the shared zero page, read-only. */
	KT_ASSERT_EQ(vm_fault(mm, BASE, 0), VM_FAULT_OK);
	KT_ASSERT_EQ(pa_of(mm, BASE, &fl), page_to_phys(zero_page));
	KT_ASSERT(!(fl & MMU_WRITE));
	/* Write: a private zeroed page replaces it. */
	KT_ASSERT_EQ(vm_fault(mm, BASE, FAULT_WRITE), VM_FAULT_OK);
	pa = pa_of(mm, BASE, &fl);
	KT_ASSERT(pa && pa != page_to_phys(zero_page) && (fl & MMU_WRITE));
	KT_ASSERT_EQ(get_mm_counter(mm, MM_ANONPAGES), 1);
	/* A fork copy shares it read-only on both sides. */
	child = mm_dup(mm);
	KT_ASSERT(child != NULL);
	KT_ASSERT_EQ(pa_of(child, BASE, &fl), pa);
	KT_ASSERT(!(fl & MMU_WRITE));
	KT_ASSERT(!(pa_of(mm, BASE, &fl) && (fl & MMU_WRITE)));
	KT_ASSERT_EQ(pfn_to_page(pa >> PAGE_SHIFT)->mapcount, 2);
	/* The child writes: it gets a copy; the parent's page is exclusive again. */
	KT_ASSERT_EQ(vm_fault(child, BASE, FAULT_WRITE), VM_FAULT_OK);
	pa2 = pa_of(child, BASE, &fl);
	KT_ASSERT(pa2 && pa2 != pa && (fl & MMU_WRITE));
	KT_ASSERT_EQ(pfn_to_page(pa >> PAGE_SHIFT)->mapcount, 1);
	/* The last sharer reuses the page in place, no copy. */
	KT_ASSERT_EQ(vm_fault(mm, BASE, FAULT_WRITE), VM_FAULT_OK);
	KT_ASSERT_EQ(pa_of(mm, BASE, &fl), pa);
	KT_ASSERT(fl & MMU_WRITE);
	/* Faults the VMA cannot explain. */
	KT_ASSERT_EQ(vm_fault(mm, BASE + 0x10000, 0), VM_FAULT_SEGV_MAPERR);
	mm_put(child);
	mm_put(mm);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}

/*
 * handle_mm_fault's early checks (sanitize_fault_flags) refuse flags no
 * caller may pass before any page-table work; FAULT_UNSHARE gives a
 * page COW-shared after fork a private copy without making it writable,
 * so the unsharing side no longer sees the other side's writes (what a
 * read-only pin needs: the CVE-2020-29374 class).
 */
KTEST(vm_fault_flags_checked_and_unshare)
{
	const unsigned long ro = VM_READ | VM_MAYREAD;	/* can never be written */
	unsigned long free_before = pmm_free_pages();
	struct mm *mm = mm_create(), *child;
	const unsigned long rw = BASE + 0x10000;
	unsigned int fl = 0;
	phys_addr_t pa, pa2;

	KT_ASSERT(mm != NULL);
	mmap_write_lock(mm);
	KT_ASSERT_EQ(map_fixed(mm, BASE, 0x1000, ro, NULL), (long)BASE);
	KT_ASSERT_EQ(map_fixed(mm, rw, 0x1000, RW, NULL), (long)rw);
	printk("ktest: the next two WARNING lines (mm/memory.c) are expected\n");
	KT_ASSERT_EQ(handle_mm_fault(mm, BASE, FAULT_WRITE), VM_FAULT_SEGV_ACCERR);
	KT_ASSERT_EQ(handle_mm_fault(mm, rw, FAULT_WRITE | FAULT_UNSHARE), VM_FAULT_SEGV_ACCERR);
	mmap_write_unlock(mm);
	KT_ASSERT_EQ(pa_of(mm, BASE, NULL), 0);		/* refused before any table work */
	KT_ASSERT_EQ(pa_of(mm, rw, NULL), 0);

	KT_ASSERT_EQ(vm_fault(mm, rw, FAULT_WRITE), VM_FAULT_OK);
	pa = pa_of(mm, rw, NULL);
	memset(phys_to_virt(pa), 'o', PAGE_SIZE);
	child = mm_dup(mm);
	KT_ASSERT(child != NULL);
	KT_ASSERT_EQ(pa_of(child, rw, NULL), pa);
	mmap_read_lock(child);
	KT_ASSERT_EQ(handle_mm_fault(child, rw, FAULT_UNSHARE), VM_FAULT_OK);
	mmap_read_unlock(child);
	pa2 = pa_of(child, rw, &fl);
	KT_ASSERT(pa2 && pa2 != pa);
	KT_ASSERT(!(fl & MMU_WRITE));			/* private, not writable */
	KT_ASSERT_EQ(pfn_to_page(pa >> PAGE_SHIFT)->mapcount, 1);
	/* The parent writes in place (exclusive again); the child keeps its copy. */
	KT_ASSERT_EQ(vm_fault(mm, rw, FAULT_WRITE), VM_FAULT_OK);
	KT_ASSERT_EQ(pa_of(mm, rw, NULL), pa);
	memset(phys_to_virt(pa), 'n', PAGE_SIZE);
	KT_ASSERT_EQ(*(char *)phys_to_virt(pa2), 'o');
	/* Unsharing an exclusive page changes nothing. */
	mmap_read_lock(child);
	KT_ASSERT_EQ(handle_mm_fault(child, rw, FAULT_UNSHARE), VM_FAULT_OK);
	mmap_read_unlock(child);
	KT_ASSERT_EQ(pa_of(child, rw, NULL), pa2);
	mm_put(child);
	mm_put(mm);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}

/* get_user_pages_locked() on @mm with its mmap lock: one page. */
static struct page *pin_one(struct mm *mm, unsigned long va, unsigned int gup_flags)
{
	struct page *p = NULL;
	long n;

	mmap_read_lock(mm);
	n = get_user_pages_locked(mm, va, 1, gup_flags, &p);
	mmap_read_unlock(mm);
	return n == 1 ? p : NULL;
}

/*
 * A read-only pin (GUP_PIN) of a page COW-shared after fork unshares it
 * first: the pinning side gets its own copy, so the pin never sees the
 * other side's later writes, but does see its own (a write reuses a page
 * only pins hold in place). A fork copies a pinned page for the child
 * rather than sharing it. A long-term pin unshares the zero page and a
 * private file mapping's page-cache page too.
 */
KTEST(vm_gup_read_pin_unshares)
{
	unsigned long free_before = pmm_free_pages();
	struct file *f = shmem_file_create("ktest-pin", PAGE_SIZE, 0);
	struct mm *mm = mm_create(), *child, *grandchild;
	const unsigned long file_va = BASE + 0x10000, zero_va = BASE + 0x20000;
	struct page *pin, *pin2;
	unsigned int fl = 0;
	phys_addr_t pa;

	KT_ASSERT(mm != NULL && !IS_ERR(f));
	KT_ASSERT_EQ(kernel_write(f, "file", 4, 0), 4);
	mmap_write_lock(mm);
	KT_ASSERT_EQ(map_fixed(mm, BASE, PAGE_SIZE, RW, NULL), (long)BASE);
	KT_ASSERT_EQ(map_fixed(mm, file_va, PAGE_SIZE, RW, f), (long)file_va);
	KT_ASSERT_EQ(map_fixed(mm, zero_va, PAGE_SIZE, RW, NULL), (long)zero_va);
	mmap_write_unlock(mm);
	KT_ASSERT_EQ(vm_fault(mm, BASE, FAULT_WRITE), VM_FAULT_OK);
	pa = pa_of(mm, BASE, NULL);
	memset(phys_to_virt(pa), 'o', PAGE_SIZE);

	/* The child pins the shared page read-only: it gets its own copy. */
	child = mm_dup(mm);
	KT_ASSERT(child != NULL);
	pin = pin_one(child, BASE, GUP_PIN);
	KT_ASSERT(pin != NULL);
	KT_ASSERT(page_to_phys(pin) != pa);
	KT_ASSERT_EQ(pa_of(child, BASE, &fl), page_to_phys(pin));
	KT_ASSERT(!(fl & MMU_WRITE));			/* unshared, not made writable */
	KT_ASSERT_EQ(page_pincount(pin), 1);
	/* The parent writes in place: the pin still sees the old data. */
	KT_ASSERT_EQ(vm_fault(mm, BASE, FAULT_WRITE), VM_FAULT_OK);
	KT_ASSERT_EQ(pa_of(mm, BASE, NULL), pa);
	memset(phys_to_virt(pa), 'n', PAGE_SIZE);
	KT_ASSERT_EQ(*(char *)page_address(pin), 'o');
	/* The child writes: the pinned page is reused, and the pin sees it. */
	KT_ASSERT_EQ(vm_fault(child, BASE, FAULT_WRITE), VM_FAULT_OK);
	KT_ASSERT_EQ(pa_of(child, BASE, &fl), page_to_phys(pin));
	KT_ASSERT(fl & MMU_WRITE);
	memset(page_address(pin), 'c', PAGE_SIZE);
	/* A fork of the pinning side copies the pinned page for its child. */
	grandchild = mm_dup(child);
	KT_ASSERT(grandchild != NULL);
	KT_ASSERT_EQ(pa_of(child, BASE, &fl), page_to_phys(pin));
	KT_ASSERT(fl & MMU_WRITE);			/* not even write-protected */
	KT_ASSERT(pa_of(grandchild, BASE, NULL) != page_to_phys(pin));
	KT_ASSERT_EQ(*(char *)phys_to_virt(pa_of(grandchild, BASE, NULL)), 'c');
	/* Pinning it again takes the same page: pins do not unshare from pins. */
	pin2 = pin_one(child, BASE, GUP_PIN);
	KT_ASSERT_EQ(pin2, pin);
	KT_ASSERT_EQ(page_pincount(pin), 2);
	unpin_user_page(pin2);
	unpin_user_page(pin);
	KT_ASSERT_EQ(page_pincount(pin), 0);

	/* The zero page: a short pin takes it, a long-term one unshares it. */
	KT_ASSERT_EQ(vm_fault(mm, zero_va, 0), VM_FAULT_OK);
	pin = pin_one(mm, zero_va, GUP_PIN);
	KT_ASSERT_EQ(pin, zero_page);
	unpin_user_page(pin);
	pin = pin_one(mm, zero_va, GUP_PIN | GUP_LONGTERM);
	KT_ASSERT(pin != NULL && pin != zero_page && page_test_flag(pin, PG_anon));
	KT_ASSERT_EQ(pa_of(mm, zero_va, NULL), page_to_phys(pin));
	KT_ASSERT_EQ(*(char *)page_address(pin), 0);
	unpin_user_page(pin);
	/* A private file page: a long-term pin takes a private copy, not the cache's page. */
	KT_ASSERT_EQ(vm_fault(mm, file_va, 0), VM_FAULT_OK);
	KT_ASSERT(!page_test_flag(pfn_to_page(pa_of(mm, file_va, NULL) >> PAGE_SHIFT), PG_anon));
	pin = pin_one(mm, file_va, GUP_PIN | GUP_LONGTERM);
	KT_ASSERT(pin != NULL && page_test_flag(pin, PG_anon));
	KT_ASSERT_EQ(memcmp(page_address(pin), "file", 4), 0);
	KT_ASSERT_EQ(kernel_write(f, "FILE", 4, 0), 4);	/* the file moves on; the pin does not */
	KT_ASSERT_EQ(memcmp(page_address(pin), "file", 4), 0);
	unpin_user_page(pin);

	mm_put(grandchild);
	mm_put(child);
	mm_put(mm);
	fput(f);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}

KTEST(vm_page_cache_mapping_and_truncate)
{
	unsigned long free_before = pmm_free_pages();
	struct file *f = shmem_file_create("ktest", 3 * PAGE_SIZE, 0);
	struct mm *a = mm_create(), *b = mm_create();
	const unsigned long shared = RW | VM_SHARED | VM_MAYSHARE;
	phys_addr_t pa;
	char buf[8];

	KT_ASSERT(!IS_ERR(f) && a && b);
	KT_ASSERT_EQ(kernel_write(f, "pagoda", 6, PAGE_SIZE), 6);
	mmap_write_lock(a);
	KT_ASSERT_EQ(map_fixed(a, BASE, 4 * PAGE_SIZE, shared, f), (long)BASE);
	mmap_write_unlock(a);
	mmap_write_lock(b);
	KT_ASSERT_EQ(map_fixed(b, BASE, 4 * PAGE_SIZE, RW, f), (long)BASE);
	mmap_write_unlock(b);
	/* Both map the same cache page; the private one read-only. */
	KT_ASSERT_EQ(vm_fault(a, BASE + PAGE_SIZE, FAULT_WRITE), VM_FAULT_OK);
	KT_ASSERT_EQ(vm_fault(b, BASE + PAGE_SIZE, 0), VM_FAULT_OK);
	pa = pa_of(a, BASE + PAGE_SIZE, NULL);
	KT_ASSERT(pa && pa == pa_of(b, BASE + PAGE_SIZE, NULL));
	KT_ASSERT_EQ(memcmp(phys_to_virt(pa), "pagoda", 6), 0);
	/* A write through the shared mapping is the file. */
	memcpy(phys_to_virt(pa), "PAGODA", 6);
	KT_ASSERT_EQ(kernel_read(f, buf, 6, PAGE_SIZE), 6);
	KT_ASSERT_EQ(memcmp(buf, "PAGODA", 6), 0);
	/* Beyond EOF (page 3 of a 3-page file): SIGBUS. */
	KT_ASSERT_EQ(vm_fault(a, BASE + 3 * PAGE_SIZE, 0), VM_FAULT_SIGBUS);
	/* Truncation unmaps the cut pages from every mapper. */
	KT_ASSERT_EQ(vfs_truncate(f->inode, PAGE_SIZE), 0);
	KT_ASSERT_EQ(pa_of(a, BASE + PAGE_SIZE, NULL), 0);
	KT_ASSERT_EQ(pa_of(b, BASE + PAGE_SIZE, NULL), 0);
	KT_ASSERT_EQ(vm_fault(b, BASE + PAGE_SIZE, 0), VM_FAULT_SIGBUS);
	mm_put(a);
	mm_put(b);
	fput(f);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}

KTEST(vm_munmap_gathers_tlb_flushes)
{
	unsigned long free_before = pmm_free_pages(), flushes;
	struct mm *mm = mm_create();
	const unsigned long pages = 100;

	KT_ASSERT(mm != NULL);
	mmap_write_lock(mm);
	KT_ASSERT_EQ(map_fixed(mm, BASE, pages * PAGE_SIZE, RW, NULL), (long)BASE);
	mmap_write_unlock(mm);
	for (unsigned long i = 0; i < pages; i++)
		KT_ASSERT_EQ(vm_fault(mm, BASE + i * PAGE_SIZE, FAULT_WRITE), VM_FAULT_OK);
	flushes = read_vm_event(TLB_FLUSH);
	mmap_write_lock(mm);
	KT_ASSERT_EQ(vm_munmap_locked(mm, BASE, pages * PAGE_SIZE), 0);
	mmap_write_unlock(mm);
	/* 100 pages: one range flush (the gather overflows past 64), not 100. */
	KT_ASSERT_EQ(read_vm_event(TLB_FLUSH) - flushes, 1);
	KT_ASSERT_EQ(get_mm_counter(mm, MM_ANONPAGES), 0);
	mm_put(mm);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}
