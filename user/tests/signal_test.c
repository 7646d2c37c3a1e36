/*
 * signal_test.c - signal delivery: handlers and siginfo, masks and
 * pending signals, default actions, faults, timers, the alternate stack,
 * handler flags, nesting, and that rt_sigreturn restores the interrupted
 * computation (integer and SSE registers) exactly.
 *
 * Cases that end in a fault or a fatal default action run in a child and
 * report through the exit status; the parent decodes it with wait4.
 * Waiting for a signal never spins forever: wait_flag() gives up after a
 * few seconds so a missing signal is a FAIL, not a hang.
 */
#include "utest.h"

#include <signal.h>
#include <ucontext.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t hits;
static volatile int got_signo, got_code, got_pid;
static volatile uintptr_t got_addr;
/* Address 8: never mapped.  Volatile so the compiler cannot see it. */
static volatile int *volatile fault_addr = (volatile int *)8;

static void on_count(int sig)
{
	(void)sig;
	hits++;
}

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_signo = sig;
	got_code = si->si_code;
	got_pid = si->si_pid;
	got_addr = (uintptr_t)si->si_addr;
	hits++;
}

static int set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	return sigaction(sig, &sa, NULL);
}

static int set_info_handler(int sig, void (*fn)(int, siginfo_t *, void *),
			    int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	return sigaction(sig, &sa, NULL);
}

static void reset_state(void)
{
	hits = 0;
	got_signo = got_code = got_pid = 0;
	got_addr = 0;
}

/* Sleep in small steps until hits >= @n or about @ms milliseconds pass. */
static int wait_flag(int n, int ms)
{
	struct timespec ts = { 0, 5 * 1000000L };
	int i;

	for (i = 0; i < ms / 5 && hits < n; i++)
		nanosleep(&ts, NULL);
	return hits >= n;
}

static void kill_self_siginfo(void)
{
	reset_state();
	EXPECT_OK(set_info_handler(SIGUSR1, on_info, 0));
	EXPECT_OK(kill(getpid(), SIGUSR1));
	EXPECT(hits == 1, "handler ran %d times before kill returned", hits);
	EXPECT(got_signo == SIGUSR1, "signo %d", got_signo);
	EXPECT(got_code == SI_USER, "si_code %d, want SI_USER", got_code);
	EXPECT(got_pid == getpid(), "si_pid %d, want %d", got_pid, getpid());
	signal(SIGUSR1, SIG_DFL);
}

static void mask_and_pending(void)
{
	sigset_t set, old, pend;

	reset_state();
	EXPECT_OK(set_handler(SIGUSR2, on_count, 0));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	EXPECT_OK(sigprocmask(SIG_BLOCK, &set, &old));
	EXPECT_OK(raise(SIGUSR2));
	EXPECT_OK(raise(SIGUSR2));	/* standard signals do not queue */
	EXPECT(hits == 0, "blocked signal was delivered");
	EXPECT_OK(sigpending(&pend));
	EXPECT(sigismember(&pend, SIGUSR2), "SIGUSR2 not pending");
	EXPECT_OK(sigprocmask(SIG_SETMASK, &old, NULL));
	EXPECT(hits == 1, "unblocking delivered %d signals, want 1", hits);
	EXPECT_OK(sigpending(&pend));
	EXPECT(!sigismember(&pend, SIGUSR2), "still pending after delivery");
	EXPECT_OK(sigprocmask(SIG_BLOCK, NULL, &set));
	EXPECT(!sigismember(&set, SIGUSR2), "mask not restored");
	signal(SIGUSR2, SIG_DFL);
}

static void sigchld_on_exit(void)
{
	int st;
	pid_t pid;

	reset_state();
	EXPECT_OK(set_info_handler(SIGCHLD, on_info, 0));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0)
		_exit(3);
	EXPECT(wait_flag(1, 5000), "no SIGCHLD within 5 s");
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	signal(SIGCHLD, SIG_DFL);
	EXPECT(got_signo == SIGCHLD && got_pid == pid,
	       "signo %d pid %d, want SIGCHLD from %d", got_signo, got_pid, pid);
	EXPECT(got_code == CLD_EXITED, "si_code %d, want CLD_EXITED", got_code);
}

static void uncatchable(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_count;
	EXPECT_ERRNO(sigaction(SIGKILL, &sa, NULL), EINVAL);
	EXPECT_ERRNO(sigaction(SIGSTOP, &sa, NULL), EINVAL);
	sa.sa_handler = SIG_IGN;
	EXPECT_ERRNO(sigaction(SIGKILL, &sa, NULL), EINVAL);
	EXPECT_OK(sigaction(SIGKILL, NULL, &old));
	EXPECT(old.sa_handler == SIG_DFL, "SIGKILL disposition changed");
	EXPECT_ERRNO(sigaction(0, &sa, NULL), EINVAL);
	EXPECT_ERRNO(sigaction(65, &sa, NULL), EINVAL);
}

/* Child: catch the fault on address 8 and report what the handler saw. */
static void segv_reporter(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig != SIGSEGV)
		_exit(10);
	if ((uintptr_t)si->si_addr != 8)
		_exit(11);
	if (si->si_code != SEGV_MAPERR)
		_exit(12);
	_exit(42);
}

static int wait_child(pid_t pid)
{
	int st = -1;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static void segv_handler_siginfo(void)
{
	int st;
	pid_t pid = fork();

	EXPECT_OK(pid);
	if (pid == 0) {
		set_info_handler(SIGSEGV, segv_reporter, 0);
		*fault_addr = 1;
		_exit(1);
	}
	st = wait_child(pid);
	EXPECT(WIFEXITED(st), "child status %#x, want a clean exit", st);
	EXPECT(WEXITSTATUS(st) != 11, "si_addr was not 8");
	EXPECT(WEXITSTATUS(st) != 12, "si_code was not SEGV_MAPERR");
	EXPECT(WEXITSTATUS(st) == 42, "child exit %d", WEXITSTATUS(st));
}

static void default_actions_kill(void)
{
	int st;
	pid_t pid = fork();

	EXPECT_OK(pid);
	if (pid == 0) {
		*fault_addr = 1;
		_exit(1);
	}
	st = wait_child(pid);
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	       "fault: status %#x, want killed by SIGSEGV", st);
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		for (;;)
			pause();
	}
	EXPECT_OK(kill(pid, SIGTERM));
	st = wait_child(pid);
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
	       "SIGTERM: status %#x, want killed by SIGTERM", st);
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		signal(SIGUSR1, SIG_IGN);
		raise(SIGUSR1);		/* ignored: no effect */
		_exit(4);
	}
	st = wait_child(pid);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 4,
	       "ignored signal: status %#x", st);
}

static void alarm_delivers(void)
{
	reset_state();
	EXPECT_OK(set_handler(SIGALRM, on_count, 0));
	EXPECT(alarm(1) == 0, "an alarm was already pending");
	EXPECT(wait_flag(1, 5000), "no SIGALRM within 5 s");
	EXPECT(alarm(0) == 0, "alarm still pending after firing");
	signal(SIGALRM, SIG_DFL);
}

static void itimer_periodic(void)
{
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, off = { 0 }, cur;

	reset_state();
	EXPECT_OK(set_handler(SIGALRM, on_count, SA_RESTART));
	EXPECT_OK(setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_OK(getitimer(ITIMER_REAL, &cur));
	EXPECT(cur.it_interval.tv_usec == 10000 || cur.it_interval.tv_sec == 0,
	       "getitimer interval");
	wait_flag(3, 5000);
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
	EXPECT(hits >= 3, "periodic timer fired %d times in 5 s", hits);
}

static char *alt_base;
static size_t alt_size;
static volatile int on_alt;

static void on_altstack(int sig)
{
	char local;
	stack_t ss;

	(void)sig;
	on_alt = (&local >= alt_base && &local < alt_base + alt_size) ? 1 : 2;
	if (sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_ONSTACK))
		on_alt = 3;
}

static void altstack(void)
{
	stack_t ss, old;
	struct sigaction sa;

	alt_size = 64 * 1024;
	alt_base = mmap(NULL, alt_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(alt_base != MAP_FAILED, "mmap: %s", strerror(errno));
	ss.ss_sp = alt_base;
	ss.ss_size = alt_size;
	ss.ss_flags = 0;
	EXPECT_OK(sigaltstack(&ss, &old));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_altstack;
	sa.sa_flags = SA_ONSTACK;
	EXPECT_OK(sigaction(SIGUSR1, &sa, NULL));
	on_alt = 0;
	raise(SIGUSR1);
	signal(SIGUSR1, SIG_DFL);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	munmap(alt_base, alt_size);
	EXPECT(on_alt != 0, "handler did not run");
	EXPECT(on_alt != 2, "handler's locals were not on the alternate stack");
	EXPECT(on_alt != 3, "sigaltstack did not report SS_ONSTACK");
}

static void resethand(void)
{
	struct sigaction now;

	reset_state();
	EXPECT_OK(set_handler(SIGUSR1, on_count, SA_RESETHAND));
	raise(SIGUSR1);
	EXPECT(hits == 1, "handler ran %d times", hits);
	EXPECT_OK(sigaction(SIGUSR1, NULL, &now));
	EXPECT(now.sa_handler == SIG_DFL, "SA_RESETHAND left the handler set");
}

static volatile int blocked_inside;

static void check_self_blocked(int sig)
{
	sigset_t cur;

	sigprocmask(SIG_BLOCK, NULL, &cur);
	blocked_inside = sigismember(&cur, sig);
}

static void nodefer(void)
{
	blocked_inside = -1;
	EXPECT_OK(set_handler(SIGUSR1, check_self_blocked, 0));
	raise(SIGUSR1);
	EXPECT(blocked_inside == 1, "signal not blocked inside its handler");
	blocked_inside = -1;
	EXPECT_OK(set_handler(SIGUSR1, check_self_blocked, SA_NODEFER));
	raise(SIGUSR1);
	EXPECT(blocked_inside == 0, "SA_NODEFER: signal blocked in handler");
	signal(SIGUSR1, SIG_DFL);
}

static char order[8];
static volatile int norder;

static void nest_inner(int sig)
{
	(void)sig;
	order[norder++] = 'i';
}

static void nest_outer(int sig)
{
	(void)sig;
	order[norder++] = '(';
	raise(SIGUSR2);
	order[norder++] = ')';
}

static void nested_raise(void)
{
	norder = 0;
	memset(order, 0, sizeof(order));
	EXPECT_OK(set_handler(SIGUSR1, nest_outer, 0));
	EXPECT_OK(set_handler(SIGUSR2, nest_inner, 0));
	raise(SIGUSR1);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	EXPECT(!strcmp(order, "(i)"), "order \"%s\", want \"(i)\"", order);
}

static void sigsuspend_wakes(void)
{
	sigset_t set, old, none;
	int r;

	reset_state();
	EXPECT_OK(set_handler(SIGUSR1, on_count, 0));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	EXPECT_OK(sigprocmask(SIG_BLOCK, &set, &old));
	raise(SIGUSR1);
	EXPECT(hits == 0, "delivered while blocked");
	sigemptyset(&none);
	errno = 0;
	r = sigsuspend(&none);
	EXPECT(r == -1 && errno == EINTR, "sigsuspend: %d %s", r,
	       strerror(errno));
	EXPECT(hits == 1, "handler ran %d times", hits);
	EXPECT_OK(sigprocmask(SIG_BLOCK, NULL, &set));
	EXPECT(sigismember(&set, SIGUSR1), "sigsuspend did not restore mask");
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGUSR1, SIG_DFL);
}

/*
 * The handler deliberately churns integer and floating-point registers;
 * the interrupted loop must still produce exactly the reference answer.
 */
static volatile double junk_f;
static volatile uint64_t junk_i;

static void clobber(int sig)
{
	double f = sig * 1.5;
	uint64_t x = sig;
	int i;

	for (i = 0; i < 200; i++) {
		f = f * 1.0001 + i / 3.0;
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	}
	junk_f = f;
	junk_i = x;
	hits++;
}

static void compute(uint64_t out[4], double *fout, long n)
{
	uint64_t a = 1, b = 2, c = 3, d = 4;
	double f = 0.5, g = 1.25;
	long i;

	for (i = 0; i < n; i++) {
		a = a * 6364136223846793005ull + b;
		b ^= a >> 7;
		c += b * 3 + (a >> 11);
		d = (d << 1 | d >> 63) ^ c;
		f = f * 0.999 + (double)(a & 0xff) / 256.0;
		g = g * 0.5 + f / 7.0;
	}
	out[0] = a;
	out[1] = b;
	out[2] = c;
	out[3] = d;
	*fout = f + g;
}

static void sigreturn_restores_registers(void)
{
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } }, off = { 0 };
	uint64_t ref[4], got[4];
	double fref, fgot;
	const long n = 2000000;
	int pass;

	compute(ref, &fref, n);
	reset_state();
	EXPECT_OK(set_handler(SIGALRM, clobber, 0));
	EXPECT_OK(setitimer(ITIMER_REAL, &it, NULL));
	for (pass = 0; pass < 200 && hits < 20; pass++) {
		compute(got, &fgot, n);
		if (memcmp(got, ref, sizeof(ref)) || fgot != fref)
			break;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
	EXPECT(!memcmp(got, ref, sizeof(ref)),
	       "integer result corrupted after %d signals", hits);
	EXPECT(fgot == fref, "floating-point result corrupted after %d signals",
	       hits);
	EXPECT(hits > 0, "timer never interrupted the computation");
}

/*
 * A handler that rewrites the saved rip to a non-canonical address: the
 * return to user mode cannot happen, and the process must be killed with
 * SIGSEGV - not crash the kernel (its iretq would fault in ring 0).
 */
static void to_noncanonical(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)0x8000000000000000ull;
}

static void sigreturn_noncanonical_rip(void)
{
	struct sigaction sa;
	pid_t pid;
	int st;

	pid = fork();
	if (pid == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = to_noncanonical;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGUSR1, &sa, NULL);
		raise(SIGUSR1);
		_exit(0);		/* must not get here */
	}
	EXPECT(pid > 0 && waitpid(pid, &st, 0) == pid, "fork/wait: %s", strerror(errno));
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	       "child status %#x, want killed by SIGSEGV", st);
}

/*
 * A SIGSEGV handler on a 32 KiB alternate stack that faults again
 * (SA_NODEFER): frames nest down the alternate stack until one no longer
 * fits; then the child dies of SIGSEGV at once, and nothing is written
 * below the stack. The 64 KiB region is shared so the parent can check
 * the lower half, filled with a pattern, after the child is gone.
 */
#define ALT_REGION	(64 * 1024)
#define ALT_PATTERN	0x5a

static char *alt_ro_page;

static void refault(int sig)
{
	(void)sig;
	*(volatile char *)alt_ro_page = 1;	/* faults again, nests again */
}

static void altstack_overflow_kills(void)
{
	char *region = mmap(NULL, ALT_REGION, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct sigaction sa;
	stack_t ss;
	pid_t pid;
	int st, bad = -1, used = 0;

	EXPECT(region != MAP_FAILED, "mmap: %s", strerror(errno));
	if (region == MAP_FAILED)
		return;
	memset(region, ALT_PATTERN, ALT_REGION / 2);
	alt_ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(alt_ro_page != MAP_FAILED, "mmap: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		alarm(20);		/* a delivery loop would end here, not hang */
		ss.ss_sp = region + ALT_REGION / 2;
		ss.ss_size = ALT_REGION / 2;
		ss.ss_flags = 0;
		if (sigaltstack(&ss, NULL))
			_exit(2);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = refault;
		sa.sa_flags = SA_ONSTACK | SA_NODEFER;
		sigaction(SIGSEGV, &sa, NULL);
		*(volatile char *)alt_ro_page = 1;
		_exit(3);		/* must not get here */
	}
	EXPECT(pid > 0 && waitpid(pid, &st, 0) == pid, "fork/wait: %s", strerror(errno));
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	       "child status %#x, want killed by SIGSEGV", st);
	for (int i = 0; i < ALT_REGION / 2; i++)
		if (region[i] != ALT_PATTERN) {
			bad = i;
			break;
		}
	EXPECT(bad < 0, "byte %d below the alternate stack was overwritten", bad);
	/* The alternate stack itself was used, down to its lowest page. */
	for (int i = ALT_REGION / 2; i < ALT_REGION / 2 + 4096; i++)
		used |= region[i] != 0;
	EXPECT(used, "the frames did not nest down the alternate stack");
	munmap(alt_ro_page, 4096);
	munmap(region, ALT_REGION);
}

int main(void)
{
	ut_begin("signal_test");
	RUN(kill_self_siginfo);
	RUN(mask_and_pending);
	RUN(sigchld_on_exit);
	RUN(uncatchable);
	RUN(segv_handler_siginfo);
	RUN(default_actions_kill);
	RUN(alarm_delivers);
	RUN(itimer_periodic);
	RUN(altstack);
	RUN(resethand);
	RUN(nodefer);
	RUN(nested_raise);
	RUN(sigsuspend_wakes);
	RUN(sigreturn_restores_registers);
	RUN(sigreturn_noncanonical_rip);
	RUN(altstack_overflow_kills);
	return ut_end();
}
