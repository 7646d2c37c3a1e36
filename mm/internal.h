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
/*
 * Public halves: mm/filemap.h, mm/shmem.h, mm/page_tree.h. Lock order:
 * inode->lock -> inode->pages_lock -> shmem_swaplist_lock -> swap_map_lock.
 */
struct inode;

/* filemap.c: insert into a hole (pages_lock held) / drop [first, end) (takes pages_lock). */
int filemap_add_page_locked(struct inode *inode, struct page *p, unsigned long index);
unsigned long filemap_remove_range(struct inode *inode, unsigned long first, unsigned long end);

/*
 * shmem.c, for reclaim (vmscan.c): shmem_writeout_begin() pins the inode
 * of a page seen in a file, shmem_writeout() writes the unmapped page to
 * swap (0, -EBUSY, -ENOSPC, -EIO), shmem_writeout_end() lets go. For
 * swapoff: shmem_unuse() reads every swapped shmem page back (0 or -errno).
 */
void shmem_writeout_begin(struct inode *inode);
int shmem_writeout(struct page *p);
void shmem_writeout_end(struct inode *inode);
int shmem_unuse(void);

/*
 * swap_state.c: the swap cache, under swap_map_lock (defined in
 * swapfile.c with the slot counts it also guards).
 */
extern spinlock_t swap_map_lock;
struct page *swap_cache_read_page(unsigned long slot);	/* referenced page or ERR_PTR; sleeps */
bool swap_cache_drop(struct page *p);			/* reclaim: true when dropped */
struct page *swap_cache_del_locked(unsigned long slot);	/* swap_free; then _release() */
void swap_cache_release(struct page *p);
void swap_cache_clear_locked(void);			/* swapoff, all slots free */

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
