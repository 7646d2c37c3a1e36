#!/bin/sh
# mkinitramfs.sh - pack a staging directory (plus an optional extra
# directory laid over it) into a reproducible cpio "newc" initramfs.
#
#   tools/mkinitramfs.sh <out.cpio> <staging-dir> [extra-dir]
#
# Both trees are copied into a scratch directory, keeping modes and
# relative paths (extra-dir wins on a clash).  Every entry gets the same
# fixed mtime, the names are sorted bytewise, owners are forced to root
# and inode/device numbers are renumbered (cpio --reproducible), so the
# same inputs always give the same bytes.  Names are stored without a
# leading "./" and there is no "." entry.  Called from user/user.mk.
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 <out.cpio> <staging-dir> [extra-dir]" >&2
	exit 2
fi
out=$1
staging=$2
extra=${3:-}

for d in "$staging" ${extra:+"$extra"}; do
	if [ ! -d "$d" ]; then
		echo "mkinitramfs: $d: not a directory" >&2
		exit 1
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mkinitramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/root"
cp -a "$staging/." "$work/root/"
if [ -n "$extra" ]; then
	cp -a "$extra/." "$work/root/"
fi
# mkdir under a umask may have dropped bits: the root dir itself is 0755.
chmod 0755 "$work/root"
find "$work/root" -exec touch -h -d @0 {} +

tmp_out="$out.tmp.$$"
(
	cd "$work/root"
	find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort |
		cpio -o -H newc --owner=0:0 --reproducible --quiet
) > "$tmp_out"
mv "$tmp_out" "$out"
