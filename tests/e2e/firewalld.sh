#!/bin/sh
# <firewall backend="firewalld"/> against a real firewalld (Debian's, with
# its default zone, nftables backend) on a private system bus, in the
# server's network and mount namespaces, with Debian's vsftpd and curl:
# FTP is closed by firewalld before; after apply a passive download works
# and firewalld holds ftpcfg's rich rules in runtime and permanent config;
# firewall-cmd --reload keeps it working; status shows a rule taken away
# as drift; an apply that fails after the integration step puts firewalld
# back as it was; taking the backend away (the same site with
# backend="nftables") leaves firewalld's runtime and permanent
# configuration exactly as it was before; rollback brings the rules back;
# a reboot (a fresh network namespace, a new private bus, firewalld started
# from its permanent configuration), then ftpcfg restore: the table comes
# back, a runtime rich rule taken away after the boot is put back, FTP
# works; a zone it lacks is refused at the site's line; zone="internal"
# bound to the client's source gets the rules instead of the default
# zone, and a site back on the default zone moves them.
set -eu
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# fw_reboot; this script's own fw_site and cases below replace lib-fw.sh's.
# shellcheck source=tests/e2e/lib-fw.sh
. "$(dirname "$0")/lib-fw.sh"

command -v firewalld >/dev/null 2>&1 || { echo "SKIP: firewalld is not installed"; exit 77; }
command -v dbus-daemon >/dev/null 2>&1 || { echo "SKIP: dbus-daemon is not installed"; exit 77; }
e2e_setup

# In the server's namespaces without the daemons' library path (firewalld is Python).
fsrv() {
	nsenter -t "$holder" -m -n -- "$@"
}

fw_up() {
	fsrv firewall-cmd --state >/dev/null 2>&1
}

# firewalld's whole configuration as firewall-cmd shows it, and its files.
fw_snapshot() {
	{
		fsrv firewall-cmd --list-all-zones
		echo "== permanent"
		fsrv firewall-cmd --permanent --list-all-zones
	} >"$1"
}

# No file under /etc/firewalld names anything of ftpcfg's (firewalld keeps
# a zone's file once it was changed permanently, the same zone as before,
# and its own backup of the version before the last change, *.old).
fw_files_clean() {
	if fsrv grep -r -l --exclude='*.old' 'priority="4654"' /etc/firewalld; then
		die "a firewalld file still holds ftpcfg's rules"
	fi
}

# A private copy of /etc/firewalld (the nftables backend: iptables' table
# flush at every reload is firewalld 1.3.3's, not ours to test), a private
# system bus on the holder's tmpfs /run, then firewalld in the foreground.
start_firewalld() {
	cp -a /etc/firewalld "$tmp/fwetc"
	sed -i 's/^FirewallBackend=.*/FirewallBackend=nftables/' "$tmp/fwetc/firewalld.conf"
	grep -q '^FirewallBackend=nftables$' "$tmp/fwetc/firewalld.conf" || die "cannot set FirewallBackend"
	boot_firewalld
}

# The private /etc/firewalld (its permanent configuration, kept across a
# reboot), a private system bus, firewalld.
boot_firewalld() {
	fsrv mount --bind "$tmp/fwetc" /etc/firewalld || die "cannot put a private /etc/firewalld in place"
	fsrv mkdir -p /run/dbus
	fsrv dbus-daemon --system --nofork --nopidfile >"$tmp/log/dbus" 2>&1 &
	started $!
	wait_for 50 fsrv test -S /run/dbus/system_bus_socket || { cat "$tmp/log/dbus"; die "no private system bus"; }
	fsrv firewalld --nofork --nopid >"$tmp/log/firewalld" 2>&1 &
	fwpid=$!
	started "$fwpid"
	wait_for 150 fw_up || { cat "$tmp/log/firewalld"; die "firewalld did not come up"; }
	echo "firewalld is running (pid $fwpid), default zone $(fsrv firewall-cmd --get-default-zone)"
}

# fw_site FILE BACKEND [ZONE]
fw_site() {
	zone=
	[ -z "${3:-}" ] || zone=" zone=\"$3\""
	cat >"$1" <<-EOF
	<site name="e2e" version="1">
	  <firewall backend="$2"$zone/>
	  <server name="ftp" daemon="vsftpd" mode="passive">
	    <listen address="10.200.0.1"/>
	    <passive min-port="40000" max-port="40019"/>
	    <users local="yes"/>
	    <allow><network>10.200.0.2/32</network><network>10.200.0.4/30</network><network>10.200.0.8/29</network></allow>
	  </server>
	</site>
	EOF
}

# Nothing but firewalld keeps a listener on port 21 from the client.
m_closed() {
	got=$(probe 10.200.0.1 21)
	echo "connect 10.200.0.1 21: $got"
	[ "$got" != open ] || die "firewalld's default zone lets port 21 in before apply"
}

# Only our daemon: dbus-daemon and firewalld live in the same namespace.
stop_vsftpd() {
	[ -s "$tmp/daemon.pid" ] && stop_pids "$(cat "$tmp/daemon.pid")"
	: >"$tmp/daemon.pid"
}

m_rich_rules() {
	for side in "" --permanent; do
		# shellcheck disable=SC2086
		fsrv firewall-cmd $side --list-rich-rules >"$tmp/rich"
		cat "$tmp/rich"
		grep -qx 'rule priority="4654" family="ipv4" source address="10.200.0.2/32" destination address="10.200.0.1" port port="21" protocol="tcp" accept' "$tmp/rich" ||
			die "no rich rule for the control port (${side:-runtime})"
		# 10.200.0.4/30 and .8/29 merge into one range (.4-.15) in ftpcfg's
		# set; firewalld gets it back as those two CIDR blocks, nothing more.
		for net in 10.200.0.4/30 10.200.0.8/29; do
			grep -qF "source address=\"$net\" destination" "$tmp/rich" ||
				die "no rich rule for $net (${side:-runtime})"
		done
		[ "$(grep -c 'priority="4654"' "$tmp/rich")" = 3 ] || die "not exactly 3 rich rules (${side:-runtime})"
	done
}

m_reload() {
	fsrv firewall-cmd --reload
	wait_for 50 fw_up || die "firewalld did not come back after --reload"
	m_pasv fr 10.200.0.1 $U
}

m_fault_undone() {
	fsrv firewall-cmd --zone=public --remove-rich-rule='rule priority="4654" family="ipv4" source address="10.200.0.2/32" destination address="10.200.0.1" port port="21" protocol="tcp" accept'
	# status shows what was taken away from firewalld as drift.
	srv "$FTPCFG" --root "$R" status >"$tmp/status.out"
	cat "$tmp/status.out"
	grep -qxF '  + firewalld rich rule in zone public: rule priority="4654" family="ipv4" source address="10.200.0.2/32" destination address="10.200.0.1" port port="21" protocol="tcp" accept' "$tmp/status.out" ||
		die "status does not show the runtime rich rule taken away as drift"
	if grep -q 'in zone public (permanent)' "$tmp/status.out"; then die "status shows permanent drift that is not there"; fi
	fw_snapshot "$tmp/fw.mid"
	set +e
	FTPCFG_FAULT=integration srv "$FTPCFG" --root "$R" apply --no-reload "$tmp/fwd.xml" >"$tmp/fault.out" 2>&1
	rc=$?
	set -e
	cat "$tmp/fault.out"
	[ "$rc" = 1 ] || die "an apply with a fault after the integration exited $rc, not 1"
	fw_snapshot "$tmp/fw.after-fault"
	cmp -s "$tmp/fw.mid" "$tmp/fw.after-fault" ||
		{ diff -u "$tmp/fw.mid" "$tmp/fw.after-fault"; die "the failed apply left firewalld changed"; }
	srv "$FTPCFG" --root "$R" apply --no-reload "$tmp/fwd.xml"
}

m_taken_away() {
	# Without the integration firewalld's zone rejects FTP again: a conflict ftpcfg names.
	set +e
	srv "$FTPCFG" --root "$R" apply --no-reload "$tmp/nft.xml" >"$tmp/away.out" 2>&1
	rc=$?
	set -e
	cat "$tmp/away.out"
	[ "$rc" = 1 ] || die "taking the backend away on a firewalld host exited $rc, not 1 (a conflict)"
	grep -q "chain 'inet firewalld filter_INPUT' .*firewalld" "$tmp/away.out" || die "the conflict does not name firewalld"
	srv "$FTPCFG" --root "$R" apply --allow-conflicts --no-reload "$tmp/nft.xml"
	fw_snapshot "$tmp/fw.end"
	cmp -s "$tmp/fw.before" "$tmp/fw.end" ||
		{ diff -u "$tmp/fw.before" "$tmp/fw.end"; die "firewalld's configuration is not as it was"; }
	fw_files_clean
}

# rollback of the apply that took the backend away brings the rules back; apply takes them again.
m_rollback() {
	srv "$FTPCFG" --root "$R" rollback
	m_rich_rules
	m_pasv fb 10.200.0.1 $U
	m_taken_away
}

# Back to the firewalld site (rollback of the apply that took it away).
m_back_to_firewalld() {
	srv "$FTPCFG" --root "$R" rollback --no-reload
	m_rich_rules
}

# After the boot firewalld's runtime holds ftpcfg's rules (built from the
# permanent configuration); one is taken away from the runtime only, as
# an administrator's --remove-rich-rule would.  ftpcfg's table is gone.
m_boot_state() {
	m_rich_rules
	! srv nft list table inet ftpcfg >/dev/null 2>&1 || die "ftpcfg's table survived the reboot"
	fsrv firewall-cmd --zone=public --remove-rich-rule='rule priority="4654" family="ipv4" source address="10.200.0.2/32" destination address="10.200.0.1" port port="21" protocol="tcp" accept'
}

# ftpcfg restore: the table, and the runtime rich rule that was missing.
m_boot_restore_fwd() {
	srv "$FTPCFG" --root "$R" --json restore --no-reload --if-applied >"$tmp/restore.json" ||
		{ cat "$tmp/restore.json"; die "ftpcfg restore failed"; }
	cat "$tmp/restore.json"
	json_check 0 "$tmp/restore.json"
	jq -e '.outcome == "restored" and .messages > 0 and .integration.backend == "firewalld" and
		.integration.restored and .integration.changes == ["+ firewalld rich rule in zone public: rule priority=\"4654\" family=\"ipv4\" source address=\"10.200.0.2/32\" destination address=\"10.200.0.1\" port port=\"21\" protocol=\"tcp\" accept"]' \
		"$tmp/restore.json" >/dev/null || die "restore did not put back the table and exactly the missing runtime rule"
	m_rich_rules
	srv "$FTPCFG" --root "$R" --json status >"$tmp/status.json" || die "status failed"
	jq -e '(.drift | length) == 0 and (.conflicts | length) == 0' "$tmp/status.json" >/dev/null ||
		{ cat "$tmp/status.json"; die "status shows drift or a conflict after restore"; }
}

# remove, on the firewalld site: ftpcfg's rich rules leave runtime and
# permanent configuration, its table goes.
m_remove() {
	m_rich_rules
	srv "$FTPCFG" --root "$R" remove --no-reload
	fw_snapshot "$tmp/fw.removed"
	cmp -s "$tmp/fw.before" "$tmp/fw.removed" ||
		{ diff -u "$tmp/fw.before" "$tmp/fw.removed"; die "firewalld's configuration after remove is not as it was"; }
	fw_files_clean
	! srv nft list table inet ftpcfg >/dev/null 2>&1 || die "ftpcfg's table is still there after remove"
	m_closed
}

# A zone firewalld does not have: exit 65 naming the site's line and the
# zones there are; nothing changed (no table, firewalld as it was).
m_zone_missing() {
	fw_snapshot "$tmp/fw.z0"
	set +e
	srv "$FTPCFG" --root "$R" apply --no-reload "$tmp/nozone.xml" >"$tmp/out" 2>&1
	rc=$?
	set -e
	cat "$tmp/out"
	[ "$rc" = 65 ] || die "apply with a zone firewalld lacks exited $rc, not 65"
	grep -q "nozone.xml:2: firewalld has no zone 'nosuchzone'; name one it has (.*internal.*)" "$tmp/out" ||
		die "the error does not name the site's line, the zone and the zones there are"
	fw_snapshot "$tmp/fw.z1"
	cmp -s "$tmp/fw.z0" "$tmp/fw.z1" || { diff -u "$tmp/fw.z0" "$tmp/fw.z1"; die "firewalld changed"; }
	! srv nft list table inet ftpcfg >/dev/null 2>&1 || die "ftpcfg's table is there"
}

# zone="internal", the client's source bound to that zone (as an
# administrator binds a network to a zone): closed before, ftpcfg's rules
# go into internal and nowhere else, a passive download works; status and
# restore find them there (the record does not keep the zone).
m_zone_internal() {
	fsrv firewall-cmd --zone=internal --add-source=10.200.0.2/32
	m_closed
	srv "$FTPCFG" --root "$R" apply --no-reload "$tmp/zone.xml"
	for side in "" --permanent; do
		# shellcheck disable=SC2086
		fsrv firewall-cmd $side --zone=internal --list-rich-rules >"$tmp/rich"
		cat "$tmp/rich"
		[ "$(grep -c 'priority="4654"' "$tmp/rich")" = 3 ] || die "not 3 rich rules in internal (${side:-runtime})"
		# shellcheck disable=SC2086
		fsrv firewall-cmd $side --zone=public --list-rich-rules >"$tmp/rich"
		! grep -q 'priority="4654"' "$tmp/rich" || die "ftpcfg's rules in public too (${side:-runtime})"
	done
	m_pasv fz 10.200.0.1 $U
	srv "$FTPCFG" --root "$R" --json status >"$tmp/status.json" || die "status failed"
	jq -e '(.drift | length) == 0' "$tmp/status.json" >/dev/null ||
		{ cat "$tmp/status.json"; die "status shows drift with zone internal"; }
	srv "$FTPCFG" --root "$R" --json restore --no-reload >"$tmp/restore.json"
	jq -e '.outcome == "nothing to restore"' "$tmp/restore.json" >/dev/null ||
		{ cat "$tmp/restore.json"; die "restore changed something with zone internal"; }
}

# The site back to the default zone: its rules move from internal to
# public (diff plans both); remove then leaves firewalld as it was.
m_zone_moves() {
	set +e
	srv "$FTPCFG" --root "$R" diff "$tmp/fwd.xml" >"$tmp/diff.out"
	set -e
	cat "$tmp/diff.out"
	grep -q -- '- firewalld rich rule in zone internal: rule priority="4654"' "$tmp/diff.out" ||
		die "diff does not plan the rules out of internal"
	grep -q -- '+ firewalld rich rule in zone public: rule priority="4654"' "$tmp/diff.out" ||
		die "diff does not plan the rules into public"
	srv "$FTPCFG" --root "$R" apply --no-reload "$tmp/fwd.xml"
	# shellcheck disable=SC2016
	[ "$(fsrv firewall-cmd --permanent --zone=internal --list-rich-rules | grep -c 'priority="4654"')" = 0 ] ||
		die "rules left in internal"
	m_rich_rules
	fsrv firewall-cmd --zone=internal --remove-source=10.200.0.2/32
	srv "$FTPCFG" --root "$R" remove --no-reload
	fw_snapshot "$tmp/fw.zend"
	cmp -s "$tmp/fw.before" "$tmp/fw.zend" ||
		{ diff -u "$tmp/fw.before" "$tmp/fw.zend"; die "firewalld's configuration is not as it was"; }
	fw_files_clean
}

start_firewalld
fw_snapshot "$tmp/fw.before"
fw_site "$tmp/zone.xml" firewalld internal
fw_site "$tmp/nozone.xml" firewalld nosuchzone
fw_site "$tmp/fwd.xml" firewalld
fw_site "$tmp/nft.xml" nftables
mkdir -p "$R"
cfg="vsftpd behind firewalld (default zone)"
cfg_ok=1
listener 21
t "before apply, firewalld's default zone keeps port 21 closed" m_closed
# listener runs perl through a shell function: stop the perl itself.
for p in $(ip netns pids "$SRV"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = perl ] && stop_pids "$p"
done
: >"$tmp/listeners.pid"
cp "$tmp/fwd.xml" "$tmp/site.xml"
set +e
(set -e
	echo "+ ftpcfg --root $R --json apply --no-reload fwd.xml"
	srv "$FTPCFG" --root "$R" --json apply --no-reload "$tmp/fwd.xml" >"$tmp/apply.json"
	json_check 0 "$tmp/apply.json"
	start_daemon vsftpd
	wait_for 50 listening 21) >"$tmp/case.log" 2>&1
rc=$?
set -e
if [ "$rc" = 0 ]; then
	n_pass=$((n_pass + 1))
	echo "PASS: $cfg: ftpcfg apply, vsftpd started on the file it wrote"
else
	cfg_ok=0
	n_fail=$((n_fail + 1))
	failed_cases="$failed_cases
  $cfg (apply and start)"
	echo "FAIL: $cfg: ftpcfg apply, vsftpd started on the file it wrote"
	cat "$tmp/case.log" "$tmp/apply.json" 2>/dev/null | tail -n 40
	tail -n 10 "$tmp/log/daemon" 2>/dev/null || true
fi
t "apply: ftpcfg's rich rules in runtime and permanent config" m_rich_rules
t "a passive download through firewalld and ftpcfg's table" m_pasv f1 10.200.0.1 $U
t "a source outside <allow> (10.200.0.3) cannot connect" expect_probe timeout 10.200.0.1 21 10.200.0.3
t "firewall-cmd --reload keeps FTP working" m_reload
t "status shows a rich rule taken away; an apply that fails after the integration puts firewalld back" m_fault_undone
t "backend taken away: firewalld's configuration as it was" m_taken_away
t "rollback brings ftpcfg's rich rules back; taken away again" m_rollback
t "rollback to the firewalld site" m_back_to_firewalld
fw_reboot
t "after a reboot: firewalld starts from its permanent configuration" boot_firewalld
t "after a reboot: ftpcfg's rules are in firewalld's runtime; one is taken away" m_boot_state
t "after a reboot: ftpcfg restore puts back the table and the missing rich rule" m_boot_restore_fwd
[ "$cfg_ok" != 1 ] || start_daemon vsftpd
[ "$cfg_ok" != 1 ] || wait_for 50 listening 21 || { show_daemon_log; cfg_ok=0; }
t "after a reboot and restore: a passive download" m_pasv fb2 10.200.0.1 $U
t "after a reboot and restore: a source outside <allow> (10.200.0.3) cannot connect" expect_probe timeout 10.200.0.1 21 10.200.0.3
t "remove takes ftpcfg's rich rules and table away; port 21 closed again" m_remove
t "zone=\"nosuchzone\": exit 65 at the site's line, nothing changed" m_zone_missing
t "zone=\"internal\" bound to the client's source: rules there only, a download works" m_zone_internal
t "back to the default zone: the rules move; remove leaves firewalld as it was" m_zone_moves
stop_vsftpd
e2e_done firewalld
