/*
 * ring_test.c - host unit test for the byte ring buffer (kernel/lib/ring.c).
 *
 * Build and run (from the repo top; `make host-tests` uses the same flags):
 *   gcc -std=gnu11 -g -O1 -Wall -Werror -I. -Iarch/x86_64/include \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       tests/host/ring_test.c -o /tmp/ring_test && /tmp/ring_test
 *
 * Seeded random writes, reads, peeks and segment copies run against a naive
 * oracle (a large linear array with read and write offsets), with the
 * invariants (used + space == size, used == oracle length) checked after
 * every step. The indices start just below 2^32 in one run, so their
 * wrap-around is exercised too. The storage is malloc()ed to its exact
 * size, so AddressSanitizer catches a copy past the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/ring.c"

#define HOSTTEST_SUITE "ring"
#include "hosttest.h"

static void random_ops(uint32_t size, uint32_t start_index)
{
	enum { OPS = 20000 };
	uint8_t *store = malloc(size);
	uint8_t *oracle = malloc((size_t)OPS * 64 + size);
	size_t o_head = 0, o_tail = 0;
	uint8_t next = 0, tmp[300];
	struct ring r;

	ring_init(&r, store, size);
	r.head = r.tail = start_index;
	for (int op = 0; op < OPS && !reason[0]; op++) {
		size_t n = rng_below(size + 20 < 300 ? size + 20 : 300);
		size_t got;

		switch (rng_below(4)) {
		case 0:		/* write */
			for (size_t i = 0; i < n; i++)
				tmp[i] = next++;
			got = ring_write(&r, tmp, n);
			EXPECT(got == (n < size - (o_head - o_tail) ? n : size - (o_head - o_tail)),
			       "op %d: wrote %zu of %zu", op, got, n);
			memcpy(oracle + o_head, tmp, got);
			next -= (uint8_t)(n - got);
			o_head += got;
			break;
		case 1:		/* read */
			got = ring_read(&r, tmp, n);
			EXPECT(got == (n < o_head - o_tail ? n : o_head - o_tail),
			       "op %d: read %zu of %zu", op, got, n);
			EXPECT(memcmp(tmp, oracle + o_tail, got) == 0, "op %d: wrong bytes", op);
			o_tail += got;
			break;
		case 2: {	/* peek at an offset */
			size_t off = rng_below(size + 1);

			got = ring_peek(&r, off, tmp, n);
			if (off >= o_head - o_tail)
				EXPECT(got == 0, "op %d: peek past the end gave %zu", op, got);
			else
				EXPECT(got == (n < o_head - o_tail - off ? n : o_head - o_tail - off) &&
				       memcmp(tmp, oracle + o_tail + off, got) == 0,
				       "op %d: peek(%zu, %zu) wrong", op, off, n);
			break;
		}
		default: {	/* segment read, as the pipe does */
			uint8_t *p;
			uint32_t seg = ring_read_seg(&r, &p);

			EXPECT(seg <= o_head - o_tail, "op %d: segment %u too long", op, seg);
			EXPECT(p >= store && p + seg <= store + size, "op %d: segment outside", op);
			EXPECT(memcmp(p, oracle + o_tail, seg) == 0, "op %d: segment bytes", op);
			if (seg > n)
				seg = (uint32_t)n;
			ring_consume(&r, seg);
			o_tail += seg;
			break;
		}
		}
		EXPECT(ring_used(&r) == o_head - o_tail, "op %d: used %u, oracle %zu", op,
		       ring_used(&r), o_head - o_tail);
		EXPECT(ring_used(&r) + ring_space(&r) == size, "op %d: used + space", op);
		EXPECT(ring_empty(&r) == (o_head == o_tail), "op %d: empty", op);
	}
	free(store);
	free(oracle);
}

static void t_small(void)
{
	rng_seed(1);
	random_ops(16, 0);
}

static void t_page(void)
{
	rng_seed(2);
	random_ops(4096, 0);
}

static void t_index_wrap(void)
{
	rng_seed(3);
	random_ops(64, 0xffffff00u);
}

static void t_full_and_empty(void)
{
	uint8_t store[8], out[8];
	struct ring r;
	uint8_t *p;

	ring_init(&r, store, 8);
	EXPECT(ring_write(&r, "abcdefghij", 10) == 8, "filled beyond capacity");
	EXPECT(ring_space(&r) == 0 && ring_write_seg(&r, &p) == 0, "full ring has space");
	EXPECT(ring_read(&r, out, 3) == 3 && memcmp(out, "abc", 3) == 0, "read abc");
	EXPECT(ring_write(&r, "XYZ", 3) == 3, "refill after wrap");
	EXPECT(ring_read(&r, out, 8) == 8 && memcmp(out, "defghXYZ", 8) == 0, "wrapped read");
	EXPECT(ring_empty(&r) && ring_read_seg(&r, &p) == 0, "not empty at the end");
}

int main(void)
{
	run("small", t_small);
	run("page", t_page);
	run("index_wrap", t_index_wrap);
	run("full_and_empty", t_full_and_empty);
	return failures ? 1 : 0;
}
