/*
 * fbcon.h - text console drawn on the multiboot2 framebuffer.
 *
 * The console turns a byte stream into characters on whatever framebuffer
 * the boot loader left us: a linear RGB framebuffer (15/16/24/32 bits per
 * pixel, glyphs from the built-in 8x16 font in kernel/font.c) or a legacy
 * EGA/VGA text buffer (16-bit character+attribute cells).
 *
 * Contract with callers:
 *   - fbcon_init() must succeed before output appears; until then (and after
 *     a failed first init) fbcon_write() quietly does nothing.
 *   - The caller maps the framebuffer and passes its virtual address; the
 *     console only ever stores to that memory, never reads it back.
 *   - There is no locking inside: the caller serialises all calls.
 *   - Nothing is allocated; all state is static and sized for at most
 *     FBCON_MAX_COLS x FBCON_MAX_ROWS character cells. Bigger screens are
 *     clamped to that grid (the rest of the screen stays black).
 */
#ifndef KERNEL_FBCON_H
#define KERNEL_FBCON_H

#include <stddef.h>
#include <stdint.h>

/* What multiboot2 told us about the framebuffer (tag type 8). */
struct fb_info {
	uint64_t phys;          /* physical address of the framebuffer */
	uint32_t pitch;         /* bytes per scanline (or per text row for EGA text) */
	uint32_t width, height; /* pixels, or characters for EGA text */
	uint8_t bpp;            /* bits per pixel (16 for EGA text) */
	uint8_t type;           /* FB_TYPE_INDEXED 0, FB_TYPE_RGB 1, FB_TYPE_EGA_TEXT 2 */
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};
#define FB_TYPE_INDEXED 0
#define FB_TYPE_RGB 1
#define FB_TYPE_EGA_TEXT 2

/* Largest text grid the console keeps track of; larger screens are clamped. */
#define FBCON_MAX_COLS 256
#define FBCON_MAX_ROWS 128

/*
 * Start drawing on @fb, whose memory the caller has mapped at @virt.
 * Returns 0, or -22 (EINVAL) for a layout it cannot draw (indexed colour,
 * bpp other than 15/16/24/32 for RGB, zero sizes, too small for one glyph).
 * On success the screen is cleared and the cursor is at the top left; on
 * failure the previous console state (if any) is left untouched.
 */
int fbcon_init(const struct fb_info *fb, void *virt);

/*
 * Print @n bytes of @s. Understands '\n' (start of the next line), '\r'
 * (column 0), '\b' (one column left, stopping at 0) and '\t' (next multiple
 * of 8); other control characters are ignored. Bytes 0x80..0xff show as a
 * box. Long lines wrap, and output past the bottom line scrolls the screen.
 * A no-op before a successful fbcon_init().
 */
void fbcon_write(const char *s, size_t n);

/* 1 once fbcon_init() has succeeded, else 0. */
int fbcon_active(void);

#endif
