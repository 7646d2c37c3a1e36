/*
 * arch/pgtable.h - the page-table contract between mm/ and arch/x86_64.
 *
 * x86-64 4-level paging (Intel SDM vol. 3A, 4.5). A virtual address splits as
 *
 *   63      48 47     39 38     30 29     21 20     12 11         0
 *   +---------+---------+---------+---------+---------+------------+
 *   | sign ext| PML4 idx| PDPT idx|  PD idx |  PT idx | page offset|
 *   +---------+---------+---------+---------+---------+------------+
 *                (pgd)     (pud)     (pmd)     (pte)
 *
 * and every entry of every level is 64 bits:
 *
 *   63  62..52  51 ........ 12  11..9  8  7   6  5  4   3   2   1  0
 *   +--+-------+--------------+-----+---+--+--+--+---+---+---+---+--+
 *   |NX| avail | frame address|avail| G |PS| D| A|PCD|PWT|U/S|R/W| P|
 *   +--+-------+--------------+-----+---+--+--+--+---+---+---+---+--+
 *
 * PS at the PDPT level maps 1 GiB, at the PD level 2 MiB (the frame address
 * must then be aligned to that size).
 *
 * Generic code never touches these bits: it asks for MMU_* flags, and
 * paging.c translates them in one place each way (mmu_flags_to_pte(),
 * pte_to_mmu_flags()).
 */
#ifndef ARCH_PGTABLE_H
#define ARCH_PGTABLE_H

#include "kernel/types.h"
#include <arch/memlayout.h>
#include "kernel/spinlock.h"

typedef uint64_t pte_t;

#define PTE_PRESENT	(1ull << 0)
#define PTE_WRITE	(1ull << 1)
#define PTE_USER	(1ull << 2)
#define PTE_PWT		(1ull << 3)
#define PTE_PCD		(1ull << 4)
#define PTE_ACCESSED	(1ull << 5)
#define PTE_DIRTY	(1ull << 6)
#define PTE_HUGE	(1ull << 7)	/* PS: 1 GiB at PDPT, 2 MiB at PD */
#define PTE_GLOBAL	(1ull << 8)
/*
 * Software bit (one of the three the CPU ignores): a 4 KiB user PTE with P
 * clear but PROTNONE set still names its frame - a PROT_NONE page keeps
 * its contents, every access faults. (Linux uses the same trick.)
 */
#define PTE_PROTNONE	(1ull << 9)
/*
 * Software bit: a non-present 4 KiB user PTE with SWAP set holds a swap
 * entry (mm/swap.h) in the frame-address bits instead of a frame:
 *
 *   63      52 51                      12 11 10  9     1  0
 *   +---------+--------------------------+--+--+--+-----+--+
 *   |    0    |   swap entry (40 bits)   |SD| 1| 0|  0  | 0|
 *   +---------+--------------------------+--+--+--+-----+--+
 *
 * (SD: PTE_SOFT_DIRTY, below.)
 */
#define PTE_SWAP	(1ull << 10)
/*
 * Software bit: soft-dirty (Documentation/admin-guide/mm/soft-dirty.rst),
 * bit 11 as Linux's _PAGE_SOFT_DIRTY. The kernel sets it whenever it makes
 * a PTE writable for a write (MMU_SOFTDIRTY); /proc/PID/clear_refs clears
 * it. It means the same in a present PTE, a PROT_NONE PTE and a swap
 * entry (where Linux uses bit 1 instead: here bit 11 is free in all three,
 * so one bit serves and nothing moves when a page goes to swap and back).
 */
#define PTE_SOFT_DIRTY	(1ull << 11)
#define PTE_NX		(1ull << 63)
#define PTE_ADDR_MASK	0x000ffffffffff000ull

#define PT_ENTRIES	512
_Static_assert(sizeof(pte_t) == 8, "x86-64 page-table entries are 8 bytes");

/* Generic mapping attributes (readable is implied by "mapped"). */
enum mmu_flags {
	MMU_WRITE	= 1u << 0,
	MMU_EXEC	= 1u << 1,
	MMU_USER	= 1u << 2,
	MMU_NOCACHE	= 1u << 3,	/* device memory: PCD|PWT */
	MMU_GLOBAL	= 1u << 4,	/* survives CR3 switches (kernel only) */
	MMU_ACCESSED	= 1u << 5,	/* reported by query; ignored by map */
	MMU_DIRTY	= 1u << 6,	/* reported by query; ignored by map */
	MMU_PROTNONE	= 1u << 7,	/* 4 KiB only: kept but inaccessible (PROT_NONE) */
	/*
	 * 4 KiB user PTEs only: written since /proc/PID/clear_refs last said
	 * "4" (soft-dirty). Kept by pte_cursor_protect(), set by asking for
	 * it, cleared only by pte_cursor_clear_flags(); a swap entry carries
	 * it too (pte_val.flags of a PTE_KIND_SWAP, pte_cursor_set_swap()).
	 */
	MMU_SOFTDIRTY	= 1u << 8,
};

/* One translation as reported by arch_query()/arch_walk(). */
struct mmu_mapping {
	vaddr_t va;		/* first virtual address of the page */
	phys_addr_t pa;		/* frame it maps to */
	size_t size;		/* PAGE_SIZE, PMD_SIZE or PUD_SIZE */
	unsigned int flags;	/* enum mmu_flags */
};

/*
 * One tree of page tables and the lock of its entries. Every struct mm
 * embeds one (mm->pgt: root = its pgd, lock = Linux's page_table_lock);
 * kernel_pgt is the kernel's own, whose lock guards the kernel half
 * (ioremap, kernel stacks, direct-map splits) that every pgd shares.
 *
 * Split PTE locks (Linux's): a user tree is locked at two levels, so that
 * threads faulting different parts of one mm on different CPUs do not
 * wait for each other:
 *
 *   cursors (shared)      readers + 1, then the PTE lock of the one
 *                         page-table page they work in (struct page ptl);
 *                         upper_lock to fill a hole above it (PML4, PDPT,
 *                         PD entries: new tables)
 *   whole-tree holders    lock, then wait for readers == 0: range walkers,
 *                         one-shot calls, mremap's moves, freeing tables
 *
 * A whole-tree holder excludes every cursor, so it needs neither upper
 * nor PTE locks; cursors exclude each other per table. The kernel's tree
 * has only whole-tree holders (its cursors take lock), as has a tree
 * nobody else can reach yet (fork's child: pte_cursor_lock_whole). Lock
 * order: lock or shared -> upper_lock -> ptl (docs/locking.md).
 */
struct tlb_batch;

struct pgtable {
	phys_addr_t root;	/* top-level table (PML4), physical */
	spinlock_t lock;	/* whole tree: every entry below root it owns */
	uint32_t readers;	/* cursors inside (shared); atomic */
	spinlock_t upper_lock;	/* shared: PML4/PDPT/PD entries, the table count */
	uint64_t cpumask;	/* CPUs with root in CR3 (atomic; arch/x86_64/tlb.c) */
	/* PTE changes whose flush was deferred (tlb.c, "Deferred flushes"): */
	unsigned long tlb_gen_deferred;	/* counts them; atomic */
	unsigned long tlb_gen_flushed;	/* all up to this one are flushed; atomic */
};

/* The kernel's page tables: root = the top-level table every pgd copies. */
extern struct pgtable kernel_pgt;

/*
 * A page-table cursor (Linux's pte_offset_map_lock): one walk finds the
 * 4 KiB PTE slot of @va and returns it with the tree's lock held; mm reads
 * and changes the entry through it and unlocks. Entries are spoken of in
 * MMU_* flags and swap entries, never PTE_* bits.
 *
 *   pte_cursor_lock(&c, &mm->pgt, va)       walk root -> PT once, lock
 *        |   pte_cursor_get / _set_page / _set_swap / _protect /
 *        |   _clear_flags / _clear          (entry ops, lock held)
 *        |   pte_cursor_next / _move        (same PT page: no walk)
 *        v
 *   pte_cursor_unlock(&c)  ...may sleep...  pte_cursor_relock(&c)
 *        (the slot pointer survives: user page-table pages are freed only
 *         under the mmap lock held for writing - munmap, exit - so a caller
 *         holding the mmap lock across the gap finds the same table; it
 *         must re-read the entry, as Linux's pte_same(), since reclaim or
 *         hardware may have changed it meanwhile)
 *
 * Opaque to mm/: only ->va may be read (the page the slot maps).
 */
struct pte_cursor {
	struct pgtable *pgt;
	vaddr_t va;		/* the page whose PTE this is */
	vaddr_t end;		/* end of the span the slot's table (or the hole) covers */
	pte_t *pte;		/* the slot; NULL when no page table covers va yet */
	pte_t *hole;		/* pte NULL: the table whose entry for va is missing */
	int hole_level;		/* ... and its level (3 = PML4 .. 1 = PD) */
	unsigned long irq;	/* interrupt state to restore at unlock */
	volatile uint32_t *ptl;	/* the PTE lock held (shared, in a table), or NULL */
	bool whole;		/* holds the whole tree (pgt->lock), not shared */
	enum lock_acquire how;	/* nested or not, for the lock-order checker */
};

/* What a 4 KiB PTE holds, decoded (pte_cursor_get()). */
enum pte_kind {
	PTE_KIND_NONE,		/* nothing: never touched, or unmapped */
	PTE_KIND_PAGE,		/* a frame: present, or kept inaccessible (MMU_PROTNONE) */
	PTE_KIND_SWAP,		/* a swap entry (mm/swap.h) */
};

struct pte_val {
	enum pte_kind kind;
	phys_addr_t pa;		/* PTE_KIND_PAGE: the frame */
	unsigned int flags;	/* PTE_KIND_PAGE: enum mmu_flags; PTE_KIND_SWAP:
				 * MMU_SOFTDIRTY or 0 */
	uint64_t swap;		/* PTE_KIND_SWAP: the swap entry */
};

/* Does @a still describe @b? (Linux's pte_same, ignoring accessed/dirty.) */
static inline bool pte_val_same(const struct pte_val *a, const struct pte_val *b)
{
	const unsigned int hw = MMU_ACCESSED | MMU_DIRTY;	/* set by the CPU at will */

	return a->kind == b->kind && a->pa == b->pa && a->swap == b->swap &&
	       (a->flags & ~hw) == (b->flags & ~hw);
}

/*
 * Walk @pgt to the PTE of @va (page aligned down) and lock it (interrupts
 * off): the tree shared and the table's PTE lock - or, in the kernel's
 * tree, the whole tree. Never fails: without a page table the cursor reads
 * PTE_KIND_NONE and an install creates the tables (another cursor may do
 * so meanwhile: an install finds out). Does not sleep; nothing may sleep
 * until pte_cursor_unlock().
 */
void pte_cursor_lock(struct pte_cursor *c, struct pgtable *pgt, vaddr_t va);
/* pte_cursor_lock() holding the whole tree (fork's child, which no one else can reach). */
void pte_cursor_lock_whole(struct pte_cursor *c, struct pgtable *pgt, vaddr_t va);
/*
 * The whole tree, for code that walks or changes more than one table
 * (struct pgtable): waits until no cursor is inside. Returns the interrupt
 * state for pgt_unlock_all().
 */
unsigned long pgt_lock_all(struct pgtable *pgt);
void pgt_unlock_all(struct pgtable *pgt, unsigned long irq);
/* Is @pgt locked at all, whole or by a cursor? A hint unless the caller holds it. */
static inline bool pgt_is_locked(const struct pgtable *pgt)
{
	return spin_is_locked(&pgt->lock) || __atomic_load_n(&pgt->readers, __ATOMIC_RELAXED);
}
/*
 * What guards the PML4/PDPT/PD entries: a user tree's upper lock, held
 * shared (also a VMA's first anon_vma); the kernel's whole tree.
 */
unsigned long pgt_lock_upper(struct pgtable *pgt);
void pgt_unlock_upper(struct pgtable *pgt, unsigned long irq);
/*
 * The same walk without taking the lock (Linux's pte_offset_map): the
 * cursor starts unlocked, as after pte_cursor_unlock(). Only for a caller
 * holding the mmap lock (so no table under @va is freed); what
 * pte_cursor_get() reads so is a hint, to be read again after
 * pte_cursor_relock() before anything is changed on its strength.
 */
void pte_cursor_map(struct pte_cursor *c, struct pgtable *pgt, vaddr_t va);
/*
 * pte_cursor_lock() of a second tree while one tree's lock is held (fork:
 * the parent's inside the child's, as Linux's spin_lock_nested): the
 * lock-order checker allows this one nesting of equal rank.
 */
void pte_cursor_lock_nested(struct pte_cursor *c, struct pgtable *pgt, vaddr_t va);
/*
 * Make sure the page table under an unlocked cursor (pte_cursor_map)
 * exists, allocating what is missing with an allocation that may reclaim
 * and OOM-kill (Linux's pte_alloc before a fault allocates its page): a
 * fault that then fails for memory failed for its page, and the page
 * allocator has dealt with that. 0 or -ENOMEM. May sleep; no lock held.
 */
int pte_cursor_prepare(struct pte_cursor *c);
/* Drop the lock (the cursor stays usable for pte_cursor_relock()). */
void pte_cursor_unlock(struct pte_cursor *c);
/*
 * Take the lock again after pte_cursor_unlock(), without a new walk (see
 * the drawing above: the caller held the mmap lock all along). The entry
 * may have changed: re-read it.
 */
void pte_cursor_relock(struct pte_cursor *c);
/*
 * Step to the next page when it is below @end and its PTE is in the same
 * page-table page: true, without a walk. Else false and the cursor stays.
 * Range loops restart with pte_cursor_lock() at pte_cursor_span_end().
 */
bool pte_cursor_next(struct pte_cursor *c, vaddr_t end);
/*
 * Move to @va if its PTE is in the same page-table page (or the same 2 MiB
 * of a hole), without a walk: true. Else false and the cursor stays.
 */
bool pte_cursor_move(struct pte_cursor *c, vaddr_t va);
/*
 * Where the page table (or the hole where none is) that the cursor looked
 * at ends: the next address a range loop must walk to again.
 */
static inline vaddr_t pte_cursor_span_end(const struct pte_cursor *c)
{
	return c->end;
}
/* Decode the entry into *@v; returns v->kind. Lock held. */
enum pte_kind pte_cursor_get(const struct pte_cursor *c, struct pte_val *v);
/*
 * Install a mapping of frame @pa with MMU_* @flags (accessed/dirty are
 * ignored) in an empty slot, creating missing page tables (no sleep).
 * Returns 0, -EEXIST (the slot is in use) or -ENOMEM. No TLB flush needed.
 */
int pte_cursor_set_page(struct pte_cursor *c, phys_addr_t pa, unsigned int flags);
/*
 * Install swap entry @entry in an empty slot, soft-dirty when @flags has
 * MMU_SOFTDIRTY (other flags are ignored): 0, -EEXIST or -ENOMEM.
 */
int pte_cursor_set_swap(struct pte_cursor *c, uint64_t entry, unsigned int flags);
/*
 * Give the page in the slot new MMU_* @flags (MMU_PROTNONE: keep it
 * inaccessible) and flush its TLB entry. The soft-dirty bit is kept (as
 * Linux's pte_modify keeps it), and set when @flags has MMU_SOFTDIRTY.
 * 0, or -ENOENT when no page.
 */
int pte_cursor_protect(struct pte_cursor *c, unsigned int flags);
/*
 * The same without the flush, for a caller changing a whole range that
 * flushes it once afterwards (mprotect, fork's write-protect): until then
 * another CPU may still use the old entry.
 */
int pte_cursor_protect_deferred(struct pte_cursor *c, unsigned int flags);
/*
 * Clear some of MMU_WRITE / MMU_ACCESSED / MMU_DIRTY / MMU_SOFTDIRTY on a
 * present page; of a PROT_NONE page or a swap entry only MMU_SOFTDIRTY
 * can be cleared. Returns the flags a present page had; for a PROT_NONE
 * page or a swap entry MMU_SOFTDIRTY or 0; 0 for an empty slot. Flushes
 * when a present page changed.
 */
unsigned int pte_cursor_clear_flags(struct pte_cursor *c, unsigned int clear);
/*
 * The same without the flush: the change is recorded in @b, whose owner
 * flushes later (reclaim; arch/tlb.h). A cleared write or dirty bit also
 * marks the tree (pgt->tlb_gen_deferred).
 */
unsigned int pte_cursor_clear_flags_batched(struct pte_cursor *c, unsigned int clear,
					    struct tlb_batch *b);
/* How pte_cursor_clear() treats the TLB. */
enum pte_flush {
	PTE_FLUSH,		/* flush this page's TLB entry now */
	PTE_NOFLUSH,		/* TLB gather: caller flushes the range later */
};
/* Empty the slot (page, PROT_NONE page or swap entry). Swap entries need no flush. */
void pte_cursor_clear(struct pte_cursor *c, enum pte_flush flush);
/* Empty the slot; a present page's flush is left to batch @b (reclaim). */
void pte_cursor_clear_batched(struct pte_cursor *c, struct tlb_batch *b);
/*
 * mremap: move every entry (page, PROT_NONE page or swap entry, bits as
 * they are, plus soft-dirty) of [old, old + len) to the empty slots of
 * [new, new + len), in one pass: neither range may cross a 2 MiB
 * boundary. Creates @new's tables; takes the lock. 0, -ENOMEM or -EEXIST
 * (then the entries before the occupied slot have moved). No TLB flush:
 * the caller flushes the old range once.
 */
long arch_move_ptes(struct pgtable *pgt, vaddr_t old, vaddr_t new, size_t len);
/*
 * mremap's fast path: move the page table mapping the 2 MiB at @old (2 MiB
 * aligned) to @new (likewise) by moving its PD entry. 0; -ENOENT when
 * there is none at @old; -EEXIST when @new has one; -ENOMEM; -EINVAL
 * when @old is not a page table (a huge page): move entry by entry. Takes the
 * lock; caller holds the mmap lock for writing and flushes @old's range.
 */
int arch_move_pte_table(struct pgtable *pgt, vaddr_t old, vaddr_t new);

/*
 * One-shot operations (each one walk under the tree's lock). Map
 * [va, va+size) to pa: @size is PAGE_SIZE, PMD_SIZE or PUD_SIZE, va/pa
 * aligned to it; allocates intermediate tables. Returns 0, -EINVAL
 * (alignment/size), -EEXIST (something already mapped there) or -ENOMEM.
 * Does not sleep. Kernel mappings (kstack) and tests; mm/ uses cursors.
 */
int arch_map(struct pgtable *pgt, vaddr_t va, phys_addr_t pa, size_t size,
	     unsigned int flags);
/*
 * Remove the translation of the page that contains @va and flush it from the
 * TLB. @size must equal the size of that mapping. Returns 0 or -ENOENT
 * (nothing mapped) or -EINVAL (size mismatch). Page tables are not freed.
 */
int arch_unmap(struct pgtable *pgt, vaddr_t va, size_t size);
/* Describe the translation of @va (any page size). Returns 0 or -ENOENT. */
int arch_query(struct pgtable *pgt, vaddr_t va, struct mmu_mapping *out);
/*
 * Clear some of MMU_WRITE / MMU_ACCESSED / MMU_DIRTY on the 4 KiB PTE at
 * @va (rmap: page_referenced, page_mkclean): pte_cursor_clear_flags() on a
 * cursor of its own. Returns the old flags, 0 when nothing is mapped.
 */
unsigned int arch_clear_flags(struct pgtable *pgt, vaddr_t va, unsigned int clear);
/* The same, the flush left to @b (pte_cursor_clear_flags_batched). */
unsigned int arch_clear_flags_batched(struct pgtable *pgt, vaddr_t va, unsigned int clear,
				      struct tlb_batch *b);
/*
 * Range walkers. Call @fn for every present (or PROT_NONE) leaf mapping
 * that overlaps [start, end) / for every swap entry in it, in address
 * order; stop early and return @fn's value when it is non-zero. @fn runs
 * with pgt->lock held: it must not sleep or touch this tree (collect what
 * to do, then do it with a cursor).
 */
int arch_walk(struct pgtable *pgt, vaddr_t start, vaddr_t end,
	      int (*fn)(const struct mmu_mapping *m, void *arg), void *arg);
/* (@flags of a swap entry: MMU_SOFTDIRTY or 0.) */
int arch_walk_swap(struct pgtable *pgt, vaddr_t start, vaddr_t end,
		   int (*fn)(vaddr_t va, uint64_t entry, unsigned int flags, void *arg),
		   void *arg);
/* Flush [start, end) of the address space @pgt wherever it may be cached. */
void arch_flush_tlb_mm_range(struct pgtable *pgt, vaddr_t start, vaddr_t end);

/*
 * Direct-map surgery (secretmem): make the direct-map page of frame @pfn
 * invalid or valid again. Invalidating splits a covering 1 GiB or 2 MiB page
 * into 4 KiB pages first (keeping every other frame mapped with the same
 * attributes). Restoring leaves the split in place. TLB flushed on return.
 * Returns 0, -ENOMEM (no page for a split) or -EINVAL (not in the map).
 */
int arch_set_direct_map_valid(pfn_t pfn, bool valid);
/* Size of the direct-map page covering @pfn (0 if none). For tests. */
size_t arch_direct_map_page_size(pfn_t pfn);
/* KiB of the direct map mapped by 4 KiB, 2 MiB and 1 GiB pages (/proc/meminfo). */
void arch_direct_map_sizes(unsigned long *k4, unsigned long *m2, unsigned long *g1);

/*
 * User address spaces: a pgd sharing the kernel half, torn down with its
 * tables. arch_pgd_create() fills in @pgt (root and an unlocked lock):
 * 0 or -ENOMEM.
 */
int arch_pgd_create(struct pgtable *pgt);
void arch_pgd_destroy(struct pgtable *pgt);
/* Page-table pages below the pgd's user half (its VmPTE); not the pgd itself. */
unsigned long arch_pgd_nr_tables(const struct pgtable *pgt);
/*
 * After munmap: free the user page tables overlapping [start, end) that
 * are empty and map nothing outside [floor, ceiling) (the gap between the
 * neighbouring VMAs), as Linux's free_pgtables(). Flushes the TLB when it
 * freed any. Takes pgt->lock; caller holds the mmap lock for writing (the
 * cursor's promise); does not sleep.
 */
void arch_free_user_tables(struct pgtable *pgt, vaddr_t start, vaddr_t end, vaddr_t floor,
			   vaddr_t ceiling);
/* Load @pgt into CR3 on this CPU and track it in pgt->cpumask (tlb.c). */
void arch_switch_pgt(struct pgtable *pgt);
/* Free the kernel page table mapping @va when it has become empty (kstack). */
void arch_prune_table(struct pgtable *pgt, vaddr_t va);

/*
 * TLB maintenance of the kernel's own mappings, on every CPU (tlb.c):
 * one page, a range, or everything.
 */
void arch_flush_tlb_page(vaddr_t va);
void arch_flush_tlb_range(vaddr_t start, vaddr_t end);
void arch_flush_tlb_all(void);
/* All of a user address space's translations, on every CPU that may hold them. */
void arch_flush_tlb_mm(struct pgtable *pgt);

struct boot_info;
/*
 * Build the kernel's own page tables from the memory map in @bi and switch
 * to them (boot only; page tables come from memblock below 4 GiB).
 */
void paging_init(const struct boot_info *bi);

/*
 * Map @size bytes of device memory at physical @pa uncached and return its
 * virtual address (NULL when out of space/memory). Never unmapped for now.
 */
void *ioremap(phys_addr_t pa, size_t size);
/* Same, write-back cached: for firmware tables in non-RAM regions. */
void *ioremap_cached(phys_addr_t pa, size_t size);

#endif
