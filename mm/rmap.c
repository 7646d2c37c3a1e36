/*
 * rmap.c - reverse mapping (see mm/rmap.h): anon_vmas and their chains,
 * the files' i_mmap trees, rmap_walk and what is built on it.
 *
 * Locking: the VMA-side functions run under the mmap lock of the VMA's mm
 * and take the anon_vma root's mutex (or the inode's i_mmap_lock) while
 * they change a tree; rmap_walk takes the same lock while it walks.
 * Reclaim (mm/vmscan.c) walks with no mmap lock and only trylocks the
 * mappers' mmap locks from inside the walk:
 *
 *   mmap lock
 *     anon_vma root lock / i_mmap_lock
 *       lru_lock, swap map_lock, zone_lock
 *         (alloc_pages may wake kswapd: a waitqueue lock, the run queue)
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

static struct kmem_cache *anon_vma_cache, *avc_cache;
unsigned long rmap_walk_visits;

static bool rmap_caches_ready(void)
{
	if (!anon_vma_cache) {
		anon_vma_cache = kmem_cache_create("anon_vma", sizeof(struct anon_vma), 8);
		avc_cache = kmem_cache_create("anon_vma_chain", sizeof(struct anon_vma_chain), 8);
	}
	return anon_vma_cache && avc_cache;
}

/* ---- anon_vma objects ---- */

static struct anon_vma *anon_vma_alloc(struct anon_vma *parent)
{
	struct anon_vma *av = kmem_cache_alloc(anon_vma_cache, 0);

	if (!av)
		return NULL;
	memset(av, 0, sizeof(*av));
	av->root = parent ? parent->root : av;
	av->parent = parent;
	av->refcount = 1;		/* the caller's */
	mutex_init(&av->lock);
	if (parent) {
		__atomic_add_fetch(&parent->refcount, 1, __ATOMIC_RELAXED);
		if (av->root != parent)
			__atomic_add_fetch(&av->root->refcount, 1, __ATOMIC_RELAXED);
	}
	return av;
}

static void anon_vma_put(struct anon_vma *av)
{
	while (av && !__atomic_sub_fetch(&av->refcount, 1, __ATOMIC_ACQ_REL)) {
		struct anon_vma *parent = av->parent, *root = av->root;

		if (root != av && root != parent)
			anon_vma_put(root);
		kmem_cache_free(anon_vma_cache, av);
		av = parent;
	}
}

/* Link @v into @av's tree through a new chain. Caller holds the root lock. */
static int avc_link(struct vma *v, struct anon_vma *av)
{
	struct anon_vma_chain *avc = kmem_cache_alloc(avc_cache, 0);

	if (!avc)
		return -ENOMEM;
	avc->vma = v;
	avc->anon_vma = av;
	avc->rb.start = v->pgoff;
	avc->rb.last = vma_last_pgoff(v);
	list_add_tail(&avc->same_vma, &v->anon_vma_chain);
	interval_tree_insert(&avc->rb, &av->rb_root);
	__atomic_add_fetch(&av->refcount, 1, __ATOMIC_RELAXED);
	return 0;
}

int anon_vma_prepare(struct vma *v)
{
	struct anon_vma *av;
	int err;

	if (v->anon_vma)
		return 0;
	if (!rmap_caches_ready())
		return -ENOMEM;
	av = anon_vma_alloc(NULL);
	if (!av)
		return -ENOMEM;
	mutex_lock(&av->lock);
	err = avc_link(v, av);
	mutex_unlock(&av->lock);
	if (!err)
		v->anon_vma = av;
	anon_vma_put(av);		/* the chain holds it now (or nobody) */
	return err;
}

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

int anon_vma_fork(struct vma *dst, struct vma *src)
{
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
}

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

/* ---- keeping interval keys exact when a VMA moves its bounds ---- */

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

/* ---- files ---- */

void vma_link_file(struct vma *v)
{
	struct inode *inode = v->file->inode;
	unsigned long irq = spin_lock_irqsave(&inode->i_mmap_lock);

	v->shared_rb.start = v->pgoff;
	v->shared_rb.last = vma_last_pgoff(v);
	interval_tree_insert(&v->shared_rb, &inode->i_mmap);
	spin_unlock_irqrestore(&inode->i_mmap_lock, irq);
}

void vma_unlink_file(struct vma *v)
{
	struct inode *inode = v->file->inode;
	unsigned long irq = spin_lock_irqsave(&inode->i_mmap_lock);

	interval_tree_remove(&v->shared_rb, &inode->i_mmap);
	spin_unlock_irqrestore(&inode->i_mmap_lock, irq);
}

void unmap_mapping_range(struct inode *inode, unsigned long first_index)
{
	unmap_mapping_pages(inode, first_index, ULONG_MAX, /* even_cows= */true);
}

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

/* ---- pages ---- */

struct anon_vma *page_anon_vma(const struct page *p)
{
	unsigned long m = (unsigned long)p->mapping;

	return (m & PAGE_MAPPING_ANON) ? (struct anon_vma *)(m & ~PAGE_MAPPING_ANON) : NULL;
}

void page_set_anon_rmap(struct page *p, struct vma *v, unsigned long addr)
{
	p->mapping = (void *)((unsigned long)v->anon_vma | PAGE_MAPPING_ANON);
	p->index = linear_page_index(v, addr);
}

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

unsigned long rmap_walk(struct page *p, rmap_fn fn, void *arg)
{
	struct anon_vma *av = page_anon_vma(p);
	unsigned long found = 0, before = interval_tree_visits;
	struct interval_tree_node *n;

	if (av) {
		struct anon_vma *root = av->root;

		mutex_lock(&root->lock);
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
	} else if (p->mapping) {
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
	}
	__atomic_add_fetch(&rmap_walk_visits, interval_tree_visits - before, __ATOMIC_RELAXED);
	return found;
}

static bool unmap_one(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	(*(int *)arg)++;
	unmap_page_at(v, addr, p);
	return true;
}

int try_to_unmap(struct page *p)
{
	int n = 0;

	rmap_walk(p, unmap_one, &n);
	return n;
}

static bool referenced_one(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	if (arch_clear_flags(&v->mm->pgt, addr, MMU_ACCESSED) & MMU_ACCESSED)
		(*(int *)arg)++;
	return true;
}

int page_referenced(struct page *p)
{
	int n = 0;

	rmap_walk(p, referenced_one, &n);
	return n;
}

static bool mkclean_one(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	unsigned int old = arch_clear_flags(&v->mm->pgt, addr, MMU_WRITE | MMU_DIRTY);

	if (old & (MMU_WRITE | MMU_DIRTY))
		(*(int *)arg)++;
	return true;
}

int page_mkclean(struct page *p)
{
	int n = 0;

	rmap_walk(p, mkclean_one, &n);
	page_clear_flag(p, PG_dirty);
	return n;
}
