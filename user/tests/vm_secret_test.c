/*
 * vm_secret_test.c - memfd_secret(2) as Linux has it: only O_CLOEXEC, a
 * file of size 0 sized once by ftruncate, no read or write through the
 * file, MAP_SHARED only and never executable, locked (RLIMIT_MEMLOCK)
 * and kept out of core dumps, SIGBUS beyond EOF, MADV_POPULATE refused,
 * shared with a forked child, out of reach of process_vm_readv/writev,
 * /proc/PID/mem and ptrace PEEKDATA/POKEDATA, every secret frame mapped
 * by a 4 KiB page of the direct map (DirectMap4k) while it exists and
 * free again after.
 *
 * On a Linux without secretmem (ENOSYS, or secretmem.enable=0) every
 * case is skipped.
 */
#include "vm_util.h"
#include "cap_util.h"

#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif
#define CAP_IPC_LOCK	14

static int memfd_secret(unsigned int flags)
{
	return (int)syscall(__NR_memfd_secret, flags);
}

/* A secret fd of @pages pages, or -1 (the case failed). */
static int secret_fd(size_t pages)
{
	int fd = memfd_secret(0);

	if (fd < 0 || ftruncate(fd, (off_t)(pages * PAGE)) < 0)
		return -1;
	return fd;
}

static void flags_and_file(void)
{
	struct stat st;
	int fd = memfd_secret(0), cfd = memfd_secret(O_CLOEXEC);
	char c;

	EXPECT(fd >= 0 && cfd >= 0, "memfd_secret: %s", strerror(errno));
	EXPECT(!(fcntl(fd, F_GETFD) & FD_CLOEXEC), "FD_CLOEXEC without O_CLOEXEC");
	EXPECT(fcntl(cfd, F_GETFD) & FD_CLOEXEC, "no FD_CLOEXEC with O_CLOEXEC");
	EXPECT((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "not O_RDWR");
	EXPECT_ERRNO(memfd_secret(1), EINVAL);		/* FD_CLOEXEC is not O_CLOEXEC */
	EXPECT_ERRNO(memfd_secret(O_NONBLOCK), EINVAL);
	EXPECT_OK(fstat(fd, &st));
	EXPECT(S_ISREG(st.st_mode) && st.st_size == 0, "mode %o size %lld", st.st_mode,
	       (long long)st.st_size);
	/* The size is set once. */
	EXPECT_OK(ftruncate(fd, 2 * PAGE));
	EXPECT_ERRNO(ftruncate(fd, 4 * PAGE), EINVAL);
	EXPECT_ERRNO(ftruncate(fd, 2 * PAGE), EINVAL);
	EXPECT_OK(fstat(fd, &st));
	EXPECT(st.st_size == 2 * PAGE, "size %lld", (long long)st.st_size);
	/* No data through the file. */
	EXPECT_ERRNO(read(fd, &c, 1), EINVAL);
	EXPECT_ERRNO(write(fd, "x", 1), EINVAL);
	EXPECT_ERRNO(pread(fd, &c, 1, 0), ESPIPE);		/* not seekable either */
	EXPECT_ERRNO(lseek(fd, 0, SEEK_SET), ESPIPE);
	close(fd);
	close(cfd);
}

static void mapping_rules(void)
{
	int fd = secret_fd(2);
	char *p, flags[128];

	EXPECT(fd >= 0, "setup: %s", strerror(errno));
	EXPECT(mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) == MAP_FAILED &&
	       errno == EINVAL, "MAP_PRIVATE: %s", strerror(errno));
	EXPECT(mmap(NULL, 2 * PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0) == MAP_FAILED &&
	       errno == EPERM, "PROT_EXEC: %s", strerror(errno));
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT(p != MAP_FAILED, "MAP_SHARED: %s", strerror(errno));
	if (p == MAP_FAILED)
		return;
	memcpy(p, "secret", 7);
	EXPECT(!strcmp(p, "secret"), "data");
	EXPECT(vm_smaps_flags(p, flags, sizeof(flags)) == 0, "smaps");
	EXPECT(vm_has_flag(flags, "lo") && vm_has_flag(flags, "dd"), "VmFlags: %s", flags);
	EXPECT_ERRNO(mprotect(p, PAGE, PROT_READ | PROT_EXEC), EACCES);
	/* The kernel will not populate it. */
	EXPECT_ERRNO(madvise(p, PAGE, MADV_POPULATE_READ), EINVAL);
	EXPECT_ERRNO(madvise(p, PAGE, MADV_POPULATE_WRITE), EINVAL);
	/* write(2) from it works: the copy goes through our own mapping. */
	{
		int pp[2];
		char out[7];

		EXPECT_OK(pipe(pp));
		EXPECT(write(pp[1], p, 7) == 7 && read(pp[0], out, 7) == 7 &&
		       !strcmp(out, "secret"), "write(2) from secret memory");
		close(pp[0]);
		close(pp[1]);
	}
	munmap(p, 2 * PAGE);
	close(fd);
}

static void sigbus_beyond_eof(void)
{
	int fd = secret_fd(1);
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	EXPECT(fd >= 0 && p != MAP_FAILED, "setup: %s", strerror(errno));
	if (p == MAP_FAILED)
		return;
	p[0] = 1;
	EXPECT_CHILD_FAULT(p + PAGE, VM_READ, SIGBUS, BUS_ADRERR, p + PAGE);
	munmap(p, 2 * PAGE);
	close(fd);
}

static void shared_with_child(void)
{
	int fd = secret_fd(1), st;
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	pid_t pid;

	EXPECT(fd >= 0 && p != MAP_FAILED, "setup: %s", strerror(errno));
	if (p == MAP_FAILED)
		return;
	strcpy(p, "parent");
	pid = fork();
	if (pid == 0) {
		if (strcmp(p, "parent"))
			_exit(1);
		strcpy(p, "child");
		_exit(0);
	}
	EXPECT(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
	       "child status %#x", st);
	EXPECT(!strcmp(p, "child"), "the parent sees %s", p);
	munmap(p, PAGE);
	close(fd);
}

/*
 * The kernel's remote-access paths cannot read it: process_vm_readv and
 * process_vm_writev of it fail with EFAULT (get_user_pages refuses it),
 * /proc/PID/mem with EIO - from this process and from a child.
 */
static void remote_access_refused(void)
{
	int fd = secret_fd(1), st;
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	pid_t pid;

	EXPECT(fd >= 0 && p != MAP_FAILED, "setup: %s", strerror(errno));
	if (p == MAP_FAILED)
		return;
	memset(p, 'S', PAGE);
	pid = fork();
	if (pid == 0) {
		char buf[16], path[64];
		struct iovec l = { buf, sizeof(buf) }, r = { p, sizeof(buf) };
		int mfd;

		/* The parent's secret page, from the child. */
		if (process_vm_readv(getppid(), &l, 1, &r, 1, 0) != -1 || errno != EFAULT)
			_exit(2);
		if (process_vm_writev(getppid(), &l, 1, &r, 1, 0) != -1 || errno != EFAULT)
			_exit(3);
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)getppid());
		mfd = open(path, O_RDONLY);
		if (mfd < 0)
			_exit(4);
		if (pread(mfd, buf, sizeof(buf), (off_t)(uintptr_t)p) != -1 || errno != EIO)
			_exit(5);
		_exit(0);
	}
	EXPECT(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st),
	       "child status %#x", st);
	EXPECT(WEXITSTATUS(st) == 0, "child: %d (2/3: process_vm_readv/writev not EFAULT, "
	       "4: open mem, 5: /proc/PID/mem read not EIO)", WEXITSTATUS(st));
	EXPECT(p[0] == 'S' && p[PAGE - 1] == 'S', "the secret changed");
	munmap(p, PAGE);
	close(fd);
}

/*
 * A tracer cannot peek or poke a tracee's secret page (EIO, as for an
 * unmapped address), though the word next to it in ordinary memory it can.
 */
static void ptrace_peek_refused(void)
{
	int fd = secret_fd(1), st;
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	static long plain = 0x5ec12e7;
	long word;
	pid_t pid;

	EXPECT(fd >= 0 && p != MAP_FAILED, "setup: %s", strerror(errno));
	if (p == MAP_FAILED)
		return;
	memset(p, 'S', PAGE);
	pid = fork();
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			_exit(2);
		raise(SIGSTOP);
		_exit(p[0] == 'S' ? 0 : 3);
	}
	EXPECT(pid > 0 && waitpid(pid, &st, 0) == pid && WIFSTOPPED(st),
	       "tracee not stopped: %#x", st);
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, &plain, 0);
	EXPECT(errno == 0 && word == plain, "PEEKDATA of plain memory: %ld (%s)", word,
	       strerror(errno));
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, p, 0);
	EXPECT(word == -1 && errno == EIO, "PEEKDATA of the secret: %ld (%s)", word,
	       strerror(errno));
	EXPECT(ptrace(PTRACE_POKEDATA, pid, p, 0x4141414141414141l) == -1 && errno == EIO,
	       "POKEDATA of the secret: %s", strerror(errno));
	EXPECT(ptrace(PTRACE_CONT, pid, 0, 0) == 0, "CONT: %s", strerror(errno));
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "tracee status %#x", st);
	EXPECT(p[0] == 'S' && p[7] == 'S', "the secret changed");
	munmap(p, PAGE);
	close(fd);
}

/* Without CAP_IPC_LOCK, a mapping beyond RLIMIT_MEMLOCK is EAGAIN. */
static void memlock_limit(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct rlimit r = { PAGE, PAGE };
		int fd = secret_fd(4);
		char *p;

		if (fd < 0 || setrlimit(RLIMIT_MEMLOCK, &r) || cap_drop_effective(CAP_IPC_LOCK))
			_exit(2);
		p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED || errno != EAGAIN)
			_exit(3);
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		_exit(p == MAP_FAILED ? 4 : 0);
	}
	EXPECT(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st),
	       "child status %#x", st);
	EXPECT(WEXITSTATUS(st) == 0, "child: %d (3: not EAGAIN beyond the limit, 4: one page refused)",
	       WEXITSTATUS(st));
}

/*
 * 64 secret pages in use: each is mapped by a 4 KiB page of the direct
 * map (split off its huge page), so DirectMap4k covers at least them; the
 * frames are free again once the mapping and the file are gone.
 */
static void direct_map_and_frames(void)
{
	enum { N = 64 };
	long free0 = vm_meminfo_kb("MemFree"), k4;
	int fd = secret_fd(N);
	char *p = mmap(NULL, N * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	EXPECT(fd >= 0 && p != MAP_FAILED, "setup: %s", strerror(errno));
	if (p == MAP_FAILED)
		return;
	for (int i = 0; i < N; i++)
		p[i * PAGE] = (char)i;
	k4 = vm_meminfo_kb("DirectMap4k");
	if (ut_on_pagoda()) {		/* Pagoda's own rmap view names secret frames */
		char req[64], ans[512] = "";
		int rfd = open("/proc/pagoda/rmap", O_RDWR), len;
		ssize_t n = -1;

		len = snprintf(req, sizeof(req), "%d %lx\n", (int)getpid(), (unsigned long)p);
		if (rfd >= 0 && write(rfd, req, (size_t)len) == len)
			n = read(rfd, ans, sizeof(ans) - 1);
		if (rfd >= 0)
			close(rfd);
		EXPECT(n > 0 && strstr(ans, " secret index 0x0\n"), "/proc/pagoda/rmap: %s", ans);
	}
	EXPECT(k4 >= N * 4, "DirectMap4k %ld kB with %d secret pages", k4, N);
	if (ut_on_pagoda())		/* a host's MemFree moves on its own */
		EXPECT(vm_meminfo_kb("MemFree") <= free0 - N * 4 + 64, "MemFree %ld kB, was %ld kB",
		       vm_meminfo_kb("MemFree"), free0);
	munmap(p, N * PAGE);
	close(fd);
	if (ut_on_pagoda())
		EXPECT(vm_meminfo_kb("MemFree") >= free0 - 64, "MemFree %ld kB, was %ld kB",
		       vm_meminfo_kb("MemFree"), free0);
}

/* "vm_secret_test case[,case]" runs only those cases (ut_select, make grade). */
int main(int argc, char **argv)
{
	int fd;

	ut_begin("vm_secret_test");
	if (argc > 1)
		ut_select(argv[1]);
	fd = memfd_secret(0);
	if (fd < 0) {
		printf("UTEST SKIP vm_secret_test/all: memfd_secret: %s (no secretmem here)\n",
		       strerror(errno));
		return ut_end();
	}
	close(fd);
	RUN(flags_and_file);
	RUN(mapping_rules);
	RUN(sigbus_beyond_eof);
	RUN(shared_with_child);
	RUN(remote_access_refused);
	RUN(ptrace_peek_refused);
	RUN(memlock_limit);
	RUN(direct_map_and_frames);
	return ut_end();
}
