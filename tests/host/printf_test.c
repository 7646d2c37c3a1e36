/*
 * printf_test.c - host unit test for the kernel's vsnprintf/snprintf
 * (kernel/lib/printf.c), using glibc's snprintf as the oracle.
 *
 * Build and run (from the repo top; `make host-tests` uses the same flags):
 *   gcc -std=gnu11 -g -O1 -Wall -Werror -I. -Iarch/x86_64/include \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       tests/host/printf_test.c -o /tmp/printf_test && /tmp/printf_test
 *
 * Design: printf.c is #included with its two functions renamed to
 * kernel_vsnprintf/kernel_snprintf (macros set before the include), so the
 * libc functions stay available as the reference. Each table check formats
 * the same format and arguments with both and requires the same return
 * value and the same bytes (compared with memcmp over the full length, so
 * an embedded NUL from "%c" counts). The formats cover every conversion,
 * flag, width/precision form ('*' included, negative too), length modifier
 * and the integer limits, avoiding only what C leaves undefined.
 *
 * Truncation is checked for every buffer size from 0 to past the full
 * length, in an exact-size malloc() (ASan catches any write past it) and in
 * a guarded buffer (guard bytes before and after must be untouched); the
 * result must be the full length, the kept prefix must match and the buffer
 * must be NUL-terminated.
 *
 * A randomized differential test (fixed-seed xorshift) builds a few thousand
 * format strings from a grammar of well-defined conversions with literal
 * text around them, passes correctly typed arguments, and compares both
 * implementations at random buffer sizes.
 *
 * Documented kernel differences, tested against the kernel's own expected
 * output instead of glibc: "%p" of NULL prints "0x0" (glibc "(nil)"), and
 * "%s" of NULL with a precision below 6 prints a prefix of "(null)" (glibc
 * prints nothing). Places where the kernel deviates from C99 have their own
 * checks that expect the standard result (and glibc agrees); the random
 * grammar leaves those cases out so it keeps testing everything else.
 *
 * Output: one line per check, "PASS printf/<name>" or
 * "FAIL printf/<name>: <reason>"; exit status 0 only if every check passed.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#undef snprintf
#undef vsnprintf
#define snprintf kernel_snprintf
#define vsnprintf kernel_vsnprintf
#include "kernel/lib/printf.c"
#undef snprintf
#undef vsnprintf

#define HOSTTEST_SUITE "printf"
#include "hosttest.h"

/* Make output bytes printable for failure messages ("\0" -> "\\0"). */
static const char *show(const char *s, int n, char *out, size_t cap)
{
	size_t o = 0;

	for (int i = 0; i < n && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 32 && c < 127 && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)sprintf(out + o, "\\x%02x", c);
	}
	out[o] = 0;
	return out;
}

/* ---- comparing the kernel with glibc ------------------------------------ */

#define OUT_MAX	512

static void compare(const char *fmt, int kr, const char *kb, int lr,
		    const char *lb)
{
	char a[OUT_MAX * 4 + 8], b[OUT_MAX * 4 + 8];

	if (kr != lr || kr < 0 || kr >= OUT_MAX || memcmp(kb, lb, (size_t)kr + 1))
		fail("\"%s\": kernel \"%s\" (%d), glibc \"%s\" (%d)", fmt,
		     show(kb, kr >= 0 && kr < OUT_MAX ? kr : 0, a, sizeof(a)), kr,
		     show(lb, lr >= 0 && lr < OUT_MAX ? lr : 0, b, sizeof(b)), lr);
}

/* Format with both and require identical results. */
static void __attribute__((format(printf, 1, 2))) same(const char *fmt, ...)
{
	char kb[OUT_MAX], lb[OUT_MAX];
	va_list ap, aq;
	int kr, lr;

	memset(kb, 0x5a, sizeof(kb));
	memset(lb, 0x5a, sizeof(lb));
	va_start(ap, fmt);
	va_copy(aq, ap);
	kr = kernel_vsnprintf(kb, sizeof(kb), fmt, ap);
	lr = vsnprintf(lb, sizeof(lb), fmt, aq);
	va_end(aq);
	va_end(ap);
	compare(fmt, kr, kb, lr, lb);
}

/* The kernel alone must produce exactly @want (length @n, may hold NULs). */
static void __attribute__((format(printf, 3, 4)))
kernel_is_n(const char *want, int n, const char *fmt, ...)
{
	char kb[OUT_MAX], a[OUT_MAX * 4], b[OUT_MAX * 4];
	va_list ap;
	int kr;

	memset(kb, 0x5a, sizeof(kb));
	va_start(ap, fmt);
	kr = kernel_vsnprintf(kb, sizeof(kb), fmt, ap);
	va_end(ap);
	if (kr != n || memcmp(kb, want, (size_t)n) || kb[n] != 0)
		fail("\"%s\": kernel \"%s\" (%d), expected \"%s\" (%d)", fmt,
		     show(kb, kr >= 0 && kr < OUT_MAX ? kr : 0, a, sizeof(a)), kr,
		     show(want, n, b, sizeof(b)), n);
}

#define kernel_is(want, ...)	kernel_is_n(want, (int)strlen(want), __VA_ARGS__)

/* ---- table checks ------------------------------------------------------- */

static const int ints[] = { 0, 1, -1, 7, -7, 42, -42, 255, 256, 1000, -1000,
			    32767, -32768, 65535, 123456789, -123456789,
			    INT_MAX, INT_MIN, INT_MIN + 1, INT_MAX - 1 };
#define NINTS	(sizeof(ints) / sizeof(ints[0]))

static void t_signed_decimal(void)
{
	for (size_t i = 0; i < NINTS; i++) {
		int v = ints[i];

		same("%d", v);
		same("%i", v);
		same("[%d|%i]", v, v / -2);
		same("%5d|%-5d|%05d", v, v, v);
		same("%+d|% d|%+5d|% 5d|%-+8d|%- 8d|%+08d|% 08d", v, v, v, v, v,
		     v, v, v);
		same("%.0d|%.1d|%.5d|%8.5d|%-8.5d|%+.3d|% .3d", v, v, v, v,
		     v, v, v);
		same("%20d|%-20d|%020d|%.20d|%25.20d", v, v, v, v, v);
	}
}

static void t_unsigned_conversions(void)
{
	static const unsigned int us[] = { 0, 1, 7, 8, 9, 10, 15, 16, 255, 256,
					   0777, 01000, 0xdeadbeef, 0x80000000u,
					   UINT_MAX, UINT_MAX - 1, 1234567890 };

	for (size_t i = 0; i < sizeof(us) / sizeof(us[0]); i++) {
		unsigned int v = us[i];

		same("%u|%x|%X|%o", v, v, v, v);
		same("%12u|%-12x|%012X|%12o|%-12o|", v, v, v, v, v);
		same("%.0u|%.0x|%.0X|%.0o", v, v, v, v);
		same("%.10u|%.10x|%14.10X|%-14.10o|", v, v, v, v);
		same("%#o|%#5o|%#-8o|%#08o", v, v, v, v);
		if (v) {	/* '#' with 0 has its own check (kernel bug) */
			same("%#x|%#X|%#12x|%#-12X|%#012x|%#.8x|%#14.8X", v, v, v,
			     v, v, v, v);
		}
		same("%#.0o|%#.1o", v, v);	/* precision never adds a digit */
	}
}

static void t_length_modifiers(void)
{
	static const long long lls[] = { 0, 1, -1, 127, 128, -128, -129, 255, 256,
					 32767, 32768, -32768, -32769, 65535,
					 65536, INT_MAX, (long long)INT_MAX + 1,
					 INT_MIN, (long long)INT_MIN - 1,
					 UINT_MAX, (long long)UINT_MAX + 1,
					 LLONG_MAX, LLONG_MIN, LLONG_MIN + 1,
					 0x123456789abcdefll, -0x123456789abcdefll };

	for (size_t i = 0; i < sizeof(lls) / sizeof(lls[0]); i++) {
		long long v = lls[i];
		int iv = (int)v;	/* hh/h take an int, then convert it */
		unsigned int uv = (unsigned int)v;

		same("%hhd|%hhi|%hhu|%hhx|%hhX|%hho", iv, iv, uv, uv, uv, uv);
		same("%hd|%hi|%hu|%hx|%hX|%ho", iv, iv, uv, uv, uv, uv);
		same("%5hhd|%-5hd|%05hu|%.4hx|%+hhd|% hd", iv, iv, uv, uv, iv, iv);
		same("%ld|%li|%lu|%lx|%lX|%lo", (long)v, (long)v,
		     (unsigned long)v, (unsigned long)v, (unsigned long)v,
		     (unsigned long)v);
		same("%lld|%lli|%llu|%llx|%llX|%llo", v, v, (unsigned long long)v,
		     (unsigned long long)v, (unsigned long long)v,
		     (unsigned long long)v);
		same("%zd|%zi|%zu|%zx|%zX|%zo", (ssize_t)v, (ssize_t)v, (size_t)v,
		     (size_t)v, (size_t)v, (size_t)v);
		same("%td|%ti|%tx|%to", (ptrdiff_t)v, (ptrdiff_t)v,
		     (size_t)(ptrdiff_t)v, (size_t)(ptrdiff_t)v);
		same("%jd|%ji|%ju|%jx|%jX|%jo", (intmax_t)v, (intmax_t)v,
		     (uintmax_t)v, (uintmax_t)v, (uintmax_t)v, (uintmax_t)v);
		same("%30lld|%-30lld|%030lld|%+lld|% lld|%.25lld|%+30.25lld",
		     v, v, v, v, v, v, v);
		same("%24llx|%-24llo|%024llX|%#llo|%.22llu",
		     (unsigned long long)v, (unsigned long long)v,
		     (unsigned long long)v, (unsigned long long)v,
		     (unsigned long long)v);
		if (v)
			same("%#llx|%#30llX", (unsigned long long)v,
			     (unsigned long long)v);
	}
}

static void t_limits(void)
{
	same("%d %d %i", INT_MIN, INT_MAX, INT_MIN);
	same("%u %x %o", UINT_MAX, UINT_MAX, UINT_MAX);
	same("%ld %ld %lu", LONG_MIN, LONG_MAX, ULONG_MAX);
	same("%lld %lld %llu", LLONG_MIN, LLONG_MAX, ULLONG_MAX);
	same("%llx %llX %llo", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
	same("%#llx %#llo %#llX", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
	same("%+lld|% lld|%030lld|%-30lld|", LLONG_MIN, LLONG_MIN, LLONG_MIN,
	     LLONG_MIN);
	same("%zu %zd %zd", SIZE_MAX, (ssize_t)(SIZE_MAX / 2),
	     -(ssize_t)(SIZE_MAX / 2) - 1);
	same("%jd %jd %ju", INTMAX_MIN, INTMAX_MAX, UINTMAX_MAX);
	same("%td %td", PTRDIFF_MIN, PTRDIFF_MAX);
	same("%hhd %hhd %hhu", SCHAR_MIN, SCHAR_MAX, UCHAR_MAX);
	same("%hd %hd %hu", SHRT_MIN, SHRT_MAX, USHRT_MAX);
}

static void t_zero_and_precision_zero(void)
{
	same("[%.0d][%.0i][%.0u][%.0x][%.0X][%.0o]", 0, 0, 0u, 0u, 0u, 0u);
	same("[%5.0d][%-5.0d][%+.0d][% .0d][%+5.0d]", 0, 0, 0, 0, 0);
	same("[%.d][%.u][%5.x][%-3.o]", 0, 0u, 0u, 0u);
	same("[%#.0o][%#o][%#5o][%#.3o]", 0u, 0u, 0u, 0u);
	same("[%.0lld][%.0llu][%.0zu][%.0hhd]", 0ll, 0ull, (size_t)0, 0);
	same("[%d][%u][%x][%o][%05d][%-5u|][%.3d]", 0, 0u, 0u, 0u, 0, 0u, 0);
	/* Precision 0 with a non-zero value prints it in full. */
	same("[%.0d][%.0x][%.0o][%.0u]", 5, 0x1fu, 9u, 10u);
}

static void t_star_width_precision(void)
{
	static const int ws[] = { -30, -12, -5, -1, 0, 1, 3, 12, 30 };
	static const int ps[] = { -20, -1, 0, 1, 2, 5, 12 };

	for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++) {
		int w = ws[i];

		same("[%*d][%*u][%*x][%*s]", w, -42, w, 42u, w, 0xbeefu, w, "str");
		same("[%-*d][%0*d][%+*d][%*c]", w, 42, w, -42, w, 42, w, 'q');
		same("[%*lld][%0*llx]", w, LLONG_MIN, w, ULLONG_MAX);
		for (size_t j = 0; j < sizeof(ps) / sizeof(ps[0]); j++) {
			int p = ps[j];

			same("[%*.*d][%-*.*u]", w, p, 12345, w, p, 678u);
			same("[%*.*s][%-*.*s]", w, p, "abcdefghij", w, p, "xy");
			same("[%.*d][%.*x][%.*s][%.*o]", p, 0, p, 0u, p, "hello", p, 64u);
		}
	}
}

/*
 * Flags that C says are ignored in combination ('0' with a precision or
 * with '-', ' ' with '+'). GCC warns about such formats, so the warning is
 * silenced for this function only.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
static void t_ignored_flags(void)
{
	static const int ps[] = { -20, -1, 0, 1, 2, 5, 12 };

	for (size_t i = 0; i < NINTS; i++) {
		int v = ints[i];

		same("%08.5d|%05.0d|%014.10u|%020.3x|%012.12o", v, v, (unsigned)v,
		     (unsigned)v, (unsigned)v);
		same("%0-6d|%-06d|%0-12x|", v, v, (unsigned)v);
		same("% +d|%+ d|% +8d|%0+ 8d|% -+8d|", v, v, v, v, v);
		for (size_t j = 0; j < sizeof(ps) / sizeof(ps[0]); j++)
			same("[%0*.*d][%0*.*lld][%0*.*x]", 10, ps[j], v, -14, ps[j],
			     (long long)v * 1000003, 9, ps[j], (unsigned)v);
	}
	/* A negative '*' precision is "no precision": '0' padding applies. */
	same("[%0*.*d][%0*.*x]", 8, -1, -5, 8, -3, 0xabu);
}
#pragma GCC diagnostic pop

static const char *strs[] = { "", "a", "hello", "hello, world",
			      "with\ttab and spaces ",
			      "0123456789abcdefghijklmnopqrstuvwxyz0123456789" };

static void t_strings_and_chars(void)
{
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const char *s = strs[i];

		same("%s", s);
		same("<%s><%s>", s, s);
		same("[%10s][%-10s][%.3s][%.0s][%10.3s][%-10.3s][%.100s]", s, s, s,
		     s, s, s, s);
		same("[%60s][%-60s|]", s, s);
	}
	for (int c = 1; c < 256; c++)
		same("%c", c);
	same("[%c%c%c][%3c][%-3c][%c]", 'a', 'b', 'c', 'x', 'y', 0x7f);
	/* A NUL character is one byte of output. */
	same("a%cb", 0);
	same("[%3c][%-3c]", 0, 0);
	same("%c%c", 0, 'z');
	same("%%|%%%%|%d%%|%%%d|100%%", 5, 6);
	same("no conversions at all");
	same("%s", "");
}

/* GCC warns about a literal NULL for %s; that is the point here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-overflow"
#pragma GCC diagnostic ignored "-Wformat-truncation"
static void t_null_string(void)
{
	char lb[32];

	/* Both print "(null)" for a NULL %s (glibc's behaviour, checked too). */
	snprintf(lb, sizeof(lb), "%s", (char *)NULL);
	EXPECT(!strcmp(lb, "(null)"), "glibc printed \"%s\" for NULL", lb);
	kernel_is("(null)", "%s", (char *)NULL);
	same("%s", (char *)NULL);
	same("[%10s][%-10s][%.6s][%.10s][%8.7s]", (char *)NULL, (char *)NULL,
	     (char *)NULL, (char *)NULL, (char *)NULL);
	/*
	 * Documented difference: with a precision below 6 the kernel prints a
	 * prefix of "(null)"; glibc prints nothing at all.
	 */
	kernel_is("(nu", "%.3s", (char *)NULL);
	kernel_is("[    (n]", "[%6.2s]", (char *)NULL);
	kernel_is("[]", "[%.0s]", (char *)NULL);
}
#pragma GCC diagnostic pop

static void t_pointers(void)
{
	static const uintptr_t ps[] = { 1, 0xf, 0x1000, 0xdeadbeef,
					0xffff800000000000ull,
					0xffffffffffffffffull, 0x7fffffffe000ull };

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		void *p = (void *)ps[i];

		same("%p", p);
		same("[%20p][%-20p][%5p]", p, p, p);
		same("[%*p]", -24, p);
	}
	/* Documented difference: the kernel prints NULL as "0x0" ("(nil)"). */
	kernel_is("0x0", "%p", (void *)NULL);
	kernel_is("[  0x0][0x0  ]", "[%5p][%-5p]", (void *)NULL, (void *)NULL);
}

static void t_mixed(void)
{
	same("pid %d: %s at %p (%#lx) flags=%04x %c%%", 42, "init",
	     (void *)0xffffffff80100000ull, 0xffffffff80100000ul, 0x1fu, '!');
	same("%-8s|%8s|%-3s|%3s|", "left", "right", "toolong", "toolong");
	same("%5d%-5d%05d%5s%-5s%c", 1, 2, 3, "a", "b", 'c');
	same("%llu/%lld/%zu/%hhx/%hd", 1ull << 63, -1ll, (size_t)4096, 0x1ff, 70000);
}

/* ---- C99 conformance the kernel currently gets wrong --------------------- */

/*
 * C11 7.21.6.1p6 '#': "For x (or X) conversion, a nonzero result has 0x (or
 * 0X) prefixed to it." A zero value gets no prefix.
 */
static void t_hash_flag_zero_value(void)
{
	kernel_is("0", "%#x", 0u);
	kernel_is("0", "%#X", 0u);
	kernel_is("    0", "%#5x", 0u);
	kernel_is("00000000", "%#08x", 0u);
	kernel_is("", "%#.0x", 0u);
	kernel_is("0", "%#llx", 0ull);
	same("[%#x][%#X][%#5x][%#08x][%#.0x][%#llx]", 0u, 0u, 0u, 0u, 0u, 0ull);
}

/*
 * '#' with o: "it increases the precision, if and only if necessary, to
 * force the first digit of the result to be a zero". When the precision
 * already yields a leading zero, no extra '0' is added.
 */
static void t_hash_octal_precision(void)
{
	kernel_is("010", "%#.3o", 8u);
	kernel_is("  010", "%#5.3o", 8u);
	kernel_is("00777", "%#.5o", 0777u);
	same("[%#.3o][%#5.3o][%#.5o][%#.4o][%#-6.3o]", 8u, 8u, 0777u, 1u, 8u);
}

/*
 * '+' and ' ' apply to signed conversions only ("The result of a signed
 * conversion ..."); for u, o, x, X they have no effect in glibc, musl and
 * Linux's printk. (GCC warns about the formats, hence the pragma.)
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
static void t_sign_flags_unsigned(void)
{
	kernel_is("5", "%+u", 5u);
	kernel_is("5", "% u", 5u);
	kernel_is("ff", "%+x", 0xffu);
	kernel_is("FF", "% X", 0xffu);
	kernel_is("10", "%+o", 8u);
	kernel_is("   42", "%+5u", 42u);
	same("[%+u][% u][%+x][% X][%+o][%+5u][%+llu][% 08x]", 5u, 5u, 0xffu,
	     0xffu, 8u, 42u, ULLONG_MAX, 0x1234u);
}
#pragma GCC diagnostic pop

/* Kernel-only behaviour for formats C leaves undefined (printf.c comments). */
static void t_kernel_specific(void)
{
	/* Through variables: the compiler would (rightly) warn about these. */
	const char *lone = "abc%", *unknown = "x%yz", *pct = "%5%";

	kernel_is("abc", lone, 0);		/* lone '%' at the end: stop */
	kernel_is("x%yz", unknown, 0);		/* unknown conversion: verbatim */
	kernel_is("%", pct, 0);			/* flags/width ignored for %% */
}

/* ---- truncation --------------------------------------------------------- */

struct trunc_case {
	const char *fmt;
	int kind;	/* 0: (int, str) 1: (long long, unsigned) 2: (c, c) 3: (str) */
};

static int kfmt_case(char *buf, size_t size, const struct trunc_case *tc)
{
	switch (tc->kind) {
	case 0:
		return kernel_snprintf(buf, size, tc->fmt, -123456, "truncate me");
	case 1:
		return kernel_snprintf(buf, size, tc->fmt, LLONG_MIN, 0xabcdefu);
	case 2:
		return kernel_snprintf(buf, size, tc->fmt, 0, 0);
	default:
		return kernel_snprintf(buf, size, tc->fmt, "truncate me");
	}
}

static int lfmt_case(char *buf, size_t size, const struct trunc_case *tc)
{
	switch (tc->kind) {
	case 0:
		return snprintf(buf, size, tc->fmt, -123456, "truncate me");
	case 1:
		return snprintf(buf, size, tc->fmt, LLONG_MIN, 0xabcdefu);
	case 2:
		return snprintf(buf, size, tc->fmt, 0, 0);
	default:
		return snprintf(buf, size, tc->fmt, "truncate me");
	}
}

enum { TRUNC_GUARD = 16 };	/* guard bytes on each side of the buffer */

/* Format @tc into an exact-size heap buffer of @size (ASan sees overruns). */
static void check_trunc_exact(const struct trunc_case *tc, size_t size, int n)
{
	char *exact = malloc(size ? size : 1);
	int r;

	/* Exact-size heap buffer: ASan faults on any write past it. */
	r = kfmt_case(size ? exact : NULL, size, tc);
	EXPECT(r == n, "\"%s\" size %zu: returned %d, want %d",
	       tc->fmt, size, r, n);
	free(exact);
}

/* Format @tc into a guarded buffer of @size; check guards and prefix. */
static void check_trunc_guarded(const struct trunc_case *tc, size_t size,
				int n, const char *full)
{
	char guarded[OUT_MAX + 2 * TRUNC_GUARD], lb[OUT_MAX];
	char *buf = guarded + TRUNC_GUARD;
	size_t keep = !size ? 0 : (size_t)n < size - 1 ? (size_t)n :
		      size - 1;
	int r;

	memset(guarded, 0xa5, sizeof(guarded));
	memset(lb, 0xa5, sizeof(lb));
	r = kfmt_case(buf, size, tc);
	lfmt_case(lb, size, tc);
	EXPECT(r == n, "\"%s\" size %zu: returned %d, want %d",
	       tc->fmt, size, r, n);
	for (int g = 0; g < TRUNC_GUARD; g++)
		EXPECT((unsigned char)guarded[g] == 0xa5,
		       "\"%s\" size %zu: wrote before the buffer",
		       tc->fmt, size);
	for (size_t k = size; k < OUT_MAX + TRUNC_GUARD; k++)
		EXPECT((unsigned char)buf[k] == 0xa5,
		       "\"%s\" size %zu: wrote byte %zu past the end",
		       tc->fmt, size, k);
	if (size) {
		EXPECT(buf[keep] == 0, "\"%s\" size %zu: not "
		       "NUL-terminated at %zu", tc->fmt, size, keep);
		EXPECT(!memcmp(buf, full, keep) && !memcmp(buf, lb, keep + 1),
		       "\"%s\" size %zu: kept prefix differs", tc->fmt,
		       size);
	}
}

/* Check @tc in full, at size 0 and at every size up to past its length. */
static void check_trunc_case(const struct trunc_case *tc)
{
	char full[OUT_MAX], kfull[OUT_MAX];
	int n = lfmt_case(full, sizeof(full), tc);

	EXPECT(kfmt_case(kfull, sizeof(kfull), tc) == n &&
	       !memcmp(kfull, full, (size_t)n + 1),
	       "\"%s\": full output differs from glibc's", tc->fmt);
	/* size 0: nothing written, even through a NULL pointer. */
	EXPECT(kfmt_case(NULL, 0, tc) == n, "\"%s\": size 0 with NULL "
	       "returned %d, want %d", tc->fmt, kfmt_case(NULL, 0, tc), n);
	for (size_t size = 0; size <= (size_t)n + 3 && !reason[0]; size++) {
		check_trunc_exact(tc, size, n);
		check_trunc_guarded(tc, size, n, full);
	}
}

static void t_truncation(void)
{
	static const struct trunc_case cases[] = {
		{ "%d and %s", 0 },
		{ "[%10d][%-15s]", 0 },
		{ "%s", 3 },
		{ "x", 0 },
		{ "", 0 },
		{ "%lld/%x", 1 },
		{ "%40lld|%#o", 1 },
		{ "a%cb%5cc", 2 },	/* embedded NULs */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]) && !reason[0]; i++)
		check_trunc_case(&cases[i]);
}

/* ---- randomized differential test --------------------------------------- */

enum kind {
	K_NONE, K_INT, K_UINT, K_LONG, K_ULONG, K_LLONG, K_ULLONG, K_SSIZE,
	K_SIZE, K_PTRDIFF, K_IMAX, K_UMAX, K_PTR, K_STR, K_CHAR,
};

struct gen {
	char fmt[160];
	enum kind kind;
	bool wstar, pstar;
	int w, p;
	long long s;		/* signed value */
	unsigned long long u;	/* unsigned value / pointer bits */
	const char *str;
};

static int (*via_fn)(char *, size_t, const char *, va_list);

static int via(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = via_fn(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

/* Call via() with the star arguments (if any) followed by @__VA_ARGS__. */
#define VIA(...)							\
	(g->wstar && g->pstar ? via(buf, size, g->fmt, g->w, g->p, __VA_ARGS__) : \
	 g->wstar ? via(buf, size, g->fmt, g->w, __VA_ARGS__) :		\
	 g->pstar ? via(buf, size, g->fmt, g->p, __VA_ARGS__) :		\
	 via(buf, size, g->fmt, __VA_ARGS__))

/* Format @g with exactly typed arguments, through kernel or libc. */
static int call_gen(bool kernel, char *buf, size_t size, const struct gen *g)
{
	via_fn = kernel ? kernel_vsnprintf : vsnprintf;
	switch (g->kind) {
	case K_NONE:	return VIA(0);		/* excess argument: ignored */
	case K_INT:	return VIA((int)g->s);
	case K_UINT:	return VIA((unsigned int)g->u);
	case K_LONG:	return VIA((long)g->s);
	case K_ULONG:	return VIA((unsigned long)g->u);
	case K_LLONG:	return VIA((long long)g->s);
	case K_ULLONG:	return VIA((unsigned long long)g->u);
	case K_SSIZE:	return VIA((ssize_t)g->s);
	case K_SIZE:	return VIA((size_t)g->u);
	case K_PTRDIFF:	return VIA((ptrdiff_t)g->s);
	case K_IMAX:	return VIA((intmax_t)g->s);
	case K_UMAX:	return VIA((uintmax_t)g->u);
	case K_PTR:	return VIA((void *)(uintptr_t)g->u);
	case K_STR:	return VIA(g->str);
	case K_CHAR:	return VIA((int)g->s);
	}
	return -1;
}

static unsigned long long rand_bits(void)
{
	static const unsigned long long edge[] = {
		0, 1, 2, 7, 8, 9, 10, 15, 16, 99, 100, 127, 128, 255, 256,
		0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000ull,
		0xffffffffull, 0x100000000ull, 0x7fffffffffffffffull,
		0x8000000000000000ull, 0xffffffffffffffffull,
	};
	unsigned int r = rng_below(4);

	if (r == 0)
		return edge[rng_below(sizeof(edge) / sizeof(edge[0]))];
	if (r == 1)
		return ~edge[rng_below(sizeof(edge) / sizeof(edge[0]))] + 1; /* negated */
	return rng() >> rng_below(64);		/* random magnitude */
}

static void append(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);

	snprintf(dst + n, cap - n, "%s", s);
}

/* Random literal text: printable ASCII, sometimes a "%%". */
static void gen_text(char *dst, size_t cap)
{
	unsigned int n = rng_below(6);
	char t[4] = "";

	for (unsigned int i = 0; i < n; i++) {
		if (rng_below(8) == 0) {
			append(dst, cap, "%%");
			continue;
		}
		char c = (char)(32 + rng_below(95));

		if (c == '%')
			c = '_';
		t[0] = c;
		t[1] = 0;
		append(dst, cap, t);
	}
}

/* What gen_one() has chosen so far for its conversion. */
struct gen_conv {
	char conv;
	bool is_int, is_signed;
	bool alt;		/* '#' among the flags */
	const char *len;	/* length modifier */
	int prec_mode;		/* 0 none, 1 ".", 2 ".N", 3 ".*" */
};

/* Append @c to the string @spec. */
static void append_char(char *spec, char c)
{
	spec[strlen(spec) + 1] = 0;
	spec[strlen(spec)] = c;
}

/* Random flags, in random order, possibly repeated; only defined ones. */
static void gen_flags(char *spec, struct gen_conv *c)
{
	for (unsigned int n = rng_below(4); n; n--) {
		char f = "-0+ #"[rng_below(5)];

		if (f == '#' && !strchr("xXo", c->conv))
			continue;
		if (f == '0' && !c->is_int)
			continue;
		if ((f == '+' || f == ' ') && (!c->is_signed && c->conv != 's'))
			continue;
		c->alt |= f == '#';
		append_char(spec, f);
	}
}

/* Random width: none, a number or '*' (its value kept in @g). */
static void gen_width(struct gen *g, char *spec, size_t cap)
{
	char num[16];

	switch (rng_below(4)) {
	case 1:
		snprintf(num, sizeof(num), "%lu", rng_below(40));
		if (num[0] != '0')	/* a leading 0 would be a flag */
			append(spec, cap, num);
		break;
	case 2:
		append(spec, cap, "*");
		g->wstar = true;
		g->w = (int)rng_below(81) - 40;
		break;
	}
}

/* Random precision: none, ".", ".N" or ".*" (its value kept in @g). */
static void gen_precision(struct gen *g, char *spec, size_t cap,
			  struct gen_conv *c)
{
	char num[16];

	c->prec_mode = (int)rng_below(5);
	if (c->prec_mode > 3)
		c->prec_mode = 0;
	if (c->alt && c->conv == 'o')
		c->prec_mode = 0;		/* see hash_octal_precision */
	if (c->prec_mode == 1) {
		append(spec, cap, ".");
	} else if (c->prec_mode == 2) {
		snprintf(num, sizeof(num), ".%lu", rng_below(30));
		append(spec, cap, num);
	} else if (c->prec_mode == 3) {
		append(spec, cap, ".*");
		g->pstar = true;
		g->p = (int)rng_below(36) - 6;
	}
}

/* Pick the argument type for an integer conversion from its length. */
static void gen_int_kind(struct gen *g, const struct gen_conv *c)
{
	const char *len = c->len;
	bool is_signed = c->is_signed;

	if (!strcmp(len, "l"))
		g->kind = is_signed ? K_LONG : K_ULONG;
	else if (!strcmp(len, "ll"))
		g->kind = is_signed ? K_LLONG : K_ULLONG;
	else if (!strcmp(len, "z"))
		g->kind = is_signed ? K_SSIZE : K_SIZE;
	else if (!strcmp(len, "t"))
		g->kind = is_signed ? K_PTRDIFF : K_SIZE;
	else if (!strcmp(len, "j"))
		g->kind = is_signed ? K_IMAX : K_UMAX;
	else
		g->kind = is_signed ? K_INT : K_UINT;	/* also hh, h */
	/* '#' on a zero hex value: see hash_flag_zero_value. */
	unsigned long long shown = g->kind != K_UINT ? g->u :
		!strcmp(len, "hh") ? (unsigned char)g->u :
		!strcmp(len, "h") ? (unsigned short)g->u : (unsigned int)g->u;

	if (c->alt && c->conv != 'o' && shown == 0)
		g->u = g->s = 0x10;
}

/* The argument, typed to match the conversion. */
static void gen_arg(struct gen *g, const struct gen_conv *c)
{
	g->s = (long long)rand_bits();
	g->u = (unsigned long long)g->s;
	if (c->is_int) {
		gen_int_kind(g, c);
	} else if (c->conv == 's') {
		g->kind = K_STR;
		g->str = strs[rng_below(sizeof(strs) / sizeof(strs[0]))];
		if (c->prec_mode == 0 && rng_below(10) == 0)
			g->str = NULL;
	} else if (c->conv == 'p') {
		g->kind = K_PTR;
		if (g->u == 0)
			g->u = 0x1000;		/* NULL differs by design */
	} else {
		g->kind = K_CHAR;
		g->s = (long long)rng_below(256);
	}
}

/*
 * One well-defined conversion. Left out: UB (flags '#' or '0' where C does
 * not define them, precision on %c/%p, length modifiers on %s/%c/%p),
 * %p/%s of NULL with precision (documented differences), and the three
 * known kernel deviations that have their own checks above ('#' on a zero
 * hex value, '#' octal with a precision, '+'/' ' on unsigned conversions).
 */
static void gen_one(struct gen *g)
{
	static const char convs[] = "diuxXospc%";
	static const char *const lens[] = { "", "", "", "hh", "h", "l", "ll",
					    "z", "t", "j" };
	char spec[64] = "%";
	struct gen_conv c = { .conv = convs[rng_below(sizeof(convs) - 1)],
			      .len = "" };

	c.is_int = strchr("diuxXo", c.conv) != NULL;
	c.is_signed = c.conv == 'd' || c.conv == 'i';
	memset(g, 0, sizeof(*g));
	gen_text(g->fmt, sizeof(g->fmt));
	if (c.conv == '%') {
		append(g->fmt, sizeof(g->fmt), "%%");
		gen_text(g->fmt, sizeof(g->fmt));
		g->kind = K_NONE;
		return;
	}
	gen_flags(spec, &c);
	gen_width(g, spec, sizeof(spec));
	/* Precision: numbers only (and s). */
	if (c.is_int || c.conv == 's')
		gen_precision(g, spec, sizeof(spec), &c);
	if (c.is_int)
		c.len = lens[rng_below(sizeof(lens) / sizeof(lens[0]))];
	append(spec, sizeof(spec), c.len);
	append_char(spec, c.conv);
	gen_arg(g, &c);
	append(g->fmt, sizeof(g->fmt), spec);
	gen_text(g->fmt, sizeof(g->fmt));
}

static void t_random_differential(void)
{
	unsigned long compared = 0;

	rng_seed(0x9e3779b97f4a7c15ull);
	for (int iter = 0; iter < 5000 && !reason[0]; iter++) {
		struct gen g;
		char kb[OUT_MAX], lb[OUT_MAX];
		size_t size = rng_below(4) ? sizeof(kb) : rng_below(24);
		int kr, lr;

		gen_one(&g);
		memset(kb, 0x5a, sizeof(kb));
		memset(lb, 0x5a, sizeof(lb));
		kr = call_gen(true, kb, size, &g);
		lr = call_gen(false, lb, size, &g);
		if (kr != lr || kr < 0 || kr >= OUT_MAX) {
			compare(g.fmt, kr, kb, lr, lb);
			fail("iteration %d: \"%s\" returned %d, glibc %d", iter,
			     g.fmt, kr, lr);
			break;
		}
		/* Everything written (and the bytes after) must match. */
		if (memcmp(kb, lb, sizeof(kb))) {
			char a[OUT_MAX * 4], b[OUT_MAX * 4];
			int shown = kr + 1 < (int)size ? kr + 1 : (int)size;

			fail("iteration %d: \"%s\" size %zu: kernel \"%s\", glibc \"%s\"",
			     iter, g.fmt, size, show(kb, shown, a, sizeof(a)),
			     show(lb, shown, b, sizeof(b)));
			break;
		}
		compared++;
	}
	EXPECT(compared == 5000 || reason[0], "only %lu compared", compared);
}

int main(void)
{
	run("signed_decimal", t_signed_decimal);
	run("unsigned_conversions", t_unsigned_conversions);
	run("length_modifiers", t_length_modifiers);
	run("limits", t_limits);
	run("zero_and_precision_zero", t_zero_and_precision_zero);
	run("star_width_precision", t_star_width_precision);
	run("ignored_flags", t_ignored_flags);
	run("strings_and_chars", t_strings_and_chars);
	run("null_string", t_null_string);
	run("pointers", t_pointers);
	run("mixed", t_mixed);
	run("kernel_specific", t_kernel_specific);
	run("truncation", t_truncation);
	run("random_differential", t_random_differential);
	run("hash_flag_zero_value", t_hash_flag_zero_value);
	run("hash_octal_precision", t_hash_octal_precision);
	run("sign_flags_unsigned", t_sign_flags_unsigned);
	return failures ? 1 : 0;
}
