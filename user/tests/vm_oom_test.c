/*
 * vm_oom_test.c - the OOM killer, killable long system calls, pidfds and
 * process_mrelease.
 *
 * A child asks for more memory than the machine has, populated at once
 * (MAP_POPULATE, mlock, mlockall(MCL_CURRENT), mlockall(MCL_FUTURE) then
 * mmap or brk, of a 1 TiB MAP_NORESERVE mapping): it must be killed by
 * SIGKILL within seconds while this process (and pid 1) go on. Which
 * process the killer picks follows oom_score_adj. A process in the middle
 * of a 1 GiB populate or a 1 GiB read from /dev/zero must die within a
 * second or so of kill -9.
 *
 * On the host, the children run in a memory cgroup of 128 MiB (v1 or v2,
 * created here and removed afterwards), so that Linux's OOM killer acts
 * inside it rather than on the machine; without a usable memory cgroup the
 * OOM cases skip there. On Pagoda the whole (QEMU) machine is the sandbox.
 */
#include "vm_util.h"

#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>

#define TIB		(1ull << 40)
#define GIB		(1ull << 30)
#define SANDBOX_BYTES	(128ull << 20)
#define OOM_DEADLINE_S	120.0	/* far above the few seconds it takes (TCG is slow) */
#define KILL_LATENCY_S	5.0	/* kill -9 to reaped; measured ~0.1 s, see docs/memory.md */

#ifndef __NR_pidfd_open
#define __NR_pidfd_open		434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal	424
#endif
#ifndef __NR_process_mrelease
#define __NR_process_mrelease	448
#endif

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the host's sandbox: a memory cgroup the children join ---- */

static char cg_dir[512];		/* "" on Pagoda */
static char cg_procs[600];		/* the file a child writes its pid to */

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Our cgroup path for @controller ("memory", or "" for v2's 0:: line). */
static int own_cgroup(const char *controller, char *out, size_t n)
{
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int found = -1;

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;

		if (!b)
			continue;
		*b = 0;
		b[strcspn(b + 1, "\n") + 1] = 0;
		if ((!*controller && a[1] == 0) || (*controller && strstr(a + 1, controller))) {
			snprintf(out, n, "%s", b + 1);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

static int sandbox_v1(void)
{
	char own[256], path[700], lim[32];

	if (own_cgroup("memory", own, sizeof(own)))
		return -1;
	snprintf(cg_dir, sizeof(cg_dir), "/sys/fs/cgroup/memory%s/pagoda-oom-%d",
		 strcmp(own, "/") ? own : "", getpid());
	if (mkdir(cg_dir, 0755))
		return -1;
	snprintf(lim, sizeof(lim), "%llu", SANDBOX_BYTES);
	snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", cg_dir);
	if (write_str(path, lim))
		return -1;
	snprintf(path, sizeof(path), "%s/memory.memsw.limit_in_bytes", cg_dir);
	write_str(path, lim);			/* no swap either, where swap is accounted */
	snprintf(cg_procs, sizeof(cg_procs), "%s/tasks", cg_dir);
	return 0;
}

static int sandbox_v2(void)
{
	char own[256], path[700], lim[32];

	if (own_cgroup("", own, sizeof(own)))
		return -1;
	snprintf(cg_dir, sizeof(cg_dir), "/sys/fs/cgroup%s/pagoda-oom-%d",
		 strcmp(own, "/") ? own : "", getpid());
	if (mkdir(cg_dir, 0755))
		return -1;
	snprintf(lim, sizeof(lim), "%llu", SANDBOX_BYTES);
	snprintf(path, sizeof(path), "%s/memory.max", cg_dir);
	if (write_str(path, lim))
		return -1;
	snprintf(path, sizeof(path), "%s/memory.swap.max", cg_dir);
	write_str(path, "0");
	snprintf(cg_procs, sizeof(cg_procs), "%s/cgroup.procs", cg_dir);
	return 0;
}

static void sandbox_remove(void)
{
	if (cg_dir[0])
		rmdir(cg_dir);
	cg_dir[0] = 0;
}

/* 0: go on (Pagoda, or a cgroup is ready); -1: skip, with @why. */
static int sandbox_setup(char *why, size_t n)
{
	if (ut_on_pagoda())
		return 0;
	if (sandbox_v1() == 0 || (sandbox_remove(), sandbox_v2() == 0))
		return 0;
	sandbox_remove();
	snprintf(why, n, "no writable memory cgroup (v1 or v2) to confine Linux's OOM "
		 "killer to; not exhausting the host's memory");
	return -1;
}

/* In a child: join the sandbox (nothing to do on Pagoda). */
static void sandbox_join(void)
{
	char pid[16];

	if (!cg_dir[0])
		return;
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_str(cg_procs, pid))
		_exit(97);
}

#define SANDBOX() do {							\
	char why_[200];							\
	if (sandbox_setup(why_, sizeof(why_)))				\
		SKIP("%s", why_);					\
} while (0)

/*
 * Wait for @pid until @deadline seconds have passed; the wait status, or
 * -1 (then the child has been killed and reaped).
 */
static int wait_deadline(pid_t pid, double deadline)
{
	double end = now_s() + deadline;
	int status;

	while (now_s() < end) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0)
			return -1;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static int oom_adj_set(int adj)
{
	char s[16];

	snprintf(s, sizeof(s), "%d", adj);
	return write_str("/proc/self/oom_score_adj", s);
}

/* ---- more than the machine has, populated at once ---- */

enum hog { HOG_POPULATE, HOG_MLOCK, HOG_MLOCKALL_CURRENT, HOG_MLOCKALL_FUTURE_MMAP,
	   HOG_MLOCKALL_FUTURE_BRK };

/* The child: ask for it; it must never get past the request. */
static void __attribute__((noreturn)) hog(enum hog how)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
	void *p = MAP_FAILED;

	sandbox_join();
	setrlimit(RLIMIT_MEMLOCK, &inf);	/* root anyway; as on Linux */
	switch (how) {
	case HOG_POPULATE:
		p = mmap(NULL, TIB, PROT_READ | PROT_WRITE, flags | MAP_POPULATE, -1, 0);
		break;
	case HOG_MLOCK:
		p = mmap(NULL, TIB, PROT_READ | PROT_WRITE, flags, -1, 0);
		if (p != MAP_FAILED && mlock(p, TIB))
			_exit(3);
		break;
	case HOG_MLOCKALL_CURRENT:
		p = mmap(NULL, TIB, PROT_READ | PROT_WRITE, flags, -1, 0);
		if (p != MAP_FAILED && mlockall(MCL_CURRENT))
			_exit(3);
		break;
	case HOG_MLOCKALL_FUTURE_MMAP:
		if (mlockall(MCL_FUTURE))
			_exit(3);
		p = mmap(NULL, TIB, PROT_READ | PROT_WRITE, flags, -1, 0);
		break;
	case HOG_MLOCKALL_FUTURE_BRK: {
		/* brk is always charged: as much as overcommit's heuristic allows. */
		unsigned long ram = (unsigned long)vm_meminfo_kb("MemTotal") << 10;
		unsigned long swap = (unsigned long)vm_meminfo_kb("SwapTotal") << 10;
		unsigned long cur = (unsigned long)syscall(SYS_brk, 0);
		unsigned long want = (cur + ram + swap) & ~(unsigned long)(PAGE - 1);

		if (mlockall(MCL_FUTURE))
			_exit(3);
		if ((unsigned long)syscall(SYS_brk, want) != want)
			_exit(4);
		p = (void *)cur;
		break;
	}
	}
	_exit(p == MAP_FAILED ? 2 : 1);		/* survived: wrong */
}

static void expect_oom_killed(enum hog how)
{
	double t0;
	pid_t pid;
	int st;

	SANDBOX();
	t0 = now_s();
	pid = fork();
	if (pid == 0)
		hog(how);
	st = wait_deadline(pid, OOM_DEADLINE_S);
	sandbox_remove();
	EXPECT(st != -1, "the child still ran after %.0f s", OOM_DEADLINE_S);
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	       "child status %#x (exit %d), want killed by SIGKILL", st, WEXITSTATUS(st));
	ut_say("# %s: OOM-killed after %.2f s\n", ut_case, now_s() - t0);
}

static void oom_map_populate_1tib(void)
{
	expect_oom_killed(HOG_POPULATE);
}

static void oom_mlock_1tib(void)
{
	expect_oom_killed(HOG_MLOCK);
}

static void oom_mlockall_current_1tib(void)
{
	expect_oom_killed(HOG_MLOCKALL_CURRENT);
}

static void oom_mlockall_future_mmap_1tib(void)
{
	expect_oom_killed(HOG_MLOCKALL_FUTURE_MMAP);
}

static void oom_mlockall_future_brk(void)
{
	expect_oom_killed(HOG_MLOCKALL_FUTURE_BRK);
}

/*
 * The victim follows oom_score_adj: with a hog running, a small process at
 * +1000 dies first, one at -1000 never; the hog dies next. The order is
 * read from a pipe the children hold: each death closes one end.
 */
static void __attribute__((noreturn)) sleeper(int adj, int ready)
{
	char *p;

	sandbox_join();
	if (oom_adj_set(adj)) {
		if (write(ready, "f", 1) != 1)
			_exit(6);
		_exit(5);
	}
	/*
	 * 16 MiB: badness (pages + adj * total / 1000) then beats a hog that
	 * holds all of memory but the sleeper's share, for adj 1000.
	 */
	p = vm_anon(4096);
	memset(p, 1, 4096 * PAGE);
	if (write(ready, "r", 1) != 1)
		_exit(6);
	for (;;)
		pause();
}

/* May we set oom_score_adj -1000 (root without CAP_SYS_RESOURCE may not)? */
static int can_set_oom_never(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(oom_adj_set(-1000) ? 1 : 0);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void oom_score_adj_picks_victim(void)
{
	int ready[2], protect = can_set_oom_never();
	pid_t first, never = -1, h;
	int st_first, st_hog, st_never;
	char c1 = 0, c2 = 'r';

	if (!protect && !ut_on_pagoda())
		ut_say("# %s: no CAP_SYS_RESOURCE here: the -1000 part is left out\n", ut_case);
	SANDBOX();
	EXPECT_OK(pipe(ready));
	first = fork();
	if (first == 0)
		sleeper(1000, ready[1]);
	if (protect || ut_on_pagoda()) {
		never = fork();
		if (never == 0)
			sleeper(-1000, ready[1]);
	}
	close(ready[1]);		/* a sleeper that dies early gives EOF, not a hang */
	EXPECT(read(ready[0], &c1, 1) == 1 && (never < 0 || read(ready[0], &c2, 1) == 1) &&
	       c1 == 'r' && c2 == 'r', "sleepers not ready (%c%c)", c1, c2);
	h = fork();
	if (h == 0)
		hog(HOG_POPULATE);
	st_hog = wait_deadline(h, OOM_DEADLINE_S);
	/* The hog is gone: by now the +1000 one must be too, the -1000 one not. */
	st_first = wait_deadline(first, 1.0);
	if (never > 0) {
		EXPECT(waitpid(never, &st_never, WNOHANG) == 0,
		       "the oom_score_adj -1000 process died");
		kill(never, SIGKILL);
		waitpid(never, &st_never, 0);
	}
	close(ready[0]);
	sandbox_remove();
	EXPECT(st_hog != -1 && WIFSIGNALED(st_hog) && WTERMSIG(st_hog) == SIGKILL,
	       "hog status %#x", st_hog);
	EXPECT(st_first != -1 && WIFSIGNALED(st_first) && WTERMSIG(st_first) == SIGKILL,
	       "the oom_score_adj 1000 process: status %#x, want killed first", st_first);
}

static int share_sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

/*
 * Killing a process frees nothing while another process shares its
 * memory (clone(CLONE_VM) without CLONE_THREAD): the OOM killer kills
 * every process sharing the victim's mm, as Linux's __oom_kill_process.
 */
static void oom_kills_every_sharer(void)
{
	int p[2];
	pid_t mid, c = -1;
	int st;

	SANDBOX();
	EXPECT_OK(pipe(p));
	mid = fork();
	if (mid == 0) {
		char *stack = mmap(NULL, 64 * 1024, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pid_t s;

		sandbox_join();
		if (stack == MAP_FAILED)
			_exit(5);
		s = clone(share_sleeper, stack + 64 * 1024, CLONE_VM | SIGCHLD, NULL);
		if (s < 0 || write(p[1], &s, sizeof(s)) != sizeof(s))
			_exit(6);
		hog(HOG_POPULATE);
	}
	close(p[1]);
	EXPECT(read(p[0], &c, sizeof(c)) == sizeof(c), "no sharer started");
	close(p[0]);
	st = wait_deadline(mid, OOM_DEADLINE_S);
	EXPECT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	       "hog status %#x, want killed by SIGKILL", st);
	/* The sharer, re-parented to init and reaped there, must be gone too. */
	for (int i = 0; i < 500 && kill(c, 0) == 0; i++) {
		char path[64], stat[256] = "";

		snprintf(path, sizeof(path), "/proc/%d/stat", c);
		if (vm_read_file(path, stat, sizeof(stat)) > 0 && strstr(stat, ") Z "))
			break;			/* killed; init has not reaped it yet */
		usleep(20000);
	}
	{
		char path[64], stat[256] = "";
		int alive;

		snprintf(path, sizeof(path), "/proc/%d/stat", c);
		alive = kill(c, 0) == 0 && !(vm_read_file(path, stat, sizeof(stat)) > 0 &&
					     strstr(stat, ") Z "));
		if (alive)
			kill(c, SIGKILL);
		sandbox_remove();
		EXPECT(!alive, "process %d, sharing the victim's memory, still runs", c);
	}
}

/* /proc/PID/oom_score_adj: range, inheritance, and the unprivileged floor. */
static void oom_score_adj_file(void)
{
	char buf[64];
	long adj0 = -2000;
	pid_t pid;
	int st;

	EXPECT(vm_read_file("/proc/self/oom_score_adj", buf, sizeof(buf)) > 0,
	       "read oom_score_adj: %s", strerror(errno));
	adj0 = strtol(buf, NULL, 10);
	EXPECT(vm_read_file("/proc/self/oom_score", buf, sizeof(buf)) > 0 &&
	       strtol(buf, NULL, 10) >= 0 && strtol(buf, NULL, 10) <= 2000,
	       "oom_score %s", buf);
	pid = fork();
	if (pid == 0) {
		char s[64];

		if (oom_adj_set(300) || vm_read_file("/proc/self/oom_score_adj", s, sizeof(s)) <= 0 ||
		    strtol(s, NULL, 10) != 300)
			_exit(1);
		errno = 0;
		if (oom_adj_set(1001) == 0 || errno != EINVAL)
			_exit(2);
		if (write_str("/proc/self/oom_score_adj", "12abc") == 0 || errno != EINVAL)
			_exit(3);
		if (fork() == 0) {			/* inherited */
			vm_read_file("/proc/self/oom_score_adj", s, sizeof(s));
			_exit(strtol(s, NULL, 10) == 300 ? 0 : 1);
		}
		wait(&st);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			_exit(4);
		/* Without CAP_SYS_RESOURCE, never below the floor (0 here): EACCES. */
		if (setgid(65534) || setuid(65534))
			_exit(5);
		prctl(PR_SET_DUMPABLE, 1);		/* /proc/self is ours again */
		errno = 0;
		if (oom_adj_set(-1) == 0 || errno != EACCES)
			_exit(6);
		/* Lowering is allowed down to the floor (300: our privileged write). */
		if (oom_adj_set(500) || oom_adj_set(300))
			_exit(7);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child step %d failed", WEXITSTATUS(st));
	EXPECT(vm_read_file("/proc/self/oom_score_adj", buf, sizeof(buf)) > 0 &&
	       strtol(buf, NULL, 10) == adj0, "ours changed to %s", buf);
}

/* ---- kill -9 reaches a long system call ---- */

enum long_op { OP_POPULATE_READ_8GIB, OP_MADV_POPULATE_READ_8GIB, OP_DEVZERO_READ_1GIB };

/*
 * A read-populate maps the zero page: only page tables are used (16 MiB
 * for 8 GiB). 8 GiB, because 1 GiB now takes well under the 100 ms the
 * kill waits for (Pagoda's populate faults ~3 pages a microsecond).
 */
#define POPULATE_SPAN	(8 * GIB)

/*
 * Start @op in a child, kill it 100 ms in, and return how long the kill
 * took to end it (< 0: the operation was already over, or failed).
 */
static double kill_latency(enum long_op op, char *why, size_t wn)
{
	int go[2], done[2];
	double t_kill;
	pid_t pid;
	char c;
	int st;

	if (pipe(go) || pipe(done))
		return snprintf(why, wn, "pipe: %s", strerror(errno)), -1;
	pid = fork();
	if (pid == 0) {
		size_t len = op == OP_DEVZERO_READ_1GIB ? GIB : POPULATE_SPAN;
		char *p;

		sandbox_join();
		close(go[0]);
		close(done[0]);
		p = mmap(NULL, len, op == OP_DEVZERO_READ_1GIB ? PROT_READ | PROT_WRITE : PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			_exit(2);
		if (write(go[1], "g", 1) != 1)
			_exit(3);
		if (op == OP_POPULATE_READ_8GIB) {
			/* Read-populate: the zero page, so only page tables are used. */
			if (mmap(p, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
				 MAP_NORESERVE | MAP_POPULATE, -1, 0) == MAP_FAILED)
				_exit(4);
		} else if (op == OP_MADV_POPULATE_READ_8GIB) {
			/* The same through madvise, which reports what it did. */
			if (madvise(p, len, MADV_POPULATE_READ) < 0)
				_exit(4);
		} else {
			int fd = open("/dev/zero", O_RDONLY);

			if (fd < 0 || read(fd, p, GIB) < 0)
				_exit(4);
		}
		if (write(done[1], "d", 1) != 1)	/* finished before the kill */
			_exit(5);
		for (;;)
			pause();
	}
	close(go[1]);
	close(done[1]);
	if (read(go[0], &c, 1) != 1) {
		waitpid(pid, &st, 0);
		snprintf(why, wn, "child did not start (status %#x)", st);
		return -1;
	}
	usleep(100000);
	t_kill = now_s();
	kill(pid, SIGKILL);
	st = wait_deadline(pid, 60.0);
	t_kill = now_s() - t_kill;
	if (read(done[0], &c, 1) == 1) {
		snprintf(why, wn, "the operation ended within 100 ms, before the kill");
		t_kill = -2;
	}
	close(go[0]);
	close(done[0]);
	if (t_kill >= 0 && (st == -1 || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)) {
		snprintf(why, wn, "child status %#x", st);
		return -1;
	}
	return t_kill;
}

static void kill9_latency_case(enum long_op op)
{
	char why[200] = "";
	double t;

	SANDBOX();
	t = kill_latency(op, why, sizeof(why));
	sandbox_remove();
	if (t == -2)
		SKIP("%s (a machine too fast for this probe)", why);
	EXPECT(t >= 0, "%s", why);
	EXPECT(t < KILL_LATENCY_S, "kill -9 took %.2f s", t);
	ut_say("# %s: kill -9 took %.3f s\n", ut_case, t);
}

static void kill9_during_populate_8gib(void)
{
	kill9_latency_case(OP_POPULATE_READ_8GIB);
}

static void kill9_during_madv_populate_8gib(void)
{
	kill9_latency_case(OP_MADV_POPULATE_READ_8GIB);
}

static void kill9_during_devzero_read_1gib(void)
{
	kill9_latency_case(OP_DEVZERO_READ_1GIB);
}

/* ---- pidfd_open, pidfd_send_signal, process_mrelease ---- */

static void pidfd_open_and_poll(void)
{
	struct pollfd pfd;
	pid_t pid;
	int fd, st;

	EXPECT_ERRNO(syscall(__NR_pidfd_open, getpid(), 1), EINVAL);
	EXPECT_ERRNO(syscall(__NR_pidfd_open, 0, 0), EINVAL);
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	fd = (int)syscall(__NR_pidfd_open, pid, 0);
	EXPECT(fd >= 0, "pidfd_open: %s", strerror(errno));
	EXPECT((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "a pidfd is close-on-exec");
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	EXPECT(poll(&pfd, 1, 0) == 0, "readable before the exit");
	/* 0x100: no flag of any Linux (6.9 added 1, 2 and 4). */
	EXPECT_ERRNO(syscall(__NR_pidfd_send_signal, fd, SIGKILL, NULL, 0x100), EINVAL);
	EXPECT_OK(syscall(__NR_pidfd_send_signal, fd, SIGKILL, NULL, 0));
	EXPECT(poll(&pfd, 1, 10000) == 1 && (pfd.revents & POLLIN), "not readable after the exit");
	waitpid(pid, &st, 0);
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %#x", st);
	/* Reaped: the pidfd names nobody now. */
	EXPECT_ERRNO(syscall(__NR_pidfd_send_signal, fd, 0, NULL, 0), ESRCH);
	EXPECT_ERRNO(syscall(__NR_process_mrelease, fd, 0), ESRCH);
	close(fd);
	EXPECT_ERRNO(syscall(__NR_pidfd_send_signal, 0, SIGKILL, NULL, 0), EBADF);
}

/*
 * One try: a child holding @mb MiB, SIGKILLed, then process_mrelease.
 * Returns its result (0, or -1 with errno), or -2 with @why set when the
 * setup or the error cases failed.
 */
static int mrelease_once(unsigned long mb, char *why, size_t wn)
{
	int ready[2], fd, st, r, e;
	pid_t pid;
	char c;

	if (pipe(ready))
		return snprintf(why, wn, "pipe: %s", strerror(errno)), -2;
	pid = fork();
	if (pid == 0) {
		char *p = vm_anon(mb << 8);

		memset(p, 7, mb << 20);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	r = read(ready[0], &c, 1);
	close(ready[0]);
	fd = (int)syscall(__NR_pidfd_open, pid, 0);
	if (r != 1 || fd < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return snprintf(why, wn, "child not ready, or pidfd_open: %s", strerror(errno)), -2;
	}
	errno = 0;
	if (syscall(__NR_process_mrelease, fd, 1) != -1 || errno != EINVAL)
		snprintf(why, wn, "flags 1: %s, want EINVAL", strerror(errno));
	else if (syscall(__NR_process_mrelease, fd, 0) != -1 || errno != EINVAL)
		snprintf(why, wn, "a live process: %s, want EINVAL", strerror(errno));
	else
		why[0] = 0;
	kill(pid, SIGKILL);
	errno = 0;
	r = (int)syscall(__NR_process_mrelease, fd, 0);
	e = errno;
	waitpid(pid, &st, 0);
	close(fd);
	if (why[0])
		return -2;
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		return snprintf(why, wn, "child status %#x", st), -2;
	errno = e;
	return r;
}

/*
 * process_mrelease frees a killed process's memory before it has run
 * again. Linux promises 0, or ESRCH when the victim got to release its
 * memory by itself first - on another CPU, or here when the kill's return
 * to user space gave up the CPU at the end of a time slice - so, as
 * Linux's mrelease_test does, try again with a bigger child.
 */
static void process_mrelease_reaps(void)
{
	char why[160] = "";
	int r = -1, tries = 0;

	EXPECT_ERRNO(syscall(__NR_process_mrelease, -1, 0), EBADF);
	for (unsigned long mb = 8; mb <= 128 && r != 0; mb *= 2, tries++) {
		r = mrelease_once(mb, why, sizeof(why));
		EXPECT(r != -2, "%s", why);
		EXPECT(r == 0 || errno == ESRCH, "process_mrelease of a killed process: %s",
		       strerror(errno));
	}
	if (r != 0 && !ut_on_pagoda())
		SKIP("every victim exited before process_mrelease could reap it");
	EXPECT(r == 0, "%d tries, each victim gone before process_mrelease", tries);
}

/*
 * Pagoda's allocation-failure injection (Linux has it in debugfs, under
 * other names): with probability 100 and times 1, the next allocation of
 * a marked task fails - pipe() gives ENOMEM - and only that one; an
 * unmarked task is never touched; make-it-fail is inherited by fork.
 */
static void fail_alloc_knobs(void)
{
	char buf[256];
	pid_t pid;
	int st;

	if (access("/proc/pagoda/fail_alloc", R_OK))
		SKIP("no /proc/pagoda/fail_alloc: a Pagoda feature");
	if (vm_read_file("/proc/pagoda/fail_alloc", buf, sizeof(buf)) <= 0 ||
	    !strstr(buf, "probability 0\n"))
		SKIP("injection is already on in this boot (the failinj boot)");
	EXPECT(vm_read_file("/proc/self/make-it-fail", buf, sizeof(buf)) > 0 && buf[0] == '0',
	       "make-it-fail starts at %s", buf);
	EXPECT_ERRNO(write_str("/proc/pagoda/fail_alloc", "probability=101"), EINVAL);
	EXPECT_ERRNO(write_str("/proc/pagoda/fail_alloc", "bogus=1"), EINVAL);
	EXPECT_OK(write_str("/proc/pagoda/fail_alloc",
			    "probability=100 interval=1 times=1 task_filter=1"));
	pid = fork();
	if (pid == 0) {
		int p[2];

		if (write_str("/proc/self/make-it-fail", "1"))
			_exit(1);
		errno = 0;
		if (pipe(p) == 0 || errno != ENOMEM)
			_exit(2);
		if (pipe(p))				/* times=1: used up */
			_exit(3);
		if (fork() == 0) {
			char s[8] = "";

			vm_read_file("/proc/self/make-it-fail", s, sizeof(s));
			_exit(s[0] == '1' ? 0 : 1);
		}
		wait(&st);
		_exit(WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 4);
	}
	/* Not marked: this task's allocations go on while injection is armed. */
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	write_str("/proc/pagoda/fail_alloc", "probability=0 times=-1");
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child step %d failed", WEXITSTATUS(st));
	EXPECT(vm_read_file("/proc/pagoda/fail_alloc", buf, sizeof(buf)) > 0 &&
	       strstr(buf, "probability 0\n"), "settings now: %s", buf);
}

int main(void)
{
	ut_begin("vm_oom_test");
	RUN(oom_score_adj_file);
	RUN(pidfd_open_and_poll);
	RUN(process_mrelease_reaps);
	RUN(kill9_during_populate_8gib);
	RUN(kill9_during_madv_populate_8gib);
	RUN(kill9_during_devzero_read_1gib);
	RUN(oom_map_populate_1tib);
	RUN(oom_mlock_1tib);
	RUN(oom_mlockall_current_1tib);
	RUN(oom_mlockall_future_mmap_1tib);
	RUN(oom_mlockall_future_brk);
	RUN(oom_score_adj_picks_victim);
	RUN(oom_kills_every_sharer);
	RUN(fail_alloc_knobs);
	return ut_end();
}
