/*
 * mseal.c - mseal(2): seal mappings against change for the rest of the
 * address space's life, and the checks the other mapping calls make
 * against seals (Linux 6.10+, mm/mseal.c; the rules are 6.12's).
 *
 * mseal(addr, len, 0) sets VM_SEALED ("sl" in smaps VmFlags) on every VMA
 * page of [addr, addr + len), splitting VMAs at the two ends and merging
 * with sealed neighbours (the flag takes part in the merge comparison like
 * any other, so a sealed VMA never merges with an unsealed one):
 *
 *   before      [ r--p                     ][ rw-p   ]
 *   mseal(a, len) over [a, a+len):    |<----------->|
 *   after       [ r--p ][ r--p sl          ][rw-p sl][ rw-p ]
 *
 * There is no unseal: the flag goes with the VMA, when the mm is torn down
 * (exit, exec). fork copies it (the child's VMA is a copy of the parent's
 * flags, as Linux's dup_mmap), so the child's mapping is sealed too.
 *
 * What a seal refuses, with EPERM, and where each call asks:
 *
 *   munmap of any part ......................... vm_munmap_locked (vma.c)
 *   mmap(MAP_FIXED) over any part .............. vm_mmap_region_locked
 *   brk shrinking over it (brk stays put) ...... sys_brk, via munmap (mmap.c)
 *   mprotect, pkey_mprotect of any part ........ vm_mprotect (mprotect.c)
 *   mremap of it, as source or destination ..... for mremap.c to ask:
 *                                                vma_range_sealed()
 *   madvise that discards contents of private
 *   anonymous memory without write permission .. madvise.c: vma_madvise_sealed()
 *
 * Each of them looks over the whole range before it changes anything, so
 * a refused call leaves every VMA and page as it was. Linux 6.12 does
 * that for mseal itself and, its documentation says, for munmap ("atomic");
 * its mprotect and madvise check VMA by VMA and may already have changed
 * the VMAs in front of the sealed one (Documentation/userspace-api/
 * mseal.rst: "partial update might happen"). Pagoda's pre-check
 * stops where Linux's loop would have stopped with another error (a hole,
 * EACCES, a locked VMA for MADV_DONTNEED), so the errno is Linux's.
 *
 * Not refused: mlock/munlock, madvise that does not discard, discarding
 * writable or shared or file memory (the caller could overwrite it
 * anyway), faults, /proc/PID/mem and ptrace writes (FOLL_FORCE), and the
 * teardown at exit or exec. brk may still grow: the new heap VMA stays
 * unsealed and does not merge with a sealed one.
 */
#include "mm/internal.h"
#include "kernel/errno.h"
#include "kernel/syscall.h"
#include "kernel/task.h"

bool vma_range_sealed(struct mm *mm, unsigned long start, unsigned long end)
{
	struct vma *v;

	if (start >= end)
		return false;			/* an empty range overlaps nothing */
	for (v = vma_find(&mm->vmas, start); v && v->start < end; v = vma_next(v))
		if (vma_is_sealed(v))
			return true;
	return false;
}

/*
 * The advice Linux 6.12 counts as discarding (is_madv_discard): it drops
 * pages, so anonymous memory reads back as zeros, or keeps them from a
 * fork child. Pagoda knows three; MADV_DONTNEED_LOCKED, MADV_REMOVE and
 * MADV_WIPEONFORK are EINVAL before any VMA is looked at.
 */
static bool madvise_discards(long advice)
{
	switch (advice) {
	case MADV_DONTNEED: case MADV_FREE: case MADV_DONTFORK:
		return true;
	default:
		return false;
	}
}

/*
 * Private anonymous memory its owner cannot write (Linux's is_ro_anon()):
 * discarding it would let a caller change what it could not write. A
 * file or shared mapping is excluded even when read-only, as in 6.12:
 * its pages come back from the file.
 */
static bool vma_is_ro_anon(const struct vma *v)
{
	return !v->file && !(v->flags & VM_SHARED) && !(v->flags & VM_WRITE);
}

bool vma_madvise_sealed(const struct vma *v, long advice)
{
	return vma_is_sealed(v) && madvise_discards(advice) && vma_is_ro_anon(v);
}

/*
 * The first pass (Linux's check_mm_seal): [start, end) must be mapped
 * without a hole, else -ENOMEM and nothing is sealed. mmap lock held.
 */
static int mseal_check_range(struct mm *mm, unsigned long start, unsigned long end)
{
	unsigned long a = start;
	struct vma *v;

	for (v = vma_find(&mm->vmas, start); v && v->start < end; v = vma_next(v)) {
		if (v->start > a)
			return -ENOMEM;		/* a hole before this VMA */
		a = v->end;
		if (a >= end)
			return 0;
	}
	return -ENOMEM;				/* unmapped up to end */
}

/*
 * The second pass: VM_SEALED on every VMA part of [start, end), which
 * mseal_check_range() found mapped. vma_change_flags() splits off what
 * lies outside and merges with sealed neighbours; an already sealed VMA
 * is left alone (idempotent). Only a split can fail (-ENOMEM: no memory,
 * or max_map_count), leaving the VMAs before it sealed, as on Linux.
 * mmap lock held.
 */
static int mseal_apply(struct mm *mm, unsigned long start, unsigned long end)
{
	unsigned long a = start;

	while (a < end) {
		struct vma *v = vma_lookup(&mm->vmas, a);

		if (!vma_is_sealed(v)) {
			v = vma_change_flags(mm, v, a, MIN(end, v->end), v->flags | VM_SEALED);
			if (IS_ERR(v))
				return PTR_ERR(v);
		}
		a = MIN(end, v->end);
	}
	return 0;
}

/*
 * mseal(2) on @mm: Linux's argument checks, in its order, then both
 * passes under the mmap lock (taken here). 0 or -errno:
 *
 *   flags other than 0 ................................ EINVAL
 *   addr not page aligned ............................. EINVAL
 *   len rounded up to a page wraps to 0 ............... EINVAL
 *   addr + len wraps .................................. EINVAL
 *   len 0 ............................................. 0, nothing done
 *   a hole anywhere in the range ...................... ENOMEM, nothing sealed
 */
static long do_mseal(struct mm *mm, unsigned long start, unsigned long len_in,
		     unsigned long flags)
{
	unsigned long len, end;
	long ret;

	if (flags)
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	len = ALIGN_UP(len_in, PAGE_SIZE);
	if (len_in && !len)
		return -EINVAL;
	end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	mmap_write_lock(mm);
	ret = mseal_check_range(mm, start, end);
	if (!ret)
		ret = mseal_apply(mm, start, end);
	mmap_write_unlock(mm);
	return ret;
}

static long sys_mseal(unsigned long start, unsigned long len, unsigned long flags)
{
	return do_mseal(current()->mm, start, len, flags);
}
SYSCALL(__NR_mseal, sys_mseal);
