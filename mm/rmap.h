/*
 * rmap.h - from a page or a file back to the VMAs that map it.
 *
 * For now only files keep their mappers: every VMA of a file is on the
 * inode's i_mmap list, which truncate walks to unmap the cut-off pages from
 * every process. (The rmap issue turns this list into an interval tree and
 * adds anon_vma chains for anonymous pages.)
 */
#ifndef MM_RMAP_H
#define MM_RMAP_H

#include "kernel/types.h"

struct vma;
struct inode;

void vma_link_file(struct vma *v);	/* put a file VMA on its inode's list */
void vma_unlink_file(struct vma *v);
/*
 * Unmap every page of @inode at offset >= @first_index from every mapping,
 * private copies (COW) included, as Linux's truncate does.
 */
void unmap_mapping_range(struct inode *inode, unsigned long first_index);

#endif
