/*
 * oom.h - the OOM killer (mm/oom_kill.c): what the allocator and the fault
 * path call when memory has run out, and what /proc shows of it.
 */
#ifndef MM_OOM_H
#define MM_OOM_H

#include <stdbool.h>

struct task;

/*
 * Reclaim found nothing: kill the process whose death frees the most and
 * reap its memory. true: try the allocation again; false: fail it (the
 * caller is the victim, is dying, or nobody may be killed). May sleep.
 */
bool out_of_memory(void);
/*
 * Linux's oom_badness (pages; LONG_MIN: never chosen) and the 0..2000
 * /proc/PID/oom_score. tasklist_lock held.
 */
long oom_badness(struct task *t, unsigned long totalpages);
unsigned long oom_score_locked(struct task *t);
#define OOM_SCORE_ADJ_MIN	(-1000)
#define OOM_SCORE_ADJ_MAX	1000

#endif
