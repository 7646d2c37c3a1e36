/*
 * arch/context.h - what the scheduler and the process code need from the
 * CPU: user segment selectors, the kernel-stack switch frame, FPU state,
 * the FS base and the syscall entry.
 *
 * A task that is switched out has this on its kernel stack (switch.S):
 *
 *   high  +-------------------+
 *         | return address    |  where switch_to() returns into the task
 *         | rbp rbx r12..r15  |  callee-saved registers
 *   low   +-------------------+  <- task->saved_rsp
 *
 * A new task's stack is built to look the same, returning into
 * task_entry_kthread or task_entry_user (switch.S).
 */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include "kernel/types.h"

/* GDT selectors with RPL 3 (see gdt.c for the table). */
#define USER_DS		0x23	/* 0x20 | 3 */
#define USER_CS		0x2b	/* 0x28 | 3 */
#define RFLAGS_IF	(1ul << 9)
#define RFLAGS_AC	(1ul << 18)

struct switch_frame {
	uint64_t r15, r14, r13, r12, rbx, rbp;
	uint64_t ret;
};

/* Save callee-saved registers on this stack, store rsp in *prev_rsp, load next_rsp. */
void switch_to(uint64_t *prev_rsp, uint64_t next_rsp);
/* Entry points for a new task's first switch_to (switch.S). */
void task_entry_kthread(void);	/* r12 = fn, r13 = arg */
void task_entry_user(void);	/* pops the struct trap_frame above it and iretq's */

/* The stack the CPU loads when it enters the kernel from user mode. */
void arch_set_kernel_stack(uint64_t top);
void arch_syscall_init(void);		/* STAR/LSTAR/FMASK, EFER.SCE; FPU on */
void arch_fpu_save(void *fxsave_area);	/* 512 bytes, 16-aligned */
void arch_fpu_restore(const void *fxsave_area);
void arch_fpu_init_state(void *fxsave_area);	/* a clean x87/SSE state */
void arch_set_fs_base(uint64_t base);

#endif
