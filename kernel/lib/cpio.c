/*
 * cpio.c - parse cpio "newc" (070701) and "crc" (070702) archives.
 *
 * Header layout (every field 8 hex digits, no NUL, 110 bytes in all):
 *
 *   offset  0  magic "070701" (or "070702": data checksum in "check")
 *           6  ino       14 mode      22 uid       30 gid
 *          38  nlink     46 mtime     54 filesize  62 devmajor
 *          70  devminor  78 rdevmajor 86 rdevminor 94 namesize
 *         102  check
 *
 * The name starts right after the header and header+name is padded to a
 * multiple of 4 bytes; so is the data. Sizes come from untrusted input:
 * each one is compared with what is left of the buffer (never added to an
 * offset first), so no sum can overflow. A missing final padding is
 * tolerated. See cpio.h for the interface; initramfs: kernel/fs/initramfs.c.
 */
#include "kernel/lib/cpio.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"

enum cpio_field {
	F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR,
	F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK, F_COUNT,
};

static const char trailer[] = "TRAILER!!!";

void cpio_iter_init(struct cpio_iter *it, const void *buf, size_t len)
{
	it->buf = buf;
	it->len = len;
	it->off = 0;
	it->error = NULL;
	it->done = false;
}

static int cpio_fail(struct cpio_iter *it, const char *why)
{
	it->error = why;	/* it->off stays at the bad entry */
	return -EINVAL;
}

/* Parse 8 hex digits; false if any is not one. */
static bool parse_hex8(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (uint32_t)(c - 'A' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

/* @off rounded up to 4, but never past the end of the buffer. */
static size_t pad4(const struct cpio_iter *it, size_t off)
{
	size_t up = (off + 3) & ~(size_t)3;

	return up > it->len || up < off ? it->len : up;
}

/* Skip NUL padding after a trailer; true if only padding was left. */
static bool skip_padding(struct cpio_iter *it)
{
	while (it->off < it->len && it->buf[it->off] == 0)
		it->off++;
	return it->off == it->len;
}

static uint32_t data_sum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	while (n--)
		sum += *p++;
	return sum;
}

/* Header at it->off into @f[]; 0 or -EINVAL. */
static int parse_header(struct cpio_iter *it, uint32_t f[F_COUNT], bool *crc)
{
	const uint8_t *h = it->buf + it->off;

	if (it->len - it->off < CPIO_HEADER_SIZE)
		return cpio_fail(it, "truncated header");
	if (memcmp(h, "070701", 6) && memcmp(h, "070702", 6))
		return cpio_fail(it, "bad magic (not newc)");
	*crc = h[5] == '2';
	for (int i = 0; i < F_COUNT; i++)
		if (!parse_hex8(h + 6 + 8 * i, &f[i]))
			return cpio_fail(it, "bad hex digit in header");
	return 0;
}

int cpio_next(struct cpio_iter *it, struct cpio_entry *e)
{
	uint32_t f[F_COUNT];
	size_t name_off, data_off;
	bool crc;

	for (;;) {
		if (it->error)
			return -EINVAL;
		if (it->done)
			return 0;
		if (it->off >= it->len)
			return cpio_fail(it, "missing TRAILER!!!");
		if (parse_header(it, f, &crc))
			return -EINVAL;
		name_off = it->off + CPIO_HEADER_SIZE;
		if (f[F_NAMESIZE] == 0 || f[F_NAMESIZE] > CPIO_NAME_MAX)
			return cpio_fail(it, "bad name size");
		if (f[F_NAMESIZE] > it->len - name_off)
			return cpio_fail(it, "name past the end");
		e->name = (const char *)it->buf + name_off;
		if (strnlen(e->name, f[F_NAMESIZE]) != f[F_NAMESIZE] - 1)
			return cpio_fail(it, "name not NUL-terminated where namesize says");
		data_off = pad4(it, name_off + f[F_NAMESIZE]);
		if (f[F_FILESIZE] > it->len - data_off)
			return cpio_fail(it, "file data past the end");
		e->data = it->buf + data_off;
		e->size = f[F_FILESIZE];
		if (crc && data_sum(e->data, e->size) != f[F_CHECK])
			return cpio_fail(it, "checksum mismatch");
		it->off = pad4(it, data_off + e->size);
		if (strcmp(e->name, trailer)) {
			e->ino = f[F_INO];
			e->mode = f[F_MODE];
			e->uid = f[F_UID];
			e->gid = f[F_GID];
			e->nlink = f[F_NLINK];
			e->mtime = f[F_MTIME];
			e->devmajor = f[F_DEVMAJOR];
			e->devminor = f[F_DEVMINOR];
			e->rdevmajor = f[F_RDEVMAJOR];
			e->rdevminor = f[F_RDEVMINOR];
			return 1;
		}
		if (skip_padding(it)) {
			it->done = true;
			return 0;
		}
		/* Another archive follows the trailer: go on with it. */
	}
}
