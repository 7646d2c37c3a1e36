/*
 * msync.c - msync(2): flush a file mapping back to its file
 * (Linux's mm/msync.c).
 *
 * Every mappable file in Pagoda is a tmpfs file, whose page cache *is* the
 * file: there is nothing to write back, so msync only checks its
 * arguments and the range as Linux does (EINVAL for bad flags or an
 * unaligned start, ENOMEM for a hole, EBUSY for MS_INVALIDATE on locked
 * memory).
 */
#include "mm/internal.h"
#include "kernel/errno.h"
#include "kernel/syscall.h"
#include "kernel/task.h"

static long sys_msync(unsigned long start, unsigned long len, unsigned long flags)
{
	struct mm *mm = current()->mm;
	unsigned long end;
	long ret = 0;

	if (flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE))
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	end = start + ALIGN_UP(len, PAGE_SIZE);
	if (end < start)
		return -ENOMEM;
	mmap_read_lock(mm);
	for (unsigned long a = start; a < end; ) {
		struct vma *v = vma_lookup(&mm->vmas, a);

		if (!v) {
			ret = -ENOMEM;
			break;
		}
		if ((flags & MS_INVALIDATE) && (v->flags & VM_LOCKED)) {
			ret = -EBUSY;
			break;
		}
		/* tmpfs: the page cache is the file; there is nothing to write back. */
		a = v->end;
	}
	mmap_read_unlock(mm);
	return ret;
}
SYSCALL(__NR_msync, sys_msync);
