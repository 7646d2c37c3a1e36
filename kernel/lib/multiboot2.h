/*
 * multiboot2.h - parse the boot information GRUB hands to the kernel.
 *
 * The multiboot2 information (MBI) is a size-prefixed list of 8-byte aligned
 * tags (Multiboot2 specification, section 3.6):
 *
 *   +-------------------+
 *   | u32 total_size    |  includes this 8-byte header
 *   | u32 reserved      |
 *   +-------------------+
 *   | u32 type | u32 size | payload ...  (padded to 8 bytes)  tag
 *   | ...               |
 *   | type 0, size 8    |  end tag
 *   +-------------------+
 *
 * mb2_parse() copies what the kernel needs into a struct boot_info, checking
 * every size against the buffer, so a corrupt MBI yields -EINVAL instead of
 * a wild read. Pure C: tests/host/multiboot2_test.c runs it on crafted input.
 */
#ifndef KERNEL_LIB_MULTIBOOT2_H
#define KERNEL_LIB_MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC	0x36d76289

/* Tag types we read. */
#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_LOADER_NAME	2
#define MB2_TAG_MODULE		3
#define MB2_TAG_BASIC_MEMINFO	4
#define MB2_TAG_MMAP		6
#define MB2_TAG_FRAMEBUFFER	8
#define MB2_TAG_ACPI_OLD	14
#define MB2_TAG_ACPI_NEW	15

/* Memory-map entry types. */
#define MB2_MEM_AVAILABLE	1
#define MB2_MEM_RESERVED	2
#define MB2_MEM_ACPI_RECLAIM	3
#define MB2_MEM_NVS		4
#define MB2_MEM_BADRAM		5

#define BOOT_MAX_MMAP		128
#define BOOT_MAX_MODULES	16
#define BOOT_CMDLINE_MAX	512
#define BOOT_NAME_MAX		64

struct boot_mem_region {
	uint64_t base, len;
	uint32_t type;
};

struct boot_module {
	uint64_t start, end;		/* physical [start, end) */
	char cmdline[BOOT_NAME_MAX];
};

struct boot_framebuffer {
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, type;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

struct boot_info {
	uint32_t mbi_size;
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[BOOT_NAME_MAX];
	bool has_mmap;
	unsigned int nr_mmap;
	struct boot_mem_region mmap[BOOT_MAX_MMAP];
	unsigned int nr_modules;
	struct boot_module modules[BOOT_MAX_MODULES];
	bool has_fb;
	struct boot_framebuffer fb;
	int rsdp_version;		/* 0 none, 1 ACPI 1.0 RSDP, 2 XSDP */
	uint32_t rsdp_len;
	uint8_t rsdp[64];		/* copy of the RSDP structure */
	uint32_t mem_lower_kb, mem_upper_kb;
};

/*
 * Parse the MBI at @mbi, of which @avail bytes may be read. Returns 0, or
 * -EINVAL if the header or any tag is malformed (the struct is then only
 * partly filled). Unknown tags are skipped. Strings are truncated to fit.
 */
int mb2_parse(const void *mbi, size_t avail, struct boot_info *out);

/*
 * The kernel's first decision: was it started by a multiboot2 loader
 * (@magic from eax) with usable boot information at @mbi? Parses into @bi.
 * Returns NULL when the kernel can go on, else the message to print before
 * halting (bad magic, malformed information, no memory map).
 */
const char *mb2_boot_check(uint32_t magic, const void *mbi, size_t avail,
			   struct boot_info *bi);

/* Sum of the lengths of memory-map entries of @type, in bytes. */
uint64_t mb2_mem_total(const struct boot_info *bi, uint32_t type);

#endif
