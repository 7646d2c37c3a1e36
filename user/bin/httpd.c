/*
 * httpd.c - /bin/httpd: serve the files of a directory over HTTP.
 *
 *	httpd [-p PORT] [-a ADDR] [-d DIR] [-n MAXCONN] [-t SECS]
 *
 * Listens on ADDR:PORT (numeric IPv4, default 0.0.0.0:80) and answers
 * GET and HEAD of HTTP/1.0 and 1.1 with the files under DIR (default:
 * the current directory): Content-Length and a Content-Type from the
 * file name's extension; a directory is answered by its index.html, or
 * else by a generated listing (a directory named without its final '/'
 * is first redirected to it, so relative links work). Errors: 400
 * malformed request, 403 a path with a ".." component or an unreadable
 * file, 404 no such file, 405 a method other than GET/HEAD, 414 a request
 * line longer than MAX_REQUEST_LINE, 431 headers longer than MAX_HEADERS,
 * 505 not HTTP/1.x, 408 a request not complete after -t seconds (default
 * 30). Every reply carries "Connection: close" and the connection is
 * closed after it (no keep-alive).
 *
 * Each connection is served by a child of its own (fork per connection),
 * so a slow client does not hold up the others; at most MAXCONN children
 * (default 16) run at once, and further connections wait in the listen
 * backlog until one finishes. The parent polls the listening socket with
 * a timeout so finished children are reaped within a second.
 *
 * Files are sent through a bounded buffer (IO_SIZE), whatever their
 * size; the socket is non-blocking and every wait on it is bounded by -t
 * seconds, so a stalled client only ever costs its own child.
 * SIGPIPE is ignored: a client that goes away is a failed write.
 *
 * One line per request goes to stderr:
 *	127.0.0.1:40312 "GET /a.txt HTTP/1.1" 200 1234
 * (the request line with unprintable bytes shown as '?', the status, the
 * body bytes sent).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQUEST_LINE 4096		/* longer: 414 */
#define MAX_HEADERS	(16 * 1024)	/* request line + headers; longer: 431 */
#define IO_SIZE		65536		/* file -> socket buffer */
#define LISTING_MAX	(4 << 20)	/* a generated listing's largest size */
#define LINGER_MS	2000		/* draining a client before the close */

static struct {
	struct sockaddr_in addr;
	const char *dir;
	int maxconn;
	int timeout;		/* -t: seconds a client may stall */
} opt;

/* One connection's state (in its child). */
struct client {
	int fd;
	char peer[32];			/* "ADDR:PORT" for the log */
	char req[MAX_HEADERS + 1];	/* the request as read */
	size_t req_len;
	char line[200];			/* the request line, printable, for the log */
	int head;			/* HEAD: no body */
	int status;
	long long sent;			/* body bytes */
};

static void usage(void)
{
	fprintf(stderr, "usage: httpd [-p PORT] [-a ADDR] [-d DIR] [-n MAXCONN] "
			"[-t SECS]\n");
	exit(2);
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 301: return "Moved Permanently";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* --- socket output, bounded by -t ------------------------------------------ */

/* Send all of @p; -1 if the client went away or stalled. */
static int send_all(struct client *c, const void *p, size_t len)
{
	const char *s = p;

	while (len) {
		ssize_t n = send(c->fd, s, len, MSG_NOSIGNAL);

		if (n > 0) {
			s += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };

			if (poll(&pfd, 1, opt.timeout * 1000) == 0)
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

static void log_request(const struct client *c)
{
	fprintf(stderr, "%s \"%s\" %d %lld\n", c->peer,
		c->line[0] ? c->line : "-", c->status, c->sent);
}

/*
 * Send the status line and headers; @type NULL: no Content-Type, @length
 * < 0: no Content-Length. @extra is more header lines (CRLF-terminated).
 */
static int send_headers(struct client *c, int status, const char *type,
			long long length, const char *extra)
{
	char h[1024], date[64];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	c->status = status;
	n = snprintf(h, sizeof(h), "HTTP/1.1 %d %s\r\nServer: Pagoda-httpd\r\n"
		     "Date: %s\r\nConnection: close\r\n", status, reason(status), date);
	if (type)
		n += snprintf(h + n, sizeof(h) - (size_t)n, "Content-Type: %s\r\n", type);
	if (length >= 0)
		n += snprintf(h + n, sizeof(h) - (size_t)n, "Content-Length: %lld\r\n",
			      length);
	n += snprintf(h + n, sizeof(h) - (size_t)n, "%s\r\n", extra ? extra : "");
	if (n >= (int)sizeof(h))
		return -1;
	return send_all(c, h, (size_t)n);
}

/* A small HTML page for an error status. */
static void send_error(struct client *c, int status, const char *extra)
{
	char body[256];
	int n = snprintf(body, sizeof(body),
			 "<html><head><title>%d %s</title></head>\n"
			 "<body><h1>%d %s</h1></body></html>\n",
			 status, reason(status), status, reason(status));

	if (send_headers(c, status, "text/html", n, extra) == 0 && !c->head &&
	    send_all(c, body, (size_t)n) == 0)
		c->sent = n;
}

/* --- reading the request --------------------------------------------------- */

/*
 * Read until the blank line that ends the headers: 0 when complete (the
 * string c->req then ends after the last header line), or the error
 * status to answer (400, 408, 414, 431). Nothing past MAX_HEADERS is
 * ever stored.
 */
static int read_request(struct client *c)
{
	time_t deadline = time(NULL) + opt.timeout;

	c->req_len = 0;
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		char *eol, *end;
		ssize_t n;
		long left = (long)(deadline - time(NULL));

		c->req[c->req_len] = 0;
		eol = memchr(c->req, '\n', c->req_len);
		if (!eol && c->req_len > MAX_REQUEST_LINE)
			return 414;
		if (eol && (size_t)(eol - c->req) > MAX_REQUEST_LINE)
			return 414;
		end = strstr(c->req, "\r\n\r\n");
		if (end || (end = strstr(c->req, "\n\n"))) {
			end[*end == '\r' ? 2 : 1] = 0;	/* the headers' last newline stays */
			return 0;
		}
		if (c->req_len == MAX_HEADERS)
			return 431;
		if (memchr(c->req, 0, c->req_len))
			return 400;
		if (left <= 0 || poll(&pfd, 1, (int)left * 1000) == 0)
			return 408;
		n = recv(c->fd, c->req + c->req_len, MAX_HEADERS - c->req_len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;	/* gone: nothing to answer */
		c->req_len += (size_t)n;
	}
}

/* Copy the request line, printable and bounded, for the log. */
static void note_request_line(struct client *c)
{
	size_t i;

	for (i = 0; i < sizeof(c->line) - 1 && i < c->req_len; i++) {
		unsigned char ch = (unsigned char)c->req[i];

		if (ch == '\r' || ch == '\n')
			break;
		c->line[i] = isprint(ch) ? (char)ch : '?';
	}
	c->line[i] = 0;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/*
 * Decode the request target @t (up to '?' or '#') into @out (@max bytes):
 * 0, or the status to answer: 400 (malformed, %00), 403 (a ".."
 * component).
 */
static int decode_path(const char *t, char *out, size_t max)
{
	size_t n = 0;
	const char *seg;

	if (*t != '/')
		return 400;
	for (; *t && *t != '?' && *t != '#'; t++) {
		int ch = (unsigned char)*t;

		if (ch == '%') {
			int hi = hexval((unsigned char)t[1]), lo;

			lo = hi < 0 ? -1 : hexval((unsigned char)t[2]);
			if (lo < 0)
				return 400;
			ch = hi << 4 | lo;
			if (!ch)
				return 400;
			t += 2;
		}
		if (n + 1 >= max)
			return 414;
		out[n++] = (char)ch;
	}
	out[n] = 0;
	for (seg = out; seg; seg = strchr(seg + 1, '/')) {
		const char *s = seg + 1;
		size_t len = strcspn(s, "/");

		if (len == 2 && s[0] == '.' && s[1] == '.')
			return 403;
	}
	return 0;
}

/* Is there a header @name (case-insensitive) among the lines @headers? */
static int has_header(const char *headers, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	for (p = headers; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncasecmp(p, name, len) && p[len] == ':')
			return 1;
	return 0;
}

/* --- answering --------------------------------------------------------------- */

static const char *content_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ "html", "text/html" }, { "htm", "text/html" },
		{ "txt", "text/plain" }, { "c", "text/plain" },
		{ "h", "text/plain" }, { "md", "text/plain" },
		{ "css", "text/css" }, { "js", "text/javascript" },
		{ "json", "application/json" }, { "xml", "application/xml" },
		{ "png", "image/png" }, { "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" }, { "gif", "image/gif" },
		{ "svg", "image/svg+xml" }, { "ico", "image/x-icon" },
		{ "pdf", "application/pdf" }, { "gz", "application/gzip" },
		{ "tar", "application/x-tar" },
	};
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	size_t i;

	if (dot && (!slash || dot > slash))
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcasecmp(dot + 1, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

static int errno_status(int err)
{
	return err == ENOENT || err == ENOTDIR ? 404 :
	       err == EACCES || err == EPERM ? 403 : 500;
}

/* Send an open regular file: headers, then the body through IO_SIZE. */
static void send_file(struct client *c, int fd, const struct stat *st,
		      const char *path)
{
	static char buf[IO_SIZE];
	long long left = st->st_size;

	if (send_headers(c, 200, content_type(path), st->st_size, NULL) < 0 ||
	    c->head)
		return;
	while (left > 0) {
		ssize_t n = read(fd, buf, left < IO_SIZE ? (size_t)left : IO_SIZE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* file shrank or failed: the length is short */
		if (send_all(c, buf, (size_t)n) < 0)
			return;
		c->sent += n;
		left -= n;
	}
}

/* A growing text buffer for the directory listing. */
struct text {
	char *p;
	size_t len, cap;
	int failed;
};

static void text_add(struct text *t, const char *s, size_t len)
{
	if (t->failed)
		return;
	if (t->len + len + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		char *p;

		while (cap < t->len + len + 1)
			cap *= 2;
		if (cap > LISTING_MAX || !(p = realloc(t->p, cap))) {
			t->failed = 1;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, len);
	t->len += len;
	t->p[t->len] = 0;
}

static void text_puts(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

/* @s HTML-escaped (as text), or %-encoded (as a link target). */
static void text_escaped(struct text *t, const char *s, int as_url)
{
	char tmp[8];

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (as_url && !(isalnum(ch) || strchr("-._~/", ch))) {
			snprintf(tmp, sizeof(tmp), "%%%02X", ch);
			text_puts(t, tmp);
		} else if (!as_url && strchr("<>&\"'", ch)) {
			snprintf(tmp, sizeof(tmp), "&#%d;", ch);
			text_puts(t, tmp);
		} else {
			text_add(t, s, 1);
		}
	}
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The listing of directory @fspath, shown as URL path @urlpath. */
static void send_listing(struct client *c, const char *fspath, const char *urlpath)
{
	struct text t = { 0 };
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d = opendir(fspath);

	if (!d) {
		send_error(c, errno_status(errno), NULL);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) *
						   sizeof(*names));
			if (!nn)
				break;
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	text_puts(&t, "<html><head><title>Index of ");
	text_escaped(&t, urlpath, 0);
	text_puts(&t, "</title></head>\n<body><h1>Index of ");
	text_escaped(&t, urlpath, 0);
	text_puts(&t, "</h1>\n<ul>\n<li><a href=\"../\">../</a></li>\n");
	for (i = 0; i < n; i++) {
		char full[PATH_MAX];
		struct stat st;
		int is_dir = snprintf(full, sizeof(full), "%s/%s", fspath,
				      names[i]) < (int)sizeof(full) &&
			     stat(full, &st) == 0 && S_ISDIR(st.st_mode);

		text_puts(&t, "<li><a href=\"");
		text_escaped(&t, names[i], 1);
		text_puts(&t, is_dir ? "/\">" : "\">");
		text_escaped(&t, names[i], 0);
		text_puts(&t, is_dir ? "/</a></li>\n" : "</a></li>\n");
		free(names[i]);
	}
	free(names);
	text_puts(&t, "</ul></body></html>\n");
	if (t.failed) {
		send_error(c, 500, NULL);
	} else if (send_headers(c, 200, "text/html", (long long)t.len, NULL) == 0 &&
		   !c->head && send_all(c, t.p, t.len) == 0) {
		c->sent = (long long)t.len;
	}
	free(t.p);
}

/* Answer GET/HEAD of the decoded @path ("/..."), relative to the cwd (DIR). */
static void serve_path(struct client *c, const char *path)
{
	char fs[MAX_REQUEST_LINE + 32];
	struct stat st;
	int fd;

	snprintf(fs, sizeof(fs), ".%s", path);
	fd = open(fs, O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		send_error(c, errno_status(errno), NULL);
		return;
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		send_error(c, 500, NULL);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		char loc[3 * MAX_REQUEST_LINE + 64];	/* room to %-encode */
		int ifd;

		close(fd);
		if (path[strlen(path) - 1] != '/') {
			/* relative links in the page need the trailing slash */
			struct text enc = { 0 };

			text_escaped(&enc, path, 1);
			snprintf(loc, sizeof(loc), "Location: %s/\r\n",
				 enc.failed ? "/" : enc.p);
			free(enc.p);
			send_error(c, 301, loc);
			return;
		}
		snprintf(loc, sizeof(loc), "%sindex.html", fs);
		ifd = open(loc, O_RDONLY | O_NONBLOCK);
		if (ifd >= 0 && fstat(ifd, &st) == 0 && S_ISREG(st.st_mode)) {
			fcntl(ifd, F_SETFL, 0);
			send_file(c, ifd, &st, loc);
			close(ifd);
			return;
		}
		if (ifd >= 0)
			close(ifd);
		send_listing(c, fs, path);
		return;
	}
	if (!S_ISREG(st.st_mode)) {	/* no FIFOs, devices, sockets */
		close(fd);
		send_error(c, 403, NULL);
		return;
	}
	fcntl(fd, F_SETFL, 0);
	send_file(c, fd, &st, fs);
	close(fd);
}

/*
 * Parse the request line and answer it.
 *	METHOD SP TARGET SP HTTP/1.x CRLF
 */
static void handle(struct client *c)
{
	char path[MAX_REQUEST_LINE + 1];
	char *method, *target, *version, *sp1, *sp2, *eol;
	int status;

	status = read_request(c);
	note_request_line(c);
	if (status < 0)
		return;
	if (status) {
		send_error(c, status, NULL);
		log_request(c);
		return;
	}
	eol = strchr(c->req, '\n');
	*eol = 0;
	if (eol > c->req && eol[-1] == '\r')
		eol[-1] = 0;
	method = c->req;
	sp1 = strchr(method, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || strchr(sp2 + 1, ' ')) {
		send_error(c, 400, NULL);
		goto out;
	}
	*sp1 = *sp2 = 0;
	target = sp1 + 1;
	version = sp2 + 1;
	c->head = !strcmp(method, "HEAD");
	if (strncmp(version, "HTTP/", 5) || !isdigit((unsigned char)version[5]) ||
	    version[6] != '.' || !isdigit((unsigned char)version[7]) || version[8]) {
		send_error(c, 400, NULL);
		goto out;
	}
	if (version[5] != '1') {
		send_error(c, 505, NULL);
		goto out;
	}
	if (strcmp(method, "GET") && !c->head) {
		send_error(c, 405, "Allow: GET, HEAD\r\n");
		goto out;
	}
	/* HTTP/1.1 requires a Host header (RFC 9112, 3.2) */
	if (version[7] != '0' && !has_header(eol + 1, "Host")) {
		send_error(c, 400, NULL);
		goto out;
	}
	status = decode_path(target, path, sizeof(path));
	if (status) {
		send_error(c, status, NULL);
		goto out;
	}
	serve_path(c, path);
out:
	log_request(c);
}

/* --- the server ---------------------------------------------------------------- */

/*
 * Close gracefully: send our FIN, then read and drop what the client
 * still sends (a request we refused unread) until its FIN, for at most
 * LINGER_MS. Closing with unread data would make the kernel answer with
 * a reset, which can destroy our reply before the client has read it.
 */
static void linger_close(int fd)
{
	static char sink[4096];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec t0, t;
	long ms = 0;

	shutdown(fd, SHUT_WR);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ms < LINGER_MS && poll(&pfd, 1, (int)(LINGER_MS - ms)) > 0) {
		ssize_t n = recv(fd, sink, sizeof(sink), 0);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
	}
	close(fd);
}

static void serve_client(int fd, const struct sockaddr_in *from)
{
	static struct client c;
	char a[INET_ADDRSTRLEN];

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	inet_ntop(AF_INET, &from->sin_addr, a, sizeof(a));
	snprintf(c.peer, sizeof(c.peer), "%s:%u", a, ntohs(from->sin_port));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	handle(&c);
	linger_close(fd);
}

static int parse_int(const char *s, int lo, int hi, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < lo || v > hi) {
		fprintf(stderr, "httpd: bad %s: %s\n", what, s);
		exit(2);
	}
	return (int)v;
}

static int open_listener(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), on = 1;
	char a[INET_ADDRSTRLEN];

	if (fd < 0) {
		perror("httpd: socket");
		exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	inet_ntop(AF_INET, &opt.addr.sin_addr, a, sizeof(a));
	if (bind(fd, (struct sockaddr *)&opt.addr, sizeof(opt.addr)) < 0) {
		fprintf(stderr, "httpd: bind %s:%u: %s\n", a,
			ntohs(opt.addr.sin_port), strerror(errno));
		exit(1);
	}
	if (listen(fd, 64) < 0) {
		perror("httpd: listen");
		exit(1);
	}
	fprintf(stderr, "httpd: serving %s on %s:%u (fork per connection, "
		"at most %d at once)\n", opt.dir, a, ntohs(opt.addr.sin_port),
		opt.maxconn);
	return fd;
}

int main(int argc, char **argv)
{
	int lfd, c, children = 0;

	memset(&opt.addr, 0, sizeof(opt.addr));
	opt.addr.sin_family = AF_INET;
	opt.addr.sin_port = htons(80);
	opt.dir = ".";
	opt.maxconn = 16;
	opt.timeout = 30;
	while ((c = getopt(argc, argv, "p:a:d:n:t:h")) != -1) {
		switch (c) {
		case 'p':
			opt.addr.sin_port = htons((uint16_t)parse_int(optarg, 1, 65535,
								      "port"));
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &opt.addr.sin_addr) != 1) {
				fprintf(stderr, "httpd: %s: not a numeric IPv4 address\n",
					optarg);
				return 2;
			}
			break;
		case 'd':
			opt.dir = optarg;
			break;
		case 'n':
			opt.maxconn = parse_int(optarg, 1, 10000, "connection limit");
			break;
		case 't':
			opt.timeout = parse_int(optarg, 1, 86400, "timeout");
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (chdir(opt.dir) < 0) {
		fprintf(stderr, "httpd: %s: %s\n", opt.dir, strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	lfd = open_listener();

	for (;;) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		pid_t pid;
		int fd;

		while (children > 0 && waitpid(-1, NULL, WNOHANG) > 0)
			children--;
		while (children >= opt.maxconn && waitpid(-1, NULL, 0) > 0)
			children--;
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		fd = accept(lfd, (struct sockaddr *)&from, &len);
		if (fd < 0)
			continue;	/* the client gave up, or EINTR */
		pid = fork();
		if (pid == 0) {
			close(lfd);
			serve_client(fd, &from);
			_exit(0);
		}
		if (pid < 0) {
			perror("httpd: fork");
			/* serve it here rather than drop it */
			serve_client(fd, &from);
		} else {
			children++;
			close(fd);
		}
	}
}
