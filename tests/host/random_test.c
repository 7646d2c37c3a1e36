/*
 * random_test.c - host unit test for ChaCha20 and the key-erasure generator
 * (kernel/lib/random.c).
 *
 * Build and run (from the repo top; `make host-tests` uses the same flags):
 *   gcc -std=gnu11 -g -O1 -Wall -Werror -I. -Iarch/x86_64/include \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       tests/host/random_test.c -o /tmp/random_test && /tmp/random_test
 *
 * The block function is checked against RFC 8439 section 2.3.2 (one block),
 * appendix A.1 test vector #1 (all-zero key and nonce) and section 2.4.2
 * (114 bytes of encryption across two blocks). The generator is checked
 * against its own definition built from chacha20_block(): output = second
 * half of block 0, then blocks 1, 2, ...; the next key = first half of
 * block 0 (so the old key is gone). Seeds must change the output, equal
 * seeds must reproduce it, and a megabyte of output must have about half
 * its bits set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/random.c"

#define HOSTTEST_SUITE "random"
#include "hosttest.h"

/* The RFC's key 00 01 02 ... 1f as little-endian words. */
static void rfc_key(uint32_t key[8])
{
	for (int i = 0; i < 8; i++)
		key[i] = (uint32_t)(4 * i) | (uint32_t)(4 * i + 1) << 8 |
			 (uint32_t)(4 * i + 2) << 16 | (uint32_t)(4 * i + 3) << 24;
}

static void unhex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static void t_block_rfc8439_2_3_2(void)
{
	static const char want_hex[] =
		"10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
		"d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e";
	uint32_t key[8], nonce[3] = { 0x09000000, 0x4a000000, 0x00000000 };
	uint8_t got[64], want[64];

	rfc_key(key);
	unhex(want_hex, want, 64);
	chacha20_block(key, 1, nonce, got);
	EXPECT(memcmp(got, want, 64) == 0, "block differs from RFC 8439 2.3.2");
}

static void t_block_zero_key(void)
{
	static const char want_hex[] =
		"76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
		"da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586";
	uint32_t key[8] = { 0 }, nonce[3] = { 0, 0, 0 };
	uint8_t got[64], want[64];

	unhex(want_hex, want, 64);
	chacha20_block(key, 0, nonce, got);
	EXPECT(memcmp(got, want, 64) == 0, "block differs from RFC 8439 A.1 #1");
}

static void t_encrypt_rfc8439_2_4_2(void)
{
	static const char pt[] = "Ladies and Gentlemen of the class of '99: If I "
		"could offer you only one tip for the future, sunscreen would be it.";
	static const char ct_hex[] =
		"6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
		"f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
		"07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
		"5af90bbf74a35be6b40b8eedf2785e42874d";
	uint32_t key[8], nonce[3] = { 0, 0x4a000000, 0 };
	uint8_t want[114], got[114];

	EXPECT(sizeof(pt) - 1 == 114, "plaintext length %zu", sizeof(pt) - 1);
	rfc_key(key);
	unhex(ct_hex, want, 114);
	chacha20_xor(key, 1, nonce, got, pt, 114);
	EXPECT(memcmp(got, want, 114) == 0, "ciphertext differs from RFC 8439 2.4.2");
	chacha20_xor(key, 1, nonce, got, got, 114);	/* in place, back again */
	EXPECT(memcmp(got, pt, 114) == 0, "decryption in place failed");
}

/* Generator output for every length 0..300 matches its definition. */
static void t_generate_definition(void)
{
	static const uint32_t zero_nonce[3];

	for (size_t n = 0; n <= 300 && !reason[0]; n++) {
		struct crng r;
		uint32_t key0[8];
		uint8_t want[400], got[400 + 16], blk[64];
		size_t have = 0;

		crng_init(&r, "seed", 4);
		memcpy(key0, r.key, sizeof(key0));
		chacha20_block(key0, 0, zero_nonce, blk);
		memcpy(want, blk + 32, 32);
		have = 32;
		for (uint32_t ctr = 1; have < n; ctr++, have += 64)
			chacha20_block(key0, ctr, zero_nonce, want + have);
		memset(got, 0xa5, sizeof(got));
		crng_generate(&r, got, n);
		EXPECT(memcmp(got, want, n) == 0, "n=%zu: output differs", n);
		EXPECT(got[n] == 0xa5, "n=%zu: wrote past the end", n);
		EXPECT(memcmp(r.key, blk, 32) == 0, "n=%zu: next key is not block 0", n);
		EXPECT(memcmp(r.key, key0, 32) != 0, "n=%zu: key not erased", n);
		EXPECT(r.generation == 1, "n=%zu: generation %llu", n,
		       (unsigned long long)r.generation);
	}
}

static void t_seeds(void)
{
	struct crng a, b, c;
	uint8_t oa[64], ob[64], oc[64], oa2[64];

	crng_init(&a, "same seed", 9);
	crng_init(&b, "same seed", 9);
	crng_init(&c, "same seeD", 9);
	crng_generate(&a, oa, 64);
	crng_generate(&b, ob, 64);
	crng_generate(&c, oc, 64);
	EXPECT(memcmp(oa, ob, 64) == 0, "equal seeds gave different output");
	EXPECT(memcmp(oa, oc, 64) != 0, "different seeds gave equal output");
	crng_generate(&a, oa2, 64);
	EXPECT(memcmp(oa, oa2, 64) != 0, "two requests returned the same bytes");
	/* Mixing (even nothing) moves the state; so does a long input. */
	crng_mix(&b, NULL, 0);
	crng_generate(&b, ob, 64);
	EXPECT(memcmp(oa2, ob, 64) != 0, "empty mix left the state alone");
	{
		char big[100];
		uint8_t o1[32], o2[32];

		memset(big, 'x', sizeof(big));
		crng_init(&a, big, sizeof(big));
		big[99] = 'y';		/* only the last chunk differs */
		crng_init(&b, big, sizeof(big));
		crng_generate(&a, o1, 32);
		crng_generate(&b, o2, 32);
		EXPECT(memcmp(o1, o2, 32) != 0, "mix ignored the tail of its input");
	}
}

static void t_bit_balance(void)
{
	enum { N = 1 << 20 };
	uint8_t *buf = malloc(N);
	unsigned long ones = 0;
	struct crng r;

	crng_init(&r, "balance", 7);
	for (size_t off = 0; off < N; off += 4096)
		crng_generate(&r, buf + off, 4096);
	for (size_t i = 0; i < N; i++)
		ones += (unsigned long)__builtin_popcount(buf[i]);
	/* 8 Mi bits: the standard deviation is ~1448; allow 10 of them. */
	EXPECT(ones > 4194304 - 14480 && ones < 4194304 + 14480, "%lu bits set", ones);
	free(buf);
}

int main(void)
{
	run("block_rfc8439_2_3_2", t_block_rfc8439_2_3_2);
	run("block_zero_key", t_block_zero_key);
	run("encrypt_rfc8439_2_4_2", t_encrypt_rfc8439_2_4_2);
	run("generate_definition", t_generate_definition);
	run("seeds", t_seeds);
	run("bit_balance", t_bit_balance);
	return failures ? 1 : 0;
}
