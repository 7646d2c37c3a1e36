/*
 * syscall.h - registering system calls without a central table.
 *
 * A file that implements a system call registers it next to its code:
 *
 *     static long sys_getpid(void) { return current()->pid; }
 *     SYSCALL(__NR_getpid, sys_getpid);
 *
 * SYSCALL() drops a struct syscall_desc into the .syscalls linker section;
 * at boot syscall_init() builds the dispatch table indexed by the Linux
 * x86-64 numbers of <asm/unistd_64.h>. A number nobody registered returns
 * -ENOSYS and is logged once with its name.
 *
 * Arguments arrive as in the Linux x86-64 convention (rdi, rsi, rdx, r10,
 * r8, r9); an implementation declares only the ones it uses, with their real
 * types (a long-sized integer or a pointer each), and returns a value or
 * -errno.
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include "kernel/types.h"

typedef long (*syscall_fn_t)(unsigned long, unsigned long, unsigned long,
			     unsigned long, unsigned long, unsigned long);

struct syscall_desc {
	unsigned int nr;
	const char *name;
	syscall_fn_t fn;
};

#define SYSCALL(nr_, fn_)							\
	static const struct syscall_desc __syscall_##fn_			\
	__attribute__((used, section(".syscalls"), aligned(8))) = {		\
		.nr = (nr_), .name = #fn_,					\
		.fn = (syscall_fn_t)(void (*)(void))(fn_),			\
	}

#define NR_SYSCALLS	512

struct trap_frame;

void syscall_init(void);
/* Called from the syscall entry with the saved user registers. */
void syscall_dispatch(struct trap_frame *tf);
/* Name of a registered or known system call, for logs. */
const char *syscall_name(unsigned int nr);

#endif
