/*
 * hosttest.h - the tiny harness shared by the host unit tests
 * (tests/host/<module>_test.c, built by `make host-tests`).
 *
 *   #define HOSTTEST_SUITE "buddy"
 *   #include "hosttest.h"
 *
 *   static void t_split(void)
 *   {
 *           EXPECT(p != NULL, "alloc order %u failed", order);
 *   }
 *
 *   int main(void)
 *   {
 *           run("split", t_split);
 *           return failures ? 1 : 0;
 *   }
 *
 * Include it after the kernel sources under test, and after any renaming
 * of snprintf/vsnprintf around kernel/lib/printf.c has been #undef'd again:
 * fail() formats with libc's vsnprintf.
 *
 * A check fails through fail() or EXPECT(); only the first reason is kept.
 * run() prints one stable line per check, which tests/harness.py parses:
 *
 *   PASS <suite>/<name>
 *   FAIL <suite>/<name>: <reason>
 *
 * A watchdog alarm turns a check that hangs for HOSTTEST_TIMEOUT seconds
 * into "FAIL <suite>/<name>: timed out (hung?)" and exit status 1.
 *
 * rng() is a xorshift64. rng_state starts at 0, where it would stay: call
 * rng_seed() with a fixed value before the first draw, so runs repeat.
 */
#ifndef TESTS_HOST_HOSTTEST_H
#define TESTS_HOST_HOSTTEST_H

#ifndef HOSTTEST_SUITE
#error "#define HOSTTEST_SUITE (the <suite> in PASS/FAIL lines) first"
#endif

#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef HOSTTEST_TIMEOUT
#define HOSTTEST_TIMEOUT	60	/* seconds per check */
#endif

static char reason[1024];		/* why the running check failed */
static int failures;			/* checks failed so far */
static const char *current;		/* check running now, or NULL */

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	if (reason[0])
		return;		/* keep the first reason only */
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
}

#define EXPECT(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

/* A check that hangs (e.g. a list walk that never ends) fails. */
static void on_timeout(int sig)
{
	static const char head[] = "FAIL " HOSTTEST_SUITE "/";
	static const char msg[] = ": timed out (hung?)\n";

	(void)sig;
	fflush(stdout);
	if (write(1, head, sizeof(head) - 1) < 0 ||
	    write(1, current, strlen(current)) < 0 ||
	    write(1, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static void run(const char *name, void (*fn)(void))
{
	current = name;
	reason[0] = 0;
	signal(SIGALRM, on_timeout);
	alarm(HOSTTEST_TIMEOUT);
	fn();
	alarm(0);
	if (reason[0]) {
		printf("FAIL " HOSTTEST_SUITE "/%s: %s\n", name, reason);
		failures++;
	} else {
		printf("PASS " HOSTTEST_SUITE "/%s\n", name);
	}
	fflush(stdout);
	current = NULL;
}

/* ---- fixed-seed xorshift64 ---------------------------------------------- */

static uint64_t rng_state;

static __attribute__((unused)) void rng_seed(uint64_t s)
{
	rng_state = s ? s : 0x9e3779b97f4a7c15ull;
}

static __attribute__((unused)) uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* Uniform enough in [0, n) for tests; n must not be 0. */
static __attribute__((unused)) unsigned long rng_below(unsigned long n)
{
	return (unsigned long)(rng() % n);
}

#endif /* TESTS_HOST_HOSTTEST_H */
