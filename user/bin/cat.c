/*
 * cat.c - /bin/cat: copy files (or stdin) to stdout.
 *
 *	cat [file...]		("-" or no file means stdin)
 *
 * Reports each unreadable file on stderr and goes on with the rest;
 * the exit status is 1 if any file failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[65536];

/* Copy @fd to stdout; returns 0, or -1 with errno set. */
static int copy(int fd)
{
	ssize_t n, off, w;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (off = 0; off < n; off += w) {
			w = write(1, buf + off, n - off);
			if (w < 0)
				return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i, fd, rc = 0;

	if (argc < 2)
		return copy(0) < 0 ? 1 : 0;
	for (i = 1; i < argc; i++) {
		fd = strcmp(argv[i], "-") ? open(argv[i], O_RDONLY) : 0;
		if (fd < 0 || copy(fd) < 0) {
			fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		}
		if (fd > 0)
			close(fd);
	}
	return rc;
}
