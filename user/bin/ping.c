/*
 * ping.c - /bin/ping: send ICMP echo requests to an IPv4 host and report
 * the replies, like iputils' ping.
 *
 *	ping [-c COUNT] [-i INTERVAL] [-W TIMEOUT] [-s SIZE] ADDR
 *
 * ADDR is a numeric IPv4 address; names are never resolved. COUNT
 * requests (default: until SIGINT) go out INTERVAL seconds apart
 * (default 1, fractions allowed); after the last one ping waits up to
 * TIMEOUT seconds (default 10) for the replies still missing. SIZE is the
 * number of data bytes after the 8-byte ICMP header (default 56); when
 * there are at least 8, the first 8 carry the send time, from which the
 * round trip is measured (CLOCK_MONOTONIC); the rest is a fixed pattern
 * that replies must echo unchanged.
 *
 * Sockets: first a Linux "ping socket", socket(AF_INET, SOCK_DGRAM,
 * IPPROTO_ICMP) - the kernel chooses the echo identifier, delivers only
 * the replies to this socket and strips the IP header, so the TTL comes
 * from an IP_RECVTTL control message (none if the kernel does not give
 * one). If the kernel refuses it (EACCES, EPERM: not in
 * net.ipv4.ping_group_range; EPROTONOSUPPORT) a raw ICMP socket follows:
 * every ICMP packet arrives with its IP header, and replies are ours when
 * their identifier is our pid's low 16 bits.
 *
 * Output and exit status follow iputils: one line per reply, then the
 * statistics. Exit 0 if any reply came, 1 if none did, 2 on errors
 * (usage, no socket).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ICMP_HDR	8
#define MAX_DATA	(65535 - 20 - ICMP_HDR)	/* an IPv4 packet's limit */
#define STAMP_LEN	8			/* send time, ns, in the data */

static struct {
	long count;		/* -c, 0: until SIGINT */
	double interval;	/* -i, seconds */
	double timeout;		/* -W, seconds to wait after the last request */
	int size;		/* -s, data bytes */
} opt = { 0, 1.0, 10.0, 56 };

static int sock;
static int raw;			/* a raw socket: IP headers, our own id */
static uint16_t ident;		/* echo id (raw sockets only) */
static struct sockaddr_in dest;
static char dest_str[INET_ADDRSTRLEN];

static long transmitted, received, duplicates, errors;
static double rtt_min, rtt_max, rtt_sum, rtt_sum2;	/* ms */
static int timed;		/* the data carries a send time */
static uint8_t seen[65536 / 8];	/* which sequence numbers have replied */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: ping [-c COUNT] [-i INTERVAL] [-W TIMEOUT] "
			"[-s SIZE] ADDR\n");
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The Internet checksum (RFC 1071) of @len bytes. */
static uint16_t in_cksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Byte @i of the data after the time stamp. */
static uint8_t pattern(int i)
{
	return (uint8_t)(i + STAMP_LEN);
}

static double parse_seconds(const char *s, const char *what)
{
	char *end;
	double v = strtod(s, &end);

	if (!*s || *end || !(v >= 0) || v > 1e6) {
		fprintf(stderr, "ping: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static long parse_long(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi) {
		fprintf(stderr, "ping: bad %s: %s (%ld..%ld)\n", what, s, lo, hi);
		exit(2);
	}
	return v;
}

/* Open the ping socket, or the raw one; exits on failure. */
static void open_socket(void)
{
	int on = 1;

	sock = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	if (sock < 0 && (errno == EACCES || errno == EPERM ||
			 errno == EPROTONOSUPPORT)) {
		sock = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
		raw = 1;
	}
	if (sock < 0) {
		perror("ping: socket");
		exit(2);
	}
	ident = (uint16_t)getpid();
	/* a ping socket reports the TTL only when asked; failing is fine */
	if (!raw)
		setsockopt(sock, IPPROTO_IP, IP_RECVTTL, &on, sizeof(on));
}

static void send_echo(uint16_t seq)
{
	static uint8_t pkt[ICMP_HDR + MAX_DATA];
	struct icmphdr *icmp = (struct icmphdr *)pkt;
	size_t len = ICMP_HDR + (size_t)opt.size;
	int i;

	memset(icmp, 0, sizeof(*icmp));
	icmp->type = ICMP_ECHO;
	icmp->un.echo.id = htons(ident);	/* a ping socket puts its own */
	icmp->un.echo.sequence = htons(seq);
	for (i = timed ? STAMP_LEN : 0; i < opt.size; i++)
		pkt[ICMP_HDR + i] = pattern(i - STAMP_LEN);
	if (timed) {
		uint64_t t = now_ns();

		memcpy(pkt + ICMP_HDR, &t, STAMP_LEN);
	}
	icmp->checksum = in_cksum(pkt, len);
	seen[seq / 8] &= ~(1 << (seq % 8));	/* numbers wrap after 65535 */
	transmitted++;
	if (sendto(sock, pkt, len, 0, (struct sockaddr *)&dest,
		   sizeof(dest)) < 0) {
		fprintf(stderr, "ping: sendto: %s\n", strerror(errno));
		errors++;
	}
}

/* The round trip in ms is printed as iputils does: 3 significant-ish digits. */
static void print_time(double ms)
{
	if (ms >= 100)
		printf(" time=%.0f ms", ms);
	else if (ms >= 10)
		printf(" time=%.1f ms", ms);
	else if (ms >= 1)
		printf(" time=%.2f ms", ms);
	else
		printf(" time=%.3f ms", ms);
}

/* An echo reply @icmp of @len bytes (header included) has arrived. */
static void got_reply(const uint8_t *icmp, size_t len, int ttl)
{
	const struct icmphdr *h = (const struct icmphdr *)icmp;
	uint16_t seq = ntohs(h->un.echo.sequence);
	size_t data = len - ICMP_HDR;
	int dup = seen[seq / 8] & (1 << (seq % 8));
	double ms = -1;
	size_t i;

	if (timed && data >= STAMP_LEN) {
		uint64_t sent;

		memcpy(&sent, icmp + ICMP_HDR, STAMP_LEN);
		ms = (double)(now_ns() - sent) / 1e6;
	}
	if (dup) {
		duplicates++;
	} else {
		seen[seq / 8] |= 1 << (seq % 8);
		received++;
		if (ms >= 0) {
			if (received == 1 || ms < rtt_min)
				rtt_min = ms;
			if (ms > rtt_max)
				rtt_max = ms;
			rtt_sum += ms;
			rtt_sum2 += ms * ms;
		}
	}
	printf("%zu bytes from %s: icmp_seq=%u", len, dest_str, seq);
	if (ttl >= 0)
		printf(" ttl=%d", ttl);
	if (ms >= 0)
		print_time(ms);
	if (dup)
		printf(" (DUP!)");
	if (raw && in_cksum(icmp, len))	/* a ping socket's kernel checked it */
		printf(" (BAD CHECKSUM!)");
	for (i = timed ? STAMP_LEN : 0; i < data && i < (size_t)opt.size; i++) {
		if (icmp[ICMP_HDR + i] != pattern((int)i - STAMP_LEN)) {
			printf("\nwrong data byte #%zu should be 0x%x but was 0x%x",
			       i, pattern((int)i - STAMP_LEN), icmp[ICMP_HDR + i]);
			break;
		}
	}
	if (data != (size_t)opt.size)
		printf(" (truncated: %zu of %d data bytes)", data, opt.size);
	printf("\n");
	fflush(stdout);
}

/* An ICMP error about one of our requests: report it, count it. */
static void got_error(const uint8_t *icmp, size_t len, struct in_addr from)
{
	const struct icmphdr *h = (const struct icmphdr *)icmp;
	const struct iphdr *inner = (const struct iphdr *)(icmp + ICMP_HDR);
	const struct icmphdr *orig;
	size_t ihl;

	/* the error quotes our IP header and the first 8 bytes of our echo */
	if (len < ICMP_HDR + sizeof(*inner))
		return;
	ihl = (size_t)inner->ihl * 4;
	if (ihl < sizeof(*inner) || len < ICMP_HDR + ihl + ICMP_HDR ||
	    inner->protocol != IPPROTO_ICMP || inner->daddr != dest.sin_addr.s_addr)
		return;
	orig = (const struct icmphdr *)(icmp + ICMP_HDR + ihl);
	if (orig->type != ICMP_ECHO || ntohs(orig->un.echo.id) != ident)
		return;
	errors++;
	printf("From %s icmp_seq=%u ", inet_ntoa(from),
	       ntohs(orig->un.echo.sequence));
	if (h->type == ICMP_DEST_UNREACH)
		printf("Destination %s Unreachable\n",
		       h->code == ICMP_PORT_UNREACH ? "Port" :
		       h->code == ICMP_NET_UNREACH ? "Net" : "Host");
	else if (h->type == ICMP_TIME_EXCEEDED)
		printf("Time to live exceeded\n");
	else
		printf("ICMP type %u code %u\n", h->type, h->code);
	fflush(stdout);
}

/* Read one packet from the socket and account for it. */
static void receive_one(void)
{
	static uint8_t buf[65536 + 64];
	char cbuf[CMSG_SPACE(sizeof(int)) * 4];
	struct sockaddr_in from;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	const uint8_t *icmp = buf;
	ssize_t n = recvmsg(sock, &msg, MSG_DONTWAIT);
	size_t len;
	int ttl = -1;
	struct cmsghdr *c;

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "ping: recvmsg: %s\n", strerror(errno));
			errors++;
		}
		return;
	}
	len = (size_t)n;
	if (raw) {
		const struct iphdr *ip = (const struct iphdr *)buf;
		size_t ihl;

		if (len < sizeof(*ip))
			return;
		ihl = (size_t)ip->ihl * 4;
		if (ihl < sizeof(*ip) || len < ihl)
			return;
		ttl = ip->ttl;
		icmp = buf + ihl;
		len -= ihl;
	} else {
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL &&
			    c->cmsg_len >= CMSG_LEN(sizeof(int)))
				memcpy(&ttl, CMSG_DATA(c), sizeof(int));
	}
	if (len < ICMP_HDR)
		return;
	if (icmp[0] == ICMP_ECHOREPLY) {
		const struct icmphdr *h = (const struct icmphdr *)icmp;

		/* a ping socket gets only its own replies; a raw one, all */
		if (raw && (ntohs(h->un.echo.id) != ident ||
			    from.sin_addr.s_addr != dest.sin_addr.s_addr))
			return;
		got_reply(icmp, len, ttl);
	} else if (raw && (icmp[0] == ICMP_DEST_UNREACH ||
			   icmp[0] == ICMP_TIME_EXCEEDED)) {
		got_error(icmp, len, from.sin_addr);
	}
}

/* Wait until @deadline (ns), handling replies; returns early on SIGINT. */
static void wait_until(uint64_t deadline, int stop_when_all_in)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };

	while (!interrupted) {
		uint64_t t = now_ns();
		int ms;

		if (stop_when_all_in && received + errors >= transmitted)
			return;
		if (t >= deadline)
			return;
		ms = (int)((deadline - t + 999999) / 1000000);
		if (poll(&pfd, 1, ms) > 0)
			receive_one();
	}
}

static void print_statistics(uint64_t start)
{
	long elapsed = (long)((now_ns() - start) / 1000000);

	printf("\n--- %s ping statistics ---\n", dest_str);
	printf("%ld packets transmitted, %ld received", transmitted, received);
	if (duplicates)
		printf(", +%ld duplicates", duplicates);
	if (errors)
		printf(", +%ld errors", errors);
	printf(", %g%% packet loss, time %ldms\n",
	       transmitted ? (double)(transmitted - received) * 100 / transmitted : 0.0,
	       elapsed);
	if (received && timed) {
		double avg = rtt_sum / received;
		double var = rtt_sum2 / received - avg * avg;

		printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n",
		       rtt_min, avg, rtt_max, var > 0 ? sqrt(var) : 0.0);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	uint64_t start, next;
	int c;

	while ((c = getopt(argc, argv, "c:i:W:s:h")) != -1) {
		switch (c) {
		case 'c':
			opt.count = parse_long(optarg, 1, 1000000000L, "count");
			break;
		case 'i':
			opt.interval = parse_seconds(optarg, "interval");
			break;
		case 'W':
			opt.timeout = parse_seconds(optarg, "timeout");
			break;
		case 's':
			opt.size = (int)parse_long(optarg, 0, MAX_DATA, "size");
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	memset(&dest, 0, sizeof(dest));
	dest.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[optind], &dest.sin_addr) != 1) {
		fprintf(stderr, "ping: %s: not a numeric IPv4 address "
				"(names are not resolved)\n", argv[optind]);
		return 2;
	}
	inet_ntop(AF_INET, &dest.sin_addr, dest_str, sizeof(dest_str));
	timed = opt.size >= STAMP_LEN;
	open_socket();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;	/* no SA_RESTART: poll returns EINTR */
	sigaction(SIGINT, &sa, NULL);

	printf("PING %s (%s) %d(%d) bytes of data.\n", dest_str, dest_str,
	       opt.size, opt.size + ICMP_HDR + 20);
	fflush(stdout);
	start = next = now_ns();
	for (;;) {
		send_echo((uint16_t)(transmitted + 1));
		if (opt.count && transmitted >= opt.count)
			break;
		next += (uint64_t)(opt.interval * 1e9);
		wait_until(next, 0);
		if (interrupted)
			break;
	}
	if (!interrupted)
		wait_until(now_ns() + (uint64_t)(opt.timeout * 1e9), 1);
	print_statistics(start);
	return received ? 0 : 1;
}
