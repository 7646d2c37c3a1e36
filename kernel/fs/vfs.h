/*
 * vfs.h - the boundary of the virtual file system: open files, their
 * operations, file-descriptor tables and per-process file-system context.
 *
 * Everything that can sit behind a file descriptor (tmpfs files and
 * directories, pipes, the console TTY, /dev/null, /proc files) is a
 * struct file whose fop says how to read, write, poll and ioctl it. File
 * operations receive *user* pointers and copy with mm/usercopy.h.
 *
 *   fd table (per process)         open file (shared by dup/fork)
 *   +----+                         +----------------------+
 *   |  0 |------------------------>| refcount, flags, pos |
 *   |  1 |-----------------------/ | fop ---> read/write/ |
 *   |  2 |--> ...                  | inode, dentry        |  poll/ioctl
 *   +----+                         +----------------------+
 *
 * The inode/dentry side (path lookup, tmpfs, devtmpfs, procfs, mounts) is
 * declared in kernel/fs/fs.h.
 */
#ifndef KERNEL_FS_VFS_H
#define KERNEL_FS_VFS_H

#include "kernel/uapi.h"
#include "kernel/wait.h"
#include "mm/usercopy.h"

struct file;
struct inode;
struct dentry;
struct poll_table;
struct iovec;

/* The most one read, write or message moves (Linux: INT_MAX, page aligned). */
#define MAX_RW_COUNT	(0x7fffffffl & (long)PAGE_MASK)

struct file_operations {
	ssize_t (*read)(struct file *f, char __user *buf, size_t n, loff_t *pos);
	ssize_t (*write)(struct file *f, const char __user *buf, size_t n, loff_t *pos);
	/* readv/writev in one call (sockets: one message); NULL: per segment. */
	ssize_t (*rw_iov)(struct file *f, struct iovec *iov, int cnt, bool write);
	loff_t (*llseek)(struct file *f, loff_t off, int whence);	/* NULL: ESPIPE */
	/* Fill @buf with struct linux_dirent64 records; bytes written or -errno. */
	long (*getdents64)(struct file *f, void __user *buf, size_t n);
	long (*ioctl)(struct file *f, unsigned int cmd, unsigned long arg);
	/* Return POLLIN/POLLOUT/... now; register on wait queues via poll_wait(). */
	unsigned int (*poll)(struct file *f, struct poll_table *pt);
	int (*open)(struct inode *inode, struct file *f);
	void (*release)(struct file *f);	/* last reference dropped */
	/* Optional: drop one reference, return how many remain (sockets). */
	int (*put)(struct file *f);
};

struct file {
	int refcount;			/* atomic */
	unsigned int flags;		/* O_ACCMODE | O_APPEND | O_NONBLOCK ... */
	loff_t pos;
	const struct file_operations *fop;
	struct inode *inode;		/* NULL for a pipe end without an inode */
	struct dentry *dentry;		/* NULL when opened without a path */
	void *private_data;		/* the file's owner's state (pipe, tty) */
	bool writer;			/* holds write access to inode (get_write_access) */
	struct mutex pos_lock;		/* serialises read/write on this file */

	/* Epoll items watching this file (kernel/fs/eventpoll.c), guarded by ep_lock */
	spinlock_t ep_lock;
	struct list_head ep_links;	/* of struct epitem */
};

/* Boot (vfs_init): create the caches of struct file and of pipes. */
void file_cache_init(void);
void pipe_cache_init(void);
/* Allocate a file with refcount 1; ERR_PTR(-ENOMEM). */
struct file *file_alloc(const struct file_operations *fop, unsigned int flags);
struct file *file_get(struct file *f);	/* take a reference */
void fput(struct file *f);		/* drop one; release at zero */

/*
 * Poll plumbing (kernel/fs/poll.c): register @wq for a poll of @f. @wq
 * must stay valid until @f's release - an epoll item stays on it until
 * then (kernel/fs/poll.h). May sleep.
 */
void poll_wait(struct file *f, struct waitqueue *wq, struct poll_table *pt);

/* File-descriptor table (kernel/fs/file.c). */
#define NR_OPEN_MAX	256
struct files_struct *files_new(void);
struct files_struct *files_dup(struct files_struct *src);	/* fork */
struct files_struct *files_get(struct files_struct *fs);	/* CLONE_FILES: share */
void files_put(struct files_struct *fs);			/* exit */
void files_close_on_exec(struct files_struct *fs);		/* execve */
/* Install @f at the lowest free fd >= @min; the table takes the caller's reference. */
int fd_install(struct file *f, int min, bool cloexec);		/* fd or -EMFILE */
int fd_install_pair(struct file *pair[2], bool cloexec, int __user *ufds);	/* pipe2, socketpair */
struct file *fget(int fd);	/* current's fd -> file with a reference, or NULL */

/* Per-process root, working directory and umask (kernel/fs/namei.c). */
struct fs_struct *fs_struct_root(void);				/* for init */
struct fs_struct *fs_struct_dup(struct fs_struct *src);
struct fs_struct *fs_struct_get(struct fs_struct *fs);		/* CLONE_FS: share */
void fs_struct_put(struct fs_struct *fs);

/* Kernel-side access, e.g. for the ELF loader. */
struct file *file_open_kernel(const char *path, int flags);	/* or ERR_PTR */
ssize_t kernel_read(struct file *f, void *buf, size_t n, loff_t off);
bool file_is_regular(struct file *f);
bool file_may_exec(struct file *f);				/* any x bit */
loff_t file_size(struct file *f);

/* Character devices that devtmpfs shows in /dev (kernel/fs/devtmpfs.c). */
#define MKDEV(ma, mi)	(((ma) << 8) | (mi))
#define MAJOR(d)	((unsigned int)(d) >> 8)
#define MINOR(d)	((unsigned int)(d) & 0xff)
int chrdev_register(const char *name, unsigned int dev, umode_t mode,
		    const struct file_operations *fop);

/* Start-up: mount tmpfs at /, devtmpfs at /dev, proc at /proc. */
void vfs_init(void);
/* Register the character devices (console TTY, null, zero, urandom): devices.c. */
void devices_init(void);
/* Unpack a cpio "newc" archive into the root; 0 or -errno (bad archive). */
int initramfs_unpack(const void *data, size_t len);

#endif
