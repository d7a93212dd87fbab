# shellcheck shell=sh
# $U is a curl option, split on purpose (SC2086); cases run through t()
# (SC2317); "A && B || die" means what it says (SC2015).
# shellcheck disable=SC2086,SC2317,SC2015
# Shared by tests/e2e/fw-*.sh (after lib.sh): ftpcfg's iptables backend on
# a host whose INPUT a real manager from Debian's packages filters
# (iptables-nft, ufw), with Debian's vsftpd and real clients across the
# veth pair of lib.sh.  Each fw-*.sh is one manager in namespaces of its
# own; what a manager writes (ufw's /etc/ufw) is a copy bound over the
# original inside the server's private mount namespace, so the host's
# files are never touched.
#
# For each manager: the site's default backend (nftables) is refused as a
# conflict; with backend="iptables" apply lets FTP through in every mode
# (IPv4 EPSV, PASV, EPRT, PORT; IPv6 EPSV, EPRT), a source outside
# <allow> stays dropped, iptables-save and iptables -L keep working, the
# manager's own reload leaves FTP working, a failure injected after the
# integration step puts iptables back as it was, and rollback and remove
# leave iptables-save as it was before ftpcfg (counters aside).

# The site: vsftpd, both modes, dual stack, the helper; the client's
# 10.200.0.2 and fd00:200::2 allowed, 10.200.0.3 not.  fw_site FILE BACKEND
fw_site() {
	cat >"$1" <<-EOF
	<site name="fw" version="1">
	  <firewall backend="$2"/>
	  <server name="ftp" daemon="vsftpd" mode="both">
	    <listen address="0.0.0.0"/>
	    <listen address="::"/>
	    <passive min-port="40000" max-port="40019"/>
	    <allow><network>10.200.0.2/32</network><network>fd00:200::2/128</network></allow>
	  </server>
	</site>
	EOF
}

# iptables-save of both families without what changes by itself: the
# comment lines (time stamps) and the counters.  fw_save FILE
fw_save() {
	{ srv iptables-save && srv ip6tables-save; } >"$1.raw" 2>"$1.err" ||
		{ cat "$1.err"; die "iptables-save failed"; }
	! grep -i incompatible "$1.raw" "$1.err" || die "iptables-save calls a table incompatible"
	grep -v '^#' "$1.raw" | sed 's/\[[0-9]*:[0-9]*\]$//' >"$1"
}

# iptables-save exits 0 and names no table incompatible; iptables -L lists
# every table of both families; ftpcfg's chain and jump are there.
m_ipt_tools() {
	fw_save "${tmp:?set by the sourcing script}/tools"
	cat "$tmp/tools"
	for tool in iptables ip6tables; do
		for table in filter nat raw mangle; do
			srv $tool -w -t $table -L -n >"$tmp/list" 2>&1 ||
				{ cat "$tmp/list"; die "$tool -t $table -L failed"; }
			! grep -i incompatible "$tmp/list" || die "$tool -L calls a table incompatible"
		done
	done
	[ "$(grep -c '^-A INPUT -j ftpcfg-input$' "$tmp/tools")" = 2 ] ||
		die "INPUT does not jump to ftpcfg-input in both families"
	[ "$(grep -c '^-A ftpcfg-input -m connmark --mark 0x2000/0x2000 .* -j ACCEPT$' "$tmp/tools")" = 2 ] ||
		die "ftpcfg-input does not accept the mark in both families"
}

# Every mode, both families, and the source outside <allow>.
fw_transfers() {
	t "$1: IPv4 passive EPSV" m_epsv "${2}1" 10.200.0.1 $U
	t "$1: IPv4 passive PASV" m_pasv "${2}2" 10.200.0.1 $U
	t "$1: IPv4 active EPRT" m_eprt "${2}3" 10.200.0.1 $U
	t "$1: IPv4 active PORT" m_port "${2}4" 10.200.0.1 $U
	t "$1: IPv6 passive EPSV" m_epsv "${2}5" '[fd00:200::1]' $U
	t "$1: IPv6 active EPRT" m_eprt "${2}6" '[fd00:200::1]' $U
	t "$1: a source outside <allow> (10.200.0.3) is dropped" \
		expect_probe timeout 10.200.0.1 21 10.200.0.3
}

# status: applied, no drift, no conflict.  m_status_clean
m_status_clean() {
	srv "$FTPCFG" --root "$R" --json status >"$tmp/status.json" || die "status failed"
	json_check 0 "$tmp/status.json"
	jq -e '.last_apply.backend == "iptables" and (.drift | length) == 0 and
		(.conflicts | length) == 0' "$tmp/status.json" >/dev/null ||
		{ cat "$tmp/status.json"; die "status shows drift or a conflict"; }
}

# The default backend beside this manager: apply refuses, names the manager.
# m_nftables_refused MANAGER-WORD
m_nftables_refused() {
	fw_site "$tmp/nft.xml" nftables
	set +e
	srv "$FTPCFG" --root "$R" apply --no-reload "$tmp/nft.xml" >"$tmp/out" 2>&1
	rc=$?
	set -e
	cat "$tmp/out"
	[ "$rc" = 1 ] || die "apply exited $rc, expected 1"
	grep -q "$1" "$tmp/out" || die "the refusal does not name $1"
	! srv nft list table inet ftpcfg >/dev/null 2>&1 || die "apply made its table anyway"
}

# diff with backend iptables plans the chain, its rule and the jump, in JSON too.
m_diff_plans() {
	set +e
	srv "$FTPCFG" --root "$R" --json diff "$tmp/site.xml" >"$tmp/diff.json"
	rc=$?
	set -e
	[ "$rc" = 2 ] || die "diff exited $rc, expected 2"
	json_check 2 "$tmp/diff.json"
	jq -r '.plan[] | select(.object == "integration") | .summary' "$tmp/diff.json" |
		tee "$tmp/plan"
	grep -q '^+ iptables chain in ip filter: -N ftpcfg-input$' "$tmp/plan" || die "no chain planned"
	grep -q '^+ iptables rule in ip filter INPUT: -I INPUT 1 -j ftpcfg-input$' "$tmp/plan" ||
		die "no jump planned"
	grep -q '^+ ip6tables rule in ip6 filter ftpcfg-input: -A ftpcfg-input -m connmark' \
		"$tmp/plan" || die "no IPv6 rule planned"
}

# fault_at_integration COMMAND...: ftpcfg COMMAND with a failure injected
# right after its integration step (the test build's seam) exits 1 and
# leaves iptables as it was and no table of ftpcfg's.
fault_at_integration() {
	fw_save "$tmp/f0"
	set +e
	srv env FTPCFG_FAULT=integration "$FTPCFG" --root "$R" "$@" >"$tmp/out" 2>&1
	rc=$?
	set -e
	cat "$tmp/out"
	[ "$rc" = 1 ] || die "$1 exited $rc, expected 1"
	grep -q "fault injected after step 'integration'" "$tmp/out" || die "the fault did not fire"
	fw_save "$tmp/f1"
	diff -u "$tmp/f0" "$tmp/f1" || die "iptables differs after the failed $1"
	! srv nft list table inet ftpcfg >/dev/null 2>&1 || die "the failed $1 left ftpcfg's table"
}

# A first apply that fails after the integration: iptables, the table and the files as before.
m_fault_undone() {
	fault_at_integration apply --no-reload "$tmp/site.xml"
}

# ftpcfg apply of the site, then vsftpd on the file it wrote.  fw_apply
fw_apply() {
	srv "$FTPCFG" --root "$R" --json apply --no-reload "$tmp/site.xml" >"$tmp/apply.json" ||
		{ cat "$tmp/apply.json"; die "ftpcfg apply failed"; }
	json_check 0 "$tmp/apply.json"
	jq -e '.outcome == "applied"' "$tmp/apply.json" >/dev/null || die "not applied"
	srv nft list table inet ftpcfg | grep -q 'ct mark set ct mark | 0x00002000 accept' ||
		die "ftpcfg's table does not mark what it accepts"
}

# rollback (or remove) leaves iptables-save as it was before the first apply.
# m_back_to_before COMMAND
m_back_to_before() {
	srv "$FTPCFG" --root "$R" "$1" --no-reload >"$tmp/out" 2>&1 ||
		{ cat "$tmp/out"; die "ftpcfg $1 failed"; }
	fw_save "$tmp/after"
	diff -u "$tmp/before" "$tmp/after" || die "iptables-save differs from before ftpcfg"
	! srv nft list table inet ftpcfg >/dev/null 2>&1 || die "ftpcfg's table is still there"
}

# fw_scenario NAME MANAGER-WORD SETUP RELOAD: the manager's rules (SETUP,
# run in the server's namespaces), then every case; RELOAD is the
# manager's own reload.
fw_scenario() {
	name=$1
	word=$2
	setup=$3
	reload=$4
	cfg=$name
	cfg_ok=0
	echo "== $cfg"
	set +e
	(
		set -e
		stop_daemon
		rm -rf "$R"
		mkdir -p "$R"
		srv nft flush ruleset
		$setup
		fw_site "$tmp/site.xml" iptables
		write_start_script
	) >"$tmp/case.log" 2>&1
	rc=$?
	set -e
	if [ "$rc" = 0 ]; then
		cfg_ok=1
		n_pass=$((n_pass + 1))
		echo "PASS: $cfg: the manager's rules are in place"
	else
		n_fail=$((n_fail + 1))
		failed_cases="$failed_cases
  $cfg (set-up)"
		echo "FAIL: $cfg: the manager's rules are in place"
		sed 's/^/    /' "$tmp/case.log" | tail -n 40
	fi
	t "the default backend (nftables) is refused and names $word" m_nftables_refused "$word"
	t "iptables-save before ftpcfg" fw_save "$tmp/before"
	t "diff plans the iptables chain, rule and jump" m_diff_plans
	t "a failure after the integration step puts everything back" m_fault_undone
	t "apply with backend iptables" fw_apply
	[ "$cfg_ok" != 1 ] || start_daemon vsftpd
	[ "$cfg_ok" != 1 ] || wait_for 50 listening 21 || { show_daemon_log; cfg_ok=0; }
	t "iptables-save and iptables -L work, the mark rule is there" m_ipt_tools
	t "status: no drift, no conflict" m_status_clean
	fw_transfers "after apply" a
	t "the manager's reload" $reload
	t "after the reload: iptables-save works, the mark rule is there" m_ipt_tools
	t "after the reload: status shows no drift" m_status_clean
	fw_transfers "after the reload" r
}

# ---- a reboot ----------------------------------------------------------------

# A reboot, for nf_tables and iptables: every process in the server's
# namespaces stopped by PID (the daemon, the holder, whatever else runs
# there), the network namespace deleted and a fresh one made under the
# same name, the veth pair and addresses again, and a new holder with the
# overlays and a fresh /run.  The --root ($R, ftpcfg's state) is on disk
# and stays, as it does across a reboot.  Runs at the top level (it sets
# $holder); a failure ends the script.  After it, fw_after_boot (when the
# script defines one) puts its own bind mounts back.
fw_reboot() {
	echo "== reboot: a fresh network namespace over the same --root"
	stop_daemon
	stop_pids "${holder:?set by the sourcing script}"
	# shellcheck disable=SC2046 # one PID per line
	stop_pids $(ip netns pids "$SRV" 2>/dev/null)
	[ -z "$(ip netns pids "$SRV" 2>/dev/null)" ] || fail "processes still run in $SRV"
	run ip netns del "$SRV" || fail "cannot delete namespace $SRV"
	run ip netns add "$SRV" || fail "cannot add network namespace $SRV"
	link_topology
	rm -f "$tmp/holder.ready"
	start_holder
	! command -v fw_after_boot >/dev/null 2>&1 || fw_after_boot
	! srv nft list table inet ftpcfg >/dev/null 2>&1 || fail "ftpcfg's table survived the reboot"
}

# Before ftpcfg restore: the manager's rules are back, ftpcfg's jump is not.
m_boot_without_jump() {
	srv iptables -w -S INPUT
	! srv iptables -w -C INPUT -j ftpcfg-input 2>/dev/null ||
		die "the jump into ftpcfg-input came back without ftpcfg"
}

# ftpcfg restore, as ftpcfg-restore.service runs it: the table and the
# integration come back in one run; --json says what it put back.
m_boot_restore() {
	srv "$FTPCFG" --root "$R" --json restore --no-reload --if-applied >"$tmp/restore.json" ||
		{ cat "$tmp/restore.json"; die "ftpcfg restore failed"; }
	cat "$tmp/restore.json"
	json_check 0 "$tmp/restore.json"
	jq -e '.outcome == "restored" and .messages > 0 and .integration.backend == "iptables" and
		.integration.restored and
		(.integration.changes | index("+ iptables rule in ip filter INPUT: -I INPUT 1 -j ftpcfg-input"))' \
		"$tmp/restore.json" >/dev/null || die "restore did not put back the table and the jump"
}

# A second restore finds everything in place and changes nothing.
m_restore_again_noop() {
	fw_save "$tmp/r0"
	srv "$FTPCFG" --root "$R" --json restore --no-reload >"$tmp/restore2.json" ||
		{ cat "$tmp/restore2.json"; die "the second restore failed"; }
	json_check 0 "$tmp/restore2.json"
	jq -e '.outcome == "nothing to restore" and (.integration.restored | not)' \
		"$tmp/restore2.json" >/dev/null || { cat "$tmp/restore2.json"; die "the second restore did something"; }
	fw_save "$tmp/r1"
	diff -u "$tmp/r0" "$tmp/r1" || die "iptables changed on a restore with nothing to do"
}

# A restore whose integration step fails puts back the table and iptables
# as they were before it: nothing of ftpcfg's in the kernel, iptables-save
# as the boot left it.
m_boot_restore_fault() {
	fault_at_integration restore --no-reload
}

# fw_reboot_scenario BOOT: a reboot; BOOT brings the manager's own rules
# back (as netfilter-persistent or ufw.service would, first); a restore
# that fails after its integration step leaves nothing; ftpcfg restore;
# then FTP works in every mode and iptables' tools read everything.
fw_reboot_scenario() {
	fw_reboot
	t "after a reboot: the manager's own rules come back first" "$1"
	t "after a reboot: the jump into ftpcfg-input is not there" m_boot_without_jump
	t "after a reboot: a restore that fails after the integration step changes nothing" \
		m_boot_restore_fault
	t "after a reboot: ftpcfg restore puts back the table and the integration" m_boot_restore
	[ "$cfg_ok" != 1 ] || start_daemon vsftpd
	[ "$cfg_ok" != 1 ] || wait_for 50 listening 21 || { show_daemon_log; cfg_ok=0; }
	t "after a reboot and restore: iptables-save and iptables -L work, the mark rule is there" m_ipt_tools
	t "after a reboot and restore: status shows no drift" m_status_clean
	fw_transfers "after a reboot and restore" b
	t "a second restore has nothing to do" m_restore_again_noop
}
