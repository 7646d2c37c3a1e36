/*
 * nettest.c - /net/nettest: the guest side of the host-driven network
 * tests (tests/harness.py, the net-* boots; tests/netcheck.py is the host
 * side). Booted as pid 1 (init=/net/nettest -- MODE ...) or run as a
 * helper command by the shell commands the host sends.
 *
 *	nettest serve			pid 1 of the user-network boots
 *	nettest pair-recv ADDR PORT	pid 1 of the first guest of a pair
 *	nettest pair-send ADDR PORT BYTES   pid 1 of the second guest
 *	nettest gen BYTES [SEED]	the test data stream, to stdout
 *	nettest udp-client ADDR PORT COUNT  UDP datagrams echoed back?
 *
 * serve: waits for eth0's address (DHCP from QEMU's user network), makes
 * /tmp/www/big.bin (16 MiB of `gen`) and small.bin (its first MiB), hashes
 * big.bin with /bin/sha256sum,
 * starts /bin/httpd on port 80 over /tmp/www, a UDP echo server on port
 * 7 and a TCP listener on port 9 that closes what it accepts (the target
 * of net-flood's SYNs, so that they fill its backlog, not httpd's), prints
 *
 *	NETTEST READY eth0=10.0.2.15 big.bin=16777216 sha256=<hex>
 *
 * and then obeys the control port CTL_PORT (QEMU forwards a port of the
 * host's 127.0.0.1 to it): each connection carries one command line,
 * which runs as `/bin/sh -c LINE` with stdout and stderr on the
 * connection and stdin from /dev/null; after it the agent writes the
 * line "NETTEST-EXIT <status>" and closes. The serial log gets
 * "NETTEST RUN <line>" and "NETTEST EXIT <status>" for each. The line
 * "quit" stops the servers (a server that died early is reported), prints
 * "NETTEST DONE <n> problems" and exits, 0 if none: as pid 1 that ends
 * the boot. The agent runs whatever it is sent: it exists only in test
 * images, reached only through a port on the host's loopback address.
 *
 * pair-recv / pair-send: two guests joined by QEMU's socket network,
 * each with a static address (ip=). The receiver runs
 * `nc -l ADDR PORT </dev/null | sha256sum` and prints
 * "NETTEST PAIR received sha256=<hex>"; the sender hashes `gen BYTES 2`
 * (printing "NETTEST PAIR sent bytes=N sha256=<hex>") and pipes the same
 * stream to `nc ADDR PORT`, retrying while the receiver is not listening
 * yet. The harness compares the two hashes.
 *
 * gen: BYTES bytes of SplitMix64 output (each 64-bit word little-endian)
 * from SEED (default 1): a fixed stream, cheap to make on both sides.
 *
 * udp-client: COUNT datagrams of 1 to 1400 bytes and a last one of 3000
 * (sent in IP fragments) to ADDR:PORT, each resent up to 5 times until
 * its echo arrives unchanged; exit 0 if all did.
 *
 * Only numeric addresses; the user-network boots address nothing but
 * QEMU's gateway 10.0.2.2 (see tests/netcheck.py).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CTL_PORT	7777		/* the control port (serve) */
#define ECHO_PORT	7		/* UDP echo (serve) */
#define DISCARD_PORT	9		/* TCP: accepts and closes (serve) */
#define BIG_SIZE	(16u << 20)	/* /tmp/www/big.bin */
#define SMALL_SIZE	(1u << 20)	/* /tmp/www/small.bin: big.bin's start */
#define ADDR_WAIT_S	120		/* for DHCP: TCG clocks are slow */
#define CMD_MAX		4096		/* a control command line */
#define IO_SIZE		65536
#define UDP_MAX		3000		/* udp-client's largest datagram */

static int problems;			/* serve: counted at quit */

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void problem(const char *fmt, ...)
{
	va_list ap;

	fputs("NETTEST PROBLEM ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	problems++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: nettest serve\n"
		"       nettest pair-recv ADDR PORT\n"
		"       nettest pair-send ADDR PORT BYTES\n"
		"       nettest gen BYTES [SEED]\n"
		"       nettest udp-client ADDR PORT COUNT\n");
	exit(2);
}

static long long parse_num(const char *s, long long min, long long max)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (!*s || *end || v < min || v > max) {
		fprintf(stderr, "nettest: bad number: %s\n", s);
		exit(2);
	}
	return v;
}

static void parse_addr(const char *s, const char *port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)parse_num(port, 1, 65535));
	if (inet_pton(AF_INET, s, &sin->sin_addr) != 1) {
		fprintf(stderr, "nettest: not a numeric IPv4 address: %s\n", s);
		exit(2);
	}
}

/* ---------------------------------------------------------------- gen */

/* SplitMix64 (Steele, Lea, Flood 2014): one 64-bit word per step. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write @bytes of the stream from @seed to @fd; 0 or -1 (errno). */
static int gen_stream(int fd, unsigned long long bytes, uint64_t seed)
{
	static uint8_t buf[IO_SIZE];
	uint64_t state = seed;

	while (bytes) {
		size_t n = bytes < sizeof(buf) ? (size_t)bytes : sizeof(buf);

		for (size_t i = 0; i < n; i += 8) {
			uint64_t w = splitmix64(&state);

			for (size_t j = 0; j < 8 && i + j < n; j++)
				buf[i + j] = (uint8_t)(w >> (8 * j));
		}
		if (write_all(fd, buf, n) < 0)
			return -1;
		bytes -= n;
	}
	return 0;
}

static int cmd_gen(int argc, char **argv)
{
	if (argc < 3 || argc > 4)
		usage();
	signal(SIGPIPE, SIG_DFL);
	if (gen_stream(1, (unsigned long long)parse_num(argv[2], 0, 1ll << 40),
		       argc == 4 ? (uint64_t)parse_num(argv[3], 0, 1ll << 62) : 1) < 0) {
		fprintf(stderr, "nettest gen: write: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- udp-client */

static int cmd_udp_client(int argc, char **argv)
{
	static uint8_t out[UDP_MAX], in[UDP_MAX + 1];
	struct sockaddr_in to;
	long count;
	int fd, fails = 0;

	if (argc != 5)
		usage();
	parse_addr(argv[2], argv[3], &to);
	count = (long)parse_num(argv[4], 1, 100000);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		fprintf(stderr, "nettest udp-client: socket/connect: %s\n", strerror(errno));
		return 1;
	}
	for (long i = 0; i < count; i++) {
		/* sizes from 1 up, the last ones past one frame (fragments) */
		size_t len = i == count - 1 ? UDP_MAX : 1 + (size_t)(i * 997) % 1400;
		int tries, ok = 0;

		for (size_t j = 0; j < len; j++)
			out[j] = (uint8_t)(i * 31 + j * 7);
		memcpy(out, &i, len < sizeof(i) ? len : sizeof(i));
		for (tries = 0; tries < 5 && !ok; tries++) {
			double deadline = now() + 2.0;

			if (send(fd, out, len, 0) != (ssize_t)len) {
				fprintf(stderr, "datagram %ld: send: %s\n", i, strerror(errno));
				continue;
			}
			while (!ok) {
				struct pollfd p = { .fd = fd, .events = POLLIN };
				double left = deadline - now();
				ssize_t n;

				if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
					break;
				n = recv(fd, in, sizeof(in), 0);
				if (n < 0) {
					fprintf(stderr, "datagram %ld: recv: %s\n", i, strerror(errno));
					break;
				}
				/* a late echo of an earlier datagram is skipped */
				ok = (size_t)n == len && !memcmp(in, out, len);
			}
		}
		if (!ok) {
			fprintf(stderr, "datagram %ld (%zu bytes): no echo after %d tries\n",
				i, len, tries);
			fails++;
		}
	}
	close(fd);
	printf("udp-client: %ld datagrams, %ld echoed\n", count, count - fails);
	return fails ? 1 : 0;
}

/* ---------------------------------------------------------------- pid 1 */

static void mount_one(const char *fstype, const char *dir, mode_t mode)
{
	mkdir(dir, mode);
	if (mount(fstype, dir, fstype, 0, NULL) < 0 && errno != EBUSY)
		fprintf(stderr, "nettest: mount %s on %s: %s\n", fstype, dir, strerror(errno));
}

/* What an init provides: file systems, fds 0-2 (output on the console). */
static void setup_as_init(void)
{
	int fd;

	mount_one("proc", "/proc", 0555);
	mount_one("devtmpfs", "/dev", 0755);
	mount_one("tmpfs", "/tmp", 01777);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	fd = open("/dev/console", O_WRONLY | O_NOCTTY);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/*
 * Run `/bin/sh -c @line` with stdin from /dev/null and stdout/stderr on
 * @out (-1: inherited); returns its wait status, or -1 if it could not
 * start.
 */
static int run_sh(const char *line, int out)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

/* Exit status as a number: the code, or 128 + signal as a shell says it. */
static int status_code(int st)
{
	if (st < 0)
		return 127;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * Run @line with its stdout captured into @buf (at most @size - 1 bytes,
 * NUL-terminated); returns the exit status as status_code() gives it.
 */
static int run_capture(const char *line, char *buf, size_t size)
{
	int p[2], code;
	size_t len = 0;
	pid_t pid;
	int st;

	buf[0] = '\0';
	if (pipe(p) < 0)
		return 127;
	pid = fork();
	if (pid < 0)
		return 127;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		close(p[0]);
		if (null >= 0)
			dup2(null, 0);
		dup2(p[1], 1);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		char junk[256];
		ssize_t n = len + 1 < size ? read(p[0], buf + len, size - 1 - len)
					   : read(p[0], junk, sizeof(junk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + 1 < size)
			len += (size_t)n;
	}
	buf[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	code = status_code(st);
	return code;
}

/* The 64 hex digits at the start of sha256sum's output, or NULL. */
static const char *sha_of(char *out)
{
	size_t n = strspn(out, "0123456789abcdef");

	if (n != 64)
		return NULL;
	out[64] = '\0';
	return out;
}

/*
 * Wait until @ifname has an IPv4 address; fills @addr. 0, or -1 with
 * errno set. Pagoda refuses AF_INET sockets (ENETDOWN) until lwIP's
 * thread has started, which at boot may be after pid 1 does: retried.
 */
static int wait_address(const char *ifname, char *addr, size_t size)
{
	double deadline = now() + ADDR_WAIT_S;
	int fd = -1;

	while (now() < deadline) {
		struct ifreq r;

		if (fd < 0 && (fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0) {
			if (errno != ENETDOWN)
				return -1;
			usleep(100 * 1000);
			continue;
		}
		memset(&r, 0, sizeof(r));
		strncpy(r.ifr_name, ifname, IFNAMSIZ - 1);
		if (ioctl(fd, SIOCGIFADDR, &r) == 0) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&r.ifr_addr;

			if (sin->sin_addr.s_addr != 0) {
				inet_ntop(AF_INET, &sin->sin_addr, addr, (socklen_t)size);
				close(fd);
				return 0;
			}
		}
		usleep(100 * 1000);
	}
	if (fd >= 0)
		close(fd);
	errno = ETIMEDOUT;
	return -1;
}

/* serve's UDP echo server (a child process): every datagram back to its sender. */
static void udp_echo_server(int fd)
{
	static uint8_t buf[65536];

	for (;;) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
	}
}

static pid_t start_udp_echo(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(ECHO_PORT) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	pid_t pid;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		problem("udp echo: socket/bind port %d: %s", ECHO_PORT, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0)
		udp_echo_server(fd);
	close(fd);
	return pid;
}

/* serve's discard listener (a child): accept, close. */
static pid_t start_discard(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(DISCARD_PORT) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 8) < 0) {
		problem("discard: socket/bind/listen port %d: %s", DISCARD_PORT, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		for (;;) {
			int c = accept(fd, NULL, NULL);

			if (c >= 0)
				close(c);
		}
	}
	close(fd);
	return pid;
}

static pid_t start_httpd(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* the request log (one line each) goes to the console */
		execl("/bin/httpd", "httpd", "-p", "80", "-d", "/tmp/www", "-t", "60",
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* A TCP listener on 0.0.0.0:@port, or -1. */
static int listen_on(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 4) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read one '\n'-terminated line from @fd (30 s at most); its length or -1. */
static int read_line(int fd, char *buf, size_t size)
{
	double deadline = now() + 30;
	size_t len = 0;

	while (len + 1 < size) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - now();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			return -1;
		n = read(fd, buf + len, 1);
		if (n <= 0)
			return -1;
		if (buf[len] == '\n') {
			if (len && buf[len - 1] == '\r')
				len--;
			buf[len] = '\0';
			return (int)len;
		}
		len++;
	}
	return -1;
}

/* serve's servers (children), to reap and to stop at the end. */
static struct server {
	const char *name;
	pid_t pid;			/* <= 0: not running */
} servers[3];

/* Reap finished children; a server among them is a problem. */
static void reap(void)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (unsigned int i = 0; i < sizeof(servers) / sizeof(servers[0]); i++)
			if (servers[i].pid == pid) {
				servers[i].pid = 0;
				problem("%s exited early (status %d)", servers[i].name,
					status_code(st));
			}
}

/* The control loop: one command per connection until "quit". */
static void serve_commands(int lfd)
{
	static char line[CMD_MAX];

	for (;;) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		char tail[32];
		int c, code;

		reap();
		if (poll(&p, 1, 1000) <= 0)
			continue;
		c = accept(lfd, NULL, NULL);
		if (c < 0)
			continue;
		if (read_line(c, line, sizeof(line)) < 0) {
			say("NETTEST control: no command line");
			close(c);
			continue;
		}
		say("NETTEST RUN %s", line);
		if (!strcmp(line, "quit")) {
			write_all(c, "NETTEST-EXIT 0\n", 15);
			close(c);
			break;
		}
		code = status_code(run_sh(line, c));
		say("NETTEST EXIT %d", code);
		snprintf(tail, sizeof(tail), "NETTEST-EXIT %d\n", code);
		write_all(c, tail, strlen(tail));
		close(c);
	}
	reap();
	for (unsigned int i = 0; i < sizeof(servers) / sizeof(servers[0]); i++)
		if (servers[i].pid > 0) {
			kill(servers[i].pid, SIGTERM);
			waitpid(servers[i].pid, NULL, 0);
		}
}

static int cmd_serve(void)
{
	static char out[512];
	char addr[INET_ADDRSTRLEN], cmd[256];
	const char *sha;
	int lfd, code, tries = 0;
	double t0;

	t0 = now();
	if (wait_address("eth0", addr, sizeof(addr)) < 0) {
		say("NETTEST FATAL eth0 has no address after %.1f s: %s", now() - t0,
		    strerror(errno));
		return 1;
	}
	mkdir("/tmp/www", 0755);
	snprintf(cmd, sizeof(cmd), "/net/nettest gen %u 1 > /tmp/www/big.bin && "
		 "/net/nettest gen %u 1 > /tmp/www/small.bin && "
		 "/bin/sha256sum /tmp/www/big.bin", BIG_SIZE, SMALL_SIZE);
	code = run_capture(cmd, out, sizeof(out));
	sha = sha_of(out);
	if (code != 0 || !sha) {
		say("NETTEST FATAL making big.bin: status %d, output %s", code, out);
		return 1;
	}
	lfd = listen_on(CTL_PORT);
	if (lfd < 0) {
		say("NETTEST FATAL control port %d: %s", CTL_PORT, strerror(errno));
		return 1;
	}
	servers[0] = (struct server){ "httpd", start_httpd() };
	servers[1] = (struct server){ "udp echo server", start_udp_echo() };
	servers[2] = (struct server){ "discard listener", start_discard() };
	/* ready once it answers here (wget exits 4 while nothing listens) */
	do {
		if (tries++)
			usleep(200 * 1000);
		code = status_code(run_sh("/bin/wget -q -O /dev/null http://127.0.0.1:80/", -1));
	} while (code != 0 && tries < 100);
	if (code != 0)
		problem("httpd does not answer on 127.0.0.1:80 (wget status %d)", code);
	say("NETTEST READY eth0=%s big.bin=%u sha256=%s", addr, BIG_SIZE, sha);
	serve_commands(lfd);
	close(lfd);
	say("NETTEST DONE %d problems", problems);
	return problems ? 1 : 0;
}

static int cmd_pair_recv(int argc, char **argv)
{
	static char out[512], cmd[256];
	char addr[INET_ADDRSTRLEN];
	struct sockaddr_in sin;
	const char *sha;
	int code;

	if (argc != 4)
		usage();
	parse_addr(argv[2], argv[3], &sin);	/* checked here, used by nc */
	if (wait_address("eth0", addr, sizeof(addr)) < 0) {
		say("NETTEST FATAL eth0 has no address: %s", strerror(errno));
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "/bin/nc -l %s %s < /dev/null | /bin/sha256sum",
		 argv[2], argv[3]);
	say("NETTEST READY pair-recv %s:%s", argv[2], argv[3]);
	code = run_capture(cmd, out, sizeof(out));
	sha = sha_of(out);
	if (code != 0 || !sha) {
		say("NETTEST FATAL pair-recv: status %d, output %s", code, out);
		return 1;
	}
	say("NETTEST PAIR received sha256=%s", sha);
	return 0;
}

/*
 * Whether a TCP connection to remote port @port still holds data the peer
 * has not acknowledged: a /proc/net/tcp line (Linux's format) with that
 * remote port in ESTABLISHED (01), FIN_WAIT1 (04), CLOSING (0B) or
 * LAST_ACK (09). nc's close() leaves the rest of the stream to the kernel;
 * only once our FIN is acknowledged (FIN_WAIT2, TIME_WAIT or gone) has the
 * receiver's TCP everything, and this machine may power off.
 */
static int tcp_undelivered(unsigned int port)
{
	char line[256];
	FILE *f = fopen("/proc/net/tcp", "r");
	int busy = 0;

	if (!f)
		return 1;			/* cannot tell: assume not yet */
	while (fgets(line, sizeof(line), f)) {
		unsigned int rport, st;

		if (sscanf(line, " %*d: %*x:%*x %*x:%x %x", &rport, &st) == 2 && rport == port &&
		    (st == 0x01 || st == 0x04 || st == 0x0b || st == 0x09))
			busy = 1;
	}
	fclose(f);
	return busy;
}

static int cmd_pair_send(int argc, char **argv)
{
	static char out[512], cmd[256];
	char addr[INET_ADDRSTRLEN];
	struct sockaddr_in sin;
	unsigned long long bytes;
	double t0, deadline;
	const char *sha;
	int code, tries = 0;

	if (argc != 5)
		usage();
	parse_addr(argv[2], argv[3], &sin);
	bytes = (unsigned long long)parse_num(argv[4], 0, 1ll << 40);
	if (wait_address("eth0", addr, sizeof(addr)) < 0) {
		say("NETTEST FATAL eth0 has no address: %s", strerror(errno));
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "/net/nettest gen %llu 2 | /bin/sha256sum", bytes);
	code = run_capture(cmd, out, sizeof(out));
	sha = sha_of(out);
	if (code != 0 || !sha) {
		say("NETTEST FATAL pair-send: hashing: status %d, output %s", code, out);
		return 1;
	}
	say("NETTEST PAIR sent bytes=%llu sha256=%s", bytes, sha);
	/* nc exits 1 when refused: the receiver may not be listening yet */
	snprintf(cmd, sizeof(cmd), "/net/nettest gen %llu 2 | /bin/nc -w 60 %s %s",
		 bytes, argv[2], argv[3]);
	t0 = now();
	deadline = t0 + 120;
	do {
		if (tries++)
			sleep(1);
		code = status_code(run_sh(cmd, -1));
	} while (code == 1 && now() < deadline);
	/* Power off only once the receiver's TCP has acknowledged it all. */
	deadline = now() + 120;
	while (code == 0 && tcp_undelivered((unsigned int)ntohs(sin.sin_port)) &&
	       now() < deadline)
		usleep(100 * 1000);
	say("NETTEST PAIR send status=%d tries=%d seconds=%.1f", code, tries, now() - t0);
	return code;
}

int main(int argc, char **argv)
{
	int code;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "gen"))
		return cmd_gen(argc, argv);
	if (!strcmp(argv[1], "udp-client"))
		return cmd_udp_client(argc, argv);
	if (getpid() == 1)
		setup_as_init();
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[1], "serve") && argc == 2)
		code = cmd_serve();
	else if (!strcmp(argv[1], "pair-recv"))
		code = cmd_pair_recv(argc, argv);
	else if (!strcmp(argv[1], "pair-send"))
		code = cmd_pair_send(argc, argv);
	else
		usage();
	return code;
}
