/*
 * vma.c - the VMAs of an address space: allocate, copy, insert, remove,
 * split, merge, change flags, and unmap a range (Linux's mm/vma.c).
 *
 * Every system call that changes a mapping (mmap.c, mprotect.c, mlock.c,
 * madvise.c, mremap.c) is built from these few operations on the
 * per-mm VMA tree (mm/vma_tree.c), all under the mmap lock held for write:
 *
 *   split       [ v              ]   ->  [ v  ][ hi       ]     __vma_split()
 *   merge       [ prev ][ v ][ next ] -> [ prev          ]     vma_merge_around()
 *   change      [ v   |XXXX|     ]   ->  [ v ][ X  ][ v'  ]     vma_change_flags()
 *   unmap       [ v   |    |     ]   ->  [ v ]      [ v'  ]     vm_munmap_locked()
 *
 * Merging follows Linux: two neighbours become one VMA when they touch and
 * agree on flags, file, anon_vma, operations and page offset contiguity
 * (prev->pgoff + pages(prev) == next->pgoff). Anonymous VMAs get
 * pgoff = start >> PAGE_SHIFT, so anonymous neighbours are always
 * contiguous in pgoff, as on Linux.
 *
 * Each VMA is also in the reverse map: its anon_vma chains (anonymous and
 * COW pages) and, for a file, the file's i_mmap interval tree keyed by
 * [pgoff, last pgoff] (mm/rmap.c). Changing start, end or pgoff in place is
 * bracketed by vma_rmap_pre_update()/vma_rmap_post_update() so rmap walks
 * never see a stale key.
 *
 * Sealed VMAs (mseal.c) are never unmapped: vm_munmap_locked() refuses
 * the whole range with EPERM before it splits anything, as Linux's
 * vms_gather_munmap_vmas() does.
 *
 * Limits, as Linux: a split that would add a VMA (mprotect, madvise, mlock,
 * munmap of a VMA's middle) is refused once the count has reached
 * max_map_count. Accountable VMAs (vm_flags_charged()) are charged to the
 * committed total before they are inserted and uncharged when removed
 * (overcommit.c).
 */
#include "mm/internal.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "mm/overcommit.h"
#include "mm/rmap.h"
#include "mm/slab.h"
#include <arch/pgtable.h>

static struct kmem_cache *vma_cache;	/* every struct vma; created by vma_init() */

void vma_init(void)
{
	vma_cache = kmem_cache_create("vma", sizeof(struct vma), 8);
	if (!vma_cache)
		panic("vm: no memory for the vma cache");
}

struct vma *vma_alloc(void)
{
	struct vma *v = kmem_cache_alloc(vma_cache, 0);

	if (v) {
		memset(v, 0, sizeof(*v));
		INIT_LIST_HEAD(&v->anon_vma_chain);
	}
	return v;
}

void vma_free(struct vma *v)
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
 * A copy of @v for [start, end) of @mm at @pgoff: its anonymous side made
 * by fork (a new anon_vma of its own, under @v's), by a clone of
 * @anon_from's chains, or none (@anon_from NULL); its file referenced and
 * in the i_mmap tree. NULL without memory.
 */
static struct vma *vma_copy(struct vma *v, struct mm *mm, unsigned long start, unsigned long end,
			    unsigned long pgoff, bool fork, struct vma *anon_from)
{
	struct vma *n = vma_alloc();
	int err = 0;

	if (!n)
		return NULL;
	*n = *v;
	n->mm = mm;
	n->start = start;
	n->end = end;
	n->pgoff = pgoff;
	INIT_LIST_HEAD(&n->anon_vma_chain);
	n->anon_vma = anon_from ? anon_from->anon_vma : NULL;
	if (fork)
		err = anon_vma_fork(n, v);
	else if (anon_from)
		err = anon_vma_clone(n, anon_from);
	if (err) {
		kmem_cache_free(vma_cache, n);
		return NULL;
	}
	if (n->file) {
		file_get(n->file);
		vma_link_file(n);
	}
	return n;
}

struct vma *vma_dup(struct vma *v, struct mm *mm, unsigned long start, unsigned long end,
		    enum vma_dup_kind kind)
{
	return vma_copy(v, mm, start, end, linear_page_index(v, start), kind == VMA_DUP_FORK, v);
}

/* Contract in internal.h. */
struct vma *vma_copy_at(struct vma *v, struct mm *mm, unsigned long start, unsigned long end,
			unsigned long pgoff, struct vma *anon_from)
{
	return vma_copy(v, mm, start, end, pgoff, false, anon_from);
}

/* Move @v's end (merge, split), keeping the VMA tree and the rmap trees exact. */
static void vma_set_end(struct mm *mm, struct vma *v, unsigned long end)
{
	vma_rmap_pre_update(v);
	v->end = end;
	vma_rmap_post_update(v);
	vma_tree_adjust(&mm->vmas, v);
}

void vma_insert(struct mm *mm, struct vma *v)
{
	mmap_assert_write_locked(mm);
	vma_tree_insert(&mm->vmas, v);
	mm->total_vm += vma_pages(v);
	if (v->flags & VM_LOCKED)
		mm->locked_vm += vma_pages(v);
}

void vma_remove(struct mm *mm, struct vma *v)
{
	mmap_assert_write_locked(mm);
	if (vm_flags_charged(v->flags))
		vm_unacct_memory((long)vma_pages(v));
	vma_tree_erase(&mm->vmas, v);
	mm->total_vm -= vma_pages(v);
	if (v->flags & VM_LOCKED)
		mm->locked_vm -= vma_pages(v);
	vma_free(v);
}

/* Contract in internal.h. */
void vma_expand_end(struct mm *mm, struct vma *v, unsigned long end)
{
	unsigned long add = (end - v->end) >> PAGE_SHIFT;

	mmap_assert_write_locked(mm);
	vma_rmap_grow_end(v, end);
	vma_tree_adjust(&mm->vmas, v);
	mm->total_vm += add;
	if (v->flags & VM_LOCKED)
		mm->locked_vm += add;
}

bool map_count_exceeded(const struct mm *mm, unsigned long adding)
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
	struct vma *hi = vma_dup(v, mm, addr, v->end, VMA_DUP_SPLIT);

	if (!hi)
		return -ENOMEM;
	vma_set_end(mm, v, addr);
	vma_tree_insert(&mm->vmas, hi);
	return 0;
}

int vma_split(struct mm *mm, struct vma *v, unsigned long addr)
{
	mmap_assert_write_locked(mm);
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

/*
 * Contract in internal.h. Linux's is_mergeable_vma(): VM_SOFTDIRTY does
 * not keep two VMAs apart (vma_absorb() keeps it when either had it).
 */
bool vma_can_merge(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && !((a->flags ^ b->flags) & ~VM_SOFTDIRTY) &&
	       a->file == b->file &&
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
	keep->flags |= gone->flags & VM_SOFTDIRTY;	/* either's pages may be dirty */
	keep->start = start;
	keep->end = end;
	vma_rmap_post_update(keep);
	vma_tree_adjust(&mm->vmas, keep);
	vma_free(gone);
}

struct vma *vma_merge_around(struct mm *mm, struct vma *v)
{
	struct vma *prev = vma_prev(v), *next = vma_next(v);

	mmap_assert_write_locked(mm);
	if (next && vma_can_merge(v, next))
		vma_absorb(mm, v, next);
	if (prev && vma_can_merge(prev, v)) {
		vma_absorb(mm, prev, v);
		v = prev;
	}
	return v;
}

struct vma *vma_change_flags(struct mm *mm, struct vma *v, unsigned long start,
			     unsigned long end, unsigned long newflags)
{
	unsigned long old = v->flags;

	mmap_assert_write_locked(mm);
	if (newflags == old)
		return v;
	if (v->start < start) {
		if (vma_split(mm, v, start))
			return ERR_PTR(-ENOMEM);
		v = vma_next(v);
	}
	if (v->end > end && vma_split(mm, v, end))
		return ERR_PTR(-ENOMEM);
	if ((old ^ newflags) & VM_LOCKED)
		mlock_account(mm, v, newflags & VM_LOCKED);
	v->flags = newflags;
	if ((old ^ newflags) & (VM_ACCESS_FLAGS | VM_SHARED))
		change_vma_protection(mm, v);
	return vma_merge_around(mm, v);
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

static int do_munmap(struct mm *mm, unsigned long start, unsigned long len, bool zap)
{
	unsigned long end;
	struct vma *v;
	bool any = false;

	mmap_assert_write_locked(mm);
	len = ALIGN_UP(len, PAGE_SIZE);
	end = start + len;
	if ((start & ~PAGE_MASK) || !len || start >= USER_END || len > USER_END - start)
		return -EINVAL;
	/* Cutting a hole in one VMA adds one: the map-count limit applies. */
	v = vma_find(&mm->vmas, start);
	if (v && v->start < start && v->end > end && map_count_exceeded(mm, 1))
		return -ENOMEM;
	/* A sealed VMA anywhere in the range: nothing is split or unmapped (mseal.c). */
	if (vma_range_sealed(mm, start, end))
		return -EPERM;
	while ((v = vma_find(&mm->vmas, start)) && v->start < end) {
		if (v->start < start) {
			if (__vma_split(mm, v, start))
				return -ENOMEM;
			continue;	/* the upper part is found next time */
		}
		if (v->end > end && __vma_split(mm, v, end))
			return -ENOMEM;
		if (zap)
			zap_vma_range(mm, v, v->start, v->end, ZAP_CLEAR);
		vma_remove(mm, v);
		any = true;
	}
	if (any)
		free_pgtables(mm, start, end);
	return 0;
}

int vm_munmap_locked(struct mm *mm, unsigned long start, unsigned long len)
{
	return do_munmap(mm, start, len, true);
}

/* Contract in internal.h. */
int vm_munmap_emptied_locked(struct mm *mm, unsigned long start, unsigned long len)
{
	return do_munmap(mm, start, len, false);
}
