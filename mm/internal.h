/*
 * mm/internal.h - what the files of mm/ share with each other and nothing
 * outside mm/ needs. The public interface of user memory is mm/vm.h; this
 * header is included only by the .c files of mm/ and by mm/tests/.
 *
 * THE LOCK ORDER of everything user memory touches is written in one
 * place: docs/locking.md, section 3.1 (outermost first: swap_lock,
 * inode->lock, the mmap lock, anon_vma, i_mmap_lock, pages_lock, the
 * page-table lock, ..., zone_lock). Ranked locks carry their place as an
 * enum lock_rank (kernel/lock_order.h, same order), and every lock is
 * checked by class on every boot make check runs. Change the order there,
 * not here.
 *
 * Under any spinlock nothing may sleep: allocations there are never
 * GFP_RECLAIM, and a page-table cursor is unlocked around anything that
 * sleeps (memory.c draws it).
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include "kernel/uapi.h"
#include "mm/vm.h"
#include <arch/percpu.h>

struct page;

/* --- VMAs and the mapping system calls (vma.c, mmap.c, mprotect.c, mlock.c, madvise.c) --- */

/* Is a VMA with @vm_flags charged to the committed total for all its pages? */
static inline bool vm_flags_charged(unsigned long vm_flags)
{
	return vm_flags & (VM_ACCOUNT | VM_SHM_ACCOUNT);
}

/* mmap's PROT_READ/WRITE/EXEC as VM_READ/WRITE/EXEC. */
static inline unsigned long prot_to_vm(unsigned long prot)
{
	return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

/* Create the vma and mm caches (vm_init(), before the first mm_create()). */
void vma_init(void);
void mmap_init(void);

/* A zeroed VMA with an empty anon_vma chain, or NULL. Does not sleep. */
struct vma *vma_alloc(void);
/* Call @v->ops->close, unlink @v from the reverse map, drop its file and free it. */
void vma_free(struct vma *v);
enum vma_dup_kind {
	VMA_DUP_SPLIT,		/* a part of @v in the same mm: the same anon_vmas */
	VMA_DUP_FORK,		/* the child's copy: anon_vma_fork() (parent's + a new one) */
};
/*
 * A copy of @v covering [start, end) of it, for @mm: the same file (its
 * own reference, in the file's i_mmap) and the anon_vmas @kind says. Not
 * yet in any VMA tree. NULL when out of memory.
 */
struct vma *vma_dup(struct vma *v, struct mm *mm, unsigned long start, unsigned long end,
		    enum vma_dup_kind kind);
/* Insert @v into @mm's tree and counters (total_vm, locked_vm). mmap lock (write). */
void vma_insert(struct mm *mm, struct vma *v);
/* Take @v out of the tree and counters, uncharge it, free it (its pages must be gone). */
void vma_remove(struct mm *mm, struct vma *v);
/*
 * Would @adding more VMAs take @mm past max_map_count? Linux's two tests
 * are this one: mmap refuses once the count already exceeds the limit
 * (@adding 0), a split that adds a VMA once the count has reached it
 * (@adding 1).
 */
bool map_count_exceeded(const struct mm *mm, unsigned long adding);
/*
 * Split @v at @addr (strictly inside): @v keeps the lower part. 0, or
 * -ENOMEM (no memory, or max_map_count reached). mmap lock (write).
 */
int vma_split(struct mm *mm, struct vma *v, unsigned long addr);
/*
 * A copy of @v for [start, end) at file/anon offset @pgoff (mremap's
 * destination), not yet in the tree: in @anon_from's anon_vmas (NULL: none
 * yet), in the file's i_mmap. NULL without memory. May sleep.
 */
struct vma *vma_copy_at(struct vma *v, struct mm *mm, unsigned long start, unsigned long end,
			unsigned long pgoff, struct vma *anon_from);
/*
 * vm_munmap_locked() of a range whose page tables map nothing any more
 * (mremap moved every entry away): VMAs and tables go, no PTE is looked at.
 */
int vm_munmap_emptied_locked(struct mm *mm, unsigned long start, unsigned long len);
/* Grow @v up to @end in place (mremap): trees, total_vm and locked_vm follow. */
void vma_expand_end(struct mm *mm, struct vma *v, unsigned long end);
/* mmap.c: a free range of @len bytes: the hint if free, else top-down below the stack; 0 none. */
unsigned long get_unmapped_area(struct mm *mm, unsigned long hint, unsigned long len);
/* Would @a and @b (adjacent, @a below) merge into one VMA? */
bool vma_can_merge(const struct vma *a, const struct vma *b);
/* Merge @v with its neighbours where Linux would; returns the surviving VMA. */
struct vma *vma_merge_around(struct mm *mm, struct vma *v);
/*
 * Give [start, end) of @v (inside it) the flags @newflags: split off the
 * parts outside, update counters and PTEs, merge with neighbours. Returns
 * the VMA now covering @start's part, or ERR_PTR(-ENOMEM). mmap lock (write).
 */
struct vma *vma_change_flags(struct mm *mm, struct vma *v, unsigned long start,
			     unsigned long end, unsigned long newflags);

/*
 * mseal.c: does a sealed VMA of @mm overlap [start, end)? Holes are
 * skipped. Every call that would unmap, move or re-protect a range asks
 * this before it changes anything (munmap, MAP_FIXED, mprotect; mremap
 * for its source and its destination) and fails with -EPERM when true.
 * mmap lock held. Does not sleep.
 */
bool vma_range_sealed(struct mm *mm, unsigned long start, unsigned long end);
/*
 * mseal.c: would madvise(@advice) on @v discard what a sealed mapping
 * holds (Linux 6.12's !can_modify_vma_madv())? True for a sealed, private
 * anonymous, unwritable @v and an advice that drops pages or keeps them
 * from a fork child. Pure.
 */
bool vma_madvise_sealed(const struct vma *v, long advice);

/* mlock.c: is adding @pages locked pages over RLIMIT_MEMLOCK (no CAP_IPC_LOCK)? */
bool over_mlock_limit(struct mm *mm, unsigned long pages);
/* mlock.c: @v becomes locked (@locked) or unlocked: locked_vm and Mlocked follow. */
void mlock_account(struct mm *mm, struct vma *v, unsigned long locked);
/*
 * gup.c: fault in the mapped, accessible parts of [start, end) as MAP_POPULATE
 * and mlock do (writable where a write would not COW a shared mapping).
 * A failing VMA is left at its first failing page, as Linux's mm_populate()
 * does, and callers ignore that; -EINTR when a fatal signal arrived, else
 * 0. mmap lock held for reading (it is dropped and retaken around swap-in
 * and reclaim); may sleep.
 */
int populate_range_locked(struct mm *mm, unsigned long start, unsigned long end);
/*
 * Does memory mapped with @vm_flags get populated at once (locked, and
 * not VM_LOCKONFAULT)? Pure.
 */
static inline bool vm_flags_populate_locked(unsigned long vm_flags)
{
	return (vm_flags & (VM_LOCKED | VM_LOCKONFAULT)) == VM_LOCKED;
}
/*
 * gup.c: the end of a system call that changed VMAs under the mmap lock
 * held for writing and must now populate [start, end) (MAP_POPULATE,
 * mlock, locked memory that mmap, brk or mremap added): the lock is
 * downgraded to read, so the mm's other users fault on meanwhile, the
 * range populated (populate_range_locked, errors ignored), and the lock
 * released. May sleep.
 */
void mmap_write_unlock_populate(struct mm *mm, unsigned long start, unsigned long end);
/* Where a populate is: the next page, and its lock drops and reclaims so far. */
struct populate_state {
	unsigned long addr;		/* the next page to fault in */
	unsigned long dropped_at;	/* the page last read in unlocked (-1: none) */
	int reclaims;			/* reclaim rounds for this page */
};
/*
 * gup.c: the one populate loop: fault in [ps->addr, end) of @v (readable,
 * or writable with @write), only where the PTE is missing or read-only;
 * ps->addr advances. 0, or the first failure: -EFAULT (SIGBUS/SIGSEGV),
 * -EHWPOISON (a lost swap page), -ENOMEM (try populate_reclaim()),
 * -EINTR (fatal signal), or -EAGAIN: the mmap lock was dropped and
 * retaken (swap-in I/O), look the VMA at ps->addr up again and go on.
 * Callers check the VMA's permissions. mmap lock held; may sleep.
 */
int populate_vma_range(struct mm *mm, struct vma *v, unsigned long end, bool write,
		       struct populate_state *ps);
bool populate_reclaim(struct mm *mm, struct populate_state *ps);
/* vmscan.c: a reference on @mm unless its last user is already tearing it down. */
bool mm_get_unless_zero(struct mm *mm);

/* --- The page cache, shmem and the swap cache (filemap.c, shmem.c, swap_state.c) --- */
/*
 * Public halves: mm/filemap.h, mm/shmem.h, mm/page_tree.h.
 */
struct inode;

/* filemap.c: insert into a hole (pages_lock held) / drop [first, end) (takes pages_lock). */
int filemap_add_page_locked(struct inode *inode, struct page *p, unsigned long index);
unsigned long filemap_remove_range(struct inode *inode, unsigned long first, unsigned long end);

/*
 * shmem.c, for reclaim (vmscan.c): shmem_writeout_begin() pins the inode
 * of a page seen in a file, shmem_writeout() writes the unmapped page to
 * swap (0, -EBUSY, -ENOSPC, -EIO), shmem_writeout_end() lets go. For
 * swapoff: shmem_unuse() reads every swapped shmem page back (0 or -errno).
 */
void shmem_writeout_begin(struct inode *inode);
int shmem_writeout(struct page *p);
void shmem_writeout_end(struct inode *inode);
int shmem_unuse(void);

/*
 * Mapping the page cache: shmem_vm_ops (shmem.c; its ->fault is
 * shmem_fault) are the vm_operations of every file VMA; their map_pages
 * is filemap_map_pages (filemap.c), fault-around over cached pages.
 */
struct vm_fault;
extern const struct vm_operations shmem_vm_ops;
void filemap_map_pages(struct vm_fault *vmf, unsigned long start, unsigned long end);

/*
 * swap_state.c: the swap cache, under swap_map_lock (defined in
 * swapfile.c with the slot counts it also guards).
 */
extern spinlock_t swap_map_lock;
/* Referenced page, NULL (the slot is free now) or ERR_PTR; sleeps. */
struct page *swap_cache_read_page(unsigned long slot);
/* Is @p still the cached page of @slot? (fault, under the page-table lock) */
bool swap_cache_page_current(const struct page *p, unsigned long slot);
struct page *swap_cache_lookup(unsigned long slot);	/* referenced cached page or NULL */
bool swap_cache_drop(struct page *p);			/* reclaim: true when dropped */
struct page *swap_cache_del_locked(unsigned long slot);	/* swap_free; then _release() */
void swap_cache_release(struct page *p);
void swap_cache_clear_locked(void);			/* swapoff, all slots free */

/* secretmem.c: is @inode a memfd_secret file; the mmap checks of one. */
struct inode;
bool inode_is_secretmem(const struct inode *inode);
int secretmem_mmap_flags(unsigned long type, unsigned long prot, unsigned long *vm_flags);
struct file *secretmem_file_create(void);
struct page *secret_page_alloc(void);		/* out of the direct map, or NULL */
void secret_page_restore(struct page *p);	/* back in it, zeroed */

/* --- Faults, zapping and copying page tables (memory.c, pagewalk.c, gup.c) --- */

/*
 * One fault being resolved (Linux's struct vm_fault): what the generic
 * path (memory.c) hands a VMA's vm_operations.fault, and what it gets back.
 */
struct vm_fault {
	struct vma *vma;
	unsigned long address;		/* the faulting page (aligned) */
	unsigned long pgoff;		/* linear_page_index(vma, address) */
	unsigned int flags;		/* FAULT_WRITE, FAULT_EXEC */
	struct pte_cursor pte;		/* the PTE of address; unlocked while ->fault runs */
	struct page *page;		/* out: what to map (a reference, or the zero page) */
	bool writable;			/* out: map it writable */
};

/*
 * Soft-dirty (Documentation/admin-guide/mm/soft-dirty.rst): a VMA tracks
 * writes page by page once clear_refs "4" has taken its VM_SOFTDIRTY away
 * (Linux's vma_soft_dirty_enabled()). Pure.
 */
static inline bool vma_soft_dirty_enabled(const struct vma *v)
{
	return !(v->flags & VM_SOFTDIRTY);
}

/*
 * Must a PTE with MMU_* @mmu_flags in @v stay write-protected so that
 * the next write faults and marks it? (Linux's pte_needs_soft_dirty_wp().)
 * Code that makes PTEs writable ahead of a write (mprotect, swap-in,
 * shared read faults) asks this first. Pure.
 */
static inline bool pte_needs_soft_dirty_wp(const struct vma *v, unsigned int mmu_flags)
{
	return vma_soft_dirty_enabled(v) && !(mmu_flags & MMU_SOFTDIRTY);
}

/* The shared zero page? (never counted, never freed) */
static inline bool is_zero_page(const struct page *p)
{
	return p == zero_page;
}

/*
 * Map @p in the empty slot under locked cursor @c, in @v (writable when
 * @writable and VM_WRITE); the PTE takes the caller's reference. 0,
 * -EEXIST (the slot filled meanwhile) or -ENOMEM. Does not sleep.
 */
int install_page(struct pte_cursor *c, struct vma *v, struct page *p, bool writable);
/* debug_alloc=1: panic unless rmap would find @p at @addr of @v (memory.c). */
void debug_check_page_at(const struct vma *v, unsigned long addr, const struct page *p);
/*
 * Give a VMA made by mmap its vm_operations: shmem's for a file (every
 * mappable file is tmpfs-backed), anonymous memory's otherwise. Called by
 * vm_mmap_region() before the VMA is inserted (memory.c).
 */
void vma_set_vm_ops(struct vma *v);
/*
 * The fault handler itself, for callers that hold @mm's mmap lock (GUP,
 * populate). Returns as vm_fault(); may sleep. FAULT_UNSHARE (GUP_FORCE)
 * gives a private page without making it writable: it copies a shared or
 * zero page, leaves an exclusive anonymous page alone, reads an absent one
 * in first.
 */
enum vm_fault_result handle_mm_fault(struct mm *mm, unsigned long addr, unsigned int flags);
/* handle_mm_fault() on @v, which the caller looked up (mmap lock held). */
enum vm_fault_result handle_vma_fault(struct mm *mm, struct vma *v, unsigned long addr,
				      unsigned int flags);
/* ... with @walked, a cursor the caller mapped at @addr, instead of a walk. */
enum vm_fault_result handle_vma_fault_at(struct mm *mm, struct vma *v, unsigned long addr,
					 unsigned int flags, const struct pte_cursor *walked);
/*
 * Does @v allow an access of FAULT_* @flags at all? (x86: write and exec
 * imply read; a PROT_NONE VMA allows nothing.) Pure.
 */
bool vma_access_permitted(const struct vma *v, unsigned int flags);
/* Only this PTE (and pins) hold @p: a write may reuse it in place. */
bool page_exclusive_anon(struct page *p);
/* MMU flags of a PTE in @v; @writable says whether this PTE may be written. */
unsigned int vma_pte_flags(const struct vma *v, bool writable);
/*
 * A PTE of @mm now maps / stopped mapping @p: count it (mapcount, meminfo,
 * RSS). page_add_map takes over the caller's reference; page_remove_map
 * drops the PTE's (which may free @p). No lock needed; callable under the
 * page-table lock.
 */
void page_add_map(struct mm *mm, struct page *p);
void page_remove_map(struct mm *mm, struct page *p);
/* Add @d to @mm's counter @c (RSS kinds, swap entries) in this CPU's row; atomic. */
static inline void add_mm_counter(struct mm *mm, enum mm_counter c, long d)
{
	struct mm_rss_row *row = &mm->rss[this_cpu()->index % mm->rss_rows];

	__atomic_add_fetch(&row->count[c], d, __ATOMIC_RELAXED);
}

/*
 * Range operations on a VMA's page tables through cursors (pagewalk.c).
 * All need the mmap lock of the mm(s) held; none sleeps except
 * pageout_range (swap writes) and the preemption points (cond_resched)
 * of zap_vma_range and copy_vma_pages.
 *
 * zap_vma_range: drop every page and swap entry mapped in [start, end) of
 * @v; ZAP_CLEAR clears the PTEs too, ZAP_EXIT leaves them (exit: the
 * tables are freed next).
 */
enum zap_mode {
	ZAP_CLEAR,
	ZAP_EXIT,
	ZAP_REAP,	/* ZAP_CLEAR that never sleeps: the OOM reaper holds a
			 * reference it must not be left to drop last */
};
void zap_vma_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end,
		   enum zap_mode mode);
/*
 * fork: map @v's pages into @dst as in @src, private ones COW. 0, -ENOMEM,
 * or -EINTR when the forking task is being killed.
 */
int copy_vma_pages(struct mm *dst, struct mm *src, struct vma *v);
/* mprotect: recompute the PTE flags of every page of @v from v->flags. */
void change_vma_protection(struct mm *mm, struct vma *v);
/* MADV_PAGEOUT: pages swapped out, or -ENOSPC / -EIO when none could be. */
long pageout_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end);
/* MADV_COLD: deactivate the pages only this mapping maps. */
void cold_range(struct mm *mm, struct vma *v, unsigned long start, unsigned long end);
/*
 * Truncate and punch hole (rmap.c's unmap_mapping_pages): drop this VMA's
 * PTEs of file offsets in [@first_index, @end_index); private (COW) copies
 * too only with @even_cows. Caller holds the inode's i_mmap_lock.
 */
void zap_file_pages_range(struct vma *v, unsigned long first_index, unsigned long end_index,
			  bool even_cows);
struct tlb_batch;
/*
 * rmap: remove the PTE mapping @p at @addr of @v; a dirty PTE dirties @p.
 * The flush is left to @b when not NULL (reclaim). False when that PTE no
 * longer maps @p (then nothing changed).
 */
bool unmap_page_at(struct vma *v, unsigned long addr, struct page *p, struct tlb_batch *b);
/*
 * Reclaim: replace the PTE mapping @p at @addr of @v by swap entry @slot
 * (@dup: with a slot reference of its own); @b flushes. False, nothing
 * done, when that PTE no longer maps @p.
 */
bool unmap_page_to_swap(struct vma *v, unsigned long addr, struct page *p, unsigned long slot,
			bool dup, struct tlb_batch *b);


#endif
