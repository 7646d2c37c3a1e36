#!/bin/sh
# install-deps.sh - install the host tools Pagoda needs (Debian/Ubuntu).
#
#   tools/install-deps.sh          install whatever is missing (idempotent)
#   tools/install-deps.sh --check  exit 0 if everything is there, else 1
#
# `make run` and `make check` call this themselves when a tool is missing,
# so a new user never has to. Uses sudo when not root.
set -e

PACKAGES="gcc make binutils python3 linux-libc-dev grub-common grub-pc-bin
grub-efi-amd64-bin xorriso mtools ovmf qemu-system-x86 util-linux gdb musl-tools cpio
xz-utils dpkg-dev patch"

# What each package provides, as commands or files we can test for.
NEEDED="gcc ld make python3 grub-mkrescue xorriso mformat qemu-system-x86_64 setpriv gdb
musl-gcc cpio xz dpkg-source patch
/usr/include/asm-generic/errno.h /usr/lib/grub/i386-pc/multiboot2.mod
/usr/lib/grub/x86_64-efi/multiboot2.mod /usr/share/OVMF/OVMF_CODE.fd"

missing() {
	for n in $NEEDED; do
		case "$n" in
		/*) [ -e "$n" ] || echo "$n" ;;
		*) command -v "$n" >/dev/null 2>&1 || echo "$n" ;;
		esac
	done
}

m=$(missing)
if [ "$1" = "--check" ]; then
	[ -z "$m" ] && exit 0
	echo "install-deps: missing: $(echo $m)" >&2
	exit 1
fi
if [ -z "$m" ]; then
	echo "install-deps: everything is installed"
	exit 0
fi
echo "install-deps: missing: $(echo $m)"
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: no apt-get; install these packages by hand: $(echo $PACKAGES)" >&2
	exit 1
fi
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# shellcheck disable=SC2086
$SUDO apt-get install -y --no-install-recommends $PACKAGES
m=$(missing)
if [ -n "$m" ]; then
	echo "install-deps: still missing after install: $(echo $m)" >&2
	exit 1
fi
echo "install-deps: done"
