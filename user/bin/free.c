/*
 * free.c - /bin/free: show memory use from /proc/meminfo, as procps.
 *
 *	free [-k | -m]		(KiB by default)
 *
 * buff/cache is Buffers + Cached + SReclaimable; "available" is
 * MemAvailable when the kernel provides it, else free + buff/cache; and
 * used = total - available, as procps 4 computes it.  Missing fields
 * count as 0.
 */
#include <stdio.h>
#include <string.h>

struct meminfo {
	long total, free, avail, buffers, cached, sreclaim, shmem;
	long swap_total, swap_free;
	int have_avail;
};

static int read_meminfo(struct meminfo *m)
{
	char line[128], key[64];
	long v;
	FILE *f = fopen("/proc/meminfo", "r");

	memset(m, 0, sizeof(*m));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^:]: %ld", key, &v) != 2)
			continue;
		if (!strcmp(key, "MemTotal"))
			m->total = v;
		else if (!strcmp(key, "MemFree"))
			m->free = v;
		else if (!strcmp(key, "MemAvailable")) {
			m->avail = v;
			m->have_avail = 1;
		} else if (!strcmp(key, "Buffers"))
			m->buffers = v;
		else if (!strcmp(key, "Cached"))
			m->cached = v;
		else if (!strcmp(key, "SReclaimable"))
			m->sreclaim = v;
		else if (!strcmp(key, "Shmem"))
			m->shmem = v;
		else if (!strcmp(key, "SwapTotal"))
			m->swap_total = v;
		else if (!strcmp(key, "SwapFree"))
			m->swap_free = v;
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	struct meminfo m;
	long cache, used, div = 1;

	if (argc > 1 && !strcmp(argv[1], "-m"))
		div = 1024;
	else if (argc > 1 && strcmp(argv[1], "-k")) {
		fprintf(stderr, "usage: free [-k | -m]\n");
		return 2;
	}
	if (read_meminfo(&m) < 0) {
		perror("free: /proc/meminfo");
		return 1;
	}
	cache = m.buffers + m.cached + m.sreclaim;
	if (!m.have_avail)
		m.avail = m.free + cache;
	used = m.total - m.avail;
	if (used < 0)
		used = m.total - m.free;
	printf("%-7s %11s %11s %11s %11s %11s %11s\n", "", "total", "used", "free",
	       "shared", "buff/cache", "available");
	printf("%-7s %11ld %11ld %11ld %11ld %11ld %11ld\n", "Mem:",
	       m.total / div, used / div, m.free / div, m.shmem / div,
	       cache / div, m.avail / div);
	printf("%-7s %11ld %11ld %11ld\n", "Swap:", m.swap_total / div,
	       (m.swap_total - m.swap_free) / div, m.swap_free / div);
	return 0;
}
