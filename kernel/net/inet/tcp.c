/*
 * tcp.c - SOCK_STREAM sockets of AF_INET: TCP on lwIP's raw API.
 *
 * The socket's inet_sock is the callback argument of its tcp_pcb; lwIP's
 * tcpip thread calls back, with the core lock held, when
 *
 *   data arrives      tcp_recv_cb: the pbufs join rx_head (p == NULL: FIN)
 *   data is acked     tcp_sent_cb: room to send again
 *   we are connected  tcp_connected_cb
 *   a client arrives  tcp_accept_cb (listener): a new embryo inet_sock
 *   it ends badly     tcp_err_cb: reset, timeout or abort; the pcb is gone
 *   the pcb is freed  tcp_destroyed_cb (lwIP's ext-arg hook): also after
 *                     TIME_WAIT or LAST_ACK, which tell no other callback
 *
 * so the socket never keeps a pointer to a freed pcb: pcb == NULL means
 * INET_DEAD. Received data is acknowledged to the peer (tcp_recved, the
 * window opens) only when a reader has taken it, so a slow reader slows
 * the sender as in Linux.
 *
 * Closing: the last close detaches the pcb (no more callbacks) and calls
 * tcp_close(), after which lwIP alone sends what is still queued and the
 * FIN; with unread data, or SO_LINGER of 0 seconds, it is tcp_abort()
 * instead, which sends RST - as Linux does in both cases. A listener's
 * not yet accepted connections are aborted with it.
 *
 * Differences from Linux, stated: a full accept queue (backlog + 1
 * connections, as Linux counts) makes lwIP refuse the next connection with
 * RST where Linux drops the handshake's last ACK and lets the client retry;
 * SO_SNDBUF/SO_RCVBUF are reported but lwIP's windows are fixed
 * (lwipopts.h: TCP_WND, TCP_SND_BUF); no urgent data (MSG_OOB).
 */
#include "lwip/ip4_addr.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/prot/tcp.h"
#include "pagoda_hooks.h"
#include "kernel/net/inet/inet.h"
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/poll.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"
#include "kernel/uapi.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

#define TCP_NODELAY_OPT		1	/* <netinet/tcp.h> */
#define TCP_MAXSEG_OPT		2
#define TCP_KEEPIDLE_OPT	4
#define TCP_KEEPINTVL_OPT	5
#define TCP_KEEPCNT_OPT		6
#define TCP_SEND_CHUNK		TCP_SND_BUF	/* bytes copied from the user per step */
#define TCP_MEM_RETRY_NS	(100 * 1000000ull)	/* lwIP out of memory: retry after */

static uint8_t ext_arg_id;		/* lwIP's ext-arg slot, allocated once (core lock) */
static bool ext_arg_ready;

/* ---- callbacks (tcpip thread or a task, core lock held) ---- */

/* Remember the pcb's addresses for getsockname/getpeername after it is gone. */
static void tcp_note_addrs(struct inet_sock *isk)
{
	struct tcp_pcb *pcb = isk->pcb.tcp;

	if (!pcb)
		return;
	isk->laddr = ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip));
	isk->lport = lwip_htons(pcb->local_port);
	if (isk->state == INET_LISTEN)
		return;				/* a listen pcb has no remote half */
	isk->raddr = ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip));
	isk->rport = lwip_htons(pcb->remote_port);
}

static void tcp_set_dead(struct inet_sock *isk)
{
	isk->pcb.tcp = NULL;
	isk->state = INET_DEAD;
	inet_wake(isk);
	if (isk->listener)
		inet_wake(isk->listener);	/* accept() takes dead ones too */
}

static void tcp_destroyed_cb(uint8_t id, void *data)
{
	struct inet_sock *isk = data;

	if (isk)
		tcp_set_dead(isk);
}

static const struct tcp_ext_arg_callbacks tcp_ext_callbacks = {
	.destroy = tcp_destroyed_cb,
};

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct inet_sock *isk = arg;

	if (p) {
		struct pbuf *q = inet_unpool(p);

		p = q ? q : p;			/* no memory for a copy: keep the pool's */
	}
	if (!p) {
		isk->peer_fin = true;
	} else {
		if (isk->rx_head) {
			pbuf_cat(isk->rx_head, p);
		} else {
			isk->rx_head = p;
			isk->rx_off = 0;
		}
		isk->rx_len += p->tot_len;
	}
	inet_wake(isk);
	return ERR_OK;
}

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct inet_sock *isk = arg;

	isk->sent_gen++;
	inet_wake(isk);
	return ERR_OK;
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet_sock *isk = arg;

	isk->state = INET_CONNECTED;
	isk->was_connected = true;
	tcp_note_addrs(isk);
	inet_wake(isk);
	return ERR_OK;
}

/* The pcb is already freed when lwIP calls this. */
static void tcp_err_cb(void *arg, err_t err)
{
	struct inet_sock *isk = arg;

	if (err == ERR_CLSD)
		isk->err = 0;			/* closed in order (LAST_ACK done) */
	else if (isk->state == INET_CONNECTING)
		isk->err = err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
	else if (err == ERR_RST)
		/* Linux: EPIPE if we had the peer's FIN already, else ECONNRESET. */
		isk->err = isk->peer_fin ? EPIPE : ECONNRESET;
	else
		isk->err = ETIMEDOUT;		/* lwIP aborts only on timeouts for us */
	tcp_set_dead(isk);
}

struct inet_sock *inet_tcp_sock_of(const struct tcp_pcb *pcb)
{
	return ext_arg_ready ? tcp_ext_arg_get(pcb, ext_arg_id) : NULL;
}

static void tcp_attach(struct inet_sock *isk, struct tcp_pcb *pcb)
{
	isk->pcb.tcp = pcb;
	tcp_arg(pcb, isk);
	tcp_recv(pcb, tcp_recv_cb);
	tcp_sent(pcb, tcp_sent_cb);
	tcp_err(pcb, tcp_err_cb);
	tcp_ext_arg_set_callbacks(pcb, ext_arg_id, &tcp_ext_callbacks);
	tcp_ext_arg_set(pcb, ext_arg_id, isk);
}

/* No more callbacks for @pcb's socket. */
static void tcp_detach(struct tcp_pcb *pcb)
{
	tcp_ext_arg_set(pcb, ext_arg_id, NULL);
	tcp_arg(pcb, NULL);
	if (pcb->state == LISTEN) {
		tcp_accept(pcb, NULL);
		return;
	}
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

static err_t tcp_accept_cb(void *arg, struct tcp_pcb *newpcb, err_t err)
{
	struct inet_sock *l = arg, *e;

	if (err != ERR_OK || !newpcb || !l || l->state != INET_LISTEN)
		return ERR_VAL;
	if (l->accept_len > l->backlog)
		return ERR_MEM;			/* lwIP aborts it: RST */
	e = inet_sock_alloc(SOCK_STREAM, INET_IPPROTO_TCP);
	if (!e)
		return ERR_MEM;
	tcp_attach(e, newpcb);
	e->state = INET_CONNECTED;
	e->was_connected = true;
	/* Inherited from the listener, as Linux's clone of it. */
	e->reuseaddr = l->reuseaddr;
	e->keepalive = l->keepalive;
	e->nodelay = l->nodelay;
	e->linger_on = l->linger_on;
	e->linger_secs = l->linger_secs;
	inet_tcp_apply_options(e);
	tcp_note_addrs(e);
	e->listener = l;
	list_add_tail(&e->accept_node, &l->accept_q);
	l->accept_len++;
	inet_wake(l);
	return ERR_OK;
}

/*
 * An ACK storm in lwIP 2.1.3, and its fix. While a connection's receive
 * window is 0, lwIP answers every zero-length segment with an ACK
 * (tcp_receive's "outside the window" test is on the empty range
 * [rcv_nxt, rcv_nxt - 1]), and its zero-window probe moves snd_nxt past
 * the probe byte, so the probing end's later ACKs carry a sequence number
 * one past what the other end expects. When both ends of a connection have
 * full windows (both readers behind, both writers waiting), the first ACK
 * then starts a storm - each end acknowledges the other's ACK at once -
 * and over loopback the tcpip thread spins in it with the core lock held,
 * so no reader ever runs to open a window (socket_test/bidirectional hung
 * so). RFC 793 accepts a zero-length segment at RCV.NXT with RCV.WND 0 and
 * Linux's probes reuse an old sequence number; here this hook (lwIP's
 * LWIP_HOOK_TCP_INPACKET_PCB) gives a pure ACK that is at most a few bytes
 * ahead a window just wide enough for lwIP's test to pass, so the ACK's
 * news (acknowledgement, window update) is taken and not answered. The
 * bytes are not announced (lwIP announces a window only once it grew by
 * an MSS or half the window), and at most that many bytes more than the
 * window can arrive, which tcp_recved() absorbs.
 */
#define ACK_STORM_SLACK		16	/* bytes a pure ACK may be ahead */

/*
 * The same hook acknowledges a segment merged from several frames
 * (kernel/net/lwip/eth_gro.c) at once. lwIP acknowledges every second
 * segment and delays the ACK of the first until its next fast timer tick
 * (250 ms): right for 1460-byte segments, a stall for a merged one that
 * may hold all the sender had in flight. Marking the ACK "already
 * delayed" makes tcp_receive() send it now, as for a second segment -
 * Linux's GRO'd segments count as many segments the same way.
 */
s8_t pagoda_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr, const struct pbuf *p)
{
	uint32_t ahead;

	if (pcb->state < ESTABLISHED || pcb->state == TIME_WAIT)
		return ERR_OK;			/* a listen pcb has no rcv_wnd */
	if (p->tot_len > pcb->mss)
		tcp_set_flags(pcb, TF_ACK_DELAY);
	if (p->tot_len || (TCPH_FLAGS(hdr) & (TCP_SYN | TCP_FIN | TCP_RST)) || pcb->rcv_wnd)
		return ERR_OK;
	ahead = hdr->seqno - pcb->rcv_nxt;	/* tcp_input made it host order */
	if (ahead <= ACK_STORM_SLACK)
		pcb->rcv_wnd = (tcpwnd_size_t)(ahead + 1);
	return ERR_OK;
}

/* ---- life cycle ---- */

void inet_tcp_apply_options(struct inet_sock *isk)
{
	struct tcp_pcb *pcb = isk->pcb.tcp;

	if (!pcb)
		return;
	if (isk->reuseaddr)
		ip_set_option(pcb, SOF_REUSEADDR);
	else
		ip_reset_option(pcb, SOF_REUSEADDR);
	if (pcb->state == LISTEN)
		return;
	if (isk->keepalive)
		ip_set_option(pcb, SOF_KEEPALIVE);
	else
		ip_reset_option(pcb, SOF_KEEPALIVE);
	if (isk->nodelay)
		tcp_nagle_disable(pcb);
	else
		tcp_nagle_enable(pcb);
}

/* A fresh pcb for @isk (socket(), or connecting again after a failure). */
static int tcp_new_pcb(struct inet_sock *isk)
{
	struct tcp_pcb *pcb = tcp_new();

	if (!pcb)
		return -ENOBUFS;
	tcp_attach(isk, pcb);
	isk->state = INET_UNCONNECTED;
	isk->peer_fin = false;
	inet_tcp_apply_options(isk);
	return 0;
}

int inet_tcp_init(struct inet_sock *isk)
{
	if (!ext_arg_ready) {
		ext_arg_id = tcp_ext_arg_alloc_id();
		ext_arg_ready = true;
	}
	return tcp_new_pcb(isk);
}

/*
 * Let go of @isk's connection (core lock held): detach and close it, or
 * abort it (RST) if @abort, unread data is left, or SO_LINGER is 0 s.
 * A listener's queued connections are aborted and freed.
 */
static void tcp_drop(struct inet_sock *isk, bool abort)
{
	struct tcp_pcb *pcb = isk->pcb.tcp;
	struct inet_sock *e, *tmp;

	list_for_each_entry_safe(e, tmp, &isk->accept_q, accept_node) {
		list_del_init(&e->accept_node);
		tcp_drop(e, true);
		inet_sock_free(e);
	}
	isk->accept_len = 0;
	if (!pcb)
		return;
	isk->pcb.tcp = NULL;
	tcp_detach(pcb);
	if (pcb->state == LISTEN)
		tcp_close(pcb);			/* frees it; never fails */
	else if (abort || isk->rx_len || (isk->linger_on && !isk->linger_secs))
		tcp_abort(pcb);
	else if (tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);			/* no memory for the FIN */
}

static void tcp_release(struct socket *sock)
{
	struct inet_sock *isk = inet_sk(sock);

	inet_lock();
	tcp_drop(isk, false);
	inet_sock_free(isk);
	inet_unlock();
	sock->sk = NULL;
}

/* ---- bind, listen, connect, accept ---- */

/* Whether a listener holds @port on @addr or on INADDR_ANY (core lock held). */
static bool tcp_port_listened(uint32_t addr, uint16_t port)
{
	struct tcp_pcb_listen *l;

	for (l = tcp_listen_pcbs.listen_pcbs; l; l = l->next) {
		uint32_t la = ip4_addr_get_u32(ip_2_ip4(&l->local_ip));

		if (l->local_port == port && (la == 0 || addr == 0 || la == addr))
			return true;
	}
	return false;
}

static int tcp_bind_locked(struct inet_sock *isk, uint32_t addr, uint16_t port)
{
	struct tcp_pcb *pcb = isk->pcb.tcp;
	ip_addr_t ip;
	err_t e;

	if (!pcb || isk->state != INET_UNCONNECTED || pcb->local_port)
		return -EINVAL;
	if (!inet_addr_is_local(addr))
		return -EADDRNOTAVAIL;
	/* lwIP lets two SO_REUSEADDR sockets share a listening port; Linux does not. */
	if (port && tcp_port_listened(addr, port))
		return -EADDRINUSE;
	ip_addr_set_ip4_u32(&ip, addr);
	e = tcp_bind(pcb, &ip, port);
	if (e == ERR_USE || e == ERR_BUF)
		return -EADDRINUSE;
	if (e != ERR_OK)
		return -inet_errno(e);
	tcp_note_addrs(isk);
	return 0;
}

static int tcp_bind_op(struct socket *sock, const void *addr, int len)
{
	const struct inet_sockaddr *sin = addr;
	struct inet_sock *isk = inet_sk(sock);
	uint16_t port;
	int err = inet_check_addr(addr, len, false);

	if (err)
		return err;
	port = lwip_ntohs(sin->sin_port);
	if (port && port < 1024 && !capable(CAP_NET_BIND_SERVICE_BIT))
		return -EACCES;
	inet_lock();
	err = tcp_bind_locked(isk, sin->sin_addr, port);
	inet_unlock();
	return err;
}

static int tcp_listen_op(struct socket *sock, int backlog)
{
	struct inet_sock *isk = inet_sk(sock);
	struct tcp_pcb *pcb, *lpcb;
	unsigned int b = (unsigned int)backlog;
	err_t e;
	int err = 0;

	if (b > SOMAXCONN)
		b = SOMAXCONN;			/* a negative backlog too, as Linux */
	inet_lock();
	pcb = isk->pcb.tcp;
	if (isk->state == INET_LISTEN) {
		isk->backlog = b;		/* a second listen() only resizes */
		goto out;
	}
	if (!pcb || isk->state != INET_UNCONNECTED) {
		err = -EINVAL;
		goto out;
	}
	if (!pcb->local_port) {
		err = tcp_bind_locked(isk, 0, 0);	/* an ephemeral port, as Linux */
		if (err)
			goto out;
	} else if (tcp_port_listened(ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip)), pcb->local_port)) {
		err = -EADDRINUSE;
		goto out;
	}
	/* The old pcb is freed by tcp_listen: it must not tell us so. */
	tcp_ext_arg_set(pcb, ext_arg_id, NULL);
	lpcb = tcp_listen_with_backlog_and_err(pcb, (u8_t)MIN(b + 1, 255u), &e);
	if (!lpcb) {
		tcp_ext_arg_set(pcb, ext_arg_id, isk);
		err = -ENOBUFS;
		goto out;
	}
	isk->pcb.tcp = lpcb;
	isk->state = INET_LISTEN;
	isk->backlog = b;
	tcp_arg(lpcb, isk);
	tcp_accept(lpcb, tcp_accept_cb);
	tcp_ext_arg_set(lpcb, ext_arg_id, isk);
	tcp_note_addrs(isk);
out:
	inet_unlock();
	return err;
}

static bool tcp_connect_done(struct inet_sock *isk)
{
	return isk->state != INET_CONNECTING;
}

/* connect(AF_UNSPEC): drop the connection, as Linux's tcp_disconnect. */
static int tcp_disconnect(struct inet_sock *isk)
{
	if (isk->state == INET_UNCONNECTED && isk->pcb.tcp)
		return 0;			/* nothing to drop */
	tcp_drop(isk, true);
	if (isk->rx_head)
		pbuf_free(isk->rx_head);
	isk->rx_head = NULL;
	isk->rx_len = isk->rx_off = 0;
	isk->was_connected = false;
	return tcp_new_pcb(isk);
}

/*
 * Start connecting @isk to @sin (core lock held): -EINPROGRESS once under
 * way, -EALREADY if it already was, or why it cannot be.
 */
static int tcp_start_connect(struct inet_sock *isk, const struct inet_sockaddr *sin)
{
	ip_addr_t ip;
	err_t e;
	int err;

	switch (isk->state) {
	case INET_CONNECTED:
	case INET_LISTEN:
		return -EISCONN;
	case INET_CONNECTING:
		return -EALREADY;
	case INET_DEAD:
		if (isk->was_connected)
			return -EISCONN;
		if (isk->err) {			/* a failed non-blocking attempt's */
			err = -isk->err;
			isk->err = 0;
			return err;
		}
		err = tcp_new_pcb(isk);		/* a failed attempt: try afresh */
		if (err)
			return err;
		/* fall through */
	case INET_UNCONNECTED:
		break;
	}
	isk->err = 0;
	ip_addr_set_ip4_u32(&ip, sin->sin_addr);
	e = tcp_connect(isk->pcb.tcp, &ip, lwip_ntohs(sin->sin_port), tcp_connected_cb);
	if (e == ERR_USE || e == ERR_BUF)
		return -EADDRNOTAVAIL;
	if (e != ERR_OK)
		return -inet_errno(e);
	isk->state = INET_CONNECTING;
	tcp_note_addrs(isk);
	return -EINPROGRESS;
}

/* A blocking connect() waits for the handshake's end (core lock held): its result. */
static int tcp_wait_connected(struct inet_sock *isk)
{
	int err, w = inet_wait(isk, tcp_connect_done, false, inet_sndtimeo(isk));

	if (w == -EAGAIN)
		return -EINPROGRESS;		/* SO_SNDTIMEO ran out, as Linux */
	if (w)
		return -EINTR;			/* it goes on in the background */
	if (isk->state == INET_CONNECTED)
		return 0;
	err = isk->err ? -isk->err : -ECONNREFUSED;
	isk->err = 0;
	return err;
}

static int tcp_connect_op(struct socket *sock, const void *addr, int len, bool nonblock)
{
	const struct inet_sockaddr *sin = addr;
	struct inet_sock *isk = inet_sk(sock);
	int err;

	if (len >= (int)sizeof(sin->sin_family) && sin->sin_family == AF_UNSPEC) {
		inet_lock();
		err = tcp_disconnect(isk);
		inet_unlock();
		return err;
	}
	err = inet_check_addr(addr, len, true);
	if (err)
		return err;
	inet_lock();
	err = tcp_start_connect(isk, sin);
	if ((err == -EINPROGRESS || err == -EALREADY) && !nonblock &&
	    isk->state == INET_CONNECTING)
		err = tcp_wait_connected(isk);
	inet_unlock();
	return err;
}

static bool tcp_acceptable(struct inet_sock *isk)
{
	return !list_empty(&isk->accept_q) || isk->state != INET_LISTEN;
}

static int tcp_accept_op(struct socket *sock, struct socket *newsock, bool nonblock)
{
	struct inet_sock *isk = inet_sk(sock), *e;
	int err;

	inet_lock();
	if (isk->state != INET_LISTEN) {
		err = -EINVAL;
		goto out;
	}
	err = inet_wait(isk, tcp_acceptable, nonblock, inet_rcvtimeo(isk));
	if (!err && isk->state != INET_LISTEN)
		err = -EINVAL;
	if (err)
		goto out;
	e = list_first_entry(&isk->accept_q, struct inet_sock, accept_node);
	list_del_init(&e->accept_node);
	isk->accept_len--;
	e->listener = NULL;
	e->sock = newsock;
	newsock->sk = e;
	newsock->protocol = INET_IPPROTO_TCP;
	newsock->sndbuf = READ_ONCE(sock->sndbuf);
	newsock->rcvbuf = READ_ONCE(sock->rcvbuf);
out:
	inet_unlock();
	return err;
}

static int tcp_getname(struct socket *sock, void *addr, bool peer)
{
	struct inet_sock *isk = inet_sk(sock);
	int len;

	inet_lock();
	tcp_note_addrs(isk);
	if (peer && isk->state != INET_CONNECTED)
		len = -ENOTCONN;
	else if (peer)
		len = inet_fill_addr(addr, isk->raddr, isk->rport);
	else
		len = inet_fill_addr(addr, isk->laddr, isk->lport);
	inet_unlock();
	return len;
}

/* ---- sending ---- */

static bool tcp_has_room(struct tcp_pcb *pcb)
{
	return tcp_sndbuf(pcb) > 0 && tcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN - 4;
}

static bool tcp_send_ready(struct inet_sock *isk)
{
	if (isk->err || isk->state != INET_CONNECTED || !isk->pcb.tcp ||
	    (isk->shut & SEND_SHUTDOWN))
		return isk->state != INET_CONNECTING;
	return tcp_has_room(isk->pcb.tcp);
}

/* Why a connection cannot take data now, or 0 (core lock held). */
static int tcp_send_error(struct inet_sock *isk)
{
	int err = isk->err;

	if (err) {
		isk->err = 0;
		return -err;
	}
	if (isk->state != INET_CONNECTED || !isk->pcb.tcp || (isk->shut & SEND_SHUTDOWN))
		return -EPIPE;
	return 0;
}

static bool tcp_acked_since(struct inet_sock *isk)
{
	return isk->sent_gen != isk->want_gen || !isk->pcb.tcp || isk->err;
}

static ssize_t tcp_sendmsg(struct socket *sock, struct sock_msg *m)
{
	struct inet_sock *isk = inet_sk(sock);
	size_t sent = 0, room;
	uint32_t gen;
	ssize_t ret = 0;
	char *buf;
	err_t e;

	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	buf = kmalloc(MIN(MAX(m->len, (size_t)1), (size_t)TCP_SEND_CHUNK), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	inet_lock();
	while (sent < m->len || !m->len) {
		ret = inet_wait(isk, tcp_send_ready, m->nonblock, inet_sndtimeo(isk));
		if (ret)
			break;
		ret = tcp_send_error(isk);
		if (ret || !m->len)
			break;
		room = MIN(MIN((size_t)tcp_sndbuf(isk->pcb.tcp), m->len - sent),
			   (size_t)TCP_SEND_CHUNK);
		inet_unlock();
		ret = sock_msg_copy_in(buf, m, sent, room);
		inet_lock();
		if (ret)
			break;
		ret = tcp_send_error(isk);
		if (ret)
			break;
		room = MIN(room, (size_t)tcp_sndbuf(isk->pcb.tcp));
		gen = isk->sent_gen;
		e = tcp_write(isk->pcb.tcp, buf, (u16_t)room, TCP_WRITE_FLAG_COPY |
			      (sent + room < m->len ? TCP_WRITE_FLAG_MORE : 0));
		tcp_output(isk->pcb.tcp);
		if (e == ERR_OK) {
			sent += room;
			continue;
		}
		if (e != ERR_MEM) {
			ret = -inet_errno(e);
			break;
		}
		/* lwIP is out of segments or memory: wait for an acknowledgement. */
		isk->want_gen = gen;
		ret = inet_wait(isk, tcp_acked_since, m->nonblock, TCP_MEM_RETRY_NS);
		if (ret == -EAGAIN && !m->nonblock)
			ret = 0;		/* try again: memory may be back */
		if (ret)
			break;
	}
	inet_unlock();
	kfree(buf);
	if (ret == -EPIPE && !sent)
		sock_sigpipe(m);
	return sent ? (ssize_t)sent : ret;
}

/* ---- receiving ---- */

static bool tcp_readable(struct inet_sock *isk)
{
	return isk->rx_len || isk->peer_fin || isk->err || (isk->shut & RCV_SHUTDOWN) ||
	       isk->state == INET_DEAD || isk->state == INET_UNCONNECTED;
}

/*
 * Copy up to @want bytes that start @skip bytes into the queue to @m at
 * @at, without the core lock: only the first @avail bytes of the chain
 * (a snapshot taken under the lock) are touched, and no one else takes
 * pbufs off it (rcv_mutex). Bytes copied, or -EFAULT.
 */
static ssize_t tcp_copy_chain(struct pbuf *q, size_t off, size_t avail, struct sock_msg *m,
			      size_t at, size_t want)
{
	size_t done = 0;

	want = MIN(want, avail);
	while (q && off >= q->len) {
		off -= q->len;
		q = q->next;
	}
	while (q && done < want) {
		size_t n = MIN((size_t)q->len - off, want - done);

		if (sock_msg_copy_out(m, at + done, (const char *)q->payload + off, n))
			return done ? (ssize_t)done : -EFAULT;
		done += n;
		off = 0;
		if (done < want)
			q = q->next;
	}
	return (ssize_t)done;
}

/* The reader took @n bytes: free whole pbufs, open the window (core lock held). */
static void tcp_consume(struct inet_sock *isk, size_t n)
{
	isk->rx_off += n;
	isk->rx_len -= n;
	while (isk->rx_head && isk->rx_off >= isk->rx_head->len) {
		struct pbuf *q = isk->rx_head;

		/* q's reference on the next pbuf becomes the queue's. */
		isk->rx_off -= q->len;
		isk->rx_head = q->next;
		q->next = NULL;
		pbuf_free(q);
	}
	if (!isk->rx_head)
		isk->rx_off = 0;
	while (n && isk->pcb.tcp && isk->state != INET_LISTEN) {
		u16_t part = (u16_t)MIN(n, (size_t)0xffff);

		tcp_recved(isk->pcb.tcp, part);
		n -= part;
	}
}

static ssize_t tcp_recvmsg(struct socket *sock, struct sock_msg *m)
{
	struct inet_sock *isk = inet_sk(sock);
	bool peek = m->flags & MSG_PEEK;
	size_t target = (m->flags & MSG_WAITALL) && !peek ? m->len : 1;
	size_t copied = 0;
	ssize_t ret = 0;

	if (m->flags & MSG_OOB)
		return -EINVAL;			/* no urgent data, ever */
	mutex_lock(&isk->rcv_mutex);
	inet_lock();
	if (isk->state == INET_LISTEN || (isk->state == INET_UNCONNECTED && !isk->was_connected))
		ret = -ENOTCONN;
	while (!ret && copied < m->len) {
		size_t skip = peek ? copied : 0;

		if (isk->rx_len > skip) {
			struct pbuf *head = isk->rx_head;
			size_t off = isk->rx_off + skip, avail = isk->rx_len - skip;
			ssize_t n;

			inet_unlock();
			n = tcp_copy_chain(head, off, avail, m, copied, m->len - copied);
			inet_lock();
			if (n < 0) {
				ret = n;
				break;
			}
			if (!peek)
				tcp_consume(isk, (size_t)n);
			copied += (size_t)n;
			if (copied >= target || peek)
				break;
			continue;
		}
		if (copied >= target)
			break;
		if (isk->err) {
			if (!copied) {
				ret = -isk->err;
				isk->err = 0;
			}
			break;
		}
		if (isk->peer_fin || (isk->shut & RCV_SHUTDOWN) ||
		    (isk->state != INET_CONNECTING && isk->state != INET_CONNECTED))
			break;			/* end of file */
		ret = inet_wait(isk, tcp_readable, m->nonblock, inet_rcvtimeo(isk));
	}
	inet_unlock();
	mutex_unlock(&isk->rcv_mutex);
	return copied ? (ssize_t)copied : ret;
}

/* ---- shutdown, poll, options ---- */

static int tcp_shutdown_op(struct socket *sock, int how)
{
	struct inet_sock *isk = inet_sk(sock);
	unsigned int mode;
	int err = 0;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	mode = (unsigned int)how + 1;		/* SHUT_RD -> RCV_SHUTDOWN ... */
	inet_lock();
	if (isk->state == INET_LISTEN) {
		if (mode & RCV_SHUTDOWN) {	/* Linux: the listener stops */
			tcp_drop(isk, true);
			err = tcp_new_pcb(isk);
		}
	} else if (isk->state != INET_CONNECTED && isk->state != INET_CONNECTING) {
		isk->shut |= mode;		/* still marked, as Linux, for POLLHUP */
		err = -ENOTCONN;
	} else {
		if ((mode & SEND_SHUTDOWN) && !(isk->shut & SEND_SHUTDOWN) && isk->pcb.tcp &&
		    isk->state == INET_CONNECTED)
			tcp_shutdown(isk->pcb.tcp, 0, 1);	/* our FIN */
		isk->shut |= mode;
	}
	inet_wake(isk);
	inet_unlock();
	return err;
}

static unsigned int tcp_poll_op(struct socket *sock, struct poll_table *pt)
{
	struct inet_sock *isk = inet_sk(sock);
	unsigned int mask = 0;
	bool rcv_shut, snd_shut;

	poll_wait(sock->file, &isk->wq, pt);
	inet_lock();
	if (isk->state == INET_LISTEN) {
		mask = list_empty(&isk->accept_q) ? 0 : POLLIN | POLLRDNORM;
		goto out;
	}
	rcv_shut = isk->peer_fin || (isk->shut & RCV_SHUTDOWN) || isk->state == INET_DEAD;
	snd_shut = (isk->shut & SEND_SHUTDOWN) || isk->state == INET_DEAD;
	if (isk->err)
		mask |= POLLERR;
	/* As Linux's tcp_poll: a closed or never connected socket hangs up. */
	if ((rcv_shut && snd_shut) || isk->state == INET_UNCONNECTED)
		mask |= POLLHUP;
	if (rcv_shut)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (isk->state == INET_CONNECTING)
		goto out;
	if (isk->rx_len)
		mask |= POLLIN | POLLRDNORM;
	if (snd_shut || !isk->pcb.tcp || isk->state != INET_CONNECTED ||
	    (tcp_sndbuf(isk->pcb.tcp) >= TCP_SND_BUF / 4 && tcp_has_room(isk->pcb.tcp)))
		mask |= POLLOUT | POLLWRNORM;
out:
	inet_unlock();
	return mask;
}

int inet_tcp_setsockopt_tcp(struct inet_sock *isk, int opt, int v)
{
	struct tcp_pcb *pcb = isk->pcb.tcp;

	switch (opt) {
	case TCP_NODELAY_OPT:
		isk->nodelay = v != 0;
		return 0;
	case TCP_KEEPIDLE_OPT:
	case TCP_KEEPINTVL_OPT:
		if (v < 1 || v > 32767)
			return -EINVAL;
		if (pcb && isk->state != INET_LISTEN) {
			if (opt == TCP_KEEPIDLE_OPT)
				pcb->keep_idle = (u32_t)v * 1000;
			else
				pcb->keep_intvl = (u32_t)v * 1000;
		}
		return 0;
	case TCP_KEEPCNT_OPT:
		if (v < 1 || v > 127)
			return -EINVAL;
		if (pcb && isk->state != INET_LISTEN)
			pcb->keep_cnt = (u32_t)v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int inet_tcp_getsockopt_tcp(struct inet_sock *isk, int opt, void *val)
{
	struct tcp_pcb *pcb = isk->state == INET_LISTEN ? NULL : isk->pcb.tcp;
	int v;

	switch (opt) {
	case TCP_NODELAY_OPT:
		v = isk->nodelay;
		break;
	case TCP_MAXSEG_OPT:
		v = pcb && isk->state == INET_CONNECTED ? tcp_mss(pcb) : TCP_MSS;
		break;
	case TCP_KEEPIDLE_OPT:
		v = pcb ? (int)(pcb->keep_idle / 1000) : 7200;
		break;
	case TCP_KEEPINTVL_OPT:
		v = pcb ? (int)(pcb->keep_intvl / 1000) : 75;
		break;
	case TCP_KEEPCNT_OPT:
		v = pcb ? (int)pcb->keep_cnt : 9;
		break;
	default:
		return -ENOPROTOOPT;
	}
	memcpy(val, &v, sizeof(v));
	return (int)sizeof(v);
}

const struct proto_ops inet_stream_ops = {
	.family = AF_INET,
	.release = tcp_release,
	.bind = tcp_bind_op,
	.connect = tcp_connect_op,
	.listen = tcp_listen_op,
	.accept = tcp_accept_op,
	.getname = tcp_getname,
	.poll = tcp_poll_op,
	.sendmsg = tcp_sendmsg,
	.recvmsg = tcp_recvmsg,
	.shutdown = tcp_shutdown_op,
	.getsockopt = inet_getsockopt,
	.setsockopt = inet_setsockopt,
	.ioctl = inet_ioctl,
};
