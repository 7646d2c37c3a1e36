/*
 * string_test.c - host unit test for the kernel's memory and string
 * helpers (kernel/lib/string.c), using glibc's functions as the oracle.
 *
 * Build and run (from the repo top; `make host-tests` uses the same flags):
 *   gcc -std=gnu11 -g -O1 -Wall -Werror -I. -Iarch/x86_64/include \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       tests/host/string_test.c -o /tmp/string_test && /tmp/string_test
 *
 * Design: string.c is #included with every function renamed to k_<name>
 * (macros set before the include and dropped after it), so the kernel code
 * is tested as written -- including its internal calls, e.g. memmove to
 * memcpy and strstr to strncmp, which go to the kernel versions too -- while
 * glibc's versions remain available as the reference.
 *
 * memcpy/memmove/memset/memcmp run at every source and destination
 * alignment 0..15 and every length 0..300. Destination buffers carry guard
 * bytes on both sides that must stay untouched, and source buffers are
 * malloc()ed to end exactly where the data ends, so AddressSanitizer
 * catches any read past the end (the word-copy paths are the risk).
 * memmove is also run on overlapping buffers in both directions. The string
 * functions get their edge cases (empty strings, needle longer than the
 * haystack, bytes >= 0x80, strlcpy with size 0/1/exact) and seeded random
 * inputs, again in exact-size allocations. memcmp/strcmp/strncmp are
 * compared by sign only, which is all C specifies.
 *
 * Output: one line per check, "PASS string/<name>" or
 * "FAIL string/<name>: <reason>"; exit status 0 only if every check passed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define memcpy	k_memcpy
#define memmove	k_memmove
#define memset	k_memset
#define memcmp	k_memcmp
#define strlen	k_strlen
#define strnlen	k_strnlen
#define strcmp	k_strcmp
#define strncmp	k_strncmp
#define strchr	k_strchr
#define strstr	k_strstr
#define strlcpy	k_strlcpy
#include "kernel/lib/string.c"
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

#define HOSTTEST_SUITE "string"
#include "hosttest.h"

/* @s made printable for a message (4 rotating buffers, truncated). */
static const char *esc(const char *s)
{
	static char bufs[4][96];
	static int next;
	char *out = bufs[next++ & 3];
	size_t o = 0;

	for (; *s && o + 5 < sizeof(bufs[0]); s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 32 && c < 127 && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)sprintf(out + o, "\\x%02x", c);
	}
	out[o] = 0;
	return out;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		perror("malloc");
		exit(2);
	}
	return p;
}

static void fill_random(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rng();
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

#define MAXLEN	300
#define MAXALIGN 16
#define GUARD	32
/* Destination area: guard, up to 15 bytes of misalignment, data, guard. */
#define DSTSZ	(GUARD + MAXALIGN + MAXLEN + GUARD)

/* A 16-aligned destination buffer, poisoned with a pattern. */
static _Alignas(16) unsigned char dst[DSTSZ], ref[DSTSZ];

static void dst_reset(void)
{
	for (size_t i = 0; i < DSTSZ; i++)
		dst[i] = ref[i] = (unsigned char)(0xc3 ^ i);
}

/* Source data of @len bytes at alignment @sa, ending where the block ends. */
static unsigned char *src_block(size_t sa, size_t len, unsigned char **blk)
{
	*blk = xmalloc(sa + len);
	fill_random(*blk, sa + len);
	return *blk + sa;
}

static size_t first_diff(const unsigned char *a, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return i;
	return n;
}

/* ---- memory functions --------------------------------------------------- */

static void t_memcpy(void)
{
	for (size_t sa = 0; sa < MAXALIGN && !reason[0]; sa++)
		for (size_t len = 0; len <= MAXLEN && !reason[0]; len++) {
			unsigned char *blk, *src = src_block(sa, len, &blk);

			for (size_t da = 0; da < MAXALIGN; da++) {
				unsigned char *d = dst + GUARD + da;
				void *r;

				dst_reset();
				r = k_memcpy(d, src, len);
				memcpy(ref + GUARD + da, src, len);
				EXPECT(r == d, "memcpy returned %p, not dst %p", r,
				       (void *)d);
				if (memcmp(dst, ref, DSTSZ)) {
					size_t at = first_diff(dst, ref, DSTSZ);

					fail("memcpy src align %zu dst align %zu len %zu: "
					     "dst[%td] wrong", sa, da, len,
					     (ptrdiff_t)at - GUARD - (ptrdiff_t)da);
					break;
				}
			}
			free(blk);
		}
}

static void t_memmove_disjoint(void)
{
	for (size_t sa = 0; sa < MAXALIGN && !reason[0]; sa++)
		for (size_t len = 0; len <= MAXLEN && !reason[0]; len++) {
			unsigned char *blk, *src = src_block(sa, len, &blk);

			for (size_t da = 0; da < MAXALIGN; da++) {
				unsigned char *d = dst + GUARD + da;
				void *r;

				dst_reset();
				r = k_memmove(d, src, len);
				memmove(ref + GUARD + da, src, len);
				EXPECT(r == d, "memmove returned %p, not dst", r);
				if (memcmp(dst, ref, DSTSZ)) {
					fail("memmove (disjoint) src align %zu dst align %zu "
					     "len %zu: byte %zu wrong", sa, da, len,
					     first_diff(dst, ref, DSTSZ));
					break;
				}
			}
			free(blk);
		}
}

/* Overlapping moves: dst = src + delta inside one buffer, both directions. */
static void t_memmove_overlap(void)
{
	enum { SPAN = 3 * MAXLEN + 2 * MAXALIGN + 2 * GUARD };
	static _Alignas(16) unsigned char buf[SPAN], exp[SPAN], orig[SPAN];
	static const int far[] = { -299, -150, -64, -33, -32, -31, 31, 32, 33,
				   64, 150, 299 };
	int deltas[64], nd = 0;

	for (int d = -17; d <= 17; d++)
		deltas[nd++] = d;
	for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++)
		deltas[nd++] = far[i];
	fill_random(orig, SPAN);
	for (size_t len = 0; len <= MAXLEN && !reason[0]; len++)
		for (int k = 0; k < nd && !reason[0]; k++)
			for (size_t a = 0; a < MAXALIGN; a++) {
				/* src in the middle so dst = src + delta fits. */
				size_t so = GUARD + MAXLEN + a;
				unsigned char *s = buf + so, *d = s + deltas[k];
				void *r;

				memcpy(buf, orig, SPAN);
				memcpy(exp, orig, SPAN);
				r = k_memmove(d, s, len);
				memmove(exp + so + deltas[k], exp + so, len);
				EXPECT(r == d, "memmove returned %p, not dst", r);
				if (memcmp(buf, exp, SPAN)) {
					fail("memmove overlap len %zu delta %d align %zu: "
					     "byte %zu wrong", len, deltas[k], a,
					     first_diff(buf, exp, SPAN));
					break;
				}
			}
}

static void t_memset(void)
{
	static const int cs[] = { 0, 0xff, 0x5a, 0x80, 1, -1, 0x1ab, -256 };

	for (size_t da = 0; da < MAXALIGN && !reason[0]; da++)
		for (size_t len = 0; len <= MAXLEN && !reason[0]; len++)
			for (size_t k = 0; k < sizeof(cs) / sizeof(cs[0]); k++) {
				unsigned char *d = dst + GUARD + da;
				void *r;

				dst_reset();
				r = k_memset(d, cs[k], len);
				memset(ref + GUARD + da, cs[k], len);
				EXPECT(r == d, "memset returned %p, not dst", r);
				if (memcmp(dst, ref, DSTSZ)) {
					fail("memset align %zu len %zu c %#x: byte %zu wrong",
					     da, len, cs[k], first_diff(dst, ref, DSTSZ));
					break;
				}
			}
}

static void t_memcmp(void)
{
	for (size_t len = 0; len <= MAXLEN && !reason[0]; len++)
		for (size_t aa = 0; aa < MAXALIGN && !reason[0]; aa++) {
			unsigned char *ablk, *a = src_block(aa, len, &ablk);

			for (size_t ba = 0; ba < MAXALIGN && !reason[0]; ba++) {
				unsigned char *bblk = xmalloc(ba + len), *b = bblk + ba;
				size_t pos[3] = { 0, len / 2, len ? len - 1 : 0 };

				memcpy(b, a, len);
				EXPECT(k_memcmp(a, b, len) == 0,
				       "memcmp of equal buffers (len %zu) != 0", len);
				for (int p = 0; p < 3 && len; p++) {
					unsigned char save = b[pos[p]];

					/* Differ both ways, across the 0x80 line too. */
					b[pos[p]] = (unsigned char)(a[pos[p]] ^ 0x80);
					EXPECT(sign(k_memcmp(a, b, len)) ==
					       sign(memcmp(a, b, len)) &&
					       sign(k_memcmp(b, a, len)) ==
					       sign(memcmp(b, a, len)),
					       "memcmp len %zu align %zu/%zu diff at %zu: "
					       "sign %d, libc %d", len, aa, ba, pos[p],
					       k_memcmp(a, b, len), memcmp(a, b, len));
					b[pos[p]] = (unsigned char)(a[pos[p]] + 1);
					EXPECT(sign(k_memcmp(a, b, len)) ==
					       sign(memcmp(a, b, len)),
					       "memcmp len %zu diff +1 at %zu: %d, libc %d",
					       len, pos[p], k_memcmp(a, b, len),
					       memcmp(a, b, len));
					/* A difference past n does not count. */
					EXPECT(k_memcmp(a, b, pos[p]) == 0,
					       "memcmp looked past n=%zu", pos[p]);
					b[pos[p]] = save;
				}
				free(bblk);
			}
			free(ablk);
		}
	EXPECT(k_memcmp("a", "b", 0) == 0, "memcmp with n=0 != 0");
	EXPECT(k_memcmp("\x80", "\x7f", 1) > 0, "memcmp compares bytes as signed");
	EXPECT(k_memcmp("\x00", "\xff", 1) < 0, "memcmp 0x00 vs 0xff not < 0");
}

/* ---- string functions --------------------------------------------------- */

/* A copy of @s in a block of exactly strlen(s) + 1 bytes at alignment @a. */
static char *exact_str(const char *s, size_t a, char **blk)
{
	size_t n = strlen(s) + 1;

	*blk = xmalloc(a + n);
	memcpy(*blk + a, s, n);
	return *blk + a;
}

static void random_string(char *s, size_t len, const char *alphabet)
{
	size_t an = strlen(alphabet);

	for (size_t i = 0; i < len; i++)
		s[i] = alphabet[rng_below((unsigned int)an)];
	s[len] = 0;
}

static void t_strlen_strnlen(void)
{
	char tmp[MAXLEN + 1];

	for (size_t len = 0; len <= MAXLEN && !reason[0]; len++) {
		random_string(tmp, len, "abcdefghijklmnopqrstuvwxyz\x80\xff\x01 ");
		for (size_t a = 0; a < MAXALIGN && !reason[0]; a++) {
			char *blk, *s = exact_str(tmp, a, &blk);

			EXPECT(k_strlen(s) == len, "strlen align %zu = %zu, want %zu",
			       a, k_strlen(s), len);
			EXPECT(k_strnlen(s, len + 1) == len &&
			       k_strnlen(s, len) == len &&
			       k_strnlen(s, (size_t)-1) == len &&
			       k_strnlen(s, len / 2) == len / 2 &&
			       k_strnlen(s, 0) == 0,
			       "strnlen wrong for length %zu", len);
			free(blk);
		}
		/* No terminator at all: must stop at max, reading no further. */
		char *raw = xmalloc(len);

		memcpy(raw, tmp, len);
		EXPECT(k_strnlen(raw, len) == len,
		       "strnlen of an unterminated %zu-byte array = %zu", len,
		       k_strnlen(raw, len));
		free(raw);
	}
	EXPECT(k_strlen("") == 0, "strlen(\"\") != 0");
	EXPECT(k_strnlen("", 10) == 0, "strnlen(\"\", 10) != 0");
}

static void check_cmp(const char *x, const char *y)
{
	char *xb, *yb, *xs = exact_str(x, 0, &xb), *ys = exact_str(y, 3, &yb);
	size_t ml = strlen(x) > strlen(y) ? strlen(x) : strlen(y);

	EXPECT(sign(k_strcmp(xs, ys)) == sign(strcmp(x, y)),
	       "strcmp(\"%s\", \"%s\") = %d, libc %d", esc(x), esc(y),
	       k_strcmp(xs, ys),
	       strcmp(x, y));
	for (size_t n = 0; n <= ml + 2; n++)
		EXPECT(sign(k_strncmp(xs, ys, n)) == sign(strncmp(x, y, n)),
		       "strncmp(\"%s\", \"%s\", %zu) = %d, libc %d", esc(x), esc(y), n,
		       k_strncmp(xs, ys, n), strncmp(x, y, n));
	EXPECT(sign(k_strncmp(xs, ys, (size_t)-1)) == sign(strcmp(x, y)),
	       "strncmp(\"%s\", \"%s\", SIZE_MAX) wrong", esc(x), esc(y));
	free(xb);
	free(yb);
}

static void t_strcmp_strncmp(void)
{
	static const char *const pairs[][2] = {
		{ "", "" }, { "", "a" }, { "a", "" }, { "a", "a" }, { "a", "b" },
		{ "b", "a" }, { "abc", "abd" }, { "abc", "ab" }, { "ab", "abc" },
		{ "abc", "abc" }, { "\x80", "\x7f" }, { "\x7f", "\x80" },
		{ "a\xff", "a\x01" }, { "\xff", "" }, { "hello world", "hello" },
		{ "same prefix, then X", "same prefix, then Y" },
	};
	char x[40], y[40];

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		check_cmp(pairs[i][0], pairs[i][1]);
	for (int i = 0; i < 3000 && !reason[0]; i++) {
		size_t lx = rng_below(12), ly;

		random_string(x, lx, "ab\x80\xfe");
		memcpy(y, x, lx + 1);
		/* Often a shared prefix, then something different. */
		ly = rng_below(3) ? rng_below((unsigned int)lx + 1) : 0;
		random_string(y + ly, rng_below(12), "ab\x80\xfe");
		check_cmp(x, y);
	}
	/* strncmp must stop at n even without terminators. */
	char *a = xmalloc(5), *b = xmalloc(5);

	memcpy(a, "abcde", 5);
	memcpy(b, "abcdf", 5);
	EXPECT(k_strncmp(a, b, 4) == 0, "strncmp(n=4) saw the 5th byte");
	EXPECT(k_strncmp(a, b, 5) < 0, "strncmp(n=5) missed the difference");
	memcpy(b, "abcde", 5);
	EXPECT(k_strncmp(a, b, 5) == 0, "strncmp of equal unterminated arrays");
	free(a);
	free(b);
}

static void t_strchr(void)
{
	static const char *const strs[] = { "", "a", "hello, world",
					    "x\x80y\xffz", "repeat repeat" };
	static const int cs[] = { 0, 'a', 'o', 'l', 'z', ',', ' ', 'q', 'r',
				  0x80, 0xff, -1, (int)(char)0x80, 'o' + 256,
				  'l' - 256 };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		for (size_t a = 0; a < 4; a++) {
			char *blk, *s = exact_str(strs[i], a, &blk);

			for (size_t k = 0; k < sizeof(cs) / sizeof(cs[0]); k++) {
				char *got = k_strchr(s, cs[k]);
				char *want = strchr(s, cs[k]);

				EXPECT(got == want, "strchr(\"%s\", %#x) at offset %td, "
				       "libc %td", esc(strs[i]), cs[k],
				       got ? got - s : (ptrdiff_t)-1,
				       want ? want - s : (ptrdiff_t)-1);
			}
			/* '\0' finds the terminator. */
			EXPECT(k_strchr(s, 0) == s + strlen(s),
			       "strchr(s, 0) is not the terminator");
			free(blk);
		}
}

static void check_strstr(const char *h, const char *n)
{
	char *hb, *nb, *hs = exact_str(h, 1, &hb), *ns = exact_str(n, 0, &nb);
	char *got = k_strstr(hs, ns), *want = strstr(hs, ns);

	EXPECT(got == want, "strstr(\"%s\", \"%s\") at offset %td, libc %td",
	       esc(h), esc(n),
	       got ? got - hs : (ptrdiff_t)-1, want ? want - hs : (ptrdiff_t)-1);
	free(hb);
	free(nb);
}

static void t_strstr(void)
{
	static const char *const cases[][2] = {
		{ "", "" }, { "abc", "" }, { "", "a" }, { "abc", "abc" },
		{ "abc", "abcd" },			/* needle longer */
		{ "ab", "abcdefghijklmnop" },
		{ "abc", "c" }, { "abc", "bc" }, { "abc", "a" }, { "abc", "d" },
		{ "aaaaab", "aaab" },			/* partial matches */
		{ "abababc", "ababc" }, { "mississippi", "issip" },
		{ "mississippi", "issipi" }, { "hello, world", "world" },
		{ "hello, world", "world!" }, { "xx\x80\xffyy", "\x80\xff" },
		{ "aaa", "aaaa" },
	};
	char h[64], n[16];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_strstr(cases[i][0], cases[i][1]);
	for (int i = 0; i < 5000 && !reason[0]; i++) {
		random_string(h, rng_below(40), "aab");
		random_string(n, rng_below(6), "ab");
		check_strstr(h, n);
	}
}

/* strlcpy(dst, src, size) into a guarded buffer, checked byte by byte. */
static void check_strlcpy(const char *src, size_t size)
{
	enum { G = 16 };
	size_t len = strlen(src);
	size_t cap = size + 2 * G;
	unsigned char *area = xmalloc(cap);
	char *sb, *s = exact_str(src, 0, &sb);
	size_t r, n = size ? (len < size - 1 ? len : size - 1) : 0;

	memset(area, 0xa5, cap);
	r = k_strlcpy((char *)area + G, s, size);
	EXPECT(r == len, "strlcpy(\"%s\", size %zu) returned %zu, want %zu", src,
	       size, r, len);
	for (size_t i = 0; i < cap; i++) {
		size_t off = i - G;	/* position relative to dst (wraps below) */
		int want = i < G ? 0xa5 :
			   off < n ? (unsigned char)src[off] :
			   off == n && size ? 0 : 0xa5;

		if (area[i] != want) {
			fail("strlcpy(\"%s\", size %zu): dst[%td] = %#x, want %#x", src,
			     size, (ptrdiff_t)i - G, area[i], want);
			break;
		}
	}
	EXPECT(!strcmp(s, src), "strlcpy modified its source");
	free(sb);
	free(area);
}

static void t_strlcpy(void)
{
	static const char *const srcs[] = { "", "a", "hello", "hello, world",
		"0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEF" };

	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		size_t len = strlen(srcs[i]);

		/* 0, 1, len - 1, len, len + 1 (exact), and beyond. */
		for (size_t size = 0; size <= len + 4; size++)
			check_strlcpy(srcs[i], size);
		check_strlcpy(srcs[i], 200);
	}
	/* size 0 touches nothing, so even a NULL dst is fine. */
	EXPECT(k_strlcpy(NULL, "abc", 0) == 3, "strlcpy(NULL, \"abc\", 0) != 3");
}

int main(void)
{
	rng_seed(0x243f6a8885a308d3ull);
	run("memcpy", t_memcpy);
	run("memmove_disjoint", t_memmove_disjoint);
	run("memmove_overlap", t_memmove_overlap);
	run("memset", t_memset);
	run("memcmp", t_memcmp);
	run("strlen_strnlen", t_strlen_strnlen);
	run("strcmp_strncmp", t_strcmp_strncmp);
	run("strchr", t_strchr);
	run("strstr", t_strstr);
	run("strlcpy", t_strlcpy);
	return failures ? 1 : 0;
}
