/*
 * pipe.h - anonymous pipes as a kernel API (the syscalls are in pipe.c).
 *
 * pipe_create_files() makes one pipe and its two open files; the kernel
 * read/write entry points move bytes with kernel buffers instead of user
 * pointers, for in-kernel users and kernel/tests/pipe_ktest.c. Everything
 * else goes through the files' fop like any other file.
 */
#ifndef KERNEL_FS_PIPE_H
#define KERNEL_FS_PIPE_H

#include "kernel/fs/vfs.h"

#define PIPE_SIZE	(64 * 1024)	/* bytes a pipe holds (Linux's default) */

/*
 * Create a pipe: files[0] is the read end (O_RDONLY), files[1] the write
 * end (O_WRONLY), each with one reference and @flags (only O_NONBLOCK is
 * kept) added. Returns 0 or -ENOMEM (nothing allocated then).
 */
int pipe_create_files(struct file *files[2], unsigned int flags);

/* As read(2)/write(2) on a pipe end, with kernel buffers. May sleep. */
ssize_t pipe_kernel_read(struct file *f, void *buf, size_t n);
ssize_t pipe_kernel_write(struct file *f, const void *buf, size_t n);

/* Bytes waiting in the pipe behind @f (what FIONREAD reports). */
size_t pipe_bytes_ready(struct file *f);

#endif
