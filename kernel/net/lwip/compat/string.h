/*
 * compat/string.h - what lwIP's `#include <string.h>` gets when it is built
 * freestanding (-nostdinc): the kernel's own string functions.
 */
#ifndef PAGODA_LWIP_COMPAT_STRING_H
#define PAGODA_LWIP_COMPAT_STRING_H

#include "kernel/lib/string.h"

#endif
