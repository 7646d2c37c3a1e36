/*
 * eventpoll.c - epoll(7): epoll_create, epoll_create1, epoll_ctl,
 * epoll_wait, epoll_pwait and epoll_pwait2, with Linux's semantics
 * (Linux's fs/eventpoll.c is the reference; this is a smaller design).
 *
 * An epoll is a file whose private_data is a struct eventpoll: a set of
 * items, one per watched (file, fd) pair, and a ready list. An item hangs
 * persistent wait entries on the queues its file's fop->poll() names
 * (poll_wait(), kernel/fs/poll.h); when one is woken, the entry's function,
 * ep_poll_callback(), puts the item on the ready list and wakes the
 * epoll's sleepers. epoll_wait() then re-polls only the ready items:
 *
 *   file (pipe, socket, tty, epoll)      struct eventpoll
 *   +--------------------------+         +------------------------------+
 *   | ep_links: items on it  <-+--+      | items (rbtree by file, fd)   |
 *   | rd_wait: [.., we, ..]    |  |      | rdllist ---> epi -> epi      |
 *   +------------|-------------+  |      | wq:        epoll_wait()ers   |
 *                | wake_up()      |      | poll_wait: poll()ers, outer  |
 *                v                |      |            epolls' entries   |
 *   ep_poll_callback(we)          |      +------------------------------+
 *     epi on rdllist, wake wq   +-+--------- struct epitem
 *     and poll_wait                        ep, file, fd, events, data,
 *                                          pwqlist: its wait entries
 *
 * Readiness. An item on the ready list is only a hint: epoll_wait()
 * (ep_send_events) takes it off, asks the file for its mask again and
 * reports mask & events. A level-triggered item that was ready goes back
 * on the list, so the next epoll_wait() looks again; an edge-triggered one
 * waits for its next wake-up; a one-shot item is disarmed (no events but
 * its flags) until EPOLL_CTL_MOD. EPOLLERR and EPOLLHUP are always added
 * to what an item waits for. A wake-up that arrives while the item is off
 * the list being re-polled puts it back on the list, so it is seen next
 * time; one that arrives while the item is still on the list needs
 * nothing: the re-poll comes after it. So no event is lost, and every
 * list move is made under ep->lock, the only lock the callback takes.
 *
 * The registration made at EPOLL_CTL_ADD is refreshed whenever an item is
 * re-polled: a file may name other queues in another state (an AF_UNIX
 * stream socket waits on its peer's queue only once it is connected), so
 * every poll of an item registers the queues it does not wait on yet.
 *
 * Nesting. An epoll is pollable (poll/select, or an item of another
 * epoll): it is readable when one of its ready items really is ready.
 * Nested epolls form a graph without cycles, at most EP_MAX_NESTS edges
 * deep (EPOLL_CTL_ADD refuses the rest with ELOOP): so a poll of an epoll
 * inside another's scan, and a wake-up running into outer epolls, recurse
 * a bounded number of times and always take the same-class locks (each
 * epoll's mtx, its poll_wait queue's lock) from the inside out.
 *
 * Lifetime and teardown. An item holds no reference on its file (Linux:
 * closing one fd of a dup'd description leaves the item; it goes when the
 * description is finally released). The file's last fput() calls
 * eventpoll_release_file() before fop->release, so the item's wait
 * entries leave the file's queues while those still exist. Three paths
 * remove items - EPOLL_CTL_DEL, the file's release and the epoll's own
 * release - and the last two can race for one item on two CPUs:
 *
 *   file's release                     epoll's release (ep_release)
 *   f->ep_lock: pick epi, dying=true   ep->mtx held
 *   ep->mtx (waits) ...                  unhook epi's wait entries
 *                                        f->ep_lock: dying? leave it
 *   __ep_remove(force)                 drop its own reference on ep
 *   drop epi's reference on ep  ---->  (the last reference frees ep)
 *
 * Whoever unlinks the item from f->ep_links (under f->ep_lock) owns its
 * removal; a "dying" item belongs to the file's side. Wait entries are
 * unhooked first, under each queue's lock, which waits out a callback
 * running on another CPU; after that nothing reaches the item through a
 * queue. Every item holds a reference on its eventpoll, so an epoll whose
 * file is gone lives until its last dying item is removed.
 *
 * Locks, outermost first (docs/locking.md, section 3.3):
 *   ep_nested_mutex  topology of nested epolls: every add or removal of an
 *                    item watching an epoll, every epoll release, the
 *                    loop check (ep->subeps, the ep_links of epoll files)
 *   ep->mtx          the items, their events/data, a scan of the ready
 *                    list; held across fop->poll() and the copy to user.
 *                    A poll of a nested epoll takes its mtx nested.
 *   f->ep_lock       (spin) f->ep_links and each item's dying flag
 *   ep->lock         (spin) rdllist and each item's rdllink; events (the
 *                    callback reads them)
 * The callback runs under the woken queue's lock (interrupts off, maybe
 * in an interrupt handler): it takes ep->lock, then wakes ep->wq and
 * ep->poll_wait (nested: an outer epoll's callback) with ep->lock dropped.
 *
 * Not done: Linux's limit on wake-up paths (reverse_path_check) and on
 * items per user (max_user_watches, ENOSPC); EPOLLWAKEUP wake sources
 * (the flag is kept with CAP_BLOCK_SUSPEND, else dropped, as Linux); the
 * busy poll ioctls; /proc/PID/fdinfo. epoll_wait's sleepers all wake on
 * an event (the ones that find nothing sleep again) where Linux wakes one.
 *
 * Poll tables: kernel/fs/poll.h. Wait entries with functions: kernel/wait.h.
 * Tests: user/tests/epoll_test.c and Linux's epoll_wakeup_test
 * (tests/linux-selftests.pass).
 */
#include "kernel/fs/eventpoll.h"
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/poll.h"
#include "kernel/lib/rbtree.h"
#include "kernel/panic.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include <linux/capability.h>

/* Most edges on a path of nested epolls (Linux's EP_MAX_NESTS). */
#define EP_MAX_NESTS		4
#define EP_MAX_EVENTS		(INT32_MAX / sizeof(struct epoll_event))
/* Flags of an item, not events: never reported, kept when disarmed. */
#define EP_PRIVATE_BITS		(EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
/* What may come with EPOLLEXCLUSIVE. */
#define EPOLLEXCLUSIVE_OK_BITS	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | \
				 EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)

_Static_assert(sizeof(struct epoll_event) == 12, "x86-64's epoll_event is packed");
_Static_assert(EPOLL_CLOEXEC == O_CLOEXEC, "epoll_create1 flag");

struct eventpoll {
	struct mutex mtx;		/* see the top: items, a scan */

	spinlock_t lock;		/* guards rdllist and items' rdllink, events */
	struct list_head rdllist;	/* items that may be ready */

	struct waitqueue wq;		/* tasks in epoll_wait */
	struct waitqueue poll_wait;	/* pollers of the epoll file, outer epolls' entries */

	/* Guarded by mtx */
	struct rb_root items;		/* every item, by (file, fd) */

	/* Guarded by ep_nested_mutex */
	struct list_head subeps;	/* items whose file is an epoll */
	unsigned long gen;		/* loop check: visited in pass gen */
	int depth;			/* loop check: depth found then */

	struct file *file;		/* its own file, not referenced; NULL once released */
	int refcount;			/* atomic: the file + one per item */
};

struct epitem {
	struct rb_node rbn;		/* in ep->items; ep->mtx */
	struct list_head rdllink;	/* on ep->rdllist or a scan's list; ep->lock */
	struct list_head fllink;	/* on file->ep_links; file->ep_lock */
	struct list_head sublink;	/* on ep->subeps (file is an epoll); ep_nested_mutex */
	struct list_head pwqlist;	/* its eppoll_entries; ep->mtx */
	struct eventpoll *ep;
	struct file *file;		/* watched, not referenced (see the top) */
	int fd;
	bool dying;			/* file->ep_lock: the file's release removes it */
	uint32_t events;		/* changed under ep->mtx and ep->lock */
	uint64_t data;			/* ep->mtx */
};

/* One wait entry of an item on one of its file's queues. */
struct eppoll_entry {
	struct list_head node;		/* on epi->pwqlist */
	struct wait_entry we;		/* on *wq, func = ep_poll_callback */
	struct waitqueue *wq;
	struct epitem *epi;
};

/* The poll table an item is polled with: it registers new queues. */
struct ep_pqueue {
	struct poll_table pt;
	struct epitem *epi;
	int error;			/* -ENOMEM: an entry could not be had */
};

static struct kmem_cache *eventpoll_cache, *epitem_cache, *eppoll_cache;
static struct mutex ep_nested_mutex = MUTEX_INIT(ep_nested_mutex);
static unsigned long ep_loop_gen;	/* ep_nested_mutex */

static const struct file_operations eventpoll_fops;

void eventpoll_cache_init(void)
{
	eventpoll_cache = kmem_cache_create("eventpoll", sizeof(struct eventpoll), 8);
	epitem_cache = kmem_cache_create("epitem", sizeof(struct epitem), 8);
	eppoll_cache = kmem_cache_create("eppoll_entry", sizeof(struct eppoll_entry), 8);
	if (!eventpoll_cache || !epitem_cache || !eppoll_cache)
		panic("eventpoll_cache_init: no memory");
}

static bool is_file_epoll(const struct file *f)
{
	return f->fop == &eventpoll_fops;
}

static void ep_put(struct eventpoll *ep)
{
	if (__atomic_sub_fetch(&ep->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	BUG_ON(!RB_EMPTY_ROOT(&ep->items));
	kmem_cache_free(eventpoll_cache, ep);
}

/* Is there anything on the ready list? A hint, read without the lock. */
static bool ep_events_available(struct eventpoll *ep)
{
	return READ_ONCE(ep->rdllist.next) != &ep->rdllist;
}

/* ---- the wake-up side --------------------------------------------------- */

/*
 * A queue an item waits on was woken: put the item on the ready list and
 * wake whoever waits for the epoll. Runs under that queue's lock with
 * interrupts off (kernel/wait.h), perhaps in an interrupt handler. For an
 * EPOLLEXCLUSIVE entry, true when an epoll_wait() sleeper was there to
 * take the event (then wake_up() wakes no further exclusive entry).
 */
static bool ep_poll_callback(struct wait_entry *we)
{
	struct eppoll_entry *pwq = container_of(we, struct eppoll_entry, we);
	struct epitem *epi = pwq->epi;
	struct eventpoll *ep = epi->ep;
	unsigned long irq = spin_lock_irqsave(&ep->lock);
	bool woke;

	/* Disarmed by EPOLLONESHOT: nothing to report until EPOLL_CTL_MOD. */
	if (!(epi->events & ~EP_PRIVATE_BITS)) {
		spin_unlock_irqrestore(&ep->lock, irq);
		return false;
	}
	if (list_empty(&epi->rdllink))
		list_add_tail(&epi->rdllink, &ep->rdllist);
	spin_unlock_irqrestore(&ep->lock, irq);

	woke = wake_up(&ep->wq);
	/* Outer epolls' callbacks take locks of our classes: nested. */
	wake_up_nested(&ep->poll_wait);
	return woke;
}

/* Is @epi already waiting on @wq? (ep->mtx held) */
static bool ep_waits_on(struct epitem *epi, struct waitqueue *wq)
{
	struct eppoll_entry *pwq;

	list_for_each_entry(pwq, &epi->pwqlist, node)
		if (pwq->wq == wq)
			return true;
	return false;
}

/* poll_wait()'s back end for an item: one persistent entry per queue. */
static void ep_ptable_queue_proc(struct file *f, struct waitqueue *wq, struct poll_table *pt)
{
	struct ep_pqueue *pq = container_of(pt, struct ep_pqueue, pt);
	struct epitem *epi = pq->epi;
	struct eppoll_entry *pwq;

	if (ep_waits_on(epi, wq))
		return;
	pwq = kmem_cache_alloc(eppoll_cache, 0);
	if (!pwq) {
		pq->error = -ENOMEM;
		return;
	}
	pwq->wq = wq;
	pwq->epi = epi;
	pwq->we.task = NULL;
	pwq->we.func = ep_poll_callback;
	pwq->we.flags = (epi->events & EPOLLEXCLUSIVE) ? WAIT_EXCLUSIVE : 0;
	list_add_tail(&pwq->node, &epi->pwqlist);
	add_wait_queue(wq, &pwq->we);
}

/*
 * Take every wait entry of @epi off its queue and free it. Once this
 * returns, no callback runs on @epi: each queue's lock was taken, so one
 * running on another CPU has finished. ep->mtx held.
 */
static void ep_unregister_pollwait(struct epitem *epi)
{
	struct eppoll_entry *pwq, *tmp;

	list_for_each_entry_safe(pwq, tmp, &epi->pwqlist, node) {
		remove_wait_queue(pwq->wq, &pwq->we);
		list_del(&pwq->node);
		kmem_cache_free(eppoll_cache, pwq);
	}
}

/* ---- polling items ------------------------------------------------------ */

static unsigned int ep_scan_ready(struct eventpoll *ep, int depth);

/*
 * The events of @epi ready now, among those it waits for. @pq registers
 * the queues the poll names that @epi does not wait on yet (NULL: just
 * ask). @depth: how many epolls deep this poll is (an epoll's items are
 * polled at its depth + 1). ep->mtx held; sleeps.
 */
static unsigned int ep_item_poll(struct epitem *epi, struct ep_pqueue *pq, int depth)
{
	struct file *f = epi->file;
	unsigned int mask;

	if (pq)
		pq->epi = epi;
	if (is_file_epoll(f)) {
		struct eventpoll *sub = f->private_data;

		poll_wait(f, &sub->poll_wait, pq ? &pq->pt : NULL);
		mask = ep_scan_ready(sub, depth);
	} else {
		mask = f->fop->poll(f, pq ? &pq->pt : NULL);
	}
	return mask & epi->events & ~EP_PRIVATE_BITS;
}

static void ep_pqueue_init(struct ep_pqueue *pq)
{
	pq->pt.qproc = ep_ptable_queue_proc;
	pq->epi = NULL;
	pq->error = 0;
}

/*
 * A scan of the ready list, for epoll_wait() and for polls of the epoll.
 * The list is moved to the scanner's @txlist; each item is taken off it
 * before it is polled, so a wake-up during the poll queues it again (see
 * the top). ep->mtx held: one scan at a time, no item removed meanwhile.
 */
static void ep_start_scan(struct eventpoll *ep, struct list_head *txlist)
{
	unsigned long irq = spin_lock_irqsave(&ep->lock);

	list_splice_tail_init(&ep->rdllist, txlist);
	spin_unlock_irqrestore(&ep->lock, irq);
}

/* The next item of the scan, off every list; NULL at the end. */
static struct epitem *ep_scan_next(struct eventpoll *ep, struct list_head *txlist)
{
	unsigned long irq = spin_lock_irqsave(&ep->lock);
	struct epitem *epi = NULL;

	if (!list_empty(txlist)) {
		epi = list_first_entry(txlist, struct epitem, rdllink);
		list_del_init(&epi->rdllink);
	}
	spin_unlock_irqrestore(&ep->lock, irq);
	return epi;
}

/* Queue @epi again, on @head's head or tail, unless a wake-up did already. */
static void ep_requeue(struct eventpoll *ep, struct epitem *epi, struct list_head *head,
		       bool tail)
{
	unsigned long irq = spin_lock_irqsave(&ep->lock);

	if (list_empty(&epi->rdllink)) {
		if (tail)
			list_add_tail(&epi->rdllink, head);
		else
			list_add(&epi->rdllink, head);
	}
	spin_unlock_irqrestore(&ep->lock, irq);
}

/*
 * End a scan: what is left of @txlist goes back in front of the ready
 * list. A sleeper that looked while the list was moved away saw it empty:
 * wake it if there is something now.
 */
static void ep_done_scan(struct eventpoll *ep, struct list_head *txlist)
{
	unsigned long irq = spin_lock_irqsave(&ep->lock);
	bool avail;

	list_splice_tail_init(&ep->rdllist, txlist);
	list_splice_tail_init(txlist, &ep->rdllist);
	avail = !list_empty(&ep->rdllist);
	spin_unlock_irqrestore(&ep->lock, irq);
	if (avail)
		wake_up(&ep->wq);
}

/*
 * Is @ep readable: does one of its ready items really have events? Items
 * that do not are dropped from the list (their next wake-up queues them
 * again); nothing is consumed, edge-triggered items included. Returns
 * POLLIN | POLLRDNORM or 0. @depth 0 for poll(2); more inside outer
 * epolls, whose mtx the caller holds. Sleeps.
 */
static unsigned int ep_scan_ready(struct eventpoll *ep, int depth)
{
	LIST_HEAD(txlist);
	struct epitem *epi;
	unsigned int res = 0;

	if (depth > EP_MAX_NESTS)
		return 0;		/* cannot happen: the loop check forbids it */
	if (depth)
		mutex_lock_nested(&ep->mtx);	/* inner epoll: inside its watcher's */
	else
		mutex_lock(&ep->mtx);
	ep_start_scan(ep, &txlist);
	while ((epi = ep_scan_next(ep, &txlist))) {
		if (ep_item_poll(epi, NULL, depth + 1)) {
			ep_requeue(ep, epi, &txlist, /* tail= */false);
			res = POLLIN | POLLRDNORM;
			break;
		}
	}
	ep_done_scan(ep, &txlist);
	mutex_unlock(&ep->mtx);
	return res;
}

/* fop->poll of an epoll file: poll(2), select(2). */
static unsigned int ep_fop_poll(struct file *f, struct poll_table *pt)
{
	struct eventpoll *ep = f->private_data;

	poll_wait(f, &ep->poll_wait, pt);
	return ep_scan_ready(ep, 0);
}

/*
 * Report up to @maxevents ready items to @uevents: the number reported,
 * or -EFAULT when the first copy fails (the item stays queued, nothing is
 * lost). Sleeps.
 */
static int ep_send_events(struct eventpoll *ep, struct epoll_event __user *uevents,
			  int maxevents)
{
	LIST_HEAD(txlist);
	struct ep_pqueue pq;
	struct epitem *epi;
	int res = 0;

	ep_pqueue_init(&pq);
	mutex_lock(&ep->mtx);
	ep_start_scan(ep, &txlist);
	while (res < maxevents && (epi = ep_scan_next(ep, &txlist))) {
		struct epoll_event ev;
		unsigned long irq;

		ev.events = ep_item_poll(epi, &pq, 1);
		if (!ev.events)
			continue;	/* not ready after all: off the list */
		ev.data = epi->data;
		if (copy_to_user(&uevents[res], &ev, sizeof(ev))) {
			ep_requeue(ep, epi, &txlist, /* tail= */false);
			if (!res)
				res = -EFAULT;
			break;
		}
		res++;
		irq = spin_lock_irqsave(&ep->lock);
		if (epi->events & EPOLLONESHOT)
			epi->events &= EP_PRIVATE_BITS;		/* disarmed */
		else if (!(epi->events & EPOLLET) && list_empty(&epi->rdllink))
			list_add_tail(&epi->rdllink, &ep->rdllist);	/* look again next time */
		spin_unlock_irqrestore(&ep->lock, irq);
	}
	ep_done_scan(ep, &txlist);
	mutex_unlock(&ep->mtx);
	return res;
}

/*
 * epoll_wait's engine: harvest events, sleeping until some come, a signal
 * arrives (-EINTR, never restarted, as Linux) or clock_ns() reaches
 * @deadline (0: do not sleep; POLL_NO_DEADLINE: no timeout).
 */
static int ep_poll(struct eventpoll *ep, struct epoll_event __user *uevents, int maxevents,
		   uint64_t deadline)
{
	struct wait_entry we = WAIT_ENTRY_INIT;
	bool timed_out = deadline == 0;
	int res;

	for (;;) {
		if (ep_events_available(ep)) {
			res = ep_send_events(ep, uevents, maxevents);
			if (res)
				return res;
		}
		if (timed_out)
			return 0;
		if (signal_pending_current())
			return -EINTR;
		prepare_to_wait(&ep->wq, &we, TASK_INTERRUPTIBLE);
		/* Checked after queueing: a wake-up from now on is not lost. */
		if (!ep_events_available(ep) && !signal_pending_current()) {
			uint64_t now = clock_ns();

			if (deadline == POLL_NO_DEADLINE)
				schedule();
			else if (now < deadline)
				schedule_timeout(deadline - now);
			if (deadline != POLL_NO_DEADLINE && clock_ns() >= deadline)
				timed_out = true;	/* one more look, then 0 */
		}
		finish_wait(&ep->wq, &we);
	}
}

/* ---- items: insert, modify, remove -------------------------------------- */

/* The item of (@f, @fd), or NULL. ep->mtx held. */
static struct epitem *ep_find(struct eventpoll *ep, struct file *f, int fd)
{
	struct rb_node *n = ep->items.node;

	while (n) {
		struct epitem *epi = rb_entry(n, struct epitem, rbn);

		if (f == epi->file && fd == epi->fd)
			return epi;
		if ((uintptr_t)f < (uintptr_t)epi->file ||
		    (f == epi->file && fd < epi->fd))
			n = n->rb_left;
		else
			n = n->rb_right;
	}
	return NULL;
}

static void ep_rbtree_insert(struct eventpoll *ep, struct epitem *epi)
{
	struct rb_node **link = &ep->items.node, *parent = NULL;

	while (*link) {
		struct epitem *e = rb_entry(*link, struct epitem, rbn);

		parent = *link;
		if ((uintptr_t)epi->file < (uintptr_t)e->file ||
		    (epi->file == e->file && epi->fd < e->fd))
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&epi->rbn, parent, link);
	rb_insert_color(&epi->rbn, &ep->items);
}

/*
 * Unhook and free @epi. Without @force, leave an item the file's release
 * has claimed (dying) to it, and return false. Returns true when @epi is
 * freed: the caller then drops its reference on @ep (ep_put) once it has
 * let go of ep->mtx. ep->mtx held; ep_nested_mutex too if the file is an
 * epoll.
 */
static bool __ep_remove(struct eventpoll *ep, struct epitem *epi, bool force)
{
	struct file *f = epi->file;
	unsigned long irq;

	ep_unregister_pollwait(epi);
	irq = spin_lock_irqsave(&f->ep_lock);
	if (epi->dying && !force) {
		spin_unlock_irqrestore(&f->ep_lock, irq);
		return false;
	}
	list_del_init(&epi->fllink);
	spin_unlock_irqrestore(&f->ep_lock, irq);
	if (!list_empty(&epi->sublink))
		list_del_init(&epi->sublink);
	rb_erase(&epi->rbn, &ep->items);
	irq = spin_lock_irqsave(&ep->lock);
	if (!list_empty(&epi->rdllink))
		list_del_init(&epi->rdllink);
	spin_unlock_irqrestore(&ep->lock, irq);
	kmem_cache_free(epitem_cache, epi);
	return true;
}

/* Put @epi on the ready list if it is ready now, and say so to the waiters. */
static void ep_queue_if_ready(struct eventpoll *ep, struct epitem *epi, unsigned int revents)
{
	if (!revents)
		return;
	ep_requeue(ep, epi, &ep->rdllist, /* tail= */true);
	wake_up(&ep->wq);
	wake_up(&ep->poll_wait);
}

/*
 * EPOLL_CTL_ADD: a new item for (@tf, @fd) waiting for @ev->events. 0 or
 * -ENOMEM. ep->mtx held (and ep_nested_mutex if @tf is an epoll); the
 * caller holds a reference on @tf.
 */
static int ep_insert(struct eventpoll *ep, const struct epoll_event *ev, struct file *tf,
		     int fd)
{
	struct epitem *epi = kmem_cache_alloc(epitem_cache, GFP_ZERO);
	struct ep_pqueue pq;
	unsigned int revents;
	unsigned long irq;

	if (!epi)
		return -ENOMEM;
	INIT_LIST_HEAD(&epi->rdllink);
	INIT_LIST_HEAD(&epi->sublink);
	INIT_LIST_HEAD(&epi->pwqlist);
	epi->ep = ep;
	epi->file = tf;
	epi->fd = fd;
	epi->events = ev->events;
	epi->data = ev->data;

	irq = spin_lock_irqsave(&tf->ep_lock);
	list_add_tail(&epi->fllink, &tf->ep_links);
	spin_unlock_irqrestore(&tf->ep_lock, irq);
	ep_rbtree_insert(ep, epi);
	if (is_file_epoll(tf))
		list_add_tail(&epi->sublink, &ep->subeps);
	__atomic_add_fetch(&ep->refcount, 1, __ATOMIC_RELAXED);

	/* Hang the entries, and see whether it is ready already. */
	ep_pqueue_init(&pq);
	revents = ep_item_poll(epi, &pq, 1);
	if (pq.error) {
		__ep_remove(ep, epi, /* force= */true);
		__atomic_sub_fetch(&ep->refcount, 1, __ATOMIC_RELAXED);	/* not the last: the file's */
		return pq.error;
	}
	ep_queue_if_ready(ep, epi, revents);
	return 0;
}

/* EPOLL_CTL_MOD: new events and data; re-arms a one-shot item. ep->mtx held. */
static void ep_modify(struct eventpoll *ep, struct epitem *epi, const struct epoll_event *ev)
{
	unsigned long irq = spin_lock_irqsave(&ep->lock);
	struct ep_pqueue pq;

	epi->events = ev->events;
	spin_unlock_irqrestore(&ep->lock, irq);
	epi->data = ev->data;
	ep_pqueue_init(&pq);
	ep_queue_if_ready(ep, epi, ep_item_poll(epi, &pq, 1));
}

/* ---- nesting: loops and depth ------------------------------------------- */

/*
 * How many edges deep the epolls below @ep go, or more than EP_MAX_NESTS
 * when @into is among them (a cycle) or they go too deep. @depth: edges
 * from the start. ep_nested_mutex held: ->subeps does not change, and no
 * epoll file on them is freed.
 */
static int ep_depth_below(struct eventpoll *ep, struct eventpoll *into, int depth)
{
	struct epitem *epi;
	int result = 0;

	if (ep->gen == ep_loop_gen)
		return ep->depth;
	ep->gen = ep_loop_gen;
	list_for_each_entry(epi, &ep->subeps, sublink) {
		struct eventpoll *sub = epi->file->private_data;

		if (sub == into || depth > EP_MAX_NESTS)
			result = EP_MAX_NESTS + 1;
		else
			result = MAX(result, ep_depth_below(sub, into, depth + 1) + 1);
		if (result > EP_MAX_NESTS)
			break;
	}
	ep->depth = result;
	return result;
}

/*
 * How many edges of epolls watch @ep from above, the longest path.
 * ep_nested_mutex held: the ep_links of epoll files change only under it.
 */
static int ep_depth_above(struct eventpoll *ep)
{
	struct epitem *epi;
	int result = 0;

	if (ep->gen == ep_loop_gen)
		return ep->depth;
	list_for_each_entry(epi, &ep->file->ep_links, fllink)
		result = MAX(result, ep_depth_above(epi->ep) + 1);
	ep->gen = ep_loop_gen;
	ep->depth = result;
	return result;
}

/*
 * May @to be added to @ep? Not if that closes a cycle or makes a path of
 * more than EP_MAX_NESTS edges (Linux's ep_loop_check). ep_nested_mutex held.
 */
static bool ep_loop_ok(struct eventpoll *ep, struct eventpoll *to)
{
	int below, above;

	ep_loop_gen++;
	below = ep_depth_below(to, ep, 0);
	if (below > EP_MAX_NESTS)
		return false;
	ep_loop_gen++;
	above = ep_depth_above(ep);
	return below + 1 + above <= EP_MAX_NESTS;
}

/* ---- the epoll file and its release ------------------------------------- */

void eventpoll_release_file(struct file *f)
{
	bool nested = is_file_epoll(f);

	if (nested)
		mutex_lock(&ep_nested_mutex);
	for (;;) {
		unsigned long irq = spin_lock_irqsave(&f->ep_lock);
		struct eventpoll *ep;
		struct epitem *epi;

		if (list_empty(&f->ep_links)) {
			spin_unlock_irqrestore(&f->ep_lock, irq);
			break;
		}
		epi = list_first_entry(&f->ep_links, struct epitem, fllink);
		epi->dying = true;	/* ours now: ep_release leaves it */
		ep = epi->ep;		/* kept alive by epi's reference */
		spin_unlock_irqrestore(&f->ep_lock, irq);

		mutex_lock(&ep->mtx);
		__ep_remove(ep, epi, /* force= */true);
		mutex_unlock(&ep->mtx);
		ep_put(ep);
	}
	if (nested)
		mutex_unlock(&ep_nested_mutex);
}

/* The epoll file's last reference: remove every item it has. */
static void ep_release(struct file *f)
{
	struct eventpoll *ep = f->private_data;
	struct rb_node *n, *next;
	int freed = 0;

	mutex_lock(&ep_nested_mutex);
	mutex_lock(&ep->mtx);
	for (n = rb_first(&ep->items); n; n = next) {
		next = rb_next(n);
		if (__ep_remove(ep, rb_entry(n, struct epitem, rbn), /* force= */false))
			freed++;
	}
	ep->file = NULL;
	mutex_unlock(&ep->mtx);
	mutex_unlock(&ep_nested_mutex);
	/* The items' references, then the file's (the last unless one is dying). */
	__atomic_sub_fetch(&ep->refcount, freed, __ATOMIC_RELAXED);
	ep_put(ep);
}

static const struct file_operations eventpoll_fops = {
	.poll = ep_fop_poll,
	.release = ep_release,
};

/* ---- system calls ------------------------------------------------------- */

static long do_epoll_create(int flags)
{
	struct eventpoll *ep;
	struct file *f;
	int fd;

	/* Check: EPOLL_CLOEXEC is the only flag. */
	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	ep = kmem_cache_alloc(eventpoll_cache, GFP_ZERO);
	if (!ep)
		return -ENOMEM;
	mutex_init(&ep->mtx);
	spin_lock_init(&ep->lock);
	INIT_LIST_HEAD(&ep->rdllist);
	waitqueue_init(&ep->wq);
	waitqueue_init(&ep->poll_wait);
	ep->items = RB_ROOT;
	INIT_LIST_HEAD(&ep->subeps);
	ep->refcount = 1;
	f = file_alloc(&eventpoll_fops, O_RDWR);
	if (IS_ERR(f)) {
		kmem_cache_free(eventpoll_cache, ep);
		return PTR_ERR(f);
	}
	f->private_data = ep;
	ep->file = f;
	fd = fd_install(f, 0, flags & EPOLL_CLOEXEC);
	if (fd < 0)
		fput(f);		/* ep_release frees the epoll */
	return fd;
}

static long sys_epoll_create(int size)
{
	/* Check: the size hint is ignored but must be positive. */
	if (size <= 0)
		return -EINVAL;
	return do_epoll_create(0);
}
SYSCALL(__NR_epoll_create, sys_epoll_create);

static long sys_epoll_create1(int flags)
{
	return do_epoll_create(flags);
}
SYSCALL(__NR_epoll_create1, sys_epoll_create1);

static bool ep_op_has_event(int op)
{
	return op != EPOLL_CTL_DEL;
}

/*
 * EPOLLWAKEUP asks to hold off system suspend; without CAP_BLOCK_SUSPEND
 * it is dropped silently (Linux). Pagoda never suspends, so it does
 * nothing either way.
 */
static void ep_take_epollwakeup(struct epoll_event *ev)
{
	if ((ev->events & EPOLLWAKEUP) && !capable(CAP_BLOCK_SUSPEND))
		ev->events &= ~EPOLLWAKEUP;
}

/*
 * The checks of epoll_ctl(2), in Linux's order: EBADF for either fd, EPERM
 * for a file that cannot be polled, EINVAL for an epfd that is not an
 * epoll or is @tf itself, EINVAL for EPOLLEXCLUSIVE with MOD, on an epoll
 * or with other events than it allows.
 */
static int check_epoll_ctl_params(struct file *ef, struct file *tf, int op,
				  const struct epoll_event *ev)
{
	if (!tf->fop->poll)
		return -EPERM;
	if (ef == tf || !is_file_epoll(ef))
		return -EINVAL;
	if (ep_op_has_event(op) && (ev->events & EPOLLEXCLUSIVE)) {
		/* Exclusive wake-ups are set up at ADD only. */
		if (op == EPOLL_CTL_MOD)
			return -EINVAL;
		if (op == EPOLL_CTL_ADD &&
		    (is_file_epoll(tf) || (ev->events & ~EPOLLEXCLUSIVE_OK_BITS)))
			return -EINVAL;
	}
	return 0;
}

/* ADD, MOD or DEL of (@tf, @fd) in @ep, after the checks. */
static int ep_ctl_op(struct eventpoll *ep, int op, struct file *tf, int fd,
		     struct epoll_event *ev)
{
	struct epitem *epi = ep_find(ep, tf, fd);

	switch (op) {
	case EPOLL_CTL_ADD:
		if (epi)
			return -EEXIST;
		ev->events |= EPOLLERR | EPOLLHUP;	/* always reported */
		return ep_insert(ep, ev, tf, fd);
	case EPOLL_CTL_DEL:
		if (!epi)
			return -ENOENT;
		__ep_remove(ep, epi, /* force= */true);
		/* Not the last reference: the epoll's file holds one. */
		__atomic_sub_fetch(&ep->refcount, 1, __ATOMIC_RELAXED);
		return 0;
	case EPOLL_CTL_MOD:
		if (!epi)
			return -ENOENT;
		if (epi->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		ev->events |= EPOLLERR | EPOLLHUP;
		ep_modify(ep, epi, ev);
		return 0;
	}
	return -EINVAL;
}

static long do_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct file *ef, *tf = NULL;
	struct eventpoll *ep;
	bool nested;
	long ret;

	ef = fget(epfd);
	if (!ef)
		return -EBADF;
	ret = -EBADF;
	tf = fget(fd);
	if (!tf)
		goto out;
	if (ep_op_has_event(op))
		ep_take_epollwakeup(ev);
	ret = check_epoll_ctl_params(ef, tf, op, ev);
	if (ret)
		goto out;
	ep = ef->private_data;
	/* An item watching an epoll changes the graph of nested epolls. */
	nested = is_file_epoll(tf) && (op == EPOLL_CTL_ADD || op == EPOLL_CTL_DEL);
	if (nested) {
		mutex_lock(&ep_nested_mutex);
		if (op == EPOLL_CTL_ADD && !ep_loop_ok(ep, tf->private_data)) {
			mutex_unlock(&ep_nested_mutex);
			ret = -ELOOP;
			goto out;
		}
	}
	mutex_lock(&ep->mtx);
	ret = ep_ctl_op(ep, op, tf, fd, ev);
	mutex_unlock(&ep->mtx);
	if (nested)
		mutex_unlock(&ep_nested_mutex);
out:
	fput(tf);
	fput(ef);
	return ret;
}

static long sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event __user *uev)
{
	struct epoll_event ev = { 0 };

	/* Check: the event is read first, for every op but DEL (Linux). */
	if (ep_op_has_event(op) && copy_from_user(&ev, uev, sizeof(ev)))
		return -EFAULT;
	return do_epoll_ctl(epfd, op, fd, &ev);
}
SYSCALL(__NR_epoll_ctl, sys_epoll_ctl);

/*
 * The checks of epoll_wait(2) in current Linux's order (6.18's; older
 * kernels looked at maxevents and the buffer before the fd), then the
 * wait: EBADF, EINVAL for @maxevents out of (0, EP_MAX_EVENTS], EFAULT
 * for a buffer outside user space (a hole in it faults at the copy),
 * EINVAL for a file that is not an epoll.
 */
static long do_epoll_wait(int epfd, struct epoll_event __user *uevents, int maxevents,
			  uint64_t deadline)
{
	struct file *f = fget(epfd);
	long ret;

	if (!f)
		return -EBADF;
	ret = -EINVAL;
	if (maxevents <= 0 || (size_t)maxevents > EP_MAX_EVENTS)
		goto out;
	ret = -EFAULT;
	if (!access_ok(uevents, (size_t)maxevents * sizeof(struct epoll_event)))
		goto out;
	ret = -EINVAL;
	if (is_file_epoll(f))
		ret = ep_poll(f->private_data, uevents, maxevents, deadline);
out:
	fput(f);
	return ret;
}

/* epoll_wait's milliseconds: negative waits for ever, 0 does not wait. */
static uint64_t ep_ms_deadline(int timeout_ms)
{
	if (timeout_ms < 0)
		return POLL_NO_DEADLINE;
	return poll_deadline_after((uint64_t)timeout_ms * 1000000ull);
}

/* Wait with @umask as the signal mask, as ppoll does (poll.h). */
static long do_epoll_pwait(int epfd, struct epoll_event __user *uevents, int maxevents,
			   uint64_t deadline, const sigset_t __user *umask, size_t size)
{
	struct poll_sigmask sw;
	long ret;

	ret = poll_sigmask_install(umask, size, &sw);
	if (ret)
		return ret;
	ret = do_epoll_wait(epfd, uevents, maxevents, deadline);
	poll_sigmask_restore(&sw, ret == -EINTR);
	return ret;
}

static long sys_epoll_wait(int epfd, struct epoll_event __user *uevents, int maxevents,
			   int timeout_ms)
{
	return do_epoll_wait(epfd, uevents, maxevents, ep_ms_deadline(timeout_ms));
}
SYSCALL(__NR_epoll_wait, sys_epoll_wait);

static long sys_epoll_pwait(int epfd, struct epoll_event __user *uevents, int maxevents,
			    int timeout_ms, const sigset_t __user *umask, size_t size)
{
	return do_epoll_pwait(epfd, uevents, maxevents, ep_ms_deadline(timeout_ms),
			      umask, size);
}
SYSCALL(__NR_epoll_pwait, sys_epoll_pwait);

/* epoll_pwait with a timespec (NULL: no timeout); the time left is not written back. */
static long sys_epoll_pwait2(int epfd, struct epoll_event __user *uevents, int maxevents,
			     const struct __kernel_timespec __user *uts,
			     const sigset_t __user *umask, size_t size)
{
	uint64_t deadline;
	long ret;

	ret = poll_timespec_to_deadline(uts, &deadline);
	if (ret)
		return ret;
	return do_epoll_pwait(epfd, uevents, maxevents, deadline, umask, size);
}
SYSCALL(__NR_epoll_pwait2, sys_epoll_pwait2);
