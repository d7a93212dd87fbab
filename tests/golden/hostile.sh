#!/bin/sh
# Hostile site descriptions through the real command line: each must exit
# 65 with exactly one line on stderr and nothing on stdout.  The inputs are
# generated (a 50 MB file has no place in git); `timeout` only turns a hang
# into a failure, it measures nothing.  test_site covers the same ground in
# depth; this checks the exit code and the printing on top.
set -u
cd "$(dirname "$0")/../.." || exit 1
FTPCFG=${FTPCFG:-./ftpcfg}
export FTPCFG_TEMPLATE_DIR=${FTPCFG_TEMPLATE_DIR:-$(pwd)/templates}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

srv='<server name="a" daemon="vsftpd">'
printf '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<site name="t" version="1">%s<banner>&e;</banner></server></site>\n' "$srv" >"$tmp/xxe.xml"
printf '<!DOCTYPE site SYSTEM "http://192.0.2.1/site.dtd">\n<site name="t" version="1">%s</server></site>\n' "$srv" >"$tmp/dtd.xml"
printf '<site name="t" version="1">%s<banner>a&#10;b</banner></server></site>\n' "$srv" >"$tmp/newline.xml"
printf '<site name="t" version="1">%s<banner>&undeclared;</banner></server></site>\n' "$srv" >"$tmp/entity.xml"
printf '\377\376<\000s\000i\000t\000e\000/\000>\000' >"$tmp/utf16.xml"
printf '<?xml version="1.0" encoding="EUC-JP"?>\n<site name="t" version="1">%s<banner>\377\377\216</banner></server></site>\n' "$srv" >"$tmp/eucjp.xml"
printf '<site' >"$tmp/big.xml"
truncate -s 50000000 "$tmp/big.xml"
awk 'BEGIN { printf "<site name=\"t\" version=\"1\">"; for (i = 0; i < 100000; i++) printf "<a>";
	for (i = 0; i < 100000; i++) printf "</a>"; print "</site>" }' >"$tmp/deep.xml"
awk 'BEGIN { printf "<site name=\"t\" version=\"1\""; for (i = 0; i < 100000; i++) printf " a%d=\"\"", i;
	print "><server name=\"a\" daemon=\"vsftpd\"/></site>" }' >"$tmp/attrs.xml"
awk 'BEGIN { printf "<site name=\"t\" version=\"1\"><server name=\"a\" daemon=\"vsftpd\"><banner>";
	for (i = 0; i < 200000; i++) printf "&#1;"; print "</banner></server></site>" }' >"$tmp/flood.xml"

for site in "$tmp"/*.xml; do
	name=$(basename "$site")
	timeout 60 "$FTPCFG" validate "$site" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" != 65 ] || [ "$lines" != 1 ] || [ -s "$tmp/out" ]; then
		echo "FAIL: $name: exit $rc, $lines lines on stderr (want 65 and 1):"
		head -c 600 "$tmp/err"
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
done
# 300 bad networks: the first 50 errors, a line counting the others, and all of them in --json.
awk 'BEGIN { print "<site name=\"t\" version=\"1\"><server name=\"a\" daemon=\"vsftpd\"><allow>";
	for (i = 0; i < 300; i++) printf "<network>10.%d.%d.1/24</network>\n", int(i / 256), i % 256;
	print "</allow></server></site>" }' >"$tmp/many-errors.xml"
"$FTPCFG" validate "$tmp/many-errors.xml" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" = 65 ] && [ "$(wc -l <"$tmp/err")" = 51 ] &&
	[ "$(grep -c 'has host bits set' "$tmp/err")" = 50 ] &&
	tail -n 1 "$tmp/err" | grep -qx 'ftpcfg: 250 more errors and 0 more warnings not shown; --json lists every one'; then
	passed=$((passed + 1))
else
	echo "FAIL: many-errors.xml: exit $rc; stderr (want 50 errors and a count of 250 more):"
	head -n 3 "$tmp/err"
	tail -n 2 "$tmp/err"
	failed=$((failed + 1))
fi
"$FTPCFG" --json validate "$tmp/many-errors.xml" >"$tmp/out" 2>"$tmp/err"
rc=$?
n=$(python3 -c 'import json, sys; print(len(json.load(sys.stdin)["error"]["diagnostics"]))' <"$tmp/out" 2>/dev/null)
if [ "$rc" = 65 ] && [ "$n" = 300 ]; then
	passed=$((passed + 1))
else
	echo "FAIL: many-errors.xml --json: exit $rc, $n diagnostics (want 65 and 300)"
	failed=$((failed + 1))
fi
echo "hostile: $passed passed, $failed failed"
[ -n "${CHECK_COUNTS:-}" ] && echo "$passed $failed" >>"$CHECK_COUNTS"
[ "$failed" = 0 ]
