/*
 * syscall.c - the system-call table and dispatcher.
 *
 * The table is filled at boot from the SYSCALL() registrations in the
 * .syscalls section (kernel/syscall.h). A call arrives from switch.S with the
 * user registers saved as a struct trap_frame:
 *
 *   rax = number   rdi, rsi, rdx, r10, r8, r9 = arguments   -> rax = result
 *
 * An unregistered number returns -ENOSYS and is logged once, by its name
 * from the UAPI header.
 */
#include "kernel/syscall.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/task.h"
#include "mm/vm.h"
#include <arch/context.h>
#include <arch/trap.h>
#include "build/gen/syscall_names.h"

extern const struct syscall_desc __syscalls_start[], __syscalls_end[];

static syscall_fn_t table[NR_SYSCALLS];
static void syscall_call(struct trap_frame *tf, uint64_t nr);
static uint8_t warned[NR_SYSCALLS / 8];

void syscall_init(void)
{
	unsigned int n = 0;

	for (const struct syscall_desc *d = __syscalls_start; d < __syscalls_end; d++) {
		if (d->nr >= NR_SYSCALLS || table[d->nr])
			panic("syscall: %s registered twice or out of range (%u)", d->name, d->nr);
		table[d->nr] = d->fn;
		n++;
	}
	printk("syscall: %u system calls registered\n", n);
	arch_syscall_init();
}

const char *syscall_name(unsigned int nr)
{
	if (nr < ARRAY_SIZE(syscall_names) && syscall_names[nr])
		return syscall_names[nr];
	return "?";
}

/*
 * A traced task resumed with PTRACE_SYSCALL stops on the way in (rax is
 * -ENOSYS there, as on Linux) and on the way out. At the entry stop the
 * tracer may change the number and arguments, or set the number to -1 to
 * skip the call (then rax is the result).
 */
static bool syscall_trace_enter(struct trap_frame *tf)
{
	tf->rax = -ENOSYS;
	ptrace_syscall_stop();
	return (int64_t)tf->error != -1 && !fatal_signal_pending(current());
}

void syscall_dispatch(struct trap_frame *tf)
{
	uint64_t nr = tf->rax;
	struct task *t = current();

	t->user_regs = tf;
	tf->error = nr;			/* orig_rax: restarts and ptrace read it */
	if (unlikely(t->ptrace_flags & PT_SYSCALL)) {
		if (syscall_trace_enter(tf)) {
			nr = tf->error;
			syscall_call(tf, nr);
		}
		if (t->ptrace_flags & PT_SYSCALL)
			ptrace_syscall_stop();
		return;
	}
	syscall_call(tf, nr);
}

/* Run system call @nr with the arguments in @tf; the result goes to rax. */
static void syscall_call(struct trap_frame *tf, uint64_t nr)
{
	struct task *t = current();

	if (nr < NR_SYSCALLS && table[nr]) {
		tf->rax = table[nr](tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
		if (unlikely(debug_vm_enabled) && t->mm) {
			mmap_read_lock(t->mm);
			debug_vm_verify(t->mm, syscall_name(nr));
			mmap_read_unlock(t->mm);
		}
		return;
	}
	if (nr < NR_SYSCALLS && !(warned[nr / 8] & (1 << (nr % 8)))) {
		warned[nr / 8] |= 1 << (nr % 8);
		printk("syscall: %s (%lu) not implemented, returning ENOSYS (pid %d %s)\n",
		       syscall_name(nr), nr, t->pid, t->comm);
	}
	tf->rax = -ENOSYS;
}

/* The full set of registrations, for /proc and the closing notes. */
unsigned int syscall_count(void)
{
	return __syscalls_end - __syscalls_start;
}
