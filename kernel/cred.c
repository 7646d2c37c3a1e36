/*
 * cred.c - credentials: everyone is root (uid 0), holding every capability
 * unless it gives some up with capset(2).
 *
 * Capabilities matter where Linux lets root bypass a limit: CAP_IPC_LOCK
 * exempts mlock, MAP_LOCKED and memfd_secret from RLIMIT_MEMLOCK. A
 * process (like a test) that wants the limit enforced drops CAP_IPC_LOCK
 * from its effective set, exactly as on Linux. The sets are per task,
 * inherited by fork; execve of a root process restores the full set, as
 * Linux does for uid 0.
 *
 * capget/capset speak _LINUX_CAPABILITY_VERSION_3: two 32-bit halves.
 */
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/usercopy.h"
#include <linux/capability.h>

#define CAP_FULL	((1ull << (CAP_LAST_CAP + 1)) - 1)

void cred_init_root(struct task *t)
{
	t->cap_effective = t->cap_permitted = CAP_FULL;
	t->cap_inheritable = 0;
}

bool capable(int cap)
{
	return current()->cap_effective & (1ull << cap);
}

static long check_header(struct __user_cap_header_struct __user *uh, pid_t *pid)
{
	struct __user_cap_header_struct h;

	if (copy_from_user(&h, uh, sizeof(h)))
		return -EFAULT;
	if (h.version != _LINUX_CAPABILITY_VERSION_3 &&
	    h.version != _LINUX_CAPABILITY_VERSION_2) {
		h.version = _LINUX_CAPABILITY_VERSION_3;	/* tell the caller */
		return copy_to_user(uh, &h, sizeof(h)) ? -EFAULT : -EINVAL;
	}
	if (h.pid < 0)
		return -EINVAL;
	*pid = h.pid;
	return 0;
}

static long sys_capget(struct __user_cap_header_struct __user *uh,
		       struct __user_cap_data_struct __user *ud)
{
	struct __user_cap_data_struct d[2];
	struct task *t = current();
	unsigned long irq;
	pid_t pid;
	long err = check_header(uh, &pid);

	if (err)
		return err;
	irq = spin_lock_irqsave(&tasklist_lock);
	if (pid && pid != t->pid)
		t = task_find(pid);
	if (t) {
		d[0].effective = t->cap_effective, d[1].effective = t->cap_effective >> 32;
		d[0].permitted = t->cap_permitted, d[1].permitted = t->cap_permitted >> 32;
		d[0].inheritable = t->cap_inheritable;
		d[1].inheritable = t->cap_inheritable >> 32;
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
	if (!t)
		return -ESRCH;
	if (ud && copy_to_user(ud, d, sizeof(d)))
		return -EFAULT;
	return 0;
}
SYSCALL(__NR_capget, sys_capget);

static long sys_capset(struct __user_cap_header_struct __user *uh,
		       const struct __user_cap_data_struct __user *ud)
{
	struct __user_cap_data_struct d[2];
	struct task *t = current();
	uint64_t eff, perm, inh;
	pid_t pid;
	long err = check_header(uh, &pid);

	if (err)
		return err;
	if (pid && pid != t->pid)
		return -EPERM;			/* only one's own set */
	if (copy_from_user(d, ud, sizeof(d)))
		return -EFAULT;
	eff = d[0].effective | (uint64_t)d[1].effective << 32;
	perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	/* A set can shrink but not grow; effective within permitted. */
	if ((perm & ~t->cap_permitted) || (eff & ~perm) ||
	    (inh & ~(t->cap_inheritable | t->cap_permitted)))
		return -EPERM;
	t->cap_effective = eff & CAP_FULL;
	t->cap_permitted = perm & CAP_FULL;
	t->cap_inheritable = inh & CAP_FULL;
	return 0;
}
SYSCALL(__NR_capset, sys_capset);
