/*
 * multiboot2.c - the multiboot2 boot-information parser (see multiboot2.h).
 *
 * Invariant: no read ever goes past mbi + min(total_size, avail). Each tag is
 * checked to hold at least its fixed fields before they are read, and the
 * memory-map entry_size must be at least 24 bytes (the spec allows larger
 * entries for future fields, so we step by entry_size, not sizeof).
 */
#include "kernel/lib/multiboot2.h"
#include "kernel/lib/string.h"

#include <asm-generic/errno-base.h>

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Copy a string that must end inside [s, s+max) into dst (truncating). */
static void copy_str(char *dst, size_t dstsz, const uint8_t *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int parse_mmap(const uint8_t *t, uint32_t size, struct boot_info *bi)
{
	uint32_t esz;

	if (size < 16)
		return -EINVAL;
	esz = rd32(t + 8);
	if (esz < 24 || esz % 8)
		return -EINVAL;
	/* written as size - off so a huge entry_size cannot wrap around */
	for (uint32_t off = 16; size - off >= esz; off += esz) {
		if (bi->nr_mmap == BOOT_MAX_MMAP)
			break;
		struct boot_mem_region *r = &bi->mmap[bi->nr_mmap++];

		r->base = rd64(t + off);
		r->len = rd64(t + off + 8);
		r->type = rd32(t + off + 16);
	}
	bi->has_mmap = true;
	return 0;
}

static int parse_fb(const uint8_t *t, uint32_t size, struct boot_info *bi)
{
	struct boot_framebuffer *fb = &bi->fb;

	if (size < 31)
		return -EINVAL;
	fb->addr = rd64(t + 8);
	fb->pitch = rd32(t + 16);
	fb->width = rd32(t + 20);
	fb->height = rd32(t + 24);
	fb->bpp = t[28];
	fb->type = t[29];
	if (fb->type == 1) {		/* direct RGB: colour info follows */
		if (size < 38)
			return -EINVAL;
		fb->red_pos = t[32];
		fb->red_size = t[33];
		fb->green_pos = t[34];
		fb->green_size = t[35];
		fb->blue_pos = t[36];
		fb->blue_size = t[37];
	}
	bi->has_fb = true;
	return 0;
}

static int parse_tag(uint32_t type, const uint8_t *t, uint32_t size,
		     struct boot_info *bi)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		copy_str(bi->cmdline, sizeof(bi->cmdline), t + 8, size - 8);
		return 0;
	case MB2_TAG_LOADER_NAME:
		copy_str(bi->loader, sizeof(bi->loader), t + 8, size - 8);
		return 0;
	case MB2_TAG_MODULE:
		if (size < 16)
			return -EINVAL;
		if (bi->nr_modules < BOOT_MAX_MODULES) {
			struct boot_module *m = &bi->modules[bi->nr_modules++];

			m->start = rd32(t + 8);
			m->end = rd32(t + 12);
			copy_str(m->cmdline, sizeof(m->cmdline), t + 16, size - 16);
			if (m->end < m->start)
				return -EINVAL;
		}
		return 0;
	case MB2_TAG_BASIC_MEMINFO:
		if (size < 16)
			return -EINVAL;
		bi->mem_lower_kb = rd32(t + 8);
		bi->mem_upper_kb = rd32(t + 12);
		return 0;
	case MB2_TAG_MMAP:
		return parse_mmap(t, size, bi);
	case MB2_TAG_FRAMEBUFFER:
		return parse_fb(t, size, bi);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW: {
		uint32_t len = size - 8;
		int version = type == MB2_TAG_ACPI_NEW ? 2 : 1;

		if (len < 20)
			return -EINVAL;
		if (version < bi->rsdp_version)	/* prefer the XSDP */
			return 0;
		if (len > sizeof(bi->rsdp))
			len = sizeof(bi->rsdp);
		memcpy(bi->rsdp, t + 8, len);
		bi->rsdp_len = len;
		bi->rsdp_version = version;
		return 0;
	}
	default:
		return 0;		/* unknown or unused tag */
	}
}

int mb2_parse(const void *mbi, size_t avail, struct boot_info *bi)
{
	const uint8_t *base = mbi;
	uint32_t total;

	memset(bi, 0, sizeof(*bi));
	if (!mbi || avail < 8 || ((uintptr_t)mbi & 7))
		return -EINVAL;
	total = rd32(base);
	if (total < 16 || total > avail)
		return -EINVAL;
	bi->mbi_size = total;

	for (uint32_t off = 8; off + 8 <= total; ) {
		uint32_t type = rd32(base + off);
		uint32_t size = rd32(base + off + 4);

		if (size < 8 || size > total - off)
			return -EINVAL;
		if (type == MB2_TAG_END)
			return 0;
		int err = parse_tag(type, base + off, size, bi);

		if (err)
			return err;
		off += (size + 7) & ~7u;
	}
	return -EINVAL;			/* ran off the end without an end tag */
}

uint64_t mb2_mem_total(const struct boot_info *bi, uint32_t type)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < bi->nr_mmap; i++)
		if (bi->mmap[i].type == type)
			sum += bi->mmap[i].len;
	return sum;
}

const char *mb2_boot_check(uint32_t magic, const void *mbi, size_t avail,
			   struct boot_info *bi)
{
	if (magic != MB2_BOOTLOADER_MAGIC)
		return "bad multiboot2 magic: not started by a multiboot2 boot loader";
	if (mb2_parse(mbi, avail, bi))
		return "malformed multiboot2 boot information";
	if (!bi->has_mmap || bi->nr_mmap == 0)
		return "the boot loader gave no memory map";
	if (mb2_mem_total(bi, MB2_MEM_AVAILABLE) == 0)
		return "the memory map lists no usable RAM";
	return NULL;
}
