/*
 * exec.h - replacing a process image with a static ELF64 program.
 */
#ifndef KERNEL_EXEC_H
#define KERNEL_EXEC_H

#include "kernel/compiler.h"
#include "kernel/types.h"

struct trap_frame;
struct task;

/* execve from kernel code (starting init): kernel argv/envp arrays. */
long kernel_execve(const char *path, char *const argv[], char *const envp[]);
/* Leave for user mode through @tf (the task's user frame); never returns. */
__noreturn void enter_user_mode(struct trap_frame *tf);
void proc_exec_done(struct task *t);	/* proc.c: release a vfork parent */

#endif
