/*
 * vm_populate_test.c - madvise(MADV_POPULATE_READ / MADV_POPULATE_WRITE):
 * what each prefaults (the zero page for a read of private anonymous
 * memory, private copies for a write, file holes allocated), and every
 * error of Linux's madvise_populate(): EINVAL for bad arguments and for
 * VMAs without the permission, ENOMEM for a hole (after populating what
 * precedes it), EFAULT beyond EOF, 0 for an empty range.
 *
 * Real state is read back from /proc/self/pagemap (present bit, PFN,
 * file bit) and smaps. PFNs need CAP_SYS_ADMIN on Linux: cases that
 * compare them skip without it. A page lost to a swap-in error
 * (EHWPOISON) needs the swap disk: vm_swap_test/read_error_poisons_page.
 * Not covered yet: a fatal signal during a huge populate.
 */
#include "vm_util.h"

#define RW	(PROT_READ | PROT_WRITE)

/* The pagemap entries of @n pages from @p into @e; -1 if one cannot be read. */
static int pagemap_n(const char *p, int n, uint64_t *e)
{
	for (int i = 0; i < n; i++)
		if (vm_pagemap(p + i * PAGE, &e[i]))
			return -1;
	return 0;
}

/* Is every one of @n pages from @p (@want 1) present / (0) absent? */
static int all_present(const char *p, int n, int want)
{
	uint64_t e[16];

	if (n > 16 || pagemap_n(p, n, e))
		return 0;
	for (int i = 0; i < n; i++)
		if (!!(e[i] & PM_PRESENT) != want)
			return 0;
	return 1;
}

static void args_and_empty_ranges(void)
{
	char *p = vm_anon(2);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	/* madvise(0, 0, advice) is 0 exactly when the advice is supported. */
	EXPECT_OK(madvise(NULL, 0, MADV_POPULATE_READ));
	EXPECT_OK(madvise(NULL, 0, MADV_POPULATE_WRITE));
	EXPECT_OK(madvise(p, 0, MADV_POPULATE_WRITE));
	EXPECT(all_present(p, 2, 0), "a zero-length populate faulted pages in");
	EXPECT_ERRNO(madvise(p + 1, PAGE, MADV_POPULATE_READ), EINVAL);
	EXPECT_ERRNO(madvise(p + 1, PAGE, MADV_POPULATE_WRITE), EINVAL);
	/* A length that wraps around the address space. */
	EXPECT_ERRNO(madvise(p, -PAGE, MADV_POPULATE_READ), EINVAL);
	vm_unmap_guarded(p, 2);
}

/* READ maps the shared zero page: present, one PFN for all, no RSS. */
static void read_anon_maps_zero_page(void)
{
	char *p = vm_anon(8);
	uint64_t e[8];

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	REQUIRE_ZERO_PAGE();
	EXPECT_OK(madvise(p, 8 * PAGE, MADV_POPULATE_READ));
	EXPECT(all_present(p, 8, 1), "not every page is present after POPULATE_READ");
	EXPECT(pagemap_n(p, 8, e) == 0, "pagemap: %s", strerror(errno));
	for (int i = 1; i < 8 && (e[0] & PM_PFN_MASK); i++)
		EXPECT((e[i] & PM_PFN_MASK) == (e[0] & PM_PFN_MASK),
		       "page %d has PFN %#llx, page 0 %#llx: not the zero page", i,
		       (unsigned long long)(e[i] & PM_PFN_MASK),
		       (unsigned long long)(e[0] & PM_PFN_MASK));
	EXPECT(vm_smaps_kb(p, "Rss") == 0, "Rss %ld kB for zero pages", vm_smaps_kb(p, "Rss"));
	EXPECT(p[5 * PAGE] == 0, "a zero page that is not zero");
	vm_unmap_guarded(p, 8);
}

/* WRITE allocates private pages: Rss and Anonymous cover the range; pgfault counts them. */
static void write_anon_allocates(void)
{
	char *p = vm_anon(8);
	long long f0 = vm_vmstat("pgfault");

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(madvise(p, 8 * PAGE, MADV_POPULATE_WRITE));
	/* Its faults are page faults, as Linux counts them (in handle_mm_fault). */
	EXPECT(f0 >= 0 && vm_vmstat("pgfault") - f0 >= 8, "pgfault %lld -> %lld: want +8", f0,
	       vm_vmstat("pgfault"));
	EXPECT(all_present(p, 8, 1), "not every page is present after POPULATE_WRITE");
	EXPECT(vm_smaps_kb(p, "Rss") == 32 && vm_smaps_kb(p, "Anonymous") == 32,
	       "Rss %ld kB, Anonymous %ld kB, want 32 and 32", vm_smaps_kb(p, "Rss"),
	       vm_smaps_kb(p, "Anonymous"));
	/* After READ, WRITE replaces the zero page by a page of its own. */
	EXPECT_OK(madvise(p, 8 * PAGE, MADV_POPULATE_READ));
	EXPECT(vm_smaps_kb(p, "Rss") == 32, "READ after WRITE changed Rss");
	vm_unmap_guarded(p, 8);

	p = vm_anon(4);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(madvise(p, 4 * PAGE, MADV_POPULATE_READ));
	EXPECT_OK(madvise(p, 4 * PAGE, MADV_POPULATE_WRITE));
	EXPECT(vm_smaps_kb(p, "Rss") == 16, "Rss %ld kB after READ then WRITE, want 16",
	       vm_smaps_kb(p, "Rss"));
	vm_unmap_guarded(p, 4);
}

/* No permission for the access, PROT_NONE: EINVAL (check_vma_flags). */
static void permissions_einval(void)
{
	char *n = vm_map_guarded(2, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *r = vm_map_guarded(2, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	EXPECT(n != MAP_FAILED && r != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_ERRNO(madvise(n, 2 * PAGE, MADV_POPULATE_READ), EINVAL);
	EXPECT_ERRNO(madvise(n, 2 * PAGE, MADV_POPULATE_WRITE), EINVAL);
	EXPECT_ERRNO(madvise(r, 2 * PAGE, MADV_POPULATE_WRITE), EINVAL);
	EXPECT(all_present(r, 2, 0), "a refused WRITE faulted pages in");
	EXPECT_OK(madvise(r, 2 * PAGE, MADV_POPULATE_READ));
	EXPECT(all_present(r, 2, 1), "READ of a read-only mapping populated nothing");
	vm_unmap_guarded(n, 2);
	vm_unmap_guarded(r, 2);
}

/*
 * The range is done in order up to the first failure: a hole gives
 * ENOMEM, a read-only VMA EINVAL for WRITE; what precedes is populated,
 * what follows is not.
 */
static void hole_and_mixed_range(void)
{
	char *p = vm_anon(3);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(munmap(p + PAGE, PAGE));
	EXPECT_ERRNO(madvise(p, 3 * PAGE, MADV_POPULATE_WRITE), ENOMEM);
	EXPECT(all_present(p, 1, 1), "the page before the hole was not populated");
	EXPECT(all_present(p + 2 * PAGE, 1, 0), "the page after the hole was populated");
	EXPECT_ERRNO(madvise(p, 3 * PAGE, MADV_POPULATE_READ), ENOMEM);
	vm_unmap_guarded(p, 3);

	p = vm_anon(3);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(mprotect(p + PAGE, PAGE, PROT_READ));
	EXPECT_ERRNO(madvise(p, 3 * PAGE, MADV_POPULATE_WRITE), EINVAL);
	EXPECT(all_present(p, 1, 1), "the writable page before was not populated");
	EXPECT(all_present(p + PAGE, 2, 0), "pages from the read-only VMA on were populated");
	EXPECT_OK(madvise(p, 3 * PAGE, MADV_POPULATE_READ));
	EXPECT(all_present(p, 3, 1), "READ over both VMAs left pages out");
	vm_unmap_guarded(p, 3);
}

/* Beyond the end of the file a read would raise SIGBUS: EFAULT, no signal. */
static void beyond_eof_efault(void)
{
	int fd = vm_make_file("populate_eof", PAGE, 'e');
	char *s, *q;

	EXPECT(fd >= 0, "file: %s", strerror(errno));
	s = vm_map_guarded(3, RW, MAP_SHARED, fd, 0);
	q = vm_map_guarded(3, PROT_READ, MAP_PRIVATE, fd, 0);
	EXPECT(s != MAP_FAILED && q != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_ERRNO(madvise(s, 3 * PAGE, MADV_POPULATE_READ), EFAULT);
	EXPECT(all_present(s, 1, 1), "the page inside the file was not populated");
	EXPECT_ERRNO(madvise(s, 3 * PAGE, MADV_POPULATE_WRITE), EFAULT);
	EXPECT_ERRNO(madvise(q, 3 * PAGE, MADV_POPULATE_READ), EFAULT);
	EXPECT(all_present(q, 1, 1) && q[0] == 'e', "private page 0 not populated from the file");
	vm_unmap_guarded(s, 3);
	vm_unmap_guarded(q, 3);
	close(fd);
	unlink(ut_path("populate_eof"));
}

/*
 * Files: READ maps page-cache pages; WRITE of a shared mapping allocates
 * the holes of a sparse file (st_blocks grows); WRITE of a private file
 * mapping gives the process its own anonymous copies (pagemap's file bit
 * goes), and the file keeps its data.
 */
static void file_mappings(void)
{
	int fd = memfd_create("populate", 0);
	struct stat st;
	uint64_t e;
	char *s, *q;

	EXPECT(fd >= 0, "memfd_create: %s", strerror(errno));
	EXPECT_OK(ftruncate(fd, 4 * PAGE));
	EXPECT(pwrite(fd, "f", 1, 0) == 1, "pwrite");
	EXPECT_OK(fstat(fd, &st));
	EXPECT(st.st_blocks == 8, "a one-page memfd has %lld blocks", (long long)st.st_blocks);
	s = vm_map_guarded(4, RW, MAP_SHARED, fd, 0);
	EXPECT(s != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(madvise(s, 4 * PAGE, MADV_POPULATE_WRITE));
	EXPECT(all_present(s, 4, 1), "shared pages not present after POPULATE_WRITE");
	EXPECT_OK(fstat(fd, &st));
	EXPECT(st.st_blocks == 32, "after POPULATE_WRITE the memfd has %lld blocks, want 32",
	       (long long)st.st_blocks);
	EXPECT(vm_pagemap(s, &e) == 0 && (e & PM_FILE), "a shared page without the file bit");

	q = vm_map_guarded(4, RW, MAP_PRIVATE, fd, 0);
	EXPECT(q != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(madvise(q, 4 * PAGE, MADV_POPULATE_READ));
	EXPECT(vm_pagemap(q, &e) == 0 && (e & PM_PRESENT) && (e & PM_FILE) && q[0] == 'f',
	       "POPULATE_READ of a private file mapping: pagemap %#llx",
	       (unsigned long long)e);
	EXPECT_OK(madvise(q, 4 * PAGE, MADV_POPULATE_WRITE));
	EXPECT(vm_pagemap(q, &e) == 0 && (e & PM_PRESENT) && !(e & PM_FILE) && q[0] == 'f',
	       "POPULATE_WRITE did not give a private copy: pagemap %#llx",
	       (unsigned long long)e);
	q[0] = 'p';
	EXPECT(s[0] == 'f', "a write to the private copy reached the file");
	vm_unmap_guarded(q, 4);
	vm_unmap_guarded(s, 4);
	close(fd);
}

/*
 * WRITE breaks COW: a page shared with a forked child becomes the
 * parent's own copy (a new PFN); the child keeps the old page and data.
 */
static void write_breaks_cow_after_fork(void)
{
	char *p = vm_anon(4);
	uint64_t before, after, child_e;
	int to_child[2], to_parent[2], st;
	pid_t pid;
	char c;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 'A', 4 * PAGE);
	EXPECT_OK(pipe(to_child));
	EXPECT_OK(pipe(to_parent));
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		uint64_t e = 0;

		vm_pagemap(p, &e);
		if (write(to_parent[1], &e, sizeof(e)) != sizeof(e) ||
		    read(to_child[0], &c, 1) != 1)
			_exit(2);
		_exit(p[0] == 'A' && p[3 * PAGE] == 'A' ? 0 : 1);
	}
	EXPECT(read(to_parent[0], &child_e, sizeof(child_e)) == sizeof(child_e), "child's pagemap");
	EXPECT_PAGEMAP(p, before);
	if (!(before & PM_PFN_MASK)) {
		c = 'x';
		(void)!write(to_child[1], &c, 1);
		waitpid(pid, &st, 0);
		SKIP("pagemap shows no PFNs here (needs CAP_SYS_ADMIN)");
	}
	EXPECT((before & PM_PFN_MASK) == (child_e & PM_PFN_MASK), "not shared after fork");
	EXPECT_OK(madvise(p, 4 * PAGE, MADV_POPULATE_WRITE));
	EXPECT_PAGEMAP(p, after);
	EXPECT((after & PM_PFN_MASK) != (child_e & PM_PFN_MASK),
	       "still the child's page after POPULATE_WRITE");
	EXPECT(p[0] == 'A', "the copy lost the data");
	memset(p, 'B', 4 * PAGE);
	c = 'g';
	EXPECT(write(to_child[1], &c, 1) == 1, "wake the child");
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "the child saw the parent's writes (status %#x)", st);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	vm_unmap_guarded(p, 4);
}

/*
 * MADV_POPULATE_WRITE of 1 GiB of MAP_NORESERVE memory on a machine with
 * 64 MiB: the populate runs out of memory within milliseconds. The OOM
 * killer (the allocation's last resort, as on Linux) or our SIGKILL 100 ms
 * in, whichever comes first, ends the process; either way it dies of
 * SIGKILL, and the memory it had comes back.
 */
static void kill9_populate_write_beyond_ram(void)
{
	long free0 = vm_meminfo_kb("MemFree");
	int go[2], st = 0;
	pid_t pid;
	char c;

	EXPECT_OK(pipe(go));
	pid = fork();
	if (pid == 0) {
		char *p = mmap(NULL, 1ul << 30, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);

		if (p == MAP_FAILED || write(go[1], "g", 1) != 1)
			_exit(2);
		madvise(p, 1ul << 30, MADV_POPULATE_WRITE);
		_exit(3);			/* it returned: not what Linux does */
	}
	EXPECT(pid > 0, "fork: %s", strerror(errno));
	EXPECT(read(go[0], &c, 1) == 1, "the child did not start");
	usleep(100000);
	kill(pid, SIGKILL);
	alarm(120);
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	alarm(0);
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child status %#x", st);
	EXPECT(vm_meminfo_kb("MemFree") > free0 - 1024, "MemFree %ld kB, was %ld kB",
	       vm_meminfo_kb("MemFree"), free0);
	close(go[0]);
	close(go[1]);
}

/*
 * "small-machine" (the harness's populate-64M boot) runs only the case for
 * a 64 MiB machine; any other argument is a list of cases to run,
 * "case[,case]" (ut_select, make grade), that one among them if named.
 */
int main(int argc, char **argv)
{
	int small = argc > 1 && !strcmp(argv[1], "small-machine");

	ut_begin("vm_populate_test");
	if (argc > 1 && !small)
		ut_select(argv[1]);
	if (argc > 1)
		RUN(kill9_populate_write_beyond_ram);
	if (small)
		return ut_end();
	RUN(args_and_empty_ranges);
	RUN(read_anon_maps_zero_page);
	RUN(write_anon_allocates);
	RUN(permissions_einval);
	RUN(hole_and_mixed_range);
	RUN(beyond_eof_efault);
	RUN(file_mappings);
	RUN(write_breaks_cow_after_fork);
	return ut_end();
}
