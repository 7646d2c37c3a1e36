/*
 * fbcon_test.c - host unit test for the framebuffer console and its font.
 *
 * Build and run (from the repo top):
 *   gcc -std=gnu11 -Wall -Werror -I. -fsanitize=address,undefined -g \
 *       tests/host/fbcon_test.c -o /tmp/fbcon_test && /tmp/fbcon_test
 *
 * Design: the console and font sources are #included directly, so the test
 * sees their static helpers (pack_colour) and runs the exact kernel code
 * against fake framebuffers in malloc()ed host memory. Each fake buffer is
 * filled with a poison byte first, and every scanline gets some padding past
 * the visible width, so the test can tell "never written" from "written
 * black" and catch stores outside the visible area; ASan catches stores
 * outside the buffer or past the console's static shadow arrays.
 *
 * Expected pixels are computed here independently: the glyph bits come from
 * the font table, the colours are written out by hand for each pixel format
 * (light grey 0xaa per 8-bit channel, rounded to the field width, on black).
 * A small reference model of the cursor/wrap/scroll rules drives a
 * randomised comparison against the real screen.
 *
 * Output: one line per check, "PASS fbcon/<name>" or
 * "FAIL fbcon/<name>: <reason>"; exit status 0 only if every check passed.
 */
#include "kernel/fbcon.c"
#include "kernel/font.c"
#include "kernel/lib/string.c"

#include <stdio.h>
#include <stdlib.h>

#define HOSTTEST_SUITE "fbcon"
#include "hosttest.h"

#define POISON	0x5a

static void put(const char *s)
{
	fbcon_write(s, strlen(s));
}

/* ---- fake framebuffers -------------------------------------------------- */

struct fake {
	struct fb_info info;
	uint8_t *mem;
	size_t size;
	unsigned int bpp_bytes;	/* per pixel (RGB) or per cell (EGA) */
	uint32_t fg, bg;	/* expected pixel values */
	unsigned int cols, rows; /* expected (clamped) text grid */
};

static void fake_free(struct fake *f)
{
	free(f->mem);
	f->mem = NULL;
}

static void fake_alloc(struct fake *f)
{
	f->size = (size_t)f->info.pitch * f->info.height;
	f->mem = malloc(f->size);
	if (!f->mem) {
		perror("malloc");
		exit(2);
	}
	memset(f->mem, POISON, f->size);
	f->info.phys = 0xfd000000;
}

static unsigned int clampu(unsigned int v, unsigned int max)
{
	return v < max ? v : max;
}

/* An RGB framebuffer with @pad spare bytes at the end of each scanline. */
static void fake_rgb(struct fake *f, uint32_t w, uint32_t h, uint8_t bpp,
		     uint32_t pad, uint8_t rp, uint8_t rs, uint8_t gp,
		     uint8_t gs, uint8_t bp, uint8_t bs, uint32_t fg)
{
	memset(f, 0, sizeof(*f));
	f->bpp_bytes = (bpp + 7) / 8;
	f->info.type = FB_TYPE_RGB;
	f->info.bpp = bpp;
	f->info.width = w;
	f->info.height = h;
	f->info.pitch = w * f->bpp_bytes + pad;
	f->info.red_pos = rp;
	f->info.red_size = rs;
	f->info.green_pos = gp;
	f->info.green_size = gs;
	f->info.blue_pos = bp;
	f->info.blue_size = bs;
	f->fg = fg;
	f->bg = 0;
	f->cols = clampu(w / 8, FBCON_MAX_COLS);
	f->rows = clampu(h / 16, FBCON_MAX_ROWS);
	fake_alloc(f);
}

/* The common case: 32bpp x8r8g8b8. */
static void fake_rgb32(struct fake *f, uint32_t w, uint32_t h)
{
	fake_rgb(f, w, h, 32, 64, 16, 8, 8, 8, 0, 8, 0x00aaaaaa);
}

static void fake_ega(struct fake *f, uint32_t w, uint32_t h, uint32_t pad)
{
	memset(f, 0, sizeof(*f));
	f->bpp_bytes = 2;
	f->info.type = FB_TYPE_EGA_TEXT;
	f->info.bpp = 16;
	f->info.width = w;
	f->info.height = h;
	f->info.pitch = w * 2 + pad;
	f->cols = clampu(w, FBCON_MAX_COLS);
	f->rows = clampu(h, FBCON_MAX_ROWS);
	fake_alloc(f);
}

static uint32_t get_px(const struct fake *f, unsigned int x, unsigned int y)
{
	const uint8_t *p = f->mem + (size_t)y * f->info.pitch +
			   (size_t)x * f->bpp_bytes;
	uint32_t v = 0;

	for (unsigned int i = 0; i < f->bpp_bytes; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static void set_px(struct fake *f, unsigned int x, unsigned int y, uint32_t v)
{
	uint8_t *p = f->mem + (size_t)y * f->info.pitch +
		     (size_t)x * f->bpp_bytes;

	for (unsigned int i = 0; i < f->bpp_bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_ega(const struct fake *f, unsigned int c, unsigned int r)
{
	const uint8_t *p = f->mem + (size_t)r * f->info.pitch + (size_t)c * 2;

	return (uint16_t)(p[0] | p[1] << 8);
}

static int init_ok(struct fake *f)
{
	int rc = fbcon_init(&f->info, f->mem);

	EXPECT(rc == 0, "fbcon_init returned %d for a valid %ux%u type %u",
	       rc, f->info.width, f->info.height, f->info.type);
	return rc == 0;
}

/*
 * Does text cell (@c, @r) show @ch (with the underline cursor if @cursor)?
 * Reports the first wrong pixel through fail(); returns 1 if all match.
 */
static int cell_is(const struct fake *f, unsigned int c, unsigned int r,
		   unsigned char ch, int cursor)
{
	if (f->info.type == FB_TYPE_EGA_TEXT) {
		unsigned char want = (ch >= 0x20 && ch <= 0x7e) ? ch : 0xfe;
		uint16_t v = get_ega(f, c, r);

		if (v != (want | 0x0700)) {
			fail("EGA cell (%u,%u) is 0x%04x, want 0x%04x",
			     c, r, v, want | 0x0700);
			return 0;
		}
		return 1;
	}
	const uint8_t *g = font_glyph(ch);

	for (unsigned int y = 0; y < 16; y++) {
		unsigned int bits = (cursor && y >= 14) ? 0xff : g[y];

		for (unsigned int x = 0; x < 8; x++) {
			uint32_t want = (bits & (0x80 >> x)) ? f->fg : f->bg;
			uint32_t got = get_px(f, c * 8 + x, r * 16 + y);

			if (got != want) {
				fail("cell (%u,%u) char 0x%02x%s: pixel "
				     "(%u,%u) is 0x%x, want 0x%x", c, r, ch,
				     cursor ? " +cursor" : "", x, y, got,
				     want);
				return 0;
			}
		}
	}
	return 1;
}

/* Has nothing written the pitch padding of any scanline? */
static int padding_untouched(const struct fake *f)
{
	size_t used = (size_t)f->info.width * f->bpp_bytes;

	for (uint32_t y = 0; y < f->info.height; y++)
		for (size_t i = used; i < f->info.pitch; i++)
			if (f->mem[(size_t)y * f->info.pitch + i] != POISON) {
				fail("padding byte %zu of scanline %u "
				     "was written", i, y);
				return 0;
			}
	return 1;
}

/*
 * The whole grid against @screen (rows of f->cols chars, NUL padding counts
 * as blank) with the cursor at (@cc, @cr); @cc < 0 means "no cursor drawn".
 */
static int screen_is(const struct fake *f, const char *const *screen,
		     int cc, int cr)
{
	for (unsigned int r = 0; r < f->rows; r++) {
		const char *line = screen ? screen[r] : NULL;
		size_t len = line ? strlen(line) : 0;

		for (unsigned int c = 0; c < f->cols; c++) {
			unsigned char ch = ' ';

			if (c < len)
				ch = (unsigned char)line[c];

			if (!cell_is(f, c, r, ch, (int)c == cc && (int)r == cr))
				return 0;
		}
	}
	return 1;
}

/* ---- checks ------------------------------------------------------------- */

static void t_write_before_init(void)
{
	/* Must not crash or draw anywhere. */
	fbcon_write("ignored\n", 8);
	EXPECT(fbcon_active() == 0, "fbcon_active() is 1 before init");
}

static void t_rejects_indexed(void)
{
	struct fake f;

	fake_rgb32(&f, 640, 480);
	f.info.type = FB_TYPE_INDEXED;
	f.info.bpp = 8;
	EXPECT(fbcon_init(&f.info, f.mem) == -22, "indexed not rejected");
	EXPECT(fbcon_active() == 0, "active after a rejected init");
	EXPECT(f.mem[0] == POISON && f.mem[f.size - 1] == POISON,
	       "rejected init wrote to the framebuffer");
	fake_free(&f);
}

static void t_rejects_bad_layouts(void)
{
	struct fake f;
	struct fb_info bad;

	fake_rgb32(&f, 640, 480);
#define REJECT(what, stmt) do {						\
		bad = f.info;						\
		stmt;							\
		int rc_ = fbcon_init(&bad, f.mem);			\
		EXPECT(rc_ == -22, "%s: got %d, want -22", what, rc_);	\
	} while (0)
	REJECT("bpp 8 RGB", bad.bpp = 8);
	REJECT("bpp 30 RGB", bad.bpp = 30);
	REJECT("bpp 0 RGB", bad.bpp = 0);
	REJECT("unknown type 3", bad.type = 3);
	REJECT("width 0", bad.width = 0);
	REJECT("height 0", bad.height = 0);
	REJECT("pitch 0", bad.pitch = 0);
	REJECT("width 7 < one glyph", bad.width = 7);
	REJECT("height 15 < one glyph", bad.height = 15);
	REJECT("pitch < width * 4", bad.pitch = 640 * 4 - 1);
	REJECT("red field past the pixel", bad.red_pos = 30);
	REJECT("all colour sizes zero",
	       bad.red_size = bad.green_size = bad.blue_size = 0);
	REJECT("EGA pitch < width * 2",
	       (bad.type = FB_TYPE_EGA_TEXT, bad.width = 80, bad.height = 25,
		bad.pitch = 159));
#undef REJECT
	EXPECT(fbcon_init(&f.info, NULL) == -22, "NULL virt accepted");
	EXPECT(fbcon_init(NULL, f.mem) == -22, "NULL fb accepted");
	EXPECT(fbcon_active() == 0, "active after only rejected inits");
	EXPECT(f.mem[0] == POISON && f.mem[f.size - 1] == POISON,
	       "rejected init wrote to the framebuffer");
	fake_free(&f);
}

static void t_init_clears(void)
{
	struct fake f;

	fake_rgb32(&f, 640, 480);
	if (init_ok(&f)) {
		EXPECT(fbcon_active() == 1, "not active after init");
		EXPECT(f.cols == 80 && f.rows == 30 && con.cols == 80 &&
		       con.rows == 30, "grid is %ux%u, want 80x30",
		       con.cols, con.rows);
		/* Everything black except the cursor under cell (0,0). */
		screen_is(&f, NULL, 0, 0);
		padding_untouched(&f);
	}
	fake_free(&f);
}

static void t_glyph_A(void)
{
	struct fake f;

	fake_rgb32(&f, 640, 480);
	if (init_ok(&f)) {
		put("A");
		cell_is(&f, 0, 0, 'A', 0);
		cell_is(&f, 1, 0, ' ', 1);
		/* And, spelled out, one row we know: the crossbar of 'A'. */
		for (unsigned int x = 0; x < 8; x++)
			EXPECT(get_px(&f, x, 7) == (x < 7 ? 0xaaaaaau : 0),
			       "'A' crossbar pixel %u wrong", x);
		EXPECT(get_px(&f, 3, 2) == 0xaaaaaa && get_px(&f, 0, 2) == 0,
		       "'A' apex wrong");
		padding_untouched(&f);
	}
	fake_free(&f);
}

static void t_newline(void)
{
	struct fake f;

	fake_rgb32(&f, 640, 480);
	if (init_ok(&f)) {
		put("AB\nC");
		const char *want[30] = { "AB", "C" };

		screen_is(&f, want, 1, 1);
		put("\n\n");
		want[3] = NULL;
		screen_is(&f, want, 0, 3);
	}
	fake_free(&f);
}

static void t_carriage_return(void)
{
	struct fake f;

	fake_rgb32(&f, 640, 480);
	if (init_ok(&f)) {
		put("ABC\rx");
		const char *want[30] = { "xBC" };

		screen_is(&f, want, 1, 0);
	}
	fake_free(&f);
}

static void t_backspace(void)
{
	struct fake f;

	fake_rgb32(&f, 640, 480);
	if (init_ok(&f)) {
		put("ab\bc");
		const char *want[30] = { "ac" };

		screen_is(&f, want, 2, 0);
		put("\b\b\b\b\bX");	/* stops at column 0 */
		want[0] = "Xc";
		screen_is(&f, want, 1, 0);
		/* No backing up into the previous line. */
		put("\n\bY");
		want[1] = "Y";
		screen_is(&f, want, 1, 1);
	}
	fake_free(&f);
}

static void t_tab(void)
{
	struct fake f;

	fake_rgb32(&f, 640, 480);
	if (init_ok(&f)) {
		put("\tX\nabc\tY\n12345678\tZ\n1234567\tW");
		const char *want[30] = {
			"        X",
			"abc     Y",
			"12345678        Z",
			"1234567 W",
		};

		screen_is(&f, want, 9, 3);
		/* Tabs past the last stop park at the right edge, no wrap. */
		put("\n\t\t\t\t\t\t\t\t\t\t\t");
		want[4] = NULL;
		screen_is(&f, want, 79, 4);
		put("E");
		want[5] = "E";
		screen_is(&f, want, 1, 5);
	}
	fake_free(&f);
}

static void t_wrap(void)
{
	struct fake f;
	char line[81];

	fake_rgb32(&f, 640, 480);
	if (init_ok(&f)) {
		for (int i = 0; i < 80; i++)
			line[i] = (char)('a' + i % 26);
		line[80] = 0;
		put(line);
		const char *want[30] = { line };

		/* Full line: cursor stays on the last cell until more comes. */
		screen_is(&f, want, 79, 0);
		put("Q");
		want[1] = "Q";
		screen_is(&f, want, 1, 1);
		/* Exactly 80 chars then '\n' must not leave an empty line. */
		put("\r");
		put(line);
		put("\nR");
		want[1] = line;
		want[2] = "R";
		screen_is(&f, want, 1, 2);
	}
	fake_free(&f);
}

static void t_control_and_high_bytes(void)
{
	struct fake f;

	fake_rgb32(&f, 640, 480);
	if (init_ok(&f)) {
		/* Control characters, DEL and NUL draw nothing. */
		fbcon_write("\x01\x07\x1b\x7f" "A\0B", 7);
		fbcon_write("\0C", 2);
		put("\xff\x80");
		cell_is(&f, 0, 0, 'A', 0);
		cell_is(&f, 1, 0, 'B', 0);
		cell_is(&f, 2, 0, 'C', 0);
		/* Bytes without a glyph draw the box. */
		for (unsigned int y = 0; y < 16; y++)
			for (unsigned int x = 0; x < 8; x++) {
				int on = font8x16[FONT_BOX][y] & (0x80 >> x);

				EXPECT(get_px(&f, 24 + x, y) ==
				       (on ? 0xaaaaaau : 0), "box pixel wrong");
			}
		cell_is(&f, 4, 0, 0x80, 0);
		cell_is(&f, 5, 0, ' ', 1);
	}
	fake_free(&f);
}

static void t_cursor(void)
{
	struct fake f;

	fake_rgb32(&f, 640, 480);
	if (init_ok(&f)) {
		put("gy");
		const char *want[30] = { "gy" };

		screen_is(&f, want, 2, 0);
		/* Cursor back onto 'y': underline over it. */
		put("\b");
		screen_is(&f, want, 1, 0);
		/* Old spot fully restored, descender and all. */
		put("\r");
		screen_is(&f, want, 0, 0);
		put("\n\n");
		screen_is(&f, want, 0, 2);
	}
	fake_free(&f);
}

/* Text of line @i for the scroll tests. */
static void scroll_line(char *buf, int i)
{
	snprintf(buf, 32, "line %02d %c", i, 'A' + i % 26);
}

static void scroll_check(int batched)
{
	struct fake f;
	char lines[32][32];
	char big[32 * 32];
	size_t n = 0;

	fake_rgb32(&f, 640, 480);
	if (!init_ok(&f))
		goto out;
	/* 30 lines, each ending in '\n': the 31st screen line is needed. */
	for (int i = 0; i < 30; i++) {
		scroll_line(lines[i], i);
		if (batched) {
			n += (size_t)sprintf(big + n, "%s\n", lines[i]);
		} else {
			put(lines[i]);
			put("\n");
		}
	}
	if (batched)
		fbcon_write(big, n);

	const char *want[30];

	for (int r = 0; r < 29; r++)
		want[r] = lines[r + 1];	/* top row shows the 2nd line */
	want[29] = NULL;		/* last row blank (cursor only) */
	screen_is(&f, want, 0, 29);
	padding_untouched(&f);

	/* Keep going: 45 more lines in one call, and check the result. */
	n = 0;
	for (int i = 30; i < 75; i++) {
		char l[32];

		scroll_line(l, i);
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%s\n", l);
	}
	fbcon_write(big, n);
	for (int r = 0; r < 29; r++)
		scroll_line(lines[r], 75 - 29 + r);
	for (int r = 0; r < 29; r++)
		want[r] = lines[r];
	screen_is(&f, want, 0, 29);
out:
	fake_free(&f);
}

static void t_scroll(void)
{
	scroll_check(0);
}

static void t_scroll_batched(void)
{
	scroll_check(1);
}

/*
 * Scrolling must not redraw cells whose character stays the same: poison
 * such cells' pixels behind the console's back and check they survive.
 */
static void t_scroll_redraws_only_changes(void)
{
	struct fake f;

	fake_rgb32(&f, 640, 480);
	if (!init_ok(&f))
		goto out;
	for (int i = 0; i < 30; i++) {
		char l[32];

		scroll_line(l, i);
		put(l);
		put("\n");
	}
	/* (70,10) blank before and after; (0,10) 'l' before and after. */
	set_px(&f, 70 * 8 + 3, 10 * 16 + 5, 0x123456);
	set_px(&f, 0 * 8 + 0, 10 * 16 + 0, 0x654321);
	put("line 99 Z\n");
	EXPECT(get_px(&f, 70 * 8 + 3, 10 * 16 + 5) == 0x123456,
	       "blank-to-blank cell was redrawn on scroll");
	EXPECT(get_px(&f, 0, 10 * 16) == 0x654321,
	       "unchanged 'l' cell was redrawn on scroll");
	/* The digits did change, so they must be right. */
	char l[32];

	scroll_line(l, 12);
	cell_is(&f, 5, 10, (unsigned char)l[5], 0);
	cell_is(&f, 6, 10, (unsigned char)l[6], 0);
out:
	fake_free(&f);
}

static void t_pack_16bpp_565(void)
{
	struct fake f;

	/* 5:6:5; grey 0xaa -> r 21, g 42, b 21 -> 0xad55 */
	fake_rgb(&f, 320, 200, 16, 6, 11, 5, 5, 6, 0, 5, 0xad55);
	if (init_ok(&f)) {
		put("Hi\n@");
		const char *want[12] = { "Hi", "@" };

		screen_is(&f, want, 1, 1);
		padding_untouched(&f);
	}
	fake_free(&f);
}

static void t_pack_15bpp_555(void)
{
	struct fake f;

	/* x1r5g5b5; grey -> 21 per channel -> 0x56b5 */
	fake_rgb(&f, 160, 64, 15, 2, 10, 5, 5, 5, 0, 5, 0x56b5);
	if (init_ok(&f)) {
		put("Mw%");
		const char *want[4] = { "Mw%" };

		screen_is(&f, want, 3, 0);
		padding_untouched(&f);
	}
	fake_free(&f);
}

static void t_pack_24bpp(void)
{
	struct fake f;

	/* 100 px wide: 300-byte scanlines, so most stores are unaligned. */
	fake_rgb(&f, 100, 64, 24, 1, 16, 8, 8, 8, 0, 8, 0xaaaaaa);
	if (init_ok(&f)) {
		EXPECT(con.cols == 12 && con.rows == 4, "grid %ux%u, want 12x4",
		       con.cols, con.rows);
		put("0O1lI|\n$&#qj");
		const char *want[4] = { "0O1lI|", "$&#qj" };

		screen_is(&f, want, 5, 1);
		/* Columns 96..99 (beyond the grid) were cleared, not drawn. */
		for (unsigned int y = 0; y < 64; y++)
			for (unsigned int x = 96; x < 100; x++)
				EXPECT(get_px(&f, x, y) == 0,
				       "pixel (%u,%u) beyond the grid "
				       "not black",
				       x, y);
		padding_untouched(&f);
	}
	fake_free(&f);
}

static void t_pack_layouts(void)
{
	struct fb_info rgb = { .red_pos = 0, .red_size = 8,
			       .green_pos = 8, .green_size = 8,
			       .blue_pos = 16, .blue_size = 8 };
	struct fb_info bgr = { .red_pos = 16, .red_size = 8, .green_pos = 8,
			       .green_size = 8, .blue_pos = 0, .blue_size = 8 };
	struct fb_info r565 = { .red_pos = 11, .red_size = 5, .green_pos = 5,
				.green_size = 6, .blue_pos = 0,
				.blue_size = 5 };
	struct fb_info r10 = { .red_pos = 20, .red_size = 10, .green_pos = 10,
			       .green_size = 10, .blue_pos = 0,
			       .blue_size = 10 };

	EXPECT(pack_colour(&rgb, 0x12, 0x34, 0x56) == 0x563412,
	       "r8g8b8 at 0/8/16: 0x%x", pack_colour(&rgb, 0x12, 0x34, 0x56));
	EXPECT(pack_colour(&bgr, 0x12, 0x34, 0x56) == 0x123456,
	       "r8g8b8 at 16/8/0: 0x%x", pack_colour(&bgr, 0x12, 0x34, 0x56));
	EXPECT(pack_colour(&r565, 0xff, 0, 0) == 0xf800 &&
	       pack_colour(&r565, 0, 0xff, 0) == 0x07e0 &&
	       pack_colour(&r565, 0, 0, 0xff) == 0x001f, "5:6:5 primaries");
	EXPECT(pack_colour(&r10, 0xaa, 0xaa, 0xaa) ==
	       (682u << 20 | 682u << 10 | 682u),
	       "10:10:10 grey: 0x%x", pack_colour(&r10, 0xaa, 0xaa, 0xaa));
	EXPECT(pack_colour(&bgr, 0, 0, 0) == 0, "black is not 0");
}

static void t_ega_text(void)
{
	struct fake f;

	fake_ega(&f, 80, 25, 16);
	if (!init_ok(&f))
		goto out;
	EXPECT(con.cols == 80 && con.rows == 25, "EGA grid %ux%u", con.cols,
	       con.rows);
	const char *want[25] = { NULL };

	screen_is(&f, want, -1, -1);	/* all 0x0720 */
	put("Hi\n\tX\xe9\b\by");
	/* "\tX" puts X at 8, 0xe9 at 9, two '\b' back to 8, 'y' over X. */
	want[0] = "Hi";
	want[1] = "        y\xe9";
	screen_is(&f, want, -1, -1);
	EXPECT(get_ega(&f, 9, 1) == 0x07fe, "no-glyph byte not 0xfe: 0x%04x",
	       get_ega(&f, 9, 1));
	/* Scroll: 24 more newlines push "Hi" off the top. */
	for (int i = 0; i < 24; i++)
		put("\n");
	put("end");
	for (int r = 0; r < 25; r++)
		want[r] = NULL;
	want[0] = "        y\xe9";
	want[24] = "end";
	screen_is(&f, want, -1, -1);
	padding_untouched(&f);
out:
	fake_free(&f);
}

/* Fill every cell of the grid and scroll a few times. */
static void stress_grid(const struct fake *f, int extra_lines)
{
	size_t len = (size_t)f->cols * (f->rows + extra_lines);
	char *s = malloc(len);

	for (size_t i = 0; i < len; i++)
		s[i] = (char)('!' + i % 94);
	fbcon_write(s, len);
	free(s);
}

static void t_clamp_large_rgb(void)
{
	struct fake f;

	/* 2400x2100: 300x131 cells, more than the 256x128 shadow. */
	fake_rgb32(&f, 2400, 2100);
	if (!init_ok(&f))
		goto out;
	EXPECT(con.cols == 256 && con.rows == 128, "grid %ux%u, want 256x128",
	       con.cols, con.rows);
	stress_grid(&f, 3);
	/* The last cell of the grid was drawn... */
	size_t last = (size_t)256 * (128 + 3) - 1;

	cell_is(&f, 255, 127, (unsigned char)('!' + last % 94), 1);
	/* ...and nothing right of or below the grid (cleared to black). */
	for (uint32_t y = 0; y < 2100; y += 7)
		for (uint32_t x = 256 * 8; x < 2400; x += 5)
			if (get_px(&f, x, y) != 0) {
				fail("pixel (%u,%u) right of the grid written",
				     x, y);
				y = 2100;
				break;
			}
	for (uint32_t y = 128 * 16; y < 2100; y++)
		for (uint32_t x = 0; x < 2400; x += 3)
			if (get_px(&f, x, y) != 0) {
				fail("pixel (%u,%u) below the grid written",
				     x, y);
				y = 2100;
				break;
			}
	padding_untouched(&f);
out:
	fake_free(&f);
}

static void t_clamp_wide_and_tall(void)
{
	struct fake f;

	fake_rgb(&f, 4096, 48, 16, 0, 11, 5, 5, 6, 0, 5, 0xad55);
	if (init_ok(&f)) {
		EXPECT(con.cols == 256 && con.rows == 3, "wide grid %ux%u",
		       con.cols, con.rows);
		stress_grid(&f, 2);
	}
	fake_free(&f);
	fake_rgb(&f, 64, 4096, 24, 0, 16, 8, 8, 8, 0, 8, 0xaaaaaa);
	if (init_ok(&f)) {
		EXPECT(con.cols == 8 && con.rows == 128, "tall grid %ux%u",
		       con.cols, con.rows);
		stress_grid(&f, 2);
		for (uint32_t y = 128 * 16; y < 4096; y++)
			if (get_px(&f, 0, y) != 0 || get_px(&f, 63, y) != 0) {
				fail("scanline %u below the grid written", y);
				break;
			}
	}
	fake_free(&f);
	fake_ega(&f, 300, 200, 0);
	if (init_ok(&f)) {
		EXPECT(con.cols == 256 && con.rows == 128, "EGA grid %ux%u",
		       con.cols, con.rows);
		stress_grid(&f, 5);
		EXPECT(get_ega(&f, 256, 0) == 0x0720 &&
		       get_ega(&f, 299, 199) == 0x0720,
		       "EGA cells outside the grid written");
	}
	fake_free(&f);
}

static void t_failed_reinit_keeps_console(void)
{
	struct fake f;
	struct fb_info bad;

	fake_rgb32(&f, 640, 480);
	if (init_ok(&f)) {
		put("ok");
		bad = f.info;
		bad.type = FB_TYPE_INDEXED;
		EXPECT(fbcon_init(&bad, f.mem) == -22, "indexed accepted");
		EXPECT(fbcon_active() == 1, "failed re-init deactivated");
		put("!");
		const char *want[30] = { "ok!" };

		screen_is(&f, want, 3, 0);
	}
	fake_free(&f);
}

/*
 * Reference model of the console rules, written independently of fbcon.c:
 * deferred wrap at the right edge, '\n' = CR+LF, scroll by copying rows.
 */
static char model[8][24];
static int mcol, mrow;
#define MCOLS	20
#define MROWS	6

static void model_newline(void)
{
	mcol = 0;
	if (++mrow == MROWS) {
		memmove(model[0], model[1], sizeof(model[0]) * (MROWS - 1));
		memset(model[MROWS - 1], ' ', MCOLS);
		mrow = MROWS - 1;
	}
}

static void model_put(unsigned char ch)
{
	if (ch == '\n') {
		model_newline();
	} else if (ch == '\r') {
		mcol = 0;
	} else if (ch == '\b') {
		if (mcol)
			mcol--;
	} else if (ch == '\t') {
		mcol = mcol / 8 * 8 + 8;
		if (mcol > MCOLS)
			mcol = MCOLS;
	} else if (ch >= 0x20 && ch != 0x7f) {
		if (mcol == MCOLS)
			model_newline();
		model[mrow][mcol++] = (char)ch;
	}
}

static void t_random_vs_model(void)
{
	static const char alphabet[] =
		"abcXYZ019 .,_gjq\n\n\n\r\b\t\x01\x7f\xb0";
	struct fake f;
	unsigned int seed = 12345;

	/* 20x6 cells; 24bpp with padding to mix in the awkward pixel size. */
	fake_rgb(&f, 160, 96 + 5, 24, 3, 16, 8, 8, 8, 0, 8, 0xaaaaaa);
	if (!init_ok(&f))
		goto out;
	memset(model, ' ', sizeof(model));
	mcol = mrow = 0;
	for (int round = 0; round < 400 && !reason[0]; round++) {
		char buf[64];
		size_t n;

		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % sizeof(buf);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = alphabet[(seed >> 16) %
					  (sizeof(alphabet) - 1)];
			model_put((unsigned char)buf[i]);
		}
		fbcon_write(buf, n);

		char lines[MROWS][MCOLS + 1];
		const char *want[MROWS];

		for (int r = 0; r < MROWS; r++) {
			memcpy(lines[r], model[r], MCOLS);
			lines[r][MCOLS] = 0;
			want[r] = lines[r];
		}
		if (!screen_is(&f, want, mcol < MCOLS ? mcol : MCOLS - 1,
			       mrow)) {
			char first[sizeof(reason)];

			memcpy(first, reason, sizeof(first));
			snprintf(reason, sizeof(reason), "round %d: %.400s",
				 round, first);
		}
	}
	/* The 5 spare scanlines under the grid were never drawn on. */
	for (unsigned int y = 96; y < 101; y++)
		for (unsigned int x = 0; x < 160; x++)
			EXPECT(get_px(&f, x, y) == 0,
			       "spare scanline %u written", y);
	padding_untouched(&f);
out:
	fake_free(&f);
}

/* ---- font sanity: guards for whoever edits the ASCII art ---------------- */

static void t_font_glyphs_present_and_distinct(void)
{
	for (int c = 0x21; c <= 0x7e; c++) {
		const uint8_t *g = font_glyph((unsigned char)c);
		int lit = 0;

		for (int y = 0; y < 16; y++)
			lit |= g[y];
		EXPECT(lit, "glyph '%c' is empty", c);
		for (int d = 0x20; d < c; d++)
			EXPECT(memcmp(g, font_glyph((unsigned char)d), 16) != 0,
			       "glyphs '%c' and '%c' are identical", d, c);
	}
	for (int y = 0; y < 16; y++)
		EXPECT(font_glyph(' ')[y] == 0, "space is not blank");
	EXPECT(font_glyph(0x7f) == font8x16[FONT_BOX] &&
	       font_glyph(0x19) == font8x16[FONT_BOX] &&
	       font_glyph(0xff) == font8x16[FONT_BOX],
	       "out-of-range bytes do not map to the box");
}

static void t_font_metrics(void)
{
	for (int i = 0; i < FONT_GLYPHS; i++) {
		const uint8_t *g = font8x16[i];
		int c = i + FONT_FIRST;

		EXPECT(g[0] == 0 && g[1] == 0 && g[15] == 0,
		       "glyph 0x%02x uses row 0, 1 or 15", c);
		if (c != '_')
			for (int y = 0; y < 16; y++)
				EXPECT(!(g[y] & 1),
				       "glyph 0x%02x uses column 7", c);
	}
	/* Descenders where they belong, and only there. */
	for (int c = 0x21; c <= 0x7e; c++) {
		int desc = font_glyph((unsigned char)c)[13] != 0;
		int should = strchr("gjpqy_|", c) != NULL;

		EXPECT(desc == should, "'%c' %s a descender", c,
		       desc ? "has" : "lacks");
	}
}

int main(void)
{
	/* Order matters for the first two: they run before any init. */
	run("write_before_init", t_write_before_init);
	run("rejects_indexed", t_rejects_indexed);
	run("rejects_bad_layouts", t_rejects_bad_layouts);
	run("init_clears", t_init_clears);
	run("glyph_A", t_glyph_A);
	run("newline", t_newline);
	run("carriage_return", t_carriage_return);
	run("backspace", t_backspace);
	run("tab", t_tab);
	run("wrap", t_wrap);
	run("control_and_high_bytes", t_control_and_high_bytes);
	run("cursor", t_cursor);
	run("scroll", t_scroll);
	run("scroll_batched", t_scroll_batched);
	run("scroll_redraws_only_changes", t_scroll_redraws_only_changes);
	run("pack_16bpp_565", t_pack_16bpp_565);
	run("pack_15bpp_555", t_pack_15bpp_555);
	run("pack_24bpp", t_pack_24bpp);
	run("pack_layouts", t_pack_layouts);
	run("ega_text", t_ega_text);
	run("clamp_large_rgb", t_clamp_large_rgb);
	run("clamp_wide_and_tall", t_clamp_wide_and_tall);
	run("failed_reinit_keeps_console", t_failed_reinit_keeps_console);
	run("random_vs_model", t_random_vs_model);
	run("font_glyphs_present_and_distinct",
	    t_font_glyphs_present_and_distinct);
	run("font_metrics", t_font_metrics);
	return failures ? 1 : 0;
}
