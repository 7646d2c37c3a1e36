/*
 * kstack.h - allocate kernel stacks (KSTACK_PAGES pages below a guard page).
 */
#ifndef MM_KSTACK_H
#define MM_KSTACK_H

#include <arch/memlayout.h>
#include "kernel/types.h"

#define KSTACK_PAGES	4
#define KSTACK_SIZE	(KSTACK_PAGES * PAGE_SIZE)

/* Lowest byte of a fresh stack (its top is + KSTACK_SIZE), or NULL. */
void *kstack_alloc(void);
void kstack_free(void *stack);
/* Is @addr in the guard page of some stack slot? (for the fault report) */
bool kstack_is_guard(vaddr_t addr);

#endif
