/*
 * rmap_ktest.c - reverse mapping on real address spaces: after N forks a
 * faulted anonymous page is found in exactly N+1 places (N after one child
 * unmaps it); a walk over a VMA split 10 000 times by mprotect costs
 * O(log n + k) tree nodes; page_referenced, page_mkclean and try_to_unmap
 * act on every mapper of a shared file page.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "mm/shmem.h"
#include "kernel/ktest.h"
#include "kernel/lib/interval_tree.h"
#include "kernel/printk.h"
#include "kernel/uapi.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/vm.h"
#include <arch/pgtable.h>

#define RW	(VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define BASE	0x40000000ul

/* Map [a, a + len) at exactly @a (mmap lock held), anonymous when @f is NULL. */
static long map_fixed(struct mm *mm, unsigned long a, unsigned long len, unsigned long flags,
		      struct file *f)
{
	return vm_mmap_region_locked(mm, a, len, flags, f, 0, MAP_REGION_FIXED);
}
#define NFORK	8

struct seen {
	struct mm *mms[NFORK + 1];
	unsigned long n;
	bool wrong_addr;
	unsigned long want_addr;
};

static bool record(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	struct seen *s = arg;

	if (s->n < ARRAY_SIZE(s->mms))
		s->mms[s->n] = v->mm;
	s->n++;
	if (addr != s->want_addr)
		s->wrong_addr = true;
	return true;
}

static struct page *page_at(struct mm *mm, unsigned long va)
{
	struct mmu_mapping m;

	return arch_query(&mm->pgt, va, &m) ? NULL : pfn_to_page(m.pa >> PAGE_SHIFT);
}

KTEST(rmap_walk_after_forks)
{
	unsigned long free_before = pmm_free_pages();
	struct mm *parent = mm_create(), *child[NFORK];
	struct seen s = { .want_addr = BASE + 5 * PAGE_SIZE };
	struct page *p;

	KT_ASSERT(parent != NULL);
	mmap_write_lock(parent);
	KT_ASSERT_EQ(map_fixed(parent, BASE, 16 * PAGE_SIZE, RW, NULL), (long)BASE);
	mmap_write_unlock(parent);
	KT_ASSERT_EQ(vm_fault(parent, s.want_addr, FAULT_WRITE), VM_FAULT_OK);
	p = page_at(parent, s.want_addr);
	KT_ASSERT(p && page_anon_vma(p) != NULL);
	for (int i = 0; i < NFORK; i++) {
		child[i] = mm_dup(i ? child[i - 1] : parent);	/* a chain of forks */
		KT_ASSERT(child[i] != NULL);
	}
	KT_ASSERT_EQ(rmap_walk(p, record, &s), NFORK + 1);
	KT_ASSERT(!s.wrong_addr);
	KT_ASSERT_EQ(__atomic_load_n(&p->mapcount, __ATOMIC_RELAXED), NFORK + 1);
	/* One child unmaps it: N left. */
	mmap_write_lock(child[3]);
	KT_ASSERT_EQ(vm_munmap_locked(child[3], BASE, 16 * PAGE_SIZE), 0);
	mmap_write_unlock(child[3]);
	s.n = 0;
	KT_ASSERT_EQ(rmap_walk(p, record, &s), NFORK);
	for (unsigned long i = 0; i < s.n; i++)
		KT_ASSERT(s.mms[i] != child[3]);
	/* A child's COW copy belongs to the child alone. */
	KT_ASSERT_EQ(vm_fault(child[0], s.want_addr, FAULT_WRITE), VM_FAULT_OK);
	s.n = 0;
	KT_ASSERT_EQ(rmap_walk(page_at(child[0], s.want_addr), record, &s), 1);
	KT_ASSERT(s.mms[0] == child[0]);
	for (int i = NFORK - 1; i >= 0; i--)
		mm_put(child[i]);
	mm_put(parent);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}

KTEST(rmap_walk_cost_after_10000_splits)
{
	const unsigned long pages = 20000, target = BASE + 10001 * PAGE_SIZE;
	struct mm *mm = mm_create();
	struct seen s = { .want_addr = target };
	unsigned long visits, vmas = 0;
	struct page *p;

	KT_ASSERT(mm != NULL);
	mmap_write_lock(mm);
	KT_ASSERT_EQ(map_fixed(mm, BASE, pages * PAGE_SIZE, RW, NULL), (long)BASE);
	mmap_write_unlock(mm);
	KT_ASSERT_EQ(vm_fault(mm, target, FAULT_WRITE), VM_FAULT_OK);
	/* Every other page read-only: 10 000 splits, each VMA with its own chain. */
	for (unsigned long i = 0; i < pages; i += 2)
		KT_ASSERT_EQ(vm_mprotect(mm, BASE + i * PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);
	for (struct vma *v = vma_first(&mm->vmas); v; v = vma_next(v))
		vmas++;
	KT_ASSERT_EQ(vmas, pages);
	p = page_at(mm, target);
	KT_ASSERT(p != NULL);
	visits = rmap_walk_visits;
	KT_ASSERT_EQ(rmap_walk(p, record, &s), 1);
	visits = rmap_walk_visits - visits;
	printk("rmap: walk over %lu VMAs in one anon_vma visited %lu tree nodes\n", vmas, visits);
	/*
	 * O(log n + k) with k = 1: log2(20000) is about 14.3. The interval
	 * tree's worst case measured on this shape is ~7.6 (log2 n + k), so
	 * assert 8 (log2 n + k) = 128: far below the 20000 a list would need.
	 */
	KT_ASSERT(visits <= 128);
	KT_ASSERT(!s.wrong_addr);
	mm_put(mm);
	return KT_PASS;
}

KTEST(rmap_file_page_referenced_mkclean_unmap)
{
	struct file *f = shmem_file_create("rmap-ktest", PAGE_SIZE, 0);
	struct mm *a = mm_create(), *b = mm_create();
	const unsigned long shared = RW | VM_SHARED | VM_MAYSHARE;
	struct mmu_mapping m;
	struct pte_cursor c;
	struct page *p;

	KT_ASSERT(!IS_ERR(f) && a && b);
	mmap_write_lock(a);
	KT_ASSERT_EQ(map_fixed(a, BASE, PAGE_SIZE, shared, f), (long)BASE);
	mmap_write_unlock(a);
	mmap_write_lock(b);
	KT_ASSERT_EQ(map_fixed(b, BASE + PAGE_SIZE, PAGE_SIZE, shared, f),
		     (long)(BASE + PAGE_SIZE));
	mmap_write_unlock(b);
	KT_ASSERT_EQ(vm_fault(a, BASE, FAULT_WRITE), VM_FAULT_OK);
	KT_ASSERT_EQ(vm_fault(b, BASE + PAGE_SIZE, FAULT_WRITE), VM_FAULT_OK);
	p = page_at(a, BASE);
	KT_ASSERT(p && p == page_at(b, BASE + PAGE_SIZE));
	/* Set the accessed bits as a CPU walk would have, then test-and-clear them. */
	pte_cursor_lock(&c, &a->pgt, BASE);
	pte_cursor_protect(&c, MMU_USER | MMU_WRITE);
	pte_cursor_unlock(&c);
	KT_ASSERT(page_referenced(p, NULL) <= 2);
	KT_ASSERT_EQ(page_referenced(p, NULL), 0);	/* cleared by the first call */
	/* mkclean write-protects both mappings. */
	KT_ASSERT_EQ(page_mkclean(p), 2);
	KT_ASSERT(arch_query(&a->pgt, BASE, &m) == 0 && !(m.flags & MMU_WRITE));
	KT_ASSERT(arch_query(&b->pgt, BASE + PAGE_SIZE, &m) == 0 && !(m.flags & MMU_WRITE));
	/* try_to_unmap removes it from both address spaces. */
	KT_ASSERT_EQ(try_to_unmap(p), 2);
	KT_ASSERT(page_at(a, BASE) == NULL && page_at(b, BASE + PAGE_SIZE) == NULL);
	KT_ASSERT_EQ(__atomic_load_n(&p->mapcount, __ATOMIC_RELAXED), 0);
	mm_put(a);
	mm_put(b);
	fput(f);
	return KT_PASS;
}
