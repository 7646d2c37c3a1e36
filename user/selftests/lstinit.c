/*
 * lstinit.c - PID 1 for one Linux mm selftest boot: set the machine up as
 * run_vmtests.sh would, run one test with a timeout, report, power off.
 *
 *	lstinit [--uid N] [--sysctl NAME=VALUE]... [--timeout SECS]
 *		/lst/<test> [args...]
 *
 * (No "--" before the test: Linux stops passing init's arguments at a
 * second "--" on its command line.)
 *
 * The same static binary is /init on Debian's Linux 6.1 (rdinit=, booted
 * by tools/linux-qemu-run) and on Pagoda (init=, from the selftest ISO),
 * so both kernels see the same program doing the same things:
 *
 *  - /proc, /sys, /dev (devtmpfs) and /tmp (tmpfs) are mounted; a mount
 *    that fails is reported ("LST NOTE ...") and the test runs anyway,
 *    since a missing file system is part of what the report shows;
 *  - each --sysctl writes VALUE to /proc/sys/NAME (e.g. vm/overcommit_memory
 *    =1 before virtual_address_range, kernel/yama/ptrace_scope=0 before
 *    memfd_secret) when that file exists;
 *  - the test runs in a child in its own process group; with --uid it
 *    first drops to that uid and gid (65534, "nobody", for on-fault-limit:
 *    run_vmtests.sh runs it through `sudo -u nobody`);
 *  - after --timeout seconds (default 300) the whole group is killed.
 *
 * The result is one line that tools/linux-selftests parses:
 *
 *	LST END <test> exit <status>
 *	LST END <test> signal <signo>
 *	LST END <test> timeout <secs>
 *
 * preceded by "LST BEGIN <test>" and the test's own TAP output on the
 * console.  Then the machine is powered off with reboot(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SYSCTLS	8

struct lst_opts {
	long uid;			/* -1: stay root */
	unsigned timeout;		/* seconds */
	const char *sysctl[MAX_SYSCTLS];
	int nsysctl;
	char **argv;			/* the test and its arguments */
};

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(1, buf, n) < 0)
		return;
}

static void __attribute__((noreturn)) power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	say("LST NOTE reboot(RB_POWER_OFF): %s", strerror(errno));
	for (;;)
		pause();
}

/* Keep fds 0-2 on the console (Linux opens it for init; be sure). */
static void open_console(void)
{
	int fd;

	if (fcntl(1, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		return;
	dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static void mount_one(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL) < 0 && errno != EBUSY)
		say("LST NOTE mount %s on %s: %s", type, dir, strerror(errno));
}

/* Write "NAME=VALUE" to /proc/sys/NAME, if that knob exists. */
static void apply_sysctl(const char *spec)
{
	char path[256];
	const char *eq = strchr(spec, '=');
	int fd;

	if (!eq || eq - spec > 200)
		return;
	snprintf(path, sizeof(path), "/proc/sys/%.*s", (int)(eq - spec), spec);
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		say("LST NOTE %s: %s", path, strerror(errno));
		return;
	}
	if (write(fd, eq + 1, strlen(eq + 1)) < 0)
		say("LST NOTE write %s to %s: %s", eq + 1, path, strerror(errno));
	close(fd);
}

static int parse_opts(int argc, char **argv, struct lst_opts *o)
{
	int i;

	o->uid = -1;
	o->timeout = 300;
	o->nsysctl = 0;
	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (i + 1 >= argc)
			return -1;
		if (!strcmp(argv[i], "--uid"))
			o->uid = atol(argv[++i]);
		else if (!strcmp(argv[i], "--timeout"))
			o->timeout = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--sysctl") && o->nsysctl < MAX_SYSCTLS)
			o->sysctl[o->nsysctl++] = argv[++i];
		else
			return -1;
	}
	if (i >= argc)
		return -1;
	o->argv = argv + i;
	return 0;
}

/* The child: own process group, maybe a new identity, then the test. */
static void __attribute__((noreturn)) run_child(const struct lst_opts *o)
{
	static char *const env[] = { "PATH=/lst:/bin", "HOME=/tmp", NULL };

	setpgid(0, 0);
	if (chdir("/tmp") < 0)
		say("LST NOTE chdir /tmp: %s", strerror(errno));
	if (o->uid >= 0) {
		if (setgroups(0, NULL) < 0 || setgid(o->uid) < 0 || setuid(o->uid) < 0) {
			say("LST NOTE cannot become uid %ld: %s", o->uid, strerror(errno));
			_exit(126);
		}
	}
	execve(o->argv[0], o->argv, env);
	say("LST NOTE execve %s: %s", o->argv[0], strerror(errno));
	_exit(127);
}

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

/* Wait for @pid; kill its group when the alarm fires. Returns its status. */
static int wait_test(pid_t pid, unsigned timeout)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int status;

	sigaction(SIGALRM, &sa, NULL);
	alarm(timeout);
	for (;;) {
		pid_t w = waitpid(-1, &status, 0);

		if (w == pid)
			break;
		if (w < 0 && errno == EINTR && timed_out) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		} else if (w < 0 && errno == ECHILD) {
			return -1;
		}
	}
	alarm(0);
	/* Reap whatever the test left behind in its group. */
	kill(-pid, SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return status;
}

int main(int argc, char **argv)
{
	struct lst_opts o;
	const char *name;
	pid_t pid;
	int i, status;

	open_console();
	if (parse_opts(argc, argv, &o) < 0) {
		say("LST NOTE usage: lstinit [--uid N] [--sysctl K=V] [--timeout S] test [args]");
		power_off();
	}
	name = strrchr(o.argv[0], '/') ? strrchr(o.argv[0], '/') + 1 : o.argv[0];
	mount_one("proc", "/proc", "proc");
	mount_one("sysfs", "/sys", "sysfs");
	mount_one("devtmpfs", "/dev", "devtmpfs");
	mount_one("tmpfs", "/tmp", "tmpfs");
	for (i = 0; i < o.nsysctl; i++)
		apply_sysctl(o.sysctl[i]);

	say("LST BEGIN %s", name);
	pid = fork();
	if (pid < 0) {
		say("LST END %s exit 125 (fork: %s)", name, strerror(errno));
		power_off();
	}
	if (pid == 0)
		run_child(&o);
	status = wait_test(pid, o.timeout);
	if (timed_out)
		say("LST END %s timeout %u", name, o.timeout);
	else if (status >= 0 && WIFSIGNALED(status))
		say("LST END %s signal %d", name, WTERMSIG(status));
	else
		say("LST END %s exit %d", name, status >= 0 ? WEXITSTATUS(status) : 125);
	power_off();
}
