/*
 * task.h - processes and kernel threads.
 *
 * One struct task per thread of execution. A user process is a thread
 * group: one or more tasks sharing an mm (address space), a file table, a
 * file-system context, signal handlers (struct sighand) and the process's
 * signal state (struct signal_struct: the process-directed pending set,
 * the thread list, group exit). A kernel thread has no mm, files or fs.
 *
 *   task.pid    the thread id (gettid); unique among all tasks
 *   task.tgid   the process id (getpid): the pid of the group's leader,
 *               the thread that started the process (or exec'd last)
 *
 * Only group leaders are on their parent's children list and are waited
 * for; the other threads are reaped at exit by the kernel. A leader that
 * exits while other threads run stays a zombie, reported to its parent
 * only once the last thread has gone (Linux's delay_group_leader).
 *
 * Lifecycle:
 *
 *   task_create / fork --> RUNNING <--> (IN)INTERRUPTIBLE (sleeping)
 *                             |    <--> STOPPED (job control: SIGSTOP ... SIGCONT)
 *                             |    <--> TRACED  (a ptrace stop: ... PTRACE_CONT)
 *                          do_exit --> ZOMBIE --wait4 by parent--> freed
 *
 * Children of an exiting task are handed to init (pid 1), which reaps them.
 * The running task of a CPU is this_cpu()->current (see current()).
 */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

#include "kernel/compiler.h"
#include "kernel/cred.h"
#include "kernel/lib/list.h"
#include "kernel/uapi.h"
#include "kernel/wait.h"
#include <arch/percpu.h>

#define TASK_ZOMBIE	3	/* exited, waiting for the parent's wait4 */
#define TASK_DEAD	4	/* reaped; memory about to be freed */
#define TASK_STOPPED	5	/* job-control stop, until SIGCONT or SIGKILL */
#define TASK_TRACED	6	/* ptrace stop, until the tracer resumes it */

#define TASK_COMM_LEN	16
#define NR_SIGNALS		64	/* signals 1..64; bit (sig-1) of a sigset_t */

struct mm;
struct files_struct;
struct fs_struct;
struct trap_frame;

/* A signal action as rt_sigaction(2) takes it (struct sigaction of the UAPI). */
struct k_sigaction {
	struct sigaction sa;
};

/*
 * What a pending signal carries, compactly (a full struct siginfo is 128
 * bytes; 64 of them would make every task 8 KiB bigger). Expanded into a
 * struct siginfo when the signal is delivered.
 */
struct ksiginfo {
	int signo, code;
	pid_t pid;
	int status;			/* SIGCHLD: exit status or signal */
	void *addr;			/* faults: the address */
};

/* FXSAVE area: x87/SSE state of a user thread (Intel SDM vol. 1, 10.5.1). */
struct fpu_state {
	uint8_t fxsave[512];
} __attribute__((aligned(16)));

/* Signal handlers, shared by the threads of a process (CLONE_SIGHAND). */
struct sighand {
	unsigned int refcount;		/* atomic */
	struct k_sigaction action[NR_SIGNALS];	/* sig_lock */
};

/*
 * The state of a process as a whole, shared by its threads (Linux's
 * signal_struct). Lives until the last thread is freed.
 */
struct signal_struct {
	unsigned int refcount;		/* atomic: one per task */
	struct list_head threads;	/* tasks, via thread_node; tasklist_lock */
	unsigned int nr_threads;	/* threads not yet exited; tasklist_lock */
	sigset_t shared_pending;	/* process-directed (kill); sig_lock */
	struct ksiginfo shared_info[NR_SIGNALS];	/* their siginfo; sig_lock */
	/*
	 * exit_group, or a fatal signal, is ending every thread; the code
	 * is the wait4 status word the process exits with. sig_lock.
	 */
	bool group_exit;
	int group_exit_code;
	/* execve in a multi-threaded process: the thread exec'ing (de_thread). sig_lock */
	struct task *group_exec_task;
	/* Threads a group stop still waits for, 0 when none is under way. sig_lock */
	unsigned int group_stop_count;
	struct waitqueue thread_exit;	/* de_thread waits here for the others */
};

struct task {
	/* Scheduler */
	int state;			/* TASK_RUNNING, ... */
	struct list_head run_node;	/* on the run queue when runnable */
	uint64_t saved_rsp;		/* kernel rsp while switched out */
	void *kstack;			/* lowest usable byte of the kernel stack */
	bool need_resched;
	bool on_rq;
	bool on_cpu;			/* rq_lock: current on some CPU (another may not pick it) */
	/*
	 * References to the struct (atomic): the task list's, and one per
	 * holder between finding it under tasklist_lock and using it after
	 * the unlock - with other CPUs running, it may be reaped meanwhile.
	 */
	unsigned int usage;
	unsigned int cpu;		/* the CPU it last ran on (rq_lock) */
	bool kthread;			/* a kernel thread (until init's execve) */
	uint64_t cpus_allowed;		/* sched_setaffinity: bit n = CPU n may run it */
	bool off_cpu;			/* a zombie that has switched away for good */
	struct held_locks held_locks;	/* ranked locks held (kernel/lock_order.h); own task only */
	unsigned int saved_atomic_count;	/* the CPU's atomic count while switched out
						 * (kernel/might_sleep.h); under rq_lock */

	/* Identity */
	pid_t pid;			/* thread id */
	pid_t tgid;			/* process id: the group leader's pid */
	struct task *group_leader;	/* tasklist_lock (de_thread changes it) */
	struct list_head thread_node;	/* on signal->threads; tasklist_lock */
	struct signal_struct *signal;	/* the process; NULL for idle tasks */
	struct sighand *sighand;	/* handlers; NULL for idle tasks */
	pid_t pgid, sid;
	char comm[TASK_COMM_LEN];
	uint64_t start_ns;		/* clock_ns() at creation */
	uint64_t exec_ns;		/* time spent on a CPU, up to the last switch */
	uint64_t last_in_ns;		/* clock_ns() when it last got the CPU */

	/* Family (links under tasklist_lock) */
	struct task *parent;		/* a process: the leader of the parent's group */
	/*
	 * The thread that forked us (Linux's real_parent): a thread of
	 * parent's group, or init. wait4 with __WNOTHREAD takes only the
	 * children of the waiting thread itself. When that thread exits
	 * another live thread of its group inherits its children, as in
	 * Linux; the last one hands them to init. Set in leaders only.
	 */
	struct task *parent_thread;
	struct list_head children;	/* of struct task, via sibling */
	struct list_head sibling;
	struct list_head all_node;	/* on the list of every task */
	struct waitqueue child_exit;	/* wait4 sleeps here */
	int exit_status;		/* wait4 status word once ZOMBIE */
	/*
	 * vfork: the child points at its parent until its execve or exit
	 * releases it; the parent sleeps on its *own* queue for that, never
	 * on the child's, which an auto-reaped child frees at exit.
	 */
	struct task *vfork_parent;	/* in the child, until released */
	bool vfork_released;		/* in the parent: the child let go */
	bool in_reclaim;		/* in direct reclaim (mm/vmscan.c): not again */
	struct waitqueue vfork_wait;	/* the parent waits here */

	/* Resources (NULL for a kernel thread) */
	struct mm *mm;
	struct files_struct *files;
	struct fs_struct *fs;

	/* Signals (the process-directed ones are in signal->shared_pending) */
	sigset_t pending;		/* thread-directed (tgkill, faults); bit sig-1 */
	sigset_t blocked;		/* per thread */
	struct ksiginfo siginfo[NR_SIGNALS];	/* info of the pending instance */
	bool group_stop_pending;	/* sig_lock: join the group stop on the way out */
	bool thread_exited;		/* left signal->nr_threads; tasklist_lock */
	stack_t altstack;
	sigset_t saved_mask;		/* restored after a sigsuspend-like wait */
	bool restore_saved_mask;

	/*
	 * Job control (kernel/signal.c), under sig_lock: a stopped task
	 * sleeps in TASK_STOPPED until SIGCONT or SIGKILL; its parent's
	 * wait4 reports the stop (WUNTRACED) and the continue (WCONTINUED)
	 * once each.
	 */
	bool group_stopped;		/* in a job-control stop */
	uint8_t stop_sig;		/* the signal that stopped it */
	uint8_t wait_report;		/* WAIT_REPORT_STOPPED / _CONTINUED, unreported */

	/*
	 * ptrace (kernel/ptrace.c). The links are under tasklist_lock; the
	 * stop fields under sig_lock. While traced, wait4 in the tracer sees
	 * the tracee's stops and its exit before its real parent does.
	 */
	struct task *tracer;		/* NULL when not traced */
	struct list_head ptraced;	/* our tracees, via ptrace_node */
	struct list_head ptrace_node;
	unsigned int ptrace_flags;	/* PT_* below, and PTRACE_O_* options */
	bool ptrace_stopped;		/* in a ptrace stop (TASK_TRACED) */
	/*
	 * Linux's exit_code: set to the stop's signal (or SIGTRAP|0x80...)
	 * when the stop begins, cleared when the tracer's wait4 reports it,
	 * set to the signal to deliver by the request that resumes.
	 */
	int ptrace_code;
	int ptrace_event;		/* PTRACE_EVENT_* of an event stop, else 0 */
	unsigned long ptrace_message;	/* PTRACE_GETEVENTMSG */

	/*
	 * A call interrupted with -ERESTART_RESTARTBLOCK says here how
	 * restart_syscall(2) goes on (kernel/sys_misc.c).
	 */
	long (*restart_fn)(struct task *t);
	uint64_t restart_deadline_ns;	/* a sleep's clock_ns() deadline */

	/* Timers */
	uint64_t alarm_at_ns;		/* ITIMER_REAL expiry, 0 = none */
	uint64_t alarm_interval_ns;

	/* User thread state */
	uint64_t fs_base;		/* arch_prctl(ARCH_SET_FS) */
	void *clear_child_tid;		/* set_tid_address */
	void *robust_list;
	struct fpu_state *fpu;
	struct trap_frame *user_regs;	/* top of the kernel stack while in a syscall/trap */

	/* Identity, limits and process attributes */
	struct cred cred;		/* ids and capabilities (kernel/cred.c) */
	struct rlimit64 rlim[RLIM_NLIMITS];
	umode_t umask;
	int pdeathsig;			/* PR_SET_PDEATHSIG: sent when the parent exits; 0 none */
	short oom_score_adj;		/* /proc/PID/oom_score_adj, -1000..1000; inherited */
	short oom_score_adj_min;	/* lowest an unprivileged write may set (Linux's) */
	bool oom_victim;		/* killed by the OOM killer (mm/oom_kill.c) */
	bool make_it_fail;		/* /proc/PID/make-it-fail: allocations may be
					 * failed on purpose (mm/fail_alloc.h); inherited */
	bool dumpable;			/* PR_GET_DUMPABLE (Linux keeps it per mm) */
};

#define WAIT_REPORT_STOPPED	1
#define WAIT_REPORT_CONTINUED	2

/* ptrace_flags: the PTRACE_O_* options (low bits, bit 20) and these. */
#define PT_PTRACED	(1u << 24)	/* attached (TRACEME, ATTACH or SEIZE) */
#define PT_SEIZED	(1u << 25)	/* by PTRACE_SEIZE: no SIGSTOP, event-style group stops */
#define PT_SYSCALL	(1u << 26)	/* resumed by PTRACE_SYSCALL: stop at entry and exit */

/*
 * One gs-relative load, so that it cannot be split by a preemption that
 * moves the task to another CPU between finding this CPU's struct cpu and
 * reading its current (which would then be the other CPU's task).
 */
static inline struct task *current(void)
{
	struct task *t;

	__asm__ __volatile__("movq %%gs:%c1, %0" : "=r"(t)
			     : "i"(__builtin_offsetof(struct cpu, current)));
	return t;
}

/*
 * Is @t being killed (SIGKILL pending; it cannot be blocked or caught)? A
 * long system call checks this and gives up, so kill -9 always works, and
 * the allocator does not reclaim or OOM-kill for a task about to exit
 * (Linux's fatal_signal_pending).
 */
/* Is the time slice over (the tick asked for a schedule)? */
static inline bool need_resched(void)
{
	return READ_ONCE(current()->need_resched);
}

static inline bool fatal_signal_pending(const struct task *t)
{
	return t && (READ_ONCE(t->pending) & (1ul << (SIGKILL - 1)));
}

/* Scheduler (kernel/sched.c) */
void sched_init(void);
void schedule(void);
void sched_yield_current(void);
/*
 * A preemption point for long loops in system calls (Linux's cond_resched):
 * give up the CPU if the time slice is over. Only where the caller may
 * sleep (no spinlock held).
 */
void cond_resched(void);
void wake_up_task(struct task *t);	/* make runnable (from any state but dead) */
/* Make @t runnable if it sleeps in TASK_STOPPED or TASK_TRACED. */
void wake_up_stopped(struct task *t);
void sched_tick(void);			/* from the timer interrupt */
uint64_t task_cpu_time_ns(struct task *t);

/*
 * Start a kernel thread running fn(arg). It exits when fn returns.
 * Returns the task or ERR_PTR(-ENOMEM).
 */
struct task *kthread_create(const char *name, int (*fn)(void *), void *arg);
/* The same, allowed only on the CPUs of @cpus (bit n: CPU n) from the start. */
struct task *kthread_create_on(const char *name, int (*fn)(void *), void *arg,
			       uint64_t cpus);

/*
 * Keep @t's struct alive past tasklist_lock (kernel/sched.c): take the
 * reference while holding the lock, drop it when done. task_free() is the
 * task list's own put.
 */
void get_task_struct(struct task *t);
void put_task_struct(struct task *t);

/* Processes (kernel/proc.c) */
struct task *task_find(pid_t pid);	/* NULL if none; caller holds tasklist_lock */
extern spinlock_t tasklist_lock;
extern struct list_head all_tasks;	/* every task, via all_node */
#define for_each_task(t) list_for_each_entry(t, &all_tasks, all_node)
__noreturn void do_exit(int status);	/* status: wait4 status word */
/* When pid 1 exits: leave QEMU through isa-debug-exit (tests) or power off. */
extern bool init_exit_quits_qemu;
/* Start /init (or the init= program); never returns. */
__noreturn void start_init(const char *path, char *const argv[]);

/* The process pid 1 (init), which reaps orphans. */
struct task *task_init(void);
/* The user-mode registers of @t: the trap frame at the top of its kernel stack. */
struct trap_frame *task_user_regs(struct task *t);
/* SIGCHLD and a wake-up for @t's exit to its tracer, else its parent. tasklist_lock held. */
void exit_notify_locked(struct task *t);

/*
 * Thread groups (kernel/proc.c). task_new_group gives @t a process of its
 * own (signal state and handlers) with @t as leader; 0 or -ENOMEM.
 * task_put_group drops @t's references to both (task_free does).
 */
int task_new_group(struct task *t);
void task_put_group(struct task *t);
/* execve's first step in a multi-threaded process (kernel/proc.c). 0 or -errno. */
int de_thread(struct task *t);
/* Is @t the only thread of its process? */
static inline bool thread_group_empty(const struct task *t)
{
	return READ_ONCE(t->signal->nr_threads) <= 1;
}

/* Signals (kernel/signal.c) */
extern spinlock_t sig_lock;		/* pending sets, siginfo, stop state; inside tasklist_lock */
/* A process-directed signal to @t's process (kill(2)); any thread not blocking it takes it. */
int send_signal(struct task *t, int sig, const struct siginfo *info);
/* A signal for thread @t alone (tgkill(2), faults, SIGPIPE). */
int send_signal_thread(struct task *t, int sig, const struct siginfo *info);
/* Does @t have a signal to act on (or a group stop to join)? */
bool task_sigpending(const struct task *t);
/* exit_group(2): end every thread of current's process with @status. */
__noreturn void do_group_exit(int status);
/* SIGKILL to every other thread of @t's process (execve's de_thread). */
void zap_other_threads(struct task *t);
/* An exiting thread hands its part in signals (group stop, pending) to the others. */
void exit_signals(struct task *t);
int kill_pgrp(pid_t pgid, int sig);	/* 0, or -ESRCH if no member */
void force_sig_fault(int sig, int code, vaddr_t addr);	/* to current */
/*
 * Stop current in a ptrace stop reporting @code (a signal, or SIGTRAP |
 * 0x80 for a syscall stop) with @event (PTRACE_EVENT_*, 0) and
 * @message; returns the signal the tracer resumes it with (0: none).
 * Returns @code at once when not traced or being killed.
 */
int ptrace_stop(int code, int event, unsigned long message);
/* From the syscall path (kernel/syscall.c): a PTRACE_SYSCALL stop. */
void ptrace_syscall_stop(void);
/* A traced task finished execve (kernel/exec.c): event stop or SIGTRAP. */
void ptrace_exec_notify(pid_t old_tid);
/*
 * do_exit of a tracer: detach every tracee; one stopped runs on with the
 * signal its stop still holds, PTRACE_O_EXITKILL ones get SIGKILL.
 */
void exit_ptrace(struct task *tracer);
/*
 * Wake @t's waiters (its parent, and its tracer if another process) for
 * a stop, continue or exit to report. Caller holds tasklist_lock.
 */
void notify_waiters(struct task *t);
/*
 * SIGCHLD (@why: CLD_STOPPED, CLD_CONTINUED, CLD_TRAPPED; @status) unless
 * SA_NOCLDSTOP, and a wake-up, to @t's parent or (@tracer) its tracer.
 */
void notify_cldstop(struct task *t, bool tracer, int why, int status);
/* Detach @t from its tracer (tasklist_lock held); a stopped @t stays stopped. */
void ptrace_unlink(struct task *t);
/* A zombie ex-tracee goes back to its parent (or init) for reaping. tasklist_lock held. */
void ptrace_return_zombie(struct task *t);
/*
 * For wait4 (tasklist_lock held): does @c have a stop to report, to its
 * tracer (@by_tracer: its ptrace stop) or to its parent (WUNTRACED: a
 * job-control stop, WCONTINUED: a continue, per @options)? Sets @status;
 * with @consume the report is given (not repeated).
 */
bool wait_task_stopped(struct task *c, bool by_tracer, long options, bool consume, int *status);

#endif
