/*
 * ptrace.c - one process controlling another: ptrace(2), the subset a
 * debugger or strace needs, with Linux's rules (kernel/ptrace.c and
 * arch/x86/kernel/ptrace.c there).
 *
 * A tracee is attached by PTRACE_TRACEME (its parent becomes the tracer),
 * PTRACE_ATTACH (which also sends it SIGSTOP) or PTRACE_SEIZE (which does
 * not). From then on it stops, in TASK_TRACED, at these points, and the
 * tracer's wait4 reports each stop once as WIFSTOPPED with a status word:
 *
 *   stop                        where (kernel/)          status >> 8
 *   signal-delivery stop        signal.c ptrace_signal   the signal
 *   group stop (stop signal)    signal.c do_signal_stop  the signal (| PTRACE_EVENT_STOP << 8
 *                                                        when seized)
 *   syscall entry and exit      syscall.c                SIGTRAP, | 0x80 with TRACESYSGOOD
 *     (resumed by PTRACE_SYSCALL)
 *   exec event (TRACEEXEC)      exec.c                   SIGTRAP | PTRACE_EVENT_EXEC << 8
 *   exit event (TRACEEXIT)      proc.c do_exit           SIGTRAP | PTRACE_EVENT_EXIT << 8
 *
 * Without TRACEEXEC a successful execve sends the tracee SIGTRAP instead
 * (not to a seized one). While the tracee is stopped the tracer reads and
 * writes its memory (PEEK/POKE, through get_user_pages with GUP_FORCE, so
 * memfd_secret pages and PROT_NONE give EIO) and its registers
 * (GETREGS/SETREGS, PEEKUSER/POKEUSER on struct user), then resumes it
 * (CONT, SYSCALL, DETACH), optionally with a signal to deliver in place
 * of the one it stopped for. PTRACE_KILL sends SIGKILL.
 *
 * The tracee's stop fields (ptrace_stopped, ptrace_code) are under
 * sig_lock, its links (tracer, ptrace_node on the tracer's ptraced list)
 * under tasklist_lock. A tracee that is not the tracer's child is reported
 * to the tracer's wait4 like a child (kernel/proc.c), and when it exits the
 * tracer sees its exit first; then it goes back to its real parent. When
 * the tracer exits, its tracees are detached and run on (PTRACE_O_EXITKILL:
 * are killed).
 *
 * Not here (EIO, as Linux answers an unknown request, or EINVAL for an
 * option): SINGLESTEP, GETFPREGS, GETSIGINFO, INTERRUPT, LISTEN,
 * GET_SYSCALL_INFO, GETREGSET, and the fork/clone/vfork auto-attach
 * options.
 *
 * Threads: the tracer is a thread (the one that attached; for TRACEME the
 * one that forked the tracee), and only it may make requests, as in
 * Linux; but the wait4 of any thread of its process sees the tracee's
 * stops and exit (not with __WNOTHREAD), and when the tracer thread
 * exits its tracees are detached.
 */
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/sched.h"
#include "mm/kstack.h"
#include "mm/usercopy.h"
#include "mm/vm.h"
#include <arch/context.h>
#include <arch/trap.h>
#include <linux/ptrace.h>

#define PTRACE_GETREGS_		12	/* <asm/ptrace-abi.h> */
#define PTRACE_SETREGS_		13

/* The options Pagoda implements; the others are EINVAL. */
#define PTRACE_O_SUPPORTED	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | \
				 PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)

/*
 * struct user_regs_struct of <sys/user.h>: what GETREGS copies and the
 * first 216 bytes of struct user that PEEKUSER indexes. Its first 21
 * fields are pt_regs' (<asm/ptrace.h>), so orig_rax is at 120 as
 * <asm/ptrace-abi.h> says.
 */
struct user_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs, eflags, rsp, ss;
	uint64_t fs_base, gs_base, ds, es, fs, gs;
};
_Static_assert(sizeof(struct user_regs) == 216, "struct user_regs_struct");
_Static_assert(__builtin_offsetof(struct user_regs, orig_rax) == 120, "ORIG_RAX");

/*
 * The kernel's struct user (Linux's asm/user_64.h: <sys/user.h>'s, then
 * error_code and fault_address): its size and where u_debugreg[8] starts.
 */
#define USER_AREA_SIZE		928
#define USER_DEBUGREG_OFF	848

/* The RFLAGS bits a tracer may change: CF PF AF ZF SF DF OF AC (no TF: no single-step). */
#define RFLAGS_PTRACE		0x40cd5ul

/* ---- links and notifications ---- */

/* Contract in task.h. */
void notify_waiters(struct task *t)
{
	if (t->parent)
		wake_up(&t->parent->child_exit);
	/* wait4 sleeps on the queue of the waiter's group leader. */
	if (t->tracer && t->tracer->group_leader != t->parent)
		wake_up(&t->tracer->group_leader->child_exit);
}

/* Make @t a tracee of @tracer with @flags. tasklist_lock held. */
static void ptrace_link(struct task *t, struct task *tracer, unsigned int flags)
{
	t->tracer = tracer;
	t->ptrace_flags = PT_PTRACED | flags;
	list_add_tail(&t->ptrace_node, &tracer->ptraced);
}

/* Contract in task.h. */
void ptrace_unlink(struct task *t)
{
	list_del_init(&t->ptrace_node);
	t->tracer = NULL;
	t->ptrace_flags = 0;
}

/*
 * Let a stopped tracee go with @sig as the signal its stop hands on (0:
 * none; -1: the one it holds); one that is not stopped is left alone.
 */
static void ptrace_resume(struct task *t, int sig)
{
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	bool was = t->ptrace_stopped;

	if (was) {
		if (sig >= 0)
			t->ptrace_code = sig;	/* < 0: keep what the stop holds */
		t->ptrace_stopped = false;
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	if (was)
		wake_up_stopped(t);
}

/*
 * Contract in task.h. A zombie tracee whose exit only the tracer has seen
 * (or never saw) goes back to its real parent, or to init when it has
 * none (its parent ignores SIGCHLD): they reap it.
 */
void ptrace_return_zombie(struct task *t)
{
	struct task *parent = t->parent;

	if (!parent) {
		parent = task_init();
		t->parent = parent;
		t->parent_thread = parent;
		list_add_tail(&t->sibling, &parent->children);
		wake_up(&parent->child_exit);
		return;
	}
	exit_notify_locked(t);
}

/* Contract in task.h. */
void exit_ptrace(struct task *tracer)
{
	struct task *t, *n, *kill[64], *dead[64];
	unsigned int nkill = 0, ndead = 0;
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);

	list_for_each_entry_safe(t, n, &tracer->ptraced, ptrace_node) {
		bool exitkill = t->ptrace_flags & PTRACE_O_EXITKILL;

		if (t->state == TASK_ZOMBIE && t != t->group_leader && ndead == ARRAY_SIZE(dead))
			continue;		/* left for the tracer's wait4; cannot happen in practice */
		ptrace_unlink(t);
		if (t->state == TASK_ZOMBIE) {
			if (t != t->group_leader) {
				/* An exited thread only we waited for: released. */
				t->state = TASK_DEAD;
				list_del(&t->all_node);
				dead[ndead++] = t;
			} else if (t->parent != tracer->group_leader) {
				ptrace_return_zombie(t);
			}
			continue;
		}
		if (exitkill && nkill < ARRAY_SIZE(kill)) {
			get_task_struct(t);
			kill[nkill++] = t;
		}
		ptrace_resume(t, -1);	/* keeps the signal its stop holds */
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
	/* Held by reference: another CPU may reap them meanwhile. */
	for (unsigned int i = 0; i < nkill; i++) {
		send_signal(kill[i], SIGKILL, NULL);
		put_task_struct(kill[i]);
	}
	for (unsigned int i = 0; i < ndead; i++)
		task_free(dead[i]);
}

/* ---- stops the tracee makes ---- */

/* Contract in task.h. */
void ptrace_syscall_stop(void)
{
	struct task *t = current();
	int code = SIGTRAP | ((t->ptrace_flags & PTRACE_O_TRACESYSGOOD) ? 0x80 : 0);
	int sig = ptrace_stop(code, 0, 0);

	/* A signal the tracer resumed the call with is sent, as Linux does. */
	if (sig > 0 && sig <= NR_SIGNALS)
		send_signal_thread(t, sig, NULL);
}

/* Contract in task.h. */
void ptrace_exec_notify(pid_t old_tid)
{
	struct task *t = current();

	if (!(t->ptrace_flags & PT_PTRACED))
		return;
	if (t->ptrace_flags & PTRACE_O_TRACEEXEC)
		ptrace_stop(SIGTRAP, PTRACE_EVENT_EXEC, (unsigned long)old_tid);
	else if (!(t->ptrace_flags & PT_SEIZED))
		send_signal_thread(t, SIGTRAP, NULL);	/* the legacy post-exec SIGTRAP */
}

/* ---- registers ---- */

static void regs_get(struct task *t, struct user_regs *r)
{
	const struct trap_frame *tf = task_user_regs(t);

	memset(r, 0, sizeof(*r));
	r->r15 = tf->r15; r->r14 = tf->r14; r->r13 = tf->r13; r->r12 = tf->r12;
	r->rbp = tf->rbp; r->rbx = tf->rbx; r->r11 = tf->r11; r->r10 = tf->r10;
	r->r9 = tf->r9; r->r8 = tf->r8; r->rax = tf->rax; r->rcx = tf->rcx;
	r->rdx = tf->rdx; r->rsi = tf->rsi; r->rdi = tf->rdi;
	r->orig_rax = tf->vector == SYSCALL_VECTOR ? tf->error : (uint64_t)-1;
	r->rip = tf->rip; r->cs = tf->cs; r->eflags = tf->rflags; r->rsp = tf->rsp;
	r->ss = tf->ss;
	r->fs_base = t->fs_base;
}

/*
 * Write register @off (a byte offset in struct user_regs) of stopped @t:
 * 0, or -EIO for a value the CPU could not take (a segment other than the
 * user ones, a non-canonical base); RFLAGS keeps its system bits.
 */
static int reg_put(struct task *t, unsigned long off, uint64_t v)
{
	struct trap_frame *tf = task_user_regs(t);

	switch (off / 8) {
	case 0: tf->r15 = v; break;
	case 1: tf->r14 = v; break;
	case 2: tf->r13 = v; break;
	case 3: tf->r12 = v; break;
	case 4: tf->rbp = v; break;
	case 5: tf->rbx = v; break;
	case 6: tf->r11 = v; break;
	case 7: tf->r10 = v; break;
	case 8: tf->r9 = v; break;
	case 9: tf->r8 = v; break;
	case 10: tf->rax = v; break;
	case 11: tf->rcx = v; break;
	case 12: tf->rdx = v; break;
	case 13: tf->rsi = v; break;
	case 14: tf->rdi = v; break;
	case 15:			/* orig_rax: -1 skips the call at syscall entry */
		if (tf->vector == SYSCALL_VECTOR)
			tf->error = v;
		break;
	case 16: tf->rip = v; break;
	case 17:
		if (v != USER_CS)
			return -EIO;
		break;
	case 18:
		tf->rflags = (tf->rflags & ~RFLAGS_PTRACE) | (v & RFLAGS_PTRACE);
		break;
	case 19: tf->rsp = v; break;
	case 20:
		if (v != USER_DS)
			return -EIO;
		break;
	case 21:			/* fs_base: loaded when the tracee runs again */
		if (v >= USER_END)
			return -EIO;
		t->fs_base = v;
		break;
	default:			/* gs_base and the data segments: always 0 here */
		if (v)
			return -EIO;
		break;
	}
	return 0;
}

static long ptrace_getregs(struct task *t, void __user *data)
{
	struct user_regs r;

	regs_get(t, &r);
	return copy_to_user(data, &r, sizeof(r)) ? -EFAULT : 0;
}

/* Like Linux, the registers before a refused one stay written. */
static long ptrace_setregs(struct task *t, const void __user *data)
{
	uint64_t r[sizeof(struct user_regs) / 8];

	if (copy_from_user(r, data, sizeof(r)))
		return -EFAULT;
	for (unsigned int i = 0; i < ARRAY_SIZE(r); i++) {
		int err = reg_put(t, i * 8, r[i]);

		if (err)
			return err;
	}
	return 0;
}

/* PEEKUSER: a word of struct user; registers, and zeros elsewhere. */
static long ptrace_peekuser(struct task *t, unsigned long off, unsigned long __user *data)
{
	uint64_t v = 0;

	if ((off & 7) || off >= USER_AREA_SIZE)
		return -EIO;
	if (off < sizeof(struct user_regs)) {
		struct user_regs r;

		regs_get(t, &r);
		memcpy(&v, (char *)&r + off, 8);
	}
	return put_user(v, data) ? -EFAULT : 0;
}

/* POKEUSER: registers; debug registers only as 0 (no hardware breakpoints). */
static long ptrace_pokeuser(struct task *t, unsigned long off, uint64_t v)
{
	if ((off & 7) || off >= USER_AREA_SIZE)
		return -EIO;
	if (off < sizeof(struct user_regs))
		return reg_put(t, off, v);
	if (off >= USER_DEBUGREG_OFF && v)
		return -EIO;
	return 0;
}

/* ---- memory ---- */

/*
 * PEEKDATA/POKEDATA: one word, through get_user_pages with GUP_FORCE (a
 * debugger writes breakpoints into read-only text: a private copy). EIO
 * when the word cannot be had: unmapped, PROT_NONE, memfd_secret.
 */
static long ptrace_peekpoke(struct task *t, unsigned long addr, unsigned long data, bool poke)
{
	struct mm *mm = get_task_mm(t);
	uint64_t word = data;
	size_t done;

	if (!mm)
		return -EIO;
	done = access_remote_vm(mm, addr, &word, sizeof(word),
				GUP_FORCE | (poke ? GUP_WRITE : 0));
	mm_put(mm);
	if (done != sizeof(word))
		return -EIO;
	if (!poke && put_user(word, (unsigned long __user *)data))
		return -EFAULT;
	return 0;
}

/* ---- attaching ---- */

/* PTRACE_TRACEME: the thread that forked us becomes our tracer (Linux's real_parent). */
static long ptrace_traceme(void)
{
	struct task *me = current();
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	struct task *tracer = me->parent_thread ? me->parent_thread : me->parent;
	long ret = -EPERM;

	if (!(me->ptrace_flags & PT_PTRACED) && tracer && tracer->mm) {
		ptrace_link(me, tracer, 0);
		ret = 0;
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return ret;
}

/* PTRACE_ATTACH (@seize false) or PTRACE_SEIZE with @options. */
static long ptrace_attach(pid_t pid, bool seize, unsigned long addr, unsigned long options)
{
	struct task *me = current(), *t;
	unsigned long irq;
	long ret = 0;

	if (seize) {
		if (addr)
			return -EIO;
		if (options & ~(unsigned long)PTRACE_O_SUPPORTED)
			return -EINVAL;
	}
	irq = spin_lock_irqsave(&tasklist_lock);
	t = task_find(pid);
	if (!t || t->state == TASK_DEAD)
		ret = -ESRCH;
	else if (t == me || !t->mm || t->state == TASK_ZOMBIE)
		ret = -EPERM;		/* itself, a kernel thread, an exiting process */
	else if ((t->ptrace_flags & PT_PTRACED) || !ptrace_may_access(t, PTRACE_MODE_REALCREDS))
		ret = -EPERM;
	else
		ptrace_link(t, me, seize ? PT_SEIZED | (unsigned int)options : 0);
	spin_unlock_irqrestore(&tasklist_lock, irq);
	if (ret || seize)
		return ret;
	/* No sleep since the unlock: @t is our tracee, alive until we wait for it. */
	send_signal_thread(t, SIGSTOP, NULL);
	wake_up_stopped(t);		/* a job-control stop becomes our stop */
	return 0;
}

/*
 * The tracee @pid of current for a request: ESRCH unless it is traced by
 * current and (unless @any_state) sits in a ptrace stop, as Linux's
 * ptrace_check_attach. Returned with a reference (put_task_struct): the
 * wait4 of another thread of our process may reap it meanwhile.
 */
static struct task *ptrace_target(pid_t pid, bool any_state)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	struct task *t = task_find(pid);

	if (t && (t->tracer != current() || (!any_state && !READ_ONCE(t->ptrace_stopped))))
		t = NULL;
	if (t)
		get_task_struct(t);
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return t;
}

static bool valid_signal(unsigned long sig)
{
	return sig <= NR_SIGNALS;
}

static long ptrace_detach(struct task *t, unsigned long sig)
{
	unsigned long irq;

	if (!valid_signal(sig))
		return -EIO;
	irq = spin_lock_irqsave(&tasklist_lock);
	ptrace_unlink(t);
	spin_unlock_irqrestore(&tasklist_lock, irq);
	ptrace_resume(t, (int)sig);
	return 0;
}

/* A request on @t, our tracee, stopped (or, for KILL, in any state). */
static long ptrace_request(struct task *t, long request, unsigned long addr, unsigned long data)
{
	switch (request) {
	case PTRACE_PEEKTEXT:
	case PTRACE_PEEKDATA:
		return ptrace_peekpoke(t, addr, data, false);
	case PTRACE_POKETEXT:
	case PTRACE_POKEDATA:
		return ptrace_peekpoke(t, addr, data, true);
	case PTRACE_PEEKUSR:
		return ptrace_peekuser(t, addr, (unsigned long __user *)data);
	case PTRACE_POKEUSR:
		return ptrace_pokeuser(t, addr, data);
	case PTRACE_GETREGS_:
		return ptrace_getregs(t, (void __user *)data);
	case PTRACE_SETREGS_:
		return ptrace_setregs(t, (const void __user *)data);
	case PTRACE_CONT:
	case PTRACE_SYSCALL:
		if (!valid_signal(data))
			return -EIO;
		if (request == PTRACE_SYSCALL)
			t->ptrace_flags |= PT_SYSCALL;
		else
			t->ptrace_flags &= ~PT_SYSCALL;
		ptrace_resume(t, (int)data);
		return 0;
	case PTRACE_DETACH:
		return ptrace_detach(t, data);
	case PTRACE_KILL:
		if (t->state != TASK_ZOMBIE)
			send_signal(t, SIGKILL, NULL);
		return 0;
	case PTRACE_SETOPTIONS:
		if (data & ~(unsigned long)PTRACE_O_SUPPORTED)
			return -EINVAL;
		t->ptrace_flags = (t->ptrace_flags & ~(unsigned int)PTRACE_O_MASK) |
				  (unsigned int)data;
		return 0;
	case PTRACE_GETEVENTMSG:
		return put_user(t->ptrace_message, (unsigned long __user *)data) ? -EFAULT : 0;
	default:
		return -EIO;
	}
}

static long sys_ptrace(long request, long pid, unsigned long addr, unsigned long data)
{
	struct task *t;
	long ret;

	switch (request) {
	case PTRACE_TRACEME:
		return ptrace_traceme();
	case PTRACE_ATTACH:
	case PTRACE_SEIZE:
		return ptrace_attach(pid, request == PTRACE_SEIZE, addr, data);
	}
	t = ptrace_target(pid, request == PTRACE_KILL);
	if (!t)
		return -ESRCH;
	ret = ptrace_request(t, request, addr, data);
	put_task_struct(t);
	return ret;
}
SYSCALL(__NR_ptrace, sys_ptrace);
