/*
 * swap_ktest.c - swap areas: the mkswap header is checked the way Linux
 * checks it, and swapon/swapoff on a virtio disk publish and withdraw the
 * area (the disk's first page is saved and restored around the test);
 * pages go out and come back (anonymous, and tmpfs/shmem; by a populate,
 * with the mmap lock dropped); the LRU lists.
 */
#include "kernel/drivers/blkdev.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "mm/filemap.h"
#include "mm/shmem.h"
#include "kernel/ktest.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/might_sleep.h"
#include "mm/page_alloc.h"
#include "mm/internal.h"
#include <arch/pgtable.h>
#include "mm/slab.h"
#include "mm/swap.h"
#include "mm/vmscan.h"
#include "mm/vmstat.h"
#include <arch/memlayout.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <arch/tlb.h>
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/task.h"

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = v, p[1] = v >> 8, p[2] = v >> 16, p[3] = v >> 24;
}

/* What mkswap writes: version 1, last_page, bad pages, the magic. */
static void make_header(uint8_t *h, uint32_t last, const uint32_t *bad, uint32_t nbad)
{
	memset(h, 0, PAGE_SIZE);
	wr32(h + 1024, 1);
	wr32(h + 1028, last);
	wr32(h + 1032, nbad);
	for (uint32_t i = 0; i < nbad; i++)
		wr32(h + 1536 + 4 * i, bad[i]);
	memcpy(h + PAGE_SIZE - 10, SWAP_MAGIC, 10);
}

KTEST(swap_header_checks)
{
	static uint8_t h[PAGE_SIZE];
	const uint32_t bad[] = { 5, 7 }, bad0[] = { 0 };
	unsigned long last;

	make_header(h, 100, bad, 2);
	KT_ASSERT_EQ(swap_parse_header(h, 1000, &last), 98);
	KT_ASSERT_EQ(last, 100);
	/* A header bigger than its device is clamped to it. */
	KT_ASSERT_EQ(swap_parse_header(h, 51, &last), 48);
	KT_ASSERT_EQ(last, 50);
	make_header(h, 100, bad0, 1);
	KT_ASSERT_EQ(swap_parse_header(h, 1000, &last), -EINVAL);	/* slot 0 is the header */
	make_header(h, 100, NULL, 0);
	h[1024] = 2;
	KT_ASSERT_EQ(swap_parse_header(h, 1000, &last), -EINVAL);	/* version */
	make_header(h, 100, NULL, 0);
	memcpy(h + PAGE_SIZE - 10, "SWAP-SPACE", 10);
	KT_ASSERT_EQ(swap_parse_header(h, 1000, &last), -EINVAL);	/* old format */
	return KT_PASS;
}

KTEST(swap_swapon_swapoff_vda)
{
	struct blkdev *vda = blkdev_get("vda");
	uint8_t *saved, *h;
	unsigned long total, free;
	long err;

	if (!vda)
		KT_SKIP("no virtio disk");
	saved = kmalloc(PAGE_SIZE, 0);
	h = kmalloc(PAGE_SIZE, 0);
	KT_ASSERT(saved && h);
	KT_ASSERT_EQ(blkdev_rw(vda, 0, saved, 8, false), 0);
	/* Not formatted: EINVAL, as Linux says for a device without the magic. */
	memset(h, 0, PAGE_SIZE);
	KT_ASSERT_EQ(blkdev_rw(vda, 0, h, 8, true), 0);
	KT_ASSERT_EQ(swapon_kernel("/dev/vda"), -EINVAL);
	make_header(h, 255, NULL, 0);
	KT_ASSERT_EQ(blkdev_rw(vda, 0, h, 8, true), 0);
	err = swapon_kernel("/dev/vda");
	KT_ASSERT_EQ(err, 0);
	swap_totals(&total, &free);
	KT_ASSERT_EQ(total, 255);
	KT_ASSERT_EQ(free, 255);
	KT_ASSERT_EQ(swapon_kernel("/dev/vda"), -EBUSY);
	KT_ASSERT_EQ(swapoff_kernel("/dev/vdb"), -EINVAL);
	KT_ASSERT_EQ(swapoff_kernel("/dev/vda"), 0);
	swap_totals(&total, &free);
	KT_ASSERT_EQ(total, 0);
	KT_ASSERT_EQ(blkdev_rw(vda, 0, saved, 8, true), 0);
	kfree(saved);
	kfree(h);
	return KT_PASS;
}

/*
 * Save the disk's first page, write a 1024-page swap header and swap on.
 * Returns the saved page (the caller writes it back and frees it), or NULL.
 */
static uint8_t *swap_on_scratch_disk(struct blkdev *vda)
{
	uint8_t *saved = kmalloc(PAGE_SIZE, 0), *h = kmalloc(PAGE_SIZE, 0);
	bool ok = saved && h && !blkdev_rw(vda, 0, saved, 8, false);

	if (ok) {
		make_header(h, 1023, NULL, 0);
		ok = !blkdev_rw(vda, 0, h, 8, true) && swapon_kernel("/dev/vda") == 0;
	}
	kfree(h);
	if (!ok) {
		kfree(saved);
		return NULL;
	}
	return saved;
}

/*
 * The end of a swap_on_scratch_disk() test: every slot is free again,
 * swap goes off, and the disk's first page is written back and @saved
 * freed. KT_PASS or the failed assertion.
 */
static int swap_off_scratch_disk(struct blkdev *vda, uint8_t *saved)
{
	unsigned long total, free;

	swap_totals(&total, &free);
	KT_ASSERT_EQ(total, free);
	KT_ASSERT_EQ(swapoff_kernel("/dev/vda"), 0);
	KT_ASSERT_EQ(blkdev_rw(vda, 0, saved, 8, true), 0);
	kfree(saved);
	return KT_PASS;
}

/* A fresh address space with @pages of private anonymous memory at @base. */
static struct mm *anon_mm(unsigned long base, unsigned long pages)
{
	const unsigned long rw = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	struct mm *mm = mm_create();
	long r;

	if (!mm)
		return NULL;
	mmap_write_lock(mm);
	r = vm_mmap_region_locked(mm, base, pages * PAGE_SIZE, rw, NULL, 0, MAP_REGION_FIXED);
	mmap_write_unlock(mm);
	if (r != (long)base) {
		mm_put(mm);
		return NULL;
	}
	return mm;
}

static bool is_swapped(struct mm *mm, unsigned long va, uint64_t *slot)
{
	struct pte_cursor c;
	struct pte_val pv;

	pte_cursor_lock(&c, &mm->pgt, va);
	pte_cursor_get(&c, &pv);
	pte_cursor_unlock(&c);
	*slot = pv.swap;
	return pv.kind == PTE_KIND_SWAP;
}

/* Write "page <i>" at the start of each of the @pages pages at @base. */
static enum ktest_result fill_pages(struct mm *mm, unsigned long base, unsigned long pages)
{
	char buf[16];

	for (unsigned long i = 0; i < pages; i++) {
		snprintf(buf, sizeof(buf), "page %lu", i);
		KT_ASSERT_EQ(vm_copy_to(mm, base + i * PAGE_SIZE, buf, sizeof(buf)), 0);
	}
	return KT_PASS;
}

/* Page out all @pages at @base: frames freed, swap entries counted (one in @slot). */
static enum ktest_result pageout_all(struct mm *mm, unsigned long base, unsigned long pages,
				     uint64_t *slot)
{
	unsigned long total, free, free_pages;

	free_pages = pmm_free_pages();
	/* Out: every page becomes a swap entry and its frame is freed. */
	mmap_read_lock(mm);
	KT_ASSERT_EQ(pageout_range(mm, vma_lookup(&mm->vmas, base), base, base + pages * PAGE_SIZE),
		     (long)pages);
	mmap_read_unlock(mm);
	KT_ASSERT_EQ(pmm_free_pages(), free_pages + pages);
	KT_ASSERT(is_swapped(mm, base, slot));
	KT_ASSERT_EQ(get_mm_counter(mm, MM_ANONPAGES), 0);
	KT_ASSERT_EQ(get_mm_counter(mm, MM_SWAPENTS), (long)pages);
	swap_totals(&total, &free);
	KT_ASSERT_EQ(total - free, pages);
	return KT_PASS;
}

/* Fault @base in on both sides of a fork: one frame from the swap cache, COW-shared. */
static enum ktest_result swapin_shared(struct mm *mm, struct mm *child, unsigned long base,
				       uint64_t slot)
{
	struct mmu_mapping a, b;
	char buf[16];

	KT_ASSERT_EQ(swap_count(slot), 2);
	KT_ASSERT_EQ(vm_fault(mm, base, 0), VM_FAULT_OK);
	KT_ASSERT_EQ(vm_fault(child, base, 0), VM_FAULT_OK);
	KT_ASSERT(!is_swapped(mm, base, &slot) && !is_swapped(child, base, &slot));
	vm_copy_from(mm, buf, base, sizeof(buf));
	KT_ASSERT_EQ(strcmp(buf, "page 0"), 0);
	vm_copy_from(child, buf, base, sizeof(buf));
	KT_ASSERT_EQ(strcmp(buf, "page 0"), 0);
	KT_ASSERT(arch_query(&mm->pgt, base, &a) == 0 && arch_query(&child->pgt, base, &b) == 0);
	KT_ASSERT_EQ(a.pa, b.pa);			/* the swap cache shared it */
	KT_ASSERT(!(a.flags & MMU_WRITE));		/* still COW-shared */
	return KT_PASS;
}

/* A child write breaks COW on page 0; the child's page 7 still swaps in. */
static enum ktest_result child_write_and_swapin(struct mm *mm, struct mm *child,
						unsigned long base)
{
	uint64_t slot;
	char buf[16];

	/* A write in the child breaks COW; the parent keeps its data. */
	KT_ASSERT_EQ(vm_copy_to(child, base, "child", 6), 0);
	vm_copy_from(mm, buf, base, sizeof(buf));
	KT_ASSERT_EQ(strcmp(buf, "page 0"), 0);
	/* vm_copy_from does not fault: bring the child's page 7 in first. */
	KT_ASSERT(is_swapped(child, base + 7 * PAGE_SIZE, &slot));
	KT_ASSERT_EQ(vm_fault(child, base + 7 * PAGE_SIZE, 0), VM_FAULT_OK);
	vm_copy_from(child, buf, base + 7 * PAGE_SIZE, sizeof(buf));
	KT_ASSERT_EQ(strcmp(buf, "page 7"), 0);
	return KT_PASS;
}

KTEST(swap_pageout_fork_swapin)
{
	struct blkdev *vda = blkdev_get("vda");
	const unsigned long base = 0x50000000ul, pages = 8;
	enum ktest_result r;
	struct mm *mm, *child;
	uint64_t slot;
	uint8_t *saved;

	if (!vda)
		KT_SKIP("no virtio disk");
	saved = swap_on_scratch_disk(vda);
	KT_ASSERT(saved != NULL);
	mm = anon_mm(base, pages);
	KT_ASSERT(mm != NULL);
	r = fill_pages(mm, base, pages);
	if (r != KT_PASS)
		return r;
	r = pageout_all(mm, base, pages, &slot);
	if (r != KT_PASS)
		return r;
	/* fork shares the slots; both sides read the data back from one frame. */
	child = mm_dup(mm);
	KT_ASSERT(child != NULL);
	r = swapin_shared(mm, child, base, slot);
	if (r != KT_PASS)
		return r;
	r = child_write_and_swapin(mm, child, base);
	if (r != KT_PASS)
		return r;
	mm_put(child);
	mm_put(mm);
	/* Every slot came back; swapoff succeeds with nothing left to unuse. */
	return swap_off_scratch_disk(vda, saved);
}

KTEST(swap_read_error_marker_survives_fork)
{
	struct blkdev *vda = blkdev_get("vda");
	const unsigned long base = 0x50000000ul;
	struct mm *mm, *child;
	uint64_t slot, entry;
	uint8_t *saved;
	char buf[16];

	if (!vda)
		KT_SKIP("no virtio disk");
	saved = swap_on_scratch_disk(vda);
	KT_ASSERT(saved != NULL);
	mm = anon_mm(base, 2);
	KT_ASSERT(mm != NULL);
	KT_ASSERT_EQ(vm_copy_to(mm, base, "first", 6), 0);
	KT_ASSERT_EQ(vm_copy_to(mm, base + PAGE_SIZE, "second", 7), 0);
	mmap_read_lock(mm);
	KT_ASSERT_EQ(pageout_range(mm, vma_lookup(&mm->vmas, base), base, base + 2 * PAGE_SIZE), 2);
	mmap_read_unlock(mm);
	KT_ASSERT(is_swapped(mm, base, &slot));
	/* The device fails reads of the first page's slot. */
	blkdev_inject_read_error(vda, slot * (PAGE_SIZE / 512), PAGE_SIZE / 512);
	KT_ASSERT_EQ(vm_fault(mm, base, 0), VM_FAULT_HWPOISON);
	KT_ASSERT(is_swapped(mm, base, &entry) && entry == SWP_ERROR_MARKER);
	blkdev_inject_read_error(vda, 0, 0);		/* the disk is fine again ... */
	KT_ASSERT_EQ(vm_fault(mm, base, 0), VM_FAULT_HWPOISON);	/* ... the data stays lost */
	/* A child forked now inherits the marker, and only there. */
	child = mm_dup(mm);
	KT_ASSERT(child != NULL);
	KT_ASSERT_EQ(vm_fault(child, base, 0), VM_FAULT_HWPOISON);
	KT_ASSERT_EQ(vm_fault(child, base + PAGE_SIZE, 0), VM_FAULT_OK);
	vm_copy_from(child, buf, base + PAGE_SIZE, sizeof(buf));
	KT_ASSERT_EQ(strcmp(buf, "second"), 0);
	KT_ASSERT_EQ(vm_fault(mm, base + PAGE_SIZE, 0), VM_FAULT_OK);
	vm_copy_from(mm, buf, base + PAGE_SIZE, sizeof(buf));
	KT_ASSERT_EQ(strcmp(buf, "second"), 0);
	mm_put(child);
	mm_put(mm);
	return swap_off_scratch_disk(vda, saved);	/* markers hold no slot */
}

/*
 * MAP_POPULATE, mlock and MADV_POPULATE_* share one populate loop
 * (populate_vma_range, mm/gup.c): a page it finds on swap is read back
 * with the mmap lock dropped (gup_swapin_unlocked: writers and reclaim
 * are not held up by the I/O), once per page (populate_unlocked), and the
 * populate goes on from there: every page present, right, and its slot
 * freed.
 */
KTEST(populate_swapin_unlocked)
{
	struct blkdev *vda = blkdev_get("vda");
	const unsigned long base = 0x50000000ul, pages = 8;
	unsigned long unlocked0, in0;
	enum ktest_result r;
	struct mm *mm;
	uint64_t slot;
	uint8_t *saved;

	if (!vda)
		KT_SKIP("no virtio disk");
	saved = swap_on_scratch_disk(vda);
	KT_ASSERT(saved != NULL);
	mm = anon_mm(base, pages);
	KT_ASSERT(mm != NULL);
	r = fill_pages(mm, base, pages);
	if (r != KT_PASS)
		return r;
	r = pageout_all(mm, base, pages, &slot);
	if (r != KT_PASS)
		return r;
	unlocked0 = read_vm_event(POPULATE_UNLOCKED);
	in0 = read_vm_event(PSWPIN);
	mmap_read_lock(mm);
	KT_ASSERT_EQ(populate_range_locked(mm, base, base + pages * PAGE_SIZE), 0);
	mmap_read_unlock(mm);
	KT_ASSERT_EQ(read_vm_event(POPULATE_UNLOCKED) - unlocked0, pages);
	KT_ASSERT(read_vm_event(PSWPIN) - in0 >= pages);
	KT_ASSERT_EQ(get_mm_counter(mm, MM_SWAPENTS), 0);
	KT_ASSERT_EQ(get_mm_counter(mm, MM_ANONPAGES), (long)pages);
	for (unsigned long i = 0; i < pages; i++) {
		char buf[16], want[16];

		KT_ASSERT(!is_swapped(mm, base + i * PAGE_SIZE, &slot));
		snprintf(want, sizeof(want), "page %lu", i);
		KT_ASSERT_EQ(vm_copy_from(mm, buf, base + i * PAGE_SIZE, sizeof(buf)), 0);
		KT_ASSERT_EQ(strcmp(buf, want), 0);
	}
	mm_put(mm);
	return swap_off_scratch_disk(vda, saved);
}

/*
 * tmpfs pages go to swap too: reclaim writes the unmapped pages of a
 * shmem file out and leaves swap entries in the file; a lookup reads a
 * page back (one pswpin each), swapoff reads back the rest.
 */
KTEST(swap_shmem_out_and_back)
{
	const unsigned long n = 16;
	struct blkdev *vda = blkdev_get("vda");
	unsigned long total, free, in0;
	struct inode *inode;
	struct file *f;
	struct page *p;
	uint8_t *saved;
	char want[32];

	if (!vda)
		KT_SKIP("no virtio disk");
	saved = swap_on_scratch_disk(vda);
	KT_ASSERT(saved);
	f = shmem_file_create("ktest-shmem", n * PAGE_SIZE, 0);
	KT_ASSERT(!IS_ERR(f));
	inode = f->inode;
	for (unsigned long i = 0; i < n; i++) {
		p = shmem_get_page(inode, i, SGP_CACHE);
		KT_ASSERT(!IS_ERR(p));
		snprintf(page_address(p), 32, "shmem page %lu", i);
		put_page(p);
	}
	/* Other LRU pages may come first: a few rounds until all n are out. */
	for (int round = 0; inode->swapped < n && round < 64; round++)
		reclaim_pages(64);
	KT_ASSERT_EQ(inode->swapped, n);
	KT_ASSERT(page_tree_lookup(&inode->pages, 3) == NULL);
	KT_ASSERT(page_tree_is_swap(page_tree_load(&inode->pages, 3)));
	in0 = read_vm_event(PSWPIN);
	for (unsigned long i = 0; i < n / 2; i++) {
		p = shmem_get_page(inode, i, SGP_CACHE);
		KT_ASSERT(!IS_ERR(p));
		snprintf(want, sizeof(want), "shmem page %lu", i);
		KT_ASSERT_EQ(strcmp(page_address(p), want), 0);
		lru_add_drain_all();			/* filed for reclaim again */
		KT_ASSERT(page_test_flag(p, PG_dirty) && page_test_flag(p, PG_lru));
		put_page(p);
	}
	KT_ASSERT_EQ(read_vm_event(PSWPIN) - in0, n / 2);
	KT_ASSERT_EQ(inode->swapped, n / 2);
	KT_ASSERT_EQ(swapoff_kernel("/dev/vda"), 0);	/* shmem_unuse: the rest */
	KT_ASSERT_EQ(inode->swapped, 0);
	for (unsigned long i = n / 2; i < n; i++) {
		p = filemap_get_page(inode, i);		/* in memory, no read */
		KT_ASSERT(p);
		snprintf(want, sizeof(want), "shmem page %lu", i);
		KT_ASSERT_EQ(strcmp(page_address(p), want), 0);
		put_page(p);
	}
	fput(f);
	swap_totals(&total, &free);
	KT_ASSERT_EQ(total, 0);
	KT_ASSERT_EQ(blkdev_rw(vda, 0, saved, 8, true), 0);
	kfree(saved);
	return KT_PASS;
}

/*
 * Regression (found by the sleep-in-atomic checker, kernel/might_sleep.h):
 * reclaim pins each mapper's mm and trylocks its mmap lock from inside the
 * rmap walk, which for a tmpfs page holds the inode's i_mmap spinlock. When
 * the trylock failed, the pin was dropped there and then - mm_put(), which
 * frees the mm if that was the last reference, and that sleeps. Now the
 * pin is dropped after the walk. Here: a tmpfs page mapped by @a (whose
 * lock the pageout holds for reading, as MADV_PAGEOUT does) and @b (whose
 * lock a writer holds, so reclaim's read trylock must give up): -EBUSY,
 * no report, @b's count intact.
 */
KTEST(reclaim_busy_mm_put_outside_i_mmap_lock)
{
	const unsigned long va = 0x60000000ul;
	const unsigned long shared = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE |
				     VM_SHARED | VM_MAYSHARE;
	struct file *f = shmem_file_create("ktest-busy-mm", PAGE_SIZE, 0);
	struct mm *a = mm_create(), *b = mm_create();
	struct might_sleep_report rep;
	struct mmu_mapping m;
	struct page *p;
	int refs, err;

	KT_ASSERT(!IS_ERR(f) && a && b);
	mmap_write_lock(a);
	KT_ASSERT_EQ(vm_mmap_region_locked(a, va, PAGE_SIZE, shared, f, 0, MAP_REGION_FIXED),
		     (long)va);
	mmap_write_unlock(a);
	mmap_write_lock(b);
	KT_ASSERT_EQ(vm_mmap_region_locked(b, va, PAGE_SIZE, shared, f, 0, MAP_REGION_FIXED),
		     (long)va);
	mmap_write_unlock(b);
	KT_ASSERT_EQ(vm_fault(a, va, FAULT_WRITE), VM_FAULT_OK);
	KT_ASSERT_EQ(vm_fault(b, va, 0), VM_FAULT_OK);
	KT_ASSERT_EQ(arch_query(&a->pgt, va, &m), 0);
	p = pfn_to_page(m.pa >> PAGE_SHIFT);
	lru_add_drain_all();				/* as pageout_range() first */
	KT_ASSERT(page_test_flag(p, PG_lru));		/* else pageout gives up before the walk */
	refs = READ_ONCE(b->refcount);
	mmap_read_lock(a);				/* as MADV_PAGEOUT holds it */
	KT_ASSERT(mmap_write_trylock(b));		/* busy for reclaim's read trylock */
	KT_ASSERT(lru_isolate(p));
	might_sleep_record(&rep);
	pageout_pages(a, &p, 1, &err);
	might_sleep_record(NULL);
	mmap_write_unlock(b);
	mmap_read_unlock(a);
	KT_ASSERT_EQ(err, -EBUSY);
	KT_ASSERT_EQ(rep.nr, 0);
	KT_ASSERT_EQ(READ_ONCE(b->refcount), refs);
	mm_put(a);
	mm_put(b);
	fput(f);
	return KT_PASS;
}

/* The lists a page moves between: two uses activate it, MADV_COLD's
 * deactivation brings it back, the last put takes it off. */
KTEST(lru_activate_deactivate)
{
	unsigned long inact, act;
	struct page *p = alloc_page(GFP_ZERO);

	KT_ASSERT(p);
	lru_add_drain_all();			/* no batch drains into the counts below */
	inact = lru_pages(LRU_INACTIVE_ANON);
	act = lru_pages(LRU_ACTIVE_ANON);
	page_set_flag(p, PG_anon);
	lru_add(p);
	KT_ASSERT_EQ(lru_pages(LRU_INACTIVE_ANON), inact + 1);
	mark_page_accessed(p);			/* first use: referenced */
	KT_ASSERT(page_test_flag(p, PG_referenced) && !page_test_flag(p, PG_active));
	mark_page_accessed(p);			/* second: active */
	KT_ASSERT(page_test_flag(p, PG_active) && !page_test_flag(p, PG_referenced));
	KT_ASSERT_EQ(lru_pages(LRU_INACTIVE_ANON), inact);
	KT_ASSERT_EQ(lru_pages(LRU_ACTIVE_ANON), act + 1);
	lru_deactivate(p);
	KT_ASSERT(!page_test_flag(p, PG_active) && page_test_flag(p, PG_lru));
	KT_ASSERT_EQ(lru_pages(LRU_INACTIVE_ANON), inact + 1);
	KT_ASSERT_EQ(lru_pages(LRU_ACTIVE_ANON), act);
	KT_ASSERT_EQ(lru_pages(LRU_INACTIVE_FILE) + lru_pages(LRU_ACTIVE_FILE), 0);
	put_page(p);				/* off the list, freed */
	KT_ASSERT_EQ(lru_pages(LRU_INACTIVE_ANON), inact);
	return KT_PASS;
}

/*
 * Reclaim batches its TLB flushes (vmscan.c, "Pages are swapped out in
 * batches"): with an address space loaded on every other CPU (a pinned
 * kernel thread there adopts it, as a lazy-TLB CPU keeps the last one),
 * paging out N = 96 written pages through MADV_PAGEOUT's path - the same
 * batched swap-out kswapd and direct reclaim use - flushes at most twice
 * per batch of PAGEOUT_BATCH (32) pages: once before the writes (the
 * write-protection) and once before the frames are freed (the swap
 * entries). That is 2 * 3 = 6 shootdowns, each one IPI per other CPU,
 * where a flush per PTE change took 2 * 96 = 192. The data comes back.
 */
#define TB_BASE		0x58000000ul
#define TB_PAGES	96ul

KTEST(tlb_reclaim_batched_flush)
{
	const unsigned long batches = (TB_PAGES + PAGEOUT_BATCH - 1) / PAGEOUT_BATCH;
	struct blkdev *vda = blkdev_get("vda");
	unsigned int others, loaded = 0;
	unsigned long sd, ipis;
	enum ktest_result r;
	struct mm *mm;
	uint8_t *saved;
	long done;

	if (sched_nr_cpus() < 2)
		KT_SKIP("%u CPU runs tasks", sched_nr_cpus());
	if (!vda)
		KT_SKIP("no virtio disk");
	saved = swap_on_scratch_disk(vda);
	KT_ASSERT(saved != NULL);
	mm = anon_mm(TB_BASE, TB_PAGES);
	KT_ASSERT(mm != NULL);
	r = fill_pages(mm, TB_BASE, TB_PAGES);		/* writable PTEs */
	if (r != KT_PASS)
		return r;
	others = ktest_load_mm_elsewhere(mm);
	KT_ASSERT_EQ(others, num_online_cpus() - 1);
	for (uint64_t m = mm->pgt.cpumask; m; m &= m - 1)
		loaded++;
	KT_ASSERT_EQ(loaded, others);

	sd = tlb_stat_shootdowns;
	ipis = tlb_stat_ipis;
	mmap_read_lock(mm);
	done = pageout_range(mm, vma_lookup(&mm->vmas, TB_BASE), TB_BASE,
			     TB_BASE + TB_PAGES * PAGE_SIZE);
	mmap_read_unlock(mm);
	sd = tlb_stat_shootdowns - sd;
	ipis = tlb_stat_ipis - ipis;
	printk("# %lu-page pageout: %lu shootdown(s), %lu IPIs, %u other CPUs\n",
	       TB_PAGES, sd, ipis, others);
	ktest_unload_mm_elsewhere();
	KT_ASSERT_EQ(done, (long)TB_PAGES);
	KT_ASSERT_EQ(get_mm_counter(mm, MM_SWAPENTS), (long)TB_PAGES);
	KT_ASSERT(sd >= 1);			/* the others had it loaded: they were told */
	KT_ASSERT(sd <= 2 * batches);
	KT_ASSERT(ipis <= sd * others);
	/* Every page reads back what was written (vm_copy_from does not fault). */
	for (unsigned long i = 0; i < TB_PAGES; i++) {
		char buf[16], want[16];

		snprintf(want, sizeof(want), "page %lu", i);
		KT_ASSERT_EQ(vm_fault(mm, TB_BASE + i * PAGE_SIZE, 0), VM_FAULT_OK);	/* swap-in */
		KT_ASSERT_EQ(vm_copy_from(mm, buf, TB_BASE + i * PAGE_SIZE, sizeof(buf)), 0);
		KT_ASSERT(!memcmp(buf, want, strlen(want) + 1));	/* fill_pages' bytes */
	}
	KT_ASSERT_EQ(mm->pgt.cpumask, 0);
	mm_put(mm);
	return swap_off_scratch_disk(vda, saved);
}
