#!/bin/sh
# The golden runner itself: a chain whose first command fails must fail
# the run.  An ftpcfg whose `render --effective` prints the right site
# but exits 1 is handed to tests/golden/run.sh over one valid example; the
# run must exit non-zero and say why.  Then the same example with the
# real ftpcfg must pass, so that the failure above is the chain's.
set -u
cd "$(dirname "$0")/../.." || exit 1
FTPCFG=${FTPCFG:-./ftpcfg}
case $FTPCFG in /*) ;; *) FTPCFG=$PWD/$FTPCFG ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
site=examples/vsftpd-passive.xml

cat >"$tmp/ftpcfg" <<EOF2
#!/bin/sh
# render --effective prints what the real one prints, then fails; everything else is the real ftpcfg.
for a in "\$@"; do [ "\$a" = --effective ] && { "$FTPCFG" "\$@"; exit 1; }; done
exec "$FTPCFG" "\$@"
EOF2
chmod +x "$tmp/ftpcfg"

GOLDEN_SITES=$site FTPCFG=$tmp/ftpcfg CHECK_COUNTS='' tests/golden/run.sh >"$tmp/out" 2>&1
rc=$?
if [ "$rc" != 0 ] && grep -q "FAIL: $site: render --effective" "$tmp/out"; then
	passed=$((passed + 1))
else
	cat "$tmp/out"
	echo "FAIL: golden/run.sh passed although render --effective failed (exit $rc)"
	failed=$((failed + 1))
fi
if GOLDEN_SITES=$site CHECK_COUNTS='' tests/golden/run.sh >"$tmp/out" 2>&1; then
	passed=$((passed + 1))
else
	cat "$tmp/out"
	echo "FAIL: golden/run.sh fails $site with the real ftpcfg"
	failed=$((failed + 1))
fi
echo "golden-selftest: $passed passed, $failed failed"
[ -n "${CHECK_COUNTS:-}" ] && echo "$passed $failed" >>"$CHECK_COUNTS"
[ "$failed" = 0 ]
