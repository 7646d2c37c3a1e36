/*
 * proc_test.c - process life cycle: fork, wait4, exit status, execve,
 * vfork, ids, orphans and zombies.
 *
 * Each case forks its own children and reaps every one of them, so a
 * failing case leaves no zombie behind for the next.  The execve case
 * runs this same binary again with argv[1] == "--exec-child"; that mode
 * checks the argv/envp it was given and reports through the exit status.
 * Threads (clone with CLONE_THREAD) are deliberately not tested here.
 */
#include "utest.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static const char *self_path;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void fork_exit_status(void)
{
	int st;
	pid_t pid = fork();

	EXPECT_OK(pid);
	if (pid == 0)
		_exit(42);
	EXPECT(wait4(pid, &st, 0, NULL) == pid, "wait4: %s", strerror(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 42,
	       "status %#x, want exit 42", st);
}

static void fork_killed_status(void)
{
	int st;
	pid_t pid = fork();

	EXPECT_OK(pid);
	if (pid == 0) {
		for (;;)
			pause();
	}
	EXPECT_OK(kill(pid, SIGKILL));
	EXPECT(wait4(pid, &st, 0, NULL) == pid, "wait4: %s", strerror(errno));
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	       "status %#x, want killed by SIGKILL", st);
}

/* 200 children, each exiting with its own index; every one is seen once. */
static void fork_200_children(void)
{
	enum { N = 200 };
	pid_t pids[N];
	char seen[N] = { 0 };
	int i, st, got = 0;

	if (ut_fork_children(pids, N) < 0)
		return;
	for (;;) {
		pid_t pid = wait4(-1, &st, 0, NULL);

		if (pid < 0)
			break;
		for (i = 0; i < N && pids[i] != pid; i++)
			;
		EXPECT(i < N, "wait4 returned unknown pid %d", pid);
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == i,
		       "child %d: status %#x, want exit %d", i, st, i);
		EXPECT(!seen[i], "child %d reaped twice", i);
		seen[i] = 1;
		got++;
	}
	EXPECT(errno == ECHILD, "wait4 ended with %s", strerror(errno));
	EXPECT(got == N, "reaped %d of %d children", got, N);
}

static void vfork_exit(void)
{
	volatile int touched = 0;
	int st;
	pid_t pid = vfork();

	EXPECT_OK(pid);
	if (pid == 0) {
		touched = 1;	/* shared memory until _exit */
		_exit(7);
	}
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 7, "status %#x", st);
	EXPECT(touched == 1, "vfork child did not share memory");
}

/*
 * A vfork child that exits with SIGCHLD ignored is reaped at once: the
 * kernel must not touch it after it released the parent (it once waited
 * on the freed child's queue and, with the debug allocator's poison,
 * spun there forever).
 */
static void vfork_autoreaped(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	pid_t pid;

	EXPECT_OK(sigaction(SIGCHLD, &ign, &old));
	for (int i = 0; i < 20; i++) {
		pid = vfork();
		if (pid == 0)
			_exit(0);
		if (pid < 0)
			break;
	}
	/* With SIGCHLD ignored, wait sleeps until every child is gone: ECHILD. */
	errno = 0;
	EXPECT(pid > 0 && waitpid(-1, NULL, 0) == -1 && errno == ECHILD,
	       "vfork or wait: %s", strerror(errno));
	sigaction(SIGCHLD, &old, NULL);
}

/* The --exec-child mode: verify argv and envp, answer with exit code. */
static int exec_child(int argc, char **argv)
{
	const char *e = getenv("UTEST_EXEC");

	if (argc != 4 || strcmp(argv[2], "two words") || strcmp(argv[3], ""))
		return 10;
	if (!e || strcmp(e, "hello=world"))
		return 11;
	if (environ[0] == NULL || environ[1] != NULL)
		return 12;
	return 33;
}

static void execve_argv_envp(void)
{
	char *argv[] = { (char *)self_path, "--exec-child", "two words", "",
			 NULL };
	char *envp[] = { "UTEST_EXEC=hello=world", NULL };
	int st;
	pid_t pid = fork();

	EXPECT_OK(pid);
	if (pid == 0) {
		execve(self_path, argv, envp);
		_exit(127);
	}
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	EXPECT(WIFEXITED(st), "child status %#x", st);
	EXPECT(WEXITSTATUS(st) != 127, "execve %s failed in child", self_path);
	EXPECT(WEXITSTATUS(st) == 33, "exec child rejected argv/envp (code %d)",
	       WEXITSTATUS(st));
}

static void execve_enoent(void)
{
	char *argv[] = { "nope", NULL };

	EXPECT_ERRNO(execve("/nonexistent/utest-no-such-prog", argv, environ),
		     ENOENT);
}

static void ids(void)
{
	int fds[2], st;
	pid_t me = getpid(), child;
	long info[3];

	EXPECT(me > 0, "getpid returned %d", me);
	EXPECT(syscall(SYS_gettid) == me, "main thread tid != pid");
	EXPECT(getppid() > 0 || me == 1, "getppid returned %d", getppid());
	EXPECT_OK(pipe(fds));
	child = fork();
	EXPECT_OK(child);
	if (child == 0) {
		long v[3] = { getpid(), getppid(), syscall(SYS_gettid) };

		if (write(fds[1], v, sizeof(v)) != sizeof(v))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	EXPECT(read(fds[0], info, sizeof(info)) == sizeof(info), "short read");
	close(fds[0]);
	waitpid(child, &st, 0);
	EXPECT(info[0] == child, "child getpid %ld, fork said %d", info[0], child);
	EXPECT(info[1] == me, "child getppid %ld, want %d", info[1], me);
	EXPECT(info[2] == child, "child gettid %ld, want %d", info[2], child);
}

/*
 * A child forks a grandchild and exits at once.  The grandchild must be
 * re-parented away from the dead child: to init on Pagoda, possibly to a
 * subreaper on a Linux host, so only "changed" is asserted.
 */
static void orphan_reparent(void)
{
	int fds[2], st;
	long msg[2] = { 0, 0 };
	pid_t child;

	EXPECT_OK(pipe(fds));
	child = fork();
	EXPECT_OK(child);
	if (child == 0) {
		pid_t dad = getpid();
		pid_t gc = fork();

		if (gc == 0) {
			long m[2] = { dad, 0 };
			int i;

			for (i = 0; i < 500 && getppid() == dad; i++)
				sleep_ms(10);
			m[1] = getppid();
			if (write(fds[1], m, sizeof(m)) < 0)
				_exit(1);
			_exit(0);
		}
		_exit(gc < 0 ? 1 : 0);
	}
	close(fds[1]);
	EXPECT(waitpid(child, &st, 0) == child, "waitpid: %s", strerror(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
	EXPECT(read(fds[0], msg, sizeof(msg)) == sizeof(msg),
	       "no report from grandchild");
	close(fds[0]);
	EXPECT(msg[0] == child, "grandchild saw parent %ld, want %d", msg[0],
	       child);
	EXPECT(msg[1] != child && msg[1] > 0,
	       "grandchild still has ppid %ld after its parent died", msg[1]);
}

/*
 * WNOHANG sees a live child as 0.  A dead but unreaped child is a zombie:
 * kill(pid, 0) still finds it, and only after waitpid() is it gone.  The
 * child's death is observed through EOF on a pipe it held open.
 */
static void zombie_reaping(void)
{
	int go[2], gone[2], st;
	char c;
	pid_t pid, r;

	EXPECT_OK(pipe(go));
	EXPECT_OK(pipe(gone));
	pid = ut_fork_piped(gone, go);
	EXPECT_OK(pid);
	if (pid == 0)
		_exit(read(go[0], &c, 1) == 0 ? 5 : 6);
	r = waitpid(pid, &st, WNOHANG);
	EXPECT(r == 0, "WNOHANG on running child returned %d (%s)", r,
	       strerror(errno));
	close(go[1]);	/* child sees EOF and exits */
	EXPECT(read(gone[0], &c, 1) == 0, "expected EOF from dying child");
	close(gone[0]);
	sleep_ms(20);
	EXPECT(kill(pid, 0) == 0, "zombie vanished before reaping: %s",
	       strerror(errno));
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 5, "status %#x", st);
	EXPECT_ERRNO(kill(pid, 0), ESRCH);
}

static void wait_no_children(void)
{
	int st;

	EXPECT_ERRNO(wait4(-1, &st, 0, NULL), ECHILD);
	EXPECT_ERRNO(wait4(-1, &st, WNOHANG, NULL), ECHILD);
}

static void wait_rusage(void)
{
	struct rusage ru;
	int st;
	pid_t pid = fork();

	EXPECT_OK(pid);
	if (pid == 0)
		_exit(0);
	memset(&ru, 0xff, sizeof(ru));
	EXPECT(wait4(pid, &st, 0, &ru) == pid, "wait4: %s", strerror(errno));
	EXPECT(ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000,
	       "rusage not filled in");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--exec-child"))
		return exec_child(argc, argv);
	self_path = argc > 0 && strchr(argv[0], '/') ? argv[0]
						    : "/proc/self/exe";
	ut_begin("proc_test");
	RUN(fork_exit_status);
	RUN(fork_killed_status);
	RUN(fork_200_children);
	RUN(vfork_exit);
	RUN(vfork_autoreaped);
	RUN(execve_argv_envp);
	RUN(execve_enoent);
	RUN(ids);
	RUN(orphan_reparent);
	RUN(zombie_reaping);
	RUN(wait_no_children);
	RUN(wait_rusage);
	return ut_end();
}
