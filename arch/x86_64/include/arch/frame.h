/*
 * arch/frame.h - assembler macros that push and pop the general registers
 * of a struct trap_frame (arch/trap.h) in its order: rax first, r15 last,
 * so r15 ends up at the lowest address. Used by entry.S and switch.S.
 */
#ifndef ARCH_FRAME_H
#define ARCH_FRAME_H

#ifdef __ASSEMBLER__

.macro PUSH_REGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

/* Pop the registers and drop the vector and error code: ready for iretq. */
.macro POP_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
.endm

#endif /* __ASSEMBLER__ */
#endif
