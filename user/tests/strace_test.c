/*
 * strace_test.c - /bin/strace (user/bin/strace.c) run on real programs,
 * its output checked line by line.
 *
 * The traced program is this test binary itself, re-executed in a helper
 * mode (argv[1] = --child-<mode>) that makes a known series of system
 * calls: the mm calls students watch (mmap, madvise, mprotect, munmap),
 * writes and reads with string buffers, a failing openat, a signal with a
 * handler, a read interrupted by a signal, a fault, a SIGKILL. Each case
 * runs strace with its output in a file and looks for its lines in
 * order. The start-up calls musl makes before main() are not checked,
 * only that the trace begins with the execve.
 *
 * Also covered: strace's exit status (the program's, or 128 + signal),
 * the program's stdout left alone, the PATH search, a missing program and
 * usage errors refused cleanly, and -p: attach to a running process,
 * trace it, detach on SIGINT and leave it running; and when strace itself
 * is killed, PTRACE_O_EXITKILL takes the traced program with it.
 *
 * What the kernel must show for this to pass (Linux does, Pagoda's ptrace
 * must): the execve's exit stop with 0 after the PTRACE_EVENT_EXEC stop,
 * a syscall's exit stop before the delivery stop of the signal it raised,
 * and an interrupted read's exit stop with -ERESTARTSYS in rax, before the
 * signal is delivered and rt_sigreturn returns -EINTR.
 *
 * strace is found as ../bin/strace next to this binary (the build tree,
 * or /tests/../bin on Pagoda, where there is no /proc/self/exe and runall
 * passes the absolute path as argv[0]), else /bin/strace. Files go to
 * /tmp/strace_test.<pid>.*, removed by each case.
 */
#include "utest.h"

#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>

#define NONEXISTENT	"/nonexistent/strace_test"
#define LONG_TEXT	"0123456789abcdefghijklmnopqrstuvwxyzABCD"	/* 40 bytes */
#define WATCHDOG_S	120

extern char **environ;

static char self_path[512];
static char strace_path[600];
static pid_t test_pid;		/* names the temporary files, in forked children too */

/* ---- Helper modes: the traced program ---- */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;		/* no system calls here: the trace stays predictable */
}

static void say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(100);
}

/* mmap, madvise, mprotect, munmap; writes, a pipe read, a failing openat; exit 7. */
static int child_mm(void)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char buf[16];
	int fd[2];

	if (p == MAP_FAILED)
		return 101;
	p[0] = 1;
	madvise(p, 8192, MADV_DONTNEED);
	mprotect(p, 8192, PROT_READ);
	munmap(p, 8192);
	say("hello\n");
	say(LONG_TEXT);
	if (pipe(fd) < 0 || write(fd[1], "ping", 4) != 4 || read(fd[0], buf, 16) != 4)
		return 102;
	/* Not musl's openat(), which adds O_LARGEFILE to the flags. */
	syscall(SYS_openat, AT_FDCWD, NONEXISTENT, O_RDONLY);
	syscall(SYS_exit_group, 7);
	return 103;
}

/* kill() ourselves SIGUSR1, with a handler: delivered at the kill's return. */
static int child_signal(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGUSR1, &sa, NULL);
	kill(getpid(), SIGUSR1);
	say(got_signal ? "handled\n" : "not handled\n");
	return 0;
}

/*
 * Block in read() on an empty pipe until a SIGALRM (no SA_RESTART) ends
 * it with EINTR. The interval timer keeps firing until one lands while
 * the read waits, so no timing is assumed.
 */
static int child_restart(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, off = { { 0, 0 }, { 0, 0 } };
	char c;
	int fd[2];
	ssize_t n;

	if (pipe(fd) < 0)
		return 101;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	n = read(fd[0], &c, 1);
	setitimer(ITIMER_REAL, &off, NULL);
	say(n < 0 && errno == EINTR ? "eintr\n" : "no eintr\n");
	return 0;
}

static int child_segv(void)
{
	struct rlimit no_core = { 0, 0 };
	volatile int *volatile nowhere = NULL;	/* volatile: the compiler cannot see it is NULL */

	setrlimit(RLIMIT_CORE, &no_core);
	*nowhere = 1;
	return 101;
}

/* Write a byte a millisecond into fd 1 until killed; getpid() names us in a trace. */
static int child_spin(void)
{
	getpid();
	for (;;) {
		if (write(1, "x", 1) != 1)
			return 101;
		usleep(1000);
	}
}

/*
 * A safety net for the traced helpers: a forked, untraced watchdog
 * SIGKILLs the helper if it is still alive after WATCHDOG_S seconds. A
 * tracer or kernel that loses a signal would otherwise leave a helper
 * faulting forever (the SIGSEGV never delivered) or blocked in read (no
 * SIGALRM); SIGKILL cannot be lost, so the case fails instead of
 * hanging. The watchdog sees the helper's end as EOF on a pipe.
 */
static void start_watchdog(void)
{
	struct pollfd pfd;
	pid_t helper = getpid();
	int fd[2];

	if (pipe(fd) < 0)
		return;
	if (fork() == 0) {
		close(fd[1]);
		pfd = (struct pollfd){ .fd = fd[0], .events = POLLIN };
		if (poll(&pfd, 1, WATCHDOG_S * 1000) == 0)
			kill(helper, SIGKILL);
		_exit(0);
	}
	close(fd[0]);		/* fd[1] stays open until the helper is gone */
}

static int child_main(const char *mode)
{
	if (strcmp(mode, "--child-spin"))	/* the attach case kills that one */
		start_watchdog();
	if (!strcmp(mode, "--child-mm"))
		return child_mm();
	if (!strcmp(mode, "--child-signal"))
		return child_signal();
	if (!strcmp(mode, "--child-restart"))
		return child_restart();
	if (!strcmp(mode, "--child-segv"))
		return child_segv();
	if (!strcmp(mode, "--child-sigkill"))
		return kill(getpid(), SIGKILL);
	if (!strcmp(mode, "--child-spin"))
		return child_spin();
	if (!strcmp(mode, "--child-true"))
		return 0;
	return 99;
}

/* ---- Running strace and reading what it wrote ---- */

/* "/tmp/strace_test.<pid>.<name>", in a small ring of buffers. */
static const char *tmp(const char *name)
{
	static char bufs[4][128];
	static int next;
	char *p = bufs[next++ & 3];

	snprintf(p, 128, "/tmp/strace_test.%d.%s", (int)test_pid, name);
	return p;
}

static void tmp_clean(void)
{
	unlink(tmp("trace"));
	unlink(tmp("out"));
	unlink(tmp("err"));
}

/*
 * Start strace with @args (after argv[0]; NULL-terminated) and @envp
 * (NULL: ours), its stdout and stderr into the files "out" and "err".
 * Returns its pid, or -1.
 */
static pid_t start_strace(const char *const *args, char *const *envp)
{
	const char *argv[16] = { strace_path };
	pid_t pid;
	int i;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	pid = fork();
	if (pid == 0) {
		int o = open(tmp("out"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(tmp("err"), O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		close(o);
		close(e);
		execve(strace_path, (char *const *)argv, envp ? envp : environ);
		_exit(126);
	}
	return pid;
}

/* Run strace to the end; its wait status, or -1. */
static int run_strace(const char *const *args, char *const *envp)
{
	pid_t pid = start_strace(args, envp);
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

/* A file's text as it is (@buf, @len bytes), and split into lines: line[0..n-1]. */
struct text {
	char *buf;
	char *lines;
	char **line;
	int n;
	size_t len;
};

static void text_free(struct text *t)
{
	free(t->buf);
	free(t->lines);
	free(t->line);
	memset(t, 0, sizeof(*t));
}

/* Read @path into @t; false if it cannot be read. */
static bool text_load(struct text *t, const char *path)
{
	int fd = open(path, O_RDONLY), cap = 0;
	size_t size = 0;
	ssize_t n;
	char *p;

	memset(t, 0, sizeof(*t));
	if (fd < 0)
		return false;
	for (;;) {
		if (t->len + 4096 + 1 > size) {
			size = 2 * size + 8192;
			t->buf = realloc(t->buf, size);
		}
		n = read(fd, t->buf + t->len, 4096);
		if (n <= 0)
			break;
		t->len += n;
	}
	close(fd);
	t->buf[t->len] = 0;
	t->lines = strdup(t->buf);
	for (p = t->lines; p < t->lines + t->len; ) {
		char *nl = strchr(p, '\n');

		if (t->n == cap) {
			cap = 2 * cap + 64;
			t->line = realloc(t->line, cap * sizeof(char *));
		}
		t->line[t->n++] = p;
		if (!nl)
			break;
		*nl = 0;
		p = nl + 1;
	}
	return n == 0;
}

/* Does @s match @pat, where '*' in @pat stands for any run of characters? */
static bool match(const char *s, const char *pat)
{
	if (*pat == '*') {
		for (;; s++) {
			if (match(s, pat + 1))
				return true;
			if (!*s)
				return false;
		}
	}
	if (!*pat)
		return !*s;
	return *s == *pat && match(s + 1, pat + 1);
}

/* The first line at or after @from matching @pat, or -1. */
static int find(const struct text *t, int from, const char *pat)
{
	for (int i = from; i < t->n; i++)
		if (match(t->line[i], pat))
			return i;
	return -1;
}

/*
 * Find @pats in order, each after the one before; with @adjacent each on
 * the very next line. Fails the case and returns false on the first
 * missing one, naming the line where the search stopped.
 */
static bool expect_lines(const struct text *t, const char *const *pats, bool adjacent)
{
	int at = 0, prev = -1;

	for (int k = 0; pats[k]; k++) {
		int i = find(t, at, pats[k]);

		if (i < 0 || (adjacent && prev >= 0 && i != prev + 1)) {
			ut_fail("no line '%s'%s after line %d ('%s')", pats[k],
				adjacent && prev >= 0 ? " right" : "", prev + 1,
				prev >= 0 ? t->line[prev] : "");
			return false;
		}
		prev = i;
		at = i + 1;
	}
	return true;
}

/* Does the file @path hold exactly @want? */
static bool file_is(const char *path, const char *want)
{
	struct text t;
	bool ok = text_load(&t, path) && t.len == strlen(want) && !memcmp(t.buf, want, t.len);

	text_free(&t);
	return ok;
}

static const char *describe(int st)
{
	static char buf[64];

	if (st == -1)
		return "not run";
	if (WIFEXITED(st))
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, sizeof(buf), "status %#x", st);
	return buf;
}

/* Run strace -o trace on @mode; load the trace; expect exit @want_exit. */
#define TRACE_MODE(t, mode, want_exit) do {					\
	const char *args_[] = { "-o", tmp("trace"), self_path, mode, NULL };	\
	int st_ = run_strace(args_, NULL);					\
	EXPECT(text_load(t, tmp("trace")), "no trace file");			\
	EXPECT(WIFEXITED(st_) && WEXITSTATUS(st_) == (want_exit),		\
	       "strace %s: %s, want exit %d", mode, describe(st_), want_exit);	\
} while (0)

/* ---- Cases ---- */

/* The mm calls with their flags decoded, buffers as strings, errors named. */
static void mm_calls_decoded(void)
{
	char pat[3][128], addr[32];
	struct text t;
	int i;

	TRACE_MODE(&t, "--child-mm", 7);
	i = find(&t, 0, "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)"
		 " = 0x*");
	EXPECT(i >= 0, "no mmap line");
	snprintf(addr, sizeof(addr), "%s", strstr(t.line[i], " = ") + 3);
	snprintf(pat[0], sizeof(pat[0]), "madvise(%s, 8192, MADV_DONTNEED) = 0", addr);
	snprintf(pat[1], sizeof(pat[1]), "mprotect(%s, 8192, PROT_READ) = 0", addr);
	snprintf(pat[2], sizeof(pat[2]), "munmap(%s, 8192) = 0", addr);
	{
		const char *const want[] = {
			pat[0], pat[1], pat[2],
			"write(1, \"hello\\n\", 6) = 6",
			/* strings stop at 32 bytes, then "..." */
			"write(1, \"0123456789abcdefghijklmnopqrstuv\"..., 40) = 40",
			"write(*, \"ping\", 4) = 4",
			"read(*, \"ping\", 16) = 4",
			"openat(AT_FDCWD, \"" NONEXISTENT "\", O_RDONLY)"
			" = -1 ENOENT (No such file or directory)",
			"exit_group(7) = ?",
			"+++ exited with 7 +++",
			NULL
		};

		if (!expect_lines(&t, want, false))
			goto out;
	}
	EXPECT(!strcmp(t.line[t.n - 1], "+++ exited with 7 +++"), "last line '%s'",
	       t.line[t.n - 1]);
out:
	text_free(&t);
	tmp_clean();
}

/* The trace starts at the program's execve (strace's own set-up is not shown). */
static void execve_first(void)
{
	const char *args[] = { "-s", "4096", "-o", tmp("trace"), self_path, "--child-mm", NULL };
	char pat[1200];
	struct text t;
	int st = run_strace(args, NULL);

	EXPECT(text_load(&t, tmp("trace")) && t.n > 0, "no trace");
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 7, "strace: %s, want exit 7", describe(st));
	snprintf(pat, sizeof(pat), "execve(\"%s\", [\"%s\", \"--child-mm\"], 0x* /* * vars */) = 0",
		 self_path, self_path);
	EXPECT(match(t.line[0], pat), "first line '%s', want '%s'", t.line[0], pat);
	EXPECT(find(&t, 1, "execve(*") < 0, "a second execve");
	text_free(&t);
	tmp_clean();
}

/* PROG without a slash is searched for in $PATH; argv[0] stays as given. */
static void path_search(void)
{
	char path_env[600], *env[] = { path_env, NULL }, pat[1200], dir[512];
	const char *name = strrchr(self_path, '/') + 1;
	const char *args[] = { "-s", "4096", "-o", tmp("trace"), name, "--child-true", NULL };
	struct text t;
	int st;

	snprintf(dir, sizeof(dir), "%.*s", (int)(name - 1 - self_path), self_path);
	snprintf(path_env, sizeof(path_env), "PATH=/nonexistent:%s", dir);
	st = run_strace(args, env);
	EXPECT(text_load(&t, tmp("trace")) && t.n > 0, "no trace");
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "strace: %s, want exit 0", describe(st));
	snprintf(pat, sizeof(pat), "execve(\"%s\", [\"%s\", \"--child-true\"], 0x* /* 1 var */)"
		 " = 0", self_path, name);
	EXPECT(match(t.line[0], pat), "first line '%s', want '%s'", t.line[0], pat);
	text_free(&t);
	tmp_clean();
}

/*
 * A signal with a handler: reported right after the kill() that sent it
 * returned, then the handler's rt_sigreturn, and the program carries on.
 */
static void signal_delivered(void)
{
	const char *const want[] = {
		"kill(*, SIGUSR1) = 0",
		"--- SIGUSR1 ---",
		"rt_sigreturn() = 0",
		"write(1, \"handled\\n\", 8) = 8",
		NULL
	};
	struct text t;

	TRACE_MODE(&t, "--child-signal", 0);
	if (expect_lines(&t, want, true)) {
		EXPECT(find(&t, 0, "+++ exited with 0 +++") == t.n - 1, "no exit line at the end");
		EXPECT(file_is(tmp("out"), "handled\n"), "the program's output changed");
	}
	text_free(&t);
	tmp_clean();
}

/*
 * A read interrupted by a signal whose handler lacks SA_RESTART: the exit
 * stop sees the kernel's -ERESTARTSYS, the signal follows, and only
 * rt_sigreturn hands the program -EINTR.
 */
static void restart_reported(void)
{
	const char *const want[] = {
		"read(*, 1) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)",
		"--- SIGALRM ---",
		"rt_sigreturn() = -1 EINTR (Interrupted system call)",
		NULL
	};
	struct text t;

	TRACE_MODE(&t, "--child-restart", 0);
	if (expect_lines(&t, want, true))
		EXPECT(file_is(tmp("out"), "eintr\n"), "the read did not end with EINTR");
	text_free(&t);
	tmp_clean();
}

/* A fatal signal: shown, then the death; strace exits 128 + signal. */
static void killed_by_segv(void)
{
	const char *const want[] = { "--- SIGSEGV ---", "+++ killed by SIGSEGV*+++", NULL };
	struct text t;

	TRACE_MODE(&t, "--child-segv", 128 + SIGSEGV);
	expect_lines(&t, want, true);
	text_free(&t);
	tmp_clean();
}

/* SIGKILL has no delivery stop: the kill() never returns. */
static void killed_by_sigkill(void)
{
	const char *const want[] = { "kill(*, SIGKILL) = ?", "+++ killed by SIGKILL +++", NULL };
	struct text t;

	TRACE_MODE(&t, "--child-sigkill", 128 + SIGKILL);
	expect_lines(&t, want, true);
	text_free(&t);
	tmp_clean();
}

/* The program's stdout is its own; the trace goes to stderr without -o. */
static void output_separate(void)
{
	const char *args[] = { self_path, "--child-mm", NULL };
	const char *const want[] = {
		"write(1, \"hello\\n\", 6) = 6", "+++ exited with 7 +++", NULL
	};
	struct text t;
	int st = run_strace(args, NULL);

	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 7, "strace: %s, want exit 7", describe(st));
	EXPECT(file_is(tmp("out"), "hello\n" LONG_TEXT), "stdout is not just the program's");
	EXPECT(text_load(&t, tmp("err")), "no stderr file");
	expect_lines(&t, want, false);
	text_free(&t);

	/* With -o, nothing at all on strace's stderr. */
	TRACE_MODE(&t, "--child-mm", 7);
	text_free(&t);
	EXPECT(file_is(tmp("out"), "hello\n" LONG_TEXT), "stdout is not just the program's (-o)");
	EXPECT(file_is(tmp("err"), ""), "strace wrote to stderr with -o");
	tmp_clean();
}

/* No such program: a message and exit 1, without a child left behind. */
static void missing_program(void)
{
	const char *args1[] = { "/nonexistent/prog", NULL };
	const char *args2[] = { "strace_test_no_such_prog", NULL };
	struct text t;
	int st;

	st = run_strace(args1, NULL);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 1, "strace: %s, want exit 1", describe(st));
	EXPECT(text_load(&t, tmp("err")) && strstr(t.buf, "strace: ") &&
	       strstr(t.buf, "/nonexistent/prog"), "no message naming the program");
	text_free(&t);
	st = run_strace(args2, NULL);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 1, "strace (PATH): %s, want exit 1",
	       describe(st));
	EXPECT(text_load(&t, tmp("err")) && strstr(t.buf, "strace_test_no_such_prog"),
	       "no message naming the program (PATH)");
	text_free(&t);
	EXPECT_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
	tmp_clean();
}

/* Bad usage: the usage line and exit 2. */
static void usage_errors(void)
{
	const char *none[] = { NULL }, *bad_opt[] = { "-Q", "true", NULL };
	const char *both[] = { "-p", "1", "true", NULL }, *bad_pid[] = { "-p", "x1", NULL };
	const char *const *cases[] = { none, bad_opt, both, bad_pid };
	struct text t;

	for (int i = 0; i < 4; i++) {
		int st = run_strace(cases[i], NULL);

		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 2, "case %d: %s, want exit 2 (is %s"
		       " Pagoda's strace?)", i, describe(st), strace_path);
		EXPECT(text_load(&t, tmp("err")) && strstr(t.buf, "usage: strace"),
		       "case %d: no usage line", i);
		text_free(&t);
	}
	tmp_clean();
}

/* Read what is in the pipe now; true if anything was. */
static bool drain(int fd)
{
	char buf[4096];
	bool any = false;

	while (read(fd, buf, sizeof(buf)) > 0)
		any = true;
	return any;
}

/*
 * -p: attach to a running child, see its write()s, detach on SIGINT; the
 * child goes on writing, untraced. Polled, with a generous limit (60 s)
 * so that a kernel that never shows a line fails instead of hanging.
 */
static void attach_detach(void)
{
	char pidstr[16], pat[64];
	const char *args[] = { "-o", tmp("trace"), "-p", pidstr, NULL };
	struct pollfd pfd;
	struct text t = { 0 };
	pid_t kid, tracer;
	int p[2], st, i, seen = -1;

	EXPECT_OK(pipe(p));
	kid = fork();
	EXPECT_OK(kid);
	if (kid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(self_path, self_path, "--child-spin", (char *)NULL);
		_exit(126);
	}
	close(p[1]);
	/*
	 * Attach once it runs the new program: attached during its execve,
	 * it would get the old-style SIGTRAP after exec (PTRACE_O_TRACEEXEC
	 * is only set after the attach stop), which strace passes on.
	 */
	EXPECT(read(p[0], pat, 1) == 1, "the child did not start");
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)kid);
	tracer = start_strace(args, NULL);
	if (tracer < 0) {
		kill(kid, SIGKILL);
		waitpid(kid, NULL, 0);
		close(p[0]);
		EXPECT(0, "fork: %s", strerror(errno));
	}
	for (i = 0; i < 60000 && seen < 0; i++) {
		drain(p[0]);
		usleep(1000);
		text_free(&t);
		if (text_load(&t, tmp("trace")))
			seen = find(&t, 0, "write(1, \"x\", 1) = 1");
		if (waitpid(tracer, &st, WNOHANG) == tracer) {
			tracer = -1;
			break;
		}
	}
	text_free(&t);
	if (tracer > 0) {
		kill(tracer, SIGINT);
		if (waitpid(tracer, &st, 0) != tracer)
			st = -1;
	}
	drain(p[0]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	i = poll(&pfd, 1, 30000);	/* still writing, so neither stopped nor traced */
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	close(p[0]);
	if (tracer < 0 && text_load(&t, tmp("err")) && strstr(t.buf, "Operation not permitted")) {
		text_free(&t);
		tmp_clean();
		SKIP("PTRACE_ATTACH refused here (yama ptrace_scope?)");
	}
	EXPECT(tracer > 0, "strace ended before SIGINT: %s: %s", describe(st),
	       t.buf ? t.buf : "");
	text_free(&t);
	EXPECT(seen >= 0, "no write() of the child in the trace");
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "strace after SIGINT: %s, want exit 0",
	       describe(st));
	EXPECT(i == 1, "the child stopped writing after strace detached");
	EXPECT(text_load(&t, tmp("err")), "no stderr file");
	snprintf(pat, sizeof(pat), "strace: Process %d attached", (int)kid);
	EXPECT(find(&t, 0, pat) >= 0, "no '%s'", pat);
	snprintf(pat, sizeof(pat), "strace: Process %d detached", (int)kid);
	EXPECT(find(&t, 0, pat) >= 0, "no '%s'", pat);
	text_free(&t);
	tmp_clean();
}

/* Is @pid gone: no such process, or a zombie (its new parent may not have reaped it yet)? */
static bool gone(pid_t pid)
{
	char path[64];
	struct text t;
	bool zombie;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	zombie = text_load(&t, path) && strstr(t.buf, ") Z ");
	text_free(&t);
	return zombie;
}

/*
 * strace dies (SIGKILL, no chance to clean up): PTRACE_O_EXITKILL kills
 * the tracee with it. Polled with a generous limit, like attach_detach.
 */
static void exitkill(void)
{
	const char *args[] = { "-o", tmp("trace"), self_path, "--child-spin", NULL };
	struct text t = { 0 };
	pid_t tracer = start_strace(args, NULL), kid = 0;
	int i, k;

	EXPECT_OK(tracer);
	for (i = 0; i < 60000 && !kid; i++) {
		usleep(1000);
		text_free(&t);
		if (text_load(&t, tmp("trace")) && (k = find(&t, 0, "getpid() = *")) >= 0)
			kid = atoi(strstr(t.line[k], " = ") + 3);
	}
	text_free(&t);
	kill(tracer, SIGKILL);
	waitpid(tracer, NULL, 0);
	EXPECT(kid > 0, "the tracee never showed up in the trace");
	for (i = 0; i < 60000 && !gone(kid); i++)
		usleep(1000);
	if (!gone(kid)) {
		kill(kid, SIGKILL);
		ut_fail("the tracee %d outlived its tracer", (int)kid);
	}
	tmp_clean();
}

/* Our own path, and strace's: ../bin/strace beside us, else /bin/strace. */
static void find_paths(const char *argv0)
{
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	char dir[512];

	if (n > 0)
		self_path[n] = 0;
	else
		snprintf(self_path, sizeof(self_path), "%s", argv0);	/* Pagoda: runall's */
	snprintf(dir, sizeof(dir), "%s", self_path);
	snprintf(strace_path, sizeof(strace_path), "%s/../bin/strace", dirname(dir));
	if (access(strace_path, X_OK) < 0)
		snprintf(strace_path, sizeof(strace_path), "/bin/strace");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strncmp(argv[1], "--child-", 8))
		return child_main(argv[1]);
	ut_begin("strace_test");
	test_pid = getpid();
	find_paths(argv[0]);
	if (self_path[0] != '/' || access(strace_path, X_OK) < 0) {
		ut_say("UTEST FAIL strace_test/setup: no strace (%s) or no absolute path"
		       " to us (%s)\n", strace_path, self_path);
		ut_say("UTEST DONE strace_test 0 passed, 1 failed\n");
		return 1;
	}
	RUN(usage_errors);
	RUN(mm_calls_decoded);
	RUN(execve_first);
	RUN(path_search);
	RUN(signal_delivered);
	RUN(restart_reported);
	RUN(killed_by_segv);
	RUN(killed_by_sigkill);
	RUN(output_separate);
	RUN(missing_program);
	RUN(attach_detach);
	RUN(exitkill);
	tmp_clean();		/* what a failed case left */
	return ut_end();
}
