/*
 * vm_util.h - helpers shared by the vm_*_test programs (the virtual-memory
 * ABI tests): readers for the /proc files that show real VM state, a
 * fault probe that reports what signal an access raised, and "guarded"
 * mappings whose VMA boundaries are exact.
 *
 * Real state, not return values: the tests look at
 *
 *	/proc/self/maps		one line per VMA (vm_maps_find, vm_maps_count)
 *	/proc/self/smaps	per-VMA counters and VmFlags (vm_smaps_kb)
 *	/proc/self/pagemap	8 bytes per virtual page (vm_pagemap):
 *
 *	  63   62   61       57  56         55  54 ........... 0
 *	+----+----+------+-----+-----------+----+---------------+
 *	|pres|swap|file/ | ... |exclusively|soft|      PFN      |
 *	|    |    |shared|     |  mapped   |dirt| (root only)   |
 *	+----+----+------+-----+-----------+----+---------------+
 *
 *	/proc/self/status, /proc/meminfo, /proc/vmstat	(vm_*_kb, vm_vmstat)
 *
 * Everything reads through open/read rather than stdio, so no test
 * depends on malloc (which may move the brk under vm_mmap_test's feet).
 *
 * Faults are probed in a forked child (vm_probe_child: a broken kernel
 * kills only the child) or in this process with sigsetjmp
 * (vm_probe_here: needed where "this process" is what is being checked).
 * Either way the result is the signal number, si_code and si_addr.
 *
 * vm_mkswap() writes a swap header on a throw-away disk (vm_swap_test,
 * sysinfo_test).
 */
#ifndef VM_UTIL_H
#define VM_UTIL_H

#include "utest.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#define PAGE		4096ul
#define PM_PRESENT	(1ull << 63)
#define PM_FILE		(1ull << 61)	/* file page or shared anonymous */
#define PM_EXCLUSIVE	(1ull << 56)	/* mapped by exactly one PTE */
#define PM_PFN_MASK	((1ull << 55) - 1)
#define TMPFS_MAGIC_	0x01021994
#ifndef MADV_POPULATE_READ		/* Linux 5.14; older libc headers lack them */
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif
#ifndef EHWPOISON
#define EHWPOISON		133
#endif

/* A big buffer for whole /proc files (smaps can be tens of kB). */
/* Expect the maps line at @a to be exactly [@start, @end) with @perms. */
#define EXPECT_VMA(a, start_, end_, perms_) do {			\
	struct vm_map m_;						\
	EXPECT(vm_maps_find((a), &m_) == 0, "no maps line for %p",	\
	       (void *)(a));						\
	EXPECT(m_.start == (unsigned long)(start_) &&			\
	       m_.end == (unsigned long)(end_) &&			\
	       !strcmp(m_.perms, (perms_)),				\
	       "maps line '%s', want %lx-%lx %s", m_.line,		\
	       (unsigned long)(start_), (unsigned long)(end_), (perms_)); \
} while (0)

/*
 * Run @fn in a forked child; it returns NULL on success or a message,
 * which comes back through a pipe and fails the current case.
 */
static void __attribute__((unused)) run_in_child(const char *(*fn)(void))
{
	char msg[256] = "";
	int pp[2], st = 0;
	ssize_t n;
	pid_t pid;

	EXPECT_OK(pipe(pp));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		const char *m = fn();

		close(pp[0]);
		if (m && write(pp[1], m, strlen(m)) < 0)
			_exit(2);
		_exit(m ? 1 : 0);
	}
	close(pp[1]);
	n = read(pp[0], msg, sizeof(msg) - 1);
	close(pp[0]);
	waitpid(pid, &st, 0);
	msg[n > 0 ? n : 0] = 0;
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child (status %#x): %s",
	       st, msg[0] ? msg : "died");
}

static char vm_buf[1 << 18];

/*
 * Read all of @path into @buf (NUL-terminated).  Returns the length, or
 * -1 with errno set.  /proc files are generated per read, so loop.
 */
static long __attribute__((unused)) vm_read_file(const char *path, char *buf,
						 size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	while (n + 1 < size && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return n;
}

/* One parsed line of /proc/self/maps. */
struct vm_map {
	unsigned long start, end;
	char perms[8];
	unsigned long long offset;
	unsigned int major, minor;
	unsigned long inode;
	char path[256];		/* "" for an anonymous line */
	char line[512];		/* the raw line, without its newline */
};

/* Parse one maps line (NUL- or newline-terminated) into @m; 0 on success. */
static int __attribute__((unused)) vm_maps_parse(const char *line,
						 struct vm_map *m)
{
	const char *nl = strchr(line, '\n');
	size_t len = nl ? (size_t)(nl - line) : strlen(line);
	int pos = 0;

	memset(m, 0, sizeof(*m));
	if (len >= sizeof(m->line))
		len = sizeof(m->line) - 1;
	memcpy(m->line, line, len);
	if (sscanf(m->line, "%lx-%lx %7s %llx %x:%x %lu%n", &m->start, &m->end,
		   m->perms, &m->offset, &m->major, &m->minor, &m->inode,
		   &pos) != 7)
		return -1;
	while (m->line[pos] == ' ')
		pos++;
	snprintf(m->path, sizeof(m->path), "%s", m->line + pos);
	return 0;
}

/*
 * Find the /proc/self/maps line whose range contains @addr.  Returns 0
 * and fills @m, or -1 if no line does.
 */
static int __attribute__((unused)) vm_maps_find(const void *addr,
						struct vm_map *m)
{
	unsigned long a = (unsigned long)addr;
	char *line;

	if (vm_read_file("/proc/self/maps", vm_buf, sizeof(vm_buf)) < 0)
		return -1;
	for (line = vm_buf; *line; line = strchr(line, '\n') + 1) {
		if (vm_maps_parse(line, m) == 0 && m->start <= a && a < m->end)
			return 0;
		if (!strchr(line, '\n'))
			break;
	}
	return -1;
}

/* How many /proc/self/maps lines overlap [addr, addr + len)? -1 on error. */
static int __attribute__((unused)) vm_maps_count(const void *addr, size_t len)
{
	unsigned long a = (unsigned long)addr;
	struct vm_map m;
	char *line;
	int n = 0;

	if (vm_read_file("/proc/self/maps", vm_buf, sizeof(vm_buf)) < 0)
		return -1;
	for (line = vm_buf; *line; line = strchr(line, '\n') + 1) {
		if (vm_maps_parse(line, &m) == 0 && m.start < a + len &&
		    a < m.end)
			n++;
		if (!strchr(line, '\n'))
			break;
	}
	return n;
}

/*
 * Format @m exactly as Linux's show_map_vma() does:
 *
 *	"%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu "
 *
 * (note the space after the inode, present even on anonymous lines);
 * then, if there is a path, spaces up to column 72 (seq_setwidth(m,
 * 25 + 6 * sizeof(void *) - 1)), one more space, and the path, which so
 * starts at column 73 whenever the prefix is shorter than 72.
 */
static void __attribute__((unused)) vm_maps_format(const struct vm_map *m,
						   char *out, size_t size)
{
	int k = snprintf(out, size, "%08lx-%08lx %s %08llx %02x:%02x %lu ",
			 m->start, m->end, m->perms, m->offset, m->major,
			 m->minor, m->inode);

	if (!m->path[0] || k < 0 || (size_t)k >= size)
		return;
	while (k < 72 && (size_t)k + 1 < size)
		out[k++] = ' ';
	snprintf(out + k, size - k, " %s", m->path);
}

/*
 * Copy the /proc/self/smaps block of the VMA containing @addr into @out.
 * Returns 0, or -1 if there is none.
 */
static int vm_smaps_block(const void *addr, char *out, size_t size)
{
	unsigned long a = (unsigned long)addr;
	struct vm_map m;
	char *line, *next;

	if (vm_read_file("/proc/self/smaps", vm_buf, sizeof(vm_buf)) < 0)
		return -1;
	for (line = vm_buf; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		/* A header line starts with hex digits and a '-'. */
		if (line[strspn(line, "0123456789abcdef")] != '-')
			continue;
		if (vm_maps_parse(line, &m) || a < m.start || a >= m.end)
			continue;
		/* Copy up to (not including) the next header line. */
		{
			char *end = next;

			while (*end && end[strspn(end, "0123456789abcdef")] != '-')
				end = strchr(end, '\n') ? strchr(end, '\n') + 1 :
					end + strlen(end);
			if ((size_t)(end - line) >= size)
				return -1;
			memcpy(out, line, end - line);
			out[end - line] = 0;
			return 0;
		}
	}
	return -1;
}

/* Value of "@field:" in the text @text, e.g. "Rss" -> kB; -1 if absent. */
static long vm_field_kb(const char *text, const char *field)
{
	size_t fl = strlen(field);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, field, fl) && p[fl] == ':')
			return strtol(p + fl + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* smaps field @field ("Rss", "Pss", ...) in kB for the VMA at @addr. */
static long __attribute__((unused)) vm_smaps_kb(const void *addr,
						const char *field)
{
	static char blk[8192];

	if (vm_smaps_block(addr, blk, sizeof(blk)))
		return -1;
	return vm_field_kb(blk, field);
}

/* The VmFlags of the VMA at @addr, as " rd wr ... " (spaces around). */
static int __attribute__((unused)) vm_smaps_flags(const void *addr, char *out,
						  size_t size)
{
	static char blk[8192];
	char *f, *nl;

	if (vm_smaps_block(addr, blk, sizeof(blk)))
		return -1;
	f = strstr(blk, "VmFlags:");
	if (!f)
		return -1;
	f += 8;
	nl = strchr(f, '\n');
	if (nl)
		*nl = 0;
	snprintf(out, size, "%s ", f);	/* starts with a space already */
	return 0;
}

/* Does the VmFlags string (from vm_smaps_flags) contain flag @fl? */
static int __attribute__((unused)) vm_has_flag(const char *flags,
					       const char *fl)
{
	char pat[16];

	snprintf(pat, sizeof(pat), " %s ", fl);
	return strstr(flags, pat) != NULL;
}

/* "@field:" of /proc/self/status in kB, or -1. */
static long __attribute__((unused)) vm_status_kb(const char *field)
{
	if (vm_read_file("/proc/self/status", vm_buf, sizeof(vm_buf)) < 0)
		return -1;
	return vm_field_kb(vm_buf, field);
}

/* "@field:" of /proc/meminfo in kB, or -1. */
static long __attribute__((unused)) vm_meminfo_kb(const char *field)
{
	if (vm_read_file("/proc/meminfo", vm_buf, sizeof(vm_buf)) < 0)
		return -1;
	return vm_field_kb(vm_buf, field);
}

/*
 * Make @dev a swap area as mkswap(8) does: a page-sized header holding
 * version 1 and the last usable page at byte 1024, no bad pages, and the
 * magic "SWAPSPACE2" at its end.  0, or -1 with errno.  Only ever on a
 * throw-away disk of a Pagoda test machine (callers check ut_on_pagoda()).
 */
static int __attribute__((unused)) vm_mkswap(const char *dev)
{
	static unsigned char hdr[PAGE];
	int fd = open(dev, O_RDWR);
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

/* Counter @name of /proc/vmstat ("name value" lines), or -1 if absent. */
static long long __attribute__((unused)) vm_vmstat(const char *name)
{
	size_t nl = strlen(name);
	const char *p;

	if (vm_read_file("/proc/vmstat", vm_buf, sizeof(vm_buf)) < 0)
		return -1;
	for (p = vm_buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, name, nl) && p[nl] == ' ')
			return strtoll(p + nl + 1, NULL, 10);
	return -1;
}

/* The pagemap entry of @addr into *@e; 0 on success, -1 on error. */
static int __attribute__((unused)) vm_pagemap(const void *addr, uint64_t *e)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = pread(fd, e, 8, (off_t)((uintptr_t)addr / PAGE) * 8);
	close(fd);
	return r == 8 ? 0 : -1;
}

/* Fail the case unless the pagemap entry of @a can be read into @e. */
#define EXPECT_PAGEMAP(a, e)						\
	EXPECT(vm_pagemap((a), &(e)) == 0, "pagemap read at %p: %s",	\
	       (void *)(a), strerror(errno))

/*
 * Map @npages with a PROT_NONE (MAP_NORESERVE) page on either side, so
 * that the VMA of the middle can never merge with a neighbour and its
 * /proc lines have exact bounds.  The middle gets MADV_NOHUGEPAGE so
 * page-level counters are never disturbed by transparent huge pages.
 * Returns the middle, or MAP_FAILED.  Undo with vm_unmap_guarded().
 */
static void __attribute__((unused)) *vm_map_guarded(size_t npages, int prot,
						    int flags, int fd,
						    off_t off)
{
	char *res = mmap(NULL, (npages + 2) * PAGE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *p;

	if (res == MAP_FAILED)
		return MAP_FAILED;
	p = mmap(res + PAGE, npages * PAGE, prot, flags | MAP_FIXED, fd, off);
	if (p == MAP_FAILED) {
		munmap(res, (npages + 2) * PAGE);
		return MAP_FAILED;
	}
	madvise(p, npages * PAGE, MADV_NOHUGEPAGE);
	return p;
}

static void __attribute__((unused)) vm_unmap_guarded(void *p, size_t npages)
{
	munmap((char *)p - PAGE, (npages + 2) * PAGE);
}

/* An anonymous private read-write guarded mapping (the common case). */
static void __attribute__((unused)) *vm_anon(size_t npages)
{
	return vm_map_guarded(npages, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/*
 * Does this kernel map the shared zero page for read faults on private
 * anonymous memory?  Linux does on x86 by default but does not promise it
 * (mm_forbids_zeropage(), and a Linux 6.18 guest was seen giving two
 * read-only pages two exclusive PFNs), so on Linux a test that asserts
 * the zero page first asks this and skips when the answer is no.  Pagoda
 * always maps it: callers assert it there without asking.  Returns 1 yes,
 * 0 no (with @why filled), -1 when pagemap shows no PFNs (not root).
 */
static int __attribute__((unused)) vm_host_maps_zero_page(char *why, size_t n)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t e0 = 0, e1 = 0;
	int ret;

	if (p == MAP_FAILED) {
		snprintf(why, n, "probe mmap: %s", strerror(errno));
		return -1;
	}
	(void)*(volatile char *)p;
	(void)*(volatile char *)(p + PAGE);
	if (vm_pagemap(p, &e0) < 0 || vm_pagemap(p + PAGE, &e1) < 0 ||
	    !(e0 & PM_PFN_MASK)) {
		snprintf(why, n, "pagemap shows no PFN here (needs CAP_SYS_ADMIN)");
		ret = -1;
	} else if ((e0 & PM_PFN_MASK) != (e1 & PM_PFN_MASK)) {
		snprintf(why, n, "this host kernel maps no shared zero page for "
			 "read faults (two read-only pages, PFNs %#llx and %#llx)",
			 (unsigned long long)(e0 & PM_PFN_MASK),
			 (unsigned long long)(e1 & PM_PFN_MASK));
		ret = 0;
	} else {
		ret = 1;
	}
	munmap(p, 2 * PAGE);
	return ret;
}

/* On Linux, skip the case unless the host maps the zero page (above). */
#define REQUIRE_ZERO_PAGE() do {					\
	char zwhy_[160];						\
	if (!ut_on_pagoda() &&						\
	    vm_host_maps_zero_page(zwhy_, sizeof(zwhy_)) == 0)		\
		SKIP("%s", zwhy_);					\
} while (0)

/* What an access did: signal (0 = none), si_code and si_addr. */
struct vm_fault {
	int sig;
	int code;
	void *addr;
};

enum vm_access { VM_READ, VM_WRITE, VM_EXEC };

static int vm_probe_fd = -1;
static sigjmp_buf vm_jb;
static struct vm_fault vm_last;

/* Touch @addr as @how says.  A VM_EXEC target must hold a 'ret'. */
static void vm_touch(void *addr, enum vm_access how)
{
	if (how == VM_READ)
		(void)*(volatile char *)addr;
	else if (how == VM_WRITE)
		*(volatile char *)addr = 0x5a;
	else
		((void (*)(void))addr)();
}

static void vm_child_handler(int sig, siginfo_t *si, void *uc)
{
	struct vm_fault f = { sig, si->si_code, si->si_addr };

	(void)uc;
	if (write(vm_probe_fd, &f, sizeof(f)) != sizeof(f))
		_exit(98);
	_exit(0);
}

static void vm_catch(int sig, void (*fn)(int, siginfo_t *, void *),
		     struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, old);
}

/*
 * Access @addr in a forked child with SIGSEGV/SIGBUS handlers that
 * report the siginfo.  Returns 0 and fills @f (sig 0 if the access did
 * not fault), or -1 if the child died some other way (*@st: its status).
 */
static int __attribute__((unused)) vm_probe_child(void *addr,
						  enum vm_access how,
						  struct vm_fault *f, int *st)
{
	int p[2];
	pid_t pid;
	ssize_t n;

	*st = 0;
	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct vm_fault none = { 0, 0, NULL };

		close(p[0]);
		vm_probe_fd = p[1];
		vm_catch(SIGSEGV, vm_child_handler, NULL);
		vm_catch(SIGBUS, vm_child_handler, NULL);
		vm_touch(addr, how);
		_exit(write(p[1], &none, sizeof(none)) == sizeof(none) ? 0 : 98);
	}
	close(p[1]);
	n = read(p[0], f, sizeof(*f));
	close(p[0]);
	waitpid(pid, st, 0);
	return n == sizeof(*f) ? 0 : -1;
}

static void vm_here_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	vm_last.sig = sig;
	vm_last.code = si->si_code;
	vm_last.addr = si->si_addr;
	siglongjmp(vm_jb, 1);
}

/* Access @addr in this process and say what happened (see vm_probe_child). */
static void __attribute__((unused)) vm_probe_here(void *addr,
						  enum vm_access how,
						  struct vm_fault *f)
{
	struct sigaction old_segv, old_bus;
	static volatile int faulted;

	faulted = 0;
	vm_catch(SIGSEGV, vm_here_handler, &old_segv);
	vm_catch(SIGBUS, vm_here_handler, &old_bus);
	if (sigsetjmp(vm_jb, 1) == 0)
		vm_touch(addr, how);
	else
		faulted = 1;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	if (faulted) {
		*f = vm_last;
	} else {
		f->sig = 0;
		f->code = 0;
		f->addr = NULL;
	}
}

/* Probe @addr in a child and fail the case unless it raised exactly
 * signal @sig_ with si_code @code_ at si_addr @at_ (sig_ 0: no fault). */
#define EXPECT_CHILD_FAULT(addr_, how_, sig_, code_, at_) do {		\
	struct vm_fault f_;						\
	int st_;							\
	EXPECT(vm_probe_child((addr_), (how_), &f_, &st_) == 0,		\
	       "probe child died: status %#x", st_);			\
	EXPECT(f_.sig == (sig_) && ((sig_) == 0 ||			\
	       (f_.code == (code_) && f_.addr == (void *)(at_))),	\
	       "%s of %p: sig %d code %d addr %p, want sig %d code %d "	\
	       "addr %p", #how_, (void *)(addr_), f_.sig, f_.code,	\
	       f_.addr, (sig_), (code_), (void *)(at_));		\
} while (0)

/* The same, probing in this process. */
#define EXPECT_HERE_FAULT(addr_, how_, sig_, code_, at_) do {		\
	struct vm_fault f_;						\
	vm_probe_here((addr_), (how_), &f_);				\
	EXPECT(f_.sig == (sig_) && ((sig_) == 0 ||			\
	       (f_.code == (code_) && f_.addr == (void *)(at_))),	\
	       "%s of %p here: sig %d code %d addr %p, want sig %d "	\
	       "code %d addr %p", #how_, (void *)(addr_), f_.sig,	\
	       f_.code, f_.addr, (sig_), (code_), (void *)(at_));	\
} while (0)

/*
 * Put the tests' temporary files on tmpfs where one is at hand: on Linux
 * /tmp may be a disk file system (whose writeback would make "dirty"
 * counters flaky), but /dev/shm is tmpfs; on Pagoda /tmp is tmpfs and
 * /dev/shm need not exist.  Call before the first ut_tmpdir().
 */
static void __attribute__((unused)) vm_prefer_tmpfs(void)
{
	struct statfs s;

	if (getenv("TMPDIR"))
		return;
	if (statfs("/dev/shm", &s) == 0 && s.f_type == TMPFS_MAGIC_)
		setenv("TMPDIR", "/dev/shm", 1);
}

/* Create "<tmpdir>/<name>" of @size bytes filled with byte @fill; fd O_RDWR. */
static int __attribute__((unused)) vm_make_file(const char *name, size_t size,
						int fill)
{
	char buf[4096];
	int fd = open(ut_path(name), O_RDWR | O_CREAT | O_TRUNC, 0600);
	size_t done = 0;

	if (fd < 0)
		return -1;
	memset(buf, fill, sizeof(buf));
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
		done += n;
	}
	return fd;
}

#endif /* VM_UTIL_H */
