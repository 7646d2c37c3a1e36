/*
 * trampoline.S - where an application processor (AP) starts: real mode to
 * long mode, then a jump into the kernel (smp.c: smp_ap_main).
 *
 * A Startup IPI starts the AP in 16-bit real mode at CS:IP = (vector << 8):0,
 * i.e. at physical address vector * 4096 (Intel SDM vol. 3A, 9.4.4). So
 * this code is copied by smp.c to a free page below 1 MiB and must run from
 * any such page: nothing here is linked at a fixed address. %ebx holds the
 * page's physical address from the first instructions on, and every data
 * reference is "offset in the page + %ebx" (or %cs-relative in real mode).
 *
 *   real mode          CS = page >> 4; lgdt; CR0.PE = 1
 *     |  ljmpl *far32   (selector 0x08: flat 32-bit code)
 *   protected mode     CR4.PAE; CR3 = tr_cr3; EFER.LME (+NXE); CR0.PG
 *     |  ljmpl *far64   (selector 0x18: 64-bit code, still identity mapped)
 *   long mode          jmp *tr_entry (kernel text, at its high address)
 *     |
 *   smp_ap_entry64     CR3 = kernel tables, stack, call smp_ap_main()
 *
 * tr_cr3 is a page-table root below 4 GiB (CR3 is loaded in 32-bit mode)
 * built by smp.c: it identity-maps the low 2 MiB, where this page is, and
 * shares the kernel half of the real tables, where tr_entry is.
 *
 * Parameter block at the end of the page image (filled by smp.c, offsets
 * in arch/smp.h):
 *
 *   TR_CR3     u32  root of the trampoline page tables (< 4 GiB)
 *   TR_EFER    u32  EFER bits to set besides LME (NXE if the kernel uses NX)
 *   TR_ENTRY   u64  64-bit kernel address to jump to (smp_ap_entry64)
 */
#include <arch/smp.h>

#define CR0_PE		0x00000001
#define CR0_PG		0x80000000
#define CR4_PAE		0x20
#define MSR_EFER	0xc0000080
#define EFER_LME	0x100

#define OFF(sym)	((sym) - trampoline_start)

	.section .rodata
	.balign 16
	.global trampoline_start, trampoline_end
	.code16
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	movzwl %ax, %ebx
	shll $4, %ebx				/* %ebx = this page's physical address */

	/* Patch the absolute addresses the mode switches need. */
	leal OFF(tr_gdt)(%ebx), %eax
	movl %eax, OFF(tr_gdt_ptr) + 2
	leal OFF(tr_pm)(%ebx), %eax
	movl %eax, OFF(tr_far32)
	leal OFF(tr_lm)(%ebx), %eax
	movl %eax, OFF(tr_far64)

	lgdtl OFF(tr_gdt_ptr)
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl *OFF(tr_far32)

	.code32
tr_pm:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl TR_CR3(%ebx), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	orl TR_EFER(%ebx), %eax
	wrmsr
	movl %cr0, %eax
	orl $CR0_PG, %eax
	movl %eax, %cr0			/* long mode active (compatibility mode) */
	ljmpl *OFF(tr_far64)(%ebx)

	.code64
tr_lm:
	movl %ebx, %ebx			/* upper halves are undefined after the switch */
	movq TR_ENTRY(%rbx), %rax
	jmp *%rax

	/*
	 * Temporary GDT (the kernel's own is loaded by smp_ap_main):
	 *   0x08 flat 32-bit code, 0x10 flat data, 0x18 64-bit code.
	 */
	.balign 8
tr_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff
	.quad 0x00cf92000000ffff
	.quad 0x00af9a000000ffff
tr_gdt_end:
tr_gdt_ptr:
	.short tr_gdt_end - tr_gdt - 1
	.long 0				/* patched: physical address of tr_gdt */
	.balign 4
tr_far32:
	.long 0				/* patched: physical address of tr_pm */
	.short 0x08
	.balign 4
tr_far64:
	.long 0				/* patched: physical address of tr_lm */
	.short 0x18

	.org trampoline_start + TR_PARAMS
	.fill TR_PARAMS_SIZE, 1, 0
trampoline_end:

/*
 * 64-bit kernel code the trampoline jumps to, now at its linked address
 * under the trampoline tables: switch to the kernel's tables and to this
 * AP's stack (smp.c left both in smp_ap_boot), then C.
 */
	.text
	.global smp_ap_entry64
smp_ap_entry64:
	movq smp_ap_boot + AP_BOOT_CR3(%rip), %rax
	movq %rax, %cr3
	movq smp_ap_boot + AP_BOOT_STACK(%rip), %rsp
	xorl %ebp, %ebp
	call smp_ap_main
1:	cli
	hlt
	jmp 1b

	.section .note.GNU-stack, "", @progbits
