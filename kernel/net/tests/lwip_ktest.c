/*
 * lwip_ktest.c - lwIP in the kernel over loopback (127.0.0.1): a TCP echo
 * of 1 MiB between two kernel threads through the netconn API, UDP both
 * ways, a connect to a closed port refused at once, and the port's
 * primitives (kernel/net/lwip/sys_arch.c): a mailbox fetch that times
 * out, a semaphore woken by another thread; TCP's initial sequence
 * numbers.
 *
 * lwIP's calls sleep, and the tests run in the boot CPU's idle context,
 * which must not: each test starts kernel threads ("actors") that do the
 * work and record the first thing that went wrong; the test body only
 * yields until they are done and then asserts on what they found.
 *
 * No leak: the TCP and UDP tests compare lwIP's own counters - every
 * memp pool's objects in use, the heap's bytes in use (LWIP_STATS), and
 * the bytes the port's malloc has handed out - with their values before
 * the test, once the connections are gone. A TCP connection closed first
 * from this side lingers in TIME_WAIT for 2 MSL (lwIP: 2 minutes), as it
 * should; the test checks it is there and then aborts it.
 */
#include "lwip/api.h"
#include "lwip/memp.h"
#include "lwip/netbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "pagoda_hooks.h"
#include "arch/cpu.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/net/net.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/wait.h"
#include "kernel/watchdog.h"
#include "actor.h"

static const ip_addr_t loopback = IPADDR4_INIT_BYTES(127, 0, 0, 1);

/* ---- what lwIP holds (LWIP_STATS) ---- */

struct lwip_usage {
	mem_size_t memp_used[MEMP_MAX];
	mem_size_t heap_used;
	size_t port_bytes;
};

static void usage_read(struct lwip_usage *u)
{
	for (int i = 0; i < MEMP_MAX; i++)
		u->memp_used[i] = READ_ONCE(lwip_stats.memp[i]->used);
	u->heap_used = READ_ONCE(lwip_stats.mem.used);
	u->port_bytes = pagoda_lwip_mem_in_use();
}

/* The first pool that differs, -1 for the heap, -2 for the port, or MEMP_MAX. */
static int usage_diff(const struct lwip_usage *a, const struct lwip_usage *b)
{
	for (int i = 0; i < MEMP_MAX; i++)
		if (a->memp_used[i] != b->memp_used[i])
			return i;
	if (a->heap_used != b->heap_used)
		return -1;
	if (a->port_bytes != b->port_bytes)
		return -2;
	return MEMP_MAX;
}

/*
 * Back to @before? lwIP's timers come and go with the connections (the
 * TCP timer stops a tick after the last one), so allow it 2 s to settle.
 */
static enum ktest_result usage_back_to(const struct lwip_usage *before)
{
	struct lwip_usage now;
	int d;

	YIELD_UNTIL((usage_read(&now), usage_diff(before, &now) == MEMP_MAX), 2);
	d = usage_diff(before, &now);
	if (d >= 0 && d < MEMP_MAX) {
		ktest_fail_reason(__FILE__, __LINE__, "lwIP pool %d: %u in use, %u before",
				  d, (unsigned int)now.memp_used[d],
				  (unsigned int)before->memp_used[d]);
		return KT_FAIL;
	}
	if (d == -1 || d == -2) {
		ktest_fail_reason(__FILE__, __LINE__, "lwIP %s: %lu bytes in use, %lu before",
				  d == -1 ? "heap" : "port malloc",
				  d == -1 ? (unsigned long)now.heap_used : (unsigned long)now.port_bytes,
				  d == -1 ? (unsigned long)before->heap_used :
					    (unsigned long)before->port_bytes);
		return KT_FAIL;
	}
	return KT_PASS;
}

/* ---- (a) TCP echo of 1 MiB ---- */

#define ECHO_PORT	7007
#define ECHO_BYTES	(1024 * 1024)
#define ECHO_CHUNK	3000		/* not a multiple of the MSS */
#define ECHO_AHEAD	(16 * 1024)	/* most sent and not yet echoed back */

/* The byte at offset @i of the stream: every offset distinct over 1 MiB. */
static uint8_t echo_byte(uint32_t i)
{
	return (uint8_t)((i ^ (i >> 8) ^ (i >> 16)) * 167 + 13);
}

static volatile bool echo_listening;
static volatile uint32_t echo_server_bytes;	/* echoed by the server */

/* Accept one connection and write back everything it reads, until EOF. */
static int echo_server(struct actor *a)
{
	struct netconn *l = netconn_new(NETCONN_TCP), *c = NULL;
	struct netbuf *nb;
	err_t err;

	A_CHECK(a, l != NULL, 0);
	A_CHECK(a, (err = netconn_bind(l, IP4_ADDR_ANY, ECHO_PORT)) == ERR_OK, err);
	A_CHECK(a, (err = netconn_listen(l)) == ERR_OK, err);
	netconn_set_recvtimeout(l, 10000);
	WRITE_ONCE(echo_listening, true);
	err = netconn_accept(l, &c);
	netconn_delete(l);
	A_CHECK(a, err == ERR_OK, err);
	netconn_set_recvtimeout(c, 10000);
	while ((err = netconn_recv(c, &nb)) == ERR_OK) {
		do {
			void *data;
			u16_t len;

			netbuf_data(nb, &data, &len);
			err = netconn_write(c, data, len, NETCONN_COPY);
			if (err != ERR_OK)
				break;
			echo_server_bytes += len;
		} while (netbuf_next(nb) >= 0);
		netbuf_delete(nb);
		if (err != ERR_OK)
			break;
	}
	/* The client shut its side: ERR_CLSD is the end of the stream. */
	if (err == ERR_CLSD)
		err = netconn_close(c);
	netconn_delete(c);
	A_CHECK(a, err == ERR_OK, err);
	return 0;
}

static uint32_t echo_sent, echo_received;

/* Check what came back against the stream; false at the first wrong byte. */
static bool echo_take(struct netbuf *nb, uint32_t *bad)
{
	do {
		void *data;
		u16_t len;

		netbuf_data(nb, &data, &len);
		for (u16_t i = 0; i < len; i++) {
			if (((uint8_t *)data)[i] != echo_byte(echo_received + i)) {
				*bad = echo_received + i;
				return false;
			}
		}
		echo_received += len;
	} while (netbuf_next(nb) >= 0);
	return true;
}

static int echo_client(struct actor *a)
{
	static uint8_t chunk[ECHO_CHUNK];
	struct netconn *c = netconn_new(NETCONN_TCP);
	struct netbuf *nb;
	uint32_t bad = 0;
	err_t err;

	A_CHECK(a, c != NULL, 0);
	netconn_set_recvtimeout(c, 10000);
	A_CHECK(a, (err = netconn_connect(c, &loopback, ECHO_PORT)) == ERR_OK, err);
	while (echo_received < ECHO_BYTES) {
		/* Keep at most ECHO_AHEAD in flight, so neither side's window fills. */
		if (echo_sent < ECHO_BYTES && echo_sent - echo_received < ECHO_AHEAD) {
			uint32_t n = ECHO_BYTES - echo_sent;

			if (n > ECHO_CHUNK)
				n = ECHO_CHUNK;
			for (uint32_t i = 0; i < n; i++)
				chunk[i] = echo_byte(echo_sent + i);
			err = netconn_write(c, chunk, n, NETCONN_COPY);
			if (err != ERR_OK)
				break;
			echo_sent += n;
			continue;
		}
		err = netconn_recv(c, &nb);
		if (err != ERR_OK)
			break;
		if (!echo_take(nb, &bad)) {
			netbuf_delete(nb);
			break;
		}
		netbuf_delete(nb);
	}
	if (echo_received != ECHO_BYTES) {
		netconn_delete(c);
		A_CHECK(a, bad == 0, bad);
		A_CHECK(a, err == ERR_OK, err);
		A_CHECK(a, echo_received == ECHO_BYTES, echo_received);
	}
	/* Half-close, then the server's FIN arrives as ERR_CLSD. */
	err = netconn_shutdown(c, 0, 1);
	if (err == ERR_OK)
		while ((err = netconn_recv(c, &nb)) == ERR_OK)
			netbuf_delete(nb);
	netconn_delete(c);
	A_CHECK(a, err == ERR_CLSD, err);
	return 0;
}

/* Count lwIP's TIME_WAIT connections and abort them (core lock taken). */
static int tcp_drop_time_wait(void)
{
	int n = 0;

	LOCK_TCPIP_CORE();
	while (tcp_tw_pcbs) {
		tcp_abort(tcp_tw_pcbs);
		n++;
	}
	UNLOCK_TCPIP_CORE();
	return n;
}

static volatile int echo_time_wait;

static int echo_cleanup(struct actor *a)
{
	echo_time_wait = tcp_drop_time_wait();
	return 0;
}

KTEST(lwip_tcp_echo_1mib)
{
	static struct actor server = { .fn = echo_server }, client = { .fn = echo_client },
			    cleanup = { .fn = echo_cleanup };
	struct lwip_usage before;
	enum ktest_result r;
	uint64_t t0;

	if ((r = wait_net_ready()) != KT_PASS)
		return r;
	usage_read(&before);
	echo_listening = false;
	echo_server_bytes = echo_sent = echo_received = 0;
	KT_ASSERT(actor_start(&server, "echo-server"));
	KT_ASSERT(YIELD_UNTIL(echo_listening || server.done, 10));
	if (server.done)
		KT_ACTOR_OK(&server);
	t0 = clock_ns();
	KT_ASSERT(actor_start(&client, "echo-client"));
	KT_ASSERT(YIELD_UNTIL(server.done && client.done, 120));
	printk("lwip_tcp_echo_1mib: 1 MiB there and back in %lu ms\n",
	       (unsigned long)((clock_ns() - t0) / 1000000));
	KT_ACTOR_OK(&client);
	KT_ACTOR_OK(&server);
	KT_ASSERT_EQ(echo_received, ECHO_BYTES);
	KT_ASSERT_EQ(echo_server_bytes, ECHO_BYTES);
	/* The client closed first: its end waits in TIME_WAIT, and only it. */
	KT_ASSERT(actor_start(&cleanup, "echo-cleanup"));
	KT_ASSERT(YIELD_UNTIL(cleanup.done, 10));
	KT_ASSERT_EQ(echo_time_wait, 1);
	return usage_back_to(&before);
}

/* ---- (b) UDP both ways ---- */

#define UDP_PORT_A	5501
#define UDP_PORT_B	5502
#define UDP_COUNT	24

/* Datagram @k: (k * 61) % 1400 + 1 bytes of a pattern that names it. */
static u16_t udp_len(int k)
{
	return (u16_t)((k * 61) % 1400 + 1);
}

static uint8_t udp_byte(int k, int i)
{
	return (uint8_t)(k * 31 + i * 7);
}

/* Receive one datagram on @c and check it is number @k from @port. */
static int udp_expect(struct actor *a, struct netconn *c, int k, u16_t port)
{
	struct netbuf *nb;
	uint8_t buf[1400];
	err_t err;
	u16_t len;

	A_CHECK(a, (err = netconn_recv(c, &nb)) == ERR_OK, err);
	len = netbuf_len(nb);
	A_CHECK(a, netbuf_fromport(nb) == port, netbuf_fromport(nb));
	A_CHECK(a, ip_addr_cmp(netbuf_fromaddr(nb), &loopback), k);
	A_CHECK(a, len == udp_len(k), len);
	A_CHECK(a, netbuf_copy(nb, buf, len) == len, len);
	netbuf_delete(nb);
	for (int i = 0; i < len; i++)
		A_CHECK(a, buf[i] == udp_byte(k, i), i);
	return 0;
}

static err_t udp_send(struct netconn *c, int k, u16_t port)
{
	struct netbuf *nb = netbuf_new();
	uint8_t *p;
	err_t err;

	if (!nb)
		return ERR_MEM;
	p = netbuf_alloc(nb, udp_len(k));
	if (!p) {
		netbuf_delete(nb);
		return ERR_MEM;
	}
	for (int i = 0; i < udp_len(k); i++)
		p[i] = udp_byte(k, i);
	err = netconn_sendto(c, nb, &loopback, port);
	netbuf_delete(nb);
	return err;
}

/*
 * A sends each datagram to B, B checks it and sends the next one back to
 * A's address and port as it saw them, A checks that.
 */
static int udp_both_ways(struct actor *a)
{
	struct netconn *ca = netconn_new(NETCONN_UDP), *cb = netconn_new(NETCONN_UDP);
	int ret = -1;
	err_t err;

	if (!ca || !cb)
		goto out;
	netconn_set_recvtimeout(ca, 5000);
	netconn_set_recvtimeout(cb, 5000);
	if ((err = netconn_bind(ca, &loopback, UDP_PORT_A)) != ERR_OK ||
	    (err = netconn_bind(cb, &loopback, UDP_PORT_B)) != ERR_OK) {
		a->line = __LINE__, a->what = "bind", a->val = err;
		goto out;
	}
	for (int k = 0; k < UDP_COUNT; k += 2) {
		if ((err = udp_send(ca, k, UDP_PORT_B)) != ERR_OK) {
			a->line = __LINE__, a->what = "send A->B", a->val = err;
			goto out;
		}
		if (udp_expect(a, cb, k, UDP_PORT_A))
			goto out;
		if ((err = udp_send(cb, k + 1, UDP_PORT_A)) != ERR_OK) {
			a->line = __LINE__, a->what = "send B->A", a->val = err;
			goto out;
		}
		if (udp_expect(a, ca, k + 1, UDP_PORT_B))
			goto out;
	}
	/* Nothing else arrived: a receive now times out. */
	{
		struct netbuf *nb;

		netconn_set_recvtimeout(cb, 50);
		err = netconn_recv(cb, &nb);
		if (err == ERR_OK)
			netbuf_delete(nb);
		if (err != ERR_TIMEOUT) {
			a->line = __LINE__, a->what = "extra datagram", a->val = err;
			goto out;
		}
	}
	ret = 0;
out:
	if (ca)
		netconn_delete(ca);
	if (cb)
		netconn_delete(cb);
	if (ret && !a->line)
		a->line = __LINE__, a->what = "netconn_new", a->val = 0;
	return ret;
}

KTEST(lwip_udp_loopback)
{
	static struct actor udp = { .fn = udp_both_ways };
	struct lwip_usage before;
	enum ktest_result r;

	if ((r = wait_net_ready()) != KT_PASS)
		return r;
	usage_read(&before);
	KT_ASSERT(actor_start(&udp, "udp-test"));
	KT_ASSERT(YIELD_UNTIL(udp.done, 30));
	KT_ACTOR_OK(&udp);
	return usage_back_to(&before);
}

/* ---- (c) a connect to a closed port is refused at once ---- */

#define CLOSED_PORT	7009

static volatile u32_t refused_ms;

static int connect_closed(struct actor *a)
{
	struct netconn *c = netconn_new(NETCONN_TCP);
	u32_t t0 = sys_now();
	err_t err;

	A_CHECK(a, c != NULL, 0);
	err = netconn_connect(c, &loopback, CLOSED_PORT);
	refused_ms = sys_now() - t0;
	netconn_delete(c);
	/* The RST: what the socket layer will turn into ECONNREFUSED. */
	A_CHECK(a, err == ERR_RST, err);
	return 0;
}

KTEST(lwip_tcp_connect_refused)
{
	static struct actor conn = { .fn = connect_closed };
	struct lwip_usage before;
	enum ktest_result r;

	if ((r = wait_net_ready()) != KT_PASS)
		return r;
	usage_read(&before);
	KT_ASSERT(actor_start(&conn, "refused-test"));
	KT_ASSERT(YIELD_UNTIL(conn.done, 30));
	KT_ACTOR_OK(&conn);
	/* Not a SYN retransmission timeout (the first is 3 s away). */
	KT_ASSERT(refused_ms < 1000);
	return usage_back_to(&before);
}

/*
 * TCP's initial sequence numbers (sys_arch.c, RFC 6528): one connection's
 * grow with the 4 us clock, another connection's are elsewhere in the
 * sequence space (the keyed hash of its 4-tuple differs).
 */
static int isn_check(struct actor *a)
{
	const ip4_addr_t lo = IPADDR4_INIT_BYTES(127, 0, 0, 1);
	u32_t a1, a2, b;
	uint64_t t0;

	LOCK_TCPIP_CORE();
	a1 = pagoda_tcp_isn(&lo, 40000, &lo, 80);
	b = pagoda_tcp_isn(&lo, 40001, &lo, 80);
	UNLOCK_TCPIP_CORE();
	t0 = clock_ns();
	while (clock_ns() - t0 < 2000000)	/* 2 ms: 500 ticks of 4 us */
		arch_cpu_relax();
	LOCK_TCPIP_CORE();
	a2 = pagoda_tcp_isn(&lo, 40000, &lo, 80);
	UNLOCK_TCPIP_CORE();
	A_CHECK(a, a2 - a1 >= 500 && a2 - a1 < 500 * 1000, a2 - a1);
	/* Taken microseconds apart: a difference under 10,000 is a collision. */
	A_CHECK(a, b - a1 > 10000 && a1 - b > 10000, b - a1);
	return 0;
}

KTEST(lwip_tcp_isn_per_connection)
{
	static struct actor isn = { .fn = isn_check };
	enum ktest_result r;

	if ((r = wait_net_ready()) != KT_PASS)
		return r;
	KT_ASSERT(actor_start(&isn, "isn-test"));
	KT_ASSERT(YIELD_UNTIL(isn.done, 30));
	KT_ACTOR_OK(&isn);
	return KT_PASS;
}

/* ---- (d) the port: mailbox timeout, semaphore wake-up ---- */

#define MBOX_TIMEOUT_MS	200

static volatile u32_t mbox_ret, mbox_elapsed_ms;

/* An empty mailbox: the fetch waits its 200 ms and says SYS_ARCH_TIMEOUT. */
static int mbox_timeout(struct actor *a)
{
	static int token;
	sys_mbox_t mb;
	void *msg = &token;
	uint64_t t0;

	A_CHECK(a, sys_mbox_new(&mb, 2) == ERR_OK, 0);
	t0 = clock_ns();
	mbox_ret = sys_arch_mbox_fetch(&mb, &msg, MBOX_TIMEOUT_MS);
	mbox_elapsed_ms = (clock_ns() - t0) / 1000000;
	A_CHECK(a, msg == &token, 0);		/* untouched on a timeout */
	/* Two slots: a third post does not fit; tryfetch takes them in order. */
	A_CHECK(a, sys_mbox_trypost(&mb, (void *)1) == ERR_OK, 1);
	A_CHECK(a, sys_mbox_trypost(&mb, (void *)2) == ERR_OK, 2);
	A_CHECK(a, sys_mbox_trypost(&mb, (void *)3) == ERR_MEM, 3);
	A_CHECK(a, sys_arch_mbox_tryfetch(&mb, &msg) == 0 && msg == (void *)1, msg);
	A_CHECK(a, sys_arch_mbox_tryfetch(&mb, &msg) == 0 && msg == (void *)2, msg);
	A_CHECK(a, sys_arch_mbox_tryfetch(&mb, &msg) == SYS_MBOX_EMPTY, msg);
	sys_mbox_free(&mb);
	return 0;
}

KTEST(lwip_sys_mbox_fetch_timeout)
{
	static struct actor waiter = { .fn = mbox_timeout };

	KT_ASSERT(actor_start(&waiter, "mbox-timeout"));
	KT_ASSERT(YIELD_UNTIL(waiter.done, 10));
	KT_ACTOR_OK(&waiter);
	KT_ASSERT_EQ(mbox_ret, SYS_ARCH_TIMEOUT);
	/* Not early; late by at most a few ticks (plus slack for TCG). */
	KT_ASSERT(mbox_elapsed_ms >= MBOX_TIMEOUT_MS);
	KT_ASSERT(mbox_elapsed_ms < MBOX_TIMEOUT_MS + 500);
	return KT_PASS;
}

static sys_sem_t sem;
static volatile bool sem_waiting;
static volatile u32_t sem_ret;

/* Wait up to 10 s; the signaller wakes us long before. */
static int sem_waiter(struct actor *a)
{
	WRITE_ONCE(sem_waiting, true);
	sem_ret = sys_arch_sem_wait(&sem, 10000);
	A_CHECK(a, sem_ret != SYS_ARCH_TIMEOUT, sem_ret);
	return 0;
}

/* Once the waiter sleeps on the semaphore, sleep 100 ms and signal it. */
static int sem_signaller(struct actor *a)
{
	while (!READ_ONCE(sem_waiting))
		schedule();
	sys_msleep(100);	/* lwIP's: a semaphore wait that times out */
	sys_sem_signal(&sem);
	return 0;
}

KTEST(lwip_sys_sem_woken_by_other_thread)
{
	static struct actor waiter = { .fn = sem_waiter }, signaller = { .fn = sem_signaller };

	KT_ASSERT_EQ(sys_sem_new(&sem, 0), ERR_OK);
	sem_waiting = false;
	KT_ASSERT(actor_start(&waiter, "sem-waiter"));
	KT_ASSERT(actor_start(&signaller, "sem-signaller"));
	KT_ASSERT(YIELD_UNTIL(waiter.done && signaller.done, 15));
	KT_ACTOR_OK(&waiter);
	KT_ACTOR_OK(&signaller);
	/* Woken by the signal (about 100 ms), not by the 10 s timeout. */
	KT_ASSERT(sem_ret >= 90 && sem_ret < 5000);
	/* The count went back to 0: a second wait times out. */
	KT_ASSERT(!sem.count);
	sys_sem_free(&sem);
	return KT_PASS;
}
