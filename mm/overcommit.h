/*
 * overcommit.h - the vm knobs of /proc/sys/vm and Linux's accounting of
 * committed memory (mm/overcommit.c).
 *
 * Committed memory is what the address spaces could touch without ever
 * being refused a page: every VMA with VM_ACCOUNT (private writable
 * memory; shared anonymous memory via VM_SHM_ACCOUNT) is charged for all
 * its pages while it exists, whether they are resident or not.
 * vm_enough_memory() decides, by overcommit_memory, whether a new charge
 * is allowed:
 *
 *   0  heuristic: refuse one request larger than RAM + swap
 *   1  always: never refuse
 *   2  never overcommit: refuse when Committed_AS would pass CommitLimit
 *      = swap + RAM * overcommit_ratio / 100 (or overcommit_kbytes)
 */
#ifndef MM_OVERCOMMIT_H
#define MM_OVERCOMMIT_H

#include "kernel/types.h"

struct mm;

#define OVERCOMMIT_GUESS	0
#define OVERCOMMIT_ALWAYS	1
#define OVERCOMMIT_NEVER	2

/* The knobs (written through /proc/sys/vm, read without a lock). */
extern long sysctl_overcommit_memory;	/* OVERCOMMIT_* */
extern long sysctl_overcommit_ratio;	/* percent of RAM, 50 */
extern long sysctl_overcommit_kbytes;	/* when non-zero, replaces the ratio */
extern long sysctl_max_map_count;	/* VMAs per mm, 65530 */
extern long mmap_min_addr;		/* lowest address mmap gives out, 65536 */

/*
 * Charge @pages to the committed total if the policy allows it: 0, or
 * -ENOMEM (nothing charged). @mm (may be NULL) is the one asking, for the
 * user reserve of mode 2. No lock needed; does not sleep.
 */
int vm_enough_memory(struct mm *mm, unsigned long pages);
/* Charge / uncharge without asking (fork, and undoing a charge). */
void vm_acct_memory(long pages);
void vm_unacct_memory(long pages);
/* Committed_AS and CommitLimit, in pages (/proc/meminfo). */
unsigned long vm_committed_pages(void);
unsigned long vm_commit_limit(void);

#endif
