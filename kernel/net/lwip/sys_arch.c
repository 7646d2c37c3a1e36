/*
 * sys_arch.c - lwIP's operating-system layer on Pagoda: threads,
 * semaphores, mutexes, mailboxes, the clock, the critical section and
 * memory (lwIP's doc/sys_arch.txt is the contract; the types are in
 * arch/sys_arch.h, the choices in lwipopts.h).
 *
 * Waiting. A semaphore or mailbox wait that may end at a timeout is the
 * wait-queue loop of kernel/wait.h with schedule_timeout() in place of
 * schedule(): queue, mark sleeping, try, sleep until woken or the
 * deadline (the tick wakes sleepers, so a timeout ends up to one tick,
 * 10 ms, late). lwIP asks "how long did you wait?" and gets milliseconds,
 * or SYS_ARCH_TIMEOUT.
 *
 * The critical section (SYS_ARCH_PROTECT) is one spinlock, which turns
 * interrupts off like every Pagoda spinlock, so a driver's interrupt
 * handler may free a pbuf. lwIP allows it to nest; a nested protect on the
 * CPU that holds it is a no-op. Nothing sleeps or allocates under it.
 *
 * Memory: pagoda_lwip_malloc() is kmalloc() with a running total, failing
 * once lwIP would hold more than MEM_SIZE bytes at once; lwIP takes that
 * as "out of memory" (a dropped packet, ERR_MEM to a caller), never a
 * panic. The mailboxes' slot arrays are plain kmalloc'd kernel memory.
 *
 * Locks (docs/locking.md): lwip_protect_lock, the spinlock and wait queues
 * of each semaphore and mailbox (leaves), and the tcpip core mutex (a
 * struct mutex taken by the tcpip thread and by netconn callers).
 */
#include "lwip/opt.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "kernel/compiler.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/net/net.h"
#include "kernel/errno.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/random.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/wait.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include <stdarg.h>

/* ---- memory ---- */

static size_t lwip_mem_in_use;		/* atomic: ksize() of each live block */

void *pagoda_lwip_malloc(size_t size)
{
	void *p = kmalloc(size, GFP_KERNEL);	/* never sleeps: any context */
	size_t got;

	if (!p)
		return NULL;
	got = ksize(p);
	if (__atomic_add_fetch(&lwip_mem_in_use, got, __ATOMIC_RELAXED) > MEM_SIZE) {
		__atomic_sub_fetch(&lwip_mem_in_use, got, __ATOMIC_RELAXED);
		kfree(p);
		return NULL;
	}
	return p;
}

void *pagoda_lwip_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / size)
		return NULL;
	p = pagoda_lwip_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void pagoda_lwip_free(void *p)
{
	if (!p)
		return;
	__atomic_sub_fetch(&lwip_mem_in_use, ksize(p), __ATOMIC_RELAXED);
	kfree(p);
}

/* Bytes lwIP holds now (tests compare it before and after). */
size_t pagoda_lwip_mem_in_use(void)
{
	return __atomic_load_n(&lwip_mem_in_use, __ATOMIC_RELAXED);
}

/*
 * /proc/pagoda/lwip: what lwIP holds now, for tests that look for leaks
 * from user space (tests/netcheck.py compares it before and after a
 * flood of junk frames), and its protocol counters. One line for the
 * port's malloc total, one per fixed-size pool (lwIP's MEMP_STATS), one
 * per protocol (struct stats_proto, lwip/stats.h):
 *
 *	heap_bytes 12288
 *	pool TCP_PCB used 3 max 9 err 0
 *	proto IP xmit 10 recv 12 fw 0 drop 2 chkerr 1 lenerr 0 memerr 0
 *	      rterr 0 proterr 0 opterr 0 err 0		(one line)
 *
 * The counters are read without lwIP's core lock: each is one word, and a
 * reader wants a snapshot, not a consistent cut.
 */
static const char *const memp_names[MEMP_MAX] = {
#define LWIP_MEMPOOL(name, num, size, desc) #name,
#include "lwip/priv/memp_std.h"
};

static const struct {
	const char *name;
	const struct stats_proto *stats;
} protos[] = {
	{ "LINK", &lwip_stats.link }, { "ETHARP", &lwip_stats.etharp },
	{ "IP_FRAG", &lwip_stats.ip_frag }, { "IP", &lwip_stats.ip },
	{ "ICMP", &lwip_stats.icmp }, { "UDP", &lwip_stats.udp }, { "TCP", &lwip_stats.tcp },
};

int net_lwip_mem_show(struct proc_buf *b)
{
	proc_printf(b, "heap_bytes %lu\n", (unsigned long)pagoda_lwip_mem_in_use());
	for (int i = 0; i < MEMP_MAX; i++) {
		const struct stats_mem *m = lwip_stats.memp[i];

		proc_printf(b, "pool %s used %u max %u err %u\n", memp_names[i],
			    (unsigned int)READ_ONCE(m->used), (unsigned int)READ_ONCE(m->max),
			    (unsigned int)READ_ONCE(m->err));
	}
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
		const struct stats_proto *p = protos[i].stats;

		proc_printf(b, "proto %s xmit %u recv %u fw %u drop %u chkerr %u lenerr %u "
			    "memerr %u rterr %u proterr %u opterr %u err %u\n", protos[i].name,
			    READ_ONCE(p->xmit), READ_ONCE(p->recv), READ_ONCE(p->fw),
			    READ_ONCE(p->drop), READ_ONCE(p->chkerr), READ_ONCE(p->lenerr),
			    READ_ONCE(p->memerr), READ_ONCE(p->rterr), READ_ONCE(p->proterr),
			    READ_ONCE(p->opterr), READ_ONCE(p->err));
	}
	return 0;
}

/* ---- diagnostics, randomness ---- */

void pagoda_lwip_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void pagoda_lwip_assert(const char *msg, const char *file, int line)
{
	panic("lwip: assertion \"%s\" failed at %s:%d", msg, file, line);
}

uint32_t pagoda_lwip_rand(void)
{
	uint32_t v;

	get_random_bytes(&v, sizeof(v));
	return v;
}

/* ---- time ---- */

void sys_init(void)
{
}

/* Milliseconds since boot: lwIP's timers and TCP's RTT estimates. */
/*
 * TCP's initial sequence numbers, as RFC 6528 and Linux: a clock that
 * ticks every 4 us plus a keyed hash of the connection's addresses and
 * ports. The ISNs of one connection keep growing (old segments of an
 * earlier incarnation stay below the window) and an outsider who cannot
 * see the traffic cannot guess them. The hash is SipHash-2-4 (Aumasson and
 * Bernstein, 2012) over the 12 bytes of the 4-tuple, its key 128 bits from
 * the kernel's random generator, drawn at the first connection (the core
 * lock serializes every call).
 */
#define ROTL64(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL64(v[1], 13); v[1] ^= v[0]; v[0] = ROTL64(v[0], 32);
	v[2] += v[3]; v[3] = ROTL64(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL64(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL64(v[1], 17); v[1] ^= v[2]; v[2] = ROTL64(v[2], 32);
}

/* SipHash-2-4 of two 64-bit words (16 bytes, the length in the last byte). */
static uint64_t siphash_2_4(const uint64_t key[2], uint64_t m0, uint64_t m1)
{
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
		key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull,
	};
	const uint64_t m[3] = { m0, m1, (uint64_t)16 << 56 };

	for (int i = 0; i < 3; i++) {
		v[3] ^= m[i];
		sip_round(v);
		sip_round(v);
		v[0] ^= m[i];
	}
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

u32_t pagoda_tcp_isn(const struct ip4_addr *local_ip, u16_t local_port,
		     const struct ip4_addr *remote_ip, u16_t remote_port)
{
	static uint64_t key[2];
	static bool keyed;
	uint64_t hash;

	LWIP_ASSERT_CORE_LOCKED();
	if (!keyed) {
		get_random_bytes(key, sizeof(key));
		keyed = true;
	}
	hash = siphash_2_4(key, (uint64_t)ip4_addr_get_u32(local_ip) << 32 |
				ip4_addr_get_u32(remote_ip),
			   (uint64_t)local_port << 16 | remote_port);
	return (u32_t)(clock_ns() / 4000) + (u32_t)hash;
}

u32_t sys_now(void)
{
	return (u32_t)(clock_ns() / 1000000);
}

u32_t sys_jiffies(void)
{
	return (u32_t)jiffies_read();
}

/* ---- the critical section ---- */

static spinlock_t lwip_protect_lock = SPINLOCK_INIT(lwip_protect_lock);
static struct cpu *lwip_protect_cpu;	/* lwip_protect_lock: the CPU inside */

/* What a nested protect returns: its unprotect does nothing. */
#define PROTECT_NESTED	(~0ul)

sys_prot_t sys_arch_protect(void)
{
	unsigned long irq = arch_irq_save();
	bool nested = READ_ONCE(lwip_protect_cpu) == this_cpu();

	/*
	 * Only this CPU sets the owner to itself, and only while it holds the
	 * lock with interrupts off, so seeing ourselves means we are inside.
	 */
	arch_irq_restore(irq);
	if (nested)
		return PROTECT_NESTED;
	irq = spin_lock_irqsave(&lwip_protect_lock);
	WRITE_ONCE(lwip_protect_cpu, this_cpu());
	return irq;
}

void sys_arch_unprotect(sys_prot_t irq)
{
	if (irq == PROTECT_NESTED)
		return;
	WRITE_ONCE(lwip_protect_cpu, NULL);
	spin_unlock_irqrestore(&lwip_protect_lock, irq);
}

/* ---- waiting with a timeout ---- */

/*
 * Sleep on @wq until try(@obj, @out) succeeds, or for at most @timeout_ms
 * (0: no limit). Returns the milliseconds waited, or SYS_ARCH_TIMEOUT.
 * Might sleep.
 */
static u32_t wait_timeout(struct waitqueue *wq, bool (*try)(void *obj, void **out),
			  void *obj, void **out, u32_t timeout_ms)
{
	struct wait_entry we = WAIT_ENTRY_INIT;
	uint64_t start = clock_ns();
	uint64_t deadline = start + (uint64_t)timeout_ms * 1000000;
	u32_t ret;

	for (;;) {
		uint64_t now;

		prepare_to_wait(wq, &we, TASK_UNINTERRUPTIBLE);
		if (try(obj, out)) {
			uint64_t ms = (clock_ns() - start) / 1000000;

			ret = ms < SYS_ARCH_TIMEOUT ? (u32_t)ms : SYS_ARCH_TIMEOUT - 1;
			break;
		}
		now = clock_ns();
		if (timeout_ms && now >= deadline) {
			ret = SYS_ARCH_TIMEOUT;
			break;
		}
		if (timeout_ms)
			schedule_timeout(deadline - now);
		else
			schedule();
	}
	finish_wait(wq, &we);
	return ret;
}

/* ---- semaphores ---- */

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
	spin_lock_init(&sem->lock);
	waitqueue_init(&sem->wq);
	sem->count = count;
	sem->valid = true;
	SYS_STATS_INC_USED(sem);
	return ERR_OK;
}

void sys_sem_free(sys_sem_t *sem)
{
	SYS_STATS_DEC(sem.used);
	sem->valid = false;
}

int sys_sem_valid(sys_sem_t *sem)
{
	return sem->valid;
}

void sys_sem_set_invalid(sys_sem_t *sem)
{
	sem->valid = false;
}

void sys_sem_signal(sys_sem_t *sem)
{
	unsigned long irq = spin_lock_irqsave(&sem->lock);

	sem->count++;
	spin_unlock_irqrestore(&sem->lock, irq);
	wake_up(&sem->wq);
}

static bool sem_try(void *obj, void **out)
{
	sys_sem_t *sem = obj;
	unsigned long irq = spin_lock_irqsave(&sem->lock);
	bool got = sem->count > 0;

	if (got)
		sem->count--;
	spin_unlock_irqrestore(&sem->lock, irq);
	return got;
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout_ms)
{
	return wait_timeout(&sem->wq, sem_try, sem, NULL, timeout_ms);
}

/* ---- mutexes ---- */

err_t sys_mutex_new(sys_mutex_t *m)
{
	mutex_init(&m->m);		/* every lwIP mutex: one lock class */
	m->valid = true;
	SYS_STATS_INC_USED(mutex);
	return ERR_OK;
}

void sys_mutex_free(sys_mutex_t *m)
{
	SYS_STATS_DEC(mutex.used);
	m->valid = false;
}

int sys_mutex_valid(sys_mutex_t *m)
{
	return m->valid;
}

void sys_mutex_set_invalid(sys_mutex_t *m)
{
	m->valid = false;
}

void sys_mutex_lock(sys_mutex_t *m)
{
	mutex_lock(&m->m);
}

void sys_mutex_unlock(sys_mutex_t *m)
{
	mutex_unlock(&m->m);
}

void sys_check_core_locking(void)
{
	/* Before tcpip_init() makes the mutex, boot code runs lwip_init(). */
	if (!lock_tcpip_core.valid)
		return;
	if (READ_ONCE(lock_tcpip_core.m.owner) != current())
		panic("lwip: core function called without the tcpip core lock (task %d)",
		      current()->pid);
}

/* ---- mailboxes ---- */

err_t sys_mbox_new(sys_mbox_t *mb, int size)
{
	if (size <= 0)
		size = 16;		/* lwIP passes 0 for "the default" */
	mb->slots = kmalloc((size_t)size * sizeof(void *), GFP_KERNEL);
	if (!mb->slots) {
		SYS_STATS_INC(mbox.err);
		return ERR_MEM;
	}
	spin_lock_init(&mb->lock);
	waitqueue_init(&mb->not_empty);
	waitqueue_init(&mb->not_full);
	mb->size = size;
	mb->head = mb->count = 0;
	mb->valid = true;
	SYS_STATS_INC_USED(mbox);
	return ERR_OK;
}

/* lwIP empties a mailbox before it frees it (a message left is a leak). */
void sys_mbox_free(sys_mbox_t *mb)
{
	WARN_ON_ONCE(mb->count != 0);
	kfree(mb->slots);
	mb->slots = NULL;
	mb->valid = false;
	SYS_STATS_DEC(mbox.used);
}

int sys_mbox_valid(sys_mbox_t *mb)
{
	return mb->valid;
}

void sys_mbox_set_invalid(sys_mbox_t *mb)
{
	mb->valid = false;
}

/* Put @msg in if there is room; true if it went in. Never sleeps. */
static bool mbox_put(sys_mbox_t *mb, void *msg)
{
	unsigned long irq = spin_lock_irqsave(&mb->lock);
	bool room = mb->count < mb->size;

	if (room)
		mb->slots[(mb->head + mb->count++) % mb->size] = msg;
	spin_unlock_irqrestore(&mb->lock, irq);
	if (room)
		wake_up(&mb->not_empty);
	return room;
}

/* sem_try's twin for wait_timeout(): take the oldest message. */
static bool mbox_get(void *obj, void **out)
{
	sys_mbox_t *mb = obj;
	unsigned long irq = spin_lock_irqsave(&mb->lock);
	bool got = mb->count > 0;

	if (got) {
		void *msg = mb->slots[mb->head];

		if (out)
			*out = msg;
		mb->head = (mb->head + 1) % mb->size;
		mb->count--;
	}
	spin_unlock_irqrestore(&mb->lock, irq);
	if (got)
		wake_up(&mb->not_full);
	return got;
}

static bool mbox_put_try(void *obj, void **msg)
{
	return mbox_put(obj, *msg);
}

/* Wait while the mailbox is full. Might sleep. */
void sys_mbox_post(sys_mbox_t *mb, void *msg)
{
	wait_timeout(&mb->not_full, mbox_put_try, mb, &msg, 0);
}

err_t sys_mbox_trypost(sys_mbox_t *mb, void *msg)
{
	if (mbox_put(mb, msg))
		return ERR_OK;
	SYS_STATS_INC(mbox.err);
	return ERR_MEM;
}

/* From an interrupt handler: the same, as nothing here sleeps. */
err_t sys_mbox_trypost_fromisr(sys_mbox_t *mb, void *msg)
{
	return sys_mbox_trypost(mb, msg);
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mb, void **msg, u32_t timeout_ms)
{
	return wait_timeout(&mb->not_empty, mbox_get, mb, msg, timeout_ms);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mb, void **msg)
{
	return mbox_get(mb, msg) ? 0 : SYS_MBOX_EMPTY;
}

/* ---- threads ---- */

struct lwip_thread_start {
	lwip_thread_fn fn;
	void *arg;
};

static int lwip_thread_trampoline(void *p)
{
	struct lwip_thread_start start = *(struct lwip_thread_start *)p;

	kfree(p);
	start.fn(start.arg);
	return 0;
}

/*
 * A kernel thread running fn(arg); lwIP's stack size and priority mean
 * nothing here (every kernel stack is the same size, one run queue).
 * lwIP has no way to hear of a failure, so failing is a panic: it only
 * happens at boot (tcpip_init) when there is no memory for a thread.
 */
sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg,
			    int stacksize, int prio)
{
	struct lwip_thread_start *start = kmalloc(sizeof(*start), GFP_KERNEL);
	struct task *t;

	if (!start)
		panic("sys_thread_new: no memory for thread %s", name);
	start->fn = fn;
	start->arg = arg;
	t = kthread_create(name, lwip_thread_trampoline, start);
	if (IS_ERR(t))
		panic("sys_thread_new: cannot create thread %s (%ld)", name, PTR_ERR(t));
	return t;
}
