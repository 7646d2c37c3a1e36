/*
 * trap.c - the IDT, exception reporting and interrupt dispatch.
 *
 * Every vector enters through entry.S and lands in trap_dispatch():
 *
 *   vector < 32   CPU exception: a test hook may claim it; a kernel #PF/#GP
 *                 on an instruction listed in .ex_table resumes at its fixup
 *                 (probe.S); a #PF on a user address first goes to mm
 *                 (vm_fault: demand paging); a user-mode fault that stays
 *                 unresolved becomes a signal (SIGSEGV, SIGFPE, SIGILL...);
 *                 anything else in the kernel is a bug: dump and panic.
 *   vector >= 32  device or timer interrupt: call the registered handler,
 *                 then acknowledge the local APIC (not for spurious 0xff).
 *
 * A device/timer handler and an NMI run in hardirq context: the CPU's
 * atomic count carries HARDIRQ_OFFSET meanwhile, so anything that might
 * sleep there is reported (kernel/might_sleep.h). Exceptions run in the
 * context they interrupted: a page fault on a user address may sleep,
 * exactly when the interrupted code could have. When it could not (a
 * kernel access holding a spinlock: copy_from_user_inatomic(), used by
 * kernel/futex.c under a bucket lock) the fault is not resolved at all
 * and goes straight to the exception table (Linux's
 * faulthandler_disabled()): the caller drops its lock, faults the page in
 * with an ordinary copy and tries again.
 *
 * IDT gate descriptor (16 bytes, Intel SDM vol. 3A, 6.14.1):
 *
 *   127..96 reserved | 95..64 offset 63:32
 *   63..48 offset 31:16 | 47 P | 46..45 DPL | 44 0 | 43..40 type (0xE) |
 *   39..35 0 | 34..32 IST | 31..16 selector | 15..0 offset 15:0
 */
#include <arch/probe.h>
#include <arch/trap.h>
#include <arch/irq.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include "kernel/errno.h"
#include "kernel/ksyms.h"
#include "kernel/lib/string.h"
#include "kernel/might_sleep.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "mm/oom.h"
#include "mm/vm.h"
#include <arch/context.h>

struct idt_gate {
	uint16_t off_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

#define GATE_INTR	0x8e		/* present, DPL 0, 64-bit interrupt gate */
#define GATE_INTR_USER	0xee		/* same, callable from ring 3 (int3) */
#define IST_DF		1
#define IST_NMI		2

extern char trap_vectors[];
static struct idt_gate idt[256] __attribute__((aligned(16)));
static trap_hook_t hooks[32];
static struct {
	irq_handler_t fn;
	void *arg;
	unsigned long count;
} irq_table[256];

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 FP error", "alignment check",
	"machine check", "SIMD FP error", "virtualization", "control protection",
};

static void set_gate(unsigned int v, uint64_t handler, uint8_t attr, uint8_t ist)
{
	idt[v] = (struct idt_gate){
		.off_lo = handler & 0xffff,
		.selector = 0x08,
		.ist = ist,
		.type_attr = attr,
		.off_mid = (handler >> 16) & 0xffff,
		.off_hi = handler >> 32,
	};
}

/* Load the (shared) IDT on this CPU: the boot CPU in trap_init(), each AP in smp.c. */
void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ __volatile__("lidt %0" : : "m"(p));
}

void trap_init(void)
{
	for (unsigned int v = 0; v < 256; v++)
		set_gate(v, (uint64_t)trap_vectors + 16 * v, GATE_INTR, 0);
	set_gate(T_BP, (uint64_t)trap_vectors + 16 * T_BP, GATE_INTR_USER, 0);
	set_gate(T_DF, (uint64_t)trap_vectors + 16 * T_DF, GATE_INTR, IST_DF);
	set_gate(T_NMI, (uint64_t)trap_vectors + 16 * T_NMI, GATE_INTR, IST_NMI);
	idt_load();
}

void trap_set_hook(unsigned int vector, trap_hook_t hook)
{
	if (vector < 32)
		hooks[vector] = hook;
}

int irq_register_vector(unsigned int vec, irq_handler_t fn, void *arg)
{
	if (vec < 32 || vec > 255)
		return -EINVAL;
	if (irq_table[vec].fn && fn)
		return -EBUSY;
	irq_table[vec].arg = arg;
	irq_table[vec].fn = fn;
	return 0;
}

unsigned long irq_count(unsigned int vec)
{
	return vec < 256 ? READ_ONCE(irq_table[vec].count) : 0;
}

struct extable_entry {
	uint64_t insn, fixup;
};
extern const struct extable_entry __ex_table_start[], __ex_table_end[];

uint64_t extable_fixup(uint64_t rip)
{
	for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++)
		if (e->insn == rip)
			return e->fixup;
	return 0;
}

static void print_symbol(uint64_t addr)
{
	uint64_t off;
	const char *name = ksyms_lookup(addr, &off);

	if (name)
		printk("  [<%016lx>] %s+0x%lx\n", addr, name, off);
	else
		printk("  [<%016lx>] ?\n", addr);
}

/*
 * Follow the frame-pointer chain (the kernel is built with
 * -fno-omit-frame-pointer):  [rbp] = caller's rbp, [rbp+8] = return address.
 * Each frame is read with arch_probe_read() so a corrupt chain ends the
 * trace instead of faulting again.
 */
static void walk_frames(uint64_t rbp)
{
	for (int depth = 0; depth < 32 && rbp; depth++) {
		uint64_t frame[2];

		if ((rbp & 7) || rbp < DIRECT_MAP_BASE ||
		    arch_probe_read(frame, (void *)rbp, sizeof(frame)))
			break;
		if (!frame[1])
			break;
		print_symbol(frame[1]);
		if (frame[0] <= rbp)		/* stacks grow down: must go up */
			break;
		rbp = frame[0];
	}
}

void arch_backtrace(uint64_t rbp)
{
	printk("Call trace:\n");
	walk_frames(rbp);
}

static bool in_kernel_text(uint64_t addr)
{
	return addr >= (uint64_t)__text_start && addr < (uint64_t)__text_end;
}

#define OP_CALL_REL32	0xe8		/* call rel32: e8 <4-byte displacement> */
#define CALLER_SCAN_WORDS	16

/*
 * The return address into the caller of the interrupted function, when
 * that function has no frame of its own; 0 otherwise. GCC omits the frame
 * of a leaf function (one that calls nothing), and an interrupt can land
 * before a prologue: either way rbp is still the caller's, and the chain
 * from rbp starts at the caller's caller. The return address then lies
 * between rsp and rbp:
 *
 *     rbp -> | caller's saved rbp |   the chain walk starts here
 *            |        ...         |
 *            | return address     |   <- this one: it follows a direct
 *            |  (pushes, if any)  |      "call fn", fn = the interrupted
 *     rsp -> |                    |      function's start (from ksyms)
 *
 * A function with its own frame has only locals between rsp and rbp, so
 * nothing matches and nothing is printed twice.
 */
static uint64_t frameless_caller(const struct trap_frame *tf)
{
	uint64_t off, fn;

	if (!ksyms_lookup(tf->rip, &off))
		return 0;
	fn = tf->rip - off;
	for (uint64_t sp = tf->rsp; sp < tf->rbp && sp < tf->rsp + 8 * CALLER_SCAN_WORDS;
	     sp += 8) {
		uint64_t ret;
		uint8_t call[5];
		int32_t disp;

		if (arch_probe_read(&ret, (void *)sp, sizeof(ret)) ||
		    !in_kernel_text(ret) || !in_kernel_text(ret - sizeof(call)) ||
		    arch_probe_read(call, (void *)(ret - sizeof(call)), sizeof(call)))
			continue;
		memcpy(&disp, call + 1, sizeof(disp));
		if (call[0] == OP_CALL_REL32 && ret + (int64_t)disp == fn)
			return ret;
	}
	return 0;
}

static void decode_page_fault(uint64_t err)
{
	printk("  page fault: %s %s in %s mode%s%s%s\n",
	       err & PF_PRESENT ? "protection violation" : "not-present page",
	       err & PF_INSTR ? "on instruction fetch" :
	       err & PF_WRITE ? "on write" : "on read",
	       err & PF_USER ? "user" : "kernel",
	       err & PF_RSVD ? ", reserved bit set" : "",
	       err & PF_PK ? ", protection key" : "",
	       err & PF_SS ? ", shadow stack" : "");
}

void trap_dump(const struct trap_frame *tf)
{
	const char *name = tf->vector < 32 && exception_names[tf->vector] ?
			   exception_names[tf->vector] : "interrupt";

	printk("Exception %lu (%s), error code 0x%lx, %s mode\n", tf->vector, name,
	       tf->error, trap_from_user(tf) ? "user" : "kernel");
	if (tf->vector == T_PF) {
		printk("  CR2 = %016lx\n", read_cr2());
		decode_page_fault(tf->error);
	}
	arch_show_regs(tf);
}

void arch_show_regs(const struct trap_frame *tf)
{
	printk("  RIP %04lx:%016lx  RFLAGS %016lx\n", tf->cs, tf->rip, tf->rflags);
	print_symbol(tf->rip);
	printk("  RSP %04lx:%016lx  RBP %016lx\n", tf->ss, tf->rsp, tf->rbp);
	printk("  RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n",
	       tf->rax, tf->rbx, tf->rcx, tf->rdx);
	printk("  RSI %016lx RDI %016lx R8  %016lx R9  %016lx\n",
	       tf->rsi, tf->rdi, tf->r8, tf->r9);
	printk("  R10 %016lx R11 %016lx R12 %016lx R13 %016lx\n",
	       tf->r10, tf->r11, tf->r12, tf->r13);
	printk("  R14 %016lx R15 %016lx CR3 %016lx\n", tf->r14, tf->r15, read_cr3());
	if (!trap_from_user(tf)) {
		uint64_t caller = frameless_caller(tf);

		printk("Call trace:\n");
		if (caller)
			print_symbol(caller);
		walk_frames(tf->rbp);
	}
}

/*
 * What an unresolved fault in user mode becomes. Called with interrupts
 * on, as the fault itself ran: the OOM killer may sleep.
 */
static void user_fault_error(struct task *t, enum vm_fault_result r, uint64_t addr)
{
	switch (r) {
	case VM_FAULT_OOM:
		/*
		 * Linux's pagefault_out_of_memory: a dying task just goes to its
		 * exit; else the OOM killer frees memory (perhaps by killing us)
		 * and the access is retried on return.
		 */
		if (fatal_signal_pending(t) || out_of_memory())
			break;
		printk("pid %d (%s): out of memory at %lx, killed\n", t->pid, t->comm, addr);
		send_signal(t, SIGKILL, NULL);
		break;
	case VM_FAULT_SIGBUS:
		force_sig_fault(SIGBUS, BUS_ADRERR, addr);
		break;
	case VM_FAULT_HWPOISON:		/* Linux >= 6.5: the swap-in error marker is poison */
		force_sig_fault(SIGBUS, BUS_MCEERR_AR, addr);
		break;
	default:
		force_sig_fault(SIGSEGV, r == VM_FAULT_SEGV_ACCERR ? SEGV_ACCERR : SEGV_MAPERR,
				addr);
		break;
	}
}

/*
 * A page fault on a user address: let mm resolve it (demand paging). In
 * user mode an unresolved fault becomes SIGSEGV; in kernel mode (a copy to
 * or from user memory) the caller falls back to the exception table.
 * Interrupts are on for the whole of it when the faulting code had them
 * on (always, from user mode), and off again before the return.
 */
static bool handle_user_page_fault(struct trap_frame *tf)
{
	uint64_t addr = read_cr2();
	struct task *t = current();
	bool user = trap_from_user(tf);
	enum vm_fault_result r;

	if (user && addr >= USER_END) {
		/* The kernel half, from user mode: SEGV_MAPERR, as Linux reports it. */
		force_sig_fault(SIGSEGV, SEGV_MAPERR, addr);
		return true;
	}
	if (addr >= USER_END || !t || !t->mm)
		return false;
	/* Kernel code may touch user memory only inside a stac/clac window. */
	if (!user && cpu_features.smap && !(tf->rflags & RFLAGS_AC))
		return false;
	/* The fault path may sleep: not for a kernel access in atomic context. */
	if (!user && in_atomic())
		return false;
	if (tf->rflags & RFLAGS_IF)
		arch_irq_enable();		/* the fault path may sleep */
	r = vm_fault(t->mm, addr, (tf->error & PF_WRITE ? FAULT_WRITE : 0) |
		     (tf->error & PF_INSTR ? FAULT_EXEC : 0));
	if (r != VM_FAULT_OK && user)
		user_fault_error(t, r, addr);	/* before the cli: it may sleep */
	arch_irq_disable();
	/* Unresolved in a user copy: the exception table makes it -EFAULT. */
	return r == VM_FAULT_OK || user;
}

/* A CPU exception in user mode becomes the signal Linux would send. */
static void user_exception(struct trap_frame *tf)
{
	int sig = SIGSEGV, code = SI_KERNEL;
	uint64_t addr = 0;

	switch (tf->vector) {
	case T_DE:
		sig = SIGFPE, code = FPE_INTDIV, addr = tf->rip;
		break;
	case T_MF:
	case T_XM:
		sig = SIGFPE, code = FPE_FLTINV, addr = tf->rip;
		break;
	case T_UD:
		sig = SIGILL, code = ILL_ILLOPN, addr = tf->rip;
		break;
	case T_BP:
	case T_DB:
		sig = SIGTRAP, code = TRAP_BRKPT, addr = tf->rip;
		break;
	case T_AC:
		sig = SIGBUS, code = BUS_ADRALN;
		break;
	default:
		break;
	}
	force_sig_fault(sig, code, addr);
}

static void handle_exception(struct trap_frame *tf)
{
	uint64_t fixup;

	if (hooks[tf->vector] && hooks[tf->vector](tf))
		return;
	if (tf->vector == T_PF && handle_user_page_fault(tf))
		return;
	if (trap_from_user(tf)) {
		user_exception(tf);
		return;
	}
	if (!trap_from_user(tf) && (tf->vector == T_PF || tf->vector == T_GP) &&
	    (fixup = extable_fixup(tf->rip))) {
		tf->rip = fixup;
		return;
	}
	trap_dump(tf);
	panic("trap: unhandled %s at %lx",
	      exception_names[tf->vector] ? exception_names[tf->vector] : "exception",
	      tf->rip);
}

/*
 * The frame of the interrupt each CPU is handling, for handlers that look
 * at what they interrupted (the soft-lockup check in the timer tick). An
 * exception handler that re-enables interrupts (the page-fault path) can
 * be interrupted, so the previous value is put back on the way out.
 */
static struct trap_frame *irq_regs[MAX_CPUS];

struct trap_frame *get_irq_regs(void)
{
	return irq_regs[this_cpu()->index];
}

void trap_dispatch(struct trap_frame *tf)
{
	struct trap_frame **slot, *outer;

	if (tf->vector == T_NMI) {
		hardirq_enter();
		handle_exception(tf);
		hardirq_exit();
		return;
	}
	if (tf->vector < 32) {
		handle_exception(tf);
		return;
	}
	if (tf->vector == IRQ_VECTOR_SPURIOUS)
		return;				/* no EOI for spurious interrupts */
	irq_table[tf->vector].count++;
	slot = &irq_regs[this_cpu()->index];
	outer = *slot;
	*slot = tf;
	hardirq_enter();
	if (irq_table[tf->vector].fn)
		irq_table[tf->vector].fn(irq_table[tf->vector].arg);
	hardirq_exit();
	*slot = outer;
	lapic_eoi();
	/* Back to kernel code that had interrupts on: a preemption point. */
	if (!trap_from_user(tf) && (tf->rflags & RFLAGS_IF))
		preempt_irq_return();
}
