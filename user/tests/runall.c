/*
 * runall.c - the user test runner: run every program in /tests, one at a
 * time, and summarise.
 *
 *	runall [dir]		(default dir: /tests)
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
 * pipes) must hold no object allocated while it ran. With debug_alloc=1
 * /proc/pagoda/slab_leaks answers that exactly and names where each such
 * object was allocated; without it the live counts in /proc/slabinfo are
 * compared. Either way a leak prints
 *
 *	leak: cache <name>: <n> objects (allocated at <chain>)
 *
 * and fails runall/no_slab_leaks. Caches that legitimately grow (page
 * cache, the inodes and dentries of files a test left in /tmp, kmalloc)
 * are not checked.
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
#define MAX_PROGS	128
/* Caches a finished test program must leave as it found them. */
#define LEAK_CACHES	"task mm vma anon_vma anon_vma_chain file pipe"
#define LEAK_PATH	"/proc/pagoda/slab_leaks"

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

/* MemFree from /proc/meminfo in kB, or -1 if it cannot be read. */
static long mem_free_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* ---- the slab leak check ---- */

static int pagoda;			/* on_pagoda(): check at all */
static int leak_fd = -1;		/* LEAK_PATH, open for the whole run */

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
	static const char *const names[] = { "task", "mm", "vma", "anon_vma",
					     "anon_vma_chain", "file", "pipe" };
	char line[256], name[64];
	long active;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	memset(counts, 0, 7 * sizeof(*counts));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", name, &active) == 2)
			for (int i = 0; i < 7; i++)
				if (!strcmp(name, names[i]))
					counts[i] = active;
	fclose(f);
	return 0;
}

/* Where the leak check stands between leak_begin() and leak_end(). */
struct leak_mark {
	unsigned long seq;		/* slab_leaks "mark" (debug_alloc=1) */
	long counts[7];			/* else: the slabinfo counts */
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
	static char ans[8192];
	char req[128];
	long now[7];
	int tries, leaked = 0;

	for (tries = 0; tries < 10; tries++) {
		if (tries)
			usleep(100 * 1000);
		reap_orphans();
		leaked = 0;
		if (m->how == 1) {
			snprintf(req, sizeof(req), "check %lu " LEAK_CACHES, m->seq);
			leaked = leak_query(req, ans, sizeof(ans)) > 0 &&
				 strncmp(ans, "no leaks", 8) != 0;
		} else if (m->how == 2 && slabinfo_counts(now) == 0) {
			for (int i = 0; i < 7; i++)
				leaked |= now[i] > m->counts[i];
		}
		if (!leaked)
			return 0;
	}
	printf("runall: %s left kernel objects behind:\n", name);
	if (m->how == 1) {
		fputs(ans, stdout);
	} else {
		static const char *const names[] = { "task", "mm", "vma", "anon_vma",
						     "anon_vma_chain", "file", "pipe" };

		for (int i = 0; i < 7; i++)
			if (now[i] > m->counts[i])
				printf("leak: cache %s: %ld objects (boot with debug_alloc=1 "
				       "to see where)\n", names[i], now[i] - m->counts[i]);
	}
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
	int st = 0;
	pid_t pid, r;

	*leaked = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fflush(stdout);
	leak_begin(&mark);
	pid = fork();
	if (pid < 0) {
		printf("UTEST FAIL runall/%s: fork: %s\n", name, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL);
		argv[0] = path;
		argv[1] = NULL;
		execv(path, argv);
		printf("UTEST FAIL runall/%s: execv: %s\n", name, strerror(errno));
		fflush(stdout);
		_exit(127);
	}
	timed_out = 0;
	alarm(TIMEOUT_S);
	for (;;) {
		r = wait4(-1, &st, 0, NULL);
		if (r == pid)
			break;
		if (r < 0 && errno == EINTR && timed_out) {
			printf("UTEST FAIL runall/%s: timed out after %d s\n",
			       name, TIMEOUT_S);
			fflush(stdout);
			kill(pid, SIGKILL);
			timed_out = 0;
		} else if (r < 0 && errno == ECHILD) {
			st = -1;
			break;
		}
	}
	alarm(0);
	*leaked = mark.how && st != -1 ? leak_end(&mark, name) : 0;
	return st;
}

/* Pagoda says so in uname's version field (Linux does not). */
static int on_pagoda(void)
{
	struct utsname u;

	return uname(&u) == 0 && strstr(u.version, "Pagoda") != NULL;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tests";
	struct sigaction sa;
	char *names[MAX_PROGS], leakers[512] = "";
	int n, i, st, leaked, npass = 0, nfail = 0;
	long before, after;

	pagoda = on_pagoda();

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
