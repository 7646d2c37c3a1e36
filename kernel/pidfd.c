/*
 * pidfd.c - pidfd_open(2) and pidfd_send_signal(2): a file descriptor that
 * names one process for as long as the descriptor lives (Linux's
 * kernel/pid.c and kernel/signal.c).
 *
 * A pid alone is ambiguous: once its process is reaped the number can be
 * handed to a new one (pids wrap at PID_MAX). A pidfd remembers the pid
 * and the process's start time, and answers ESRCH once that process is
 * gone, whatever now has the number. It polls readable when the process
 * has exited (a zombie or reaped), as Linux's does; the fd is always
 * close-on-exec. process_mrelease (mm/oom_kill.c) takes one too.
 */
#include "kernel/pidfd.h"
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/poll.h"
#include "kernel/fs/vfs.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/uapi.h"
#include "mm/slab.h"
#include "mm/usercopy.h"

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK	O_NONBLOCK
#endif

/* What a pidfd holds (file->private_data); immutable after pidfd_open. */
struct pidfd {
	pid_t pid;
	uint64_t start_ns;		/* the process's start time: tells reuse apart */
};

/* Every pidfd poller waits here; any exit wakes them all (exits are rare). */
static struct waitqueue pidfd_exit_wq = WAITQUEUE_INIT(pidfd_exit_wq);

static const struct file_operations pidfd_fops;

/* The task @p names, or NULL once it has been reaped. tasklist_lock held. */
static struct task *pidfd_task_locked(const struct pidfd *p)
{
	struct task *t = task_find(p->pid);

	return t && t->start_ns == p->start_ns ? t : NULL;
}

long pidfd_pid(long fd, pid_t *pid)
{
	struct file *f = fd >= 0 && fd <= INT32_MAX ? fget((int)fd) : NULL;
	struct task *t;
	unsigned long irq;

	if (!f)
		return -EBADF;
	if (f->fop != &pidfd_fops) {
		fput(f);
		return -EBADF;
	}
	irq = spin_lock_irqsave(&tasklist_lock);
	t = pidfd_task_locked(f->private_data);
	*pid = t ? t->pid : 0;
	spin_unlock_irqrestore(&tasklist_lock, irq);
	fput(f);
	return t ? 0 : -ESRCH;
}

void pidfd_notify_exit(void)
{
	wake_up(&pidfd_exit_wq);
}

static unsigned int pidfd_poll(struct file *f, struct poll_table *pt)
{
	unsigned long irq;
	struct task *t;
	bool exited;

	poll_wait(f, &pidfd_exit_wq, pt);
	irq = spin_lock_irqsave(&tasklist_lock);
	t = pidfd_task_locked(f->private_data);
	exited = !t || t->state == TASK_ZOMBIE || t->state == TASK_DEAD;
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return exited ? POLLIN | POLLRDNORM : 0;
}

static void pidfd_release(struct file *f)
{
	kfree(f->private_data);
}

static const struct file_operations pidfd_fops = {
	.poll = pidfd_poll,
	.release = pidfd_release,
};

/*
 * pidfd_open(pid, flags): flags 0 or PIDFD_NONBLOCK; EINVAL for others or
 * pid <= 0, ESRCH for no such process (a zombie still has one).
 */
static long sys_pidfd_open(long pid, unsigned long flags)
{
	struct pidfd *p;
	struct task *t;
	struct file *f;
	unsigned long irq;
	int fd;

	if ((flags & ~(unsigned long)PIDFD_NONBLOCK) || pid <= 0 || pid > INT32_MAX)
		return -EINVAL;
	p = kmalloc(sizeof(*p), 0);
	if (!p)
		return -ENOMEM;
	irq = spin_lock_irqsave(&tasklist_lock);
	t = task_find((pid_t)pid);
	if (t && !t->mm && t->state != TASK_ZOMBIE)
		t = NULL;			/* a kernel thread */
	if (t) {
		p->pid = t->pid;
		p->start_ns = t->start_ns;
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
	if (!t) {
		kfree(p);
		return -ESRCH;
	}
	f = file_alloc(&pidfd_fops, O_RDWR | (flags & PIDFD_NONBLOCK));
	if (IS_ERR(f)) {
		kfree(p);
		return PTR_ERR(f);
	}
	f->private_data = p;
	fd = fd_install(f, 0, /* cloexec= */true);
	if (fd < 0)
		fput(f);
	return fd;
}
SYSCALL(__NR_pidfd_open, sys_pidfd_open);

/*
 * pidfd_send_signal(pidfd, sig, info, flags): kill(2) through a pidfd.
 * flags must be 0. A caller-made siginfo must name @sig and, sent to
 * another process, carry a negative si_code (it may not pose as the
 * kernel or as kill), as Linux requires.
 */
static long sys_pidfd_send_signal(long pidfd, long sig, const struct siginfo __user *uinfo,
				  unsigned long flags)
{
	struct siginfo si;
	struct task *t;
	unsigned long irq;
	pid_t pid;
	long err, ret = 0;

	if (flags)
		return -EINVAL;
	if (sig < 0 || sig > NR_SIGNALS)
		return -EINVAL;
	err = pidfd_pid(pidfd, &pid);
	if (err)
		return err;
	memset(&si, 0, sizeof(si));
	if (uinfo) {
		if (copy_from_user(&si, uinfo, sizeof(si)))
			return -EFAULT;
		if (si.si_signo != sig)
			return -EINVAL;
	} else {
		si.si_signo = (int)sig;
		si.si_code = SI_USER;
		si.si_pid = current()->pid;
		si.si_uid = current()->cred.uid;
	}
	irq = spin_lock_irqsave(&tasklist_lock);
	t = task_find(pid);
	if (t)
		get_task_struct(t);	/* another CPU may reap it meanwhile */
	spin_unlock_irqrestore(&tasklist_lock, irq);
	if (!t)
		return -ESRCH;
	if (uinfo && t != current() && (si.si_code >= 0 || si.si_code == SI_TKILL))
		ret = -EPERM;
	else if (!cred_may_signal(t, (int)sig))
		ret = -EPERM;
	else if (sig && t->signal->nr_threads)
		ret = send_signal(t, (int)sig, &si);
	put_task_struct(t);
	return ret;
}
SYSCALL(__NR_pidfd_send_signal, sys_pidfd_send_signal);
