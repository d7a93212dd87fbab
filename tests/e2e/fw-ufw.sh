#!/bin/sh
# ftpcfg's iptables backend on a host with Debian's ufw enabled, default
# deny incoming, SSH allowed (ufw allow 22/tcp); ufw has no rule for FTP:
# FTP passes by ftpcfg's ct mark.  Its reload: `ufw reload`; also
# `ufw disable` + `ufw enable`.  A reboot: ufw's boot (ufw-init start)
# loads its rules from its files, then ftpcfg restore puts back the
# table and the jumps.  ufw writes /etc/ufw: a copy of it (and
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
# The copies over the originals, in the server's mount namespace; again
# after a reboot (fw_reboot calls it with the new holder).
fw_after_boot() {
	srv mount --bind "$tmp/ufw/etc" /etc/ufw || fail "cannot bind the copy of /etc/ufw"
	srv mount --bind "$tmp/ufw/lib" /usr/lib/ufw || fail "cannot bind the copy of /usr/lib/ufw"
	srv mount --bind "$tmp/ufw/default" /etc/default/ufw || fail "cannot bind the copy of /etc/default/ufw"
}
fw_after_boot
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

# The boot: what ufw.service runs (ufw-init start), which loads ufw's
# rules from its files (enabled, default deny, 22/tcp) and knows nothing
# of ftpcfg's chains.
boot_ufw() {
	srv grep -q '^ENABLED=yes' /etc/ufw/ufw.conf || die "ufw is not enabled in its files"
	srv /usr/lib/ufw/ufw-init start
	srv ufw status | grep -q 'Status: active' || die "ufw is not active after its boot"
	srv iptables -w -S INPUT | grep -q -- '-P INPUT DROP' || die "ufw did not set INPUT to DROP"
}

fw_scenario "ufw enabled, default deny" ufw setup_ufw reload_ufw
fw_reboot_scenario boot_ufw
t "rollback leaves iptables-save as it was before ftpcfg" m_back_to_before rollback
t "apply again" fw_apply
t "remove leaves iptables-save as it was before ftpcfg" m_back_to_before remove
e2e_done fw-ufw
