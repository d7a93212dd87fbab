#!/bin/sh
# An upgrade from the ftpcfg before ruleset files: its state directory
# (records that hold their ruleset inline, in the record file, the last
# journal and every generation; no rs.* file) is read as it is.  status
# and diff believe it, rollback and rollback --to put back what it
# recorded, and the next change writes the new form beside it; the sweep
# removes nothing those older files still need.  The older directory is
# made from one of this version by tests/netns/state-v5.py, which rewrites
# each record as version 5.  In a throwaway network namespace, under
# --root: the host's files and ruleset are never touched.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/netns/lib.sh
. "$here/lib.sh"
FTPCFG=${FTPCFG:-$here/../../ftpcfg}

inner() {
	tmp=$1
	root=$tmp/root
	state=$root/var/lib/ftpcfg
	F="$FTPCFG --root $root"
	mkdir -p "$root"
	site "$tmp/a.xml" 10.200.0.0/25
	site "$tmp/b.xml" 10.200.0.0/25 10.200.0.192/26
	site "$tmp/c.xml" 10.200.0.0/25 10.200.0.128/27

	echo "# two applies, then the state directory as the older ftpcfg left it"
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"
	run python3 "$here/state-v5.py" "$state" >"$tmp/conv"
	# The record, the one the last journal keeps, and the one each generation left.
	grep -qx 'state-v5: 4 files rewritten, 4 records' "$tmp/conv" || { cat "$tmp/conv"; fail "not every record was rewritten"; }
	[ -z "$(find "$state" -maxdepth 1 -name 'rs.*')" ] || fail "ruleset files are left"
	# Each record is now of version 5 (the byte after the magic).
	for f in record last gen.1 gen.2; do
		grep -q "FTPCFGR" "$state/$f" || fail "$f holds no record"
	done
	[ "$(od -An -tu1 -j8 -N1 "$state/record")" -eq 5 ] || fail "the record is not of version 5"

	echo "# status and diff believe it"
	expect_rc 0 $F status
	grep -q damaged "$tmp/err" && { cat "$tmp/err"; fail "status calls the older record damaged"; }
	expect_rc 0 $F diff "$tmp/b.xml"

	echo "# rollback puts back what the older last journal kept"
	expect_rc 0 $F rollback --no-reload
	expect_rc 0 $F diff "$tmp/a.xml"
	nft list ruleset | grep -q '10.200.0.192/26' && fail "rollback left b's network"
	[ "$(od -An -tu1 -j8 -N1 "$state/record")" -eq 6 ] || fail "the rollback did not write the new record"

	echo "# rollback --to an older generation"
	expect_rc 0 $F rollback --no-reload --to 2
	expect_rc 0 $F diff "$tmp/b.xml"
	nft list ruleset | grep -q '10.200.0.192/26' || fail "rollback --to 2 did not put back b's network"

	echo "# a change on top, then back to the first generation: nothing it needs was swept"
	expect_rc 0 $F apply --no-reload "$tmp/c.xml"
	expect_rc 0 $F diff "$tmp/c.xml"
	expect_rc 0 $F rollback --no-reload --to 1
	expect_rc 0 $F diff "$tmp/a.xml"
	expect_rc 0 $F --json history
	jq -e '[.generations[] | select(.damaged)] | length == 0' "$tmp/out" >/dev/null ||
		{ cat "$tmp/out"; fail "a generation is damaged after the upgrade"; }
	expect_rc 0 $F status
	echo "PASS"
}

netns_inner "$@"

need_netns
netns_run
