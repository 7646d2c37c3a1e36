/*
 * n_tty.c - the terminal line discipline (Linux's n_tty, small): cooking
 * input, echo, output processing, and read(2)/write(2) on a struct tty.
 *
 * Input: tty_receive() runs in the serial or keyboard interrupt. Each byte
 * goes through input translation (ICRNL, INLCR, IGNCR, ISTRIP), then, with
 * ISIG, the signal characters (^C SIGINT, ^\ SIGQUIT, ^Z SIGTSTP to the
 * foreground process group), then either canonical line editing (ICANON:
 * VERASE, VKILL, VWERASE, VEOF, line delimiters) or raw storage. Echo
 * (ECHO, ECHOE, ECHOK, ECHOKE, ECHONL, ECHOCTL) is printed at once through
 * the same output processing as write(2).
 *
 * Reading: canonical mode returns at most one line per read(2), and a line
 * ended by ^D (VEOF) without its marker: "ab^D" gives "ab", a ^D alone at
 * the start of a line gives 0 (end of file). Raw mode follows VMIN/VTIME
 * as POSIX describes (see tty_read_raw()).
 *
 * Output: OPOST with ONLCR ("\n" -> "\r\n") and OCRNL; the driver's output
 * function prints. (For the console the UART driver adds its own '\r'
 * before '\n', so the serial line sees "\r\r\n": harmless.)
 *
 * Not done (deliberately): ^S/^Q flow control (IXON swallows them but
 * output is never stopped), VLNEXT, VREPRINT, VDISCARD.
 *
 * Locking: tty->lock (a spinlock, interrupts off) guards the termios and
 * the input ring; it is never held across user copies or sleeps, so
 * readers copy through a small bounce buffer. read_lock and write_lock
 * (mutexes) keep concurrent readers from splitting a line and writers from
 * interleaving. Signals are sent after dropping tty->lock.
 *
 * The device side (ioctl, job control, /dev files, the console): tty.c.
 */
#include "kernel/fs/tty.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"
#include "kernel/time.h"

#define TTY_MASK	(TTY_BUF_SIZE - 1)
#define BOUNCE		256		/* bytes copied per lock hold */
#define ECHO_MAX	8		/* longest echo of one input byte */
#define TTY_VDISABLE	0		/* a c_cc entry that is switched off */

_Static_assert((TTY_BUF_SIZE & TTY_MASK) == 0, "TTY_BUF_SIZE: a power of two");

#define CTRL(c)		((c) & 0x1f)

#define I_FLAG(t, f)	((t)->termios.c_iflag & (f))
#define O_FLAG(t, f)	((t)->termios.c_oflag & (f))
#define L_FLAG(t, f)	((t)->termios.c_lflag & (f))
#define CC(t, v)	((t)->termios.c_cc[v])

/* ---- small helpers on the input ring (lock held) ------------------------ */

static inline bool is_delim(struct tty *tty, uint32_t i)
{
	i &= TTY_MASK;
	return tty->delim[i / 64] & (1ull << (i % 64));
}

static inline void set_delim(struct tty *tty, uint32_t i, bool on)
{
	i &= TTY_MASK;
	if (on)
		tty->delim[i / 64] |= 1ull << (i % 64);
	else
		tty->delim[i / 64] &= ~(1ull << (i % 64));
}

/* Is @c the (enabled) control character @v? A 0 entry is disabled. */
static inline bool is_cc(struct tty *tty, uint8_t c, int v)
{
	return CC(tty, v) != TTY_VDISABLE && c == CC(tty, v);
}

static void flush_input_locked(struct tty *tty)
{
	tty->head = tty->tail = tty->canon_head = 0;
	memset(tty->delim, 0, sizeof(tty->delim));
}

/* Readable bytes now: whole lines in canonical mode, everything in raw. */
static uint32_t readable_locked(struct tty *tty)
{
	return L_FLAG(tty, ICANON) ? tty->canon_head - tty->tail : tty->head - tty->tail;
}

bool tty_input_ready(struct tty *tty)
{
	return READ_ONCE(tty->canon_head) != READ_ONCE(tty->tail);
}

/* ---- output processing -------------------------------------------------- */

/* OPOST one byte into @out (at most 2 bytes); keeps tty->column. */
static size_t opost_char(struct tty *tty, uint8_t c, char *out)
{
	size_t n = 0;

	if (O_FLAG(tty, OPOST)) {
		if (c == '\n' && O_FLAG(tty, ONLCR)) {
			out[n++] = '\r';
		} else if (c == '\r' && O_FLAG(tty, OCRNL)) {
			c = '\n';
		}
	}
	out[n++] = (char)c;
	if (c == '\n' || c == '\r')
		tty->column = 0;
	else if (c == '\t')
		tty->column = (tty->column | 7) + 1;
	else if (c == '\b')
		tty->column -= tty->column ? 1 : 0;
	else if (c >= 0x20 && c != 0x7f)
		tty->column++;
	return n;
}

static void echo_raw(struct tty *tty, const char *s, size_t n)
{
	char buf[2 * ECHO_MAX];
	size_t len = 0;

	for (size_t i = 0; i < n && len + 2 <= sizeof(buf); i++)
		len += opost_char(tty, (uint8_t)s[i], buf + len);
	tty->output(tty, buf, len);
}

/* Echo one input byte as the user should see it (ECHOCTL: "^C"). */
static void echo_char(struct tty *tty, uint8_t c)
{
	if (L_FLAG(tty, ECHOCTL) && (c < 0x20 || c == 0x7f) && c != '\t' && c != '\n') {
		char s[2] = { '^', (char)(c ^ 0x40) };

		echo_raw(tty, s, 2);
	} else {
		echo_raw(tty, (const char *)&c, 1);
	}
}

/* Columns the byte at index @i of the edit region takes on screen. */
static unsigned int echo_width(struct tty *tty, uint32_t i)
{
	uint8_t c = tty->buf[i & TTY_MASK];

	if (c == '\t') {
		/* Replay the line from where it began to find the tab's start. */
		unsigned int col = tty->canon_column;

		for (uint32_t j = tty->canon_head; j != i; j++) {
			uint8_t d = tty->buf[j & TTY_MASK];

			if (d == '\t')
				col = (col | 7) + 1;
			else if (L_FLAG(tty, ECHOCTL) && (d < 0x20 || d == 0x7f))
				col += 2;
			else
				col++;
		}
		return 8 - (col & 7);
	}
	if (L_FLAG(tty, ECHOCTL) && (c < 0x20 || c == 0x7f))
		return 2;
	return 1;
}

/* ---- canonical editing -------------------------------------------------- */

/* Take the last byte of the line being edited back, visibly. */
static bool erase_one(struct tty *tty)
{
	unsigned int w;

	if (tty->head == tty->canon_head)
		return false;
	w = echo_width(tty, tty->head - 1);
	tty->head--;
	if (L_FLAG(tty, ECHO) && L_FLAG(tty, ECHOE))
		while (w--)
			echo_raw(tty, "\b \b", 3);
	return true;
}

static void erase_word(struct tty *tty)
{
	while (tty->head != tty->canon_head &&
	       tty->buf[(tty->head - 1) & TTY_MASK] == ' ')
		erase_one(tty);
	while (tty->head != tty->canon_head &&
	       tty->buf[(tty->head - 1) & TTY_MASK] != ' ')
		erase_one(tty);
}

static void kill_line(struct tty *tty)
{
	if (L_FLAG(tty, ECHOKE)) {
		while (erase_one(tty))
			;
		return;
	}
	tty->head = tty->canon_head;
	if (L_FLAG(tty, ECHO) && L_FLAG(tty, ECHOK))
		echo_raw(tty, "\n", 1);
}

/* Store @c; a delimiter also completes the line and wakes readers. */
static void put_char(struct tty *tty, uint8_t c, bool delim)
{
	uint32_t used = tty->head - tty->tail;
	/* Canonical mode keeps one slot so a full line can still be ended. */
	uint32_t limit = L_FLAG(tty, ICANON) && !delim ? TTY_BUF_SIZE - 1 : TTY_BUF_SIZE;

	if (used >= limit)
		return;				/* full: drop, as n_tty does */
	tty->buf[tty->head & TTY_MASK] = c;
	set_delim(tty, tty->head, delim);
	tty->head++;
	if (delim || !L_FLAG(tty, ICANON)) {
		tty->canon_head = tty->head;
		wake_up(&tty->read_wait);
	}
}

/* Signal characters: 0, or the signal to send after the lock is dropped. */
static int signal_char(struct tty *tty, uint8_t c)
{
	int sig = 0;

	if (is_cc(tty, c, VINTR))
		sig = SIGINT;
	else if (is_cc(tty, c, VQUIT))
		sig = SIGQUIT;
	else if (is_cc(tty, c, VSUSP))
		sig = SIGTSTP;
	if (!sig)
		return 0;
	if (!L_FLAG(tty, NOFLSH))
		flush_input_locked(tty);
	if (L_FLAG(tty, ECHO))
		echo_char(tty, c);
	return sig;
}

static void canon_char(struct tty *tty, uint8_t c)
{
	bool echo = L_FLAG(tty, ECHO);

	if (is_cc(tty, c, VERASE)) {
		erase_one(tty);
	} else if (is_cc(tty, c, VKILL)) {
		kill_line(tty);
	} else if (is_cc(tty, c, VWERASE) && L_FLAG(tty, IEXTEN)) {
		erase_word(tty);
	} else if (is_cc(tty, c, VEOF)) {
		/* The marker ends the line but is never handed to read(2). */
		put_char(tty, TTY_VDISABLE, /* delim= */true);
	} else if (c == '\n' || is_cc(tty, c, VEOL) || is_cc(tty, c, VEOL2)) {
		if (echo || (c == '\n' && L_FLAG(tty, ECHONL)))
			echo_char(tty, c);
		put_char(tty, c, /* delim= */true);
	} else {
		if (tty->head == tty->canon_head)
			tty->canon_column = tty->column;	/* a line begins */
		if (echo)
			echo_char(tty, c);
		put_char(tty, c, /* delim= */false);
	}
}

/* One received byte through the discipline; returns a signal to send or 0. */
static int receive_char(struct tty *tty, uint8_t c)
{
	int sig;

	if (I_FLAG(tty, ISTRIP))
		c &= 0x7f;
	if (c == '\r') {
		if (I_FLAG(tty, IGNCR))
			return 0;
		if (I_FLAG(tty, ICRNL))
			c = '\n';
	} else if (c == '\n' && I_FLAG(tty, INLCR)) {
		c = '\r';
	}
	if (I_FLAG(tty, IXON) && (is_cc(tty, c, VSTART) || is_cc(tty, c, VSTOP)))
		return 0;			/* flow control: swallowed, see top */
	if (L_FLAG(tty, ISIG)) {
		sig = signal_char(tty, c);
		if (sig)
			return sig;
	}
	if (L_FLAG(tty, ICANON)) {
		canon_char(tty, c);
		return 0;
	}
	if (L_FLAG(tty, ECHO))
		echo_char(tty, c);
	put_char(tty, c, /* delim= */false);
	return 0;
}

void tty_receive(struct tty *tty, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned long flags = spin_lock_irqsave(&tty->lock);
		int sig = receive_char(tty, (uint8_t)s[i]);
		pid_t pgrp = tty->pgrp;

		spin_unlock_irqrestore(&tty->lock, flags);
		if (sig && pgrp > 0)
			kill_pgrp(pgrp, sig);
	}
}

/* ---- reading ------------------------------------------------------------ */

/* Where read bytes go: a user buffer or, for kernel callers, a kernel one. */
struct tty_dst {
	char *kbuf;
	char __user *ubuf;
};

static int tty_copy_out(struct tty_dst *d, size_t off, const void *src, size_t n)
{
	if (d->kbuf) {
		memcpy(d->kbuf + off, src, n);
		return 0;
	}
	return copy_to_user(d->ubuf + off, src, n);
}

/*
 * Sleep until input is readable, a signal arrives (-ERESTARTSYS) or @timeout_ns
 * passes (-ETIMEDOUT; 0 means no timeout).
 */
static int tty_wait_input(struct tty *tty, uint64_t timeout_ns)
{
	uint64_t deadline = timeout_ns ? clock_ns() + timeout_ns : 0;
	struct wait_entry we = WAIT_ENTRY_INIT;
	int ret;

	for (;;) {
		prepare_to_wait(&tty->read_wait, &we, TASK_INTERRUPTIBLE);
		if (tty_input_ready(tty)) {
			ret = 0;
			break;
		}
		if (signal_pending_current()) {
			ret = -ERESTARTSYS;
			break;
		}
		if (!timeout_ns) {
			schedule();
			continue;
		}
		uint64_t now = clock_ns();

		if (now >= deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		schedule_timeout(deadline - now);
	}
	finish_wait(&tty->read_wait, &we);
	return ret;
}

/*
 * Copy out at most @n bytes of the next line (canonical). Sets *eol once
 * the line's delimiter was taken. Returns bytes or -EFAULT.
 */
static ssize_t read_canon_chunk(struct tty *tty, struct tty_dst *d, size_t off,
				size_t n, bool *eol)
{
	char bounce[BOUNCE];
	unsigned long flags = spin_lock_irqsave(&tty->lock);
	size_t k = 0;

	while (k < sizeof(bounce) && k < n && tty->tail != tty->canon_head) {
		uint32_t i = tty->tail++;
		uint8_t c = tty->buf[i & TTY_MASK];
		bool delim = is_delim(tty, i);

		set_delim(tty, i, false);
		if (delim) {
			*eol = true;
			if (c == TTY_VDISABLE)
				break;		/* EOF marker: not data */
		}
		bounce[k++] = (char)c;
		if (delim)
			break;
	}
	if (tty->tail == tty->canon_head)
		*eol = true;		/* nothing more of this line is ready */
	spin_unlock_irqrestore(&tty->lock, flags);
	if (k && tty_copy_out(d, off, bounce, k))
		return -EFAULT;
	return (ssize_t)k;
}

static ssize_t tty_read_canon(struct tty *tty, struct tty_dst *d, size_t n, bool nonblock)
{
	size_t done = 0;
	bool eol = false;
	int err;

	while (!tty_input_ready(tty)) {
		if (nonblock)
			return -EAGAIN;
		err = tty_wait_input(tty, 0);
		if (err)
			return err;
	}
	while (done < n && !eol) {
		ssize_t k = read_canon_chunk(tty, d, done, n - done, &eol);

		if (k < 0)
			return done ? (ssize_t)done : k;
		done += (size_t)k;
	}
	return (ssize_t)done;
}

/* Copy out whatever raw input is there (up to @n). */
static ssize_t read_raw_chunk(struct tty *tty, struct tty_dst *d, size_t off, size_t n)
{
	char bounce[BOUNCE];
	unsigned long flags = spin_lock_irqsave(&tty->lock);
	size_t k = 0;

	while (k < sizeof(bounce) && k < n && tty->tail != tty->head) {
		set_delim(tty, tty->tail, false);
		bounce[k++] = (char)tty->buf[tty->tail++ & TTY_MASK];
	}
	tty->canon_head = tty->head;
	spin_unlock_irqrestore(&tty->lock, flags);
	if (k && tty_copy_out(d, off, bounce, k))
		return -EFAULT;
	return (ssize_t)k;
}

/*
 * Non-canonical read, POSIX VMIN/VTIME (TIME in tenths of a second):
 *   MIN=0 TIME=0  return what is there, maybe 0
 *   MIN=0 TIME>0  wait up to TIME for the first byte; 0 on timeout
 *   MIN>0 TIME=0  wait until MIN bytes (or n, if smaller) are there
 *   MIN>0 TIME>0  wait for a first byte, then until MIN bytes or until no
 *                 byte has come for TIME (inter-byte timer)
 */
static ssize_t tty_read_raw(struct tty *tty, struct tty_dst *d, size_t n, bool nonblock)
{
	unsigned int vmin = CC(tty, VMIN), vtime = CC(tty, VTIME);
	uint64_t tenth = NSEC_PER_SEC / 10;
	size_t done = 0, want = vmin ? MIN((size_t)vmin, n) : 1;

	for (;;) {
		ssize_t k = read_raw_chunk(tty, d, done, n - done);
		int err;

		if (k < 0)
			return done ? (ssize_t)done : k;
		done += (size_t)k;
		if (done >= n || done >= want)
			break;
		if (!vmin && !vtime)
			break;
		if (nonblock)
			return done ? (ssize_t)done : -EAGAIN;
		/* MIN>0 TIME>0 starts the timer only after the first byte. */
		err = tty_wait_input(tty, vtime && (!vmin || done) ? vtime * tenth : 0);
		if (err == -ETIMEDOUT)
			break;
		if (err)
			return done ? (ssize_t)done : err;
	}
	return (ssize_t)done;
}

static ssize_t tty_do_read(struct tty *tty, struct tty_dst *d, size_t n, bool nonblock)
{
	ssize_t ret;

	if (!n)
		return 0;
	mutex_lock(&tty->read_lock);
	if (L_FLAG(tty, ICANON))
		ret = tty_read_canon(tty, d, n, nonblock);
	else
		ret = tty_read_raw(tty, d, n, nonblock);
	mutex_unlock(&tty->read_lock);
	return ret;
}

ssize_t tty_kernel_read(struct tty *tty, void *buf, size_t n, bool nonblock)
{
	struct tty_dst d = { .kbuf = buf, .ubuf = NULL };

	return tty_do_read(tty, &d, n, nonblock);
}

ssize_t tty_user_read(struct tty *tty, char __user *buf, size_t n, bool nonblock)
{
	struct tty_dst d = { .kbuf = NULL, .ubuf = buf };

	return tty_do_read(tty, &d, n, nonblock);
}

size_t tty_bytes_ready(struct tty *tty)
{
	unsigned long flags = spin_lock_irqsave(&tty->lock);
	size_t n = readable_locked(tty);

	spin_unlock_irqrestore(&tty->lock, flags);
	return n;
}

/* ---- writing ------------------------------------------------------------ */

/* Output @n bytes from @src (kernel or user memory); bytes or -EFAULT. */
static ssize_t tty_do_write(struct tty *tty, const char *kbuf, const char __user *ubuf,
			    size_t n)
{
	char in[BOUNCE / 2], out[BOUNCE];
	size_t done = 0;

	mutex_lock(&tty->write_lock);
	while (done < n) {
		size_t chunk = MIN(n - done, sizeof(in)), len = 0;
		unsigned long flags;

		if (kbuf)
			memcpy(in, kbuf + done, chunk);
		else if (copy_from_user(in, ubuf + done, chunk))
			break;
		flags = spin_lock_irqsave(&tty->lock);
		for (size_t i = 0; i < chunk; i++)
			len += opost_char(tty, (uint8_t)in[i], out + len);
		spin_unlock_irqrestore(&tty->lock, flags);
		tty->output(tty, out, len);
		done += chunk;
	}
	mutex_unlock(&tty->write_lock);
	return done || !n ? (ssize_t)done : -EFAULT;
}

ssize_t tty_kernel_write(struct tty *tty, const void *buf, size_t n)
{
	return tty_do_write(tty, buf, NULL, n);
}

ssize_t tty_user_write(struct tty *tty, const char __user *buf, size_t n)
{
	return tty_do_write(tty, NULL, buf, n);
}

/* ---- settings ----------------------------------------------------------- */

static const cc_t default_cc[NCCS] = {
	[VINTR] = CTRL('C'), [VQUIT] = CTRL('\\'), [VERASE] = 0x7f,
	[VKILL] = CTRL('U'), [VEOF] = CTRL('D'), [VTIME] = 0, [VMIN] = 1,
	[VSTART] = CTRL('Q'), [VSTOP] = CTRL('S'), [VSUSP] = CTRL('Z'),
	[VREPRINT] = CTRL('R'), [VDISCARD] = CTRL('O'), [VWERASE] = CTRL('W'),
	[VLNEXT] = CTRL('V'),
};

void tty_init(struct tty *tty, const char *name, tty_output_t output)
{
	memset(tty, 0, sizeof(*tty));
	tty->name = name;
	tty->output = output;
	spin_lock_init(&tty->lock);
	/* Linux's tty_std_termios, at the serial console's 115200 baud. */
	tty->termios.c_iflag = ICRNL | IXON;
	tty->termios.c_oflag = OPOST | ONLCR;
	tty->termios.c_cflag = B115200 | CS8 | CREAD | HUPCL;
	tty->termios.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL |
			       ECHOKE | IEXTEN;
	memcpy(tty->termios.c_cc, default_cc, sizeof(default_cc));
	tty->winsize.ws_row = 24;
	tty->winsize.ws_col = 80;
	waitqueue_init(&tty->read_wait);
	mutex_init(&tty->read_lock);
	mutex_init(&tty->write_lock);
}

void tty_set_termios(struct tty *tty, const struct termios *t, bool flush)
{
	unsigned long flags = spin_lock_irqsave(&tty->lock);

	if (flush)
		flush_input_locked(tty);
	/* Switching mode: what was typed so far becomes readable as is. */
	if ((t->c_lflag ^ tty->termios.c_lflag) & ICANON)
		tty->canon_head = tty->head;
	tty->termios = *t;
	spin_unlock_irqrestore(&tty->lock, flags);
	wake_up(&tty->read_wait);
}

void tty_flush_input(struct tty *tty)
{
	unsigned long flags = spin_lock_irqsave(&tty->lock);

	flush_input_locked(tty);
	spin_unlock_irqrestore(&tty->lock, flags);
}
