/*
 * spinlock.h - busy-wait locks that also disable local interrupts.
 *
 * Every spinlock in Pagoda is taken with interrupts off (spin_lock_irqsave),
 * so an interrupt handler on the same CPU can never spin on a lock its own
 * CPU holds. Hold them briefly and never sleep while holding one. The owner
 * is not recorded yet; SMP bring-up (a later issue) needs nothing more than
 * the atomic exchange below.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <arch/cpu.h>
#include <stdint.h>

typedef struct spinlock {
	volatile uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT	{ 0 }

static inline void spin_lock_init(spinlock_t *l)
{
	l->locked = 0;
}

static inline void __spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			arch_cpu_relax();
}

static inline void __spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* Returns the interrupt state to hand back to spin_unlock_irqrestore(). */
static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = arch_irq_save();

	__spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	__spin_unlock(l);
	arch_irq_restore(flags);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED);
}

#endif
