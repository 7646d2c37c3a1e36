/*
 * kids_util.h - the bookkeeping the process-control tests share
 * (jobctl_test.c, ptrace_test.c): every child a case forks and every pipe
 * end it opens is remembered, so the case's clean-up can kill and reap
 * the children and close the pipes even when the case failed half way,
 * and one failure never leaves a process behind to hang the next case.
 *
 * spawn_body() forks a child that talks to the case over two pipes, and
 * read_verdict() is how such a child reports one blocking read;
 * proc_state() and wait_state() read a child's state letter from /proc. The
 * includer defines MAXKIDS and MAXFDS, and its clean-up walks kids[] and
 * fds[].
 */
#ifndef KIDS_UTIL_H
#define KIDS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t kids[MAXKIDS];		/* forked by this case, not reaped yet */
static int nkids;
static int fds[MAXFDS];			/* pipe ends this case still has open */
static int nfds;

/* fork(), remembering the child so that clean-up can kill and reap it. */
static pid_t spawn(void)
{
	pid_t pid = fork();

	if (pid > 0 && nkids < MAXKIDS)
		kids[nkids++] = pid;
	return pid;
}

/* waitpid() on a tracked child; once it is reaped it is forgotten. */
static pid_t wait_kid(pid_t pid, int *st, int flags)
{
	pid_t r;

	*st = -1;
	r = waitpid(pid, st, flags);
	if (r > 0 && (WIFEXITED(*st) || WIFSIGNALED(*st))) {
		for (int i = 0; i < nkids; i++)
			if (kids[i] == r)
				kids[i] = kids[--nkids];
	}
	return r;
}

/* SIGALRM (a case's watchdog): the case hung. Say so, and kill its children so its waits end. */
static void __attribute__((unused)) on_watchdog(int sig)
{
	char msg[256];
	size_t n = 0;
	const char *parts[] = { "UTEST FAIL ", ut_prog, "/", ut_case,
				": watchdog: no progress, its children were killed\n" };

	(void)sig;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		for (const char *p = parts[i]; *p && n < sizeof(msg); p++)
			msg[n++] = *p;
	if (write(1, msg, n) < 0)
		_exit(99);
	ut_case_failed = 1;
	for (int i = 0; i < nkids; i++)
		kill(kids[i], SIGKILL);
}

/* pipe(), remembering both ends for clean-up. */
static int mkpipe(int p[2])
{
	if (nfds + 2 > MAXFDS || pipe(p) < 0)
		return -1;
	fds[nfds++] = p[0];
	fds[nfds++] = p[1];
	return 0;
}

/* Close a pipe end made by mkpipe() and forget it. */
static void xclose(int fd)
{
	for (int i = 0; i < nfds; i++)
		if (fds[i] == fd)
			fds[i] = fds[--nfds];
	close(fd);
}

/*
 * Fork a child that runs @body(up, down, arg) and must not return: it
 * writes to us on @up and reads from us on @down. Our ends come back in
 * *from_kid and *to_kid. -1 on error.
 */
typedef void body_fn(int up, int down, long arg);

static pid_t __attribute__((unused)) spawn_body(body_fn *body, long arg, int *from_kid, int *to_kid)
{
	int up[2], down[2];
	pid_t pid;

	if (mkpipe(up) < 0 || mkpipe(down) < 0)
		return -1;
	pid = spawn();
	if (pid == 0) {
		/* Only its own ends: a pipe must see EOF when its owners die. */
		for (int i = 0; i < nfds; i++)
			if (fds[i] != up[1] && fds[i] != down[0])
				close(fds[i]);
		body(up[1], down[0], arg);
		_exit(99);
	}
	if (pid < 0)
		return -1;
	xclose(up[1]);
	xclose(down[0]);
	*from_kid = up[0];
	*to_kid = down[1];
	return pid;
}

/* How a child's read of one byte went: 0 'x', 1 EINTR, 2 error, 3 EOF, 4 other byte. */
static int __attribute__((unused)) read_verdict(ssize_t n, char c)
{
	if (n == 1)
		return c == 'x' ? 0 : 4;
	if (n == 0)
		return 3;
	return errno == EINTR ? 1 : 2;
}

#define READ_CODES "1 read gave EINTR, 2 read error, 3 EOF, 4 wrong byte"

/* Did the child exit with @code (a status from wait_kid; -1 when none)? */
static bool is_exit(int st, int code)
{
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == code;
}

/* The state letter in /proc/PID/stat (field 3), or 0. */
static char proc_state(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	return ut_stat_state(path);
}

/* Poll (at most 5 s) until @pid's state is one of @states; the last one seen. */
static char wait_state(pid_t pid, const char *states)
{
	char s = 0;

	for (int i = 0; i < 5000; i++) {
		s = proc_state(pid);
		if (s && strchr(states, s))
			return s;
		usleep(1000);
	}
	return s ? s : '?';
}

#endif
