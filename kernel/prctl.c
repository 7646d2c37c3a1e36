/*
 * prctl.c - prctl(2): the process attributes Linux sets through one call.
 *
 * Supported options, with Linux's argument checks and errors:
 *   PR_SET_NAME / PR_GET_NAME          the 16-byte comm (/proc/<pid>/stat, status)
 *   PR_SET_PDEATHSIG / PR_GET_PDEATHSIG signal sent when the parent exits
 *                                      (kernel/proc.c; cleared by fork)
 *   PR_SET_DUMPABLE / PR_GET_DUMPABLE  0 or 1 (kept per task here, per mm on Linux)
 *   PR_SET_KEEPCAPS / PR_GET_KEEPCAPS  keep capabilities over a drop of every root uid
 *   PR_SET_NO_NEW_PRIVS / PR_GET_NO_NEW_PRIVS  sticky flag, inherited
 *   PR_CAPBSET_READ / PR_CAPBSET_DROP  the capability bounding set
 * Every other option returns EINVAL, as Linux does for an unknown one.
 * The credential parts live in struct cred (kernel/cred.c).
 */
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/usercopy.h"
#include <linux/capability.h>
#include <linux/prctl.h>

#define DUMPABLE_MAX	1	/* SUID_DUMP_USER; 2 (root) is not settable by prctl */

static long prctl_set_name(const char __user *uname)
{
	char comm[TASK_COMM_LEN];

	memset(comm, 0, sizeof(comm));
	/* Longer names are cut to 15 bytes (-ENAMETOOLONG just says so). */
	if (strncpy_from_user(comm, uname, sizeof(comm) - 1) == -EFAULT)
		return -EFAULT;
	comm[sizeof(comm) - 1] = '\0';
	memcpy(current()->comm, comm, sizeof(comm));
	return 0;
}

static long prctl_get_name(char __user *uname)
{
	char comm[TASK_COMM_LEN];

	memcpy(comm, current()->comm, sizeof(comm));
	comm[TASK_COMM_LEN - 1] = '\0';
	return copy_to_user(uname, comm, sizeof(comm)) ? -EFAULT : 0;
}

/* The capability options: keep-caps, no-new-privs, bounding set. */
static long prctl_cred(int option, unsigned long a2, unsigned long a3, unsigned long a4,
		       unsigned long a5)
{
	struct cred *c = &current()->cred;

	switch (option) {
	case PR_GET_KEEPCAPS:
		return c->keep_caps;
	case PR_SET_KEEPCAPS:
		if (a2 > 1 || a3 || a4 || a5)
			return -EINVAL;
		c->keep_caps = a2;
		return 0;
	case PR_SET_NO_NEW_PRIVS:
		if (a2 != 1 || a3 || a4 || a5)
			return -EINVAL;
		c->no_new_privs = true;		/* cannot be unset */
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (a2 || a3 || a4 || a5)
			return -EINVAL;
		return c->no_new_privs;
	case PR_CAPBSET_READ:
		if (a2 > CAP_LAST_CAP)
			return -EINVAL;
		return !!(c->cap_bset & (1ull << a2));
	case PR_CAPBSET_DROP:
		if (!capable(CAP_SETPCAP))
			return -EPERM;
		if (a2 > CAP_LAST_CAP)
			return -EINVAL;
		c->cap_bset &= ~(1ull << a2);
		return 0;
	}
	return -EINVAL;
}

static long sys_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4,
		      unsigned long a5)
{
	struct task *t = current();

	switch (option) {
	case PR_SET_NAME:
		return prctl_set_name((const char __user *)a2);
	case PR_GET_NAME:
		return prctl_get_name((char __user *)a2);
	case PR_SET_PDEATHSIG:
		if (a2 > NR_SIGNALS)
			return -EINVAL;
		t->pdeathsig = a2;
		return 0;
	case PR_GET_PDEATHSIG:
		return put_user(t->pdeathsig, (int __user *)a2) ? -EFAULT : 0;
	case PR_GET_DUMPABLE:
		return t->dumpable;
	case PR_SET_DUMPABLE:
		if (a2 > DUMPABLE_MAX)
			return -EINVAL;
		t->dumpable = a2;
		return 0;
	}
	return prctl_cred(option, a2, a3, a4, a5);
}
SYSCALL(__NR_prctl, sys_prctl);
