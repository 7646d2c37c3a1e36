/*
 * fbcon.c - a text console on the boot framebuffer.
 *
 * Why it looks like this: under QEMU TCG every store to framebuffer memory is
 * expensive, and the kernel prints a lot. So the console never reads the
 * framebuffer back and touches it as little as it can:
 *
 *   text[][]   what the screen *should* show, one byte per cell. Rows form a
 *              ring (con.top is screen row 0), so scrolling is "advance top
 *              and blank one row": no copying at all.
 *   shown[][]  what the screen *does* show, indexed by screen row.
 *
 * fbcon_write() only updates text[] (and the cursor position). At the end of
 * the call, flush() compares the dirty rows of text[] against shown[] and
 * redraws just the cells that differ. A burst of output that scrolls many
 * times therefore costs one redraw of the final screen, and blank-to-blank
 * or same-character cells are never touched. Within a redrawn cell only the
 * pixel rows whose bit pattern actually changes are stored, since we know
 * exactly which glyph (and whether the cursor) is there now.
 *
 * Pixels: light grey on black, packed with the red/green/blue position and
 * size fields multiboot gave us, so no byte order is assumed. At init we
 * pre-render, for each of the 256 possible glyph-row bytes, the 8 pixels it
 * stands for (rowimg[]). A cell row is 8 pixels x 2, 3 or 4 bytes = 16, 24
 * or 32 bytes, always a whole number of 64-bit words, so drawing one is two
 * to four 64-bit stores. No SSE or floating point is used anywhere.
 *
 * EGA text mode: the same text[]/shown[] machinery, but drawing a cell is a
 * single 16-bit store of (char | 0x07 << 8) into the text buffer. Bytes with
 * no ASCII glyph show as CP437 0xfe (a small square). No cursor is drawn
 * there (the hardware cursor needs port I/O; that is not this file's job).
 *
 * Invariants:
 *   - con.mode == FBCON_OFF until an fbcon_init() succeeds; every entry point
 *     checks it first.
 *   - 1 <= con.cols <= FBCON_MAX_COLS and 1 <= con.rows <= FBCON_MAX_ROWS;
 *     every framebuffer store lies inside the first con.rows text rows and
 *     con.cols columns (or the init-time clear of width x height pixels).
 *   - text[] and shown[] only ever hold ' ' or bytes >= 0x21 other than 0x7f
 *     (control characters are never stored).
 *   - 0 <= con.col <= con.cols: col == cols means "the line is full, wrap
 *     before the next printable character" (deferred wrap, as on a VT100).
 *   - After flush(), shown[] matches text[] and, if con.cursor_on, the
 *     underline cursor is drawn at (con.cur_row, con.cur_col).
 * No locking (the caller serialises) and no allocation.
 */
#include "kernel/fbcon.h"
#include "kernel/font.h"
#include "kernel/lib/string.h"

#include <asm-generic/errno-base.h>

#ifndef FBCON_CURSOR
#define FBCON_CURSOR	1	/* draw an underline cursor in RGB mode */
#endif

#define FBCON_EINVAL	EINVAL
#define EGA_ATTR	0x07	/* light grey on black */
#define EGA_NO_GLYPH	0xfe	/* CP437 small square */
#define GREY		0xaa	/* light grey, per 8-bit channel */

enum fbcon_mode { FBCON_OFF, FBCON_RGB, FBCON_EGA };

/*
 * Framebuffer stores: volatile so each one happens exactly as written (no
 * merging into memcpy calls, no invented reads), aligned(1) so a pitch that
 * is not a multiple of 8 is still correct C.
 */
typedef uint64_t __attribute__((aligned(1))) fb_u64;
typedef uint16_t __attribute__((aligned(1))) fb_u16;
/* For comparing 8 cells of text[]/shown[] at a time. */
typedef uint64_t __attribute__((may_alias)) cells8;

static struct {
	enum fbcon_mode mode;
	uint8_t *base;		/* framebuffer, as mapped by the caller */
	size_t pitch;		/* bytes per scanline (EGA: per row) */
	unsigned int bytespp;	/* bytes per pixel: 2, 3 or 4 (EGA: 2) */
	unsigned int cols, rows; /* text grid, clamped to FBCON_MAX_* */
	unsigned int col, row;	/* where the next character goes */
	unsigned int top;	/* index in text[] of screen row 0 */
	unsigned int dirty_lo, dirty_hi; /* rows to diff; lo > hi: none */
	int cursor_on;		/* is an underline cursor drawn at all? */
	int cursor_shown;	/* is it on screen now, at cur_row/cur_col? */
	unsigned int cur_row, cur_col;
} con;

#define CELLS_ALIGNED	__attribute__((aligned(8)))
static uint8_t text[FBCON_MAX_ROWS][FBCON_MAX_COLS] CELLS_ALIGNED;
static uint8_t shown[FBCON_MAX_ROWS][FBCON_MAX_COLS] CELLS_ALIGNED;

/* rowimg[b]: the pixels of glyph-row byte b, 8 x bytespp bytes. */
static uint64_t rowimg[256][4];

/* ---- pixel format ------------------------------------------------------- */

/* An 8-bit channel value scaled to a @bits-wide field (rounded). */
static uint32_t scale_channel(uint32_t v8, unsigned int bits)
{
	if (bits == 0)
		return 0;
	return (v8 * ((1u << bits) - 1) + 127) / 255;
}

/* Pack an 8:8:8 colour into @fb's pixel layout. Fields are pre-validated. */
static uint32_t pack_colour(const struct fb_info *fb, uint8_t r, uint8_t g,
			    uint8_t b)
{
	return scale_channel(r, fb->red_size) << fb->red_pos |
	       scale_channel(g, fb->green_size) << fb->green_pos |
	       scale_channel(b, fb->blue_size) << fb->blue_pos;
}

/* One colour field must fit in the pixel and in 16 bits. */
static int field_ok(unsigned int pos, unsigned int size, unsigned int bits)
{
	return size <= 16 && pos + size <= bits;
}

/* Fill rowimg[] for pixel values @fg/@bg (little-endian in memory). */
static void build_rowimg(uint32_t fg, uint32_t bg, unsigned int bytespp)
{
	for (unsigned int b = 0; b < 256; b++) {
		uint8_t *p = (uint8_t *)rowimg[b];

		memset(p, 0, sizeof(rowimg[b]));
		for (unsigned int x = 0; x < FONT_WIDTH; x++) {
			uint32_t px = (b & (0x80u >> x)) ? fg : bg;

			for (unsigned int i = 0; i < bytespp; i++)
				*p++ = (uint8_t)(px >> (8 * i));
		}
	}
}

/* ---- drawing (the only code that touches the framebuffer) --------------- */

/* Store @len zero bytes at @dst, 8 at a time where possible. */
static void fb_zero(uint8_t *dst, size_t len)
{
	volatile fb_u64 *q = (volatile fb_u64 *)dst;

	for (; len >= 8; len -= 8)
		*q++ = 0;
	for (volatile uint8_t *p = (volatile uint8_t *)q; len; len--)
		*p++ = 0;
}

/* Blank the whole visible framebuffer, not just the (clamped) text grid. */
static void fb_clear(const struct fb_info *fb)
{
	if (con.mode == FBCON_EGA) {
		for (uint32_t y = 0; y < fb->height; y++) {
			volatile fb_u16 *cell = (volatile fb_u16 *)
				(con.base + (size_t)y * con.pitch);

			for (uint32_t x = 0; x < fb->width; x++)
				cell[x] = ' ' | EGA_ATTR << 8;
		}
		return;
	}
	/* RGB: black is all-zero bits in every layout. */
	for (uint32_t y = 0; y < fb->height; y++)
		fb_zero(con.base + (size_t)y * con.pitch,
			(size_t)fb->width * con.bytespp);
}

/* Draw glyph-row byte @bits as 8 pixels starting at @dst. */
static inline void put_row(uint8_t *dst, unsigned int bits)
{
	volatile fb_u64 *q = (volatile fb_u64 *)dst;
	const uint64_t *img = rowimg[bits];

	switch (con.bytespp) {
	case 4:
		q[3] = img[3];
		/* fall through */
	case 3:
		q[2] = img[2];
		/* fall through */
	default:
		q[1] = img[1];
		q[0] = img[0];
	}
}

/* Pixel row @y of a cell showing @ch, with the underline cursor if @cur. */
static inline unsigned int cell_bits(const uint8_t *glyph, int cur,
				     unsigned int y)
{
	if (cur && y >= FONT_CURSOR_FIRST)
		return 0xff;
	return glyph[y];
}

/*
 * Change cell (@r, @c) from showing @och (cursor @ocur) to @nch (cursor
 * @ncur), storing only the pixel rows that differ.
 */
static void draw_cell(unsigned int r, unsigned int c, uint8_t och, int ocur,
		      uint8_t nch, int ncur)
{
	if (con.mode == FBCON_EGA) {
		volatile fb_u16 *cell = (volatile fb_u16 *)
			(con.base + (size_t)r * con.pitch + (size_t)c * 2);
		uint8_t v = (nch >= FONT_FIRST && nch <= FONT_LAST) ?
			    nch : EGA_NO_GLYPH;

		if (och != nch)
			*cell = v | EGA_ATTR << 8;
		return;
	}

	const uint8_t *og = font_glyph(och), *ng = font_glyph(nch);
	uint8_t *line = con.base + (size_t)r * FONT_HEIGHT * con.pitch +
			(size_t)c * FONT_WIDTH * con.bytespp;

	for (unsigned int y = 0; y < FONT_HEIGHT; y++, line += con.pitch) {
		unsigned int ob = cell_bits(og, ocur, y);
		unsigned int nb = cell_bits(ng, ncur, y);

		if (ob != nb)
			put_row(line, nb);
	}
}

/* ---- the text model ----------------------------------------------------- */

/* The text[] row that is shown on screen row @r. */
static inline uint8_t *text_row(unsigned int r)
{
	unsigned int i = con.top + r;

	if (i >= con.rows)
		i -= con.rows;
	return text[i];
}

static inline void mark_dirty(unsigned int r)
{
	if (r < con.dirty_lo)
		con.dirty_lo = r;
	if (r > con.dirty_hi)
		con.dirty_hi = r;
}

static void newline(void)
{
	con.col = 0;
	if (con.row + 1 < con.rows) {
		con.row++;
		return;
	}
	/* Scroll: old row 0 becomes the (blank) new bottom row. */
	if (++con.top == con.rows)
		con.top = 0;
	memset(text_row(con.rows - 1), ' ', con.cols);
	con.dirty_lo = 0;
	con.dirty_hi = con.rows - 1;
}

static void put_char(uint8_t ch)
{
	switch (ch) {
	case '\n':
		newline();
		return;
	case '\r':
		con.col = 0;
		return;
	case '\b':
		if (con.col > 0)
			con.col--;
		return;
	case '\t':
		con.col = (con.col & ~7u) + 8;
		if (con.col > con.cols)
			con.col = con.cols;
		return;
	}
	if (ch < 0x20 || ch == 0x7f)
		return;			/* other control characters */
	if (con.col >= con.cols)
		newline();		/* deferred wrap */
	text_row(con.row)[con.col++] = ch;
	mark_dirty(con.row);
}

/* Make the screen match text[] and put the cursor at con.row/con.col. */
static void flush(void)
{
	unsigned int cr = con.row;
	unsigned int cc = con.col < con.cols ? con.col : con.cols - 1;

	/* 1. A cursor that is moving elsewhere is erased first. */
	if (con.cursor_shown && (con.cur_row != cr || con.cur_col != cc)) {
		uint8_t ch = shown[con.cur_row][con.cur_col];

		draw_cell(con.cur_row, con.cur_col, ch, 1, ch, 0);
		con.cursor_shown = 0;
	}

	/* 2. Redraw the cells that differ; a cursor still shown stays put. */
	for (unsigned int r = con.dirty_lo; r <= con.dirty_hi; r++) {
		const uint8_t *want = text_row(r);
		uint8_t *have = shown[r];

		for (unsigned int c = 0; c < con.cols; c++) {
			if ((c & 7) == 0 && c + 8 <= con.cols &&
			    *(const cells8 *)(want + c) ==
			    *(const cells8 *)(have + c)) {
				c += 7;
				continue;
			}
			if (want[c] != have[c]) {
				int cur = con.cursor_shown && r == cr &&
					  c == cc;

				draw_cell(r, c, have[c], cur, want[c], cur);
				have[c] = want[c];
			}
		}
	}
	con.dirty_lo = con.rows;
	con.dirty_hi = 0;

	/* 3. Draw the cursor in its new place. */
	if (con.cursor_on && !con.cursor_shown) {
		uint8_t ch = shown[cr][cc];

		draw_cell(cr, cc, ch, 0, ch, 1);
		con.cursor_shown = 1;
		con.cur_row = cr;
		con.cur_col = cc;
	}
}

/* ---- interface ---------------------------------------------------------- */

int fbcon_init(const struct fb_info *fb, void *virt)
{
	enum fbcon_mode mode;
	unsigned int bytespp, cols, rows;

	if (!fb || !virt || fb->width == 0 || fb->height == 0 || fb->pitch == 0)
		return -FBCON_EINVAL;

	switch (fb->type) {
	case FB_TYPE_RGB:
		if (fb->bpp != 15 && fb->bpp != 16 && fb->bpp != 24 &&
		    fb->bpp != 32)
			return -FBCON_EINVAL;
		bytespp = (fb->bpp + 7) / 8;
		if (!field_ok(fb->red_pos, fb->red_size, 8 * bytespp) ||
		    !field_ok(fb->green_pos, fb->green_size, 8 * bytespp) ||
		    !field_ok(fb->blue_pos, fb->blue_size, 8 * bytespp) ||
		    fb->red_size + fb->green_size + fb->blue_size == 0)
			return -FBCON_EINVAL;
		if (fb->width < FONT_WIDTH || fb->height < FONT_HEIGHT ||
		    fb->pitch < (uint64_t)fb->width * bytespp)
			return -FBCON_EINVAL;
		mode = FBCON_RGB;
		cols = fb->width / FONT_WIDTH;
		rows = fb->height / FONT_HEIGHT;
		break;
	case FB_TYPE_EGA_TEXT:
		bytespp = 2;
		if (fb->pitch < (uint64_t)fb->width * 2)
			return -FBCON_EINVAL;
		mode = FBCON_EGA;
		cols = fb->width;
		rows = fb->height;
		break;
	default:	/* FB_TYPE_INDEXED and anything unknown */
		return -FBCON_EINVAL;
	}

	/* The layout is good: from here on we commit. */
	con.mode = mode;
	con.base = virt;
	con.pitch = fb->pitch;
	con.bytespp = bytespp;
	con.cols = cols < FBCON_MAX_COLS ? cols : FBCON_MAX_COLS;
	con.rows = rows < FBCON_MAX_ROWS ? rows : FBCON_MAX_ROWS;
	con.col = con.row = con.top = 0;
	con.dirty_lo = con.rows;
	con.dirty_hi = 0;
	con.cursor_on = FBCON_CURSOR && mode == FBCON_RGB;
	con.cursor_shown = 0;
	con.cur_row = con.cur_col = 0;

	if (mode == FBCON_RGB)
		build_rowimg(pack_colour(fb, GREY, GREY, GREY),
			     pack_colour(fb, 0, 0, 0), bytespp);
	memset(text, ' ', sizeof(text));
	memset(shown, ' ', sizeof(shown));
	fb_clear(fb);
	flush();		/* draws the cursor */
	return 0;
}

void fbcon_write(const char *s, size_t n)
{
	if (con.mode == FBCON_OFF)
		return;
	for (size_t i = 0; i < n; i++)
		put_char((uint8_t)s[i]);
	flush();
}

int fbcon_active(void)
{
	return con.mode != FBCON_OFF;
}
