/*
 * proc_rmap.c - the /proc views of physical frames: Linux's
 * /proc/kpagecount and /proc/kpageflags, and Pagoda's own
 * /proc/pagoda/rmap, which asks the reverse map who maps one page.
 *
 * kpagecount and kpageflags hold 8 bytes per frame, read at pfn * 8, up to
 * max_pfn (then EOF); an offset or a length that is not a multiple of 8 is
 * EINVAL, as on Linux (fs/proc/page.c). Both are made per read from the
 * memmap, without locks: each entry is a snapshot that may be stale by
 * the time it is read, as on Linux.
 *
 *   kpagecount  how many page-table entries map the frame (page->mapcount);
 *               0 for frames never mapped into user space the normal way:
 *               free, slab, reserved, and so the zero page too (Linux's
 *               mapcount of the zero page stays 0, vm_normal_page()
 *               skips it)
 *   kpageflags  Linux's KPF_* bits (<linux/kernel-page-flags.h>) for what
 *               Pagoda knows:
 *
 *                 PG_locked LOCKED 0    PG_referenced REFERENCED 2
 *                 PG_uptodate UPTODATE 3  PG_dirty DIRTY 4
 *                 PG_lru    LRU 5       PG_active   ACTIVE 6
 *                 PG_slab   SLAB 7      PG_swapcache SWAPCACHE 13
 *                 PG_buddy  BUDDY 10    mapcount>0  MMAP 11
 *                 PG_anon   ANON 12     PG_swapbacked SWAPBACKED 14
 *                 zero page ZERO_PAGE 24
 *                 PG_reserved RESERVED 32 (from Linux's kernel-internal
 *                             list, which Linux shows too)
 *                 a hole: NOPAGE 20 and nothing else
 *
 *               A hole is a frame outside memblock's usable RAM: the memmap
 *               covers it (it is PG_reserved) but there is no memory
 *               behind it. Linux, whose memmap sections cover such holes,
 *               shows them as RESERVED and keeps NOPAGE for frames with no
 *               memmap at all. Not shown: LRU, ACTIVE, REFERENCED (no LRU
 *               lists yet), PGTABLE (page tables are not marked), compound
 *               pages (PG_head of a large kmalloc).
 *
 * /proc/pagoda/rmap is a transaction file (procfs.c, PROC_QUERY): write
 * "PID ADDR" (decimal pid, hex address with or without 0x, blanks between;
 * EINVAL when malformed or ADDR is not a user address), then read the
 * answer from the same open file:
 *
 *   pfn 0x<pfn> mapcount <n> refcount <n> <anon|file|secret|zero|other> index 0x<index>
 *   <pid> <comm> 0x<address>          one line per mapping rmap_walk() finds,
 *   ...                               one per task using that mm (vfork and
 *                                     CLONE_VM share one); "- -" when no task
 *                                     uses it any more (exiting)
 *
 * or, when there is nothing to show, one line "error: <why>" (no such
 * process, no address space, no page at ADDR, a frame without a struct
 * page). "secret" is a memfd_secret page, a file's but taken out of the
 * kernel's direct map (mm/secretmem.c). The page is the frame PID's page tables map at ADDR (it need not
 * be in the page cache or on any list), found with arch_query(); "other"
 * is a frame that is neither anonymous nor a file's nor the zero page
 * (reserved kernel memory: not mapped into user space today). The zero
 * page and reserved frames have no reverse mapping: the answer is the
 * first line alone.
 *
 * Locking for rmap: PID's mmap lock is held across the walk, which keeps
 * the VMA that maps the page, and so the anon_vma (or the file) that
 * page->mapping points to, alive; a page reference keeps the frame from
 * being freed under the walk if a truncate unmaps it. rmap_walk() takes
 * the anon_vma's mutex or the inode's i_mmap_lock, and each mapping then
 * takes tasklist_lock to name the tasks: mmap lock -> anon_vma lock or
 * i_mmap_lock -> tasklist_lock.
 *
 * Neighbours: the pagemap of each task (proc_vm.c) gives the PFN to look
 * up here; mm/rmap.c is the reverse map itself; user/bin/rmap.c prints it.
 */
#include <linux/kernel-page-flags.h>
#include "kernel/drivers/blkdev.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"
#include "mm/memblock.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/slab.h"
#include "mm/vm.h"
#include "mm/vmscan.h"
#include <arch/pgtable.h>

/* Kernel-only bits from 32 on (Linux's include/linux/kernel-page-flags.h). */
#define KPF_RESERVED	32

#define KPM_ENTRY_BYTES	8
#define KPM_BATCH	512		/* entries made per copy to the reader */

/* ---- kpagecount, kpageflags ---- */

/* Is @pfn in usable RAM? Holes and firmware ranges are not (few ranges: scan). */
static bool pfn_is_ram(pfn_t pfn)
{
	const struct memblock_range *r;
	unsigned int n = memblock_usable(&r);
	phys_addr_t pa = (phys_addr_t)pfn << PAGE_SHIFT;

	for (unsigned int i = 0; i < n; i++)
		if (pa >= r[i].base && pa < r[i].end)
			return true;
	return false;
}

/* Frames that are never mapped into user space count no mappings. */
static bool page_never_mapped(unsigned long flags)
{
	return flags & (1ul << PG_reserved | 1ul << PG_slab | 1ul << PG_buddy | 1ul << PG_pcp);
}

static uint64_t kpage_count(pfn_t pfn)
{
	struct page *p = pfn_to_page(pfn);
	int n;

	if (page_never_mapped(READ_ONCE(p->flags)))
		return 0;
	n = __atomic_load_n(&p->mapcount, __ATOMIC_RELAXED);
	return n > 0 ? (uint64_t)n : 0;
}

/* Pagoda's page flags and the KPF_* bit each one shows as. */
static const struct {
	unsigned char pg, kpf;
} kpf_bits[] = {
	{ PG_locked, KPF_LOCKED },
	{ PG_uptodate, KPF_UPTODATE },
	{ PG_dirty, KPF_DIRTY },
	{ PG_slab, KPF_SLAB },
	{ PG_buddy, KPF_BUDDY },
	{ PG_anon, KPF_ANON },
	{ PG_swapbacked, KPF_SWAPBACKED },
	{ PG_reserved, KPF_RESERVED },
	{ PG_lru, KPF_LRU },
	{ PG_active, KPF_ACTIVE },
	{ PG_referenced, KPF_REFERENCED },
	{ PG_swapcache, KPF_SWAPCACHE },
};

/* Linux's stable_page_flags() for what Pagoda has. */
static uint64_t kpage_flags(pfn_t pfn)
{
	struct page *p = pfn_to_page(pfn);
	unsigned long flags = READ_ONCE(p->flags);
	uint64_t u = 0;

	if (!pfn_is_ram(pfn))
		return 1ull << KPF_NOPAGE;
	if (p == zero_page)
		u |= 1ull << KPF_ZERO_PAGE;
	if (kpage_count(pfn))
		u |= 1ull << KPF_MMAP;
	for (size_t i = 0; i < ARRAY_SIZE(kpf_bits); i++)
		if (flags & (1ul << kpf_bits[i].pg))
			u |= 1ull << kpf_bits[i].kpf;
	return u;
}

/* Read @n bytes at *@pos of the array that @entry fills, one entry per pfn. */
static ssize_t kpage_read(struct fs_buf buf, size_t n, loff_t *pos,
			  uint64_t (*entry)(pfn_t pfn))
{
	uint64_t *entries;
	size_t done = 0;
	pfn_t pfn;

	/* Whole entries only, as Linux. */
	if (*pos < 0 || *pos % KPM_ENTRY_BYTES || n % KPM_ENTRY_BYTES)
		return -EINVAL;
	pfn = (pfn_t)*pos / KPM_ENTRY_BYTES;
	if (pfn >= max_pfn || !n)
		return 0;
	n = MIN(n, (size_t)(max_pfn - pfn) * KPM_ENTRY_BYTES);
	entries = kmalloc(KPM_BATCH * KPM_ENTRY_BYTES, 0);
	if (!entries)
		return -ENOMEM;
	while (done < n) {
		size_t count = MIN((n - done) / KPM_ENTRY_BYTES, (size_t)KPM_BATCH);

		for (size_t i = 0; i < count; i++)
			entries[i] = entry(pfn + i);
		if (fsbuf_copy_out(buf, done, entries, count * KPM_ENTRY_BYTES))
			break;
		done += count * KPM_ENTRY_BYTES;
		pfn += count;
	}
	kfree(entries);
	if (!done)
		return -EFAULT;
	*pos += done;
	return (ssize_t)done;
}

ssize_t proc_kpagecount_read(pid_t unused, struct fs_buf buf, size_t n, loff_t *pos)
{
	return kpage_read(buf, n, pos, kpage_count);
}

ssize_t proc_kpageflags_read(pid_t unused, struct fs_buf buf, size_t n, loff_t *pos)
{
	lru_add_drain_all();		/* KPF_LRU for pages still in add batches too */
	return kpage_read(buf, n, pos, kpage_flags);
}

loff_t proc_kpage_size(void)
{
	return (loff_t)max_pfn * KPM_ENTRY_BYTES;
}

/* ---- pagoda/rmap ---- */

struct rmap_req {
	pid_t pid;
	unsigned long addr;
};

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse "PID ADDR" into @r; 0 or -EINVAL. */
static int check_rmap_params(const char *s, struct rmap_req *r)
{
	long pid = 0;
	int digits = 0, d;

	s = skip_blanks(s);
	/* PID: decimal, positive, no larger than a pid can be. */
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		pid = pid * 10 + (*s - '0');
		if (pid > (1l << 30))
			return -EINVAL;
	}
	if (!digits || pid <= 0)
		return -EINVAL;
	/* At least one blank between the two. */
	if (*s != ' ' && *s != '\t')
		return -EINVAL;
	s = skip_blanks(s);
	/* ADDR: hex, "0x" optional, at most 16 digits. */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	r->addr = 0;
	for (digits = 0; (d = hex_digit(*s)) >= 0; s++, digits++) {
		if (digits == 16)
			return -EINVAL;
		r->addr = r->addr << 4 | (unsigned long)d;
	}
	if (!digits || *skip_blanks(s))
		return -EINVAL;
	/* ADDR: in the user half (the kernel half of a pgd is everyone's). */
	if (r->addr >= USER_END)
		return -EINVAL;
	r->pid = (pid_t)pid;
	return 0;
}

/* One mapping found by rmap_walk(): a line per task that uses its mm. */
static bool rmap_show_one(struct page *p, struct vma *v, unsigned long addr, void *arg)
{
	struct proc_buf *b = arg;
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	bool named = false;
	struct task *t;

	for_each_task(t) {
		if (t->mm != v->mm || t->state == TASK_DEAD)
			continue;
		proc_printf(b, "%d %s 0x%lx\n", t->pid, t->comm, addr);
		named = true;
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
	if (!named)
		proc_printf(b, "- - 0x%lx\n", addr);
	return !b->err;
}

/* What @p is for rmap: its kind word, and whether it has a reverse map to walk. */
static const char *rmap_page_kind(const struct page *p, bool *walk)
{
	*walk = false;
	if (p == zero_page)
		return "zero";
	if (page_test_flag(p, PG_anon)) {
		*walk = true;
		return "anon";
	}
	if (page_test_flag(p, PG_secret)) {	/* a memfd_secret page: out of the direct map */
		*walk = true;
		return "secret";
	}
	if (!page_never_mapped(p->flags) && p->mapping) {
		*walk = true;
		return "file";
	}
	return "other";
}

/* Show the page @mm maps at @r->addr and its mappings; mmap lock held. */
static void rmap_show_page(struct proc_buf *b, struct mm *mm, const struct rmap_req *r)
{
	unsigned long page_va = r->addr & PAGE_MASK;
	struct mmu_mapping m;
	const char *kind;
	struct page *p;
	bool walk;
	pfn_t pfn;

	if (arch_query(&mm->pgt, page_va, &m)) {
		proc_printf(b, "error: pid %d maps no page at 0x%lx\n", r->pid, r->addr);
		return;
	}
	/* m may be a huge leaf: the 4 KiB frame inside it. */
	pfn = (m.pa + (page_va - m.va)) >> PAGE_SHIFT;
	if (pfn >= max_pfn) {
		proc_printf(b, "error: pid %d maps 0x%lx to pfn 0x%lx, %s\n", r->pid, r->addr,
			    (unsigned long)pfn, "which has no struct page");
		return;
	}
	p = pfn_to_page(pfn);
	kind = rmap_page_kind(p, &walk);
	proc_printf(b, "pfn 0x%lx mapcount %d refcount %d %s index 0x%lx\n",
		    (unsigned long)pfn, __atomic_load_n(&p->mapcount, __ATOMIC_RELAXED),
		    page_count(p), kind, walk ? p->index : 0ul);
	if (!walk)
		return;
	get_page(p);
	rmap_walk(p, rmap_show_one, b);
	put_page(p);
}

int proc_rmap_query(struct proc_buf *b, const char *req)
{
	struct rmap_req r;
	struct mm *mm;
	int err = check_rmap_params(req, &r);

	if (err)
		return err;
	mm = proc_get_task_mm(r.pid);
	if (IS_ERR(mm)) {
		proc_printf(b, "error: no process %d\n", r.pid);
		return 0;
	}
	if (!mm) {
		proc_printf(b, "error: process %d has no address space\n", r.pid);
		return 0;
	}
	mmap_read_lock(mm);
	rmap_show_page(b, mm, &r);
	mmap_read_unlock(mm);
	mm_put(mm);
	return 0;
}

/*
 * pagoda/blk_inject: the block layer's read-error knob for user tests.
 * Write "DISK START COUNT" (sector numbers, decimal): reads of those
 * sectors of /dev/DISK fail with EIO until "DISK 0 0". The answer is the
 * setting made. Pagoda's own; Linux has no such file.
 */
int proc_blk_inject_query(struct proc_buf *b, const char *req)
{
	char name[16];
	unsigned long start = 0, count = 0;
	const char *p = req;
	size_t n = 0;
	struct blkdev *d;

	while (*p && *p != ' ' && n < sizeof(name) - 1)
		name[n++] = *p++;
	name[n] = 0;
	while (*p == ' ')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		start = start * 10 + (*p - '0');
	while (*p == ' ')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		count = count * 10 + (*p - '0');
	if (!n || *p)
		return -EINVAL;
	d = blkdev_get(name);
	if (!d)
		return -ENODEV;
	blkdev_inject_read_error(d, start, count);
	proc_printf(b, "%s: reads of sectors %lu..%lu fail\n", name, start,
		    count ? start + count - 1 : start);
	return 0;
}
