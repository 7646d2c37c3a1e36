#!/bin/sh
# apt-source.sh - fetch and unpack a Debian source package at build time, so
# third-party source (libcap2, lwIP, ...) never has to be committed.
#
#   tools/apt-source.sh PACKAGE DESTDIR
#
# Design: the machine's own apt configuration is only read, never written.
# A private configuration lives under build/apt/ of this repository:
#   sources.list   deb-src lines derived from every enabled `deb` entry of
#                  /etc/apt/sources.list, sources.list.d/*.list (one-line
#                  format) and sources.list.d/*.sources (deb822), keeping
#                  each entry's signed-by keyring;
#   parts/         an empty Dir::Etc::SourceParts, so /etc/apt/sources.list.d
#                  is not read a second time;
#   lists/, cache/, status   its own index lists, caches and an empty dpkg
#                  status file, so `apt-get update` touches nothing in
#                  /var/lib/apt or /var/cache/apt;
#   dl/PACKAGE/    the downloaded .dsc and tarballs, kept: a later unpack of
#                  the same package needs no network.
# DESTDIR is unpacked with dpkg-source -x (dpkg-dev) into a temporary
# directory and renamed into place, so a DESTDIR holding debian/control is a
# complete tree and the script then does nothing.
# dpkg-source may print "gpgv: Can't check signature: No public key" for the
# .dsc (no debian-keyring here): harmless, as apt has already checked every
# downloaded file's hash against the archive's signed Sources index.
# Run as root (apt-get update needs it to hand the download to user _apt).
set -e

die() { echo "apt-source: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 PACKAGE DESTDIR"
pkg=$1
dest=$2
[ -f "$dest/debian/control" ] && exit 0

root=$(cd "$(dirname "$0")/.." && pwd)
aptdir=$root/build/apt
dl=$aptdir/dl/$pkg

# Print "deb-src [opts] uri suite comps" for each enabled one-line `deb`.
oneline_sources() {
	sed -n 's/^[ 	]*deb[ 	]\{1,\}/deb-src /p' "$@" 2>/dev/null | sed 's/[ 	]*#.*$//'
}

# Same for deb822 paragraphs with `Types: deb`: one line per URI x suite.
deb822_sources() {
	awk '
	function flush(   i, j, nu, ns, u, s, opt) {
		if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
			opt = (signed ~ /^\// ? "[signed-by=" signed "] " : "")
			nu = split(uris, u, " "); ns = split(suites, s, " ")
			for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
				print "deb-src " opt u[i] " " s[j] (s[j] ~ /\/$/ ? "" : " " comps)
		}
		types = uris = suites = comps = signed = enabled = ""
	}
	/^#/ { next }
	/^[ \t]*$/ { flush(); next }
	/^[ \t]/ { next }              # continuation (an inline key): ignored
	{
		key = tolower($1); sub(/^[^:]*:[ \t]*/, ""); gsub(/[ \t]+/, " ")
		if (key == "types:") types = $0
		else if (key == "uris:") uris = $0
		else if (key == "suites:") suites = $0
		else if (key == "components:") comps = $0
		else if (key == "signed-by:") signed = $0
		else if (key == "enabled:") enabled = $0
	}
	END { flush() }' "$@" 2>/dev/null
}

make_config() {
	mkdir -p "$aptdir/parts" "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
	: > "$aptdir/status"
	{
		[ -f /etc/apt/sources.list ] && oneline_sources /etc/apt/sources.list
		for f in /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] && oneline_sources "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] && deb822_sources "$f"
		done
	} | awk '!seen[$0]++' > "$aptdir/sources.list.new"
	[ -s "$aptdir/sources.list.new" ] || die "no deb entries in /etc/apt to derive deb-src from"
	mv "$aptdir/sources.list.new" "$aptdir/sources.list"
}

apt_private() {
	apt-get -q \
		-o Dir::Etc::SourceList="$aptdir/sources.list" \
		-o Dir::Etc::SourceParts="$aptdir/parts" \
		-o Dir::State::Lists="$aptdir/lists" \
		-o Dir::State::Status="$aptdir/status" \
		-o Dir::Cache="$aptdir/cache" \
		"$@"
}

# Download PACKAGE's source files into $dl unless a previous run did.
download() {
	for f in "$dl"/*.dsc; do [ -f "$f" ] && return 0; done
	make_config
	# An unreachable third-party entry must not stop us: apt-get source
	# below fails clearly if the package really is not to be found.
	apt_private update || echo "apt-source: apt-get update reported errors, trying anyway" >&2
	rm -rf "$dl.tmp"
	mkdir -p "$dl.tmp"
	# Let the sandboxed downloader (user _apt) write here, as apt prefers.
	chown _apt "$dl.tmp" 2>/dev/null || true
	(cd "$dl.tmp" && apt_private source --download-only "$pkg")
	chown -R 0:0 "$dl.tmp"
	mv "$dl.tmp" "$dl"
}

download
for dsc in "$dl"/*.dsc; do break; done
rm -rf "$dest.tmp"
mkdir -p "$(dirname "$dest")"
command -v dpkg-source >/dev/null 2>&1 ||
	die "dpkg-source missing: install dpkg-dev (tools/install-deps.sh does)"
dpkg-source -q -x "$dsc" "$dest.tmp"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "apt-source: $(basename "$dsc" .dsc) unpacked in $dest"
