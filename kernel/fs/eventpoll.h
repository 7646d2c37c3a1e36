/*
 * eventpoll.h - what the rest of the VFS sees of epoll (kernel/fs/eventpoll.c).
 *
 * An epoll item holds no reference on the file it watches: it lives until
 * EPOLL_CTL_DEL, the epoll's own release, or the watched file's final
 * fput(), which calls eventpoll_release() before fop->release so that no
 * epoll wait entry is left on a queue the release frees.
 */
#ifndef KERNEL_FS_EVENTPOLL_H
#define KERNEL_FS_EVENTPOLL_H

#include "kernel/fs/vfs.h"

/* Boot (vfs_init): the slab caches of epolls and their items. */
void eventpoll_cache_init(void);

/*
 * Remove @f, whose last reference is gone, from every epoll watching it.
 * Sleeps (each epoll's mutex); call with no lock held.
 */
void eventpoll_release_file(struct file *f);

/*
 * fput()'s hook. The test needs no lock: with the last reference gone
 * nobody can add an item (EPOLL_CTL_ADD holds a reference on the file),
 * so an empty list stays empty.
 */
static inline void eventpoll_release(struct file *f)
{
	if (READ_ONCE(f->ep_links.next) != &f->ep_links)
		eventpoll_release_file(f);
}

#endif
