/*
 * vm_swap_test.c - swapping anonymous memory to a virtio disk and back:
 * swapon of a disk this program formats itself (the mkswap header),
 * MADV_PAGEOUT, pagemap's swapped bit, the data read back correct, pages
 * shared with a forked child, swapoff with pages still out, and (asked for
 * by an argument) reclaim: 160 MiB of anonymous memory filled on a 48 MiB
 * machine, so that kswapd and direct reclaim must push pages out.
 *
 * It needs a spare disk it may overwrite: Pagoda with a virtio disk
 * (/dev/vda; the "swap" boot of tests/harness.py). On Linux, and on Pagoda
 * without a disk, every case is skipped: the test never formats or swaps
 * on a host's disk.
 */
#include "vm_util.h"

#include <fcntl.h>
#include <sys/swap.h>
#include <sys/wait.h>

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

/* What mkswap(8) writes: version 1, last_page, no bad pages, the magic. */
static int format_disk(void)
{
	static unsigned char hdr[PAGE];
	int fd = open(DISK, O_RDWR);
	off_t size;
	uint32_t v;

	if (fd < 0)
		return -1;
	size = lseek(fd, 0, SEEK_END);
	memset(hdr, 0, sizeof(hdr));
	v = 1;
	memcpy(hdr + 1024, &v, 4);
	v = (uint32_t)(size / PAGE) - 1;
	memcpy(hdr + 1028, &v, 4);
	memcpy(hdr + PAGE - 10, "SWAPSPACE2", 10);
	if (pwrite(fd, hdr, PAGE, 0) != PAGE) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void swapon_formatted_disk(void)
{
	char buf[512];

	EXPECT(format_disk() == 0, "formatting %s: %s", DISK, strerror(errno));
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
	EXPECT(pr.sig == SIGBUS && pr.addr == a, "parent: signal %d at %p, want SIGBUS at %p",
	       pr.sig, pr.addr, a);
	EXPECT(set_knob("vda 0 0") == 0, "clearing the knob");
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
}

/*
 * Reclaim under pressure: fill FILL_MB of anonymous memory (more than the
 * machine's RAM: the tests boot with -m 48M), read it all back, then let a
 * forked child read it all too (the pages it swaps in are shared with the
 * parent's swap entries). Nothing calls MADV_PAGEOUT: only reclaim (kswapd
 * and direct reclaim in the fault path) makes room. With "progress" it
 * prints a line every 16 MiB, to see a stall as it happens.
 */
#define FILL_MB		160
#define FILL_PAGES	(FILL_MB * 256ul)

static int progress;

static uint64_t *fill_word(char *big, unsigned long p, unsigned long w)
{
	return (uint64_t *)(big + p * PAGE) + w;
}

static long fill_check(char *big)
{
	for (unsigned long p = 0; p < FILL_PAGES; p++)
		for (unsigned long w = 0; w < PAGE / 8; w += 128)
			if (*fill_word(big, p, w) != pattern(p, w))
				return (long)p;
	return -1;
}

static void fill_report(const char *what, unsigned long mb)
{
	if (progress)
		printf("fill: %s %lu MiB: pgscan %lld pgsteal %lld pswpout %lld pswpin %lld\n",
		       what, mb, vm_vmstat("pgscan_anon"), vm_vmstat("pgsteal_anon"),
		       vm_vmstat("pswpout"), vm_vmstat("pswpin"));
	fflush(stdout);
}

static void fill_more_than_ram(void)
{
	char *big = mmap(NULL, FILL_PAGES * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	long bad;
	int st;

	EXPECT(big != MAP_FAILED, "mmap %d MiB: %s", FILL_MB, strerror(errno));
	madvise(big, FILL_PAGES * PAGE, MADV_NOHUGEPAGE);
	for (unsigned long p = 0; p < FILL_PAGES; p++) {
		for (unsigned long w = 0; w < PAGE / 8; w += 128)
			*fill_word(big, p, w) = pattern(p, w);
		if ((p + 1) % (16 * 256) == 0)
			fill_report("filled", (p + 1) / 256);
	}
	bad = fill_check(big);
	fill_report("checked", FILL_MB);
	EXPECT(bad < 0, "page %ld of the fill read back wrong", bad);
	EXPECT(vm_vmstat("pgsteal_anon") > 0, "nothing was reclaimed (pgsteal_anon 0)");
	pid = fork();
	if (pid == 0)
		_exit(fill_check(big) < 0 ? 0 : 1);
	EXPECT(pid > 0 && waitpid(pid, &st, 0) == pid, "fork/wait: %s", strerror(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child saw wrong data (status %#x)", st);
	fill_report("child checked", FILL_MB);
	printf("fill: pgscan %lld pgsteal %lld pswpout %lld pswpin %lld\n",
	       vm_vmstat("pgscan_anon"), vm_vmstat("pgsteal_anon"), vm_vmstat("pswpout"),
	       vm_vmstat("pswpin"));
	munmap(big, FILL_PAGES * PAGE);
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
 * Arguments (after " -- " on the kernel command line): "fill" adds the
 * reclaim case, "progress" adds it and prints its progress.
 */
int main(int argc, char **argv)
{
	int fill_case = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "progress"))
			fill_case = progress = 1;
		else if (!strcmp(argv[i], "fill"))
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
	RUN(swapon_formatted_disk);
	if (swap_on) {
		RUN(pageout_and_back);
		RUN(shared_with_child);
		RUN(read_error_poisons_page);
		if (fill_case)
			RUN(fill_more_than_ram);
		RUN(swapoff_brings_pages_back);
	}
	if (swap_on)
		swapoff(DISK);
	return ut_end();
}
