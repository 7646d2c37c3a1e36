/*
 * brk_malloc.c - a small malloc for the Linux mm selftests that takes all
 * its memory from the program break, as glibc's does for small blocks.
 *
 * Why: musl's malloc (mallocng) serves small blocks from fresh anonymous
 * mmaps.  Such a mapping can land right next to one the test itself made
 * and merge with it into one VMA, and tests that look their mapping up in
 * /proc/self/smaps (madv_populate, soft-dirty) then find a VMA of the
 * wrong size and bail out - on every kernel, Linux included.  The
 * selftests are written against glibc, whose small blocks live in the
 * brk heap, far from the mmap area.  Linking this file into each test
 * binary gives them the same layout under musl.
 *
 * Design: power-of-two size classes from 16 bytes up; every block has a
 * 16-byte header holding its class.  Freed blocks go on a per-class free
 * list and are reused, never given back.  Large blocks are classes too,
 * so everything stays on the heap.  The break grows with brk(2), read
 * afresh each time, in steps of at least 64 KiB.  One spinlock makes it
 * safe for the few tests that start threads.
 *
 * musl lets a static program replace malloc by defining malloc, free,
 * calloc, realloc, aligned_alloc, posix_memalign, memalign and
 * malloc_usable_size (musl 1.2.1+ "malloc replacement").  Build it with
 * -fno-builtin, or gcc turns calloc's malloc+memset back into calloc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HDR		16		/* header size; keeps 16-byte alignment */
#define MIN_SHIFT	4		/* smallest class: 16 bytes of payload */
#define NCLASSES	44		/* up to 2^47: more than any test asks */
#define GROW_STEP	(64 * 1024)

struct block {
	union {
		struct block *next;	/* on a free list */
		size_t class;		/* in use: its class */
	};
	size_t magic;
};

#define MAGIC_USED	0x6272b10cUL
#define MAGIC_FREE	0x6272f4eeUL

static struct block *free_list[NCLASSES];	/* guarded by lock */
static char *heap_cur, *heap_end;		/* guarded by lock */
static volatile int lock;

static void take(void)
{
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static void give(void)
{
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

/* The class whose payload (2^(class + MIN_SHIFT)) holds @n bytes, or -1. */
static int class_of(size_t n)
{
	int c = 0;

	while (c < NCLASSES && ((size_t)1 << (c + MIN_SHIFT)) < n)
		c++;
	return c < NCLASSES ? c : -1;
}

/* Carve @bytes off the heap, growing the break; NULL when brk refuses. */
static void *heap_take(size_t bytes)
{
	if ((size_t)(heap_end - heap_cur) < bytes) {
		char *brk0 = (char *)syscall(SYS_brk, 0);
		size_t want = bytes > GROW_STEP ? bytes : GROW_STEP;
		char *end;

		/* Someone else moved the break: start afresh at its top. */
		if (brk0 != heap_end)
			heap_cur = heap_end = (char *)(((uintptr_t)brk0 + 15) & ~(uintptr_t)15);
		end = heap_cur + want;
		if (end < heap_cur || (char *)syscall(SYS_brk, end) != end)
			return NULL;
		heap_end = end;
	}
	heap_cur += bytes;
	return heap_cur - bytes;
}

void *malloc(size_t n)
{
	struct block *b;
	int c = class_of(n ? n : 1);

	if (c < 0) {
		errno = ENOMEM;
		return NULL;
	}
	take();
	b = free_list[c];
	if (b)
		free_list[c] = b->next;
	else
		b = heap_take(HDR + ((size_t)1 << (c + MIN_SHIFT)));
	if (b) {
		b->class = c;
		b->magic = MAGIC_USED;
	}
	give();
	if (!b) {
		errno = ENOMEM;
		return NULL;
	}
	return (char *)b + HDR;
}

/*
 * Aligned blocks: over-allocate and place a second header just before the
 * aligned address, recording how far the real payload lies below it, so
 * that free(), realloc() and malloc_usable_size() find the real block.
 */
#define MAGIC_ALIGNED	0x6272a119UL

struct aligned_hdr {
	size_t offset;		/* from the real payload to this one */
	size_t magic;
};

/* The block header of payload @p, looking through an aligned header. */
static struct block *block_of(void *p)
{
	struct aligned_hdr *h = (struct aligned_hdr *)((char *)p - HDR);

	if (h->magic == MAGIC_ALIGNED)
		p = (char *)p - h->offset;
	return (struct block *)((char *)p - HDR);
}

void free(void *p)
{
	struct block *b;

	if (!p)
		return;
	b = block_of(p);
	if (b->magic != MAGIC_USED)
		__builtin_trap();	/* double free or a foreign pointer */
	take();
	b->magic = MAGIC_FREE;
	b->next = free_list[b->class];
	free_list[b->class] = b;
	give();
}

size_t malloc_usable_size(void *p)
{
	struct block *b;

	if (!p)
		return 0;
	b = block_of(p);
	/* An aligned payload starts inside its block: count from there. */
	return ((size_t)1 << (b->class + MIN_SHIFT)) - ((char *)p - ((char *)b + HDR));
}

void *calloc(size_t m, size_t n)
{
	void *p;

	if (n && m > SIZE_MAX / n) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(m * n);
	if (p)
		memset(p, 0, m * n);	/* reused blocks are not zero */
	return p;
}

void *realloc(void *p, size_t n)
{
	void *q;
	size_t old;

	if (!p)
		return malloc(n);
	old = malloc_usable_size(p);
	if (n && n <= old)
		return p;
	q = malloc(n);
	if (q) {
		memcpy(q, p, old < n ? old : n);
		free(p);
	}
	return q;
}

void *aligned_alloc(size_t align, size_t n)
{
	char *p, *q;
	struct aligned_hdr *h;

	if (align <= HDR)
		return malloc(n);
	if (align & (align - 1)) {
		errno = EINVAL;
		return NULL;
	}
	p = malloc(n + align + HDR);
	if (!p)
		return NULL;
	q = (char *)(((uintptr_t)p + HDR + align - 1) & ~(uintptr_t)(align - 1));
	h = (struct aligned_hdr *)(q - HDR);
	h->offset = q - p;
	h->magic = MAGIC_ALIGNED;
	return q;
}

int posix_memalign(void **res, size_t align, size_t n)
{
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	p = aligned_alloc(align, n);
	if (!p)
		return ENOMEM;
	*res = p;
	return 0;
}

void *memalign(size_t align, size_t n)
{
	return aligned_alloc(align, n);
}
