/*
 * socket.c - the generic socket layer: socket files and the socket system
 * calls that are not about messages (socket, socketpair, bind, listen,
 * accept, accept4, connect, shutdown, getsockname, getpeername,
 * setsockopt, getsockopt). sendto/recvfrom/sendmsg/recvmsg are in
 * sock_msg.c; the families are AF_UNIX (af_unix.c, unix_io.c) and AF_INET
 * (inet/).
 *
 * A socket is a struct file with socket_fops and a struct socket in
 * private_data. Its inode is an S_IFSOCK inode of a private, never-mounted
 * "sockfs" super block, so fstat() reports S_IFSOCK like Linux, and the
 * file frees it on the last fput(). read/write/readv/writev/poll/ioctl
 * on the fd go through the same family ops as recvmsg/sendmsg; the fd
 * survives fork() and dup() like any file (file.c).
 *
 * Every call checks its arguments in the order Linux does, so the errno
 * of bad input matches: EBADF (no such fd) before ENOTSOCK (not a
 * socket) before EFAULT/EINVAL of the addresses and lengths.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/net/net_internal.h"
#include "kernel/net/socket.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/slab.h"

#define SOCK_ACCEPT_FLAGS	(SOCK_CLOEXEC | SOCK_NONBLOCK)

/* ---- the socket inode's super block ---- */

static const struct fs_type sockfs_type = {
	.name = "sockfs", .magic = SOCKFS_MAGIC, .make_sb = NULL
};
static struct super_block *sockfs_sb;	/* made once, guarded by sockfs_lock */
static struct mutex sockfs_lock = MUTEX_INIT(sockfs_lock);

/*
 * Boot: make the super block now, as Linux mounts sockfs in sock_init(),
 * so that the first socket a program creates allocates only its own
 * objects (the user tests' leak check compares free memory around them).
 * Failure is not fatal: sock_inode_alloc() tries again.
 */
void sockfs_init(void)
{
	mutex_lock(&sockfs_lock);
	if (!sockfs_sb)
		sockfs_sb = sb_alloc(&sockfs_type, NULL, NULL);
	mutex_unlock(&sockfs_lock);
}

static struct inode *sock_inode_alloc(void)
{
	struct super_block *sb;
	struct inode *inode;

	mutex_lock(&sockfs_lock);
	if (!sockfs_sb)
		sockfs_sb = sb_alloc(&sockfs_type, NULL, NULL);
	sb = sockfs_sb;
	mutex_unlock(&sockfs_lock);
	inode = sb ? inode_alloc(sb, S_IFSOCK | 0777) : NULL;
	/* Owned by its creator, as Linux's sock_alloc (fstat, /proc/net/tcp's uid). */
	if (inode && current())
		inode_init_owner(inode);
	return inode;
}

/* ---- socket files ---- */

static const struct file_operations socket_fops;

struct socket *sock_from_file(struct file *f)
{
	return f && f->fop == &socket_fops ? f->private_data : NULL;
}

struct ucred sock_current_cred(void)
{
	struct task *t = current();

	/* As Linux: the effective ids at connect or socketpair time. */
	if (!t)
		return (struct ucred){ 0 };
	return (struct ucred){ .pid = t->pid, .uid = t->cred.euid, .gid = t->cred.egid };
}

/*
 * A read or write on the fd: one message with one iovec, or readv/writev's
 * several (the file's rw_iov op, so a vector is one datagram).
 */
static ssize_t sock_rw(struct file *f, struct iovec *iov, int cnt, bool write)
{
	struct socket *sock = f->private_data;
	struct sock_msg m = {
		.iov = iov, .iovcnt = cnt,
		.nonblock = f->flags & O_NONBLOCK,
	};
	ssize_t ret;

	for (int i = 0; i < cnt; i++)
		m.len += iov[i].iov_len;
	if (write)
		return sock->ops->sendmsg(sock, &m);
	if (!m.len)
		return 0;			/* as Linux: a 0-byte read takes nothing */
	ret = sock->ops->recvmsg(sock, &m);
	scm_files_drop(&m.fp);			/* read(2) has nowhere to put them */
	return ret;
}

static ssize_t sock_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	struct iovec iov = { .iov_base = buf, .iov_len = n };

	return sock_rw(f, &iov, 1, false);
}

static ssize_t sock_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	struct iovec iov = { .iov_base = (void __user *)buf, .iov_len = n };

	return sock_rw(f, &iov, 1, true);
}

static unsigned int sock_poll(struct file *f, struct poll_table *pt)
{
	struct socket *sock = f->private_data;

	return sock->ops->poll(sock, pt);
}

static long sock_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct socket *sock = f->private_data;

	return sock->ops->ioctl ? sock->ops->ioctl(sock, cmd, arg) : -ENOTTY;
}

static void sock_release(struct file *f)
{
	struct socket *sock = f->private_data;

	if (sock->ops && sock->sk)
		sock->ops->release(sock);
	kfree(sock);
}

static int sock_put(struct file *f)
{
	struct socket *sock = f->private_data;

	if (sock->ops && sock->sk && sock->ops->put_file)
		return sock->ops->put_file(sock, f);
	return __atomic_sub_fetch(&f->refcount, 1, __ATOMIC_ACQ_REL);
}

static const struct file_operations socket_fops = {
	.read = sock_read,
	.write = sock_write,
	.rw_iov = sock_rw,
	.poll = sock_poll,
	.ioctl = sock_ioctl,
	.release = sock_release,
	.put = sock_put,
};

/*
 * A new socket file (O_RDWR, plus O_NONBLOCK from @flags) with an empty
 * struct socket of @family/@type; the caller fills sock->sk and ops.
 */
static struct file *sock_alloc_file(int family, int type, unsigned int flags)
{
	struct socket *sock = kzalloc(sizeof(*sock));
	struct inode *inode = sock_inode_alloc();
	struct file *f;

	if (!sock || !inode)
		goto err;
	f = file_alloc(&socket_fops, O_RDWR | (flags & O_NONBLOCK));
	if (IS_ERR(f))
		goto err;
	sock->family = (short)family;
	sock->type = (short)type;
	sock->file = f;
	sock->sndbuf = sock->rcvbuf = SOCK_BUF_DEFAULT;
	f->private_data = sock;
	f->inode = inode;			/* the file's reference */
	return f;
err:
	kfree(sock);
	inode_put(inode);
	return ERR_PTR(-ENOMEM);
}

/* Check socket(2)'s arguments as Linux's __sock_create() does. */
static int check_socket_params(int family, int type)
{
	if (type & ~(SOCK_TYPE_MASK | SOCK_ACCEPT_FLAGS))
		return -EINVAL;
	if (family < 0 || family >= AF_MAX)
		return -EAFNOSUPPORT;
	if ((type & SOCK_TYPE_MASK) >= SOCK_MAX)
		return -EINVAL;
	if (family != AF_UNIX && family != AF_INET)
		return -EAFNOSUPPORT;
	return 0;
}

/* A socket file for socket(2)/socketpair(2), or ERR_PTR. */
static struct file *sock_create(int family, int type, int protocol)
{
	int err = check_socket_params(family, type);
	struct file *f;

	if (err)
		return ERR_PTR(err);
	f = sock_alloc_file(family, type & SOCK_TYPE_MASK, (unsigned int)type);
	if (IS_ERR(f))
		return f;
	if (family == AF_INET)
		err = inet_create(f->private_data, type & SOCK_TYPE_MASK, protocol);
	else
		err = unix_create(f->private_data, type & SOCK_TYPE_MASK, protocol);
	if (err) {
		fput(f);
		return ERR_PTR(err);
	}
	return f;
}

struct file *sockfd_lookup(int fd, struct socket **sock)
{
	struct file *f = fget(fd);

	if (!f)
		return ERR_PTR(-EBADF);
	*sock = sock_from_file(f);
	if (!*sock) {
		fput(f);
		return ERR_PTR(-ENOTSOCK);
	}
	return f;
}

int move_addr_to_kernel(const void __user *uaddr, int len, void *kaddr)
{
	if (len < 0 || len > (int)sizeof(struct __kernel_sockaddr_storage))
		return -EINVAL;
	if (len == 0)
		return 0;
	return copy_from_user(kaddr, uaddr, (size_t)len);
}

int move_addr_to_user(const void *kaddr, int klen, void __user *uaddr, int __user *ulen)
{
	int len;

	if (get_user(len, ulen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (len > klen)
		len = klen;
	if (len && copy_to_user(uaddr, kaddr, (size_t)len))
		return -EFAULT;
	return put_user(klen, ulen);
}

/* ---- socket, socketpair ---- */

static long sys_socket(int family, int type, int protocol)
{
	struct file *f = sock_create(family, type, protocol);
	int fd;

	if (IS_ERR(f))
		return PTR_ERR(f);
	fd = fd_install(f, 0, type & SOCK_CLOEXEC);
	if (fd < 0)
		fput(f);
	return fd;
}
SYSCALL(__NR_socket, sys_socket);

/* Two connected sockets, both installed and copied out, or nothing left open. */
static long sys_socketpair(int family, int type, int protocol, int __user *usv)
{
	const struct proto_ops *ops;
	struct file *pair[2];
	int err;

	pair[0] = sock_create(family, type, protocol);
	if (IS_ERR(pair[0]))
		return PTR_ERR(pair[0]);
	pair[1] = sock_create(family, type, protocol);
	if (IS_ERR(pair[1])) {
		fput(pair[0]);
		return PTR_ERR(pair[1]);
	}
	ops = ((struct socket *)pair[0]->private_data)->ops;
	err = ops->socketpair ? ops->socketpair(pair[0]->private_data, pair[1]->private_data)
			      : -EOPNOTSUPP;
	if (err) {
		fput(pair[0]);
		fput(pair[1]);
		return err;
	}
	return fd_install_pair(pair, type & SOCK_CLOEXEC, usv);
}
SYSCALL(__NR_socketpair, sys_socketpair);

/* ---- bind, connect, listen ---- */

/* bind(2) and connect(2): the same steps around a different family op. */
static long do_bind_connect(int fd, const void __user *uaddr, int len, bool connect)
{
	struct __kernel_sockaddr_storage addr;
	struct socket *sock;
	struct file *f = sockfd_lookup(fd, &sock);
	long err;

	if (IS_ERR(f))
		return PTR_ERR(f);
	err = move_addr_to_kernel(uaddr, len, &addr);
	if (!err && connect)
		err = sock->ops->connect(sock, &addr, len, f->flags & O_NONBLOCK);
	else if (!err)
		err = sock->ops->bind(sock, &addr, len);
	fput(f);
	return err;
}

static long sys_bind(int fd, const void __user *uaddr, int len)
{
	return do_bind_connect(fd, uaddr, len, /* connect= */false);
}
SYSCALL(__NR_bind, sys_bind);

static long sys_connect(int fd, const void __user *uaddr, int len)
{
	return do_bind_connect(fd, uaddr, len, /* connect= */true);
}
SYSCALL(__NR_connect, sys_connect);

static long sys_listen(int fd, int backlog)
{
	struct socket *sock;
	struct file *f = sockfd_lookup(fd, &sock);
	long err;

	if (IS_ERR(f))
		return PTR_ERR(f);
	err = sock->ops->listen(sock, backlog);
	fput(f);
	return err;
}
SYSCALL(__NR_listen, sys_listen);

/* ---- accept ---- */

/*
 * Take the next connection of listening @sock into a new file; write the
 * peer's address if asked. The new file, or ERR_PTR (the connection is
 * lost if the address cannot be written, as on Linux).
 */
static struct file *do_accept(struct file *lf, struct socket *sock, void __user *uaddr,
			      int __user *ulen, int flags)
{
	struct __kernel_sockaddr_storage addr;
	struct file *nf;
	int err, len;

	nf = sock_alloc_file(sock->family, sock->type, (unsigned int)flags);
	if (IS_ERR(nf))
		return nf;
	((struct socket *)nf->private_data)->ops = sock->ops;
	err = sock->ops->accept(sock, nf->private_data, lf->flags & O_NONBLOCK);
	if (!err && uaddr) {
		len = sock->ops->getname(nf->private_data, &addr, /* peer= */true);
		err = len < 0 ? len : move_addr_to_user(&addr, len, uaddr, ulen);
	}
	if (err) {
		fput(nf);
		return ERR_PTR(err);
	}
	return nf;
}

static long sys_accept4(int fd, void __user *uaddr, int __user *ulen, int flags)
{
	struct socket *sock;
	struct file *f, *nf;
	int nfd;

	if (flags & ~SOCK_ACCEPT_FLAGS)
		return -EINVAL;
	f = sockfd_lookup(fd, &sock);
	if (IS_ERR(f))
		return PTR_ERR(f);
	nf = do_accept(f, sock, uaddr, ulen, flags);
	fput(f);
	if (IS_ERR(nf))
		return PTR_ERR(nf);
	nfd = fd_install(nf, 0, flags & SOCK_CLOEXEC);
	if (nfd < 0)
		fput(nf);
	return nfd;
}
SYSCALL(__NR_accept4, sys_accept4);

static long sys_accept(int fd, void __user *uaddr, int __user *ulen)
{
	return sys_accept4(fd, uaddr, ulen, 0);
}
SYSCALL(__NR_accept, sys_accept);

/* ---- shutdown, names ---- */

static long sys_shutdown(int fd, int how)
{
	struct socket *sock;
	struct file *f = sockfd_lookup(fd, &sock);
	long err;

	if (IS_ERR(f))
		return PTR_ERR(f);
	err = sock->ops->shutdown(sock, how);
	fput(f);
	return err;
}
SYSCALL(__NR_shutdown, sys_shutdown);

static long do_getname(int fd, void __user *uaddr, int __user *ulen, bool peer)
{
	struct __kernel_sockaddr_storage addr;
	struct socket *sock;
	struct file *f = sockfd_lookup(fd, &sock);
	long len;

	if (IS_ERR(f))
		return PTR_ERR(f);
	len = sock->ops->getname(sock, &addr, peer);
	fput(f);
	if (len < 0)
		return len;
	return move_addr_to_user(&addr, (int)len, uaddr, ulen);
}

static long sys_getsockname(int fd, void __user *uaddr, int __user *ulen)
{
	return do_getname(fd, uaddr, ulen, /* peer= */false);
}
SYSCALL(__NR_getsockname, sys_getsockname);

static long sys_getpeername(int fd, void __user *uaddr, int __user *ulen)
{
	return do_getname(fd, uaddr, ulen, /* peer= */true);
}
SYSCALL(__NR_getpeername, sys_getpeername);

/* ---- socket options ---- */

/* SO_SNDBUF/SO_RCVBUF: doubled for bookkeeping overhead and clamped, as Linux. */
static int sock_buf_value(int val, int min)
{
	unsigned int v = MIN((unsigned int)val, (unsigned int)SOCK_BUF_MAX);

	return MAX((int)(v * 2), min);
}

/*
 * SO_RCVTIMEO/SO_SNDTIMEO's struct timeval as nanoseconds, as Linux's
 * sock_set_timeout: {0, 0} is "no timeout" (0), a negative time "do not
 * wait" (1 ns), tv_usec outside 0..999999 is EDOM.
 */
static int sock_timeout_value(const void *val, int len, uint64_t *ns)
{
	struct { long tv_sec, tv_usec; } tv;

	if (len < (int)sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0)
		*ns = 1;
	else if (tv.tv_sec >= (long)(UINT64_MAX / 2000000000ull))
		*ns = 0;			/* as good as forever */
	else
		*ns = (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000;
	return 0;
}

static int sock_setsockopt(struct socket *sock, int level, int opt, const void *val, int len)
{
	uint64_t ns;
	int v, err;

	/* _OLD and _NEW share a layout on x86-64 (64-bit seconds). */
	if (level == SOL_SOCKET && (opt == SO_RCVTIMEO_OLD || opt == SO_RCVTIMEO_NEW ||
				    opt == SO_SNDTIMEO_OLD || opt == SO_SNDTIMEO_NEW)) {
		bool rcv = opt == SO_RCVTIMEO_OLD || opt == SO_RCVTIMEO_NEW;

		err = sock_timeout_value(val, len, &ns);
		if (!err)
			WRITE_ONCE(*(rcv ? &sock->rcvtimeo : &sock->sndtimeo), ns);
		return err;
	}
	if (level == SOL_SOCKET && (opt == SO_SNDBUF || opt == SO_RCVBUF)) {
		if (len < (int)sizeof(int))
			return -EINVAL;
		memcpy(&v, val, sizeof(v));
		if (opt == SO_SNDBUF)
			WRITE_ONCE(sock->sndbuf, sock_buf_value(v, SOCK_MIN_SNDBUF));
		else
			WRITE_ONCE(sock->rcvbuf, sock_buf_value(v, SOCK_MIN_RCVBUF));
		return 0;
	}
	if (sock->ops->setsockopt)
		return sock->ops->setsockopt(sock, level, opt, val, len);
	return level == SOL_SOCKET ? -ENOPROTOOPT : -EOPNOTSUPP;
}

static long sys_setsockopt(int fd, int level, int opt, const void __user *uval, int len)
{
	char val[SOCK_OPT_MAX];
	struct socket *sock;
	struct file *f = sockfd_lookup(fd, &sock);
	long err = 0;

	if (IS_ERR(f))
		return PTR_ERR(f);
	if (len < 0)
		err = -EINVAL;
	else if (len && copy_from_user(val, uval, (size_t)MIN(len, SOCK_OPT_MAX)))
		err = -EFAULT;
	if (!err)
		err = sock_setsockopt(sock, level, opt, val, len);
	fput(f);
	return err;
}
SYSCALL(__NR_setsockopt, sys_setsockopt);

/* A timeout in ns as SO_RCVTIMEO's struct timeval; its size. */
static int sock_timeout_out(uint64_t ns, void *val)
{
	struct { long tv_sec, tv_usec; } tv = {
		.tv_sec = (long)(ns / 1000000000ull),
		.tv_usec = (long)(ns % 1000000000ull / 1000),
	};

	memcpy(val, &tv, sizeof(tv));
	return (int)sizeof(tv);
}

/* The value of an option into @val; its size or -errno. */
static int sock_getsockopt(struct socket *sock, int level, int opt, void *val)
{
	int v;

	if (level != SOL_SOCKET)
		return sock->ops->getsockopt(sock, level, opt, val);
	switch (opt) {
	case SO_TYPE:
		v = sock->type;
		break;
	case SO_DOMAIN:
		v = sock->family;
		break;
	case SO_PROTOCOL:
		v = sock->protocol;
		break;
	case SO_SNDBUF:
		v = READ_ONCE(sock->sndbuf);
		break;
	case SO_RCVBUF:
		v = READ_ONCE(sock->rcvbuf);
		break;
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
		return sock_timeout_out(READ_ONCE(sock->rcvtimeo), val);
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW:
		return sock_timeout_out(READ_ONCE(sock->sndtimeo), val);
	default:
		return sock->ops->getsockopt(sock, level, opt, val);
	}
	memcpy(val, &v, sizeof(v));
	return (int)sizeof(v);
}

static long sys_getsockopt(int fd, int level, int opt, void __user *uval, int __user *ulen)
{
	union { int i; struct ucred cred; char bytes[SOCK_OPT_MAX]; } val;
	struct socket *sock;
	struct file *f;
	int len, n;

	f = sockfd_lookup(fd, &sock);
	if (IS_ERR(f))
		return PTR_ERR(f);
	if (get_user(len, ulen))
		n = -EFAULT;
	else if (len < 0)
		n = -EINVAL;
	else
		n = sock_getsockopt(sock, level, opt, &val);
	fput(f);
	if (n < 0)
		return n;
	len = MIN(len, n);			/* a short buffer gets the head */
	if (copy_to_user(uval, &val, (size_t)len))
		return -EFAULT;
	return put_user(len, ulen);
}
SYSCALL(__NR_getsockopt, sys_getsockopt);
