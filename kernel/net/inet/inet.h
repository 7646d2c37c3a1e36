/*
 * inet.h - the AF_INET family: IPv4 sockets on lwIP's raw API.
 *
 * An AF_INET socket is a struct socket (kernel/net/socket.h) whose sk is a
 * struct inet_sock, which owns one lwIP protocol control block:
 *
 *   struct socket --sk--> struct inet_sock --pcb--> lwIP tcp_pcb | udp_pcb | raw_pcb
 *                         ^                              |
 *                         +-------- callback arg --------+
 *
 *   SOCK_STREAM             TCP  (tcp.c)
 *   SOCK_DGRAM              UDP  (udp.c)
 *   SOCK_DGRAM, IPPROTO_ICMP  ICMP echo "ping socket"  (udp.c, on a raw pcb)
 *   SOCK_RAW, proto         raw IP of that protocol    (udp.c, on a raw pcb)
 *
 * One lock: lwIP's core lock. lwIP runs its callbacks (data arrived, data
 * acknowledged, connection made, reset) in its tcpip thread with its core
 * mutex held (LOCK_TCPIP_CORE, kernel/net/lwip/sys_arch.c), and a task may
 * call into lwIP only while holding it too. So the core lock also guards
 * every field of an inet_sock that a callback touches - the pcb pointer,
 * the state, the pending error, the receive and accept queues - and the
 * system calls take it around each step. It is never held while copying
 * to or from user memory (a fault would stall the whole stack): a reader
 * copies from the pbufs at the head of its queue with the core lock
 * dropped, which is safe because only readers take pbufs off the queue
 * and rcv_mutex lets one reader in at a time; a writer copies into a
 * kernel buffer first.
 *
 *   lock order: isk->rcv_mutex -> lwIP core lock -> isk->wq's spinlock
 *
 * Sleeping is the wait-queue loop of kernel/wait.h on isk->wq with the core
 * lock dropped (inet_wait()); every callback that changes what a sleeper
 * waits for wakes the queue, and poll() registers on it.
 *
 * A connection that lwIP accepts on a listening socket gets its inet_sock
 * at once (an embryo, sock == NULL) so data that arrives before accept()
 * is queued; accept() hands it a struct socket.
 */
#ifndef KERNEL_NET_INET_INET_H
#define KERNEL_NET_INET_INET_H

#include "kernel/net/socket.h"
#include "kernel/wait.h"

struct pbuf;
struct tcp_pcb;
struct udp_pcb;
struct raw_pcb;

/* Protocol numbers (<netinet/in.h>); the UAPI header conflicts with lwIP's. */
#define INET_IPPROTO_IP		0
#define INET_IPPROTO_ICMP	1
#define INET_IPPROTO_TCP	6
#define INET_IPPROTO_UDP	17
#define INET_IPPROTO_RAW	255

/* struct sockaddr_in, x86-64 layout (<linux/in.h>). */
struct inet_sockaddr {
	uint16_t sin_family;		/* AF_INET */
	uint16_t sin_port;		/* network order */
	uint32_t sin_addr;		/* network order */
	uint8_t sin_zero[8];
};
_Static_assert(sizeof(struct inet_sockaddr) == 16, "struct sockaddr_in is ABI");

enum inet_state {
	INET_UNCONNECTED,		/* fresh, or bound */
	INET_LISTEN,
	INET_CONNECTING,		/* TCP: SYN sent */
	INET_CONNECTED,			/* TCP: established (or closing); UDP: has a peer */
	INET_DEAD,			/* TCP: reset, timed out or closed: no pcb any more */
};

/* A queued datagram (UDP, ICMP, raw): its data and where it came from. */
struct inet_dgram {
	struct list_head node;
	struct pbuf *p;
	uint32_t addr;			/* source, network order */
	uint16_t port;			/* source port, network order (0 for ICMP) */
};

struct inet_sock {
	struct socket *sock;		/* NULL while an embryo (core lock) */
	short type, protocol;
	struct waitqueue wq;		/* every sleeper and poller of the socket */
	struct mutex rcv_mutex;		/* one reader at a time */

	/* All below: the lwIP core lock. */
	union {
		struct tcp_pcb *tcp;
		struct udp_pcb *udp;
		struct raw_pcb *raw;
		void *any;
	} pcb;				/* NULL once lwIP freed it (INET_DEAD) */
	enum inet_state state;
	int err;			/* pending error, positive errno (SO_ERROR) */
	unsigned int shut;		/* RCV_SHUTDOWN/SEND_SHUTDOWN asked by us */
	bool peer_fin;			/* TCP: the peer sent FIN */
	bool was_connected;		/* TCP: ever established (for ENOTCONN) */
	bool reuseaddr, keepalive, nodelay, broadcast;
	uint32_t sent_gen;		/* TCP: bumped when lwIP frees send room */
	uint32_t want_gen;		/* TCP: a sender waits for sent_gen to pass this */
	/* Addresses (network order) as last known, for getsockname/getpeername. */
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	bool linger_on;
	int linger_secs;
	uint16_t ping_id;		/* ICMP echo socket: the id it owns (network order) */
	struct list_head ping_node;	/* on udp.c's ping_socks once it has one */

	/* TCP receive: a pbuf chain, only readers unlink from its head. */
	struct pbuf *rx_head;
	size_t rx_len;			/* bytes queued (the chain's data from rx_off) */
	size_t rx_off;			/* bytes of rx_head already read */
	/* Datagram receive: struct inet_dgram, oldest first. */
	struct list_head dgrams;
	size_t dgram_bytes;		/* payload queued, held to sock->rcvbuf */

	/* Listening TCP: accepted connections not yet taken by accept(). */
	struct list_head accept_q;	/* of inet_sock, via accept_node */
	struct list_head accept_node;
	unsigned int accept_len, backlog;
	struct inet_sock *listener;	/* embryo: the listener queueing it */
};

static inline struct inet_sock *inet_sk(struct socket *sock)
{
	return sock->sk;
}

/* af_inet.c */
void inet_lock(void);			/* lwIP's core lock */
void inet_unlock(void);
/*
 * Sleep (the core lock held on entry and again on return, dropped while
 * asleep) until @ready(@isk) is true. 0; -EAGAIN if @nonblock or @timeout_ns
 * (0: none) ran out; -ERESTARTSYS/-EINTR when a signal came first.
 */
int inet_wait(struct inet_sock *isk, bool (*ready)(struct inet_sock *isk), bool nonblock,
	      uint64_t timeout_ns);
void inet_wake(struct inet_sock *isk);
struct inet_sock *inet_sock_alloc(int type, int protocol);
void inet_sock_free(struct inet_sock *isk);
/* Check @addr/@len as a sockaddr_in for bind/connect: 0, -EINVAL, -EAFNOSUPPORT. */
int inet_check_addr(const void *addr, int len, bool connect);
/* Whether @addr (network order) is one of ours or INADDR_ANY (core lock held). */
bool inet_addr_is_local(uint32_t addr);
/* Fill @sa; returns its length. */
int inet_fill_addr(void *sa, uint32_t addr, uint16_t port);
/* lwIP's err_t as a positive errno for a system call. */
int inet_errno(int err);
/*
 * A NIC's frames arrive in PBUF_POOL pbufs, a small pool shared by every
 * interface: a socket whose reader is slow must not sit on them (all
 * reception would stop), so data to be queued moves to heap memory.
 * Returns @p itself if it is not a pool pbuf, else a heap copy (and @p is
 * freed), or NULL - @p untouched - when no copy could be had. Core lock
 * held.
 */
struct pbuf *inet_unpool(struct pbuf *p);
/* Receive/send timeouts of the socket (0: none). */
uint64_t inet_rcvtimeo(struct inet_sock *isk);
uint64_t inet_sndtimeo(struct inet_sock *isk);

/* tcp.c */
extern const struct proto_ops inet_stream_ops;
int inet_tcp_init(struct inet_sock *isk);
/* Apply SO_REUSEADDR/SO_KEEPALIVE/TCP_NODELAY to the pcb (core lock held). */
void inet_tcp_apply_options(struct inet_sock *isk);
int inet_tcp_getsockopt_tcp(struct inet_sock *isk, int opt, void *val);
int inet_tcp_setsockopt_tcp(struct inet_sock *isk, int opt, int v);
/*
 * The socket @pcb (any TCP pcb, a listener's too) belongs to, or NULL:
 * not one of ours (lwIP's own, or a connection closed and let go), or
 * still in SYN_RECV under a listener. Core lock held.
 */
struct inet_sock *inet_tcp_sock_of(const struct tcp_pcb *pcb);

/* udp.c */
extern const struct proto_ops inet_dgram_ops;
int inet_dgram_init(struct inet_sock *isk);
void inet_dgram_apply_options(struct inet_sock *isk);
size_t inet_dgram_inq(struct inet_sock *isk);
/* The UDP socket @pcb belongs to, or NULL (lwIP's own: DHCP, DNS). Core lock held. */
struct inet_sock *inet_udp_sock_of(const struct udp_pcb *pcb);

/* af_inet.c: the parts of the ops both kinds share. */
int inet_setsockopt(struct socket *sock, int level, int opt, const void *val, int len);
int inet_getsockopt(struct socket *sock, int level, int opt, void *val);
long inet_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg);

/* netdev_ioctl.c: SIOCGIFCONF, SIOCGIFADDR... on any AF_INET socket; -ENOTTY if not one. */
long inet_netdev_ioctl(unsigned int cmd, void __user *arg);

#endif
