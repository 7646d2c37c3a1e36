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
 *   long arch_probe_cmpxchg32(uint32_t *p, uint32_t old, uint32_t new,
 *                             uint32_t *found)
 *
 * The copies move words with "rep movsq", then the last 0-7 bytes with
 * "rep movsb" (a byte at a time costs 8x as much, under TCG even more).
 * All return 0 or -EFAULT (14). Either may fault part-way; the bytes
 * already copied stay copied, as with Linux's copy_from_kernel_nofault().
 * arch_probe_cmpxchg32 is one "lock cmpxchg": *p becomes new if it held
 * old, and *found gets what *p held either way (the futex word operations
 * of kernel/futex.c; Linux's futex_atomic_cmpxchg_inatomic). It always
 * writes, so a read-only page faults even when the values differ.
 */
#define EFAULT 14

	.text
	.global arch_probe_read, arch_probe_write, arch_probe_cmpxchg32
arch_probe_read:
arch_probe_write:
	movq %rdx, %rcx
	shrq $3, %rcx		/* whole words first: 8 bytes a step */
1:	rep movsq
	movq %rdx, %rcx
	andq $7, %rcx		/* then the 0-7 bytes left */
5:	rep movsb
	xorl %eax, %eax
	ret
2:	movq $-EFAULT, %rax
	ret

/* rdi = p, esi = old, edx = new, rcx = found */
arch_probe_cmpxchg32:
	movl %esi, %eax
3:	lock cmpxchgl %edx, (%rdi)
	movl %eax, (%rcx)
	xorl %eax, %eax
	ret
4:	movq $-EFAULT, %rax
	ret

	.section .ex_table, "a"
	.quad 1b, 2b
	.quad 5b, 2b
	.quad 3b, 4b

	.section .note.GNU-stack, "", @progbits
