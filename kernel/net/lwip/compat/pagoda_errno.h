/*
 * compat/pagoda_errno.h - the errno numbers lwIP's err_to_errno() maps its
 * err_t values to (lwipopts.h: LWIP_ERRNO_INCLUDE): Linux's, from the same
 * UAPI header kernel/errno.h uses, so a lwIP error reaches user space as
 * the errno a Linux program expects. Only api/err.c includes it; the
 * Makefile lets that one file see /usr/include, last, for this header.
 */
#ifndef PAGODA_LWIP_COMPAT_ERRNO_H
#define PAGODA_LWIP_COMPAT_ERRNO_H

#include <asm-generic/errno.h>

#endif
