/*
 * procfs.c - the /proc file system: its directories, names and files.
 *
 * Nothing in /proc is stored. Names are made up by i_op->lookup when a
 * walk asks for them and listed by i_op->iterate from the task list:
 *
 *   /proc                      root: fixed entries + one dir per live task
 *   |-- self                   the caller's own <pid> directory
 *   |-- meminfo uptime mounts version
 *   `-- <pid>/                 stat cmdline status
 *
 * Lookups hand out D_DYNAMIC dentries with fresh inodes that are in no
 * children list; they go away with their last reference. A file's text is
 * generated once, when it is opened (proc_show.c), into a buffer that
 * hangs off the open file, so reads at any offset see one consistent
 * snapshot and lseek works. A <pid> name whose task has gone makes open
 * fail with ESRCH, as on Linux.
 *
 * getdents64 cookies: 1 ".", 2 "..", 3.. the fixed entries, then
 * PROC_PID_COOKIE + pid for task directories, in pid order.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"
#include "mm/slab.h"

#define PROC_PID_COOKIE	256
#define PROC_BUF_SIZE	4096

/* What one /proc inode is (inode->private). */
struct proc_info {
	const struct proc_entry *entry;	/* NULL for a directory */
	pid_t pid;			/* 0 for global entries */
};

static const struct proc_entry proc_root_files[] = {
	{ "meminfo", proc_show_meminfo, false },
	{ "uptime", proc_show_uptime, false },
	{ "mounts", proc_show_mounts, false },
	{ "version", proc_show_version, false },
};

static const struct proc_entry proc_pid_files[] = {
	{ "stat", proc_show_stat, true },
	{ "cmdline", proc_show_cmdline, true },
	{ "status", proc_show_status, true },
};

static const struct inode_operations proc_root_iops, proc_pid_iops, proc_file_iops;
static const struct file_operations proc_file_fops;

/* ---- inodes and dentries ---- */

/*
 *   ino 1            the root
 *   ino 2 + i        proc_root_files[i]
 *   (pid + 1) << 4   a <pid> directory; its files follow it (+1 + i)
 */
static uint64_t proc_ino(pid_t pid, int file)
{
	if (!pid)
		return 2 + file;
	return ((uint64_t)pid + 1) << 4 | (uint64_t)(file + 1);
}

static void proc_evict(struct inode *inode)
{
	kfree(inode->private);
}

static struct inode *proc_inode(struct super_block *sb, const struct proc_entry *e,
				pid_t pid, uint64_t ino)
{
	struct inode *inode = inode_alloc(sb, e ? S_IFREG | 0444 : S_IFDIR | 0555);
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
			return proc_dentry(parent, name, &proc_root_files[i], 0, proc_ino(0, i));
	pid = !strcmp(name, "self") ? (t ? t->pid : 0) : parse_pid(name);
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

	for_each_task(t)
		if (t->pid > after && t->state != TASK_DEAD && (!best || t->pid < best))
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
		    !dir_emit(ctx, n, strlen(n), proc_ino(0, i), DT_REG, cookie))
			return 0;
	}
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

/* ---- <pid> directories ---- */

static pid_t dir_pid(struct dentry *d)
{
	return ((struct proc_info *)d->inode->private)->pid;
}

static struct dentry *proc_pid_lookup(struct dentry *parent, const char *name)
{
	pid_t pid = dir_pid(parent);

	if (!task_alive(pid))
		return ERR_PTR(-ENOENT);
	for (size_t i = 0; i < ARRAY_SIZE(proc_pid_files); i++)
		if (!strcmp(name, proc_pid_files[i].name))
			return proc_dentry(parent, name, &proc_pid_files[i], pid, proc_ino(pid, i));
	return ERR_PTR(-ENOENT);
}

static int proc_pid_iterate(struct file *f, struct dir_context *ctx)
{
	pid_t pid = dir_pid(f->dentry);

	if (!dir_emit_dots(f, ctx))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(proc_pid_files); i++) {
		const char *n = proc_pid_files[i].name;
		loff_t cookie = DIR_COOKIE_FIRST + i;

		if (ctx->pos < cookie &&
		    !dir_emit(ctx, n, strlen(n), proc_ino(pid, i), DT_REG, cookie))
			return 0;
	}
	return 0;
}

static const struct inode_operations proc_pid_iops = {
	.lookup = proc_pid_lookup,
	.iterate = proc_pid_iterate,
	.evict = proc_evict,
};

/* ---- files: generated at open ---- */

/*
 * Fill a new buffer for @info: global files directly, task files with
 * tasklist_lock held so the task cannot be freed meanwhile (which is why
 * the show functions must not sleep).
 */
static int proc_generate(const struct proc_info *info, struct proc_buf *b)
{
	unsigned long irq;
	struct task *t;
	int err = 0;

	if (!info->entry->per_task)
		return info->entry->show(b, NULL);
	irq = spin_lock_irqsave(&tasklist_lock);
	t = task_find(info->pid);
	if (!t || t->state == TASK_DEAD)
		err = -ESRCH;
	else
		err = info->entry->show(b, t);
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return err;
}

static int proc_open(struct inode *inode, struct file *f)
{
	struct proc_buf *b = kmalloc(sizeof(*b) + PROC_BUF_SIZE, 0);
	int err;

	if (!b)
		return -ENOMEM;
	b->len = 0;
	b->cap = PROC_BUF_SIZE;
	err = proc_generate(inode->private, b);
	if (err) {
		kfree(b);
		return err;
	}
	f->private_data = b;
	return 0;
}

static ssize_t proc_read(struct file *f, struct fs_buf buf, size_t n, loff_t *pos)
{
	struct proc_buf *b = f->private_data;
	size_t len;

	if (!b || *pos >= (loff_t)b->len)
		return 0;
	len = MIN(n, b->len - (size_t)*pos);
	if (fsbuf_copy_out(buf, 0, b->data + *pos, len))
		return -EFAULT;
	*pos += len;
	return (ssize_t)len;
}

static ssize_t proc_fop_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	return proc_read(f, fsbuf_user(buf), n, pos);
}

static loff_t proc_llseek(struct file *f, loff_t off, int whence)
{
	struct proc_buf *b = f->private_data;

	return llseek_size(f, off, whence, b ? (loff_t)b->len : 0);
}

static void proc_release(struct file *f)
{
	kfree(f->private_data);
}

static const struct inode_operations proc_file_iops = {
	.read = proc_read,
	.evict = proc_evict,
};

static const struct file_operations proc_file_fops = {
	.open = proc_open,
	.read = proc_fop_read,
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
	.make_sb = proc_make_sb,
};
