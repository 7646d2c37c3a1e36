/*
 * lock_order_ktest.c - the lock-order checker (kernel/lock_order.h) sees
 * an inversion, an equal-rank nesting and nothing else. The report hook
 * replaces the panic for the duration of each test.
 */
#include "kernel/ktest.h"
#include "kernel/lock_order.h"
#include "kernel/spinlock.h"
#include "kernel/wait.h"

static enum lock_rank seen_taken, seen_held;
static unsigned int reports;

static void record(enum lock_rank taken, enum lock_rank held)
{
	seen_taken = taken;
	seen_held = held;
	reports++;
}

static void hook_on(void)
{
	reports = 0;
	seen_taken = seen_held = LOCK_RANK_NONE;
	lock_order_report = record;
}

/* Outer then inner (mutex, then two spinlocks down the tree): silent. */
KTEST(lock_order_in_order)
{
	struct mutex outer;
	spinlock_t mid, inner;
	unsigned long irq;

	mutex_init_ranked(&outer, LOCK_RANK_MMAP);
	spin_lock_init_ranked(&mid, LOCK_RANK_LRU);
	spin_lock_init_ranked(&inner, LOCK_RANK_ZONE);
	hook_on();
	mutex_lock(&outer);
	irq = spin_lock_irqsave(&mid);
	__spin_lock(&inner);
	__spin_unlock(&inner);
	spin_unlock_irqrestore(&mid, irq);
	mutex_unlock(&outer);
	lock_order_report = NULL;
	KT_ASSERT_EQ(reports, 0);
	return KT_PASS;
}

/* zone_lock then lru_lock: reported with both ranks. */
KTEST(lock_order_inversion)
{
	spinlock_t zone, lru;
	unsigned long irq;

	spin_lock_init_ranked(&zone, LOCK_RANK_ZONE);
	spin_lock_init_ranked(&lru, LOCK_RANK_LRU);
	hook_on();
	irq = spin_lock_irqsave(&zone);
	__spin_lock(&lru);
	__spin_unlock(&lru);
	spin_unlock_irqrestore(&zone, irq);
	lock_order_report = NULL;
	KT_ASSERT_EQ(reports, 1);
	KT_ASSERT_EQ(seen_taken, LOCK_RANK_LRU);
	KT_ASSERT_EQ(seen_held, LOCK_RANK_ZONE);
	return KT_PASS;
}

/* Two mmap locks by mutex_lock: equal rank is an ABBA hazard, reported. */
KTEST(lock_order_equal_rank)
{
	struct mutex a, b;

	mutex_init_ranked(&a, LOCK_RANK_MMAP);
	mutex_init_ranked(&b, LOCK_RANK_MMAP);
	hook_on();
	mutex_lock(&a);
	mutex_lock(&b);
	mutex_unlock(&b);
	mutex_unlock(&a);
	lock_order_report = NULL;
	KT_ASSERT_EQ(reports, 1);
	KT_ASSERT_EQ(seen_taken, LOCK_RANK_MMAP);
	return KT_PASS;
}

/*
 * A trylock against the order (reclaim's mmap trylock inside an rmap walk)
 * is not reported, and what it holds is still checked afterwards.
 */
KTEST(lock_order_trylock)
{
	struct mutex av, mm;
	spinlock_t lru;
	unsigned long irq;

	mutex_init_ranked(&av, LOCK_RANK_ANON_VMA);
	mutex_init_ranked(&mm, LOCK_RANK_MMAP);
	spin_lock_init_ranked(&lru, LOCK_RANK_LRU);
	hook_on();
	mutex_lock(&av);
	KT_ASSERT(mutex_trylock(&mm));
	mutex_unlock(&av);
	KT_ASSERT_EQ(reports, 0);
	mutex_lock(&av);		/* mmap lock held: in order */
	irq = spin_lock_irqsave(&lru);
	spin_unlock_irqrestore(&lru, irq);
	mutex_unlock(&av);
	mutex_unlock(&mm);
	lock_order_report = NULL;
	KT_ASSERT_EQ(reports, 0);
	return KT_PASS;
}

/*
 * A declared nesting of equal rank (fork: the child's mmap lock and
 * page-table lock under the parent's) is allowed; nesting under a higher
 * rank is still reported.
 */
KTEST(lock_order_nested)
{
	struct mutex parent, child;
	spinlock_t pt_child, pt_parent, lru;
	unsigned long irq;

	mutex_init_ranked(&parent, LOCK_RANK_MMAP);
	mutex_init_ranked(&child, LOCK_RANK_MMAP);
	spin_lock_init_ranked(&pt_child, LOCK_RANK_PT);
	spin_lock_init_ranked(&pt_parent, LOCK_RANK_PT);
	spin_lock_init_ranked(&lru, LOCK_RANK_LRU);
	hook_on();
	mutex_lock(&parent);
	mutex_lock_nested(&child);
	irq = spin_lock_irqsave(&pt_child);
	__spin_lock_nested(&pt_parent);
	__spin_unlock(&pt_parent);
	spin_unlock_irqrestore(&pt_child, irq);
	mutex_unlock(&child);
	mutex_unlock(&parent);
	KT_ASSERT_EQ(reports, 0);
	irq = spin_lock_irqsave(&lru);
	__spin_lock_nested(&pt_parent);		/* a higher rank is held: reported */
	__spin_unlock(&pt_parent);
	spin_unlock_irqrestore(&lru, irq);
	lock_order_report = NULL;
	KT_ASSERT_EQ(reports, 1);
	KT_ASSERT_EQ(seen_taken, LOCK_RANK_PT);
	KT_ASSERT_EQ(seen_held, LOCK_RANK_LRU);
	return KT_PASS;
}
