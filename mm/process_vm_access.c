/*
 * process_vm_access.c - one process reaching into another's memory:
 * process_vm_readv(2) and process_vm_writev(2), and the page loops that
 * /proc/PID/mem (kernel/fs/proc_mem.c) and ptrace's PEEK/POKE
 * (kernel/ptrace.c, access_remote_vm) share with them.
 *
 * The target is never touched through its CR3. Its pages are taken one
 * at a time with get_user_pages_locked() under the target's mmap lock
 * (faulting them in as a user access would), pinned (GUP_PIN: a fork of
 * the target meanwhile copies the page instead of sharing it, so a write
 * cannot leak into the child), and the lock is dropped before the copy:
 *
 *   target mm                            caller
 *   mmap_read_lock(target)
 *   get_user_pages_locked(1 page, PIN)
 *   mmap_read_unlock(target)
 *                 page_address(p) + off <--copy_{to,from}_user--> ubuf
 *   unpin_user_page(p)
 *
 * The copy runs with no mmap lock held because it may fault on the
 * caller's own mm (whose fault takes the caller's mmap lock), the target
 * may be the caller itself, and two processes may read each other: two
 * mmap locks are never nested. Each chunk ends at a page boundary of
 * both sides, so a fault on either side stops at an exact byte count;
 * no allocation is made (the target's pages are copied in place).
 *
 * Who may do this is Linux's ptrace_may_access() rule (kernel/cred.c),
 * checked by mm_access() under tasklist_lock, which also takes the
 * reference on the target's mm that keeps its address space alive if the
 * target exits or execs while the copy runs (exit and exec swap t->mm
 * under tasklist_lock, kernel/proc.c and kernel/exec.c).
 *
 * Neighbours: get_user_pages_locked in gup.c, iov_import in
 * kernel/fs/read_write.c.
 */
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/vfs.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include "mm/vm.h"
#include <linux/uio.h>

/* Contract in vm.h. */
struct mm *mm_access(pid_t pid, unsigned int mode)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	struct task *t = task_find(pid);
	struct mm *mm = NULL;

	if (!t || t->state == TASK_DEAD)
		mm = ERR_PTR(-ESRCH);
	else if (t->mm && t->mm != current()->mm && !ptrace_may_access(t, mode))
		mm = ERR_PTR(-EACCES);
	else if (t->mm && mm_get_unless_zero(t->mm))
		mm = t->mm;
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return mm;
}

/* Contract in vm.h. */
struct mm *get_task_mm(struct task *t)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	struct mm *mm = t->mm && mm_get_unless_zero(t->mm) ? t->mm : NULL;

	spin_unlock_irqrestore(&tasklist_lock, irq);
	return mm;
}

/*
 * The one page loop: copy @len bytes between [addr, addr + len) of @mm and
 * @buf, a user buffer (@user; a fault on it sets *@local_fault) or a
 * kernel one. Returns the bytes copied.
 */
static size_t remote_copy(struct mm *mm, unsigned long addr, void *buf, size_t len,
			  unsigned int gup_flags, bool user, bool *local_fault)
{
	bool write = gup_flags & GUP_WRITE;
	size_t done = 0;

	*local_fault = false;
	while (done < len) {
		unsigned long b = (unsigned long)buf + done;
		size_t chunk = MIN(len - done, PAGE_SIZE - (addr & ~PAGE_MASK));
		struct page *p;
		char *kaddr;
		long got;
		int err = 0;

		if (user)	/* end at the user buffer's page boundary too: exact on a fault */
			chunk = MIN(chunk, PAGE_SIZE - (b & ~PAGE_MASK));
		mmap_read_lock(mm);
		got = get_user_pages_locked(mm, addr & PAGE_MASK, 1, gup_flags | GUP_PIN, &p);
		mmap_read_unlock(mm);
		if (got != 1)
			break;			/* no access, no memory, or killed */
		kaddr = (char *)page_address(p) + (addr & ~PAGE_MASK);
		if (write && user)
			err = copy_from_user(kaddr, (const void __user *)b, chunk);
		else if (write)
			memcpy(kaddr, (const void *)b, chunk);
		else if (user)
			err = copy_to_user((void __user *)b, kaddr, chunk);
		else
			memcpy((void *)b, kaddr, chunk);
		/* A file page written behind its PTEs' backs must still go out. */
		if (write && !err && !page_test_flag(p, PG_anon))
			page_set_flag(p, PG_dirty);
		unpin_user_page(p);
		if (err) {
			*local_fault = true;
			break;
		}
		done += chunk;
		addr += chunk;
	}
	return done;
}

/* Contract in vm.h. */
size_t remote_vm_copy(struct mm *mm, unsigned long addr, void __user *ubuf, size_t len,
		      unsigned int gup_flags, bool *local_fault)
{
	return remote_copy(mm, addr, (void *)ubuf, len, gup_flags, true, local_fault);
}

/* Contract in vm.h. */
size_t access_remote_vm(struct mm *mm, unsigned long addr, void *buf, size_t len,
			unsigned int gup_flags)
{
	bool unused;

	return remote_copy(mm, addr, buf, len, gup_flags, false, &unused);
}

/* ---- process_vm_readv / process_vm_writev ---- */

/* The two vectors of one call, as copied in (kfree both). */
struct pvm_vecs {
	struct iovec *local, *remote;
	unsigned long nlocal, nremote;
};

/* Sum of the lengths of @n segments (each checked non-negative, so no wrap). */
static size_t iov_total(const struct iovec *iov, unsigned long n)
{
	size_t sum = 0;

	for (unsigned long i = 0; i < n; i++)
		sum += iov[i].iov_len;
	return sum;
}

/*
 * Copy in and check both iovec arrays in Linux's order (process_vm_rw),
 * the local one first: a count above UIO_MAXIOV or a negative length
 * gives EINVAL; an unreadable array, or a local segment outside the
 * user half, EFAULT. A local side of 0 bytes ends the call there with 0
 * (the remote array is not even read), which is returned as 1. The
 * remote addresses are the target's, checked only when used. Returns 0
 * (both arrays in @pv), 1, or -errno; nothing to free unless 0.
 */
static int check_process_vm_params(struct pvm_vecs *pv, const struct iovec __user *lvec,
				   unsigned long liovcnt, const struct iovec __user *rvec,
				   unsigned long riovcnt)
{
	struct iovec *l, *r;

	/* More local segments than UIO_MAXIOV. */
	if (liovcnt > UIO_MAXIOV)
		return -EINVAL;
	l = iov_import(lvec, (int)liovcnt);
	if (IS_ERR(l))
		return PTR_ERR(l);
	/* The local buffers must lie in the caller's user half (import_iovec). */
	for (unsigned long i = 0; i < liovcnt; i++)
		if (!access_ok(l[i].iov_base, l[i].iov_len)) {
			kfree(l);
			return -EFAULT;
		}
	/* Nothing to copy into or out of: done, whatever the rest says. */
	if (!iov_total(l, liovcnt)) {
		kfree(l);
		return 1;
	}
	/* More remote segments than UIO_MAXIOV. */
	r = riovcnt > UIO_MAXIOV ? ERR_PTR(-EINVAL) : iov_import(rvec, (int)riovcnt);
	if (IS_ERR(r)) {
		kfree(l);
		return PTR_ERR(r);
	}
	*pv = (struct pvm_vecs){ l, r, liovcnt, riovcnt };
	return 0;
}

/*
 * Move bytes between the remote segments, in order, and the local ones,
 * in order, as far as both go (MAX_RW_COUNT at most). Returns the bytes
 * copied, or -EFAULT when a remote or local fault stopped it before any.
 */
static ssize_t process_vm_copy(struct mm *mm, const struct pvm_vecs *pv, bool write)
{
	unsigned int gup_flags = write ? GUP_WRITE : 0;
	unsigned long li = 0, ri = 0;
	size_t loff = 0, roff = 0, total = 0;

	while (li < pv->nlocal && ri < pv->nremote && total < (size_t)MAX_RW_COUNT) {
		const struct iovec *l = &pv->local[li], *r = &pv->remote[ri];
		size_t n = MIN(l->iov_len - loff, r->iov_len - roff);
		bool local_fault;
		size_t got;

		n = MIN(n, (size_t)MAX_RW_COUNT - total);
		got = remote_vm_copy(mm, (unsigned long)r->iov_base + roff,
				     (char __user *)l->iov_base + loff, n, gup_flags, &local_fault);
		total += got;
		if (got < n)
			break;
		loff += n;
		roff += n;
		if (loff == l->iov_len) {
			li++;
			loff = 0;
		}
		if (roff == r->iov_len) {
			ri++;
			roff = 0;
		}
	}
	return total ? (ssize_t)total : -EFAULT;
}

/*
 * process_vm_readv/writev once the vectors are in: 0 when the remote side
 * asks for nothing (Linux returns before looking the pid up); -ESRCH for
 * no such process or one without an mm (a zombie); -EPERM when the caller
 * may not attach to it; else what process_vm_copy() says.
 */
static ssize_t do_process_vm_rw(pid_t pid, const struct pvm_vecs *pv, bool write)
{
	struct mm *mm;
	ssize_t ret;

	if (!iov_total(pv->remote, pv->nremote))
		return 0;
	mm = mm_access(pid, PTRACE_MODE_REALCREDS);
	if (!mm)
		return -ESRCH;
	if (IS_ERR(mm))
		return PTR_ERR(mm) == -EACCES ? -EPERM : PTR_ERR(mm);
	ret = process_vm_copy(mm, pv, write);
	mm_put(mm);
	return ret;
}

static long process_vm_rw(pid_t pid, const struct iovec __user *lvec, unsigned long liovcnt,
			  const struct iovec __user *rvec, unsigned long riovcnt,
			  unsigned long flags, bool write)
{
	struct pvm_vecs pv = { 0 };
	long ret;

	/* No flags are defined. */
	if (flags)
		return -EINVAL;
	ret = check_process_vm_params(&pv, lvec, liovcnt, rvec, riovcnt);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = do_process_vm_rw(pid, &pv, write);
	kfree(pv.local);
	kfree(pv.remote);
	return ret;
}

static long sys_process_vm_readv(pid_t pid, const struct iovec __user *lvec,
				 unsigned long liovcnt, const struct iovec __user *rvec,
				 unsigned long riovcnt, unsigned long flags)
{
	return process_vm_rw(pid, lvec, liovcnt, rvec, riovcnt, flags, /* write= */false);
}
SYSCALL(__NR_process_vm_readv, sys_process_vm_readv);

static long sys_process_vm_writev(pid_t pid, const struct iovec __user *lvec,
				  unsigned long liovcnt, const struct iovec __user *rvec,
				  unsigned long riovcnt, unsigned long flags)
{
	return process_vm_rw(pid, lvec, liovcnt, rvec, riovcnt, flags, /* write= */true);
}
SYSCALL(__NR_process_vm_writev, sys_process_vm_writev);
