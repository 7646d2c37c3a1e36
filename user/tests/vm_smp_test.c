/*
 * vm_smp_test.c - TLB shootdown as user space sees it: once munmap,
 * mprotect or madvise(MADV_DONTNEED) has returned, no thread on any CPU
 * may still reach the old page through a translation its CPU cached; and
 * fork's write-protection of a page other threads are writing reaches
 * their CPUs before fork returns. A kernel that flushes only the calling
 * CPU's TLB passes every single-threaded test and fails these.
 *
 * How a stale read is told from an innocent one. The main thread and
 * the readers, each pinned to its own CPU, share one control word
 * (round and phase, published with release stores):
 *
 *	main:    fill page, MAPPED ... REMOVING, munmap(), REMOVED
 *	reader:  load phase (acquire), read the page, load phase again
 *
 *	the read		judged by	verdict
 *	faulted			phase after	error if still MAPPED: the page
 *						went before anyone removed it
 *	succeeded, magic	phase before	STALE if already REMOVED
 *	succeeded, other	-		STALE if REMOVED before, else an
 *						error: the frame was reused
 *						before the flush
 *
 * A reader that loaded REMOVED did so after munmap returned, so its read
 * began after the removal and must fault; a read that began earlier (a
 * reader may be held up for any time between its load and its read) may
 * go either way. The round waits for every reader to judge at least one
 * read made after REMOVED. For MADV_DONTNEED the page stays mapped: no
 * read may fault, and one made after REMOVED sees 0, never the old
 * pattern. Faults are caught with SIGSEGV, sigsetjmp and a per-thread
 * jump buffer.
 *
 * cow_after_fork_with_writers forks while other threads write the page
 * and checks the child's copy is a snapshot that never moves;
 * reclaim_4_threads fills a large region from 4 threads spread over the
 * CPUs and checks every page ("--reclaim-mb N", default 64; a boot with
 * swap can pass more than its RAM to make reclaim take part);
 * dontneed_under_reclaim writes, checks and MADV_DONTNEEDs such a region
 * from 4 threads, round after round, while reclaim works on it;
 * rss_counts_every_cpu checks RssAnon counts pages faulted on every CPU.
 *
 * Every case needs 2 CPUs it may run on and skips, saying so, without.
 * Neighbours: thread_test.c (threads), vm_fault_test.c (faults, one CPU).
 */
#include "thread_util.h"

#include <setjmp.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#define PAGE		4096ul
#define ROUNDS		100
#define MAX_HELPERS	3	/* reader or writer threads */
#define MIN_READS	64	/* reads per reader before the removal */

static cpu_set_t cpus;			/* the CPUs we may use ... */
static int ncpus;			/* ... and how many */
static unsigned long reclaim_mb = 64;

#define NEED_2_CPUS() do {						\
	if (ncpus < 2)							\
		SKIP("%d CPU to run on: this case needs 2", ncpus);	\
} while (0)

/* The CPU for helper thread @i: any but the main thread's, in turn. */
static int helper_cpu(int i)
{
	return nth_cpu(&cpus, 1 + i % (ncpus - 1));
}

static int helpers(void)
{
	return ncpus - 1 < MAX_HELPERS ? ncpus - 1 : MAX_HELPERS;
}

/* Seconds since some fixed point, for the bounded waits. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- catching a faulting read ---- */

static __thread sigjmp_buf probe_jb;
static __thread volatile int in_probe;

static void on_segv(int sig)
{
	if (!in_probe) {		/* a real crash: let it kill us */
		signal(sig, SIG_DFL);
		return;
	}
	siglongjmp(probe_jb, 1);
}

/*
 * Read the word at @p into *@v; 0, or -1 if the read faulted. The
 * handler is SA_NODEFER, so a jump out of it leaves SIGSEGV unblocked and
 * sigsetjmp need not save the mask (no system call per read).
 */
static int probe(volatile uint64_t *p, uint64_t *v)
{
	if (sigsetjmp(probe_jb, 0)) {
		in_probe = 0;
		return -1;
	}
	in_probe = 1;
	*v = *p;
	in_probe = 0;
	return 0;
}

static int catch_segv(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_NODEFER;
	return sigaction(SIGSEGV, &sa, NULL);
}

/* ================= a removal seen from other CPUs ================= */

enum phase { MAPPED, REMOVING, REMOVED, STOP };
enum removal { BY_MUNMAP, BY_MPROTECT, BY_DONTNEED };

static int ctl;				/* round * 4 + phase */
static volatile uint64_t *target;	/* the page of this round */
static uint64_t magic;			/* what it holds until REMOVED */
static enum removal how;

struct reader {
	pthread_t t;
	int cpu;
	long reads;		/* successful reads in MAPPED, this round */
	int done;		/* the last round judged after REMOVED */
	long stale, early_fault, wrong_value;
};

static struct reader rd[MAX_HELPERS];

/*
 * Judge one read: the phase was @before when it began and @after when it
 * ended (the round cannot change in between: it waits for this reader).
 */
static void judge(struct reader *me, int before, int after, int faulted,
		  uint64_t v)
{
	if (faulted) {
		/* The expected end of the page - unless DONTNEED (which
		 * never unmaps) or nobody had begun to remove it yet. */
		if (how == BY_DONTNEED || after == MAPPED)
			me->early_fault++;
	} else if (v == magic) {
		if (before == REMOVED)
			me->stale++;
		else if (before == MAPPED)
			__atomic_add_fetch(&me->reads, 1, __ATOMIC_RELEASE);
	} else if (how == BY_DONTNEED && v == 0) {
		if (after == MAPPED)
			me->wrong_value++;	/* zero before DONTNEED began */
	} else if (before == REMOVED && how != BY_DONTNEED) {
		me->stale++;		/* and the old frame already reused */
	} else {
		/* Through a translation not yet flushed, to a frame already
		 * reused: the kernel freed the page before the flush. */
		me->wrong_value++;
	}
}

static void *reader(void *arg)
{
	struct reader *me = arg;
	uint64_t v = 0;

	if (pin_self(me->cpu))
		return (void *)1;
	for (;;) {
		int c = __atomic_load_n(&ctl, __ATOMIC_ACQUIRE);
		int round = c / 4, before = c % 4, faulted;

		if (before == STOP)
			return NULL;
		if (round == me->done)
			continue;	/* this round is judged: wait for the next */
		faulted = probe(target, &v);
		judge(me, before, __atomic_load_n(&ctl, __ATOMIC_ACQUIRE) % 4,
		      faulted, v);
		if (before == REMOVED)
			__atomic_store_n(&me->done, round, __ATOMIC_RELEASE);
	}
}

/*
 * Spin (at most 10 s) until every reader has read the page MIN_READS
 * times (@round 0) or has judged a read made after round @round's
 * removal. 0, or -1 on timeout.
 */
static int wait_readers(int round)
{
	double end = now() + 10;

	for (int i = 0; i < helpers(); i++)
		while (round ? __atomic_load_n(&rd[i].done, __ATOMIC_ACQUIRE) != round :
		       __atomic_load_n(&rd[i].reads, __ATOMIC_ACQUIRE) < MIN_READS)
			if (now() > end)
				return -1;
	return 0;
}

/* Make round @round's page: mapped (or, for DONTNEED, refilled). */
static int prepare(int round, char **page)
{
	magic = 0x5a5a000000000000ull | (uint64_t)round << 8 | how;
	if (how != BY_DONTNEED || !*page)
		*page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*page == MAP_FAILED)
		return -1;
	for (unsigned long i = 0; i < PAGE / 8; i++)
		((uint64_t *)*page)[i] = magic;
	target = (volatile uint64_t *)*page;
	return 0;
}

static int remove_page(char *page)
{
	if (how == BY_MUNMAP)
		return munmap(page, PAGE);
	if (how == BY_MPROTECT)
		return mprotect(page, PAGE, PROT_NONE);
	return madvise(page, PAGE, MADV_DONTNEED);
}

/*
 * ROUNDS rounds of: fill a page, let the readers on the other CPUs read it
 * (so their TLBs hold it), remove it, and have every reader judge at least
 * one read made after the removal returned.
 */
static void removal_rounds(enum removal removal)
{
	long stale = 0, early = 0, wrong = 0;
	char *page = NULL;

	NEED_2_CPUS();
	how = removal;
	EXPECT_OK(catch_segv());
	EXPECT_PT(pin_self(nth_cpu(&cpus, 0)));
	for (int i = 0; i < helpers(); i++) {
		rd[i].cpu = helper_cpu(i);
		EXPECT_PT(pthread_create(&rd[i].t, NULL, reader, &rd[i]));
	}
	for (int round = 1; round <= ROUNDS; round++) {
		EXPECT_OK(prepare(round, &page));
		for (int i = 0; i < helpers(); i++)
			__atomic_store_n(&rd[i].reads, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&ctl, round * 4 + MAPPED, __ATOMIC_RELEASE);
		EXPECT(wait_readers(0) == 0, "round %d: the readers did not "
		       "read the page", round);
		__atomic_store_n(&ctl, round * 4 + REMOVING, __ATOMIC_RELEASE);
		EXPECT_OK(remove_page(page));
		__atomic_store_n(&ctl, round * 4 + REMOVED, __ATOMIC_RELEASE);
		EXPECT(wait_readers(round) == 0, "round %d: the readers did "
		       "not finish", round);
		if (how == BY_MPROTECT)
			munmap(page, PAGE);
	}
	__atomic_store_n(&ctl, STOP, __ATOMIC_RELEASE);
	for (int i = 0; i < helpers(); i++) {
		void *ret;

		EXPECT_PT(pthread_join(rd[i].t, &ret));
		EXPECT(ret == NULL, "reader %d could not pin itself to CPU %d",
		       i, rd[i].cpu);
		stale += rd[i].stale;
		early += rd[i].early_fault;
		wrong += rd[i].wrong_value;
	}
	EXPECT(stale == 0, "%ld stale reads in %d rounds: a CPU kept a "
	       "translation after the call returned", stale, ROUNDS);
	EXPECT(early == 0, "%ld reads faulted while the page was %s", early,
	       how == BY_DONTNEED ? "mapped (DONTNEED never unmaps)" :
	       "still mapped");
	EXPECT(wrong == 0, "%ld reads saw a value that was never there", wrong);
}

static void munmap_no_stale_read(void)
{
	removal_rounds(BY_MUNMAP);
}

static void mprotect_none_no_stale_read(void)
{
	removal_rounds(BY_MPROTECT);
}

static void dontneed_sees_zeros(void)
{
	removal_rounds(BY_DONTNEED);
}

/* ================= fork while other CPUs write ================= */

#define STRIDE		8	/* words: one writer per 64-byte line */
#define AFTER_WRITES	1000	/* parent writes to wait for after fork */

static volatile uint64_t *cow_page;
static volatile int writers_stop;

static void *writer(void *arg)
{
	long k = (long)arg;
	uint64_t v = 0;

	if (pin_self(helper_cpu(k)))
		return (void *)1;
	while (!writers_stop)
		cow_page[k * STRIDE] = ++v;
	return NULL;
}

/* Wait (at most 10 s) until each writer's word is at least @min[k]. */
static int wait_writers(const uint64_t *min)
{
	double end = now() + 10;

	for (int k = 0; k < helpers(); k++)
		while (cow_page[k * STRIDE] < min[k])
			if (now() > end)
				return -1;
	return 0;
}

/*
 * The child of one round: take a snapshot at once, wait until the parent
 * says its writers have written plenty since, look again; send both.
 */
static void cow_child(int up, int down)
{
	uint64_t seen[2 * MAX_HELPERS];
	char c;

	for (int k = 0; k < helpers(); k++)
		seen[k] = cow_page[k * STRIDE];
	if (read(down, &c, 1) != 1)
		_exit(2);
	for (int k = 0; k < helpers(); k++)
		seen[MAX_HELPERS + k] = cow_page[k * STRIDE];
	_exit(write(up, seen, sizeof(seen)) == sizeof(seen) ? 0 : 3);
}

/*
 * Writers on the other CPUs keep storing increasing values, each in its
 * own word of a private page; fork ROUNDS times. Each child's copy is
 * what the words held at the fork - between what the parent read just
 * before and just after - and stays so while the parent's writers go on.
 */
static void cow_after_fork_with_writers(void)
{
	uint64_t before[MAX_HELPERS], after[MAX_HELPERS], seen[2 * MAX_HELPERS];
	pthread_t t[MAX_HELPERS];
	int up[2], down[2], st = 0;
	pid_t pid;

	NEED_2_CPUS();
	EXPECT_PT(pin_self(nth_cpu(&cpus, 0)));
	cow_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(cow_page != MAP_FAILED, "mmap: %s", strerror(errno));
	for (long k = 0; k < helpers(); k++)
		EXPECT_PT(pthread_create(&t[k], NULL, writer, (void *)k));
	for (int round = 1; round <= ROUNDS; round++) {
		for (int k = 0; k < helpers(); k++)
			before[k] = cow_page[k * STRIDE] + 100;
		EXPECT(wait_writers(before) == 0, "round %d: writers stalled "
		       "before the fork", round);
		for (int k = 0; k < helpers(); k++)
			before[k] = cow_page[k * STRIDE];
		EXPECT_OK(pipe(up));
		EXPECT_OK(pipe(down));
		pid = fork();
		EXPECT_OK(pid);
		if (pid == 0)
			cow_child(up[1], down[0]);
		for (int k = 0; k < helpers(); k++)
			after[k] = cow_page[k * STRIDE];
		for (int k = 0; k < helpers(); k++)
			seen[k] = after[k] + AFTER_WRITES;
		EXPECT(wait_writers(seen) == 0, "round %d: writers stalled "
		       "after the fork", round);
		EXPECT(write(down[1], "g", 1) == 1, "write: %s", strerror(errno));
		EXPECT(read(up[0], seen, sizeof(seen)) == sizeof(seen),
		       "round %d: no report from the child", round);
		EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		       WEXITSTATUS(st) == 0, "round %d: child status %#x",
		       round, st);
		close(up[0]);
		close(up[1]);
		close(down[0]);
		close(down[1]);
		for (int k = 0; k < helpers(); k++) {
			uint64_t snap = seen[k], later = seen[MAX_HELPERS + k];

			EXPECT(before[k] <= snap && snap <= after[k], "round %d, "
			       "word %d: the child's copy holds %llu, written "
			       "outside the fork (%llu..%llu)", round, k,
			       (unsigned long long)snap,
			       (unsigned long long)before[k],
			       (unsigned long long)after[k]);
			EXPECT(later == snap, "round %d, word %d: the child's "
			       "copy changed from %llu to %llu: the parent's "
			       "writer still wrote the shared page", round, k,
			       (unsigned long long)snap,
			       (unsigned long long)later);
		}
	}
	writers_stop = 1;
	for (int k = 0; k < helpers(); k++) {
		void *ret;

		EXPECT_PT(pthread_join(t[k], &ret));
		EXPECT(ret == NULL, "writer %d could not pin itself", k);
	}
}

/* ================= many pages from many CPUs ================= */

#define FILLERS		4

static char *region;
static unsigned long npages;
static pthread_barrier_t filled;
static long bad_pages[FILLERS];

/* The region of reclaim_mb MiB the reclaim cases share out: 0, or -1 (errno). */
static int map_region(void)
{
	npages = reclaim_mb * 1024 * 1024 / PAGE;
	region = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return region == MAP_FAILED ? -1 : 0;
}

/* Word @w of page @p of filler @f's pattern: never 0, differs per page. */
static uint64_t pat(long f, unsigned long p, unsigned long w)
{
	return ((f + 1) * 0x9e3779b97f4a7c15ull) ^ (p << 12 | w << 3) ^ 1;
}

/* Page @p belongs to filler p % FILLERS: neighbours fault on other CPUs. */
static void *filler(void *arg)
{
	long f = (long)arg, v = (f + 1) % FILLERS;

	pin_self(nth_cpu(&cpus, f % ncpus));
	for (unsigned long p = f; p < npages; p += FILLERS)
		for (unsigned long w = 0; w < PAGE / 8; w++)
			((uint64_t *)(region + p * PAGE))[w] = pat(f, p, w);
	pthread_barrier_wait(&filled);
	/* Check another filler's pages, written from another CPU. */
	for (unsigned long p = v; p < npages; p += FILLERS)
		for (unsigned long w = 0; w < PAGE / 8; w++)
			if (((uint64_t *)(region + p * PAGE))[w] != pat(v, p, w)) {
				bad_pages[f]++;
				break;
			}
	return NULL;
}

/* 4 threads on different CPUs fill interleaved pages; all come back. */
static void reclaim_4_threads(void)
{
	pthread_t t[FILLERS];
	long bad = 0;

	NEED_2_CPUS();
	EXPECT(map_region() == 0, "mmap %lu MiB: %s", reclaim_mb, strerror(errno));
	EXPECT_PT(pthread_barrier_init(&filled, NULL, FILLERS));
	for (long f = 0; f < FILLERS; f++)
		EXPECT_PT(pthread_create(&t[f], NULL, filler, (void *)f));
	for (int f = 0; f < FILLERS; f++) {
		EXPECT_PT(pthread_join(t[f], NULL));
		bad += bad_pages[f];
	}
	EXPECT(bad == 0, "%ld of %lu pages lost their contents", bad, npages);
}

/*
 * 4 threads each own a quarter of a region (reclaim_mb, more than RAM on
 * the swap boots) and, round after round, write every page of it, check
 * it, MADV_DONTNEED it and check it reads back zero - while reclaim, on
 * other CPUs, write-protects, swaps out and unmaps the same pages. A zap
 * or a copy-on-write between reclaim's look at a PTE and its unmap must
 * not let reclaim unmap a page twice or replace a new page by the old
 * one's swap entry: every write must come back, every zap read zero.
 */
#define DN_ROUNDS	2

static long dn_bad[FILLERS];

static void *dontneed_worker(void *arg)
{
	long f = (long)arg;
	unsigned long each = npages / FILLERS, first = f * each;
	char *q = region + first * PAGE;

	pin_self(nth_cpu(&cpus, f % ncpus));
	for (int r = 0; r < DN_ROUNDS; r++) {
		for (unsigned long p = 0; p < each; p++)
			for (unsigned long w = 0; w < PAGE / 8; w += 64)
				((uint64_t *)(q + p * PAGE))[w] = pat(f + r, first + p, w);
		for (unsigned long p = 0; p < each; p++)
			for (unsigned long w = 0; w < PAGE / 8; w += 64)
				if (((uint64_t *)(q + p * PAGE))[w] != pat(f + r, first + p, w)) {
					dn_bad[f]++;
					break;
				}
		if (madvise(q, each * PAGE, MADV_DONTNEED)) {
			dn_bad[f] += (long)each;
			break;
		}
		for (unsigned long p = 0; p < each; p += 7)
			if (((uint64_t *)(q + p * PAGE))[0] != 0)
				dn_bad[f]++;
	}
	return NULL;
}

static void dontneed_under_reclaim(void)
{
	pthread_t t[FILLERS];
	long bad = 0;

	NEED_2_CPUS();
	EXPECT(map_region() == 0, "mmap %lu MiB: %s", reclaim_mb, strerror(errno));
	for (long f = 0; f < FILLERS; f++)
		EXPECT_PT(pthread_create(&t[f], NULL, dontneed_worker, (void *)f));
	for (int f = 0; f < FILLERS; f++) {
		EXPECT_PT(pthread_join(t[f], NULL));
		bad += dn_bad[f];
	}
	munmap(region, npages * PAGE);
	EXPECT(bad == 0, "%ld pages read back wrong (of %lu, %d rounds)", bad, npages, DN_ROUNDS);
}

/* ================= RSS counted from every CPU ================= */

#define RSS_PAGES	512	/* per thread */

static char *rss_region;

/* RssAnon of /proc/self/status in kB, or -1. */
static long rss_anon_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void *rss_writer(void *arg)
{
	long i = (long)arg;

	pin_self(helper_cpu((int)i));
	for (long p = 0; p < RSS_PAGES; p++)
		rss_region[((i + 1) * RSS_PAGES + p) * PAGE] = 1;
	return NULL;
}

/*
 * Threads on different CPUs fault pages of one mm; RssAnon (VmRSS's
 * anonymous part) counts every page once, and after the main thread
 * unmaps them all it is back where it was. Pagoda keeps the counters per
 * CPU and sums them when read: exact. Linux only promises an estimate
 * (proc(5): "inaccurate because of a kernel-internal scalability
 * optimization": per-thread or per-CPU deltas not yet folded in), so on
 * Linux the sums may be off by a few batches of 64 pages per CPU.
 */
static void rss_counts_every_cpu(void)
{
	int n = helpers();
	size_t pages = (size_t)(n + 1) * RSS_PAGES;
	long slack = ut_on_pagoda() ? 0 : (long)(n + 1) * 2 * 64 * 4;
	long before, after, gone, want;
	pthread_t t[MAX_HELPERS];

	NEED_2_CPUS();
	pin_self(nth_cpu(&cpus, 0));
	rss_region = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(rss_region != MAP_FAILED, "mmap: %s", strerror(errno));
	before = rss_anon_kb();
	EXPECT(before >= 0, "no RssAnon in /proc/self/status");
	for (long i = 0; i < n; i++)
		EXPECT_PT(pthread_create(&t[i], NULL, rss_writer, (void *)i));
	for (size_t p = 0; p < RSS_PAGES; p++)
		rss_region[p * PAGE] = 1;		/* the main thread's share */
	for (int i = 0; i < n; i++)
		EXPECT_PT(pthread_join(t[i], NULL));
	after = rss_anon_kb();
	want = before + (long)pages * 4;
	munmap(rss_region, pages * PAGE);
	gone = rss_anon_kb();
	sched_setaffinity(0, sizeof(cpus), &cpus);
	EXPECT(labs(after - want) <= slack, "RssAnon %ld kB after %zu pages written from %d CPUs, "
	       "want %ld (slack %ld)", after, pages, n + 1, want, slack);
	EXPECT(labs(gone - before) <= slack, "RssAnon %ld kB after munmap, was %ld (slack %ld)",
	       gone, before, slack);
}

/*
 * Arguments: "--reclaim-mb N" sizes reclaim_4_threads' and
 * dontneed_under_reclaim's region; a case name runs that case alone.
 */
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reclaim-mb") && i + 1 < argc)
			reclaim_mb = strtoul(argv[++i], NULL, 0);
		else
			case_only = argv[i];
	}
	ncpus = cpus_allowed(&cpus);
	ut_begin("vm_smp_test");
	CASE(munmap_no_stale_read);
	CASE(mprotect_none_no_stale_read);
	CASE(dontneed_sees_zeros);
	CASE(cow_after_fork_with_writers);
	CASE(reclaim_4_threads);
	CASE(dontneed_under_reclaim);
	CASE(rss_counts_every_cpu);
	return ut_end();
}
