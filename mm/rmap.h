/*
 * rmap.h - reverse mapping: from a physical page back to every (mm, address)
 * that maps it, the way Linux does it.
 *
 * File pages: each file (inode) keeps the VMAs that map it in an interval
 * tree keyed by file page offset (i_mmap): the VMAs mapping page i are
 * those whose [pgoff, pgoff + pages - 1] contains i.
 *
 * Anonymous pages: page->mapping points at an anon_vma (tagged with bit 0,
 * PAGE_MAPPING_ANON) and page->index is the page offset it was faulted at.
 * An anon_vma keeps, in an interval tree keyed the same way, one
 * anon_vma_chain (AVC) per VMA that may map its pages. fork makes the
 * child's VMA join every anon_vma of the parent's VMA (so COW-shared pages
 * are found in both) and gives the child its own anon_vma for new pages:
 *
 *   parent VMA --AVC--> anon_vma A (root) <--AVC-- child VMA
 *                           ^ parent          \--AVC--> anon_vma B (child's own)
 *
 * Splitting a VMA by mprotect clones its AVCs, so after 10 000 splits the
 * tree holds 10 000 small intervals and a lookup still costs O(log n + k).
 */
#ifndef MM_RMAP_H
#define MM_RMAP_H

#include "kernel/lib/interval_tree.h"
#include "kernel/lib/list.h"
#include "kernel/types.h"
#include "kernel/wait.h"

struct vma;
struct inode;
struct page;

#define PAGE_MAPPING_ANON	0x1ul

struct anon_vma {
	struct anon_vma *root;		/* the oldest ancestor: owns the lock */
	struct anon_vma *parent;	/* the anon_vma this one was forked from */
	int refcount;			/* AVCs pointing here + children */
	struct mutex lock;		/* (of the root) guards every tree of the family */
	struct interval_tree_root rb_root;	/* AVCs by [pgoff, last page] */
};

struct anon_vma_chain {
	struct vma *vma;
	struct anon_vma *anon_vma;
	struct list_head same_vma;	/* on vma->anon_vma_chain */
	struct interval_tree_node rb;	/* in anon_vma->rb_root */
};

/* Create the anon_vma and anon_vma_chain caches; once, from vm_init(). */
void rmap_init(void);

/* ---- VMA side (mm/mmap.c calls these under the mmap lock) ---- */
int anon_vma_prepare(struct vma *v);			/* before the first anon page */
int anon_vma_clone(struct vma *dst, struct vma *src);	/* split: same anon_vmas */
int anon_vma_fork(struct vma *dst, struct vma *src);	/* fork: + an own anon_vma */
void unlink_anon_vmas(struct vma *v);			/* VMA going away */
/* Around any change of v->start, v->end or v->pgoff: keep the trees exact. */
void vma_rmap_pre_update(struct vma *v);
void vma_rmap_post_update(struct vma *v);

/* mremap's grow in place: @v's end moves up to @end, its rmap intervals with it. */
void vma_rmap_grow_end(struct vma *v, unsigned long end);
void vma_link_file(struct vma *v);	/* put a file VMA in its inode's i_mmap */
void vma_unlink_file(struct vma *v);
/*
 * Unmap every page of @inode at offset >= @first_index from every mapping,
 * private copies (COW) included, as Linux's truncate does.
 */
void unmap_mapping_range(struct inode *inode, unsigned long first_index);
/*
 * Unmap @inode's pages at offsets in [@first_index, @end_index) from every
 * mapping; private COW copies only with @even_cows (fallocate's punch hole
 * leaves them, as Linux's). Takes i_mmap_lock; never sleeps.
 */
void unmap_mapping_pages(struct inode *inode, unsigned long first_index,
			 unsigned long end_index, bool even_cows);

/*
 * mremap RELOCATE_ANON: are @v's anonymous pages surely @v's mm's alone (no
 * fork relatives, parents or children)? Takes the root's mutex; may sleep.
 */
bool anon_vma_private_to_mm(struct vma *v);

/* ---- page side ---- */
struct anon_vma *page_anon_vma(const struct page *p);
/* Make @p an anonymous page of @v at @addr (mapping = anon_vma | 1, index). */
void page_set_anon_rmap(struct page *p, struct vma *v, unsigned long addr);
/*
 * The same for a page other processes of @v's fork family may map too (a
 * swap-cache page): file it under the family's root anon_vma, whose tree
 * holds every VMA forked from @v's ancestors, so rmap_walk finds them all
 * and the anon_vma lives as long as any of them (Linux: __folio_set_anon
 * with !exclusive).
 */
void page_set_shared_anon_rmap(struct page *p, struct vma *v, unsigned long addr);

/*
 * Call @fn for every (vma, address) whose page table maps @p right now;
 * stop early when it returns false. Returns the number of mappings visited.
 */
typedef bool (*rmap_fn)(struct page *p, struct vma *v, unsigned long addr, void *arg);
unsigned long rmap_walk(struct page *p, rmap_fn fn, void *arg);
/* Interval-tree nodes examined by rmap walks (a statistic for tests). */
extern unsigned long rmap_walk_visits;

/* Built on rmap_walk. */
int try_to_unmap(struct page *p);	/* unmap from everyone; mappings removed */
struct tlb_batch;
/* Accessed bits found (and cleared); flushes left to @b unless NULL. */
int page_referenced(struct page *p, struct tlb_batch *b);
int page_mkclean(struct page *p);	/* write-protect + clean; mappings cleaned */

#endif
