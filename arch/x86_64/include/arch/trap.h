/*
 * arch/trap.h - the saved register frame of an exception or interrupt.
 *
 * entry.S builds this on the stack of the interrupted context:
 *
 *   high  +---------+
 *         |   ss    |  \
 *         |  rsp    |   |
 *         | rflags  |   | pushed by the CPU
 *         |   cs    |   |
 *         |  rip    |  /
 *         |  error  |  CPU error code, or 0 pushed by the stub
 *         | vector  |  pushed by the stub
 *         | rax ... |  general registers, rax pushed first
 *   low   |  r15    |  <- struct trap_frame *
 *         +---------+
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/*
 * A system call's frame (switch.S) has vector SYSCALL_VECTOR, and its error
 * slot holds the call's number (Linux's orig_rax): syscall_dispatch puts it
 * there, ptrace shows and changes it, and the signal code restarts the call
 * from it. -1 there means "no call to restart" (rt_sigreturn, ptrace).
 */
#define SYSCALL_VECTOR	0x100
#define SYSCALL_INSN_LEN 2		/* the syscall instruction: 0f 05 */

static inline bool trap_is_syscall(const struct trap_frame *tf)
{
	return tf->vector == SYSCALL_VECTOR && (int64_t)tf->error >= 0;
}

/*
 * Argument @n (0..5) of the system call @tf made, in the x86-64 order
 * rdi, rsi, rdx, r10, r8, r9 (Linux's syscall_get_arguments). A restart
 * through restart_syscall(2) still sees the interrupted call's: the
 * signal code rewinds only rax and rip (kernel/signal.c).
 */
static inline unsigned long syscall_get_arg(const struct trap_frame *tf, unsigned int n)
{
	switch (n) {
	case 0: return tf->rdi;
	case 1: return tf->rsi;
	case 2: return tf->rdx;
	case 3: return tf->r10;
	case 4: return tf->r8;
	default: return tf->r9;
	}
}

/* Exception vectors (Intel SDM vol. 3A, table 6-1). */
#define T_DE	0	/* divide error */
#define T_DB	1
#define T_NMI	2
#define T_BP	3	/* int3 */
#define T_OF	4
#define T_BR	5
#define T_UD	6	/* invalid opcode */
#define T_NM	7
#define T_DF	8	/* double fault (IST 1) */
#define T_TS	10
#define T_NP	11
#define T_SS	12
#define T_GP	13	/* general protection */
#define T_PF	14	/* page fault */
#define T_MF	16
#define T_AC	17
#define T_MC	18
#define T_XM	19
#define T_VE	20
#define T_CP	21

/* Page-fault error-code bits. */
#define PF_PRESENT	(1u << 0)	/* 0: not-present page, 1: protection */
#define PF_WRITE	(1u << 1)
#define PF_USER		(1u << 2)
#define PF_RSVD		(1u << 3)	/* reserved bit set in an entry */
#define PF_INSTR	(1u << 4)	/* instruction fetch (NX) */
#define PF_PK		(1u << 5)
#define PF_SS		(1u << 6)	/* shadow stack */

/*
 * A kernel-mode exception hook: return true if the exception was handled and
 * execution may resume at tf->rip. Used by in-kernel tests (int3 counting).
 */
typedef bool (*trap_hook_t)(struct trap_frame *tf);
void trap_set_hook(unsigned int vector, trap_hook_t hook);

static inline bool trap_from_user(const struct trap_frame *tf)
{
	return (tf->cs & 3) != 0;
}

void trap_init(void);
/* Load the IDT trap_init() built on this CPU (an AP). */
void idt_load(void);
void gdt_init(void);
void arch_backtrace(uint64_t rbp);
/* Report an exception: its name, CR2 for a #PF, then arch_show_regs(). */
void trap_dump(const struct trap_frame *tf);
/*
 * Print the interrupted context of @tf: RIP (also symbolised), the general
 * registers and, when it was kernel code, the call chain starting from the
 * interrupted frame pointer (not from the caller's own stack).
 */
void arch_show_regs(const struct trap_frame *tf);
/*
 * Inside a device or timer interrupt handler: the frame the interrupt
 * pushed on this CPU (Linux's get_irq_regs()). NULL outside one.
 */
struct trap_frame *get_irq_regs(void);
/* Search the exception table: resume address for a faulting rip, or 0. */
uint64_t extable_fixup(uint64_t rip);

#endif
