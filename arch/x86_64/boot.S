/*
 * boot.S - multiboot2 header and the 32-bit -> 64-bit trampoline.
 *
 * GRUB enters _start in 32-bit protected mode, paging off, with
 *   eax = 0x36d76289 (multiboot2 magic), ebx = physical address of the boot
 *   information (MBI).
 * We keep both in edi/esi (the first two SysV argument registers, which no
 * instruction below touches), switch to long mode on static boot page tables,
 * jump to the higher half and call kmain(magic, mbi).
 *
 * Boot page tables (all in .boot.data, linked at their physical address):
 *
 *   boot_pml4[0]   -> boot_pdpt_low   identity map 0..4 GiB (2 MiB pages),
 *   boot_pml4[273] -> boot_pdpt_low   same frames at DIRECT_MAP_BASE
 *                                     (0xffff888000000000) for early C code
 *   boot_pml4[511] -> boot_pdpt_high  [510] -> boot_pd_kernel: 1 GiB at
 *                                     0xffffffff80000000 -> phys 0x200000
 *
 * These tables live only until paging_init() builds the real ones.
 * The identity map exists solely for the instruction after "mov cr0".
 */
#define MB2_MAGIC	0xe85250d6
#define MB2_ARCH_I386	0
#define PTE_P_W		0x003		/* present | writable */
#define PDE_LARGE	0x083		/* present | writable | 2 MiB page */
#define CR0_PE_PG	0x80000001
#define CR4_PAE		0x20
#define MSR_EFER	0xc0000080
#define EFER_LME	0x100
#define KERNEL_VIRT	0xffffffff80000000
#define KERNEL_PHYS	0x200000
#define COM1		0x3f8

	.section .multiboot2, "a"
	.align 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* Framebuffer request (type 5, optional): 1024x768x32 if GRUB can. */
	.align 8
	.short 5, 1
	.long 20
	.long 1024, 768, 32
	/* Page-align modules (type 6) so the initramfs can be mapped in place. */
	.align 8
	.short 6, 0
	.long 8
	/* End tag. */
	.align 8
	.short 0, 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.global _start
_start:
	cli
	cld
	movl %eax, %edi			/* magic: kept until kmain */
	movl %ebx, %esi			/* MBI physical address */
	movl $boot_stack32_top, %esp

	/* Long mode needs CPUID leaf 0x80000001 EDX bit 29. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode

	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $CR0_PE_PG, %eax
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $long_mode_entry

no_long_mode:
	movl $no_lm_msg, %ebx
1:	movb (%ebx), %al
	testb %al, %al
	jz 2f
	movw $COM1, %dx
	outb %al, %dx
	incl %ebx
	jmp 1b
2:	hlt
	jmp 2b

	.code64
long_mode_entry:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $higher_half_entry, %rax
	jmp *%rax

no_lm_msg:
	.asciz "Pagoda: this CPU has no 64-bit long mode; halting.\r\n"

	.section .boot.data, "aw"
	.align 4096
boot_pml4:
	.quad boot_pdpt_low + PTE_P_W
	.fill 272, 8, 0
	.quad boot_pdpt_low + PTE_P_W		/* index 273: DIRECT_MAP_BASE */
	.fill 237, 8, 0
	.quad boot_pdpt_high + PTE_P_W		/* index 511: kernel image */
boot_pdpt_low:
	.quad boot_pd + 0x0000 + PTE_P_W
	.quad boot_pd + 0x1000 + PTE_P_W
	.quad boot_pd + 0x2000 + PTE_P_W
	.quad boot_pd + 0x3000 + PTE_P_W
	.fill 508, 8, 0
boot_pdpt_high:
	.fill 510, 8, 0
	.quad boot_pd_kernel + PTE_P_W		/* index 510: 0xffffffff80000000 */
	.quad 0
boot_pd:				/* 4 x 512 entries: 0..4 GiB, 2 MiB pages */
	.set i, 0
	.rept 2048
	.quad (i << 21) + PDE_LARGE
	.set i, i + 1
	.endr
boot_pd_kernel:
	.set i, 0
	.rept 512
	.quad KERNEL_PHYS + (i << 21) + PDE_LARGE
	.set i, i + 1
	.endr

	/* Flat GDT for the switch; gdt.c installs the real one with a TSS. */
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
boot_gdt_ptr:
	.short boot_gdt_ptr - boot_gdt - 1
	.long boot_gdt

	.align 16
	.fill 256, 1, 0
boot_stack32_top:

	/* The 64-bit half: now running at KERNEL_VIRT. */
	.section .text.entry, "ax"
	.code64
higher_half_entry:
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	/* Zero .bss (GRUB zero-fills, but a different loader might not). */
	movq %rdi, %r12
	movq $__bss_start, %rdi
	movq $__bss_end, %rcx
	subq %rdi, %rcx
	shrq $3, %rcx
	xorl %eax, %eax
	rep stosq
	movl %r12d, %edi		/* zero-extend magic */
	movl %esi, %esi			/* zero-extend MBI address */
	call kmain
1:	cli
	hlt
	jmp 1b

	.section .bss
	.align 16
	.global boot_stack, boot_stack_top
boot_stack:
	.fill 16384, 1, 0
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
