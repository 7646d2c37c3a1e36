/*
 * sysfs.c - a minimal sysfs: the file-system type "sysfs" mounted on /sys,
 * holding only the directories programs probe for.
 *
 *   /sys
 *   `-- kernel/
 *       `-- mm/        empty: no transparent_hugepage/, so tests that look
 *                      for THP knobs find none and skip, as on a kernel
 *                      built without THP
 *
 * Each mount builds its own small tree of ordinary linked dentries when
 * it is made (make_sb runs under vfs_ns_lock), listed by tree_iterate;
 * the directories have no create operation, so nothing can be added.
 * statfs's f_type for it (SYSFS_MAGIC) is its fs_type's magic.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "mm/slab.h"

static const struct inode_operations sysfs_dir_iops = {
	.iterate = tree_iterate,
};

/* A new empty directory @name under @parent, linked; NULL when out of memory. */
static struct dentry *sysfs_mkdir(struct dentry *parent, const char *name)
{
	struct inode *inode = inode_alloc(parent->sb, S_IFDIR | 0755);
	struct dentry *d;

	if (!inode)
		return NULL;
	inode->i_op = &sysfs_dir_iops;
	inode->fop = &dir_fops;
	d = dentry_alloc(parent, name, inode);
	if (!d) {
		inode_put(inode);
		return NULL;
	}
	dentry_link(d);		/* the parent's list keeps it */
	dentry_put(d);
	return d;
}

/*
 * Undo a sysfs_make_sb() that ran out of memory half-way: @kernel (if it
 * was made) holds no child, so unlinking it frees it and its reference on
 * the root; the root then goes with the super block's reference.
 */
static void sysfs_free_sb(struct super_block *sb, struct dentry *kernel)
{
	if (kernel)
		dentry_unlink(kernel);
	dentry_put(sb->root);
	kfree(sb);
}

static struct super_block *sysfs_make_sb(void)
{
	struct super_block *sb = sb_alloc(&sysfs_type, &sysfs_dir_iops, &dir_fops);
	struct dentry *kernel;

	if (!sb)
		return NULL;
	kernel = sysfs_mkdir(sb->root, "kernel");
	if (!kernel || !sysfs_mkdir(kernel, "mm")) {
		sysfs_free_sb(sb, kernel);
		return ERR_PTR(-ENOMEM);
	}
	return sb;
}

const struct fs_type sysfs_type = {
	.name = "sysfs",
	.magic = SYSFS_MAGIC,
	.make_sb = sysfs_make_sb,
};
