#!/bin/sh
# The generation fast path, against the real kernel: after an apply, a
# one-network change is planned from the record (no dump) and sent as a
# small batch; drift made by hand moves the generation, so it is dumped and
# put back; a no-op after another table moved the generation reads the
# table against the record without parsing the site, and records the new
# generation; status at the recorded generation reads neither ftpcfg's
# elements nor the other tables (strace counts the requests), but does
# after a change, and a foreign drop chain added after an apply is still
# reported; a rule change falls back to a dump (handles); a record whose
# generation is not ours is not trusted, nor one counted in another
# namespace or boot; a sharded table is read by two threads, each set by
# one, and by one thread when no second can start; and the daemon file
# apply writes is the one `render` prints (apply renders it without the
# allowlist).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/netns/lib.sh
. "$here/lib.sh"
FTPCFG=${FTPCFG:-$here/../../ftpcfg}

# ---- inside `unshare -n` ------------------------------------------------

# traced RC ARGS...: expect_rc RC for `ftpcfg ARGS`, then the same run
# again under strace, recording the netlink requests it sends (strace
# decodes each message type) in $tmp/trace.  LeakSanitizer cannot run
# under ptrace: the first run checks for leaks, the traced one does not.
traced() {
	want=$1
	shift
	expect_rc "$want" $F "$@"
	cp "$tmp/out" "$tmp/out.first"
	rm -f "$tmp/trace"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		expect_rc "$want" strace -f -qq -e trace=sendto,sendmsg -o "$tmp/trace" $F "$@"
	[ -s "$tmp/trace" ] || fail "strace recorded nothing for 'ftpcfg $*'"
	cmp -s "$tmp/out.first" "$tmp/out" || { diff "$tmp/out.first" "$tmp/out"; fail "'ftpcfg $*' said something else the second time"; }
}

# sent TYPE TEST N MESSAGE: the number of NFT_MSG_TYPE requests in the last
# traced run passes `test COUNT TEST N`, else fail with MESSAGE.
sent() {
	count=$(grep -o 'NFT_MSG_[A-Z]*' "$tmp/trace" | grep -c -x "NFT_MSG_$1" || true)
	test "$count" "$2" "$3" || { grep -o 'NFT_MSG_[A-Z]*' "$tmp/trace" | sort | uniq -c; fail "$4 ($count NFT_MSG_$1)"; }
}

inner() {
	tmp=$1
	root=$tmp/root
	state=$root/var/lib/ftpcfg
	mkdir -p "$root"
	F="$FTPCFG --root $root"
	site "$tmp/a.xml" 10.200.0.0/25 192.0.2.0/24 2001:db8::/48
	site "$tmp/b.xml" 10.200.0.0/25 198.51.100.0/24 2001:db8::/48
	PASV_MAX=40048 site "$tmp/c.xml" 10.200.0.0/25 198.51.100.0/24 2001:db8::/48

	echo "# the first apply on an empty namespace dumps (there is no record)"
	expect_rc 0 $F -v apply --no-reload "$tmp/a.xml"
	said_v '^live: dumped' "the first apply did not dump"

	echo "# a one-network change is planned from the record, without a dump"
	expect_rc 0 $F -v apply --no-reload "$tmp/b.xml"
	said_v '^live: from the record (generation [0-9]* unchanged)' "no fast path after an apply"
	said_v '^batch: 2 messages' "a one-network change is not one delete and one add"
	nft list set inet ftpcfg s_allow_v4 | grep -q '198.51.100.0/24' || fail "network not added"
	nft list set inet ftpcfg s_allow_v4 | grep -q '192.0.2.0/24' && fail "network not deleted"
	expect_rc 0 $F -v diff "$tmp/b.xml"
	said_v '^live: from the record' "diff after apply does not use the record"

	echo "# nothing changed: the input is the one applied, so no parse, no dump, no batch"
	expect_rc 0 $F -v apply --no-reload "$tmp/b.xml"
	said_v '^input and ruleset generation unchanged since the last apply' "a no-op apply did not take the quick path"
	said '^No changes' "a no-op apply did not say 'No changes'"
	said 'No changes' "a no-op apply changed something"
	grep -q '^batch:' "$tmp/err" && fail "a no-op apply sent a batch"

	echo "# a managed file edited by hand is not a quick no-op: it is put back"
	echo "# edited by hand" >>"$root/etc/vsftpd.conf"
	expect_rc 0 $F -v apply --no-reload "$tmp/b.xml"
	grep -q '^input and ruleset generation unchanged' "$tmp/err" && fail "an edited file took the quick path"
	said '^Applied' "the edited file was not put back"
	grep -q 'edited by hand' "$root/etc/vsftpd.conf" && fail "the edited file was not put back"

	echo "# the same site with other bytes is parsed again (and changes nothing)"
	sed 's|<site |<!-- same site, other bytes --><site |' "$tmp/b.xml" >"$tmp/b2.xml"
	expect_rc 0 $F -v apply --no-reload "$tmp/b2.xml"
	grep -q '^input and ruleset generation unchanged' "$tmp/err" && fail "other site bytes took the quick path"
	said '^No changes' "the same site with other bytes changed something"

	echo "# drift by hand moves the generation: dumped, shown and put back"
	run nft delete element inet ftpcfg s_allow_v4 '{ 198.51.100.0/24 }'
	expect_rc 2 $F -v diff "$tmp/b.xml"
	said_v '^live: dumped' "drift by hand was not dumped"
	said '^+ element 198.51.100.0/24 in set s_allow_v4' "drift not shown"
	expect_rc 0 $F -v apply --no-reload "$tmp/b.xml"
	said_v '^live: dumped' "apply after drift did not dump"
	grep -q '^input unchanged since the last apply' "$tmp/err" && fail "drift by hand taken for a no-op"
	nft list set inet ftpcfg s_allow_v4 | grep -q '198.51.100.0/24' || fail "drift not put back"

	echo "# another table's change moves the generation too"
	run nft add table ip other
	expect_rc 0 $F -v diff "$tmp/b.xml"
	said_v '^live: dumped' "a foreign change did not force a dump"
	echo "# ... so a no-op apply reads the table against the record (not the site) and records the generation"
	expect_rc 0 $F -v apply --no-reload "$tmp/b.xml"
	said_v '^input unchanged since the last apply; the ruleset generation moved (now [0-9]*): the table was read and is as recorded' \
		"a no-op after a foreign change did not take the record's ruleset"
	grep -q '^live: dumped' "$tmp/err" && fail "a no-op after a foreign change parsed and planned the site"
	said '^No changes' "a no-op after a foreign change did not say 'No changes'"
	expect_rc 0 $F -v apply --no-reload "$tmp/b.xml"
	said_v '^input and ruleset generation unchanged since the last apply' \
		"the no-op after a foreign change did not record the new generation"
	run nft delete table ip other

	echo "# status at the recorded generation reads no element and no other table"
	# (the no-op after the foreign change writes the record at this generation)
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"
	traced 0 status
	said 'generation [0-9]* (unchanged since the last apply)' "status does not see the recorded generation"
	said '^Drift: none' "status at the recorded generation shows drift"
	said '^Conflicts: none' "status at the recorded generation shows a conflict"
	sent GETGEN -gt 0 "status did not read the generation"
	sent GETSETELEM -eq 0 "status dumped set elements at the recorded generation"
	sent GETCHAIN -eq 0 "status read the chains at the recorded generation"
	sent GETRULE -eq 0 "status read the rules at the recorded generation"
	traced 0 diff "$tmp/b.xml"
	sent GETCHAIN -eq 0 "diff ran the conflict check at the recorded generation"
	sent GETSETELEM -eq 0 "diff dumped set elements at the recorded generation"

	echo "# after a change by hand status dumps, and finds the drift"
	run nft delete element inet ftpcfg s_allow_v4 '{ 198.51.100.0/24 }'
	traced 0 status
	said 'generation [0-9]* (changed since the last apply)' "status missed the moved generation"
	said '^  + element 198.51.100.0/24 in set s_allow_v4' "status does not show the drift"
	sent GETSETELEM -gt 0 "status did not dump after the generation moved"
	sent GETCHAIN -gt 0 "status did not run the conflict check after the generation moved"
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"

	echo "# a foreign drop chain added after an apply is reported by status, diff and apply"
	run nft add table ip other
	run nft add chain ip other in '{ type filter hook input priority 10; policy drop; }'
	traced 0 status
	said "^  chain 'ip other in' (hook input, priority 10; .*) drops .*: policy drop" \
		"status does not report the foreign drop chain"
	traced 0 diff "$tmp/b.xml"
	said "^! conflict: chain 'ip other in'" "diff does not report the foreign drop chain"
	expect_rc 1 $F apply --no-reload "$tmp/b.xml"
	said_v "chain 'ip other in' .*--allow-conflicts" "apply does not refuse the foreign drop chain"
	echo "# a verdict with conflicts is never kept: status at that generation checks again"
	expect_rc 0 $F apply --no-reload --allow-conflicts "$tmp/b.xml"
	traced 0 status
	said 'generation [0-9]* (unchanged since the last apply)' "apply --allow-conflicts did not record the generation"
	said "^  chain 'ip other in'" "status at the recorded generation lost the conflict"
	sent GETCHAIN -gt 0 "a verdict with conflicts was kept"
	run nft delete table ip other
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"

	echo "# a rule change needs the kernel's handles: the record is not enough"
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"
	expect_rc 0 $F -v apply --no-reload "$tmp/c.xml"
	said_v '^live: dumped (generation [0-9]*; rules change' "a rule change did not dump for the handles"
	expect_rc 0 $F diff "$tmp/c.xml"
	nft list chain inet ftpcfg input | grep -q '40000-40048' || fail "rule not changed"

	echo "# a record that does not vouch for the generation is not trusted"
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"
	# One byte changed anywhere: the seal no longer matches.
	size=$(stat -c %s "$state/record")
	printf 'X' | dd of="$state/record" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	expect_rc 0 $F -v diff "$tmp/b.xml"
	said_v '^live: dumped' "a damaged record was trusted"
	expect_rc 1 $F status
	grep -q "the record '$state/record' is damaged" "$tmp/err" || { cat "$tmp/err"; fail "status does not say the record is damaged"; }
	expect_rc 0 $F -v apply --no-reload "$tmp/b.xml"
	grep -q 'is damaged and cannot be trusted' "$tmp/err" || { cat "$tmp/err"; fail "apply does not say the record is damaged"; }
	said '^No changes' "a damaged record made apply change something"
	expect_rc 0 $F -v apply --no-reload "$tmp/b.xml"
	said_v '^input and ruleset generation unchanged' "a no-op apply did not repair the damaged record"
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"
	head -c 100 "$state/record" >"$tmp/rec" && cp "$tmp/rec" "$state/record"
	expect_rc 0 $F -v diff "$tmp/a.xml"
	said_v '^live: dumped' "a truncated record was trusted"

	echo "# a damaged ruleset file is found by the change that reads it (in a thread, while the site is parsed): the table is read instead"
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"
	mkdir -p "$tmp/rs.keep"
	cp -p "$state"/rs.* "$tmp/rs.keep/"
	for f in "$state"/rs.*; do
		size=$(stat -c %s "$f")
		printf 'X' | dd of="$f" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	done
	expect_rc 0 $F -v apply --no-reload "$tmp/a.xml"
	grep -q 'is damaged and cannot be trusted' "$tmp/err" || { cat "$tmp/err"; fail "apply does not say the record (its ruleset file) is damaged"; }
	said_v '^live: dumped' "a damaged ruleset file was trusted"
	expect_rc 0 $F diff "$tmp/a.xml"
	expect_rc 0 $F status
	for f in "$tmp"/rs.keep/rs.*; do
		[ ! -e "$state/${f##*/}" ] || cp -p "$f" "$state/"
	done

	echo "# another namespace (or a reboot) at the same generation: the record is not trusted"
	# A generation restarts with every namespace and boot: reach the recorded
	# one in a fresh namespace, without ftpcfg's table, and apply the same site.
	# (Two real applies first: the record and its ruleset are whole again.)
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"
	# (expect_rc checks the document against its schema)
	expect_rc 0 $F --json status
	cp "$tmp/out" "$tmp/status.json"
	gen=$(jq .last_apply.genid "$tmp/status.json")
	[ "$gen" -ge 2 ] && [ "$gen" -le 200 ] || fail "unexpected recorded generation '$gen'"
	cat >"$tmp/other-ns.sh" <<-EOF
	set -e
	i=1
	while [ \$i -lt $gen ]; do nft add table ip filler\$i; i=\$((i + 1)); done
	"$NL_DRIVER" genid >"$tmp/gen.other"
	set +e
	$F -v diff "$tmp/a.xml" >"$tmp/out.diff" 2>"$tmp/err"
	echo \$? >"$tmp/rc.diff"
	$F -v apply --no-reload "$tmp/a.xml" >"$tmp/out" 2>"$tmp/err"
	echo \$? >"$tmp/rc.apply"
	nft list table inet ftpcfg >/dev/null 2>&1
	echo \$? >"$tmp/rc.table"
	EOF
	run unshare -n sh "$tmp/other-ns.sh"
	[ "$(cat "$tmp/gen.other")" = "$gen" ] || fail "the other namespace is at generation $(cat "$tmp/gen.other"), not $gen"
	[ "$(cat "$tmp/rc.diff")" = 2 ] || { cat "$tmp/out.diff" "$tmp/err"; fail "diff in another namespace saw no change"; }
	[ "$(cat "$tmp/rc.apply")" = 0 ] || { cat "$tmp/out" "$tmp/err"; fail "apply in another namespace failed"; }
	said_v '^live: dumped' "a generation counted in another namespace was trusted"
	[ "$(cat "$tmp/rc.table")" = 0 ] || fail "apply in another namespace did not make the table"

	echo "# a sharded allowlist is read by two readers at once, each set whole by one of them"
	gen_sharded "$tmp"
	big=$tmp/sharded-std.xml
	expect_rc 0 $F -v apply --no-reload "$big"
	said_v '^site: 18003 networks, 18002 of them read as plain lines' \
		"the allowlist's plain lines went through libxml2"
	run nft add table ip other
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		expect_rc 0 strace -f -qq -e trace=sendto -o "$tmp/trace" $F -v apply --no-reload "$big"
	said_v '^input unchanged since the last apply; the ruleset generation moved (now [0-9]*): the table was read and is as recorded' \
		"two readers did not read the sharded table as recorded"
	readers=$(grep 'NFT_MSG_GETSETELEM' "$tmp/trace" | awk '{ print $1 }' | sort -u | wc -l)
	[ "$readers" = 2 ] || fail "the sharded table was read by $readers threads, not 2"
	# Networks taken out by hand from eight shards, whichever reader reads them
	# (a /24 that merged with its neighbour is no element of its own: skipped).
	: >"$tmp/gone"
	for net in $(awk -F'[<>]' '/<network>[0-9.]*\.0\/24</ { split($3, o, "."); if (!seen[o[1]]++ && n++ < 64) print $3 }' "$big"); do
		[ "$(wc -l <"$tmp/gone")" -lt 8 ] || break
		octet=${net%%.*}
		nft delete element inet ftpcfg "big_allow_v4_$(printf %02x "$octet")" "{ $net }" 2>/dev/null || continue
		echo "+ element $net in set big_allow_v4" >>"$tmp/gone"
	done
	[ "$(wc -l <"$tmp/gone")" = 8 ] || fail "fewer than 8 networks could be taken out"
	expect_rc 2 $F diff "$big"
	while read -r line; do
		grep -qF -- "$line" "$tmp/out" || { cat "$tmp/out"; fail "diff missed '$line'"; }
	done <"$tmp/gone"
	echo "# ... and by one when no second thread can start: the same drift, put back"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		expect_rc 2 strace -f -qq -o "$tmp/trace" -e trace=clone,clone3,sendto \
		-e inject=clone,clone3:error=EAGAIN $F diff "$big"
	readers=$(grep 'NFT_MSG_GETSETELEM' "$tmp/trace" | awk '{ print $1 }' | sort -u | wc -l)
	[ "$readers" = 1 ] || fail "with no second thread the table was read by $readers threads, not 1"
	while read -r line; do
		grep -qF -- "$line" "$tmp/out" || { cat "$tmp/out"; fail "one reader missed '$line'"; }
	done <"$tmp/gone"
	expect_rc 0 $F apply --no-reload "$big"
	expect_rc 0 $F diff "$big"
	run nft delete table ip other
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"

	echo "# apply writes the daemon file render prints (apply hides the allowlist from the templates)"
	run "$FTPCFG" render -o "$tmp/rendered" "$tmp/a.xml"
	cmp "$tmp/rendered/etc/vsftpd.conf" "$root/etc/vsftpd.conf" || fail "apply and render disagree"
	tpl=${FTPCFG_TEMPLATE_DIR:-$here/../../templates}
	# (a quoted literal such as 'allow_anon_ssl' is a directive name, not the <allow> element)
	if grep -n -E "(select|test|match)=\"[^\"']*(allow|network)" "$tpl"/*.xsl; then
		fail "a template reads <allow>: effective.c must stop leaving it out for stylesheets"
	fi
	echo "PASS"
}

netns_inner "$@"

need_netns
[ -x "${NL_DRIVER:-}" ] || skip "NL_DRIVER (build/san/tests/nl_driver) is not built: run make check"
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
command -v strace >/dev/null 2>&1 || skip "strace is not installed (scripts/install-deps.sh)"
netns_run
