/*
 * sha256sum.c - /bin/sha256sum: print the SHA-256 digest of files.
 *
 *	sha256sum [FILE...]		(no FILE, or "-": standard input)
 *
 * One line per file, as GNU coreutils prints it: 64 lowercase hex
 * digits, two spaces, the name ("-" for standard input). A file that
 * cannot be read is reported on stderr and makes the exit status 1; the
 * other files are still hashed. No -c (checking a list) yet.
 *
 * The hash is written from FIPS 180-4 (Secure Hash Standard, 2015):
 *
 *   message ---> pad: 0x80, zeros, 64-bit big-endian bit length, so the
 *                whole is a multiple of 64 bytes (section 5.1.1)
 *           ---> for each 64-byte block M (section 6.2.2):
 *                  W[0..15]  = M as 16 big-endian 32-bit words
 *                  W[16..63] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]
 *                  a..h = H[0..7]; 64 rounds of
 *                    T1 = h + S1(e) + Ch(e,f,g) + K[t] + W[t]
 *                    T2 = S0(a) + Maj(a,b,c)
 *                    h=g g=f f=e e=d+T1 d=c c=b b=a a=T1+T2
 *                  H[i] += a..h
 *           ---> digest: H[0..7] big-endian (section 6.2.2, step 4)
 *
 * with the functions of section 4.1.2 (ROTR is a right rotation):
 *   Ch(x,y,z)  = (x & y) ^ (~x & z)      Maj(x,y,z) = (x&y) ^ (x&z) ^ (y&z)
 *   S0(x) = ROTR2 ^ ROTR13 ^ ROTR22      S1(x) = ROTR6 ^ ROTR11 ^ ROTR25
 *   s0(x) = ROTR7 ^ ROTR18 ^ SHR3        s1(x) = ROTR17 ^ ROTR19 ^ SHR10
 * K (section 4.2.2) is the first 32 bits of the fractional parts of the
 * cube roots of the first 64 primes, H's start (section 5.3.3) those of
 * the square roots of the first 8 primes.
 *
 * tests/net-tools-on-linux compares its output with the host's
 * sha256sum (lengths around the block and padding boundaries, a large
 * file, stdin); the network tests in the guest (tests/harness.py, the
 * net boots) use it to hash what was sent and received.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define IO_SIZE 65536

struct sha256 {
	uint32_t h[8];			/* the hash value so far */
	uint8_t block[64];		/* a partial block */
	size_t fill;			/* bytes in block */
	uint64_t bytes;			/* message length so far */
};

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_init(struct sha256 *s)
{
	static const uint32_t H0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, H0, sizeof(H0));
	s->fill = 0;
	s->bytes = 0;
}

/* One 64-byte block into the hash value (FIPS 180-4, 6.2.2). */
static void sha256_block(struct sha256 *s, const uint8_t *m)
{
	uint32_t w[64], a, b, c, d, e, f, g, h;

	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)m[4 * t] << 24 | (uint32_t)m[4 * t + 1] << 16 |
		       (uint32_t)m[4 * t + 2] << 8 | m[4 * t + 3];
	for (int t = 16; t < 64; t++) {
		uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);

		w[t] = s1 + w[t - 7] + s0 + w[t - 16];
	}
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (int t = 0; t < 64; t++) {
		uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
			      ((e & f) ^ (~e & g)) + K[t] + w[t];
		uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
			      ((a & b) ^ (a & c) ^ (b & c));

		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void sha256_update(struct sha256 *s, const uint8_t *p, size_t n)
{
	s->bytes += n;
	if (s->fill) {
		size_t take = 64 - s->fill < n ? 64 - s->fill : n;

		memcpy(s->block + s->fill, p, take);
		s->fill += take;
		p += take;
		n -= take;
		if (s->fill < 64)
			return;
		sha256_block(s, s->block);
		s->fill = 0;
	}
	for (; n >= 64; p += 64, n -= 64)
		sha256_block(s, p);
	memcpy(s->block, p, n);
	s->fill = n;
}

/* Pad (5.1.1) and write the 32-byte digest. */
static void sha256_final(struct sha256 *s, uint8_t out[32])
{
	uint64_t bits = s->bytes * 8;
	uint8_t pad[72] = { 0x80 };
	/* 0x80, then zeros up to 56 mod 64, then the 8-byte length */
	size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(s, pad, padlen + 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
}

/* Hash @fd to the end; 0, or -errno of the failed read. */
static int hash_fd(int fd, uint8_t digest[32])
{
	static uint8_t buf[IO_SIZE];
	struct sha256 s;
	ssize_t n;

	sha256_init(&s);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		sha256_update(&s, buf, (size_t)n);
	}
	sha256_final(&s, digest);
	return 0;
}

static int sum_one(const char *name)
{
	int is_stdin = !strcmp(name, "-");
	int fd = is_stdin ? 0 : open(name, O_RDONLY);
	uint8_t d[32];
	int err;

	if (fd < 0) {
		fprintf(stderr, "sha256sum: %s: %s\n", name, strerror(errno));
		return 1;
	}
	err = hash_fd(fd, d);
	if (!is_stdin)
		close(fd);
	if (err) {
		fprintf(stderr, "sha256sum: %s: %s\n", name, strerror(-err));
		return 1;
	}
	for (int i = 0; i < 32; i++)
		printf("%02x", d[i]);
	printf("  %s\n", name);
	return 0;
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc > 1 && argv[1][0] == '-' && argv[1][1]) {
		if (strcmp(argv[1], "--")) {
			fprintf(stderr, "usage: sha256sum [FILE...]\n");
			return 2;
		}
		argv++;
		argc--;
	}
	if (argc < 2)
		return sum_one("-");
	for (int i = 1; i < argc; i++)
		status |= sum_one(argv[i]);
	if (fflush(stdout) != 0)
		return 1;
	return status;
}
