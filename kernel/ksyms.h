/*
 * ksyms.h - kernel symbol lookup for backtraces.
 *
 * The table is generated at build time from the linked kernel (two-pass
 * link, see the Makefile and tools/gen-ksyms.sh): sorted function addresses
 * plus offsets into one string blob.
 */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stdint.h>

/* Name of the function containing @addr and the offset into it, or NULL. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

#endif
