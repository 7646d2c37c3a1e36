/*
 * thread_util.h - what the multi-threaded tests share (thread_test.c,
 * vm_smp_test.c): a case runner that gives every case a process of its
 * own, and helpers for pthread error numbers and CPU affinity.
 *
 * Why a process per case: a thread that crashes, hangs or calls exit()
 * takes its whole process with it, so CASE(fn) forks, runs @fn in the
 * child under a watchdog (alarm, CASE_TIMEOUT_S) and judges the child
 * by how it ended:
 *
 *	exit 0			the case passed
 *	exit CASE_FAILED	it printed its own FAIL line (EXPECT in the child)
 *	exit CASE_SKIPPED	it printed its own SKIP line
 *	anything else		the runner prints FAIL with the signal or status
 *
 * Set case_only to run one case alone (the programs take its name as an
 * argument; several names, comma-separated, run those), handy under
 * strace or gdb. The child is made the leader of a new process group, so that the runner
 * can SIGKILL whatever the case forked and left behind (a hung grandchild
 * must not outlive its case). The child ends with _exit(), which is
 * exit_group: threads the case left blocked die with it.
 *
 * pthread functions return an error number instead of setting errno:
 * EXPECT_PT checks them. CPUs are numbered as sched_setaffinity(2) numbers
 * them; cpus_allowed() says which ones this thread may use.
 */
#ifndef THREAD_UTIL_H
#define THREAD_UTIL_H

#include "utest.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#define CASE_TIMEOUT_S	60	/* generous: the guest may be one slow TCG CPU */
#define CASE_FAILED	100	/* the child's exit code after its FAIL line */
#define CASE_SKIPPED	101	/* ... after its SKIP line */

/* Fail the case unless the pthread call @expr returned 0. */
#define EXPECT_PT(expr) do {						\
	int ut_e_ = (expr);						\
	EXPECT(ut_e_ == 0, "%s: %s", #expr, strerror(ut_e_));		\
} while (0)

/* Run @fn in a child process of its own and count its verdict. */
#define CASE(fn) run_case(#fn, fn)

static const char *case_only;	/* if set, run only the cases so named ("a,b") */

/* Is @name one of the comma-separated names in @list? */
static int case_listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p))
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == 0))
			return 1;
	return 0;
}

static void __attribute__((unused)) run_case(const char *name, void (*fn)(void))
{
	int st = 0;
	pid_t pid;

	if (case_only && !case_listed(case_only, name))
		return;
	ut_case = name;
	ut_case_failed = 0;
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		alarm(CASE_TIMEOUT_S);
		fn();
		_exit(ut_case_failed > 0 ? CASE_FAILED :
		      ut_case_failed < 0 ? CASE_SKIPPED : 0);
	}
	if (pid < 0) {
		ut_fail("fork: %s", strerror(errno));
	} else {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		kill(-pid, SIGKILL);	/* anything the case left behind */
		if (WIFEXITED(st) && WEXITSTATUS(st) == CASE_SKIPPED)
			ut_case_failed = -1;
		else if (WIFEXITED(st) && WEXITSTATUS(st) == CASE_FAILED)
			ut_case_failed = 1;
		else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
			ut_fail("timed out: its alarm went off (%d s, unless "
				"the case set its own)", CASE_TIMEOUT_S);
		else if (WIFSIGNALED(st))
			ut_fail("the case's process was killed by signal %d (%s)",
				WTERMSIG(st), strsignal(WTERMSIG(st)));
		else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			ut_fail("the case's process exited %d", WEXITSTATUS(st));
	}
	if (ut_case_failed == 0) {
		ut_say("UTEST PASS %s/%s\n", ut_prog, ut_case);
		ut_npass++;
	} else if (ut_case_failed > 0) {
		ut_nfail++;
	} else {
		ut_nskip++;
	}
}

/* The CPUs the calling thread may run on, into @set; how many, or -1. */
static int __attribute__((unused)) cpus_allowed(cpu_set_t *set)
{
	CPU_ZERO(set);
	if (sched_getaffinity(0, sizeof(*set), set) < 0)
		return -1;
	return CPU_COUNT(set);
}

/* The @n-th (from 0) CPU in @set, or -1 if it has fewer. */
static int __attribute__((unused)) nth_cpu(const cpu_set_t *set, int n)
{
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set) && n-- == 0)
			return cpu;
	return -1;
}

/* Pin the calling thread to @cpu alone; 0 or an error number. */
static int __attribute__((unused)) pin_self(int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
}

/* The path of this program, to execve it again: /proc/self/exe, else @argv0. */
static __attribute__((unused)) const char *this_program(const char *argv0)
{
	static char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return argv0;		/* runall passes an absolute path */
	exe[n] = 0;
	return exe;
}

#endif /* THREAD_UTIL_H */
