/*
 * fuzz.h - shared definitions of the system-call fuzzer (/fuzz/fuzz).
 *
 * The fuzzer is three files:
 *
 *	fuzz.c		the supervisor: arguments, setup as pid 1, forking
 *			and replacing workers, the stuck-worker watchdog,
 *			the summary and the free-memory check
 *	worker.c	one worker: its scratch directory, its pools of
 *			mappings, fds, paths and pids, the call log, the
 *			safety filter every call goes through, the loop
 *	calls.c		argument generators and the weighted call table
 *			(mm calls with semi-valid arguments, file and
 *			process calls, fully random numbers and arguments)
 *
 * A run is reproducible from its seed: worker slot i, generation g
 * (the g-th process that took over slot i) draws every choice from a
 * PRNG seeded by fz_seed(seed, i, g). Only timing (preemption, the
 * watchdog, the OOM killer) differs between two runs of one seed.
 *
 * Shared memory (one MAP_SHARED region made before the first fork, at
 * FZ_SHARED_ADDR) holds per slot a call counter, a heartbeat and a ring of
 * the last FZ_LOG calls, so the supervisor can say what a worker that died
 * was doing, and sees the kernel corrupt memory when a counter leaps.
 * That only holds if no worker writes there itself, so a fence keeps the
 * workers' random calls away from it (see fz_fence_filter()): no pointer
 * argument points into it and no mapping call touches it or the FZ_FENCE
 * bytes around it, which therefore stay unmapped - a copy that starts at
 * a mapped address elsewhere faults before it can reach the log.
 *
 * Not a UTEST test: it lives outside /tests (runall must not run it) and
 * is never run on the host (tests/user-tests-on-linux runs build/user/tests
 * only), since random system calls as root can damage a real machine.
 */
#ifndef FUZZ_H
#define FUZZ_H

#define _GNU_SOURCE
#include <stdint.h>
#include <sys/types.h>

#define FZ_MAX_WORKERS	16
#define FZ_LOG		16		/* calls remembered per worker slot */
#define FZ_PENDING	((int64_t)0x7fffffffdeadbeefLL)	/* ret of a call in flight */
#define FZ_PAGE		4096UL
#define FZ_SHARED_ADDR	0x200000000000ULL	/* far from where mmap places things */
#define FZ_FENCE	(1ULL << 30)		/* unmapped on each side of the log */

/* Pseudo-call numbers in the log for things that are not one syscall. */
enum {
	FZ_OP_TOUCH = -1,	/* the worker reads or writes memory itself */
	FZ_OP_FORKCHILD = -2,	/* fork(): the child runs a few mm calls */
	FZ_OP_VMCHILD = -3,	/* clone(CLONE_VM): a child races on our mm */
	FZ_OP_CLONE_EXIT = -4,	/* clone(random flags): the child exits at once */
	FZ_OP_VFORK_OP = -5,	/* vfork(): the child makes one call, exits */
	FZ_OP_THREAD = -6,	/* clone(CLONE_THREAD): a thread makes calls too */
};

/* One logged call: written before the call (ret FZ_PENDING), then ret. */
struct fz_rec {
	uint32_t seq;		/* the worker's call number */
	int32_t nr;		/* syscall number or FZ_OP_* */
	uint64_t arg[6];
	int64_t ret;
};

/* Per worker slot, in shared memory. */
struct fz_slot {
	uint64_t calls;		/* calls begun in this slot, all generations */
	uint64_t heartbeat_ms;	/* CLOCK_MONOTONIC ms at the last call start */
	uint32_t gen;		/* generation now running */
	uint32_t head;		/* records written (ring index = head % FZ_LOG) */
	uint32_t anomalies;	/* kernel misbehaviour the worker saw itself */
	char anomaly[160];	/* ... the first one, in words */
	struct fz_rec log[FZ_LOG];
};

struct fz_shared {
	struct fz_slot slot[FZ_MAX_WORKERS];
};

/* What a worker is told when it is forked. */
struct fz_config {
	uint64_t seed;
	uint64_t share;		/* calls this slot makes in total */
	int slot, gen;
	int timeout_s;
	int trace;		/* print every call before making it */
	pid_t supervisor;
	int console_fd;		/* for --trace only; closed otherwise */
	struct fz_shared *shared;
};

/* ---- PRNG (splitmix64 to seed, xorshift64* to draw) ---------------- */

static inline uint64_t fz_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline uint64_t fz_seed(uint64_t seed, int slot, int gen)
{
	uint64_t s = fz_mix(seed ^ fz_mix(((uint64_t)slot << 32) | (uint32_t)gen));

	return s ? s : 1;
}

static inline uint64_t fz_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* ---- raw system calls (no errno: result or -errno, TLS untouched) --- */

static inline long fz_syscall6(long nr, uint64_t a, uint64_t b, uint64_t c,
			       uint64_t d, uint64_t e, uint64_t f)
{
	long ret;
	register uint64_t r10 __asm__("r10") = d;
	register uint64_t r8 __asm__("r8") = e;
	register uint64_t r9 __asm__("r9") = f;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/*
 * clone(@flags, @stack, @ptid, @ctid, @tls) whose child exits at once
 * without touching memory: safe for any flags (CLONE_VM with no stack
 * too). Returns the parent's result.
 */
long fz_clone_exit(uint64_t flags, uint64_t stack, uint64_t ptid, uint64_t ctid,
		   uint64_t tls);
/*
 * clone(@flags, @stack_top) whose child calls @fn(@arg) on that stack and
 * exits with its result. @fn must use raw system calls only (the child
 * shares the parent's TLS and errno).
 */
long fz_clone_fn(uint64_t flags, void *stack_top, int (*fn)(void *), void *arg);
/* vfork(); the child makes system call @nr(@a, @b, @c) and exits. */
long fz_vfork_call(long nr, uint64_t a, uint64_t b, uint64_t c);
/*
 * clone(@flags, @stack_top, ptid = @ptid, ctid = @ctid) for a thread: the
 * child calls @fn(@arg) on that stack and exits (SYS_exit, the thread
 * only) with its result. Raw system calls only in @fn, as above.
 */
long fz_clone_thread(uint64_t flags, void *stack_top, int (*fn)(void *), void *arg,
		     int *ctid, int *ptid);

/* ---- a worker's state (worker.c owns it, calls.c draws from it) ---- */

#define FZ_MAPS		48
#define FZ_FDS		48
#define FZ_KIDS		8
#define FZ_PATHS	24
#define FZ_WPATHS	12		/* paths[0..FZ_WPATHS) may be changed */
#define FZ_BUF		(64 * 1024)
#define FZ_THREADS	4		/* threads of a worker alive at once */
#define FZ_TCALLS	24		/* calls a thread makes at most */
#define FZ_TID_SELF	0x3ffffffeULL	/* tgkill's tid: "the calling thread" */
#define FZ_FWORDS	4		/* futex words everybody aims at */

/* A mapping the worker made (it may be gone by now: that is fine). */
struct fz_map {
	uint64_t addr, len;
};

/* One system call a thread will make, drawn (and filtered) beforehand. */
struct fz_tcall {
	long nr;
	uint64_t arg[6];
};

/*
 * A thread of the worker (op_thread() in calls.c). Its stack and its
 * calls live in a mapping of their own (@region); @ctid, the word the
 * kernel clears when the thread is gone, lives here in fzw, so that a
 * random munmap of the region cannot take it away.
 */
struct fz_thread {
	int ctid;		/* CLONE_CHILD_CLEARTID: 0 once the thread is gone */
	int ptid;		/* CLONE_PARENT_SETTID */
	pid_t tid;
	uint64_t region, len;
};

struct fz_worker {
	const struct fz_config *cfg;
	struct fz_slot *slot;
	uint64_t rng;
	uint32_t seq;
	int in_child;		/* a fork child: no logging, no counting */
	pid_t pid;
	struct fz_map maps[FZ_MAPS];
	int nmaps;
	int fds[FZ_FDS];
	int nfds;
	int closed_fd;		/* a number known to be closed */
	pid_t kids[FZ_KIDS];
	int nkids;
	char dir[64];
	char paths[FZ_PATHS][96];
	unsigned char *buf;	/* FZ_BUF bytes, never handed to munmap & co */
	uint64_t ro_page, none_page, text_page, stack_page, brk0;
	uint64_t faults_caught;
	struct fz_thread threads[FZ_THREADS];
	int nthreads;
	uint32_t fwords[FZ_FWORDS];	/* futex words the threads share */
};

extern struct fz_worker fzw;

/* ---- worker.c ------------------------------------------------------- */

/* Random numbers for the worker (or its fork child). */
uint64_t fz_rnd(void);
uint64_t fz_below(uint64_t n);
int fz_chance(int percent);
/* Argument generators: semi-valid most of the time, hostile sometimes. */
uint64_t fz_gen_addr(void);		/* a target for munmap, mprotect, ... */
uint64_t fz_gen_ptr(void);		/* a user buffer for the kernel to use */
uint64_t fz_gen_len(void);
uint64_t fz_gen_fd(void);
uint64_t fz_gen_path(int writable);
uint64_t fz_gen_prot(void);
uint64_t fz_gen_off(void);
pid_t fz_gen_pid(void);
/* Check a new non-fixed mapping; report it if it overlaps the shared page. */
void fz_check_new_map(uint64_t addr, uint64_t len, uint64_t flags);
/* Remember a new mapping / fd / child in the pools. */
void fz_add_map(uint64_t addr, uint64_t len);
void fz_forget_maps(uint64_t addr, uint64_t len);
void fz_add_fd(long fd);
void fz_add_kid(long pid);
/* Reap finished children (WNOHANG unless @block); free gone threads' regions. */
void fz_reap(int block);
/* Is @tid one of this worker's live threads (or the worker itself)? */
int fz_own_thread(int64_t tid);
/*
 * The call a thread is to make for @nr(@args), decided now, by the worker:
 * fz_call()'s filter, then what a thread must not do (change its signal
 * mask or TLS, clone, set_tid_address, sigreturn), and pids narrowed to
 * ones that cannot be reused before the call (the worker, 0, nobody).
 */
long fz_filter_thread_call(long nr, uint64_t *args);
/*
 * The fence around the shared log, [fz_fence_lo(), fz_fence_hi()): the
 * system call to make instead of @nr with @args - SYS_getpid if it would
 * map, unmap, protect or advise memory within the fence, else @nr - with
 * every argument that points into the log itself made to point at the
 * worker's PROT_NONE page. fz_fence_meets(): does a mapping there meet it?
 * No state but fzw.none_page: the supervisor tests them at startup.
 */
long fz_fence_filter(long nr, uint64_t *args);
int fz_fence_meets(uint64_t addr, uint64_t len);
uint64_t fz_fence_lo(void);
uint64_t fz_fence_hi(void);
/* Log, filter and make one system call; its raw result. */
long fz_call(long nr, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
	     uint64_t f);
/* Log a pseudo-call (FZ_OP_*) begun / ended. */
struct fz_rec *fz_log_begin(int nr, const uint64_t *args);
void fz_log_end(struct fz_rec *r, long ret);
/* Touch @len bytes at @addr (write if @write); faults are caught. */
void fz_touch(uint64_t addr, uint64_t len, int write);

/* ---- calls.c -------------------------------------------------------- */

/* Make one randomly chosen operation (one or a few calls). */
void fz_one_op(void);
/* In a fork child: a short burst of mm calls on the inherited pools. */
void fz_child_ops(int n);

/* ---- worker.c (entry) ----------------------------------------------- */

/* Run one worker; never returns. */
void fz_worker_main(const struct fz_config *cfg) __attribute__((noreturn));
/* "name(arg, ...) = ret" for a log record, into @buf. */
void fz_format_rec(char *buf, size_t size, const struct fz_rec *r);
/* The name of syscall @nr or FZ_OP_*, or NULL if unknown. */
const char *fz_call_name(int nr);
uint64_t fz_now_ms(void);
/* Remove @path and everything below it (best effort, as root). */
void fz_remove_tree(const char *path, int depth);

#endif
