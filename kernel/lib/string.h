/*
 * string.h - the freestanding memory and string helpers the kernel links.
 *
 * Pure C with no kernel dependencies, so tests/host can compile string.c
 * unchanged. The kernel is built without SSE, so these are plain loops and
 * "rep movs/stos" idioms left to the compiler; performance-critical page
 * clearing and copying live in arch code (arch/x86_64/include/arch/page.h).
 */
#ifndef KERNEL_LIB_STRING_H
#define KERNEL_LIB_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
size_t strlcpy(char *dst, const char *src, size_t size);

#endif
