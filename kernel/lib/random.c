/*
 * random.c - ChaCha20 (RFC 8439) and the key-erasure generator built on it.
 *
 * The block function is the reference construction: a quarter round mixes
 * four words with add, xor and rotate; a double round applies it to the
 * four columns and then the four diagonals of the 4x4 state (picture in
 * random.h). Everything is 32-bit integer arithmetic, so it needs no SSE.
 *
 * The generator (struct crng) owns nothing but a key. Output for one
 * request is blocks 1, 2, ... of ChaCha20 under the current key; block 0 of
 * the same key becomes the next key before the request returns:
 *
 *   key_k --ChaCha20--> [ block 0 ][ block 1 ][ block 2 ] ...
 *                          |  |        \_________________ output bytes
 *                  key_k+1 |  +-- last 32 bytes: first output bytes
 *
 * Mixing new material folds it into the key 32 bytes at a time with the
 * block function used as a one-way compression (key' = first half of
 * ChaCha20(key ^ chunk)). That is the shape of a Davies-Meyer hash, not a
 * vetted extractor like the BLAKE2s Linux uses; fine for a teaching kernel.
 *
 * Seeding and locking: kernel/random.c. Test vectors: tests/host/random_test.c.
 */
#include "kernel/lib/random.h"
#include "kernel/lib/string.h"

#define ROTL32(v, n)	(((v) << (n)) | ((v) >> (32 - (n))))

/* Domain separation for crng_mix(): a nonce word output never uses. */
#define CRNG_MIX_DOMAIN	0x6d697865u	/* "mixe" */

static inline void quarter_round(uint32_t *x, int a, int b, int c, int d)
{
	x[a] += x[b]; x[d] ^= x[a]; x[d] = ROTL32(x[d], 16);
	x[c] += x[d]; x[b] ^= x[c]; x[b] = ROTL32(x[b], 12);
	x[a] += x[b]; x[d] ^= x[a]; x[d] = ROTL32(x[d], 8);
	x[c] += x[d]; x[b] ^= x[c]; x[b] = ROTL32(x[b], 7);
}

static inline uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void chacha20_block(const uint32_t key[CHACHA_KEY_WORDS], uint32_t counter,
		    const uint32_t nonce[3], uint8_t out[CHACHA_BLOCK_SIZE])
{
	uint32_t in[16], x[16];

	in[0] = 0x61707865;	/* "expa" */
	in[1] = 0x3320646e;	/* "nd 3" */
	in[2] = 0x79622d32;	/* "2-by" */
	in[3] = 0x6b206574;	/* "te k" */
	for (int i = 0; i < 8; i++)
		in[4 + i] = key[i];
	in[12] = counter;
	in[13] = nonce[0];
	in[14] = nonce[1];
	in[15] = nonce[2];
	for (int i = 0; i < 16; i++)
		x[i] = in[i];
	for (int round = 0; round < 10; round++) {
		quarter_round(x, 0, 4, 8, 12);	/* columns */
		quarter_round(x, 1, 5, 9, 13);
		quarter_round(x, 2, 6, 10, 14);
		quarter_round(x, 3, 7, 11, 15);
		quarter_round(x, 0, 5, 10, 15);	/* diagonals */
		quarter_round(x, 1, 6, 11, 12);
		quarter_round(x, 2, 7, 8, 13);
		quarter_round(x, 3, 4, 9, 14);
	}
	for (int i = 0; i < 16; i++)
		store_le32(out + 4 * i, x[i] + in[i]);
	crng_wipe(x, sizeof(x));
	crng_wipe(in, sizeof(in));
}

void chacha20_xor(const uint32_t key[CHACHA_KEY_WORDS], uint32_t counter,
		  const uint32_t nonce[3], void *dst, const void *src, size_t n)
{
	uint8_t blk[CHACHA_BLOCK_SIZE];
	const uint8_t *s = src;
	uint8_t *d = dst;

	while (n) {
		size_t chunk = n < CHACHA_BLOCK_SIZE ? n : CHACHA_BLOCK_SIZE;

		chacha20_block(key, counter++, nonce, blk);
		for (size_t i = 0; i < chunk; i++)
			d[i] = s[i] ^ blk[i];
		d += chunk;
		s += chunk;
		n -= chunk;
	}
	crng_wipe(blk, sizeof(blk));
}

void crng_wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n--)
		*v++ = 0;
}

void crng_mix(struct crng *r, const void *data, size_t n)
{
	const uint8_t *d = data;
	uint8_t blk[CHACHA_BLOCK_SIZE];
	uint32_t k[CHACHA_KEY_WORDS];
	uint32_t nonce[3] = { CRNG_MIX_DOMAIN, 0, (uint32_t)n };

	/* At least one round, so even an empty mix changes the key. */
	do {
		uint8_t chunk[CHACHA_KEY_SIZE] = { 0 };
		size_t take = n < CHACHA_KEY_SIZE ? n : CHACHA_KEY_SIZE;

		if (take)
			memcpy(chunk, d, take);
		for (int i = 0; i < CHACHA_KEY_WORDS; i++)
			k[i] = r->key[i] ^ load_le32(chunk + 4 * i);
		chacha20_block(k, 0, nonce, blk);
		for (int i = 0; i < CHACHA_KEY_WORDS; i++)
			r->key[i] = load_le32(blk + 4 * i);
		crng_wipe(chunk, sizeof(chunk));
		nonce[1]++;
		d += take;
		n -= take;
	} while (n);
	crng_wipe(k, sizeof(k));
	crng_wipe(blk, sizeof(blk));
}

void crng_init(struct crng *r, const void *seed, size_t n)
{
	memset(r, 0, sizeof(*r));
	crng_mix(r, seed, n);
}

void crng_generate(struct crng *r, void *buf, size_t n)
{
	static const uint32_t nonce[3] = { 0, 0, 0 };
	uint8_t blk[CHACHA_BLOCK_SIZE];
	uint32_t next[CHACHA_KEY_WORDS];
	uint8_t *out = buf;
	uint32_t counter = 1;
	size_t first;

	/* Block 0: the first half is the next key, the second half output. */
	chacha20_block(r->key, 0, nonce, blk);
	for (int i = 0; i < CHACHA_KEY_WORDS; i++)
		next[i] = load_le32(blk + 4 * i);
	first = n < CHACHA_BLOCK_SIZE - CHACHA_KEY_SIZE ? n : CHACHA_BLOCK_SIZE - CHACHA_KEY_SIZE;
	memcpy(out, blk + CHACHA_KEY_SIZE, first);
	out += first;
	n -= first;
	while (n) {
		size_t chunk = n < CHACHA_BLOCK_SIZE ? n : CHACHA_BLOCK_SIZE;

		chacha20_block(r->key, counter++, nonce, blk);
		memcpy(out, blk, chunk);
		out += chunk;
		n -= chunk;
	}
	memcpy(r->key, next, sizeof(next));
	r->generation++;
	crng_wipe(next, sizeof(next));
	crng_wipe(blk, sizeof(blk));
}
