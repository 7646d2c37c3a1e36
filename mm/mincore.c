/*
 * mincore.c - mincore(2): which pages of a range are resident
 * (Linux's mm/mincore.c).
 *
 * One byte per page, bit 0 set when the page is in memory: mapped in the
 * page tables, or (for a file mapping) present in the file's page cache
 * even if this process has not faulted it in. Swapped-out anonymous pages
 * are not resident. The answer is built in batches of 64 pages under the
 * mmap lock and copied out without it, since copying out may fault.
 */
#include "mm/internal.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/filemap.h"
#include "mm/page_alloc.h"
#include "mm/usercopy.h"
#include <arch/pgtable.h>

static long sys_mincore(unsigned long start, unsigned long len, unsigned char __user *vec)
{
	struct mm *mm = current()->mm;
	unsigned long end, pages;
	unsigned char buf[64];
	long ret = 0;

	if (start & ~PAGE_MASK)
		return -EINVAL;
	end = start + ALIGN_UP(len, PAGE_SIZE);
	if (end < start || end > USER_END)
		return -ENOMEM;
	pages = (end - start) >> PAGE_SHIFT;
	if (!access_ok(vec, pages))
		return -EFAULT;
	for (unsigned long done = 0; done < pages && !ret; ) {
		unsigned long n = MIN(pages - done, sizeof(buf));

		mmap_read_lock(mm);
		for (unsigned long i = 0; i < n; i++) {
			unsigned long a = start + (done + i) * PAGE_SIZE;
			struct vma *v = vma_lookup(&mm->vmas, a);
			struct mmu_mapping m;

			if (!v) {
				ret = -ENOMEM;
				break;
			}
			buf[i] = arch_query(&mm->pgt, a, &m) == 0;
			/* LAB filemap BEGIN */
			if (!buf[i] && v->file) {
				/* File pages count when they are in the page cache. */
				struct page *p = filemap_get_page(v->file->inode,
								  linear_page_index(v, a));

				buf[i] = p != NULL;
				if (p)
					put_page(p);
			}
			/* LAB filemap END */
		}
		mmap_read_unlock(mm);
		if (!ret && copy_to_user(vec + done, buf, n))
			ret = -EFAULT;
		done += n;
	}
	return ret;
}
SYSCALL(__NR_mincore, sys_mincore);
