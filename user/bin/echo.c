/*
 * echo.c - /bin/echo: print the arguments separated by spaces.
 *
 *	echo [-n] [arg...]
 *
 * -n leaves off the trailing newline.  No escape sequences are
 * interpreted.  The line is built in one buffer and written at once, so
 * concurrent echoes do not interleave mid-line.
 */
#include <string.h>
#include <unistd.h>

static char buf[8192];
static size_t len;

static int flush(void)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(1, buf + off, len - off);

		if (n <= 0)
			return -1;
		off += n;
	}
	len = 0;
	return 0;
}

static int put(const char *s, size_t n)
{
	while (n) {
		size_t k = n < sizeof(buf) - len ? n : sizeof(buf) - len;

		memcpy(buf + len, s, k);
		len += k;
		s += k;
		n -= k;
		if (len == sizeof(buf) && flush() < 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1, newline = 1;

	if (argc > 1 && !strcmp(argv[1], "-n")) {
		newline = 0;
		i++;
	}
	for (; i < argc; i++) {
		if (put(argv[i], strlen(argv[i])) < 0)
			return 1;
		if (i + 1 < argc && put(" ", 1) < 0)
			return 1;
	}
	if (newline && put("\n", 1) < 0)
		return 1;
	return flush() < 0 ? 1 : 0;
}
