/*
 * random.h - the kernel's random numbers: get_random_bytes(), getrandom(2)
 * and the byte source behind /dev/urandom and /dev/random.
 *
 * One ChaCha20 generator (kernel/lib/random.c) seeded at first use from
 * RDSEED/RDRAND when the CPU has them, and always from TSC jitter and the
 * clocks; input timing (keyboard, serial) is folded in as it happens. See
 * kernel/random.c for what that is worth.
 */
#ifndef KERNEL_RANDOM_H
#define KERNEL_RANDOM_H

#include "kernel/types.h"
#include "mm/usercopy.h"

/*
 * Fill @buf with @n random bytes. Never sleeps and never fails; safe from
 * interrupt context. Seeds the generator on first use.
 */
void get_random_bytes(void *buf, size_t n);

/*
 * Fold an event's value (e.g. clock_ns() ^ byte of an input interrupt)
 * into the pool that the next reseed takes. Cheap; safe from interrupts.
 */
void random_add_event(uint64_t v);

/*
 * Copy @n random bytes to user memory. Returns @n, a shorter count if a
 * signal arrived part way (-EINTR if before any byte), or -EFAULT. May sleep
 * (page faults); call from process context.
 */
ssize_t random_read_user(void __user *buf, size_t n);

/* Mix @n bytes of user memory into the generator; @n or -EFAULT. */
ssize_t random_write_user(const void __user *buf, size_t n);

#endif
