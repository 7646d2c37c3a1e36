/*
 * proc_net.c - the stack's side of /proc/net (kernel/net/proc_net.h):
 * lo's counters, and one row per TCP and UDP pcb in Linux's terms. The
 * text itself is procfs's (kernel/fs/proc_net.c), which cannot see lwIP.
 *
 * Everything here runs under lwIP's core lock, which guards the pcb lists
 * and every inet_sock field read (inet.h); a pcb's socket is found the way
 * tcp.c and udp.c attach it (inet_tcp_sock_of, inet_udp_sock_of), and a
 * socket cannot be released meanwhile, because its release takes the same
 * lock. Its struct socket's file and inode live until after that release
 * (fput: ->release first), so the inode number and owner read here are
 * those of a live file.
 *
 * What lwIP's pcbs say, in Linux's units (clock ticks of USER_HZ 100):
 *
 *   tx_queue   snd_lbb - lastack: bytes queued and not yet acknowledged
 *              (a SYN or FIN counts one, as in Linux's write_seq - snd_una)
 *   rx_queue   the socket's unread bytes (inet_sock rx_len); a listener's
 *              accept queue length; UDP: the queued datagrams' charge
 *              (dgram_bytes, payload + a fixed overhead, as Linux's
 *              rmem counts truesize)
 *   timer      1 while a segment waits for its ACK (rtime counting up to
 *              rto in 500 ms ticks), 4 while zero-window probes run, 2 for
 *              an idle keepalive connection, 3 TIME_WAIT (2 MSL from tmr)
 *   rto, cwnd  lwIP's rto (500 ms ticks) and cwnd (bytes) converted;
 *              ssthresh -1 while still lwIP's initial one, as Linux
 *              prints an initial slow start
 *
 * Linux's TIME_WAIT and SYN_RECV lines belong to no socket (inode 0): a
 * lwIP pcb in SYN_RCVD under a listener has no inet_sock yet (tcp.c makes
 * one at accept time), and one in TIME_WAIT is listed so even while its
 * socket is still open, as Linux's full socket has closed by then. A pcb
 * that no socket owns any more (closed, finishing its FIN exchange) or
 * that lwIP itself opened has inode and uid 0.
 */
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "kernel/net/inet/inet.h"
#include "kernel/fs/fs.h"
#include "kernel/net/net.h"
#include "kernel/net/proc_net.h"

#define MS_PER_TICK		10		/* USER_HZ 100 */
#define LOOPIF_NAME		"lo0"		/* lwIP's loopback, LWIP_HAVE_LOOPIF */
#define LWIP_INITIAL_RTO_MS	3000		/* tcp_alloc()'s rto */
#define LWIP_INITIAL_CWND_SEGS	3		/* LWIP_TCP_CALC_INITIAL_CWND(TCP_MSS): 4380 bytes */

/* ---- interfaces ---- */

bool net_proc_lo_stats(struct net_if_stats *st)
{
	struct netif *lo;

	if (!net_ready())
		return false;
	inet_lock();
	lo = netif_find(LOOPIF_NAME);
	if (lo) {
		const struct stats_mib2_netif_ctrs *c = &lo->mib2_counters;

		/* lwIP's counters are 32 bits: they wrap at 4 GiB. */
		*st = (struct net_if_stats){
			.rx_bytes = c->ifinoctets,
			.rx_packets = (uint64_t)c->ifinucastpkts + c->ifinnucastpkts,
			.rx_errors = c->ifinerrors,
			.rx_dropped = c->ifindiscards,
			.tx_bytes = c->ifoutoctets,
			.tx_packets = (uint64_t)c->ifoutucastpkts + c->ifoutnucastpkts,
			.tx_errors = c->ifouterrors,
			.tx_dropped = c->ifoutdiscards,
		};
	}
	inet_unlock();
	return lo != NULL;
}

/* ---- TCP ---- */

static uint8_t linux_tcp_state(enum tcp_state s)
{
	switch (s) {
	case CLOSED:		return NET_TCP_CLOSE;
	case LISTEN:		return NET_TCP_LISTEN;
	case SYN_SENT:		return NET_TCP_SYN_SENT;
	case SYN_RCVD:		return NET_TCP_SYN_RECV;
	case ESTABLISHED:	return NET_TCP_ESTABLISHED;
	case FIN_WAIT_1:	return NET_TCP_FIN_WAIT1;
	case FIN_WAIT_2:	return NET_TCP_FIN_WAIT2;
	case CLOSE_WAIT:	return NET_TCP_CLOSE_WAIT;
	case CLOSING:		return NET_TCP_CLOSING;
	case LAST_ACK:		return NET_TCP_LAST_ACK;
	case TIME_WAIT:		return NET_TCP_TIME_WAIT;
	}
	return NET_TCP_CLOSE;
}

/* Milliseconds (negative: overdue, shown as 0, as Linux) to clock ticks. */
static uint64_t ms_to_ticks(long ms)
{
	return ms > 0 ? (uint64_t)ms / MS_PER_TICK : 0;
}

/* The inode of @isk's socket file, or NULL (none, or an embryo not accepted yet). */
static const struct inode *sock_inode(const struct inet_sock *isk)
{
	return isk && isk->sock ? isk->sock->file->inode : NULL;
}

/*
 * The owner and inode number of @isk's socket. An embryo has no file yet:
 * its listener's owner and inode 0, as Linux's clone of the listener.
 */
static void row_owner(struct net_sock_row *r, const struct inet_sock *isk)
{
	const struct inode *inode = sock_inode(isk);

	if (inode) {
		r->uid = inode->uid;
		r->ino = inode->ino;
	} else if (isk && isk->listener && (inode = sock_inode(isk->listener))) {
		r->uid = inode->uid;
	}
}

static void row_addrs(struct net_sock_row *r, const ip_addr_t *l, uint16_t lport,
		      const ip_addr_t *rem, uint16_t rport)
{
	r->laddr = ip4_addr_get_u32(ip_2_ip4(l));
	r->lport = lport;
	r->raddr = rem ? ip4_addr_get_u32(ip_2_ip4(rem)) : 0;
	r->rport = rport;
}

static void tcp_row_listen(struct tcp_pcb_listen *l, struct net_sock_row *r)
{
	const struct inet_sock *isk = inet_tcp_sock_of((const struct tcp_pcb *)l);

	r->kind = NET_ROW_SOCK;
	r->state = NET_TCP_LISTEN;
	row_addrs(r, &l->local_ip, l->local_port, NULL, 0);
	r->rx_queue = isk ? isk->accept_len : 0;
	row_owner(r, isk);
	/* A listener sends nothing: what its connections start with. */
	r->rto = ms_to_ticks(LWIP_INITIAL_RTO_MS);
	r->cwnd = LWIP_INITIAL_CWND_SEGS;
	r->ssthresh = 0;			/* Linux: the TCP Fast Open queue, none */
}

/* Which of Linux's timers a connection has running, and when it fires. */
static void tcp_row_timer(const struct tcp_pcb *pcb, struct net_sock_row *r)
{
	if (pcb->unacked && pcb->rtime >= 0) {
		r->timer = 1;
		r->timer_when = ms_to_ticks((long)(pcb->rto - pcb->rtime) * TCP_SLOW_INTERVAL);
	} else if (pcb->persist_backoff > 0) {
		r->timer = 4;			/* lwIP's backoff table is private: when unknown */
	} else if (ip_get_option(pcb, SOF_KEEPALIVE) &&
		   (pcb->state == ESTABLISHED || pcb->state == CLOSE_WAIT)) {
		long idle = (long)(uint32_t)(tcp_ticks - pcb->tmr) * TCP_SLOW_INTERVAL;

		r->timer = 2;
		r->timer_when = ms_to_ticks((long)pcb->keep_idle +
					    (long)pcb->keep_cnt_sent * pcb->keep_intvl - idle);
	}
}

static void tcp_row_active(struct tcp_pcb *pcb, struct net_sock_row *r)
{
	const struct inet_sock *isk = inet_tcp_sock_of(pcb);

	row_addrs(r, &pcb->local_ip, pcb->local_port, &pcb->remote_ip, pcb->remote_port);
	r->state = linux_tcp_state(pcb->state);
	tcp_row_timer(pcb, r);
	r->retransmits = pcb->nrtx;
	if (pcb->state == SYN_RCVD && !isk && pcb->listener) {
		/* A handshake a listener answered: Linux's request sock. */
		const struct inode *l = sock_inode(inet_tcp_sock_of((const struct tcp_pcb *)pcb->listener));

		r->kind = NET_ROW_OPENREQ;
		r->uid = l ? l->uid : 0;
		return;
	}
	r->kind = NET_ROW_SOCK;
	r->tx_queue = pcb->snd_lbb - pcb->lastack;
	r->rx_queue = isk ? (uint32_t)isk->rx_len : 0;
	r->probes = (uint32_t)pcb->keep_cnt_sent + pcb->persist_probe;
	row_owner(r, isk);
	r->rto = ms_to_ticks((long)pcb->rto * TCP_SLOW_INTERVAL);
	r->ato = ms_to_ticks(TCP_FAST_INTERVAL);	/* delayed ACKs go out on the fast timer */
	/* lwIP counts bytes (1 until the handshake is done); Linux segments, at least 1. */
	r->cwnd = pcb->mss ? MAX(pcb->cwnd / pcb->mss, 1u) : 1;
	r->ssthresh = pcb->ssthresh == TCP_SND_BUF || !pcb->mss ? -1
							       : (int32_t)(pcb->ssthresh / pcb->mss);
}

static void tcp_row_timewait(struct tcp_pcb *pcb, struct net_sock_row *r)
{
	long left = 2 * (long)TCP_MSL -
		    (long)(uint32_t)(tcp_ticks - pcb->tmr) * TCP_SLOW_INTERVAL;

	r->kind = NET_ROW_TIMEWAIT;
	r->state = NET_TCP_TIME_WAIT;
	row_addrs(r, &pcb->local_ip, pcb->local_port, &pcb->remote_ip, pcb->remote_port);
	r->timer = 3;
	r->timer_when = ms_to_ticks(left);
}

void net_proc_tcp_walk(net_row_fn fn, void *arg)
{
	struct tcp_pcb_listen *l;
	struct tcp_pcb *pcb;
	struct net_sock_row r;

	if (!net_ready())
		return;
	inet_lock();
	for (l = tcp_listen_pcbs.listen_pcbs; l; l = l->next) {
		r = (struct net_sock_row){ 0 };
		tcp_row_listen(l, &r);
		fn(arg, &r);
	}
	for (pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
		r = (struct net_sock_row){ 0 };
		tcp_row_active(pcb, &r);
		fn(arg, &r);
	}
	for (pcb = tcp_tw_pcbs; pcb; pcb = pcb->next) {
		r = (struct net_sock_row){ 0 };
		tcp_row_timewait(pcb, &r);
		fn(arg, &r);
	}
	inet_unlock();
}

/* ---- UDP ---- */

void net_proc_udp_walk(net_row_fn fn, void *arg)
{
	struct udp_pcb *pcb;
	struct net_sock_row r;

	if (!net_ready())
		return;
	inet_lock();
	for (pcb = udp_pcbs; pcb; pcb = pcb->next) {
		const struct inet_sock *isk = inet_udp_sock_of(pcb);
		bool connected = pcb->flags & UDP_FLAGS_CONNECTED;

		r = (struct net_sock_row){ .kind = NET_ROW_SOCK };
		row_addrs(&r, &pcb->local_ip, pcb->local_port,
			  connected ? &pcb->remote_ip : NULL, connected ? pcb->remote_port : 0);
		r.state = connected ? NET_TCP_ESTABLISHED : NET_TCP_CLOSE;
		r.rx_queue = isk ? (uint32_t)isk->dgram_bytes : 0;
		row_owner(&r, isk);
		fn(arg, &r);
	}
	inet_unlock();
}
