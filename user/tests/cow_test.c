/*
 * cow_test.c - copy-on-write fork and exclusive reuse, seen from user
 * space (the grading tests of lab 5, docs/labs/05-cow.md): what fork
 * shares, who copies on a write, and when a write reuses the frame it
 * faulted on instead of copying it.
 *
 *	fork		private pages are shared, frame for frame, and
 *			neither side is the exclusive mapper any more
 *	a write		by either side while the other still maps the frame
 *			copies it: the writer gets a new frame, the other
 *			keeps the old one and its data
 *	reuse		the last mapper of a frame (the other side exited,
 *			or copied already) writes in place: same frame;
 *			so does a write after clear_refs "4" write-protected
 *			an exclusive page
 *	no reuse	while anyone else still maps the frame
 *	mprotect	giving write permission back makes an exclusive
 *			page writable at once (the next write takes no
 *			fault); a shared one stays copy-on-write
 *
 * Frames are the PFNs of /proc/self/pagemap (bits 0-54, shown to root
 * only) and "exclusive" its bit 56, set when one PTE maps the page. The
 * children of a family obey commands over pipes ('r' report, 'w' write)
 * so every step happens in a known order. Faults are counted with
 * getrusage() on Linux and with /proc/vmstat's pgfault on Pagoda (whose
 * getrusage does not count them); Pagoda's cow_fault and cow_reuse
 * counters (Linux has neither) are checked too. Those are system-wide:
 * a count is taken only while every child of the test is blocked after
 * answering once (a child's first steps fault, copying its stack), and
 * nothing else runs on a test machine.
 *
 * Linux reuses a page only when nothing but its PTE holds it, and a page
 * just faulted may sit in a CPU's LRU batch holding a reference, which a
 * fault drains on its own CPU only: the cases that expect a reuse run
 * pinned to one CPU (vm_fault_test's cow_fork_pfn does the same).
 */
#include "vm_util.h"

#include <sched.h>
#include <sys/resource.h>

#define RW		(PROT_READ | PROT_WRITE)
#define NPAGES		8
#define PM_SOFT_DIRTY	(1ull << 55)

static unsigned long long pfn(uint64_t e)
{
	return e & PM_PFN_MASK;
}

/* ---- counters ---- */

/* Faults this process took so far (see the top), or -1. */
static long long faults_now(void)
{
	struct rusage ru;

	if (ut_on_pagoda())
		return vm_vmstat("pgfault");
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return -1;
	return ru.ru_minflt + ru.ru_majflt;
}

struct cow_counts {
	long long cow_fault, cow_reuse, faults;
};

/*
 * Pagoda's cow_fault and cow_reuse (-1 on Linux) and faults_now(). Read
 * twice: the first read may itself fault (its buffer, the stack pages a
 * fork left copy-on-write); the second cannot.
 */
static void counts(struct cow_counts *c)
{
	for (int i = 0; i < 2; i++) {
		c->cow_fault = ut_on_pagoda() ? vm_vmstat("cow_fault") : -1;
		c->cow_reuse = ut_on_pagoda() ? vm_vmstat("cow_reuse") : -1;
		c->faults = faults_now();
	}
}

/* ---- one CPU (see the top) ---- */

static cpu_set_t saved_cpus;
static int cpu_pinned;

static void pin_cpu(void)
{
	cpu_set_t one;
	int cpu = sched_getcpu();

	cpu_pinned = 0;
	if (cpu < 0 || sched_getaffinity(0, sizeof(saved_cpus), &saved_cpus) < 0)
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	cpu_pinned = sched_setaffinity(0, sizeof(one), &one) == 0;
}

static void unpin_cpu(void)
{
	if (cpu_pinned)
		sched_setaffinity(0, sizeof(saved_cpus), &saved_cpus);
	cpu_pinned = 0;
}

/* ---- a family of processes sharing a region ---- */

#define MAXKIDS		2

struct reply {
	uint64_t e[NPAGES];		/* pagemap entries of the region's pages */
	char c[NPAGES];			/* their first bytes */
};

struct family {
	char *mem;			/* NPAGES private anonymous pages */
	int nkids;
	pid_t kid[MAXKIDS];
	int cmd[MAXKIDS];		/* write end of each child's command pipe */
	int reply[MAXKIDS];		/* read end of each child's replies */
};

static struct family fam;

static void fill_reply(struct reply *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < NPAGES; i++) {
		vm_pagemap(fam.mem + i * PAGE, &r->e[i]);
		r->c[i] = fam.mem[i * PAGE];
	}
}

/*
 * Child: obey commands until the pipe closes: "r" reports the region,
 * "w<page><byte>" writes the byte to the page first.
 */
static void child_loop(int cmd, int out)
{
	struct reply r;
	char c[3];

	while (read(cmd, c, 1) == 1) {
		if (c[0] == 'w') {
			if (read(cmd, c + 1, 2) != 2)
				_exit(97);
			fam.mem[(unsigned char)c[1] * PAGE] = c[2];
		} else if (c[0] != 'r') {
			_exit(96);
		}
		fill_reply(&r);
		if (write(out, &r, sizeof(r)) != sizeof(r))
			_exit(98);
	}
	_exit(0);
}

/* Child @i ends (its pipes close), and is waited for. */
static void kid_stop(int i)
{
	if (fam.cmd[i] >= 0)
		close(fam.cmd[i]);
	if (fam.reply[i] >= 0)
		close(fam.reply[i]);
	if (fam.kid[i] > 0)
		waitpid(fam.kid[i], NULL, 0);
	fam.cmd[i] = fam.reply[i] = -1;
	fam.kid[i] = 0;
}

static void fam_stop(void)
{
	for (int i = 0; i < fam.nkids; i++)
		kid_stop(i);
	if (fam.mem)
		vm_unmap_guarded(fam.mem, NPAGES);
	fam.mem = NULL;
	unpin_cpu();
}

/* The region, written by this process (page i holds 'a' + i). 0 or -1. */
static int fam_region(void)
{
	memset(&fam, 0, sizeof(fam));
	pin_cpu();
	fam.mem = vm_anon(NPAGES);
	if (fam.mem == MAP_FAILED) {
		fam.mem = NULL;
		return -1;
	}
	for (int i = 0; i < NPAGES; i++)
		fam.mem[i * PAGE] = (char)('a' + i);
	return 0;
}

/* Fork one more child. 0, or -1 with errno. */
static int fam_fork(void)
{
	int i = fam.nkids, cp[2], rp[2];

	if (i == MAXKIDS || pipe(cp) < 0)
		return -1;
	if (pipe(rp) < 0) {
		close(cp[0]);
		close(cp[1]);
		return -1;
	}
	fam.kid[i] = fork();
	if (fam.kid[i] == 0) {
		for (int j = 0; j < i; j++) {
			close(fam.cmd[j]);
			close(fam.reply[j]);
		}
		close(cp[1]);
		close(rp[0]);
		child_loop(cp[0], rp[1]);
	}
	close(cp[0]);
	close(rp[1]);
	fam.cmd[i] = cp[1];
	fam.reply[i] = rp[0];
	fam.nkids = i + 1;
	return fam.kid[i] < 0 ? -1 : 0;
}

/* The region, then @nkids children forked. 0, or -1 with errno. */
static int fam_start(int nkids)
{
	if (fam_region() < 0)
		return -1;
	for (int i = 0; i < nkids; i++)
		if (fam_fork() < 0)
			return -1;
	return 0;
}

/* Ask child @i for its view of the region ('r'), or make it write first. */
static int kid_ask(int i, struct reply *r)
{
	return write(fam.cmd[i], "r", 1) == 1 &&
	       read(fam.reply[i], r, sizeof(*r)) == sizeof(*r) ? 0 : -1;
}

static int kid_write(int i, int page, char byte, struct reply *r)
{
	char c[3] = { 'w', (char)page, byte };

	return write(fam.cmd[i], c, 3) == 3 &&
	       read(fam.reply[i], r, sizeof(*r)) == sizeof(*r) ? 0 : -1;
}

/* The pagemap entry of page @i of the region (this process), into @e. */
#define EXPECT_MINE(i, e)	EXPECT_PAGEMAP(fam.mem + (i) * PAGE, e)

#define EXPECT_FAMILY(n) \
	EXPECT(fam_start(n) == 0, "making the family: %s", strerror(errno))

/* ---- fork shares ---- */

static void fork_shares_frames_checks(void)
{
	uint64_t before[NPAGES], e;
	struct reply r;

	EXPECT(fam_region() == 0, "mmap: %s", strerror(errno));
	for (int i = 0; i < NPAGES; i++) {
		EXPECT_MINE(i, before[i]);
		EXPECT((before[i] & PM_PRESENT) && (before[i] & PM_EXCLUSIVE) && pfn(before[i]),
		       "page %d before the fork: %#llx, want present, exclusive, a PFN", i,
		       (unsigned long long)before[i]);
	}
	EXPECT(fam_fork() == 0, "fork: %s", strerror(errno));
	EXPECT(kid_ask(0, &r) == 0, "child did not answer");
	for (int i = 0; i < NPAGES; i++) {
		EXPECT_MINE(i, e);
		EXPECT(pfn(e) == pfn(before[i]),
		       "page %d: the fork moved the parent from PFN %#llx to %#llx", i,
		       pfn(before[i]), pfn(e));
		EXPECT(r.c[i] == 'a' + i, "child reads %#x on page %d", r.c[i], i);
		EXPECT((r.e[i] & PM_PRESENT) && pfn(r.e[i]) == pfn(e),
		       "page %d after fork: child PFN %#llx, parent PFN %#llx: want one "
		       "frame shared (no copy at fork)", i, pfn(r.e[i]), pfn(e));
		EXPECT(!(e & PM_EXCLUSIVE) && !(r.e[i] & PM_EXCLUSIVE),
		       "page %d mapped twice but marked exclusive: parent %#llx child %#llx",
		       i, (unsigned long long)e, (unsigned long long)r.e[i]);
	}
}

/* fork copies no page: every private page is shared, frame for frame. */
static void fork_shares_frames(void)
{
	fork_shares_frames_checks();
	fam_stop();
}

/* ---- a write copies while the frame is shared ---- */

static void parent_write_copies_checks(void)
{
	struct cow_counts c0, c1;
	uint64_t e0, e1;
	struct reply r;

	EXPECT_FAMILY(1);
	EXPECT_MINE(0, e0);
	/* A first answer: the child's own faults (its stack, copied) are done. */
	EXPECT(kid_ask(0, &r) == 0, "child did not answer");
	counts(&c0);
	fam.mem[0] = 'P';
	counts(&c1);
	EXPECT_MINE(0, e1);
	EXPECT(kid_ask(0, &r) == 0, "child did not answer");
	EXPECT(pfn(r.e[0]) == pfn(e0),
	       "the child's page moved from PFN %#llx to %#llx when the parent wrote",
	       pfn(e0), pfn(r.e[0]));
	EXPECT(pfn(e1) != pfn(e0) && (e1 & PM_EXCLUSIVE),
	       "parent's write to a page its child maps: PFN %#llx -> %#llx (%#llx): want "
	       "a new, exclusive frame", pfn(e0), pfn(e1), (unsigned long long)e1);
	EXPECT(r.c[0] == 'a' && fam.mem[0] == 'P',
	       "after the parent's write: child reads %#x (want 'a'), parent %#x", r.c[0],
	       fam.mem[0]);
	EXPECT(r.c[1] == 'b' && pfn(r.e[1]) != 0, "the untouched page changed in the child");
	if (ut_on_pagoda())
		EXPECT(c1.cow_fault == c0.cow_fault + 1 && c1.cow_reuse == c0.cow_reuse,
		       "cow_fault %lld -> %lld, cow_reuse %lld -> %lld: want one copy, no reuse",
		       c0.cow_fault, c1.cow_fault, c0.cow_reuse, c1.cow_reuse);
}

/* The parent writes a page it shares with its child: the parent copies. */
static void parent_write_copies(void)
{
	parent_write_copies_checks();
	fam_stop();
}

static void child_write_copies_checks(void)
{
	uint64_t e0, e1;
	struct reply r0, r;

	EXPECT_FAMILY(1);
	EXPECT(kid_ask(0, &r0) == 0, "child did not answer");
	EXPECT_MINE(2, e0);
	EXPECT(kid_write(0, 2, 'C', &r) == 0, "child did not answer");
	EXPECT_MINE(2, e1);
	EXPECT(r.c[2] == 'C' && fam.mem[2 * PAGE] == 'c',
	       "after the child's write: child reads %#x, parent %#x (want 'C', 'c')",
	       r.c[2], fam.mem[2 * PAGE]);
	EXPECT(pfn(r.e[2]) != pfn(r0.e[2]) && pfn(r.e[2]) != pfn(e1) && (r.e[2] & PM_EXCLUSIVE),
	       "child's write: child PFN %#llx -> %#llx (%#llx), parent's %#llx: want a new "
	       "exclusive frame for the child", pfn(r0.e[2]), pfn(r.e[2]),
	       (unsigned long long)r.e[2], pfn(e1));
	EXPECT(pfn(e1) == pfn(e0) && (e1 & PM_EXCLUSIVE),
	       "parent's page after the child's write: PFN %#llx -> %#llx (%#llx): want the "
	       "same frame, now mapped by the parent alone", pfn(e0), pfn(e1),
	       (unsigned long long)e1);
}

/* The child writes: the child copies; the parent keeps the frame, alone. */
static void child_write_copies(void)
{
	child_write_copies_checks();
	fam_stop();
}

/* ---- reuse by the last mapper ---- */

static void last_sharer_reuses_checks(void)
{
	struct cow_counts c0, c1;
	uint64_t e0, e1;

	EXPECT_FAMILY(1);
	EXPECT_MINE(3, e0);
	kid_stop(0);			/* the child exits: the parent maps the frame alone */
	counts(&c0);
	fam.mem[3 * PAGE] = 'R';
	counts(&c1);
	EXPECT_MINE(3, e1);
	EXPECT(pfn(e1) == pfn(e0) && (e1 & PM_EXCLUSIVE) && fam.mem[3 * PAGE] == 'R',
	       "write after the child exited: PFN %#llx -> %#llx (%#llx): want the same frame "
	       "reused in place", pfn(e0), pfn(e1), (unsigned long long)e1);
	if (ut_on_pagoda())
		EXPECT(c1.cow_reuse == c0.cow_reuse + 1 && c1.cow_fault == c0.cow_fault &&
		       c1.faults == c0.faults + 1,
		       "cow_reuse %lld -> %lld, cow_fault %lld -> %lld, pgfault %lld -> %lld: "
		       "want one write fault that reused the page", c0.cow_reuse, c1.cow_reuse,
		       c0.cow_fault, c1.cow_fault, c0.faults, c1.faults);
}

/* The child exits; the parent's write reuses the frame (no copy). */
static void last_sharer_reuses(void)
{
	last_sharer_reuses_checks();
	fam_stop();
}

static void reuse_after_child_copied_checks(void)
{
	struct cow_counts c0, c1;
	uint64_t e0, e1;
	struct reply r;

	EXPECT_FAMILY(1);
	EXPECT_MINE(4, e0);
	EXPECT(kid_write(0, 4, 'K', &r) == 0, "child did not answer");
	counts(&c0);
	fam.mem[4 * PAGE] = 'M';
	counts(&c1);
	EXPECT_MINE(4, e1);
	EXPECT(pfn(e1) == pfn(e0) && (e1 & PM_EXCLUSIVE),
	       "parent's write after the child copied: PFN %#llx -> %#llx (%#llx): want the "
	       "same frame reused", pfn(e0), pfn(e1), (unsigned long long)e1);
	EXPECT(kid_ask(0, &r) == 0, "child did not answer");
	EXPECT(r.c[4] == 'K' && pfn(r.e[4]) != pfn(e1),
	       "child reads %#x at PFN %#llx, parent's PFN %#llx", r.c[4], pfn(r.e[4]), pfn(e1));
	if (ut_on_pagoda())
		EXPECT(c1.cow_reuse == c0.cow_reuse + 1 && c1.cow_fault == c0.cow_fault,
		       "cow_reuse %lld -> %lld, cow_fault %lld -> %lld: want a reuse, no copy",
		       c0.cow_reuse, c1.cow_reuse, c0.cow_fault, c1.cow_fault);
}

/* The child copied already (and lives on): the parent's write reuses. */
static void reuse_after_child_copied(void)
{
	reuse_after_child_copied_checks();
	fam_stop();
}

static void no_reuse_while_shared_checks(void)
{
	uint64_t e0, e1;
	struct reply r;

	EXPECT_FAMILY(2);
	EXPECT_MINE(5, e0);
	EXPECT(kid_write(0, 5, '0', &r) == 0, "child 0 did not answer");
	/* Child 1 still maps the frame: the parent must copy, not reuse. */
	fam.mem[5 * PAGE] = 'Q';
	EXPECT_MINE(5, e1);
	EXPECT(kid_ask(1, &r) == 0, "child 1 did not answer");
	EXPECT(pfn(e1) != pfn(e0),
	       "parent wrote in place (PFN %#llx) while child 1 still maps it", pfn(e1));
	EXPECT(r.c[5] == 'f' && pfn(r.e[5]) == pfn(e0),
	       "child 1 reads %#x at PFN %#llx: want 'f' at the original %#llx", r.c[5],
	       pfn(r.e[5]), pfn(e0));
	EXPECT(r.e[5] & PM_EXCLUSIVE, "child 1, the last mapper of the original, is not "
	       "exclusive: %#llx", (unsigned long long)r.e[5]);
}

/* Three mappers, one copies: the other two still share, so the next writer copies too. */
static void no_reuse_while_shared(void)
{
	no_reuse_while_shared_checks();
	fam_stop();
}

/* ---- reuse after write protection: clear_refs, mprotect ---- */

/* Does this kernel track soft-dirty (a new VMA shows VmFlags "sd")? */
static int softdirty_supported(void)
{
	char *p = mmap(NULL, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char flags[256];
	int ret;

	if (p == MAP_FAILED)
		return 0;
	ret = vm_smaps_flags(p, flags, sizeof(flags)) == 0 && vm_has_flag(flags, "sd");
	munmap(p, PAGE);
	return ret;
}

static int clear_soft_dirty(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	int ok = fd >= 0 && write(fd, "4", 1) == 1;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static void softdirty_wp_reuses_checks(char *p)
{
	struct cow_counts c0, c1;
	uint64_t e0, e1;

	p[0] = 1;
	EXPECT_PAGEMAP(p, e0);
	EXPECT(clear_soft_dirty() == 0, "clear_refs 4: %s", strerror(errno));
	EXPECT_PAGEMAP(p, e1);
	EXPECT(!(e1 & PM_SOFT_DIRTY) && pfn(e1) == pfn(e0), "after clear_refs 4: %#llx",
	       (unsigned long long)e1);
	counts(&c0);
	p[0] = 2;			/* write-protected: faults */
	counts(&c1);
	EXPECT_PAGEMAP(p, e1);
	EXPECT(pfn(e1) == pfn(e0) && (e1 & PM_EXCLUSIVE) && (e1 & PM_SOFT_DIRTY),
	       "write to a write-protected exclusive page: PFN %#llx -> %#llx (%#llx): want "
	       "the same frame, exclusive, soft-dirty", pfn(e0), pfn(e1),
	       (unsigned long long)e1);
	if (ut_on_pagoda())
		EXPECT(c1.cow_reuse == c0.cow_reuse + 1 && c1.cow_fault == c0.cow_fault,
		       "cow_reuse %lld -> %lld, cow_fault %lld -> %lld: want a reuse, no copy",
		       c0.cow_reuse, c1.cow_reuse, c0.cow_fault, c1.cow_fault);
}

/* clear_refs "4" write-protects an exclusive page: the next write reuses it. */
static void softdirty_wp_reuses(void)
{
	char *p;

	if (!softdirty_supported()) {
		EXPECT(!ut_on_pagoda(), "no VM_SOFTDIRTY (VmFlags sd) on a new mapping");
		SKIP("this kernel has no soft-dirty (CONFIG_MEM_SOFT_DIRTY off)");
	}
	pin_cpu();
	p = vm_anon(1);
	if (p == MAP_FAILED)
		ut_fail("mmap: %s", strerror(errno));
	else
		softdirty_wp_reuses_checks(p);
	if (p != MAP_FAILED)
		vm_unmap_guarded(p, 1);
	unpin_cpu();
}

/* mprotect RO then RW of page @i of the region; 0 or -1. */
static int reprotect(char *a)
{
	return mprotect(a, PAGE, PROT_READ) || mprotect(a, PAGE, RW) ? -1 : 0;
}

static void mprotect_restores_write_checks(char *shared)
{
	long long f0, f1;
	uint64_t e0, e1;
	struct reply r;

	/* Page 6 exclusive (never forked with it): writable again at once. */
	EXPECT_FAMILY(0);
	EXPECT_MINE(6, e0);
	EXPECT(reprotect(fam.mem + 6 * PAGE) == 0, "mprotect: %s", strerror(errno));
	f0 = faults_now();
	f0 = faults_now();
	fam.mem[6 * PAGE] = 'X';
	f1 = faults_now();
	EXPECT_MINE(6, e1);
	EXPECT(f1 == f0 && pfn(e1) == pfn(e0),
	       "write after mprotect(PROT_READ), mprotect(PROT_READ|PROT_WRITE) of an "
	       "exclusive page: %lld faults, PFN %#llx -> %#llx: want no fault, same frame",
	       f1 - f0, pfn(e0), pfn(e1));
	/* A MAP_SHARED page: writable again at once too. */
	shared[0] = 's';
	EXPECT(reprotect(shared) == 0, "mprotect shared: %s", strerror(errno));
	f0 = faults_now();
	shared[0] = 'S';
	f1 = faults_now();
	EXPECT(f1 == f0, "write after mprotect back to RW of a MAP_SHARED page: %lld faults, "
	       "want none", f1 - f0);
	fam_stop();

	/* Page 7 shared with a child: still copy-on-write after mprotect. */
	EXPECT_FAMILY(1);
	EXPECT_MINE(7, e0);
	EXPECT(reprotect(fam.mem + 7 * PAGE) == 0, "mprotect: %s", strerror(errno));
	fam.mem[7 * PAGE] = 'Y';
	EXPECT_MINE(7, e1);
	EXPECT(kid_ask(0, &r) == 0, "child did not answer");
	EXPECT(pfn(e1) != pfn(e0) && r.c[7] == 'h' && pfn(r.e[7]) == pfn(e0),
	       "mprotect made a page the child maps writable: parent PFN %#llx -> %#llx, "
	       "child reads %#x at %#llx", pfn(e0), pfn(e1), r.c[7], pfn(r.e[7]));
}

/* mprotect back to writable: exclusive and shared pages at once, COW ones not. */
static void mprotect_restores_write(void)
{
	char *shared = mmap(NULL, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	EXPECT(shared != MAP_FAILED, "mmap shared: %s", strerror(errno));
	mprotect_restores_write_checks(shared);
	fam_stop();
	munmap(shared, PAGE);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		ut_select(argv[1]);
	ut_begin("cow_test");
	RUN(fork_shares_frames);
	RUN(parent_write_copies);
	RUN(child_write_copies);
	RUN(last_sharer_reuses);
	RUN(reuse_after_child_copied);
	RUN(no_reuse_while_shared);
	RUN(softdirty_wp_reuses);
	RUN(mprotect_restores_write);
	return ut_end();
}
