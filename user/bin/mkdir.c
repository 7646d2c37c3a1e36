/*
 * mkdir.c - /bin/mkdir: make directories.
 *
 *	mkdir [-p] dir...
 *
 * -p makes missing parents too and does not complain about directories
 * that already exist.  Directories get mode 0777 less the umask.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Make @path and its parents; an existing directory is fine. */
static int mkdir_parents(char *path)
{
	struct stat st;
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0777) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	if (mkdir(path, 0777) < 0) {
		if (errno != EEXIST)
			return -1;
		if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
			errno = EEXIST;
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1, parents = 0, rc = 0;

	if (argc > 1 && !strcmp(argv[1], "-p")) {
		parents = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: mkdir [-p] dir...\n");
		return 2;
	}
	for (; i < argc; i++) {
		int r = parents ? mkdir_parents(argv[i]) : mkdir(argv[i], 0777);

		if (r < 0) {
			fprintf(stderr, "mkdir: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		}
	}
	return rc;
}
