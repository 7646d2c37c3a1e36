/*
 * arch/cc.h - lwIP's compiler and platform port for Pagoda (lwIP reads it
 * through lwip/arch.h as "arch/cc.h").
 *
 * lwIP is built freestanding (-nostdinc, see the Makefile): integer types
 * come from GCC's own <stdint.h>/<stddef.h>, the string functions from
 * kernel/lib (through compat/string.h), and nothing from the host's C
 * library. So the optional headers lwIP would include - <inttypes.h>,
 * <limits.h>, <unistd.h>, <ctype.h> - are switched off here and the few
 * things they give are defined below.
 *
 * Diagnostics go to printk; a failed LWIP_ASSERT is a kernel panic, as a
 * failed BUG_ON would be (lwIP asserts its own invariants, never on
 * packet contents).
 */
#ifndef PAGODA_LWIP_ARCH_CC_H
#define PAGODA_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#define LWIP_NO_INTTYPES_H	1
#define LWIP_NO_LIMITS_H	1
#define LWIP_NO_UNISTD_H	1
#define LWIP_NO_CTYPE_H		1	/* lwIP's own isdigit() & co. */

/* printf formats for lwIP's u8_t ... u32_t and size_t (debug output). */
#define X8_F	"02x"
#define U16_F	"u"
#define S16_F	"d"
#define X16_F	"x"
#define U32_F	"u"
#define S32_F	"d"
#define X32_F	"x"
#define SZT_F	"lu"

/* What <limits.h> would give; SSIZE_MAX also says ssize_t exists. */
#define INT_MAX		__INT_MAX__
#define SSIZE_MAX	__LONG_MAX__
typedef int64_t ssize_t;		/* as kernel/types.h */

#define BYTE_ORDER	LITTLE_ENDIAN
/* lwIP's byte swaps: GCC's builtins are one instruction each. */
#define lwip_htons(x)	__builtin_bswap16(x)
#define lwip_htonl(x)	__builtin_bswap32(x)

/* Random numbers (DNS ids and ports, DHCP xids): kernel/random.c. */
uint32_t pagoda_lwip_rand(void);
#define LWIP_RAND()	pagoda_lwip_rand()

/* Output and assertions (kernel/net/lwip/sys_arch.c). */
void pagoda_lwip_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void pagoda_lwip_assert(const char *msg, const char *file, int line);
#define LWIP_PLATFORM_DIAG(x)		do { pagoda_lwip_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x)		pagoda_lwip_assert((x), __FILE__, __LINE__)

/* SYS_ARCH_PROTECT's saved state (sys_arch.c: an irq-saving spinlock). */
typedef unsigned long sys_prot_t;

#endif
