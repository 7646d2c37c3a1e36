/*
 * wget.c - /bin/wget: fetch one file over HTTP.
 *
 *	wget [-q] [-O FILE|-] [-T SECS] http://ADDR[:PORT]/PATH
 *
 * ADDR is a numeric IPv4 address; names are never resolved. The request
 * is an HTTP/1.1 GET with "Connection: close"; the reply may be HTTP/1.0
 * or 1.1, its body delimited by Content-Length, by chunked transfer
 * coding, or by the end of the connection. Only status 200 is success:
 * any other status is reported and nothing is written (no redirects are
 * followed).
 *
 * The body goes to FILE (-O - is stdout; default: the last component of
 * PATH, or index.html when PATH ends in '/'), which is created or
 * truncated once the 200 has arrived. Progress goes to stderr unless -q.
 * Every read waits at most -T seconds (default 900, as GNU wget).
 *
 * All input from the server is bounded: the status line and headers by
 * MAX_HEADER bytes together, each chunk-size line by MAX_LINE; sizes are
 * checked for overflow.
 *
 * Exit status, as GNU wget: 0 success, 1 generic error, 2 usage or bad
 * URL, 3 local file I/O error, 4 network failure (including timeouts and
 * a body cut short), 7 protocol error (malformed reply), 8 the server
 * answered with an error status.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
	EXIT_GENERIC = 1, EXIT_USAGE = 2, EXIT_FILEIO = 3, EXIT_NETWORK = 4,
	EXIT_PROTOCOL = 7, EXIT_SERVER = 8,
};

#define MAX_HEADER	(64 * 1024)	/* status line + headers */
#define MAX_LINE	4096		/* a chunk-size or trailer line */
#define MAX_PATH	4096		/* the request target */
#define IO_SIZE		65536

static int quiet;
static int timeout_ms = 900 * 1000;
static const char *out_name;		/* for messages */
static int out_fd = -1;

static void usage(void)
{
	fprintf(stderr, "usage: wget [-q] [-O FILE|-] [-T SECS] "
			"http://ADDR[:PORT]/PATH\n");
	exit(EXIT_USAGE);
}

static void note(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn)) die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "wget: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(status);
}

/* The parts of http://ADDR[:PORT]/PATH. */
struct url {
	struct sockaddr_in sin;
	char host[64];			/* ADDR[:PORT] as written, for Host: */
	char path[MAX_PATH];		/* percent-encoded where needed */
};

static void parse_url(const char *s, struct url *u)
{
	const char *host, *end, *colon;
	char addr[INET_ADDRSTRLEN];
	unsigned long port = 80;
	size_t n, i;

	if (strncasecmp(s, "http://", 7)) {
		if (strstr(s, "://"))
			die(EXIT_USAGE, "%s: only http:// URLs are supported", s);
		die(EXIT_USAGE, "%s: not an http:// URL", s);
	}
	host = s + 7;
	end = host + strcspn(host, "/?#");
	colon = memchr(host, ':', (size_t)(end - host));
	n = (size_t)((colon ? colon : end) - host);
	if (n == 0 || n >= sizeof(addr))
		die(EXIT_USAGE, "%s: bad host", s);
	memcpy(addr, host, n);
	addr[n] = 0;
	memset(&u->sin, 0, sizeof(u->sin));
	u->sin.sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &u->sin.sin_addr) != 1)
		die(EXIT_USAGE, "%s: host must be a numeric IPv4 address "
				"(names are not resolved)", addr);
	if (colon) {
		char *pe;

		if (colon + 1 == end || !isdigit((unsigned char)colon[1]))
			die(EXIT_USAGE, "%s: bad port", s);
		port = strtoul(colon + 1, &pe, 10);
		if (pe != end || port < 1 || port > 65535)
			die(EXIT_USAGE, "%s: bad port", s);
	}
	u->sin.sin_port = htons((uint16_t)port);
	n = (size_t)(end - host);
	if (n >= sizeof(u->host))
		die(EXIT_USAGE, "%s: bad host", s);
	memcpy(u->host, host, n);
	u->host[n] = 0;

	/* the path: '/' added in front if missing; spaces etc. encoded */
	n = 0;
	if (*end != '/')
		u->path[n++] = '/';
	for (i = 0; end[i] && end[i] != '#'; i++) {
		unsigned char c = (unsigned char)end[i];

		if (n + 4 > sizeof(u->path))
			die(EXIT_USAGE, "URL too long");
		if (c <= ' ' || c >= 0x7f) {
			snprintf(u->path + n, 4, "%%%02X", c);
			n += 3;
		} else {
			u->path[n++] = (char)c;
		}
	}
	u->path[n] = 0;
}

/* Default output name: the last path component before any query. */
static const char *default_name(const char *path)
{
	static char name[256];
	size_t len = strcspn(path, "?");
	const char *start = path;
	size_t i;

	for (i = 0; i < len; i++)
		if (path[i] == '/')
			start = path + i + 1;
	len -= (size_t)(start - path);
	if (len == 0 || (len == 1 && *start == '.') ||
	    (len == 2 && !strncmp(start, "..", 2)))
		return "index.html";
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, start, len);
	name[len] = 0;
	return name;
}

/* The connection, read through a buffer; every read waits -T at most. */
static struct {
	int fd;
	char buf[IO_SIZE];
	size_t pos, len;
} conn;

/*
 * Refill conn.buf once it is all consumed; returns the bytes read, 0 at
 * EOF. Dies on an error or when -T passes without data.
 */
static size_t fill(void)
{
	struct pollfd pfd = { .fd = conn.fd, .events = POLLIN };
	ssize_t n;
	int r;

	conn.pos = conn.len = 0;	/* callers consume all before refilling */
	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		die(EXIT_NETWORK, "read timed out after %d s", timeout_ms / 1000);
	do
		n = read(conn.fd, conn.buf, sizeof(conn.buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die(EXIT_NETWORK, "read error: %s", strerror(errno));
	conn.len = (size_t)n;
	return (size_t)n;
}

/*
 * One line of at most @max bytes (CRLF or LF stripped) into @line;
 * returns its length, or -1 at EOF before any byte. Dies if too long.
 */
static long get_line(char *line, size_t max)
{
	size_t n = 0;

	for (;;) {
		char c;

		if (conn.pos == conn.len && fill() == 0)
			return n ? (long)n : -1;
		c = conn.buf[conn.pos++];
		if (c == '\n')
			break;
		if (n + 1 >= max)
			die(EXIT_PROTOCOL, "reply line longer than %zu bytes", max);
		line[n++] = c;
	}
	if (n && line[n - 1] == '\r')
		n--;
	line[n] = 0;
	return (long)n;
}

static void write_out(const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(out_fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(EXIT_FILEIO, "%s: write: %s", out_name, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/* Copy @len body bytes (or until EOF if @len < 0); returns bytes copied. */
static long long copy_body(long long len)
{
	long long done = 0;

	while (len < 0 || done < len) {
		size_t avail, take;

		if (conn.pos == conn.len && fill() == 0)
			break;
		avail = conn.len - conn.pos;
		take = len >= 0 && (long long)avail > len - done ?
			(size_t)(len - done) : avail;
		write_out(conn.buf + conn.pos, take);
		conn.pos += take;
		done += (long long)take;
	}
	return done;
}

/* Parse a non-negative decimal or hex number with overflow checks. */
static int parse_size(const char *s, int base, long long *out)
{
	long long v = 0;
	int digits = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s; s++, digits++) {
		int d;

		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			break;
		if (v > (LLONG_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	/* a chunk size may carry ";extensions" after it */
	if (!digits || (*s && !(base == 16 && *s == ';')))
		return -1;
	*out = v;
	return 0;
}

/* Chunked body: size line, data, CRLF, ..., 0, trailers, empty line. */
static long long copy_chunked(void)
{
	char line[MAX_LINE];
	long long total = 0, size;

	for (;;) {
		if (get_line(line, sizeof(line)) < 0)
			die(EXIT_NETWORK, "connection closed inside the chunked body");
		if (parse_size(line, 16, &size) < 0)
			die(EXIT_PROTOCOL, "bad chunk size line");
		if (size == 0)
			break;
		if (copy_body(size) != size)
			die(EXIT_NETWORK, "connection closed inside a chunk");
		total += size;
		if (get_line(line, sizeof(line)) != 0)
			die(EXIT_PROTOCOL, "chunk not followed by CRLF");
	}
	for (;;) {		/* trailer fields, ignored, until an empty line */
		long n = get_line(line, sizeof(line));

		if (n <= 0)
			break;
	}
	return total;
}

static void send_request(const struct url *u)
{
	char req[MAX_PATH + 256];
	int len = snprintf(req, sizeof(req),
			   "GET %s HTTP/1.1\r\n"
			   "Host: %s\r\n"
			   "User-Agent: Pagoda-wget/1.0\r\n"
			   "Accept: */*\r\n"
			   "Connection: close\r\n\r\n", u->path, u->host);
	const char *p = req;

	while (len > 0) {
		ssize_t n = send(conn.fd, p, (size_t)len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(EXIT_NETWORK, "sending the request: %s", strerror(errno));
		p += n;
		len -= (int)n;
	}
}

static void connect_to(const struct url *u)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &u->sin.sin_addr, a, sizeof(a));
	conn.fd = socket(AF_INET, SOCK_STREAM, 0);
	if (conn.fd < 0)
		die(EXIT_GENERIC, "socket: %s", strerror(errno));
	note("Connecting to %s:%u... ", a, ntohs(u->sin.sin_port));
	if (connect(conn.fd, (const struct sockaddr *)&u->sin,
		    sizeof(u->sin)) < 0) {
		note("failed.\n");
		die(EXIT_NETWORK, "connect to %s port %u: %s", a,
		    ntohs(u->sin.sin_port), strerror(errno));
	}
	note("connected.\n");
}

/* What the headers said about the body. */
struct reply {
	int status;
	char reason[128];
	long long length;	/* Content-Length, -1 if absent */
	int chunked;
};

/* Read the status line and headers (MAX_HEADER bytes at most). */
static void read_headers(struct reply *r)
{
	char line[MAX_LINE];
	size_t total = 0;
	long n;
	int major, minor, off = 0;

	r->length = -1;
	r->chunked = 0;
	n = get_line(line, sizeof(line));
	if (n < 0)
		die(EXIT_NETWORK, "the server closed the connection without a reply");
	if (sscanf(line, "HTTP/%d.%d %3d%n", &major, &minor, &r->status, &off) != 3 ||
	    major != 1 || r->status < 100 || r->status > 999)
		die(EXIT_PROTOCOL, "malformed status line");
	snprintf(r->reason, sizeof(r->reason), "%s", line + off + (line[off] == ' '));
	for (;;) {
		char *colon, *value;

		n = get_line(line, sizeof(line));
		if (n < 0)
			die(EXIT_NETWORK, "the connection closed inside the headers");
		total += (size_t)n + 2;
		if (total > MAX_HEADER)
			die(EXIT_PROTOCOL, "reply headers longer than %d bytes", MAX_HEADER);
		if (n == 0)
			break;
		colon = strchr(line, ':');
		if (!colon)
			die(EXIT_PROTOCOL, "malformed header line");
		*colon = 0;
		value = colon + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		if (!strcasecmp(line, "Content-Length")) {
			if (parse_size(value, 10, &r->length) < 0)
				die(EXIT_PROTOCOL, "bad Content-Length");
		} else if (!strcasecmp(line, "Transfer-Encoding")) {
			size_t vl = strlen(value);

			while (vl && (value[vl - 1] == ' ' || value[vl - 1] == '\t'))
				value[--vl] = 0;
			/* chunked is always the last coding when present */
			if (vl >= 7 && !strcasecmp(value + vl - 7, "chunked") &&
			    (vl == 7 || strchr(" \t,", value[vl - 8])))
				r->chunked = 1;
			else if (strcasecmp(value, "identity"))
				die(EXIT_PROTOCOL, "unsupported Transfer-Encoding: %s", value);
		}
	}
}

static void open_output(void)
{
	if (!strcmp(out_name, "-")) {
		out_fd = 1;
		out_name = "stdout";
		return;
	}
	out_fd = open(out_name, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (out_fd < 0)
		die(EXIT_FILEIO, "%s: %s", out_name, strerror(errno));
}

int main(int argc, char **argv)
{
	struct url u;
	struct reply r;
	long long got;
	int c;

	while ((c = getopt(argc, argv, "qO:T:h")) != -1) {
		switch (c) {
		case 'q':
			quiet = 1;
			break;
		case 'O':
			out_name = optarg;
			break;
		case 'T': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (!*optarg || *end || v < 1 || v > 86400)
				die(EXIT_USAGE, "bad timeout: %s", optarg);
			timeout_ms = (int)v * 1000;
			break;
		}
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	parse_url(argv[optind], &u);
	if (!out_name)
		out_name = default_name(u.path);
	signal(SIGPIPE, SIG_IGN);

	connect_to(&u);
	send_request(&u);
	note("HTTP request sent, awaiting response... ");
	do			/* 1xx replies are interim: the real one follows */
		read_headers(&r);
	while (r.status >= 100 && r.status < 200);
	note("%d %s\n", r.status, r.reason);
	if (r.status != 200) {
		fprintf(stderr, "wget: ERROR %d: %s.\n", r.status, r.reason);
		return EXIT_SERVER;
	}
	if (r.chunked)
		note("Length: unspecified (chunked)\n");
	else if (r.length >= 0)
		note("Length: %lld\n", r.length);
	else
		note("Length: unspecified\n");
	open_output();
	note("Saving to: '%s'\n", out_name);

	if (r.chunked)
		got = copy_chunked();
	else
		got = copy_body(r.length);
	if (r.length >= 0 && !r.chunked && got != r.length)
		die(EXIT_NETWORK, "connection closed at byte %lld of %lld", got, r.length);
	if (out_fd != 1 && close(out_fd) < 0)
		die(EXIT_FILEIO, "%s: %s", out_name, strerror(errno));
	close(conn.fd);
	note("'%s' saved [%lld]\n", out_name, got);
	return 0;
}
