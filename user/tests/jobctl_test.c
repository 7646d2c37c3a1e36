/*
 * jobctl_test.c - job control: stopping and continuing processes with
 * SIGSTOP, SIGTSTP and SIGCONT, how wait4(2) and SIGCHLD report it, and
 * what a stop or a signal handler does to a blocking system call.
 *
 * Covered: a stop and a continue are each reported once (WUNTRACED,
 * WCONTINUED) and the stop only with WUNTRACED; /proc shows a stopped
 * process as T; a stopped process keeps other signals pending until
 * SIGCONT, but SIGKILL ends it at once; SIGTSTP stops by default (in a
 * process group that is not orphaned) and only runs a handler if there
 * is one; a SIGCONT handler runs once the process continues; SIGCHLD with
 * SA_SIGINFO says CLD_STOPPED/CLD_CONTINUED, and not at all with
 * SA_NOCLDSTOP; read(2) and waitpid(2) survive a stop and continue
 * unnoticed; a handler makes read fail with EINTR unless it has
 * SA_RESTART, and always makes pause(2) and sigsuspend(2) return EINTR
 * (which a stop and continue do not); wait4's option checks.
 *
 * Children are synchronised with pipes and waitpid, never by sleeping.
 * The only polling waits (at most 5 s) for a state /proc/PID/stat shows,
 * such as a child asleep (S) in the call a signal is meant to interrupt.
 * Every child a case forks is tracked and, whatever happens, SIGKILLed
 * and reaped after the case; a watchdog fails a case that makes no
 * progress for WATCHDOG_S seconds and kills its children, so that its
 * waits return and one broken case cannot hang the program.
 */
#include "utest.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>

#define WATCHDOG_S	20
#define MAXKIDS		8
#define MAXFDS		32

/* ---- children, pipes (kids_util.h) and the watchdog ---- */

#include "kids_util.h"

static volatile sig_atomic_t hits, nchld;

/*
 * After every case: kill all its children, reap them, close its pipes,
 * and put back SIGCHLD's default action and an empty signal mask.
 */
static void clean_up(void)
{
	sigset_t none;
	int st;

	for (int i = 0; i < nkids; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < nkids; i++)
		while (waitpid(kids[i], &st, __WALL) < 0 && errno == EINTR)
			;
	nkids = 0;
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	nfds = 0;
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	hits = nchld = 0;
}

/* Every case runs under the watchdog and is cleaned up after. */
#define CASE(fn) do {							\
	alarm(WATCHDOG_S);						\
	RUN(fn);							\
	alarm(0);							\
	clean_up();							\
} while (0)

/* ---- small helpers ---- */

/* A wait status in words, for failure messages. */
static const char *st_str(int st)
{
	static char bufs[4][64];
	static int next;
	char *b = bufs[next++ & 3];

	if (st == -1)
		snprintf(b, 64, "no status (%s)", strerror(errno));
	else if (WIFEXITED(st))
		snprintf(b, 64, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(b, 64, "killed by signal %d", WTERMSIG(st));
	else if (WIFSTOPPED(st))
		snprintf(b, 64, "stopped by %d", WSTOPSIG(st));
	else if (WIFCONTINUED(st))
		snprintf(b, 64, "continued");
	else
		snprintf(b, 64, "status %#x", st);
	return b;
}

static bool is_stop(int st, int sig)
{
	return st != -1 && WIFSTOPPED(st) && WSTOPSIG(st) == sig;
}

static bool is_cont(int st)
{
	return st != -1 && WIFCONTINUED(st);
}

/*
 * Is @sig pending for @pid, for the thread or the whole process
 * (/proc/PID/status SigPnd, ShdPnd)? 1, 0, or -1 if that cannot be read.
 */
static int sig_pending(pid_t pid, int sig)
{
	static const char *const keys[] = { "\nSigPnd:", "\nShdPnd:" };
	char path[64], buf[4096], *p;
	unsigned long mask = 0;
	ssize_t n;
	int fd, found = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	for (int i = 0; i < 2; i++) {
		p = strstr(buf, keys[i]);
		if (p) {
			mask |= strtoul(p + strlen(keys[i]), NULL, 16);
			found = 1;
		}
	}
	return found ? !!(mask & (1ul << (sig - 1))) : -1;
}

static int set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	return sigaction(sig, &sa, NULL);
}

/* Says 'r', reads one byte; exits read_verdict() (0 if it was 'x'). */
static void reader_body(int up, int down, long arg)
{
	ssize_t n;
	char c = 0;

	(void)arg;
	if (write(up, "r", 1) != 1)
		_exit(90);
	n = read(down, &c, 1);
	_exit(read_verdict(n, c));
}

static int hfd = -1;		/* in a child: where on_report() reports */

/* A handler that counts, and says 'h' on hfd if that is set. */
static void on_report(int sig)
{
	char c = 'h';

	(void)sig;
	hits++;
	if (hfd >= 0 && write(hfd, &c, 1) < 0)
		_exit(91);
}

/*
 * Catches signal @arg with on_report (SA_RESTART), says 'r', then reads
 * until 'q' (exit 0) or EOF (exit 3).
 */
static void catcher_body(int up, int down, long arg)
{
	ssize_t n;
	char c;

	hfd = up;
	if (set_handler((int)arg, on_report, SA_RESTART) < 0 || write(up, "r", 1) != 1)
		_exit(90);
	for (;;) {
		n = read(down, &c, 1);
		if (n == 1 && c == 'q')
			_exit(0);
		if (n == 0)
			_exit(3);
		if (n < 0 && errno != EINTR)
			_exit(2);
	}
}

/* Says 'r', then answers each byte b with b + 1 until 'q' (exit 0). */
static void echo_body(int up, int down, long arg)
{
	ssize_t n;
	char c;

	(void)arg;
	if (write(up, "r", 1) != 1)
		_exit(90);
	for (;;) {
		n = read(down, &c, 1);
		if (n == 1 && c == 'q')
			_exit(0);
		if (n != 1)
			_exit(read_verdict(n, c));
		c++;
		if (write(up, &c, 1) != 1)
			_exit(5);
	}
}

/* Send @c to an echo_body child; its answer must be @c + 1. */
static bool echo(int from, int to, char c)
{
	char a = 0;

	return write(to, &c, 1) == 1 && read(from, &a, 1) == 1 && a == c + 1;
}

static const char *start_err;

/*
 * Start @body (reader_body if NULL) and wait until it has said 'r' and is
 * asleep. The pid, or -1 with the reason in start_err.
 */
static pid_t start_kid(body_fn *body, long arg, int *from, int *to)
{
	static char why[128];
	pid_t pid = spawn_body(body ? body : reader_body, arg, from, to);
	char c = 0, s;

	if (pid < 0) {
		snprintf(why, sizeof(why), "fork/pipe: %s", strerror(errno));
		start_err = why;
		return -1;
	}
	if (read(*from, &c, 1) != 1 || c != 'r') {
		start_err = "the child never said it was ready";
		return -1;
	}
	s = wait_state(pid, "S");
	if (s != 'S') {
		snprintf(why, sizeof(why), "the child's state is %c, not S (asleep)", s);
		start_err = why;
		return -1;
	}
	return pid;
}

/*
 * SIGSTOP @pid and see the stop (WUNTRACED), SIGCONT it and see that
 * (WCONTINUED). NULL, or what went wrong.
 */
static const char *stop_and_continue(pid_t pid)
{
	static char why[128];
	int st;

	if (kill(pid, SIGSTOP) < 0)
		return "kill SIGSTOP failed";
	wait_kid(pid, &st, WUNTRACED);
	if (!is_stop(st, SIGSTOP)) {
		snprintf(why, sizeof(why), "after SIGSTOP: %s, want stopped", st_str(st));
		return why;
	}
	if (kill(pid, SIGCONT) < 0)
		return "kill SIGCONT failed";
	wait_kid(pid, &st, WCONTINUED);
	if (!is_cont(st)) {
		snprintf(why, sizeof(why), "after SIGCONT: %s, want continued", st_str(st));
		return why;
	}
	return NULL;
}

#define EXPECT_NULL(expr) do {						\
	const char *why_ = (expr);					\
	EXPECT(why_ == NULL, "%s", why_);				\
} while (0)

/* ---- the cases ---- */

/*
 * SIGSTOP stops a child (state T). waitpid reports the stop only with
 * WUNTRACED, and only once; after SIGCONT it reports the continue only
 * with WCONTINUED, and only once.
 */
static void stop_cont_wuntraced(void)
{
	int from, to, st;
	pid_t pid;
	char s;

	pid = start_kid(NULL, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_OK(kill(pid, SIGSTOP));
	s = wait_state(pid, "T");
	EXPECT(s == 'T', "state %c after SIGSTOP, want T", s);
	EXPECT(wait_kid(pid, &st, WNOHANG) == 0, "without WUNTRACED: %s, want nothing",
	       st_str(st));
	wait_kid(pid, &st, WUNTRACED);
	EXPECT(is_stop(st, SIGSTOP), "with WUNTRACED: %s, want stopped by SIGSTOP",
	       st_str(st));
	EXPECT(wait_kid(pid, &st, WUNTRACED | WNOHANG) == 0, "the stop reported again: %s",
	       st_str(st));
	EXPECT_OK(kill(pid, SIGCONT));
	wait_kid(pid, &st, WCONTINUED);
	EXPECT(is_cont(st), "with WCONTINUED: %s, want continued", st_str(st));
	EXPECT(wait_kid(pid, &st, WCONTINUED | WUNTRACED | WNOHANG) == 0,
	       "the continue reported again: %s", st_str(st));
	s = wait_state(pid, "S");
	EXPECT(s == 'S', "state %c after SIGCONT, want S (back in its read)", s);
	EXPECT(write(to, "x", 1) == 1, "write: %s", strerror(errno));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0 (" READ_CODES ")", st_str(st));
}

/*
 * A stopped process does not run, not even a handler: a SIGUSR1 sent to
 * it stays pending (and the process stopped) until SIGCONT, then the
 * handler runs. SIGKILL, though, ends a stopped process at once.
 */
static void stopped_child_ignores_signals_until_cont(void)
{
	int from, to, st, pend;
	pid_t pid;
	char c;

	pid = start_kid(catcher_body, SIGUSR1, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_OK(kill(pid, SIGSTOP));
	wait_kid(pid, &st, WUNTRACED);
	EXPECT(is_stop(st, SIGSTOP), "after SIGSTOP: %s", st_str(st));
	EXPECT_OK(kill(pid, SIGUSR1));
	pend = sig_pending(pid, SIGUSR1);
	EXPECT(pend == 1, "SIGUSR1 is %s", pend < 0 ? "not in /proc/PID/status" : "not pending");
	EXPECT(proc_state(pid) == 'T', "state %c with SIGUSR1 pending, want T",
	       proc_state(pid));
	EXPECT_OK(fcntl(from, F_SETFL, O_NONBLOCK));
	EXPECT_ERRNO(read(from, &c, 1), EAGAIN);	/* no 'h': the handler did not run */
	EXPECT_OK(fcntl(from, F_SETFL, 0));
	EXPECT_OK(kill(pid, SIGCONT));
	EXPECT(read(from, &c, 1) == 1 && c == 'h', "the handler did not run after SIGCONT");
	EXPECT(write(to, "q", 1) == 1, "write: %s", strerror(errno));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0", st_str(st));

	pid = start_kid(NULL, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_OK(kill(pid, SIGSTOP));
	wait_kid(pid, &st, WUNTRACED);
	EXPECT(is_stop(st, SIGSTOP), "after SIGSTOP: %s", st_str(st));
	EXPECT_OK(kill(pid, SIGKILL));
	wait_kid(pid, &st, 0);
	EXPECT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	       "SIGKILL to a stopped child: %s, want killed by SIGKILL", st_str(st));
}

/* Kill and reap @g, return @code: how tstp_in_own_group() fails. */
static int tstp_fail(pid_t g, int code)
{
	kill(g, SIGKILL);
	waitpid(g, NULL, 0);
	return code;
}

/*
 * Run by a child of the test: make a process group of our own and stop a
 * child G of ours in it with SIGTSTP. Our group is not orphaned (our
 * parent, the test, is in another group of the same session), so the
 * default action applies. 0, or which step failed.
 */
static int tstp_in_own_group(void)
{
	int p[2], st;
	pid_t g;
	char c;

	if (setpgid(0, 0) < 0 || pipe(p) < 0)
		return 10;
	g = fork();
	if (g < 0)
		return 11;
	if (g == 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 3);
	}
	close(p[0]);
	if (getpgid(g) != getpgrp())
		return tstp_fail(g, 12);
	if (kill(g, SIGTSTP) < 0)
		return tstp_fail(g, 13);
	if (waitpid(g, &st, WUNTRACED) != g || !is_stop(st, SIGTSTP))
		return tstp_fail(g, 14);
	if (proc_state(g) != 'T')
		return tstp_fail(g, 15);
	if (kill(g, SIGCONT) < 0 || waitpid(g, &st, WCONTINUED) != g || !is_cont(st))
		return tstp_fail(g, 16);
	if (write(p[1], "x", 1) != 1 || waitpid(g, &st, 0) != g || !is_exit(st, 0))
		return tstp_fail(g, 17);
	return 0;
}

/*
 * SIGTSTP's default action stops the process, like SIGSTOP, and waitpid
 * says so (WSTOPSIG SIGTSTP). POSIX discards it for a process in an
 * orphaned process group, so the stop is tried in a group that is not.
 */
static void sigtstp_default_stops(void)
{
	pid_t pid;
	int st;

	pid = spawn();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(tstp_in_own_group());
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0 (10 setpgid, 12 not in our group, 14 not "
	       "stopped by SIGTSTP, 15 not T, 16 not continued, 17 no clean exit)", st_str(st));
}

/* With a handler, SIGTSTP runs it and the process does not stop. */
static void sigtstp_handler(void)
{
	int from, to, st;
	pid_t pid;
	char c, s;

	pid = start_kid(catcher_body, SIGTSTP, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_OK(kill(pid, SIGTSTP));
	EXPECT(read(from, &c, 1) == 1 && c == 'h', "the SIGTSTP handler did not run");
	s = wait_state(pid, "ST");
	EXPECT(s == 'S', "state %c after the handler, want S (back in its read)", s);
	EXPECT(write(to, "q", 1) == 1, "write: %s", strerror(errno));
	wait_kid(pid, &st, WUNTRACED);
	EXPECT(is_exit(st, 0), "%s, want exited 0 and never stopped", st_str(st));
}

/*
 * SIGCONT continues a stopped process whatever its disposition; with a
 * handler the handler then runs too.
 */
static void sigcont_handler_runs_and_continues(void)
{
	int from, to, st;
	pid_t pid;
	char c;

	pid = start_kid(catcher_body, SIGCONT, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_OK(kill(pid, SIGSTOP));
	wait_kid(pid, &st, WUNTRACED);
	EXPECT(is_stop(st, SIGSTOP), "after SIGSTOP: %s", st_str(st));
	EXPECT_OK(kill(pid, SIGCONT));
	EXPECT(read(from, &c, 1) == 1 && c == 'h', "the SIGCONT handler did not run");
	wait_kid(pid, &st, WCONTINUED);
	EXPECT(is_cont(st), "with WCONTINUED: %s, want continued", st_str(st));
	EXPECT(write(to, "q", 1) == 1, "write: %s", strerror(errno));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0", st_str(st));
}

static volatile int chld_code[4], chld_pid[4], chld_status[4];

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (nchld < 4) {
		chld_code[nchld] = si->si_code;
		chld_pid[nchld] = si->si_pid;
		chld_status[nchld] = si->si_status;
	}
	nchld++;
}

/* Block SIGCHLD and catch it with on_chld (SA_SIGINFO | @flags). */
static int catch_sigchld(int flags)
{
	struct sigaction sa;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
	nchld = 0;
	return sigaction(SIGCHLD, &sa, NULL);
}

/*
 * A child's stop and continue each send its parent SIGCHLD, whose siginfo
 * says CLD_STOPPED (si_status the stop signal) and CLD_CONTINUED
 * (si_status SIGCONT), with the child's pid. SIGCHLD is blocked, and
 * sigsuspend takes exactly one at a time.
 */
static void sigchld_on_stop(void)
{
	int from, to, st;
	sigset_t none;
	pid_t pid;

	sigemptyset(&none);
	EXPECT_OK(catch_sigchld(0));
	pid = start_kid(NULL, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_OK(kill(pid, SIGSTOP));
	sigsuspend(&none);
	EXPECT(nchld == 1, "%d SIGCHLDs for the stop, want 1", (int)nchld);
	EXPECT(chld_code[0] == CLD_STOPPED && chld_pid[0] == pid && chld_status[0] == SIGSTOP,
	       "stop: si_code %d pid %d status %d, want CLD_STOPPED %d SIGSTOP", chld_code[0],
	       chld_pid[0], chld_status[0], (int)pid);
	EXPECT_OK(kill(pid, SIGCONT));
	sigsuspend(&none);
	EXPECT(nchld == 2, "%d SIGCHLDs after the continue, want 2", (int)nchld);
	EXPECT(chld_code[1] == CLD_CONTINUED && chld_pid[1] == pid && chld_status[1] == SIGCONT,
	       "continue: si_code %d pid %d status %d, want CLD_CONTINUED %d SIGCONT",
	       chld_code[1], chld_pid[1], chld_status[1], (int)pid);
	EXPECT(write(to, "x", 1) == 1, "write: %s", strerror(errno));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0 (" READ_CODES ")", st_str(st));
}

/*
 * With SA_NOCLDSTOP there is no SIGCHLD for a stop or a continue: none is
 * pending once the child has been stopped, continued and has answered
 * again. Its exit still sends one (CLD_EXITED).
 */
static void sigchld_nocldstop(void)
{
	int from, to, st;
	sigset_t pend, none;
	pid_t pid;

	sigemptyset(&none);
	EXPECT_OK(catch_sigchld(SA_NOCLDSTOP));
	pid = start_kid(echo_body, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_NULL(stop_and_continue(pid));
	/* It has run again: any notice of its stop or continue was sent by now. */
	EXPECT(echo(from, to, 'a'), "the child does not answer after SIGCONT");
	EXPECT_OK(sigpending(&pend));
	EXPECT(!sigismember(&pend, SIGCHLD), "SIGCHLD pending despite SA_NOCLDSTOP");
	EXPECT(write(to, "q", 1) == 1, "write: %s", strerror(errno));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0", st_str(st));
	EXPECT_OK(sigpending(&pend));
	EXPECT(sigismember(&pend, SIGCHLD), "no SIGCHLD for the exit");
	EXPECT_OK(sigprocmask(SIG_SETMASK, &none, NULL));
	EXPECT(nchld == 1 && chld_code[0] == CLD_EXITED, "%d SIGCHLDs, si_code %d, want one "
	       "CLD_EXITED", (int)nchld, chld_code[0]);
}

/*
 * A waiter: forks G, which reads one byte from @down and exits 5; says
 * 'r' and waits for G. Exits 0 if waitpid returned G's exit, 1 on EINTR.
 */
static void waiter_body(int up, int down, long arg)
{
	pid_t g, r;
	char c;
	int st;

	(void)arg;
	g = fork();
	if (g < 0)
		_exit(90);
	if (g == 0)
		_exit(read(down, &c, 1) == 1 ? 5 : 6);
	close(down);
	if (write(up, "r", 1) != 1)
		_exit(90);
	r = waitpid(g, &st, 0);
	if (r < 0)
		_exit(errno == EINTR ? 1 : 2);
	_exit(r == g && is_exit(st, 5) ? 0 : 3);
}

/*
 * A process stopped and continued in the middle of a blocking read(2) or
 * waitpid(2), with no handler involved, goes on waiting as if nothing had
 * happened: the call is restarted, never fails with EINTR.
 */
static void syscall_restart_after_stop(void)
{
	int from, to, st;
	pid_t pid;

	pid = start_kid(NULL, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_NULL(stop_and_continue(pid));
	EXPECT(write(to, "x", 1) == 1, "write: %s", strerror(errno));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "the reader: %s, want exited 0 (" READ_CODES ")", st_str(st));

	pid = start_kid(waiter_body, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_NULL(stop_and_continue(pid));
	EXPECT(write(to, "x", 1) == 1, "write: %s", strerror(errno));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "the waiter: %s, want exited 0 (1: waitpid gave EINTR, "
	       "3: not its child's exit)", st_str(st));
}

/*
 * Says it is ready, then sleeps 3 s: exits 0 when nanosleep returned 0, 1
 * for EINTR with time left in rem, 2 otherwise. With @arg, a SIGUSR1
 * handler (SA_RESTART) reports 'h' on @up first.
 */
static void sleeper_body(int up, int down, long arg)
{
	struct timespec req = { 3, 0 }, rem = { 0, 0 };
	int r;

	(void)down;
	hfd = up;
	if ((arg && set_handler(SIGUSR1, on_report, SA_RESTART) < 0) || write(up, "r", 1) != 1)
		_exit(90);
	r = nanosleep(&req, &rem);
	if (r == 0)
		_exit(0);
	_exit(errno == EINTR && (rem.tv_sec || rem.tv_nsec) ? 1 : 2);
}

/*
 * nanosleep stopped and continued sleeps on (Linux restarts it through
 * restart_syscall with the time left) and returns 0; a handler ends it
 * with EINTR and the time left, SA_RESTART or not.
 */
static void nanosleep_after_stop(void)
{
	int from, to, st;
	pid_t pid;
	char c;

	pid = start_kid(sleeper_body, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_NULL(stop_and_continue(pid));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "stopped sleeper: %s, want exited 0 (1: EINTR)", st_str(st));

	pid = start_kid(sleeper_body, 1, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT(kill(pid, SIGUSR1) == 0 && read(from, &c, 1) == 1 && c == 'h',
	       "the handler did not run");
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 1), "sleeper with a handler: %s, want exited 1 (EINTR, time left)",
	       st_str(st));
}

/* A reader with a SIGUSR1 handler (on_report) of flags @arg; exits read_verdict(). */
static void usr1_reader_body(int up, int down, long arg)
{
	ssize_t n;
	char c = 0;

	hfd = up;
	if (set_handler(SIGUSR1, on_report, (int)arg) < 0 || write(up, "r", 1) != 1)
		_exit(90);
	n = read(down, &c, 1);
	_exit(read_verdict(n, c));
}

/*
 * SIGUSR1 (handler flags @flags) to a child asleep in read; once the
 * handler has run, a byte is written. The child's exit status, or -1.
 */
static int read_with_handler(int flags, const char **why)
{
	int from, to, st;
	pid_t pid;
	char c;

	pid = start_kid(usr1_reader_body, flags, &from, &to);
	if (pid < 0) {
		*why = start_err;
		return -1;
	}
	if (kill(pid, SIGUSR1) < 0 || read(from, &c, 1) != 1 || c != 'h') {
		*why = "the handler did not run";
		return -1;
	}
	/* The read has returned or been restarted by now; an EPIPE is fine. */
	if (write(to, "x", 1) < 0 && errno != EPIPE) {
		*why = strerror(errno);
		return -1;
	}
	wait_kid(pid, &st, 0);
	*why = st_str(st);
	return st;
}

/*
 * A handler interrupts a blocking read: without SA_RESTART the read fails
 * with EINTR once the handler returns; with SA_RESTART it is restarted and
 * returns the byte written later.
 */
static void handler_interrupts_read(void)
{
	const char *why;
	int st;

	st = read_with_handler(0, &why);
	EXPECT(is_exit(st, 1), "no SA_RESTART: %s, want exited 1 (EINTR; 0 the byte, "
	       "%s)", why, READ_CODES);
	st = read_with_handler(SA_RESTART, &why);
	EXPECT(is_exit(st, 0), "SA_RESTART: %s, want exited 0 (the byte; %s)", why,
	       READ_CODES);
}

/*
 * Waits in pause(), then in sigsuspend() (saying 's' in between), with a
 * SIGUSR1 handler that has SA_RESTART. Exits 0 if each returned -1 EINTR
 * and only after one more run of the handler; 1 or 2 if pause or
 * sigsuspend did not.
 */
static void pauser_body(int up, int down, long arg)
{
	int r1, e1, h1, r2, e2, h2;
	sigset_t none;

	(void)down;
	(void)arg;
	sigemptyset(&none);
	if (set_handler(SIGUSR1, on_report, SA_RESTART) < 0 || write(up, "r", 1) != 1)
		_exit(90);
	hfd = -1;			/* on_report: no reports, just counting */
	r1 = pause();
	e1 = errno;
	h1 = hits;
	if (write(up, "s", 1) != 1)
		_exit(90);
	r2 = sigsuspend(&none);
	e2 = errno;
	h2 = hits;
	_exit((r1 == -1 && e1 == EINTR && h1 == 1 ? 0 : 1) |
	      (r2 == -1 && e2 == EINTR && h2 == 2 ? 0 : 2));
}

/*
 * pause(2) and sigsuspend(2) return only after a handler has run, and
 * then always with EINTR (even with SA_RESTART); a stop and continue with
 * no handler does not end them: the child is back asleep afterwards.
 */
static void pause_sigsuspend_eintr_only_after_handler(void)
{
	int from, to, st;
	pid_t pid;
	char c, s;

	pid = start_kid(pauser_body, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_NULL(stop_and_continue(pid));
	s = wait_state(pid, "SZ");
	EXPECT(s == 'S', "state %c after SIGCONT, want S (still in pause)", s);
	EXPECT_OK(kill(pid, SIGUSR1));
	EXPECT(read(from, &c, 1) == 1 && c == 's', "pause did not return");
	s = wait_state(pid, "SZ");
	EXPECT(s == 'S', "state %c, want S (in sigsuspend)", s);
	EXPECT_NULL(stop_and_continue(pid));
	s = wait_state(pid, "SZ");
	EXPECT(s == 'S', "state %c after SIGCONT, want S (still in sigsuspend)", s);
	EXPECT_OK(kill(pid, SIGUSR1));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0 (1: pause, 2: sigsuspend returned "
	       "without EINTR or before the handler)", st_str(st));
}

/*
 * wait4's options: an unknown bit is EINVAL; WNOHANG on a child that has
 * not changed state returns 0; __WALL is accepted; a pid that is not our
 * child, or no children at all, is ECHILD.
 */
static void wait4_flags(void)
{
	int from, to, st;
	pid_t pid;

	pid = start_kid(NULL, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_ERRNO(waitpid(pid, &st, 0x100), EINVAL);
	EXPECT_ERRNO(waitpid(pid, &st, WNOHANG | 0x10000), EINVAL);
	EXPECT_ERRNO(wait4(pid, &st, 0x100, NULL), EINVAL);
	EXPECT(wait_kid(pid, &st, WNOHANG) == 0, "WNOHANG on a running child: %s",
	       st_str(st));
	EXPECT(wait_kid(pid, &st, WNOHANG | WUNTRACED | WCONTINUED | __WALL) == 0,
	       "WNOHANG|WUNTRACED|WCONTINUED|__WALL on a running child: %s", st_str(st));
	EXPECT_ERRNO(waitpid(getpid(), &st, WNOHANG), ECHILD);
	EXPECT(write(to, "x", 1) == 1, "write: %s", strerror(errno));
	EXPECT(wait_kid(pid, &st, __WALL) == pid, "waitpid __WALL: %s", strerror(errno));
	EXPECT(is_exit(st, 0), "%s, want exited 0", st_str(st));
	EXPECT_ERRNO(waitpid(-1, &st, WNOHANG), ECHILD);
	EXPECT_ERRNO(waitpid(pid, &st, 0), ECHILD);
}

int main(void)
{
	set_handler(SIGALRM, on_watchdog, 0);	/* no SA_RESTART: a hung wait returns */
	signal(SIGPIPE, SIG_IGN);		/* a child may be gone when we write */
	ut_begin("jobctl_test");
	CASE(stop_cont_wuntraced);
	CASE(stopped_child_ignores_signals_until_cont);
	CASE(sigtstp_default_stops);
	CASE(sigtstp_handler);
	CASE(sigcont_handler_runs_and_continues);
	CASE(sigchld_on_stop);
	CASE(sigchld_nocldstop);
	CASE(syscall_restart_after_stop);
	CASE(handler_interrupts_read);
	CASE(pause_sigsuspend_eintr_only_after_handler);
	CASE(nanosleep_after_stop);
	CASE(wait4_flags);
	return ut_end();
}
