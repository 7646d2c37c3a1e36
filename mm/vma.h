/*
 * vma.h - virtual memory areas and the per-mm VMA tree.
 *
 * A VMA is one run of pages [start, end) with the same flags, backing
 * (anonymous memory or one file at consecutive offsets) and operations.
 * struct mm keeps its VMAs in a red-black tree ordered by address and
 * augmented, Linux-style, with the largest free gap in each subtree, so
 *
 *   vma_find(t, addr)       the VMA containing addr, or the first above it
 *   vma_gap_topdown(...)    the highest free range of a given size
 *
 * are O(log n). The gap in front of a VMA is [prev->end, vma->start)
 * (prev = the VMA just below, or the tree's lower bound):
 *
 *        low                                              high
 *         |<-gap->[ vma A ]<--gap-->[ vma B ]<-gap->[ vma C ]  |
 *
 * The tree code (mm/vma_tree.c on kernel/lib/rbtree.c) is pure: host tests
 * build it against a naive sorted-array model.
 */
#ifndef MM_VMA_H
#define MM_VMA_H

#include <arch/memlayout.h>
#include "kernel/lib/interval_tree.h"
#include "kernel/lib/list.h"
#include "kernel/lib/rbtree.h"
#include "kernel/types.h"

/* vm_flags, with Linux's values (include/linux/mm.h). */
#define VM_NONE		0x00000000ul
#define VM_READ		0x00000001ul
#define VM_WRITE	0x00000002ul
#define VM_EXEC		0x00000004ul
#define VM_SHARED	0x00000008ul
#define VM_MAYREAD	0x00000010ul
#define VM_MAYWRITE	0x00000020ul
#define VM_MAYEXEC	0x00000040ul
#define VM_MAYSHARE	0x00000080ul
#define VM_GROWSDOWN	0x00000100ul
#define VM_PFNMAP	0x00000400ul	/* frames without struct page (no user of it yet) */
#define VM_LOCKED	0x00002000ul
#define VM_IO		0x00004000ul
#define VM_DONTCOPY	0x00020000ul
#define VM_DONTEXPAND	0x00040000ul
#define VM_LOCKONFAULT	0x00080000ul
#define VM_ACCOUNT	0x00100000ul
#define VM_NORESERVE	0x00200000ul
#define VM_DONTDUMP	0x04000000ul
#define VM_SOFTDIRTY	0x08000000ul
/*
 * Pagoda's own bit (not shown in smaps): shared anonymous memory charged
 * to the committed total. Linux charges the shmem object instead; Pagoda
 * charges the VMA, so a forked copy is charged again (mm/overcommit.c).
 */
#define VM_SHM_ACCOUNT	(1ul << 40)
/*
 * mseal(2) sealed the VMA (Linux 6.10+: VM_SEALED = _BITUL(63) on 64-bit,
 * smaps "sl"): no munmap, mprotect, MAP_FIXED, mremap or discarding
 * madvise of it until the mm goes (mm/mseal.c). Being a flag, it keeps a
 * sealed VMA from merging with an unsealed neighbour.
 */
#define VM_SEALED	(1ul << 63)

#define VM_ACCESS_FLAGS	(VM_READ | VM_WRITE | VM_EXEC)

struct mm;
struct file;
struct anon_vma;
struct vma;

struct vm_fault;			/* mm/internal.h */

/* What resolving a fault came to (vm_fault(), vm_operations.fault). */
enum vm_fault_result {
	VM_FAULT_OK = 0,		/* retry the access: it will succeed or fault again */
	VM_FAULT_SEGV_MAPERR,		/* no VMA there */
	VM_FAULT_SEGV_ACCERR,		/* the VMA forbids this access */
	VM_FAULT_SIGBUS,		/* no data: beyond EOF */
	VM_FAULT_HWPOISON,		/* the data is lost: a swap-in error (poison) marker */
	VM_FAULT_OOM,
};

/*
 * What a VMA is backed by: the hooks the generic fault path (mm/memory.c)
 * and the VMA code call, as Linux's struct vm_operations_struct. Every VMA
 * has some (vma_set_vm_ops() at mmap time; split and fork copy them):
 * anon_vm_ops for anonymous memory, shmem_vm_ops for tmpfs/memfd/shared
 * anonymous files. memfd_secret will bring its own.
 */
struct vm_operations {
	const char *name;		/* for /proc maps when there is no file */
	/*
	 * Find the page for a PTE that maps nothing: set vmf->page (a
	 * reference the new PTE takes over, or the zero page) and
	 * vmf->writable, and return VM_FAULT_OK; the generic path then
	 * installs it (finish_fault). Called with the mmap lock held (for
	 * reading is enough: another task's fault may be in ->fault for the
	 * same page at the same time, so whatever it adds to a shared
	 * structure - the page cache - it adds only where it finds a hole
	 * under that structure's lock) and the page-table lock not held: may
	 * sleep.
	 */
	enum vm_fault_result (*fault)(struct vm_fault *vmf);
	/*
	 * The VMA is being freed (munmap, exit; also a VMA a merge absorbs,
	 * so ops with close must refuse merging, as Linux's
	 * is_mergeable_vma does). Optional; mmap lock held.
	 */
	void (*close)(struct vma *v);
	/*
	 * Fault-around: after a read fault's ->fault, map read-only whatever
	 * pages of [start, end) (one page table, inside the VMA) are cached
	 * already, into empty slots, through vmf->pte. Optional; may sleep
	 * only with the cursor unlocked.
	 */
	void (*map_pages)(struct vm_fault *vmf, unsigned long start, unsigned long end);
	/*
	 * Hooks Linux has that later issues add when they need them:
	 *   open(v)            a copy of the VMA was made (split, fork)
	 *   may_split(v, addr) refuse a split at @addr (hugetlb-like VMAs)
	 *   mremap(v)          the VMA moved (mremap.c needs none yet: no
	 *                      VMA kind that cares exists)
	 *   page_mkwrite(vmf)  a shared file page becomes writable
	 */
};

/*
 * One mapping of an mm. Every field is written only under the mmap lock
 * of @mm held for writing, and so stays put for anyone holding it for
 * reading (a fault) - but for the first anon_vma, which a fault sets
 * (anon_vma_prepare) holding the lock only for reading, under @mm's
 * page-table lock, and which never changes again but under the write
 * lock. (rmap walkers read start/end/pgoff/mm under the anon_vma or
 * i_mmap lock instead, which every writer of those also takes while the
 * VMA is in a tree: mm/rmap.c.)
 */
struct vma {
	unsigned long start, end;	/* [start, end), page aligned; + rmap lock when linked */
	unsigned long flags;		/* VM_*; mmap lock */
	unsigned long pgoff;		/* file offset in pages; start >> PAGE_SHIFT for anon;
					 * + rmap lock when linked */
	struct mm *mm;			/* set at creation, then constant */
	struct file *file;		/* NULL: anonymous (a reference when set); constant */
	struct anon_vma *anon_vma;	/* write + root lock, or (NULL -> first one)
					 * read + pgt.upper_lock: where new anon pages go */
	struct list_head anon_vma_chain;	/* as anon_vma, + root locks: its AVCs (mm/rmap.h) */
	const struct vm_operations *ops;	/* set once by vma_set_vm_ops() */
	struct interval_tree_node shared_rb;	/* the file's i_mmap_lock: its i_mmap node */

	/* Tree bookkeeping (mm/vma_tree.c only; mmap lock). */
	struct rb_node rb;
	unsigned long gap;		/* own gap: v->start - (prev ? prev->end : t->low) */
	unsigned long subtree_gap;	/* largest gap in front of any VMA in this subtree */
};

/* A memfd_secret mapping (mm/secretmem.c): out of the kernel's reach. */
extern const struct vm_operations secretmem_vm_ops;
static inline bool vma_is_secretmem(const struct vma *v)
{
	return v->ops == &secretmem_vm_ops;
}

/* Has mseal(2) sealed @v? (Linux's vma_is_sealed; what it refuses: mm/mseal.c) */
static inline bool vma_is_sealed(const struct vma *v)
{
	return v->flags & VM_SEALED;
}

/* A private mapping that may be written: copy-on-write (Linux's is_cow_mapping). */
static inline bool is_cow_mapping(unsigned long vm_flags)
{
	return (vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

/* Pages a VMA covers. */
static inline unsigned long vma_pages(const struct vma *v)
{
	return (v->end - v->start) >> PAGE_SHIFT;
}

/* The page offset (file page, or anon index) that @addr of @v maps. */
static inline unsigned long linear_page_index(const struct vma *v, unsigned long addr)
{
	return v->pgoff + ((addr - v->start) >> PAGE_SHIFT);
}

/* The last page offset @v covers: its interval in the rmap trees is [pgoff, this]. */
static inline unsigned long vma_last_pgoff(const struct vma *v)
{
	return v->pgoff + vma_pages(v) - 1;
}

struct vma_tree {
	struct rb_root root;
	unsigned long low, high;	/* placement bounds for the first gap / last gap */
	unsigned long count;
};

void vma_tree_init(struct vma_tree *t, unsigned long low, unsigned long high);
/* Insert @v (its [start, end) must not overlap any VMA in @t). */
void vma_tree_insert(struct vma_tree *t, struct vma *v);
void vma_tree_erase(struct vma_tree *t, struct vma *v);
/*
 * After changing v->start or v->end in place (split, merge, grow), without
 * reordering: bring the gap bookkeeping up to date. Also the next VMA's gap
 * changes when v->end moves: the call covers both.
 */
void vma_tree_adjust(struct vma_tree *t, struct vma *v);
/* The VMA containing @addr, or else the lowest VMA above it, or NULL. */
struct vma *vma_find(struct vma_tree *t, unsigned long addr);
/* The VMA containing @addr, or NULL. */
struct vma *vma_lookup(struct vma_tree *t, unsigned long addr);
struct vma *vma_first(struct vma_tree *t);
struct vma *vma_last(struct vma_tree *t);
struct vma *vma_next(struct vma *v);
struct vma *vma_prev(struct vma *v);
/*
 * Highest page-aligned address a with [a, a + size) free, a >= low and
 * a + size <= high (both page aligned, within the tree's bounds); 0 if none.
 */
unsigned long vma_gap_topdown(struct vma_tree *t, unsigned long size,
			      unsigned long low, unsigned long high);
/* Lowest such address (bottom-up search), 0 if none. */
unsigned long vma_gap_bottomup(struct vma_tree *t, unsigned long size,
			       unsigned long low, unsigned long high);
/* Check every invariant (order, no overlap, gaps, colours); false + why. */
bool vma_tree_check(struct vma_tree *t, char *why, size_t len);

#endif
