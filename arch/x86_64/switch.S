/*
 * switch.S - context switch, the syscall entry and the way back to user mode.
 *
 * switch_to(&prev->saved_rsp, next->saved_rsp) pushes the callee-saved
 * registers, swaps stacks and pops the next task's; the caller-saved ones
 * are already saved by the C compiler around the call (arch/context.h).
 *
 * syscall entry (Linux x86-64 convention): the CPU has put the user rip in
 * rcx and rflags in r11, masked IF (IA32_FMASK) and loaded the kernel CS/SS,
 * but left rsp pointing at the user stack. We swapgs to reach struct cpu,
 * park the user rsp, load the task's kernel stack top and build the same
 * struct trap_frame an interrupt builds (arch/trap.h), with vector = 0x100
 * to mark "syscall". The way out is always iretq through syscall_return,
 * which also serves new user tasks (task_entry_user) and signal returns.
 *
 * struct cpu offsets used here are checked by _Static_assert in gdt.c.
 */
#define CPU_USER_RSP	192
#define CPU_KERNEL_RSP	200
#define USER_DS		0x23
#define USER_CS		0x2b
#define SYSCALL_VECTOR	0x100

#include <arch/frame.h>

	.text
	.global switch_to
switch_to:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	/* First run of a kernel thread: finish the switch, then fn(arg). */
	.global task_entry_kthread
task_entry_kthread:
	call sched_finish_switch
	sti
	movq %r13, %rdi
	call *%r12
	movq %rax, %rdi
	call kthread_exit		/* does not return */
	ud2

	/* First run of a forked or exec'd user task: a trap_frame is above us. */
	.global task_entry_user
task_entry_user:
	call sched_finish_switch
	jmp return_to_user

	/* enter_user_mode(tf): start user mode from a kernel thread (init). */
	.global enter_user_mode
enter_user_mode:
	movq %rdi, %rsp
	jmp return_to_user

	.global syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:CPU_USER_RSP
	movq %gs:CPU_KERNEL_RSP, %rsp
	pushq $USER_DS			/* ss */
	pushq %gs:CPU_USER_RSP		/* rsp */
	pushq %r11			/* rflags */
	pushq $USER_CS			/* cs */
	pushq %rcx			/* rip */
	pushq $0			/* error */
	pushq $SYSCALL_VECTOR		/* vector */
	PUSH_REGS
	cld
	sti
	movq %rsp, %rdi
	call syscall_dispatch
	/* fall through */

	/*
	 * rsp points at a user trap_frame: deliver signals / reschedule, then
	 * restore it and go back to ring 3.
	 */
	.global return_to_user
return_to_user:
	cli
	movq %rsp, %rdi
	call exit_to_user		/* may sti, schedule and cli again */
	POP_REGS			/* and the vector and error code */
	swapgs
	iretq

	.section .note.GNU-stack, "", @progbits
