/*
 * vm_mmap_test.c - mmap, munmap, mprotect and brk: every flag the
 * virtual-memory issue names, every errno path, and the VMA layout each
 * call leaves behind as /proc/self/maps shows it.
 *
 * Argument checks go through raw syscall() so that musl cannot reject or
 * round anything first.  Layout checks use guarded mappings (vm_util.h)
 * so that a VMA's bounds are exact.  Accesses that must fault are probed
 * in a child.  Linux errno choices that surprise (all checked on Linux):
 *
 *	MAP_PRIVATE|MAP_SHARED	== MAP_SHARED_VALIDATE (3): fine on a file,
 *				EINVAL with MAP_ANONYMOUS (anonymous
 *				mappings take only SHARED or PRIVATE)
 *	directory or pipe fd	ENODEV (no mmap operation), not EACCES
 *	offset >= 2^63 - 4096	EOVERFLOW (beyond MAX_LFS_FILESIZE)
 *
 * File cases: vm_file_test.c; faults: vm_fault_test.c.
 */
#include "vm_util.h"

#include <sys/resource.h>

#define ANON	(MAP_PRIVATE | MAP_ANONYMOUS)
#define RW	(PROT_READ | PROT_WRITE)

/* An area that was free a moment ago (mapped, then unmapped). */
static char *free_area(size_t len)
{
	char *p = mmap(NULL, len, PROT_NONE, ANON, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, len);
	return p;
}

static void mmap_anon_private_and_shared(void)
{
	char *p = vm_anon(4);
	char *s = vm_map_guarded(4, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	EXPECT(p != MAP_FAILED && s != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(p[0] == 0 && s[4 * PAGE - 1] == 0, "fresh memory not zero");
	p[0] = 1;
	s[0] = 2;
	EXPECT_VMA(p, p, p + 4 * PAGE, "rw-p");
	EXPECT_VMA(s, s, s + 4 * PAGE, "rw-s");
	vm_unmap_guarded(p, 4);
	vm_unmap_guarded(s, 4);
}

/* Each PROT combination shows in maps and behaves as it says. */
static void mmap_prot_combinations(void)
{
	static const struct { int prot; const char *perms; } t[] = {
		{ PROT_READ, "r--p" },
		{ PROT_READ | PROT_WRITE, "rw-p" },
		{ PROT_READ | PROT_EXEC, "r-xp" },
		{ PROT_READ | PROT_WRITE | PROT_EXEC, "rwxp" },
	};
	unsigned i;
	char *p;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		p = vm_map_guarded(1, t[i].prot, ANON, -1, 0);
		EXPECT(p != MAP_FAILED, "mmap prot %d: %s", t[i].prot,
		       strerror(errno));
		EXPECT_VMA(p, p, p + PAGE, t[i].perms);
		EXPECT_CHILD_FAULT(p, VM_READ, 0, 0, 0);
		if (t[i].prot & PROT_WRITE)
			EXPECT_CHILD_FAULT(p, VM_WRITE, 0, 0, 0);
		else
			EXPECT_CHILD_FAULT(p + 8, VM_WRITE, SIGSEGV, SEGV_ACCERR,
					   p + 8);
		vm_unmap_guarded(p, 1);
	}
	/* PROT_NONE: "---p", and even a read faults with SEGV_ACCERR. */
	p = mmap(NULL, PAGE, PROT_NONE, ANON, -1, 0);
	EXPECT(p != MAP_FAILED, "mmap PROT_NONE: %s", strerror(errno));
	{
		struct vm_map m;

		EXPECT(vm_maps_find(p, &m) == 0, "no maps line for PROT_NONE");
		EXPECT(!strcmp(m.perms, "---p"), "PROT_NONE line '%s'", m.line);
	}
	EXPECT_CHILD_FAULT(p + 100, VM_READ, SIGSEGV, SEGV_ACCERR, p + 100);
	munmap(p, PAGE);
}

/* PROT_EXEC: code in an executable page runs; in a non-exec page faults. */
static void mmap_prot_exec(void)
{
	char *x = mmap(NULL, PAGE, RW, ANON, -1, 0);

	EXPECT(x != MAP_FAILED, "mmap: %s", strerror(errno));
	x[0] = (char)0xc3;			/* ret */
	EXPECT_CHILD_FAULT(x, VM_EXEC, SIGSEGV, SEGV_ACCERR, x);
	EXPECT_OK(mprotect(x, PAGE, PROT_READ | PROT_EXEC));
	EXPECT_CHILD_FAULT(x, VM_EXEC, 0, 0, 0);
	munmap(x, PAGE);
}

static void mmap_type_einval(void)
{
	int fd = memfd_create("vm_mmap_type", 0);
	long r;

	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, PAGE));
	/* None of PRIVATE/SHARED/SHARED_VALIDATE. */
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0),
		     EINVAL);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, 0, fd, 0), EINVAL);
	/* An undefined map type (4 inside MAP_TYPE). */
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, 0x04 | MAP_ANONYMOUS,
			     -1, 0), EINVAL);
	/* PRIVATE|SHARED is SHARED_VALIDATE: anonymous does not take it... */
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ,
			     MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS, -1, 0),
		     EINVAL);
	/* ...but a file mapping does, as a shared mapping. */
	r = syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE | MAP_SHARED, fd, 0);
	EXPECT(r != -1, "mmap file PRIVATE|SHARED: %s", strerror(errno));
	{
		struct vm_map m;

		EXPECT(vm_maps_find((void *)r, &m) == 0, "no maps line");
		EXPECT(m.perms[3] == 's', "PRIVATE|SHARED line '%s'", m.line);
	}
	munmap((void *)r, PAGE);
	close(fd);
}

static void mmap_shared_validate(void)
{
	int fd = memfd_create("vm_mmap_validate", 0);
	long r;

	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, PAGE));
	r = syscall(SYS_mmap, 0, PAGE, RW, MAP_SHARED_VALIDATE, fd, 0);
	EXPECT(r != -1, "SHARED_VALIDATE: %s", strerror(errno));
	((char *)r)[0] = 'v';
	{
		char c = 0;

		EXPECT(pread(fd, &c, 1, 0) == 1 && c == 'v',
		       "SHARED_VALIDATE mapping is not shared");
	}
	munmap((void *)r, PAGE);
	/* 0x200000 is no MAP_ flag: plain MAP_SHARED ignores it... */
	r = syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED | 0x200000, fd, 0);
	EXPECT(r != -1, "MAP_SHARED with unknown bit: %s", strerror(errno));
	munmap((void *)r, PAGE);
	/* ...MAP_SHARED_VALIDATE refuses it, and MAP_SYNC on tmpfs. */
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ,
			     MAP_SHARED_VALIDATE | 0x200000, fd, 0), EOPNOTSUPP);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ,
			     MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0), EOPNOTSUPP);
	close(fd);
}

static void mmap_einval_args(void)
{
	int fd = memfd_create("vm_mmap_einval", 0);
	char *p;

	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, 2 * PAGE));
	EXPECT_ERRNO(syscall(SYS_mmap, 0, 0, PROT_READ, ANON, -1, 0), EINVAL);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, 0, PROT_READ, MAP_SHARED, fd, 0),
		     EINVAL);
	/* The offset must be page aligned, even for anonymous memory. */
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, fd, 1),
		     EINVAL);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, fd,
			     PAGE + 512), EINVAL);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, ANON, -1, 1), EINVAL);
	/* MAP_FIXED (and FIXED_NOREPLACE) need an aligned address. */
	p = free_area(2 * PAGE);
	EXPECT(p, "mmap: %s", strerror(errno));
	EXPECT_ERRNO(syscall(SYS_mmap, p + 1, PAGE, PROT_READ, ANON | MAP_FIXED,
			     -1, 0), EINVAL);
	EXPECT_ERRNO(syscall(SYS_mmap, p + 100, PAGE, PROT_READ,
			     ANON | MAP_FIXED_NOREPLACE, -1, 0), EINVAL);
	EXPECT(vm_maps_count(p, 2 * PAGE) == 0, "failed mmap left a mapping");
	close(fd);
}

static void mmap_eacces(void)
{
	int rw = vm_make_file("eacces", 2 * PAGE, 'e'), ro, wo;
	long r;

	EXPECT_OK(rw);
	ro = open(ut_path("eacces"), O_RDONLY);
	wo = open(ut_path("eacces"), O_WRONLY);
	EXPECT(ro >= 0 && wo >= 0, "open: %s", strerror(errno));
	/* Not open for reading: every mapping is refused. */
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, wo, 0),
		     EACCES);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_WRITE, MAP_SHARED, wo, 0),
		     EACCES);
	/* Shared and writable needs O_RDWR. */
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, RW, MAP_SHARED, ro, 0), EACCES);
	/* Private writable or shared read-only is fine on O_RDONLY. */
	r = syscall(SYS_mmap, 0, PAGE, RW, MAP_PRIVATE, ro, 0);
	EXPECT(r != -1, "PRIVATE RW of O_RDONLY: %s", strerror(errno));
	EXPECT(((char *)r)[5] == 'e', "private file mapping content");
	munmap((void *)r, PAGE);
	r = syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, ro, 0);
	EXPECT(r != -1, "SHARED R of O_RDONLY: %s", strerror(errno));
	munmap((void *)r, PAGE);
	close(rw);
	close(ro);
	close(wo);
}

/* Files without an mmap operation give ENODEV (Linux), not EACCES. */
static void mmap_enodev(void)
{
	int dir = open(ut_tmpdir(), O_RDONLY | O_DIRECTORY), pp[2];

	EXPECT_OK(dir);
	EXPECT_OK(pipe(pp));
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, dir, 0),
		     ENODEV);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, pp[0], 0),
		     ENODEV);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, pp[0], 0),
		     ENODEV);
	close(dir);
	close(pp[0]);
	close(pp[1]);
}

static void mmap_ebadf(void)
{
	long r;

	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, -1, 0),
		     EBADF);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, 1000, 0),
		     EBADF);
	/* With MAP_ANONYMOUS the fd is ignored. */
	r = syscall(SYS_mmap, 0, PAGE, PROT_READ, ANON, 1000, 0);
	EXPECT(r != -1, "anonymous mmap with a bad fd: %s", strerror(errno));
	munmap((void *)r, PAGE);
}

static void mmap_enomem_huge(void)
{
	EXPECT_ERRNO(syscall(SYS_mmap, 0, 1ul << 47, PROT_READ,
			     ANON | MAP_NORESERVE, -1, 0), ENOMEM);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, 1ul << 52, PROT_READ, ANON, -1, 0),
		     ENOMEM);
	/* Lengths whose page round-up wraps to 0. */
	EXPECT_ERRNO(syscall(SYS_mmap, 0, -PAGE, PROT_READ, ANON, -1, 0), ENOMEM);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, -1ul, PROT_READ, ANON, -1, 0), ENOMEM);
}

/*
 * EOVERFLOW: the page offset lies at or beyond the largest file size
 * (MAX_LFS_FILESIZE = 2^63 - 1) or wraps.  Anonymous mappings ignore the
 * offset (but it must still be aligned).
 */
static void mmap_eoverflow(void)
{
	int fd = memfd_create("vm_mmap_overflow", 0);
	long r;

	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, PAGE));
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, fd,
			     0x7ffffffffffff000ul), EOVERFLOW);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, fd,
			     0x8000000000000000ul), EOVERFLOW);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd,
			     0x7fffffffffffe000ul), EOVERFLOW);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, fd,
			     0xfffffffffffff000ul), EOVERFLOW);
	r = syscall(SYS_mmap, 0, PAGE, PROT_READ, ANON, -1, 0x7ffffffffffff000ul);
	EXPECT(r != -1, "anonymous mmap with a huge offset: %s", strerror(errno));
	munmap((void *)r, PAGE);
	close(fd);
}

static void mmap_fixed_replaces(void)
{
	char *p = vm_anon(3), *q;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 0xaa, 3 * PAGE);
	q = mmap(p + PAGE, PAGE, PROT_READ, ANON | MAP_FIXED, -1, 0);
	EXPECT(q == p + PAGE, "MAP_FIXED returned %p, want %p", (void *)q,
	       (void *)(p + PAGE));
	EXPECT(q[0] == 0 && q[PAGE - 1] == 0, "replaced page not zero");
	EXPECT((unsigned char)p[0] == 0xaa &&
	       (unsigned char)p[2 * PAGE] == 0xaa, "neighbours damaged");
	EXPECT_VMA(p, p, p + PAGE, "rw-p");
	EXPECT_VMA(q, q, q + PAGE, "r--p");
	EXPECT_VMA(p + 2 * PAGE, p + 2 * PAGE, p + 3 * PAGE, "rw-p");
	vm_unmap_guarded(p, 3);
}

static void mmap_fixed_noreplace(void)
{
	char *p = vm_anon(3), *f, *q;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	p[PAGE] = 7;
	/* Any overlap, whole or partial, is a clash. */
	EXPECT_ERRNO(syscall(SYS_mmap, p + PAGE, PAGE, PROT_READ,
			     ANON | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
	EXPECT_ERRNO(syscall(SYS_mmap, p + 2 * PAGE, 2 * PAGE, PROT_READ,
			     ANON | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
	EXPECT(p[PAGE] == 7, "clashing FIXED_NOREPLACE changed memory");
	EXPECT_VMA(p, p, p + 3 * PAGE, "rw-p");
	f = free_area(PAGE);
	EXPECT(f, "mmap: %s", strerror(errno));
	q = mmap(f, PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	EXPECT(q == f, "FIXED_NOREPLACE at free %p returned %p", (void *)f,
	       (void *)q);
	munmap(q, PAGE);
	vm_unmap_guarded(p, 3);
}

static void mmap_hint_honoured(void)
{
	char *f = free_area(4 * PAGE), *q;

	EXPECT(f, "mmap: %s", strerror(errno));
	q = mmap(f + PAGE, PAGE, RW, ANON, -1, 0);
	EXPECT(q == f + PAGE, "free hint %p not honoured: got %p",
	       (void *)(f + PAGE), (void *)q);
	munmap(q, PAGE);
}

static void mmap_null_hint_never_zero(void)
{
	void *v[32];
	int i;

	for (i = 0; i < 32; i++) {
		v[i] = mmap(NULL, PAGE, PROT_READ, ANON, -1, 0);
		EXPECT(v[i] != MAP_FAILED, "mmap: %s", strerror(errno));
		EXPECT(v[i] != NULL, "mmap(NULL, ...) returned 0");
	}
	for (i = 0; i < 32; i++)
		munmap(v[i], PAGE);
}

/*
 * MAP_NORESERVE, MAP_STACK and MAP_GROWSDOWN are accepted and give an
 * ordinary usable mapping.  (Pagoda does not grow MAP_GROWSDOWN
 * mappings automatically, so growth is not tested.)
 */
static void mmap_noreserve_stack_growsdown(void)
{
	static const int extra[] = { MAP_NORESERVE, MAP_STACK, MAP_GROWSDOWN };
	unsigned i;

	for (i = 0; i < 3; i++) {
		char *p = mmap(NULL, 4 * PAGE, RW, ANON | extra[i], -1, 0);

		EXPECT(p != MAP_FAILED, "mmap flag %#x: %s", extra[i],
		       strerror(errno));
		p[3 * PAGE + 5] = 9;
		EXPECT(p[3 * PAGE + 5] == 9, "flag %#x: write lost", extra[i]);
		EXPECT(vm_maps_count(p + 3 * PAGE, PAGE) == 1,
		       "flag %#x: no maps line", extra[i]);
		munmap(p, 4 * PAGE);
	}
}

/* MAP_POPULATE: every page is present right after mmap returns. */
static void mmap_populate(void)
{
	int fd = memfd_create("vm_mmap_populate", 0);
	char *p = mmap(NULL, 16 * PAGE, RW, ANON | MAP_POPULATE, -1, 0);
	uint64_t e;
	size_t i;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < 16; i++) {
		EXPECT_PAGEMAP(p + i * PAGE, e);
		EXPECT(e & PM_PRESENT, "anon page %zu not present: %#llx", i,
		       (unsigned long long)e);
	}
	munmap(p, 16 * PAGE);
	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, 8 * PAGE));
	p = mmap(NULL, 8 * PAGE, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	EXPECT(p != MAP_FAILED, "mmap file: %s", strerror(errno));
	for (i = 0; i < 8; i++) {
		EXPECT_PAGEMAP(p + i * PAGE, e);
		EXPECT((e & PM_PRESENT) && (e & PM_FILE),
		       "file page %zu not present: %#llx", i,
		       (unsigned long long)e);
	}
	munmap(p, 8 * PAGE);
	close(fd);
}

/* MAP_SHARED|MAP_ANONYMOUS memory is shared with a forked child. */
static void mmap_shared_anon_fork(void)
{
	char *s = mmap(NULL, 2 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int st;
	pid_t pid;

	EXPECT(s != MAP_FAILED, "mmap: %s", strerror(errno));
	s[0] = 1;
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		s[0] = 42;
		s[PAGE + 7] = 43;	/* a page the parent never touched */
		_exit(0);
	}
	waitpid(pid, &st, 0);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
	EXPECT(s[0] == 42 && s[PAGE + 7] == 43,
	       "parent sees %d/%d, want 42/43", s[0], s[PAGE + 7]);
	munmap(s, 2 * PAGE);
}

static void munmap_middle_splits(void)
{
	char *p = vm_anon(5);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 3, 5 * PAGE);
	EXPECT_OK(munmap(p + 2 * PAGE, PAGE));
	EXPECT(vm_maps_count(p, 5 * PAGE) == 2, "%d maps lines, want 2",
	       vm_maps_count(p, 5 * PAGE));
	EXPECT_VMA(p, p, p + 2 * PAGE, "rw-p");
	EXPECT_VMA(p + 3 * PAGE, p + 3 * PAGE, p + 5 * PAGE, "rw-p");
	EXPECT(p[2 * PAGE - 1] == 3 && p[3 * PAGE] == 3, "neighbours damaged");
	EXPECT_CHILD_FAULT(p + 2 * PAGE + 64, VM_READ, SIGSEGV, SEGV_MAPERR,
			   p + 2 * PAGE + 64);
	vm_unmap_guarded(p, 5);
}

static void munmap_hole_and_unaligned_length(void)
{
	char *p = vm_anon(3);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(munmap(p + PAGE, PAGE));
	EXPECT_OK(munmap(p + PAGE, PAGE));		/* a hole: no error */
	EXPECT_OK(syscall(SYS_munmap, p, 1));	/* length rounds up */
	EXPECT(vm_maps_count(p, 2 * PAGE) == 0, "first page still mapped");
	EXPECT_VMA(p + 2 * PAGE, p + 2 * PAGE, p + 3 * PAGE, "rw-p");
	vm_unmap_guarded(p, 3);
}

/* One munmap over three VMAs (different prots) and the gaps between. */
static void munmap_spanning_vmas(void)
{
	char *p = vm_anon(7);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(mprotect(p + 2 * PAGE, 2 * PAGE, PROT_READ));
	EXPECT_OK(munmap(p + 4 * PAGE, PAGE));
	EXPECT(vm_maps_count(p, 7 * PAGE) == 3, "setup: %d lines",
	       vm_maps_count(p, 7 * PAGE));
	EXPECT_OK(munmap(p + PAGE, 5 * PAGE));
	EXPECT(vm_maps_count(p, 7 * PAGE) == 2, "after: %d lines, want 2",
	       vm_maps_count(p, 7 * PAGE));
	EXPECT_VMA(p, p, p + PAGE, "rw-p");
	EXPECT_VMA(p + 6 * PAGE, p + 6 * PAGE, p + 7 * PAGE, "rw-p");
	vm_unmap_guarded(p, 7);
}

static void munmap_einval(void)
{
	char *p = vm_anon(2);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_ERRNO(syscall(SYS_munmap, p + 1, PAGE), EINVAL);
	EXPECT_ERRNO(syscall(SYS_munmap, p + PAGE - 1, PAGE), EINVAL);
	EXPECT_ERRNO(syscall(SYS_munmap, p, 0), EINVAL);
	/* A range running past the top of user space. */
	EXPECT_ERRNO(syscall(SYS_munmap, p, 1ul << 48), EINVAL);
	EXPECT(vm_maps_count(p, 2 * PAGE) == 1, "failed munmap unmapped");
	vm_unmap_guarded(p, 2);
}

static void mprotect_split_and_merge(void)
{
	char *p = vm_anon(5);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 4, 5 * PAGE);
	EXPECT_OK(mprotect(p + 2 * PAGE, PAGE, PROT_READ));
	EXPECT(vm_maps_count(p, 5 * PAGE) == 3, "%d lines after split, want 3",
	       vm_maps_count(p, 5 * PAGE));
	EXPECT_VMA(p, p, p + 2 * PAGE, "rw-p");
	EXPECT_VMA(p + 2 * PAGE, p + 2 * PAGE, p + 3 * PAGE, "r--p");
	EXPECT_VMA(p + 3 * PAGE, p + 3 * PAGE, p + 5 * PAGE, "rw-p");
	EXPECT(p[2 * PAGE] == 4, "data lost by mprotect");
	/* Restoring the same protection merges back into one VMA. */
	EXPECT_OK(mprotect(p + 2 * PAGE, PAGE, RW));
	EXPECT(vm_maps_count(p, 5 * PAGE) == 1, "%d lines after merge, want 1",
	       vm_maps_count(p, 5 * PAGE));
	EXPECT_VMA(p, p, p + 5 * PAGE, "rw-p");
	/* A split at the edge: two lines; undone: one. */
	EXPECT_OK(mprotect(p, PAGE, PROT_NONE));
	EXPECT_VMA(p, p, p + PAGE, "---p");
	EXPECT_VMA(p + PAGE, p + PAGE, p + 5 * PAGE, "rw-p");
	EXPECT_OK(mprotect(p, PAGE, RW));
	EXPECT_VMA(p, p, p + 5 * PAGE, "rw-p");
	EXPECT(p[0] == 4 && p[5 * PAGE - 1] == 4, "data lost");
	vm_unmap_guarded(p, 5);
}

static void mprotect_enomem_hole(void)
{
	char *p = vm_anon(3);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(munmap(p + PAGE, PAGE));
	EXPECT_ERRNO(syscall(SYS_mprotect, p, 3 * PAGE, PROT_READ), ENOMEM);
	EXPECT_ERRNO(syscall(SYS_mprotect, p + PAGE, PAGE, PROT_READ), ENOMEM);
	vm_unmap_guarded(p, 3);
}

static void mprotect_eacces_shared_rdonly(void)
{
	int rw = vm_make_file("mprot", PAGE, 'm'), ro;
	char *s, *q;

	EXPECT_OK(rw);
	ro = open(ut_path("mprot"), O_RDONLY);
	EXPECT_OK(ro);
	s = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
	q = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, ro, 0);
	EXPECT(s != MAP_FAILED && q != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_ERRNO(syscall(SYS_mprotect, s, PAGE, RW), EACCES);
	EXPECT_OK(mprotect(s, PAGE, PROT_READ | PROT_EXEC));
	/* A private mapping of the same O_RDONLY file may become writable. */
	EXPECT_OK(mprotect(q, PAGE, RW));
	q[0] = 'x';
	EXPECT(s[0] == 'm', "private write reached the shared mapping");
	munmap(s, PAGE);
	munmap(q, PAGE);
	close(rw);
	close(ro);
}

static void mprotect_einval(void)
{
	char *p = vm_anon(2);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_ERRNO(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ), EINVAL);
	EXPECT_ERRNO(syscall(SYS_mprotect, p, PAGE, PROT_READ | 0x1000), EINVAL);
	EXPECT_ERRNO(syscall(SYS_mprotect, p, PAGE, PROT_READ | 0x80), EINVAL);
	EXPECT_VMA(p, p, p + 2 * PAGE, "rw-p");
	/* An unaligned length rounds up; length 0 is a no-op. */
	EXPECT_OK(syscall(SYS_mprotect, p, 1, PROT_READ));
	EXPECT_VMA(p, p, p + PAGE, "r--p");
	EXPECT_OK(syscall(SYS_mprotect, p + PAGE, 0, PROT_READ));
	EXPECT_VMA(p + PAGE, p + PAGE, p + 2 * PAGE, "rw-p");
	vm_unmap_guarded(p, 2);
}

/* A write after mprotect(PROT_READ): SEGV_ACCERR at the exact address. */
static void mprotect_write_segv(void)
{
	char *p = vm_anon(2);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	p[PAGE + 0x123] = 1;
	EXPECT_OK(mprotect(p + PAGE, PAGE, PROT_READ));
	EXPECT_CHILD_FAULT(p + PAGE + 0x123, VM_WRITE, SIGSEGV, SEGV_ACCERR,
			   p + PAGE + 0x123);
	EXPECT_CHILD_FAULT(p + PAGE + 0x123, VM_READ, 0, 0, 0);
	EXPECT_CHILD_FAULT(p + 0x10, VM_WRITE, 0, 0, 0);
	/* And the same in this process, through a handler. */
	EXPECT_HERE_FAULT(p + PAGE + 0xffe, VM_WRITE, SIGSEGV, SEGV_ACCERR,
			  p + PAGE + 0xffe);
	EXPECT(p[PAGE + 0x123] == 1, "data changed");
	vm_unmap_guarded(p, 2);
}

/* brk: grows and shrinks, new memory is zero, [heap] covers it. */
static void brk_heap(void)
{
	uintptr_t cur = syscall(SYS_brk, 0), top, back;
	size_t len = 5 * PAGE + 100, i;
	struct vm_map m;
	char *h;

	EXPECT(cur != 0, "brk(0) returned 0");
	top = syscall(SYS_brk, cur + len);
	EXPECT(top == cur + len, "brk grow returned %#lx, want %#lx",
	       (unsigned long)top, (unsigned long)(cur + len));
	h = (char *)cur;
	for (i = 0; i < len; i += 64)
		EXPECT(h[i] == 0, "new brk memory at +%zu not zero", i);
	memset(h, 0x11, len);
	EXPECT(vm_maps_find(h + len - 1, &m) == 0, "no maps line for the brk");
	EXPECT(!strcmp(m.path, "[heap]") && !strcmp(m.perms, "rw-p") &&
	       m.end == ((cur + len + PAGE - 1) & ~(PAGE - 1)) &&
	       m.start <= cur && m.offset == 0 && m.inode == 0,
	       "heap line '%s' for brk %#lx", m.line,
	       (unsigned long)(cur + len));
	/* Shrink by three pages: they are gone. */
	back = syscall(SYS_brk, cur + 2 * PAGE);
	EXPECT(back == cur + 2 * PAGE, "brk shrink returned %#lx",
	       (unsigned long)back);
	EXPECT(vm_maps_find(h + PAGE, &m) == 0 &&
	       m.end == ((cur + 2 * PAGE + PAGE - 1) & ~(PAGE - 1)),
	       "heap after shrink: '%s'", m.line);
	{
		char *gone = (char *)((cur + 3 * PAGE + PAGE - 1) & ~(PAGE - 1));

		EXPECT_CHILD_FAULT(gone + 8, VM_READ, SIGSEGV, SEGV_MAPERR,
				   gone + 8);
	}
	/* Grow again: the re-added memory is zero, not the old 0x11s. */
	EXPECT(syscall(SYS_brk, cur + len) == (long)(cur + len), "regrow");
	EXPECT(h[4 * PAGE] == 0 && h[len - 1] == 0, "regrown brk not zero");
	EXPECT(h[PAGE] == 0x11, "kept brk memory lost");
	back = syscall(SYS_brk, cur);
	EXPECT(back == cur, "brk restore returned %#lx", (unsigned long)back);
}

int main(void)
{
	ut_begin("vm_mmap_test");
	vm_prefer_tmpfs();
	RUN(mmap_anon_private_and_shared);
	RUN(mmap_prot_combinations);
	RUN(mmap_prot_exec);
	RUN(mmap_type_einval);
	RUN(mmap_shared_validate);
	RUN(mmap_einval_args);
	RUN(mmap_eacces);
	RUN(mmap_enodev);
	RUN(mmap_ebadf);
	RUN(mmap_enomem_huge);
	RUN(mmap_eoverflow);
	RUN(mmap_fixed_replaces);
	RUN(mmap_fixed_noreplace);
	RUN(mmap_hint_honoured);
	RUN(mmap_null_hint_never_zero);
	RUN(mmap_noreserve_stack_growsdown);
	RUN(mmap_populate);
	RUN(mmap_shared_anon_fork);
	RUN(munmap_middle_splits);
	RUN(munmap_hole_and_unaligned_length);
	RUN(munmap_spanning_vmas);
	RUN(munmap_einval);
	RUN(mprotect_split_and_merge);
	RUN(mprotect_enomem_hole);
	RUN(mprotect_eacces_shared_rdonly);
	RUN(mprotect_einval);
	RUN(mprotect_write_segv);
	RUN(brk_heap);
	return ut_end();
}
