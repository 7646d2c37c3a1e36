/*
 * runall.c - the user test runner: run every program in /tests, one at a
 * time, and summarise.
 *
 *	runall [--fail-inject] [--poison-check] [dir]	(default dir: /tests)
 *
 * Programs run in name order (runall itself skipped), with stdout passed
 * straight through, so the log holds every UTEST line followed by
 *
 *	UTEST PROG <name> exit <status>
 *
 * and, around the whole run, the free-memory figures (a leak check):
 *
 *	UTEST MEMFREE before <kB> after <kB>
 *	UTEST ALL <p> programs passed, <f> failed
 *
 * On Pagoda each program is also checked for kernel objects it left
 * behind: once it has exited and been reaped, the slab caches that must be
 * back where they were (LEAK_CACHES: tasks, address spaces, VMAs, files,
 * pipes, epolls and their items) must hold no object allocated while it ran. With debug_alloc=1
 * /proc/pagoda/slab_leaks answers that exactly and names where each such
 * object was allocated; without it the live counts in /proc/slabinfo are
 * compared. Either way a leak prints
 *
 *	leak: cache <name>: <n> objects (allocated at <chain>)
 *
 * and fails runall/no_slab_leaks. Caches that legitimately grow (page
 * cache, the inodes and dentries of files a test left in /tmp, kmalloc)
 * are not checked. With --poison-check (and debug_alloc=1), every free
 * page's poison is also checked after each program (slab_leaks "poison"):
 * a page written after its free fails runall/no_slab_leaks, naming the
 * program that was running and who freed the page.
 *
 * runall --fail-inject [dir] runs the same programs with allocation
 * failures injected (a kernel booted with fail_alloc=..., mm/fail_alloc.h):
 * each program's process is marked in /proc/PID/make-it-fail once its
 * execve has succeeded, and its output goes to /dev/null, since its own verdicts mean
 * nothing when the kernel refuses memory at random. What is judged is the
 * kernel: the program ends (or SIGKILL ends it after FAILINJ_TIMEOUT_S:
 * a test may wait forever for a child an injected failure killed), no
 * kernel object is left behind, and - once the files it left in /tmp are
 * removed - MemFree is exactly what it was before it started:
 *
 *	UTEST PASS failinj/<name>	(or FAIL, with the figures)
 *	UTEST DONE failinj <p> passed, <f> failed
 *
 * A program that runs for more than TIMEOUT_S seconds is killed and
 * counted as failed.  As PID 1 (booted with init=/tests/runall) it mounts
 * /proc, /sys, /dev and /tmp itself, starts a session on the console, reaps the
 * orphans re-parented to it; when it exits, the kernel prints "init exited
 * with status N" and powers off (or leaves QEMU under the test harness).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIMEOUT_S	300
#define FAILINJ_TIMEOUT_S	20	/* a whole normal run takes ~16 s */
#define MAX_PROGS	128
/* Caches a finished test program must leave as it found them. */
#define LEAK_CACHES	"task mm vma anon_vma anon_vma_chain file pipe " \
			"eventpoll epitem eppoll_entry"
/* The same names one by one, for the /proc/slabinfo fallback. */
static const char *const leak_names[] = { "task", "mm", "vma", "anon_vma",
					  "anon_vma_chain", "file", "pipe",
					  "eventpoll", "epitem", "eppoll_entry" };
#define NR_LEAK_CACHES	(int)(sizeof(leak_names) / sizeof(leak_names[0]))
#define LEAK_PATH	"/proc/pagoda/slab_leaks"

static volatile sig_atomic_t timed_out;
static int fail_inject;			/* --fail-inject */
static int poison_check;		/* --poison-check */

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

/*
 * MemFree from /proc/meminfo in kB, or -1 if it cannot be read - plus, on
 * Pagoda, the page tables its direct map gained by splits (secretmem takes
 * single pages out of it; like Linux, Pagoda never merges a split back):
 * they are the kernel's own structure, not a leak.
 */
static long mem_free_kb(void)
{
	char line[128];
	long kb = -1, tables = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	f = fopen("/proc/vmstat", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "nr_direct_map_split_tables %ld", &tables) == 1)
				break;
		fclose(f);
	}
	return kb < 0 ? kb : kb + tables * 4;
}

/* ---- the slab leak check ---- */

static int pagoda;			/* on_pagoda(): check at all */
static int leak_fd = -1;		/* LEAK_PATH, open for the whole run */
/* Its answers; one buffer, so the pages it touches are the same all run. */
static char leak_ans[8192];

/* Ask LEAK_PATH @req; the answer in @out. Returns its length or -1. */
static int leak_query(const char *req, char *out, size_t len)
{
	ssize_t n;

	if (write(leak_fd, req, strlen(req)) < 0)
		return -1;
	n = pread(leak_fd, out, len - 1, 0);
	if (n < 0)
		return -1;
	out[n] = '\0';
	return (int)n;
}

/* Sum of the live objects of LEAK_CACHES in /proc/slabinfo, per cache. */
static int slabinfo_counts(long *counts)
{
	char line[256], name[64];
	long active;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	memset(counts, 0, NR_LEAK_CACHES * sizeof(*counts));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", name, &active) == 2)
			for (int i = 0; i < NR_LEAK_CACHES; i++)
				if (!strcmp(name, leak_names[i]))
					counts[i] = active;
	fclose(f);
	return 0;
}

/* Where the leak check stands between leak_begin() and leak_end(). */
struct leak_mark {
	unsigned long seq;		/* slab_leaks "mark" (debug_alloc=1) */
	long counts[NR_LEAK_CACHES];	/* else: the slabinfo counts */
	int how;			/* 0: none possible, 1: seq, 2: counts */
};

static void leak_begin(struct leak_mark *m)
{
	char ans[64];

	m->how = 0;
	if (!pagoda)
		return;
	if (leak_fd >= 0 && leak_query("mark", ans, sizeof(ans)) > 0 &&
	    sscanf(ans, "mark %lu", &m->seq) == 1)
		m->how = 1;
	else if (slabinfo_counts(m->counts) == 0)
		m->how = 2;
}

/* Reap orphans that exited meanwhile (we are their parent as pid 1). */
static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * After @name has been reaped: did it leave objects behind? Prints the
 * leak lines and returns 1 if so. Orphans and deferred frees get up to a
 * second to finish first.
 */
static int leak_end(const struct leak_mark *m, const char *name)
{
	char *ans = leak_ans;
	char req[128];
	long now[NR_LEAK_CACHES];
	int tries, leaked = 0;

	for (tries = 0; tries < 10; tries++) {
		if (tries)
			usleep(100 * 1000);
		reap_orphans();
		leaked = 0;
		if (m->how == 1) {
			snprintf(req, sizeof(req), "check %lu " LEAK_CACHES, m->seq);
			leaked = leak_query(req, ans, sizeof(leak_ans)) > 0 &&
				 strncmp(ans, "no leaks", 8) != 0;
		} else if (m->how == 2 && slabinfo_counts(now) == 0) {
			for (int i = 0; i < NR_LEAK_CACHES; i++)
				leaked |= now[i] > m->counts[i];
		}
		if (!leaked)
			return 0;
	}
	printf("runall: %s left kernel objects behind:\n", name);
	if (m->how == 1) {
		fputs(ans, stdout);
	} else {
		for (int i = 0; i < NR_LEAK_CACHES; i++)
			if (now[i] > m->counts[i])
				printf("leak: cache %s: %ld objects (boot with debug_alloc=1 "
				       "to see where)\n", leak_names[i], now[i] - m->counts[i]);
	}
	fflush(stdout);
	return 1;
}

/*
 * --poison-check, after @name has been reaped: has any free page been
 * written since its free? (debug_alloc=1 checks that only when a page is
 * next allocated, which may be much later, in another program.) Prints
 * the pages and returns 1 if so.
 */
static int poison_end(const char *name)
{
	char *ans = leak_ans;

	if (leak_query("poison", ans, sizeof(leak_ans)) <= 0 ||
	    !strstr(ans, "written after free"))
		return 0;
	printf("runall: free pages written after their free while %s ran:\n%s", name, ans);
	fflush(stdout);
	return 1;
}

/* Mount @fstype on @dir unless something is mounted there already. */
static void mount_one(const char *fstype, const char *dir, mode_t mode)
{
	char parent[64];
	struct stat a, b;

	mkdir(dir, mode);
	snprintf(parent, sizeof(parent), "%s/..", dir);
	if (stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev)
		return;
	mount(fstype, dir, fstype, 0, NULL);	/* errors: carry on */
}

/*
 * PID 1 setup: the file systems and console an init would provide.  A
 * session of our own with the console as its controlling terminal gives
 * the tests the same setting as under the shell (tty_test needs it).
 */
static void setup_as_init(void)
{
	int fd;

	mount_one("proc", "/proc", 0555);
	mount_one("sysfs", "/sys", 0555);
	mount_one("devtmpfs", "/dev", 0755);
	mount_one("tmpfs", "/tmp", 01777);
	setsid();
	fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		ioctl(fd, TIOCSCTTY, 0);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
		tcsetpgrp(0, getpgrp());
	}
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect the executable regular files in @dir, sorted; returns count. */
static int list_programs(const char *dir, char **names)
{
	char path[512];
	struct dirent *de;
	struct stat st;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL && n < MAX_PROGS) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "runall"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
		    access(path, X_OK) < 0)
			continue;
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	return n;
}

/*
 * Run one program and return its wait status.  Any other child that
 * turns up meanwhile (an orphan, when we are PID 1) is simply reaped.
 */
static int run_one(const char *dir, const char *name, int *leaked)
{
	struct leak_mark mark;
	char path[512];
	char *argv[2];
	int st = 0, execd[2] = { -1, -1 };
	pid_t pid, r;

	*leaked = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fflush(stdout);
	leak_begin(&mark);
	/* --fail-inject: the write end closes when execve has succeeded. */
	if (fail_inject && pipe2(execd, O_CLOEXEC)) {
		printf("UTEST FAIL failinj/%s: pipe2: %s\n", name, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		printf("UTEST FAIL runall/%s: fork: %s\n", name, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL);
		if (fail_inject) {
			int null = open("/dev/null", O_WRONLY);

			close(execd[0]);
			if (null >= 0) {
				dup2(null, 1);
				dup2(null, 2);
				close(null);
			}
		}
		argv[0] = path;
		argv[1] = NULL;
		execv(path, argv);
		printf("UTEST FAIL runall/%s: execv: %s\n", name, strerror(errno));
		fflush(stdout);
		_exit(127);
	}
	if (fail_inject) {
		char c;

		/*
		 * Mark the program once it runs, not before execve: failing
		 * execve itself most of the time would test nothing else.
		 */
		close(execd[1]);
		if (read(execd[0], &c, 1) == 0) {
			snprintf(path, sizeof(path), "/proc/%d/make-it-fail", pid);
			int fd = open(path, O_WRONLY);

			if (fd < 0 || write(fd, "1", 1) != 1)
				printf("# failinj: %s: cannot mark it: %s\n", name, strerror(errno));
			if (fd >= 0)
				close(fd);
		}
		close(execd[0]);
	}
	timed_out = 0;
	alarm(fail_inject ? FAILINJ_TIMEOUT_S : TIMEOUT_S);
	for (;;) {
		r = wait4(-1, &st, 0, NULL);
		if (r == pid)
			break;
		if (r < 0 && errno == EINTR && timed_out && fail_inject) {
			/*
			 * A test whose child died of an injected failure may wait
			 * for it forever in user space (a pipe nobody will write):
			 * its logic, not the kernel's. That SIGKILL ends it is
			 * what is judged; one that did not would hang the boot.
			 */
			printf("# failinj: %s still running after %d s: killed\n", name,
			       FAILINJ_TIMEOUT_S);
			fflush(stdout);
			kill(pid, SIGKILL);
			timed_out = 0;
		} else if (r < 0 && errno == EINTR && timed_out) {
			printf("UTEST FAIL runall/%s: timed out after %d s\n", name, TIMEOUT_S);
			fflush(stdout);
			kill(pid, SIGKILL);
			timed_out = 0;
		} else if (r < 0 && errno == ECHILD) {
			st = -1;
			break;
		}
	}
	alarm(0);
	/*
	 * --fail-inject: a program that died half-way may leave children
	 * waiting for a signal that never comes; they are processes, not
	 * leaks. As pid 1, kill(-1) reaches all of them and spares us.
	 */
	if (fail_inject && getpid() == 1 && kill(-1, SIGKILL) == 0)
		while (waitpid(-1, NULL, 0) > 0)
			;
	*leaked = mark.how && st != -1 ? leak_end(&mark, name) : 0;
	if (poison_check && leak_fd >= 0)
		*leaked |= poison_end(name);
	return st;
}

/* Pagoda says so in uname's version field (Linux does not). */
static int on_pagoda(void)
{
	struct utsname u;

	return uname(&u) == 0 && strstr(u.version, "Pagoda") != NULL;
}

/* Remove everything under @path (not @path itself); errors are ignored. */
static void empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[512];
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
			empty_dir(sub);
			rmdir(sub);
		} else {
			unlink(sub);
		}
	}
	closedir(d);
}

/*
 * --fail-inject: run every program with failures injected and judge the
 * kernel only (see the top comment). Returns the number of failures.
 */
static int run_fail_inject(const char *dir, char **names, int n)
{
	int npass = 0, nfail = 0;
	char stats[256];
	int fd;

	for (int i = 0; i < n; i++) {
		long before, after = -1;
		int st, leaked;

		empty_dir("/tmp");
		before = mem_free_kb();
		st = run_one(dir, names[i], &leaked);
		empty_dir("/tmp");
		/* Orphans and deferred frees get up to a second to finish. */
		for (int tries = 0; tries < 10 && (after = mem_free_kb()) != before; tries++) {
			usleep(100 * 1000);
			reap_orphans();
		}
		printf("# failinj: %s %s %d\n", names[i],
		       st != -1 && WIFSIGNALED(st) ? "killed by signal" : "exit",
		       st == -1 ? -1 : WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		if (st == -1 || leaked || after != before) {
			printf("UTEST FAIL failinj/%s: %s%sMemFree %ld kB before, %ld kB after\n",
			       names[i], st == -1 ? "lost, " : "",
			       leaked ? "kernel objects left behind, " : "", before, after);
			nfail++;
		} else {
			printf("UTEST PASS failinj/%s\n", names[i]);
			npass++;
		}
		fflush(stdout);
	}
	fd = open("/proc/pagoda/fail_alloc", O_RDONLY);
	if (fd >= 0) {
		ssize_t k = read(fd, stats, sizeof(stats) - 1);

		if (k > 0) {
			stats[k] = 0;
			for (char *c = stats; *c; c++)
				if (*c == '\n')
					*c = ' ';
			printf("# fail_alloc: %s\n", stats);
		}
		close(fd);
	}
	printf("UTEST DONE failinj %d passed, %d failed\n", npass, nfail);
	return nfail;
}

int main(int argc, char **argv)
{
	const char *dir = "/tests";
	struct sigaction sa;
	char *names[MAX_PROGS], leakers[512] = "";
	int n, i, st, leaked, npass = 0, nfail = 0;
	long before, after;

	pagoda = on_pagoda();
	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--fail-inject"))
			fail_inject = 1;
		else if (!strcmp(argv[a], "--poison-check"))
			poison_check = 1;
		else
			dir = argv[a];
	}

	if (getpid() == 1)
		setup_as_init();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: wait4 must return */
	sigaction(SIGALRM, &sa, NULL);

	n = list_programs(dir, names);
	if (n < 0) {
		printf("UTEST FAIL runall/list: %s: %s\n", dir, strerror(errno));
		n = 0;
		nfail++;
	}
	before = mem_free_kb();
	/* Opened after "before" and closed before "after": its last answer
	 * is memory of ours, not of the tests. */
	if (pagoda)
		leak_fd = open(LEAK_PATH, O_RDWR | O_CLOEXEC);	/* -1: use slabinfo */
	if (fail_inject) {
		nfail += run_fail_inject(dir, names, n);
		printf("UTEST ALL %d programs passed, %d failed\n", n - nfail, nfail);
		fflush(stdout);
		return nfail == 0 ? 0 : 1;
	}
	for (i = 0; i < n; i++) {
		st = run_one(dir, names[i], &leaked);
		if (pagoda && leaked && strlen(leakers) + strlen(names[i]) + 2 < sizeof(leakers)) {
			strcat(leakers, " ");
			strcat(leakers, names[i]);
		}
		if (st != -1 && WIFEXITED(st)) {
			printf("UTEST PROG %s exit %d\n", names[i],
			       WEXITSTATUS(st));
		} else if (st != -1 && WIFSIGNALED(st)) {
			printf("UTEST PROG %s exit %d (killed by signal %d)\n",
			       names[i], 128 + WTERMSIG(st), WTERMSIG(st));
		} else {
			printf("UTEST PROG %s exit -1 (lost)\n", names[i]);
		}
		if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			npass++;
		else
			nfail++;
	}
	if (leak_fd >= 0)
		close(leak_fd);
	after = mem_free_kb();
	printf("UTEST MEMFREE before %ld after %ld\n", before, after);
	/*
	 * On Pagoda every frame the tests used must be free again (its slab
	 * returns empty slabs at once). Linux keeps caches, so there the
	 * figures are only printed.
	 */
	if (pagoda) {
		if (!leakers[0]) {
			printf("UTEST PASS runall/no_slab_leaks\n");
		} else {
			printf("UTEST FAIL runall/no_slab_leaks: objects left behind by%s\n",
			       leakers);
			nfail++;
		}
		if (before == after && before > 0) {
			printf("UTEST PASS runall/memfree_restored\n");
		} else {
			printf("UTEST FAIL runall/memfree_restored: %ld kB before, %ld kB after\n",
			       before, after);
			nfail++;
		}
	}
	printf("UTEST ALL %d programs passed, %d failed\n", npass, nfail);
	fflush(stdout);
	/* As pid 1, exiting makes the kernel report the status and power off. */
	return nfail == 0 ? 0 : 1;
}
