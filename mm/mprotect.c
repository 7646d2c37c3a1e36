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

/* mprotect(2) on @mm: takes its mmap lock. 0 or -EINVAL/-ENOMEM/-EACCES. */
long vm_mprotect(struct mm *mm, unsigned long start, unsigned long len, unsigned long prot)
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
	mmap_lock(mm);
	v = vma_lookup(&mm->vmas, start);
	if (!v) {
		ret = -ENOMEM;
		goto out;
	}
	if ((prot & PROT_GROWSDOWN) && !(v->flags & VM_GROWSDOWN)) {
		ret = -EINVAL;
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
		if ((newprot & ~(v->flags >> 4)) & VM_ACCESS_FLAGS) {
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
	mmap_unlock(mm);
	return ret;
}

static long sys_mprotect(unsigned long start, unsigned long len, unsigned long prot)
{
	return vm_mprotect(current()->mm, start, len, prot);
}
SYSCALL(__NR_mprotect, sys_mprotect);
