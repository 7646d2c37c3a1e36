/*
 * epoll_test.c - epoll(7): epoll_create/create1/ctl/wait/pwait/pwait2 with
 * pipes, AF_UNIX socketpairs and listeners, the TTY, a pidfd and the
 * character devices; level- and edge-triggered items, EPOLLONESHOT,
 * EPOLLEXCLUSIVE, EPOLLRDHUP, ERR/HUP always reported, user data returned
 * verbatim, every errno of the four calls, nested epolls (and poll/select
 * on an epoll fd), loops and depth (ELOOP), items living as long as the
 * file description (a dup keeps one; the last close removes it), signals
 * (EINTR, epoll_pwait's mask), timeouts, and threads: one waits while
 * another writes, ET wake-ups are not lost under a stream of writes, and
 * watched files are closed while wake-ups run.
 *
 * Each case runs in a process of its own (thread_util.h). The rules are
 * Linux's (epoll(7), epoll_ctl(2), epoll_wait(2)); the same binary passes
 * on the host. No timing is asserted: a case waits for what it needs
 * (a thread asleep in epoll_wait, a count reached), never for a deadline.
 */
#include "thread_util.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <stdint.h>
#include <stddef.h>

#define DATA_A		0x1122334455667788ull	/* user data, every byte distinct */
#define DATA_B		0x8877665544332211ull
#define EP_MAX_NESTS	4			/* Linux's limit of nested epolls */

/* epoll_pwait2's timeout (<linux/time_types.h>, which musl does not carry). */
struct __kernel_timespec {
	long long tv_sec;
	long long tv_nsec;
};

static volatile sig_atomic_t got_sig;

static void on_sig(int sig)
{
	(void)sig;
	got_sig++;
}

static int ep_add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int ep_mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

/* epoll_wait with timeout 0: how many events are ready now (-1 on error). */
static int ep_ready(int ep, struct epoll_event *evs, int max)
{
	return epoll_wait(ep, evs, max, 0);
}

static long sys_pwait2(int ep, struct epoll_event *evs, int max,
		       const struct __kernel_timespec *ts, const sigset_t *mask)
{
	return syscall(SYS_epoll_pwait2, ep, evs, max, ts, mask, mask ? 8 : 0);
}

/* Wait (politely) until thread @tid sleeps, or give up after ~20 s: 0 or -1. */
static int wait_sleeping(pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	for (int i = 0; i < 20000; i++) {
		if (ut_stat_state(path) == 'S')
			return 0;
		usleep(1000);
	}
	return -1;
}

/* ---- create ---------------------------------------------------------------- */

static void create_errors(void)
{
	int ep;

	/* The system call: musl's epoll_create() does not pass the size on. */
	EXPECT_ERRNO(syscall(SYS_epoll_create, 0), EINVAL);
	EXPECT_ERRNO(syscall(SYS_epoll_create, -1), EINVAL);
	EXPECT_ERRNO(epoll_create1(1), EINVAL);
	EXPECT_ERRNO(epoll_create1(EPOLL_CLOEXEC | O_NONBLOCK), EINVAL);
	EXPECT_OK(ep = epoll_create(1));
	EXPECT(fcntl(ep, F_GETFD) == 0, "epoll_create: close-on-exec set");
	close(ep);
	EXPECT_OK(ep = epoll_create1(0));
	EXPECT(fcntl(ep, F_GETFD) == 0, "epoll_create1(0): close-on-exec set");
	close(ep);
	EXPECT_OK(ep = epoll_create1(EPOLL_CLOEXEC));
	EXPECT(fcntl(ep, F_GETFD) == FD_CLOEXEC, "EPOLL_CLOEXEC: flag not set");
	close(ep);
	EXPECT(sizeof(struct epoll_event) == 12, "struct epoll_event is %zu bytes",
	       sizeof(struct epoll_event));
}

/* ---- ctl ------------------------------------------------------------------- */

static void ctl_errors(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep, ep2, p[2], reg, dir, closed;
	const char *path = ut_path("regular");

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(ep2 = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(reg = open(path, O_RDWR | O_CREAT, 0600));
	EXPECT_OK(dir = open(ut_tmpdir(), O_RDONLY | O_DIRECTORY));
	EXPECT_OK(closed = dup(p[0]));
	close(closed);

	EXPECT_ERRNO(epoll_ctl(closed, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	EXPECT_ERRNO(epoll_ctl(-1, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, closed, &ev), EBADF);
	EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, -5, NULL), EBADF);
	/* Files that cannot be polled: EPERM, ahead of EINVAL. */
	EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev), EPERM);
	EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, dir, &ev), EPERM);
	EXPECT_ERRNO(epoll_ctl(p[1], EPOLL_CTL_ADD, reg, &ev), EPERM);
	/* An epfd that is no epoll, or the epoll itself as the target. */
	EXPECT_ERRNO(epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev), EINVAL);
	EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	/* The event is read before anything else, for all ops but DEL. */
	EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], NULL), EFAULT);
	EXPECT_ERRNO(epoll_ctl(-1, EPOLL_CTL_ADD, p[0], NULL), EFAULT);
	EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], (void *)8), EFAULT);
	EXPECT_ERRNO(epoll_ctl(ep, 99, p[0], NULL), EFAULT);
	EXPECT_ERRNO(epoll_ctl(ep, 99, p[0], &ev), EINVAL);
	EXPECT_ERRNO(epoll_ctl(ep, 0, p[0], &ev), EINVAL);
	/* Not there yet. */
	EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT);
	EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	/* ADD, then again. */
	EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
	EXPECT_OK(epoll_ctl(ep2, EPOLL_CTL_ADD, p[0], &ev));	/* another epoll: fine */
	EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
	EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));	/* DEL ignores the event */
	EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], &ev), ENOENT);
	/* An unknown op with an item present is still EINVAL. */
	EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	EXPECT_ERRNO(epoll_ctl(ep, 4, p[0], &ev), EINVAL);
	close(ep);
	close(ep2);
	close(p[0]);
	close(p[1]);
	close(reg);
	close(dir);
	unlink(path);
}

static void exclusive_rules(void)
{
	int ep, ep2, p[2], s[2];

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(ep2 = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	/* Only IN/OUT/ERR/HUP/WAKEUP/ET may come with it. */
	EXPECT_ERRNO(ep_add(ep, s[0], EPOLLIN | EPOLLRDHUP | EPOLLEXCLUSIVE, 0), EINVAL);
	EXPECT_ERRNO(ep_add(ep, s[0], EPOLLIN | EPOLLONESHOT | EPOLLEXCLUSIVE, 0), EINVAL);
	EXPECT_ERRNO(ep_add(ep, s[0], EPOLLPRI | EPOLLEXCLUSIVE, 0), EINVAL);
	/* Not on an epoll. */
	EXPECT_ERRNO(ep_add(ep, ep2, EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	EXPECT_OK(ep_add(ep, s[0], EPOLLIN | EPOLLOUT | EPOLLET | EPOLLEXCLUSIVE, 0));
	EXPECT_OK(ep_add(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE, DATA_A));
	/* MOD can neither set it nor change an exclusive item. */
	EXPECT_ERRNO(ep_mod(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	EXPECT_ERRNO(ep_mod(ep, p[0], EPOLLIN, 0), EINVAL);
	EXPECT_OK(ep_add(ep2, p[0], EPOLLIN, 0));
	EXPECT_ERRNO(ep_mod(ep2, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	/* It reports like any item (the socket is writable too), and DEL works. */
	EXPECT(write(p[1], "x", 1) == 1, "write");
	{
		struct epoll_event e[2];
		int n = ep_ready(ep, e, 2);

		EXPECT(n == 2 && (e[0].data.u64 == DATA_A || e[1].data.u64 == DATA_A),
		       "exclusive items: %d events", n);
	}
	EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	close(ep);
	close(ep2);
	close(p[0]);
	close(p[1]);
	close(s[0]);
	close(s[1]);
}

/* EPOLLWAKEUP is accepted (dropped without CAP_BLOCK_SUSPEND) and never reported. */
static void epollwakeup_accepted(void)
{
	struct epoll_event e;
	int ep, p[2];

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(ep_add(ep, p[0], EPOLLIN | EPOLLWAKEUP, DATA_A));
	EXPECT(write(p[1], "x", 1) == 1, "write");
	EXPECT(ep_ready(ep, &e, 1) == 1, "no event");
	EXPECT(e.events == EPOLLIN && e.data.u64 == DATA_A, "events %#x data %#llx",
	       e.events, (unsigned long long)e.data.u64);
	EXPECT_OK(ep_mod(ep, p[0], EPOLLIN | EPOLLWAKEUP | EPOLLET, DATA_B));
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.events == EPOLLIN && e.data.u64 == DATA_B,
	       "after MOD: events %#x", e.events);
	close(ep);
	close(p[0]);
	close(p[1]);
}

/* ---- wait ------------------------------------------------------------------ */

static void wait_errors(void)
{
	struct epoll_event e[2];
	sigset_t set;
	int ep, p[2];
	void *page;

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_ERRNO(epoll_wait(ep, e, 0, 0), EINVAL);
	EXPECT_ERRNO(epoll_wait(ep, e, -1, 0), EINVAL);
	EXPECT_ERRNO(epoll_wait(ep, e, INT32_MAX, 0), EINVAL);
	/* At most INT_MAX / 12 events (a buffer that large is in user space here). */
	EXPECT_ERRNO(epoll_wait(ep, (void *)4096, INT32_MAX / 12 + 1, 0), EINVAL);
	EXPECT(epoll_wait(ep, (void *)4096, INT32_MAX / 12, 0) == 0, "EP_MAX_EVENTS: %s",
	       strerror(errno));
	EXPECT_ERRNO(epoll_wait(-1, e, 1, 0), EBADF);
	EXPECT_ERRNO(epoll_wait(p[0], e, 1, 0), EINVAL);	/* not an epoll */
	/* Current Linux's order: EBADF, maxevents, the buffer, not an epoll. */
	EXPECT_ERRNO(epoll_wait(-1, e, 0, 0), EBADF);
	EXPECT_ERRNO(epoll_wait(-1, (void *)0xffff800000000000ul, 1, 0), EBADF);
	EXPECT_ERRNO(epoll_wait(p[0], (void *)0xffff800000000000ul, 0, 0), EINVAL);
	EXPECT_ERRNO(epoll_wait(p[0], (void *)0xffff800000000000ul, 1, 0), EFAULT);
	EXPECT_ERRNO(epoll_wait(ep, (void *)0xffffffffff600000ul, 1, 0), EFAULT);
	/* pwait's mask size, pwait2's timespec. */
	sigemptyset(&set);
	EXPECT_ERRNO(syscall(SYS_epoll_pwait, ep, e, 1, 0, &set, 4), EINVAL);
	EXPECT_ERRNO(syscall(SYS_epoll_pwait, ep, e, 1, 0, (void *)8, 8), EFAULT);
	{
		struct __kernel_timespec bad = { .tv_sec = 0, .tv_nsec = 1000000000 };
		struct __kernel_timespec neg = { .tv_sec = -1, .tv_nsec = 0 };

		EXPECT_ERRNO(sys_pwait2(ep, e, 1, &bad, NULL), EINVAL);
		EXPECT_ERRNO(sys_pwait2(ep, e, 1, &neg, NULL), EINVAL);
		EXPECT_ERRNO(sys_pwait2(ep, e, 1, (void *)8, NULL), EFAULT);
	}
	/* A buffer that faults only when an event is copied. */
	page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(page != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(epoll_wait(ep, page, 1, 0) == 0, "nothing ready: no copy, no fault");
	EXPECT_OK(ep_add(ep, p[0], EPOLLIN | EPOLLET, DATA_A));
	EXPECT(write(p[1], "x", 1) == 1, "write");
	EXPECT_ERRNO(epoll_wait(ep, page, 1, 0), EFAULT);
	EXPECT_ERRNO(epoll_wait(ep, NULL, 1, 0), EFAULT);
	/* The event was not lost, edge-triggered as it is. */
	EXPECT(ep_ready(ep, e, 2) == 1 && e[0].data.u64 == DATA_A, "event lost after EFAULT");
	EXPECT(ep_ready(ep, e, 2) == 0, "edge-triggered event reported twice");
	munmap(page, 4096);
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void timeouts(void)
{
	struct __kernel_timespec zero = { 0, 0 }, ms20 = { 0, 20 * 1000 * 1000 };
	struct epoll_event e;
	int ep, p[2];

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(ep_add(ep, p[0], EPOLLIN, DATA_A));
	EXPECT(epoll_wait(ep, &e, 1, 0) == 0, "timeout 0 found an event");
	EXPECT(epoll_wait(ep, &e, 1, 30) == 0, "30 ms found an event");
	EXPECT(epoll_pwait(ep, &e, 1, 10, NULL) == 0, "pwait 10 ms");
	EXPECT(sys_pwait2(ep, &e, 1, &zero, NULL) == 0, "pwait2 zero");
	EXPECT(sys_pwait2(ep, &e, 1, &ms20, NULL) == 0, "pwait2 20 ms");
	EXPECT(write(p[1], "x", 1) == 1, "write");
	/* Infinite waits return at once when something is ready. */
	EXPECT(epoll_wait(ep, &e, 1, -1) == 1 && e.data.u64 == DATA_A, "wait -1");
	EXPECT(epoll_wait(ep, &e, 1, -1000) == 1, "any negative timeout is infinite");
	EXPECT(sys_pwait2(ep, &e, 1, NULL, NULL) == 1, "pwait2 NULL timeout");
	close(ep);
	close(p[0]);
	close(p[1]);
}

/* ---- readiness: pipes ------------------------------------------------------ */

static void pipe_level_triggered(void)
{
	struct epoll_event e[4];
	char buf[16];
	int ep, p[2];

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(ep_add(ep, p[0], EPOLLIN, DATA_A));
	EXPECT(ep_ready(ep, e, 4) == 0, "empty pipe is ready");
	EXPECT(write(p[1], "abc", 3) == 3, "write");
	for (int round = 0; round < 3; round++) {
		EXPECT(ep_ready(ep, e, 4) == 1, "round %d: not reported", round);
		EXPECT(e[0].events == EPOLLIN, "events %#x", e[0].events);
		EXPECT(e[0].data.u64 == DATA_A, "data %#llx", (unsigned long long)e[0].data.u64);
	}
	EXPECT(read(p[0], buf, 2) == 2, "read");
	EXPECT(ep_ready(ep, e, 4) == 1, "one byte left: not reported");
	EXPECT(read(p[0], buf, sizeof(buf)) == 1, "read");
	EXPECT(ep_ready(ep, e, 4) == 0, "drained pipe still reported");
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void pipe_edge_triggered(void)
{
	struct epoll_event e;
	char buf[16];
	int ep, p[2];

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(ep_add(ep, p[0], EPOLLIN | EPOLLET, DATA_B));
	EXPECT(write(p[1], "a", 1) == 1, "write");
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.events == EPOLLIN && e.data.u64 == DATA_B,
	       "first edge");
	EXPECT(ep_ready(ep, &e, 1) == 0, "edge reported twice");
	EXPECT(epoll_wait(ep, &e, 1, 20) == 0, "edge reported twice after a wait");
	/* New data is a new edge, though the pipe never went empty. */
	EXPECT(write(p[1], "b", 1) == 1, "write");
	EXPECT(ep_ready(ep, &e, 1) == 1, "second edge lost");
	EXPECT(ep_ready(ep, &e, 1) == 0, "second edge reported twice");
	EXPECT(read(p[0], buf, sizeof(buf)) == 2, "read");
	EXPECT(ep_ready(ep, &e, 1) == 0, "reading made an edge");
	close(ep);
	close(p[0]);
	close(p[1]);
}

/* The write end: EPOLLOUT while there is room, EPOLLERR once the reader goes. */
static void pipe_out_err_hup(void)
{
	struct epoll_event e;
	char buf[4096];
	int ep, p[2], q[2], n = 0;

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(pipe2(p, O_NONBLOCK));
	EXPECT_OK(pipe(q));
	EXPECT_OK(ep_add(ep, p[1], EPOLLOUT, DATA_A));
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.events == EPOLLOUT, "empty pipe not writable");
	memset(buf, 'x', sizeof(buf));
	while (write(p[1], buf, sizeof(buf)) > 0)
		n++;
	EXPECT(errno == EAGAIN && n > 0, "filling the pipe: %s", strerror(errno));
	EXPECT(ep_ready(ep, &e, 1) == 0, "full pipe writable");
	while (read(p[0], buf, sizeof(buf)) > 0)
		;
	EXPECT(ep_ready(ep, &e, 1) == 1 && (e.events & EPOLLOUT), "drained pipe not writable");
	/* EPOLLERR is reported though only EPOLLOUT was asked for. */
	close(p[0]);
	EXPECT(ep_ready(ep, &e, 1) == 1 && (e.events & EPOLLERR), "no EPOLLERR: %#x",
	       e.events);
	/* EPOLLHUP even with no event asked for at all. */
	EXPECT_OK(ep_add(ep, q[0], 0, DATA_B));
	EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
	EXPECT(ep_ready(ep, &e, 1) == 0, "an item waiting for nothing reported");
	close(q[1]);
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.events == EPOLLHUP && e.data.u64 == DATA_B,
	       "hang-up: events %#x", e.events);
	close(ep);
	close(p[1]);
	close(q[0]);
}

static void oneshot(void)
{
	struct epoll_event e;
	int ep, p[2];

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(ep_add(ep, p[0], EPOLLIN | EPOLLONESHOT, DATA_A));
	EXPECT(write(p[1], "a", 1) == 1, "write");
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.data.u64 == DATA_A, "first report");
	/* Disarmed: data still there, new data, even a hang-up: nothing. */
	EXPECT(ep_ready(ep, &e, 1) == 0, "reported twice");
	EXPECT(write(p[1], "b", 1) == 1, "write");
	EXPECT(ep_ready(ep, &e, 1) == 0, "reported after more data");
	/* Still an item: ADD is EEXIST; MOD re-arms it. */
	EXPECT_ERRNO(ep_add(ep, p[0], EPOLLIN, 0), EEXIST);
	EXPECT_OK(ep_mod(ep, p[0], EPOLLIN | EPOLLONESHOT, DATA_B));
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.data.u64 == DATA_B, "MOD did not re-arm");
	EXPECT(ep_ready(ep, &e, 1) == 0, "reported twice after MOD");
	close(p[1]);
	EXPECT(ep_ready(ep, &e, 1) == 0, "disarmed item reported a hang-up");
	EXPECT_OK(ep_mod(ep, p[0], EPOLLIN, DATA_A));
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.events == (EPOLLIN | EPOLLHUP),
	       "after MOD: events %#x", e.events);
	close(ep);
	close(p[0]);
}

static void mod_and_del(void)
{
	struct epoll_event e;
	int ep, s[2];

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	EXPECT_OK(ep_add(ep, s[0], EPOLLIN, DATA_A));
	EXPECT(ep_ready(ep, &e, 1) == 0, "nothing to read yet");
	/* MOD changes events and data; ready at once is queued at once. */
	EXPECT_OK(ep_mod(ep, s[0], EPOLLOUT, DATA_B));
	EXPECT(ep_ready(ep, &e, 1) == 1, "writable socket not reported");
	EXPECT(e.events == EPOLLOUT && e.data.u64 == DATA_B, "events %#x data %#llx",
	       e.events, (unsigned long long)e.data.u64);
	/* An edge-triggered MOD reports a present state once. */
	EXPECT_OK(ep_mod(ep, s[0], EPOLLOUT | EPOLLET, DATA_A));
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.data.u64 == DATA_A, "ET MOD: no report");
	EXPECT(ep_ready(ep, &e, 1) == 0, "ET MOD: reported twice");
	/* DEL: gone, for good. */
	EXPECT_OK(ep_mod(ep, s[0], EPOLLIN | EPOLLOUT, DATA_A));
	EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_DEL, s[0], NULL));
	EXPECT(write(s[1], "x", 1) == 1, "write");
	EXPECT(ep_ready(ep, &e, 1) == 0, "deleted item reported");
	EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, s[0], NULL), ENOENT);
	EXPECT_ERRNO(ep_mod(ep, s[0], EPOLLIN, 0), ENOENT);
	close(ep);
	close(s[0]);
	close(s[1]);
}

/* maxevents caps a call; level-triggered items go round, none is starved. */
static void maxevents_round_robin(void)
{
	struct epoll_event e[4];
	int ep, p[3][2], seen = 0;

	EXPECT_OK(ep = epoll_create1(0));
	for (int i = 0; i < 3; i++) {
		EXPECT_OK(pipe(p[i]));
		EXPECT_OK(ep_add(ep, p[i][0], EPOLLIN, 1ull << i));
		EXPECT(write(p[i][1], "x", 1) == 1, "write");
	}
	for (int round = 0; round < 2; round++) {
		EXPECT(ep_ready(ep, e, 2) == 2, "round %d: not 2 events", round);
		seen |= (int)(e[0].data.u64 | e[1].data.u64);
	}
	EXPECT(seen == 7, "two rounds of 2 saw items %#x of 0x7", seen);
	EXPECT(ep_ready(ep, e, 4) == 3, "not all 3 with room for 4");
	close(ep);
	for (int i = 0; i < 3; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
}

/* Many items: each reported once, with its own data. */
static void many_items(void)
{
	enum { N = 60 };
	struct epoll_event e[N + 4];
	int ep, p[N][2];
	unsigned char seen[N] = { 0 };
	int n;

	EXPECT_OK(ep = epoll_create1(0));
	for (int i = 0; i < N; i++) {
		EXPECT_OK(pipe(p[i]));
		EXPECT_OK(ep_add(ep, p[i][0], EPOLLIN | EPOLLET, 1000 + i));
	}
	for (int i = N - 1; i >= 0; i -= 2)
		EXPECT(write(p[i][1], "x", 1) == 1, "write");
	EXPECT((n = ep_ready(ep, e, N + 4)) == N / 2, "%d events, want %d", n, N / 2);
	for (int i = 0; i < n; i++) {
		uint64_t d = e[i].data.u64 - 1000;

		EXPECT(d < N && d % 2 == 1 && !seen[d], "data %llu", (unsigned long long)d);
		seen[d] = 1;
	}
	for (int i = 0; i < N; i += 2)
		EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[i][0], NULL));
	for (int i = 0; i < N; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	EXPECT(ep_ready(ep, e, N) == 0, "closed files still reported");
	close(ep);
}

/* ---- readiness: sockets, tty, pidfd, devices -------------------------------- */

static void socketpair_stream(void)
{
	struct epoll_event e;
	char buf[8];
	int ep, s[2];

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	EXPECT_OK(ep_add(ep, s[0], EPOLLIN | EPOLLOUT | EPOLLRDHUP, DATA_A));
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.events == EPOLLOUT, "fresh pair: %#x", e.events);
	EXPECT(write(s[1], "hi", 2) == 2, "write");
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.events == (EPOLLIN | EPOLLOUT),
	       "data: %#x", e.events);
	EXPECT(read(s[0], buf, sizeof(buf)) == 2, "read");
	EXPECT_OK(shutdown(s[1], SHUT_WR));
	EXPECT(ep_ready(ep, &e, 1) == 1 && (e.events & EPOLLRDHUP) && (e.events & EPOLLIN) &&
	       !(e.events & EPOLLHUP), "peer SHUT_WR: %#x", e.events);
	/* RDHUP only when asked for. */
	EXPECT_OK(ep_mod(ep, s[0], EPOLLIN, DATA_B));
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.events == EPOLLIN, "RDHUP unasked: %#x",
	       e.events);
	close(s[1]);
	EXPECT(ep_ready(ep, &e, 1) == 1 && (e.events & EPOLLHUP) && (e.events & EPOLLIN),
	       "peer closed: %#x", e.events);
	close(ep);
	close(s[0]);
}

static void socketpair_dgram(void)
{
	struct epoll_event e;
	char buf[8];
	int ep, s[2];

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, s));
	EXPECT_OK(ep_add(ep, s[0], EPOLLIN | EPOLLOUT, DATA_A));
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.events == EPOLLOUT, "fresh pair: %#x", e.events);
	EXPECT(send(s[1], "one", 3, 0) == 3 && send(s[1], "two", 3, 0) == 3, "send");
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.events == (EPOLLIN | EPOLLOUT), "%#x", e.events);
	EXPECT(recv(s[0], buf, sizeof(buf), 0) == 3, "recv");
	EXPECT(ep_ready(ep, &e, 1) == 1 && (e.events & EPOLLIN), "second datagram lost");
	EXPECT(recv(s[0], buf, sizeof(buf), 0) == 3, "recv");
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.events == EPOLLOUT, "drained: %#x", e.events);
	close(ep);
	close(s[0]);
	close(s[1]);
}

/* A listener is readable with a connection to accept; a connect()ed socket added later works. */
static void unix_listener(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + 20;
	struct epoll_event e;
	int ep, l, c, a;

	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "epoll-test-%09d", (int)getpid());
	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(l = socket(AF_UNIX, SOCK_STREAM, 0));
	EXPECT_OK(bind(l, (struct sockaddr *)&sa, len));
	EXPECT_OK(listen(l, 4));
	EXPECT_OK(ep_add(ep, l, EPOLLIN | EPOLLOUT, DATA_A));
	EXPECT(ep_ready(ep, &e, 1) == 0, "idle listener reported %#x", e.events);
	EXPECT_OK(c = socket(AF_UNIX, SOCK_STREAM, 0));
	EXPECT_OK(connect(c, (struct sockaddr *)&sa, len));
	EXPECT(epoll_wait(ep, &e, 1, -1) == 1 && e.events == EPOLLIN && e.data.u64 == DATA_A,
	       "pending connection: %#x", e.events);
	EXPECT_OK(a = accept(l, NULL, NULL));
	EXPECT(ep_ready(ep, &e, 1) == 0, "accepted, still reported");
	/* The two ends of the connection. */
	EXPECT_OK(ep_add(ep, a, EPOLLIN, DATA_B));
	EXPECT_OK(ep_add(ep, c, EPOLLIN, DATA_A + 1));
	EXPECT(write(c, "ping", 4) == 4, "write");
	EXPECT(epoll_wait(ep, &e, 1, -1) == 1 && e.data.u64 == DATA_B, "accepted end");
	EXPECT(write(a, "pong", 4) == 4, "write");
	{
		struct epoll_event two[2];
		int n = ep_ready(ep, two, 2);

		EXPECT(n == 2, "both ends have data: %d events", n);
	}
	close(ep);
	close(a);
	close(c);
	close(l);
}

/*
 * A stream socket added before it connects: once it has filled its peer
 * and the peer drains, the edge-triggered item reports EPOLLOUT.
 */
static void unix_connect_after_add(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + 20;
	struct epoll_event e;
	char buf[4096];
	int ep, l, c, a, n;

	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "epoll-conn-%09d", (int)getpid());
	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(l = socket(AF_UNIX, SOCK_STREAM, 0));
	EXPECT_OK(bind(l, (struct sockaddr *)&sa, len));
	EXPECT_OK(listen(l, 4));
	EXPECT_OK(c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0));
	EXPECT_OK(ep_add(ep, c, EPOLLOUT | EPOLLET, DATA_A));
	/* Unconnected: a hang-up (and writable, as Linux says). */
	EXPECT(ep_ready(ep, &e, 1) == 1 && (e.events & EPOLLHUP), "unconnected: %#x",
	       e.events);
	EXPECT_OK(connect(c, (struct sockaddr *)&sa, len));
	EXPECT_OK(a = accept(l, NULL, NULL));
	memset(buf, 'x', sizeof(buf));
	for (n = 0; write(c, buf, sizeof(buf)) > 0; n++)
		;
	EXPECT(errno == EAGAIN && n > 0, "filling the peer: %s", strerror(errno));
	(void)epoll_wait(ep, &e, 1, 0);		/* whatever connecting reported */
	EXPECT(ep_ready(ep, &e, 1) == 0, "full socket reported %#x", e.events);
	EXPECT_OK(fcntl(a, F_SETFL, O_NONBLOCK));
	while (read(a, buf, sizeof(buf)) > 0)
		;
	EXPECT(errno == EAGAIN, "draining the peer: %s", strerror(errno));
	EXPECT(epoll_wait(ep, &e, 1, 10000) == 1 && e.events == EPOLLOUT &&
	       e.data.u64 == DATA_A, "room on the peer not reported");
	close(ep);
	close(a);
	close(c);
	close(l);
}

static void tty_ready(void)
{
	struct epoll_event e;
	int ep, fd = -1;

	if (isatty(0))
		fd = dup(0);
	else if (isatty(1))
		fd = dup(1);
	if (fd < 0)
		SKIP("no terminal on fd 0 or 1");
	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(ep_add(ep, fd, EPOLLOUT, DATA_A));
	EXPECT(ep_ready(ep, &e, 1) == 1 && (e.events & EPOLLOUT) && e.data.u64 == DATA_A,
	       "terminal not writable");
	EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL));
	/* Input: nobody types during the tests, so nothing may be reported. */
	EXPECT_OK(ep_add(ep, fd, EPOLLIN, DATA_B));
	{
		int n = 0;

		if (ioctl(fd, FIONREAD, &n) == 0 && n == 0)
			EXPECT(ep_ready(ep, &e, 1) == 0, "empty terminal readable");
	}
	close(ep);
	close(fd);
}

static void pidfd_exit(void)
{
	struct epoll_event e;
	int ep, pfd, go[2];
	pid_t pid;
	char c = 0;

	EXPECT_OK(pipe(go));
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	EXPECT_OK(pid);
	close(go[0]);
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		SKIP("pidfd_open: %s", strerror(errno));
	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(ep_add(ep, pfd, EPOLLIN, DATA_A));
	EXPECT(ep_ready(ep, &e, 1) == 0, "running child reported");
	close(go[1]);			/* the child exits */
	EXPECT(epoll_wait(ep, &e, 1, -1) == 1 && (e.events & EPOLLIN) && e.data.u64 == DATA_A,
	       "child's exit not reported");
	EXPECT(waitpid(pid, NULL, 0) == pid, "waitpid");
	close(ep);
	close(pfd);
}

/*
 * Character devices: /dev/random polls readable (once seeded, on Linux;
 * Pagoda never waits for that); null, zero and urandom have no poll (EPERM).
 */
static void devices(void)
{
	struct epoll_event e;
	const char *nopoll[] = { "/dev/null", "/dev/zero", "/dev/urandom" };
	int ep, fd;

	EXPECT_OK(ep = epoll_create1(0));
	for (unsigned int i = 0; i < sizeof(nopoll) / sizeof(nopoll[0]); i++) {
		EXPECT_OK(fd = open(nopoll[i], O_RDONLY));
		EXPECT_ERRNO(ep_add(ep, fd, EPOLLIN, 0), EPERM);
		close(fd);
	}
	EXPECT_OK(fd = open("/dev/random", O_RDONLY));
	EXPECT_OK(ep_add(ep, fd, EPOLLIN | EPOLLOUT, DATA_A));
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.events == EPOLLIN, "random: %#x", e.events);
	close(ep);
	close(fd);
}

/* ---- lifetime --------------------------------------------------------------- */

/*
 * Items belong to (file, fd) and live as long as the file description:
 * closing the added fd while a dup remains keeps the item (epoll(7) Q6).
 */
static void dup_keeps_item(void)
{
	struct epoll_event e[4];
	int ep, p[2], d, rd, wr;

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(pipe(p));
	rd = p[0];
	wr = p[1];
	EXPECT_OK(d = dup(rd));
	EXPECT_OK(ep_add(ep, rd, EPOLLIN, DATA_A));
	EXPECT_OK(close(rd));
	EXPECT(write(wr, "x", 1) == 1, "write");
	EXPECT(ep_ready(ep, e, 4) == 1 && e[0].data.u64 == DATA_A,
	       "closing one fd of the description removed its item");
	/* The key is (file, fd): the dup is a different key. */
	EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, rd, NULL), EBADF);
	EXPECT_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL), ENOENT);
	EXPECT_OK(ep_add(ep, d, EPOLLIN, DATA_B));
	EXPECT(ep_ready(ep, e, 4) == 2, "one file, two items: not 2 events");
	EXPECT((e[0].data.u64 == DATA_A && e[1].data.u64 == DATA_B) ||
	       (e[0].data.u64 == DATA_B && e[1].data.u64 == DATA_A), "data of the two items");
	/* The last fd closed: both items go with the description. */
	EXPECT_OK(close(d));
	EXPECT(ep_ready(ep, e, 4) == 0, "released file still reported");
	/* A new pipe on the freed fd numbers is a new key: no EEXIST. */
	EXPECT_OK(pipe(p));
	EXPECT_OK(ep_add(ep, p[0], EPOLLIN, DATA_A));
	EXPECT_OK(ep_add(ep, p[1], EPOLLOUT, DATA_B));
	EXPECT(ep_ready(ep, e, 4) == 1 && e[0].data.u64 == DATA_B, "new pipe's items");
	close(p[0]);
	close(p[1]);
	close(wr);
	close(ep);
}

/* The epoll fd is shared by fork; a child's close of the watched fd changes nothing. */
static void fork_shares(void)
{
	struct epoll_event e;
	int ep, p[2], st;
	pid_t pid;

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(ep_add(ep, p[0], EPOLLIN, DATA_A));
	pid = fork();
	if (pid == 0) {
		struct epoll_event ce;

		close(p[0]);
		if (write(p[1], "c", 1) != 1)
			_exit(2);
		/* The child sees the same epoll: the item is the parent's. */
		_exit(epoll_wait(ep, &ce, 1, -1) == 1 && ce.data.u64 == DATA_A ? 0 : 3);
	}
	EXPECT_OK(pid);
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "child: status %#x", st);
	EXPECT(ep_ready(ep, &e, 1) == 1 && e.data.u64 == DATA_A, "parent lost the item");
	close(ep);
	close(p[0]);
	close(p[1]);
}

/* Closing the epoll first, then the files (and the other way round): no leak, no crash. */
static void close_orders(void)
{
	int ep, ep2, p[2], s[2];

	for (int order = 0; order < 2; order++) {
		EXPECT_OK(ep = epoll_create1(0));
		EXPECT_OK(ep2 = epoll_create1(0));
		EXPECT_OK(pipe(p));
		EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
		EXPECT_OK(ep_add(ep, p[0], EPOLLIN, 1));
		EXPECT_OK(ep_add(ep, p[1], EPOLLOUT, 2));
		EXPECT_OK(ep_add(ep, s[0], EPOLLIN | EPOLLOUT, 3));
		EXPECT_OK(ep_add(ep2, s[0], EPOLLIN, 4));
		EXPECT_OK(ep_add(ep2, ep, EPOLLIN, 5));
		EXPECT(write(s[1], "x", 1) == 1, "write");
		if (order == 0) {
			close(ep);
			close(p[0]);
			close(s[0]);
			close(ep2);
		} else {
			close(s[0]);
			close(p[0]);
			close(ep2);
			close(ep);
		}
		close(p[1]);
		close(s[1]);
	}
}

/* ---- nesting --------------------------------------------------------------- */

static void nested_epoll(void)
{
	struct epoll_event e;
	struct pollfd pfd;
	char c;
	int outer, inner, p[2];

	EXPECT_OK(outer = epoll_create1(0));
	EXPECT_OK(inner = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(ep_add(inner, p[0], EPOLLIN, DATA_A));
	EXPECT_OK(ep_add(outer, inner, EPOLLIN, DATA_B));
	EXPECT(ep_ready(outer, &e, 1) == 0, "idle inner epoll reported");
	pfd = (struct pollfd){ .fd = outer, .events = POLLIN };
	EXPECT(poll(&pfd, 1, 0) == 0, "idle outer epoll polls readable");
	EXPECT(write(p[1], "x", 1) == 1, "write");
	EXPECT(epoll_wait(outer, &e, 1, -1) == 1 && e.events == EPOLLIN && e.data.u64 == DATA_B,
	       "outer: events %#x", e.events);
	EXPECT(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLIN, "poll of outer: %#x",
	       pfd.revents);
	/* Looking at the outer one consumed nothing of the inner one. */
	EXPECT(ep_ready(inner, &e, 1) == 1 && e.data.u64 == DATA_A, "inner lost its event");
	EXPECT(read(p[0], &c, 1) == 1, "read");
	EXPECT(ep_ready(outer, &e, 1) == 0, "drained, outer still reports");
	EXPECT(poll(&pfd, 1, 0) == 0, "drained, outer still polls readable");
	/* An epoll watching an epoll only cares about readability. */
	EXPECT_OK(ep_mod(outer, inner, EPOLLOUT, DATA_B));
	EXPECT(write(p[1], "x", 1) == 1, "write");
	EXPECT(ep_ready(outer, &e, 1) == 0, "an epoll is never writable");
	EXPECT_OK(epoll_ctl(outer, EPOLL_CTL_DEL, inner, NULL));
	close(outer);
	close(inner);
	close(p[0]);
	close(p[1]);
}

/* poll/select sleep on an epoll fd and wake when an item becomes ready. */
static void poll_select_wake(void)
{
	struct pollfd pfd;
	fd_set rd;
	struct timeval tv = { 0, 0 };
	int ep, p[2], st;
	pid_t pid;

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(ep_add(ep, p[0], EPOLLIN | EPOLLET, DATA_A));
	FD_ZERO(&rd);
	FD_SET(ep, &rd);
	EXPECT(select(ep + 1, &rd, NULL, NULL, &tv) == 0, "idle epoll selects readable");
	pid = fork();
	if (pid == 0) {
		usleep(50000);
		_exit(write(p[1], "x", 1) == 1 ? 0 : 2);
	}
	EXPECT_OK(pid);
	pfd = (struct pollfd){ .fd = ep, .events = POLLIN };
	EXPECT(poll(&pfd, 1, -1) == 1 && pfd.revents == POLLIN, "poll: %#x", pfd.revents);
	FD_ZERO(&rd);
	FD_SET(ep, &rd);
	EXPECT(select(ep + 1, &rd, NULL, NULL, NULL) == 1 && FD_ISSET(ep, &rd), "select");
	/* Polling consumed nothing, edge-triggered as the item is. */
	{
		struct epoll_event e;

		EXPECT(ep_ready(ep, &e, 1) == 1 && e.data.u64 == DATA_A, "event consumed by poll");
		EXPECT(poll(&pfd, 1, 0) == 0, "readable after the edge was taken");
	}
	EXPECT(waitpid(pid, &st, 0) == pid && st == 0, "child");
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void loops_and_depth(void)
{
	int e[EP_MAX_NESTS + 2], a, b;

	EXPECT_OK(a = epoll_create1(0));
	EXPECT_OK(b = epoll_create1(0));
	EXPECT_OK(ep_add(a, b, EPOLLIN, 0));
	EXPECT_ERRNO(ep_add(b, a, EPOLLIN, 0), ELOOP);		/* a cycle of two */
	EXPECT_ERRNO(ep_add(a, a, EPOLLIN, 0), EINVAL);		/* itself */
	/* Built from the bottom: e0 > e1 > ... > e4 is as deep as it gets. */
	for (int i = 0; i < EP_MAX_NESTS + 2; i++)
		EXPECT_OK(e[i] = epoll_create1(0));
	for (int i = EP_MAX_NESTS - 1; i >= 0; i--)
		EXPECT_OK(ep_add(e[i], e[i + 1], EPOLLIN, 0));
	EXPECT_ERRNO(ep_add(e[EP_MAX_NESTS + 1], e[0], EPOLLIN, 0), ELOOP);
	EXPECT_ERRNO(ep_add(e[EP_MAX_NESTS], e[EP_MAX_NESTS + 1], EPOLLIN, 0), ELOOP);
	EXPECT_ERRNO(ep_add(e[EP_MAX_NESTS], e[0], EPOLLIN, 0), ELOOP);	/* a cycle of 5 */
	EXPECT_ERRNO(ep_add(e[EP_MAX_NESTS], e[2], EPOLLIN, 0), ELOOP);
	/* Removing an edge makes room again: e1 > ... > e5. */
	EXPECT_OK(epoll_ctl(e[0], EPOLL_CTL_DEL, e[1], NULL));
	EXPECT_OK(ep_add(e[EP_MAX_NESTS], e[EP_MAX_NESTS + 1], EPOLLIN, 0));
	EXPECT_ERRNO(ep_add(e[0], e[1], EPOLLIN, 0), ELOOP);
	/* ... and so does closing one: e2's items and the item on e2 go. */
	close(e[2]);
	EXPECT_OK(ep_add(e[0], e[1], EPOLLIN, 0));
	EXPECT_OK(ep_add(e[3], e[0], EPOLLIN, 0));
	for (int i = 0; i < EP_MAX_NESTS + 2; i++)
		if (i != 2)
			close(e[i]);
	close(a);
	close(b);
}

/* A wake-up runs through a chain of nested epolls to a sleeper at the top. */
static void nested_chain_wakes(void)
{
	struct epoll_event e;
	int e0, e1, e2, p[2], st;
	pid_t pid;

	EXPECT_OK(e0 = epoll_create1(0));
	EXPECT_OK(e1 = epoll_create1(0));
	EXPECT_OK(e2 = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(ep_add(e2, p[0], EPOLLIN | EPOLLET, 2));
	EXPECT_OK(ep_add(e1, e2, EPOLLIN, 1));
	EXPECT_OK(ep_add(e0, e1, EPOLLIN | EPOLLET, 0));
	pid = fork();
	if (pid == 0) {
		usleep(50000);
		_exit(write(p[1], "x", 1) == 1 ? 0 : 2);
	}
	EXPECT_OK(pid);
	EXPECT(epoll_wait(e0, &e, 1, -1) == 1 && e.data.u64 == 0, "top of the chain");
	EXPECT(ep_ready(e0, &e, 1) == 0, "edge-triggered top reported twice");
	EXPECT(ep_ready(e1, &e, 1) == 1 && e.data.u64 == 1, "middle");
	EXPECT(ep_ready(e2, &e, 1) == 1 && e.data.u64 == 2, "bottom");
	EXPECT(ep_ready(e1, &e, 1) == 0, "middle after the bottom's edge was taken");
	EXPECT(waitpid(pid, &st, 0) == pid && st == 0, "child");
	close(e0);
	close(e1);
	close(e2);
	close(p[0]);
	close(p[1]);
}

/* ---- signals ---------------------------------------------------------------- */

/* A handler interrupts epoll_wait with EINTR, SA_RESTART or not (never restarted). */
static void signal_eintr(void)
{
	struct sigaction sa = { .sa_handler = on_sig, .sa_flags = SA_RESTART };
	struct itimerval it = { .it_value = { 0, 50000 } };
	struct epoll_event e;
	int ep, p[2];

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(ep_add(ep, p[0], EPOLLIN, 0));
	sigemptyset(&sa.sa_mask);
	EXPECT_OK(sigaction(SIGALRM, &sa, NULL));
	got_sig = 0;
	EXPECT_OK(setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_ERRNO(epoll_wait(ep, &e, 1, -1), EINTR);
	EXPECT(got_sig == 1, "handler ran %d times", (int)got_sig);
	got_sig = 0;
	EXPECT_OK(setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_ERRNO(sys_pwait2(ep, &e, 1, NULL, NULL), EINTR);
	EXPECT(got_sig == 1, "pwait2: handler ran %d times", (int)got_sig);
	close(ep);
	close(p[0]);
	close(p[1]);
}

/*
 * epoll_pwait installs its mask for the wait: a blocked, pending SIGUSR1
 * it unblocks interrupts it, the handler runs under that mask, and the
 * old mask is back afterwards.
 */
static void pwait_sigmask(void)
{
	struct sigaction sa = { .sa_handler = on_sig };
	struct epoll_event e;
	sigset_t block, empty, now;
	int ep, p[2];

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(ep_add(ep, p[0], EPOLLIN, 0));
	sigemptyset(&sa.sa_mask);
	EXPECT_OK(sigaction(SIGUSR1, &sa, NULL));
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&empty);
	EXPECT_OK(sigprocmask(SIG_BLOCK, &block, NULL));
	got_sig = 0;
	EXPECT_OK(kill(getpid(), SIGUSR1));
	EXPECT(got_sig == 0, "blocked signal delivered");
	/* A mask that keeps it blocked: a timeout, not EINTR. */
	EXPECT(epoll_pwait(ep, &e, 1, 20, &block) == 0, "pwait with SIGUSR1 blocked");
	EXPECT(got_sig == 0, "delivered under a mask that blocks it");
	EXPECT_ERRNO(epoll_pwait(ep, &e, 1, -1, &empty), EINTR);
	EXPECT(got_sig == 1, "handler ran %d times", (int)got_sig);
	EXPECT_OK(sigprocmask(SIG_BLOCK, NULL, &now));
	EXPECT(sigismember(&now, SIGUSR1), "old mask not restored");
	/* Events first: a ready item wins over the mask's pending signal. */
	EXPECT_OK(kill(getpid(), SIGUSR1));
	EXPECT(write(p[1], "x", 1) == 1, "write");
	EXPECT(epoll_pwait(ep, &e, 1, -1, &block) == 1, "ready item with a pending signal");
	EXPECT(got_sig == 1, "handler ran under a mask that blocks it");
	EXPECT_OK(sigprocmask(SIG_UNBLOCK, &block, NULL));
	EXPECT(got_sig == 2, "pending signal lost");
	close(ep);
	close(p[0]);
	close(p[1]);
}

/* ---- threads ---------------------------------------------------------------- */

struct waiter {
	int ep;
	int timeout;
	volatile pid_t tid;
	volatile int n;			/* events it got */
	volatile uint64_t data;
	volatile uint32_t events;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	struct epoll_event e;
	int n;

	w->tid = (pid_t)syscall(SYS_gettid);
	n = epoll_wait(w->ep, &e, 1, w->timeout);
	if (n == 1) {
		w->data = e.data.u64;
		w->events = e.events;
	}
	__atomic_store_n(&w->n, n, __ATOMIC_RELEASE);
	return NULL;
}

/* One thread sleeps in epoll_wait, another writes: it wakes with the event. */
static void thread_waits_other_writes(void)
{
	struct waiter w = { .timeout = -1, .n = -2 };
	pthread_t t;
	int p[2];

	EXPECT_OK(w.ep = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(ep_add(w.ep, p[0], EPOLLIN, DATA_A));
	EXPECT_PT(pthread_create(&t, NULL, waiter_main, &w));
	while (!w.tid)
		usleep(1000);
	EXPECT(wait_sleeping(w.tid) == 0, "waiter never slept");
	EXPECT(w.n == -2, "waiter returned %d before the write", w.n);
	EXPECT(write(p[1], "x", 1) == 1, "write");
	EXPECT_PT(pthread_join(t, NULL));
	EXPECT(w.n == 1 && w.data == DATA_A && w.events == EPOLLIN, "waiter got %d, %#x",
	       w.n, w.events);
	close(w.ep);
	close(p[0]);
	close(p[1]);
}

/* Two threads asleep on one epoll: a level-triggered event wakes both. */
static void two_waiters_level(void)
{
	struct waiter w[2] = { { .timeout = -1, .n = -2 }, { .timeout = -1, .n = -2 } };
	pthread_t t[2];
	int ep, p[2];

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(ep_add(ep, p[0], EPOLLIN, DATA_B));
	for (int i = 0; i < 2; i++) {
		w[i].ep = ep;
		EXPECT_PT(pthread_create(&t[i], NULL, waiter_main, &w[i]));
	}
	for (int i = 0; i < 2; i++) {
		while (!w[i].tid)
			usleep(1000);
		EXPECT(wait_sleeping(w[i].tid) == 0, "waiter %d never slept", i);
	}
	EXPECT(write(p[1], "x", 1) == 1, "write");
	for (int i = 0; i < 2; i++) {
		EXPECT_PT(pthread_join(t[i], NULL));
		EXPECT(w[i].n == 1 && w[i].data == DATA_B, "waiter %d got %d", i, w[i].n);
	}
	close(ep);
	close(p[0]);
	close(p[1]);
}

/*
 * EPOLLEXCLUSIVE: two epolls watch one pipe exclusively, a thread asleep
 * on each. A write wakes exactly one of them; the hang-up then wakes the
 * other (the first has nobody waiting any more).
 */
static void exclusive_wakes_one(void)
{
	struct waiter w[2] = { { .timeout = -1, .n = -2 }, { .timeout = -1, .n = -2 } };
	pthread_t t[2];
	int p[2], done;

	EXPECT_OK(pipe(p));
	for (int i = 0; i < 2; i++) {
		EXPECT_OK(w[i].ep = epoll_create1(0));
		EXPECT_OK(ep_add(w[i].ep, p[0], EPOLLIN | EPOLLEXCLUSIVE, i));
	}
	for (int i = 0; i < 2; i++) {
		EXPECT_PT(pthread_create(&t[i], NULL, waiter_main, &w[i]));
		while (!w[i].tid)
			usleep(1000);
		EXPECT(wait_sleeping(w[i].tid) == 0, "waiter %d never slept", i);
	}
	EXPECT(write(p[1], "x", 1) == 1, "write");
	while (__atomic_load_n(&w[0].n, __ATOMIC_ACQUIRE) == -2 &&
	       __atomic_load_n(&w[1].n, __ATOMIC_ACQUIRE) == -2)
		usleep(1000);
	usleep(100000);		/* a wrong second wake-up would have come by now */
	done = (w[0].n != -2) + (w[1].n != -2);
	EXPECT(done == 1, "%d exclusive waiters woke for one write", done);
	close(p[1]);
	for (int i = 0; i < 2; i++) {
		EXPECT_PT(pthread_join(t[i], NULL));
		EXPECT(w[i].n == 1 && w[i].data == (uint64_t)i, "waiter %d got %d", i, w[i].n);
	}
	close(w[0].ep);
	close(w[1].ep);
	close(p[0]);
}

struct stream {
	int wr;
	int n;
};

static void *writer_main(void *arg)
{
	struct stream *s = arg;

	for (int i = 0; i < s->n; i++) {
		if (write(s->wr, "x", 1) != 1)
			return (void *)1;
		if (i % 64 == 0)
			sched_yield();
	}
	return NULL;
}

/*
 * Edge-triggered, on several CPUs: a writer streams bytes while the reader
 * sleeps in epoll_wait and drains the pipe at each edge. Every byte
 * arrives: no edge is lost between the drain and the next sleep.
 */
static void et_stream_no_lost_wakeup(void)
{
	enum { BYTES = 20000 };
	struct stream s = { .n = BYTES };
	struct epoll_event e;
	pthread_t t;
	char buf[512];
	int ep, p[2], total = 0, waits = 0;
	void *ret;

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(pipe2(p, O_NONBLOCK));
	s.wr = p[1];
	EXPECT_OK(ep_add(ep, p[0], EPOLLIN | EPOLLET, DATA_A));
	EXPECT_PT(pthread_create(&t, NULL, writer_main, &s));
	while (total < BYTES) {
		ssize_t n;
		int r = epoll_wait(ep, &e, 1, 10000);

		EXPECT(r == 1, "epoll_wait: %d (%s) after %d bytes", r, strerror(errno), total);
		waits++;
		while ((n = read(p[0], buf, sizeof(buf))) > 0)
			total += (int)n;
		EXPECT(n < 0 && errno == EAGAIN, "read: %s", strerror(errno));
	}
	EXPECT_PT(pthread_join(t, &ret));
	EXPECT(ret == NULL, "writer failed");
	EXPECT(total == BYTES && waits > 0, "%d bytes", total);
	close(ep);
	close(p[0]);
	close(p[1]);
}

struct churn {
	int s[2];			/* a datagram pair of its own */
	int p[2];			/* a pipe of its own */
	volatile int stop;
};

/* Send and receive, write and read, as fast as it can: wake-ups galore. */
static void *churn_main(void *arg)
{
	struct churn *c = arg;
	char buf[64];

	while (!c->stop) {
		if (send(c->s[0], "x", 1, 0) != 1 || recv(c->s[1], buf, sizeof(buf), 0) != 1)
			return (void *)1;
		if (write(c->p[1], "y", 1) != 1 || read(c->p[0], buf, sizeof(buf)) != 1)
			return (void *)2;
	}
	return NULL;
}

/*
 * Watched files are added and finally closed over and over while another
 * thread runs wake-ups through queues their items wait on - on Pagoda
 * every datagram socket's item waits on one shared queue (room on the
 * peer, woken by every datagram dequeue), and a dup of the churning
 * pipe's read end shares that pipe's queue. The teardown of an item must
 * wait out a callback running on another CPU; a use-after-free here is
 * caught by the debug allocator's poisoning on Pagoda.
 */
static void close_while_waking(void)
{
	struct churn c = { .stop = 0 };
	struct epoll_event e[8];
	pthread_t t;
	int ep;
	void *ret;

	EXPECT_OK(ep = epoll_create1(0));
	EXPECT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, c.s));
	EXPECT_OK(pipe(c.p));
	EXPECT_PT(pthread_create(&t, NULL, churn_main, &c));
	for (int i = 0; i < 200; i++) {
		int x[2], d, pd[2];

		EXPECT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, x));
		EXPECT_OK(pipe(pd));
		EXPECT_OK(d = dup(c.p[0]));
		EXPECT_OK(ep_add(ep, x[0], EPOLLIN | EPOLLOUT, i));
		EXPECT_OK(ep_add(ep, x[1], EPOLLOUT | (i & 1 ? EPOLLET : 0), i));
		EXPECT_OK(ep_add(ep, d, EPOLLIN | EPOLLET, i));
		EXPECT_OK(ep_add(ep, pd[0], EPOLLIN, i));
		EXPECT(send(x[1], "z", 1, 0) == 1, "send");
		EXPECT(write(pd[1], "z", 1) == 1, "write");
		EXPECT(epoll_wait(ep, e, 8, 0) >= 0, "epoll_wait: %s", strerror(errno));
		close(x[0]);		/* last closes: their items go */
		close(pd[0]);
		close(pd[1]);
		EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL));
		close(d);
		if (i % 2)
			close(x[1]);
		else
			EXPECT(epoll_wait(ep, e, 8, 0) >= 0 && !close(x[1]), "after closes");
	}
	c.stop = 1;
	EXPECT_PT(pthread_join(t, &ret));
	EXPECT(ret == NULL, "churn thread failed: %p", ret);
	EXPECT(epoll_wait(ep, e, 8, 0) == 0, "items of closed files reported");
	close(ep);
	close(c.s[0]);
	close(c.s[1]);
	close(c.p[0]);
	close(c.p[1]);
}

/* A thread's epoll_wait keeps working when another thread closes a watched file. */
static void close_under_waiter(void)
{
	struct waiter w = { .timeout = -1, .n = -2 };
	pthread_t t;
	int p[2], q[2];

	EXPECT_OK(w.ep = epoll_create1(0));
	EXPECT_OK(pipe(p));
	EXPECT_OK(pipe(q));
	EXPECT_OK(ep_add(w.ep, p[0], EPOLLIN, DATA_A));
	EXPECT_OK(ep_add(w.ep, q[0], EPOLLIN, DATA_B));
	EXPECT_PT(pthread_create(&t, NULL, waiter_main, &w));
	while (!w.tid)
		usleep(1000);
	EXPECT(wait_sleeping(w.tid) == 0, "waiter never slept");
	close(p[0]);			/* the item goes; the waiter sleeps on */
	close(p[1]);
	usleep(20000);
	EXPECT(w.n == -2, "waiter woke for a closed file: %d", w.n);
	EXPECT(write(q[1], "x", 1) == 1, "write");
	EXPECT_PT(pthread_join(t, NULL));
	EXPECT(w.n == 1 && w.data == DATA_B, "waiter got %d", w.n);
	close(w.ep);
	close(q[0]);
	close(q[1]);
}

int main(int argc, char **argv)
{
	if (argc == 2)
		case_only = argv[1];
	ut_begin("epoll_test");
	ut_tmpdir();		/* made here, so that ut_end() removes it */
	CASE(create_errors);
	CASE(ctl_errors);
	CASE(exclusive_rules);
	CASE(epollwakeup_accepted);
	CASE(wait_errors);
	CASE(timeouts);
	CASE(pipe_level_triggered);
	CASE(pipe_edge_triggered);
	CASE(pipe_out_err_hup);
	CASE(oneshot);
	CASE(mod_and_del);
	CASE(maxevents_round_robin);
	CASE(many_items);
	CASE(socketpair_stream);
	CASE(socketpair_dgram);
	CASE(unix_listener);
	CASE(unix_connect_after_add);
	CASE(tty_ready);
	CASE(pidfd_exit);
	CASE(devices);
	CASE(dup_keeps_item);
	CASE(fork_shares);
	CASE(close_orders);
	CASE(nested_epoll);
	CASE(poll_select_wake);
	CASE(loops_and_depth);
	CASE(nested_chain_wakes);
	CASE(signal_eintr);
	CASE(pwait_sigmask);
	CASE(thread_waits_other_writes);
	CASE(two_waiters_level);
	CASE(exclusive_wakes_one);
	CASE(et_stream_no_lost_wakeup);
	CASE(close_while_waking);
	CASE(close_under_waiter);
	return ut_end();
}
