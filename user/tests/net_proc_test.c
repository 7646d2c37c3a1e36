/*
 * net_proc_test.c - /proc/net/dev, /proc/net/tcp and /proc/net/udp in
 * Linux's formats: the header lines, and sockets this program opens on
 * 127.0.0.1 found by address and port with the right state, queue sizes,
 * owner and inode number (fstat's st_ino of the socket).
 *
 * Counters and timers move on their own, so nothing here asserts an exact
 * counter value: lo's counters must grow while data crosses it. States
 * that the other end reaches asynchronously (a connection queued on a
 * listener, TIME_WAIT) are waited for, up to a generous deadline.
 */
#include "utest.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <signal.h>
#include <time.h>

#define TCP_WIDTH	149		/* Linux pads every line of tcp to this */
#define UDP_WIDTH	127
#define WAIT_MS		10000		/* for a state the other side reaches */
#define ST_ESTABLISHED	0x01
#define ST_TIME_WAIT	0x06
#define ST_CLOSE	0x07
#define ST_LISTEN	0x0A

static const char tcp_header[] = "  sl  local_address rem_address   st tx_queue "
	"rx_queue tr tm->when retrnsmt   uid  timeout inode";
static const char udp_header[] = "   sl  local_address rem_address   st tx_queue "
	"rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";

/* One parsed line of /proc/net/tcp or udp (the columns both share). */
struct sockline {
	uint32_t laddr, raddr;		/* as Linux prints them: the s_addr value */
	unsigned int lport, rport, st;
	unsigned int txq, rxq, tr;
	unsigned long when;
	unsigned int retr, uid;
	int timeout;
	unsigned long ino;
	size_t len;			/* characters before the newline */
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The whole of @path in a malloc'd NUL-terminated buffer, or NULL. */
static char *read_file(const char *path)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = 0;
	return buf;
}

static int parse_sockline(const char *line, struct sockline *s)
{
	const char *nl = strchr(line, '\n');

	s->len = nl ? (size_t)(nl - line) : strlen(line);
	return sscanf(line, " %*d: %X:%X %X:%X %X %X:%X %X:%lX %X %u %d %lu",
		      &s->laddr, &s->lport, &s->raddr, &s->rport, &s->st, &s->txq, &s->rxq,
		      &s->tr, &s->when, &s->retr, &s->uid, &s->timeout, &s->ino) == 13;
}

/*
 * Find the line of /proc/net/@proto with local @l and remote @r (port 0
 * and address 0 as Linux prints an unconnected socket). 1 found, 0 not,
 * -1 the file could not be read or a line did not parse.
 */
static int find_sock(const char *proto, const struct sockaddr_in *l,
		     const struct sockaddr_in *r, struct sockline *out)
{
	char path[64], *text, *line;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/net/%s", proto);
	text = read_file(path);
	if (!text)
		return -1;
	line = strchr(text, '\n');		/* past the header */
	while (line && line[1]) {
		struct sockline s;

		line++;
		if (!parse_sockline(line, &s)) {
			found = -1;
			break;
		}
		if (s.laddr == l->sin_addr.s_addr && s.lport == ntohs(l->sin_port) &&
		    s.raddr == (r ? r->sin_addr.s_addr : 0) &&
		    s.rport == (r ? ntohs(r->sin_port) : 0u)) {
			*out = s;
			found = 1;
			break;
		}
		line = strchr(line, '\n');
	}
	free(text);
	return found;
}

/* find_sock() until the line is there in state @st, for up to WAIT_MS. */
static int wait_sock(const char *proto, const struct sockaddr_in *l,
		     const struct sockaddr_in *r, unsigned int st, struct sockline *out)
{
	for (int waited = 0; waited < WAIT_MS; waited += 20) {
		int f = find_sock(proto, l, r, out);

		if (f < 0 || (f == 1 && out->st == st))
			return f;
		sleep_ms(20);
	}
	return 0;
}

static struct sockaddr_in lo_addr(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static unsigned long fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* A socket of @type bound to 127.0.0.1 (an ephemeral port), its address in *@a. */
static int bound_socket(int type, struct sockaddr_in *a)
{
	socklen_t al = sizeof(*a);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	*a = lo_addr(0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)a, sizeof(*a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &al) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A listener on 127.0.0.1, its address in *@a. */
static int listener(struct sockaddr_in *a, int backlog)
{
	int fd = bound_socket(SOCK_STREAM, a);

	if (fd >= 0 && listen(fd, backlog) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A client connected to @to, its own address in *@me. */
static int connect_to(const struct sockaddr_in *to, struct sockaddr_in *me)
{
	socklen_t al = sizeof(*me);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) < 0 ||
	    getsockname(fd, (struct sockaddr *)me, &al) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- /proc/net itself ---- */

/* Whether directory @path lists @name. */
static int dir_lists(const char *path, const char *name)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int found = 0;

	while (d && (de = readdir(d)) != NULL)
		found |= !strcmp(de->d_name, name);
	if (d)
		closedir(d);
	return found;
}

static void net_is_directory(void)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int seen = 0;

	EXPECT(dir_lists("/proc", "net"), "/proc does not list net");
	EXPECT(dir_lists("/proc/self", "net"), "/proc/self does not list net");
	EXPECT(dir_lists("/proc/self", "task"), "/proc/self does not list task");

	/* Linux: a symlink to self/net, which stat follows. */
	EXPECT(stat("/proc/net", &st) == 0 && S_ISDIR(st.st_mode), "/proc/net: not a directory");
	EXPECT(stat("/proc/self/net", &st) == 0 && S_ISDIR(st.st_mode), "/proc/self/net");
	d = opendir("/proc/net");
	EXPECT(d, "opendir /proc/net: %s", strerror(errno));
	while ((de = readdir(d)) != NULL) {
		seen |= !strcmp(de->d_name, "dev") ? 1 : 0;
		seen |= !strcmp(de->d_name, "tcp") ? 2 : 0;
		seen |= !strcmp(de->d_name, "udp") ? 4 : 0;
	}
	closedir(d);
	EXPECT(seen == 7, "readdir /proc/net: dev, tcp, udp: found mask %d", seen);
	EXPECT(stat("/proc/self/net/tcp", &st) == 0 && S_ISREG(st.st_mode), "/proc/self/net/tcp");
}

/* ---- dev ---- */

struct dev_counters {
	unsigned long long v[16];	/* 8 receive, then 8 transmit columns */
};

#define RX_BYTES	0
#define RX_PACKETS	1
#define TX_BYTES	8
#define TX_PACKETS	9

/* Parse /proc/net/dev: the headers must be Linux's; @name's counters into *@c. */
static int read_dev(const char *name, struct dev_counters *c, char *why, size_t whylen)
{
	static const char h1[] = "Inter-|   Receive                                                |  Transmit\n";
	static const char h2[] = " face |bytes    packets errs drop fifo frame compressed multicast"
		"|bytes    packets errs drop fifo colls carrier compressed\n";
	char *text = read_file("/proc/net/dev"), *line;
	int found = 0;

	if (!text) {
		snprintf(why, whylen, "read /proc/net/dev: %s", strerror(errno));
		return -1;
	}
	if (strncmp(text, h1, strlen(h1)) || strncmp(text + strlen(h1), h2, strlen(h2))) {
		snprintf(why, whylen, "headers differ: %.200s", text);
		free(text);
		return -1;
	}
	for (line = text + strlen(h1) + strlen(h2); *line; ) {
		char *nl = strchr(line, '\n'), *colon = strchr(line, ':'), *n = line;
		struct dev_counters t;

		if (!nl || !colon || colon > nl) {
			snprintf(why, whylen, "bad line: %.100s", line);
			free(text);
			return -1;
		}
		while (*n == ' ')
			n++;
		/* The name is right-aligned in 6 columns, as "%6s:" prints it. */
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
			   "%llu %llu %llu %llu %llu", &t.v[0], &t.v[1], &t.v[2], &t.v[3], &t.v[4],
			   &t.v[5], &t.v[6], &t.v[7], &t.v[8], &t.v[9], &t.v[10], &t.v[11],
			   &t.v[12], &t.v[13], &t.v[14], &t.v[15]) != 16 ||
		    (colon - line < 6)) {
			snprintf(why, whylen, "bad line: %.100s", line);
			free(text);
			return -1;
		}
		if ((size_t)(colon - n) == strlen(name) && !strncmp(n, name, strlen(name))) {
			*c = t;
			found = 1;
		}
		line = nl + 1;
	}
	free(text);
	if (!found)
		snprintf(why, whylen, "no %s: line", name);
	return found ? 0 : -1;
}

static void dev_headers_and_lo(void)
{
	struct dev_counters c;
	char why[256];

	EXPECT(read_dev("lo", &c, why, sizeof(why)) == 0, "%s", why);
}

/* 20 datagrams of 1000 bytes to ourselves: lo's counters grow both ways. */
static void dev_lo_counts(void)
{
	struct dev_counters before, after;
	struct sockaddr_in a;
	char why[256], buf[1000] = { 0 };
	int u = bound_socket(SOCK_DGRAM, &a);

	EXPECT(u >= 0, "udp socket: %s", strerror(errno));
	EXPECT(read_dev("lo", &before, why, sizeof(why)) == 0, "%s", why);
	for (int i = 0; i < 20; i++) {
		struct pollfd p = { u, POLLIN, 0 };

		EXPECT(sendto(u, buf, sizeof(buf), 0, (struct sockaddr *)&a, sizeof(a)) ==
		       (ssize_t)sizeof(buf), "sendto: %s", strerror(errno));
		EXPECT(poll(&p, 1, WAIT_MS) == 1, "datagram %d did not come back", i);
		EXPECT(recv(u, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf), "recv: %s",
		       strerror(errno));
	}
	close(u);
	EXPECT(read_dev("lo", &after, why, sizeof(why)) == 0, "%s", why);
	EXPECT(after.v[RX_BYTES] > before.v[RX_BYTES] && after.v[RX_PACKETS] > before.v[RX_PACKETS],
	       "lo rx: %llu bytes %llu packets before, %llu %llu after", before.v[RX_BYTES],
	       before.v[RX_PACKETS], after.v[RX_BYTES], after.v[RX_PACKETS]);
	EXPECT(after.v[TX_BYTES] > before.v[TX_BYTES] && after.v[TX_PACKETS] > before.v[TX_PACKETS],
	       "lo tx: %llu bytes %llu packets before, %llu %llu after", before.v[TX_BYTES],
	       before.v[TX_PACKETS], after.v[TX_BYTES], after.v[TX_PACKETS]);
}

/* ---- tcp ---- */

/* The first line is the header, padded to @width; every line is that wide. */
static void check_header(const char *proto, const char *header, size_t width)
{
	char path[64], *text, *line;
	size_t hl = strlen(header);

	snprintf(path, sizeof(path), "/proc/net/%s", proto);
	text = read_file(path);
	EXPECT(text, "read %s: %s", path, strerror(errno));
	for (line = text; *line; ) {
		char *nl = strchr(line, '\n');

		if (!nl || (size_t)(nl - line) != width) {
			ut_fail("%s: a line of %zu characters, not %zu: %.160s", path,
				nl ? (size_t)(nl - line) : strlen(line), width, line);
			free(text);
			return;
		}
		line = nl + 1;
	}
	if (strncmp(text, header, hl) || strspn(text + hl, " ") != width - hl) {
		ut_fail("%s: header %.160s", path, text);
		free(text);
		return;
	}
	free(text);
}

static void tcp_header_and_width(void)
{
	struct sockaddr_in a;
	int l = listener(&a, 1);

	EXPECT(l >= 0, "listener: %s", strerror(errno));	/* at least one line */
	check_header("tcp", tcp_header, TCP_WIDTH);
	close(l);
}

/* A listener: 0A, nothing queued, our uid and its inode; gone once closed. */
static void tcp_listener(void)
{
	struct sockaddr_in a;
	struct sockline s;
	int l = listener(&a, 4);

	EXPECT(l >= 0, "listener: %s", strerror(errno));
	EXPECT(find_sock("tcp", &a, NULL, &s) == 1, "no line for 127.0.0.1:%u",
	       ntohs(a.sin_port));
	EXPECT(s.st == ST_LISTEN, "st %02X, want 0A", s.st);
	EXPECT(s.txq == 0 && s.rxq == 0, "queues %08X:%08X", s.txq, s.rxq);
	EXPECT(s.uid == geteuid(), "uid %u, want %u", s.uid, geteuid());
	EXPECT(s.ino == fd_ino(l) && s.ino != 0, "inode %lu, fstat says %lu", s.ino, fd_ino(l));
	EXPECT(s.len == TCP_WIDTH, "a line of %zu characters", s.len);
	close(l);
	EXPECT(find_sock("tcp", &a, NULL, &s) == 0, "the line outlived close()");
}

/* A bound socket that neither listens nor connects is in no list Linux prints. */
static void tcp_bound_not_listed(void)
{
	struct sockaddr_in a;
	struct sockline s;
	int fd = bound_socket(SOCK_STREAM, &a);

	EXPECT(fd >= 0, "bound socket: %s", strerror(errno));
	EXPECT(find_sock("tcp", &a, NULL, &s) == 0, "listed, st %02X", s.st);
	close(fd);
}

/*
 * A connected pair: both ends ESTABLISHED with their own inode numbers;
 * bytes the server has not read are its rx_queue.
 */
static void tcp_connected_pair(void)
{
	struct sockaddr_in la, ca;
	struct sockline cs, ss;
	char data[100] = { 0 };
	int l = listener(&la, 4), c, s, inq = 0;

	EXPECT(l >= 0, "listener: %s", strerror(errno));
	c = connect_to(&la, &ca);
	EXPECT(c >= 0, "connect: %s", strerror(errno));
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	EXPECT(s >= 0, "accept: %s", strerror(errno));
	EXPECT(find_sock("tcp", &ca, &la, &cs) == 1, "no client line");
	EXPECT(cs.st == ST_ESTABLISHED, "client st %02X", cs.st);
	EXPECT(cs.ino == fd_ino(c) && cs.ino, "client inode %lu, fstat %lu", cs.ino, fd_ino(c));
	EXPECT(cs.uid == geteuid(), "client uid %u", cs.uid);
	EXPECT(find_sock("tcp", &la, &ca, &ss) == 1, "no server line");
	EXPECT(ss.st == ST_ESTABLISHED, "server st %02X", ss.st);
	EXPECT(ss.ino == fd_ino(s) && ss.ino, "server inode %lu, fstat %lu", ss.ino, fd_ino(s));
	EXPECT(ss.rxq == 0, "server rx_queue %u before any data", ss.rxq);

	EXPECT(write(c, data, sizeof(data)) == (ssize_t)sizeof(data), "write: %s", strerror(errno));
	for (int waited = 0; inq < (int)sizeof(data) && waited < WAIT_MS; waited += 20) {
		EXPECT(ioctl(s, FIONREAD, &inq) == 0, "FIONREAD: %s", strerror(errno));
		if (inq < (int)sizeof(data))
			sleep_ms(20);
	}
	EXPECT(inq == (int)sizeof(data), "%d bytes arrived", inq);
	EXPECT(find_sock("tcp", &la, &ca, &ss) == 1, "no server line");
	EXPECT(ss.rxq == sizeof(data), "server rx_queue %u, want %zu unread", ss.rxq, sizeof(data));
	EXPECT(read(s, data, sizeof(data)) == (ssize_t)sizeof(data), "read: %s", strerror(errno));
	EXPECT(find_sock("tcp", &la, &ca, &ss) == 1, "no server line");
	EXPECT(ss.rxq == 0, "server rx_queue %u after reading", ss.rxq);
	close(c);
	close(s);
	close(l);
}

/*
 * Connections the listener has not accepted: its rx_queue counts them
 * (Linux's accept backlog), and theirs have no inode yet.
 */
static void tcp_accept_queue(void)
{
	struct sockaddr_in la, ca[2];
	struct sockline s;
	int l = listener(&la, 4), c[2];

	EXPECT(l >= 0, "listener: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		c[i] = connect_to(&la, &ca[i]);
		EXPECT(c[i] >= 0, "connect %d: %s", i, strerror(errno));
	}
	for (int waited = 0; waited < WAIT_MS; waited += 20) {
		EXPECT(find_sock("tcp", &la, NULL, &s) == 1, "no listener line");
		if (s.rxq == 2)
			break;
		sleep_ms(20);
	}
	EXPECT(s.st == ST_LISTEN && s.rxq == 2, "listener st %02X rx_queue %u, want 0A 2",
	       s.st, s.rxq);
	for (int i = 0; i < 2; i++) {
		EXPECT(find_sock("tcp", &la, &ca[i], &s) == 1, "no line for queued %d", i);
		EXPECT(s.st == ST_ESTABLISHED && s.ino == 0, "queued %d: st %02X inode %lu", i,
		       s.st, s.ino);
		EXPECT(s.uid == geteuid(), "queued %d: uid %u", i, s.uid);
		close(c[i]);
	}
	close(l);
}

/* The side that closes first ends in TIME_WAIT: Linux's short line, no inode. */
static void tcp_time_wait(void)
{
	struct sockaddr_in la, ca;
	struct sockline s;
	char x;
	int l = listener(&la, 4), c, a;

	EXPECT(l >= 0, "listener: %s", strerror(errno));
	c = connect_to(&la, &ca);
	EXPECT(c >= 0, "connect: %s", strerror(errno));
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	EXPECT(a >= 0, "accept: %s", strerror(errno));
	close(c);
	EXPECT(read(a, &x, 1) == 0, "no EOF at the server");
	close(a);
	close(l);
	EXPECT(wait_sock("tcp", &ca, &la, ST_TIME_WAIT, &s) == 1, "client never in TIME_WAIT");
	EXPECT(s.ino == 0 && s.uid == 0 && s.tr == 3 && s.txq == 0 && s.rxq == 0,
	       "TIME_WAIT line: inode %lu uid %u tr %u queues %u:%u", s.ino, s.uid, s.tr,
	       s.txq, s.rxq);
}

/* The uid column is the socket creator's, not the reader's. */
static void tcp_uid_of_creator(void)
{
	enum { UID = 4242 };
	struct sockaddr_in a;
	struct sockline s;
	int c2p[2], p2c[2], st;
	pid_t pid;
	char go;

	if (geteuid() != 0)
		SKIP("needs root to take another uid");
	EXPECT(pipe(c2p) == 0 && pipe(p2c) == 0, "pipe: %s", strerror(errno));
	pid = ut_fork_piped(c2p, p2c);
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int l;

		if (setresuid(UID, UID, UID) < 0)
			_exit(1);
		l = listener(&a, 1);
		if (l < 0 || write(c2p[1], &a, sizeof(a)) != sizeof(a))
			_exit(2);
		if (read(p2c[0], &go, 1) < 0)
			_exit(3);
		_exit(0);
	}
	EXPECT(read(c2p[0], &a, sizeof(a)) == sizeof(a), "child did not listen");
	EXPECT(find_sock("tcp", &a, NULL, &s) == 1, "no line for the child's listener");
	EXPECT(write(p2c[1], "x", 1) == 1, "write");
	close(c2p[0]);
	close(p2c[1]);
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "child status %#x", st);
	EXPECT(s.uid == UID, "uid %u, want %u", s.uid, UID);
}

/* ---- udp ---- */

static void udp_header_and_width(void)
{
	struct sockaddr_in a;
	int u = bound_socket(SOCK_DGRAM, &a);

	EXPECT(u >= 0, "udp socket: %s", strerror(errno));
	check_header("udp", udp_header, UDP_WIDTH);
	close(u);
}

/* Bound: 07 with no peer; a datagram waiting counts in rx_queue; connected: 01. */
static void udp_bound_and_connected(void)
{
	struct sockaddr_in a, b;
	struct sockline s;
	struct pollfd p;
	char data[200] = { 0 };
	int u = bound_socket(SOCK_DGRAM, &a), v = bound_socket(SOCK_DGRAM, &b);

	EXPECT(u >= 0 && v >= 0, "udp sockets: %s", strerror(errno));
	EXPECT(find_sock("udp", &a, NULL, &s) == 1, "no line for 127.0.0.1:%u",
	       ntohs(a.sin_port));
	EXPECT(s.st == ST_CLOSE, "st %02X, want 07", s.st);
	EXPECT(s.ino == fd_ino(u) && s.ino, "inode %lu, fstat %lu", s.ino, fd_ino(u));
	EXPECT(s.uid == geteuid(), "uid %u", s.uid);
	EXPECT(s.txq == 0 && s.rxq == 0, "queues %08X:%08X", s.txq, s.rxq);

	EXPECT(sendto(v, data, sizeof(data), 0, (struct sockaddr *)&a, sizeof(a)) ==
	       (ssize_t)sizeof(data), "sendto: %s", strerror(errno));
	p = (struct pollfd){ u, POLLIN, 0 };
	EXPECT(poll(&p, 1, WAIT_MS) == 1, "the datagram did not arrive");
	EXPECT(find_sock("udp", &a, NULL, &s) == 1, "no line");
	EXPECT(s.rxq >= sizeof(data), "rx_queue %u with %zu bytes queued", s.rxq, sizeof(data));
	EXPECT(recv(u, data, sizeof(data), 0) == (ssize_t)sizeof(data), "recv: %s", strerror(errno));
	EXPECT(find_sock("udp", &a, NULL, &s) == 1, "no line");
	EXPECT(s.rxq == 0, "rx_queue %u after reading", s.rxq);

	EXPECT(connect(u, (struct sockaddr *)&b, sizeof(b)) == 0, "connect: %s", strerror(errno));
	EXPECT(find_sock("udp", &a, &b, &s) == 1, "no line for the connected socket");
	EXPECT(s.st == ST_ESTABLISHED, "st %02X, want 01", s.st);
	EXPECT(s.ino == fd_ino(u), "inode %lu, fstat %lu", s.ino, fd_ino(u));
	close(u);
	close(v);
	EXPECT(find_sock("udp", &a, &b, &s) == 0, "the line outlived close()");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	ut_begin("net_proc_test");
	RUN(net_is_directory);
	RUN(dev_headers_and_lo);
	RUN(dev_lo_counts);
	RUN(tcp_header_and_width);
	RUN(tcp_listener);
	RUN(tcp_bound_not_listed);
	RUN(tcp_connected_pair);
	RUN(tcp_accept_queue);
	RUN(tcp_time_wait);
	RUN(tcp_uid_of_creator);
	RUN(udp_header_and_width);
	RUN(udp_bound_and_connected);
	return ut_end();
}
