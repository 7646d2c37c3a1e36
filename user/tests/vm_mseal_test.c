/*
 * vm_mseal_test.c - mseal(2): its errno rules, the VMA split it makes
 * (maps, and VmFlags "sl" in smaps), and what a seal refuses with EPERM
 * while changing nothing: munmap, mprotect, pkey_mprotect, mmap over it
 * with MAP_FIXED, brk shrinking over it, and madvise that would discard
 * read-only private anonymous memory. Also what it allows (discarding
 * writable, shared or file memory; mlock), that a fork child inherits it,
 * and that it belongs to one address space: another process, or the
 * program an exec starts, is not bound by it.
 *
 * "Nothing changed" is observed, not assumed: the whole /proc/self/maps
 * text before and after a refused call, and the bytes of the memory.
 *
 * Where Pagoda deliberately differs from Linux: for mprotect and madvise
 * over [unsealed][sealed], Linux 6.12 may change the unsealed VMAs in
 * front before it meets the seal (Documentation/userspace-api/mseal.rst:
 * "partial update might happen"); Pagoda checks the whole range first and
 * changes nothing. Those two checks run on Pagoda only (ut_on_pagoda()).
 *
 * mremap of sealed memory (EPERM as source and destination) is tested
 * with mremap itself.
 */
#include "vm_util.h"

#ifndef __NR_mseal
#define __NR_mseal	462	/* Linux 6.10; Debian 12's headers predate it */
#endif

#define ANON	(MAP_PRIVATE | MAP_ANONYMOUS)
#define RW	(PROT_READ | PROT_WRITE)
/* A place far from the program, heap, mmap area and stack of either kernel. */
#define FAR_ADDR	((char *)0x200000000000ul)

static const char *self_path;

static long sys_mseal(const void *addr, unsigned long len, unsigned long flags)
{
	return syscall(__NR_mseal, addr, len, flags);
}

/* Is the VMA at @p sealed ("sl" in its smaps VmFlags)? */
static int sealed(const void *p)
{
	char flags[256];

	return vm_smaps_flags(p, flags, sizeof(flags)) == 0 && vm_has_flag(flags, "sl");
}

/* Are all @n bytes at @p equal to @c? */
static int all_bytes(const char *p, size_t n, int c)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (char)c)
			return 0;
	return 1;
}

/* The whole /proc/self/maps, for "nothing changed" comparisons. */
static char maps_before[1 << 16], maps_after[1 << 16];

static int snap_maps(char *buf)
{
	return vm_read_file("/proc/self/maps", buf, sizeof(maps_before)) > 0 ? 0 : -1;
}

#define EXPECT_MAPS_UNCHANGED(what) do {				\
	EXPECT(snap_maps(maps_after) == 0, "read maps: %s", strerror(errno));	\
	EXPECT(!strcmp(maps_before, maps_after),			\
	       "%s changed /proc/self/maps:\n%s---\n%s", (what),	\
	       maps_before, maps_after);				\
} while (0)

/*
 * @n read-write private anonymous pages between guards, filled with @c,
 * then given @prot.
 */
static char *anon_filled(size_t n, int c, int prot)
{
	char *p = vm_anon(n);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, c, n * PAGE);
	if (prot != RW && mprotect(p, n * PAGE, prot)) {
		vm_unmap_guarded(p, n);
		return NULL;
	}
	return p;
}

static char child_msg[512];

/* In a child function: fail with a message unless @cond holds. */
#define CHILD_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		snprintf(child_msg, sizeof(child_msg), __VA_ARGS__);	\
		return child_msg;					\
	}								\
} while (0)

/* In a child function: @expr must fail with errno @err. */
#define CHILD_ERRNO(expr, err) do {					\
	long r_;							\
	errno = 0;							\
	r_ = (long)(expr);						\
	CHILD_CHECK(r_ == -1 && errno == (err), "%s: got %ld (%s), want %s",	\
		    #expr, r_, strerror(errno), #err);			\
} while (0)

/* flags, alignment, length rounding and wrap-around: EINVAL; len 0: 0. */
static void mseal_einval(void)
{
	char *p = vm_map_guarded(4, PROT_READ, ANON, -1, 0);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_ERRNO(sys_mseal(p, PAGE, 1), EINVAL);
	EXPECT_ERRNO(sys_mseal(p, PAGE, 0x20), EINVAL);
	EXPECT_ERRNO(sys_mseal(p, 0, 1), EINVAL);		/* flags before len 0 */
	EXPECT_ERRNO(sys_mseal(p + 1, PAGE, 0), EINVAL);
	EXPECT_ERRNO(sys_mseal(p + 1, 0, 0), EINVAL);		/* alignment before len 0 */
	EXPECT_ERRNO(sys_mseal(p, -1ul, 0), EINVAL);		/* rounds up to 0 */
	EXPECT_ERRNO(sys_mseal(p, -PAGE + 1, 0), EINVAL);	/* ... also */
	EXPECT_ERRNO(sys_mseal(p, -2 * PAGE, 0), EINVAL);	/* p + len wraps */
	EXPECT(sys_mseal(p, 0, 0) == 0, "mseal(len 0): %s", strerror(errno));
	EXPECT(!sealed(p), "a refused or empty mseal sealed the VMA");
	vm_unmap_guarded(p, 4);
}

/* Any hole in the range: ENOMEM, and nothing is sealed. */
static void mseal_enomem_holes(void)
{
	char *p = vm_map_guarded(4, PROT_READ, ANON, -1, 0);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(munmap(p + PAGE, PAGE));
	EXPECT_ERRNO(sys_mseal(p, 4 * PAGE, 0), ENOMEM);	/* hole in the middle */
	EXPECT_ERRNO(sys_mseal(p + PAGE, 3 * PAGE, 0), ENOMEM);	/* starts in it */
	EXPECT_ERRNO(sys_mseal(p, 2 * PAGE, 0), ENOMEM);	/* ends in it */
	EXPECT_ERRNO(sys_mseal(p + PAGE, PAGE, 0), ENOMEM);	/* all hole */
	EXPECT(!sealed(p) && !sealed(p + 2 * PAGE), "a refused mseal sealed something");
	/* The mapped parts on either side can still be sealed alone. */
	EXPECT_OK(sys_mseal(p, PAGE, 0));
	EXPECT_OK(sys_mseal(p + 2 * PAGE, 2 * PAGE, 0));
	EXPECT(sealed(p) && sealed(p + 3 * PAGE), "not sealed");
}

/*
 * Sealing part of a VMA splits it: maps shows three lines, "sl" only on
 * the middle. Sealing again is a no-op; sealing a neighbour merges it
 * with the sealed part (the flag is part of the merge comparison).
 */
static void mseal_splits_and_merges(void)
{
	char *p = vm_map_guarded(4, PROT_READ, ANON, -1, 0);
	struct vm_map m;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(sys_mseal(p + PAGE, 2 * PAGE, 0));
	EXPECT(vm_maps_count(p, 4 * PAGE) == 3, "%d maps lines, want 3",
	       vm_maps_count(p, 4 * PAGE));
	EXPECT(vm_maps_find(p + PAGE, &m) == 0 && m.start == (unsigned long)(p + PAGE) &&
	       m.end == (unsigned long)(p + 3 * PAGE), "sealed line '%s'", m.line);
	EXPECT(sealed(p + PAGE) && !sealed(p) && !sealed(p + 3 * PAGE),
	       "sl on the wrong VMAs");
	EXPECT_OK(sys_mseal(p + PAGE, 2 * PAGE, 0));		/* idempotent */
	EXPECT(vm_maps_count(p, 4 * PAGE) == 3, "sealing twice changed the layout");
	EXPECT_OK(sys_mseal(p + 3 * PAGE, PAGE, 0));
	EXPECT(vm_maps_count(p, 4 * PAGE) == 2, "%d maps lines after sealing the tail, want 2",
	       vm_maps_count(p, 4 * PAGE));
	EXPECT(vm_maps_find(p + PAGE, &m) == 0 && m.start == (unsigned long)(p + PAGE) &&
	       m.end == (unsigned long)(p + 4 * PAGE), "merged line '%s'", m.line);
	EXPECT(!sealed(p), "the unsealed head became sealed");
}

/* munmap of any part: EPERM; no VMA split or removed, no byte lost. */
static void munmap_refused(void)
{
	char *p = anon_filled(4, 0x5a, RW);

	EXPECT(p, "mmap: %s", strerror(errno));
	EXPECT_OK(sys_mseal(p + PAGE, 2 * PAGE, 0));
	EXPECT_OK(snap_maps(maps_before));
	EXPECT_ERRNO(munmap(p + PAGE, 2 * PAGE), EPERM);	/* all of it */
	EXPECT_ERRNO(munmap(p + 2 * PAGE, PAGE), EPERM);	/* a part */
	EXPECT_ERRNO(munmap(p, 4 * PAGE), EPERM);		/* with unsealed neighbours */
	EXPECT_ERRNO(munmap(p + PAGE, 3 * PAGE), EPERM);
	EXPECT_MAPS_UNCHANGED("a refused munmap");
	EXPECT(all_bytes(p, 4 * PAGE, 0x5a), "memory changed by a refused munmap");
	/* The unsealed parts are ordinary memory. */
	EXPECT_OK(munmap(p, PAGE));
	EXPECT_OK(munmap(p + 3 * PAGE, PAGE));
	EXPECT(sealed(p + PAGE), "the sealed part lost its seal");
}

/*
 * mprotect and pkey_mprotect of any part: EPERM, even when asking for the
 * protection it has; nothing changes, the memory stays writable.
 */
static void mprotect_refused(void)
{
	char *p = anon_filled(4, 0x5a, RW);

	EXPECT(p, "mmap: %s", strerror(errno));
	EXPECT_OK(sys_mseal(p + PAGE, 2 * PAGE, 0));
	EXPECT_OK(snap_maps(maps_before));
	EXPECT_ERRNO(mprotect(p + PAGE, 2 * PAGE, PROT_READ), EPERM);
	EXPECT_ERRNO(mprotect(p + 2 * PAGE, PAGE, PROT_NONE), EPERM);
	EXPECT_ERRNO(mprotect(p + PAGE, PAGE, RW), EPERM);	/* no change asked */
	EXPECT_ERRNO(mprotect(p + PAGE, 3 * PAGE, PROT_READ), EPERM);	/* sealed first */
	EXPECT_ERRNO(syscall(__NR_pkey_mprotect, p + PAGE, PAGE, PROT_READ, -1), EPERM);
	EXPECT_MAPS_UNCHANGED("a refused mprotect");
	p[PAGE] = 1;						/* still writable */
	p[3 * PAGE - 1] = 2;
	/* [unsealed][sealed]: refused; Pagoda changes nothing (see the top). */
	EXPECT_ERRNO(mprotect(p, 2 * PAGE, PROT_READ), EPERM);
	if (ut_on_pagoda())
		EXPECT_MAPS_UNCHANGED("mprotect over [unsealed][sealed]");
	/* The unsealed tail is ordinary memory. */
	EXPECT_OK(mprotect(p + 3 * PAGE, PAGE, PROT_READ));
}

/* mmap(MAP_FIXED) over any part: EPERM; MAP_FIXED_NOREPLACE stays EEXIST. */
static void map_fixed_refused(void)
{
	char *p = anon_filled(4, 0x5a, RW);

	EXPECT(p, "mmap: %s", strerror(errno));
	EXPECT_OK(sys_mseal(p + PAGE, 2 * PAGE, 0));
	EXPECT_OK(snap_maps(maps_before));
	EXPECT_ERRNO(mmap(p + PAGE, 2 * PAGE, PROT_READ, ANON | MAP_FIXED, -1, 0), EPERM);
	EXPECT_ERRNO(mmap(p + 2 * PAGE, PAGE, RW, ANON | MAP_FIXED, -1, 0), EPERM);
	EXPECT_ERRNO(mmap(p, 4 * PAGE, PROT_NONE, ANON | MAP_FIXED, -1, 0), EPERM);
	EXPECT_ERRNO(mmap(p + PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
	EXPECT_MAPS_UNCHANGED("a refused MAP_FIXED");
	EXPECT(all_bytes(p, 4 * PAGE, 0x5a), "memory changed by a refused MAP_FIXED");
	/* Over the unsealed head only: allowed, as ever. */
	EXPECT(mmap(p, PAGE, RW, ANON | MAP_FIXED, -1, 0) == p, "MAP_FIXED beside: %s",
	       strerror(errno));
	EXPECT(p[0] == 0, "the new head is not fresh memory");
}

/*
 * Discarding advice on sealed read-only private anonymous memory:
 * MADV_DONTNEED, MADV_FREE, MADV_DONTFORK give EPERM, and the data stays.
 * Advice that discards nothing is accepted. PROT_NONE counts as read-only.
 */
static void madvise_ro_anon_refused(void)
{
	char *p = anon_filled(4, 0x5a, PROT_READ);
	char *n = vm_map_guarded(1, PROT_NONE, ANON, -1, 0);
	long rss;

	EXPECT(p && n != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(sys_mseal(p + PAGE, 2 * PAGE, 0));
	EXPECT_OK(sys_mseal(n, PAGE, 0));
	rss = vm_smaps_kb(p + PAGE, "Rss");
	EXPECT(rss == 8, "sealed part Rss %ld kB, want 8", rss);
	EXPECT_OK(snap_maps(maps_before));
	EXPECT_ERRNO(madvise(p + PAGE, 2 * PAGE, MADV_DONTNEED), EPERM);
	EXPECT_ERRNO(madvise(p + 2 * PAGE, PAGE, MADV_FREE), EPERM);
	EXPECT_ERRNO(madvise(p + PAGE, PAGE, MADV_DONTFORK), EPERM);
	EXPECT_ERRNO(madvise(p + PAGE, 3 * PAGE, MADV_DONTNEED), EPERM);	/* sealed first */
	EXPECT_ERRNO(madvise(n, PAGE, MADV_DONTNEED), EPERM);
	EXPECT_MAPS_UNCHANGED("a refused madvise");
	EXPECT(all_bytes(p + PAGE, 2 * PAGE, 0x5a), "sealed data discarded");
	EXPECT(vm_smaps_kb(p + PAGE, "Rss") == 8, "sealed part lost pages: Rss %ld kB",
	       vm_smaps_kb(p + PAGE, "Rss"));
	/* [unsealed][sealed]: refused; Pagoda discards nothing (see the top). */
	EXPECT_ERRNO(madvise(p, 2 * PAGE, MADV_DONTNEED), EPERM);
	if (ut_on_pagoda())
		EXPECT(all_bytes(p, PAGE, 0x5a), "refused madvise discarded the unsealed head");
	/* Advice that discards nothing. */
	EXPECT_OK(madvise(p + PAGE, 2 * PAGE, MADV_RANDOM));
	EXPECT_OK(madvise(p + PAGE, 2 * PAGE, MADV_WILLNEED));
	EXPECT_OK(madvise(p + PAGE, 2 * PAGE, MADV_DODUMP));
	EXPECT_OK(madvise(p + PAGE, 2 * PAGE, MADV_POPULATE_READ));
	EXPECT(all_bytes(p + PAGE, 2 * PAGE, 0x5a), "sealed data changed");
	/* The unsealed tail may be discarded as ever. */
	EXPECT_OK(madvise(p + 3 * PAGE, PAGE, MADV_DONTNEED));
	EXPECT(all_bytes(p + 3 * PAGE, PAGE, 0), "DONTNEED of the unsealed tail kept data");
}

/*
 * Where the caller could overwrite the memory anyway, a seal does not
 * stop a discard: writable private anonymous memory, shared anonymous
 * memory, a private file mapping (its pages come back from the file).
 * munmap stays refused.
 */
static void madvise_discard_allowed(void)
{
	char *w = anon_filled(2, 0x5a, RW);
	char *s = vm_map_guarded(2, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fd = memfd_create("vm_mseal_file", 0);
	char buf[2 * PAGE];
	char *f;

	EXPECT(w && s != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(fd);
	memset(buf, 'f', sizeof(buf));
	EXPECT(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "write: %s",
	       strerror(errno));
	f = vm_map_guarded(2, PROT_READ, MAP_PRIVATE, fd, 0);
	EXPECT(f != MAP_FAILED, "mmap file: %s", strerror(errno));
	EXPECT(f[0] == 'f', "file mapping reads %#x", f[0]);
	EXPECT_OK(sys_mseal(w, 2 * PAGE, 0));
	EXPECT_OK(sys_mseal(s, 2 * PAGE, 0));
	EXPECT_OK(sys_mseal(f, 2 * PAGE, 0));
	EXPECT_OK(madvise(w, 2 * PAGE, MADV_DONTNEED));
	EXPECT(all_bytes(w, 2 * PAGE, 0), "DONTNEED of sealed writable memory kept data");
	EXPECT_OK(madvise(w, PAGE, MADV_DONTFORK));
	EXPECT_OK(madvise(s, 2 * PAGE, MADV_DONTNEED));
	EXPECT_OK(madvise(f, 2 * PAGE, MADV_DONTNEED));
	EXPECT(all_bytes(f, 2 * PAGE, 'f'), "private file mapping after DONTNEED");
	EXPECT_ERRNO(munmap(w, 2 * PAGE), EPERM);
	EXPECT_ERRNO(munmap(s, 2 * PAGE), EPERM);
	EXPECT_ERRNO(munmap(f, 2 * PAGE), EPERM);
	close(fd);
}

/* mlock and munlock do not change the mapping: allowed, and the seal stays. */
static void mlock_allowed(void)
{
	char *p = anon_filled(2, 0x5a, PROT_READ);
	char flags[256];

	EXPECT(p, "mmap: %s", strerror(errno));
	EXPECT_OK(sys_mseal(p, 2 * PAGE, 0));
	EXPECT_OK(mlock(p, PAGE));
	EXPECT(vm_smaps_flags(p, flags, sizeof(flags)) == 0 && vm_has_flag(flags, "lo") &&
	       vm_has_flag(flags, "sl"), "VmFlags after mlock:%s", flags);
	EXPECT(sealed(p + PAGE), "the unlocked part lost its seal");
	EXPECT_OK(munlock(p, 2 * PAGE));
	EXPECT(sealed(p), "munlock unsealed");
}

/*
 * brk: shrinking over a sealed part of the heap is refused (brk returns
 * the old break, the data stays); shrinking the unsealed part above it
 * and growing again work, and the new part is not sealed. In a child, so
 * that this process's heap is left alone.
 */
static const char *brk_child(void)
{
	unsigned long cur = syscall(SYS_brk, 0), base, top;
	char *heap;

	base = (cur + PAGE - 1) & ~(PAGE - 1);
	top = base + 4 * PAGE;
	CHILD_CHECK((unsigned long)syscall(SYS_brk, top) == top, "brk grow failed");
	heap = (char *)base;
	memset(heap, 0x5a, 4 * PAGE);
	CHILD_CHECK(sys_mseal(heap, 2 * PAGE, 0) == 0, "mseal heap: %s", strerror(errno));
	CHILD_CHECK((unsigned long)syscall(SYS_brk, base + PAGE) == top,
		    "brk shrank over the sealed heap");
	CHILD_CHECK(all_bytes(heap, 4 * PAGE, 0x5a), "heap data lost");
	CHILD_CHECK((unsigned long)syscall(SYS_brk, base + 2 * PAGE) == base + 2 * PAGE,
		    "brk could not shrink the unsealed part");
	CHILD_CHECK((unsigned long)syscall(SYS_brk, top) == top, "brk could not grow again");
	CHILD_CHECK(sealed(heap) && !sealed(heap + 2 * PAGE), "sl on the wrong heap part");
	heap[3 * PAGE] = 1;
	return NULL;
}

static void brk_refused(void)
{
	run_in_child(brk_child);
}

/* A fork child's copy is sealed too: its munmap, mprotect, DONTNEED fail. */
static char *forked;

static const char *fork_child(void)
{
	CHILD_CHECK(sealed(forked), "the child's copy is not sealed");
	CHILD_ERRNO(munmap(forked, 2 * PAGE), EPERM);
	CHILD_ERRNO(mprotect(forked, PAGE, RW), EPERM);
	CHILD_ERRNO(madvise(forked, 2 * PAGE, MADV_DONTNEED), EPERM);
	CHILD_ERRNO(mmap(forked, PAGE, RW, ANON | MAP_FIXED, -1, 0), EPERM);
	CHILD_CHECK(all_bytes(forked, 2 * PAGE, 0x5a), "the child's copy lost data");
	return NULL;
}

static void fork_inherits_seal(void)
{
	forked = anon_filled(2, 0x5a, PROT_READ);
	EXPECT(forked, "mmap: %s", strerror(errno));
	EXPECT_OK(sys_mseal(forked, 2 * PAGE, 0));
	run_in_child(fork_child);
}

/*
 * A seal binds one address space. A child that seals memory it shares
 * copy-on-write with us leaves our mapping unsealed, while it lives and
 * after it has exited.
 */
static void seal_is_per_process(void)
{
	char *p = anon_filled(2, 0x5a, RW);
	int go[2], done[2], st;
	char c = 0;
	pid_t pid;

	EXPECT(p, "mmap: %s", strerror(errno));
	EXPECT_OK(pipe(go));
	EXPECT_OK(pipe(done));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		c = sys_mseal(p, 2 * PAGE, 0) == 0 && sealed(p) ? 'y' : 'n';
		if (write(done[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	EXPECT(read(done[0], &c, 1) == 1 && c == 'y', "the child could not seal");
	EXPECT(!sealed(p), "the child's seal shows in the parent");
	EXPECT_OK(mprotect(p, PAGE, PROT_READ));		/* while the child lives */
	EXPECT(write(go[1], &c, 1) == 1, "write: %s", strerror(errno));
	waitpid(pid, &st, 0);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
	EXPECT_OK(munmap(p, 2 * PAGE));				/* and after it exited */
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
}

/*
 * exec replaces the address space, seals and all: the new program finds
 * FAR_ADDR free and may map there afresh. Its exit status says what it
 * found (the reasons below).
 */
static const char *const exec_why[] = {
	[1] = "the child could not map and seal at FAR_ADDR",
	[2] = "execv failed",
	[3] = "the sealed mapping survived exec",
	[4] = "FAR_ADDR could not be mapped again after exec",
	[5] = "the new mapping at FAR_ADDR came up sealed",
	[6] = "munmap after exec failed",
};

static int after_exec_main(void)
{
	struct vm_map m;
	char *p;

	if (vm_maps_find(FAR_ADDR, &m) == 0)
		return 3;
	p = mmap(FAR_ADDR, PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != FAR_ADDR)
		return 4;
	if (sealed(p))
		return 5;
	return munmap(p, PAGE) ? 6 : 0;
}

static void exec_drops_seal(void)
{
	int st, code;
	pid_t pid = fork();

	EXPECT_OK(pid);
	if (pid == 0) {
		char *argv[] = { (char *)self_path, "--after-exec", NULL };
		char *p = mmap(FAR_ADDR, PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);

		if (p != FAR_ADDR || sys_mseal(p, PAGE, 0) || !sealed(p))
			_exit(1);
		execv(self_path, argv);
		_exit(2);
	}
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	EXPECT(code == 0, "status %#x: %s", st,
	       code > 0 && code <= 6 ? exec_why[code] : "killed or unknown");
}

int main(int argc, char **argv)
{
	static char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (argc > 1 && !strcmp(argv[1], "--after-exec"))
		return after_exec_main();
	if (n > 0) {
		exe[n] = 0;
		self_path = exe;
	} else {
		self_path = argv[0];	/* no /proc/self/exe on Pagoda: runall's path */
	}
	ut_begin("vm_mseal_test");
	RUN(mseal_einval);
	RUN(mseal_enomem_holes);
	RUN(mseal_splits_and_merges);
	RUN(munmap_refused);
	RUN(mprotect_refused);
	RUN(map_fixed_refused);
	RUN(madvise_ro_anon_refused);
	RUN(madvise_discard_allowed);
	RUN(mlock_allowed);
	RUN(brk_refused);
	RUN(fork_inherits_seal);
	RUN(seal_is_per_process);
	RUN(exec_drops_seal);
	return ut_end();
}
