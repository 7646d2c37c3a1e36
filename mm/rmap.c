/*
 * rmap.c - reverse mapping (see mm/rmap.h): anon_vmas and their chains,
 * the files' i_mmap trees, rmap_walk and what is built on it.
 *
 * The question rmap answers: "which page tables map this frame?" Reclaim
 * must unmap a page before it can swap it out, and clear accessed bits to
 * age it; writeback must write-protect it. A page keeps no list of its
 * PTEs (that would cost memory per mapping); instead it keeps one pointer
 * (page->mapping) and one number (page->index) from which every VMA that
 * *might* map it can be found, and each candidate is then checked in its
 * page table (vma_maps_page()).
 *
 * File and shmem pages: mapping is the inode, index the page's offset in
 * the file. The inode's i_mmap interval tree holds every VMA mapping the
 * file, keyed by the file pages it covers, so "who maps page i" is a
 * stabbing query:
 *
 *   inode->i_mmap:   vma A [0 ...... 9]
 *                    vma B       [4 ........ 15]
 *                    vma C                [12 ... 20]
 *   page index 5 -> A and B; page 13 -> B and C
 *
 * Anonymous pages: mapping is an anon_vma, tagged with PAGE_MAPPING_ANON
 * so it cannot be mistaken for an inode; index is the page offset the page
 * was faulted at (linear_page_index: vma->pgoff + the page's number
 * within the VMA, so the same key scheme as files works).
 * An anon_vma cannot simply list VMAs: after fork a parent's page is COW-
 * shared by the child, so one page may be in VMAs of many processes, while
 * a page the child faults later is the child's alone. Hence the anon_vma
 * family, with anon_vma_chains (AVCs) as the many-to-many links:
 *
 *              anon_vma A (root: its mutex locks the whole family)
 *              rb_root: { AVC(P), AVC(C) }      pages of P before fork
 *                ^                  ^
 *      AVC(P) ---+                  +--- AVC(C)
 *        |                              |
 *    parent VMA P                   child VMA C --- AVC(C') ---> anon_vma B
 *    (->anon_vma = A)               (->anon_vma = B)             rb_root: { AVC(C') }
 *                                                                pages C made later
 *
 * Each VMA lists its own AVCs (vma->anon_vma_chain, via same_vma); each
 * anon_vma holds its AVCs in an interval tree keyed like i_mmap. A page
 * of A is looked up in A's tree and finds P and C; a page of B finds C
 * only. A VMA split (mprotect, munmap of the middle) clones the AVC list
 * of the original, so both halves stay reachable from every anon_vma.
 *
 * Lifetime: an anon_vma counts its AVCs and its children (refcount) and
 * holds a reference on its parent and root, so a family's root - whose
 * lock everyone uses - outlives every member, and a page whose mapping
 * points at a still-referenced anon_vma can always be walked.
 *
 * Locking: the VMA-side functions run under the mmap lock of the VMA's mm
 * held for writing and take the anon_vma root's mutex (or the inode's
 * i_mmap_lock) while they change a tree; rmap_walk takes the same lock
 * while it walks. One exception runs under the mmap lock held only for
 * reading: a fault's anon_vma_prepare, which several tasks of one mm may
 * run at once on one VMA, and which therefore sets vma->anon_vma (and
 * links the VMA's first chain) under mm->pgt.upper_lock, checking it again
 * there. Reclaim (mm/vmscan.c) walks with no mmap lock and only
 * read-trylocks the mappers' mmap locks from inside the walk. Where these
 * locks sit among the others: the lock order in docs/locking.md.
 */
#include "mm/rmap.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include <limits.h>
#include "kernel/panic.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/internal.h"
#include <arch/pgtable.h>

/* Created once by rmap_init(), before any process exists; read-only after. */
static struct kmem_cache *anon_vma_cache, *avc_cache;
/* Sum of interval-tree nodes examined by all walks; atomic adds. */
unsigned long rmap_walk_visits;

/*
 * Create the slab caches of anon_vmas and anon_vma_chains. Called once at
 * boot from vm_init(), after slab_init() and before the first process can
 * fault; panics when the caches cannot be made (nothing could run).
 */
void rmap_init(void)
{
	anon_vma_cache = kmem_cache_create("anon_vma", sizeof(struct anon_vma), 8);
	avc_cache = kmem_cache_create("anon_vma_chain", sizeof(struct anon_vma_chain), 8);
	if (!anon_vma_cache || !avc_cache)
		panic("rmap_init: no memory for the anon_vma caches");
}

/* ---- anon_vma objects ---- */

/*
 * A new anon_vma with one reference (the caller's). With @parent it joins
 * the parent's family: same root, and it pins both parent and root so the
 * root's lock outlives it. Returns NULL without memory. Never sleeps.
 */
static struct anon_vma *anon_vma_alloc(struct anon_vma *parent)
{
	struct anon_vma *av = kmem_cache_alloc(anon_vma_cache, 0);

	if (!av)
		return NULL;
	memset(av, 0, sizeof(*av));
	av->root = parent ? parent->root : av;
	av->parent = parent;
	av->refcount = 1;		/* the caller's */
	mutex_init_ranked(&av->lock, LOCK_RANK_ANON_VMA);
	if (parent) {
		__atomic_add_fetch(&parent->refcount, 1, __ATOMIC_RELAXED);
		if (av->root != parent)
			__atomic_add_fetch(&av->root->refcount, 1, __ATOMIC_RELAXED);
	}
	return av;
}

/*
 * The last reference of an anon_vma is dropped, and the anon_vma freed,
 * under anon_vma_free_lock; rmap_walk() reads a page's anon_vma and takes
 * a reference under it too (anon_vma_get_of_page). So a walker on one CPU
 * can never take a reference on an anon_vma another CPU is freeing - the
 * race Linux closes with RCU (SLAB_TYPESAFE_BY_RCU, folio_get_anon_vma).
 * Only the 1 -> 0 step takes the lock; other puts are one atomic step.
 */
static spinlock_t anon_vma_free_lock = SPINLOCK_INIT(anon_vma_free_lock);

/* Drop a reference that is not the last: true. The last one: false, untouched. */
static bool ref_put_unless_last(int *ref)
{
	int c = __atomic_load_n(ref, __ATOMIC_RELAXED);

	while (c > 1)
		if (__atomic_compare_exchange_n(ref, &c, c - 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return true;
	return false;
}

/*
 * Drop one reference; the last one frees @av and drops the references it
 * held on its parent (and root), iteratively up the family so a deep fork
 * chain cannot overflow the stack. Called without the root lock.
 */
static void anon_vma_put(struct anon_vma *av)
{
	while (av) {
		struct anon_vma *parent = av->parent, *root = av->root;
		unsigned long irq;
		bool last;

		if (ref_put_unless_last(&av->refcount))
			return;
		irq = spin_lock_irqsave(&anon_vma_free_lock);
		last = !__atomic_sub_fetch(&av->refcount, 1, __ATOMIC_ACQ_REL);
		if (last)
			kmem_cache_free(anon_vma_cache, av);
		spin_unlock_irqrestore(&anon_vma_free_lock, irq);
		if (!last)
			return;
		if (root != av && root != parent)
			anon_vma_put(root);
		av = parent;
	}
}

/*
 * The anon_vma of mapped anonymous page @p, with a reference for the
 * caller to put; NULL when @p is not mapped (or not anonymous). While a
 * PTE maps @p, some VMA chained to its anon_vma is alive (zaps come before
 * unlinks), so the anon_vma is too: checked and taken under the free lock,
 * the reference cannot race with the last put.
 */
static struct anon_vma *anon_vma_get_of_page(struct page *p)
{
	unsigned long irq = spin_lock_irqsave(&anon_vma_free_lock);
	struct anon_vma *av = NULL;

	if (__atomic_load_n(&p->mapcount, __ATOMIC_ACQUIRE) > 0 && (av = page_anon_vma(p)))
		__atomic_add_fetch(&av->refcount, 1, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&anon_vma_free_lock, irq);
	return av;
}

/*
 * Link @v into @av's tree through chain @avc (allocated by the caller).
 * Caller holds the root lock; never sleeps.
 */
static void avc_link_prealloc(struct vma *v, struct anon_vma *av, struct anon_vma_chain *avc)
{
	avc->vma = v;
	avc->anon_vma = av;
	avc->rb.start = v->pgoff;
	avc->rb.last = vma_last_pgoff(v);
	list_add_tail(&avc->same_vma, &v->anon_vma_chain);
	interval_tree_insert(&avc->rb, &av->rb_root);
	__atomic_add_fetch(&av->refcount, 1, __ATOMIC_RELAXED);
}

/* Link @v into @av's tree through a new chain. Caller holds the root lock. */
static int avc_link(struct vma *v, struct anon_vma *av)
{
	struct anon_vma_chain *avc = kmem_cache_alloc(avc_cache, 0);

	if (!avc)
		return -ENOMEM;
	avc_link_prealloc(v, av, avc);
	return 0;
}

/*
 * Give @v an anon_vma (its own new family) before its first anonymous page,
 * unless it has one. Returns 0 or -ENOMEM. Caller holds @v's mmap lock,
 * for reading is enough: faults of several tasks sharing the mm may
 * prepare the same VMA at once, so, as Linux's __anon_vma_prepare, the
 * new anon_vma is installed under @v's mm->pgt.upper_lock (Linux's
 * page_table_lock) after checking again that nobody was first; a loser
 * frees what it allocated and uses the winner's. Allocates without
 * reclaim and takes only an uncontended new mutex: does not sleep in
 * practice, but is might_sleep() (mutex_lock).
 */
int anon_vma_prepare(struct vma *v)
{
	struct pgtable *pgt = &v->mm->pgt;
	struct anon_vma_chain *avc;
	struct anon_vma *av;
	unsigned long irq;
	bool won = false;

	if (READ_ONCE(v->anon_vma))
		return 0;
	av = anon_vma_alloc(NULL);
	avc = kmem_cache_alloc(avc_cache, 0);
	if (!av || !avc)
		goto out;
	mutex_lock(&av->lock);		/* new: nobody else can hold it */
	irq = pgt_lock_upper(pgt);
	if (!v->anon_vma) {
		avc_link_prealloc(v, av, avc);
		WRITE_ONCE(v->anon_vma, av);
		avc = NULL;
		won = true;
	}
	pgt_unlock_upper(pgt, irq);
	mutex_unlock(&av->lock);
out:
	if (avc)
		kmem_cache_free(avc_cache, avc);
	if (av)
		anon_vma_put(av);	/* the chain holds it now (or nobody) */
	return won || READ_ONCE(v->anon_vma) ? 0 : -ENOMEM;
}

/*
 * Link @dst (a new part of @src after a split, or a fork child) into every
 * anon_vma @src is in, so pages of those anon_vmas find @dst too. Returns 0,
 * or -ENOMEM with @dst's chain list empty again. Caller holds the mmap
 * lock; takes each root's mutex in turn, so it may sleep.
 */
int anon_vma_clone(struct vma *dst, struct vma *src)
{
	struct anon_vma_chain *avc;

	INIT_LIST_HEAD(&dst->anon_vma_chain);
	list_for_each_entry(avc, &src->anon_vma_chain, same_vma) {
		struct anon_vma *root = avc->anon_vma->root;
		int err;

		mutex_lock(&root->lock);
		err = avc_link(dst, avc->anon_vma);
		mutex_unlock(&root->lock);
		if (err) {
			unlink_anon_vmas(dst);
			return err;
		}
	}
	return 0;
}

/*
 * fork: @dst (the child's copy of @src) joins all of @src's anon_vmas, for
 * the COW-shared pages, and gets a new anon_vma of its own, a child of
 * @src's, for pages it creates later. Returns 0 or -ENOMEM (with @dst
 * unlinked). Caller holds both mmap locks; takes root mutexes; may sleep.
 */
int anon_vma_fork(struct vma *dst, struct vma *src)
{
	/* LAB rmap BEGIN */
	/* LAB rmap STUB: dst->anon_vma = src->anon_vma; */
	/* LAB rmap STUB: return anon_vma_clone(dst, src); */
	struct anon_vma *av;
	int err;

	dst->anon_vma = NULL;
	if (!src->anon_vma)
		return 0;		/* nothing faulted yet: the child starts clean */
	err = anon_vma_clone(dst, src);
	if (err)
		return err;
	/* The child's own anon_vma, for pages it creates from now on. */
	av = anon_vma_alloc(src->anon_vma);
	if (!av) {
		unlink_anon_vmas(dst);
		return -ENOMEM;
	}
	mutex_lock(&av->root->lock);
	err = avc_link(dst, av);
	mutex_unlock(&av->root->lock);
	anon_vma_put(av);
	if (err) {
		unlink_anon_vmas(dst);
		return err;
	}
	dst->anon_vma = av;
	return 0;
	/* LAB rmap END */
}

/*
 * @v is going away: remove its AVCs from every tree, free them and drop
 * their anon_vma references (possibly freeing anon_vmas). Caller holds the
 * mmap lock (or is the last user of the mm); takes root mutexes; may sleep.
 */
void unlink_anon_vmas(struct vma *v)
{
	struct anon_vma_chain *avc, *n;

	list_for_each_entry_safe(avc, n, &v->anon_vma_chain, same_vma) {
		struct anon_vma *av = avc->anon_vma, *root = av->root;

		mutex_lock(&root->lock);
		interval_tree_remove(&avc->rb, &av->rb_root);
		mutex_unlock(&root->lock);
		list_del(&avc->same_vma);
		kmem_cache_free(avc_cache, avc);
		anon_vma_put(av);
	}
	v->anon_vma = NULL;
}

/*
 * ---- keeping interval keys exact when a VMA moves its bounds ----
 *
 * An interval tree cannot re-key a node in place: the augmented "max end"
 * of its ancestors would go stale. So a VMA whose start, end or pgoff is
 * about to change leaves every tree first and comes back with new keys:
 *
 *   vma_rmap_pre_update(v);  v->start = ...; v->pgoff = ...;  vma_rmap_post_update(v);
 *
 * In between, rmap walks do not see @v; the caller holds the mmap lock,
 * so no fault can map a new page into it meanwhile.
 */

/*
 * Take @v out of its anon_vma trees and its file's i_mmap. Caller holds the mmap lock;
 * may sleep.
 */
void vma_rmap_pre_update(struct vma *v)
{
	struct anon_vma_chain *avc;

	list_for_each_entry(avc, &v->anon_vma_chain, same_vma) {
		struct anon_vma *root = avc->anon_vma->root;

		mutex_lock(&root->lock);
		interval_tree_remove(&avc->rb, &avc->anon_vma->rb_root);
		mutex_unlock(&root->lock);
	}
	if (v->file)
		vma_unlink_file(v);
}

/* Put @v back with keys from its new bounds. Caller holds the mmap lock; may sleep. */
void vma_rmap_post_update(struct vma *v)
{
	struct anon_vma_chain *avc;

	list_for_each_entry(avc, &v->anon_vma_chain, same_vma) {
		struct anon_vma *root = avc->anon_vma->root;

		avc->rb.start = v->pgoff;
		avc->rb.last = vma_last_pgoff(v);
		mutex_lock(&root->lock);
		interval_tree_insert(&avc->rb, &avc->anon_vma->rb_root);
		mutex_unlock(&root->lock);
	}
	if (v->file)
		vma_link_file(v);
}

/*
 * Contract in rmap.h. Only the intervals' last page changes, so each node
 * is re-keyed in place under its tree's lock (no remove and re-insert).
 */
void vma_rmap_grow_end(struct vma *v, unsigned long end)
{
	struct anon_vma_chain *avc;
	unsigned long last = v->pgoff + ((end - v->start) >> PAGE_SHIFT) - 1;

	list_for_each_entry(avc, &v->anon_vma_chain, same_vma) {
		struct anon_vma *root = avc->anon_vma->root;

		mutex_lock(&root->lock);
		interval_tree_set_last(&avc->rb, &avc->anon_vma->rb_root, last);
		v->end = end;
		mutex_unlock(&root->lock);
	}
	if (v->file) {
		struct inode *inode = v->file->inode;
		unsigned long irq = spin_lock_irqsave(&inode->i_mmap_lock);

		interval_tree_set_last(&v->shared_rb, &inode->i_mmap, last);
		v->end = end;
		spin_unlock_irqrestore(&inode->i_mmap_lock, irq);
	}
	v->end = end;
}

/* ---- files ---- */

/*
 * Insert file VMA @v in its inode's i_mmap tree under i_mmap_lock (a
 * spinlock, irqs off: reclaim walks it). Caller holds the mmap lock.
 * Never sleeps.
 */
void vma_link_file(struct vma *v)
{
	struct inode *inode = v->file->inode;
	unsigned long irq = spin_lock_irqsave(&inode->i_mmap_lock);

	v->shared_rb.start = v->pgoff;
	v->shared_rb.last = vma_last_pgoff(v);
	interval_tree_insert(&v->shared_rb, &inode->i_mmap);
	spin_unlock_irqrestore(&inode->i_mmap_lock, irq);
}

/* Remove @v from its inode's i_mmap tree. Takes i_mmap_lock; never sleeps. */
void vma_unlink_file(struct vma *v)
{
	struct inode *inode = v->file->inode;
	unsigned long irq = spin_lock_irqsave(&inode->i_mmap_lock);

	interval_tree_remove(&v->shared_rb, &inode->i_mmap);
	spin_unlock_irqrestore(&inode->i_mmap_lock, irq);
}

/* Contract in rmap.h: truncate's unmap, COW copies included. Never sleeps. */
void unmap_mapping_range(struct inode *inode, unsigned long first_index)
{
	unmap_mapping_pages(inode, first_index, ULONG_MAX, /* even_cows= */true);
}

/*
 * Contract in rmap.h. The zap of each VMA runs under i_mmap_lock, which
 * keeps every VMA of the tree alive meanwhile (munmap must take the same
 * lock to unlink one). Takes i_mmap_lock, then page-table locks inside.
 */
void unmap_mapping_pages(struct inode *inode, unsigned long first_index,
			 unsigned long end_index, bool even_cows)
{
	struct interval_tree_node *n;
	unsigned long irq;

	if (first_index >= end_index)
		return;
	irq = spin_lock_irqsave(&inode->i_mmap_lock);
	/* The interval tree's bounds are inclusive. */
	for (n = interval_tree_iter_first(&inode->i_mmap, first_index, end_index - 1); n;
	     n = interval_tree_iter_next(n, first_index, end_index - 1)) {
		struct vma *v = container_of(n, struct vma, shared_rb);

		zap_file_pages_range(v, first_index, end_index, even_cows);
	}
	spin_unlock_irqrestore(&inode->i_mmap_lock, irq);
}

/* ---- mremap's relocation (MREMAP_RELOCATE_ANON, mm/mremap.c) ---- */

/*
 * Contract in rmap.h. Linux's !vma_maybe_has_shared_anon_folios(): @v's
 * anon_vma is a root with no child anon_vmas (refcount counts its AVCs and
 * children), @v is in no other anon_vma, and every VMA in its tree is of
 * @v's mm (so no other process can map its pages).
 */
bool anon_vma_private_to_mm(struct vma *v)
{
	struct anon_vma *av = v->anon_vma;
	struct interval_tree_node *n;
	long avcs = 0;
	bool ok = true;

	if (!av || av->root != av || v->anon_vma_chain.next != v->anon_vma_chain.prev)
		return false;
	mutex_lock(&av->lock);
	for (n = interval_tree_iter_first(&av->rb_root, 0, ~0ul); n;
	     n = interval_tree_iter_next(n, 0, ~0ul)) {
		struct anon_vma_chain *avc = container_of(n, struct anon_vma_chain, rb);

		avcs++;
		if (avc->vma->mm != v->mm)
			ok = false;
	}
	if (__atomic_load_n(&av->refcount, __ATOMIC_RELAXED) != avcs)
		ok = false;		/* a child anon_vma (or a walker's reference) */
	mutex_unlock(&av->lock);
	return ok;
}

/* ---- pages ---- */

/* Returns @p's anon_vma, or NULL for a file, slab or unowned page. No locks. */
struct anon_vma *page_anon_vma(const struct page *p)
{
	unsigned long m = (unsigned long)p->mapping;

	return (m & PAGE_MAPPING_ANON) ? (struct anon_vma *)(m & ~PAGE_MAPPING_ANON) : NULL;
}

/*
 * Contract in rmap.h. The page goes under @v's own anon_vma, the newest of
 * its family: a page this process created is in no ancestor's VMA.
 * Caller holds the mmap lock and @p is not yet mapped; never sleeps.
 */
void page_set_anon_rmap(struct page *p, struct vma *v, unsigned long addr)
{
	p->mapping = (void *)((unsigned long)v->anon_vma | PAGE_MAPPING_ANON);
	p->index = linear_page_index(v, addr);
}

/* Contract in rmap.h. Caller holds the mmap lock and no PTE maps @p; never sleeps. */
void page_set_shared_anon_rmap(struct page *p, struct vma *v, unsigned long addr)
{
	p->mapping = (void *)((unsigned long)v->anon_vma->root | PAGE_MAPPING_ANON);
	p->index = linear_page_index(v, addr);
}

/* Does @v's page table map @p at the address where @p's index would be? */
static bool vma_maps_page(struct vma *v, struct page *p, unsigned long *addr)
{
	struct mmu_mapping m;

	if (p->index < v->pgoff || p->index > vma_last_pgoff(v))
		return false;
	*addr = v->start + ((p->index - v->pgoff) << PAGE_SHIFT);
	return arch_query(&v->mm->pgt, *addr, &m) == 0 && m.pa == page_to_phys(p);
}

/*
 * Contract in rmap.h. The walk holds the anon_vma root's mutex (may sleep)
 * or the inode's i_mmap_lock (irqs off: @fn must not sleep then) for its
 * whole length, so no VMA it finds can be freed under @fn. Caller holds a
 * reference on @p and no mmap lock it could need in @fn except by trylock
 * (reclaim's rule, mm/vmscan.c).
 */
unsigned long rmap_walk(struct page *p, rmap_fn fn, void *arg)
{
	struct anon_vma *av = page_test_flag(p, PG_anon) ? anon_vma_get_of_page(p) : NULL;
	unsigned long found = 0, before = interval_tree_visits;
	struct interval_tree_node *n;

	if (page_test_flag(p, PG_anon) && !av)
		return 0;			/* no PTE maps it: nothing to find */
	if (av) {
		/* Every tree of a family is under the root's one lock. */
		struct anon_vma *root = av->root;

		/*
		 * The reference keeps @av (and so its root) alive while we may
		 * sleep on the lock: its last VMA may go meanwhile.
		 */
		mutex_lock(&root->lock);
		if (page_anon_vma(p) != av) {
			/* mremap relocated it meanwhile (under the lock): walk its new family. */
			mutex_unlock(&root->lock);
			anon_vma_put(av);
			return rmap_walk(p, fn, arg);
		}
		for (n = interval_tree_iter_first(&av->rb_root, p->index, p->index); n;
		     n = interval_tree_iter_next(n, p->index, p->index)) {
			struct anon_vma_chain *avc = container_of(n, struct anon_vma_chain, rb);
			unsigned long addr;

			if (!vma_maps_page(avc->vma, p, &addr))
				continue;
			found++;
			if (!fn(p, avc->vma, addr, arg))
				break;
		}
		mutex_unlock(&root->lock);
		anon_vma_put(av);
	} else if (p->mapping) {
		/* LAB rmap BEGIN */
		/* Not tagged: a file page, mapping is its inode. */
		struct inode *inode = p->mapping;
		unsigned long irq = spin_lock_irqsave(&inode->i_mmap_lock);

		for (n = interval_tree_iter_first(&inode->i_mmap, p->index, p->index); n;
		     n = interval_tree_iter_next(n, p->index, p->index)) {
			struct vma *v = container_of(n, struct vma, shared_rb);
			unsigned long addr;

			if (!vma_maps_page(v, p, &addr))
				continue;
			found++;
			if (!fn(p, v, addr, arg))
				break;
		}
		spin_unlock_irqrestore(&inode->i_mmap_lock, irq);
		/* LAB rmap END */
	}
	__atomic_add_fetch(&rmap_walk_visits, interval_tree_visits - before, __ATOMIC_RELAXED);
	return found;
}

static bool unmap_one(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	/* LAB rmap BEGIN */
	if (unmap_page_at(v, addr, p, NULL))
		(*(int *)arg)++;
	/* LAB rmap END */
	return true;
}

/*
 * Remove every PTE mapping @p (for reclaim). Returns how many were removed.
 * Locks as rmap_walk, plus page-table locks; may sleep for anon pages.
 */
int try_to_unmap(struct page *p)
{
	int n = 0;

	rmap_walk(p, unmap_one, &n);
	return n;
}

struct referenced_ctx {
	int n;
	struct tlb_batch *tlb;
};

static bool referenced_one(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	/* LAB rmap BEGIN */
	struct referenced_ctx *c = arg;
	unsigned int old = c->tlb ? arch_clear_flags_batched(&v->mm->pgt, addr, MMU_ACCESSED, c->tlb)
				  : arch_clear_flags(&v->mm->pgt, addr, MMU_ACCESSED);

	if (old & MMU_ACCESSED)
		c->n++;
	/* LAB rmap END */
	return true;
}

/*
 * Count and clear the accessed bits of every PTE mapping @p: reclaim's
 * "was it used since I last looked?". With @b the flushes are left to
 * that batch (a stale entry only hides an access meanwhile); NULL flushes
 * each. Locks as rmap_walk; may sleep.
 */
int page_referenced(struct page *p, struct tlb_batch *b)
{
	struct referenced_ctx c = { 0, b };

	rmap_walk(p, referenced_one, &c);
	return c.n;
}

static bool mkclean_one(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	/* LAB rmap BEGIN */
	unsigned int old = arch_clear_flags(&v->mm->pgt, addr, MMU_WRITE | MMU_DIRTY);

	if (old & (MMU_WRITE | MMU_DIRTY))
		(*(int *)arg)++;
	/* LAB rmap END */
	return true;
}

/*
 * Write-protect and clean every PTE of @p, then clear PG_dirty, so the next
 * write faults and dirties the page again (before writeback). Returns the
 * number of PTEs that were writable or dirty. Locks as rmap_walk; may sleep.
 */
int page_mkclean(struct page *p)
{
	int n = 0;

	rmap_walk(p, mkclean_one, &n);
	page_clear_flag(p, PG_dirty);
	return n;
}
