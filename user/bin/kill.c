/*
 * kill.c - /bin/kill: send a signal to processes.
 *
 *	kill [-SIG | -N | -s SIG] pid...	(default SIGTERM)
 *	kill -l					(list signal names)
 *
 * SIG is a name with or without "SIG" (TERM, SIGKILL) or a number; a
 * negative pid after "--" names a process group.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct { const char *name; int num; } sigs[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
	{ "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
	{ "IO", SIGIO }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
};
#define NSIGS (sizeof(sigs) / sizeof(sigs[0]))

/* Signal number for a name or number, or -1. */
static int parse_signal(const char *s)
{
	char *end;
	size_t i;
	long n;

	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	n = strtol(s, &end, 10);
	if (*s && !*end)
		return n >= 0 && n < 65 ? (int)n : -1;
	for (i = 0; i < NSIGS; i++)
		if (!strcasecmp(s, sigs[i].name))
			return sigs[i].num;
	return -1;
}

int main(int argc, char **argv)
{
	int i = 1, sig = SIGTERM, rc = 0;
	size_t k;

	if (argc > 1 && !strcmp(argv[1], "-l")) {
		for (k = 0; k < NSIGS; k++)
			printf("%2d) SIG%s\n", sigs[k].num, sigs[k].name);
		return 0;
	}
	if (i < argc && !strcmp(argv[i], "-s") && i + 1 < argc) {
		sig = parse_signal(argv[i + 1]);
		i += 2;
	} else if (i < argc && argv[i][0] == '-' && strcmp(argv[i], "--")) {
		sig = parse_signal(argv[i] + 1);
		i++;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (sig < 0 || i >= argc) {
		fprintf(stderr, "usage: kill [-SIG | -N | -s SIG] pid...\n");
		return 2;
	}
	for (; i < argc; i++) {
		char *end;
		long pid = strtol(argv[i], &end, 10);

		if (!*argv[i] || *end) {
			fprintf(stderr, "kill: %s: not a pid\n", argv[i]);
			rc = 1;
		} else if (kill((pid_t)pid, sig) < 0) {
			fprintf(stderr, "kill: %ld: ", pid);
			perror(NULL);
			rc = 1;
		}
	}
	return rc;
}
