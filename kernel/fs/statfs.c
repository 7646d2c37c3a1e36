/*
 * statfs.c - statfs(2) and fstatfs(2): what a file system says about
 * itself, in Linux's struct statfs (<asm/statfs.h>).
 *
 * f_type is the magic number Linux gives the same file system
 * (<linux/magic.h>), which each struct fs_type carries (Linux's s_magic):
 * tmpfs and devtmpfs (a tmpfs on Linux) TMPFS_MAGIC, proc
 * PROC_SUPER_MAGIC, sysfs SYSFS_MAGIC, sockets SOCKFS_MAGIC; a pipe, the
 * only file without an inode, PIPEFS_MAGIC.
 *
 * Sizes: blocks are pages (f_bsize = f_frsize = 4096). A tmpfs reports
 * Linux's default size limit, half of RAM, as f_blocks, and that less the
 * pages all tmpfs files hold (Pagoda counts them globally, not per mount:
 * memfds and shared anonymous memory included) as f_bfree and f_bavail.
 * Pseudo file systems (proc, sysfs, pipes) report zero blocks, as Linux.
 * Mounts carry no flags in Pagoda (all "rw"), so f_flags is ST_VALID.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "mm/shmem.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "mm/page_alloc.h"
#include <asm/statfs.h>
#include <linux/magic.h>

#define ST_VALID	0x0020	/* Linux's f_flags bit: "the flags are filled in" */

/* The size limit and usage of a tmpfs, in pages (see the file comment). */
static void tmpfs_blocks(struct statfs *st)
{
	unsigned long limit = pmm_managed_pages() / 2;
	unsigned long used = __atomic_load_n(&shmem_total_pages, __ATOMIC_RELAXED);

	st->f_blocks = limit;
	st->f_bfree = st->f_bavail = used < limit ? limit - used : 0;
	st->f_files = limit;			/* Linux's default nr_inodes bound */
	st->f_ffree = limit;
}

static void fill_common(struct statfs *st, long magic, unsigned int dev)
{
	memset(st, 0, sizeof(*st));
	st->f_type = magic;
	st->f_bsize = st->f_frsize = PAGE_SIZE;
	st->f_namelen = NAME_MAX;
	st->f_fsid.val[0] = dev;
	st->f_flags = ST_VALID;
}

/* Fill @st for super block @sb. */
static void statfs_sb(struct super_block *sb, struct statfs *st)
{
	fill_common(st, sb->type->magic, sb->dev);
	if (sb->type->magic == TMPFS_MAGIC)
		tmpfs_blocks(st);
}

static long statfs_to_user(const struct statfs *st, struct statfs __user *ubuf)
{
	return copy_to_user(ubuf, st, sizeof(*st)) ? -EFAULT : 0;
}

static long sys_statfs(const char __user *path, struct statfs __user *ubuf)
{
	struct statfs st;
	struct dentry *d;
	long err = user_path_at(AT_FDCWD, path, &d);

	if (err)
		return err;
	statfs_sb(d->sb, &st);
	dentry_put(d);
	return statfs_to_user(&st, ubuf);
}
SYSCALL(__NR_statfs, sys_statfs);

static long sys_fstatfs(int fd, struct statfs __user *ubuf)
{
	struct statfs st;
	struct file *f = fget(fd);

	if (!f)
		return -EBADF;
	if (f->inode)
		statfs_sb(f->inode->sb, &st);
	else
		fill_common(&st, PIPEFS_MAGIC, 0);	/* the only inode-less files */
	fput(f);
	return statfs_to_user(&st, ubuf);
}
SYSCALL(__NR_fstatfs, sys_fstatfs);
