/*
 * ring.c - the byte ring buffer of ring.h: segments and copies.
 *
 * Every copy is at most two memcpy()s, one up to the end of the storage and
 * one from its start; the segment functions expose the first of them so a
 * caller can copy to or from user memory without a bounce buffer.
 */
#include "kernel/lib/ring.h"
#include "kernel/lib/string.h"

void ring_init(struct ring *r, void *buf, uint32_t size)
{
	r->buf = buf;
	r->size = size;
	r->head = r->tail = 0;
}

uint32_t ring_read_seg(const struct ring *r, uint8_t **p)
{
	uint32_t off = r->tail & (r->size - 1);
	uint32_t to_end = r->size - off;
	uint32_t used = ring_used(r);

	*p = r->buf + off;
	return used < to_end ? used : to_end;
}

uint32_t ring_write_seg(const struct ring *r, uint8_t **p)
{
	uint32_t off = r->head & (r->size - 1);
	uint32_t to_end = r->size - off;
	uint32_t space = ring_space(r);

	*p = r->buf + off;
	return space < to_end ? space : to_end;
}

void ring_consume(struct ring *r, uint32_t n)
{
	r->tail += n;
}

void ring_produce(struct ring *r, uint32_t n)
{
	r->head += n;
}

size_t ring_write(struct ring *r, const void *src, size_t n)
{
	const uint8_t *s = src;
	size_t done = 0;

	while (done < n) {
		uint8_t *p;
		uint32_t seg = ring_write_seg(r, &p);

		if (!seg)
			break;
		if (seg > n - done)
			seg = (uint32_t)(n - done);
		memcpy(p, s + done, seg);
		ring_produce(r, seg);
		done += seg;
	}
	return done;
}

size_t ring_peek(const struct ring *r, size_t off, void *dst, size_t n)
{
	uint32_t used = ring_used(r);
	uint8_t *d = dst;

	if (off >= used)
		return 0;
	if (n > used - off)
		n = used - off;
	for (size_t done = 0; done < n;) {
		uint32_t slot = (uint32_t)(r->tail + off + done) & (r->size - 1);
		size_t seg = r->size - slot;

		if (seg > n - done)
			seg = n - done;
		memcpy(d + done, r->buf + slot, seg);
		done += seg;
	}
	return n;
}

size_t ring_read(struct ring *r, void *dst, size_t n)
{
	size_t got = ring_peek(r, 0, dst, n);

	ring_consume(r, (uint32_t)got);
	return got;
}
