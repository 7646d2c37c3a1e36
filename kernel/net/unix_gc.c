/*
 * unix_gc.c - collecting AF_UNIX sockets that only messages in flight
 * keep alive (SCM_RIGHTS cycles), as Linux's net/unix/garbage.c does.
 *
 * A socket sent over itself, or two sockets each sent over the other,
 * stay referenced after their last fd is closed: the references are held
 * by messages on their own receive queues, which nobody can ever read.
 * Whatever else those messages carry (memfds, tmpfs files, pipes) stays
 * too. The collector finds such sockets and frees their queued files:
 *
 *   fd table                   A's queue: [msg: A]  [msg: memfd]
 *     (A's fd closed)            ^ A's only reference is in flight here
 *
 * Accounting (under unix_gc_lock). Each socket counts the references to
 * its file that sit in queued messages (inflight), and is on
 * unix_inflight_list while that is not 0. Each socket keeps the queued
 * messages that carry files on its fp_msgs list. unix_inflight_add/del
 * move a message on and off that list as it is queued and as a reader
 * takes its files (or it is freed with its socket).
 *
 * A pass (Linux's algorithm before 6.10):
 *
 *   1. candidates: sockets whose file has no reference but the in-flight
 *      ones (refcount == inflight): no fd, no system call holds them;
 *   2. each candidate's gc_refs = inflight minus the references queued on
 *      candidates; gc_refs > 0 means a queue outside the candidates (a
 *      live socket's) holds it: reachable;
 *   3. everything a reachable candidate's messages carry is reachable too
 *      (a worklist, no recursion);
 *   4. the rest is garbage: under each one's lock, its messages with files
 *      leave its queue; then they are freed (unix_msgs_free), which drops
 *      the files, and with the last reference each garbage socket goes.
 *
 * Why step 1 is stable: a file whose every reference is in a message can
 * only gain one when a reader takes that message, and takes go through
 * unix_inflight_del under the same lock; a MSG_PEEK copies under it too
 * (unix_inflight_peek). fput of a socket file decrements the count under
 * the lock as well (unix_file_put), so a pass sees counts that agree.
 *
 * When: the last fd of a socket that is in flight is what makes garbage,
 * so unix_file_put wakes the collector thread ("unix_gc") when a
 * socket's references drop to its in-flight count. Linux runs the
 * collector when any AF_UNIX socket is released, or from sendmsg; doing
 * it at the moment garbage can appear frees it sooner.
 *
 * Lock order: unix_sock->lock, then unix_gc_lock (a spinlock: accounting
 * happens with the socket's lock held). The collector takes a garbage
 * socket's lock with no other lock held, then unix_gc_lock inside it.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/net/af_unix.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/task.h"

enum { GC_NONE, GC_CANDIDATE, GC_REACHABLE };

static spinlock_t unix_gc_lock = SPINLOCK_INIT(unix_gc_lock);
static LIST_HEAD(unix_inflight_list);	/* sockets with inflight > 0; unix_gc_lock */

static struct waitqueue unix_gc_wq = WAITQUEUE_INIT(unix_gc_wq);
static bool unix_gc_wanted;		/* atomic: wake-up flag of the thread */

/* The unix_sock of @f if it is an AF_UNIX socket with one, else NULL. */
static struct unix_sock *unix_of_file(struct file *f)
{
	struct socket *sock = sock_from_file(f);

	return sock && sock->ops == &unix_proto_ops ? sock->sk : NULL;
}

/* ---- accounting ---------------------------------------------------------- */

void unix_inflight_add(struct unix_sock *r, struct unix_msg *msg)
{
	unsigned long irq;

	if (!msg->fp.files)
		return;
	irq = spin_lock_irqsave(&unix_gc_lock);
	list_add_tail(&msg->fp_node, &r->fp_msgs);
	for (int i = 0; i < msg->fp.n; i++) {
		struct unix_sock *s = unix_of_file(msg->fp.files[i]);

		if (!s)
			continue;
		if (s->inflight++ == 0) {
			s->file = msg->fp.files[i];
			list_add_tail(&s->inflight_node, &unix_inflight_list);
		}
	}
	spin_unlock_irqrestore(&unix_gc_lock, irq);
}

/* unix_inflight_del with unix_gc_lock held. */
static void unix_inflight_del_locked(struct unix_msg *msg)
{
	list_del_init(&msg->fp_node);
	for (int i = 0; i < msg->fp.n; i++) {
		struct unix_sock *s = unix_of_file(msg->fp.files[i]);

		if (!s)
			continue;
		if (--s->inflight == 0) {
			s->file = NULL;
			list_del_init(&s->inflight_node);
		}
	}
}

void unix_inflight_del(struct unix_msg *msg)
{
	unsigned long irq;

	if (!msg->fp.files)
		return;
	irq = spin_lock_irqsave(&unix_gc_lock);
	unix_inflight_del_locked(msg);
	spin_unlock_irqrestore(&unix_gc_lock, irq);
}

void unix_inflight_del_all(struct unix_sock *u)
{
	unsigned long irq = spin_lock_irqsave(&unix_gc_lock);
	struct unix_msg *msg, *tmp;

	list_for_each_entry_safe(msg, tmp, &u->fp_msgs, fp_node)
		unix_inflight_del_locked(msg);
	spin_unlock_irqrestore(&unix_gc_lock, irq);
}

void unix_inflight_peek(struct unix_msg *msg, struct file **copies)
{
	unsigned long irq = spin_lock_irqsave(&unix_gc_lock);

	for (int i = 0; i < msg->fp.n; i++)
		copies[i] = file_get(msg->fp.files[i]);
	spin_unlock_irqrestore(&unix_gc_lock, irq);
}

int unix_file_put(struct unix_sock *u, struct file *f)
{
	unsigned long irq = spin_lock_irqsave(&unix_gc_lock);
	int left = __atomic_sub_fetch(&f->refcount, 1, __ATOMIC_ACQ_REL);
	bool wake = left && left == u->inflight;

	spin_unlock_irqrestore(&unix_gc_lock, irq);
	if (wake) {
		__atomic_store_n(&unix_gc_wanted, true, __ATOMIC_RELEASE);
		wake_up(&unix_gc_wq);
	}
	return left;
}

/* ---- a pass -------------------------------------------------------------- */

/* For each candidate @s that a message queued on @u carries (a loop head). */
#define for_each_carried_candidate(u, s, msg, i)				\
	list_for_each_entry(msg, &(u)->fp_msgs, fp_node)			\
		for (i = 0; i < msg->fp.n; i++)					\
			if ((s = unix_of_file(msg->fp.files[i])) &&		\
			    s->gc_state == GC_CANDIDATE)

static void move_tail(struct list_head *e, struct list_head *head)
{
	list_del(e);
	list_add_tail(e, head);
}

/*
 * Steps 1-3 under unix_gc_lock: leaves the garbage on @candidates (empty
 * at the call; via gc_node, each with a reference), the rest unmarked.
 */
static void unix_gc_mark(struct list_head *candidates)
{
	struct list_head work = LIST_HEAD_INIT(work);
	struct list_head reachable = LIST_HEAD_INIT(reachable);
	struct unix_sock *u, *s, *tmp;
	struct unix_msg *msg;
	unsigned long irq;
	int i;

	irq = spin_lock_irqsave(&unix_gc_lock);
	list_for_each_entry(u, &unix_inflight_list, inflight_node) {
		if (__atomic_load_n(&u->file->refcount, __ATOMIC_ACQUIRE) != u->inflight)
			continue;
		u->gc_state = GC_CANDIDATE;
		u->gc_refs = u->inflight;
		list_add_tail(&u->gc_node, candidates);
	}
	list_for_each_entry(u, candidates, gc_node)
		for_each_carried_candidate(u, s, msg, i)
			s->gc_refs--;
	list_for_each_entry_safe(u, tmp, candidates, gc_node)
		if (u->gc_refs > 0) {
			u->gc_state = GC_REACHABLE;
			move_tail(&u->gc_node, &work);
		}
	while (!list_empty(&work)) {
		u = list_first_entry(&work, struct unix_sock, gc_node);
		move_tail(&u->gc_node, &reachable);
		for_each_carried_candidate(u, s, msg, i) {
			s->gc_state = GC_REACHABLE;
			move_tail(&s->gc_node, &work);
		}
	}
	list_for_each_entry_safe(u, tmp, &reachable, gc_node) {
		u->gc_state = GC_NONE;
		list_del_init(&u->gc_node);
	}
	list_for_each_entry(u, candidates, gc_node) {
		u->gc_state = GC_NONE;
		unix_sock_get(u);
	}
	spin_unlock_irqrestore(&unix_gc_lock, irq);
}

/* Step 4: the messages with files leave @u's queue for @hitlist. */
static void unix_gc_take_queue(struct unix_sock *u, struct list_head *hitlist)
{
	struct unix_msg *msg, *tmp;
	unsigned long irq;

	mutex_lock(&u->lock);
	irq = spin_lock_irqsave(&unix_gc_lock);
	list_for_each_entry_safe(msg, tmp, &u->fp_msgs, fp_node) {
		unix_inflight_del_locked(msg);
		list_del(&msg->node);
		u->queued -= msg->truesize;
		list_add_tail(&msg->node, hitlist);
	}
	spin_unlock_irqrestore(&unix_gc_lock, irq);
	mutex_unlock(&u->lock);
}

/* One pass; the number of sockets found to be garbage. May sleep. */
unsigned long unix_gc(void)
{
	struct list_head garbage = LIST_HEAD_INIT(garbage);
	struct list_head hitlist = LIST_HEAD_INIT(hitlist);
	struct unix_sock *u, *tmp;
	unsigned long n = 0;

	unix_gc_mark(&garbage);
	list_for_each_entry(u, &garbage, gc_node)
		unix_gc_take_queue(u, &hitlist);
	unix_msgs_free(&hitlist);	/* drops the files: the cycles break */
	list_for_each_entry_safe(u, tmp, &garbage, gc_node) {
		list_del_init(&u->gc_node);
		unix_sock_put(u);
		n++;
	}
	return n;
}

static int unix_gc_thread(void *unused)
{
	for (;;) {
		wait_event(&unix_gc_wq, __atomic_load_n(&unix_gc_wanted, __ATOMIC_ACQUIRE));
		__atomic_store_n(&unix_gc_wanted, false, __ATOMIC_RELEASE);
		unix_gc();
	}
	return 0;
}

void unix_gc_init(void)
{
	if (IS_ERR(kthread_create("unix_gc", unix_gc_thread, NULL)))
		printk("unix_gc: no thread: SCM_RIGHTS cycles will not be collected\n");
}
