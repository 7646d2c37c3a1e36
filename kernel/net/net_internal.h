/*
 * net_internal.h - helpers socket.c defines for sock_msg.c, the other
 * generic socket source (the families see only socket.h).
 */
#ifndef KERNEL_NET_NET_INTERNAL_H
#define KERNEL_NET_NET_INTERNAL_H

#include "kernel/net/socket.h"

/*
 * The socket behind @fd: its file with a reference (fput it) and *@sock,
 * or ERR_PTR(-EBADF) / ERR_PTR(-ENOTSOCK).
 */
struct file *sockfd_lookup(int fd, struct socket **sock);
/* Copy a user sockaddr of @len bytes into @kaddr (a sockaddr_storage): 0, -EINVAL, -EFAULT. */
int move_addr_to_kernel(const void __user *uaddr, int len, void *kaddr);
/*
 * Give the user @klen bytes of address: copies at most *@ulen of them and
 * stores @klen in *@ulen. 0, -EINVAL (negative *@ulen) or -EFAULT.
 */
int move_addr_to_user(const void *kaddr, int klen, void __user *uaddr, int __user *ulen);

#endif
