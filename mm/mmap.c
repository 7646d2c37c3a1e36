/*
 * mmap.c - address spaces and the system calls that create mappings:
 * create, fork (mm_dup) and destroy an mm; mmap, munmap and brk; the
 * choice of a free address (Linux's mm/mmap.c, plus the mm parts of
 * kernel/fork.c).
 *
 * A mapping is made in two steps, as on Linux:
 *
 *   sys_mmap / do_mmap        check the arguments and the file's open mode,
 *                             turn prot and flags into VM_* flags, charge
 *                             the commit, create the shmem object behind
 *                             MAP_SHARED|MAP_ANONYMOUS
 *   vm_mmap_region_locked     find or clear the place, insert the VMA,
 *                             merge it with its neighbours
 *   mmap_write_unlock_populate  for MAP_POPULATE or locked memory: fault
 *                             it in with the mmap lock downgraded to read
 *
 * exec (kernel/exec.c) calls the second step directly for ELF segments
 * and the stack. The VMA primitives themselves are in vma.c.
 *
 * Placement: top-down from mm->mmap_base (below the stack and its gap),
 * then top-down below the stack itself; a free hint is taken as is; nothing
 * is placed below mmap_min_addr, and a MAP_FIXED address below it needs
 * CAP_SYS_RAWIO. mmap refuses a new mapping when the mm already has more
 * than max_map_count VMAs.
 */
#include "mm/internal.h"
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/might_sleep.h"
#include "kernel/panic.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/uapi.h"
#include "mm/overcommit.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/shmem.h"
#include "mm/slab.h"
#include <arch/pgtable.h>
#include <linux/capability.h>

static struct kmem_cache *mm_cache;	/* every struct mm; created by mmap_init() */

/* Boot (vm_init): create the vma and mm caches. Panics without memory. */
void mmap_init(void)
{
	vma_init();
	mm_cache = kmem_cache_create("mm", sizeof(struct mm), 8);
	if (!mm_cache)
		panic("vm: no memory for the mm cache");
}

/*
 * An empty address space: a page-table root sharing the kernel half, no
 * VMAs, one reference. NULL when out of memory. May sleep.
 */
struct mm *mm_create(void)
{
	struct mm *mm;

	mm = kmem_cache_alloc(mm_cache, 0);
	if (!mm)
		return NULL;
	memset(mm, 0, sizeof(*mm));
	mm->rss_rows = MAX(READ_ONCE(nr_cpus), 1u);
	mm->rss = kzalloc(mm->rss_rows * sizeof(*mm->rss));
	if (!mm->rss || arch_pgd_create(&mm->pgt)) {
		kfree(mm->rss);
		kmem_cache_free(mm_cache, mm);
		return NULL;
	}
	vma_tree_init(&mm->vmas, 0, USER_END);	/* mmap_min_addr may go down to 0 */
	init_rwsem_ranked(&mm->mmap_lock, LOCK_RANK_MMAP);
	mm->refcount = 1;
	mm->mmap_base = STACK_TOP - STACK_SIZE - MMAP_GAP;
	return mm;
}

/* Load @mm's page tables on this CPU (the scheduler, at a switch). */
void vm_activate(struct mm *mm)
{
	arch_switch_pgt(&mm->pgt);
}

/*
 * Make @f (or nothing) the program of @mm, whose file is then denied to
 * writers (ETXTBSY) while @mm lives; the old one is released. 0, or
 * -ETXTBSY when @f is open for writing (nothing changed). May sleep.
 */
int mm_set_exe_file(struct mm *mm, struct file *f)
{
	struct file *old = mm->exe_file;

	if (f) {
		int err = deny_write_access(f->inode);

		if (err)
			return err;
		file_get(f);
	}
	mm->exe_file = f;
	if (old) {
		allow_write_access(old->inode);
		fput(old);
	}
	return 0;
}

/*
 * fork(2): a copy of @src. Every VMA but VM_DONTCOPY ones is copied with
 * its page tables (copy_vma_pages(): anonymous pages are shared
 * copy-on-write, both sides' PTEs write-protected; file pages are mapped
 * again; swap entries get one more user). Locks are not inherited; the
 * child's charged VMAs are charged again. Takes both mmap locks for
 * writing, as Linux's dup_mmap (the parent's: no fault may change a PTE
 * while it is copied and write-protected; the child's is private to us:
 * mmap_write_lock_nested). NULL when out
 * of memory, with nothing left behind. May sleep.
 */
struct mm *mm_dup(struct mm *src)
{
	struct mm *mm = mm_create();
	struct vma *v;
	int err = 0;

	if (!mm)
		return NULL;
	mmap_write_lock(src);
	mmap_write_lock_nested(mm);
	for (v = vma_first(&src->vmas); v && !err; v = vma_next(v)) {
		struct vma *n;

		if (v->flags & VM_DONTCOPY)
			continue;
		n = vma_dup(v, mm, v->start, v->end, VMA_DUP_FORK);
		if (!n) {
			err = -ENOMEM;
			break;
		}
		n->flags &= ~(VM_LOCKED | VM_LOCKONFAULT);	/* mlock is not inherited */
		if (vm_flags_charged(n->flags))
			vm_acct_memory((long)vma_pages(n));	/* the child's copy */
		vma_insert(mm, n);
		err = copy_vma_pages(mm, src, n);
	}
	if (!err && src->exe_file)
		err = mm_set_exe_file(mm, src->exe_file);	/* denied already: 0 */
	mm->start_brk = src->start_brk;
	mm->brk = src->brk;
	mm->start_stack = src->start_stack;
	mm->mmap_base = src->mmap_base;
	mm->arg_start = src->arg_start;
	mm->arg_end = src->arg_end;
	mm->env_start = src->env_start;
	mm->env_end = src->env_end;
	/* The parent's PTEs were write-protected: no CPU may keep writing through old entries. */
	arch_flush_tlb_mm(&src->pgt);
	mmap_write_unlock(mm);
	mmap_write_unlock(src);
	if (err) {
		mm_put(mm);
		return NULL;
	}
	return mm;
}

/*
 * Drop a reference to @mm; the last one tears it down as Linux's
 * exit_mmap(): every VMA's pages released (no PTE clearing needed, the
 * tables go too), every VMA removed, the page tables freed. The mmap lock
 * is taken for writing for the teardown so that the VMA primitives'
 * assertions hold and a reclaim walker that still found the mm (its
 * refcount check comes first) cannot see it half gone. May sleep.
 */
void mm_put(struct mm *mm)
{
	struct vma *v;

	might_sleep();			/* Linux's mmput(): even when not the last */
	if (__atomic_sub_fetch(&mm->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	/*
	 * The last reference: no task uses this mm, so nobody can hold its
	 * lock while waiting for another - only reclaim's trylocks reach it.
	 * That makes taking it inside another mm's lock safe, which the OOM
	 * killer does when its victim exits first (Linux's mmput_async
	 * avoids the same nesting), so tell the lock-order checker.
	 */
	mmap_write_lock_nested(mm);
	while ((v = vma_first(&mm->vmas))) {
		zap_vma_range(mm, v, v->start, v->end, ZAP_EXIT);
		vma_remove(mm, v);
	}
	mmap_write_unlock(mm);
	arch_pgd_destroy(&mm->pgt);
	mm_set_exe_file(mm, NULL);
	kfree(mm->rss);
	kmem_cache_free(mm_cache, mm);
}

/* The lowest address mmap hands out without MAP_FIXED (Linux's low_limit). */
static unsigned long mmap_low(void)
{
	unsigned long min = ALIGN_UP((unsigned long)mmap_min_addr, PAGE_SIZE);

	return MAX(min, PAGE_SIZE);
}

/* Contract in internal.h. */
unsigned long get_unmapped_area(struct mm *mm, unsigned long hint, unsigned long len)
{
	unsigned long a;

	hint = ALIGN_UP(hint, PAGE_SIZE);	/* Linux: PAGE_ALIGN(addr) */
	/* A hint below mmap_min_addr is ignored, as Linux does. */
	if (hint && hint >= mmap_low() && hint < USER_END && len <= USER_END - hint) {
		struct vma *next = vma_find(&mm->vmas, hint);

		if (!next || next->start >= hint + len)
			return hint;
	}
	if (len > mm->mmap_base - mmap_low())
		a = 0;
	else
		a = vma_gap_topdown(&mm->vmas, len, mmap_low(), mm->mmap_base);
	if (!a && len <= STACK_TOP - STACK_SIZE - mmap_low())
		a = vma_gap_topdown(&mm->vmas, len, mmap_low(), STACK_TOP - STACK_SIZE);
	return a;
}

/* Map a new region in @mm (vm.h has the contract). mmap lock held for write. */
long vm_mmap_region_locked(struct mm *mm, unsigned long start, unsigned long len,
			   unsigned long vm_flags, struct file *file, unsigned long pgoff,
			   unsigned int region_flags)
{
	bool fixed = region_flags & MAP_REGION_FIXED;
	struct vma *v;
	int err;

	mmap_assert_write_locked(mm);

	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return -EINVAL;
	if (map_count_exceeded(mm, 0))
		return -ENOMEM;			/* Linux do_mmap: "too many mappings?" */
	if (fixed) {
		if ((start & ~PAGE_MASK) || start >= USER_END || len > USER_END - start)
			return -EINVAL;
		/* Over a sealed VMA: refused before anything is charged or unmapped. */
		if (vma_range_sealed(mm, start, start + len))
			return -EPERM;
	} else {
		start = get_unmapped_area(mm, start, len);
		if (!start)
			return -ENOMEM;
	}
	/* Charge before anything is unmapped, so a refusal changes nothing. */
	if (vm_flags_charged(vm_flags) && vm_enough_memory(mm, len >> PAGE_SHIFT))
		return -ENOMEM;
	err = fixed ? vm_munmap_locked(mm, start, len) : 0;
	v = err ? NULL : vma_alloc();
	if (!v) {
		if (vm_flags_charged(vm_flags))
			vm_unacct_memory((long)(len >> PAGE_SHIFT));
		return err ? err : -ENOMEM;
	}
	v->start = start;
	v->end = start + len;
	/* Everything in a new VMA counts as written (soft-dirty), as on Linux. */
	v->flags = vm_flags | mm->def_flags | VM_SOFTDIRTY;
	v->pgoff = file ? pgoff : start >> PAGE_SHIFT;
	v->mm = mm;
	if (file) {
		v->file = file_get(file);
		vma_link_file(v);
	}
	vma_set_vm_ops(v);
	vma_insert(mm, v);
	vma_merge_around(mm, v);
	return (long)start;
}

/* /dev/zero (char 1:5): mapping it maps anonymous memory, as on Linux. */
static bool is_dev_zero(const struct file *f)
{
	return f->inode && S_ISCHR(f->inode->mode) && f->inode->rdev == MKDEV(1, 5);
}

/*
 * Files that can be mapped: regular tmpfs files (memfds, shared anonymous
 * memory, everything in / and /tmp). Others give ENODEV, as on Linux for a
 * file system without an mmap method.
 */
static bool file_mappable(const struct file *f)
{
	return f->inode && S_ISREG(f->inode->mode) && f->inode->sb->type == &tmpfs_type;
}

/* What MAP_SHARED_VALIDATE accepts (Linux's LEGACY_MAP_MASK; no MAP_SYNC: no DAX). */
#define MAP_VALIDATE_MASK (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | \
	MAP_DENYWRITE | MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED | \
	MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB | 0x80)

/* Largest file offset + 1 (Linux MAX_LFS_FILESIZE), in pages. */
#define MAX_FILE_PAGES	((unsigned long)INT64_MAX >> PAGE_SHIFT)

/* The VM_* flags of a new mapping from mmap's @prot and @flags. */
static unsigned long mmap_vm_flags(unsigned long prot, unsigned long flags)
{
	unsigned long vm_flags = prot_to_vm(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

	if (flags & MAP_LOCKED)
		vm_flags |= VM_LOCKED;
	/* Linux: in mode 2 (never overcommit) MAP_NORESERVE is ignored. */
	if ((flags & MAP_NORESERVE) && sysctl_overcommit_memory != OVERCOMMIT_NEVER)
		vm_flags |= VM_NORESERVE;
	if (flags & MAP_GROWSDOWN)
		vm_flags |= VM_GROWSDOWN;	/* recorded; the VMA does not grow (documented) */
	return vm_flags;
}

/* Linux's checks of @file's open mode for a @type mapping; adjusts *vm_flags. 0 or -errno. */
static int file_vm_flags(struct file *file, unsigned long type, unsigned long prot,
			 unsigned long *vm_flags)
{
	unsigned int acc = file->flags & O_ACCMODE;

	if (!file_mappable(file))
		return -ENODEV;
	if (acc == O_WRONLY)
		return -EACCES;
	if (type == MAP_PRIVATE)
		return 0;
	if ((prot & PROT_WRITE) && acc != O_RDWR)
		return -EACCES;
	if ((prot & PROT_WRITE) && (file->flags & O_APPEND))
		return -EACCES;
	*vm_flags |= VM_SHARED | VM_MAYSHARE;
	if (acc != O_RDWR)
		*vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
	return 0;
}

/*
 * The charge a new mapping carries (Linux's accountable_mapping() and
 * shmem's own charge): private writable memory is VM_ACCOUNT (VmFlags
 * "ac"), shared anonymous memory (@shm) VM_SHM_ACCOUNT; MAP_NORESERVE
 * neither.
 */
static unsigned long mmap_charge_flags(unsigned long vm_flags, bool shm)
{
	if (vm_flags & VM_NORESERVE)
		return 0;
	if (shm)
		return VM_SHM_ACCOUNT;
	return (vm_flags & (VM_SHARED | VM_WRITE)) == VM_WRITE ? VM_ACCOUNT : 0;
}

/* security_mmap_addr(): a fixed mapping below mmap_min_addr needs CAP_SYS_RAWIO. */
static bool mmap_addr_allowed(unsigned long addr, unsigned long flags)
{
	return !(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) ||
	       addr >= (unsigned long)mmap_min_addr || capable(CAP_SYS_RAWIO);
}

/*
 * mmap(2) after the argument checks that need no file: resolve /dev/zero
 * and shared anonymous memory to what backs them, check the file's mode,
 * charge, check mlock and mmap_min_addr limits, then map (and populate
 * for MAP_POPULATE) under the mmap lock. The address, or -errno.
 */
static long do_mmap(unsigned long addr, unsigned long len, unsigned long prot,
		    unsigned long flags, struct file *file, unsigned long pgoff)
{
	struct mm *mm = current()->mm;
	unsigned long type = flags & MAP_TYPE, vm_flags = mmap_vm_flags(prot, flags);
	struct file *shm = NULL;
	long ret;

	if (file && type == MAP_SHARED_VALIDATE && (flags & ~MAP_VALIDATE_MASK) &&
	    !is_dev_zero(file))
		return -EOPNOTSUPP;
	if (file && is_dev_zero(file))
		file = NULL;			/* /dev/zero maps anonymous memory */
	if (file) {
		ret = file_vm_flags(file, type, prot, &vm_flags);
		if (!ret && inode_is_secretmem(file->inode))
			ret = secretmem_mmap_flags(type, prot, &vm_flags);
		if (ret)
			return ret;
	} else if (type != MAP_PRIVATE) {
		/* Shared anonymous memory: an unlinked tmpfs file, as Linux's shmem. */
		shm = shmem_file_create("dev/zero", ALIGN_UP(len, PAGE_SIZE), 0);
		if (IS_ERR(shm))
			return PTR_ERR(shm);
		file = shm;
		pgoff = 0;
		vm_flags |= VM_SHARED | VM_MAYSHARE;
	}
	vm_flags |= mmap_charge_flags(vm_flags, shm != NULL);
	if (((vm_flags | mm->def_flags) & VM_LOCKED) &&
	    over_mlock_limit(mm, ALIGN_UP(len, PAGE_SIZE) >> PAGE_SHIFT)) {
		ret = -EAGAIN;
		goto out;
	}
	if (!mmap_addr_allowed(addr, flags)) {
		ret = -EPERM;
		goto out;
	}
	mmap_write_lock(mm);
	if (flags & MAP_FIXED_NOREPLACE) {
		struct vma *v = vma_find(&mm->vmas, addr);

		if (v && v->start < addr + ALIGN_UP(len, PAGE_SIZE)) {
			mmap_write_unlock(mm);
			ret = -EEXIST;
			goto out;
		}
	}
	ret = vm_mmap_region_locked(mm, addr, len, vm_flags, file, pgoff,
				    flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) ? MAP_REGION_FIXED : 0);
	/*
	 * Populated (as Linux's vm_mmap_pgoff: mm_populate) with the lock
	 * held for reading only, so the rest of the mm's users fault on:
	 * MAP_POPULATE, and memory locked by MAP_LOCKED or mlockall(MCL_FUTURE)
	 * unless on fault.
	 */
	if (ret >= 0 && (((flags & MAP_POPULATE) && !(flags & MAP_NONBLOCK)) ||
			 vm_flags_populate_locked(vm_flags | mm->def_flags)))
		mmap_write_unlock_populate(mm, ret, ret + ALIGN_UP(len, PAGE_SIZE));
	else
		mmap_write_unlock(mm);
out:
	if (shm)
		fput(shm);			/* the VMA holds its own reference */
	return ret;
}

/*
 * mmap(2): checks in Linux's order (offset alignment, map type, length,
 * fixed-address alignment, then the file: EBADF, EOVERFLOW for an offset
 * past the largest file), then do_mmap().
 */
static long sys_mmap(unsigned long addr, unsigned long len, unsigned long prot,
		     unsigned long flags, long fd, unsigned long off)
{
	unsigned long type = flags & MAP_TYPE, pgoff = off >> PAGE_SHIFT;
	struct file *file = NULL;
	long ret;

	if (off & ~PAGE_MASK)
		return -EINVAL;
	/* Anonymous memory is MAP_SHARED or MAP_PRIVATE; files may say VALIDATE. */
	if (type != MAP_PRIVATE && type != MAP_SHARED &&
	    (type != MAP_SHARED_VALIDATE || (flags & MAP_ANONYMOUS)))
		return -EINVAL;
	if (!len)
		return -EINVAL;
	if (ALIGN_UP(len, PAGE_SIZE) < len || ALIGN_UP(len, PAGE_SIZE) > USER_END)
		return -ENOMEM;
	if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && (addr & ~PAGE_MASK))
		return -EINVAL;
	/* Like Linux, unknown PROT_ bits are ignored by mmap (mprotect refuses them). */
	if (!(flags & MAP_ANONYMOUS)) {
		unsigned long pages = ALIGN_UP(len, PAGE_SIZE) >> PAGE_SHIFT;

		file = fget(fd);
		if (!file)
			return -EBADF;
		if (file_mappable(file) && (pages > MAX_FILE_PAGES || pgoff > MAX_FILE_PAGES - pages)) {
			fput(file);
			return -EOVERFLOW;
		}
	}
	ret = do_mmap(addr, len, prot, flags, file, pgoff);
	if (file)
		fput(file);
	return ret;
}
SYSCALL(__NR_mmap, sys_mmap);

/* munmap(2): EINVAL for an unaligned or empty range; holes are fine. */
static long sys_munmap(unsigned long addr, unsigned long len)
{
	struct mm *mm = current()->mm;
	long ret;

	if ((addr & ~PAGE_MASK) || !len)
		return -EINVAL;
	mmap_write_lock(mm);
	ret = vm_munmap_locked(mm, addr, len);
	mmap_write_unlock(mm);
	return ret;
}
SYSCALL(__NR_munmap, sys_munmap);

/*
 * brk(2): move the end of the heap. The heap is an ordinary anonymous VMA
 * from start_brk (just above the program's bss) up to brk rounded up to a
 * page; shrinking unmaps its top, growing maps more at a fixed address
 * (and so merges with the heap VMA below, unless that one is sealed).
 * Linux's rule: the return value is the new break, or the old one when the
 * request is refused (below start_brk, into the mmap area, no guard page
 * left below the next mapping, or shrinking over a sealed part: munmap's
 * EPERM).
 */
static long sys_brk(unsigned long brk)
{
	struct mm *mm = current()->mm;
	unsigned long old_end, new_end;
	long ret;

	mmap_write_lock(mm);
	ret = mm->brk;
	if (brk < mm->start_brk)
		goto out;
	old_end = ALIGN_UP(mm->brk, PAGE_SIZE);
	new_end = ALIGN_UP(brk, PAGE_SIZE);
	if (new_end < old_end) {
		if (vm_munmap_locked(mm, new_end, old_end - new_end))
			goto out;
	} else if (new_end > old_end) {
		struct vma *next = vma_find(&mm->vmas, old_end);

		/* Leave a guard page below the next mapping, as Linux does. */
		if (new_end > mm->mmap_base || (next && next->start < new_end + PAGE_SIZE))
			goto out;
		if (vm_mmap_region_locked(mm, old_end, new_end - old_end,
					  VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
					  VM_ACCOUNT, NULL, 0, MAP_REGION_FIXED) < 0)
			goto out;
	}
	mm->brk = brk;
	ret = brk;
	/* After mlockall(MCL_FUTURE) the new heap is locked: populated (Linux's brk). */
	if (new_end > old_end && vm_flags_populate_locked(mm->def_flags)) {
		mmap_write_unlock_populate(mm, old_end, new_end);
		return ret;
	}
out:
	mmap_write_unlock(mm);
	return ret;
}
SYSCALL(__NR_brk, sys_brk);
