/*
 * process_vm_test.c - one process reading and writing another's memory:
 * process_vm_readv(2)/process_vm_writev(2) and /proc/PID/mem.
 *
 * The target is a forked child: after fork it has the parent's addresses,
 * so the parent names the child's buffers by its own pointers. The child
 * writes its own pattern there, says "ready" on a pipe and waits for the
 * parent's verdict ("check" it then verifies what the parent wrote, or
 * "quit"); its exit status is the verdict on its side.
 *
 * Covered: single and multi-segment transfers in both directions,
 * transfers cut short by a hole in the target or by a fault in the local
 * buffer (the bytes before it are returned), every errno (EINVAL for
 * flags and counts, EFAULT for bad vectors and an unmapped target,
 * ESRCH for a reaped pid and for a zombie, EPERM for a process of
 * another user or a non-dumpable one when the caller lacks
 * CAP_SYS_PTRACE); and for /proc/PID/mem: reads and writes of the
 * caller's and a child's memory at the file position, a write into a
 * read-only private file mapping that lands in a private copy (the file
 * unchanged), EIO at an unmapped address, lseek to a kernel address,
 * open refused with EACCES, and EOF after the process has exited.
 *
 * The access cases need root (to make a process of another user) and
 * skip otherwise.
 */
#include "utest.h"
#include "cap_util.h"
#include "vm_util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#define NOBODY		65534
#define CAP_SYS_PTRACE_	19
#define UIO_MAXIOV_	1024
#define NPAGES		3

/* The child's data: byte i of its buffer is pat(i, seed). */
static unsigned char pat(size_t i, int seed)
{
	return (unsigned char)(i * 7 + seed);
}

static long pvm_read(pid_t pid, const struct iovec *l, unsigned long nl,
		     const struct iovec *r, unsigned long nr, unsigned long flags)
{
	return syscall(SYS_process_vm_readv, pid, l, nl, r, nr, flags);
}

static long pvm_write(pid_t pid, const struct iovec *l, unsigned long nl,
		      const struct iovec *r, unsigned long nr, unsigned long flags)
{
	return syscall(SYS_process_vm_writev, pid, l, nl, r, nr, flags);
}

/* A child that filled @buf (@len bytes) with pat(, 0x30) and waits. */
struct target {
	pid_t pid;
	int cmd;		/* parent -> child: 'c' check @want, 'q' quit */
	int ready;		/* child -> parent: one byte once set up */
};

/*
 * Fork a target. @setup runs in the child before it says ready (drop
 * ids, make itself non-dumpable); then on 'c' the child checks that
 * @buf holds @want (@len bytes) and exits 0 if so, 3 if not; on 'q' or
 * EOF it exits 0. Returns 0, or -1 with errno.
 */
static int target_start(struct target *t, unsigned char *buf, size_t len,
			const unsigned char *want, void (*setup)(void))
{
	int down[2], up[2];
	char c = 0;

	if (pipe(down) < 0 || pipe(up) < 0)
		return -1;
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		close(down[1]);
		close(up[0]);
		for (size_t i = 0; i < len; i++)
			buf[i] = pat(i, 0x30);
		if (setup)
			setup();
		if (write(up[1], "r", 1) != 1)
			_exit(2);
		if (read(down[0], &c, 1) == 1 && c == 'c')
			_exit(memcmp(buf, want, len) ? 3 : 0);
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	t->cmd = down[1];
	t->ready = up[0];
	if (read(t->ready, &c, 1) != 1) {
		errno = ECHILD;
		return -1;
	}
	return 0;
}

/* Send @cmd, reap the child: its exit status, or -1 when it did not exit. */
static int target_end(struct target *t, char cmd)
{
	int st;

	if (write(t->cmd, &cmd, 1) != 1)
		kill(t->pid, SIGKILL);
	close(t->cmd);
	close(t->ready);
	if (waitpid(t->pid, &st, 0) != t->pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* A page-aligned area of @n pages with nothing mapped in the page after it. */
static unsigned char *map_before_hole(size_t n)
{
	unsigned char *p = mmap(NULL, (n + 1) * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p + n * PAGE, PAGE);
	return p;
}

/* ---- process_vm_readv / process_vm_writev ---- */

static void readv_child(void)
{
	unsigned char *buf = map_before_hole(NPAGES), *out = malloc(NPAGES * PAGE);
	struct iovec l = { out, NPAGES * PAGE }, r;
	struct target t;
	long n;

	EXPECT(buf && out, "mmap/malloc");
	memset(buf, 0xee, NPAGES * PAGE);	/* the parent's copy differs */
	EXPECT_OK(target_start(&t, buf, NPAGES * PAGE, NULL, NULL));
	/* Unaligned and crossing pages, to the last byte before the hole. */
	r = (struct iovec){ buf + 100, NPAGES * PAGE - 100 };
	n = pvm_read(t.pid, &l, 1, &r, 1, 0);
	target_end(&t, 'q');
	EXPECT(n == NPAGES * PAGE - 100, "readv returned %ld: %s", n, strerror(errno));
	for (size_t i = 0; i < NPAGES * PAGE - 100; i++)
		EXPECT(out[i] == pat(i + 100, 0x30), "byte %zu: %#x, want %#x", i, out[i],
		       pat(i + 100, 0x30));
	EXPECT(buf[0] == 0xee, "our own copy changed");
	munmap(buf, NPAGES * PAGE);
	free(out);
}

static void writev_child(void)
{
	unsigned char *buf = map_before_hole(NPAGES), *want = malloc(NPAGES * PAGE);
	unsigned char *src = malloc(NPAGES * PAGE);
	struct iovec l, r;
	struct target t;
	long n;

	EXPECT(buf && want && src, "mmap/malloc");
	for (size_t i = 0; i < NPAGES * PAGE; i++) {
		src[i] = pat(i, 0x77);
		want[i] = i >= 5 && i < 5 + 2 * PAGE ? pat(i - 5, 0x77) : pat(i, 0x30);
	}
	EXPECT_OK(target_start(&t, buf, NPAGES * PAGE, want, NULL));
	l = (struct iovec){ src, 2 * PAGE };
	r = (struct iovec){ buf + 5, 2 * PAGE };
	n = pvm_write(t.pid, &l, 1, &r, 1, 0);
	EXPECT(n == 2 * PAGE, "writev returned %ld: %s", n, strerror(errno));
	EXPECT(target_end(&t, 'c') == 0, "the child did not see what was written");
	munmap(buf, NPAGES * PAGE);
	free(want);
	free(src);
}

/*
 * Three local segments against two remote ones of other sizes: the bytes
 * flow in order across both lists' boundaries.
 */
static void multi_iovec(void)
{
	unsigned char *buf = map_before_hole(NPAGES), a[100], b[5000], c[10];
	unsigned char *want = malloc(NPAGES * PAGE), all[5110];
	struct iovec l[3] = { { a, sizeof(a) }, { b, sizeof(b) }, { c, sizeof(c) } };
	struct iovec r[2] = { { NULL, 3000 }, { NULL, 2110 } };
	struct target t;
	size_t k = 0;
	long n;

	EXPECT(buf && want, "mmap/malloc");
	r[0].iov_base = buf + 10;
	r[1].iov_base = buf + 2 * PAGE;
	/* @want is filled in later and sent over (the child has only its address). */
	EXPECT_OK(target_start(&t, buf, NPAGES * PAGE, want, NULL));
	n = pvm_read(t.pid, l, 3, r, 2, 0);
	EXPECT(n == 5110, "readv returned %ld: %s", n, strerror(errno));
	memcpy(all, a, 100);
	memcpy(all + 100, b, 5000);
	memcpy(all + 5100, c, 10);
	for (size_t i = 0; i < 3000; i++, k++)
		EXPECT(all[k] == pat(10 + i, 0x30), "readv byte %zu", k);
	for (size_t i = 0; i < 2110; i++, k++)
		EXPECT(all[k] == pat(2 * PAGE + i, 0x30), "readv byte %zu", k);
	/* The same vectors the other way: write 5110 new bytes. */
	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = pat(i, 0x99);
	memcpy(a, all, 100);
	memcpy(b, all + 100, 5000);
	memcpy(c, all + 5100, 10);
	for (size_t i = 0; i < NPAGES * PAGE; i++)
		want[i] = pat(i, 0x30);
	memcpy(want + 10, all, 3000);
	memcpy(want + 2 * PAGE, all + 3000, 2110);
	n = pvm_write(t.pid, l, 3, r, 2, 0);
	EXPECT(n == 5110, "writev returned %ld: %s", n, strerror(errno));
	{
		struct iovec wl = { want, NPAGES * PAGE }, wr = { want, NPAGES * PAGE };

		EXPECT(pvm_write(t.pid, &wl, 1, &wr, 1, 0) == NPAGES * PAGE, "send want");
	}
	EXPECT(target_end(&t, 'c') == 0, "the child's buffer is not what was written");
	munmap(buf, NPAGES * PAGE);
	free(want);
}

/*
 * A remote segment running into a hole: the bytes before it count; a
 * later segment is not tried; a first segment in the hole is EFAULT.
 */
static void partial_remote(void)
{
	unsigned char *buf = map_before_hole(1), out[3 * 200];
	struct iovec l = { out, sizeof(out) }, r[3];
	struct target t;
	long n;

	EXPECT(buf, "mmap");
	EXPECT_OK(target_start(&t, buf, PAGE, NULL, NULL));
	r[0] = (struct iovec){ buf + PAGE - 100, 200 };		/* 100 mapped */
	r[1] = (struct iovec){ buf, 200 };
	n = pvm_read(t.pid, &l, 1, r, 2, 0);
	EXPECT(n == 100, "read across the hole: %ld (%s), want 100", n, strerror(errno));
	EXPECT(out[0] == pat(PAGE - 100, 0x30) && out[99] == pat(PAGE - 1, 0x30), "data");
	r[0] = (struct iovec){ buf, 200 };
	r[1] = (struct iovec){ buf + PAGE, 200 };			/* all hole */
	r[2] = (struct iovec){ buf + 200, 200 };
	n = pvm_read(t.pid, &l, 1, r, 3, 0);
	EXPECT(n == 200, "second segment in the hole: %ld (%s), want 200", n,
	       strerror(errno));
	n = pvm_write(t.pid, &l, 1, r, 3, 0);
	EXPECT(n == 200, "writev, second segment in the hole: %ld (%s), want 200", n,
	       strerror(errno));
	EXPECT_ERRNO(pvm_read(t.pid, &l, 1, &r[1], 1, 0), EFAULT);
	EXPECT_ERRNO(pvm_write(t.pid, &l, 1, &r[1], 1, 0), EFAULT);
	target_end(&t, 'q');
	munmap(buf, PAGE);
}

/* A local buffer running into a hole: the bytes before it count. */
static void partial_local(void)
{
	unsigned char *buf = map_before_hole(2), *loc = map_before_hole(1);
	struct iovec l[2], r;
	struct target t;
	long n;

	EXPECT(buf && loc, "mmap");
	EXPECT_OK(target_start(&t, buf, 2 * PAGE, NULL, NULL));
	r = (struct iovec){ buf, 2 * PAGE };
	l[0] = (struct iovec){ loc, 2 * PAGE };		/* the second page is a hole */
	n = pvm_read(t.pid, l, 1, &r, 1, 0);
	EXPECT(n == PAGE, "readv into a half-mapped buffer: %ld (%s), want %lu", n,
	       strerror(errno), PAGE);
	EXPECT(loc[PAGE - 1] == pat(PAGE - 1, 0x30), "data");
	n = pvm_write(t.pid, l, 1, &r, 1, 0);
	EXPECT(n == PAGE, "writev from a half-mapped buffer: %ld (%s), want %lu", n,
	       strerror(errno), PAGE);
	/* Nothing copied at all: EFAULT. */
	l[0] = (struct iovec){ loc + PAGE, 10 };
	EXPECT_ERRNO(pvm_read(t.pid, l, 1, &r, 1, 0), EFAULT);
	EXPECT_ERRNO(pvm_write(t.pid, l, 1, &r, 1, 0), EFAULT);
	target_end(&t, 'q');
	munmap(buf, 2 * PAGE);
	munmap(loc, PAGE);
}

static void errno_einval(void)
{
	static struct iovec many[UIO_MAXIOV_ + 1];
	char x[8];
	struct iovec l = { x, sizeof(x) }, r = { x, sizeof(x) }, neg = { x, (size_t)-1 };

	for (int i = 0; i <= UIO_MAXIOV_; i++)
		many[i] = (struct iovec){ x, 1 };
	EXPECT_ERRNO(pvm_read(getpid(), &l, 1, &r, 1, 1), EINVAL);
	EXPECT_ERRNO(pvm_write(getpid(), &l, 1, &r, 1, 1ul << 63), EINVAL);
	EXPECT_ERRNO(pvm_read(getpid(), many, UIO_MAXIOV_ + 1, &r, 1, 0), EINVAL);
	EXPECT_ERRNO(pvm_read(getpid(), &l, 1, many, UIO_MAXIOV_ + 1, 0), EINVAL);
	EXPECT_ERRNO(pvm_read(getpid(), &neg, 1, &r, 1, 0), EINVAL);
	EXPECT_ERRNO(pvm_read(getpid(), &l, 1, &neg, 1, 0), EINVAL);
	/* UIO_MAXIOV itself is fine; the copy stops where the other side ends. */
	EXPECT(pvm_read(getpid(), many, UIO_MAXIOV_, &r, 1, 0) == sizeof(x), "UIO_MAXIOV");
}

static void errno_efault(void)
{
	static char x[64], y[64];
	struct iovec l = { x, sizeof(x) }, r = { y, sizeof(y) };
	struct iovec kern = { (void *)0xffff888000000000ul, 8 };

	/* The vectors themselves unreadable. */
	EXPECT_ERRNO(pvm_read(getpid(), (void *)1, 1, &r, 1, 0), EFAULT);
	EXPECT_ERRNO(pvm_read(getpid(), &l, 1, (void *)1, 1, 0), EFAULT);
	/* A local segment outside user space. */
	EXPECT_ERRNO(pvm_read(getpid(), &kern, 1, &r, 1, 0), EFAULT);
	EXPECT_ERRNO(pvm_write(getpid(), &kern, 1, &r, 1, 0), EFAULT);
	/* A remote one there: nothing copied. */
	EXPECT_ERRNO(pvm_read(getpid(), &l, 1, &kern, 1, 0), EFAULT);
	/* And it works on ourselves. */
	memset(y, 'y', sizeof(y));
	EXPECT(pvm_read(getpid(), &l, 1, &r, 1, 0) == sizeof(x) && x[63] == 'y', "self");
}

/* Nothing to copy on either side: 0, before the pid is even looked at. */
static void nothing_to_copy(void)
{
	char x[8];
	struct iovec l = { x, sizeof(x) }, r = { x, sizeof(x) }, z = { x, 0 };
	pid_t pid = fork();

	EXPECT(pid >= 0, "fork");
	if (pid == 0)
		_exit(0);
	EXPECT(waitpid(pid, NULL, 0) == pid, "waitpid");
	EXPECT(pvm_read(pid, &l, 0, &r, 1, 0) == 0, "no local segments");
	EXPECT(pvm_read(pid, &z, 1, (void *)1, 1, 0) == 0, "local of 0 bytes");
	EXPECT(pvm_read(pid, &l, 1, &z, 1, 0) == 0, "remote of 0 bytes");
	EXPECT(pvm_write(pid, &l, 1, NULL, 0, 0) == 0, "no remote segments");
}

/* Wait (up to 5 s) until /proc/PID/stat shows @pid as a zombie. */
static bool wait_zombie(pid_t pid)
{
	char path[64], st[256], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 5000; i++) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, st, sizeof(st) - 1) : -1;

		if (fd >= 0)
			close(fd);
		if (n > 0) {
			st[n] = 0;
			p = strrchr(st, ')');
			if (p && p[1] == ' ' && p[2] == 'Z')
				return true;
		}
		usleep(1000);
	}
	return false;
}

static void errno_esrch(void)
{
	char x[8];
	struct iovec l = { x, sizeof(x) }, r = { x, sizeof(x) };
	pid_t pid = fork();
	int st;

	EXPECT(pid >= 0, "fork");
	if (pid == 0)
		_exit(0);
	/* A zombie has no memory left: ESRCH (Linux: mm_access gives none). */
	EXPECT(wait_zombie(pid), "pid %d never showed state Z in /proc", (int)pid);
	EXPECT_ERRNO(pvm_read(pid, &l, 1, &r, 1, 0), ESRCH);
	EXPECT_ERRNO(pvm_write(pid, &l, 1, &r, 1, 0), ESRCH);
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid");
	/* Reaped: no such process. */
	EXPECT_ERRNO(pvm_read(pid, &l, 1, &r, 1, 0), ESRCH);
	EXPECT_ERRNO(pvm_write(pid, &l, 1, &r, 1, 0), ESRCH);
}

static void become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		_exit(4);
}

static void become_undumpable(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		_exit(4);
}

/*
 * In a child: without CAP_SYS_PTRACE, reach @pid (@buf mapped there):
 * process_vm_readv/writev must give EPERM and opening its mem EACCES.
 * Exits 0 when they do.
 */
static void refused_child(pid_t pid, unsigned char *buf, bool drop_uid)
{
	unsigned char x[16];
	struct iovec l = { x, sizeof(x) }, r = { buf, sizeof(x) };
	char path[64];
	int fd;

	if (drop_uid && (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)))
		_exit(4);
	if (!drop_uid && cap_drop_effective(CAP_SYS_PTRACE_))
		_exit(4);
	errno = 0;
	if (pvm_read(pid, &l, 1, &r, 1, 0) != -1 || errno != EPERM)
		_exit(5);
	errno = 0;
	if (pvm_write(pid, &l, 1, &r, 1, 0) != -1 || errno != EPERM)
		_exit(6);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	errno = 0;
	fd = open(path, O_RDONLY);
	if (fd >= 0 || errno != EACCES)
		_exit(7);
	_exit(0);
}

/*
 * Access is Linux's ptrace rule: a process of another user (or one that
 * is not dumpable) is out of reach without CAP_SYS_PTRACE, with it not.
 */
static void access_rules(void)
{
	static const struct { void (*setup)(void); bool drop_uid; const char *what; } c[] = {
		{ become_nobody, false, "target nobody, caller root without CAP_SYS_PTRACE" },
		{ become_nobody, true, "target nobody, caller uid 1000" },
		{ become_undumpable, false, "target not dumpable, caller root without cap" },
	};
	unsigned char *buf = map_before_hole(1), x[16];
	struct iovec l = { x, sizeof(x) }, r = { 0 };

	if (geteuid() != 0)
		SKIP("needs root to make a process of another user (euid %d)", (int)geteuid());
	EXPECT(buf, "mmap");
	r = (struct iovec){ buf, sizeof(x) };
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct target t;
		pid_t checker;
		int st;

		EXPECT_OK(target_start(&t, buf, PAGE, NULL, c[i].setup));
		/* We are root with CAP_SYS_PTRACE: allowed. */
		EXPECT(pvm_read(t.pid, &l, 1, &r, 1, 0) == sizeof(x) && x[3] == pat(3, 0x30),
		       "%s: root with CAP_SYS_PTRACE refused: %s", c[i].what, strerror(errno));
		checker = fork();
		EXPECT(checker >= 0, "fork");
		if (checker == 0)
			refused_child(t.pid, buf, c[i].drop_uid);
		EXPECT(waitpid(checker, &st, 0) == checker, "waitpid");
		target_end(&t, 'q');
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "%s: status %#x (4 setup, 5 readv, 6 writev not EPERM, 7 open not EACCES)",
		       c[i].what, st);
	}
	munmap(buf, PAGE);
}

/* ---- /proc/PID/mem ---- */

static volatile uint64_t mem_word = 0x1122334455667788ull;

static void mem_self(void)
{
	int fd = open("/proc/self/mem", O_RDWR);
	uint64_t v = 0, nv = 0xcafef00dcafef00dull;
	off_t at = (off_t)(uintptr_t)&mem_word;

	EXPECT(fd >= 0, "open /proc/self/mem: %s", strerror(errno));
	EXPECT(pread(fd, &v, sizeof(v), at) == sizeof(v), "pread: %s", strerror(errno));
	EXPECT(v == 0x1122334455667788ull, "read %#llx", (unsigned long long)v);
	EXPECT(pwrite(fd, &nv, sizeof(nv), at) == sizeof(nv), "pwrite: %s", strerror(errno));
	EXPECT(mem_word == nv, "mem_word is %#llx after the write",
	       (unsigned long long)mem_word);
	/* read(2) at the position lseek set, which then advances. */
	EXPECT(lseek(fd, at, SEEK_SET) == at, "lseek: %s", strerror(errno));
	v = 0;
	EXPECT(read(fd, &v, sizeof(v)) == sizeof(v) && v == nv, "read at lseek position");
	EXPECT(lseek(fd, 0, SEEK_CUR) == at + 8, "position after read");
	close(fd);
}

static void mem_child(void)
{
	unsigned char *buf = map_before_hole(2), *want = malloc(2 * PAGE), in[300];
	char path[64];
	struct target t;
	int fd;

	EXPECT(buf && want, "mmap/malloc");
	for (size_t i = 0; i < 2 * PAGE; i++)
		want[i] = i >= PAGE - 50 && i < PAGE + 250 ? pat(i, 0x55) : pat(i, 0x30);
	EXPECT_OK(target_start(&t, buf, 2 * PAGE, want, NULL));
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)t.pid);
	fd = open(path, O_RDWR);
	EXPECT(fd >= 0, "open %s: %s", path, strerror(errno));
	EXPECT(pread(fd, in, sizeof(in), (off_t)(uintptr_t)(buf + PAGE - 50)) == sizeof(in),
	       "pread across pages: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(in); i++)
		EXPECT(in[i] == pat(PAGE - 50 + i, 0x30), "byte %zu", i);
	EXPECT(pwrite(fd, want + PAGE - 50, 300, (off_t)(uintptr_t)(buf + PAGE - 50)) == 300,
	       "pwrite: %s", strerror(errno));
	close(fd);
	EXPECT(target_end(&t, 'c') == 0, "the child does not see the write");
	munmap(buf, 2 * PAGE);
	free(want);
}

/*
 * A write through mem into a read-only private file mapping goes to a
 * private copy of the page (FOLL_FORCE's COW): the mapping shows it, the
 * file does not. A read-only shared mapping cannot be written (EIO).
 */
static void mem_write_readonly_private(void)
{
	const char *path = ut_path("ro-file");
	char page[PAGE], back[8];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), mfd;
	unsigned char *p, *s;
	uint64_t e;

	EXPECT(fd >= 0, "open %s: %s", path, strerror(errno));
	memset(page, 'A', sizeof(page));
	EXPECT(write(fd, page, PAGE) == PAGE, "write file");
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	s = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT(p != MAP_FAILED && s != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(p[0] == 'A', "mapping reads %c", p[0]);
	mfd = open("/proc/self/mem", O_RDWR);
	EXPECT(mfd >= 0, "open /proc/self/mem: %s", strerror(errno));
	EXPECT(pwrite(mfd, "BBBB", 4, (off_t)(uintptr_t)p) == 4, "pwrite into PROT_READ: %s",
	       strerror(errno));
	EXPECT(memcmp(p, "BBBBA", 5) == 0, "private mapping reads %.5s", (char *)p);
	EXPECT(pread(fd, back, 5, 0) == 5 && memcmp(back, "AAAAA", 5) == 0,
	       "the file changed: %.5s", back);
	EXPECT(s[0] == 'A', "the shared mapping sees %c", s[0]);
	/* The page is now the mapping's own anonymous copy. */
	if (vm_pagemap(p, &e) == 0 && (e & PM_PRESENT))
		EXPECT(!(e & PM_FILE), "pagemap %#llx: still the file's page",
		       (unsigned long long)e);
	EXPECT_ERRNO(pwrite(mfd, "CCCC", 4, (off_t)(uintptr_t)s), EIO);
	EXPECT(s[0] == 'A', "the shared mapping was written");
	close(mfd);
	munmap(p, PAGE);
	munmap(s, PAGE);
	close(fd);
}

static void mem_eio(void)
{
	unsigned char *buf = map_before_hole(1), in[200];
	int fd = open("/proc/self/mem", O_RDWR);
	off_t hole = (off_t)(uintptr_t)(buf + PAGE);

	EXPECT(buf && fd >= 0, "mmap/open: %s", strerror(errno));
	memset(buf, 'z', PAGE);
	EXPECT_ERRNO(pread(fd, in, sizeof(in), hole), EIO);
	EXPECT_ERRNO(pwrite(fd, in, sizeof(in), hole), EIO);
	/* Up to the hole: the bytes before it. */
	EXPECT(pread(fd, in, sizeof(in), hole - 100) == 100 && in[99] == 'z',
	       "pread into the hole: not 100 bytes");
	EXPECT(pwrite(fd, in, sizeof(in), hole - 100) == 100, "pwrite into the hole");
	/* A bad local buffer is EFAULT, not EIO. */
	EXPECT_ERRNO(pread(fd, (void *)hole, 10, (off_t)(uintptr_t)buf), EFAULT);
	EXPECT_ERRNO(pwrite(fd, (void *)hole, 10, (off_t)(uintptr_t)buf), EFAULT);
	close(fd);
	munmap(buf, PAGE);
}

/* Positions are unsigned: lseek reaches a kernel address; reading there is EIO. */
static void mem_lseek_high(void)
{
	int fd = open("/proc/self/mem", O_RDONLY);
	off_t high = (off_t)0xffff888000000000ull;
	char c;

	EXPECT(fd >= 0, "open: %s", strerror(errno));
	errno = 0;
	EXPECT(lseek(fd, high, SEEK_SET) == high, "lseek to %#llx: %s",
	       (unsigned long long)high, strerror(errno));
	EXPECT(lseek(fd, 0x1000, SEEK_CUR) == high + 0x1000, "SEEK_CUR");
	EXPECT_ERRNO(read(fd, &c, 1), EIO);
	EXPECT_ERRNO(lseek(fd, 0, SEEK_END), EINVAL);
	close(fd);
}

/* An open mem file reads nothing (0) once its process has exited. */
static void mem_after_exit(void)
{
	unsigned char *buf = map_before_hole(1), c;
	char path[64];
	struct target t;
	int fd;

	EXPECT(buf, "mmap");
	EXPECT_OK(target_start(&t, buf, PAGE, NULL, NULL));
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)t.pid);
	fd = open(path, O_RDONLY);
	EXPECT(fd >= 0, "open %s: %s", path, strerror(errno));
	EXPECT(pread(fd, &c, 1, (off_t)(uintptr_t)buf) == 1 && c == pat(0, 0x30), "read live");
	target_end(&t, 'q');
	EXPECT(pread(fd, &c, 1, (off_t)(uintptr_t)buf) == 0, "read after exit: not EOF");
	close(fd);
	munmap(buf, PAGE);
}

int main(void)
{
	ut_begin("process_vm_test");
	RUN(readv_child);
	RUN(writev_child);
	RUN(multi_iovec);
	RUN(partial_remote);
	RUN(partial_local);
	RUN(errno_einval);
	RUN(errno_efault);
	RUN(nothing_to_copy);
	RUN(errno_esrch);
	RUN(access_rules);
	RUN(mem_self);
	RUN(mem_child);
	RUN(mem_write_readonly_private);
	RUN(mem_eio);
	RUN(mem_lseek_high);
	RUN(mem_after_exit);
	return ut_end();
}
