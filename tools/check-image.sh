#!/bin/sh
# check-image.sh - sanity checks on the linked kernel: the multiboot2 header
# must sit in the first 32 KiB of the file (the spec's search window), and
# report the image size.
set -e
elf="$1"
off=$(od -A d -t x4 -w4 -v "$elf" | awk '$2 == "e85250d6" { print $1; exit }')
if [ -z "$off" ] || [ "$off" -ge 32768 ]; then
	echo "check-image: multiboot2 header not in the first 32 KiB of $elf" >&2
	exit 1
fi
size -A "$elf" | awk '/^\.(text|rodata|data|bss|boot) / { t += $2 } END { printf "  IMAGE   %s: %d KiB loaded (text+rodata+data+bss+boot)\n", "'"$elf"'", t / 1024 }'
