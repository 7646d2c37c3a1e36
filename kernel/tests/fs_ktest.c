/*
 * fs_ktest.c - in-kernel tests of the VFS, tmpfs, devtmpfs, procfs and the
 * initramfs unpacker.
 *
 * The tests run without a process, so they never go through the system
 * calls: each one builds a private tmpfs (tmpfs_type.make_sb()) and passes
 * its root explicitly to the kernel-side calls of fs.h (vfs_open,
 * vfs_mkdir, namei_walk, kernel_read/kernel_write ...). Nothing they make
 * is visible in the boot name space, and mounts made inside a private
 * tree are unmounted again before the test ends.
 */
#include "kernel/fs/fs.h"
#include "mm/shmem.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

/* A fresh tmpfs, its root with a reference; NULL when out of memory. */
static struct dentry *test_root(void)
{
	struct super_block *sb = tmpfs_type.make_sb();

	return IS_ERR_OR_NULL(sb) ? NULL : dentry_get(sb->root);
}

static int walk(struct dentry *root, const char *path, struct dentry **res)
{
	int err;

	mutex_lock(&vfs_ns_lock);
	err = namei_walk(root, root, path, res);
	mutex_unlock(&vfs_ns_lock);
	return err;
}

static bool exists(struct dentry *root, const char *path)
{
	struct dentry *d;

	if (walk(root, path, &d))
		return false;
	dentry_put(d);
	return true;
}

static struct file *open_at(struct dentry *root, const char *path, int flags)
{
	return vfs_open(root, root, path, flags, 0644);
}

static void fill(uint8_t *buf, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 7 + seed + (i >> 12));
}

/* Write 10000 bytes across three pages, read them back at odd offsets. */
KTEST(fs_tmpfs_rw)
{
	struct dentry *root = test_root();
	uint8_t *in = kmalloc(10000, 0), *out = kzalloc(10000);
	struct file *f;

	KT_ASSERT(root && in && out);
	fill(in, 10000, 1);
	f = open_at(root, "data", O_CREAT | O_RDWR);
	KT_ASSERT(!IS_ERR(f));
	KT_ASSERT_EQ(kernel_write(f, in, 10000, 0), 10000);
	KT_ASSERT_EQ(file_size(f), 10000);
	KT_ASSERT_EQ(f->inode->nr_pages, 3);
	KT_ASSERT_EQ(kernel_read(f, out, 10000, 0), 10000);
	KT_ASSERT(!memcmp(in, out, 10000));
	/* Across the page boundary at 4096. */
	KT_ASSERT_EQ(kernel_read(f, out, 100, 4050), 100);
	KT_ASSERT(!memcmp(in + 4050, out, 100));
	/* Short read at the end, nothing after it. */
	KT_ASSERT_EQ(kernel_read(f, out, 100, 9950), 50);
	KT_ASSERT_EQ(kernel_read(f, out, 100, 10000), 0);
	/* Overwrite in the middle. */
	KT_ASSERT_EQ(kernel_write(f, "XYZ", 3, 4095), 3);
	KT_ASSERT_EQ(kernel_read(f, out, 5, 4094), 5);
	KT_ASSERT(out[0] == in[4094] && !memcmp(out + 1, "XYZ", 3) && out[4] == in[4098]);
	KT_ASSERT(file_is_regular(f) && !file_may_exec(f));
	fput(f);
	/* The data outlives the open file. */
	f = open_at(root, "data", O_RDONLY);
	KT_ASSERT(!IS_ERR(f));
	KT_ASSERT_EQ(kernel_read(f, out, 10, 0), 10);
	KT_ASSERT(!memcmp(in, out, 10));
	fput(f);
	kfree(in);
	kfree(out);
	dentry_put(root);
	return KT_PASS;
}

/* A write far out leaves a hole that reads as zeros and costs no pages. */
KTEST(fs_tmpfs_sparse_truncate)
{
	struct dentry *root = test_root();
	uint8_t buf[64];
	unsigned long before = shmem_total_pages;
	struct file *f;

	KT_ASSERT(root);
	f = open_at(root, "sparse", O_CREAT | O_RDWR);
	KT_ASSERT(!IS_ERR(f));
	KT_ASSERT_EQ(kernel_write(f, "head", 4, 0), 4);
	KT_ASSERT_EQ(kernel_write(f, "tail", 4, (1 << 20) + 10), 4);
	KT_ASSERT_EQ(file_size(f), (1 << 20) + 14);
	KT_ASSERT_EQ(f->inode->nr_pages, 2);
	KT_ASSERT_EQ(shmem_total_pages, before + 2);
	memset(buf, 0xff, sizeof(buf));
	KT_ASSERT_EQ(kernel_read(f, buf, 64, 500000), 64);
	for (int i = 0; i < 64; i++)
		KT_ASSERT_EQ(buf[i], 0);
	/* Shrink into the first page: the far page goes, the tail is zeroed. */
	KT_ASSERT_EQ(vfs_truncate(f->inode, 2), 0);
	KT_ASSERT_EQ(file_size(f), 2);
	KT_ASSERT_EQ(f->inode->nr_pages, 1);
	KT_ASSERT_EQ(kernel_read(f, buf, 64, 0), 2);
	KT_ASSERT_EQ(vfs_truncate(f->inode, 8), 0);
	KT_ASSERT_EQ(kernel_read(f, buf, 64, 0), 8);
	KT_ASSERT(!memcmp(buf, "he\0\0\0\0\0\0", 8));
	/* O_TRUNC empties it; removing the last name and closing frees all. */
	fput(f);
	f = open_at(root, "sparse", O_WRONLY | O_TRUNC);
	KT_ASSERT(!IS_ERR(f));
	KT_ASSERT_EQ(file_size(f), 0);
	KT_ASSERT_EQ(vfs_unlink(root, root, "sparse", false), 0);
	KT_ASSERT(!exists(root, "sparse"));
	fput(f);
	KT_ASSERT_EQ(shmem_total_pages, before);
	dentry_put(root);
	return KT_PASS;
}

/* Path lookup rules and their errors. */
KTEST(fs_namei)
{
	struct dentry *root = test_root(), *d;
	char name[NAME_MAX + 2];
	struct file *f;

	KT_ASSERT(root);
	KT_ASSERT_EQ(vfs_mkdir(root, root, "a", 0755), 0);
	KT_ASSERT_EQ(vfs_mkdir(root, root, "a/b/", 0755), 0);
	KT_ASSERT_EQ(vfs_mkdir(root, root, "a", 0755), -EEXIST);
	KT_ASSERT_EQ(vfs_mkdir(root, root, "/", 0755), -EEXIST);
	KT_ASSERT_EQ(vfs_mkdir(root, root, "x/y", 0755), -ENOENT);
	f = open_at(root, "a/f", O_CREAT | O_WRONLY);
	KT_ASSERT(!IS_ERR(f));
	fput(f);
	KT_ASSERT_EQ(walk(root, "a/b/../b/./", &d), 0);
	KT_ASSERT(dentry_is_dir(d) && !strcmp(d->name, "b"));
	dentry_put(d);
	KT_ASSERT_EQ(walk(root, "/../../a//f", &d), 0);	/* ".." stops at the root */
	dentry_put(d);
	KT_ASSERT_EQ(walk(root, "a/nope", &d), -ENOENT);
	KT_ASSERT_EQ(walk(root, "", &d), -ENOENT);
	KT_ASSERT_EQ(walk(root, "a/f/x", &d), -ENOTDIR);
	KT_ASSERT_EQ(walk(root, "a/f/", &d), -ENOTDIR);
	memset(name, 'n', NAME_MAX + 1);
	name[NAME_MAX + 1] = 0;
	KT_ASSERT_EQ(walk(root, name, &d), -ENAMETOOLONG);
	name[NAME_MAX] = 0;
	KT_ASSERT_EQ(walk(root, name, &d), -ENOENT);		/* 255 is fine */
	/* Opens that must fail. */
	KT_ASSERT_EQ(PTR_ERR(open_at(root, "a/f", O_CREAT | O_EXCL | O_RDWR)), -EEXIST);
	KT_ASSERT_EQ(PTR_ERR(open_at(root, "a/f", O_RDONLY | O_DIRECTORY)), -ENOTDIR);
	KT_ASSERT_EQ(PTR_ERR(open_at(root, "a", O_WRONLY)), -EISDIR);
	KT_ASSERT_EQ(PTR_ERR(open_at(root, "a/g/", O_CREAT | O_RDWR)), -EISDIR);
	KT_ASSERT_EQ(PTR_ERR(open_at(root, "missing", O_RDONLY)), -ENOENT);
	/* Removal rules. */
	KT_ASSERT_EQ(vfs_unlink(root, root, "a", true), -ENOTEMPTY);
	KT_ASSERT_EQ(vfs_unlink(root, root, "a/b", false), -EISDIR);
	KT_ASSERT_EQ(vfs_unlink(root, root, "a/f", true), -ENOTDIR);
	KT_ASSERT_EQ(vfs_unlink(root, root, "a/.", true), -EINVAL);
	KT_ASSERT_EQ(vfs_unlink(root, root, "a/f/", false), -ENOTDIR);
	KT_ASSERT_EQ(vfs_unlink(root, root, "a/b", true), 0);
	KT_ASSERT_EQ(root->inode->nlink, 3);			/* ".", "..", a */
	dentry_put(root);
	return KT_PASS;
}

/* rename moves the dentry; an open directory follows it (dentry_path). */
KTEST(fs_rename)
{
	struct dentry *root = test_root(), *d;
	char path[64];

	KT_ASSERT(root);
	KT_ASSERT_EQ(vfs_mkdir(root, root, "p", 0755), 0);
	KT_ASSERT_EQ(vfs_mkdir(root, root, "p/q", 0755), 0);
	KT_ASSERT_EQ(vfs_mkdir(root, root, "r", 0755), 0);
	KT_ASSERT_EQ(vfs_mknod(root, root, "p/file", S_IFREG | 0644, 0), 0);
	KT_ASSERT_EQ(walk(root, "p/q", &d), 0);
	KT_ASSERT_EQ(vfs_rename(root, root, "p/q", root, "r/q2", false), 0);
	mutex_lock(&vfs_ns_lock);
	KT_ASSERT_EQ(dentry_path(d, root, path, sizeof(path)), 5);
	mutex_unlock(&vfs_ns_lock);
	KT_ASSERT(!strcmp(path, "/r/q2"));
	KT_ASSERT(!exists(root, "p/q") && exists(root, "r/q2"));
	KT_ASSERT_EQ(vfs_rename(root, root, "r", root, "r/q2/inside", false), -EINVAL);
	KT_ASSERT_EQ(vfs_rename(root, root, "p/file", root, "r", false), -EISDIR);
	KT_ASSERT_EQ(vfs_rename(root, root, "r/q2", root, "p/file", false), -ENOTDIR);
	KT_ASSERT_EQ(vfs_rename(root, root, "p", root, "r", false), -ENOTEMPTY);
	KT_ASSERT_EQ(vfs_rename(root, root, "p/file", root, "p/file", false), 0);
	KT_ASSERT_EQ(vfs_rename(root, root, "nope", root, "x", false), -ENOENT);
	KT_ASSERT_EQ(vfs_mknod(root, root, "other", S_IFREG | 0644, 0), 0);
	KT_ASSERT_EQ(vfs_rename(root, root, "other", root, "p/file", true), -EEXIST);
	KT_ASSERT_EQ(vfs_rename(root, root, "other", root, "p/file", false), 0);
	KT_ASSERT(!exists(root, "other") && exists(root, "p/file"));
	/* Removed while held: lookups in it fail, its path is gone. */
	KT_ASSERT_EQ(vfs_unlink(root, root, "r/q2", true), 0);
	mutex_lock(&vfs_ns_lock);
	KT_ASSERT_EQ(dentry_path(d, root, path, sizeof(path)), -ENOENT);
	KT_ASSERT(IS_ERR(namei_lookup_one(root, d, "x")));
	mutex_unlock(&vfs_ns_lock);
	dentry_put(d);
	dentry_put(root);
	return KT_PASS;
}

/* Collect a directory listing of @f after position @pos into @names. */
static int list_dir(struct file *f, loff_t *pos, char *names, size_t size)
{
	struct dir_context ctx = { .pos = *pos, .size = 96 };	/* small: several calls */
	char buf[96];
	size_t off = 0, used = 0;

	ctx.buf = buf;
	names[0] = 0;
	mutex_lock(&vfs_ns_lock);
	f->inode->i_op->iterate(f, &ctx);
	mutex_unlock(&vfs_ns_lock);
	while (off < ctx.used) {
		struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + off);

		used += snprintf(names + used, size - used, "%s,", de->d_name);
		off += de->d_reclen;
	}
	*pos = ctx.pos;
	return (int)ctx.used;
}

/* getdents64 positions survive changes between calls. */
KTEST(fs_readdir_cookies)
{
	struct dentry *root = test_root();
	char names[256], all[512] = "";
	struct file *dir;
	loff_t pos = 0;

	KT_ASSERT(root);
	for (int i = 0; i < 6; i++) {
		char n[8];

		snprintf(n, sizeof(n), "e%d", i);
		KT_ASSERT_EQ(vfs_mknod(root, root, n, S_IFREG | 0644, 0), 0);
	}
	dir = open_at(root, "/", O_RDONLY | O_DIRECTORY);
	KT_ASSERT(!IS_ERR(dir));
	KT_ASSERT(list_dir(dir, &pos, names, sizeof(names)) > 0);
	strlcpy(all, names, sizeof(all));
	/* Mid-listing: remove one already listed and one still to come. */
	KT_ASSERT_EQ(vfs_unlink(root, root, "e0", false), 0);
	KT_ASSERT_EQ(vfs_unlink(root, root, "e5", false), 0);
	KT_ASSERT_EQ(vfs_mknod(root, root, "new", S_IFREG | 0644, 0), 0);
	while (list_dir(dir, &pos, names, sizeof(names)) > 0)
		strlcpy(all + strlen(all), names, sizeof(all) - strlen(all));
	KT_ASSERT(!strcmp(all, ".,..,e0,e1,e2,e3,e4,new,"));
	fput(dir);
	dentry_put(root);
	return KT_PASS;
}

/* ---- a small cpio archive, written by hand ---- */

static size_t cpio_add(char *buf, size_t off, const char *name, unsigned int mode,
		       const char *data, unsigned int rmaj, unsigned int rmin)
{
	size_t dlen = data ? strlen(data) : 0;

	off += snprintf(buf + off, 111, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
			1u, mode, 0u, 0u, 1u, 0u, (unsigned int)dlen, 0u, 0u, rmaj, rmin,
			(unsigned int)strlen(name) + 1, 0u);
	memcpy(buf + off, name, strlen(name) + 1);
	off = ALIGN_UP(off + strlen(name) + 1, 4);
	memcpy(buf + off, data ? data : "", dlen);
	return ALIGN_UP(off + dlen, 4);
}

KTEST(fs_cpio_unpack)
{
	struct dentry *root = test_root(), *d;
	char *ar = kzalloc(2048), out[32];
	struct file *f;
	size_t n = 0;

	KT_ASSERT(root && ar);
	n = cpio_add(ar, n, ".", 040755, NULL, 0, 0);
	n = cpio_add(ar, n, "./bin", 040755, NULL, 0, 0);
	n = cpio_add(ar, n, "bin/hello", 0100755, "hello, world\n", 0, 0);
	n = cpio_add(ar, n, "etc/deep/motd", 0100644, "hi", 0, 0);	/* parents implied */
	n = cpio_add(ar, n, "dev/null", 020666, NULL, 1, 3);
	n = cpio_add(ar, n, "link", 0120777, "bin/hello", 0, 0);	/* skipped */
	n = cpio_add(ar, n, "TRAILER!!!", 0, NULL, 0, 0);
	KT_ASSERT_EQ(initramfs_unpack_at(root, ar, n), 0);
	f = open_at(root, "/bin/hello", O_RDONLY);
	KT_ASSERT(!IS_ERR(f));
	KT_ASSERT(file_may_exec(f));
	KT_ASSERT_EQ(kernel_read(f, out, sizeof(out), 0), 13);
	KT_ASSERT(!memcmp(out, "hello, world\n", 13));
	fput(f);
	KT_ASSERT(exists(root, "etc/deep/motd") && !exists(root, "link"));
	KT_ASSERT_EQ(walk(root, "dev/null", &d), 0);
	KT_ASSERT(S_ISCHR(d->inode->mode) && d->inode->rdev == MKDEV(1, 3));
	dentry_put(d);
	/* Broken archives are refused. */
	KT_ASSERT_EQ(initramfs_unpack_at(root, ar, n - 10), -EINVAL);
	ar[0] = 'X';
	KT_ASSERT_EQ(initramfs_unpack_at(root, ar, n), -EINVAL);
	kfree(ar);
	dentry_put(root);
	return KT_PASS;
}

/* A tmpfs mounted inside another: crossing down, "..", and the EBUSY/EXDEV rules. */
KTEST(fs_mount_cross)
{
	struct dentry *root = test_root(), *mnt, *d, *up;
	char path[64];
	struct file *f;

	KT_ASSERT(root);
	KT_ASSERT_EQ(vfs_mkdir(root, root, "mnt", 0755), 0);
	KT_ASSERT_EQ(vfs_mknod(root, root, "outside", S_IFREG | 0644, 0), 0);
	KT_ASSERT_EQ(walk(root, "mnt", &mnt), 0);
	mutex_lock(&vfs_ns_lock);
	KT_ASSERT_EQ(do_mount_locked("nosuchfs", mnt), -ENODEV);
	KT_ASSERT_EQ(do_mount_locked("tmpfs", mnt), 0);
	KT_ASSERT_EQ(do_mount_locked("tmpfs", mnt), -EBUSY);
	mutex_unlock(&vfs_ns_lock);
	dentry_put(mnt);
	f = open_at(root, "mnt/inner", O_CREAT | O_RDWR);
	KT_ASSERT(!IS_ERR(f));
	KT_ASSERT(f->dentry->sb != root->sb);
	fput(f);
	KT_ASSERT_EQ(walk(root, "mnt/inner", &d), 0);
	mutex_lock(&vfs_ns_lock);
	KT_ASSERT_EQ(dentry_path(d, root, path, sizeof(path)), 10);
	mutex_unlock(&vfs_ns_lock);
	KT_ASSERT(!strcmp(path, "/mnt/inner"));
	dentry_put(d);
	KT_ASSERT_EQ(walk(root, "mnt/..", &up), 0);
	KT_ASSERT(up == root);
	dentry_put(up);
	KT_ASSERT_EQ(walk(root, "mnt/../outside", &d), 0);
	dentry_put(d);
	KT_ASSERT_EQ(vfs_mkdir(root, root, "mnt", 0755), -EEXIST);
	KT_ASSERT_EQ(vfs_unlink(root, root, "mnt", true), -EBUSY);
	KT_ASSERT_EQ(vfs_rename(root, root, "outside", root, "mnt/outside", false), -EXDEV);
	/* Unmount: busy while a file inside is held, then gone. */
	KT_ASSERT_EQ(walk(root, "mnt/inner", &d), 0);
	KT_ASSERT_EQ(walk(root, "mnt", &mnt), 0);
	mutex_lock(&vfs_ns_lock);
	KT_ASSERT_EQ(do_umount_locked(mnt, 0), -EBUSY);
	mutex_unlock(&vfs_ns_lock);
	dentry_put(d);
	mutex_lock(&vfs_ns_lock);
	KT_ASSERT_EQ(do_umount_locked(mnt, 0), 0);
	mutex_unlock(&vfs_ns_lock);
	dentry_put(mnt);
	KT_ASSERT(!exists(root, "mnt/inner"));
	KT_ASSERT_EQ(vfs_unlink(root, root, "mnt", true), 0);
	dentry_put(root);
	return KT_PASS;
}

static bool has_line(const char *text, const char *prefix)
{
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, prefix, strlen(prefix)))
			return true;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return false;
}

/* /proc files are generated at open; meminfo is in Linux's format. */
KTEST(fs_procfs_meminfo)
{
	struct dentry *root = test_root(), *mnt;
	char *buf = kzalloc(2048), expect[64];
	struct file *f;
	ssize_t n;

	KT_ASSERT(root && buf);
	KT_ASSERT_EQ(vfs_mkdir(root, root, "proc", 0555), 0);
	KT_ASSERT_EQ(walk(root, "proc", &mnt), 0);
	mutex_lock(&vfs_ns_lock);
	KT_ASSERT_EQ(do_mount_locked("proc", mnt), 0);
	mutex_unlock(&vfs_ns_lock);
	dentry_put(mnt);
	f = open_at(root, "proc/meminfo", O_RDONLY);
	KT_ASSERT(!IS_ERR(f));
	n = kernel_read(f, buf, 2047, 0);
	KT_ASSERT(n > 0);
	snprintf(expect, sizeof(expect), "MemTotal:       %8lu kB\n", pmm_managed_pages() * 4);
	KT_ASSERT(!strncmp(buf, expect, strlen(expect)));
	snprintf(expect, sizeof(expect), "%-16s%8u kB\n", "SwapTotal:", 0);
	KT_ASSERT(has_line(buf, "MemFree:") && has_line(buf, expect));
	KT_ASSERT(has_line(buf, "Shmem:"));
	/* A read at an offset sees the same snapshot. */
	KT_ASSERT_EQ(kernel_read(f, expect, 8, 3), 8);
	KT_ASSERT(!memcmp(expect, buf + 3, 8));
	fput(f);
	f = open_at(root, "proc/uptime", O_RDONLY);
	KT_ASSERT(!IS_ERR(f));
	n = kernel_read(f, buf, 64, 0);
	KT_ASSERT(n >= 10 && buf[n - 1] == '\n' && strchr(buf, '.'));
	fput(f);
	KT_ASSERT(!exists(root, "proc/nonexistent") && !exists(root, "proc/999999"));
	KT_ASSERT_EQ(PTR_ERR(open_at(root, "proc/new", O_CREAT | O_RDWR)), -EACCES);
	KT_ASSERT_EQ(walk(root, "proc", &mnt), 0);		/* now the proc root */
	KT_ASSERT(mnt->sb->type == &proc_type);
	mutex_lock(&vfs_ns_lock);
	KT_ASSERT_EQ(do_umount_locked(mnt, 0), 0);
	mutex_unlock(&vfs_ns_lock);
	dentry_put(mnt);
	kfree(buf);
	dentry_put(root);
	return KT_PASS;
}

/* Character devices: devtmpfs lists them, any S_IFCHR node opens them. */
KTEST(fs_chrdev_open)
{
	const struct file_operations *null_fops = chrdev_lookup(MKDEV(1, 3));
	struct dentry *root, *mnt;
	struct file *f;

	if (!null_fops)
		KT_SKIP("no device 1:3 (/dev/null) registered");
	root = test_root();
	KT_ASSERT(root);
	KT_ASSERT_EQ(vfs_mkdir(root, root, "dev", 0755), 0);
	KT_ASSERT_EQ(walk(root, "dev", &mnt), 0);
	mutex_lock(&vfs_ns_lock);
	KT_ASSERT_EQ(do_mount_locked("devtmpfs", mnt), 0);
	mutex_unlock(&vfs_ns_lock);
	dentry_put(mnt);
	f = open_at(root, "dev/null", O_RDWR);
	KT_ASSERT(!IS_ERR(f));
	KT_ASSERT(S_ISCHR(f->inode->mode));
	fput(f);
	KT_ASSERT_EQ(vfs_mknod(root, root, "mynull", S_IFCHR | 0666, MKDEV(1, 3)), 0);
	KT_ASSERT_EQ(vfs_mknod(root, root, "nodev", S_IFCHR | 0666, MKDEV(250, 7)), 0);
	f = open_at(root, "mynull", O_WRONLY);
	KT_ASSERT(!IS_ERR(f));
	KT_ASSERT(f->fop == null_fops || null_fops->open);	/* open may swap fops */
	fput(f);
	KT_ASSERT_EQ(PTR_ERR(open_at(root, "nodev", O_RDONLY)), -ENXIO);
	KT_ASSERT_EQ(walk(root, "dev", &mnt), 0);		/* now the devtmpfs root */
	mutex_lock(&vfs_ns_lock);
	KT_ASSERT_EQ(do_umount_locked(mnt, 0), 0);
	mutex_unlock(&vfs_ns_lock);
	dentry_put(mnt);
	dentry_put(root);
	return KT_PASS;
}

/* An explicit descriptor table: lowest free slot, fget references, close. */
KTEST(fs_fd_table)
{
	struct files_struct *files = files_new(), *copy;
	struct file *a = file_alloc(NULL, O_RDONLY), *b = file_alloc(NULL, O_WRONLY), *g;

	KT_ASSERT(files && !IS_ERR(a) && !IS_ERR(b));
	KT_ASSERT_EQ(files_install(files, a, 0, false), 0);
	KT_ASSERT_EQ(files_install(files, b, 0, true), 1);
	KT_ASSERT_EQ(files_install(files, file_get(a), 5, false), 5);
	KT_ASSERT_EQ(a->refcount, 2);
	g = files_fget(files, 5);
	KT_ASSERT(g == a && a->refcount == 3);
	fput(g);
	KT_ASSERT(files_fget(files, 2) == NULL && files_fget(files, -1) == NULL);
	KT_ASSERT(files_fget(files, NR_OPEN_MAX) == NULL);
	copy = files_dup(files);
	KT_ASSERT(copy && a->refcount == 4);
	files_close_on_exec(copy);			/* fd 1 was close-on-exec */
	KT_ASSERT(files_fget(copy, 1) == NULL && b->refcount == 1);
	KT_ASSERT_EQ(files_close(files, 0), 0);
	KT_ASSERT_EQ(files_close(files, 0), -EBADF);
	KT_ASSERT_EQ(files_install(files, file_get(b), 0, false), 0);
	files_put(copy);
	files_put(files);
	return KT_PASS;
}
