/*
 * multiboot2_test.c - host unit test for the multiboot2 boot-information
 * parser (kernel/lib/multiboot2.c).
 *
 * Build and run (from the repo top; `make host-tests` uses the same flags):
 *   gcc -std=gnu11 -g -O1 -Wall -Werror -I. -Iarch/x86_64/include \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       tests/host/multiboot2_test.c -o /tmp/multiboot2_test && \
 *   /tmp/multiboot2_test
 *
 * Design: multiboot2.c is #included and run on MBIs made by a small builder
 * here (append a tag, pad it to 8 bytes), so every expected value is the one
 * the test itself wrote. The parser is given a private copy of each MBI in
 * a malloc()ed buffer of exactly the bytes it may read, so AddressSanitizer
 * turns any read past the end into a crash. For well-formed MBIs the padding
 * between tags is also filled with 0xee and poisoned with
 * ASAN_POISON_MEMORY_REGION, so a string or field read that strays out of
 * its tag (into the padding) faults too, not only one past the buffer.
 *
 * Covered: a full MBI (cmdline, loader name, two modules, basic meminfo,
 * memory map, RGB framebuffer, ACPI RSDP, unknown tags), 32-byte
 * (future-extended) mmap entries, EGA text framebuffers, ACPI old/new in both
 * orders, mb2_mem_total(), string truncation and missing terminators, the
 * BOOT_MAX_* caps, and each malformed-input rule (header, tag sizes, missing
 * end tag, mmap entry size, short framebuffer/module/meminfo/ACPI tags,
 * module end < start), which must give -EINVAL. A fuzz loop of 20000 seeded
 * random mutations of the full MBI must never crash and must return 0 or
 * -EINVAL with a sane struct. If a sanitizer fires, a death callback prints
 * a FAIL line naming the check (and fuzz iteration); a watchdog alarm turns
 * a hung check (a tag walk that stops advancing) into a FAIL line too.
 *
 * Output: one line per check, "PASS multiboot2/<name>" or
 * "FAIL multiboot2/<name>: <reason>"; exit status 0 only if every check
 * passed.
 */
#include "kernel/lib/multiboot2.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#else
#define ASAN_POISON_MEMORY_REGION(a, n)		((void)(a), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(a, n)	((void)(a), (void)(n))
#endif

#define HOSTTEST_SUITE "multiboot2"
#include "hosttest.h"

static char crash_note[128];		/* extra context for a sanitizer crash */

#ifdef __SANITIZE_ADDRESS__
static void on_sanitizer_death(void)
{
	if (current)
		printf("FAIL " HOSTTEST_SUITE "/%s: sanitizer error%s%s "
		       "(report on stderr)\n",
		       current, crash_note[0] ? " " : "", crash_note);
	fflush(stdout);
}
#endif

/* ---- MBI builder -------------------------------------------------------- */

#define MB_CAP		65536
#define PAD_BYTE	0xee
#define MAX_TAGS	512

struct mb {
	uint8_t *b;			/* 8-byte aligned */
	uint32_t len;
	unsigned int ntags;
	struct { uint32_t off, size; } tag[MAX_TAGS];
};

static uint64_t mb_store[MB_CAP / 8];

static void w32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void w64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t r32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static void mb_begin(struct mb *m)
{
	m->b = (uint8_t *)mb_store;
	memset(m->b, 0, MB_CAP);
	m->len = 8;
	m->ntags = 0;
	w32(m->b, 8);
}

/*
 * Append a tag of @size bytes (header included), payload zeroed, padding
 * filled with PAD_BYTE. Returns the tag; total_size is kept up to date.
 */
static uint8_t *mb_tag(struct mb *m, uint32_t type, uint32_t size)
{
	uint32_t padded = (size + 7) & ~7u;
	uint8_t *t = m->b + m->len;

	if (m->len + padded + 16 > MB_CAP || m->ntags == MAX_TAGS) {
		fprintf(stderr, "test bug: MBI builder overflow\n");
		exit(2);
	}
	memset(t, 0, size);
	memset(t + size, PAD_BYTE, padded - size);
	w32(t, type);
	w32(t + 4, size);
	m->tag[m->ntags].off = m->len;
	m->tag[m->ntags].size = size;
	m->ntags++;
	m->len += padded;
	w32(m->b, m->len);
	return t;
}

static void mb_end(struct mb *m)
{
	mb_tag(m, MB2_TAG_END, 8);
}

/* A tag holding @n bytes of @s (no terminator added unless it is in @s). */
static uint8_t *mb_bytes(struct mb *m, uint32_t type, const void *s, uint32_t n)
{
	uint8_t *t = mb_tag(m, type, 8 + n);

	memcpy(t + 8, s, n);
	return t;
}

static uint8_t *mb_string(struct mb *m, uint32_t type, const char *s)
{
	return mb_bytes(m, type, s, (uint32_t)strlen(s) + 1);
}

static uint8_t *mb_module(struct mb *m, uint32_t start, uint32_t end, const char *s)
{
	uint32_t n = (uint32_t)strlen(s) + 1;
	uint8_t *t = mb_tag(m, MB2_TAG_MODULE, 16 + n);

	w32(t + 8, start);
	w32(t + 12, end);
	memcpy(t + 16, s, n);
	return t;
}

static uint8_t *mb_meminfo(struct mb *m, uint32_t lower, uint32_t upper)
{
	uint8_t *t = mb_tag(m, MB2_TAG_BASIC_MEMINFO, 16);

	w32(t + 8, lower);
	w32(t + 12, upper);
	return t;
}

struct region {
	uint64_t base, len;
	uint32_t type;
};

/* An mmap tag with entries of @esz bytes; bytes past 24 get junk. */
static uint8_t *mb_mmap(struct mb *m, uint32_t esz, const struct region *r,
			unsigned int n)
{
	uint8_t *t = mb_tag(m, MB2_TAG_MMAP, 16 + esz * n);

	w32(t + 8, esz);
	w32(t + 12, 0);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *e = t + 16 + i * esz;

		w64(e, r[i].base);
		w64(e + 8, r[i].len);
		w32(e + 16, r[i].type);
		w32(e + 20, 0);
		for (uint32_t j = 24; j < esz; j++)
			e[j] = (uint8_t)(0xa0 + j);	/* "future" fields */
	}
	return t;
}

static uint8_t *mb_fb(struct mb *m, uint32_t size, uint64_t addr, uint32_t pitch,
		      uint32_t w, uint32_t h, uint8_t bpp, uint8_t type)
{
	uint8_t *t = mb_tag(m, MB2_TAG_FRAMEBUFFER, size);

	w64(t + 8, addr);
	w32(t + 16, pitch);
	w32(t + 20, w);
	w32(t + 24, h);
	t[28] = bpp;
	t[29] = type;
	return t;
}

static uint8_t *mb_fb_rgb(struct mb *m, const uint8_t colour[6])
{
	uint8_t *t = mb_fb(m, 38, 0xfd000000ull, 4096, 1024, 768, 32, 1);

	memcpy(t + 32, colour, 6);
	return t;
}

/* A fake RSDP of @n bytes whose bytes encode @seed, so copies are traceable. */
static uint8_t *mb_acpi(struct mb *m, uint32_t type, uint32_t n, uint8_t seed)
{
	uint8_t *t = mb_tag(m, type, 8 + n);

	for (uint32_t i = 0; i < n; i++)
		t[8 + i] = (uint8_t)(seed + i * 7);
	if (n >= 8)
		memcpy(t + 8, "RSD PTR ", 8);
	return t;
}

/* ---- running the parser on an exact-size private copy ------------------- */

static struct boot_info bi;

/*
 * Copy @nbytes of @m (at @misalign bytes past an 8-aligned malloc) and
 * parse it with @avail. With @poison, the builder's inter-tag padding is
 * made unreadable. @nbytes may be smaller than m->len (truncated MBI).
 */
static int parse_ex(const struct mb *m, size_t nbytes, size_t avail,
		    unsigned int misalign, bool poison)
{
	size_t alloc = nbytes + misalign;
	uint8_t *raw = malloc(alloc ? alloc : 1);
	uint8_t *p = raw + misalign;
	int r;

	if (!raw) {
		perror("malloc");
		exit(2);
	}
	memcpy(p, m->b, nbytes);
	if (poison)
		for (unsigned int i = 0; i < m->ntags; i++) {
			uint32_t end = m->tag[i].off + m->tag[i].size;
			uint32_t pend = m->tag[i].off + ((m->tag[i].size + 7) & ~7u);

			if (pend <= nbytes && pend > end)
				ASAN_POISON_MEMORY_REGION(p + end, pend - end);
		}
	memset(&bi, 0xcc, sizeof(bi));		/* the parser must clear it */
	r = mb2_parse(p, avail, &bi);
	ASAN_UNPOISON_MEMORY_REGION(raw, nbytes + misalign);
	free(raw);
	return r;
}

/* The common case: the whole, well-formed MBI, padding poisoned. */
static int parse_mb(const struct mb *m)
{
	return parse_ex(m, m->len, m->len, 0, true);
}

/* Whole MBI, nothing poisoned (for inputs patched after building). */
static int parse_raw(const struct mb *m)
{
	return parse_ex(m, m->len, m->len, 0, false);
}

static bool str_ok(const char *s, size_t cap)
{
	return memchr(s, 0, cap) != NULL;
}

/* ---- fixtures ----------------------------------------------------------- */

static const struct region mmap3[] = {
	{ 0x0, 0x9fc00, MB2_MEM_AVAILABLE },
	{ 0x9fc00, 0x400, MB2_MEM_RESERVED },
	{ 0x100000, 0x7ee0000, MB2_MEM_AVAILABLE },
};

static const struct region mmap_ext[] = {
	{ 0x0, 0x80000, MB2_MEM_AVAILABLE },
	{ 0xf0000, 0x10000, MB2_MEM_RESERVED },
	{ 0x100000, 0x3ff00000, MB2_MEM_AVAILABLE },
	{ 0x3fff0000, 0x10000, MB2_MEM_ACPI_RECLAIM },
	{ 0xfec00000, 0x1000, MB2_MEM_NVS },
	{ 0x100000000ull, 0x140000000ull, MB2_MEM_AVAILABLE },
};

static const uint8_t rgb_colour[6] = { 16, 8, 8, 8, 0, 8 };

#define CMDLINE		"console=ttyS0 root=/dev/ram0 loglevel=7 pagoda.test=all"
#define LOADER		"GRUB 2.06-13+deb12u1"
#define MOD0		"/boot/initrd.tar"
#define MOD1		"/boot/user/init arg1 arg2"

/* The full MBI: used by several checks and as the fuzzer's seed input. */
static void build_full(struct mb *m)
{
	uint8_t *t;

	mb_begin(m);
	mb_string(m, MB2_TAG_CMDLINE, CMDLINE);
	mb_string(m, MB2_TAG_LOADER_NAME, LOADER);
	t = mb_tag(m, 21, 12);			/* load base address: unused */
	w32(t + 8, 0x200000);
	mb_module(m, 0x400000, 0x423456, MOD0);
	mb_module(m, 0x424000, 0x424001, MOD1);
	mb_meminfo(m, 639, 130048);
	t = mb_tag(m, 99, 8 + 100);		/* unknown: skipped */
	memset(t + 8, 0x5a, 100);
	mb_mmap(m, 24, mmap3, 3);
	mb_fb_rgb(m, rgb_colour);
	mb_acpi(m, MB2_TAG_ACPI_OLD, 20, 0x10);
	mb_tag(m, 0xffffffffu, 8);		/* unknown, empty */
	mb_end(m);
}

/* ---- tests: well-formed input ------------------------------------------- */

static void t_minimal(void)
{
	struct mb m;
	static struct boot_info zero;

	mb_begin(&m);
	mb_end(&m);
	EXPECT(m.len == 16, "test bug: minimal MBI is %u bytes", m.len);
	EXPECT(parse_mb(&m) == 0, "minimal MBI rejected");
	EXPECT(bi.mbi_size == 16, "mbi_size %u", bi.mbi_size);
	bi.mbi_size = 0;
	EXPECT(!memcmp(&bi, &zero, sizeof(bi)),
	       "boot_info not cleared for an MBI with no tags");
}

static void t_full(void)
{
	struct mb m;

	build_full(&m);
	EXPECT(parse_mb(&m) == 0, "valid MBI rejected");
	EXPECT(bi.mbi_size == m.len, "mbi_size %u, built %u", bi.mbi_size, m.len);
	EXPECT(!strcmp(bi.cmdline, CMDLINE), "cmdline '%s'", bi.cmdline);
	EXPECT(!strcmp(bi.loader, LOADER), "loader '%s'", bi.loader);
	EXPECT(bi.nr_modules == 2, "nr_modules %u", bi.nr_modules);
	EXPECT(bi.modules[0].start == 0x400000 && bi.modules[0].end == 0x423456 &&
	       !strcmp(bi.modules[0].cmdline, MOD0),
	       "module 0: %#lx-%#lx '%s'", (unsigned long)bi.modules[0].start,
	       (unsigned long)bi.modules[0].end, bi.modules[0].cmdline);
	EXPECT(bi.modules[1].start == 0x424000 && bi.modules[1].end == 0x424001 &&
	       !strcmp(bi.modules[1].cmdline, MOD1),
	       "module 1: %#lx-%#lx '%s'", (unsigned long)bi.modules[1].start,
	       (unsigned long)bi.modules[1].end, bi.modules[1].cmdline);
	EXPECT(bi.mem_lower_kb == 639 && bi.mem_upper_kb == 130048,
	       "meminfo %u/%u", bi.mem_lower_kb, bi.mem_upper_kb);
	EXPECT(bi.has_mmap && bi.nr_mmap == 3, "has_mmap %d nr_mmap %u",
	       bi.has_mmap, bi.nr_mmap);
	for (unsigned int i = 0; i < 3 && i < bi.nr_mmap; i++)
		EXPECT(bi.mmap[i].base == mmap3[i].base &&
		       bi.mmap[i].len == mmap3[i].len &&
		       bi.mmap[i].type == mmap3[i].type,
		       "mmap[%u] = %#lx+%#lx type %u", i,
		       (unsigned long)bi.mmap[i].base,
		       (unsigned long)bi.mmap[i].len, bi.mmap[i].type);
	EXPECT(bi.has_fb, "framebuffer missing");
	EXPECT(bi.fb.addr == 0xfd000000ull && bi.fb.pitch == 4096 &&
	       bi.fb.width == 1024 && bi.fb.height == 768 && bi.fb.bpp == 32 &&
	       bi.fb.type == 1,
	       "fb %#lx pitch %u %ux%u bpp %u type %u", (unsigned long)bi.fb.addr,
	       bi.fb.pitch, bi.fb.width, bi.fb.height, bi.fb.bpp, bi.fb.type);
	EXPECT(bi.fb.red_pos == rgb_colour[0] && bi.fb.red_size == rgb_colour[1] &&
	       bi.fb.green_pos == rgb_colour[2] &&
	       bi.fb.green_size == rgb_colour[3] &&
	       bi.fb.blue_pos == rgb_colour[4] && bi.fb.blue_size == rgb_colour[5],
	       "fb colour %u/%u %u/%u %u/%u", bi.fb.red_pos, bi.fb.red_size,
	       bi.fb.green_pos, bi.fb.green_size, bi.fb.blue_pos, bi.fb.blue_size);
	EXPECT(bi.rsdp_version == 1 && bi.rsdp_len == 20,
	       "rsdp version %d len %u", bi.rsdp_version, bi.rsdp_len);
	EXPECT(!memcmp(bi.rsdp, "RSD PTR ", 8), "rsdp signature not copied");
}

static void t_mem_total(void)
{
	struct mb m;
	uint64_t want[6] = { 0 };
	const uint32_t types[] = { MB2_MEM_AVAILABLE, MB2_MEM_RESERVED,
				   MB2_MEM_ACPI_RECLAIM, MB2_MEM_NVS,
				   MB2_MEM_BADRAM };

	/* Two mmap tags: entries accumulate across them. */
	mb_begin(&m);
	mb_mmap(&m, 24, mmap3, 3);
	mb_mmap(&m, 32, mmap_ext, 6);
	mb_end(&m);
	for (unsigned int i = 0; i < 3; i++)
		want[mmap3[i].type] += mmap3[i].len;
	for (unsigned int i = 0; i < 6; i++)
		want[mmap_ext[i].type] += mmap_ext[i].len;
	EXPECT(parse_mb(&m) == 0, "MBI with two mmap tags rejected");
	EXPECT(bi.nr_mmap == 9, "nr_mmap %u, want 9", bi.nr_mmap);
	for (unsigned int i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		EXPECT(mb2_mem_total(&bi, types[i]) == want[types[i]],
		       "mem_total(type %u) = %#lx, want %#lx", types[i],
		       (unsigned long)mb2_mem_total(&bi, types[i]),
		       (unsigned long)want[types[i]]);
	EXPECT(mb2_mem_total(&bi, 77) == 0, "mem_total of an absent type != 0");

	/* No memory map at all: zero, and has_mmap false. */
	mb_begin(&m);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0 && !bi.has_mmap &&
	       mb2_mem_total(&bi, MB2_MEM_AVAILABLE) == 0,
	       "MBI without mmap: has_mmap %d total %#lx", bi.has_mmap,
	       (unsigned long)mb2_mem_total(&bi, MB2_MEM_AVAILABLE));
}

static void t_mmap_entry_size_32(void)
{
	struct mb m;

	mb_begin(&m);
	mb_mmap(&m, 32, mmap_ext, 6);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0, "mmap with 32-byte entries rejected");
	EXPECT(bi.has_mmap && bi.nr_mmap == 6, "nr_mmap %u, want 6", bi.nr_mmap);
	for (unsigned int i = 0; i < 6 && i < bi.nr_mmap; i++)
		EXPECT(bi.mmap[i].base == mmap_ext[i].base &&
		       bi.mmap[i].len == mmap_ext[i].len &&
		       bi.mmap[i].type == mmap_ext[i].type,
		       "mmap[%u] = %#lx+%#lx type %u (stepped wrongly?)", i,
		       (unsigned long)bi.mmap[i].base,
		       (unsigned long)bi.mmap[i].len, bi.mmap[i].type);

	/* Much larger entries still step correctly. */
	mb_begin(&m);
	mb_mmap(&m, 64, mmap3, 3);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0 && bi.nr_mmap == 3 &&
	       bi.mmap[2].base == mmap3[2].base && bi.mmap[2].len == mmap3[2].len,
	       "64-byte entries: nr_mmap %u", bi.nr_mmap);
}

static void t_mmap_partial_and_empty(void)
{
	struct mb m;
	uint8_t *t;

	/* A trailing fragment shorter than entry_size is ignored. */
	for (uint32_t frag = 8; frag < 24; frag += 8) {
		mb_begin(&m);
		t = mb_tag(&m, MB2_TAG_MMAP, 16 + 2 * 24 + frag);
		w32(t + 8, 24);
		for (unsigned int i = 0; i < 2; i++) {
			w64(t + 16 + 24 * i, mmap3[i].base);
			w64(t + 16 + 24 * i + 8, mmap3[i].len);
			w32(t + 16 + 24 * i + 16, mmap3[i].type);
		}
		memset(t + 16 + 2 * 24, 0x42, frag);
		mb_end(&m);
		EXPECT(parse_mb(&m) == 0 && bi.nr_mmap == 2 &&
		       bi.mmap[1].base == mmap3[1].base &&
		       bi.mmap[1].len == mmap3[1].len,
		       "mmap with a %u-byte partial entry: nr_mmap %u", frag,
		       bi.nr_mmap);
	}

	/* No entries at all. */
	mb_begin(&m);
	mb_mmap(&m, 24, mmap3, 0);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0 && bi.has_mmap && bi.nr_mmap == 0,
	       "empty mmap: has_mmap %d nr_mmap %u", bi.has_mmap, bi.nr_mmap);
}

static void t_mmap_cap(void)
{
	struct mb m;
	struct region r[BOOT_MAX_MMAP + 72];
	unsigned int n = sizeof(r) / sizeof(r[0]);

	for (unsigned int i = 0; i < n; i++)
		r[i] = (struct region){ (uint64_t)i << 20, 0x1000 + i,
					1 + i % 5 };
	mb_begin(&m);
	mb_mmap(&m, 24, r, n);
	mb_module(&m, 0x1000, 0x2000, "after-mmap");
	mb_meminfo(&m, 1, 2);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0, "MBI with %u mmap entries rejected", n);
	EXPECT(bi.nr_mmap == BOOT_MAX_MMAP, "nr_mmap %u, cap %d", bi.nr_mmap,
	       BOOT_MAX_MMAP);
	for (unsigned int i = 0; i < BOOT_MAX_MMAP && i < bi.nr_mmap; i++)
		EXPECT(bi.mmap[i].base == r[i].base && bi.mmap[i].len == r[i].len &&
		       bi.mmap[i].type == r[i].type, "mmap[%u] wrong", i);
	/* The fields after the array survived and later tags still parsed. */
	EXPECT(bi.nr_modules == 1 && !strcmp(bi.modules[0].cmdline, "after-mmap"),
	       "module after a huge mmap: nr %u", bi.nr_modules);
	EXPECT(bi.mem_lower_kb == 1 && bi.mem_upper_kb == 2, "meminfo lost");

	/* A second mmap tag past the cap adds nothing. */
	mb_begin(&m);
	mb_mmap(&m, 24, r, BOOT_MAX_MMAP);
	mb_mmap(&m, 32, mmap_ext, 6);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0 && bi.nr_mmap == BOOT_MAX_MMAP &&
	       bi.mmap[BOOT_MAX_MMAP - 1].base == r[BOOT_MAX_MMAP - 1].base,
	       "second mmap tag past the cap: nr_mmap %u", bi.nr_mmap);
}

static void t_module_cap(void)
{
	struct mb m;
	char name[32];

	mb_begin(&m);
	for (unsigned int i = 0; i < BOOT_MAX_MODULES + 5; i++) {
		snprintf(name, sizeof(name), "mod%u", i);
		mb_module(&m, 0x100000 * (i + 1), 0x100000 * (i + 1) + i, name);
	}
	mb_meminfo(&m, 3, 4);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0, "MBI with %d modules rejected",
	       BOOT_MAX_MODULES + 5);
	EXPECT(bi.nr_modules == BOOT_MAX_MODULES, "nr_modules %u, cap %d",
	       bi.nr_modules, BOOT_MAX_MODULES);
	for (unsigned int i = 0; i < BOOT_MAX_MODULES && i < bi.nr_modules; i++) {
		snprintf(name, sizeof(name), "mod%u", i);
		EXPECT(bi.modules[i].start == 0x100000u * (i + 1) &&
		       !strcmp(bi.modules[i].cmdline, name),
		       "module %u: %#lx '%s'", i,
		       (unsigned long)bi.modules[i].start, bi.modules[i].cmdline);
	}
	EXPECT(bi.mem_lower_kb == 3 && bi.mem_upper_kb == 4,
	       "tags after the module cap not parsed");
}

static void t_framebuffer_ega(void)
{
	struct mb m;

	/* EGA text (type 2): 32-byte tag, no colour info. */
	mb_begin(&m);
	mb_fb(&m, 32, 0xb8000, 160, 80, 25, 16, 2);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0, "EGA text framebuffer rejected");
	EXPECT(bi.has_fb && bi.fb.addr == 0xb8000 && bi.fb.pitch == 160 &&
	       bi.fb.width == 80 && bi.fb.height == 25 && bi.fb.bpp == 16 &&
	       bi.fb.type == 2,
	       "EGA fb %#lx pitch %u %ux%u bpp %u type %u",
	       (unsigned long)bi.fb.addr, bi.fb.pitch, bi.fb.width,
	       bi.fb.height, bi.fb.bpp, bi.fb.type);
	EXPECT(!bi.fb.red_pos && !bi.fb.red_size && !bi.fb.green_pos &&
	       !bi.fb.green_size && !bi.fb.blue_pos && !bi.fb.blue_size,
	       "EGA fb has colour fields");

	/* The spec's minimum (31 bytes: u8 reserved) is enough for non-RGB. */
	mb_begin(&m);
	mb_fb(&m, 31, 0xb8000, 160, 80, 25, 16, 2);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0 && bi.has_fb && bi.fb.type == 2,
	       "31-byte EGA framebuffer tag rejected");

	/* Indexed (type 0) with a palette: parsed, no RGB fields. */
	mb_begin(&m);
	uint8_t *t = mb_fb(&m, 32 + 2 + 3 * 4, 0xe0000000, 800, 800, 600, 8, 0);

	t[32] = 4;
	memset(t + 34, 0x77, 12);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0 && bi.has_fb && bi.fb.type == 0 &&
	       !bi.fb.red_size && !bi.fb.red_pos,
	       "indexed framebuffer: has_fb %d type %u red %u/%u", bi.has_fb,
	       bi.fb.type, bi.fb.red_pos, bi.fb.red_size);
}

static void t_framebuffer_rgb_layouts(void)
{
	static const uint8_t c565[6] = { 11, 5, 5, 6, 0, 5 };
	static const uint8_t cbgr[6] = { 0, 8, 8, 8, 16, 8 };
	const uint8_t *cs[] = { c565, cbgr, rgb_colour };
	struct mb m;

	for (unsigned int i = 0; i < 3; i++) {
		mb_begin(&m);
		mb_fb_rgb(&m, cs[i]);
		mb_end(&m);
		EXPECT(parse_mb(&m) == 0 && bi.fb.red_pos == cs[i][0] &&
		       bi.fb.red_size == cs[i][1] && bi.fb.green_pos == cs[i][2] &&
		       bi.fb.green_size == cs[i][3] &&
		       bi.fb.blue_pos == cs[i][4] && bi.fb.blue_size == cs[i][5],
		       "layout %u: colour fields %u/%u %u/%u %u/%u", i,
		       bi.fb.red_pos, bi.fb.red_size, bi.fb.green_pos,
		       bi.fb.green_size, bi.fb.blue_pos, bi.fb.blue_size);
	}
}

static void t_acpi(void)
{
	struct mb m;
	uint8_t want_new[36], want_old[20];
	struct mb tmp;

	/* Reference bytes, written by the same helper into a scratch MBI. */
	mb_begin(&tmp);
	memcpy(want_new, mb_acpi(&tmp, MB2_TAG_ACPI_NEW, 36, 0x40) + 8, 36);
	memcpy(want_old, mb_acpi(&tmp, MB2_TAG_ACPI_OLD, 20, 0x10) + 8, 20);

	/* Old, then new: the XSDP replaces the RSDP. */
	mb_begin(&m);
	mb_acpi(&m, MB2_TAG_ACPI_OLD, 20, 0x10);
	mb_acpi(&m, MB2_TAG_ACPI_NEW, 36, 0x40);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0, "old+new ACPI rejected");
	EXPECT(bi.rsdp_version == 2 && bi.rsdp_len == 36 &&
	       !memcmp(bi.rsdp, want_new, 36),
	       "old then new: version %d len %u", bi.rsdp_version, bi.rsdp_len);

	/* New, then old: the XSDP must still win. */
	mb_begin(&m);
	mb_acpi(&m, MB2_TAG_ACPI_NEW, 36, 0x40);
	mb_acpi(&m, MB2_TAG_ACPI_OLD, 20, 0x10);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0, "new+old ACPI rejected");
	EXPECT(bi.rsdp_version == 2 && bi.rsdp_len == 36 &&
	       !memcmp(bi.rsdp, want_new, 36),
	       "new then old: version %d len %u (old RSDP overwrote XSDP?)",
	       bi.rsdp_version, bi.rsdp_len);

	/* Old only. */
	mb_begin(&m);
	mb_acpi(&m, MB2_TAG_ACPI_OLD, 20, 0x10);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0 && bi.rsdp_version == 1 && bi.rsdp_len == 20 &&
	       !memcmp(bi.rsdp, want_old, 20),
	       "old only: version %d len %u", bi.rsdp_version, bi.rsdp_len);

	/* An oversized RSDP copy is capped at sizeof(rsdp). */
	mb_begin(&m);
	mb_acpi(&m, MB2_TAG_ACPI_NEW, 100, 0x40);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0 && bi.rsdp_version == 2 &&
	       bi.rsdp_len == sizeof(bi.rsdp),
	       "100-byte XSDP: version %d len %u", bi.rsdp_version, bi.rsdp_len);

	/* None: version 0. */
	mb_begin(&m);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0 && bi.rsdp_version == 0 && bi.rsdp_len == 0,
	       "no ACPI tag: version %d", bi.rsdp_version);
}

static void t_unknown_tags_skipped(void)
{
	struct mb m;
	uint8_t *t;

	mb_begin(&m);
	for (uint32_t type = 16; type < 40; type++) {
		t = mb_tag(&m, type, 8 + type * 3);	/* assorted sizes */
		memset(t + 8, 0xff, type * 3);
	}
	t = mb_tag(&m, 5, 8 + 12);			/* BIOS boot device */
	memset(t + 8, 0x11, 12);
	mb_string(&m, MB2_TAG_CMDLINE, "after-unknown");
	t = mb_tag(&m, 0x80000000u, 9);			/* odd size, padded */
	t[8] = 1;
	mb_meminfo(&m, 5, 6);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0, "MBI with unknown tags rejected");
	EXPECT(!strcmp(bi.cmdline, "after-unknown") && bi.mem_upper_kb == 6,
	       "tags after unknown ones lost: cmdline '%s' upper %u",
	       bi.cmdline, bi.mem_upper_kb);
}

/* ---- tests: strings ----------------------------------------------------- */

static void t_string_unterminated(void)
{
	struct mb m;

	/* No NUL inside the tag: the copy stops at the tag end. The padding
	 * after it is 0xee and poisoned, so reading on would be caught. */
	mb_begin(&m);
	mb_bytes(&m, MB2_TAG_CMDLINE, "abcdefg", 7);
	mb_bytes(&m, MB2_TAG_LOADER_NAME, "loader-xyz", 10);
	uint8_t *t = mb_tag(&m, MB2_TAG_MODULE, 16 + 5);

	w32(t + 8, 0x1000);
	w32(t + 12, 0x2000);
	memcpy(t + 16, "modXY", 5);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0, "unterminated strings rejected");
	EXPECT(!strcmp(bi.cmdline, "abcdefg"), "cmdline '%s'", bi.cmdline);
	EXPECT(!strcmp(bi.loader, "loader-xyz"), "loader '%s'", bi.loader);
	EXPECT(bi.nr_modules == 1 && !strcmp(bi.modules[0].cmdline, "modXY"),
	       "module cmdline '%s'", bi.modules[0].cmdline);

	/* Unterminated cmdline as the very last bytes of the buffer (no end
	 * tag): must not read past total_size; -EINVAL for the missing end. */
	mb_begin(&m);
	mb_bytes(&m, MB2_TAG_CMDLINE, "12345678", 8);	/* 16 bytes, no pad */
	EXPECT(m.len == 24, "test bug: len %u", m.len);
	EXPECT(parse_raw(&m) == -EINVAL, "MBI ending in an unterminated string "
	       "without an end tag accepted");

	/* Empty payloads. */
	mb_begin(&m);
	mb_tag(&m, MB2_TAG_CMDLINE, 8);
	mb_tag(&m, MB2_TAG_LOADER_NAME, 8);
	t = mb_tag(&m, MB2_TAG_MODULE, 16);
	w32(t + 8, 5);
	w32(t + 12, 5);				/* empty module is fine */
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0 && !bi.cmdline[0] && !bi.loader[0] &&
	       bi.nr_modules == 1 && !bi.modules[0].cmdline[0],
	       "empty strings: cmdline '%.20s' loader '%.20s' modules %u",
	       bi.cmdline, bi.loader, bi.nr_modules);

	/* An embedded NUL ends the string. */
	mb_begin(&m);
	mb_bytes(&m, MB2_TAG_CMDLINE, "abc\0def", 8);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0 && !strcmp(bi.cmdline, "abc"),
	       "embedded NUL: cmdline '%s'", bi.cmdline);
}

static void t_string_truncation(void)
{
	struct mb m;
	char big[2100];

	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof(big) - 1] = 0;

	/*
	 * String lengths around each limit (cap - 2 .. cap + 1) and far past
	 * it, each with and without a terminator inside the tag. Expected:
	 * the first min(len, cap - 1) bytes, NUL-terminated.
	 */
	for (int delta = -2; delta <= 2; delta++) {
		for (int term = 0; term < 2; term++) {
			uint32_t lc = delta == 2 ? 2000 : BOOT_CMDLINE_MAX + delta;
			uint32_t ln = delta == 2 ? 200 : BOOT_NAME_MAX + delta;
			size_t wc = lc < BOOT_CMDLINE_MAX ? lc : BOOT_CMDLINE_MAX - 1;
			size_t wn = ln < BOOT_NAME_MAX ? ln : BOOT_NAME_MAX - 1;
			uint8_t *t;

			mb_begin(&m);
			t = mb_bytes(&m, MB2_TAG_CMDLINE, big, lc + term);
			if (term)
				t[8 + lc] = 0;
			t = mb_bytes(&m, MB2_TAG_LOADER_NAME, big, ln + term);
			if (term)
				t[8 + ln] = 0;
			t = mb_tag(&m, MB2_TAG_MODULE, 16 + ln + term);
			w32(t + 8, 0);
			w32(t + 12, 1);
			memcpy(t + 16, big, ln);
			mb_end(&m);
			EXPECT(parse_mb(&m) == 0, "len %u/%u term %d: rejected",
			       lc, ln, term);
			EXPECT(str_ok(bi.cmdline, sizeof(bi.cmdline)) &&
			       strlen(bi.cmdline) == wc && !memcmp(bi.cmdline, big, wc),
			       "cmdline of %u bytes (term %d): got length %zu, want %zu",
			       lc, term, strnlen(bi.cmdline, sizeof(bi.cmdline)), wc);
			EXPECT(str_ok(bi.loader, sizeof(bi.loader)) &&
			       strlen(bi.loader) == wn && !memcmp(bi.loader, big, wn),
			       "loader of %u bytes (term %d): got length %zu, want %zu",
			       ln, term, strnlen(bi.loader, sizeof(bi.loader)), wn);
			EXPECT(bi.nr_modules == 1 &&
			       str_ok(bi.modules[0].cmdline, BOOT_NAME_MAX) &&
			       strlen(bi.modules[0].cmdline) == wn &&
			       !memcmp(bi.modules[0].cmdline, big, wn),
			       "module string of %u bytes (term %d): got length %zu",
			       ln, term, strnlen(bi.modules[0].cmdline, BOOT_NAME_MAX));
		}
	}
}

/* ---- tests: malformed input --------------------------------------------- */

static void t_bad_header(void)
{
	struct mb m;
	struct boot_info dummy;

	EXPECT(mb2_parse(NULL, 4096, &dummy) == -EINVAL, "NULL MBI accepted");

	build_full(&m);
	/* avail too small to hold even the header. */
	for (size_t avail = 0; avail < 8; avail++)
		EXPECT(parse_ex(&m, avail, avail, 0, false) == -EINVAL,
		       "avail %zu accepted", avail);
	/* total_size < 16 (a header alone cannot hold an end tag). */
	for (uint32_t total = 0; total < 16; total++) {
		struct mb s;

		mb_begin(&s);
		mb_end(&s);
		w32(s.b, total);
		EXPECT(parse_ex(&s, total < 8 ? 8 : total, total < 8 ? 8 : total,
				0, false) == -EINVAL, "total_size %u accepted", total);
	}
	/* total_size > avail: the buffer holds only avail bytes. */
	for (uint32_t cut = 1; cut <= 16; cut++)
		EXPECT(parse_ex(&m, m.len - cut, m.len - cut, 0, false) == -EINVAL,
		       "total_size %u with avail %u accepted", m.len, m.len - cut);
	/* Huge total_size. */
	w32(m.b, 0xffffffffu);
	EXPECT(parse_raw(&m) == -EINVAL, "total_size 0xffffffff accepted");
	build_full(&m);
	/* Unaligned pointers. */
	for (unsigned int mis = 1; mis < 8; mis++)
		EXPECT(parse_ex(&m, m.len, m.len, mis, false) == -EINVAL,
		       "MBI at misalignment %u accepted", mis);
	/* And the same bytes aligned are fine. */
	EXPECT(parse_ex(&m, m.len, m.len, 8, true) == 0, "aligned copy rejected");
	/* avail larger than total_size is fine. */
	EXPECT(parse_ex(&m, m.len, m.len + 4096, 0, true) == 0,
	       "avail > total_size rejected");
}

static void t_bad_tag_size(void)
{
	const uint32_t small[] = { 0, 1, 4, 7 };
	struct mb m;

	for (unsigned int i = 0; i < 4; i++) {
		/* As the first tag. */
		mb_begin(&m);
		mb_string(&m, MB2_TAG_CMDLINE, "x");
		mb_end(&m);
		w32(m.b + 8 + 4, small[i]);
		EXPECT(parse_raw(&m) == -EINVAL, "first tag size %u accepted",
		       small[i]);
		/* In the middle, and as the end tag. */
		build_full(&m);
		w32(m.b + m.tag[5].off + 4, small[i]);
		EXPECT(parse_raw(&m) == -EINVAL, "middle tag size %u accepted",
		       small[i]);
		build_full(&m);
		w32(m.b + m.tag[m.ntags - 1].off + 4, small[i]);
		EXPECT(parse_raw(&m) == -EINVAL, "end tag size %u accepted",
		       small[i]);
	}
	/* A size that runs past total_size, by a little or a lot. */
	const uint32_t over[] = { 1, 8, 9, 4096, 0x7fffffff };

	for (unsigned int i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
		for (unsigned int k = 0; k < 3; k++) {
			struct mb f;
			unsigned int tag;

			build_full(&f);
			tag = k == 0 ? 0 : k == 1 ? 6 : f.ntags - 1;
			uint32_t room = f.len - f.tag[tag].off;

			w32(f.b + f.tag[tag].off + 4, room + over[i]);
			EXPECT(parse_raw(&f) == -EINVAL,
			       "tag %u size %u past total_size (room %u) accepted",
			       tag, room + over[i], room);
		}
	}
	build_full(&m);
	w32(m.b + m.tag[2].off + 4, 0xffffffffu);
	EXPECT(parse_raw(&m) == -EINVAL, "tag size 0xffffffff accepted");
}

static void t_no_end_tag(void)
{
	struct mb m;

	/* total_size stops right before the end tag. */
	build_full(&m);
	w32(m.b, m.tag[m.ntags - 1].off);
	EXPECT(parse_ex(&m, m.tag[m.ntags - 1].off, m.tag[m.ntags - 1].off, 0,
			false) == -EINVAL, "MBI without end tag accepted");
	/* ... or 4 bytes into it (a partial tag header). */
	build_full(&m);
	w32(m.b, m.tag[m.ntags - 1].off + 4);
	EXPECT(parse_ex(&m, m.tag[m.ntags - 1].off + 4,
			m.tag[m.ntags - 1].off + 4, 0, false) == -EINVAL,
	       "MBI with half an end tag accepted");
	/* Only a non-end tag. */
	mb_begin(&m);
	mb_tag(&m, 42, 8);
	EXPECT(parse_raw(&m) == -EINVAL, "MBI with a lone unknown tag accepted");
	/* The last tag's padding runs past total_size. */
	mb_begin(&m);
	mb_bytes(&m, MB2_TAG_CMDLINE, "abc", 4);	/* size 12 */
	w32(m.b, 8 + 12);
	EXPECT(parse_ex(&m, 20, 20, 0, false) == -EINVAL,
	       "MBI ending in padding accepted");
	/* The end tag's own type must be 0: type 0 elsewhere ends the walk. */
	build_full(&m);
	w32(m.b + m.tag[3].off, MB2_TAG_END);
	w32(m.b + m.tag[3].off + 4, 8);
	EXPECT(parse_raw(&m) == 0 && bi.nr_modules == 0 &&
	       !strcmp(bi.loader, LOADER),
	       "early end tag: modules %u (tags after the end tag parsed?)",
	       bi.nr_modules);
}

static void t_bad_mmap(void)
{
	const uint32_t bad_esz[] = { 0, 8, 16, 20, 23, 25, 28, 30, 33, 36, 44 };
	struct mb m;
	uint8_t *t;

	for (unsigned int i = 0; i < sizeof(bad_esz) / sizeof(bad_esz[0]); i++) {
		mb_begin(&m);
		t = mb_mmap(&m, 24, mmap3, 3);
		w32(t + 8, bad_esz[i]);
		mb_end(&m);
		EXPECT(parse_raw(&m) == -EINVAL, "mmap entry_size %u accepted",
		       bad_esz[i]);
	}
	/* Too short for the entry_size/version header. */
	for (uint32_t size = 8; size < 16; size++) {
		mb_begin(&m);
		t = mb_tag(&m, MB2_TAG_MMAP, size);
		if (size >= 12)
			w32(t + 8, 24);
		mb_end(&m);
		EXPECT(parse_mb(&m) == -EINVAL, "mmap tag of %u bytes accepted", size);
	}
}

/*
 * entry_size so large that off + entry_size wraps around 2^32: the parser
 * must not treat that as "fits". The tag is followed by other tags so that
 * a stray read stays inside the buffer and this fails gracefully.
 */
static void t_mmap_entry_size_overflow(void)
{
	const uint32_t huge[] = { 0xfffffff8u, 0xfffffff0u, 0xffffffe8u,
				  0x80000000u };
	struct mb m;

	for (unsigned int i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		uint8_t *t;
		int r;

		mb_begin(&m);
		t = mb_mmap(&m, 24, mmap3, 0);		/* 16 bytes, no entries */
		w32(t + 8, huge[i]);
		mb_string(&m, MB2_TAG_CMDLINE, "padding-after-the-mmap-tag");
		mb_string(&m, MB2_TAG_LOADER_NAME, "more-padding-after-the-tag");
		mb_end(&m);
		r = parse_raw(&m);
		EXPECT(r == -EINVAL || (r == 0 && bi.nr_mmap == 0),
		       "mmap tag of 16 bytes with entry_size %#x: returned %d with "
		       "%u entries read from outside the tag (off + entry_size "
		       "wraps in parse_mmap)", huge[i], r, bi.nr_mmap);
	}
}

static void t_bad_framebuffer(void)
{
	struct mb m;

	for (uint32_t size = 8; size < 31; size++) {
		mb_begin(&m);
		mb_fb(&m, size < 30 ? 30 : size, 0xb8000, 160, 80, 25, 16, 2);
		w32(m.b + 8 + 4, size);
		mb_end(&m);
		EXPECT(parse_raw(&m) == -EINVAL, "framebuffer tag of %u bytes accepted",
		       size);
	}
	/* RGB needs the six colour bytes (up to offset 38). */
	for (uint32_t size = 31; size < 38; size++) {
		mb_begin(&m);
		mb_fb(&m, size, 0xfd000000, 4096, 1024, 768, 32, 1);
		mb_end(&m);
		EXPECT(parse_mb(&m) == -EINVAL,
		       "RGB framebuffer tag of %u bytes accepted", size);
	}
	mb_begin(&m);
	mb_fb(&m, 38, 0xfd000000, 4096, 1024, 768, 32, 1);
	mb_end(&m);
	EXPECT(parse_mb(&m) == 0, "RGB framebuffer tag of 38 bytes rejected");
}

static void t_bad_module(void)
{
	struct mb m;
	uint8_t *t;

	for (uint32_t size = 8; size < 16; size++) {
		mb_begin(&m);
		t = mb_tag(&m, MB2_TAG_MODULE, size);
		if (size >= 12)
			w32(t + 8, 0x1000);
		mb_end(&m);
		EXPECT(parse_mb(&m) == -EINVAL, "module tag of %u bytes accepted",
		       size);
	}
	mb_begin(&m);
	mb_module(&m, 0x2000, 0x1fff, "backwards");
	mb_end(&m);
	EXPECT(parse_mb(&m) == -EINVAL, "module with end < start accepted");
	mb_begin(&m);
	mb_module(&m, 0x1000, 0x2000, "ok");
	mb_module(&m, 0xffffffffu, 0, "backwards");
	mb_end(&m);
	EXPECT(parse_mb(&m) == -EINVAL, "second module with end < start accepted");
}

static void t_bad_small_tags(void)
{
	struct mb m;

	for (uint32_t size = 8; size < 16; size++) {
		mb_begin(&m);
		mb_tag(&m, MB2_TAG_BASIC_MEMINFO, size);
		mb_end(&m);
		EXPECT(parse_mb(&m) == -EINVAL, "meminfo tag of %u bytes accepted",
		       size);
	}
	for (uint32_t n = 0; n < 20; n++) {
		mb_begin(&m);
		mb_acpi(&m, n & 1 ? MB2_TAG_ACPI_NEW : MB2_TAG_ACPI_OLD, n, 1);
		mb_end(&m);
		EXPECT(parse_mb(&m) == -EINVAL, "ACPI tag with a %u-byte RSDP accepted",
		       n);
	}
}

/* ---- fuzzing ------------------------------------------------------------ */

static const uint32_t interesting[] = {
	0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 38, 40, 64, 4096,
	0x7fffffffu, 0x80000000u, 0xfffffff8u, 0xfffffff0u, 0xffffffffu,
};

static uint32_t pick_interesting(void)
{
	return interesting[rng_below(sizeof(interesting) / sizeof(interesting[0]))];
}

/* Apply one random mutation to @m, a copy of @base. */
static void fuzz_mutate_one(struct mb *m, const struct mb *base)
{
	uint32_t len = base->len;
	uint32_t off;

	switch (rng_below(6)) {
	case 0:		/* flip one bit */
		off = rng_below(len);
		m->b[off] ^= (uint8_t)(1u << rng_below(8));
		break;
	case 1:		/* random byte */
		m->b[off = rng_below(len)] = (uint8_t)rng();
		break;
	case 2: {	/* a tag's size field */
		unsigned int t = rng_below(base->ntags);
		uint32_t v = rng_below(2) ?
			pick_interesting() :
			base->tag[t].size + rng_below(33) - 16;

		w32(m->b + base->tag[t].off + 4, v);
		break;
	}
	case 3: {	/* an interesting value at any 4-aligned spot */
		off = rng_below(len / 4) * 4;
		w32(m->b + off, pick_interesting());
		break;
	}
	case 4:		/* total_size */
		w32(m->b, rng_below(2) ? rng_below(len + 16) :
			  pick_interesting());
		break;
	default:	/* a payload field right after a tag header */
		off = base->tag[rng_below(base->ntags)].off + 8;
		if (off + 4 <= len)
			w32(m->b + off, rng_below(2) ? (uint32_t)rng() :
				  pick_interesting());
		break;
	}
}

/* Run mb2_parse() on @m with @avail bytes available, into bi. */
static int fuzz_parse(const struct mb *m, uint32_t avail, int iter)
{
	/*
	 * The parser may read min(total_size, avail) bytes; give it a
	 * buffer of exactly that (at least the 8-byte header).
	 */
	uint32_t total = r32(m->b);
	uint32_t readable = total < avail ? total : avail;

	if (readable < 8)		/* the header itself */
		readable = avail < 8 ? avail : 8;
	snprintf(crash_note, sizeof(crash_note),
		 "at fuzz iteration %d (seed 0x6d62326675a2a2)", iter);
	uint8_t *raw = malloc(readable ? readable : 1);

	memcpy(raw, m->b, readable);
	memset(&bi, 0xcc, sizeof(bi));
	int r = mb2_parse(raw, avail, &bi);

	free(raw);
	return r;
}

/* Check the boot_info that mb2_parse() filled in from accepted input. */
static void fuzz_check_accepted(int iter, uint32_t avail)
{
	EXPECT(bi.nr_mmap <= BOOT_MAX_MMAP &&
	       bi.nr_modules <= BOOT_MAX_MODULES &&
	       bi.rsdp_len <= sizeof(bi.rsdp) &&
	       bi.rsdp_version >= 0 && bi.rsdp_version <= 2 &&
	       bi.mbi_size <= avail && bi.mbi_size >= 16,
	       "iteration %d: inconsistent boot_info", iter);
	EXPECT(str_ok(bi.cmdline, sizeof(bi.cmdline)) &&
	       str_ok(bi.loader, sizeof(bi.loader)),
	       "iteration %d: unterminated string", iter);
	for (unsigned int i = 0; i < bi.nr_modules &&
	     i < BOOT_MAX_MODULES; i++)
		EXPECT(str_ok(bi.modules[i].cmdline, BOOT_NAME_MAX) &&
		       bi.modules[i].end >= bi.modules[i].start,
		       "iteration %d: bad module %u", iter, i);
}

static void t_fuzz(void)
{
	static uint64_t fuzz_store[MB_CAP / 8];
	struct mb base, m;
	unsigned long ok = 0, inval = 0;

	build_full(&base);		/* lives in mb_store */
	m = base;
	m.b = (uint8_t *)fuzz_store;	/* the mutated copy */
	rng_seed(0x6d62326675a2a2ull);
	for (int iter = 0; iter < 20000 && !reason[0]; iter++) {
		uint32_t len = base.len;
		int nmut = rng_below(4) ? 1 : 2 + (int)rng_below(3);

		memcpy(m.b, base.b, base.len);
		for (int k = 0; k < nmut; k++)
			fuzz_mutate_one(&m, &base);
		uint32_t avail = rng_below(4) ? len : rng_below(len + 1);
		int r = fuzz_parse(&m, avail, iter);

		if (r == 0)
			ok++;
		else if (r == -EINVAL)
			inval++;
		EXPECT(r == 0 || r == -EINVAL, "iteration %d returned %d", iter, r);
		if (r == 0)
			fuzz_check_accepted(iter, avail);
	}
	crash_note[0] = 0;
	/* A fuzzer that never reaches both outcomes is not testing much. */
	EXPECT(ok > 500 && inval > 500, "fuzz outcomes skewed: %lu ok, %lu -EINVAL",
	       ok, inval);
}

int main(void)
{
#ifdef __SANITIZE_ADDRESS__
	__sanitizer_set_death_callback(on_sanitizer_death);
#endif
	run("minimal", t_minimal);
	run("full", t_full);
	run("mem_total", t_mem_total);
	run("mmap_entry_size_32", t_mmap_entry_size_32);
	run("mmap_partial_and_empty", t_mmap_partial_and_empty);
	run("mmap_cap", t_mmap_cap);
	run("module_cap", t_module_cap);
	run("framebuffer_ega", t_framebuffer_ega);
	run("framebuffer_rgb_layouts", t_framebuffer_rgb_layouts);
	run("acpi", t_acpi);
	run("unknown_tags_skipped", t_unknown_tags_skipped);
	run("string_unterminated", t_string_unterminated);
	run("string_truncation", t_string_truncation);
	run("bad_header", t_bad_header);
	run("bad_tag_size", t_bad_tag_size);
	run("no_end_tag", t_no_end_tag);
	run("bad_mmap", t_bad_mmap);
	run("mmap_entry_size_overflow", t_mmap_entry_size_overflow);
	run("bad_framebuffer", t_bad_framebuffer);
	run("bad_module", t_bad_module);
	run("bad_small_tags", t_bad_small_tags);
	run("fuzz", t_fuzz);
	return failures ? 1 : 0;
}
