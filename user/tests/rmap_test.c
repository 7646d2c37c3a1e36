/*
 * rmap_test.c - reverse mapping seen from user space: Pagoda's
 * /proc/pagoda/rmap view, and Linux's /proc/kpagecount and
 * /proc/kpageflags, on a page that a family of processes shares
 * copy-on-write.
 *
 * The family: this process writes one private anonymous page, then forks
 * NKIDS children that wait for commands on a pipe each. Until someone
 * writes, all NKIDS + 1 map the one frame:
 *
 *	parent ---\
 *	child 0 ---+--> pfn P  (anon, mapcount 5)
 *	...        |
 *	child 3 ---/
 *
 * Command 'w' makes a child write the page (COW break: it gets a frame of
 * its own) and answer with its pagemap entry; closing the pipe ends it.
 *
 *	rmap view	Pagoda only (SKIP on Linux): the view lists exactly the
 *			pids that map the frame, each at the right address;
 *			after child 0's write it is gone from P's list and
 *			alone on its own frame; malformed requests are EINVAL
 *	kpagecount	P's entry is the number of processes mapping it (5,
 *			then 4), and on Pagoda the view's mapcount
 *	kpageflags	P has KPF_ANON and KPF_MMAP; the zero page has
 *			KPF_ZERO_PAGE, no KPF_MMAP and a count of 0
 *	both files	8-byte entries only (EINVAL), EOF past the end
 *
 * PFNs come from /proc/self/pagemap (bits 0-54), which Linux shows only to
 * root: on Linux without root the kpage cases SKIP.
 *
 * And a file page, found through its file's i_mmap tree (lab 7's test,
 * docs/labs/07-rmap.md):
 *
 *	file view	Pagoda only: a memfd page mapped three times in this
 *			process and three times in a child (shared from two
 *			file offsets, private) is listed at all six; the
 *			child's private write takes its private mapping off
 *			the list
 */
#include "vm_util.h"

/* <linux/kernel-page-flags.h> (not on musl's include path): the bits used here. */
#define KPF_SLAB	7
#define KPF_BUDDY	10
#define KPF_MMAP	11
#define KPF_ANON	12
#define KPF_NOPAGE	20
#define KPF_ZERO_PAGE	24

#define NKIDS		4
#define RMAP_PATH	"/proc/pagoda/rmap"

struct family {
	char *page;			/* the shared page (guarded mapping) */
	pid_t kid[NKIDS];
	int cmd[NKIDS];			/* write end of each child's command pipe */
	int reply;			/* read end: the children's answers */
	uint64_t pfn;			/* the shared frame */
};

static struct family fam;

/* Child @i: obey commands until the pipe closes. */
static void child_loop(int i, int cmd, int reply)
{
	uint64_t e = 0;
	char c;

	(void)i;
	while (read(cmd, &c, 1) == 1) {
		if (c != 'w')
			continue;
		fam.page[0] = 2;	/* COW break */
		vm_pagemap(fam.page, &e);
		if (write(reply, &e, sizeof(e)) != sizeof(e))
			_exit(98);
	}
	_exit(0);
}

static void fam_stop(void)
{
	for (int i = 0; i < NKIDS; i++) {
		if (fam.cmd[i] >= 0)
			close(fam.cmd[i]);
		if (fam.kid[i] > 0)
			waitpid(fam.kid[i], NULL, 0);
		fam.cmd[i] = -1;
		fam.kid[i] = 0;
	}
	if (fam.reply >= 0)
		close(fam.reply);
	fam.reply = -1;
	if (fam.page)
		vm_unmap_guarded(fam.page, 1);
	fam.page = NULL;
}

/* Make the family; 0, or -1 with errno (what is made is undone). */
static int fam_start(void)
{
	int rp[2], cp[2];
	uint64_t e;

	memset(&fam, 0, sizeof(fam));
	fam.reply = -1;
	for (int i = 0; i < NKIDS; i++)
		fam.cmd[i] = -1;
	fam.page = vm_anon(1);
	if (fam.page == MAP_FAILED) {
		fam.page = NULL;
		return -1;
	}
	fam.page[0] = 1;
	if (vm_pagemap(fam.page, &e) || pipe(rp) < 0)
		goto fail;
	fam.pfn = e & PM_PFN_MASK;
	fam.reply = rp[0];
	for (int i = 0; i < NKIDS; i++) {
		if (pipe(cp) < 0)
			goto fail_rp;
		fam.kid[i] = fork();
		if (fam.kid[i] < 0)
			goto fail_rp;
		if (fam.kid[i] == 0) {
			close(cp[1]);
			close(rp[0]);
			for (int j = 0; j < i; j++)
				close(fam.cmd[j]);	/* only the parent may hold them */
			child_loop(i, cp[0], rp[1]);
		}
		close(cp[0]);
		fam.cmd[i] = cp[1];
	}
	close(rp[1]);
	return 0;
fail_rp:
	close(rp[1]);
fail:
	fam_stop();
	return -1;
}

/* Child @i writes the page; its new pagemap entry into *@e. 0 or -1. */
static int fam_cow_break(int i, uint64_t *e)
{
	return write(fam.cmd[i], "w", 1) == 1 && read(fam.reply, e, sizeof(*e)) == sizeof(*e)
		? 0 : -1;
}

/* ---- reading the files ---- */

/* 8 bytes of /proc/@name at @pfn into *@v; 0 or -1 with errno. */
static int kpage(const char *name, uint64_t pfn, uint64_t *v)
{
	char path[64];
	int fd;
	ssize_t r;

	snprintf(path, sizeof(path), "/proc/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	r = pread(fd, v, 8, (off_t)(pfn * 8));
	close(fd);
	if (r != 8) {
		if (r >= 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/*
 * Can this kernel show us PFNs and kpage files? Always on Pagoda; on Linux
 * only as root (pagemap hides PFNs, kpage* are mode 0400). Sets @why.
 */
static int kpage_usable(uint64_t pfn, char *why, size_t n)
{
	uint64_t v;

	if (ut_on_pagoda())
		return 1;
	if (!pfn) {
		snprintf(why, n, "pagemap shows no PFNs here (Linux without root)");
		return 0;
	}
	if (kpage("kpagecount", pfn, &v) && (errno == EACCES || errno == EPERM)) {
		snprintf(why, n, "/proc/kpagecount: %s (Linux without root)", strerror(errno));
		return 0;
	}
	return 1;
}

#define REQUIRE_KPAGE(pfn) do {						\
	char why_[128];							\
	if (!kpage_usable((pfn), why_, sizeof(why_)))			\
		SKIP("%s", why_);					\
} while (0)

#define REQUIRE_PAGODA() do {						\
	if (!ut_on_pagoda())						\
		SKIP("Pagoda's own view: Linux has no " RMAP_PATH);	\
} while (0)

/* The parsed answer of the rmap view. */
struct rmap_view {
	unsigned long pfn, index;
	int mapcount, refcount;
	char kind[16];
	int n;				/* mapping lines */
	pid_t pid[32];
	unsigned long addr[32];
	char text[4096];		/* the raw answer */
};

/*
 * Ask the view about (@pid, @addr) into @v. Returns 0 (a first line was
 * parsed), 1 (an "error:" line), or -1 with errno (the write or the read
 * failed, or the answer has an unexpected shape: EBADMSG).
 */
static int rmap_ask(pid_t pid, const void *addr, struct rmap_view *v)
{
	int fd = open(RMAP_PATH, O_RDWR), len;
	char req[64], *line;
	ssize_t r, n = 0;

	memset(v, 0, sizeof(*v));
	if (fd < 0)
		return -1;
	len = snprintf(req, sizeof(req), "%d %lx\n", (int)pid, (unsigned long)addr);
	if (write(fd, req, len) != len) {
		close(fd);
		return -1;
	}
	while ((r = read(fd, v->text + n, sizeof(v->text) - 1 - n)) > 0)
		n += r;
	close(fd);
	if (r < 0)
		return -1;
	v->text[n] = 0;
	if (!strncmp(v->text, "error:", 6))
		return 1;
	errno = EBADMSG;
	if (sscanf(v->text, "pfn %lx mapcount %d refcount %d %15s index %lx", &v->pfn,
		   &v->mapcount, &v->refcount, v->kind, &v->index) != 5)
		return -1;
	for (line = strchr(v->text, '\n'); line && line[1]; line = strchr(line, '\n')) {
		char comm[32];

		line++;
		if (v->n == 32 || sscanf(line, "%d %31s %lx", &v->pid[v->n], comm,
					 &v->addr[v->n]) != 3)
			return -1;
		v->n++;
	}
	return 0;
}

/*
 * Does @v list exactly the pids in @want (any order), each once and at
 * @addr? 0, or -1 with the reason in @why.
 */
static int rmap_lists(const struct rmap_view *v, const pid_t *want, int nwant,
		      const void *addr, char *why, size_t n)
{
	int seen[32] = { 0 };

	if (v->n != nwant) {
		snprintf(why, n, "%d mapping lines, want %d:\n%.400s", v->n, nwant, v->text);
		return -1;
	}
	for (int i = 0; i < v->n; i++) {
		int k;

		for (k = 0; k < nwant && want[k] != v->pid[i]; k++)
			;
		if (k == nwant || seen[k]++) {
			snprintf(why, n, "pid %d listed but not expected (or twice):\n%.400s",
				 v->pid[i], v->text);
			return -1;
		}
		if (v->addr[i] != (unsigned long)addr) {
			snprintf(why, n, "pid %d at 0x%lx, want %p", v->pid[i], v->addr[i], addr);
			return -1;
		}
	}
	return 0;
}

#define EXPECT_LISTS(v, want, nwant, addr) do {				\
	char why_[600];							\
	EXPECT(rmap_lists((v), (want), (nwant), (addr), why_,		\
			  sizeof(why_)) == 0, "%s", why_);		\
} while (0)

/* ---- cases ---- */

/* The view of the shared page: 5 pids, one address, anon, mapcount 5. */
static void shared_view(void)
{
	pid_t want[NKIDS + 1] = { getpid() };
	struct rmap_view v;
	int r;

	for (int i = 0; i < NKIDS; i++)
		want[i + 1] = fam.kid[i];
	r = rmap_ask(getpid(), fam.page, &v);
	EXPECT(r == 0, "rmap view: %d (%s): %s", r, strerror(errno), v.text);
	EXPECT(v.pfn == fam.pfn, "view pfn 0x%lx, pagemap says 0x%llx", v.pfn,
	       (unsigned long long)fam.pfn);
	EXPECT(!strcmp(v.kind, "anon") && v.mapcount == NKIDS + 1,
	       "want anon mapcount %d: %s", NKIDS + 1, v.text);
	EXPECT(v.refcount >= v.mapcount, "refcount %d < mapcount %d", v.refcount, v.mapcount);
	EXPECT_LISTS(&v, want, NKIDS + 1, fam.page);
	/* The same page asked through a child, at an address inside the page. */
	r = rmap_ask(fam.kid[2], fam.page + 123, &v);
	EXPECT(r == 0 && v.pfn == fam.pfn, "view through child 2: %s", v.text);
	EXPECT_LISTS(&v, want, NKIDS + 1, fam.page);
}

static void rmap_shared(void)
{
	REQUIRE_PAGODA();
	EXPECT_OK(fam_start());
	shared_view();
	fam_stop();
}

/* kpagecount of the shared frame is 5 (Linux too), and the view's mapcount. */
static void kpagecount_shared_checks(void)
{
	struct rmap_view v;
	uint64_t count;

	EXPECT(kpage("kpagecount", fam.pfn, &count) == 0, "kpagecount at pfn 0x%llx: %s",
	       (unsigned long long)fam.pfn, strerror(errno));
	EXPECT(count == NKIDS + 1, "kpagecount %llu, want %d", (unsigned long long)count,
	       NKIDS + 1);
	if (ut_on_pagoda()) {
		EXPECT(rmap_ask(getpid(), fam.page, &v) == 0, "rmap view: %s", v.text);
		EXPECT(count == (uint64_t)v.mapcount, "kpagecount %llu, view's mapcount %d",
		       (unsigned long long)count, v.mapcount);
	}
}

static void kpagecount_shared(void)
{
	char why[128];

	EXPECT_OK(fam_start());
	if (!kpage_usable(fam.pfn, why, sizeof(why))) {
		fam_stop();
		SKIP("%s", why);
	}
	kpagecount_shared_checks();
	fam_stop();
}

static void kpageflags_shared_checks(void)
{
	uint64_t f;

	EXPECT(kpage("kpageflags", fam.pfn, &f) == 0, "kpageflags: %s", strerror(errno));
	EXPECT((f & (1ull << KPF_ANON)) && (f & (1ull << KPF_MMAP)),
	       "kpageflags 0x%llx: want KPF_ANON and KPF_MMAP", (unsigned long long)f);
	EXPECT(!(f & (1ull << KPF_NOPAGE | 1ull << KPF_SLAB | 1ull << KPF_BUDDY |
		      1ull << KPF_ZERO_PAGE)),
	       "kpageflags 0x%llx: NOPAGE, SLAB, BUDDY or ZERO_PAGE set", (unsigned long long)f);
}

static void kpageflags_shared(void)
{
	char why[128];

	EXPECT_OK(fam_start());
	if (!kpage_usable(fam.pfn, why, sizeof(why))) {
		fam_stop();
		SKIP("%s", why);
	}
	kpageflags_shared_checks();
	fam_stop();
}

/*
 * Child 0 writes: the old frame keeps 4 mappers (the view no longer lists
 * child 0), child 0's own frame has just it.
 */
static void cow_break_checks(int pagoda)
{
	pid_t want[NKIDS] = { getpid() };
	uint64_t e, count;
	struct rmap_view v;
	unsigned long own;

	for (int i = 1; i < NKIDS; i++)
		want[i] = fam.kid[i];
	EXPECT(fam_cow_break(0, &e) == 0, "child 0 did not answer: %s", strerror(errno));
	own = e & PM_PFN_MASK;
	EXPECT((e & PM_PRESENT) && own != fam.pfn,
	       "child 0's page after its write: entry 0x%llx, shared pfn 0x%llx",
	       (unsigned long long)e, (unsigned long long)fam.pfn);
	EXPECT(kpage("kpagecount", fam.pfn, &count) == 0 && count == NKIDS,
	       "kpagecount of the shared frame after the COW break: %llu, want %d",
	       (unsigned long long)count, NKIDS);
	EXPECT(kpage("kpagecount", own, &count) == 0 && count == 1,
	       "kpagecount of child 0's own frame: %llu, want 1", (unsigned long long)count);
	if (!pagoda)
		return;
	EXPECT(rmap_ask(getpid(), fam.page, &v) == 0, "rmap view: %s", v.text);
	EXPECT(v.pfn == fam.pfn && v.mapcount == NKIDS, "want mapcount %d: %s", NKIDS, v.text);
	EXPECT_LISTS(&v, want, NKIDS, fam.page);
	EXPECT(rmap_ask(fam.kid[0], fam.page, &v) == 0, "child 0's view: %s", v.text);
	EXPECT(v.pfn == own && v.mapcount == 1 && !strcmp(v.kind, "anon"),
	       "child 0's page: want pfn 0x%lx mapcount 1 anon: %s", own, v.text);
	EXPECT_LISTS(&v, &fam.kid[0], 1, fam.page);
}

static void cow_break(void)
{
	char why[128];

	EXPECT_OK(fam_start());
	if (!kpage_usable(fam.pfn, why, sizeof(why))) {
		fam_stop();
		SKIP("%s (the view is Pagoda's own)", why);
	}
	cow_break_checks(ut_on_pagoda());
	fam_stop();
}

/* An untouched private page read: the zero page, mapped but never counted. */
static void zero_page(void)
{
	char *p = vm_anon(1);
	uint64_t e, count, f;
	struct rmap_view v;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	REQUIRE_ZERO_PAGE();
	(void)*(volatile char *)p;
	EXPECT_PAGEMAP(p, e);
	REQUIRE_KPAGE(e & PM_PFN_MASK);
	EXPECT(e & PM_PRESENT, "read page not present: 0x%llx", (unsigned long long)e);
	EXPECT(kpage("kpageflags", e & PM_PFN_MASK, &f) == 0, "kpageflags: %s", strerror(errno));
	EXPECT((f & (1ull << KPF_ZERO_PAGE)) && !(f & (1ull << KPF_MMAP | 1ull << KPF_ANON)),
	       "zero page flags 0x%llx: want ZERO_PAGE, no MMAP or ANON", (unsigned long long)f);
	EXPECT(kpage("kpagecount", e & PM_PFN_MASK, &count) == 0 && count == 0,
	       "zero page kpagecount %llu, want 0", (unsigned long long)count);
	if (ut_on_pagoda()) {
		EXPECT(rmap_ask(getpid(), p, &v) == 0, "rmap view: %s", v.text);
		EXPECT(!strcmp(v.kind, "zero") && v.mapcount == 0 && v.n == 0,
		       "want the zero page, no mappings listed: %s", v.text);
	}
	vm_unmap_guarded(p, 1);
}

/* Whole 8-byte entries only; EOF past the last frame. */
static void kpage_format(void)
{
	static const char *const files[] = { "/proc/kpagecount", "/proc/kpageflags" };
	uint64_t e, buf[4] = { 0 };

	EXPECT_PAGEMAP(buf, e);
	REQUIRE_KPAGE(e & PM_PFN_MASK);
	for (int i = 0; i < 2; i++) {
		int fd = open(files[i], O_RDONLY);

		EXPECT(fd >= 0, "%s: %s", files[i], strerror(errno));
		EXPECT_ERRNO(pread(fd, buf, 4, 0), EINVAL);
		EXPECT_ERRNO(pread(fd, buf, 8, 4), EINVAL);
		EXPECT_ERRNO(pread(fd, buf, 12, 8), EINVAL);
		EXPECT(pread(fd, buf, sizeof(buf), 0) == sizeof(buf), "%s: read at 0: %s",
		       files[i], strerror(errno));
		EXPECT(pread(fd, buf, 8, (off_t)1 << 52) == 0, "%s: no EOF at 2^52", files[i]);
		close(fd);
	}
}

/* Malformed requests fail the write; well-formed ones without a page answer "error:". */
static void rmap_errors(void)
{
	static const char *const bad[] = {
		"abc", "1", "1 ", "x 1000", "0 1000", "-1 1000", "1 zz", "1 0x",
		"1 1000 junk", "1 11112222333344445", "1 ffff888000000000",
	};
	struct rmap_view v;
	char buf[64];
	int fd;

	REQUIRE_PAGODA();
	fd = open(RMAP_PATH, O_RDWR);
	EXPECT(fd >= 0, "%s: %s", RMAP_PATH, strerror(errno));
	EXPECT(read(fd, buf, sizeof(buf)) == 0, "a read before any request is not empty");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (write(fd, bad[i], strlen(bad[i])) != -1 || errno != EINVAL) {
			close(fd);
			EXPECT(0, "request '%s': %s, want EINVAL", bad[i], strerror(errno));
		}
	}
	close(fd);
	EXPECT(rmap_ask(getpid(), (void *)0x1000, &v) == 1, "nothing at 0x1000: %s", v.text);
	EXPECT(rmap_ask(1 << 29, (void *)0x10000, &v) == 1, "no such pid: %s", v.text);
	/* A request with 0x and a newline, then a second one on the same file. */
	fd = open(RMAP_PATH, O_RDWR);
	EXPECT(fd >= 0, "%s: %s", RMAP_PATH, strerror(errno));
	snprintf(buf, sizeof(buf), "%d 0x%lx\n", (int)getpid(), (unsigned long)&v);
	EXPECT(write(fd, buf, strlen(buf)) == (ssize_t)strlen(buf), "write: %s", strerror(errno));
	EXPECT(read(fd, buf, 4) == 4 && !memcmp(buf, "pfn ", 4), "answer does not start 'pfn '");
	EXPECT(write(fd, "1 1000", 6) == 6, "second write: %s", strerror(errno));
	EXPECT(read(fd, buf, 6) == 6 && !memcmp(buf, "error:", 6),
	       "second answer not read from its start");
	close(fd);
}

/* ---- file pages: i_mmap, truncate, punch hole ---- */

/* A memfd of @npages pages, page i filled with 'a' + i. -1 on error. */
static int file_of(int npages)
{
	static char buf[PAGE];
	int fd = memfd_create("rmap_test", 0);

	if (fd < 0)
		return -1;
	for (int i = 0; i < npages; i++) {
		memset(buf, 'a' + i, sizeof(buf));
		if (pwrite(fd, buf, PAGE, (off_t)i * PAGE) != PAGE) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* How many lines of @v name @pid at @addr. */
static int view_count(const struct rmap_view *v, pid_t pid, const void *addr)
{
	int n = 0;

	for (int i = 0; i < v->n; i++)
		n += v->pid[i] == pid && v->addr[i] == (unsigned long)addr;
	return n;
}

/*
 * The three mappings of file page 1 in each process: shared at page 1 of
 * @s, shared at page 0 of @s2 (mapped at file offset 1 page), private at
 * page 1 of @p (read, not written: the cache page).
 */
static void file_view_checks(pid_t kid, char *s, char *s2, char *p, int kid_cmd, int kid_ack)
{
	pid_t me = getpid();
	struct rmap_view v;
	char c = 0;
	int r;

	r = rmap_ask(me, s2, &v);
	EXPECT(r == 0, "rmap view: %d (%s): %s", r, strerror(errno), v.text);
	EXPECT(!strcmp(v.kind, "file") && v.index == 1 && v.mapcount == 6,
	       "want file index 0x1 mapcount 6: %s", v.text);
	EXPECT(v.n == 6 && view_count(&v, me, s + PAGE) == 1 && view_count(&v, me, s2) == 1 &&
	       view_count(&v, me, p + PAGE) == 1 && view_count(&v, kid, s + PAGE) == 1 &&
	       view_count(&v, kid, s2) == 1 && view_count(&v, kid, p + PAGE) == 1,
	       "want pids %d and %d each at %p, %p and %p:\n%.600s", (int)me, (int)kid,
	       s + PAGE, s2, p + PAGE, v.text);
	/* The child writes its private mapping: a copy, no longer the file's page. */
	EXPECT(write(kid_cmd, "w", 1) == 1 && read(kid_ack, &c, 1) == 1, "child lost");
	r = rmap_ask(me, s + PAGE, &v);
	EXPECT(r == 0 && v.n == 5 && view_count(&v, kid, p + PAGE) == 0 && v.mapcount == 5,
	       "after the child's private write: want 5 mappings, none of the child at %p:"
	       "\n%.600s", p + PAGE, v.text);
}

/* Child of file_view: touch the three mappings, then obey 'w', then wait for EOF. */
static void file_view_child(char *s, char *s2, char *p, int cmd, int ack)
{
	char c;
	volatile char sink;

	sink = s[PAGE] + s2[0] + p[PAGE];
	(void)sink;
	if (write(ack, "r", 1) != 1)
		_exit(1);
	while (read(cmd, &c, 1) == 1) {
		p[PAGE] = 'W';
		if (write(ack, "w", 1) != 1)
			_exit(1);
	}
	_exit(0);
}

/* The rmap view of a file page: every mapping of every process, through i_mmap. */
static void rmap_file_view(void)
{
	int fd, cp[2], ap[2];
	char *s, *s2, *p, c;
	volatile char sink;
	pid_t kid;

	REQUIRE_PAGODA();
	fd = file_of(2);
	EXPECT(fd >= 0, "memfd: %s", strerror(errno));
	s = vm_map_guarded(2, PROT_READ, MAP_SHARED, fd, 0);
	s2 = vm_map_guarded(1, PROT_READ, MAP_SHARED, fd, PAGE);
	p = vm_map_guarded(2, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT(s != MAP_FAILED && s2 != MAP_FAILED && p != MAP_FAILED, "mmap: %s",
	       strerror(errno));
	sink = s[PAGE] + s2[0] + p[PAGE];
	(void)sink;
	EXPECT_OK(pipe(cp));
	EXPECT_OK(pipe(ap));
	kid = fork();
	EXPECT_OK(kid);
	if (kid == 0) {
		close(cp[1]);
		close(ap[0]);
		file_view_child(s, s2, p, cp[0], ap[1]);
	}
	close(cp[0]);
	close(ap[1]);
	if (read(ap[0], &c, 1) == 1)
		file_view_checks(kid, s, s2, p, cp[1], ap[0]);
	else
		ut_fail("child lost");
	close(cp[1]);
	close(ap[0]);
	waitpid(kid, NULL, 0);
	vm_unmap_guarded(s, 2);
	vm_unmap_guarded(s2, 1);
	vm_unmap_guarded(p, 2);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		ut_select(argv[1]);
	ut_begin("rmap_test");
	RUN(rmap_shared);
	RUN(kpagecount_shared);
	RUN(kpageflags_shared);
	RUN(cow_break);
	RUN(zero_page);
	RUN(kpage_format);
	RUN(rmap_errors);
	RUN(rmap_file_view);
	return ut_end();
}
