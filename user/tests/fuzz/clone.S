/*
 * clone.S - the fuzzer's process-creation primitives that C cannot write
 * safely: children that share (or may share) the parent's stack must not
 * touch it, and a CLONE_VM child needs a stack of its own from the first
 * instruction. Declared in fuzz.h. Linux x86-64 ABI: clone is 56, vfork
 * 58, exit 60; arguments in rdi, rsi, rdx, r10, r8.
 */
	.text

/* long fz_clone_exit(flags, stack, ptid, ctid, tls): the child exits(0). */
	.globl	fz_clone_exit
	.type	fz_clone_exit, @function
fz_clone_exit:
	mov	%rcx, %r10		/* C's 4th argument is the kernel's r10 */
	mov	$56, %eax
	syscall
	test	%rax, %rax
	jnz	1f
	mov	$60, %eax		/* child: exit(0), no stack access */
	xor	%edi, %edi
	syscall
	hlt
1:	ret
	.size	fz_clone_exit, . - fz_clone_exit

/* long fz_clone_fn(flags, stack_top, fn, arg): the child runs fn(arg). */
	.globl	fz_clone_fn
	.type	fz_clone_fn, @function
fz_clone_fn:
	and	$-16, %rsi
	sub	$16, %rsi
	mov	%rdx, (%rsi)		/* fn and arg wait on the new stack */
	mov	%rcx, 8(%rsi)
	xor	%edx, %edx
	xor	%r10d, %r10d
	xor	%r8d, %r8d
	mov	$56, %eax
	syscall
	test	%rax, %rax
	jnz	1f
	pop	%rax			/* child, on its own stack */
	pop	%rdi
	xor	%ebp, %ebp
	call	*%rax
	mov	%eax, %edi
	mov	$60, %eax
	syscall
	hlt
1:	ret
	.size	fz_clone_fn, . - fz_clone_fn

/*
 * long fz_clone_thread(flags, stack_top, fn, arg, ctid, ptid): like
 * fz_clone_fn, with the kernel's CHILD_CLEARTID and PARENT_SETTID words.
 */
	.globl	fz_clone_thread
	.type	fz_clone_thread, @function
fz_clone_thread:
	and	$-16, %rsi
	sub	$16, %rsi
	mov	%rdx, (%rsi)		/* fn and arg wait on the new stack */
	mov	%rcx, 8(%rsi)
	mov	%r8, %r10		/* ctid */
	mov	%r9, %rdx		/* ptid */
	xor	%r8d, %r8d		/* no TLS: the thread never uses it */
	mov	$56, %eax
	syscall
	test	%rax, %rax
	jnz	1f
	pop	%rax			/* child, on its own stack */
	pop	%rdi
	xor	%ebp, %ebp
	call	*%rax
	mov	%eax, %edi
	mov	$60, %eax		/* exit: this thread only */
	syscall
	hlt
1:	ret
	.size	fz_clone_thread, . - fz_clone_thread

/* long fz_vfork_call(nr, a, b, c): the child makes one call and exits. */
	.globl	fz_vfork_call
	.type	fz_vfork_call, @function
fz_vfork_call:
	mov	%rdi, %r9		/* kept across the syscall (not rcx/r11) */
	mov	%rsi, %r8
	mov	%rcx, %r10
	mov	$58, %eax
	syscall
	test	%rax, %rax
	jnz	1f
	mov	%r9, %rax		/* child: nr(a, b, c) on the parent's */
	mov	%r8, %rdi		/* stack, which it never touches */
	mov	%rdx, %rsi
	mov	%r10, %rdx
	syscall
	mov	$60, %eax
	xor	%edi, %edi
	syscall
	hlt
1:	ret
	.size	fz_vfork_call, . - fz_vfork_call

	.section .note.GNU-stack, "", @progbits
