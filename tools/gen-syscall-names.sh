#!/bin/sh
# gen-syscall-names.sh - turn the UAPI <asm/unistd_64.h> into a C table of
# system-call names, so the kernel can log an unimplemented call by name.
# Usage: tools/gen-syscall-names.sh > build/gen/syscall_names.h
set -e
hdr=$(echo '#include <asm/unistd_64.h>' | ${CC:-gcc} -E -H -x c - 2>&1 >/dev/null |
	grep 'unistd_64.h' | head -1 | sed 's/^\.* *//')
[ -r "$hdr" ] || { echo "gen-syscall-names: cannot find asm/unistd_64.h" >&2; exit 1; }
echo "/* Generated from $hdr by tools/gen-syscall-names.sh. */"
echo "static const char *const syscall_names[] = {"
sed -n 's/^#define __NR_\([a-z0-9_]*\)[ 	]\+\([0-9]\+\)$/	[\2] = "\1",/p' "$hdr"
echo "};"
