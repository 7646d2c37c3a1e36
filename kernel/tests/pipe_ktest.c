/*
 * pipe_ktest.c - pipes through their kernel-buffer entry points: ring
 * wrap-around, PIPE_BUF atomicity, O_NONBLOCK, EOF, and the poll masks.
 *
 * Every pipe here is non-blocking, so nothing sleeps and no scheduler is
 * needed. Writing to a pipe without readers is not tested here (it sends
 * SIGPIPE to the current task); user/tests cover it.
 */
#include "kernel/fs/pipe.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

#ifndef PIPE_BUF
#define PIPE_BUF	4096
#endif

static unsigned int pollmask(struct file *f)
{
	return f->fop->poll(f, NULL);
}

KTEST(pipe_ring_wraparound)
{
	struct file *p[2];
	uint8_t *buf = kmalloc(PIPE_SIZE, GFP_KERNEL);
	uint8_t wnext = 0, rnext = 0;
	static const size_t writes[] = { 60000, 40000, 30000, 65536, 1, 4095 };
	static const size_t reads[] = { 50000, 30000, 40000, 65536, 9000, 100000 };

	KT_ASSERT(buf != NULL);
	KT_ASSERT_EQ(pipe_create_files(p, O_NONBLOCK), 0);
	for (unsigned int round = 0; round < ARRAY_SIZE(writes); round++) {
		size_t want = MIN(writes[round], PIPE_SIZE - pipe_bytes_ready(p[0]));
		ssize_t got;

		for (size_t i = 0; i < writes[round]; i++)
			buf[i] = (uint8_t)(wnext + i);
		got = pipe_kernel_write(p[1], buf, writes[round]);
		KT_ASSERT_EQ(got, (ssize_t)want);
		wnext += (uint8_t)got;
		got = pipe_kernel_read(p[0], buf, MIN(reads[round], (size_t)PIPE_SIZE));
		KT_ASSERT(got > 0);
		for (ssize_t i = 0; i < got; i++)
			if (buf[i] != (uint8_t)(rnext + i)) {
				ktest_fail_reason(__FILE__, __LINE__,
						  "round %u: byte %ld is %u", round,
						  (long)i, buf[i]);
				return KT_FAIL;
			}
		rnext += (uint8_t)got;
	}
	KT_ASSERT_EQ(wnext, rnext + (uint8_t)pipe_bytes_ready(p[0]));
	fput(p[0]);
	fput(p[1]);
	kfree(buf);
	return KT_PASS;
}

KTEST(pipe_atomic_nonblock)
{
	struct file *p[2];
	uint8_t *buf = kzalloc(PIPE_SIZE);

	KT_ASSERT(buf != NULL);
	KT_ASSERT_EQ(pipe_create_files(p, O_NONBLOCK), 0);
	KT_ASSERT_EQ(pipe_kernel_read(p[0], buf, 10), -EAGAIN);	/* empty */
	KT_ASSERT(!(pollmask(p[0]) & POLLIN));
	KT_ASSERT(pollmask(p[1]) & POLLOUT);
	KT_ASSERT_EQ(pipe_kernel_write(p[1], buf, PIPE_SIZE - 100), PIPE_SIZE - 100);
	KT_ASSERT(pollmask(p[0]) & POLLIN);
	KT_ASSERT(!(pollmask(p[1]) & POLLOUT));		/* < PIPE_BUF room */
	/* 200 <= PIPE_BUF bytes must go in whole or not at all. */
	KT_ASSERT_EQ(pipe_kernel_write(p[1], buf, 200), -EAGAIN);
	/* A longer write may be split: it takes the 100 bytes left. */
	KT_ASSERT_EQ(pipe_kernel_write(p[1], buf, PIPE_BUF + 1), 100);
	KT_ASSERT_EQ(pipe_kernel_write(p[1], buf, 1), -EAGAIN);
	KT_ASSERT_EQ(pipe_bytes_ready(p[0]), PIPE_SIZE);
	KT_ASSERT_EQ(pipe_kernel_read(p[0], buf, PIPE_SIZE), PIPE_SIZE);
	KT_ASSERT_EQ(pipe_kernel_write(p[1], "", 0), 0);
	fput(p[0]);
	fput(p[1]);
	kfree(buf);
	return KT_PASS;
}

KTEST(pipe_eof_hup_err)
{
	struct file *p[2];
	char buf[8];

	KT_ASSERT_EQ(pipe_create_files(p, O_NONBLOCK), 0);
	KT_ASSERT_EQ(pipe_kernel_write(p[1], "hi", 2), 2);
	fput(p[1]);					/* last writer gone */
	KT_ASSERT_EQ(pollmask(p[0]), POLLIN | POLLRDNORM | POLLHUP);
	KT_ASSERT_EQ(pipe_kernel_read(p[0], buf, sizeof(buf)), 2);	/* data first */
	KT_ASSERT_EQ(pipe_kernel_read(p[0], buf, sizeof(buf)), 0);	/* then EOF */
	KT_ASSERT_EQ(pollmask(p[0]), POLLHUP);
	fput(p[0]);

	KT_ASSERT_EQ(pipe_create_files(p, 0), 0);
	fput(p[0]);					/* last reader gone */
	KT_ASSERT(pollmask(p[1]) & POLLERR);
	fput(p[1]);
	return KT_PASS;
}
