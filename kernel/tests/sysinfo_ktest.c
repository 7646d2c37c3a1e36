/*
 * sysinfo_ktest.c - do_sysinfo() (kernel/sysinfo.c) against the counters
 * it reports: memory and swap agree with the page allocator and the swap
 * area, and 1 MiB allocated here shows in freeram; uptime agrees with the
 * clock; procs counts the kernel threads started and ended here.
 *
 * These are graded tests of the syscall lab (docs/labs/01-syscall.md,
 * tools/labs.py): they judge the kernel half of the work, before any user
 * program can reach it; user/tests/sysinfo_test.c judges the system call.
 */
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/sched.h"
#include "kernel/sysinfo.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "mm/page_alloc.h"
#include "mm/swap.h"
#include <arch/memlayout.h>

/* Pages others may take or give back between two reads (none expected). */
#define SLACK_PAGES	16
#define SYSINFO_THREADS	4u

/* freeram in pages, from a fresh do_sysinfo(); ULONG_MAX if it failed. */
static unsigned long free_pages_now(void)
{
	struct sysinfo si;

	if (do_sysinfo(&si))
		return ~0ul;
	return si.freeram * si.mem_unit / PAGE_SIZE;
}

KTEST(sysinfo_memory)
{
	unsigned long before, after, f0, f1, f2, swap_total, swap_free, unit;
	struct sysinfo si;
	struct page *p;

	before = pmm_free_pages();
	KT_ASSERT_EQ(do_sysinfo(&si), 0);
	after = pmm_free_pages();
	unit = si.mem_unit;
	KT_ASSERT(unit >= 1 && (unit & (unit - 1)) == 0);	/* a power of two */
	KT_ASSERT_EQ(si.totalram * unit, pmm_managed_pages() * PAGE_SIZE);
	KT_ASSERT(si.freeram <= si.totalram);
	KT_ASSERT(si.freeram * unit / PAGE_SIZE + SLACK_PAGES >= MIN(before, after));
	KT_ASSERT(si.freeram * unit / PAGE_SIZE <= MAX(before, after) + SLACK_PAGES);
	swap_totals(&swap_total, &swap_free);
	KT_ASSERT_EQ(si.totalswap * unit, swap_total * PAGE_SIZE);
	KT_ASSERT_EQ(si.freeswap * unit, swap_free * PAGE_SIZE);
	KT_ASSERT_EQ(si.totalhigh, 0);
	KT_ASSERT_EQ(si.freehigh, 0);

	/* 1 MiB taken from the allocator shows in freeram, and comes back. */
	f0 = free_pages_now();
	p = alloc_pages(GFP_KERNEL, 8);
	KT_ASSERT(p != NULL);
	f1 = free_pages_now();
	free_pages(p, 8);
	f2 = free_pages_now();
	KT_ASSERT(f0 != ~0ul && f1 != ~0ul && f2 != ~0ul);
	KT_ASSERT(f0 >= f1 + 256 - SLACK_PAGES && f0 <= f1 + 256 + SLACK_PAGES);
	KT_ASSERT(f2 >= f1 + 256 - SLACK_PAGES && f2 <= f1 + 256 + SLACK_PAGES);
	return KT_PASS;
}

KTEST(sysinfo_uptime)
{
	struct sysinfo si;
	uint64_t t0, t1;

	/* A boot that has run tests has run for more than a second... */
	t0 = clock_ns();
	KT_ASSERT_EQ(do_sysinfo(&si), 0);
	t1 = clock_ns();
	/* ...and uptime is the clock in whole seconds, a started second counting. */
	KT_ASSERT(si.uptime >= (long)((t0 + NSEC_PER_SEC - 1) / NSEC_PER_SEC));
	KT_ASSERT(si.uptime <= (long)((t1 + NSEC_PER_SEC - 1) / NSEC_PER_SEC));
	KT_ASSERT(si.uptime >= 1);
	return KT_PASS;
}

static volatile bool threads_stop;
static volatile unsigned int threads_started;

static int waiting_thread(void *arg)
{
	__atomic_add_fetch(&threads_started, 1, __ATOMIC_RELAXED);
	while (!threads_stop) {
		current()->state = TASK_UNINTERRUPTIBLE;	/* asleep, not spinning: */
		schedule_timeout(1000000);		/* the runner is the idle task */
		current()->state = TASK_RUNNING;
	}
	return 0;
}

static bool any_alive(const pid_t *pids, unsigned int n)
{
	unsigned long irq = spin_lock_irqsave(&tasklist_lock);
	bool alive = false;

	for (unsigned int i = 0; i < n; i++)
		alive |= task_find(pids[i]) != NULL;
	spin_unlock_irqrestore(&tasklist_lock, irq);
	return alive;
}

KTEST(sysinfo_procs)
{
	pid_t pids[SYSINFO_THREADS];
	struct sysinfo si;
	unsigned int base, running;

	KT_ASSERT_EQ(do_sysinfo(&si), 0);
	base = si.procs;
	KT_ASSERT(base >= 1);				/* this boot's own kernel threads */

	threads_stop = false;
	threads_started = 0;
	for (unsigned int i = 0; i < SYSINFO_THREADS; i++) {
		struct task *t = kthread_create("sysinfo_wait", waiting_thread, NULL);

		KT_ASSERT(!IS_ERR(t));
		pids[i] = t->pid;
	}
	for (uint64_t end = clock_ns() + 5000000000ul;
	     threads_started < SYSINFO_THREADS && clock_ns() < end; )
		schedule();
	KT_ASSERT_EQ(threads_started, SYSINFO_THREADS);
	KT_ASSERT_EQ(do_sysinfo(&si), 0);
	running = si.procs;

	threads_stop = true;
	for (uint64_t end = clock_ns() + 5000000000ul;
	     any_alive(pids, SYSINFO_THREADS) && clock_ns() < end; )
		schedule();
	KT_ASSERT(!any_alive(pids, SYSINFO_THREADS));
	KT_ASSERT_EQ(do_sysinfo(&si), 0);

	/* Four more while they ran, four fewer once they were gone. */
	KT_ASSERT(running >= base + SYSINFO_THREADS);
	KT_ASSERT(si.procs + SYSINFO_THREADS <= running);
	return KT_PASS;
}
