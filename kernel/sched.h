/*
 * sched.h - scheduler internals shared by sched.c, proc.c and the timer.
 * Everyone else uses kernel/task.h and kernel/wait.h.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include "kernel/compiler.h"
#include "kernel/types.h"

struct task;

void sched_timer_tick(void);		/* timer interrupt: sleepers, slices */
void signal_timer_tick(void);		/* signal.c: ITIMER_REAL expiries */
struct task *task_alloc(void);		/* zeroed task with a kernel stack */
void task_free(struct task *t);
unsigned long nr_task_structs(void);	/* task structs not yet freed */
/* Kernel preemption: read preempt= (boot), the interrupt-return point, a count. */
void sched_preempt_setup(void);
void preempt_irq_return(void);
unsigned long sched_nr_preemptions(void);
/* Build a first switch frame on @t's stack below @reserve bytes; returns rsp. */
uint64_t task_prepare_stack(struct task *t, void (*entry)(void), uint64_t r12,
			    uint64_t r13, size_t reserve);
void sched_start_task(struct task *t);	/* make a new task runnable */
void sched_finish_switch(void);
bool is_idle_task(const struct task *t);
unsigned int sched_nr_queued(void);
__noreturn void cpu_idle(void);
/* On an AP about to run tasks: make the running code its idle task. */
void sched_init_ap(void);
/* cpus[@cpu] takes tasks from now on (affinity masks may name it). */
void sched_cpu_online(unsigned int cpu);
/* How many CPUs run tasks. */
unsigned int sched_nr_cpus(void);
/* /proc/stat: ticks (HZ) each CPU spent in user mode, the kernel and idle. */
struct sched_cpu_stat {
	uint64_t user, system, idle;
};
void sched_account_tick(void);		/* every CPU's timer interrupt */
void sched_cpu_stat(unsigned int cpu, struct sched_cpu_stat *st);
/* Context switches and tasks started since boot; tasks running or queued now. */
void sched_global_stat(uint64_t *switches, uint64_t *started, unsigned int *running);
__noreturn void kthread_exit(int code);
void proc_register_kthread(struct task *t);	/* give it a pid, list it */

#endif
