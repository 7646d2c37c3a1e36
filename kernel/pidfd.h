/*
 * pidfd.h - file descriptors that name a process (pidfd_open(2)), for the
 * system calls that take one (pidfd_send_signal, process_mrelease).
 */
#ifndef KERNEL_PIDFD_H
#define KERNEL_PIDFD_H

#include "kernel/uapi.h"

/*
 * The pid of the process pidfd @fd names: 0, -EBADF (not a pidfd), or
 * -ESRCH (that process has been reaped; its pid may name another now).
 */
long pidfd_pid(long fd, pid_t *pid);
/* Wake pollers of pidfds: a process has exited (called by do_exit). */
void pidfd_notify_exit(void);

#endif
