/*
 * ps.c - /bin/ps: list every process from /proc.
 *
 * For each numeric directory in /proc it reads <pid>/stat (state and
 * parent; the command name sits in parentheses and may itself contain
 * spaces or ')', so the last ')' ends it) and <pid>/cmdline (NUL
 * separated argv; empty for kernel threads, which are shown as [name]).
 * Prints PID PPID STATE CMD, sorted by pid.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PROCS 4096

/* Read up to @len - 1 bytes of a small file; returns length or -1. */
static int slurp(const char *path, char *buf, int len)
{
	int fd = open(path, O_RDONLY), n, total = 0;

	if (fd < 0)
		return -1;
	while (total < len - 1 && (n = read(fd, buf + total, len - 1 - total)) > 0)
		total += n;
	close(fd);
	buf[total] = 0;
	return total;
}

static void show(int pid)
{
	char path[64], stat[1024], cmd[1024], comm[256] = "?", *open_p, *close_p;
	char state = '?';
	int ppid = 0, n, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (slurp(path, stat, sizeof(stat)) <= 0)
		return;		/* exited meanwhile */
	open_p = strchr(stat, '(');
	close_p = strrchr(stat, ')');
	if (open_p && close_p && close_p > open_p) {
		n = close_p - open_p - 1;
		if (n > (int)sizeof(comm) - 1)
			n = sizeof(comm) - 1;
		memcpy(comm, open_p + 1, n);
		comm[n] = 0;
		sscanf(close_p + 1, " %c %d", &state, &ppid);
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	n = slurp(path, cmd, sizeof(cmd));
	if (n > 0) {
		while (n > 0 && cmd[n - 1] == 0)
			n--;
		for (i = 0; i < n; i++)
			if (cmd[i] == 0)
				cmd[i] = ' ';
		cmd[n] = 0;
	} else {
		snprintf(cmd, sizeof(cmd), "[%s]", comm);
	}
	printf("%5d %5d %c     %s\n", pid, ppid, state, cmd);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int main(void)
{
	static int pids[MAX_PROCS];
	struct dirent *de;
	int n = 0, i;
	DIR *d = opendir("/proc");

	if (!d) {
		perror("ps: /proc");
		return 1;
	}
	while ((de = readdir(d)) != NULL && n < MAX_PROCS)
		if (isdigit((unsigned char)de->d_name[0]))
			pids[n++] = atoi(de->d_name);
	closedir(d);
	qsort(pids, n, sizeof(int), cmp_int);
	printf("  PID  PPID STATE CMD\n");
	for (i = 0; i < n; i++)
		show(pids[i]);
	return 0;
}
