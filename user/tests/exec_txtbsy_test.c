/*
 * exec_txtbsy_test.c - a running program's file is protected as on Linux:
 * it cannot be opened for writing or truncated while a process runs it
 * (ETXTBSY), and can again once that process has exited; a file that is
 * open for writing cannot be executed (ETXTBSY).
 *
 * The program copies its own file to a scratch directory and runs the
 * copy ("--sleep": tell the parent, then wait to be killed).
 */
#include "utest.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const char *self;	/* argv[0] */
static char prog[64];		/* the copy */

/* Copy this program to @dst (mode 0755). 0 or -1. */
static int copy_self(const char *dst)
{
	char buf[8192];
	int in = open(self, O_RDONLY), out;
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	close(in);
	close(out);
	return n == 0 ? 0 : -1;
}

/* Run the copy with --sleep; returns its pid once it has started. */
static pid_t start_copy(void)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		char fd[16];

		close(p[0]);
		snprintf(fd, sizeof(fd), "%d", p[1]);
		execl(prog, prog, "--sleep", fd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

static void running_program_not_writable(void)
{
	pid_t pid = start_copy();
	int fd, st;

	EXPECT(pid > 0, "the copy did not start");
	if (pid <= 0)
		return;
	EXPECT_ERRNO(open(prog, O_RDWR), ETXTBSY);
	EXPECT_ERRNO(open(prog, O_WRONLY), ETXTBSY);
	EXPECT_ERRNO(open(prog, O_WRONLY | O_TRUNC), ETXTBSY);
	EXPECT_ERRNO(truncate(prog, 0), ETXTBSY);
	fd = open(prog, O_RDONLY);			/* reading is fine */
	EXPECT(fd >= 0, "open O_RDONLY: %s", strerror(errno));
	close(fd);
	kill(pid, SIGKILL);
	EXPECT(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st), "the copy: status %#x", st);
	/* Nobody runs it any more: writable again. */
	fd = open(prog, O_RDWR);
	EXPECT(fd >= 0, "open O_RDWR after the exit: %s", strerror(errno));
	close(fd);
	EXPECT(copy_self(prog) == 0, "rewrite the copy: %s", strerror(errno));
}

/*
 * The running program forks and exits: its child, which shares the image
 * (fork copies the mm's program file), still keeps the file busy.
 */
static void forked_child_keeps_it_busy(void)
{
	int p[2], st;
	pid_t pid, grandchild = -1;

	EXPECT_OK(pipe(p));
	pid = fork();
	if (pid == 0) {
		char fd[16];

		close(p[0]);
		snprintf(fd, sizeof(fd), "%d", p[1]);
		execl(prog, prog, "--fork-sleep", fd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	EXPECT(read(p[0], &grandchild, sizeof(grandchild)) == sizeof(grandchild),
	       "no pid from the copy");
	close(p[0]);
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
	       "the copy: status %#x", st);
	if (grandchild <= 0)
		return;
	EXPECT_ERRNO(truncate(prog, 0), ETXTBSY);	/* its forked child still runs it */
	kill(grandchild, SIGKILL);
	for (int i = 0; i < 1000 && kill(grandchild, 0) == 0; i++)
		usleep(10000);				/* reaped by init, not by us */
	EXPECT_OK(truncate(prog, 0));
	EXPECT(copy_self(prog) == 0, "rewrite the copy: %s", strerror(errno));
}

static void exec_of_file_open_for_writing(void)
{
	int fd = open(prog, O_WRONLY), st;
	pid_t pid;

	EXPECT(fd >= 0, "open O_WRONLY: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		execl(prog, prog, "--sleep", "-1", (char *)NULL);
		_exit(errno == ETXTBSY ? 0 : 1);
	}
	EXPECT(pid > 0 && waitpid(pid, &st, 0) == pid, "fork/wait");
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "execve did not fail with ETXTBSY (%#x)",
	       st);
	close(fd);
	/* Closed: it runs. */
	pid = start_copy();
	EXPECT(pid > 0, "the copy did not start after the close");
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--fork-sleep")) {
		int fd = atoi(argv[2]);
		pid_t pid = fork();

		if (pid == 0) {
			for (;;)
				pause();
		}
		return write(fd, &pid, sizeof(pid)) == sizeof(pid) ? 0 : 2;
	}
	if (argc == 3 && !strcmp(argv[1], "--sleep")) {
		int fd = atoi(argv[2]);

		if (fd >= 0 && write(fd, "r", 1) != 1)
			return 2;
		for (;;)
			pause();
	}
	self = argv[0];
	ut_begin("exec_txtbsy_test");
	snprintf(prog, sizeof(prog), "/tmp/txtbsy.%d", (int)getpid());
	if (copy_self(prog)) {
		printf("UTEST FAIL exec_txtbsy_test/setup: cannot copy %s to %s: %s\n", self, prog,
		       strerror(errno));
		return 1;
	}
	RUN(running_program_not_writable);
	RUN(forked_child_keeps_it_busy);
	RUN(exec_of_file_open_for_writing);
	unlink(prog);
	return ut_end();
}
