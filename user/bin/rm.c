/*
 * rm.c - /bin/rm: remove files, and with -r whole directory trees.
 *
 *	rm [-r] [-f] [-rf] path...
 *
 * -r descends into directories (depth first, using lstat so symbolic
 * links are removed, never followed); -f ignores missing paths and
 * suppresses the usage error when no path is given.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int recursive, force;

static int complain(const char *path)
{
	if (force && errno == ENOENT)
		return 0;
	fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
	return -1;
}

static int remove_path(const char *path)
{
	struct stat st;
	struct dirent *de;
	char sub[4096];
	int rc = 0;
	DIR *d;

	if (lstat(path, &st) < 0)
		return complain(path);
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? complain(path) : 0;
	if (!recursive) {
		errno = EISDIR;
		return complain(path);
	}
	d = opendir(path);
	if (!d)
		return complain(path);
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >=
		    (int)sizeof(sub)) {
			errno = ENAMETOOLONG;
			rc |= complain(path);
			continue;
		}
		rc |= remove_path(sub);
	}
	closedir(d);
	if (rmdir(path) < 0)
		rc |= complain(path);
	return rc;
}

int main(int argc, char **argv)
{
	int i, rc = 0;
	char *f;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		for (f = argv[i] + 1; *f; f++) {
			if (*f == 'r' || *f == 'R')
				recursive = 1;
			else if (*f == 'f')
				force = 1;
			else {
				fprintf(stderr, "rm: unknown option -%c\n", *f);
				return 2;
			}
		}
	}
	if (i >= argc && !force) {
		fprintf(stderr, "usage: rm [-rf] path...\n");
		return 2;
	}
	for (; i < argc; i++)
		if (remove_path(argv[i]) < 0)
			rc = 1;
	return rc;
}
