/*
 * exec_args_test.c - execve's arguments as Linux takes them: big and many
 * strings arrive intact, one string over MAX_ARG_STRLEN (128 KiB with its
 * NUL) or all of them over a quarter of RLIMIT_STACK is E2BIG, a bad
 * pointer EFAULT. With the argument "fragment" (make check's exec-128M
 * boot) it first fragments free memory - touches most of it, then frees
 * all but every 32nd page, so that no 128 KiB block is left - and execs
 * itself with 127 KiB of arguments: the copy must need no allocation
 * above a page (on Linux too, where this runs with a smaller fill).
 */
#include "vm_util.h"

#include <sys/resource.h>

#define BIG		(127 * 1024)	/* one argument's length */
#define NBIG		8		/* 8 x 127 KiB: about 1 MiB */

static const char *self;

/* The child side: argv[2..] must be @nbig strings of BIG bytes 'a' + i % 26. */
static int check_big(int argc, char **argv, int nbig)
{
	if (argc != nbig + 2)
		return 2;
	for (int i = 2; i < argc; i++) {
		if (strlen(argv[i]) != BIG)
			return 3;
		for (size_t k = 0; k < BIG; k++)
			if (argv[i][k] != 'a' + i % 26)
				return 4;
	}
	return 0;
}

/* Fork, optionally set RLIMIT_STACK, exec @argv; the exit status, or 100 + errno. */
static int run(char **argv, rlim_t stack)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (stack) {
			struct rlimit r = { stack, stack };

			if (setrlimit(RLIMIT_STACK, &r))
				_exit(99);
		}
		execv(self, argv);
		_exit(100 + errno);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* argv for "--check-big": self, mode, then @n strings of BIG bytes. */
static char **big_argv(int n)
{
	char **v = calloc((size_t)n + 3, sizeof(*v));

	if (!v)
		return NULL;
	v[0] = (char *)self;
	v[1] = "--check-big";
	for (int i = 2; i < n + 2; i++) {
		v[i] = malloc(BIG + 1);
		if (!v[i])
			return NULL;
		memset(v[i], 'a' + i % 26, BIG);
		v[i][BIG] = 0;
	}
	return v;
}

static void big_strings_arrive(void)
{
	char **v = big_argv(NBIG);

	int r;

	EXPECT(v != NULL, "malloc");
	r = run(v, 0);
	EXPECT(r == 0, "exec with %d x %d bytes: %d", NBIG, BIG, r);
}

static void many_small_strings(void)
{
	enum { N = 20000 };
	char **v = calloc(N + 3, sizeof(*v));
	int r;

	EXPECT(v != NULL, "calloc");
	v[0] = (char *)self;
	v[1] = "--check-many";
	for (int i = 2; i < N + 2; i++)
		v[i] = "x";
	r = run(v, 0);
	EXPECT(r == 0, "exec with %d arguments: %d", N, r);
	free(v);
}

static void limits_e2big(void)
{
	char *huge = malloc(128 * 1024 + 1), **v = big_argv(3);
	char *one[] = { (char *)self, "--check-len", "131071", huge, NULL };
	int r;

	EXPECT(huge && v, "malloc");
	memset(huge, 'z', 128 * 1024);
	huge[128 * 1024] = 0;				/* 128 KiB + NUL: one byte too long */
	r = run(one, 0);
	EXPECT(r == 100 + E2BIG, "a 128 KiB + 1 string: %d", r);
	huge[128 * 1024 - 1] = 0;			/* exactly MAX_ARG_STRLEN with the NUL */
	r = run(one, 0);
	EXPECT(r == 0, "a 128 KiB string did not arrive as itself: %d", r);
	/* RLIMIT_STACK 1 MiB: 256 KiB for all strings and pointers. */
	r = run(v, 1 << 20);
	EXPECT(r == 100 + E2BIG, "381 KiB with RLIMIT_STACK 1 MiB: %d", r);
	v[3] = NULL;					/* one string, 127 KiB: fits */
	r = run(v, 1 << 20);
	EXPECT(r == 0, "127 KiB with RLIMIT_STACK 1 MiB did not arrive: %d", r);
}

static void bad_pointer_efault(void)
{
	char *v[] = { (char *)self, "--check-big", (char *)0x10, NULL };
	int r = run(v, 0);

	EXPECT(r == 100 + EFAULT, "an unmapped argument: %d", r);
	r = run((char **)0x10, 0);
	EXPECT(r == 100 + EFAULT, "an unmapped argv: %d", r);
}

/*
 * Touch pages of @p (@max bytes reserved) until free memory is nearly
 * gone (on Pagoda: MemFree under 128 KiB, so that the buddy allocator has
 * handed out its big blocks too; on a host, just all of @max), then free
 * all but every 32nd page: memory is free again, but in blocks of at most
 * 31 pages - no 128 KiB block. Returns the bytes touched.
 */
static size_t fragment(char *p, size_t max)
{
	size_t len = 0;

	while (len < max) {
		size_t step = 256 * PAGE;		/* 1 MiB, then a page at a time */

		if (ut_on_pagoda()) {
			long free_kb = vm_meminfo_kb("MemFree");

			if (free_kb < 128)
				break;
			if (free_kb < 4096)
				step = 4 * PAGE;
		}
		if (step > max - len)
			step = max - len;
		for (size_t o = 0; o < step; o += PAGE)
			p[len + o] = 1;
		len += step;
	}
	for (size_t o = 0; o + 32 * PAGE <= len; o += 32 * PAGE)
		madvise(p + o + PAGE, 31 * PAGE, MADV_DONTNEED);
	return len;
}

static void exec_when_fragmented(void)
{
	long total = vm_meminfo_kb("MemTotal");
	size_t max = ut_on_pagoda() ? (size_t)total << 10 : 512ul << 20;
	char **v = big_argv(1);
	size_t len;
	char *p;
	int r;

	EXPECT(v != NULL && total > 0, "setup");
	p = mmap(NULL, max, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	len = fragment(p, max);
	ut_say("# touched %zu MiB, kept every 32nd page; MemFree now %ld kB\n", len >> 20,
	       vm_meminfo_kb("MemFree"));
	r = run(v, 0);
	EXPECT(r == 0, "exec with 127 KiB of arguments in fragmented memory: %d", r);
	munmap(p, max);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--check-big"))
		return check_big(argc, argv, argc - 2);
	if (argc == 4 && !strcmp(argv[1], "--check-len")) {
		size_t want = (size_t)atol(argv[2]);

		if (strlen(argv[3]) != want)
			return 2;
		for (size_t k = 0; k < want; k++)
			if (argv[3][k] != 'z')
				return 3;
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--check-many")) {
		for (int i = 2; i < argc; i++)
			if (strcmp(argv[i], "x"))
				return 3;
		return argc == 20002 ? 0 : 2;
	}
	self = argv[0];
	ut_begin("exec_args_test");
	if (argc == 2 && !strcmp(argv[1], "fragment")) {
		RUN(exec_when_fragmented);
		return ut_end();
	}
	RUN(big_strings_arrive);
	RUN(many_small_strings);
	RUN(limits_e2big);
	RUN(bad_pointer_efault);
	return ut_end();
}
