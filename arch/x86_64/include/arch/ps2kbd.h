/*
 * arch/ps2kbd.h - the PC keyboard behind the i8042 PS/2 controller.
 *
 * The controller is left translating the keyboard's scancodes to set 1,
 * one byte per make (key down) and make|0x80 per break (key up), with 0xe0
 * before the extended keys. ps2kbd.c turns those into the bytes a terminal
 * sends (ASCII, control characters, VT100 escape sequences for arrows) and
 * hands them to the input function from IRQ 1.
 *
 * The translation is a pure function of a struct ps2kbd_state, so it can
 * be tested without a keyboard (kernel/tests/tty_ktest.c).
 */
#ifndef ARCH_PS2KBD_H
#define ARCH_PS2KBD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS2KBD_MAX_SEQ	8		/* longest output of one key: "\e\e[5~" */

/* Modifier and prefix state between scancodes. */
struct ps2kbd_state {
	bool lshift, rshift, lctrl, rctrl, alt, caps;
	bool e0;			/* the previous byte was the 0xe0 prefix */
	unsigned int skip;		/* bytes left of a Pause (0xe1) sequence */
};

/* Receives the bytes of one key press, from the keyboard interrupt. */
typedef void (*ps2kbd_input_t)(const char *s, size_t n);

/*
 * Reset the controller's configuration to "keyboard on, IRQ 1 on, set 1
 * translation on, mouse off" and route IRQ 1 to @fn. Returns 0, or -ENODEV
 * when no i8042 answers (e.g. a UEFI PC without legacy PS/2).
 */
int ps2kbd_init(ps2kbd_input_t fn);

/*
 * Feed one scancode byte; writes what the key press produces into @out
 * and returns its length (0 for releases, modifiers and prefixes).
 */
size_t ps2kbd_translate(struct ps2kbd_state *st, uint8_t sc, char out[PS2KBD_MAX_SEQ]);

#endif
