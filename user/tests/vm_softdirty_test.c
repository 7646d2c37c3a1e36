/*
 * vm_softdirty_test.c - soft-dirty tracking (Linux's
 * Documentation/admin-guide/mm/soft-dirty.rst): /proc/self/pagemap bit 55
 * and /proc/self/clear_refs.
 *
 * A new mapping is soft-dirty as a whole (VM_SOFTDIRTY, VmFlags "sd"),
 * mapped or not; writing "4" to clear_refs makes every page clean and
 * write-protects the present ones, so that the next write - and only a
 * write - marks its page again: an exclusive anonymous page is reused in
 * place, the zero page and a page shared after fork are copied, a shared
 * file page is made writable. mprotect keeps the bit and does not make a
 * clean page writable behind the tracker's back; fork copies the bits; a
 * new VMA at the old address is soft-dirty again. "1", "2", "3" clear the
 * accessed bits (smaps Referenced) of all, anonymous, file VMAs; anything
 * but 1..5 is EINVAL. A swapped-out page keeps its bit in the swap entry:
 * that needs the swap disk, vm_swap_test/softdirty_survives_swap.
 *
 * PFNs (pagemap bits 0-54) need CAP_SYS_ADMIN on Linux: the one case that
 * compares them checks what it can without them. A Linux built without
 * CONFIG_MEM_SOFT_DIRTY (no "sd" in a new mapping's VmFlags, the probe of
 * Linux's own selftests) has clear_refs but no bit 55: the soft-dirty
 * cases skip there, saying so. Pagoda always has it.
 */
#include "vm_util.h"

#define PM_SOFT_DIRTY	(1ull << 55)
#define RW		(PROT_READ | PROT_WRITE)

/*
 * Does this kernel track soft-dirty? (vm_util.c's softdirty_supported():
 * a new mapping's VmFlags show "sd".) 1 yes, 0 no.
 */
static int softdirty_supported(void)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char flags[256];
	int ret;

	if (p == MAP_FAILED)
		return 0;
	ret = vm_smaps_flags(p, flags, sizeof(flags)) == 0 && vm_has_flag(flags, "sd");
	munmap(p, PAGE);
	return ret;
}

/* Skip a soft-dirty case on a Linux without soft-dirty; Pagoda must have it. */
#define REQUIRE_SOFTDIRTY() do {					\
	if (!softdirty_supported()) {					\
		EXPECT(!ut_on_pagoda(), "no VM_SOFTDIRTY (VmFlags sd) on a new mapping"); \
		SKIP("this kernel has no soft-dirty (CONFIG_MEM_SOFT_DIRTY off: no VmFlags sd)"); \
	}								\
} while (0)

/* Write @text to /proc/self/clear_refs: the write's result, errno set. */
static ssize_t clear_refs(const char *text, size_t len)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	ssize_t r;
	int e;

	if (fd < 0)
		return -1;
	r = write(fd, text, len);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

/* clear_refs "4", failing the case when it does not take. */
#define CLEAR_SOFT_DIRTY()						\
	EXPECT(clear_refs("4", 1) == 1, "clear_refs 4: %s", strerror(errno))

/* Is page @i of @p soft-dirty? 1, 0, or -1 when pagemap cannot be read. */
static int sd(const char *p, int i)
{
	uint64_t e;

	if (vm_pagemap(p + i * PAGE, &e))
		return -1;
	return !!(e & PM_SOFT_DIRTY);
}

/* The soft-dirty bits of @n (<= 32) pages from @p as a mask (page i: bit i); -1 on error. */
static long sd_mask(const char *p, int n)
{
	long m = 0;

	for (int i = 0; i < n; i++) {
		int b = sd(p, i);

		if (b < 0)
			return -1;
		m |= (long)b << i;
	}
	return m;
}

/* A memfd of @npages (zero-filled), or -1. */
static int memfd(size_t npages)
{
	int fd = (int)syscall(SYS_memfd_create, "softdirty", 0);

	if (fd >= 0 && ftruncate(fd, (off_t)(npages * PAGE))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Every page of a fresh mapping is soft-dirty, touched or not; VmFlags says "sd". */
static void new_mapping_is_softdirty(void)
{
	char *p = vm_anon(4);
	char flags[256];

	REQUIRE_SOFTDIRTY();

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	p[PAGE] = 1;
	EXPECT(sd_mask(p, 4) == 0xf, "soft-dirty mask %#lx, want 0xf", sd_mask(p, 4));
	EXPECT(vm_smaps_flags(p, flags, sizeof(flags)) == 0, "no smaps block");
	EXPECT(vm_has_flag(flags, "sd"), "VmFlags without sd:%s", flags);
	vm_unmap_guarded(p, 4);
}

/* clear_refs 4: every page clean, present or not; VmFlags loses "sd"; reads keep it clean. */
static void clear_then_read_stays_clean(void)
{
	char *p = vm_anon(4);
	char flags[256];
	uint64_t e;

	REQUIRE_SOFTDIRTY();

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	p[0] = 'a';
	(void)*(volatile char *)(p + PAGE);		/* the zero page */
	CLEAR_SOFT_DIRTY();
	EXPECT(sd_mask(p, 4) == 0, "after clear_refs: mask %#lx", sd_mask(p, 4));
	EXPECT(vm_smaps_flags(p, flags, sizeof(flags)) == 0, "no smaps block");
	EXPECT(!vm_has_flag(flags, "sd"), "VmFlags still has sd:%s", flags);
	/* Reads of a present page, the zero page and an untouched page. */
	EXPECT(*(volatile char *)p == 'a', "data lost");
	(void)*(volatile char *)(p + PAGE);
	(void)*(volatile char *)(p + 2 * PAGE);
	EXPECT(sd_mask(p, 4) == 0, "reads made pages soft-dirty: %#lx", sd_mask(p, 4));
	/* The other bits are still right: present, exclusive, anonymous. */
	EXPECT_PAGEMAP(p, e);
	EXPECT((e & PM_PRESENT) && (e & PM_EXCLUSIVE) && !(e & PM_FILE),
	       "page 0 entry %#llx", (unsigned long long)e);
	vm_unmap_guarded(p, 4);
}

/*
 * After clear_refs a write marks exactly its page: an exclusive page
 * written before (reused in place: same PFN, data kept), the zero page
 * (copied), an untouched page (allocated).
 */
static void write_dirties_only_that_page(void)
{
	char *p = vm_anon(4);
	uint64_t before, after;

	REQUIRE_SOFTDIRTY();

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 'x', PAGE);
	(void)*(volatile char *)(p + PAGE);
	CLEAR_SOFT_DIRTY();
	EXPECT_PAGEMAP(p, before);
	p[1] = 'y';
	EXPECT(sd_mask(p, 4) == 0x1, "after writing page 0: mask %#lx", sd_mask(p, 4));
	EXPECT(p[0] == 'x' && p[1] == 'y' && p[PAGE - 1] == 'x', "page 0 lost its data");
	EXPECT_PAGEMAP(p, after);
	EXPECT((after & PM_PFN_MASK) == (before & PM_PFN_MASK),
	       "page 0 was copied, not reused (PFN %#llx -> %#llx)",
	       (unsigned long long)(before & PM_PFN_MASK),
	       (unsigned long long)(after & PM_PFN_MASK));
	EXPECT(after & PM_EXCLUSIVE, "page 0 not exclusive after reuse");
	p[PAGE] = 1;
	EXPECT(sd_mask(p, 4) == 0x3, "after writing the zero page: mask %#lx", sd_mask(p, 4));
	p[3 * PAGE] = 1;
	EXPECT(sd_mask(p, 4) == 0xb, "after writing page 3: mask %#lx", sd_mask(p, 4));
	/* And again: tracking goes on round after round. */
	for (int i = 0; i < 100; i++) {
		CLEAR_SOFT_DIRTY();
		EXPECT(sd(p, 2 * (i & 1)) == 0, "round %d: dirty before the write", i);
		p[2 * (i & 1) * PAGE]++;
		EXPECT(sd(p, 2 * (i & 1)) == 1, "round %d: clean after the write", i);
	}
	vm_unmap_guarded(p, 4);
}

/*
 * A shared file mapping: a written page is write-protected by clear_refs,
 * and the next write makes it writable and soft-dirty again, the data
 * reaching the file; a page first read after clear_refs is mapped so that
 * its first write is seen too.
 */
static void shared_file_write_after_clear(void)
{
	int fd = memfd(3);
	char *p, buf[2];
	uint64_t e;

	REQUIRE_SOFTDIRTY();

	EXPECT(fd >= 0, "memfd: %s", strerror(errno));
	p = vm_map_guarded(3, RW, MAP_SHARED, fd, 0);
	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	p[0] = 'a';
	CLEAR_SOFT_DIRTY();
	EXPECT(sd_mask(p, 3) == 0, "after clear_refs: mask %#lx", sd_mask(p, 3));
	EXPECT(*(volatile char *)(p + PAGE) == 0, "page 1 not zero");	/* read fault */
	EXPECT(sd_mask(p, 3) == 0, "read made pages soft-dirty: %#lx", sd_mask(p, 3));
	EXPECT_PAGEMAP(p + PAGE, e);
	EXPECT((e & PM_PRESENT) && (e & PM_FILE), "page 1 entry %#llx", (unsigned long long)e);
	p[0] = 'b';
	EXPECT(sd_mask(p, 3) == 0x1, "after writing page 0: mask %#lx", sd_mask(p, 3));
	p[PAGE] = 'c';
	EXPECT(sd_mask(p, 3) == 0x3, "after writing page 1: mask %#lx", sd_mask(p, 3));
	EXPECT(pread(fd, buf, 1, 0) == 1 && buf[0] == 'b', "file page 0 reads %#x", buf[0]);
	EXPECT(pread(fd, buf, 1, PAGE) == 1 && buf[0] == 'c', "file page 1 reads %#x", buf[0]);
	vm_unmap_guarded(p, 3);
	close(fd);
}

/* mprotect RO -> RW keeps a clean page clean (and write-protected) until it is written. */
static void mprotect_keeps_clean_until_write(void)
{
	int fd = memfd(1);
	char *a = vm_anon(1), *f;

	REQUIRE_SOFTDIRTY();

	EXPECT(a != MAP_FAILED && fd >= 0, "mmap/memfd: %s", strerror(errno));
	f = vm_map_guarded(1, RW, MAP_SHARED, fd, 0);
	EXPECT(f != MAP_FAILED, "mmap: %s", strerror(errno));
	a[0] = 1;
	f[0] = 1;
	CLEAR_SOFT_DIRTY();
	EXPECT(sd(a, 0) == 0 && sd(f, 0) == 0, "dirty after clear_refs");
	EXPECT_OK(mprotect(a, PAGE, PROT_READ));
	EXPECT_OK(mprotect(f, PAGE, PROT_READ));
	EXPECT(sd(a, 0) == 0 && sd(f, 0) == 0, "dirty after mprotect RO");
	EXPECT_OK(mprotect(a, PAGE, RW));
	EXPECT_OK(mprotect(f, PAGE, RW));
	EXPECT(sd(a, 0) == 0 && sd(f, 0) == 0, "dirty after mprotect RW");
	EXPECT(a[0] == 1 && f[0] == 1, "data lost");
	EXPECT(sd(a, 0) == 0 && sd(f, 0) == 0, "dirty after a read");
	a[0] = 2;
	EXPECT(sd(a, 0) == 1, "anon page clean after the write");
	EXPECT(sd(f, 0) == 0, "the anon write dirtied the file page");
	f[0] = 2;
	EXPECT(sd(f, 0) == 1, "file page clean after the write");
	/* A soft-dirty page keeps the bit through RO and back. */
	EXPECT_OK(mprotect(a, PAGE, PROT_READ));
	EXPECT(sd(a, 0) == 1, "mprotect RO cleared the bit");
	EXPECT_OK(mprotect(a, PAGE, PROT_NONE));
	EXPECT(sd(a, 0) == 1, "mprotect PROT_NONE cleared the bit");
	EXPECT_OK(mprotect(a, PAGE, RW));
	EXPECT(sd(a, 0) == 1 && a[0] == 2, "mprotect RW cleared the bit or the data");
	vm_unmap_guarded(a, 1);
	vm_unmap_guarded(f, 1);
	close(fd);
}

/* munmap + mmap at the same address: a new VMA, soft-dirty again without a write. */
static void remap_same_address_is_softdirty(void)
{
	char *p = vm_anon(2), *q;
	char flags[256];

	REQUIRE_SOFTDIRTY();

	EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	p[0] = 1;
	CLEAR_SOFT_DIRTY();
	EXPECT(sd_mask(p, 2) == 0, "dirty after clear_refs");
	EXPECT_OK(munmap(p, 2 * PAGE));
	q = mmap(p, 2 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	EXPECT(q == p, "mmap at %p gave %p: %s", (void *)p, (void *)q, strerror(errno));
	EXPECT(sd_mask(p, 2) == 0x3, "new mapping mask %#lx, want 0x3", sd_mask(p, 2));
	EXPECT(vm_smaps_flags(p, flags, sizeof(flags)) == 0, "no smaps block");
	EXPECT(vm_has_flag(flags, "sd"), "VmFlags without sd:%s", flags);
	vm_unmap_guarded(p, 2);
}

/*
 * fork: the child sees the parent's bits as they were (one clean, one
 * dirty page); after it, a write on either side breaks COW and marks only
 * that side's page.
 */
static void fork_child_sees_parent_bits(void)
{
	char *p = vm_anon(3), *fresh = vm_anon(1);
	int to_parent[2], go[2], st;
	long child_mask = -1;
	char c;
	pid_t pid;

	REQUIRE_SOFTDIRTY();

	EXPECT(p != MAP_FAILED && fresh != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 'p', 3 * PAGE);
	CLEAR_SOFT_DIRTY();
	p[PAGE] = 'q';
	EXPECT(sd_mask(p, 3) == 0x2, "parent mask %#lx before fork", sd_mask(p, 3));
	/* A mapping made after the clear is soft-dirty as a VMA. */
	munmap(fresh, PAGE);
	fresh = vm_anon(1);
	EXPECT(fresh != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(pipe(to_parent) == 0 && pipe(go) == 0, "pipe: %s", strerror(errno));
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		long m = sd_mask(p, 3) | (long)(sd(fresh, 0) == 1) << 3;

		if (write(to_parent[1], &m, sizeof(m)) != sizeof(m) || read(go[0], &c, 1) != 1)
			_exit(2);
		/* The parent has written page 0: ours is untouched and clean. */
		m = sd_mask(p, 3);
		if (m != 0x2 || p[0] != 'p')
			_exit(3);
		p[2 * PAGE] = 'c';
		_exit(sd_mask(p, 3) == 0x6 && p[2 * PAGE] == 'c' ? 0 : 4);
	}
	EXPECT(read(to_parent[0], &child_mask, sizeof(child_mask)) == sizeof(child_mask),
	       "child's pagemap");
	p[0] = 'P';
	c = 'g';
	(void)!write(go[1], &c, 1);
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	EXPECT(child_mask == 0xa, "child saw mask %#lx (bit 3: the fresh VMA), want 0xa",
	       child_mask);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "child after COW: status %#x (3: its page 0 changed, 4: its write)", st);
	EXPECT(sd_mask(p, 3) == 0x3, "parent mask %#lx after its write, want 0x3", sd_mask(p, 3));
	EXPECT(p[2 * PAGE] == 'p', "the child's write reached the parent");
	close(to_parent[0]);
	close(to_parent[1]);
	close(go[0]);
	close(go[1]);
	vm_unmap_guarded(p, 3);
	vm_unmap_guarded(fresh, 1);
}

/* Only 1..5 are taken (as kstrtoint reads them); the file is write-only, mode 0200. */
static void clear_refs_bad_values(void)
{
	static const char *const bad[] = { "0", "6", "-1", "abc", "4x", "0x4", "", "4 4" };
	struct stat sb;
	char buf[8];
	int fd;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERRNO(clear_refs(bad[i], strlen(bad[i])), EINVAL);
	EXPECT_ERRNO(clear_refs("99999999999", 11), ERANGE);
	/* Blanks around the number and one newline are fine; 5 is taken. */
	EXPECT(clear_refs(" 4\n", 3) == 3, "\" 4\\n\": %s", strerror(errno));
	EXPECT(clear_refs("+4", 2) == 2, "\"+4\": %s", strerror(errno));
	EXPECT(clear_refs("5", 1) == 1, "5: %s", strerror(errno));
	EXPECT(clear_refs("1\n", 2) == 2, "1: %s", strerror(errno));
	EXPECT_OK(stat("/proc/self/clear_refs", &sb));
	EXPECT((sb.st_mode & 07777) == 0200 && S_ISREG(sb.st_mode), "mode %#o", sb.st_mode);
	/* Whoever may open it for reading (root) reads nothing: EINVAL. */
	fd = open("/proc/self/clear_refs", O_RDONLY);
	if (fd >= 0) {
		errno = 0;
		EXPECT(read(fd, buf, sizeof(buf)) == -1 && errno == EINVAL,
		       "read of clear_refs: %s", strerror(errno));
		close(fd);
	}
}

/* smaps Referenced of the VMA at @p, in kB (-1: none). */
static long referenced(const void *p)
{
	return vm_smaps_kb(p, "Referenced");
}

/*
 * "3" clears the accessed bits of file VMAs only, "1" of all, "2" of
 * anonymous VMAs only. Each step looks at pages written just before it:
 * Linux flushes no TLB for 1..3, so an access after a clear may reuse a
 * cached translation and leave the accessed bit clear - not something a
 * test can count on.
 */
static void clear_refs_accessed(void)
{
	int fd = memfd(4);
	char *a = vm_anon(2), *a2 = vm_anon(2), *f, *f2;

	EXPECT(a != MAP_FAILED && a2 != MAP_FAILED && fd >= 0, "mmap/memfd: %s",
	       strerror(errno));
	f = vm_map_guarded(2, RW, MAP_SHARED, fd, 0);
	f2 = vm_map_guarded(2, RW, MAP_SHARED, fd, 2 * PAGE);
	EXPECT(f != MAP_FAILED && f2 != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(a, 1, 2 * PAGE);
	memset(f, 1, 2 * PAGE);
	if (referenced(a) < 0)
		SKIP("smaps has no Referenced field here");
	EXPECT(referenced(a) == 8 && referenced(f) == 8, "Referenced %ld / %ld kB after writes",
	       referenced(a), referenced(f));
	EXPECT(clear_refs("3", 1) == 1, "clear_refs 3: %s", strerror(errno));
	EXPECT(referenced(f) == 0, "file VMA Referenced %ld kB after 3", referenced(f));
	EXPECT(referenced(a) == 8, "anon VMA Referenced %ld kB after 3", referenced(a));
	EXPECT(clear_refs("1", 1) == 1, "clear_refs 1: %s", strerror(errno));
	EXPECT(referenced(a) == 0 && referenced(f) == 0, "Referenced %ld / %ld kB after 1",
	       referenced(a), referenced(f));
	memset(a2, 1, 2 * PAGE);
	memset(f2, 1, 2 * PAGE);
	EXPECT(referenced(a2) == 8 && referenced(f2) == 8, "Referenced %ld / %ld kB after writes",
	       referenced(a2), referenced(f2));
	EXPECT(clear_refs("2", 1) == 1, "clear_refs 2: %s", strerror(errno));
	EXPECT(referenced(a2) == 0, "anon VMA Referenced %ld kB after 2", referenced(a2));
	EXPECT(referenced(f2) == 8, "file VMA Referenced %ld kB after 2", referenced(f2));
	/* The accessed bits are not the soft-dirty bits. */
	EXPECT(!softdirty_supported() || (sd_mask(a, 2) == 0x3 && sd_mask(a2, 2) == 0x3),
	       "clear_refs 1..3 touched soft-dirty: %#lx", sd_mask(a, 2));
	EXPECT(a[0] == 1 && f[PAGE] == 1 && a2[PAGE] == 1 && f2[0] == 1, "data lost");
	vm_unmap_guarded(a, 2);
	vm_unmap_guarded(a2, 2);
	vm_unmap_guarded(f, 2);
	vm_unmap_guarded(f2, 2);
	close(fd);
}

int main(void)
{
	ut_begin("vm_softdirty_test");
	RUN(new_mapping_is_softdirty);
	RUN(clear_then_read_stays_clean);
	RUN(write_dirties_only_that_page);
	RUN(shared_file_write_after_clear);
	RUN(mprotect_keeps_clean_until_write);
	RUN(remap_same_address_is_softdirty);
	RUN(fork_child_sees_parent_bits);
	RUN(clear_refs_bad_values);
	RUN(clear_refs_accessed);
	return ut_end();
}
