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

enum { OPS = 20000 };	/* random operations per run */

/* The ring under test, its storage and the naive oracle next to it. */
struct ring_run {
	struct ring r;
	uint8_t *store;
	uint32_t size;
	uint8_t *oracle;	/* every byte written, in order */
	size_t o_head, o_tail;	/* oracle write and read offsets */
	uint8_t next;		/* value of the next byte to write */
	uint8_t tmp[300];
};

/* Write @n bytes; as many as fit must be taken. */
static void op_write(struct ring_run *s, int op, size_t n)
{
	size_t got, room = s->size - (s->o_head - s->o_tail);

	for (size_t i = 0; i < n; i++)
		s->tmp[i] = s->next++;
	got = ring_write(&s->r, s->tmp, n);
	EXPECT(got == (n < room ? n : room),
	       "op %d: wrote %zu of %zu", op, got, n);
	memcpy(s->oracle + s->o_head, s->tmp, got);
	s->next -= (uint8_t)(n - got);
	s->o_head += got;
}

/* Read up to @n bytes; they must be the oldest ones written. */
static void op_read(struct ring_run *s, int op, size_t n)
{
	size_t used = s->o_head - s->o_tail;
	size_t got = ring_read(&s->r, s->tmp, n);

	EXPECT(got == (n < used ? n : used),
	       "op %d: read %zu of %zu", op, got, n);
	EXPECT(memcmp(s->tmp, s->oracle + s->o_tail, got) == 0,
	       "op %d: wrong bytes", op);
	s->o_tail += got;
}

/* Peek at up to @n bytes from a random offset, consuming nothing. */
static void op_peek(struct ring_run *s, int op, size_t n)
{
	size_t used = s->o_head - s->o_tail;
	size_t off = rng_below(s->size + 1);
	size_t got = ring_peek(&s->r, off, s->tmp, n);

	if (off >= used)
		EXPECT(got == 0, "op %d: peek past the end gave %zu", op, got);
	else
		EXPECT(got == (n < used - off ? n : used - off) &&
		       memcmp(s->tmp, s->oracle + s->o_tail + off, got) == 0,
		       "op %d: peek(%zu, %zu) wrong", op, off, n);
}

/* Segment read, as the pipe does: consume at most @n bytes of it. */
static void op_read_seg(struct ring_run *s, int op, size_t n)
{
	uint8_t *p;
	uint32_t seg = ring_read_seg(&s->r, &p);

	EXPECT(seg <= s->o_head - s->o_tail,
	       "op %d: segment %u too long", op, seg);
	EXPECT(p >= s->store && p + seg <= s->store + s->size,
	       "op %d: segment outside", op);
	EXPECT(memcmp(p, s->oracle + s->o_tail, seg) == 0,
	       "op %d: segment bytes", op);
	if (seg > n)
		seg = (uint32_t)n;
	ring_consume(&s->r, seg);
	s->o_tail += seg;
}

/* The ring's counters must agree with the oracle after every step. */
static void check_invariants(struct ring_run *s, int op)
{
	struct ring *r = &s->r;

	EXPECT(ring_used(r) == s->o_head - s->o_tail,
	       "op %d: used %u, oracle %zu", op, ring_used(r),
	       s->o_head - s->o_tail);
	EXPECT(ring_used(r) + ring_space(r) == s->size,
	       "op %d: used + space", op);
	EXPECT(ring_empty(r) == (s->o_head == s->o_tail), "op %d: empty", op);
}

static void random_ops(uint32_t size, uint32_t start_index)
{
	struct ring_run s = { .size = size };

	s.store = malloc(size);
	s.oracle = malloc((size_t)OPS * 64 + size);
	ring_init(&s.r, s.store, size);
	s.r.head = s.r.tail = start_index;
	for (int op = 0; op < OPS && !reason[0]; op++) {
		size_t n = rng_below(size + 20 < 300 ? size + 20 : 300);

		switch (rng_below(4)) {
		case 0:
			op_write(&s, op, n);
			break;
		case 1:
			op_read(&s, op, n);
			break;
		case 2:
			op_peek(&s, op, n);
			break;
		default:
			op_read_seg(&s, op, n);
			break;
		}
		check_invariants(&s, op);
	}
	free(s.store);
	free(s.oracle);
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
