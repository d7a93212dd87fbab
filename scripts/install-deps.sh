#!/bin/sh
# Installs the Debian packages ftpcfg needs to build and test, when missing.
# Used by `make demo`, `make check` and .ci/run; safe to run again.
set -eu

# build: compilers, pkg-config and the libraries (README "Dependencies"; libnftables-dev:
# nft's own printer, for rules someone else put into ftpcfg's chains)
# tests: cmocka, nft (loads our rendered text), iproute2 and util-linux
# (namespaces), openssl (throwaway TLS keys), curl and lftp (FTP clients),
# cppcheck (lint), libxml2-utils (xmllint for the schema), jq (compares `nft -j`
# listings without their handles), strace (fault injection at every system
# call), debhelper/dpkg-dev/fakeroot/lintian (the Debian package), mandoc and
# scdoc (man pages), bash-completion and zsh (completion tests),
# python3-jsonschema (every JSON output checked against its schema),
# systemd (systemd-analyze verify of the unit), iptables, ufw, firewalld and
# dbus (living beside the host's firewall managers), ansible-core (the
# collection's playbook tests), nettle-dev (SHA-256 of managed files and state)
# and shellcheck (lint of the test and build scripts)
PKGS="make gcc clang pkg-config libxml2-dev libxslt1-dev libnftnl-dev libmnl-dev libnftables-dev
libjansson-dev libcmocka-dev nftables iproute2 util-linux openssl curl lftp cppcheck
libxml2-utils ca-certificates jq strace debhelper dpkg-dev fakeroot lintian mandoc
scdoc bash-completion zsh python3-jsonschema systemd iptables ufw firewalld dbus
ansible-core nettle-dev shellcheck"

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
# Installing dbus or firewalld must not start a service on the host: a
# policy-rc.d that says no (exit 101) for the length of the install, unless
# the host already has one of its own.
policy=/usr/sbin/policy-rc.d
ours=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# ftpcfg install-deps: no service starts while installing\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	ours=1
fi
rc=0
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?
[ -n "$ours" ] && rm -f "$policy"
exit "$rc"
