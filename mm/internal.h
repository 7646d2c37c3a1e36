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

/* --- Faults, zapping and copying page tables (memory.c, gup.c) --- */
void zap_vma_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end,
		   bool unmap);
int copy_vma_pages(struct mm *dst, struct mm *src, struct vma *v);
void change_vma_protection(struct mm *mm, struct vma *v);
long pageout_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end);
/* MADV_COLD: deactivate the pages only this mapping maps (memory.c). */
void cold_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end);
/*
 * Truncate and punch hole (rmap.c's unmap_mapping_pages): drop this VMA's
 * PTEs of file offsets in [@first_index, @end_index); private (COW) copies
 * too only with @even_cows. Caller holds the inode's i_mmap_lock.
 */
void zap_file_pages_range(struct vma *v, unsigned long first_index, unsigned long end_index,
			  bool even_cows);
void unmap_page_at(struct vma *v, unsigned long addr, struct page *p);
void unmap_page_to_swap(struct vma *v, unsigned long addr, struct page *p, unsigned long slot);


#endif
