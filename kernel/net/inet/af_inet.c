/*
 * af_inet.c - the AF_INET family's common part: socket(2) for IPv4, the
 * socket addresses, sleeping under lwIP's core lock, the options every
 * kind of IPv4 socket shares, and ioctls (FIONREAD and the interface
 * requests of netdev_ioctl.c). TCP is tcp.c; UDP, ICMP echo and raw IP
 * are udp.c; the design and the lock rules are in inet.h.
 *
 * socket(AF_INET, type, protocol) as Linux's inet_create() decides it:
 *
 *   SOCK_STREAM  0 or IPPROTO_TCP         TCP
 *   SOCK_DGRAM   0 or IPPROTO_UDP         UDP
 *   SOCK_DGRAM   IPPROTO_ICMP             ICMP echo ("ping socket")
 *   SOCK_RAW     1..254                   raw IP, needs CAP_NET_RAW
 *   other protocol for the type           EPROTONOSUPPORT
 *   other type (SOCK_SEQPACKET...)        ESOCKTNOSUPPORT
 *
 * Linux lets a ping socket be made only by the groups in the sysctl
 * net.ipv4.ping_group_range; Pagoda has no such sysctl and lets everyone,
 * as if the range were all groups. IPPROTO_RAW (255, send-only with
 * IP_HDRINCL) is not supported.
 */
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
#include "kernel/net/inet/inet.h"
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/net/net.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/uapi.h"
#include "mm/slab.h"

void inet_lock(void)
{
	LOCK_TCPIP_CORE();
}

void inet_unlock(void)
{
	UNLOCK_TCPIP_CORE();
}

void inet_wake(struct inet_sock *isk)
{
	wake_up(&isk->wq);
}

int inet_wait(struct inet_sock *isk, bool (*ready)(struct inet_sock *isk), bool nonblock,
	      uint64_t timeout_ns)
{
	struct wait_entry we = WAIT_ENTRY_INIT;
	uint64_t deadline = timeout_ns ? clock_ns() + timeout_ns : 0;
	int ret = 0;

	if (ready(isk))
		return 0;
	if (nonblock)
		return -EAGAIN;
	for (;;) {
		prepare_to_wait(&isk->wq, &we, TASK_INTERRUPTIBLE);
		if (ready(isk))
			break;
		if (signal_pending_current()) {
			ret = sock_wait_errno(-EINTR, timeout_ns);
			break;
		}
		if (deadline) {
			uint64_t now = clock_ns();

			if (now >= deadline) {
				ret = sock_wait_errno(-ETIMEDOUT, timeout_ns);
				break;
			}
			inet_unlock();
			schedule_timeout(deadline - now);
		} else {
			inet_unlock();
			schedule();
		}
		inet_lock();
	}
	finish_wait(&isk->wq, &we);
	return ret;
}

uint64_t inet_rcvtimeo(struct inet_sock *isk)
{
	return isk->sock ? READ_ONCE(isk->sock->rcvtimeo) : 0;
}

uint64_t inet_sndtimeo(struct inet_sock *isk)
{
	return isk->sock ? READ_ONCE(isk->sock->sndtimeo) : 0;
}

struct inet_sock *inet_sock_alloc(int type, int protocol)
{
	struct inet_sock *isk = kzalloc(sizeof(*isk));

	if (!isk)
		return NULL;
	isk->type = (short)type;
	isk->protocol = (short)protocol;
	waitqueue_init(&isk->wq);
	mutex_init(&isk->rcv_mutex);
	isk->state = INET_UNCONNECTED;
	INIT_LIST_HEAD(&isk->dgrams);
	INIT_LIST_HEAD(&isk->accept_q);
	INIT_LIST_HEAD(&isk->accept_node);
	return isk;
}

/* Free @isk and what its queues hold; lwIP no longer knows it (core lock held). */
void inet_sock_free(struct inet_sock *isk)
{
	struct inet_dgram *d, *tmp;

	if (isk->rx_head)
		pbuf_free(isk->rx_head);
	list_for_each_entry_safe(d, tmp, &isk->dgrams, node) {
		pbuf_free(d->p);
		kfree(d);
	}
	kfree(isk);
}

int inet_create(struct socket *sock, int type, int protocol)
{
	struct inet_sock *isk;
	int err;

	if (protocol < 0 || protocol >= INET_IPPROTO_RAW + 1)
		return -EINVAL;
	switch (type) {
	case SOCK_STREAM:
		if (protocol && protocol != INET_IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		protocol = INET_IPPROTO_TCP;
		break;
	case SOCK_DGRAM:
		if (protocol && protocol != INET_IPPROTO_UDP && protocol != INET_IPPROTO_ICMP)
			return -EPROTONOSUPPORT;
		if (!protocol)
			protocol = INET_IPPROTO_UDP;
		break;
	case SOCK_RAW:
		if (!capable(CAP_NET_RAW_BIT))
			return -EPERM;
		if (!protocol || protocol == INET_IPPROTO_RAW)
			return -EPROTONOSUPPORT;
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}
	if (!net_ready() && !net_wait_ready())
		return -ENETDOWN;
	isk = inet_sock_alloc(type, protocol);
	if (!isk)
		return -ENOMEM;
	isk->sock = sock;
	sock->sk = isk;
	sock->type = (short)type;
	sock->protocol = (short)protocol;
	inet_lock();
	if (type == SOCK_STREAM) {
		sock->ops = &inet_stream_ops;
		err = inet_tcp_init(isk);
	} else {
		sock->ops = &inet_dgram_ops;
		err = inet_dgram_init(isk);
	}
	inet_unlock();
	if (err) {
		sock->sk = NULL;
		kfree(isk);
	}
	return err;
}

/* ---- addresses ---- */

int inet_check_addr(const void *addr, int len, bool connect)
{
	const struct inet_sockaddr *sin = addr;

	if (len < (int)sizeof(*sin))
		return -EINVAL;
	if (sin->sin_family == AF_INET)
		return 0;
	/* Linux's inet_bind takes AF_UNSPEC with INADDR_ANY, for old programs. */
	if (!connect && sin->sin_family == AF_UNSPEC && sin->sin_addr == 0)
		return 0;
	return -EAFNOSUPPORT;
}

bool inet_addr_is_local(uint32_t addr)
{
	uint32_t host = lwip_ntohl(addr);
	struct netif *netif;

	if (addr == 0 || addr == 0xffffffffu)
		return true;			/* INADDR_ANY, INADDR_BROADCAST */
	if ((host >> 24) == 127 || (host >> 28) == 0xe)
		return true;			/* loopback net, multicast */
	NETIF_FOREACH(netif) {
		if (ip4_addr_get_u32(netif_ip4_addr(netif)) == addr)
			return true;
	}
	return false;
}

int inet_fill_addr(void *sa, uint32_t addr, uint16_t port)
{
	struct inet_sockaddr sin = {
		.sin_family = AF_INET, .sin_port = port, .sin_addr = addr,
	};

	memcpy(sa, &sin, sizeof(sin));
	return (int)sizeof(sin);
}

int inet_errno(int err)
{
	switch (err) {
	case ERR_OK:		return 0;
	case ERR_MEM:		return ENOMEM;
	case ERR_BUF:		return ENOBUFS;
	case ERR_TIMEOUT:	return ETIMEDOUT;
	case ERR_RTE:		return ENETUNREACH;
	case ERR_INPROGRESS:	return EINPROGRESS;
	case ERR_WOULDBLOCK:	return EAGAIN;
	case ERR_USE:		return EADDRINUSE;
	case ERR_ALREADY:	return EALREADY;
	case ERR_ISCONN:	return EISCONN;
	case ERR_CONN:		return ENOTCONN;
	case ERR_ABRT:		return ECONNABORTED;
	case ERR_RST:		return ECONNRESET;
	case ERR_CLSD:		return ENOTCONN;
	case ERR_IF:		return ENETDOWN;
	default:		return EINVAL;
	}
}

struct pbuf *inet_unpool(struct pbuf *p)
{
	struct pbuf *q;

	if (pbuf_get_allocsrc(p) != PBUF_TYPE_ALLOC_SRC_MASK_STD_MEMP_PBUF_POOL)
		return p;
	q = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
	if (q)
		pbuf_free(p);
	return q;
}

/* ---- options ---- */

/* Linux's struct linger. */
struct inet_linger {
	int l_onoff;
	int l_linger;
};

static void inet_apply_options(struct inet_sock *isk)
{
	if (isk->type == SOCK_STREAM)
		inet_tcp_apply_options(isk);
	else
		inet_dgram_apply_options(isk);
}

int inet_setsockopt(struct socket *sock, int level, int opt, const void *val, int len)
{
	struct inet_sock *isk = inet_sk(sock);
	struct inet_linger lg;
	int v, err = 0;

	if (level != SOL_SOCKET && level != INET_IPPROTO_TCP && level != INET_IPPROTO_IP)
		return -ENOPROTOOPT;
	if (len < (int)sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	inet_lock();
	if (level == INET_IPPROTO_TCP) {
		err = isk->type == SOCK_STREAM ? inet_tcp_setsockopt_tcp(isk, opt, v) : -ENOPROTOOPT;
	} else if (level == INET_IPPROTO_IP) {
		err = -ENOPROTOOPT;		/* IP_TTL, IP_TOS...: not yet */
	} else {
		switch (opt) {
		case SO_REUSEADDR:
			isk->reuseaddr = v != 0;
			break;
		case SO_KEEPALIVE:
			isk->keepalive = v != 0;
			break;
		case SO_BROADCAST:
			isk->broadcast = v != 0;
			break;
		case SO_LINGER:
			if (len < (int)sizeof(lg)) {
				err = -EINVAL;
				break;
			}
			memcpy(&lg, val, sizeof(lg));
			isk->linger_on = lg.l_onoff != 0;
			isk->linger_secs = lg.l_linger < 0 ? 0 : lg.l_linger;
			break;
		default:
			err = -ENOPROTOOPT;
		}
	}
	if (!err)
		inet_apply_options(isk);
	inet_unlock();
	return err;
}

int inet_getsockopt(struct socket *sock, int level, int opt, void *val)
{
	struct inet_sock *isk = inet_sk(sock);
	struct inet_linger lg;
	int v, n = (int)sizeof(int);

	/* Any other level: ENOPROTOOPT, as Linux's ip_getsockopt. */
	if (level != SOL_SOCKET && level != INET_IPPROTO_TCP && level != INET_IPPROTO_IP)
		return -ENOPROTOOPT;
	inet_lock();
	if (level == INET_IPPROTO_TCP) {
		n = isk->type == SOCK_STREAM ? inet_tcp_getsockopt_tcp(isk, opt, &v) : -ENOPROTOOPT;
	} else if (level == INET_IPPROTO_IP) {
		n = -ENOPROTOOPT;
	} else {
		switch (opt) {
		case SO_REUSEADDR:
			v = isk->reuseaddr;
			break;
		case SO_KEEPALIVE:
			v = isk->keepalive;
			break;
		case SO_BROADCAST:
			v = isk->broadcast;
			break;
		case SO_ERROR:
			v = isk->err;
			isk->err = 0;
			break;
		case SO_ACCEPTCONN:
			v = isk->state == INET_LISTEN;
			break;
		case SO_LINGER:
			lg = (struct inet_linger){ isk->linger_on, isk->linger_secs };
			memcpy(val, &lg, sizeof(lg));
			n = (int)sizeof(lg);
			break;
		default:
			n = -ENOPROTOOPT;
		}
	}
	inet_unlock();
	if (n == (int)sizeof(int))
		memcpy(val, &v, sizeof(v));
	return n;
}

/* ---- ioctl ---- */

long inet_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct inet_sock *isk = inet_sk(sock);
	size_t n;

	if (cmd != FIONREAD)
		return inet_netdev_ioctl(cmd, (void __user *)arg);
	inet_lock();
	if (isk->state == INET_LISTEN) {
		inet_unlock();
		return -EINVAL;
	}
	n = isk->type == SOCK_STREAM ? isk->rx_len : inet_dgram_inq(isk);
	inet_unlock();
	return put_user((int)MIN(n, (size_t)INT32_MAX), (int __user *)arg);
}
