/*
 * devtmpfs.c - the character-device table and the file system on /dev.
 *
 * Drivers call chrdev_register("null", MKDEV(1, 3), 0666, &null_fops) at
 * any time, before or after the VFS is up. The table maps a device number
 * to its file operations; open() of any S_IFCHR inode with that number --
 * in /dev or made elsewhere with mknod -- gets those operations and
 * fop->open is called (open.c).
 *
 * devtmpfs is a tmpfs whose root starts with one node per registered
 * device: every instance is on devtmpfs_sbs, and a registration that comes
 * later adds its node to each of them. Nodes can be removed or added by
 * hand like any tmpfs file.
 *
 *   chrdevs[]:  { "console", 5:1, 0600, fop } { "null", 1:3, 0666, fop } ...
 *                      |                             |
 *   /dev:       console (c 5:1)                  null (c 1:3)
 *
 * Entries are never removed from the table, so walking it by index needs
 * the lock only per entry.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"

#define MAX_CHRDEVS	32
#define CHRDEV_NAME_MAX	32

struct chrdev {
	char name[CHRDEV_NAME_MAX];
	unsigned int dev;
	umode_t mode;			/* permission bits of the /dev node */
	const struct file_operations *fop;
};

static spinlock_t chrdev_lock = SPINLOCK_INIT(chrdev_lock);	/* guards chrdevs[], nr_chrdevs */
static struct chrdev chrdevs[MAX_CHRDEVS];
static unsigned int nr_chrdevs;

static LIST_HEAD(devtmpfs_sbs);		/* guarded by vfs_ns_lock */
static bool devtmpfs_up;		/* atomic: some instance exists */

/* Copy entry @i into @out; false past the end. */
static bool chrdev_at(unsigned int i, struct chrdev *out)
{
	unsigned long irq = spin_lock_irqsave(&chrdev_lock);
	bool ok = i < nr_chrdevs;

	if (ok)
		*out = chrdevs[i];
	spin_unlock_irqrestore(&chrdev_lock, irq);
	return ok;
}

const struct file_operations *chrdev_lookup(unsigned int dev)
{
	const struct file_operations *fop = NULL;
	unsigned long irq = spin_lock_irqsave(&chrdev_lock);

	for (unsigned int i = 0; i < nr_chrdevs; i++)
		if (chrdevs[i].dev == dev)
			fop = chrdevs[i].fop;
	spin_unlock_irqrestore(&chrdev_lock, irq);
	return fop;
}

/* Make /dev/<name> in @sb; an existing name is left alone. vfs_ns_lock held. */
static void devtmpfs_add_node(struct super_block *sb, const struct chrdev *c)
{
	struct dentry *d = vfs_create_locked(sb->root, c->name, S_IFCHR | (c->mode & 07777),
					     c->dev);

	if (!IS_ERR(d))
		dentry_put(d);
	else if (PTR_ERR(d) != -EEXIST)
		printk("devtmpfs: cannot create %s: %ld\n", c->name, PTR_ERR(d));
}

void devtmpfs_populate(struct super_block *sb)
{
	struct chrdev c;

	for (unsigned int i = 0; chrdev_at(i, &c); i++)
		devtmpfs_add_node(sb, &c);
}

static int chrdev_add(const char *name, unsigned int dev, umode_t mode,
		      const struct file_operations *fop, struct chrdev *out)
{
	unsigned long irq;
	int err = 0;

	irq = spin_lock_irqsave(&chrdev_lock);
	for (unsigned int i = 0; i < nr_chrdevs && !err; i++)
		if (chrdevs[i].dev == dev || !strcmp(chrdevs[i].name, name))
			err = -EBUSY;
	if (!err && nr_chrdevs == MAX_CHRDEVS)
		err = -ENOSPC;
	if (!err) {
		struct chrdev *c = &chrdevs[nr_chrdevs];

		strlcpy(c->name, name, sizeof(c->name));
		c->dev = dev;
		c->mode = mode;
		c->fop = fop;
		*out = *c;
		__atomic_store_n(&nr_chrdevs, nr_chrdevs + 1, __ATOMIC_SEQ_CST);
	}
	spin_unlock_irqrestore(&chrdev_lock, irq);
	return err;
}

/*
 * Register character device @dev under @name (a single path component)
 * with node permissions @mode. Returns 0, -EINVAL (bad name or no fop),
 * -EBUSY (number or name taken), -ENOSPC (table full). Callable before
 * vfs_init(); afterwards it takes vfs_ns_lock and may sleep.
 */
int chrdev_register(const char *name, unsigned int dev, umode_t mode,
		    const struct file_operations *fop)
{
	struct super_block *sb;
	struct chrdev c;
	size_t len = name ? strnlen(name, CHRDEV_NAME_MAX) : 0;
	int err;

	if (!fop || len == 0 || len == CHRDEV_NAME_MAX || strchr(name, '/') ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	err = chrdev_add(name, dev, mode, fop, &c);
	if (err)
		return err;
	if (!__atomic_load_n(&devtmpfs_up, __ATOMIC_SEQ_CST))
		return 0;	/* the first mount will populate from the table */
	mutex_lock(&vfs_ns_lock);
	list_for_each_entry(sb, &devtmpfs_sbs, node)
		devtmpfs_add_node(sb, &c);
	mutex_unlock(&vfs_ns_lock);
	return 0;
}

/* A new instance (vfs_ns_lock held by do_mount_locked()). */
static struct super_block *devtmpfs_make_sb(void)
{
	struct super_block *sb = sb_alloc(&devtmpfs_type, &tmpfs_dir_iops, &dir_fops);

	if (!sb)
		return NULL;
	list_add_tail(&sb->node, &devtmpfs_sbs);
	__atomic_store_n(&devtmpfs_up, true, __ATOMIC_SEQ_CST);
	devtmpfs_populate(sb);
	return sb;
}

const struct fs_type devtmpfs_type = {
	.name = "devtmpfs",
	.magic = TMPFS_MAGIC,		/* Linux's devtmpfs is a tmpfs */
	.make_sb = devtmpfs_make_sb,
};
