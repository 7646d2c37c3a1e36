/*
 * ps2kbd.c - PS/2 keyboard: the i8042 controller, IRQ 1 and scancode set 1.
 *
 * The i8042 has two ports: 0x60 (data both ways) and 0x64 (status on read,
 * commands on write). Status bits: 0 OBF, a byte waits for us at 0x60;
 * 1 IBF, the controller has not yet taken our last byte; 5 AUX, the
 * waiting byte came from the mouse port. Its configuration byte:
 *
 *    7     6      5       4      3     2      1       0
 *   +---+-------+-------+-------+---+------+-------+-------+
 *   | 0 | XLATE | AUX   | KBD   | 0 | SYS  | AUX   | KBD   |
 *   |   | set 1 | clock | clock |   | flag | IRQ12 | IRQ1  |
 *   |   |       | off   | off   |   |      |       |       |
 *   +---+-------+-------+-------+---+------+-------+-------+
 *
 * We want XLATE on (the controller turns the keyboard's set 2 into set 1,
 * as the BIOS left it), the keyboard clock and IRQ 1 on, the mouse's IRQ
 * off. Then every key gives a make code, and its release the same code
 * with bit 7 set. Scancode set 1, US layout (make codes in hex):
 *
 * +----+ +----+----+----+----+ +----+----+----+----+ +----+----+----+----+
 * | 01 | | 3b | 3c | 3d | 3e | | 3f | 40 | 41 | 42 | | 43 | 44 | 57 | 58 |
 * |Esc | | F1 | F2 | F3 | F4 | | F5 | F6 | F7 | F8 | | F9 |F10 |F11 |F12 |
 * +----+ +----+----+----+----+ +----+----+----+----+ +----+----+----+----+
 * +----+----+----+----+----+----+----+----+----+----+----+----+----+------+
 * | 29 | 02 | 03 | 04 | 05 | 06 | 07 | 08 | 09 | 0a | 0b | 0c | 0d |  0e  |
 * | `~ | 1! | 2@ | 3# | 4$ | 5% | 6^ | 7& | 8* | 9( | 0) | -_ | =+ | Bksp |
 * +----+----+----+----+----+----+----+----+----+----+----+----+----+------+
 * |  0f  | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 19 | 1a | 1b | 2b |
 * | Tab  | Q  | W  | E  | R  | T  | Y  | U  | I  | O  | P  | [{ | ]} | \| |
 * +------+----+----+----+----+----+----+----+----+----+----+----+----+----+
 * |  3a   | 1e | 1f | 20 | 21 | 22 | 23 | 24 | 25 | 26 | 27 | 28 |  1c   |
 * | Caps  | A  | S  | D  | F  | G  | H  | J  | K  | L  | ;: | '" | Enter |
 * +-------+----+----+----+----+----+----+----+----+----+----+----+-------+
 * |    2a    | 2c | 2d | 2e | 2f | 30 | 31 | 32 | 33 | 34 | 35 |   36    |
 * |  LShift  | Z  | X  | C  | V  | B  | N  | M  | ,< | .> | /? | RShift  |
 * +------+---+--+-+----+----+----+----+----+----+--+-+----+---+---------+
 * |  1d  |  38  |               39                |  e0 38  |  e0 1d    |
 * | Ctrl | Alt  |              Space              |  AltGr  |  RCtrl    |
 * +------+------+---------------------------------+---------+-----------+
 *
 *   Keypad: 47 7  48 8  49 9  4a -  4b 4  4c 5  4d 6  4e +  4f 1  50 2
 *           51 3  52 0  53 .  37 *  e0 35 /  e0 1c Enter   (always digits)
 *   e0-prefixed: 48 Up  50 Down  4b Left  4d Right  47 Home  4f End
 *                49 PgUp  51 PgDn  52 Insert  53 Delete
 *   e1 1d 45 e1 9d c5: Pause, ignored
 *
 * What a key sends is what a Linux virtual console sends: Backspace is DEL
 * (0x7f), Enter is '\r' (the TTY's ICRNL makes it '\n'), Ctrl+letter is
 * the control character, Alt+key is ESC then the key, and the arrows and
 * editing keys are the VT100/xterm sequences ("\e[A" ...).
 */
#include <arch/ps2kbd.h>
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/irq.h>
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"

#define I8042_DATA		0x60
#define I8042_STATUS		0x64	/* read */
#define I8042_CMD		0x64	/* write */

#define STATUS_OBF		0x01
#define STATUS_IBF		0x02
#define STATUS_AUX		0x20

#define CMD_READ_CONFIG		0x20
#define CMD_WRITE_CONFIG	0x60
#define CMD_DISABLE_AUX		0xa7
#define CMD_DISABLE_KBD		0xad
#define CMD_ENABLE_KBD		0xae

#define CONFIG_KBD_IRQ		0x01
#define CONFIG_AUX_IRQ		0x02
#define CONFIG_KBD_CLOCK_OFF	0x10
#define CONFIG_XLATE		0x40

#define KBD_IRQ			1
#define I8042_SPINS		100000	/* bounded waits: hardware may be absent */

#define SC_RELEASE		0x80
#define SC_E0			0xe0
#define SC_E1			0xe1
#define SC_LCTRL		0x1d
#define SC_LSHIFT		0x2a
#define SC_RSHIFT		0x36
#define SC_LALT			0x38
#define SC_CAPS			0x3a

/* Plain and shifted characters by make code; 0: nothing to send. */
static const char keymap[0x59] = {
	[0x01] = 0x1b,
	[0x02] = '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', 0x7f,
	[0x0f] = '\t', 'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\r',
	[0x1e] = 'a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`',
	[0x2b] = '\\', 'z', 'x', 'c', 'v', 'b', 'n', 'm', ',', '.', '/',
	[0x37] = '*', [0x39] = ' ',
	[0x47] = '7', '8', '9', '-', '4', '5', '6', '+', '1', '2', '3', '0', '.',
};

static const char keymap_shift[0x59] = {
	[0x01] = 0x1b,
	[0x02] = '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', 0x7f,
	[0x0f] = '\t', 'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\r',
	[0x1e] = 'A', 'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~',
	[0x2b] = '|', 'Z', 'X', 'C', 'V', 'B', 'N', 'M', '<', '>', '?',
	[0x37] = '*', [0x39] = ' ',
	[0x47] = '7', '8', '9', '-', '4', '5', '6', '+', '1', '2', '3', '0', '.',
};

/* Function keys F1..F12 as xterm sends them. */
static const char *const fkeys[12] = {
	"\033OP", "\033OQ", "\033OR", "\033OS", "\033[15~", "\033[17~",
	"\033[18~", "\033[19~", "\033[20~", "\033[21~", "\033[23~", "\033[24~",
};

/* The e0-prefixed keys that send something. */
static const char *extended_seq(uint8_t code)
{
	switch (code) {
	case 0x1c: return "\r";		/* keypad Enter */
	case 0x35: return "/";		/* keypad / */
	case 0x47: return "\033[H";	/* Home */
	case 0x48: return "\033[A";	/* Up */
	case 0x49: return "\033[5~";	/* PgUp */
	case 0x4b: return "\033[D";	/* Left */
	case 0x4d: return "\033[C";	/* Right */
	case 0x4f: return "\033[F";	/* End */
	case 0x50: return "\033[B";	/* Down */
	case 0x51: return "\033[6~";	/* PgDn */
	case 0x52: return "\033[2~";	/* Insert */
	case 0x53: return "\033[3~";	/* Delete */
	default: return NULL;
	}
}

static const char *fkey_seq(uint8_t code)
{
	if (code >= 0x3b && code <= 0x44)
		return fkeys[code - 0x3b];
	if (code == 0x57 || code == 0x58)
		return fkeys[10 + code - 0x57];
	return NULL;
}

/* Track a modifier key; true if @code was one. */
static bool modifier(struct ps2kbd_state *st, uint8_t code, bool down, bool ext)
{
	switch (code) {
	case SC_LSHIFT:
		st->lshift = down;
		return true;
	case SC_RSHIFT:
		st->rshift = down;
		return true;
	case SC_LCTRL:
		if (ext)
			st->rctrl = down;
		else
			st->lctrl = down;
		return true;
	case SC_LALT:		/* left Alt; e0 38 is AltGr, treated alike */
		st->alt = down;
		return true;
	case SC_CAPS:
		if (down)
			st->caps = !st->caps;
		return true;
	default:
		return false;
	}
}

/* Apply Ctrl to a character, as a VT does. */
static char ctrl_char(char c)
{
	if (c >= 'a' && c <= 'z')
		return (char)(c - 'a' + 1);
	if (c >= '@' && c <= '_')	/* @ A-Z [ \ ] ^ _ */
		return (char)(c - '@');
	if (c == ' ' || c == '2')
		return 0;
	if (c == '/' || c == '-')
		return 0x1f;
	return c;
}

size_t ps2kbd_translate(struct ps2kbd_state *st, uint8_t sc, char out[PS2KBD_MAX_SEQ])
{
	bool ext = st->e0, down = !(sc & SC_RELEASE), shift;
	uint8_t code = sc & (uint8_t)~SC_RELEASE;
	const char *seq = NULL;
	char c = 0;
	size_t n = 0;

	st->e0 = false;
	if (st->skip) {
		st->skip--;
		return 0;
	}
	if (sc == SC_E0) {
		st->e0 = true;
		return 0;
	}
	if (sc == SC_E1) {
		st->skip = 5;
		return 0;
	}
	if (modifier(st, code, down, ext) || !down || code >= sizeof(keymap))
		return 0;
	shift = st->lshift || st->rshift;
	if (ext)
		seq = extended_seq(code);
	else
		seq = fkey_seq(code);
	if (!seq && !ext) {
		c = shift ? keymap_shift[code] : keymap[code];
		if (st->caps && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			c ^= 0x20;	/* Caps Lock flips the case of letters only */
		if (!c)
			return 0;
		if (st->lctrl || st->rctrl)
			c = ctrl_char(c);
	}
	if (!seq && !c && ext)
		return 0;
	if (st->alt)
		out[n++] = 0x1b;	/* Meta: ESC prefix */
	if (seq) {
		size_t len = strlen(seq);

		memcpy(out + n, seq, len);
		return n + len;
	}
	out[n++] = c;
	return n;
}

/* ---- the controller ----------------------------------------------------- */

static struct ps2kbd_state kbd;
static ps2kbd_input_t kbd_input;

static bool i8042_wait_write(void)
{
	for (int i = 0; i < I8042_SPINS; i++)
		if (!(inb(I8042_STATUS) & STATUS_IBF))
			return true;
	return false;
}

static int i8042_read(void)
{
	for (int i = 0; i < I8042_SPINS; i++)
		if (inb(I8042_STATUS) & STATUS_OBF)
			return inb(I8042_DATA);
	return -1;
}

static bool i8042_cmd(uint8_t cmd)
{
	if (!i8042_wait_write())
		return false;
	outb(I8042_CMD, cmd);
	return true;
}

static void i8042_flush(void)
{
	for (int i = 0; i < 32 && (inb(I8042_STATUS) & STATUS_OBF); i++)
		(void)inb(I8042_DATA);
}

static void ps2kbd_irq(void *arg)
{
	char out[PS2KBD_MAX_SEQ];
	uint8_t status;

	(void)arg;
	while ((status = inb(I8042_STATUS)) & STATUS_OBF) {
		uint8_t sc = inb(I8042_DATA);
		size_t n;

		if (status & STATUS_AUX)
			continue;		/* a mouse byte: not ours */
		n = ps2kbd_translate(&kbd, sc, out);
		if (n && kbd_input)
			kbd_input(out, n);
	}
}

int ps2kbd_init(ps2kbd_input_t fn)
{
	int config;

	/* No controller: the ports float and read back all ones. */
	if (inb(I8042_STATUS) == 0xff)
		return -ENODEV;
	if (!i8042_cmd(CMD_DISABLE_KBD) || !i8042_cmd(CMD_DISABLE_AUX))
		return -ENODEV;
	i8042_flush();
	if (!i8042_cmd(CMD_READ_CONFIG))
		return -ENODEV;
	config = i8042_read();
	if (config < 0)
		return -ENODEV;
	config |= CONFIG_KBD_IRQ | CONFIG_XLATE;
	config &= ~(CONFIG_AUX_IRQ | CONFIG_KBD_CLOCK_OFF);
	if (!i8042_cmd(CMD_WRITE_CONFIG) || !i8042_wait_write())
		return -ENODEV;
	outb(I8042_DATA, (uint8_t)config);
	memset(&kbd, 0, sizeof(kbd));
	kbd_input = fn;
	if (irq_register_isa(KBD_IRQ, ps2kbd_irq, NULL))
		return -ENODEV;
	i8042_flush();
	return i8042_cmd(CMD_ENABLE_KBD) ? 0 : -ENODEV;
}
