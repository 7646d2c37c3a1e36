/*
 * paging.c - x86-64 page tables: the arch half of the mm contract
 * (arch/pgtable.h) - MMU_* flag translation, the page-table cursor, the
 * one-shot map/unmap/query calls, the range walkers, TLB flushes, and user
 * address spaces (pgd create/destroy, freeing empty tables). The kernel's
 * own tables (boot, ioremap, direct-map surgery) are in kernel_pgtable.c.
 *
 * Intermediate entries are always present+writable(+user below USER_END);
 * permissions are decided by the leaf, the only place NX is set.
 *
 * Locking, the one rule: every entry of a tree is read and written under
 * that tree's lock (struct pgtable: a spinlock, interrupts off) - a user
 * address space's own lock for its user half (mm->pgt.lock), kernel_pgt's
 * for the kernel half (ioremap, kernel stacks, direct-map splits), which
 * every pgd shares. Cursors hold it between pte_cursor_lock() and _unlock();
 * the one-shot calls and the range walkers (arch_walk, arch_walk_swap: the
 * callback runs under it) take it for their whole duration. Page-table
 * pages of a user half are freed only under the mmap lock held for writing
 * (arch_free_user_tables, arch_pgd_destroy), which is what lets a cursor
 * drop its lock to sleep and re-take it without a new walk. Where the lock
 * sits among the others: the lock order in docs/locking.md.
 *
 * TLB flushes go through tlb_flush_range() (arch/x86_64/tlb.c), which
 * shoots down the other CPUs that may cache the entry; changes made under
 * a cursor are flushed before the cursor lets go of pgt->lock - except
 * the _batched ones (reclaim), which leave the flush to a struct
 * tlb_batch and mark the tree (tlb.c, "Deferred flushes").
 */
#include <arch/pgtable.h>
#include <arch/tlb.h>
#include <arch/cpu.h>
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "arch/x86_64/paging_internal.h"
#include "mm/page_alloc.h"
#include "mm/vmstat.h"
#include "kernel/lib/string.h"

struct pgtable kernel_pgt = { .root = 0, .lock = SPINLOCK_INIT_RANKED(kernel_pgt.lock, LOCK_RANK_PT) };

/* Index of @va in the table of @level (3 = PML4, 2 = PDPT, 1 = PD, 0 = PT). */
unsigned int pt_index(vaddr_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & (PT_ENTRIES - 1);
}

size_t level_size(int level)
{
	return 1ul << (PAGE_SHIFT + 9 * level);
}

pte_t *table_va(pte_t entry_or_phys)
{
	return phys_to_virt(entry_or_phys & PTE_ADDR_MASK);
}

/*
 * The one translation from generic MMU_* flags to x86 bits. Accessed and
 * dirty translate too (pte_cursor_clear_flags() asks for them); mapping
 * calls strip them first, since the CPU sets them itself.
 */
static pte_t mmu_flags_to_pte(unsigned int flags)
{
	pte_t pte = PTE_PRESENT;
	pte_t sd = (flags & MMU_SOFTDIRTY) ? PTE_SOFT_DIRTY : 0;

	if (flags & MMU_PROTNONE)
		return PTE_PROTNONE | PTE_USER | (cpu_features.nx ? PTE_NX : 0) | sd;

	if (flags & MMU_WRITE)
		pte |= PTE_WRITE;
	if (flags & MMU_USER)
		pte |= PTE_USER;
	if (flags & MMU_NOCACHE)
		pte |= PTE_PCD | PTE_PWT;
	if ((flags & MMU_GLOBAL) && cpu_features.pge)
		pte |= PTE_GLOBAL;
	if (!(flags & MMU_EXEC) && cpu_features.nx)
		pte |= PTE_NX;
	if (flags & MMU_ACCESSED)
		pte |= PTE_ACCESSED;
	if (flags & MMU_DIRTY)
		pte |= PTE_DIRTY;
	return pte | sd;
}

/* ... and the one translation back. */
static unsigned int pte_to_mmu_flags(pte_t pte)
{
	unsigned int f = (pte & PTE_SOFT_DIRTY) ? MMU_SOFTDIRTY : 0;

	if (!(pte & PTE_PRESENT))
		return (pte & PTE_PROTNONE) ? f | MMU_PROTNONE | MMU_USER : 0;

	if (pte & PTE_WRITE)
		f |= MMU_WRITE;
	if (pte & PTE_USER)
		f |= MMU_USER;
	if (pte & PTE_PCD)
		f |= MMU_NOCACHE;
	if (pte & PTE_GLOBAL)
		f |= MMU_GLOBAL;
	if (!(pte & PTE_NX))
		f |= MMU_EXEC;
	if (pte & PTE_ACCESSED)
		f |= MMU_ACCESSED;
	if (pte & PTE_DIRTY)
		f |= MMU_DIRTY;
	return f;
}

/* A new leaf entry: frame @pa with @flags (accessed/dirty left to the CPU). */
static pte_t make_leaf(phys_addr_t pa, unsigned int flags, int level)
{
	return pa | mmu_flags_to_pte(flags & ~(MMU_ACCESSED | MMU_DIRTY)) |
	       (level ? PTE_HUGE : 0);
}

static int size_to_level(size_t size)
{
	switch (size) {
	case PAGE_SIZE:
		return 0;
	case PMD_SIZE:
		return 1;
	case PUD_SIZE:
		return 2;
	default:
		return -1;
	}
}

/*
 * User page-table pages (PDPT, PD and PT tables of the lower half of a
 * user pgd, not the pgd itself) are counted twice: per address space in
 * the pgd's struct page (->private, as Linux's mm->pgtables_bytes) and
 * globally in NR_PAGETABLE (/proc/meminfo PageTables). Tree's lock held.
 */
static void user_tables_account(phys_addr_t root, long delta)
{
	pfn_to_page(root >> PAGE_SHIFT)->private += delta;
	mod_vm_stat(NR_PAGETABLE, delta);
}

static bool is_user_table(phys_addr_t root, vaddr_t va)
{
	return root != kernel_pgt.root && va < USER_END;
}

/* Is no entry of @table in use (not even a swap or PROT_NONE entry)? */
static bool table_empty(const pte_t *table)
{
	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		if (table[i])
			return false;
	return true;
}

static bool is_swap_pte(pte_t e)
{
	return (e & PTE_SWAP) && !(e & PTE_PRESENT);
}

/* A frame is named: present, or kept inaccessible by PROT_NONE. */
static bool is_page_pte(pte_t e)
{
	return (e & PTE_PRESENT) || (e & PTE_PROTNONE);
}

/*
 * walk_to() from @table, a table of level @from under @root, on down:
 * how a cursor fills the hole it stopped at without starting over.
 */
static pte_t *walk_from(phys_addr_t root, pte_t *table, int from, vaddr_t va, int level,
			bool create)
{
	for (int l = from; l > level; l--) {
		pte_t *e = &table[pt_index(va, l)];

		if (!(*e & PTE_PRESENT)) {
			phys_addr_t pa;

			if (!create || !(pa = pgtable_alloc()))
				return NULL;
			if (is_user_table(root, va))
				user_tables_account(root, 1);
			*e = pa | PTE_PRESENT | PTE_WRITE |
			     (va < USER_END ? PTE_USER : 0);
		} else if (*e & PTE_HUGE) {
			return ERR_PTR(-EEXIST);
		}
		table = table_va(*e);
	}
	return &table[pt_index(va, level)];
}

/*
 * Walk from @root down to the table of @level that covers @va, creating
 * missing tables when @create. Returns the entry's address, NULL when a
 * table is missing (and !create) or cannot be allocated, or ERR_PTR(-EEXIST)
 * when a huge page sits above @level. Tree's lock held.
 */
pte_t *walk_to(phys_addr_t root, vaddr_t va, int level, bool create)
{
	return walk_from(root, table_va(root), 3, va, level, create);
}

/*
 * ---- The cursor: one walk, then entry operations under the lock ----
 *
 *   pte_cursor_lock     irq off, take pgt->lock, walk PML4 -> PDPT -> PD -> PT
 *     entry ops         read / write *c->pte (an install into a hole goes on
 *                       down from where the walk stopped, allocating the
 *                       missing tables: cursor_slot())
 *     next / move       c->pte +- n inside the same PT page: no walk
 *   pte_cursor_unlock   release pgt->lock, irq state restored; c->pte kept
 *   pte_cursor_relock   irq off, take pgt->lock; c->pte reused as is (the
 *                       caller's mmap lock kept the table), a hole re-walked
 */

/*
 * Find the PTE slot of c->va without creating anything. A missing table
 * (or a huge page, which user trees never have) leaves c->pte NULL, and
 * c->end says where that hole ends, so range loops skip it in one step:
 *
 *   PML4 -> PDPT -> PD -> PT[i]      c->pte = &PT[i], c->end = next 2 MiB
 *   PML4 -> PDPT -> PD[j] empty      c->pte = NULL,   c->end = next 2 MiB
 *   PML4[k] empty                    c->pte = NULL,   c->end = next 512 GiB
 */
static void cursor_walk(struct pte_cursor *c)
{
	pte_t *table = table_va(c->pgt->root);

	for (int l = 3; l > 0; l--) {
		pte_t e = table[pt_index(c->va, l)];

		if (!(e & PTE_PRESENT) || (e & PTE_HUGE)) {
			c->pte = NULL;
			c->hole = table;
			c->hole_level = l;
			c->end = ALIGN_DOWN(c->va, level_size(l)) + level_size(l);
			return;
		}
		table = table_va(e);
	}
	c->pte = &table[pt_index(c->va, 0)];
	c->end = ALIGN_DOWN(c->va, PMD_SIZE) + PMD_SIZE;
}

/* The kernel's tree has only whole-tree holders (its cursors take lock). */
static bool lock_whole_always(const struct pgtable *pgt)
{
	return pgt == &kernel_pgt;
}

/* A cursor at @va of @pgt that will lock whole or shared (@how for the checker). */
static void cursor_init(struct pte_cursor *c, struct pgtable *pgt, vaddr_t va, bool whole,
			enum lock_acquire how)
{
	c->pgt = pgt;
	c->va = ALIGN_DOWN(va, PAGE_SIZE);
	c->whole = whole || lock_whole_always(pgt);
	c->how = how;
	c->ptl = NULL;
}

void pte_cursor_map(struct pte_cursor *c, struct pgtable *pgt, vaddr_t va)
{
	cursor_init(c, pgt, va, false, LOCK_ACQ_WAIT);
	cursor_walk(c);
}

/* ---- The tree lock, shared and whole, and the PTE locks ---- */

static struct lock_class_key ptl_key, upper_key;
/* Every PTE lock is one class (a cursor holds one; fork nests the parent's). */
static struct lockdep_map ptl_dep = LOCKDEP_MAP_INIT("ptl", &ptl_key, LOCK_RANK_PTL);

/* pgt->lock is ours: new cursors now wait (pgt_lock_shared); those inside finish. */
static void wait_for_cursors(struct pgtable *pgt)
{
	while (__atomic_load_n(&pgt->readers, __ATOMIC_SEQ_CST)) {
		tlb_ipi_poll();
		arch_cpu_relax();
	}
}

unsigned long pgt_lock_all(struct pgtable *pgt)
{
	unsigned long irq = spin_lock_irqsave(&pgt->lock);

	wait_for_cursors(pgt);
	return irq;
}

void pgt_unlock_all(struct pgtable *pgt, unsigned long irq)
{
	spin_unlock_irqrestore(&pgt->lock, irq);
}

/*
 * Join the cursors of @pgt (interrupts off): count ourselves in, then look
 * whether a whole-tree holder has the lock; if so, count ourselves out and
 * wait for it. Both sides write first and read after with locked
 * instructions (full barriers on x86), so at least one of them sees the
 * other: a whole-tree holder never runs beside a cursor.
 */
static void pgt_lock_shared(struct pgtable *pgt, enum lock_acquire how)
{
	atomic_count_spin_enter();
	if (lock_order_checked())
		lock_order_acquire(&pgt->lock, &pgt->lock.dep, how, 0);
	for (;;) {
		__atomic_add_fetch(&pgt->readers, 1, __ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&pgt->lock.locked, __ATOMIC_SEQ_CST))
			return;
		__atomic_sub_fetch(&pgt->readers, 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&pgt->lock.locked, __ATOMIC_RELAXED)) {
			tlb_ipi_poll();
			arch_cpu_relax();
		}
	}
}

static void pgt_unlock_shared(struct pgtable *pgt)
{
	__atomic_sub_fetch(&pgt->readers, 1, __ATOMIC_RELEASE);
	if (lock_order_checked())
		lock_order_release(&pgt->lock);
	atomic_count_spin_exit();
}

/* The PTE lock of the page-table page that holds slot @pte. */
static volatile uint32_t *ptl_of(const pte_t *pte)
{
	return &virt_to_page((const void *)ALIGN_DOWN((uintptr_t)pte, PAGE_SIZE))->ptl;
}

/* Take the PTE lock of the cursor's table (a shared cursor, interrupts off). */
static void cursor_ptl_lock(struct pte_cursor *c)
{
	c->ptl = ptl_of(c->pte);
	atomic_count_spin_enter();
	if (lock_order_checked())
		lock_order_acquire((const void *)c->ptl, &ptl_dep, c->how, 0);
	if (__atomic_exchange_n(c->ptl, 1, __ATOMIC_ACQUIRE))
		__spin_wait_contended(c->ptl, &ptl_dep);
}

static void cursor_ptl_unlock(struct pte_cursor *c)
{
	if (!c->ptl)
		return;
	__atomic_store_n(c->ptl, 0, __ATOMIC_RELEASE);
	if (lock_order_checked())
		lock_order_release((const void *)c->ptl);
	atomic_count_spin_exit();
	c->ptl = NULL;
}

/* Take the cursor's tree lock the way it holds it, then its PTE lock. Irq off. */
static void cursor_lock_tree(struct pte_cursor *c, enum lock_acquire how)
{
	if (c->whole) {
		__spin_lock_how(&c->pgt->lock, how);
		wait_for_cursors(c->pgt);
	} else {
		pgt_lock_shared(c->pgt, how);
	}
}

static void cursor_lock_at(struct pte_cursor *c, struct pgtable *pgt, vaddr_t va,
			   bool whole, enum lock_acquire how)
{
	c->irq = arch_irq_save();
	cursor_init(c, pgt, va, whole, how);
	cursor_lock_tree(c, how);
	cursor_walk(c);
	if (c->pte && !c->whole)
		cursor_ptl_lock(c);
}

void pte_cursor_lock(struct pte_cursor *c, struct pgtable *pgt, vaddr_t va)
{
	cursor_lock_at(c, pgt, va, false, LOCK_ACQ_WAIT);
}

void pte_cursor_lock_nested(struct pte_cursor *c, struct pgtable *pgt, vaddr_t va)
{
	cursor_lock_at(c, pgt, va, false, LOCK_ACQ_NESTED);
}

void pte_cursor_lock_whole(struct pte_cursor *c, struct pgtable *pgt, vaddr_t va)
{
	cursor_lock_at(c, pgt, va, true, LOCK_ACQ_WAIT);
}

void pte_cursor_unlock(struct pte_cursor *c)
{
	cursor_ptl_unlock(c);
	if (c->whole)
		__spin_unlock(&c->pgt->lock);
	else
		pgt_unlock_shared(c->pgt);
	arch_irq_restore(c->irq);
}

void pte_cursor_relock(struct pte_cursor *c)
{
	c->irq = arch_irq_save();
	c->ptl = NULL;
	cursor_lock_tree(c, c->how);
	if (!c->pte)
		cursor_walk(c);		/* a hole may have been filled meanwhile */
	if (c->pte && !c->whole)
		cursor_ptl_lock(c);
}

/*
 * Fill the hole at the cursor's level with table @pa (upper entries: the
 * upper lock, or the whole tree). Returns true when @pa went in.
 */
static bool fill_hole(struct pte_cursor *c, phys_addr_t pa)
{
	pte_t *e = &c->hole[pt_index(c->va, c->hole_level)];

	if (*e & PTE_PRESENT)
		return false;
	if (is_user_table(c->pgt->root, c->va))
		user_tables_account(c->pgt->root, 1);
	*e = pa | PTE_PRESENT | PTE_WRITE | (c->va < USER_END ? PTE_USER : 0);
	return true;
}

int pte_cursor_prepare(struct pte_cursor *c)
{
	while (!c->pte) {
		phys_addr_t pa = pgtable_alloc_reclaim();	/* may sleep: reclaim, OOM */
		unsigned long irq;

		if (!pa)
			return -ENOMEM;
		irq = pgt_lock_upper(c->pgt);
		cursor_walk(c);
		if (!c->pte && fill_hole(c, pa)) {
			pa = 0;
			cursor_walk(c);
		}
		pgt_unlock_upper(c->pgt, irq);
		if (pa)
			pgtable_free(pa);	/* someone else filled the hole */
	}
	return 0;
}

unsigned long pgt_lock_upper(struct pgtable *pgt)
{
	unsigned long irq;

	if (lock_whole_always(pgt))
		return pgt_lock_all(pgt);
	irq = arch_irq_save();
	pgt_lock_shared(pgt, LOCK_ACQ_WAIT);
	__spin_lock(&pgt->upper_lock);
	return irq;
}

void pgt_unlock_upper(struct pgtable *pgt, unsigned long irq)
{
	if (lock_whole_always(pgt)) {
		pgt_unlock_all(pgt, irq);
		return;
	}
	__spin_unlock(&pgt->upper_lock);
	pgt_unlock_shared(pgt);
	arch_irq_restore(irq);
}

bool pte_cursor_next(struct pte_cursor *c, vaddr_t end)
{
	vaddr_t next = c->va + PAGE_SIZE;

	if (!c->pte || next >= end || next >= c->end)
		return false;
	c->va = next;
	c->pte++;
	return true;
}

bool pte_cursor_move(struct pte_cursor *c, vaddr_t va)
{
	va = ALIGN_DOWN(va, PAGE_SIZE);
	if (ALIGN_DOWN(va, PMD_SIZE) != ALIGN_DOWN(c->va, PMD_SIZE))
		return false;
	if (c->pte)		/* else the same hole: an install creates the table */
		c->pte += (long)pt_index(va, 0) - (long)pt_index(c->va, 0);
	c->va = va;
	return true;
}

enum pte_kind pte_cursor_get(const struct pte_cursor *c, struct pte_val *v)
{
	pte_t e = c->pte ? READ_ONCE(*c->pte) : 0;	/* one load: also read unlocked */

	*v = (struct pte_val){ .kind = PTE_KIND_NONE };
	if (is_swap_pte(e)) {
		v->kind = PTE_KIND_SWAP;
		v->swap = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
		v->flags = (e & PTE_SOFT_DIRTY) ? MMU_SOFTDIRTY : 0;
	} else if (is_page_pte(e)) {
		v->kind = PTE_KIND_PAGE;
		v->pa = e & PTE_ADDR_MASK;
		v->flags = pte_to_mmu_flags(e);
	}
	return v->kind;
}

/* The slot, created with its tables if missing: NULL or ERR_PTR as walk_to(). */
static pte_t *cursor_slot(struct pte_cursor *c)
{
	pte_t *e;

	if (c->pte)
		return c->pte;
	/*
	 * A shared cursor in a hole holds no PTE lock: the upper entries are
	 * the upper lock's, and another cursor may have filled the hole since
	 * our walk (walk_from goes down through what it finds present). The
	 * slot's PTE lock is taken before the upper lock goes, so the table
	 * is ours from the moment we see it.
	 */
	if (!c->whole)
		__spin_lock(&c->pgt->upper_lock);
	e = walk_from(c->pgt->root, c->hole, c->hole_level, c->va, 0, /* create= */true);
	if (!IS_ERR_OR_NULL(e)) {
		c->pte = e;
		c->end = ALIGN_DOWN(c->va, PMD_SIZE) + PMD_SIZE;
		if (!c->whole)
			cursor_ptl_lock(c);
	}
	if (!c->whole)
		__spin_unlock(&c->pgt->upper_lock);
	return e;
}

/*
 * Store @val in slot @e that a creating walk returned (NULL: no memory for
 * a table, or an ERR_PTR) when it is empty: 0, -EEXIST, -ENOMEM or the error.
 */
static int store_if_empty(pte_t *e, pte_t val)
{
	if (!e)
		return -ENOMEM;
	if (IS_ERR(e))
		return PTR_ERR(e);
	if (*e & (PTE_PRESENT | PTE_PROTNONE | PTE_SWAP))
		return -EEXIST;
	*e = val;
	return 0;
}

/* Store @val in the cursor's slot, creating tables: as store_if_empty(). */
static int cursor_install(struct pte_cursor *c, pte_t val)
{
	return store_if_empty(cursor_slot(c), val);
}

int pte_cursor_set_page(struct pte_cursor *c, phys_addr_t pa, unsigned int flags)
{
	return cursor_install(c, make_leaf(pa, flags, 0));
}

int pte_cursor_set_swap(struct pte_cursor *c, uint64_t entry, unsigned int flags)
{
	return cursor_install(c, (entry << PAGE_SHIFT) | PTE_SWAP |
				 ((flags & MMU_SOFTDIRTY) ? PTE_SOFT_DIRTY : 0));
}

int pte_cursor_protect_deferred(struct pte_cursor *c, unsigned int flags)
{
	pte_t old;

	if (!c->pte || !is_page_pte(*c->pte))
		return -ENOENT;
	old = *c->pte;
	*c->pte = make_leaf(old & PTE_ADDR_MASK, flags, 0) | (old & PTE_SOFT_DIRTY);
	return 0;
}

int pte_cursor_protect(struct pte_cursor *c, unsigned int flags)
{
	int err = pte_cursor_protect_deferred(c, flags);

	if (!err)
		tlb_flush_range(c->pgt, c->va, c->va + PAGE_SIZE);
	return err;
}

/*
 * Clear @clear on the cursor's entry without a flush. Returns the old
 * flags; *@changed says whether a present page's entry changed (then a
 * TLB may hold the old bits).
 */
static unsigned int clear_flags_noflush(struct pte_cursor *c, unsigned int clear, bool *changed)
{
	const unsigned int clearable = MMU_WRITE | MMU_ACCESSED | MMU_DIRTY | MMU_SOFTDIRTY;
	pte_t e = c->pte ? *c->pte : 0, bits;

	*changed = false;
	if (!(e & PTE_PRESENT)) {
		/* PROT_NONE page or swap entry: only soft-dirty, never in a TLB. */
		if (!is_page_pte(e) && !is_swap_pte(e))
			return 0;
		if (clear & MMU_SOFTDIRTY)
			*c->pte &= ~PTE_SOFT_DIRTY;
		return (e & PTE_SOFT_DIRTY) ? MMU_SOFTDIRTY : 0;
	}
	bits = mmu_flags_to_pte(clear & clearable) &
	       (PTE_WRITE | PTE_ACCESSED | PTE_DIRTY | PTE_SOFT_DIRTY);
	bits &= e;
	*c->pte &= ~bits;
	*changed = bits != 0;
	return pte_to_mmu_flags(e);
}

unsigned int pte_cursor_clear_flags(struct pte_cursor *c, unsigned int clear)
{
	bool changed;
	unsigned int old = clear_flags_noflush(c, clear, &changed);

	if (changed)
		tlb_flush_range(c->pgt, c->va, c->va + PAGE_SIZE);
	return old;
}

/*
 * Only the accessed (or soft-dirty) bit went: a stale entry just hides an
 * access, so the tree is not marked (tlb_batch_add_young). A write or
 * dirty bit that went is a change the next user of the PTE must see
 * flushed (tlb_batch_add).
 */
unsigned int pte_cursor_clear_flags_batched(struct pte_cursor *c, unsigned int clear,
					    struct tlb_batch *b)
{
	bool changed;
	unsigned int old = clear_flags_noflush(c, clear, &changed);

	if (!changed)
		return old;
	if (clear & old & (MMU_WRITE | MMU_DIRTY))
		tlb_batch_add(b, c->pgt, /* writable= */true);
	else
		tlb_batch_add_young(b, c->pgt);
	return old;
}

void pte_cursor_clear(struct pte_cursor *c, enum pte_flush flush)
{
	pte_t old;

	if (!c->pte)
		return;
	old = *c->pte;
	*c->pte = 0;
	/* A swap entry was never in a TLB; a page is, until flushed. */
	if (flush == PTE_FLUSH && is_page_pte(old))
		tlb_flush_range(c->pgt, c->va, c->va + PAGE_SIZE);
}

void pte_cursor_clear_batched(struct pte_cursor *c, struct tlb_batch *b)
{
	pte_t old;

	if (!c->pte)
		return;
	old = *c->pte;
	*c->pte = 0;
	if (old & PTE_PRESENT)		/* (a PROT_NONE page is in no TLB either) */
		tlb_batch_add(b, c->pgt, old & (PTE_WRITE | PTE_DIRTY));
}

/*
 * mremap's moves. An entry moves as it is (accessed, dirty, protection,
 * the frame or swap entry), marked soft-dirty so a tracker sees the move
 * (Linux's move_soft_dirty_pte):
 *
 *   from: PT_a[i] = frame|flags  ->  0
 *   to:   PT_b[j] = 0            ->  frame|flags|SD
 */

/*
 * mremap's entry-by-entry move over [old, old + len), where neither side
 * crosses a page table (the caller cuts it so): both PT pages found once,
 * then a plain loop over the slots.
 */
long arch_move_ptes(struct pgtable *pgt, vaddr_t old, vaddr_t new, size_t len)
{
	/* LAB mremap BEGIN */
	/* LAB mremap STUB: return -ENOMEM; */
	unsigned long irq = pgt_lock_all(pgt);
	pte_t *from = walk_to(pgt->root, old, 0, false), *to;
	size_t n = len >> PAGE_SHIFT;
	long err = 0;

	if (IS_ERR_OR_NULL(from))
		goto out;			/* no table: nothing to move */
	to = walk_to(pgt->root, new, 0, true);
	if (!to || IS_ERR(to)) {
		err = to ? PTR_ERR(to) : -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		pte_t e = from[i];

		if (!is_page_pte(e) && !is_swap_pte(e))
			continue;
		if (to[i] & (PTE_PRESENT | PTE_PROTNONE | PTE_SWAP)) {
			err = -EEXIST;
			break;
		}
		to[i] = e | PTE_SOFT_DIRTY;
		from[i] = 0;
	}
out:
	pgt_unlock_all(pgt, irq);
	return err;
	/* LAB mremap END */
}

/*
 * The 2 MiB fast path (Linux's move_pgt_entry): the PD entry that points
 * at the page table moves, and with it 512 PTEs at once.
 *
 *   PD(old)[i] = PT page  ->  0
 *   PD(new)[j] = 0        ->  PT page        (PML4/PDPT/PD created as needed)
 */
int arch_move_pte_table(struct pgtable *pgt, vaddr_t old, vaddr_t new)
{
	/* LAB mremap BEGIN */
	/* LAB mremap STUB: return -EINVAL; */
	unsigned long irq = pgt_lock_all(pgt);
	pte_t *from = walk_to(pgt->root, old, 1, false), *to;
	int err = 0;

	if (IS_ERR_OR_NULL(from) || !(*from & PTE_PRESENT)) {
		err = -ENOENT;
		goto out;
	}
	if (*from & PTE_HUGE) {
		err = -EINVAL;
		goto out;
	}
	to = walk_to(pgt->root, new, 1, true);
	if (!to) {
		err = -ENOMEM;
	} else if (IS_ERR(to) || (*to & PTE_PRESENT)) {
		err = -EEXIST;
	} else {
		*to = *from;
		*from = 0;
	}
out:
	pgt_unlock_all(pgt, irq);
	return err;
	/* LAB mremap END */
}

unsigned int arch_clear_flags(struct pgtable *pgt, vaddr_t va, unsigned int clear)
{
	struct pte_cursor c;
	unsigned int old;

	pte_cursor_lock(&c, pgt, va);
	old = pte_cursor_clear_flags(&c, clear);
	pte_cursor_unlock(&c);
	return old;
}

unsigned int arch_clear_flags_batched(struct pgtable *pgt, vaddr_t va, unsigned int clear,
				      struct tlb_batch *b)
{
	struct pte_cursor c;
	unsigned int old;

	pte_cursor_lock(&c, pgt, va);
	old = pte_cursor_clear_flags_batched(&c, clear, b);
	pte_cursor_unlock(&c);
	return old;
}

/* ---- One-shot operations of any page size (kernel mappings, queries) ---- */

/*
 * A leaf of @size at the level whose entries map that much, the tables
 * above it created on the way down (walk_to), stored only in an empty
 * slot:
 *
 *   PAGE_SIZE  level 0  PT entry,   4 KiB frame
 *   PMD_SIZE   level 1  PD entry,   2 MiB frame, PS set
 *   PUD_SIZE   level 2  PDPT entry, 1 GiB frame, PS set (CPUs with pdpe1gb)
 */
int map_locked(phys_addr_t root, vaddr_t va, phys_addr_t pa, size_t size,
		      unsigned int flags)
{
	/* LAB pgtable BEGIN */
	/* LAB pgtable STUB: if (size_to_level(size) != 0 || !IS_ALIGNED(va | pa, PAGE_SIZE)) return -EINVAL; */
	/* LAB pgtable STUB: return store_if_empty(walk_to(root, va, 0, true), make_leaf(pa, flags, 0)); */
	int level = size_to_level(size);

	if (level < 0 || !IS_ALIGNED(va, size) || !IS_ALIGNED(pa, size))
		return -EINVAL;
	if (level == 2 && !cpu_features.pdpe1gb)
		return -EINVAL;
	if ((flags & MMU_PROTNONE) && level)
		return -EINVAL;
	return store_if_empty(walk_to(root, va, level, /* create= */true),
			      make_leaf(pa, flags, level));
	/* LAB pgtable END */
}

int arch_map(struct pgtable *pgt, vaddr_t va, phys_addr_t pa, size_t size,
	     unsigned int flags)
{
	unsigned long irq = pgt_lock_all(pgt);
	int err = map_locked(pgt->root, va, pa, size, flags);

	pgt_unlock_all(pgt, irq);
	return err;
}

/*
 * Find the leaf entry that maps @va; sets *level. NULL when not mapped.
 * The walk stops at the first entry that is not a table: a 1 GiB or
 * 2 MiB page (PS) above the PT, a present 4 KiB page, or a PROT_NONE
 * page (P clear, PTE_PROTNONE set: it still names its frame).
 */
static pte_t *find_leaf(phys_addr_t root, vaddr_t va, int *level)
{
	/* LAB pgtable BEGIN */
	/* LAB pgtable STUB: pte_t *e = walk_to(root, va, 0, false); */
	/* LAB pgtable STUB: *level = 0; */
	/* LAB pgtable STUB: return !IS_ERR_OR_NULL(e) && is_page_pte(*e) ? e : NULL; */
	pte_t *table = table_va(root);

	for (int l = 3; l >= 0; l--) {
		pte_t *e = &table[pt_index(va, l)];

		if (l == 0 && (*e & PTE_PROTNONE) && !(*e & PTE_PRESENT)) {
			*level = 0;
			return e;		/* a PROT_NONE page: mapped, inaccessible */
		}
		if (!(*e & PTE_PRESENT))
			return NULL;
		if (l == 0 || (l <= 2 && (*e & PTE_HUGE))) {
			*level = l;
			return e;
		}
		table = table_va(*e);
	}
	return NULL;
	/* LAB pgtable END */
}

int arch_unmap(struct pgtable *pgt, vaddr_t va, size_t size)
{
	unsigned long irq = pgt_lock_all(pgt);
	int level, err = 0;
	pte_t *e = find_leaf(pgt->root, va, &level);

	if (!e)
		err = -ENOENT;
	else if (level_size(level) != size)
		err = -EINVAL;
	else
		*e = 0;
	pgt_unlock_all(pgt, irq);
	if (!err)
		tlb_flush_range(pgt, ALIGN_DOWN(va, size), ALIGN_DOWN(va, size) + size);
	return err;
}

int arch_query(struct pgtable *pgt, vaddr_t va, struct mmu_mapping *out)
{
	unsigned long irq = pgt_lock_all(pgt);
	int level;
	pte_t *e = find_leaf(pgt->root, va, &level);

	if (e) {
		size_t sz = level_size(level);

		out->va = ALIGN_DOWN(va, sz);
		out->pa = (*e & PTE_ADDR_MASK & ~(sz - 1));
		out->size = sz;
		out->flags = pte_to_mmu_flags(*e);
	}
	pgt_unlock_all(pgt, irq);
	return e ? 0 : -ENOENT;
}

/* ---- Range walkers (whole subtrees, lock held throughout) ---- */

/* Sign-extend a 48-bit address (bit 47 copied into bits 63..48). */
static vaddr_t canonical(vaddr_t va)
{
	return (vaddr_t)((int64_t)(va << 16) >> 16);
}

static int walk_swap_level(pte_t *table, int level, vaddr_t base, vaddr_t start, vaddr_t end,
			   int (*fn)(vaddr_t, uint64_t, unsigned int, void *), void *arg)
{
	size_t sz = level_size(level);

	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		vaddr_t va = canonical(base + i * sz);
		pte_t e = table[i];
		int ret = 0;

		if (va + sz - 1 < start || va >= end)
			continue;
		if (level == 0) {
			if (is_swap_pte(e))
				ret = fn(va, (e & PTE_ADDR_MASK) >> PAGE_SHIFT,
					 (e & PTE_SOFT_DIRTY) ? MMU_SOFTDIRTY : 0, arg);
		} else if ((e & PTE_PRESENT) && !(e & PTE_HUGE)) {
			ret = walk_swap_level(table_va(e), level - 1, base + i * sz, start, end,
					      fn, arg);
		}
		if (ret)
			return ret;
	}
	return 0;
}

int arch_walk_swap(struct pgtable *pgt, vaddr_t start, vaddr_t end,
		   int (*fn)(vaddr_t va, uint64_t entry, unsigned int flags, void *arg),
		   void *arg)
{
	unsigned long irq = pgt_lock_all(pgt);
	int ret = walk_swap_level(table_va(pgt->root), 3, 0, start, end, fn, arg);

	pgt_unlock_all(pgt, irq);
	return ret;
}

static int walk_level(pte_t *table, int level, vaddr_t base, vaddr_t start, vaddr_t end,
		      int (*fn)(const struct mmu_mapping *, void *), void *arg)
{
	size_t sz = level_size(level);

	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		vaddr_t va = canonical(base + i * sz);
		pte_t e = table[i];
		int ret;

		if (va + sz - 1 < start || va >= end)
			continue;
		if (!(e & PTE_PRESENT) && !(level == 0 && (e & PTE_PROTNONE)))
			continue;
		if (level == 0 || (level <= 2 && (e & PTE_HUGE))) {
			struct mmu_mapping m = {
				.va = va, .pa = e & PTE_ADDR_MASK & ~(sz - 1),
				.size = sz, .flags = pte_to_mmu_flags(e),
			};

			ret = fn(&m, arg);
		} else {
			ret = walk_level(table_va(e), level - 1, base + i * sz,
					 start, end, fn, arg);
		}
		if (ret)
			return ret;
	}
	return 0;
}

int arch_walk(struct pgtable *pgt, vaddr_t start, vaddr_t end,
	      int (*fn)(const struct mmu_mapping *m, void *arg), void *arg)
{
	unsigned long irq = pgt_lock_all(pgt);
	int ret = walk_level(table_va(pgt->root), 3, 0, start, end, fn, arg);

	pgt_unlock_all(pgt, irq);
	return ret;
}

/* ---- TLB (the shootdown itself is in tlb.c) ---- */

void arch_flush_tlb_mm_range(struct pgtable *pgt, vaddr_t start, vaddr_t end)
{
	tlb_flush_range(pgt, start, end);
}

void arch_flush_tlb_mm(struct pgtable *pgt)
{
	tlb_flush_pgt(pgt);
}

void arch_flush_tlb_page(vaddr_t va)
{
	tlb_flush_range(&kernel_pgt, va, va + PAGE_SIZE);
}

void arch_flush_tlb_range(vaddr_t start, vaddr_t end)
{
	tlb_flush_range(&kernel_pgt, start, end);
}

void arch_flush_tlb_all(void)
{
	tlb_flush_range(&kernel_pgt, 0, ~0ul);
}

/* ---- User address spaces ---- */

/*
 * A user pgd: the lower 256 PML4 slots (user half) start empty, the upper
 * 256 are copied from kernel_pgt.root. Every kernel PML4 slot is created at boot
 * (direct map, ioremap, kernel stacks, image), so the copies never go stale.
 */
int arch_pgd_create(struct pgtable *pgt)
{
	phys_addr_t pgd = pgtable_alloc();

	if (!pgd)
		return -ENOMEM;
	pfn_to_page(pgd >> PAGE_SHIFT)->private = 0;	/* user tables under it */
	memcpy(table_va(pgd) + PT_ENTRIES / 2, table_va(kernel_pgt.root) + PT_ENTRIES / 2,
	       PT_ENTRIES / 2 * sizeof(pte_t));
	pgt->root = pgd;
	pgt->readers = 0;
	spin_lock_init_ranked(&pgt->lock, LOCK_RANK_PT);
	__spin_lock_init(&pgt->upper_lock, "pgt->upper_lock", &upper_key, LOCK_RANK_PT_UPPER);
	return 0;
}

/* Free @table (of @level) and every table below it. */
static void free_tables(pte_t *table, int level)
{
	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		pte_t e = table[i];

		if (level > 0 && (e & PTE_PRESENT) && !(e & PTE_HUGE))
			free_tables(table_va(e), level - 1);
	}
	pgtable_free(virt_to_phys(table));
}

/*
 * Free every page table of the user half and the pgd itself. The frames the
 * leaves pointed at belong to mm/ and must already be released.
 */
void arch_pgd_destroy(struct pgtable *pgt)
{
	phys_addr_t pgd = pgt->root;
	pte_t *top = table_va(pgd);

	tlb_forget_pgt(pgt);		/* no CPU keeps it in CR3 (lazy TLB) */
	for (unsigned int i = 0; i < PT_ENTRIES / 2; i++)
		if (top[i] & PTE_PRESENT)
			free_tables(table_va(top[i]), 2);
	/* The pgd's own count of its user tables says how many went. */
	mod_vm_stat(NR_PAGETABLE, -(long)arch_pgd_nr_tables(pgt));
	pgtable_free(pgd);
	pgt->root = 0;
}

unsigned long arch_pgd_nr_tables(const struct pgtable *pgt)
{
	return pfn_to_page(pgt->root >> PAGE_SHIFT)->private;
}

/* LAB pgtable BEGIN */
/*
 * The bounds a user-table prune works in: tables overlapping [start, end)
 * are looked at, those lying wholly inside [floor, ceiling) may go; freed
 * ones are chained on @freed (through struct page lru) to be released
 * after the TLB flush.
 */
struct prune_range {
	vaddr_t start, end, floor, ceiling;
	struct list_head freed;
	long nr;
};

/*
 * Prune below @table (of @level >= 1) whose first address is @base: the
 * child tables first, then each child that is now empty and covers only
 * addresses inside the floor/ceiling window.
 *
 *   floor                                               ceiling
 *     |   [ child ] [ child ] [ child ]   [ child ] [ chi|ld ]
 *         freed if empty ...........freed if empty   kept: it straddles
 */
static void prune_level(struct prune_range *r, pte_t *table, int level, vaddr_t base)
{
	size_t span = level_size(level);	/* what one entry maps */

	for (unsigned int i = pt_index(r->start > base ? r->start : base, level);
	     i < PT_ENTRIES; i++) {
		vaddr_t cb = base + i * span;
		pte_t e = table[i];

		if (cb >= r->end)
			break;
		if (!(e & PTE_PRESENT) || (e & PTE_HUGE))
			continue;
		if (level > 1)
			prune_level(r, table_va(e), level - 1, cb);
		if (cb >= r->floor && cb + span <= r->ceiling && table_empty(table_va(e))) {
			table[i] = 0;
			list_add(&pfn_to_page((e & PTE_ADDR_MASK) >> PAGE_SHIFT)->lru, &r->freed);
			r->nr++;
		}
	}
}
/* LAB pgtable END */

void arch_free_user_tables(struct pgtable *pgt, vaddr_t start, vaddr_t end, vaddr_t floor,
			   vaddr_t ceiling)
{
	/* LAB pgtable BEGIN */
	struct prune_range r = { .start = start, .end = MIN(end, (vaddr_t)USER_END),
				 .floor = floor, .ceiling = ceiling, .nr = 0 };
	struct page *p, *n;
	unsigned long irq;

	if (r.start >= r.end)
		return;
	INIT_LIST_HEAD(&r.freed);
	irq = pgt_lock_all(pgt);
	prune_level(&r, table_va(pgt->root), 3, 0);
	if (r.nr)
		user_tables_account(pgt->root, -r.nr);
	pgt_unlock_all(pgt, irq);
	if (!r.nr)
		return;
	tlb_flush_pgt(pgt);		/* paging-structure caches may hold them */
	list_for_each_entry_safe(p, n, &r.freed, lru) {
		list_del(&p->lru);
		pgtable_free(page_to_phys(p));
	}
	/* LAB pgtable END */
}

/*
 * Free the 4 KiB-page table that maps @va if none of its 512 entries is in
 * use any more (kernel regions whose mappings come and go, e.g. kernel
 * stacks). The PD above it is shared by every address space, so clearing
 * its entry once is enough; the TLB is flushed for all of it.
 */
void arch_prune_table(struct pgtable *pgt, vaddr_t va)
{
	unsigned long irq = pgt_lock_all(pgt);
	pte_t *pd_e = walk_to(pgt->root, va, 1, /* create= */false);
	phys_addr_t pt = 0;

	if (!IS_ERR_OR_NULL(pd_e) && (*pd_e & PTE_PRESENT) && !(*pd_e & PTE_HUGE) &&
	    table_empty(table_va(*pd_e))) {
		pt = *pd_e & PTE_ADDR_MASK;
		*pd_e = 0;
	}
	pgt_unlock_all(pgt, irq);
	if (pt) {
		arch_flush_tlb_all();
		pgtable_free(pt);
	}
}
