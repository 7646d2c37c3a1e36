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
 *   prefault               MADV_POPULATE_READ/WRITE (madvise_populate())
 *
 * A hole in the range gives ENOMEM after the rest has been advised, as on
 * Linux; unknown advice gives EINVAL.
 *
 * The mmap lock is taken as Linux's madvise_need_mmap_write() says: for
 * reading by the advice that only looks at, drops or reclaims pages
 * (DONTNEED, FREE, COLD, PAGEOUT, WILLNEED, POPULATE_*), which then runs
 * next to the faults of the mm's other tasks (page-table locks and the
 * fault path's re-checks keep that straight: memory.c), for writing by
 * the rest, which may split VMAs or change their flags.
 *
 * Sealed VMAs (mm/mseal.c): advice that would discard the contents of a
 * sealed private anonymous VMA without write permission (DONTNEED, FREE,
 * DONTFORK here) gets EPERM. Linux 6.12 finds such a VMA during its walk,
 * after advising the VMAs before it; Pagoda looks first
 * (madvise_hits_seal()) and refuses the whole call, changing nothing. The
 * look stops where Linux's walk would have failed otherwise (a locked VMA
 * for the advice that drops pages), so the errno is Linux's.
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
	/* LAB populate BEGIN */
	case MADV_POPULATE_READ: case MADV_POPULATE_WRITE:
		return true;
	/* LAB populate END */
	default:
		return false;
	}
}

/* Does @advice need the mmap lock for writing? (Linux's madvise_need_mmap_write.) */
static bool madvise_need_mmap_write(long advice)
{
	switch (advice) {
	case MADV_WILLNEED: case MADV_DONTNEED: case MADV_FREE: case MADV_COLD:
	case MADV_PAGEOUT: case MADV_POPULATE_READ: case MADV_POPULATE_WRITE:
		return false;
	default:
		return true;
	}
}

/* Locked memory cannot be dropped or reclaimed: EINVAL, as Linux. */
static bool madvise_locked_refused(const struct vma *v, long advice)
{
	switch (advice) {
	case MADV_DONTNEED: case MADV_FREE: case MADV_COLD: case MADV_PAGEOUT:
		return v->flags & VM_LOCKED;
	default:
		return false;
	}
}

/*
 * Would the walk of sys_madvise() over [start, end) reach a sealed VMA
 * that refuses @advice (vma_madvise_sealed()) before a VMA that fails it
 * with EINVAL? Holes do not stop the walk: Linux advises past them. mmap
 * lock held.
 */
static bool madvise_hits_seal(struct mm *mm, unsigned long start, unsigned long end,
			      long advice)
{
	struct vma *v;

	for (v = vma_find(&mm->vmas, start); v && v->start < end; v = vma_next(v)) {
		if (vma_madvise_sealed(v, advice))
			return true;
		if (madvise_locked_refused(v, advice))
			return false;
	}
	return false;
}

/*
 * Apply @advice to [a, e) of @v: 0 or -errno. mmap lock held as
 * madvise_need_mmap_write() says.
 */
static long madvise_vma(struct mm *mm, struct vma *v, unsigned long a, unsigned long e,
			long advice)
{
	unsigned long bit;
	bool set;

	if (madvise_locked_refused(v, advice))
		return -EINVAL;
	switch (advice) {
	case MADV_DONTNEED: case MADV_FREE: case MADV_COLD: case MADV_PAGEOUT:
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

/*
 * MADV_POPULATE_READ/WRITE (Linux's madvise_populate): prefault [start,
 * end) readable, or writable (breaking COW, allocating file holes), VMA
 * by VMA through the populate loop that MAP_POPULATE and mlock use
 * (populate_vma_range). Unlike theirs, failures are reported, and the
 * range is done in order up to the first one:
 *
 *   a hole ............................... ENOMEM (what precedes is done)
 *   a VMA without read (READ) or write
 *   (WRITE) permission, PROT_NONE, VM_IO,
 *   VM_PFNMAP, secretmem ................. EINVAL (Linux's check_vma_flags)
 *   an access that would raise SIGBUS
 *   or SIGSEGV (beyond EOF) .............. EFAULT
 *   a page lost to a swap-in error ....... EHWPOISON (left as it is)
 *   out of memory ........................ ENOMEM
 *   a fatal signal ....................... EINTR
 *
 * Locking (as Linux's): the mmap lock is held for reading (sys_madvise
 * takes it) except while a fault would sleep for long: a page on swap is
 * read in with the lock dropped, and when memory runs out it is dropped to
 * reclaim (populate_vma_range, populate_reclaim). Once it is retaken,
 * nothing learnt before holds: the VMA at the current address is looked
 * up and checked again, and the populate goes on from there - a VMA
 * unmapped or mprotect()ed meanwhile gives the error it would have given
 * at the start.
 */
static long madvise_populate(struct mm *mm, unsigned long start, unsigned long end, bool write)
{
	/* LAB populate BEGIN */
	/* LAB populate STUB: return -EINVAL; */
	const unsigned long need = write ? VM_WRITE : VM_READ;
	struct populate_state ps = { .addr = start, .dropped_at = -1ul };

	while (ps.addr < end) {
		struct vma *v = vma_lookup(&mm->vmas, ps.addr);
		int err;

		if (!v)
			return -ENOMEM;
		if (!(v->flags & need) || (v->flags & (VM_IO | VM_PFNMAP)) || vma_is_secretmem(v))
			return -EINVAL;
		err = populate_vma_range(mm, v, MIN(end, v->end), write, &ps);
		if (err == -EAGAIN || (err == -ENOMEM && populate_reclaim(mm, &ps)))
			continue;		/* the lock was dropped: look again */
		if (err)
			return err;
	}
	return 0;
	/* LAB populate END */
}

static long sys_madvise(unsigned long start, unsigned long len, long advice)
{
	struct mm *mm = current()->mm;
	bool write = madvise_need_mmap_write(advice);
	unsigned long end;
	long ret = 0, err;

	if ((start & ~PAGE_MASK) || !madvise_known(advice))
		return -EINVAL;
	end = start + ALIGN_UP(len, PAGE_SIZE);
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	if (write)
		mmap_write_lock(mm);
	else
		mmap_read_lock(mm);
	if (advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE) {
		ret = madvise_populate(mm, start, end, advice == MADV_POPULATE_WRITE);
		goto out;
	}
	if (madvise_hits_seal(mm, start, end, advice)) {
		ret = -EPERM;
		goto out;
	}
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
out:
	if (write)
		mmap_write_unlock(mm);
	else
		mmap_read_unlock(mm);
	return ret;
}
SYSCALL(__NR_madvise, sys_madvise);
