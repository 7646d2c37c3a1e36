/*
 * unix_test.c - AF_UNIX sockets: socketpair across fork (the map_populate
 * selftest's handshake), datagram and seqpacket boundaries, bind/listen/
 * connect/accept by path and by abstract name, the errors of each, poll
 * readiness and hang-up, EPIPE/SIGPIPE and MSG_NOSIGNAL, non-blocking
 * EAGAIN, EINTR, SCM_RIGHTS passing a pipe and a memfd to another
 * process, cycles of sockets in flight collected (and reachable ones
 * kept), socket options, and EFAULT on bad pointers.
 *
 * Everything here is Linux behaviour the man pages promise (unix(7),
 * socket(7), recv(2), send(2)); the same binary passes on the host.
 */
#include "utest.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <sys/un.h>

/* Never mapped; volatile so the compiler cannot see through it. */
static void *volatile bad_ptr = (void *)1;
#define BAD_PTR		(bad_ptr)

static volatile sig_atomic_t got_sig;

static void on_sig(int sig)
{
	(void)sig;
	got_sig++;
}

/* Fill @sa with path @path; returns the address length to pass. */
static socklen_t mkaddr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	strncpy(sa->sun_path, path, sizeof(sa->sun_path) - 1);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

/* A socket of @type bound to @path and listening (stream/seqpacket), or -1. */
static int listener(int type, const char *path)
{
	struct sockaddr_un sa;
	socklen_t len = mkaddr(&sa, path);
	int s = socket(AF_UNIX, type, 0);

	if (s < 0 || bind(s, (struct sockaddr *)&sa, len) < 0 ||
	    (type != SOCK_DGRAM && listen(s, 4) < 0)) {
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

static int connect_to(int type, const char *path)
{
	struct sockaddr_un sa;
	socklen_t len = mkaddr(&sa, path);
	int s = socket(AF_UNIX, type, 0);

	if (s >= 0 && connect(s, (struct sockaddr *)&sa, len) < 0) {
		int e = errno;

		close(s);
		errno = e;
		return -1;
	}
	return s;
}

/* ---- socketpair ---- */

/* map_populate's handshake: single bytes each way between parent and child. */
static void socketpair_stream_fork(void)
{
	int sv[2], st;
	struct stat sb;
	char c = 0;
	pid_t pid;

	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_OK(fstat(sv[0], &sb));
	EXPECT(S_ISSOCK(sb.st_mode), "fstat mode %o", sb.st_mode);
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(sv[0]);
		for (int i = 0; i < 20; i++) {
			if (read(sv[1], &c, 1) != 1 || c != (char)i)
				_exit(1);
			c = (char)(i + 100);
			if (write(sv[1], &c, 1) != 1)
				_exit(2);
		}
		_exit(read(sv[1], &c, 1) == 0 ? 0 : 3);	/* EOF when the parent closes */
	}
	close(sv[1]);
	for (int i = 0; i < 20; i++) {
		c = (char)i;
		EXPECT(write(sv[0], &c, 1) == 1, "write %d: %s", i, strerror(errno));
		EXPECT(read(sv[0], &c, 1) == 1 && c == (char)(i + 100), "read %d", i);
	}
	close(sv[0]);
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "child status %#x", st);
}

static void socket_bad_args(void)
{
	int p[2];
	char buf[4];

	EXPECT_ERRNO(socket(AF_UNIX, 99, 0), EINVAL);
	EXPECT_ERRNO(socket(AF_UNIX, SOCK_STREAM | 0x10000, 0), EINVAL);
	EXPECT_ERRNO(socket(AF_UNIX, SOCK_STREAM, 7), EPROTONOSUPPORT);
	EXPECT_ERRNO(socket(AF_UNIX, 4 /* SOCK_RDM */, 0), ESOCKTNOSUPPORT);
	EXPECT_ERRNO(socket(1000, SOCK_STREAM, 0), EAFNOSUPPORT);
	EXPECT_OK(pipe(p));
	EXPECT_ERRNO(listen(p[0], 1), ENOTSOCK);
	EXPECT_ERRNO(recv(p[0], buf, 1, 0), ENOTSOCK);
	EXPECT_ERRNO(shutdown(999, SHUT_RD), EBADF);
	close(p[0]);
	close(p[1]);
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, p));
	EXPECT_ERRNO(shutdown(p[0], 7), EINVAL);
	EXPECT_ERRNO(listen(p[0], 1), EINVAL);		/* connected */
	close(p[0]);
	close(p[1]);
	EXPECT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, p));
	EXPECT_ERRNO(listen(p[0], 1), EOPNOTSUPP);
	EXPECT_ERRNO(accept(p[0], NULL, NULL), EOPNOTSUPP);
	EXPECT(read(p[0], buf, 0) == 0, "0-byte read");
	close(p[0]);
	close(p[1]);
}

/* ---- message boundaries ---- */

static void check_boundaries(int type)
{
	int sv[2];
	char buf[64];
	struct iovec iov[2] = { { buf, 2 }, { buf + 2, 1 } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	EXPECT_OK(socketpair(AF_UNIX, type, 0, sv));
	EXPECT(send(sv[0], "abc", 3, 0) == 3, "send abc: %s", strerror(errno));
	EXPECT(send(sv[0], "defgh", 5, 0) == 5, "send defgh");
	EXPECT(recv(sv[1], buf, sizeof(buf), 0) == 3 && !memcmp(buf, "abc", 3), "first");
	EXPECT(recv(sv[1], buf, sizeof(buf), 0) == 5 && !memcmp(buf, "defgh", 5), "second");
	/* A short read drops the rest of the record. */
	EXPECT(send(sv[0], "hello world", 11, 0) == 11, "send hello");
	EXPECT(send(sv[0], "next", 4, 0) == 4, "send next");
	EXPECT(recv(sv[1], buf, 5, 0) == 5 && !memcmp(buf, "hello", 5), "short");
	EXPECT(recv(sv[1], buf, sizeof(buf), 0) == 4 && !memcmp(buf, "next", 4), "after short");
	/* recvmsg reports MSG_TRUNC; the MSG_TRUNC flag returns the real size. */
	EXPECT(send(sv[0], "0123456789", 10, 0) == 10, "send digits");
	EXPECT(recvmsg(sv[1], &mh, 0) == 3 && (mh.msg_flags & MSG_TRUNC), "recvmsg trunc %#x",
	       mh.msg_flags);
	EXPECT(!memcmp(buf, "012", 3), "readv-like scatter");
	EXPECT(send(sv[0], "0123456789", 10, 0) == 10, "send digits");
	EXPECT(recv(sv[1], buf, 4, MSG_TRUNC) == 10, "MSG_TRUNC length");
	/* writev is one record; a zero-length record arrives as one. */
	iov[0].iov_base = "xy";
	iov[1].iov_base = "z";
	EXPECT(writev(sv[0], iov, 2) == 3, "writev");
	EXPECT(send(sv[0], "", 0, 0) == 0, "empty send");
	EXPECT(recv(sv[1], buf, sizeof(buf), 0) == 3 && !memcmp(buf, "xyz", 3), "writev record");
	EXPECT(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) == 0, "empty record");
	EXPECT_ERRNO(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	close(sv[0]);
	close(sv[1]);
}

static void dgram_boundaries(void)
{
	check_boundaries(SOCK_DGRAM);
}

static void seqpacket_boundaries(void)
{
	int sv[2];
	char c;

	check_boundaries(SOCK_SEQPACKET);
	if (ut_case_failed)
		return;
	EXPECT_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	close(sv[0]);
	EXPECT(read(sv[1], &c, 1) == 0, "EOF after the peer closed");
	close(sv[1]);
}

static void stream_merges_writes(void)
{
	int sv[2];
	char buf[64];
	struct iovec iov[3] = { { "ab", 2 }, { "", 0 }, { "cd", 2 } };

	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT(write(sv[0], "12", 2) == 2 && write(sv[0], "345", 3) == 3, "writes");
	EXPECT(writev(sv[0], iov, 3) == 4, "writev");
	EXPECT(recv(sv[1], buf, 3, MSG_PEEK) == 3 && !memcmp(buf, "123", 3), "peek");
	EXPECT(read(sv[1], buf, sizeof(buf)) == 9 && !memcmp(buf, "12345abcd", 9), "merged");
	close(sv[0]);
	close(sv[1]);
}

/* ---- names and connections ---- */

static void bind_listen_connect_accept(void)
{
	const char *path = ut_path("srv.sock");
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	struct stat sb;
	int l, c, a;
	char buf[16];

	l = listener(SOCK_STREAM, path);
	EXPECT(l >= 0, "listener: %s", strerror(errno));
	EXPECT_OK(stat(path, &sb));
	EXPECT(S_ISSOCK(sb.st_mode), "bound path mode %o", sb.st_mode);
	c = connect_to(SOCK_STREAM, path);
	EXPECT(c >= 0, "connect: %s", strerror(errno));
	/* The client may write before the server accepts. */
	EXPECT(write(c, "ping", 4) == 4, "early write");
	a = accept4(l, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
	EXPECT(a >= 0, "accept4: %s", strerror(errno));
	EXPECT(len == offsetof(struct sockaddr_un, sun_path), "unbound peer len %u", len);
	EXPECT(fcntl(a, F_GETFD) == FD_CLOEXEC && (fcntl(a, F_GETFL) & O_NONBLOCK), "flags");
	EXPECT(read(a, buf, sizeof(buf)) == 4 && !memcmp(buf, "ping", 4), "server read");
	EXPECT(write(a, "pong", 4) == 4 && read(c, buf, 4) == 4 && !memcmp(buf, "pong", 4),
	       "client read");
	/* The server end is named after the listener; the client is unnamed. */
	len = sizeof(sa);
	EXPECT_OK(getsockname(a, (struct sockaddr *)&sa, &len));
	EXPECT(len == offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1 &&
	       !strcmp(sa.sun_path, path), "getsockname %u %s", len, sa.sun_path);
	len = sizeof(sa);
	EXPECT_OK(getpeername(c, (struct sockaddr *)&sa, &len));
	EXPECT(!strcmp(sa.sun_path, path), "getpeername %s", sa.sun_path);
	len = sizeof(sa);
	EXPECT_OK(getsockname(c, (struct sockaddr *)&sa, &len));
	EXPECT(len == sizeof(sa_family_t) && sa.sun_family == AF_UNIX, "unbound name %u", len);
	EXPECT_ERRNO(getpeername(l, (struct sockaddr *)&sa, &len), ENOTCONN);
	EXPECT_ERRNO(accept(a, NULL, NULL), EINVAL);	/* not listening */
	close(a);
	close(c);
	close(l);
}

static void connect_across_fork(void)
{
	const char *path = ut_path("fork.sock");
	int l = listener(SOCK_SEQPACKET, path), a, st;
	char buf[8];
	pid_t pid;

	EXPECT(l >= 0, "listener: %s", strerror(errno));
	pid = fork();
	EXPECT(pid >= 0, "fork");
	if (pid == 0) {
		int c = connect_to(SOCK_SEQPACKET, path);

		_exit(c >= 0 && write(c, "hi", 2) == 2 && read(c, buf, 8) == 3 ? 0 : 1);
	}
	a = accept(l, NULL, NULL);
	EXPECT(a >= 0, "accept: %s", strerror(errno));
	EXPECT(read(a, buf, 8) == 2 && !memcmp(buf, "hi", 2), "read");
	EXPECT(write(a, "bye", 3) == 3, "write");
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st), "child %#x", st);
	EXPECT(read(a, buf, 8) == 0, "EOF after the child exited");
	close(a);
	close(l);
}

static void bind_errors(void)
{
	const char *path = ut_path("taken.sock");
	struct sockaddr_un sa;
	socklen_t len;
	int s, t, fd;

	s = listener(SOCK_STREAM, path);
	EXPECT(s >= 0, "listener: %s", strerror(errno));
	t = socket(AF_UNIX, SOCK_STREAM, 0);
	len = mkaddr(&sa, path);
	EXPECT_ERRNO(bind(t, (struct sockaddr *)&sa, len), EADDRINUSE);
	close(s);			/* the name outlives the socket */
	EXPECT_ERRNO(bind(t, (struct sockaddr *)&sa, len), EADDRINUSE);
	fd = open(ut_path("plain"), O_CREAT | O_WRONLY, 0600);
	EXPECT(fd >= 0, "creat");
	close(fd);
	len = mkaddr(&sa, ut_path("plain"));
	EXPECT_ERRNO(bind(t, (struct sockaddr *)&sa, len), EADDRINUSE);
	len = mkaddr(&sa, ut_path("nodir/x.sock"));
	EXPECT_ERRNO(bind(t, (struct sockaddr *)&sa, len), ENOENT);
	len = mkaddr(&sa, ut_path("slash.sock/"));	/* a name that must be a directory */
	EXPECT_ERRNO(bind(t, (struct sockaddr *)&sa, len), ENOENT);
	sa.sun_family = AF_INET;
	EXPECT_ERRNO(bind(t, (struct sockaddr *)&sa, len), EINVAL);
	EXPECT_ERRNO(bind(t, (struct sockaddr *)&sa, 200), EINVAL);
	len = mkaddr(&sa, ut_path("mine.sock"));
	EXPECT_OK(bind(t, (struct sockaddr *)&sa, len));
	len = mkaddr(&sa, ut_path("again.sock"));
	EXPECT_ERRNO(bind(t, (struct sockaddr *)&sa, len), EINVAL);	/* bound already */
	close(t);
}

static void connect_errors(void)
{
	const char *path = ut_path("refuse.sock");
	struct sockaddr_un sa;
	socklen_t len;
	int s, d, fd;

	EXPECT_ERRNO(connect_to(SOCK_STREAM, ut_path("missing.sock")), ENOENT);
	s = listener(SOCK_STREAM, path);
	EXPECT(s >= 0, "listener");
	close(s);
	EXPECT_ERRNO(connect_to(SOCK_STREAM, path), ECONNREFUSED);	/* stale name */
	unlink(path);
	/* Bound but not listening. */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	len = mkaddr(&sa, path);
	EXPECT_OK(bind(s, (struct sockaddr *)&sa, len));
	EXPECT_ERRNO(connect_to(SOCK_STREAM, path), ECONNREFUSED);
	close(s);
	fd = open(ut_path("file"), O_CREAT | O_WRONLY, 0600);
	close(fd);
	EXPECT_ERRNO(connect_to(SOCK_STREAM, ut_path("file")), ECONNREFUSED);
	d = listener(SOCK_DGRAM, ut_path("dgram.sock"));
	EXPECT(d >= 0, "dgram bind");
	EXPECT_ERRNO(connect_to(SOCK_STREAM, ut_path("dgram.sock")), EPROTOTYPE);
	close(d);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT_ERRNO(connect(s, (struct sockaddr *)&sa, 1), EINVAL);
	EXPECT_ERRNO(write(s, "x", 1), ENOTCONN);
	close(s);
}

static void dgram_named(void)
{
	const char *pa = ut_path("dga.sock"), *pb = ut_path("dgb.sock");
	int a = listener(SOCK_DGRAM, pa), b = listener(SOCK_DGRAM, pb);
	struct sockaddr_un sa, from;
	socklen_t len, flen = sizeof(from);
	char buf[16];

	EXPECT(a >= 0 && b >= 0, "bind: %s", strerror(errno));
	EXPECT_ERRNO(send(a, "x", 1, 0), ENOTCONN);
	len = mkaddr(&sa, pb);
	EXPECT(sendto(a, "to-b", 4, 0, (struct sockaddr *)&sa, len) == 4, "sendto: %s",
	       strerror(errno));
	EXPECT(recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 4, "recvfrom");
	EXPECT(!memcmp(buf, "to-b", 4) && !strcmp(from.sun_path, pa), "from %s", from.sun_path);
	EXPECT_OK(connect(a, (struct sockaddr *)&sa, len));
	EXPECT(send(a, "c", 1, 0) == 1 && recv(b, buf, sizeof(buf), 0) == 1, "connected send");
	close(b);
	EXPECT_ERRNO(send(a, "c", 1, 0), ECONNREFUSED);		/* the peer went away */
	EXPECT_ERRNO(send(a, "c", 1, 0), ENOTCONN);
	len = mkaddr(&sa, ut_path("nobody.sock"));
	EXPECT_ERRNO(sendto(a, "x", 1, 0, (struct sockaddr *)&sa, len), ENOENT);
	close(a);
}

static void abstract_names(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX }, got;
	socklen_t len = sizeof(got);
	char name[32];
	int l, c, a, n;

	n = snprintf(name, sizeof(name), "utest-unix-%d", (int)getpid());
	memcpy(sa.sun_path + 1, name, (size_t)n);	/* sun_path[0] == 0 */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT_OK(bind(l, (struct sockaddr *)&sa, len));
	EXPECT_OK(listen(l, 1));
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT_OK(connect(c, (struct sockaddr *)&sa, len));
	a = accept(l, NULL, NULL);
	EXPECT(a >= 0, "accept");
	n = (int)len;
	len = sizeof(got);
	EXPECT_OK(getpeername(c, (struct sockaddr *)&got, &len));
	EXPECT((int)len == n && !memcmp(&got, &sa, len), "abstract peer name, len %u", len);
	close(a);
	close(c);
	close(l);
	/* The name dies with its socket: it can be bound again at once. */
	l = socket(AF_UNIX, SOCK_DGRAM, 0);
	EXPECT_OK(bind(l, (struct sockaddr *)&sa, (socklen_t)n));
	close(l);
	/* Autobind: just the family gives a 5-hex-digit abstract name. */
	l = socket(AF_UNIX, SOCK_DGRAM, 0);
	EXPECT_OK(bind(l, (struct sockaddr *)&sa, sizeof(sa_family_t)));
	len = sizeof(got);
	EXPECT_OK(getsockname(l, (struct sockaddr *)&got, &len));
	EXPECT(len == sizeof(sa_family_t) + 6 && got.sun_path[0] == 0, "autobind len %u", len);
	close(l);
}

/* ---- readiness, hang-up, errors ---- */

static short poll1(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, ms) < 0 ? -1 : p.revents;
}

static void poll_readiness(void)
{
	int sv[2], l, c, st;
	const char *path = ut_path("poll.sock");
	short ev = POLLIN | POLLOUT | POLLRDHUP;
	char buf[4];
	pid_t pid;

	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT(poll1(sv[0], ev, 0) == POLLOUT, "fresh: %#x", poll1(sv[0], ev, 0));
	EXPECT(write(sv[1], "x", 1) == 1, "write");
	EXPECT(poll1(sv[0], ev, 0) == (POLLIN | POLLOUT), "readable: %#x", poll1(sv[0], ev, 0));
	EXPECT(read(sv[0], buf, 4) == 1, "drain");
	/* A child writes later: poll sleeps until then. */
	pid = fork();
	if (pid == 0) {
		usleep(100 * 1000);
		_exit(write(sv[1], "y", 1) == 1 ? 0 : 1);
	}
	EXPECT(poll1(sv[0], POLLIN, 5000) == POLLIN, "woken by the child");
	EXPECT(waitpid(pid, &st, 0) == pid && st == 0, "child");
	EXPECT(read(sv[0], buf, 4) == 1, "drain");
	shutdown(sv[1], SHUT_WR);
	EXPECT(poll1(sv[0], ev, 0) == (POLLIN | POLLOUT | POLLRDHUP), "peer SHUT_WR: %#x",
	       poll1(sv[0], ev, 0));
	EXPECT(read(sv[0], buf, 4) == 0, "EOF after SHUT_WR");
	close(sv[1]);
	EXPECT((poll1(sv[0], ev, 0) & (POLLIN | POLLHUP | POLLRDHUP)) ==
	       (POLLIN | POLLHUP | POLLRDHUP), "peer closed: %#x", poll1(sv[0], ev, 0));
	close(sv[0]);
	/* A listener is readable when a connection waits. */
	l = listener(SOCK_STREAM, path);
	EXPECT(l >= 0, "listener");
	EXPECT(poll1(l, POLLIN, 0) == 0, "idle listener: %#x", poll1(l, POLLIN, 0));
	c = connect_to(SOCK_STREAM, path);
	EXPECT(poll1(l, POLLIN, 1000) == POLLIN, "pending connection");
	close(c);
	close(l);
}

static void epipe_sigpipe(void)
{
	struct sigaction sa = { .sa_handler = on_sig }, old;
	int sv[2];

	EXPECT_OK(sigaction(SIGPIPE, &sa, &old));
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	close(sv[1]);
	got_sig = 0;
	EXPECT_ERRNO(write(sv[0], "x", 1), EPIPE);
	EXPECT(got_sig == 1, "SIGPIPE count %d", (int)got_sig);
	EXPECT_ERRNO(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	EXPECT(got_sig == 1, "MSG_NOSIGNAL still signalled");
	close(sv[0]);
	/* Our own SHUT_WR: EPIPE too. */
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_OK(shutdown(sv[0], SHUT_WR));
	EXPECT_ERRNO(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	close(sv[0]);
	close(sv[1]);
	sigaction(SIGPIPE, &old, NULL);
}

static void econnreset_unread(void)
{
	int sv[2];
	char c;

	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT(write(sv[0], "lost", 4) == 4, "write");
	close(sv[1]);				/* closed with data unread */
	EXPECT_ERRNO(read(sv[0], &c, 1), ECONNRESET);
	EXPECT(read(sv[0], &c, 1) == 0, "then EOF");
	close(sv[0]);
}

static void nonblocking_eagain(void)
{
	const char *path = ut_path("nb.sock");
	char buf[4096] = { 0 };
	int sv[2], l, n = 0;

	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	EXPECT(fcntl(sv[0], F_GETFL) & O_NONBLOCK, "SOCK_NONBLOCK");
	EXPECT_ERRNO(read(sv[0], buf, 1), EAGAIN);
	while (n < 10000 && write(sv[0], buf, sizeof(buf)) > 0)
		n++;
	EXPECT(n < 10000 && errno == EAGAIN, "filled after %d writes: %s", n, strerror(errno));
	EXPECT(!(poll1(sv[0], POLLOUT, 0) & POLLOUT), "full but POLLOUT");
	EXPECT(read(sv[1], buf, sizeof(buf)) > 0, "drain one");
	close(sv[0]);
	close(sv[1]);
	EXPECT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	EXPECT_ERRNO(recv(sv[0], buf, 1, MSG_DONTWAIT), EAGAIN);
	close(sv[0]);
	close(sv[1]);
	l = listener(SOCK_STREAM, path);
	EXPECT(l >= 0, "listener");
	EXPECT_OK(fcntl(l, F_SETFL, O_NONBLOCK));
	EXPECT_ERRNO(accept(l, NULL, NULL), EAGAIN);
	close(l);
}

static void eintr_read(void)
{
	struct sigaction sa = { .sa_handler = on_sig }, old;	/* no SA_RESTART */
	struct itimerval it = { .it_value = { 0, 200 * 1000 } }, off = { 0 };
	int sv[2];
	char c;

	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_OK(sigaction(SIGALRM, &sa, &old));
	got_sig = 0;
	EXPECT_OK(setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_ERRNO(read(sv[0], &c, 1), EINTR);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	EXPECT(got_sig == 1, "handler ran %d times", (int)got_sig);
	close(sv[0]);
	close(sv[1]);
}

/* What the unconnected and the hung-up sockets of each type report. */
static void hangup_edges(void)
{
	short ev = POLLIN | POLLOUT | POLLRDHUP;
	int sv[2], s, v;
	socklen_t len = sizeof(v);
	char c;

	EXPECT_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	close(sv[1]);
	EXPECT_ERRNO(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	EXPECT(poll1(sv[0], ev, 0) == (POLLIN | POLLOUT | POLLHUP | POLLRDHUP),
	       "seqpacket hung up: %#x", poll1(sv[0], ev, 0));
	close(sv[0]);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT(poll1(s, ev, 0) == (POLLOUT | POLLHUP), "unconnected stream: %#x",
	       poll1(s, ev, 0));
	EXPECT_ERRNO(read(s, &c, 1), EINVAL);
	EXPECT_ERRNO(getsockopt(s, 6 /* IPPROTO_TCP */, 1, &v, &len), EOPNOTSUPP);
	close(s);
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	EXPECT_ERRNO(read(s, &c, 1), ENOTCONN);
	EXPECT_ERRNO(write(s, &c, 1), ENOTCONN);
	close(s);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	EXPECT(poll1(s, ev, 0) == POLLOUT, "unconnected dgram: %#x", poll1(s, ev, 0));
	close(s);
	/* SHUT_RD here: we see RDHUP, the peer's writes fail. */
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_OK(shutdown(sv[0], SHUT_RD));
	EXPECT(poll1(sv[0], ev, 0) == (POLLIN | POLLOUT | POLLRDHUP), "own SHUT_RD: %#x",
	       poll1(sv[0], ev, 0));
	EXPECT(poll1(sv[1], ev, 0) == POLLOUT, "peer of SHUT_RD: %#x", poll1(sv[1], ev, 0));
	EXPECT_ERRNO(send(sv[1], "x", 1, MSG_NOSIGNAL), EPIPE);
	close(sv[0]);
	close(sv[1]);
}

/*
 * The map_populate selftest's shape: a MAP_PRIVATE|MAP_POPULATE child and
 * a MAP_SHARED parent of one file, kept in step by ints over a socketpair.
 */
static void map_populate_handshake(void)
{
	int sv[2], fd, st, token = 0;
	unsigned long *shared;
	pid_t pid;

	fd = open(ut_path("populate"), O_CREAT | O_RDWR, 0600);
	EXPECT(fd >= 0 && ftruncate(fd, 4096) == 0, "file: %s", strerror(errno));
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT(shared != MAP_FAILED, "mmap shared");
	*shared = 0xdeadbabe;
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	if (pid == 0) {
		unsigned long *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_POPULATE, fd, 0);

		if (priv == MAP_FAILED || *priv != 0xdeadbabe)
			_exit(1);
		if (write(sv[1], &token, sizeof(token)) != sizeof(token) ||
		    read(sv[1], &token, sizeof(token)) != sizeof(token))
			_exit(2);
		/* MAP_POPULATE of a writable private mapping broke COW already. */
		_exit(*priv == 0xdeadbabe ? 0 : 3);
	}
	EXPECT(pid > 0, "fork");
	EXPECT(read(sv[0], &token, sizeof(token)) == sizeof(token), "child ready");
	*shared = 0x22222bad;
	EXPECT_OK(msync(shared, 4096, MS_SYNC));
	EXPECT(write(sv[0], &token, sizeof(token)) == sizeof(token), "go");
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
	       "child status %#x", st);
	munmap(shared, 4096);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

/* ---- SCM_RIGHTS ---- */

/* Send @n fds over @s with one byte of data. */
static ssize_t send_fds(int s, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))] = { 0 };
	struct iovec iov = { "F", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = CMSG_SPACE(n * sizeof(int)) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	return sendmsg(s, &mh, 0);
}

/* Receive up to @max fds into @fds; their number, or -1. *@flags: msg_flags. */
static int recv_fds(int s, int *fds, int max, size_t cspace, int *flags)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))];
	char c;
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = cspace };
	struct cmsghdr *cm;
	int n = 0;

	if (recvmsg(s, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	*flags = mh.msg_flags;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (n > max)
			return -1;
		memcpy(fds, CMSG_DATA(cm), n * sizeof(int));
	}
	return n;
}

/* The child: receive a pipe's read end and a memfd, check both. */
static int scm_child(int s)
{
	int fds[4], flags, n;
	char buf[32] = { 0 };
	struct stat sb;

	n = recv_fds(s, fds, 4, CMSG_SPACE(4 * sizeof(int)), &flags);
	if (n != 2 || (flags & MSG_CTRUNC))
		return 1;
	if (fcntl(fds[0], F_GETFD) != FD_CLOEXEC)
		return 2;
	if (fstat(fds[0], &sb) < 0 || !S_ISFIFO(sb.st_mode))
		return 3;
	if (pread(fds[1], buf, 11, 0) != 11 || memcmp(buf, "memfd bytes", 11))
		return 4;
	if (write(s, "r", 1) != 1)		/* tell the parent to write the pipe */
		return 5;
	if (read(fds[0], buf, sizeof(buf)) != 9 || memcmp(buf, "via pipe!", 9))
		return 6;
	return 0;
}

static void scm_rights_across_fork(void)
{
	int sv[2], p[2], fds[2], st, mfd;
	char c;
	pid_t pid;

	mfd = memfd_create("unix_test", 0);
	EXPECT(mfd >= 0, "memfd_create: %s", strerror(errno));
	EXPECT(write(mfd, "memfd bytes", 11) == 11, "fill memfd");
	EXPECT_OK(pipe(p));
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	EXPECT(pid >= 0, "fork");
	if (pid == 0) {
		close(sv[0]);
		close(p[0]);
		close(mfd);
		_exit(scm_child(sv[1]));
	}
	close(sv[1]);
	fds[0] = p[0];
	fds[1] = mfd;
	EXPECT(send_fds(sv[0], fds, 2) == 1, "sendmsg: %s", strerror(errno));
	close(p[0]);				/* only the copy in flight is left */
	close(mfd);
	EXPECT(read(sv[0], &c, 1) == 1, "child's go-ahead");
	EXPECT(write(p[1], "via pipe!", 9) == 9, "write pipe");
	close(p[1]);
	close(sv[0]);
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
	       "child status %#x", st);
}

static void scm_rights_errors_and_drops(void)
{
	int sv[2], p[2], fds[2], flags, n;
	char c;

	EXPECT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	EXPECT_OK(pipe(p));
	fds[0] = 999;
	EXPECT_ERRNO(send_fds(sv[0], fds, 1), EBADF);
	/* No room for the fds: MSG_CTRUNC, and they are closed, not leaked. */
	fds[0] = p[1];
	EXPECT(send_fds(sv[0], fds, 1) == 1, "send");
	n = recv_fds(sv[1], fds, 2, 0, &flags);
	EXPECT(n == 0 && (flags & MSG_CTRUNC), "n %d flags %#x", n, flags);
	/* An unread message's fds are dropped when the receiver closes. */
	EXPECT(send_fds(sv[0], (int[]){ p[1] }, 1) == 1, "send again");
	close(p[1]);
	close(sv[1]);
	EXPECT(read(p[0], &c, 1) == 0, "pipe writer still alive in flight");
	close(p[0]);
	close(sv[0]);
	/* read(2) on a message with fds drops them too. */
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_OK(pipe(p));
	EXPECT(send_fds(sv[0], (int[]){ p[1] }, 1) == 1, "send");
	close(p[1]);
	EXPECT(read(sv[1], &c, 1) == 1 && c == 'F', "read");
	EXPECT(read(p[0], &c, 1) == 0, "dropped by read(2)");
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Sockets in flight inside sockets in flight: pass a working socket end
 * and use it, then build a chain of CHAIN pairs, each pair's ends queued
 * on the previous pair, and close its head. Everything must be freed
 * (runall's MEMFREE check) without the kernel recursing CHAIN deep.
 */
#define CHAIN	200

static void scm_rights_sockets(void)
{
	int head[2], sv[2], next[2], got[4], flags, n;
	char c;

	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, next));
	EXPECT(send_fds(sv[0], &next[1], 1) == 1, "send a socket: %s", strerror(errno));
	close(next[1]);
	n = recv_fds(sv[1], got, 4, CMSG_SPACE(4 * sizeof(int)), &flags);
	EXPECT(n == 1, "received %d", n);
	EXPECT(send(got[0], "q", 1, 0) == 1 && recv(next[0], &c, 1, 0) == 1 && c == 'q',
	       "the passed socket works");
	close(got[0]);
	close(next[0]);
	close(sv[0]);
	close(sv[1]);

	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, head));
	sv[0] = head[0];
	sv[1] = head[1];
	for (int i = 0; i < CHAIN; i++) {
		EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, next));
		EXPECT(send_fds(sv[1], next, 2) == 1, "link %d: %s", i, strerror(errno));
		if (sv[0] != head[0]) {
			close(sv[0]);
			close(sv[1]);
		}
		sv[0] = next[0];
		sv[1] = next[1];
	}
	close(sv[0]);
	close(sv[1]);
	close(head[1]);
	close(head[0]);			/* frees the whole chain */
}

/*
 * A cycle of sockets in flight, which no close can free: the garbage
 * collector must (Linux's unix_gc). Two pairs, each end queued on the
 * other's queue, the first also carrying a pipe's write end; once every
 * fd of the sockets is closed, only the collector can close that pipe
 * end, which its read end sees as EOF. A socket pair opened and closed
 * afterwards is Linux's cue to collect (unix_release_sock); Pagoda
 * collects when the last fd of an in-flight socket goes.
 */
static void nudge_collector(void)
{
	int sv[2];

	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	close(sv[0]);
	close(sv[1]);
}

/* Wait up to @ms for EOF on @rfd: 1 if seen, 0 if not. */
static int eof_within(int rfd, int ms)
{
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };
	char c;

	return poll(&pfd, 1, ms) == 1 && read(rfd, &c, 1) == 0;
}

static void scm_rights_cycle_collected(void)
{
	int a[2], b[2], p[2];

	EXPECT_OK(pipe(p));
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, a));
	EXPECT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, b));
	/* a[0] and the pipe end queued on a[1]; a[1] on b[1]; b[0], b[1] on a[0]. */
	EXPECT(send_fds(a[0], (int[]){ a[0], p[1] }, 2) == 1, "send 1: %s", strerror(errno));
	EXPECT(send_fds(b[0], (int[]){ a[1] }, 1) == 1, "send 2: %s", strerror(errno));
	EXPECT(send_fds(a[1], (int[]){ b[0], b[1] }, 2) == 1, "send 3: %s", strerror(errno));
	close(p[1]);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	EXPECT(!eof_within(p[0], 100), "collected while b[1] was still open");
	close(b[1]);
	nudge_collector();
	EXPECT(eof_within(p[0], 5000), "the cycle's pipe end was never closed");
	close(p[0]);
}

/*
 * The collector must not touch sockets a live socket's queue can still
 * hand back: s[0] (with a pipe end) queued on s[1], s[1] queued on live
 * q[1]. After a collection, receiving them back must work end to end.
 */
static void scm_rights_reachable_kept(void)
{
	int q[2], s[2], p[2], got[4], flags;
	char c;

	EXPECT_OK(pipe(p));
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, q));
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	EXPECT(send_fds(s[0], (int[]){ s[0], p[1] }, 2) == 1, "send 1: %s", strerror(errno));
	EXPECT(send_fds(q[0], (int[]){ s[1] }, 1) == 1, "send 2: %s", strerror(errno));
	close(p[1]);
	close(s[0]);
	close(s[1]);
	nudge_collector();
	EXPECT(!eof_within(p[0], 200), "a reachable socket was collected");
	EXPECT(recv_fds(q[1], got, 4, CMSG_SPACE(4 * sizeof(int)), &flags) == 1, "get s[1]");
	EXPECT(recv_fds(got[0], &got[1], 3, CMSG_SPACE(4 * sizeof(int)), &flags) == 2,
	       "get s[0] and the pipe end back");
	EXPECT(write(got[2], "k", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'k',
	       "the pipe end still works");
	EXPECT(send(got[1], "x", 1, 0) == 1 && recv(got[0], &c, 1, 0) == 1 && c == 'x',
	       "the sockets still work");
	for (int i = 0; i < 3; i++)
		close(got[i]);
	close(q[0]);
	close(q[1]);
	EXPECT(eof_within(p[0], 1000), "pipe end closed with its last fd");
	close(p[0]);
}

/* ---- options and bad pointers ---- */

static void socket_options(void)
{
	int sv[2], v;
	socklen_t len = sizeof(v);
	struct ucred cr;

	EXPECT_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	EXPECT_OK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len));
	EXPECT(v == SOCK_SEQPACKET && len == sizeof(int), "SO_TYPE %d", v);
	EXPECT_OK(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &len));
	EXPECT(v == 0, "SO_ERROR %d", v);
	v = 65536;
	EXPECT_OK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	EXPECT_OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	EXPECT_OK(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &len));
	EXPECT(v == 131072, "SO_SNDBUF %d (Linux doubles)", v);
	EXPECT_OK(getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &len));
	EXPECT(v == 131072, "SO_RCVBUF %d", v);
	EXPECT_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, 1), EINVAL);
	len = sizeof(cr);
	EXPECT_OK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len));
	EXPECT(len == sizeof(cr) && cr.pid == getpid(), "SO_PEERCRED pid %d", cr.pid);
	EXPECT(cr.uid == geteuid() && cr.gid == getegid(), "SO_PEERCRED uid %u gid %u",
	       cr.uid, cr.gid);
	len = sizeof(v);
	EXPECT_ERRNO(getsockopt(sv[0], SOL_SOCKET, 12345, &v, &len), ENOPROTOOPT);
	close(sv[0]);
	close(sv[1]);
}

/*
 * A connected datagram socket whose peer's queue is full polls as not
 * writable, and wakes with POLLOUT once the peer drains its queue (Linux
 * waits for the sender's buffer to fall to a quarter: drain it all).
 */
static void dgram_pollout_wakeup(void)
{
	struct pollfd pfd;
	int sv[2], n = 0, status;
	char c = 'x';
	pid_t pid;

	EXPECT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	while (send(sv[0], &c, 1, MSG_DONTWAIT) == 1 && n < 1000000)
		n++;
	EXPECT(errno == EAGAIN, "filling the peer: %s after %d", strerror(errno), n);
	pfd = (struct pollfd){ .fd = sv[0], .events = POLLOUT };
	EXPECT(poll(&pfd, 1, 0) == 0, "full peer: poll says %#x", pfd.revents);
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		usleep(300 * 1000);	/* let the parent sleep in poll first */
		while (n > 0 && recv(sv[1], &c, 1, 0) == 1)
			n--;
		_exit(n == 0 ? 0 : 1);
	}
	EXPECT(poll(&pfd, 1, 10000) == 1 && (pfd.revents & POLLOUT),
	       "no POLLOUT after the peer drained: revents %#x", pfd.revents);
	EXPECT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0, "reader child: status %#x", status);
	close(sv[0]);
	close(sv[1]);
}

/* SO_PEERCRED carries the effective ids: a pair made after setuid(65534). */
static void peercred_after_setuid(void)
{
	int status;
	pid_t pid;

	if (geteuid() != 0)
		SKIP("needs root to drop to uid 65534");
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		struct ucred cr;
		socklen_t len = sizeof(cr);
		int sv[2];

		if (setgid(65534) < 0 || setuid(65534) < 0 ||
		    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
		    getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
			_exit(2);
		_exit(cr.uid == 65534 && cr.gid == 65534 ? 0 : 1);
	}
	EXPECT(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "child: status %#x (1: wrong ids, 2: a call failed)", status);
}

static void bad_pointers(void)
{
	int sv[2];
	socklen_t len = sizeof(struct sockaddr_un);
	struct sockaddr_un sa;

	EXPECT_ERRNO(socketpair(AF_UNIX, SOCK_STREAM, 0, BAD_PTR), EFAULT);
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_ERRNO(write(sv[0], BAD_PTR, 4), EFAULT);
	EXPECT(write(sv[0], "abcd", 4) == 4, "write");
	EXPECT_ERRNO(read(sv[1], BAD_PTR, 4), EFAULT);
	EXPECT_ERRNO(bind(sv[0], BAD_PTR, sizeof(sa)), EFAULT);
	EXPECT_ERRNO(getsockname(sv[0], (struct sockaddr *)&sa, BAD_PTR), EFAULT);
	EXPECT_ERRNO(getsockname(sv[0], BAD_PTR, &len), EFAULT);
	/* musl's sendmsg/recvmsg copy the header themselves: go around them. */
	EXPECT_ERRNO(syscall(SYS_sendmsg, sv[0], BAD_PTR, 0), EFAULT);
	EXPECT_ERRNO(syscall(SYS_recvmsg, sv[1], BAD_PTR, 0), EFAULT);
	EXPECT_ERRNO(sendto(sv[0], BAD_PTR, 1, 0, NULL, 0), EFAULT);
	close(sv[0]);
	close(sv[1]);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * SO_RCVTIMEO and SO_SNDTIMEO end a blocked receive, send or accept with
 * EAGAIN once they run out (socket(7)); never early (a 200 ms limit is
 * not over before 150 ms: the only timing asserted).
 */
static void rcvtimeo_sndtimeo(void)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	static char big[65536];
	struct timespec t0;
	int sv[2], l;
	char c;

	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	EXPECT_OK(setsockopt(sv[1], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_ERRNO(recv(sv[0], &c, 1, 0), EAGAIN);
	EXPECT(ms_since(&t0) >= 150, "recv gave up after %ld ms of 200", ms_since(&t0));
	/* Fill the receiver (it holds 208 KiB), then one more send times out. */
	for (int i = 0; i < 64; i++) {
		ssize_t n = send(sv[1], big, sizeof(big), MSG_DONTWAIT);

		if (n < 0) {
			EXPECT(errno == EAGAIN, "filling: %s", strerror(errno));
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_ERRNO(send(sv[1], big, sizeof(big), 0), EAGAIN);
	EXPECT(ms_since(&t0) >= 150, "send gave up after %ld ms of 200", ms_since(&t0));
	close(sv[0]);
	close(sv[1]);

	EXPECT_OK(l = socket(AF_UNIX, SOCK_STREAM, 0));
	EXPECT_OK(bind(l, (struct sockaddr *)&(struct sockaddr_un){ .sun_family = AF_UNIX },
		       sizeof(sa_family_t)));	/* autobind */
	EXPECT_OK(listen(l, 1));
	EXPECT_OK(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_ERRNO(accept(l, NULL, NULL), EAGAIN);
	EXPECT(ms_since(&t0) >= 150, "accept gave up after %ld ms of 200", ms_since(&t0));
	close(l);
}

int main(void)
{
	ut_begin("unix_test");
	signal(SIGPIPE, SIG_IGN);
	RUN(socketpair_stream_fork);
	RUN(socket_bad_args);
	RUN(dgram_boundaries);
	RUN(seqpacket_boundaries);
	RUN(stream_merges_writes);
	RUN(bind_listen_connect_accept);
	RUN(connect_across_fork);
	RUN(bind_errors);
	RUN(connect_errors);
	RUN(dgram_named);
	RUN(abstract_names);
	RUN(poll_readiness);
	RUN(epipe_sigpipe);
	RUN(econnreset_unread);
	RUN(hangup_edges);
	RUN(map_populate_handshake);
	RUN(nonblocking_eagain);
	RUN(eintr_read);
	RUN(scm_rights_across_fork);
	RUN(scm_rights_errors_and_drops);
	RUN(scm_rights_sockets);
	RUN(scm_rights_cycle_collected);
	RUN(scm_rights_reachable_kept);
	RUN(socket_options);
	RUN(dgram_pollout_wakeup);
	RUN(peercred_after_setuid);
	RUN(bad_pointers);
	RUN(rcvtimeo_sndtimeo);
	return ut_end();
}
