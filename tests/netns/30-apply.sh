#!/bin/sh
# The transaction, against the real kernel in a throwaway network namespace:
# apply on an empty namespace, diff empty after it, drift shown and fixed, a
# one-network change sent as one message, --check changes nothing, a batch
# the kernel rejects changes nothing, a ruleset changed under us gives 75,
# a held lock gives 75, a failure after each step leaves the host as it was,
# a kill -9 after each step is rolled back by the next run, reload commands
# run (and a failing one rolls back), rollback returns to the state before
# the last apply, and --json parses with the documented shape.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/netns/lib.sh
. "$here/lib.sh"
# These sites serve both modes.
MODE=both
FTPCFG=${FTPCFG:-$here/../../ftpcfg}

# ---- inside `unshare -n` ------------------------------------------------

# What the host is: the table (counters aside) and every file under the root.
snapshot() {
	{ nft list ruleset | strip_counters; find "$root/etc" -type f -exec sha256sum {} + 2>/dev/null | sort; } >"$1"
}

same() {
	cmp -s "$1" "$2" || { diff -u "$1" "$2"; fail "$3"; }
}

inner() {
	tmp=$1
	root=$tmp/root
	state=$root/var/lib/ftpcfg
	mkdir -p "$root"
	F="$FTPCFG --root $root"
	site "$tmp/a.xml" 10.200.0.0/25
	site "$tmp/b.xml" 10.200.0.0/25 10.200.0.192/26

	echo "# apply on an empty namespace"
	expect_rc 2 $F diff "$tmp/a.xml"
	grep -q '^+ table ftpcfg' "$tmp/out" || fail "diff does not plan the table"
	expect_rc 2 $F apply --detailed-exitcode "$tmp/a.xml"
	nft list table inet ftpcfg >/dev/null || fail "no table after apply"
	[ -f "$root/etc/vsftpd.conf" ] || fail "no vsftpd.conf after apply"
	[ -f "$state/last" ] || fail "no last journal kept for rollback"
	[ ! -e "$state/journal" ] || fail "a journal was left behind"

	echo "# diff is empty after apply, apply again changes nothing"
	expect_rc 0 $F diff "$tmp/a.xml"
	expect_rc 0 $F apply --detailed-exitcode "$tmp/a.xml"
	grep -q 'No changes' "$tmp/out" || fail "second apply did not say 'No changes'"

	echo "# a site that is invalid or missing changes nothing"
	snapshot "$tmp/before"
	printf '<site name="t" version="1"><server name="s" daemon="vsftpd"><banner>a&#10;listen=YES</banner></server></site>' >"$tmp/bad.xml"
	expect_rc 65 $F apply "$tmp/bad.xml"
	grep -q 'banner contains a control character' "$tmp/err" || { cat "$tmp/err"; fail "no clear error for a bad site"; }
	expect_rc 66 $F apply "$tmp/missing.xml"
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "a bad site changed the host"

	echo "# --check changes nothing"
	snapshot "$tmp/before"
	expect_rc 2 $F apply --check --detailed-exitcode "$tmp/b.xml"
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "apply --check changed the host"

	echo "# a one-network change is one message"
	expect_rc 0 $F -v apply "$tmp/b.xml"
	grep -qx 'batch: 1 message' "$tmp/err" || { cat "$tmp/err"; fail "a one-network change was not one message"; }
	nft list set inet ftpcfg s_allow_v4 | grep -q '10.200.0.192/26' || fail "network not added"
	expect_rc 0 $F diff "$tmp/b.xml"

	echo "# drift is shown, and apply puts it back"
	run nft delete element inet ftpcfg s_allow_v4 '{ 10.200.0.192/26 }'
	expect_rc 2 $F diff "$tmp/b.xml"
	grep -q '^+ element 10.200.0.192/26 in set s_allow_v4' "$tmp/out" || { cat "$tmp/out"; fail "drift not shown"; }
	expect_rc 0 $F status
	grep -q 'element 10.200.0.192/26' "$tmp/out" || { cat "$tmp/out"; fail "status does not show the drift"; }
	run nft add rule inet ftpcfg input tcp dport 2121 drop
	expect_rc 2 $F diff "$tmp/b.xml"
	grep -q '^- rule in chain input: tcp dport 2121' "$tmp/out" || { cat "$tmp/out"; fail "a rule added by hand is not shown"; }
	expect_rc 0 $F apply "$tmp/b.xml"
	expect_rc 0 $F diff "$tmp/b.xml"

	echo "# --json diff has the documented shape"
	run nft delete element inet ftpcfg s_allow_v4 '{ 10.200.0.192/26 }'
	expect_rc 2 $F --json diff "$tmp/b.xml"
	jq -e '.changes == 1 and (.plan | length) == 1 and .plan[0].op == "add" and .plan[0].object == "element" and .plan[0].in == "s_allow_v4" and (.diffs | length) == 1 and .diffs[0].path == "ruleset"' \
		"$tmp/out" >/dev/null || { cat "$tmp/out"; fail "--json diff shape"; }
	expect_rc 0 $F apply "$tmp/b.xml"

	echo "# a batch the kernel rejects changes nothing"
	snapshot "$tmp/before"
	expect_rc 1 env FTPCFG_FAULT=badbatch $F apply "$tmp/a.xml"
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "a rejected batch changed the host"

	echo "# the ruleset changed under us: 75, nothing changed"
	expect_rc 75 env FTPCFG_FAULT=race $F apply "$tmp/a.xml"
	run nft delete table inet ftpcfg_race
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "a raced apply changed the host"

	echo "# lock held: 75"
	mkdir -p "$state"
	# The holder is one process (flock, then exec sleep) so its PID ends it.
	(exec 9>"$state/lock" && flock 9 && exec sleep 60) &
	holder=$!
	i=0
	while flock -n "$state/lock" true 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	# (at most 5 s for the holder to take the lock)
	expect_rc 75 $F apply "$tmp/a.xml"
	kill "$holder"
	wait "$holder" 2>/dev/null || true

	echo "# a failure after each step leaves the host as it was"
	for step in journal files commit reload record; do
		snapshot "$tmp/before"
		expect_rc 1 env FTPCFG_FAULT=$step $F apply "$tmp/a.xml"
		grep -q "fault injected after step '$step'" "$tmp/err" || { cat "$tmp/err"; fail "no fault at $step"; }
		snapshot "$tmp/after"
		same "$tmp/before" "$tmp/after" "failure after '$step' changed the host"
		[ ! -e "$state/journal" ] || fail "journal left after a handled failure at $step"
	done

	echo "# kill -9 after each step: the next run rolls back first"
	for step in journal files commit reload record; do
		snapshot "$tmp/before"
		expect_rc 137 env FTPCFG_FAULT=$step:kill $F apply "$tmp/a.xml"
		if [ "$step" = record ]; then
			# The record names the journal: that run had completed; the next one retires it.
			[ -f "$state/journal" ] || fail "no journal after a kill at $step"
			expect_rc 0 $F apply "$tmp/a.xml"
			grep -q 'interrupted' "$tmp/err" && { cat "$tmp/err"; fail "a completed run was taken for an interrupted one"; }
			grep -q 'No changes' "$tmp/out" || { cat "$tmp/out"; fail "the completed run at $step was undone"; }
			[ ! -e "$state/journal" ] || fail "the journal of a completed run was not retired"
			expect_rc 0 $F apply "$tmp/b.xml"
			continue
		fi
		[ -f "$state/journal" ] || fail "no journal after a kill at $step"
		expect_rc 0 $F apply "$tmp/b.xml"
		grep -q 'interrupted' "$tmp/err" || { cat "$tmp/err"; fail "the next run did not recover at $step"; }
		grep -q 'No changes' "$tmp/out" || { cat "$tmp/out"; fail "state after recovery at $step is not the one before"; }
		snapshot "$tmp/after"
		same "$tmp/before" "$tmp/after" "recovery after a kill at '$step' did not restore the host"
	done

	echo "# reload commands run when the daemon's file changes; a failing one rolls back"
	RELOAD="touch $root/reloaded" PASV_MAX=40048 site "$tmp/c.xml" 10.200.0.0/24
	expect_rc 0 $F apply "$tmp/c.xml"
	[ -f "$root/reloaded" ] || fail "the reload command did not run"
	snapshot "$tmp/before"
	RELOAD="exit 3" PASV_MAX=40047 site "$tmp/d.xml" 10.200.0.0/26
	expect_rc 1 $F apply "$tmp/d.xml"
	grep -q "reload of server 's' failed" "$tmp/err" || { cat "$tmp/err"; fail "reload failure not reported"; }
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "a failed reload did not roll back"

	echo "# rollback returns to the state before the last apply"
	snapshot "$tmp/c-state"
	expect_rc 0 $F apply "$tmp/a.xml"
	expect_rc 0 $F rollback --no-reload
	snapshot "$tmp/after"
	same "$tmp/c-state" "$tmp/after" "rollback did not return to the previous state"
	expect_rc 0 $F status
	grep -q "site $tmp/c.xml" "$tmp/out" || { cat "$tmp/out"; fail "status does not name the site rolled back to"; }
	grep -q '/etc/vsftpd.conf: as applied' "$tmp/out" || { cat "$tmp/out"; fail "status lost the files after rollback"; }

	echo "# a site that names another table: the old one must go first"
	sed 's|<site name="t" version="1">|<site name="t" version="1"><firewall table="ftp2"/>|' \
		"$tmp/a.xml" >"$tmp/other.xml"
	snapshot "$tmp/before"
	expect_rc 1 $F apply "$tmp/other.xml"
	grep -q "table 'inet ftpcfg', which this site no longer names" "$tmp/err" ||
		{ cat "$tmp/err"; fail "a renamed table left the old one filtering"; }
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "a refused rename changed the host"

	echo "# attach mode into a policy-drop table leaves the foreign rules untouched"
	run nft -f - <<-'EOF'
	table inet filter {
		chain input {
			type filter hook input priority filter; policy drop;
			iifname "lo" accept
			tcp dport 22 accept
		}
	}
	EOF
	expect_rc 2 $F diff "$tmp/a.xml"
	grep -q "^! conflict: chain 'inet filter input' (hook input, priority 0; no manager ftpcfg recognises) drops s: control (tcp port 21, IPv4, new connections) after ftpcfg accepts it: policy drop" "$tmp/out" ||
		{ cat "$tmp/out"; fail "diff does not show the policy-drop chain as a conflict"; }
	grep -q 'to fix: .*<firewall attach="inet filter input"/>' "$tmp/out" ||
		{ cat "$tmp/out"; fail "diff does not say what to do about the conflict"; }
	snapshot "$tmp/before"
	expect_rc 1 $F apply "$tmp/a.xml"
	grep -q "chain 'inet filter input' .* drops .*attach=\"inet filter input\".*--allow-conflicts" "$tmp/err" ||
		{ cat "$tmp/err"; fail "standalone mode beside a policy-drop chain was not refused"; }
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "a refused apply changed the host"
	sed 's|<site name="t" version="1">|<site name="t" version="1"><firewall attach="inet filter input"/>|' \
		"$tmp/a.xml" >"$tmp/attach.xml"
	rm -rf "$root"
	mkdir -p "$root"
	run nft delete table inet ftpcfg
	expect_rc 0 $F apply "$tmp/attach.xml"
	nft list chain inet filter input | grep -q 'tcp dport 22 accept' || fail "foreign rule lost"
	nft list chain inet filter input | grep -q 'iifname "lo" accept' || fail "foreign rule lost"
	nft list chain inet filter input | grep -q 'jump ftpcfg-input' || fail "no jump"
	expect_rc 0 $F diff "$tmp/attach.xml"
	expect_rc 0 $F apply "$tmp/attach.xml"
	[ "$(nft list chain inet filter input | grep -c 'jump ftpcfg-input')" = 1 ] || fail "second apply added a second jump"

	echo "# the attach point moves to another table: ftpcfg's rules there must go first"
	run nft -f - <<-'EOF'
	table inet edge {
		chain input {
			type filter hook input priority 5; policy accept;
		}
	}
	EOF
	sed 's|attach="inet filter input"|attach="inet edge input"|' "$tmp/attach.xml" >"$tmp/edge.xml"
	snapshot "$tmp/before"
	expect_rc 1 $F apply "$tmp/edge.xml"
	grep -q "attached ftpcfg's rules to chain 'inet filter input', which this site no longer names.*nft delete rule inet filter input handle [0-9]*), then the chains, sets and ct helpers named ftpcfg-\* in table inet filter, then apply" "$tmp/err" ||
		{ cat "$tmp/err"; fail "a moved attach point left the old rules filtering"; }
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "a refused move changed the host"

	echo "# the attach point moves to another chain of the table: the old jump must go first"
	run nft add chain inet filter input2 '{ type filter hook input priority 10; policy accept; }'
	sed 's|attach="inet filter input"|attach="inet filter input2"|' "$tmp/attach.xml" >"$tmp/input2.xml"
	snapshot "$tmp/before"
	expect_rc 1 $F apply "$tmp/input2.xml"
	grep -q "chain 'inet filter input', which this site no longer names; its jump would go on sending FTP to the old rules: remove it first (nft delete rule inet filter input handle [0-9]*), then apply" "$tmp/err" ||
		{ cat "$tmp/err"; fail "a moved attach point left the old jump"; }
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "a refused move changed the host"
	# Doing what it says lets the move through.
	cmd=$(sed -n 's/.*remove it first (\(nft delete rule [^)]*\)).*/\1/p' "$tmp/err")
	run $cmd
	# The old base chain keeps its policy drop: FTP would still be dropped there.
	expect_rc 1 $F apply "$tmp/input2.xml"
	grep -q "chain 'inet filter input' (hook input, priority 0; no manager ftpcfg recognises) drops s: control" "$tmp/err" ||
		{ cat "$tmp/err"; fail "the old attach chain's policy drop is not a conflict"; }
	expect_rc 0 $F apply --allow-conflicts "$tmp/input2.xml"
	grep -q "warning: chain 'inet filter input' .* drops s: control" "$tmp/err" ||
		{ cat "$tmp/err"; fail "--allow-conflicts does not warn"; }
	nft list chain inet filter input2 | grep -q 'jump ftpcfg-' || fail "no jump from the new attach point"
	if nft list chain inet filter input | grep -q 'jump ftpcfg-'; then fail "the old jump is still there"; fi
	nft list chain inet filter input | grep -q 'tcp dport 22 accept' || fail "foreign rule lost"
	# A conflict is shown, but it is no change: diff exits 0.
	expect_rc 0 $F diff "$tmp/input2.xml"
	grep -q "^! conflict: chain 'inet filter input' " "$tmp/out" || fail "diff does not show the conflict"
	echo "PASS"
}

netns_inner "$@"

need_netns
netns_run
