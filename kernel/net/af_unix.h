/*
 * af_unix.h - inside AF_UNIX: struct unix_sock and its queued messages,
 * shared by af_unix.c (life cycle, names, connections) and unix_io.c
 * (sending, receiving, poll).
 *
 * Every socket has one receive queue of struct unix_msg. A sender puts a
 * message straight on its peer's queue; nothing is kept on the sending
 * side. A stream reader may take a message in pieces (msg->off); datagram
 * and seqpacket readers take a whole message at a time.
 *
 *   client unix_sock                     server unix_sock (accepted)
 *   +--------------+  peer (reference)   +--------------+
 *   | queue <------+---------------------+- peer        |
 *   |  [msg][msg]  |                     |  queue       |
 *   +--------------+                     +--------------+
 *         ^ writes from the server            ^ writes from the client
 *
 * A listening socket keeps connections not yet accepted ("embryos": a
 * unix_sock with no struct socket, already the client's peer) on its
 * accept queue; accept() gives one a socket and a file.
 *
 * Lifetime: unix_sock->refcount counts the owner (its struct socket, or
 * the listener's accept queue for an embryo), each peer pointer at it, and
 * each task sleeping on its wait queue. The owner's release marks it dead,
 * detaches it from its peer and empties its queues; memory goes with the
 * last reference.
 *
 * Locking: unix_sock->lock (a mutex) guards its state, peer, queue and
 * accept queue, and is held while copying user data into or out of the
 * queue. At most two are held at once, only in connect(): the connecting
 * socket's, then the listener's. unix_table_lock (af_unix.c) guards the
 * table of bound names and is taken on its own. Wait conditions peek at
 * fields without the lock and are re-checked under it (as pipes do).
 */
#ifndef KERNEL_NET_AF_UNIX_H
#define KERNEL_NET_AF_UNIX_H

#include "kernel/lib/list.h"
#include "kernel/net/socket.h"
#include "kernel/wait.h"

/* A receive queue holds at most this many bytes, overhead included. */
#define UNIX_QUEUE_MAX		SOCK_BUF_DEFAULT
/* The largest datagram or seqpacket record (Linux: sndbuf - 32). */
#define UNIX_DGRAM_MAX		(UNIX_QUEUE_MAX - 32)
/* A stream write is queued in pieces of at most this many bytes. */
#define UNIX_STREAM_CHUNK	(64 * 1024)
struct dentry;

/*
 * A socket name: a path ("/tmp/s", stored NUL-terminated, len counting the
 * NUL as Linux does) or an abstract name (sun_path[0] == 0, len bytes of
 * binary name). len is what getsockname() reports; 0 means unbound. The
 * raw form has room for a path of UNIX_PATH_MAX bytes plus its NUL.
 */
struct unix_addr {
	int len;
	union {
		struct sockaddr_un sun;
		char raw[sizeof(struct sockaddr_un) + 1];
	};
};

struct unix_msg {
	struct list_head node;		/* on the receiver's queue */
	size_t len;			/* data bytes */
	size_t off;			/* of which already read (stream) */
	size_t truesize;		/* what the queue is charged */
	struct scm_files fp;		/* SCM_RIGHTS in flight (files NULL: none) */
	struct list_head fp_node;	/* on the receiver's fp_msgs while queued with
					   files (unix_gc_lock, unix_gc.c) */
	struct unix_addr from;		/* the sender's name (len 0: unbound) */
	unsigned char data[];
};

enum unix_state {
	UNIX_UNCONNECTED,
	UNIX_LISTENING,
	UNIX_CONNECTED,			/* stream/seqpacket with a peer */
};

struct unix_sock {
	int refcount;			/* atomic; see the file comment */
	short type;			/* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	struct waitqueue wq;		/* readers, writers waiting for room here,
					   accept and connect waiting on a backlog */

	/* Guarded by lock */
	struct mutex lock;
	enum unix_state state;
	bool dead;			/* released: takes no more messages */
	unsigned int shut;		/* RCV_SHUTDOWN | SEND_SHUTDOWN */
	int err;			/* pending error (ECONNRESET), reported once */
	struct unix_sock *peer;		/* connected peer (reference), or NULL */
	struct list_head queue;		/* of struct unix_msg */
	size_t queued;			/* sum of their truesize */
	struct list_head accept_q;	/* listening: embryos, via accept_node */
	struct list_head accept_node;
	int backlog, pending;		/* listening: limit and length of accept_q */
	struct ucred peercred;		/* SO_PEERCRED */

	/* Set once by bind/autobind (or accept) under lock, then read-only */
	struct unix_addr addr;
	struct dentry *path;		/* a path name's dentry (reference), or NULL */
	struct list_head bound_node;	/* on the bound table while bound */

	/* Guarded by unix_gc_lock (unix_gc.c): SCM_RIGHTS accounting */
	int inflight;			/* references to our file in queued messages */
	struct file *file;		/* that file while inflight > 0 (no reference) */
	struct list_head inflight_node;	/* on unix_inflight_list while inflight > 0 */
	struct list_head fp_msgs;	/* our queued messages that carry files */
	int gc_state, gc_refs;		/* during a collector pass */
	struct list_head gc_node;	/* during a collector pass */
};

static inline struct unix_sock *unix_sk(struct socket *sock)
{
	return sock->sk;
}

/* ---- af_unix.c ---- */

struct unix_sock *unix_sock_get(struct unix_sock *u);
/* Drop a reference; the last frees the socket. May sleep. */
void unix_sock_put(struct unix_sock *u);
/*
 * The bound socket a send or connect names, with a reference:
 * ERR_PTR(-EINVAL) for a bad address, -ENOENT/-ENOTDIR for a missing
 * path, -ECONNREFUSED when nothing listens there, -EPROTOTYPE when its
 * type is not @type.
 */
struct unix_sock *unix_find(const void *addr, int len, int type);

/* ---- unix_io.c ---- */

ssize_t unix_sendmsg(struct socket *sock, struct sock_msg *m);
ssize_t unix_recvmsg(struct socket *sock, struct sock_msg *m);
unsigned int unix_poll(struct socket *sock, struct poll_table *pt);
long unix_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg);
/*
 * Free every message of @msgs (a list of struct unix_msg), dropping the
 * files they carry. The fput()s are deferred to one loop per CPU-wide
 * drain, so closing a socket that holds sockets in flight, which hold
 * sockets in flight, ... never recurses deeper than one level. May sleep.
 */
void unix_msgs_free(struct list_head *msgs);

/* ---- unix_gc.c: files in flight and the cycle collector ---- */

/* @msg (with or without files) joins @r's queue; @r's lock held. */
void unix_inflight_add(struct unix_sock *r, struct unix_msg *msg);
/* A reader takes @msg's files, or @msg leaves the queue with them. */
void unix_inflight_del(struct unix_msg *msg);
/* Release: every message queued on @u stops counting; @u's lock held. */
void unix_inflight_del_all(struct unix_sock *u);
/* MSG_PEEK: new references to @msg's files into @copies (fp.n of them). */
void unix_inflight_peek(struct unix_msg *msg, struct file **copies);
/* fput() of @u's file @f: drop one reference, return how many remain. */
int unix_file_put(struct unix_sock *u, struct file *f);
/* One collector pass; returns the sockets freed as garbage. May sleep. */
unsigned long unix_gc(void);

#endif
