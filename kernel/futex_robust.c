/*
 * futex_robust.c - robust futex lists: set_robust_list(2),
 * get_robust_list(2), and the walk that marks the locks an exiting thread
 * still holds FUTEX_OWNER_DIED, with Linux's semantics (kernel/futex/core.c
 * there, exit_robust_list and handle_futex_death).
 *
 * A robust lock (pthread_mutexattr_setrobust) is a futex word holding its
 * owner's thread id. A thread that dies holding one would leave it locked
 * for ever, so each thread keeps the locks it holds on a list in its own
 * memory and tells the kernel where the list starts; the kernel keeps only
 * that pointer and reads the list once, when the thread exits (or
 * execs). Every lock on the list embeds a struct robust_list, and its
 * futex word lies futex_offset bytes from it:
 *
 *   struct robust_list_head            a held lock (e.g. a pthread_mutex_t)
 *   +-----------------+               +--------------------+
 *   | list.next       |-------------->| next               |--> ... --+
 *   | futex_offset    |--+            |  ...               |          |
 *   | list_op_pending |  +----------->| futex word: owner  |          |
 *   +-----------------+               |  tid, WAITERS bit  |          |
 *         ^                           +--------------------+          |
 *         +-----------------------------------------------------------+
 *
 * list_op_pending names a lock being taken or released right now (the
 * thread may die between changing the word and changing the list): it is
 * looked at last, and not as a list entry too. Bit 0 of each pointer flags
 * a priority-inheritance lock.
 *
 * For each lock whose word names the exiting thread, the word becomes
 * FUTEX_OWNER_DIED with the FUTEX_WAITERS bit kept, in one cmpxchg (the
 * other threads change the word concurrently), and if there were waiters
 * one of them is woken, through the shared key (futex_wake_user()), as
 * Linux does: C libraries wait on robust locks with shared futex ops for
 * that reason (glibc always; musl for process-shared locks, and it
 * releases a thread's private robust locks itself in pthread_exit). A
 * waiter that used FUTEX_PRIVATE_FLAG has a different key and is not
 * woken, in Linux as here. The next lock sees FUTEX_OWNER_DIED on its
 * next attempt: pthread_mutex_lock returns EOWNERDEAD.
 *
 * The list is user memory and may be anything: each read goes through the
 * faulting-safe copies, and any fault (or a misaligned word) ends the walk
 * in silence; a cyclic list is cut off after ROBUST_LIST_LIMIT entries.
 *
 * Not as Linux: priority-inheritance entries are skipped. Pagoda has no
 * PI futex operations (futex.c: ENOSYS), so no PI word can have waiters
 * the kernel knows of; Linux marks such words FUTEX_OWNER_DIED too and
 * hands their waiters on through its PI state.
 *
 * Called from: do_exit (kernel/proc.c, before the CLONE_CHILD_CLEARTID
 * word is cleared, as Linux's mm_release orders it) and execve
 * (kernel/exec.c, in the old address space).
 */
#include "kernel/futex.h"
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/spinlock.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/uapi.h"
#include "mm/usercopy.h"

_Static_assert(sizeof(struct robust_list_head) == 24, "the x86-64 robust_list_head");

/* Bit 0 of a list pointer: the lock is a priority-inheritance futex. */
#define ROBUST_PI	1ul

/* Is the lock being handled a list entry, or the head's list_op_pending? */
enum robust_which { ROBUST_LISTED, ROBUST_PENDING };

/*
 * Read the list pointer at @uptr: *@entry gets it with bit 0 cleared,
 * *@pi that bit. 0 or -EFAULT.
 */
static int robust_fetch(struct robust_list __user * __user *uptr,
			struct robust_list __user **entry, bool *pi)
{
	unsigned long v;

	if (get_user(v, (unsigned long __user *)uptr))
		return -EFAULT;
	*entry = (struct robust_list __user *)(v & ~ROBUST_PI);
	*pi = v & ROBUST_PI;
	return 0;
}

/* The futex word of list entry @entry: @offset bytes away (may be negative; wraps). */
static uint32_t __user *robust_word(struct robust_list __user *entry, long offset)
{
	return (uint32_t __user *)((vaddr_t)entry + (unsigned long)offset);
}

/*
 * The (non-PI) lock with its word at @uaddr was on the list of @t, which
 * is exiting: if the word still names @t as owner, mark the owner dead and
 * wake one waiter. A pending lock whose word is 0 was being taken or had
 * just been released, and a waiter may have been woken to take it and
 * now find nobody: wake one (Linux). 0 to go on with the walk; -EINVAL
 * (misaligned) or -EFAULT to end it. May sleep.
 */
static int robust_owner_died(struct task *t, uint32_t __user *uaddr, enum robust_which which)
{
	uint32_t old, seen;

	if (!IS_ALIGNED((vaddr_t)uaddr, sizeof(uint32_t)))
		return -EINVAL;
	if (get_user(old, uaddr))
		return -EFAULT;
	for (;;) {
		if (which == ROBUST_PENDING && old == 0) {
			futex_wake_user(t->mm, uaddr, 1);
			return 0;
		}
		if ((old & FUTEX_TID_MASK) != (uint32_t)t->pid)
			return 0;		/* not ours (any more) */
		seen = old;
		if (cmpxchg_user_u32(uaddr, &seen, (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED))
			return -EFAULT;
		if (seen == old)
			break;
		/* A waiter set FUTEX_WAITERS meanwhile, say: judge the new value. */
		old = seen;
	}
	if (old & FUTEX_WAITERS)
		futex_wake_user(t->mm, uaddr, 1);
	return 0;
}

/* Contract in kernel/futex.h. */
void futex_exit_robust_list(struct task *t)
{
	struct robust_list_head __user *head = t->robust_list;
	struct robust_list __user *entry, *next, *pending;
	bool pi, next_pi, pending_pi;
	unsigned int limit = ROBUST_LIST_LIMIT;
	long offset;
	int next_err;

	t->robust_list = NULL;			/* walked once */
	if (!head || !t->mm)
		return;
	if (robust_fetch(&head->list.next, &entry, &pi) ||
	    get_user(offset, &head->futex_offset) ||
	    robust_fetch(&head->list_op_pending, &pending, &pending_pi))
		return;
	while (entry != &head->list) {
		/*
		 * Read the next link before this lock is released: from then
		 * on another thread may take it and reuse its memory.
		 */
		next_err = robust_fetch(&entry->next, &next, &next_pi);
		if (entry != pending && !pi &&
		    robust_owner_died(t, robust_word(entry, offset), ROBUST_LISTED))
			return;
		if (next_err)
			return;
		entry = next;
		pi = next_pi;
		if (!--limit)
			break;			/* a cycle, or a list too long to be real */
		cond_resched();
	}
	if (pending && !pending_pi)
		robust_owner_died(t, robust_word(pending, offset), ROBUST_PENDING);
}

/* ---- the system calls ---- */

/* Record the head of the caller's robust-futex list (glibc and musl set it per thread). */
static long sys_set_robust_list(struct robust_list_head __user *head, size_t len)
{
	if (len != sizeof(*head))		/* the kernel knows one size */
		return -EINVAL;
	current()->robust_list = head;
	return 0;
}
SYSCALL(__NR_set_robust_list, sys_set_robust_list);

/*
 * The robust-list head of task @pid (0: the caller) and its size. Another
 * task's only if current may look into it as a debugger could (Linux's
 * ptrace_may_access with PTRACE_MODE_READ_REALCREDS), else EPERM.
 */
static long sys_get_robust_list(long pid, struct robust_list_head __user * __user *head_ptr,
				size_t __user *len_ptr)
{
	struct robust_list_head __user *head = NULL;
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	struct task *t = (int)pid ? task_find((int)pid) : current();
	long ret = 0;

	if (!t || t->state == TASK_DEAD)
		ret = -ESRCH;
	else if (!ptrace_may_access(t, PTRACE_MODE_REALCREDS))
		ret = -EPERM;
	else
		head = t->robust_list;
	spin_unlock_irqrestore(&tasklist_lock, irq);
	if (ret)
		return ret;
	if (put_user(sizeof(*head), len_ptr))
		return -EFAULT;
	return put_user(head, head_ptr) ? -EFAULT : 0;
}
SYSCALL(__NR_get_robust_list, sys_get_robust_list);
