/*
 * memblock.c - boot-time physical memory bookkeeping (see memblock.h).
 *
 * Two small arrays: "usable" (available RAM from the memory map, trimmed to
 * whole pages, sorted, non-overlapping) and "reserved" (unsorted, may
 * overlap). Allocation is first-fit from the bottom, skipping anything that
 * overlaps a reservation; it runs a few hundred times at boot at most, so
 * the quadratic search does not matter. Everything here is __init-style:
 * after page_alloc_init() only the lists' contents are read (for /proc-like
 * reports and tests).
 *
 * A free range is usable minus reserved (memblock_for_each_free()):
 *
 *   usable    [=======)   [====================================)
 *   reserved  [=== low 1 MiB ===)[== image ==)   [mbi]   [module]
 *   free                                     [===)   [===)      [==)
 *
 * Locking: none. Only the boot CPU runs this, before other CPUs, threads
 * or interrupts exist.
 */
#include "mm/memblock.h"
#include "kernel/compiler.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include <arch/memlayout.h>

/* RAM the firmware says we may use: sorted by base, disjoint, page-aligned inward. */
static struct memblock_range usable[MEMBLOCK_MAX];
static unsigned int nr_usable;
/* In use: in the order reserved (until memblock_for_each_free() sorts
 * them), may overlap each other, page-aligned outward. */
static struct memblock_range reserved[MEMBLOCK_MAX];
static unsigned int nr_reserved;
/* memblock_alloc() returns only memory the current page tables map. */
static phys_addr_t alloc_limit = 4ul << 30;	/* boot page tables map 4 GiB */

/*
 * Add [base, end) to the usable list. Rounded inward (a partial page is
 * not usable); firmware maps may list touching or overlapping ranges,
 * which are merged so the list stays sorted and disjoint. A map with more
 * than MEMBLOCK_MAX ranges loses the extra ones (RAM we never use).
 */
static void add_usable(phys_addr_t base, phys_addr_t end)
{
	unsigned int i;

	base = ALIGN_UP(base, PAGE_SIZE);
	end = ALIGN_DOWN(end, PAGE_SIZE);
	if (base >= end || nr_usable == MEMBLOCK_MAX)
		return;
	/* Insert sorted; merge with neighbours that touch or overlap. */
	for (i = 0; i < nr_usable && usable[i].base < base; i++)
		;
	for (unsigned int j = nr_usable; j > i; j--)
		usable[j] = usable[j - 1];
	usable[i] = (struct memblock_range){ base, end };
	nr_usable++;
	for (i = 0; i + 1 < nr_usable; ) {
		if (usable[i].end >= usable[i + 1].base) {
			usable[i].end = MAX(usable[i].end, usable[i + 1].end);
			for (unsigned int j = i + 1; j + 1 < nr_usable; j++)
				usable[j] = usable[j + 1];
			nr_usable--;
		} else {
			i++;
		}
	}
}

/*
 * Rounded outward: a partly used page is a used page. A range that starts
 * where the last reservation ends extends it: first fit hands out one
 * page after another (page tables at boot: a direct map of 4 KiB pages
 * takes one per 2 MiB of RAM), and they stay one entry. Boot only;
 * panics when full.
 */
void memblock_reserve(phys_addr_t base, uint64_t size)
{
	struct memblock_range r = { ALIGN_DOWN(base, PAGE_SIZE), ALIGN_UP(base + size, PAGE_SIZE) };

	if (nr_reserved && reserved[nr_reserved - 1].end == r.base) {
		reserved[nr_reserved - 1].end = r.end;
		return;
	}
	if (nr_reserved == MEMBLOCK_MAX)
		panic("memblock_reserve: more than %d reservations", MEMBLOCK_MAX);
	reserved[nr_reserved++] = r;
}

/* Boot only, before any memblock_alloc(). */
void memblock_init(const struct boot_info *bi, phys_addr_t mbi_phys)
{
	for (unsigned int i = 0; i < bi->nr_mmap; i++)
		if (bi->mmap[i].type == MB2_MEM_AVAILABLE)
			add_usable(bi->mmap[i].base, bi->mmap[i].base + bi->mmap[i].len);
	/* Low memory: real-mode IVT, BDA, EBDA, option ROMs; never used. */
	memblock_reserve(0, 1ul << 20);
	/* The image from the multiboot header through .bss. */
	memblock_reserve(0x100000, virt_to_phys(__kernel_end) - 0x100000);
	memblock_reserve(mbi_phys, bi->mbi_size);
	for (unsigned int i = 0; i < bi->nr_modules; i++)
		memblock_reserve(bi->modules[i].start,
				 bi->modules[i].end - bi->modules[i].start);
}

/* Raise (or lower) the highest address memblock_alloc() may return, once more is mapped. */
void memblock_set_limit(phys_addr_t limit)
{
	alloc_limit = limit;
}

/* First reservation overlapping [base, end), or NULL. */
static const struct memblock_range *overlap(phys_addr_t base, phys_addr_t end)
{
	for (unsigned int i = 0; i < nr_reserved; i++)
		if (reserved[i].base < end && base < reserved[i].end)
			return &reserved[i];
	return NULL;
}

/*
 * First fit from the bottom: try each usable range at its aligned base;
 * on a collision with a reservation jump past that reservation and try
 * again. O(usable * reserved^2), fine for the few hundred boot calls.
 */
phys_addr_t memblock_alloc(uint64_t size, uint64_t align)
{
	size = ALIGN_UP(size, PAGE_SIZE);
	for (unsigned int i = 0; i < nr_usable; i++) {
		phys_addr_t base = ALIGN_UP(usable[i].base, align);

		while (base + size <= usable[i].end && base + size <= alloc_limit) {
			const struct memblock_range *r = overlap(base, base + size);

			if (!r) {
				memblock_reserve(base, size);
				return base;
			}
			base = ALIGN_UP(r->end, align);
		}
	}
	return 0;
}

/* The usable list itself, read-only for the caller. */
unsigned int memblock_usable(const struct memblock_range **out)
{
	*out = usable;
	return nr_usable;
}

static int cmp_base(const struct memblock_range *a, const struct memblock_range *b)
{
	return a->base < b->base ? -1 : a->base > b->base;
}

void memblock_for_each_free(void (*fn)(phys_addr_t, phys_addr_t, void *), void *arg)
{
	/* Sort reservations by base (insertion sort: a few dozen entries). */
	for (unsigned int i = 1; i < nr_reserved; i++) {
		struct memblock_range r = reserved[i];
		unsigned int j = i;

		for (; j > 0 && cmp_base(&reserved[j - 1], &r) > 0; j--)
			reserved[j] = reserved[j - 1];
		reserved[j] = r;
	}
	/*
	 * Sweep each usable range left to right: cur is the first byte not
	 * yet reported or covered. A reservation starting after cur ends a
	 * free stretch; overlapping reservations just push cur forward.
	 */
	for (unsigned int i = 0; i < nr_usable; i++) {
		phys_addr_t cur = usable[i].base;

		for (unsigned int j = 0; j < nr_reserved && cur < usable[i].end; j++) {
			if (reserved[j].end <= cur || reserved[j].base >= usable[i].end)
				continue;
			if (reserved[j].base > cur)
				fn(cur, reserved[j].base, arg);
			cur = MAX(cur, reserved[j].end);
		}
		if (cur < usable[i].end)
			fn(cur, usable[i].end, arg);
	}
}

/* The usable list is sorted, so its last range ends highest. */
phys_addr_t memblock_end_of_ram(void)
{
	return nr_usable ? usable[nr_usable - 1].end : 0;
}
