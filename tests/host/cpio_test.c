/*
 * cpio_test.c - host unit test for the cpio "newc" parser (kernel/lib/cpio.c).
 *
 * Build and run (from the repo top; `make host-tests` uses the same flags):
 *   gcc -std=gnu11 -g -O1 -Wall -Werror -I. -Iarch/x86_64/include \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       tests/host/cpio_test.c -o /tmp/cpio_test && /tmp/cpio_test
 *
 * Design: cpio.c is #included, so the kernel code runs as written. Archives
 * are built here by a small writer (struct ar) that can also emit broken
 * headers. Every parse runs over a malloc()ed copy that ends exactly where
 * the archive ends, so AddressSanitizer catches any read past the end.
 *
 * Checks: a well-formed archive yields its entries with the right names,
 * modes, sizes and data (zero-length files, names that fill the padding
 * exactly, nested paths); two archives back to back with NUL padding
 * between them; the 070702 checksum. Malformed input must return -EINVAL
 * with a reason, never crash: bad magic, bad hex digits, every truncation
 * point of a valid archive, name and data sizes past the end, 0xffffffff
 * sizes that would overflow an offset, namesize 0, a name whose NUL is not
 * where namesize says, a missing TRAILER!!!. Finally 20000 random
 * mutations of a valid archive must each end (in a bounded number of
 * steps) with 0 or -EINVAL.
 *
 * Output: one line per check, "PASS cpio/<name>" or
 * "FAIL cpio/<name>: <reason>"; exit status 0 only if every check passed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/cpio.c"

#define HOSTTEST_SUITE "cpio"
#include "hosttest.h"

/* ---- an archive writer ---- */

struct ar {
	uint8_t *buf;
	size_t len, cap;
};

static void ar_put(struct ar *a, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (a->len + n > a->cap) {
		a->cap = (a->len + n) * 2 + 64;
		a->buf = realloc(a->buf, a->cap);
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void ar_pad(struct ar *a)
{
	static const uint8_t zero[4];

	ar_put(a, zero, (4 - a->len % 4) % 4);
}

/* One entry; @namesize and @filesize as written into the header (lies allowed). */
static void ar_entry_raw(struct ar *a, const char *magic, const char *name, uint32_t mode,
			 const void *data, size_t n, uint32_t namesize, uint32_t filesize,
			 uint32_t check)
{
	char h[CPIO_HEADER_SIZE + 1];

	snprintf(h, sizeof(h), "%s%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		 magic, 1u, mode, 0u, 0u, 1u, 0u, filesize, 0u, 0u, 0u, 0u, namesize, check);
	ar_put(a, h, CPIO_HEADER_SIZE);
	ar_put(a, name, strlen(name) + 1);
	ar_pad(a);
	ar_put(a, data, n);
	ar_pad(a);
}

static void ar_entry(struct ar *a, const char *name, uint32_t mode, const void *data, size_t n)
{
	ar_entry_raw(a, "070701", name, mode, data, n, strlen(name) + 1, n, 0);
}

static void ar_trailer(struct ar *a)
{
	ar_entry(a, "TRAILER!!!", 0, NULL, 0);
}

/* The standard test archive: a directory, files of several sizes, a trailer. */
static struct ar sample(void)
{
	struct ar a = { 0 };

	ar_entry(&a, "bin", 040755, NULL, 0);
	ar_entry(&a, "bin/init", 0100755, "\x7f" "ELF....", 8);
	ar_entry(&a, "empty", 0100644, NULL, 0);
	ar_entry(&a, "ab", 0100600, "xyz", 3);		/* 110+3: padding 3 */
	ar_entry(&a, "a/b/c/d", 0100644, "0123456789", 10);
	ar_trailer(&a);
	return a;
}

/* Parse a malloc'd exact-size copy of @p[0..n); counts entries, returns the last result. */
static int parse_copy(const void *p, size_t n, int *entries, const char **why)
{
	uint8_t *copy = malloc(n ? n : 1);
	struct cpio_iter it;
	struct cpio_entry e;
	int r, count = 0;

	if (n)
		memcpy(copy, p, n);
	cpio_iter_init(&it, copy, n);
	while ((r = cpio_next(&it, &e)) == 1) {
		/* Touch every byte the parser hands out. */
		volatile uint8_t sink = 0;

		for (size_t i = 0; i < e.size; i++)
			sink ^= ((const uint8_t *)e.data)[i];
		(void)sink;
		if (++count > 100000)
			break;
	}
	if (entries)
		*entries = count;
	if (why)
		*why = it.error;
	free(copy);
	return r;
}

/* ---- checks ---- */

static void t_valid(void)
{
	struct ar a = sample();
	static const struct { const char *name; uint32_t mode; const char *data; size_t n; } want[] = {
		{ "bin", 040755, "", 0 },
		{ "bin/init", 0100755, "\x7f" "ELF....", 8 },
		{ "empty", 0100644, "", 0 },
		{ "ab", 0100600, "xyz", 3 },
		{ "a/b/c/d", 0100644, "0123456789", 10 },
	};
	struct cpio_iter it;
	struct cpio_entry e;
	size_t i = 0;
	int r;

	cpio_iter_init(&it, a.buf, a.len);
	while ((r = cpio_next(&it, &e)) == 1 && i < 5) {
		EXPECT(!strcmp(e.name, want[i].name), "entry %zu: name %s", i, e.name);
		EXPECT(e.mode == want[i].mode, "entry %zu: mode %o", i, e.mode);
		EXPECT(e.size == want[i].n, "entry %zu: size %zu", i, e.size);
		EXPECT(!memcmp(e.data, want[i].data, e.size), "entry %zu: data", i);
		i++;
	}
	EXPECT(r == 0, "end: %d (%s)", r, it.error ? it.error : "");
	EXPECT(i == 5, "%zu entries", i);
	EXPECT(cpio_next(&it, &e) == 0, "after the end, still the end");
	free(a.buf);
}

static void t_concatenated(void)
{
	struct ar a = sample();
	static const uint8_t zeros[512];
	int n, r;

	ar_put(&a, zeros, sizeof(zeros));
	ar_entry(&a, "second", 0100644, "2", 1);
	ar_trailer(&a);
	ar_put(&a, zeros, 100);		/* trailing NULs, as from a block device */
	r = parse_copy(a.buf, a.len, &n, NULL);
	EXPECT(r == 0 && n == 6, "r=%d entries=%d", r, n);
	free(a.buf);
}

static void t_crc(void)
{
	struct ar a = { 0 };
	uint32_t sum = 'a' + 'b' + 'c';
	const char *why;
	int n, r;

	ar_entry_raw(&a, "070702", "f", 0100644, "abc", 3, 2, 3, sum);
	ar_trailer(&a);
	r = parse_copy(a.buf, a.len, &n, NULL);
	EXPECT(r == 0 && n == 1, "good sum: r=%d n=%d", r, n);
	free(a.buf);

	memset(&a, 0, sizeof(a));
	ar_entry_raw(&a, "070702", "f", 0100644, "abc", 3, 2, 3, sum + 1);
	ar_trailer(&a);
	r = parse_copy(a.buf, a.len, &n, &why);
	EXPECT(r == -EINVAL && why, "bad sum accepted: r=%d", r);
	free(a.buf);
}

static void expect_bad(struct ar *a, const char *what)
{
	const char *why = NULL;
	int r = parse_copy(a->buf, a->len, NULL, &why);

	EXPECT(r == -EINVAL, "%s: r=%d", what, r);
	EXPECT(why && *why, "%s: no reason", what);
	free(a->buf);
	memset(a, 0, sizeof(*a));
}

static void t_bad_magic(void)
{
	struct ar a = sample();

	a.buf[5] = '7';			/* "070707": old binary-ish, not newc */
	expect_bad(&a, "magic 070707");
	a = sample();
	memcpy(a.buf, "\x1f\x8b\x08\x00", 4);	/* gzip: not unpacked here */
	expect_bad(&a, "gzip");
}

static void t_bad_hex(void)
{
	struct ar a = sample();

	a.buf[6 + 8 * F_NAMESIZE + 3] = 'g';
	expect_bad(&a, "namesize 'g'");
	a = sample();
	a.buf[6 + 8 * F_FILESIZE] = ' ';
	expect_bad(&a, "filesize ' '");
}

/* Cutting a valid archive anywhere before its trailer's data ends must fail. */
static void t_truncated(void)
{
	struct ar a = sample();
	/* The trailer entry: header + "TRAILER!!!\0" (11 bytes) + padding. */
	size_t end = a.len - ((CPIO_HEADER_SIZE + 11 + 3) & ~3u) + CPIO_HEADER_SIZE + 11;

	for (size_t cut = 0; cut < end; cut++) {
		int r = parse_copy(a.buf, cut, NULL, NULL);

		if (r != -EINVAL) {
			fail("cut at %zu of %zu: r=%d", cut, a.len, r);
			break;
		}
	}
	for (size_t cut = end; cut <= a.len; cut++)
		EXPECT(parse_copy(a.buf, cut, NULL, NULL) == 0, "cut at %zu (in the final padding)", cut);
	free(a.buf);
}

static void t_sizes_past_end(void)
{
	struct ar a = { 0 };

	ar_entry_raw(&a, "070701", "file", 0100644, "data", 4, 5, 5000, 0);
	ar_trailer(&a);
	expect_bad(&a, "filesize past the end");

	ar_entry_raw(&a, "070701", "file", 0100644, "data", 4, 5, 0xffffffffu, 0);
	ar_trailer(&a);
	expect_bad(&a, "filesize 0xffffffff");

	ar_entry_raw(&a, "070701", "file", 0100644, "data", 4, 3000, 4, 0);
	expect_bad(&a, "namesize past the end");

	ar_entry_raw(&a, "070701", "file", 0100644, "data", 4, 0xffffffffu, 4, 0);
	ar_trailer(&a);
	expect_bad(&a, "namesize 0xffffffff");

	ar_entry_raw(&a, "070701", "file", 0100644, "data", 4, 0, 4, 0);
	ar_trailer(&a);
	expect_bad(&a, "namesize 0");
}

static void t_bad_name(void)
{
	struct ar a = { 0 };

	/* namesize 3 for "file": no NUL at name[2]. */
	ar_entry_raw(&a, "070701", "file", 0100644, NULL, 0, 3, 0, 0);
	ar_trailer(&a);
	expect_bad(&a, "name without its NUL");

	/* namesize 8 for "file": the NUL comes early. */
	ar_entry_raw(&a, "070701", "file", 0100644, NULL, 0, 8, 0, 0);
	ar_trailer(&a);
	expect_bad(&a, "name with an early NUL");
}

static void t_missing_trailer(void)
{
	struct ar a = { 0 };

	ar_entry(&a, "only", 0100644, "x", 1);
	expect_bad(&a, "no trailer");
	ar_put(&a, "", 0);
	expect_bad(&a, "empty input");
	ar_put(&a, (const uint8_t[64]){ 0 }, 64);
	expect_bad(&a, "only zeros");
}

/* Random byte flips, cuts and splices of a valid archive: 0 or -EINVAL, no crash. */
static void t_fuzz(void)
{
	struct ar a = sample();

	rng_seed(0xc0ffee);
	for (int iter = 0; iter < 20000; iter++) {
		uint8_t *m = malloc(a.len);
		size_t n = a.len;
		int flips = 1 + (int)rng_below(4), r;

		memcpy(m, a.buf, a.len);
		for (int i = 0; i < flips; i++) {
			size_t at = rng_below(n);

			switch (rng_below(3)) {
			case 0:
				m[at] = (uint8_t)rng();
				break;
			case 1:		/* a plausible hex digit keeps the header parsable */
				m[at] = "0123456789abcdef"[rng_below(16)];
				break;
			case 2:
				n = at + 1;
				break;
			}
		}
		r = parse_copy(m, n, NULL, NULL);
		free(m);
		if (r != 0 && r != -EINVAL) {
			fail("iteration %d: r=%d", iter, r);
			break;
		}
	}
	free(a.buf);
}

int main(void)
{
	run("valid", t_valid);
	run("concatenated", t_concatenated);
	run("crc", t_crc);
	run("bad_magic", t_bad_magic);
	run("bad_hex", t_bad_hex);
	run("truncated", t_truncated);
	run("sizes_past_end", t_sizes_past_end);
	run("bad_name", t_bad_name);
	run("missing_trailer", t_missing_trailer);
	run("fuzz", t_fuzz);
	return failures ? 1 : 0;
}
