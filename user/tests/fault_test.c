/*
 * fault_test.c - bad user pointers must give EFAULT, never a crash.
 *
 * Each system call that takes a pointer is called through raw syscall()
 * (so libc cannot check or copy first) with three kinds of bad address:
 *
 *	low	(void *)1: the never-mapped first page
 *	kernel	0xffff888000000000: a kernel (direct map) address
 *	unmap	a page that was mmap()ed and then munmap()ed
 *
 * and must return -1/EFAULT, leaving the process alive to run the next
 * case.  A buffer that starts mapped and runs into an unmapped page may
 * be copied in part: Linux returns a short count, so EFAULT or a short
 * count are both accepted there.
 */
#include "utest.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

enum { NBAD = 3 };
static void *bad[NBAD];
static const char *bad_name[NBAD] = { "low", "kernel", "unmap" };

static void setup_bad_pointers(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	bad[0] = (void *)1;
	bad[1] = (void *)0xffff888000000000ul;
	bad[2] = p;
	if (p != MAP_FAILED)
		munmap(p, 4096);
}

/* Check one raw call's result: -1 with EFAULT, named after the pointer. */
#define EXPECT_EFAULT(i, call) do {					\
	long r_;							\
	errno = 0;							\
	r_ = (call);							\
	EXPECT(r_ == -1 && errno == EFAULT,				\
	       "%s pointer: got %ld (%s), want EFAULT", bad_name[i],	\
	       r_, strerror(errno));					\
} while (0)

static void read_bad_buffer(void)
{
	int p[2], i;

	EXPECT_OK(pipe(p));
	for (i = 0; i < NBAD; i++) {
		EXPECT(write(p[1], "data", 4) == 4, "write");
		EXPECT_EFAULT(i, syscall(SYS_read, p[0], bad[i], 4));
		{
			char drain[8];
			int fl = fcntl(p[0], F_GETFL);

			fcntl(p[0], F_SETFL, fl | O_NONBLOCK);
			while (read(p[0], drain, sizeof(drain)) > 0)
				;
			fcntl(p[0], F_SETFL, fl);
		}
	}
	close(p[0]);
	close(p[1]);
}

static void write_bad_buffer(void)
{
	int p[2], i;

	EXPECT_OK(pipe(p));
	for (i = 0; i < NBAD; i++)
		EXPECT_EFAULT(i, syscall(SYS_write, p[1], bad[i], 4));
	close(p[0]);
	close(p[1]);
}

static void pipe_bad_array(void)
{
	int i;

	for (i = 0; i < NBAD; i++) {
		EXPECT_EFAULT(i, syscall(SYS_pipe, bad[i]));
		EXPECT_EFAULT(i, syscall(SYS_pipe2, bad[i], 0));
	}
}

static void stat_bad_pointers(void)
{
	struct stat st;
	int i;

	for (i = 0; i < NBAD; i++) {
		EXPECT_EFAULT(i, syscall(SYS_stat, "/", bad[i]));
		EXPECT_EFAULT(i, syscall(SYS_stat, bad[i], &st));
		EXPECT_EFAULT(i, syscall(SYS_fstat, 1, bad[i]));
		EXPECT_EFAULT(i, syscall(SYS_newfstatat, AT_FDCWD, bad[i], &st, 0));
	}
}

static void open_bad_path(void)
{
	int i;

	for (i = 0; i < NBAD; i++) {
		EXPECT_EFAULT(i, syscall(SYS_open, bad[i], O_RDONLY));
		EXPECT_EFAULT(i, syscall(SYS_openat, AT_FDCWD, bad[i], O_RDONLY));
		EXPECT_EFAULT(i, syscall(SYS_mkdir, bad[i], 0755));
		EXPECT_EFAULT(i, syscall(SYS_chdir, bad[i]));
	}
}

static void getcwd_uname_clock(void)
{
	int i;

	for (i = 0; i < NBAD; i++) {
		EXPECT_EFAULT(i, syscall(SYS_getcwd, bad[i], 4096));
		EXPECT_EFAULT(i, syscall(SYS_uname, bad[i]));
		EXPECT_EFAULT(i, syscall(SYS_clock_gettime, CLOCK_MONOTONIC,
					 bad[i]));
		EXPECT_EFAULT(i, syscall(SYS_gettimeofday, bad[i], NULL));
		EXPECT_EFAULT(i, syscall(SYS_nanosleep, bad[i], NULL));
	}
}

static void sigaction_bad_pointers(void)
{
	int i;

	for (i = 0; i < NBAD; i++) {
		EXPECT_EFAULT(i, syscall(SYS_rt_sigaction, SIGUSR1, bad[i], NULL, 8));
		EXPECT_EFAULT(i, syscall(SYS_rt_sigaction, SIGUSR1, NULL, bad[i], 8));
		EXPECT_EFAULT(i, syscall(SYS_rt_sigprocmask, SIG_BLOCK, bad[i],
					 NULL, 8));
	}
}

/*
 * wait4 with a bad status pointer: Linux reaps the child and then fails
 * the copy, so afterwards the child may or may not still be waitable.
 */
static void wait4_bad_status(void)
{
	int i, st;

	for (i = 0; i < NBAD; i++) {
		pid_t pid = fork();

		EXPECT_OK(pid);
		if (pid == 0)
			_exit(0);
		EXPECT_EFAULT(i, syscall(SYS_wait4, pid, bad[i], 0, NULL));
		waitpid(pid, &st, 0);
	}
}

/*
 * execve with a bad path, or a real program and a bad argv/envp.  Linux
 * opens the file before it copies argv, so the program must exist.  The
 * calls run in a child in case a broken kernel starts the program anyway.
 */
static const char *self_path;

static int execve_errno_in_child(const char *path, void *argv, void *envp)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		errno = 0;
		syscall(SYS_execve, path, argv, envp);
		_exit(errno & 0xff);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void execve_bad_pointers(void)
{
	char *argv[] = { "x", NULL };
	int i, e;

	for (i = 0; i < NBAD; i++) {
		e = execve_errno_in_child(bad[i], argv, environ);
		EXPECT(e == EFAULT, "%s path: errno %d (%s)", bad_name[i], e,
		       strerror(e));
		e = execve_errno_in_child(self_path, bad[i], environ);
		EXPECT(e == EFAULT, "%s argv: errno %d (%s)", bad_name[i], e,
		       strerror(e));
		e = execve_errno_in_child(self_path, argv, bad[i]);
		EXPECT(e == EFAULT, "%s envp: errno %d (%s)", bad_name[i], e,
		       strerror(e));
	}
}

/* A buffer whose tail lies in an unmapped page: EFAULT or a short count. */
static void straddling_write(void)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char drain[64];
	int fd[2];
	long r;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(munmap(p + 4096, 4096));
	memset(p, 'a', 4096);
	EXPECT_OK(pipe(fd));
	errno = 0;
	r = syscall(SYS_write, fd[1], p + 4096 - 16, 32);
	EXPECT((r == -1 && errno == EFAULT) || (r >= 0 && r <= 16),
	       "write across the hole returned %ld (%s)", r, strerror(errno));
	if (r > 0)
		EXPECT(read(fd[0], drain, sizeof(drain)) == r, "drain");
	errno = 0;
	r = syscall(SYS_read, 0x7fffffff, p + 4096 - 16, 32);	/* EBADF first */
	EXPECT(r == -1 && errno == EBADF, "bad fd checked after the buffer?");
	EXPECT(write(fd[1], "0123456789abcdefXYZ", 19) == 19, "write");
	errno = 0;
	r = syscall(SYS_read, fd[0], p + 4096 - 16, 32);
	EXPECT((r == -1 && errno == EFAULT) || (r >= 0 && r <= 16),
	       "read across the hole returned %ld (%s)", r, strerror(errno));
	munmap(p, 4096);
	close(fd[0]);
	close(fd[1]);
}

int main(int argc, char **argv)
{
	self_path = argc > 0 && strchr(argv[0], '/') ? argv[0]
						    : "/proc/self/exe";
	ut_begin("fault_test");
	setup_bad_pointers();
	RUN(read_bad_buffer);
	RUN(write_bad_buffer);
	RUN(pipe_bad_array);
	RUN(stat_bad_pointers);
	RUN(open_bad_path);
	RUN(getcwd_uname_clock);
	RUN(sigaction_bad_pointers);
	RUN(wait4_bad_status);
	RUN(execve_bad_pointers);
	RUN(straddling_write);
	return ut_end();
}
