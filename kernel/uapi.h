/*
 * uapi.h - the Linux user ABI, taken from Debian's linux-libc-dev headers.
 *
 * System-call numbers, structure layouts (stat, statx, sigaction, siginfo,
 * ucontext, termios, rlimit, utsname, pollfd, epoll_event, timespec, ELF,
 * sysinfo) and flag values come from the UAPI headers, never from
 * hand-copied tables (DESIGN.md, "The user ABI"). Kernel code that speaks
 * to user space includes this one header. Types a UAPI header does not
 * name the way Pagoda needs are defined after the includes.
 */
#ifndef KERNEL_UAPI_H
#define KERNEL_UAPI_H

/* <asm/stat.h> names a field __unused, which kernel/compiler.h defines. */
#pragma push_macro("__unused")
#undef __unused
#include <asm/unistd_64.h>
#include <asm/stat.h>
#include <linux/stat.h>
#include <linux/fcntl.h>
#include <asm/signal.h>
#include <asm/siginfo.h>
#include <asm/sigcontext.h>
#include <asm/ucontext.h>
#include <linux/time_types.h>
#include <linux/time.h>
#include <linux/resource.h>
#include <linux/utsname.h>
#include <asm/termbits.h>
#include <asm/ioctls.h>
#include <linux/poll.h>
#include <linux/eventpoll.h>
#include <linux/mman.h>
#include <linux/memfd.h>
#include <linux/wait.h>
#include <linux/auxvec.h>
#include <linux/reboot.h>
#include <linux/futex.h>
#include <linux/random.h>
#include <asm/prctl.h>
#include <linux/elf.h>
#include <linux/signal.h>
#include <linux/sched.h>
#include <linux/limits.h>
#include <linux/ptrace.h>
#include <linux/sysinfo.h>
#pragma pop_macro("__unused")

/*
 * Numbers newer than Debian 12's headers (Linux 6.1), with the values of
 * Linux's arch/x86/entry/syscalls/syscall_64.tbl: the one place they are
 * defined (tools/gen-syscall-names.sh names them for the logs).
 */
#ifndef __NR_mseal
#define __NR_mseal	462	/* Linux 6.10 */
#endif

#include "kernel/types.h"

typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef unsigned int umode_t;
typedef int64_t loff_t;

/* getdents64 record (struct linux_dirent64 lives in the kernel's own
 * headers, not the UAPI ones; its layout is ABI). */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Directory entry types for d_type (as <dirent.h> DT_*). */
#define DT_UNKNOWN	0
#define DT_FIFO		1
#define DT_CHR		2
#define DT_DIR		4
#define DT_BLK		6
#define DT_REG		8
#define DT_LNK		10
#define DT_SOCK		12

/*
 * Kernel-internal "restart the call" codes never reach user space: a system
 * call interrupted by a signal returns one, and the signal code
 * (kernel/signal.c, handle_signals) turns it into a restart of the call or
 * into EINTR:
 *
 *   code              no handler runs      a handler runs
 *   ERESTARTSYS       restart              restart if SA_RESTART, else EINTR
 *   ERESTARTNOINTR    restart              restart
 *   ERESTARTNOHAND    restart              EINTR
 *   ERESTART_RESTARTBLOCK  restart_syscall  EINTR
 *
 * "No handler" covers a stop and continue, an ignored or suppressed signal.
 * restart_syscall(2) goes on with what the call left in the task's
 * restart block (a sleep's deadline: kernel/sys_misc.c).
 */
#define ERESTARTSYS	512
#define ERESTARTNOINTR	513
#define ERESTARTNOHAND	514
#define ERESTART_RESTARTBLOCK 516

#endif
