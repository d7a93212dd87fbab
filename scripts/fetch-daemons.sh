#!/bin/sh
# Fetch Debian's FTP daemons and unpack them under tests/cache/daemons/ so
# the daemon checks can run each daemon's own config parser.  Nothing is
# installed: `apt-get download` + `dpkg-deb -x` only, never dpkg -i.
#
# Usage: scripts/fetch-daemons.sh [CACHE_DIR]
# Prints nothing on success unless a package had to be fetched.  Running it
# again does nothing when every package is already unpacked.
# The daemon binaries need a few libraries a build host usually lacks; they
# are unpacked under CACHE_DIR/lib/ (see `daemon_env` in tests/daemon/*.sh).
set -eu

cache=${1:-$(cd "$(dirname "$0")/.." && pwd)/tests/cache/daemons}

# The daemons themselves, then the shared libraries they link that a
# minimal Debian 12 lacks (ldd says which; libsodium23 is for pure-ftpd and
# mod_tls).
daemons="vsftpd proftpd-core proftpd-mod-crypto pure-ftpd pure-ftpd-common"
libs="libwrap0 libhiredis0.14 libmemcached11 libmemcachedutil2 libhashkit2 libpcre2-posix3 libsodium23"

missing=
for p in $daemons $libs; do
	[ -f "$cache/$p/.unpacked" ] || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

command -v apt-get >/dev/null || { echo "fetch-daemons: apt-get not found" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "fetch-daemons: dpkg-deb not found" >&2; exit 1; }

mkdir -p "$cache/debs"
dl=$(mktemp -d "$cache/debs/dl.XXXXXX")
trap 'rm -rf "$dl"' EXIT
# apt's sandbox user cannot write into a root-owned temp dir; let it in.
chmod 0777 "$dl"

fetch() {
	(cd "$dl" && apt-get download -q "$@")
}

echo "fetch-daemons: downloading$missing" >&2
# shellcheck disable=SC2086
if ! fetch $missing >"$dl/log" 2>&1; then
	# A fresh container has no package lists yet.
	echo "fetch-daemons: download failed; running apt-get update" >&2
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	fetch $missing >"$dl/log" 2>&1 || { cat "$dl/log" >&2; exit 1; }
fi

for p in $missing; do
	deb=$(find "$dl" -maxdepth 1 -name "${p}_*.deb" | head -n 1)
	[ -n "$deb" ] || { echo "fetch-daemons: $p was not downloaded" >&2; exit 1; }
	rm -rf "${cache:?}/$p"
	mkdir -p "$cache/$p"
	dpkg-deb -x "$deb" "$cache/$p"
	mv "$deb" "$cache/debs/"
	touch "$cache/$p/.unpacked"
done

# One directory with every library the daemons need, for LD_LIBRARY_PATH.
mkdir -p "$cache/lib"
for p in $libs; do
	for so in "$cache/$p"/usr/lib/*/*.so.* "$cache/$p"/lib/*/*.so.*; do
		[ -e "$so" ] || continue
		ln -sf "$so" "$cache/lib/"
	done
done
