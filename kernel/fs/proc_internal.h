/*
 * proc_internal.h - what procfs.c (the /proc tree) and proc_show.c (the
 * text of each file) share.
 *
 * A show function appends the whole content of one file to a proc_buf
 * when the file is opened. Per-task ones are called with tasklist_lock
 * held and a live task, so they must not sleep; global ones get NULL and
 * hold no lock.
 */
#ifndef KERNEL_FS_PROC_INTERNAL_H
#define KERNEL_FS_PROC_INTERNAL_H

#include "kernel/fs/fs.h"

struct task;

/* Generated text of one open /proc file (file->private_data). */
struct proc_buf {
	size_t len;			/* bytes in data */
	size_t cap;			/* bytes data can hold */
	char data[];
};

struct proc_entry {
	const char *name;
	int (*show)(struct proc_buf *b, struct task *t);	/* 0 or -errno */
	bool per_task;			/* lives in <pid>/, gets the task */
};

/* Append formatted text; output that does not fit is cut off. */
void proc_printf(struct proc_buf *b, const char *fmt, ...) __printf(2, 3);

/* Defined in proc_show.c. */
int proc_show_meminfo(struct proc_buf *b, struct task *t);
int proc_show_uptime(struct proc_buf *b, struct task *t);
int proc_show_mounts(struct proc_buf *b, struct task *t);
int proc_show_version(struct proc_buf *b, struct task *t);
int proc_show_stat(struct proc_buf *b, struct task *t);
int proc_show_cmdline(struct proc_buf *b, struct task *t);
int proc_show_status(struct proc_buf *b, struct task *t);

/* Mount table as /proc/mounts lines into @buf (super.c); the length. Takes vfs_ns_lock. */
size_t mounts_print(char *buf, size_t size);

#endif
