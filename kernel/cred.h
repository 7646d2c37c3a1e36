/*
 * cred.h - who a task is: uid 0 for everyone, and capability sets
 * (kernel/cred.c).
 */
#ifndef KERNEL_CRED_H
#define KERNEL_CRED_H

#include "kernel/types.h"

struct task;

#define CAP_IPC_LOCK_BIT	14	/* <linux/capability.h> CAP_IPC_LOCK */

void cred_init_root(struct task *t);	/* every capability (init, exec) */
bool capable(int cap);			/* in current's effective set? */

#endif
