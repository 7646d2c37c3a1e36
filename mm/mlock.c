/*
 * mlock.c - mlock, mlock2, munlock, mlockall, munlockall: keep pages
 * resident (Linux's mm/mlock.c).
 *
 * Locking is a VMA flag, not a page flag: VM_LOCKED on a VMA means "fault
 * every page in now and never reclaim it"; VM_LOCKONFAULT (mlock2's
 * MLOCK_ONFAULT, mlockall's MCL_ONFAULT) means "never reclaim what gets
 * faulted in, but fault nothing in now". Reclaim (mm/vmscan.c) checks the
 * flags of every VMA mapping a page through the reverse map and keeps the
 * page when one of them is locked.
 *
 *   mlock(a, len)     split the VMAs at a and a+len, set VM_LOCKED on the
 *                     middle, merge, then populate_range_locked() with the
 *                     mmap lock downgraded to read (mmap_write_unlock_populate)
 *   munlock(a, len)   the same, clearing VM_LOCKED|VM_LOCKONFAULT
 *   mlockall(flags)   every VMA now (MCL_CURRENT) and mm->def_flags for
 *                     every later mapping (MCL_FUTURE)
 *
 * Two counters follow: mm->locked_vm (pages in locked VMAs, limited by
 * RLIMIT_MEMLOCK unless CAP_IPC_LOCK) and Mlocked in /proc/meminfo
 * (resident pages of locked VMAs). All of it under the mmap lock held for
 * writing.
 */
#include "mm/internal.h"
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/vmstat.h"
#include <arch/pgtable.h>
#include <linux/capability.h>

/* RLIMIT_MEMLOCK, which CAP_IPC_LOCK bypasses (as on Linux). */
bool over_mlock_limit(struct mm *mm, unsigned long pages)
{
	uint64_t limit = current()->rlim[RLIMIT_MEMLOCK].rlim_cur;

	if (capable(CAP_IPC_LOCK_BIT))
		return false;
	return limit != RLIM64_INFINITY && (mm->locked_vm + pages) * PAGE_SIZE > limit;
}

/* Count the resident pages of [start, end) (for Mlocked). */
static int count_one(const struct mmu_mapping *m, void *arg)
{
	(*(long *)arg)++;
	return 0;
}

static long resident_pages(struct mm *mm, unsigned long start, unsigned long end)
{
	long n = 0;

	arch_walk(&mm->pgt, start, end, count_one, &n);
	return n;
}

/*
 * @v's VM_LOCKED is about to change to @locked: its pages move in or out
 * of locked_vm (what RLIMIT_MEMLOCK limits: every page of the VMA) and its
 * resident pages in or out of /proc/meminfo's Mlocked.
 */
void mlock_account(struct mm *mm, struct vma *v, unsigned long locked)
{
	long pages = vma_pages(v), res = resident_pages(mm, v->start, v->end);

	mmap_assert_write_locked(mm);

	mm->locked_vm += locked ? pages : -pages;
	mod_vm_stat(NR_MLOCK, locked ? res : -res);
}

/* Set or clear @set/@clear flags over [start, end); -ENOMEM on a hole (lock held). */
static long apply_flags(struct mm *mm, unsigned long start, unsigned long end,
			unsigned long set, unsigned long clear)
{
	for (unsigned long a = start; a < end; ) {
		struct vma *v = vma_lookup(&mm->vmas, a);

		if (!v)
			return -ENOMEM;
		if (vma_is_secretmem(v)) {	/* locked for life (Linux's mlock_fixup) */
			a = MIN(end, v->end);
			continue;
		}
		v = vma_change_flags(mm, v, a, MIN(end, v->end), (v->flags & ~clear) | set);
		if (IS_ERR(v))
			return PTR_ERR(v);
		a = MIN(end, v->end);
	}
	return 0;
}

/*
 * Walk the VMAs over [start, end): the pages of it already in VM_LOCKED
 * VMAs (Linux's count_mm_mlocked_page_nr), or -ENOMEM when part of it is
 * not mapped. mmap lock held.
 */
static long locked_pages_in(struct mm *mm, unsigned long start, unsigned long end)
{
	long n = 0;

	for (unsigned long a = start; a < end; ) {
		struct vma *v = vma_lookup(&mm->vmas, a);

		if (!v)
			return -ENOMEM;
		if (v->flags & VM_LOCKED)
			n += (long)((MIN(end, v->end) - a) >> PAGE_SHIFT);
		a = v->end;
	}
	return n;
}

/* Is [start, end) wholly covered by VMAs? */
static bool range_mapped(struct mm *mm, unsigned long start, unsigned long end)
{
	return locked_pages_in(mm, start, end) >= 0;
}

static long do_mlock(unsigned long start, unsigned long len, unsigned long flags)
{
	struct mm *mm = current()->mm;
	unsigned long end;
	long ret, locked;

	end = ALIGN_UP(start + len, PAGE_SIZE);
	start = ALIGN_DOWN(start, PAGE_SIZE);
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	mmap_write_lock(mm);
	locked = locked_pages_in(mm, start, end);	/* -ENOMEM on a hole */
	if (locked < 0) {
		ret = locked;
		goto out;
	}
	/* Re-locking pages already locked costs nothing (mlock-random-test). */
	if (over_mlock_limit(mm, ((end - start) >> PAGE_SHIFT) - (unsigned long)locked)) {
		ret = -ENOMEM;
		goto out;
	}
	ret = apply_flags(mm, start, end, flags, (VM_LOCKED | VM_LOCKONFAULT) & ~flags);
	if (!ret && !(flags & VM_LOCKONFAULT)) {
		mmap_write_unlock_populate(mm, start, end);
		return 0;
	}
out:
	mmap_write_unlock(mm);
	return ret;
}

static long sys_mlock(unsigned long start, unsigned long len)
{
	return do_mlock(start, len, VM_LOCKED);
}
SYSCALL(__NR_mlock, sys_mlock);

static long sys_mlock2(unsigned long start, unsigned long len, unsigned long flags)
{
	if (flags & ~MLOCK_ONFAULT)
		return -EINVAL;
	return do_mlock(start, len, VM_LOCKED | (flags & MLOCK_ONFAULT ? VM_LOCKONFAULT : 0));
}
SYSCALL(__NR_mlock2, sys_mlock2);

static long sys_munlock(unsigned long start, unsigned long len)
{
	struct mm *mm = current()->mm;
	unsigned long end = ALIGN_UP(start + len, PAGE_SIZE);
	long ret;

	start = ALIGN_DOWN(start, PAGE_SIZE);
	if (end < start)
		return -EINVAL;
	mmap_write_lock(mm);
	ret = range_mapped(mm, start, end) ?
	      apply_flags(mm, start, end, 0, VM_LOCKED | VM_LOCKONFAULT) : -ENOMEM;
	mmap_write_unlock(mm);
	return ret;
}
SYSCALL(__NR_munlock, sys_munlock);

static long sys_mlockall(unsigned long flags)
{
	struct mm *mm = current()->mm;
	unsigned long set = VM_LOCKED;
	long ret = 0;

	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    flags == MCL_ONFAULT)
		return -EINVAL;
	if (flags & MCL_ONFAULT)
		set |= VM_LOCKONFAULT;
	mmap_write_lock(mm);
	if (flags & MCL_FUTURE)
		mm->def_flags = set;
	else
		mm->def_flags = 0;
	if (flags & MCL_CURRENT) {
		if (over_mlock_limit(mm, mm->total_vm - mm->locked_vm)) {
			ret = -ENOMEM;
			goto out;
		}
		for (struct vma *v = vma_first(&mm->vmas); v; v = vma_next(v)) {
			unsigned long s = v->start, e = v->end;

			v = vma_change_flags(mm, v, s, e, (v->flags & ~VM_LOCKONFAULT) | set);
			if (IS_ERR(v)) {
				ret = PTR_ERR(v);
				goto out;
			}
		}
		if (!(flags & MCL_ONFAULT)) {
			mmap_write_unlock_populate(mm, USER_MIN, USER_END);
			return 0;
		}
	}
out:
	mmap_write_unlock(mm);
	return ret;
}
SYSCALL(__NR_mlockall, sys_mlockall);

static long sys_munlockall(void)
{
	struct mm *mm = current()->mm;

	mmap_write_lock(mm);
	mm->def_flags = 0;
	for (struct vma *v = vma_first(&mm->vmas); v; v = vma_next(v)) {
		v = vma_change_flags(mm, v, v->start, v->end,
				     v->flags & ~(VM_LOCKED | VM_LOCKONFAULT));
		if (IS_ERR(v))
			break;
	}
	mmap_write_unlock(mm);
	return 0;
}
SYSCALL(__NR_munlockall, sys_munlockall);
