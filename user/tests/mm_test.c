/*
 * mm_test.c - user memory management: brk, anonymous mmap, munmap,
 * mprotect, the faults they produce, argument checks, and copy-on-write
 * isolation after fork.
 *
 * Accesses that must fault happen in a child; the child either dies
 * (checked with WTERMSIG) or catches SIGSEGV and exits with a code that
 * says what si_code it saw.  brk is driven through raw syscalls and put
 * back exactly where it was, before anything could call malloc.
 */
#include "utest.h"

#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define PAGE 4096ul

static int child_status(pid_t pid)
{
	int st = -1;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static void brk_grow_shrink(void)
{
	uintptr_t cur = syscall(SYS_brk, 0), top, back;
	volatile unsigned char *p;
	size_t i;

	EXPECT(cur != 0, "brk(0) returned 0");
	top = syscall(SYS_brk, cur + 256 * 1024);
	EXPECT(top == cur + 256 * 1024, "brk grow returned %#lx, want %#lx",
	       (unsigned long)top, (unsigned long)(cur + 256 * 1024));
	p = (volatile unsigned char *)cur;
	for (i = 0; i < 256 * 1024; i += 512) {
		EXPECT(p[i] == 0, "new brk memory at +%zu is not zero", i);
		p[i] = (unsigned char)i;
	}
	for (i = 0; i < 256 * 1024; i += 512)
		EXPECT(p[i] == (unsigned char)i, "brk memory lost a write");
	back = syscall(SYS_brk, cur);
	EXPECT(back == cur, "brk shrink returned %#lx", (unsigned long)back);
	EXPECT(syscall(SYS_brk, 0) == (long)cur, "brk(0) after shrink");
}

static void mmap_anon_zero_and_write(void)
{
	size_t len = 16 * PAGE, i;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(((uintptr_t)p & (PAGE - 1)) == 0, "mmap not page aligned");
	for (i = 0; i < len; i++)
		EXPECT(p[i] == 0, "byte %zu is %d, want 0", i, p[i]);
	for (i = 0; i < len; i += 100)
		p[i] = (unsigned char)(i / 100);
	for (i = 0; i < len; i += 100)
		EXPECT(p[i] == (unsigned char)(i / 100), "write lost at %zu", i);
	EXPECT_OK(munmap(p, len));
}

static void munmap_then_access_faults(void)
{
	unsigned char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int st;
	pid_t pid;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	p[0] = p[PAGE] = 1;
	EXPECT_OK(munmap(p + PAGE, PAGE));
	EXPECT(p[0] == 1, "first page damaged by munmap of the second");
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		(void)*(volatile unsigned char *)(p + PAGE);
		_exit(0);
	}
	st = child_status(pid);
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	       "read of unmapped page: status %#x, want SIGSEGV", st);
	munmap(p, PAGE);
}

static void report_segv_code(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	_exit(si->si_code == SEGV_ACCERR ? 50 :
	      si->si_code == SEGV_MAPERR ? 51 : 52);
}

static void mprotect_readonly_faults(void)
{
	unsigned char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int st;
	pid_t pid;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	p[10] = 77;
	EXPECT_OK(mprotect(p, PAGE, PROT_READ));
	EXPECT(p[10] == 77, "data lost by mprotect");
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = report_segv_code;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
		*(volatile unsigned char *)p = 1;
		_exit(0);
	}
	st = child_status(pid);
	EXPECT(WIFEXITED(st), "status %#x", st);
	EXPECT(WEXITSTATUS(st) != 0, "write to read-only page did not fault");
	EXPECT(WEXITSTATUS(st) == 50, "si_code was not SEGV_ACCERR (code %d)",
	       WEXITSTATUS(st));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		*(volatile unsigned char *)p = 1;
		_exit(0);
	}
	st = child_status(pid);
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	       "default action: status %#x, want SIGSEGV", st);
	EXPECT_OK(mprotect(p, PAGE, PROT_READ | PROT_WRITE));
	p[0] = 5;	/* writable again */
	EXPECT(p[0] == 5, "write after mprotect RW");
	munmap(p, PAGE);
}

/* Raw syscalls: musl's mprotect() would round the address down itself. */
static void argument_checks(void)
{
	const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	char *p;

	EXPECT_ERRNO(syscall(SYS_mmap, 0, 0, PROT_READ, anon, -1, 0), EINVAL);
	EXPECT_ERRNO(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0),
		     EINVAL);
	p = mmap(NULL, 2 * PAGE, PROT_READ, anon, -1, 0);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_ERRNO(syscall(SYS_munmap, p + 1, PAGE), EINVAL);
	EXPECT_ERRNO(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ), EINVAL);
	EXPECT_ERRNO(syscall(SYS_munmap, p, 0), EINVAL);
	EXPECT_ERRNO(syscall(SYS_mmap, p + 1, PAGE, PROT_READ, anon | MAP_FIXED,
			     -1, 0), EINVAL);
	EXPECT_OK(munmap(p, 2 * PAGE));
	EXPECT_OK(munmap(p, 2 * PAGE));	/* nothing mapped: still fine */
}

static void map_fixed_replaces(void)
{
	unsigned char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *q;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 0xaa, 3 * PAGE);
	q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	EXPECT(q == p + PAGE, "MAP_FIXED returned %p, want %p", (void *)q,
	       (void *)(p + PAGE));
	EXPECT(q[0] == 0 && q[PAGE - 1] == 0, "replaced page not zeroed");
	EXPECT(p[0] == 0xaa && p[2 * PAGE] == 0xaa, "neighbours damaged");
	munmap(p, 3 * PAGE);
}

static void fork_copies_memory(void)
{
	size_t len = 64 * PAGE, i;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static volatile int global = 1;
	volatile int local = 2;
	int st;
	pid_t pid;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7);
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		for (i = 0; i < len; i++)
			if (p[i] != (unsigned char)(i * 7))
				_exit(1);	/* child must see parent's data */
		memset(p, 0x55, len);
		global = 100;
		local = 200;
		_exit(global == 100 && local == 200 && p[5] == 0x55 ? 0 : 2);
	}
	st = child_status(pid);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "child saw wrong memory (status %#x)", st);
	EXPECT(global == 1 && local == 2, "child's writes reached the parent");
	for (i = 0; i < len; i++)
		EXPECT(p[i] == (unsigned char)(i * 7),
		       "parent byte %zu changed by child", i);
	p[0] = 9;	/* the parent's copy is still writable */
	EXPECT(p[0] == 9, "parent write after fork");
	munmap(p, len);
}

int main(void)
{
	ut_begin("mm_test");
	RUN(brk_grow_shrink);
	RUN(mmap_anon_zero_and_write);
	RUN(munmap_then_access_faults);
	RUN(mprotect_readonly_faults);
	RUN(argument_checks);
	RUN(map_fixed_replaces);
	RUN(fork_copies_memory);
	return ut_end();
}
