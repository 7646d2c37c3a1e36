/*
 * madvise.c - madvise(2): advice about how a range will be used
 * (Linux's mm/madvise.c).
 *
 * Advice comes in three kinds, and each VMA of the range is advised on its
 * own (madvise_vma()), so a range may span several VMAs:
 *
 *   drop or reclaim pages   MADV_DONTNEED (zap: anonymous memory refaults
 *                           as zeros, file memory from the file),
 *                           MADV_FREE (as DONTNEED here), MADV_COLD (to the
 *                           inactive LRU), MADV_PAGEOUT (to swap now)
 *   change VMA flags        MADV_DONTFORK/DOFORK (VM_DONTCOPY),
 *                           MADV_DONTDUMP/DODUMP (VM_DONTDUMP)
 *   hints                   NORMAL, RANDOM, SEQUENTIAL, WILLNEED, HUGEPAGE,
 *                           NOHUGEPAGE: accepted, nothing to do
 *
 * A hole in the range gives ENOMEM after the rest has been advised, as on
 * Linux; unknown advice gives EINVAL. MADV_POPULATE_READ/WRITE belong here
 * too (issue on MADV_POPULATE), on get_user_pages (gup.c).
 */
#include "mm/internal.h"
#include "kernel/errno.h"
#include "kernel/syscall.h"
#include "kernel/task.h"

/* Advice values Linux knows that Pagoda accepts (acting on some of them). */
static bool madvise_known(long advice)
{
	switch (advice) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_DONTNEED: case MADV_FREE: case MADV_DONTFORK: case MADV_DOFORK:
	case MADV_HUGEPAGE: case MADV_NOHUGEPAGE: case MADV_DONTDUMP: case MADV_DODUMP:
	case MADV_COLD: case MADV_PAGEOUT:
		return true;
	default:
		return false;
	}
}

/* Apply @advice to [a, e) of @v (mmap lock held): 0 or -errno. */
static long madvise_vma(struct mm *mm, struct vma *v, unsigned long a, unsigned long e,
			long advice)
{
	unsigned long bit;
	bool set;

	switch (advice) {
	case MADV_DONTNEED: case MADV_FREE: case MADV_COLD: case MADV_PAGEOUT:
		/* Locked memory cannot be dropped or reclaimed: EINVAL, as Linux. */
		if (v->flags & VM_LOCKED)
			return -EINVAL;
		if (advice == MADV_COLD)
			cold_range(mm, v, a, e);	/* oldest on the LRU */
		else if (advice == MADV_PAGEOUT)
			pageout_range(mm, v, a, e);	/* to swap now (if on) */
		else	/* anonymous private: refault as zeros; file: from the file */
			zap_vma_range(mm, v, a, e, ZAP_CLEAR);
		return 0;
	case MADV_DONTFORK: case MADV_DOFORK: case MADV_DONTDUMP: case MADV_DODUMP:
		bit = advice == MADV_DONTFORK || advice == MADV_DOFORK ? VM_DONTCOPY : VM_DONTDUMP;
		set = advice == MADV_DONTFORK || advice == MADV_DONTDUMP;
		v = vma_change_flags(mm, v, a, e, set ? v->flags | bit : v->flags & ~bit);
		return IS_ERR(v) ? PTR_ERR(v) : 0;
	default:
		return 0;		/* hints Pagoda does not act on */
	}
}

static long sys_madvise(unsigned long start, unsigned long len, long advice)
{
	struct mm *mm = current()->mm;
	unsigned long end;
	long ret = 0, err;

	if ((start & ~PAGE_MASK) || !madvise_known(advice))
		return -EINVAL;
	end = start + ALIGN_UP(len, PAGE_SIZE);
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	mmap_lock(mm);
	for (unsigned long a = start; a < end; ) {
		struct vma *v = vma_lookup(&mm->vmas, a);
		unsigned long e;

		if (!v) {
			struct vma *n = vma_find(&mm->vmas, a);

			ret = -ENOMEM;		/* a hole: the rest is still advised */
			if (!n || n->start >= end)
				break;
			a = n->start;
			continue;
		}
		e = MIN(end, v->end);
		err = madvise_vma(mm, v, a, e, advice);
		if (err) {
			ret = err;
			break;
		}
		a = e;
	}
	mmap_unlock(mm);
	return ret;
}
SYSCALL(__NR_madvise, sys_madvise);
