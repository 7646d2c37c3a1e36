/*
 * futex.h - what the rest of the kernel asks of the futex code
 * (kernel/futex.c, kernel/futex_robust.c): a wake-up for the exit path's
 * CLONE_CHILD_CLEARTID, and the robust-list walk of an exiting or
 * exec'ing thread. The system calls themselves (futex, set_robust_list,
 * get_robust_list) need no header.
 */
#ifndef KERNEL_FUTEX_H
#define KERNEL_FUTEX_H

#include "kernel/types.h"
#include "mm/usercopy.h"

struct mm;
struct task;

/* Boot: empty hash buckets (before the first system call). */
void futex_init(void);

/*
 * Wake up to @nr_wake waiters of the futex word at @uaddr in @mm, as a
 * FUTEX_WAKE without FUTEX_PRIVATE_FLAG does (Linux wakes the
 * clear_child_tid word of an exiting task this way, so a waiter whose
 * word lies in shared memory is found through the file's key). Returns
 * the number woken, -EINVAL for a misaligned @uaddr or -EFAULT when it is
 * not mapped. Takes @mm's mmap lock: may sleep.
 */
int futex_wake_user(struct mm *mm, uint32_t __user *uaddr, int nr_wake);

/*
 * Walk @t's robust-futex list (set_robust_list) once and forget it: every
 * lock on it whose futex word still holds @t's thread id is marked
 * FUTEX_OWNER_DIED, and one waiter of it is woken. @t must be current,
 * with its address space still loaded (the list is read through the user
 * copies). Any fault or bad entry ends the walk quietly; at most
 * ROBUST_LIST_LIMIT entries are looked at. May sleep; call it with no
 * lock held.
 */
void futex_exit_robust_list(struct task *t);

#endif
