/*
 * arch/tlb.h - TLB shootdown across CPUs (arch/x86_64/tlb.c has the
 * protocol). Callers change page tables first, then flush.
 */
#ifndef ARCH_TLB_H
#define ARCH_TLB_H

#include <stdbool.h>
#include <stdint.h>

struct pgtable;

/* Register the shootdown IPI (boot CPU, before any AP runs tasks). */
void tlb_init(void);
/* cpus[@cpu] runs tasks from now on: shootdowns include it. */
void tlb_cpu_online(unsigned int cpu);
/*
 * Flush [start, end) of @pgt (&kernel_pgt: kernel mappings) on this CPU
 * and on every other CPU that may cache it, and wait until they have.
 * Any context with interrupts on or off; never sleeps.
 */
void tlb_flush_range(struct pgtable *pgt, uint64_t start, uint64_t end);
/* This CPU only: every entry, global ones too (an AP joining). */
void tlb_flush_local_all(void);
/* All of @pgt's translations, everywhere (fork's write-protect, freed tables). */
void tlb_flush_pgt(struct pgtable *pgt);
/* @pgt is about to be freed: no CPU may keep it in CR3 (a lazy kernel thread's). */
void tlb_forget_pgt(struct pgtable *pgt);

/*
 * A batch of deferred flushes (Linux's tlbflush_unmap_batch), for reclaim:
 * PTEs of several mms are changed without a flush, each change is
 * recorded with tlb_batch_add(), and one tlb_batch_flush() flushes them
 * all - one IPI per CPU per batch. Start from a zeroed struct; owned by
 * one task, no lock. The protocol is at the top of arch/x86_64/tlb.c.
 */
#define TLB_BATCH_PGTS	4

struct tlb_batch {
	uint64_t cpumask;	/* CPUs that may cache a changed entry */
	bool pending;		/* an entry changed since the last flush */
	bool writable;		/* ... and one of them was writable or dirty */
	unsigned int npgt;	/* trees marked (beyond TLB_BATCH_PGTS: not noted) */
	struct {
		struct pgtable *pgt;
		unsigned long gen;	/* its tlb_gen_deferred after our last change */
	} pgts[TLB_BATCH_PGTS];
};
/*
 * A PTE of @pgt lost its page or its write permission (@writable: it was
 * writable or dirty, so a stale entry may still write the page). Caller
 * holds the PTE's lock (a cursor) and made the change just before; never sleeps. Marks
 * @pgt for tlb_flush_batched_pending(); @pgt must stay alive until the
 * batch is flushed (reclaim holds the mm's mmap lock and a pin).
 */
void tlb_batch_add(struct tlb_batch *b, struct pgtable *pgt, bool writable);
/*
 * Only an accessed bit of a PTE of @pgt was cleared: a stale entry is
 * harmless (it only hides a later access), so @pgt is not marked; the
 * batch flushes it at its end.
 */
void tlb_batch_add_young(struct tlb_batch *b, struct pgtable *pgt);
/*
 * Flush the user half on every CPU of the batch and wait until each has;
 * the batch is then empty. Nothing to do for an empty batch. Any context
 * that may take a spinlock; never sleeps.
 */
void tlb_batch_flush(struct tlb_batch *b);
/* tlb_batch_flush() if a writable or dirty entry is pending (before a writeout). */
void tlb_batch_flush_dirty(struct tlb_batch *b);
/*
 * Someone (reclaim) changed PTEs of @pgt and deferred the flush: flush all
 * of @pgt now. Called, holding the PTE's lock (or none), by whoever is about to act
 * on a PTE it read (a fault, a zap, MADV_*) and must not meet a stale
 * entry of it on another CPU (Linux's flush_tlb_batched_pending).
 */
void tlb_flush_batched_pending(struct pgtable *pgt);
/* The same for a caller without the lock (takes it when the tree is marked). */
void tlb_flush_batched_pending_unlocked(struct pgtable *pgt);

/* Shootdowns requested and IPIs sent since boot (ktest, /proc/vmstat). */
extern unsigned long tlb_stat_shootdowns, tlb_stat_ipis;

/*
 * Answer a shootdown addressed to this CPU, if any (interrupts off). Every
 * spin-wait calls it, so that a CPU spinning on a lock the initiator holds
 * still answers (see tlb.c, "Deadlock").
 */
extern volatile uint64_t tlb_sd_pending;
void tlb_ipi_poll_slow(void);
static inline void tlb_ipi_poll(void)
{
	if (__builtin_expect(__atomic_load_n(&tlb_sd_pending, __ATOMIC_RELAXED) != 0, 0))
		tlb_ipi_poll_slow();
}

#endif
