/*
 * mremap.c - mremap(2): shrink, grow or move a mapping (Linux's mm/mremap.c),
 * and Pagoda's MREMAP_RELOCATE_ANON extension.
 *
 * The cases, in the order sys_mremap() tries them (rules R1-R9 of
 * LINUX-MM-SEMANTICS.md):
 *
 *   shrink          old >= new, no FIXED/DONTUNMAP: unmap the tail (which may
 *                   span several VMAs, R5); the address stays
 *   grow in place   the range ends its VMA and the gap above is free:
 *                   the VMA's end moves up (and is populated when locked)
 *   move            MAYMOVE (and FIXED/DONTUNMAP): a copy of the VMA at the
 *                   new address takes over the page tables, then the old
 *                   range is unmapped (or, DONTUNMAP, left empty)
 *   multi-VMA move  FIXED with old == new over several VMAs (Linux 6.17,
 *                   R6): each VMA moves, the gaps between them stay gaps
 *   duplicate       old_size 0 on a shared mapping: a second VMA of the
 *                   same pages, nothing moved (R8)
 *
 * A move never copies a page. Every entry (present page, PROT_NONE page,
 * swap entry, swap-error marker, the zero page) moves from the old page
 * table to the new one under the page-table lock, a whole page table at a
 * time when both addresses are 2 MiB aligned (the PD entry moves:
 * arch_move_pte_table()), and the old range's TLB is flushed once. The
 * pages keep their rmap identity: the new VMA's pgoff is the old one's at
 * that address (Linux's linear_page_index rule), so page->index still
 * names the page's place and rmap walks find it at the new address; a
 * never-faulted anonymous VMA gets pgoff = new address >> PAGE_SHIFT
 * instead, as Linux's copy_vma does.
 *
 *   before   [ v: pgoff P          ]            (page i at v->start + (i-P) pages)
 *   after                     ...       [ n: pgoff P + off ]   (same pages, same i)
 *
 * MREMAP_RELOCATE_ANON (8) and MREMAP_MUST_RELOCATE_ANON (16), Pagoda's
 * implementation of Lorenzo Stoakes's 2025 series that Linux did not take:
 * that identity is what keeps a moved anonymous VMA from merging with its
 * new neighbours (their pgoffs are not contiguous). With the flag, when an
 * ordinary merge would not happen and the pages are surely this process's
 * alone (no fork relatives, none pinned or shared), the moved pages are
 * re-filed: index = their new linear index, anon_vma = that of the
 * adjacent anonymous neighbour whose offsets they continue (else a fresh
 * one), and the new VMA's pgoff = new address >> PAGE_SHIFT - then the
 * merge happens, now or when an mprotect makes the flags agree. Everything is checked
 * before anything changes, and the re-filing happens in one section under
 * the anon_vma locks, so no rmap walk ever sees a page whose index points
 * nowhere. When the checks fail, RELOCATE moves ordinarily and MUST fails
 * with EFAULT; moves with nothing to relocate succeed with either.
 *
 * Locking: the mmap lock for writing throughout; the anon_vma root
 * mutexes around a relocating move; the page-table lock per table.
 */
#include "mm/internal.h"
#include "kernel/errno.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/overcommit.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include <arch/pgtable.h>

#define MREMAP_RELOCATE_ANON		8	/* Pagoda's extension */
#define MREMAP_MUST_RELOCATE_ANON	16
#define MREMAP_RELOCATE_FLAGS		(MREMAP_RELOCATE_ANON | MREMAP_MUST_RELOCATE_ANON)
#define MREMAP_VALID	(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP | MREMAP_RELOCATE_FLAGS)

/* ---- moving page tables ---- */

/*
 * move_ptes(mm, old, new, len): move the entries of [old, old + len) to
 * [new, new + len) of @mm, a page table at a time. Returns the bytes moved:
 * less than @len only when a page table could not be allocated (the caller
 * moves them back). No flush: the caller's job.
 */
/* LAB mremap BEGIN */
static unsigned long move_ptes(struct mm *mm, unsigned long old, unsigned long new,
			       unsigned long len)
{
	unsigned long done = 0;

	while (done < len) {
		unsigned long o = old + done, n = new + done, chunk;
		int err;

		/* The fast path: a whole page table, both sides 2 MiB aligned. */
		if (!(o & (PMD_SIZE - 1)) && !(n & (PMD_SIZE - 1)) && len - done >= PMD_SIZE) {
			err = arch_move_pte_table(&mm->pgt, o, n);
			if (!err || err == -ENOENT) {	/* moved, or nothing there */
				done += PMD_SIZE;
				continue;
			}
			if (err == -ENOMEM)
				return done;
		}
		/* Up to the end of whichever page table (or hole) ends first. */
		chunk = MIN(len - done, ALIGN_DOWN(o, PMD_SIZE) + PMD_SIZE - o);
		chunk = MIN(chunk, ALIGN_DOWN(n, PMD_SIZE) + PMD_SIZE - n);
		if (arch_move_ptes(&mm->pgt, o, n, chunk))
			return done;		/* -ENOMEM; -EEXIST cannot be: the target is empty */
		done += chunk;
	}
	return len;
}
/* LAB mremap END */

/*
 * The page-table half of a move: entries over, the old range flushed. On
 * -ENOMEM what moved goes back (into tables that still exist) and nothing
 * has changed.
 */
static int move_page_tables(struct mm *mm, unsigned long old, unsigned long new,
			    unsigned long len)
{
	/* LAB mremap BEGIN */
	/* LAB mremap STUB: return -ENOMEM; */
	unsigned long moved = move_ptes(mm, old, new, len);

	if (moved == len) {
		arch_flush_tlb_mm_range(&mm->pgt, old, old + len);
		return 0;
	}
	move_ptes(mm, new, old, moved);
	arch_flush_tlb_mm_range(&mm->pgt, new, new + moved);
	return -ENOMEM;
	/* LAB mremap END */
}

/* ---- RELOCATE_ANON ---- */

/* The neighbours the new VMA [start, end) would have, once [old_start, old_end) is gone. */
static void dest_neighbours(struct mm *mm, unsigned long start, unsigned long end,
			    unsigned long old_start, unsigned long old_end,
			    struct vma **prev, struct vma **next)
{
	struct vma *p = start ? vma_lookup(&mm->vmas, start - 1) : NULL;
	struct vma *n = end < USER_END ? vma_lookup(&mm->vmas, end) : NULL;

	/* A neighbour that is (part of) the range moving away is no neighbour. */
	*prev = p && !(p->start < old_end && old_start < p->end) ? p : NULL;
	*next = n && !(n->start < old_end && old_start < n->end) ? n : NULL;
}

/* Would @tmp (the new VMA as an ordinary move makes it) merge at its place? */
static bool would_merge(struct vma *tmp, struct vma *prev, struct vma *next)
{
	return (prev && vma_can_merge(prev, tmp)) || (next && vma_can_merge(tmp, next));
}

/*
 * pages_relocatable(v, start, end): does every anonymous page mapped in
 * [start, end) of @v belong to @v alone: filed under @v's anon_vma, mapped
 * once (no fork relative shares it), not pinned? The zero page and file
 * pages have nothing to re-file.
 */
/* LAB mremap BEGIN */
struct reloc_check {
	struct anon_vma *av;
	bool ok;
};

static int reloc_check_one(const struct mmu_mapping *m, void *arg)
{
	struct reloc_check *rc = arg;
	struct page *p = pfn_to_page(m->pa >> PAGE_SHIFT);

	if (!page_test_flag(p, PG_anon) || is_zero_page(p))
		return 0;			/* nothing to re-file */
	if (page_anon_vma(p) != rc->av || __atomic_load_n(&p->mapcount, __ATOMIC_RELAXED) != 1 ||
	    page_pincount(p)) {
		rc->ok = false;			/* shared, pinned, or another family's */
		return 1;
	}
	return 0;
}

static bool pages_relocatable(struct vma *v, unsigned long start, unsigned long end)
{
	struct reloc_check rc = { v->anon_vma, true };

	arch_walk(&v->mm->pgt, start, end, reloc_check_one, &rc);
	return rc.ok;
}
/* LAB mremap END */

/* vma_relocatable(v): a private anonymous VMA whose pages no other process can see? */
/* LAB mremap BEGIN */
static bool vma_relocatable(struct vma *v)
{
	if (v->file || (v->flags & (VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO)))
		return false;
	return anon_vma_private_to_mm(v);
}
/* LAB mremap END */

/*
 * anon_continues(nb, v, contiguous): can a relocated part of @v join
 * neighbour @nb's anon_vma: @nb private anonymous like @v, its offsets
 * continuing into the new ones (@contiguous), and its pages its mm's alone?
 */
/* LAB mremap BEGIN */
static bool anon_continues(struct vma *nb, struct vma *v, bool contiguous)
{
	return contiguous && nb->anon_vma && !nb->file && nb->ops == v->ops &&
	       !(nb->flags & (VM_SHARED | VM_MAYSHARE)) && vma_relocatable(nb);
}
/* LAB mremap END */

/* The plan for one VMA's move. */
struct move_plan {
	unsigned long pgoff;		/* of the new VMA */
	struct vma *anon_from;		/* whose anon_vmas it joins (NULL: a fresh one) */
	bool relocate;			/* re-file the moved pages */
};

/*
 * Decide how [old, old + len) of @v moves to @new_addr (@new_len long):
 * 0, or -EFAULT when MUST_RELOCATE_ANON cannot be honoured.
 */
static int plan_move(struct vma *v, unsigned long old, unsigned long len, unsigned long new_addr,
		     unsigned long new_len, unsigned long flags, struct move_plan *plan)
{
	struct mm *mm = v->mm;
	struct vma *prev, *next, tmp;

	plan->relocate = false;
	plan->anon_from = v;
	plan->pgoff = v->pgoff + ((old - v->start) >> PAGE_SHIFT);
	if (!v->file && !(v->flags & VM_SHARED) && !v->anon_vma) {
		plan->pgoff = new_addr >> PAGE_SHIFT;	/* never faulted: as a new mapping */
		return 0;
	}
	if (!(flags & MREMAP_RELOCATE_FLAGS))
		return 0;
	dest_neighbours(mm, new_addr, new_addr + new_len, old, old + len, &prev, &next);
	tmp = *v;
	tmp.start = new_addr;
	tmp.end = new_addr + new_len;
	tmp.pgoff = plan->pgoff;
	if (would_merge(&tmp, prev, next))
		return 0;			/* an ordinary move merges already */
	/* LAB mremap BEGIN */
	/* LAB mremap STUB: return (flags & MREMAP_MUST_RELOCATE_ANON) ? -EFAULT : 0; */
	if (!vma_relocatable(v) || !pages_relocatable(v, old, old + len))
		return (flags & MREMAP_MUST_RELOCATE_ANON) ? -EFAULT : 0;
	/*
	 * Relocate into an adjacent neighbour's family when it is private
	 * anonymous memory continuing the new offsets (its flags may differ:
	 * an mprotect that makes them agree merges them later), else into a
	 * fresh anon_vma.
	 */
	plan->relocate = true;
	plan->pgoff = new_addr >> PAGE_SHIFT;
	plan->anon_from = NULL;
	if (prev && anon_continues(prev, v, prev->pgoff + vma_pages(prev) == plan->pgoff))
		plan->anon_from = prev;
	else if (next && anon_continues(next, v, plan->pgoff + (new_len >> PAGE_SHIFT) ==
					 next->pgoff))
		plan->anon_from = next;
	return 0;
	/* LAB mremap END */
}

/* arch_walk() callback: re-file every anonymous page now mapped in [start, end) of @n under @n. */
/* LAB mremap BEGIN */
static int relocate_one(const struct mmu_mapping *m, void *arg)
{
	struct vma *n = arg;
	struct page *p = pfn_to_page(m->pa >> PAGE_SHIFT);

	if (page_test_flag(p, PG_anon) && !is_zero_page(p))
		page_set_anon_rmap(p, n, m->va);
	return 0;
}
/* LAB mremap END */

/*
 * Move the page tables of a relocating move and re-file the pages, all
 * under the old and the new anon_vma's root mutexes, so rmap walks see
 * either the old identity at the old place or the new one at the new.
 */
static int move_and_relocate(struct vma *v, struct vma *n, unsigned long old,
			     unsigned long len)
{
	/* LAB mremap BEGIN */
	/* LAB mremap STUB: return -ENOSYS; */
	struct anon_vma *a = v->anon_vma->root, *b = n->anon_vma->root;
	struct mm *mm = v->mm;
	int err;

	mutex_lock(&a->lock);
	if (b != a)
		mutex_lock_nested(&b->lock);
	err = move_page_tables(mm, old, n->start, len);
	if (!err)
		arch_walk(&mm->pgt, n->start, n->start + len, relocate_one, n);
	if (b != a)
		mutex_unlock(&b->lock);
	mutex_unlock(&a->lock);
	return err;
	/* LAB mremap END */
}

/* ---- moving a VMA ---- */

/*
 * Move [old, old + old_len) of @v (inside it) to a new VMA at @new_addr of
 * @new_len (the part beyond old_len empty): Linux's move_vma. Returns
 * @new_addr or -errno (nothing changed then).
 */
static long move_vma(struct vma *v, unsigned long old, unsigned long old_len,
		     unsigned long new_addr, unsigned long new_len, unsigned long flags)
{
	struct mm *mm = v->mm;
	bool charged = vm_flags_charged(v->flags), keep_old = (flags & MREMAP_DONTUNMAP) || !old_len;
	unsigned long charge = keep_old ? new_len : new_len - old_len;
	struct move_plan plan;
	struct vma *n;
	int err;

	if (map_count_exceeded(mm, 3))
		return -ENOMEM;			/* Linux: map_count + 3 > max */
	err = plan_move(v, old, old_len, new_addr, new_len, flags, &plan);
	if (err)
		return err;
	/* The new VMA is charged for itself; the old range is uncharged when unmapped. */
	if (charged && vm_enough_memory(mm, charge >> PAGE_SHIFT))
		return -ENOMEM;
	if (charged && !keep_old)
		vm_acct_memory((long)(old_len >> PAGE_SHIFT));
	n = vma_copy_at(v, mm, new_addr, new_addr + new_len, plan.pgoff, plan.anon_from);
	if (n && plan.relocate && !n->anon_vma && anon_vma_prepare(n)) {
		vma_free(n);
		n = NULL;
	}
	if (!n) {
		if (charged)
			vm_unacct_memory((long)(new_len >> PAGE_SHIFT));
		return -ENOMEM;
	}
	n->flags |= VM_SOFTDIRTY;		/* moved: new to a soft-dirty tracker */
	vma_insert(mm, n);
	if (old_len)
		err = plan.relocate ? move_and_relocate(v, n, old, old_len)
				    : move_page_tables(mm, old, new_addr, old_len);
	if (err) {
		vma_remove(mm, n);		/* uncharges its new_len: back to the start */
		return err;
	}
	if (flags & MREMAP_DONTUNMAP) {
		/* The source stays mapped, empty and unlocked (Linux); a failed split leaves it locked. */
		if (v->flags & VM_LOCKED)
			vma_change_flags(mm, v, old, old + old_len,
					 v->flags & ~(VM_LOCKED | VM_LOCKONFAULT));
	} else if (old_len) {
		vm_munmap_emptied_locked(mm, old, old_len);	/* no PTE left: VMAs, tables go */
	}
	vma_merge_around(mm, n);
	return (long)new_addr;
}

/*
 * Linux's vma_to_resize: may [addr, addr + old_len) of @v become @new_len
 * long? 0, or EINVAL (a private duplicate; DONTUNMAP of a special VMA),
 * EFAULT (the range leaves the VMA, or it cannot expand), EAGAIN (past
 * RLIMIT_MEMLOCK).
 */
static int resize_ok(struct vma *v, unsigned long addr, unsigned long old_len,
		     unsigned long new_len, unsigned long flags)
{
	if (!old_len && !(v->flags & (VM_SHARED | VM_MAYSHARE)))
		return -EINVAL;			/* R8: only a shared mapping duplicates */
	if ((flags & MREMAP_DONTUNMAP) && (v->flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -EINVAL;
	if (old_len > v->end - addr)
		return -EFAULT;			/* R7: one VMA */
	if (new_len == old_len)
		return 0;
	if (v->flags & (VM_DONTEXPAND | VM_PFNMAP))
		return -EFAULT;
	if ((v->flags & VM_LOCKED) && new_len > old_len &&
	    over_mlock_limit(v->mm, (new_len - old_len) >> PAGE_SHIFT))
		return -EAGAIN;
	return 0;
}

/*
 * Linux 6.17's multi-VMA move (R6): FIXED, old_len == new_len, the range
 * over several VMAs and the gaps between them. Each VMA's part moves to
 * the same offset from @new_addr, replacing only what is mapped there;
 * what the destination has across from a gap stays. May stop part way.
 */
static long move_multi(struct mm *mm, unsigned long addr, unsigned long len,
		       unsigned long new_addr, unsigned long flags)
{
	unsigned long end = addr + len, cur = addr;
	struct vma *v;

	while ((v = vma_find(&mm->vmas, cur)) && v->start < end) {
		unsigned long s = MAX(v->start, cur), e = MIN(v->end, end);
		long ret;

		if (v->flags & (VM_DONTEXPAND | VM_PFNMAP))
			return -EFAULT;
		if (vma_is_sealed(v))
			return -EPERM;
		ret = vm_munmap_locked(mm, new_addr + (s - addr), e - s);
		if (ret)
			return ret;
		v = vma_lookup(&mm->vmas, s);	/* the unmap does not touch the source */
		ret = move_vma(v, s, e - s, new_addr + (s - addr), e - s, flags);
		if (ret < 0)
			return ret;
		cur = e;
	}
	return (long)new_addr;
}

/* FIXED and/or DONTUNMAP of [addr, addr + old_len), @v at addr: Linux's mremap_to. */
static long mremap_to(struct mm *mm, struct vma *v, unsigned long addr, unsigned long old_len,
		      unsigned long new_addr, unsigned long new_len, unsigned long flags)
{
	long err;

	if (map_count_exceeded(mm, 2 + 3))
		return -ENOMEM;			/* Linux: map_count + 2 >= max - 3 */
	if ((flags & MREMAP_FIXED) && old_len == new_len && old_len > v->end - addr)
		return move_multi(mm, addr, old_len, new_addr, flags);
	/* Checked before anything is unmapped (as Linux 6.17): a refusal changes nothing. */
	err = resize_ok(v, addr, MIN(old_len, new_len), new_len, flags);
	if (err)
		return err;
	if (flags & MREMAP_FIXED) {
		err = vm_munmap_locked(mm, new_addr, new_len);	/* R2 */
		if (err)
			return err;
	}
	if (old_len > new_len) {
		err = vm_munmap_locked(mm, addr + new_len, old_len - new_len);
		if (err)
			return err;
		old_len = new_len;
	}
	/* Found again (the unmaps may have split it); resize_ok() holds still. */
	v = vma_lookup(&mm->vmas, addr);
	if (!(flags & MREMAP_FIXED)) {
		new_addr = get_unmapped_area(mm, 0, new_len);
		if (!new_addr)
			return -ENOMEM;
	}
	return move_vma(v, addr, old_len, new_addr, new_len, flags);
}

/* Grow [addr, addr + old_len) to @new_len: in place if the gap allows, else move (MAYMOVE). */
static long mremap_grow(struct mm *mm, struct vma *v, unsigned long addr, unsigned long old_len,
			unsigned long new_len, unsigned long flags)
{
	unsigned long end = addr + new_len, new_addr;
	int err = resize_ok(v, addr, old_len, new_len, flags);
	struct vma *next;

	if (err)
		return err;
	next = vma_next(v);
	if (old_len && old_len == v->end - addr && end > addr && end <= USER_END &&
	    (!next || next->start >= end)) {
		unsigned long grow = new_len - old_len;

		if (vm_flags_charged(v->flags) && vm_enough_memory(mm, grow >> PAGE_SHIFT))
			return -ENOMEM;
		vma_expand_end(mm, v, end);
		vma_merge_around(mm, v);
		return (long)addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;			/* R3 */
	new_addr = get_unmapped_area(mm, 0, new_len);
	if (!new_addr)
		return -ENOMEM;
	return move_vma(v, addr, old_len, new_addr, new_len, flags);
}

/* Page-align @len up; false when that overflows. */
static bool align_len(unsigned long *len)
{
	unsigned long a = ALIGN_UP(*len, PAGE_SIZE);

	if (a < *len)
		return false;
	*len = a;
	return true;
}

/* Contract in vm.h. */
long vm_mremap_locked(struct mm *mm, unsigned long addr, unsigned long old_len,
		      unsigned long new_len, unsigned long flags, unsigned long new_addr)
{
	struct vma *v;

	mmap_assert_write_locked(mm);
	v = vma_lookup(&mm->vmas, addr);
	if (!v)
		return -EFAULT;
	if (vma_is_sealed(v))
		return -EPERM;			/* mseal: the source stays (a sealed target: munmap says so) */
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP))
		return mremap_to(mm, v, addr, old_len, new_addr, new_len, flags);
	if (old_len == new_len)
		return (long)addr;
	if (old_len > new_len)			/* R5: the tail may span several VMAs */
		return vm_munmap_locked(mm, addr + new_len, old_len - new_len) ?: (long)addr;
	return mremap_grow(mm, v, addr, old_len, new_len, flags);
}

static long sys_mremap(unsigned long addr, unsigned long old_len, unsigned long new_len,
		       unsigned long flags, unsigned long new_addr)
{
	struct mm *mm = current()->mm;
	long ret;

	/* R1, in Linux's order (check_mremap_params). */
	if (flags & ~(unsigned long)MREMAP_VALID)
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if ((flags & (MREMAP_FIXED | MREMAP_DONTUNMAP | MREMAP_RELOCATE_FLAGS)) &&
	    !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (!align_len(&old_len) || !align_len(&new_len) || !new_len || new_len > USER_END)
		return -EINVAL;
	if ((flags & MREMAP_DONTUNMAP) && old_len != new_len)
		return -EINVAL;
	/* DONTUNMAP's new_address is checked too, though only a hint without FIXED. */
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
		if ((new_addr & ~PAGE_MASK) || new_len > USER_END || new_addr > USER_END - new_len)
			return -EINVAL;
		if (addr < new_addr + new_len && new_addr < addr + old_len)
			return -EINVAL;		/* the two ranges overlap */
	}
	mmap_write_lock(mm);
	ret = vm_mremap_locked(mm, addr, old_len, new_len, flags, new_addr);
	/*
	 * A locked mapping that grew gets its new part populated, with the
	 * lock held for reading only (Linux's mremap: mm_populate after it).
	 */
	if (!IS_ERR_VALUE(ret) && new_len > old_len) {
		struct vma *v = vma_lookup(&mm->vmas, (unsigned long)ret);

		if (v && vm_flags_populate_locked(v->flags)) {
			mmap_write_unlock_populate(mm, (unsigned long)ret + old_len,
						   (unsigned long)ret + new_len);
			return ret;
		}
	}
	mmap_write_unlock(mm);
	return ret;
}
SYSCALL(__NR_mremap, sys_mremap);
