/*
 * poll.h - the poll table: how poll(2)/select(2) and epoll sleep on many
 * files at once.
 *
 * A poller asks each file's fop->poll() for its ready mask, passing a
 * struct poll_table. The file calls poll_wait(f, wq, pt) (kernel/fs/vfs.h)
 * for every wait queue whose wake_up() could change that mask, and
 * poll_wait() hands the queue to the table's qproc, which decides what to
 * hang on it. Two kinds of table exist:
 *
 *   - do_poll's struct poll_wqueues (below): poll, ppoll, select and
 *     pselect6. qproc records a (wait queue, wait entry, file) triple and
 *     links an entry that wakes the polling task;
 *   - an epoll item's table (kernel/fs/eventpoll.c): qproc links an entry
 *     whose wake-up queues the item on its epoll's ready list.
 *
 *   struct poll_wqueues (on the poller's stack)
 *   +---------------------------+
 *   | pt.qproc = poll_queue     |
 *   | entries[0]  wq, we, file -+---> pipe->rd_wait.waiters
 *   | entries[1]  wq, we, file -+---> tty->read_wait.waiters
 *   | ...  (POLL_INLINE_ENTRIES) |
 *   | pages --------------------+---> [next, nr, entries[...]] -> ...
 *   +---------------------------+        (one page each, kmalloc'd)
 *
 * Each poll(2) entry holds a reference on its file, so a file closed while
 * being polled cannot free the wait queue the entry sits on.
 * poll_table_reset() unlinks every entry and drops the references; the
 * table is refilled on the next pass (kernel/fs/poll.c explains why every
 * pass re-registers). Epoll's entries hold no reference: they are unlinked
 * when the file is finally released (eventpoll_release() in fput), which
 * is why a queue given to poll_wait() must live until the file's
 * fop->release - its own, or one its file keeps alive until then. An
 * epoll item registers again each time it is polled, adding the queues it
 * did not wait on yet; so a file whose poll starts naming another queue
 * after a state change (an AF_UNIX stream socket's peer, once connected)
 * must wake a queue it named before, so that the item polls again.
 *
 * A fop->poll() may be called with pt == NULL, or a table whose qproc is
 * NULL ("just tell me the mask"); poll_wait() then does nothing. qproc may
 * sleep (it allocates), so fop->poll() calls poll_wait() with no spinlock
 * held.
 */
#ifndef KERNEL_FS_POLL_H
#define KERNEL_FS_POLL_H

#include "kernel/fs/vfs.h"
#include "kernel/wait.h"

struct poll_table;
/* Hang something on @wq for a poll of @f (poll_wait()'s back end). */
typedef void (*poll_queue_proc)(struct file *f, struct waitqueue *wq, struct poll_table *pt);

struct poll_table {
	poll_queue_proc qproc;		/* NULL: only the mask is wanted */
};

struct poll_wqueues;

struct poll_entry {
	struct waitqueue *wq;
	struct wait_entry we;		/* func = pollwake */
	struct file *file;		/* referenced while the entry is linked */
	struct poll_wqueues *pwq;	/* the table it belongs to */
};

#define POLL_INLINE_ENTRIES	16

struct poll_table_page {
	struct poll_table_page *next;
	unsigned int nr;
	struct poll_entry entries[];
};

/* do_poll's table: the entries of one poll(2) pass. */
struct poll_wqueues {
	struct poll_table pt;		/* what fop->poll() sees */
	struct task *task;		/* the poller: whom wake_up() wakes */
	bool triggered;			/* an entry's queue was woken (poll.c) */
	int error;			/* -ENOMEM when an entry could not be had */
	unsigned int nr_inline;
	struct poll_entry inline_entries[POLL_INLINE_ENTRIES];
	struct poll_table_page *pages;	/* overflow, newest first */
};

/* Start an empty table for the current task. */
void poll_table_init(struct poll_wqueues *pwq);
/*
 * Unlink every entry from its wait queue, drop the file references and
 * free the overflow pages; the table is empty and reusable afterwards.
 * May sleep (fput).
 */
void poll_table_reset(struct poll_wqueues *pwq);

/*
 * The poll engine shared by poll, ppoll, select and pselect6. Polls the
 * @nfds entries of @fds (kernel memory) until one has a ready event, a
 * signal is pending, or clock_ns() reaches @deadline (0: just poll once;
 * POLL_NO_DEADLINE: no timeout). Fills each revents with the ready events
 * among events (plus POLLERR/POLLHUP unless @select_mode; POLLNVAL for a
 * bad fd). Returns the number of entries with revents != 0, 0 on timeout,
 * -EINTR, or -ENOMEM. Sleeps; process context only.
 */
#define POLL_NO_DEADLINE	UINT64_MAX
long do_poll(struct pollfd *fds, unsigned int nfds, uint64_t deadline,
	     bool select_mode);

/*
 * Timeouts and temporary signal masks, shared by ppoll, pselect6 and the
 * epoll_pwait family (kernel/fs/eventpoll.c).
 *
 * poll_deadline_after(): the clock_ns() deadline @ns from now, saturating
 * below POLL_NO_DEADLINE; 0 ns gives 0 ("poll once").
 * poll_timespec_to_deadline(): the same for a user timespec; NULL is
 * POLL_NO_DEADLINE; -EFAULT, or -EINVAL for a negative or malformed one.
 */
uint64_t poll_deadline_after(uint64_t ns);
int poll_timespec_to_deadline(const struct __kernel_timespec __user *uts,
			      uint64_t *deadline);

struct poll_sigmask {
	bool active;
	sigset_t saved;
};
/*
 * Install the caller's temporary signal mask @umask (none when NULL):
 * 0, -EINVAL for a @size other than sizeof(sigset_t), -EFAULT.
 */
int poll_sigmask_install(const sigset_t __user *umask, size_t size,
			 struct poll_sigmask *sw);
/*
 * Put the old mask back; when the wait was @interrupted by a signal it
 * is parked in task->saved_mask instead, so the handler runs under the
 * temporary mask and signal delivery restores the old one (sigsuspend).
 */
void poll_sigmask_restore(struct poll_sigmask *sw, bool interrupted);

#endif
