/*
 * sock_msg.c - the message system calls: sendto, recvfrom, sendmsg,
 * recvmsg, with SCM_RIGHTS control messages, and the iovec copy helpers
 * the families use.
 *
 * Each call turns its user arguments into one struct sock_msg
 * (socket.h): the iovec array is copied in and checked, the address is
 * copied to a kernel sockaddr_storage, and the fds of every SCM_RIGHTS
 * control message are resolved to file references before the family
 * sees the message. On the way back the family leaves received files in
 * the sock_msg; recvmsg installs as many as the control buffer has room
 * for (honouring MSG_CMSG_CLOEXEC) and drops the rest with MSG_CTRUNC:
 *
 *   control buffer:  [cmsghdr: len, SOL_SOCKET, SCM_RIGHTS][fd][fd]...[pad]
 *                    |<------------- CMSG_SPACE(n * sizeof(int)) --------->|
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/net/net_internal.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/slab.h"

#define OPTMEM_MAX	20480		/* control buffer bound (Linux optmem_max) */

/* ---- iovec copies -------------------------------------------------------- */

/* Walk the iovec of @m from byte @off, copying @n bytes one way or the other. */
static int sock_msg_copy(struct sock_msg *m, size_t off, void *kbuf, size_t n, bool out)
{
	char *k = kbuf;

	for (int i = 0; i < m->iovcnt && n; i++) {
		size_t seg = m->iov[i].iov_len, c;
		char __user *u = m->iov[i].iov_base;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		c = MIN(seg - off, n);
		if (out ? copy_to_user(u + off, k, c) : copy_from_user(k, u + off, c))
			return -EFAULT;
		k += c;
		n -= c;
		off = 0;
	}
	return 0;
}

int sock_msg_copy_out(struct sock_msg *m, size_t off, const void *src, size_t n)
{
	return sock_msg_copy(m, off, (void *)src, n, /* out= */true);
}

int sock_msg_copy_in(void *dst, struct sock_msg *m, size_t off, size_t n)
{
	return sock_msg_copy(m, off, dst, n, /* out= */false);
}

int sock_wait_errno(int err, uint64_t timeo)
{
	if (err == -ETIMEDOUT)
		return -EAGAIN;
	return timeo ? -EINTR : -ERESTARTSYS;
}

void sock_sigpipe(const struct sock_msg *m)
{
	if (!(m->flags & MSG_NOSIGNAL) && current())
		send_signal_thread(current(), SIGPIPE, NULL);
}

void scm_files_drop(struct scm_files *fl)
{
	for (int i = 0; i < fl->n; i++)
		fput(fl->files[i]);
	kfree(fl->files);
	*fl = (struct scm_files){ .files = NULL, .n = 0 };
}

/*
 * Copy and check a user iovec array as Linux's import_iovec: at most
 * UIO_MAXIOV entries (-EMSGSIZE), no negative length (-EINVAL), every
 * segment in user space (-EFAULT); the total is capped at MAX_RW_COUNT.
 * Fills m->iov (kfree it), m->iovcnt and m->len.
 */
static int sock_msg_import_iov(struct sock_msg *m, const struct iovec __user *uiov, size_t cnt)
{
	if (cnt > UIO_MAXIOV)
		return -EMSGSIZE;
	m->iov = kmalloc(MAX(cnt, (size_t)1) * sizeof(struct iovec), 0);
	if (!m->iov)
		return -ENOMEM;
	if (copy_from_user(m->iov, uiov, cnt * sizeof(struct iovec)))
		return -EFAULT;
	m->iovcnt = (int)cnt;
	m->len = 0;
	for (size_t i = 0; i < cnt; i++) {
		struct iovec *v = &m->iov[i];

		if ((ssize_t)v->iov_len < 0)
			return -EINVAL;
		if (!access_ok(v->iov_base, v->iov_len))
			return -EFAULT;
		v->iov_len = MIN(v->iov_len, (size_t)MAX_RW_COUNT - m->len);
		m->len += v->iov_len;
	}
	return 0;
}

/* ---- SCM_RIGHTS out: parse the sender's control buffer ------------------- */

/* Resolve the @n fds at @fds into references appended to @fp. */
static int scm_add_fds(struct scm_files *fp, const int *fds, size_t n)
{
	if (!fp->files) {
		fp->files = kmalloc(SCM_MAX_FD * sizeof(struct file *), 0);
		if (!fp->files)
			return -ENOMEM;
	}
	if (fp->n + n > SCM_MAX_FD)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		struct file *f = fget(fds[i]);

		if (!f)
			return -EBADF;
		fp->files[fp->n++] = f;
	}
	return 0;
}

/*
 * Walk the control messages in @ctl (@clen bytes, kernel copy) as
 * Linux's __scm_send: a header that does not fit ends the walk, a bad
 * cmsg_len is -EINVAL, other levels are skipped, SCM_CREDENTIALS is
 * accepted and ignored, other SOL_SOCKET types are -EINVAL.
 */
static int scm_parse(struct sock_msg *m, const char *ctl, size_t clen)
{
	size_t off = 0;
	int err;

	while (off + sizeof(struct cmsghdr) <= clen) {
		struct cmsghdr h;

		memcpy(&h, ctl + off, sizeof(h));
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > clen - off)
			return -EINVAL;
		if (h.cmsg_level == SOL_SOCKET) {
			switch (h.cmsg_type) {
			case SCM_RIGHTS:
				err = scm_add_fds(&m->fp, (const int *)(ctl + off + sizeof(h)),
						  (h.cmsg_len - sizeof(h)) / sizeof(int));
				if (err)
					return err;
				break;
			case SCM_CREDENTIALS:
				break;
			default:
				return -EINVAL;
			}
		}
		off += CMSG_ALIGN(h.cmsg_len);
	}
	return 0;
}

static int scm_send(struct sock_msg *m, const void __user *uctl, size_t clen)
{
	char *ctl;
	int err;

	if (clen > INT32_MAX || clen > OPTMEM_MAX)
		return -ENOBUFS;
	if (clen < sizeof(struct cmsghdr))
		return 0;			/* no room for a header: nothing there */
	ctl = kmalloc(clen, 0);
	if (!ctl)
		return -ENOMEM;
	err = copy_from_user(ctl, uctl, clen);
	if (!err)
		err = scm_parse(m, ctl, clen);
	kfree(ctl);
	return err;
}

/* ---- SCM_RIGHTS in: give received files to the reader -------------------- */

/*
 * Install the files of @m as fds and describe them in the control buffer
 * @uctl of *@clen bytes; *@clen becomes the bytes used. Files that do not
 * fit (or find no free fd) are dropped and MSG_CTRUNC set. 0 or -EFAULT.
 */
static int scm_recv(struct sock_msg *m, void __user *uctl, size_t *clen, bool cloexec)
{
	int fds[SCM_MAX_FD], n = 0;
	long room = uctl && *clen > sizeof(struct cmsghdr)
		    ? (long)((*clen - sizeof(struct cmsghdr)) / sizeof(int)) : 0;
	struct cmsghdr h = { .cmsg_level = SOL_SOCKET, .cmsg_type = SCM_RIGHTS };
	size_t space;

	while (n < m->fp.n && n < room) {
		fds[n] = fd_install(m->fp.files[n], 0, cloexec);
		if (fds[n] < 0)
			break;
		m->fp.files[n++] = NULL;	/* the table has the reference */
	}
	if (n < m->fp.n)
		m->out_flags |= MSG_CTRUNC;
	if (!n) {
		*clen = 0;
		return 0;
	}
	h.cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
	space = MIN(CMSG_SPACE((size_t)n * sizeof(int)), *clen);
	if (copy_to_user(uctl, &h, sizeof(h)) ||
	    copy_to_user((char __user *)uctl + sizeof(h), fds, (size_t)n * sizeof(int))) {
		for (int i = 0; i < n; i++)
			files_close(current()->files, fds[i]);
		return -EFAULT;
	}
	*clen = space;
	return 0;
}

/* ---- the system calls ---------------------------------------------------- */

/*
 * The socket behind @fd for message @m, as sockfd_lookup(); the message
 * does not block if the file is O_NONBLOCK or the call says MSG_DONTWAIT.
 */
static struct file *sockfd_lookup_msg(int fd, struct sock_msg *m, struct socket **sock)
{
	struct file *f = sockfd_lookup(fd, sock);

	if (!IS_ERR(f))
		m->nonblock = (f->flags & O_NONBLOCK) || (m->flags & MSG_DONTWAIT);
	return f;
}

static ssize_t sock_sendmsg(int fd, struct sock_msg *m, const void __user *uctl, size_t clen)
{
	struct socket *sock;
	struct file *f = sockfd_lookup_msg(fd, m, &sock);
	ssize_t ret;

	if (IS_ERR(f))
		return PTR_ERR(f);
	ret = scm_send(m, uctl, clen);
	if (!ret)
		ret = sock->ops->sendmsg(sock, m);
	scm_files_drop(&m->fp);			/* what the family did not take */
	fput(f);
	return ret;
}

static long sys_sendto(int fd, const void __user *buf, size_t len, unsigned int flags,
		       const void __user *uaddr, int addrlen)
{
	struct __kernel_sockaddr_storage addr;
	struct iovec iov = { .iov_base = (void __user *)buf, .iov_len = len };
	struct sock_msg m = { .iov = &iov, .iovcnt = 1, .flags = flags };
	int err;

	iov.iov_len = m.len = MIN(len, (size_t)INT32_MAX);
	if (!access_ok(buf, m.len))
		return -EFAULT;
	if (uaddr) {
		err = move_addr_to_kernel(uaddr, addrlen, &addr);
		if (err)
			return err;
		m.name = addrlen ? &addr : NULL;
		m.namelen = addrlen;
	}
	return sock_sendmsg(fd, &m, NULL, 0);
}
SYSCALL(__NR_sendto, sys_sendto);

static long sys_sendmsg(int fd, const struct user_msghdr __user *umsg, unsigned int flags)
{
	struct __kernel_sockaddr_storage addr;
	struct user_msghdr h;
	struct sock_msg m = { .flags = flags };
	long ret;

	if (copy_from_user(&h, umsg, sizeof(h)))
		return -EFAULT;
	if (h.msg_namelen < 0)
		return -EINVAL;
	h.msg_namelen = MIN(h.msg_namelen, (int)sizeof(addr));
	ret = sock_msg_import_iov(&m, h.msg_iov, h.msg_iovlen);
	if (!ret && h.msg_name && h.msg_namelen) {
		ret = move_addr_to_kernel(h.msg_name, h.msg_namelen, &addr);
		m.name = &addr;
		m.namelen = h.msg_namelen;
	}
	if (!ret)
		ret = sock_sendmsg(fd, &m, h.msg_control, h.msg_controllen);
	kfree(m.iov);
	return ret;
}
SYSCALL(__NR_sendmsg, sys_sendmsg);

/* Receive into @m from @fd; the files received are left in @m. */
static ssize_t sock_recvmsg(int fd, struct sock_msg *m)
{
	struct socket *sock;
	struct file *f = sockfd_lookup_msg(fd, m, &sock);
	ssize_t ret;

	if (IS_ERR(f))
		return PTR_ERR(f);
	ret = sock->ops->recvmsg(sock, m);
	fput(f);
	return ret;
}

static long sys_recvfrom(int fd, void __user *buf, size_t len, unsigned int flags,
			 void __user *uaddr, int __user *ulen)
{
	struct __kernel_sockaddr_storage addr;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct sock_msg m = { .iov = &iov, .iovcnt = 1, .flags = flags, .name = &addr };
	ssize_t ret;
	int err;

	iov.iov_len = m.len = MIN(len, (size_t)INT32_MAX);
	if (!access_ok(buf, m.len))
		return -EFAULT;
	ret = sock_recvmsg(fd, &m);
	scm_files_drop(&m.fp);			/* no control buffer to put them in */
	if (ret >= 0 && uaddr) {
		err = move_addr_to_user(&addr, m.namelen, uaddr, ulen);
		if (err)
			return err;
	}
	return ret;
}
SYSCALL(__NR_recvfrom, sys_recvfrom);

/* After a successful receive: the name, the control data and the flags. */
static int recvmsg_finish(struct sock_msg *m, struct user_msghdr *h,
			  struct user_msghdr __user *umsg, unsigned int flags)
{
	size_t clen = h->msg_controllen;
	int err = 0;

	if (h->msg_name)
		err = move_addr_to_user(m->name, m->namelen, h->msg_name, &umsg->msg_namelen);
	if (!err)
		err = scm_recv(m, h->msg_control, &clen, flags & MSG_CMSG_CLOEXEC);
	if (!err)
		err = put_user(clen, &umsg->msg_controllen);
	if (!err)
		err = put_user(m->out_flags, &umsg->msg_flags);
	return err;
}

static long sys_recvmsg(int fd, struct user_msghdr __user *umsg, unsigned int flags)
{
	struct __kernel_sockaddr_storage addr;
	struct user_msghdr h;
	struct sock_msg m = { .flags = flags, .name = &addr };
	long ret;
	int err;

	if (copy_from_user(&h, umsg, sizeof(h)))
		return -EFAULT;
	if (h.msg_namelen < 0)
		return -EINVAL;
	ret = sock_msg_import_iov(&m, h.msg_iov, h.msg_iovlen);
	if (!ret)
		ret = sock_recvmsg(fd, &m);
	if (ret >= 0) {
		err = recvmsg_finish(&m, &h, umsg, flags);
		if (err)
			ret = err;
	}
	scm_files_drop(&m.fp);
	kfree(m.iov);
	return ret;
}
SYSCALL(__NR_recvmsg, sys_recvmsg);
