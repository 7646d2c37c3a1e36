/*
 * signal.c - POSIX signals with Linux semantics: sending, masking, the
 * default actions, and delivery to user handlers through an rt_sigframe.
 *
 * A signal is sent by setting its bit in a pending set (with its siginfo):
 * the thread's own for a thread-directed signal (tgkill, a fault, SIGPIPE),
 * the process's (signal->shared_pending) for a process-directed one (kill,
 * SIGCHLD, alarms), which then wakes one thread that does not block it.
 * It is acted on when a thread next returns to user mode (exit_to_user),
 * where the lowest-numbered pending, unblocked signal is taken, the
 * thread's own first. Handlers are shared by the threads (struct sighand);
 * masks are per thread. A fatal signal ends every thread (do_group_exit);
 * SIGKILL does so as soon as it is sent. A handler runs on a frame Linux programs expect (x86-64):
 *
 *   high  user stack (or sigaltstack), minus the 128-byte red zone
 *         +-------------------------+
 *         | FXSAVE area (512 B)     |  64-byte aligned; uc.uc_mcontext.fpstate
 *         +-------------------------+
 *         | struct siginfo   info   |  handler's 2nd argument (rsi)
 *         | struct ucontext  uc     |  3rd argument (rdx): saved registers,
 *         |                         |  old blocked mask, altstack
 *         | pretcode = sa_restorer  |  <- rsp at handler entry, (rsp+8) % 16 == 0
 *   low   +-------------------------+
 *
 * When the handler returns it "returns" into sa_restorer, which calls
 * rt_sigreturn; the kernel finds the frame at rsp - 8 and restores
 * everything from it.
 *
 * Job control: the default action of SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU
 * stops the process (TASK_STOPPED; the three terminal ones are discarded in
 * an orphaned process group): the thread that takes the signal asks every
 * other thread to stop too (group_stop_pending), and the last one to stop
 * tells the parent (SIGCHLD with
 * CLD_STOPPED unless SA_NOCLDSTOP, wait4 with WUNTRACED). SIGCONT, sent
 * to a stopped process, continues it whatever its disposition (CLD_CONTINUED,
 * WCONTINUED) and discards pending stop signals; a stop signal discards a
 * pending SIGCONT. While stopped, other signals wait; SIGKILL does not.
 *
 * A traced process (kernel/ptrace.c) stops before each signal is acted on
 * (signal-delivery stop, ptrace_signal()): the tracer decides which signal,
 * if any, goes on.
 *
 * Interrupted system calls return a restart code (ERESTARTSYS, ...; see
 * kernel/uapi.h), which becomes EINTR or a restart of the call here:
 * stepping the user rip back over the syscall instruction with the
 * number back in rax (syscall_rewind()).
 */
#include "kernel/task.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "kernel/time.h"
#include "kernel/watchdog.h"
#include "mm/usercopy.h"
#include <arch/context.h>
#include <arch/memlayout.h>
#include <arch/trap.h>

#define SIGBIT(sig)	(1ul << ((sig) - 1))
#define UNBLOCKABLE	(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define STOP_SIGNALS	(SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))
#define FXSAVE_SIZE	512
#define MXCSR_MASK	0x0000ffbfu
/* RFLAGS bits user code may change through sigreturn: CF PF AF ZF SF TF DF OF AC. */
#define RFLAGS_USER	0x40dd5ul

/*
 * Guards every task's pending set and siginfo, the process-wide signal
 * state (struct signal_struct, struct sighand), and the stop state (the
 * job-control and ptrace fields of struct task). Thread lists change
 * under both tasklist_lock and sig_lock, so either lock lets one walk
 * them. Taken inside tasklist_lock, never around it.
 */
spinlock_t sig_lock = SPINLOCK_INIT(sig_lock);

struct rt_sigframe {
	uint64_t pretcode;
	struct ucontext uc;
	struct siginfo info;
};

enum sig_default { SD_TERM, SD_CORE, SD_IGN, SD_STOP };

static enum sig_default default_action(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS:
	case SIGFPE: case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return SD_CORE;
	case SIGCHLD: case SIGURG: case SIGWINCH: case SIGCONT:
		return SD_IGN;
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return SD_STOP;
	default:
		return SD_TERM;
	}
}

static struct k_sigaction *sigaction_of(struct task *t, int sig)
{
	return &t->sighand->action[sig - 1];
}

static bool sig_ignored(struct task *t, int sig)
{
	__sighandler_t h = sigaction_of(t, sig)->sa.sa_handler;

	if (sig == SIGKILL || sig == SIGSTOP)
		return false;
	if (h == SIG_IGN)
		return true;
	return h == SIG_DFL && default_action(sig) == SD_IGN;
}

/*
 * Contract in task.h: tell @t's parent (@tracer false) or tracer that @t
 * stopped or continued (@why CLD_STOPPED, CLD_CONTINUED, CLD_TRAPPED;
 * @status the stop signal, or SIGCONT): SIGCHLD unless it asked for
 * SA_NOCLDSTOP, and a wake-up for its wait4.
 */
void notify_cldstop(struct task *t, bool tracer, int why, int status)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	struct task *to = tracer ? t->tracer : t->group_leader->parent;

	if (to) {
		if (!(sigaction_of(to, SIGCHLD)->sa.sa_flags & SA_NOCLDSTOP)) {
			struct siginfo si;

			memset(&si, 0, sizeof(si));
			si.si_signo = SIGCHLD;
			si.si_code = why;
			si.si_pid = tracer ? t->pid : t->tgid;
			si.si_status = status;
			send_signal(to, SIGCHLD, &si);
		}
		wake_up(&to->group_leader->child_exit);
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
}

static void fill_ksiginfo(struct ksiginfo *si, int sig, const struct siginfo *info)
{
	memset(si, 0, sizeof(*si));
	si->signo = sig;
	si->code = SI_KERNEL;
	if (info) {
		si->code = info->si_code;
		if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
		    sig == SIGTRAP)
			si->addr = info->si_addr;
		else
			si->pid = info->si_pid;
		if (sig == SIGCHLD)
			si->status = info->si_status;
	}
}

/* Wake @t to look at its signals, if it sleeps interruptibly (sig_lock held). */
static void signal_wake(struct task *t, bool fatal)
{
	if (t->state == TASK_INTERRUPTIBLE)
		wake_up_task(t);
	if (fatal)
		wake_up_stopped(t);		/* out of a stop, to die */
}

#define for_each_thread(sig, t) list_for_each_entry(t, &(sig)->threads, thread_node)

/*
 * SIGKILL to every thread of @t's process but @except (sig_lock held):
 * each dies on its way out of the kernel.
 */
static void zap_threads(struct task *t, struct task *except)
{
	struct task *o;

	for_each_thread(t->signal, o) {
		if (o == except || o->thread_exited)
			continue;
		o->pending |= SIGBIT(SIGKILL);
		o->group_stop_pending = false;
		signal_wake(o, true);
	}
}

/* Does thread @o want process-directed @sig now? (sig_lock held) */
static bool wants_signal(struct task *o, int sig)
{
	return !o->thread_exited && o->mm && !(o->blocked & SIGBIT(sig));
}

/*
 * Job control acts when the signal is sent, whatever its disposition
 * (sig_lock held): SIGCONT ends a stop of the whole process and discards
 * pending stops; a stop signal discards a pending SIGCONT. Returns true
 * when SIGCONT continued a stopped process.
 */
static bool job_control_on_send(struct task *t, int sig)
{
	struct signal_struct *ss = t->signal;
	bool continued = false;
	struct task *o;

	if (sig == SIGCONT) {
		ss->shared_pending &= ~STOP_SIGNALS;
		ss->group_stop_count = 0;
		for_each_thread(ss, o) {
			o->pending &= ~STOP_SIGNALS;
			o->group_stop_pending = false;
			if (o->group_stopped) {
				o->group_stopped = false;
				continued = true;
				wake_up_stopped(o);
			}
		}
		if (continued)
			t->group_leader->wait_report = WAIT_REPORT_CONTINUED;
	} else if (SIGBIT(sig) & STOP_SIGNALS) {
		ss->shared_pending &= ~SIGBIT(SIGCONT);
		for_each_thread(ss, o)
			o->pending &= ~SIGBIT(SIGCONT);
	}
	return continued;
}

/*
 * A process-directed @sig into @t's process's shared set, and one thread
 * woken to take it: @t if it can, else any that can. sig_lock held.
 */
static void queue_group_signal(struct task *t, int sig, const struct siginfo *info)
{
	struct signal_struct *ss = t->signal;
	struct task *o, *to = NULL;

	if (!(ss->shared_pending & SIGBIT(sig))) {
		fill_ksiginfo(&ss->shared_info[sig - 1], sig, info);
		ss->shared_pending |= SIGBIT(sig);
	}
	if (wants_signal(t, sig)) {
		to = t;
	} else {
		for_each_thread(ss, o) {
			if (wants_signal(o, sig)) {
				to = o;
				break;
			}
		}
	}
	if (to)
		signal_wake(to, false);
}

/*
 * Send @sig to @t: to the thread alone (@group false) or to its process.
 * Kernel threads take no signals.
 */
static int __send_signal(struct task *t, int sig, const struct siginfo *info, bool group)
{
	struct signal_struct *ss = t->signal;
	unsigned long irq;
	bool continued;

	if (sig < 1 || sig > NR_SIGNALS)
		return -EINVAL;
	if (t->kthread || !ss)
		return 0;
	irq = spin_lock_irqsave(&sig_lock);
	continued = job_control_on_send(t, sig);
	if (sig == SIGKILL) {
		/* SIGKILL ends the process, whoever it was sent to (Linux). */
		if (!ss->group_exit && !ss->group_exec_task) {
			ss->group_exit = true;
			ss->group_exit_code = SIGKILL;
		}
		if (!(t->pending & SIGBIT(SIGKILL)))
			fill_ksiginfo(&t->siginfo[SIGKILL - 1], sig, info);
		t->pending |= SIGBIT(SIGKILL);
		signal_wake(t, true);
		zap_threads(t, t);
		goto out;
	}
	if (sig_ignored(t, sig) && !(t->blocked & SIGBIT(sig)))
		goto out;			/* discarded, as Linux does */
	if (!group) {
		if (!(t->pending & SIGBIT(sig))) {
			fill_ksiginfo(&t->siginfo[sig - 1], sig, info);
			t->pending |= SIGBIT(sig);
		}
		if (!(t->blocked & SIGBIT(sig)))
			signal_wake(t, false);
	} else {
		queue_group_signal(t, sig, info);
	}
out:
	spin_unlock_irqrestore(&sig_lock, irq);
	if (sig == SIGKILL)
		wake_up(&ss->thread_exit);	/* an execve waiting in de_thread: killed */
	if (continued)
		notify_cldstop(t->group_leader, false, CLD_CONTINUED, SIGCONT);
	return 0;
}

int send_signal(struct task *t, int sig, const struct siginfo *info)
{
	return __send_signal(t, sig, info, true);
}

int send_signal_thread(struct task *t, int sig, const struct siginfo *info)
{
	return __send_signal(t, sig, info, false);
}

/* Contract in task.h. */
__noreturn void do_group_exit(int status)
{
	struct task *t = current();
	struct signal_struct *ss = t->signal;
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	if (ss->group_exit) {
		status = ss->group_exit_code;
	} else if (!ss->group_exec_task) {
		ss->group_exit = true;
		ss->group_exit_code = status;
		zap_threads(t, t);
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	do_exit(status);
}

/* Contract in task.h. */
void zap_other_threads(struct task *t)
{
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	zap_threads(t, t);
	spin_unlock_irqrestore(&sig_lock, irq);
}

/* A signal from user space (kill, tgkill) carries the sender's pid. */
static int send_user_signal(struct task *t, int sig)
{
	struct siginfo si;

	if (!sig)
		return 0;			/* existence check only */
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_USER;
	si.si_pid = current()->tgid;
	si.si_uid = current()->cred.uid;
	return send_signal(t, sig, &si);
}

/* Is @t a process that has not finished exiting (a group leader with live threads)? */
static bool process_alive(const struct task *t)
{
	return t == t->group_leader && !t->kthread && t->signal && t->signal->nr_threads;
}

int kill_pgrp(pid_t pgid, int sig)
{
	struct task *t, *targets[64];
	unsigned int n = 0;
	unsigned long irq;

	/* Collect under the lock, send outside it (send may wake tasks). */
	irq = spin_lock_irqsave(&tasklist_lock);
	for_each_task(t) {
		if (t->pgid == pgid && process_alive(t) && n < ARRAY_SIZE(targets)) {
			get_task_struct(t);
			targets[n++] = t;
		}
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
	for (unsigned int i = 0; i < n; i++) {
		send_signal(targets[i], sig, NULL);
		put_task_struct(targets[i]);
	}
	return n ? 0 : -ESRCH;
}

/*
 * kill(2) to many: a process group (pid 0 or < -1) or everyone but init
 * and the caller (pid -1). @match picks the tasks (@arg is the group).
 */
typedef bool (*kill_match_fn)(const struct task *t, pid_t arg);

static bool in_pgrp(const struct task *t, pid_t pgid)
{
	return t->pgid == pgid;
}

static bool not_init_or_self(const struct task *t, pid_t unused)
{
	(void)unused;
	return t->pid > 1 && t != current()->group_leader;
}

#define KILL_MANY_MAX	256	/* targets one kill(2) reaches (on the stack) */

/*
 * Like kill_pgrp, but from user space: the sender's pid in the siginfo,
 * signal 0 only checks, and each user task @match accepts must pass
 * kill's permission rule. 0 if any got it, -EPERM if all were refused,
 * -ESRCH if none matched (Linux's __kill_pgrp_info, kill_something_info).
 */
static int kill_many(kill_match_fn match, pid_t arg, int sig)
{
	struct task *t, *targets[KILL_MANY_MAX];
	unsigned int n = 0, denied = 0;
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);

	for_each_task(t) {
		if (!match(t, arg) || !process_alive(t))
			continue;
		if (!cred_may_signal(t, sig)) {
			denied++;
		} else if (n < ARRAY_SIZE(targets)) {
			get_task_struct(t);
			targets[n++] = t;
		}
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
	for (unsigned int i = 0; i < n; i++) {
		send_user_signal(targets[i], sig);
		put_task_struct(targets[i]);
	}
	return n ? 0 : denied ? -EPERM : -ESRCH;
}

void force_sig_fault(int sig, int code, vaddr_t addr)
{
	struct task *t = current();
	struct siginfo si;
	unsigned long irq;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = code;
	si.si_addr = (void *)addr;
	/* A fault cannot be blocked or ignored: Linux resets it to default. */
	irq = spin_lock_irqsave(&sig_lock);
	if ((t->blocked & SIGBIT(sig)) || sigaction_of(t, sig)->sa.sa_handler == SIG_IGN) {
		t->blocked &= ~SIGBIT(sig);
		sigaction_of(t, sig)->sa.sa_handler = SIG_DFL;
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	send_signal_thread(t, sig, &si);
}

/* ---- delivery ---- */

static void expand_siginfo(const struct ksiginfo *k, struct siginfo *si)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = k->signo;
	si->si_code = k->code;
	if (k->signo == SIGSEGV || k->signo == SIGBUS || k->signo == SIGILL ||
	    k->signo == SIGFPE || k->signo == SIGTRAP) {
		si->si_addr = k->addr;
	} else {
		si->si_pid = k->pid;
		si->si_uid = 0;
		if (k->signo == SIGCHLD)
			si->si_status = k->status;
	}
}

static bool on_altstack(struct task *t, uint64_t sp)
{
	uint64_t base = (uint64_t)t->altstack.ss_sp;

	return t->altstack.ss_size && sp > base && sp - base <= t->altstack.ss_size;
}

/*
 * Pick the user stack for @ka's handler frame: returns the frame's address
 * and sets @fx_user to where the FPU state goes above it; 0 when the frame
 * does not fit on the alternate stack it must go on.
 */
static uint64_t sigframe_sp(struct task *t, struct k_sigaction *ka, struct trap_frame *tf,
			    uint64_t *fx_user)
{
	uint64_t sp = tf->rsp - 128;	/* skip the red zone */
	bool nested = on_altstack(t, tf->rsp), entering = false;

	if ((ka->sa.sa_flags & SA_ONSTACK) && t->altstack.ss_size &&
	    !(t->altstack.ss_flags & SS_DISABLE) && !nested) {
		sp = (uint64_t)t->altstack.ss_sp + t->altstack.ss_size;
		entering = true;
	}
	sp = (sp - FXSAVE_SIZE) & ~63ul;
	*fx_user = sp;
	sp -= sizeof(struct rt_sigframe);
	sp = (sp & ~15ul) - 8;		/* (sp + 8) % 16 == 0 at handler entry */
	/*
	 * A frame on the alternate stack that would run off its bottom is
	 * not built (Linux's get_sigframe): the caller kills the task with
	 * SIGSEGV rather than write below the stack the user gave.
	 */
	if ((nested || entering) && !on_altstack(t, sp))
		return 0;
	return sp;
}

/* Save the interrupted registers of @tf into the signal context @sc. */
static void save_sigcontext(struct sigcontext *sc, const struct trap_frame *tf)
{
	sc->r8 = tf->r8; sc->r9 = tf->r9; sc->r10 = tf->r10; sc->r11 = tf->r11;
	sc->r12 = tf->r12; sc->r13 = tf->r13; sc->r14 = tf->r14; sc->r15 = tf->r15;
	sc->rdi = tf->rdi; sc->rsi = tf->rsi; sc->rbp = tf->rbp; sc->rbx = tf->rbx;
	sc->rdx = tf->rdx; sc->rax = tf->rax; sc->rcx = tf->rcx; sc->rsp = tf->rsp;
	sc->rip = tf->rip; sc->eflags = tf->rflags; sc->cs = tf->cs; sc->ss = tf->ss;
	sc->trapno = tf->vector < 32 ? tf->vector : 0;
	sc->err = tf->vector < 32 ? tf->error : 0;
}

/* Build in @frame the rt_sigframe for @sig (ucontext, saved mask, siginfo). */
static void fill_sigframe(struct task *t, int sig, struct trap_frame *tf,
			  struct rt_sigframe *frame, uint64_t fx_user)
{
	struct k_sigaction *ka = sigaction_of(t, sig);
	struct sigcontext *sc = &frame->uc.uc_mcontext;

	memset(frame, 0, sizeof(*frame));
	frame->pretcode = (uint64_t)ka->sa.sa_restorer;
	frame->uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	frame->uc.uc_stack = t->altstack;
	frame->uc.uc_stack.ss_flags = t->altstack.ss_size ?
		(on_altstack(t, tf->rsp) ? SS_ONSTACK : 0) : SS_DISABLE;
	save_sigcontext(sc, tf);
	sc->oldmask = t->blocked;
	sc->cr2 = (uint64_t)t->siginfo[sig - 1].addr;
	sc->fpstate = (struct _fpstate *)fx_user;
	frame->uc.uc_sigmask = t->restore_saved_mask ? t->saved_mask : t->blocked;
	t->restore_saved_mask = false;
	expand_siginfo(&t->siginfo[sig - 1], &frame->info);
}

/* Point @tf at @ka's handler, called as handler(sig, &info, &uc) on stack @sp. */
static void enter_handler(struct trap_frame *tf, struct k_sigaction *ka, int sig,
			  uint64_t sp, struct rt_sigframe *uframe)
{
	tf->rip = (uint64_t)ka->sa.sa_handler;
	tf->rsp = sp;
	tf->rdi = sig;
	tf->rsi = (uint64_t)&uframe->info;
	tf->rdx = (uint64_t)&uframe->uc;
	tf->rax = 0;
	tf->rflags &= ~((1ul << 10) | (1ul << 8));	/* DF, TF */
	tf->cs = USER_CS;
	tf->ss = USER_DS;
}

/* Block the signals @ka asks for while its handler runs; SA_RESETHAND resets it. */
static void block_for_handler(struct task *t, struct k_sigaction *ka, int sig)
{
	t->blocked |= ka->sa.sa_mask;
	if (!(ka->sa.sa_flags & SA_NODEFER))
		t->blocked |= SIGBIT(sig);
	t->blocked &= ~UNBLOCKABLE;
	if (ka->sa.sa_flags & SA_RESETHAND)
		ka->sa.sa_handler = SIG_DFL;
}

static int setup_frame(struct task *t, int sig, struct trap_frame *tf)
{
	struct k_sigaction *ka = sigaction_of(t, sig);
	struct rt_sigframe frame;
	uint8_t fx[FXSAVE_SIZE] __attribute__((aligned(16)));
	uint64_t sp, fx_user;
	struct rt_sigframe *uframe;

	sp = sigframe_sp(t, ka, tf, &fx_user);
	if (!sp)
		return -EFAULT;		/* overflows the alternate stack */
	uframe = (struct rt_sigframe *)sp;
	fill_sigframe(t, sig, tf, &frame, fx_user);

	arch_fpu_save(fx);
	if (copy_to_user((void *)fx_user, fx, sizeof(fx)) ||
	    copy_to_user(uframe, &frame, sizeof(frame)))
		return -EFAULT;

	enter_handler(tf, ka, sig, sp, uframe);
	block_for_handler(t, ka, sig);
	return 0;
}

/*
 * Take the next deliverable signal off the thread's pending set, else
 * off the process's (0: none). A process-directed one's siginfo moves
 * into the thread's slot, free since the thread has no instance pending.
 */
static int dequeue_signal(struct task *t)
{
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	struct signal_struct *ss = t->signal;
	sigset_t ready = t->pending & (~t->blocked | SIGBIT(SIGKILL));
	int sig = 0;

	if (ready) {
		sig = __builtin_ctzl(ready) + 1;
		if (ready & SIGBIT(SIGKILL))
			sig = SIGKILL;
		t->pending &= ~SIGBIT(sig);
	} else if ((ready = ss->shared_pending & ~t->blocked)) {
		sig = __builtin_ctzl(ready) + 1;
		ss->shared_pending &= ~SIGBIT(sig);
		t->siginfo[sig - 1] = ss->shared_info[sig - 1];
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	return sig;
}

/* Contract in task.h. */
bool task_sigpending(const struct task *t)
{
	sigset_t p = READ_ONCE(t->pending);

	if (t->signal)
		p |= READ_ONCE(t->signal->shared_pending);
	return (p & (~READ_ONCE(t->blocked) | SIGBIT(SIGKILL))) ||
	       READ_ONCE(t->group_stop_pending);
}

/* ---- stops: job control and ptrace ---- */

/*
 * Would @t's process group be orphaned (no member has a parent outside the
 * group but inside the session, init aside)? Then the terminal stop signals
 * are discarded: nobody is left to continue the group (POSIX; Linux's
 * is_current_pgrp_orphaned).
 */
static bool pgrp_orphaned(struct task *t)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	bool orphaned = true;
	struct task *m;

	for_each_task(m) {
		struct task *p = m->parent;

		if (m->pgid != t->pgid || m->state == TASK_ZOMBIE || !p || p->pid == 1)
			continue;
		if (p->pgid != t->pgid && p->sid == t->sid) {
			orphaned = false;
			break;
		}
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return orphaned;
}

/*
 * Sleep in @state while @stopped (a field of current, under sig_lock) says
 * so and no SIGKILL came; also returns once a tracer attaches to a
 * job-control stop (@stop_on_attach), so that it stops for the tracer.
 */
static void stop_sleep(int state, bool *stopped, bool stop_on_attach)
{
	struct task *t = current();

	for (;;) {
		unsigned long irq = spin_lock_irqsave(&sig_lock);

		if (!*stopped || fatal_signal_pending(t) ||
		    (stop_on_attach && (t->ptrace_flags & PT_PTRACED))) {
			t->state = TASK_RUNNING;	/* ptrace_stop() may have set it */
			spin_unlock_irqrestore(&sig_lock, irq);
			return;
		}
		t->state = state;		/* wake_up_stopped() undoes this */
		spin_unlock_irqrestore(&sig_lock, irq);
		schedule();
	}
}

/* Contract in task.h. */
int ptrace_stop(int code, int event, unsigned long message)
{
	struct task *t = current();
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	int ret;

	if (!(t->ptrace_flags & PT_PTRACED) || fatal_signal_pending(t)) {
		spin_unlock_irqrestore(&sig_lock, irq);
		return code;
	}
	t->ptrace_code = code;
	t->ptrace_event = event;
	t->ptrace_message = message;
	t->ptrace_stopped = true;
	/*
	 * Stopped before the tracer hears of it, as Linux's set_special_state:
	 * a tracer woken on another CPU reads 't' in /proc, never 'R'.
	 * notify_cldstop() does not sleep.
	 */
	t->state = TASK_TRACED;
	spin_unlock_irqrestore(&sig_lock, irq);
	notify_cldstop(t, true, CLD_TRAPPED, code);

	stop_sleep(TASK_TRACED, &t->ptrace_stopped, false);

	irq = spin_lock_irqsave(&sig_lock);
	t->ptrace_stopped = false;
	ret = t->ptrace_code;
	t->ptrace_code = 0;
	t->ptrace_event = 0;
	spin_unlock_irqrestore(&sig_lock, irq);
	return fatal_signal_pending(t) ? 0 : ret;
}

static void join_group_stop(struct task *t);

/*
 * The default action of a stop signal. Traced, the stop is reported to the
 * tracer instead (a group stop; PTRACE_EVENT_STOP for a seized tracee) and
 * lasts until the tracer resumes it.
 */
static void do_signal_stop(struct task *t, int sig)
{
	unsigned long irq;

	if (t->ptrace_flags & PT_PTRACED) {
		ptrace_stop(sig, (t->ptrace_flags & PT_SEIZED) ? PTRACE_EVENT_STOP : 0, 0);
		return;
	}
	irq = spin_lock_irqsave(&sig_lock);
	if (t->signal->group_exit || t->signal->group_exec_task) {
		spin_unlock_irqrestore(&sig_lock, irq);
		return;			/* dying or exec'ing: no stop */
	}
	if (!t->signal->group_stop_count) {
		/* Start a group stop: every other live thread is asked to join. */
		struct task *o;

		t->signal->group_stop_count = 1;
		list_for_each_entry(o, &t->signal->threads, thread_node) {
			if (o == t || o->thread_exited || o->group_stopped)
				continue;
			o->group_stop_pending = true;
			t->signal->group_stop_count++;
			signal_wake(o, false);
		}
		t->group_leader->stop_sig = sig;
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	join_group_stop(t);
}

/*
 * @t stops as its part of a group stop; the last thread to stop tells the
 * parent. Sleeps until SIGCONT or SIGKILL (or a tracer attaches).
 */
static void join_group_stop(struct task *t)
{
	struct task *leader;
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	bool last = false;
	int sig;

	t->group_stop_pending = false;
	if (!t->signal->group_stop_count) {
		spin_unlock_irqrestore(&sig_lock, irq);
		return;			/* SIGCONT came first */
	}
	leader = t->group_leader;
	sig = leader->stop_sig;
	t->group_stopped = true;
	t->stop_sig = sig;
	if (--t->signal->group_stop_count == 0) {
		leader->wait_report = WAIT_REPORT_STOPPED;
		last = true;
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	if (last)
		notify_cldstop(leader, false, CLD_STOPPED, sig);

	stop_sleep(TASK_STOPPED, &t->group_stopped, true);

	irq = spin_lock_irqsave(&sig_lock);
	if (t->group_stopped && (t->ptrace_flags & PT_PTRACED)) {
		/* Attached while stopped: now the tracer's stop, until it resumes us. */
		t->group_stopped = false;
		t->wait_report = 0;
		spin_unlock_irqrestore(&sig_lock, irq);
		ptrace_stop(sig, (t->ptrace_flags & PT_SEIZED) ? PTRACE_EVENT_STOP : 0, 0);
		return;
	}
	t->group_stopped = false;
	spin_unlock_irqrestore(&sig_lock, irq);
}

/*
 * Signal-delivery stop: a traced task shows @sig to its tracer before acting
 * on it. Returns the signal to act on: 0 when the tracer suppressed it,
 * another one it injected (with a siginfo naming the tracer), or a blocked
 * one put back on the pending set (then 0).
 */
static int ptrace_signal(struct task *t, int sig)
{
	int nsig = ptrace_stop(sig, 0, 0);
	unsigned long irq;

	if (!nsig || nsig > NR_SIGNALS || fatal_signal_pending(t))
		return 0;
	irq = spin_lock_irqsave(&sig_lock);
	if (nsig != sig) {
		struct ksiginfo *si = &t->siginfo[nsig - 1];
		struct task *tracer = t->tracer;

		memset(si, 0, sizeof(*si));
		si->signo = nsig;
		si->code = SI_USER;
		si->pid = tracer ? tracer->tgid : 0;
	}
	if (t->blocked & SIGBIT(nsig)) {
		t->pending |= SIGBIT(nsig);
		nsig = 0;
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	return nsig;
}

/* Contract in task.h. */
bool wait_task_stopped(struct task *c, bool by_tracer, long options, bool consume, int *status)
{
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	bool found = false;

	if (by_tracer) {
		if (c->ptrace_stopped && c->ptrace_code) {
			*status = (c->ptrace_code << 8) | 0x7f | (c->ptrace_event << 16);
			if (consume)
				c->ptrace_code = 0;	/* the resume request sets the signal */
			found = true;
		}
	} else if ((options & WUNTRACED) && c->group_stopped &&
		   (c->wait_report & WAIT_REPORT_STOPPED)) {
		*status = (c->stop_sig << 8) | 0x7f;
		if (consume)
			c->wait_report &= ~WAIT_REPORT_STOPPED;
		found = true;
	} else if ((options & WCONTINUED) && (c->wait_report & WAIT_REPORT_CONTINUED)) {
		*status = 0xffff;
		if (consume)
			c->wait_report &= ~WAIT_REPORT_CONTINUED;
		found = true;
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	return found;
}

/* ---- system-call restart ---- */

/* Run the interrupted system call again: back over the syscall instruction. */
static void syscall_rewind(struct trap_frame *tf)
{
	tf->rax = tf->error;
	tf->rip -= SYSCALL_INSN_LEN;
}

/*
 * @tf returns from a system call that a signal interrupted. With a handler
 * about to run (@ka), the restart codes become EINTR or a restart as
 * kernel/uapi.h tabulates; with none (@ka NULL), every one restarts.
 */
static void syscall_restart(struct trap_frame *tf, const struct k_sigaction *ka)
{
	if (!trap_is_syscall(tf))
		return;
	switch ((long)tf->rax) {
	case -ERESTARTNOHAND:
		if (ka)
			tf->rax = -EINTR;
		else
			syscall_rewind(tf);
		break;
	case -ERESTART_RESTARTBLOCK:
		if (ka) {
			tf->rax = -EINTR;
		} else {
			tf->rax = __NR_restart_syscall;
			tf->rip -= SYSCALL_INSN_LEN;
		}
		break;
	case -ERESTARTSYS:
		if (ka && !(ka->sa.sa_flags & SA_RESTART))
			tf->rax = -EINTR;
		else
			syscall_rewind(tf);
		break;
	case -ERESTARTNOINTR:
		syscall_rewind(tf);
		break;
	default:
		return;
	}
	tf->error = (uint64_t)-1;	/* decided: no second restart */
}

static void handle_signals(struct trap_frame *tf)
{
	struct task *t = current();
	int sig;

	while ((sig = dequeue_signal(t))) {
		__sighandler_t h;

		if (sig != SIGKILL && (t->ptrace_flags & PT_PTRACED)) {
			sig = ptrace_signal(t, sig);
			if (!sig)
				continue;
		}
		h = sigaction_of(t, sig)->sa.sa_handler;
		if (sig == SIGKILL || h == SIG_DFL) {
			switch (default_action(sig)) {
			case SD_IGN:
				continue;
			case SD_STOP:
				if (sig == SIGSTOP || !pgrp_orphaned(t))
					do_signal_stop(t, sig);
				continue;
			case SD_TERM:
			case SD_CORE:
				do_group_exit(sig);	/* wait4 status: killed by sig */
			}
		}
		if (h == SIG_IGN)
			continue;
		syscall_restart(tf, sigaction_of(t, sig));
		if (setup_frame(t, sig, tf)) {
			printk("pid %d (%s): cannot build a signal frame, killed by SIGSEGV\n",
			       t->pid, t->comm);
			do_exit(SIGSEGV);
		}
		return;		/* one handler frame at a time */
	}
	syscall_restart(tf, NULL);
	if (t->restore_saved_mask) {
		t->blocked = t->saved_mask;
		t->restore_saved_mask = false;
	}
}

/*
 * Last stop before user mode (switch.S, with interrupts off): give up the
 * CPU if the time slice is over, then deliver signals.
 */
static bool is_canonical(uint64_t a)
{
	return a < USER_END || a >= ~(USER_END - 1);
}

void exit_to_user(struct trap_frame *tf)
{
	struct task *t = current();

	for (;;) {
		/*
		 * iretq to a non-canonical rip or rsp (set by sigreturn or clone)
		 * would fault in ring 0: kill the process as Linux does instead.
		 */
		if (!is_canonical(tf->rip) || !is_canonical(tf->rsp)) {
			arch_irq_enable();
			printk("pid %d (%s): return to non-canonical rip %lx / rsp %lx, "
			       "killed by SIGSEGV\n", t->pid, t->comm, tf->rip, tf->rsp);
			do_exit(SIGSEGV);
		}
		if (t->need_resched) {
			arch_irq_enable();
			schedule();
			arch_irq_disable();
			continue;
		}
		if (task_sigpending(t)) {
			arch_irq_enable();
			if (READ_ONCE(t->group_stop_pending) && !fatal_signal_pending(t))
				join_group_stop(t);
			handle_signals(tf);
			arch_irq_disable();
			if (t->need_resched)
				continue;
		}
		break;
	}
	/* Interrupted, but the signal has gone (taken by a wait): just restart. */
	syscall_restart(tf, NULL);
	touch_softlockup_watchdog();	/* back to user: the kernel episode ends */
}

/* ---- alarms (ITIMER_REAL), checked from the timer tick ---- */

void signal_timer_tick(void)
{
	uint64_t now = clock_ns();
	struct task *t;
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);

	/* Sent under the lock: on another CPU the process could be reaped otherwise. */
	for_each_task(t) {
		if (t->alarm_at_ns && t->alarm_at_ns <= now && process_alive(t)) {
			t->alarm_at_ns = t->alarm_interval_ns ? now + t->alarm_interval_ns : 0;
			send_signal(t, SIGALRM, NULL);
		}
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
}

/* ---- system calls ---- */

static long sys_rt_sigaction(long sig, const struct sigaction __user *act,
			     struct sigaction __user *oact, unsigned long sigsetsize)
{
	struct task *t = current();
	struct sigaction new, old;
	unsigned long irq;

	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	if (sig < 1 || sig > NR_SIGNALS)
		return -EINVAL;
	if (act && copy_from_user(&new, act, sizeof(new)))
		return -EFAULT;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	irq = spin_lock_irqsave(&sig_lock);
	old = sigaction_of(t, sig)->sa;
	if (act) {
		new.sa_mask &= ~UNBLOCKABLE;
		sigaction_of(t, sig)->sa = new;
		/* Setting a signal to be ignored discards pending instances, in every thread. */
		if (sig_ignored(t, sig)) {
			struct task *o;

			t->signal->shared_pending &= ~SIGBIT(sig);
			for_each_thread(t->signal, o)
				o->pending &= ~SIGBIT(sig);
		}
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	if (oact && copy_to_user(oact, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
SYSCALL(__NR_rt_sigaction, sys_rt_sigaction);

/*
 * Process-directed signals pending that @t has just blocked (@blocked):
 * wake another thread that can take them (Linux's retarget_shared_pending).
 * Also used when a thread exits.
 */
static void retarget_shared(struct task *t, sigset_t blocked)
{
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	sigset_t todo = t->signal->shared_pending & blocked;
	struct task *o;

	for_each_thread(t->signal, o) {
		sigset_t want;

		if (!todo)
			break;
		if (o == t || o->thread_exited || !o->mm)
			continue;
		want = todo & ~o->blocked;
		if (want) {
			todo &= ~want;
			signal_wake(o, false);
		}
	}
	spin_unlock_irqrestore(&sig_lock, irq);
}

/* Contract in task.h. */
void exit_signals(struct task *t)
{
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	struct signal_struct *ss = t->signal;
	struct task *leader = t->group_leader;
	bool last = false;

	/* A thread leaving a group stop it was asked to join: one fewer to wait for. */
	if (t->group_stop_pending) {
		t->group_stop_pending = false;
		if (ss->group_stop_count && --ss->group_stop_count == 0) {
			leader->wait_report = WAIT_REPORT_STOPPED;
			last = true;
		}
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	if (last)
		notify_cldstop(leader, false, CLD_STOPPED, leader->stop_sig);
	retarget_shared(t, ~0ul);
}

static long sys_rt_sigprocmask(long how, const sigset_t __user *set, sigset_t __user *oset,
			       unsigned long sigsetsize)
{
	struct task *t = current();
	sigset_t new, old = t->blocked;

	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	if (set) {
		if (copy_from_user(&new, set, sizeof(new)))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK:
			t->blocked |= new;
			break;
		case SIG_UNBLOCK:
			t->blocked &= ~new;
			break;
		case SIG_SETMASK:
			t->blocked = new;
			break;
		default:
			return -EINVAL;
		}
		t->blocked &= ~UNBLOCKABLE;
		if (t->blocked & ~old)
			retarget_shared(t, t->blocked & ~old);
	}
	if (oset && copy_to_user(oset, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
SYSCALL(__NR_rt_sigprocmask, sys_rt_sigprocmask);

static long sys_rt_sigpending(sigset_t __user *set, unsigned long sigsetsize)
{
	struct task *t = current();
	sigset_t p = (t->pending | READ_ONCE(t->signal->shared_pending)) & t->blocked;

	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	return copy_to_user(set, &p, sizeof(p)) ? -EFAULT : 0;
}
SYSCALL(__NR_rt_sigpending, sys_rt_sigpending);

static long sys_rt_sigreturn(void)
{
	struct task *t = current();
	struct trap_frame *tf = t->user_regs;
	struct rt_sigframe frame;
	uint8_t fx[FXSAVE_SIZE] __attribute__((aligned(16)));
	struct sigcontext *sc = &frame.uc.uc_mcontext;

	if (copy_from_user(&frame, (void *)(tf->rsp - 8), sizeof(frame)))
		goto bad;
	if (sc->fpstate) {
		if (copy_from_user(fx, sc->fpstate, sizeof(fx)))
			goto bad;
		*(uint32_t *)&fx[24] &= MXCSR_MASK;	/* reserved MXCSR bits would #GP */
		arch_fpu_restore(fx);
	}
	tf->r8 = sc->r8; tf->r9 = sc->r9; tf->r10 = sc->r10; tf->r11 = sc->r11;
	tf->r12 = sc->r12; tf->r13 = sc->r13; tf->r14 = sc->r14; tf->r15 = sc->r15;
	tf->rdi = sc->rdi; tf->rsi = sc->rsi; tf->rbp = sc->rbp; tf->rbx = sc->rbx;
	tf->rdx = sc->rdx; tf->rcx = sc->rcx; tf->rsp = sc->rsp; tf->rip = sc->rip;
	tf->rflags = (tf->rflags & ~RFLAGS_USER) | (sc->eflags & RFLAGS_USER) | RFLAGS_IF;
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	tf->error = (uint64_t)-1;	/* not a call to restart (Linux's orig_ax = -1) */
	t->blocked = frame.uc.uc_sigmask & ~UNBLOCKABLE;
	return sc->rax;			/* the dispatcher puts this back in rax */
bad:
	printk("pid %d (%s): bad rt_sigreturn frame, killed by SIGSEGV\n", t->pid, t->comm);
	do_exit(SIGSEGV);
}
SYSCALL(__NR_rt_sigreturn, sys_rt_sigreturn);

static long sys_kill(long pid, long sig)
{
	struct task *t;
	unsigned long irq;
	long ret = 0;

	if (sig < 0 || sig > NR_SIGNALS)
		return -EINVAL;
	if (pid == 0)
		return kill_many(in_pgrp, current()->pgid, sig);
	if (pid < -1)
		return kill_many(in_pgrp, -pid, sig);
	if (pid == -1)
		return kill_many(not_init_or_self, 0, sig);
	irq = spin_lock_irqsave(&tasklist_lock);
	t = task_find(pid);
	if (t && t->kthread)
		t = NULL;			/* a kernel thread */
	if (t)
		get_task_struct(t);
	spin_unlock_irqrestore(&tasklist_lock, irq);
	if (!t)
		return -ESRCH;
	if (!cred_may_signal(t, sig))
		ret = -EPERM;			/* kill(2): neither uid matches */
	else if (t->signal->nr_threads)	/* Linux: signalling a zombie succeeds */
		ret = send_user_signal(t, sig);	/* a thread's tid names its process */
	put_task_struct(t);
	return ret;
}
SYSCALL(__NR_kill, sys_kill);

/*
 * tgkill(tgid, tid, sig) and tkill(tid, sig): a signal for one thread. A
 * tgid of -1 (tkill) matches any process. A thread that has exited is
 * gone (ESRCH), even while its zombie leader waits for the others.
 */
static long thread_kill(long tgid, long tid, long sig)
{
	struct task *t;
	struct siginfo si;
	unsigned long irq;
	long ret = 0;

	if (sig < 0 || sig > NR_SIGNALS)
		return -EINVAL;
	irq = spin_lock_irqsave(&tasklist_lock);
	t = task_find(tid);
	if (t && (t->kthread || t->thread_exited || (tgid != -1 && t->tgid != tgid)))
		t = NULL;
	if (t)
		get_task_struct(t);
	spin_unlock_irqrestore(&tasklist_lock, irq);
	if (!t)
		return -ESRCH;
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_TKILL;
	si.si_pid = current()->tgid;
	si.si_uid = current()->cred.uid;
	if (!cred_may_signal(t, sig))
		ret = -EPERM;
	else if (sig)
		ret = send_signal_thread(t, sig, &si);
	put_task_struct(t);
	return ret;
}

static long sys_tgkill(long tgid, long tid, long sig)
{
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	return thread_kill(tgid, tid, sig);
}
SYSCALL(__NR_tgkill, sys_tgkill);

static long sys_tkill(long tid, long sig)
{
	if (tid <= 0)
		return -EINVAL;
	return thread_kill(-1, tid, sig);
}
SYSCALL(__NR_tkill, sys_tkill);

static long sys_sigaltstack(const stack_t __user *ss, stack_t __user *oss)
{
	struct task *t = current();
	stack_t old = t->altstack, new;

	old.ss_flags = !t->altstack.ss_size ? SS_DISABLE :
		       on_altstack(t, t->user_regs->rsp) ? SS_ONSTACK : 0;
	if (ss) {
		if (copy_from_user(&new, ss, sizeof(new)))
			return -EFAULT;
		if (on_altstack(t, t->user_regs->rsp))
			return -EPERM;
		if (new.ss_flags & ~(SS_DISABLE | SS_AUTODISARM))
			return -EINVAL;
		if (new.ss_flags & SS_DISABLE) {
			memset(&t->altstack, 0, sizeof(t->altstack));
		} else {
			if (new.ss_size < MINSIGSTKSZ)
				return -ENOMEM;
			t->altstack = new;
			t->altstack.ss_flags = 0;
		}
	}
	if (oss && copy_to_user(oss, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
SYSCALL(__NR_sigaltstack, sys_sigaltstack);

static long sys_rt_sigsuspend(const sigset_t __user *mask, unsigned long sigsetsize)
{
	struct task *t = current();
	sigset_t m;
	struct waitqueue never;

	waitqueue_init(&never);		/* on the stack: a run-time class (wait.h) */
	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	if (copy_from_user(&m, mask, sizeof(m)))
		return -EFAULT;
	t->saved_mask = t->blocked;
	t->restore_saved_mask = true;
	t->blocked = m & ~UNBLOCKABLE;
	wait_event_interruptible(&never, false);
	return -ERESTARTNOHAND;		/* EINTR after a handler; a stop resumes the wait */
}
SYSCALL(__NR_rt_sigsuspend, sys_rt_sigsuspend);

static long sys_pause(void)
{
	struct waitqueue never;

	waitqueue_init(&never);
	wait_event_interruptible(&never, false);
	return -ERESTARTNOHAND;
}
SYSCALL(__NR_pause, sys_pause);

static void ns_to_timeval(uint64_t ns, struct __kernel_old_timeval *tv)
{
	tv->tv_sec = ns / 1000000000ul;
	tv->tv_usec = (ns % 1000000000ul) / 1000;
}

static uint64_t timeval_to_ns(const struct __kernel_old_timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000ul + (uint64_t)tv->tv_usec * 1000;
}

static void get_itimer(struct task *t, struct __kernel_old_itimerval *v)
{
	uint64_t now = clock_ns();

	ns_to_timeval(t->alarm_interval_ns, &v->it_interval);
	ns_to_timeval(t->alarm_at_ns > now ? t->alarm_at_ns - now :
		      t->alarm_at_ns ? 1000 : 0, &v->it_value);
}

static long sys_setitimer(long which, const struct __kernel_old_itimerval __user *nv,
			  struct __kernel_old_itimerval __user *ov)
{
	struct task *t = current()->group_leader;	/* the timer is the process's */
	struct __kernel_old_itimerval v, old;

	if (which != ITIMER_REAL)
		return which == ITIMER_VIRTUAL || which == ITIMER_PROF ? -ENOSYS : -EINVAL;
	if (nv && copy_from_user(&v, nv, sizeof(v)))
		return -EFAULT;
	if (nv && (v.it_value.tv_usec < 0 || v.it_value.tv_usec >= 1000000 ||
		   v.it_interval.tv_usec < 0 || v.it_interval.tv_usec >= 1000000 ||
		   v.it_value.tv_sec < 0 || v.it_interval.tv_sec < 0))
		return -EINVAL;
	get_itimer(t, &old);
	if (nv) {
		uint64_t val = timeval_to_ns(&v.it_value);

		t->alarm_interval_ns = timeval_to_ns(&v.it_interval);
		t->alarm_at_ns = val ? clock_ns() + val : 0;
	}
	if (ov && copy_to_user(ov, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
SYSCALL(__NR_setitimer, sys_setitimer);

static long sys_getitimer(long which, struct __kernel_old_itimerval __user *ov)
{
	struct __kernel_old_itimerval v;

	if (which != ITIMER_REAL)
		return -EINVAL;
	get_itimer(current()->group_leader, &v);
	return copy_to_user(ov, &v, sizeof(v)) ? -EFAULT : 0;
}
SYSCALL(__NR_getitimer, sys_getitimer);

static long sys_alarm(unsigned long secs)
{
	struct task *t = current()->group_leader;	/* the timer is the process's */
	uint64_t now = clock_ns();
	long left = 0;

	if (t->alarm_at_ns > now)
		left = (t->alarm_at_ns - now + 500000000ul) / 1000000000ul;
	if (t->alarm_at_ns && !left)
		left = 1;
	t->alarm_interval_ns = 0;
	t->alarm_at_ns = secs ? now + secs * 1000000000ul : 0;
	return left;
}
SYSCALL(__NR_alarm, sys_alarm);
