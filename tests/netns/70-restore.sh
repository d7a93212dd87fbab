#!/bin/sh
# ftpcfg restore and status --detailed-exitcode, against the real kernel.
# A reboot is a fresh network namespace over the same --root: after
# `restore` the table lists exactly as after the apply, status is clean
# and diff exits 0; the same after `nft flush ruleset`, and in attach mode
# after the host's own file was loaded again without ftpcfg's chains.
# Nothing to do sends nothing (the generation does not move).  No record,
# a truncated record, a missing attach chain and a ruleset the kernel
# refuses are exit 1 with nothing committed; a batch whose answers are
# lost is found out from the table and kept.  --detailed-exitcode: 0 when
# clean, 2 for an absent table, a drifted element, a changed file and a
# journal left behind; status and diff report that journal.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/netns/lib.sh
. "$here/lib.sh"
FTPCFG=${FTPCFG:-$here/../../ftpcfg}

# The live generation, as status reads it (status commits nothing).
genid() {
	$F --json status >"$tmp/gen.json" || true
	jq -r '.genid' "$tmp/gen.json"
}

same() {
	cmp -s "$1" "$2" || { diff -u "$1" "$2"; fail "$3"; }
}

# The whole ruleset as nft lists it, counters aside.
listing() {
	nft list ruleset | strip_counters >"$1"
}

setup() {
	tmp=$1
	root=$tmp/root
	state=$root/var/lib/ftpcfg
	F="$FTPCFG --root $root"
}

# The host's own firewall file, as nftables.service loads it (flush ruleset first).
host_file() {
	cat >"$tmp/host.nft" <<-EOF
	flush ruleset
	table inet filter {
		chain input {
			type filter hook input priority 0; policy accept;
			iifname "lo" accept
		}
	}
	EOF
}

# Phase one, in the first namespace: nothing recorded, then an apply.
first() {
	setup "$1"
	site "$tmp/a.xml" 10.200.0.0/25
	mkdir -p "$root"

	echo "# no record: exit 1, nothing committed, no state directory made"
	expect_rc 1 $F restore
	grep -q "nothing to restore from: no apply is recorded" "$tmp/err" ||
		{ cat "$tmp/err"; fail "restore without a record does not say why"; }
	[ -z "$(nft list ruleset)" ] || fail "restore without a record committed something"
	[ ! -e "$state" ] || fail "restore without a record created the state directory"
	expect_rc 1 $F --json restore
	expect_rc 0 $F status --detailed-exitcode
	echo "# ... with --if-applied (the unit's): exit 0, still nothing done"
	expect_rc 0 $F restore --if-applied
	said "Nothing to restore: no apply is recorded" "restore --if-applied does not say why"
	expect_rc 0 $F --json restore --if-applied
	[ "$(jq -r .outcome "$tmp/out")" = "nothing applied" ] || fail "restore --json --if-applied: not 'nothing applied'"
	[ -z "$(nft list ruleset)" ] || fail "restore --if-applied without a record committed something"
	[ ! -e "$state" ] || fail "restore --if-applied without a record created the state directory"

	echo "# apply; restore right after sends nothing (the generation stays)"
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"
	nft list table inet ftpcfg | strip_counters >"$tmp/applied"
	g0=$(genid)
	expect_rc 0 $F restore
	said "Nothing to restore" "restore after an apply did something"
	expect_rc 0 $F --json restore
	[ "$(jq -r .outcome "$tmp/out")" = "nothing to restore" ] || fail "restore --json: not 'nothing to restore'"
	[ "$(genid)" = "$g0" ] || fail "a restore with nothing to do committed (generation $g0 -> $(genid))"
	expect_rc 0 $F status --detailed-exitcode
	echo "# ... and when the generation moved for another table, it reads ours and still sends nothing"
	nft add table ip other
	g1=$(genid)
	expect_rc 0 $F restore
	said "Nothing to restore" "restore after someone else's commit did something"
	[ "$(genid)" = "$g1" ] || fail "a restore with nothing to do committed (generation $g1 -> $(genid))"
	nft delete table ip other

	echo "# --detailed-exitcode: a drifted element is 2"
	set=$(nft -j list sets inet | jq -r '[.nftables[] | select(.set.table == "ftpcfg" and (.set.flags // [] | index("dynamic") | not)) | .set.name][0]')
	[ -n "$set" ] && [ "$set" != null ] || fail "no static set in the applied table"
	nft list set inet ftpcfg "$set" | grep -q 'type ipv4_addr' || fail "set $set is not the IPv4 allowlist"
	nft add element inet ftpcfg "$set" '{ 10.200.0.200 }'
	expect_rc 2 $F status --detailed-exitcode
	said "^Drift (" "status does not list the drifted element"
	expect_rc 2 $F --json status --detailed-exitcode
	[ "$(jq -r .clean "$tmp/out")" = false ] || fail "status --json: a drifted ruleset is clean"
	expect_rc 0 $F status
	echo "# ... restore puts the element back, as one batch"
	expect_rc 0 $F restore
	said "Restored the recorded ruleset" "restore did not put the drifted set back"
	nft list table inet ftpcfg | strip_counters >"$tmp/now"
	same "$tmp/applied" "$tmp/now" "restore did not bring back the applied table"
	expect_rc 0 $F status --detailed-exitcode

	echo "# --detailed-exitcode: a changed managed file is 2; restore never touches files"
	cp "$root/etc/vsftpd.conf" "$tmp/conf"
	echo "# by hand" >>"$root/etc/vsftpd.conf"
	cp "$root/etc/vsftpd.conf" "$tmp/conf.edited"
	expect_rc 2 $F status --detailed-exitcode
	said "/etc/vsftpd.conf: changed since the last apply" "status does not name the changed file"
	expect_rc 0 $F restore
	same "$tmp/conf.edited" "$root/etc/vsftpd.conf" "restore touched a managed file"
	cp "$tmp/conf" "$root/etc/vsftpd.conf"
	echo "# ... and a missing one is 2 too"
	rm "$root/etc/vsftpd.conf"
	expect_rc 2 $F status --detailed-exitcode
	cp "$tmp/conf" "$root/etc/vsftpd.conf"
	expect_rc 0 $F status --detailed-exitcode

	echo "# nft flush ruleset: the table is absent (2); restore brings it back exactly"
	nft flush ruleset
	expect_rc 2 $F status --detailed-exitcode
	said "Table: inet ftpcfg, absent" "status does not say the table is absent"
	expect_rc 2 $F --json status --detailed-exitcode
	[ "$(jq -r .table_present "$tmp/out")" = false ] || fail "status --json: the table is present"
	expect_rc 0 $F --json restore
	[ "$(jq -r .outcome "$tmp/out")" = restored ] || fail "restore --json: not 'restored'"
	nft list table inet ftpcfg | strip_counters >"$tmp/now"
	same "$tmp/applied" "$tmp/now" "restore after a flush did not bring back the applied table"
	expect_rc 0 $F status --detailed-exitcode
	expect_rc 0 $F diff "$tmp/a.xml"
	echo "PASS first"
}

# Phase two, a fresh namespace over the same root: a reboot.
reboot() {
	setup "$1"
	[ -z "$(nft list ruleset)" ] || fail "the fresh namespace has a ruleset"
	echo "# reboot: the table is absent (2) until restore"
	expect_rc 2 $F status --detailed-exitcode
	cp "$state/record" "$tmp/record.good"

	echo "# a truncated record: exit 1, nothing committed"
	head -c 200 "$tmp/record.good" >"$state/record"
	expect_rc 1 $F restore
	grep -q "record .* is damaged or truncated" "$tmp/err" || { cat "$tmp/err"; fail "a truncated record is not named"; }
	[ -z "$(nft list ruleset)" ] || fail "restore from a truncated record committed something"
	echo "# a record with one byte changed: exit 1, nothing committed"
	cp "$tmp/record.good" "$state/record"
	size=$(wc -c <"$state/record")
	printf 'X' | dd of="$state/record" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	expect_rc 1 $F --json restore
	expect_rc 1 $F restore --if-applied
	[ -z "$(nft list ruleset)" ] || fail "restore from a damaged record committed something"
	cp "$tmp/record.good" "$state/record"

	echo "# restore: the table lists exactly as after the apply; status clean, diff 0"
	expect_rc 0 $F restore
	said "Restored the recorded ruleset: inet ftpcfg" "restore after a reboot did nothing"
	nft list table inet ftpcfg | strip_counters >"$tmp/now"
	same "$tmp/applied" "$tmp/now" "restore after a reboot did not bring back the applied table"
	expect_rc 0 $F status --detailed-exitcode
	said "ruleset generation [0-9]* (unchanged since the last apply)" "restore did not record its generation"
	expect_rc 0 $F diff "$tmp/a.xml"
	g0=$(genid)
	expect_rc 0 $F restore
	said "Nothing to restore" "a second restore did something"
	[ "$(genid)" = "$g0" ] || fail "a second restore committed"

	echo "# restore, the kernel's answers lost: the ruleset shows it went in; kept, not undone"
	nft flush ruleset
	expect_rc 0 env FTPCFG_FAULT=lostreply $F restore
	grep -q "answers to the batch could not be read, but the table shows the batch was committed" \
		"$tmp/err" || { cat "$tmp/err"; fail "no word of the lost answers"; }
	nft list table inet ftpcfg | strip_counters >"$tmp/now"
	same "$tmp/applied" "$tmp/now" "a found-out restore did not keep the applied table"
	[ ! -e "$state/journal" ] || fail "a journal stayed after a found-out restore"
	expect_rc 0 $F status --detailed-exitcode

	echo "# an interrupted apply's journal: status and diff say so, --detailed-exitcode is 2"
	site "$tmp/b.xml" 10.200.0.0/25 10.200.0.192/26
	expect_rc 137 env FTPCFG_FAULT=commit:kill $F apply --no-reload "$tmp/b.xml"
	[ -e "$state/journal" ] || fail "the killed apply left no journal (is this a FTPCFG_TESTING build?)"
	expect_rc 2 $F status --detailed-exitcode
	said "^Journal: an interrupted run left one" "status text does not report the journal"
	expect_rc 2 $F --json status --detailed-exitcode
	[ "$(jq -r .journal_left "$tmp/out")" = true ] || fail "status --json: no journal_left"
	expect_rc 2 $F --json diff "$tmp/a.xml"
	[ "$(jq -r .journal_left "$tmp/out")" = true ] || fail "diff --json: no journal_left"
	grep -q "left a journal" "$tmp/err" || true
	expect_rc 2 $F diff "$tmp/a.xml"
	grep -q "an interrupted run left a journal" "$tmp/err" || { cat "$tmp/err"; fail "diff does not report the journal"; }
	echo "# ... restore puts it back first, then has the applied table"
	expect_rc 0 $F restore
	grep -q "an earlier run was interrupted" "$tmp/err" || { cat "$tmp/err"; fail "restore did not recover the journal"; }
	[ ! -e "$state/journal" ] || fail "restore left the journal"
	nft list table inet ftpcfg | strip_counters >"$tmp/now"
	same "$tmp/applied" "$tmp/now" "restore after a recovery does not hold the applied table"
	same "$tmp/conf" "$root/etc/vsftpd.conf" "the recovery did not put the file back"
	expect_rc 0 $F status --detailed-exitcode
	expect_rc 0 $F --json diff "$tmp/a.xml"
	[ "$(jq -r .journal_left "$tmp/out")" = false ] || fail "diff --json: journal_left without a journal"
	echo "PASS reboot"
}

# Attach mode, first boot: the host's table, then the apply.
attach_first() {
	setup "$1"
	host_file
	sed 's|<site name="t" version="1">|<site name="t" version="1"><firewall attach="inet filter input"/>|' \
		"$tmp/a.xml" >"$tmp/attach.xml"
	mkdir -p "$root"
	nft -f "$tmp/host.nft"
	expect_rc 0 $F apply --no-reload "$tmp/attach.xml"
	listing "$tmp/attach.applied"
	grep -q 'jump ftpcfg-' "$tmp/attach.applied" || fail "no jump in the attach chain"
	echo "# the host reloads its own file (no ftpcfg chains): restore puts them back"
	nft -f "$tmp/host.nft"
	nft list ruleset | grep -q ftpcfg && fail "the host's file left ftpcfg's chains"
	expect_rc 2 $F status --detailed-exitcode
	expect_rc 0 $F restore
	said "attached to chain input" "restore does not name the attach chain"
	listing "$tmp/now"
	same "$tmp/attach.applied" "$tmp/now" "restore after a host reload is not the applied ruleset"
	expect_rc 0 $F status --detailed-exitcode
	expect_rc 0 $F diff "$tmp/attach.xml"
	echo "PASS attach_first"
}

# Attach mode after a reboot: no host table, then the host's table.
attach_reboot() {
	setup "$1"
	echo "# attach: the host's table is not there: exit 1, nothing committed"
	expect_rc 1 $F restore
	grep -q "the attach point, chain 'inet filter input', is not there" "$tmp/err" ||
		{ cat "$tmp/err"; fail "a missing attach chain is not named"; }
	[ -z "$(nft list ruleset)" ] || fail "restore without the attach chain committed something"
	echo "# the kernel refuses the batch (a host rule uses a set named like ftpcfg's, which the batch replaces): exit 1, nothing committed"
	host_file
	cat >>"$tmp/host.nft" <<-EOF
	table inet filter {
		set ftpcfg-s-allow-v4 {
			type ipv4_addr
		}
		chain input {
			ip saddr @ftpcfg-s-allow-v4 counter
		}
	}
	EOF
	nft -f "$tmp/host.nft"
	listing "$tmp/host.listed"
	g0=$(genid)
	expect_rc 1 $F restore
	sed 's/^/  /' "$tmp/err"
	grep -q "the kernel refused the recorded ruleset" "$tmp/err" || fail "a refused batch is not reported"
	listing "$tmp/now"
	same "$tmp/host.listed" "$tmp/now" "a refused restore changed the ruleset"
	[ "$(genid)" = "$g0" ] || fail "a refused restore moved the generation"
	expect_rc 1 $F --json restore
	echo "# the host's real table, as nftables.service loads it at boot: restore"
	host_file
	nft -f "$tmp/host.nft"
	expect_rc 0 $F restore
	listing "$tmp/now"
	same "$tmp/attach.applied" "$tmp/now" "restore after a reboot in attach mode is not the applied ruleset"
	expect_rc 0 $F status --detailed-exitcode
	expect_rc 0 $F diff "$tmp/attach.xml"
	echo "PASS attach_reboot"
}

case "${1:-}" in
--phase)
	"$2" "$3"
	exit 0
	;;
esac

need_netns
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
need_kernel_features "$tmp"
for phase in first reboot; do
	FTPCFG=$FTPCFG run unshare -n sh "$self" --phase "$phase" "$tmp"
done
rm -rf "$tmp/root"
for phase in attach_first attach_reboot; do
	FTPCFG=$FTPCFG run unshare -n sh "$self" --phase "$phase" "$tmp"
done
