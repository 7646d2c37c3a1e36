/*
 * mseal_ktest.c - the seal checks the mapping calls share (mm/mseal.c),
 * on a private mm: vma_range_sealed() over sealed, unsealed and unmapped
 * ranges (the helper mremap asks for its source and destination), and
 * vm_munmap_locked() and a MAP_FIXED mapping refusing a sealed range
 * without touching a VMA. The system-call side is user/tests/vm_mseal_test.c.
 */
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "mm/internal.h"
#include "mm/vm.h"

#define RW	(VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define BASE	0x50000000ul
#define P	PAGE_SIZE

KTEST(mseal_range_sealed_and_refusals)
{
	struct mm *mm = mm_create();
	char why[128];
	struct vma *v;

	KT_ASSERT(mm != NULL);
	mmap_write_lock(mm);
	/*
	 *   BASE   +P        +2P              +4P      +5P      +6P
	 *   [ rw  ][ rw sl  ][ rw            ]  hole  [ rw sl  ]
	 */
	KT_ASSERT_EQ(vm_mmap_region_locked(mm, BASE, 4 * P, RW, NULL, 0, MAP_REGION_FIXED),
		     (long)BASE);
	KT_ASSERT_EQ(vm_mmap_region_locked(mm, BASE + 5 * P, P, RW | VM_SEALED, NULL, 0,
					   MAP_REGION_FIXED), (long)(BASE + 5 * P));
	v = vma_lookup(&mm->vmas, BASE);
	v = vma_change_flags(mm, v, BASE + P, BASE + 2 * P, v->flags | VM_SEALED);
	KT_ASSERT(!IS_ERR(v) && v->start == BASE + P && v->end == BASE + 2 * P);
	KT_ASSERT_EQ(mm->vmas.count, 4);

	KT_ASSERT(!vma_range_sealed(mm, BASE, BASE + P));
	KT_ASSERT(vma_range_sealed(mm, BASE, BASE + 2 * P));
	KT_ASSERT(vma_range_sealed(mm, BASE + P + 0x800, BASE + P + 0x900));
	KT_ASSERT(!vma_range_sealed(mm, BASE + 2 * P, BASE + 4 * P));
	KT_ASSERT(!vma_range_sealed(mm, BASE + 4 * P, BASE + 5 * P));	/* the hole */
	KT_ASSERT(vma_range_sealed(mm, BASE + 3 * P, BASE + 6 * P));	/* past it */
	KT_ASSERT(!vma_range_sealed(mm, BASE + P, BASE + P));		/* empty */
	KT_ASSERT(!vma_range_sealed(mm, BASE - 16 * P, BASE));		/* below all */

	/* Refused whole: no split, no VMA gone, nothing charged or mapped. */
	KT_ASSERT_EQ(vm_munmap_locked(mm, BASE, 4 * P), -EPERM);
	KT_ASSERT_EQ(vm_munmap_locked(mm, BASE + 3 * P, 3 * P), -EPERM);
	KT_ASSERT_EQ(vm_mmap_region_locked(mm, BASE + P, P, RW, NULL, 0, MAP_REGION_FIXED),
		     -EPERM);
	KT_ASSERT_EQ(mm->vmas.count, 4);
	KT_ASSERT_EQ(mm->total_vm, 5);
	KT_ASSERT(vma_tree_check(&mm->vmas, why, sizeof(why)));
	/* The unsealed parts are ordinary. */
	KT_ASSERT_EQ(vm_munmap_locked(mm, BASE + 2 * P, 2 * P), 0);
	KT_ASSERT_EQ(mm->vmas.count, 3);
	mmap_write_unlock(mm);
	mm_put(mm);			/* the teardown ignores seals */
	return KT_PASS;
}
