/*
 * cmdline.c - lookup of options on the kernel command line.
 *
 * The line is copied once at boot (the multiboot2 memory is reused later);
 * lookups scan it word by word, which is fine for a few dozen options.
 */
#include "kernel/cmdline.h"
#include "kernel/lib/string.h"

static char cmdline[512];

void cmdline_init(const char *s)
{
	strlcpy(cmdline, s ? s : "", sizeof(cmdline));
}

const char *cmdline_raw(void)
{
	return cmdline;
}

/* Find @key as a whole word; returns a pointer just past it or NULL. */
static const char *find_key(const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = cmdline; *p; ) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, klen) == 0 && (p[klen] == ' ' || p[klen] == '=' ||
						   p[klen] == '\0'))
			return p + klen;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

bool cmdline_has(const char *key)
{
	return find_key(key) != NULL;
}

bool cmdline_get(const char *key, char *buf, size_t size)
{
	const char *p = find_key(key);
	size_t n = 0;

	if (!p || *p != '=' || size == 0)
		return false;
	p++;
	while (p[n] && p[n] != ' ' && n + 1 < size) {
		buf[n] = p[n];
		n++;
	}
	buf[n] = '\0';
	return true;
}

bool cmdline_get_ulong(const char *key, unsigned long *out)
{
	char buf[24];
	unsigned long v = 0;

	if (!cmdline_get(key, buf, sizeof(buf)) || !buf[0])
		return false;
	for (const char *p = buf; *p; p++) {
		if (*p < '0' || *p > '9' || v > (~0ul - 9) / 10)
			return false;		/* not a number, or too big */
		v = v * 10 + (unsigned long)(*p - '0');
	}
	*out = v;
	return true;
}
