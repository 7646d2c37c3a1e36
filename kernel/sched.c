/*
 * sched.c - a preemptive round-robin scheduler for every CPU.
 *
 * One run queue (a FIFO list of runnable tasks that are not running) under
 * one spinlock, shared by all CPUs; each CPU has an idle task that runs
 * when the queue has nothing for it. One queue rather than one per CPU:
 * for the 1-8 CPUs Pagoda runs on, the lock is held for a few list
 * operations per switch, so it is not where time goes, and a single queue
 * needs no load balancing - an idle CPU takes the next task (whose
 * affinity allows it) as soon as one is queued. Queueing a task when a
 * CPU that may run it is idle sends that CPU a reschedule IPI
 * (IRQ_VECTOR_RESCHED), so it does not wait for its next tick.
 *
 * A task is on_cpu from the moment a CPU picks it until the switch away
 * from it is complete (the next task clears it in sched_finish_switch);
 * no other CPU picks an on_cpu task, so a task woken while it is still
 * running elsewhere is never run twice at once. The timer tick marks the running task need_resched when others
 * wait; the flag is acted on when the task next returns to user mode
 * (exit_to_user), so kernel code is never preempted in the middle: it gives
 * up the CPU only by sleeping or calling schedule(). Kernel code that does
 * neither for 10 s is reported by the soft-lockup detector (watchdog.c);
 * schedule() and the idle loop count as progress for it.
 *
 * Switching hands the run-queue lock over: schedule() takes it, switches,
 * and the task that starts running releases it (sched_finish_switch), so no
 * other CPU can pick up the previous task before its registers are saved.
 *
 * The CPU's atomic count (kernel/might_sleep.h) goes with the task: the
 * switch saves it in prev and the task switched to puts its own back
 * before it releases the run-queue lock. A correct switch always happens
 * with the count at SWITCH_ATOMIC_COUNT (schedule() is might_sleep, then
 * takes rq_lock), and a new task starts with that value, so the handed-over
 * rq_lock is released against the count that took it. Saving instead of
 * assuming means a task that did schedule in atomic context (a reported
 * bug) keeps its count to itself rather than leaking it to the next.
 */
#include "kernel/task.h"
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/might_sleep.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/cmdline.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "mm/usercopy.h"
#include <linux/capability.h>
#include "kernel/time.h"
#include "kernel/watchdog.h"
#include "mm/kstack.h"
#include "mm/slab.h"
#include "mm/vm.h"
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <arch/irq.h>
#include <arch/lapic.h>
#include <arch/percpu.h>

static spinlock_t rq_lock = SPINLOCK_INIT(rq_lock);
/* The atomic count at switch_to(): rq_lock, nothing else (see the top). */
#define SWITCH_ATOMIC_COUNT	1
static LIST_HEAD(run_queue);
static unsigned int nr_queued;
static struct task idle_tasks[MAX_CPUS];
static struct kmem_cache *task_cache;

bool is_idle_task(const struct task *t)
{
	return t >= idle_tasks && t < idle_tasks + MAX_CPUS;
}

/*
 * CPUs that run tasks (bit n: cpus[n]), and those of them idle in
 * cpu_idle() right now, which a newly queued task should wake.
 */
static uint64_t sched_cpus = 1;
static uint64_t idle_cpus;
/* /proc/stat: context switches and tasks started since boot (atomic). */
static uint64_t nr_switches, nr_started;
/* Task structs allocated and not yet freed (atomic; ktest_settle waits on it). */
static unsigned long task_structs;
/* Kernel-mode preemptions since boot (atomic; /proc/vmstat would be the place). */
static unsigned long nr_preemptions;

/* Called with rq_lock held: wake an idle CPU (not this one) that may run @t. */
static void kick_idle_cpu(struct task *t)
{
	uint64_t m = __atomic_load_n(&idle_cpus, __ATOMIC_ACQUIRE) & t->cpus_allowed &
		     ~(1ull << this_cpu()->index);

	if (m)
		lapic_send_fixed(cpus[__builtin_ctzll(m)].apic_id, IRQ_VECTOR_RESCHED);
}

/* Called with rq_lock held: put @t at the tail of the run queue. */
static void enqueue(struct task *t)
{
	if (t->on_rq || is_idle_task(t))
		return;
	list_add_tail(&t->run_node, &run_queue);
	t->on_rq = true;
	nr_queued++;
	kick_idle_cpu(t);
}

/* May this CPU take @t off the queue? (rq_lock held) @prev is ours anyway. */
static bool can_pick(const struct task *t, const struct task *prev, unsigned int cpu)
{
	return (t->cpus_allowed & (1ull << cpu)) && (!t->on_cpu || t == prev);
}

/* The first task in the queue this CPU may run, dequeued; else its idle task. */
static struct task *pick_next(struct task *prev)
{
	unsigned int cpu = this_cpu()->index;
	struct task *t;

	list_for_each_entry(t, &run_queue, run_node) {
		if (!can_pick(t, prev, cpu))
			continue;
		list_del_init(&t->run_node);
		t->on_rq = false;
		nr_queued--;
		return t;
	}
	return &idle_tasks[cpu];
}

/* Is there a task this CPU could take? (for the idle loop) */
static bool have_work(void)
{
	unsigned int cpu = this_cpu()->index;
	unsigned long irq;
	struct task *t;
	bool found = false;

	if (!READ_ONCE(nr_queued))
		return false;
	irq = spin_lock_irqsave(&rq_lock);
	list_for_each_entry(t, &run_queue, run_node) {
		if (can_pick(t, NULL, cpu)) {
			found = true;
			break;
		}
	}
	spin_unlock_irqrestore(&rq_lock, irq);
	return found;
}

/*
 * The first thing a task does after switch_to() lands in it: load its
 * address space and user state, and release the run-queue lock its
 * predecessor took. Interrupts stay off; the caller decides when to enable.
 */
static struct task *prev_task[MAX_CPUS];

void sched_finish_switch(void)
{
	struct task *t = current();
	struct task *prev = prev_task[this_cpu()->index];

	atomic_count_set(t->saved_atomic_count);
	if (prev)
		prev->on_cpu = false;		/* its registers are saved: others may run it */
	if (t->mm)
		vm_activate(t->mm);
	if (t->kstack)
		arch_set_kernel_stack((uint64_t)t->kstack + KSTACK_SIZE);
	if (t->fpu)
		arch_fpu_restore(t->fpu);
	if (t->mm)
		arch_set_fs_base(t->fs_base);
	__spin_unlock(&rq_lock);
	/* The previous task's stack is no longer in use: it may go now. */
	if (prev && prev->state == TASK_ZOMBIE) {
		unsigned long irq = spin_lock_irqsave(&tasklist_lock);
		/*
		 * A zombie leader whose last thread has just ended the process
		 * with nobody to wait for it was made dead, not freed, while it
		 * was still on its CPU (group_dead_locked): ours to free.
		 */
		bool reaped = prev->state == TASK_DEAD;

		prev->off_cpu = true;
		if (!reaped)
			notify_waiters(prev);	/* its parent, or its tracer first */
		spin_unlock_irqrestore(&tasklist_lock, irq);
		if (reaped)
			task_free(prev);
	} else if (prev && prev->state == TASK_DEAD) {
		task_free(prev);
	}
	prev_task[this_cpu()->index] = NULL;
}

void schedule(void)
{
	unsigned long irq;
	struct task *prev = current(), *next;

	/* Sleeping or yielding: never with a spinlock held or interrupts off. */
	might_sleep();
	/* Offering the CPU is progress, whether or not another task takes it. */
	touch_softlockup_watchdog();
	irq = spin_lock_irqsave(&rq_lock);
	prev->need_resched = false;
	if (prev->state == TASK_RUNNING)
		enqueue(prev);
	next = pick_next(prev);
	if (next == prev) {
		spin_unlock_irqrestore(&rq_lock, irq);
		return;
	}
	if (prev->fpu)
		arch_fpu_save(prev->fpu);
	{
		uint64_t now = clock_ns();

		prev->exec_ns += now - prev->last_in_ns;
		next->last_in_ns = now;
	}
	this_cpu()->current = next;
	__atomic_add_fetch(&nr_switches, 1, __ATOMIC_RELAXED);
	next->on_cpu = true;
	next->cpu = this_cpu()->index;
	prev_task[this_cpu()->index] = prev;
	prev->saved_atomic_count = atomic_count();
	switch_to(&prev->saved_rsp, next->saved_rsp);
	/* Back in prev, switched to by someone's schedule(). */
	sched_finish_switch();
	arch_irq_restore(irq);
}

/*
 * Kernel preemption (preempt=full, the default; preempt=none turns it
 * off): at the end of an interrupt that came in over kernel code with
 * interrupts on, switch away if the time slice is over - but only where
 * switching is as safe as in a voluntary schedule():
 *
 *   - no spinlock held and not inside another interrupt (the CPU's
 *     atomic count is 0: kernel/might_sleep.h);
 *   - the task is TASK_RUNNING. One that has set itself to sleep but not
 *     yet called schedule() (between prepare_to_wait and schedule, or a
 *     zombie on its way out) is left alone: preempting it would take it
 *     off the CPU as if it slept, and lose the wake-up it is about to
 *     check for, or free a dead task that still has to run;
 *   - not the idle task (it looks at the queue itself).
 *
 * Sleeping locks (mutex, rw semaphore) may be held, as on Linux. Code
 * that reads per-CPU data with interrupts on must expect to move to
 * another CPU in between: current() is a single gs-relative load for
 * that reason.
 */
static bool preempt_on = true;

void sched_preempt_setup(void)
{
	char v[16];

	if (cmdline_get("preempt", v, sizeof(v)) && strcmp(v, "none") == 0)
		preempt_on = false;
	printk("sched: kernel preemption %s\n", preempt_on ? "on (preempt=full)" : "off");
}

void preempt_irq_return(void)
{
	struct task *t = current();

	if (!preempt_on || !t || is_idle_task(t) || !READ_ONCE(t->need_resched) ||
	    READ_ONCE(t->state) != TASK_RUNNING || atomic_count() != 0)
		return;
	__atomic_add_fetch(&nr_preemptions, 1, __ATOMIC_RELAXED);
	arch_irq_enable();
	schedule();
	arch_irq_disable();
}

unsigned long sched_nr_preemptions(void)
{
	return __atomic_load_n(&nr_preemptions, __ATOMIC_RELAXED);
}

void sched_yield_current(void)
{
	schedule();
}

void cond_resched(void)
{
	might_sleep();
	if (need_resched())
		schedule();
}

void wake_up_task(struct task *t)
{
	unsigned long irq = spin_lock_irqsave(&rq_lock);

	if (t->state == TASK_INTERRUPTIBLE || t->state == TASK_UNINTERRUPTIBLE) {
		t->state = TASK_RUNNING;
		/* Still current somewhere: its own schedule() sees RUNNING and keeps it. */
		if (!t->on_cpu)
			enqueue(t);
	}
	spin_unlock_irqrestore(&rq_lock, irq);
}

/* Contract in task.h. */
void wake_up_stopped(struct task *t)
{
	unsigned long irq = spin_lock_irqsave(&rq_lock);

	if (t->state == TASK_STOPPED || t->state == TASK_TRACED) {
		t->state = TASK_RUNNING;
		if (!t->on_cpu)
			enqueue(t);
	}
	spin_unlock_irqrestore(&rq_lock, irq);
}

/* ---- /proc/stat: where each CPU's ticks went ---- */

/* Per CPU, written by that CPU's timer interrupt only. */
static struct {
	uint64_t user, system, idle;
} cpu_ticks[MAX_CPUS];

/* From every CPU's tick: charge it to user, system or idle, as Linux's tick accounting. */
void sched_account_tick(void)
{
	const struct trap_frame *regs = get_irq_regs();
	struct task *t = current();
	unsigned int cpu = this_cpu()->index;

	if (!t || is_idle_task(t))
		cpu_ticks[cpu].idle++;
	else if (regs && trap_from_user(regs))
		cpu_ticks[cpu].user++;
	else
		cpu_ticks[cpu].system++;
}

void sched_cpu_stat(unsigned int cpu, struct sched_cpu_stat *st)
{
	st->user = READ_ONCE(cpu_ticks[cpu].user);
	st->system = READ_ONCE(cpu_ticks[cpu].system);
	st->idle = READ_ONCE(cpu_ticks[cpu].idle);
}

void sched_global_stat(uint64_t *switches, uint64_t *started, unsigned int *running)
{
	unsigned int n = 0;

	*switches = __atomic_load_n(&nr_switches, __ATOMIC_RELAXED);
	*started = __atomic_load_n(&nr_started, __ATOMIC_RELAXED);
	for (unsigned int i = 0; i < MAX_CPUS; i++) {
		struct task *t = READ_ONCE(cpus[i].current);

		if (t && !is_idle_task(t))
			n++;
	}
	*running = n + READ_ONCE(nr_queued);
}

/* Enqueue a task that has never run (new kernel thread or fork child). */
void sched_start_task(struct task *t)
{
	unsigned long irq = spin_lock_irqsave(&rq_lock);

	__atomic_add_fetch(&nr_started, 1, __ATOMIC_RELAXED);

	t->state = TASK_RUNNING;
	enqueue(t);
	spin_unlock_irqrestore(&rq_lock, irq);
}

void sched_tick(void)
{
	struct task *t = current();

	if (!t)
		return;
	if (is_idle_task(t)) {
		if (READ_ONCE(nr_queued))
			t->need_resched = true;
		return;
	}
	if (READ_ONCE(nr_queued))
		t->need_resched = true;		/* 1-tick time slice */
}

uint64_t task_cpu_time_ns(struct task *t)
{
	return t == current() ? t->exec_ns + clock_ns() - t->last_in_ns : t->exec_ns;
}

unsigned int sched_nr_queued(void)
{
	return READ_ONCE(nr_queued);
}

/* ---- task allocation ---- */

struct task *task_alloc(void)
{
	struct task *t = kmem_cache_alloc(task_cache, 0);

	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->usage = 1;			/* the task list's, dropped by task_free() */
	cred_init_root(t);		/* kernel threads are root; fork copies the parent's */
	t->kstack = kstack_alloc();
	if (!t->kstack) {
		kmem_cache_free(task_cache, t);
		return NULL;
	}
	__atomic_add_fetch(&task_structs, 1, __ATOMIC_RELAXED);
	INIT_LIST_HEAD(&t->run_node);
	INIT_LIST_HEAD(&t->children);
	INIT_LIST_HEAD(&t->sibling);
	INIT_LIST_HEAD(&t->all_node);
	INIT_LIST_HEAD(&t->ptraced);
	INIT_LIST_HEAD(&t->ptrace_node);
	INIT_LIST_HEAD(&t->thread_node);
	waitqueue_init(&t->child_exit);
	waitqueue_init(&t->vfork_wait);
	t->state = TASK_UNINTERRUPTIBLE;
	t->cpus_allowed = ~0ull;	/* any CPU; fork copies the parent's */
	t->saved_atomic_count = SWITCH_ATOMIC_COUNT;	/* its first switch_to() */
	t->start_ns = clock_ns();
	return t;
}

void get_task_struct(struct task *t)
{
	__atomic_add_fetch(&t->usage, 1, __ATOMIC_RELAXED);
}

unsigned long nr_task_structs(void)
{
	return __atomic_load_n(&task_structs, __ATOMIC_ACQUIRE);
}

void put_task_struct(struct task *t)
{
	if (__atomic_sub_fetch(&t->usage, 1, __ATOMIC_ACQ_REL))
		return;
	kstack_free(t->kstack);
	kfree(t->fpu);
	task_put_group(t);
	kmem_cache_free(task_cache, t);
	/* Last: a ktest waiting for this count wants every page back first. */
	__atomic_sub_fetch(&task_structs, 1, __ATOMIC_RELEASE);
}

void task_free(struct task *t)
{
	put_task_struct(t);
}

/*
 * Lay out a fresh kernel stack so that the first switch_to() into @t
 * "returns" to @entry with r12/r13 set. Returns the stack pointer.
 */
uint64_t task_prepare_stack(struct task *t, void (*entry)(void), uint64_t r12,
			    uint64_t r13, size_t reserve)
{
	uint64_t top = (uint64_t)t->kstack + KSTACK_SIZE - reserve;
	struct switch_frame *sf = (struct switch_frame *)top - 1;

	memset(sf, 0, sizeof(*sf));
	sf->r12 = r12;
	sf->r13 = r13;
	sf->ret = (uint64_t)entry;
	return (uint64_t)sf;
}

struct task *kthread_create(const char *name, int (*fn)(void *), void *arg)
{
	return kthread_create_on(name, fn, arg, ~0ull);
}

struct task *kthread_create_on(const char *name, int (*fn)(void *), void *arg,
			       uint64_t cpus)
{
	struct task *t = task_alloc();

	if (!t)
		return ERR_PTR(-ENOMEM);
	if (task_new_group(t)) {
		task_free(t);
		return ERR_PTR(-ENOMEM);
	}
	t->kthread = true;
	t->cpus_allowed = cpus;
	strlcpy(t->comm, name, sizeof(t->comm));
	/* Leave room for a user frame at the top: init turns into a process. */
	t->saved_rsp = task_prepare_stack(t, task_entry_kthread, (uint64_t)fn,
					  (uint64_t)arg, sizeof(struct trap_frame));
	proc_register_kthread(t);
	sched_start_task(t);
	return t;
}

__noreturn void kthread_exit(int code)
{
	do_exit((code & 0xff) << 8);
}

/* ---- timed sleep ---- */

struct sleeper {
	struct list_head node;
	struct task *task;
	uint64_t wake_ns;
};

static spinlock_t sleep_lock = SPINLOCK_INIT(sleep_lock);
static LIST_HEAD(sleepers);

/* From the timer interrupt: wake the tasks whose time has come. */
static void wake_sleepers(void)
{
	uint64_t now = clock_ns();
	struct sleeper *s, *n;
	unsigned long irq = spin_lock_irqsave(&sleep_lock);

	list_for_each_entry_safe(s, n, &sleepers, node) {
		if (s->wake_ns <= now) {
			list_del_init(&s->node);
			wake_up_task(s->task);
		}
	}
	spin_unlock_irqrestore(&sleep_lock, irq);
}

long schedule_timeout(uint64_t ns)
{
	struct sleeper s = { .task = current(), .wake_ns = clock_ns() + ns };
	unsigned long irq;
	uint64_t now;

	irq = spin_lock_irqsave(&sleep_lock);
	list_add_tail(&s.node, &sleepers);
	spin_unlock_irqrestore(&sleep_lock, irq);
	schedule();
	irq = spin_lock_irqsave(&sleep_lock);
	list_del_init(&s.node);
	spin_unlock_irqrestore(&sleep_lock, irq);
	now = clock_ns();
	return now >= s.wake_ns ? 0 : (long)(s.wake_ns - now);
}

void sched_timer_tick(void)
{
	wake_sleepers();
	signal_timer_tick();
	sched_tick();
}

/* ---- CPU affinity: sched_setaffinity, sched_getaffinity, getcpu ---- */

/*
 * sched_getaffinity reports the CPUs that run tasks (sched_cpus), which is
 * what musl's sysconf(_SC_NPROCESSORS_ONLN) counts.
 */

/*
 * The task @pid names (0: the caller), if the caller may change it, with
 * a reference for the caller to put.
 */
static long affinity_task(pid_t pid, bool set, struct task **out)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	struct task *me = current(), *t = pid ? task_find(pid) : me;
	long err = 0;

	if (!t || t->state == TASK_ZOMBIE || t->state == TASK_DEAD)
		err = -ESRCH;
	else if (set && t != me && me->cred.euid != t->cred.uid &&
		 me->cred.euid != t->cred.euid && !capable(CAP_SYS_NICE))
		err = -EPERM;
	if (!err)
		get_task_struct(t);
	spin_unlock_irqrestore(&tasklist_lock, irq);
	*out = t;
	return err;
}

static long sys_sched_setaffinity(long pid, unsigned long len, const uint64_t __user *umask)
{
	uint64_t mask = 0;
	struct task *t;
	long err;

	/* A shorter mask is zero-extended, a longer one truncated (Linux). */
	if (copy_from_user(&mask, umask, len < sizeof(mask) ? len : sizeof(mask)))
		return -EFAULT;
	err = affinity_task(pid, true, &t);
	if (err)
		return err;
	if (!(mask & sched_cpus)) {
		put_task_struct(t);
		return -EINVAL;			/* no CPU it could run on */
	}
	WRITE_ONCE(t->cpus_allowed, mask);
	/* Linux returns with the task on an allowed CPU: move now, not at some tick. */
	if (t == current()) {
		if (!(mask & (1ull << this_cpu()->index)))
			schedule();
	} else {
		unsigned long irq = spin_lock_irqsave(&rq_lock);

		if (t->on_cpu && !(mask & (1ull << t->cpu)))
			lapic_send_fixed(cpus[t->cpu].apic_id, IRQ_VECTOR_RESCHED);
		spin_unlock_irqrestore(&rq_lock, irq);
	}
	put_task_struct(t);
	return 0;
}
SYSCALL(__NR_sched_setaffinity, sys_sched_setaffinity);

/* Returns the size of the mask written, as the raw system call does. */
static long sys_sched_getaffinity(long pid, unsigned long len, uint64_t __user *umask)
{
	struct task *t;
	uint64_t mask;
	long err;

	if (len * 8 < MAX_CPUS || (len & (sizeof(long) - 1)))
		return -EINVAL;
	err = affinity_task(pid, false, &t);
	if (err)
		return err;
	mask = READ_ONCE(t->cpus_allowed) & sched_cpus;
	put_task_struct(t);
	if (copy_to_user(umask, &mask, sizeof(mask)))
		return -EFAULT;
	return sizeof(mask);
}
SYSCALL(__NR_sched_getaffinity, sys_sched_getaffinity);

static long sys_getcpu(unsigned int __user *cpu, unsigned int __user *node, void __user *cache)
{
	unsigned int c = this_cpu()->index, n = 0;

	(void)cache;				/* unused since Linux 2.6.24 */
	if (cpu && put_user(c, cpu))
		return -EFAULT;
	if (node && put_user(n, node))
		return -EFAULT;
	return 0;
}
SYSCALL(__NR_getcpu, sys_getcpu);

/* ---- start-up ---- */

/* This CPU's idle task: the code running now, on the stack it has. */
static void idle_task_init(void)
{
	struct task *idle = &idle_tasks[this_cpu()->index];

	INIT_LIST_HEAD(&idle->run_node);
	INIT_LIST_HEAD(&idle->children);
	INIT_LIST_HEAD(&idle->sibling);
	INIT_LIST_HEAD(&idle->all_node);
	INIT_LIST_HEAD(&idle->thread_node);
	idle->kthread = true;
	idle->state = TASK_RUNNING;
	strlcpy(idle->comm, "idle", sizeof(idle->comm));
	cred_init_root(idle);		/* the kernel acts as root */
	idle->cpus_allowed = 1ull << this_cpu()->index;
	idle->on_cpu = true;
	/* The boot stack becomes the idle task's; it has no kstack slot. */
	this_cpu()->current = idle;
}

static void resched_irq(void *arg)
{
	(void)arg;
	/* Nothing to do: the idle loop (or the return to user) looks at the queue. */
	if (current())
		current()->need_resched = true;
}

void sched_init(void)
{
	task_cache = kmem_cache_create("task", sizeof(struct task), 16);
	if (!task_cache)
		panic("sched_init: no task cache");
	idle_task_init();
	irq_register_vector(IRQ_VECTOR_RESCHED, resched_irq, NULL);
	sched_preempt_setup();
}

/* Contract in sched.h. */
void sched_init_ap(void)
{
	idle_task_init();
}

/* Contract in sched.h. */
void sched_cpu_online(unsigned int cpu)
{
	__atomic_fetch_or(&sched_cpus, 1ull << cpu, __ATOMIC_SEQ_CST);
}

unsigned int sched_nr_cpus(void)
{
	unsigned int n = 0;

	for (uint64_t m = __atomic_load_n(&sched_cpus, __ATOMIC_RELAXED); m; m &= m - 1)
		n++;
	return n;
}

/*
 * Every CPU ends here once it runs tasks: sleep until there is work. The
 * CPU is marked idle *before* it looks at the queue, so a task queued
 * after the look sends it a reschedule IPI, which the sti; hlt pair
 * cannot miss (the interrupt stays pending across sti).
 */
__noreturn void cpu_idle(void)
{
	uint64_t bit = 1ull << this_cpu()->index;

	for (;;) {
		touch_softlockup_watchdog();	/* idling is not a lockup */
		arch_irq_disable();
		__atomic_fetch_or(&idle_cpus, bit, __ATOMIC_SEQ_CST);
		if (have_work()) {
			__atomic_fetch_and(&idle_cpus, ~bit, __ATOMIC_SEQ_CST);
			arch_irq_enable();
			schedule();
		} else {
			/*
			 * Lazy TLB ends here: an idle CPU keeping a process's
			 * page tables would be sent every shootdown of it.
			 */
			arch_switch_pgt(&kernel_pgt);
			arch_idle();		/* sti; hlt: wakes on the next interrupt */
			__atomic_fetch_and(&idle_cpus, ~bit, __ATOMIC_SEQ_CST);
		}
	}
}
