/*
 * printk.h - kernel logging to every registered console.
 *
 * printk() formats with kernel/lib/printf.c and hands the text to each
 * console (serial UART, framebuffer) under one lock, so lines from different
 * contexts never interleave mid-line. Consoles register with
 * console_register(); see kernel/printk.c.
 */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include "kernel/compiler.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct console {
	const char *name;
	void (*write)(const char *s, size_t n);
	bool replay;		/* on registration, first receive the boot log */
	struct console *next;
};

/*
 * Add @con to the output list. It receives text printed afterwards and, when
 * con->replay is set, the first LOG_BUF_SIZE bytes printed since boot.
 */
void console_register(struct console *con);

int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap) __printf(1, 0);
/* Write raw bytes to every console (no formatting). */
void console_write(const char *s, size_t n);
/* Used by panic(): take the console even if a dying context holds it. */
void console_bust_lock(void);

#define pr_info(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)	printk("WARNING: " fmt, ##__VA_ARGS__)

#endif
