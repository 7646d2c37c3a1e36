/*
 * profile.h - the tick profiler: where the kernel spends its time.
 *
 * Booted with profile=SHIFT (Linux's parameter), every CPU's timer tick
 * (HZ times a second) counts the instruction it interrupted: kernel code
 * in a bucket of 2^SHIFT bytes of kernel text, user code in one "user"
 * count. /proc/profile shows the counts summed per function, most
 * sampled first, and the lock classes that were waited for; writing
 * anything to it starts the counts again. Without profile=, writing SHIFT
 * to it turns profiling on, and writing "off" turns it off and frees the
 * counters (Pagoda's extensions: Linux only has the boot parameter). Tests: user/tests/vm_proc_test.c (profile_*).
 *
 * What it cannot see: code that runs with interrupts off - every spinlock
 * holder and spinner (kernel/spinlock.h) - delays the tick until the
 * interrupts are back on, so that time is charged to the instruction
 * after the spin_unlock_irqrestore(), in the function that held the lock.
 * Linux's NMI-driven profilers (perf) see inside; this one is Linux's old
 * readprofile, with a text format instead of the binary one.
 */
#ifndef KERNEL_PROFILE_H
#define KERNEL_PROFILE_H

struct proc_buf;
struct proc_ctx;

/* Read profile= and allocate the counters (after the page allocator). */
void profile_init(void);
/* Count what this CPU's timer interrupt interrupted. IRQ context. */
void profile_tick(void);
/* /proc/profile: show, and reset on a write. */
int proc_show_profile(struct proc_buf *b, const struct proc_ctx *unused);
int profile_reset(const char *req);

#endif
