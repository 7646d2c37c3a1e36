/*
 * vm_swap_test.c - swapping anonymous memory to a virtio disk and back:
 * swapon of a disk this program formats itself (the mkswap header),
 * MADV_PAGEOUT, pagemap's swapped bit, the data read back correct, pages
 * shared with a forked child, soft-dirty bits kept in swap entries,
 * swapped pages and a swap-in error marker moved by mremap (plain and
 * with Pagoda's MREMAP_RELOCATE_ANON), swapoff with pages still out, and
 * (asked for by an argument) reclaim on a 48 MiB machine: 160 MiB of anonymous memory,
 * a 96 MiB tmpfs file and 64 MiB of shared anonymous memory, each more than
 * RAM, so that kswapd and direct reclaim must push pages out, and 40 MiB
 * swapped out that clone(CLONE_VM) children fault back together; then,
 * after swapoff, MemFree must be exactly what it was before swapon.
 * "vm_swap_test case[,case]" runs only those cases (make grade).
 *
 * It needs a spare disk it may overwrite: Pagoda with a virtio disk
 * (/dev/vda; the "swap" boot of tests/harness.py). On Linux, and on Pagoda
 * without a disk, every case is skipped: the test never formats or swaps
 * on a host's disk.
 */
#include "vm_clone_util.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <time.h>

#define DISK		"/dev/vda"
#define NPAGES		2048		/* 8 MiB */
#define PM_SWAP		(1ull << 62)

static char *region;
static int swap_on;

static uint64_t pattern(unsigned long page, unsigned long word)
{
	return (page * 0x9e3779b97f4a7c15ull) ^ (word * 0xbf58476d1ce4e5b9ull) ^ 0x5a5a;
}

static void fill(void)
{
	for (unsigned long p = 0; p < NPAGES; p++)
		for (unsigned long w = 0; w < PAGE / 8; w += 64)
			((uint64_t *)(region + p * PAGE))[w] = pattern(p, w);
}

/* First bad page, or -1 when everything reads back right. */
static long check(void)
{
	for (unsigned long p = 0; p < NPAGES; p++)
		for (unsigned long w = 0; w < PAGE / 8; w += 64)
			if (((uint64_t *)(region + p * PAGE))[w] != pattern(p, w))
				return (long)p;
	return -1;
}

static unsigned long swapped_pages(void)
{
	unsigned long n = 0;
	uint64_t e;

	for (unsigned long p = 0; p < NPAGES; p++)
		if (vm_pagemap(region + p * PAGE, &e) == 0 && (e & PM_SWAP) && !(e & PM_PRESENT))
			n++;
	return n;
}

static void swapon_formatted_disk(void)
{
	char buf[512];

	EXPECT(vm_mkswap(DISK) == 0, "formatting %s: %s", DISK, strerror(errno));
	EXPECT(swapon(DISK, 0) == 0, "swapon: %s", strerror(errno));
	swap_on = 1;
	errno = 0;
	EXPECT(swapon(DISK, 0) == -1 && errno == EBUSY, "second swapon: %s", strerror(errno));
	EXPECT(vm_read_file("/proc/swaps", buf, sizeof(buf)) > 0 && strstr(buf, DISK),
	       "/proc/swaps does not list %s", DISK);
	EXPECT(vm_meminfo_kb("SwapTotal") > NPAGES * 4, "SwapTotal %ld kB",
	       vm_meminfo_kb("SwapTotal"));
}

static void pageout_and_back(void)
{
	long long out0 = vm_vmstat("pswpout"), in0 = vm_vmstat("pswpin");
	long free0 = vm_meminfo_kb("SwapFree");
	long bad;

	fill();
	EXPECT(madvise(region, NPAGES * PAGE, MADV_PAGEOUT) == 0, "MADV_PAGEOUT: %s",
	       strerror(errno));
	EXPECT(swapped_pages() == NPAGES, "%lu of %d pages swapped per pagemap",
	       swapped_pages(), NPAGES);
	EXPECT(vm_vmstat("pswpout") - out0 >= NPAGES, "pswpout +%lld",
	       vm_vmstat("pswpout") - out0);
	EXPECT(free0 - vm_meminfo_kb("SwapFree") >= NPAGES * 4, "SwapFree fell %ld kB",
	       free0 - vm_meminfo_kb("SwapFree"));
	EXPECT(vm_status_kb("VmSwap") >= NPAGES * 4, "VmSwap %ld kB", vm_status_kb("VmSwap"));
	bad = check();
	EXPECT(bad < 0, "page %ld read back wrong", bad);
	EXPECT(swapped_pages() == 0, "%lu pages still swapped after reading", swapped_pages());
	EXPECT(vm_vmstat("pswpin") - in0 >= NPAGES, "pswpin +%lld", vm_vmstat("pswpin") - in0);
}

/*
 * Soft-dirty survives swap: of two written pages, clear_refs "4" cleans
 * both, one is written again; both go out; the swap entries show the
 * bits (pagemap 55 with 62); read back, the pages keep them, and the
 * clean one is write-protected: its first write marks it.
 */
static int softdirty_bit(const char *p)
{
	uint64_t e = 0;

	return vm_pagemap(p, &e) == 0 && (e & (1ull << 55));
}

static void softdirty_survives_swap(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	int fd;
	uint64_t e0 = 0, e1 = 0;

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 's', 2 * PAGE);
	fd = open("/proc/self/clear_refs", O_WRONLY);
	EXPECT(fd >= 0 && write(fd, "4", 1) == 1, "clear_refs 4: %s", strerror(errno));
	close(fd);
	p[PAGE] = 't';
	EXPECT(!softdirty_bit(p) && softdirty_bit(p + PAGE), "bits before pageout");
	EXPECT(madvise(p, 2 * PAGE, MADV_PAGEOUT) == 0, "MADV_PAGEOUT: %s", strerror(errno));
	EXPECT(vm_pagemap(p, &e0) == 0 && vm_pagemap(p + PAGE, &e1) == 0, "pagemap");
	EXPECT((e0 & PM_SWAP) && (e1 & PM_SWAP), "not swapped: %#llx %#llx",
	       (unsigned long long)e0, (unsigned long long)e1);
	EXPECT(!(e0 & (1ull << 55)) && (e1 & (1ull << 55)), "swap entries' bits: %#llx %#llx",
	       (unsigned long long)e0, (unsigned long long)e1);
	EXPECT(p[0] == 's' && p[PAGE] == 't', "data read back wrong");
	EXPECT(!softdirty_bit(p) && softdirty_bit(p + PAGE), "bits after swap-in");
	p[1] = 'u';
	EXPECT(softdirty_bit(p), "a write after swap-in left the page clean");
	munmap(p, 2 * PAGE);
}

static void shared_with_child(void)
{
	pid_t pid;
	int st;

	fill();
	EXPECT(madvise(region, NPAGES * PAGE, MADV_PAGEOUT) == 0, "MADV_PAGEOUT: %s",
	       strerror(errno));
	pid = fork();
	if (pid == 0)
		_exit(check() < 0 && swapped_pages() == 0 ? 0 : 1);
	EXPECT(pid > 0 && waitpid(pid, &st, 0) == pid, "fork/wait: %s", strerror(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child saw wrong data (status %#x)", st);
	EXPECT(check() < 0, "parent saw wrong data");
}

/* Pages of the region pagemap shows present. */
static unsigned long present_pages(void)
{
	unsigned long n = 0;
	uint64_t e;

	for (unsigned long p = 0; p < NPAGES; p++)
		if (vm_pagemap(region + p * PAGE, &e) == 0 && (e & PM_PRESENT))
			n++;
	return n;
}

/*
 * MADV_POPULATE_READ/WRITE over swapped-out pages read them back in,
 * with the mmap lock dropped around each read (Pagoda's counter
 * populate_unlocked); the data is right. A child forked with the pages
 * out populates its own copy for writing; the parent's stay out.
 */
static void populate_swapped_pages(void)
{
	long long in0 = vm_vmstat("pswpin"), unlocked0 = vm_vmstat("populate_unlocked");
	pid_t pid;
	int st;

	fill();
	EXPECT(madvise(region, NPAGES * PAGE, MADV_PAGEOUT) == 0, "MADV_PAGEOUT: %s",
	       strerror(errno));
	EXPECT(swapped_pages() == NPAGES, "%lu pages swapped", swapped_pages());
	EXPECT(madvise(region, NPAGES * PAGE, MADV_POPULATE_READ) == 0, "POPULATE_READ: %s",
	       strerror(errno));
	EXPECT(present_pages() == NPAGES && swapped_pages() == 0, "%lu present, %lu swapped",
	       present_pages(), swapped_pages());
	EXPECT(vm_vmstat("pswpin") - in0 >= NPAGES, "pswpin +%lld", vm_vmstat("pswpin") - in0);
	EXPECT(vm_vmstat("populate_unlocked") - unlocked0 >= NPAGES, "populate_unlocked +%lld",
	       vm_vmstat("populate_unlocked") - unlocked0);
	EXPECT(check() < 0, "page %ld read back wrong", check());

	EXPECT(madvise(region, NPAGES * PAGE, MADV_PAGEOUT) == 0, "MADV_PAGEOUT: %s",
	       strerror(errno));
	pid = fork();
	if (pid == 0) {
		if (madvise(region, NPAGES * PAGE, MADV_POPULATE_WRITE))
			_exit(2);
		if (present_pages() != NPAGES || check() >= 0)
			_exit(3);
		memset(region, 0, PAGE);	/* its own copy now */
		_exit(0);
	}
	EXPECT(pid > 0 && waitpid(pid, &st, 0) == pid, "fork/wait: %s", strerror(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: status %#x", st);
	EXPECT(swapped_pages() == NPAGES, "parent: %lu of %d pages still swapped",
	       swapped_pages(), NPAGES);
	EXPECT(madvise(region, NPAGES * PAGE, MADV_POPULATE_WRITE) == 0, "POPULATE_WRITE: %s",
	       strerror(errno));
	EXPECT(present_pages() == NPAGES, "%lu present", present_pages());
	EXPECT(check() < 0, "parent: page %ld wrong after the child's write", check());
}

/*
 * A swap read that fails (Pagoda's knob /proc/pagoda/blk_inject makes the
 * disk fail reads of chosen sectors) must not map garbage: the page reads
 * as SIGBUS at exactly its address - in the parent and in a child forked
 * after the failure - and the page next to it is fine.
 */
static int set_knob(const char *req)
{
	int fd = open("/proc/pagoda/blk_inject", O_RDWR);
	int ok = fd >= 0 && write(fd, req, strlen(req)) == (ssize_t)strlen(req);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static void read_error_poisons_page(void)
{
	char *a = region, *b = region + PAGE;
	struct vm_fault pr;
	char req[64];
	uint64_t e;
	pid_t pid;
	int st;

	fill();
	EXPECT(madvise(region, 2 * PAGE, MADV_PAGEOUT) == 0, "MADV_PAGEOUT: %s", strerror(errno));
	EXPECT(vm_pagemap(a, &e) == 0 && (e & PM_SWAP), "page not swapped out");
	/* Swap offset (bits 5-54) -> the slot's 8 sectors fail. */
	snprintf(req, sizeof(req), "vda %llu 8",
		 (unsigned long long)(((e & PM_PFN_MASK) >> 5) * (PAGE / 512)));
	EXPECT(set_knob(req) == 0, "writing the knob: %s", strerror(errno));
	vm_probe_here(a, VM_READ, &pr);
	/* Linux >= 6.5: the swap-in error marker is a poison marker. */
	EXPECT(pr.sig == SIGBUS && pr.addr == a && pr.code == BUS_MCEERR_AR,
	       "parent: signal %d code %d at %p, want SIGBUS BUS_MCEERR_AR at %p", pr.sig,
	       pr.code, pr.addr, a);
	EXPECT(set_knob("vda 0 0") == 0, "clearing the knob");
	/* MADV_POPULATE reports it as EHWPOISON and leaves it so; the neighbour is fine. */
	EXPECT(madvise(a, 2 * PAGE, MADV_POPULATE_READ) == -1 && errno == EHWPOISON,
	       "POPULATE_READ of the lost page: %s", strerror(errno));
	EXPECT(madvise(b, PAGE, MADV_POPULATE_WRITE) == 0, "POPULATE_WRITE of the neighbour: %s",
	       strerror(errno));
	vm_probe_here(a, VM_READ, &pr);
	EXPECT(pr.sig == SIGBUS, "the lost page came back after the disk recovered");
	pid = fork();
	if (pid == 0) {
		vm_probe_here(a, VM_READ, &pr);
		if (pr.sig != SIGBUS || pr.addr != a)
			_exit(1);
		_exit(((uint64_t *)b)[0] == pattern(1, 0) ? 0 : 2);
	}
	EXPECT(pid > 0 && waitpid(pid, &st, 0) == pid, "fork/wait: %s", strerror(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x (1: no SIGBUS, 2: "
	       "neighbour wrong)", st);
	EXPECT(((uint64_t *)b)[0] == pattern(1, 0), "the neighbouring page is wrong");
	/* Unmap the poisoned page so later cases start clean. */
	munmap(a, PAGE);
	EXPECT(mmap(a, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		    -1, 0) == a, "remapping the page: %s", strerror(errno));
	madvise(a, PAGE, MADV_NOHUGEPAGE);	/* like the rest: region is one VMA again */
}

/*
 * The big cases run in forked children (in_child): this process must never
 * map their ranges itself, because Pagoda frees a process's page tables
 * only when it exits - 160 MiB mapped and unmapped here would leave some
 * 80 page-table pages behind, and no_page_leak_after_swapoff needs this
 * process to end exactly as big as it began. A child function returns
 * NULL, or a message (CHILD_FAIL) that comes back through a pipe and
 * becomes the case's failure.
 */
static char child_msg[256];

#define CHILD_FAIL(...) do {						\
	snprintf(child_msg, sizeof(child_msg), __VA_ARGS__);		\
	return child_msg;						\
} while (0)

/* Run @fn in a child; 0 if it succeeded, else fail the case (naming @what) and -1. */
static int in_child(const char *what, const char *(*fn)(void))
{
	char msg[sizeof(child_msg)] = "";
	int pp[2], st = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pp) < 0) {
		ut_fail("%s: pipe: %s", what, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		const char *m;

		close(pp[0]);
		m = fn();
		fflush(stdout);
		if (m && write(pp[1], m, strlen(m)) < 0)
			_exit(2);
		_exit(m ? 1 : 0);
	}
	close(pp[1]);
	n = pid > 0 ? read(pp[0], msg, sizeof(msg) - 1) : 0;
	close(pp[0]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		ut_fail("%s: fork/wait: %s", what, strerror(errno));
		return -1;
	}
	msg[n > 0 ? n : 0] = 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	ut_fail("%s (status %#x): %s", what, st, msg[0] ? msg : "died");
	return -1;
}

/*
 * mremap moves swap entries and swap-in error markers with the page
 * tables: 8 pages paged out, the first one's slot made unreadable and its
 * error marker planted by a read (SIGBUS), then the region moved - plainly
 * and, on Pagoda, with MREMAP_RELOCATE_ANON (8). At the new address the
 * marker is still SIGBUS BUS_MCEERR_AR, in this process and in a forked
 * child, the other pages are still swap entries (pagemap) and read back
 * right; the old range is gone (with MREMAP_DONTUNMAP, the third pass and
 * the syzkaller report's flags, it stays mapped and empty). Runs in a
 * child (the note above in_child).
 */
#define MOVE_PAGES	8

static const char *moved_region_ok(char *m, const char *how)
{
	struct vm_fault pr;
	unsigned long swapped = 0;
	uint64_t e;
	pid_t pid;
	int st;

	vm_probe_here(m, VM_READ, &pr);
	if (pr.sig != SIGBUS || pr.addr != m || pr.code != BUS_MCEERR_AR)
		CHILD_FAIL("%s: the marker at the new address: signal %d code %d", how, pr.sig,
			   pr.code);
	for (unsigned long p = 1; p < MOVE_PAGES; p++)
		if (vm_pagemap(m + p * PAGE, &e) == 0 && (e & PM_SWAP) && !(e & PM_PRESENT))
			swapped++;
	if (swapped != MOVE_PAGES - 1)
		CHILD_FAIL("%s: %lu of %d pages still swap entries after the move", how, swapped,
			   MOVE_PAGES - 1);
	pid = fork();
	if (pid == 0) {
		vm_probe_here(m, VM_READ, &pr);
		_exit(pr.sig == SIGBUS && pr.addr == m ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		CHILD_FAIL("%s: the child did not get SIGBUS at the moved marker (%#x)", how, st);
	for (unsigned long p = 1; p < MOVE_PAGES; p++)
		if (((uint64_t *)(m + p * PAGE))[64] != pattern(p, 64))
			CHILD_FAIL("%s: page %lu read back wrong after the move", how, p);
	return NULL;
}

static const char *mremap_child(void)
{
	const unsigned long len = MOVE_PAGES * PAGE;
	char *dst = mmap(NULL, 6 * len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vm_fault pr;
	const char *m;

	if (dst == MAP_FAILED)
		CHILD_FAIL("mmap: %s", strerror(errno));
	for (int pass = 0; pass < 3; pass++) {
		unsigned long flags = MREMAP_MAYMOVE | MREMAP_FIXED | (pass ? 8 : 0) |
				      (pass == 2 ? MREMAP_DONTUNMAP : 0);
		char *src = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0), *to = dst + pass * 2 * len;
		const char *how = pass == 2 ? "DONTUNMAP|RELOCATE_ANON move" :
				  pass ? "RELOCATE_ANON move" : "plain move";
		char req[64];
		uint64_t e;
		void *r;

		if (src == MAP_FAILED)
			CHILD_FAIL("mmap: %s", strerror(errno));
		madvise(src, len, MADV_NOHUGEPAGE);
		for (unsigned long p = 0; p < MOVE_PAGES; p++)
			((uint64_t *)(src + p * PAGE))[64] = pattern(p, 64);
		if (madvise(src, len, MADV_PAGEOUT) || vm_pagemap(src, &e) || !(e & PM_SWAP))
			CHILD_FAIL("%s: page not swapped out", how);
		snprintf(req, sizeof(req), "vda %llu 8",
			 (unsigned long long)(((e & PM_PFN_MASK) >> 5) * (PAGE / 512)));
		if (set_knob(req))
			CHILD_FAIL("writing the knob: %s", strerror(errno));
		vm_probe_here(src, VM_READ, &pr);	/* plants the marker */
		set_knob("vda 0 0");
		if (pr.sig != SIGBUS)
			CHILD_FAIL("%s: no SIGBUS for the unreadable slot", how);
		r = (void *)syscall(SYS_mremap, src, len, len, flags, to);
		if (r != to)
			CHILD_FAIL("%s: mremap gave %p (%s)", how, r, strerror(errno));
		if (vm_pagemap(src, &e) || (e & (PM_SWAP | PM_PRESENT)))
			CHILD_FAIL("%s: the old range still maps something", how);
		if ((m = moved_region_ok(to, how)))
			return m;
	}
	return NULL;
}

static void mremap_swapped_pages(void)
{
	in_child("mremap of swapped pages", mremap_child);
}

/*
 * The big fills store one word per KiB: word w (a multiple of 128) of
 * page p holds pattern(p, w) ^ salt. Each kind of memory has its own
 * salt, so a page that came back from another one's stale swap slot is
 * caught even at the same page index.
 */
#define SALT_ANON	0ull
#define SALT_FILE	0xf11ef11ef11ef11eull
#define SALT_SHARED	0x5ea4ed5ea4ed5ea4ull

static int progress;

static uint64_t *fill_word(char *big, unsigned long p, unsigned long w)
{
	return (uint64_t *)(big + p * PAGE) + w;
}

static void fill_report(const char *what, unsigned long mb)
{
	if (progress)
		printf("fill: %s %lu MiB: pgscan %lld pgsteal %lld pswpout %lld pswpin %lld\n",
		       what, mb, vm_vmstat("pgscan_anon"), vm_vmstat("pgsteal_anon"),
		       vm_vmstat("pswpout"), vm_vmstat("pswpin"));
	fflush(stdout);
}

/* Write the salted pattern into @npages pages at @big; @what names the progress lines. */
static void big_fill(char *big, unsigned long npages, uint64_t salt, const char *what)
{
	for (unsigned long p = 0; p < npages; p++) {
		for (unsigned long w = 0; w < PAGE / 8; w += 128)
			*fill_word(big, p, w) = pattern(p, w) ^ salt;
		if ((p + 1) % (16 * 256) == 0)
			fill_report(what, (p + 1) / 256);
	}
}

/* First page of @big that does not hold the salted pattern, or -1. */
static long big_check(char *big, unsigned long npages, uint64_t salt)
{
	for (unsigned long p = 0; p < npages; p++)
		for (unsigned long w = 0; w < PAGE / 8; w += 128)
			if (*fill_word(big, p, w) != (pattern(p, w) ^ salt))
				return (long)p;
	return -1;
}

/*
 * Reclaim under pressure: fill FILL_MB of anonymous memory (more than the
 * machine's RAM: the tests boot with -m 48M), read it all back, then let a
 * forked child read it all too (the pages it swaps in are shared with the
 * filler's swap entries). Nothing calls MADV_PAGEOUT: only reclaim (kswapd
 * and direct reclaim in the fault path) makes room. With "progress" it
 * prints a line every 16 MiB, to see a stall as it happens. The filler is
 * a child of the test (see in_child).
 */
#define FILL_MB		160
#define FILL_PAGES	(FILL_MB * 256ul)

static const char *fill_child(void)
{
	char *big = mmap(NULL, FILL_PAGES * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	long bad;
	int st;

	if (big == MAP_FAILED)
		CHILD_FAIL("mmap %d MiB: %s", FILL_MB, strerror(errno));
	madvise(big, FILL_PAGES * PAGE, MADV_NOHUGEPAGE);
	big_fill(big, FILL_PAGES, SALT_ANON, "filled");
	bad = big_check(big, FILL_PAGES, SALT_ANON);
	fill_report("checked", FILL_MB);
	if (bad >= 0)
		CHILD_FAIL("page %ld of the fill read back wrong", bad);
	if (vm_vmstat("pgsteal_anon") <= 0)
		CHILD_FAIL("nothing was reclaimed (pgsteal_anon 0)");
	pid = fork();
	if (pid == 0)
		_exit(big_check(big, FILL_PAGES, SALT_ANON) < 0 ? 0 : 1);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		CHILD_FAIL("fork/wait: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		CHILD_FAIL("the filler's child saw wrong data (status %#x)", st);
	fill_report("child checked", FILL_MB);
	printf("fill: pgscan %lld pgsteal %lld pswpout %lld pswpin %lld\n",
	       vm_vmstat("pgscan_anon"), vm_vmstat("pgsteal_anon"), vm_vmstat("pswpout"),
	       vm_vmstat("pswpin"));
	printf("fill: pgscan_kswapd %lld pgscan_direct %lld pgsteal_kswapd %lld "
	       "pgsteal_direct %lld allocstall_normal %lld pgactivate %lld pgdeactivate %lld\n",
	       vm_vmstat("pgscan_kswapd"), vm_vmstat("pgscan_direct"),
	       vm_vmstat("pgsteal_kswapd"), vm_vmstat("pgsteal_direct"),
	       vm_vmstat("allocstall_normal"), vm_vmstat("pgactivate"),
	       vm_vmstat("pgdeactivate"));
	munmap(big, FILL_PAGES * PAGE);
	return NULL;
}

static void fill_more_than_ram(void)
{
	in_child("filler", fill_child);
}

/*
 * A tmpfs file twice the size of RAM: BIG_MB written through a MAP_SHARED
 * mapping (by a child: see in_child), then read back with pread(2) in
 * 64 KiB chunks by this process. Its pages can only have gone to swap -
 * pswpout must have grown by at least the part that cannot fit in RAM, and
 * Shmem (tmpfs pages in memory) stays below the file's size - and once the
 * file is unlinked, SwapFree must be back where it was before the file
 * was created, give or take SWAP_SLACK_KB: the slots of a deleted file are
 * freed. (The slack is for this process's own pages, which the pressure
 * may push out and which stay out; by now the fill above has already
 * pushed out everything else that is cold.)
 */
#define BIG_FILE	"/tmp/swap-big"
#define BIG_MB		96
#define BIG_PAGES	(BIG_MB * 256ul)
#define CHUNK_PAGES	16		/* 64 KiB per pread */
#define SWAP_SLACK_KB	64

static uint64_t big_chunk[CHUNK_PAGES * PAGE / 8];

static const char *shmem_write_child(void)
{
	int fd = open(BIG_FILE, O_RDWR | O_CREAT | O_EXCL, 0600);
	char *m;

	if (fd < 0)
		CHILD_FAIL("create %s: %s", BIG_FILE, strerror(errno));
	if (ftruncate(fd, BIG_PAGES * PAGE) < 0)
		CHILD_FAIL("ftruncate to %d MiB: %s", BIG_MB, strerror(errno));
	m = mmap(NULL, BIG_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		CHILD_FAIL("mmap %d MiB: %s", BIG_MB, strerror(errno));
	big_fill(m, BIG_PAGES, SALT_FILE, "file written");
	if (munmap(m, BIG_PAGES * PAGE) < 0)
		CHILD_FAIL("munmap: %s", strerror(errno));
	close(fd);
	return NULL;
}

/* First page of BIG_FILE that pread(2) shows wrong; -1 if none, -2 (errno) if a read failed. */
static long big_file_check(int fd)
{
	for (unsigned long p = 0; p < BIG_PAGES; p += CHUNK_PAGES) {
		if (pread(fd, big_chunk, sizeof(big_chunk), p * PAGE) != sizeof(big_chunk))
			return -2;
		for (unsigned long i = 0; i < CHUNK_PAGES; i++)
			for (unsigned long w = 0; w < PAGE / 8; w += 128)
				if (big_chunk[i * (PAGE / 8) + w] !=
				    (pattern(p + i, w) ^ SALT_FILE))
					return (long)(p + i);
		if ((p + CHUNK_PAGES) % (16 * 256) == 0)
			fill_report("file read", (p + CHUNK_PAGES) / 256);
	}
	return -1;
}

static void shmem_file_phases(long long out0)
{
	long total = vm_meminfo_kb("MemTotal"), shmem, bad;
	long long out, need = (BIG_MB * 1024l - total) / 4;
	int fd, err;

	if (need < 1)
		need = 1;
	if (in_child("writer", shmem_write_child))
		return;
	shmem = vm_meminfo_kb("Shmem");
	out = vm_vmstat("pswpout") - out0;
	EXPECT(shmem >= 0 && shmem < BIG_MB * 1024l, "Shmem %ld kB after writing the %d MiB "
	       "file", shmem, BIG_MB);
	EXPECT(out >= need, "pswpout +%lld while writing %d MiB with %ld kB of RAM, want at "
	       "least +%lld", out, BIG_MB, total, need);
	fd = open(BIG_FILE, O_RDONLY);
	EXPECT(fd >= 0, "reopening %s: %s", BIG_FILE, strerror(errno));
	bad = big_file_check(fd);
	err = errno;
	close(fd);
	EXPECT(bad != -2, "pread of %s: %s", BIG_FILE, strerror(err));
	EXPECT(bad < 0, "page %ld of %s reads back wrong", bad, BIG_FILE);
}

static void shmem_file_larger_than_ram(void)
{
	long free0, free1;

	unlink(BIG_FILE);
	free0 = vm_meminfo_kb("SwapFree");
	shmem_file_phases(vm_vmstat("pswpout"));
	/* Unlink in any case: the cases after this one need the memory. */
	if (unlink(BIG_FILE) < 0 && !ut_case_failed)
		ut_fail("unlink %s: %s", BIG_FILE, strerror(errno));
	if (ut_case_failed)
		return;
	free1 = vm_meminfo_kb("SwapFree");
	EXPECT(free0 >= 0 && free1 >= free0 - SWAP_SLACK_KB, "SwapFree %ld kB before the file, "
	       "%ld kB just after unlink(2): the file's swap slots were not freed by it",
	       free0, free1);
}

/*
 * Shared anonymous memory larger than RAM: SHARED_MB of MAP_SHARED |
 * MAP_ANONYMOUS, written all over by a forked child (it exits, and the
 * pages, which nobody maps any more, can only live in swap), then read
 * back by the parent. Both are children of the test (see in_child).
 */
#define SHARED_MB	64
#define SHARED_PAGES	(SHARED_MB * 256ul)

static const char *shared_anon_child(void)
{
	char *s = mmap(NULL, SHARED_PAGES * PAGE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	long bad;
	int st;

	if (s == MAP_FAILED)
		CHILD_FAIL("mmap %d MiB: %s", SHARED_MB, strerror(errno));
	pid = fork();
	if (pid == 0) {
		big_fill(s, SHARED_PAGES, SALT_SHARED, "shared written");
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		CHILD_FAIL("fork/wait: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		CHILD_FAIL("the writer died (status %#x)", st);
	bad = big_check(s, SHARED_PAGES, SALT_SHARED);
	fill_report("shared checked", SHARED_MB);
	if (munmap(s, SHARED_PAGES * PAGE) < 0)
		CHILD_FAIL("munmap: %s", strerror(errno));
	if (bad >= 0)
		CHILD_FAIL("page %ld of the shared memory reads back wrong", bad);
	return NULL;
}

static void shared_anon_larger_than_ram(void)
{
	in_child("shared memory", shared_anon_child);
}

/*
 * MADV_PAGEOUT of shared memory (a tmpfs file underneath, as on Linux):
 * pages only this process maps go to swap now, mincore shows them gone,
 * and reading them brings the data back. In a child (see in_child).
 */
#define POUT_PAGES	64

static const char *pageout_shared_child(void)
{
	char *s = mmap(NULL, POUT_PAGES * PAGE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned char vec[POUT_PAGES];
	long long out0 = vm_vmstat("pswpout");
	unsigned long resident = 0;
	long bad;

	if (s == MAP_FAILED)
		CHILD_FAIL("mmap: %s", strerror(errno));
	big_fill(s, POUT_PAGES, SALT_SHARED, "pageout");
	if (madvise(s, POUT_PAGES * PAGE, MADV_PAGEOUT))
		CHILD_FAIL("MADV_PAGEOUT: %s", strerror(errno));
	if (mincore(s, POUT_PAGES * PAGE, vec))
		CHILD_FAIL("mincore: %s", strerror(errno));
	for (int i = 0; i < POUT_PAGES; i++)
		resident += vec[i] & 1;
	if (resident)
		CHILD_FAIL("%lu of %d pages still resident after MADV_PAGEOUT", resident,
			   POUT_PAGES);
	if (vm_vmstat("pswpout") - out0 < POUT_PAGES)
		CHILD_FAIL("pswpout +%lld, want +%d", vm_vmstat("pswpout") - out0, POUT_PAGES);
	bad = big_check(s, POUT_PAGES, SALT_SHARED);
	if (bad >= 0)
		CHILD_FAIL("page %ld reads back wrong", bad);
	munmap(s, POUT_PAGES * PAGE);
	return NULL;
}

static void pageout_shared_memory(void)
{
	in_child("pageout", pageout_shared_child);
}

/*
 * fallocate(FALLOC_FL_PUNCH_HOLE) of a memfd whose pages are on swap:
 * the slots are freed with the pages (SwapFree comes back, st_blocks goes
 * to 0) and the range reads as zeros.
 */
#define PUNCH_PAGES	64

static void punch_hole_frees_swap(void)
{
	int fd = syscall(SYS_memfd_create, "punch-swap", 0);
	long free0, free1, free2;
	struct stat st;
	char *s, buf[PAGE];

	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, PUNCH_PAGES * PAGE));
	s = mmap(NULL, PUNCH_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT(s != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(s, 0x5a, PUNCH_PAGES * PAGE);
	free0 = vm_meminfo_kb("SwapFree");
	EXPECT_OK(madvise(s, PUNCH_PAGES * PAGE, MADV_PAGEOUT));
	munmap(s, PUNCH_PAGES * PAGE);
	free1 = vm_meminfo_kb("SwapFree");
	EXPECT(free0 - free1 >= (long)(PUNCH_PAGES * PAGE / 1024), "SwapFree %ld -> %ld kB", free0, free1);
	EXPECT_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			    PUNCH_PAGES * PAGE));
	free2 = vm_meminfo_kb("SwapFree");
	EXPECT(free2 == free0, "SwapFree %ld kB after the punch, %ld before the pageout", free2,
	       free0);
	EXPECT_OK(fstat(fd, &st));
	EXPECT(st.st_blocks == 0 && st.st_size == PUNCH_PAGES * PAGE, "st_blocks %ld size %ld",
	       (long)st.st_blocks, (long)st.st_size);
	EXPECT(pread(fd, buf, PAGE, 5 * PAGE) == PAGE && buf[0] == 0 && buf[PAGE - 1] == 0,
	       "punched page reads %#x", buf[0]);
	close(fd);
}

/*
 * Two writers at once on shared memory larger than what is free: two
 * grandchildren each write half of TWO_MB of MAP_SHARED | MAP_ANONYMOUS
 * memory, then read the other's half; the scheduler interleaves their
 * faults with each other's swap-ins and with reclaim unmapping the same
 * pages from both. Then their parent reads it all. (in_child, as above.)
 */
#define TWO_MB		48
#define TWO_HALF	(TWO_MB * 128ul)	/* pages per half */

static int two_writer(char *s, volatile int *done, int i)
{
	big_fill(s + i * TWO_HALF * PAGE, TWO_HALF, SALT_SHARED ^ (uint64_t)(i + 1), "writer");
	__atomic_store_n(&done[i], 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&done[1 - i], __ATOMIC_ACQUIRE))
		sched_yield();
	return big_check(s + (1 - i) * TWO_HALF * PAGE, TWO_HALF,
			 SALT_SHARED ^ (uint64_t)(2 - i)) < 0 ? 0 : 1;
}

static const char *two_writers_child(void)
{
	char *s = mmap(NULL, 2 * TWO_HALF * PAGE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int *done = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid[2];
	int st;

	if (s == MAP_FAILED || done == MAP_FAILED)
		CHILD_FAIL("mmap: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] == 0)
			_exit(two_writer(s, done, i));
		if (pid[i] < 0)
			CHILD_FAIL("fork: %s", strerror(errno));
	}
	for (int i = 0; i < 2; i++) {
		if (waitpid(pid[i], &st, 0) != pid[i])
			CHILD_FAIL("wait: %s", strerror(errno));
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			CHILD_FAIL("writer %d saw the other half wrong (status %#x)", i, st);
	}
	for (int i = 0; i < 2; i++)
		if (big_check(s + i * TWO_HALF * PAGE, TWO_HALF, SALT_SHARED ^ (uint64_t)(i + 1)) >= 0)
			CHILD_FAIL("half %d reads back wrong in the parent", i);
	return NULL;
}

static void shared_anon_two_writers(void)
{
	in_child("two writers", two_writers_child);
}

/*
 * Threads on different CPUs fault more than RAM while reclaim swaps: the
 * vm_smp_test cases that fill 4 threads' parts of one region and check
 * every page (reclaim_4_threads), and that write, check and MADV_DONTNEED
 * it round after round (dontneed_under_reclaim: reclaim must never unmap
 * a PTE that changed after it looked), run here where their 96 MiB do not
 * fit in the 48 MiB boot.
 * Its own UTEST lines are in the log (the swap-smp4 boot requires them);
 * with one CPU it skips there, so it is skipped here at once.
 */
#define THREAD_FILL_MB	"96"

static void threads_fault_beyond_ram(void)
{
	int st;
	pid_t pid;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("1 CPU to run on: vm_smp_test's reclaim cases need 2");
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		execl("/tests/vm_smp_test", "vm_smp_test", "reclaim_4_threads,dontneed_under_reclaim",
		      "--reclaim-mb", THREAD_FILL_MB, (char *)NULL);
		_exit(127);
	}
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "vm_smp_test ended with status %#x", st);
}

/*
 * Tasks sharing one mm (clone(CLONE_VM), vm_clone_util.h) fault the same
 * swapped-out pages at once: RACE_MB of private anonymous memory, more
 * than is free, gets its last word per page written (vm_race_tail) and is
 * paged out; then RACE_KIDS clone children each read and write their own
 * word of every page, two of them from the first page up and two from the
 * last down (vm_race_touch). Faults take the mmap lock only for reading,
 * so while one kid's fault sleeps in the swap-in read, the kid beside it
 * faults the same page, and reclaim pushes pages out again (write-
 * protecting them first) under kids still writing. Every word must come
 * back right, and the fault path must have met the race: /proc/vmstat's
 * fault_raced counts faults that found their PTE resolved by another task
 * after sleeping and backed out. (in_child, as above.)
 */
#define RACE_MB		40
#define RACE_KIDS	4

static struct vm_race swap_race;

static int swapin_kid(void *arg)
{
	unsigned int kid = (unsigned int)(uintptr_t)arg;

	if (!vm_race_wait_go(&swap_race, 0) || !vm_race_touch(&swap_race, kid, 0))
		return 1;
	vm_race_done(&swap_race);
	return 0;
}

static const char *concurrent_swapin_child(void)
{
	const unsigned long npages = RACE_MB * 256ul;
	char *r = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	long long raced0, in0;
	void *stacks[RACE_KIDS];
	pid_t pids[RACE_KIDS];
	int started, bad = -1;

	if (r == MAP_FAILED)
		CHILD_FAIL("mmap: %s", strerror(errno));
	madvise(r, npages * PAGE, MADV_NOHUGEPAGE);
	for (unsigned long p = 0; p < npages; p++)
		((uint64_t *)(r + p * PAGE))[PAGE / 8 - 1] = vm_race_tail(p);
	if (madvise(r, npages * PAGE, MADV_PAGEOUT))
		CHILD_FAIL("MADV_PAGEOUT: %s", strerror(errno));
	raced0 = vm_vmstat("fault_raced");
	in0 = vm_vmstat("pswpin");
	swap_race = (struct vm_race){ .region = r, .npages = npages, .kids = RACE_KIDS,
				      .tailed = true, .round = -1 };
	for (started = 0; started < RACE_KIDS; started++) {
		pids[started] = vm_clone_vm(swapin_kid, (void *)(uintptr_t)started,
					    &stacks[started]);
		if (pids[started] < 0)
			break;
	}
	if (started == RACE_KIDS) {
		vm_race_go(&swap_race, 0);
		vm_race_wait_round(&swap_race, 0);
	}
	__atomic_store_n(&swap_race.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < started; i++)
		if (vm_clone_wait(pids[i], stacks[i]) != 0 && bad < 0)
			bad = i;
	if (started < RACE_KIDS)
		CHILD_FAIL("clone: %s", strerror(errno));
	if (swap_race.failed)
		CHILD_FAIL("%s", swap_race.msg);
	if (bad >= 0)
		CHILD_FAIL("clone child %d ended badly", bad);
	if (vm_vmstat("pswpin") - in0 < (long long)npages)
		CHILD_FAIL("only %lld pages swapped in for %lu", vm_vmstat("pswpin") - in0, npages);
	if (vm_vmstat("fault_raced") == raced0)
		CHILD_FAIL("no fault met another on the same page (fault_raced stayed %lld)",
			   raced0);
	if (!vm_race_check(&swap_race, 0))
		CHILD_FAIL("%s", swap_race.msg);
	return NULL;
}

static void concurrent_swapin_clone_vm(void)
{
	in_child("concurrent swap-in", concurrent_swapin_child);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * kill -9 of a task in the middle of swapoff (reading 8 MiB back) ends it
 * within a second or so, and the area stays on (Linux's try_to_unuse
 * returns -EINTR). Kill latency bound: generous for TCG; measured ~0.1 s.
 */
static void swapoff_killable(void)
{
	unsigned long still_out;
	long swap_free;
	int go[2];
	double t;
	pid_t pid, done = 0;
	char c;
	int st;

	fill();
	EXPECT(madvise(region, NPAGES * PAGE, MADV_PAGEOUT) == 0, "MADV_PAGEOUT: %s",
	       strerror(errno));
	swap_free = vm_meminfo_kb("SwapFree");
	EXPECT(pipe(go) == 0, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		if (write(go[1], "g", 1) != 1)
			_exit(3);
		_exit(swapoff(DISK) == 0 ? 0 : errno == EINTR ? 1 : 2);
	}
	EXPECT(read(go[0], &c, 1) == 1, "child did not start");
	/*
	 * Kill it as soon as swapoff is seen at work: SwapFree moves when it
	 * takes the area out of the totals, as Linux does first, and the
	 * pages start coming back after. (Our own VmSwap is no signal: one
	 * mm's pages all come back before swapoff yields.) A fixed 200 ms
	 * wait lost the race to a fast swapoff on an idle host.
	 */
	for (int i = 0; i < 5000; i++) {
		if ((done = waitpid(pid, &st, WNOHANG)) != 0 ||
		    vm_meminfo_kb("SwapFree") != swap_free)
			break;
		usleep(1000);
	}
	t = now_s();
	if (!done) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	t = now_s() - t;
	still_out = swapped_pages();
	close(go[0]);
	close(go[1]);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		swap_on = swapon(DISK, 0) == 0;		/* for the cases that follow */
		SKIP("swapoff finished before it was seen at work");
	}
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "swapoff child status %#x", st);
	EXPECT(t < 5.0, "kill -9 took %.2f s", t);
	EXPECT(vm_meminfo_kb("SwapTotal") > 0, "the area went off although swapoff was killed");
	EXPECT(check() < 0, "data wrong after the interrupted swapoff");
	ut_say("# swapoff_killable: kill -9 took %.3f s, %lu of %d pages were still out\n", t,
	       still_out, NPAGES);
}

static void swapoff_brings_pages_back(void)
{
	fill();
	EXPECT(madvise(region, NPAGES * PAGE, MADV_PAGEOUT) == 0, "MADV_PAGEOUT: %s",
	       strerror(errno));
	EXPECT(swapoff(DISK) == 0, "swapoff: %s", strerror(errno));
	swap_on = 0;
	EXPECT(swapped_pages() == 0, "%lu pages still swapped after swapoff", swapped_pages());
	EXPECT(check() < 0, "data wrong after swapoff");
	EXPECT(vm_meminfo_kb("SwapTotal") == 0, "SwapTotal %ld kB after swapoff",
	       vm_meminfo_kb("SwapTotal"));
}

/*
 * No page leaked by the whole swap cycle: MemFree after swapoff is exactly
 * MemFree before swapon (Pagoda's slab gives empty slabs straight back, so
 * nothing should stay behind; runall checks the same over a whole run).
 * For that, this process is made as big as it will ever be before the
 * first figure is taken (settle_footprint) and every big mapping lives in
 * a child; swapoff brings back whatever of this process was out.
 */
static long memfree_before;

static void __attribute__((noinline)) touch_stack(void)
{
	volatile char pad[64 * 1024];

	for (size_t i = 0; i < sizeof(pad); i += PAGE)
		pad[i] = 0;
}

/*
 * Fault in now everything this process will ever touch: region (filled),
 * every page of its other private writable mappings (data and bss: vm_buf,
 * big_chunk, stdio's buffer), 64 KiB of stack below this frame; and make
 * one pipe and one fork, so first-use allocations happen before the count.
 */
static void settle_footprint(void)
{
	unsigned long here = (unsigned long)&here;
	char *line, *next;
	struct vm_map m;
	int pp[2];
	pid_t pid;

	fill();
	touch_stack();
	if (vm_read_file("/proc/self/maps", vm_buf, sizeof(vm_buf)) > 0) {
		for (line = vm_buf; *line; line = next) {
			next = strchr(line, '\n');
			next = next ? next + 1 : line + strlen(line);
			if (vm_maps_parse(line, &m) || strcmp(m.perms, "rw-p") ||
			    (m.start <= here && here < m.end))
				continue;	/* not private writable, or the stack */
			for (unsigned long a = m.start; a < m.end; a += PAGE)
				*(volatile char *)a = *(volatile char *)a;
		}
	}
	if (pipe(pp) == 0) {
		close(pp[0]);
		close(pp[1]);
	}
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static void no_page_leak_after_swapoff(void)
{
	long after = vm_meminfo_kb("MemFree");

	ut_say("UTEST MEMFREE before %ld after %ld\n", memfree_before, after);
	EXPECT(!swap_on, "swap is still on");
	EXPECT(memfree_before > 0 && after == memfree_before, "MemFree %ld kB before swapon, "
	       "%ld kB after swapoff (%+ld kB)", memfree_before, after, after - memfree_before);
}

/*
 * Swap on without reporting a case: the set-up of a run that selected
 * some cases but not swapon_formatted_disk. Says why on failure.
 */
static void swapon_quietly(void)
{
	if (vm_mkswap(DISK) == 0 && swapon(DISK, 0) == 0)
		swap_on = 1;
	else
		ut_say("# vm_swap_test: swapon %s: %s: the selected cases cannot run\n", DISK,
		       strerror(errno));
}

/*
 * Arguments (after " -- " on the kernel command line): "fill" adds the
 * reclaim cases and the leak check, "progress" adds them and prints the
 * progress of the big ones. Any other argument is a list of cases to run
 * alone, "case[,case]" (ut_select, as make grade asks): the fill cases
 * among them included, swap is turned on first whether or not
 * swapon_formatted_disk is one of them, and off at the end.
 */
int main(int argc, char **argv)
{
	const char *only = NULL;
	int fill_case = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "progress"))
			fill_case = progress = 1;
		else if (!strcmp(argv[i], "fill"))
			fill_case = 1;
		else
			only = argv[i];
	}
	if (only) {
		ut_select(only);
		fill_case = 1;
	}
	int usable = ut_on_pagoda() && access(DISK, R_OK | W_OK) == 0;

	ut_begin("vm_swap_test");
	region = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (region == MAP_FAILED)
		return 1;
	madvise(region, NPAGES * PAGE, MADV_NOHUGEPAGE);
	if (!usable) {
		/* Never format or swap on a disk of the machine running the test. */
		printf("UTEST SKIP vm_swap_test/all: needs Pagoda with a spare virtio disk (%s)\n",
		       DISK);
		return ut_end();
	}
	settle_footprint();
	memfree_before = vm_meminfo_kb("MemFree");
	RUN(swapon_formatted_disk);
	if (!swap_on && !ut_selected("swapon_formatted_disk"))
		swapon_quietly();
	if (swap_on) {
		RUN(pageout_and_back);
		RUN(shared_with_child);
		RUN(populate_swapped_pages);
		RUN(softdirty_survives_swap);
		RUN(read_error_poisons_page);
		RUN(mremap_swapped_pages);
		RUN(pageout_shared_memory);
		RUN(punch_hole_frees_swap);
		if (fill_case) {
			RUN(fill_more_than_ram);
			RUN(shmem_file_larger_than_ram);
			RUN(shared_anon_larger_than_ram);
			RUN(shared_anon_two_writers);
			RUN(concurrent_swapin_clone_vm);
			RUN(threads_fault_beyond_ram);
		}
		RUN(swapoff_killable);
		RUN(swapoff_brings_pages_back);
	}
	if (swap_on && swapoff(DISK) == 0)
		swap_on = 0;
	if (fill_case)
		RUN(no_page_leak_after_swapoff);
	return ut_end();
}
