/*
 * inet_smoke_test.c - a first pass over AF_INET on loopback: a 1 MiB TCP
 * transfer with half-close, ECONNREFUSED, a UDP exchange, an ICMP echo
 * through a ping socket, 300 connect/accept/close cycles, and "localhost"
 * found in /etc/hosts. socket_test.c
 * covers the socket ABI call by call.
 */
#include "utest.h"
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <signal.h>

static struct sockaddr_in lo(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static void tcp_basic(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo(0);
	socklen_t al = sizeof(a);
	EXPECT(l >= 0, "socket");
	EXPECT(bind(l, (void *)&a, sizeof(a)) == 0, "bind(l, (void *)&a, sizeof(a)) == 0");
	EXPECT(listen(l, 5) == 0, "listen(l, 5) == 0");
	EXPECT(getsockname(l, (void *)&a, &al) == 0, "getsockname(l, (void *)&a, &al) == 0");
	EXPECT(a.sin_port != 0, "a.sin_port != 0");
	pid_t pid = fork();
	if (pid == 0) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c, (void *)&a, sizeof(a))) _exit(1);
		static char buf[1 << 20];
		for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (char)(i * 7);
		size_t off = 0;
		while (off < sizeof(buf)) { ssize_t n = write(c, buf + off, sizeof(buf) - off); if (n <= 0) _exit(2); off += n; }
		shutdown(c, SHUT_WR);
		char x; if (read(c, &x, 1) != 1 || x != 'k') _exit(3);
		close(c);
		_exit(0);
	}
	int s = accept(l, NULL, NULL);
	EXPECT(s >= 0, "s >= 0");
	static char got[1 << 20];
	size_t off = 0; ssize_t n;
	while ((n = read(s, got + off, sizeof(got) - off)) > 0) off += n;
	EXPECT(n == 0, "n == 0");
	EXPECT(off == sizeof(got), "off == sizeof(got)");
	for (size_t i = 0; i < sizeof(got); i++) if (got[i] != (char)(i * 7)) { ut_fail("byte %zu", i); return; }
	EXPECT(write(s, "k", 1) == 1, "write k");
	int st; EXPECT(waitpid(pid, &st, 0) == pid, "waitpid(pid, &st, 0) == pid");
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "WIFEXITED(st) && WEXITSTATUS(st) == 0");
	close(s); close(l);
}

static void tcp_refused(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo(0); socklen_t al = sizeof(a);
	EXPECT(bind(l, (void *)&a, sizeof(a)) == 0, "bind(l, (void *)&a, sizeof(a)) == 0");
	EXPECT(getsockname(l, (void *)&a, &al) == 0, "getsockname(l, (void *)&a, &al) == 0");
	close(l);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT(connect(c, (void *)&a, sizeof(a)) == -1 && errno == ECONNREFUSED, "connect(c, (void *)&a, sizeof(a)) == -1 && errno == ECONNREFUSED");
	close(c);
}

static void udp_basic(void)
{
	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = lo(0), b; socklen_t al = sizeof(a);
	EXPECT(bind(u1, (void *)&a, sizeof(a)) == 0, "bind(u1, (void *)&a, sizeof(a)) == 0");
	EXPECT(getsockname(u1, (void *)&a, &al) == 0, "getsockname(u1, (void *)&a, &al) == 0");
	EXPECT(sendto(u2, "hello", 5, 0, (void *)&a, sizeof(a)) == 5, "sendto %s", strerror(errno));
	char buf[16]; al = sizeof(b);
	EXPECT(recvfrom(u1, buf, sizeof(buf), 0, (void *)&b, &al) == 5, "recvfrom(u1, buf, sizeof(buf), 0, (void *)&b, &al) == 5");
	EXPECT(memcmp(buf, "hello", 5) == 0, "data");
	EXPECT(sendto(u1, "yo", 2, 0, (void *)&b, al) == 2, "sendto back %s", strerror(errno));
	EXPECT(recv(u2, buf, 1, 0) == 1, "recv(u2, buf, 1, 0) == 1");
	close(u1); close(u2);
}

static void ping_lo(void)
{
	int p = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	if (p < 0) { SKIP("no ping socket: %s", strerror(errno)); }
	struct sockaddr_in a = lo(0);
	unsigned char pkt[16] = { 8, 0 };
	EXPECT(sendto(p, pkt, sizeof(pkt), 0, (void *)&a, sizeof(a)) == sizeof(pkt), "sendto(p, pkt, sizeof(pkt), 0, (void *)&a, sizeof(a)) == sizeof(pkt)");
	unsigned char r[64];
	struct pollfd pf = { p, POLLIN, 0 };
	EXPECT(poll(&pf, 1, 5000) == 1, "poll(&pf, 1, 5000) == 1");
	EXPECT(recv(p, r, sizeof(r), 0) == sizeof(pkt), "recv(p, r, sizeof(r), 0) == sizeof(pkt)");
	EXPECT(r[0] == 0, "r[0] == 0");
	close(p);
}

static void cycles(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo(0); socklen_t al = sizeof(a);
	EXPECT(bind(l, (void *)&a, sizeof(a)) == 0, "bind(l, (void *)&a, sizeof(a)) == 0");
	EXPECT(listen(l, 16) == 0, "listen(l, 16) == 0");
	EXPECT(getsockname(l, (void *)&a, &al) == 0, "getsockname(l, (void *)&a, &al) == 0");
	for (int i = 0; i < 300; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c, (void *)&a, sizeof(a))) { ut_fail("connect %d: %s", i, strerror(errno)); return; }
		int s = accept(l, NULL, NULL);
		if (s < 0) { ut_fail("accept %d: %s", i, strerror(errno)); return; }
		close(c); close(s);
	}
	close(l);
}

/* "localhost" resolves through /etc/hosts (musl reads it first): no DNS. */
static void resolve_localhost(void)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	int r = getaddrinfo("localhost", "80", &hints, &res);

	EXPECT(r == 0, "getaddrinfo(localhost): %s", gai_strerror(r));
	EXPECT(res && res->ai_family == AF_INET, "no IPv4 answer");
	EXPECT(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	       "localhost is not 127.0.0.1");
	freeaddrinfo(res);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	ut_begin("inet_smoke_test");
	RUN(tcp_basic);
	RUN(tcp_refused);
	RUN(udp_basic);
	RUN(ping_lo);
	RUN(cycles);
	RUN(resolve_localhost);
	return ut_end();
}
