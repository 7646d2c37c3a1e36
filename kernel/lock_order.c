/*
 * lock_order.c - the runtime lock-order checker (see lock_order.h for the
 * rules; docs/locking.md for the order it checks).
 *
 * Data, all static:
 *
 *   classes[]     one per class: its key (init-site key or static lock's
 *                 map) and name, and the head of its list of out-edges
 *   edges[]       one per ordered pair A -> B ever seen: the call chain of
 *                 the first acquisition that made it, where A was taken,
 *                 and the link to A's next out-edge
 *   class_hash[]  key -> class, open addressing, twice the classes
 *   edge_hash[]   (A, B) -> edge, open addressing, twice the edges
 *
 * Entries are only ever added, never removed or changed once published,
 * so lookups need no lock: a slot holds 0 or an index + 1, stored with a
 * release after the entry it points to is written and read with an
 * acquire. Adding takes graph_lock, a bare exchange lock that is not
 * itself checked (it is the checker's own), re-looks-up under it and
 * inserts. The common case - an edge already seen - is one hash probe per
 * lock held, no lock and no stack walk. The cycle search (a breadth-first
 * walk from the new lock's class looking for the held one) runs under
 * graph_lock only when an edge is new, which after boot is rare.
 *
 * The checker runs with interrupts off, so an interrupt handler's lock
 * cannot interleave with the task's bookkeeping on the same held array;
 * held_locks.in_checker makes a lock taken *by* the checker (printk's
 * console_lock while reporting) skip the checker instead of recursing.
 *
 * Cost: every spinlock, mutex and rw_semaphore acquisition and release
 * calls in here when the checker is on (lockcheck=off: one load and a
 * branch). The Makefile's bench image turns it off; docs/locking.md
 * records the user-test boot time with and without.
 */
#include "kernel/lock_order.h"
#include "kernel/ksyms.h"
#include "kernel/might_sleep.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/task.h"
#include <arch/memlayout.h>
#include <arch/stacktrace.h>
#include <arch/tlb.h>
#include <arch/trap.h>

#define LOCKDEP_MAX_CLASSES	512
#define LOCKDEP_MAX_EDGES	4096
#define CLASS_HASH_SIZE		(2 * LOCKDEP_MAX_CLASSES)	/* powers of two */
#define EDGE_HASH_SIZE		(2 * LOCKDEP_MAX_EDGES)
/* How long a path the cycle search follows (a cycle of this many locks). */
#define LOCKDEP_MAX_DEPTH	16

_Static_assert(LOCKDEP_MAX_EDGES < 65536 && LOCKDEP_MAX_CLASSES < 65536, "uint16_t ids");

struct lock_class {
	const void *key;		/* struct lock_class_key, or a static lock's map */
	const char *name;
	uint16_t first_out;		/* edge index + 1 of the newest out-edge; 0: none */
};

struct lock_edge {
	uint16_t from, to;		/* class ids (index + 1) */
	uint16_t next_out;		/* from's next out-edge (index + 1); 0: last */
	uint8_t nr_pcs;
	uint64_t held_ip;		/* where the "from" lock had been taken */
	uint64_t pcs[LOCKDEP_CHAIN_MAX];	/* the "to" lock being taken, innermost first */
};

static struct lock_class classes[LOCKDEP_MAX_CLASSES];	/* graph_lock to add */
static unsigned int nr_classes;				/* graph_lock */
static struct lock_edge edges[LOCKDEP_MAX_EDGES];	/* graph_lock to add */
static unsigned int nr_edges;				/* graph_lock */
static uint16_t class_hash[CLASS_HASH_SIZE];		/* graph_lock to add; read lock-free */
static uint16_t edge_hash[EDGE_HASH_SIZE];		/* graph_lock to add; read lock-free */
static volatile uint32_t graph_lock;
static bool classes_full, edges_full, saw_unclassed;	/* said once: graph_lock */

/* The cycle search's scratch space (graph_lock). */
static uint32_t bfs_gen;
static uint32_t bfs_seen[LOCKDEP_MAX_CLASSES];		/* == bfs_gen: queued this search */
static uint16_t bfs_via[LOCKDEP_MAX_CLASSES];		/* edge index + 1 that reached it */
static uint8_t bfs_depth[LOCKDEP_MAX_CLASSES];
static uint16_t bfs_queue[LOCKDEP_MAX_CLASSES];

void (*lock_order_report)(enum lock_rank taken, enum lock_rank held);
void (*lock_order_inversion_report)(const struct lock_inversion *inv);
bool lock_order_on = true;

const char *const lock_rank_names[NR_LOCK_RANKS] = {
	[LOCK_RANK_NONE] = "(unranked)",
	[LOCK_RANK_SWAPON] = "swap_lock",
	[LOCK_RANK_INODE] = "inode->lock",
	[LOCK_RANK_MMAP] = "mmap_lock",
	[LOCK_RANK_VFS_NS] = "vfs_ns_lock",
	[LOCK_RANK_ANON_VMA] = "anon_vma",
	[LOCK_RANK_I_MMAP] = "i_mmap_lock",
	[LOCK_RANK_PAGES] = "pages_lock",
	[LOCK_RANK_SHMEM_SWAPLIST] = "shmem_swaplist_lock",
	[LOCK_RANK_SWAP_MAP] = "swap_map_lock",
	[LOCK_RANK_LRU_BATCH] = "lru_batch->lock",
	[LOCK_RANK_LRU] = "lru_lock",
	[LOCK_RANK_PT] = "page-table lock",
	[LOCK_RANK_PT_UPPER] = "pgt->upper_lock",
	[LOCK_RANK_PTL] = "ptl",
	[LOCK_RANK_KSTACK] = "kstack_lock",
	[LOCK_RANK_SLAB_CACHES] = "slab caches_lock",
	[LOCK_RANK_SLAB] = "kmem_cache lock",
	[LOCK_RANK_PCP] = "pcp->lock",
	[LOCK_RANK_ZONE] = "zone_lock",
};

/* The current task's array; NULL before the scheduler has a task here. */
static struct held_locks *held_here(void)
{
	struct task *t = current();

	return t ? &t->held_locks : NULL;
}

/*
 * graph_lock: interrupts are already off. Another CPU may be spinning
 * here while a third waits for its TLB flush, so poll like spinlock.h.
 */
static void graph_lock_take(void)
{
	while (__atomic_exchange_n(&graph_lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&graph_lock, __ATOMIC_RELAXED)) {
			tlb_ipi_poll();
			arch_cpu_relax();
		}
}

static void graph_lock_drop(void)
{
	__atomic_store_n(&graph_lock, 0, __ATOMIC_RELEASE);
}

static unsigned int hash_ptr(const void *p)
{
	uint64_t x = (uint64_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (unsigned int)x;
}

static unsigned int hash_pair(uint16_t a, uint16_t b)
{
	uint32_t x = a * 0x9e3779b1u ^ b * 0x85ebca77u;

	return x ^ (x >> 15);
}

/* ---- classes ---- */

/* Class id (index + 1) of @key, or 0. Lock-free. */
static uint16_t class_find(const void *key)
{
	for (unsigned int n = 0, i = hash_ptr(key); n < CLASS_HASH_SIZE; n++, i++) {
		uint16_t id = __atomic_load_n(&class_hash[i % CLASS_HASH_SIZE], __ATOMIC_ACQUIRE);

		if (!id)
			return 0;
		if (classes[id - 1].key == key)
			return id;
	}
	return 0;
}

/* Find or add @key's class; 0 when the table is full. graph_lock held. */
static uint16_t class_add(const void *key, const char *name, bool *say_full)
{
	uint16_t id = class_find(key);
	unsigned int i;

	if (id)
		return id;
	if (nr_classes == LOCKDEP_MAX_CLASSES) {
		*say_full = !classes_full;
		classes_full = true;
		return 0;
	}
	classes[nr_classes] = (struct lock_class){ .key = key, .name = name };
	id = (uint16_t)++nr_classes;
	for (i = hash_ptr(key); class_hash[i % CLASS_HASH_SIZE]; i++)
		;
	__atomic_store_n(&class_hash[i % CLASS_HASH_SIZE], id, __ATOMIC_RELEASE);
	return id;
}

/*
 * The class of the lock @map belongs to (id), looked up once per lock and
 * cached in the map; 0 if it has none. A lock with no key must be static
 * (its map is its class); one outside the kernel image without a key was
 * never initialised (zeroed memory) or was given a static initialiser on
 * the stack - said once, and the lock goes unchecked by the graph.
 */
static uint16_t map_class(struct lockdep_map *map)
{
	uint16_t id = __atomic_load_n(&map->class_id, __ATOMIC_RELAXED);
	const void *key = map->key ? (const void *)map->key : map;
	bool say_full = false, say_unclassed = false;

	if (id)
		return id;
	if (!map->key && (!map->name || (char *)map < __kernel_start ||
			  (char *)map >= __kernel_end)) {
		graph_lock_take();
		say_unclassed = !saw_unclassed;
		saw_unclassed = true;
		graph_lock_drop();
		if (say_unclassed) {
			printk("lockdep: lock %p (%s) has no class: not initialised, or a static "
			       "initialiser used outside static storage; not checked\n",
			       (void *)map, map->name ? map->name : "no name");
			arch_backtrace((uint64_t)__builtin_frame_address(0));
		}
		return 0;
	}
	id = class_find(key);
	if (!id) {
		graph_lock_take();
		id = class_add(key, map->name, &say_full);
		graph_lock_drop();
		if (say_full)
			printk("lockdep: more than %u lock classes; new ones are not checked\n",
			       LOCKDEP_MAX_CLASSES);
	}
	__atomic_store_n(&map->class_id, id, __ATOMIC_RELAXED);
	return id;
}

/* ---- edges ---- */

/* Edge id (index + 1) of @from -> @to, or 0. Lock-free. */
static uint16_t edge_find(uint16_t from, uint16_t to)
{
	for (unsigned int n = 0, i = hash_pair(from, to); n < EDGE_HASH_SIZE; n++, i++) {
		uint16_t id = __atomic_load_n(&edge_hash[i % EDGE_HASH_SIZE], __ATOMIC_ACQUIRE);

		if (!id)
			return 0;
		if (edges[id - 1].from == from && edges[id - 1].to == to)
			return id;
	}
	return 0;
}

/* Store a new edge; false when the table is full. graph_lock held. */
static bool edge_add(uint16_t from, uint16_t to, uint64_t held_ip,
		     const uint64_t *pcs, unsigned int nr_pcs)
{
	struct lock_edge *e;
	unsigned int i;

	if (nr_edges == LOCKDEP_MAX_EDGES)
		return false;
	e = &edges[nr_edges];
	*e = (struct lock_edge){ .from = from, .to = to, .held_ip = held_ip,
				 .nr_pcs = (uint8_t)nr_pcs };
	for (i = 0; i < nr_pcs; i++)
		e->pcs[i] = pcs[i];
	e->next_out = classes[from - 1].first_out;
	classes[from - 1].first_out = (uint16_t)(nr_edges + 1);
	__atomic_store_n(&nr_edges, nr_edges + 1, __ATOMIC_RELEASE);	/* after the entry */
	for (i = hash_pair(from, to); edge_hash[i % EDGE_HASH_SIZE]; i++)
		;
	__atomic_store_n(&edge_hash[i % EDGE_HASH_SIZE], (uint16_t)nr_edges, __ATOMIC_RELEASE);
	return true;
}

/* A path of stored edges, first edge first. */
struct lock_path {
	unsigned int n;
	uint16_t edge[LOCKDEP_MAX_DEPTH];	/* edge indexes (not + 1) */
};

/*
 * Is there a path of stored edges from class @src to class @dst, at most
 * LOCKDEP_MAX_DEPTH long? Breadth first, so the path found is a shortest
 * one (a direct B -> A is found as itself). graph_lock held.
 */
static bool find_path(uint16_t src, uint16_t dst, struct lock_path *p)
{
	unsigned int head = 0, tail = 0;
	uint16_t c;

	bfs_gen++;
	bfs_seen[src - 1] = bfs_gen;
	bfs_depth[src - 1] = 0;
	bfs_via[src - 1] = 0;
	bfs_queue[tail++] = src;
	while (head < tail) {
		uint16_t cur = bfs_queue[head++];

		if (bfs_depth[cur - 1] == LOCKDEP_MAX_DEPTH)
			continue;
		for (uint16_t eid = classes[cur - 1].first_out; eid; eid = edges[eid - 1].next_out) {
			uint16_t to = edges[eid - 1].to;

			if (bfs_seen[to - 1] == bfs_gen)
				continue;
			bfs_seen[to - 1] = bfs_gen;
			bfs_via[to - 1] = eid;
			bfs_depth[to - 1] = bfs_depth[cur - 1] + 1;
			if (to == dst)
				goto found;
			bfs_queue[tail++] = to;
		}
	}
	return false;
found:
	/* Walk back from dst along the edges that reached each class. */
	p->n = bfs_depth[dst - 1];
	c = dst;
	for (unsigned int i = p->n; i-- > 0; ) {
		p->edge[i] = bfs_via[c - 1] - 1;
		c = edges[p->edge[i]].from;
	}
	return true;
}

/* ---- reports ---- */

static void print_ip(const char *indent, uint64_t ip)
{
	uint64_t off;
	const char *name = ksyms_lookup(ip, &off);

	if (name)
		printk("%s[<%016lx>] %s+0x%lx\n", indent, ip, name, off);
	else
		printk("%s[<%016lx>] ?\n", indent, ip);
}

static void print_chain(const uint64_t *pcs, unsigned int n)
{
	if (!n)
		printk("      (no frames)\n");
	for (unsigned int i = 0; i < n; i++)
		print_ip("      ", pcs[i]);
}

static const char *class_name(uint16_t id)
{
	return id && classes[id - 1].name ? classes[id - 1].name : "?";
}

static void report_begin(void)
{
	struct task *t = current();

	printk("\n======================================================\n");
	printk("WARNING: possible circular locking dependency (pid %d, %s)\n",
	       t ? t->pid : 0, t ? t->comm : "?");
}

/*
 * Complete @inv with the current chain and hand it to the test hook, if
 * one is set (lock_order_ktest): true, then nothing is printed.
 */
static bool report_to_hook(struct lock_inversion *inv, const uint64_t *now, unsigned int nr_now)
{
	for (unsigned int i = 0; i < nr_now; i++)
		inv->now[i] = now[i];
	if (!lock_order_inversion_report)
		return false;
	lock_order_inversion_report(inv);
	return true;
}

/*
 * Taking @to while holding @held (class @from) closes the cycle @p
 * (to -> ... -> from, stored earlier). Edges are never changed once
 * stored, so this reads them without graph_lock.
 */
static void report_cycle(const struct held_lock *held, uint16_t to, const struct lock_path *p,
			 const uint64_t *now, unsigned int nr_now)
{
	const struct lock_edge *first = &edges[p->edge[0]];
	struct lock_inversion inv = {
		.taken = class_name(to), .held = class_name(held->class_id),
		.depth = p->n, .nr_recorded = first->nr_pcs, .nr_now = nr_now,
	};

	for (unsigned int i = 0; i < first->nr_pcs; i++)
		inv.recorded[i] = first->pcs[i];
	if (report_to_hook(&inv, now, nr_now))
		return;
	report_begin();
	printk("lock order inversion: taking %s while holding %s\n", inv.taken, inv.held);
	print_ip("  which was taken at ", held->ip);
	printk("earlier, the opposite order (%u step%s), first seen:\n", p->n, p->n == 1 ? "" : "s");
	for (unsigned int i = 0; i < p->n; i++) {
		const struct lock_edge *e = &edges[p->edge[i]];

		printk("  %s held (taken at", class_name(e->from));
		print_ip(" ", e->held_ip);
		printk("  ... then %s taken:\n", class_name(e->to));
		print_chain(e->pcs, e->nr_pcs);
	}
	printk("now, %s held and %s taken:\n", inv.held, inv.taken);
	print_chain(now, nr_now);
	panic("lock order: inversion between %s and %s", inv.taken, inv.held);
}

/* A second lock of a class already held, not declared nested. */
static void report_same_class(const struct held_lock *held, const uint64_t *now,
			      unsigned int nr_now)
{
	struct lock_inversion inv = {
		.taken = class_name(held->class_id), .held = class_name(held->class_id),
		.depth = 0, .nr_recorded = 1, .recorded = { held->ip }, .nr_now = nr_now,
	};

	if (report_to_hook(&inv, now, nr_now))
		return;
	report_begin();
	printk("lock order: taking a second %s while holding one (not declared nested)\n",
	       inv.taken);
	print_ip("  the first was taken at ", held->ip);
	printk("now:\n");
	print_chain(now, nr_now);
	panic("lock order: %s nested in itself", inv.taken);
}

/* ---- the checks ---- */

/* The documented order: every rank held must be lower (or equal, nested). */
static void check_rank(const struct held_locks *h, unsigned int rank, enum lock_acquire how)
{
	unsigned int worst = 0, limit = how == LOCK_ACQ_NESTED ? rank + 1 : rank;

	if (!rank)
		return;
	for (unsigned int i = 0; i < h->nr; i++)
		if (h->e[i].rank >= limit && h->e[i].rank > worst)
			worst = h->e[i].rank;
	if (!worst)
		return;
	if (!lock_order_report)
		panic("lock order: took %s while holding %s",
		      lock_rank_names[rank], lock_rank_names[worst]);
	lock_order_report((enum lock_rank)rank, (enum lock_rank)worst);
}

/*
 * Record @held -> @to if it is new, first looking for a path back from
 * @to to @held's class: if one exists, this edge closes a cycle.
 */
static void add_dependency(const struct held_lock *held, uint16_t to,
			   const uint64_t *now, unsigned int nr_now)
{
	struct lock_path p;
	bool cycle = false, say_full = false;

	graph_lock_take();
	if (!edge_find(held->class_id, to) && !edges_full) {
		cycle = find_path(to, held->class_id, &p);
		if (!edge_add(held->class_id, to, held->ip, now, nr_now))
			say_full = edges_full = true;
	}
	graph_lock_drop();
	if (say_full)
		printk("lockdep: more than %u lock-order edges; new ones are not recorded\n",
		       LOCKDEP_MAX_EDGES);
	if (cycle)
		report_cycle(held, to, &p, now, nr_now);
}

/*
 * The observed order: an edge from each class held at this interrupt
 * depth to @cls. Not inlined, so the chain saved below can skip exactly
 * two frames (this function's and lock_order_acquire's) and start where
 * lock_order_acquire() returns to: inside the locking function.
 */
static __attribute__((noinline)) void check_classes(struct held_locks *h, uint16_t cls,
						     enum lock_acquire how, uint8_t irq_depth)
{
	uint64_t now[LOCKDEP_CHAIN_MAX];
	int nr_now = -1;		/* saved on first need: most acquisitions add nothing */

	for (unsigned int i = 0; i < h->nr; i++) {
		const struct held_lock *e = &h->e[i];

		if (e->irq_depth != irq_depth || !e->class_id)
			continue;
		if (e->class_id != cls && edge_find(e->class_id, cls))
			continue;		/* seen before: the common case */
		if (e->class_id == cls && how == LOCK_ACQ_NESTED)
			continue;
		if (nr_now < 0)
			nr_now = (int)arch_stack_save(now, LOCKDEP_CHAIN_MAX, 2);
		if (e->class_id == cls)
			report_same_class(e, now, (unsigned int)nr_now);
		else
			add_dependency(e, cls, now, (unsigned int)nr_now);
	}
}

void lock_order_acquire(const void *lock, struct lockdep_map *map, enum lock_acquire how,
			uint64_t ip)
{
	unsigned long irq = arch_irq_save();
	struct held_locks *h = held_here();
	uint8_t irq_depth = (uint8_t)(atomic_count() / HARDIRQ_OFFSET);
	uint16_t cls;

	if (!h || h->in_checker)
		goto out;
	h->in_checker = true;
	cls = (edges_full && classes_full) ? 0 : map_class(map);
	if (how != LOCK_ACQ_TRY) {
		check_rank(h, map->rank, how);
		if (cls && !edges_full)
			check_classes(h, cls, how, irq_depth);
	}
	if (h->nr < LOCK_HELD_MAX) {
		h->e[h->nr++] = (struct held_lock){
			.lock = lock, .ip = ip ? ip : (uint64_t)__builtin_return_address(0),
			.class_id = cls, .rank = map->rank, .irq_depth = irq_depth,
			.trylock = how == LOCK_ACQ_TRY,
		};
	}
	h->in_checker = false;
out:
	arch_irq_restore(irq);
}

void lock_order_release(const void *lock)
{
	unsigned long irq = arch_irq_save();
	struct held_locks *h = held_here();

	/* Usually the last entry; unlock order need not mirror lock order. */
	for (unsigned int i = h ? h->nr : 0; i-- > 0; ) {
		if (h->e[i].lock != lock)
			continue;
		for (unsigned int j = i; j + 1 < h->nr; j++)
			h->e[j] = h->e[j + 1];
		h->nr--;
		break;
	}
	arch_irq_restore(irq);
}

bool lock_order_held(const void *lock)
{
	unsigned long irq = arch_irq_save();
	struct held_locks *h = held_here();
	bool held = !h || h->nr == LOCK_HELD_MAX;

	for (unsigned int i = 0; !held && i < h->nr; i++)
		held = h->e[i].lock == lock;
	arch_irq_restore(irq);
	return held;
}

void lock_order_print_held(const struct task *t)
{
	const struct held_locks *h = t ? &t->held_locks : NULL;

	if (!h || !h->nr) {
		printk("locks held: none\n");
		return;
	}
	printk("locks held:\n");
	for (unsigned int i = 0; i < h->nr; i++) {
		const struct held_lock *e = &h->e[i];
		uint64_t off;
		const char *fn = ksyms_lookup(e->ip, &off);

		printk("  %s%s%s, taken at %s+0x%lx\n", class_name(e->class_id),
		       e->rank ? " rank " : "", e->rank ? lock_rank_names[e->rank] : "",
		       fn ? fn : "?", fn ? off : 0);
	}
}

unsigned int lock_order_nr_edges(void)
{
	return __atomic_load_n(&nr_edges, __ATOMIC_ACQUIRE);
}

unsigned int lock_order_edges_between(struct lockdep_map *held, struct lockdep_map *taken)
{
	uint16_t from = __atomic_load_n(&held->class_id, __ATOMIC_RELAXED);
	uint16_t to = __atomic_load_n(&taken->class_id, __ATOMIC_RELAXED);
	unsigned int n = 0, nr = lock_order_nr_edges();

	/* A scan of the table, not the hash: it counts duplicates if there were any. */
	for (unsigned int i = 0; from && to && i < nr; i++)
		n += edges[i].from == from && edges[i].to == to;
	return n;
}

int lock_order_edge_chain(struct lockdep_map *held, struct lockdep_map *taken,
			  uint64_t *pcs, unsigned int max)
{
	uint16_t from = __atomic_load_n(&held->class_id, __ATOMIC_RELAXED);
	uint16_t to = __atomic_load_n(&taken->class_id, __ATOMIC_RELAXED);
	uint16_t id = from && to ? edge_find(from, to) : 0;
	unsigned int n = 0;

	if (!id)
		return -1;
	for (; n < edges[id - 1].nr_pcs && n < max; n++)
		pcs[n] = edges[id - 1].pcs[n];
	return (int)n;
}
