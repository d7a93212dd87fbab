#!/bin/sh
# ftpcfg's iptables backend on a host with Debian's ufw enabled, default
# deny incoming, SSH allowed (ufw allow 22/tcp); ufw has no rule for FTP:
# FTP passes by ftpcfg's ct mark.  Its reload: `ufw reload`; also
# `ufw disable` + `ufw enable`.  ufw writes /etc/ufw: a copy of it (and
# of /etc/default/ufw and /usr/lib/ufw) is bound over the original in
# the server's private mount namespace.  See tests/e2e/lib-fw.sh.
# shellcheck disable=SC2317 # cases run through t()
set -eu
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/lib-fw.sh
. "$(dirname "$0")/lib-fw.sh"
e2e_setup
command -v ufw >/dev/null || fail "ufw not found (scripts/install-deps.sh installs it)"

mkdir -p "$tmp/ufw/etc" "$tmp/ufw/lib"
cp -a /etc/ufw/. "$tmp/ufw/etc/"
cp -a /usr/lib/ufw/. "$tmp/ufw/lib/"
cp /etc/default/ufw "$tmp/ufw/default"
srv mount --bind "$tmp/ufw/etc" /etc/ufw
srv mount --bind "$tmp/ufw/lib" /usr/lib/ufw
srv mount --bind "$tmp/ufw/default" /etc/default/ufw
srv grep -q '^ENABLED=no' /etc/ufw/ufw.conf || fail "the copy of /etc/ufw is not in place"

setup_ufw() {
	srv ufw allow 22/tcp
	srv ufw --force enable
	srv ufw status verbose
	srv iptables -w -S INPUT | grep -q -- '-P INPUT DROP' || die "ufw did not set INPUT to DROP"
}

reload_ufw() {
	srv ufw reload
	srv ufw --force disable
	srv ufw --force enable
	srv ufw status | grep -q 'Status: active' || die "ufw is not active"
}

fw_scenario "ufw enabled, default deny" ufw setup_ufw reload_ufw
t "rollback leaves iptables-save as it was before ftpcfg" m_back_to_before rollback
t "apply again" fw_apply
t "remove leaves iptables-save as it was before ftpcfg" m_back_to_before remove
e2e_done fw-ufw
