/*
 * nc.c - /bin/nc: netcat, copy stdin to a TCP or UDP socket and the
 * socket to stdout.
 *
 *	nc [-u] [-v] [-w SECS] [-q SECS] HOST PORT	connect
 *	nc -z [-v] [-w SECS] HOST PORT			probe a TCP port
 *	nc -l [-u] [-v] [-w SECS] [-q SECS] [ADDR] PORT	listen, one peer
 *	nc -l ... -p PORT [ADDR]			the same
 *
 * Addresses are numeric IPv4 (a listener's default is 0.0.0.0); names are
 * never resolved.
 *
 * The copy is one poll() loop over stdin, stdout and the socket (made
 * non-blocking), with a buffer for each direction, so a peer that sends
 * while we send never deadlocks us. TCP: at EOF on stdin the write side
 * is shut down (the peer sees EOF) and nc keeps reading until the peer
 * shuts down its side; nc exits when both directions are finished.
 * UDP: each read of stdin goes out as one datagram; there is no EOF on
 * the network side, so a UDP nc runs until -q or -w ends it (or a
 * signal). A UDP listener answers whoever sent the first datagram.
 *
 *	-w SECS	connection timeout, and the longest the connection may stay
 *		idle (nothing moved either way) before nc quits; not applied
 *		to waiting for a peer with -l
 *	-q SECS	quit SECS seconds after EOF on stdin even if the peer has not
 *		finished (default: wait for the peer)
 *	-z	connect and close at once: exit 0 if the port accepts
 *	-v	say on stderr what is connected
 *
 * Exit status: 0 done (also after a timeout of -w or -q), 1 a failure
 * (refused, reset, I/O error), 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE	65536
#define UDP_CHUNK	1400		/* a datagram per stdin read: one frame */

static struct {
	int listen, udp, zero, verbose;
	double wait;		/* -w, < 0: none */
	double quit;		/* -q, < 0: wait for the peer */
} opt = { 0, 0, 0, 0, -1, -1 };

static void usage(void)
{
	fprintf(stderr,
		"usage: nc [-u] [-v] [-w SECS] [-q SECS] HOST PORT\n"
		"       nc -z [-v] [-w SECS] HOST PORT\n"
		"       nc -l [-u] [-v] [-w SECS] [-q SECS] [ADDR] PORT\n"
		"       nc -l [-u] [-v] [-w SECS] [-q SECS] -p PORT [ADDR]\n");
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double parse_seconds(const char *s, const char *what)
{
	char *end;
	double v = strtod(s, &end);

	if (!*s || *end || !(v >= 0) || v > 1e6) {
		fprintf(stderr, "nc: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static uint16_t parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 1 || v > 65535) {
		fprintf(stderr, "nc: bad port: %s\n", s);
		exit(2);
	}
	return (uint16_t)v;
}

static void parse_addr(const char *s, uint16_t port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, s, &sin->sin_addr) != 1) {
		fprintf(stderr, "nc: %s: not a numeric IPv4 address "
				"(names are not resolved)\n", s);
		exit(2);
	}
}

/* poll() timeout in ms until @deadline (seconds; < 0: none). */
static int ms_until(double deadline)
{
	double left;

	if (deadline < 0)
		return -1;
	left = deadline - now();
	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Connect @fd (left non-blocking) within -w; 0, or -1 with errno set. */
static int connect_timeout(int fd, const struct sockaddr_in *sin)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	double deadline = opt.wait >= 0 ? now() + opt.wait : -1;
	socklen_t len = sizeof(int);
	int err = 0, n;

	set_nonblock(fd);
	if (connect(fd, (const struct sockaddr *)sin, sizeof(*sin)) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -1;
	do
		n = poll(&pfd, 1, ms_until(deadline));
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -1;
	errno = err;
	return err ? -1 : 0;
}

/* One direction of the copy: bytes read from one side, not yet written. */
struct pipe_buf {
	char data[BUF_SIZE];
	size_t off, len;	/* pending: data[off .. off+len) */
	int eof;		/* the reading side is finished */
};

static struct pipe_buf up;	/* stdin -> socket */
static struct pipe_buf down;	/* socket -> stdout */

/* Write what @b holds to @fd; -1 on a write error. */
static int flush_some(int fd, struct pipe_buf *b, int is_sock)
{
	ssize_t n;

	if (is_sock)
		n = send(fd, b->data + b->off, b->len, MSG_NOSIGNAL);
	else
		n = write(fd, b->data + b->off, b->len);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	b->off += (size_t)n;
	b->len -= (size_t)n;
	if (!b->len)
		b->off = 0;
	return 0;
}

/* What to wait for: each side's fd only while its buffer can move. */
static void relay_pollfds(struct pollfd pfd[3], int sock)
{
	pfd[0].fd = !up.eof && !up.len ? 0 : -1;
	pfd[0].events = POLLIN;
	pfd[1].fd = down.len ? 1 : -1;
	pfd[1].events = POLLOUT;
	/* no interest, no fd: a reset socket would wake poll forever */
	pfd[2].events = (!down.eof && !down.len ? POLLIN : 0) | (up.len ? POLLOUT : 0);
	pfd[2].fd = pfd[2].events ? sock : -1;
}

/* Read what poll said is there, into the empty buffers; -1 on a socket error. */
static int relay_read(const struct pollfd pfd[3], int sock)
{
	if (pfd[0].revents) {		/* stdin: data, EOF or error */
		ssize_t r = read(0, up.data, opt.udp ? UDP_CHUNK : BUF_SIZE);

		if (r > 0)
			up.len = (size_t)r;
		else if (r == 0 || (errno != EINTR && errno != EAGAIN))
			up.eof = 1;
	}
	if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR) && !down.eof && !down.len) {
		ssize_t r = recv(sock, down.data, BUF_SIZE, 0);

		if (r > 0) {
			down.len = (size_t)r;
		} else if (r == 0 && !opt.udp) {
			down.eof = 1;
		} else if (r < 0 && errno != EINTR && errno != EAGAIN) {
			fprintf(stderr, "nc: recv: %s\n", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * The copy loop: until both directions end (TCP), or -q/-w expire.
 * Returns the exit status.
 */
static int relay(int sock)
{
	double quit_at = -1, idle_at = -1;
	int shut = 0;

	for (;;) {
		struct pollfd pfd[3];
		int n, timeout;
		double t;

		/* stdin finished and everything sent: tell the peer */
		if (up.eof && !up.len && !shut) {
			shut = 1;
			if (!opt.udp)
				shutdown(sock, SHUT_WR);
			if (opt.quit >= 0)
				quit_at = now() + opt.quit;
		}
		if (shut && down.eof && !down.len)
			return 0;
		t = now();
		if (quit_at >= 0 && t >= quit_at)
			return 0;
		if (opt.wait >= 0) {
			if (idle_at < 0)
				idle_at = t + opt.wait;
			if (t >= idle_at) {
				if (opt.verbose)
					fprintf(stderr, "nc: idle for %g s, quitting\n",
						opt.wait);
				return 0;
			}
		}
		timeout = ms_until(quit_at);
		if (idle_at >= 0 && (timeout < 0 || ms_until(idle_at) < timeout))
			timeout = ms_until(idle_at);

		relay_pollfds(pfd, sock);
		n = poll(pfd, 3, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("nc: poll");
			return 1;
		}
		if (n == 0)
			continue;
		if (opt.wait >= 0)
			idle_at = now() + opt.wait;

		if (relay_read(pfd, sock) < 0)
			return 1;
		/*
		 * Write at once what was just read: the socket cannot block
		 * (a UDP datagram goes whole or not at all), and stdout
		 * blocks only as long as its reader is slow.
		 */
		if (up.len && flush_some(sock, &up, 1) < 0) {
			fprintf(stderr, "nc: send: %s\n", strerror(errno));
			return 1;
		}
		if (down.len && flush_some(1, &down, 0) < 0) {
			perror("nc: write");
			return 1;
		}
	}
}

static void say_peer(const char *what, const struct sockaddr_in *sin)
{
	char a[INET_ADDRSTRLEN];

	if (!opt.verbose)
		return;
	inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
	fprintf(stderr, "nc: %s %s port %u [%s]\n", what, a,
		ntohs(sin->sin_port), opt.udp ? "udp" : "tcp");
}

static int run_client(const struct sockaddr_in *peer)
{
	int fd = socket(AF_INET, opt.udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	char a[INET_ADDRSTRLEN];

	if (fd < 0) {
		perror("nc: socket");
		return 1;
	}
	if (connect_timeout(fd, peer) < 0) {
		inet_ntop(AF_INET, &peer->sin_addr, a, sizeof(a));
		fprintf(stderr, "nc: connect to %s port %u (%s) failed: %s\n", a,
			ntohs(peer->sin_port), opt.udp ? "udp" : "tcp",
			strerror(errno));
		return 1;
	}
	say_peer(opt.zero ? "connection succeeded to" : "connected to", peer);
	if (opt.zero)
		return close(fd) < 0 ? 1 : 0;
	return relay(fd);
}

/* UDP listener: the first datagram's sender becomes the peer. */
static int udp_first_peer(int fd)
{
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	ssize_t r;

	do
		r = recvfrom(fd, down.data, BUF_SIZE, 0,
			     (struct sockaddr *)&from, &len);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		perror("nc: recvfrom");
		return -1;
	}
	down.len = (size_t)r;
	say_peer("datagram from", &from);
	if (connect(fd, (struct sockaddr *)&from, sizeof(from)) < 0) {
		perror("nc: connect");
		return -1;
	}
	set_nonblock(fd);
	return fd;
}

static int run_listener(const struct sockaddr_in *local)
{
	int fd = socket(AF_INET, opt.udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	int on = 1, conn;
	struct sockaddr_in from;
	socklen_t len = sizeof(from);

	if (fd < 0) {
		perror("nc: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)local, sizeof(*local)) < 0) {
		fprintf(stderr, "nc: bind to port %u: %s\n",
			ntohs(local->sin_port), strerror(errno));
		return 1;
	}
	say_peer("listening on", local);
	if (opt.udp) {
		conn = udp_first_peer(fd);
		return conn < 0 ? 1 : relay(conn);
	}
	if (listen(fd, 1) < 0) {
		perror("nc: listen");
		return 1;
	}
	do
		conn = accept(fd, (struct sockaddr *)&from, &len);
	while (conn < 0 && errno == EINTR);
	if (conn < 0) {
		perror("nc: accept");
		return 1;
	}
	close(fd);
	say_peer("connection from", &from);
	set_nonblock(conn);
	return relay(conn);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;
	const char *pflag = NULL, *addr = NULL, *port = NULL;
	int c, nargs;

	while ((c = getopt(argc, argv, "lup:w:q:zvh")) != -1) {
		switch (c) {
		case 'l': opt.listen = 1; break;
		case 'u': opt.udp = 1; break;
		case 'p': pflag = optarg; break;
		case 'w': opt.wait = parse_seconds(optarg, "timeout"); break;
		case 'q': opt.quit = parse_seconds(optarg, "quit delay"); break;
		case 'z': opt.zero = 1; break;
		case 'v': opt.verbose = 1; break;
		default: usage();
		}
	}
	nargs = argc - optind;
	if (opt.listen) {
		if (opt.zero)
			usage();
		if (pflag && nargs <= 1) {
			port = pflag;
			addr = nargs ? argv[optind] : NULL;
		} else if (!pflag && (nargs == 1 || nargs == 2)) {
			addr = nargs == 2 ? argv[optind] : NULL;
			port = argv[argc - 1];
		} else {
			usage();
		}
	} else {
		if (nargs != 2 || pflag || (opt.zero && opt.udp))
			usage();
		addr = argv[optind];
		port = argv[optind + 1];
	}
	parse_addr(addr ? addr : "0.0.0.0", parse_port(port), &sin);
	signal(SIGPIPE, SIG_IGN);
	return opt.listen ? run_listener(&sin) : run_client(&sin);
}
