/*
 * mprotect.c - mprotect(2): change the access of a range of pages
 * (Linux's mm/mprotect.c).
 *
 * The new protection is checked against what each VMA may ever have (its
 * VM_MAY* bits, set at mmap from the file's open mode), then applied VMA
 * by VMA with vma_change_flags(): split at the range's ends, new flags,
 * PTEs rewritten by change_vma_protection() (memory.c), merge again.
 *
 *   before   [ rw-p            ][ r--p  ]
 *   mprotect(a, len, PROT_READ) over [a, a+len):
 *   after    [ rw-p ][ r--p           ]        (the second part merged)
 *
 * Like Linux, the VMAs before a hole in the range are changed and then
 * ENOMEM is returned. A private mapping made writable becomes accountable
 * (VM_ACCOUNT) and is charged to the committed total at that moment.
 *
 * A sealed VMA (mm/mseal.c) refuses any mprotect, even one that changes
 * nothing, with EPERM. Linux 6.12 finds it VMA by VMA and may have
 * changed the VMAs in front; Pagoda looks first (mprotect_hits_seal()),
 * so a refused call changes nothing, and the walk stops where Linux's
 * would have stopped with ENOMEM or EACCES instead:
 *
 *   [ rw-p ][ r--p sealed ]  mprotect(both, PROT_READ)  -> EPERM, nothing changed
 *   [ rw-p ]  hole  [ sealed ]  ............................ -> rw-p changed, ENOMEM
 *
 * pkey_mprotect is mprotect as Linux gives it on an x86 CPU without
 * protection keys (no OSPKE), which is what Pagoda is to programs: key -1
 * (none) is accepted; no key, not even 0, is ever allocated there, so any
 * other key is EINVAL.
 */
#include "mm/internal.h"
#include "kernel/errno.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/overcommit.h"

/*
 * Give [start, end) of @v @newflags. A private mapping made writable
 * becomes accounted and is charged now for the pages changed, as Linux's
 * mprotect_fixup(); it stays charged when made read-only again. Returns
 * what vma_change_flags() does: the VMA now covering @start, or
 * ERR_PTR(-ENOMEM) (no commit, a split refused). mmap lock held.
 */
static struct vma *mprotect_one(struct mm *mm, struct vma *v, unsigned long start,
				unsigned long end, unsigned long newflags)
{
	unsigned long charge = 0;

	if ((newflags & (VM_NORESERVE | VM_SHARED | VM_WRITE | VM_ACCOUNT)) == VM_WRITE) {
		charge = (end - start) >> PAGE_SHIFT;
		if (vm_enough_memory(mm, charge))
			return ERR_PTR(-ENOMEM);
		newflags |= VM_ACCOUNT;
	}
	v = vma_change_flags(mm, v, start, end, newflags);
	if (IS_ERR(v))
		vm_unacct_memory((long)charge);
	return v;
}

/* Does @v forbid @newprot (more than its VM_MAY* bits allow: EACCES)? */
static bool mprotect_denied(const struct vma *v, unsigned long newprot)
{
	return (newprot & ~(v->flags >> 4)) & VM_ACCESS_FLAGS;
}

/*
 * Would vm_mprotect()'s loop over [start, end) meet a sealed VMA before
 * a hole or a VMA that denies @newprot stops it? Then the call is refused
 * whole. (A failure to split or to charge is not foreseen here: after
 * one, Linux has changed the VMAs before it; Pagoda answers EPERM.) mmap
 * lock held.
 */
static bool mprotect_hits_seal(struct mm *mm, unsigned long start, unsigned long end,
			       unsigned long newprot)
{
	for (unsigned long a = start; a < end; ) {
		struct vma *v = vma_lookup(&mm->vmas, a);

		if (!v || mprotect_denied(v, newprot))
			return false;
		if (vma_is_sealed(v))
			return true;
		a = v->end;
	}
	return false;
}

/*
 * mprotect(2) and pkey_mprotect(2) on @mm: takes its mmap lock. 0 or
 * -EINVAL/-ENOMEM/-EACCES/-EPERM.
 */
static long do_mprotect_pkey(struct mm *mm, unsigned long start, unsigned long len,
			     unsigned long prot, int pkey)
{
	unsigned long end, newprot, newflags;
	struct vma *v;
	long ret = 0;

	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if ((prot & PROT_GROWSDOWN) && (prot & PROT_GROWSUP))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	end = start + len;
	if (end < start)
		return -ENOMEM;
	if (!len)
		return 0;
	newprot = prot_to_vm(prot);
	mmap_write_lock(mm);
	/* Linux's mm_pkey_is_allocated() without protection keys: none is. */
	if (pkey != -1) {
		ret = -EINVAL;
		goto out;
	}
	v = vma_lookup(&mm->vmas, start);
	if (!v) {
		ret = -ENOMEM;
		goto out;
	}
	if ((prot & PROT_GROWSDOWN) && !(v->flags & VM_GROWSDOWN)) {
		ret = -EINVAL;
		goto out;
	}
	if (mprotect_hits_seal(mm, start, end, newprot)) {
		ret = -EPERM;
		goto out;
	}
	/* Like Linux: VMAs before a hole are changed, then ENOMEM. */
	for (unsigned long a = start; a < end; ) {
		v = vma_lookup(&mm->vmas, a);
		if (!v) {
			ret = -ENOMEM;
			break;
		}
		/* Asking for more than the mapping may ever have: EACCES. */
		if (mprotect_denied(v, newprot)) {
			ret = -EACCES;
			break;
		}
		newflags = (v->flags & ~VM_ACCESS_FLAGS) | newprot;
		v = mprotect_one(mm, v, a, MIN(end, v->end), newflags);
		if (IS_ERR(v)) {
			ret = PTR_ERR(v);
			break;
		}
		a = MIN(end, v->end);
	}
out:
	mmap_write_unlock(mm);
	return ret;
}

long vm_mprotect(struct mm *mm, unsigned long start, unsigned long len, unsigned long prot)
{
	return do_mprotect_pkey(mm, start, len, prot, -1);
}

static long sys_mprotect(unsigned long start, unsigned long len, unsigned long prot)
{
	return vm_mprotect(current()->mm, start, len, prot);
}
SYSCALL(__NR_mprotect, sys_mprotect);

static long sys_pkey_mprotect(unsigned long start, unsigned long len, unsigned long prot,
			      int pkey)
{
	return do_mprotect_pkey(current()->mm, start, len, prot, pkey);
}
SYSCALL(__NR_pkey_mprotect, sys_pkey_mprotect);
