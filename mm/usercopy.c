/*
 * usercopy.c - copy_from_user and friends (see mm/usercopy.h).
 *
 * The copy itself is arch_probe_read() (arch/x86_64/probe.S): "rep movsq"
 * and "rep movsb", both listed in the exception table. A page fault on a user address
 * first goes to the fault handler (arch/x86_64/trap.c -> vm_fault), which
 * maps demand-zero pages and returns; only a fault it cannot resolve lands
 * in the fixup and makes the copy return -EFAULT. With SMAP on, the kernel
 * may touch user pages only between stac and clac.
 *
 * Why the fault handler runs first: a user buffer may be valid but not
 * yet present (demand paging, swapped out, copy-on-write), and the copy
 * must then behave exactly as the user's own access would. Only what
 * vm_fault() refuses becomes -EFAULT:
 *
 *   rep movs --#PF--> vm_fault(addr)   resolved: retry the instruction
 *                                      refused:  fixup -> probe returns -EFAULT
 *
 * A partial copy reports -EFAULT like Linux's syscalls do; what was copied
 * before the fault stays copied. Every function here may sleep (the fault
 * it takes may read swap) and must not be called with spinlocks held: each
 * says so with might_fault() (kernel/might_sleep.h), whether or not this
 * particular copy faults, so a copy under a lock is caught the first time.
 * The one exception is copy_from_user_inatomic(), made for callers under a
 * spinlock: it never takes the fault path and fails with -EFAULT instead.
 */
#include "mm/usercopy.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/might_sleep.h"
#include <arch/cpu.h>
#include <arch/probe.h>

/*
 * Open the SMAP window: with CR4.SMAP set, supervisor accesses to user
 * pages fault unless EFLAGS.AC is set (stac). Keep the window as short as
 * one copy, so a stray kernel pointer into user memory still faults.
 */
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

/* Returns 0, or -EFAULT when @src is not all readable user memory. May sleep. */
int copy_from_user(void *dst, const void __user *src, size_t n)
{
	long r;

	might_fault();
	/* Checked first: the probe would happily read kernel addresses. */
	if (!access_ok(src, n))
		return -EFAULT;
	user_access_begin();
	r = arch_probe_read(dst, src, n);
	user_access_end();
	return r ? -EFAULT : 0;
}

/* Returns 0, or -EFAULT when @dst is not all writable user memory. May sleep. */
int copy_to_user(void __user *dst, const void *src, size_t n)
{
	long r;

	might_fault();
	if (!access_ok(dst, n))
		return -EFAULT;
	user_access_begin();
	r = arch_probe_write(dst, src, n);
	user_access_end();
	return r ? -EFAULT : 0;
}

/*
 * No might_fault(): the caller is in atomic context on purpose, and the
 * fault handler leaves every fault to the exception table. Contract in
 * usercopy.h.
 */
int copy_from_user_inatomic(void *dst, const void __user *src, size_t n)
{
	long r;

	if (!access_ok(src, n))
		return -EFAULT;
	user_access_begin();
	r = arch_probe_read(dst, src, n);
	user_access_end();
	return r ? -EFAULT : 0;
}

/* Contract in usercopy.h. May sleep. */
int cmpxchg_user_u32(uint32_t __user *uaddr, uint32_t *old, uint32_t new)
{
	long r;

	might_fault();
	if (!access_ok(uaddr, sizeof(*uaddr)))
		return -EFAULT;
	user_access_begin();
	r = arch_probe_cmpxchg32((uint32_t *)uaddr, *old, new, old);
	user_access_end();
	return r ? -EFAULT : 0;
}

/*
 * Zero @n user bytes. Copies from a small static zero buffer in chunks
 * rather than needing a zeroing probe in assembly. Returns 0 or -EFAULT.
 * May sleep.
 */
int clear_user(void __user *dst, size_t n)
{
	static const char zeros[256];
	char *d = dst;

	might_fault();
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

/*
 * Byte by byte, so it never reads past the NUL into a page that may not
 * exist (a string ending right before an unmapped page is legal). Slow
 * but simple; paths are short. Contract in usercopy.h. May sleep.
 */
long strnlen_user(const char __user *src, long max)
{
	char buf[256];
	long n = 0;

	might_fault();
	while (n < max) {
		unsigned long a = (unsigned long)src + (unsigned long)n;
		/* Within one page: a chunk never reaches an unmapped page past the NUL. */
		long chunk = MIN((long)sizeof(buf), (long)(PAGE_SIZE - (a & (PAGE_SIZE - 1))));

		chunk = MIN(chunk, max - n);
		if (copy_from_user(buf, src + n, (size_t)chunk))
			return 0;
		for (long i = 0; i < chunk; i++)
			if (!buf[i])
				return n + i + 1;
		n += chunk;
	}
	return max + 1;
}

long strncpy_from_user(char *dst, const char __user *src, long max)
{
	might_fault();
	for (long i = 0; i < max; i++) {
		if (copy_from_user(&dst[i], src + i, 1))
			return -EFAULT;
		if (!dst[i])
			return i;
	}
	return -ENAMETOOLONG;
}
