/*
 * arch/sys_arch.h - the types of lwIP's operating-system layer on Pagoda
 * (lwIP reads it through lwip/sys.h as "arch/sys_arch.h"); the functions
 * are in kernel/net/lwip/sys_arch.c.
 *
 * lwIP runs with NO_SYS=0: its core runs in one kernel thread ("tcpip",
 * lwIP's tcpip_thread), other threads reach it through mailboxes or, with
 * LWIP_TCPIP_CORE_LOCKING, by taking the core mutex. lwIP embeds these
 * objects inside its own structures (a netconn holds a semaphore and
 * mailboxes), so each is a struct initialised in place by sys_*_new() and
 * marked invalid by sys_*_set_invalid(); only a mailbox's slots are
 * allocated separately (their number is given at creation).
 *
 *   sys_sem_t    a counting semaphore: spinlock + count + wait queue, so a
 *                wait can end at a timeout (Pagoda's struct semaphore
 *                cannot)
 *   sys_mutex_t  a Pagoda mutex (kernel/wait.h), lock-order checked
 *   sys_mbox_t   a bounded ring of pointers with a wait queue for each
 *                side: fetchers wait while it is empty, posters while full
 *
 * Every wait is uninterruptible: a signal does not cut a lwIP operation
 * short (the socket layer will decide how signals end its own waits).
 */
#ifndef PAGODA_LWIP_ARCH_SYS_ARCH_H
#define PAGODA_LWIP_ARCH_SYS_ARCH_H

#include "kernel/wait.h"

typedef struct sys_sem {
	spinlock_t lock;		/* guards count */
	unsigned int count;
	struct waitqueue wq;		/* tasks waiting for count > 0 */
	bool valid;
} sys_sem_t;

typedef struct sys_mutex {
	struct mutex m;
	bool valid;
} sys_mutex_t;

typedef struct sys_mbox {
	spinlock_t lock;		/* guards slots, head, count */
	void **slots;			/* size entries, kmalloc'd */
	unsigned int size, head, count;	/* ring: count entries from head */
	struct waitqueue not_empty;	/* fetchers */
	struct waitqueue not_full;	/* posters */
	bool valid;
} sys_mbox_t;

struct task;
typedef struct task *sys_thread_t;

/*
 * LWIP_ASSERT_CORE_LOCKED (lwipopts.h): lwIP's core functions must run in
 * the tcpip thread or with the core mutex held. Panics otherwise, once
 * tcpip_init() has made the mutex.
 */
void sys_check_core_locking(void);

#endif
