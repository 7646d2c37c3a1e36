/*
 * compat/stdlib.h - what lwIP's `#include <stdlib.h>` gets when it is built
 * freestanding (-nostdinc). mem.c includes it for malloc(), which the port
 * replaces (lwipopts.h: mem_clib_malloc); netif.c uses atoi() to read the
 * number in an interface name such as "lo0".
 */
#ifndef PAGODA_LWIP_COMPAT_STDLIB_H
#define PAGODA_LWIP_COMPAT_STDLIB_H

static inline int atoi(const char *s)
{
	int neg = 0, v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}

#endif
