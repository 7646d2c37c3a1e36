/*
 * rmap_ktest.c - reverse mapping on real address spaces: after N forks a
 * faulted anonymous page is found in exactly N+1 places (N after one child
 * unmaps it); a walk over a VMA split 10 000 times by mprotect costs
 * O(log n + k) tree nodes; page_referenced, page_mkclean and try_to_unmap
 * act on every mapper of a shared file page, and of an anonymous page a
 * fork family shares. A fork child's new pages go to its own anon_vma; a
 * file page is found through i_mmap in every VMA that maps it, at O(log n
 * + k) among 1024 VMAs (lab 7's tests, docs/labs/07-rmap.md).
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

/*
 * What a CPU's access through @mm's PTE at @va does to it: set the
 * accessed bit, and for @write the dirty bit (the PTE must be writable).
 * A kernel thread makes no user accesses, and the page-table contract
 * gives generic code no way to set these bits (the MMU owns them), so the
 * test sets them in the entry itself, under its lock, as the CPU would.
 * (@on false: the accessed bit is cleared instead.)
 */
static void cpu_access(struct mm *mm, unsigned long va, bool on, bool write)
{
	struct pte_cursor c;
	struct pte_val pv;

	pte_cursor_lock(&c, &mm->pgt, va);
	if (pte_cursor_get(&c, &pv) == PTE_KIND_PAGE && c.pte) {
		if (!on)
			pte_cursor_clear_flags(&c, MMU_ACCESSED);
		else
			*c.pte |= PTE_ACCESSED | (write && (*c.pte & PTE_WRITE) ? PTE_DIRTY : 0);
	}
	pte_cursor_unlock(&c);
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
	/* Both accessed (a CPU would have set the bits), then test-and-clear them. */
	cpu_access(a, BASE, /* on= */true, /* write= */false);
	cpu_access(b, BASE + PAGE_SIZE, /* on= */true, /* write= */false);
	KT_ASSERT_EQ(page_referenced(p, NULL), 2);
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

/* The anon_vma that page @p is filed under, and that of @mm's VMA at @va. */
static struct anon_vma *vma_anon_vma(struct mm *mm, unsigned long va)
{
	struct vma *v = vma_lookup(&mm->vmas, va);

	return v ? v->anon_vma : NULL;
}

/*
 * fork gives each child's VMA an anon_vma of its own, a child of the
 * parent's (same root): a page the child creates after the fork - a new
 * one, or its COW copy - is filed there, so a walk of it looks in a tree
 * that holds the child's chain alone, not the whole family's. The
 * parent's pages stay reachable from every child (anon_vma_clone), and
 * the family outlives its root's process.
 */
KTEST(rmap_fork_child_own_anon_vma)
{
	unsigned long free_before = pmm_free_pages();
	struct mm *parent = mm_create(), *child[4], *grandchild;
	struct anon_vma *pav;
	struct seen s;
	struct page *p;

	KT_ASSERT(parent != NULL);
	mmap_write_lock(parent);
	KT_ASSERT_EQ(map_fixed(parent, BASE, 16 * PAGE_SIZE, RW, NULL), (long)BASE);
	mmap_write_unlock(parent);
	KT_ASSERT_EQ(vm_fault(parent, BASE, FAULT_WRITE), VM_FAULT_OK);
	pav = vma_anon_vma(parent, BASE);
	KT_ASSERT(pav != NULL && page_anon_vma(page_at(parent, BASE)) == pav);
	for (int i = 0; i < 4; i++) {
		struct anon_vma *cav;

		child[i] = mm_dup(parent);		/* a fan of four */
		KT_ASSERT(child[i] != NULL);
		cav = vma_anon_vma(child[i], BASE);
		KT_ASSERT(cav != NULL && cav != pav);
		KT_ASSERT(cav->parent == pav && cav->root == pav->root);
	}
	/* The parent's page: found in all five, through the parent's tree. */
	s = (struct seen){ .want_addr = BASE };
	KT_ASSERT_EQ(rmap_walk(page_at(parent, BASE), record, &s), 5);
	KT_ASSERT(!s.wrong_addr);
	/* A new page of child 2: its own anon_vma, a walk of one chain. */
	KT_ASSERT_EQ(vm_fault(child[2], BASE + PAGE_SIZE, FAULT_WRITE), VM_FAULT_OK);
	p = page_at(child[2], BASE + PAGE_SIZE);
	KT_ASSERT(p && page_anon_vma(p) == vma_anon_vma(child[2], BASE));
	s = (struct seen){ .want_addr = BASE + PAGE_SIZE };
	{
		unsigned long visits = rmap_walk_visits;

		KT_ASSERT_EQ(rmap_walk(p, record, &s), 1);
		visits = rmap_walk_visits - visits;
		/* One chain in the tree: the parent's and siblings' are elsewhere. */
		printk("rmap: a child's new page: %lu tree nodes visited\n", visits);
		KT_ASSERT(visits <= 2);
	}
	KT_ASSERT(s.mms[0] == child[2] && !s.wrong_addr);
	/* Child 1's COW copy of the parent's page: its own anon_vma too. */
	KT_ASSERT_EQ(vm_fault(child[1], BASE, FAULT_WRITE), VM_FAULT_OK);
	p = page_at(child[1], BASE);
	KT_ASSERT(p && p != page_at(parent, BASE));
	KT_ASSERT(page_anon_vma(p) == vma_anon_vma(child[1], BASE));
	s = (struct seen){ .want_addr = BASE };
	KT_ASSERT_EQ(rmap_walk(p, record, &s), 1);
	KT_ASSERT(s.mms[0] == child[1]);
	/* A grandchild joins child 2's anon_vma: child 2's page is in both. */
	grandchild = mm_dup(child[2]);
	KT_ASSERT(grandchild != NULL);
	KT_ASSERT(vma_anon_vma(grandchild, BASE)->parent == vma_anon_vma(child[2], BASE));
	s = (struct seen){ .want_addr = BASE + PAGE_SIZE };
	KT_ASSERT_EQ(rmap_walk(page_at(child[2], BASE + PAGE_SIZE), record, &s), 2);
	KT_ASSERT(!s.wrong_addr);
	/* The parent goes first: the family (and its root's lock) lives on. */
	mm_put(parent);
	s = (struct seen){ .want_addr = BASE };
	/* Children 0, 2, 3 and the grandchild map it; child 1 has its copy. */
	KT_ASSERT_EQ(rmap_walk(page_at(child[0], BASE), record, &s), 4);
	mm_put(grandchild);
	for (int i = 0; i < 4; i++)
		mm_put(child[i]);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}

/*
 * A file page is found through its inode's i_mmap tree in every VMA that
 * maps it - any process, any address, any pgoff, shared or private -
 * and nowhere else: not where a private mapping has a COW copy instead,
 * not in a VMA whose range of the file does not hold it. A walk stops
 * when its function says so, and costs O(log n + k) nodes among 1024
 * VMAs of one file.
 */
#define NFILEVMAS	1024

static bool stop_at_first(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	(*(unsigned long *)arg)++;
	return false;
}

static bool record_any(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	struct seen *s = arg;

	if (s->n < ARRAY_SIZE(s->mms)) {
		s->mms[s->n] = v->mm;
		if (addr != v->start + ((p->index - v->pgoff) << PAGE_SHIFT) ||
		    page_at(v->mm, addr) != p)
			s->wrong_addr = true;
	}
	s->n++;
	return true;
}

KTEST(rmap_file_walk_finds_every_mapper)
{
	unsigned long free_before = pmm_free_pages();
	struct file *f = shmem_file_create("rmap-file-walk", NFILEVMAS * PAGE_SIZE, 0);
	struct mm *a = mm_create(), *b = mm_create(), *c = mm_create(), *d = mm_create();
	const unsigned long shared = RW | VM_SHARED | VM_MAYSHARE;
	const unsigned long a2 = BASE + 0x100000, bb = BASE + 0x200000;
	unsigned long calls = 0, visits;
	struct seen s = { 0 };
	struct page *p5;

	KT_ASSERT(!IS_ERR(f) && a && b && c && d);
	mmap_write_lock(a);
	KT_ASSERT_EQ(vm_mmap_region_locked(a, BASE, 8 * PAGE_SIZE, shared, f, 0, MAP_REGION_FIXED),
		     (long)BASE);
	KT_ASSERT_EQ(vm_mmap_region_locked(a, a2, 4 * PAGE_SIZE, shared, f, 4, MAP_REGION_FIXED),
		     (long)a2);
	mmap_write_unlock(a);
	mmap_write_lock(b);
	KT_ASSERT_EQ(vm_mmap_region_locked(b, bb, 4 * PAGE_SIZE, shared, f, 2, MAP_REGION_FIXED),
		     (long)bb);
	mmap_write_unlock(b);
	mmap_write_lock(c);
	KT_ASSERT_EQ(map_fixed(c, BASE, 8 * PAGE_SIZE, RW, f), (long)BASE);	/* private */
	mmap_write_unlock(c);
	/* File page 5 everywhere; page 4 in c is a COW copy, not the file's. */
	KT_ASSERT_EQ(vm_fault(a, BASE + 5 * PAGE_SIZE, 0), VM_FAULT_OK);
	KT_ASSERT_EQ(vm_fault(a, a2 + 1 * PAGE_SIZE, 0), VM_FAULT_OK);
	KT_ASSERT_EQ(vm_fault(b, bb + 3 * PAGE_SIZE, FAULT_WRITE), VM_FAULT_OK);
	KT_ASSERT_EQ(vm_fault(c, BASE + 5 * PAGE_SIZE, 0), VM_FAULT_OK);
	KT_ASSERT_EQ(vm_fault(c, BASE + 4 * PAGE_SIZE, FAULT_WRITE), VM_FAULT_OK);
	KT_ASSERT_EQ(vm_fault(a, BASE + 4 * PAGE_SIZE, 0), VM_FAULT_OK);
	p5 = page_at(a, BASE + 5 * PAGE_SIZE);
	KT_ASSERT(p5 && !page_test_flag(p5, PG_anon) && p5->index == 5);
	KT_ASSERT(page_at(a, a2 + PAGE_SIZE) == p5 && page_at(b, bb + 3 * PAGE_SIZE) == p5 &&
		  page_at(c, BASE + 5 * PAGE_SIZE) == p5);
	KT_ASSERT_EQ(rmap_walk(p5, record_any, &s), 4);
	KT_ASSERT(!s.wrong_addr);
	KT_ASSERT((s.mms[0] == a) + (s.mms[1] == a) + (s.mms[2] == a) + (s.mms[3] == a) == 2);
	KT_ASSERT((s.mms[0] == b) + (s.mms[1] == b) + (s.mms[2] == b) + (s.mms[3] == b) == 1);
	KT_ASSERT((s.mms[0] == c) + (s.mms[1] == c) + (s.mms[2] == c) + (s.mms[3] == c) == 1);
	/* File page 4: a and a2 map it; c has its own copy; b has not faulted it. */
	s = (struct seen){ 0 };
	KT_ASSERT_EQ(rmap_walk(page_at(a, BASE + 4 * PAGE_SIZE), record_any, &s), 1);
	KT_ASSERT(s.mms[0] == a && !s.wrong_addr);
	/* The walk stops when asked to. */
	KT_ASSERT_EQ(rmap_walk(p5, stop_at_first, &calls), 1);
	KT_ASSERT_EQ(calls, 1);

	/* 1024 one-page VMAs of the file (gaps between: no merging). */
	mmap_write_lock(d);
	for (unsigned long i = 0; i < NFILEVMAS; i++)
		KT_ASSERT_EQ(vm_mmap_region_locked(d, BASE + 2 * i * PAGE_SIZE, PAGE_SIZE, shared,
						   f, i, MAP_REGION_FIXED),
			     (long)(BASE + 2 * i * PAGE_SIZE));
	mmap_write_unlock(d);
	KT_ASSERT_EQ(vm_fault(d, BASE + 2 * 700 * PAGE_SIZE, 0), VM_FAULT_OK);
	s = (struct seen){ 0 };
	visits = rmap_walk_visits;
	KT_ASSERT_EQ(rmap_walk(page_at(d, BASE + 2 * 700 * PAGE_SIZE), record_any, &s), 1);
	visits = rmap_walk_visits - visits;
	printk("rmap: file walk among %d VMAs visited %lu tree nodes\n", NFILEVMAS + 4, visits);
	/* log2(1028) is about 10: far below the 1028 a list would take. */
	KT_ASSERT(visits <= 64);
	KT_ASSERT(s.mms[0] == d && !s.wrong_addr);
	mm_put(a);
	mm_put(b);
	mm_put(c);
	mm_put(d);
	fput(f);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}

/*
 * What is built on rmap_walk, on an anonymous page four processes share
 * after fork: page_referenced counts (and clears) the accessed bits of
 * the PTEs that have them, page_mkclean write-protects and cleans every
 * mapping, try_to_unmap removes every mapping.
 */
KTEST(rmap_anon_referenced_mkclean_unmap)
{
	unsigned long free_before = pmm_free_pages();
	struct mm *mm[4];
	struct mmu_mapping m;
	struct page *p, *q;

	mm[0] = mm_create();
	KT_ASSERT(mm[0] != NULL);
	mmap_write_lock(mm[0]);
	KT_ASSERT_EQ(map_fixed(mm[0], BASE, 4 * PAGE_SIZE, RW, NULL), (long)BASE);
	mmap_write_unlock(mm[0]);
	KT_ASSERT_EQ(vm_fault(mm[0], BASE, FAULT_WRITE), VM_FAULT_OK);
	for (int i = 1; i < 4; i++) {
		mm[i] = mm_dup(mm[0]);
		KT_ASSERT(mm[i] != NULL);
	}
	p = page_at(mm[0], BASE);
	KT_ASSERT(p && __atomic_load_n(&p->mapcount, __ATOMIC_RELAXED) == 4);
	/* Accessed in two of the four. */
	for (int i = 0; i < 4; i++)
		cpu_access(mm[i], BASE, /* on= */i == 0 || i == 2, /* write= */false);
	KT_ASSERT_EQ(page_referenced(p, NULL), 2);
	KT_ASSERT_EQ(page_referenced(p, NULL), 0);		/* cleared by the first */
	for (int i = 0; i < 4; i++)
		KT_ASSERT(arch_query(&mm[i]->pgt, BASE, &m) == 0 && !(m.flags & MMU_ACCESSED));
	/* mkclean: the parent's own page, written and dirty, becomes clean and read-only. */
	KT_ASSERT_EQ(vm_fault(mm[0], BASE + PAGE_SIZE, FAULT_WRITE), VM_FAULT_OK);
	q = page_at(mm[0], BASE + PAGE_SIZE);
	KT_ASSERT(q != NULL);
	cpu_access(mm[0], BASE + PAGE_SIZE, /* on= */true, /* write= */true);
	KT_ASSERT(arch_query(&mm[0]->pgt, BASE + PAGE_SIZE, &m) == 0 &&
		  (m.flags & MMU_WRITE) && (m.flags & MMU_DIRTY));
	page_set_flag(q, PG_dirty);
	KT_ASSERT_EQ(page_mkclean(q), 1);
	KT_ASSERT(arch_query(&mm[0]->pgt, BASE + PAGE_SIZE, &m) == 0 &&
		  !(m.flags & (MMU_WRITE | MMU_DIRTY)));
	KT_ASSERT(!page_test_flag(q, PG_dirty));
	KT_ASSERT_EQ(page_mkclean(q), 0);
	/* A write after mkclean faults again, and reuses the page. */
	KT_ASSERT_EQ(vm_fault(mm[0], BASE + PAGE_SIZE, FAULT_WRITE), VM_FAULT_OK);
	KT_ASSERT(page_at(mm[0], BASE + PAGE_SIZE) == q);
	/* try_to_unmap: gone from all four. */
	get_page(p);
	KT_ASSERT_EQ(try_to_unmap(p), 4);
	for (int i = 0; i < 4; i++)
		KT_ASSERT(page_at(mm[i], BASE) == NULL);
	KT_ASSERT_EQ(__atomic_load_n(&p->mapcount, __ATOMIC_RELAXED), 0);
	KT_ASSERT_EQ(page_count(p), 1);				/* ours alone */
	KT_ASSERT_EQ(try_to_unmap(p), 0);
	put_page(p);
	for (int i = 3; i >= 0; i--)
		mm_put(mm[i]);
	KT_ASSERT_EQ(pmm_free_pages(), free_before);
	return KT_PASS;
}
