/*
 * tlb_ktest.c - what each part of TLB shootdown (tlb.c) promises, tested
 * one part at a time:
 *
 *   tlb_flush_local_range      this CPU's flush is as small as it may be:
 *                              a one-page flush leaves other entries
 *                              cached, 33 pages still do, 34 flush all,
 *                              and another tree's flush touches nothing
 *   tlb_flush_targets_cpumask  a flush interrupts exactly the CPUs that
 *                              have the tree loaded (pgt->cpumask, kept
 *                              by arch_switch_pgt), every CPU for the
 *                              kernel's tables
 *   tlb_batch_defers_flush     reclaim's batch: PTE changes send nothing
 *                              until tlb_batch_flush(), which sends one
 *                              request; the tree is marked meanwhile
 *
 * Seeing a TLB entry: the probe page X is mapped to frame A and read (the
 * CPU caches X -> A), then its PTE is pointed at frame B *without* a
 * flush. A read of X that still returns A's word went through the cached
 * entry; B's word means the entry was gone. Whether an entry survives is
 * up to the CPU (QEMU's TLB may evict it any time), so "kept" is only
 * required once in several tries; "dropped" and "B after a flush of X"
 * are required every time. X is a supervisor page in the user half, so
 * the kernel reads it with SMAP on, and the kernel-half invlpg of QEMU
 * (which drops its whole TLB once large pages are cached) stays out of it.
 *
 * smp_ktest.c counts the shootdowns of a munmap and an mprotect; the
 * batch under real reclaim is swap_ktest.c's tlb_reclaim_batched_flush.
 */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/time.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "mm/vm.h"
#include <arch/cpu.h>
#include <arch/irq.h>
#include <arch/percpu.h>
#include <arch/pgtable.h>
#include <arch/probe.h>
#include <arch/smp.h>
#include <arch/tlb.h>

#define PROBE_VA	0x40000000ul		/* X: 1 GiB, its own page table */
#define OTHER_VA	(PROBE_VA + 64 * PAGE_SIZE)	/* flushed ranges start here */
#define WORD_A		0x4141414141414141ull
#define WORD_B		0x4242424242424242ull
#define TRIES		16

/* The CPUs that run tasks (ktest_run() waited for every online CPU to join). */
static unsigned int cpus_running_tasks(void)
{
	return sched_nr_cpus();
}

static unsigned int bits(uint64_t m)
{
	unsigned int n = 0;

	for (; m; m &= m - 1)
		n++;
	return n;
}

/* Point X's PTE at @pg, with no flush. */
static int retarget(struct pgtable *pgt, struct page *pg)
{
	struct pte_cursor c;
	int err;

	pte_cursor_lock(&c, pgt, PROBE_VA);
	pte_cursor_clear(&c, PTE_NOFLUSH);
	err = pte_cursor_set_page(&c, page_to_phys(pg), 0);	/* supervisor, read-only */
	pte_cursor_unlock(&c);
	return err;
}

static uint64_t read_x(void)
{
	uint64_t v = 0;

	if (arch_probe_read(&v, (const void *)PROBE_VA, sizeof(v)))
		return 0;
	return v;
}

enum flush_kind { ONE_PAGE, CEILING_PAGES, OVER_CEILING, OTHER_TREE };

/*
 * One try (interrupts off, @pgt loaded here): X cached as A, retargeted
 * to B, then the flush of @kind, which never covers X. 1: X still read
 * A; 0: it read B; -1: something that must hold did not.
 */
static int probe(struct pgtable *pgt, struct pgtable *other, struct page *a, struct page *b,
		 enum flush_kind kind)
{
	uint64_t v;

	if (retarget(pgt, a))
		return -1;
	tlb_flush_range(pgt, PROBE_VA, PROBE_VA + PAGE_SIZE);
	if (read_x() != WORD_A)
		return -1;
	if (retarget(pgt, b))
		return -1;
	switch (kind) {
	case ONE_PAGE:
		tlb_flush_range(pgt, OTHER_VA, OTHER_VA + PAGE_SIZE);
		break;
	case CEILING_PAGES:
		tlb_flush_range(pgt, OTHER_VA, OTHER_VA + 33 * PAGE_SIZE);
		break;
	case OVER_CEILING:
		tlb_flush_range(pgt, OTHER_VA, OTHER_VA + 34 * PAGE_SIZE);
		break;
	case OTHER_TREE:
		tlb_flush_range(other, PROBE_VA, PROBE_VA + PAGE_SIZE);
		break;
	}
	v = read_x();
	tlb_flush_range(pgt, PROBE_VA, PROBE_VA + PAGE_SIZE);
	if (read_x() != WORD_B || (v != WORD_A && v != WORD_B))
		return -1;
	return v == WORD_A;
}

KTEST(tlb_flush_local_range)
{
	struct page *a = alloc_page(GFP_ZERO), *b = alloc_page(GFP_ZERO);
	struct mm *mm = mm_create(), *other = mm_create();
	int kept[4] = { 0 }, broken = 0;
	struct pte_cursor c;
	unsigned long irq;

	KT_ASSERT(a && b && mm && other);
	*(uint64_t *)page_address(a) = WORD_A;
	*(uint64_t *)page_address(b) = WORD_B;
	/*
	 * Everything below runs with interrupts off and @mm in CR3: nothing
	 * may return early before the tables are switched back.
	 */
	irq = arch_irq_save();
	arch_switch_pgt(&mm->pgt);
	for (int t = 0; t < TRIES; t++) {
		for (int k = ONE_PAGE; k <= OTHER_TREE; k++) {
			int r = probe(&mm->pgt, &other->pgt, a, b, k);

			if (r < 0)
				broken++;
			else
				kept[k] += r;
		}
	}
	arch_switch_pgt(&kernel_pgt);
	arch_irq_restore(irq);
	printk("# X kept in %d/%d/%d/%d of %d tries (1 page, 33, 34, other tree)\n",
	       kept[ONE_PAGE], kept[CEILING_PAGES], kept[OVER_CEILING], kept[OTHER_TREE], TRIES);
	pte_cursor_lock(&c, &mm->pgt, PROBE_VA);
	pte_cursor_clear(&c, PTE_FLUSH);
	pte_cursor_unlock(&c);
	mm_put(mm);
	mm_put(other);
	free_page(a);
	free_page(b);

	KT_ASSERT_EQ(broken, 0);		/* a flush of X always reaches X */
	KT_ASSERT(kept[ONE_PAGE] > 0);		/* one page: invlpg, not a full flush */
	KT_ASSERT(kept[CEILING_PAGES] > 0);	/* 33 pages: still page by page */
	KT_ASSERT_EQ(kept[OVER_CEILING], 0);	/* 34: one full flush */
	KT_ASSERT(kept[OTHER_TREE] > 0);	/* a tree not in our CR3: nothing to do here */
	return KT_PASS;
}

/* IPIs sent by one flush of @pgt's [va, va + 1 page). */
static unsigned long flush_ipis(struct pgtable *pgt, unsigned long va)
{
	unsigned long ipi0 = tlb_stat_ipis;

	tlb_flush_range(pgt, va, va + PAGE_SIZE);
	return tlb_stat_ipis - ipi0;
}

KTEST(tlb_flush_targets_cpumask)
{
	unsigned int n = cpus_running_tasks(), others;
	struct mm *mm;

	if (n < 2)
		KT_SKIP("%u CPU runs tasks", n);
	mm = mm_create();
	KT_ASSERT(mm != NULL);
	/* Loaded nowhere: no CPU to tell. */
	KT_ASSERT_EQ(mm->pgt.cpumask, 0);
	KT_ASSERT_EQ(flush_ipis(&mm->pgt, PROBE_VA), 0);

	/* Loaded on every other CPU (lazily, by a kernel thread): each is told once. */
	others = ktest_load_mm_elsewhere(mm);
	KT_ASSERT_EQ(others, n - 1);
	KT_ASSERT_EQ(bits(mm->pgt.cpumask), others);
	KT_ASSERT(!(mm->pgt.cpumask & (1ull << this_cpu()->index)));
	KT_ASSERT_EQ(flush_ipis(&mm->pgt, PROBE_VA), others);

	/* Switched away: the bits go, and so do the IPIs. */
	ktest_unload_mm_elsewhere();
	KT_ASSERT_EQ(mm->pgt.cpumask, 0);
	KT_ASSERT_EQ(flush_ipis(&mm->pgt, PROBE_VA), 0);

	/* The kernel's tables are in every CPU's TLB. */
	KT_ASSERT_EQ(flush_ipis(&kernel_pgt, 0xffffc80040000000ul), n - 1);
	mm_put(mm);
	return KT_PASS;
}

#define BATCH_BASE	0x68000000ul		/* 2 MiB aligned: one page table */
#define BATCH_PAGES	40

/* Write-protect [BATCH_BASE, + @n pages) of @mm into batch @b. */
static unsigned int wrprotect_batched(struct mm *mm, unsigned int n, struct tlb_batch *b)
{
	unsigned int changed = 0;
	struct pte_cursor c;

	pte_cursor_lock(&c, &mm->pgt, BATCH_BASE);
	do
		changed += !!(pte_cursor_clear_flags_batched(&c, MMU_WRITE, b) & MMU_WRITE);
	while (pte_cursor_next(&c, BATCH_BASE + n * PAGE_SIZE));
	pte_cursor_unlock(&c);
	return changed;
}

/* Make [BATCH_BASE, + @n pages) writable again, flushed at once. */
static void make_writable(struct mm *mm, unsigned int n)
{
	struct pte_cursor c;

	pte_cursor_lock(&c, &mm->pgt, BATCH_BASE);
	do
		pte_cursor_protect(&c, MMU_USER | MMU_WRITE);
	while (pte_cursor_next(&c, BATCH_BASE + n * PAGE_SIZE));
	pte_cursor_unlock(&c);
}

static bool marked(struct mm *mm)
{
	return __atomic_load_n(&mm->pgt.tlb_gen_flushed, __ATOMIC_ACQUIRE) <
	       __atomic_load_n(&mm->pgt.tlb_gen_deferred, __ATOMIC_ACQUIRE);
}

KTEST(tlb_batch_defers_flush)
{
	unsigned int n = cpus_running_tasks(), others;
	struct tlb_batch b = { 0 };
	unsigned long sd, ipis;
	struct mm *mm;

	if (n < 2)
		KT_SKIP("%u CPU runs tasks", n);
	mm = mm_create();
	KT_ASSERT(mm != NULL);
	mmap_write_lock(mm);
	KT_ASSERT_EQ(vm_mmap_region_locked(mm, BATCH_BASE, BATCH_PAGES * PAGE_SIZE,
					   VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE,
					   NULL, 0, MAP_REGION_FIXED), (long)BATCH_BASE);
	mmap_write_unlock(mm);
	for (unsigned long i = 0; i < BATCH_PAGES; i++)	/* writable anonymous pages */
		KT_ASSERT_EQ(vm_fault(mm, BATCH_BASE + i * PAGE_SIZE, FAULT_WRITE), VM_FAULT_OK);
	others = ktest_load_mm_elsewhere(mm);
	KT_ASSERT_EQ(others, n - 1);

	/* 40 write-protections: nothing sent yet, the batch knows whom to tell. */
	sd = tlb_stat_shootdowns;
	ipis = tlb_stat_ipis;
	KT_ASSERT_EQ(wrprotect_batched(mm, BATCH_PAGES, &b), BATCH_PAGES);
	KT_ASSERT_EQ(tlb_stat_shootdowns - sd, 0);
	KT_ASSERT(b.pending && b.writable);
	KT_ASSERT_EQ(b.cpumask & mm->pgt.cpumask, mm->pgt.cpumask);
	KT_ASSERT(marked(mm));			/* a fault meeting these PTEs must flush first */
	/* One flush for the whole batch: one request, one IPI per other CPU. */
	tlb_batch_flush(&b);
	KT_ASSERT_EQ(tlb_stat_shootdowns - sd, 1);
	KT_ASSERT_EQ(tlb_stat_ipis - ipis, others);
	KT_ASSERT(!b.pending && !marked(mm));
	sd = tlb_stat_shootdowns;
	tlb_flush_batched_pending(&mm->pgt);	/* nothing left to flush */
	KT_ASSERT_EQ(tlb_stat_shootdowns - sd, 0);

	/* Someone else acts on the PTEs first: they flush, and the mark goes. */
	make_writable(mm, 8);
	sd = tlb_stat_shootdowns;
	KT_ASSERT_EQ(wrprotect_batched(mm, 8, &b), 8);
	KT_ASSERT(marked(mm));
	tlb_flush_batched_pending(&mm->pgt);
	KT_ASSERT_EQ(tlb_stat_shootdowns - sd, 1);
	KT_ASSERT(!marked(mm));
	tlb_batch_flush(&b);			/* the batch's own flush still comes */
	KT_ASSERT_EQ(tlb_stat_shootdowns - sd, 2);

	ktest_unload_mm_elsewhere();
	mm_put(mm);
	return KT_PASS;
}
