/*
 * fs_statfs_test.c - statfs(2)/fstatfs(2) and fallocate(2) on tmpfs.
 *
 * statfs: the f_type magic numbers of <linux/magic.h> for tmpfs (a memfd
 * is one on every Linux), /proc and /dev, the page-sized blocks, and the
 * errors. /tmp and /dev must be tmpfs on Pagoda; on a Linux host they may
 * be a disk or a container's own mount, so there the magic is checked
 * only when it is a tmpfs.
 *
 * fallocate: memfds (tmpfs on both kernels) for the data semantics -
 * allocation with and without FALLOC_FL_KEEP_SIZE, PUNCH_HOLE freeing
 * pages (st_blocks drops), reading back zeros, zeroed partial pages, a
 * MAP_SHARED mapping seeing zeros and a MAP_PRIVATE copy keeping its own
 * data - and Linux's errors for every kind of bad argument or file.
 */
#include "utest.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

/* <linux/magic.h> and <linux/falloc.h> (musl's headers stop at KEEP_SIZE/PUNCH_HOLE). */
#define TMPFS_MAGIC		0x01021994
#define PROC_SUPER_MAGIC	0x9fa0
#define PIPEFS_MAGIC		0x50495045
#define SOCKFS_MAGIC		0x534F434B
#ifndef FALLOC_FL_COLLAPSE_RANGE
#define FALLOC_FL_COLLAPSE_RANGE	0x08
#define FALLOC_FL_ZERO_RANGE		0x10
#define FALLOC_FL_INSERT_RANGE		0x20
#endif

#define PAGE		4096
#define BLOCKS_PER_PAGE	(PAGE / 512)	/* st_blocks counts 512-byte units */

static int memfd(const char *name)
{
	return syscall(SYS_memfd_create, name, 0);
}

static long blocks_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (long)st.st_blocks : -1;
}

static off_t size_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_size : -1;
}

/* Fill @n pages of @fd with byte @c from offset 0. */
static int fill(int fd, int n, char c)
{
	char buf[PAGE];

	memset(buf, c, sizeof(buf));
	for (int i = 0; i < n; i++)
		if (pwrite(fd, buf, PAGE, (off_t)i * PAGE) != PAGE)
			return -1;
	return 0;
}

/* Are the @len bytes of @fd at @off all @c? */
static int all_bytes(int fd, off_t off, size_t len, char c)
{
	char buf[PAGE];

	while (len) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);

		if (pread(fd, buf, n, off) != (ssize_t)n)
			return 0;
		for (size_t i = 0; i < n; i++)
			if (buf[i] != c)
				return 0;
		off += n;
		len -= n;
	}
	return 1;
}

/* ---- statfs ---- */

static void statfs_memfd_is_tmpfs(void)
{
	struct statfs st;
	int fd = memfd("statfs");

	EXPECT_OK(fd);
	EXPECT_OK(fstatfs(fd, &st));
	close(fd);
	EXPECT(st.f_type == TMPFS_MAGIC, "f_type %#lx, want TMPFS_MAGIC", (long)st.f_type);
	EXPECT(st.f_bsize == PAGE && st.f_frsize == PAGE, "bsize %ld frsize %ld",
	       (long)st.f_bsize, (long)st.f_frsize);
	EXPECT(st.f_namelen == 255, "namelen %ld", (long)st.f_namelen);
}

static void statfs_tmp(void)
{
	struct statfs st;

	EXPECT_OK(statfs(ut_tmpdir(), &st));
	if (st.f_type != TMPFS_MAGIC) {
		EXPECT(!ut_on_pagoda(), "Pagoda's /tmp: f_type %#lx", (long)st.f_type);
		SKIP("the host's %s is not a tmpfs (f_type %#lx)", ut_tmpdir(), (long)st.f_type);
	}
	EXPECT(st.f_bsize == PAGE, "bsize %ld", (long)st.f_bsize);
	EXPECT(st.f_blocks > 0 && st.f_bfree <= st.f_blocks && st.f_bavail <= st.f_blocks,
	       "blocks %lu free %lu avail %lu", (unsigned long)st.f_blocks,
	       (unsigned long)st.f_bfree, (unsigned long)st.f_bavail);
	EXPECT(st.f_namelen == 255, "namelen %ld", (long)st.f_namelen);
	EXPECT(st.f_flags & 0x20, "ST_VALID missing from f_flags %#lx", (long)st.f_flags);
}

static void statfs_proc(void)
{
	struct statfs st;
	int fd;

	EXPECT_OK(statfs("/proc", &st));
	EXPECT(st.f_type == PROC_SUPER_MAGIC, "/proc f_type %#lx", (long)st.f_type);
	EXPECT(st.f_bsize == PAGE && st.f_namelen == 255, "bsize %ld namelen %ld",
	       (long)st.f_bsize, (long)st.f_namelen);
	fd = open("/proc/self/status", O_RDONLY);
	EXPECT_OK(fd);
	EXPECT_OK(fstatfs(fd, &st));
	close(fd);
	EXPECT(st.f_type == PROC_SUPER_MAGIC, "fstatfs f_type %#lx", (long)st.f_type);
}

/* Linux's devtmpfs is a tmpfs underneath: TMPFS_MAGIC. */
static void statfs_dev(void)
{
	struct statfs st;

	EXPECT_OK(statfs("/dev/null", &st));
	if (st.f_type != TMPFS_MAGIC) {
		EXPECT(!ut_on_pagoda(), "Pagoda's /dev: f_type %#lx", (long)st.f_type);
		SKIP("the host's /dev is not devtmpfs/tmpfs (f_type %#lx)", (long)st.f_type);
	}
}

static void statfs_pipe(void)
{
	struct statfs st;
	int p[2];

	EXPECT_OK(pipe(p));
	EXPECT_OK(fstatfs(p[0], &st));
	close(p[0]);
	close(p[1]);
	EXPECT(st.f_type == PIPEFS_MAGIC, "pipe f_type %#lx", (long)st.f_type);
}

static void statfs_socket(void)
{
	struct statfs st;
	int sv[2];

	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_OK(fstatfs(sv[0], &st));
	close(sv[0]);
	close(sv[1]);
	EXPECT(st.f_type == SOCKFS_MAGIC, "socket f_type %#lx", (long)st.f_type);
}

static void statfs_errors(void)
{
	struct statfs st;
	int fd;

	EXPECT_ERRNO(statfs("/no/such/path", &st), ENOENT);
	EXPECT_ERRNO(statfs("", &st), ENOENT);
	EXPECT_ERRNO(syscall(SYS_statfs, (char *)8, &st), EFAULT);
	EXPECT_ERRNO(syscall(SYS_statfs, "/proc", (void *)8), EFAULT);
	EXPECT_ERRNO(fstatfs(-1, &st), EBADF);
	fd = memfd("statfs-closed");
	EXPECT_OK(fd);
	close(fd);
	EXPECT_ERRNO(fstatfs(fd, &st), EBADF);
	fd = memfd("statfs-fault");
	EXPECT_OK(fd);
	errno = 0;
	EXPECT(syscall(SYS_fstatfs, fd, (void *)8) == -1 && errno == EFAULT, "fstatfs bad buf: %s",
	       strerror(errno));
	close(fd);
}

/* ---- fallocate ---- */

static void fallocate_extends(void)
{
	int fd = memfd("falloc-extend");

	EXPECT_OK(fd);
	EXPECT_OK(fallocate(fd, 0, 0, 3 * PAGE + 100));
	EXPECT(size_of(fd) == 3 * PAGE + 100, "size %lld", (long long)size_of(fd));
	EXPECT(blocks_of(fd) >= 4 * BLOCKS_PER_PAGE, "st_blocks %ld", blocks_of(fd));
	EXPECT(all_bytes(fd, 0, 3 * PAGE + 100, 0), "allocated data is not zero");
	/* Inside the size: nothing changes size. */
	EXPECT_OK(fallocate(fd, 0, PAGE, PAGE));
	EXPECT(size_of(fd) == 3 * PAGE + 100, "size moved to %lld", (long long)size_of(fd));
	close(fd);
}

static void fallocate_keep_size(void)
{
	int fd = memfd("falloc-keep");

	EXPECT_OK(fd);
	EXPECT_OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 2 * PAGE));
	EXPECT(size_of(fd) == 0, "size %lld", (long long)size_of(fd));
	EXPECT(blocks_of(fd) >= 2 * BLOCKS_PER_PAGE, "st_blocks %ld", blocks_of(fd));
	close(fd);
}

static void punch_hole_frees_and_zeroes(void)
{
	int fd = memfd("falloc-punch");
	long before, after;

	EXPECT_OK(fd);
	EXPECT_OK(fill(fd, 4, 'A'));
	before = blocks_of(fd);
	EXPECT(before >= 4 * BLOCKS_PER_PAGE, "st_blocks %ld after writing 4 pages", before);
	EXPECT_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PAGE, 2 * PAGE));
	after = blocks_of(fd);
	EXPECT(after == before - 2 * BLOCKS_PER_PAGE, "st_blocks %ld -> %ld", before, after);
	EXPECT(size_of(fd) == 4 * PAGE, "size %lld", (long long)size_of(fd));
	EXPECT(all_bytes(fd, 0, PAGE, 'A'), "page 0 lost its data");
	EXPECT(all_bytes(fd, PAGE, 2 * PAGE, 0), "punched pages do not read as zeros");
	EXPECT(all_bytes(fd, 3 * PAGE, PAGE, 'A'), "page 3 lost its data");
	/* A partial page is zeroed in place and stays allocated. */
	EXPECT_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 200));
	EXPECT(blocks_of(fd) == after, "partial punch freed a page");
	EXPECT(all_bytes(fd, 0, 100, 'A') && all_bytes(fd, 100, 200, 0) &&
	       all_bytes(fd, 300, PAGE - 300, 'A'), "partial punch of [100, 300)");
	/* Across a page boundary: the tail of page 3 and nothing beyond. */
	EXPECT_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4 * PAGE - 10, 100));
	EXPECT(all_bytes(fd, 3 * PAGE, PAGE - 10, 'A') && all_bytes(fd, 4 * PAGE - 10, 10, 0),
	       "tail punch");
	EXPECT(size_of(fd) == 4 * PAGE, "size %lld after punching past it",
	       (long long)size_of(fd));
	close(fd);
}

static void punch_hole_whole_file(void)
{
	int fd = memfd("falloc-all");

	EXPECT_OK(fd);
	EXPECT_OK(fill(fd, 64, 'B'));
	EXPECT_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 64 * PAGE));
	EXPECT(blocks_of(fd) == 0, "st_blocks %ld after punching everything", blocks_of(fd));
	EXPECT(all_bytes(fd, 0, 64 * PAGE, 0), "data left");
	close(fd);
}

/* Mappers see the hole at once; a private COW copy keeps its own data. */
static void punch_hole_mappings(void)
{
	int fd = memfd("falloc-map");
	char *sh, *pr;

	EXPECT_OK(fd);
	EXPECT_OK(fill(fd, 4, 'C'));
	sh = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	pr = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT(sh != MAP_FAILED && pr != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(sh[PAGE] == 'C' && pr[2 * PAGE] == 'C', "mapped data");
	pr[PAGE] = 'P';				/* page 1 of the private map: a COW copy */
	EXPECT_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PAGE, 2 * PAGE));
	for (int i = 0; i < 4; i++) {
		char want = (i == 1 || i == 2) ? 0 : 'C';

		EXPECT(sh[i * PAGE] == want && sh[i * PAGE + PAGE - 1] == want,
		       "shared page %d: %#x, want %#x", i, sh[i * PAGE], want);
	}
	EXPECT(pr[2 * PAGE] == 0, "private page 2 (still the file's) reads %#x", pr[2 * PAGE]);
	EXPECT(pr[PAGE] == 'P', "private COW page lost its data: %#x", pr[PAGE]);
	/* The hole fills again through the shared mapping. */
	sh[PAGE] = 'D';
	EXPECT(all_bytes(fd, PAGE, 1, 'D'), "write through the map after the punch");
	munmap(sh, 4 * PAGE);
	munmap(pr, 4 * PAGE);
	close(fd);
}

static void fallocate_mode_errors(void)
{
	int fd = memfd("falloc-modes");

	EXPECT_OK(fd);
	EXPECT_ERRNO(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, PAGE), EOPNOTSUPP);
	EXPECT_ERRNO(fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, PAGE), EOPNOTSUPP);
	EXPECT_ERRNO(fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, PAGE), EOPNOTSUPP);
	EXPECT_ERRNO(fallocate(fd, FALLOC_FL_INSERT_RANGE, 0, PAGE), EOPNOTSUPP);
	EXPECT_ERRNO(fallocate(fd, 0x4000, 0, PAGE), EOPNOTSUPP);
	EXPECT_ERRNO(fallocate(fd, 0, -1, PAGE), EINVAL);
	EXPECT_ERRNO(fallocate(fd, 0, 0, 0), EINVAL);
	EXPECT_ERRNO(fallocate(fd, 0, 0, -PAGE), EINVAL);
	EXPECT_ERRNO(fallocate(fd, 0, LLONG_MAX - 10, 100), EFBIG);
	close(fd);
}

static void fallocate_file_errors(void)
{
	int p[2], fd, ro, dir, null;

	EXPECT_ERRNO(fallocate(-1, 0, 0, PAGE), EBADF);
	fd = open(ut_path("ro"), O_CREAT | O_RDWR, 0644);
	EXPECT_OK(fd);
	close(fd);
	ro = open(ut_path("ro"), O_RDONLY);
	EXPECT_OK(ro);
	EXPECT_ERRNO(fallocate(ro, 0, 0, PAGE), EBADF);
	close(ro);
	EXPECT_OK(pipe(p));
	EXPECT_ERRNO(fallocate(p[1], 0, 0, PAGE), ESPIPE);
	EXPECT_ERRNO(fallocate(p[0], 0, 0, PAGE), EBADF);
	close(p[0]);
	close(p[1]);
	dir = open(ut_tmpdir(), O_RDONLY | O_DIRECTORY);
	EXPECT_OK(dir);
	EXPECT_ERRNO(fallocate(dir, 0, 0, PAGE), EBADF);
	close(dir);
	null = open("/dev/null", O_WRONLY);
	EXPECT_OK(null);
	EXPECT_ERRNO(fallocate(null, 0, 0, PAGE), ENODEV);
	close(null);
}

int main(void)
{
	ut_begin("fs_statfs_test");
	RUN(statfs_memfd_is_tmpfs);
	RUN(statfs_tmp);
	RUN(statfs_proc);
	RUN(statfs_dev);
	RUN(statfs_pipe);
	RUN(statfs_socket);
	RUN(statfs_errors);
	RUN(fallocate_extends);
	RUN(fallocate_keep_size);
	RUN(punch_hole_frees_and_zeroes);
	RUN(punch_hole_whole_file);
	RUN(punch_hole_mappings);
	RUN(fallocate_mode_errors);
	RUN(fallocate_file_errors);
	return ut_end();
}
