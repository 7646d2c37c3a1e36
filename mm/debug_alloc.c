/*
 * debug_alloc.c - the debug allocator's core: the boot option, compact
 * call chains, bug reports, and poisoned free pages.
 *
 * debug_alloc=1 on the command line turns it on for the whole boot (every
 * make check image has it; make run and make bench do not). It is read
 * once in page_alloc_init(), before the first frame is freed, and never
 * changes, so "is it on?" is one load of a read-mostly bool.
 *
 * Pages. Freeing fills every frame of the block with 0xaa (PAGE_POISON,
 * as Linux's page_poison) and records, per frame, the free call chain and
 * the state "free, poisoned". Allocation checks each frame that is in that
 * state: any byte that is not 0xaa was written after the free - a
 * use-after-free - and the report names the frame, the first bad offset,
 * the bytes there and who freed it. A frame never freed since boot (the
 * buddy got it straight from memblock) has no poison to check. Freeing a
 * frame already in the "free" state is a double free, caught even after
 * the buddy allocator merged it into a bigger block.
 *
 *   page_debug[pfn]  (one per frame, max_pfn of them, from memblock)
 *   +------------------------------+-------+
 *   | free chain: 5 x u32 offsets  | state |   24 bytes
 *   +------------------------------+-------+
 *
 * That is 24 bytes per 4 KiB frame (0.6% of RAM: 3 MiB for 512 MiB).
 * The state and the chain belong to whoever owns the frame: the freeing
 * caller writes them before the block enters the free lists, the
 * allocating caller after buddy_alloc() handed it out, so no lock guards
 * them (a racing double free of one frame may go unseen; the buddy's own
 * BUG_ON still stands behind it).
 *
 * Nothing writes a free frame legitimately: the boot scrub (page_alloc.c)
 * writes frames it has allocated, GFP_ZERO clears after the check, and the
 * buddy allocator keeps its lists in struct page, not in the frame.
 *
 * Reports are built in one buffer under report_lock, printed, then
 * panic(). A ktest may ask to catch them instead (debug_alloc_catch_*):
 * the report is still printed, marked as expected, counted and kept, and
 * the detector repairs what it found and carries on.
 *
 * Slab objects: slab_debug.c. Hooks: page_alloc.c, slab.c.
 */
#include "mm/debug_alloc.h"
#include "mm/memblock.h"
#include "mm/page_alloc.h"
#include <arch/memlayout.h>
#include <arch/stacktrace.h>
#include "kernel/cmdline.h"
#include "kernel/compiler.h"
#include "kernel/ksyms.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/task.h"

bool debug_alloc_enabled;

enum page_debug_state {
	PAGE_DBG_NEVER,			/* not freed since boot: no poison */
	PAGE_DBG_FREE,			/* in the buddy allocator, poisoned */
	PAGE_DBG_ALLOCATED,		/* handed out after a free */
};

struct page_debug {
	struct dbg_stack free;		/* who freed it last */
	uint32_t state;			/* enum page_debug_state */
};
_Static_assert(sizeof(struct page_debug) == 24, "page_debug: 24 bytes a frame");

static struct page_debug *page_debug;	/* [max_pfn]; owner of the frame */

static size_t debug_page_table_bytes_for(pfn_t pfns)
{
	return ALIGN_UP(pfns * sizeof(struct page_debug), PAGE_SIZE);
}

void debug_alloc_init(void)
{
	char val[8];
	phys_addr_t pa;
	size_t bytes;

	if (!cmdline_get("debug_alloc", val, sizeof(val)) || strcmp(val, "1"))
		return;
	bytes = debug_page_table_bytes_for(max_pfn);
	pa = memblock_alloc(bytes, PAGE_SIZE);
	if (!pa) {
		printk("debug_alloc: no room for a %zu KiB frame table: off\n", bytes >> 10);
		return;
	}
	page_debug = phys_to_virt(pa);
	memset(page_debug, 0, bytes);
	debug_alloc_enabled = true;
	printk("debug_alloc: page poisoning, slab redzones+poison, free tracking on "
	       "(frame table %zu KiB)\n", bytes >> 10);
}

size_t debug_page_table_bytes(void)
{
	return page_debug ? debug_page_table_bytes_for(max_pfn) : 0;
}

/* ---- call chains ---- */

void dbg_stack_format(char *buf, size_t len, const struct dbg_stack *s)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < DBG_STACK_DEPTH && s->pc[i] && used < len; i++) {
		uint64_t addr = (uint64_t)__text_start + s->pc[i], off = 0;
		const char *name = ksyms_lookup(addr, &off);

		if (name)
			used += snprintf(buf + used, len - used, "%s%s+0x%lx",
					 i ? " <- " : "", name, off);
		else
			used += snprintf(buf + used, len - used, "%s%lx", i ? " <- " : "", addr);
	}
	if (!buf[0])
		snprintf(buf, len, "(none)");
}

/* ---- reports ---- */

static spinlock_t report_lock = SPINLOCK_INIT(report_lock);	/* report_buf, report_len, catch_* */
static unsigned long report_flags;
static char report_buf[2048];
static size_t report_len;
static bool catching;
static unsigned int catch_count;
static char catch_buf[1024];

void dbg_report_begin(void)
{
	unsigned long f = spin_lock_irqsave(&report_lock);

	report_flags = f;
	report_len = 0;
	report_buf[0] = '\0';
}

void dbg_report_printf(const char *fmt, ...)
{
	va_list ap;

	if (report_len >= sizeof(report_buf) - 1)
		return;
	va_start(ap, fmt);
	report_len += vsnprintf(report_buf + report_len, sizeof(report_buf) - report_len, fmt, ap);
	va_end(ap);
	if (report_len > sizeof(report_buf) - 1)
		report_len = sizeof(report_buf) - 1;
}

void dbg_report_chain(const char *what, const struct dbg_stack *s)
{
	char chain[384];

	dbg_stack_format(chain, sizeof(chain), s);
	dbg_report_printf("  %s: %s\n", what, chain);
}

void dbg_report_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;

	dbg_report_printf("  bytes:");
	for (size_t i = 0; i < n; i++)
		dbg_report_printf(" %02x", b[i]);
	dbg_report_printf("\n");
}

/* printk the report a line at a time (printk's own buffer is shorter). */
static void print_report(void)
{
	for (const char *p = report_buf; *p; ) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		printk("%.*s\n", len, p);
		p += len + (nl != NULL);
	}
}

void dbg_report_end(const char *title)
{
	unsigned long f = report_flags;

	if (catching) {
		if (catch_count++ == 0)
			strlcpy(catch_buf, report_buf, sizeof(catch_buf));
		printk("debug_alloc: a test expects this report:\n");
		print_report();
		spin_unlock_irqrestore(&report_lock, f);
		return;
	}
	print_report();
	panic("debug_alloc: %s", title);
}

void debug_alloc_catch_begin(void)
{
	unsigned long f = spin_lock_irqsave(&report_lock);

	catching = true;
	catch_count = 0;
	catch_buf[0] = '\0';
	spin_unlock_irqrestore(&report_lock, f);
}

unsigned int debug_alloc_catch_end(char *buf, size_t len)
{
	unsigned long f = spin_lock_irqsave(&report_lock);
	unsigned int n = catch_count;

	catching = false;
	strlcpy(buf, catch_buf, len);
	spin_unlock_irqrestore(&report_lock, f);
	return n;
}

/* ---- pages ---- */

static const uint64_t poison_word = 0x0101010101010101ull * PAGE_POISON;

/* Offset of the first byte of frame @va that is not PAGE_POISON, or -1. */
static long first_unpoisoned(const void *va)
{
	const uint64_t *w = va;

	for (size_t i = 0; i < PAGE_SIZE / 8; i++) {
		if (w[i] == poison_word)
			continue;
		for (size_t b = i * 8; ; b++)
			if (((const unsigned char *)va)[b] != PAGE_POISON)
				return (long)b;
	}
	return -1;
}

void debug_page_alloc(struct page *page, unsigned int order)
{
	pfn_t pfn = page_to_pfn(page);

	for (pfn_t i = pfn; i < pfn + (1ul << order); i++) {
		struct page_debug *d = &page_debug[i];
		const unsigned char *va = phys_to_virt((phys_addr_t)i << PAGE_SHIFT);
		long bad;

		if (d->state == PAGE_DBG_FREE && (bad = first_unpoisoned(va)) >= 0) {
			dbg_report_begin();
			dbg_report_printf("BUG: use-after-free: page poison corrupted\n"
					  "  pfn %#lx (allocating order %u at pfn %#lx), "
					  "first bad byte at offset %#lx\n",
					  (unsigned long)i, order, (unsigned long)pfn, bad);
			dbg_report_bytes(va + ALIGN_DOWN(bad, 16), 16);
			dbg_report_chain("freed at", &d->free);
			dbg_report_end("BUG: use-after-free (page poison corrupted)");
		}
		d->state = PAGE_DBG_ALLOCATED;
	}
}

/*
 * Check the poison of every free frame now, not just when one is
 * allocated: a use-after-free is found close to the code that did it
 * (runall asks after each test program) rather than whenever the frame
 * is next handed out, perhaps minutes later. @bad is called for each
 * written-over frame (frame, first bad offset, its 16 bytes around it,
 * the free chain); the poison is then restored so the frame is reported
 * once. Returns the number of free frames checked. No lock: a frame
 * allocated while we look may seem written, so a hit is believed only if
 * the frame is still free and still written once we look again.
 */
unsigned long debug_page_poison_scan(void (*bad)(void *arg, unsigned long pfn, long off,
						 const unsigned char *bytes,
						 const struct dbg_stack *freed),
				     void *arg)
{
	unsigned long checked = 0;

	if (!page_debug)
		return 0;
	for (pfn_t i = 0; i < max_pfn; i++) {
		struct page_debug *d = &page_debug[i];
		unsigned char *va;
		unsigned char bytes[16];
		struct dbg_stack chain;
		long off;

		if ((i & 4095) == 0)
			cond_resched();		/* 512 MiB take a while under TCG */
		if (READ_ONCE(d->state) != PAGE_DBG_FREE)
			continue;
		checked++;
		va = phys_to_virt((phys_addr_t)i << PAGE_SHIFT);
		if (first_unpoisoned(va) < 0)
			continue;
		chain = d->free;
		off = first_unpoisoned(va);
		if (off < 0 || READ_ONCE(d->state) != PAGE_DBG_FREE)
			continue;		/* allocated meanwhile (or freed again) */
		memcpy(bytes, va + ALIGN_DOWN(off, 16), sizeof(bytes));
		if (READ_ONCE(d->state) != PAGE_DBG_FREE)
			continue;
		bad(arg, (unsigned long)i, off, bytes, &chain);
		/* Report it once. A racing allocator would check it anyway. */
		if (READ_ONCE(d->state) == PAGE_DBG_FREE)
			memset(va, PAGE_POISON, PAGE_SIZE);
	}
	return checked;
}

bool debug_page_free(struct page *page, unsigned int order)
{
	pfn_t pfn = page_to_pfn(page);
	struct dbg_stack chain;

	if (page_debug[pfn].state == PAGE_DBG_FREE) {
		dbg_report_begin();
		dbg_report_printf("BUG: double free of page pfn %#lx (order %u)\n",
				  (unsigned long)pfn, order);
		dbg_report_chain("first freed at", &page_debug[pfn].free);
		dbg_report_printf("  freed again at: the call trace below\n");
		dbg_report_end("BUG: double free of a page");
		return false;
	}
	/* Skip ourselves and free_pages(): the chain starts at its caller. */
	dbg_stack_save(&chain, 2);
	memset(page_address(page), PAGE_POISON, PAGE_SIZE << order);
	for (pfn_t i = pfn; i < pfn + (1ul << order); i++) {
		page_debug[i].free = chain;
		page_debug[i].state = PAGE_DBG_FREE;
	}
	return true;
}

void debug_page_refcount_underflow(struct page *page)
{
	pfn_t pfn = page_to_pfn(page);

	dbg_report_begin();
	dbg_report_printf("BUG: put_page: refcount underflow (%d) on pfn %#lx "
			  "(a page freed twice)\n", page_count(page), (unsigned long)pfn);
	if (page_debug)
		dbg_report_chain(page_debug[pfn].state == PAGE_DBG_FREE ?
				 "freed at" : "last freed at", &page_debug[pfn].free);
	dbg_report_printf("  put again at: the call trace below\n");
	dbg_report_end("BUG: put_page refcount underflow");
}
