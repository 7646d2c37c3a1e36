/*
 * mm/filemap.c - the page cache: the pages of a file, found by page index.
 *
 * Each regular file of tmpfs (and so every shmem object: shared anonymous
 * memory, memfds) keeps its data in whole pages indexed by file offset >>
 * PAGE_SHIFT in a radix tree, inode->pages (mm/page_tree.c draws it):
 *
 *   file offset:  0          4096        8192        12288
 *                 [ page 0  ][  hole    ][ page 2  ][..size
 *   inode->pages: tree[0]    NULL        tree[2]
 *
 * Those pages *are* the file: read(2) and write(2) copy through them
 * (kernel/fs/tmpfs.c) and mmap maps them directly (mm/memory.c), so every
 * reader, writer and mapper sees the same bytes. A cached page holds one
 * reference for the tree, and p->mapping/p->index name its place, which
 * rmap (mm/rmap.c) and reclaim (mm/vmscan.c) follow back to the file.
 *
 * Locking: inode->pages_lock (a spinlock, IRQs off) guards the tree, the
 * size and the counters nr_pages and swapped. The fault path takes only
 * pages_lock, never inode->lock (a read(2) into a mapping of the same file
 * would deadlock), so everything a fault may look at changes under
 * pages_lock (its place in the lock order: docs/locking.md).
 *
 * This file is the file-system-neutral part: lookup, insertion and
 * removal, and mapping cached pages at fault-around (filemap_map_pages).
 * What is special to shmem - allocating pages for holes, pages
 * going out to swap and coming back, accounting - is in mm/shmem.c; the
 * swap cache is in mm/swap_state.c.
 */
#include "kernel/errno.h"
#include "mm/filemap.h"
#include "mm/debug_alloc.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "mm/vmstat.h"

/*
 * debug_alloc=1: @p was found at @index of @inode's tree, so it must say
 * so itself (filemap.h).
 */
void debug_check_cached(const struct inode *inode, unsigned long index, const struct page *p)
{
	if (debug_alloc_on() && p && (p->mapping != inode || p->index != index ||
				      page_test_flag(p, PG_anon)))
		panic("BUG: page cache of inode %p holds pfn %#lx at %#lx, but the page says "
		      "mapping %p index %#lx flags %#lx count %d",
		      (void *)inode, (unsigned long)page_to_pfn((struct page *)p), index, p->mapping,
		      p->index, (unsigned long)p->flags, page_count((struct page *)p));
}

/*
 * The cached page at @index with a reference, or NULL (hole or swapped
 * out): no allocation, no I/O. Takes pages_lock; never sleeps.
 */
struct page *filemap_get_page(struct inode *inode, unsigned long index)
{
	/* LAB filemap BEGIN */
	/* LAB filemap STUB: return NULL; */
	unsigned long irq = spin_lock_irqsave(&inode->pages_lock);
	struct page *p = page_tree_lookup(&inode->pages, index);

	debug_check_cached(inode, index, p);
	if (p)
		get_page(p);
	spin_unlock_irqrestore(&inode->pages_lock, irq);
	return p;
	/* LAB filemap END */
}

/*
 * Insert @p at @index of @inode, where the tree holds nothing: the tree
 * takes over the caller's reference on @p, and p->mapping and p->index
 * name its place. Returns 0 or -ENOMEM (a tree node could not be
 * allocated; @p is untouched). Caller holds inode->pages_lock; never
 * sleeps.
 */
int filemap_add_page_locked(struct inode *inode, struct page *p, unsigned long index)
{
	int err = page_tree_insert(&inode->pages, index, p);

	if (err)
		return err;
	p->mapping = inode;
	p->index = index;
	inode->nr_pages++;
	return 0;
}

/*
 * Drop the pages and swap entries at indices [@first, @end) of @inode:
 * each page loses its mapping and the tree's reference (a page a mapper
 * or reader still holds lives on until it lets go), each swap entry its
 * slot. Returns the number of pages dropped (swap entries not counted).
 * Takes inode->pages_lock; never sleeps. Mappers must be gone first
 * (unmap_mapping_range/_pages) or unable to fault these pages back in.
 */
unsigned long filemap_remove_range(struct inode *inode, unsigned long first, unsigned long end)
{
	unsigned long irq = spin_lock_irqsave(&inode->pages_lock);
	unsigned long swapped, freed = page_tree_punch(&inode->pages, first, end, &swapped);

	inode->nr_pages -= freed + swapped;
	inode->swapped -= swapped;
	spin_unlock_irqrestore(&inode->pages_lock, irq);
	return freed;
}

/* Set the size under pages_lock. Caller holds inode->lock; never sleeps. */
void i_size_write(struct inode *inode, loff_t size)
{
	unsigned long irq = spin_lock_irqsave(&inode->pages_lock);

	inode->size = size;
	spin_unlock_irqrestore(&inode->pages_lock, irq);
}

/* ---- mapping cached pages: fault-around ---- */

/*
 * vm_operations.map_pages of file VMAs (Linux's filemap_map_pages): map
 * the pages of [start, end) that are in the page cache below EOF, read-only,
 * into the slots still empty. It never reads swap or allocates a page: a
 * page not cached stays for its own fault. The whole window is done under
 * two locks taken once - pages_lock, then the page-table lock inside it,
 * as the lock order allows (docs/locking.md) - so the tree, the size and the
 * slots cannot change while it looks.
 */
void filemap_map_pages(struct vm_fault *vmf, unsigned long start, unsigned long end)
{
	/* LAB filemap BEGIN */
	struct vma *v = vmf->vma;
	struct inode *inode = v->file->inode;
	unsigned long irq = spin_lock_irqsave(&inode->pages_lock);

	pte_cursor_relock(&vmf->pte);
	for (unsigned long a = start; a < end; a += PAGE_SIZE) {
		unsigned long idx = linear_page_index(v, a);
		struct pte_val pv;
		struct page *p;

		/* Only below EOF: beyond it the access must raise SIGBUS. */
		if ((loff_t)(idx << PAGE_SHIFT) >= inode->size)
			break;
		p = page_tree_lookup(&inode->pages, idx);
		debug_check_cached(inode, idx, p);
		if (a == vmf->address || !p || !pte_cursor_move(&vmf->pte, a) ||
		    pte_cursor_get(&vmf->pte, &pv) != PTE_KIND_NONE)
			continue;
		get_page(p);			/* the PTE's reference */
		if (install_page(&vmf->pte, v, p, /* writable= */false))
			put_page(p);		/* the cache still holds one: not freed */
		else
			count_vm_event(FAULT_AROUND);
	}
	pte_cursor_unlock(&vmf->pte);
	spin_unlock_irqrestore(&inode->pages_lock, irq);
	/* LAB filemap END */
}
