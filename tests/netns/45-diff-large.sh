#!/bin/sh
# `diff` of a change inside a large allowlist, against the real kernel: a
# site of 20 000 IPv4 and 9 000 IPv6 networks (both sharded in the kernel)
# is applied, then one IPv4 network is swapped for another.  The diff must
# show that network and nothing else: in the plan one `- element` and one
# `+ element`, in the ruleset's unified diff one `-` line and one `+` line
# with their context, nothing of the unchanged IPv6 set, no shard; the
# same whether the live ruleset comes from the record or from a dump, and
# the same in `--json diff`.  A network added before all others (the
# first line of the set's elements) shows as that line changed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/netns/lib.sh
. "$here/lib.sh"
FTPCFG=${FTPCFG:-$here/../../ftpcfg}

# large FILE SWAP [FIRST]: 20 000 distinct IPv4 /24s (20.0.0.0 - 219.255.255.0)
# and 9 000 distinct IPv6 /48s, from a bijection (i * K mod M, K prime to M);
# SWAP=1 puts network 20 000 in place of network 10 000; FIRST adds one
# network before all others.
large() {
	awk -v swap="$2" -v first="${3:-}" 'BEGIN {
		print "<site name=\"large\" version=\"1\">"
		print "  <server name=\"s\" daemon=\"vsftpd\" mode=\"passive\">"
		print "    <config path=\"/etc/vsftpd.conf\" reload=\"false\"/>"
		print "    <listen address=\"0.0.0.0\" port=\"21\"/>"
		print "    <listen address=\"::\" port=\"21\"/>"
		print "    <passive min-port=\"40000\" max-port=\"40049\"/>"
		print "    <allow>"
		if (first != "")
			print "      <network>" first "</network>"
		for (i = 0; i < 20000; i++) {
			j = (swap && i == 10000) ? 20000 : i
			idx = (j * 1000003 + 17) % (200 * 65536)
			printf "      <network>%d.%d.%d.0/24</network>\n", 20 + int(idx / 65536), int(idx / 256) % 256, idx % 256
		}
		for (i = 0; i < 9000; i++) {
			idx = (i * 40503 + 77) % 65536
			printf "      <network>2a%02x:%x:%x::/48</network>\n", i % 16, 1000 + int(i / 16), idx
		}
		print "    </allow>"
		print "  </server>"
		print "</site>"
	}' >"$1"
}

# net4 J: IPv4 network J of large().
net4() {
	awk -v j="$1" 'BEGIN { idx = (j * 1000003 + 17) % (200 * 65536)
		printf "%d.%d.%d.0/24\n", 20 + int(idx / 65536), int(idx / 256) % 256, idx % 256 }'
}

# ruleset_part FILE: the ruleset's unified diff in a `diff` output.
ruleset_part() {
	sed -n '/^--- ruleset (live)$/,$p' "$1"
}

# count PATTERN FILE: lines of FILE matching PATTERN.
count() {
	grep -c -- "$1" "$2" || true
}

# one_swap FILE: FILE (the text output of `diff` a.xml -> b.xml) shows the
# swap and nothing else.
one_swap() {
	ruleset_part "$1" >"$tmp/rs"
	[ -s "$tmp/rs" ] || { cat "$1"; fail "diff shows no ruleset diff"; }
	[ "$(count '^- element ' "$1")" = 1 ] && [ "$(count '^+ element ' "$1")" = 1 ] &&
		grep -q -x -F -- "- element $old in set s_allow_v4" "$1" &&
		grep -q -x -F -- "+ element $new in set s_allow_v4" "$1" ||
		{ cat "$1"; fail "the plan is not the one swapped network"; }
	grep -v '^---\|^+++' "$tmp/rs" >"$tmp/rs.body"
	[ "$(count '^-' "$tmp/rs.body")" = 1 ] && [ "$(count '^+' "$tmp/rs.body")" = 1 ] ||
		{ cat "$tmp/rs"; fail "the ruleset diff is not one line out and one line in"; }
	grep -q -x -F -- "-$(printf '\t\t\t     ')$old," "$tmp/rs.body" &&
		grep -q -x -F -- "+$(printf '\t\t\t     ')$new," "$tmp/rs.body" ||
		{ cat "$tmp/rs"; fail "the ruleset diff does not swap $old for $new"; }
	! grep -q ':' "$tmp/rs.body" || { cat "$tmp/rs"; fail "the ruleset diff shows the unchanged IPv6 set"; }
	! grep -q 's_allow_v[46]_' "$1" || { cat "$1"; fail "diff speaks of shards"; }
	[ "$(count '^@@ ' "$tmp/rs")" -le 2 ] || { cat "$tmp/rs"; fail "more hunks than changes"; }
	[ "$(wc -l <"$1")" -le 60 ] || { wc -l <"$1"; fail "diff of one swapped network is longer than 60 lines"; }
}

inner() {
	tmp=$1
	root=$tmp/root
	mkdir -p "$root"
	F="$FTPCFG --root $root"
	large "$tmp/a.xml" 0
	large "$tmp/b.xml" 1
	large "$tmp/c.xml" 0 10.200.0.0/24
	old=$(net4 10000)
	new=$(net4 20000)

	echo "# apply 29 000 networks; diff of the same site is empty"
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"
	nft list table inet ftpcfg | grep -q 's_allow_v4_[0-9a-f]' || fail "the IPv4 allowlist is not sharded"
	nft list table inet ftpcfg | grep -q 's_allow_v6_[0-9a-f]' || fail "the IPv6 allowlist is not sharded"
	expect_rc 0 $F diff "$tmp/a.xml"

	echo "# one network swapped: one line out, one line in (live from the record)"
	expect_rc 2 $F --no-color -v diff "$tmp/b.xml"
	said_v '^live: from the record' "diff did not read the live ruleset from the record"
	cp "$tmp/out" "$tmp/out.record"
	one_swap "$tmp/out.record"

	echo "# the same from a dump (another table moved the generation)"
	nft add table ip other
	expect_rc 2 $F --no-color -v diff "$tmp/b.xml"
	said_v '^live: dumped' "diff did not dump after the generation moved"
	cmp -s "$tmp/out.record" "$tmp/out" ||
		{ diff -u "$tmp/out.record" "$tmp/out"; fail "the diff from a dump differs from the one from the record"; }

	echo "# --json diff carries the same ruleset diff"
	expect_rc 2 $F --json diff "$tmp/b.xml"
	jq -j '.diffs[] | select(.path == "ruleset") | .diff' "$tmp/out" >"$tmp/json.rs"
	ruleset_part "$tmp/out.record" >"$tmp/text.rs"
	cmp -s "$tmp/text.rs" "$tmp/json.rs" ||
		{ diff -u "$tmp/text.rs" "$tmp/json.rs"; fail "--json diff's ruleset diff differs from the text"; }
	[ "$(jq '[.plan[] | select(.object == "element")] | length' "$tmp/out")" = 2 ] ||
		{ cat "$tmp/out"; fail "--json diff plans more than the swapped network"; }

	echo "# a network before all others: the first line of the elements changes"
	expect_rc 2 $F --no-color diff "$tmp/c.xml"
	ruleset_part "$tmp/out" | grep -v '^---\|^+++' >"$tmp/rs.body"
	[ "$(count '^-' "$tmp/rs.body")" = 1 ] && [ "$(count '^+' "$tmp/rs.body")" = 2 ] &&
		grep -q -F -- "+		elements = { 10.200.0.0/24," "$tmp/rs.body" ||
		{ cat "$tmp/out"; fail "a network added first does not show as the first line changed"; }

	echo "# apply the swap: nothing differs any more"
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"
	expect_rc 0 $F diff "$tmp/b.xml"
	echo "PASS"
}

netns_inner "$@"

need_netns
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
netns_run
