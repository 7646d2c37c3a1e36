/*
 * random.c - the kernel's one random-number generator and getrandom(2).
 *
 * Design: a single struct crng (ChaCha20 with fast key erasure, see
 * kernel/lib/random.c) under one interrupt-safe spinlock. It is seeded on
 * first use and reseeded every RESEED_INTERVAL requests from an event pool
 * that interrupt handlers feed with input timing, plus fresh RDRAND.
 *
 * How strong is it, honestly?
 *   - On a CPU with RDSEED/RDRAND (QEMU's "-cpu max" and every recent PC)
 *     the seed carries 512 bits from the CPU's hardware generator, and the
 *     output is as good as ChaCha20 keyed with that.
 *   - Without them the seed is TSC jitter, the boot clocks and a stack
 *     address. On real hardware TSC jitter holds some tens of bits; under
 *     emulation (TCG) it can be nearly predictable. Keystroke and serial
 *     timing added later helps. We never block waiting for entropy (Linux
 *     5.18+ does not either once seeded), so GRND_NONBLOCK never fails.
 *   - There is no entropy estimate; GRND_RANDOM and /dev/random behave
 *     exactly like /dev/urandom, as in Linux 5.6 and later.
 *
 * Lock: crng_lock guards crng, seeded, pool and the counters. It is taken
 * with interrupts off, so random_add_event() may run in an IRQ handler.
 * Never hold it while touching user memory.
 *
 * Users: the ELF loader (AT_RANDOM), /dev/urandom (kernel/fs/devices.c).
 */
#include "kernel/uapi.h"	/* first: its asm/stat.h has a field named __unused */
#include "kernel/random.h"
#include "kernel/errno.h"
#include "kernel/lib/random.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/syscall.h"
#include "kernel/time.h"
#include "kernel/wait.h"
#include <arch/cpu.h>
#include <arch/random.h>

#define RESEED_INTERVAL		4096	/* crng_generate() calls between reseeds */
#define COPY_CHUNK		256	/* bytes generated per lock hold */
#define SIGNAL_CHECK_BYTES	4096	/* long reads look for signals this often */
#define GETRANDOM_MAX		33554431	/* per call, as Linux's old urandom cap */
#define POOL_WORDS		4

static spinlock_t crng_lock = SPINLOCK_INIT(crng_lock);
static struct crng crng;
static bool seeded;
static uint64_t pool[POOL_WORDS];	/* events since the last reseed */
static unsigned int pool_events;

/* Gather seed material into @s (64-bit words); returns the words filled. */
static size_t collect_seed(uint64_t *s, size_t max, const char **how)
{
	size_t n = 0;
	uint64_t v, prev;

	*how = "tsc";
	if (arch_has_rdseed()) {
		for (int i = 0; i < 8 && n < max; i++)
			if (arch_rdseed64(&v))
				s[n++] = v;
		*how = "rdseed+rdrand+tsc";
	}
	if (arch_has_rdrand()) {
		for (int i = 0; i < 8 && n < max; i++)
			if (arch_rdrand64(&v))
				s[n++] = v;
		if (*how[0] == 't')
			*how = "rdrand+tsc";
	}
	/* TSC jitter: the low bits of back-to-back deltas wobble a little. */
	prev = rdtsc();
	for (int i = 0; i < 32 && n < max; i++) {
		uint64_t acc = 0, now;

		for (int j = 0; j < 8; j++) {
			now = rdtsc();
			acc = (acc << 8) | ((now - prev) & 0xff);
			prev = now;
		}
		s[n++] = acc;
	}
	if (n + 3 <= max) {
		s[n++] = clock_ns();
		s[n++] = jiffies_read();
		s[n++] = (uint64_t)(uintptr_t)&v;
	}
	return n;
}

/* Seed or reseed; crng_lock held. */
static void crng_reseed_locked(void)
{
	uint64_t seed[64];
	const char *how;
	size_t n = collect_seed(seed, ARRAY_SIZE(seed) - POOL_WORDS, &how);

	for (int i = 0; i < POOL_WORDS; i++)
		seed[n++] = pool[i];
	if (!seeded) {
		crng_init(&crng, seed, n * sizeof(seed[0]));
		seeded = true;
		printk("random: ChaCha20 generator seeded from %s\n", how);
	} else {
		crng_mix(&crng, seed, n * sizeof(seed[0]));
	}
	crng.generation = 0;
	memset(pool, 0, sizeof(pool));
	pool_events = 0;
	crng_wipe(seed, sizeof(seed));
}

/* Up to COPY_CHUNK bytes into @buf with interrupts off for a short while. */
static void crng_fill(void *buf, size_t n)
{
	unsigned long flags = spin_lock_irqsave(&crng_lock);

	if (!seeded || crng.generation >= RESEED_INTERVAL)
		crng_reseed_locked();
	crng_generate(&crng, buf, n);
	spin_unlock_irqrestore(&crng_lock, flags);
}

void get_random_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		size_t chunk = MIN(n, (size_t)COPY_CHUNK);

		crng_fill(p, chunk);
		p += chunk;
		n -= chunk;
	}
}

void random_add_event(uint64_t v)
{
	unsigned long flags = spin_lock_irqsave(&crng_lock);
	unsigned int i = pool_events++ % POOL_WORDS;

	/* A cheap mix: rotate, xor, multiply by an odd constant. */
	pool[i] = ((pool[i] << 19) | (pool[i] >> 45)) ^ v;
	pool[i] *= 0x9e3779b97f4a7c15ull;
	spin_unlock_irqrestore(&crng_lock, flags);
}

ssize_t random_read_user(void __user *buf, size_t n)
{
	uint8_t tmp[COPY_CHUNK];
	size_t done = 0;

	while (done < n) {
		size_t chunk = MIN(n - done, sizeof(tmp));

		/* A long read can be interrupted; the first chunk always goes out. */
		if (done && done % SIGNAL_CHECK_BYTES == 0 && signal_pending_current())
			break;
		crng_fill(tmp, chunk);
		if (copy_to_user((char __user *)buf + done, tmp, chunk)) {
			crng_wipe(tmp, sizeof(tmp));
			return done ? (ssize_t)done : -EFAULT;
		}
		done += chunk;
	}
	crng_wipe(tmp, sizeof(tmp));
	return (ssize_t)done;
}

ssize_t random_write_user(const void __user *buf, size_t n)
{
	uint8_t tmp[COPY_CHUNK];
	size_t done = 0;

	while (done < n) {
		size_t chunk = MIN(n - done, sizeof(tmp));
		unsigned long flags;

		if (copy_from_user(tmp, (const char __user *)buf + done, chunk))
			return done ? (ssize_t)done : -EFAULT;
		flags = spin_lock_irqsave(&crng_lock);
		if (!seeded)
			crng_reseed_locked();
		crng_mix(&crng, tmp, chunk);
		spin_unlock_irqrestore(&crng_lock, flags);
		done += chunk;
	}
	crng_wipe(tmp, sizeof(tmp));
	return (ssize_t)done;
}

/*
 * getrandom(buf, count, flags). GRND_NONBLOCK and GRND_RANDOM change
 * nothing here (the generator is seeded before it answers and never
 * blocks); GRND_INSECURE is accepted alone, and with GRND_RANDOM it is
 * EINVAL as in Linux. Any other bit is EINVAL.
 */
static long sys_getrandom(void __user *buf, size_t count, unsigned int flags)
{
	if (flags & ~(unsigned int)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	if (count > GETRANDOM_MAX)
		count = GETRANDOM_MAX;
	if (!count)
		return 0;
	if (!access_ok(buf, count))
		return -EFAULT;
	return random_read_user(buf, count);
}
SYSCALL(__NR_getrandom, sys_getrandom);
