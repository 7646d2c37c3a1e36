/*
 * tty.h - terminals: the line discipline and the console TTY.
 *
 * A struct tty is one terminal: an input buffer that the line discipline
 * fills from interrupt context (serial bytes, keyboard characters), the
 * termios settings that say how to cook that input and the output, and the
 * job-control state (session, foreground process group). The driver under
 * it is just an output function; input is pushed with tty_receive().
 *
 *   UART IRQ 4 --\                          /--> read(2): a line (ICANON)
 *                 >-- tty_receive() -- ldisc            or bytes (raw)
 *   PS/2 IRQ 1 --/     (echo, ^C, erase)    \--> echo --> output()
 *   write(2) --> OPOST/ONLCR ------------------------------> output()
 *
 * There is one TTY for now, console_tty, behind /dev/console and /dev/tty
 * (kernel/fs/devices.c); its output goes to every kernel console
 * (console_write(): serial and framebuffer). The line discipline is in
 * n_tty.c, ioctls, job control and the device files in tty.c.
 */
#ifndef KERNEL_FS_TTY_H
#define KERNEL_FS_TTY_H

#include "kernel/fs/vfs.h"
#include "kernel/spinlock.h"
#include "kernel/wait.h"
#include <asm/termios.h>		/* struct winsize */

#define TTY_BUF_SIZE	4096		/* input bytes held; a power of two */

struct tty;
typedef void (*tty_output_t)(struct tty *tty, const char *s, size_t n);

struct tty {
	const char *name;
	tty_output_t output;		/* the driver: print bytes; may run in IRQ */

	/* Guarded by lock (taken with interrupts off: input runs in IRQs). */
	spinlock_t lock;
	struct termios termios;
	struct winsize winsize;
	pid_t pgrp;			/* foreground process group, 0: none */
	pid_t session;			/* session it controls, 0: none */
	/*
	 * The input ring, free-running indices as in kernel/lib/ring.h:
	 *
	 *   tail          canon_head          head
	 *    v                v                 v
	 *    [ lines ready... | line being edited ]
	 *
	 * In canonical mode read(2) sees [tail, canon_head) only; erase and
	 * kill act on [canon_head, head). A set bit in delim marks a byte
	 * that ends a line ('\n', VEOL, VEOL2, or an EOF marker stored as
	 * a 0 byte). In raw mode canon_head follows head.
	 */
	uint8_t buf[TTY_BUF_SIZE];
	uint64_t delim[TTY_BUF_SIZE / 64];
	uint32_t head, tail, canon_head;
	uint32_t column;		/* output column, for erasing tabs */
	uint32_t canon_column;		/* column where the edited line began */

	struct waitqueue read_wait;	/* readers: input became readable */
	struct mutex read_lock;		/* one reader at a time */
	struct mutex write_lock;	/* write(2)s do not interleave */
};

/* Line discipline (n_tty.c). */

/* Set @tty to Linux's default termios (cooked, echo), 80x24, no session. */
void tty_init(struct tty *tty, const char *name, tty_output_t output);

/*
 * Feed @n received bytes through the line discipline: editing, echo,
 * signals to the foreground process group. Safe from interrupt context;
 * never sleeps.
 */
void tty_receive(struct tty *tty, const char *s, size_t n);

/*
 * read(2) and write(2) on @tty with user buffers, and kernel-buffer
 * versions for in-kernel users and tests. @nonblock: as O_NONBLOCK. Read
 * may sleep unless @nonblock; returns bytes, 0 (EOF), -EAGAIN, -EINTR or
 * -EFAULT. Write never waits for the device (output is synchronous).
 */
ssize_t tty_user_read(struct tty *tty, char __user *buf, size_t n, bool nonblock);
ssize_t tty_user_write(struct tty *tty, const char __user *buf, size_t n);
ssize_t tty_kernel_read(struct tty *tty, void *buf, size_t n, bool nonblock);
ssize_t tty_kernel_write(struct tty *tty, const void *buf, size_t n);
/* Bytes read(2) could return now (FIONREAD). */
size_t tty_bytes_ready(struct tty *tty);
/* Would read(2) find something (a line, or a byte in raw mode)? No lock. */
bool tty_input_ready(struct tty *tty);
/* Install new settings (TCSETS*); @flush discards pending input first. */
void tty_set_termios(struct tty *tty, const struct termios *t, bool flush);
void tty_flush_input(struct tty *tty);

/* Devices (tty.c). */

/*
 * The console terminal and its two device files: /dev/console always opens
 * it; /dev/tty ("my controlling terminal") opens it only for a process
 * whose session it controls, else fails with ENXIO, as in Linux.
 */
extern struct tty console_tty;
extern const struct file_operations console_fops;
extern const struct file_operations devtty_fops;

/*
 * Set up console_tty and connect its inputs: the serial receive interrupt
 * (uart_set_rx_handler) and the PS/2 keyboard (ps2kbd_init). Needs the
 * I/O APIC routed (after interrupts are on). Called by devices_init().
 */
void tty_console_init(void);

#endif
