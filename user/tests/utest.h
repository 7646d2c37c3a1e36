/*
 * utest.h - tiny reporting macros shared by Pagoda's user ABI tests.
 *
 * Every test program prints one line per case and a summary:
 *
 *	UTEST PASS <prog>/<case>
 *	UTEST FAIL <prog>/<case>: <reason>
 *	UTEST SKIP <prog>/<case>: <reason>
 *	UTEST DONE <prog> <p> passed, <f> failed
 *
 * and exits 0 iff nothing failed.  A case is a function run through
 * RUN() (a program that calls ut_select() can be asked for some cases
 * only: "prog case[,case]"); the EXPECT* macros print a FAIL line and return from the case
 * on the first broken expectation, so a case reports at most one line.
 * Output goes straight to write(2), never through stdio buffers, so a
 * fork()ed child can never flush a duplicate copy of the parent's lines.
 *
 * The same binaries run on Linux (the reference) and on Pagoda; see
 * runall.c for the driver and user.mk for the host run.
 */
#ifndef UTEST_H
#define UTEST_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ut_prog;
static const char *ut_case;
static int ut_npass, ut_nfail, ut_nskip;
static int ut_case_failed;
static char ut_tmp[256];

/* Print a formatted line on fd 1 with a single write. */
static void __attribute__((format(printf, 1, 2))) ut_say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (write(1, buf, n) < 0)
		_exit(99);
}

/* Record a failure of the current case (the reason is printf-style). */
#define ut_fail(...) do {						\
	char ut_msg_[512];						\
	if (snprintf(ut_msg_, sizeof(ut_msg_), __VA_ARGS__) < 0)	\
		ut_msg_[0] = 0;						\
	ut_say("UTEST FAIL %s/%s: %s\n", ut_prog, ut_case, ut_msg_);	\
	ut_case_failed = 1;						\
} while (0)

/* Report the current case as skipped, honestly, and leave it. */
#define SKIP(...) do {							\
	char ut_msg_[512];						\
	if (snprintf(ut_msg_, sizeof(ut_msg_), __VA_ARGS__) < 0)	\
		ut_msg_[0] = 0;						\
	ut_say("UTEST SKIP %s/%s: %s\n", ut_prog, ut_case, ut_msg_);	\
	ut_case_failed = -1;						\
	return;								\
} while (0)

/* Fail and leave the case unless @cond holds. */
#define EXPECT(cond, ...) do {						\
	if (!(cond)) {							\
		ut_fail(__VA_ARGS__);					\
		return;							\
	}								\
} while (0)

/* @expr must not return a negative value; errno text on failure. */
#define EXPECT_OK(expr) do {						\
	long ut_r_ = (long)(expr);					\
	if (ut_r_ < 0) {						\
		ut_fail("%s: %s", #expr, strerror(errno));		\
		return;							\
	}								\
} while (0)

/* @expr must return -1 with errno == @err. */
#define EXPECT_ERRNO(expr, err) do {					\
	long ut_r_;							\
	errno = 0;							\
	ut_r_ = (long)(expr);						\
	if (ut_r_ != -1 || errno != (err)) {				\
		ut_fail("%s: got %ld (%s), want -1 %s", #expr, ut_r_,	\
			strerror(errno), #err);				\
		return;							\
	}								\
} while (0)

/*
 * Cases named in ut_only (a comma-separated list, set by ut_select()) run;
 * the others are left out without a line.  NULL, the default: all run.
 */
static const char *ut_only;

static int __attribute__((unused)) ut_selected(const char *name)
{
	size_t n = strlen(name);

	for (const char *p = ut_only; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return ut_only == NULL;
}

/*
 * "prog case[,case]": a program that passes its first argument here runs
 * only those cases (how make grade re-runs a case alone, tools/grade).
 */
static void __attribute__((unused)) ut_select(const char *list)
{
	ut_only = list;
}

/* Run one case (if selected) and print its PASS line if nothing failed or skipped. */
#define RUN(fn) do {							\
	if (!ut_selected(#fn))						\
		break;							\
	ut_case = #fn;							\
	ut_case_failed = 0;						\
	fn();								\
	if (ut_case_failed == 0) {					\
		ut_say("UTEST PASS %s/%s\n", ut_prog, ut_case);		\
		ut_npass++;						\
	} else if (ut_case_failed > 0) {				\
		ut_nfail++;						\
	} else {							\
		ut_nskip++;						\
	}								\
} while (0)

static void ut_begin(const char *prog)
{
	ut_prog = prog;
}

/* Remove @path and everything below it; errors are ignored. */
static void __attribute__((unused)) ut_rm_rf(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char sub[512];

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		chmod(path, 0700);
		d = opendir(path);
		while (d && (de = readdir(d)) != NULL) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			ut_rm_rf(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/*
 * Make a fresh private directory under $TMPDIR (default /tmp) and return
 * its path; ut_end() removes it.  Exits the program if that fails,
 * because no file case can run without it.
 */
static const char __attribute__((unused)) *ut_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (ut_tmp[0])
		return ut_tmp;
	if (!base || !*base)
		base = "/tmp";
	snprintf(ut_tmp, sizeof(ut_tmp), "%s/utest-%s-XXXXXX", base, ut_prog);
	if (!mkdtemp(ut_tmp)) {
		ut_say("UTEST FAIL %s/tmpdir: mkdtemp %s: %s\n", ut_prog,
		       ut_tmp, strerror(errno));
		ut_say("UTEST DONE %s %d passed, %d failed\n", ut_prog,
		       ut_npass, ut_nfail + 1);
		exit(1);
	}
	return ut_tmp;
}

/*
 * The state letter (field 3: R, S, Z, t, ...) of the /proc stat file at
 * @path - /proc/PID/stat or /proc/PID/task/TID/stat - or 0 if it is gone.
 * The letter follows the last ')': the name may hold spaces and ')'.
 */
static char __attribute__((unused)) ut_stat_state(const char *path)
{
	char buf[512], *p;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Running on Pagoda rather than Linux? Used only where Pagoda deliberately
 * differs from Linux (each such case says why); everything else must behave
 * the same on both kernels.
 */
static int __attribute__((unused)) ut_on_pagoda(void)
{
	struct utsname u;

	return uname(&u) == 0 && strstr(u.version, "Pagoda") != NULL;
}

/* Build "<tmpdir>/<name>" in a static ring of buffers. */
static const char __attribute__((unused)) *ut_path(const char *name)
{
	static char bufs[8][512];
	static int next;
	char *p = bufs[next++ & 7];

	snprintf(p, 512, "%s/%s", ut_tmpdir(), name);
	return p;
}

/* Fork @n children that exit with their index; on error fail, reap, -1. */
static int __attribute__((unused)) ut_fork_children(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(i);
		if (pids[i] < 0) {
			ut_fail("fork #%d: %s", i, strerror(errno));
			while (wait4(-1, NULL, 0, NULL) > 0)
				;
			return -1;
		}
	}
	return 0;
}

/* fork(); each side closes its unused ends of pipes @c2p and @p2c. */
static pid_t __attribute__((unused)) ut_fork_piped(int c2p[2], int p2c[2])
{
	pid_t pid = fork();

	if (pid == 0) {
		close(c2p[0]);
		close(p2c[1]);
	} else if (pid > 0) {
		close(c2p[1]);
		close(p2c[0]);
	}
	return pid;
}

/* Clean up, print the summary and return the exit status for main(). */
static int ut_end(void)
{
	if (ut_tmp[0])
		ut_rm_rf(ut_tmp);
	ut_say("UTEST DONE %s %d passed, %d failed\n", ut_prog, ut_npass,
	       ut_nfail);
	return ut_nfail == 0 ? 0 : 1;
}

#endif /* UTEST_H */
