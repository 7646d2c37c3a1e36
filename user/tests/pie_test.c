/*
 * pie_test.c - a static-PIE program (ET_DYN without an interpreter, built
 * with -static-pie by user/user.mk): the kernel must load it at some base,
 * let musl's rcrt1 relocate itself, and pass a complete auxiliary vector.
 */
#include "utest.h"

#include <elf.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>

extern char _start[];

static void loaded_with_a_base(void);
/* Needs a relative relocation, which rcrt1 applies using AT_PHDR. */
static void (*const self)(void) = loaded_with_a_base;

static void loaded_with_a_base(void)
{
	/* Linked at 0: the kernel must have chosen a base above mmap_min_addr. */
	EXPECT((uintptr_t)loaded_with_a_base >= 0x10000,
	       "function at %p: not relocated", (void *)loaded_with_a_base);
	EXPECT(self == loaded_with_a_base, "relocated pointer %p, function %p",
	       (void *)self, (void *)loaded_with_a_base);
	EXPECT(getauxval(AT_PHDR) >= 0x10000, "AT_PHDR %#lx", getauxval(AT_PHDR));
}

static void auxv_complete(void)
{
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	const char *fn = (const char *)getauxval(AT_EXECFN);
	int nonzero = 0;

	EXPECT(getauxval(AT_PHENT) == sizeof(Elf64_Phdr), "AT_PHENT %lu", getauxval(AT_PHENT));
	EXPECT(getauxval(AT_PHNUM) > 0, "AT_PHNUM 0");
	EXPECT(getauxval(AT_PAGESZ) == 4096, "AT_PAGESZ %lu", getauxval(AT_PAGESZ));
	EXPECT(getauxval(AT_ENTRY) == (unsigned long)_start, "AT_ENTRY %#lx, _start %p",
	       getauxval(AT_ENTRY), (void *)_start);
	EXPECT(rnd != NULL, "no AT_RANDOM");
	for (int i = 0; rnd && i < 16; i++)
		nonzero |= rnd[i];
	EXPECT(nonzero, "AT_RANDOM bytes all zero");
	EXPECT(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid() &&
	       getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid(),
	       "AT_UID/EUID/GID/EGID disagree with get*id()");
	EXPECT(getauxval(AT_SECURE) == 0, "AT_SECURE %lu", getauxval(AT_SECURE));
	EXPECT(getauxval(AT_HWCAP) != 0, "AT_HWCAP 0");
	EXPECT(fn && strstr(fn, "pie_test"), "AT_EXECFN %s", fn ? fn : "(null)");
}

int main(void)
{
	ut_begin("pie_test");
	RUN(loaded_with_a_base);
	RUN(auxv_complete);
	return ut_end();
}
