/*
 * vmsplice_test.c - vmsplice(2): user pages spliced into a pipe (pinned
 * read-only, not copied) and read back in stream order with write(2)'s
 * bytes, the pipe to user-memory direction, the errors, and the
 * copy-on-write cases Linux's cow selftest checks: a page spliced by one
 * side of a fork never shows the other side's later writes.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define PAGE	4096

static char *map_pages(int n, char fill)
{
	char *m = mmap(NULL, (size_t)n * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	memset(m, fill, (size_t)n * PAGE);
	return m;
}

/* Read exactly @n bytes (the pipe gives them in pieces). */
static ssize_t read_full(int fd, char *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = read(fd, buf + done, n - done);

		if (r <= 0)
			return r < 0 ? r : (ssize_t)done;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* Spliced pages and written bytes come out in the order they went in. */
static void stream_order(void)
{
	char *m = map_pages(2, 'p'), buf[2 * PAGE + 16];
	struct iovec iov = { .iov_base = m + PAGE - 5, .iov_len = 10 };	/* spans two pages */
	int p[2], n = -1;

	EXPECT(m != NULL, "mmap");
	memcpy(m + PAGE - 5, "0123456789", 10);
	EXPECT_OK(pipe(p));
	EXPECT(write(p[1], "abc", 3) == 3, "write");
	EXPECT(vmsplice(p[1], &iov, 1, 0) == 10, "vmsplice: %s", strerror(errno));
	EXPECT(write(p[1], "xyz", 3) == 3, "write");
	EXPECT(vmsplice(p[1], &iov, 1, 0) == 10, "vmsplice: %s", strerror(errno));
	EXPECT_OK(ioctl(p[0], FIONREAD, &n));
	EXPECT(n == 26, "FIONREAD = %d, want 26", n);
	EXPECT(read(p[0], buf, 2) == 2 && !memcmp(buf, "ab", 2), "first bytes");
	EXPECT(read_full(p[0], buf, 24) == 24, "read the rest");
	EXPECT(!memcmp(buf, "c0123456789xyz0123456789", 24), "stream: %.24s", buf);
	close(p[0]);
	close(p[1]);
	munmap(m, 2 * PAGE);
}

/* A vector of several segments, and a read-end vmsplice copying out. */
static void vector_and_read_end(void)
{
	char *m = map_pages(4, 0), out1[3], out2[PAGE];
	struct iovec in[3] = {
		{ m, 3 }, { m + PAGE, 0 }, { m + 2 * PAGE, PAGE },
	};
	struct iovec dst[2] = { { out1, sizeof(out1) }, { out2, sizeof(out2) } };
	int p[2];

	EXPECT(m != NULL, "mmap");
	memcpy(m, "one", 3);
	memset(m + 2 * PAGE, 'T', PAGE);
	EXPECT_OK(pipe(p));
	EXPECT(vmsplice(p[1], in, 3, 0) == 3 + PAGE, "vmsplice: %s", strerror(errno));
	EXPECT(vmsplice(p[0], dst, 2, 0) == 3 + PAGE, "read-end vmsplice: %s", strerror(errno));
	EXPECT(!memcmp(out1, "one", 3) && out2[0] == 'T' && out2[PAGE - 1] == 'T', "data");
	/* Nothing left: SPLICE_F_NONBLOCK says so rather than waiting. */
	EXPECT_ERRNO(vmsplice(p[0], dst, 2, SPLICE_F_NONBLOCK), EAGAIN);
	close(p[0]);
	close(p[1]);
	munmap(m, 4 * PAGE);
}

static void errors(void)
{
	char *m = map_pages(1, 'e');
	struct iovec iov = { .iov_base = m, .iov_len = 16 };
	struct iovec bad = { .iov_base = (void *)0x10, .iov_len = 16 };
	int p[2], fd = open("/dev/null", O_WRONLY);

	EXPECT(m != NULL && fd >= 0, "setup");
	EXPECT_OK(pipe(p));
	EXPECT_ERRNO(vmsplice(p[1], &iov, 1, 0x10), EINVAL);		/* unknown flag */
	EXPECT_ERRNO(vmsplice(p[1], &iov, 1025, 0), EINVAL);		/* > UIO_MAXIOV */
	EXPECT_ERRNO(vmsplice(fd, &iov, 1, 0), EBADF);			/* not a pipe */
	EXPECT_ERRNO(vmsplice(-1, &iov, 1, 0), EBADF);
	EXPECT_ERRNO(vmsplice(p[1], (struct iovec *)0x10, 1, 0), EFAULT);
	EXPECT_ERRNO(vmsplice(p[1], &bad, 1, 0), EFAULT);		/* unmapped data */
	EXPECT(vmsplice(p[1], &iov, 0, 0) == 0, "no segments");
	close(p[0]);
	close(p[1]);
	close(fd);
	munmap(m, PAGE);
}

/* A full pipe: EAGAIN with SPLICE_F_NONBLOCK; with no reader, EPIPE and SIGPIPE. */
static void full_and_broken(void)
{
	char *m = map_pages(1, 'f');
	struct iovec iov = { .iov_base = m, .iov_len = PAGE };
	int p[2], i;
	ssize_t r = 0;

	EXPECT(m != NULL, "mmap");
	EXPECT_OK(pipe(p));
	for (i = 0; i < 1000; i++) {
		r = vmsplice(p[1], &iov, 1, SPLICE_F_NONBLOCK);
		if (r < 0)
			break;
	}
	EXPECT(r < 0 && errno == EAGAIN, "a full pipe: r=%zd errno=%s after %d", r,
	       strerror(errno), i);
	EXPECT(i >= 1, "not even one page fitted");
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	EXPECT_ERRNO(vmsplice(p[1], &iov, 1, SPLICE_F_NONBLOCK), EPIPE);
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
	munmap(m, PAGE);
}

/*
 * The child splices a page it shares with the parent copy-on-write, then
 * unmaps it; the parent writes; the child reads the pipe: the old data
 * (Linux's cow test "vmsplice() + unmap in child").
 */
static void child_splice_parent_writes(void)
{
	char *m = map_pages(1, 'o');
	int go[2], ready[2];
	pid_t pid;
	int st;
	char c;

	EXPECT(m != NULL, "mmap");
	EXPECT_OK(pipe(go));
	EXPECT_OK(pipe(ready));
	pid = fork();
	if (pid == 0) {
		struct iovec iov = { .iov_base = m, .iov_len = PAGE };
		char buf[PAGE];
		int p[2];

		if (pipe(p) || vmsplice(p[1], &iov, 1, 0) != PAGE || munmap(m, PAGE))
			_exit(2);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		if (read_full(p[0], buf, PAGE) != PAGE)
			_exit(4);
		for (int i = 0; i < PAGE; i++)
			if (buf[i] != 'o')
				_exit(1);	/* the parent's write leaked in */
		_exit(0);
	}
	EXPECT(pid > 0, "fork");
	EXPECT(read(ready[0], &c, 1) == 1, "child ready");
	memset(m, 'n', PAGE);
	EXPECT(write(go[1], "g", 1) == 1, "go");
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid");
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x (1: leak)", st);
	munmap(m, PAGE);
}

/*
 * The parent splices (before or after fork), unmaps; the child writes;
 * the parent reads the pipe: its own old data (cow test "vmsplice()
 * before fork(), unmap in parent after fork()" and "... after fork()").
 */
static void parent_splice_child_writes(bool before_fork)
{
	char *m = map_pages(1, 'o'), buf[PAGE];
	struct iovec iov = { .iov_base = m, .iov_len = PAGE };
	int p[2], go[2], st;
	pid_t pid;
	char c;

	EXPECT(m != NULL, "mmap");
	EXPECT_OK(pipe(p));
	EXPECT_OK(pipe(go));
	if (before_fork)
		EXPECT(vmsplice(p[1], &iov, 1, 0) == PAGE, "vmsplice: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		memset(m, 'n', PAGE);
		_exit(m[0] == 'n' ? 0 : 1);
	}
	EXPECT(pid > 0, "fork");
	if (!before_fork)
		EXPECT(vmsplice(p[1], &iov, 1, 0) == PAGE, "vmsplice: %s", strerror(errno));
	EXPECT_OK(munmap(m, PAGE));
	EXPECT(write(go[1], "g", 1) == 1, "go");
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
	       "child status %#x", st);
	EXPECT(read_full(p[0], buf, PAGE) == PAGE, "read");
	for (int i = 0; i < PAGE; i++)
		if (buf[i] != 'o') {
			EXPECT(0, "byte %d is %#x: the child's write leaked in", i, buf[i]);
			break;
		}
	close(p[0]);
	close(p[1]);
}

static void parent_splices_before_fork(void)
{
	parent_splice_child_writes(true);
}

static void parent_splices_after_fork(void)
{
	parent_splice_child_writes(false);
}

/* Spliced data outlives the process and the mapping it came from. */
static void data_outlives_the_splicer(void)
{
	char buf[PAGE];
	int p[2], st;
	pid_t pid;

	EXPECT_OK(pipe(p));
	pid = fork();
	if (pid == 0) {
		char *m = map_pages(1, 'k');
		struct iovec iov = { .iov_base = m, .iov_len = PAGE };

		_exit(m && vmsplice(p[1], &iov, 1, 0) == PAGE ? 0 : 1);
	}
	EXPECT(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
	       "child");
	close(p[1]);
	EXPECT(read_full(p[0], buf, PAGE) == PAGE && buf[0] == 'k' && buf[PAGE - 1] == 'k',
	       "data after the splicer exited");
	EXPECT(read(p[0], buf, 1) == 0, "then EOF");
	close(p[0]);
}

int main(void)
{
	ut_begin("vmsplice_test");
	RUN(stream_order);
	RUN(vector_and_read_end);
	RUN(errors);
	RUN(full_and_broken);
	RUN(child_splice_parent_writes);
	RUN(parent_splices_before_fork);
	RUN(parent_splices_after_fork);
	RUN(data_outlives_the_splicer);
	return ut_end();
}
