/*
 * fs_test.c - file and directory system calls: open/read/write and
 * friends, stat in its four forms, directory listing, namespace changes,
 * file descriptors and fcntl, and the errno of each common mistake.
 *
 * Everything happens inside one fresh mkdtemp() directory (utest.h), so
 * the test is harmless on a real machine.  Cases that need a file make
 * it themselves with put_file(); no case depends on another's leftovers.
 */
#include "utest.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/uio.h>

/* The statx(2) layout, declared here because musl 1.2.3 lacks it. */
struct ut_statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};
struct ut_statx {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t spare0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	struct ut_statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor;
	uint32_t stx_dev_major, stx_dev_minor;
	uint64_t spare2[14];
};
_Static_assert(sizeof(struct ut_statx) == 256, "statx layout");
#define UT_STATX_TYPE	0x001u
#define UT_STATX_MODE	0x002u
#define UT_STATX_SIZE	0x200u
#define UT_STATX_BASIC	0x7ffu

/* Create @name in the temp dir holding @data; returns its path or NULL. */
static const char *put_file(const char *name, const char *data)
{
	const char *p = ut_path(name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n = strlen(data);

	if (fd < 0)
		return NULL;
	if (write(fd, data, n) != n) {
		close(fd);
		return NULL;
	}
	close(fd);
	return p;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : st.st_size;
}

static void open_write_read(void)
{
	char buf[64] = { 0 };
	const char *p = ut_path("rw");
	int fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0600);

	EXPECT_OK(fd);
	EXPECT(write(fd, "hello, world", 12) == 12, "write: %s", strerror(errno));
	EXPECT(lseek(fd, 0, SEEK_CUR) == 12, "offset after write");
	EXPECT(lseek(fd, 0, SEEK_SET) == 0, "lseek SET: %s", strerror(errno));
	EXPECT(read(fd, buf, sizeof(buf)) == 12, "read back");
	EXPECT(!memcmp(buf, "hello, world", 12), "data mismatch: %.12s", buf);
	EXPECT(read(fd, buf, sizeof(buf)) == 0, "read at EOF not 0");
	EXPECT(lseek(fd, -5, SEEK_END) == 7, "lseek END");
	EXPECT(read(fd, buf, 5) == 5 && !memcmp(buf, "world", 5), "tail read");
	EXPECT(lseek(fd, 100, SEEK_SET) == 100, "seek past end");
	EXPECT(write(fd, "X", 1) == 1, "write past end");
	EXPECT(pread(fd, buf, 4, 20) == 4 && !memcmp(buf, "\0\0\0\0", 4),
	       "hole does not read as zeros");
	EXPECT_ERRNO(lseek(fd, -1, SEEK_SET), EINVAL);
	close(fd);
	EXPECT(size_of(p) == 101, "size %ld, want 101", (long)size_of(p));
}

static void creat_mode_and_umask(void)
{
	struct stat st;
	mode_t old = umask(022);
	int fd = creat(ut_path("creat"), 0666);

	umask(old);
	EXPECT_OK(fd);
	EXPECT_OK(fstat(fd, &st));
	close(fd);
	EXPECT(S_ISREG(st.st_mode), "not a regular file");
	EXPECT((st.st_mode & 07777) == 0644, "mode %o, want 0644",
	       st.st_mode & 07777);
	old = umask(077);
	fd = open(ut_path("creat2"), O_CREAT | O_WRONLY, 0666);
	umask(old);
	EXPECT_OK(fd);
	EXPECT_OK(fstat(fd, &st));
	close(fd);
	EXPECT((st.st_mode & 07777) == 0600, "mode %o, want 0600",
	       st.st_mode & 07777);
	EXPECT(umask(old) == old, "umask did not return the previous mask");
}

static void pread_pwrite(void)
{
	char buf[16] = { 0 };
	const char *p = put_file("pp", "0123456789");
	int fd;

	EXPECT(p, "put_file: %s", strerror(errno));
	fd = open(p, O_RDWR);
	EXPECT_OK(fd);
	EXPECT(lseek(fd, 2, SEEK_SET) == 2, "lseek");
	EXPECT(pread(fd, buf, 3, 5) == 3 && !memcmp(buf, "567", 3), "pread");
	EXPECT(pwrite(fd, "ab", 2, 8) == 2, "pwrite: %s", strerror(errno));
	EXPECT(lseek(fd, 0, SEEK_CUR) == 2, "pread/pwrite moved the offset");
	EXPECT(pread(fd, buf, 10, 0) == 10 && !memcmp(buf, "01234567ab", 10),
	       "content %.10s", buf);
	EXPECT_ERRNO(pread(fd, buf, 1, -1), EINVAL);
	close(fd);
}

static void readv_writev(void)
{
	char a[3], b[4], c[8];
	struct iovec wv[3] = { { "abc", 3 }, { "", 0 }, { "defgh", 5 } };
	struct iovec rv[3] = { { a, 3 }, { b, 4 }, { c, 8 } };
	int fd = open(ut_path("iov"), O_RDWR | O_CREAT | O_TRUNC, 0644);

	EXPECT_OK(fd);
	EXPECT(writev(fd, wv, 3) == 8, "writev: %s", strerror(errno));
	EXPECT(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	EXPECT(readv(fd, rv, 3) == 8, "readv short or failed");
	EXPECT(!memcmp(a, "abc", 3) && !memcmp(b, "defg", 4) && c[0] == 'h',
	       "readv scattered the data wrongly");
	close(fd);
}

static void o_append(void)
{
	char buf[16] = { 0 };
	const char *p = put_file("app", "abc");
	int fd;

	EXPECT(p, "put_file: %s", strerror(errno));
	fd = open(p, O_RDWR | O_APPEND);
	EXPECT_OK(fd);
	EXPECT(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	EXPECT(write(fd, "de", 2) == 2, "write");
	EXPECT(lseek(fd, 0, SEEK_CUR) == 5, "offset not at end after append");
	EXPECT(pread(fd, buf, 16, 0) == 5 && !memcmp(buf, "abcde", 5),
	       "content %s", buf);
	close(fd);
}

static void o_trunc_o_excl(void)
{
	const char *p = put_file("tr", "some data");
	int fd;

	EXPECT(p, "put_file: %s", strerror(errno));
	fd = open(p, O_WRONLY | O_TRUNC);
	EXPECT_OK(fd);
	close(fd);
	EXPECT(size_of(p) == 0, "O_TRUNC left %ld bytes", (long)size_of(p));
	EXPECT_ERRNO(open(p, O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
}

static void stat_family(void)
{
	struct stat st, fst, lst, ast;
	struct ut_statx sx;
	const char *p = put_file("st", "12345");
	int fd, dfd;

	EXPECT(p, "put_file: %s", strerror(errno));
	EXPECT_OK(stat(p, &st));
	EXPECT(S_ISREG(st.st_mode) && st.st_size == 5, "stat mode %o size %ld",
	       st.st_mode, (long)st.st_size);
	EXPECT(st.st_nlink == 1, "nlink %ld", (long)st.st_nlink);
	fd = open(p, O_RDONLY);
	EXPECT_OK(fd);
	EXPECT_OK(fstat(fd, &fst));
	close(fd);
	EXPECT_OK(lstat(p, &lst));
	EXPECT(fst.st_ino == st.st_ino && lst.st_ino == st.st_ino &&
	       fst.st_dev == st.st_dev && fst.st_size == 5 && lst.st_size == 5,
	       "fstat/lstat disagree with stat");
	dfd = open(ut_tmpdir(), O_RDONLY | O_DIRECTORY);
	EXPECT_OK(dfd);
	EXPECT_OK(fstatat(dfd, "st", &ast, AT_SYMLINK_NOFOLLOW));
	EXPECT(ast.st_ino == st.st_ino && ast.st_size == 5, "newfstatat");
	memset(&sx, 0, sizeof(sx));
	EXPECT_OK(syscall(SYS_statx, dfd, "st", 0, UT_STATX_BASIC, &sx));
	EXPECT((sx.stx_mask & (UT_STATX_TYPE | UT_STATX_MODE | UT_STATX_SIZE)) ==
	       (UT_STATX_TYPE | UT_STATX_MODE | UT_STATX_SIZE),
	       "statx mask %#x", sx.stx_mask);
	EXPECT(sx.stx_size == 5 && S_ISREG(sx.stx_mode) && sx.stx_ino == st.st_ino,
	       "statx size %llu mode %o", (unsigned long long)sx.stx_size,
	       sx.stx_mode);
	EXPECT_OK(fstat(dfd, &fst));
	EXPECT(S_ISDIR(fst.st_mode), "temp dir is not S_ISDIR");
	EXPECT_OK(syscall(SYS_statx, AT_FDCWD, ut_tmpdir(), 0, UT_STATX_BASIC, &sx));
	EXPECT(S_ISDIR(sx.stx_mode), "statx dir mode %o", sx.stx_mode);
	close(dfd);
	EXPECT_ERRNO(stat(ut_path("missing"), &st), ENOENT);
}

static void getdents_lists_entries(void)
{
	const char *names[] = { "alpha", "beta", "gamma_long_name_0123456789" };
	int found[3] = { 0 }, dots = 0, i, n = 0;
	struct dirent *de;
	DIR *d;

	EXPECT_OK(mkdir(ut_path("ls"), 0755));
	for (i = 0; i < 3; i++) {
		char name[64];

		snprintf(name, sizeof(name), "ls/%s", names[i]);
		EXPECT(put_file(name, "x"), "put_file: %s", strerror(errno));
	}
	d = opendir(ut_path("ls"));
	EXPECT(d, "opendir: %s", strerror(errno));
	while ((de = readdir(d)) != NULL) {
		n++;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			dots++;
		for (i = 0; i < 3; i++)
			if (!strcmp(de->d_name, names[i]))
				found[i]++;
	}
	closedir(d);
	EXPECT(dots == 2, "saw %d of . and ..", dots);
	for (i = 0; i < 3; i++)
		EXPECT(found[i] == 1, "%s seen %d times", names[i], found[i]);
	EXPECT(n == 5, "%d entries, want 5", n);
}

static void mkdir_rmdir(void)
{
	const char *d = ut_path("dir");
	struct stat st;

	EXPECT_OK(mkdir(d, 0755));
	EXPECT_OK(stat(d, &st));
	EXPECT(S_ISDIR(st.st_mode), "mkdir made mode %o", st.st_mode);
	EXPECT_ERRNO(mkdir(d, 0755), EEXIST);
	EXPECT(put_file("dir/f", "x"), "put_file: %s", strerror(errno));
	EXPECT_ERRNO(rmdir(d), ENOTEMPTY);
	EXPECT_ERRNO(unlink(d), EISDIR);
	EXPECT_OK(unlink(ut_path("dir/f")));
	EXPECT_OK(rmdir(d));
	EXPECT_ERRNO(rmdir(d), ENOENT);
	EXPECT_ERRNO(mkdir(ut_path("no/such/parent"), 0755), ENOENT);
}

static void unlink_open_file(void)
{
	char buf[8] = { 0 };
	const char *p = put_file("ul", "still");
	int fd;

	EXPECT(p, "put_file: %s", strerror(errno));
	fd = open(p, O_RDONLY);
	EXPECT_OK(fd);
	EXPECT_OK(unlink(p));
	EXPECT_ERRNO(access(p, F_OK), ENOENT);
	EXPECT(read(fd, buf, 5) == 5 && !memcmp(buf, "still", 5),
	       "unlinked open file unreadable");
	close(fd);
	EXPECT_ERRNO(unlink(p), ENOENT);
}

static void rename_replace(void)
{
	char buf[8] = { 0 };
	const char *a = put_file("ra", "AAA");
	const char *b = put_file("rb", "B");
	int fd;

	EXPECT(a && b, "put_file: %s", strerror(errno));
	EXPECT_OK(rename(a, b));
	EXPECT_ERRNO(access(a, F_OK), ENOENT);
	fd = open(b, O_RDONLY);
	EXPECT_OK(fd);
	EXPECT(read(fd, buf, 8) == 3 && !memcmp(buf, "AAA", 3),
	       "target does not have the source's data");
	close(fd);
	EXPECT_OK(mkdir(ut_path("rd1"), 0755));
	EXPECT_OK(rename(ut_path("rd1"), ut_path("rd2")));
	EXPECT_OK(access(ut_path("rd2"), F_OK));
	EXPECT_ERRNO(rename(ut_path("missing"), ut_path("x")), ENOENT);
}

static void cwd_changes(void)
{
	char cwd[PATH_MAX], old[PATH_MAX];
	struct stat a, b;
	int dfd;

	EXPECT(getcwd(old, sizeof(old)), "getcwd: %s", strerror(errno));
	EXPECT_OK(mkdir(ut_path("cw"), 0755));
	EXPECT_OK(chdir(ut_path("cw")));
	EXPECT(getcwd(cwd, sizeof(cwd)), "getcwd: %s", strerror(errno));
	EXPECT_OK(stat(cwd, &a));
	EXPECT_OK(stat(ut_path("cw"), &b));
	EXPECT(a.st_ino == b.st_ino && a.st_dev == b.st_dev,
	       "getcwd %s is not the directory entered", cwd);
	EXPECT(put_file("cw/rel", "r"), "put_file");
	EXPECT_OK(access("rel", F_OK));		/* relative lookup */
	EXPECT_OK(chdir(".."));
	EXPECT_OK(access("cw/rel", F_OK));
	dfd = open("cw", O_RDONLY | O_DIRECTORY);
	EXPECT_OK(dfd);
	EXPECT_OK(fchdir(dfd));
	close(dfd);
	EXPECT_OK(access("rel", F_OK));
	EXPECT_ERRNO(syscall(SYS_getcwd, cwd, 1), ERANGE);
	EXPECT_ERRNO(chdir(ut_path("cw/rel")), ENOTDIR);
	EXPECT_OK(chdir(old));
}

static void access_faccessat(void)
{
	const char *p = put_file("acc", "x");
	int dfd;

	EXPECT(p, "put_file: %s", strerror(errno));
	EXPECT_OK(chmod(p, 0644));
	EXPECT_OK(access(p, F_OK));
	EXPECT_OK(access(p, R_OK));
	/* Not even root may execute a file with no x bit at all. */
	EXPECT_ERRNO(access(p, X_OK), EACCES);
	EXPECT_OK(access(ut_tmpdir(), X_OK));
	EXPECT_ERRNO(access(ut_path("nope"), F_OK), ENOENT);
	dfd = open(ut_tmpdir(), O_RDONLY | O_DIRECTORY);
	EXPECT_OK(dfd);
	EXPECT_OK(faccessat(dfd, "acc", R_OK, 0));
	EXPECT_ERRNO(faccessat(dfd, "nope", F_OK, 0), ENOENT);
	close(dfd);
}

static void truncate_grow_shrink(void)
{
	char buf[16];
	const char *p = put_file("trunc", "0123456789");
	int fd, i;

	EXPECT(p, "put_file: %s", strerror(errno));
	fd = open(p, O_RDWR);
	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, 4));
	EXPECT(size_of(p) == 4, "shrink: size %ld", (long)size_of(p));
	EXPECT_OK(ftruncate(fd, 12));
	EXPECT(size_of(p) == 12, "grow: size %ld", (long)size_of(p));
	EXPECT(pread(fd, buf, 16, 0) == 12, "read after grow");
	EXPECT(!memcmp(buf, "0123", 4), "kept data changed");
	for (i = 4; i < 12; i++)
		EXPECT(buf[i] == 0, "byte %d after grow is %d, want 0", i, buf[i]);
	EXPECT_OK(truncate(p, 2));
	EXPECT(size_of(p) == 2, "truncate: size %ld", (long)size_of(p));
	EXPECT_ERRNO(ftruncate(fd, -1), EINVAL);
	close(fd);
	fd = open(p, O_RDONLY);
	EXPECT_OK(fd);
	EXPECT(ftruncate(fd, 0) == -1 && (errno == EINVAL || errno == EBADF),
	       "ftruncate on O_RDONLY fd: %s", strerror(errno));
	close(fd);
}

static void dup_family(void)
{
	int fd = open(ut_tmpdir(), O_RDONLY | O_DIRECTORY), d, d2;

	EXPECT_OK(fd);
	d = dup(fd);
	EXPECT_OK(d);
	EXPECT(d > fd, "dup returned %d", d);
	EXPECT(fcntl(d, F_GETFD) == 0, "dup copied FD_CLOEXEC");
	close(d);
	EXPECT(dup(fd) == d, "dup did not reuse the lowest free fd");
	EXPECT(dup2(fd, 40) == 40, "dup2: %s", strerror(errno));
	EXPECT(dup2(40, 40) == 40, "dup2 onto itself");
	EXPECT(dup3(fd, 41, O_CLOEXEC) == 41, "dup3: %s", strerror(errno));
	EXPECT(fcntl(41, F_GETFD) == FD_CLOEXEC, "dup3 O_CLOEXEC not set");
	EXPECT_ERRNO(dup3(41, 41, 0), EINVAL);
	d2 = dup2(fd, d);	/* replaces an open fd silently */
	EXPECT(d2 == d, "dup2 over open fd");
	close(40);
	close(41);
	close(d);
	close(fd);
	EXPECT_ERRNO(dup(fd), EBADF);
	EXPECT_ERRNO(dup2(fd, 50), EBADF);
}

static void fcntl_family(void)
{
	int fd = open(ut_path("fc"), O_RDWR | O_CREAT, 0644), fl, d;

	EXPECT_OK(fd);
	EXPECT(fcntl(fd, F_GETFD) == 0, "fresh fd has FD_CLOEXEC");
	EXPECT_OK(fcntl(fd, F_SETFD, FD_CLOEXEC));
	EXPECT(fcntl(fd, F_GETFD) == FD_CLOEXEC, "F_SETFD did not stick");
	EXPECT_OK(fcntl(fd, F_SETFD, 0));
	fl = fcntl(fd, F_GETFL);
	EXPECT_OK(fl);
	EXPECT((fl & O_ACCMODE) == O_RDWR, "access mode %#x", fl & O_ACCMODE);
	EXPECT(!(fl & (O_APPEND | O_NONBLOCK)), "unexpected flags %#x", fl);
	EXPECT_OK(fcntl(fd, F_SETFL, fl | O_APPEND | O_NONBLOCK));
	fl = fcntl(fd, F_GETFL);
	EXPECT((fl & (O_APPEND | O_NONBLOCK)) == (O_APPEND | O_NONBLOCK),
	       "F_SETFL flags %#x", fl);
	EXPECT((fl & O_ACCMODE) == O_RDWR, "F_SETFL changed access mode");
	d = fcntl(fd, F_DUPFD, 20);
	EXPECT(d >= 20, "F_DUPFD returned %d", d);
	EXPECT(fcntl(d, F_GETFD) == 0, "F_DUPFD set FD_CLOEXEC");
	EXPECT(fcntl(d, F_GETFL) == fl, "dup does not share the status flags");
	close(d);
	d = fcntl(fd, F_DUPFD_CLOEXEC, 30);
	EXPECT(d >= 30, "F_DUPFD_CLOEXEC returned %d", d);
	EXPECT(fcntl(d, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC no cloexec");
	close(d);
	close(fd);
	EXPECT_ERRNO(fcntl(fd, F_GETFD), EBADF);
}

static void errno_cases(void)
{
	char name[300], buf[4];
	const char *p = put_file("plain", "x");
	int fd, pfd[2];

	EXPECT(p, "put_file: %s", strerror(errno));
	EXPECT_ERRNO(open(ut_path("missing"), O_RDONLY), ENOENT);
	EXPECT_ERRNO(open(ut_path("missing/x"), O_RDONLY), ENOENT);
	EXPECT_ERRNO(open(ut_path("plain/x"), O_RDONLY), ENOTDIR);
	EXPECT_ERRNO(open(p, O_RDONLY | O_DIRECTORY), ENOTDIR);
	EXPECT_ERRNO(mkdir(ut_path("plain/sub"), 0755), ENOTDIR);
	EXPECT_ERRNO(open(ut_tmpdir(), O_WRONLY), EISDIR);
	EXPECT_ERRNO(open(ut_tmpdir(), O_RDWR), EISDIR);
	fd = open(ut_tmpdir(), O_RDONLY);
	EXPECT_OK(fd);
	EXPECT_ERRNO(read(fd, buf, sizeof(buf)), EISDIR);
	EXPECT_ERRNO(write(fd, "x", 1), EBADF);
	close(fd);
	EXPECT_ERRNO(close(-1), EBADF);
	EXPECT_ERRNO(read(fd, buf, 1), EBADF);
	EXPECT_ERRNO(write(1000, buf, 1), EBADF);
	fd = open(p, O_RDONLY);
	EXPECT_OK(fd);
	EXPECT_ERRNO(write(fd, "x", 1), EBADF);
	close(fd);
	memset(name, 'n', 256);
	name[256] = 0;
	EXPECT_ERRNO(open(ut_path(name), O_RDONLY | O_CREAT, 0644), ENAMETOOLONG);
	EXPECT_ERRNO(mkdir(ut_path(name), 0755), ENAMETOOLONG);
	EXPECT_ERRNO(mkdir(ut_tmpdir(), 0755), EEXIST);
	EXPECT_ERRNO(open("", O_RDONLY), ENOENT);
	EXPECT_OK(pipe(pfd));
	EXPECT_ERRNO(lseek(pfd[0], 0, SEEK_SET), ESPIPE);
	EXPECT_ERRNO(lseek(pfd[1], 0, SEEK_CUR), ESPIPE);
	close(pfd[0]);
	close(pfd[1]);
}

int main(void)
{
	ut_begin("fs_test");
	ut_tmpdir();
	RUN(open_write_read);
	RUN(creat_mode_and_umask);
	RUN(pread_pwrite);
	RUN(readv_writev);
	RUN(o_append);
	RUN(o_trunc_o_excl);
	RUN(stat_family);
	RUN(getdents_lists_entries);
	RUN(mkdir_rmdir);
	RUN(unlink_open_file);
	RUN(rename_replace);
	RUN(cwd_changes);
	RUN(access_faccessat);
	RUN(truncate_grow_shrink);
	RUN(dup_family);
	RUN(fcntl_family);
	RUN(errno_cases);
	return ut_end();
}
