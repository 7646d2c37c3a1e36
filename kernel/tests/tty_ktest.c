/*
 * tty_ktest.c - the line discipline, the PS/2 scancode translation and the
 * random generator, tested without hardware.
 *
 * The TTY tests drive a private struct tty (not the console) whose output
 * function records what would be printed, feed it bytes with tty_receive()
 * as an interrupt would, and read the cooked result with tty_kernel_read()
 * (non-blocking, so no scheduler is needed). No test sets a foreground
 * process group, so ^C flushes and echoes but signals nobody.
 */
#include "kernel/fs/tty.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/random.h"
#include <arch/ps2kbd.h>

static struct tty t;
static char out[512];
static size_t out_len;

static void capture(struct tty *tty, const char *s, size_t n)
{
	(void)tty;
	for (size_t i = 0; i < n && out_len < sizeof(out) - 1; i++)
		out[out_len++] = s[i];
	out[out_len] = 0;
}

static void fresh_tty(void)
{
	tty_init(&t, "ktest", capture);
	out_len = 0;
	out[0] = 0;
}

static void feed(const char *s)
{
	tty_receive(&t, s, strlen(s));
}

/* Read without blocking; returns the count and leaves a NUL-terminated buf. */
static ssize_t rd(char *buf, size_t n)
{
	ssize_t got = tty_kernel_read(&t, buf, n - 1, /* nonblock= */true);

	buf[got > 0 ? got : 0] = 0;
	return got;
}

KTEST(tty_canonical_erase_echo)
{
	char buf[64];

	fresh_tty();
	feed("ab\x7f");
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), -EAGAIN);	/* no line yet */
	KT_ASSERT_EQ(tty_bytes_ready(&t), 0);
	feed("c\r");					/* Enter: ICRNL */
	KT_ASSERT_EQ(tty_bytes_ready(&t), 3);
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), 3);
	KT_ASSERT(strcmp(buf, "ac\n") == 0);
	KT_ASSERT(strcmp(out, "ab\b \bc\r\n") == 0);	/* echo, ECHOE, ONLCR */
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), -EAGAIN);
	return KT_PASS;
}

KTEST(tty_canonical_lines_eof_kill)
{
	char buf[64];

	fresh_tty();
	feed("one\ntwo\n");
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), 4);		/* one line per read */
	KT_ASSERT(strcmp(buf, "one\n") == 0);
	KT_ASSERT_EQ(rd(buf, 3), 2);			/* a short buffer... */
	KT_ASSERT(strcmp(buf, "tw") == 0);
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), 2);		/* ...then the rest */
	KT_ASSERT(strcmp(buf, "o\n") == 0);
	feed("xy\x04");					/* ^D ends a line, unsent */
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), 2);
	KT_ASSERT(strcmp(buf, "xy") == 0);
	feed("\x04");					/* ^D at line start: EOF */
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), 0);
	out_len = 0;
	feed("abc\x15" "d\n");				/* ^U kills "abc" */
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), 2);
	KT_ASSERT(strcmp(buf, "d\n") == 0);
	KT_ASSERT(strcmp(out, "abc\b \b\b \b\b \bd\r\n") == 0);
	out_len = 0;
	feed("a b\x17" "c\n");				/* ^W erases "b" */
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), 4);
	KT_ASSERT(strcmp(buf, "a c\n") == 0);
	return KT_PASS;
}

KTEST(tty_erase_tab_and_control)
{
	char buf[64];

	fresh_tty();
	feed("a\t\x7f");		/* the tab took columns 1..7 */
	KT_ASSERT(strcmp(out, "a\t\b \b\b \b\b \b\b \b\b \b\b \b\b \b") == 0);
	out_len = 0;
	feed("\x01\x7f\n");		/* ^A echoes as "^A": two columns */
	KT_ASSERT(strcmp(out, "^A\b \b\b \b\r\n") == 0);
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), 2);
	KT_ASSERT(strcmp(buf, "a\n") == 0);
	return KT_PASS;
}

KTEST(tty_interrupt_flushes)
{
	char buf[64];

	fresh_tty();
	feed("done\nabc\x03");
	KT_ASSERT(strcmp(out, "done\r\nabc^C") == 0);
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), -EAGAIN);	/* all input flushed */
	feed("x\n");
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), 2);
	return KT_PASS;
}

KTEST(tty_raw_mode)
{
	char buf[64];

	fresh_tty();
	t.termios.c_lflag &= ~(ICANON | ECHO);
	t.termios.c_cc[VMIN] = 1;
	t.termios.c_cc[VTIME] = 0;
	feed("q\x7f");			/* no editing, no echo */
	KT_ASSERT_EQ(out_len, 0);
	KT_ASSERT_EQ(tty_bytes_ready(&t), 2);
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), 2);
	KT_ASSERT(buf[0] == 'q' && buf[1] == 0x7f);
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), -EAGAIN);
	t.termios.c_cc[VMIN] = 0;	/* MIN=0 TIME=0: a poll, 0 when empty */
	KT_ASSERT_EQ(tty_kernel_read(&t, buf, 8, /* nonblock= */false), 0);
	feed("\r");			/* ICRNL still applies */
	KT_ASSERT_EQ(rd(buf, sizeof(buf)), 1);
	KT_ASSERT(buf[0] == '\n');
	return KT_PASS;
}

KTEST(tty_output_processing)
{
	fresh_tty();
	KT_ASSERT_EQ(tty_kernel_write(&t, "a\nb", 3), 3);
	KT_ASSERT(strcmp(out, "a\r\nb") == 0);
	out_len = 0;
	t.termios.c_oflag &= ~OPOST;
	KT_ASSERT_EQ(tty_kernel_write(&t, "a\nb", 3), 3);
	KT_ASSERT(strcmp(out, "a\nb") == 0);
	return KT_PASS;
}

/* Translate a scancode sequence; returns the bytes produced, NUL-terminated. */
static const char *keys(struct ps2kbd_state *st, const uint8_t *sc, size_t n)
{
	static char res[64];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		char seq[PS2KBD_MAX_SEQ];
		size_t k = ps2kbd_translate(st, sc[i], seq);

		for (size_t j = 0; j < k && len < sizeof(res) - 1; j++)
			res[len++] = seq[j];
	}
	res[len] = 0;
	return res;
}

KTEST(ps2kbd_scancode_set1)
{
	struct ps2kbd_state st = { 0 };
	static const uint8_t hello[] = {
		0x2a, 0x23, 0xa3, 0xaa,		/* Shift+H */
		0x12, 0x92, 0x26, 0xa6, 0x26, 0xa6, 0x18, 0x98,	/* e l l o */
		0x2a, 0x02, 0x82, 0xaa,		/* Shift+1 */
		0x1c, 0x9c,			/* Enter */
	};
	static const uint8_t ctrl_c[] = { 0x1d, 0x2e, 0xae, 0x9d };
	static const uint8_t up[] = { 0xe0, 0x48, 0xe0, 0xc8 };
	static const uint8_t caps_a[] = { 0x3a, 0xba, 0x1e, 0x9e, 0x3a, 0xba, 0x1e };
	static const uint8_t alt_x[] = { 0x38, 0x2d, 0xad, 0xb8 };
	static const uint8_t bksp_f1[] = { 0x0e, 0x8e, 0x3b, 0xbb };

	KT_ASSERT(strcmp(keys(&st, hello, sizeof(hello)), "Hello!\r") == 0);
	KT_ASSERT(strcmp(keys(&st, ctrl_c, sizeof(ctrl_c)), "\x03") == 0);
	KT_ASSERT(strcmp(keys(&st, up, sizeof(up)), "\033[A") == 0);
	KT_ASSERT(strcmp(keys(&st, caps_a, sizeof(caps_a)), "Aa") == 0);
	KT_ASSERT(strcmp(keys(&st, alt_x, sizeof(alt_x)), "\033x") == 0);
	KT_ASSERT(strcmp(keys(&st, bksp_f1, sizeof(bksp_f1)), "\x7f\033OP") == 0);
	return KT_PASS;
}

KTEST(random_not_constant)
{
	uint8_t a[32], b[32], zero[32] = { 0 };
	unsigned int ones = 0;

	get_random_bytes(a, sizeof(a));
	get_random_bytes(b, sizeof(b));
	KT_ASSERT(memcmp(a, b, sizeof(a)) != 0);
	KT_ASSERT(memcmp(a, zero, sizeof(a)) != 0);
	for (unsigned int i = 0; i < sizeof(a); i++)
		for (uint8_t v = a[i]; v; v &= (uint8_t)(v - 1))
			ones++;		/* no popcount: libgcc is not linked */
	KT_ASSERT(ones > 64 && ones < 192);	/* 256 bits: about half set */
	return KT_PASS;
}
