/*
 * arch/tlb.h - TLB shootdown across CPUs (arch/x86_64/tlb.c has the
 * protocol). Callers change page tables first, then flush.
 */
#ifndef ARCH_TLB_H
#define ARCH_TLB_H

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
