#!/bin/sh
# fetch-lwip.sh - fetch and unpack Debian's lwip source package (lwIP
# 2.1.3+dfsg1, the TCP/IP stack the kernel runs) into build/lwip/, so no
# lwIP source is ever committed.
#
#   tools/fetch-lwip.sh        (the Makefile runs it through a stamp file)
#
# tools/apt-source.sh does the work with a private apt configuration under
# build/apt/ (the system's apt setup is only read); dpkg-source applies
# Debian's patches. The dfsg repack drops only doc/doxygen/output, so
# src/core, src/core/ipv4, src/api, src/netif and src/include are complete.
# The Makefile compiles a fixed list of files from build/lwip/src with
# Pagoda's kernel/net/lwip/lwipopts.h and arch/ port (kernel/net/lwip/).
# Run as root (apt-get update); a second run with build/lwip/ in place does
# nothing, and one with only build/apt/dl/lwip/ left needs no network.
set -e

root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/build/lwip

"$root/tools/apt-source.sh" lwip "$dest"
# The kernel's banner line says 2.1.3: refuse another version rather than
# build against headers the port was not written for.
# (lwIP's files have CRLF line ends.)
h=$dest/src/include/lwip/init.h
grep -q '^#define LWIP_VERSION_MAJOR *2[[:space:]]*$' "$h" &&
grep -q '^#define LWIP_VERSION_MINOR *1[[:space:]]*$' "$h" ||
	{ echo "fetch-lwip: $dest is not lwIP 2.1.x" >&2; exit 1; }
