/*
 * initramfs.c - unpack the boot module (a cpio "newc" archive) into "/".
 *
 * The archive is parsed by kernel/lib/cpio.c; each entry becomes a node of
 * the root tmpfs through the ordinary kernel-side VFS calls:
 *
 *   directory       mkdir (an existing one is fine)
 *   regular file    open(O_CREAT|O_TRUNC) + kernel_write of its data
 *   char device     mknod with the entry's rdev
 *   anything else   skipped (symbolic links, FIFOs, sockets: counted)
 *
 * Names are taken relative to "/" ("./bin/sh", "/bin/sh" and "bin/sh" are
 * the same); missing parent directories are made (0755), so archives that
 * list only files work. Modes keep their permission bits; owners and
 * mtimes are not kept. Hard links (newc lists the data with the last
 * link) are unpacked as independent files.
 *
 * A malformed archive stops the unpacking: what was unpacked before the
 * bad entry stays, and the error is returned, as Linux does.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/cpio.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "mm/slab.h"

struct unpack_stats {
	unsigned int dirs, files, devs, skipped, failed;
};

/* "./a/b", "/a/b", "a/b" -> "a/b"; "" for the root itself. */
static const char *strip_prefix(const char *name)
{
	for (;;) {
		if (name[0] == '/')
			name++;
		else if (name[0] == '.' && name[1] == '/')
			name += 2;
		else if (name[0] == '.' && name[1] == 0)
			name++;
		else
			return name;
	}
}

/* mkdir -p of every directory above @path (a kmalloc'd copy is cut up). */
static void make_parents(struct dentry *root, const char *path)
{
	char *p = kmalloc(PATH_MAX, 0);
	char *slash;

	if (!p)
		return;
	strlcpy(p, path, PATH_MAX);
	for (slash = strchr(p, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		if (*p)
			vfs_mkdir(root, root, p, 0755);
		*slash = '/';
	}
	kfree(p);
}

static int unpack_file(struct dentry *root, const char *name, const struct cpio_entry *e)
{
	struct file *f = vfs_open(root, root, name, O_CREAT | O_WRONLY | O_TRUNC,
				  e->mode & 07777);
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_write(f, e->data, e->size, 0);
	fput(f);
	if (n < 0)
		return (int)n;
	return (size_t)n == e->size ? 0 : -ENOSPC;
}

static int unpack_entry(struct dentry *root, const struct cpio_entry *e,
			struct unpack_stats *st)
{
	const char *name = strip_prefix(e->name);
	int err = 0;

	if (!*name)
		return 0;		/* "." : the root exists */
	make_parents(root, name);
	switch (e->mode & S_IFMT) {
	case S_IFDIR:
		err = vfs_mkdir(root, root, name, e->mode & 07777);
		if (err == -EEXIST)
			err = 0;
		st->dirs += !err;
		break;
	case S_IFREG:
		err = unpack_file(root, name, e);
		st->files += !err;
		break;
	case S_IFCHR:
		if (e->rdevminor > 0xff)
			return -EINVAL;
		err = vfs_mknod(root, root, name, e->mode & (S_IFMT | 07777),
				MKDEV(e->rdevmajor, e->rdevminor));
		st->devs += !err;
		break;
	default:
		st->skipped++;
	}
	return err;
}

/*
 * Unpack the cpio archive @data[0..len) under directory @root. Returns 0,
 * or -EINVAL for a malformed archive (entries before the bad one are
 * kept). Entries that cannot be created are reported and skipped. May sleep.
 */
int initramfs_unpack_at(struct dentry *root, const void *data, size_t len)
{
	struct unpack_stats st = { 0 };
	struct cpio_iter it;
	struct cpio_entry e;
	int r;

	cpio_iter_init(&it, data, len);
	while ((r = cpio_next(&it, &e)) == 1) {
		int err = unpack_entry(root, &e, &st);

		if (err) {
			printk("initramfs: cannot unpack %s: error %d\n", e.name, err);
			st.failed++;
		}
	}
	if (r < 0)
		printk("initramfs: bad archive: %s (at offset %zu of %zu)\n", it.error,
		       it.off, len);
	printk("initramfs: %u directories, %u files, %u devices, %u skipped, %u failed\n",
	       st.dirs, st.files, st.devs, st.skipped, st.failed);
	return r < 0 ? r : 0;
}

/* Into "/" (vfs_init() must have run): see initramfs_unpack_at(). */
int initramfs_unpack(const void *data, size_t len)
{
	if (!vfs_root)
		return -ENOENT;
	return initramfs_unpack_at(vfs_root, data, len);
}
