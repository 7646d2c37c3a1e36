/*
 * vm_mremap_test.c - mremap(2): every errno path, shrinking, growing in
 * place, moving (MAYMOVE, FIXED, DONTUNMAP), the state a move leaves
 * behind (maps, smaps, pagemap, locked, swapped and forked pages), the
 * Linux 6.17 multi-VMA move, and Pagoda's MREMAP_RELOCATE_ANON extension.
 *
 * R1-R9 name the mremap rules of LINUX-MM-SEMANTICS.md (mremap.2 checked
 * against the kernel source).  Every call goes through the raw system call
 * (sys_mremap below): musl reads new_address only with MREMAP_FIXED, and
 * these tests pass it in other cases too.
 *
 * Each case builds its mappings in holes cut out of one PROT_NONE
 * reservation (an arena, below), so that what it maps never merges with
 * an outside neighbour and /proc/self/maps shows exact bounds.  Data is a
 * per-page pattern (two words a page), checked after every move; accesses
 * that must fault are probed in a child.  Skipped honestly: the PFN
 * checks without CAP_SYS_ADMIN (pagemap hides PFNs), the swap case
 * without an active swap area, the RELOCATE_ANON cases on a kernel
 * without the extension (Linux).
 *
 * Linux behaviour that surprises (all checked on Linux 6.18):
 *
 *	- every argument error is EINVAL and is found before the old range
 *	  is looked at; a kernel-half new_address with FIXED is EINVAL
 *	  (new_address > TASK_SIZE - new_size), not ENOMEM; flags is an
 *	  unsigned long (bit 32 is an unknown flag, not dropped); a new_size
 *	  that rounds up to 0 (-1) is EINVAL like 0
 *	- DONTUNMAP counts as "has a new address" even without FIXED: an
 *	  unaligned or overlapping new_address is then EINVAL, though the
 *	  kernel only uses it as a hint; without FIXED or DONTUNMAP it is
 *	  ignored altogether
 *	- old_size == new_size without FIXED is a no-op that looks only at
 *	  old_address: it succeeds over several VMAs and holes
 *	- growing a range that ends inside its VMA, without MAYMOVE, is
 *	  ENOMEM (cannot grow in place), not EFAULT
 *	- the RLIMIT_MEMLOCK check (EAGAIN) comes before the in-place check:
 *	  a locked mapping blocked by its neighbour gets EAGAIN, not ENOMEM
 *	- old_size 0 on a shared mapping without MAYMOVE is ENOMEM
 *	- a 6.17 multi-VMA move unmaps at the destination only where a VMA
 *	  lands: mappings in the destination's holes survive, and the old
 *	  range may end in a hole (only a hole at its start is EFAULT)
 *	- an unfaulted anonymous VMA moved next to a compatible one merges
 *	  with it (it takes the new pgoff); a faulted one never does
 *	- DONTUNMAP of a locked mapping moves the lock: the source VMA loses
 *	  VM_LOCKED
 *
 * Pagoda's uname says 6.1, but Pagoda implements the 6.17 move: the R6
 * cases skip only on real Linux older than 6.17.
 *
 * Neighbours: vm_mmap_test.c (mmap/munmap/mprotect), vm_lock_test.c
 * (mlock), vm_swap_test.c (swap).
 */
#include "vm_util.h"
#include "cap_util.h"

#include <sys/resource.h>
#include <sys/utsname.h>

#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE		1
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED		2
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif
/* Pagoda's extension (a 2025 Linux proposal never merged): Linux says EINVAL. */
#define MREMAP_RELOCATE_ANON		8
#define MREMAP_MUST_RELOCATE_ANON	16
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif

#define MOVE_TO		(MREMAP_MAYMOVE | MREMAP_FIXED)
#define ANON		(MAP_PRIVATE | MAP_ANONYMOUS)
#define RW		(PROT_READ | PROT_WRITE)
#define PM_SWAP		(1ull << 62)
#define CAP_IPC_LOCK_	14
#define MiB		(1ul << 20)

static char *sys_mremap(void *old, size_t old_size, size_t new_size,
			unsigned long flags, void *new_addr)
{
	return (char *)syscall(SYS_mremap, old, old_size, new_size, flags,
			       new_addr);
}

/* ---- arenas: fenced address space for a case's mappings ---- */

/*
 * A case reserves one arena (PROT_NONE, MAP_NORESERVE: it costs nothing)
 * and cuts its holes out of it, each fenced by reserved pages:
 *
 *	base                                                     end
 *	| fence |  hole 1  | fence |   hole 2   | fence | ... reserved |
 *
 * What a case maps into a hole never merges with anything outside it,
 * so /proc/self/maps shows exact bounds.  All holes come out of the one
 * reservation because a later reservation could land in an earlier
 * hole.  arena_free() unmaps everything, with whatever the case mapped
 * or moved into the holes.
 */
struct arena {
	char *base, *next, *end;
};

#define ARENA		(1 * MiB)

static struct arena arena_get(size_t len)
{
	struct arena ar = { NULL, NULL, NULL };
	char *b = mmap(NULL, len, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);

	if (b != MAP_FAILED) {
		ar.base = b;
		ar.next = b + PAGE;
		ar.end = b + len;
	}
	return ar;
}

/*
 * Unmap a hole of @len bytes that starts @off bytes past a multiple of
 * @align (@off < @align) in @ar.  Returns it, or NULL (errno set).
 */
static char *hole(struct arena *ar, size_t len, size_t align, size_t off)
{
	char *p;

	if (!ar->base)
		return NULL;
	p = (char *)(((uintptr_t)ar->next + align - 1) & ~(align - 1)) + off;
	if (p + len + PAGE > ar->end) {
		errno = ENOSPC;
		return NULL;
	}
	if (munmap(p, len))
		return NULL;
	ar->next = p + len + PAGE;
	return p;
}

static char *hole_pages(struct arena *ar, size_t npages)
{
	return hole(ar, npages * PAGE, PAGE, 0);
}

static void arena_free(struct arena *ar)
{
	if (ar->base)
		munmap(ar->base, ar->end - ar->base);
	ar->base = NULL;
}

/* Map @n private anonymous pages at exactly @at. */
static char *map_at(char *at, size_t n, int prot)
{
	return mmap(at, n * PAGE, prot, ANON | MAP_FIXED, -1, 0);
}

#define EXPECT_HOLE(ok) EXPECT((ok), "reserving address space: %s", \
			       strerror(errno))
#define EXPECT_MAPPED(p, at) EXPECT((p) == (at), "mmap at %p: %p (%s)", \
				    (void *)(at), (void *)(p), strerror(errno))

/* mremap must have returned @want. */
#define EXPECT_AT(r, want) do {						\
	char *r_ = (r);							\
	EXPECT(r_ == (char *)(want), "%s: got %p (%s), want %p", #r,	\
	       (void *)r_, r_ == MAP_FAILED ? strerror(errno) : "no error", \
	       (void *)(want));						\
} while (0)

/* ---- data patterns ---- */

/*
 * Page @i of a region filled with @seed holds pat(@seed + @i) in its
 * first and ~pat in its last word, so a sub-range starting at page k is
 * checked with seed + k, and no two pages of any case look alike.
 */
static uint64_t pat(unsigned long x)
{
	x = (x + 1) * 0x9e3779b97f4a7c15ull;
	return x ^ (x >> 29) ^ 0x5a5a5a5a;
}

static void fill(char *p, size_t n, unsigned long seed)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t *w = (uint64_t *)(p + i * PAGE);

		w[0] = pat(seed + i);
		w[PAGE / 8 - 1] = ~pat(seed + i);
	}
}

/* First of @n pages at @p not holding @seed's pattern, or -1. */
static long bad_page(const char *p, size_t n, unsigned long seed)
{
	for (size_t i = 0; i < n; i++) {
		const uint64_t *w = (const uint64_t *)(p + i * PAGE);

		if (w[0] != pat(seed + i) || w[PAGE / 8 - 1] != ~pat(seed + i))
			return (long)i;
	}
	return -1;
}

/* First of @n pages at @p with a nonzero byte, or -1. */
static long nonzero_page(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < PAGE; j += 8)
			if (*(const uint64_t *)(p + i * PAGE + j))
				return (long)i;
	return -1;
}

#define EXPECT_DATA(p, n, seed) do {					\
	long b_ = bad_page((p), (n), (seed));				\
	EXPECT(b_ < 0, "page %ld at %s (%p) lost its data", b_, #p,	\
	       (void *)(p));						\
} while (0)

#define EXPECT_ZERO(p, n) do {						\
	long z_ = nonzero_page((p), (n));				\
	EXPECT(z_ < 0, "page %ld at %s (%p) is not zero", z_, #p,	\
	       (void *)(p));						\
} while (0)

/* ---- what /proc shows ---- */

/* [@a, @a + @len) must have no maps line, and a read there SEGV_MAPERR. */
#define EXPECT_GONE(a, len) do {					\
	EXPECT(vm_maps_count((a), (len)) == 0,				\
	       "%s (%p) still has %d maps lines", #a, (void *)(a),	\
	       vm_maps_count((a), (len)));				\
	EXPECT_CHILD_FAULT((a), VM_READ, SIGSEGV, SEGV_MAPERR, (a));	\
} while (0)

/* How many of @n pages at @p pagemap shows with all of @bits set. */
static size_t count_pm(const char *p, size_t n, uint64_t bits)
{
	size_t k = 0;
	uint64_t e;

	for (size_t i = 0; i < n; i++)
		if (vm_pagemap(p + i * PAGE, &e) == 0 && (e & bits) == bits)
			k++;
	return k;
}

/* Does pagemap show PFNs to this process (CAP_SYS_ADMIN)? */
static int pfns_visible(const char *faulted)
{
	uint64_t e = 0;

	return vm_pagemap(faulted, &e) == 0 && (e & PM_PFN_MASK) != 0;
}

static int has_vmflag(const void *a, const char *fl)
{
	char flags[256];

	return vm_smaps_flags(a, flags, sizeof(flags)) == 0 &&
	       vm_has_flag(flags, fl);
}

/* ---- running parts in a child ---- */

static char child_msg[256];

/* In a child function: return a failure message unless @cond holds. */
#define CHILD_EXPECT(cond, ...) do {					\
	if (!(cond)) {							\
		snprintf(child_msg, sizeof(child_msg), __VA_ARGS__);	\
		return child_msg;					\
	}								\
} while (0)

/* ---- which kernel ---- */

/*
 * Is this real Linux older than @maj.@min?  Pagoda reports 6.1 but is
 * held to the newest Linux rules, so on Pagoda the answer is always no.
 */
static int linux_older_than(int maj, int min, char *rel, size_t n)
{
	struct utsname u;
	int a = 0, b = 0;

	if (ut_on_pagoda() || uname(&u) < 0)
		return 0;
	snprintf(rel, n, "%s", u.release);
	if (sscanf(u.release, "%d.%d", &a, &b) != 2)
		return 0;
	return a < maj || (a == maj && b < min);
}

#define REQUIRE_LINUX_6_17() do {					\
	char rel_[65] = "";						\
	if (linux_older_than(6, 17, rel_, sizeof(rel_)))		\
		SKIP("Linux %s < 6.17 refuses multi-VMA moves (EFAULT)", rel_); \
} while (0)

/*
 * Does this kernel take MREMAP_RELOCATE_ANON?  A no-op call (same size,
 * no FIXED) on a scratch page: Linux rejects the unknown flag with
 * EINVAL; anything else means the extension is there (and then its
 * cases judge it).
 */
static int have_relocate_anon(void)
{
	static int known = -1;
	char *p, *r;

	if (known >= 0)
		return known;
	p = mmap(NULL, PAGE, RW, ANON, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	errno = 0;
	r = sys_mremap(p, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_RELOCATE_ANON,
		       NULL);
	known = !(r == MAP_FAILED && errno == EINVAL);
	munmap(r == MAP_FAILED ? p : r, PAGE);
	return known;
}

#define REQUIRE_RELOCATE_ANON() do {					\
	if (!have_relocate_anon())					\
		SKIP("%s lacks MREMAP_RELOCATE_ANON (Pagoda extension)", \
		     ut_on_pagoda() ? "this Pagoda build" : "Linux");	\
} while (0)

/* ================= errors ================= */

/*
 * R1: argument errors are all EINVAL and come before the old range is
 * looked at: an unaligned old_address, an unknown flag bit, new_size 0
 * (or one that rounds up past the address space), FIXED or DONTUNMAP
 * without MAYMOVE, DONTUNMAP with a size change, FIXED with an unaligned
 * new_address or one whose range overlaps the old.  Nothing changes.
 */
static void einval_args(void)
{
	struct arena ar = arena_get(ARENA);
	char *p = hole_pages(&ar, 4), *d = hole_pages(&ar, 4);

	EXPECT_HOLE(p && d);
	EXPECT_MAPPED(map_at(p, 4, RW), p);
	fill(p, 4, 100);
	/* Unaligned old_address. */
	EXPECT_ERRNO(sys_mremap(p + 1, PAGE, PAGE, 0, NULL), EINVAL);
	EXPECT_ERRNO(sys_mremap(p + 1, PAGE, 2 * PAGE, MREMAP_MAYMOVE, NULL),
		     EINVAL);
	EXPECT_ERRNO(sys_mremap(p + PAGE / 2, PAGE, PAGE, MOVE_TO, d), EINVAL);
	/* Unknown flag bits. */
	EXPECT_ERRNO(sys_mremap(p, PAGE, PAGE, 32, NULL), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, PAGE, 2 * PAGE, MREMAP_MAYMOVE | 32, NULL),
		     EINVAL);
	EXPECT_ERRNO(sys_mremap(p, PAGE, PAGE, 1ul << 30, NULL), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, PAGE, PAGE, 1ul << 32, NULL), EINVAL);
	/* new_size 0; a size that rounds up to 0 or passes TASK_SIZE. */
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 0, 0, NULL), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 0, MREMAP_MAYMOVE, NULL), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 0, MOVE_TO, d), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, -1ul, MREMAP_MAYMOVE, NULL),
		     EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, -2 * PAGE, MREMAP_MAYMOVE, NULL),
		     EINVAL);
	/* FIXED or DONTUNMAP without MAYMOVE. */
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 4 * PAGE, MREMAP_FIXED, d), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 8 * PAGE, MREMAP_FIXED, d), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 4 * PAGE, MREMAP_DONTUNMAP, d),
		     EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 4 * PAGE, MREMAP_DONTUNMAP, NULL),
		     EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 4 * PAGE,
				MREMAP_FIXED | MREMAP_DONTUNMAP, d), EINVAL);
	/* DONTUNMAP cannot resize. */
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 2 * PAGE,
				MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 2 * PAGE, 4 * PAGE,
				MOVE_TO | MREMAP_DONTUNMAP, d), EINVAL);
	/* FIXED onto a range overlapping the old one. */
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 4 * PAGE, MOVE_TO, p), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 2 * PAGE, 2 * PAGE, MOVE_TO, p + PAGE),
		     EINVAL);
	EXPECT_ERRNO(sys_mremap(p + PAGE, 2 * PAGE, 2 * PAGE, MOVE_TO, p),
		     EINVAL);
	EXPECT_ERRNO(sys_mremap(p + 3 * PAGE, PAGE, 4 * PAGE, MOVE_TO, p),
		     EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 2 * PAGE, 2 * PAGE,
				MOVE_TO | MREMAP_DONTUNMAP, p + PAGE), EINVAL);
	/* FIXED with an unaligned new_address. */
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 4 * PAGE, MOVE_TO, d + 1), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 2 * PAGE, MOVE_TO, d + PAGE / 2),
		     EINVAL);
	/* Before the range is looked up: EINVAL, not EFAULT, on a hole. */
	EXPECT_ERRNO(sys_mremap(d, PAGE, PAGE, 32, NULL), EINVAL);
	EXPECT_ERRNO(sys_mremap(d, PAGE, 0, 0, NULL), EINVAL);
	EXPECT_ERRNO(sys_mremap(d + 1, PAGE, PAGE, 0, NULL), EINVAL);
	EXPECT_ERRNO(sys_mremap(d, PAGE, PAGE, MREMAP_FIXED, p), EINVAL);
	EXPECT_ERRNO(sys_mremap(d, PAGE, PAGE, MOVE_TO, d + 1), EINVAL);
	/* Nothing moved, nothing unmapped, nothing mapped. */
	EXPECT_VMA(p, p, p + 4 * PAGE, "rw-p");
	EXPECT_DATA(p, 4, 100);
	EXPECT(vm_maps_count(d, 4 * PAGE) == 0, "a failed call mapped the target");
	arena_free(&ar);
}

/*
 * DONTUNMAP makes new_address count even without FIXED (Linux's
 * vrm_implies_new_addr): though the kernel then only takes it as a hint,
 * an unaligned one or one overlapping the old range is EINVAL.  Without
 * FIXED or DONTUNMAP, new_address is not looked at at all.
 */
static void dontunmap_checks_hint(void)
{
	struct arena ar = arena_get(ARENA);
	char *p = hole_pages(&ar, 8);

	EXPECT_HOLE(p);
	EXPECT_MAPPED(map_at(p, 4, RW), p);
	fill(p, 4, 150);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 4 * PAGE,
				MREMAP_MAYMOVE | MREMAP_DONTUNMAP, p + PAGE / 2),
		     EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 4 * PAGE,
				MREMAP_MAYMOVE | MREMAP_DONTUNMAP, p + 2 * PAGE),
		     EINVAL);
	/* Plain MAYMOVE ignores a bad new_address: a no-op, then a grow. */
	EXPECT_AT(sys_mremap(p, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE, p + 1), p);
	EXPECT_AT(sys_mremap(p, 4 * PAGE, 6 * PAGE, MREMAP_MAYMOVE, p + 1), p);
	EXPECT_VMA(p, p, p + 6 * PAGE, "rw-p");
	EXPECT_DATA(p, 4, 150);
	arena_free(&ar);
}

/*
 * R1: a new_address in the kernel half with FIXED is EINVAL (Linux:
 * new_address > TASK_SIZE - new_size), for a move, a grow and a
 * DONTUNMAP alike; the mapping stays where it was.
 */
static void fixed_kernel_address(void)
{
	char *k = (char *)0xffff800000000000ul;
	struct arena ar = arena_get(ARENA);
	char *p = hole_pages(&ar, 4);

	EXPECT_HOLE(p);
	EXPECT_MAPPED(map_at(p, 4, RW), p);
	fill(p, 4, 200);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 4 * PAGE, MOVE_TO, k), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 8 * PAGE, MOVE_TO, k), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 4 * PAGE,
				MOVE_TO | MREMAP_DONTUNMAP, k), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 4 * PAGE, 4 * PAGE, MOVE_TO,
				(char *)-PAGE), EINVAL);
	EXPECT_VMA(p, p, p + 4 * PAGE, "rw-p");
	EXPECT_DATA(p, 4, 200);
	arena_free(&ar);
}

/*
 * R7: an old_address in no mapping is EFAULT, whatever is asked (no-op,
 * grow, shrink, move); so is a range that starts in a hole and runs into
 * a mapping.  A failed FIXED move leaves the target alone.
 */
static void efault_unmapped(void)
{
	struct arena ar = arena_get(ARENA);
	char *h = hole_pages(&ar, 8), *d = hole_pages(&ar, 4);

	EXPECT_HOLE(h && d);
	EXPECT_MAPPED(map_at(d, 4, RW), d);
	fill(d, 4, 300);
	EXPECT_ERRNO(sys_mremap(h, PAGE, PAGE, 0, NULL), EFAULT);
	EXPECT_ERRNO(sys_mremap(h, 2 * PAGE, 4 * PAGE, 0, NULL), EFAULT);
	EXPECT_ERRNO(sys_mremap(h, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE, NULL),
		     EFAULT);
	EXPECT_ERRNO(sys_mremap(h, 4 * PAGE, PAGE, 0, NULL), EFAULT);
	EXPECT_ERRNO(sys_mremap(h, 2 * PAGE, 2 * PAGE, MOVE_TO, d), EFAULT);
	EXPECT_ERRNO(sys_mremap(h, 2 * PAGE, 3 * PAGE, MOVE_TO, d), EFAULT);
	EXPECT_ERRNO(sys_mremap(h, 2 * PAGE, 2 * PAGE,
				MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL), EFAULT);
	/* A hole first, then a mapping. */
	EXPECT_MAPPED(map_at(h + 2 * PAGE, 2, RW), h + 2 * PAGE);
	EXPECT_ERRNO(sys_mremap(h + PAGE, 3 * PAGE, 3 * PAGE, MOVE_TO, d),
		     EFAULT);
	EXPECT_ERRNO(sys_mremap(h + PAGE, 3 * PAGE, 4 * PAGE, MREMAP_MAYMOVE,
				NULL), EFAULT);
	EXPECT_VMA(d, d, d + 4 * PAGE, "rw-p");
	EXPECT_DATA(d, 4, 300);
	arena_free(&ar);
}

/*
 * R3: without MAYMOVE, a mapping that cannot grow in place is ENOMEM:
 * the page after it is mapped, or the range ends before its VMA does
 * (the VMA's own next page is in the way).  Nothing changes.
 */
static void enomem_grow_blocked(void)
{
	struct arena ar = arena_get(ARENA);
	char *h = hole_pages(&ar, 8);

	EXPECT_HOLE(h);
	EXPECT_MAPPED(map_at(h, 4, RW), h);
	EXPECT_MAPPED(map_at(h + 4 * PAGE, 1, PROT_READ), h + 4 * PAGE);
	fill(h, 4, 400);
	EXPECT_ERRNO(sys_mremap(h, 4 * PAGE, 6 * PAGE, 0, NULL), ENOMEM);
	EXPECT_ERRNO(sys_mremap(h, 4 * PAGE, 5 * PAGE, 0, NULL), ENOMEM);
	EXPECT_ERRNO(sys_mremap(h, 2 * PAGE, 3 * PAGE, 0, NULL), ENOMEM);
	EXPECT_ERRNO(sys_mremap(h + PAGE, PAGE, 2 * PAGE, 0, NULL), ENOMEM);
	EXPECT_VMA(h, h, h + 4 * PAGE, "rw-p");
	EXPECT_VMA(h + 4 * PAGE, h + 4 * PAGE, h + 5 * PAGE, "r--p");
	EXPECT_DATA(h, 4, 400);
	arena_free(&ar);
}

/*
 * R7: a resize whose old range runs out of its first VMA into another is
 * EFAULT, with or without MAYMOVE and with FIXED too (only a same-size
 * FIXED move may span VMAs, R6); the target of the FIXED try survives.
 */
static void efault_grow_across_vmas(void)
{
	struct arena ar = arena_get(ARENA);
	char *h = hole_pages(&ar, 8), *d = hole_pages(&ar, 8);

	EXPECT_HOLE(h && d);
	EXPECT_MAPPED(map_at(h, 2, RW), h);
	EXPECT_MAPPED(map_at(h + 2 * PAGE, 2, PROT_READ), h + 2 * PAGE);
	EXPECT_MAPPED(map_at(d, 8, RW), d);
	fill(h, 2, 500);
	fill(d, 8, 510);
	EXPECT_ERRNO(sys_mremap(h, 4 * PAGE, 6 * PAGE, 0, NULL), EFAULT);
	EXPECT_ERRNO(sys_mremap(h, 4 * PAGE, 6 * PAGE, MREMAP_MAYMOVE, NULL),
		     EFAULT);
	EXPECT_ERRNO(sys_mremap(h + PAGE, 2 * PAGE, 3 * PAGE, MREMAP_MAYMOVE,
				NULL), EFAULT);
	EXPECT_ERRNO(sys_mremap(h, 4 * PAGE, 6 * PAGE, MOVE_TO, d), EFAULT);
	EXPECT_ERRNO(sys_mremap(h, 3 * PAGE, 4 * PAGE, MOVE_TO, d), EFAULT);
	EXPECT_VMA(h, h, h + 2 * PAGE, "rw-p");
	EXPECT_VMA(h + 2 * PAGE, h + 2 * PAGE, h + 4 * PAGE, "r--p");
	EXPECT_VMA(d, d, d + 8 * PAGE, "rw-p");
	EXPECT_DATA(h, 2, 500);
	EXPECT_DATA(d, 8, 510);
	arena_free(&ar);
}

/*
 * old_size == new_size without FIXED is a no-op that looks only at
 * old_address (Linux's MREMAP_NO_RESIZE): it returns old_address even
 * when the range spans VMAs and holes, and MAYMOVE does not make it move.
 */
static void same_size_is_noop(void)
{
	struct arena ar = arena_get(ARENA);
	char *h = hole_pages(&ar, 8);

	EXPECT_HOLE(h);
	EXPECT_MAPPED(map_at(h, 2, RW), h);
	EXPECT_MAPPED(map_at(h + 2 * PAGE, 2, PROT_READ), h + 2 * PAGE);
	fill(h, 2, 550);
	EXPECT_AT(sys_mremap(h, 2 * PAGE, 2 * PAGE, 0, NULL), h);
	EXPECT_AT(sys_mremap(h, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE, NULL), h);
	EXPECT_AT(sys_mremap(h, 8 * PAGE, 8 * PAGE, 0, NULL), h);
	EXPECT_AT(sys_mremap(h, 8 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, NULL), h);
	EXPECT_VMA(h, h, h + 2 * PAGE, "rw-p");
	EXPECT_VMA(h + 2 * PAGE, h + 2 * PAGE, h + 4 * PAGE, "r--p");
	EXPECT(vm_maps_count(h + 4 * PAGE, 4 * PAGE) == 0, "the hole was filled");
	EXPECT_DATA(h, 2, 550);
	arena_free(&ar);
}

/*
 * R8: old_size 0 asks to duplicate a mapping, which only a shareable one
 * can be: on a private mapping, anonymous or file, it is EINVAL with or
 * without MAYMOVE.
 */
static void old_size_zero_private(void)
{
	struct arena ar = arena_get(ARENA);
	char *p = hole_pages(&ar, 4), *f;
	int fd = memfd_create("vm_mremap_zero", 0);

	EXPECT_HOLE(p);
	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, 2 * PAGE));
	EXPECT_MAPPED(map_at(p, 2, RW), p);
	fill(p, 2, 600);
	EXPECT_ERRNO(sys_mremap(p, 0, 2 * PAGE, MREMAP_MAYMOVE, NULL), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 0, PAGE, MREMAP_MAYMOVE, NULL), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 0, 2 * PAGE, 0, NULL), EINVAL);
	f = mmap(p + 2 * PAGE, 2 * PAGE, RW, MAP_PRIVATE | MAP_FIXED, fd, 0);
	EXPECT_MAPPED(f, p + 2 * PAGE);
	EXPECT_ERRNO(sys_mremap(f, 0, 2 * PAGE, MREMAP_MAYMOVE, NULL), EINVAL);
	EXPECT_VMA(p, p, p + 2 * PAGE, "rw-p");
	EXPECT_DATA(p, 2, 600);
	close(fd);
	arena_free(&ar);
}

/*
 * R8: old_size 0 on MAP_SHARED|MAP_ANONYMOUS with MAYMOVE maps the same
 * shared object a second time: both addresses see each other's writes,
 * and the original stays.  Without MAYMOVE it is ENOMEM (it cannot be
 * "grown" in place).
 */
static void old_size_zero_shared_duplicates(void)
{
	struct arena ar = arena_get(ARENA);
	struct vm_map m1, m2;
	char *s = hole_pages(&ar, 2), *d;

	EXPECT_HOLE(s);
	EXPECT_MAPPED(mmap(s, 2 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
			   -1, 0), s);
	fill(s, 2, 700);
	EXPECT_ERRNO(sys_mremap(s, 0, 2 * PAGE, 0, NULL), ENOMEM);
	d = sys_mremap(s, 0, 2 * PAGE, MREMAP_MAYMOVE, NULL);
	EXPECT(d != MAP_FAILED, "duplicate: %s", strerror(errno));
	EXPECT(d != s, "the duplicate is the original");
	EXPECT_DATA(d, 2, 700);
	fill(d, 1, 710);
	EXPECT_DATA(s, 1, 710);
	fill(s + PAGE, 1, 720);
	EXPECT_DATA(d + PAGE, 1, 720);
	EXPECT_VMA(s, s, s + 2 * PAGE, "rw-s");
	EXPECT_VMA(d, d, d + 2 * PAGE, "rw-s");
	EXPECT(vm_maps_find(s, &m1) == 0 && vm_maps_find(d, &m2) == 0 &&
	       m1.inode == m2.inode && m2.offset == 0,
	       "duplicate maps '%s', original '%s'", m2.line, m1.line);
	munmap(d, 2 * PAGE);
	EXPECT_DATA(s + PAGE, 1, 720);
	arena_free(&ar);
}

/*
 * R3: without CAP_IPC_LOCK, growing an mlocked mapping beyond
 * RLIMIT_MEMLOCK is EAGAIN - checked before anything else about the
 * grow, so even a mapping blocked by its neighbour gets EAGAIN rather
 * than ENOMEM; up to exactly the limit the grow succeeds, and the new
 * part is locked and present; a move charges nothing new.
 */
static const char *eagain_child(void)
{
	struct rlimit rl = { 64 * 1024, 64 * 1024 };
	struct arena ar = arena_get(ARENA);
	char *p = hole_pages(&ar, 32), *d = hole_pages(&ar, 32), *q;

	CHILD_EXPECT(p && d, "reserving: %s", strerror(errno));
	CHILD_EXPECT(map_at(p, 4, RW) == p &&
		     map_at(p + 4 * PAGE, 1, PROT_READ) == p + 4 * PAGE,
		     "mmap: %s", strerror(errno));
	fill(p, 4, 800);
	CHILD_EXPECT(cap_drop_effective(CAP_IPC_LOCK_) == 0, "capset: %s",
		     strerror(errno));
	CHILD_EXPECT(setrlimit(RLIMIT_MEMLOCK, &rl) == 0, "setrlimit: %s",
		     strerror(errno));
	CHILD_EXPECT(mlock(p, 4 * PAGE) == 0, "mlock 16 KiB: %s",
		     strerror(errno));
	/* 128 KiB > 64 KiB, whether or not it could move. */
	errno = 0;
	q = sys_mremap(p, 4 * PAGE, 32 * PAGE, 0, NULL);
	CHILD_EXPECT(q == MAP_FAILED && errno == EAGAIN,
		     "blocked grow past the limit: %p (%s), want EAGAIN",
		     (void *)q, strerror(errno));
	errno = 0;
	q = sys_mremap(p, 4 * PAGE, 32 * PAGE, MREMAP_MAYMOVE, NULL);
	CHILD_EXPECT(q == MAP_FAILED && errno == EAGAIN,
		     "MAYMOVE grow past the limit: %p (%s), want EAGAIN",
		     (void *)q, strerror(errno));
	errno = 0;
	q = sys_mremap(p, 4 * PAGE, 32 * PAGE, MOVE_TO, d);
	CHILD_EXPECT(q == MAP_FAILED && errno == EAGAIN,
		     "FIXED grow past the limit: %p (%s), want EAGAIN",
		     (void *)q, strerror(errno));
	CHILD_EXPECT(munmap(p + 4 * PAGE, PAGE) == 0, "munmap: %s",
		     strerror(errno));
	errno = 0;
	q = sys_mremap(p, 4 * PAGE, 32 * PAGE, 0, NULL);
	CHILD_EXPECT(q == MAP_FAILED && errno == EAGAIN,
		     "grow in place past the limit: %p (%s), want EAGAIN",
		     (void *)q, strerror(errno));
	CHILD_EXPECT(vm_smaps_kb(p, "Locked") == 16 && vm_status_kb("VmLck") == 16,
		     "after refusals: Locked %ld kB, VmLck %ld kB",
		     vm_smaps_kb(p, "Locked"), vm_status_kb("VmLck"));
	/* Exactly 64 KiB: allowed, populated and locked. */
	q = sys_mremap(p, 4 * PAGE, 16 * PAGE, 0, NULL);
	CHILD_EXPECT(q == p, "grow to the limit: %p (%s)", (void *)q,
		     strerror(errno));
	CHILD_EXPECT(vm_smaps_kb(p, "Rss") == 64 && vm_smaps_kb(p, "Locked") == 64,
		     "grown locked mapping: Rss %ld kB, Locked %ld kB",
		     vm_smaps_kb(p, "Rss"), vm_smaps_kb(p, "Locked"));
	CHILD_EXPECT(bad_page(p, 4, 800) < 0 && nonzero_page(p + 4 * PAGE, 12) < 0,
		     "data wrong after the grow");
	/* A move of the locked 64 KiB charges nothing new. */
	q = sys_mremap(p, 16 * PAGE, 16 * PAGE, MOVE_TO, d);
	CHILD_EXPECT(q == d, "move at the limit: %p (%s)", (void *)q,
		     strerror(errno));
	CHILD_EXPECT(vm_smaps_kb(d, "Locked") == 64 && vm_status_kb("VmLck") == 64,
		     "after the move: Locked %ld kB, VmLck %ld kB",
		     vm_smaps_kb(d, "Locked"), vm_status_kb("VmLck"));
	CHILD_EXPECT(bad_page(d, 4, 800) < 0, "data wrong after the move");
	errno = 0;
	q = sys_mremap(d, 16 * PAGE, 17 * PAGE, MREMAP_MAYMOVE, NULL);
	CHILD_EXPECT(q == MAP_FAILED && errno == EAGAIN,
		     "one page past the limit: %p (%s), want EAGAIN",
		     (void *)q, strerror(errno));
	arena_free(&ar);
	return NULL;
}

static void eagain_mlock_limit(void)
{
	run_in_child(eagain_child);
}

/* ================= shrink and grow ================= */

/*
 * R5: a shrink is done in place, MAYMOVE or not: the kept pages keep
 * their data, the tail is unmapped (SIGSEGV, SEGV_MAPERR, in a child and
 * in this process) and sizes round up to pages.
 */
static void shrink_in_place(void)
{
	struct arena ar = arena_get(ARENA);
	char *p = hole_pages(&ar, 8);

	EXPECT_HOLE(p);
	EXPECT_MAPPED(map_at(p, 8, RW), p);
	fill(p, 8, 900);
	EXPECT_AT(sys_mremap(p, 8 * PAGE, 3 * PAGE - 100, 0, NULL), p);
	EXPECT_VMA(p, p, p + 3 * PAGE, "rw-p");
	EXPECT_DATA(p, 3, 900);
	EXPECT_GONE(p + 3 * PAGE, 5 * PAGE);
	EXPECT_HERE_FAULT(p + 7 * PAGE + 8, VM_WRITE, SIGSEGV, SEGV_MAPERR,
			  p + 7 * PAGE + 8);
	EXPECT_AT(sys_mremap(p, 3 * PAGE, 2 * PAGE, MREMAP_MAYMOVE, NULL), p);
	EXPECT_AT(sys_mremap(p, 2 * PAGE - 5, PAGE, 0, NULL), p);
	EXPECT_VMA(p, p, p + PAGE, "rw-p");
	EXPECT_DATA(p, 1, 900);
	EXPECT_GONE(p + PAGE, 7 * PAGE);
	arena_free(&ar);
}

/*
 * R5: a shrink's old range may cover several VMAs and holes; all of it
 * past new_size is unmapped, whatever the protections.  The same with
 * a FIXED move: new_size inside the first VMA is all it needs.
 */
static void shrink_across_vmas(void)
{
	struct arena ar = arena_get(ARENA);
	char *h = hole_pages(&ar, 8), *d = hole_pages(&ar, 2);

	EXPECT_HOLE(h && d);
	/* rw 2 | r-- 2 | hole | rw 2 | r-- 1 */
	EXPECT_MAPPED(map_at(h, 2, RW), h);
	EXPECT_MAPPED(map_at(h + 2 * PAGE, 2, PROT_READ), h + 2 * PAGE);
	EXPECT_MAPPED(map_at(h + 5 * PAGE, 2, RW), h + 5 * PAGE);
	EXPECT_MAPPED(map_at(h + 7 * PAGE, 1, PROT_READ), h + 7 * PAGE);
	fill(h, 2, 1000);
	fill(h + 5 * PAGE, 2, 1010);
	EXPECT_AT(sys_mremap(h, 8 * PAGE, PAGE, 0, NULL), h);
	EXPECT_VMA(h, h, h + PAGE, "rw-p");
	EXPECT_DATA(h, 1, 1000);
	EXPECT_GONE(h + PAGE, 7 * PAGE);
	EXPECT_GONE(h + 5 * PAGE, 3 * PAGE);

	/* Shrink while moving: rw 2 | r-- 2 down to one page, elsewhere. */
	EXPECT_MAPPED(map_at(h, 2, RW), h);
	EXPECT_MAPPED(map_at(h + 2 * PAGE, 2, PROT_READ), h + 2 * PAGE);
	fill(h, 2, 1020);
	EXPECT_AT(sys_mremap(h, 4 * PAGE, PAGE, MOVE_TO, d), d);
	EXPECT_VMA(d, d, d + PAGE, "rw-p");
	EXPECT_DATA(d, 1, 1020);
	EXPECT_GONE(h, 8 * PAGE);
	arena_free(&ar);
}

/*
 * R3: with free pages after it a mapping grows in place, with or without
 * MAYMOVE: the address stays, the new part reads zero and takes writes,
 * and maps shows one VMA over all of it.
 */
static void grow_in_place(void)
{
	struct arena ar = arena_get(ARENA);
	char *p = hole_pages(&ar, 8);

	EXPECT_HOLE(p);
	EXPECT_MAPPED(map_at(p, 4, RW), p);
	fill(p, 4, 1100);
	EXPECT_AT(sys_mremap(p, 4 * PAGE, 6 * PAGE, 0, NULL), p);
	EXPECT(vm_maps_count(p, 8 * PAGE) == 1, "%d VMAs after growing",
	       vm_maps_count(p, 8 * PAGE));
	EXPECT_VMA(p, p, p + 6 * PAGE, "rw-p");
	EXPECT_DATA(p, 4, 1100);
	EXPECT_ZERO(p + 4 * PAGE, 2);
	fill(p + 4 * PAGE, 2, 1104);
	EXPECT_AT(sys_mremap(p, 6 * PAGE, 8 * PAGE - 100, MREMAP_MAYMOVE, NULL),
		  p);
	EXPECT_VMA(p, p, p + 8 * PAGE, "rw-p");
	EXPECT(vm_maps_count(p, 8 * PAGE) == 1, "%d VMAs after growing",
	       vm_maps_count(p, 8 * PAGE));
	EXPECT_DATA(p, 6, 1100);
	EXPECT_ZERO(p + 6 * PAGE, 2);
	arena_free(&ar);
}

/*
 * R3: with MAYMOVE a mapping whose next page is taken moves: a new
 * address, the data along, the new part zero, the old range unmapped, the
 * blocker untouched, and the new VMA with the same VmFlags.
 */
static void maymove_when_blocked(void)
{
	struct arena ar = arena_get(ARENA);
	char flags0[256], flags1[256];
	char *h = hole_pages(&ar, 6), *q;

	EXPECT_HOLE(h);
	EXPECT_MAPPED(map_at(h, 4, RW), h);
	EXPECT_MAPPED(map_at(h + 4 * PAGE, 1, PROT_READ), h + 4 * PAGE);
	fill(h, 4, 1200);
	EXPECT(vm_smaps_flags(h, flags0, sizeof(flags0)) == 0, "no smaps for %p",
	       (void *)h);
	q = sys_mremap(h, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, NULL);
	EXPECT(q != MAP_FAILED, "mremap MAYMOVE: %s", strerror(errno));
	EXPECT(q != h, "grew in place over a mapped page");
	EXPECT_DATA(q, 4, 1200);
	EXPECT_ZERO(q + 4 * PAGE, 4);
	fill(q + 4 * PAGE, 4, 1204);
	EXPECT_GONE(h, 4 * PAGE);
	EXPECT_VMA(h + 4 * PAGE, h + 4 * PAGE, h + 5 * PAGE, "r--p");
	EXPECT_VMA(q, q, q + 8 * PAGE, "rw-p");
	EXPECT(vm_smaps_flags(q, flags1, sizeof(flags1)) == 0, "no smaps for %p",
	       (void *)q);
	EXPECT(!strcmp(flags0, flags1), "VmFlags '%s' became '%s'", flags0, flags1);
	munmap(q, 8 * PAGE);
	arena_free(&ar);
}

/*
 * R2: FIXED puts the mapping exactly at new_address and unmaps whatever
 * was there - that range only: the rest of the target mapping keeps its
 * data.  With FIXED the size may change too: a grow zero-fills the tail,
 * a shrink drops it.
 */
static void fixed_replaces_target(void)
{
	struct arena ar = arena_get(ARENA);
	char *s = hole_pages(&ar, 4), *d = hole_pages(&ar, 12), *e = hole_pages(&ar, 8);

	EXPECT_HOLE(s && d && e);
	EXPECT_MAPPED(map_at(s, 4, RW), s);
	EXPECT_MAPPED(map_at(d, 12, RW), d);
	EXPECT_MAPPED(map_at(e, 8, RW), e);
	fill(s, 4, 1300);
	fill(d, 12, 1400);
	fill(e, 8, 1500);
	EXPECT_AT(sys_mremap(s, 4 * PAGE, 4 * PAGE, MOVE_TO, d + 4 * PAGE),
		  d + 4 * PAGE);
	EXPECT_DATA(d + 4 * PAGE, 4, 1300);
	EXPECT_DATA(d, 4, 1400);
	EXPECT_DATA(d + 8 * PAGE, 4, 1408);
	EXPECT_VMA(d, d, d + 4 * PAGE, "rw-p");
	EXPECT_VMA(d + 4 * PAGE, d + 4 * PAGE, d + 8 * PAGE, "rw-p");
	EXPECT_VMA(d + 8 * PAGE, d + 8 * PAGE, d + 12 * PAGE, "rw-p");
	EXPECT_GONE(s, 4 * PAGE);
	/* Grow while moving: 4 -> 6 pages over e + 1 .. e + 7. */
	EXPECT_AT(sys_mremap(d + 4 * PAGE, 4 * PAGE, 6 * PAGE, MOVE_TO, e + PAGE),
		  e + PAGE);
	EXPECT_DATA(e + PAGE, 4, 1300);
	EXPECT_ZERO(e + 5 * PAGE, 2);
	EXPECT_DATA(e, 1, 1500);
	EXPECT_DATA(e + 7 * PAGE, 1, 1507);
	EXPECT_VMA(e + PAGE, e + PAGE, e + 7 * PAGE, "rw-p");
	EXPECT(vm_maps_count(d + 4 * PAGE, 4 * PAGE) == 0, "old range still mapped");
	/* Shrink while moving: 6 -> 2 pages, back to s. */
	EXPECT_AT(sys_mremap(e + PAGE, 6 * PAGE, 2 * PAGE, MOVE_TO, s), s);
	EXPECT_DATA(s, 2, 1300);
	EXPECT_VMA(s, s, s + 2 * PAGE, "rw-p");
	EXPECT_GONE(e + PAGE, 6 * PAGE);
	EXPECT_DATA(e, 1, 1500);
	EXPECT_DATA(e + 7 * PAGE, 1, 1507);
	arena_free(&ar);
}

/* ================= DONTUNMAP ================= */

/*
 * R4: DONTUNMAP moves the pages and leaves the source VMA in place: a
 * private anonymous source then has no pages (pagemap), reads zeros
 * (fresh pages) and takes writes; the destination has the data.  Without
 * FIXED the kernel picks the destination.
 */
static void dontunmap_private_anon(void)
{
	struct arena ar = arena_get(ARENA);
	char *s = hole_pages(&ar, 4), *d = hole_pages(&ar, 4), *r;

	EXPECT_HOLE(s && d);
	EXPECT_MAPPED(map_at(s, 4, RW), s);
	fill(s, 4, 1600);
	EXPECT_AT(sys_mremap(s, 4 * PAGE, 4 * PAGE, MOVE_TO | MREMAP_DONTUNMAP, d),
		  d);
	EXPECT_DATA(d, 4, 1600);
	EXPECT_VMA(s, s, s + 4 * PAGE, "rw-p");
	EXPECT_VMA(d, d, d + 4 * PAGE, "rw-p");
	EXPECT(count_pm(s, 4, PM_PRESENT) == 0, "%zu source pages still present",
	       count_pm(s, 4, PM_PRESENT));
	EXPECT_ZERO(s, 4);
	fill(s, 4, 1700);
	EXPECT_DATA(d, 4, 1600);
	/* The kernel chooses where: the source (d now) empties again. */
	r = sys_mremap(d, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
		       NULL);
	EXPECT(r != MAP_FAILED, "DONTUNMAP without FIXED: %s", strerror(errno));
	EXPECT(r != d && r != s, "DONTUNMAP returned %p", (void *)r);
	EXPECT_DATA(r, 4, 1600);
	EXPECT_ZERO(d, 4);
	EXPECT_DATA(s, 4, 1700);
	munmap(r, 4 * PAGE);
	arena_free(&ar);
}

/*
 * R4 since Linux 5.13: DONTUNMAP of a shared mapping - shared anonymous
 * (@fd -1) or a memfd - leaves the source mapping the same object, so it
 * still shows the data, and a write through either address shows
 * through the other.
 */
static void dontunmap_shared(int fd, unsigned long seed)
{
	struct arena ar = arena_get(ARENA);
	int flags = MAP_SHARED | MAP_FIXED | (fd < 0 ? MAP_ANONYMOUS : 0);
	char *s = hole_pages(&ar, 4), *d = hole_pages(&ar, 4);

	EXPECT_HOLE(s && d);
	EXPECT_MAPPED(mmap(s, 4 * PAGE, RW, flags, fd, 0), s);
	fill(s, 4, seed);
	EXPECT_AT(sys_mremap(s, 4 * PAGE, 4 * PAGE, MOVE_TO | MREMAP_DONTUNMAP, d),
		  d);
	EXPECT_DATA(d, 4, seed);
	EXPECT_DATA(s, 4, seed);
	EXPECT_VMA(s, s, s + 4 * PAGE, "rw-s");
	EXPECT_VMA(d, d, d + 4 * PAGE, "rw-s");
	fill(s, 1, seed + 100);
	EXPECT_DATA(d, 1, seed + 100);
	fill(d + 3 * PAGE, 1, seed + 200);
	EXPECT_DATA(s + 3 * PAGE, 1, seed + 200);
	arena_free(&ar);
}

static void dontunmap_shared_anon(void)
{
	dontunmap_shared(-1, 1800);
}

static void dontunmap_memfd(void)
{
	int fd = memfd_create("vm_mremap_dontunmap", 0);

	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, 4 * PAGE));
	dontunmap_shared(fd, 1900);
	close(fd);
}

/*
 * DONTUNMAP of an mlocked mapping takes the lock along: the destination
 * is locked and present, the emptied source no longer locked.
 */
static void dontunmap_moves_lock(void)
{
	struct arena ar = arena_get(ARENA);
	char *s = hole_pages(&ar, 4), *d = hole_pages(&ar, 4);

	EXPECT_HOLE(s && d);
	EXPECT_MAPPED(map_at(s, 4, RW), s);
	fill(s, 4, 1950);
	EXPECT_OK(mlock(s, 4 * PAGE));
	EXPECT_AT(sys_mremap(s, 4 * PAGE, 4 * PAGE, MOVE_TO | MREMAP_DONTUNMAP, d),
		  d);
	EXPECT(has_vmflag(d, "lo") && vm_smaps_kb(d, "Locked") == 16,
	       "destination: Locked %ld kB", vm_smaps_kb(d, "Locked"));
	EXPECT(!has_vmflag(s, "lo") && vm_smaps_kb(s, "Rss") == 0,
	       "source: 'lo' %d, Rss %ld kB", has_vmflag(s, "lo"),
	       vm_smaps_kb(s, "Rss"));
	EXPECT_DATA(d, 4, 1950);
	arena_free(&ar);
}

/* ================= files ================= */

/* A memfd of @n pages, page i filled with the pattern of seed + i. */
static int make_memfd(size_t n, unsigned long seed)
{
	static char page[PAGE];
	int fd = memfd_create("vm_mremap_file", 0);

	if (fd < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		memset(page, 0, PAGE);
		fill(page, 1, seed + i);
		if (pwrite(fd, page, PAGE, i * PAGE) != (ssize_t)PAGE) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* The maps line at @a must show file offset @off and inode @ino. */
#define EXPECT_OFFSET(a, off, ino) do {					\
	struct vm_map mo_;						\
	EXPECT(vm_maps_find((a), &mo_) == 0, "no maps line at %p",	\
	       (void *)(a));						\
	EXPECT(mo_.offset == (off) && mo_.inode == (ino),		\
	       "maps line '%s', want offset %#lx inode %lu", mo_.line,	\
	       (unsigned long)(off), (unsigned long)(ino));		\
} while (0)

/*
 * A moved file mapping keeps its file offset: pages 2..5 of a file, moved,
 * still show pages 2..5 and maps says offset 0x2000; moving out the middle
 * two gives three lines with offsets 0x2000, 0x3000 (the moved part) and
 * 0x5000.  Growing in place shows the file's next pages.
 */
static void file_keeps_offset(void)
{
	struct arena ar = arena_get(ARENA);
	struct stat st;
	char *p = hole_pages(&ar, 6), *d = hole_pages(&ar, 4), *e = hole_pages(&ar, 2);
	int fd = make_memfd(8, 2000);

	EXPECT_HOLE(p && d && e);
	EXPECT_OK(fd);
	EXPECT_OK(fstat(fd, &st));
	EXPECT_MAPPED(mmap(p, 4 * PAGE, RW, MAP_SHARED | MAP_FIXED, fd, 2 * PAGE), p);
	EXPECT_DATA(p, 4, 2002);
	EXPECT_AT(sys_mremap(p, 4 * PAGE, 4 * PAGE, MOVE_TO, d), d);
	EXPECT_DATA(d, 4, 2002);
	EXPECT_VMA(d, d, d + 4 * PAGE, "rw-s");
	EXPECT_OFFSET(d, 2 * PAGE, st.st_ino);
	EXPECT_GONE(p, 4 * PAGE);
	/* The middle two pages (file pages 3, 4) elsewhere. */
	EXPECT_AT(sys_mremap(d + PAGE, 2 * PAGE, 2 * PAGE, MOVE_TO, e), e);
	EXPECT_DATA(e, 2, 2003);
	EXPECT_VMA(d, d, d + PAGE, "rw-s");
	EXPECT_VMA(e, e, e + 2 * PAGE, "rw-s");
	EXPECT_VMA(d + 3 * PAGE, d + 3 * PAGE, d + 4 * PAGE, "rw-s");
	EXPECT_OFFSET(d, 2 * PAGE, st.st_ino);
	EXPECT_OFFSET(e, 3 * PAGE, st.st_ino);
	EXPECT_OFFSET(d + 3 * PAGE, 5 * PAGE, st.st_ino);
	EXPECT_DATA(d, 1, 2002);
	EXPECT_DATA(d + 3 * PAGE, 1, 2005);
	/* Grow the last piece in place: file pages 5, 6, 7 at p. */
	EXPECT_AT(sys_mremap(d + 3 * PAGE, PAGE, PAGE, MOVE_TO, p), p);
	EXPECT_AT(sys_mremap(p, PAGE, 3 * PAGE, 0, NULL), p);
	EXPECT_DATA(p, 3, 2005);
	EXPECT_OFFSET(p, 5 * PAGE, st.st_ino);
	EXPECT_VMA(p, p, p + 3 * PAGE, "rw-s");
	close(fd);
	arena_free(&ar);
}

/*
 * A MAP_PRIVATE file mapping with one page written (copied on write)
 * moves with both kinds of page: the private copy keeps its data, the
 * others still show the file, and the file never sees the private write.
 */
static void file_private_cow_moves(void)
{
	struct arena ar = arena_get(ARENA);
	struct stat st;
	char *p = hole_pages(&ar, 4), *d = hole_pages(&ar, 4);
	char page[PAGE];
	int fd = make_memfd(6, 2100);

	EXPECT_HOLE(p && d);
	EXPECT_OK(fd);
	EXPECT_OK(fstat(fd, &st));
	EXPECT_MAPPED(mmap(p, 4 * PAGE, RW, MAP_PRIVATE | MAP_FIXED, fd, 2 * PAGE),
		      p);
	EXPECT_DATA(p, 4, 2102);
	fill(p + PAGE, 1, 2200);
	EXPECT_AT(sys_mremap(p, 4 * PAGE, 4 * PAGE, MOVE_TO, d), d);
	EXPECT_VMA(d, d, d + 4 * PAGE, "rw-p");
	EXPECT_OFFSET(d, 2 * PAGE, st.st_ino);
	EXPECT_DATA(d, 1, 2102);
	EXPECT_DATA(d + PAGE, 1, 2200);
	EXPECT_DATA(d + 2 * PAGE, 2, 2104);
	EXPECT(pread(fd, page, PAGE, 3 * PAGE) == (ssize_t)PAGE, "pread: %s",
	       strerror(errno));
	EXPECT_DATA(page, 1, 2103);
	close(fd);
	arena_free(&ar);
}

/* ================= state after a move ================= */

/*
 * A move carries page-table entries, not a fresh fault: the pages that
 * were present are present (and exclusive) at the new address, the ones
 * never touched are still absent there, and the old addresses show
 * nothing in pagemap.
 */
static void pagemap_after_move(void)
{
	struct arena ar = arena_get(ARENA);
	char *s = hole_pages(&ar, 8), *d = hole_pages(&ar, 8);
	uint64_t e;

	EXPECT_HOLE(s && d);
	EXPECT_MAPPED(map_at(s, 8, RW), s);
	/* Fault all pages but 2 and 5. */
	for (int i = 0; i < 8; i++)
		if (i != 2 && i != 5)
			fill(s + i * PAGE, 1, 2300 + i);
	EXPECT(count_pm(s, 8, PM_PRESENT) == 6, "%zu pages present before",
	       count_pm(s, 8, PM_PRESENT));
	EXPECT_AT(sys_mremap(s, 8 * PAGE, 8 * PAGE, MOVE_TO, d), d);
	for (int i = 0; i < 8; i++) {
		EXPECT_PAGEMAP(d + i * PAGE, e);
		if (i == 2 || i == 5)
			EXPECT(!(e & PM_PRESENT), "untouched page %d present at "
			       "the new address: %#llx", i, (unsigned long long)e);
		else
			EXPECT((e & PM_PRESENT) && (e & PM_EXCLUSIVE),
			       "page %d at the new address: %#llx", i,
			       (unsigned long long)e);
		EXPECT_PAGEMAP(s + i * PAGE, e);
		EXPECT(e == 0, "old address of page %d: %#llx", i,
		       (unsigned long long)e);
	}
	for (int i = 0; i < 8; i++)
		if (i != 2 && i != 5)
			EXPECT_DATA(d + i * PAGE, 1, 2300 + i);
	EXPECT_ZERO(d + 2 * PAGE, 1);
	EXPECT_ZERO(d + 5 * PAGE, 1);
	arena_free(&ar);
}

/*
 * Pages are moved, not copied: each faulted private anonymous page shows
 * the same PFN at its new address as at its old one - after a FIXED
 * move, and after a MAYMOVE grow.  Needs PFNs in pagemap (root).
 */
static void pagemap_pfn_kept(void)
{
	struct arena ar = arena_get(ARENA);
	char *s = hole_pages(&ar, 8), *d = hole_pages(&ar, 8), *q;
	uint64_t pfn[8], e;

	EXPECT_HOLE(s && d);
	EXPECT_MAPPED(map_at(s, 8, RW), s);
	fill(s, 8, 2400);
	if (!pfns_visible(s)) {
		arena_free(&ar);
		SKIP("pagemap shows no PFNs here (needs CAP_SYS_ADMIN)");
	}
	for (int i = 0; i < 8; i++) {
		EXPECT_PAGEMAP(s + i * PAGE, e);
		pfn[i] = e & PM_PFN_MASK;
	}
	EXPECT_AT(sys_mremap(s, 8 * PAGE, 8 * PAGE, MOVE_TO, d), d);
	for (int i = 0; i < 8; i++) {
		EXPECT_PAGEMAP(d + i * PAGE, e);
		EXPECT((e & PM_PFN_MASK) == pfn[i], "page %d: PFN %#llx became "
		       "%#llx", i, (unsigned long long)pfn[i],
		       (unsigned long long)(e & PM_PFN_MASK));
	}
	/* d + 8 pages is the fence: growing must move. */
	q = sys_mremap(d, 8 * PAGE, 16 * PAGE, MREMAP_MAYMOVE, NULL);
	EXPECT(q != MAP_FAILED && q != d, "MAYMOVE grow: %p (%s)", (void *)q,
	       strerror(errno));
	for (int i = 0; i < 8; i++) {
		EXPECT_PAGEMAP(q + i * PAGE, e);
		EXPECT((e & PM_PFN_MASK) == pfn[i], "after the grow, page %d: "
		       "PFN %#llx became %#llx", i, (unsigned long long)pfn[i],
		       (unsigned long long)(e & PM_PFN_MASK));
	}
	EXPECT_DATA(q, 8, 2400);
	munmap(q, 16 * PAGE);
	arena_free(&ar);
}

/*
 * smaps and status count moved pages exactly: 16 faulted pages moved
 * give the new VMA Rss and Anonymous of 64 kB, the old range nothing,
 * VmRSS does not change, and unmapping the moved VMA lowers it by 64 kB.
 */
static void smaps_rss_after_move(void)
{
	struct arena ar = arena_get(ARENA);
	char *s = hole_pages(&ar, 16), *d = hole_pages(&ar, 16);
	long rss0, rss1, rss2;

	EXPECT_HOLE(s && d);
	EXPECT_MAPPED(map_at(s, 16, RW), s);
	fill(s, 16, 2500);
	/* Fault in the /proc reading buffer before counting. */
	memset(vm_buf, 0, sizeof(vm_buf));
	EXPECT(vm_smaps_kb(s, "Rss") == 64, "Rss before: %ld kB",
	       vm_smaps_kb(s, "Rss"));
	rss0 = vm_status_kb("VmRSS");
	EXPECT_AT(sys_mremap(s, 16 * PAGE, 16 * PAGE, MOVE_TO, d), d);
	rss1 = vm_status_kb("VmRSS");
	EXPECT(vm_smaps_kb(d, "Rss") == 64 && vm_smaps_kb(d, "Anonymous") == 64,
	       "moved VMA: Rss %ld kB, Anonymous %ld kB", vm_smaps_kb(d, "Rss"),
	       vm_smaps_kb(d, "Anonymous"));
	EXPECT(rss1 == rss0, "VmRSS %ld -> %ld kB across a move", rss0, rss1);
	EXPECT_DATA(d, 16, 2500);
	EXPECT_OK(munmap(d, 16 * PAGE));
	rss2 = vm_status_kb("VmRSS");
	EXPECT(rss1 - rss2 == 64, "VmRSS %ld -> %ld kB after unmapping 64 kB",
	       rss1, rss2);
	arena_free(&ar);
}

/*
 * R3: the lock is kept across a move: VmFlags keeps 'lo', Locked equals
 * the size, VmLck is unchanged, the pages stay present.
 */
static void mlocked_move_stays_locked(void)
{
	struct arena ar = arena_get(ARENA);
	char *s = hole_pages(&ar, 8), *d = hole_pages(&ar, 8);
	long lck0;

	EXPECT_HOLE(s && d);
	EXPECT_MAPPED(map_at(s, 8, RW), s);
	fill(s, 8, 2600);
	EXPECT_OK(mlock(s, 8 * PAGE));
	lck0 = vm_status_kb("VmLck");
	EXPECT_AT(sys_mremap(s, 8 * PAGE, 8 * PAGE, MOVE_TO, d), d);
	EXPECT(has_vmflag(d, "lo"), "moved VMA lost 'lo'");
	EXPECT(vm_smaps_kb(d, "Locked") == 32 && vm_smaps_kb(d, "Rss") == 32,
	       "moved VMA: Locked %ld kB, Rss %ld kB", vm_smaps_kb(d, "Locked"),
	       vm_smaps_kb(d, "Rss"));
	EXPECT(vm_status_kb("VmLck") == lck0, "VmLck %ld -> %ld kB", lck0,
	       vm_status_kb("VmLck"));
	EXPECT(count_pm(d, 8, PM_PRESENT) == 8, "%zu of 8 pages present",
	       count_pm(d, 8, PM_PRESENT));
	EXPECT_DATA(d, 8, 2600);
	arena_free(&ar);
}

/*
 * R3: growing an mlocked mapping populates the new part at once, in
 * place and when it has to move: Rss and Locked equal the new size, every
 * page is present, VmLck rises by the growth.
 */
static void mlocked_grow_populates(void)
{
	struct arena ar = arena_get(ARENA);
	char *p = hole_pages(&ar, 13), *q;
	long lck0;

	EXPECT_HOLE(p);
	EXPECT_MAPPED(map_at(p, 4, RW), p);
	fill(p, 4, 2700);
	EXPECT_OK(mlock(p, 4 * PAGE));
	lck0 = vm_status_kb("VmLck");
	EXPECT_AT(sys_mremap(p, 4 * PAGE, 12 * PAGE, 0, NULL), p);
	EXPECT(vm_smaps_kb(p, "Rss") == 48 && vm_smaps_kb(p, "Locked") == 48,
	       "grown in place: Rss %ld kB, Locked %ld kB", vm_smaps_kb(p, "Rss"),
	       vm_smaps_kb(p, "Locked"));
	EXPECT(count_pm(p, 12, PM_PRESENT) == 12, "%zu of 12 pages present",
	       count_pm(p, 12, PM_PRESENT));
	EXPECT(vm_status_kb("VmLck") == lck0 + 32, "VmLck %ld -> %ld kB", lck0,
	       vm_status_kb("VmLck"));
	/* One free page left before the fence: this grow must move. */
	q = sys_mremap(p, 12 * PAGE, 16 * PAGE, MREMAP_MAYMOVE, NULL);
	EXPECT(q != MAP_FAILED && q != p, "MAYMOVE grow: %p (%s)", (void *)q,
	       strerror(errno));
	EXPECT(has_vmflag(q, "lo") && vm_smaps_kb(q, "Rss") == 64 &&
	       vm_smaps_kb(q, "Locked") == 64,
	       "grown by moving: Rss %ld kB, Locked %ld kB", vm_smaps_kb(q, "Rss"),
	       vm_smaps_kb(q, "Locked"));
	EXPECT(vm_status_kb("VmLck") == lck0 + 48, "VmLck %ld -> %ld kB", lck0,
	       vm_status_kb("VmLck"));
	EXPECT_DATA(q, 4, 2700);
	EXPECT_ZERO(q + 4 * PAGE, 12);
	munmap(q, 16 * PAGE);
	arena_free(&ar);
}

/*
 * A moved private mapping forks like any other: the child sees the data,
 * and after the child moves its copy and writes, and the parent moves its
 * own and writes, each sees only its own writes (copy on write, both ways).
 */
static void fork_cow_after_move(void)
{
	struct arena ar = arena_get(ARENA);
	char *s = hole_pages(&ar, 8), *d = hole_pages(&ar, 8), *e = hole_pages(&ar, 8);
	int c2p[2], p2c[2], st = 0;
	char c = 0;
	pid_t pid;

	EXPECT_HOLE(s && d && e);
	EXPECT_MAPPED(map_at(s, 8, RW), s);
	fill(s, 8, 2800);
	EXPECT_AT(sys_mremap(s, 8 * PAGE, 8 * PAGE, MOVE_TO, d), d);
	EXPECT_OK(pipe(c2p));
	EXPECT_OK(pipe(p2c));
	pid = ut_fork_piped(c2p, p2c);
	EXPECT_OK(pid);
	if (pid == 0) {
		char r = 'k';

		if (bad_page(d, 8, 2800) >= 0)
			r = 'd';
		else if (sys_mremap(d, 8 * PAGE, 8 * PAGE, MOVE_TO, e) != e)
			r = 'm';
		else if (bad_page(e, 8, 2800) >= 0)
			r = 'e';
		if (r == 'k')
			fill(e, 8, 2900);
		if (write(c2p[1], &r, 1) != 1 || read(p2c[0], &r, 1) != 1)
			_exit(2);
		_exit(bad_page(e, 8, 2900) < 0 ? 0 : 3);
	}
	if (read(c2p[0], &c, 1) != 1)
		c = '?';
	{
		long seen = bad_page(d, 8, 2800);
		char *q = sys_mremap(d, 8 * PAGE, 8 * PAGE, MOVE_TO, e);

		if (q == e)
			fill(e, 8, 3000);
		if (write(p2c[1], "x", 1) != 1)
			c = 'w';
		waitpid(pid, &st, 0);
		close(c2p[0]);
		close(p2c[1]);
		EXPECT(c == 'k', "child: '%c' (d: its data, m: its move, e: data "
		       "after its move)", c);
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "child saw the parent's writes (status %#x)", st);
		EXPECT(seen < 0, "parent saw the child's writes (page %ld)", seen);
		EXPECT(q == e, "parent's move: %p (%s)", (void *)q, strerror(errno));
	}
	EXPECT_DATA(e, 8, 3000);
	EXPECT_GONE(d, 8 * PAGE);
	arena_free(&ar);
}

/* ================= big moves ================= */

/*
 * A populated 64 MiB region on a 2 MiB boundary, moved with FIXED to
 * another 2 MiB boundary (where Linux moves whole page tables): every
 * page keeps its pattern, Rss of the new VMA is 64 MiB, the old range is
 * gone, and where pagemap shows PFNs, sampled pages kept theirs.
 */
static void move_64m_aligned(void)
{
	const size_t len = 64 * MiB, n = len / PAGE;
	struct arena ar = arena_get(2 * (len + 2 * MiB + PAGE) + PAGE);
	char *s = hole(&ar, len, 2 * MiB, 0), *d = hole(&ar, len, 2 * MiB, 0);
	uint64_t pfn[16], e;
	int pfns;

	EXPECT_HOLE(s && d);
	EXPECT_MAPPED(mmap(s, len, RW, ANON | MAP_FIXED, -1, 0), s);
	fill(s, n, 3100);
	pfns = pfns_visible(s);
	for (int i = 0; i < 16; i++) {
		EXPECT_PAGEMAP(s + i * (n / 16) * PAGE + 5 * PAGE, e);
		pfn[i] = e & PM_PFN_MASK;
	}
	EXPECT_AT(sys_mremap(s, len, len, MOVE_TO, d), d);
	EXPECT_DATA(d, n, 3100);
	EXPECT_VMA(d, d, d + len, "rw-p");
	EXPECT(vm_smaps_kb(d, "Rss") == (long)(len / 1024), "Rss %ld kB",
	       vm_smaps_kb(d, "Rss"));
	EXPECT_GONE(s, len);
	EXPECT_GONE(s + len - PAGE, PAGE);
	for (int i = 0; pfns && i < 16; i++) {
		EXPECT_PAGEMAP(d + i * (n / 16) * PAGE + 5 * PAGE, e);
		EXPECT((e & PM_PFN_MASK) == pfn[i], "sample %d: PFN %#llx became "
		       "%#llx", i, (unsigned long long)pfn[i],
		       (unsigned long long)(e & PM_PFN_MASK));
	}
	arena_free(&ar);
}

/*
 * 4 MiB moved between addresses misaligned to 2 MiB in different ways
 * (one page past a boundary to three pages past one), so no page table
 * can move whole: every page keeps its pattern, the old range is gone.
 */
static void move_4m_misaligned(void)
{
	const size_t len = 4 * MiB, n = len / PAGE;
	struct arena ar = arena_get(2 * (len + 2 * MiB + PAGE) + PAGE);
	char *s = hole(&ar, len, 2 * MiB, PAGE), *d = hole(&ar, len, 2 * MiB, 3 * PAGE);

	EXPECT_HOLE(s && d);
	EXPECT_MAPPED(mmap(s, len, RW, ANON | MAP_FIXED, -1, 0), s);
	fill(s, n, 3200);
	EXPECT_AT(sys_mremap(s, len, len, MOVE_TO, d), d);
	EXPECT_DATA(d, n, 3200);
	EXPECT_VMA(d, d, d + len, "rw-p");
	EXPECT(vm_smaps_kb(d, "Rss") == (long)(len / 1024), "Rss %ld kB",
	       vm_smaps_kb(d, "Rss"));
	EXPECT_GONE(s, len);
	arena_free(&ar);
}

/* ================= Linux 6.17 multi-VMA moves ================= */

/*
 * R6: a FIXED move with old_size == new_size may span several VMAs and
 * the holes between them: each VMA lands at the same offset from
 * new_address, protections and data kept, so the holes stay holes.  A
 * hole at the start of the range is EFAULT; so is any resize or non-FIXED
 * move over several VMAs (R7).
 */
static void multi_vma_move_keeps_gap(void)
{
	struct arena ar;
	char *h, *d;

	REQUIRE_LINUX_6_17();
	ar = arena_get(ARENA);
	h = hole_pages(&ar, 10);
	d = hole_pages(&ar, 10);
	EXPECT_HOLE(h && d);
	/* rw 3 | hole 2 | r-- 2 | rw 2 */
	EXPECT_MAPPED(map_at(h, 3, RW), h);
	EXPECT_MAPPED(map_at(h + 5 * PAGE, 2, PROT_READ), h + 5 * PAGE);
	EXPECT_MAPPED(map_at(h + 7 * PAGE, 2, RW), h + 7 * PAGE);
	fill(h, 3, 3300);
	fill(h + 7 * PAGE, 2, 3310);
	EXPECT_AT(sys_mremap(h, 9 * PAGE, 9 * PAGE, MOVE_TO, d), d);
	EXPECT_VMA(d, d, d + 3 * PAGE, "rw-p");
	EXPECT(vm_maps_count(d + 3 * PAGE, 2 * PAGE) == 0, "the hole was filled");
	EXPECT_VMA(d + 5 * PAGE, d + 5 * PAGE, d + 7 * PAGE, "r--p");
	EXPECT_VMA(d + 7 * PAGE, d + 7 * PAGE, d + 9 * PAGE, "rw-p");
	EXPECT_DATA(d, 3, 3300);
	EXPECT_ZERO(d + 5 * PAGE, 2);
	EXPECT_DATA(d + 7 * PAGE, 2, 3310);
	EXPECT_GONE(h, 9 * PAGE);
	EXPECT_GONE(h + 7 * PAGE, 2 * PAGE);
	/* Not allowed: a hole first, a resize, a move without FIXED. */
	EXPECT_ERRNO(sys_mremap(d + 3 * PAGE, 6 * PAGE, 6 * PAGE, MOVE_TO, h),
		     EFAULT);
	EXPECT_ERRNO(sys_mremap(d, 9 * PAGE, 10 * PAGE, MOVE_TO, h), EFAULT);
	EXPECT_ERRNO(sys_mremap(d + 5 * PAGE, 4 * PAGE, 5 * PAGE, MREMAP_MAYMOVE,
				NULL), EFAULT);
	EXPECT(vm_maps_count(h, 10 * PAGE) == 0, "a refused move mapped something");
	EXPECT_DATA(d, 3, 3300);
	arena_free(&ar);
}

/*
 * R6 as Linux does it: the destination is unmapped only where a source
 * VMA lands, so mappings in the destination's holes survive - one in the
 * gap between two moved VMAs, one past the last when the old range ends
 * in a hole (a trailing hole is allowed; only a leading one is EFAULT).
 */
static void multi_vma_move_leaves_target_holes(void)
{
	struct arena ar;
	char *h, *d;

	REQUIRE_LINUX_6_17();
	ar = arena_get(ARENA);
	h = hole_pages(&ar, 10);
	d = hole_pages(&ar, 10);
	EXPECT_HOLE(h && d);
	/* source: rw 3 | hole 2 | r-- 2 | hole 2 */
	EXPECT_MAPPED(map_at(h, 3, RW), h);
	EXPECT_MAPPED(map_at(h + 5 * PAGE, 2, PROT_READ), h + 5 * PAGE);
	fill(h, 3, 3400);
	/* target: mappings at +3 (in the gap) and +8 (in the tail) */
	EXPECT_MAPPED(map_at(d + 3 * PAGE, 1, RW), d + 3 * PAGE);
	EXPECT_MAPPED(map_at(d + 8 * PAGE, 1, RW), d + 8 * PAGE);
	fill(d + 3 * PAGE, 1, 3410);
	fill(d + 8 * PAGE, 1, 3420);
	EXPECT_AT(sys_mremap(h, 9 * PAGE, 9 * PAGE, MOVE_TO, d), d);
	EXPECT_VMA(d, d, d + 3 * PAGE, "rw-p");
	EXPECT_VMA(d + 3 * PAGE, d + 3 * PAGE, d + 4 * PAGE, "rw-p");
	EXPECT_VMA(d + 5 * PAGE, d + 5 * PAGE, d + 7 * PAGE, "r--p");
	EXPECT_VMA(d + 8 * PAGE, d + 8 * PAGE, d + 9 * PAGE, "rw-p");
	EXPECT(vm_maps_count(d + 4 * PAGE, PAGE) == 0 &&
	       vm_maps_count(d + 7 * PAGE, PAGE) == 0, "a target hole was filled");
	EXPECT_DATA(d, 3, 3400);
	EXPECT_DATA(d + 3 * PAGE, 1, 3410);
	EXPECT_DATA(d + 8 * PAGE, 1, 3420);
	EXPECT_GONE(h, 9 * PAGE);
	arena_free(&ar);
}

/* ================= swap ================= */

/* Does /proc/swaps list an active swap area? */
static int swap_active(void)
{
	char buf[4096], *nl;

	if (vm_read_file("/proc/swaps", buf, sizeof(buf)) <= 0)
		return 0;
	nl = strchr(buf, '\n');
	return nl && nl[1] != 0;
}

/*
 * Swapped-out pages move as swap entries: after MADV_PAGEOUT the pages
 * pagemap shows swapped (bit 62) are swapped at the new address too,
 * none is read back by the move, and all read back right afterwards.
 */
static void swapped_pages_move(void)
{
	struct arena ar;
	char *s, *d;
	size_t out, moved;

	if (!swap_active())
		SKIP("no active swap area in /proc/swaps");
	ar = arena_get(ARENA);
	s = hole_pages(&ar, 64);
	d = hole_pages(&ar, 64);
	EXPECT_HOLE(s && d);
	EXPECT_MAPPED(map_at(s, 64, RW), s);
	fill(s, 64, 3500);
	EXPECT_OK(madvise(s, 64 * PAGE, MADV_PAGEOUT));
	out = count_pm(s, 64, PM_SWAP);
	EXPECT(out > 0, "MADV_PAGEOUT swapped no page out (pagemap bit 62)");
	EXPECT_AT(sys_mremap(s, 64 * PAGE, 64 * PAGE, MOVE_TO, d), d);
	moved = count_pm(d, 64, PM_SWAP);
	EXPECT(moved == out, "%zu pages swapped before the move, %zu after",
	       out, moved);
	EXPECT(count_pm(s, 64, PM_SWAP) == 0, "swap entries left behind");
	EXPECT_GONE(s, 64 * PAGE);
	EXPECT_DATA(d, 64, 3500);
	EXPECT(count_pm(d, 64, PM_PRESENT) == 64, "%zu of 64 pages present after "
	       "reading", count_pm(d, 64, PM_PRESENT));
	arena_free(&ar);
}

/* ================= MREMAP_RELOCATE_ANON (Pagoda) ================= */

/*
 * Either relocate flag without MAYMOVE is EINVAL.  (On Linux, which
 * knows neither bit, they are EINVAL with MAYMOVE too - asserted there.)
 */
static void relocate_flags_need_maymove(void)
{
	struct arena ar = arena_get(ARENA);
	char *p = hole_pages(&ar, 2), *d = hole_pages(&ar, 2);

	EXPECT_HOLE(p && d);
	EXPECT_MAPPED(map_at(p, 2, RW), p);
	fill(p, 2, 3600);
	EXPECT_ERRNO(sys_mremap(p, 2 * PAGE, 2 * PAGE, MREMAP_RELOCATE_ANON, NULL),
		     EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 2 * PAGE, PAGE, MREMAP_MUST_RELOCATE_ANON,
				NULL), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 2 * PAGE, 2 * PAGE,
				MREMAP_FIXED | MREMAP_RELOCATE_ANON, d), EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 2 * PAGE, 2 * PAGE,
				MREMAP_DONTUNMAP | MREMAP_MUST_RELOCATE_ANON, d),
		     EINVAL);
	if (!ut_on_pagoda()) {
		EXPECT_ERRNO(sys_mremap(p, 2 * PAGE, 2 * PAGE,
					MOVE_TO | MREMAP_RELOCATE_ANON, d), EINVAL);
		EXPECT_ERRNO(sys_mremap(p, 2 * PAGE, 2 * PAGE,
					MOVE_TO | MREMAP_MUST_RELOCATE_ANON, d),
			     EINVAL);
	}
	EXPECT_VMA(p, p, p + 2 * PAGE, "rw-p");
	EXPECT(vm_maps_count(d, 2 * PAGE) == 0, "a refused move mapped the target");
	EXPECT_DATA(p, 2, 3600);
	arena_free(&ar);
}

/*
 * Without the flag (every kernel): a faulted anonymous VMA moved to just
 * after a faulted neighbour stays a VMA of its own - it keeps its old
 * pgoff and anon_vma - and mprotect over both does not join them; an
 * unfaulted one moved next to it merges (it takes the new pgoff).
 */
static void move_next_to_neighbour_plain(void)
{
	struct arena ar = arena_get(ARENA);
	char *h = hole_pages(&ar, 12), *r = hole_pages(&ar, 4), *v = hole_pages(&ar, 4);

	EXPECT_HOLE(h && r && v);
	EXPECT_MAPPED(map_at(h, 4, RW), h);
	EXPECT_MAPPED(map_at(v, 4, RW), v);
	fill(h, 4, 3700);
	/* Unfaulted v after h: one VMA. */
	EXPECT_AT(sys_mremap(v, 4 * PAGE, 4 * PAGE, MOVE_TO, h + 4 * PAGE),
		  h + 4 * PAGE);
	EXPECT_VMA(h, h, h + 8 * PAGE, "rw-p");
	/* Faulted r after that: two. */
	EXPECT_MAPPED(map_at(r, 4, RW), r);
	fill(r, 4, 3710);
	EXPECT_AT(sys_mremap(r, 4 * PAGE, 4 * PAGE, MOVE_TO, h + 8 * PAGE),
		  h + 8 * PAGE);
	EXPECT(vm_maps_count(h, 12 * PAGE) == 2, "%d VMAs, want 2",
	       vm_maps_count(h, 12 * PAGE));
	EXPECT_VMA(h, h, h + 8 * PAGE, "rw-p");
	EXPECT_VMA(h + 8 * PAGE, h + 8 * PAGE, h + 12 * PAGE, "rw-p");
	EXPECT_OK(mprotect(h + 6 * PAGE, 4 * PAGE, PROT_READ));
	EXPECT_OK(mprotect(h, 12 * PAGE, RW));
	EXPECT(vm_maps_count(h, 12 * PAGE) == 2, "%d VMAs after mprotect, want 2",
	       vm_maps_count(h, 12 * PAGE));
	EXPECT_VMA(h + 8 * PAGE, h + 8 * PAGE, h + 12 * PAGE, "rw-p");
	EXPECT_DATA(h, 4, 3700);
	EXPECT_ZERO(h + 4 * PAGE, 4);
	EXPECT_DATA(h + 8 * PAGE, 4, 3710);
	arena_free(&ar);
}

/*
 * RELOCATE_ANON: the same faulted move now merges with the faulted
 * neighbour into one VMA, whose Rss counts both; data intact.
 */
static void relocate_anon_merges(void)
{
	struct arena ar;
	char *h, *r;

	REQUIRE_RELOCATE_ANON();
	ar = arena_get(ARENA);
	h = hole_pages(&ar, 8);
	r = hole_pages(&ar, 4);
	EXPECT_HOLE(h && r);
	EXPECT_MAPPED(map_at(h, 4, RW), h);
	EXPECT_MAPPED(map_at(r, 4, RW), r);
	fill(h, 4, 3800);
	fill(r, 4, 3810);
	EXPECT_AT(sys_mremap(r, 4 * PAGE, 4 * PAGE,
			     MOVE_TO | MREMAP_RELOCATE_ANON, h + 4 * PAGE),
		  h + 4 * PAGE);
	EXPECT(vm_maps_count(h, 8 * PAGE) == 1, "%d VMAs, want 1 (merged)",
	       vm_maps_count(h, 8 * PAGE));
	EXPECT_VMA(h, h, h + 8 * PAGE, "rw-p");
	EXPECT(vm_smaps_kb(h, "Rss") == 32, "merged VMA Rss %ld kB",
	       vm_smaps_kb(h, "Rss"));
	EXPECT_DATA(h, 4, 3800);
	EXPECT_DATA(h + 4 * PAGE, 4, 3810);
	EXPECT_GONE(r, 4 * PAGE);
	arena_free(&ar);
}

/*
 * MUST_RELOCATE_ANON on memory shared with a fork (in the child, and in
 * the parent while the child lives) is EFAULT, and the mapping stays
 * where it was with its data, the target still empty; plain
 * RELOCATE_ANON falls back to an ordinary move.
 */
static void must_relocate_after_fork(void)
{
	struct arena ar;
	int c2p[2], p2c[2], st = 0, err;
	char *p, *d, *q, *q2, c = 0;
	long bad;
	pid_t pid;

	REQUIRE_RELOCATE_ANON();
	ar = arena_get(ARENA);
	p = hole_pages(&ar, 4);
	d = hole_pages(&ar, 4);
	EXPECT_HOLE(p && d);
	EXPECT_MAPPED(map_at(p, 4, RW), p);
	fill(p, 4, 3900);
	EXPECT_OK(pipe(c2p));
	EXPECT_OK(pipe(p2c));
	pid = ut_fork_piped(c2p, p2c);
	EXPECT_OK(pid);
	if (pid == 0) {
		char r;

		errno = 0;
		q = sys_mremap(p, 4 * PAGE, 4 * PAGE,
			       MOVE_TO | MREMAP_MUST_RELOCATE_ANON, d);
		r = q != MAP_FAILED ? 'm' : errno != EFAULT ? 'e' :
		    bad_page(p, 4, 3900) >= 0 ? 'd' :
		    vm_maps_count(d, 4 * PAGE) != 0 ? 't' : 'k';
		if (write(c2p[1], &r, 1) != 1 || read(p2c[0], &r, 1) != 1)
			_exit(2);
		_exit(0);
	}
	if (read(c2p[0], &c, 1) != 1)
		c = '?';
	/* The parent tries while the child still maps the pages. */
	errno = 0;
	q = sys_mremap(p, 4 * PAGE, 4 * PAGE, MOVE_TO | MREMAP_MUST_RELOCATE_ANON,
		       d);
	err = errno;
	bad = q == MAP_FAILED ? bad_page(p, 4, 3900) : -1;
	q2 = q == MAP_FAILED ? sys_mremap(p, 4 * PAGE, 4 * PAGE,
					  MOVE_TO | MREMAP_RELOCATE_ANON, d) : q;
	if (write(p2c[1], "x", 1) != 1)
		c = 'w';
	waitpid(pid, &st, 0);
	close(c2p[0]);
	close(p2c[1]);
	EXPECT(c == 'k', "child: '%c' (m: MUST moved, e: wrong errno, d: data "
	       "lost, t: target mapped)", c);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
	EXPECT(q == MAP_FAILED && err == EFAULT, "parent's MUST: %p (%s), want "
	       "EFAULT", (void *)q, strerror(err));
	EXPECT(bad < 0, "page %ld lost its data after the refused MUST", bad);
	EXPECT_AT(q2, d);
	EXPECT_DATA(d, 4, 3900);
	EXPECT_GONE(p, 4 * PAGE);
	arena_free(&ar);
}

/*
 * MUST_RELOCATE_ANON succeeds where there is nothing that forbids it: on
 * an unfaulted mapping (nothing to relocate: zero and writable after),
 * and on a faulted one no fork ever shared (data intact).
 */
static void must_relocate_unshared_ok(void)
{
	struct arena ar;
	char *p, *d;

	REQUIRE_RELOCATE_ANON();
	ar = arena_get(ARENA);
	p = hole_pages(&ar, 4);
	d = hole_pages(&ar, 4);
	EXPECT_HOLE(p && d);
	EXPECT_MAPPED(map_at(p, 4, RW), p);
	EXPECT_AT(sys_mremap(p, 4 * PAGE, 4 * PAGE,
			     MOVE_TO | MREMAP_MUST_RELOCATE_ANON, d), d);
	EXPECT_VMA(d, d, d + 4 * PAGE, "rw-p");
	EXPECT_ZERO(d, 4);
	fill(d, 4, 4000);
	EXPECT_AT(sys_mremap(d, 4 * PAGE, 4 * PAGE,
			     MOVE_TO | MREMAP_MUST_RELOCATE_ANON, p), p);
	EXPECT_VMA(p, p, p + 4 * PAGE, "rw-p");
	EXPECT_DATA(p, 4, 4000);
	EXPECT_GONE(d, 4 * PAGE);
	arena_free(&ar);
}

/*
 * A relocated VMA that cannot merge at once (read-only beside a
 * read-write neighbour) can later, because relocation gave it the pgoff
 * of its new place: mprotect across it and the neighbour splits the
 * neighbour, and mprotect over the whole makes one VMA; data intact.
 * (Without relocation it stays two: move_next_to_neighbour_plain.)
 */
static void relocate_anon_mprotect_merges(void)
{
	struct arena ar;
	char *h, *r;

	REQUIRE_RELOCATE_ANON();
	ar = arena_get(ARENA);
	h = hole_pages(&ar, 8);
	r = hole_pages(&ar, 4);
	EXPECT_HOLE(h && r);
	EXPECT_MAPPED(map_at(h, 4, RW), h);
	EXPECT_MAPPED(map_at(r, 4, RW), r);
	fill(h, 4, 4100);
	fill(r, 4, 4110);
	EXPECT_OK(mprotect(r, 4 * PAGE, PROT_READ));
	EXPECT_AT(sys_mremap(r, 4 * PAGE, 4 * PAGE,
			     MOVE_TO | MREMAP_MUST_RELOCATE_ANON, h + 4 * PAGE),
		  h + 4 * PAGE);
	EXPECT_VMA(h, h, h + 4 * PAGE, "rw-p");
	EXPECT_VMA(h + 4 * PAGE, h + 4 * PAGE, h + 8 * PAGE, "r--p");
	/* Across both: the neighbour splits. */
	EXPECT_OK(mprotect(h + 2 * PAGE, 4 * PAGE, PROT_READ));
	EXPECT_VMA(h, h, h + 2 * PAGE, "rw-p");
	{
		struct vm_map m;

		EXPECT(vm_maps_find(h + 7 * PAGE, &m) == 0 &&
		       !strcmp(m.perms, "r--p") && m.end == (unsigned long)h + 8 * PAGE,
		       "relocated part after mprotect: '%s'", m.line);
	}
	/* Over the whole: one VMA again. */
	EXPECT_OK(mprotect(h, 8 * PAGE, RW));
	EXPECT(vm_maps_count(h, 8 * PAGE) == 1, "%d VMAs after mprotect, want 1",
	       vm_maps_count(h, 8 * PAGE));
	EXPECT_VMA(h, h, h + 8 * PAGE, "rw-p");
	EXPECT_DATA(h, 4, 4100);
	EXPECT_DATA(h + 4 * PAGE, 4, 4110);
	arena_free(&ar);
}

/*
 * The call of the syzkaller report against Linux's RELOCATE_ANON series
 * ("sleeping function called from invalid context in
 * __relocate_anon_folios": a page lock taken under a page-table lock),
 * replayed with Pagoda's sleep-in-atomic check on: MAYMOVE | FIXED |
 * DONTUNMAP | RELOCATE_ANON of two faulted private anonymous pages; then
 * the same with a forked child still mapping them (relocation falls back,
 * MUST is EFAULT) and with a page pinned by vmsplice (likewise; the pipe
 * still reads the data). Each time the data is at the new address and the
 * source, still mapped, reads zeros.
 */
static void relocate_dontunmap_replay(void)
{
	const unsigned long flags = MOVE_TO | MREMAP_DONTUNMAP | MREMAP_RELOCATE_ANON;
	struct arena ar;
	char *p, *d, buf[16];
	int pp[2], st = 0;
	pid_t pid;

	REQUIRE_RELOCATE_ANON();
	ar = arena_get(ARENA);
	p = hole_pages(&ar, 2);
	d = hole_pages(&ar, 2);
	EXPECT_HOLE(p && d);

	/* The report's call. */
	EXPECT_MAPPED(map_at(p, 2, RW), p);
	fill(p, 2, 4100);
	EXPECT_AT(sys_mremap(p, 2 * PAGE, 2 * PAGE, flags, d), d);
	EXPECT_DATA(d, 2, 4100);
	EXPECT_ZERO(p, 2);
	munmap(d, 2 * PAGE);

	/* With a forked child that still maps the pages. */
	fill(p, 2, 4200);
	EXPECT_OK(pipe(pp));
	pid = fork();
	EXPECT_OK(pid);
	if (pid == 0) {
		char c;

		close(pp[1]);
		if (read(pp[0], &c, 1) != 1)
			_exit(2);
		_exit(bad_page(p, 2, 4200) < 0 ? 0 : 1);
	}
	close(pp[0]);
	errno = 0;
	EXPECT(sys_mremap(p, 2 * PAGE, 2 * PAGE, flags | MREMAP_MUST_RELOCATE_ANON, d) ==
	       MAP_FAILED && errno == EFAULT, "MUST with a fork child: %s", strerror(errno));
	EXPECT_AT(sys_mremap(p, 2 * PAGE, 2 * PAGE, flags, d), d);
	EXPECT(write(pp[1], "x", 1) == 1, "pipe: %s", strerror(errno));
	close(pp[1]);
	EXPECT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "the child saw its pages change: %#x", st);
	EXPECT_DATA(d, 2, 4200);
	EXPECT_ZERO(p, 2);
	munmap(d, 2 * PAGE);

	/* With a page pinned in a pipe by vmsplice. */
	fill(p, 2, 4300);
	{
		struct iovec iov = { p, PAGE };

		EXPECT_OK(pipe(pp));
		EXPECT(vmsplice(pp[1], &iov, 1, 0) == PAGE, "vmsplice: %s", strerror(errno));
	}
	errno = 0;
	EXPECT(sys_mremap(p, 2 * PAGE, 2 * PAGE, flags | MREMAP_MUST_RELOCATE_ANON, d) ==
	       MAP_FAILED && errno == EFAULT, "MUST with a pinned page: %s", strerror(errno));
	EXPECT_AT(sys_mremap(p, 2 * PAGE, 2 * PAGE, flags, d), d);
	EXPECT_DATA(d, 2, 4300);
	EXPECT(read(pp[0], buf, sizeof(buf)) == (ssize_t)sizeof(buf) &&
	       !memcmp(buf, d, sizeof(buf)), "the pipe lost the pinned page's data");
	close(pp[0]);
	close(pp[1]);
	arena_free(&ar);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		ut_select(argv[1]);
	ut_begin("vm_mremap_test");
	/* Probe now: the probe's scratch page must not land in a case's hole. */
	have_relocate_anon();
	/* errors */
	RUN(einval_args);
	RUN(dontunmap_checks_hint);
	RUN(fixed_kernel_address);
	RUN(efault_unmapped);
	RUN(enomem_grow_blocked);
	RUN(efault_grow_across_vmas);
	RUN(same_size_is_noop);
	RUN(old_size_zero_private);
	RUN(old_size_zero_shared_duplicates);
	RUN(eagain_mlock_limit);
	/* shrink, grow, move */
	RUN(shrink_in_place);
	RUN(shrink_across_vmas);
	RUN(grow_in_place);
	RUN(maymove_when_blocked);
	RUN(fixed_replaces_target);
	RUN(dontunmap_private_anon);
	RUN(dontunmap_shared_anon);
	RUN(dontunmap_memfd);
	RUN(dontunmap_moves_lock);
	RUN(file_keeps_offset);
	RUN(file_private_cow_moves);
	/* state after a move */
	RUN(pagemap_after_move);
	RUN(pagemap_pfn_kept);
	RUN(smaps_rss_after_move);
	RUN(mlocked_move_stays_locked);
	RUN(mlocked_grow_populates);
	RUN(fork_cow_after_move);
	RUN(move_64m_aligned);
	RUN(move_4m_misaligned);
	RUN(multi_vma_move_keeps_gap);
	RUN(multi_vma_move_leaves_target_holes);
	RUN(swapped_pages_move);
	/* MREMAP_RELOCATE_ANON */
	RUN(relocate_flags_need_maymove);
	RUN(move_next_to_neighbour_plain);
	RUN(relocate_anon_merges);
	RUN(must_relocate_after_fork);
	RUN(must_relocate_unshared_ok);
	RUN(relocate_anon_mprotect_merges);
	RUN(relocate_dontunmap_replay);
	return ut_end();
}
