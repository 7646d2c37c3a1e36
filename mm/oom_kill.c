/*
 * oom_kill.c - the OOM killer, its reaper, and process_mrelease(2)
 * (Linux's mm/oom_kill.c).
 *
 * When reclaim cannot free a page for an allocation that may not fail (a
 * user page: GFP_RECLAIM, see page_alloc.c), the allocator calls
 * out_of_memory(). It picks the process whose death frees the most:
 *
 *   badness = RSS + swap entries + page-table pages
 *             + oom_score_adj * (RAM + swap) / 1000
 *
 * (Linux's oom_badness; oom_score_adj -1000 means never, pid 1 and kernel
 * threads are never picked), sends it SIGKILL, logs
 *
 *   Out of memory: Killed process N (comm) total-vm:...kB, anon-rss:...kB, ...
 *
 * and reaps it at once: the victim's private pages are dropped while it
 * is still somewhere in the kernel (Linux's oom_reaper), so memory comes
 * back even when the victim sleeps uninterruptibly or is the allocating
 * task itself, far from its exit. Reaping needs the victim's mmap lock
 * for reading, as Linux's: it zaps PTEs under their page-table locks, as
 * MADV_DONTNEED does, next to any fault still running in the victim (the
 * killer's own, too, when it is the victim). The killer only trylocks it
 * (a writer - mmap, munmap - may hold it across a sleep); a victim whose
 * lock is busy is given the CPU to die instead; while it is alive and
 * unreaped, no second victim is chosen (Linux waits for the first one
 * too).
 *
 *   alloc_pages --reclaim failed--> out_of_memory
 *        ^                            | select victim (tasklist_lock)
 *        |                            | SIGKILL, log
 *        +----- retry <-- reaped -----+ trylock its mmap lock, zap private VMAs
 *
 * An address space may be shared by several processes (clone(CLONE_VM)
 * without CLONE_THREAD, vfork): killing one would free nothing, and
 * reaping the mm would pull the memory from under the others. So, as
 * Linux's __oom_kill_process, every process sharing the victim's mm is
 * killed with it, and an mm that pid 1 shares is never reaped.
 *
 * A task with SIGKILL pending neither reclaims nor calls the killer: its
 * allocations fail at once (fatal_signal_pending), and the system call in
 * progress unwinds, so the task reaches its exit.
 *
 * process_mrelease(pidfd, 0) lets a user-space killer (Android's lmkd) do
 * the reaping of a process it has just SIGKILLed, in its own time.
 */
#include "mm/internal.h"
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/might_sleep.h"
#include "kernel/pidfd.h"
#include "kernel/printk.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/oom.h"
#include "mm/page_alloc.h"
#include "mm/swap.h"
#include "mm/vmstat.h"
#include <arch/pgtable.h>
#include <limits.h>

/* What oom_score_adj is a fraction of: every page that could hold user memory. */
static unsigned long oom_totalpages(void)
{
	unsigned long swap_total, swap_free;

	swap_totals(&swap_total, &swap_free);
	return pmm_managed_pages() + swap_total;
}

/*
 * Linux's oom_badness: the pages @t's death would free, adjusted by its
 * oom_score_adj, or LONG_MIN for a task never to be chosen. Reads the
 * counters without the mmap lock (a heuristic). tasklist_lock held.
 */
long oom_badness(struct task *t, unsigned long totalpages)
{
	struct mm *mm = t->mm;
	long points;

	if (!mm || t->pid == 1 || t->state == TASK_ZOMBIE || t->state == TASK_DEAD)
		return LONG_MIN;
	if (t->oom_score_adj == OOM_SCORE_ADJ_MIN || READ_ONCE(mm->oom_reaped))
		return LONG_MIN;
	points = (long)(mm_rss(mm) + get_mm_counter(mm, MM_SWAPENTS) +
			arch_pgd_nr_tables(&mm->pgt));
	return points + (long)t->oom_score_adj * (long)(totalpages / 1000);
}

/*
 * /proc/PID/oom_score: Linux's 0..2000 scale (1000 + badness * 1000 /
 * total). tasklist_lock held.
 */
unsigned long oom_score_locked(struct task *t)
{
	unsigned long total = oom_totalpages();
	long points = oom_badness(t, total);

	if (points == LONG_MIN)
		return 0;
	points = 1000 + points * 1000 / (long)(total ? total : 1);
	return points < 0 ? 0 : points > 2000 ? 2000 : (unsigned long)points;
}

static unsigned long kb(long pages)
{
	return pages < 0 ? 0 : (unsigned long)pages * (PAGE_SIZE / 1024);
}

/*
 * Drop the private memory of @mm (anonymous pages, private COW copies,
 * swap entries): Linux's __oom_reap_task_mm. Shared mappings keep their
 * pages, which belong to a file or to other processes too. The VMAs stay;
 * the exiting owner removes them. mmap lock held for reading (two
 * reapers at once would only find the second round of PTEs empty); does
 * not sleep - so the
 * victim cannot exit in between and leave out_of_memory() the last
 * reference to its mm, whose teardown would take its mmap lock inside
 * ours.
 */
static void oom_reap_locked(struct mm *mm)
{
	for (struct vma *v = vma_first(&mm->vmas); v; v = vma_next(v)) {
		if (v->flags & (VM_SHARED | VM_IO))
			continue;
		zap_vma_range(mm, v, v->start, v->end, ZAP_REAP);
	}
	WRITE_ONCE(mm->oom_reaped, true);
}

static void log_reaped(pid_t pid, const char *comm, struct mm *mm)
{
	printk("oom_reaper: reaped process %d (%s), now anon-rss:%lukB, file-rss:%lukB, "
	       "shmem-rss:%lukB\n", pid, comm, kb(get_mm_counter(mm, MM_ANONPAGES)),
	       kb(get_mm_counter(mm, MM_FILEPAGES)), kb(get_mm_counter(mm, MM_SHMEMPAGES)));
}

/*
 * Reap @mm of the process @pid (@comm) if its mmap lock is free. The
 * caller holds a reference on @mm. Returns true if it was reaped (now or
 * before).
 */
static bool oom_try_reap(struct mm *mm, pid_t pid, const char *comm)
{
	if (READ_ONCE(mm->oom_reaped))
		return true;
	if (!mmap_read_trylock(mm))
		return false;
	if (!READ_ONCE(mm->oom_reaped)) {
		oom_reap_locked(mm);
		log_reaped(pid, comm, mm);
	}
	mmap_read_unlock(mm);
	return true;
}

/* The victim chosen under tasklist_lock, with what the log line needs. */
struct oom_victim {
	struct task *task;
	struct mm *mm;			/* referenced */
	pid_t pid;
	uid_t uid;
	short adj;
	char comm[TASK_COMM_LEN];
	bool earlier;			/* killed by an earlier call, not yet reaped */
	bool can_reap;			/* no process that survives shares the mm */
};

/*
 * Kill every other user process that shares @ov's mm (tasklist_lock held
 * by the caller; signals are sent after it is dropped, from @others).
 * Returns how many were collected; clears can_reap if pid 1 shares it.
 */
static unsigned int collect_sharers(struct oom_victim *ov, struct task **others,
				    unsigned int max)
{
	unsigned int n = 0;
	struct task *t;

	for_each_task(t) {
		if (t == ov->task || t->mm != ov->mm || t->state == TASK_ZOMBIE ||
		    t->state == TASK_DEAD)
			continue;
		if (t->pid == 1) {
			ov->can_reap = false;
			continue;
		}
		if (n < max) {
			t->oom_victim = true;
			get_task_struct(t);	/* put by out_of_memory() */
			others[n++] = t;
		} else {
			ov->can_reap = false;	/* one we could not kill */
		}
	}
	return n;
}

/*
 * Pick the task with the highest badness, or an earlier victim that is
 * still alive with its memory (then no new one is killed). false if no
 * task may be killed.
 */
#define OOM_SHARERS_MAX	16

static bool select_victim(struct oom_victim *ov, struct task **others, unsigned int *nothers)
{
	unsigned long total = oom_totalpages();
	long best = LONG_MIN;
	struct task *t, *chosen = NULL;
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);

	for_each_task(t) {
		long points;

		if (!t->mm || t->state == TASK_ZOMBIE || t->state == TASK_DEAD)
			continue;
		if ((t->oom_victim || fatal_signal_pending(t)) && !READ_ONCE(t->mm->oom_reaped) &&
		    t->pid != 1) {
			chosen = t;		/* dying already: let it finish first */
			ov->earlier = true;
			break;
		}
		points = oom_badness(t, total);
		if (points != LONG_MIN && (points > best || !chosen)) {
			best = points;
			chosen = t;
		}
	}
	if (chosen && !mm_get_unless_zero(chosen->mm))
		chosen = NULL;
	if (chosen) {
		get_task_struct(chosen);	/* put by out_of_memory() */
		ov->task = chosen;
		ov->mm = chosen->mm;
		ov->pid = chosen->pid;
		ov->uid = chosen->cred.uid;
		ov->adj = chosen->oom_score_adj;
		memcpy(ov->comm, chosen->comm, sizeof(ov->comm));
		chosen->oom_victim = true;
		ov->can_reap = true;
		*nothers = collect_sharers(ov, others, OOM_SHARERS_MAX);
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return chosen != NULL;
}

static void log_kill(const struct oom_victim *ov)
{
	struct mm *mm = ov->mm;

	printk("Out of memory: Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, "
	       "file-rss:%lukB, shmem-rss:%lukB, UID:%u pgtables:%lukB oom_score_adj:%d\n",
	       ov->pid, ov->comm, kb((long)mm->total_vm), kb(get_mm_counter(mm, MM_ANONPAGES)),
	       kb(get_mm_counter(mm, MM_FILEPAGES)), kb(get_mm_counter(mm, MM_SHMEMPAGES)), ov->uid,
	       kb((long)arch_pgd_nr_tables(&mm->pgt)), ov->adj);
}

/*
 * Reclaim found nothing for an allocation that may not fail: kill and
 * reap a victim. Returns true when the caller should try again (memory
 * was freed, or a victim is on its way out), false when it should fail:
 * the current task is the victim or is dying anyway, or nobody may be
 * killed. May sleep; the caller holds no spinlock.
 */
bool out_of_memory(void)
{
	struct task *cur = current(), *others[OOM_SHARERS_MAX];
	struct oom_victim ov = { 0 };
	unsigned int nothers = 0;
	bool reaped, dying_ourselves;

	might_sleep();
	if (!cur || fatal_signal_pending(cur))
		return false;
	if (!select_victim(&ov, others, &nothers)) {
		printk("Out of memory and no killable processes\n");
		return false;
	}
	if (!ov.earlier) {
		count_vm_event(OOM_KILL);
		log_kill(&ov);
		send_signal(ov.task, SIGKILL, NULL);
		for (unsigned int i = 0; i < nothers; i++) {
			printk("oom: killing process %d (%s) sharing memory with %d\n",
			       others[i]->pid, others[i]->comm, ov.pid);
			send_signal(others[i], SIGKILL, NULL);
		}
	}
	/*
	 * We may hold our own mm's lock, or be using it without: an mm we
	 * share is left to the exits. The victim dies when it unwinds.
	 */
	dying_ourselves = ov.task == cur || cur->mm == ov.mm;
	reaped = !dying_ourselves && ov.can_reap && oom_try_reap(ov.mm, ov.pid, ov.comm);
	mm_put(ov.mm);
	put_task_struct(ov.task);
	for (unsigned int i = 0; i < nothers; i++)
		put_task_struct(others[i]);
	if (dying_ourselves)
		return false;
	if (!reaped)
		schedule();			/* let the victim run to its exit */
	return true;
}

/* ---- process_mrelease(2) ---- */

/*
 * process_mrelease(pidfd, flags): reap the memory of a process that has a
 * SIGKILL pending (or is exiting) now, in the caller's time. EINVAL for
 * flags or a process that is not dying (unless already reaped), ESRCH once
 * it has released its memory by itself, EBADF for a bad pidfd.
 */
static long sys_process_mrelease(long pidfd, unsigned long flags)
{
	struct task *t;
	struct mm *mm = NULL;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	bool dying = false;
	unsigned long irq;
	long err;

	if (flags)
		return -EINVAL;
	err = pidfd_pid(pidfd, &pid);
	if (err)
		return err;
	irq = spin_lock_irqsave(&tasklist_lock);
	t = task_find(pid);
	if (t && t->mm && t->state != TASK_ZOMBIE && mm_get_unless_zero(t->mm)) {
		struct task *s;

		mm = t->mm;
		memcpy(comm, t->comm, sizeof(comm));
		/*
		 * Linux's task_will_free_mem: every process using the mm is
		 * dying - its group exit is under way (set when SIGKILL is
		 * sent, and kept once another CPU has taken the signal off
		 * the pending set to act on it) or SIGKILL is pending.
		 */
		dying = true;
		for_each_task(s)
			if (s->mm == mm && s->state != TASK_ZOMBIE && !fatal_signal_pending(s) &&
			    !(s->signal && READ_ONCE(s->signal->group_exit)))
				dying = false;
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
	if (!mm)
		return -ESRCH;
	err = 0;
	if (!dying) {
		if (!READ_ONCE(mm->oom_reaped))
			err = -EINVAL;
	} else {
		mmap_read_lock(mm);
		if (!READ_ONCE(mm->oom_reaped)) {
			oom_reap_locked(mm);
			log_reaped(pid, comm, mm);
		}
		mmap_read_unlock(mm);
	}
	mm_put(mm);
	return err;
}
SYSCALL(__NR_process_mrelease, sys_process_mrelease);
