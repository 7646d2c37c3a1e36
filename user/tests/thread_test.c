/*
 * thread_test.c - threads as musl's pthreads use them, and the kernel ABI
 * underneath: clone(CLONE_THREAD | CLONE_VM | CLONE_SIGHAND | ...) with
 * CLONE_SETTLS, CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID,
 * set_tid_address, futexes, tkill/tgkill, per-thread signal masks, and
 * what exit, exit_group and execve do to a process with several threads.
 *
 * Covered: thread ids (gettid differs per thread, getpid and getppid do
 * not); thread-local storage initialised afresh from the TLS template;
 * mutexes, condition variables and barriers counting exactly; a signal
 * sent to one thread runs its handler in that thread, one sent to the
 * process runs it once, in a thread that does not block it; signal masks
 * are per thread, handlers per process; exit() in any thread ends the
 * process, pthread_exit and SYS_exit end only the thread, and the process
 * lives on until its last thread is gone even when the main thread left
 * first; execve from a thread leaves one thread with the old pid; the
 * kernel clears and wakes the CLONE_CHILD_CLEARTID word; /proc/self/task
 * and "Threads:" list exactly the live threads; CPU affinity per thread;
 * FUTEX_WAIT/WAKE ping-pong; creating and joining many threads; and
 * wait4 across threads: any thread reaps a child forked by another, and
 * sees the ptrace stops of another thread's tracee, but with __WNOTHREAD
 * only its own children (forked, or inherited from a thread that exited)
 * and tracees.
 *
 * Every case runs in a process of its own (CASE, thread_util.h), so a
 * crash or exit_group ends only that case. Threads here wait for each
 * other on pipes (struct psem below) rather than on what is being
 * tested, so that a broken futex shows up in the case that tests it and
 * not as a hang everywhere. The only polling waits (at most 5 s) for an
 * exited thread to disappear from /proc or its stack to be unmapped:
 * Linux wakes a joiner before the thread is entirely gone.
 *
 * Neighbours: signal_test.c (signals in one thread), vm_smp_test.c
 * (threads on several CPUs sharing an address space).
 */
#include "thread_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <time.h>

/* <linux/futex.h> is not on musl's include path. */
#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_PRIVATE_FLAG	128
#define FUTEX_WAIT_PRIVATE	(FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE	(FUTEX_WAKE | FUTEX_PRIVATE_FLAG)

#define MAXT		64
#define EXEC_EXIT	42	/* the exit code of "--exec-report" */

static const char *self_path;		/* this program, for execve (this_program()) */

/* ---- pipe semaphores: how the threads of a case wait for each other ---- */

struct psem {
	int fd[2];
};

static struct psem arrived;		/* workers -> main: "I am here" */
static struct psem go;			/* main -> workers: "carry on" */
static struct psem handled;		/* signal handler -> main */

static int psem_init(struct psem *s)
{
	return pipe(s->fd);
}

/* Add @n to the count (safe in a signal handler: only write(2)). */
static void psem_post(struct psem *s, int n)
{
	int saved = errno;

	while (n > 0)
		if (write(s->fd[1], "x", 1) == 1)
			n--;
	errno = saved;
}

/* Take one from the count, sleeping until there is one. */
static void psem_wait(struct psem *s)
{
	char c;

	while (read(s->fd[0], &c, 1) != 1)
		;
}

/* Every case starts by making the three semaphores. */
#define PSEM_SETUP() do {						\
	EXPECT_OK(psem_init(&arrived));					\
	EXPECT_OK(psem_init(&go));					\
	EXPECT_OK(psem_init(&handled));					\
} while (0)

/* ---- workers that say who they are ---- */

struct worker {
	pthread_t t;
	long idx;
	pid_t tid, pid, ppid;
	int unblock_usr2;	/* process_signal_one_thread: the one taker */
	int usr2_pending;	/* ...and what sigpending() said at the end */
};

static struct worker w[MAXT];

/* Record the ids, arrive, wait for "go"; returns a value made from idx. */
static void *id_thread(void *arg)
{
	struct worker *me = arg;
	sigset_t set;

	if (me->unblock_usr2) {
		sigemptyset(&set);
		sigaddset(&set, SIGUSR2);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	}
	me->tid = gettid();
	me->pid = getpid();
	me->ppid = getppid();
	psem_post(&arrived, 1);
	psem_wait(&go);
	sigpending(&set);
	me->usr2_pending = sigismember(&set, SIGUSR2);
	return (void *)(me->idx * 3 + 1);
}

/* Start @n id_threads, wait until all are alive, blocked on "go". */
static int start_ids(int n)
{
	for (int i = 0; i < n; i++) {
		w[i].idx = i;
		if (pthread_create(&w[i].t, NULL, id_thread, &w[i]))
			return -1;
	}
	for (int i = 0; i < n; i++)
		psem_wait(&arrived);
	return 0;
}

/* Let @n id_threads go and join them; fails the case on a wrong value. */
#define JOIN_IDS(n) do {						\
	psem_post(&go, (n));						\
	for (int i_ = 0; i_ < (n); i_++) {				\
		void *ret_;						\
		EXPECT_PT(pthread_join(w[i_].t, &ret_));		\
		EXPECT(ret_ == (void *)(w[i_].idx * 3 + 1),		\
		       "thread %d returned %p", i_, ret_);		\
	}								\
} while (0)

/* ---- /proc readers ---- */

/* The TIDs in /proc/self/task into @out (at most @max); count, or -1. */
static int list_tasks(pid_t *out, int max)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && n < max)
			out[n++] = atoi(de->d_name);
	closedir(d);
	return n;
}

/* The "Threads:" field of /proc/self/status, or -1. */
static int status_threads(void)
{
	char buf[4096], *p;
	int fd = open("/proc/self/status", O_RDONLY), n = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	while (n < (int)sizeof(buf) - 1 &&
	       (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	p = strstr(buf, "\nThreads:");
	return p ? atoi(p + 9) : -1;
}

/* Poll (at most 5 s) until /proc/self/task lists @want tasks; the last count. */
static int wait_tasks(int want)
{
	pid_t tids[MAXT + 1];
	int n = -1;

	for (int i = 0; i < 5000; i++) {
		n = list_tasks(tids, MAXT + 1);
		if (n == want)
			break;
		usleep(1000);
	}
	return n;
}

/* ---- small helpers ---- */

static long futex(int *uaddr, int op, int val, const struct timespec *timeout)
{
	return syscall(SYS_futex, uaddr, op, val, timeout, NULL, 0);
}

static volatile pid_t handler_tid;	/* which thread ran the handler */
static volatile int handler_runs;

static void record_handler(int sig)
{
	(void)sig;
	handler_tid = gettid();
	__atomic_add_fetch(&handler_runs, 1, __ATOMIC_SEQ_CST);
	psem_post(&handled, 1);
}

static int set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	return sigaction(sig, &sa, NULL);
}

/* Is @sig in the calling thread's signal mask? */
static int blocked(int sig)
{
	sigset_t cur;

	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, sig);
}

/*
 * A thread made by clone(2) directly, without musl: no TLS of its own
 * (it must not touch errno or anything thread-local), its own stack, and
 * the kernel's CLONE_PARENT_SETTID / CHILD_SETTID / CHILD_CLEARTID words.
 */
struct raw_thread {
	char *stack;
	pid_t ptid;		/* CLONE_PARENT_SETTID: set before clone returns */
	int ctid;		/* -1; CHILD_SETTID; 0 and a futex wake at exit */
	pid_t tid;		/* what the thread itself saw */
	int ctid_at_start;
};

#define RAW_STACK	(64 * 1024)
#define RAW_FLAGS	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |	\
			 CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID |	\
			 CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)

/* Runs on the raw thread; returning from it is SYS_exit (musl's clone). */
static int raw_body(void *arg)
{
	struct raw_thread *r = arg;

	r->tid = syscall(SYS_gettid);
	r->ctid_at_start = __atomic_load_n(&r->ctid, __ATOMIC_SEQ_CST);
	return 0;
}

static int raw_start(struct raw_thread *r)
{
	memset(r, 0, sizeof(*r));
	/* Not 0: CHILD_SETTID is done by the child, maybe after clone returns. */
	r->ctid = -1;
	r->stack = mmap(NULL, RAW_STACK, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->stack == MAP_FAILED)
		return -1;
	return clone(raw_body, r->stack + RAW_STACK, RAW_FLAGS, r, &r->ptid,
		     NULL, &r->ctid);
}

/*
 * Wait until the kernel has cleared ctid - after that it never touches the
 * thread's stack again, so free it. The wait is a shared FUTEX_WAIT: the
 * kernel's wake at thread exit is a shared one, which a private waiter
 * would not hear (musl waits so too, for its thread-list lock: the word
 * its threads' CHILD_CLEARTID points at).
 */
static void raw_wait(struct raw_thread *r)
{
	int v;

	while ((v = __atomic_load_n(&r->ctid, __ATOMIC_SEQ_CST)) != 0)
		futex(&r->ctid, FUTEX_WAIT, v, NULL);
	munmap(r->stack, RAW_STACK);
}

/* ================= thread ids ================= */

/* 64 threads at once: distinct TIDs, none the PID, one PID for all. */
static void create_join_64(void)
{
	pid_t pid = getpid();

	PSEM_SETUP();
	EXPECT(start_ids(64) == 0, "pthread_create failed");
	JOIN_IDS(64);
	for (int i = 0; i < 64; i++) {
		EXPECT(w[i].pid == pid, "thread %d: getpid %d, want %d", i,
		       w[i].pid, pid);
		EXPECT(w[i].tid > 0 && w[i].tid != pid, "thread %d: gettid %d "
		       "(the pid is %d)", i, w[i].tid, pid);
		for (int j = 0; j < i; j++)
			EXPECT(w[j].tid != w[i].tid, "threads %d and %d share "
			       "tid %d", j, i, w[i].tid);
	}
}

/* The main thread's TID is the PID; other threads' are not; one parent. */
static void gettid_getpid(void)
{
	EXPECT(gettid() == getpid(), "main thread: gettid %d, getpid %d",
	       gettid(), getpid());
	PSEM_SETUP();
	EXPECT(start_ids(4) == 0, "pthread_create failed");
	JOIN_IDS(4);
	for (int i = 0; i < 4; i++)
		EXPECT(w[i].tid != getpid() && w[i].pid == getpid() &&
		       w[i].ppid == getppid(), "thread %d: tid %d pid %d "
		       "ppid %d; main: pid %d ppid %d", i, w[i].tid, w[i].pid,
		       w[i].ppid, getpid(), getppid());
}

/* ================= thread-local storage ================= */

/* The template is what tls_fill(0) would store: 42, {1..8}, zeros. */
static __thread int tls_int = 42;			/* .tdata */
static __thread long tls_arr[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static __thread char tls_zero[64];			/* .tbss */

struct tls_seen {
	int *int_addr;
	long *arr_addr;
	int fresh;		/* saw the template's values */
	int kept;		/* still saw its own values at the end */
};

static struct tls_seen seen[8];

static void tls_fill(long v)
{
	tls_int = 42 + v;
	for (int j = 0; j < 8; j++)
		tls_arr[j] = v * 100 + j + 1;
	memset(tls_zero, (int)v, sizeof(tls_zero));
}

/* Does this thread's TLS hold what tls_fill(@v) stores? */
static int tls_holds(long v)
{
	for (int j = 0; j < 8; j++)
		if (tls_arr[j] != v * 100 + j + 1)
			return 0;
	for (int j = 0; j < 64; j++)
		if (tls_zero[j] != (char)v)
			return 0;
	return tls_int == 42 + v;
}

static void *tls_thread(void *arg)
{
	long i = (long)arg;

	seen[i].fresh = tls_holds(0);
	seen[i].int_addr = &tls_int;
	seen[i].arr_addr = tls_arr;
	tls_fill(10 + i);
	psem_post(&arrived, 1);
	psem_wait(&go);			/* every thread has written its copy */
	seen[i].kept = tls_holds(10 + i);
	return NULL;
}

/* Each thread has its own copy, starting from the template, not main's. */
static void tls_per_thread(void)
{
	pthread_t t[8];

	PSEM_SETUP();
	EXPECT(tls_holds(0), "main thread: TLS not the template");
	tls_fill(3);			/* threads must not start from this */
	for (long i = 0; i < 8; i++)
		EXPECT_PT(pthread_create(&t[i], NULL, tls_thread, (void *)i));
	for (int i = 0; i < 8; i++)
		psem_wait(&arrived);
	psem_post(&go, 8);
	for (int i = 0; i < 8; i++)
		EXPECT_PT(pthread_join(t[i], NULL));
	EXPECT(tls_holds(3), "main thread's TLS changed by other threads");
	for (int i = 0; i < 8; i++) {
		EXPECT(seen[i].fresh, "thread %d did not start from the "
		       "template", i);
		EXPECT(seen[i].kept, "thread %d's TLS changed under it", i);
		EXPECT(seen[i].int_addr != &tls_int &&
		       seen[i].arr_addr != tls_arr, "thread %d shares main's "
		       "TLS at %p", i, (void *)seen[i].int_addr);
		for (int j = 0; j < i; j++)
			EXPECT(seen[j].int_addr != seen[i].int_addr &&
			       seen[j].arr_addr != seen[i].arr_addr,
			       "threads %d and %d share TLS", j, i);
	}
}

/* ================= synchronisation ================= */

#define MUTEX_THREADS	4
#define MUTEX_ITERS	25000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile long counter;

static void *mutex_thread(void *arg)
{
	(void)arg;
	psem_wait(&go);			/* all start together */
	for (int i = 0; i < MUTEX_ITERS; i++) {
		pthread_mutex_lock(&lock);
		counter = counter + 1;	/* a load and a store: only the lock
					   makes the total exact */
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* 4 threads x 25,000 increments under one mutex: exactly 100,000. */
static void mutex_counter(void)
{
	pthread_t t[MUTEX_THREADS];

	PSEM_SETUP();
	for (int i = 0; i < MUTEX_THREADS; i++)
		EXPECT_PT(pthread_create(&t[i], NULL, mutex_thread, NULL));
	psem_post(&go, MUTEX_THREADS);
	for (int i = 0; i < MUTEX_THREADS; i++)
		EXPECT_PT(pthread_join(t[i], NULL));
	EXPECT(counter == MUTEX_THREADS * MUTEX_ITERS, "counter %ld, want %d",
	       counter, MUTEX_THREADS * MUTEX_ITERS);
}

#define HANDOVERS	100000
#define CONSUMERS	2

static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static long slot;			/* the one item in flight */
static int full, done;			/* all three under lock */
static long taken_sum[CONSUMERS], taken_n[CONSUMERS], out_of_order[CONSUMERS];

static void *consumer(void *arg)
{
	long k = (long)arg, last = 0;

	pthread_mutex_lock(&lock);
	for (;;) {
		while (!full && !done)
			pthread_cond_wait(&not_empty, &lock);
		if (!full)
			break;		/* done, and nothing left */
		if (slot <= last)
			out_of_order[k]++;
		last = slot;
		taken_sum[k] += slot;
		taken_n[k]++;
		full = 0;
		pthread_cond_signal(&not_full);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/*
 * The main thread hands 1..100,000 to two consumers through a one-item
 * slot (cond_signal both ways), then cond_broadcast wakes both to finish.
 */
static void cond_counter(void)
{
	pthread_t t[CONSUMERS];
	long n = 0, sum = 0;

	for (long k = 0; k < CONSUMERS; k++)
		EXPECT_PT(pthread_create(&t[k], NULL, consumer, (void *)k));
	for (long i = 1; i <= HANDOVERS; i++) {
		pthread_mutex_lock(&lock);
		while (full)
			pthread_cond_wait(&not_full, &lock);
		slot = i;
		full = 1;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	done = 1;
	pthread_cond_broadcast(&not_empty);
	pthread_mutex_unlock(&lock);
	for (int k = 0; k < CONSUMERS; k++) {
		EXPECT_PT(pthread_join(t[k], NULL));
		EXPECT(!out_of_order[k], "consumer %d took %ld items out of "
		       "order", k, out_of_order[k]);
		n += taken_n[k];
		sum += taken_sum[k];
	}
	EXPECT(n == HANDOVERS && sum == (long)HANDOVERS * (HANDOVERS + 1) / 2,
	       "%ld items summing to %ld, want %d summing to %ld", n, sum,
	       HANDOVERS, (long)HANDOVERS * (HANDOVERS + 1) / 2);
}

#define BARRIER_THREADS	4
#define ROUNDS		2000

static pthread_barrier_t barrier;
static int arrivals[ROUNDS], serials[ROUNDS], early[ROUNDS], bad_ret;

static void *barrier_thread(void *arg)
{
	(void)arg;
	for (int r = 0; r < ROUNDS; r++) {
		int ret;

		__atomic_add_fetch(&arrivals[r], 1, __ATOMIC_SEQ_CST);
		ret = pthread_barrier_wait(&barrier);
		if (ret == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_add_fetch(&serials[r], 1, __ATOMIC_SEQ_CST);
		else if (ret != 0)
			__atomic_add_fetch(&bad_ret, 1, __ATOMIC_SEQ_CST);
		/* Past the barrier: everyone must have arrived at it. */
		if (__atomic_load_n(&arrivals[r], __ATOMIC_SEQ_CST) != BARRIER_THREADS)
			__atomic_add_fetch(&early[r], 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* 2,000 rounds of a 4-thread barrier: nobody passes before all arrive. */
static void barrier_rounds(void)
{
	pthread_t t[BARRIER_THREADS];

	EXPECT_PT(pthread_barrier_init(&barrier, NULL, BARRIER_THREADS));
	for (int i = 0; i < BARRIER_THREADS; i++)
		EXPECT_PT(pthread_create(&t[i], NULL, barrier_thread, NULL));
	for (int i = 0; i < BARRIER_THREADS; i++)
		EXPECT_PT(pthread_join(t[i], NULL));
	EXPECT(!bad_ret, "pthread_barrier_wait failed %d times", bad_ret);
	for (int r = 0; r < ROUNDS; r++) {
		EXPECT(!early[r], "round %d: %d threads passed before all %d "
		       "arrived", r, early[r], BARRIER_THREADS);
		EXPECT(serials[r] == 1, "round %d: %d serial threads", r,
		       serials[r]);
	}
}

/* FUTEX_WAIT/WAKE_PRIVATE ping-pong: two threads take 10,000 turns each. */
#define TURNS		10000

static int turn;			/* whose turn: 0 or 1 */
static int seq;				/* turns taken so far, by both */
static int turns_wrong;

static void *pingpong(void *arg)
{
	int me = (int)(long)arg, v;

	for (int i = 0; i < TURNS; i++) {
		while ((v = __atomic_load_n(&turn, __ATOMIC_ACQUIRE)) != me)
			futex(&turn, FUTEX_WAIT_PRIVATE, v, NULL);
		/* My i-th turn follows 2i + me turns in all. */
		if (seq != 2 * i + me)
			__atomic_add_fetch(&turns_wrong, 1, __ATOMIC_SEQ_CST);
		seq++;
		__atomic_store_n(&turn, !me, __ATOMIC_RELEASE);
		futex(&turn, FUTEX_WAKE_PRIVATE, 1, NULL);
	}
	return NULL;
}

static void futex_private_in_threads(void)
{
	struct timespec ms10 = { 0, 10 * 1000 * 1000 };
	pthread_t a, b;
	int word = 5;

	/* The rules a ping-pong relies on, first. */
	EXPECT_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 6, NULL), EAGAIN);
	EXPECT_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 5, &ms10), ETIMEDOUT);
	EXPECT(futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL) == 0,
	       "a wake with no waiter woke someone");
	EXPECT_PT(pthread_create(&a, NULL, pingpong, (void *)0L));
	EXPECT_PT(pthread_create(&b, NULL, pingpong, (void *)1L));
	EXPECT_PT(pthread_join(a, NULL));
	EXPECT_PT(pthread_join(b, NULL));
	EXPECT(!turns_wrong, "%d turns taken out of turn", turns_wrong);
	EXPECT(turn == 0 && seq == 2 * TURNS, "turn %d, %d turns, after %d "
	       "each", turn, seq, TURNS);
}

/* ================= signals ================= */

/* pthread_kill (tkill) and raw tgkill run the handler in the target. */
static void tgkill_targets_thread(void)
{
	PSEM_SETUP();
	EXPECT_OK(set_handler(SIGUSR1, record_handler));
	EXPECT(start_ids(4) == 0, "pthread_create failed");
	for (int i = 0; i < 4; i++) {
		if (i < 2)
			EXPECT_PT(pthread_kill(w[i].t, SIGUSR1));
		else
			EXPECT_OK(syscall(SYS_tgkill, getpid(), w[i].tid, SIGUSR1));
		psem_wait(&handled);
		EXPECT(handler_tid == w[i].tid && handler_runs == i + 1,
		       "signal to thread %d (tid %d): handler ran in %d, "
		       "%d runs", i, w[i].tid, handler_tid, handler_runs);
	}
	EXPECT_PT(pthread_kill(pthread_self(), SIGUSR1));
	psem_wait(&handled);
	EXPECT(handler_tid == gettid(), "signal to main: handler ran in %d",
	       handler_tid);
	/* tgkill checks that the thread is in that thread group. */
	EXPECT_ERRNO(syscall(SYS_tgkill, getppid(), w[0].tid, 0), ESRCH);
	JOIN_IDS(4);
}

/* A process signal goes to the one thread not blocking it, once. */
static void process_signal_one_thread(void)
{
	sigset_t usr2, pend;

	PSEM_SETUP();
	EXPECT_OK(set_handler(SIGUSR2, record_handler));
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	EXPECT_PT(pthread_sigmask(SIG_BLOCK, &usr2, NULL));	/* inherited */
	w[2].unblock_usr2 = 1;
	EXPECT(start_ids(4) == 0, "pthread_create failed");
	EXPECT_OK(kill(getpid(), SIGUSR2));
	psem_wait(&handled);
	EXPECT(handler_tid == w[2].tid, "handler ran in tid %d, want %d (the "
	       "only thread not blocking SIGUSR2)", handler_tid, w[2].tid);
	sigpending(&pend);
	EXPECT(!sigismember(&pend, SIGUSR2), "SIGUSR2 still pending in main");
	JOIN_IDS(4);
	EXPECT(handler_runs == 1, "handler ran %d times", handler_runs);
	for (int i = 0; i < 4; i++)
		EXPECT(!w[i].usr2_pending, "SIGUSR2 pending in thread %d", i);
}

static int a_usr1_blocked, a_usr1_end, a_usr2_end, b_usr1, b_usr2;

static void *mask_a(void *arg)
{
	sigset_t s;

	(void)arg;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	a_usr1_blocked = blocked(SIGUSR1);
	psem_post(&arrived, 1);
	psem_wait(&go);
	a_usr1_end = blocked(SIGUSR1);
	a_usr2_end = blocked(SIGUSR2);
	return NULL;
}

static void *mask_b(void *arg)
{
	sigset_t s;

	(void)arg;
	b_usr1 = blocked(SIGUSR1);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	b_usr2 = blocked(SIGUSR2);
	return NULL;
}

/* A blocks SIGUSR1, B blocks SIGUSR2: neither change reaches the others. */
static void sigmask_per_thread(void)
{
	pthread_t a, b;

	PSEM_SETUP();
	EXPECT(!blocked(SIGUSR1) && !blocked(SIGUSR2), "main starts blocking");
	EXPECT_PT(pthread_create(&a, NULL, mask_a, NULL));
	psem_wait(&arrived);
	EXPECT(a_usr1_blocked, "A's own SIGUSR1 block did not take");
	EXPECT(!blocked(SIGUSR1), "A's block of SIGUSR1 reached main");
	EXPECT_PT(pthread_create(&b, NULL, mask_b, NULL));
	EXPECT_PT(pthread_join(b, NULL));
	EXPECT(!b_usr1, "B (made by main) started with A's SIGUSR1 block");
	EXPECT(b_usr2, "B's own SIGUSR2 block did not take");
	EXPECT(!blocked(SIGUSR2), "B's block of SIGUSR2 reached main");
	psem_post(&go, 1);
	EXPECT_PT(pthread_join(a, NULL));
	EXPECT(a_usr1_end && !a_usr2_end, "A at the end: SIGUSR1 %s, "
	       "SIGUSR2 %s", a_usr1_end ? "blocked" : "unblocked",
	       a_usr2_end ? "blocked" : "unblocked");
}

static void *installer(void *arg)
{
	struct sigaction old;

	(void)arg;
	set_handler(SIGUSR1, record_handler);
	psem_post(&arrived, 1);
	psem_wait(&go);			/* main has set SIG_IGN meanwhile */
	sigaction(SIGUSR1, NULL, &old);
	if (old.sa_handler != SIG_IGN)
		return (void *)1;
	raise(SIGUSR1);			/* ignored: nothing happens */
	return NULL;
}

/* sigaction in one thread is the disposition in all (CLONE_SIGHAND). */
static void shared_handlers(void)
{
	struct sigaction old;
	pthread_t t;
	void *ret;

	PSEM_SETUP();
	EXPECT_PT(pthread_create(&t, NULL, installer, NULL));
	psem_wait(&arrived);
	EXPECT_OK(sigaction(SIGUSR1, NULL, &old));
	EXPECT(old.sa_handler == record_handler, "main does not see the "
	       "handler another thread installed");
	EXPECT_PT(pthread_kill(pthread_self(), SIGUSR1));
	psem_wait(&handled);
	EXPECT(handler_tid == gettid(), "handler ran in %d", handler_tid);
	EXPECT_OK(set_handler(SIGUSR1, SIG_IGN));
	psem_post(&go, 1);
	EXPECT_PT(pthread_join(t, &ret));
	EXPECT(ret == NULL, "the thread does not see main's SIG_IGN");
	EXPECT(handler_runs == 1, "handler ran %d times, want 1", handler_runs);
}

/* ================= exit, exit_group, execve ================= */

static void *spinner(void *arg)
{
	volatile unsigned long n = 0;

	(void)arg;
	for (;;)
		n++;
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	psem_wait(&go);			/* never posted */
	return NULL;
}

static void *exit7(void *arg)
{
	struct timespec ms10 = { 0, 10 * 1000 * 1000 };

	(void)arg;
	nanosleep(&ms10, NULL);		/* let main block in the join */
	exit(7);
}

/*
 * exit(7) in a thread ends the process - a spinning thread, a sleeping
 * one and the main thread blocked in pthread_join - with status 7; once
 * waitpid has said so, every thread is gone (the pipe's write end,
 * held by the process's one file table, is closed).
 */
static void exit_group_from_thread(void)
{
	struct pollfd pfd;
	int pp[2], st;
	pid_t pid;
	char c;

	EXPECT_OK(pipe(pp));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		pthread_t t[3];

		close(pp[0]);
		psem_init(&go);
		pthread_create(&t[0], NULL, spinner, NULL);
		pthread_create(&t[1], NULL, sleeper, NULL);
		pthread_create(&t[2], NULL, exit7, NULL);
		pthread_join(t[2], NULL);
		_exit(99);		/* the join must never return */
	}
	close(pp[1]);
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 7, "status %#x, want "
	       "exited 7", st);
	pfd.fd = pp[0];
	pfd.events = POLLIN;
	EXPECT(poll(&pfd, 1, 5000) == 1 && read(pp[0], &c, 1) == 0,
	       "the pipe is still open after the exit: a thread survived");
}

static void *pthread_exit_55(void *arg)
{
	(void)arg;
	pthread_exit((void *)0x55);
}

static pthread_t main_thread;
static int up_fd, down_fd;		/* outlive_main's pipes to the case */

/*
 * The last thread of outlive_main: it joins the main thread (musl waits
 * for the kernel to clear the main thread's set_tid_address word, so the
 * join returns only once the main thread is gone), says so, waits for the
 * case to look, and works. Its exit is the process's: status 0.
 */
static void *survivor(void *arg)
{
	char c;

	(void)arg;
	pthread_join(main_thread, NULL);
	if (write(up_fd, "m", 1) != 1 || read(down_fd, &c, 1) != 1)
		_exit(90);
	if (write(up_fd, "w", 1) != 1)
		_exit(91);
	return NULL;
}

/*
 * The process of thread_exit_keeps_process whose main thread leaves
 * first. A fresh image, not just a fork: musl registers the main thread's
 * set_tid_address word at start-up, and a forked child has none (fork
 * does not inherit it), so in a forked child the main thread's
 * pthread_exit would leave musl's thread-list lock taken for good.
 */
static int outlive_main(int up, int down)
{
	pthread_t t;

	up_fd = up;
	down_fd = down;
	main_thread = pthread_self();
	if (pthread_create(&t, NULL, survivor, NULL))
		return 92;
	pthread_exit(NULL);
}

/*
 * pthread_exit and a bare SYS_exit end a thread, not the process; and
 * a process whose main thread has gone lives on until its last thread
 * ends, then exits 0.
 */
static void thread_exit_keeps_process(void)
{
	int up[2], down[2], st = 0;
	char c = 0, a1[16], a2[16];
	struct raw_thread r;
	pthread_t t;
	void *ret;
	pid_t pid;

	EXPECT_PT(pthread_create(&t, NULL, pthread_exit_55, NULL));
	EXPECT_PT(pthread_join(t, &ret));
	EXPECT(ret == (void *)0x55, "pthread_exit value %p", ret);
	EXPECT_OK(raw_start(&r));	/* exits with SYS_exit */
	raw_wait(&r);
	EXPECT(getpid() == gettid(), "main is not the same thread any more");

	EXPECT_OK(pipe(up));
	EXPECT_OK(pipe(down));
	snprintf(a1, sizeof(a1), "%d", up[1]);
	snprintf(a2, sizeof(a2), "%d", down[0]);
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		execl(self_path, self_path, "--outlive-main", a1, a2, (char *)NULL);
		_exit(97);
	}
	EXPECT(read(up[0], &c, 1) == 1 && c == 'm', "no word from the "
	       "surviving thread (%c)", c);
	EXPECT(waitpid(pid, &st, WNOHANG) == 0, "the process ended with its "
	       "main thread (status %#x) while another thread ran", st);
	EXPECT(write(down[1], "g", 1) == 1, "write: %s", strerror(errno));
	EXPECT(read(up[0], &c, 1) == 1 && c == 'w', "the surviving thread "
	       "did not do its work (%c)", c);
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x, want "
	       "exited 0", st);
}

/* reap_race's last thread: it ends the process as soon as main is gone. */
static void *quick_survivor(void *arg)
{
	(void)arg;
	pthread_join(main_thread, NULL);
	return NULL;
}

/* The process of autoreap_leader_exits_first (a fresh image, as above). */
static int reap_race(void)
{
	pthread_t t;

	main_thread = pthread_self();
	if (pthread_create(&t, NULL, quick_survivor, NULL))
		return 92;
	pthread_exit(NULL);
}

#define REAP_ROUNDS	40

/*
 * With SIGCHLD ignored there are no zombies: a process whose main thread
 * left first and whose last thread follows at once (often while the main
 * thread is still on its way off its CPU) is gone, not left over, and no
 * kernel object stays behind (runall's leak check).
 */
static void autoreap_leader_exits_first(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	pid_t pids[REAP_ROUNDS];
	int gone = 0;

	EXPECT_OK(sigaction(SIGCHLD, &ign, &old));
	for (int i = 0; i < REAP_ROUNDS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			execl(self_path, self_path, "--reap-race", (char *)NULL);
			_exit(97);
		}
		if (pids[i] < 0)
			break;
	}
	for (int ms = 0; ms < 20000; ms += 10) {
		gone = 0;
		for (int i = 0; i < REAP_ROUNDS; i++)
			gone += pids[i] > 0 && kill(pids[i], 0) < 0 && errno == ESRCH;
		if (gone == REAP_ROUNDS)
			break;
		usleep(10000);
	}
	sigaction(SIGCHLD, &old, NULL);
	EXPECT(gone == REAP_ROUNDS, "%d of %d processes still there after 20 s",
	       REAP_ROUNDS - gone, REAP_ROUNDS);
	EXPECT(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
	       "a child left to wait for: %s", strerror(errno));
}

static int report_fd;

static void *execer(void *arg)
{
	char fd[16];

	(void)arg;
	snprintf(fd, sizeof(fd), "%d", report_fd);
	execl(self_path, self_path, "--exec-report", fd, (char *)NULL);
	_exit(97);
}

/* The other side of execve_from_thread: the new image reports on @fd. */
static int exec_report(int fd)
{
	pid_t tids[4];
	char line[128];
	int n;

	n = snprintf(line, sizeof(line), "%d %d %d %d\n", getpid(), gettid(),
		     status_threads(), list_tasks(tids, 4));
	if (write(fd, line, n) != n)
		return 1;
	return EXEC_EXIT;
}

/*
 * execve in a thread while others spin and sleep: the new image runs in
 * the same process - pid unchanged, its one thread's tid the pid (Linux's
 * de_thread) - and alone (Threads: 1, one /proc/self/task entry).
 */
static void execve_from_thread(void)
{
	char buf[128] = "";
	int pp[2], st, rpid = 0, rtid = 0, threads = 0, tasks = 0;
	ssize_t n = 0, r;
	pid_t pid;

	EXPECT_OK(pipe(pp));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		pthread_t t[3];

		close(pp[0]);
		report_fd = pp[1];
		psem_init(&go);
		pthread_create(&t[0], NULL, spinner, NULL);
		pthread_create(&t[1], NULL, sleeper, NULL);
		pthread_create(&t[2], NULL, execer, NULL);
		pthread_join(t[2], NULL);
		_exit(98);		/* the join must never return */
	}
	close(pp[1]);
	while (n < (ssize_t)sizeof(buf) - 1 &&
	       (r = read(pp[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == EXEC_EXIT, "status %#x, "
	       "want exited %d (97: execve failed)", st, EXEC_EXIT);
	EXPECT(sscanf(buf, "%d %d %d %d", &rpid, &rtid, &threads, &tasks) == 4,
	       "report '%s'", buf);
	EXPECT(rpid == pid && rtid == pid, "new image: pid %d tid %d, want %d",
	       rpid, rtid, pid);
	EXPECT(threads == 1 && tasks == 1, "new image: Threads: %d, %d tasks "
	       "in /proc/self/task, want 1 and 1", threads, tasks);
}

/* ================= thread exit and the kernel's bookkeeping ================= */

static void *detached_stack[16];

static void *detached(void *arg)
{
	detached_stack[(long)arg] = __builtin_frame_address(0);
	psem_post(&arrived, 1);
	return NULL;			/* musl unmaps this stack on the way out */
}

/* Has the page of @p been unmapped? */
static int unmapped(const void *p)
{
	unsigned char v;

	return mincore((void *)((uintptr_t)p & ~4095ul), 1, &v) < 0 &&
	       errno == ENOMEM;
}

/*
 * pthread_join returns promptly (an alarm bounds it at 10 s), the raw
 * clone's CHILD_CLEARTID word is cleared and woken, and 16 detached
 * threads exit and take their stacks with them without harm.
 */
static void cleartid_wake(void)
{
	pthread_attr_t attr;
	struct raw_thread r;
	pthread_t t;
	int gone = 0;

	alarm(10);
	PSEM_SETUP();
	w[0].idx = 0;
	EXPECT_PT(pthread_create(&w[0].t, NULL, id_thread, &w[0]));
	JOIN_IDS(1);

	EXPECT_OK(raw_start(&r));
	raw_wait(&r);
	EXPECT(r.ctid == 0, "CHILD_CLEARTID word %d after exit", r.ctid);
	EXPECT(r.tid > 0 && r.ptid == r.tid && r.ctid_at_start == r.tid,
	       "tid %d; PARENT_SETTID wrote %d, CHILD_SETTID %d", r.tid,
	       r.ptid, r.ctid_at_start);

	EXPECT_PT(pthread_attr_init(&attr));
	EXPECT_PT(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED));
	for (long i = 0; i < 16; i++)
		EXPECT_PT(pthread_create(&t, &attr, detached, (void *)i));
	for (int i = 0; i < 16; i++)
		psem_wait(&arrived);
	for (int tries = 0; tries < 5000 && gone < 16; tries++) {
		gone = 0;
		for (int i = 0; i < 16; i++)
			gone += unmapped(detached_stack[i]);
		usleep(1000);
	}
	EXPECT(gone == 16, "%d of 16 detached threads' stacks still mapped "
	       "after 5 s", 16 - gone);
	w[0].idx = 0;
	EXPECT_PT(pthread_create(&w[0].t, NULL, id_thread, &w[0]));
	JOIN_IDS(1);
}

static int cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

/* /proc/self/task and "Threads:" list exactly the live threads. */
static void proc_task_dir(void)
{
	pid_t want[6], got[MAXT];
	char path[64], buf[256];
	int n, fd;
	ssize_t r;

	PSEM_SETUP();
	EXPECT(start_ids(5) == 0, "pthread_create failed");
	want[0] = getpid();
	for (int i = 0; i < 5; i++)
		want[i + 1] = w[i].tid;
	n = list_tasks(got, MAXT);
	EXPECT(n == 6, "/proc/self/task has %d entries, want 6", n);
	qsort(want, 6, sizeof(pid_t), cmp_pid);
	qsort(got, 6, sizeof(pid_t), cmp_pid);
	for (int i = 0; i < 6; i++)
		EXPECT(got[i] == want[i], "/proc/self/task lists %d, want %d",
		       got[i], want[i]);
	EXPECT(status_threads() == 6, "Threads: %d, want 6", status_threads());
	for (int i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", getpid(),
			 w[i].tid);
		fd = open(path, O_RDONLY);
		EXPECT(fd >= 0, "open %s: %s", path, strerror(errno));
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[r > 0 ? r : 0] = 0;
		EXPECT(atoi(buf) == w[i].tid, "%s starts '%.20s'", path, buf);
	}
	JOIN_IDS(5);
	n = wait_tasks(1);
	EXPECT(n == 1, "/proc/self/task has %d entries 5 s after the joins", n);
	EXPECT(status_threads() == 1, "Threads: %d after the joins",
	       status_threads());
}

#define CHURN		500
#define CHURN_ALIVE	8

static void *churn_thread(void *arg)
{
	return tls_holds(0) ? arg : NULL;	/* a fresh TLS each time */
}

/* 500 threads created and joined, at most 8 alive: none is left over. */
static void many_threads_churn(void)
{
	pthread_t t[CHURN_ALIVE];
	void *ret;
	int n;

	for (long i = 0; i < CHURN; i++) {
		int k = i % CHURN_ALIVE;

		if (i >= CHURN_ALIVE) {
			EXPECT_PT(pthread_join(t[k], &ret));
			EXPECT(ret == (void *)(i - CHURN_ALIVE + 1), "thread %ld "
			       "returned %p", i - CHURN_ALIVE, ret);
		}
		EXPECT_PT(pthread_create(&t[k], NULL, churn_thread,
					 (void *)(i + 1)));
	}
	for (long i = CHURN - CHURN_ALIVE; i < CHURN; i++) {
		EXPECT_PT(pthread_join(t[i % CHURN_ALIVE], &ret));
		EXPECT(ret == (void *)(i + 1), "thread %ld returned %p", i, ret);
	}
	n = wait_tasks(1);
	EXPECT(n == 1, "/proc/self/task has %d entries 5 s after the last "
	       "join", n);
}

/* ================= CPUs ================= */

/* sysconf counts the CPUs we may use; affinity narrows to one and back. */
static void nproc(void)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t all, one, now;
	int n = cpus_allowed(&all), first = nth_cpu(&all, 0);

	EXPECT(n >= 1, "sched_getaffinity: %d CPUs (%s)", n, strerror(errno));
	EXPECT(online == n, "sysconf(_SC_NPROCESSORS_ONLN) %ld, affinity %d",
	       online, n);
	CPU_ZERO(&one);
	EXPECT_ERRNO(sched_setaffinity(0, sizeof(one), &one), EINVAL);
	CPU_SET(first, &one);
	EXPECT_OK(sched_setaffinity(0, sizeof(one), &one));
	EXPECT(cpus_allowed(&now) == 1 && CPU_ISSET(first, &now),
	       "after pinning to CPU %d: %d CPUs allowed", first,
	       CPU_COUNT(&now));
	EXPECT_OK(sched_setaffinity(0, sizeof(all), &all));
	EXPECT(cpus_allowed(&now) == n && CPU_EQUAL(&now, &all),
	       "after restoring: %d CPUs allowed, want %d", CPU_COUNT(&now), n);
}

/* Lines of @path that start with @prefix followed by a digit (or @any_suffix). */
static int count_lines(const char *path, const char *prefix, bool digit)
{
	char line[512];
	size_t len = strlen(prefix);
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, prefix, len) && (!digit || (line[len] >= '0' && line[len] <= '9')))
			n++;
	fclose(f);
	return n;
}

/*
 * /proc/stat has a "cpuN" line per online CPU (as /proc/cpuinfo has a
 * "processor" line), a "cpu" total with time in it, and the counters.
 */
static void proc_stat_cpus(void)
{
	unsigned long long user, nice, sys, idle, v;
	int cpus = count_lines("/proc/stat", "cpu", true);
	int procs = count_lines("/proc/cpuinfo", "processor", false);
	char line[512];
	bool ctxt = false, btime = false, processes = false;
	FILE *f = fopen("/proc/stat", "r");

	EXPECT(f != NULL, "/proc/stat: %s", strerror(errno));
	EXPECT(cpus >= 1 && cpus == procs, "%d cpuN lines in /proc/stat, %d processors in "
	       "/proc/cpuinfo", cpus, procs);
	EXPECT(fgets(line, sizeof(line), f) &&
	       sscanf(line, "cpu %llu %llu %llu %llu", &user, &nice, &sys, &idle) == 4,
	       "first line: %s", line);
	EXPECT(user + sys + idle > 0, "no time in the cpu line: %s", line);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "ctxt %llu", &v) == 1)
			ctxt = v > 0;
		if (sscanf(line, "btime %llu", &v) == 1)
			btime = v > 1500000000ull;	/* after 2017 */
		if (sscanf(line, "processes %llu", &v) == 1)
			processes = v > 0;
	}
	fclose(f);
	EXPECT(ctxt && btime && processes, "ctxt %d btime %d processes %d", ctxt, btime,
	       processes);
}

/* ---- wait4 across the threads of a process ---- */

static volatile pid_t forked;		/* the child a thread forked */
static volatile pid_t thread_waited;	/* what the thread's own waitpid returned */
static volatile int thread_wait_st, thread_wait_err;

/* Fork a child that exits with @code at once. */
static pid_t fork_exiting(int code)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(code);
	return pid;
}

/* Fork a child that exits 7, arrive, wait for "go", then waitpid it with __WNOTHREAD. */
static void *forker_waits_own(void *arg)
{
	int st = -1;

	forked = fork_exiting((int)(long)arg);
	psem_post(&arrived, 1);
	psem_wait(&go);
	thread_waited = waitpid(forked, &st, __WNOTHREAD);
	thread_wait_err = errno;
	thread_wait_st = st;
	return NULL;
}

/* Fork a child that exits with @arg, and leave: the thread is gone, its child is not. */
static void *forker_leaves(void *arg)
{
	forked = fork_exiting((int)(long)arg);
	return NULL;
}

static bool exited_with(int st, int code)
{
	return WIFEXITED(st) && WEXITSTATUS(st) == code;
}

/* Is @pid a zombie (state Z in /proc/PID/stat)? */
static bool is_zombie(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	return ut_stat_state(path) == 'Z';
}

/*
 * A child forked by one thread is the process's child: another thread's
 * wait4 reaps it while the forking thread is still there.
 */
static void wait_reaps_other_threads_child(void)
{
	pthread_t t;
	int st = -1;

	PSEM_SETUP();
	forked = 0;
	EXPECT_PT(pthread_create(&t, NULL, forker_waits_own, (void *)7l));
	psem_wait(&arrived);
	EXPECT(forked > 0, "fork in the thread: %s", strerror(errno));
	EXPECT(waitpid(-1, &st, 0) == forked && exited_with(st, 7),
	       "main's waitpid: %s, status %#x", strerror(errno), st);
	psem_post(&go, 1);
	EXPECT_PT(pthread_join(t, NULL));
	EXPECT(thread_waited == -1 && thread_wait_err == ECHILD,
	       "the forking thread's wait after main reaped: %d (%s)", (int)thread_waited,
	       strerror(thread_wait_err));
}

/*
 * With __WNOTHREAD a thread waits only for the children it forked: for
 * main, a zombie forked by another thread is no child at all (ECHILD,
 * even with WNOHANG), and its own child is found; the forking thread
 * reaps the other.
 */
static void wnothread_own_children_only(void)
{
	pthread_t t;
	pid_t mine;
	int st = -1;

	PSEM_SETUP();
	forked = 0;
	EXPECT_PT(pthread_create(&t, NULL, forker_waits_own, (void *)9l));
	psem_wait(&arrived);
	EXPECT(forked > 0, "fork in the thread: %s", strerror(errno));
	/* Let it become a zombie first: then a wrong answer would be a reap. */
	for (int i = 0; i < 5000 && !is_zombie(forked); i++)
		usleep(1000);
	EXPECT_ERRNO(waitpid(-1, &st, __WNOTHREAD | WNOHANG), ECHILD);
	EXPECT_ERRNO(waitpid(forked, &st, __WNOTHREAD), ECHILD);
	mine = fork_exiting(3);
	EXPECT(mine > 0, "fork: %s", strerror(errno));
	EXPECT(waitpid(-1, &st, __WNOTHREAD) == mine && exited_with(st, 3),
	       "main's __WNOTHREAD wait for its own child: %s, status %#x", strerror(errno), st);
	psem_post(&go, 1);
	EXPECT_PT(pthread_join(t, NULL));
	EXPECT(thread_waited == forked && exited_with(thread_wait_st, 9),
	       "the forking thread's __WNOTHREAD wait: %d (%s), status %#x", (int)thread_waited,
	       strerror(thread_wait_err), thread_wait_st);
	EXPECT_ERRNO(waitpid(-1, &st, WNOHANG), ECHILD);
}

/*
 * When the forking thread exits, its children pass to a live thread of
 * the process (Linux's find_alive_thread): here main, whose __WNOTHREAD
 * wait now reaps them.
 */
static void wnothread_inherits_exited_threads_children(void)
{
	pthread_t t;
	int st = -1;

	forked = 0;
	EXPECT_PT(pthread_create(&t, NULL, forker_leaves, (void *)5l));
	EXPECT_PT(pthread_join(t, NULL));
	EXPECT(forked > 0, "fork in the thread: %s", strerror(errno));
	/* pthread_join returns when the thread's tid word is cleared: just before it is gone. */
	EXPECT(wait_tasks(1) == 1, "the forking thread is still listed in /proc/self/task");
	EXPECT(waitpid(-1, &st, __WNOTHREAD) == forked && exited_with(st, 5),
	       "main's __WNOTHREAD wait for the exited thread's child: %s, status %#x",
	       strerror(errno), st);
}

/* The tracee pid for the ptrace case, and what its tracer thread saw. */
static volatile pid_t tracee;
static volatile long attach_ret, detach_ret;
static volatile int attach_err;

/* Attach to the tracee, arrive; on "go", detach it (only the tracer thread may). */
static void *tracer_thread(void *arg)
{
	(void)arg;
	attach_ret = ptrace(PTRACE_ATTACH, tracee, NULL, NULL);
	attach_err = errno;
	psem_post(&arrived, 1);
	psem_wait(&go);
	detach_ret = ptrace(PTRACE_DETACH, tracee, NULL, NULL);
	return NULL;
}

/*
 * A thread PTRACE_ATTACHes to a task that is not our child (a
 * grandchild): another thread's wait4 sees its ptrace stop, though not
 * with __WNOTHREAD (the tracer is another thread). The tracer thread
 * detaches it.
 */
static void ptrace_stop_seen_by_other_thread(void)
{
	int p[2], st = -1;
	pid_t mid, pid;
	pthread_t t;

	PSEM_SETUP();
	EXPECT_OK(pipe(p));
	mid = fork();
	if (mid == 0) {
		pid_t c = fork();

		if (c == 0)
			for (;;)
				pause();
		if (write(p[1], &c, sizeof(c)) != sizeof(c))
			_exit(2);
		for (;;)
			pause();
	}
	EXPECT(mid > 0, "fork: %s", strerror(errno));
	EXPECT(read(p[0], &pid, sizeof(pid)) == sizeof(pid) && pid > 0, "no grandchild");
	tracee = pid;
	EXPECT_PT(pthread_create(&t, NULL, tracer_thread, NULL));
	psem_wait(&arrived);
	EXPECT(attach_ret == 0, "PTRACE_ATTACH from a thread: %s", strerror(attach_err));
	EXPECT_ERRNO(waitpid(pid, &st, __WNOTHREAD | WNOHANG), ECHILD);
	EXPECT(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP,
	       "main's wait for the thread's tracee: %s, status %#x", strerror(errno), st);
	EXPECT_ERRNO(ptrace(PTRACE_CONT, pid, NULL, NULL), ESRCH);	/* main is no tracer */
	psem_post(&go, 1);
	EXPECT_PT(pthread_join(t, NULL));
	EXPECT(detach_ret == 0, "PTRACE_DETACH from the tracer thread failed");
	kill(pid, SIGKILL);
	kill(mid, SIGKILL);
	EXPECT(waitpid(mid, &st, 0) == mid, "waitpid: %s", strerror(errno));
}

static int pinned_cpu, pinned_seen = -2, pinned_count;

static void *pinned(void *arg)
{
	cpu_set_t now;

	(void)arg;
	if (pin_self(pinned_cpu))
		return NULL;
	pinned_count = cpus_allowed(&now);
	for (int i = 0; i < 100; i++) {
		pinned_seen = sched_getcpu();
		if (pinned_seen != pinned_cpu)
			break;
		sched_yield();
	}
	return NULL;
}

/* A thread pinned to the last CPU runs there; main's affinity is its own. */
static void getcpu_pinned(void)
{
	cpu_set_t all, now;
	int n = cpus_allowed(&all);
	pthread_t t;

	if (sched_getcpu() < 0 && errno == ENOSYS)
		SKIP("sched_getcpu: ENOSYS (no getcpu system call or vDSO)");
	EXPECT(n >= 1, "sched_getaffinity: %s", strerror(errno));
	pinned_cpu = nth_cpu(&all, n - 1);
	EXPECT_PT(pthread_create(&t, NULL, pinned, NULL));
	EXPECT_PT(pthread_join(t, NULL));
	EXPECT(pinned_count == 1, "pinned thread allows %d CPUs", pinned_count);
	EXPECT(pinned_seen == pinned_cpu, "thread pinned to CPU %d ran on %d",
	       pinned_cpu, pinned_seen);
	EXPECT(cpus_allowed(&now) == n && CPU_EQUAL(&now, &all),
	       "a thread's pinning changed main's affinity (%d CPUs)",
	       CPU_COUNT(&now));
	EXPECT_PT(pin_self(nth_cpu(&all, 0)));
	EXPECT(sched_getcpu() == nth_cpu(&all, 0), "main pinned to CPU %d "
	       "runs on %d", nth_cpu(&all, 0), sched_getcpu());
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--exec-report"))
		return exec_report(atoi(argv[2]));	/* execve_from_thread */
	if (argc == 4 && !strcmp(argv[1], "--outlive-main"))	/* thread_exit_... */
		return outlive_main(atoi(argv[2]), atoi(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "--reap-race"))	/* autoreap_... */
		return reap_race();
	self_path = this_program(argv[0]);
	if (argc == 2)
		case_only = argv[1];	/* "thread_test CASE": that case alone */
	ut_begin("thread_test");
	CASE(create_join_64);
	CASE(gettid_getpid);
	CASE(tls_per_thread);
	CASE(mutex_counter);
	CASE(cond_counter);
	CASE(barrier_rounds);
	CASE(futex_private_in_threads);
	CASE(tgkill_targets_thread);
	CASE(process_signal_one_thread);
	CASE(sigmask_per_thread);
	CASE(shared_handlers);
	CASE(exit_group_from_thread);
	CASE(thread_exit_keeps_process);
	CASE(autoreap_leader_exits_first);
	CASE(execve_from_thread);
	CASE(cleartid_wake);
	CASE(proc_task_dir);
	CASE(many_threads_churn);
	CASE(nproc);
	CASE(proc_stat_cpus);
	CASE(getcpu_pinned);
	CASE(wait_reaps_other_threads_child);
	CASE(wnothread_own_children_only);
	CASE(wnothread_inherits_exited_threads_children);
	CASE(ptrace_stop_seen_by_other_thread);
	return ut_end();
}
