/*
 * vm_sysctl_test.c - the vm knobs of /proc/sys/vm and what they govern:
 * mmap_min_addr (EPERM below it without CAP_SYS_RAWIO, hints below it
 * ignored), overcommit_memory/_ratio/_kbytes (Committed_AS, CommitLimit,
 * modes 0/1/2), max_map_count (ENOMEM from mmap/mprotect/munmap splits),
 * the minimal sysfs on /sys, and PageTables / VmPTE.
 *
 * These knobs are global: run on a Linux host as root, the test changes
 * the host's settings for a moment. Every case that writes a knob saves
 * the old value first and puts it back before it returns (also on
 * failure: the EXPECT macros return, so restoring happens in the caller,
 * restore_knobs(), after every case). max_map_count is never set below
 * what this process already uses plus a margin, and mode 2 is only
 * entered while Committed_AS is far below CommitLimit. Without write
 * access to /proc/sys the writing cases SKIP.
 */
#include "cap_util.h"
#include "vm_util.h"

#include <stdint.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#define KNOB_DIR	"/proc/sys/vm/"
#define SYSFS_MAGIC_	0x62656572
#define CAP_SYS_RAWIO_	17
#define GIB		(1ul << 30)
#define TIB		(1ul << 40)
#define PMD_SPAN	(2ul << 20)

enum knob { MMAP_MIN_ADDR, OC_MEMORY, OC_RATIO, OC_KBYTES, MAX_MAP_COUNT, NR_KNOBS };

static const char *const knob_names[NR_KNOBS] = {
	"mmap_min_addr", "overcommit_memory", "overcommit_ratio", "overcommit_kbytes",
	"max_map_count",
};
/* Pagoda's (and Debian's) defaults. */
static const long knob_defaults[NR_KNOBS] = { 65536, 0, 50, 0, 65530 };
static long saved[NR_KNOBS];
static int saved_ok;

static const char *knob_path(enum knob k)
{
	static char p[96];

	snprintf(p, sizeof(p), KNOB_DIR "%s", knob_names[k]);
	return p;
}

/* The knob's value, or -1 (errno set). */
static long knob_get(enum knob k)
{
	char buf[64];
	long n = vm_read_file(knob_path(k), buf, sizeof(buf));

	return n <= 0 ? -1 : strtol(buf, NULL, 10);
}

/* Write @text to knob @k: 0 or -1 with errno. */
static int knob_write(enum knob k, const char *text)
{
	int fd = open(knob_path(k), O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int knob_set(enum knob k, long v)
{
	char text[32];

	snprintf(text, sizeof(text), "%ld\n", v);
	return knob_write(k, text);
}

/* Can this process write the knobs? (Rewrites the current mode.) */
static int knobs_writable(void)
{
	return saved_ok && knob_set(OC_MEMORY, saved[OC_MEMORY]) == 0;
}

/* Put back every knob as it was at the start (ratio/kbytes: the one in use). */
static void restore_knobs(void)
{
	if (!saved_ok)
		return;
	knob_set(MAX_MAP_COUNT, saved[MAX_MAP_COUNT]);
	knob_set(OC_MEMORY, saved[OC_MEMORY]);
	knob_set(MMAP_MIN_ADDR, saved[MMAP_MIN_ADDR]);
	if (saved[OC_KBYTES])
		knob_set(OC_KBYTES, saved[OC_KBYTES]);
	else
		knob_set(OC_RATIO, saved[OC_RATIO]);
}

static void save_knobs(void)
{
	for (int k = 0; k < NR_KNOBS; k++)
		if ((saved[k] = knob_get(k)) < 0)
			return;
	saved_ok = 1;
}

/* Run a case, then put the knobs back whatever it did. */
#define RUN_KNOBS(fn) do { RUN(fn); restore_knobs(); } while (0)

/* ---- reading and writing ---- */

/* Every knob reads as one decimal number and a newline; Pagoda's defaults. */
static void knobs_read(void)
{
	for (int k = 0; k < NR_KNOBS; k++) {
		char buf[64];
		long n = vm_read_file(knob_path(k), buf, sizeof(buf));
		char *end;

		EXPECT(n > 1, "read %s: %s", knob_path(k), strerror(errno));
		EXPECT(buf[n - 1] == '\n', "%s: no newline", knob_names[k]);
		strtol(buf, &end, 10);
		EXPECT(*end == '\n', "%s: %s is not a number", knob_names[k], buf);
		if (ut_on_pagoda())
			EXPECT(strtol(buf, NULL, 10) == knob_defaults[k], "%s = %ld, default %ld",
			       knob_names[k], strtol(buf, NULL, 10), knob_defaults[k]);
	}
}

/* /proc/sys/vm lists the five knobs. */
static void knobs_listed(void)
{
	int found = 0;
	struct dirent *de;
	DIR *d = opendir(KNOB_DIR);

	EXPECT(d != NULL, "opendir: %s", strerror(errno));
	while ((de = readdir(d)) != NULL)
		for (int k = 0; k < NR_KNOBS; k++)
			found += !strcmp(de->d_name, knob_names[k]);
	closedir(d);
	EXPECT(found == NR_KNOBS, "%d of %d knobs listed", found, NR_KNOBS);
}

/* Writes set the value; bad text or values outside the range: EINVAL. */
static void knobs_write(void)
{
	static const char *const bad[] = { "3\n", "-1\n", "abc\n", "1x\n", "\n" };

	if (!knobs_writable())
		SKIP("cannot write /proc/sys/vm (not root?)");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		EXPECT(knob_write(OC_MEMORY, bad[i]) < 0 && errno == EINVAL,
		       "overcommit_memory <- %.2s: %s, want EINVAL", bad[i], strerror(errno));
		EXPECT(knob_get(OC_MEMORY) == saved[OC_MEMORY], "bad write changed the value");
	}
	for (long m = 2; m >= 0; m--) {
		EXPECT_OK(knob_set(OC_MEMORY, m));
		EXPECT(knob_get(OC_MEMORY) == m, "overcommit_memory reads %ld, wrote %ld",
		       knob_get(OC_MEMORY), m);
	}
	errno = 0;
	EXPECT(knob_set(MAX_MAP_COUNT, -5) < 0 && errno == EINVAL,
	       "max_map_count <- -5: %s, want EINVAL", strerror(errno));
	EXPECT_OK(knob_set(MAX_MAP_COUNT, saved[MAX_MAP_COUNT] + 1));
	EXPECT(knob_get(MAX_MAP_COUNT) == saved[MAX_MAP_COUNT] + 1, "max_map_count not set");
}

/* overcommit_ratio and overcommit_kbytes exclude each other. */
static void ratio_kbytes(void)
{
	if (!knobs_writable())
		SKIP("cannot write /proc/sys/vm (not root?)");
	EXPECT_OK(knob_set(OC_KBYTES, 123456));
	EXPECT(knob_get(OC_KBYTES) == 123456, "kbytes not set");
	EXPECT(knob_get(OC_RATIO) == 0, "ratio %ld after setting kbytes, want 0",
	       knob_get(OC_RATIO));
	EXPECT(vm_meminfo_kb("CommitLimit") - vm_meminfo_kb("SwapTotal") == 123456,
	       "CommitLimit %ld kB with kbytes 123456, swap %ld kB", vm_meminfo_kb("CommitLimit"),
	       vm_meminfo_kb("SwapTotal"));
	EXPECT_OK(knob_set(OC_RATIO, 50));
	EXPECT(knob_get(OC_KBYTES) == 0, "kbytes %ld after setting ratio, want 0",
	       knob_get(OC_KBYTES));
}

/* ---- mmap_min_addr ---- */

/* Is @cap in this process's effective set? */
static int have_cap(int cap)
{
	struct cap_data d[2];

	return cap_get_self(d) == 0 && (d[cap / 32].effective >> (cap % 32) & 1);
}

/* In a child without CAP_SYS_RAWIO: what Linux's cap_mmap_addr() refuses. */
static int min_addr_child(unsigned long min)
{
	void *low = (void *)(min - PAGE), *p;

	if (cap_drop_effective(CAP_SYS_RAWIO_) < 0)
		return 10;
	p = mmap(low, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p != MAP_FAILED || errno != EPERM)
		return 11;
	p = mmap(low, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != MAP_FAILED || errno != EPERM)
		return 12;
	/* A hint below the limit is ignored, never an error. */
	p = mmap((void *)PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || (unsigned long)p < min)
		return 13;
	/* Writing the knob needs CAP_SYS_RAWIO too. */
	if (knob_set(MMAP_MIN_ADDR, min) == 0 || errno != EPERM)
		return 14;
	/* At or above the limit is fine. */
	p = mmap((void *)min, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 -1, 0);
	if (p != (void *)min && !(p == MAP_FAILED && errno == EEXIST))
		return 15;
	return 0;
}

/*
 * Below mmap_min_addr: EPERM without CAP_SYS_RAWIO (child), allowed with
 * it (root, as Linux). The limit is raised to 64 KiB for the case when it
 * is lower (a host with 4096) and writable.
 */
static void min_addr_enforced(void)
{
	unsigned long min = (unsigned long)knob_get(MMAP_MIN_ADDR);
	void *p;
	pid_t pid;
	int st;

	if (min < 2 * PAGE) {
		if (!knobs_writable() || knob_set(MMAP_MIN_ADDR, 65536) < 0)
			SKIP("mmap_min_addr is %lu and cannot be raised", min);
		min = 65536;
	}
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0)
		_exit(min_addr_child(min));
	EXPECT_OK(waitpid(pid, &st, 0));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child step %d failed (status %#x)",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1, st);
	if (!have_cap(CAP_SYS_RAWIO_))
		return;
	p = mmap((void *)(min - PAGE), PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	EXPECT(p == (void *)(min - PAGE), "with CAP_SYS_RAWIO: %p (%s)", p, strerror(errno));
	*(volatile char *)p = 1;
	munmap(p, PAGE);
}

/* ---- overcommit ---- */

static long committed_kb(void)
{
	return vm_meminfo_kb("Committed_AS");
}

/* Committed_AS is within @slack kB of @want. */
#define NEAR(got, want, slack) ((got) > (want) - (slack) && (got) < (want) + (slack))

/*
 * A private writable mapping raises Committed_AS by its size at once
 * (nothing touched) and munmap takes it back; MAP_NORESERVE and read-only
 * mappings are not charged (modes 0/1); mprotect to writable charges;
 * shared anonymous memory is charged.
 */
static void committed_as(void)
{
	long total = vm_meminfo_kb("MemTotal"), before, after;
	size_t len = (size_t)total / 2 * 1024 & ~(PMD_SPAN - 1);
	long kb = (long)(len >> 10), slack = kb / 4;
	char *p;

	EXPECT(total > 0 && committed_kb() >= 0, "no MemTotal/Committed_AS in /proc/meminfo");
	if (knob_get(OC_MEMORY) == 2)
		SKIP("overcommit_memory is 2 on this system");
	before = committed_kb();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(p != MAP_FAILED, "mmap %zu: %s", len, strerror(errno));
	after = committed_kb();
	munmap(p, len);
	EXPECT(NEAR(after - before, kb, slack), "private rw: +%ld kB, want +%ld", after - before,
	       kb);
	EXPECT(NEAR(committed_kb(), before, slack), "after munmap %ld kB, before %ld",
	       committed_kb(), before);

	before = committed_kb();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	EXPECT(p != MAP_FAILED, "mmap noreserve: %s", strerror(errno));
	after = committed_kb();
	munmap(p, len);
	EXPECT(NEAR(after, before, slack), "MAP_NORESERVE charged %ld kB", after - before);

	before = committed_kb();
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(p != MAP_FAILED, "mmap ro: %s", strerror(errno));
	after = committed_kb();
	EXPECT(NEAR(after, before, slack), "read-only mapping charged %ld kB", after - before);
	EXPECT_OK(mprotect(p, len, PROT_READ | PROT_WRITE));
	after = committed_kb();
	munmap(p, len);
	EXPECT(NEAR(after - before, kb, slack), "mprotect rw: +%ld kB, want +%ld",
	       after - before, kb);

	before = committed_kb();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	EXPECT(p != MAP_FAILED, "mmap shared: %s", strerror(errno));
	after = committed_kb();
	munmap(p, len);
	EXPECT(NEAR(after - before, kb, slack), "shared anon: +%ld kB, want +%ld", after - before,
	       kb);
}

/* Mode 0 refuses one request larger than RAM + swap, unless MAP_NORESERVE. */
static void overcommit_guess(void)
{
	void *p;

	if (!knobs_writable())
		SKIP("cannot write /proc/sys/vm (not root?)");
	EXPECT_OK(knob_set(OC_MEMORY, 0));
	p = mmap(NULL, 64 * TIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(p == MAP_FAILED && errno == ENOMEM, "64 TiB in mode 0: %p (%s), want ENOMEM", p,
	       strerror(errno));
	p = mmap(NULL, 64 * TIB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	EXPECT(p != MAP_FAILED, "64 TiB MAP_NORESERVE in mode 0: %s", strerror(errno));
	munmap(p, 64 * TIB);
}

/*
 * Mode 1 never refuses: like Linux's virtual_address_range selftest, map
 * the whole user address space in 1 GiB private writable chunks (sparse:
 * it must cost no memory up front), then give it back.
 */
static void overcommit_always(void)
{
	static void *chunks[1 << 17];
	long free_before = vm_meminfo_kb("MemFree"), free_after;
	size_t n = 0;
	void *p;

	if (!knobs_writable())
		SKIP("cannot write /proc/sys/vm (not root?)");
	EXPECT_OK(knob_set(OC_MEMORY, 1));
	while (n < sizeof(chunks) / sizeof(chunks[0])) {
		p = mmap(NULL, GIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		chunks[n++] = p;
	}
	free_after = vm_meminfo_kb("MemFree");
	for (size_t i = 0; i < n; i++)
		munmap(chunks[i], GIB);
	/* 128 TiB less what the program and its stack already use. */
	EXPECT(n > 120000, "only %zu GiB mapped in mode 1 (%s)", n, strerror(errno));
	EXPECT(free_before - free_after < free_before / 4,
	       "mapping cost memory: MemFree %ld -> %ld kB", free_before, free_after);
}

/*
 * Mode 2 refuses commitments beyond CommitLimit, MAP_NORESERVE included,
 * and an mprotect that would make a huge read-only mapping writable.
 */
static void overcommit_never(void)
{
	void *p;

	if (!knobs_writable())
		SKIP("cannot write /proc/sys/vm (not root?)");
	/* Keep other programs safe: only with lots of room below the limit. */
	if (committed_kb() > vm_meminfo_kb("CommitLimit") / 2)
		SKIP("Committed_AS is too close to CommitLimit to try mode 2");
	EXPECT_OK(knob_set(OC_MEMORY, 2));
	p = mmap(NULL, 64 * TIB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p != MAP_FAILED)
		munmap(p, 64 * TIB);
	EXPECT(p == MAP_FAILED && errno == ENOMEM, "64 TiB in mode 2: %p (%s), want ENOMEM", p,
	       strerror(errno));
	p = mmap(NULL, 64 * TIB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(p != MAP_FAILED, "read-only 64 TiB in mode 2: %s", strerror(errno));
	errno = 0;
	EXPECT(mprotect(p, 64 * TIB, PROT_READ | PROT_WRITE) < 0 && errno == ENOMEM,
	       "mprotect rw of 64 TiB in mode 2: %s, want ENOMEM", strerror(errno));
	munmap(p, 64 * TIB);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(p != MAP_FAILED, "one page in mode 2: %s", strerror(errno));
	munmap(p, PAGE);
}

/* ---- max_map_count ---- */

/*
 * The number of VMAs of this process: lines of /proc/self/maps, less
 * Linux's [vsyscall] (a gate page, not a VMA, not in map_count).
 */
static int nr_maps(void)
{
	long n = vm_read_file("/proc/self/maps", vm_buf, sizeof(vm_buf));
	int lines = 0;

	if (n < 0)
		return -1;
	for (long i = 0; i < n; i++)
		lines += vm_buf[i] == '\n';
	return lines - (strstr(vm_buf, "[vsyscall]") != NULL);
}

/* Lift the map-count limit again through @fd (opened before it bit); 0 or -1. */
static int lift_limit(int fd)
{
	char text[32];
	int len = snprintf(text, sizeof(text), "%ld\n", saved[MAX_MAP_COUNT]);

	return write(fd, text, len) == len ? 0 : -1;
}

/*
 * With max_map_count a little above what the process uses, splitting a
 * mapping page by page with mprotect ends in ENOMEM; at the limit a munmap
 * that would cut a hole (one VMA more) fails too, and a new unmergeable
 * mmap is refused. Everything works again once the limit is back.
 */
static void map_count_limit(void)
{
	const size_t pages = 64;
	char *p;
	int i, err = 0, fd;

	if (!knobs_writable())
		SKIP("cannot write /proc/sys/vm (not root?)");
	p = vm_anon(pages);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	fd = open(knob_path(MAX_MAP_COUNT), O_WRONLY);	/* opened before the limit bites */
	EXPECT_OK(fd);
	EXPECT_OK(knob_set(MAX_MAP_COUNT, nr_maps() + 8));
	for (i = 0; i < (int)pages / 2 - 1 && !err; i++)
		if (mprotect(p + (2 * i + 1) * PAGE, PAGE, PROT_READ) < 0)
			err = errno;
	if (lift_limit(fd) < 0)
		err = -1;
	close(fd);
	if (err == ENOMEM)
		EXPECT(i > 1, "the first split already failed");
	vm_unmap_guarded(p, pages);
	EXPECT(err == ENOMEM, "mprotect splits up to the limit: %s, want ENOMEM",
	       err > 0 ? strerror(err) : "no error");
}

/* At the limit, munmap of a VMA's middle fails with ENOMEM (it would add one). */
static void map_count_munmap(void)
{
	const size_t pages = 8;
	char *p;
	int fd, n;
	long r, q;
	void *extra;

	if (!knobs_writable())
		SKIP("cannot write /proc/sys/vm (not root?)");
	p = vm_anon(pages);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	fd = open(knob_path(MAX_MAP_COUNT), O_WRONLY);
	EXPECT_OK(fd);
	n = nr_maps();
	EXPECT_OK(knob_set(MAX_MAP_COUNT, n));
	errno = 0;
	r = munmap(p + 3 * PAGE, PAGE);
	q = errno;
	/* mmap checks "more than the limit": one more is still allowed at the limit... */
	extra = mmap(NULL, PAGE, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (lift_limit(fd) < 0)
		r = 0;
	close(fd);
	if (extra != MAP_FAILED)
		munmap(extra, PAGE);
	vm_unmap_guarded(p, pages);
	EXPECT(r == -1 && q == ENOMEM, "munmap of a middle page at the limit: %ld (%s)", r,
	       strerror((int)q));
	EXPECT(extra != MAP_FAILED, "mmap at the limit: %s", strerror(errno));
}

/* ---- sysfs ---- */

/* /sys is sysfs with kernel/mm/, mounted by init or runall (see /proc/mounts). */
static void sysfs_mounted(void)
{
	struct statfs sf;
	struct stat st;

	EXPECT(stat("/sys/kernel/mm", &st) == 0 && S_ISDIR(st.st_mode),
	       "/sys/kernel/mm: %s", strerror(errno));
	if (statfs("/sys", &sf) == 0)
		EXPECT(sf.f_type == SYSFS_MAGIC_, "/sys f_type %#lx", (unsigned long)sf.f_type);
	else
		EXPECT(errno == ENOSYS, "statfs /sys: %s", strerror(errno));
	if (ut_on_pagoda())	/* no THP: selftests find no knobs and skip */
		EXPECT(stat("/sys/kernel/mm/transparent_hugepage", &st) < 0 && errno == ENOENT,
		       "Pagoda has no transparent_hugepage/");
	/*
	 * /sys itself was mounted with mount -t sysfs (by init or runall).
	 * No second mount and umount here: Pagoda's umount keeps the super
	 * block (open inodes may point at it), which the free-frame check
	 * after the user tests would count as a leak.
	 */
	EXPECT(vm_read_file("/proc/mounts", vm_buf, sizeof(vm_buf)) > 0 &&
	       strstr(vm_buf, " /sys sysfs "), "no sysfs on /sys in /proc/mounts");
}

/* ---- page tables ---- */

/*
 * Touching one page in each of 512 2 MiB regions needs 512 page tables:
 * VmPTE and PageTables rise by at least 2 MiB, and fall again after
 * munmap (the tables of a range nothing else uses are freed, as Linux's
 * free_pgtables) and after exit.
 */
static void page_tables(void)
{
	const size_t regions = 512, len = regions * PMD_SPAN;
	long pte0 = vm_status_kb("VmPTE"), pte1, pte2, want = (long)regions * 4;
	size_t head;
	char *p;

	EXPECT(pte0 >= 0, "no VmPTE in /proc/self/status");
	p = mmap(NULL, len + PMD_SPAN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	/* Align to 2 MiB so that each touch lands in a table of its own. */
	head = PMD_SPAN - ((uintptr_t)p & (PMD_SPAN - 1));
	munmap(p, head);
	p += head;
	madvise(p, len, MADV_NOHUGEPAGE);	/* a table per region, not a THP */
	for (size_t i = 0; i < regions; i++)
		p[i * PMD_SPAN] = 1;
	pte1 = vm_status_kb("VmPTE");
	munmap(p, len + PMD_SPAN - head);	/* and the tail left by aligning */
	pte2 = vm_status_kb("VmPTE");
	EXPECT(pte1 - pte0 >= want, "VmPTE %ld -> %ld kB, want +%ld", pte0, pte1, want);
	EXPECT(pte1 - pte2 >= want, "VmPTE after munmap %ld -> %ld kB", pte1, pte2);
}

/*
 * The global PageTables follows a child's tables: up while it lives, down
 * after exit. On a busy host other processes' tables come and go too
 * (1 run in ~10 saw +1980 kB for +4096): 4096 tables (16 MiB) and up to
 * three tries keep the signal above that noise.
 */
static int page_tables_exit_once(char *why, size_t wn);

static void page_tables_exit(void)
{
	char why[160] = "";
	int ok = 0;

	for (int tries = 0; tries < 3 && !ok; tries++)
		ok = page_tables_exit_once(why, sizeof(why));
	EXPECT(ok, "%s", why);
}

static int page_tables_exit_once(char *why, size_t wn)
{
	const size_t regions = 4096, len = regions * PMD_SPAN;
	long before = vm_meminfo_kb("PageTables"), during, after, want = (long)regions * 4;
	int up[2], down[2];
	pid_t pid;
	char c;

	if (before < 0)
		return snprintf(why, wn, "no PageTables in /proc/meminfo"), 0;
	if (pipe(up) || pipe(down))
		return snprintf(why, wn, "pipe: %s", strerror(errno)), 0;
	pid = fork();
	if (pid < 0)
		return snprintf(why, wn, "fork: %s", strerror(errno)), 0;
	if (pid == 0) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		close(down[1]);		/* so the parent's close is our EOF */
		close(up[0]);
		if (p == MAP_FAILED)
			_exit(1);
		madvise(p, len, MADV_NOHUGEPAGE);
		for (size_t i = 0; i < regions; i++)
			p[i * PMD_SPAN] = 1;
		if (write(up[1], "x", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &c, 1) == 1)
		during = vm_meminfo_kb("PageTables");
	else
		during = -1;
	close(down[1]);
	close(up[0]);
	waitpid(pid, NULL, 0);
	/* Linux folds per-CPU counter deltas into meminfo about once a second. */
	for (int tries = 0; tries < 30; tries++) {
		after = vm_meminfo_kb("PageTables");
		if (during - after >= want / 2)
			break;
		usleep(100 * 1000);
	}
	if (during < 0)
		return snprintf(why, wn, "the child failed"), 0;
	/* Half the expected amount: other processes on a host come and go. */
	if (during - before < want / 2)
		return snprintf(why, wn, "PageTables %ld -> %ld kB, want about +%ld", before,
				during, want), 0;
	if (during - after < want / 2)
		return snprintf(why, wn, "PageTables after exit %ld -> %ld kB", during, after), 0;
	return 1;
}

int main(void)
{
	ut_begin("vm_sysctl_test");
	save_knobs();
	RUN(knobs_read);
	RUN(knobs_listed);
	RUN_KNOBS(knobs_write);
	RUN_KNOBS(ratio_kbytes);
	RUN_KNOBS(min_addr_enforced);
	RUN(committed_as);
	RUN_KNOBS(overcommit_guess);
	RUN_KNOBS(overcommit_always);
	RUN_KNOBS(overcommit_never);
	RUN_KNOBS(map_count_limit);
	RUN_KNOBS(map_count_munmap);
	RUN(sysfs_mounted);
	RUN(page_tables);
	RUN(page_tables_exit);
	return ut_end();
}
