/*
 * tty.c - terminal devices: ioctls (termios, window size, job control),
 * the file operations of /dev/console and /dev/tty, and the console TTY.
 *
 * Job control, as far as it goes here: a session leader makes a terminal
 * its controlling tty with TIOCSCTTY; the terminal then remembers that
 * session and a foreground process group (TIOCSPGRP), which receives the
 * signals the line discipline generates for ^C, ^\ and ^Z. There is no
 * per-process "controlling tty" field: "my terminal" means a terminal
 * whose session is my session. A terminal whose session has no live
 * member any more may be taken by a new session leader (Linux frees it
 * when the leader exits; there is no exit hook for that here).
 *
 * Not done (deliberately): SIGTTIN/SIGTTOU for background process groups
 * (reads and writes from the background just work), hang-up (SIGHUP on
 * the session leader's exit). Only the console TTY exists.
 *
 * The line discipline (input cooking, echo, read/write): n_tty.c. Poll
 * table: poll.c. Device registration: devices.c. Inputs: the keyboard
 * (arch/x86_64/ps2kbd.c) and the serial port (arch/x86_64/uart.c).
 */
#include "kernel/fs/tty.h"
#include "kernel/errno.h"
#include "kernel/fs/poll.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/random.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include <arch/ps2kbd.h>
#include <arch/uart.h>

struct tty console_tty;

/* ---- ioctls ------------------------------------------------------------- */

static int tiocsets(struct tty *tty, const struct termios __user *ut, bool flush)
{
	struct termios t;

	if (copy_from_user(&t, ut, sizeof(t)))
		return -EFAULT;
	tty_set_termios(tty, &t, flush);
	return 0;
}

/* Does the calling process have @tty as its controlling terminal? */
static bool is_ctty(struct tty *tty)
{
	return tty->session && tty->session == current()->sid;
}

/* -ESRCH if no process group @pgrp, -EPERM if it is in another session. */
static int check_pgrp(pid_t pgrp)
{
	unsigned long flags = spin_lock_irqsave(&tasklist_lock);
	pid_t sid = current()->sid;
	int ret = -ESRCH;
	struct task *t;

	for_each_task(t) {
		if (t->pgid != pgrp || t->state == TASK_ZOMBIE || t->state == TASK_DEAD)
			continue;
		ret = t->sid == sid ? 0 : -EPERM;
		break;
	}
	spin_unlock_irqrestore(&tasklist_lock, flags);
	return ret;
}

static long tiocspgrp(struct tty *tty, const pid_t __user *up)
{
	pid_t pgrp;
	int err;

	if (get_user(pgrp, up))
		return -EFAULT;
	if (!is_ctty(tty))
		return -ENOTTY;
	if (pgrp < 0)
		return -EINVAL;
	err = check_pgrp(pgrp);
	if (err)
		return err;
	WRITE_ONCE(tty->pgrp, pgrp);
	return 0;
}

/*
 * Does any live process belong to session @sid? Linux drops a terminal's
 * session when its leader exits; with no exit hook here, a session whose
 * members are all gone counts as having let the terminal go.
 */
static bool session_alive(pid_t sid)
{
	unsigned long flags = spin_lock_irqsave(&tasklist_lock);
	bool alive = false;
	struct task *t;

	for_each_task(t)
		if (t->sid == sid && t->state != TASK_ZOMBIE && t->state != TASK_DEAD) {
			alive = true;
			break;
		}
	spin_unlock_irqrestore(&tasklist_lock, flags);
	return alive;
}

/* Make @tty the controlling terminal of the caller's session. */
static long tiocsctty(struct tty *tty, unsigned long steal)
{
	struct task *t = current();
	pid_t owner = READ_ONCE(tty->session);
	bool taken = owner && session_alive(owner);
	unsigned long flags;
	long ret = 0;

	if (owner == t->sid)
		return 0;			/* already ours */
	if (t->pid != t->sid)
		return -EPERM;			/* only a session leader may */
	flags = spin_lock_irqsave(&tty->lock);
	/* Another live session's terminal: only by force (everyone is root). */
	if (tty->session && (tty->session != owner || taken) && steal != 1) {
		ret = -EPERM;
	} else {
		tty->session = t->sid;
		tty->pgrp = t->pgid;
	}
	spin_unlock_irqrestore(&tty->lock, flags);
	return ret;
}

static long tiocnotty(struct tty *tty)
{
	struct task *t = current();

	if (!is_ctty(tty))
		return -ENOTTY;
	if (t->pid == t->sid) {			/* the leader gives it up */
		tty->session = 0;
		tty->pgrp = 0;
	}
	return 0;
}

static long tiocswinsz(struct tty *tty, const struct winsize __user *uw)
{
	struct winsize w;
	bool changed;

	if (copy_from_user(&w, uw, sizeof(w)))
		return -EFAULT;
	changed = memcmp(&w, &tty->winsize, sizeof(w)) != 0;
	tty->winsize = w;
	if (changed && tty->pgrp > 0)
		kill_pgrp(tty->pgrp, SIGWINCH);
	return 0;
}

static long tcflsh(struct tty *tty, unsigned long queue)
{
	switch (queue) {
	case TCIFLUSH:
	case TCIOFLUSH:
		tty_flush_input(tty);
		return 0;
	case TCOFLUSH:
		return 0;			/* output is never queued */
	default:
		return -EINVAL;
	}
}

static long tty_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct tty *tty = f->private_data;
	void __user *up = (void __user *)arg;
	int n;

	switch (cmd) {
	case TCGETS:
		return copy_to_user(up, &tty->termios, sizeof(struct termios));
	case TCSETS:
	case TCSETSW:		/* output is synchronous: nothing to drain */
		return tiocsets(tty, up, /* flush= */false);
	case TCSETSF:
		return tiocsets(tty, up, /* flush= */true);
	case TIOCGWINSZ:
		return copy_to_user(up, &tty->winsize, sizeof(struct winsize));
	case TIOCSWINSZ:
		return tiocswinsz(tty, up);
	case TIOCGPGRP:
		if (!is_ctty(tty))
			return -ENOTTY;
		return put_user(tty->pgrp, (pid_t __user *)up);
	case TIOCSPGRP:
		return tiocspgrp(tty, up);
	case TIOCSCTTY:
		return tiocsctty(tty, arg);
	case TIOCNOTTY:
		return tiocnotty(tty);
	case TIOCGSID:
		if (!is_ctty(tty))
			return -ENOTTY;
		return put_user(tty->session, (pid_t __user *)up);
	case FIONREAD:
		n = (int)tty_bytes_ready(tty);
		return put_user(n, (int __user *)up);
	case TIOCOUTQ:
		return put_user(0, (int __user *)up);
	case TCFLSH:
		return tcflsh(tty, arg);
	case TCSBRK:		/* tcdrain() and breaks: nothing is queued */
	case TCSBRKP:
	case TCXONC:
		return 0;
	default:
		return -ENOTTY;
	}
}

/* ---- file operations ---------------------------------------------------- */

static ssize_t tty_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	return tty_user_read(f->private_data, buf, n, f->flags & O_NONBLOCK);
}

static ssize_t tty_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	return tty_user_write(f->private_data, buf, n);
}

static unsigned int tty_poll(struct file *f, struct poll_table *pt)
{
	struct tty *tty = f->private_data;
	unsigned int mask = POLLOUT | POLLWRNORM;	/* output never blocks */

	poll_wait(f, &tty->read_wait, pt);
	if (tty_input_ready(tty))
		mask |= POLLIN | POLLRDNORM;
	return mask;
}

static int console_open(struct inode *inode, struct file *f)
{
	f->private_data = &console_tty;
	return 0;
}

/* /dev/tty is the caller's controlling terminal: ENXIO without one (Linux). */
static int devtty_open(struct inode *inode, struct file *f)
{
	struct task *t = current();

	if (!t || !console_tty.session || READ_ONCE(console_tty.session) != t->sid)
		return -ENXIO;
	f->private_data = &console_tty;
	return 0;
}

const struct file_operations console_fops = {
	.read = tty_read,
	.write = tty_write,
	.poll = tty_poll,
	.ioctl = tty_ioctl,
	.open = console_open,
};

const struct file_operations devtty_fops = {
	.read = tty_read,
	.write = tty_write,
	.poll = tty_poll,
	.ioctl = tty_ioctl,
	.open = devtty_open,
};

/* ---- the console TTY ---------------------------------------------------- */

static void console_tty_output(struct tty *tty, const char *s, size_t n)
{
	console_write(s, n);
}

/* Serial receive interrupt: one byte. */
static void console_uart_rx(unsigned char c, void *arg)
{
	random_add_event(clock_ns() ^ c);
	tty_receive(&console_tty, (const char *)&c, 1);
}

/* Keyboard interrupt: the bytes one key press makes. */
static void console_kbd_rx(const char *s, size_t n)
{
	random_add_event(clock_ns() ^ (uint8_t)s[0]);
	tty_receive(&console_tty, s, n);
}

void tty_console_init(void)
{
	tty_init(&console_tty, "console", console_tty_output);
	uart_set_rx_handler(console_uart_rx, NULL);
	if (ps2kbd_init(console_kbd_rx) == 0)
		printk("tty: console input from the serial port and the PS/2 keyboard\n");
	else
		printk("tty: console input from the serial port (no PS/2 keyboard)\n");
}
