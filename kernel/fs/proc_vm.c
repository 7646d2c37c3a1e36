/*
 * proc_vm.c - the /proc views of memory: <pid>/maps, smaps, pagemap and
 * cmdline, the memory counters of <pid>/status and stat, and /proc/vmstat;
 * and <pid>/clear_refs, which resets the accessed and soft-dirty bits
 * those views report.
 *
 * Everything here reads real state rather than bookkeeping: maps walks the
 * VMA tree, smaps and pagemap walk the page tables (arch_walk()) and look
 * at each mapped frame's struct page, the way Linux's fs/proc/task_mmu.c
 * does, and print in Linux's exact formats so that tools and tests written
 * for Linux parse them unchanged:
 *
 *   maps     "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu " then, when the
 *            VMA has a name, spaces up to column 72, one more space and
 *            the name (so it starts at column 73), then "\n"
 *   smaps    the maps line, then "Size:           %8lu kB" lines, then
 *            "VmFlags: rd wr mr mw me \n"
 *   pagemap  8 bytes per virtual page, read at (vaddr >> 12) * 8
 *            (Documentation/admin-guide/mm/pagemap.rst):
 *
 *              bit 63      present (a PROT_NONE page too, as on Linux)
 *              bit 62      swapped (then bits 0-4 type 0, 5-54 the slot)
 *              bit 61      file page or shared anonymous (not PG_anon)
 *              bit 56      exclusively mapped (mapcount 1)
 *              bit 55      soft-dirty: the PTE or swap entry is
 *                          (MMU_SOFTDIRTY), or the page lies in a VMA
 *                          with VM_SOFTDIRTY, present or not
 *              bits 0-54   PFN (everyone is root: always shown)
 *
 * The shared zero page is not a "normal" page (Linux's vm_normal_page()):
 * smaps does not count it at all, pagemap shows it present with its PFN
 * but neither file nor exclusive.
 *
 * All of it runs with the mmap lock held (procfs.c takes it around the
 * show functions; pagemap takes it per batch and drops it to copy out, since
 * copying into the reader's own memory may fault). maps also takes
 * dentry_tree_lock (a spinlock) for a file's path.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/swap.h"
#include "mm/vm.h"
#include "mm/vmstat.h"
#include <arch/pgtable.h>
#include <arch/tlb.h>

/* ---- /proc/vmstat ---- */

/* "name value" lines: nr_free_pages, the page states, then the events. */
int proc_show_vmstat(struct proc_buf *b, const struct proc_ctx *unused)
{
	proc_printf(b, "nr_free_pages %lu\n", pmm_free_pages());
	for (int i = 0; i < NR_VM_STAT_ITEMS; i++)
		proc_printf(b, "%s %ld\n", vm_stat_names[i], read_vm_stat(i));
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		proc_printf(b, "%s %lu\n", vm_event_names[i],
			    read_vm_event(i));
	/* Linux's names: shootdown requests sent, and the IPIs they took (tlb.c). */
	proc_printf(b, "nr_tlb_remote_flush %lu\n",
		    __atomic_load_n(&tlb_stat_shootdowns, __ATOMIC_RELAXED));
	proc_printf(b, "nr_tlb_remote_flush_received %lu\n",
		    __atomic_load_n(&tlb_stat_ipis, __ATOMIC_RELAXED));
	return 0;
}

/* ---- reading the address space ---- */

/* Linux's vma_is_initial_stack(); Pagoda's stack VMA has no VM_GROWSDOWN. */
static bool vma_is_stack(const struct mm *mm, const struct vma *v)
{
	return v->start <= mm->start_stack && v->end >= mm->start_stack;
}

/* Linux's vma_is_initial_heap(): overlaps [start_brk, brk], ends included. */
static bool vma_is_heap(const struct mm *mm, const struct vma *v)
{
	return v->start <= mm->brk && v->end >= mm->start_brk;
}

/*
 * The struct page behind a mapped frame, or NULL when it has none worth
 * counting: no memmap entry (device memory), reserved, or the zero page.
 */
static struct page *normal_page(phys_addr_t pa)
{
	pfn_t pfn = pa >> PAGE_SHIFT;
	struct page *p;

	if (pfn >= max_pfn)
		return NULL;
	p = pfn_to_page(pfn);
	if (p == zero_page || page_test_flag(p, PG_reserved))
		return NULL;
	return p;
}

static long rss_pages(const struct mm *mm, enum mm_counter i)
{
	long n = get_mm_counter(mm, i);

	return n < 0 ? 0 : n;
}

void proc_mm_stats(struct mm *mm, struct proc_mm_stats *st)
{
	struct vma *v;

	memset(st, 0, sizeof(*st));
	st->total_vm = mm->total_vm;
	st->locked_vm = mm->locked_vm;
	st->pgtables = arch_pgd_nr_tables(&mm->pgt);
	st->rss_anon = rss_pages(mm, MM_ANONPAGES);
	st->rss_file = rss_pages(mm, MM_FILEPAGES);
	st->rss_shmem = rss_pages(mm, MM_SHMEMPAGES);
	st->swap_ents = rss_pages(mm, MM_SWAPENTS);
	st->start_stack = mm->start_stack;
	st->start_brk = mm->start_brk;
	st->arg_start = mm->arg_start;
	st->arg_end = mm->arg_end;
	st->env_start = mm->env_start;
	st->env_end = mm->env_end;
	/* Linux's vm_stat_account() classes: stack, then exec and data. */
	for (v = vma_first(&mm->vmas); v; v = vma_next(v)) {
		if ((v->flags & VM_GROWSDOWN) || vma_is_stack(mm, v))
			st->stack_vm += vma_pages(v);
		else if ((v->flags & (VM_EXEC | VM_WRITE)) == VM_EXEC)
			st->exec_vm += vma_pages(v);
		else if ((v->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
			st->data_vm += vma_pages(v);
	}
}

/*
 * /proc/<pid>/cmdline: the argument strings, each NUL-terminated, read
 * through the page tables (a page not present reads as zeros). Mmap lock
 * held.
 */
int proc_show_cmdline(struct proc_buf *b, const struct proc_ctx *c)
{
	struct mm *mm = c->mm;
	unsigned long addr = mm->arg_start;

	while (addr < mm->arg_end && !b->err) {
		size_t chunk = MIN(mm->arg_end - addr, PAGE_SIZE - (addr & ~PAGE_MASK));
		struct mmu_mapping m;

		if (arch_query(&mm->pgt, addr, &m)) {
			static const char zeros[64];

			chunk = MIN(chunk, sizeof(zeros));
			proc_write(b, zeros, chunk);
		} else {
			proc_write(b, (char *)phys_to_virt(m.pa) + (addr - m.va), chunk);
		}
		addr += chunk;
	}
	return 0;
}

/* ---- maps ---- */

#define MAPS_NAME_COLUMN	(25 + 6 * (int)sizeof(void *) - 1)	/* 72 */
#define DELETED_SUFFIX		" (deleted)"

/*
 * The path of a mapped file into @buf, as Linux's d_path(): the name seen
 * from the root, or, for a file that is no longer in any directory, the
 * path it had plus " (deleted)". Memfds and shared anonymous memory are
 * such files, made with their names ("memfd:x", "dev/zero") right under
 * the root: "/memfd:x (deleted)". NULL when the file has no path.
 */
static const char *file_path(struct file *f, char *buf, size_t size)
{
	size_t room = size - sizeof(DELETED_SUFFIX);
	struct dentry *d = f->dentry;
	long n;

	unsigned long irq;

	if (!d)
		return NULL;
	irq = spin_lock_irqsave(&dentry_tree_lock);	/* not vfs_ns_lock: see dcache.c */
	n = dentry_path(d, vfs_root, buf, room);
	if (n == -ENOENT) {
		n = dentry_path(d->parent, vfs_root, buf, room);
		if (n < 0)
			n = 0;			/* the parent is gone too: "/name" */
		if (n == 1)
			n = 0;			/* the parent is "/" */
		snprintf(buf + n, room - n, "/%s", d->name);
		n = strlen(buf);
		snprintf(buf + n, size - n, "%s", DELETED_SUFFIX);
	}
	spin_unlock_irqrestore(&dentry_tree_lock, irq);
	return n < 0 ? NULL : buf;
}

/* What maps shows after the numbers: a path, a kind in brackets, or NULL. */
static const char *vma_name(struct mm *mm, struct vma *v, char *path, size_t size)
{
	if (v->file)
		return file_path(v->file, path, size);
	if (v->ops && v->ops->name)
		return v->ops->name;
	if (vma_is_heap(mm, v))
		return "[heap]";
	if (vma_is_stack(mm, v))
		return "[stack]";
	return NULL;
}

/* Append @s with each newline written "\012", as Linux's seq_file_path(). */
static void write_escaped(struct proc_buf *b, const char *s)
{
	const char *nl;

	while ((nl = strchr(s, '\n'))) {
		proc_write(b, s, nl - s);
		proc_write(b, "\\012", 4);
		s = nl + 1;
	}
	proc_write(b, s, strlen(s));
}

/* One maps line (Linux's show_map_vma()); @path is a PATH_MAX scratch buffer. */
static void show_map_vma(struct proc_buf *b, struct mm *mm, struct vma *v, char *path)
{
	const char *name = vma_name(mm, v, path, PATH_MAX);
	unsigned long long off = 0;
	unsigned long ino = 0;
	unsigned int dev = 0;
	char line[128];
	int n;

	if (v->file && v->file->inode) {
		off = (unsigned long long)v->pgoff << PAGE_SHIFT;
		dev = v->file->inode->sb->dev;		/* st_dev, as stat.c */
		ino = v->file->inode->ino;
	}
	n = snprintf(line, sizeof(line), "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ",
		     v->start, v->end, v->flags & VM_READ ? 'r' : '-',
		     v->flags & VM_WRITE ? 'w' : '-', v->flags & VM_EXEC ? 'x' : '-',
		     v->flags & VM_MAYSHARE ? 's' : 'p', off, MAJOR(dev), MINOR(dev), ino);
	if (name) {
		/* seq_pad(): fill to the column, then one more space. */
		while (n < MAPS_NAME_COLUMN)
			line[n++] = ' ';
		line[n++] = ' ';
	}
	proc_write(b, line, n);
	if (name)
		write_escaped(b, name);
	proc_write(b, "\n", 1);
}

int proc_show_maps(struct proc_buf *b, const struct proc_ctx *c)
{
	char *path = kmalloc(PATH_MAX, 0);
	struct vma *v;

	if (!path)
		return -ENOMEM;
	for (v = vma_first(&c->mm->vmas); v && !b->err; v = vma_next(v))
		show_map_vma(b, c->mm, v, path);
	kfree(path);
	return 0;
}

/* ---- smaps ---- */

/*
 * Pss is kept in bytes << PSS_SHIFT, as Linux does, so that a page shared
 * by three mappers adds exactly a third of itself and the sum over all
 * VMAs is exact until the final shift.
 */
#define PSS_SHIFT	12

/* Linux's struct mem_size_stats, for what Pagoda has. Bytes. */
struct smaps_stats {
	unsigned long start, end;	/* the VMA: clip huge leaves to it */
	bool locked;			/* VM_LOCKED: Pss counts as Locked */
	unsigned long resident, referenced, anonymous;
	unsigned long shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t pss, pss_dirty, pss_locked;
};

/* One mapped page (Linux's smaps_account() + smaps_page_accumulate()). */
static void smaps_account(struct smaps_stats *s, struct page *p, unsigned int mmu_flags)
{
	int mapcount = __atomic_load_n(&p->mapcount, __ATOMIC_RELAXED);
	bool dirty = (mmu_flags & MMU_DIRTY) || page_test_flag(p, PG_dirty);
	bool shared = mapcount >= 2;
	uint64_t pss = (uint64_t)PAGE_SIZE << PSS_SHIFT;

	if (page_test_flag(p, PG_anon))
		s->anonymous += PAGE_SIZE;
	s->resident += PAGE_SIZE;
	if ((mmu_flags & MMU_ACCESSED) || page_test_flag(p, PG_referenced))
		s->referenced += PAGE_SIZE;
	if (shared)
		pss /= mapcount;
	s->pss += pss;
	if (s->locked)
		s->pss_locked += pss;
	if (dirty) {
		s->pss_dirty += pss;
		*(shared ? &s->shared_dirty : &s->private_dirty) += PAGE_SIZE;
	} else {
		*(shared ? &s->shared_clean : &s->private_clean) += PAGE_SIZE;
	}
}

static int smaps_pte(const struct mmu_mapping *m, void *arg)
{
	struct smaps_stats *s = arg;
	unsigned long va = MAX(m->va, s->start), end = MIN(m->va + m->size, s->end);

	for (; va < end; va += PAGE_SIZE) {
		struct page *p = normal_page(m->pa + (va - m->va));

		if (p)
			smaps_account(s, p, m->flags);
	}
	return 0;
}

/* "Rss:            %8lu kB": Linux's labels are padded to 16 (one to 17). */
static void smap_kb(struct proc_buf *b, const char *label, unsigned long bytes)
{
	proc_printf(b, "%-16s%8lu kB\n", label, bytes >> 10);
}

/* Two letters per VM_* bit, in bit order (Linux's show_smap_vma_flags()). */
static const char *const vm_flag_names[64] = {
	[0] = "rd",	/* VM_READ */
	[1] = "wr",	/* VM_WRITE */
	[2] = "ex",	/* VM_EXEC */
	[3] = "sh",	/* VM_SHARED */
	[4] = "mr",	/* VM_MAYREAD */
	[5] = "mw",	/* VM_MAYWRITE */
	[6] = "me",	/* VM_MAYEXEC */
	[7] = "ms",	/* VM_MAYSHARE */
	[8] = "gd",	/* VM_GROWSDOWN */
	[13] = "lo",	/* VM_LOCKED */
	[14] = "io",	/* VM_IO */
	[17] = "dc",	/* VM_DONTCOPY */
	[18] = "de",	/* VM_DONTEXPAND */
	[19] = "lf",	/* VM_LOCKONFAULT */
	[20] = "ac",	/* VM_ACCOUNT */
	[21] = "nr",	/* VM_NORESERVE */
	[26] = "dd",	/* VM_DONTDUMP */
	[27] = "sd",	/* VM_SOFTDIRTY */
	[63] = "sl",	/* VM_SEALED (mseal) */
};
_Static_assert(VM_GROWSDOWN == 1ul << 8 && VM_LOCKED == 1ul << 13 && VM_IO == 1ul << 14 &&
	       VM_DONTCOPY == 1ul << 17 && VM_LOCKONFAULT == 1ul << 19 &&
	       VM_NORESERVE == 1ul << 21 && VM_DONTDUMP == 1ul << 26 &&
	       VM_SOFTDIRTY == 1ul << 27 && VM_SEALED == 1ul << 63,
	       "vm_flag_names[] follows Linux's VM_* bits");

static void show_vm_flags(struct proc_buf *b, unsigned long flags)
{
	proc_printf(b, "VmFlags: ");
	for (int bit = 0; bit < 64; bit++)
		if ((flags & (1ul << bit)) && vm_flag_names[bit])
			proc_printf(b, "%s ", vm_flag_names[bit]);
	proc_printf(b, "\n");
}

/* Linux's show_smap(): what has no counterpart in Pagoda (THP, swap, KSM) is 0. */
static void show_smap(struct proc_buf *b, struct mm *mm, struct vma *v, char *path)
{
	struct smaps_stats s = {
		.start = v->start, .end = v->end, .locked = v->flags & VM_LOCKED,
	};

	arch_walk(&mm->pgt, v->start, v->end, smaps_pte, &s);
	show_map_vma(b, mm, v, path);
	smap_kb(b, "Size:", v->end - v->start);
	smap_kb(b, "KernelPageSize:", PAGE_SIZE);
	smap_kb(b, "MMUPageSize:", PAGE_SIZE);
	smap_kb(b, "Rss:", s.resident);
	smap_kb(b, "Pss:", s.pss >> PSS_SHIFT);
	smap_kb(b, "Pss_Dirty:", s.pss_dirty >> PSS_SHIFT);
	smap_kb(b, "Shared_Clean:", s.shared_clean);
	smap_kb(b, "Shared_Dirty:", s.shared_dirty);
	smap_kb(b, "Private_Clean:", s.private_clean);
	smap_kb(b, "Private_Dirty:", s.private_dirty);
	smap_kb(b, "Referenced:", s.referenced);
	smap_kb(b, "Anonymous:", s.anonymous);
	smap_kb(b, "KSM:", 0);
	smap_kb(b, "LazyFree:", 0);
	smap_kb(b, "AnonHugePages:", 0);
	smap_kb(b, "ShmemPmdMapped:", 0);
	smap_kb(b, "FilePmdMapped:", 0);
	smap_kb(b, "Shared_Hugetlb:", 0);
	proc_printf(b, "Private_Hugetlb: %7lu kB\n", 0ul);
	smap_kb(b, "Swap:", 0);
	smap_kb(b, "SwapPss:", 0);
	smap_kb(b, "Locked:", s.pss_locked >> PSS_SHIFT);
	proc_printf(b, "THPeligible:    %8u\n", 0u);
	show_vm_flags(b, v->flags);
}

int proc_show_smaps(struct proc_buf *b, const struct proc_ctx *c)
{
	char *path = kmalloc(PATH_MAX, 0);
	struct vma *v;

	if (!path)
		return -ENOMEM;
	for (v = vma_first(&c->mm->vmas); v && !b->err; v = vma_next(v))
		show_smap(b, c->mm, v, path);
	kfree(path);
	return 0;
}

/* ---- pagemap ---- */

#define PM_ENTRY_BYTES	8
#define PM_BATCH	512			/* entries per mmap-lock hold: 2 MiB of VA */
#define PM_PFN_MASK	((1ull << 55) - 1)
#define PM_SOFT_DIRTY	(1ull << 55)
#define PM_MMAP_EXCLUSIVE (1ull << 56)
#define PM_FILE		(1ull << 61)
#define PM_SWAP		(1ull << 62)	/* bits 0-4 swap type, 5-54 offset */
#define PM_PRESENT	(1ull << 63)
/* Where entries end: Linux's TASK_SIZE, below the never-mapped last page. */
#define PAGEMAP_END	(USER_END - PAGE_SIZE)

struct pagemap_batch {
	unsigned long start, end;	/* the batch's VA range */
	uint64_t *entries;		/* one per page of [start, end) */
};

/* Linux's pte_to_pagemap_entry() for a present (or PROT_NONE) PTE with MMU_* @flags. */
static uint64_t pagemap_entry(phys_addr_t pa, unsigned int flags)
{
	struct page *p = normal_page(pa);
	uint64_t e = PM_PRESENT | ((pa >> PAGE_SHIFT) & PM_PFN_MASK);

	if (flags & MMU_SOFTDIRTY)
		e |= PM_SOFT_DIRTY;
	if (!p)
		return e;
	if (!page_test_flag(p, PG_anon))
		e |= PM_FILE;
	if (__atomic_load_n(&p->mapcount, __ATOMIC_RELAXED) == 1)
		e |= PM_MMAP_EXCLUSIVE;
	return e;
}

static int pagemap_pte(const struct mmu_mapping *m, void *arg)
{
	struct pagemap_batch *pm = arg;
	unsigned long va = MAX(m->va, pm->start), end = MIN(m->va + m->size, pm->end);

	for (; va < end; va += PAGE_SIZE)
		pm->entries[(va - pm->start) >> PAGE_SHIFT] =
			pagemap_entry(m->pa + (va - m->va), m->flags);
	return 0;
}

/*
 * A swap entry: bit 62, type 0 in bits 0-4, the slot in bits 5-54 (Linux's
 * layout), and its soft-dirty bit. A swap-error marker holds no slot: it
 * shows only that bit.
 */
static int pagemap_swap(vaddr_t va, uint64_t slot, unsigned int flags, void *arg)
{
	struct pagemap_batch *pm = arg;
	uint64_t e = (flags & MMU_SOFTDIRTY) ? PM_SOFT_DIRTY : 0;

	if (va < pm->start || va >= pm->end)
		return 0;
	if (slot != SWP_ERROR_MARKER)
		e |= PM_SWAP | ((slot << 5) & PM_PFN_MASK);
	pm->entries[(va - pm->start) >> PAGE_SHIFT] = e;
	return 0;
}

/*
 * Every page of a VMA with VM_SOFTDIRTY is soft-dirty, mapped or not
 * (Linux's pagemap_pte_hole and pte_to_pagemap_entry).
 */
static void pagemap_vma_softdirty(struct vma *v, struct pagemap_batch *pm)
{
	for (; v && v->start < pm->end; v = vma_next(v)) {
		unsigned long va = MAX(v->start, pm->start), end = MIN(v->end, pm->end);

		if (!(v->flags & VM_SOFTDIRTY))
			continue;
		for (; va < end; va += PAGE_SIZE)
			pm->entries[(va - pm->start) >> PAGE_SHIFT] |= PM_SOFT_DIRTY;
	}
}

loff_t proc_pagemap_size(void)
{
	return (loff_t)(USER_END >> PAGE_SHIFT) * PM_ENTRY_BYTES;
}

/* Fill @pm (zeroed) under the mmap lock; a batch no VMA touches needs no walk. */
static void pagemap_fill(struct mm *mm, struct pagemap_batch *pm)
{
	struct vma *v;

	mmap_read_lock(mm);
	v = vma_find(&mm->vmas, pm->start);
	if (v && v->start < pm->end) {
		arch_walk(&mm->pgt, pm->start, pm->end, pagemap_pte, pm);
		arch_walk_swap(&mm->pgt, pm->start, pm->end, pagemap_swap, pm);
		pagemap_vma_softdirty(v, pm);
	}
	mmap_read_unlock(mm);
}

/*
 * Read @n bytes at *@pos: entries for the pages from (*pos / 8) << 12 on.
 * Both must be multiples of 8 (EINVAL). From PAGEMAP_END on: 0 (EOF). A
 * task without an mm reads as empty, as on Linux. Takes and drops the
 * mmap lock per batch; may sleep.
 */
ssize_t proc_pagemap_read(pid_t pid, struct fs_buf buf, size_t n, loff_t *pos)
{
	const unsigned long last_vpn = PAGEMAP_END >> PAGE_SHIFT;
	struct pagemap_batch pm;
	unsigned long vpn;
	struct mm *mm;
	size_t done = 0;

	if (*pos < 0 || *pos % PM_ENTRY_BYTES || n % PM_ENTRY_BYTES)
		return -EINVAL;
	vpn = (unsigned long)*pos / PM_ENTRY_BYTES;
	if (vpn >= last_vpn || !n)
		return 0;
	mm = proc_get_task_mm(pid);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	if (!mm)
		return 0;
	pm.entries = kmalloc(PM_BATCH * PM_ENTRY_BYTES, 0);
	if (!pm.entries) {
		mm_put(mm);
		return -ENOMEM;
	}
	while (done < n && vpn < last_vpn) {
		size_t count = MIN(MIN((n - done) / PM_ENTRY_BYTES, (size_t)PM_BATCH),
				   last_vpn - vpn);

		pm.start = vpn << PAGE_SHIFT;
		pm.end = (vpn + count) << PAGE_SHIFT;
		memset(pm.entries, 0, count * PM_ENTRY_BYTES);
		pagemap_fill(mm, &pm);
		/* Outside the mmap lock: the reader may be faulting on its own memory. */
		if (fsbuf_copy_out(buf, done, pm.entries, count * PM_ENTRY_BYTES)) {
			done = 0;
			break;
		}
		done += count * PM_ENTRY_BYTES;
		vpn += count;
	}
	kfree(pm.entries);
	mm_put(mm);
	if (!done)
		return -EFAULT;
	*pos += done;
	return (ssize_t)done;
}

/* ---- clear_refs ---- */

/*
 * Write @value to /proc/PID/clear_refs of @mm (Linux's clear_refs_write):
 * 1 every VMA's accessed bits, 2 anonymous VMAs', 3 file VMAs'; 4 the
 * soft-dirty bits of all, each VMA losing VM_SOFTDIRTY and each present
 * PTE its write permission (mm/pagewalk.c: clear_refs_vma); 5 resets the
 * peak RSS, which Pagoda does not keep (VmHWM is VmRSS): nothing to do.
 * Anything else: -EINVAL. Takes the mmap lock, for writing with 4 (the
 * VMAs' flags change), else for reading, as Linux's; may sleep.
 */
int proc_clear_refs(struct mm *mm, long value)
{
	enum clear_refs_type type = (enum clear_refs_type)value;
	bool write = type == CLEAR_REFS_SOFT_DIRTY;

	if (value < CLEAR_REFS_ALL || value > CLEAR_REFS_MM_HIWATER_RSS)
		return -EINVAL;
	if (type == CLEAR_REFS_MM_HIWATER_RSS)
		return 0;
	if (write)
		mmap_write_lock(mm);
	else
		mmap_read_lock(mm);
	for (struct vma *v = vma_first(&mm->vmas); v; v = vma_next(v)) {
		if (v->flags & VM_PFNMAP)
			continue;
		if ((type == CLEAR_REFS_ANON && v->file) || (type == CLEAR_REFS_MAPPED && !v->file))
			continue;
		clear_refs_vma(mm, v, type);
	}
	if (write)
		mmap_write_unlock(mm);
	else
		mmap_read_unlock(mm);
	return 0;
}
