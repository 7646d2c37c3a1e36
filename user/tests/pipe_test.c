/*
 * pipe_test.c - pipes: creation flags, data and EOF across fork,
 * SIGPIPE/EPIPE, a 1 MiB checksummed transfer, and readiness through
 * poll, ppoll, select and FIONREAD.
 *
 * Timing checks only assert lower bounds (a poll timeout must not return
 * early); upper bounds would make the test flaky on a slow emulator.
 */
#include "utest.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The byte stream of the big transfer: a simple xorshift generator. */
static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void pipe_basic(void)
{
	int p[2];
	char buf[8];

	EXPECT_OK(pipe(p));
	EXPECT(p[0] >= 0 && p[1] >= 0 && p[0] != p[1], "fds %d %d", p[0], p[1]);
	EXPECT(fcntl(p[0], F_GETFD) == 0, "pipe() set FD_CLOEXEC");
	EXPECT((fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY, "read end mode");
	EXPECT((fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY, "write end mode");
	EXPECT(write(p[1], "abc", 3) == 3, "write: %s", strerror(errno));
	EXPECT(read(p[0], buf, 8) == 3 && !memcmp(buf, "abc", 3), "read");
	EXPECT_ERRNO(write(p[0], "x", 1), EBADF);
	EXPECT_ERRNO(read(p[1], buf, 1), EBADF);
	close(p[0]);
	close(p[1]);
}

static void pipe2_flags(void)
{
	int p[2];
	char c;

	EXPECT_OK(pipe2(p, O_CLOEXEC));
	EXPECT(fcntl(p[0], F_GETFD) == FD_CLOEXEC &&
	       fcntl(p[1], F_GETFD) == FD_CLOEXEC, "O_CLOEXEC not applied");
	close(p[0]);
	close(p[1]);
	EXPECT_OK(pipe2(p, O_NONBLOCK));
	EXPECT(fcntl(p[0], F_GETFL) & O_NONBLOCK, "O_NONBLOCK not in F_GETFL");
	EXPECT_ERRNO(read(p[0], &c, 1), EAGAIN);
	close(p[0]);
	close(p[1]);
	EXPECT_ERRNO(pipe2(p, 0x7fff0000), EINVAL);
}

static void data_through_fork_and_eof(void)
{
	int p[2], st;
	char buf[32];
	ssize_t n, total = 0;
	pid_t pid;

	EXPECT_OK(pipe(p));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		close(p[0]);
		if (write(p[1], "from child", 10) != 10)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], buf + total, sizeof(buf) - total)) > 0)
		total += n;
	EXPECT(n == 0, "read ended with %s", strerror(errno));
	EXPECT(total == 10 && !memcmp(buf, "from child", 10), "got %zd bytes",
	       total);
	EXPECT(read(p[0], buf, 1) == 0, "EOF is not sticky");
	close(p[0]);
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0, "child status %#x", st);
}

/* A reader blocked in read() wakes with EOF when the last writer closes. */
static void blocked_reader_sees_eof(void)
{
	int p[2], st;
	pid_t pid;

	EXPECT_OK(pipe(p));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		char c;

		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 ? 0 : 1);
	}
	close(p[0]);
	usleep(20000);
	close(p[1]);
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "blocked reader did not see EOF (status %#x)", st);
}

static void epipe_and_sigpipe(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int p[2], go[2], st;
	pid_t pid;

	EXPECT_OK(pipe(p));
	close(p[0]);
	EXPECT_OK(sigaction(SIGPIPE, &ign, &old));
	errno = 0;
	EXPECT(write(p[1], "x", 1) == -1 && errno == EPIPE,
	       "write with no reader: %s", strerror(errno));
	sigaction(SIGPIPE, &old, NULL);
	close(p[1]);

	/*
	 * The child may write only once the parent has closed the last read
	 * end, else its write could simply succeed: a second pipe orders it.
	 */
	EXPECT_OK(pipe(p));
	EXPECT_OK(pipe(go));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		char c;

		signal(SIGPIPE, SIG_DFL);
		close(p[0]);
		close(go[1]);
		if (read(go[0], &c, 1) != 0)	/* EOF: the parent closed both */
			_exit(4);
		if (write(p[1], "x", 1) < 0)
			_exit(2);
		_exit(3);
	}
	close(p[0]);
	close(p[1]);
	close(go[0]);
	close(go[1]);			/* now the child may write */
	EXPECT(wait4(pid, &st, 0, NULL) == pid, "wait4: %s", strerror(errno));
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE,
	       "child status %#x, want killed by SIGPIPE", st);
}

/* 1 MiB in odd-sized chunks from a child; the parent checks every byte. */
static void big_transfer(void)
{
	enum { TOTAL = 1 << 20 };
	static unsigned char buf[65536];
	uint32_t seed = 12345, want, sum = 0, wsum = 0;
	size_t got = 0;
	int p[2], st, i;
	ssize_t n;
	pid_t pid;

	for (i = 0; i < TOTAL; i++)
		wsum = wsum * 31 + (unsigned char)next_rand(&seed);
	want = wsum;
	EXPECT_OK(pipe(p));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		size_t off = 0, chunk = 1;

		close(p[0]);
		seed = 12345;
		while (off < TOTAL) {
			size_t k, len = chunk;

			if (len > TOTAL - off)
				len = TOTAL - off;
			for (k = 0; k < len; k++)
				buf[k] = next_rand(&seed);
			for (k = 0; k < len; ) {
				n = write(p[1], buf + k, len - k);
				if (n <= 0)
					_exit(1);
				k += n;
			}
			off += len;
			chunk = chunk * 7 % 65521 + 1;
		}
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			sum = sum * 31 + buf[i];
		got += n;
	}
	close(p[0]);
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0, "writer status %#x", st);
	EXPECT(got == TOTAL, "received %zu bytes, want %d", got, TOTAL);
	EXPECT(sum == want, "checksum %#x, want %#x", sum, want);
}

static void poll_readiness(void)
{
	struct pollfd pf[2];
	int p[2];
	long t0;
	char c;

	EXPECT_OK(pipe(p));
	pf[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	EXPECT(poll(pf, 2, 0) == 1, "empty pipe: poll != 1");
	EXPECT(pf[0].revents == 0, "read end revents %#x on empty pipe",
	       pf[0].revents);
	EXPECT(pf[1].revents == POLLOUT, "write end revents %#x", pf[1].revents);
	t0 = now_ms();
	EXPECT(poll(pf, 1, 30) == 0, "poll on empty pipe did not time out");
	EXPECT(now_ms() - t0 >= 29, "poll returned after %ld ms, want >= 30",
	       now_ms() - t0);
	EXPECT(write(p[1], "z", 1) == 1, "write");
	EXPECT(poll(pf, 1, 1000) == 1 && (pf[0].revents & POLLIN),
	       "POLLIN missing after write (revents %#x)", pf[0].revents);
	EXPECT(read(p[0], &c, 1) == 1, "read");
	close(p[1]);
	EXPECT(poll(pf, 1, 1000) == 1 && (pf[0].revents & POLLHUP),
	       "POLLHUP missing after writer closed (revents %#x)",
	       pf[0].revents);
	close(p[0]);
	pf[0].fd = p[0];
	EXPECT(poll(pf, 1, 0) == 1 && pf[0].revents == POLLNVAL,
	       "closed fd revents %#x, want POLLNVAL", pf[0].revents);
}

/* A child writes after a delay; poll with no timeout wakes for it. */
static void poll_wakes_on_write(void)
{
	struct pollfd pf;
	int p[2], st;
	pid_t pid;

	EXPECT_OK(pipe(p));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		usleep(30000);
		_exit(write(p[1], "w", 1) == 1 ? 0 : 1);
	}
	pf = (struct pollfd){ .fd = p[0], .events = POLLIN };
	EXPECT(poll(&pf, 1, -1) == 1 && (pf.revents & POLLIN),
	       "poll did not wake (revents %#x)", pf.revents);
	waitpid(pid, &st, 0);
	close(p[0]);
	close(p[1]);
}

static void ppoll_and_select(void)
{
	struct timespec ts = { 0, 20 * 1000000L };
	struct timeval tv = { 0, 20000 };
	struct pollfd pf;
	fd_set rd, wr;
	int p[2];
	long t0;

	EXPECT_OK(pipe(p));
	pf = (struct pollfd){ .fd = p[0], .events = POLLIN };
	t0 = now_ms();
	EXPECT(ppoll(&pf, 1, &ts, NULL) == 0, "ppoll on empty pipe: %s",
	       strerror(errno));
	EXPECT(now_ms() - t0 >= 19, "ppoll returned early");
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(p[0], &rd);
	FD_SET(p[1], &wr);
	EXPECT(select(p[1] + 1, &rd, &wr, NULL, &tv) == 1, "select != 1");
	EXPECT(!FD_ISSET(p[0], &rd) && FD_ISSET(p[1], &wr),
	       "select: wrong fds ready");
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	tv = (struct timeval){ 0, 20000 };
	t0 = now_ms();
	EXPECT(select(p[0] + 1, &rd, NULL, NULL, &tv) == 0, "select timeout");
	EXPECT(now_ms() - t0 >= 19, "select returned early");
	EXPECT(write(p[1], "ab", 2) == 2, "write");
	FD_SET(p[0], &rd);
	tv = (struct timeval){ 1, 0 };
	EXPECT(select(p[0] + 1, &rd, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &rd),
	       "select did not report readable");
	EXPECT(ppoll(&pf, 1, NULL, NULL) == 1 && (pf.revents & POLLIN),
	       "ppoll did not report POLLIN");
	close(p[0]);
	close(p[1]);
}

static void fionread(void)
{
	char buf[200] = { 0 };
	int p[2], n = -1;

	EXPECT_OK(pipe(p));
	EXPECT_OK(ioctl(p[0], FIONREAD, &n));
	EXPECT(n == 0, "FIONREAD on empty pipe = %d", n);
	EXPECT(write(p[1], buf, 123) == 123, "write");
	EXPECT_OK(ioctl(p[0], FIONREAD, &n));
	EXPECT(n == 123, "FIONREAD = %d, want 123", n);
	EXPECT(read(p[0], buf, 23) == 23, "read");
	EXPECT_OK(ioctl(p[0], FIONREAD, &n));
	EXPECT(n == 100, "FIONREAD = %d, want 100", n);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	ut_begin("pipe_test");
	RUN(pipe_basic);
	RUN(pipe2_flags);
	RUN(data_through_fork_and_eof);
	RUN(blocked_reader_sees_eof);
	RUN(epipe_and_sigpipe);
	RUN(big_transfer);
	RUN(poll_readiness);
	RUN(poll_wakes_on_write);
	RUN(ppoll_and_select);
	RUN(fionread);
	return ut_end();
}
