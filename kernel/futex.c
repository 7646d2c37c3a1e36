/*
 * futex.c - fast user-space locking: futex(2), with Linux's semantics.
 * Robust lists (set_robust_list(2), and the walk that marks an exiting
 * thread's locks FUTEX_OWNER_DIED) are in futex_robust.c.
 *
 * A futex is a 32-bit word of user memory. User code takes and releases
 * locks on it with atomic instructions alone; only a thread that must wait
 * enters the kernel (FUTEX_WAIT: "sleep while the word still holds val"),
 * and only a thread that knows someone may wait calls FUTEX_WAKE. The
 * kernel keeps no state for a word nobody waits on.
 *
 * Keys. A waiter and its waker must agree on which word they mean, and
 * the address alone does not say it: two processes may map one page at
 * different addresses, and one address means different memory in two
 * processes. So each word is named by a key:
 *
 *   op flags              memory at the address      key
 *   FUTEX_PRIVATE_FLAG    (not looked at)            PRIVATE (mm, address)
 *   shared (no flag)      MAP_SHARED of a file:      INODE   (inode, byte offset
 *                         tmpfs, memfd, shared anon           in the file)
 *   shared (no flag)      a private mapping          MM      (mm, address)
 *
 * Shared anonymous memory is a shmem file (mm/mmap.c), so a fork child
 * and its parent, or two processes mapping one memfd at different
 * addresses, compute the same INODE key. Like Linux, PRIVATE and MM keys
 * of one address never match (Linux's FUT_OFF_MMSHARED): a
 * FUTEX_WAIT_PRIVATE is not woken by a shared FUTEX_WAKE. A shared key
 * needs the VMA, looked up under the mmap lock (futex_key_shared()); a
 * private one only needs the address to be aligned and in the user half.
 * An INODE key holds a reference on its inode for as long as a waiter
 * (or an operation) uses it, so a word's file cannot be freed - and its
 * memory reused for another inode - while someone sleeps on it, even if
 * every mapping of it goes away. An MM key holds nothing: a waiter's own
 * mm lives as long as the waiter, and the key is only ever compared,
 * never followed.
 *
 * Buckets. Waiters sleep on a hash table of FUTEX_HASH_SIZE buckets, each
 * a spinlock and a list of struct futex_waiter (on the waiter's kernel
 * stack); a key hashes to one bucket, and operations on different words
 * rarely meet on a lock.
 *
 *   futex_table[hash(key)]
 *     +------+---------+     +--------------+     +--------------+
 *     | lock | waiters |---->| key A, task1 |---->| key B, task7 |---> ...
 *     +------+---------+     +--------------+     +--------------+
 *
 * Wake-ups. FUTEX_WAIT must not sleep through a wake-up that follows a
 * change of the word, so the compare and the queueing are one step under
 * the bucket lock, and every waker takes that lock after changing the
 * word:
 *
 *   waiter                            waker
 *   lock(bucket)
 *   read word; != val: unlock, EAGAIN
 *   queue; state = sleeping           word = new value
 *   unlock(bucket)                    lock(bucket)
 *   schedule()                        dequeue the waiter, woken = true,
 *                                     make it runnable
 *                                     unlock(bucket)
 *
 * Either the waiter reads the new value (and does not sleep) or it was on
 * the list before the waker looked. The word is read under a spinlock, so
 * no page fault may be resolved there (the fault path sleeps):
 * copy_from_user_inatomic() fails instead, and the waiter unlocks, faults
 * the page in with get_user() and tries again. A waiter that was dequeued
 * by a waker returns 0 even if its timeout or a signal came at the same
 * time: the waker counted it, and its wake-up must not be lost.
 * FUTEX_REQUEUE moves waiters to another key (and bucket) under both
 * bucket locks, so a sleeping waiter finds its bucket again through
 * waiter->bucket, checked under that bucket's lock.
 *
 * Signals. A wait with no timeout returns -ERESTARTSYS (EINTR after a
 * handler without SA_RESTART, a restart of the call after a stop or with
 * SA_RESTART); one with a timeout -ERESTART_RESTARTBLOCK, and
 * restart_syscall(2) goes on to the same absolute deadline
 * (futex_wait_restart()). SIGKILL ends any wait.
 *
 * Not here, as in a kernel built without CONFIG_FUTEX_PI: the
 * priority-inheritance operations (FUTEX_LOCK_PI, LOCK_PI2, UNLOCK_PI,
 * TRYLOCK_PI, WAIT_REQUEUE_PI, CMP_REQUEUE_PI) return ENOSYS.
 *
 * Locks: a bucket lock is taken with no other futex lock held, or two of
 * them in address order (requeue, wake-op); inside one only the
 * scheduler's rq_lock is taken (wake_up_task). The mmap lock is taken
 * (for a shared key) and inode references dropped with no bucket lock
 * held. The exit path's wake-ups (CLONE_CHILD_CLEARTID, a robust lock
 * whose owner died): futex_wake_user() (kernel/futex.h).
 */
#include "kernel/futex.h"
#include "kernel/errno.h"
#include "kernel/fs/vfs.h"
#include "kernel/fs/fs.h"
#include "kernel/spinlock.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/uapi.h"
#include "mm/usercopy.h"
#include "mm/vm.h"
#include <arch/trap.h>

#define FUTEX_HASH_BITS		8
#define FUTEX_HASH_SIZE		(1u << FUTEX_HASH_BITS)

/*
 * What an operation's flags say, once decoded (Linux's FLAGS_SHARED; the
 * clock flag is used up when the timeout becomes a deadline).
 */
#define FUTEX_F_SHARED		0x1u	/* no FUTEX_PRIVATE_FLAG */

/* No timeout: a clock_ns() deadline that never comes. */
#define FUTEX_NO_DEADLINE	UINT64_MAX

/* A shared key for reading the word, or for writing it (wake-op's second word). */
enum futex_access { FUTEX_READ, FUTEX_WRITE };

enum futex_key_kind {
	FUTEX_KEY_PRIVATE,		/* FUTEX_PRIVATE_FLAG: (mm, address) */
	FUTEX_KEY_MM,			/* shared op, private memory: (mm, address) */
	FUTEX_KEY_INODE,		/* shared op, shared file: (inode, offset); holds the inode */
};

struct futex_key {
	enum futex_key_kind kind;
	const void *object;		/* the struct mm, or the struct inode */
	uint64_t offset;		/* the address, or the word's byte offset in the file */
};

struct futex_bucket {
	spinlock_t lock;
	struct list_head waiters;	/* struct futex_waiter, via node; under lock */
};

/* One sleeping FUTEX_WAIT(_BITSET), on its task's kernel stack. */
struct futex_waiter {
	struct list_head node;		/* on bucket->waiters until woken or gone; bucket->lock */
	/*
	 * The bucket it sleeps on: changed by a requeue holding the old and
	 * the new bucket's locks, so it is stable once the waiter holds the
	 * lock of the bucket it names (futex_lock_waiter()).
	 */
	struct futex_bucket *bucket;
	struct futex_key key;		/* bucket->lock (a requeue changes it) */
	bool woken;			/* bucket->lock: a waker dequeued it */
	uint32_t bitset;		/* constant: FUTEX_WAIT_BITSET's val3 */
	struct task *task;		/* constant: the sleeper */
};

static struct futex_bucket futex_table[FUTEX_HASH_SIZE];

void futex_init(void)
{
	for (unsigned int i = 0; i < FUTEX_HASH_SIZE; i++) {
		spin_lock_init(&futex_table[i].lock);
		INIT_LIST_HEAD(&futex_table[i].waiters);
	}
}

/* ---- keys ---- */

static struct futex_bucket *futex_hash(const struct futex_key *k)
{
	/* Fibonacci hashing: the top bits of a multiplication mix every input bit. */
	uint64_t h = ((uint64_t)(uintptr_t)k->object ^ (k->offset >> 2)) * 0x9e3779b97f4a7c15ull;

	return &futex_table[h >> (64 - FUTEX_HASH_BITS)];
}

static bool futex_key_equal(const struct futex_key *a, const struct futex_key *b)
{
	return a->kind == b->kind && a->object == b->object && a->offset == b->offset;
}

/* Another holder of @k: an INODE key pins its inode. Never sleeps. */
static void futex_key_get(const struct futex_key *k)
{
	if (k->kind == FUTEX_KEY_INODE)
		inode_get((struct inode *)k->object);
}

/* A holder of @k is done with it. May sleep (the last inode reference); no bucket lock. */
static void futex_key_put(const struct futex_key *k)
{
	if (k->kind == FUTEX_KEY_INODE)
		inode_put((struct inode *)k->object);
}

/*
 * The shared key of @addr in @mm: INODE for a shared file mapping, else
 * MM. -EFAULT when nothing readable is mapped there (or nothing writable,
 * for FUTEX_WRITE), as Linux's get_user_pages() fails. The only place
 * that takes the mmap lock; a read lock is all it needs.
 *
 * Linux also gives an INODE key to a page-cache page of a private file
 * mapping that was never written (no copy-on-write copy yet); Pagoda
 * keys every private mapping by (mm, address), so two processes mapping
 * one file MAP_PRIVATE do not meet on it.
 */
static int futex_key_shared(struct mm *mm, vaddr_t addr, enum futex_access rw,
			    struct futex_key *k)
{
	struct vma *v;
	int ret = 0;

	mmap_read_lock(mm);
	v = vma_lookup(&mm->vmas, addr);
	if (!v || !(v->flags & VM_READ) || (rw == FUTEX_WRITE && !(v->flags & VM_WRITE))) {
		ret = -EFAULT;
	} else if (!v->file && !(v->flags & VM_WRITE)) {
		/*
		 * Read-only anonymous memory: its word can never change, and
		 * Linux refuses a shared key for it ("a RO anonymous page will
		 * never change", get_futex_key()). A private key is fine.
		 */
		ret = -EFAULT;
	} else if ((v->flags & VM_MAYSHARE) && v->file && v->file->inode) {
		/* memfd_secret memory is out of the kernel's reach (GUP refuses it). */
		if (vma_is_secretmem(v)) {
			ret = -EFAULT;
		} else {
			k->kind = FUTEX_KEY_INODE;
			k->object = v->file->inode;
			k->offset = ((uint64_t)linear_page_index(v, addr) << PAGE_SHIFT) |
				    (addr & (PAGE_SIZE - 1));
			futex_key_get(k);	/* the VMA's file keeps it alive until here */
		}
	} else {
		k->kind = FUTEX_KEY_MM;
		k->object = mm;
		k->offset = addr;
	}
	mmap_read_unlock(mm);
	return ret;
}

/*
 * The key of the word at @uaddr in @mm for an operation with @flags:
 * 0, -EINVAL (not 4-byte aligned) or -EFAULT. Drop it with
 * futex_key_put(). May sleep.
 */
static int futex_get_key(struct mm *mm, uint32_t __user *uaddr, unsigned int flags,
			 enum futex_access rw, struct futex_key *k)
{
	vaddr_t addr = (vaddr_t)uaddr;

	if (!IS_ALIGNED(addr, sizeof(uint32_t)))
		return -EINVAL;
	if (!mm || !access_ok(uaddr, sizeof(uint32_t)))
		return -EFAULT;
	if (flags & FUTEX_F_SHARED)
		return futex_key_shared(mm, addr, rw, k);
	k->kind = FUTEX_KEY_PRIVATE;
	k->object = mm;
	k->offset = addr;
	return 0;
}

/* ---- buckets ---- */

/* Lock the bucket @w sleeps on, which a requeue may change until we hold it. */
static struct futex_bucket *futex_lock_waiter(struct futex_waiter *w, unsigned long *irq)
{
	for (;;) {
		struct futex_bucket *b = READ_ONCE(w->bucket);

		*irq = spin_lock_irqsave(&b->lock);
		if (b == READ_ONCE(w->bucket))
			return b;
		spin_unlock_irqrestore(&b->lock, *irq);
	}
}

/*
 * Lock two buckets (maybe the same one), lower address first: no ABBA
 * deadlock. All buckets are one lock class, so the second is declared
 * nested (docs/locking.md): the address order is what makes it safe.
 */
static unsigned long futex_lock_two(struct futex_bucket *b1, struct futex_bucket *b2)
{
	unsigned long irq;

	if (b1 > b2) {
		struct futex_bucket *t = b1;

		b1 = b2;
		b2 = t;
	}
	irq = spin_lock_irqsave(&b1->lock);
	if (b2 != b1)
		__spin_lock_nested(&b2->lock);	/* interrupts are off already */
	return irq;
}

static void futex_unlock_two(struct futex_bucket *b1, struct futex_bucket *b2, unsigned long irq)
{
	if (b2 != b1)
		__spin_unlock(&b2->lock);
	spin_unlock_irqrestore(&b1->lock, irq);
}

/*
 * Wake @w: off its list, marked, runnable. Its bucket lock is held, so @w
 * (on the waiter's stack) and its task stay valid: the waiter must take
 * this lock before it can leave futex_wait().
 */
static void futex_wake_one(struct futex_waiter *w)
{
	list_del(&w->node);
	w->woken = true;
	wake_up_task(w->task);
}

/*
 * Wake the waiters on @k in @b whose bitset meets @bitset: at most
 * @nr_wake, but at least one when there is one, even for @nr_wake <= 0
 * (Linux counts before it compares). Returns how many. @b locked.
 */
static int futex_wake_locked(struct futex_bucket *b, const struct futex_key *k,
			     uint32_t bitset, int nr_wake)
{
	struct futex_waiter *w, *next;
	int woken = 0;

	list_for_each_entry_safe(w, next, &b->waiters, node) {
		if (!futex_key_equal(&w->key, k) || !(w->bitset & bitset))
			continue;
		futex_wake_one(w);
		if (++woken >= nr_wake)
			break;
	}
	return woken;
}

/* ---- FUTEX_WAIT, FUTEX_WAIT_BITSET ---- */

/*
 * Queue @w (its key and bitset set, a reference on the key held) if the
 * word at @uaddr still holds @val, with the task marked sleeping: 0. Else
 * -EAGAIN (the value differs) or -EFAULT, and the key is dropped.
 */
static int futex_wait_setup(struct futex_waiter *w, uint32_t __user *uaddr, uint32_t val)
{
	struct futex_bucket *b = futex_hash(&w->key);
	unsigned long irq;
	uint32_t cur;

	for (;;) {
		irq = spin_lock_irqsave(&b->lock);
		if (!copy_from_user_inatomic(&cur, uaddr, sizeof(cur)))
			break;
		/* Not present: fault it in where we may sleep, then look again. */
		spin_unlock_irqrestore(&b->lock, irq);
		if (get_user(cur, uaddr)) {
			futex_key_put(&w->key);
			return -EFAULT;
		}
	}
	if (cur != val) {
		spin_unlock_irqrestore(&b->lock, irq);
		futex_key_put(&w->key);
		return -EAGAIN;
	}
	w->bucket = b;
	list_add_tail(&w->node, &b->waiters);
	current()->state = TASK_INTERRUPTIBLE;	/* before a waker can see us */
	spin_unlock_irqrestore(&b->lock, irq);
	return 0;
}

/*
 * Sleep until a waker dequeues @w, a signal is pending or clock_ns()
 * passes @deadline. Entered with the task marked sleeping.
 */
static void futex_sleep(struct futex_waiter *w, uint64_t deadline)
{
	struct task *t = current();
	unsigned long irq;

	for (;;) {
		uint64_t now = clock_ns();
		struct futex_bucket *b;

		if (READ_ONCE(w->woken) || signal_pending_current() || now >= deadline)
			break;
		if (deadline == FUTEX_NO_DEADLINE)
			schedule();
		else
			schedule_timeout(deadline - now);
		/* Sleep again only under the lock a waker takes: no lost wake-up. */
		b = futex_lock_waiter(w, &irq);
		if (!w->woken)
			t->state = TASK_INTERRUPTIBLE;
		spin_unlock_irqrestore(&b->lock, irq);
	}
	t->state = TASK_RUNNING;
}

/* Leave the bucket unless a waker took us off already. True if we were still queued. */
static bool futex_unqueue(struct futex_waiter *w)
{
	unsigned long irq;
	struct futex_bucket *b = futex_lock_waiter(w, &irq);
	bool queued = !w->woken;

	if (queued)
		list_del(&w->node);
	spin_unlock_irqrestore(&b->lock, irq);
	return queued;
}

/*
 * Sleep on the word at @uaddr while it holds @val, until a wake-up whose
 * bitset meets @bitset, the clock_ns() @deadline or a signal. 0, -EAGAIN,
 * -EINVAL, -EFAULT, -ETIMEDOUT or -ERESTARTSYS.
 */
static long __futex_wait(uint32_t __user *uaddr, unsigned int flags, uint32_t val,
			 uint64_t deadline, uint32_t bitset)
{
	struct futex_waiter w = { .bitset = bitset, .task = current() };
	long ret;

	if (!bitset)
		return -EINVAL;
	ret = futex_get_key(current()->mm, uaddr, flags, FUTEX_READ, &w.key);
	if (ret)
		return ret;
	ret = futex_wait_setup(&w, uaddr, val);
	if (ret)
		return ret;
	futex_sleep(&w, deadline);
	if (!futex_unqueue(&w))
		ret = 0;			/* woken: that counts, whatever else happened */
	else if (clock_ns() >= deadline)
		ret = -ETIMEDOUT;
	else
		ret = -ERESTARTSYS;		/* a signal: EINTR, or a restart */
	futex_key_put(&w.key);			/* the key as it ended (a requeue changes it) */
	return ret;
}

static long futex_wait_restart(struct task *t);

/*
 * __futex_wait(), and when a signal interrupts a wait with a timeout, a
 * restart block: restart_syscall(2) resumes the wait (after a stop, or a
 * signal that ran no handler) with the same absolute deadline, which a
 * plain restart of a relative FUTEX_WAIT would push back.
 */
static long futex_wait(uint32_t __user *uaddr, unsigned int flags, uint32_t val,
		       uint64_t deadline, uint32_t bitset)
{
	struct task *t = current();
	long ret = __futex_wait(uaddr, flags, val, deadline, bitset);

	if (ret != -ERESTARTSYS || deadline == FUTEX_NO_DEADLINE)
		return ret;
	t->restart_fn = futex_wait_restart;
	t->restart_deadline_ns = deadline;
	return -ERESTART_RESTARTBLOCK;
}

/*
 * restart_syscall(2) of an interrupted timed wait. Linux saves uaddr, val,
 * bitset and the flags in the restart block; Pagoda's block holds only
 * the deadline, and the rest comes from the registers of the original
 * futex(2) call, which restart_syscall leaves as they were (only rax and
 * rip are rewound; a tracer that rewrites them in between changes the
 * restarted wait).
 */
static long futex_wait_restart(struct task *t)
{
	const struct trap_frame *tf = t->user_regs;
	uint32_t __user *uaddr = (uint32_t __user *)syscall_get_arg(tf, 0);
	int op = (int)syscall_get_arg(tf, 1);
	uint32_t val = (uint32_t)syscall_get_arg(tf, 2);
	uint32_t bitset = FUTEX_BITSET_MATCH_ANY;

	t->restart_fn = NULL;			/* one restart per interruption */
	if ((op & FUTEX_CMD_MASK) == FUTEX_WAIT_BITSET)
		bitset = (uint32_t)syscall_get_arg(tf, 5);
	return futex_wait(uaddr, op & FUTEX_PRIVATE_FLAG ? 0 : FUTEX_F_SHARED, val,
			  t->restart_deadline_ns, bitset);
}

/* ---- FUTEX_WAKE, FUTEX_WAKE_BITSET ---- */

/* Wake up to @nr_wake waiters of @uaddr whose bitset meets @bitset: how many, or -errno. */
static long futex_wake(struct mm *mm, uint32_t __user *uaddr, unsigned int flags, int nr_wake,
		       uint32_t bitset)
{
	struct futex_key key;
	struct futex_bucket *b;
	unsigned long irq;
	long ret;

	if (!bitset)
		return -EINVAL;
	ret = futex_get_key(mm, uaddr, flags, FUTEX_READ, &key);
	if (ret)
		return ret;
	b = futex_hash(&key);
	irq = spin_lock_irqsave(&b->lock);
	ret = futex_wake_locked(b, &key, bitset, nr_wake);
	spin_unlock_irqrestore(&b->lock, irq);
	futex_key_put(&key);
	return ret;
}

/* Contract in kernel/futex.h. */
int futex_wake_user(struct mm *mm, uint32_t __user *uaddr, int nr_wake)
{
	return futex_wake(mm, uaddr, FUTEX_F_SHARED, nr_wake, FUTEX_BITSET_MATCH_ANY);
}

/* ---- FUTEX_REQUEUE, FUTEX_CMP_REQUEUE ---- */

/* Move @w (on @b1, key @key1) to @b2 and @key2; both buckets locked. */
static void futex_requeue_one(struct futex_waiter *w, struct futex_bucket *b1,
			      struct futex_bucket *b2, const struct futex_key *key2)
{
	if (b2 != b1) {
		list_del(&w->node);
		list_add_tail(&w->node, &b2->waiters);
		WRITE_ONCE(w->bucket, b2);
	}
	futex_key_get(key2);		/* the waiter's own reference on its new key */
	w->key = *key2;
}

/*
 * Wake up to @nr_wake waiters of @uaddr1 and move up to @nr_requeue of the
 * rest to @uaddr2, where a wake-up of @uaddr2 finds them. With @cmpval
 * (FUTEX_CMP_REQUEUE) only if *@uaddr1 still equals *@cmpval, compared
 * under the bucket locks. Returns woken + requeued (Linux's count for
 * both operations), or -errno.
 */
static long futex_requeue(uint32_t __user *uaddr1, unsigned int flags, uint32_t __user *uaddr2,
			  int nr_wake, int nr_requeue, const uint32_t *cmpval)
{
	struct mm *mm = current()->mm;
	struct futex_key key1, key2;
	struct futex_bucket *b1, *b2;
	struct futex_waiter *w, *next;
	int count = 0, moved = 0;
	unsigned long irq;
	uint32_t cur;
	long ret;

	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	ret = futex_get_key(mm, uaddr1, flags, FUTEX_READ, &key1);
	if (ret)
		return ret;
	ret = futex_get_key(mm, uaddr2, flags, FUTEX_READ, &key2);
	if (ret)
		goto out_put1;
	b1 = futex_hash(&key1);
	b2 = futex_hash(&key2);
	for (;;) {
		irq = futex_lock_two(b1, b2);
		if (!cmpval || !copy_from_user_inatomic(&cur, uaddr1, sizeof(cur)))
			break;
		futex_unlock_two(b1, b2, irq);
		if (get_user(cur, uaddr1)) {	/* fault it in and look again */
			ret = -EFAULT;
			goto out_put2;
		}
	}
	if (cmpval && cur != *cmpval) {
		ret = -EAGAIN;
		goto out_unlock;
	}
	list_for_each_entry_safe(w, next, &b1->waiters, node) {
		if (count - nr_wake >= nr_requeue)
			break;
		if (!futex_key_equal(&w->key, &key1))
			continue;
		if (++count <= nr_wake) {
			futex_wake_one(w);
		} else {
			futex_requeue_one(w, b1, b2, &key2);
			moved++;
		}
	}
	ret = count;
out_unlock:
	futex_unlock_two(b1, b2, irq);
	/* The moved waiters' references on key1, dropped where we may sleep. */
	while (moved--)
		futex_key_put(&key1);
out_put2:
	futex_key_put(&key2);
out_put1:
	futex_key_put(&key1);
	return ret;
}

/* ---- FUTEX_WAKE_OP ---- */

/*
 * FUTEX_WAKE_OP's val3 (FUTEX_OP() in <linux/futex.h>):
 *
 *   31 30..28 27....24 23.......12 11........0
 *   +-+------+--------+-----------+-----------+
 *   |S|  op  |  cmp   |   oparg   |  cmparg   |    S: FUTEX_OP_OPARG_SHIFT
 *   +-+------+--------+-----------+-----------+    (oparg becomes 1 << oparg)
 *
 * *uaddr2 = *uaddr2 <op> oparg, atomically; then the old value is
 * compared with cmparg (both 12-bit signed fields, compared as int).
 */
static int32_t sign_extend12(uint32_t v)
{
	return (int32_t)(v << 20) >> 20;
}

static uint32_t futex_op_apply(unsigned int op, uint32_t old, uint32_t oparg)
{
	switch (op) {
	case FUTEX_OP_SET:	return oparg;
	case FUTEX_OP_ADD:	return old + oparg;
	case FUTEX_OP_OR:	return old | oparg;
	case FUTEX_OP_ANDN:	return old & ~oparg;
	default:		return old ^ oparg;	/* FUTEX_OP_XOR */
	}
}

/*
 * Do @encoded's operation on *@uaddr atomically. 1 or 0, what its
 * comparison of the old value says; -ENOSYS for an unknown op (nothing
 * written) or an unknown comparison (written: Linux compares after the
 * write); -EFAULT when the word is not writable. May sleep.
 */
static int futex_atomic_op(uint32_t encoded, uint32_t __user *uaddr)
{
	unsigned int op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
	int32_t oparg = sign_extend12((encoded >> 12) & 0xfff);
	int32_t cmparg = sign_extend12(encoded & 0xfff);
	uint32_t old, seen;

	if (encoded & (FUTEX_OP_OPARG_SHIFT << 28))
		oparg = (int32_t)(1u << (oparg & 31));	/* Linux masks a bad shift, too */
	if (op > FUTEX_OP_XOR)
		return -ENOSYS;
	if (get_user(old, uaddr))
		return -EFAULT;
	/* Compare-and-exchange until no other writer got in between. */
	for (;;) {
		seen = old;
		if (cmpxchg_user_u32(uaddr, &seen, futex_op_apply(op, old, (uint32_t)oparg)))
			return -EFAULT;
		if (seen == old)
			break;
		old = seen;
	}
	switch (cmp) {
	case FUTEX_OP_CMP_EQ:	return (int32_t)old == cmparg;
	case FUTEX_OP_CMP_NE:	return (int32_t)old != cmparg;
	case FUTEX_OP_CMP_LT:	return (int32_t)old < cmparg;
	case FUTEX_OP_CMP_GE:	return (int32_t)old >= cmparg;
	case FUTEX_OP_CMP_LE:	return (int32_t)old <= cmparg;
	case FUTEX_OP_CMP_GT:	return (int32_t)old > cmparg;
	default:		return -ENOSYS;
	}
}

/*
 * Change *@uaddr2 by @encoded, wake up to @nr_wake waiters of @uaddr1 and,
 * if the comparison holds, up to @nr_wake2 of @uaddr2 (glibc's condition
 * variables). The write is done before the buckets are locked, not under
 * them as in Linux, so that its page fault can be resolved in place: a
 * waiter on @uaddr2 that read the old value under its bucket lock was
 * queued before we lock that bucket, and one that reads later sees the
 * new value and does not sleep, so no wake-up is lost either way.
 * Returns how many were woken, or -errno.
 */
static long futex_wake_op(uint32_t __user *uaddr1, unsigned int flags, uint32_t __user *uaddr2,
			  int nr_wake, int nr_wake2, uint32_t encoded)
{
	struct mm *mm = current()->mm;
	struct futex_key key1, key2;
	struct futex_bucket *b1, *b2;
	unsigned long irq;
	long ret;
	int op_ret;

	ret = futex_get_key(mm, uaddr1, flags, FUTEX_READ, &key1);
	if (ret)
		return ret;
	ret = futex_get_key(mm, uaddr2, flags, FUTEX_WRITE, &key2);
	if (ret)
		goto out_put1;
	op_ret = futex_atomic_op(encoded, uaddr2);
	if (op_ret < 0) {
		ret = op_ret;
		goto out_put2;
	}
	b1 = futex_hash(&key1);
	b2 = futex_hash(&key2);
	irq = futex_lock_two(b1, b2);
	ret = futex_wake_locked(b1, &key1, FUTEX_BITSET_MATCH_ANY, nr_wake);
	if (op_ret > 0)
		ret += futex_wake_locked(b2, &key2, FUTEX_BITSET_MATCH_ANY, nr_wake2);
	futex_unlock_two(b1, b2, irq);
out_put2:
	futex_key_put(&key2);
out_put1:
	futex_key_put(&key1);
	return ret;
}

/* ---- the system calls ---- */

/* Operations whose fourth argument is a timeout, not a count (Linux's list). */
static bool futex_cmd_has_timeout(int cmd)
{
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_WAIT_BITSET:
	case FUTEX_WAIT_REQUEUE_PI:
		return true;
	default:
		return false;
	}
}

/*
 * The timeout at @utime as a clock_ns() deadline: FUTEX_WAIT's is
 * relative (to CLOCK_MONOTONIC); the others' an absolute time of
 * CLOCK_MONOTONIC, or of CLOCK_REALTIME with FUTEX_CLOCK_REALTIME,
 * converted once here (Pagoda's realtime clock is never set, so it keeps
 * a constant offset from the monotonic one). 0, -EFAULT or -EINVAL.
 */
static int futex_deadline(int cmd, int op, const struct __kernel_timespec __user *utime,
			  uint64_t *deadline)
{
	struct __kernel_timespec ts;
	uint64_t ns, now;

	if (copy_from_user(&ts, utime, sizeof(ts)))
		return -EFAULT;
	if (ts_to_ns(&ts, &ns))
		return -EINVAL;
	if (cmd == FUTEX_WAIT) {
		*deadline = clock_ns() + ns;
	} else if (op & FUTEX_CLOCK_REALTIME) {
		now = clock_realtime_ns();
		*deadline = clock_ns() + (ns > now ? ns - now : 0);
	} else {
		*deadline = ns;			/* clock_ns() is CLOCK_MONOTONIC */
	}
	return 0;
}

/*
 * futex(2): @val2 is the fourth argument when it is a count (requeue,
 * wake-op), @deadline when it is a timeout. The checks come in Linux's
 * order: the timeout, the clock flag, the operation, its own arguments.
 */
static long do_futex(uint32_t __user *uaddr, int op, uint32_t val, uint64_t deadline,
		     uint32_t __user *uaddr2, uint32_t val2, uint32_t val3)
{
	int cmd = op & FUTEX_CMD_MASK;
	unsigned int flags = op & FUTEX_PRIVATE_FLAG ? 0 : FUTEX_F_SHARED;
	struct mm *mm = current()->mm;

	/*
	 * Only the absolute waits take a clock. Linux 4.5 allowed it on
	 * FUTEX_WAIT as well, but armed the relative timeout on the wrong
	 * clock; 5.13 reverted that (also in the stable kernels), so
	 * FUTEX_WAIT with it is ENOSYS again.
	 */
	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET &&
	    cmd != FUTEX_WAIT_REQUEUE_PI && cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		val3 = FUTEX_BITSET_MATCH_ANY;
		/* fall through */
	case FUTEX_WAIT_BITSET:
		return futex_wait(uaddr, flags, val, deadline, val3);
	case FUTEX_WAKE:
		val3 = FUTEX_BITSET_MATCH_ANY;
		/* fall through */
	case FUTEX_WAKE_BITSET:
		return futex_wake(mm, uaddr, flags, (int)val, val3);
	case FUTEX_REQUEUE:
		return futex_requeue(uaddr, flags, uaddr2, (int)val, (int)val2, NULL);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(uaddr, flags, uaddr2, (int)val, (int)val2, &val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(uaddr, flags, uaddr2, (int)val, (int)val2, val3);
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_UNLOCK_PI:
	case FUTEX_TRYLOCK_PI:
	case FUTEX_WAIT_REQUEUE_PI:
	case FUTEX_CMP_REQUEUE_PI:
		return -ENOSYS;		/* priority inheritance: not implemented */
	default:
		return -ENOSYS;
	}
}

static long sys_futex(uint32_t __user *uaddr, long op, uint32_t val,
		      const struct __kernel_timespec __user *utime, uint32_t __user *uaddr2,
		      uint32_t val3)
{
	int cmd = (int)op & FUTEX_CMD_MASK;
	uint64_t deadline = FUTEX_NO_DEADLINE;

	if (utime && futex_cmd_has_timeout(cmd)) {
		int err = futex_deadline(cmd, (int)op, utime, &deadline);

		if (err)
			return err;
	}
	return do_futex(uaddr, (int)op, val, deadline, uaddr2, (uint32_t)(uintptr_t)utime, val3);
}
SYSCALL(__NR_futex, sys_futex);
