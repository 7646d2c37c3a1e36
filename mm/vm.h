/*
 * vm.h - user address spaces: struct mm, its VMAs and the page-fault path.
 *
 * This is the first, small version (the userland issue): VMAs are kept in a
 * sorted list, anonymous private memory is demand-zero, fork copies every
 * present page, and only anonymous private mappings exist. The VM-core
 * issue replaces the list with a tree, adds file and shared mappings, the
 * zero page and copy-on-write.
 *
 *   USER_END  +----------------------+
 *             | stack (8 MiB VMA)    |  argv/envp/auxv at the top
 *             +----------------------+  <- mmap_base (stack - gap)
 *             | mmap area, top-down  |
 *             |          ...         |
 *             | brk heap (grows up)  |
 *             | ELF segments         |
 *   0x1000    +----------------------+
 */
#ifndef MM_VM_H
#define MM_VM_H

#include "kernel/lib/list.h"
#include "kernel/types.h"
#include "kernel/wait.h"

/* vm_flags, with Linux's values (include/linux/mm.h). */
#define VM_READ		0x00000001ul
#define VM_WRITE	0x00000002ul
#define VM_EXEC		0x00000004ul
#define VM_SHARED	0x00000008ul
#define VM_MAYREAD	0x00000010ul
#define VM_MAYWRITE	0x00000020ul
#define VM_MAYEXEC	0x00000040ul
#define VM_MAYSHARE	0x00000080ul
#define VM_GROWSDOWN	0x00000100ul
#define VM_LOCKED	0x00002000ul

#define STACK_SIZE	(8ul << 20)
#define STACK_TOP	(USER_END - PAGE_SIZE)	/* leave the last page unmapped */
#define MMAP_GAP	(1ul << 30)		/* between stack and mmap area */
#define USER_MIN	0x10000ul		/* mmap_min_addr */

struct vma {
	vaddr_t start, end;		/* [start, end), page aligned */
	unsigned long flags;		/* VM_* */
	unsigned long pgoff;		/* start >> PAGE_SHIFT for anonymous memory */
	struct list_head node;		/* on mm->vmas, sorted by address */
};

struct mm {
	phys_addr_t pgd;
	struct list_head vmas;
	struct mutex lock;		/* the mmap lock */
	int refcount;
	vaddr_t start_brk, brk;
	vaddr_t start_stack, mmap_base;
	vaddr_t arg_start, arg_end, env_start, env_end;
	unsigned long total_vm;		/* pages covered by VMAs */
	unsigned long rss;		/* pages mapped */
};

struct mm *mm_create(void);		/* empty address space, or NULL */
void mm_put(struct mm *mm);		/* drop a reference; free at zero */
struct mm *mm_dup(struct mm *src);	/* fork: copy every VMA and page */
void vm_activate(struct mm *mm);	/* load its page tables on this CPU */

/* The VMA containing @addr, or NULL. Caller holds mm->lock. */
struct vma *vma_find(struct mm *mm, vaddr_t addr);
/*
 * Map anonymous private memory at exactly [start, start+len) (replacing
 * what was there) or, when !fixed, at a free spot found top-down. Returns
 * the address or -errno. Caller holds mm->lock.
 */
long vm_map_anon(struct mm *mm, vaddr_t start, size_t len, unsigned long vm_flags,
		 bool fixed);
int vm_unmap(struct mm *mm, vaddr_t start, size_t len);	/* caller holds lock */
/* Copy @n bytes from the kernel into the (not yet active) address space. */
int vm_copy_to(struct mm *mm, vaddr_t dst, const void *src, size_t n);
/* Copy out of any address space (unmapped pages read as zeros). */
int vm_copy_from(struct mm *mm, void *dst, vaddr_t src, size_t n);

/*
 * Resolve a fault at @addr. @write/@exec describe the access. Returns 0
 * when the access can be retried, -EFAULT (no VMA: SEGV_MAPERR), -EACCES
 * (VMA forbids it: SEGV_ACCERR) or -ENOMEM.
 */
int vm_fault(struct mm *mm, vaddr_t addr, bool write, bool exec);

/* For /proc: sizes in KiB. */
void mm_stats_kb(struct mm *mm, unsigned long *vsz, unsigned long *rss);

#endif
