/*
 * init.c - /sbin/init, PID 1: mount the basic file systems, greet, and
 * keep a shell running on the console.
 *
 *	init			mount, print /etc/motd, run /bin/sh forever
 *	init -c "command"	mount, run one command with /bin/sh -c, then
 *				power off (handy for scripted boots)
 *	init -c word...		the same, the words joined by spaces into the
 *				command (the kernel command line cannot quote:
 *				"init=/sbin/init -- -c /tests/x_test case")
 *
 * Duties of PID 1 that this file owns:
 *  - /proc, /sys, /dev and /tmp are mounted unless something already is there
 *    (a path whose st_dev differs from its parent's is a mount point);
 *  - fds 0, 1 and 2 are opened on /dev/console if the kernel did not;
 *  - every child is reaped, orphans included, with wait4(-1);
 *  - the shell runs in a session of its own with the console as its
 *    controlling terminal and its process group in the foreground, and
 *    is restarted whenever it exits (after a pause if it dies at once,
 *    so a broken shell cannot make init spin).
 * Errors on the way are reported and otherwise ignored: PID 1 must not
 * exit, as the kernel would then stop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static char *const shell_env[] = {
	"PATH=/bin:/sbin:/tests",
	"HOME=/",
	"TERM=linux",
	NULL,
};

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	dprintf(2, "init: ");
	va_start(ap, fmt);
	vdprintf(2, fmt, ap);
	va_end(ap);
	dprintf(2, "\n");
}

/* Is @path a mount point (on a different device from its parent)? */
static int is_mounted(const char *path)
{
	char parent[64];
	struct stat a, b;

	snprintf(parent, sizeof(parent), "%s/..", path);
	if (stat(path, &a) < 0 || stat(parent, &b) < 0)
		return 0;
	return a.st_dev != b.st_dev;
}

static void mount_one(const char *fstype, const char *dir, mode_t mode)
{
	mkdir(dir, mode);
	if (is_mounted(dir))
		return;
	if (mount(fstype, dir, fstype, 0, NULL) < 0 && errno != EBUSY)
		say("mount %s on %s: %s", fstype, dir, strerror(errno));
}

/* Make sure fds 0, 1 and 2 are open, on the console if need be. */
static void open_console(void)
{
	int fd;

	if (fcntl(0, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;		/* nowhere to talk: carry on silently */
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static void print_motd(void)
{
	char buf[512];
	ssize_t n;
	int fd = open("/etc/motd", O_RDONLY);

	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, n) < 0)
			break;
	close(fd);
}

/*
 * Start /bin/sh (with @argv) in a new session on the console.  Returns
 * the child's pid, or -1 if fork failed.
 */
static pid_t spawn_shell(char *const argv[])
{
	pid_t pid = fork();
	int fd;

	if (pid != 0)
		return pid;
	setsid();
	/* Opening the console as a session leader makes it our tty. */
	fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		ioctl(fd, TIOCSCTTY, 0);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	tcsetpgrp(0, getpid());
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	execve("/bin/sh", argv, shell_env);
	say("cannot run /bin/sh: %s", strerror(errno));
	_exit(127);
}

static time_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* init -c: run one command, reap everything, then power off. */
static void run_once(char *cmd)
{
	char *argv[] = { "sh", "-c", cmd, NULL };
	pid_t sh = spawn_shell(argv), pid;
	int st = 0;

	while (sh > 0 && (pid = wait4(-1, &st, 0, NULL)) != sh)
		if (pid < 0 && errno != EINTR)
			break;
	dprintf(1, "init: command exited with status %d\n",
		WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	sync();
	reboot(RB_POWER_OFF);
}

/* @n words joined by single spaces, in a static buffer (truncated if long). */
static char *join_words(char **words, int n)
{
	static char cmd[1024];
	size_t len = 0;

	cmd[0] = 0;
	for (int i = 0; i < n && len < sizeof(cmd) - 1; i++)
		len += snprintf(cmd + len, sizeof(cmd) - len, "%s%s", i ? " " : "", words[i]);
	return cmd;
}

int main(int argc, char **argv)
{
	char *sh_argv[] = { "sh", NULL };
	pid_t sh = -1, pid;
	time_t started = 0;
	int st;

	signal(SIGINT, SIG_IGN);	/* ^C on the console is not for us */
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	mount_one("proc", "/proc", 0555);
	mount_one("sysfs", "/sys", 0555);
	mount_one("devtmpfs", "/dev", 0755);
	mount_one("tmpfs", "/tmp", 01777);
	open_console();
	if (argc > 2 && !strcmp(argv[1], "-c"))
		run_once(join_words(argv + 2, argc - 2));
	print_motd();
	for (;;) {
		if (sh <= 0) {
			if (started && now() - started < 1)
				sleep(2);	/* died at once: do not spin */
			started = now();
			sh = spawn_shell(sh_argv);
			if (sh < 0) {
				say("fork failed: %s", strerror(errno));
				sleep(1);
				continue;
			}
		}
		pid = wait4(-1, &st, 0, NULL);
		if (pid == sh)
			sh = -1;	/* restart it */
		else if (pid < 0 && errno == ECHILD)
			sh = -1;
	}
}
