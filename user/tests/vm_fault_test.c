/*
 * vm_fault_test.c - the page-fault paths, observed through
 * /proc/self/pagemap (present bit, PFN, "exclusively mapped" bit 56,
 * file/shared bit 61) and through the signals bad accesses raise:
 *
 *	read of untouched anon	-> the shared zero page (same PFN everywhere)
 *	write of anon		-> a private page of its own
 *	write of private file	-> a copy replaces the page-cache page
 *	write of shared file	-> the page-cache page itself
 *	fork			-> private pages shared read-only until a
 *				   write; the last sharer reuses, not copies
 *	no VMA			-> SIGSEGV SEGV_MAPERR, exact si_addr
 *	VMA forbids it		-> SIGSEGV SEGV_ACCERR, exact si_addr
 *	kernel copy to/from bad	-> EFAULT
 *
 * PFNs are visible because the tests run as root on both systems.  On
 * Pagoda the extra vmstat counters zero_page_map, cow_fault and
 * cow_reuse (Linux has none of them) are checked as well.
 */
#include "vm_util.h"

#include <sched.h>

#define RW	(PROT_READ | PROT_WRITE)

static unsigned long long pfn(uint64_t e)
{
	return e & PM_PFN_MASK;
}

/* A Pagoda-only vmstat counter, or -1 on Linux (which lacks it). */
static long long pagoda_counter(const char *name)
{
	return ut_on_pagoda() ? vm_vmstat(name) : -1;
}

static void zero_page_shared_pfn(void)
{
	long long zp0 = pagoda_counter("zero_page_map"), zp1;
	char *p = vm_anon(4);
	uint64_t e0, e1, e2;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	REQUIRE_ZERO_PAGE();
	EXPECT_PAGEMAP(p, e0);
	EXPECT(!(e0 & PM_PRESENT), "untouched page present: %#llx",
	       (unsigned long long)e0);
	EXPECT(p[0] == 0 && p[PAGE + 9] == 0, "untouched memory not zero");
	EXPECT_PAGEMAP(p, e0);
	EXPECT_PAGEMAP(p + PAGE, e1);
	EXPECT((e0 & PM_PRESENT) && (e1 & PM_PRESENT),
	       "read pages not present: %#llx %#llx", (unsigned long long)e0,
	       (unsigned long long)e1);
	EXPECT(pfn(e0) != 0 && pfn(e0) == pfn(e1),
	       "two read-only pages have PFNs %#llx and %#llx, want one zero "
	       "page", pfn(e0), pfn(e1));
	EXPECT(!(e0 & PM_EXCLUSIVE) && !(e0 & PM_FILE),
	       "zero page entry %#llx has exclusive/file bits",
	       (unsigned long long)e0);
	/* A write replaces the zero page with a private page. */
	p[0] = 1;
	EXPECT_PAGEMAP(p, e2);
	EXPECT((e2 & PM_PRESENT) && pfn(e2) != pfn(e1),
	       "written page still has zero-page PFN %#llx", pfn(e2));
	EXPECT_PAGEMAP(p + PAGE, e1);
	EXPECT(pfn(e1) == pfn(e0) && p[PAGE] == 0, "other zero page changed");
	if (ut_on_pagoda()) {
		zp1 = vm_vmstat("zero_page_map");
		EXPECT(zp0 >= 0 && zp1 >= zp0 + 2,
		       "zero_page_map %lld -> %lld, want +2", zp0, zp1);
	}
	vm_unmap_guarded(p, 4);
}

static void anon_write_private_pages(void)
{
	char *p = vm_anon(3);
	uint64_t e0, e1;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	p[0] = 1;
	p[PAGE] = 2;
	EXPECT_PAGEMAP(p, e0);
	EXPECT_PAGEMAP(p + PAGE, e1);
	EXPECT((e0 & PM_PRESENT) && (e1 & PM_PRESENT), "written not present");
	EXPECT(pfn(e0) && pfn(e1) && pfn(e0) != pfn(e1),
	       "written pages share PFN %#llx", pfn(e0));
	EXPECT((e0 & PM_EXCLUSIVE) && !(e0 & PM_FILE),
	       "private anon entry %#llx: want exclusive, not file",
	       (unsigned long long)e0);
	EXPECT_PAGEMAP(p + 2 * PAGE, e1);
	EXPECT(!(e1 & PM_PRESENT), "untouched neighbour present");
	vm_unmap_guarded(p, 3);
}

static void private_file_write_copies(void)
{
	int fd = memfd_create("vm_fault_private", 0);
	char *s, *q, c = 0;
	uint64_t es, eq, eq2, eq1;

	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, 2 * PAGE));
	EXPECT(pwrite(fd, "ff", 2, 0) == 2 && pwrite(fd, "gg", 2, PAGE) == 2,
	       "pwrite");
	s = vm_map_guarded(2, PROT_READ, MAP_SHARED, fd, 0);
	q = vm_map_guarded(2, RW, MAP_PRIVATE, fd, 0);
	EXPECT(s != MAP_FAILED && q != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(s[0] == 'f' && q[0] == 'f' && q[PAGE] == 'g', "file content");
	EXPECT_PAGEMAP(s, es);
	EXPECT_PAGEMAP(q, eq);
	EXPECT((eq & PM_PRESENT) && (eq & PM_FILE) && pfn(eq) == pfn(es),
	       "private read maps %#llx, shared %#llx: want the cache page",
	       (unsigned long long)eq, (unsigned long long)es);
	q[0] = 'w';
	EXPECT_PAGEMAP(q, eq2);
	EXPECT((eq2 & PM_PRESENT) && pfn(eq2) != pfn(es),
	       "private write kept the cache PFN %#llx", pfn(eq2));
	EXPECT(!(eq2 & PM_FILE) && (eq2 & PM_EXCLUSIVE),
	       "COW copy entry %#llx: want anon, exclusive",
	       (unsigned long long)eq2);
	EXPECT(s[0] == 'f' && pread(fd, &c, 1, 0) == 1 && c == 'f',
	       "private write reached the file");
	/* The page not written still maps the cache page. */
	EXPECT(q[PAGE] == 'g' && s[PAGE] == 'g', "second page");
	EXPECT_PAGEMAP(q + PAGE, eq1);
	EXPECT_PAGEMAP(s + PAGE, es);
	EXPECT(pfn(eq1) == pfn(es) && (eq1 & PM_FILE),
	       "unwritten private page %#llx is not the cache page %#llx",
	       (unsigned long long)eq1, (unsigned long long)es);
	vm_unmap_guarded(s, 2);
	vm_unmap_guarded(q, 2);
	close(fd);
}

/* Two mappings (separate opens) of one file share the cache page. */
static void shared_file_write_keeps_cache_page(void)
{
	int fd = vm_make_file("shared", 2 * PAGE, 's'), fd2;
	char *a, *b;
	uint64_t ea, eb, ea2;

	EXPECT_OK(fd);
	fd2 = open(ut_path("shared"), O_RDWR);
	EXPECT_OK(fd2);
	a = vm_map_guarded(2, RW, MAP_SHARED, fd, 0);
	b = vm_map_guarded(2, RW, MAP_SHARED, fd2, 0);
	EXPECT(a != MAP_FAILED && b != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(a[0] == 's' && b[0] == 's', "content");
	EXPECT_PAGEMAP(a, ea);
	EXPECT_PAGEMAP(b, eb);
	EXPECT((ea & PM_PRESENT) && (ea & PM_FILE) && pfn(ea) == pfn(eb),
	       "two shared mappings: %#llx vs %#llx", (unsigned long long)ea,
	       (unsigned long long)eb);
	a[0] = 'W';
	EXPECT_PAGEMAP(a, ea2);
	EXPECT(pfn(ea2) == pfn(ea) && (ea2 & PM_FILE),
	       "shared write changed PFN %#llx -> %#llx", pfn(ea), pfn(ea2));
	EXPECT(b[0] == 'W', "other mapper does not see the write");
	EXPECT_PAGEMAP(b, eb);
	EXPECT(pfn(eb) == pfn(ea2), "other mapper's PFN differs");
	vm_unmap_guarded(a, 2);
	vm_unmap_guarded(b, 2);
	close(fd);
	close(fd2);
}

/*
 * Linux keeps a newly faulted page in the faulting CPU's LRU batch, which
 * holds a page reference; a write fault that sees the extra reference
 * drains only its own CPU's batch and, if the page sits in another
 * CPU's, copies instead of reusing.  Keeping the case on one CPU makes
 * Linux's reuse deterministic.  Errors are ignored (Pagoda need not
 * implement affinity: its reuse decision must not depend on it).
 */
static int pin_to_one_cpu(cpu_set_t *old)
{
	cpu_set_t one;
	int cpu = sched_getcpu();

	if (cpu < 0 || sched_getaffinity(0, sizeof(*old), old) < 0)
		return -1;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one);
}

/* Child side of cow_fork: report, write on request, report, wait, exit. */
static void cow_child(char *p, int to_parent, int from_parent)
{
	uint64_t e = 0;
	char go;

	vm_pagemap(p, &e);
	if (write(to_parent, &e, 8) != 8 || read(from_parent, &go, 1) != 1)
		_exit(1);
	p[0] = 2;
	vm_pagemap(p, &e);
	if (write(to_parent, &e, 8) != 8 || read(from_parent, &go, 1) != 1)
		_exit(1);
	_exit(p[0] == 2 ? 0 : 3);
}

/* cow_fork_pfn's checks while the child lives; parent's last entry in *@e. */
static void cow_parent_checks(char *p, int from_child, int to_child,
			      uint64_t *e)
{
	uint64_t ec, ec2;

	EXPECT(read(from_child, &ec, 8) == 8, "child did not report");
	EXPECT(vm_pagemap(p, e) == 0, "pagemap: %s", strerror(errno));
	EXPECT((*e & PM_PRESENT) && pfn(*e) && pfn(*e) == pfn(ec),
	       "after fork parent %#llx child %#llx: want same PFN",
	       (unsigned long long)*e, (unsigned long long)ec);
	EXPECT(!(*e & PM_EXCLUSIVE) && !(ec & PM_EXCLUSIVE),
	       "shared COW page marked exclusive: parent %#llx child %#llx",
	       (unsigned long long)*e, (unsigned long long)ec);
	EXPECT(write(to_child, "g", 1) == 1 && read(from_child, &ec2, 8) == 8,
	       "child lost");
	EXPECT(vm_pagemap(p, e) == 0, "pagemap: %s", strerror(errno));
	EXPECT(pfn(ec2) != pfn(*e) && (ec2 & PM_EXCLUSIVE),
	       "child write: child %#llx parent %#llx: want a new exclusive "
	       "child page", (unsigned long long)ec2, (unsigned long long)*e);
	EXPECT(pfn(*e) == pfn(ec) && (*e & PM_EXCLUSIVE) && p[0] == 1,
	       "after the child's write parent has %#llx (was PFN %#llx, "
	       "byte %d): want same PFN, exclusive, byte 1",
	       (unsigned long long)*e, pfn(ec), p[0]);
}

/*
 * Copy-on-write across fork, step by step:
 *
 *	after fork	both map PFN X, neither exclusive
 *	child writes	child gets Y != X; the parent's X is exclusive again
 *	child exits,	the parent's write reuses X (the last sharer
 *	parent writes	never copies)
 */
static void cow_fork_pfn(void)
{
	long long cf0 = pagoda_counter("cow_fault");
	long long cr0 = pagoda_counter("cow_reuse");
	char *p = vm_anon(1);
	int c2p[2], p2c[2], st, pinned;
	uint64_t e, ec2;
	cpu_set_t cpus;
	pid_t pid;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	pinned = pin_to_one_cpu(&cpus) == 0;
	p[0] = 1;
	EXPECT_PAGEMAP(p, e);
	EXPECT((e & PM_PRESENT) && (e & PM_EXCLUSIVE), "before fork %#llx",
	       (unsigned long long)e);
	EXPECT_OK(pipe(c2p));
	EXPECT_OK(pipe(p2c));
	pid = ut_fork_piped(c2p, p2c);
	EXPECT_OK(pid);
	if (pid == 0)
		cow_child(p, c2p[1], p2c[0]);
	cow_parent_checks(p, c2p[0], p2c[1], &e);
	if (write(p2c[1], "g", 1) < 0)
		ut_fail("write to child");
	close(p2c[1]);
	close(c2p[0]);
	waitpid(pid, &st, 0);
	if (ut_case_failed) {
		if (pinned)
			sched_setaffinity(0, sizeof(cpus), &cpus);
		return;
	}
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
	/* The last sharer reuses its page: no copy, same PFN. */
	p[0] = 3;
	if (pinned)
		sched_setaffinity(0, sizeof(cpus), &cpus);
	EXPECT_PAGEMAP(p, ec2);
	EXPECT(pfn(ec2) == pfn(e) && (ec2 & PM_EXCLUSIVE),
	       "parent write after child exit moved PFN %#llx -> %#llx",
	       pfn(e), pfn(ec2));
	if (ut_on_pagoda()) {
		long long cf1 = vm_vmstat("cow_fault");
		long long cr1 = vm_vmstat("cow_reuse");

		EXPECT(cf0 >= 0 && cf1 > cf0, "cow_fault %lld -> %lld", cf0, cf1);
		EXPECT(cr0 >= 0 && cr1 > cr0, "cow_reuse %lld -> %lld", cr0, cr1);
	}
	vm_unmap_guarded(p, 1);
}

/* Private memory of every kind is copied, never shared, by fork. */
static void fork_private_isolated(void)
{
	static volatile int data_var = 5;
	int fd = memfd_create("vm_fault_isol", 0), st;
	char *a = vm_anon(2), *f, c = 0;
	pid_t pid;

	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, PAGE));
	f = mmap(NULL, PAGE, RW, MAP_PRIVATE, fd, 0);
	EXPECT(a != MAP_FAILED && f != MAP_FAILED, "mmap: %s", strerror(errno));
	a[0] = 'a';
	f[0] = 'f';
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		a[0] = 'A';
		a[PAGE] = 'B';	/* untouched before the fork */
		f[0] = 'F';
		f[1] = 'G';
		data_var = 6;
		_exit(a[0] == 'A' && f[0] == 'F' ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
	EXPECT(a[0] == 'a' && a[PAGE] == 0, "child's anon writes leaked");
	EXPECT(f[0] == 'f' && f[1] == 0, "child's private file writes leaked");
	EXPECT(data_var == 5, "child's .data write leaked");
	EXPECT(pread(fd, &c, 1, 1) == 1 && c == 0, "private write reached file");
	vm_unmap_guarded(a, 2);
	munmap(f, PAGE);
	close(fd);
}

/* fork shares MAP_SHARED pages: same PFN in the child, writes visible. */
static void fork_shares_shared_pages(void)
{
	int fd = memfd_create("vm_fault_shared", 0), pp[2], st;
	char *s = mmap(NULL, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0), *m;
	uint64_t es, em, ce[2];
	pid_t pid;

	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, PAGE));
	m = mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0);
	EXPECT(s != MAP_FAILED && m != MAP_FAILED, "mmap: %s", strerror(errno));
	s[0] = m[0] = 1;
	EXPECT_PAGEMAP(s, es);
	EXPECT_PAGEMAP(m, em);
	EXPECT((es & PM_FILE) && (em & PM_FILE),
	       "shared pages lack bit 61: %#llx %#llx",
	       (unsigned long long)es, (unsigned long long)em);
	EXPECT_OK(pipe(pp));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		s[0] = 's';
		m[0] = 'm';
		vm_pagemap(s, &ce[0]);
		vm_pagemap(m, &ce[1]);
		_exit(write(pp[1], ce, 16) == 16 ? 0 : 1);
	}
	close(pp[1]);
	EXPECT(read(pp[0], ce, 16) == 16, "child did not report");
	close(pp[0]);
	waitpid(pid, &st, 0);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
	EXPECT(s[0] == 's' && m[0] == 'm', "child's shared writes not seen");
	EXPECT(pfn(ce[0]) == pfn(es) && pfn(ce[1]) == pfn(em),
	       "child's shared PFNs %#llx/%#llx, parent's %#llx/%#llx",
	       pfn(ce[0]), pfn(ce[1]), pfn(es), pfn(em));
	munmap(s, PAGE);
	munmap(m, PAGE);
	close(fd);
}

/* No VMA: SEGV_MAPERR at the exact address, read or write. */
static void segv_maperr_exact(void)
{
	char *p = vm_anon(3);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(munmap(p + PAGE, PAGE));
	EXPECT_CHILD_FAULT(p + PAGE + 0x321, VM_READ, SIGSEGV, SEGV_MAPERR,
			   p + PAGE + 0x321);
	EXPECT_CHILD_FAULT(p + PAGE + 0xfff, VM_WRITE, SIGSEGV, SEGV_MAPERR,
			   p + PAGE + 0xfff);
	EXPECT_CHILD_FAULT((char *)8, VM_READ, SIGSEGV, SEGV_MAPERR, 8);
	EXPECT_HERE_FAULT(p + PAGE + 1, VM_WRITE, SIGSEGV, SEGV_MAPERR,
			  p + PAGE + 1);
	/* The neighbours are untouched by all this. */
	EXPECT_CHILD_FAULT(p + 2 * PAGE, VM_WRITE, 0, 0, 0);
	vm_unmap_guarded(p, 3);
}

/* A VMA that forbids the access: SEGV_ACCERR at the exact address. */
static void segv_accerr_exact(void)
{
	char *p = vm_map_guarded(2, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(mprotect(p + PAGE, PAGE, PROT_NONE));
	EXPECT_CHILD_FAULT(p + 0x77, VM_WRITE, SIGSEGV, SEGV_ACCERR, p + 0x77);
	EXPECT_CHILD_FAULT(p + PAGE + 0x78, VM_READ, SIGSEGV, SEGV_ACCERR,
			   p + PAGE + 0x78);
	EXPECT_CHILD_FAULT(p + PAGE + 0x79, VM_WRITE, SIGSEGV, SEGV_ACCERR,
			   p + PAGE + 0x79);
	/* Fault after the page is present (read first) still ACCERR. */
	EXPECT(p[0] == 0, "read");
	EXPECT_HERE_FAULT(p + 0x7a, VM_WRITE, SIGSEGV, SEGV_ACCERR, p + 0x7a);
	vm_unmap_guarded(p, 2);
}

/* MAP_SHARED PROT_READ of an O_RDONLY file can never be written. */
static void segv_write_readonly_shared_file(void)
{
	int rw = vm_make_file("ro", PAGE, 'r'), ro;
	char *s;

	EXPECT_OK(rw);
	ro = open(ut_path("ro"), O_RDONLY);
	EXPECT_OK(ro);
	s = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
	EXPECT(s != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_CHILD_FAULT(s + 0x40, VM_WRITE, SIGSEGV, SEGV_ACCERR, s + 0x40);
	EXPECT(s[0] == 'r', "read");	/* page now present: same result */
	EXPECT_CHILD_FAULT(s + 0x41, VM_WRITE, SIGSEGV, SEGV_ACCERR, s + 0x41);
	munmap(s, PAGE);
	close(rw);
	close(ro);
}

/*
 * Kernel copies from or to bad user memory fail with EFAULT; to or from
 * good but not yet faulted-in memory they succeed.
 */
static void efault_kernel_copies(void)
{
	int fd = memfd_create("vm_fault_efault", 0);
	char *p = vm_anon(4);
	struct stat st;

	EXPECT_OK(fd);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(pwrite(fd, "0123456789abcdef", 16, 0) == 16, "pwrite");
	EXPECT_OK(munmap(p + PAGE, PAGE));
	EXPECT_OK(mprotect(p + 2 * PAGE, PAGE, PROT_NONE));
	EXPECT_OK(mprotect(p + 3 * PAGE, PAGE, PROT_READ));
	/* read() into an unmapped page, a PROT_NONE page, a PROT_READ page. */
	EXPECT_ERRNO(syscall(SYS_pread64, fd, p + PAGE, 16, 0), EFAULT);
	EXPECT_ERRNO(syscall(SYS_pread64, fd, p + 2 * PAGE, 16, 0), EFAULT);
	EXPECT_ERRNO(syscall(SYS_pread64, fd, p + 3 * PAGE, 16, 0), EFAULT);
	EXPECT(p[3 * PAGE] == 0, "PROT_READ page written by the kernel");
	/* write() from an unmapped page or a PROT_NONE page. */
	EXPECT_ERRNO(syscall(SYS_pwrite64, fd, p + PAGE, 16, 0), EFAULT);
	EXPECT_ERRNO(syscall(SYS_pwrite64, fd, p + 2 * PAGE + 8, 16, 0), EFAULT);
	EXPECT_OK(fstat(fd, &st));
	EXPECT(st.st_size == 16, "failed writes changed the size to %lld",
	       (long long)st.st_size);
	/* An untouched but valid page is faulted in by the kernel copy. */
	EXPECT(syscall(SYS_pread64, fd, p + 8, 16, 0) == 16, "read to untouched");
	EXPECT(!memcmp(p + 8, "0123456789abcdef", 16), "read data");
	EXPECT(syscall(SYS_pwrite64, fd, p + 3 * PAGE, 16, 0) == 16,
	       "write from a PROT_READ page: %s", strerror(errno));
	vm_unmap_guarded(p, 4);
	close(fd);
}

int main(void)
{
	ut_begin("vm_fault_test");
	vm_prefer_tmpfs();
	RUN(zero_page_shared_pfn);
	RUN(anon_write_private_pages);
	RUN(private_file_write_copies);
	RUN(shared_file_write_keeps_cache_page);
	RUN(cow_fork_pfn);
	RUN(fork_private_isolated);
	RUN(fork_shares_shared_pages);
	RUN(segv_maperr_exact);
	RUN(segv_accerr_exact);
	RUN(segv_write_readonly_shared_file);
	RUN(efault_kernel_copies);
	return ut_end();
}
