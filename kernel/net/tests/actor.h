/*
 * actor.h - helpers shared by the lwIP ktests (kernel/net/tests/):
 * lwIP's calls sleep, and ktests run in the boot CPU's idle context,
 * which must not. A test starts kernel threads ("actors") that do the
 * work and record the first thing that went wrong; the test body only
 * yields until they are done and then asserts on what they found.
 */
#ifndef KERNEL_NET_TESTS_ACTOR_H
#define KERNEL_NET_TESTS_ACTOR_H

#include "kernel/ktest.h"
#include "kernel/net/net.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/wait.h"
#include "kernel/watchdog.h"

/* ---- actors: kernel threads that do a test's work ---- */

struct actor {
	int (*fn)(struct actor *a);
	void *arg;
	volatile bool done;
	int line;			/* first failed check, 0: none */
	const char *what;
	long val;			/* a value that explains it */
};

/* In an actor: record the first failed check and stop. */
#define A_CHECK(a, cond, v)						\
	do {								\
		if (!(cond)) {						\
			if (!(a)->line) {				\
				(a)->line = __LINE__;			\
				(a)->what = #cond;			\
				(a)->val = (long)(v);			\
			}						\
			return -1;					\
		}							\
	} while (0)

static inline int actor_thread(void *p)
{
	struct actor *a = p;

	a->fn(a);
	WRITE_ONCE(a->done, true);
	return 0;
}

static inline bool actor_start(struct actor *a, const char *name)
{
	a->done = false;
	a->line = 0;
	return !IS_ERR(kthread_create(name, actor_thread, a));
}

/* Yield until @cond or @seconds pass; true if @cond held. */
#define YIELD_UNTIL(cond, seconds) ({					\
	uint64_t __end = clock_ns() + (uint64_t)(seconds) * NSEC_PER_SEC; \
	while (!(cond) && clock_ns() < __end) {				\
		touch_softlockup_watchdog();				\
		schedule_timeout(1000000);				\
	}								\
	(bool)(cond);							\
})

/* An actor's verdict, as a test assertion with its line and value. */
#define KT_ACTOR_OK(a)							\
	do {								\
		KT_ASSERT((a)->done);					\
		if ((a)->line) {					\
			ktest_fail_reason(__FILE__, (a)->line,		\
				"%s (value %ld)", (a)->what, (a)->val);	\
			return KT_FAIL;					\
		}							\
	} while (0)

static inline enum ktest_result wait_net_ready(void)
{
	if (!YIELD_UNTIL(net_ready(), 5)) {
		ktest_fail_reason(__FILE__, __LINE__, "lwIP's tcpip thread never came up");
		return KT_FAIL;
	}
	return KT_PASS;
}

#endif
