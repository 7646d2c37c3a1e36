/*
 * hung_task.h - the hung-task detector (Linux's khungtaskd): a task that
 * has slept uninterruptibly (state D) for too long is reported, once per
 * sleep, with the call chain it sleeps in:
 *
 *   INFO: task vm_swap_test:7 blocked for more than 120 seconds.
 *     [<ffffffff8002b1c4>] schedule+0x94
 *     [<ffffffff8004e0aa>] swap_cache_read_page+0x1da
 *     ...
 *
 * A lost wake-up, or a wait for I/O that never completes, shows no other
 * sign: the CPUs go on (idle, or running other tasks), so the soft-lockup
 * detector (watchdog.h) has nothing to say, and a test only times out.
 * Command line: hung_task_timeout=N seconds (default 120, Linux's
 * hung_task_timeout_secs; 0 turns it off). The "khungtaskd" thread looks
 * every 10 s; it only reads, so a report never changes what happens.
 */
#ifndef KERNEL_HUNG_TASK_H
#define KERNEL_HUNG_TASK_H

#include <stdbool.h>
#include <stdint.h>

/* Start khungtaskd (after the scheduler runs); reads the command line. */
void hung_task_init(void);

/*
 * One look over every task: report each that is in state D, off its CPU,
 * and has not been given a CPU for at least @timeout_ns, unless it was
 * reported already for this same sleep. Returns how many were reported.
 * Takes tasklist_lock; prints; no sleep. (khungtaskd; ktests.)
 */
unsigned int hung_task_scan(uint64_t timeout_ns);

/* The same look at @t alone (which the caller keeps alive): true if reported now. */
struct task;
bool hung_task_check(struct task *t, uint64_t timeout_ns);

#endif
