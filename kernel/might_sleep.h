/*
 * might_sleep.h - the sleep-in-atomic checker (Linux's might_sleep() and
 * CONFIG_DEBUG_ATOMIC_SLEEP).
 *
 * Code that may sleep (take a mutex, wait on a queue, allocate with
 * GFP_RECLAIM, touch user memory, wait for the disk) says so with
 * might_sleep(). Sleeping is only allowed when this CPU is in no atomic
 * context: it holds no spinlock, is not handling an interrupt, and has
 * interrupts enabled. The first two are counted per CPU:
 *
 *   struct cpu.atomic_count   (arch/percpu.h)
 *
 *      31            16 15              0
 *     +----------------+----------------+
 *     | hardirq depth  | spinlocks held |
 *     +----------------+----------------+
 *
 * Every spinlock acquisition adds 1 (kernel/spinlock.h), every release
 * takes it back; the interrupt path (arch/x86_64/trap.c) adds
 * HARDIRQ_OFFSET around a device/timer handler and around an NMI.
 * Interrupts-off sections are not counted: might_sleep() reads the
 * interrupt flag itself (Linux's irqs_disabled()), which sees every such
 * section, deliberate or not, without pairing arch_irq_disable() with an
 * enable that may come from another function.
 *
 * The count is per CPU, but a sleep takes the task off the CPU, so
 * schedule() saves the CPU's count in the task it switches away from and
 * the task switched to puts its own back (sched_finish_switch, kernel/
 * sched.c). At a correct switch the count is exactly 1 (the run-queue
 * lock schedule() took, released by the next task), which is what a new
 * task starts with.
 *
 * The check is armed by debug_atomic_sleep=1 on the command line (every
 * image `make check` boots has it) once the scheduler exists; earlier boot
 * runs with interrupts off and nobody to switch to. Unarmed, might_sleep()
 * is one load and a not-taken branch; the count is kept either way. A
 * violation prints
 *
 *   BUG: sleeping function called from invalid context at mm/usercopy.c:58
 *
 * with the count, the locks held (kernel/lock_order.h), where the
 * atomic section began and the call chain, then panics. Nothing is
 * reported while panicking.
 *
 * Tests: kernel/tests/might_sleep_ktest.c records a report instead of
 * panicking (might_sleep_record()).
 */
#ifndef KERNEL_MIGHT_SLEEP_H
#define KERNEL_MIGHT_SLEEP_H

#include "kernel/compiler.h"
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <stdbool.h>
#include <stdint.h>

#define SPINLOCK_COUNT_MASK	0xffffu
#define HARDIRQ_OFFSET		0x10000u

/* This CPU's atomic count: spinlocks held + HARDIRQ_OFFSET per interrupt level. */
static inline unsigned int atomic_count(void)
{
	return this_cpu_atomic_count();
}

/* May this CPU not sleep because of a held spinlock or an interrupt? */
static inline bool in_atomic(void)
{
	return atomic_count() != 0;
}

static inline bool in_hardirq(void)
{
	return atomic_count() >= HARDIRQ_OFFSET;
}

/* A spinlock is being taken: count it, remembering where the first one was. */
static inline __attribute__((always_inline)) void atomic_count_spin_enter(void)
{
	if (!(this_cpu_atomic_count() & SPINLOCK_COUNT_MASK))
		this_cpu_mark_atomic_ip();
	this_cpu_add_atomic_count(1);
}

static inline void atomic_count_spin_exit(void)
{
	this_cpu_add_atomic_count(-1);
}

/* The context switch (kernel/sched.c) puts the next task's saved count back. */
static inline void atomic_count_set(unsigned int count)
{
	this_cpu_set_atomic_count(count);
}

/* An interrupt handler (trap.c) runs between these two. */
static inline void hardirq_enter(void)
{
	this_cpu_add_atomic_count(HARDIRQ_OFFSET);
}

static inline void hardirq_exit(void)
{
	this_cpu_add_atomic_count(-(int)HARDIRQ_OFFSET);
}

/*
 * Armed by might_sleep_init() (debug_atomic_sleep=1, once the scheduler
 * exists) and, for the duration of a test, by might_sleep_record().
 */
extern bool might_sleep_armed;

/* The slow path: report (and panic) unless panicking already. */
void __might_sleep_report(const char *file, int line);

static inline void __might_sleep(const char *file, int line)
{
	if (unlikely(READ_ONCE(might_sleep_armed)) && (in_atomic() || !arch_irqs_enabled()))
		__might_sleep_report(file, line);
}

/*
 * Say "this may sleep": a BUG report and a panic when called from atomic
 * context (with the check armed). Put it at the top of every function
 * that may sleep, even when it usually does not.
 */
#define might_sleep()		__might_sleep(__FILE__, __LINE__)
#define might_sleep_if(cond)	do { if (cond) might_sleep(); } while (0)
/*
 * Touching user memory may fault, and the fault path takes the mmap lock
 * and may read swap (Linux's might_fault()).
 */
#define might_fault()		might_sleep()

/*
 * Check (and announce) debug_atomic_sleep=1; called once the scheduler is
 * set up, with interrupts on. Before that the checker stays unarmed.
 */
void might_sleep_init(void);

/* What a recorded report saw (the test hook below). */
struct might_sleep_report {
	unsigned int nr;		/* reports since recording began */
	const char *file;		/* of the first one */
	int line;
	unsigned int count;		/* atomic_count() then */
	bool irqs_disabled;
};

/*
 * Test hook: with @r set, the check is armed and a violation is recorded in
 * @r (zeroed here) instead of panicking; NULL puts the normal behaviour
 * back. Only the might_sleep ktests use it.
 */
void might_sleep_record(struct might_sleep_report *r);

#endif
