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
 * Counters for tests and /proc/vmstat: shootdown requests and IPIs sent.
 */
#include <arch/cpu.h>
#include <arch/irq.h>
#include <arch/lapic.h>
#include <arch/percpu.h>
#include <arch/pgtable.h>
#include <arch/tlb.h>
#include "kernel/compiler.h"

/* Above this many pages a range flush becomes a full one (Linux's 33). */
#define TLB_FULL_FLUSH_PAGES	33

/* One shootdown in flight at a time (the initiator holds sd_lock). */
struct flush_req {
	struct pgtable *pgt;	/* &kernel_pgt: kernel mappings, global entries too */
	vaddr_t start, end;	/* end - start over the ceiling: everything */
	bool leave;		/* the tree is going away: switch to the kernel's */
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

static bool full_range(vaddr_t start, vaddr_t end)
{
	return end - start > TLB_FULL_FLUSH_PAGES * PAGE_SIZE;
}

static void invlpg(vaddr_t va)
{
	__asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
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

/* This CPU's part of a flush of [start, end) in @pgt. Interrupts off. */
static void flush_local(struct pgtable *pgt, vaddr_t start, vaddr_t end)
{
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

void tlb_flush_range(struct pgtable *pgt, vaddr_t start, vaddr_t end)
{
	struct flush_req r = { .pgt = pgt, .start = start, .end = end };
	uint64_t mask;
	unsigned long irq = arch_irq_save();

	flush_local(pgt, start, end);
	arch_irq_restore(irq);
	mask = pgt == &kernel_pgt ? ~0ull : __atomic_load_n(&pgt->cpumask, __ATOMIC_SEQ_CST);
	shootdown(mask, &r);
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
	shootdown(__atomic_load_n(&pgt->cpumask, __ATOMIC_SEQ_CST), &r);
}

void arch_switch_pgt(struct pgtable *pgt)
{
	struct cpu *c = this_cpu();
	struct pgtable *old = c->loaded_pgt;
	uint64_t bit = 1ull << c->index;
	unsigned long irq;

	if (old == pgt && (read_cr3() & PTE_ADDR_MASK) == pgt->root)
		return;
	irq = arch_irq_save();
	if (pgt != &kernel_pgt)
		__atomic_fetch_or(&pgt->cpumask, bit, __ATOMIC_SEQ_CST);
	write_cr3(pgt->root);
	c->loaded_pgt = pgt;
	if (old && old != pgt && old != &kernel_pgt)
		__atomic_fetch_and(&old->cpumask, ~bit, __ATOMIC_RELEASE);
	arch_irq_restore(irq);
}
