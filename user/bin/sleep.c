/*
 * sleep.c - /bin/sleep: pause for a number of seconds.
 *
 *	sleep seconds		(fractions allowed: "sleep 0.25")
 *
 * The time is parsed by hand into seconds and nanoseconds, so no
 * floating point is needed; nanosleep is resumed after signals.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

/* Parse "S[.F]" into @ts; returns 0, or -1 if @s is not a number. */
static int parse(const char *s, struct timespec *ts)
{
	long scale = 100000000L;

	ts->tv_sec = 0;
	ts->tv_nsec = 0;
	if (!*s)
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		ts->tv_sec = ts->tv_sec * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			ts->tv_nsec += (*s - '0') * scale;
	return *s ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct timespec ts;

	if (argc != 2 || parse(argv[1], &ts) < 0) {
		fprintf(stderr, "usage: sleep seconds[.fraction]\n");
		return 2;
	}
	while (nanosleep(&ts, &ts) < 0) {
		if (errno != EINTR) {
			perror("sleep");
			return 1;
		}
	}
	return 0;
}
