/*
 * calls.c - what the fuzzer calls: a weighted table of operations.
 *
 * About three quarters of the weight is memory management (mmap, munmap,
 * mprotect, madvise, mremap, mlock*, msync, mincore, brk, memfd, the
 * worker touching its mappings, reads and writes with buffers in them,
 * /proc/self/{maps,smaps,pagemap}) and the process calls that stress it
 * (fork children that write and unmap inherited memory, CLONE_VM
 * children that munmap/mprotect while the parent's calls use the same
 * pages, clone with random flags, vfork, threads that make calls of
 * their own and signal each other, futexes). Arguments are semi-valid: the
 * pools of worker.c supply addresses near real VMA edges, lengths around
 * page sizes, every flag bit, fds of every kind. The rest is file,
 * socket and signal calls, and fully random system-call numbers with
 * random arguments (about 15 %), all through fz_call()'s filter.
 *
 * Each op draws only from the worker's PRNG, so a (seed, slot,
 * generation) replays the same sequence. Neighbours: worker.c, fuzz.c.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* Flags newer than musl's headers. */
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB		4
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED	0x4000000
#endif
#ifndef MAP_SYNC
#define MAP_SYNC		0x80000
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

#define A(x)	((uint64_t)(x))
#define CALL(nr, ...)	fz_call_n(nr, __VA_ARGS__)

/* fz_call with fewer than six arguments (the rest are zero). */
#define fz_call_n(nr, ...)	fz_call_6(nr, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define fz_call_6(nr, a, b, c, d, e, f, ...)	fz_call(nr, A(a), A(b), A(c), A(d), A(e), A(f))

/* ---- flag generators ------------------------------------------------- */

/* Each bit of @bits with @percent probability, sometimes a random stray bit. */
static uint64_t some_bits(const uint64_t *bits, int n, int percent)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		if (fz_chance(percent))
			v |= bits[i];
	if (fz_chance(5))
		v |= 1ULL << fz_below(fz_chance(80) ? 32 : 64);
	return v;
}

static uint64_t gen_mmap_flags(int *anon)
{
	static const uint64_t types[] = {
		MAP_PRIVATE, MAP_PRIVATE, MAP_PRIVATE, MAP_SHARED, MAP_SHARED,
		MAP_SHARED_VALIDATE, 0, MAP_SHARED | MAP_PRIVATE,
	};
	static const uint64_t extra[] = {
		MAP_POPULATE, MAP_NORESERVE, MAP_LOCKED, MAP_GROWSDOWN, MAP_STACK,
		MAP_HUGETLB, MAP_NONBLOCK, MAP_FIXED_NOREPLACE, MAP_UNINITIALIZED,
		MAP_DENYWRITE, MAP_EXECUTABLE, MAP_SYNC,
	};
	uint64_t f = types[fz_below(8)] | some_bits(extra, 12, 6);

	*anon = fz_chance(60);
	if (*anon)
		f |= MAP_ANONYMOUS;
	return f;
}

static uint64_t gen_advice(void)
{
	unsigned r = fz_below(100);

	if (r < 80)
		return fz_below(27);		/* MADV_NORMAL .. MADV_COLLAPSE and gaps */
	if (r < 90)
		return 100 + fz_below(4);	/* HWPOISON, SOFT_OFFLINE, GUARD_* */
	return fz_rnd() & (fz_chance(50) ? 0xff : ~0ULL);
}

/* ---- mm operations ----------------------------------------------------- */

static void op_mmap(void)
{
	int anon;
	uint64_t flags = gen_mmap_flags(&anon), addr = 0, len = fz_gen_len(), fd;
	long r;

	if (fz_chance(35)) {
		addr = fz_gen_addr();
		if (fz_chance(40))
			flags |= MAP_FIXED;
	}
	fd = anon && fz_chance(80) ? (uint64_t)-1 : fz_gen_fd();
	if ((flags & (MAP_POPULATE | MAP_LOCKED)) && len > (8UL << 20))
		len = fz_chance(90) ? (1 + fz_below(64)) * FZ_PAGE : len;	/* bounded hogs */
	r = CALL(SYS_mmap, addr, len, fz_gen_prot(), flags, fd, fz_gen_off());
	if (r > 0 && (uint64_t)r < 0x0000800000000000ULL) {
		fz_check_new_map(r, len, flags);
		fz_add_map(r, len);
	}
}

/*
 * A memory hog now and then (8-48 MiB, populated): with four workers in
 * the fuzz boot's 256 MiB that is sometimes too much, and the OOM killer
 * must pick a worker and get every frame back.
 */
static void op_hog(void)
{
	uint64_t len = (8 + fz_below(41)) << 20;
	long r;

	r = CALL(SYS_mmap, 0, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | (fz_chance(50) ? MAP_POPULATE : 0), -1, 0);
	if (r <= 0 || (uint64_t)r >= 0x0000800000000000ULL)
		return;
	fz_check_new_map(r, len, 0);
	fz_add_map(r, len);
	if (fz_chance(50))
		CALL(SYS_madvise, r, len, MADV_POPULATE_WRITE);
}

static void op_munmap(void)
{
	uint64_t a = fz_gen_addr(), l = fz_gen_len();

	if (CALL(SYS_munmap, a, l) == 0)
		fz_forget_maps(a, l);
}

static void op_mprotect(void)
{
	CALL(SYS_mprotect, fz_gen_addr(), fz_gen_len(), fz_gen_prot());
}

static void op_madvise(void)
{
	CALL(SYS_madvise, fz_gen_addr(), fz_gen_len(), gen_advice());
}

static void op_mremap(void)
{
	static const uint64_t bits[] = { MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP, 8, 16 };
	long r;
	uint64_t nl = fz_gen_len();

	r = CALL(SYS_mremap, fz_gen_addr(), fz_gen_len(), nl, some_bits(bits, 5, 40),
		 fz_gen_addr());
	if (r > 0 && (uint64_t)r < 0x0000800000000000ULL)
		fz_add_map(r, nl);
}

static void op_mlock(void)
{
	static const uint64_t mcl[] = { MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT };

	switch (fz_below(6)) {
	case 0:
		CALL(SYS_mlock, fz_gen_addr(), fz_gen_len());
		break;
	case 1:
		CALL(SYS_mlock2, fz_gen_addr(), fz_gen_len(),
		     fz_chance(70) ? fz_below(2) : fz_rnd());
		break;
	case 2:
	case 3:
		CALL(SYS_munlock, fz_gen_addr(), fz_gen_len());
		break;
	case 4:
		CALL(SYS_mlockall, some_bits(mcl, 3, 40));
		break;
	default:
		CALL(SYS_munlockall, 0);
		break;
	}
}

static void op_msync(void)
{
	static const uint64_t bits[] = { MS_ASYNC, MS_INVALIDATE, MS_SYNC };

	CALL(SYS_msync, fz_gen_addr(), fz_gen_len(), some_bits(bits, 3, 35));
}

static void op_mincore(void)
{
	CALL(SYS_mincore, fz_gen_addr(), fz_gen_len(), fz_gen_ptr());
}

static void op_brk(void)
{
	uint64_t cur = fz_syscall6(SYS_brk, 0, 0, 0, 0, 0, 0), a;

	switch (fz_below(5)) {
	case 0:
		a = cur + fz_below(64) * FZ_PAGE;
		break;
	case 1:
		a = cur - fz_below(64) * FZ_PAGE;
		break;
	case 2:
		a = fzw.brk0 + fz_below(2 * FZ_PAGE);
		break;
	case 3:
		a = fz_gen_addr();
		break;
	default:
		a = cur + fz_gen_len();
		break;
	}
	CALL(SYS_brk, a);
}

static void op_memfd(void)
{
	static const uint64_t bits[] = { MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB, 8, 16 };
	long fd = CALL(SYS_memfd_create, fz_chance(90) ? A("fzm") : fz_gen_ptr(),
		       some_bits(bits, 5, 20));
	uint64_t len = fz_gen_len();
	long r;

	if (fd < 0)
		return;
	fz_add_fd(fd);
	if (len > (64UL << 20))
		len = 16 * FZ_PAGE;
	CALL(SYS_ftruncate, fd, len);
	if (fz_chance(60)) {
		r = CALL(SYS_mmap, 0, len, fz_gen_prot(), fz_chance(70) ? MAP_SHARED : MAP_PRIVATE,
			 fd, fz_gen_off());
		if (r > 0 && (uint64_t)r < 0x0000800000000000ULL) {
			fz_check_new_map(r, len, 0);
			fz_add_map(r, len);
		}
	}
}

static void op_truncate(void)
{
	uint64_t len = fz_chance(90) ? fz_below(64) * FZ_PAGE + fz_below(3) : fz_gen_len();

	switch (fz_below(3)) {
	case 0:
		CALL(SYS_ftruncate, fz_gen_fd(), len);
		break;
	case 1:
		CALL(SYS_truncate, fz_gen_path(1), len);
		break;
	default:
		CALL(SYS_fallocate, fz_gen_fd(), fz_chance(70) ? 0 : fz_below(128),
		     fz_gen_off(), len);
		break;
	}
}

static void op_touch(void)
{
	uint64_t a = fz_gen_ptr(), l = fz_chance(70) ? FZ_PAGE : fz_below(32) * FZ_PAGE;

	fz_touch(a, l, fz_chance(60));
}

/* read/write & co with the buffer in the mappings. */
static void op_rw(void)
{
	struct iovec iov[4];
	uint64_t fd = fz_gen_fd(), len = fz_gen_len();
	int n = 1 + fz_below(4);

	for (int i = 0; i < n; i++) {
		iov[i].iov_base = (void *)fz_gen_ptr();
		iov[i].iov_len = fz_chance(80) ? fz_below(3 * FZ_PAGE) : fz_gen_len();
	}
	switch (fz_below(6)) {
	case 0:
		CALL(SYS_read, fd, fz_gen_ptr(), len);
		break;
	case 1:
		CALL(SYS_write, fd, fz_gen_ptr(), len);
		break;
	case 2:
		CALL(SYS_pread64, fd, fz_gen_ptr(), len, fz_gen_off());
		break;
	case 3:
		CALL(SYS_pwrite64, fd, fz_gen_ptr(), len, fz_gen_off());
		break;
	case 4:
		CALL(SYS_readv, fd, fz_chance(90) ? A(iov) : fz_gen_ptr(), fz_chance(90) ? (uint64_t)n : fz_rnd());
		break;
	default:
		CALL(SYS_writev, fd, fz_chance(90) ? A(iov) : fz_gen_ptr(), fz_chance(90) ? (uint64_t)n : fz_rnd());
		break;
	}
}

/* /proc/self/{maps,smaps,pagemap}: the kernel walking what we built. */
static void op_proc(void)
{
	static const char *const files[] = {
		"/proc/self/maps", "/proc/self/smaps", "/proc/self/pagemap",
		"/proc/self/status", "/proc/meminfo", "/proc/vmstat",
	};
	int i = fz_below(6);
	long fd = CALL(SYS_open, files[i], O_RDONLY);
	uint64_t off;

	if (fd < 0)
		return;
	if (i == 2)
		off = (fz_gen_addr() / FZ_PAGE) * 8 + (fz_chance(10) ? fz_below(8) : 0);
	else
		off = fz_chance(70) ? 0 : fz_below(8192);
	CALL(SYS_pread64, fd, fz_chance(80) ? A(fzw.buf) : fz_gen_ptr(),
	     fz_chance(80) ? fz_below(FZ_BUF / 2) : fz_gen_len(), off);
	CALL(SYS_close, fd);
}

static void op_process_vm(void)
{
	struct iovec l = { (void *)fz_gen_ptr(), fz_below(2 * FZ_PAGE) };
	struct iovec r = { (void *)fz_gen_ptr(), fz_below(2 * FZ_PAGE) };

	CALL(fz_chance(50) ? SYS_process_vm_readv : SYS_process_vm_writev, fz_gen_pid(),
	     A(&l), 1, A(&r), 1, fz_chance(90) ? 0 : fz_rnd());
}

static void op_getrandom(void)
{
	CALL(SYS_getrandom, fz_gen_ptr(), fz_chance(80) ? fz_below(3 * FZ_PAGE) : fz_gen_len(),
	     fz_chance(80) ? 0 : fz_below(8));
}

/* ---- children ------------------------------------------------------------ */

/* In a fork child: mm calls and touches on the inherited pools, then exit. */
void fz_child_ops(int n)
{
	for (int i = 0; i < n; i++) {
		switch (fz_below(6)) {
		case 0:
			op_munmap();
			break;
		case 1:
			op_mprotect();
			break;
		case 2:
			op_madvise();
			break;
		case 3:
			op_rw();
			break;
		default:
			op_touch();
			break;
		}
	}
}

static void op_fork(void)
{
	uint64_t args[6] = { 0 };
	struct fz_rec *r = fz_log_begin(FZ_OP_FORKCHILD, args);
	long pid = fz_syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);

	if (pid == 0) {
		fzw.in_child = 1;
		fzw.pid = fz_syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0);
		fzw.nkids = 0;
		fz_syscall6(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0, 0);
		fz_child_ops(1 + fz_below(24));
		fz_syscall6(SYS_exit, 0, 0, 0, 0, 0, 0);
	}
	fz_log_end(r, pid);
	fz_add_kid(pid);
	if (fz_chance(30))
		fz_reap(1);
}

/* What a CLONE_VM child does to the mm it shares with the worker. */
struct vm_child {
	uint64_t rng;
	int nops;
	uint64_t addr[8], len[8];
};

static int vm_child_main(void *arg)
{
	struct vm_child *c = arg;

	for (int i = 0; i < c->nops; i++) {
		uint64_t x = fz_next(&c->rng), a = c->addr[x % 8], l = c->len[(x >> 8) % 8];

		switch ((x >> 16) % 6) {
		case 0:
			fz_syscall6(SYS_munmap, a, l, 0, 0, 0, 0);
			break;
		case 1:
			fz_syscall6(SYS_mprotect, a, l, (x >> 24) % 8, 0, 0, 0);
			break;
		case 2:
			fz_syscall6(SYS_madvise, a, l, (x >> 24) % 2 ? MADV_DONTNEED : MADV_FREE,
				    0, 0, 0);
			break;
		case 3:
			fz_syscall6(SYS_mmap, a, l, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			break;
		case 4:
			fz_syscall6(SYS_madvise, a, l, MADV_POPULATE_WRITE, 0, 0, 0);
			break;
		default:
			fz_syscall6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
			break;
		}
	}
	return 0;
}

static void op_vm_child(void)
{
	uint64_t args[6] = { 0 };
	struct fz_rec *r;
	struct vm_child *c;
	char *stack;
	long pid;

	stack = mmap(NULL, 16 * FZ_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED)
		return;
	c = (struct vm_child *)(stack + 8 * FZ_PAGE);	/* above the child's stack top */
	c->rng = fz_rnd() | 1;
	c->nops = 1 + fz_below(32);
	for (int i = 0; i < 8; i++) {
		c->addr[i] = fz_gen_addr() & ~(FZ_PAGE - 1);
		c->len[i] = fz_chance(90) ? (1 + fz_below(8)) * FZ_PAGE : fz_gen_len();
	}
	args[0] = (uint64_t)c;
	args[1] = c->nops;
	r = fz_log_begin(FZ_OP_VMCHILD, args);
	pid = fz_clone_fn(CLONE_VM | SIGCHLD, stack + 8 * FZ_PAGE, vm_child_main, c);
	fz_log_end(r, pid);
	if (pid <= 0) {
		munmap(stack, 16 * FZ_PAGE);
		return;
	}
	fz_add_kid(pid);
	/* Race it: our own calls on the same pages while it runs. */
	for (int i = 0, n = 1 + fz_below(8); i < n; i++)
		fz_chance(50) ? op_rw() : op_touch();
	fz_reap(1);
	/* Its stack is ours to free once it is gone (it may already be). */
	fz_syscall6(SYS_munmap, (uint64_t)stack, 16 * FZ_PAGE, 0, 0, 0, 0);
}

static void op_clone_exit(void)
{
	static const uint64_t bits[] = {
		CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_PIDFD, CLONE_PTRACE,
		CLONE_VFORK, CLONE_PARENT, CLONE_THREAD, CLONE_NEWNS, CLONE_SYSVSEM,
		CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID, CLONE_UNTRACED,
		CLONE_CHILD_SETTID, CLONE_NEWUSER, CLONE_IO,
	};
	uint64_t args[6];
	struct fz_rec *r;
	long pid;

	args[0] = some_bits(bits, 18, 15) | (fz_chance(80) ? SIGCHLD : fz_below(65));
	args[0] &= ~(uint64_t)CLONE_PARENT;	/* a sibling of ours would be the supervisor's */
	args[1] = fz_chance(70) ? 0 : fz_gen_ptr();
	args[2] = fz_gen_ptr();
	args[3] = fz_gen_ptr();
	args[4] = fz_chance(80) ? 0 : fz_gen_ptr();
	args[5] = 0;
	/* Any TLS value is fine: the child exits before it could use one. */
	r = fz_log_begin(FZ_OP_CLONE_EXIT, args);
	pid = fz_clone_exit(args[0], args[1], args[2], args[3], args[4]);
	fz_log_end(r, pid);
	fz_add_kid(pid);
}

static void op_vfork(void)
{
	static const long nrs[] = { SYS_munmap, SYS_mprotect, SYS_madvise, SYS_mlock, SYS_brk };
	uint64_t args[6] = { nrs[fz_below(5)], fz_gen_addr(), fz_gen_len(), 0, 0, 0 };
	struct fz_rec *r;
	long pid;

	args[3] = args[0] == SYS_mprotect ? fz_gen_prot() : gen_advice();
	r = fz_log_begin(FZ_OP_VFORK_OP, args);
	pid = fz_vfork_call(args[0], args[1], args[2], args[3]);
	fz_log_end(r, pid);
	fz_add_kid(pid);
}

/* ---- files, sockets, signals ---------------------------------------- */

static void op_open(void)
{
	static const uint64_t bits[] = {
		O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK, O_DIRECTORY,
		O_CLOEXEC, O_NOFOLLOW, O_TMPFILE, O_PATH, O_SYNC, O_NOCTTY,
	};
	int w = fz_chance(70);
	uint64_t flags = some_bits(bits, 14, 12);

	if (!w)
		flags &= ~(uint64_t)(O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_TMPFILE | O_APPEND);
	flags |= O_NOCTTY;
	fz_add_fd(fz_chance(50) ? CALL(SYS_open, fz_gen_path(w), flags, fz_below(01000))
				: CALL(SYS_openat, fz_gen_fd(), fz_gen_path(w), flags,
				       fz_below(01000)));
}

static void op_fd(void)
{
	int sv[2] = { -1, -1 };

	switch (fz_below(7)) {
	case 0:
		if (fzw.nfds > 14 && fz_chance(60)) {
			int i = 14 + fz_below(fzw.nfds - 14);
			CALL(SYS_close, fzw.fds[i]);
			fzw.fds[i] = fzw.fds[--fzw.nfds];
		} else {
			CALL(SYS_close, fz_gen_fd());
		}
		break;
	case 1:
		fz_add_fd(CALL(SYS_dup, fz_gen_fd()));
		break;
	case 2:
		fz_add_fd(CALL(SYS_dup3, fz_gen_fd(), fz_below(40), fz_chance(80) ? 0 : fz_rnd()));
		break;
	case 3:
		if (CALL(SYS_pipe2, fz_chance(90) ? A(sv) : fz_gen_ptr(),
			 fz_chance(70) ? 0 : (fz_chance(50) ? O_NONBLOCK : fz_rnd())) == 0) {
			fz_add_fd(sv[0]);
			fz_add_fd(sv[1]);
		}
		break;
	case 4:
		if (CALL(SYS_socketpair, fz_chance(90) ? AF_UNIX : fz_below(48),
			 fz_chance(80) ? 1 + fz_below(5) : fz_rnd(), 0,
			 fz_chance(90) ? A(sv) : fz_gen_ptr()) == 0) {
			fz_add_fd(sv[0]);
			fz_add_fd(sv[1]);
		}
		break;
	case 5:
		CALL(SYS_fcntl, fz_gen_fd(), fz_chance(80) ? fz_below(20) : fz_rnd(),
		     fz_chance(50) ? fz_below(64) : fz_rnd());
		break;
	default:
		CALL(SYS_lseek, fz_gen_fd(), fz_chance(50) ? fz_gen_off() : fz_gen_len(),
		     fz_below(6));
		break;
	}
}

static void op_ioctl(void)
{
	static const uint64_t reqs[] = {
		FIONREAD, FIONBIO, TCGETS, TIOCGWINSZ, TIOCSWINSZ, TIOCGPGRP, TIOCSPGRP,
		TIOCSCTTY, TIOCNOTTY, TIOCGSID, TCFLSH, TIOCOUTQ, FIOCLEX, FIONCLEX, 0x5401,
	};
	uint64_t req = fz_chance(85) ? reqs[fz_below(15)] : fz_rnd() & 0xffffffff;

	CALL(SYS_ioctl, fz_gen_fd(), req, fz_chance(70) ? fz_gen_ptr() : fz_below(4));
}

static void op_io_misc(void)
{
	struct pollfd p[3];

	switch (fz_below(6)) {
	case 0:
		for (int i = 0; i < 3; i++) {
			p[i].fd = fz_gen_fd();
			p[i].events = fz_rnd();
		}
		CALL(SYS_poll, fz_chance(80) ? A(p) : fz_gen_ptr(), fz_chance(90) ? 3 : fz_rnd(),
		     fz_below(3) * 10);
		break;
	case 1:
		CALL(SYS_getdents64, fz_gen_fd(), fz_gen_ptr(), fz_gen_len());
		break;
	case 2:
		CALL(SYS_fstat, fz_gen_fd(), fz_gen_ptr());
		break;
	case 3:
		CALL(SYS_newfstatat, fz_gen_fd(), fz_gen_path(0), fz_gen_ptr(),
		     fz_chance(70) ? 0 : fz_rnd() & 0xffff);
		break;
	case 4:
		CALL(SYS_getcwd, fz_gen_ptr(), fz_chance(80) ? fz_below(128) : fz_gen_len());
		break;
	default:
		CALL(SYS_statx, fz_gen_fd(), fz_gen_path(0), fz_rnd() & 0xffff, fz_rnd() & 0xfff,
		     fz_gen_ptr());
		break;
	}
}

/* sendmsg/recvmsg, with SCM_RIGHTS fds from the pool now and then. */
static void op_msg(void)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(3 * sizeof(int))];
	} ctl;
	struct iovec iov = { (void *)fz_gen_ptr(), fz_below(2 * FZ_PAGE) };
	struct msghdr m = { 0 };
	uint64_t fd = fz_gen_fd();

	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (fz_chance(40)) {
		int *fds = (int *)CMSG_DATA(&ctl.h);

		ctl.h.cmsg_level = SOL_SOCKET;
		ctl.h.cmsg_type = SCM_RIGHTS;
		ctl.h.cmsg_len = CMSG_LEN(3 * sizeof(int));
		for (int i = 0; i < 3; i++)
			fds[i] = fz_gen_fd();
		m.msg_control = &ctl;
		m.msg_controllen = sizeof(ctl);
	}
	if (fz_chance(10))
		m.msg_control = (void *)fz_gen_ptr();
	if (fz_chance(50))
		CALL(SYS_sendmsg, fd, fz_chance(90) ? A(&m) : fz_gen_ptr(),
		     MSG_DONTWAIT | (fz_chance(80) ? 0 : fz_rnd()));
	else
		CALL(SYS_recvmsg, fd, fz_chance(90) ? A(&m) : fz_gen_ptr(),
		     MSG_DONTWAIT | (fz_chance(80) ? 0 : fz_rnd()));
	/* Received fds land in our table: take them into the pool. */
	if (m.msg_control == &ctl && ctl.h.cmsg_type == SCM_RIGHTS && fz_chance(50))
		fz_add_fd(*(int *)CMSG_DATA(&ctl.h));
}

static void op_fs(void)
{
	switch (fz_below(8)) {
	case 0:
		CALL(SYS_mkdir, fz_gen_path(1), fz_below(01000));
		break;
	case 1:
		CALL(SYS_unlink, fz_gen_path(1));
		break;
	case 2:
		CALL(SYS_rmdir, fz_gen_path(1));
		break;
	case 3:
		CALL(SYS_rename, fz_gen_path(1), fz_gen_path(1));
		break;
	case 4:
		CALL(SYS_chmod, fz_gen_path(1), fz_rnd() & 07777);
		break;
	case 5:
		CALL(SYS_chdir, fz_chance(80) ? A(fzw.dir) : fz_gen_path(1));
		break;
	case 6:
		CALL(SYS_mknod, fz_gen_path(1), fz_chance(80) ? (S_IFIFO | 0644) : fz_rnd(), 0);
		break;
	default:
		CALL(SYS_access, fz_gen_path(0), fz_below(8));
		break;
	}
}

static void op_proc_sig(void)
{
	struct sigaction sa;
	struct rlimit rl;

	switch (fz_below(7)) {
	case 0:
		fz_reap(fz_chance(30));
		break;
	case 1:
		CALL(SYS_kill, fz_gen_pid(), fz_chance(50) ? 0 : fz_below(65));
		break;
	case 2:
		fz_add_fd(CALL(SYS_pidfd_open, fz_gen_pid(), fz_chance(90) ? 0 : fz_rnd()));
		break;
	case 3:
		CALL(SYS_pidfd_send_signal, fz_gen_fd(), fz_chance(50) ? 0 : fz_below(65), 0, 0);
		break;
	case 4:
		/* Harmless handlers: ignoring most signals, never SIGSEGV/SIGBUS. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = fz_chance(50) ? SIG_IGN : SIG_DFL;
		{
			int sig = 1 + fz_below(64);
			if (sig != SIGSEGV && sig != SIGBUS)
				CALL(SYS_rt_sigaction, sig, A(&sa), 0, 8);
		}
		break;
	case 5:
		rl.rlim_cur = fz_chance(50) ? fz_gen_len() : fz_below(64);
		rl.rlim_max = fz_chance(50) ? RLIM_INFINITY : rl.rlim_cur;
		CALL(SYS_prlimit64, fz_gen_pid(), fz_below(16), fz_chance(90) ? A(&rl) : fz_gen_ptr(),
		     fz_chance(50) ? fz_gen_ptr() : 0);
		break;
	default:
		CALL(SYS_nanosleep, fz_chance(90) ? A("\0\0\0\0\0\0\0\0\x01\0\0\0\0\0\0") : fz_gen_ptr(),
		     fz_gen_ptr());
		break;
	}
}

/*
 * A random system call: a number in 0..460 (sometimes outside), six
 * random arguments of mixed kinds, into @a; the number. exit and
 * exit_group stay rare.
 */
static long gen_random(uint64_t *a)
{
	long nr;

	if (fz_chance(97))
		nr = fz_below(461);
	else
		nr = fz_chance(50) ? (long)fz_below(1024) : (long)fz_rnd();
	if ((nr == SYS_exit || nr == SYS_exit_group || nr == SYS_rt_sigreturn) && fz_chance(90))
		nr = SYS_getppid;
	for (int i = 0; i < 6; i++) {
		switch (fz_below(8)) {
		case 0:
			a[i] = fz_gen_fd();
			break;
		case 1:
			a[i] = fz_gen_ptr();
			break;
		case 2:
			a[i] = fz_gen_len();
			break;
		case 3:
			a[i] = fz_gen_addr();
			break;
		case 4:
			a[i] = fz_below(16);
			break;
		case 5:
			a[i] = 1ULL << fz_below(64);
			break;
		case 6:
			a[i] = fz_gen_path(1);
			break;
		default:
			a[i] = fz_rnd();
			break;
		}
	}
	return nr;
}

static void op_random(void)
{
	uint64_t a[6];
	long nr = gen_random(a);

	fz_call(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* ---- futexes and threads ------------------------------------------------ */

static const struct timespec short_wait = { 0, 1000000 };	/* 1 ms */

/* A futex word: the shared ones mostly, else anything from the pools. */
static uint64_t gen_futex_addr(void)
{
	unsigned r = fz_below(100);

	if (r < 45)
		return A(&fzw.fwords[fz_below(FZ_FWORDS)]);
	if (r < 50)
		return A(&fzw.fwords[fz_below(FZ_FWORDS)]) + 1 + fz_below(3);	/* misaligned */
	if (r < 55)
		return fz_chance(50) ? fzw.ro_page : fzw.none_page;
	if (r < 80)
		return fz_gen_ptr();
	return fz_gen_addr();
}

/* Does futex operation @op (command bits only) take a timeout in its 4th argument? */
static int futex_op_waits(uint64_t op)
{
	switch (op & 0x7f) {
	case 0: case 6: case 9: case 11: case 13:	/* WAIT, LOCK_PI, WAIT_BITSET, ... */
		return 1;
	}
	return 0;
}

/*
 * futex(2) with a random operation (FUTEX_WAIT .. FUTEX_LOCK_PI2, with or
 * without PRIVATE and CLOCK_REALTIME, now and then anything) on the
 * shared words or any address, into @a. A wait of the worker itself
 * always has a 1 ms timeout - it must keep making calls for the watchdog
 * - while a thread's (@may_block) may have none, or a random pointer,
 * and sleep until another thread wakes it or the worker ends.
 */
static long gen_futex(uint64_t *a, int may_block)
{
	uint64_t op = fz_below(14);

	if (fz_chance(50))
		op |= 128;				/* FUTEX_PRIVATE_FLAG */
	if (fz_chance(10))
		op |= 256;				/* FUTEX_CLOCK_REALTIME */
	if (fz_chance(3))
		op = fz_chance(50) ? fz_rnd() & 0x3ff : fz_rnd();
	a[0] = gen_futex_addr();
	a[1] = op;
	a[2] = fz_chance(60) ? (uint64_t)fzw.fwords[fz_below(FZ_FWORDS)] : fz_below(4);
	if (futex_op_waits(op))
		a[3] = !may_block || fz_chance(70) ? A(&short_wait) :
		       fz_chance(50) ? 0 : fz_gen_ptr();
	else
		a[3] = fz_chance(80) ? fz_below(4) : fz_rnd();	/* val2: a count */
	a[4] = gen_futex_addr();
	a[5] = fz_chance(50) ? 0xffffffffULL : (fz_rnd() & 0xffffffff);	/* bitset, cmp */
	return SYS_futex;
}

static void op_futex(void)
{
	uint64_t a[6];

	if (fz_chance(20)) {				/* wake whoever sleeps */
		CALL(SYS_futex, &fzw.fwords[fz_below(FZ_FWORDS)], fz_chance(50) ? 1 : 129,
		     fz_chance(50) ? 1 : 0x7fffffff);
		return;
	}
	if (fz_chance(10))
		fzw.fwords[fz_below(FZ_FWORDS)] = fz_below(4);
	gen_futex(a, 0);
	fz_call(SYS_futex, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* A signal no one can die of: ignored by default, or none at all. */
static uint64_t gen_safe_sig(void)
{
	static const uint64_t sigs[] = { 0, SIGCONT, SIGURG, SIGWINCH, SIGCHLD };

	return sigs[fz_below(5)];
}

/* tgkill of one of the worker's threads (or itself, or a tid now gone). */
static void gen_tgkill(uint64_t *a)
{
	unsigned r = fz_below(100);

	a[0] = fz_chance(95) ? (uint64_t)fzw.pid : (uint64_t)fz_gen_pid();
	if (r < 50 && fzw.nthreads)
		a[1] = fzw.threads[fz_below(fzw.nthreads)].tid;
	else if (r < 75)
		a[1] = fzw.pid;
	else if (r < 90)
		a[1] = FZ_TID_SELF;
	else
		a[1] = fz_chance(50) ? 0 : 0x7ffff000;
	a[2] = gen_safe_sig();
	a[3] = a[4] = a[5] = 0;
}

static void op_thread_sig(void)
{
	uint64_t a[6];

	gen_tgkill(a);
	fz_call(SYS_tgkill, a[0], a[1], a[2], 0, 0, 0);
}

/*
 * A thread's life: its pre-drawn calls, one after another, then SYS_exit.
 * No libc here (no TLS: the thread shares the worker's), and no logging
 * (the log is the worker's, one writer per slot).
 */
static int thread_main(void *arg)
{
	struct fz_tcall *c = arg;
	uint64_t self = fz_syscall6(SYS_gettid, 0, 0, 0, 0, 0, 0);

	for (; c->nr >= 0; c++) {
		if (c->nr == SYS_tgkill && c->arg[1] == FZ_TID_SELF)
			c->arg[1] = self;
		fz_syscall6(c->nr, c->arg[0], c->arg[1], c->arg[2], c->arg[3], c->arg[4],
			    c->arg[5]);
	}
	return 0;
}

/* One pre-drawn call for a thread into @c: futex, tgkill, mm or random. */
static void gen_thread_call(struct fz_tcall *c)
{
	static const long mm[] = { SYS_munmap, SYS_mprotect, SYS_madvise };
	unsigned k = fz_below(100);

	memset(c, 0, sizeof(*c));
	if (k < 35) {
		c->nr = gen_futex(c->arg, 1);
	} else if (k < 50) {
		gen_tgkill(c->arg);
		c->nr = SYS_tgkill;
	} else if (k < 70) {
		c->nr = mm[fz_below(3)];
		c->arg[0] = fz_gen_addr();
		c->arg[1] = fz_gen_len();
		c->arg[2] = c->nr == SYS_mprotect ? fz_gen_prot() : gen_advice();
	} else {
		c->nr = gen_random(c->arg);
	}
	if (c->nr == SYS_exit_group && fz_chance(80))
		c->nr = SYS_exit;			/* mostly the thread alone */
	c->nr = fz_filter_thread_call(c->nr, c->arg);
}

/*
 * clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD
 * | ...): a thread of the worker that makes up to FZ_TCALLS calls of its
 * own - random ones, futexes, mm calls on the worker's pools, tgkill of
 * its siblings - while the worker goes on. Its calls are drawn now, from
 * the worker's stream; it starts with every signal blocked (the worker's
 * SIGSEGV handler must never run on it), and the worker frees its
 * region once the kernel has cleared its ctid (fz_reap). Threads still
 * running when the worker ends die with it (exit_group).
 */
static void op_thread(void)
{
	static const uint64_t extra[] = { CLONE_SYSVSEM, CLONE_PARENT_SETTID, CLONE_IO };
	uint64_t len = 16 * FZ_PAGE, all = ~0ULL, old = 0, args[6] = { 0 };
	struct fz_thread *t;
	struct fz_tcall *c;
	struct fz_rec *r;
	char *region;
	long tid;
	int n;

	fz_reap(0);
	if (fzw.nthreads == FZ_THREADS)
		return;
	region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		return;
	c = (struct fz_tcall *)(region + 8 * FZ_PAGE);	/* above the stack top */
	n = 1 + fz_below(FZ_TCALLS);
	for (int i = 0; i < n; i++)
		gen_thread_call(&c[i]);
	c[n].nr = -1;
	t = &fzw.threads[fzw.nthreads];
	memset(t, 0, sizeof(*t));
	t->ctid = 1;
	t->region = A(region);
	t->len = len;
	args[0] = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		  CLONE_CHILD_CLEARTID | some_bits(extra, 3, 30);
	args[1] = n;
	r = fz_log_begin(FZ_OP_THREAD, args);
	/* Born with every signal blocked: it inherits the mask clone sees. */
	fz_syscall6(SYS_rt_sigprocmask, SIG_SETMASK, A(&all), A(&old), 8, 0, 0);
	tid = fz_clone_thread(args[0], region + 8 * FZ_PAGE, thread_main, c, &t->ctid,
			      &t->ptid);
	fz_syscall6(SYS_rt_sigprocmask, SIG_SETMASK, A(&old), 0, 8, 0, 0);
	fz_log_end(r, tid);
	if (tid <= 0) {
		munmap(region, len);
		return;
	}
	t->tid = tid;
	fzw.nthreads++;
}

/* ---- the table ---------------------------------------------------------- */

static const struct {
	void (*fn)(void);
	int weight;
} ops[] = {
	{ op_mmap, 12 }, { op_hog, 1 }, { op_munmap, 7 }, { op_mprotect, 7 }, { op_madvise, 8 },
	{ op_mremap, 2 }, { op_mlock, 4 }, { op_msync, 2 }, { op_mincore, 3 },
	{ op_brk, 2 }, { op_memfd, 3 }, { op_truncate, 2 }, { op_touch, 7 },
	{ op_rw, 8 }, { op_proc, 3 }, { op_process_vm, 1 }, { op_getrandom, 1 },
	{ op_fork, 2 }, { op_vm_child, 2 }, { op_clone_exit, 1 }, { op_vfork, 1 },
	{ op_thread, 2 }, { op_futex, 2 }, { op_thread_sig, 1 },
	{ op_open, 2 }, { op_fd, 3 }, { op_ioctl, 1 }, { op_io_misc, 2 }, { op_msg, 1 },
	{ op_fs, 2 }, { op_proc_sig, 2 },
	{ op_random, 18 },
};

void fz_one_op(void)
{
	static int total;
	int r;

	if (!total)
		for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			total += ops[i].weight;
	r = fz_below(total);
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		r -= ops[i].weight;
		if (r < 0) {
			ops[i].fn();
			return;
		}
	}
}
