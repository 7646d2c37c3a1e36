/*
 * usercopy.h - the only way the kernel touches user memory.
 *
 * Every system call that takes a user pointer copies through these. They
 * check that the range lies in the user half, open the SMAP window
 * (stac/clac) for the copy only, and let a fault that the fault handler
 * cannot resolve (unmapped, wrong permissions) end in the exception-fixup
 * table: the copy returns -EFAULT instead of the kernel crashing.
 */
#ifndef MM_USERCOPY_H
#define MM_USERCOPY_H

#include <arch/memlayout.h>
#include "kernel/types.h"

#define __user

/* Is [p, p+n) entirely inside the user half (no wrap-around)? */
static inline bool access_ok(const void __user *p, size_t n)
{
	vaddr_t a = (vaddr_t)p;

	return a < USER_END && n <= USER_END - a;
}

/* 0 on success, -EFAULT if any byte could not be copied. */
int copy_from_user(void *dst, const void __user *src, size_t n);
int copy_to_user(void __user *dst, const void *src, size_t n);
int clear_user(void __user *dst, size_t n);
/*
 * Copy a NUL-terminated string of at most @max bytes including the NUL.
 * Returns its length (without the NUL), -EFAULT, or -ENAMETOOLONG when no
 * NUL is found within @max bytes.
 */
long strncpy_from_user(char *dst, const char __user *src, long max);
/*
 * The length of the user string at @src including its NUL (Linux's
 * strnlen_user): 0 on a fault, more than @max when no NUL is within @max
 * bytes. Reads a chunk at a time, never past the page the NUL is in.
 */
long strnlen_user(const char __user *src, long max);

/*
 * copy_from_user() for a caller holding a spinlock, which must not sleep:
 * no fault is resolved. A page that is not there yet (never touched,
 * swapped out) gives -EFAULT as if it were unmapped (arch/x86_64/trap.c
 * sends a kernel fault in atomic context straight to the exception
 * table); the caller drops its lock, faults the page in with
 * copy_from_user() and tries again (Linux's pagefault_disable() copies,
 * as kernel/futex.c reads a futex word under its bucket lock).
 */
int copy_from_user_inatomic(void *dst, const void __user *src, size_t n);

/*
 * Atomically, as one locked instruction on the user word: if *@uaddr
 * equals *@old, store @new there. Either way *@old becomes the value that
 * was found, so the caller knows it succeeded when *@old did not change.
 * Returns 0, or -EFAULT when @uaddr is not writable user memory (a
 * read-only page fails even when nothing would change). May sleep: the
 * write fault is resolved like the user's own (demand zero, COW break).
 */
int cmpxchg_user_u32(uint32_t __user *uaddr, uint32_t *old, uint32_t new);

/* Typed single values: get_user(x, uptr) / put_user(x, uptr) -> 0 / -EFAULT. */
#define get_user(x, ptr)	copy_from_user(&(x), (ptr), sizeof(*(ptr)))
#define put_user(x, ptr)	({ __typeof__(*(ptr)) __v = (x);		\
				   copy_to_user((ptr), &__v, sizeof(__v)); })

#endif
