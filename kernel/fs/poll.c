/*
 * poll.c - poll(2), ppoll(2), select(2), pselect6(2) and the poll table.
 *
 * One engine, do_poll(), serves all four calls; select and pselect6 turn
 * their fd_set bitmaps into a pollfd array and back. A pass asks every
 * file's fop->poll() for its mask; if nothing is ready the task sleeps
 * until one of the wait queues the files registered through poll_wait()
 * is woken, a signal arrives, or the timeout runs out.
 *
 * Avoiding the lost wake-up (see kernel/wait.h for the single-queue case):
 *
 *   pass: fop->poll() each file; poll_wait() links an entry per queue
 *   ready? -> stop
 *   mark self TASK_INTERRUPTIBLE, then look at pwq.triggered
 *   not triggered? -> schedule() / schedule_timeout()
 *   unlink every entry, clear triggered, go round again
 *
 * Each entry's wake function (pollwake) sets pwq.triggered and wakes the
 * task: a wake-up during the pass leaves the flag, one after the mark
 * makes the task RUNNING, so the schedule() that follows returns at once.
 * The mark comes after the pass because a fop->poll() may sleep on a
 * mutex (an epoll's, an AF_UNIX socket's), which leaves the task RUNNING.
 * Every pass unlinks and re-links all entries: simple, and correct whether
 * or not wake_up() takes entries off their queue. The task is marked
 * sleeping through prepare_to_wait() on a private queue nobody wakes, the
 * one public way to set the state.
 *
 * Timeouts use clock_ns() deadlines and schedule_timeout(). ppoll, select
 * and pselect6 write the time left back, as Linux does; poll's int
 * milliseconds are not written back. The signal mask of ppoll/pselect6 is
 * honoured: it is installed for the wait, and when the wait ends with a
 * signal (-ERESTARTNOHAND: EINTR once a handler runs, else a restart) the
 * old mask is parked in task->saved_mask with restore_saved_mask set, so
 * the handler runs under the temporary mask and signal delivery puts the
 * old one back (as sigsuspend does).
 *
 * Poll table layout: kernel/fs/poll.h. Pipes and the TTY: pipe.c, tty.c.
 */
#include "kernel/fs/poll.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

#define POLL_PAGE_SIZE		4096
#define POLL_PAGE_ENTRIES	\
	((POLL_PAGE_SIZE - sizeof(struct poll_table_page)) / sizeof(struct poll_entry))

/* What a file without fop->poll reports: always ready (Linux DEFAULT_POLLMASK). */
#define DEFAULT_POLLMASK	(POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

/* The events select(2) counts as readable, writable and exceptional. */
#define POLLIN_SET	(POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET	(POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET	(POLLPRI)

#define FD_SETSIZE_MAX	1024
#define BITS_PER_LONG	64

/* ---- the poll table ----------------------------------------------------- */

void poll_wait(struct file *f, struct waitqueue *wq, struct poll_table *pt)
{
	if (pt && pt->qproc && wq)
		pt->qproc(f, wq, pt);
}

static void poll_queue(struct file *f, struct waitqueue *wq, struct poll_table *pt);

void poll_table_init(struct poll_wqueues *pwq)
{
	pwq->pt.qproc = poll_queue;
	pwq->task = current();
	pwq->triggered = false;
	pwq->error = 0;
	pwq->nr_inline = 0;
	pwq->pages = NULL;
}

/* A free entry slot, growing the table by a page when the slots run out. */
static struct poll_entry *poll_get_entry(struct poll_wqueues *pwq)
{
	struct poll_table_page *pg = pwq->pages;

	if (pwq->nr_inline < POLL_INLINE_ENTRIES)
		return &pwq->inline_entries[pwq->nr_inline++];
	if (!pg || pg->nr == POLL_PAGE_ENTRIES) {
		pg = kmalloc(POLL_PAGE_SIZE, GFP_KERNEL);
		if (!pg)
			return NULL;
		pg->nr = 0;
		pg->next = pwq->pages;
		pwq->pages = pg;
	}
	return &pg->entries[pg->nr++];
}

/*
 * An entry's queue was woken: note it for do_poll (which may not have
 * marked itself sleeping yet) and wake the poller. Under the queue's lock.
 */
static bool pollwake(struct wait_entry *we)
{
	struct poll_entry *e = container_of(we, struct poll_entry, we);

	WRITE_ONCE(e->pwq->triggered, true);
	wake_up_task(e->pwq->task);	/* rq_lock: ordered after the store */
	return true;
}

/* do_poll's qproc: an entry that wakes the poller, holding @f. */
static void poll_queue(struct file *f, struct waitqueue *wq, struct poll_table *pt)
{
	struct poll_wqueues *pwq = container_of(pt, struct poll_wqueues, pt);
	struct poll_entry *e = poll_get_entry(pwq);

	if (!e) {
		pwq->error = -ENOMEM;
		return;
	}
	e->wq = wq;
	e->file = file_get(f);
	e->pwq = pwq;
	e->we.task = pwq->task;
	e->we.func = pollwake;
	e->we.flags = 0;
	/* Link without changing the task state (prepare_to_wait would). */
	add_wait_queue(wq, &e->we);
}

static void poll_entry_release(struct poll_entry *e)
{
	remove_wait_queue(e->wq, &e->we);
	fput(e->file);
}

void poll_table_reset(struct poll_wqueues *pwq)
{
	struct poll_table_page *pg, *next;

	for (unsigned int i = 0; i < pwq->nr_inline; i++)
		poll_entry_release(&pwq->inline_entries[i]);
	pwq->nr_inline = 0;
	for (pg = pwq->pages; pg; pg = next) {
		next = pg->next;
		for (unsigned int i = 0; i < pg->nr; i++)
			poll_entry_release(&pg->entries[i]);
		kfree(pg);
	}
	pwq->pages = NULL;
}

/* ---- the engine --------------------------------------------------------- */

/* The events of one pollfd that are ready now; registers on @pt if given. */
static unsigned int poll_one(struct pollfd *p, struct poll_table *pt, bool select_mode)
{
	unsigned int mask, filter;
	struct file *f;

	if (p->fd < 0)
		return 0;
	f = fget(p->fd);
	if (!f)
		return POLLNVAL;
	mask = f->fop->poll ? f->fop->poll(f, pt) : DEFAULT_POLLMASK;
	fput(f);
	/* poll(2) always reports errors and hang-ups, asked for or not. */
	filter = (unsigned short)p->events | (select_mode ? 0 : POLLERR | POLLHUP);
	return mask & filter;
}

/* One pass over every entry; returns how many have events. */
static unsigned int poll_pass(struct pollfd *fds, unsigned int nfds,
			      struct poll_table *pt, bool select_mode)
{
	unsigned int count = 0;

	for (unsigned int i = 0; i < nfds; i++) {
		/* Once something is ready we will not sleep: stop registering. */
		fds[i].revents = (short)poll_one(&fds[i], count ? NULL : pt, select_mode);
		if (fds[i].revents)
			count++;
	}
	return count;
}

long do_poll(struct pollfd *fds, unsigned int nfds, uint64_t deadline,
	     bool select_mode)
{
	struct waitqueue self;
	struct wait_entry self_we = WAIT_ENTRY_INIT;
	struct poll_wqueues pwq;
	long ret;

	waitqueue_init(&self);		/* on the stack: a run-time class (wait.h) */
	poll_table_init(&pwq);
	for (;;) {
		uint64_t now;

		ret = poll_pass(fds, nfds, deadline ? &pwq.pt : NULL, select_mode);
		if (ret || pwq.error) {
			ret = ret ? ret : pwq.error;
			break;
		}
		if (signal_pending_current()) {
			ret = -ERESTARTNOHAND;	/* EINTR after a handler, even SA_RESTART */
			break;
		}
		now = clock_ns();
		if (deadline != POLL_NO_DEADLINE && now >= deadline)
			break;		/* timed out: ret == 0 */
		prepare_to_wait(&self, &self_we, TASK_INTERRUPTIBLE);
		/*
		 * The mark before the look at triggered, as pollwake stores
		 * triggered before it looks at the state (under rq_lock).
		 */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!READ_ONCE(pwq.triggered) && !signal_pending_current()) {
			if (deadline == POLL_NO_DEADLINE)
				schedule();
			else
				schedule_timeout(deadline - now);
		}
		finish_wait(&self, &self_we);
		poll_table_reset(&pwq);
		pwq.triggered = false;	/* no entry is linked now */
	}
	poll_table_reset(&pwq);
	return ret;
}

/* ---- timeouts and signal masks (poll.h; also epoll_pwait's) ------------- */

uint64_t poll_deadline_after(uint64_t ns)
{
	uint64_t now = clock_ns();

	if (ns == 0)
		return 0;
	return ns >= POLL_NO_DEADLINE - now ? POLL_NO_DEADLINE - 1 : now + ns;
}

static uint64_t time_left(uint64_t deadline)
{
	uint64_t now = clock_ns();

	if (deadline == 0 || deadline == POLL_NO_DEADLINE || now >= deadline)
		return 0;
	return deadline - now;
}

int poll_timespec_to_deadline(const struct __kernel_timespec __user *uts,
			      uint64_t *deadline)
{
	struct __kernel_timespec ts;

	if (!uts) {
		*deadline = POLL_NO_DEADLINE;
		return 0;
	}
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long long)NSEC_PER_SEC)
		return -EINVAL;
	if ((uint64_t)ts.tv_sec >= UINT64_MAX / NSEC_PER_SEC)
		*deadline = POLL_NO_DEADLINE - 1;
	else
		*deadline = poll_deadline_after((uint64_t)ts.tv_sec * NSEC_PER_SEC +
						(uint64_t)ts.tv_nsec);
	return 0;
}

/* Write the time left back; a fault here is ignored, as in Linux. */
static void timespec_write_left(struct __kernel_timespec __user *uts, uint64_t deadline)
{
	uint64_t left = time_left(deadline);
	struct __kernel_timespec ts = {
		.tv_sec = (long long)(left / NSEC_PER_SEC),
		.tv_nsec = (long long)(left % NSEC_PER_SEC),
	};

	if (uts && deadline != POLL_NO_DEADLINE)
		(void)copy_to_user(uts, &ts, sizeof(ts));
}

int poll_sigmask_install(const sigset_t __user *umask, size_t size,
			 struct poll_sigmask *sw)
{
	struct task *t = current();
	sigset_t m;

	sw->active = false;
	if (!umask)
		return 0;
	if (size != sizeof(sigset_t))
		return -EINVAL;
	if (copy_from_user(&m, umask, sizeof(m)))
		return -EFAULT;
	/* SIGKILL and SIGSTOP can never be blocked. */
	m &= ~((1ul << (SIGKILL - 1)) | (1ul << (SIGSTOP - 1)));
	sw->saved = t->blocked;
	sw->active = true;
	WRITE_ONCE(t->blocked, m);
	return 0;
}

void poll_sigmask_restore(struct poll_sigmask *sw, bool interrupted)
{
	struct task *t = current();

	if (!sw->active)
		return;
	if (interrupted) {
		t->saved_mask = sw->saved;
		t->restore_saved_mask = true;
	} else {
		WRITE_ONCE(t->blocked, sw->saved);
	}
}

/* ---- poll and ppoll ----------------------------------------------------- */

static unsigned long nofile_limit(void)
{
	uint64_t lim = current()->rlim[RLIMIT_NOFILE].rlim_cur;

	return lim ? lim : NR_OPEN_MAX;	/* an unset limit: the table size */
}

/* Copy in the pollfds, run the engine, copy the revents back. */
static long poll_user(struct pollfd __user *ufds, unsigned long nfds, uint64_t deadline)
{
	struct pollfd *fds = NULL;
	size_t bytes = nfds * sizeof(*fds);
	long ret;

	/* More entries than the caller may have files is a mistake. */
	if (nfds > nofile_limit())
		return -EINVAL;
	if (nfds) {
		fds = kmalloc(bytes, GFP_KERNEL);
		if (!fds)
			return -ENOMEM;
		if (copy_from_user(fds, ufds, bytes)) {
			ret = -EFAULT;
			goto out_free;
		}
	}
	ret = do_poll(fds, (unsigned int)nfds, deadline, /* select_mode= */false);
	if (ret < 0)
		goto out_free;
	for (unsigned long i = 0; i < nfds; i++)
		if (put_user(fds[i].revents, &ufds[i].revents)) {
			ret = -EFAULT;
			break;
		}
out_free:
	if (fds)
		kfree(fds);
	return ret;
}

static long sys_poll(struct pollfd __user *ufds, unsigned int nfds, int timeout_ms)
{
	uint64_t deadline = POLL_NO_DEADLINE;

	if (timeout_ms >= 0)
		deadline = poll_deadline_after((uint64_t)timeout_ms * 1000000ull);
	return poll_user(ufds, nfds, deadline);
}
SYSCALL(__NR_poll, sys_poll);

static long sys_ppoll(struct pollfd __user *ufds, unsigned int nfds,
		      struct __kernel_timespec __user *tsp,
		      const sigset_t __user *sigmask, size_t sigsetsize)
{
	struct poll_sigmask sw;
	uint64_t deadline;
	long ret;

	ret = poll_timespec_to_deadline(tsp, &deadline);
	if (ret)
		return ret;
	ret = poll_sigmask_install(sigmask, sigsetsize, &sw);
	if (ret)
		return ret;
	ret = poll_user(ufds, nfds, deadline);
	poll_sigmask_restore(&sw, ret == -ERESTARTNOHAND);
	timespec_write_left(tsp, deadline);
	return ret;
}
SYSCALL(__NR_ppoll, sys_ppoll);

/* ---- select and pselect6 ------------------------------------------------ */

/*
 * The three fd_set bitmaps of one call, n bits each, rounded up to whole
 * longs as Linux copies them:
 *
 *   in[]  bit fd: wait for readable     res_in[]  bit fd: is readable
 *   out[] bit fd: wait for writable     res_out[]
 *   ex[]  bit fd: wait for exception    res_ex[]
 */
struct select_sets {
	unsigned long in[FD_SETSIZE_MAX / BITS_PER_LONG];
	unsigned long out[FD_SETSIZE_MAX / BITS_PER_LONG];
	unsigned long ex[FD_SETSIZE_MAX / BITS_PER_LONG];
};

static inline bool test_fd(const unsigned long *set, int fd)
{
	return set[fd / BITS_PER_LONG] & (1ul << (fd % BITS_PER_LONG));
}

static inline void set_fd(unsigned long *set, int fd)
{
	set[fd / BITS_PER_LONG] |= 1ul << (fd % BITS_PER_LONG);
}

static int get_fd_set(unsigned long *k, const void __user *u, size_t bytes)
{
	if (!u) {
		memset(k, 0, bytes);
		return 0;
	}
	return copy_from_user(k, u, bytes);
}

/* The pollfd list for every fd named in any set; -EBADF for a closed one. */
static long select_build(const struct select_sets *s, int n, struct pollfd *fds)
{
	long nr = 0;

	for (int fd = 0; fd < n; fd++) {
		short ev = 0;
		struct file *f;

		if (test_fd(s->in, fd))
			ev |= POLLIN_SET;
		if (test_fd(s->out, fd))
			ev |= POLLOUT_SET;
		if (test_fd(s->ex, fd))
			ev |= POLLEX_SET;
		if (!ev)
			continue;
		f = fget(fd);
		if (!f)
			return -EBADF;
		fput(f);
		fds[nr].fd = fd;
		fds[nr].events = ev;
		fds[nr].revents = 0;
		nr++;
	}
	return nr;
}

/* Turn revents into result bitmaps in @s (reused); returns the bit count. */
static long select_results(struct select_sets *s, const struct pollfd *fds, long nr)
{
	struct select_sets *res = s;
	long bits = 0;

	memset(res, 0, sizeof(*res));
	for (long i = 0; i < nr; i++) {
		unsigned int r = (unsigned short)fds[i].revents;
		unsigned int want = (unsigned short)fds[i].events;

		if (r & POLLNVAL)
			return -EBADF;	/* closed while we slept */
		if ((want & POLLIN) && (r & POLLIN_SET)) {
			set_fd(res->in, fds[i].fd);
			bits++;
		}
		if ((want & POLLOUT) && (r & POLLOUT_SET)) {
			set_fd(res->out, fds[i].fd);
			bits++;
		}
		if ((want & POLLPRI) && (r & POLLEX_SET)) {
			set_fd(res->ex, fds[i].fd);
			bits++;
		}
	}
	return bits;
}

static long do_select(int n, void __user *inp, void __user *outp, void __user *exp,
		      uint64_t deadline)
{
	size_t bytes;
	struct select_sets *s;
	struct pollfd *fds;
	long nr, ret;

	/* Check: n is a count of fds, at most FD_SETSIZE (1024). */
	if (n < 0 || n > FD_SETSIZE_MAX)
		return -EINVAL;
	bytes = (size_t)ALIGN_UP(n, BITS_PER_LONG) / 8;
	s = kzalloc(sizeof(*s));
	fds = kmalloc(sizeof(*fds) * (n ? n : 1), GFP_KERNEL);
	ret = -ENOMEM;
	if (!s || !fds)
		goto out;
	ret = -EFAULT;
	if (get_fd_set(s->in, inp, bytes) || get_fd_set(s->out, outp, bytes) ||
	    get_fd_set(s->ex, exp, bytes))
		goto out;
	nr = select_build(s, n, fds);
	ret = nr;
	if (nr < 0)
		goto out;
	ret = do_poll(fds, (unsigned int)nr, deadline, /* select_mode= */true);
	if (ret < 0)
		goto out;
	ret = select_results(s, fds, nr);
	if (ret < 0)
		goto out;
	if ((inp && copy_to_user(inp, s->in, bytes)) ||
	    (outp && copy_to_user(outp, s->out, bytes)) ||
	    (exp && copy_to_user(exp, s->ex, bytes)))
		ret = -EFAULT;
out:
	if (s)
		kfree(s);
	if (fds)
		kfree(fds);
	return ret;
}

static long sys_select(int n, void __user *inp, void __user *outp, void __user *exp,
		       struct __kernel_old_timeval __user *tvp)
{
	uint64_t deadline = POLL_NO_DEADLINE;
	struct __kernel_old_timeval tv;
	long ret;

	if (tvp) {
		if (copy_from_user(&tv, tvp, sizeof(tv)))
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		/* Linux folds whole seconds out of an oversized tv_usec. */
		tv.tv_sec += tv.tv_usec / 1000000;
		tv.tv_usec %= 1000000;
		if ((uint64_t)tv.tv_sec >= UINT64_MAX / NSEC_PER_SEC)
			deadline = POLL_NO_DEADLINE - 1;
		else
			deadline = poll_deadline_after((uint64_t)tv.tv_sec * NSEC_PER_SEC +
						       (uint64_t)tv.tv_usec * 1000);
	}
	ret = do_select(n, inp, outp, exp, deadline);
	if (tvp) {
		uint64_t left = time_left(deadline);

		tv.tv_sec = (long)(left / NSEC_PER_SEC);
		tv.tv_usec = (long)(left % NSEC_PER_SEC / 1000);
		(void)copy_to_user(tvp, &tv, sizeof(tv));
	}
	return ret;
}
SYSCALL(__NR_select, sys_select);

/* pselect6's sixth argument: the mask and its size, behind one pointer. */
struct pselect6_sigmask {
	const sigset_t __user *ss;
	size_t ss_len;
};

static long sys_pselect6(int n, void __user *inp, void __user *outp, void __user *exp,
			 struct __kernel_timespec __user *tsp,
			 const struct pselect6_sigmask __user *usig)
{
	struct pselect6_sigmask sig = { NULL, 0 };
	struct poll_sigmask sw;
	uint64_t deadline;
	long ret;

	ret = poll_timespec_to_deadline(tsp, &deadline);
	if (ret)
		return ret;
	if (usig && copy_from_user(&sig, usig, sizeof(sig)))
		return -EFAULT;
	ret = poll_sigmask_install(sig.ss, sig.ss_len, &sw);
	if (ret)
		return ret;
	ret = do_select(n, inp, outp, exp, deadline);
	poll_sigmask_restore(&sw, ret == -ERESTARTNOHAND);
	timespec_write_left(tsp, deadline);
	return ret;
}
SYSCALL(__NR_pselect6, sys_pselect6);
