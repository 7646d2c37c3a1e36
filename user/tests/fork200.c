/*
 * fork200.c - fork 200 children, each exiting with its own status
 * (0..199), and check that wait4 hands back every one exactly once.
 *
 * Written to be booted directly as init (init=/tests/fork200): as PID 1
 * it opens the console if nothing is open, prints its UTEST lines and
 * powers the machine off.  Run normally (for example by runall) it is an
 * ordinary test that exits 0 iff all children were accounted for.
 */
#include "utest.h"

#include <fcntl.h>
#include <sys/wait.h>

enum { NCHILD = 200 };

static void all_children_reaped(void)
{
	pid_t pids[NCHILD], pid;
	char seen[NCHILD] = { 0 };
	int i, st, got = 0, others = 0;

	if (ut_fork_children(pids, NCHILD) < 0)
		return;
	while (got < NCHILD && (pid = wait4(-1, &st, 0, NULL)) > 0) {
		for (i = 0; i < NCHILD && pids[i] != pid; i++)
			;
		if (i == NCHILD) {
			others++;	/* an orphan, if we are PID 1 */
			continue;
		}
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == i,
		       "child %d: status %#x, want exit %d", i, st, i);
		EXPECT(!seen[i], "child %d reaped twice", i);
		seen[i] = 1;
		got++;
	}
	EXPECT(got == NCHILD, "reaped %d of %d children (%s)", got, NCHILD,
	       strerror(errno));
	EXPECT(wait4(-1, &st, WNOHANG, NULL) <= 0 || others,
	       "an extra child appeared");
}

int main(void)
{
	int pid1 = getpid() == 1, fd, rc;

	if (pid1 && fcntl(1, F_GETFD) < 0) {
		fd = open("/dev/console", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
	}
	ut_begin("fork200");
	RUN(all_children_reaped);
	rc = ut_end();
	/* As pid 1, exiting makes the kernel report the status and power off. */
	return rc;
}
