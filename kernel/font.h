/*
 * font.h - the built-in 8x16 bitmap font used by the framebuffer console.
 *
 * Design: one glyph is FONT_HEIGHT bytes, one byte per pixel row, top row
 * first. Within a byte the most significant bit (0x80) is the leftmost pixel,
 * so a set bit means "foreground". The table covers printable ASCII
 * FONT_FIRST..FONT_LAST, followed by one extra glyph (index FONT_BOX): a
 * hollow box drawn for every byte that has no glyph of its own.
 *
 * Metrics every glyph in kernel/font.c follows (row numbers are 0-based):
 *   rows  0-1   always blank: the gap between text lines
 *   row   2     top of capitals, digits and ascenders (b d f h k l)
 *   row   5     top of lowercase letters (the x-height)
 *   row  11     baseline: the bottom row of everything without a descender
 *   rows 12-14  descenders (g j p q y , ;)
 *   row  15     blank
 *   column 7    blank, so neighbouring characters never touch ('_' is the
 *               one exception, so that a run of underscores joins up)
 * The console's underline cursor fills rows FONT_CURSOR_FIRST..15.
 *
 * Invariants: the table is a compile-time constant in .rodata; nothing runs
 * to build it. font_glyph() never returns NULL.
 */
#ifndef KERNEL_FONT_H
#define KERNEL_FONT_H

#include <stdint.h>

#define FONT_WIDTH		8
#define FONT_HEIGHT		16
#define FONT_FIRST		0x20	/* ' ' */
#define FONT_LAST		0x7e	/* '~' */
#define FONT_BOX		(FONT_LAST - FONT_FIRST + 1)
#define FONT_GLYPHS		(FONT_BOX + 1)
#define FONT_CURSOR_FIRST	14	/* first pixel row of the cursor */

extern const uint8_t font8x16[FONT_GLYPHS][FONT_HEIGHT];

/* The FONT_HEIGHT row bytes for byte @c; the box for anything unprintable. */
static inline const uint8_t *font_glyph(unsigned char c)
{
	if (c < FONT_FIRST || c > FONT_LAST)
		return font8x16[FONT_BOX];
	return font8x16[c - FONT_FIRST];
}

#endif
