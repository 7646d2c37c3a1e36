/*
 * mmap.c - address spaces and their VMAs: create/destroy/fork an mm, map,
 * unmap, split and merge VMAs, and the system calls that change them:
 * mmap, munmap, mprotect, brk, mlock family, msync, madvise, mincore,
 * memfd_create.
 *
 * Merging follows Linux: two neighbours become one VMA when they touch and
 * agree on flags, file, anon_vma, operations and page offset contiguity
 * (prev->pgoff + pages(prev) == next->pgoff). Anonymous VMAs get
 * pgoff = start >> PAGE_SHIFT, so anonymous neighbours are always
 * contiguous in pgoff, as on Linux.
 *
 * The mmap lock (mm->lock) is held across every change of the VMA tree and
 * by the fault path.
 *
 * Limits, as Linux: mmap refuses a new mapping when the mm already has
 * more than max_map_count VMAs, and a split that would add one (mprotect,
 * madvise, mlock, munmap of a VMA's middle) is refused once the count has
 * reached it. Accountable VMAs (vm_flags_charged()) are charged to the
 * committed total before they are inserted and uncharged when removed
 * (overcommit.c). Addresses below mmap_min_addr need CAP_SYS_RAWIO.
 */
#include "mm/internal.h"
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/uapi.h"
#include "mm/overcommit.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include "mm/vmstat.h"
#include <arch/pgtable.h>
#include <linux/capability.h>

static struct kmem_cache *vma_cache, *mm_cache;

static void vm_caches_init(void)
{
	if (vma_cache)
		return;
	vma_cache = kmem_cache_create("vma", sizeof(struct vma), 8);
	mm_cache = kmem_cache_create("mm", sizeof(struct mm), 8);
	if (!vma_cache || !mm_cache)
		panic("vm: no memory for the vma/mm caches");
}

/* ---- struct mm ---- */

struct mm *mm_create(void)
{
	struct mm *mm;

	vm_caches_init();
	mm = kmem_cache_alloc(mm_cache, 0);
	if (!mm)
		return NULL;
	memset(mm, 0, sizeof(*mm));
	if (arch_pgd_create(&mm->pgt)) {
		kmem_cache_free(mm_cache, mm);
		return NULL;
	}
	vma_tree_init(&mm->vmas, 0, USER_END);	/* mmap_min_addr may go down to 0 */
	mutex_init(&mm->lock);
	mm->refcount = 1;
	mm->mmap_base = STACK_TOP - STACK_SIZE - MMAP_GAP;
	return mm;
}

void vm_activate(struct mm *mm)
{
	arch_switch_pgd(mm->pgt.root);
}

static struct vma *vma_alloc(void)
{
	struct vma *v = kmem_cache_alloc(vma_cache, 0);

	if (v) {
		memset(v, 0, sizeof(*v));
		INIT_LIST_HEAD(&v->anon_vma_chain);
	}
	return v;
}

static void vma_free(struct vma *v)
{
	if (v->ops && v->ops->close)
		v->ops->close(v);
	unlink_anon_vmas(v);
	if (v->file) {
		vma_unlink_file(v);
		fput(v->file);
	}
	kmem_cache_free(vma_cache, v);
}

/*
 * A copy of @v covering [start, start + pages) of it, for @mm: the same file
 * (its own reference, in the file's i_mmap) and, for a split, the same
 * anon_vmas; for fork, anon_vma_fork's (the parent's plus a new one).
 */
static struct vma *vma_dup(struct vma *v, struct mm *mm, unsigned long start,
			   unsigned long end, bool fork)
{
	struct vma *n = vma_alloc();

	if (!n)
		return NULL;
	*n = *v;
	n->mm = mm;
	n->start = start;
	n->end = end;
	n->pgoff = linear_page_index(v, start);
	INIT_LIST_HEAD(&n->anon_vma_chain);
	if (fork ? anon_vma_fork(n, v) : anon_vma_clone(n, v)) {
		kmem_cache_free(vma_cache, n);
		return NULL;
	}
	if (n->file) {
		file_get(n->file);
		vma_link_file(n);
	}
	return n;
}

/* Move @v's end (merge, split), keeping the VMA tree and the rmap trees exact. */
static void vma_set_end(struct mm *mm, struct vma *v, unsigned long end)
{
	vma_rmap_pre_update(v);
	v->end = end;
	vma_rmap_post_update(v);
	vma_tree_adjust(&mm->vmas, v);
}

static void vma_insert(struct mm *mm, struct vma *v)
{
	vma_tree_insert(&mm->vmas, v);
	mm->total_vm += vma_pages(v);
	if (v->flags & VM_LOCKED)
		mm->locked_vm += vma_pages(v);
}

/* Is a VMA with @vm_flags charged to the committed total for all its pages? */
static bool vm_flags_charged(unsigned long vm_flags)
{
	return vm_flags & (VM_ACCOUNT | VM_SHM_ACCOUNT);
}

/* Take @v out of the tree and the counters (its pages must be gone). */
static void vma_remove(struct mm *mm, struct vma *v)
{
	if (vm_flags_charged(v->flags))
		vm_unacct_memory((long)vma_pages(v));
	vma_tree_erase(&mm->vmas, v);
	mm->total_vm -= vma_pages(v);
	if (v->flags & VM_LOCKED)
		mm->locked_vm -= vma_pages(v);
	vma_free(v);
}

/*
 * Would @adding more VMAs take @mm past max_map_count? Linux's two tests
 * are this one: mmap refuses once the count already exceeds the limit
 * (@adding 0), a split that adds a VMA once the count has reached it
 * (@adding 1).
 */
static bool map_count_exceeded(const struct mm *mm, unsigned long adding)
{
	return (long)(mm->vmas.count + adding) > sysctl_max_map_count;
}

/*
 * Split @v at @addr (strictly inside): @v keeps the lower part. 0 or
 * -ENOMEM. __vma_split() is Linux's __split_vma() (munmap checks the
 * limit itself), vma_split() its split_vma(): refused at max_map_count.
 */
static int __vma_split(struct mm *mm, struct vma *v, unsigned long addr)
{
	struct vma *hi = vma_dup(v, mm, addr, v->end, false);

	if (!hi)
		return -ENOMEM;
	vma_set_end(mm, v, addr);
	vma_tree_insert(&mm->vmas, hi);
	return 0;
}

static int vma_split(struct mm *mm, struct vma *v, unsigned long addr)
{
	if (map_count_exceeded(mm, 1))
		return -ENOMEM;
	return __vma_split(mm, v, addr);
}

/*
 * Linux's rule for anon_vmas: equal, or one side has none yet and the other
 * has a single chain (so adopting it cannot mix fork families).
 */
static bool anon_vma_compatible(const struct vma *a, const struct vma *b)
{
	if (a->anon_vma == b->anon_vma)
		return true;
	if (!a->anon_vma)
		return b->anon_vma_chain.next == b->anon_vma_chain.prev;
	if (!b->anon_vma)
		return a->anon_vma_chain.next == a->anon_vma_chain.prev;
	return false;
}

static bool vma_can_merge(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->flags == b->flags && a->file == b->file &&
	       anon_vma_compatible(a, b) && a->ops == b->ops &&
	       a->pgoff + vma_pages(a) == b->pgoff;
}

/* @keep absorbs @gone (adjacent, mergeable): chains, bounds, then @gone is freed. */
static void vma_absorb(struct mm *mm, struct vma *keep, struct vma *gone)
{
	unsigned long start = MIN(keep->start, gone->start), end = MAX(keep->end, gone->end);

	vma_tree_erase(&mm->vmas, gone);
	vma_rmap_pre_update(keep);
	if (!keep->anon_vma && gone->anon_vma) {
		/* Adopt the other's single chain (re-keyed with the new bounds below). */
		struct anon_vma_chain *avc, *n;

		vma_rmap_pre_update(gone);
		list_for_each_entry_safe(avc, n, &gone->anon_vma_chain, same_vma) {
			list_del(&avc->same_vma);
			avc->vma = keep;
			list_add_tail(&avc->same_vma, &keep->anon_vma_chain);
		}
		keep->anon_vma = gone->anon_vma;
		gone->anon_vma = NULL;
		if (gone->file)
			vma_link_file(gone);	/* vma_free unlinks it again */
	}
	if (gone->start < keep->start)
		keep->pgoff = gone->pgoff;
	keep->start = start;
	keep->end = end;
	vma_rmap_post_update(keep);
	vma_tree_adjust(&mm->vmas, keep);
	vma_free(gone);
}

/* Merge @v with its neighbours where Linux would; returns the surviving VMA. */
static struct vma *vma_merge_around(struct mm *mm, struct vma *v)
{
	struct vma *prev = vma_prev(v), *next = vma_next(v);

	if (next && vma_can_merge(v, next))
		vma_absorb(mm, v, next);
	if (prev && vma_can_merge(prev, v)) {
		vma_absorb(mm, prev, v);
		v = prev;
	}
	return v;
}

/*
 * Free the page tables that mapped only [start, end) and its free
 * neighbourhood, as Linux's free_pgtables() (PageTables falls after munmap).
 */
static void free_pgtables(struct mm *mm, unsigned long start, unsigned long end)
{
	struct vma *next = vma_find(&mm->vmas, end);
	struct vma *prev = next ? vma_prev(next) : vma_last(&mm->vmas);
	unsigned long floor = prev ? prev->end : 0, ceiling = next ? next->start : USER_END;

	arch_free_user_tables(&mm->pgt, start, end, floor, ceiling);
}

int vm_munmap(struct mm *mm, unsigned long start, unsigned long len)
{
	unsigned long end;
	struct vma *v;
	bool any = false;

	len = ALIGN_UP(len, PAGE_SIZE);
	end = start + len;
	if ((start & ~PAGE_MASK) || !len || start >= USER_END || len > USER_END - start)
		return -EINVAL;
	/* Cutting a hole in one VMA adds one: the map-count limit applies. */
	v = vma_find(&mm->vmas, start);
	if (v && v->start < start && v->end > end && map_count_exceeded(mm, 1))
		return -ENOMEM;
	while ((v = vma_find(&mm->vmas, start)) && v->start < end) {
		if (v->start < start) {
			if (__vma_split(mm, v, start))
				return -ENOMEM;
			continue;	/* the upper part is found next time */
		}
		if (v->end > end && __vma_split(mm, v, end))
			return -ENOMEM;
		zap_vma_range(mm, v, v->start, v->end, true);
		vma_remove(mm, v);
		any = true;
	}
	if (any)
		free_pgtables(mm, start, end);
	return 0;
}

/* The lowest address mmap hands out without MAP_FIXED (Linux's low_limit). */
static unsigned long mmap_low(void)
{
	unsigned long min = ALIGN_UP((unsigned long)mmap_min_addr, PAGE_SIZE);

	return MAX(min, PAGE_SIZE);
}

/* A free range of @len bytes: the hint if it is free, else top-down below the stack. */
static unsigned long get_unmapped_area(struct mm *mm, unsigned long hint, unsigned long len)
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

/* Fault in the mapped parts of [start, end) as MAP_POPULATE / mlock do; errors are ignored (P5). */
static void populate_range(struct mm *mm, unsigned long start, unsigned long end)
{
	for (struct vma *v = vma_find(&mm->vmas, start); v && v->start < end; v = vma_next(v)) {
		bool write = (v->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;

		if (!(v->flags & VM_ACCESS_FLAGS))
			continue;
		for (unsigned long a = MAX(start, v->start); a < MIN(end, v->end); a += PAGE_SIZE) {
			struct page *p;

			if (get_user_pages_locked(mm, a, 1, write ? GUP_WRITE : 0, &p) == 1)
				put_page(p);
		}
	}
}

long vm_mmap_region(struct mm *mm, unsigned long start, unsigned long len,
		    unsigned long vm_flags, struct file *file, unsigned long pgoff, bool fixed)
{
	struct vma *v;
	int err;

	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return -EINVAL;
	if (map_count_exceeded(mm, 0))
		return -ENOMEM;			/* Linux do_mmap: "too many mappings?" */
	if (fixed) {
		if ((start & ~PAGE_MASK) || start >= USER_END || len > USER_END - start)
			return -EINVAL;
	} else {
		start = get_unmapped_area(mm, start, len);
		if (!start)
			return -ENOMEM;
	}
	/* Charge before anything is unmapped, so a refusal changes nothing. */
	if (vm_flags_charged(vm_flags) && vm_enough_memory(mm, len >> PAGE_SHIFT))
		return -ENOMEM;
	err = fixed ? vm_munmap(mm, start, len) : 0;
	v = err ? NULL : vma_alloc();
	if (!v) {
		if (vm_flags_charged(vm_flags))
			vm_unacct_memory((long)(len >> PAGE_SHIFT));
		return err ? err : -ENOMEM;
	}
	v->start = start;
	v->end = start + len;
	v->flags = vm_flags | mm->def_flags;
	v->pgoff = file ? pgoff : start >> PAGE_SHIFT;
	v->mm = mm;
	if (file) {
		v->file = file_get(file);
		vma_link_file(v);
	}
	vma_set_vm_ops(v);
	vma_insert(mm, v);
	v = vma_merge_around(mm, v);
	if ((vm_flags | mm->def_flags) & VM_LOCKED && !(vm_flags & VM_LOCKONFAULT))
		populate_range(mm, start, start + len);
	return (long)start;
}

/* ---- fork and exit ---- */

struct mm *mm_dup(struct mm *src)
{
	struct mm *mm = mm_create();
	struct vma *v;
	int err = 0;

	if (!mm)
		return NULL;
	mmap_lock(src);
	for (v = vma_first(&src->vmas); v && !err; v = vma_next(v)) {
		struct vma *n;

		if (v->flags & VM_DONTCOPY)
			continue;
		n = vma_dup(v, mm, v->start, v->end, true);
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
	mm->start_brk = src->start_brk;
	mm->brk = src->brk;
	mm->start_stack = src->start_stack;
	mm->mmap_base = src->mmap_base;
	mm->arg_start = src->arg_start;
	mm->arg_end = src->arg_end;
	mm->env_start = src->env_start;
	mm->env_end = src->env_end;
	mmap_unlock(src);
	arch_flush_tlb_all();		/* the parent's PTEs were write-protected */
	if (err) {
		mm_put(mm);
		return NULL;
	}
	return mm;
}

void mm_put(struct mm *mm)
{
	struct vma *v;

	if (__atomic_sub_fetch(&mm->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	while ((v = vma_first(&mm->vmas))) {
		zap_vma_range(mm, v, v->start, v->end, false);
		vma_remove(mm, v);
	}
	arch_pgd_destroy(&mm->pgt);
	kmem_cache_free(mm_cache, mm);
}

void mm_stats_kb(struct mm *mm, unsigned long *vsz, unsigned long *rss)
{
	*vsz = mm ? mm->total_vm * (PAGE_SIZE / 1024) : 0;
	*rss = mm ? mm_rss(mm) * (PAGE_SIZE / 1024) : 0;
}

/* ---- mmap ---- */

static unsigned long prot_to_vm(unsigned long prot)
{
	return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

static bool is_dev_zero(const struct file *f)
{
	return f->inode && S_ISCHR(f->inode->mode) && f->inode->rdev == MKDEV(1, 5);
}

static bool file_mappable(const struct file *f)
{
	return f->inode && S_ISREG(f->inode->mode) && f->inode->sb->type == &tmpfs_type;
}

/* RLIMIT_MEMLOCK, which CAP_IPC_LOCK bypasses (as on Linux). */
static bool over_mlock_limit(struct mm *mm, unsigned long pages)
{
	uint64_t limit = current()->rlim[RLIMIT_MEMLOCK].rlim_cur;

	if (capable(CAP_IPC_LOCK_BIT))
		return false;
	return limit != RLIM64_INFINITY && (mm->locked_vm + pages) * PAGE_SIZE > limit;
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
	mmap_lock(mm);
	if (flags & MAP_FIXED_NOREPLACE) {
		struct vma *v = vma_find(&mm->vmas, addr);

		if (v && v->start < addr + ALIGN_UP(len, PAGE_SIZE)) {
			mmap_unlock(mm);
			ret = -EEXIST;
			goto out;
		}
	}
	ret = vm_mmap_region(mm, addr, len, vm_flags, file, pgoff,
			     flags & (MAP_FIXED | MAP_FIXED_NOREPLACE));
	if (ret >= 0 && (flags & MAP_POPULATE) && !(flags & MAP_NONBLOCK))
		populate_range(mm, ret, ret + ALIGN_UP(len, PAGE_SIZE));
	mmap_unlock(mm);
out:
	if (shm)
		fput(shm);			/* the VMA holds its own reference */
	return ret;
}

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

static long sys_munmap(unsigned long addr, unsigned long len)
{
	struct mm *mm = current()->mm;
	long ret;

	if ((addr & ~PAGE_MASK) || !len)
		return -EINVAL;
	mmap_lock(mm);
	ret = vm_munmap(mm, addr, len);
	mmap_unlock(mm);
	return ret;
}
SYSCALL(__NR_munmap, sys_munmap);

/* ---- changing the flags of a range: mprotect, mlock, madvise ---- */

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
 * Give [start, end) of @v (inside it) the flags @newflags: split off the
 * parts outside, update counters and PTEs, merge with neighbours. Returns
 * the VMA now covering @start's part, or ERR_PTR(-ENOMEM).
 */
static struct vma *vma_change_flags(struct mm *mm, struct vma *v, unsigned long start,
				    unsigned long end, unsigned long newflags)
{
	unsigned long old = v->flags;

	if (newflags == old)
		return v;
	if (v->start < start) {
		if (vma_split(mm, v, start))
			return ERR_PTR(-ENOMEM);
		v = vma_next(v);
	}
	if (v->end > end && vma_split(mm, v, end))
		return ERR_PTR(-ENOMEM);
	if ((old ^ newflags) & VM_LOCKED) {
		long pages = vma_pages(v), res = resident_pages(mm, v->start, v->end);

		mm->locked_vm += (newflags & VM_LOCKED) ? pages : -pages;
		mod_vm_stat(NR_MLOCK, (newflags & VM_LOCKED) ? res : -res);
	}
	v->flags = newflags;
	if ((old ^ newflags) & (VM_ACCESS_FLAGS | VM_SHARED))
		change_vma_protection(mm, v);
	return vma_merge_around(mm, v);
}

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

/* Set or clear @set/@clear flags over [start, end); -ENOMEM on a hole (lock held). */
static long apply_flags(struct mm *mm, unsigned long start, unsigned long end,
			unsigned long set, unsigned long clear)
{
	for (unsigned long a = start; a < end; ) {
		struct vma *v = vma_lookup(&mm->vmas, a);

		if (!v)
			return -ENOMEM;
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
	mmap_lock(mm);
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
	if (!ret && !(flags & VM_LOCKONFAULT))
		populate_range(mm, start, end);
out:
	mmap_unlock(mm);
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
	mmap_lock(mm);
	ret = range_mapped(mm, start, end) ?
	      apply_flags(mm, start, end, 0, VM_LOCKED | VM_LOCKONFAULT) : -ENOMEM;
	mmap_unlock(mm);
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
	mmap_lock(mm);
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
		if (!(flags & MCL_ONFAULT))
			populate_range(mm, USER_MIN, USER_END);
	}
out:
	mmap_unlock(mm);
	return ret;
}
SYSCALL(__NR_mlockall, sys_mlockall);

static long sys_munlockall(void)
{
	struct mm *mm = current()->mm;

	mmap_lock(mm);
	mm->def_flags = 0;
	for (struct vma *v = vma_first(&mm->vmas); v; v = vma_next(v)) {
		v = vma_change_flags(mm, v, v->start, v->end,
				     v->flags & ~(VM_LOCKED | VM_LOCKONFAULT));
		if (IS_ERR(v))
			break;
	}
	mmap_unlock(mm);
	return 0;
}
SYSCALL(__NR_munlockall, sys_munlockall);

/* ---- brk ---- */

static long sys_brk(unsigned long brk)
{
	struct mm *mm = current()->mm;
	unsigned long old_end, new_end;
	long ret;

	mmap_lock(mm);
	ret = mm->brk;
	if (brk < mm->start_brk)
		goto out;
	old_end = ALIGN_UP(mm->brk, PAGE_SIZE);
	new_end = ALIGN_UP(brk, PAGE_SIZE);
	if (new_end < old_end) {
		if (vm_munmap(mm, new_end, old_end - new_end))
			goto out;
	} else if (new_end > old_end) {
		struct vma *next = vma_find(&mm->vmas, old_end);

		/* Leave a guard page below the next mapping, as Linux does. */
		if (new_end > mm->mmap_base || (next && next->start < new_end + PAGE_SIZE))
			goto out;
		if (vm_mmap_region(mm, old_end, new_end - old_end,
				   VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
				   VM_ACCOUNT, NULL, 0, true) < 0)
			goto out;
	}
	mm->brk = brk;
	ret = brk;
out:
	mmap_unlock(mm);
	return ret;
}
SYSCALL(__NR_brk, sys_brk);

/* ---- msync, madvise, mincore ---- */

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
	mmap_lock(mm);
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
	mmap_unlock(mm);
	return ret;
}
SYSCALL(__NR_msync, sys_msync);

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
			zap_vma_range(mm, v, a, e, true);
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

		mmap_lock(mm);
		for (unsigned long i = 0; i < n; i++) {
			unsigned long a = start + (done + i) * PAGE_SIZE;
			struct vma *v = vma_lookup(&mm->vmas, a);
			struct mmu_mapping m;

			if (!v) {
				ret = -ENOMEM;
				break;
			}
			buf[i] = arch_query(&mm->pgt, a, &m) == 0;
			if (!buf[i] && v->file) {
				/* File pages count when they are in the page cache. */
				struct inode *inode = v->file->inode;
				unsigned long idx = linear_page_index(v, a);
				unsigned long irq = spin_lock_irqsave(&inode->pages_lock);

				buf[i] = page_tree_lookup(&inode->pages, idx) != NULL;
				spin_unlock_irqrestore(&inode->pages_lock, irq);
			}
		}
		mmap_unlock(mm);
		if (!ret && copy_to_user(vec + done, buf, n))
			ret = -EFAULT;
		done += n;
	}
	return ret;
}
SYSCALL(__NR_mincore, sys_mincore);

/* ---- memfd_create ---- */

static long sys_memfd_create(const char __user *uname, unsigned long flags)
{
	char name[250 + 7] = "memfd:";
	struct file *f;
	long n;
	int fd;

	/* Linux's rule: the huge-page size bits only together with MFD_HUGETLB. */
	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB |
		      ((flags & MFD_HUGETLB) ? MFD_HUGE_MASK << MFD_HUGE_SHIFT : 0)))
		return -EINVAL;
	if (flags & (MFD_ALLOW_SEALING | MFD_HUGETLB))
		return -EINVAL;		/* sealing and hugetlb: not implemented (documented) */
	n = strncpy_from_user(name + 6, uname, 250);
	if (n == -ENAMETOOLONG)
		return -EINVAL;		/* Linux: names are limited to 249 bytes */
	if (n < 0)
		return n;
	f = shmem_file_create(name, 0, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	fd = fd_install(f, 0, flags & MFD_CLOEXEC);
	if (fd < 0)
		fput(f);
	return fd;
}
SYSCALL(__NR_memfd_create, sys_memfd_create);
