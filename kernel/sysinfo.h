/*
 * sysinfo.h - sysinfo(2): the machine's memory, swap, uptime and number of
 * tasks in one struct (Linux's <linux/sysinfo.h> layout, kernel/uapi.h).
 *
 * The system call is kernel/sysinfo.c; it is also the pilot coursework lab
 * (docs/labs/01-syscall.md), whose in-kernel tests call do_sysinfo().
 */
#ifndef KERNEL_SYSINFO_H
#define KERNEL_SYSINFO_H

#include "kernel/uapi.h"

/*
 * Fill @info as sysinfo(2) reports it: memory and swap sizes in units of
 * info->mem_unit bytes, uptime in whole seconds rounded up, procs the
 * number of tasks (threads, kernel threads and zombies included). Returns
 * 0 or -errno. Takes tasklist_lock briefly; never sleeps.
 */
int do_sysinfo(struct sysinfo *info);

#endif
