/*
 * netbench.c - time TCP through the NIC of the kernel it runs on, with a
 * peer on the host, so that Pagoda and Linux can be compared in the same
 * QEMU machine (tools/bench's network boots).
 *
 *	netbench [--quick] [--profile] [--size MiB] [--reps N] [--conns N]
 *
 * Defaults: 64 MiB per transfer, 3 samples per metric, 200 connections per
 * sample; --quick is 8 MiB, 2 samples, 20 connections.  --size, --reps
 * and --conns override --quick.  --profile prints the busiest kernel
 * functions after each metric, as mmbench --profile does (Pagoda booted
 * with profile=N; nothing on Linux).  The metrics, in output order:
 *
 *   tcp_host_to_guest   MB/s    the peer sends SIZE MiB on a fresh
 *                               connection, netbench reads them all and
 *                               answers one byte
 *   tcp_guest_to_host   MB/s    netbench sends SIZE MiB on a fresh
 *                               connection; the peer reads them all
 *   tcp_connections     conn/s  the peer opens CONNS connections one
 *                               after another; for each, netbench
 *                               accepts, reads a 16-byte header, answers
 *                               one byte: connect, a request-response
 *                               round trip and the close, per connection
 *
 * The peer closes every data connection first, when it has the last byte;
 * netbench closes when it sees that (see close_after_peer()).
 *
 * MB is 10^6 bytes.  Each metric is sampled --reps times and reported as
 * the median sample, with the min, the max and the number of samples, in
 * mmbench's format (rates: tools/bench takes a unit ending in "/s" as
 * higher-is-better):
 *
 *   BENCH <metric> <median> <unit> min <min> max <max> n <samples>
 *   BENCH <metric> unsupported <ERRNO_NAME> <short reason>
 *
 * preceded by "BENCH boottime", "BENCH kernel" and "BENCH config" lines
 * and followed by "BENCH DONE".
 *
 * The network.  QEMU's user network (slirp) with restrict=on: nothing
 * the guest sends leaves QEMU.  netbench gives eth0 the address slirp's
 * DHCP would (10.0.2.15/24) with the SIOCSIFADDR, SIOCSIFNETMASK and
 * SIOCSIFFLAGS ioctls, brings lo up the same way, and listens on TCP port
 * 5001; QEMU forwards 127.0.0.1:<port> on the host there (hostfwd), so
 * the peer's connections arrive from slirp's 10.0.2.2.  netbench never
 * opens a connection itself and sends only answers: it addresses nobody
 * but 10.0.2.2.  No route is needed: 10.0.2.2 is on eth0's subnet.  The
 * same ioctls run on both kernels; on Linux, whose cloud kernel builds
 * virtio_pci and virtio_net as modules, the modules listed in
 * /lib/modules/load-order (tools/linux-qemu-run --module puts them in the
 * initramfs) are loaded first with finit_module(2).  Pagoda has no such
 * file and its driver is built in.
 *
 * The protocol (the peer is tools/netbench-peer; lines end in "\n").
 * netbench leads: it accepts a connection, sends "netbench hello 1" and
 * waits for "peer hello 1".  A connection that does not answer in time
 * (the peer gave up on it while the guest was still booting) is closed
 * and the next one accepted.  That connection is the control connection
 * for the rest of the run; each sample is one request on it:
 *
 *   netbench -> peer         peer                             peer -> netbench
 *   "rx SEQ BYTES"           connect, send the header, then   "took SEQ NS"
 *                            BYTES bytes, read one byte, close
 *   "tx SEQ BYTES"           connect, send the header, read
 *                            BYTES bytes, close               "took SEQ NS"
 *   "conn SEQ N"             N times: connect, send the
 *                            header, read one byte, close     "took SEQ NS"
 *   "bye 0 0"                close (netbench waits for that) and exit
 *
 * Every data connection starts with the 16-byte header "nbdata %08u\n"
 * of its request's SEQ; netbench drops a connection with another header
 * (a stray from before the hello).  A peer that cannot do a request
 * answers "fail SEQ <reason>".
 *
 * Timing is the host's: NS is measured by the peer with the host's
 * monotonic clock, from just before it connects the (first) data
 * connection until it has the last byte (rx: netbench's answer; conn:
 * the last connection's).  One clock, in one program, times both
 * kernels, and a transfer counts as done only when the last byte has
 * arrived at the other end: the guest's
 * own clock would have to be trusted on two different kernels'
 * calibrations of a TCG TSC, and a sender's clock stops when its data
 * is still in its socket buffer (Linux's may hold megabytes).  netbench
 * also times each sample with its CLOCK_MONOTONIC (from the accept to its
 * last read or write) and prints both on a "netbench:" line, for the log,
 * with eth0's frame counts over each metric (from /proc/net/dev: how many
 * ACKs a kernel sends per MB it receives, for one).
 *
 * Errors.  A system call that fails reports its metric as unsupported
 * with the errno and ends the run's measurements (the control connection
 * may be out of step): the remaining metrics are reported unsupported
 * too, and BENCH DONE follows.  Each step has an alarm (no SA_RESTART), so
 * netbench never hangs; a step that outlives it is ETIMEDOUT.
 *
 * Booted as PID 1 it makes sure the console is open, mounts /proc and
 * powers the machine off at the end, as mmbench does.  Run as an ordinary
 * process it leaves the modules and interfaces alone (a host's eth0 is
 * not its to configure) and only listens: "netbench --quick &
 * tools/netbench-peer 5001" runs it over the host's loopback.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_finit_module
#define SYS_finit_module	313
#endif

#define IFACE		"eth0"
#define GUEST_ADDR	"10.0.2.15"	/* slirp's first DHCP lease */
#define GUEST_MASK	"255.255.255.0"
#define LOAD_ORDER	"/lib/modules/load-order"

enum {
	PORT = 5001,
	CHUNK = 64 << 10,	/* read(2)/write(2) size of the transfers */
	HDR_LEN = 16,		/* "nbdata %08u\n" */
	LINE_MAX_LEN = 128,	/* a control line */
	MAX_REPS = 50,
	IFACE_WAIT_MS = 10000,	/* for eth0 to appear */
	PEER_WAIT_S = 300,	/* for the peer's first good connection */
	HELLO_WAIT_S = 10,	/* for the peer's answer to the hello */
	MAX_STRAYS = 16,	/* connections with a wrong header, per accept */
};

/* What one run does: set from the command line in parse_args(). */
static struct config {
	long size_mib;
	long reps;		/* samples per metric */
	long conns;		/* connections per tcp_connections sample */
	unsigned step_s;	/* alarm per sample */
	int quick;
	int profile;		/* --profile: /proc/profile after each metric */
	size_t bytes;		/* size_mib in bytes */
} cfg;

static char buf[CHUNK];
static volatile sig_atomic_t alarmed;

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static const char *errno_name(int e)
{
	static char name[24];

	switch (e) {
#define E(x) case x: return #x
	E(EPERM); E(ENOENT); E(EINTR); E(EIO); E(EBADF); E(EAGAIN);
	E(ENOMEM); E(EACCES); E(EFAULT); E(EBUSY); E(EEXIST); E(ENODEV);
	E(EINVAL); E(ENFILE); E(EMFILE); E(EPIPE); E(ENOSYS); E(EPROTO);
	E(ENOTSOCK); E(EOPNOTSUPP); E(EADDRINUSE); E(EADDRNOTAVAIL);
	E(ENETDOWN); E(ENETUNREACH); E(ECONNABORTED); E(ECONNRESET);
	E(ENOBUFS); E(ENOTCONN); E(ETIMEDOUT); E(ECONNREFUSED); E(ENOEXEC);
	E(ENOTTY);
#undef E
	}
	snprintf(name, sizeof(name), "ERRNO%d", e);
	return name;
}

/* ---- the watchdog: an alarm that makes a blocked call fail ---- */

static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

/* Arm the alarm for @secs seconds (0: disarm). */
static void deadline(unsigned secs)
{
	alarmed = 0;
	alarm(secs);
}

/* errno of a failed call, ETIMEDOUT if the alarm interrupted it. */
static int call_error(void)
{
	return errno == EINTR && alarmed ? ETIMEDOUT : errno;
}

/* ---- reports, as mmbench's ---- */

/* --profile: start /proc/profile's counts again. */
static void profile_reset(void)
{
	FILE *f;

	if (cfg.profile && (f = fopen("/proc/profile", "w"))) {
		fputs("0\n", f);
		fclose(f);
	}
}

/* --profile: the top of /proc/profile for @metric, then reset it. */
static void profile_dump(const char *metric)
{
	char line[160];
	FILE *f;
	int n = 0;

	if (!cfg.profile || !(f = fopen("/proc/profile", "r")))
		return;
	/* The header, the 15 busiest functions, and the contended locks. */
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "contended", 9))
			n = -1000;
		if (n++ < 16)
			printf("PROFILE %s %s", metric, line);
	}
	fclose(f);
	profile_reset();
}

/* One metric: median, min and max of @n samples (sorts @v). */
static void report(const char *metric, const char *unit, double *v, int n)
{
	double median;

	qsort(v, n, sizeof(*v), cmp_double);
	median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	printf("BENCH %s %.2f %s min %.2f max %.2f n %d\n",
	       metric, median, unit, v[0], v[n - 1], n);
	profile_dump(metric);
	fflush(stdout);
}

static void unsupported(const char *metric, int err, const char *why)
{
	printf("BENCH %s unsupported %s %s\n", metric, errno_name(err), why);
	fflush(stdout);
}

/* ---- whole reads, writes and lines ---- */

/* Read exactly @len bytes: 0, -ECONNRESET at an early EOF, or -errno. */
static int read_full(int fd, void *p, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)p + got, len - got);

		if (n == 0)
			return -ECONNRESET;
		if (n < 0)
			return -call_error();
		got += (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const void *p, size_t len)
{
	size_t put = 0;

	while (put < len) {
		ssize_t n = write(fd, (const char *)p + put, len - put);

		if (n < 0)
			return -call_error();
		put += (size_t)n;
	}
	return 0;
}

/*
 * One control line into @line (LINE_MAX_LEN), without its "\n": 0,
 * -ECONNRESET at EOF, -EPROTO for a line too long, or -errno.  Byte by
 * byte: the control connection carries nothing after a line that
 * netbench has not asked for.
 */
static int read_line(int fd, char *line)
{
	for (int i = 0; i < LINE_MAX_LEN; i++) {
		int err = read_full(fd, &line[i], 1);

		if (err)
			return err;
		if (line[i] == '\n') {
			line[i] = 0;
			return 0;
		}
	}
	return -EPROTO;
}

/* ---- bringing the network up ---- */

/*
 * Load the modules of LOAD_ORDER, in order; 0 if there is no such file
 * (Pagoda, or a kernel with the drivers built in), else 0 or -errno.
 */
static int load_modules(void)
{
	char name[64], path[96];
	FILE *list = fopen(LOAD_ORDER, "r");
	int err = 0;

	if (!list)
		return 0;
	while (!err && fgets(name, sizeof(name), list)) {
		int fd;

		name[strcspn(name, "\n")] = 0;
		if (!name[0])
			continue;
		snprintf(path, sizeof(path), "/lib/modules/%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)) {
			err = -errno;
			fprintf(stderr, "netbench: %s: %s\n", path, strerror(errno));
		}
		if (fd >= 0)
			close(fd);
	}
	fclose(list);
	return err;
}

static int if_ioctl(int s, unsigned long req, const char *name, struct ifreq *ifr)
{
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
	ifr->ifr_name[IFNAMSIZ - 1] = 0;
	return ioctl(s, req, ifr) < 0 ? -errno : 0;
}

/* Set IFF_UP on @name. */
static int if_up(int s, const char *name)
{
	struct ifreq ifr;
	int err;

	memset(&ifr, 0, sizeof(ifr));
	err = if_ioctl(s, SIOCGIFFLAGS, name, &ifr);
	if (err || (ifr.ifr_flags & IFF_UP))
		return err;
	ifr.ifr_flags |= IFF_UP;
	return if_ioctl(s, SIOCSIFFLAGS, name, &ifr);
}

/* SIOCSIFADDR or SIOCSIFNETMASK of @name to the dotted quad @quad. */
static int if_set(int s, unsigned long req, const char *name, const char *quad)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct ifreq ifr;

	inet_pton(AF_INET, quad, &sin.sin_addr);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	return if_ioctl(s, req, name, &ifr);
}

/*
 * lo up, eth0 at GUEST_ADDR/24 and up (SIOCSIFADDR first: on Linux it
 * also resets the netmask to the address's class).  eth0 may appear a
 * little after its driver loads, and Pagoda's socket() fails with
 * ENETDOWN until its TCP/IP thread has started, which may be after pid 1
 * runs: each is waited for up to IFACE_WAIT_MS.  Returns 0 or -errno,
 * with @what naming the step that failed.
 */
static int net_setup(const char **what)
{
	struct ifreq ifr;
	int s, err;

	*what = "socket";
	for (int ms = 0; (s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0; ms += 100) {
		if (errno != ENETDOWN || ms >= IFACE_WAIT_MS)
			return -errno;
		if (ms == 0)
			printf("netbench: socket: ENETDOWN, waiting\n");
		usleep(100 * 1000);
	}
	*what = "lo up";
	err = if_up(s, "lo");
	for (int ms = 0; !err; ms += 100) {
		*what = IFACE " missing";
		memset(&ifr, 0, sizeof(ifr));
		err = if_ioctl(s, SIOCGIFFLAGS, IFACE, &ifr);
		if (err != -ENODEV || ms >= IFACE_WAIT_MS)
			break;
		err = 0;
		usleep(100 * 1000);
	}
	if (!err) {
		*what = "SIOCSIFADDR " IFACE;
		err = if_set(s, SIOCSIFADDR, IFACE, GUEST_ADDR);
	}
	if (!err) {
		*what = "SIOCSIFNETMASK " IFACE;
		err = if_set(s, SIOCSIFNETMASK, IFACE, GUEST_MASK);
	}
	if (!err) {
		*what = IFACE " up";
		err = if_up(s, IFACE);
	}
	close(s);
	return err;
}

/* ---- the server side ---- */

static int listen_on(int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int one = 1, s;

	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(s, 16) < 0) {
		int err = -errno;

		close(s);
		return err;
	}
	return s;
}

/* accept(2), passing over connections that died in the queue. */
static int accept_one(int ls)
{
	for (;;) {
		int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			return fd;
		if (errno != ECONNABORTED)
			return -call_error();
	}
}

/*
 * The control connection: the first accepted connection that answers the
 * hello within HELLO_WAIT_S, within PEER_WAIT_S in all.  Returns its fd
 * or -errno.
 */
static int peer_contact(int ls)
{
	static const char hello[] = "netbench hello 1\n";
	uint64_t end = now_ns(CLOCK_MONOTONIC) + PEER_WAIT_S * 1000000000ull;
	char line[LINE_MAX_LEN];

	for (;;) {
		uint64_t now = now_ns(CLOCK_MONOTONIC);
		int fd, err;

		if (now >= end)
			return -ETIMEDOUT;
		deadline((unsigned)((end - now) / 1000000000u) + 1);
		fd = accept_one(ls);
		deadline(0);
		if (fd < 0)
			return fd;
		deadline(HELLO_WAIT_S);
		err = write_all(fd, hello, sizeof(hello) - 1);
		if (!err)
			err = read_line(fd, line);
		deadline(0);
		if (!err && !strcmp(line, "peer hello 1"))
			return fd;
		fprintf(stderr, "netbench: a connection without the peer's hello (%s), "
			"dropped\n", err ? errno_name(-err) : "wrong answer");
		close(fd);
	}
}

/*
 * The data connection of request @seq: accepted, its header read.  The
 * control connection @ctl is watched meanwhile: anything on it (the
 * peer's EOF) means the connection will not come.
 */
static int accept_data(int ls, int ctl, unsigned int seq)
{
	char want[HDR_LEN + 1], got[HDR_LEN];

	snprintf(want, sizeof(want), "nbdata %08u\n", seq);
	for (int i = 0; i < MAX_STRAYS; i++) {
		struct pollfd p[2] = { { .fd = ls, .events = POLLIN },
				       { .fd = ctl, .events = POLLIN } };
		int fd, err;

		if (poll(p, 2, -1) < 0)
			return -call_error();
		if (p[1].revents)
			return -ECONNRESET;
		fd = accept_one(ls);
		if (fd < 0)
			return fd;
		err = read_full(fd, got, HDR_LEN);
		if (!err && !memcmp(got, want, HDR_LEN))
			return fd;
		close(fd);
		if (err == -ETIMEDOUT)
			return err;
		fprintf(stderr, "netbench: a data connection without header %u, dropped\n", seq);
	}
	return -EPROTO;
}

/* Send request "@cmd @seq @arg" on the control connection. */
static int ask(int ctl, const char *cmd, unsigned int seq, unsigned long arg)
{
	char line[LINE_MAX_LEN];
	int n = snprintf(line, sizeof(line), "%s %u %lu\n", cmd, seq, arg);

	return write_all(ctl, line, (size_t)n);
}

/* The peer's answer to request @seq: its time in seconds into @host_s. */
static int answer(int ctl, unsigned int seq, double *host_s)
{
	char line[LINE_MAX_LEN];
	unsigned long long ns;
	unsigned int s;
	int err = read_line(ctl, line);

	if (err)
		return err;
	if (sscanf(line, "took %u %llu", &s, &ns) == 2 && s == seq && ns > 0) {
		*host_s = ns / 1e9;
		return 0;
	}
	fprintf(stderr, "netbench: the peer answered request %u with '%s'\n", seq, line);
	return -EPROTO;
}

/* ---- eth0's frame counters ---- */

/*
 * eth0's received and sent frames from /proc/net/dev (Linux's format,
 * which Pagoda shares: "eth0: rx_bytes rx_packets 6 more tx_bytes
 * tx_packets ..."); 0, or -1 if there is no such line.
 */
static int eth_frames(unsigned long long *rx, unsigned long long *tx)
{
	unsigned long long v[10];
	char line[256];
	FILE *f = fopen("/proc/net/dev", "r");
	int found = -1;

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " ");

		if (strncmp(p, IFACE ":", sizeof(IFACE)))
			continue;
		if (sscanf(p + sizeof(IFACE), "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
			   &v[8], &v[9]) == 10) {
			*rx = v[1];
			*tx = v[9];
			found = 0;
		}
	}
	fclose(f);
	return found;
}

/* ---- the samples ---- */

/*
 * Wait for the peer to close data connection @fd (its FIN), then close
 * it: 0, -EPROTO if data came instead, or -errno.  netbench never closes
 * a data connection first, so it never holds one in TIME-WAIT: a later
 * connection from the same host port (the host reuses them) would find
 * it there, and lwIP, unlike Linux, does not let a SYN take over a
 * TIME-WAIT connection - it would wait out the 2 MSL (2 minutes).
 */
static int close_after_peer(int fd)
{
	char c;
	int err = read_full(fd, &c, 1);

	close(fd);
	return err == -ECONNRESET ? 0 : err ? err : -EPROTO;
}

struct sample {
	int ctl, ls;
	unsigned int seq;
	double host_s, guest_s;	/* the peer's time, and netbench's */
	const char *what;	/* the step that failed */
};

/* tcp_host_to_guest: read cfg.bytes, answer one byte. */
static int sample_rx(struct sample *sm)
{
	uint64_t t0;
	size_t left = cfg.bytes;
	int fd, err;

	sm->what = "request";
	if ((err = ask(sm->ctl, "rx", sm->seq, cfg.bytes)))
		return err;
	sm->what = "accept";
	if ((fd = accept_data(sm->ls, sm->ctl, sm->seq)) < 0)
		return fd;
	t0 = now_ns(CLOCK_MONOTONIC);
	sm->what = "read";
	while (left) {
		ssize_t n = read(fd, buf, left < CHUNK ? left : CHUNK);

		if (n <= 0) {
			err = n == 0 ? -ECONNRESET : -call_error();
			break;
		}
		left -= (size_t)n;
	}
	sm->guest_s = (now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	if (!err) {
		sm->what = "answer";
		err = write_all(fd, "k", 1);
	}
	if (err) {
		close(fd);
		return err;
	}
	sm->what = "wait for the close";
	return close_after_peer(fd);
}

/* tcp_guest_to_host: write cfg.bytes, wait for the peer's close. */
static int sample_tx(struct sample *sm)
{
	uint64_t t0;
	size_t left = cfg.bytes;
	int fd, err = 0;

	sm->what = "request";
	if ((err = ask(sm->ctl, "tx", sm->seq, cfg.bytes)))
		return err;
	sm->what = "accept";
	if ((fd = accept_data(sm->ls, sm->ctl, sm->seq)) < 0)
		return fd;
	t0 = now_ns(CLOCK_MONOTONIC);
	sm->what = "write";
	while (left && !err) {
		size_t n = left < CHUNK ? left : CHUNK;

		err = write_all(fd, buf, n);
		left -= n;
	}
	sm->guest_s = (now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	if (err) {
		close(fd);
		return err;
	}
	sm->what = "wait for the close";
	return close_after_peer(fd);
}

/* tcp_connections: cfg.conns times accept, answer, wait for the close. */
static int sample_conn(struct sample *sm)
{
	uint64_t t0 = 0;
	int err;

	sm->what = "request";
	if ((err = ask(sm->ctl, "conn", sm->seq, cfg.conns)))
		return err;
	for (long i = 0; i < cfg.conns && !err; i++) {
		int fd;

		sm->what = "accept";
		if ((fd = accept_data(sm->ls, sm->ctl, sm->seq)) < 0)
			return fd;
		if (i == 0)
			t0 = now_ns(CLOCK_MONOTONIC);
		sm->what = "answer";
		err = write_all(fd, "k", 1);
		if (err) {
			close(fd);
			break;
		}
		sm->what = "wait for the close";
		err = close_after_peer(fd);
	}
	sm->guest_s = (now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	return err;
}

static const struct metric {
	const char *name;
	const char *unit;
	int (*sample)(struct sample *sm);
} metrics[] = {
	{ "tcp_host_to_guest", "MB/s", sample_rx },
	{ "tcp_guest_to_host", "MB/s", sample_tx },
	{ "tcp_connections", "conn/s", sample_conn },
};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

/* What one sample of @m is worth: bytes in MB, or connections. */
static double amount(const struct metric *m)
{
	return m->sample == sample_conn ? (double)cfg.conns : cfg.bytes / 1e6;
}

/*
 * Every sample of every metric on the control connection @ctl; data
 * connections arrive on @ls.  The first failure ends the measurements.
 */
static void run_metrics(int ctl, int ls)
{
	static double v[MAX_REPS];
	struct sample sm = { .ctl = ctl, .ls = ls };
	char why[96];
	size_t i = 0;
	int err = 0;

	for (; i < NMETRICS && !err; i++) {
		const struct metric *m = &metrics[i];
		unsigned long long rx0, tx0, rx1, tx1;
		int counted = eth_frames(&rx0, &tx0) == 0;

		profile_reset();
		for (long r = 0; r < cfg.reps && !err; r++) {
			sm.seq++;
			sm.guest_s = 0;
			deadline(cfg.step_s);
			err = m->sample(&sm);
			if (!err) {
				sm.what = "the peer's time";
				err = answer(ctl, sm.seq, &sm.host_s);
			}
			deadline(0);
			if (err)
				break;
			v[r] = amount(m) / sm.host_s;
			printf("netbench: %s sample %ld: host %.3f s, guest %.3f s\n",
			       m->name, r + 1, sm.host_s, sm.guest_s);
		}
		if (err)
			continue;	/* the loop ends, i past the failed metric */
		/* Frames per MB (per connection): how the kernels differ. */
		if (counted && eth_frames(&rx1, &tx1) == 0)
			printf("netbench: %s: %s received %llu frames and sent %llu, "
			       "%.1f and %.1f per %s\n", m->name, IFACE, rx1 - rx0,
			       tx1 - tx0, (rx1 - rx0) / (amount(m) * cfg.reps),
			       (tx1 - tx0) / (amount(m) * cfg.reps),
			       m->sample == sample_conn ? "connection" : "MB");
		report(m->name, m->unit, v, (int)cfg.reps);
	}
	if (!err) {
		/*
		 * Wait for the peer's close: powering off at once could
		 * lose the bye still in flight.
		 */
		char c;

		deadline(HELLO_WAIT_S);
		if (!ask(ctl, "bye", 0, 0))
			read_full(ctl, &c, 1);
		deadline(0);
		return;
	}
	snprintf(why, sizeof(why), "%s failed in sample %u", sm.what, sm.seq);
	unsupported(metrics[i - 1].name, -err, why);
	for (; i < NMETRICS; i++)
		unsupported(metrics[i].name, -err, "an earlier metric failed");
}

/*
 * Everything after the command line: modules and interfaces (@pid1 only),
 * the listening socket, the peer, the metrics.  A failure before the metrics reports
 * them all unsupported.
 */
static void run_all(int pid1)
{
	const char *what = "load the modules";
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	int err, ls = -1, ctl = -1;

	err = pid1 ? load_modules() : 0;
	if (!err && pid1)
		err = net_setup(&what);
	if (!err && pid1)
		printf("netbench: %s is %s/24 and up after %.3f s\n", IFACE, GUEST_ADDR,
		       (now_ns(CLOCK_MONOTONIC) - t0) / 1e9);
	if (!err) {
		what = "listen";
		err = ls = listen_on(PORT);
	}
	if (ls >= 0) {
		printf("netbench: listening on port %d, waiting for the peer\n", PORT);
		fflush(stdout);
		what = "no peer";
		err = ctl = peer_contact(ls);
	}
	if (ctl >= 0) {
		run_metrics(ctl, ls);
		close(ctl);
	} else {
		for (size_t i = 0; i < NMETRICS; i++)
			unsupported(metrics[i].name, -err, what);
	}
	if (ls >= 0)
		close(ls);
}

/* ---- setup ---- */

/* PID 1 setup: a console on fds 0-2, and /proc, as an init would have. */
static void pid1_setup(void)
{
	int fd;

	if (fcntl(1, F_GETFD) < 0) {
		fd = open("/dev/console", O_RDWR | O_NOCTTY);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
	/* Errors ignored: the directory may exist, the kernel may have mounted it. */
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
}

static long parse_num(const char *opt, const char *s, long max)
{
	char *end;
	long v;

	if (!s) {
		fprintf(stderr, "netbench: %s needs a number\n", opt);
		return -1;
	}
	v = strtol(s, &end, 10);
	if (*end || end == s || v < 1 || v > max) {
		fprintf(stderr, "netbench: bad %s '%s' (1..%ld)\n", opt, s, max);
		return -1;
	}
	return v;
}

/* Fill cfg from the command line; returns 0, or -1 after a usage message. */
static int parse_args(int argc, char **argv)
{
	long size = 0, reps = 0, conns = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			cfg.quick = 1;
		} else if (!strcmp(argv[i], "--profile")) {
			cfg.profile = 1;
		} else if (!strcmp(argv[i], "--size")) {
			if ((size = parse_num("--size", argv[++i], 4096)) < 0)
				return -1;
		} else if (!strcmp(argv[i], "--reps")) {
			if ((reps = parse_num("--reps", argv[++i], MAX_REPS)) < 0)
				return -1;
		} else if (!strcmp(argv[i], "--conns")) {
			if ((conns = parse_num("--conns", argv[++i], 100000)) < 0)
				return -1;
		} else {
			fprintf(stderr, "usage: netbench [--quick] [--profile] [--size MiB] "
				"[--reps N] [--conns N]\n");
			return -1;
		}
	}
	cfg.size_mib = size ? size : cfg.quick ? 8 : 64;
	cfg.reps = reps ? reps : cfg.quick ? 2 : 3;
	cfg.conns = conns ? conns : cfg.quick ? 20 : 200;
	cfg.step_s = cfg.quick ? 120 : 600;
	cfg.bytes = (size_t)cfg.size_mib << 20;
	return 0;
}

int main(int argc, char **argv)
{
	double boottime = now_ns(CLOCK_BOOTTIME) / 1e9;
	int pid1 = getpid() == 1;
	struct sigaction sa;
	struct utsname u;
	int status = 0;

	if (pid1)
		pid1_setup();
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: a blocked call fails */
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a write to a dead connection is EPIPE */
	memset(buf, 0x5a, sizeof(buf));
	if (parse_args(argc, argv) < 0) {
		status = 2;
		goto out;
	}
	printf("BENCH boottime %.3f s\n", boottime);
	if (uname(&u) == 0)
		printf("BENCH kernel %s %s %s\n", u.sysname, u.release, u.version);
	printf("BENCH config size_mib %ld reps %ld conns %ld quick %d port %d "
	       "step_s %u\n", cfg.size_mib, cfg.reps, cfg.conns, cfg.quick, PORT,
	       cfg.step_s);
	fflush(stdout);
	run_all(pid1);
	printf("BENCH DONE\n");
out:
	fflush(stdout);
	if (pid1) {
		sync();
		reboot(RB_POWER_OFF);
		for (;;)		/* power-off failed: never let init exit */
			pause();
	}
	return status;
}
