#!/bin/sh
# A site as large as the site limit admits, against the real kernel in a
# throwaway network namespace: 300 000 IPv6 networks (about 14 MB of XML,
# under the 16 MiB limit).  Every state file it makes (record, journal,
# generations) must be read back by every command: apply, status (clean),
# diff (exit 0), a change of one network, a change killed at the commit
# (the journal it leaves is put back by the next run), rollback, rollback
# --to 1 and remove.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/netns/lib.sh
. "$here/lib.sh"
FTPCFG=${FTPCFG:-$here/../../ftpcfg}

# big FILE [EXTRA-NETWORK]: 300 000 /64s over 2a00::/12 from a fixed seed.
big() {
	awk -v extra="${2:-}" 'BEGIN {
		srand(9)
		print "<site name=\"big\" version=\"1\">"
		print "  <server name=\"s\" daemon=\"vsftpd\" mode=\"passive\">"
		print "    <config path=\"/etc/vsftpd.conf\" reload=\"true\"/>"
		print "    <listen address=\"::\" port=\"21\"/>"
		print "    <passive min-port=\"40000\" max-port=\"40049\"/>"
		print "    <allow>"
		for (i = 0; i < 300000; i++)
			printf "      <network>2a%02x:%x:%x:%x::/64</network>\n", int(rand() * 16), int(rand() * 65536), int(i / 65536), i % 65536
		if (extra != "")
			printf "      <network>%s</network>\n", extra
		print "    </allow>"
		print "  </server>"
		print "</site>"
	}' >"$1"
}

# has_extra: the live allowlist (sharded into sets s_allow_v6_NN) holds fd00:200::/64.
has_extra() {
	nft list table inet ftpcfg | grep -q 'fd00:200::/64'
}

# live N: the live sets hold N elements (adjacent networks merge into one range).
live() {
	n=$(nft -j list sets inet | jq '[.nftables[].set // empty | select(.table == "ftpcfg") | .elem // [] | length] | add')
	[ "$n" -ge "$1" ] || fail "the live sets hold $n elements, fewer than $1"
}

inner() {
	tmp=$1
	root=$tmp/root
	F="$FTPCFG --root $root"
	mkdir -p "$root"
	big "$tmp/a.xml"
	big "$tmp/b.xml" fd00:200::/64
	size=$(stat -c %s "$tmp/b.xml")
	[ "$size" -gt 13000000 ] && [ "$size" -lt 16777216 ] || fail "the large site is $size bytes, not 13 MB to 16 MiB"

	echo "# apply, then status and diff read everything back"
	expect_rc 0 $F apply "$tmp/a.xml"
	live 299000
	expect_rc 0 $F status --detailed-exitcode
	expect_rc 0 $F diff "$tmp/a.xml"

	echo "# one network more: diff shows it, apply adds it"
	expect_rc 2 $F diff "$tmp/b.xml"
	said '^+ element fd00:200::/64 in set s_allow_v6' "diff does not show the one new network"
	expect_rc 0 $F apply "$tmp/b.xml"
	has_extra || fail "apply did not add the one new network"
	expect_rc 0 $F status --detailed-exitcode

	echo "# killed at the commit: the journal is put back by the next run"
	expect_rc 137 env FTPCFG_FAULT=commit:kill $F apply "$tmp/a.xml"
	expect_rc 2 $F status --detailed-exitcode
	said 'Journal: an interrupted run left one' "status does not report the journal left"
	expect_rc 0 $F diff "$tmp/a.xml"
	grep -q 'an interrupted run left a journal' "$tmp/err" || { cat "$tmp/err"; fail "diff does not warn of the journal"; }
	expect_rc 0 $F apply "$tmp/a.xml"
	grep -q 'interrupted' "$tmp/err" || { cat "$tmp/err"; fail "the next apply did not say it recovered"; }
	! has_extra || fail "after the recovery and apply, the extra network is still live"
	expect_rc 0 $F diff "$tmp/a.xml"

	echo "# rollback, rollback --to 1, remove"
	expect_rc 0 $F rollback --no-reload
	has_extra || fail "rollback did not return to the site with one network more"
	expect_rc 0 $F diff "$tmp/b.xml"
	expect_rc 0 $F rollback --no-reload --to 1
	! has_extra || fail "rollback --to 1 did not return to the first site"
	expect_rc 0 $F diff "$tmp/a.xml"
	expect_rc 0 $F remove --no-reload
	! nft list table inet ftpcfg >/dev/null 2>&1 || fail "remove left the table"
	echo "PASS"
}

netns_inner "$@"

need_netns
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
netns_run
