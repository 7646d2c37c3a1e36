#!/bin/sh
# build-libcap-musl.sh - build a static libcap.a against musl, for user
# programs linked with -lcap (the mm selftests memfd_secret and
# mlock-random-test). Debian ships no musl libcap, so it is built from
# Debian's libcap2 source package, fetched at build time by apt-source.sh.
#
#   tools/build-libcap-musl.sh OUTDIR
#
# installs
#   OUTDIR/lib/libcap.a                the library (libcap only: no libpsx,
#                                      no shared object, no Go, no progs)
#   OUTDIR/include/sys/capability.h    libcap's header
#   OUTDIR/include/linux/capability.h  the kernel header copy it ships and
#                                      includes (self-contained: needs only
#                                      <stdint.h>, which musl has)
#   OUTDIR/lib/pkgconfig/libcap.pc
# Use: musl-gcc -static -I OUTDIR/include prog.c OUTDIR/lib/libcap.a
#
# Design: libcap's own Makefile does the work (`make -C libcap
# install-static-cap`), with CC=musl-gcc for the library and BUILD_CC=gcc for
# _makenames, the host helper that generates cap_names.h. USE_GPERF=no keeps
# the build the same whether or not gperf is installed (cap_text.c then
# looks names up in its table). PTHREADS=no, GOLANG=no and SHARED=no stop the
# Makefile probing for Go and building libpsx or libcap.so. The pristine
# source under build/src/ is copied to a scratch directory for each build,
# so no stale object survives a change of flags. Nothing is done when
# OUTDIR/lib/libcap.a is newer than this script.
set -e

die() { echo "build-libcap-musl: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
mkdir -p "$1"
out=$(cd "$1" && pwd)
lib=$out/lib/libcap.a

if [ -f "$out/include/sys/capability.h" ] &&
   [ -n "$(find "$lib" -newer "$here/build-libcap-musl.sh" 2>/dev/null)" ]; then
	exit 0
fi
command -v musl-gcc >/dev/null 2>&1 || die "musl-gcc missing (apt-get install musl-tools)"

src=$root/build/src/libcap2
work=$root/build/obj/libcap2-musl
"$here/apt-source.sh" libcap2 "$src"

rm -rf "$work"
mkdir -p "$(dirname "$work")"
cp -R "$src" "$work"
make -C "$work/libcap" -j2 install-static-cap \
	CC=musl-gcc BUILD_CC=gcc AR=ar RANLIB=ranlib \
	USE_GPERF=no PTHREADS=no GOLANG=no SHARED=no \
	prefix="$out" lib=lib FAKEROOT= DESTDIR=
install -D -m 0644 "$work/libcap/include/uapi/linux/capability.h" \
	"$out/include/linux/capability.h"
touch "$lib"
echo "build-libcap-musl: $(sed -n '1s/^\([^ ]*\) (\([^)]*\)).*/\1 \2/p' \
	"$src/debian/changelog") built into $out"
