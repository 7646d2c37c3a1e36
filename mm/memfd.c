/*
 * memfd.c - memfd_create(2): an anonymous file in memory
 * (Linux's mm/memfd.c).
 *
 * A memfd is an unlinked shmem (tmpfs) file named "memfd:<name>" in
 * /proc/<pid>/fd and maps, sized with ftruncate and mapped like any other
 * file. Sealing (MFD_ALLOW_SEALING) and hugetlb memfds are not
 * implemented and give EINVAL (documented in docs/memory.md).
 */
#include "mm/internal.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/syscall.h"
#include "kernel/uapi.h"
#include "mm/shmem.h"
#include "mm/usercopy.h"

static long sys_memfd_create(const char __user *uname, unsigned long flags)
{
	char name[250 + 7] = "memfd:";
	struct file *f;
	long n;
	int fd;

	/* Linux's rule: the huge-page size bits only together with MFD_HUGETLB. */
	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB |
		      ((flags & MFD_HUGETLB) ? MFD_HUGE_MASK << MFD_HUGE_SHIFT : 0)))
		return -EINVAL;
	if (flags & (MFD_ALLOW_SEALING | MFD_HUGETLB))
		return -EINVAL;		/* sealing and hugetlb: not implemented (documented) */
	n = strncpy_from_user(name + 6, uname, 250);
	if (n == -ENAMETOOLONG)
		return -EINVAL;		/* Linux: names are limited to 249 bytes */
	if (n < 0)
		return n;
	f = shmem_file_create(name, 0, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	fd = fd_install(f, 0, flags & MFD_CLOEXEC);
	if (fd < 0)
		fput(f);
	return fd;
}
SYSCALL(__NR_memfd_create, sys_memfd_create);
