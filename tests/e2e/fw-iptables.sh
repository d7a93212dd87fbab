#!/bin/sh
# ftpcfg's iptables backend on a host of plain iptables (iptables-nft)
# with policy DROP and no RELATED,ESTABLISHED rule of its own: everything
# FTP needs (control, both data modes, both families) passes by the ct
# mark alone.  Its reload: iptables-restore of its own iptables-save.
# Also: a restore of a save taken before ftpcfg's apply takes the rule
# away; status shows it as drift and the next apply puts it back.
# See tests/e2e/lib-fw.sh.
# shellcheck disable=SC2317 # cases run through t()
set -eu
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/lib-fw.sh
. "$(dirname "$0")/lib-fw.sh"
e2e_setup

setup_iptables() {
	for tool in iptables ip6tables; do
		srv $tool -w -A INPUT -i lo -j ACCEPT
		srv $tool -w -A INPUT -p tcp --dport 22 -j ACCEPT
		srv $tool -w -P INPUT DROP
	done
	# IPv6 needs neighbour discovery; an IPv6 host with policy DROP allows ICMPv6.
	srv ip6tables -w -A INPUT -p ipv6-icmp -j ACCEPT
	srv iptables-save >"$tmp/saved-before-apply"
	srv ip6tables-save >"$tmp/saved6-before-apply"
}

# The administrator's reload: restore what iptables-save printed now.
reload_restore() {
	srv iptables-save >"$tmp/saved"
	srv ip6tables-save >"$tmp/saved6"
	srv iptables-restore <"$tmp/saved"
	srv ip6tables-restore <"$tmp/saved6"
}

# A restore of a save from before ftpcfg: its chain is gone, FTP is
# blocked, status says what the next apply changes back, apply does.
m_old_save() {
	srv iptables-restore <"$tmp/saved-before-apply"
	srv ip6tables-restore <"$tmp/saved6-before-apply"
	expect_probe timeout 10.200.0.1 21
	srv "$FTPCFG" --root "$R" status >"$tmp/status" || true
	cat "$tmp/status"
	grep -q '+ iptables chain in ip filter: -N ftpcfg-input' "$tmp/status" ||
		die "status does not show the missing chain as drift"
	srv "$FTPCFG" --root "$R" apply --no-reload "$tmp/site.xml"
	m_pasv o1 10.200.0.1 $U
	m_port o2 10.200.0.1 $U
}

fw_scenario "plain iptables, policy DROP" iptables-nft setup_iptables reload_restore
t "rollback leaves iptables-save as it was before ftpcfg" m_back_to_before rollback
t "apply again" fw_apply
t "a restore of a save from before apply: drift shown, apply puts the rule back" m_old_save
t "remove leaves iptables-save as it was before ftpcfg" m_back_to_before remove
e2e_done fw-iptables
