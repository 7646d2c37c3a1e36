/*
 * cap_util.h - capability helpers shared by the user ABI tests: capget(2)
 * and capset(2) in Linux's _LINUX_CAPABILITY_VERSION_3 ABI, spelled out
 * here because musl ships no <linux/capability.h>.
 *
 * Version 3 passes two data words; capability N is bit N % 32 of word
 * N / 32:
 *
 *	d[0]: caps 0..31	d[1]: caps 32..63
 *
 * A test that wants a limit root would bypass (RLIMIT_MEMLOCK, ...) drops
 * the capability from its effective set, exactly as on Linux, best in a
 * forked child so the rest of the program keeps it.
 */
#ifndef CAP_UTIL_H
#define CAP_UTIL_H

#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

struct cap_header {
	uint32_t version;
	int pid;			/* 0: the calling process */
};
struct cap_data {
	uint32_t effective, permitted, inheritable;
};
#define CAP_VERSION_3	0x20080522

/* This process's capability sets into @d; 0, or -1 with errno. */
static int __attribute__((unused)) cap_get_self(struct cap_data d[2])
{
	struct cap_header h = { CAP_VERSION_3, 0 };

	return syscall(SYS_capget, &h, d);
}

/* Drop capability @cap from this process's effective set; 0, or -1 with errno. */
static int __attribute__((unused)) cap_drop_effective(int cap)
{
	struct cap_header h = { CAP_VERSION_3, 0 };
	struct cap_data d[2];

	if (cap_get_self(d) < 0)
		return -1;
	d[cap / 32].effective &= ~(1u << (cap % 32));
	return syscall(SYS_capset, &h, d);
}

#endif
