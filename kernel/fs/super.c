/*
 * super.c - file-system types, super blocks, the mount table, mount(2),
 * umount2(2) and vfs_init().
 *
 * Every mount makes a new super block (a fresh tmpfs, a fresh view of
 * /proc or /dev), so a super block is mounted at most once and knows its
 * mount:
 *
 *   dentry "dev" (D_MOUNTED) <-- mount.mountpoint
 *                                mount.sb --> sb.root "/" of devtmpfs
 *                                             sb.mnt --> the same mount
 *
 * The table is a list under vfs_ns_lock; mounting on a dentry that already
 * has something mounted, or on the root of a mounted file system, is EBUSY
 * (no stacking). Unmounting detaches the file system and drops the tree's
 * references; files still open keep their inodes until closed.
 */
#include "kernel/errno.h"
#include "kernel/fs/eventpoll.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/syscall.h"
#include "mm/slab.h"
#include <linux/mount.h>

/* umount2() flags (<sys/mount.h>; not in the UAPI headers). */
#define MNT_FORCE	1
#define MNT_DETACH	2
#define MNT_EXPIRE	4
#define UMOUNT_NOFOLLOW	8

static LIST_HEAD(mount_table);
static unsigned int next_anon_dev = 1;		/* atomic */

static const struct fs_type *const fs_types[] = {
	&tmpfs_type, &devtmpfs_type, &proc_type, &sysfs_type,
};

static const struct fs_type *fs_type_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fs_types); i++)
		if (!strcmp(fs_types[i]->name, name))
			return fs_types[i];
	return NULL;
}

/*
 * Returns the super block or NULL when out of memory. The root inode gets
 * ino 1 and mode S_IFDIR | 0755.
 */
struct super_block *sb_alloc(const struct fs_type *type, const struct inode_operations *iops,
			     const struct file_operations *fop)
{
	struct super_block *sb = kzalloc(sizeof(*sb));
	struct inode *inode;

	if (!sb)
		return NULL;
	sb->type = type;
	sb->next_ino = 1;
	sb->dev = __atomic_fetch_add(&next_anon_dev, 1, __ATOMIC_RELAXED);
	INIT_LIST_HEAD(&sb->node);
	inode = inode_alloc(sb, S_IFDIR | 0755);
	if (!inode)
		goto err_free_sb;
	inode->i_op = iops;
	inode->fop = fop;
	sb->root = dentry_alloc(NULL, "/", inode);
	if (!sb->root)
		goto err_put_inode;
	return sb;

err_put_inode:
	inode_put(inode);
err_free_sb:
	kfree(sb);
	return NULL;
}

struct dentry *mount_root(struct dentry *d)
{
	struct mount *m;

	list_for_each_entry(m, &mount_table, node)
		if (m->mountpoint == d)
			return m->sb->root;
	return d;		/* cannot happen: D_MOUNTED without a mount */
}

/* Is @d the root of a super block that is mounted (or the boot root)? */
static bool is_mounted_root(struct dentry *d)
{
	return d == d->sb->root && (d->sb->mnt || d == vfs_root);
}

/*
 * Mount a new instance of the file system called @type on directory @on.
 * Returns 0, -ENODEV (unknown type), -ENOTDIR, -EBUSY (something is
 * already mounted there) or -ENOMEM. vfs_ns_lock held.
 */
int do_mount_locked(const char *type, struct dentry *on)
{
	const struct fs_type *t = fs_type_find(type);
	struct super_block *sb;
	struct mount *m;
	unsigned long irq;

	if (!t)
		return -ENODEV;
	if (!dentry_is_dir(on))
		return -ENOTDIR;
	if ((on->flags & D_MOUNTED) || is_mounted_root(on))
		return -EBUSY;
	m = kzalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	sb = t->make_sb();
	if (IS_ERR_OR_NULL(sb)) {
		kfree(m);
		return sb ? PTR_ERR(sb) : -ENOMEM;
	}
	m->sb = sb;
	m->mountpoint = dentry_get(on);
	irq = spin_lock_irqsave(&dentry_tree_lock);
	sb->mnt = m;
	spin_unlock_irqrestore(&dentry_tree_lock, irq);
	on->flags |= D_MOUNTED;
	list_add_tail(&m->node, &mount_table);
	return 0;
}

/*
 * Would tearing down the tree under @d disturb anyone? Each dentry is
 * expected to be held only by its parent's list, by its linked children
 * and (for the root) by the super block; any extra reference is a user.
 */
static bool tree_busy(struct dentry *d)
{
	struct dentry *c;
	int expect = 1;		/* sb->root, or the parent's list */

	list_for_each_entry(c, &d->children, child) {
		expect++;
		if (tree_busy(c))
			return true;
	}
	return __atomic_load_n(&d->refcount, __ATOMIC_RELAXED) > expect;
}

/* Drop the list references of the whole tree under @d, bottom up. */
static void tree_release(struct dentry *d)
{
	while (!list_empty(&d->children)) {
		struct dentry *c = list_first_entry(&d->children, struct dentry, child);

		dentry_get(c);
		tree_release(c);
		dentry_unlink(c);
		dentry_put(c);
	}
}

static bool has_submounts(struct super_block *sb)
{
	struct mount *m;

	list_for_each_entry(m, &mount_table, node)
		if (m->mountpoint->sb == sb)
			return true;
	return false;
}

/*
 * Unmount the file system whose root is @root. Returns 0, -EINVAL (not a
 * mount), -EBUSY (in use, or file systems mounted inside it; MNT_DETACH
 * skips the in-use test). The super block itself is not freed: inodes of
 * still-open files point at it. vfs_ns_lock held.
 */
int do_umount_locked(struct dentry *root, int flags)
{
	struct super_block *sb = root->sb;
	struct mount *m = sb->mnt;
	unsigned long irq;

	if (root != sb->root || !m)
		return -EINVAL;
	if (has_submounts(sb))
		return -EBUSY;
	/* The walk to @root took a reference of its own. */
	dentry_put(root);
	if (!(flags & MNT_DETACH) && tree_busy(root)) {
		dentry_get(root);
		return -EBUSY;
	}
	dentry_get(root);
	list_del_init(&m->node);
	m->mountpoint->flags &= ~D_MOUNTED;
	irq = spin_lock_irqsave(&dentry_tree_lock);
	sb->mnt = NULL;
	spin_unlock_irqrestore(&dentry_tree_lock, irq);
	dentry_put(m->mountpoint);
	kfree(m);
	tree_release(root);
	return 0;
}

/* Append one /proc/mounts line if it fits whole; the new length. */
static size_t mounts_line(char *buf, size_t size, size_t len, const char *type,
			  const char *path)
{
	int n = snprintf(buf + len, size - len, "%s %s %s rw 0 0\n", type, path, type);

	if (n < 0 || (size_t)n >= size - len) {
		buf[len] = 0;
		return len;
	}
	return len + n;
}

/*
 * The mount table as /proc/mounts shows it ("tmpfs /tmp tmpfs rw 0 0"),
 * the boot root first. Returns the length written. Takes vfs_ns_lock.
 */
size_t mounts_print(char *buf, size_t size)
{
	char *path = kmalloc(PATH_MAX, 0);
	struct mount *m;
	size_t len = 0;

	if (!path || size == 0) {
		kfree(path);
		return 0;
	}
	buf[0] = 0;
	mutex_lock(&vfs_ns_lock);
	if (vfs_root)
		len = mounts_line(buf, size, len, vfs_root->sb->type->name, "/");
	list_for_each_entry(m, &mount_table, node)
		if (dentry_path(m->mountpoint, vfs_root, path, PATH_MAX) >= 0)
			len = mounts_line(buf, size, len, m->sb->type->name, path);
	mutex_unlock(&vfs_ns_lock);
	kfree(path);
	return len;
}

/*
 * Boot: a tmpfs as "/", with /dev (devtmpfs), /proc (procfs) and an empty
 * /tmp for init to mount a tmpfs on. Panics only if memory is exhausted.
 */
void vfs_init(void)
{
	static const char *const dirs[] = { "dev", "proc", "tmp" };
	struct super_block *sb;

	file_cache_init();
	pipe_cache_init();
	eventpoll_cache_init();
	sb = tmpfs_type.make_sb();
	if (IS_ERR_OR_NULL(sb)) {
		printk("vfs: cannot create the root file system\n");
		return;
	}
	vfs_root = dentry_get(sb->root);
	mutex_lock(&vfs_ns_lock);
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		struct dentry *d = vfs_create_locked(vfs_root, dirs[i], S_IFDIR | 0755, 0);

		if (IS_ERR(d)) {
			printk("vfs: cannot create /%s: %ld\n", dirs[i], PTR_ERR(d));
			continue;
		}
		if (i < 2 && do_mount_locked(i == 0 ? "devtmpfs" : "proc", d))
			printk("vfs: cannot mount /%s\n", dirs[i]);
		dentry_put(d);
	}
	mutex_unlock(&vfs_ns_lock);
	printk("vfs: tmpfs on /, devtmpfs on /dev, proc on /proc\n");
}

/* ---- system calls ---- */

/*
 * mount(source, target, type, flags, data): source and data are ignored
 * (no block devices, no options); remount, bind and move are -EINVAL.
 */
static long sys_mount(const char __user *source, const char __user *target,
		      const char __user *type, unsigned long flags, const void __user *data)
{
	char fstype[32];
	struct dentry *root, *cwd, *on;
	char *path;
	long err;

	if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
		flags &= ~MS_MGC_MSK;
	if (flags & (MS_REMOUNT | MS_BIND | MS_MOVE))
		return -EINVAL;
	err = strncpy_from_user(fstype, type, sizeof(fstype));
	if (err < 0)
		return err == -ENAMETOOLONG ? -ENODEV : err;
	path = getname(target, /* allow_empty= */false);
	if (IS_ERR(path))
		return PTR_ERR(path);
	fs_get_root_cwd(&root, &cwd);
	mutex_lock(&vfs_ns_lock);
	err = namei_walk(root, cwd, path, &on);
	if (!err) {
		err = do_mount_locked(fstype, on);
		dentry_put(on);
	}
	mutex_unlock(&vfs_ns_lock);
	dentry_put(root);
	dentry_put(cwd);
	putname(path);
	return err;
}
SYSCALL(__NR_mount, sys_mount);

static long sys_umount2(const char __user *target, int flags)
{
	struct dentry *root, *cwd, *d;
	char *path;
	long err;

	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	path = getname(target, /* allow_empty= */false);
	if (IS_ERR(path))
		return PTR_ERR(path);
	fs_get_root_cwd(&root, &cwd);
	mutex_lock(&vfs_ns_lock);
	err = namei_walk(root, cwd, path, &d);
	if (!err) {
		err = d == root ? -EBUSY : do_umount_locked(d, flags);
		dentry_put(d);
	}
	mutex_unlock(&vfs_ns_lock);
	dentry_put(root);
	dentry_put(cwd);
	putname(path);
	return err;
}
SYSCALL(__NR_umount2, sys_umount2);
