/*
 * vm.h - user address spaces: struct mm, the mmap lock, faults, and the
 * operations the rest of the kernel uses on user memory.
 *
 *   USER_END  +----------------------+
 *             | stack VMA (8 MiB)    |  argv/envp/auxv at the top
 *             +----------------------+  <- mmap_base (stack - gap)
 *             | mmap area, top-down  |
 *             |          ...         |
 *             | brk heap (grows up)  |
 *             | ELF segments         |
 *   0x10000   +----------------------+  mmap_min_addr
 *
 * Pages: an anonymous page belongs to its mm(s) (PG_anon, index = the page
 * offset it was faulted at, mapcount = PTEs mapping it, refcount = users);
 * a file page belongs to the file's page cache (mapping = the inode, index
 * = offset in the file) and is mapped on top of that. The shared zero page
 * backs read faults on untouched anonymous memory.
 */
#ifndef MM_VM_H
#define MM_VM_H

#include "kernel/lib/list.h"
#include "kernel/panic.h"
#include "kernel/task.h"
#include "kernel/types.h"
#include "kernel/rwsem.h"
#include "kernel/wait.h"
#include "mm/usercopy.h"
#include "mm/vma.h"
#include <arch/pgtable.h>

#define STACK_SIZE	(8ul << 20)
#define STACK_TOP	(USER_END - PAGE_SIZE)	/* leave the last page unmapped */
#define MMAP_GAP	(1ul << 30)		/* between stack and mmap area */
#define USER_MIN	0x10000ul		/* mmap_min_addr */

/* RSS split, as Linux's MM_ANONPAGES / MM_FILEPAGES / MM_SHMEMPAGES. */
/* MM_SWAPENTS counts swap entries in the page tables (VmSwap), not RSS. */
enum mm_counter { MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS, NR_MM_COUNTERS };

/* One CPU's share of an mm's counters, a cache line of its own. */
struct mm_rss_row {
	long count[NR_MM_COUNTERS];
} __attribute__((aligned(64)));

/*
 * One address space. Which lock protects what ("mmap lock" = mmap_lock,
 * read = held for reading, write = held for writing; the whole order of
 * locks is in mm/internal.h, what a fault may assume in mm/memory.c):
 */
struct mm {
	struct pgtable pgt;		/* its page tables: pgt.root = the pgd (set at creation,
					 * then constant); pgt's locks guard their entries
					 * (arch/pgtable.h: whole, shared + PTE locks) and
					 * pgt.upper_lock a VMA's first anon_vma */
	struct vma_tree vmas;		/* write to change, read to look up */
	struct rw_semaphore mmap_lock;	/* the mmap lock (below) */
	int refcount;			/* atomic: tasks using it (vfork/CLONE_VM share) */
	unsigned long start_brk, brk;	/* write to change, read to look */
	unsigned long start_stack, mmap_base;			/* set by exec */
	unsigned long arg_start, arg_end, env_start, env_end;	/* set by exec */
	unsigned long total_vm;		/* write: pages covered by VMAs */
	unsigned long locked_vm;	/* write: pages in VM_LOCKED VMAs */
	/*
	 * The RSS counters (VmRSS's parts, VmSwap), one row per CPU slot, as
	 * Linux's per-CPU mm counters: faults, zaps and reclaim change them
	 * holding the mmap lock only for reading (or, for an rmap unmap, the
	 * rmap lock alone), several at once, each adding to its own CPU's
	 * row (add_mm_counter, mm/internal.h) so that threads faulting on
	 * different CPUs never write one cache line. The adds are atomic: a
	 * task moved between reading its CPU and adding may share a row with
	 * the CPU it left. get_mm_counter() sums the rows - exact whenever
	 * nothing is changing them. Set by mm_create(); rss_rows >= 1 (the
	 * CPUs online then; a later CPU shares row index % rss_rows).
	 */
	struct mm_rss_row *rss;
	unsigned int rss_rows;
	unsigned long def_flags;	/* write: VM_LOCKED after mlockall(MCL_FUTURE) */
	bool oom_reaped;		/* set by the OOM reaper holding read (WRITE_ONCE):
					 * its private memory was reaped (Linux's
					 * MMF_OOM_SKIP); never picked again */
	/* The program exec mapped: a reference, and its inode's write denial
	 * (deny_write_access: ETXTBSY for writers) until the mm goes.
	 * Set once before the mm runs (exec, fork); NULL for a kernel mm. */
	struct file *exe_file;
};

/*
 * The mmap lock: a reader/writer semaphore (kernel/rwsem.h) with Linux's
 * names. What takes it how (Linux's choices):
 *
 *   read    page faults (memory.c), get_user_pages and everything built on
 *           it (process_vm_readv/writev, /proc/PID/mem, ptrace PEEK/POKE,
 *           vmsplice, vm_copy_to), populating (MAP_POPULATE, mlock's and
 *           MADV_POPULATE_*, after any VMA change: mmap_write_downgrade),
 *           mincore, msync, madvise DONTNEED/FREE/COLD/PAGEOUT/WILLNEED,
 *           /proc/PID/maps, smaps, pagemap, status, clear_refs 1-3,
 *           swapoff's unuse pass, the OOM reaper (trylock) and
 *           process_mrelease, reclaim (trylock, from rmap walks)
 *   write   everything that changes VMAs or struct mm fields: mmap,
 *           munmap, mremap, mprotect, brk, mlock/munlock(all), mseal, the
 *           madvise that split VMAs (DONTFORK, DOFORK, DONTDUMP, DODUMP,
 *           and hints Linux keeps in vm_flags), clear_refs 4 (soft-dirty),
 *           exec's new mm, fork (the parent's, and the child's nested),
 *           the last mm_put (exit_mmap)
 *
 * Readers run at once: two tasks sharing the mm (CLONE_VM) may fault the
 * same page together, so under read nothing that a fault changes is
 * assumed to stay as it was across a sleep - memory.c says what a fault
 * may assume. vm_concurrent_fault_test shows it in user space,
 * kernel/tests/rwsem_ktest.c the semaphore itself.
 */
static inline void mmap_read_lock(struct mm *mm)
{
	down_read(&mm->mmap_lock);
}

static inline void mmap_read_unlock(struct mm *mm)
{
	up_read(&mm->mmap_lock);
}

/* true: held for reading. Fails while a writer holds or waits for it; never sleeps. */
static inline bool mmap_read_trylock(struct mm *mm)
{
	return down_read_trylock(&mm->mmap_lock);
}

static inline void mmap_write_lock(struct mm *mm)
{
	down_write(&mm->mmap_lock);
}

/*
 * Lock an mm nobody else can reach yet while holding another mm's lock
 * (fork's child; Linux's mmap_write_lock_nested): the lock-order checker
 * allows this one nesting of two mmap locks (kernel/lock_order.h).
 */
static inline void mmap_write_lock_nested(struct mm *mm)
{
	down_write_nested(&mm->mmap_lock);
}

static inline void mmap_write_unlock(struct mm *mm)
{
	up_write(&mm->mmap_lock);
}

/* true: held for writing. Fails unless free; never sleeps. */
static inline bool mmap_write_trylock(struct mm *mm)
{
	return down_write_trylock(&mm->mmap_lock);
}

/* Keep holding it, for reading now (populate after mmap, mlock, mremap). */
static inline void mmap_write_downgrade(struct mm *mm)
{
	downgrade_write(&mm->mmap_lock);
}

/*
 * Functions whose name ends in _locked need the mmap lock held and say
 * so with these (cheap, always checked): held by the current task for
 * reading or writing, or for writing. (A reader is found in the
 * lock-order checker's record of what the task holds; with lockcheck=off
 * the first can only check that some reader holds it.)
 */
static inline void mmap_assert_locked(const struct mm *mm)
{
	BUG_ON(!rwsem_held_by_current(&mm->mmap_lock));
}

static inline void mmap_assert_write_locked(const struct mm *mm)
{
	BUG_ON(!rwsem_write_held_by_current(&mm->mmap_lock));
}

/* @mm's counter @c: the sum of its rows (a snapshot while faults run). */
static inline long get_mm_counter(const struct mm *mm, enum mm_counter c)
{
	long n = 0;

	for (unsigned int i = 0; i < mm->rss_rows; i++)
		n += __atomic_load_n(&mm->rss[i].count[c], __ATOMIC_RELAXED);
	return n;
}

static inline unsigned long mm_rss(const struct mm *mm)
{
	return get_mm_counter(mm, MM_ANONPAGES) + get_mm_counter(mm, MM_FILEPAGES) +
	       get_mm_counter(mm, MM_SHMEMPAGES);
}

struct mm *mm_create(void);		/* empty address space, or NULL */
void mm_put(struct mm *mm);		/* drop a reference; free at zero */
struct mm *mm_dup(struct mm *src);	/* fork: VMAs shared copy-on-write */
struct file;
/* Set @mm's program file, denying it to writers while @mm lives (mm/mmap.c). */
int mm_set_exe_file(struct mm *mm, struct file *f);
void vm_activate(struct mm *mm);	/* load its page tables on this CPU */

/*
 * Map [start, start + len) with @vm_flags, anonymous (file NULL) or of
 * @file at page offset @pgoff, at exactly @start (replacing what was there)
 * with MAP_REGION_FIXED in @region_flags (-EPERM, nothing changed, when
 * a sealed VMA is there: mm/mseal.c), else at a free place found
 * top-down (@start is a hint). Returns the address or -errno. It does
 * not populate: a caller that mapped locked memory (VM_LOCKED without
 * VM_LOCKONFAULT) populates it after, holding the lock for reading only
 * (mmap_write_unlock_populate, mm/internal.h), as Linux's mm_populate.
 * mmap lock held for write; may sleep.
 */
#define MAP_REGION_FIXED	0x1u
long vm_mmap_region_locked(struct mm *mm, unsigned long start, unsigned long len,
			   unsigned long vm_flags, struct file *file, unsigned long pgoff,
			   unsigned int region_flags);
/*
 * munmap(2)'s work: remove [start, start + len) (page aligned, may span
 * several VMAs and holes), freeing the pages and page tables. 0, -EINVAL,
 * -ENOMEM (a split refused) or -EPERM (a sealed VMA in the range: nothing
 * changed; mm/mseal.c). mmap lock held for write; may sleep.
 */
int vm_munmap_locked(struct mm *mm, unsigned long start, unsigned long len);
/*
 * /proc/PID/clear_refs: what a write of 1..5 asks for (Linux's enum
 * clear_refs_types, same numbers).
 */
enum clear_refs_type {
	CLEAR_REFS_ALL = 1,		/* accessed bits of every mapped page */
	CLEAR_REFS_ANON,		/* ... of anonymous VMAs only */
	CLEAR_REFS_MAPPED,		/* ... of file VMAs only */
	CLEAR_REFS_SOFT_DIRTY,		/* soft-dirty bits, VM_SOFTDIRTY; write-protect */
	CLEAR_REFS_MM_HIWATER_RSS,	/* peak RSS := RSS (Pagoda keeps no peak) */
};
/*
 * clear_refs on one VMA of @mm (pagewalk.c): for CLEAR_REFS_SOFT_DIRTY
 * drop VM_SOFTDIRTY, make every PTE and swap entry clean and write-protect
 * the present ones; for CLEAR_REFS_ALL/_ANON/_MAPPED clear the accessed
 * bit and PG_referenced of each mapped page (the caller picks the VMAs).
 * Flushes what it changes. mmap lock held for write with
 * CLEAR_REFS_SOFT_DIRTY (it changes v->flags), else for reading; takes the
 * page-table lock per table; does not sleep.
 */
struct vma;
void clear_refs_vma(struct mm *mm, struct vma *v, enum clear_refs_type type);
/* mprotect(2) on @mm (takes the mmap lock); -EPERM, nothing changed, if sealed. */
long vm_mprotect(struct mm *mm, unsigned long start, unsigned long len, unsigned long prot);
/*
 * Copy into / out of an address space through its page tables (exec,
 * /proc). vm_copy_to() takes the mmap lock for reading (it is GUP).
 */
int vm_copy_to(struct mm *mm, unsigned long dst, const void *src, size_t n);
int vm_copy_from(struct mm *mm, void *dst, unsigned long src, size_t n);

/*
 * Resolve a fault at @addr (@flags: FAULT_WRITE/EXEC). Returns 0 when
 * the access can be retried, or VM_FAULT_SEGV_MAPERR/_ACCERR,
 * VM_FAULT_SIGBUS, VM_FAULT_OOM. Takes the mmap lock for reading
 * (reclaiming around it when memory is short); may sleep.
 */
#define FAULT_WRITE	0x1u
#define FAULT_EXEC	0x2u
/*
 * Not for CPU faults: give a copy-on-write page of a private mapping to
 * this mm alone, without making it writable (Linux's FAULT_FLAG_UNSHARE,
 * for GUP_FORCE writes and read-only pins). Never with FAULT_WRITE.
 */
#define FAULT_UNSHARE	0x4u
enum vm_fault_result vm_fault(struct mm *mm, unsigned long addr, unsigned int flags);
/*
 * The same for a caller that already holds @mm's mmap lock, for reading
 * or writing (swapoff's unuse pass): no reclaim retry, counted like
 * vm_fault(). May sleep.
 */
enum vm_fault_result vm_fault_locked(struct mm *mm, unsigned long addr, unsigned int flags);

struct page;
#define GUP_WRITE	0x1u
#define GUP_FORCE	0x2u	/* write even a read-only private VMA (via COW) */
/*
 * A pin (Linux's FOLL_PIN), for a user of the page's data (vmsplice's
 * pipe, DMA): counted in page->pincount, released with unpin_user_page().
 * A read-only pin of an anonymous page some other mm (or reference) shares
 * first unshares it, so the pin sees this mm's later writes and never
 * another's. GUP_LONGTERM (FOLL_LONGTERM: held for an unbounded time)
 * unshares a page-cache or zero page of a private mapping too.
 */
#define GUP_PIN		0x4u
#define GUP_LONGTERM	0x8u
/* Populate only: the fault may drop the mmap lock (read) for swap-in (-EAGAIN). */
#define GUP_UNLOCKABLE	0x10u
/*
 * Take the pages of [start, start + n * PAGE_SIZE) of @mm, faulting them in
 * (writable and COW-broken with GUP_WRITE). Fills @pages with referenced
 * pages; release each with put_page() (unpin_user_page() for GUP_PIN).
 * Returns n or -EFAULT / -ENOMEM / -EINTR (nothing left held). Caller
 * holds the mmap lock (for reading is enough); may sleep (mm/gup.c).
 */
long get_user_pages_locked(struct mm *mm, unsigned long start, unsigned long n,
			   unsigned int gup_flags, struct page **pages);
/* Release a page taken with GUP_PIN. Never sleeps. */
void unpin_user_page(struct page *p);

/*
 * Process @pid's mm with a reference (drop it with mm_put()) if current
 * may reach into it (Linux's mm_access(): ptrace_may_access() with @mode,
 * PTRACE_MODE_REALCREDS or _FSCREDS; always for current's own mm), NULL
 * when it has none (a zombie or kernel thread), ERR_PTR(-ESRCH) when
 * there is no such process, ERR_PTR(-EACCES) when access is refused.
 * Takes tasklist_lock; does not sleep (mm/process_vm_access.c).
 */
struct mm *mm_access(pid_t pid, unsigned int mode);
/* @t's mm with a reference (mm_put() it), or NULL when it has none left. */
struct mm *get_task_mm(struct task *t);
/*
 * Copy @len bytes between [addr, addr + len) of @mm and the caller's
 * buffer @ubuf: out of @mm, or into it with GUP_WRITE in @gup_flags
 * (GUP_FORCE: as /proc/PID/mem, even through read-only private VMAs, by
 * COW). A page at a time, pinned under @mm's mmap lock and copied with no
 * mmap lock held. Returns the bytes copied; when short, *@local_fault
 * says whether @ubuf faulted (else @mm's page could not be had). Caller
 * holds a reference on @mm and no mmap lock; may sleep.
 */
size_t remote_vm_copy(struct mm *mm, unsigned long addr, void __user *ubuf, size_t len,
		      unsigned int gup_flags, bool *local_fault);

/*
 * remote_vm_copy() with a kernel buffer @buf (Linux's access_remote_vm;
 * ptrace PEEKDATA/POKEDATA): returns the bytes copied. Same rules.
 */
size_t access_remote_vm(struct mm *mm, unsigned long addr, void *buf, size_t len,
			unsigned int gup_flags);

/*
 * mremap(2) on @mm after the argument checks (mm/mremap.c): the new address
 * or -errno. mmap lock held for writing; may sleep.
 */
long vm_mremap_locked(struct mm *mm, unsigned long addr, unsigned long old_len,
		      unsigned long new_len, unsigned long flags, unsigned long new_addr);

/* The shared zero page (read faults on untouched anonymous memory). */
extern struct page *zero_page;
void vm_init(void);

/* debug_vm=1 (mm/memory.c): check the caller's PTEs after every system call. */
extern bool debug_vm_enabled;
void debug_vm_verify(struct mm *mm, const char *tag);

#endif
