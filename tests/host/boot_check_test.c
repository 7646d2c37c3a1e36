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
#undef snprintf
#undef vsnprintf

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOSTTEST_SUITE "boot_check"
#include "hosttest.h"

static uint64_t mbi[64];		/* the MBI under test */
static struct boot_info bi;

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

/* mb2_boot_check() must halt with a message containing @msg. */
static void expect_halt(uint32_t magic, size_t n, const char *msg,
			const char *if_accepted)
{
	const char *why = mb2_boot_check(magic, mbi, n, &bi);

	EXPECT(why && strstr(why, msg), "%s", why ? why : if_accepted);
}

static void t_good(void)
{
	size_t n = build(mbi, 1, MB2_MEM_AVAILABLE);
	const char *why = mb2_boot_check(MB2_BOOTLOADER_MAGIC, mbi, n, &bi);

	EXPECT(why == NULL && bi.nr_mmap == 1 && bi.mmap[0].len == 64 << 20,
	       "%s", why ? why : "memory map not parsed");
}

static void t_bad_magic(void)
{
	/* multiboot 1's magic */
	expect_halt(0x2badb002, build(mbi, 1, MB2_MEM_AVAILABLE),
		    "bad multiboot2 magic", "accepted a multiboot1 magic");
}

static void t_zero_magic(void)
{
	expect_halt(0, build(mbi, 1, MB2_MEM_AVAILABLE),
		    "bad multiboot2 magic", "accepted");
}

static void t_no_mmap(void)
{
	expect_halt(MB2_BOOTLOADER_MAGIC, build(mbi, 0, 0),
		    "no memory map", "accepted");
}

static void t_no_usable_ram(void)
{
	expect_halt(MB2_BOOTLOADER_MAGIC, build(mbi, 1, MB2_MEM_RESERVED),
		    "no usable RAM", "accepted");
}

static void t_malformed(void)
{
	size_t n = build(mbi, 1, MB2_MEM_AVAILABLE);

	((uint32_t *)mbi)[0] = 4;			/* total_size too small */
	expect_halt(MB2_BOOTLOADER_MAGIC, n, "malformed", "accepted");
}

int main(void)
{
	run("good", t_good);
	run("bad_magic", t_bad_magic);
	run("zero_magic", t_zero_magic);
	run("no_mmap", t_no_mmap);
	run("no_usable_ram", t_no_usable_ram);
	run("malformed", t_malformed);
	return failures ? 1 : 0;
}
