/*
 * printk.c - formatted kernel output fanned out to the consoles.
 *
 * Consoles form a singly linked list (serial first, so the harness sees
 * everything). A message is formatted into a stack buffer, then written to
 * every console while console_lock is held with interrupts off: a printk from
 * an interrupt handler waits for the current line to finish instead of
 * cutting into it. panic() busts the lock, since the CPU that held it may be
 * the one that died.
 */
#include "kernel/printk.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/spinlock.h"

#define LOG_BUF_SIZE	16384

static struct console *consoles;
/* The start of the boot log, for consoles that come up late (framebuffer). */
static char log_buf[LOG_BUF_SIZE];
static size_t log_len;
static spinlock_t console_lock = SPINLOCK_INIT(console_lock);

void console_register(struct console *con)
{
	unsigned long flags = spin_lock_irqsave(&console_lock);
	struct console **pp = &consoles;

	while (*pp)
		pp = &(*pp)->next;
	if (con->replay)
		con->write(log_buf, log_len);
	con->next = NULL;
	*pp = con;
	spin_unlock_irqrestore(&console_lock, flags);
}

static void console_write_locked(const char *s, size_t n)
{
	size_t room = LOG_BUF_SIZE - log_len;

	memcpy(log_buf + log_len, s, n < room ? n : room);
	log_len += n < room ? n : room;
	for (struct console *c = consoles; c; c = c->next)
		c->write(s, n);
}

void console_write(const char *s, size_t n)
{
	unsigned long flags = spin_lock_irqsave(&console_lock);

	console_write_locked(s, n);
	spin_unlock_irqrestore(&console_lock, flags);
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;	/* truncated: still print what fits */
	console_write(buf, n);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

void console_bust_lock(void)
{
	spin_lock_init(&console_lock);
}
