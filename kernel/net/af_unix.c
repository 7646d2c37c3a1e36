/*
 * af_unix.c - the AF_UNIX family: socket life cycle, names, and the
 * connection calls (bind, listen, connect, accept, socketpair, shutdown).
 * Moving data is unix_io.c; the generic system calls are socket.c.
 *
 * Names. A path name is a real file: bind() creates an S_IFSOCK inode in
 * the VFS (tmpfs in /tmp), EADDRINUSE if the name exists, and the socket
 * keeps a reference to its dentry. connect() and sendto() walk the path and
 * look the inode up in the table of bound sockets. As on Linux the file
 * outlives the socket: after close() it is still there, connecting gives
 * ECONNREFUSED, and binding again needs an unlink() first. Abstract names
 * (sun_path[0] == 0) live only in the table and vanish with the socket;
 * bind() with just the family autobinds to a fresh 5-hex-digit abstract
 * name, as Linux does.
 *
 *   unix_table (unix_table_lock): every bound socket, via bound_node
 *     path name     -> matched by its dentry's inode
 *     abstract name -> matched by the name's bytes
 *
 * Connections (stream and seqpacket). connect() makes the server end at
 * once -- an "embryo" unix_sock that is the client's peer -- and queues it
 * on the listener, so the client may write before accept(); when the
 * backlog is full it sleeps on the listener (or fails with EAGAIN).
 * accept() takes the oldest embryo and gives it a struct socket. A
 * datagram connect() only records a default destination.
 *
 * Closing. The owner's release marks the socket dead, shuts its peer down
 * (stream/seqpacket: the peer reads EOF, gets POLLHUP, writes fail with
 * EPIPE; ECONNRESET first if we left unread data), closes the embryos it
 * never accepted, and frees the messages it held, dropping the files in
 * flight in them (unix_msgs_free).
 *
 * Lock rules and the structures: af_unix.h.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/net/af_unix.h"
#include "kernel/task.h"
#include "mm/slab.h"

#define SUN_PATH_OFFSET	((int)offsetof(struct sockaddr_un, sun_path))
#define AUTOBIND_NAME_LEN	5		/* hex digits of an autobind name */
#define AUTOBIND_NAMES		0x100000	/* 16^5 */

static struct mutex unix_table_lock = MUTEX_INIT(unix_table_lock);
static LIST_HEAD(unix_table);		/* bound sockets, guarded by unix_table_lock */
static unsigned int autobind_next;	/* guarded by unix_table_lock */

/* ---- life cycle ---------------------------------------------------------- */

static struct unix_sock *unix_sock_alloc(int type)
{
	struct unix_sock *u = kzalloc(sizeof(*u));

	if (!u)
		return NULL;
	u->refcount = 1;
	u->type = (short)type;
	waitqueue_init(&u->wq);
	mutex_init(&u->lock);
	u->state = UNIX_UNCONNECTED;
	INIT_LIST_HEAD(&u->queue);
	INIT_LIST_HEAD(&u->accept_q);
	INIT_LIST_HEAD(&u->accept_node);
	INIT_LIST_HEAD(&u->bound_node);
	INIT_LIST_HEAD(&u->inflight_node);
	INIT_LIST_HEAD(&u->fp_msgs);
	INIT_LIST_HEAD(&u->gc_node);
	u->peercred = (struct ucred){ .pid = 0, .uid = ~0u, .gid = ~0u };
	return u;
}

struct unix_sock *unix_sock_get(struct unix_sock *u)
{
	__atomic_add_fetch(&u->refcount, 1, __ATOMIC_RELAXED);
	return u;
}

void unix_sock_put(struct unix_sock *u)
{
	if (!u || __atomic_sub_fetch(&u->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	/* Released sockets have no peer, no messages and no embryos left. */
	kfree(u);
}

/* Move every entry of @from to the tail of @to. */
static void list_move_all(struct list_head *from, struct list_head *to)
{
	while (!list_empty(from)) {
		struct list_head *e = from->next;

		list_del(e);
		list_add_tail(e, to);
	}
}

/*
 * Shut directions @mode of @peer on our behalf (and leave it the pending
 * error @err, 0 for none); wake whoever sleeps on it.
 */
static void unix_shut_peer(struct unix_sock *peer, unsigned int mode, int err)
{
	mutex_lock(&peer->lock);
	peer->shut |= mode;
	if (err)
		peer->err = err;
	mutex_unlock(&peer->lock);
	wake_up(&peer->wq);
}

/*
 * The owner is gone (close of the last file, or a listener dropping an
 * embryo): detach @u from everything and drop the owner's reference.
 */
static void unix_release_sock(struct unix_sock *u)
{
	struct list_head msgs = LIST_HEAD_INIT(msgs);
	struct list_head embryos = LIST_HEAD_INIT(embryos);
	struct unix_sock *peer, *e, *tmp;
	bool unread;

	mutex_lock(&u->lock);
	u->dead = true;
	u->shut = SHUTDOWN_MASK;
	peer = u->peer;
	u->peer = NULL;
	unread = !list_empty(&u->queue);
	unix_inflight_del_all(u);
	list_move_all(&u->queue, &msgs);
	u->queued = 0;
	list_move_all(&u->accept_q, &embryos);
	u->pending = 0;
	mutex_unlock(&u->lock);
	wake_up(&u->wq);		/* connect() waiting on our backlog, writers */

	if (peer) {
		/* It reads EOF, after ECONNRESET if we left data unread. */
		if (u->type != SOCK_DGRAM)
			unix_shut_peer(peer, SHUTDOWN_MASK, unread ? ECONNRESET : 0);
		unix_sock_put(peer);
	}
	list_for_each_entry_safe(e, tmp, &embryos, accept_node) {
		list_del_init(&e->accept_node);
		unix_release_sock(e);	/* one level: embryos never listen */
	}
	if (!list_empty(&u->bound_node)) {
		mutex_lock(&unix_table_lock);
		list_del_init(&u->bound_node);
		mutex_unlock(&unix_table_lock);
	}
	if (u->path)
		dentry_put(u->path);
	u->path = NULL;
	unix_msgs_free(&msgs);
	unix_sock_put(u);
}

/* The file's last close (socket.c calls it only once sock->sk is set). */
static void unix_release(struct socket *sock)
{
	unix_release_sock(unix_sk(sock));
}

/* Every fput() of a unix socket's file: counted against its files in flight. */
static int unix_put_file(struct socket *sock, struct file *f)
{
	return unix_file_put(unix_sk(sock), f);
}

/* ---- names --------------------------------------------------------------- */

/*
 * Check a sockaddr_un of @len bytes (kernel copy) and turn it into @ua.
 * Returns 0; -EINVAL for a wrong family or length. A bare family
 * (@len == SUN_PATH_OFFSET) is -EINVAL too: only bind() accepts it.
 */
static int unix_mkname(const void *addr, int len, struct unix_addr *ua)
{
	const struct sockaddr_un *sun = addr;
	size_t path_len;

	if (len <= SUN_PATH_OFFSET || len > (int)sizeof(struct sockaddr_un))
		return -EINVAL;
	if (sun->sun_family != AF_UNIX)
		return -EINVAL;
	memset(ua, 0, sizeof(*ua));
	memcpy(&ua->sun, sun, (size_t)len);
	if (sun->sun_path[0] == 0) {
		ua->len = len;			/* abstract: every byte counts */
		return 0;
	}
	/* A path ends at its NUL or at @len; Linux counts the NUL in len. */
	path_len = strnlen(ua->sun.sun_path, (size_t)(len - SUN_PATH_OFFSET));
	ua->raw[SUN_PATH_OFFSET + path_len] = 0;
	ua->len = SUN_PATH_OFFSET + (int)path_len + 1;
	return 0;
}

static bool unix_addr_is_abstract(const struct unix_addr *ua)
{
	return ua->sun.sun_path[0] == 0;
}

/* The bound socket with abstract name @ua, or NULL. unix_table_lock held. */
static struct unix_sock *unix_find_abstract_locked(const struct unix_addr *ua)
{
	struct unix_sock *u;

	list_for_each_entry(u, &unix_table, bound_node)
		if (!u->path && u->addr.len == ua->len &&
		    !memcmp(u->addr.raw, ua->raw, (size_t)ua->len))
			return u;
	return NULL;
}

/* The bound socket whose path is @inode, or NULL. unix_table_lock held. */
static struct unix_sock *unix_find_inode_locked(struct inode *inode)
{
	struct unix_sock *u;

	list_for_each_entry(u, &unix_table, bound_node)
		if (u->path && u->path->inode == inode)
			return u;
	return NULL;
}

/* The socket bound to path @path (a reference), or ERR_PTR. */
static struct unix_sock *unix_find_path(const char *path)
{
	struct dentry *root, *cwd, *d;
	struct unix_sock *u = NULL;
	int err;

	fs_get_root_cwd(&root, &cwd);
	mutex_lock(&vfs_ns_lock);
	err = namei_walk(root, cwd, path, &d);
	mutex_unlock(&vfs_ns_lock);
	dentry_put(root);
	dentry_put(cwd);
	if (err)
		return ERR_PTR(err);
	if (S_ISSOCK(d->inode->mode)) {
		mutex_lock(&unix_table_lock);
		u = unix_find_inode_locked(d->inode);
		if (u)
			unix_sock_get(u);
		mutex_unlock(&unix_table_lock);
	}
	dentry_put(d);
	return u ? u : ERR_PTR(-ECONNREFUSED);
}

struct unix_sock *unix_find(const void *addr, int len, int type)
{
	struct unix_addr ua;
	struct unix_sock *u;
	int err = unix_mkname(addr, len, &ua);

	if (err)
		return ERR_PTR(err);
	if (unix_addr_is_abstract(&ua)) {
		mutex_lock(&unix_table_lock);
		u = unix_find_abstract_locked(&ua);
		if (u)
			unix_sock_get(u);
		mutex_unlock(&unix_table_lock);
		if (!u)
			return ERR_PTR(-ECONNREFUSED);
	} else {
		u = unix_find_path(ua.sun.sun_path);
		if (IS_ERR(u))
			return u;
	}
	if (u->type != type) {
		unix_sock_put(u);
		return ERR_PTR(-EPROTOTYPE);
	}
	return u;
}

/* Enter @u with name @ua (and path @d) in the table. Both locks held. */
static void unix_publish_locked(struct unix_sock *u, const struct unix_addr *ua,
				struct dentry *d)
{
	u->addr = *ua;
	u->path = d;
	list_add_tail(&u->bound_node, &unix_table);
}

/* An abstract name: -EADDRINUSE if taken. u->lock held. */
static int unix_bind_abstract(struct unix_sock *u, const struct unix_addr *ua)
{
	int err = 0;

	mutex_lock(&unix_table_lock);
	if (unix_find_abstract_locked(ua))
		err = -EADDRINUSE;
	else
		unix_publish_locked(u, ua, NULL);
	mutex_unlock(&unix_table_lock);
	return err;
}

/* A fresh abstract name "\0xxxxx" (Linux's autobind). u->lock held. */
static int unix_autobind_locked(struct unix_sock *u)
{
	static const char hex[] = "0123456789abcdef";
	struct unix_addr ua;
	int err = -ENOSPC;

	mutex_lock(&unix_table_lock);
	for (unsigned int tries = 0; tries < AUTOBIND_NAMES; tries++) {
		unsigned int n = autobind_next++ % AUTOBIND_NAMES;

		memset(&ua, 0, sizeof(ua));
		ua.sun.sun_family = AF_UNIX;
		for (int i = AUTOBIND_NAME_LEN; i > 0; i--, n >>= 4)
			ua.sun.sun_path[i] = hex[n & 0xf];
		ua.len = SUN_PATH_OFFSET + 1 + AUTOBIND_NAME_LEN;
		if (!unix_find_abstract_locked(&ua)) {
			unix_publish_locked(u, &ua, NULL);
			err = 0;
			break;
		}
	}
	mutex_unlock(&unix_table_lock);
	return err;
}

/* Create the socket file @ua names: its dentry (a reference) or ERR_PTR. */
static struct dentry *unix_mknod(const struct unix_addr *ua)
{
	struct task *t = current();
	umode_t mode = S_IFSOCK | (0777 & ~(t ? t->umask : 022));
	struct dentry *root, *cwd, *d;

	fs_get_root_cwd(&root, &cwd);
	d = vfs_create_at(root, cwd, ua->sun.sun_path, mode, 0);
	dentry_put(root);
	dentry_put(cwd);
	/* An existing name, "/", "." or "..": Linux's bind says EADDRINUSE. */
	if (IS_ERR(d) && PTR_ERR(d) == -EEXIST)
		d = ERR_PTR(-EADDRINUSE);
	return d;
}

static int unix_bind_path(struct unix_sock *u, const struct unix_addr *ua)
{
	struct dentry *d = unix_mknod(ua);

	if (IS_ERR(d))
		return (int)PTR_ERR(d);
	mutex_lock(&unix_table_lock);
	unix_publish_locked(u, ua, d);
	mutex_unlock(&unix_table_lock);
	return 0;
}

static int unix_bind(struct socket *sock, const void *addr, int len)
{
	const struct sockaddr_un *sun = addr;
	struct unix_sock *u = unix_sk(sock);
	struct unix_addr ua;
	int err;

	/* The bare family asks for an autobound abstract name. */
	bool autobind = len == SUN_PATH_OFFSET && sun->sun_family == AF_UNIX;

	if (!autobind) {
		err = unix_mkname(addr, len, &ua);
		if (err)
			return err;
	}
	mutex_lock(&u->lock);
	if (u->addr.len)
		err = -EINVAL;			/* bound already */
	else if (autobind)
		err = unix_autobind_locked(u);
	else if (unix_addr_is_abstract(&ua))
		err = unix_bind_abstract(u, &ua);
	else
		err = unix_bind_path(u, &ua);
	mutex_unlock(&u->lock);
	return err;
}

static int unix_getname(struct socket *sock, void *addr, bool want_peer)
{
	struct unix_sock *u = unix_sk(sock), *p = NULL;
	struct unix_addr ua = { .len = 0 };

	mutex_lock(&u->lock);
	if (want_peer) {
		p = u->peer;
		if (!p || (u->type != SOCK_DGRAM && u->state != UNIX_CONNECTED)) {
			mutex_unlock(&u->lock);
			return -ENOTCONN;
		}
		unix_sock_get(p);
	} else {
		ua = u->addr;
	}
	mutex_unlock(&u->lock);
	if (p) {
		mutex_lock(&p->lock);
		ua = p->addr;
		mutex_unlock(&p->lock);
		unix_sock_put(p);
	}
	if (!ua.len) {				/* unbound: just the family */
		ua.sun.sun_family = AF_UNIX;
		ua.len = SUN_PATH_OFFSET;
	}
	memcpy(addr, ua.raw, (size_t)ua.len);
	return ua.len;
}

/* ---- connections --------------------------------------------------------- */

static bool unix_backlog_open(struct unix_sock *l)
{
	return READ_ONCE(l->dead) || READ_ONCE(l->state) != UNIX_LISTENING ||
	       READ_ONCE(l->pending) <= READ_ONCE(l->backlog);
}

/*
 * Queue embryo @e, already wired to @u, on listener @l; sleeps while the
 * backlog is full (at most @timeo ns, SO_SNDTIMEO; 0: no limit). 0,
 * -ECONNREFUSED, -EAGAIN, -EINTR or -ERESTARTSYS. u->lock held.
 */
static int unix_enqueue_embryo(struct unix_sock *u, struct unix_sock *l,
			       struct unix_sock *e, bool nonblock, uint64_t timeo)
{
	int err;

	for (;;) {
		/*
		 * Two socket locks of one class: the connecting socket's,
		 * then the listener's. Always that way round - a listening
		 * socket never connects (-EINVAL, checked under u->lock),
		 * so no task holds a listener's lock while taking another
		 * socket's. Declared nested (docs/locking.md), as Linux's
		 * unix_stream_connect does.
		 */
		mutex_lock_nested(&l->lock);
		if (l->dead || l->state != UNIX_LISTENING) {
			mutex_unlock(&l->lock);
			return -ECONNREFUSED;
		}
		if (l->pending <= l->backlog)
			break;
		mutex_unlock(&l->lock);
		if (nonblock)
			return -EAGAIN;
		err = wait_event_interruptible_timeout(&l->wq, unix_backlog_open(l), timeo);
		if (err)
			return sock_wait_errno(err, timeo);
	}
	/* Wire both ends: each peer pointer holds a reference. */
	e->state = UNIX_CONNECTED;
	e->peer = unix_sock_get(u);
	e->addr = l->addr;			/* getsockname of the accepted end */
	e->peercred = sock_current_cred();
	u->peer = unix_sock_get(e);
	u->peercred = l->peercred;
	list_add_tail(&e->accept_node, &l->accept_q);
	l->pending++;
	mutex_unlock(&l->lock);
	wake_up(&l->wq);
	return 0;
}

static int unix_stream_connect(struct unix_sock *u, const void *addr, int len,
			       bool nonblock, uint64_t timeo)
{
	struct unix_sock *l, *e;
	int err;

	l = unix_find(addr, len, u->type);
	if (IS_ERR(l))
		return (int)PTR_ERR(l);
	e = unix_sock_alloc(u->type);
	if (!e) {
		unix_sock_put(l);
		return -ENOMEM;
	}
	mutex_lock(&u->lock);
	if (u->state == UNIX_CONNECTED)
		err = -EISCONN;
	else if (u->state == UNIX_LISTENING)
		err = -EINVAL;
	else
		err = unix_enqueue_embryo(u, l, e, nonblock, timeo);
	if (!err)
		u->state = UNIX_CONNECTED;
	mutex_unlock(&u->lock);
	if (err) {
		unix_sock_put(e);		/* never wired: nothing else refers */
	} else {
		/*
		 * Its poll mask changed (no hang-up; writable now means room
		 * on the peer): an epoll item watching it polls again, and so
		 * starts waiting on the peer's queue too (fs/eventpoll.c).
		 */
		wake_up(&u->wq);
	}
	unix_sock_put(l);
	return err;
}

/* Datagram connect: set (or with AF_UNSPEC clear) the default destination. */
static int unix_dgram_connect(struct unix_sock *u, const void *addr, int len)
{
	const struct sockaddr_un *sun = addr;
	struct unix_sock *target = NULL, *old;

	if (len >= (int)sizeof(sa_family_t) && sun->sun_family == AF_UNSPEC) {
		target = NULL;
	} else {
		target = unix_find(addr, len, SOCK_DGRAM);
		if (IS_ERR(target))
			return (int)PTR_ERR(target);
	}
	mutex_lock(&u->lock);
	old = u->peer;
	u->peer = target;
	mutex_unlock(&u->lock);
	unix_sock_put(old);
	wake_up(&u->wq);
	return 0;
}

static int unix_connect(struct socket *sock, const void *addr, int len, bool nonblock)
{
	struct unix_sock *u = unix_sk(sock);

	if (u->type == SOCK_DGRAM)
		return unix_dgram_connect(u, addr, len);
	return unix_stream_connect(u, addr, len, nonblock, READ_ONCE(sock->sndtimeo));
}

static int unix_listen(struct socket *sock, int backlog)
{
	struct unix_sock *u = unix_sk(sock);
	int err = 0;

	if (u->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if ((unsigned int)backlog > SOMAXCONN)
		backlog = SOMAXCONN;		/* negative ones too, as Linux */
	mutex_lock(&u->lock);
	if (!u->addr.len || u->state == UNIX_CONNECTED) {
		err = -EINVAL;			/* unbound, or connected */
	} else {
		u->state = UNIX_LISTENING;
		u->backlog = backlog;
		u->peercred = sock_current_cred();
	}
	mutex_unlock(&u->lock);
	wake_up(&u->wq);			/* a larger backlog may admit more */
	return err;
}

static bool unix_acceptable(struct unix_sock *u)
{
	return !list_empty(&u->accept_q) || READ_ONCE(u->state) != UNIX_LISTENING;
}

static int unix_accept(struct socket *sock, struct socket *newsock, bool nonblock)
{
	struct unix_sock *u = unix_sk(sock), *e;
	uint64_t timeo = READ_ONCE(sock->rcvtimeo);
	int err;

	if (u->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	mutex_lock(&u->lock);
	for (;;) {
		if (u->state != UNIX_LISTENING) {
			mutex_unlock(&u->lock);
			return -EINVAL;
		}
		if (!list_empty(&u->accept_q))
			break;
		mutex_unlock(&u->lock);
		if (nonblock)
			return -EAGAIN;
		err = wait_event_interruptible_timeout(&u->wq, unix_acceptable(u), timeo);
		if (err)
			return sock_wait_errno(err, timeo);
		mutex_lock(&u->lock);
	}
	e = list_first_entry(&u->accept_q, struct unix_sock, accept_node);
	list_del_init(&e->accept_node);
	u->pending--;
	mutex_unlock(&u->lock);
	wake_up(&u->wq);			/* room in the backlog */
	newsock->sk = e;			/* the queue's reference moves here */
	return 0;
}

static int unix_socketpair(struct socket *a, struct socket *b)
{
	struct unix_sock *ua = unix_sk(a), *ub = unix_sk(b);

	ua->peer = unix_sock_get(ub);
	ub->peer = unix_sock_get(ua);
	ua->peercred = ub->peercred = sock_current_cred();
	if (ua->type != SOCK_DGRAM)
		ua->state = ub->state = UNIX_CONNECTED;
	return 0;
}

static int unix_shutdown(struct socket *sock, int how)
{
	struct unix_sock *u = unix_sk(sock), *peer = NULL;
	unsigned int mode, peer_mode;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	mode = (unsigned int)how + 1;		/* SHUT_RD -> RCV_SHUTDOWN ... */
	mutex_lock(&u->lock);
	u->shut |= mode;
	if (u->type != SOCK_DGRAM && u->peer)
		peer = unix_sock_get(u->peer);
	mutex_unlock(&u->lock);
	wake_up(&u->wq);
	if (!peer)
		return 0;
	/* What we stop receiving, the peer stops sending, and vice versa. */
	peer_mode = ((mode & RCV_SHUTDOWN) ? SEND_SHUTDOWN : 0) |
		    ((mode & SEND_SHUTDOWN) ? RCV_SHUTDOWN : 0);
	unix_shut_peer(peer, peer_mode, 0);
	unix_sock_put(peer);
	return 0;
}

static int unix_getsockopt(struct socket *sock, int level, int opt, void *val)
{
	struct unix_sock *u = unix_sk(sock);
	int v;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	switch (opt) {
	case SO_ERROR:
		mutex_lock(&u->lock);
		v = u->err;
		u->err = 0;
		mutex_unlock(&u->lock);
		break;
	case SO_ACCEPTCONN:
		v = READ_ONCE(u->state) == UNIX_LISTENING;
		break;
	case SO_PEERCRED:
		mutex_lock(&u->lock);
		memcpy(val, &u->peercred, sizeof(struct ucred));
		mutex_unlock(&u->lock);
		return (int)sizeof(struct ucred);
	default:
		return -ENOPROTOOPT;
	}
	memcpy(val, &v, sizeof(v));
	return (int)sizeof(v);
}

const struct proto_ops unix_proto_ops = {
	.family = AF_UNIX,
	.release = unix_release,
	.put_file = unix_put_file,
	.bind = unix_bind,
	.connect = unix_connect,
	.socketpair = unix_socketpair,
	.listen = unix_listen,
	.accept = unix_accept,
	.getname = unix_getname,
	.poll = unix_poll,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.shutdown = unix_shutdown,
	.getsockopt = unix_getsockopt,
	.ioctl = unix_ioctl,
};

int unix_create(struct socket *sock, int type, int protocol)
{
	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	switch (type) {
	case SOCK_RAW:
		type = SOCK_DGRAM;		/* as Linux: raw means datagram */
		break;
	case SOCK_STREAM:
	case SOCK_DGRAM:
	case SOCK_SEQPACKET:
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}
	sock->sk = unix_sock_alloc(type);
	if (!sock->sk)
		return -ENOMEM;
	sock->type = (short)type;
	sock->ops = &unix_proto_ops;
	return 0;
}
