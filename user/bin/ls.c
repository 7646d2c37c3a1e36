/*
 * ls.c - /bin/ls: list directories and files.
 *
 *	ls [-l] [-a] [path...]		(default path: .)
 *
 * A directory argument lists its entries (sorted by name; dot files
 * only with -a); any other argument lists itself.  Files are listed
 * first, then each directory under a "name:" header when there are
 * several arguments.  Entries are examined with lstat, so a symbolic
 * link is shown as a link (with its target under -l).  Without -l the
 * names go in columns when stdout is a terminal, one per line otherwise.
 * Owners are shown as numbers: there is no /etc/passwd to consult.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static int opt_long, opt_all;

struct entry {
	char *name;		/* as shown */
	char *path;		/* as passed to lstat/readlink */
	struct stat st;
};

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
		      ((const struct entry *)b)->name);
}

static void mode_string(mode_t m, char *s)
{
	const char *rwx = "rwxrwxrwx";
	int i;

	s[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' :
	       S_ISBLK(m) ? 'b' : S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '-';
	for (i = 0; i < 9; i++)
		s[i + 1] = (m & (0400 >> i)) ? rwx[i] : '-';
	if (m & S_ISUID)
		s[3] = (m & S_IXUSR) ? 's' : 'S';
	if (m & S_ISGID)
		s[6] = (m & S_IXGRP) ? 's' : 'S';
	if (m & S_ISVTX)
		s[9] = (m & S_IXOTH) ? 't' : 'T';
	s[10] = 0;
}

static void print_long(const struct entry *e)
{
	char mode[11], when[32], target[256];
	struct tm tm;
	time_t t = e->st.st_mtime;
	ssize_t n;

	mode_string(e->st.st_mode, mode);
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	printf("%s %3lu %4u %4u ", mode, (unsigned long)e->st.st_nlink,
	       (unsigned)e->st.st_uid, (unsigned)e->st.st_gid);
	if (S_ISCHR(e->st.st_mode) || S_ISBLK(e->st.st_mode))
		printf("%4u, %4u", major(e->st.st_rdev), minor(e->st.st_rdev));
	else
		printf("%10lld", (long long)e->st.st_size);
	printf(" %s %s", when, e->name);
	if (S_ISLNK(e->st.st_mode)) {
		n = readlink(e->path, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = 0;
			printf(" -> %s", target);
		}
	}
	printf("\n");
}

/* Print names in columns across the terminal width. */
static void print_columns(struct entry *v, int n)
{
	struct winsize ws;
	int width = 80, maxlen = 0, cols, rows, r, c, i;

	if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		width = ws.ws_col;
	for (i = 0; i < n; i++)
		if ((int)strlen(v[i].name) > maxlen)
			maxlen = strlen(v[i].name);
	cols = width / (maxlen + 2);
	if (cols < 1)
		cols = 1;
	rows = (n + cols - 1) / cols;
	for (r = 0; r < rows; r++) {
		for (c = 0; c < cols; c++) {
			i = c * rows + r;
			if (i >= n)
				break;
			if (c + 1 < cols && i + rows < n)
				printf("%-*s", maxlen + 2, v[i].name);
			else
				printf("%s", v[i].name);
		}
		printf("\n");
	}
}

static void print_entries(struct entry *v, int n)
{
	int i;

	qsort(v, n, sizeof(*v), cmp_entry);
	if (opt_long)
		for (i = 0; i < n; i++)
			print_long(&v[i]);
	else if (isatty(1))
		print_columns(v, n);
	else
		for (i = 0; i < n; i++)
			printf("%s\n", v[i].name);
}

static void free_entries(struct entry *v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
}

/* List the contents of directory @dir; returns 0 or -1 after a message. */
static int list_dir(const char *dir)
{
	struct entry *v = NULL;
	struct dirent *de;
	int n = 0, cap = 0;
	DIR *d = opendir(dir);

	if (!d) {
		fprintf(stderr, "ls: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && !opt_all)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v) {
				fprintf(stderr, "ls: out of memory\n");
				exit(1);
			}
		}
		v[n].name = strdup(de->d_name);
		v[n].path = malloc(strlen(dir) + strlen(de->d_name) + 2);
		sprintf(v[n].path, "%s/%s", dir, de->d_name);
		if (lstat(v[n].path, &v[n].st) < 0)
			memset(&v[n].st, 0, sizeof(v[n].st));
		n++;
	}
	closedir(d);
	print_entries(v, n);
	free_entries(v, n);
	return 0;
}

int main(int argc, char **argv)
{
	struct entry *files;
	int i, nfiles = 0, ndirs = 0, rc = 0, first = 1, npaths;
	char **dirs;
	char *f;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (f = argv[i] + 1; *f; f++) {
			if (*f == 'l')
				opt_long = 1;
			else if (*f == 'a')
				opt_all = 1;
			else {
				fprintf(stderr, "usage: ls [-la] [path...]\n");
				return 2;
			}
		}
	}
	npaths = argc - i;
	if (npaths == 0)
		return list_dir(".") < 0 ? 1 : 0;
	files = calloc(npaths, sizeof(*files));
	dirs = calloc(npaths, sizeof(*dirs));
	if (!files || !dirs)
		return 1;
	for (; i < argc; i++) {
		struct stat st;

		if (lstat(argv[i], &st) < 0) {
			fprintf(stderr, "ls: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			dirs[ndirs++] = argv[i];
		} else {
			files[nfiles].name = strdup(argv[i]);
			files[nfiles].path = strdup(argv[i]);
			files[nfiles].st = st;
			nfiles++;
		}
	}
	if (nfiles) {
		print_entries(files, nfiles);
		first = 0;
	}
	for (i = 0; i < ndirs; i++) {
		if (npaths > 1)
			printf("%s%s:\n", first ? "" : "\n", dirs[i]);
		first = 0;
		if (list_dir(dirs[i]) < 0)
			rc = 1;
	}
	free_entries(files, nfiles);
	free(dirs);
	return rc;
}
