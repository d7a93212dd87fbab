#!/bin/sh
# History, rollback --to, apply --confirm and the syslog audit trail,
# against the real kernel in a throwaway network namespace, with /dev/log
# a socket of this test in a private mount namespace: three applies are
# three generations with the right sites and summaries; rollback --to the
# first returns its files and ruleset; --keep-history prunes; a damaged,
# renamed, foreign or symlinked generation is refused; an unconfirmed
# change is rolled back by its watcher, a confirmed one stays, and one
# whose watcher was killed is rolled back by the next run; after a
# "reboot" (watcher killed, table deleted) restore starts a new watcher for
# the same deadline, or past it rolls the change back first; remove
# settles a pending confirmation; every change and failure is one syslog
# line with its fields.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/netns/lib.sh
. "$here/lib.sh"
FTPCFG=${FTPCFG:-$here/../../ftpcfg}

snapshot() {
	{ nft list ruleset | strip_counters; find "$root/etc" -type f -exec sha256sum {} + 2>/dev/null | sort; } >"$1"
}

same() {
	cmp -s "$1" "$2" || { diff -u "$1" "$2"; fail "$3"; }
}

# wait_for CMD...: up to 10 s (100 polls of 0.1 s) until CMD succeeds.
wait_for() {
	i=0
	until "$@"; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || return 1
		sleep 0.1
	done
}

gone() { ! kill -0 "$1" 2>/dev/null; }

# The watcher's PID from status --json (fails the test when there is none).
watcher_pid() {
	expect_rc 0 $F --json status
	w=$(jq -r '.pending_confirm.watcher_pid' "$tmp/out")
	case $w in '' | null | *[!0-9]*) cat "$tmp/out"; fail "status --json names no watcher" ;; esac
	watchers="$watchers $w"
	echo "$w"
}

# The watcher's PID from the last apply --json (fails the test when there is none).
applied_watcher() {
	w=$(jq -r '.confirm.watcher_pid' "$tmp/out")
	case $w in '' | null | *[!0-9]*) cat "$tmp/out"; fail "apply --json names no watcher" ;; esac
	watchers="$watchers $w"
	echo "$w"
}

# The syslog lines of COMMAND ($1) with FIELD=VALUE ($2...), else fail.
logged() {
	what=$1
	shift
	pat="ftpcfg\\[[0-9]*\\]: command=$what "
	lines=$(grep -a "$pat" "$tmp/syslog" || true)
	for kv in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -F -- " $kv" || true)
	done
	[ -n "$lines" ] || { cat "$tmp/syslog"; fail "no syslog line 'command=$what' with: $*"; }
}

# /dev/log: a datagram socket of this test, over a /dev of this mount namespace only.
fake_devlog() {
	mkdir "$tmp/dev"
	for n in null zero full random urandom; do
		: >"$tmp/dev/$n"
		mount --bind "/dev/$n" "$tmp/dev/$n"
	done
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
' "$tmp/dev/log" "$tmp/syslog" &
	listener=$!
	wait_for test -S "$tmp/dev/log" || fail "the syslog listener did not start"
	mount --bind "$tmp/dev" /dev
}

cleanup_inner() {
	for w in $watchers; do kill -9 "$w" 2>/dev/null || true; done
	[ -z "$listener" ] || kill "$listener" 2>/dev/null || true
}

inner() {
	tmp=$1
	root=$tmp/root
	state=$root/var/lib/ftpcfg
	F="$FTPCFG --root $root"
	watchers=
	listener=
	trap cleanup_inner EXIT
	fake_devlog
	mkdir -p "$root"
	site "$tmp/a.xml" 10.200.0.0/25
	site "$tmp/b.xml" 10.200.0.0/25 10.200.0.192/26
	PASV_MAX=40048 site "$tmp/c.xml" 10.200.0.128/26

	echo "# three applies, three generations with their sites and summaries"
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"
	snapshot "$tmp/snap.a"
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"
	expect_rc 0 $F apply --no-reload "$tmp/c.xml"
	expect_rc 0 $F --json history
	for n in 1 2 3; do
		s=$(echo a b c | cut -d' ' -f$n)
		jq -e --arg site "$tmp/$s.xml" --arg sha "$(sha256sum "$tmp/$s.xml" | cut -d' ' -f1)" --argjson n $n \
			'.generations[$n - 1] | .generation == $n and .command == "apply" and .outcome == "applied" and .site == $site and .site_sha256 == $sha and .user == "root"' \
			"$tmp/out" >/dev/null || { cat "$tmp/out"; fail "generation $n does not name $s.xml"; }
	done
	# a: the table and its two sets; b: one network more; c: another network, another port range.
	jq -e '[.generations[].summary] == [{"added": 2, "changed": 0, "deleted": 0}, {"added": 1, "changed": 0, "deleted": 0}, {"added": 3, "changed": 1, "deleted": 4}]' \
		"$tmp/out" >/dev/null || { cat "$tmp/out"; fail "the summaries are not the plans'"; }
	expect_rc 0 $F history
	said "^   3  .*apply  *applied" "history does not list generation 3"
	said "site $tmp/b.xml (sha256 $(sha256sum "$tmp/b.xml" | cut -d' ' -f1))" "history does not show the site's hash"

	echo "# rollback --to 1: the first site's files and ruleset, as generation 4"
	expect_rc 0 $F rollback --no-reload --to 1
	said "generation 1 applied (kept as generation 4)" "rollback --to does not say what it did"
	expect_rc 0 $F diff "$tmp/a.xml"
	snapshot "$tmp/snap.to1"
	same "$tmp/snap.a" "$tmp/snap.to1" "rollback --to 1 is not what generation 1 applied"
	expect_rc 0 $F --json history
	jq -e '.generations[3] | .command == "rollback --to 1" and .outcome == "rolled back"' "$tmp/out" >/dev/null ||
		{ cat "$tmp/out"; fail "the rollback is not generation 4"; }
	echo "# plain rollback still undoes the last change (the rollback --to)"
	expect_rc 0 $F rollback --no-reload
	expect_rc 0 $F diff "$tmp/c.xml"

	echo "# --keep-history 2: older generations pruned by the change"
	expect_rc 64 $F --keep-history 0 apply "$tmp/a.xml"
	expect_rc 0 $F --keep-history 2 apply --no-reload "$tmp/a.xml"
	[ "$(cd "$state" && ls gen.* | sort -t. -k2n | tr '\n' ' ')" = "gen.5 gen.6 " ] ||
		{ ls -la "$state"; fail "--keep-history 2 did not keep the last two"; }
	echo "# ... and the ruleset files nothing names any more go with them: c's (gen.5, the last journal) and a's (gen.6, the record) stay"
	n=$(find "$state" -maxdepth 1 -name 'rs.*' | wc -l)
	[ "$n" = 2 ] || { ls -la "$state"; fail "$n ruleset files, not 2"; }
	expect_rc 0 $F diff "$tmp/a.xml"
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"
	[ -e "$state/gen.7" ] || fail "the numbers do not go on after pruning"

	echo "# a damaged, renamed, foreign or symlinked generation is refused"
	cp "$state/gen.6" "$tmp/gen6.keep"
	printf 'garbage' >"$state/gen.6"
	expect_rc 1 $F rollback --no-reload --to 6
	grep -q "generation '$state/gen.6' is damaged.*rm $state/gen.6" "$tmp/err" || { cat "$tmp/err"; fail "no clear error for a damaged generation"; }
	expect_rc 0 $F --json history
	jq -e '[.generations[] | select(.damaged)] | length == 1' "$tmp/out" >/dev/null || { cat "$tmp/out"; fail "history does not mark the damaged one"; }
	jq -e '.warnings[0].message | test("gen.6. is damaged")' "$tmp/out" >/dev/null || fail "history does not warn of the damaged one"
	cp "$tmp/gen6.keep" "$state/gen.9"
	expect_rc 1 $F rollback --no-reload --to 9
	grep -q "cannot trust it" "$tmp/err" || { cat "$tmp/err"; fail "a generation copied to another number was used"; }
	rm "$state/gen.9"
	mkdir -p "$tmp/other"
	expect_rc 0 $FTPCFG --root "$tmp/other" apply --no-reload "$tmp/a.xml"
	cp "$tmp/other/var/lib/ftpcfg/gen.1" "$state/gen.1"
	expect_rc 1 $F rollback --no-reload --to 1
	grep -q "not written for this state directory" "$tmp/err" || { cat "$tmp/err"; fail "a foreign generation was used"; }
	expect_rc 0 $FTPCFG --root "$tmp/other" rollback --no-reload
	ln -s "$tmp/gen6.keep" "$state/gen.8"
	expect_rc 1 $F rollback --no-reload --to 8
	grep -q "not a regular file" "$tmp/err" || { cat "$tmp/err"; fail "a symlinked generation was followed"; }
	rm "$state/gen.1" "$state/gen.8"
	cp "$tmp/gen6.keep" "$state/gen.6"
	expect_rc 0 $F diff "$tmp/b.xml"

	echo "# apply --confirm 3 without confirm: its watcher rolls back within 10 s"
	snapshot "$tmp/snap.before"
	expect_rc 0 $F --json apply --no-reload --confirm 3 "$tmp/c.xml"
	w=$(applied_watcher)
	wait_for gone "$w" || fail "the watcher did not finish within 10 s"
	snapshot "$tmp/snap.after"
	same "$tmp/snap.before" "$tmp/snap.after" "the unconfirmed change was not rolled back"
	expect_rc 0 $F --json status
	jq -e '.pending_confirm == null' "$tmp/out" >/dev/null || fail "a pending confirmation stayed after the revert"
	expect_rc 0 $F --json history
	jq -e '.generations[-1] | .command == "revert" and .outcome == "rolled back (not confirmed)"' "$tmp/out" >/dev/null ||
		{ cat "$tmp/out"; fail "the revert is not a generation"; }

	echo "# with confirm, the change stays; while it is pending, status shows it and apply is refused"
	expect_rc 0 $F apply --no-reload --confirm 60 "$tmp/c.xml"
	said "within 60 seconds" "apply --confirm does not say what to do"
	snapshot "$tmp/snap.c"
	w=$(watcher_pid)
	expect_rc 0 $F status
	said "^Pending confirmation: generation 10, rolled back at .* (watcher PID $w)" "status does not show the pending confirmation"
	expect_rc 75 $F apply --no-reload "$tmp/a.xml"
	grep -q "awaits confirmation until .*ftpcfg confirm" "$tmp/err" || { cat "$tmp/err"; fail "no word of the pending confirmation"; }
	expect_rc 0 $F confirm
	said "Confirmed generation 10" "confirm does not say what it confirmed"
	wait_for gone "$w" || fail "the watcher did not stop after confirm"
	expect_rc 0 $F confirm
	said "Nothing to confirm" "a second confirm is not a clear no-op"
	snapshot "$tmp/snap.c2"
	same "$tmp/snap.c" "$tmp/snap.c2" "a confirmed change was rolled back"
	expect_rc 0 $F diff "$tmp/c.xml"

	echo "# kill -9 of the watcher: the next run after the deadline rolls back and says so"
	expect_rc 0 $F --json apply --no-reload --confirm 8 "$tmp/b.xml"
	w=$(applied_watcher)
	run kill -9 "$w"
	wait_for gone "$w" || fail "the watcher outlived kill -9"
	expired() { $F --json status 2>/dev/null | jq -e '.pending_confirm.expired' >/dev/null; }
	wait_for expired || wait_for expired || fail "the deadline did not pass within 20 s"
	expect_rc 2 $F diff "$tmp/c.xml"
	grep -q "was not confirmed by .* rolls it back first" "$tmp/err" || { cat "$tmp/err"; fail "diff does not say the deadline passed"; }
	expect_rc 0 $F status
	said "deadline .* passed" "status does not say the deadline passed"
	expect_rc 1 $F confirm
	grep -q "was not confirmed by .*: rolled back" "$tmp/err" || { cat "$tmp/err"; fail "the late run does not say it rolled back"; }
	grep -q "too late" "$tmp/err" || { cat "$tmp/err"; fail "a late confirm does not say it is too late"; }
	snapshot "$tmp/snap.k"
	same "$tmp/snap.c" "$tmp/snap.k" "the change of a killed watcher was not rolled back"

	echo "# a reboot while a change awaits confirmation: the boot's restore starts a new watcher"
	expect_rc 0 $F --json apply --no-reload --confirm 60 "$tmp/b.xml"
	w=$(applied_watcher)
	expect_rc 0 $F --json status
	deadline=$(jq -r '.pending_confirm.deadline' "$tmp/out")
	run kill -9 "$w"
	wait_for gone "$w" || fail "the watcher outlived kill -9"
	run nft delete table inet ftpcfg
	expect_rc 0 $F restore --no-reload --if-applied
	said "Restored the recorded ruleset" "restore did not put the table back"
	grep -q "awaits confirmation until $deadline, but its watcher is gone" "$tmp/err" ||
		{ cat "$tmp/err"; fail "restore does not say it starts a new watcher"; }
	w2=$(watcher_pid)
	[ "$w2" != "$w" ] || fail "restore did not start a new watcher"
	[ "$(cat "/proc/$w2/comm")" = ftpcfg-watch ] || fail "PID $w2 is not a watcher"
	expect_rc 0 $F --json status
	jq -e --arg d "$deadline" '.pending_confirm.deadline == $d' "$tmp/out" >/dev/null ||
		{ cat "$tmp/out"; fail "the new watcher has another deadline than $deadline"; }
	expect_rc 0 $F restore --no-reload
	[ ! -s "$tmp/err" ] || { cat "$tmp/err"; fail "a second restore, its watcher running, warned"; }
	[ "$(watcher_pid)" = "$w2" ] || fail "a second restore started another watcher"

	echo "# remove while a change awaits confirmation settles it: the watcher ends, rollback undoes the removal"
	snapshot "$tmp/snap.pending"
	expect_rc 0 $F remove --no-reload
	wait_for gone "$w2" || fail "the watcher did not end after remove"
	expect_rc 0 $F --json status
	jq -e '.pending_confirm == null and .last_apply == null' "$tmp/out" >/dev/null ||
		{ cat "$tmp/out"; fail "a pending confirmation stayed after remove"; }
	expect_rc 0 $F rollback --no-reload
	snapshot "$tmp/snap.back"
	same "$tmp/snap.pending" "$tmp/snap.back" "rollback after remove did not put everything back"

	echo "# a reboot past the deadline: the boot's restore rolls the change back first"
	expect_rc 0 $F --json apply --no-reload --confirm 3 "$tmp/c.xml"
	w=$(applied_watcher)
	run kill -9 "$w"
	wait_for gone "$w" || fail "the watcher outlived kill -9"
	wait_for expired || wait_for expired || fail "the deadline did not pass within 20 s"
	run nft delete table inet ftpcfg
	expect_rc 0 $F restore --no-reload --if-applied
	grep -q "was not confirmed by .*: rolled back" "$tmp/err" || { cat "$tmp/err"; fail "restore does not roll back the expired change"; }
	snapshot "$tmp/snap.r"
	same "$tmp/snap.back" "$tmp/snap.r" "after restore past the deadline, the host is not as before the unconfirmed change"

	echo "# a damaged pending confirmation is refused with what to do"
	printf 'garbage' >"$state/confirm"
	expect_rc 1 $F apply --no-reload "$tmp/a.xml"
	grep -q "pending confirmation '$state/confirm' is damaged" "$tmp/err" || { cat "$tmp/err"; fail "a damaged confirmation was not refused"; }
	rm "$state/confirm"

	echo "# a failed apply: one syslog line with the step"
	RELOAD=false PASV_MAX=40047 site "$tmp/fail.xml" 10.200.0.0/25
	expect_rc 1 $F apply "$tmp/fail.xml"

	echo "# the syslog lines and their fields"
	user="user=\"root\""
	logged apply "outcome=applied" "generation=1" "$user" "site=\"$tmp/a.xml\"" \
		"site_sha256=$(sha256sum "$tmp/a.xml" | cut -d' ' -f1)" "added=2 changed=0 deleted=0"
	logged apply "outcome=applied" "generation=3" "site=\"$tmp/c.xml\"" "added=3 changed=1 deleted=4"
	logged rollback "--to 1 outcome=rolled back" "generation=4" "to=1" "site=\"$tmp/a.xml\""
	logged apply "outcome=applied, awaiting confirmation" "generation=8"
	logged revert "outcome=rolled back (not confirmed)" "generation=9"
	logged confirm "outcome=confirmed" "generation=10"
	logged confirm "outcome=nothing pending"
	logged confirm "outcome=failed" "reverted_unconfirmed=11" "error=\"too late"
	logged apply "outcome=failed" "step=pending confirmation" "error=\"generation 10 awaits confirmation"
	logged apply "outcome=failed" "step=reload" "site=\"$tmp/fail.xml\""
	logged restore "outcome=restored" "site=\"$tmp/b.xml\""
	logged remove "outcome=removed" "site=\"$tmp/b.xml\""
	logged revert "outcome=rolled back (not confirmed)" "site=\"$tmp/c.xml\""
	oldest=$($F --json history | jq '.generations[0].generation')
	SUDO_USER=alice $F rollback --no-reload --to "$oldest" >/dev/null
	logged rollback "user=\"alice\""
	n=$(grep -c 'ftpcfg\[' "$tmp/syslog")
	echo "$n syslog lines"

	echo "# rollback --to reloads each server whose files it changes, not what generation N's apply reloaded"
	r2=$tmp/rl
	F2="$FTPCFG --root $r2"
	mkdir -p "$r2"
	RELOAD="echo a >>$tmp/reloads" site "$tmp/r1.xml" 10.200.0.0/25
	RELOAD="echo a >>$tmp/reloads" PASV_MAX=40048 site "$tmp/r2.xml" 10.200.0.0/25
	RELOAD="echo a >>$tmp/reloads" PASV_MAX=40048 site "$tmp/r3.xml" 10.200.0.0/26
	RELOAD="echo b >>$tmp/reloads" site "$tmp/r4.xml" 10.200.0.0/25
	sed -i 's|/etc/vsftpd.conf|/etc/vsftpd-b.conf|' "$tmp/r4.xml"
	: >"$tmp/reloads"
	for x in r1 r2 r3 r1; do expect_rc 0 $F2 apply "$tmp/$x.xml"; done
	# generation 3 changed the ruleset only: its apply reloaded nothing
	[ "$(tr '\n' ' ' <"$tmp/reloads")" = "a a a " ] || { cat "$tmp/reloads"; fail "the applies did not reload as expected"; }
	: >"$tmp/reloads"
	expect_rc 0 $F2 rollback --to 3
	[ "$(cat "$tmp/reloads")" = a ] || { cat "$tmp/reloads"; fail "rollback --to 3 did not reload the server whose file it changed"; }
	expect_rc 0 $F2 diff "$tmp/r3.xml"
	expect_rc 0 $F2 apply "$tmp/r4.xml"
	[ -e "$r2/etc/vsftpd-b.conf" ] || fail "the second server's file was not written"
	: >"$tmp/reloads"
	expect_rc 0 $F2 rollback --to 3
	[ ! -e "$r2/etc/vsftpd-b.conf" ] || fail "rollback --to 3 left a file generation 3 did not have"
	[ "$(sort "$tmp/reloads" | tr '\n' ' ')" = "a b " ] || { cat "$tmp/reloads"; fail "rollback --to 3 did not reload both servers (the one it took away too)"; }
	expect_rc 0 $F2 diff "$tmp/r3.xml"

	echo "# rollback --to a generation of another backend makes the integration what it applied"
	r3=$tmp/ib
	F3="$FTPCFG --root $r3"
	mkdir -p "$r3"
	site "$tmp/i1.xml" 10.200.0.0/25
	sed -i 's|^<site name="t" version="1">$|&\n  <firewall backend="iptables"/>|' "$tmp/i1.xml"
	grep -q 'backend="iptables"' "$tmp/i1.xml" || fail "the iptables site was not written"
	PASV_MAX=40048 site "$tmp/i2.xml" 10.200.0.0/25
	run iptables -P INPUT DROP
	expect_rc 0 $F3 apply --no-reload "$tmp/i1.xml"
	iptables -S INPUT | grep -q -- '-j ftpcfg-input' || { iptables -S; fail "the iptables backend added no jump"; }
	expect_rc 0 $F3 --allow-conflicts apply --no-reload "$tmp/i2.xml"
	! iptables -S | grep -q ftpcfg-input || { iptables -S; fail "leaving the iptables backend left its chain"; }
	expect_rc 0 $F3 rollback --no-reload --to 1
	iptables -S INPUT | grep -q -- '-j ftpcfg-input' || { iptables -S; fail "rollback --to 1 did not put the jump back"; }
	iptables -S ftpcfg-input | grep -q -- '--mark' || { iptables -S; fail "rollback --to 1 did not put the chain back"; }
	expect_rc 0 $F3 status --detailed-exitcode
	expect_rc 0 $F3 rollback --no-reload --to 2
	! iptables -S | grep -q ftpcfg-input || { iptables -S; fail "rollback --to 2 left the iptables chain"; }
	expect_rc 0 $F3 rollback --no-reload
	iptables -S INPUT | grep -q -- '-j ftpcfg-input' || { iptables -S; fail "rollback did not undo rollback --to 2's integration"; }
	iptables-save >/dev/null || fail "iptables-save fails after the rollbacks"
	run nft delete table ip filter

	echo "# remove --check past a deadline rolls the unconfirmed change back first, as apply --check does"
	snapshot "$tmp/snap.rc0"
	expect_rc 0 $F --json apply --no-reload --confirm 3 "$tmp/c.xml"
	w=$(applied_watcher)
	run kill -9 "$w"
	wait_for gone "$w" || fail "the watcher outlived kill -9"
	wait_for expired || wait_for expired || fail "the deadline did not pass within 20 s"
	expect_rc 0 $F remove --check
	grep -q "was not confirmed by .*: rolled back" "$tmp/err" || { cat "$tmp/err"; fail "remove --check did not roll back the expired change"; }
	snapshot "$tmp/snap.rc1"
	same "$tmp/snap.rc0" "$tmp/snap.rc1" "remove --check past the deadline: not as before the unconfirmed change"
	echo "PASS"
}

if [ "${1:-}" = --inner ]; then
	inner "$2"
	exit 0
fi

need_netns
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
unshare -m true 2>/dev/null || skip "cannot create a mount namespace (unshare -m)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
FTPCFG=$FTPCFG run unshare -n -m --propagation private sh "$self" --inner "$tmp"
