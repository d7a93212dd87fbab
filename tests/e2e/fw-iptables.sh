#!/bin/sh
# ftpcfg's iptables backend on a host of plain iptables (iptables-nft)
# with policy DROP on INPUT and on OUTPUT, and no RELATED,ESTABLISHED rule
# of its own: everything FTP needs (control, both data modes, both
# families, in and out) passes by the ct mark alone, through ftpcfg-input
# and ftpcfg-output.  Its reload: iptables-restore of its own
# iptables-save.  Also: without the jump into ftpcfg-output, active and
# passive transfers fail (why the chain is there), and ftpcfg restore puts
# it back; a restore of a save taken before ftpcfg's apply takes the rules
# away, status shows it as drift and the next apply puts them back; a
# reboot whose iptables rules come back from that save, then ftpcfg
# restore.  See tests/e2e/lib-fw.sh.
# shellcheck disable=SC2317,SC2086 # cases run through t(); $U is split on purpose
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
		srv $tool -w -A OUTPUT -o lo -j ACCEPT
		srv $tool -w -A OUTPUT -p tcp --sport 22 -j ACCEPT
		srv $tool -w -P OUTPUT DROP
	done
	# IPv6 needs neighbour discovery; an IPv6 host with policy DROP allows ICMPv6.
	srv ip6tables -w -A INPUT -p ipv6-icmp -j ACCEPT
	srv ip6tables -w -A OUTPUT -p ipv6-icmp -j ACCEPT
	srv iptables-save >"$tmp/saved-before-apply"
	srv ip6tables-save >"$tmp/saved6-before-apply"
}

# The boot's own load of the host's rules (what netfilter-persistent
# does): iptables-restore of the save taken before ftpcfg's apply.
boot_iptables() {
	srv iptables-restore <"$tmp/saved-before-apply"
	srv ip6tables-restore <"$tmp/saved6-before-apply"
	srv iptables -w -S OUTPUT | grep -q -- '-P OUTPUT DROP' || die "OUTPUT is not on DROP after the boot"
}

# The jump into ftpcfg-output is what lets FTP out: without it (IPv4) an
# active transfer and a passive one both fail, the control connection's
# replies included; status shows the missing jump; ftpcfg restore (what a
# restart of netfilter-persistent runs) puts back exactly it.
m_output_needed() {
	grep -q '^-A OUTPUT -j ftpcfg-output$' "$tmp/tools" || die "OUTPUT does not jump to ftpcfg-output"
	srv iptables -w -D OUTPUT -j ftpcfg-output
	T_REFUSE=8
	ftp_refused on1 "ftp://10.200.0.1/payload.bin" -P - --disable-eprt $U
	ftp_refused on2 "ftp://10.200.0.1/payload.bin" --disable-epsv $U
	srv "$FTPCFG" --root "$R" status >"$tmp/status" || true
	cat "$tmp/status"
	grep -q '+ iptables rule in ip filter OUTPUT: -I OUTPUT 1 -j ftpcfg-output' "$tmp/status" ||
		die "status does not show the missing jump as drift"
	srv "$FTPCFG" --root "$R" --json restore --no-reload >"$tmp/restore.json"
	cat "$tmp/restore.json"
	json_check 0 "$tmp/restore.json"
	jq -e '.outcome == "restored" and .messages == 0 and .integration.restored and
		.integration.changes == ["+ iptables rule in ip filter OUTPUT: -I OUTPUT 1 -j ftpcfg-output"]' \
		"$tmp/restore.json" >/dev/null || die "restore did not put back exactly the jump"
	m_port on3 10.200.0.1 $U
	m_pasv on4 10.200.0.1 $U
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

fw_scenario "plain iptables, policy DROP in and out" iptables-nft setup_iptables reload_restore
t "without the jump into ftpcfg-output FTP fails; restore puts it back" m_output_needed
t "rollback leaves iptables-save as it was before ftpcfg" m_back_to_before rollback
t "apply again" fw_apply
t "a restore of a save from before apply: drift shown, apply puts the rule back" m_old_save
fw_reboot_scenario boot_iptables
t "remove leaves iptables-save as it was before ftpcfg" m_back_to_before remove
e2e_done fw-iptables
