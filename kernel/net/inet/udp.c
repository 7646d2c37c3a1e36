/*
 * udp.c - the datagram sockets of AF_INET on lwIP's raw API:
 *
 *   SOCK_DGRAM           UDP              a udp_pcb
 *   SOCK_DGRAM, ICMP     ICMP echo        a raw_pcb of protocol 1 ("ping socket")
 *   SOCK_RAW, proto      raw IP           a raw_pcb of that protocol
 *
 * All three keep received datagrams on isk->dgrams (struct inet_dgram:
 * the data in a pbuf and the sender), up to SO_RCVBUF bytes counted with a
 * fixed overhead per datagram; lwIP calls the receive callback in its
 * tcpip thread with the core lock held. A datagram is one message: a
 * short buffer truncates it (MSG_TRUNC) and the rest is dropped.
 *
 * What each kind gives and takes, as Linux:
 *   UDP    send: the payload; recv: the payload; address: sender's port
 *   ping   send: an ICMP echo request header + data; the kernel puts the
 *          socket's identifier in the id field and the checksum in;
 *          recv: the echo replies carrying that id, ICMP header first
 *   raw    send: the protocol header + data (the kernel adds the IP
 *          header); recv: every packet of the protocol, IP header first
 *
 * A raw or ping socket only copies what it receives (the callback returns
 * "not eaten"), so lwIP still answers echo requests itself.
 *
 * Not done: ICMP errors are not reported to UDP sockets (a connected UDP
 * socket never sees ECONNREFUSED), and IP-level options (IP_TTL, IP_TOS,
 * IP_HDRINCL, multicast membership) are not offered.
 */
#include "lwip/inet_chksum.h"
#include "lwip/ip4_addr.h"
#include "lwip/pbuf.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/ip4.h"
#include "lwip/raw.h"
#include "lwip/udp.h"
#include "kernel/net/inet/inet.h"
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/poll.h"
#include "kernel/lib/string.h"
#include "kernel/random.h"
#include "kernel/task.h"
#include "kernel/uapi.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

#define UDP_MAX_PAYLOAD		65507	/* 65535 less the IP and UDP headers */
#define RAW_MAX_PAYLOAD		65515	/* 65535 less the IP header */
#define DGRAM_OVERHEAD		256	/* bytes charged per queued datagram */
#define ICMP_HDR_LEN		8

static LIST_HEAD(ping_socks);		/* bound ping sockets, core lock */

static bool is_ping(const struct inet_sock *isk)
{
	return isk->type == SOCK_DGRAM && isk->protocol == INET_IPPROTO_ICMP;
}

static bool is_udp(const struct inet_sock *isk)
{
	return isk->type == SOCK_DGRAM && isk->protocol == INET_IPPROTO_UDP;
}

/* ---- receiving (tcpip thread, core lock held) ---- */

static size_t dgram_cost(const struct pbuf *p)
{
	return (size_t)p->tot_len + DGRAM_OVERHEAD;
}

/* Queue @p (ours now) from @addr/@port (network order) or drop it. */
static void dgram_queue(struct inet_sock *isk, struct pbuf *p, uint32_t addr, uint16_t port)
{
	size_t limit = isk->sock ? (size_t)READ_ONCE(isk->sock->rcvbuf) : SOCK_BUF_DEFAULT;
	struct inet_dgram *d;

	if (isk->dgram_bytes + dgram_cost(p) > limit || !(d = kmalloc(sizeof(*d), GFP_KERNEL))) {
		pbuf_free(p);			/* as a full Linux socket: dropped */
		return;
	}
	d->p = p;
	d->addr = addr;
	d->port = port;
	list_add_tail(&d->node, &isk->dgrams);
	isk->dgram_bytes += dgram_cost(p);
	inet_wake(isk);
}

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			u16_t port)
{
	struct inet_sock *isk = arg;
	struct pbuf *q = inet_unpool(p);

	if (!q) {
		pbuf_free(p);			/* no memory: dropped, as a full queue would */
		return;
	}
	dgram_queue(isk, q, ip4_addr_get_u32(ip_2_ip4(addr)), lwip_htons(port));
}

struct inet_sock *inet_udp_sock_of(const struct udp_pcb *pcb)
{
	return pcb->recv == udp_recv_cb ? pcb->recv_arg : NULL;
}

/* @p's payload is the IP header; keep a copy for raw and ping sockets. */
static u8_t raw_recv_cb(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct inet_sock *isk = arg;
	const struct ip_hdr *iph = p->payload;
	struct pbuf *q;
	size_t hlen;

	if (p->len < IP_HLEN)
		return 0;
	hlen = (size_t)IPH_HL_BYTES(iph);
	if (is_ping(isk)) {
		struct icmp_echo_hdr echo;

		if (pbuf_copy_partial(p, &echo, sizeof(echo), (u16_t)hlen) != sizeof(echo) ||
		    echo.type != ICMP_ER || echo.id != isk->ping_id)
			return 0;
		if (isk->state == INET_CONNECTED && ip4_addr_get_u32(ip_2_ip4(addr)) != isk->raddr)
			return 0;
	}
	q = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
	if (!q)
		return 0;
	if (is_ping(isk))
		pbuf_remove_header(q, hlen);	/* a ping socket reads from the ICMP header */
	dgram_queue(isk, q, ip4_addr_get_u32(ip_2_ip4(addr)), 0);
	return 0;				/* lwIP goes on with it (echo replies...) */
}

/* ---- life cycle ---- */

void inet_dgram_apply_options(struct inet_sock *isk)
{
	void *pcb = isk->pcb.any;

	if (!pcb)
		return;
	if (is_udp(isk)) {
		if (isk->reuseaddr)
			ip_set_option(isk->pcb.udp, SOF_REUSEADDR);
		else
			ip_reset_option(isk->pcb.udp, SOF_REUSEADDR);
	}
}

int inet_dgram_init(struct inet_sock *isk)
{
	if (is_udp(isk)) {
		isk->pcb.udp = udp_new();
		if (!isk->pcb.udp)
			return -ENOBUFS;
		udp_recv(isk->pcb.udp, udp_recv_cb, isk);
		return 0;
	}
	isk->pcb.raw = raw_new((u8_t)isk->protocol);
	if (!isk->pcb.raw)
		return -ENOBUFS;
	raw_recv(isk->pcb.raw, raw_recv_cb, isk);
	INIT_LIST_HEAD(&isk->ping_node);
	return 0;
}

static void dgram_release(struct socket *sock)
{
	struct inet_sock *isk = inet_sk(sock);

	inet_lock();
	if (is_udp(isk))
		udp_remove(isk->pcb.udp);
	else
		raw_remove(isk->pcb.raw);
	if (is_ping(isk))
		list_del(&isk->ping_node);
	inet_sock_free(isk);
	inet_unlock();
	sock->sk = NULL;
}

/* ---- names ---- */

static bool ping_id_used(uint16_t id)
{
	struct inet_sock *o;

	list_for_each_entry(o, &ping_socks, ping_node) {
		if (o->ping_id == id)
			return true;
	}
	return false;
}

/* Give a ping socket its identifier: @id (network order) or a free one. */
static int ping_take_id(struct inet_sock *isk, uint16_t id)
{
	if (!id) {
		for (int tries = 0; tries < 65536 && !id; tries++) {
			uint16_t c;

			get_random_bytes(&c, sizeof(c));

			if (c && !ping_id_used(c))
				id = c;
		}
		if (!id)
			return -EAGAIN;
	} else if (ping_id_used(id)) {
		return -EADDRINUSE;
	}
	isk->ping_id = id;
	list_add(&isk->ping_node, &ping_socks);
	return 0;
}

static bool dgram_bound(struct inet_sock *isk)
{
	if (is_udp(isk))
		return isk->pcb.udp->local_port != 0;
	if (is_ping(isk))
		return isk->ping_id != 0;
	return isk->laddr != 0;
}

static int dgram_bind_op(struct socket *sock, const void *addr, int len)
{
	const struct inet_sockaddr *sin = addr;
	struct inet_sock *isk = inet_sk(sock);
	uint16_t port;
	ip_addr_t ip;
	err_t e;
	int err = inet_check_addr(addr, len, false);

	if (err)
		return err;
	port = lwip_ntohs(sin->sin_port);
	if (is_udp(isk) && port && port < 1024 && !capable(CAP_NET_BIND_SERVICE_BIT))
		return -EACCES;
	inet_lock();
	ip_addr_set_ip4_u32(&ip, sin->sin_addr);
	if (dgram_bound(isk)) {
		err = -EINVAL;
	} else if (!inet_addr_is_local(sin->sin_addr)) {
		err = -EADDRNOTAVAIL;
	} else if (is_udp(isk)) {
		e = udp_bind(isk->pcb.udp, &ip, port);
		err = e == ERR_USE ? -EADDRINUSE : -inet_errno(e);
	} else {
		err = is_ping(isk) ? ping_take_id(isk, sin->sin_port) : 0;
		if (!err)
			raw_bind(isk->pcb.raw, &ip);
	}
	if (!err)
		isk->laddr = sin->sin_addr;
	inet_unlock();
	return err;
}

static int dgram_connect_op(struct socket *sock, const void *addr, int len, bool nonblock)
{
	const struct inet_sockaddr *sin = addr;
	struct inet_sock *isk = inet_sk(sock);
	ip_addr_t ip;
	err_t e = ERR_OK;
	int err = 0;

	if (len < (int)sizeof(sin->sin_family))
		return -EINVAL;
	inet_lock();
	if (sin->sin_family == AF_UNSPEC) {	/* dissolve the association */
		if (is_udp(isk))
			udp_disconnect(isk->pcb.udp);
		else
			raw_disconnect(isk->pcb.raw);
		isk->state = INET_UNCONNECTED;
		isk->raddr = 0;
		isk->rport = 0;
		goto out;
	}
	err = inet_check_addr(addr, len, true);
	if (err)
		goto out;
	ip_addr_set_ip4_u32(&ip, sin->sin_addr);
	if (is_udp(isk)) {
		e = udp_connect(isk->pcb.udp, &ip, lwip_ntohs(sin->sin_port));
	} else {
		if (is_ping(isk) && !isk->ping_id)
			err = ping_take_id(isk, 0);
		if (!err)
			e = raw_connect(isk->pcb.raw, &ip);
	}
	if (!err && e != ERR_OK)
		err = e == ERR_USE ? -EADDRINUSE : -inet_errno(e);
	if (!err) {
		isk->state = INET_CONNECTED;
		isk->raddr = sin->sin_addr;
		isk->rport = is_udp(isk) ? sin->sin_port : 0;
	}
out:
	inet_unlock();
	return err;
}

static int dgram_getname(struct socket *sock, void *addr, bool peer)
{
	struct inet_sock *isk = inet_sk(sock);
	uint32_t a;
	uint16_t port;
	int len;

	inet_lock();
	if (peer && isk->state != INET_CONNECTED) {
		len = -ENOTCONN;
	} else if (peer) {
		len = inet_fill_addr(addr, isk->raddr, isk->rport);
	} else {
		if (is_udp(isk)) {
			a = ip4_addr_get_u32(ip_2_ip4(&isk->pcb.udp->local_ip));
			port = lwip_htons(isk->pcb.udp->local_port);
		} else {
			a = ip4_addr_get_u32(ip_2_ip4(&isk->pcb.raw->local_ip));
			port = is_ping(isk) ? isk->ping_id : 0;
		}
		len = inet_fill_addr(addr, a, port);
	}
	inet_unlock();
	return len;
}

/* ---- sending ---- */

/* Where @m goes: its address or the connected peer (network order). */
static int dgram_dest(struct inet_sock *isk, struct sock_msg *m, uint32_t *addr, uint16_t *port)
{
	const struct inet_sockaddr *sin = m->name;

	if (sin) {
		if (m->namelen < (int)sizeof(*sin))
			return -EINVAL;
		if (sin->sin_family != AF_INET && sin->sin_family != AF_UNSPEC)
			return -EAFNOSUPPORT;
		*addr = sin->sin_addr;
		*port = sin->sin_port;
		if (is_udp(isk) && !*port)
			return -EINVAL;
		return 0;
	}
	if (isk->state != INET_CONNECTED)
		return -EDESTADDRREQ;
	*addr = isk->raddr;
	*port = isk->rport;
	return 0;
}

static bool is_broadcast(uint32_t addr)
{
	struct netif *netif;

	if (addr == 0xffffffffu)
		return true;
	NETIF_FOREACH(netif) {
		if (ip4_addr_isbroadcast_u32(addr, netif))
			return true;
	}
	return false;
}

/* Check a ping socket's echo request and stamp its id and checksum. */
static int ping_prepare(struct inet_sock *isk, struct pbuf *p)
{
	struct icmp_echo_hdr *echo = p->payload;

	if (p->tot_len < ICMP_HDR_LEN)
		return -EINVAL;
	if (echo->type != ICMP_ECHO || echo->code != 0)
		return -EINVAL;
	echo->id = isk->ping_id;
	echo->chksum = 0;
	echo->chksum = inet_chksum(echo, p->tot_len);
	return 0;
}

static ssize_t dgram_sendmsg(struct socket *sock, struct sock_msg *m)
{
	struct inet_sock *isk = inet_sk(sock);
	size_t max = is_udp(isk) ? UDP_MAX_PAYLOAD : RAW_MAX_PAYLOAD;
	uint32_t addr;
	uint16_t port;
	struct pbuf *p;
	ip_addr_t ip;
	err_t e;
	int err;

	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->len > max)
		return -EMSGSIZE;
	inet_lock();
	err = dgram_dest(isk, m, &addr, &port);
	if (!err && (isk->shut & SEND_SHUTDOWN))
		err = -EPIPE;
	if (!err && is_broadcast(addr) && !isk->broadcast)
		err = -EACCES;			/* SO_BROADCAST first, as Linux */
	if (!err && is_ping(isk) && !isk->ping_id)
		err = ping_take_id(isk, 0);
	inet_unlock();
	if (err) {
		if (err == -EPIPE)
			sock_sigpipe(m);
		return err;
	}
	p = pbuf_alloc(is_udp(isk) ? PBUF_TRANSPORT : PBUF_IP, (u16_t)m->len, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	if (sock_msg_copy_in(p->payload, m, 0, m->len)) {
		pbuf_free(p);
		return -EFAULT;
	}
	ip_addr_set_ip4_u32(&ip, addr);
	inet_lock();
	err = is_ping(isk) ? ping_prepare(isk, p) : 0;
	if (!err) {
		if (is_udp(isk))
			e = udp_sendto(isk->pcb.udp, p, &ip, lwip_ntohs(port));
		else
			e = raw_sendto(isk->pcb.raw, p, &ip);
		err = e == ERR_OK ? 0 : -inet_errno(e);
	}
	inet_unlock();
	pbuf_free(p);
	return err ? err : (ssize_t)m->len;
}

/* ---- receiving ---- */

static bool dgram_readable(struct inet_sock *isk)
{
	return !list_empty(&isk->dgrams) || isk->err || (isk->shut & RCV_SHUTDOWN);
}

/* Copy @n bytes of @p to @m; 0 or -EFAULT (no core lock: @p is ours or referenced). */
static int dgram_copy(struct pbuf *p, struct sock_msg *m, size_t n)
{
	size_t done = 0;

	for (struct pbuf *q = p; q && done < n; q = q->next) {
		size_t k = MIN((size_t)q->len, n - done);

		if (sock_msg_copy_out(m, done, q->payload, k))
			return -EFAULT;
		done += k;
	}
	return 0;
}

static ssize_t dgram_recvmsg(struct socket *sock, struct sock_msg *m)
{
	struct inet_sock *isk = inet_sk(sock);
	bool peek = m->flags & MSG_PEEK;
	struct inet_dgram *d;
	struct pbuf *p;
	size_t len, n;
	uint32_t addr;
	uint16_t port;
	int err;

	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	inet_lock();
	err = inet_wait(isk, dgram_readable, m->nonblock, inet_rcvtimeo(isk));
	if (!err && list_empty(&isk->dgrams)) {
		err = -isk->err;		/* 0: shut down, end of file */
		isk->err = 0;
	}
	if (err || list_empty(&isk->dgrams)) {
		inet_unlock();
		return err;
	}
	d = list_first_entry(&isk->dgrams, struct inet_dgram, node);
	p = d->p;
	addr = d->addr;
	port = d->port;
	if (peek) {
		pbuf_ref(p);
	} else {
		list_del(&d->node);
		isk->dgram_bytes -= dgram_cost(p);
		kfree(d);
	}
	inet_unlock();

	len = p->tot_len;
	n = MIN(len, m->len);
	err = dgram_copy(p, m, n);
	inet_lock();
	pbuf_free(p);
	inet_unlock();
	if (err)
		return err;
	if (n < len)
		m->out_flags |= MSG_TRUNC;
	if (m->name)
		m->namelen = inet_fill_addr(m->name, addr, port);
	return (m->flags & MSG_TRUNC) ? (ssize_t)len : (ssize_t)n;
}

/* FIONREAD: the size of the next datagram, as Linux's SIOCINQ for UDP. */
size_t inet_dgram_inq(struct inet_sock *isk)
{
	if (list_empty(&isk->dgrams))
		return 0;
	return list_first_entry(&isk->dgrams, struct inet_dgram, node)->p->tot_len;
}

/* ---- shutdown, poll ---- */

static int dgram_shutdown_op(struct socket *sock, int how)
{
	struct inet_sock *isk = inet_sk(sock);
	int err = 0;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	inet_lock();
	/* Marked either way; ENOTCONN when not connected, as Linux. */
	isk->shut |= (unsigned int)how + 1;
	if (isk->state != INET_CONNECTED)
		err = -ENOTCONN;
	inet_wake(isk);
	inet_unlock();
	return err;
}

static unsigned int dgram_poll_op(struct socket *sock, struct poll_table *pt)
{
	struct inet_sock *isk = inet_sk(sock);
	unsigned int mask = POLLOUT | POLLWRNORM | POLLWRBAND;

	poll_wait(sock->file, &isk->wq, pt);
	inet_lock();
	if (!list_empty(&isk->dgrams))
		mask |= POLLIN | POLLRDNORM;
	if (isk->err)
		mask |= POLLERR;
	if (isk->shut & RCV_SHUTDOWN)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (isk->shut == SHUTDOWN_MASK)
		mask |= POLLHUP;
	inet_unlock();
	return mask;
}

static int dgram_listen_op(struct socket *sock, int backlog)
{
	return -EOPNOTSUPP;
}

static int dgram_accept_op(struct socket *sock, struct socket *newsock, bool nonblock)
{
	return -EOPNOTSUPP;
}

const struct proto_ops inet_dgram_ops = {
	.family = AF_INET,
	.release = dgram_release,
	.bind = dgram_bind_op,
	.connect = dgram_connect_op,
	.listen = dgram_listen_op,
	.accept = dgram_accept_op,
	.getname = dgram_getname,
	.poll = dgram_poll_op,
	.sendmsg = dgram_sendmsg,
	.recvmsg = dgram_recvmsg,
	.shutdown = dgram_shutdown_op,
	.getsockopt = inet_getsockopt,
	.setsockopt = inet_setsockopt,
	.ioctl = inet_ioctl,
};
