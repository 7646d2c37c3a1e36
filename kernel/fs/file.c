/*
 * file.c - open files, file-descriptor tables, and the system calls that
 * only shuffle descriptors: close, dup, dup2, dup3, fcntl, ioctl.
 *
 *   struct files_struct (one per process, shared by nobody: fork copies)
 *   +----------------------------+
 *   | lock (spinlock)            |
 *   | fd[0..NR_OPEN_MAX-1] ------+--> struct file (refcount counts every
 *   | cloexec bitmap, bit per fd |    fd slot and every in-flight fget())
 *   +----------------------------+
 *
 * A struct file's last fput() removes it from every epoll watching it
 * (eventpoll.c), calls fop->release and drops the references
 * it holds on f->dentry and f->inode (whoever sets those fields gives the
 * file a reference; pipes leave them NULL). fput() is never called with a
 * table lock held, because release may sleep.
 */
#include "kernel/errno.h"
#include "kernel/fs/eventpoll.h"
#include "kernel/fs/fs.h"
#include "kernel/might_sleep.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/panic.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

const struct file_operations empty_fops = { .read = NULL };

struct files_struct {
	int refcount;			/* atomic */
	spinlock_t lock;		/* guards fd[] and cloexec[] */
	struct file *fd[NR_OPEN_MAX];
	uint64_t cloexec[NR_OPEN_MAX / 64];
};

/* ---- struct file ---- */

/* Every struct file (Linux's "filp"): its own cache, so leaks show by name. */
static struct kmem_cache *file_cache;

void file_cache_init(void)
{
	file_cache = kmem_cache_create("file", sizeof(struct file), 8);
	if (!file_cache)
		panic("file_cache_init: no memory");
}

struct file *file_alloc(const struct file_operations *fop, unsigned int flags)
{
	struct file *f = kmem_cache_alloc(file_cache, GFP_ZERO);

	if (!f)
		return ERR_PTR(-ENOMEM);
	f->refcount = 1;
	f->flags = flags;
	f->fop = fop ? fop : &empty_fops;
	mutex_init(&f->pos_lock);
	spin_lock_init(&f->ep_lock);
	INIT_LIST_HEAD(&f->ep_links);
	return f;
}

struct file *file_get(struct file *f)
{
	__atomic_add_fetch(&f->refcount, 1, __ATOMIC_RELAXED);
	return f;
}

/* Drop a reference; the last one releases the file. May sleep. */
void fput(struct file *f)
{
	might_sleep();			/* whether or not this is the last reference */
	if (!f)
		return;
	if (f->fop->put ? f->fop->put(f) : __atomic_sub_fetch(&f->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	/* Before release: epoll's wait entries sit on the file's queues. */
	eventpoll_release(f);
	if (f->fop->release)
		f->fop->release(f);
	if (f->writer)
		put_write_access(f->inode);
	if (f->dentry)
		dentry_put(f->dentry);
	if (f->inode)
		inode_put(f->inode);
	kmem_cache_free(file_cache, f);
}

/* ---- descriptor tables ---- */

static void set_cloexec(struct files_struct *files, int fd, bool on)
{
	if (on)
		files->cloexec[fd / 64] |= 1ull << (fd % 64);
	else
		files->cloexec[fd / 64] &= ~(1ull << (fd % 64));
}

static bool get_cloexec(struct files_struct *files, int fd)
{
	return files->cloexec[fd / 64] & (1ull << (fd % 64));
}

/* An empty table with refcount 1, or NULL when out of memory. */
struct files_struct *files_new(void)
{
	struct files_struct *files = kzalloc(sizeof(*files));

	if (!files)
		return NULL;
	files->refcount = 1;
	spin_lock_init(&files->lock);
	return files;
}

/* A copy of @src for fork: same open files (references taken), same flags. */
struct files_struct *files_dup(struct files_struct *src)
{
	struct files_struct *files = files_new();
	unsigned long irq;

	if (!files)
		return NULL;
	irq = spin_lock_irqsave(&src->lock);
	for (int fd = 0; fd < NR_OPEN_MAX; fd++)
		if (src->fd[fd])
			files->fd[fd] = file_get(src->fd[fd]);
	for (size_t i = 0; i < ARRAY_SIZE(files->cloexec); i++)
		files->cloexec[i] = src->cloexec[i];
	spin_unlock_irqrestore(&src->lock, irq);
	return files;
}

/* Drop a reference to the table; the last one closes every descriptor. */
struct files_struct *files_get(struct files_struct *files)
{
	__atomic_add_fetch(&files->refcount, 1, __ATOMIC_RELAXED);
	return files;
}

void files_put(struct files_struct *files)
{
	if (!files || __atomic_sub_fetch(&files->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	for (int fd = 0; fd < NR_OPEN_MAX; fd++)
		fput(files->fd[fd]);
	kfree(files);
}

/* Close the descriptors marked close-on-exec (execve). */
void files_close_on_exec(struct files_struct *files)
{
	for (int fd = 0; fd < NR_OPEN_MAX; fd++) {
		struct file *f = NULL;
		unsigned long irq = spin_lock_irqsave(&files->lock);

		if (get_cloexec(files, fd)) {
			f = files->fd[fd];
			files->fd[fd] = NULL;
			set_cloexec(files, fd, false);
		}
		spin_unlock_irqrestore(&files->lock, irq);
		fput(f);
	}
}

/*
 * Put @f in the lowest free slot in [@min, @max). Returns the fd, or
 * -EMFILE when none is free; then the caller still owns its reference.
 */
static int files_install_below(struct files_struct *files, struct file *f, int min,
			       int max, bool cloexec)
{
	unsigned long irq;
	int fd;

	if (min < 0)
		return -EINVAL;
	irq = spin_lock_irqsave(&files->lock);
	for (fd = min; fd < max; fd++) {
		if (!files->fd[fd]) {
			files->fd[fd] = f;
			set_cloexec(files, fd, cloexec);
			break;
		}
	}
	spin_unlock_irqrestore(&files->lock, irq);
	return fd < max ? fd : -EMFILE;
}

/* Lowest free slot >= @min of the whole table; see files_install_below(). */
int files_install(struct files_struct *files, struct file *f, int min, bool cloexec)
{
	return files_install_below(files, f, min, NR_OPEN_MAX, cloexec);
}

/* The file at @fd with a new reference, or NULL. */
struct file *files_fget(struct files_struct *files, int fd)
{
	struct file *f = NULL;
	unsigned long irq;

	if (fd < 0 || fd >= NR_OPEN_MAX)
		return NULL;
	irq = spin_lock_irqsave(&files->lock);
	if (files->fd[fd])
		f = file_get(files->fd[fd]);
	spin_unlock_irqrestore(&files->lock, irq);
	return f;
}

/* Empty slot @fd and drop its reference: 0 or -EBADF. */
int files_close(struct files_struct *files, int fd)
{
	struct file *f;
	unsigned long irq;

	if (fd < 0 || fd >= NR_OPEN_MAX)
		return -EBADF;
	irq = spin_lock_irqsave(&files->lock);
	f = files->fd[fd];
	files->fd[fd] = NULL;
	set_cloexec(files, fd, false);
	spin_unlock_irqrestore(&files->lock, irq);
	if (!f)
		return -EBADF;
	fput(f);
	return 0;
}

/* Put @f at exactly @fd (dup2), closing what was there. Takes the reference. */
static void files_replace(struct files_struct *files, int fd, struct file *f, bool cloexec)
{
	unsigned long irq = spin_lock_irqsave(&files->lock);
	struct file *old = files->fd[fd];

	files->fd[fd] = f;
	set_cloexec(files, fd, cloexec);
	spin_unlock_irqrestore(&files->lock, irq);
	fput(old);
}

static struct files_struct *cur_files(void)
{
	struct task *t = current();

	return t ? t->files : NULL;
}

/* Descriptors the current task may use: RLIMIT_NOFILE, at most the table. */
static int nofile_limit(void)
{
	struct task *t = current();
	uint64_t lim = t ? t->rlim[RLIMIT_NOFILE].rlim_cur : NR_OPEN_MAX;

	return (int)MIN(lim, (uint64_t)NR_OPEN_MAX);
}

int fd_install(struct file *f, int min, bool cloexec)
{
	struct files_struct *files = cur_files();

	return files ? files_install_below(files, f, min, nofile_limit(), cloexec) : -EMFILE;
}

/*
 * Install @pair[0] and @pair[1] as two new fds of the current process and
 * copy them to @ufds (pipe2, socketpair). Returns 0, or -EMFILE/-EFAULT
 * with both files dropped and no fd left behind: on failure the caller
 * owns nothing.
 */
int fd_install_pair(struct file *pair[2], bool cloexec, int __user *ufds)
{
	int fds[2];

	fds[0] = fd_install(pair[0], 0, cloexec);
	if (fds[0] < 0) {
		fput(pair[0]);
		fput(pair[1]);
		return fds[0];
	}
	fds[1] = fd_install(pair[1], 0, cloexec);
	if (fds[1] < 0) {
		fput(pair[1]);
		files_close(cur_files(), fds[0]);
		return fds[1];
	}
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		files_close(cur_files(), fds[0]);
		files_close(cur_files(), fds[1]);
		return -EFAULT;
	}
	return 0;
}

struct file *fget(int fd)
{
	struct files_struct *files = cur_files();

	return files ? files_fget(files, fd) : NULL;
}

/* ---- system calls ---- */

static long sys_close(int fd)
{
	struct files_struct *files = cur_files();

	return files ? files_close(files, fd) : -EBADF;
}
SYSCALL(__NR_close, sys_close);

/* dup to the lowest free fd >= @min. */
static long do_dupfd(int oldfd, int min, bool cloexec)
{
	struct file *f = fget(oldfd);
	int fd;

	if (!f)
		return -EBADF;
	fd = fd_install(f, min, cloexec);
	if (fd < 0)
		fput(f);
	return fd;
}

static long sys_dup(int oldfd)
{
	return do_dupfd(oldfd, 0, false);
}
SYSCALL(__NR_dup, sys_dup);

static long do_dup3(int oldfd, int newfd, int flags, bool is_dup2)
{
	struct files_struct *files = cur_files();
	struct file *f;

	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (!is_dup2 && oldfd == newfd)
		return -EINVAL;
	if (!files || newfd < 0 || newfd >= nofile_limit())
		return -EBADF;
	f = files_fget(files, oldfd);
	if (!f)
		return -EBADF;
	if (oldfd == newfd) {		/* dup2 of an open fd onto itself */
		fput(f);
		return newfd;
	}
	files_replace(files, newfd, f, flags & O_CLOEXEC);
	return newfd;
}

static long sys_dup2(int oldfd, int newfd)
{
	return do_dup3(oldfd, newfd, 0, /* is_dup2= */true);
}
SYSCALL(__NR_dup2, sys_dup2);

static long sys_dup3(int oldfd, int newfd, int flags)
{
	return do_dup3(oldfd, newfd, flags, /* is_dup2= */false);
}
SYSCALL(__NR_dup3, sys_dup3);

static long fcntl_fd_flags(int fd, int cmd, unsigned long arg)
{
	struct files_struct *files = cur_files();
	unsigned long irq;
	long ret = 0;

	if (!files || fd < 0 || fd >= NR_OPEN_MAX)
		return -EBADF;
	irq = spin_lock_irqsave(&files->lock);
	if (!files->fd[fd])
		ret = -EBADF;
	else if (cmd == F_GETFD)
		ret = get_cloexec(files, fd) ? FD_CLOEXEC : 0;
	else
		set_cloexec(files, fd, arg & FD_CLOEXEC);
	spin_unlock_irqrestore(&files->lock, irq);
	return ret;
}

/* Status flags F_SETFL may change; the others are silently kept. */
#define SETFL_MASK	(O_APPEND | O_NONBLOCK)

static long sys_fcntl(int fd, int cmd, unsigned long arg)
{
	struct file *f;
	long ret;

	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if ((int)arg >= 0 && (int)arg < nofile_limit())
			return do_dupfd(fd, (int)arg, cmd == F_DUPFD_CLOEXEC);
		f = fget(fd);		/* EBADF wins over EINVAL */
		if (!f)
			return -EBADF;
		fput(f);
		return -EINVAL;
	case F_GETFD:
	case F_SETFD:
		return fcntl_fd_flags(fd, cmd, arg);
	}
	f = fget(fd);
	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_GETFL:
		ret = f->flags;
		break;
	case F_SETFL:
		__atomic_store_n(&f->flags, (f->flags & ~SETFL_MASK) | (arg & SETFL_MASK),
				 __ATOMIC_RELAXED);
		ret = 0;
		break;
	default:
		ret = -EINVAL;
	}
	fput(f);
	return ret;
}
SYSCALL(__NR_fcntl, sys_fcntl);

/*
 * ioctl: close-on-exec and non-blocking are generic; everything else is
 * the file's (fop->ioctl), -ENOTTY if it has none.
 */
static long sys_ioctl(int fd, unsigned int cmd, unsigned long arg)
{
	struct file *f;
	long ret;
	int on;

	if (cmd == FIOCLEX || cmd == FIONCLEX)
		return fcntl_fd_flags(fd, F_SETFD, cmd == FIOCLEX ? FD_CLOEXEC : 0);
	f = fget(fd);
	if (!f)
		return -EBADF;
	if (cmd == FIONBIO) {
		ret = get_user(on, (int __user *)arg);
		if (!ret && on)
			__atomic_or_fetch(&f->flags, O_NONBLOCK, __ATOMIC_RELAXED);
		else if (!ret)
			__atomic_and_fetch(&f->flags, ~(unsigned int)O_NONBLOCK, __ATOMIC_RELAXED);
	} else {
		ret = f->fop->ioctl ? f->fop->ioctl(f, cmd, arg) : -ENOTTY;
	}
	fput(f);
	return ret;
}
SYSCALL(__NR_ioctl, sys_ioctl);
