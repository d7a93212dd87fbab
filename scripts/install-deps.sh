#!/bin/sh
# Installs the Debian packages ftpcfg needs to build and test, when missing.
# Used by `make demo`, `make check` and .ci/run; safe to run again.
set -eu

# build: compilers, pkg-config and the libraries (README "Dependencies")
# tests: cmocka, nft (loads our rendered text), iproute2 and util-linux
# (namespaces), openssl (throwaway TLS keys), curl and lftp (FTP clients),
# cppcheck (lint), libxml2-utils (xmllint for the schema), jq (compares `nft -j`
# listings without their handles)
PKGS="make gcc clang pkg-config libxml2-dev libxslt1-dev libnftnl-dev libmnl-dev
libjansson-dev libcmocka-dev nftables iproute2 util-linux openssl curl lftp cppcheck
libxml2-utils ca-certificates jq"

missing=
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "ftpcfg: missing Debian packages:$missing" >&2
	echo "ftpcfg: install them as root: apt-get install$missing" >&2
	exit 1
fi
echo "installing:$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
