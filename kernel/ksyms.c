/*
 * ksyms.c - binary search over the generated symbol table (see ksyms.h).
 */
#include "kernel/ksyms.h"
#include <arch/memlayout.h>

extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_names[];

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
	uint64_t lo = 0, hi = ksyms_count;

	if (addr < (uint64_t)__text_start || addr >= (uint64_t)__text_end || !hi)
		return 0;
	/* Find the last symbol with address <= addr. */
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;

		if (ksyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksyms_addrs[lo] > addr)
		return 0;
	*offset = addr - ksyms_addrs[lo];
	return ksyms_names + ksyms_name_off[lo];
}
