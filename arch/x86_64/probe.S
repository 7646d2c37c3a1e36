/*
 * probe.S - kernel memory access that may fault, with exception fixups.
 *
 * Each instruction that may fault is listed in the .ex_table section as a
 * pair (faulting rip, resume rip). When a kernel-mode page fault or general
 * protection fault hits a listed rip, trap.c sets rip to the resume address
 * instead of panicking, and the function returns -EFAULT.
 *
 *   long arch_probe_read(void *dst, const void *src, size_t n)
 *   long arch_probe_write(void *dst, const void *src, size_t n)
 *
 * Both return 0 or -EFAULT (14). "rep movsb" may fault part-way; the bytes
 * already copied stay copied, as with Linux's copy_from_kernel_nofault().
 */
#define EFAULT 14

	.text
	.global arch_probe_read, arch_probe_write
arch_probe_read:
arch_probe_write:
	movq %rdx, %rcx
1:	rep movsb
	xorl %eax, %eax
	ret
2:	movq $-EFAULT, %rax
	ret

	.section .ex_table, "a"
	.quad 1b, 2b

	.section .note.GNU-stack, "", @progbits
