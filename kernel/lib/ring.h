/*
 * ring.h - a byte ring buffer over caller-provided storage.
 *
 * Pure code with no kernel dependencies (host test: tests/host/ring_test.c).
 * Used by pipes (kernel/fs/pipe.c); the TTY keeps its own ring because its
 * line editing needs to take bytes back off the head.
 *
 * The capacity is a power of two and the indices run freely (they wrap at
 * 2^32, never at the capacity), so "full" and "empty" need no spare slot:
 *
 *        tail (next byte to read)      head (next byte to write)
 *          v                             v
 *   +----+----+----+----+----+----+----+----+
 *   |    | D0 | D1 | D2 | D3 | D4 | D5 |    |   used = head - tail
 *   +----+----+----+----+----+----+----+----+   slot = index & (size - 1)
 *
 * Bytes are moved either through ring_read()/ring_write() (memcpy) or, to
 * copy straight to or from user memory, by asking for the contiguous
 * segment at the tail or head (ring_read_seg()/ring_write_seg()), filling
 * it, then ring_consume()/ring_produce(). No locking: the owner serialises.
 */
#ifndef KERNEL_LIB_RING_H
#define KERNEL_LIB_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ring {
	uint8_t *buf;
	uint32_t size;		/* a power of two */
	uint32_t head, tail;	/* free-running; head - tail <= size */
};

/* Use @size bytes at @buf (size a power of two, at most 2^31). */
void ring_init(struct ring *r, void *buf, uint32_t size);

static inline uint32_t ring_used(const struct ring *r)
{
	return r->head - r->tail;
}

static inline uint32_t ring_space(const struct ring *r)
{
	return r->size - ring_used(r);
}

static inline bool ring_empty(const struct ring *r)
{
	return r->head == r->tail;
}

/* Copy up to @n bytes in or out; returns how many were copied. */
size_t ring_write(struct ring *r, const void *src, size_t n);
size_t ring_read(struct ring *r, void *dst, size_t n);
/* Copy up to @n bytes from @off bytes past the tail without consuming them. */
size_t ring_peek(const struct ring *r, size_t off, void *dst, size_t n);

/* The contiguous readable bytes at the tail: *p and the length (0: empty). */
uint32_t ring_read_seg(const struct ring *r, uint8_t **p);
/* The contiguous free bytes at the head: *p and the length (0: full). */
uint32_t ring_write_seg(const struct ring *r, uint8_t **p);
void ring_consume(struct ring *r, uint32_t n);	/* n <= ring_used() */
void ring_produce(struct ring *r, uint32_t n);	/* n <= ring_space() */

#endif
