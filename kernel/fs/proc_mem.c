/*
 * proc_mem.c - /proc/PID/mem: a process's address space as a file. The
 * file position is the virtual address: pread(fd, buf, n, addr) reads
 * what the process would see at addr, pwrite writes there.
 *
 * As Linux's mem_open/mem_rw (fs/proc/base.c):
 *
 *   - open checks that the opener may attach to the process (Linux's
 *     PTRACE_MODE_ATTACH with the fs ids, kernel/cred.c), refusing with
 *     EACCES, and takes a reference on the process's *mm*, not the task:
 *     the open file keeps reading the address space it was opened on,
 *     even after the process execs a new one. A process with no mm (a
 *     zombie) gives a file that reads and writes nothing.
 *   - reads and writes go through get_user_pages with GUP_FORCE, a page
 *     at a time (remote_vm_copy, mm/process_vm_access.c): a write into a
 *     read-only private mapping lands in a private copy of the page (COW),
 *     never in the file behind it; PROT_NONE stays out of reach. Nothing
 *     could be copied at the position: EIO. A fault on the caller's
 *     buffer: EFAULT.
 *   - positions are unsigned (Linux's FMODE_UNSIGNED_OFFSET): lseek with
 *     SEEK_SET or SEEK_CUR goes to any address, a kernel one included
 *     (reads there give EIO); SEEK_END is EINVAL.
 *
 * One difference: Pagoda's mm has a single reference count, where Linux
 * has two (mm_users for the address space, mm_count for the struct), so
 * an open mem file keeps the whole address space of an exited process
 * until it is closed. Reads and writes behave as Linux's all the same: once no
 * task uses the mm any more they return 0 (Linux's mmget_not_zero fails).
 *
 * Neighbours: the /proc tree in procfs.c, the other memory views in
 * proc_vm.c.
 */
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/task.h"
#include "mm/vm.h"

/* Contract in proc_internal.h. */
int proc_mem_open(pid_t pid, struct file *f)
{
	struct mm *mm = mm_access(pid, PTRACE_MODE_FSCREDS);

	if (IS_ERR(mm))
		return PTR_ERR(mm);		/* -ESRCH, -EACCES */
	f->private_data = mm;			/* NULL: no mm, nothing to read */
	return 0;
}

/* Does some task still run in @mm (Linux: mm_users above zero)? */
static bool mm_has_task(struct mm *mm)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	bool found = false;
	struct task *t;

	for_each_task(t)
		if (t->mm == mm) {
			found = true;
			break;
		}
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return found;
}

/* Contract in proc_internal.h. */
ssize_t proc_mem_rw(struct file *f, char __user *buf, size_t n, loff_t *pos, bool write)
{
	struct mm *mm = f->private_data;
	unsigned int gup_flags = GUP_FORCE | (write ? GUP_WRITE : 0);
	bool local_fault;
	size_t done;

	if (!mm || !n || !mm_has_task(mm))
		return 0;
	done = remote_vm_copy(mm, (unsigned long)*pos, buf, n, gup_flags, &local_fault);
	*pos = (loff_t)((unsigned long)*pos + done);
	/* Linux: a fault on the caller's side fails the call, bytes copied or not. */
	if (local_fault)
		return -EFAULT;
	return done ? (ssize_t)done : -EIO;
}

/* Contract in proc_internal.h. */
loff_t proc_mem_llseek(struct file *f, loff_t off, int whence)
{
	switch (whence) {
	case SEEK_SET:
		f->pos = off;
		break;
	case SEEK_CUR:
		f->pos = (loff_t)((unsigned long)f->pos + (unsigned long)off);
		break;
	default:
		return -EINVAL;
	}
	return f->pos;
}

/* Contract in proc_internal.h. */
void proc_mem_release(struct file *f)
{
	if (f->private_data)
		mm_put(f->private_data);
}
