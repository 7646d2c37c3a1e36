/*
 * entry.S - the 256 interrupt stubs and the common trap path.
 *
 * Each stub is 16-byte aligned, so the stub for vector v sits at
 * trap_vectors + 16*v (trap.c fills the IDT from that rule). A stub pushes a
 * zero error code when the CPU does not push one, pushes its vector number
 * and jumps to trap_common, which saves the registers as a struct trap_frame
 * (arch/trap.h) and calls trap_dispatch(frame). Returns to user mode go
 * through return_to_user (switch.S) so signals and rescheduling happen there.
 */
#include <arch/frame.h>

	.text
	.align 16
	.global trap_vectors
trap_vectors:
	.set v, 0
	.rept 256
	.align 16
	/* Vectors with a CPU error code: 8, 10-14, 17, 21, 29, 30. */
	.if (v == 8) || ((v >= 10) && (v <= 14)) || (v == 17) || (v == 21) || (v == 29) || (v == 30)
	.else
	pushq $0
	.endif
	pushq $v
	jmp trap_common
	.set v, v + 1
	.endr

trap_common:
	PUSH_REGS
	/* From user mode (CPL 3 in the saved CS): switch to the kernel GS base. */
	testb $3, 18*8(%rsp)
	jz 1f
	swapgs
1:	cld
	movq %rsp, %rdi
	call trap_dispatch
	testb $3, 18*8(%rsp)
	jnz return_to_user		/* switch.S: signals, resched, swapgs, iretq */
	POP_REGS			/* and the vector and error code */
	iretq

	.section .note.GNU-stack, "", @progbits
