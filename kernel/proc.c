/*
 * proc.c - processes: pids, fork/vfork/clone, exit, wait4, init, and the
 * identity system calls.
 *
 * Every task is on all_tasks (under tasklist_lock, an irq-safe spinlock,
 * because the timer tick walks it for alarms). Parent links form the
 * process tree; when a process exits its children are handed to init
 * (pid 1), and it becomes a zombie until its parent's wait4 collects the
 * status word:
 *
 *   exit(n)        status = (n & 0xff) << 8        WIFEXITED, WEXITSTATUS
 *   killed by sig  status = sig                    WIFSIGNALED, WTERMSIG
 *
 * fork copies the address space copy-on-write (mm_dup). clone with
 * CLONE_THREAD starts a thread in the caller's process (task.h has the
 * thread-group model):
 *
 *   exit(2)        ends the calling thread only; a non-leader is reaped
 *                  at once, the leader waits as a zombie for the others
 *   exit_group(2)  ends every thread (signal->group_exit): each gets
 *                  SIGKILL, the status is the caller's
 *   execve(2)      in a multi-threaded process kills the other threads
 *                  first and, from a non-leader, takes over the leader's
 *                  pid (de_thread, kernel/exec.c)
 */
#include "kernel/pidfd.h"
#include "kernel/task.h"
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/sched.h"
#include "mm/kstack.h"
#include "kernel/exec.h"
#include "kernel/futex.h"
#include "kernel/fs/vfs.h"
#include "kernel/net/socket.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/syscall.h"
#include "kernel/time.h"
#include "mm/slab.h"
#include "mm/vm.h"
#include <arch/acpi.h>
#include <arch/context.h>
#include "mm/vmscan.h"
#include "kernel/net/net.h"
#include <arch/cpu.h>
#include <arch/pgtable.h>
#include <arch/trap.h>

spinlock_t tasklist_lock = SPINLOCK_INIT(tasklist_lock);
LIST_HEAD(all_tasks);
static pid_t last_pid;
static struct task *init_task;
static struct waitqueue zombie_reaped = WAITQUEUE_INIT(zombie_reaped);

/* Exit behaviour of pid 1 (set from the command line by main.c). */
bool init_exit_quits_qemu;

struct task *task_find(pid_t pid)
{
	struct task *t;

	for_each_task(t)
		if (t->pid == pid)
			return t;
	return NULL;
}

/* Next free pid (caller holds tasklist_lock). Wraps at PID_MAX like Linux. */
#define PID_MAX		32768
static pid_t alloc_pid(void)
{
	for (int tries = 0; tries < PID_MAX; tries++) {
		pid_t pid = last_pid + 1 >= PID_MAX ? 2 : last_pid + 1;

		last_pid = pid;
		if (!task_find(pid))
			return pid;
	}
	return -EAGAIN;
}

static void init_limits(struct task *t)
{
	for (unsigned int i = 0; i < RLIM_NLIMITS; i++)
		t->rlim[i].rlim_cur = t->rlim[i].rlim_max = RLIM64_INFINITY;
	t->rlim[RLIMIT_NOFILE].rlim_cur = 1024;
	t->rlim[RLIMIT_NOFILE].rlim_max = 4096;
	t->rlim[RLIMIT_STACK].rlim_cur = STACK_SIZE;
	t->rlim[RLIMIT_CORE].rlim_cur = 0;
	t->rlim[RLIMIT_MEMLOCK].rlim_cur = t->rlim[RLIMIT_MEMLOCK].rlim_max = 8ul << 20;
	t->rlim[RLIMIT_NPROC].rlim_cur = t->rlim[RLIMIT_NPROC].rlim_max = 4096;
}

/* ---- thread groups ---- */

static struct sighand *sighand_new(void)
{
	struct sighand *sh = kzalloc(sizeof(*sh));

	if (sh)
		sh->refcount = 1;
	return sh;
}

static void sighand_put(struct sighand *sh)
{
	if (sh && !__atomic_sub_fetch(&sh->refcount, 1, __ATOMIC_ACQ_REL))
		kfree(sh);
}

static struct signal_struct *signal_new(void)
{
	struct signal_struct *sig = kzalloc(sizeof(*sig));

	if (!sig)
		return NULL;
	sig->refcount = 1;
	INIT_LIST_HEAD(&sig->threads);
	waitqueue_init(&sig->thread_exit);
	return sig;
}

static void signal_put(struct signal_struct *sig)
{
	if (sig && !__atomic_sub_fetch(&sig->refcount, 1, __ATOMIC_ACQ_REL))
		kfree(sig);
}

/* Contract in task.h. */
int task_new_group(struct task *t)
{
	t->signal = signal_new();
	t->sighand = sighand_new();
	if (!t->signal || !t->sighand)
		return -ENOMEM;
	t->group_leader = t;
	return 0;
}

/* Contract in task.h. */
void task_put_group(struct task *t)
{
	signal_put(t->signal);
	sighand_put(t->sighand);
	t->signal = NULL;
	t->sighand = NULL;
}

/*
 * Join @t to its group's thread list under tasklist_lock (and sig_lock,
 * so signal code can walk the list), with its pid already set: a new
 * group's leader gets tgid = pid.
 */
static void thread_link_locked(struct task *t)
{
	if (t->group_leader == t)
		t->tgid = t->pid;
	else
		t->tgid = t->group_leader->tgid;
	__spin_lock(&sig_lock);
	list_add_tail(&t->thread_node, &t->signal->threads);
	t->signal->nr_threads++;
	__spin_unlock(&sig_lock);
}

void proc_register_kthread(struct task *t)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);

	t->pid = alloc_pid();
	thread_link_locked(t);
	list_add_tail(&t->all_node, &all_tasks);
	spin_unlock_irqrestore(&tasklist_lock, irq);
}

/* Contract in task.h. */
struct task *task_init(void)
{
	return init_task;
}

/* Contract in task.h. */
struct trap_frame *task_user_regs(struct task *t)
{
	return (struct trap_frame *)((char *)t->kstack + KSTACK_SIZE) - 1;
}

/*
 * de_thread from a non-leader @t once @leader is a zombie off its CPU and
 * @t the only thread: swap pids and hand @t the leader's place in the
 * process tree. The old leader is freed.
 */
static void take_over_leader(struct task *t, struct task *leader)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	struct task *c;
	pid_t tid = t->pid;

	__spin_lock(&sig_lock);
	t->pid = leader->pid;
	leader->pid = tid;
	t->group_leader = t;
	leader->group_leader = t;
	__spin_unlock(&sig_lock);
	t->parent = leader->parent;
	t->parent_thread = leader->parent_thread;
	leader->parent = NULL;
	if (t->parent)
		list_replace_init(&leader->sibling, &t->sibling);
	list_for_each_entry(c, &leader->children, sibling)
		c->parent = t;
	list_splice_tail_init(&leader->children, &t->children);
	t->pgid = leader->pgid;
	t->sid = leader->sid;
	t->start_ns = leader->start_ns;
	t->alarm_at_ns = leader->alarm_at_ns;
	t->alarm_interval_ns = leader->alarm_interval_ns;
	if (leader->tracer)
		ptrace_unlink(leader);
	leader->state = TASK_DEAD;
	list_del(&leader->all_node);
	spin_unlock_irqrestore(&tasklist_lock, irq);
	task_free(leader);
}

/*
 * Contract in task.h. execve in a multi-threaded process (Linux's
 * de_thread): every other thread is killed and waited for; exec'd from
 * a thread other than the leader, we then take over the leader's pid,
 * parent, children and process group, and the old leader (a zombie by
 * now) is freed without a word to the parent - to it, the process just
 * exec'd. Handlers shared with another process (CLONE_SIGHAND without
 * CLONE_THREAD) are unshared. -EAGAIN when the process is already
 * exiting or exec'ing, -EINTR when killed meanwhile, -ENOMEM.
 */
int de_thread(struct task *t)
{
	struct signal_struct *ss = t->signal;
	struct task *leader = t->group_leader;
	unsigned long irq;

	if (t != leader || !thread_group_empty(t)) {
		irq = spin_lock_irqsave(&sig_lock);
		if (ss->group_exit || ss->group_exec_task) {
			spin_unlock_irqrestore(&sig_lock, irq);
			return -EAGAIN;
		}
		ss->group_exec_task = t;
		spin_unlock_irqrestore(&sig_lock, irq);
		zap_other_threads(t);
		wait_event(&ss->thread_exit, fatal_signal_pending(t) ||
			   READ_ONCE(ss->nr_threads) == 1);
		/* The zombie leader leaves its CPU right after its last wake-up. */
		while (t != leader && !fatal_signal_pending(t) && !READ_ONCE(leader->off_cpu))
			schedule_timeout(1000000);
		if (fatal_signal_pending(t)) {
			WRITE_ONCE(ss->group_exec_task, NULL);
			return -EINTR;
		}
		if (t != leader)
			take_over_leader(t, leader);
		WRITE_ONCE(ss->group_exec_task, NULL);
	}
	if (READ_ONCE(t->sighand->refcount) > 1) {
		struct sighand *sh = sighand_new(), *old = t->sighand;

		if (!sh)
			return -ENOMEM;
		irq = spin_lock_irqsave(&sig_lock);
		memcpy(sh->action, old->action, sizeof(sh->action));
		t->sighand = sh;
		spin_unlock_irqrestore(&sig_lock, irq);
		sighand_put(old);
	}
	return 0;
}

/* ---- fork ---- */

/*
 * What clone(2) accepts: a new process (fork, vfork, posix_spawn) or a
 * thread (musl's pthread_create passes CLONE_VM | CLONE_FS | CLONE_FILES |
 * CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
 * CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED). No
 * namespaces, no CLONE_PIDFD through clone(2) yet, no System V semaphores
 * (CLONE_SYSVSEM is accepted: with no semaphores there is no undo list to
 * share).
 */
#define CLONE_OK (CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
		  CLONE_THREAD | CLONE_SYSVSEM | CLONE_VFORK | CLONE_PARENT | \
		  CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | \
		  CLONE_SETTLS | CLONE_DETACHED)

/* Linux's rules between the flags (copy_process). 0 or -EINVAL. */
static int clone_flags_valid(unsigned long flags)
{
	if (flags & ~CLONE_OK)
		return -EINVAL;
	/* Threads share handlers; shared handlers need a shared address space. */
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	/* A thread has no exit signal; a process's is SIGCHLD (or none). */
	if (!(flags & CLONE_THREAD) && (flags & CSIGNAL) && (flags & CSIGNAL) != SIGCHLD)
		return -EINVAL;
	return 0;
}

/* The child's resources: FPU state, address space, files, cwd, handlers. 0 or -ENOMEM. */
static int copy_resources(struct task *c, struct task *p, unsigned long flags)
{
	c->fpu = kmalloc(sizeof(*c->fpu), 0);
	if (!c->fpu)
		return -ENOMEM;
	arch_fpu_save(p->fpu);
	memcpy(c->fpu, p->fpu, sizeof(*c->fpu));
	if (flags & CLONE_VM) {
		c->mm = p->mm;
		__atomic_add_fetch(&c->mm->refcount, 1, __ATOMIC_RELAXED);
	} else {
		c->mm = mm_dup(p->mm);
		if (!c->mm)
			return -ENOMEM;
	}
	c->files = (flags & CLONE_FILES) ? files_get(p->files) : files_dup(p->files);
	c->fs = (flags & CLONE_FS) ? fs_struct_get(p->fs) : fs_struct_dup(p->fs);
	if (!c->files || !c->fs)
		return -ENOMEM;
	if (flags & CLONE_THREAD) {
		c->signal = p->signal;
		__atomic_add_fetch(&c->signal->refcount, 1, __ATOMIC_RELAXED);
		c->group_leader = p->group_leader;
	} else {
		c->signal = signal_new();
		if (!c->signal)
			return -ENOMEM;
		c->group_leader = c;
	}
	if (flags & CLONE_SIGHAND) {
		c->sighand = p->sighand;
		__atomic_add_fetch(&c->sighand->refcount, 1, __ATOMIC_RELAXED);
	} else {
		unsigned long irq;

		c->sighand = sighand_new();
		if (!c->sighand)
			return -ENOMEM;
		irq = spin_lock_irqsave(&sig_lock);
		memcpy(c->sighand->action, p->sighand->action, sizeof(c->sighand->action));
		spin_unlock_irqrestore(&sig_lock, irq);
	}
	return 0;
}

/* What a child inherits as plain values: names, groups, limits, signals. */
static void copy_attributes(struct task *c, struct task *p, unsigned long flags)
{
	memcpy(c->comm, p->comm, sizeof(c->comm));
	c->pgid = p->group_leader->pgid;
	c->sid = p->group_leader->sid;
	c->umask = p->umask;
	memcpy(c->rlim, p->rlim, sizeof(c->rlim));
	c->cred = p->cred;
	c->dumpable = p->dumpable;		/* pdeathsig is not inherited */
	c->oom_score_adj = p->oom_score_adj;
	c->oom_score_adj_min = p->oom_score_adj_min;
	c->make_it_fail = p->make_it_fail;
	c->blocked = p->blocked;
	c->cpus_allowed = p->cpus_allowed;
	/* A new thread (CLONE_VM without vfork) must not share our alternate stack. */
	if ((flags & (CLONE_VM | CLONE_VFORK)) != CLONE_VM)
		c->altstack = p->altstack;
}

/*
 * Under tasklist_lock: give @c its pid, its place in the process tree
 * and its thread group. The parent of a new process is the caller's
 * group leader (the process: any thread's wait4 reaps it), and its
 * parent_thread the caller (Linux's real_parent, for __WNOTHREAD); with
 * CLONE_PARENT both are the caller's own. A thread has no parent of its
 * own: its process's leader answers for it.
 */
static pid_t clone_link_locked(struct task *c, struct task *p, unsigned long flags)
{
	pid_t pid;

	/* No new thread in a process that is exiting or exec'ing (Linux: EINTR-like). */
	if ((flags & CLONE_THREAD) && (READ_ONCE(p->signal->group_exit) ||
				       READ_ONCE(p->signal->group_exec_task)))
		return -ERESTARTNOINTR;
	pid = alloc_pid();
	if (pid < 0)
		return pid;
	c->pid = pid;
	if (!(flags & CLONE_THREAD)) {
		struct task *leader = p->group_leader;

		c->parent = (flags & CLONE_PARENT) ? leader->parent : leader;
		c->parent_thread = (flags & CLONE_PARENT) ? leader->parent_thread : p;
		if (!c->parent)
			c->parent = init_task;
		if (!c->parent_thread || c->parent == init_task)
			c->parent_thread = c->parent;
		list_add_tail(&c->sibling, &c->parent->children);
	}
	thread_link_locked(c);
	list_add_tail(&c->all_node, &all_tasks);
	return pid;
}

/* CLONE_PARENT_SETTID and CLONE_CHILD_SETTID: the new id where asked. */
static void clone_set_tids(struct task *c, unsigned long flags, pid_t pid, int __user *ptid,
			   int __user *ctid)
{
	if (flags & CLONE_PARENT_SETTID)
		put_user(pid, ptid);
	if (flags & CLONE_CHILD_SETTID) {
		/* Written into the child's memory (shared when CLONE_VM). */
		vm_copy_to(c->mm, (vaddr_t)ctid, &pid, sizeof(pid));
	}
}

/* Free a child that never ran (a failed clone). */
static void clone_undo(struct task *c)
{
	if (c->mm)
		mm_put(c->mm);
	if (c->files)
		files_put(c->files);
	if (c->fs)
		fs_struct_put(c->fs);
	task_free(c);			/* drops the group and handlers */
}

static long do_fork(unsigned long flags, uint64_t stack, int __user *ptid,
		    int __user *ctid, uint64_t tls)
{
	struct task *p = current(), *c;
	struct trap_frame *tf;
	unsigned long irq;
	pid_t pid;
	long err;

	err = clone_flags_valid(flags);
	if (err)
		return err;
	c = task_alloc();
	if (!c)
		return -ENOMEM;
	if (copy_resources(c, p, flags))
		goto nomem;
	copy_attributes(c, p, flags);
	c->fs_base = (flags & CLONE_SETTLS) ? tls : p->fs_base;
	if (flags & CLONE_CHILD_CLEARTID)
		c->clear_child_tid = ctid;

	/* The child returns to user mode with the parent's registers and rax 0. */
	tf = task_user_regs(c);
	*tf = *p->user_regs;
	tf->rax = 0;
	if (stack)
		tf->rsp = stack;
	c->saved_rsp = task_prepare_stack(c, task_entry_user, 0, 0, sizeof(*tf));

	irq = spin_lock_irqsave(&tasklist_lock);
	pid = clone_link_locked(c, p, flags);
	spin_unlock_irqrestore(&tasklist_lock, irq);
	if (pid < 0) {
		err = pid == -ERESTARTNOINTR ? pid : -ENOMEM;	/* no pid left: ENOMEM as before */
		goto fail;
	}

	clone_set_tids(c, flags, pid, ptid, ctid);
	if (flags & CLONE_VFORK) {
		p->vfork_released = false;
		c->vfork_parent = p;
	}
	sched_start_task(c);
	/*
	 * Not on the child: once released it may exit and, with SIGCHLD
	 * ignored, be freed before we run again (the fuzzer found the
	 * parent spinning on a freed child's queue).
	 */
	if (flags & CLONE_VFORK)
		wait_event(&p->vfork_wait, READ_ONCE(p->vfork_released));
	return pid;
nomem:
	err = -ENOMEM;
fail:
	clone_undo(c);
	return err;
}

static long sys_fork(void)
{
	return do_fork(SIGCHLD, 0, NULL, NULL, 0);
}
SYSCALL(__NR_fork, sys_fork);

static long sys_vfork(void)
{
	return do_fork(CLONE_VM | CLONE_VFORK | SIGCHLD, 0, NULL, NULL, 0);
}
SYSCALL(__NR_vfork, sys_vfork);

/* x86-64 argument order: flags, stack, parent_tid, child_tid, tls. */
static long sys_clone(unsigned long flags, unsigned long stack, int __user *ptid,
		      int __user *ctid, unsigned long tls)
{
	return do_fork(flags, stack, ptid, ctid, tls);
}
SYSCALL(__NR_clone, sys_clone);

/* Called by execve once the new image is in place: release a vfork parent. */
void proc_exec_done(struct task *t)
{
	struct task *p = t->vfork_parent;

	if (p) {
		t->vfork_parent = NULL;
		WRITE_ONCE(p->vfork_released, true);
		wake_up(&p->vfork_wait);
	}
}

/* ---- exit ---- */

/*
 * Hand @t's children to init (tasklist_lock held). Those that asked for
 * PR_SET_PDEATHSIG are collected in @orphans (up to @max) for their signal.
 */
static unsigned int reparent_children(struct task *t, struct task **orphans, unsigned int max)
{
	struct task *c, *n;
	bool zombies = false;
	unsigned int norphans = 0;

	list_for_each_entry_safe(c, n, &t->children, sibling) {
		if (c->pdeathsig && c->state != TASK_ZOMBIE && norphans < max) {
			get_task_struct(c);	/* signalled after the unlock */
			orphans[norphans++] = c;
		}
		list_del(&c->sibling);
		c->parent = init_task;
		c->parent_thread = init_task;
		list_add_tail(&c->sibling, &init_task->children);
		if (c->state == TASK_ZOMBIE)
			zombies = true;
	}
	if (zombies)
		wake_up(&init_task->child_exit);
	return norphans;
}

#define WIFSIGNALED_(s)	(((s) & 0x7f) != 0)

static __noreturn void init_died(int status)
{
	if (WIFSIGNALED_(status))
		printk("init exited with signal %d\n", status & 0x7f);
	else
		printk("init exited with status %d\n", (status >> 8) & 0xff);
	if (init_exit_quits_qemu)
		arch_qemu_exit(status ? QEMU_EXIT_FAIL : QEMU_EXIT_PASS);
	acpi_poweroff();
	panic("init exited and power-off failed");
}

/*
 * Drop what an exiting task holds: its robust locks, clear_child_tid,
 * files, fs, mm, alarm. The robust list is walked first, while the mm is
 * ours (Linux's mm_release order): a pthread_join that returns may free
 * the memory the list lies in.
 */
static void exit_release(struct task *t)
{
	futex_exit_robust_list(t);
	if (t->clear_child_tid) {
		int zero = 0;

		/* pthread_join waits on this word (CLONE_CHILD_CLEARTID). */
		if (!copy_to_user(t->clear_child_tid, &zero, sizeof(zero)) && t->mm)
			futex_wake_user(t->mm, t->clear_child_tid, 1);
	}
	if (t->files) {
		files_put(t->files);
		t->files = NULL;
	}
	if (t->fs) {
		fs_struct_put(t->fs);
		t->fs = NULL;
	}
	proc_exec_done(t);			/* a vfork parent may go on */
	if (t->mm) {
		struct mm *mm = t->mm;
		unsigned long irq;

		arch_switch_pgt(&kernel_pgt);
		/*
		 * Under tasklist_lock: whoever finds our mm there (mm_access,
		 * /proc) takes its reference before ours can be the last.
		 */
		irq = spin_lock_irqsave(&tasklist_lock);
		t->mm = NULL;
		spin_unlock_irqrestore(&tasklist_lock, irq);
		mm_put(mm);
	}
}

/*
 * Contract in task.h: SIGCHLD for @t's exit to whoever waits for it first
 * (its tracer, else its parent), and a wake-up for their wait4.
 */
void exit_notify_locked(struct task *t)
{
	struct task *to = t->tracer ? t->tracer : t->parent;
	int status = t->exit_status;
	struct siginfo si;

	if (!to)
		return;
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGCHLD;
	si.si_code = (status & 0x7f) ? CLD_KILLED : CLD_EXITED;
	si.si_pid = t->pid;
	si.si_status = (status & 0x7f) ? (status & 0x7f) : (status >> 8) & 0xff;
	send_signal(to, SIGCHLD, &si);
	wake_up(&to->group_leader->child_exit);
}

/*
 * The last thread of @leader's process has exited (tasklist_lock held):
 * the process's exit goes to its parent. The status is exit_group's (or
 * the fatal signal's) when the group was ended as a whole, else the
 * leader's own. With SIGCHLD ignored by the parent there is no zombie:
 * the leader is taken off the task list and returned for freeing, or
 * NULL. @orphans (up to @max) collect children that asked for a
 * PR_SET_PDEATHSIG; *@norphans counts them.
 */
static struct task *group_dead_locked(struct task *leader, struct task **orphans,
				      unsigned int max, unsigned int *norphans)
{
	struct signal_struct *ss = leader->signal;
	struct task *parent;
	bool self = leader == current();

	*norphans = reparent_children(leader, orphans, max);
	if (ss->group_exit)
		leader->exit_status = ss->group_exit_code;
	leader->alarm_at_ns = 0;
	parent = leader->parent;
	if (leader->tracer && leader->tracer->group_leader == parent)
		ptrace_unlink(leader);		/* the parent sees the exit as a parent */
	if (parent) {
		struct k_sigaction *ka = &parent->sighand->action[SIGCHLD - 1];

		/* SIGCHLD set to SIG_IGN or SA_NOCLDWAIT: no zombie (autoreap). */
		if (ka->sa.sa_handler == SIG_IGN || (ka->sa.sa_flags & SA_NOCLDWAIT)) {
			list_del(&leader->sibling);
			leader->parent = NULL;
		}
	}
	leader->state = leader->parent || leader->tracer ? TASK_ZOMBIE : TASK_DEAD;
	exit_notify_locked(leader);
	if (leader->state != TASK_DEAD)
		return NULL;
	list_del(&leader->all_node);
	/*
	 * Ourselves: freed by the next task to run. A zombie leader: by the
	 * caller once it is off its CPU (off_cpu, set under this lock), else
	 * by the task that follows it there (sched_finish_switch sees it dead).
	 */
	return self || !leader->off_cpu ? NULL : leader;
}

/*
 * Exiting thread @t's children (by parent_thread; all are on @leader's
 * list) go to another live thread of the group, as Linux's
 * find_alive_thread(): its __WNOTHREAD waits see them from now on.
 * tasklist_lock held, @t already off the thread list, which is not empty.
 */
static void pass_children_locked(struct task *t, struct task *leader)
{
	struct task *heir = list_first_entry(&t->signal->threads, struct task, thread_node);
	struct task *c;

	list_for_each_entry(c, &leader->children, sibling)
		if (c->parent_thread == t)
			c->parent_thread = heir;
}

/*
 * Under the tasklist lock: leave the thread group, and end the process
 * if we were its last thread. A non-leader thread is reaped here (a dead
 * task off the task list) unless a tracer waits for it; the leader
 * stays a zombie until the last thread is gone.
 */
static void exit_unhash(struct task *t, int status)
{
	struct task *leader = t->group_leader, *orphans[64], *to_free = NULL;
	struct signal_struct *ss = t->signal;
	unsigned int norphans = 0;
	unsigned long irq;

	irq = spin_lock_irqsave(&tasklist_lock);
	__spin_lock(&sig_lock);
	t->exit_status = status;
	t->thread_exited = true;
	list_del_init(&t->thread_node);
	ss->nr_threads--;
	__spin_unlock(&sig_lock);
	wake_up(&ss->thread_exit);		/* a de_thread waiting for us */
	if (ss->nr_threads)
		pass_children_locked(t, leader);
	if (t != leader) {
		t->state = t->tracer ? TASK_ZOMBIE : TASK_DEAD;
		if (t->tracer)
			exit_notify_locked(t);	/* the tracer's wait4 reaps it */
		else
			list_del(&t->all_node);	/* freed by the next task to run */
		if (!ss->nr_threads && leader->state == TASK_ZOMBIE)
			to_free = group_dead_locked(leader, orphans, ARRAY_SIZE(orphans),
						    &norphans);
	} else if (ss->nr_threads) {
		t->state = TASK_ZOMBIE;		/* delayed: the others still run */
	} else {
		group_dead_locked(t, orphans, ARRAY_SIZE(orphans), &norphans);
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
	/* Each orphan's struct is ours until put: it may be reaped meanwhile. */
	for (unsigned int i = 0; i < norphans; i++) {
		send_signal(orphans[i], orphans[i]->pdeathsig, NULL);
		put_task_struct(orphans[i]);
	}
	if (to_free)
		task_free(to_free);		/* a leader off its CPU */
}

__noreturn void do_exit(int status)
{
	struct task *t = current();

	if (t == init_task)
		init_died(status);
	if (t->ptrace_flags & PTRACE_O_TRACEEXIT)
		ptrace_stop(SIGTRAP, PTRACE_EVENT_EXIT, (unsigned long)status);
	exit_signals(t);
	exit_release(t);
	exit_ptrace(t);
	exit_unhash(t, status);
	pidfd_notify_exit();
	schedule();		/* a zombie or dead task never runs again */
	panic("do_exit: zombie %d scheduled", t->pid);
}

static long sys_exit(long code)
{
	do_exit((code & 0xff) << 8);
}
SYSCALL(__NR_exit, sys_exit);

static long sys_exit_group(long code)
{
	do_group_exit((code & 0xff) << 8);
}
SYSCALL(__NR_exit_group, sys_exit_group);

/* ---- wait4 ---- */

static bool wait_matches(struct task *p, struct task *c, pid_t pid)
{
	if (pid > 0)
		return c->pid == pid;
	if (pid == 0)
		return c->pgid == p->pgid;
	if (pid < -1)
		return c->pgid == -pid;
	return true;
}

/*
 * One wait4 pass over the children and tracees of current's process,
 * under tasklist_lock. As in Linux, any thread of a process waits for
 * the children of every thread and the tracees of every thread; with
 * __WNOTHREAD only for its own (the children it forked or inherited,
 * parent_thread, and the tasks it traces). What it may report, in Linux's
 * order per task (kernel/exit.c, wait_consider_task):
 *
 *   task                   exited (zombie)              stopped / continued
 *   traced by our process  its exit (a child of ours:   its ptrace stop, always
 *                          reaped; else handed back to
 *                          its parent)
 *   child, untraced        reaped                       WUNTRACED: the stop;
 *                                                       WCONTINUED: the continue
 *   child, traced by       not yet: the tracer first    nothing
 *   another process
 *
 * Each report is given once. With @consume false nothing is changed and
 * the result only says whether a wait4 would return now.
 */
struct wait_result {
	pid_t pid;			/* > 0 found; 0 none yet; -ECHILD none to wait for */
	int status;
	struct task *reaped;		/* to free, after the unlock */
};

/*
 * Is @c traced by a thread of waiting thread @p's process? Then @p's
 * wait4 sees it as its tracer would (Linux's !ptrace_reparented test,
 * which compares thread groups too).
 */
static bool wait_traced_by_us(struct task *p, struct task *c)
{
	return c->tracer && c->tracer->group_leader == p->group_leader;
}

/* Is @c a child that @p's wait4 covers: its process's, and with __WNOTHREAD @p's own? */
static bool wait_child_covered(struct task *p, struct task *c, long options)
{
	return c->parent == p->group_leader &&
	       (!(options & __WNOTHREAD) || c->parent_thread == p);
}

/* Does @p's wait4 for @pid with @options take @c (a covered child or tracee)? */
static bool wait_eligible(struct task *p, struct task *c, pid_t pid, long options)
{
	if (!wait_matches(p->group_leader, c, pid))
		return false;
	/* No clone children exist (exit signal always SIGCHLD): __WCLONE alone waits for none. */
	return wait_traced_by_us(p, c) || (options & __WALL) || !(options & __WCLONE);
}

/* Report @c's exit to @p, which reaps it or (a tracer only) hands it on. */
static void wait_exit(struct task *p, struct task *c, struct wait_result *r)
{
	bool traced_by_us = wait_traced_by_us(p, c);

	r->pid = c->pid;
	r->status = c->exit_status;
	if (traced_by_us && c->parent != p->group_leader) {
		ptrace_unlink(c);
		if (c != c->group_leader) {
			/* A thread: nobody else waits for it. */
			list_del(&c->all_node);
			r->reaped = c;
			return;
		}
		ptrace_return_zombie(c);
		return;
	}
	if (traced_by_us)
		ptrace_unlink(c);
	list_del(&c->sibling);
	list_del(&c->all_node);
	r->reaped = c;
}

static bool wait_consider(struct task *p, struct task *c, long options, bool consume,
			  struct wait_result *r)
{
	bool traced_by_us = wait_traced_by_us(p, c);

	if (c->state == TASK_ZOMBIE) {
		if (!c->off_cpu || (c->tracer && !traced_by_us))
			return false;
		/* A leader whose threads still run is not reported yet. */
		if (c == c->group_leader && c->signal->nr_threads)
			return false;
		if (consume)
			wait_exit(p, c, r);
		return true;
	}
	if (traced_by_us || !c->tracer)
		return wait_task_stopped(c, traced_by_us, options, consume, &r->status);
	return false;
}

/*
 * The tracees of thread @q for @p's wait4 (@q is @p, or with no
 * __WNOTHREAD any thread of its process). True when one was reported;
 * *@any is set when there was one to wait for.
 */
static bool wait_scan_tracees(struct task *p, struct task *q, pid_t pid, long options,
			      bool consume, struct wait_result *r, bool *any)
{
	struct task *c;

	list_for_each_entry(c, &q->ptraced, ptrace_node) {
		/* A covered child was looked at already, on the children list. */
		if (wait_child_covered(p, c, options) || !wait_eligible(p, c, pid, options))
			continue;
		*any = true;
		if (wait_consider(p, c, options, consume, r)) {
			r->pid = c->pid;
			return true;
		}
	}
	return false;
}

static void wait_scan(pid_t pid, long options, bool consume, struct wait_result *r)
{
	struct task *p = current(), *c, *q;
	bool any = false;
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);

	r->pid = 0;
	r->reaped = NULL;
	list_for_each_entry(c, &p->group_leader->children, sibling) {
		if (!wait_child_covered(p, c, options) || !wait_eligible(p, c, pid, options))
			continue;
		any = true;
		if (wait_consider(p, c, options, consume, r)) {
			r->pid = c->pid;
			goto out;
		}
	}
	if (options & __WNOTHREAD) {
		if (wait_scan_tracees(p, p, pid, options, consume, r, &any))
			goto out;
	} else {
		/* The thread list is stable: it changes under tasklist_lock too. */
		list_for_each_entry(q, &p->signal->threads, thread_node)
			if (wait_scan_tracees(p, q, pid, options, consume, r, &any))
				goto out;
	}
	if (!any)
		r->pid = -ECHILD;
out:
	spin_unlock_irqrestore(&tasklist_lock, irq);
}

static bool wait_ready(pid_t pid, long options)
{
	struct wait_result r;

	wait_scan(pid, options, false, &r);
	return r.pid != 0;
}

static long sys_wait4(long pid, int __user *wstatus, long options, void __user *rusage)
{
	struct task *p = current();
	struct wait_result r;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WALL | __WCLONE | __WNOTHREAD))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	for (;;) {
		wait_scan(pid, options, true, &r);
		if (r.pid != 0 || (options & WNOHANG))
			break;
		if (wait_event_interruptible(&p->group_leader->child_exit,
					     wait_ready(pid, options)))
			return -ERESTARTSYS;	/* a stop and continue waits on */
	}
	if (r.reaped)
		task_free(r.reaped);
	if (r.pid > 0) {
		if (wstatus && put_user(r.status, wstatus))
			return -EFAULT;
		if (rusage && clear_user(rusage, 144))	/* sizeof(struct rusage) */
			return -EFAULT;
	}
	return r.pid;
}
SYSCALL(__NR_wait4, sys_wait4);

/* ---- identity ---- */

static long sys_getpid(void)
{
	return current()->tgid;
}
SYSCALL(__NR_getpid, sys_getpid);

static long sys_gettid(void)
{
	return current()->pid;
}
SYSCALL(__NR_gettid, sys_gettid);

static long sys_getppid(void)
{
	struct task *p = READ_ONCE(current()->group_leader)->parent;

	return p ? p->tgid : 0;
}
SYSCALL(__NR_getppid, sys_getppid);

/* uids, gids and groups: kernel/cred.c */

static long sys_setpgid(long pid, long pgid)
{
	struct task *me = current()->group_leader, *t;
	unsigned long irq;
	long ret = 0;

	if (pgid < 0)
		return -EINVAL;
	irq = spin_lock_irqsave(&tasklist_lock);
	t = pid ? task_find(pid) : me;
	if (t)
		t = t->group_leader;
	if (!t || (t != me && t->parent != me)) {
		ret = -ESRCH;
		goto out;
	}
	if (t->sid == t->pid) {
		ret = -EPERM;			/* a session leader keeps its group */
		goto out;
	}
	if (t->sid != me->sid) {
		ret = -EPERM;
		goto out;
	}
	if (!pgid)
		pgid = t->pid;
	if (pgid != t->pid) {			/* joining: the group must exist in our session */
		struct task *o;
		bool ok = false;

		for_each_task(o)
			if (o->pgid == pgid && o->sid == me->sid && o->state != TASK_ZOMBIE)
				ok = true;
		if (!ok) {
			ret = -EPERM;
			goto out;
		}
	}
	t->pgid = pgid;
out:
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return ret;
}
SYSCALL(__NR_setpgid, sys_setpgid);

/* Process group (want_sid false) or session (true) of @pid, 0 = caller. */
static long get_group_id(long pid, bool want_sid)
{
	struct task *t;
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	long ret;

	t = pid ? task_find(pid) : current();
	if (t)
		t = t->group_leader;
	ret = !t ? -ESRCH : want_sid ? t->sid : t->pgid;
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return ret;
}

static long sys_getpgid(long pid)
{
	return get_group_id(pid, false);
}
SYSCALL(__NR_getpgid, sys_getpgid);

static long sys_getpgrp(void)
{
	return current()->group_leader->pgid;
}
SYSCALL(__NR_getpgrp, sys_getpgrp);

static long sys_getsid(long pid)
{
	return get_group_id(pid, true);
}
SYSCALL(__NR_getsid, sys_getsid);

static long sys_setsid(void)
{
	struct task *me = current()->group_leader, *t;
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	long ret = me->pid;

	/* A process group leader cannot start a session. */
	for_each_task(t)
		if (t->pgid == me->pid && t != me)
			ret = -EPERM;
	if (me->pgid == me->pid)
		ret = -EPERM;
	if (ret > 0) {
		me->sid = me->pid;
		me->pgid = me->pid;
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return ret;
}
SYSCALL(__NR_setsid, sys_setsid);

/* ---- init ---- */

struct init_args {
	const char *path;
	char *const *argv;
};

static int init_thread(void *arg)
{
	struct init_args *a = arg;
	struct task *t = current();
	static char *const envp[] = { "HOME=/", "PATH=/bin:/sbin:/tests", "TERM=linux", NULL };
	struct file *con;
	long err;

	t->files = files_new();
	t->fs = fs_struct_root();
	t->umask = 022;
	t->pgid = t->sid = 1;
	init_limits(t);			/* root with every capability since task_alloc() */
	t->fpu = kmalloc(sizeof(*t->fpu), 0);
	if (!t->files || !t->fs || !t->fpu)
		panic("init: out of memory");
	arch_fpu_init_state(t->fpu);
	con = file_open_kernel("/dev/console", O_RDWR);
	if (!IS_ERR(con)) {
		fd_install(con, 0, /* cloexec= */false);
		fd_install(file_get(con), 0, /* cloexec= */false);
		fd_install(file_get(con), 0, /* cloexec= */false);
	} else {
		printk("init: cannot open /dev/console (%ld)\n", PTR_ERR(con));
	}
	err = kernel_execve(a->path, a->argv, envp);
	if (err)
		panic("init: cannot run %s (error %ld)", a->path, err);
	enter_user_mode(task_user_regs(t));
}

__noreturn void start_init(const char *path, char *const argv[])
{
	static struct init_args args;
	unsigned long irq;

	args.path = path;
	args.argv = argv;
	irq = spin_lock_irqsave(&tasklist_lock);
	last_pid = 0;
	spin_unlock_irqrestore(&tasklist_lock, irq);
	init_task = kthread_create("init", init_thread, &args);
	if (IS_ERR(init_task))
		panic("start_init: cannot create the init task");
	if (init_task->pid != 1)
		panic("start_init: init got pid %d", init_task->pid);
	vmscan_init();		/* kswapd: after init, which must be pid 1 */
	unix_gc_init();		/* its thread too */
	net_init();		/* and lwIP's tcpip thread */
	cpu_idle();
}
