/*
 * thread_abuse_test.c - bad input with threads: processes whose threads
 * do things at the worst moment, and system calls given addresses that
 * cannot work. The kernel must survive every one, end each process the
 * way Linux does, and give back every frame (runall's memfree_restored
 * and no_slab_leaks check that after the whole run).
 *
 * Covered: threads that exit (pthread_exit, a bare SYS_exit) and are
 * created while others fault pages in, then exit_group; futexes on
 * unmapped, PROT_NONE and read-only words, and a waiter requeued to an
 * unmapped word; munmap of another thread's stack while it runs and
 * while it sleeps in futex, nanosleep and read; SIGSTOP, SIGCONT,
 * SIGKILL and SIGTERM sent to a process whose threads block in every
 * way there is (and while it is stopped); exit_group from many threads
 * at once, and racing clone and execve; execve from a thread while the
 * others fault and clone; SIGKILL while a process creates threads.
 *
 * Each case runs in a process of its own (CASE, thread_util.h), and
 * each forks the process it abuses (a "victim") and judges it by its
 * wait status, within a bound: the victim dies, not the case. Victims
 * set RLIMIT_CORE to 0 (a SIGSEGV must not write a core file on the
 * host) and an alarm of their own, so one that hangs dies of SIGALRM
 * and the case says so.
 *
 * Neighbours: thread_test.c (threads used properly), futex_test.c,
 * signal_test.c, jobctl_test.c (one thread), vm_smp_test.c.
 */
#include "thread_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>

/* <linux/futex.h> is not on musl's include path. */
#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_CMP_REQUEUE	4
#define FUTEX_WAKE_OP		5
#define FUTEX_PRIVATE_FLAG	128
#define FUTEX_OP_SET		0
#define FUTEX_OP_CMP_EQ		0
#define FUTEX_OP(op, oparg, cmp, cmparg) \
	((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | \
	 (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

#define PAGE		4096UL
#define VICTIM_ALARM_S	20	/* a victim that hangs dies of SIGALRM */
#define EXEC_REPORT	42	/* the exit code of "--exec-report" */
#define EXEC_EXIT	43	/* ... of "--exec-exit" */

static const char *self_path;		/* this program, for execve (this_program()) */

/* ---- helpers ---- */

static long futex(void *uaddr, int op, uint32_t val, const void *timeout_or_val2,
		  void *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

/* fork() a victim: no core files, its own watchdog. Returns as fork does. */
static pid_t victim_fork(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		alarm(VICTIM_ALARM_S);
	}
	return pid;
}

/*
 * Wait at most @ms for @pid to end, into @st; 0, or -1 if it did not (it
 * is then killed and reaped, so no case leaves a zombie behind).
 */
static int wait_bounded(pid_t pid, int *st, int ms)
{
	for (int i = 0; i < ms; i++) {
		pid_t r = waitpid(pid, st, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		usleep(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, st, 0);
	return -1;
}

/* "exited 3", "killed by signal 11 (...)" for a FAIL line. */
static const char *status_str(int st)
{
	static char buf[96];

	if (WIFEXITED(st))
		snprintf(buf, sizeof(buf), "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(buf, sizeof(buf), "status %#x", st);
	return buf;
}

/* The state letter of thread @tid of process @pid, from its stat; 0 if gone. */
static char thread_state(pid_t pid, pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	return ut_stat_state(path);
}

static void ms_sleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void nop_handler(int sig)
{
	(void)sig;
}

/* Make a mapping of @pages pages, or fail the program's victim (NULL). */
static char *map_anon(size_t pages, int prot)
{
	void *p = mmap(NULL, pages * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ================= threads that fault, clone and exit ================= */

#define FAULTERS	8
#define FAULT_PAGES	512	/* 2 MiB, cut into one slice per faulter */

static char *fault_region;
static volatile long pages_touched;

/*
 * Threads that end with a bare SYS_exit cannot be musl's: musl points a
 * thread's CLONE_CHILD_CLEARTID at its thread-list lock, which it takes
 * in pthread_exit for the kernel to release, so a pthread leaving by
 * SYS_exit would release a lock someone else may hold. These are made by
 * clone(2) directly: their own stack, no TLS of their own (no errno, no
 * stdio), and a CHILD_CLEARTID word of their own.
 */
#define RAW_STACK	(64 * 1024)
#define RAW_FLAGS	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |	\
			 CLONE_THREAD | CLONE_SYSVSEM | CLONE_CHILD_CLEARTID)

/* Start @fn(@arg) on a raw thread whose stack is @stack; its tid, or -1. */
static int raw_start(int (*fn)(void *), void *arg, char *stack, int *ctid)
{
	*ctid = 1;			/* the kernel clears it at the thread's exit */
	return clone(fn, stack + RAW_STACK, RAW_FLAGS, arg, NULL, NULL, ctid);
}

/* Wait until the kernel cleared @ctid: the raw thread is gone. */
static void raw_wait(int *ctid)
{
	int v;

	while ((v = __atomic_load_n(ctid, __ATOMIC_SEQ_CST)) != 0)
		futex(ctid, FUTEX_WAIT, v, NULL, NULL, 0);	/* the kernel's wake is shared */
}

/*
 * Write every page of faulter @i's slice, give the slice back with
 * MADV_DONTNEED and start again, so that every pass takes a fault per
 * page.
 */
static void fault_slice(long i)
{
	long per = FAULT_PAGES / FAULTERS;
	char *slice = fault_region + i * per * PAGE;

	for (int pass = 1;; pass++) {
		for (long p = 0; p < per; p++) {
			slice[p * PAGE] = (char)pass;
			__atomic_add_fetch(&pages_touched, 1, __ATOMIC_RELAXED);
			if (pass == 1 && p == per / 2 && (i == 0 || i == 3))
				syscall(SYS_exit, 0);
		}
		madvise(slice, per * PAGE, MADV_DONTNEED);
	}
}

static void *faulter(void *arg)
{
	fault_slice((long)arg);
	return NULL;
}

/*
 * Faulters 0 and 3 are raw threads (see RAW_FLAGS) and leave with a bare
 * SYS_exit half way through their first pass: a thread gone in the
 * middle of the others' faults.
 */
static int raw_faulter(void *arg)
{
	fault_slice((long)arg);
	return 0;
}

static void *nothing(void *arg)
{
	return arg;
}

static int raw_nothing(void *arg)
{
	(void)arg;
	return 0;			/* musl's clone makes this SYS_exit */
}

/*
 * Create threads as fast as it can: joined, detached, and raw ones that
 * exit at once. A failed pthread_create is fine: only the kernel's
 * survival matters here.
 */
static void *churner(void *arg)
{
	char *stack = map_anon(RAW_STACK / PAGE, PROT_READ | PROT_WRITE);
	pthread_attr_t det;
	int ctid;

	(void)arg;
	pthread_attr_init(&det);
	pthread_attr_setdetachstate(&det, PTHREAD_CREATE_DETACHED);
	for (unsigned n = 0;; n++) {
		pthread_t t;

		if (n % 3 == 0 && pthread_create(&t, NULL, nothing, NULL) == 0)
			pthread_join(t, NULL);
		else if (n % 3 == 1)
			pthread_create(&t, &det, nothing, NULL);
		else if (stack && raw_start(raw_nothing, NULL, stack, &ctid) > 0)
			raw_wait(&ctid);
	}
	return NULL;
}

/* Start FAULTERS faulters and @churners churners on a fresh region; 0 or -1. */
static int start_fault_storm(int churners)
{
	static int raw_ctid[FAULTERS];
	pthread_t t;

	fault_region = map_anon(FAULT_PAGES, PROT_READ | PROT_WRITE);
	if (!fault_region)
		return -1;
	for (long i = 0; i < FAULTERS; i++) {
		char *stack = (i == 0 || i == 3) ? map_anon(RAW_STACK / PAGE,
							    PROT_READ | PROT_WRITE) : NULL;

		if (stack ? raw_start(raw_faulter, (void *)i, stack, &raw_ctid[i]) < 0
			  : pthread_create(&t, NULL, faulter, (void *)i) != 0)
			return -1;
	}
	for (int i = 0; i < churners; i++)
		if (pthread_create(&t, NULL, churner, NULL))
			return -1;
	return 0;
}

/* Wait until the faulters have written @n pages (twice the region: refaults). */
static void wait_touched(long n)
{
	while (__atomic_load_n(&pages_touched, __ATOMIC_RELAXED) < n)
		sched_yield();
}

/*
 * exit_group while eight threads fault (two of them already gone by a
 * bare SYS_exit) and three create and end threads in a loop: the process
 * ends with the code exit_group was given, every round. The faulters'
 * half-made page tables and the churners' half-made threads must all be
 * torn down (runall counts the frames afterwards).
 */
static void exit_while_faulting(void)
{
	for (int round = 0; round < 4; round++) {
		int st = 0;
		pid_t pid = victim_fork();

		EXPECT_OK(pid);
		if (pid == 0) {
			if (start_fault_storm(3))
				_exit(1);
			wait_touched(2 * FAULT_PAGES);
			syscall(SYS_exit_group, 20 + round);
			_exit(2);
		}
		EXPECT(wait_bounded(pid, &st, 15000) == 0, "round %d: the process "
		       "did not end in 15 s after exit_group", round);
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 20 + round,
		       "round %d: %s, want exited %d", round, status_str(st), 20 + round);
	}
}

/* ================= futexes on bad addresses ================= */

static uint32_t *rq_word;		/* futex_requeue_to_unmapped's waiter */
static volatile int rq_ret = 1, rq_errno;

static void *rq_waiter(void *arg)
{
	(void)arg;
	rq_ret = futex(rq_word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
	rq_errno = errno;
	return NULL;
}

/*
 * What Linux does with a futex word that is not there, checked against
 * the host:
 *
 *	FUTEX_WAIT on an unmapped or PROT_NONE word	EFAULT (both kinds)
 *	FUTEX_WAIT on a read-only word, value matches	sleeps: ETIMEDOUT
 *	  ... value differs				EAGAIN
 *	  ... but shared, on read-only anonymous memory	EFAULT: "a RO anonymous
 *							page will never change"
 *							(Linux get_futex_key);
 *							a read-only file is fine
 *	FUTEX_WAKE_OP, second word read-only/unmapped	EFAULT, word unchanged
 *	FUTEX_WAKE on an unmapped word, private		0: the key is only
 *							(mm, address)
 *	  ... shared					EFAULT: no VMA, no key
 *	FUTEX_CMP_REQUEUE to an unmapped word, private	0 (nobody to move)
 *	  ... shared, or to a kernel address		EFAULT
 *	a misaligned word				EINVAL
 */
static void futex_bad_addresses(void)
{
	struct timespec ts = { 0, 20 * 1000000L };
	uint32_t *gone, *none, *ro, *rw, *kernel = (uint32_t *)0xffffffff80000000UL;
	uint32_t *rofile, *rofile_priv, seven = 7;
	int wake_op = FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0), fd;

	gone = (uint32_t *)map_anon(1, PROT_READ | PROT_WRITE);
	none = (uint32_t *)map_anon(1, PROT_NONE);
	ro = (uint32_t *)map_anon(1, PROT_READ | PROT_WRITE);
	rw = (uint32_t *)map_anon(1, PROT_READ | PROT_WRITE);
	EXPECT(gone && none && ro && rw, "mmap: %s", strerror(errno));
	*ro = 7;		/* an anonymous page of its own, then read-only */
	EXPECT_OK(mprotect(ro, PAGE, PROT_READ));
	fd = open(ut_path("word"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	EXPECT_OK(fd);
	EXPECT(write(fd, &seven, 4) == 4, "write: %s", strerror(errno));
	EXPECT_OK(ftruncate(fd, PAGE));
	rofile = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	rofile_priv = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	EXPECT(rofile != MAP_FAILED && rofile_priv != MAP_FAILED, "mmap: %s",
	       strerror(errno));
	EXPECT_OK(munmap(gone, PAGE));	/* last: no mmap above may reuse it */

	for (int priv = 0; priv <= FUTEX_PRIVATE_FLAG; priv += FUTEX_PRIVATE_FLAG) {
		EXPECT_ERRNO(futex(gone, FUTEX_WAIT | priv, 0, NULL, NULL, 0), EFAULT);
		EXPECT_ERRNO(futex(none, FUTEX_WAIT | priv, 0, NULL, NULL, 0), EFAULT);
		EXPECT_ERRNO(futex(kernel, FUTEX_WAIT | priv, 0, NULL, NULL, 0), EFAULT);
		EXPECT_ERRNO(futex(rofile, FUTEX_WAIT | priv, 7, &ts, NULL, 0), ETIMEDOUT);
		EXPECT_ERRNO(futex(rofile_priv, FUTEX_WAIT | priv, 7, &ts, NULL, 0),
			     ETIMEDOUT);
		EXPECT_ERRNO(futex(rofile, FUTEX_WAIT | priv, 8, &ts, NULL, 0), EAGAIN);
		if (priv) {
			EXPECT_ERRNO(futex(ro, FUTEX_WAIT | priv, 7, &ts, NULL, 0),
				     ETIMEDOUT);
			EXPECT_ERRNO(futex(ro, FUTEX_WAIT | priv, 8, &ts, NULL, 0), EAGAIN);
		} else {
			EXPECT_ERRNO(futex(ro, FUTEX_WAIT | priv, 7, &ts, NULL, 0), EFAULT);
		}
		EXPECT_ERRNO(futex((char *)rw + 1, FUTEX_WAIT | priv, 0, &ts, NULL, 0),
			     EINVAL);
		/* wake-op writes its second word: read-only or missing is EFAULT */
		EXPECT_ERRNO(futex(rw, FUTEX_WAKE_OP | priv, 1, (void *)1, ro, wake_op),
			     EFAULT);
		EXPECT_ERRNO(futex(rw, FUTEX_WAKE_OP | priv, 1, (void *)1, gone, wake_op),
			     EFAULT);
		EXPECT_ERRNO(futex(rw, FUTEX_WAKE_OP | priv, 1, (void *)1, none, wake_op),
			     EFAULT);
		EXPECT(*ro == 7, "FUTEX_WAKE_OP changed a read-only word to %u", *ro);
		EXPECT_ERRNO(futex(rw, FUTEX_CMP_REQUEUE | priv, 1, (void *)1, kernel, 0),
			     EFAULT);
		EXPECT_ERRNO(futex(rw, FUTEX_CMP_REQUEUE | priv, 1, (void *)1, rw + 1, 5),
			     EAGAIN);
	}
	/* A private key is (mm, address): nothing is read, nothing to fault on. */
	EXPECT(futex(gone, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0) == 0,
	       "private FUTEX_WAKE on an unmapped word: %s", strerror(errno));
	EXPECT(futex(rw, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, (void *)1, gone, 0) == 0,
	       "private FUTEX_CMP_REQUEUE to an unmapped word: %s", strerror(errno));
	/* A shared key needs the VMA. */
	EXPECT_ERRNO(futex(gone, FUTEX_WAKE, 1, NULL, NULL, 0), EFAULT);
	EXPECT_ERRNO(futex(rw, FUTEX_CMP_REQUEUE, 1, (void *)1, gone, 0), EFAULT);
	EXPECT(futex(rofile, FUTEX_WAKE, 1, NULL, NULL, 0) == 0,
	       "shared FUTEX_WAKE on a read-only file word: %s", strerror(errno));
	EXPECT_ERRNO(futex(ro, FUTEX_WAKE, 1, NULL, NULL, 0), EFAULT);
}

/*
 * A waiter moved by FUTEX_CMP_REQUEUE onto an unmapped word sleeps on
 * there, and a private FUTEX_WAKE of that address still finds it: the
 * kernel must not lose (or free) a waiter whose word has no memory.
 */
static void futex_requeue_to_unmapped(void)
{
	uint32_t *gone = (uint32_t *)map_anon(1, PROT_READ | PROT_WRITE);
	pthread_t t;
	long r = 0;

	rq_word = (uint32_t *)map_anon(1, PROT_READ | PROT_WRITE);
	EXPECT(gone && rq_word, "mmap: %s", strerror(errno));
	EXPECT_OK(munmap(gone, PAGE));
	EXPECT_PT(pthread_create(&t, NULL, rq_waiter, NULL));
	/* Requeue (wake none, move one) until the waiter was there to move. */
	for (int i = 0; i < 5000 && r == 0; i++) {
		r = futex(rq_word, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0, (void *)1,
			  gone, 0);
		if (r == 0)
			usleep(1000);
	}
	EXPECT(r == 1, "CMP_REQUEUE moved %ld waiters (%s), want 1", r, strerror(errno));
	EXPECT(futex(rq_word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0) == 0,
	       "a requeued waiter was still on the old word");
	ms_sleep(20);
	EXPECT(rq_ret == 1, "the requeued waiter returned %d (%s) before its wake-up",
	       rq_ret, strerror(rq_errno));
	r = futex(gone, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
	EXPECT(r == 1, "FUTEX_WAKE of the unmapped word woke %ld (%s), want 1", r,
	       strerror(errno));
	EXPECT_PT(pthread_join(t, NULL));
	EXPECT(rq_ret == 0, "the waiter's FUTEX_WAIT returned %d (%s), want 0", rq_ret,
	       strerror(rq_errno));
}

/* ================= munmap of another thread's stack ================= */

static int ready_pipe[2];		/* stack victims -> main: "I am here" */
static int wake_pipe[2];		/* main -> the one asleep in read */
static uint32_t stack_futex;		/* not on the stack: it stays mapped */
static volatile pid_t victim_tid;

static void __attribute__((noinline)) stack_work(volatile char *buf, int n)
{
	for (int i = 0; i < n; i++)
		buf[i] += (char)i;
}

/* Busy on its own stack: each call pushes and pops a return address. */
static void *stack_spinner(void *arg)
{
	volatile char buf[256];

	(void)arg;
	victim_tid = gettid();
	if (write(ready_pipe[1], "r", 1) != 1)
		_exit(3);
	for (;;)
		stack_work(buf, sizeof(buf));
	return NULL;
}

/* Asleep in the kernel, one way each; returns through its (gone) stack. */
static void *stack_sleeper(void *arg)
{
	long how = (long)arg;
	struct timespec ts = { 1, 0 };
	char buf[16];

	victim_tid = gettid();
	if (write(ready_pipe[1], "r", 1) != 1)
		_exit(3);
	if (how == 0)
		futex(&stack_futex, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
	else if (how == 1)
		nanosleep(&ts, NULL);
	else if (read(wake_pipe[0], buf, sizeof(buf)) < 0)	/* into the gone stack */
		buf[0] = 1;
	buf[1] = 2;
	return (void *)(long)buf[0];
}

/*
 * The victim: a thread (spinning if @how < 0, else asleep in futex,
 * nanosleep or read) whose stack the main thread unmaps, found with
 * pthread_getattr_np. Once the thread is woken it runs on nothing and
 * the process must die of SIGSEGV; the main thread just waits for that.
 */
static void unmap_stack_victim(long how)
{
	pthread_attr_t a;
	pthread_t t;
	void *stack;
	size_t size;
	char c;

	if (pipe(ready_pipe) || pipe(wake_pipe))
		_exit(1);
	if (pthread_create(&t, NULL, how < 0 ? stack_spinner : stack_sleeper, (void *)how))
		_exit(1);
	if (read(ready_pipe[0], &c, 1) != 1)
		_exit(1);
	/* Asleep for certain: its state says so (the spinner only runs). */
	for (int i = 0; how >= 0 && i < 5000 && thread_state(getpid(), victim_tid) != 'S'; i++)
		usleep(1000);
	if (pthread_getattr_np(t, &a) || pthread_attr_getstack(&a, &stack, &size))
		_exit(1);
	if (munmap(stack, size))
		_exit(4);
	if (how == 0) {
		__atomic_store_n(&stack_futex, 1, __ATOMIC_SEQ_CST);
		futex(&stack_futex, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
	} else if (how == 2 && write(wake_pipe[1], "wake", 4) != 4) {
		_exit(5);
	}
	for (;;)
		pause();
}

/*
 * munmap of a running thread's stack, and of one asleep in futex wait,
 * nanosleep and read: every time the process dies of SIGSEGV (the thread
 * touches its stack as soon as it runs user code again) and the kernel
 * carries on. The read's buffer was on the stack: the kernel copies into
 * unmapped memory there and must return EFAULT, not crash.
 */
static void munmap_other_threads_stack(void)
{
	static const char *const what[] = { "running", "futex", "nanosleep", "read" };

	for (long how = -1; how <= 2; how++) {
		int st = 0;
		pid_t pid = victim_fork();

		EXPECT_OK(pid);
		if (pid == 0)
			unmap_stack_victim(how);
		EXPECT(wait_bounded(pid, &st, 15000) == 0, "%s thread: the process "
		       "did not end in 15 s", what[how + 1]);
		EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
		       "%s thread: %s, want killed by SIGSEGV", what[how + 1], status_str(st));
	}
}

/* ================= signals in every state ================= */

/* How the threads of the state victim wait; main is the last. */
enum { ST_FUTEX, ST_NANOSLEEP, ST_READ, ST_PAUSE, ST_SIGSUSPEND, ST_BUSY, ST_MAIN,
       NSTATES };

/* Shared between the case and its victim (MAP_SHARED, made before fork). */
struct state_shared {
	uint32_t word;			/* ST_FUTEX sleeps on it (a shared futex) */
	volatile long busy;		/* ST_BUSY counts */
	volatile int wakes[NSTATES];	/* each waiter counts its returns */
	volatile pid_t tid[NSTATES];
};

static struct state_shared *ss;
static int state_pipe[2];		/* ST_READ reads it; the case writes */

static void *state_thread(void *arg)
{
	long how = (long)arg;
	struct timespec long_sleep = { 100, 0 };
	uint32_t seen = 0;
	sigset_t none;
	char c;

	ss->tid[how] = gettid();
	sigemptyset(&none);
	for (;;) {
		switch (how) {
		case ST_FUTEX:
			futex(&ss->word, FUTEX_WAIT, seen, NULL, NULL, 0);
			if (__atomic_load_n(&ss->word, __ATOMIC_SEQ_CST) == seen)
				continue;		/* a restart or spurious return */
			seen = ss->word;
			break;
		case ST_NANOSLEEP:
			nanosleep(&long_sleep, NULL);
			break;
		case ST_READ:
			if (read(state_pipe[0], &c, 1) != 1)
				continue;
			break;
		case ST_PAUSE:
			pause();
			break;
		case ST_SIGSUSPEND:
			sigsuspend(&none);
			break;
		default:
			ss->busy++;
			continue;
		}
		ss->wakes[how]++;
	}
	return NULL;
}

/* The victim: a thread per state, main joining the first (a futex wait). */
static void state_victim(void)
{
	pthread_t t[NSTATES];

	signal(SIGUSR1, nop_handler);	/* no SA_RESTART: interrupts the waits */
	close(state_pipe[1]);
	ss->tid[ST_MAIN] = gettid();
	for (long i = 0; i < ST_MAIN; i++)
		if (pthread_create(&t[i], NULL, state_thread, (void *)i))
			_exit(1);
	pthread_join(t[0], NULL);
	_exit(2);
}

/* Fork a state victim and wait until every waiter sleeps; its pid or -1. */
static pid_t start_state_victim(void)
{
	pid_t pid;

	memset(ss, 0, sizeof(*ss));
	if (pipe(state_pipe))
		return -1;
	pid = victim_fork();
	if (pid == 0)
		state_victim();
	close(state_pipe[0]);
	if (pid < 0)
		return -1;
	for (int i = 0; i < 5000; i++) {
		int asleep = 0;

		for (int s = 0; s < NSTATES; s++)
			asleep += s != ST_BUSY && ss->tid[s] &&
				  thread_state(pid, ss->tid[s]) == 'S';
		if (asleep == NSTATES - 1 && ss->busy)
			return pid;
		usleep(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* How many of the victim's threads are in state @c (or not, if @not). */
static int count_state(pid_t pid, char c, int not)
{
	int n = 0;

	for (int s = 0; s < NSTATES; s++) {
		char st = thread_state(pid, ss->tid[s]);

		n += not ? st != c : st == c;
	}
	return n;
}

/* Poll (at most 5 s) until every thread is (or is not, @not) in state @c. */
static int wait_all_state(pid_t pid, char c, int not)
{
	for (int i = 0; i < 5000; i++) {
		if (count_state(pid, c, not) == NSTATES)
			return 0;
		usleep(1000);
	}
	return -1;
}

/* Wake each waiter its own way (futex, pipe, signals); all woke within 5 s? */
static int wake_waiters(pid_t pid)
{
	int before[NSTATES];

	for (int s = 0; s < NSTATES; s++)
		before[s] = ss->wakes[s];
	__atomic_add_fetch(&ss->word, 1, __ATOMIC_SEQ_CST);
	futex(&ss->word, FUTEX_WAKE, 1, NULL, NULL, 0);
	if (write(state_pipe[1], "w", 1) != 1)
		return -1;
	for (int s = ST_NANOSLEEP; s <= ST_SIGSUSPEND; s++)
		if (s != ST_READ && syscall(SYS_tgkill, pid, ss->tid[s], SIGUSR1))
			return -1;
	for (int i = 0; i < 5000; i++) {
		int woke = 0;

		for (int s = 0; s <= ST_SIGSUSPEND; s++)
			woke += ss->wakes[s] > before[s];
		if (woke == ST_SIGSUSPEND + 1)
			return 0;
		usleep(1000);
	}
	return -1;
}

/*
 * A process whose threads wait in futex, nanosleep, read, pause and
 * sigsuspend, spin, and join: SIGSTOP stops every one of them (state T
 * in /proc/PID/task/TID/stat, and the spinner's count stands still), a
 * second SIGSTOP to a stopped thread changes nothing, SIGCONT sets them
 * all going again (the spinner counts, each waiter still answers its
 * own wake-up: the stop did not break its wait), and SIGKILL sent while
 * the process is stopped again ends it at once.
 */
static void signals_in_every_state(void)
{
	long busy;
	int st = 0;
	pid_t pid;

	ss = mmap(NULL, sizeof(*ss), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	EXPECT(ss != MAP_FAILED, "mmap: %s", strerror(errno));
	pid = start_state_victim();
	EXPECT(pid > 0, "the victim's threads did not all go to sleep");

	EXPECT_OK(kill(pid, SIGSTOP));
	EXPECT(wait_all_state(pid, 'T', 0) == 0, "after SIGSTOP only %d of %d "
	       "threads are stopped (T)", count_state(pid, 'T', 0), NSTATES);
	busy = ss->busy;
	ms_sleep(100);
	EXPECT(ss->busy == busy, "the spinner ran on while stopped (%ld -> %ld)", busy,
	       ss->busy);
	EXPECT_OK(syscall(SYS_tgkill, pid, ss->tid[ST_BUSY], SIGSTOP));
	ms_sleep(20);
	EXPECT(count_state(pid, 'T', 0) == NSTATES, "a second SIGSTOP woke a thread");

	EXPECT_OK(kill(pid, SIGCONT));
	EXPECT(wait_all_state(pid, 'T', 1) == 0, "after SIGCONT %d threads are "
	       "still stopped", count_state(pid, 'T', 0));
	for (int i = 0; i < 5000 && ss->busy == busy; i++)
		usleep(1000);
	EXPECT(ss->busy != busy, "the spinner does not run after SIGCONT");
	EXPECT(wake_waiters(pid) == 0, "after SIGCONT not every waiter answered its "
	       "wake-up (futex %d, nanosleep %d, read %d, pause %d, sigsuspend %d)",
	       ss->wakes[0], ss->wakes[1], ss->wakes[2], ss->wakes[3], ss->wakes[4]);

	EXPECT_OK(kill(pid, SIGSTOP));
	EXPECT(wait_all_state(pid, 'T', 0) == 0, "second SIGSTOP: %d of %d threads "
	       "stopped", count_state(pid, 'T', 0), NSTATES);
	EXPECT_OK(kill(pid, SIGKILL));
	EXPECT(wait_bounded(pid, &st, 5000) == 0, "SIGKILL to the stopped process: "
	       "not reaped within 5 s");
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "%s, want killed by SIGKILL",
	       status_str(st));
	close(state_pipe[1]);
}

/*
 * SIGTERM (default action: terminate) to a process with threads in
 * every state ends the whole group. Sent while it is stopped, SIGTERM
 * waits - the process stays stopped - until SIGCONT, then ends it.
 */
static void sigterm_in_every_state(void)
{
	int st = 0;
	pid_t pid;

	ss = mmap(NULL, sizeof(*ss), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	EXPECT(ss != MAP_FAILED, "mmap: %s", strerror(errno));

	pid = start_state_victim();
	EXPECT(pid > 0, "the victim's threads did not all go to sleep");
	EXPECT_OK(kill(pid, SIGTERM));
	EXPECT(wait_bounded(pid, &st, 5000) == 0, "SIGTERM: not reaped within 5 s");
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "SIGTERM: %s", status_str(st));
	close(state_pipe[1]);

	pid = start_state_victim();
	EXPECT(pid > 0, "the second victim's threads did not all go to sleep");
	EXPECT_OK(kill(pid, SIGSTOP));
	EXPECT(wait_all_state(pid, 'T', 0) == 0, "after SIGSTOP only %d of %d "
	       "threads are stopped (T)", count_state(pid, 'T', 0), NSTATES);
	EXPECT_OK(kill(pid, SIGTERM));
	ms_sleep(100);
	EXPECT(waitpid(pid, &st, WNOHANG) == 0, "SIGTERM ended a stopped process "
	       "before SIGCONT (%s)", status_str(st));
	EXPECT(count_state(pid, 'T', 0) == NSTATES, "SIGTERM woke a stopped thread");
	EXPECT_OK(kill(pid, SIGCONT));
	EXPECT(wait_bounded(pid, &st, 5000) == 0, "SIGTERM then SIGCONT: not reaped "
	       "within 5 s");
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "SIGTERM then SIGCONT: %s",
	       status_str(st));
	close(state_pipe[1]);
}

/* ================= exit_group races ================= */

#define RACERS	16

static volatile int race_go;

static void *group_exiter(void *arg)
{
	while (!race_go)
		sched_yield();
	syscall(SYS_exit_group, 10 + (long)arg);
	return NULL;
}

static void *execer(void *arg)
{
	char *argv[] = { (char *)self_path, "--exec-exit", NULL };

	(void)arg;
	while (!race_go)
		sched_yield();
	execv(self_path, argv);
	/* Only an exit_group already under way may stop execve: 44 wins. */
	syscall(SYS_exit_group, 45);
	return NULL;
}

static void *late_exiter(void *arg)
{
	while (!race_go)
		sched_yield();
	usleep((long)arg);
	syscall(SYS_exit_group, 44);
	return NULL;
}

/*
 * Sixteen threads and main call exit_group with codes 9..25 at once:
 * the process ends with exactly one of them. Then exit_group races a
 * thread in clone (a pthread_create loop) and one in execve: either the
 * exit_group (44) or the new image (43) ends the process, nothing else.
 */
static void exit_group_races(void)
{
	for (int round = 0; round < 8; round++) {
		int st = 0;
		pid_t pid = victim_fork();

		EXPECT_OK(pid);
		if (pid == 0) {
			pthread_t t;

			for (long i = 0; i < RACERS; i++)
				if (pthread_create(&t, NULL, group_exiter, (void *)i))
					_exit(1);
			race_go = 1;
			syscall(SYS_exit_group, 9);
			_exit(2);
		}
		EXPECT(wait_bounded(pid, &st, 15000) == 0, "round %d: not ended in 15 s",
		       round);
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) >= 9 && WEXITSTATUS(st) < 10 + RACERS,
		       "round %d: %s, want exited 9..%d", round, status_str(st), 9 + RACERS);
	}
	for (int round = 0; round < 8; round++) {
		int st = 0;
		pid_t pid = victim_fork();

		EXPECT_OK(pid);
		if (pid == 0) {
			pthread_t t;

			if (pthread_create(&t, NULL, churner, NULL) ||
			    pthread_create(&t, NULL, execer, NULL) ||
			    pthread_create(&t, NULL, late_exiter, (void *)(long)(round * 500)))
				_exit(1);
			race_go = 1;
			for (;;)
				pause();
		}
		EXPECT(wait_bounded(pid, &st, 15000) == 0, "exec round %d: not ended in "
		       "15 s", round);
		EXPECT(WIFEXITED(st) && (WEXITSTATUS(st) == EXEC_EXIT || WEXITSTATUS(st) == 44),
		       "exec round %d: %s, want exited %d (execve won) or 44 (exit_group)",
		       round, status_str(st), EXEC_EXIT);
	}
}

/* ================= execve while the others fault ================= */

static int report_fd;

static void *fault_execer(void *arg)
{
	char fd[16], *argv[] = { (char *)self_path, "--exec-report", fd, NULL };

	(void)arg;
	snprintf(fd, sizeof(fd), "%d", report_fd);
	wait_touched(FAULT_PAGES);
	execv(self_path, argv);
	_exit(3);
}

/* "--exec-report FD": the new image tells its pid and thread count. */
static int exec_report(int fd)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	char line[64];
	int n = 0;

	while (d && (de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	snprintf(line, sizeof(line), "%d %d", getpid(), n);
	if (write(fd, line, strlen(line)) < 0)
		return 1;
	return EXEC_REPORT;
}

/*
 * A thread calls execve while eight others fault (two already gone) and
 * three create threads: the new image runs alone (one task in
 * /proc/self/task) with the old pid, and its exit is the process's.
 */
static void execve_while_threads_fault(void)
{
	for (int round = 0; round < 3; round++) {
		char buf[64] = "";
		int pp[2], st = 0, rpid = 0, nthreads = 0;
		ssize_t n;
		pid_t pid;

		EXPECT_OK(pipe(pp));
		pid = victim_fork();
		EXPECT_OK(pid);
		if (pid == 0) {
			pthread_t t;

			close(pp[0]);
			report_fd = pp[1];
			if (start_fault_storm(3) ||
			    pthread_create(&t, NULL, fault_execer, NULL))
				_exit(1);
			for (;;)
				pause();
		}
		close(pp[1]);
		n = read(pp[0], buf, sizeof(buf) - 1);
		close(pp[0]);
		EXPECT(wait_bounded(pid, &st, 15000) == 0, "round %d: not ended in 15 s",
		       round);
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == EXEC_REPORT,
		       "round %d: %s, want exited %d (the new image)", round, status_str(st),
		       EXEC_REPORT);
		EXPECT(n > 0 && sscanf(buf, "%d %d", &rpid, &nthreads) == 2,
		       "round %d: no report from the new image", round);
		EXPECT(rpid == pid, "round %d: the new image has pid %d, want %d", round,
		       rpid, pid);
		EXPECT(nthreads == 1, "round %d: the new image has %d threads", round,
		       nthreads);
	}
}

/* ================= SIGKILL while creating threads ================= */

/*
 * SIGKILL a process 50 times while it creates (detached) threads as fast
 * as it can: each time it dies of SIGKILL within 30 s, and in the end no
 * child is left to reap - no zombie, no half-made thread kept it alive.
 * Each round has its own bounds (10 s to start, 30 s to die: one took
 * over 5 s with the host loaded by six QEMUs and builds), so the
 * case's alarm only has to catch a hang between them: 240 s, not the
 * default 60, because 50 rounds of creating and killing threads on 4
 * vCPUs take 4 s on a quiet 2-core host but over 60 s when other QEMUs
 * load it (every round is a burst of TLB shootdowns, and a shootdown
 * waits for vCPUs the host has descheduled).
 */
static void kill_during_thread_create(void)
{
	struct pollfd pfd = { .events = POLLIN };
	pthread_attr_t det;
	int st = 0;

	alarm(240);
	pthread_attr_init(&det);
	pthread_attr_setdetachstate(&det, PTHREAD_CREATE_DETACHED);
	for (int round = 0; round < 50; round++) {
		int pp[2];
		pid_t pid;
		char c;

		EXPECT_OK(pipe(pp));
		pid = victim_fork();
		EXPECT_OK(pid);
		if (pid == 0) {
			pthread_t t;

			close(pp[0]);
			for (long n = 0;; n++) {
				pthread_create(&t, &det, nothing, NULL);
				if (n == 0 && write(pp[1], "c", 1) != 1)
					_exit(1);
			}
		}
		close(pp[1]);
		pfd.fd = pp[0];
		EXPECT(poll(&pfd, 1, 10000) == 1 && read(pp[0], &c, 1) == 1,
		       "round %d: the victim made no thread in 10 s", round);
		close(pp[0]);
		usleep((round * 337) % 3000);
		EXPECT_OK(kill(pid, SIGKILL));
		EXPECT(wait_bounded(pid, &st, 30000) == 0, "round %d: not reaped within 30 s "
		       "of SIGKILL", round);
		EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "round %d: %s, want "
		       "killed by SIGKILL", round, status_str(st));
	}
	EXPECT_ERRNO(waitpid(-1, &st, WNOHANG), ECHILD);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--exec-report"))
		return exec_report(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "--exec-exit"))
		return EXEC_EXIT;
	self_path = this_program(argv[0]);
	if (argc == 2)
		case_only = argv[1];	/* "thread_abuse_test CASE": that case alone */
	ut_begin("thread_abuse_test");
	ut_tmpdir();		/* made here, so that ut_end() removes it */
	CASE(exit_while_faulting);
	CASE(futex_bad_addresses);
	CASE(futex_requeue_to_unmapped);
	CASE(munmap_other_threads_stack);
	CASE(signals_in_every_state);
	CASE(sigterm_in_every_state);
	CASE(exit_group_races);
	CASE(execve_while_threads_fault);
	CASE(kill_during_thread_create);
	return ut_end();
}
