/*
 * boot_check_test.c - the kernel's first decision, mb2_boot_check(): go on,
 * or halt with a clear message for a bad magic, malformed boot information,
 * a missing memory map, or a map without usable RAM.
 *
 * Builds MBIs by hand (see kernel/lib/multiboot2.h for the layout) and
 * checks the verdict and the message. Includes the real parser.
 */
#define snprintf kernel_snprintf
#define vsnprintf kernel_vsnprintf
#define memcpy k_memcpy
#define memmove k_memmove
#define memset k_memset
#define memcmp k_memcmp
#define strlen k_strlen
#define strnlen k_strnlen
#define strcmp k_strcmp
#define strncmp k_strncmp
#define strchr k_strchr
#define strstr k_strstr
#define strlcpy k_strlcpy
#include "kernel/lib/string.c"
#include "kernel/lib/multiboot2.c"
/* Back to libc's functions for the test itself. */
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strstr
#undef strlcpy

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void check(int ok, const char *name, const char *why)
{
	if (ok)
		printf("PASS boot_check/%s\n", name);
	else {
		printf("FAIL boot_check/%s: %s\n", name, why);
		failures++;
	}
}

/* A minimal MBI: header, optional mmap tag with one entry, end tag. */
static size_t build(uint64_t *buf, int with_mmap, uint32_t mem_type)
{
	uint8_t *b = (uint8_t *)buf;
	size_t off = 8;
	uint32_t v;

	if (with_mmap) {
		uint64_t base = 0x100000, len = 64 << 20;

		v = 6;  memcpy(b + off, &v, 4);		/* type: mmap */
		v = 40; memcpy(b + off + 4, &v, 4);	/* size: 16 + 24 */
		v = 24; memcpy(b + off + 8, &v, 4);	/* entry_size */
		v = 0;  memcpy(b + off + 12, &v, 4);	/* entry_version */
		memcpy(b + off + 16, &base, 8);
		memcpy(b + off + 24, &len, 8);
		memcpy(b + off + 32, &mem_type, 4);
		v = 0;  memcpy(b + off + 36, &v, 4);
		off += 40;
	}
	v = 0; memcpy(b + off, &v, 4);			/* end tag */
	v = 8; memcpy(b + off + 4, &v, 4);
	off += 8;
	v = (uint32_t)off; memcpy(b, &v, 4);
	v = 0; memcpy(b + 4, &v, 4);
	return off;
}

int main(void)
{
	static uint64_t buf[64];
	static struct boot_info bi;
	const char *why;
	size_t n;

	n = build(buf, 1, MB2_MEM_AVAILABLE);
	why = mb2_boot_check(MB2_BOOTLOADER_MAGIC, buf, n, &bi);
	check(why == NULL && bi.nr_mmap == 1 && bi.mmap[0].len == 64 << 20, "good",
	      why ? why : "memory map not parsed");

	why = mb2_boot_check(0x2badb002, buf, n, &bi);	/* multiboot 1 magic */
	check(why && strstr(why, "bad multiboot2 magic"), "bad_magic",
	      why ? why : "accepted a multiboot1 magic");

	why = mb2_boot_check(0, buf, n, &bi);
	check(why && strstr(why, "bad multiboot2 magic"), "zero_magic", why ? why : "accepted");

	n = build(buf, 0, 0);
	why = mb2_boot_check(MB2_BOOTLOADER_MAGIC, buf, n, &bi);
	check(why && strstr(why, "no memory map"), "no_mmap", why ? why : "accepted");

	n = build(buf, 1, MB2_MEM_RESERVED);
	why = mb2_boot_check(MB2_BOOTLOADER_MAGIC, buf, n, &bi);
	check(why && strstr(why, "no usable RAM"), "no_usable_ram", why ? why : "accepted");

	n = build(buf, 1, MB2_MEM_AVAILABLE);
	((uint32_t *)buf)[0] = 4;			/* total_size too small */
	why = mb2_boot_check(MB2_BOOTLOADER_MAGIC, buf, n, &bi);
	check(why && strstr(why, "malformed"), "malformed", why ? why : "accepted");

	return failures ? 1 : 0;
}
