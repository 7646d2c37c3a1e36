/*
 * usercopy.c - copy_from_user and friends (see mm/usercopy.h).
 *
 * The copy itself is arch_probe_read() (arch/x86_64/probe.S): one
 * "rep movsb" listed in the exception table. A page fault on a user address
 * first goes to the fault handler (arch/x86_64/trap.c -> vm_fault), which
 * maps demand-zero pages and returns; only a fault it cannot resolve lands
 * in the fixup and makes the copy return -EFAULT. With SMAP on, the kernel
 * may touch user pages only between stac and clac.
 */
#include "mm/usercopy.h"
#include "kernel/errno.h"
#include <arch/cpu.h>
#include <arch/probe.h>

static inline void user_access_begin(void)
{
	if (cpu_features.smap)
		stac();
}

static inline void user_access_end(void)
{
	if (cpu_features.smap)
		clac();
}

int copy_from_user(void *dst, const void __user *src, size_t n)
{
	long r;

	if (!access_ok(src, n))
		return -EFAULT;
	user_access_begin();
	r = arch_probe_read(dst, src, n);
	user_access_end();
	return r ? -EFAULT : 0;
}

int copy_to_user(void __user *dst, const void *src, size_t n)
{
	long r;

	if (!access_ok(dst, n))
		return -EFAULT;
	user_access_begin();
	r = arch_probe_write(dst, src, n);
	user_access_end();
	return r ? -EFAULT : 0;
}

int clear_user(void __user *dst, size_t n)
{
	static const char zeros[256];
	char *d = dst;

	if (!access_ok(dst, n))
		return -EFAULT;
	while (n) {
		size_t chunk = n < sizeof(zeros) ? n : sizeof(zeros);

		if (copy_to_user(d, zeros, chunk))
			return -EFAULT;
		d += chunk;
		n -= chunk;
	}
	return 0;
}

long strncpy_from_user(char *dst, const char __user *src, long max)
{
	for (long i = 0; i < max; i++) {
		if (copy_from_user(&dst[i], src + i, 1))
			return -EFAULT;
		if (!dst[i])
			return i;
	}
	return -ENAMETOOLONG;
}
