/*
 * tlb.c - keeping every CPU's TLB in step with the page tables: which CPU
 * has which page tables loaded, and TLB shootdown by IPI.
 *
 * A CPU caches translations of the page tables in its CR3 (and, for the
 * kernel half, global entries of every tree). After a PTE is changed or
 * cleared, a stale entry on another CPU would let a thread there keep
 * reading (or writing) the old page. So every change is followed by a
 * flush on each CPU that may hold the entry:
 *
 *   user page tables (an mm)   the CPUs in pgt->cpumask: those that have
 *                              this pgd in CR3, including one that runs a
 *                              kernel thread since (lazy TLB: a kernel
 *                              thread keeps the CR3 it found)
 *   kernel page tables         every CPU that schedules (sched_cpus)
 *
 * The initiating CPU flushes itself and sends one IPI per other CPU for
 * the whole range (one request per mmu_gather / munmap, not per page);
 * above TLB_FULL_FLUSH_PAGES the request is a full flush instead, as
 * Linux's tlb_single_page_flush_ceiling. Then it waits until every
 * target has flushed: when the call returns, no CPU can use the old
 * translation - what vm_smp_test checks from user space.
 *
 *   initiator                           target CPU
 *   change PTEs (pgt->lock)
 *   local flush
 *   sd_lock; sd_req = range;
 *   sd_pending = targets  --- IPI --->  tlb_ipi_poll(): flush if it has
 *   wait for sd_pending == 0 <-------   the tables loaded; clear its bit
 *   unlock sd_lock
 *
 * Deadlock: every Pagoda spinlock is held with interrupts off, so a
 * target may be spinning, interrupts off, for a lock the initiator holds
 * (the initiator often still holds pgt->lock). Every spin-wait therefore
 * polls for a shootdown addressed to its CPU (spinlock.h calls
 * tlb_ipi_poll()), and so does the initiator waiting for sd_lock. A
 * flush needs no lock, so answering one from inside a spin loop is safe.
 *
 * cpumask protocol (arch_switch_pgt): a CPU sets its bit *before* it loads
 * the new CR3, and clears the old tree's bit after. An initiator that
 * changed a PTE and then read a mask without our bit did so before our
 * CR3 load, which then drops every non-global entry anyway.
 *
 * Deferred flushes (struct tlb_batch, Linux's tlbflush_unmap_batch):
 * reclaim unmaps or write-protects pages of many mms, one PTE at a time,
 * found through rmap. Flushing each PTE would cost one shootdown round
 * trip per page; instead the PTE is changed without a flush and the CPUs
 * that may cache it (pgt->cpumask, read after the change, as above) are
 * added to a batch. tlb_batch_flush() then sends one request per batch: a
 * full flush of the user half, on every CPU of the union of the masks.
 * A CPU that has since loaded another tree flushes entries it no longer
 * has - harmless, and cheaper than tracking which tree each CPU holds.
 * The batch's owner must flush before a page whose PTE it changed is
 * written out or freed (the rules are in mm/vmscan.c), and each deferred
 * change also marks the tree, so that anyone else who acts on the changed
 * PTE first flushes what reclaim left (tlb_flush_batched_pending).
 *
 * The mark is a pair of generations (Linux's mm->tlb_flush_batched):
 * tlb_gen_deferred counts the deferred changes (made under the PTE's lock),
 * tlb_gen_flushed says up to which one they are known flushed. A batch
 * flush raises tlb_gen_flushed to the count it saw at its last change of
 * the tree: any earlier change, by whichever reclaimer, is covered, since
 * our later read of pgt->cpumask includes every CPU that may hold it and
 * we flushed each of those entirely. So a tree left marked costs one more
 * flush (by the next fault) only while some batch is still unflushed.
 *
 * Counters for tests and /proc/vmstat: shootdown requests and IPIs sent.
 */
#include <arch/cpu.h>
#include <arch/irq.h>
#include <arch/lapic.h>
#include <arch/percpu.h>
#include <arch/pgtable.h>
#include <arch/tlb.h>
#include "kernel/compiler.h"
#include "kernel/spinlock.h"

/* Above this many pages a range flush becomes a full one (Linux's 33). */
#define TLB_FULL_FLUSH_PAGES	33

/* One shootdown in flight at a time (the initiator holds sd_lock). */
struct flush_req {
	struct pgtable *pgt;	/* &kernel_pgt: kernel mappings, global entries too */
	vaddr_t start, end;	/* end - start over the ceiling: everything */
	bool leave;		/* the tree is going away: switch to the kernel's */
	bool user_all;		/* a batch: the user half of whatever CR3 holds */
};

static volatile uint32_t sd_lock;
static struct flush_req sd_req;		/* written under sd_lock before sd_pending */
volatile uint64_t tlb_sd_pending;	/* CPUs yet to answer sd_req */
/* CPUs that run tasks; only these are sent shootdowns (parked APs have interrupts off). */
static volatile uint64_t tlb_cpus = 1;

unsigned long tlb_stat_shootdowns, tlb_stat_ipis;

void tlb_cpu_online(unsigned int cpu)
{
	__atomic_fetch_or(&tlb_cpus, 1ull << cpu, __ATOMIC_SEQ_CST);
}

/* Flush everything, global (kernel) entries included. */
static void flush_all_global(void)
{
	uint64_t cr4 = read_cr4();

	if (cr4 & CR4_PGE) {		/* toggling PGE also drops global entries */
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}

void tlb_flush_local_all(void)
{
	flush_all_global();
}

/*
 * full_range(start, end): is [start, end) over the ceiling, so that one
 * full flush is cheaper than an invlpg per page? invlpg(va): drop this
 * CPU's entry for the page of @va (a global one too).
 */
/* LAB smp BEGIN */
static bool full_range(vaddr_t start, vaddr_t end)
{
	return end - start > TLB_FULL_FLUSH_PAGES * PAGE_SIZE;
}

static void invlpg(vaddr_t va)
{
	__asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
}
/* LAB smp END */

/*
 * This CPU's part of a flush of [start, end) in @pgt: a kernel range
 * everywhere (global entries included); a user range only where @pgt is
 * this CPU's CR3 - each page, or everything above the ceiling. Interrupts
 * off.
 */
static void flush_local(struct pgtable *pgt, vaddr_t start, vaddr_t end)
{
	/* LAB smp BEGIN */
	/* LAB smp STUB: flush_all_global(); */
	if (pgt == &kernel_pgt) {
		if (full_range(start, end))
			flush_all_global();
		else
			for (vaddr_t va = ALIGN_DOWN(start, PAGE_SIZE); va < end; va += PAGE_SIZE)
				invlpg(va);	/* drops a global entry for va too */
		return;
	}
	if (this_cpu()->loaded_pgt != pgt)
		return;			/* its entries died with our last CR3 load */
	if (full_range(start, end))
		write_cr3(read_cr3());	/* non-global entries: the user half */
	else
		for (vaddr_t va = ALIGN_DOWN(start, PAGE_SIZE); va < end; va += PAGE_SIZE)
			invlpg(va);
	/* LAB smp END */
}

/*
 * This CPU's part of a batch flush: every non-global entry. With the
 * kernel's tables loaded no user entry is cached (loading them dropped
 * those), so there is nothing to do.
 */
static void flush_local_user(void)
{
	if (this_cpu()->loaded_pgt != &kernel_pgt)
		write_cr3(read_cr3());
}

/* Load the kernel's tables in place of @pgt if we have it (it is being freed). */
static void leave_pgt(struct pgtable *pgt)
{
	struct cpu *c = this_cpu();

	if (c->loaded_pgt != pgt)
		return;
	write_cr3(kernel_pgt.root);
	c->loaded_pgt = &kernel_pgt;
	__atomic_fetch_and(&pgt->cpumask, ~(1ull << c->index), __ATOMIC_RELEASE);
}

void tlb_ipi_poll_slow(void)
{
	uint64_t bit = 1ull << this_cpu()->index;

	if (!(__atomic_load_n(&tlb_sd_pending, __ATOMIC_ACQUIRE) & bit))
		return;
	if (sd_req.leave)
		leave_pgt(sd_req.pgt);
	else if (sd_req.user_all)
		flush_local_user();
	else
		flush_local(sd_req.pgt, sd_req.start, sd_req.end);
	__atomic_fetch_and(&tlb_sd_pending, ~bit, __ATOMIC_RELEASE);
}

static void tlb_irq(void *arg)
{
	(void)arg;
	tlb_ipi_poll_slow();
}

void tlb_init(void)
{
	irq_register_vector(IRQ_VECTOR_TLB, tlb_irq, NULL);
}

/* Send @r to the CPUs of @mask but this one and wait until each has done it. */
static void shootdown(uint64_t mask, const struct flush_req *r)
{
	unsigned int me = this_cpu()->index;
	unsigned long irq;

	mask &= __atomic_load_n(&tlb_cpus, __ATOMIC_ACQUIRE) & ~(1ull << me);
	if (!mask)
		return;
	irq = arch_irq_save();
	while (__atomic_exchange_n(&sd_lock, 1, __ATOMIC_ACQUIRE)) {
		tlb_ipi_poll();		/* another initiator may be waiting for us */
		arch_cpu_relax();
	}
	sd_req = *r;
	__atomic_store_n(&tlb_sd_pending, mask, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&tlb_stat_shootdowns, 1, __ATOMIC_RELAXED);
	for (uint64_t m = mask; m; m &= m - 1) {
		unsigned int cpu = __builtin_ctzll(m);

		lapic_send_fixed(cpus[cpu].apic_id, IRQ_VECTOR_TLB);
		__atomic_add_fetch(&tlb_stat_ipis, 1, __ATOMIC_RELAXED);
	}
	while (__atomic_load_n(&tlb_sd_pending, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	__atomic_store_n(&sd_lock, 0, __ATOMIC_RELEASE);
	arch_irq_restore(irq);
}

/*
 * The CPUs that may cache entries of @pgt: every CPU for the kernel's
 * tables, else those in pgt->cpumask - read after the PTE change (see the
 * cpumask protocol above). Everyone would be correct too, only slow.
 */
static uint64_t pgt_cpus(struct pgtable *pgt)
{
	/* LAB smp BEGIN */
	/* LAB smp STUB: return ~0ull; */
	return pgt == &kernel_pgt ? ~0ull : __atomic_load_n(&pgt->cpumask, __ATOMIC_SEQ_CST);
	/* LAB smp END */
}

void tlb_flush_range(struct pgtable *pgt, vaddr_t start, vaddr_t end)
{
	struct flush_req r = { .pgt = pgt, .start = start, .end = end };
	unsigned long irq = arch_irq_save();

	flush_local(pgt, start, end);
	arch_irq_restore(irq);
	shootdown(pgt_cpus(pgt), &r);
}

void tlb_flush_pgt(struct pgtable *pgt)
{
	tlb_flush_range(pgt, 0, ~0ul);
}

void tlb_forget_pgt(struct pgtable *pgt)
{
	struct flush_req r = { .pgt = pgt, .leave = true };
	unsigned long irq = arch_irq_save();

	leave_pgt(pgt);
	arch_irq_restore(irq);
	shootdown(pgt_cpus(pgt), &r);
}

/*
 * Batches. The caller holds @pgt->lock and has just changed a PTE without
 * a flush: the mask is read after that change (the cpumask protocol above
 * then covers a CPU that loads the tree later), and the mark is made
 * under the lock, so whoever takes the lock next and sees the changed PTE
 * also sees the mark.
 */
void tlb_batch_add(struct tlb_batch *b, struct pgtable *pgt, bool writable)
{
	/* LAB smp BEGIN */
	/* LAB smp STUB: tlb_flush_pgt(pgt); */
	unsigned long gen = __atomic_add_fetch(&pgt->tlb_gen_deferred, 1, __ATOMIC_RELEASE);
	unsigned int i;

	b->cpumask |= pgt_cpus(pgt);
	b->pending = true;
	b->writable |= writable;
	for (i = 0; i < b->npgt && i < TLB_BATCH_PGTS; i++)
		if (b->pgts[i].pgt == pgt)
			break;
	if (i == b->npgt && i < TLB_BATCH_PGTS)
		b->pgts[b->npgt++].pgt = pgt;
	if (i < TLB_BATCH_PGTS)
		b->pgts[i].gen = gen;
	/* LAB smp END */
}

void tlb_batch_add_young(struct tlb_batch *b, struct pgtable *pgt)
{
	/* LAB smp BEGIN */
	/* LAB smp STUB: tlb_flush_pgt(pgt); */
	b->cpumask |= pgt_cpus(pgt);
	b->pending = true;
	/* LAB smp END */
}

/* Raise pgt->tlb_gen_flushed to @gen (never lower it). */
static void gen_flushed(struct pgtable *pgt, unsigned long gen)
{
	unsigned long old = __atomic_load_n(&pgt->tlb_gen_flushed, __ATOMIC_RELAXED);

	while (old < gen && !__atomic_compare_exchange_n(&pgt->tlb_gen_flushed, &old, gen,
							 /* weak= */false, __ATOMIC_RELEASE,
							 __ATOMIC_RELAXED))
		;
}

void tlb_batch_flush(struct tlb_batch *b)
{
	/* LAB smp BEGIN */
	/* LAB smp STUB: *b = (struct tlb_batch){ 0 }; */
	struct flush_req r = { .user_all = true };
	uint64_t bit = 1ull << this_cpu()->index;
	unsigned long irq;

	if (!b->pending)
		return;
	if (b->cpumask & bit) {
		irq = arch_irq_save();
		flush_local_user();
		arch_irq_restore(irq);
	}
	shootdown(b->cpumask, &r);	/* skips this CPU; waits for the others */
	for (unsigned int i = 0; i < b->npgt; i++)
		gen_flushed(b->pgts[i].pgt, b->pgts[i].gen);
	*b = (struct tlb_batch){ 0 };
	/* LAB smp END */
}

void tlb_batch_flush_dirty(struct tlb_batch *b)
{
	if (b->writable)
		tlb_batch_flush(b);
}

/*
 * Under pgt->lock: the mark was made under it after the PTE change, so a
 * holder that sees the changed PTE sees the mark, and the flush is done
 * before anyone else can act on the PTE (the next holder finds it clean).
 */
void tlb_flush_batched_pending(struct pgtable *pgt)
{
	unsigned long gen = __atomic_load_n(&pgt->tlb_gen_deferred, __ATOMIC_RELAXED);

	if (__atomic_load_n(&pgt->tlb_gen_flushed, __ATOMIC_ACQUIRE) >= gen)
		return;
	gen_flushed(pgt, gen);
	tlb_flush_pgt(pgt);
}

/*
 * After an unlocked read of an empty PTE (the fault path): reclaim stores
 * the PTE, then the count; x86 keeps stores in order and loads in order,
 * so a CPU that saw the empty PTE sees the count (the compiler barrier
 * keeps the compiler from reading it first).
 */
void tlb_flush_batched_pending_unlocked(struct pgtable *pgt)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	tlb_flush_batched_pending(pgt);		/* atomics only: no lock needed */
}

void arch_switch_pgt(struct pgtable *pgt)
{
	struct cpu *c = this_cpu();
	struct pgtable *old = c->loaded_pgt;
	unsigned long irq;

	if (old == pgt && (read_cr3() & PTE_ADDR_MASK) == pgt->root)
		return;
	irq = arch_irq_save();
	/* LAB smp BEGIN */
	/* LAB smp STUB: write_cr3(pgt->root); */
	if (pgt != &kernel_pgt)
		__atomic_fetch_or(&pgt->cpumask, 1ull << c->index, __ATOMIC_SEQ_CST);
	write_cr3(pgt->root);
	if (old && old != pgt && old != &kernel_pgt)
		__atomic_fetch_and(&old->cpumask, ~(1ull << c->index), __ATOMIC_RELEASE);
	/* LAB smp END */
	c->loaded_pgt = pgt;
	arch_irq_restore(irq);
}
