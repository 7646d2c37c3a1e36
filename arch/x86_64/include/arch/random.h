/*
 * arch/random.h - the CPU's own random-number instructions, for seeding.
 *
 * RDRAND returns output of the CPU's DRBG; RDSEED returns conditioned
 * entropy straight from its noise source (Intel SDM vol. 1, 7.3.17). Either
 * may fail transiently (CF=0), so callers retry a few times. Availability:
 *
 *   CPUID.01H:ECX bit 30   RDRAND
 *   CPUID.07H.0:EBX bit 18 RDSEED
 *
 * kernel/random.c mixes these with TSC readings; it never trusts them alone
 * to be present.
 */
#ifndef ARCH_RANDOM_H
#define ARCH_RANDOM_H

#include <arch/cpu.h>
#include <stdbool.h>
#include <stdint.h>

#define CPUID1_ECX_RDRAND	(1u << 30)
#define CPUID7_EBX_RDSEED	(1u << 18)
#define ARCH_RANDOM_RETRIES	10

static inline bool arch_has_rdrand(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return c & CPUID1_ECX_RDRAND;
}

static inline bool arch_has_rdseed(void)
{
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a < 7)
		return false;
	cpuid(7, 0, &a, &b, &c, &d);
	return b & CPUID7_EBX_RDSEED;
}

/* One RDRAND value into *v; false if the CPU had none ready. */
static inline bool arch_rdrand64(uint64_t *v)
{
	for (int i = 0; i < ARCH_RANDOM_RETRIES; i++) {
		bool ok;

		__asm__ __volatile__("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
		if (ok)
			return true;
	}
	return false;
}

/* One RDSEED value into *v; false if the noise source had none ready. */
static inline bool arch_rdseed64(uint64_t *v)
{
	for (int i = 0; i < ARCH_RANDOM_RETRIES; i++) {
		bool ok;

		__asm__ __volatile__("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
		if (ok)
			return true;
		arch_cpu_relax();
	}
	return false;
}

#endif
