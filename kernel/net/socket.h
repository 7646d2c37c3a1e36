/*
 * socket.h - the generic socket layer: struct socket, the operations an
 * address family provides, and the kernel form of a sendmsg/recvmsg.
 *
 * A socket is an open file (kernel/fs/vfs.h) whose private_data is a
 * struct socket; socket.c owns the file operations and the socket system
 * calls and hands every family-specific step to sock->ops:
 *
 *   fd --> struct file --> struct socket --ops--> af_unix.c (AF_UNIX)
 *          (S_IFSOCK inode)  type, buffers   sk --> struct unix_sock
 *
 * Message data moves through a struct sock_msg: the caller's iovec array
 * (user pointers), an address in kernel memory, and the files of an
 * SCM_RIGHTS control message (already resolved to struct file references,
 * a struct scm_files that the family moves onto its queued message).
 *
 * The constants below are the Linux x86-64 socket ABI. The UAPI headers
 * (linux-libc-dev) do not carry them -- Linux keeps AF_*, SOCK_*, MSG_* and
 * struct msghdr in its internal include/linux/socket.h and net.h -- so
 * this is the one place that defines them (DESIGN.md, "The user ABI").
 */
#ifndef KERNEL_NET_SOCKET_H
#define KERNEL_NET_SOCKET_H

#include "kernel/fs/vfs.h"
#include <linux/socket.h>	/* __kernel_sa_family_t, sockaddr_storage */
#include <linux/un.h>		/* struct sockaddr_un, UNIX_PATH_MAX */
#include <asm/socket.h>		/* SOL_SOCKET, SO_* */
#include <linux/uio.h>		/* struct iovec, UIO_MAXIOV */

/* Address families (include/linux/socket.h). */
#define AF_UNSPEC	0
#define AF_UNIX		1
#define AF_INET		2
#define AF_MAX		46		/* NPROTO: families are below this */

/* Socket types and the flags socket(2)'s type argument may carry. */
#define SOCK_STREAM	1
#define SOCK_DGRAM	2
#define SOCK_RAW	3
#define SOCK_SEQPACKET	5
#define SOCK_MAX	11
#define SOCK_TYPE_MASK	0xf
#define SOCK_CLOEXEC	O_CLOEXEC
#define SOCK_NONBLOCK	O_NONBLOCK

/* send/recv flags. */
#define MSG_OOB		0x1
#define MSG_PEEK	0x2
#define MSG_CTRUNC	0x8
#define MSG_TRUNC	0x20
#define MSG_DONTWAIT	0x40
#define MSG_EOR		0x80
#define MSG_WAITALL	0x100
#define MSG_NOSIGNAL	0x4000
#define MSG_CMSG_CLOEXEC 0x40000000

/* Control messages at SOL_SOCKET. */
#define SCM_RIGHTS	1
#define SCM_CREDENTIALS	2
#define SCM_MAX_FD	253		/* files one sendmsg may pass */

#define SHUT_RD		0
#define SHUT_WR		1
#define SHUT_RDWR	2
#define RCV_SHUTDOWN	1		/* sk->shut bits */
#define SEND_SHUTDOWN	2
#define SHUTDOWN_MASK	3

#define SOMAXCONN	4096		/* listen(2) backlog cap */

typedef __kernel_sa_family_t sa_family_t;

/* The user structures of sendmsg/recvmsg (x86-64 layout). */
struct user_msghdr {
	void __user *msg_name;
	int msg_namelen;
	struct iovec __user *msg_iov;
	size_t msg_iovlen;
	void __user *msg_control;
	size_t msg_controllen;
	unsigned int msg_flags;
};
_Static_assert(sizeof(struct user_msghdr) == 56, "struct msghdr is ABI");

struct cmsghdr {
	size_t cmsg_len;		/* header and data, unpadded */
	int cmsg_level;
	int cmsg_type;
};
_Static_assert(sizeof(struct cmsghdr) == 16, "struct cmsghdr is ABI");

#define CMSG_ALIGN(len)	(((len) + sizeof(long) - 1) & ~(sizeof(long) - 1))
#define CMSG_LEN(len)	(sizeof(struct cmsghdr) + (len))
#define CMSG_SPACE(len)	(sizeof(struct cmsghdr) + CMSG_ALIGN(len))

struct ucred {
	int pid;
	unsigned int uid, gid;
};

/* Default and bounds of SO_SNDBUF/SO_RCVBUF (Linux's wmem/rmem_default). */
#define SOCK_BUF_DEFAULT	212992
#define SOCK_MIN_SNDBUF		4608
#define SOCK_MIN_RCVBUF		2304
#define SOCK_BUF_MAX		(4 * 1024 * 1024)

struct socket;

/*
 * The files of one SCM_RIGHTS transfer: references in a kmalloc'd array
 * (NULL: none). Whoever holds the struct owns the references; handing it
 * on with scm_files_take() moves them without touching a refcount.
 */
struct scm_files {
	struct file **files;
	int n;
};

/* The contents of @fl, which is left empty. */
static inline struct scm_files scm_files_take(struct scm_files *fl)
{
	struct scm_files taken = *fl;

	*fl = (struct scm_files){ .files = NULL, .n = 0 };
	return taken;
}

/* Drop the references of @fl and free its array; @fl is left empty. May sleep. */
void scm_files_drop(struct scm_files *fl);

/*
 * One sendmsg/recvmsg in kernel form. Send: @iov/@len is the data, @name
 * the destination (or NULL), @fp the SCM_RIGHTS files (the family takes
 * them when it returns >= 0; on error the caller still owns them).
 * Receive: @name is a buffer of sizeof(struct sockaddr_un) the family
 * fills (@namelen, 0 for "no address"); @fp holds the received files,
 * owned by the caller afterwards.
 */
struct sock_msg {
	struct iovec *iov;		/* user buffers */
	int iovcnt;
	size_t len;			/* sum of the iov lengths */
	void *name;			/* kernel sockaddr */
	int namelen;
	struct scm_files fp;		/* SCM_RIGHTS files */
	unsigned int flags;		/* MSG_* asked for */
	unsigned int out_flags;		/* recv: MSG_TRUNC/MSG_CTRUNC happened */
	bool nonblock;			/* O_NONBLOCK or MSG_DONTWAIT */
};

/*
 * What an address family implements. Every op returns 0 (or a count) or
 * -errno, may sleep, and is called with a reference on the socket's file.
 */
struct proto_ops {
	int family;
	void (*release)(struct socket *sock);		/* last close */
	/* Optional: drop a reference to the file @f; how many remain. */
	int (*put_file)(struct socket *sock, struct file *f);
	int (*bind)(struct socket *sock, const void *addr, int len);
	int (*connect)(struct socket *sock, const void *addr, int len, bool nonblock);
	int (*socketpair)(struct socket *a, struct socket *b);
	int (*listen)(struct socket *sock, int backlog);
	/* Fill @newsock (fresh, same family) with the next connection. */
	int (*accept)(struct socket *sock, struct socket *newsock, bool nonblock);
	/* Write the own (or peer) address to @addr; its length or -errno. */
	int (*getname)(struct socket *sock, void *addr, bool peer);
	unsigned int (*poll)(struct socket *sock, struct poll_table *pt);
	ssize_t (*sendmsg)(struct socket *sock, struct sock_msg *m);
	ssize_t (*recvmsg)(struct socket *sock, struct sock_msg *m);
	int (*shutdown)(struct socket *sock, int how);
	/*
	 * Options the generic layer does not answer itself: SOL_SOCKET ones
	 * (SO_ERROR, SO_PEERCRED...) and every other level. Get: bytes
	 * written to @val (room for SOCK_OPT_MAX bytes). Set (optional): @val
	 * holds the first MIN(@len, SOCK_OPT_MAX) bytes of the user's value.
	 * -ENOPROTOOPT for an unknown option, -EOPNOTSUPP for a level the
	 * family lacks.
	 */
	int (*getsockopt)(struct socket *sock, int level, int opt, void *val);
	int (*setsockopt)(struct socket *sock, int level, int opt, const void *val, int len);
	long (*ioctl)(struct socket *sock, unsigned int cmd, unsigned long arg);
};

struct socket {
	short family, type;
	struct file *file;		/* the owner (no reference) */
	const struct proto_ops *ops;
	void *sk;			/* the family's state */
	short protocol;			/* SO_PROTOCOL */
	int sndbuf, rcvbuf;		/* SO_SNDBUF/SO_RCVBUF as reported (atomic) */
	uint64_t rcvtimeo, sndtimeo;	/* SO_RCVTIMEO/SO_SNDTIMEO in ns, 0: none (atomic) */
};

#define SOCK_OPT_MAX	64		/* bytes of an option value passed to a family */

extern const struct proto_ops unix_proto_ops;

/* AF_INET's constructor (kernel/net/inet/af_inet.c), as unix_create. */
int inet_create(struct socket *sock, int type, int protocol);

/* The family's constructor: fill @sock->sk for @type; 0 or -errno. */
int unix_create(struct socket *sock, int type, int protocol);
/* Boot: start AF_UNIX's collector of SCM_RIGHTS cycles (unix_gc.c). */
void unix_gc_init(void);

/*
 * A socket file's struct socket, or NULL if @f is not a socket. No
 * reference is taken: the caller keeps @f alive.
 */
struct socket *sock_from_file(struct file *f);

/*
 * Copy @n bytes between kernel memory and the user iovec of @m, starting
 * @off bytes into it. 0 or -EFAULT. May sleep (faults).
 */
int sock_msg_copy_out(struct sock_msg *m, size_t off, const void *src, size_t n);
int sock_msg_copy_in(void *dst, struct sock_msg *m, size_t off, size_t n);

/*
 * The errno of a socket wait cut short (wait_event_interruptible_timeout()
 * or inet_wait()): -ETIMEDOUT, SO_RCVTIMEO/SO_SNDTIMEO ran out, is EAGAIN;
 * a signal is EINTR under a timeout (@timeo ns, 0: none) and a restart
 * without one, as Linux's sock_intr_errno.
 */
int sock_wait_errno(int err, uint64_t timeo);
/* A send failed with EPIPE: SIGPIPE to the caller unless MSG_NOSIGNAL. */
void sock_sigpipe(const struct sock_msg *m);

/* The task-independent part of SO_PEERCRED for the current task. */
struct ucred sock_current_cred(void);

/* Boot, after vfs_init(): create the sockets' super block (sockfs). */
void sockfs_init(void);

#endif
