/*
 * procfs.c - the /proc file system: its directories, names and files.
 *
 * Nothing in /proc is stored. Names are made up by i_op->lookup when a
 * walk asks for them and listed by i_op->iterate from the task list:
 *
 *   /proc                      root: fixed entries + one dir per live process
 *   |-- self                   the caller's own <pid> directory (its process)
 *   |-- thread-self            the calling thread's <tid> directory
 *   |-- meminfo uptime mounts version vmstat swaps slabinfo cpuinfo stat
 *   |-- kpagecount kpageflags  8 bytes per physical frame (proc_rmap.c)
 *   |-- pagoda/                Pagoda's own views, not Linux's:
 *   |   |-- rmap               write "PID ADDR", read who maps that page
 *   |   |-- blk_inject         make reads of some disk sectors fail
 *   |   |-- lwip               what lwIP holds (heap bytes, pool use), its counters
 *   |   `-- slab_leaks         objects a test left allocated (proc_slab.c)
 *   |-- sys/vm/                integer knobs, read and written (proc_sysctl.c)
 *   |-- net/                   dev tcp udp, Linux's formats (proc_net.c)
 *   `-- <pid>/                 stat cmdline status maps smaps pagemap
 *       |                      clear_refs (write-only) mem ...
 *       |-- task/<tid>/        one per live thread, laid out as <pid>/
 *       `-- net/               the same directory as /proc/net
 *
 * A thread's <tid> also resolves at the top (/proc/<tid>), as on Linux,
 * but only processes are listed there.
 *
 * Lookups hand out D_DYNAMIC dentries with fresh inodes that are in no
 * children list; they go away with their last reference. A file's text is
 * generated (proc_show.c, proc_vm.c) into a chunked buffer that hangs off
 * the open file: at open, which so fails for a task that has gone, and
 * again by every read from offset 0, so that a read sees the present
 * (rewind() included, as Linux's seq_file) and reads further on see the
 * same text as the first, which lseek can revisit. pagemap, kpagecount and
 * kpageflags are the exceptions (PROC_RAW): pagemap is 2^35 entries long,
 * so each read looks up just the range asked for. pagoda/rmap is a
 * transaction file (PROC_QUERY, as Linux's simple_transaction): each
 * write(2) is a request whose answer is generated then and there, and
 * read(2) on the same open file returns it. A <pid> name whose task has
 * gone makes open fail with ESRCH, as on Linux.
 *
 * Tasks have no reference count, so task files are generated under
 * tasklist_lock (a spinlock: no sleeping). Memory files need the mmap
 * lock, which sleeps, so they take a reference on the task's mm instead
 * (proc_get_task_mm()) and drop tasklist_lock first. Kinds and their locks:
 * proc_internal.h.
 *
 * getdents64 cookies: 1 ".", 2 "..", 3.. the fixed entries (self, the
 * files, pagoda, sys, net), then PROC_PID_COOKIE + pid for task
 * directories, in pid order.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/profile.h"
#include "kernel/task.h"
#include "mm/fail_alloc.h"
#include "mm/slab.h"
#include "mm/vm.h"

#define PROC_PID_COOKIE	256
/* A chunk is one page-sized allocation, header included. */
#define PROC_CHUNK_SIZE	(PAGE_SIZE - sizeof(struct proc_chunk))

/* What one /proc inode is (inode->private). */
struct proc_info {
	const struct proc_entry *entry;	/* NULL for a directory */
	pid_t pid;			/* 0 for global entries and pagoda/ */
};

/* A PROC_QUERY file's state (file->private_data): the last answer. */
struct proc_query {
	struct mutex lock;		/* guards answer; held across copies */
	struct proc_buf *answer;	/* NULL until the first write */
};

static const struct proc_entry proc_root_files[] = {
	{ "meminfo", PROC_GLOBAL, .show = proc_show_meminfo },
	{ "uptime", PROC_GLOBAL, .show = proc_show_uptime },
	{ "mounts", PROC_GLOBAL, .show = proc_show_mounts },
	{ "version", PROC_GLOBAL, .show = proc_show_version },
	{ "vmstat", PROC_GLOBAL, .show = proc_show_vmstat },
	{ "swaps", PROC_GLOBAL, .show = proc_show_swaps },
	{ "slabinfo", PROC_GLOBAL, .show = proc_show_slabinfo, .mode = 0400 },
	{ "cpuinfo", PROC_GLOBAL, .show = proc_show_cpuinfo },
	{ "stat", PROC_GLOBAL, .show = proc_show_stat_global },
	{ "profile", PROC_GLOBAL, .show = proc_show_profile, .set = profile_reset, .mode = 0644 },
	{ "kpagecount", PROC_RAW, .read = proc_kpagecount_read, .size = proc_kpage_size,
	  .mode = 0400 },
	{ "kpageflags", PROC_RAW, .read = proc_kpageflags_read, .size = proc_kpage_size,
	  .mode = 0400 },
};
_Static_assert(ARRAY_SIZE(proc_root_files) <= 14, "proc_ino(): root files are inos 2..15");

/* pagoda/: Pagoda's own views (global; the directory has pid 0). */
static const struct proc_entry proc_pagoda_files[] = {
	{ "rmap", PROC_QUERY, .query = proc_rmap_query, .mode = 0600 },
	{ "blk_inject", PROC_QUERY, .query = proc_blk_inject_query, .mode = 0600 },
	{ "fail_alloc", PROC_GLOBAL, .show = proc_show_fail_alloc, .set = fail_alloc_set,
	  .mode = 0600 },
	{ "slab_leaks", PROC_QUERY, .query = proc_slab_leaks_query, .mode = 0600 },
	{ "lwip", PROC_GLOBAL, .show = proc_show_lwip },
};
_Static_assert(ARRAY_SIZE(proc_pagoda_files) < 16, "proc_ino() gives pagoda/ 15 files");

/* At most 15 (proc_ino()). */
static const struct proc_entry proc_pid_files[] = {
	{ "stat", PROC_TASK, .show = proc_show_stat },
	{ "cmdline", PROC_MM, .show = proc_show_cmdline },
	{ "status", PROC_TASK, .show = proc_show_status },
	{ "maps", PROC_MM, .show = proc_show_maps },
	{ "smaps", PROC_MM, .show = proc_show_smaps },
	{ "pagemap", PROC_RAW, .read = proc_pagemap_read, .size = proc_pagemap_size },
	{ "clear_refs", PROC_MM, .mm_store = proc_clear_refs, .mode = 0200 },
	{ "oom_score", PROC_TASK, .show = proc_show_oom_score },
	{ "oom_score_adj", PROC_TASK, .show = proc_show_oom_score_adj,
	  .store = proc_store_oom_score_adj, .mode = 0644 },
	{ "make-it-fail", PROC_TASK, .show = proc_show_make_it_fail,
	  .store = proc_store_make_it_fail, .mode = 0644 },
	{ "mem", PROC_MEM, .mode = 0600 },
};
_Static_assert(ARRAY_SIZE(proc_pid_files) < 13,
	       "proc_ino() gives a <pid> dir 15 files; the last two are net/ and task/");

static const struct inode_operations proc_root_iops, proc_pid_iops, proc_file_iops;
static const struct file_operations proc_file_fops;

/* ---- inodes and dentries ---- */

/*
 * Inode numbers:
 *
 *   ino 1            the root
 *   ino 2 + i        proc_root_files[i]
 *   (pid + 1) << 4   a <pid> directory; its files follow it (+1 + i), and
 *                    its net/ (+14, PROC_NET_DIR) and task/ (+15,
 *                    PROC_TASK_DIR) directories end its block of 16
 *   ino 16           pagoda/, in the place of pid 0's directory (there is
 *                    none: no /proc name resolves to pid 0); files 17 + i
 *   1 << 40 ...      sys/ and below (PROC_SYS_INO, proc_sysctl.c)
 *   2 << 40          net/ (PROC_NET_INO); its files 2 << 40 + 1 + i
 *                    (proc_net.c); <pid>/net/ lists the same files under
 *                    the same numbers (on Linux too: they are its network
 *                    namespace's, not the process's)
 *
 * pids stay below 2^31, so every <pid> block stays below 2^36.
 */
static uint64_t proc_ino(pid_t pid, int file)
{
	return ((uint64_t)pid + 1) << 4 | (uint64_t)(file + 1);
}

static uint64_t proc_root_ino(int file)
{
	return 2 + file;
}

/* The fixed files of a directory other than the root: <pid>/ or pagoda/ (0). */
static const struct proc_entry *dir_files(pid_t pid, size_t *nr)
{
	if (!pid) {
		*nr = ARRAY_SIZE(proc_pagoda_files);
		return proc_pagoda_files;
	}
	*nr = ARRAY_SIZE(proc_pid_files);
	return proc_pid_files;
}

void proc_evict(struct inode *inode)
{
	kfree(inode->private);
}

static struct inode *proc_inode(struct super_block *sb, const struct proc_entry *e,
				pid_t pid, uint64_t ino)
{
	umode_t mode = !e ? S_IFDIR | 0555 : S_IFREG | (e->mode ? e->mode : 0444);
	struct inode *inode = inode_alloc(sb, mode);
	struct proc_info *info = kzalloc(sizeof(*info));

	if (!inode || !info) {
		kfree(info);
		if (inode)
			inode_put(inode);
		return NULL;
	}
	info->entry = e;
	info->pid = pid;
	inode->private = info;
	inode->ino = ino;
	if (pid) {
		/*
		 * A task's files belong to its effective ids, or to root once it
		 * is not dumpable (Linux's task_dump_owner).
		 */
		unsigned long irq = spin_lock_irqsave(&tasklist_lock);
		struct task *t = task_find(pid);

		if (t && t->dumpable) {
			inode->uid = t->cred.euid;
			inode->gid = t->cred.egid;
		}
		spin_unlock_irqrestore(&tasklist_lock, irq);
	}
	if (e) {
		inode->i_op = &proc_file_iops;
		inode->fop = &proc_file_fops;
	} else {
		inode->i_op = &proc_pid_iops;
		inode->fop = &dir_fops;
	}
	return inode;
}

static struct dentry *proc_dentry(struct dentry *parent, const char *name,
				  const struct proc_entry *e, pid_t pid, uint64_t ino)
{
	struct inode *inode = proc_inode(parent->sb, e, pid, ino);
	struct dentry *d;

	if (!inode)
		return ERR_PTR(-ENOMEM);
	d = dentry_alloc(parent, name, inode);
	if (!d) {
		inode_put(inode);
		return ERR_PTR(-ENOMEM);
	}
	d->flags |= D_DYNAMIC;
	return d;
}

struct dentry *proc_dir_dentry(struct dentry *parent, const char *name,
			       const struct inode_operations *iops, uint64_t ino)
{
	struct dentry *d = proc_dentry(parent, name, NULL, 0, ino);

	if (!IS_ERR(d))
		d->inode->i_op = iops;
	return d;
}

struct dentry *proc_table_lookup(struct dentry *parent, const char *name,
				 const struct proc_entry *files, size_t nr, pid_t pid,
				 uint64_t first_ino)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(name, files[i].name))
			return proc_dentry(parent, name, &files[i], pid, first_ino + i);
	return ERR_PTR(-ENOENT);
}

int proc_table_iterate(struct file *f, struct dir_context *ctx,
		       const struct proc_entry *files, size_t nr, uint64_t first_ino)
{
	if (!dir_emit_dots(f, ctx))
		return 0;
	for (size_t i = 0; i < nr; i++) {
		const char *n = files[i].name;
		loff_t cookie = DIR_COOKIE_FIRST + i;

		if (ctx->pos < cookie &&
		    !dir_emit(ctx, n, strlen(n), first_ino + i, DT_REG, cookie))
			return 0;
	}
	return 0;
}

static bool task_alive(pid_t pid)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	struct task *t = task_find(pid);
	bool alive = t && t->state != TASK_DEAD;

	spin_unlock_irqrestore(&tasklist_lock, irq);
	return alive;
}

/* "123" -> 123; 0 for anything that is not a positive decimal pid. */
static pid_t parse_pid(const char *s)
{
	long v = 0;

	if (*s == '0' || !*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (1l << 30))
			return 0;
		v = v * 10 + (*s - '0');
	}
	return (pid_t)v;
}

/* ---- the root directory ---- */

static struct dentry *proc_root_lookup(struct dentry *parent, const char *name)
{
	struct task *t = current();
	pid_t pid;

	for (size_t i = 0; i < ARRAY_SIZE(proc_root_files); i++)
		if (!strcmp(name, proc_root_files[i].name))
			return proc_dentry(parent, name, &proc_root_files[i], 0, proc_root_ino(i));
	if (!strcmp(name, "pagoda"))
		return proc_dentry(parent, name, NULL, 0, proc_ino(0, -1));
	if (!strcmp(name, "sys"))
		return proc_dir_dentry(parent, name, &proc_sys_iops, PROC_SYS_INO);
	if (!strcmp(name, "net"))
		return proc_dir_dentry(parent, name, &proc_net_iops, PROC_NET_INO);
	if (!strcmp(name, "self"))
		pid = t ? t->tgid : 0;
	else if (!strcmp(name, "thread-self"))
		pid = t ? t->pid : 0;
	else
		pid = parse_pid(name);
	if (!pid || !task_alive(pid))
		return ERR_PTR(-ENOENT);
	return proc_dentry(parent, name, NULL, pid, proc_ino(pid, -1));
}

/* The smallest live pid above @after, or 0. */
static pid_t next_pid(pid_t after)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	pid_t best = 0;
	struct task *t;

	/* Processes only: threads have a name in <pid>/task/ (and /proc/<tid> works). */
	for_each_task(t)
		if (t->pid > after && t->state != TASK_DEAD && t == t->group_leader &&
		    (!best || t->pid < best))
			best = t->pid;
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return best;
}

static int proc_root_iterate(struct file *f, struct dir_context *ctx)
{
	char name[16];
	pid_t pid;

	if (!dir_emit_dots(f, ctx))
		return 0;
	/* "self" is cookie 3, then the fixed files. */
	if (ctx->pos < DIR_COOKIE_FIRST &&
	    !dir_emit(ctx, "self", 4, 0, DT_DIR, DIR_COOKIE_FIRST))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(proc_root_files); i++) {
		const char *n = proc_root_files[i].name;
		loff_t cookie = DIR_COOKIE_FIRST + 1 + i;

		if (ctx->pos < cookie &&
		    !dir_emit(ctx, n, strlen(n), proc_root_ino(i), DT_REG, cookie))
			return 0;
	}
	/* pagoda/ after the files; all of these stay below PROC_PID_COOKIE. */
	if (ctx->pos < DIR_COOKIE_FIRST + 1 + (loff_t)ARRAY_SIZE(proc_root_files) &&
	    !dir_emit(ctx, "pagoda", 6, proc_ino(0, -1), DT_DIR,
		      DIR_COOKIE_FIRST + 1 + ARRAY_SIZE(proc_root_files)))
		return 0;
	if (ctx->pos < DIR_COOKIE_FIRST + 2 + (loff_t)ARRAY_SIZE(proc_root_files) &&
	    !dir_emit(ctx, "sys", 3, PROC_SYS_INO, DT_DIR,
		      DIR_COOKIE_FIRST + 2 + ARRAY_SIZE(proc_root_files)))
		return 0;
	if (ctx->pos < DIR_COOKIE_FIRST + 3 + (loff_t)ARRAY_SIZE(proc_root_files) &&
	    !dir_emit(ctx, "net", 3, PROC_NET_INO, DT_DIR,
		      DIR_COOKIE_FIRST + 3 + ARRAY_SIZE(proc_root_files)))
		return 0;
	pid = ctx->pos > PROC_PID_COOKIE ? (pid_t)(ctx->pos - PROC_PID_COOKIE) : 0;
	while ((pid = next_pid(pid)) != 0) {
		int len = snprintf(name, sizeof(name), "%d", pid);

		if (!dir_emit(ctx, name, len, proc_ino(pid, -1), DT_DIR, PROC_PID_COOKIE + pid))
			break;
	}
	return 0;
}

static const struct inode_operations proc_root_iops = {
	.lookup = proc_root_lookup,
	.iterate = proc_root_iterate,
};

/* ---- <pid> directories and pagoda/ ---- */

static pid_t dir_pid(struct dentry *d)
{
	return ((struct proc_info *)d->inode->private)->pid;
}

/*
 * <pid>/task/: one <tid> directory per live thread of the process, each
 * like a <pid> directory of its own (stat, status, maps... of that thread).
 */
#define PROC_TASK_DIR	14		/* proc_ino(pid, PROC_TASK_DIR): <pid>/task */
#define PROC_NET_DIR	13		/* proc_ino(pid, PROC_NET_DIR): <pid>/net */

static const struct inode_operations proc_task_iops;

/* The smallest tid above @after among the live threads of @pid's process, or 0. */
static pid_t next_tid(pid_t pid, pid_t after)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	struct task *t = task_find(pid), *o;
	pid_t best = 0;

	if (t && t->signal)
		list_for_each_entry(o, &t->signal->threads, thread_node)
			if (o->pid > after && (!best || o->pid < best))
				best = o->pid;
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return best;
}

static struct dentry *proc_task_lookup(struct dentry *parent, const char *name)
{
	pid_t pid = dir_pid(parent), tid = parse_pid(name);
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	struct task *t = task_find(pid), *o = tid ? task_find(tid) : NULL;
	bool ok = t && o && !o->thread_exited && o->signal == t->signal;

	spin_unlock_irqrestore(&tasklist_lock, irq);
	if (!ok)
		return ERR_PTR(-ENOENT);
	return proc_dentry(parent, name, NULL, tid, proc_ino(tid, -1));
}

static int proc_task_iterate(struct file *f, struct dir_context *ctx)
{
	pid_t pid = dir_pid(f->dentry), tid;
	char name[16];

	if (!dir_emit_dots(f, ctx))
		return 0;
	tid = ctx->pos > PROC_PID_COOKIE ? (pid_t)(ctx->pos - PROC_PID_COOKIE) : 0;
	while ((tid = next_tid(pid, tid)) != 0) {
		int len = snprintf(name, sizeof(name), "%d", tid);

		if (!dir_emit(ctx, name, len, proc_ino(tid, -1), DT_DIR, PROC_PID_COOKIE + tid))
			break;
	}
	return 0;
}

static const struct inode_operations proc_task_iops = {
	.lookup = proc_task_lookup,
	.iterate = proc_task_iterate,
	.evict = proc_evict,
};

static struct dentry *proc_pid_lookup(struct dentry *parent, const char *name)
{
	pid_t pid = dir_pid(parent);
	size_t nr;
	const struct proc_entry *files = dir_files(pid, &nr);

	if (pid && !task_alive(pid))
		return ERR_PTR(-ENOENT);
	if (pid && !strcmp(name, "task")) {
		struct dentry *d = proc_dentry(parent, name, NULL, pid, proc_ino(pid, PROC_TASK_DIR));

		if (!IS_ERR(d))
			d->inode->i_op = &proc_task_iops;
		return d;
	}
	if (pid && !strcmp(name, "net"))
		return proc_dir_dentry(parent, name, &proc_net_iops, proc_ino(pid, PROC_NET_DIR));
	return proc_table_lookup(parent, name, files, nr, pid, proc_ino(pid, 0));
}

static int proc_pid_iterate(struct file *f, struct dir_context *ctx)
{
	pid_t pid = dir_pid(f->dentry);
	size_t nr;
	const struct proc_entry *files = dir_files(pid, &nr);

	/* proc_ino(pid, i) == proc_ino(pid, 0) + i for the 15 files a dir may have. */
	proc_table_iterate(f, ctx, files, nr, proc_ino(pid, 0));
	if (!pid || ctx->full)
		return 0;
	if (ctx->pos < DIR_COOKIE_FIRST + (loff_t)nr &&
	    !dir_emit(ctx, "task", 4, proc_ino(pid, PROC_TASK_DIR), DT_DIR,
		      DIR_COOKIE_FIRST + nr))
		return 0;
	if (ctx->pos < DIR_COOKIE_FIRST + (loff_t)nr + 1)
		dir_emit(ctx, "net", 3, proc_ino(pid, PROC_NET_DIR), DT_DIR,
			 DIR_COOKIE_FIRST + nr + 1);
	return 0;
}

static const struct inode_operations proc_pid_iops = {
	.lookup = proc_pid_lookup,
	.iterate = proc_pid_iterate,
	.evict = proc_evict,
};

/* ---- the chunked text buffer ---- */

/* A new empty chunk of at least @n bytes at the tail of @b, or NULL. */
static struct proc_chunk *proc_chunk_add(struct proc_buf *b, size_t n)
{
	size_t cap = MAX(n, PROC_CHUNK_SIZE);
	struct proc_chunk *c = kmalloc(sizeof(*c) + cap, 0);

	if (!c) {
		b->err = -ENOMEM;
		return NULL;
	}
	c->next = NULL;
	c->len = 0;
	c->cap = cap;
	if (b->tail)
		b->tail->next = c;
	else
		b->head = c;
	b->tail = c;
	return c;
}

void proc_write(struct proc_buf *b, const void *data, size_t n)
{
	const char *p = data;

	while (n && !b->err) {
		struct proc_chunk *c = b->tail;
		size_t k;

		if (!c || c->len == c->cap)
			c = proc_chunk_add(b, 0);
		if (!c)
			return;
		k = MIN(n, c->cap - c->len);
		memcpy(c->data + c->len, p, k);
		c->len += k;
		b->len += k;
		p += k;
		n -= k;
	}
}

/*
 * Format straight into the tail chunk. What does not fit there goes whole
 * into a fresh chunk (so a line is never split: chunks may end short);
 * only a line longer than a chunk takes a temporary buffer.
 */
void proc_printf(struct proc_buf *b, const char *fmt, ...)
{
	struct proc_chunk *c = b->tail;
	va_list ap;
	size_t room;
	char *tmp;
	int n;

	if (b->err)
		return;
	room = c ? c->cap - c->len : 0;
	va_start(ap, fmt);
	n = vsnprintf(room ? c->data + c->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	if ((size_t)n < room) {
		c->len += n;
		b->len += n;
		return;
	}
	if ((size_t)n < PROC_CHUNK_SIZE) {
		c = proc_chunk_add(b, 0);
		if (!c)
			return;
		va_start(ap, fmt);
		vsnprintf(c->data, c->cap, fmt, ap);
		va_end(ap);
		c->len = n;
		b->len += n;
		return;
	}
	tmp = kmalloc((size_t)n + 1, 0);
	if (!tmp) {
		b->err = -ENOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(tmp, (size_t)n + 1, fmt, ap);
	va_end(ap);
	proc_write(b, tmp, n);
	kfree(tmp);
}

static void proc_buf_free(struct proc_buf *b)
{
	struct proc_chunk *c, *next;

	if (!b)
		return;
	for (c = b->head; c; c = next) {
		next = c->next;
		kfree(c);
	}
	kfree(b);
}

/* Copy up to @n bytes at @pos out of @b; bytes copied or -EFAULT. */
static ssize_t proc_buf_read(struct proc_buf *b, struct fs_buf buf, size_t n, loff_t pos)
{
	struct proc_chunk *c = b->head;
	size_t off = (size_t)pos, done = 0;

	while (c && off >= c->len) {		/* find the chunk holding @pos */
		off -= c->len;
		c = c->next;
	}
	for (; c && done < n; c = c->next, off = 0) {
		size_t k = MIN(n - done, c->len - off);

		if (fsbuf_copy_out(buf, done, c->data + off, k))
			return -EFAULT;
		done += k;
	}
	return (ssize_t)done;
}

/* ---- files: generated at open ---- */

/* Bump @mm's count unless it has already dropped to zero (being torn down). */
static bool mm_get_not_zero(struct mm *mm)
{
	int n = __atomic_load_n(&mm->refcount, __ATOMIC_RELAXED);

	while (n > 0)
		if (__atomic_compare_exchange_n(&mm->refcount, &n, n + 1, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	return false;
}

/*
 * exit and exec clear or replace t->mm under tasklist_lock before
 * dropping their reference, so an mm seen here under tasklist_lock still
 * has a count above zero, on any number of CPUs.
 */
struct mm *proc_get_task_mm(pid_t pid)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	struct task *t = task_find(pid);
	struct mm *mm = NULL;

	if (!t || t->state == TASK_DEAD)
		mm = ERR_PTR(-ESRCH);
	else if (t->mm && mm_get_not_zero(t->mm))
		mm = t->mm;
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return mm;
}

/* PROC_MM: the show function under the mmap lock; no mm, no text. */
static int proc_generate_mm(const struct proc_info *info, struct proc_buf *b)
{
	struct mm *mm = proc_get_task_mm(info->pid);
	struct proc_ctx c = { .mm = mm };
	int err;

	if (IS_ERR(mm))
		return PTR_ERR(mm);
	if (!mm)
		return 0;
	if (!info->entry->show) {		/* write-only: nothing to generate */
		mm_put(mm);
		return 0;
	}
	mmap_read_lock(mm);
	err = info->entry->show(b, &c);
	mmap_read_unlock(mm);
	mm_put(mm);
	return err;
}

/*
 * PROC_TASK: copy the memory counters first (that needs the mmap lock),
 * then show the task under tasklist_lock, which keeps it from being freed.
 */
static int proc_generate_task(const struct proc_info *info, struct proc_buf *b)
{
	struct mm *mm = proc_get_task_mm(info->pid);
	struct proc_mm_stats st;
	struct proc_ctx c = { 0 };
	unsigned long irq;
	int err;

	if (IS_ERR(mm))
		return PTR_ERR(mm);
	if (mm) {
		mmap_read_lock(mm);
		proc_mm_stats(mm, &st);
		mmap_read_unlock(mm);
		mm_put(mm);
		c.vm = &st;
	}
	irq = spin_lock_irqsave(&tasklist_lock);
	c.task = task_find(info->pid);
	if (!c.task || c.task->state == TASK_DEAD)
		err = -ESRCH;
	else
		err = info->entry->show(b, &c);
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return err;
}

static int proc_generate(const struct proc_info *info, struct proc_buf *b)
{
	struct proc_ctx none = { 0 };

	switch (info->entry->kind) {
	case PROC_TASK:
		return proc_generate_task(info, b);
	case PROC_MM:
		return proc_generate_mm(info, b);
	case PROC_RAW:
	case PROC_QUERY:
	case PROC_MEM:
		return 0;
	case PROC_SYSCTL:
		return proc_sysctl_show(b, info->entry->knob);
	case PROC_GLOBAL:
		break;
	}
	return info->entry->show(b, &none);
}

/*
 * PROC_RAW of a task: nothing to keep; but fail now if the task is gone,
 * as the others do.
 */
static int proc_raw_open_task(pid_t pid)
{
	struct mm *mm = proc_get_task_mm(pid);

	if (IS_ERR(mm))
		return PTR_ERR(mm);
	if (mm)
		mm_put(mm);
	return 0;
}

/* PROC_QUERY: no answer until the first request. */
static int proc_query_open(struct file *f)
{
	struct proc_query *q = kzalloc(sizeof(*q));

	if (!q)
		return -ENOMEM;
	mutex_init(&q->lock);
	f->private_data = q;
	return 0;
}

static int proc_open(struct inode *inode, struct file *f)
{
	const struct proc_info *info = inode->private;
	struct proc_buf *b;
	int err;

	if (info->entry->kind == PROC_RAW)
		return info->pid ? proc_raw_open_task(info->pid) : 0;
	if (info->entry->kind == PROC_QUERY)
		return proc_query_open(f);
	if (info->entry->kind == PROC_MEM)
		return proc_mem_open(info->pid, f);
	b = kzalloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	err = proc_generate(info, b);
	if (!err)
		err = b->err;
	if (err) {
		proc_buf_free(b);
		return err;
	}
	f->private_data = b;
	return 0;
}

/* Copy what is left of @b from *@pos on (at most @n bytes) and advance *@pos. */
static ssize_t proc_buf_read_at(struct proc_buf *b, struct fs_buf buf, size_t n, loff_t *pos)
{
	ssize_t len;

	if (!b || *pos >= (loff_t)b->len)
		return 0;
	len = proc_buf_read(b, buf, MIN(n, b->len - (size_t)*pos), *pos);
	if (len > 0)
		*pos += len;
	return len;
}

/* PROC_QUERY: read the answer to the last request (nothing before the first). */
static ssize_t proc_query_read(struct proc_query *q, struct fs_buf buf, size_t n, loff_t *pos)
{
	ssize_t len;

	mutex_lock(&q->lock);
	len = proc_buf_read_at(q->answer, buf, n, pos);
	mutex_unlock(&q->lock);
	return len;
}

static ssize_t proc_read(struct file *f, struct fs_buf buf, size_t n, loff_t *pos)
{
	const struct proc_info *info = f->inode->private;

	switch (info->entry->kind) {
	case PROC_RAW:
		return info->entry->read(info->pid, buf, n, pos);
	case PROC_QUERY:
		return proc_query_read(f->private_data, buf, n, pos);
	case PROC_MEM:
		return -EINVAL;		/* kernel_read(): it reads user buffers only */
	case PROC_GLOBAL:
	case PROC_TASK:
	case PROC_MM:
	case PROC_SYSCTL:
		break;
	}
	if (!info->entry->show && info->entry->kind == PROC_MM)
		return -EINVAL;		/* write-only, as Linux's clear_refs */
	if (*pos == 0 && f->private_data) {
		/* A read from the start: the text of now, not of open(). */
		struct proc_buf *b = kzalloc(sizeof(*b));
		int err = b ? proc_generate(info, b) : -ENOMEM;

		if (!err)
			err = b->err;
		if (err) {
			proc_buf_free(b);
			return err;
		}
		proc_buf_free(f->private_data);
		f->private_data = b;
	}
	return proc_buf_read_at(f->private_data, buf, n, pos);
}

static ssize_t proc_fop_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	const struct proc_info *info = f->inode->private;

	if (info->entry->kind == PROC_MEM)
		return proc_mem_rw(f, buf, n, pos, /* write= */false);
	return proc_read(f, fsbuf_user(buf), n, pos);
}

/*
 * PROC_QUERY: the whole write is one request (at most PROC_QUERY_MAX bytes,
 * a trailing newline allowed). The entry's query() answers it into a fresh
 * buffer, which replaces the last answer; the file position goes back to 0
 * so that the next read(2) returns the answer from its start. Returns @n;
 * or -EINVAL (too long), -EFAULT, -ENOMEM or query()'s error, and then the
 * last answer stays. May sleep.
 */
/*
 * Copy a write of @n bytes into @req (@size bytes, room for the NUL kept):
 * 0, -EINVAL when it does not fit, -EFAULT.
 */
static int proc_copy_request(char *req, size_t size, const char __user *ubuf, size_t n)
{
	if (n >= size)
		return -EINVAL;
	if (fsbuf_copy_in(req, fsbuf_user((void __user *)ubuf), 0, n))
		return -EFAULT;
	req[n] = 0;
	return 0;
}

static ssize_t proc_query_write(const struct proc_entry *e, struct proc_query *q,
				const char __user *ubuf, size_t n, loff_t *pos)
{
	char req[PROC_QUERY_MAX + 1];
	struct proc_buf *b;
	int err;

	err = proc_copy_request(req, sizeof(req), ubuf, n);
	if (err)
		return err;
	if (n && req[n - 1] == '\n')
		req[n - 1] = 0;
	b = kzalloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	err = e->query(b, req);
	if (!err)
		err = b->err;
	if (err) {
		proc_buf_free(b);
		return err;
	}
	mutex_lock(&q->lock);
	proc_buf_free(q->answer);
	q->answer = b;
	mutex_unlock(&q->lock);
	*pos = 0;
	return (ssize_t)n;
}

/*
 * A PROC_TASK file with a store(): the write is one decimal number (a sign,
 * spaces and one newline allowed, as Linux's kstrtoint), given to store()
 * with the task held by tasklist_lock. @n, or -EINVAL, -EFAULT, -ESRCH or
 * store()'s error.
 */
static ssize_t proc_task_store(const struct proc_info *info, const char __user *ubuf, size_t n)
{
	char req[24];
	struct task *t;
	unsigned long irq;
	long value;
	int err;

	err = proc_copy_request(req, sizeof(req), ubuf, n);
	if (err)
		return err;
	if (!proc_parse_long(req, &value))
		return -EINVAL;
	irq = spin_lock_irqsave(&tasklist_lock);
	t = task_find(info->pid);
	err = !t || t->state == TASK_DEAD || t->state == TASK_ZOMBIE ? -ESRCH
								      : info->entry->store(t, value);
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return err ? err : (ssize_t)n;
}

/*
 * A PROC_MM file with an mm_store() (clear_refs), parsed as Linux's
 * clear_refs_write(): at most the first 12 bytes count, surrounding
 * blanks are stripped, the rest must be a decimal int (else -EINVAL, or
 * -ERANGE beyond an int). The task gone: -ESRCH; without an mm: nothing
 * to do. Returns the bytes taken (at most 12) or mm_store()'s error.
 */
static ssize_t proc_mm_store(const struct proc_info *info, const char __user *ubuf, size_t n)
{
	char req[13];		/* Linux's PROC_NUMBUF */
	struct mm *mm;
	long value;
	int err;

	n = MIN(n, sizeof(req) - 1);
	err = proc_copy_request(req, sizeof(req), ubuf, n);
	if (err)
		return err;
	if (!proc_parse_long(req, &value))
		return -EINVAL;
	if (value < INT32_MIN || value > INT32_MAX)
		return -ERANGE;
	mm = proc_get_task_mm(info->pid);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	err = mm ? info->entry->mm_store(mm, value) : 0;
	if (mm)
		mm_put(mm);
	return err ? err : (ssize_t)n;
}

/* A PROC_GLOBAL file with a set(): the whole write is the request. */
static ssize_t proc_global_set(const struct proc_info *info, const char __user *ubuf, size_t n)
{
	char req[PROC_QUERY_MAX + 1];
	int err;

	err = proc_copy_request(req, sizeof(req), ubuf, n);
	if (!err)
		err = info->entry->set(req);
	return err ? err : (ssize_t)n;
}

/* PROC_QUERY, PROC_SYSCTL and storing PROC_TASK/_MM/_GLOBAL files take writes; others: EINVAL. */
static ssize_t proc_fop_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	const struct proc_info *info = f->inode->private;

	if (info->entry->kind == PROC_MEM)
		return proc_mem_rw(f, (char __user *)buf, n, pos, /* write= */true);
	if (info->entry->kind == PROC_SYSCTL)
		return proc_sysctl_write(info->entry->knob, fsbuf_user((void __user *)buf), n);
	if (info->entry->kind == PROC_TASK && info->entry->store)
		return proc_task_store(info, buf, n);
	if (info->entry->kind == PROC_MM && info->entry->mm_store)
		return proc_mm_store(info, buf, n);
	if (info->entry->kind == PROC_GLOBAL && info->entry->set)
		return proc_global_set(info, buf, n);
	if (info->entry->kind != PROC_QUERY)
		return -EINVAL;
	return proc_query_write(info->entry, f->private_data, buf, n, pos);
}

static loff_t proc_llseek(struct file *f, loff_t off, int whence)
{
	const struct proc_info *info = f->inode->private;
	struct proc_buf *b = f->private_data;
	struct proc_query *q = f->private_data;
	loff_t size;

	switch (info->entry->kind) {
	case PROC_RAW:
		return llseek_size(f, off, whence, info->entry->size());
	case PROC_MEM:
		return proc_mem_llseek(f, off, whence);
	case PROC_QUERY:
		mutex_lock(&q->lock);
		size = q->answer ? (loff_t)q->answer->len : 0;
		mutex_unlock(&q->lock);
		return llseek_size(f, off, whence, size);
	case PROC_GLOBAL:
	case PROC_TASK:
	case PROC_MM:
	case PROC_SYSCTL:
		break;
	}
	return llseek_size(f, off, whence, b ? (loff_t)b->len : 0);
}

static void proc_release(struct file *f)
{
	const struct proc_info *info = f->inode->private;
	struct proc_query *q = f->private_data;

	if (info->entry->kind == PROC_QUERY) {
		proc_buf_free(q->answer);
		kfree(q);
		return;
	}
	if (info->entry->kind == PROC_MEM) {
		proc_mem_release(f);
		return;
	}
	proc_buf_free(f->private_data);
}

/*
 * A /proc file has no size to cut: O_TRUNC (a shell's `echo 1 > /proc/...`)
 * and truncate() succeed and change nothing, as on Linux.
 */
static int proc_setsize(struct inode *inode, loff_t size)
{
	(void)inode;
	(void)size;
	return 0;
}

static const struct inode_operations proc_file_iops = {
	.read = proc_read,
	.setsize = proc_setsize,
	.evict = proc_evict,
};

static const struct file_operations proc_file_fops = {
	.open = proc_open,
	.read = proc_fop_read,
	.write = proc_fop_write,
	.llseek = proc_llseek,
	.release = proc_release,
};

static struct super_block *proc_make_sb(void)
{
	struct super_block *sb = sb_alloc(&proc_type, &proc_root_iops, &dir_fops);

	if (sb)
		sb->root->inode->mode = S_IFDIR | 0555;
	return sb;
}

const struct fs_type proc_type = {
	.name = "proc",
	.magic = PROC_SUPER_MAGIC,
	.make_sb = proc_make_sb,
};
