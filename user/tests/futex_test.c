/*
 * futex_test.c - futex(2): FUTEX_WAIT and FUTEX_WAKE and their bitset
 * forms, FUTEX_REQUEUE and FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP (every op and
 * comparison), timeouts on CLOCK_MONOTONIC and CLOCK_REALTIME, signals
 * during a wait (a handler with and without SA_RESTART, a stop and
 * continue, an ignored signal, SIGKILL), private and shared keys (fork
 * and MAP_SHARED memory, one memfd mapped at different addresses and
 * offsets, clone(CLONE_VM) children sharing private memory),
 * CLONE_CHILD_CLEARTID's wake-up at exit, set_robust_list and
 * get_robust_list, what an exit does to the locks on a robust list (hand
 * made lists, good and bad, and robust pthread mutexes whose owner thread
 * exits or whose owner process is killed), every errno path, and random
 * calls that must leave the kernel running.
 *
 * Most waiters are forked children (shared futexes in MAP_SHARED memory)
 * or clone(CLONE_VM) children (private futexes of one address space);
 * the robust pthread mutex cases use threads. A waiter is known to be queued once
 * /proc/PID/stat shows it asleep (S): after it is started it does nothing
 * but the futex call. A waiter reports through its exit status: 0 when
 * futex(2) returned 0, 100 + errno otherwise.
 *
 * Timing checks have only lower bounds (a timeout never ends early) and
 * upper bounds of many seconds: QEMU's TCG runs at uneven speed. Every
 * case runs under a watchdog, and its children are killed and reaped
 * after it, so one broken case cannot hang the program.
 *
 * Linux's behaviour where the man page is vague, checked on Linux 6.x:
 * FUTEX_REQUEUE returns woken + requeued, like FUTEX_CMP_REQUEUE; a
 * FUTEX_WAKE with FUTEX_PRIVATE_FLAG looks at no mapping (an unmapped
 * address wakes 0), a shared one must find one (EFAULT); a waiter with
 * FUTEX_PRIVATE_FLAG and a shared waker never meet, not even in one
 * address space; FUTEX_CLOCK_REALTIME with FUTEX_WAIT is ENOSYS (again,
 * since 5.13); WAKE_OP with an unknown comparison writes the word before
 * it fails with ENOSYS.
 */
#include "utest.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#define WATCHDOG_S	40
#define MAXKIDS		8
#define MAXFDS		8

#include "kids_util.h"

/* <linux/futex.h> (musl has no kernel headers): the UAPI values. */
#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_REQUEUE		3
#define FUTEX_CMP_REQUEUE	4
#define FUTEX_WAKE_OP		5
#define FUTEX_WAIT_BITSET	9
#define FUTEX_WAKE_BITSET	10
#define FUTEX_PRIVATE_FLAG	128
#define FUTEX_CLOCK_REALTIME	256
#define FUTEX_BITSET_MATCH_ANY	0xffffffffu

#define FUTEX_OP_SET		0
#define FUTEX_OP_ADD		1
#define FUTEX_OP_OR		2
#define FUTEX_OP_ANDN		3
#define FUTEX_OP_XOR		4
#define FUTEX_OP_OPARG_SHIFT	8
#define FUTEX_OP_CMP_EQ		0
#define FUTEX_OP_CMP_NE		1
#define FUTEX_OP_CMP_LT		2
#define FUTEX_OP_CMP_LE		3
#define FUTEX_OP_CMP_GT		4
#define FUTEX_OP_CMP_GE		5
#define FUTEX_OP(op, oparg, cmp, cmparg)				\
	((((op) & 0xfu) << 28) | (((cmp) & 0xfu) << 24) |		\
	 (((unsigned)(oparg) & 0xfffu) << 12) | ((unsigned)(cmparg) & 0xfffu))

#define PAGE		4096
#define WAIT_PRIV	(FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define WAKE_PRIV	(FUTEX_WAKE | FUTEX_PRIVATE_FLAG)

typedef volatile uint32_t fword;

/* One page of MAP_SHARED anonymous memory, shared with every child. */
static struct shared {
	fword w[64];			/* futex words, zeroed before each case */
	volatile int hits;		/* a child's signal handler ran */
	volatile uintptr_t addr;	/* an address a child reports */
} *sh;

/* futex(2) with a timeout (or none) as its fourth argument. */
static long futex(fword *uaddr, int op, uint32_t val, const struct timespec *ts, fword *uaddr2,
		  uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* futex(2) with a count as its fourth argument (requeue, wake-op). */
static long futex_n(fword *uaddr, int op, uint32_t val, long val2, fword *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

/* Fail the case unless the pthread call @expr returned 0 (pthread calls return the error). */
#define EXPECT_PT(expr) do {						\
	int e_ = (expr);						\
	EXPECT(e_ == 0, "%s: %s", #expr, strerror(e_));		\
} while (0)

static long wake(fword *w, int n)
{
	return futex(w, FUTEX_WAKE, n, NULL, NULL, 0);
}

/* ---- children, the watchdog, clean-up ---- */

static void on_usr1(int sig)
{
	(void)sig;
	sh->hits++;
}

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
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	memset((void *)sh, 0, sizeof(*sh));
}

#define CASE(fn) do {							\
	alarm(WATCHDOG_S);						\
	RUN(fn);							\
	alarm(0);							\
	clean_up();							\
} while (0)

/* How a child ended, for failure messages. */
static const char *st_str(int st)
{
	static char bufs[4][64];
	static int next;
	char *b = bufs[next++ & 3];

	if (st == -1)
		snprintf(b, 64, "no status");
	else if (WIFEXITED(st) && WEXITSTATUS(st) >= 100)
		snprintf(b, 64, "futex failed: %s", strerror(WEXITSTATUS(st) - 100));
	else if (WIFEXITED(st))
		snprintf(b, 64, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(b, 64, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(b, 64, "status %#x", st);
	return b;
}

/* What a waiter child exits with: 0 when futex returned 0, 100 + errno. */
static void __attribute__((noreturn)) exit_with(long r)
{
	_exit(r == 0 ? 0 : r > 0 ? 98 : 100 + errno);
}

/*
 * Fork a child that waits on @w with @op for value @val, the timeout @ts
 * and bitset @val3, and exits as exit_with() says; return once it sleeps
 * in the call. -1 (the case failed) if it could not be started or never
 * slept.
 */
static pid_t spawn_waiter(fword *w, int op, uint32_t val, const struct timespec *ts,
			  uint32_t val3)
{
	pid_t pid = spawn();
	char s;

	if (pid == 0)
		exit_with(futex(w, op, val, ts, NULL, val3));
	if (pid < 0) {
		ut_fail("fork: %s", strerror(errno));
		return -1;
	}
	s = wait_state(pid, "S");
	if (s != 'S') {
		ut_fail("waiter %d never slept in futex (state %c)", (int)pid, s);
		return -1;
	}
	return pid;
}

/* Reap waiter @pid (at most 10 s): did futex return 0 there? */
static bool woke_ok(pid_t pid, int *st)
{
	for (int i = 0; i < 10000; i++) {
		if (wait_kid(pid, st, WNOHANG) == pid)
			return is_exit(*st, 0);
		usleep(1000);
	}
	*st = -1;
	return false;
}

/* Is @pid still asleep (not woken, not gone)? */
static bool still_asleep(pid_t pid)
{
	int st;

	usleep(20 * 1000);		/* a wrongly woken child gets time to run */
	return waitpid(pid, &st, WNOHANG) == 0 && proc_state(pid) == 'S';
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct timespec ns_ts(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	return ts;
}

static void *map_page(int prot, int flags)
{
	void *p = mmap(NULL, PAGE, prot, flags | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* An address nothing is mapped at. */
static fword *unmapped_word(void)
{
	void *p = map_page(PROT_READ | PROT_WRITE, MAP_PRIVATE);

	if (p)
		munmap(p, PAGE);
	return p;
}

/* ---- WAIT and WAKE ---- */

/* A forked child waits on MAP_SHARED memory; the parent's shared wake finds it. */
static void wait_wake_across_fork(void)
{
	fword *w = &sh->w[0];
	pid_t pid;
	int st;

	pid = spawn_waiter(w, FUTEX_WAIT, 0, NULL, 0);
	if (pid < 0)
		return;
	EXPECT(futex(w, WAKE_PRIV, 1, NULL, NULL, 0) == 0,
	       "a private wake in another process woke the shared waiter");
	*w = 1;
	EXPECT(wake(w, 1) == 1, "FUTEX_WAKE woke %ld, want 1", wake(w, 1));
	EXPECT(woke_ok(pid, &st), "waiter: %s", st_str(st));
	EXPECT(wake(w, 1) == 0, "a second wake found a waiter");
}

/* FUTEX_WAKE wakes at most val waiters (and one even for val 0, as Linux does). */
static void wake_counts(void)
{
	fword *w = &sh->w[0];
	pid_t pid[3];
	int st;

	for (int i = 0; i < 3; i++) {
		pid[i] = spawn_waiter(w, FUTEX_WAIT, 0, NULL, 0);
		if (pid[i] < 0)
			return;
	}
	EXPECT(wake(w, 0) == 1, "FUTEX_WAKE with val 0 must wake one (Linux)");
	EXPECT(wake(w, 1) == 1, "FUTEX_WAKE 1 did not wake one");
	EXPECT(wake(w, INT_MAX) == 1, "FUTEX_WAKE INT_MAX did not wake the last one");
	for (int i = 0; i < 3; i++)
		EXPECT(woke_ok(pid[i], &st), "waiter %d: %s", i, st_str(st));
}

static void wait_value_mismatch(void)
{
	uint32_t *priv = map_page(PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct timespec ts = { 5, 0 };

	EXPECT(priv, "mmap: %s", strerror(errno));
	*priv = 7;
	sh->w[0] = 7;
	EXPECT_ERRNO(futex(priv, WAIT_PRIV, 8, NULL, NULL, 0), EAGAIN);
	EXPECT_ERRNO(futex(priv, FUTEX_WAIT, 8, NULL, NULL, 0), EAGAIN);
	EXPECT_ERRNO(futex(&sh->w[0], FUTEX_WAIT, 6, &ts, NULL, 0), EAGAIN);
	EXPECT_ERRNO(futex(&sh->w[0], FUTEX_WAIT_BITSET, 0, NULL, NULL, 1), EAGAIN);
	EXPECT(EAGAIN == EWOULDBLOCK, "EAGAIN and EWOULDBLOCK differ");
	munmap(priv, PAGE);
}

static void bad_addresses(void)
{
	fword *hole = unmapped_word();
	uint32_t *none = map_page(PROT_NONE, MAP_PRIVATE);
	fword *kaddr = (fword *)0xffffffff80000000ul;
	fword *mis = (fword *)((char *)&sh->w[1] + 1);
	struct timespec bad = { 0, -1 };

	EXPECT(hole && none, "mmap: %s", strerror(errno));
	/* Misaligned: EINVAL, whatever else is wrong. */
	EXPECT_ERRNO(futex(mis, FUTEX_WAIT, 0, NULL, NULL, 0), EINVAL);
	EXPECT_ERRNO(futex(mis, WAIT_PRIV, 0, NULL, NULL, 0), EINVAL);
	EXPECT_ERRNO(futex(mis, FUTEX_WAKE, 1, NULL, NULL, 0), EINVAL);
	EXPECT_ERRNO(futex(mis, WAKE_PRIV, 1, NULL, NULL, 0), EINVAL);
	EXPECT_ERRNO(futex((fword *)((char *)hole + 2), FUTEX_WAKE, 1, NULL, NULL, 0), EINVAL);
	/* Unmapped, kernel, NULL, PROT_NONE: EFAULT. */
	EXPECT_ERRNO(futex(hole, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT);
	EXPECT_ERRNO(futex(hole, WAIT_PRIV, 0, NULL, NULL, 0), EFAULT);
	EXPECT_ERRNO(futex(hole, FUTEX_WAKE, 1, NULL, NULL, 0), EFAULT);
	EXPECT_ERRNO(futex(NULL, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT);
	EXPECT_ERRNO(futex(kaddr, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT);
	EXPECT_ERRNO(futex(kaddr, WAKE_PRIV, 1, NULL, NULL, 0), EFAULT);
	EXPECT_ERRNO(futex((fword *)none, WAIT_PRIV, 0, NULL, NULL, 0), EFAULT);
	EXPECT_ERRNO(futex((fword *)none, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT);
	EXPECT_ERRNO(futex((fword *)none, FUTEX_WAKE, 1, NULL, NULL, 0), EFAULT);
	/* A private wake does not look at the memory: nobody waits there. */
	EXPECT(futex(hole, WAKE_PRIV, 1, NULL, NULL, 0) == 0, "private wake of a hole: %s",
	       strerror(errno));
	/* The timeout is checked before the address. */
	EXPECT_ERRNO(futex(hole, FUTEX_WAIT, 0, &bad, NULL, 0), EINVAL);
	munmap(none, PAGE);
}

static void unknown_ops(void)
{
	fword *w = &sh->w[0];

	EXPECT_ERRNO(futex(w, 14, 0, NULL, NULL, 0), ENOSYS);
	EXPECT_ERRNO(futex(w, 0x7f, 0, NULL, NULL, 0), ENOSYS);
	EXPECT_ERRNO(futex(w, FUTEX_WAKE | 0x1000, 1, NULL, NULL, 0), ENOSYS);
	/* FUTEX_CLOCK_REALTIME only with the absolute wait. */
	EXPECT_ERRNO(futex(w, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0), ENOSYS);
	EXPECT_ERRNO(futex(w, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0), ENOSYS);
	EXPECT_ERRNO(futex_n(w, FUTEX_REQUEUE | FUTEX_CLOCK_REALTIME, 1, 1, w, 0), ENOSYS);
	EXPECT_ERRNO(futex(w, FUTEX_WAKE_BITSET | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 1), ENOSYS);
}

/*
 * Words on pages never touched (demand-zero memory, a memfd hole): the
 * kernel reads them under its bucket lock, where it cannot take a page
 * fault, so it must fault them in outside the lock and try again.
 */
static void untouched_pages(void)
{
	struct timespec ts = { 0, 1000000 };
	uint32_t *priv = map_page(PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint32_t *shd = map_page(PROT_READ | PROT_WRITE, MAP_SHARED);
	int fd = memfd_create("futex_hole", 0);
	uint32_t *hole;

	EXPECT(priv && shd && fd >= 0, "mmap/memfd: %s", strerror(errno));
	EXPECT_OK(ftruncate(fd, PAGE));
	hole = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	EXPECT(hole != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_ERRNO(futex(priv, WAIT_PRIV, 1, NULL, NULL, 0), EAGAIN);
	EXPECT_ERRNO(futex(priv + 1, WAIT_PRIV, 0, &ts, NULL, 0), ETIMEDOUT);
	EXPECT_ERRNO(futex(shd, FUTEX_WAIT, 1, NULL, NULL, 0), EAGAIN);
	EXPECT_ERRNO(futex(hole, FUTEX_WAIT, 0, &ts, NULL, 0), ETIMEDOUT);
	EXPECT_ERRNO(futex_n(shd + 1, FUTEX_CMP_REQUEUE, 1, 1, shd, 1), EAGAIN);
	EXPECT(futex_n(hole + 1, FUTEX_CMP_REQUEUE, 1, 1, hole, 0) == 0,
	       "CMP_REQUEUE on a memfd hole: %s", strerror(errno));
	munmap(priv, PAGE);
	munmap(shd, PAGE);
	munmap(hole, PAGE);
}

/* ---- timeouts ---- */

/* FUTEX_WAIT's timeout is relative: ETIMEDOUT, never early. */
static void relative_timeout(void)
{
	struct timespec ts = { 0, 200 * 1000000L }, zero = { 0, 0 };
	uint64_t t0, dt;
	int ops[] = { FUTEX_WAIT, WAIT_PRIV };

	for (int i = 0; i < 2; i++) {
		t0 = now_ns(CLOCK_MONOTONIC);
		EXPECT_ERRNO(futex(&sh->w[0], ops[i], 0, &ts, NULL, 0), ETIMEDOUT);
		dt = now_ns(CLOCK_MONOTONIC) - t0;
		EXPECT(dt >= 200 * 1000000ull, "op %#x: timed out after %llu ns, before 200 ms",
		       ops[i], (unsigned long long)dt);
		EXPECT(dt < 30 * 1000000000ull, "op %#x: took %llu ns", ops[i],
		       (unsigned long long)dt);
	}
	EXPECT_ERRNO(futex(&sh->w[0], FUTEX_WAIT, 0, &zero, NULL, 0), ETIMEDOUT);
}

/* FUTEX_WAIT_BITSET's timeout is an absolute time of CLOCK_MONOTONIC or CLOCK_REALTIME. */
static void absolute_timeout(void)
{
	static const struct { clockid_t clk; int flag; } c[] = {
		{ CLOCK_MONOTONIC, 0 }, { CLOCK_REALTIME, FUTEX_CLOCK_REALTIME },
	};

	for (int i = 0; i < 2; i++) {
		uint64_t deadline = now_ns(c[i].clk) + 200 * 1000000ull, end;
		struct timespec ts = ns_ts(deadline), past = { 1, 0 };
		int op = FUTEX_WAIT_BITSET | c[i].flag;

		EXPECT_ERRNO(futex(&sh->w[0], op, 0, &ts, NULL, FUTEX_BITSET_MATCH_ANY),
			     ETIMEDOUT);
		end = now_ns(c[i].clk);
		EXPECT(end >= deadline, "clock %d: timed out %llu ns before the deadline",
		       (int)c[i].clk, (unsigned long long)(deadline - end));
		EXPECT(end - deadline < 30 * 1000000000ull, "clock %d: %llu ns late",
		       (int)c[i].clk, (unsigned long long)(end - deadline));
		/* A deadline in the past: at once. */
		EXPECT_ERRNO(futex(&sh->w[0], op | FUTEX_PRIVATE_FLAG, 0, &past, NULL, 1),
			     ETIMEDOUT);
	}
}

static void bad_timeouts(void)
{
	struct timespec bad[] = { { 0, -1 }, { 0, 1000000000L }, { -1, 0 } };
	struct timespec huge = { LONG_MAX, 999999999L };
	fword *hole = unmapped_word();

	for (int i = 0; i < 3; i++) {
		EXPECT_ERRNO(futex(&sh->w[0], FUTEX_WAIT, 0, &bad[i], NULL, 0), EINVAL);
		EXPECT_ERRNO(futex(&sh->w[0], FUTEX_WAIT_BITSET, 0, &bad[i], NULL, 1), EINVAL);
		/* Checked before the value too. */
		EXPECT_ERRNO(futex(&sh->w[0], FUTEX_WAIT, 1, &bad[i], NULL, 0), EINVAL);
	}
	EXPECT_ERRNO(futex(&sh->w[0], FUTEX_WAIT, 0, (struct timespec *)hole, NULL, 0), EFAULT);
	/* A huge timeout is "forever", not an error: the value decides here. */
	EXPECT_ERRNO(futex(&sh->w[0], FUTEX_WAIT, 1, &huge, NULL, 0), EAGAIN);
	/* The fourth argument of a wake is not read as a timeout. */
	EXPECT(futex(&sh->w[0], FUTEX_WAKE, 1, (struct timespec *)hole, NULL, 0) == 0,
	       "FUTEX_WAKE read its fourth argument: %s", strerror(errno));
}

/* ---- bitsets ---- */

static void bitset_zero_einval(void)
{
	EXPECT_ERRNO(futex(&sh->w[0], FUTEX_WAIT_BITSET, 0, NULL, NULL, 0), EINVAL);
	EXPECT_ERRNO(futex(&sh->w[0], FUTEX_WAIT_BITSET, 1, NULL, NULL, 0), EINVAL);
	EXPECT_ERRNO(futex(&sh->w[0], FUTEX_WAKE_BITSET, 1, NULL, NULL, 0), EINVAL);
	EXPECT_ERRNO(futex(&sh->w[0], FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0),
		     EINVAL);
}

/* FUTEX_WAKE_BITSET wakes only waiters whose bitset shares a bit with its own. */
static void wake_bitset_selects(void)
{
	fword *w = &sh->w[0];
	pid_t a, b, any;
	int st;

	a = spawn_waiter(w, FUTEX_WAIT_BITSET, 0, NULL, 0x1);
	b = spawn_waiter(w, FUTEX_WAIT_BITSET, 0, NULL, 0x6);
	any = spawn_waiter(w, FUTEX_WAIT, 0, NULL, 0);
	if (a < 0 || b < 0 || any < 0)
		return;
	/* Bit 3: only the FUTEX_WAIT waiter (bitset "any") has it. */
	EXPECT(futex(w, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 0x8) == 1,
	       "WAKE_BITSET 0x8 should wake only the plain waiter");
	EXPECT(woke_ok(any, &st), "plain waiter: %s", st_str(st));
	EXPECT(futex(w, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 0x8) == 0,
	       "WAKE_BITSET 0x8 woke a waiter without bit 3");
	EXPECT(futex(w, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 0x4) == 1,
	       "WAKE_BITSET 0x4 should wake the 0x6 waiter");
	EXPECT(woke_ok(b, &st), "0x6 waiter: %s", st_str(st));
	EXPECT(still_asleep(a), "the 0x1 waiter was woken");
	EXPECT(wake(w, INT_MAX) == 1, "FUTEX_WAKE should wake the 0x1 waiter");
	EXPECT(woke_ok(a, &st), "0x1 waiter: %s", st_str(st));
}

/* ---- REQUEUE, CMP_REQUEUE ---- */

/* Wake 1 of 4, move 2 to B, leave 1 on A; wakes on A and B then find them there. */
static void requeue_counts(void)
{
	fword *a = &sh->w[0], *b = &sh->w[1];
	pid_t pid[4];
	int st;

	for (int i = 0; i < 4; i++) {
		pid[i] = spawn_waiter(a, FUTEX_WAIT, 0, NULL, 0);
		if (pid[i] < 0)
			return;
	}
	EXPECT(futex_n(a, FUTEX_REQUEUE, 1, 2, b, 0) == 3,
	       "FUTEX_REQUEUE(1 woken, 2 moved) should return 3: %s", strerror(errno));
	EXPECT(wake(a, INT_MAX) == 1, "not exactly one waiter left on A");
	EXPECT(wake(b, INT_MAX) == 2, "not exactly two waiters moved to B");
	for (int i = 0; i < 4; i++)
		EXPECT(woke_ok(pid[i], &st), "waiter %d: %s", i, st_str(st));
}

static void requeue_errors(void)
{
	fword *a = &sh->w[0], *hole = unmapped_word();
	fword *mis = (fword *)((char *)&sh->w[1] + 2);

	EXPECT_ERRNO(futex_n(a, FUTEX_REQUEUE, 1, -1, &sh->w[1], 0), EINVAL);
	EXPECT_ERRNO(futex_n(a, FUTEX_REQUEUE, -1, 1, &sh->w[1], 0), EINVAL);
	EXPECT_ERRNO(futex_n(a, FUTEX_CMP_REQUEUE, -1, 1, &sh->w[1], 0), EINVAL);
	EXPECT_ERRNO(futex_n(a, FUTEX_REQUEUE, 1, 1, mis, 0), EINVAL);
	EXPECT_ERRNO(futex_n(a, FUTEX_REQUEUE, 1, 1, hole, 0), EFAULT);
	EXPECT_ERRNO(futex_n(hole, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, 1, a, 0), EFAULT);
	EXPECT(futex_n(a, FUTEX_REQUEUE, 1, 1, a, 0) == 0, "requeue onto itself, no waiters");
}

/* CMP_REQUEUE acts only while *A holds val3, and counts woken + requeued. */
static void cmp_requeue(void)
{
	fword *a = &sh->w[0], *b = &sh->w[1];
	pid_t p1, p2;
	int st;

	*a = 7;
	p1 = spawn_waiter(a, FUTEX_WAIT, 7, NULL, 0);
	p2 = spawn_waiter(a, FUTEX_WAIT, 7, NULL, 0);
	if (p1 < 0 || p2 < 0)
		return;
	EXPECT_ERRNO(futex_n(a, FUTEX_CMP_REQUEUE, 1, INT_MAX, b, 8), EAGAIN);
	EXPECT(wake(b, INT_MAX) == 0, "a failed CMP_REQUEUE moved waiters");
	EXPECT(futex_n(a, FUTEX_CMP_REQUEUE, 0, 1, b, 7) == 1,
	       "CMP_REQUEUE(0 woken, 1 moved) should return 1: %s", strerror(errno));
	EXPECT(still_asleep(p1) && still_asleep(p2), "CMP_REQUEUE with nr_wake 0 woke someone");
	EXPECT(wake(b, INT_MAX) == 1, "the moved waiter is not on B");
	EXPECT(wake(a, INT_MAX) == 1, "the other waiter is not on A");
	EXPECT(woke_ok(p1, &st), "waiter 1: %s", st_str(st));
	EXPECT(woke_ok(p2, &st), "waiter 2: %s", st_str(st));
	EXPECT(futex_n(a, FUTEX_CMP_REQUEUE, 1, 1, b, 7) == 0, "no waiters: 0");
}

/* ---- WAKE_OP ---- */

/* Each operation's write, with no waiters (0 woken). */
static void wake_op_writes(void)
{
	static const struct { uint32_t op, before, after; } t[] = {
		{ FUTEX_OP(FUTEX_OP_SET, 5, 0, 0), 100, 5 },
		{ FUTEX_OP(FUTEX_OP_SET, -1, 0, 0), 100, 0xffffffffu },
		{ FUTEX_OP(FUTEX_OP_ADD, 3, 0, 0), 100, 103 },
		{ FUTEX_OP(FUTEX_OP_ADD, -2, 0, 0), 100, 98 },
		{ FUTEX_OP(FUTEX_OP_OR, 0x0f, 0, 0), 0x30, 0x3f },
		{ FUTEX_OP(FUTEX_OP_ANDN, 0x0f, 0, 0), 0xff, 0xf0 },
		{ FUTEX_OP(FUTEX_OP_XOR, 0xff, 0, 0), 0x0f, 0xf0 },
		{ FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 4, 0, 0), 0, 16 },
		{ FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 31, 0, 0), 1, 0x80000001u },
	};
	fword *w1 = &sh->w[0], *w2 = &sh->w[1];
	uint32_t *priv = map_page(PROT_READ | PROT_WRITE, MAP_PRIVATE);

	EXPECT(priv, "mmap: %s", strerror(errno));
	for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		*w2 = t[i].before;
		EXPECT(futex_n(w1, FUTEX_WAKE_OP, 1, 1, w2, t[i].op) == 0,
		       "op %#x: %s", t[i].op, strerror(errno));
		EXPECT(*w2 == t[i].after, "op %#x: %#x -> %#x, want %#x", t[i].op,
		       t[i].before, *w2, t[i].after);
	}
	/* A private op on a page never touched: the write faults it in. */
	EXPECT(futex_n(priv, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, priv + 1,
		       FUTEX_OP(FUTEX_OP_ADD, 9, 0, 0)) == 0, "untouched page: %s", strerror(errno));
	EXPECT(priv[1] == 9, "untouched page holds %u, want 9", priv[1]);
	/* An unknown op writes nothing; an unknown comparison fails after the write. */
	*w2 = 50;
	EXPECT_ERRNO(futex_n(w1, FUTEX_WAKE_OP, 1, 1, w2, FUTEX_OP(5, 1, 0, 0)), ENOSYS);
	EXPECT_ERRNO(futex_n(w1, FUTEX_WAKE_OP, 1, 1, w2, FUTEX_OP(7, 1, 0, 0)), ENOSYS);
	EXPECT(*w2 == 50, "an unknown op wrote %u", *w2);
	EXPECT_ERRNO(futex_n(w1, FUTEX_WAKE_OP, 1, 1, w2, FUTEX_OP(FUTEX_OP_SET, 3, 6, 0)), ENOSYS);
	EXPECT(*w2 == 3, "an unknown comparison: the op was not done first (%u)", *w2);
	munmap(priv, PAGE);
}

/*
 * The wake-ups: waiters on uaddr1 always, on uaddr2 when the comparison
 * of uaddr2's old value holds - for every comparison, true and false,
 * with signed values.
 */
static void wake_op_wakes(void)
{
	static const struct { int cmp, old, arg; bool holds; } t[] = {
		{ FUTEX_OP_CMP_EQ, 5, 5, true }, { FUTEX_OP_CMP_EQ, 5, 4, false },
		{ FUTEX_OP_CMP_NE, 5, 4, true }, { FUTEX_OP_CMP_NE, 5, 5, false },
		{ FUTEX_OP_CMP_LT, -3, -2, true }, { FUTEX_OP_CMP_LT, 2, -2, false },
		{ FUTEX_OP_CMP_LE, 4, 4, true }, { FUTEX_OP_CMP_LE, 5, 4, false },
		{ FUTEX_OP_CMP_GT, 5, 4, true }, { FUTEX_OP_CMP_GT, 4, 4, false },
		{ FUTEX_OP_CMP_GE, 4, 4, true }, { FUTEX_OP_CMP_GE, 3, 4, false },
	};
	fword *w1 = &sh->w[0], *w2 = &sh->w[1];
	pid_t p1, p2 = -1;
	int st;

	/* Both wake-ups at once, counted together. */
	*w2 = 1;
	p1 = spawn_waiter(w1, FUTEX_WAIT, 0, NULL, 0);
	p2 = spawn_waiter(w2, FUTEX_WAIT, 1, NULL, 0);
	if (p1 < 0 || p2 < 0)
		return;
	EXPECT(futex_n(w1, FUTEX_WAKE_OP, 1, 1, w2, FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 1))
	       == 2, "WAKE_OP should wake both waiters: %s", strerror(errno));
	EXPECT(*w2 == 2, "*uaddr2 is %u, want 2", *w2);
	EXPECT(woke_ok(p1, &st) && woke_ok(p2, &st), "waiter: %s", st_str(st));
	p2 = -1;
	for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t op = FUTEX_OP(FUTEX_OP_SET, t[i].old, t[i].cmp, t[i].arg);
		long n;

		*w2 = (uint32_t)t[i].old;
		if (p2 < 0) {
			p2 = spawn_waiter(w2, FUTEX_WAIT, *w2, NULL, 0);
			if (p2 < 0)
				return;
		}
		n = futex_n(w1, FUTEX_WAKE_OP, 1, 1, w2, op);
		EXPECT(n == (t[i].holds ? 1 : 0), "cmp %d old %d arg %d: woke %ld, want %d",
		       t[i].cmp, t[i].old, t[i].arg, n, t[i].holds);
		if (t[i].holds) {
			EXPECT(woke_ok(p2, &st), "waiter: %s", st_str(st));
			p2 = -1;
		} else {
			EXPECT(still_asleep(p2), "cmp %d old %d arg %d: the waiter was woken",
			       t[i].cmp, t[i].old, t[i].arg);
		}
	}
}

/* uaddr2 must be writable: read-only or unmapped is EFAULT, and nothing is woken. */
static void wake_op_faults(void)
{
	uint32_t *ro = map_page(PROT_READ, MAP_PRIVATE);
	uint32_t *ro_sh = map_page(PROT_READ, MAP_SHARED);
	fword *hole = unmapped_word(), *w1 = &sh->w[0];
	uint32_t op = FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0);
	pid_t p;
	int st;

	EXPECT(ro && ro_sh, "mmap: %s", strerror(errno));
	p = spawn_waiter(w1, FUTEX_WAIT, 0, NULL, 0);
	if (p < 0)
		return;
	EXPECT_ERRNO(futex_n(w1, FUTEX_WAKE_OP, 1, 1, ro, op), EFAULT);
	EXPECT_ERRNO(futex_n(w1, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, ro, op), EFAULT);
	EXPECT_ERRNO(futex_n(w1, FUTEX_WAKE_OP, 1, 1, ro_sh, op), EFAULT);
	EXPECT_ERRNO(futex_n(w1, FUTEX_WAKE_OP, 1, 1, hole, op), EFAULT);
	EXPECT_ERRNO(futex_n(w1, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, hole, op), EFAULT);
	EXPECT_ERRNO(futex_n(w1, FUTEX_WAKE_OP, 1, 1, (fword *)((char *)&sh->w[2] + 1), op),
		     EINVAL);
	EXPECT(*ro == 0 && *ro_sh == 0, "a read-only page was written");
	EXPECT(still_asleep(p), "a failed WAKE_OP woke the waiter on uaddr1");
	EXPECT(wake(w1, 1) == 1, "the waiter is gone");
	EXPECT(woke_ok(p, &st), "waiter: %s", st_str(st));
	munmap(ro, PAGE);
	munmap(ro_sh, PAGE);
}

/* The op's write breaks copy-on-write: a forked child keeps its own value. */
static void wake_op_cow(void)
{
	uint32_t *priv = map_page(PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int go[2], st;
	pid_t pid;

	EXPECT(priv, "mmap: %s", strerror(errno));
	*priv = 40;
	EXPECT_OK(mkpipe(go));
	pid = spawn();
	if (pid == 0) {
		char c;

		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(*priv == 40 ? 0 : 1);
	}
	EXPECT(pid > 0, "fork: %s", strerror(errno));
	EXPECT(futex_n(&sh->w[0], FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, priv,
		       FUTEX_OP(FUTEX_OP_ADD, 2, 0, 0)) == 0, "WAKE_OP: %s", strerror(errno));
	EXPECT(*priv == 42, "parent's word %u, want 42", *priv);
	EXPECT(write(go[1], "x", 1) == 1, "pipe: %s", strerror(errno));
	EXPECT(wait_kid(pid, &st, 0) == pid && is_exit(st, 0),
	       "the child saw the parent's write (%s)", st_str(st));
	munmap(priv, PAGE);
}

/* ---- signals ---- */

/*
 * A child that waits (with @ts, or none) after installing a SIGUSR1
 * handler with @sa_flags, and exits 0 if futex failed with @want_errno
 * (or succeeded, for 0) after the handler ran exactly once.
 */
static pid_t spawn_handled_waiter(const struct timespec *ts, int sa_flags, int want_errno)
{
	pid_t pid = spawn();

	if (pid == 0) {
		struct sigaction sa;
		long r;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr1;
		sa.sa_flags = sa_flags;
		sigaction(SIGUSR1, &sa, NULL);
		r = futex(&sh->w[0], FUTEX_WAIT, 0, ts, NULL, 0);
		if (sh->hits != 1)
			_exit(3);
		_exit(want_errno ? (r == -1 && errno == want_errno ? 0 : 100 + errno) :
			 (r == 0 ? 0 : 100 + errno));
	}
	if (pid > 0 && wait_state(pid, "S") != 'S') {
		ut_fail("the waiter never slept");
		return -1;
	}
	return pid;
}

/* A handler without SA_RESTART: EINTR, timed or not. */
static void eintr_after_handler(void)
{
	struct timespec ts = { 60, 0 };
	const struct timespec *tss[] = { NULL, &ts };
	int st;

	for (int i = 0; i < 2; i++) {
		pid_t pid = spawn_handled_waiter(tss[i], 0, EINTR);

		if (pid < 0)
			return;
		EXPECT_OK(kill(pid, SIGUSR1));
		EXPECT(woke_ok(pid, &st), "%s wait: %s", tss[i] ? "timed" : "untimed",
		       st_str(st));
		sh->hits = 0;
	}
}

/*
 * SA_RESTART: an untimed wait goes on after the handler (ERESTARTSYS), a
 * timed one still fails with EINTR (its restart block never restarts
 * after a handler).
 */
static void sa_restart(void)
{
	struct timespec ts = { 60, 0 };
	pid_t pid;
	int st;

	pid = spawn_handled_waiter(NULL, SA_RESTART, 0);
	if (pid < 0)
		return;
	EXPECT_OK(kill(pid, SIGUSR1));
	for (int i = 0; i < 5000 && sh->hits == 0; i++)
		usleep(1000);
	EXPECT(sh->hits == 1, "the handler did not run");
	EXPECT(wait_state(pid, "S") == 'S' && still_asleep(pid),
	       "the untimed wait did not go on after the handler");
	EXPECT(wake(&sh->w[0], 1) == 1, "the restarted waiter is not queued");
	EXPECT(woke_ok(pid, &st), "untimed waiter: %s", st_str(st));

	sh->hits = 0;
	pid = spawn_handled_waiter(&ts, SA_RESTART, EINTR);
	if (pid < 0)
		return;
	EXPECT_OK(kill(pid, SIGUSR1));
	EXPECT(woke_ok(pid, &st), "timed waiter: %s", st_str(st));
}

/*
 * A stop and continue, and an ignored signal, do not end a wait: the
 * waiter sleeps on and a wake-up still finds it. Untimed, relative
 * (restart_syscall) and absolute with a bitset, which the restart must
 * keep.
 */
static void stop_cont_resumes(void)
{
	struct timespec rel = { 60, 0 }, abs = ns_ts(now_ns(CLOCK_MONOTONIC) + 60000000000ull);
	fword *w = &sh->w[0];
	pid_t pid;
	int st;

	for (int i = 0; i < 3; i++) {
		int op = i == 2 ? FUTEX_WAIT_BITSET : FUTEX_WAIT;
		uint32_t bits = i == 2 ? 0x10 : 0;

		pid = spawn_waiter(w, op, 0, i == 0 ? NULL : i == 1 ? &rel : &abs, bits);
		if (pid < 0)
			return;
		EXPECT_OK(kill(pid, SIGSTOP));
		EXPECT(wait_state(pid, "T") == 'T', "case %d: the waiter did not stop", i);
		EXPECT_OK(kill(pid, SIGCONT));
		EXPECT(wait_state(pid, "S") == 'S', "case %d: not asleep after SIGCONT", i);
		EXPECT_OK(kill(pid, SIGWINCH));		/* ignored by default */
		EXPECT(still_asleep(pid), "case %d: the wait ended", i);
		if (i == 2)
			EXPECT(futex(w, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0x1) == 0,
			       "the restarted wait lost its bitset");
		EXPECT(wake(w, 1) == 1, "case %d: the waiter is not queued after the stop", i);
		EXPECT(woke_ok(pid, &st), "case %d: waiter: %s", i, st_str(st));
	}
}

/* A stop does not reset a relative timeout: it still ends, never early. */
static void stop_cont_keeps_timeout(void)
{
	pid_t pid = spawn();
	int st;

	if (pid == 0) {
		struct timespec ts = { 2, 0 };
		uint64_t t0 = now_ns(CLOCK_MONOTONIC);
		long r = futex(&sh->w[0], FUTEX_WAIT, 0, &ts, NULL, 0);

		if (r != -1 || errno != ETIMEDOUT)
			exit_with(r ? r : 1);
		_exit(now_ns(CLOCK_MONOTONIC) - t0 >= 2000000000ull ? 0 : 2);
	}
	EXPECT(pid > 0, "fork: %s", strerror(errno));
	EXPECT(wait_state(pid, "S") == 'S', "the waiter never slept");
	EXPECT_OK(kill(pid, SIGSTOP));
	EXPECT(wait_state(pid, "T") == 'T', "the waiter did not stop");
	EXPECT_OK(kill(pid, SIGCONT));
	EXPECT(wait_kid(pid, &st, 0) == pid && is_exit(st, 0),
	       "want ETIMEDOUT after >= 2 s: %s", st_str(st));
}

/* SIGKILL ends a wait, and the dead waiter leaves the queue. */
static void sigkill_waiter(void)
{
	fword *w = &sh->w[0];
	pid_t pid = spawn_waiter(w, FUTEX_WAIT, 0, NULL, 0);
	int st;

	if (pid < 0)
		return;
	EXPECT_OK(kill(pid, SIGKILL));
	EXPECT(wait_kid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	       "waiter: %s", st_str(st));
	EXPECT(wake(w, INT_MAX) == 0, "the killed waiter is still queued");
}

/* ---- keys ---- */

/*
 * One memfd, mapped by the parent whole and by a child from its second
 * page at an address of its own: the word is named by (file, offset), so
 * they meet, and a neighbouring word or page does not.
 */
static void memfd_two_mappings(void)
{
	int fd = memfd_create("futex_test", 0), st;
	char *whole;
	pid_t pid;

	EXPECT(fd >= 0, "memfd_create: %s", strerror(errno));
	EXPECT_OK(ftruncate(fd, 2 * PAGE));
	whole = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT(whole != MAP_FAILED, "mmap: %s", strerror(errno));
	pid = spawn();
	if (pid == 0) {
		char *second = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);

		if (second == MAP_FAILED)
			_exit(2);
		sh->addr = (uintptr_t)second;
		exit_with(futex((fword *)(second + 8), FUTEX_WAIT, 0, NULL, NULL, 0));
	}
	close(fd);
	EXPECT(pid > 0, "fork: %s", strerror(errno));
	EXPECT(wait_state(pid, "S") == 'S', "the waiter never slept");
	EXPECT(sh->addr != (uintptr_t)whole + PAGE, "the child mapped the page at our address");
	EXPECT(wake((fword *)(whole + 8), INT_MAX) == 0, "woke a waiter on the first page");
	EXPECT(wake((fword *)(whole + PAGE + 12), INT_MAX) == 0, "woke a waiter of the next word");
	EXPECT(futex((fword *)(whole + PAGE + 8), WAKE_PRIV, INT_MAX, NULL, NULL, 0) == 0,
	       "a private wake found the shared waiter");
	EXPECT(wake((fword *)(whole + PAGE + 8), INT_MAX) == 1,
	       "the wake through another mapping did not find the waiter");
	EXPECT(woke_ok(pid, &st), "waiter: %s", st_str(st));
	munmap(whole, 2 * PAGE);
}

/*
 * FUTEX_PRIVATE_FLAG keys by (address space, address): a child's private
 * wait on MAP_SHARED memory is not found by a shared wake or by another
 * process's private wake. Without the flag, a private mapping is keyed by
 * address space too: a fork child's wait on its copy is not the parent's.
 */
static void private_keys_stay_private(void)
{
	uint32_t *priv = map_page(PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct timespec ts = { 60, 0 };
	pid_t a, b;

	EXPECT(priv, "mmap: %s", strerror(errno));
	*priv = 0;
	a = spawn_waiter(&sh->w[0], WAIT_PRIV, 0, &ts, 0);
	b = spawn_waiter(priv, FUTEX_WAIT, 0, &ts, 0);
	if (a < 0 || b < 0)
		return;
	EXPECT(wake(&sh->w[0], INT_MAX) == 0, "a shared wake found a private waiter");
	EXPECT(futex(&sh->w[0], WAKE_PRIV, INT_MAX, NULL, NULL, 0) == 0,
	       "another process's private wake found it");
	EXPECT(wake(priv, INT_MAX) == 0, "a wake on private memory found another mm's waiter");
	EXPECT(futex(priv, WAKE_PRIV, INT_MAX, NULL, NULL, 0) == 0,
	       "a private wake found another mm's waiter");
	EXPECT(still_asleep(a) && still_asleep(b), "a waiter was woken");
	munmap(priv, PAGE);
}

/* clone(CLONE_VM) children: private memory, one address space. */
struct vm_child {
	fword word;
	int op;
	volatile long ret;
	volatile int err;
};

static int vm_child_wait(void *arg)
{
	struct vm_child *c = arg;

	c->ret = syscall(SYS_futex, &c->word, c->op, 0, NULL, NULL, 0);
	c->err = c->ret ? errno : 0;
	return c->ret ? 1 : 0;
}

static pid_t spawn_vm_child(int (*fn)(void *), void *arg, char *stack, int flags, pid_t *ctid)
{
	pid_t pid = clone(fn, stack + 16 * PAGE, CLONE_VM | SIGCHLD | flags, arg, NULL, NULL,
			  ctid);

	if (pid > 0 && nkids < MAXKIDS)
		kids[nkids++] = pid;
	return pid;
}

/*
 * In one address space a private wait meets a private wake and a shared
 * wait a shared wake, never across (Linux keys them apart).
 */
static void clone_vm_private(void)
{
	char *stack = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vm_child *c = map_page(PROT_READ | PROT_WRITE, MAP_PRIVATE);
	static const int ops[2][2] = { { WAIT_PRIV, WAKE_PRIV }, { FUTEX_WAIT, FUTEX_WAKE } };
	int st;

	EXPECT(stack != MAP_FAILED && c, "mmap: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		pid_t pid;

		memset((void *)c, 0, sizeof(*c));
		c->op = ops[i][0];
		pid = spawn_vm_child(vm_child_wait, c, stack, 0, NULL);
		EXPECT(pid > 0, "clone: %s", strerror(errno));
		EXPECT(wait_state(pid, "S") == 'S', "op %#x: the child never slept", c->op);
		EXPECT(futex(&c->word, ops[1 - i][1], INT_MAX, NULL, NULL, 0) == 0,
		       "op %#x: the wake of the other kind found the waiter", c->op);
		EXPECT(futex(&c->word, ops[i][1], INT_MAX, NULL, NULL, 0) == 1,
		       "op %#x: the wake of its kind did not find the waiter", c->op);
		EXPECT(wait_kid(pid, &st, 0) == pid && is_exit(st, 0) && c->ret == 0,
		       "op %#x: child %s, futex %ld (%s)", c->op, st_str(st), c->ret,
		       strerror(c->err));
	}
	munmap(stack, 16 * PAGE);
	munmap((void *)c, PAGE);
}

/* A CLONE_VM child that exits once its parent sleeps (at most 5 s). */
static int exit_when_parent_sleeps(void *arg)
{
	(void)arg;
	wait_state(getppid(), "S");
	return 0;
}

/*
 * CLONE_CHILD_CLEARTID: the child's exit writes 0 to the word and does a
 * shared FUTEX_WAKE of one waiter there - pthread_join's wait. A waiter
 * with FUTEX_PRIVATE_FLAG is not woken by it (Linux's keys differ), and
 * times out with the word already 0.
 */
static void cleartid_wakes_waiter(void)
{
	char *stack = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t *tid = map_page(PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct timespec ts = { 20, 0 }, short_ts = { 1, 0 };
	long r;
	int st;

	EXPECT(stack != MAP_FAILED && tid, "mmap: %s", strerror(errno));
	*tid = 4242;
	EXPECT(spawn_vm_child(exit_when_parent_sleeps, NULL, stack, CLONE_CHILD_CLEARTID, tid) > 0,
	       "clone: %s", strerror(errno));
	r = futex((fword *)tid, FUTEX_WAIT, 4242, &ts, NULL, 0);
	EXPECT(r == 0, "the exit did not wake the waiter: %s", strerror(errno));
	EXPECT(*tid == 0, "the tid word holds %d, want 0", *tid);
	EXPECT(wait_kid(kids[0], &st, 0) > 0 && is_exit(st, 0), "child: %s", st_str(st));

	*tid = 4243;
	EXPECT(spawn_vm_child(exit_when_parent_sleeps, NULL, stack, CLONE_CHILD_CLEARTID, tid) > 0,
	       "clone: %s", strerror(errno));
	EXPECT_ERRNO(futex((fword *)tid, WAIT_PRIV, 4243, &short_ts, NULL, 0), ETIMEDOUT);
	EXPECT(*tid == 0, "the tid word holds %d, want 0", *tid);
	EXPECT(wait_kid(kids[0], &st, 0) > 0 && is_exit(st, 0), "child: %s", st_str(st));
	munmap(stack, 16 * PAGE);
	munmap(tid, PAGE);
}

/* ---- robust lists ---- */

static long set_robust(void *head, size_t len)
{
	return syscall(SYS_set_robust_list, head, len);
}

static long get_robust(long pid, void **head, size_t *len)
{
	return syscall(SYS_get_robust_list, pid, head, len);
}

static void robust_list(void)
{
	static uint64_t head[3];		/* struct robust_list_head: 24 bytes */
	void *got = NULL, *kid_head = (void *)0x5a5a000ul;
	size_t len = 0;
	int p[2], st;
	pid_t pid;
	char c;

	EXPECT(set_robust(head, 24) == 0, "set_robust_list: %s", strerror(errno));
	EXPECT(get_robust(0, &got, &len) == 0, "get_robust_list: %s", strerror(errno));
	EXPECT(got == head && len == 24, "got %p/%zu, want %p/24", got, len, (void *)head);
	EXPECT_ERRNO(set_robust(head + 1, 23), EINVAL);
	EXPECT_ERRNO(set_robust(head + 1, 48), EINVAL);
	got = NULL;
	EXPECT(get_robust(getpid(), &got, &len) == 0 && got == head,
	       "by pid: %p, want %p (the failed sets changed it?)", got, (void *)head);
	EXPECT_ERRNO(get_robust(0, (void **)8, &len), EFAULT);
	EXPECT_ERRNO(get_robust(0, &got, (size_t *)8), EFAULT);
	EXPECT_ERRNO(get_robust(INT_MAX, &got, &len), ESRCH);
	EXPECT_ERRNO(get_robust(-1, &got, &len), ESRCH);

	/* Another process's list, and EPERM for one we may not look into. */
	EXPECT_OK(mkpipe(p));
	pid = spawn();
	if (pid == 0) {
		if (set_robust(kid_head, 24))
			_exit(2);
		if (write(p[1], "x", 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	EXPECT(pid > 0, "fork: %s", strerror(errno));
	EXPECT(read(p[0], &c, 1) == 1, "the child did not start");
	EXPECT(get_robust(pid, &got, &len) == 0 && got == kid_head && len == 24,
	       "child's list: %p/%zu, want %p/24 (%s)", got, len, kid_head, strerror(errno));
	pid = spawn();
	if (pid == 0) {
		if (getuid() == 0 && setuid(65534))
			_exit(2);
		_exit(get_robust(1, &got, &len) == -1 && errno == EPERM ? 0 : 1);
	}
	EXPECT(pid > 0, "fork: %s", strerror(errno));
	EXPECT(wait_kid(pid, &st, 0) == pid && is_exit(st, 0),
	       "an unprivileged get_robust_list of pid 1 was not EPERM (%s)", st_str(st));
}

/* ---- robust lists: what a thread's exit does to the locks it holds ---- */

#define FUTEX_WAITERS		0x80000000u
#define FUTEX_OWNER_DIED	0x40000000u
#define FUTEX_TID_MASK		0x3fffffffu
#define ROBUST_LIST_LIMIT	2048

/* struct robust_list and struct robust_list_head of <linux/futex.h>. */
struct rlist {
	struct rlist *next;
};

struct rhead {
	struct rlist list;
	long futex_offset;
	struct rlist *list_op_pending;
};

/*
 * A hand-made robust lock: its word lies before its link, so the list's
 * futex_offset is negative (the kernel adds it as a signed value).
 */
struct rlock {
	fword word;
	uint32_t own;		/* nonzero: the owner stores its tid | (own & ~1) in word */
	struct rlist node;
};

#define RL_OFFSET	((long)offsetof(struct rlock, word) - (long)offsetof(struct rlock, node))
#define NOT_A_TID	FUTEX_TID_MASK		/* above any pid: never the owner's */
#define NLOCKS		4

/* What a clone(CLONE_VM) owner child and the case share (private memory). */
struct owner {
	struct rhead head;
	struct rlock l[NLOCKS];
	struct rlock *many;		/* a long list (robust_list_limit) */
	int nmany;
	void *reg;			/* what set_robust_list gets: &head, or garbage */
	volatile pid_t tid;		/* the owner's, once its words are set */
	int wait_parent;		/* exit only once the case sleeps in futex: */
	volatile int go;		/* set by the case right before its futex call */
};

/* Link @n locks into @o's list in this order (the head's own link ends it). */
static void rl_link(struct owner *o, struct rlock **locks, int n)
{
	struct rlist *prev = &o->head.list;

	for (int i = 0; i < n; i++) {
		prev->next = &locks[i]->node;
		prev = &locks[i]->node;
	}
	prev->next = &o->head.list;
	o->head.futex_offset = RL_OFFSET;
	o->reg = &o->head;
}

/* The owner: claim its locks, register the list, exit (through the kernel's walk). */
static int robust_owner(void *arg)
{
	struct owner *o = arg;
	pid_t tid = (pid_t)syscall(SYS_gettid);

	for (int i = 0; i < NLOCKS; i++)
		if (o->l[i].own)
			o->l[i].word = (uint32_t)tid | (o->l[i].own & ~1u);
	for (int i = 0; i < o->nmany; i++)
		o->many[i].word = (uint32_t)tid;
	if (syscall(SYS_set_robust_list, o->reg, sizeof(struct rhead)))
		return 1;
	o->tid = tid;
	if (o->wait_parent) {
		/* The case sleeps in nothing but futex between go and its wake-up. */
		while (!o->go)
			usleep(1000);
		wait_state(getppid(), "S");
	}
	return 0;
}

static struct owner *owner_new(void)
{
	return map_page(PROT_READ | PROT_WRITE, MAP_PRIVATE);
}

/* Start @o's owner on @stack; its tid once its words are set, or -1. */
static pid_t owner_start(struct owner *o, char *stack)
{
	pid_t pid = spawn_vm_child(robust_owner, o, stack, 0, NULL);

	if (pid < 0)
		return -1;
	for (int i = 0; i < 5000 && !o->tid; i++)
		usleep(1000);
	return o->tid ? o->tid : -1;
}

/* Start @o's owner and reap it: did it exit 0 (the walk did not hurt it)? */
static bool owner_run(struct owner *o, char *stack, int *st)
{
	pid_t pid = spawn_vm_child(robust_owner, o, stack, 0, NULL);

	return pid > 0 && wait_kid(pid, st, __WALL) == pid && is_exit(*st, 0);
}

/*
 * A thread's exit marks each lock on its robust list that it still owns:
 * the word becomes FUTEX_OWNER_DIED, FUTEX_WAITERS kept, and a waiter
 * (here the case, in a shared FUTEX_WAIT) is woken. A lock owned by
 * someone else is left alone; list_op_pending, here also on the list,
 * is handled once.
 */
static void robust_exit_marks_locks(void)
{
	char *stack = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct owner *o = owner_new();
	struct timespec ts = { 20, 0 };
	struct rlock *order[NLOCKS];
	pid_t tid;
	int st;

	EXPECT(stack != MAP_FAILED && o, "mmap: %s", strerror(errno));
	o->l[0].own = 1;				/* held, no waiters */
	o->l[1].word = NOT_A_TID;			/* someone else's */
	o->l[2].own = 1 | FUTEX_WAITERS;		/* held, the case waits */
	o->l[3].own = 1;				/* held, and pending */
	for (int i = 0; i < NLOCKS; i++)
		order[i] = &o->l[i];
	rl_link(o, order, NLOCKS);
	o->head.list_op_pending = &o->l[3].node;
	o->wait_parent = 1;
	tid = owner_start(o, stack);
	EXPECT(tid > 0, "the owner did not start");
	o->go = 1;
	EXPECT(futex(&o->l[2].word, FUTEX_WAIT, (uint32_t)tid | FUTEX_WAITERS, &ts, NULL, 0) == 0,
	       "the owner's death did not wake the waiter: %s", strerror(errno));
	EXPECT(wait_kid(kids[0], &st, __WALL) > 0 && is_exit(st, 0), "owner: %s", st_str(st));
	EXPECT(o->l[0].word == FUTEX_OWNER_DIED, "lock 0: %#x, want OWNER_DIED", o->l[0].word);
	EXPECT(o->l[1].word == NOT_A_TID, "lock 1 (not its own) became %#x", o->l[1].word);
	EXPECT(o->l[2].word == (FUTEX_WAITERS | FUTEX_OWNER_DIED),
	       "lock 2: %#x, want WAITERS|OWNER_DIED", o->l[2].word);
	EXPECT(o->l[3].word == FUTEX_OWNER_DIED, "lock 3 (pending): %#x, want OWNER_DIED",
	       o->l[3].word);
	munmap(stack, 16 * PAGE);
	munmap(o, PAGE);
}

/*
 * The death wake-up is a shared FUTEX_WAKE (Linux's handle_futex_death):
 * a waiter with FUTEX_PRIVATE_FLAG has another key and is not woken, though
 * the word is marked. It times out.
 */
static void robust_private_waiter_not_woken(void)
{
	char *stack = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct owner *o = owner_new();
	struct timespec ts = { 1, 0 };
	struct rlock *order[1];
	pid_t tid;
	int st;

	EXPECT(stack != MAP_FAILED && o, "mmap: %s", strerror(errno));
	o->l[0].own = 1 | FUTEX_WAITERS;
	order[0] = &o->l[0];
	rl_link(o, order, 1);
	o->wait_parent = 1;
	tid = owner_start(o, stack);
	EXPECT(tid > 0, "the owner did not start");
	o->go = 1;
	EXPECT_ERRNO(futex(&o->l[0].word, WAIT_PRIV, (uint32_t)tid | FUTEX_WAITERS, &ts, NULL, 0),
		     ETIMEDOUT);
	EXPECT(wait_kid(kids[0], &st, __WALL) > 0 && is_exit(st, 0), "owner: %s", st_str(st));
	EXPECT(o->l[0].word == (FUTEX_WAITERS | FUTEX_OWNER_DIED),
	       "lock: %#x, want WAITERS|OWNER_DIED", o->l[0].word);
	munmap(stack, 16 * PAGE);
	munmap(o, PAGE);
}

/*
 * list_op_pending names a lock whose word is 0 (being taken, or just
 * released): a waiter may have been woken to take it, so the exit wakes
 * one. The word stays 0.
 */
static void robust_pending_free_lock_wakes(void)
{
	char *stack = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct owner *o = owner_new();
	struct timespec ts = { 20, 0 };
	int st;

	EXPECT(stack != MAP_FAILED && o, "mmap: %s", strerror(errno));
	rl_link(o, NULL, 0);				/* an empty list */
	o->head.list_op_pending = &o->l[0].node;	/* word 0 */
	o->wait_parent = 1;
	EXPECT(owner_start(o, stack) > 0, "the owner did not start");
	o->go = 1;
	EXPECT(futex(&o->l[0].word, FUTEX_WAIT, 0, &ts, NULL, 0) == 0,
	       "the owner's death did not wake the pending lock's waiter: %s", strerror(errno));
	EXPECT(wait_kid(kids[0], &st, __WALL) > 0 && is_exit(st, 0), "owner: %s", st_str(st));
	EXPECT(o->l[0].word == 0, "the pending lock's word became %#x", o->l[0].word);
	munmap(stack, 16 * PAGE);
	munmap(o, PAGE);
}

/*
 * Lists no C library would make: the exiting thread ends normally, the
 * process and the kernel live on, and the walk does what Linux's does -
 * a cycle is followed ROBUST_LIST_LIMIT times (each lock marked once),
 * any fault or misaligned word ends the walk, and only the first
 * ROBUST_LIST_LIMIT entries of a long list are looked at (list_op_pending
 * still is).
 */
static void robust_bad_lists(void)
{
	char *stack = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct owner *o = owner_new();
	size_t many_len = (ROBUST_LIST_LIMIT + 60) * sizeof(struct rlock);
	struct rlock *order[NLOCKS];
	void *hole = (void *)unmapped_word();
	int st, n;

	EXPECT(stack != MAP_FAILED && o, "mmap: %s", strerror(errno));

	/* A lock whose link points at itself: marked, and the walk ends. */
	o->l[0].own = 1;
	o->reg = &o->head;
	o->head.list.next = &o->l[0].node;
	o->head.futex_offset = RL_OFFSET;
	o->l[0].node.next = &o->l[0].node;
	EXPECT(owner_run(o, stack, &st), "self loop: owner %s", st_str(st));
	EXPECT(o->l[0].word == FUTEX_OWNER_DIED, "self loop: %#x, want OWNER_DIED", o->l[0].word);

	/* Two locks in a cycle that never comes back to the head. */
	memset(o, 0, sizeof(*o));
	o->l[0].own = o->l[1].own = 1;
	order[0] = &o->l[0];
	order[1] = &o->l[1];
	rl_link(o, order, 2);
	o->l[1].node.next = &o->l[0].node;
	EXPECT(owner_run(o, stack, &st), "cycle: owner %s", st_str(st));
	EXPECT(o->l[0].word == FUTEX_OWNER_DIED && o->l[1].word == FUTEX_OWNER_DIED,
	       "cycle: %#x %#x, want OWNER_DIED twice", o->l[0].word, o->l[1].word);

	/* The head unmapped, a kernel address, misaligned; a link into a hole. */
	void *heads[] = { hole, (void *)0xffff888000000000ul, (char *)&o->head + 1, NULL };

	for (int i = 0; i < 4; i++) {
		memset(o, 0, sizeof(*o));
		o->l[0].own = o->l[1].own = 1;
		order[0] = &o->l[0];
		order[1] = &o->l[1];
		rl_link(o, order, 2);
		if (heads[i])
			o->reg = heads[i];
		else
			o->l[0].node.next = hole;	/* lock 0, then a fault */
		EXPECT(owner_run(o, stack, &st), "bad list %d: owner %s", i, st_str(st));
		if (!heads[i])
			EXPECT(o->l[0].word == FUTEX_OWNER_DIED && (o->l[1].word & FUTEX_TID_MASK),
			       "link into a hole: %#x %#x, want lock 0 marked, lock 1 not",
			       o->l[0].word, o->l[1].word);
		else if (i < 2)
			EXPECT((o->l[0].word & FUTEX_TID_MASK) && (o->l[1].word & FUTEX_TID_MASK),
			       "bad head %d: a lock was marked (%#x %#x)", i, o->l[0].word,
			       o->l[1].word);
	}

	/* A misaligned futex word ends the walk: nothing after it is marked. */
	memset(o, 0, sizeof(*o));
	o->l[0].own = o->l[1].own = 1;
	order[0] = &o->l[0];
	order[1] = &o->l[1];
	rl_link(o, order, 2);
	o->head.futex_offset = RL_OFFSET + 1;
	o->head.list_op_pending = &o->l[1].node;
	EXPECT(owner_run(o, stack, &st), "misaligned: owner %s", st_str(st));
	EXPECT((o->l[0].word & FUTEX_TID_MASK) && (o->l[1].word & FUTEX_TID_MASK),
	       "misaligned words: %#x %#x changed", o->l[0].word, o->l[1].word);

	/* A list longer than the limit: the first ROBUST_LIST_LIMIT, and the pending one. */
	memset(o, 0, sizeof(*o));
	o->many = mmap(NULL, many_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	EXPECT(o->many != MAP_FAILED, "mmap: %s", strerror(errno));
	o->nmany = ROBUST_LIST_LIMIT + 60;
	o->head.list.next = &o->many[0].node;
	for (int i = 0; i + 1 < o->nmany; i++)
		o->many[i].node.next = &o->many[i + 1].node;
	o->many[o->nmany - 1].node.next = &o->head.list;
	o->head.futex_offset = RL_OFFSET;
	o->head.list_op_pending = &o->many[o->nmany - 1].node;
	o->reg = &o->head;
	EXPECT(owner_run(o, stack, &st), "long list: owner %s", st_str(st));
	n = 0;
	while (n < o->nmany && o->many[n].word == FUTEX_OWNER_DIED)
		n++;
	EXPECT(n == ROBUST_LIST_LIMIT, "long list: the first %d locks marked, want %d", n,
	       ROBUST_LIST_LIMIT);
	for (int i = ROBUST_LIST_LIMIT; i < o->nmany - 1; i++)
		EXPECT(o->many[i].word & FUTEX_TID_MASK, "long list: lock %d (past the limit) "
		       "became %#x", i, o->many[i].word);
	EXPECT(o->many[o->nmany - 1].word == FUTEX_OWNER_DIED,
	       "long list: the pending lock is %#x, want OWNER_DIED", o->many[o->nmany - 1].word);
	munmap(o->many, many_len);
	munmap(stack, 16 * PAGE);
	munmap(o, PAGE);
}

/* ---- robust pthread mutexes ---- */

/* A robust mutex, process-shared if @pshared. 0 or the pthread error. */
static int robust_mutex_init(pthread_mutex_t *m, int pshared)
{
	pthread_mutexattr_t a;
	int e;

	pthread_mutexattr_init(&a);
	e = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (!e && pshared)
		e = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!e)
		e = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return e;
}

/* The owner's death is seen, repaired and forgotten: EOWNERDEAD, consistent, then normal. */
static int robust_mutex_recover(pthread_mutex_t *m, int got)
{
	if (got != EOWNERDEAD)
		return got ? got : -1;
	if (pthread_mutex_consistent(m) || pthread_mutex_unlock(m))
		return -2;
	if (pthread_mutex_lock(m) || pthread_mutex_unlock(m))
		return -3;
	return 0;
}

/* The state letter of thread @tid of this process, or 0. */
static char thread_state(pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	return ut_stat_state(path);
}

static struct robust_threads {
	pthread_mutex_t m;
	volatile int locked, release;	/* the owner holds it; it may exit now */
	volatile pid_t waiter_tid;
	volatile int waiter_got;	/* what the waiter's lock returned */
} rt;

static void *robust_lock_and_exit(void *arg)
{
	(void)arg;
	if (pthread_mutex_lock(&rt.m))
		return NULL;
	rt.locked = 1;
	while (!rt.release)
		usleep(1000);
	pthread_exit(NULL);		/* still holding it */
}

static void *robust_waiter(void *arg)
{
	(void)arg;
	rt.waiter_tid = (pid_t)syscall(SYS_gettid);
	rt.waiter_got = pthread_mutex_lock(&rt.m);
	if (rt.waiter_got == EOWNERDEAD && !pthread_mutex_consistent(&rt.m))
		pthread_mutex_unlock(&rt.m);
	return NULL;
}

/* A thread holding a robust mutex exits: the next lock returns EOWNERDEAD. */
static void robust_mutex_owner_exits(void)
{
	pthread_t t;
	int r;

	memset(&rt, 0, sizeof(rt));
	EXPECT_PT(robust_mutex_init(&rt.m, 0));
	rt.release = 1;
	EXPECT_PT(pthread_create(&t, NULL, robust_lock_and_exit, NULL));
	EXPECT_PT(pthread_join(t, NULL));
	EXPECT(rt.locked, "the thread did not get the mutex");
	r = robust_mutex_recover(&rt.m, pthread_mutex_lock(&rt.m));
	EXPECT(r == 0, "after the owner's exit: %d (%s)", r, r > 0 ? strerror(r) : "recovery");
	pthread_mutex_destroy(&rt.m);
}

/* A thread already blocked in pthread_mutex_lock is woken by the owner's exit, with EOWNERDEAD. */
static void robust_mutex_waiter_woken(void)
{
	pthread_t owner, waiter;

	memset(&rt, 0, sizeof(rt));
	EXPECT_PT(robust_mutex_init(&rt.m, 0));
	EXPECT_PT(pthread_create(&owner, NULL, robust_lock_and_exit, NULL));
	for (int i = 0; i < 5000 && !rt.locked; i++)
		usleep(1000);
	EXPECT(rt.locked, "the owner did not get the mutex");
	rt.waiter_got = -1;
	EXPECT_PT(pthread_create(&waiter, NULL, robust_waiter, NULL));
	for (int i = 0; i < 5000 && (!rt.waiter_tid || thread_state(rt.waiter_tid) != 'S'); i++)
		usleep(1000);
	EXPECT(rt.waiter_tid && thread_state(rt.waiter_tid) == 'S',
	       "the waiter never blocked in pthread_mutex_lock");
	rt.release = 1;
	EXPECT_PT(pthread_join(owner, NULL));
	EXPECT_PT(pthread_join(waiter, NULL));
	EXPECT(rt.waiter_got == EOWNERDEAD, "the waiter's lock returned %d (%s), want EOWNERDEAD",
	       rt.waiter_got, rt.waiter_got > 0 ? strerror(rt.waiter_got) : "-");
	EXPECT_PT(pthread_mutex_lock(&rt.m));
	EXPECT_PT(pthread_mutex_unlock(&rt.m));
	pthread_mutex_destroy(&rt.m);
}

/* Process-shared robust mutexes in MAP_SHARED memory, for a forked child. */
static struct {
	pthread_mutex_t m1, m2;		/* the child's main thread and second thread hold one each */
	volatile int held;		/* how many the child holds */
	volatile int waiter_got;
	volatile pid_t waiter_tid;
} *pm;

static void *pm_lock_m2(void *arg)
{
	(void)arg;
	if (!pthread_mutex_lock(&pm->m2))
		__atomic_add_fetch(&pm->held, 1, __ATOMIC_SEQ_CST);
	for (;;)
		pause();
	return NULL;
}

static void *pm_waiter(void *arg)
{
	(void)arg;
	pm->waiter_tid = (pid_t)syscall(SYS_gettid);
	pm->waiter_got = robust_mutex_recover(&pm->m1, pthread_mutex_lock(&pm->m1));
	return NULL;
}

/*
 * A child process whose two threads hold a robust mutex each is killed
 * by SIGKILL: the kernel walks each thread's list. A thread of ours that
 * was blocked on one is woken with EOWNERDEAD; the other is
 * EOWNERDEAD for its next lock.
 */
static void robust_mutex_process_killed(void)
{
	pthread_t waiter;
	pid_t pid;
	int st, r;

	pm = map_page(PROT_READ | PROT_WRITE, MAP_SHARED);
	EXPECT(pm, "mmap: %s", strerror(errno));
	EXPECT_PT(robust_mutex_init(&pm->m1, 1));
	EXPECT_PT(robust_mutex_init(&pm->m2, 1));
	pid = spawn();
	if (pid == 0) {
		pthread_t t;

		if (pthread_mutex_lock(&pm->m1) || pthread_create(&t, NULL, pm_lock_m2, NULL))
			_exit(2);
		__atomic_add_fetch(&pm->held, 1, __ATOMIC_SEQ_CST);
		for (;;)
			pause();
	}
	EXPECT(pid > 0, "fork: %s", strerror(errno));
	for (int i = 0; i < 5000 && pm->held < 2; i++)
		usleep(1000);
	EXPECT(pm->held == 2, "the child holds %d mutexes, want 2", pm->held);
	pm->waiter_got = -100;
	EXPECT_PT(pthread_create(&waiter, NULL, pm_waiter, NULL));
	for (int i = 0; i < 5000 && (!pm->waiter_tid || thread_state(pm->waiter_tid) != 'S'); i++)
		usleep(1000);
	EXPECT(pm->waiter_tid && thread_state(pm->waiter_tid) == 'S',
	       "the waiter never blocked in pthread_mutex_lock");
	kill(pid, SIGKILL);
	EXPECT(wait_kid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	       "child: %s", st_str(st));
	EXPECT_PT(pthread_join(waiter, NULL));
	EXPECT(pm->waiter_got == 0, "the blocked waiter: %d (%s), want EOWNERDEAD and recovery",
	       pm->waiter_got, pm->waiter_got > 0 ? strerror(pm->waiter_got) : "-");
	r = robust_mutex_recover(&pm->m2, pthread_mutex_lock(&pm->m2));
	EXPECT(r == 0, "the second thread's mutex: %d (%s), want EOWNERDEAD and recovery", r,
	       r > 0 ? strerror(r) : "-");
	munmap((void *)pm, PAGE);
}

/* ---- random calls ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define PICK(a)	((a)[rnd() % (sizeof(a) / sizeof((a)[0]))])

/*
 * Thousands of futex calls with random operations, flags and arguments
 * drawn from valid, misaligned, unmapped, read-only, PROT_NONE and kernel
 * addresses, good and bad timeouts and counts. Waits are bounded: an
 * operation that takes a timeout always gets one of 1 us (or an invalid
 * one). Every call must return a count or a futex errno; then the
 * ordinary wait and wake must still work.
 */
static void random_calls(void)
{
	uint32_t *priv = map_page(PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint32_t *ro = map_page(PROT_READ, MAP_PRIVATE);
	uint32_t *none = map_page(PROT_NONE, MAP_PRIVATE);
	static const struct timespec tiny = { 0, 1000 }, bad = { 0, -5 };
	fword *hole = unmapped_word();
	pid_t pid;
	int st;

	EXPECT(priv && ro && none, "mmap: %s", strerror(errno));
	pid = spawn();
	if (pid == 0) {
		fword *addrs[] = {
			&sh->w[10], &sh->w[11], (fword *)priv, (fword *)priv + 1, (fword *)ro,
			(fword *)none, hole, NULL, (fword *)((char *)&sh->w[12] + 1),
			(fword *)((char *)priv + 2), (fword *)0xffff888000000000ul,
			(fword *)0x7ffffffffffcul, (fword *)-4l,
		};
		const void *timeouts[] = { &tiny, &tiny, &tiny, &bad, (void *)(uintptr_t)hole,
					   (void *)8 };
		long counts[] = { 0, 1, 2, INT_MAX, -1, 0x100000001l };
		uint32_t vals[] = { 0, 1, 0xffffffffu, 0x7fffffffu };

		for (int i = 0; i < 2000; i++) {
			int op = rnd() % 16, cmd;
			fword *u1 = PICK(addrs), *u2 = PICK(addrs);
			uint32_t val = rnd() % 4 ? PICK(vals) : (uint32_t)rnd();
			uint32_t val3 = rnd() % 3 ? (uint32_t)rnd() : PICK(vals);
			long arg4, r;

			if (rnd() % 4 == 0)
				op |= FUTEX_PRIVATE_FLAG;
			if (rnd() % 8 == 0)
				op |= FUTEX_CLOCK_REALTIME;
			if (rnd() % 32 == 0)
				op |= 1 << (rnd() % 31);
			cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
			/* The operations with a timeout (Linux's list) get a bounded one. */
			if (cmd == 0 || cmd == 6 || cmd == 9 || cmd == 11 || cmd == 13)
				arg4 = (long)PICK(timeouts);
			else
				arg4 = rnd() % 2 ? PICK(counts) : (long)PICK(timeouts);
			r = syscall(SYS_futex, u1, op, val, arg4, u2, val3);
			if (r == -1 && errno != EINVAL && errno != EFAULT && errno != EAGAIN &&
			    errno != ETIMEDOUT && errno != ENOSYS && errno != EPERM &&
			    errno != ESRCH && errno != EDEADLK && errno != EBUSY) {
				ut_say("random futex(%p, %#x, %#x, %#lx, %p, %#x): %s\n",
				       (void *)u1, op, val, arg4, (void *)u2, val3, strerror(errno));
				_exit(1);
			}
		}
		_exit(0);
	}
	EXPECT(pid > 0, "fork: %s", strerror(errno));
	EXPECT(wait_kid(pid, &st, 0) == pid && is_exit(st, 0), "random caller: %s",
	       st_str(st));
	pid = spawn_waiter(&sh->w[10], FUTEX_WAIT, sh->w[10], NULL, 0);
	if (pid < 0)
		return;
	EXPECT(wake(&sh->w[10], INT_MAX) == 1, "wait/wake broken after the random calls");
	EXPECT(woke_ok(pid, &st), "waiter: %s", st_str(st));
	munmap(priv, PAGE);
	munmap(ro, PAGE);
	munmap(none, PAGE);
}

int main(void)
{
	ut_begin("futex_test");
	sh = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		ut_say("UTEST FAIL futex_test/setup: mmap: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGALRM, on_watchdog);
	CASE(wait_wake_across_fork);
	CASE(wake_counts);
	CASE(wait_value_mismatch);
	CASE(bad_addresses);
	CASE(unknown_ops);
	CASE(untouched_pages);
	CASE(relative_timeout);
	CASE(absolute_timeout);
	CASE(bad_timeouts);
	CASE(bitset_zero_einval);
	CASE(wake_bitset_selects);
	CASE(requeue_counts);
	CASE(requeue_errors);
	CASE(cmp_requeue);
	CASE(wake_op_writes);
	CASE(wake_op_wakes);
	CASE(wake_op_faults);
	CASE(wake_op_cow);
	CASE(eintr_after_handler);
	CASE(sa_restart);
	CASE(stop_cont_resumes);
	CASE(stop_cont_keeps_timeout);
	CASE(sigkill_waiter);
	CASE(memfd_two_mappings);
	CASE(private_keys_stay_private);
	CASE(clone_vm_private);
	CASE(cleartid_wakes_waiter);
	CASE(robust_list);
	CASE(robust_exit_marks_locks);
	CASE(robust_private_waiter_not_woken);
	CASE(robust_pending_free_lock_wakes);
	CASE(robust_bad_lists);
	CASE(robust_mutex_owner_exits);
	CASE(robust_mutex_waiter_woken);
	CASE(robust_mutex_process_killed);
	CASE(random_calls);
	return ut_end();
}
