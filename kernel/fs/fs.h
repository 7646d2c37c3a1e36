/*
 * fs.h - inside the VFS: inodes, the dentry tree, superblocks, mounts and
 * path lookup, shared by the kernel/fs sources (the file boundary is vfs.h).
 *
 * All file systems of Pagoda keep their whole name space in memory, so the
 * dentry cache *is* the name space: one tree of struct dentry per super
 * block, in which a directory's children list holds every name it has.
 * File systems whose names are made up on the fly (procfs) answer
 * i_op->lookup instead and hand out dentries that are not in any list.
 *
 *   mount table                 dentry tree of one super block
 *   +---------+  mountpoint     "/" (sb->root, parent = itself)
 *   | mount   |----------+       |-- "dev"  D_MOUNTED --+
 *   |  sb ----|--+       |       |-- "tmp"              |
 *   +---------+  |       +-------|----------------------+
 *                +--> devtmpfs sb: root "/" -- "null" -- "tty" ...
 *
 * A walk that reaches a D_MOUNTED dentry continues at the root of the super
 * block mounted there; ".." at a super block's root goes back to the
 * mount point first. Each super block is mounted at most once, so the sb
 * points straight at its mount.
 *
 * Reference counts (atomic):
 *   dentry - held by its parent's children list while linked (D_LINKED),
 *            by each child (a dentry holds its parent), by open files, by
 *            fs_struct root/cwd and by mounts.
 *   inode  - held by each dentry naming it and by each open file.
 *
 * Locking (with mm's locks, the order is docs/locking.md's):
 *   vfs_ns_lock  one global mutex for the whole name space: every walk,
 *                every change of a children list, mount table and name.
 *                Simple and SMP-safe; lookups of different paths do not
 *                run in parallel, which a teaching kernel can afford.
 *   inode->lock  a mutex for file data, size and timestamps.
 */
#ifndef KERNEL_FS_FS_H
#define KERNEL_FS_FS_H

#include "kernel/fs/vfs.h"	/* first: kernel/uapi.h before compiler.h */
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include <linux/fs.h>		/* SEEK_* */
#include <linux/magic.h>	/* fs_type magic numbers */
#include "kernel/lib/interval_tree.h"
#include "kernel/lib/list.h"
#include "kernel/uapi.h"
#include "kernel/wait.h"
#include "mm/page_tree.h"		/* struct inode's page cache */
#include "mm/usercopy.h"

#define NAME_MAX	255		/* bytes in one path component */
#define PATH_MAX	4096		/* bytes in a path, NUL included */

struct super_block;
struct dir_context;
struct task;

/* ---- buffers that are either user or kernel memory (dcache.c) ---- */

/*
 * Data paths of tmpfs and procfs copy through an fs_buf, so the same code
 * serves read(2) (user pointer) and kernel_read() (kernel pointer).
 */
struct fs_buf {
	char *ptr;		/* __user when is_user */
	bool is_user;
};

static inline struct fs_buf fsbuf_user(void __user *p)
{
	return (struct fs_buf){ .ptr = p, .is_user = true };
}

static inline struct fs_buf fsbuf_kernel(void *p)
{
	return (struct fs_buf){ .ptr = p, .is_user = false };
}

/* Each returns 0 or -EFAULT (user buffers only). */
int fsbuf_copy_out(struct fs_buf dst, size_t off, const void *src, size_t n);
int fsbuf_copy_in(void *dst, struct fs_buf src, size_t off, size_t n);
int fsbuf_zero(struct fs_buf dst, size_t off, size_t n);

/* ---- inodes ---- */

/* File times: FS_EPOCH plus clock_ns() since boot (no real-time clock yet). */
#define FS_EPOCH_SEC	1704067200ll	/* 2024-01-01T00:00:00Z */

struct fs_time {
	int64_t sec;
	long nsec;
};

struct fs_time fs_now(void);

struct inode_operations {
	/*
	 * Directories. lookup: names not in the dentry tree (procfs); returns
	 * a new dentry for @name under @parent, or ERR_PTR(-ENOENT).
	 * create: a new inode for a name the VFS then links into the tree;
	 * NULL means the directory cannot get new names (EACCES/EPERM).
	 * iterate: emit entries after ctx->pos with dir_emit().
	 * Called with vfs_ns_lock held.
	 */
	struct dentry *(*lookup)(struct dentry *parent, const char *name);
	struct inode *(*create)(struct inode *dir, umode_t mode, unsigned int rdev);
	int (*iterate)(struct file *dir, struct dir_context *ctx);

	/* Regular files: data through an fs_buf; bytes or -errno. */
	ssize_t (*read)(struct file *f, struct fs_buf buf, size_t n, loff_t *pos);
	ssize_t (*write)(struct file *f, struct fs_buf buf, size_t n, loff_t *pos);
	int (*setsize)(struct inode *inode, loff_t size);	/* truncate */
	/*
	 * fallocate(2) on a regular file, arguments already checked by the
	 * VFS (open.c): 0 or -EOPNOTSUPP (mode), -ENOSPC, -EFBIG, -EIO.
	 */
	int (*fallocate)(struct inode *inode, int mode, loff_t off, loff_t len);

	void (*evict)(struct inode *inode);	/* last reference gone */
};

struct inode {
	int refcount;			/* atomic */
	umode_t mode;			/* S_IFMT | permission bits */
	uint64_t ino;
	struct super_block *sb;
	const struct inode_operations *i_op;
	const struct file_operations *fop;	/* what open() installs */
	unsigned int rdev;		/* MKDEV() of a device node */
	void *private;			/* file system's own */
	/*
	 * Atomic (Linux's i_writecount): > 0, the files open for writing;
	 * < 0, the address spaces running it as their program (exec's
	 * denial). One excludes the other: ETXTBSY (get_write_access()).
	 */
	int i_writecount;

	/* Guarded by vfs_ns_lock */
	unsigned int nlink;

	/* Guarded by lock (a sleeping lock: held across copies to user memory) */
	struct mutex lock;
	unsigned int uid, gid;
	/*
	 * The page cache: changed under lock *and* pages_lock, so the fault
	 * path (which must not take lock: a read(2) into a mapping of the
	 * same file would deadlock) can look up and fill it under pages_lock.
	 */
	spinlock_t pages_lock;
	loff_t size;
	unsigned long nr_pages;		/* pages and swap entries in @pages, for st_blocks */
	unsigned long swapped;		/* of which swap entries */
	struct page_tree pages;		/* data of a tmpfs regular file (mm/filemap.c) */
	int writeouts;			/* reclaim writing its pages (atomic; mm/shmem.c) */
	/* On mm/shmem.c's swaplist while it may hold swap entries, under shmem_swaplist_lock. */
	struct list_head swaplist;

	/* Mappers: the VMAs mapping this file, by page range (mm/rmap.h), under i_mmap_lock. */
	spinlock_t i_mmap_lock;
	struct interval_tree_root i_mmap;
	struct fs_time atime, mtime, ctime;
};

/* New inode with refcount 1, a fresh ino from @sb and times set to now. */
struct inode *inode_alloc(struct super_block *sb, umode_t mode);
struct inode *inode_get(struct inode *inode);
void inode_put(struct inode *inode);

/* ---- dentries ---- */

enum dentry_flags {
	D_LINKED	= 1u << 0,	/* on parent's children list (holds a ref) */
	D_MOUNTED	= 1u << 1,	/* something is mounted on this dentry */
	D_DYNAMIC	= 1u << 2,	/* made by i_op->lookup, never linked */
};

struct dentry {
	int refcount;			/* atomic */
	struct super_block *sb;
	struct inode *inode;		/* never NULL */

	/* Guarded by vfs_ns_lock */
	unsigned int flags;
	char *name;			/* kmalloc'd, NUL-terminated */
	struct dentry *parent;		/* holds a reference; root: itself */
	struct list_head child;		/* on parent->children */
	struct list_head children;	/* in creation order */
	loff_t cookie;			/* getdents64 d_off of this entry */
	loff_t next_cookie;		/* for the next child of a directory */
};

/* getdents64 cookies: 1 is ".", 2 is "..", tree children from 3. */
#define DIR_COOKIE_FIRST	3

extern struct mutex vfs_ns_lock;
extern spinlock_t dentry_tree_lock;	/* parent/name/D_LINKED/mounts: see dcache.c */
extern struct dentry *vfs_root;		/* "/" of the boot name space */

/*
 * A new dentry for @inode named @name under @parent (taking a reference on
 * @parent unless NULL, which makes a root). The dentry takes the caller's
 * inode reference. Not linked anywhere. NULL when out of memory.
 */
struct dentry *dentry_alloc(struct dentry *parent, const char *name, struct inode *inode);
struct dentry *dentry_get(struct dentry *d);
void dentry_put(struct dentry *d);
/* Link @d under its parent (vfs_ns_lock held); the list takes a new reference. */
void dentry_link(struct dentry *d);
/* Unlink @d from its parent and drop the list's reference (vfs_ns_lock held). */
void dentry_unlink(struct dentry *d);
/* Linked child @name of @dir with a reference, or NULL (vfs_ns_lock held). */
struct dentry *dentry_find_child(struct dentry *dir, const char *name, size_t len);
/* Rename (vfs_ns_lock held): 0 or -ENOMEM. */
int dentry_set_name(struct dentry *d, const char *name);
/*
 * Write the path of @d as seen from @root into @buf. Returns the length
 * (without NUL), -ENAMETOOLONG if @size is too small, or -ENOENT when @d
 * has been unlinked. vfs_ns_lock held.
 */
long dentry_path(struct dentry *d, struct dentry *root, char *buf, size_t size);

static inline bool dentry_is_dir(const struct dentry *d)
{
	return S_ISDIR(d->inode->mode);
}

/* ---- super blocks and mounts (super.c) ---- */

struct fs_type {
	const char *name;
	long magic;				/* statfs f_type (<linux/magic.h>) */
	struct super_block *(*make_sb)(void);	/* new instance or ERR_PTR */
};

struct mount {
	struct super_block *sb;
	struct dentry *mountpoint;	/* holds a reference */
	struct list_head node;		/* on the mount table */
};

struct super_block {
	const struct fs_type *type;
	struct dentry *root;		/* holds a reference */
	struct mount *mnt;		/* where it is mounted, or NULL */
	unsigned int dev;		/* st_dev */
	uint64_t next_ino;		/* atomic */
	struct list_head node;		/* devtmpfs: on the instance list */
};

/* A super block with a root directory inode (mode 0755) from @iops/@fop. */
struct super_block *sb_alloc(const struct fs_type *type, const struct inode_operations *iops,
			     const struct file_operations *fop);
/* Mount a new instance of @type on the directory @on (vfs_ns_lock held). */
int do_mount_locked(const char *type, struct dentry *on);
/*
 * Unmount the file system whose root is @root (the caller holds a reference
 * to it from a walk). 0, -EINVAL (not a mount root), -EBUSY (in use, unless
 * MNT_DETACH (2) in @flags, or with mounts inside). vfs_ns_lock held.
 */
int do_umount_locked(struct dentry *root, int flags);
/* The root of whatever is mounted on @d (a D_MOUNTED dentry). */
struct dentry *mount_root(struct dentry *d);

/* ---- path lookup (namei.c); vfs_ns_lock held by the caller ---- */

enum last_type { LAST_NORM, LAST_ROOT, LAST_DOT, LAST_DOTDOT };

struct last_component {
	char name[NAME_MAX + 1];
	enum last_type type;
	bool trailing_slash;		/* "a/b/": the result must be a directory */
};

/*
 * Resolve @path from @start (or @root when absolute) into *@res with a
 * reference. "." and ".." work, ".." never leaves @root, mounts are
 * crossed both ways, a trailing slash requires a directory.
 * Returns 0, -ENOENT, -ENOTDIR, -ENAMETOOLONG.
 */
int namei_walk(struct dentry *root, struct dentry *start, const char *path,
	       struct dentry **res);
/*
 * Resolve all but the last component of @path into *@parent (a directory,
 * with a reference) and describe the last one in @last.
 */
int namei_parent(struct dentry *root, struct dentry *start, const char *path,
		 struct dentry **parent, struct last_component *last);
/* One step: @name inside directory @dir, with mounts crossed. */
struct dentry *namei_lookup_one(struct dentry *root, struct dentry *dir, const char *name);

/* Root and working directory of the current task (references), or vfs_root. */
void fs_get_root_cwd(struct dentry **root, struct dentry **cwd);
/* Make directory @d the current task's cwd (reference taken); 0 or -EINVAL. */
int fs_set_cwd(struct dentry *d);

/* ---- syscall helpers (open.c) ---- */

/* Copy a user path into a kmalloc'd buffer; ERR_PTR(-EFAULT/-ENAMETOOLONG/-ENOENT). */
char *getname(const char __user *upath, bool allow_empty);
void putname(char *name);

/* What a *at() system call resolves: the path, the root, where to start. */
struct at_path {
	char *name;			/* kernel copy of the path */
	struct dentry *root;		/* reference */
	struct dentry *start;		/* reference: dirfd's directory or the cwd */
};

/*
 * Fill @ap from (@dirfd, @upath) for the current task. Returns 0, or
 * -EFAULT/-ENAMETOOLONG/-ENOENT (path), -EBADF (dirfd not open), -ENOTDIR
 * (dirfd not a directory; only checked for relative paths).
 */
int at_path_get(int dirfd, const char __user *upath, bool allow_empty, struct at_path *ap);
void at_path_put(struct at_path *ap);
/* Resolve (@dirfd, @upath) to a dentry with a reference: 0 or -errno. */
int user_path_at(int dirfd, const char __user *upath, struct dentry **res);
/* With AT_EMPTY_PATH in @flags, is @upath "" (or NULL)? 1, 0, or -errno (-EFAULT ...). */
int at_empty_path(const char __user *upath, int flags);
/* The dentry of open fd @fd (a reference); -EBADF for none or a pipe. */
int fd_dentry(int fd, struct dentry **res);

extern const struct file_operations empty_fops;	/* no operations at all */

/*
 * May the current task access @inode with @mask (MAY_READ|MAY_WRITE|
 * MAY_EXEC of kernel/cred.h) through its fs ids? 0 or -EACCES. Never sleeps.
 */
int inode_permission(struct inode *inode, int mask);
/* Does current own @inode (its fsuid) or hold CAP_FOWNER? chmod's rule, Linux's. */
bool inode_owner_or_capable(const struct inode *inode);
/*
 * May the current task remove or rename away @victim from directory @dir?
 * Write and search permission on @dir (-EACCES), and in a sticky directory
 * ownership of @victim or @dir, or CAP_FOWNER (-EPERM). 0 when allowed.
 */
int may_delete_perm(struct inode *dir, struct inode *victim);
/* The owner a new inode gets: current's fsuid/fsgid (the file system's create calls it). */
void inode_init_owner(struct inode *inode);

/*
 * Open @path relative to @root/@start like openat(2); @mode is already
 * masked with the umask. Returns a file with one reference or ERR_PTR.
 */
struct file *vfs_open(struct dentry *root, struct dentry *start, const char *path,
		      int flags, umode_t mode);
/* A file for an existing dentry (reference taken); ERR_PTR on failure. */
struct file *vfs_open_dentry(struct dentry *d, int flags);
/* Create a node in the tree (vfs_ns_lock held): new dentry or ERR_PTR. */
struct dentry *vfs_create_locked(struct dentry *parent, const char *name, umode_t mode,
				 unsigned int rdev);
int vfs_truncate(struct inode *inode, loff_t size);
ssize_t kernel_write(struct file *f, const void *buf, size_t n, loff_t off);

/* Directory operations for kernel callers (dirops.c), @root/@start as above. */
/*
 * Create @path of type @mode (permission bits already masked by the
 * caller's umask) and return its dentry with a reference, or ERR_PTR:
 * -EEXIST for "/", "." and ".." and existing names, -ENOENT for "name/"
 * of a non-directory, or what the lookup or the file system says. Takes
 * vfs_ns_lock; may sleep. (mkdir, mknod, AF_UNIX bind.)
 */
struct dentry *vfs_create_at(struct dentry *root, struct dentry *start, const char *path,
			     umode_t mode, unsigned int rdev);
int vfs_mkdir(struct dentry *root, struct dentry *start, const char *path, umode_t mode);
int vfs_mknod(struct dentry *root, struct dentry *start, const char *path, umode_t mode,
	      unsigned int rdev);
int vfs_unlink(struct dentry *root, struct dentry *start, const char *path, bool rmdir);
int vfs_rename(struct dentry *root, struct dentry *ostart, const char *oldpath,
	       struct dentry *nstart, const char *newpath, bool noreplace);

/* Unpack a cpio archive under directory @root (initramfs.c); 0 or -EINVAL. */
int initramfs_unpack_at(struct dentry *root, const void *data, size_t len);

/* ---- file descriptor tables for explicit tables (file.c) ---- */

int files_install(struct files_struct *files, struct file *f, int min, bool cloexec);
struct file *files_fget(struct files_struct *files, int fd);
int files_close(struct files_struct *files, int fd);

/* ---- directories (readdir.c) ---- */

struct dir_context {
	loff_t pos;			/* cookie of the last entry emitted */
	char *buf;			/* kernel staging buffer */
	size_t size, used;
	bool full;			/* a record did not fit */
};

/* Add one entry with position @cookie; false when the buffer is full. */
bool dir_emit(struct dir_context *ctx, const char *name, size_t len, uint64_t ino,
	      unsigned int dtype, loff_t cookie);
/* Emit "." and ".." if ctx->pos is before them; false when full. */
bool dir_emit_dots(struct file *f, struct dir_context *ctx);
unsigned int dtype_of(umode_t mode);
extern const struct file_operations dir_fops;		/* getdents64 + llseek */
/* Files whose inode ops have read/write: read(2)/write(2)/lseek via i_op. */
extern const struct file_operations generic_file_fops;
loff_t generic_llseek(struct file *f, loff_t off, int whence);
/* lseek arithmetic against @size; sets f->pos. Caller holds f->pos_lock. */
loff_t llseek_size(struct file *f, loff_t off, int whence, loff_t size);

/*
 * A running program's file cannot be written, nor an open-for-writing file
 * run (Linux's rule, ETXTBSY). get_write_access() before a regular file
 * is opened for writing or truncated by path; deny_write_access() when
 * exec maps it (held by the mm: mm->exe_file). Each returns 0 or
 * -ETXTBSY and is undone by put_/allow_write_access(). Never sleep.
 */
static inline int get_write_access(struct inode *inode)
{
	int v = __atomic_load_n(&inode->i_writecount, __ATOMIC_RELAXED);

	do {
		if (v < 0)
			return -ETXTBSY;
	} while (!__atomic_compare_exchange_n(&inode->i_writecount, &v, v + 1, true,
					      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	return 0;
}

static inline void put_write_access(struct inode *inode)
{
	__atomic_sub_fetch(&inode->i_writecount, 1, __ATOMIC_RELEASE);
}

static inline int deny_write_access(struct inode *inode)
{
	int v = __atomic_load_n(&inode->i_writecount, __ATOMIC_RELAXED);

	do {
		if (v > 0)
			return -ETXTBSY;
	} while (!__atomic_compare_exchange_n(&inode->i_writecount, &v, v - 1, true,
					      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	return 0;
}

static inline void allow_write_access(struct inode *inode)
{
	__atomic_add_fetch(&inode->i_writecount, 1, __ATOMIC_RELEASE);
}

/*
 * readv/writev/vmsplice: copy and check a user iovec array: 0 <= cnt <=
 * UIO_MAXIOV, every length a non-negative ssize_t and their sum too.
 * Returns the array (kfree it), NULL for cnt == 0, or
 * ERR_PTR(-EINVAL/-EFAULT/-ENOMEM). May sleep (read_write.c).
 */
struct iovec *iov_import(const struct iovec __user *uiov, int cnt);

/* ---- file systems ---- */

extern const struct fs_type tmpfs_type, devtmpfs_type, proc_type, sysfs_type;
struct inode *tmpfs_new_inode(struct super_block *sb, umode_t mode, unsigned int rdev);
extern const struct inode_operations tmpfs_dir_iops;
/* i_op->iterate of directories kept in the dentry tree (tmpfs, devtmpfs). */
int tree_iterate(struct file *f, struct dir_context *ctx);
/* Character devices (devtmpfs.c). */
const struct file_operations *chrdev_lookup(unsigned int dev);
void devtmpfs_populate(struct super_block *sb);		/* vfs_ns_lock held */


#endif
