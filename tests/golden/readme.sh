#!/bin/sh
# The README's example site and the site `make demo` shows validate with no
# warning at all, and the README's example is examples/vsftpd-both-tls.xml
# (so the golden tests render it too).
set -u
cd "$(dirname "$0")/../.." || exit 1
FTPCFG=${FTPCFG:-./ftpcfg}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

awk '/^## The site description/ { f = 1; next } f && /^```xml/ { g = 1; next }
	g && /^```/ { exit } g' README.md >"$tmp/readme.xml"
demo=$(sed -n 's/^site=\${1:-\(.*\)}$/\1/p' scripts/demo.sh)

check() {
	name=$1
	site=$2
	if [ ! -s "$site" ]; then
		echo "FAIL: $name: no site found"
		failed=$((failed + 1))
		return
	fi
	"$FTPCFG" validate "$site" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" != 0 ] || [ -s "$tmp/err" ] || [ -s "$tmp/out" ]; then
		echo "FAIL: $name: exit $rc, or it printed:"
		cat "$tmp/out" "$tmp/err"
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
}

check "README example" "$tmp/readme.xml"
check "make demo's site ($demo)" "$demo"
if grep -v '^<?xml\|^<!--' examples/vsftpd-both-tls.xml | cmp -s - "$tmp/readme.xml"; then
	passed=$((passed + 1))
else
	echo "FAIL: the README's example differs from examples/vsftpd-both-tls.xml:"
	grep -v '^<?xml\|^<!--' examples/vsftpd-both-tls.xml | diff - "$tmp/readme.xml"
	failed=$((failed + 1))
fi
echo "readme: $passed passed, $failed failed"
[ -n "${CHECK_COUNTS:-}" ] && echo "$passed $failed" >>"$CHECK_COUNTS"
[ "$failed" = 0 ]
