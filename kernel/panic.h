/*
 * panic.h - panic(), assertions and warnings (STYLE.md section 6).
 *
 *   BUG_ON/ASSERT(cond)   cheap invariant, always checked, panics.
 *   VM_BUG_ON(cond)       expensive check, only with CONFIG_DEBUG_VM
 *                         (the argument is not evaluated otherwise).
 *   WARN_ON_ONCE(cond)    recoverable "cannot happen": logs once, goes on.
 *
 * Never assert on user-controlled values: return -EINVAL/-EFAULT instead.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include "kernel/compiler.h"
#include <stdbool.h>

/* Print "PANIC: <message>", a backtrace, stop; exit QEMU if asked to. */
void panic(const char *fmt, ...) __noreturn __printf(1, 2);

/* Has panic() begun? Checkers stay quiet then (kernel/might_sleep.c). */
bool panic_in_progress(void);

#define BUG_ON(cond)							\
	do {								\
		if (unlikely(cond))					\
			panic("%s:%d: BUG_ON(%s)", __FILE__, __LINE__, #cond); \
	} while (0)
#define ASSERT(cond)							\
	do {								\
		if (unlikely(!(cond)))					\
			panic("%s:%d: ASSERT(%s) failed", __FILE__, __LINE__, #cond); \
	} while (0)

#ifdef CONFIG_DEBUG_VM
#define VM_BUG_ON(cond)	BUG_ON(cond)
#else
#define VM_BUG_ON(cond)	do { } while (0)
#endif

void warn_once_report(const char *file, int line, const char *cond);
#define WARN_ON_ONCE(cond) ({						\
	static bool __warned;						\
	bool __c = !!(cond);						\
	if (unlikely(__c) && !__warned) {				\
		__warned = true;					\
		warn_once_report(__FILE__, __LINE__, #cond);		\
	}								\
	unlikely(__c);							\
})

#endif
