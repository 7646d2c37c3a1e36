/*
 * misc_test.c - the small system calls: uname, clocks and sleeps,
 * getrandom, sched_yield, credentials, sessions and process groups,
 * resource limits, ENOSYS, the TLS base, set_tid_address and futex.
 *
 * Sleeps are checked against CLOCK_MONOTONIC with lower bounds only.
 * Credentials are compared with each other, never with 0, because the
 * host run may not be root.  Anything that changes process-wide state
 * (setsid, RLIMIT_NOFILE) runs in a child.
 */
#include "utest.h"

#include <fcntl.h>
#include <stdint.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#define ARCH_GET_FS	0x1003
#define FUTEX_WAIT	0
#define FUTEX_WAKE	1

static long long ns_now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Run @fn in a child; its return value becomes the exit status. */
static int in_child(int (*fn)(void))
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn());
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void uname_fields(void)
{
	struct utsname u;

	EXPECT_OK(uname(&u));
	EXPECT(!strcmp(u.sysname, "Linux"), "sysname \"%s\", want Linux",
	       u.sysname);
	EXPECT(u.release[0], "empty release");
	EXPECT(u.version[0], "empty version");
	EXPECT(!strcmp(u.machine, "x86_64"), "machine \"%s\"", u.machine);
	EXPECT(u.nodename[0], "empty nodename");
}

static void monotonic_increases(void)
{
	struct timespec res, a, b;
	long long t0, t1;

	EXPECT_OK(clock_getres(CLOCK_MONOTONIC, &res));
	EXPECT(res.tv_sec == 0 && res.tv_nsec > 0, "resolution %ld.%09ld",
	       (long)res.tv_sec, res.tv_nsec);
	EXPECT_OK(clock_gettime(CLOCK_MONOTONIC, &a));
	EXPECT_OK(clock_gettime(CLOCK_MONOTONIC, &b));
	EXPECT(b.tv_nsec >= 0 && b.tv_nsec < 1000000000L, "bad tv_nsec");
	EXPECT(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec &&
	       b.tv_nsec >= a.tv_nsec), "monotonic clock went backwards");
	t0 = ns_now(CLOCK_MONOTONIC);
	usleep(2000);
	t1 = ns_now(CLOCK_MONOTONIC);
	EXPECT(t1 > t0, "monotonic clock did not advance over a sleep");
	EXPECT_ERRNO(clock_gettime((clockid_t)1234, &a), EINVAL);
}

static void nanosleep_50ms(void)
{
	struct timespec ts = { 0, 50 * 1000000L };
	long long t0 = ns_now(CLOCK_MONOTONIC), dt;

	EXPECT_OK(nanosleep(&ts, NULL));
	dt = ns_now(CLOCK_MONOTONIC) - t0;
	EXPECT(dt >= 50000000LL, "slept %lld ns, want >= 50 ms", dt);
	ts.tv_nsec = 1000000000L;
	EXPECT_ERRNO(nanosleep(&ts, NULL), EINVAL);
}

static void clock_nanosleep_rel_abs(void)
{
	struct timespec ts = { 0, 20 * 1000000L }, until;
	long long t0 = ns_now(CLOCK_MONOTONIC), dt;
	int r;

	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	EXPECT(r == 0, "relative: %s", strerror(r));
	dt = ns_now(CLOCK_MONOTONIC) - t0;
	EXPECT(dt >= 20000000LL, "relative sleep %lld ns, want >= 20 ms", dt);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += 30 * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
	EXPECT(r == 0, "absolute: %s", strerror(r));
	EXPECT(ns_now(CLOCK_MONOTONIC) >=
	       until.tv_sec * 1000000000LL + until.tv_nsec,
	       "absolute sleep woke before its deadline");
}

static void gettimeofday_consistent(void)
{
	struct timeval tv;
	struct timespec ts;

	EXPECT_OK(gettimeofday(&tv, NULL));
	EXPECT_OK(clock_gettime(CLOCK_REALTIME, &ts));
	EXPECT(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec %ld",
	       (long)tv.tv_usec);
	EXPECT(ts.tv_sec - tv.tv_sec >= 0 && ts.tv_sec - tv.tv_sec <= 2,
	       "gettimeofday %ld vs CLOCK_REALTIME %ld", (long)tv.tv_sec,
	       (long)ts.tv_sec);
}

static void getrandom_bytes(void)
{
	unsigned char a[64], b[64];
	int i, nonzero = 0;

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	EXPECT(getrandom(a, sizeof(a), 0) == sizeof(a), "getrandom: %s",
	       strerror(errno));
	EXPECT(getrandom(b, sizeof(b), 0) == sizeof(b), "getrandom: %s",
	       strerror(errno));
	for (i = 0; i < 64; i++)
		nonzero |= a[i];
	EXPECT(nonzero, "64 random bytes all zero");
	EXPECT(memcmp(a, b, sizeof(a)), "two calls returned the same bytes");
	EXPECT_ERRNO(getrandom(a, sizeof(a), 0x1000), EINVAL);
}

static void yield(void)
{
	EXPECT(sched_yield() == 0, "sched_yield: %s", strerror(errno));
}

static void credentials(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	EXPECT_OK(getresuid(&r, &e, &s));
	EXPECT_OK(getresgid(&gr, &ge, &gs));
	EXPECT(getuid() == r && geteuid() == e, "uid %d/%d vs resuid %d/%d",
	       getuid(), geteuid(), r, e);
	EXPECT(getgid() == gr && getegid() == ge, "gid %d/%d vs resgid %d/%d",
	       getgid(), getegid(), gr, ge);
	EXPECT(getgroups(0, NULL) >= 0, "getgroups: %s", strerror(errno));
}

static int setsid_child(void)
{
	pid_t me = getpid();

	if (setsid() != me)
		return 1;
	if (getsid(0) != me || getpgid(0) != me || getpgrp() != me)
		return 2;
	if (setsid() != -1 || errno != EPERM)
		return 3;	/* a session leader cannot do it again */
	if (setpgid(0, 0) != -1 || errno != EPERM)
		return 4;	/* nor move to another group */
	return 0;
}

static void sessions_and_groups(void)
{
	int st, p[2];
	pid_t pid;
	char c;

	/* 0 is legal: children of a kernel-started init are in session 0. */
	EXPECT(getsid(0) >= 0, "getsid: %s", strerror(errno));
	EXPECT(getpgid(0) == getpgrp(), "getpgid(0) != getpgrp()");
	st = in_child(setsid_child);
	EXPECT(st == 0, "setsid child failed step %d", st);
	EXPECT_OK(pipe(p));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) < 0);
	}
	close(p[0]);
	EXPECT_OK(setpgid(pid, pid));
	EXPECT(getpgid(pid) == pid, "child's pgid %d, want %d", getpgid(pid),
	       pid);
	close(p[1]);
	waitpid(pid, &st, 0);
	EXPECT_ERRNO(getpgid(999999), ESRCH);
}

static int nofile_child(void)
{
	struct rlimit rl = { 8, 8 };
	int fd, maxfd = -1;

	for (fd = 8; fd < 64; fd++)
		close(fd);
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1;
	while ((fd = open("/", O_RDONLY)) >= 0)
		maxfd = fd;
	if (errno != EMFILE)
		return 2;
	if (maxfd != 7)
		return 3;
	if (dup(maxfd) != -1 || errno != EMFILE)
		return 4;
	return 0;
}

static void rlimits(void)
{
	struct rlimit rl, rl2;
	int st;

	EXPECT_OK(getrlimit(RLIMIT_NOFILE, &rl));
	EXPECT(rl.rlim_cur > 8 && rl.rlim_cur <= rl.rlim_max,
	       "NOFILE %llu/%llu", (unsigned long long)rl.rlim_cur,
	       (unsigned long long)rl.rlim_max);
	EXPECT_OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl2));
	EXPECT(rl2.rlim_cur == rl.rlim_cur && rl2.rlim_max == rl.rlim_max,
	       "prlimit64 disagrees with getrlimit");
	EXPECT_OK(getrlimit(RLIMIT_STACK, &rl2));
	EXPECT(rl2.rlim_cur > 0, "RLIMIT_STACK is 0");
	rl2.rlim_cur = rl.rlim_max;
	rl2.rlim_max = rl.rlim_max;
	if (rl.rlim_max != RLIM_INFINITY) {
		rl2.rlim_cur = rl.rlim_max + 1;
		EXPECT_ERRNO(setrlimit(RLIMIT_NOFILE, &rl2), EINVAL);
	}
	st = in_child(nofile_child);
	EXPECT(st == 0, "lowered RLIMIT_NOFILE not enforced (step %d)", st);
}

static void unknown_syscall(void)
{
	EXPECT_ERRNO(syscall(1000), ENOSYS);
	EXPECT_ERRNO(syscall(-1L), ENOSYS);
}

static void tls_base(void)
{
	unsigned long fs = 0;

	EXPECT_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
	EXPECT(fs == (unsigned long)__builtin_thread_pointer(),
	       "ARCH_GET_FS %#lx, thread pointer %p", fs,
	       __builtin_thread_pointer());
	EXPECT(*(unsigned long *)fs == fs, "%%fs:0 does not point to itself");
}

static int tid_word;

static void tid_address(void)
{
	long tid = syscall(SYS_set_tid_address, &tid_word);

	EXPECT(tid == syscall(SYS_gettid), "set_tid_address returned %ld", tid);
}

static void futex_basics(void)
{
	static int word = 5;
	struct timespec to = { 0, 10 * 1000000L };
	long long t0, dt;

	EXPECT(syscall(SYS_futex, &word, FUTEX_WAKE, 1, NULL, NULL, 0) == 0,
	       "wake with no waiters: %s", strerror(errno));
	EXPECT_ERRNO(syscall(SYS_futex, &word, FUTEX_WAIT, 6, NULL, NULL, 0),
		     EAGAIN);
	t0 = ns_now(CLOCK_MONOTONIC);
	EXPECT_ERRNO(syscall(SYS_futex, &word, FUTEX_WAIT, 5, &to, NULL, 0),
		     ETIMEDOUT);
	dt = ns_now(CLOCK_MONOTONIC) - t0;
	EXPECT(dt >= 10000000LL, "futex timeout after %lld ns, want >= 10 ms",
	       dt);
	EXPECT_ERRNO(syscall(SYS_futex, (char *)&word + 1, FUTEX_WAIT, 5, &to,
			     NULL, 0), EINVAL);
}

int main(void)
{
	ut_begin("misc_test");
	RUN(uname_fields);
	RUN(monotonic_increases);
	RUN(nanosleep_50ms);
	RUN(clock_nanosleep_rel_abs);
	RUN(gettimeofday_consistent);
	RUN(getrandom_bytes);
	RUN(yield);
	RUN(credentials);
	RUN(sessions_and_groups);
	RUN(rlimits);
	RUN(unknown_syscall);
	RUN(tls_base);
	RUN(tid_address);
	RUN(futex_basics);
	return ut_end();
}
