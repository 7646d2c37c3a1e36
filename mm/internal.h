/*
 * mm/internal.h - what the files of mm/ share with each other and nothing
 * outside mm/ needs. The public interface of user memory is mm/vm.h; this
 * header is included only by the .c files of mm/ and by mm/tests/.
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include "mm/vm.h"

struct page;

/* --- VMAs and the mapping system calls (vma.c, mmap.c, mprotect.c, mlock.c, madvise.c) --- */

/* --- The page cache, shmem and the swap cache (filemap.c, shmem.c, swap_state.c) --- */

/* --- Faults, zapping and copying page tables (memory.c, pagewalk.c, gup.c) --- */

/*
 * One fault being resolved (Linux's struct vm_fault): what the generic
 * path (memory.c) hands a VMA's vm_operations.fault, and what it gets back.
 */
struct vm_fault {
	struct vma *vma;
	unsigned long address;		/* the faulting page (aligned) */
	unsigned long pgoff;		/* linear_page_index(vma, address) */
	unsigned int flags;		/* FAULT_WRITE, FAULT_EXEC */
	struct pte_cursor pte;		/* the PTE of address; unlocked while ->fault runs */
	struct page *page;		/* out: what to map (a reference, or the zero page) */
	bool writable;			/* out: map it writable */
};

/* The shared zero page? (never counted, never freed) */
static inline bool is_zero_page(const struct page *p)
{
	return p == zero_page;
}

/*
 * Give a VMA made by mmap its vm_operations: shmem's for a file (every
 * mappable file is tmpfs-backed), anonymous memory's otherwise. Called by
 * vm_mmap_region() before the VMA is inserted (memory.c).
 */
void vma_set_vm_ops(struct vma *v);
/*
 * The fault handler itself, for callers that hold @mm's mmap lock and do
 * their own accounting (GUP). Returns as vm_fault(); may sleep.
 */
enum vm_fault_result handle_mm_fault(struct mm *mm, unsigned long addr, unsigned int flags);
/*
 * GUP_FORCE (memory.c): give @addr of the private VMA @v a page of its own
 * without making it writable (Linux's FAULT_FLAG_UNSHARE): copies a shared
 * or zero page, leaves an exclusive anonymous page alone. mmap lock held;
 * may sleep. VM_FAULT_OK or VM_FAULT_OOM.
 */
enum vm_fault_result fault_unshare(struct mm *mm, struct vma *v, unsigned long addr);
/*
 * Does @v allow an access of FAULT_* @flags at all? (x86: write and exec
 * imply read; a PROT_NONE VMA allows nothing.) Pure.
 */
bool vma_access_permitted(const struct vma *v, unsigned int flags);
/* Only this PTE maps @p and nobody pinned it: a write may reuse it in place. */
bool page_exclusive_anon(struct page *p);
/* MMU flags of a PTE in @v; @writable says whether this PTE may be written. */
unsigned int vma_pte_flags(const struct vma *v, bool writable);
/*
 * A PTE of @mm now maps / stopped mapping @p: count it (mapcount, meminfo,
 * RSS). page_add_map takes over the caller's reference; page_remove_map
 * drops the PTE's (which may free @p). No lock needed; callable under the
 * page-table lock.
 */
void page_add_map(struct mm *mm, struct page *p);
void page_remove_map(struct mm *mm, struct page *p);
/* Add @d to @mm's counter @c (RSS kinds, swap entries); atomic. */
static inline void add_mm_counter(struct mm *mm, enum mm_counter c, long d)
{
	__atomic_add_fetch(&mm->rss[c], d, __ATOMIC_RELAXED);
}

/*
 * Range operations on a VMA's page tables through cursors (pagewalk.c).
 * All need the mmap lock of the mm(s) held; none sleeps except
 * pageout_range (swap writes).
 *
 * zap_vma_range: drop every page and swap entry mapped in [start, end) of
 * @v; @unmap clears the PTEs too (not needed at exit, where the tables go).
 */
void zap_vma_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end,
		   bool unmap);
/* fork: map @v's pages into @dst as in @src, private ones COW. 0 or -ENOMEM. */
int copy_vma_pages(struct mm *dst, struct mm *src, struct vma *v);
/* mprotect: recompute the PTE flags of every page of @v from v->flags. */
void change_vma_protection(struct mm *mm, struct vma *v);
/* MADV_PAGEOUT: pages swapped out, or -ENOSPC / -EIO when none could be. */
long pageout_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end);
/* MADV_COLD: deactivate the pages only this mapping maps. */
void cold_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end);
/*
 * Truncate and punch hole (rmap.c's unmap_mapping_pages): drop this VMA's
 * PTEs of file offsets in [@first_index, @end_index); private (COW) copies
 * too only with @even_cows. Caller holds the inode's i_mmap_lock.
 */
void zap_file_pages_range(struct vma *v, unsigned long first_index, unsigned long end_index,
			  bool even_cows);
/* rmap: remove the PTE mapping @p at @addr of @v; a dirty PTE dirties @p. */
void unmap_page_at(struct vma *v, unsigned long addr, struct page *p);
/* Reclaim: replace the PTE mapping @p at @addr of @v by swap entry @slot. */
void unmap_page_to_swap(struct vma *v, unsigned long addr, struct page *p, unsigned long slot);


#endif
