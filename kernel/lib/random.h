/*
 * random.h - the ChaCha20 block function and a key-erasure generator on it.
 *
 * Pure code with no kernel dependencies, so tests/host/random_test.c checks
 * it against the RFC 8439 test vectors. The kernel's one generator, its
 * seeding and locking live in kernel/random.c; this file only turns a
 * 256-bit key into a stream and never reads a clock or a CPU instruction.
 *
 * ChaCha20 state (RFC 8439, 2.3), sixteen 32-bit little-endian words:
 *
 *   +------------+------------+------------+------------+
 *   | "expa"     | "nd 3"     | "2-by"     | "te k"     |   constants
 *   +------------+------------+------------+------------+
 *   | key[0]     | key[1]     | key[2]     | key[3]     |
 *   +------------+------------+------------+------------+
 *   | key[4]     | key[5]     | key[6]     | key[7]     |
 *   +------------+------------+------------+------------+
 *   | counter    | nonce[0]   | nonce[1]   | nonce[2]   |
 *   +------------+------------+------------+------------+
 *
 * Twenty rounds (ten column + diagonal double rounds) scramble a copy; the
 * block is the scrambled copy plus the original, serialised little-endian.
 */
#ifndef KERNEL_LIB_RANDOM_H
#define KERNEL_LIB_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#define CHACHA_KEY_WORDS	8
#define CHACHA_KEY_SIZE		32
#define CHACHA_BLOCK_SIZE	64

/* One 64-byte ChaCha20 block for (@key, @counter, @nonce). */
void chacha20_block(const uint32_t key[CHACHA_KEY_WORDS], uint32_t counter,
		    const uint32_t nonce[3], uint8_t out[CHACHA_BLOCK_SIZE]);

/*
 * XOR @n bytes of @src with the ChaCha20 stream starting at block @counter
 * into @dst (RFC 8439, 2.4). @dst may equal @src.
 */
void chacha20_xor(const uint32_t key[CHACHA_KEY_WORDS], uint32_t counter,
		  const uint32_t nonce[3], void *dst, const void *src, size_t n);

/*
 * A "fast key erasure" generator: every crng_generate() call first derives
 * the next key from block 0 and overwrites the old one, so a later leak of
 * the state does not reveal bytes already handed out (backtrack resistance).
 * The caller serialises calls on one struct crng.
 */
struct crng {
	uint32_t key[CHACHA_KEY_WORDS];
	uint64_t generation;		/* crng_generate() calls since seeding */
};

/* Start @r from @n bytes of seed material (any length, including 0). */
void crng_init(struct crng *r, const void *seed, size_t n);
/* Fold @n more bytes into @r's key; what was known about it stays unknown. */
void crng_mix(struct crng *r, const void *data, size_t n);
/* Fill @buf with @n bytes and move to a fresh key. */
void crng_generate(struct crng *r, void *buf, size_t n);
/* Overwrite @n bytes at @p in a way the compiler may not drop. */
void crng_wipe(void *p, size_t n);

#endif
