#!/bin/sh
# gen-syscall-names.sh - turn the UAPI <asm/unistd_64.h> into a C table of
# system-call names, so the kernel can log an unimplemented call by name.
# Usage: tools/gen-syscall-names.sh > build/gen/syscall_names.h
#
# Debian 12's headers are Linux 6.1's; the calls Linux added up to 6.12
# (the kernel whose selftests Pagoda runs: mseal, cachestat, ...) are
# listed below from 6.12's arch/x86/entry/syscalls/syscall_64.tbl and
# added when the host's header lacks them.
set -e
hdr=$(echo '#include <asm/unistd_64.h>' | ${CC:-gcc} -E -H -x c - 2>&1 >/dev/null |
	grep 'unistd_64.h' | head -1 | sed 's/^\.* *//')
[ -r "$hdr" ] || { echo "gen-syscall-names: cannot find asm/unistd_64.h" >&2; exit 1; }
NEWER="451 cachestat
452 fchmodat2
453 map_shadow_stack
454 futex_wake
455 futex_wait
456 futex_requeue
457 statmount
458 listmount
459 lsm_get_self_attr
460 lsm_set_self_attr
461 lsm_list_modules
462 mseal"
echo "/* Generated from $hdr (and Linux 6.12's newer numbers) by tools/gen-syscall-names.sh. */"
echo "static const char *const syscall_names[] = {"
sed -n 's/^#define __NR_\([a-z0-9_]*\)[ 	]\+\([0-9]\+\)$/	[\2] = "\1",/p' "$hdr"
echo "$NEWER" | while read -r nr name; do
	grep -q "^#define __NR_$name[ 	]" "$hdr" || echo "	[$nr] = \"$name\","
done
echo "};"
