/*
 * ptrace_test.c - ptrace(2) as a debugger uses it, and how a traced
 * process's stops show through wait4(2) and signals.
 *
 * Requests covered (the subset Pagoda implements): TRACEME, ATTACH, SEIZE
 * (with options), DETACH (with and without a signal), PEEKTEXT/PEEKDATA,
 * POKETEXT/POKEDATA, PEEKUSER/POKEUSER of struct user_regs_struct fields,
 * GETREGS/SETREGS, CONT (with and without a signal), SYSCALL, KILL,
 * SETOPTIONS (TRACESYSGOOD, TRACEEXEC, EXITKILL) and GETEVENTMSG.
 *
 * Rules covered: the stops a tracee makes (after execve, on a signal, on
 * ATTACH, at system-call entry and exit, on the exec event) and how
 * waitpid reports each; that a tracer may suppress, inject or change a
 * signal and rewrite registers, memory and system calls; that a system
 * call interrupted by a ptrace stop is restarted, not failed with EINTR;
 * what happens to a tracee when its tracer exits or is killed; that a
 * tracer which is not the parent sees the tracee's exit first and the real
 * parent still reaps it; and every errno of the requests above.
 *
 * Children are synchronised with pipes and waitpid, never by sleeping.
 * The only polling waits (at most 5 s) for a state /proc/PID/stat shows:
 * a child asleep in read(2) (S) before something is meant to interrupt
 * that read. Every child a case forks is tracked and, whatever happens,
 * SIGKILLed and reaped after the case; a watchdog fails a case that makes
 * no progress for WATCHDOG_S seconds and kills its children, so that its
 * waits return and one broken case cannot hang the program.
 *
 * Privileges: attach_other_uid needs root to make a process of another
 * user and skips otherwise. Linux's Yama LSM (Pagoda has none) may forbid
 * tracing anything but a descendant (/proc/sys/kernel/yama/ptrace_scope
 * 1 without CAP_SYS_PTRACE, 2, 3): cases that would be refused skip.
 */
#include "utest.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>

#define WATCHDOG_S	20
#define MAXKIDS		8
#define MAXFDS		32
#define PAGE		4096ul
#define NOBODY		65534
/*
 * The kernel's struct user on x86-64: 928 bytes. It ends with error_code
 * and fault_address, which the libc's <sys/user.h> (912 bytes) lacks, so
 * PEEKUSER at the libc's sizeof(struct user) is still in range.
 */
#define KERNEL_USER_SIZE 928

static const char *self_path;		/* this program, for execve */

/* ---- children, pipes (kids_util.h) and the watchdog ---- */

#include "kids_util.h"

/* After every case: kill all its children first (a tracer may hold a
 * zombie tracee), then reap them, and close its pipes. */
static void clean_up(void)
{
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
}

/* Every case runs under the watchdog and is cleaned up after. */
#define CASE(fn) do {							\
	alarm(WATCHDOG_S);						\
	RUN(fn);							\
	alarm(0);							\
	clean_up();							\
} while (0)

/* ---- small helpers ---- */

/* ptrace(2) with every argument a full word (musl's wrapper is variadic). */
static long pt(int req, pid_t pid, unsigned long addr, unsigned long data)
{
	return ptrace(req, pid, (void *)addr, (void *)data);
}

/* PTRACE_PEEK*: the word into *val; 0, or -1 with errno (a word may be -1). */
static int peek(int req, pid_t pid, unsigned long addr, long *val)
{
	errno = 0;
	*val = pt(req, pid, addr, 0);
	return *val == -1 && errno ? -1 : 0;
}

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
		snprintf(b, 64, "stopped by %#x, event %d", WSTOPSIG(st), st >> 16);
	else if (WIFCONTINUED(st))
		snprintf(b, 64, "continued");
	else
		snprintf(b, 64, "status %#x", st);
	return b;
}

/* A plain signal stop (signal-delivery or group stop) by @sig? */
static bool is_stop(int st, int sig)
{
	return st != -1 && WIFSTOPPED(st) && WSTOPSIG(st) == sig && (st >> 16) == 0;
}

/*
 * Why Yama would refuse to let us trace a process, or NULL. A descendant
 * may be traced under ptrace_scope 1; anything else needs scope 0 or
 * CAP_SYS_PTRACE (taken to come with euid 0); scope 3 allows nothing.
 */
static const char *yama_refuses(bool descendant)
{
	static char why[128];
	char buf[16] = "";
	int fd = open("/proc/sys/kernel/yama/ptrace_scope", O_RDONLY | O_CLOEXEC);
	int scope = -1;

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0)
			scope = atoi(buf);
		close(fd);
	}
	if (scope <= 0 || (scope == 1 && descendant) || (scope < 3 && geteuid() == 0))
		return NULL;
	snprintf(why, sizeof(why), "yama ptrace_scope %d forbids tracing a %s as euid %d",
		 scope, descendant ? "child" : "non-descendant", (int)geteuid());
	return why;
}

#define NEED_YAMA(descendant) do {					\
	const char *why_ = yama_refuses(descendant);			\
	if (why_)							\
		SKIP("%s", why_);					\
} while (0)

/* In a child: become the parent's tracee and stop (a ptrace stop, SIGSTOP). */
static void traceme_stop(void)
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
		_exit(90);
	/* Raw system calls, so that nothing else runs between here and the caller. */
	syscall(SYS_kill, syscall(SYS_getpid), SIGSTOP);
}

/* execve this program, which then just exits with @code (see main). */
static void exec_self_exit(int code)
{
	char arg[16];

	snprintf(arg, sizeof(arg), "%d", code);
	execl(self_path, self_path, "--exit", arg, (char *)NULL);
}

/* Says 'r', reads one byte; exits @arg on 'x', else read_verdict(). */
static void reader_body(int up, int down, long arg)
{
	ssize_t n;
	char c = 0;

	if (write(up, "r", 1) != 1)
		_exit(90);
	n = read(down, &c, 1);
	_exit(n == 1 && c == 'x' ? (int)arg : read_verdict(n, c));
}

static const char *start_err;

/*
 * Start @body (reader_body if NULL) and wait until it has said 'r' and is
 * asleep (its read). The pid, or -1 with the reason in start_err.
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

/* Resume with PTRACE_SYSCALL to the next syscall stop; its registers in *r. */
static int syscall_stop(pid_t pid, struct user_regs_struct *r, int *st)
{
	*st = -1;
	if (pt(PTRACE_SYSCALL, pid, 0, 0) < 0 || wait_kid(pid, st, 0) != pid)
		return -1;
	/* With PTRACE_O_TRACESYSGOOD a syscall stop is SIGTRAP | 0x80. */
	if (!WIFSTOPPED(*st) || WSTOPSIG(*st) != (SIGTRAP | 0x80))
		return -1;
	return pt(PTRACE_GETREGS, pid, 0, (unsigned long)r) < 0 ? -1 : 0;
}

static volatile sig_atomic_t hits;

static void on_hit(int sig)
{
	(void)sig;
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

/* ---- the cases ---- */

/*
 * PTRACE_TRACEME makes the parent the tracer. Without PTRACE_O_TRACEEXEC a
 * successful execve then stops the tracee with a plain SIGTRAP, which
 * waitpid reports without WUNTRACED; PTRACE_CONT lets it run to its exit.
 */
static void traceme_exec_sigtrap(void)
{
	pid_t pid;
	int st;

	NEED_YAMA(true);
	pid = spawn();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(90);
		exec_self_exit(7);
		_exit(91);
	}
	wait_kid(pid, &st, 0);
	EXPECT(is_stop(st, SIGTRAP), "after execve: %s, want stopped by SIGTRAP", st_str(st));
	EXPECT_OK(pt(PTRACE_CONT, pid, 0, 0));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 7), "after PTRACE_CONT: %s, want exited 7", st_str(st));
}

/*
 * PTRACE_ATTACH stops the tracee with SIGSTOP (a signal-delivery stop,
 * shown as 't' in /proc); PTRACE_DETACH(0) lets it run on with that SIGSTOP
 * suppressed. The read(2) it was asleep in is restarted, not failed with
 * EINTR: it later returns the byte written.
 */
static void attach_stop_detach(void)
{
	int from, to, st;
	pid_t pid;
	char s;

	NEED_YAMA(true);
	pid = start_kid(NULL, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_OK(pt(PTRACE_ATTACH, pid, 0, 0));
	wait_kid(pid, &st, 0);
	EXPECT(is_stop(st, SIGSTOP), "after PTRACE_ATTACH: %s, want stopped by SIGSTOP",
	       st_str(st));
	s = proc_state(pid);
	EXPECT(s == 't' || s == 'T', "state %c in a ptrace stop, want t", s ? s : '?');
	EXPECT_OK(pt(PTRACE_DETACH, pid, 0, 0));
	s = wait_state(pid, "S");
	EXPECT(s == 'S', "state %c after PTRACE_DETACH, want S (back in its read)", s);
	EXPECT(write(to, "x", 1) == 1, "write: %s", strerror(errno));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0 (" READ_CODES ")", st_str(st));
}

/* Exits 0 if a SIGUSR1 handler ran once and its read failed with EINTR. */
static void usr1_reader_body(int up, int down, long arg)
{
	ssize_t n;
	char c = 0;

	(void)arg;
	if (set_handler(SIGUSR1, on_hit, 0) < 0 || write(up, "r", 1) != 1)
		_exit(90);
	n = read(down, &c, 1);
	if (hits != 1)
		_exit(10 + hits);
	_exit(read_verdict(n, c) == 1 ? 0 : 20 + read_verdict(n, c));
}

/*
 * PTRACE_DETACH with a signal delivers it as the tracee goes: the handler
 * runs, and (no SA_RESTART) the interrupted read fails with EINTR.
 */
static void detach_with_signal(void)
{
	int from, to, st;
	pid_t pid;

	NEED_YAMA(true);
	pid = start_kid(usr1_reader_body, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_OK(pt(PTRACE_ATTACH, pid, 0, 0));
	wait_kid(pid, &st, 0);
	EXPECT(is_stop(st, SIGSTOP), "after PTRACE_ATTACH: %s", st_str(st));
	EXPECT_OK(pt(PTRACE_DETACH, pid, 0, SIGUSR1));
	/* Its read already returned for the stop: EOF now cannot race it. */
	xclose(to);
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0 (1x: handler ran x times, 2x: read "
	       "gave not EINTR but " READ_CODES ")", st_str(st));
}

static volatile long pp_word = 0x1122334455667788L;
#define PP_NEW	0x0badc0dedeadbeefL
#define PP_RO	0x0123456789abcdefL

/*
 * PEEKDATA/PEEKTEXT read a word of the stopped tracee, POKEDATA/POKETEXT
 * write one, also into a page the tracee may only read (the write forces
 * a private copy). An unmapped address is EIO both ways.
 */
static void peek_poke_data(void)
{
	long *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *hole = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long v, code;
	pid_t pid;
	int st;

	NEED_YAMA(true);
	EXPECT(ro != MAP_FAILED && hole != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(munmap(hole, PAGE));
	pid = spawn();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		traceme_stop();
		_exit((pp_word == PP_NEW ? 0 : 1) | (ro[0] == PP_RO ? 0 : 2) |
		      (ro[1] == 0 ? 0 : 4));
	}
	wait_kid(pid, &st, 0);
	EXPECT(is_stop(st, SIGSTOP), "%s, want stopped by SIGSTOP", st_str(st));
	EXPECT_OK(peek(PTRACE_PEEKDATA, pid, (unsigned long)&pp_word, &v));
	EXPECT(v == 0x1122334455667788L, "PEEKDATA read %#lx", v);
	/* The same program: its code is ours. */
	memcpy(&code, (void *)peek_poke_data, sizeof(code));
	EXPECT_OK(peek(PTRACE_PEEKTEXT, pid, (unsigned long)peek_poke_data, &v));
	EXPECT(v == code, "PEEKTEXT read %#lx, want %#lx", v, code);
	EXPECT_OK(pt(PTRACE_POKEDATA, pid, (unsigned long)&pp_word, PP_NEW));
	EXPECT_OK(peek(PTRACE_PEEKDATA, pid, (unsigned long)&pp_word, &v));
	EXPECT(v == PP_NEW, "PEEKDATA after POKEDATA read %#lx", v);
	EXPECT(pp_word == 0x1122334455667788L, "our own word changed");
	EXPECT_OK(pt(PTRACE_POKETEXT, pid, (unsigned long)ro, PP_RO));
	EXPECT_OK(peek(PTRACE_PEEKDATA, pid, (unsigned long)ro, &v));
	EXPECT(v == PP_RO, "PEEKDATA of the PROT_READ page read %#lx", v);
	EXPECT(ro[0] == 0, "our own PROT_READ page changed");
	EXPECT_ERRNO(peek(PTRACE_PEEKDATA, pid, (unsigned long)hole, &v), EIO);
	EXPECT_ERRNO(pt(PTRACE_POKEDATA, pid, (unsigned long)hole, 1), EIO);
	EXPECT_OK(pt(PTRACE_CONT, pid, 0, 0));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0 (1: the word, 2: the PROT_READ word, "
	       "4: the rest of that page not as the child saw it)", st_str(st));
	munmap(ro, PAGE);
}

/*
 * At a syscall-entry stop (PTRACE_SYSCALL with TRACESYSGOOD: SIGTRAP|0x80)
 * orig_rax is the call and rax -ENOSYS; at the exit stop rax is its
 * result. SETREGS (or POKEUSER of regs.rax) at the exit stop changes what
 * the call returns; orig_rax set to -1 at entry skips the call. PEEKUSER
 * of a regs field reads what GETREGS does.
 */
static void regs_get_set(void)
{
	struct user_regs_struct r;
	int p[2], st;
	char c;
	pid_t pid;
	long v;

	NEED_YAMA(true);
	EXPECT_OK(mkpipe(p));
	pid = spawn();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		long a, b, d;

		traceme_stop();
		a = syscall(SYS_getpid);		/* made to return 12345 */
		b = syscall(SYS_write, p[1], "s", 1);	/* skipped, returns 777 */
		d = syscall(SYS_getpid);		/* made to return 4242 */
		_exit((a == 12345 ? 0 : 1) | (b == 777 ? 0 : 2) | (d == 4242 ? 0 : 4));
	}
	xclose(p[1]);
	wait_kid(pid, &st, 0);
	EXPECT(is_stop(st, SIGSTOP), "%s, want stopped by SIGSTOP", st_str(st));
	EXPECT_OK(pt(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD));

	EXPECT(syscall_stop(pid, &r, &st) == 0, "getpid entry: %s", st_str(st));
	EXPECT(r.orig_rax == SYS_getpid, "entry stop of syscall %ld, want getpid",
	       (long)r.orig_rax);
	EXPECT((long)r.rax == -ENOSYS, "rax %ld at entry, want -ENOSYS", (long)r.rax);
	EXPECT_OK(peek(PTRACE_PEEKUSER, pid, offsetof(struct user, regs.orig_rax), &v));
	EXPECT(v == (long)r.orig_rax, "PEEKUSER orig_rax %ld, GETREGS %ld", v,
	       (long)r.orig_rax);
	EXPECT_OK(peek(PTRACE_PEEKUSER, pid, offsetof(struct user, regs.rip), &v));
	EXPECT(v == (long)r.rip, "PEEKUSER rip %#lx, GETREGS %#lx", v, (long)r.rip);
	EXPECT(syscall_stop(pid, &r, &st) == 0, "getpid exit: %s", st_str(st));
	EXPECT(r.orig_rax == SYS_getpid && (long)r.rax == pid,
	       "exit stop: orig_rax %ld rax %ld, want getpid and %d", (long)r.orig_rax,
	       (long)r.rax, (int)pid);
	r.rax = 12345;
	EXPECT_OK(pt(PTRACE_SETREGS, pid, 0, (unsigned long)&r));

	EXPECT(syscall_stop(pid, &r, &st) == 0, "write entry: %s", st_str(st));
	EXPECT(r.orig_rax == SYS_write && r.rdi == (unsigned long)p[1],
	       "entry stop of syscall %ld (fd %ld), want write to %d", (long)r.orig_rax,
	       (long)r.rdi, p[1]);
	r.orig_rax = -1;
	EXPECT_OK(pt(PTRACE_SETREGS, pid, 0, (unsigned long)&r));
	EXPECT(syscall_stop(pid, &r, &st) == 0, "exit of the skipped write: %s", st_str(st));
	r.rax = 777;
	EXPECT_OK(pt(PTRACE_SETREGS, pid, 0, (unsigned long)&r));

	EXPECT(syscall_stop(pid, &r, &st) == 0 && r.orig_rax == SYS_getpid,
	       "second getpid entry: %s, syscall %ld", st_str(st), (long)r.orig_rax);
	EXPECT(syscall_stop(pid, &r, &st) == 0 && (long)r.rax == pid,
	       "second getpid exit: %s, rax %ld", st_str(st), (long)r.rax);
	EXPECT_OK(pt(PTRACE_POKEUSER, pid, offsetof(struct user, regs.rax), 4242));
	EXPECT_OK(peek(PTRACE_PEEKUSER, pid, offsetof(struct user, regs.rax), &v));
	EXPECT(v == 4242, "PEEKUSER rax after POKEUSER: %ld", v);

	EXPECT_OK(pt(PTRACE_CONT, pid, 0, 0));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0 (1: SETREGS rax, 2: skipped write's "
	       "result, 4: POKEUSER rax not returned)", st_str(st));
	EXPECT(read(p[0], &c, 1) == 0, "the skipped write wrote");
}

/*
 * PTRACE_SYSCALL stops at every system call twice, entry then exit, with
 * orig_rax naming the call both times; exit_group has no exit stop, the
 * tracer next sees the exit itself.
 */
static void syscall_stops_sequence(void)
{
	struct user_regs_struct r;
	int p[2], st;
	char buf[4];
	pid_t pid;

	NEED_YAMA(true);
	EXPECT_OK(mkpipe(p));
	pid = spawn();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		traceme_stop();
		syscall(SYS_write, p[1], "abc", 3);
		syscall(SYS_exit_group, 3);
		_exit(91);
	}
	xclose(p[1]);
	wait_kid(pid, &st, 0);
	EXPECT(is_stop(st, SIGSTOP), "%s, want stopped by SIGSTOP", st_str(st));
	EXPECT_OK(pt(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD));
	EXPECT(syscall_stop(pid, &r, &st) == 0, "write entry: %s", st_str(st));
	EXPECT(r.orig_rax == SYS_write && (long)r.rax == -ENOSYS && r.rdx == 3,
	       "write entry: orig_rax %ld rax %ld rdx %ld", (long)r.orig_rax, (long)r.rax,
	       (long)r.rdx);
	EXPECT(syscall_stop(pid, &r, &st) == 0, "write exit: %s", st_str(st));
	EXPECT(r.orig_rax == SYS_write && r.rax == 3, "write exit: orig_rax %ld rax %ld",
	       (long)r.orig_rax, (long)r.rax);
	EXPECT(syscall_stop(pid, &r, &st) == 0, "exit_group entry: %s", st_str(st));
	EXPECT(r.orig_rax == SYS_exit_group && r.rdi == 3, "exit_group entry: orig_rax %ld "
	       "rdi %ld", (long)r.orig_rax, (long)r.rdi);
	EXPECT_OK(pt(PTRACE_SYSCALL, pid, 0, 0));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 3), "after exit_group: %s, want exited 3", st_str(st));
	EXPECT(read(p[0], buf, 4) == 3 && !memcmp(buf, "abc", 3), "the write did not happen");
}

/*
 * With PTRACE_O_TRACEEXEC an execve stops the tracee with
 * SIGTRAP | PTRACE_EVENT_EXEC << 8 instead of the plain SIGTRAP (there is
 * no second stop), and PTRACE_GETEVENTMSG gives the former thread id.
 */
static void setoptions_exec_event(void)
{
	unsigned long msg = 0;
	pid_t pid;
	int st;

	NEED_YAMA(true);
	pid = spawn();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		traceme_stop();
		exec_self_exit(5);
		_exit(91);
	}
	wait_kid(pid, &st, 0);
	EXPECT(is_stop(st, SIGSTOP), "%s, want stopped by SIGSTOP", st_str(st));
	EXPECT_OK(pt(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXEC));
	EXPECT_OK(pt(PTRACE_CONT, pid, 0, 0));
	wait_kid(pid, &st, 0);
	EXPECT(st != -1 && st >> 8 == (SIGTRAP | PTRACE_EVENT_EXEC << 8),
	       "after execve: %s, want the exec event", st_str(st));
	EXPECT_OK(pt(PTRACE_GETEVENTMSG, pid, 0, (unsigned long)&msg));
	EXPECT(msg == (unsigned long)pid, "event message %lu, want the pid %d", msg, (int)pid);
	EXPECT_OK(pt(PTRACE_CONT, pid, 0, 0));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 5), "after the exec event: %s, want exited 5", st_str(st));
}

/*
 * A tracee (TRACEME, a SIGUSR1 handler without SA_RESTART) asleep in read;
 * later it sends itself SIGUSR1. Exits 0 if the read returned the byte
 * (1 if not), no handler ran for the first signal (2) and one did for the
 * second (4).
 */
static void traced_usr1_body(int up, int down, long arg)
{
	int first, second;
	ssize_t n;
	char c = 0;

	(void)arg;
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 || set_handler(SIGUSR1, on_hit, 0) < 0)
		_exit(90);
	if (write(up, "r", 1) != 1)
		_exit(90);
	n = read(down, &c, 1);
	first = hits;
	kill(getpid(), SIGUSR1);
	second = hits;
	_exit((n == 1 && c == 'x' ? 0 : 1) | (first == 0 ? 0 : 2) | (second == 1 ? 0 : 4));
}

/*
 * A signal for a tracee first stops it (a signal-delivery stop: WSTOPSIG
 * is the signal). PTRACE_CONT(0) suppresses it: no handler runs, and the
 * read it interrupted is restarted as if nothing happened (even though
 * the handler has no SA_RESTART). PTRACE_CONT(sig) delivers it: the
 * handler runs.
 */
static void signal_delivery_stop_inject_suppress(void)
{
	int from, to, st;
	pid_t pid;

	NEED_YAMA(true);
	pid = start_kid(traced_usr1_body, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_OK(kill(pid, SIGUSR1));
	wait_kid(pid, &st, 0);
	EXPECT(is_stop(st, SIGUSR1), "after kill: %s, want stopped by SIGUSR1", st_str(st));
	EXPECT_OK(pt(PTRACE_CONT, pid, 0, 0));
	EXPECT(write(to, "x", 1) == 1, "write: %s", strerror(errno));
	wait_kid(pid, &st, 0);
	EXPECT(is_stop(st, SIGUSR1), "after its own kill: %s, want stopped by SIGUSR1",
	       st_str(st));
	EXPECT_OK(pt(PTRACE_CONT, pid, 0, SIGUSR1));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0 (1: read interrupted, 2: suppressed "
	       "signal handled, 4: injected signal not handled)", st_str(st));
}

/* PTRACE_KILL on a stopped tracee: it dies of SIGKILL. */
static void ptrace_kill(void)
{
	pid_t pid;
	int st;

	NEED_YAMA(true);
	pid = spawn();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		traceme_stop();
		_exit(0);
	}
	wait_kid(pid, &st, 0);
	EXPECT(is_stop(st, SIGSTOP), "%s, want stopped by SIGSTOP", st_str(st));
	EXPECT_OK(pt(PTRACE_KILL, pid, 0, 0));
	wait_kid(pid, &st, 0);
	EXPECT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	       "after PTRACE_KILL: %s, want killed by SIGKILL", st_str(st));
}

/* PTRACE_SEIZE @arg with PTRACE_O_EXITKILL and exit: 0, or 1 if refused. */
static void exitkill_seizer_body(int up, int down, long arg)
{
	(void)up;
	(void)down;
	_exit(pt(PTRACE_SEIZE, (pid_t)arg, 0, PTRACE_O_EXITKILL) < 0 ? 1 : 0);
}

/*
 * A tracer that set PTRACE_O_EXITKILL (here as SEIZE's data) takes its
 * tracees with it: when it exits, each gets SIGKILL, which the tracee's
 * real parent sees.
 */
static void exitkill(void)
{
	int from, to, ifrom, ito, st;
	pid_t t, i;

	NEED_YAMA(false);
	t = start_kid(NULL, 0, &from, &to);
	EXPECT(t > 0, "%s", start_err);
	i = spawn_body(exitkill_seizer_body, t, &ifrom, &ito);
	EXPECT(i > 0, "fork: %s", strerror(errno));
	wait_kid(i, &st, 0);
	EXPECT(is_exit(st, 0), "the tracer: %s, want exited 0 (1: SEIZE failed)", st_str(st));
	wait_kid(t, &st, 0);
	EXPECT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	       "the tracee: %s, want killed by SIGKILL", st_str(st));
}

/* Says 'r', then answers each byte b with b + 1 until 'q' (exit 0). 1 on EINTR. */
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

/*
 * PTRACE_SEIZE does not stop the tracee: it goes on answering. A SIGSTOP
 * then gives a signal-delivery stop (WSTOPSIG SIGSTOP, no event in
 * status >> 16), and PTRACE_CONT(0) suppresses it: the tracee runs on.
 */
static void seize_no_stop(void)
{
	int from, to, st;
	pid_t pid;

	NEED_YAMA(true);
	pid = start_kid(echo_body, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	EXPECT_OK(pt(PTRACE_SEIZE, pid, 0, 0));
	EXPECT(wait_kid(pid, &st, WNOHANG) == 0, "waitpid after SEIZE: %s, want nothing",
	       st_str(st));
	EXPECT(echo(from, to, 'a'), "the seized child does not answer");
	EXPECT_OK(kill(pid, SIGSTOP));
	wait_kid(pid, &st, 0);
	EXPECT(is_stop(st, SIGSTOP), "after SIGSTOP: %s, want a signal-delivery stop",
	       st_str(st));
	EXPECT_OK(pt(PTRACE_CONT, pid, 0, 0));
	EXPECT(echo(from, to, 'c'), "the child does not answer after PTRACE_CONT(0)");
	EXPECT(write(to, "q", 1) == 1, "write: %s", strerror(errno));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0 (1: read gave EINTR)", st_str(st));
}

/*
 * Tracer of its sibling @arg: attach, wait for the stop, continue it, say
 * 'c', and wait for its exit, which must come to us (code 42) first.
 */
static void sibling_tracer_body(int up, int down, long arg)
{
	pid_t a = (pid_t)arg;
	int st;

	(void)down;
	if (pt(PTRACE_ATTACH, a, 0, 0) < 0)
		_exit(10);
	if (waitpid(a, &st, __WALL) != a || !is_stop(st, SIGSTOP))
		_exit(11);
	if (pt(PTRACE_CONT, a, 0, 0) < 0)
		_exit(12);
	if (write(up, "c", 1) != 1)
		_exit(13);
	if (waitpid(a, &st, __WALL) != a)
		_exit(14);
	_exit(is_exit(st, 42) ? 0 : 15);
}

/*
 * A tracer that is not the tracee's parent waits for it like a parent:
 * it is told of the exit (with the exit code) first; after it has reaped
 * that, the real parent still reaps the child with the same status.
 */
static void tracer_not_parent_sees_exit(void)
{
	int from, to, bfrom, bto, st;
	pid_t a, b;
	char c;

	NEED_YAMA(false);
	a = start_kid(NULL, 42, &from, &to);
	EXPECT(a > 0, "%s", start_err);
	b = spawn_body(sibling_tracer_body, a, &bfrom, &bto);
	EXPECT(b > 0, "fork: %s", strerror(errno));
	if (read(bfrom, &c, 1) != 1) {
		wait_kid(b, &st, 0);
		EXPECT(0, "the tracer failed: %s", st_str(st));
	}
	EXPECT(write(to, "x", 1) == 1, "write: %s", strerror(errno));
	wait_kid(b, &st, 0);
	EXPECT(is_exit(st, 0), "the tracer: %s, want exited 0 (10 attach, 11 no stop, "
	       "12 cont, 14 wait failed, 15 not exit 42)", st_str(st));
	wait_kid(a, &st, 0);
	EXPECT(is_exit(st, 42), "the real parent sees %s, want exited 42", st_str(st));
}

/* Tracer of its sibling @arg: attach, wait for the stop, exit without detaching. */
static void waiting_tracer_body(int up, int down, long arg)
{
	pid_t a = (pid_t)arg;
	int st;

	(void)up;
	(void)down;
	if (pt(PTRACE_ATTACH, a, 0, 0) < 0)
		_exit(10);
	if (waitpid(a, &st, __WALL) != a || !is_stop(st, SIGSTOP))
		_exit(11);
	_exit(0);
}

/* Tracer of its sibling @arg: attach, see the stop in /proc only (state t), exit. */
static void unwaiting_tracer_body(int up, int down, long arg)
{
	pid_t a = (pid_t)arg;

	(void)up;
	(void)down;
	if (pt(PTRACE_ATTACH, a, 0, 0) < 0)
		_exit(10);
	_exit(wait_state(a, "t") == 't' ? 0 : 12);
}

/*
 * When its tracer exits without detaching, the tracee is detached and runs
 * on. The tracer had waited for the SIGSTOP stop of PTRACE_ATTACH; that
 * waitpid consumed the stop's signal, so nothing is delivered now: the
 * tracee is not stopped, it finishes its (restarted) read.
 */
static void tracer_dies_tracee_runs(void)
{
	int from, to, bfrom, bto, st;
	pid_t a, b;

	NEED_YAMA(false);
	a = start_kid(NULL, 0, &from, &to);
	EXPECT(a > 0, "%s", start_err);
	b = spawn_body(waiting_tracer_body, a, &bfrom, &bto);
	EXPECT(b > 0, "fork: %s", strerror(errno));
	wait_kid(b, &st, 0);
	EXPECT(is_exit(st, 0), "the tracer: %s, want exited 0 (10 attach, 11 no SIGSTOP stop)",
	       st_str(st));
	EXPECT(write(to, "x", 1) == 1, "write: %s", strerror(errno));
	wait_kid(a, &st, WUNTRACED);
	EXPECT(is_exit(st, 0), "the tracee: %s, want exited 0 (" READ_CODES ")", st_str(st));
}

/*
 * The other half of that rule: a tracee whose stop its tracer never waited
 * for is restarted with the stop's signal delivered. After PTRACE_ATTACH
 * that is SIGSTOP: the tracee ends up job-control stopped, which its real
 * parent sees with WUNTRACED; SIGCONT lets it finish.
 */
static void tracer_dies_unwaited_stop_delivered(void)
{
	int from, to, bfrom, bto, st;
	pid_t a, b;

	NEED_YAMA(false);
	a = start_kid(NULL, 0, &from, &to);
	EXPECT(a > 0, "%s", start_err);
	b = spawn_body(unwaiting_tracer_body, a, &bfrom, &bto);
	EXPECT(b > 0, "fork: %s", strerror(errno));
	wait_kid(b, &st, 0);
	EXPECT(is_exit(st, 0), "the tracer: %s, want exited 0 (10 attach, 12 the tracee's "
	       "state never showed t)", st_str(st));
	wait_kid(a, &st, WUNTRACED);
	EXPECT(is_stop(st, SIGSTOP), "the tracee: %s, want stopped by SIGSTOP", st_str(st));
	EXPECT_OK(kill(a, SIGCONT));
	EXPECT(write(to, "x", 1) == 1, "write: %s", strerror(errno));
	wait_kid(a, &st, 0);
	EXPECT(is_exit(st, 0), "the tracee: %s, want exited 0 (" READ_CODES ")", st_str(st));
}

static volatile long tw_word = 1;

/* The child of tracee_stop_interrupts_wait: trace the parent, read a word. */
static int attach_parent(void)
{
	pid_t pp = getppid();
	long v;
	int st;

	if (wait_state(pp, "S") != 'S')
		return 20;
	if (pt(PTRACE_ATTACH, pp, 0, 0) < 0)
		return 21;
	if (waitpid(pp, &st, WUNTRACED) != pp || !WIFSTOPPED(st))
		return 22;
	if (peek(PTRACE_PEEKDATA, pp, (unsigned long)&tw_word, &v) < 0 || v != 0xfeed)
		return 23;
	if (pt(PTRACE_DETACH, pp, 0, 0) < 0)
		return 24;
	return 0;
}

/*
 * The shape of the memfd_secret selftest: a parent asleep in waitpid for
 * its child is attached to by that very child, which reads a word of it
 * and detaches. The ptrace stop interrupts the parent's wait4, which is
 * then restarted: it returns the child's exit, never EINTR.
 */
static void tracee_stop_interrupts_wait(void)
{
	pid_t p;
	int st;

	NEED_YAMA(false);
	p = spawn();
	EXPECT(p >= 0, "fork: %s", strerror(errno));
	if (p == 0) {
		pid_t c = fork(), r;

		if (c == 0)
			_exit(attach_parent());
		tw_word = 0xfeed;	/* only in our copy: the child must read ours */
		r = waitpid(c, &st, 0);
		if (r != c)
			_exit(errno == EINTR ? 51 : 52);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 50);
	}
	wait_kid(p, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0 (51: waitpid gave EINTR, 52: it failed, "
	       "20 not asleep, 21 attach, 22 no stop, 23 peek, 24 detach)", st_str(st));
}

/* The errno of each request that must fail. */
static void errors(void)
{
	struct user_regs_struct r;
	int from, to, st;
	pid_t pid;
	long v;

	NEED_YAMA(true);
	pid = start_kid(NULL, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	/* Not our tracee (yet): ESRCH. */
	EXPECT_ERRNO(peek(PTRACE_PEEKDATA, pid, (unsigned long)&pp_word, &v), ESRCH);
	EXPECT_ERRNO(pt(PTRACE_CONT, pid, 0, 0), ESRCH);
	/* Ourselves: EPERM; no such process (pid_max is at most 2^22): ESRCH. */
	EXPECT_ERRNO(pt(PTRACE_ATTACH, getpid(), 0, 0), EPERM);
	EXPECT_ERRNO(pt(PTRACE_ATTACH, INT_MAX, 0, 0), ESRCH);
	EXPECT_OK(pt(PTRACE_ATTACH, pid, 0, 0));
	/* Already traced: EPERM. */
	EXPECT_ERRNO(pt(PTRACE_ATTACH, pid, 0, 0), EPERM);
	EXPECT_ERRNO(pt(PTRACE_SEIZE, pid, 0, 0), EPERM);
	wait_kid(pid, &st, 0);
	EXPECT(is_stop(st, SIGSTOP), "after PTRACE_ATTACH: %s", st_str(st));
	/* Stopped: bad requests, offsets, options and signals. */
	EXPECT_ERRNO(pt(0x7777, pid, 0, 0), EIO);
	EXPECT_ERRNO(peek(PTRACE_PEEKUSER, pid, 1, &v), EIO);
	EXPECT_ERRNO(peek(PTRACE_PEEKUSER, pid, offsetof(struct user, regs.rax) + 4, &v),
		     EIO);
	EXPECT_ERRNO(peek(PTRACE_PEEKUSER, pid, KERNEL_USER_SIZE, &v), EIO);
	EXPECT_ERRNO(peek(PTRACE_PEEKUSER, pid, 1ul << 20, &v), EIO);
	EXPECT_ERRNO(pt(PTRACE_POKEUSER, pid, KERNEL_USER_SIZE, 0), EIO);
	EXPECT_ERRNO(pt(PTRACE_SETOPTIONS, pid, 0, 1ul << 30), EINVAL);
	EXPECT_ERRNO(pt(PTRACE_CONT, pid, 0, 1000), EIO);
	EXPECT_ERRNO(pt(PTRACE_DETACH, pid, 0, 1000), EIO);
	/* None of that let it go: it is still stopped, and CONT works. */
	EXPECT_OK(peek(PTRACE_PEEKDATA, pid, (unsigned long)&pp_word, &v));
	EXPECT_OK(pt(PTRACE_CONT, pid, 0, 0));
	/* Traced but running: ESRCH, as for a process not traced at all. */
	EXPECT_ERRNO(peek(PTRACE_PEEKDATA, pid, (unsigned long)&pp_word, &v), ESRCH);
	EXPECT_ERRNO(pt(PTRACE_GETREGS, pid, 0, (unsigned long)&r), ESRCH);
	EXPECT(write(to, "x", 1) == 1, "write: %s", strerror(errno));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0 (" READ_CODES ")", st_str(st));

	/* PTRACE_TRACEME when already traced: EPERM. */
	pid = spawn();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(1);
		errno = 0;
		_exit(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1 && errno == EPERM ? 0 : 2);
	}
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0 (1: TRACEME failed, 2: the second "
	       "did not fail with EPERM)", st_str(st));
}

/*
 * A process of another user cannot be traced without CAP_SYS_PTRACE:
 * ATTACH and SEIZE fail with EPERM (nobody against a root process).
 */
static void attach_other_uid(void)
{
	int from, to, st;
	pid_t pid, x;

	if (geteuid() != 0)
		SKIP("needs root to make a process of another user (euid %d)", (int)geteuid());
	pid = start_kid(NULL, 0, &from, &to);
	EXPECT(pid > 0, "%s", start_err);
	x = spawn();
	EXPECT(x >= 0, "fork: %s", strerror(errno));
	if (x == 0) {
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(1);
		errno = 0;
		if (pt(PTRACE_ATTACH, pid, 0, 0) != -1 || errno != EPERM)
			_exit(2);
		errno = 0;
		if (pt(PTRACE_SEIZE, pid, 0, 0) != -1 || errno != EPERM)
			_exit(3);
		_exit(0);
	}
	wait_kid(x, &st, 0);
	EXPECT(is_exit(st, 0), "%s, want exited 0 (1: setuid, 2: ATTACH, 3: SEIZE not EPERM)",
	       st_str(st));
	EXPECT(write(to, "x", 1) == 1, "write: %s", strerror(errno));
	wait_kid(pid, &st, 0);
	EXPECT(is_exit(st, 0), "the target: %s, want exited 0", st_str(st));
}

/* Tracer of its sibling @arg: attach, see the stop, say 'k', sleep in read. */
static void doomed_tracer_body(int up, int down, long arg)
{
	pid_t a = (pid_t)arg;
	char c;
	int st;

	if (pt(PTRACE_ATTACH, a, 0, 0) < 0)
		_exit(10);
	if (waitpid(a, &st, __WALL) != a || !is_stop(st, SIGSTOP))
		_exit(11);
	if (write(up, "k", 1) != 1)
		_exit(12);
	_exit(read(down, &c, 1) < 0 ? 13 : 14);
}

/*
 * A tracer SIGKILLed while its tracee sits in the (waited-for) stop of
 * PTRACE_ATTACH: like a tracer that exits, it leaves the tracee running,
 * detached. Both are reaped by their real parent and nothing is left over.
 */
static void no_leak_on_tracer_kill(void)
{
	int from, to, bfrom, bto, st;
	pid_t a, b;
	char c;

	NEED_YAMA(false);
	a = start_kid(NULL, 0, &from, &to);
	EXPECT(a > 0, "%s", start_err);
	b = spawn_body(doomed_tracer_body, a, &bfrom, &bto);
	EXPECT(b > 0, "fork: %s", strerror(errno));
	if (read(bfrom, &c, 1) != 1) {
		wait_kid(b, &st, 0);
		EXPECT(0, "the tracer failed: %s", st_str(st));
	}
	EXPECT_OK(kill(b, SIGKILL));
	wait_kid(b, &st, 0);
	EXPECT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the tracer: %s",
	       st_str(st));
	EXPECT(write(to, "x", 1) == 1, "write: %s", strerror(errno));
	wait_kid(a, &st, WUNTRACED);
	EXPECT(is_exit(st, 0), "the tracee: %s, want exited 0 (" READ_CODES ")", st_str(st));
	EXPECT_ERRNO(waitpid(-1, &st, WNOHANG | __WALL), ECHILD);
}

int main(int argc, char **argv)
{
	static char exe[512];
	ssize_t n;

	if (argc == 3 && !strcmp(argv[1], "--exit"))
		return atoi(argv[2]);		/* exec_self_exit() */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		self_path = exe;
	} else {
		/* Pagoda has no /proc/self/exe: runall's absolute path. */
		self_path = argv[0];
	}
	set_handler(SIGALRM, on_watchdog, 0);	/* no SA_RESTART: a hung wait returns */
	ut_begin("ptrace_test");
	CASE(traceme_exec_sigtrap);
	CASE(attach_stop_detach);
	CASE(detach_with_signal);
	CASE(peek_poke_data);
	CASE(regs_get_set);
	CASE(syscall_stops_sequence);
	CASE(setoptions_exec_event);
	CASE(signal_delivery_stop_inject_suppress);
	CASE(ptrace_kill);
	CASE(exitkill);
	CASE(seize_no_stop);
	CASE(tracer_not_parent_sees_exit);
	CASE(tracer_dies_tracee_runs);
	CASE(tracer_dies_unwaited_stop_delivered);
	CASE(tracee_stop_interrupts_wait);
	CASE(errors);
	CASE(attach_other_uid);
	CASE(no_leak_on_tracer_kill);
	return ut_end();
}
