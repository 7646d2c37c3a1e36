/*
 * lock_order_ktest.c - the lock-order checker (kernel/lock_order.h): the
 * rank check sees an inversion, an equal-rank nesting and nothing else;
 * the class graph records each ordered pair of classes once, with the
 * chain of its first acquisition, and reports an AB/BA inversion (and a
 * longer cycle) with both chains. The report hooks replace the panic for
 * the duration of each test.
 *
 * The graph never forgets, so each test uses its own lock classes: locks
 * initialised by spin_lock_init() at a call site of its own.
 */
#include "kernel/ktest.h"
#include "kernel/ksyms.h"
#include "kernel/lib/string.h"
#include "kernel/lock_order.h"
#include "kernel/spinlock.h"
#include "kernel/wait.h"

static enum lock_rank seen_taken, seen_held;
static unsigned int reports;
static unsigned int graph_reports;
static struct lock_inversion seen_inv;		/* the last graph report */

static void record(enum lock_rank taken, enum lock_rank held)
{
	seen_taken = taken;
	seen_held = held;
	reports++;
}

static void record_graph(const struct lock_inversion *inv)
{
	seen_inv = *inv;
	graph_reports++;
}

static void hook_on(void)
{
	reports = graph_reports = 0;
	seen_taken = seen_held = LOCK_RANK_NONE;
	memset(&seen_inv, 0, sizeof(seen_inv));
	lock_order_report = record;
	lock_order_inversion_report = record_graph;
}

static void hook_off(void)
{
	lock_order_report = NULL;
	lock_order_inversion_report = NULL;
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
	hook_off();
	KT_ASSERT_EQ(reports, 0);
	KT_ASSERT_EQ(graph_reports, 0);
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
	hook_off();
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
	hook_off();
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
	hook_off();
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
	hook_off();
	KT_ASSERT_EQ(reports, 1);
	KT_ASSERT_EQ(seen_taken, LOCK_RANK_PT);
	KT_ASSERT_EQ(seen_held, LOCK_RANK_LRU);
	return KT_PASS;
}

/* ---- the class graph ---- */

/* Does @pcs hold a return address inside the function called @fn? */
static bool chain_has(const uint64_t *pcs, unsigned int n, const char *fn)
{
	for (unsigned int i = 0; i < n; i++) {
		uint64_t off;
		const char *name = ksyms_lookup(pcs[i], &off);

		if (name && strcmp(name, fn) == 0)
			return true;
	}
	return false;
}

/*
 * Two places that take two locks; not inlined, so each is a frame of its
 * own, and not identical, so the compiler cannot fold them into one.
 */
static volatile unsigned int takes[2];

static __attribute__((noinline)) void take_in_order(spinlock_t *outer, spinlock_t *inner)
{
	unsigned long irq = spin_lock_irqsave(outer);

	takes[0]++;
	__spin_lock(inner);
	__spin_unlock(inner);
	spin_unlock_irqrestore(outer, irq);
}

static __attribute__((noinline)) void take_reversed(spinlock_t *outer, spinlock_t *inner)
{
	unsigned long irq = spin_lock_irqsave(outer);

	takes[1]++;
	__spin_lock(inner);
	__spin_unlock(inner);
	spin_unlock_irqrestore(outer, irq);
}

/*
 * A then B in one place, B then A in another: the second is reported
 * with both class names, the chain stored when A -> B was first seen
 * (through take_in_order) and the chain of B -> A now (take_reversed).
 * Neither lock has a rank, so only the graph can see it.
 */
KTEST(lockdep_abba_reported_with_both_chains)
{
	spinlock_t a, b;

	if (!lock_order_on)
		KT_SKIP("lockcheck=off");
	spin_lock_init(&a);
	spin_lock_init(&b);
	hook_on();
	take_in_order(&a, &b);
	KT_ASSERT_EQ(graph_reports, 0);
	take_reversed(&b, &a);
	hook_off();
	KT_ASSERT_EQ(reports, 0);			/* no ranks: the rank check is silent */
	KT_ASSERT_EQ(graph_reports, 1);
	KT_ASSERT(strcmp(seen_inv.taken, "&a") == 0);	/* taking a ... */
	KT_ASSERT(strcmp(seen_inv.held, "&b") == 0);	/* ... while holding b */
	KT_ASSERT_EQ(seen_inv.depth, 1);		/* a direct b -> a ... a -> b */
	KT_ASSERT(seen_inv.nr_recorded > 0 && seen_inv.nr_now > 0);
	KT_ASSERT(chain_has(seen_inv.recorded, seen_inv.nr_recorded, "take_in_order"));
	KT_ASSERT(!chain_has(seen_inv.recorded, seen_inv.nr_recorded, "take_reversed"));
	KT_ASSERT(chain_has(seen_inv.now, seen_inv.nr_now, "take_reversed"));
	/* The inverted edge is stored too: the same mistake is reported once. */
	hook_on();
	take_reversed(&b, &a);
	hook_off();
	KT_ASSERT_EQ(graph_reports, 0);
	return KT_PASS;
}

/*
 * An ordered pair is stored once, with the chain of its first sighting:
 * taking the same two classes in the same order from a second place adds
 * nothing and does not replace the chain.
 */
KTEST(lockdep_edge_recorded_once)
{
	spinlock_t c, d;
	uint64_t pcs[LOCKDEP_CHAIN_MAX];
	int n;

	if (!lock_order_on)
		KT_SKIP("lockcheck=off");
	spin_lock_init(&c);
	spin_lock_init(&d);
	hook_on();
	take_in_order(&c, &d);
	KT_ASSERT_EQ(lock_order_edges_between(&c.dep, &d.dep), 1);
	take_reversed(&c, &d);			/* same order, another place */
	take_in_order(&c, &d);
	hook_off();
	KT_ASSERT_EQ(graph_reports, 0);
	KT_ASSERT_EQ(lock_order_edges_between(&c.dep, &d.dep), 1);
	KT_ASSERT_EQ(lock_order_edges_between(&d.dep, &c.dep), 0);
	n = lock_order_edge_chain(&c.dep, &d.dep, pcs, LOCKDEP_CHAIN_MAX);
	KT_ASSERT(n > 0);
	KT_ASSERT(chain_has(pcs, (unsigned int)n, "take_in_order"));
	KT_ASSERT(!chain_has(pcs, (unsigned int)n, "take_reversed"));
	return KT_PASS;
}

/*
 * A cycle through three classes, never AB/BA between any two: x -> y,
 * y -> z, then z -> x closes it. Three tasks doing one each could
 * deadlock; the search through the stored edges finds it.
 */
KTEST(lockdep_three_lock_cycle)
{
	spinlock_t x, y, z;

	if (!lock_order_on)
		KT_SKIP("lockcheck=off");
	spin_lock_init(&x);
	spin_lock_init(&y);
	spin_lock_init(&z);
	hook_on();
	take_in_order(&x, &y);
	take_in_order(&y, &z);
	KT_ASSERT_EQ(graph_reports, 0);
	take_reversed(&z, &x);
	hook_off();
	KT_ASSERT_EQ(graph_reports, 1);
	KT_ASSERT(strcmp(seen_inv.taken, "&x") == 0 && strcmp(seen_inv.held, "&z") == 0);
	KT_ASSERT_EQ(seen_inv.depth, 2);		/* x -> y -> z */
	KT_ASSERT(chain_has(seen_inv.recorded, seen_inv.nr_recorded, "take_in_order"));
	KT_ASSERT(chain_has(seen_inv.now, seen_inv.nr_now, "take_reversed"));
	return KT_PASS;
}

/* Two locks of one class nest only when declared (futex buckets, fork). */
KTEST(lockdep_same_class_needs_nested)
{
	spinlock_t pair[2];
	unsigned long irq;

	if (!lock_order_on)
		KT_SKIP("lockcheck=off");
	for (int i = 0; i < 2; i++)
		spin_lock_init(&pair[i]);	/* one site: one class */
	hook_on();
	irq = spin_lock_irqsave(&pair[0]);
	__spin_lock_nested(&pair[1]);		/* declared: silent */
	__spin_unlock(&pair[1]);
	KT_ASSERT_EQ(graph_reports, 0);
	__spin_lock(&pair[1]);			/* not declared: reported */
	__spin_unlock(&pair[1]);
	spin_unlock_irqrestore(&pair[0], irq);
	hook_off();
	KT_ASSERT_EQ(graph_reports, 1);
	KT_ASSERT_EQ(seen_inv.depth, 0);
	KT_ASSERT(strcmp(seen_inv.taken, "&pair[i]") == 0);
	return KT_PASS;
}
