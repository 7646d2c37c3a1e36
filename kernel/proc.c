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
 * fork copies the address space eagerly (mm_dup); copy-on-write comes with
 * the VM issue. Threads (CLONE_THREAD and friends) are refused with EINVAL.
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
#include <arch/cpu.h>
#include <arch/pgtable.h>
#include <arch/trap.h>

spinlock_t tasklist_lock = SPINLOCK_INIT;
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

void proc_register_kthread(struct task *t)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);

	t->pid = alloc_pid();
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

/* ---- fork ---- */

#define CLONE_PROCESS_OK (CSIGNAL | CLONE_VM | CLONE_VFORK | CLONE_PARENT_SETTID | \
			  CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | CLONE_SETTLS)

/* The child's resources: FPU state, address space, files, cwd. 0 or -ENOMEM. */
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
	c->files = files_dup(p->files);
	c->fs = fs_struct_dup(p->fs);
	return c->files && c->fs ? 0 : -ENOMEM;
}

/* What a child inherits as plain values: names, groups, limits, signals. */
static void copy_attributes(struct task *c, struct task *p)
{
	memcpy(c->comm, p->comm, sizeof(c->comm));
	c->pgid = p->pgid;
	c->sid = p->sid;
	c->umask = p->umask;
	memcpy(c->rlim, p->rlim, sizeof(c->rlim));
	c->cred = p->cred;
	c->dumpable = p->dumpable;		/* pdeathsig is not inherited */
	c->oom_score_adj = p->oom_score_adj;
	c->oom_score_adj_min = p->oom_score_adj_min;
	c->make_it_fail = p->make_it_fail;
	memcpy(c->sigaction, p->sigaction, sizeof(c->sigaction));
	c->blocked = p->blocked;
	c->altstack = p->altstack;
}

static long do_fork(unsigned long flags, uint64_t stack, int __user *ptid,
		    int __user *ctid, uint64_t tls)
{
	struct task *p = current(), *c;
	struct trap_frame *tf;
	unsigned long irq;
	pid_t pid;

	if (flags & ~CLONE_PROCESS_OK)
		return -EINVAL;		/* threads and namespaces: later issues */
	if ((flags & CSIGNAL) && (flags & CSIGNAL) != SIGCHLD)
		return -EINVAL;
	c = task_alloc();
	if (!c)
		return -ENOMEM;
	if (copy_resources(c, p, flags))
		goto nomem;
	copy_attributes(c, p);
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
	pid = alloc_pid();
	if (pid < 0) {
		spin_unlock_irqrestore(&tasklist_lock, irq);
		goto nomem;
	}
	c->pid = pid;
	c->parent = p;
	list_add_tail(&c->sibling, &p->children);
	list_add_tail(&c->all_node, &all_tasks);
	spin_unlock_irqrestore(&tasklist_lock, irq);

	if (flags & CLONE_PARENT_SETTID)
		put_user(pid, ptid);
	if (flags & CLONE_CHILD_SETTID) {
		/* Written into the child's memory (shared when CLONE_VM). */
		vm_copy_to(c->mm, (vaddr_t)ctid, &pid, sizeof(pid));
	}
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
	if (c->mm)
		mm_put(c->mm);
	if (c->files)
		files_put(c->files);
	if (c->fs)
		fs_struct_put(c->fs);
	task_free(c);
	return -ENOMEM;
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
		if (c->pdeathsig && c->state != TASK_ZOMBIE && norphans < max)
			orphans[norphans++] = c;
		list_del(&c->sibling);
		c->parent = init_task;
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

/* Drop what an exiting task holds: clear_child_tid, files, fs, mm, alarm. */
static void exit_release(struct task *t)
{
	if (t->clear_child_tid) {
		int zero = 0;

		copy_to_user(t->clear_child_tid, &zero, sizeof(zero));
		futex_wake_user(t->mm, t->clear_child_tid, 1);	/* pthread_join's waiter */
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

		arch_switch_pgd(kernel_pgt.root);
		/*
		 * Under tasklist_lock: whoever finds our mm there (mm_access,
		 * /proc) takes its reference before ours can be the last.
		 */
		irq = spin_lock_irqsave(&tasklist_lock);
		t->mm = NULL;
		spin_unlock_irqrestore(&tasklist_lock, irq);
		mm_put(mm);
	}
	t->alarm_at_ns = 0;
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
	wake_up(&to->child_exit);
}

/*
 * Under the tasklist lock: hand the children to init and become a zombie,
 * or, with no parent to reap us, a dead task off the task list. A tracee
 * of another process stays a zombie for its tracer's wait4 either way.
 */
static void exit_unhash(struct task *t, int status)
{
	struct task *parent, *orphans[64];
	unsigned int norphans;
	unsigned long irq;

	irq = spin_lock_irqsave(&tasklist_lock);
	norphans = reparent_children(t, orphans, ARRAY_SIZE(orphans));
	parent = t->parent;
	t->exit_status = status;
	if (t->tracer && t->tracer == parent)
		ptrace_unlink(t);		/* the parent sees the exit as a parent */
	if (parent) {
		struct k_sigaction *ka = &parent->sigaction[SIGCHLD - 1];

		/* SIGCHLD set to SIG_IGN or SA_NOCLDWAIT: no zombie (autoreap). */
		if (ka->sa.sa_handler == SIG_IGN || (ka->sa.sa_flags & SA_NOCLDWAIT)) {
			list_del(&t->sibling);
			t->parent = NULL;
		}
	}
	t->state = t->parent || t->tracer ? TASK_ZOMBIE : TASK_DEAD;
	if (t->state == TASK_DEAD)
		list_del(&t->all_node);		/* freed by the next task to run */
	exit_notify_locked(t);
	spin_unlock_irqrestore(&tasklist_lock, irq);
	/* No sleep since the unlock: the orphans are still there. */
	for (unsigned int i = 0; i < norphans; i++)
		send_signal(orphans[i], orphans[i]->pdeathsig, NULL);
}

__noreturn void do_exit(int status)
{
	struct task *t = current();

	if (t == init_task)
		init_died(status);
	if (t->ptrace_flags & PTRACE_O_TRACEEXIT)
		ptrace_stop(SIGTRAP, PTRACE_EVENT_EXIT, (unsigned long)status);
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
	do_exit((code & 0xff) << 8);
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
 * One wait4 pass over current's children and tracees, under tasklist_lock.
 * What it may report, in Linux's order per task (kernel/exit.c,
 * wait_consider_task):
 *
 *   task                   exited (zombie)              stopped / continued
 *   our tracee             its exit (a child of ours:   its ptrace stop, always
 *                          reaped; else handed back to
 *                          its parent)
 *   child, untraced        reaped                       WUNTRACED: the stop;
 *                                                       WCONTINUED: the continue
 *   child, traced by       not yet: the tracer first    nothing
 *   another
 *
 * Each report is given once. With @consume false nothing is changed and
 * the result only says whether a wait4 would return now.
 */
struct wait_result {
	pid_t pid;			/* > 0 found; 0 none yet; -ECHILD none to wait for */
	int status;
	struct task *reaped;		/* to free, after the unlock */
};

static bool wait_eligible(struct task *p, struct task *c, pid_t pid, long options)
{
	if (!wait_matches(p, c, pid))
		return false;
	/* No clone children exist (exit signal always SIGCHLD): __WCLONE alone waits for none. */
	return c->tracer == p || (options & __WALL) || !(options & __WCLONE);
}

/* Report @c's exit to @p, which reaps it or (a tracer only) hands it on. */
static void wait_exit(struct task *p, struct task *c, struct wait_result *r)
{
	r->pid = c->pid;
	r->status = c->exit_status;
	if (c->tracer == p && c->parent != p) {
		ptrace_unlink(c);
		ptrace_return_zombie(c);
		return;
	}
	if (c->tracer == p)
		ptrace_unlink(c);
	list_del(&c->sibling);
	list_del(&c->all_node);
	r->reaped = c;
}

static bool wait_consider(struct task *p, struct task *c, long options, bool consume,
			  struct wait_result *r)
{
	bool traced_by_us = c->tracer == p;

	if (c->state == TASK_ZOMBIE) {
		if (!c->off_cpu || (c->tracer && !traced_by_us))
			return false;
		if (consume)
			wait_exit(p, c, r);
		return true;
	}
	if (traced_by_us || !c->tracer)
		return wait_task_stopped(c, traced_by_us, options, consume, &r->status);
	return false;
}

static void wait_scan(pid_t pid, long options, bool consume, struct wait_result *r)
{
	struct task *p = current(), *c;
	bool any = false;
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);

	r->pid = 0;
	r->reaped = NULL;
	list_for_each_entry(c, &p->children, sibling) {
		if (!wait_eligible(p, c, pid, options))
			continue;
		any = true;
		if (wait_consider(p, c, options, consume, r)) {
			r->pid = c->pid;
			goto out;
		}
	}
	list_for_each_entry(c, &p->ptraced, ptrace_node) {
		if (c->parent == p || !wait_eligible(p, c, pid, options))
			continue;
		any = true;
		if (wait_consider(p, c, options, consume, r)) {
			r->pid = c->pid;
			goto out;
		}
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
		if (wait_event_interruptible(&p->child_exit, wait_ready(pid, options)))
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
	return current()->pid;
}
SYSCALL(__NR_getpid, sys_getpid);

static long sys_gettid(void)
{
	return current()->pid;
}
SYSCALL(__NR_gettid, sys_gettid);

static long sys_getppid(void)
{
	struct task *p = current()->parent;

	return p ? p->pid : 0;
}
SYSCALL(__NR_getppid, sys_getppid);

/* uids, gids and groups: kernel/cred.c */

static long sys_setpgid(long pid, long pgid)
{
	struct task *me = current(), *t;
	unsigned long irq;
	long ret = 0;

	if (pgid < 0)
		return -EINVAL;
	irq = spin_lock_irqsave(&tasklist_lock);
	t = pid ? task_find(pid) : me;
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
	return current()->pgid;
}
SYSCALL(__NR_getpgrp, sys_getpgrp);

static long sys_getsid(long pid)
{
	return get_group_id(pid, true);
}
SYSCALL(__NR_getsid, sys_getsid);

static long sys_setsid(void)
{
	struct task *me = current(), *t;
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
	cpu_idle();
}
