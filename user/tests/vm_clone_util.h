/*
 * vm_clone_util.h - tasks sharing one address space, for the tests of
 * concurrent page faults (vm_concurrent_fault_test, vm_swap_test's
 * concurrent swap-in): clone(CLONE_VM | SIGCHLD) children, each on a
 * malloc'ed stack. They are processes, not threads (Pagoda has none
 * yet), but they fault in one mm, which is what the mmap lock's readers
 * are about.
 *
 * A child shares the parent's memory, its libc state included (errno,
 * the stdio buffers, malloc's arena): a child function touches only the
 * test's memory and makes system calls, never prints or allocates. It
 * reports through the shared struct vm_race: the first failure's text,
 * copied in once (vm_race_fail).
 *
 * The fault pattern (vm_race_touch): kid k reads, then writes, its own
 * word of every page of a region, some kids from the first page up and
 * the others from the last page down, so pairs of them arrive at the
 * same page at the same time (on one CPU: whenever one sleeps in its
 * fault) and cross each other. A page has one word per kid:
 *
 *   page p:  [ kid 0 ][ kid 1 ] ... [ kid k ] ...  0 ... 0
 *              tag(r, 0, p)           tag(r, k, p)
 *
 * so two faults that installed two pages for one address would leave a
 * write on the page that lost - vm_race_check finds its word 0.
 */
#ifndef VM_CLONE_UTIL_H
#define VM_CLONE_UTIL_H

#include "vm_util.h"

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#define VM_RACE_STACK	(64 * 1024)
#define VM_RACE_KIDS	8		/* most kids one region is shared by */

struct vm_race {
	char *region;			/* the pages the kids fault */
	unsigned long npages;
	unsigned int kids;		/* faulting kids */
	bool tailed;			/* each page's last word holds vm_race_tail() */
	volatile int round;		/* the last round started (-1: none yet) */
	volatile int stop;		/* the kids are to return */
	volatile int done;		/* (kid, round) pairs finished */
	volatile int failed;		/* a kid set msg */
	char msg[200];
};

/* What kid @kid writes in round @round to page @page. Never 0. */
static inline uint64_t vm_race_tag(int round, unsigned int kid, unsigned long page)
{
	return ((uint64_t)(round + 1) << 48) | ((uint64_t)(kid + 1) << 32) | (page + 1);
}

/* The last word of page @page, when written before the kids start (r->tailed). */
static inline uint64_t vm_race_tail(unsigned long page)
{
	return ~(uint64_t)page;
}

/* Record the first failure (a kid's or the parent's). */
static void __attribute__((unused, format(printf, 2, 3)))
vm_race_fail(struct vm_race *r, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_exchange_n(&r->failed, 1, __ATOMIC_ACQ_REL))
		return;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

/*
 * Kid @kid's part of round @round: for every page, in the kid's order,
 * read its own word (0: a fresh page), write the tag, read it back, and
 * look at the next kid's word, which must be 0 or that kid's tag of this
 * round - never a stale or foreign value - and at the tail word, if any.
 * False (and r->msg) at the first surprise.
 */
static bool __attribute__((unused)) vm_race_touch(struct vm_race *r, unsigned int kid, int round)
{
	unsigned int next = (kid + 1) % r->kids;

	for (unsigned long i = 0; i < r->npages; i++) {
		unsigned long p = kid % 2 ? r->npages - 1 - i : i;
		volatile uint64_t *w = (volatile uint64_t *)(r->region + p * PAGE);
		uint64_t mine = vm_race_tag(round, kid, p), v;

		v = w[kid];
		if (v != 0) {
			vm_race_fail(r, "round %d kid %u page %lu: read %#llx before writing",
				     round, kid, p, (unsigned long long)v);
			return false;
		}
		w[kid] = mine;
		if (w[kid] != mine) {
			vm_race_fail(r, "round %d kid %u page %lu: wrote %#llx, read %#llx",
				     round, kid, p, (unsigned long long)mine,
				     (unsigned long long)w[kid]);
			return false;
		}
		v = w[next];
		if (v != 0 && v != vm_race_tag(round, next, p)) {
			vm_race_fail(r, "round %d kid %u page %lu: kid %u's word is %#llx",
				     round, kid, p, next, (unsigned long long)v);
			return false;
		}
		v = w[PAGE / 8 - 1];
		if (v != (r->tailed ? vm_race_tail(p) : 0)) {
			vm_race_fail(r, "round %d kid %u page %lu: last word %#llx",
				     round, kid, p, (unsigned long long)v);
			return false;
		}
	}
	return true;
}

/*
 * After round @round: every page holds every kid's tag in its word, the
 * tail word if r->tailed, and zeros in the rest. False (and r->msg) at
 * the first wrong word.
 */
static bool __attribute__((unused)) vm_race_check(struct vm_race *r, int round)
{
	for (unsigned long p = 0; p < r->npages; p++) {
		const uint64_t *w = (const uint64_t *)(r->region + p * PAGE);

		for (unsigned long i = 0; i < PAGE / 8; i++) {
			uint64_t want = i < r->kids ? vm_race_tag(round, (unsigned int)i, p) : 0;

			if (i == PAGE / 8 - 1 && r->tailed)
				want = vm_race_tail(p);

			if (w[i] != want) {
				vm_race_fail(r, "after round %d page %lu word %lu: %#llx, want %#llx",
					     round, p, i, (unsigned long long)w[i],
					     (unsigned long long)want);
				return false;
			}
		}
	}
	return true;
}

/* Wait until the kids finished round @round (or one failed). */
static void __attribute__((unused)) vm_race_wait_round(struct vm_race *r, int round)
{
	int want = (int)r->kids * (round + 1);

	while (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) < want &&
	       !__atomic_load_n(&r->failed, __ATOMIC_ACQUIRE))
		sched_yield();
}

/* A kid's wait for round @round to be started (true) or the end (false). */
static bool __attribute__((unused)) vm_race_wait_go(struct vm_race *r, int round)
{
	while (__atomic_load_n(&r->round, __ATOMIC_ACQUIRE) < round &&
	       !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&r->failed, __ATOMIC_ACQUIRE))
		sched_yield();
	return !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&r->failed, __ATOMIC_ACQUIRE);
}

/* The parent starts round @round. */
static void __attribute__((unused)) vm_race_go(struct vm_race *r, int round)
{
	__atomic_store_n(&r->round, round, __ATOMIC_RELEASE);
}

/* A kid finished its part of the current round. */
static void __attribute__((unused)) vm_race_done(struct vm_race *r)
{
	__atomic_add_fetch(&r->done, 1, __ATOMIC_RELEASE);
}

/*
 * Start @fn(@arg) in a child sharing this address space. Returns its pid
 * (the stack goes to *@stack, to be freed once it was waited for) or -1.
 */
static pid_t __attribute__((unused)) vm_clone_vm(int (*fn)(void *), void *arg, void **stack)
{
	char *s = malloc(VM_RACE_STACK);
	pid_t pid;

	if (!s)
		return -1;
	pid = clone(fn, s + VM_RACE_STACK, CLONE_VM | SIGCHLD, arg);
	if (pid < 0) {
		free(s);
		return -1;
	}
	*stack = s;
	return pid;
}

/* Wait for clone child @pid and free its stack: its exit status, or -1 if killed. */
static int __attribute__((unused)) vm_clone_wait(pid_t pid, void *stack)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	free(stack);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif
