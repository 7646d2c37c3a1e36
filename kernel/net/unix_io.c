/*
 * unix_io.c - moving data over AF_UNIX sockets: send, receive, poll,
 * FIONREAD, and freeing messages with files in flight.
 *
 * A send builds one struct unix_msg (af_unix.h) and appends it to the
 * receiver's queue; a receive copies from the head of its own queue.
 *
 *   stream:     a write is cut into pieces of at most UNIX_STREAM_CHUNK
 *               bytes (or what the queue has room for); a read gathers
 *               bytes across messages, but never past a message that
 *               carries files, so the files arrive with their own bytes.
 *               A write waits until everything is queued (or a signal
 *               arrives: then it returns what it sent, or -ERESTARTSYS).
 *   dgram and   one message per send, at most UNIX_DGRAM_MAX bytes
 *   seqpacket:  (EMSGSIZE), queued whole once it fits; a read takes one
 *               message and drops what does not fit (MSG_TRUNC).
 *
 * Flow control: a receive queue holds at most UNIX_QUEUE_MAX bytes of
 * messages, headers included, but always takes one message when it is
 * empty. Writers sleep on the receiver's wait queue, which every dequeue
 * wakes. (Linux charges the sender's SO_SNDBUF instead; here SO_SNDBUF and
 * SO_RCVBUF are stored and reported only.)
 *
 * Files in flight (SCM_RIGHTS) are references held by the message. A
 * reader that takes the message takes the references (socket.c installs
 * them as fds, or drops them when there is no room or no control buffer);
 * a message freed unread drops them. Those fput()s go through one
 * deferred list (unix_msgs_free), because dropping a socket in flight can
 * free more messages with more sockets in flight. A socket sent over
 * itself (a cycle), which no close can free, is collected by unix_gc.c;
 * every queued message with files is counted there (unix_inflight_*).
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/poll.h"
#include "kernel/lib/string.h"
#include "kernel/net/af_unix.h"
#include "kernel/task.h"
#include "mm/slab.h"

/* ---- messages ------------------------------------------------------------ */

static struct unix_msg *unix_msg_alloc(size_t len)
{
	struct unix_msg *msg = kmalloc(sizeof(*msg) + len, 0);

	if (!msg)
		return NULL;
	memset(msg, 0, sizeof(*msg));
	INIT_LIST_HEAD(&msg->node);
	INIT_LIST_HEAD(&msg->fp_node);
	msg->len = len;
	msg->truesize = sizeof(*msg) + len;
	return msg;
}

/* Messages whose files still need dropping; see unix_msgs_free(). */
static spinlock_t unix_drop_lock = SPINLOCK_INIT(unix_drop_lock);
static LIST_HEAD(unix_drop_list);		/* guarded by unix_drop_lock */
static bool unix_drop_running;		/* guarded by unix_drop_lock */

void unix_msgs_free(struct list_head *msgs)
{
	struct unix_msg *msg, *tmp;
	unsigned long irq;

	list_for_each_entry_safe(msg, tmp, msgs, node) {
		list_del(&msg->node);
		if (!msg->fp.files) {
			kfree(msg);
			continue;
		}
		irq = spin_lock_irqsave(&unix_drop_lock);
		list_add_tail(&msg->node, &unix_drop_list);
		spin_unlock_irqrestore(&unix_drop_lock, irq);
	}
	/* Whoever runs the loop first drains everything, nested frees included. */
	irq = spin_lock_irqsave(&unix_drop_lock);
	if (unix_drop_running) {
		spin_unlock_irqrestore(&unix_drop_lock, irq);
		return;
	}
	unix_drop_running = true;
	while (!list_empty(&unix_drop_list)) {
		msg = list_first_entry(&unix_drop_list, struct unix_msg, node);
		list_del(&msg->node);
		spin_unlock_irqrestore(&unix_drop_lock, irq);
		scm_files_drop(&msg->fp);	/* may release sockets: they queue here */
		kfree(msg);
		irq = spin_lock_irqsave(&unix_drop_lock);
	}
	unix_drop_running = false;
	spin_unlock_irqrestore(&unix_drop_lock, irq);
}

/* The smallest message: its header and one byte (a stream write's piece). */
#define UNIX_MIN_TRUESIZE	(sizeof(struct unix_msg) + 1)

/* Does a message of @truesize bytes fit on @r's queue now? */
static bool unix_has_room(struct unix_sock *r, size_t truesize)
{
	size_t queued = READ_ONCE(r->queued);

	return queued == 0 || queued + truesize <= UNIX_QUEUE_MAX;
}

/*
 * Should a writer of a @truesize message to @r wake up: there is room, or
 * @r is gone or shut for reading (the send then fails)? A wait condition.
 */
static bool unix_may_write(struct unix_sock *r, size_t truesize)
{
	return READ_ONCE(r->dead) || (READ_ONCE(r->shut) & RCV_SHUTDOWN) ||
	       unix_has_room(r, truesize);
}

/* Append @msg to @r's queue (lock held) and wake its readers. */
static void unix_enqueue_locked(struct unix_sock *r, struct unix_msg *msg)
{
	list_add_tail(&msg->node, &r->queue);
	r->queued += msg->truesize;
	unix_inflight_add(r, msg);
	wake_up(&r->wq);
}

/*
 * Pollers of connected datagram sockets waiting for room on their peer's
 * queue. The peer can be reconnected or freed while such a poller sleeps,
 * so the wait cannot sit on the peer's own queue (Linux links the poller
 * into its peer instead: peer_wake). Every dequeue from a datagram socket
 * wakes this one queue, and each woken poller checks its own peer again:
 * a spurious wake-up costs one re-poll.
 */
static struct waitqueue unix_dgram_room_wq = WAITQUEUE_INIT(unix_dgram_room_wq);

/* Take @msg off @u's queue (lock held); writers may go on. */
static void unix_dequeue_locked(struct unix_sock *u, struct unix_msg *msg)
{
	list_del_init(&msg->node);
	u->queued -= msg->truesize;
	wake_up(&u->wq);
	if (u->type == SOCK_DGRAM)
		wake_up(&unix_dgram_room_wq);
}

/* ---- stream send --------------------------------------------------------- */

/*
 * Queue the next piece of a stream write on @peer (lock held): as much of
 * the @m bytes from @sent on as fits. Bytes queued, 0 if there is no room,
 * or -EPIPE/-EFAULT/-ENOMEM.
 */
static ssize_t unix_stream_queue_locked(struct unix_sock *u, struct unix_sock *peer,
					struct sock_msg *m, size_t sent)
{
	size_t chunk = MIN(m->len - sent, (size_t)UNIX_STREAM_CHUNK);
	struct unix_msg *msg;

	if (peer->dead || (peer->shut & RCV_SHUTDOWN))
		return -EPIPE;
	if (!unix_has_room(peer, UNIX_MIN_TRUESIZE))
		return 0;
	if (peer->queued)
		chunk = MIN(chunk, UNIX_QUEUE_MAX - peer->queued - sizeof(*msg));
	msg = unix_msg_alloc(chunk);
	if (!msg)
		return -ENOMEM;
	if (sock_msg_copy_in(msg->data, m, sent, chunk)) {
		kfree(msg);
		return -EFAULT;
	}
	msg->from = u->addr;
	if (sent == 0)
		msg->fp = scm_files_take(&m->fp);	/* with the first piece */
	unix_enqueue_locked(peer, msg);
	return (ssize_t)chunk;
}

static ssize_t unix_stream_sendmsg(struct unix_sock *u, struct sock_msg *m, uint64_t timeo)
{
	struct unix_sock *peer = NULL;
	size_t sent = 0;
	ssize_t ret = 0;

	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	mutex_lock(&u->lock);
	if (m->name)
		ret = u->state == UNIX_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	else if (u->state != UNIX_CONNECTED || !u->peer)
		ret = -ENOTCONN;
	else if (u->shut & SEND_SHUTDOWN)
		ret = -EPIPE;
	else
		peer = unix_sock_get(u->peer);
	mutex_unlock(&u->lock);

	while (peer && sent < m->len) {
		mutex_lock(&peer->lock);
		ret = unix_stream_queue_locked(u, peer, m, sent);
		mutex_unlock(&peer->lock);
		if (ret < 0)
			break;
		sent += (size_t)ret;
		if (ret > 0)
			continue;
		if (m->nonblock) {
			ret = -EAGAIN;
			break;
		}
		ret = wait_event_interruptible_timeout(&peer->wq,
					unix_may_write(peer, UNIX_MIN_TRUESIZE), timeo);
		if (ret) {
			ret = sock_wait_errno(ret, timeo);
			break;
		}
	}
	unix_sock_put(peer);
	if (ret == -EPIPE && !sent)
		sock_sigpipe(m);
	return sent ? (ssize_t)sent : ret;
}

/* ---- datagram and seqpacket send ----------------------------------------- */

/* The destination of a datagram: the named socket or the peer (a reference). */
static struct unix_sock *unix_dgram_target(struct unix_sock *u, struct sock_msg *m)
{
	struct unix_sock *t = NULL;
	bool named = m->name && u->type == SOCK_DGRAM;

	mutex_lock(&u->lock);
	if (u->type == SOCK_SEQPACKET && u->state != UNIX_CONNECTED)
		t = ERR_PTR(-ENOTCONN);
	else if (u->shut & SEND_SHUTDOWN)
		t = ERR_PTR(-EPIPE);
	else if (named)
		t = NULL;			/* looked up below, without our lock */
	else if (u->peer)
		t = unix_sock_get(u->peer);
	else
		t = ERR_PTR(-ENOTCONN);
	mutex_unlock(&u->lock);
	if (named && !IS_ERR(t))
		t = unix_find(m->name, m->namelen, SOCK_DGRAM);
	return t;
}

/* @t died under a connected datagram socket: forget it (ECONNREFUSED once). */
static void unix_dgram_forget(struct unix_sock *u, struct unix_sock *t)
{
	mutex_lock(&u->lock);
	if (u->peer == t) {
		u->peer = NULL;
		unix_sock_put(t);
	}
	mutex_unlock(&u->lock);
}

/* Queue @msg on @t, waiting for room. 0 or -errno; on error @msg is still ours. */
static int unix_dgram_deliver(struct unix_sock *u, struct unix_sock *t,
			      struct unix_msg *msg, struct sock_msg *m, uint64_t timeo)
{
	int err;

	for (;;) {
		mutex_lock(&t->lock);
		if (t->dead)
			err = u->type == SOCK_SEQPACKET ? -EPIPE : -ECONNREFUSED;
		else if (t->shut & RCV_SHUTDOWN)
			err = -EPIPE;
		else if (u->type == SOCK_DGRAM && t->peer && t->peer != u)
			err = -EPERM;		/* it only hears its own peer */
		else if (unix_has_room(t, msg->truesize))
			err = 0;
		else
			err = -EAGAIN;
		if (!err) {
			msg->fp = scm_files_take(&m->fp);
			unix_enqueue_locked(t, msg);
		}
		mutex_unlock(&t->lock);
		if (err != -EAGAIN || m->nonblock)
			return err;
		err = wait_event_interruptible_timeout(&t->wq, unix_may_write(t, msg->truesize),
						       timeo);
		if (err)
			return sock_wait_errno(err, timeo);
	}
}

static ssize_t unix_dgram_sendmsg(struct unix_sock *u, struct sock_msg *m, uint64_t timeo)
{
	struct unix_msg *msg;
	struct unix_sock *t;
	int err;

	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->len > UNIX_DGRAM_MAX)
		return -EMSGSIZE;
	t = unix_dgram_target(u, m);
	if (IS_ERR(t)) {
		err = (int)PTR_ERR(t);
		goto out;
	}
	msg = unix_msg_alloc(m->len);
	err = -ENOMEM;
	if (!msg)
		goto out_put;
	err = sock_msg_copy_in(msg->data, m, 0, m->len);
	if (!err) {
		mutex_lock(&u->lock);
		msg->from = u->addr;
		mutex_unlock(&u->lock);
		err = unix_dgram_deliver(u, t, msg, m, timeo);
	}
	if (err)
		kfree(msg);			/* files were not taken: still the caller's */
	if (err == -ECONNREFUSED)
		unix_dgram_forget(u, t);
out_put:
	unix_sock_put(t);
out:
	/* No SIGPIPE here: Linux raises it for stream sockets only. */
	return err ? err : (ssize_t)m->len;
}

ssize_t unix_sendmsg(struct socket *sock, struct sock_msg *m)
{
	struct unix_sock *u = unix_sk(sock);

	uint64_t timeo = READ_ONCE(sock->sndtimeo);

	if (u->type == SOCK_STREAM)
		return unix_stream_sendmsg(u, m, timeo);
	return unix_dgram_sendmsg(u, m, timeo);
}

/* ---- receive --------------------------------------------------------------- */

static bool unix_readable(struct unix_sock *u)
{
	return !list_empty(&u->queue) || (READ_ONCE(u->shut) & RCV_SHUTDOWN) ||
	       READ_ONCE(u->err);
}

/*
 * Wait until @u has a message, EOF or an error (lock held, dropped while
 * asleep). 1: a message is there; 0: EOF; -errno (pending error,
 * -EAGAIN, -ERESTARTSYS).
 */
static int unix_wait_data_locked(struct unix_sock *u, bool nonblock, uint64_t timeo)
{
	int err;

	for (;;) {
		if (u->err) {
			err = -u->err;
			u->err = 0;
			return err;
		}
		if (!list_empty(&u->queue))
			return 1;
		if (u->shut & RCV_SHUTDOWN)
			return 0;
		if (nonblock)
			return -EAGAIN;
		mutex_unlock(&u->lock);
		err = wait_event_interruptible_timeout(&u->wq, unix_readable(u), timeo);
		mutex_lock(&u->lock);
		if (err)
			return sock_wait_errno(err, timeo);
	}
}

/* Give the reader the sender's name and, unless peeking, the files. */
static void unix_recv_extras(struct unix_msg *msg, struct sock_msg *m, bool first)
{
	if (first && m->name) {
		memcpy(m->name, msg->from.raw, (size_t)msg->from.len);
		m->namelen = msg->from.len;
	}
	if (!msg->fp.files)
		return;
	if (!(m->flags & MSG_PEEK)) {
		unix_inflight_del(msg);
		m->fp = scm_files_take(&msg->fp);
		return;
	}
	/* A peek passes copies: new references, the message keeps its own. */
	m->fp.files = kmalloc(sizeof(struct file *) * (size_t)msg->fp.n, 0);
	if (!m->fp.files) {
		m->out_flags |= MSG_CTRUNC;
		return;
	}
	unix_inflight_peek(msg, m->fp.files);
	m->fp.n = msg->fp.n;
}

static ssize_t unix_dgram_recvmsg(struct unix_sock *u, struct sock_msg *m, uint64_t timeo)
{
	struct unix_msg *msg;
	size_t n;
	ssize_t ret;

	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	mutex_lock(&u->lock);
	if (u->type == SOCK_SEQPACKET && u->state != UNIX_CONNECTED) {
		ret = -ENOTCONN;
		goto out_unlock;
	}
	ret = unix_wait_data_locked(u, m->nonblock, timeo);
	if (ret <= 0)
		goto out_unlock;
	msg = list_first_entry(&u->queue, struct unix_msg, node);
	n = MIN(m->len, msg->len);
	if (sock_msg_copy_out(m, 0, msg->data, n)) {
		ret = -EFAULT;			/* the message stays queued */
		goto out_unlock;
	}
	if (msg->len > n)
		m->out_flags |= MSG_TRUNC;
	unix_recv_extras(msg, m, /* first= */true);
	/* MSG_TRUNC asks for the real length of the datagram. */
	ret = (m->flags & MSG_TRUNC) ? (ssize_t)msg->len : (ssize_t)n;
	if (!(m->flags & MSG_PEEK)) {
		unix_dequeue_locked(u, msg);
		kfree(msg);			/* its files went to the reader */
	}
out_unlock:
	mutex_unlock(&u->lock);
	return ret;
}

/*
 * Copy from the messages at the head of @u's queue into @m, from
 * @copied on. Returns the new total or -EFAULT (nothing copied); sets
 * *@stop when a message with files ends the read. Lock held.
 */
static ssize_t unix_stream_copy_locked(struct unix_sock *u, struct sock_msg *m,
				       size_t copied, bool *stop)
{
	struct unix_msg *msg, *tmp;

	list_for_each_entry_safe(msg, tmp, &u->queue, node) {
		size_t n = MIN(msg->len - msg->off, m->len - copied);
		bool had_files = msg->fp.files != NULL;

		if (had_files && copied) {
			*stop = true;		/* files come with their own bytes */
			break;
		}
		if (sock_msg_copy_out(m, copied, msg->data + msg->off, n))
			return copied ? (ssize_t)copied : -EFAULT;
		unix_recv_extras(msg, m, copied == 0);
		copied += n;
		*stop = had_files;
		if (!(m->flags & MSG_PEEK) && (msg->off += n) == msg->len) {
			unix_dequeue_locked(u, msg);
			kfree(msg);		/* its files went to the reader */
		}
		if (*stop || copied == m->len)
			break;
	}
	return (ssize_t)copied;
}

static ssize_t unix_stream_recvmsg(struct unix_sock *u, struct sock_msg *m, uint64_t timeo)
{
	size_t copied = 0;
	size_t target = (m->flags & MSG_WAITALL) ? m->len : 1;
	bool stop = false;
	ssize_t ret = 0;

	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (READ_ONCE(u->state) != UNIX_CONNECTED)
		return -EINVAL;
	if (!m->len)
		return 0;
	mutex_lock(&u->lock);
	while (copied < target && !stop) {
		/* Once something is read, never block for more but under WAITALL. */
		ret = unix_wait_data_locked(u, m->nonblock || (copied && !(m->flags & MSG_WAITALL)),
					    timeo);
		if (ret <= 0)
			break;
		ret = unix_stream_copy_locked(u, m, copied, &stop);
		if (ret < 0)
			break;
		copied = (size_t)ret;
		if (m->flags & MSG_PEEK)
			break;			/* peeking never waits for more */
	}
	mutex_unlock(&u->lock);
	return copied ? (ssize_t)copied : ret;
}

ssize_t unix_recvmsg(struct socket *sock, struct sock_msg *m)
{
	struct unix_sock *u = unix_sk(sock);

	uint64_t timeo = READ_ONCE(sock->rcvtimeo);

	if (u->type == SOCK_STREAM)
		return unix_stream_recvmsg(u, m, timeo);
	return unix_dgram_recvmsg(u, m, timeo);
}

/* ---- poll and ioctl ------------------------------------------------------ */

/* Could a write go through now? Connection-based sockets only. */
static bool unix_stream_writable(struct unix_sock *u, struct file *f, struct poll_table *pt)
{
	struct unix_sock *peer = READ_ONCE(u->peer);

	if (READ_ONCE(u->state) != UNIX_CONNECTED || !peer)
		return READ_ONCE(u->state) != UNIX_LISTENING;
	/* The peer pointer of a connected socket is stable until our release. */
	poll_wait(f, &peer->wq, pt);
	return unix_may_write(peer, UNIX_MIN_TRUESIZE);
}

/*
 * A connected datagram socket is writable while its peer has room. Its
 * peer can change under us (connect again), so it is read under the lock;
 * the wait goes on unix_dgram_room_wq, which every datagram dequeue wakes.
 */
static bool unix_dgram_writable(struct unix_sock *u, struct file *f, struct poll_table *pt)
{
	bool ok = true;

	poll_wait(f, &unix_dgram_room_wq, pt);
	mutex_lock(&u->lock);
	if (u->peer)
		ok = unix_may_write(u->peer, UNIX_MIN_TRUESIZE);
	mutex_unlock(&u->lock);
	return ok;
}

unsigned int unix_poll(struct socket *sock, struct poll_table *pt)
{
	struct unix_sock *u = unix_sk(sock);
	unsigned int mask = 0, shut = READ_ONCE(u->shut);
	enum unix_state state = READ_ONCE(u->state);
	bool writable;

	poll_wait(sock->file, &u->wq, pt);
	if (READ_ONCE(u->err))
		mask |= POLLERR;
	if (shut == SHUTDOWN_MASK)
		mask |= POLLHUP;
	if (shut & RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (!list_empty(&u->queue) || !list_empty(&u->accept_q))
		mask |= POLLIN | POLLRDNORM;
	if (u->type == SOCK_DGRAM) {
		writable = unix_dgram_writable(u, sock->file, pt);
	} else {
		if (state == UNIX_UNCONNECTED)
			mask |= POLLHUP;	/* never connected: Linux says so */
		writable = unix_stream_writable(u, sock->file, pt);
	}
	if (writable)
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	return mask;
}

/* FIONREAD: unread stream bytes, or the size of the next datagram. */
long unix_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct unix_sock *u = unix_sk(sock);
	struct unix_msg *msg;
	size_t n = 0;

	if (cmd != FIONREAD)
		return -ENOTTY;
	mutex_lock(&u->lock);
	if (u->state == UNIX_LISTENING) {
		mutex_unlock(&u->lock);
		return -EINVAL;
	}
	list_for_each_entry(msg, &u->queue, node) {
		n += msg->len - msg->off;
		if (u->type != SOCK_STREAM)
			break;
	}
	mutex_unlock(&u->lock);
	return put_user((int)MIN(n, (size_t)INT32_MAX), (int __user *)arg);
}
