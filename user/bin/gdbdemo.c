/*
 * gdbdemo.c - /bin/gdbdemo: a process with known memory to look at with
 * the kernel's gdb commands (tools/gdb/pagoda.py, docs/debugging.md).
 *
 *	gdbdemo [--timeout SEC]		(default 600 s; 0: no limit)
 *
 * It maps
 *
 *   anon   one private anonymous page, every 8-byte word i = PATTERN | i
 *   file   one page of /tmp/gdbdemo.<pid> (tmpfs), MAP_SHARED, with a
 *          known string at its start
 *   flag   one private anonymous page, mapped after the fork (so by this
 *          process alone), whose first int lets it go
 *
 * then forks a child that reads anon and file (so both pages are mapped
 * twice: anon copy-on-write, file shared) and sleeps in read(2) on a pipe.
 * The parent looks up the three frames in /proc/self/pagemap, prints
 *
 *   GDBDEMO pid=P child=C checkpoint=0x..
 *   GDBDEMO anon=0x.. anon_pfn=0x.. pattern=0x..
 *   GDBDEMO file=0x.. file_pfn=0x.. path=/tmp/gdbdemo.P
 *   GDBDEMO flag=0x.. flag_pfn=0x..
 *   gdbdemo: let me go: set *(int *)(0xffff888000000000 + (0x.. << 12)) = 1
 *   GDBDEMO READY
 *
 * and spins in user mode, calling checkpoint() each round, until the
 * flag's first int is not 0 - which a debugger writes through the kernel's
 * direct map, as the "let me go" line says - or until the time is up
 * (checked every 65536 rounds). Then it lets the child
 * go, reaps it, removes the file and prints "GDBDEMO DONE" (exit 0) or
 * "GDBDEMO TIMEOUT" (exit 1). checkpoint() is where a breakpoint stops the
 * parent in user mode with its own page tables loaded (tests/gdbcheck.py
 * puts a hardware breakpoint there).
 *
 * On Linux the pfns read as 0 unless run as root (pagemap hides them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE		4096ul
#define PATTERN		0x5041474f44410000ull	/* "\0\0ADOGAP": word i is PATTERN | i */
#define FILE_TEXT	"gdbdemo shared file page"
#define PM_PRESENT	(1ull << 63)		/* pagemap: page present */
#define PM_PFN_MASK	((1ull << 55) - 1)	/* pagemap: bits 0-54 */

/* The breakpoint target: a real call each round, never inlined or dropped. */
__attribute__((noinline)) void checkpoint(void)
{
	__asm__ __volatile__("" ::: "memory");
}

/*
 * One line in one write(2) of at most 127 bytes: the console TTY copies a
 * write in 128-byte chunks and writes each under the console lock
 * (kernel/fs/n_tty.c), so a kernel message can fall between two chunks of
 * a longer line, never inside a short one - and the harness must be able
 * to parse these lines.
 */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2;		/* cut: the harness will say what is missing */
	line[n++] = '\n';
	if (write(1, line, n) != n)
		exit(2);
}

static void die(const char *what)
{
	fprintf(stderr, "gdbdemo: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void *map_page(int prot, int flags, int fd)
{
	void *p = mmap(NULL, PAGE, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

/* The frame /proc/self/pagemap gives for @addr (0 when hidden or absent). */
static unsigned long pfn_of(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		die("open /proc/self/pagemap");
	if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)addr / PAGE * 8)) != sizeof(e))
		die("read /proc/self/pagemap");
	close(fd);
	return (e & PM_PRESENT) ? (unsigned long)(e & PM_PFN_MASK) : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The child: map both pages (reads), say so, sleep until the pipe closes. */
static void child(const volatile uint64_t *anon, const volatile char *file, int ready,
		  int go)
{
	char c = anon[1] == (PATTERN | 1) && file[0] == FILE_TEXT[0];

	if (write(ready, &c, 1) != 1)
		_exit(3);
	while (read(go, &c, 1) > 0)
		;
	_exit(0);
}

int main(int argc, char **argv)
{
	double timeout = 600, deadline;
	int ready[2], go[2], fd, status;
	char path[64], ok;
	volatile uint64_t *anon;
	volatile int *flag;
	char *file;
	pid_t kid;

	if (argc == 3 && !strcmp(argv[1], "--timeout"))
		timeout = atof(argv[2]);
	else if (argc != 1) {
		fprintf(stderr, "usage: gdbdemo [--timeout SEC]\n");
		return 2;
	}
	anon = map_page(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	for (unsigned long i = 0; i < PAGE / 8; i++)
		anon[i] = PATTERN | i;
	snprintf(path, sizeof(path), "/tmp/gdbdemo.%d", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, PAGE) < 0)
		die(path);
	file = map_page(PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	strcpy(file, FILE_TEXT);

	if (pipe(ready) < 0 || pipe(go) < 0)
		die("pipe");
	kid = fork();
	if (kid < 0)
		die("fork");
	if (kid == 0) {
		close(ready[0]);
		close(go[1]);
		child(anon, file, ready[1], go[0]);
	}
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &ok, 1) != 1 || !ok) {
		fprintf(stderr, "gdbdemo: the child did not see the pages\n");
		return 2;
	}

	flag = map_page(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	*flag = 0;			/* a frame of its own, not the zero page */
	say("GDBDEMO pid=%d child=%d checkpoint=%p", (int)getpid(), (int)kid, (void *)checkpoint);
	say("GDBDEMO anon=%p anon_pfn=0x%lx pattern=0x%llx", (void *)anon, pfn_of((void *)anon),
	    (unsigned long long)PATTERN);
	say("GDBDEMO file=%p file_pfn=0x%lx path=%s", (void *)file, pfn_of(file), path);
	say("GDBDEMO flag=%p flag_pfn=0x%lx", (void *)flag, pfn_of((void *)flag));
	say("gdbdemo: let me go: set *(int *)(0xffff888000000000 + (0x%lx << 12)) = 1",
	    pfn_of((void *)flag));
	say("GDBDEMO READY");

	deadline = now() + timeout;
	for (unsigned long round = 1; !*flag; round++) {
		checkpoint();
		if (timeout > 0 && !(round & 0xffff) && now() > deadline)
			break;
	}
	close(go[1]);			/* the child's read ends: it exits */
	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "gdbdemo: child %d ended badly (status 0x%x)\n", (int)kid, status);
		return 1;
	}
	munmap(file, PAGE);
	close(fd);
	unlink(path);
	if (!*flag) {
		say("GDBDEMO TIMEOUT after %g s", timeout);
		return 1;
	}
	say("GDBDEMO DONE");
	return 0;
}
