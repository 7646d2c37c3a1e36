/*
 * namei.c - path lookup, and the per-process root and working directory.
 *
 * A walk takes the path one component at a time:
 *
 *   "/usr/../tmp/x"   start = root (absolute) or the given start dentry
 *    usr   -> child "usr" of the current dentry (tree, else i_op->lookup)
 *    ..    -> parent, but never above the walker's root; at the root of a
 *             mounted super block first step back to the mount point
 *    tmp   -> child; D_MOUNTED: continue at the mounted root instead
 *    x     -> last component
 *
 * Lookups get an explicit (root, start) pair so in-kernel callers and tests
 * need no process; the system calls take them from current()->fs
 * (fs_get_root_cwd()). Everything here runs under vfs_ns_lock (fs.h).
 * Symbolic links do not exist (no symlink system call), so there is no
 * following and no ELOOP.
 */
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/task.h"
#include "mm/slab.h"

/* Trade @d for the root of whatever is mounted on it, repeatedly. */
static struct dentry *follow_mounts(struct dentry *d)
{
	while (d->flags & D_MOUNTED) {
		struct dentry *r = dentry_get(mount_root(d));

		dentry_put(d);
		d = r;
	}
	return d;
}

/* ".." from @d (reference traded), staying inside @root. */
static struct dentry *step_dotdot(struct dentry *root, struct dentry *d)
{
	struct dentry *up;

	while (d != root && d == d->sb->root && d->sb->mnt) {
		up = dentry_get(d->sb->mnt->mountpoint);
		dentry_put(d);
		d = up;
	}
	if (d == root || d == d->sb->root)
		return d;
	up = dentry_get(d->parent);
	dentry_put(d);
	return up;
}

static struct dentry *lookup_len(struct dentry *root, struct dentry *dir,
				 const char *name, size_t len)
{
	struct dentry *d;
	char buf[NAME_MAX + 1];

	if (!dentry_is_dir(dir))
		return ERR_PTR(-ENOTDIR);
	if (len == 1 && name[0] == '.')
		return dentry_get(dir);
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return step_dotdot(root, dentry_get(dir));
	if (dir->inode->nlink == 0)
		return ERR_PTR(-ENOENT);	/* removed directory */
	d = dentry_find_child(dir, name, len);
	if (!d && dir->inode->i_op && dir->inode->i_op->lookup) {
		memcpy(buf, name, len);
		buf[len] = 0;
		d = dir->inode->i_op->lookup(dir, buf);
		if (IS_ERR(d))
			return d;
	}
	if (!d)
		return ERR_PTR(-ENOENT);
	return follow_mounts(d);
}

struct dentry *namei_lookup_one(struct dentry *root, struct dentry *dir, const char *name)
{
	size_t len = strlen(name);

	if (len > NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	return lookup_len(root, dir, name, len);
}

/*
 * Walk the first @len bytes of @path. An empty remainder ("" or only
 * slashes after the start) leaves the start dentry itself.
 */
static int walk_n(struct dentry *root, struct dentry *start, const char *path,
		  size_t len, struct dentry **res)
{
	const char *p = path, *end = path + len;
	struct dentry *d;

	d = dentry_get(*p == '/' ? root : start);
	d = follow_mounts(d);
	while (p < end) {
		const char *c;
		struct dentry *next;

		while (p < end && *p == '/')
			p++;
		if (p == end)
			break;
		for (c = p; c < end && *c != '/'; c++)
			;
		if (c - p > NAME_MAX) {
			dentry_put(d);
			return -ENAMETOOLONG;
		}
		/* Search permission on every directory passed through. */
		if (dentry_is_dir(d) && inode_permission(d->inode, MAY_EXEC)) {
			dentry_put(d);
			return -EACCES;
		}
		next = lookup_len(root, d, p, c - p);
		dentry_put(d);
		if (IS_ERR(next))
			return PTR_ERR(next);
		d = next;
		p = c;
	}
	*res = d;
	return 0;
}

static int check_path(const char *path)
{
	size_t len = strnlen(path, PATH_MAX);

	if (len == PATH_MAX)
		return -ENAMETOOLONG;
	if (len == 0)
		return -ENOENT;
	return 0;
}

int namei_walk(struct dentry *root, struct dentry *start, const char *path,
	       struct dentry **res)
{
	size_t len;
	int err = check_path(path);

	if (err)
		return err;
	len = strlen(path);
	err = walk_n(root, start, path, len, res);
	if (err)
		return err;
	if (path[len - 1] == '/' && !dentry_is_dir(*res)) {
		dentry_put(*res);
		return -ENOTDIR;
	}
	return 0;
}

/*
 *   "a/b/c//"  ->  walk "a/b/", last = "c", trailing_slash
 *   "/"        ->  parent = root, LAST_ROOT
 */
int namei_parent(struct dentry *root, struct dentry *start, const char *path,
		 struct dentry **parent, struct last_component *last)
{
	size_t end, begin;
	int err = check_path(path);

	if (err)
		return err;
	end = strlen(path);
	last->trailing_slash = false;
	while (end > 0 && path[end - 1] == '/') {
		end--;
		last->trailing_slash = true;
	}
	for (begin = end; begin > 0 && path[begin - 1] != '/'; begin--)
		;
	if (end - begin > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(last->name, path + begin, end - begin);
	last->name[end - begin] = 0;
	if (end == 0)
		last->type = LAST_ROOT;
	else if (!strcmp(last->name, "."))
		last->type = LAST_DOT;
	else if (!strcmp(last->name, ".."))
		last->type = LAST_DOTDOT;
	else
		last->type = LAST_NORM;
	err = walk_n(root, start, path, begin, parent);
	if (err)
		return err;
	if (!dentry_is_dir(*parent)) {
		dentry_put(*parent);
		return -ENOTDIR;
	}
	return 0;
}

/* ---- fs_struct: root and cwd of a process ---- */

struct fs_struct {
	int refcount;			/* atomic */
	spinlock_t lock;		/* guards root and cwd */
	struct dentry *root, *cwd;	/* each holds a reference */
};

static struct fs_struct *fs_struct_new(struct dentry *root, struct dentry *cwd)
{
	struct fs_struct *fs = kzalloc(sizeof(*fs));

	if (!fs)
		return NULL;
	fs->refcount = 1;
	spin_lock_init(&fs->lock);
	fs->root = dentry_get(root);
	fs->cwd = dentry_get(cwd);
	return fs;
}

/* A context at the boot root, for init. NULL when out of memory. */
struct fs_struct *fs_struct_root(void)
{
	return fs_struct_new(vfs_root, vfs_root);
}

/* A copy for fork (no CLONE_FS): same root and cwd, own references. */
struct fs_struct *fs_struct_dup(struct fs_struct *src)
{
	struct dentry *root, *cwd;
	struct fs_struct *fs;
	unsigned long irq = spin_lock_irqsave(&src->lock);

	root = dentry_get(src->root);
	cwd = dentry_get(src->cwd);
	spin_unlock_irqrestore(&src->lock, irq);
	fs = fs_struct_new(root, cwd);
	dentry_put(root);
	dentry_put(cwd);
	return fs;
}

struct fs_struct *fs_struct_get(struct fs_struct *fs)
{
	__atomic_add_fetch(&fs->refcount, 1, __ATOMIC_RELAXED);
	return fs;
}

void fs_struct_put(struct fs_struct *fs)
{
	if (!fs || __atomic_sub_fetch(&fs->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	dentry_put(fs->root);
	dentry_put(fs->cwd);
	kfree(fs);
}

void fs_get_root_cwd(struct dentry **root, struct dentry **cwd)
{
	struct task *t = current();
	struct fs_struct *fs = t ? t->fs : NULL;
	unsigned long irq;

	if (!fs) {
		*root = dentry_get(vfs_root);
		*cwd = dentry_get(vfs_root);
		return;
	}
	irq = spin_lock_irqsave(&fs->lock);
	*root = dentry_get(fs->root);
	*cwd = dentry_get(fs->cwd);
	spin_unlock_irqrestore(&fs->lock, irq);
}

/* Make @d (a directory; reference taken) the current task's cwd. */
int fs_set_cwd(struct dentry *d)
{
	struct task *t = current();
	struct fs_struct *fs = t ? t->fs : NULL;
	struct dentry *old;
	unsigned long irq;

	if (!fs)
		return -EINVAL;
	dentry_get(d);
	irq = spin_lock_irqsave(&fs->lock);
	old = fs->cwd;
	fs->cwd = d;
	spin_unlock_irqrestore(&fs->lock, irq);
	dentry_put(old);
	return 0;
}
