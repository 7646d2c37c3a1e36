/*
 * proc_internal.h - what procfs.c (the /proc tree and its buffers),
 * proc_show.c (the text of the task and system files), proc_vm.c (the
 * memory views: maps, smaps, pagemap, vmstat), proc_rmap.c (the views
 * of physical frames: kpagecount, kpageflags, pagoda/rmap),
 * proc_sysctl.c (the knobs of /proc/sys) and proc_net.c (/proc/net)
 * share.
 *
 * Most files are generated whole when they are opened: a show function
 * appends text to a proc_buf, a list of page-sized chunks that grows as
 * needed, so no output is ever cut short. How a show function is called
 * depends on the entry's kind, which decides the locks it runs under:
 *
 *   PROC_GLOBAL  no task, no lock held; may sleep
 *   PROC_TASK    tasklist_lock held (a spinlock): must not sleep; gets the
 *                live task and a snapshot of its memory counters
 *   PROC_MM      the task's mm, referenced, with the mmap lock held; may
 *                sleep, must not touch the task (it may be gone); or,
 *                write-only (clear_refs), a number written for the mm
 *   PROC_RAW     nothing generated: read() looks up just the bytes asked
 *                for, in the task's page tables (pagemap) or in the
 *                memmap (kpagecount, kpageflags: pid 0); may sleep
 *   PROC_QUERY   a transaction file: each write(2) is a request that
 *                query() answers into a fresh buffer, no lock held (may
 *                sleep); read(2) on the same open file returns the answer
 *   PROC_SYSCTL  an integer knob of /proc/sys (proc_sysctl.c): its value
 *                is generated at open like PROC_GLOBAL; a write(2) sets it
 *   PROC_MEM     <pid>/mem (proc_mem.c): the open file holds the task's
 *                mm (access checked at open); read/write at the position
 *                reach that address through get_user_pages; may sleep
 *
 * Locks taken while generating (maps: the mmap lock, then vfs_ns_lock for
 * paths; rmap: anon_vma or i_mmap_lock, then tasklist_lock) follow the
 * lock order in docs/locking.md.
 */
#ifndef KERNEL_FS_PROC_INTERNAL_H
#define KERNEL_FS_PROC_INTERNAL_H

#include "kernel/fs/fs.h"
#include <arch/memlayout.h>

struct task;
struct mm;

/* One chunk of generated text; chunks are filled in order, some not full. */
struct proc_chunk {
	struct proc_chunk *next;
	size_t len;			/* bytes used in data */
	size_t cap;			/* bytes data can hold */
	char data[];
};

/* Generated text of one open /proc file (file->private_data). */
struct proc_buf {
	size_t len;			/* bytes in all chunks */
	int err;			/* -ENOMEM once an append has failed */
	struct proc_chunk *head, *tail;
};

/*
 * A task's memory, copied under its mmap lock before tasklist_lock is
 * taken (PROC_TASK files cannot sleep, so they cannot take it). Pages.
 */
struct proc_mm_stats {
	unsigned long total_vm, locked_vm, pgtables;
	unsigned long rss_anon, rss_file, rss_shmem, swap_ents;
	unsigned long data_vm, stack_vm, exec_vm;
	unsigned long start_stack, start_brk, arg_start, arg_end, env_start, env_end;
};

/* What a show function is handed; which fields are set depends on the kind. */
struct proc_ctx {
	struct task *task;			/* PROC_TASK: live, tasklist_lock held */
	const struct proc_mm_stats *vm;		/* PROC_TASK: NULL when it has no mm */
	struct mm *mm;				/* PROC_MM: mmap lock held */
};

enum proc_kind { PROC_GLOBAL, PROC_TASK, PROC_MM, PROC_RAW, PROC_QUERY, PROC_SYSCTL, PROC_MEM };

/*
 * One integer knob of /proc/sys: the variable, the values a write may set
 * (others: EINVAL), the capability a writer needs (-1: none; lacking it:
 * EPERM) and what else a write changes (NULL: nothing).
 */
struct ctl_knob {
	long *data;
	long min, max;
	int write_cap;
	void (*written)(long value);
};

/* The longest request a PROC_QUERY file takes in one write (EINVAL beyond). */
#define PROC_QUERY_MAX	128

struct proc_entry {
	const char *name;
	enum proc_kind kind;
	/* Append the file's text; 0 or -errno. PROC_GLOBAL, _TASK, _MM. */
	int (*show)(struct proc_buf *b, const struct proc_ctx *c);
	/*
	 * PROC_RAW: read @n bytes at *@pos of task @pid's view (pid 0: a
	 * global file); bytes or -errno.
	 */
	ssize_t (*read)(pid_t pid, struct fs_buf buf, size_t n, loff_t *pos);
	loff_t (*size)(void);		/* PROC_RAW: the file's size for SEEK_END */
	/*
	 * PROC_QUERY: answer the request @req (the text written, NUL-terminated,
	 * one trailing newline removed) into @b; 0, or -errno for write(2).
	 */
	int (*query)(struct proc_buf *b, const char *req);
	const struct ctl_knob *knob;	/* PROC_SYSCTL */
	/*
	 * PROC_TASK files that take a write (a decimal number, as
	 * oom_score_adj): set it on live task @t (tasklist_lock held);
	 * 0 or -errno. NULL: writes give EINVAL.
	 */
	int (*store)(struct task *t, long value);
	/*
	 * PROC_MM files that take a write and have no text (clear_refs):
	 * apply @value, already parsed as Linux's kstrtoint, to the task's
	 * @mm (referenced; no lock held, may sleep); 0 or -errno.
	 */
	int (*mm_store)(struct mm *mm, long value);
	/*
	 * PROC_GLOBAL files that take a write: apply the text written
	 * (NUL-terminated, at most PROC_QUERY_MAX bytes); 0 or -errno.
	 */
	int (*set)(const char *req);
	umode_t mode;			/* permission bits; 0 means 0444 */
};

/* ---- proc_show.c: the writable task files ---- */
int proc_show_oom_score(struct proc_buf *b, const struct proc_ctx *c);
int proc_show_oom_score_adj(struct proc_buf *b, const struct proc_ctx *c);
int proc_store_oom_score_adj(struct task *t, long value);
int proc_show_make_it_fail(struct proc_buf *b, const struct proc_ctx *c);
int proc_store_make_it_fail(struct task *t, long value);
int proc_show_fail_alloc(struct proc_buf *b, const struct proc_ctx *c);
int proc_show_lwip(struct proc_buf *b, const struct proc_ctx *c);

/* ---- procfs.c ---- */

/* Append formatted text / @n bytes; on allocation failure set b->err. */
void proc_printf(struct proc_buf *b, const char *fmt, ...) __printf(2, 3);
void proc_write(struct proc_buf *b, const void *data, size_t n);
/*
 * Task @pid's address space with a reference (drop it with mm_put()), or
 * NULL when it has none (kernel thread, zombie), or ERR_PTR(-ESRCH) when
 * there is no such live task. Takes tasklist_lock; does not sleep.
 */
struct mm *proc_get_task_mm(pid_t pid);
/* A new D_DYNAMIC directory dentry under @parent, with @iops (their evict: proc_evict). */
struct dentry *proc_dir_dentry(struct dentry *parent, const char *name,
			       const struct inode_operations *iops, uint64_t ino);
/*
 * A directory of the fixed files @files[@nr], numbered @first_ino + i:
 * lookup gives a new D_DYNAMIC dentry of @name (file of task @pid, 0 for
 * global ones) or ERR_PTR(-ENOENT/-ENOMEM); iterate lists ".", ".." and
 * the files (cookies DIR_COOKIE_FIRST + i). No lock taken; may allocate.
 */
struct dentry *proc_table_lookup(struct dentry *parent, const char *name,
				 const struct proc_entry *files, size_t nr, pid_t pid,
				 uint64_t first_ino);
int proc_table_iterate(struct file *f, struct dir_context *ctx,
		       const struct proc_entry *files, size_t nr, uint64_t first_ino);
/* i_op->evict of every /proc inode: frees what procfs hung on it. */
void proc_evict(struct inode *inode);

/* ---- proc_sysctl.c ---- */

/* /proc/sys: its directory operations and inode number (root lookup). */
extern const struct inode_operations proc_sys_iops;
#define PROC_SYS_INO	(1ull << 40)	/* above every (pid + 1) << 4 | file */
/* A knob's value as text ("65536\n"). */
int proc_sysctl_show(struct proc_buf *b, const struct ctl_knob *k);
/* "  -12\n" -> -12; false for anything that is not one decimal number. */
bool proc_parse_long(const char *s, long *out);
/* Parse and set a knob from @n bytes at @buf: @n or -EINVAL/-EPERM/-EFAULT. */
ssize_t proc_sysctl_write(const struct ctl_knob *k, struct fs_buf buf, size_t n);

/* ---- proc_net.c ---- */

/* /proc/net and every <pid>/net: the directory's operations and inode number. */
extern const struct inode_operations proc_net_iops;
#define PROC_NET_INO	(2ull << 40)	/* net/; its files PROC_NET_INO + 1 + i */

/* ---- proc_show.c ---- */

int proc_show_meminfo(struct proc_buf *b, const struct proc_ctx *c);
int proc_show_uptime(struct proc_buf *b, const struct proc_ctx *c);
int proc_show_mounts(struct proc_buf *b, const struct proc_ctx *c);
int proc_show_version(struct proc_buf *b, const struct proc_ctx *c);
int proc_show_cpuinfo(struct proc_buf *b, const struct proc_ctx *c);
int proc_show_stat_global(struct proc_buf *b, const struct proc_ctx *c);
int proc_show_stat(struct proc_buf *b, const struct proc_ctx *c);
int proc_show_status(struct proc_buf *b, const struct proc_ctx *c);

/* ---- proc_vm.c ---- */

int proc_show_vmstat(struct proc_buf *b, const struct proc_ctx *c);
int proc_show_swaps(struct proc_buf *b, const struct proc_ctx *c);
int proc_show_maps(struct proc_buf *b, const struct proc_ctx *c);
int proc_show_smaps(struct proc_buf *b, const struct proc_ctx *c);
int proc_show_cmdline(struct proc_buf *b, const struct proc_ctx *c);
ssize_t proc_pagemap_read(pid_t pid, struct fs_buf buf, size_t n, loff_t *pos);
/* The size of the pagemap file: 8 bytes per page of the user half. */
loff_t proc_pagemap_size(void);
/* <pid>/clear_refs: a write of 1..5 (enum clear_refs_type), else -EINVAL. */
int proc_clear_refs(struct mm *mm, long value);
/* Fill @st from @mm; mmap lock held. */
void proc_mm_stats(struct mm *mm, struct proc_mm_stats *st);

/* ---- proc_mem.c: <pid>/mem ---- */

/*
 * Open: the caller may attach to task @pid (else -EACCES; -ESRCH when it
 * is gone); f->private_data becomes its mm, referenced (NULL: it has none).
 * Takes tasklist_lock; does not sleep.
 */
int proc_mem_open(pid_t pid, struct file *f);
/*
 * Read or write @n bytes at address *@pos of the file's mm, GUP_FORCE,
 * advancing *@pos by what was copied. Returns the bytes, 0 when there is
 * no mm or no task uses it any more, -EIO when nothing at *@pos could be
 * had, -EFAULT when @buf faulted. No lock held; may sleep.
 */
ssize_t proc_mem_rw(struct file *f, char __user *buf, size_t n, loff_t *pos, bool write);
/* lseek: SEEK_SET/SEEK_CUR to any (unsigned) position; else -EINVAL. */
loff_t proc_mem_llseek(struct file *f, loff_t off, int whence);
/* Drop the mm reference taken at open. May sleep (the last one frees it). */
void proc_mem_release(struct file *f);

/* ---- proc_rmap.c ---- */

/*
 * /proc/kpagecount and /proc/kpageflags (@pid is 0): 8 bytes per physical
 * frame, read at pfn * 8. Offsets and lengths must be multiples of 8
 * (EINVAL); EOF at max_pfn. No lock held; may sleep.
 */
ssize_t proc_kpagecount_read(pid_t pid, struct fs_buf buf, size_t n, loff_t *pos);
ssize_t proc_kpageflags_read(pid_t pid, struct fs_buf buf, size_t n, loff_t *pos);
loff_t proc_kpage_size(void);		/* max_pfn * 8 */
/* /proc/pagoda/rmap: answer "PID ADDR" (format: proc_rmap.c). May sleep. */
int proc_rmap_query(struct proc_buf *b, const char *req);
int proc_blk_inject_query(struct proc_buf *b, const char *req);

/* ---- proc_slab.c ---- */

/* /proc/slabinfo, Linux's format (version 2.1); takes caches_lock. */
int proc_show_slabinfo(struct proc_buf *b, const struct proc_ctx *c);
/* /proc/pagoda/slab_leaks: "mark" / "check MARK CACHE..." (format: proc_slab.c). */
int proc_slab_leaks_query(struct proc_buf *b, const char *req);

/* Mount table as /proc/mounts lines into @buf (super.c); the length. Takes vfs_ns_lock. */
size_t mounts_print(char *buf, size_t size);

#endif
