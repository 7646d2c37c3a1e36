/*
 * vm_proc_test.c - the /proc files that report virtual memory, checked
 * for exact Linux format and for values that follow what the test did:
 *
 *	/proc/self/maps		every line re-formatted with Linux's format
 *				must match byte for byte; fields of file,
 *				memfd, anonymous, [heap] and [stack] lines
 *	/proc/self/smaps	Size, Rss, Pss, Shared_*, Private_*, Anonymous,
 *				Locked and VmFlags of mappings we control
 *	/proc/self/pagemap	8-byte entries, EINVAL for partial ones
 *	/proc/meminfo, vmstat	fields exist and move the right way
 *
 * System-wide counters (meminfo, vmstat) are shared with everything else
 * running on the machine, so those cases assert only a direction and a
 * tolerant magnitude, retrying a few times before failing.
 *
 * VmFlags seen on Linux 6.18 for the mappings used here:
 *
 *	private anon rw		rd wr mr mw me ac nh   (nh: our NOHUGEPAGE)
 *	shared memfd rw		rd wr sh mr mw me ms
 *	shared memfd r		rd sh mr mw me ms
 *	shared, O_RDONLY file	rd mr me ms            (no sh, no mw)
 *
 * The tests require the flags Pagoda must produce (rd wr ex sh mr mw me
 * ms lo) and the absence of contradicting ones; extra Linux flags such as
 * ac, nh, sd, mg are tolerated.
 */
#include "vm_util.h"
#include <time.h>

#define RW	(PROT_READ | PROT_WRITE)
#define MIB	(1024 * 1024ul)

/* Fail unless the smaps field @f of the VMA at @a is @want kB. */
#define EXPECT_SMAPS(a, f, want) do {					\
	long v_ = vm_smaps_kb((a), (f));				\
	EXPECT(v_ == (long)(want), "smaps %s: %ld kB, want %ld kB",	\
	       (f), v_, (long)(want));					\
} while (0)

/* Fail unless VmFlags at @a has every flag in @need and none in @deny. */
static int check_vmflags(const void *a, const char *need, const char *deny,
			 char *why, size_t n)
{
	char flags[256], tok[8];
	const char *lists[2] = { need, deny };
	int i, k;

	if (vm_smaps_flags(a, flags, sizeof(flags))) {
		snprintf(why, n, "no VmFlags for %p", a);
		return -1;
	}
	for (i = 0; i < 2; i++) {
		const char *s = lists[i];

		while (sscanf(s, "%7s%n", tok, &k) == 1) {
			if (vm_has_flag(flags, tok) != (i == 0)) {
				snprintf(why, n, "VmFlags '%s': %s '%s'", flags,
					 i == 0 ? "missing" : "unexpected", tok);
				return -1;
			}
			s += k;
		}
	}
	return 0;
}

#define EXPECT_VMFLAGS(a, need, deny) do {				\
	char why_[320];							\
	EXPECT(check_vmflags((a), (need), (deny), why_,			\
			     sizeof(why_)) == 0, "%s", why_);		\
} while (0)

/* Every maps line equals Linux's format applied to its own fields. */
static void maps_exact_format(void)
{
	int fd = vm_make_file("fmt", 2 * PAGE, 'x'), mfd, n = 0;
	char *f, *m, *a, *line, *nl, want[600];
	uintptr_t cur = syscall(SYS_brk, 0);
	struct vm_map v;

	EXPECT_OK(fd);
	mfd = memfd_create("fmt", 0);
	EXPECT_OK(mfd);
	EXPECT_OK(ftruncate(mfd, PAGE));
	f = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
	m = mmap(NULL, PAGE, RW, MAP_SHARED, mfd, 0);
	a = mmap(NULL, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(f != MAP_FAILED && m != MAP_FAILED && a != MAP_FAILED,
	       "mmap: %s", strerror(errno));
	EXPECT(syscall(SYS_brk, cur + PAGE) == (long)(cur + PAGE), "brk");
	EXPECT(vm_read_file("/proc/self/maps", vm_buf, sizeof(vm_buf)) > 0,
	       "read maps: %s", strerror(errno));
	for (line = vm_buf; *line; line = nl + 1, n++) {
		nl = strchr(line, '\n');
		EXPECT(nl, "maps does not end in a newline");
		*nl = 0;
		EXPECT(vm_maps_parse(line, &v) == 0, "unparsable: '%s'", line);
		vm_maps_format(&v, want, sizeof(want));
		EXPECT(!strcmp(line, want), "maps line\n  got  '%s'\n  want '%s'",
		       line, want);
		EXPECT(v.start < v.end && !(v.start & (PAGE - 1)) &&
		       !(v.end & (PAGE - 1)), "bad range '%s'", line);
	}
	EXPECT(n >= 6, "only %d maps lines", n);
	syscall(SYS_brk, cur);
	munmap(f, PAGE);
	munmap(m, PAGE);
	munmap(a, PAGE);
	close(fd);
	close(mfd);
}

/* A file mapping's line matches stat(): dev, inode, offset, path. */
static void maps_file_fields(void)
{
	int fd = vm_make_file("fields", 3 * PAGE, 'y');
	struct vm_map v;
	struct stat st;
	char *f;

	EXPECT_OK(fd);
	EXPECT_OK(stat(ut_path("fields"), &st));
	f = mmap(NULL, 2 * PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, PAGE);
	EXPECT(f != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(vm_maps_find(f, &v) == 0, "no maps line");
	EXPECT(v.start == (unsigned long)f && v.end == (unsigned long)f + 2 * PAGE,
	       "range in '%s'", v.line);
	EXPECT(!strcmp(v.perms, "r-xp") && v.offset == PAGE,
	       "perms/offset in '%s'", v.line);
	EXPECT(v.major == major(st.st_dev) && v.minor == minor(st.st_dev) &&
	       v.inode == st.st_ino,
	       "'%s': want dev %02x:%02x inode %lu", v.line, major(st.st_dev),
	       minor(st.st_dev), (unsigned long)st.st_ino);
	EXPECT(!strcmp(v.path, ut_path("fields")), "path '%s', want '%s'",
	       v.path, ut_path("fields"));
	/* The path starts at column 73 (the prefix is shorter than 72). */
	EXPECT(strlen(v.line) > 73 && v.line[72] == ' ' && v.line[73] == '/',
	       "path not at column 73: '%s'", v.line);
	/* Unlinked, the file is shown " (deleted)". */
	EXPECT_OK(unlink(ut_path("fields")));
	EXPECT(vm_maps_find(f, &v) == 0, "no maps line");
	{
		char want[300];

		snprintf(want, sizeof(want), "%s (deleted)", ut_path("fields"));
		EXPECT(!strcmp(v.path, want), "unlinked path '%s'", v.path);
	}
	munmap(f, 2 * PAGE);
	close(fd);
}

/*
 * Anonymous lines: offset 0, device 00:00, inode 0, no path (and the
 * trailing space after the inode).  Linux shows MAP_SHARED|MAP_ANONYMOUS
 * as its backing shmem file, "/dev/zero (deleted)" with that file's
 * device and inode; an anonymous-style line is also accepted for it.
 */
static void maps_anon_fields(void)
{
	char *a = vm_anon(2);
	char *s = mmap(NULL, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct vm_map v;

	EXPECT(a != MAP_FAILED && s != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(vm_maps_find(a, &v) == 0, "no maps line");
	EXPECT(v.offset == 0 && v.major == 0 && v.minor == 0 && v.inode == 0 &&
	       v.path[0] == 0 && !strcmp(v.perms, "rw-p"),
	       "private anon line '%s'", v.line);
	EXPECT(v.line[strlen(v.line) - 1] == ' ' &&
	       v.line[strlen(v.line) - 2] == '0',
	       "anon line must end in \"0 \": '%s'", v.line);
	EXPECT(vm_maps_find(s, &v) == 0, "no maps line");
	EXPECT(!strcmp(v.perms, "rw-s") && v.offset == 0, "shared anon '%s'",
	       v.line);
	EXPECT(!strcmp(v.path, "/dev/zero (deleted)") ||
	       (!v.path[0] && v.inode == 0 && v.major == 0 && v.minor == 0),
	       "shared anon line '%s'", v.line);
	vm_unmap_guarded(a, 2);
	munmap(s, PAGE);
}

static void maps_heap_and_stack(void)
{
	uintptr_t cur = syscall(SYS_brk, 0);
	volatile int local = 1;
	struct vm_map v;

	EXPECT(syscall(SYS_brk, cur + 3 * PAGE) == (long)(cur + 3 * PAGE),
	       "brk grow");
	((volatile char *)cur)[3 * PAGE - 1] = 1;
	if (vm_maps_find((void *)(cur + 3 * PAGE - 1), &v) ||
	    strcmp(v.path, "[heap]") || strcmp(v.perms, "rw-p") ||
	    v.offset || v.inode || v.major || v.minor) {
		syscall(SYS_brk, cur);
		ut_fail("heap line '%s'", v.line);
		return;
	}
	syscall(SYS_brk, cur);
	EXPECT(vm_maps_find((const void *)&local, &v) == 0, "no stack line");
	EXPECT(!strcmp(v.path, "[stack]") && !strcmp(v.perms, "rw-p") &&
	       v.offset == 0 && v.inode == 0 && v.major == 0 && v.minor == 0,
	       "stack line '%s'", v.line);
	EXPECT(local == 1, "local");
}

static void smaps_private_anon(void)
{
	char *p = vm_anon(16);
	int i;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < 10; i++)
		p[i * PAGE] = 1;
	EXPECT_SMAPS(p, "Size", 64);
	EXPECT_SMAPS(p, "Rss", 40);
	EXPECT_SMAPS(p, "Pss", 40);
	EXPECT_SMAPS(p, "Shared_Clean", 0);
	EXPECT_SMAPS(p, "Shared_Dirty", 0);
	EXPECT_SMAPS(p, "Private_Clean", 0);
	EXPECT_SMAPS(p, "Private_Dirty", 40);
	EXPECT_SMAPS(p, "Anonymous", 40);
	EXPECT_SMAPS(p, "Locked", 0);
	EXPECT_VMFLAGS(p, "rd wr mr mw me", "ex sh ms lo");
	EXPECT_OK(mprotect(p, 16 * PAGE, PROT_READ | PROT_EXEC));
	EXPECT_VMFLAGS(p, "rd ex mr mw me", "wr sh ms lo");
	vm_unmap_guarded(p, 16);
}

/*
 * A memfd mapped twice: 4 pages written through A, and B maps only the
 * first 2 (a smaller mapping, so Linux's fault-around cannot map more).
 * In A the 2 doubly-mapped pages are shared (Pss counts half each) and
 * the other 2 private: Rss 16, Pss 4 + 8 = 12.
 */
static void smaps_shared_file(void)
{
	int fd = memfd_create("smaps", 0);
	char *a, *b;

	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, 4 * PAGE));
	a = vm_map_guarded(4, RW, MAP_SHARED, fd, 0);
	b = vm_map_guarded(2, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT(a != MAP_FAILED && b != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(a, 'a', 4 * PAGE);
	EXPECT(b[0] == 'a' && b[PAGE] == 'a', "b reads");
	EXPECT_SMAPS(a, "Size", 16);
	EXPECT_SMAPS(a, "Rss", 16);
	EXPECT_SMAPS(a, "Pss", 12);
	EXPECT_SMAPS(a, "Shared_Clean", 0);
	EXPECT_SMAPS(a, "Shared_Dirty", 8);
	EXPECT_SMAPS(a, "Private_Clean", 0);
	EXPECT_SMAPS(a, "Private_Dirty", 8);
	EXPECT_SMAPS(a, "Anonymous", 0);
	EXPECT_SMAPS(b, "Rss", 8);
	EXPECT_SMAPS(b, "Pss", 4);
	EXPECT_SMAPS(b, "Anonymous", 0);
	EXPECT_VMFLAGS(a, "rd wr sh mr mw me ms", "ex lo");
	EXPECT_VMFLAGS(b, "rd sh mr mw me ms", "wr ex lo");
	vm_unmap_guarded(a, 4);
	vm_unmap_guarded(b, 2);
	close(fd);
}

/* MAP_SHARED of an O_RDONLY file: can never be written, so no sh/mw. */
static void smaps_readonly_shared_file(void)
{
	int rw = vm_make_file("rofile", PAGE, 'r'), ro;
	char *s;

	EXPECT_OK(rw);
	ro = open(ut_path("rofile"), O_RDONLY);
	EXPECT_OK(ro);
	s = vm_map_guarded(1, PROT_READ, MAP_SHARED, ro, 0);
	EXPECT(s != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_VMFLAGS(s, "rd mr me ms", "wr mw sh ex lo");
	{
		struct vm_map v;

		EXPECT(vm_maps_find(s, &v) == 0 && !strcmp(v.perms, "r--s"),
		       "maps still shows 's': '%s'", v.line);
	}
	vm_unmap_guarded(s, 1);
	close(rw);
	close(ro);
}

/* After fork, private pages are shared: Pss is half of Rss. */
static void smaps_pss_after_fork(void)
{
	char *p = vm_anon(8), go;
	int pp[2], st;
	pid_t pid;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 1, 8 * PAGE);
	EXPECT_OK(pipe(pp));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		close(pp[1]);
		_exit(read(pp[0], &go, 1) < 0 ? 1 : 0);
	}
	close(pp[0]);
	{
		long rss = vm_smaps_kb(p, "Rss"), pss = vm_smaps_kb(p, "Pss");
		long sc = vm_smaps_kb(p, "Shared_Clean");
		long sd = vm_smaps_kb(p, "Shared_Dirty");
		long pc = vm_smaps_kb(p, "Private_Clean");
		long pd = vm_smaps_kb(p, "Private_Dirty");
		long an = vm_smaps_kb(p, "Anonymous");

		close(pp[1]);
		waitpid(pid, &st, 0);
		EXPECT(rss == 32 && pss == 16 && sc + sd == 32 && pc + pd == 0 &&
		       an == 32,
		       "with child: Rss %ld Pss %ld Shared %ld+%ld Private "
		       "%ld+%ld Anonymous %ld; want 32 16 32 0 32", rss, pss,
		       sc, sd, pc, pd, an);
	}
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
	EXPECT_SMAPS(p, "Pss", 32);
	EXPECT(vm_smaps_kb(p, "Private_Clean") + vm_smaps_kb(p, "Private_Dirty")
	       == 32, "after the child exit the pages are not private again");
	vm_unmap_guarded(p, 8);
}

static void pagemap_format(void)
{
	int fd = open("/proc/self/pagemap", O_RDONLY), mfd;
	char *p = vm_anon(3), *s, *hole;
	uint64_t e[3], one;
	off_t off;

	EXPECT_OK(fd);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	mfd = memfd_create("pm", 0);
	EXPECT_OK(mfd);
	EXPECT_OK(ftruncate(mfd, PAGE));
	s = mmap(NULL, PAGE, RW, MAP_SHARED, mfd, 0);
	EXPECT(s != MAP_FAILED, "mmap: %s", strerror(errno));
	p[0] = 1;
	p[2 * PAGE] = 1;
	s[0] = 1;
	off = (off_t)((uintptr_t)p / PAGE) * 8;
	/* Entries are 8 bytes: partial or misaligned reads are refused. */
	EXPECT_ERRNO(pread(fd, e, 7, off), EINVAL);
	EXPECT_ERRNO(pread(fd, e, 8, off + 4), EINVAL);
	EXPECT(pread(fd, e, 24, off) == 24, "3-entry read: %s", strerror(errno));
	EXPECT((e[0] & PM_PRESENT) && !(e[1] & PM_PRESENT) &&
	       (e[2] & PM_PRESENT),
	       "present bits %#llx %#llx %#llx", (unsigned long long)e[0],
	       (unsigned long long)e[1], (unsigned long long)e[2]);
	EXPECT((e[0] & PM_EXCLUSIVE) && !(e[0] & PM_FILE) && (e[0] & PM_PFN_MASK),
	       "private anon entry %#llx", (unsigned long long)e[0]);
	EXPECT(vm_pagemap(p + 2 * PAGE, &one) == 0 && one == e[2],
	       "single read %#llx differs from bulk %#llx",
	       (unsigned long long)one, (unsigned long long)e[2]);
	EXPECT(vm_pagemap(s, &one) == 0 && (one & PM_PRESENT) &&
	       (one & PM_FILE) && (one & PM_PFN_MASK),
	       "shared memfd entry %#llx: want present, file",
	       (unsigned long long)one);
	/* An address with no mapping at all reads as not present. */
	hole = p + PAGE;
	EXPECT_OK(munmap(hole, PAGE));
	EXPECT(vm_pagemap(hole, &one) == 0 && !(one & PM_PRESENT),
	       "hole entry %#llx", (unsigned long long)one);
	close(fd);
	vm_unmap_guarded(p, 3);
	munmap(s, PAGE);
	close(mfd);
}

static void meminfo_fields(void)
{
	static const char *f[] = { "MemTotal", "MemFree", "MemAvailable",
				   "Cached", "AnonPages", "Mapped", "Shmem",
				   "Mlocked" };
	long total = vm_meminfo_kb("MemTotal");
	unsigned i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		long v = vm_meminfo_kb(f[i]);

		EXPECT(v >= 0, "meminfo has no %s", f[i]);
		EXPECT(v <= total, "%s %ld kB > MemTotal %ld kB", f[i], v, total);
	}
	EXPECT(total > 0, "MemTotal %ld", total);
	/* The format: "Name:" padded, the number, " kB". */
	EXPECT(vm_read_file("/proc/meminfo", vm_buf, sizeof(vm_buf)) > 0, "read");
	EXPECT(!strncmp(vm_buf, "MemTotal:", 9) && strstr(vm_buf, " kB\n"),
	       "meminfo format: '%.40s'", vm_buf);
}

/*
 * Touching 32 MiB of anonymous memory raises AnonPages by most of that,
 * and unmapping it lowers AnonPages again; this process's VmRSS rises by
 * all of it.  Others may allocate or free meanwhile, so the larger of the
 * rise and the fall must be at least 24 MiB, in one of up to 10 tries.
 * MemFree must fall by as much on Pagoda, but on Linux only not rise:
 * Linux serves allocations from per-CPU page lists whose pages already
 * count as allocated, so its MemFree often stays exactly the same (seen
 * on the host).
 */
static void meminfo_anon_pages(void)
{
	size_t len = 32 * MIB, i;
	long a0, a1, a2, f0, f1, f2, r0, r1;
	int try;

	for (try = 0; try < 10; try++) {
		char *p = mmap(NULL, len, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		long anon, freed;

		EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
		madvise(p, len, MADV_NOHUGEPAGE);
		r0 = vm_status_kb("VmRSS");
		a0 = vm_meminfo_kb("AnonPages");
		f0 = vm_meminfo_kb("MemFree");
		for (i = 0; i < len; i += PAGE)
			p[i] = 1;
		a1 = vm_meminfo_kb("AnonPages");
		f1 = vm_meminfo_kb("MemFree");
		r1 = vm_status_kb("VmRSS");
		munmap(p, len);
		a2 = vm_meminfo_kb("AnonPages");
		f2 = vm_meminfo_kb("MemFree");
		EXPECT(r1 - r0 >= 32768, "VmRSS %ld -> %ld kB: want +32768",
		       r0, r1);
		anon = a1 - a0 > a1 - a2 ? a1 - a0 : a1 - a2;
		freed = f0 - f1 > f2 - f1 ? f0 - f1 : f2 - f1;
		if (anon >= 24 * 1024 &&
		    freed >= (ut_on_pagoda() ? 24 * 1024 : 0))
			return;
	}
	ut_fail("AnonPages %ld -> %ld -> %ld kB, MemFree %ld -> %ld -> %ld kB "
		"(before, touched, unmapped): want AnonPages +24 MiB and "
		"MemFree down", a0, a1, a2, f0, f1, f2);
}

/* A 16 MiB MAP_SHARED memfd, touched, raises Shmem. */
static void meminfo_shmem(void)
{
	size_t len = 16 * MIB, i;
	long s0, s1;
	int try;

	for (try = 0; try < 5; try++) {
		int fd = memfd_create("shmem", 0);
		char *p;

		EXPECT_OK(fd);
		EXPECT_OK(ftruncate(fd, len));
		p = mmap(NULL, len, RW, MAP_SHARED, fd, 0);
		EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
		s0 = vm_meminfo_kb("Shmem");
		for (i = 0; i < len; i += PAGE)
			p[i] = 1;
		s1 = vm_meminfo_kb("Shmem");
		munmap(p, len);
		close(fd);
		if (s1 - s0 >= 12 * 1024)
			return;
	}
	ut_fail("Shmem %ld -> %ld kB: want +12 MiB", s0, s1);
}

/* pgfault counts every fault: touching N fresh pages adds at least N. */
static void vmstat_counters(void)
{
	char *p = vm_anon(256);
	long long f0, f1;
	int i;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(vm_vmstat("pgmajfault") >= 0, "vmstat has no pgmajfault");
	f0 = vm_vmstat("pgfault");
	EXPECT(f0 >= 0, "vmstat has no pgfault");
	for (i = 0; i < 256; i++)
		p[i * PAGE] = 1;
	f1 = vm_vmstat("pgfault");
	EXPECT(f1 - f0 >= 256, "pgfault %lld -> %lld: want +256", f0, f1);
	/* Pagoda's own counters (Linux has none of them). */
	if (ut_on_pagoda()) {
		EXPECT(vm_vmstat("cow_fault") >= 0, "no cow_fault");
		EXPECT(vm_vmstat("cow_reuse") >= 0, "no cow_reuse");
		EXPECT(vm_vmstat("zero_page_map") >= 0, "no zero_page_map");
	}
	vm_unmap_guarded(p, 256);
}

/*
 * A shell's `echo 0 > /proc/self/oom_score_adj` opens with O_TRUNC: /proc
 * files take it (there is nothing to cut) and the write then works.
 */
static void proc_write_with_o_trunc(void)
{
	char buf[16] = "";
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_TRUNC);
	ssize_t n;

	EXPECT(fd >= 0, "open(O_WRONLY|O_TRUNC): %s", strerror(errno));
	n = write(fd, "0\n", 2);
	EXPECT(n == 2, "write: %zd (%s)", n, strerror(errno));
	close(fd);
	fd = open("/proc/self/oom_score_adj", O_RDONLY);
	EXPECT(fd >= 0, "open: %s", strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	EXPECT(n == 2 && !strcmp(buf, "0\n"), "read back \"%s\"", buf);
}

/*
 * The tick profiler (kernel/profile.h), Pagoda's: Linux has /proc/profile
 * only when booted with profile=. Writing a shift turns it on; a busy
 * loop of system calls then shows up as ticks, most of them in the
 * kernel, and the listing names functions and the lock classes section.
 */
static void profile_counts_ticks(void)
{
	static char buf[16384];
	long ticks = -1, user = -1, kernel = -1;
	struct timespec t0, t;
	ssize_t n;
	int fd;

	if (!ut_on_pagoda())
		SKIP("Pagoda's /proc/profile (Linux needs profile= at boot)");
	fd = open("/proc/profile", O_WRONLY);
	EXPECT(fd >= 0, "open /proc/profile: %s", strerror(errno));
	EXPECT(write(fd, "2\n", 2) == 2, "turn on: %s", strerror(errno));
	EXPECT(write(fd, "0\n", 2) == 2, "reset: %s", strerror(errno));
	close(fd);
	/* Two seconds in and out of the kernel: about 200 ticks per CPU busy. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 1000; i++)
			getppid();
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 2000000000L);
	fd = open("/proc/profile", O_RDONLY);
	EXPECT(fd >= 0, "open /proc/profile: %s", strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	EXPECT(n > 0, "read: %s", strerror(errno));
	buf[n] = 0;
	EXPECT(sscanf(buf, "ticks %ld user %ld kernel %ld", &ticks, &user, &kernel) == 3,
	       "header: %.60s", buf);
	EXPECT(ticks == user + kernel, "ticks %ld != %ld + %ld", ticks, user, kernel);
	/* 2 s at HZ 100 is 200 ticks on this CPU; allow a slow, loaded host. */
	EXPECT(ticks >= 50, "only %ld ticks in 2 s", ticks);
	EXPECT(kernel >= 10, "only %ld kernel ticks of %ld", kernel, ticks);
	EXPECT(strstr(buf, "%") != NULL, "no function lines:\n%s", buf);
	EXPECT(strstr(buf, "contended locks: waits spins class") != NULL,
	       "no lock section:\n%s", buf);
	/* Off again: the counters go back (runall checks free memory after). */
	fd = open("/proc/profile", O_WRONLY);
	EXPECT(fd >= 0 && write(fd, "off", 3) == 3, "turn off: %s", strerror(errno));
	close(fd);
	fd = open("/proc/profile", O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	EXPECT(!strncmp(buf, "profiling is off", 16), "after off: %.60s", buf);
}

/* Bad writes to /proc/profile: not a number (EINVAL); the file survives. */
static void profile_bad_writes(void)
{
	int fd;

	if (!ut_on_pagoda())
		SKIP("Pagoda's /proc/profile (Linux needs profile= at boot)");
	fd = open("/proc/profile", O_WRONLY);
	EXPECT(fd >= 0, "open /proc/profile: %s", strerror(errno));
	/* Off (profile_counts_ticks turned it off): garbage is EINVAL. */
	errno = 0;
	EXPECT(write(fd, "x", 1) < 0 && errno == EINVAL, "garbage: %s, want EINVAL",
	       strerror(errno));
	EXPECT(write(fd, "99999999999999999999", 20) < 0 && errno == EINVAL,
	       "huge shift: %s, want EINVAL", strerror(errno));
	EXPECT(write(fd, (void *)1, 4) < 0 && errno == EFAULT, "bad pointer: %s, want EFAULT",
	       strerror(errno));
	close(fd);
}

int main(void)
{
	ut_begin("vm_proc_test");
	vm_prefer_tmpfs();
	RUN(maps_exact_format);
	RUN(maps_file_fields);
	RUN(maps_anon_fields);
	RUN(maps_heap_and_stack);
	RUN(smaps_private_anon);
	RUN(smaps_shared_file);
	RUN(smaps_readonly_shared_file);
	RUN(smaps_pss_after_fork);
	RUN(pagemap_format);
	RUN(meminfo_fields);
	RUN(meminfo_anon_pages);
	RUN(meminfo_shmem);
	RUN(vmstat_counters);
	RUN(proc_write_with_o_trunc);
	RUN(profile_counts_ticks);
	RUN(profile_bad_writes);
	return ut_end();
}
