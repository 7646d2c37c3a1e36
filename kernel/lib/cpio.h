/*
 * cpio.h - a parser for cpio "newc" archives (the initramfs format).
 *
 * Pure C with no kernel dependencies: tests/host/cpio_test.c compiles
 * cpio.c unchanged. The parser only reads the buffer it is given, checks
 * every size against the end of it before use, and never allocates.
 *
 * One entry (all numbers are 8 ASCII hex digits; see cpio.c for the
 * complete header):
 *
 *   +--------------------+----------------+-----+------------+-----+
 *   | 110-byte header    | name + NUL     | pad | file data  | pad |
 *   | "070701" ino mode  | (namesize)     | to 4| (filesize) | to 4|
 *   +--------------------+----------------+-----+------------+-----+
 *
 * The archive ends with an entry named "TRAILER!!!". Several archives may
 * follow each other, separated by NUL padding, as the kernel accepts for
 * initramfs images.
 */
#ifndef KERNEL_LIB_CPIO_H
#define KERNEL_LIB_CPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPIO_HEADER_SIZE	110
#define CPIO_NAME_MAX		4096	/* namesize limit, NUL included (PATH_MAX) */

struct cpio_entry {
	const char *name;		/* NUL-terminated, inside the archive */
	uint32_t ino, mode, uid, gid, nlink, mtime;
	uint32_t devmajor, devminor, rdevmajor, rdevminor;
	const void *data;		/* file data (or a symlink's target) */
	size_t size;			/* bytes of data */
};

struct cpio_iter {
	const uint8_t *buf;
	size_t len;
	size_t off;			/* start of the next header */
	const char *error;		/* why the last cpio_next() failed */
	bool done;			/* the end was reached properly */
};

void cpio_iter_init(struct cpio_iter *it, const void *buf, size_t len);

/*
 * Parse the next entry into @e. Returns 1 for an entry, 0 when the last
 * archive ended properly (its TRAILER!!! and only NUL bytes after it), or
 * -EINVAL for a malformed archive, with it->error set. Trailer entries are
 * not returned. Once it has ended or failed, it keeps saying so.
 */
int cpio_next(struct cpio_iter *it, struct cpio_entry *e);

#endif
