/*
 * poll.h - the poll table: how poll(2)/select(2) sleep on many files at once.
 *
 * A polling task asks each file's fop->poll() for its ready mask, passing a
 * struct poll_table. The file calls poll_wait(f, wq, pt) (kernel/fs/vfs.h)
 * for every wait queue whose wake_up() could change that mask; poll_wait()
 * records a (wait queue, wait entry, file) triple in the table and links the
 * entry on the queue, so any of those wake-ups makes the poller runnable:
 *
 *   struct poll_table (on the poller's stack)
 *   +---------------------------+
 *   | entries[0]  wq, we, file -+---> pipe->rd_wait.waiters
 *   | entries[1]  wq, we, file -+---> tty->read_wait.waiters
 *   | ...  (POLL_INLINE_ENTRIES) |
 *   | pages --------------------+---> [next, nr, entries[...]] -> ...
 *   +---------------------------+        (one page each, kmalloc'd)
 *
 * Each entry holds a reference on its file, so a file closed while being
 * polled cannot free the wait queue the entry sits on. poll_table_reset()
 * unlinks every entry and drops the references; the table is refilled on
 * the next pass (kernel/fs/poll.c explains why every pass re-registers).
 *
 * A fop->poll() may be called with pt == NULL ("just tell me the mask");
 * poll_wait() then does nothing.
 */
#ifndef KERNEL_FS_POLL_H
#define KERNEL_FS_POLL_H

#include "kernel/fs/vfs.h"
#include "kernel/wait.h"

struct poll_entry {
	struct waitqueue *wq;
	struct wait_entry we;
	struct file *file;		/* referenced while the entry is linked */
};

#define POLL_INLINE_ENTRIES	16

struct poll_table_page {
	struct poll_table_page *next;
	unsigned int nr;
	struct poll_entry entries[];
};

struct poll_table {
	struct task *task;		/* the poller: whom wake_up() wakes */
	int error;			/* -ENOMEM when an entry could not be had */
	unsigned int nr_inline;
	struct poll_entry inline_entries[POLL_INLINE_ENTRIES];
	struct poll_table_page *pages;	/* overflow, newest first */
};

/* Start an empty table for the current task. */
void poll_table_init(struct poll_table *pt);
/*
 * Unlink every entry from its wait queue, drop the file references and
 * free the overflow pages; the table is empty and reusable afterwards.
 * May sleep (fput).
 */
void poll_table_reset(struct poll_table *pt);

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

#endif
