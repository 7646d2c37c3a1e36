/*
 * rmap.c - /bin/rmap: who maps this page? Pagoda's reverse-map view.
 *
 *	rmap PID ADDR		the page PID maps at ADDR (hex, 0x optional)
 *	rmap --demo N		N forked children share one written page
 *
 * Writes "PID ADDR" to /proc/pagoda/rmap and prints the answer read back
 * from the same open file (the format is in kernel/fs/proc_rmap.c):
 *
 *	pfn 0x1f3a2 mapcount 3 refcount 3 anon index 0x7ffff7ff8
 *	7 rmap 0x7ffff7ff8000
 *	8 rmap 0x7ffff7ff8000
 *	9 rmap 0x7ffff7ff8000
 *
 * The demo maps an anonymous page, writes to it, and forks N children
 * that wait on a pipe without touching it: parent and children all map
 * the one frame copy-on-write, so the view lists N + 1 (pid, address)
 * pairs. Closing the pipe then lets the children exit.
 *
 * Exits 1 when the view says "error:" or cannot be read (on Linux there
 * is no /proc/pagoda: it is Pagoda's own).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define RMAP_PATH	"/proc/pagoda/rmap"
#define MAX_CHILDREN	64

/* Print the view of (pid, addr); 0, or 1 on an error line or failure. */
static int show(long pid, unsigned long addr)
{
	char req[64], buf[4096];
	ssize_t n;
	int fd, len, err = 0;

	fflush(stdout);		/* what came before goes first */
	fd = open(RMAP_PATH, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "rmap: %s: %s\n", RMAP_PATH, strerror(errno));
		return 1;
	}
	len = snprintf(req, sizeof(req), "%ld 0x%lx\n", pid, addr);
	if (write(fd, req, len) != len) {
		fprintf(stderr, "rmap: %ld 0x%lx: %s\n", pid, addr, strerror(errno));
		close(fd);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (!strncmp(buf, "error:", 6))
			err = 1;
		if (write(1, buf, n) != n)
			err = 1;
	}
	if (n < 0) {
		fprintf(stderr, "rmap: read %s: %s\n", RMAP_PATH, strerror(errno));
		err = 1;
	}
	close(fd);
	return err;
}

static int demo(int nchild)
{
	pid_t kids[MAX_CHILDREN];
	int pfd[2], status = 0;
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (page == MAP_FAILED || pipe(pfd) < 0) {
		perror("rmap: demo");
		return 1;
	}
	page[0] = 1;		/* a real anonymous page, not the zero page */
	for (int i = 0; i < nchild; i++) {
		kids[i] = fork();
		if (kids[i] < 0) {
			perror("rmap: fork");
			nchild = i;
			status = 1;
			break;
		}
		if (kids[i] == 0) {
			char c;

			close(pfd[1]);
			while (read(pfd[0], &c, 1) > 0)
				;	/* sleep until the parent closes the pipe */
			_exit(0);
		}
	}
	close(pfd[0]);
	if (!status) {
		printf("rmap --demo: pid %d wrote the page at %p, then forked %d children:\n",
		       (int)getpid(), (void *)page, nchild);
		status = show(getpid(), (unsigned long)page);
	}
	close(pfd[1]);		/* tell the children to go */
	for (int i = 0; i < nchild; i++)
		waitpid(kids[i], NULL, 0);
	return status;
}

static void usage(void)
{
	fprintf(stderr, "usage: rmap PID ADDR\n       rmap --demo N   (N <= %d)\n",
		MAX_CHILDREN);
	exit(2);
}

int main(int argc, char **argv)
{
	char *end;
	long pid, n;
	unsigned long addr;

	if (argc != 3)
		usage();
	if (!strcmp(argv[1], "--demo")) {
		n = strtol(argv[2], &end, 10);
		if (*end || n < 0 || n > MAX_CHILDREN)
			usage();
		return demo((int)n);
	}
	pid = strtol(argv[1], &end, 10);
	if (*end || pid <= 0)
		usage();
	errno = 0;
	addr = strtoul(argv[2], &end, 16);
	if (*end || errno)
		usage();
	return show(pid, addr);
}
