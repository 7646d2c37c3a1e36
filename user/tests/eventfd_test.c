/*
 * eventfd_test.c - eventfd(2)/eventfd2(2): the counter's read and write
 * rules (reset, EFD_SEMAPHORE, the UINT64_MAX ceiling), every errno, the
 * flags, non-blocking EAGAIN, blocking reads and writes woken from
 * another process, a signal interrupting a blocked read, and readiness
 * through poll and epoll.
 *
 * Linux's rules (eventfd(2)); the same binary passes on the host.
 */
#include "utest.h"

#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/time.h>

static volatile sig_atomic_t got_sig;

static void on_sig(int sig)
{
	(void)sig;
	got_sig++;
}

static ssize_t put(int fd, uint64_t v)
{
	return write(fd, &v, sizeof(v));
}

/* Read 8 bytes; the value, or UINT64_MAX after a failed read (errno set). */
static uint64_t get(int fd)
{
	uint64_t v;

	return read(fd, &v, sizeof(v)) == sizeof(v) ? v : UINT64_MAX;
}

static void create_flags(void)
{
	int fd;

	EXPECT_ERRNO(eventfd(0, 2), EINVAL);
	EXPECT_ERRNO(eventfd(0, O_APPEND), EINVAL);
	EXPECT_OK(fd = eventfd(0, 0));
	EXPECT(fcntl(fd, F_GETFD) == 0 && !(fcntl(fd, F_GETFL) & O_NONBLOCK), "flags set");
	EXPECT((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "not O_RDWR");
	close(fd);
	EXPECT_OK(fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE));
	EXPECT(fcntl(fd, F_GETFD) == FD_CLOEXEC, "EFD_CLOEXEC not set");
	EXPECT(fcntl(fd, F_GETFL) & O_NONBLOCK, "EFD_NONBLOCK not set");
	close(fd);
	/* The old call has no flags: a plain blocking counter. */
	EXPECT_OK(fd = (int)syscall(SYS_eventfd, 7));
	EXPECT(get(fd) == 7, "eventfd(7): initial value");
	close(fd);
}

static void counter_rules(void)
{
	int fd;
	char small[4];

	EXPECT_OK(fd = eventfd(5, EFD_NONBLOCK));
	EXPECT(put(fd, 3) == 8, "write");
	EXPECT(get(fd) == 8, "read returns the sum");
	EXPECT(get(fd) == UINT64_MAX && errno == EAGAIN, "empty: EAGAIN");
	/* Short buffers, the forbidden value. */
	EXPECT_ERRNO(read(fd, small, sizeof(small)), EINVAL);
	EXPECT_ERRNO(write(fd, small, sizeof(small)), EINVAL);
	EXPECT_ERRNO(put(fd, UINT64_MAX), EINVAL);
	EXPECT_ERRNO(write(fd, (void *)8, 8), EFAULT);
	/* The ceiling is UINT64_MAX - 1. */
	EXPECT(put(fd, UINT64_MAX - 1) == 8, "write max - 1");
	EXPECT_ERRNO(put(fd, 1), EAGAIN);
	EXPECT(put(fd, 0) == 8, "adding 0 always fits");
	EXPECT(get(fd) == UINT64_MAX - 1, "read max - 1");
	/* A larger buffer reads 8 bytes. */
	{
		uint64_t big[2] = { 0, 0 };

		EXPECT(put(fd, 9) == 8, "write");
		EXPECT(read(fd, big, sizeof(big)) == 8 && big[0] == 9, "16-byte read");
	}
	close(fd);
}

static void semaphore(void)
{
	int fd;

	EXPECT_OK(fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK));
	for (int i = 0; i < 3; i++)
		EXPECT(get(fd) == 1, "read %d: not 1", i);
	EXPECT(get(fd) == UINT64_MAX && errno == EAGAIN, "exhausted: EAGAIN");
	close(fd);
}

static void readiness(void)
{
	struct pollfd pfd;
	struct epoll_event e = { .events = EPOLLIN | EPOLLOUT };
	int fd, ep;

	EXPECT_OK(fd = eventfd(0, EFD_NONBLOCK));
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	EXPECT(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLOUT, "empty: %#x", pfd.revents);
	EXPECT(put(fd, 1) == 8, "write");
	EXPECT(poll(&pfd, 1, 0) == 1 && pfd.revents == (POLLIN | POLLOUT), "one: %#x",
	       pfd.revents);
	EXPECT(put(fd, UINT64_MAX - 2) == 8, "write");
	EXPECT(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLIN, "full: %#x", pfd.revents);
	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e));
	EXPECT(epoll_wait(ep, &e, 1, 0) == 1 && e.events == EPOLLIN, "epoll full: %#x",
	       e.events);
	EXPECT(get(fd) == UINT64_MAX - 1, "read");
	EXPECT(epoll_wait(ep, &e, 1, 0) == 1 && e.events == EPOLLOUT, "epoll empty: %#x",
	       e.events);
	close(ep);
	close(fd);
}

/* A blocked read wakes for a write from another process, a blocked write for a read. */
static void blocking(void)
{
	int fd, st;
	pid_t pid;

	EXPECT_OK(fd = eventfd(0, 0));
	pid = fork();
	if (pid == 0) {
		usleep(50000);
		if (put(fd, 42) != 8)
			_exit(2);
		usleep(50000);
		_exit(get(fd) == UINT64_MAX - 1 ? 0 : 3);	/* frees the writer below */
	}
	EXPECT_OK(pid);
	EXPECT(get(fd) == 42, "blocked read");
	EXPECT(put(fd, UINT64_MAX - 1) == 8, "fill");
	EXPECT(put(fd, 5) == 8, "blocked write");
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "child: %#x", st);
	EXPECT(get(fd) == 5, "the blocked write's value");
	close(fd);
}

/* A handler interrupts a blocked read: EINTR without SA_RESTART, a restart with it. */
static void signal_interrupts(void)
{
	struct sigaction sa = { .sa_handler = on_sig };
	struct itimerval it = { .it_value = { 0, 50000 } };
	int fd, st;
	pid_t pid;

	EXPECT_OK(fd = eventfd(0, 0));
	sigemptyset(&sa.sa_mask);
	EXPECT_OK(sigaction(SIGALRM, &sa, NULL));
	got_sig = 0;
	EXPECT_OK(setitimer(ITIMER_REAL, &it, NULL));
	EXPECT(get(fd) == UINT64_MAX && errno == EINTR, "read: %s", strerror(errno));
	EXPECT(got_sig == 1, "handler ran %d times", (int)got_sig);
	sa.sa_flags = SA_RESTART;
	EXPECT_OK(sigaction(SIGALRM, &sa, NULL));
	pid = fork();
	if (pid == 0) {
		usleep(200000);
		_exit(put(fd, 6) == 8 ? 0 : 2);
	}
	EXPECT_OK(pid);
	EXPECT_OK(setitimer(ITIMER_REAL, &it, NULL));
	EXPECT(get(fd) == 6, "restarted read: %s", strerror(errno));
	EXPECT(got_sig == 2, "handler ran %d times", (int)got_sig);
	EXPECT(waitpid(pid, &st, 0) == pid && st == 0, "child");
	close(fd);
}

int main(void)
{
	ut_begin("eventfd_test");
	RUN(create_flags);
	RUN(counter_rules);
	RUN(semaphore);
	RUN(readiness);
	RUN(blocking);
	RUN(signal_interrupts);
	return ut_end();
}
