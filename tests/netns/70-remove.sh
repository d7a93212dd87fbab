#!/bin/sh
# ftpcfg remove, against the real kernel in a throwaway network namespace,
# in standalone and attach mode: nothing managed says so and changes
# nothing; --check changes nothing (ruleset, files, their owner and mode);
# a failure or a kill -9 after each step ends wholly before (the next run
# puts everything back) or, once the record is replaced, wholly after;
# then the removal itself: the host's own table lists exactly as before,
# ftpcfg's objects are gone, a file that was there before ftpcfg has its
# original bytes, owner and mode back after two applies overwrote it, a
# file ftpcfg created is gone, the reload ran, status says nothing is
# managed, diff shows everything to add, rollback puts it all back; a site
# that stops writing a file gives the file its original back; damaged or
# planted originals are refused with nothing changed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/netns/lib.sh
. "$here/lib.sh"
FTPCFG=${FTPCFG:-$here/../../ftpcfg}

# ---- inside `unshare -n` ------------------------------------------------

# What the host is: the ruleset (counters aside), and every file under the
# root's etc with its hash, mode and owner.
snapshot() {
	nft list ruleset | strip_counters >"$1"
	find "$root/etc" -type f -exec sha256sum {} + | sort >>"$1"
	find "$root/etc" -type f -exec stat -c '%n %a %u:%g' {} + | sort >>"$1"
}

same() {
	cmp -s "$1" "$2" || { diff -u "$1" "$2"; fail "$3"; }
}

# two FILE [FIREWALL] [PASV_MAX]: a site with two vsftpd servers: "a"
# writes /etc/vsftpd.conf (there before ftpcfg), "b" /etc/vsftpd-b.conf
# (ftpcfg creates it).  Both reload by appending to $root/reloads.
two() {
	cat >"$1" <<-EOF
	<site name="rm" version="1">
	  ${2:-}
	  <server name="a" daemon="vsftpd">
	    <config path="/etc/vsftpd.conf" reload="echo a &gt;&gt; $root/reloads"/>
	    <listen address="10.200.0.1" port="21"/>
	    <passive min-port="40000" max-port="${3:-40049}"/>
	    <allow><network>10.200.0.0/25</network></allow>
	  </server>
	  <server name="b" daemon="vsftpd">
	    <config path="/etc/vsftpd-b.conf" reload="echo b &gt;&gt; $root/reloads"/>
	    <listen address="10.200.0.2" port="21"/>
	    <passive min-port="41000" max-port="41049"/>
	  </server>
	</site>
	EOF
}

# The host's file before ftpcfg: its own bytes, mode 0640, owner 65534:4.
host_file() {
	mkdir -p "$root/etc"
	printf '# the host'"'"'s own vsftpd.conf\nlisten=YES\nanonymous_enable=NO\n' >"$root/etc/vsftpd.conf"
	chmod 0640 "$root/etc/vsftpd.conf"
	chown 65534:4 "$root/etc/vsftpd.conf"
	sha256sum "$root/etc/vsftpd.conf" >"$tmp/orig.sum"
}

check_original() {
	sha256sum -c --quiet "$tmp/orig.sum" || fail "$1: /etc/vsftpd.conf does not have its original bytes"
	[ "$(stat -c '%a %u:%g' "$root/etc/vsftpd.conf")" = "640 65534:4" ] ||
		fail "$1: /etc/vsftpd.conf has mode and owner $(stat -c '%a %u:%g' "$root/etc/vsftpd.conf"), not 640 65534:4"
}

# A run killed or failing after each step of a removal.
faults() {
	site=$1
	for step in journal files commit reload record history; do
		snapshot "$tmp/before"
		expect_rc 1 env FTPCFG_FAULT=$step $F remove
		grep -q "fault injected after step '$step'" "$tmp/err" || { cat "$tmp/err"; fail "no fault at $step"; }
		snapshot "$tmp/after"
		same "$tmp/before" "$tmp/after" "a remove failing after '$step' changed the host"
		[ ! -e "$state/journal" ] || fail "journal left after a handled failure at $step"
	done
	for step in journal files commit reload record history; do
		snapshot "$tmp/before"
		expect_rc 137 env FTPCFG_FAULT=$step:kill $F remove
		[ -f "$state/journal" ] || fail "no journal after a kill at $step"
		if [ "$step" = record ] || [ "$step" = history ]; then
			# The mark of the removal names the journal: that run completed.
			expect_rc 0 $F remove
			grep -q 'interrupted' "$tmp/err" && { cat "$tmp/err"; fail "a completed removal was taken for an interrupted one"; }
			said 'Nothing to remove' "the removal killed after its record was undone"
			[ ! -e "$state/journal" ] || fail "the journal of a completed removal was not retired"
			if nft list tables | grep -q 'ftpcfg'; then fail "ftpcfg's objects survived a completed removal"; fi
			expect_rc 0 $F apply "$site"
			continue
		fi
		expect_rc 0 $F apply "$site"
		grep -q 'interrupted' "$tmp/err" || { cat "$tmp/err"; fail "the next run did not recover a removal killed at $step"; }
		said 'No changes' "the state after recovering a removal killed at $step is not the one before"
		snapshot "$tmp/after"
		same "$tmp/before" "$tmp/after" "recovery after a removal killed at '$step' did not restore the host"
	done
}

standalone() {
	echo "# nothing managed: remove says so, exit 0, changes nothing"
	snapshot "$tmp/before"
	expect_rc 0 $F remove
	said 'Nothing to remove' "remove with nothing managed does not say so"
	expect_rc 0 $F --json remove
	jq -e '.outcome == "nothing managed" and .target == null and .files == [] and .ruleset == []' "$tmp/out" >/dev/null ||
		{ cat "$tmp/out"; fail "--json remove with nothing managed"; }
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "remove with nothing managed changed the host"
	[ ! -e "$state" ] || fail "remove with nothing managed created the state directory"

	echo "# the host: its own table and its own vsftpd.conf"
	run nft -f - <<-'EOF'
	table inet host {
		set admins {
			type ipv4_addr
			elements = { 10.200.0.77 }
		}
		chain input {
			type filter hook input priority 10; policy accept;
			ip saddr @admins tcp dport 22 accept
			tcp dport 2222 drop
		}
	}
	EOF
	nft list table inet host >"$tmp/host-before"
	host_file
	two "$tmp/s1.xml"
	two "$tmp/s2.xml" "" 40048

	echo "# a first apply that failed: the original it noted is replaced by the file as the next apply finds it"
	printf '# an hour ago\n' >"$root/etc/vsftpd.conf"
	expect_rc 1 env FTPCFG_FAULT=files $F apply "$tmp/s1.xml"
	[ -f "$state/origins" ] || fail "the failed apply noted no original (this case needs one)"
	grep -q '^# an hour ago$' "$root/etc/vsftpd.conf" || fail "the failed apply did not put the file back"
	host_file

	echo "# two applies: the second overwrites what the first wrote"
	expect_rc 0 $F apply "$tmp/s1.xml"
	expect_rc 0 $F apply "$tmp/s2.xml"
	grep -q 'pasv_max_port=40048' "$root/etc/vsftpd.conf" || fail "the second apply did not write"
	[ -f "$root/etc/vsftpd-b.conf" ] || fail "apply did not create /etc/vsftpd-b.conf"
	[ -f "$state/origins" ] || fail "no originals kept"

	echo "# --check prints the plan and changes nothing"
	snapshot "$tmp/before"
	expect_rc 2 $F remove --check --detailed-exitcode
	said '^Would remove everything ftpcfg manages (last applied: .*/s2.xml); nothing was changed:$' "remove --check does not say what it would do"
	said '^  - table inet ftpcfg$' "remove --check does not plan the table"
	said '^  ~ /etc/vsftpd.conf: as it was before ftpcfg ([0-9]* bytes, mode 0640, owner 65534:4)$' "remove --check does not plan the original back"
	said '^  - /etc/vsftpd-b.conf: ftpcfg created it$' "remove --check does not plan the created file's removal"
	expect_rc 0 $F --json remove --check
	jq -e '.outcome == "checked" and .target.table == "ftpcfg" and .target.attach == false
		and ([.ruleset[] | .object] == ["table"])
		and ([.files[] | select(.path == "/etc/vsftpd.conf") | .action, .mode, .uid, .gid] == ["restore", "0640", 65534, 4])
		and ([.files[] | select(.path == "/etc/vsftpd-b.conf") | .action] == ["delete"])' "$tmp/out" >/dev/null ||
		{ cat "$tmp/out"; fail "--json remove --check"; }
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "remove --check changed the host"

	echo "# a failure or a kill -9 after each step: wholly before, or wholly after"
	faults "$tmp/s2.xml"

	echo "# remove"
	rm -f "$root/reloads"
	expect_rc 2 $F remove --detailed-exitcode
	said '^Removed everything ftpcfg managed (last applied: .*/s2.xml; generation [0-9]*):$' "remove does not say what it did"
	removed_gen=$(sed -n 's/^Removed everything .*; generation \([0-9]*\)):$/\1/p' "$tmp/out")
	if nft list table inet ftpcfg >/dev/null 2>&1; then fail "the table is still there"; fi
	nft list table inet host >"$tmp/host-after"
	same "$tmp/host-before" "$tmp/host-after" "remove changed the host's own table"
	check_original "remove"
	[ ! -e "$root/etc/vsftpd-b.conf" ] || fail "the file ftpcfg created is still there"
	[ "$(sort "$root/reloads" | tr '\n' ' ')" = "a b " ] || { cat "$root/reloads"; fail "the reloads did not run once each"; }
	[ ! -e "$state/journal" ] || fail "remove left its journal"

	echo "# afterwards: nothing managed, diff shows everything to add"
	expect_rc 0 $F status
	said "Nothing managed: 'ftpcfg remove' took everything off at " "status after remove"
	expect_rc 0 $F --json status
	jq -e '.last_apply == null and .files == [] and (.removed_at | test("^[0-9-]+T[0-9:]+Z$"))' "$tmp/out" >/dev/null ||
		{ cat "$tmp/out"; fail "--json status after remove"; }
	expect_rc 2 $F diff "$tmp/s2.xml"
	said '^+ table ftpcfg' "diff after remove does not add the table"
	said '^+ /etc/vsftpd-b.conf' "diff after remove does not add the created file"
	snapshot "$tmp/before"
	expect_rc 0 $F remove
	said 'Nothing to remove' "a second remove"
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "a second remove changed the host"

	echo "# restore after remove (the boot unit): nothing comes back, nothing is sent"
	g0=$("$NL_DRIVER" genid) || fail "nl_driver genid failed"
	for opt in "" --if-applied; do
		expect_rc 0 $F restore $opt
		said "Nothing to restore: 'ftpcfg remove' took everything off at " "restore $opt after remove"
	done
	expect_rc 0 $F --json restore
	jq -e '.outcome == "removed" and (.removed_at | test("^[0-9-]+T[0-9:]+Z$"))' "$tmp/out" >/dev/null ||
		{ cat "$tmp/out"; fail "--json restore after remove"; }
	g1=$("$NL_DRIVER" genid) || fail "nl_driver genid failed"
	[ "$g0" = "$g1" ] || fail "restore after remove committed (generation $g0 -> $g1)"
	! nft list table inet ftpcfg >/dev/null 2>&1 || fail "restore after remove put the table back"
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "restore after remove changed the host"

	echo "# rollback right after remove puts everything back"
	expect_rc 0 $F rollback --no-reload
	nft list table inet ftpcfg >/dev/null || fail "rollback did not put the table back"
	expect_rc 0 $F status
	said '/etc/vsftpd.conf: as applied' "status after rolling back a removal"
	echo "# the removal is a generation: history lists it, rollback --to it takes everything off again"
	expect_rc 0 $F --json history
	g=$(jq '[.generations[] | select(.command == "remove")] | last | .generation' "$tmp/out")
	[ "$g" = "$removed_gen" ] || fail "history's last removal is generation $g, remove said $removed_gen"
	jq -e --argjson g "$g" '.generations[] | select(.generation == $g) | .outcome == "removed"
		and .summary == {"added": 0, "changed": 1, "deleted": 2} and (.site | endswith("/s2.xml"))
		and .site_sha256 == $sha' --arg sha "$(sha256sum "$tmp/s2.xml" | cut -d' ' -f1)" "$tmp/out" >/dev/null ||
		{ cat "$tmp/out"; fail "history does not list the removal with its summary"; }
	expect_rc 0 $F history
	said "^ *$g  .*  remove  *removed" "history does not show the removal"
	expect_rc 0 $F rollback --no-reload --to "$g"
	! nft list table inet ftpcfg >/dev/null 2>&1 || fail "rollback --to the removal left the table"
	check_original "rollback --to the removal"
	[ ! -e "$root/etc/vsftpd-b.conf" ] || fail "rollback --to the removal left the file ftpcfg created"
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "rollback --to the removal is not what the removal left"
	expect_rc 0 $F status
	said "Nothing managed: 'ftpcfg remove' took everything off at " "status after rollback --to the removal"
	expect_rc 0 $F rollback --no-reload
	nft list table inet ftpcfg >/dev/null || fail "rollback did not undo the rollback --to the removal"

	echo "# remove, the kernel's answers lost: the ruleset shows it went in; removed, not undone"
	expect_rc 0 env FTPCFG_FAULT=lostreply $F remove --no-reload
	grep -q 'the ruleset shows it was committed' "$tmp/err" || { cat "$tmp/err"; fail "no word of the lost answers"; }
	! nft list table inet ftpcfg >/dev/null 2>&1 || fail "the table is back after a found-out removal"
	[ ! -e "$state/journal" ] || fail "a journal stayed after a found-out removal"
	check_original "remove after a rollback"

	echo "# a site that stops writing a file gives it its original back"
	expect_rc 0 $F apply --no-reload "$tmp/s1.xml"
	sed '/<server name="a"/,/<\/server>/d' "$tmp/s1.xml" >"$tmp/only-b.xml"
	expect_rc 2 $F diff "$tmp/only-b.xml"
	said '^~ /etc/vsftpd.conf' "diff does not show the original coming back"
	expect_rc 0 $F apply --no-reload "$tmp/only-b.xml"
	check_original "a site that dropped server a"
	expect_rc 0 $F remove --no-reload
	[ ! -e "$root/etc/vsftpd-b.conf" ] || fail "the file ftpcfg created is still there"
	check_original "remove after a site dropped server a"

	echo "# damaged, truncated or planted originals: refused, nothing changed"
	expect_rc 0 $F apply --no-reload "$tmp/s1.xml"
	cp "$state/origins" "$tmp/origins.good"
	for how in flip truncate symlink; do
		cp "$tmp/origins.good" "$state/origins"
		case $how in
		flip) printf 'X' | dd of="$state/origins" bs=1 seek=40 conv=notrunc 2>/dev/null ;;
		truncate) truncate -s -7 "$state/origins" ;;
		symlink) rm "$state/origins" && ln -s "$tmp/origins.good" "$state/origins" ;;
		esac
		snapshot "$tmp/before"
		expect_rc 1 $F remove
		grep -q "originals '$state/origins' .* are damaged" "$tmp/err" || { cat "$tmp/err"; fail "$how originals not refused"; }
		snapshot "$tmp/after"
		same "$tmp/before" "$tmp/after" "remove with $how originals changed the host"
		rm -f "$state/origins"
	done
	cp "$tmp/origins.good" "$state/origins"
	expect_rc 0 $F remove --no-reload
	check_original "remove with the originals back"
}

attach() {
	echo "# attach mode: the host's policy-drop table"
	run nft delete table inet host
	run nft -f - <<-'EOF'
	table inet filter {
		chain input {
			type filter hook input priority filter; policy drop;
			ct state established,related accept
			iifname "lo" accept
			tcp dport 22 accept
		}
		chain forward {
			type filter hook forward priority filter; policy drop;
		}
	}
	EOF
	nft list table inet filter >"$tmp/host-before"
	nft list ruleset >"$tmp/ruleset-before"
	rm -rf "$root" && mkdir -p "$root/etc"
	host_file
	two "$tmp/a1.xml" '<firewall attach="inet filter input"/>'
	two "$tmp/a2.xml" '<firewall attach="inet filter input"/>' 40048
	expect_rc 0 $F apply --no-reload "$tmp/a1.xml"
	expect_rc 0 $F apply --no-reload "$tmp/a2.xml"
	nft list chain inet filter input | grep -q 'jump ftpcfg-input' || fail "no jump after apply"

	echo "# attach: --check changes nothing"
	snapshot "$tmp/before"
	expect_rc 0 $F remove --check
	said '^  - jump to ftpcfg-input in chain input$' "remove --check does not plan the jump"
	said '^  - chain ftpcfg-input in table inet filter$' "remove --check does not plan the chain"
	said '^  - set ftpcfg-a-allow-v4 in table inet filter$' "remove --check does not plan the set"
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "remove --check changed the host"

	echo "# attach: a failure or a kill -9 after each step"
	faults "$tmp/a2.xml"

	echo "# attach: remove, the kernel's answers lost: the ruleset shows it went in; removed, not undone"
	expect_rc 0 env FTPCFG_FAULT=lostreply $F remove --no-reload
	grep -q 'the ruleset shows it was committed' "$tmp/err" || { cat "$tmp/err"; fail "no word of the lost answers"; }
	[ ! -e "$state/journal" ] || fail "a journal stayed after a found-out removal"
	nft list table inet filter >"$tmp/host-after"
	same "$tmp/host-before" "$tmp/host-after" "remove changed the host's own table"
	nft list ruleset >"$tmp/ruleset-after"
	same "$tmp/ruleset-before" "$tmp/ruleset-after" "something of ftpcfg's is left in the ruleset"
	check_original "attach remove"
	[ ! -e "$root/etc/vsftpd-b.conf" ] || fail "the file ftpcfg created is still there"
	expect_rc 0 $F status
	said "Nothing managed" "status after an attach remove"
}

inner() {
	tmp=$1
	root=$tmp/root
	state=$root/var/lib/ftpcfg
	mkdir -p "$root/etc"
	F="$FTPCFG --root $root"
	standalone
	attach
	echo "PASS"
}

netns_inner "$@"

need_netns
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
netns_run
