/*
 * vm_file_test.c - file mappings on tmpfs: sharing with read(2)/write(2)
 * and with other mappers, copy-on-write of MAP_PRIVATE, SIGBUS beyond
 * end of file and after truncation, msync, MADV_DONTNEED, and memfd.
 *
 * tmpfs matters: on tmpfs the page cache *is* the file, so a MAP_SHARED
 * store is visible to read(2) at once and dirty state never changes
 * behind the test's back.  On Linux the files go to /dev/shm (tmpfs) or
 * are memfds; on Pagoda /tmp is tmpfs (see vm_prefer_tmpfs()).
 *
 * SIGBUS layout used below (file of 1.5 pages, mapping of 3 pages):
 *
 *	page 0          page 1           page 2
 *	+---------------+--------+-------+---------------+
 *	| file data     | data   | zeros | SIGBUS        |
 *	+---------------+--------+-------+---------------+
 *	                         ^ EOF (6000)
 */
#include "vm_util.h"

#define RW	(PROT_READ | PROT_WRITE)

/* A MAP_SHARED store is seen by read(2) and by another open+mmap. */
static void shared_write_seen_by_read_and_mapper(void)
{
	int fd = vm_make_file("shared", 2 * PAGE, 0), fd2;
	char *a, *b, buf[8] = "";

	EXPECT_OK(fd);
	fd2 = open(ut_path("shared"), O_RDWR);
	EXPECT_OK(fd2);
	a = mmap(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0);
	b = mmap(NULL, 2 * PAGE, RW, MAP_SHARED, fd2, 0);
	EXPECT(a != MAP_FAILED && b != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(b[PAGE + 3] == 0, "b read");		/* b's page is present */
	memcpy(a + PAGE, "shared", 7);
	EXPECT(pread(fd2, buf, 7, PAGE) == 7 && !strcmp(buf, "shared"),
	       "read(2) sees '%s'", buf);
	EXPECT(!strcmp(b + PAGE, "shared"), "other mapping sees '%s'", b + PAGE);
	/* And back: a store through b is seen through a. */
	b[0] = 'B';
	EXPECT(a[0] == 'B', "first mapping misses the second's store");
	munmap(a, 2 * PAGE);
	munmap(b, 2 * PAGE);
	close(fd);
	close(fd2);
}

/*
 * write(2) is seen through MAP_SHARED mappings and through MAP_PRIVATE
 * pages not yet copied; a page the private mapping has written (COWed)
 * keeps the private copy.
 */
static void write_seen_through_mappings(void)
{
	int fd = vm_make_file("wr", 2 * PAGE, 'o');
	char *s, *q;

	EXPECT_OK(fd);
	s = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	q = mmap(NULL, 2 * PAGE, RW, MAP_PRIVATE, fd, 0);
	EXPECT(s != MAP_FAILED && q != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(s[0] == 'o' && q[0] == 'o' && q[PAGE] == 'o', "initial content");
	q[PAGE] = 'P';				/* COW page 1 only */
	EXPECT(pwrite(fd, "NN", 2, 0) == 2 && pwrite(fd, "MM", 2, PAGE) == 2,
	       "pwrite");
	EXPECT(s[0] == 'N' && s[PAGE] == 'M', "shared mapping misses write(2)");
	EXPECT(q[0] == 'N', "private (not copied) page misses write(2)");
	EXPECT(q[PAGE] == 'P' && q[PAGE + 1] == 'o',
	       "private copied page changed by write(2): %c%c", q[PAGE],
	       q[PAGE + 1]);
	munmap(s, 2 * PAGE);
	munmap(q, 2 * PAGE);
	close(fd);
}

/* MAP_PRIVATE stores are seen by nobody else. */
static void private_is_copy_on_write(void)
{
	int fd = vm_make_file("cow", PAGE, 'c');
	char *q, *q2, *s, c = 0;

	EXPECT_OK(fd);
	q = mmap(NULL, PAGE, RW, MAP_PRIVATE, fd, 0);
	q2 = mmap(NULL, PAGE, RW, MAP_PRIVATE, fd, 0);
	s = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT(q != MAP_FAILED && q2 != MAP_FAILED && s != MAP_FAILED,
	       "mmap: %s", strerror(errno));
	EXPECT(q2[1] == 'c', "q2 read");
	q[1] = 'X';
	EXPECT(q[1] == 'X', "private store lost");
	EXPECT(pread(fd, &c, 1, 1) == 1 && c == 'c', "read(2) sees '%c'", c);
	EXPECT(s[1] == 'c', "shared mapping sees the private store");
	EXPECT(q2[1] == 'c', "other private mapping sees the private store");
	munmap(q, PAGE);
	munmap(q2, PAGE);
	munmap(s, PAGE);
	close(fd);
}

/* Tail of the last page reads zero; the page after EOF raises SIGBUS. */
static void sigbus_beyond_eof(void)
{
	int fd = vm_make_file("eof", 6000, 'e');
	char *s, *q, c;
	struct stat st;
	int i;

	EXPECT_OK(fd);
	s = vm_map_guarded(3, RW, MAP_SHARED, fd, 0);
	q = vm_map_guarded(3, RW, MAP_PRIVATE, fd, 0);
	EXPECT(s != MAP_FAILED && q != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(s[5999] == 'e' && q[5999] == 'e', "last file byte");
	for (i = 6000; i < (int)(2 * PAGE); i++)
		EXPECT(s[i] == 0 && q[i] == 0, "byte %d past EOF is %d", i,
		       s[i]);
	EXPECT_CHILD_FAULT(s + 2 * PAGE + 0x10, VM_READ, SIGBUS, BUS_ADRERR,
			   s + 2 * PAGE + 0x10);
	EXPECT_CHILD_FAULT(s + 2 * PAGE + 0x11, VM_WRITE, SIGBUS, BUS_ADRERR,
			   s + 2 * PAGE + 0x11);
	EXPECT_CHILD_FAULT(q + 3 * PAGE - 1, VM_WRITE, SIGBUS, BUS_ADRERR,
			   q + 3 * PAGE - 1);
	EXPECT_HERE_FAULT(s + 2 * PAGE + 0x12, VM_READ, SIGBUS, BUS_ADRERR,
			  s + 2 * PAGE + 0x12);
	/* A store into the tail is never written back: no size change. */
	s[7000] = 'x';
	EXPECT_OK(msync(s, 2 * PAGE, MS_SYNC));
	EXPECT_OK(fstat(fd, &st));
	EXPECT(st.st_size == 6000, "size became %lld", (long long)st.st_size);
	EXPECT(pread(fd, &c, 1, 7000) == 0, "read past EOF returned data");
	vm_unmap_guarded(s, 3);
	vm_unmap_guarded(q, 3);
	close(fd);
}

/* Child side of truncate_sigbus: touch, wait, probe, report. */
static void truncate_child(char *p, int to_parent, int from_parent)
{
	struct vm_fault f[2];
	char go;

	if (p[2 * PAGE] != 't')		/* make the child's PTE present */
		_exit(2);
	if (write(to_parent, "r", 1) != 1 || read(from_parent, &go, 1) != 1)
		_exit(1);
	vm_probe_here(p + 2 * PAGE + 5, VM_READ, &f[0]);
	vm_probe_here(p, VM_READ, &f[1]);
	_exit(write(to_parent, f, sizeof(f)) == sizeof(f) ? 0 : 1);
}

/*
 * ftruncate shrinking a mapped file: the cut pages raise SIGBUS in this
 * process and in a forked child sharing the mapping (both had the page
 * present); the kept page stays; growing back gives zeros.
 */
static void truncate_shrink_sigbus(void)
{
	int fd = vm_make_file("trunc", 4 * PAGE, 't'), c2p[2], p2c[2], st;
	char *p = NULL, go;
	struct vm_fault f[2];
	pid_t pid;

	EXPECT_OK(fd);
	p = vm_map_guarded(4, RW, MAP_SHARED, fd, 0);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(p[2 * PAGE] == 't' && p[3 * PAGE] == 't', "content");
	EXPECT_OK(pipe(c2p));
	EXPECT_OK(pipe(p2c));
	pid = ut_fork_piped(c2p, p2c);
	EXPECT_OK(pid);
	if (pid == 0)
		truncate_child(p, c2p[1], p2c[0]);
	if (read(c2p[0], &go, 1) != 1)
		ut_fail("child did not start");
	else if (ftruncate(fd, PAGE) < 0)
		ut_fail("ftruncate: %s", strerror(errno));
	if (write(p2c[1], "g", 1) != 1 ||
	    read(c2p[0], f, sizeof(f)) != sizeof(f))
		ut_fail("child did not report");
	close(p2c[1]);
	close(c2p[0]);
	waitpid(pid, &st, 0);
	if (ut_case_failed)
		return;
	EXPECT(f[0].sig == SIGBUS && f[0].code == BUS_ADRERR &&
	       f[0].addr == p + 2 * PAGE + 5,
	       "child: sig %d code %d addr %p, want SIGBUS BUS_ADRERR %p",
	       f[0].sig, f[0].code, f[0].addr, (void *)(p + 2 * PAGE + 5));
	EXPECT(f[1].sig == 0, "child: kept page 0 faults (sig %d)", f[1].sig);
	EXPECT_HERE_FAULT(p + 2 * PAGE + 6, VM_READ, SIGBUS, BUS_ADRERR,
			  p + 2 * PAGE + 6);
	EXPECT_HERE_FAULT(p + 3 * PAGE, VM_WRITE, SIGBUS, BUS_ADRERR,
			  p + 3 * PAGE);
	EXPECT_HERE_FAULT(p + PAGE, VM_READ, SIGBUS, BUS_ADRERR, p + PAGE);
	EXPECT(p[0] == 't' && p[PAGE - 1] == 't', "kept page lost data");
	/* Grown back, the pages are there again, zero-filled. */
	EXPECT_OK(ftruncate(fd, 4 * PAGE));
	EXPECT(p[2 * PAGE] == 0 && p[3 * PAGE + 9] == 0,
	       "regrown pages not zero");
	vm_unmap_guarded(p, 4);
	close(fd);
}

/* Truncation removes even private COWed copies beyond the new EOF. */
static void truncate_drops_private_copies(void)
{
	int fd = vm_make_file("trunc_priv", 3 * PAGE, 'u');
	char *q;

	EXPECT_OK(fd);
	q = vm_map_guarded(3, RW, MAP_PRIVATE, fd, 0);
	EXPECT(q != MAP_FAILED, "mmap: %s", strerror(errno));
	q[0] = 'A';
	q[2 * PAGE] = 'C';		/* a private copy */
	EXPECT_OK(ftruncate(fd, PAGE));
	EXPECT_HERE_FAULT(q + 2 * PAGE, VM_READ, SIGBUS, BUS_ADRERR,
			  q + 2 * PAGE);
	EXPECT(q[0] == 'A', "private copy inside the file lost");
	vm_unmap_guarded(q, 3);
	close(fd);
}

static void msync_flags(void)
{
	int fd = vm_make_file("msync", 2 * PAGE, 0);
	char *s, buf[4] = "";
	char *a = mmap(NULL, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	EXPECT_OK(fd);
	s = mmap(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0);
	EXPECT(s != MAP_FAILED && a != MAP_FAILED, "mmap: %s", strerror(errno));
	/* On tmpfs read(2) sees the store even before msync. */
	memcpy(s, "one", 4);
	EXPECT(pread(fd, buf, 4, 0) == 4 && !strcmp(buf, "one"),
	       "before msync read '%s'", buf);
	memcpy(s, "two", 4);
	EXPECT_OK(msync(s, 2 * PAGE, MS_SYNC));
	EXPECT(pread(fd, buf, 4, 0) == 4 && !strcmp(buf, "two"),
	       "after MS_SYNC read '%s'", buf);
	memcpy(s + PAGE, "thr", 4);
	EXPECT_OK(msync(s + PAGE, PAGE, MS_ASYNC));
	EXPECT(pread(fd, buf, 4, PAGE) == 4 && !strcmp(buf, "thr"),
	       "after MS_ASYNC read '%s'", buf);
	EXPECT_OK(msync(s, 2 * PAGE, MS_INVALIDATE));
	EXPECT_OK(msync(s, 2 * PAGE, MS_INVALIDATE | MS_SYNC));
	EXPECT(!strcmp(s, "two") && !strcmp(s + PAGE, "thr"),
	       "MS_INVALIDATE lost shared data");
	/* Unaligned length rounds up; length 0 and anonymous memory: fine. */
	EXPECT_OK(syscall(SYS_msync, s, 100, MS_SYNC));
	EXPECT_OK(syscall(SYS_msync, s, 0, MS_SYNC));
	EXPECT_OK(msync(a, PAGE, MS_SYNC));
	munmap(s, 2 * PAGE);
	munmap(a, PAGE);
	close(fd);
}

static void msync_errors(void)
{
	int fd = vm_make_file("msync_err", 3 * PAGE, 0);
	char *s;

	EXPECT_OK(fd);
	s = vm_map_guarded(3, RW, MAP_SHARED, fd, 0);
	EXPECT(s != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_ERRNO(syscall(SYS_msync, s, PAGE, MS_SYNC | MS_ASYNC), EINVAL);
	EXPECT_ERRNO(syscall(SYS_msync, s, PAGE, 8), EINVAL);
	EXPECT_ERRNO(syscall(SYS_msync, s + 1, PAGE, MS_SYNC), EINVAL);
	EXPECT_ERRNO(syscall(SYS_msync, s + 100, PAGE, MS_ASYNC), EINVAL);
	EXPECT_OK(munmap(s + PAGE, PAGE));
	EXPECT_ERRNO(syscall(SYS_msync, s, 3 * PAGE, MS_SYNC), ENOMEM);
	EXPECT_ERRNO(syscall(SYS_msync, s + PAGE, PAGE, MS_ASYNC), ENOMEM);
	vm_unmap_guarded(s, 3);
	close(fd);
}

/* Private anon: zero afterwards, and not present until touched again. */
static void dontneed_private_anon(void)
{
	char *p = vm_anon(4);
	uint64_t e;
	int i;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 0x77, 4 * PAGE);
	EXPECT_OK(madvise(p + PAGE, 2 * PAGE, MADV_DONTNEED));
	for (i = 1; i < 3; i++) {
		EXPECT_PAGEMAP(p + i * PAGE, e);
		EXPECT(!(e & PM_PRESENT), "page %d present after DONTNEED: "
		       "%#llx", i, (unsigned long long)e);
	}
	EXPECT_PAGEMAP(p, e);
	EXPECT(e & PM_PRESENT, "page outside the range dropped");
	EXPECT(p[PAGE] == 0 && p[3 * PAGE - 1] == 0, "DONTNEED memory not zero");
	EXPECT(p[0] == 0x77 && p[3 * PAGE] == 0x77, "neighbours lost data");
	vm_unmap_guarded(p, 4);
}

/* Private file: a COWed page reverts to the file's contents. */
static void dontneed_private_file(void)
{
	int fd = vm_make_file("dn_priv", 2 * PAGE, 'f');
	char *q;
	uint64_t e;

	EXPECT_OK(fd);
	q = vm_map_guarded(2, RW, MAP_PRIVATE, fd, 0);
	EXPECT(q != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(q, 'm', 2 * PAGE);
	EXPECT_OK(madvise(q, PAGE, MADV_DONTNEED));
	EXPECT_PAGEMAP(q, e);
	EXPECT(!(e & PM_PRESENT), "page present after DONTNEED: %#llx",
	       (unsigned long long)e);
	EXPECT(q[0] == 'f' && q[PAGE - 1] == 'f',
	       "after DONTNEED reads '%c', want the file's 'f'", q[0]);
	EXPECT(q[PAGE] == 'm', "page outside the range lost its copy");
	vm_unmap_guarded(q, 2);
	close(fd);
}

/* Shared file: the data lives in the file and survives DONTNEED. */
static void dontneed_shared_file(void)
{
	int fd = vm_make_file("dn_shared", PAGE, 0);
	char *s, c = 0;

	EXPECT_OK(fd);
	s = vm_map_guarded(1, RW, MAP_SHARED, fd, 0);
	EXPECT(s != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(s, 's', PAGE);
	EXPECT_OK(madvise(s, PAGE, MADV_DONTNEED));
	EXPECT(s[0] == 's' && s[PAGE - 1] == 's', "shared data lost");
	EXPECT(pread(fd, &c, 1, 9) == 1 && c == 's', "file lost data");
	vm_unmap_guarded(s, 1);
	close(fd);
}

static void madvise_args(void)
{
	char *p = vm_anon(3);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_ERRNO(syscall(SYS_madvise, p + 1, PAGE, MADV_DONTNEED), EINVAL);
	EXPECT_ERRNO(syscall(SYS_madvise, p, PAGE, 12345), EINVAL);
	EXPECT_OK(syscall(SYS_madvise, p, 0, MADV_DONTNEED));
	EXPECT_OK(syscall(SYS_madvise, p, 100, MADV_DONTNEED));
	/* Pagoda accepts the THP advice as no-ops; Linux acts on it. */
	EXPECT_OK(madvise(p, 3 * PAGE, MADV_HUGEPAGE));
	EXPECT_OK(madvise(p, 3 * PAGE, MADV_NOHUGEPAGE));
	EXPECT_OK(munmap(p + PAGE, PAGE));
	EXPECT_ERRNO(syscall(SYS_madvise, p, 3 * PAGE, MADV_DONTNEED), ENOMEM);
	vm_unmap_guarded(p, 3);
}

/* The memfd's name shows in maps as "/memfd:<name> (deleted)". */
static void memfd_maps_name(void)
{
	int fd = memfd_create("vm-file-test", 0);
	struct vm_map m;
	struct stat st;
	char *p;

	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, 3 * PAGE));
	EXPECT_OK(fstat(fd, &st));
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 2 * PAGE);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(vm_maps_find(p, &m) == 0, "no maps line");
	EXPECT(!strcmp(m.path, "/memfd:vm-file-test (deleted)"),
	       "memfd maps path '%s'", m.path);
	EXPECT(m.inode == st.st_ino && m.offset == 2 * PAGE &&
	       m.major == major(st.st_dev) && m.minor == minor(st.st_dev) &&
	       !strcmp(m.perms, "r--s"),
	       "memfd line '%s': want ino %lu dev %x:%x offset 2000",
	       m.line, (unsigned long)st.st_ino, major(st.st_dev),
	       minor(st.st_dev));
	munmap(p, PAGE);
	close(fd);
}

static void memfd_cloexec(void)
{
	int a = memfd_create("cloexec", MFD_CLOEXEC), b = memfd_create("no", 0);

	EXPECT(a >= 0 && b >= 0, "memfd_create: %s", strerror(errno));
	EXPECT(fcntl(a, F_GETFD) == FD_CLOEXEC, "MFD_CLOEXEC: F_GETFD %d",
	       fcntl(a, F_GETFD));
	EXPECT(fcntl(b, F_GETFD) == 0, "no flag: F_GETFD %d", fcntl(b, F_GETFD));
	EXPECT((fcntl(a, F_GETFL) & O_ACCMODE) == O_RDWR, "memfd not O_RDWR");
	close(a);
	close(b);
}

static void memfd_shared_mapping(void)
{
	int fd = memfd_create("shared", 0);
	char *a, *b, buf[8] = "";
	struct stat st;

	EXPECT_OK(fd);
	EXPECT_OK(fstat(fd, &st));
	EXPECT(st.st_size == 0 && S_ISREG(st.st_mode), "new memfd size %lld",
	       (long long)st.st_size);
	EXPECT_OK(ftruncate(fd, 4 * PAGE));
	EXPECT_OK(fstat(fd, &st));
	EXPECT(st.st_size == 4 * PAGE, "size %lld", (long long)st.st_size);
	a = mmap(NULL, 4 * PAGE, RW, MAP_SHARED, fd, 0);
	b = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 2 * PAGE);
	EXPECT(a != MAP_FAILED && b != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(a[0] == 0 && a[4 * PAGE - 1] == 0, "fresh memfd not zero");
	memcpy(a + 3 * PAGE, "memfd", 6);
	EXPECT(pread(fd, buf, 6, 3 * PAGE) == 6 && !strcmp(buf, "memfd"),
	       "read(2) sees '%s'", buf);
	EXPECT(!strcmp(b + PAGE, "memfd"), "second mapping sees '%s'", b + PAGE);
	EXPECT(pwrite(fd, "pw", 3, 2 * PAGE) == 3, "pwrite");
	EXPECT(!strcmp(a + 2 * PAGE, "pw") && !strcmp(b, "pw"),
	       "write(2) not seen through the mappings");
	munmap(a, 4 * PAGE);
	munmap(b, 2 * PAGE);
	close(fd);
}

/*
 * memfd_create argument checks.  MFD_ALLOW_SEALING: Linux accepts it;
 * Pagoda does not implement sealing and says so with EINVAL (decided),
 * rather than hand out an fd whose F_ADD_SEALS would not work.
 */
static void memfd_flags(void)
{
	char name[300];
	long fd;

	EXPECT_ERRNO(syscall(SYS_memfd_create, "bad", 0x1000), EINVAL);
	EXPECT_ERRNO(syscall(SYS_memfd_create, "bad", 0x80000000u), EINVAL);
	EXPECT_ERRNO(syscall(SYS_memfd_create, NULL, 0), EFAULT);
	/* The name may have 249 bytes ("memfd:" + name fits NAME_MAX). */
	memset(name, 'n', sizeof(name));
	name[249] = 0;
	fd = syscall(SYS_memfd_create, name, 0);
	EXPECT(fd >= 0, "249-byte name: %s", strerror(errno));
	close(fd);
	name[249] = 'n';
	name[250] = 0;
	EXPECT_ERRNO(syscall(SYS_memfd_create, name, 0), EINVAL);
	if (ut_on_pagoda()) {
		EXPECT_ERRNO(syscall(SYS_memfd_create, "seal", MFD_ALLOW_SEALING),
			     EINVAL);
	} else {
		fd = syscall(SYS_memfd_create, "seal", MFD_ALLOW_SEALING);
		EXPECT(fd >= 0, "MFD_ALLOW_SEALING on Linux: %s",
		       strerror(errno));
		close(fd);
	}
}

int main(void)
{
	ut_begin("vm_file_test");
	vm_prefer_tmpfs();
	RUN(shared_write_seen_by_read_and_mapper);
	RUN(write_seen_through_mappings);
	RUN(private_is_copy_on_write);
	RUN(sigbus_beyond_eof);
	RUN(truncate_shrink_sigbus);
	RUN(truncate_drops_private_copies);
	RUN(msync_flags);
	RUN(msync_errors);
	RUN(dontneed_private_anon);
	RUN(dontneed_private_file);
	RUN(dontneed_shared_file);
	RUN(madvise_args);
	RUN(memfd_maps_name);
	RUN(memfd_cloexec);
	RUN(memfd_shared_mapping);
	RUN(memfd_flags);
	return ut_end();
}
