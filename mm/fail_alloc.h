/*
 * fail_alloc.h - allocation-failure injection (Linux's fail_page_alloc and
 * failslab, in one): make page and slab allocations fail on purpose, so
 * that the error paths behind every allocation get run.
 *
 * Configured by the boot option
 *
 *	fail_alloc=<probability>[,<interval>[,<times>[,<task_filter>]]]
 *
 * or by writing "probability=P interval=I times=T task_filter=F" (any
 * subset) to /proc/pagoda/fail_alloc, which reads back the settings and
 * the counts. An allocation is failed when injection is on (probability
 * > 0), times is not used up (-1: no limit), it is the interval-th
 * eligible call, a random draw falls under probability percent, and -
 * with task_filter 1 - the allocating task has /proc/PID/make-it-fail set
 * (inherited by fork, as Linux's). Interrupt handlers and tasks without
 * the mark never see a failure with the filter on; the boot option turns
 * the filter on by default (unlike Linux's debugfs knob), so that the
 * boot's own allocations cannot be failed.
 */
#ifndef MM_FAIL_ALLOC_H
#define MM_FAIL_ALLOC_H

#include "kernel/compiler.h"
#include <stdbool.h>

struct proc_buf;

/* Non-zero while injection is configured; read without a lock. */
extern int fail_alloc_probability;

bool fail_alloc_should_fail(void);

/* The allocators' hook: one test of a global when injection is off. */
static inline bool should_fail_alloc(void)
{
	return unlikely(fail_alloc_probability) && fail_alloc_should_fail();
}

/* Boot: read fail_alloc= from the command line. */
void fail_alloc_init(void);
/* /proc/pagoda/fail_alloc: show the settings and counts / change them. */
int fail_alloc_show(struct proc_buf *b);
int fail_alloc_set(const char *req);

#endif
