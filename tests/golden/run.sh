#!/bin/sh
# Golden tests.  Every tests/data/*.xml and examples/*.xml is run through
# the binary: a site that validates must render exactly its golden
# (<case>.render: render's stdout and stderr, then the exit code); one that
# does not must fail exactly as its <case>.err says (exit code, then every
# message).  A valid site's `render --effective` must render the same.  `make golden` (--update) rewrites them: review the diff.
set -u
cd "$(dirname "$0")/../.."
FTPCFG=${FTPCFG:-./ftpcfg}
update=0
[ "${1:-}" = --update ] && update=1
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for site in tests/data/*.xml examples/*.xml; do
	case $site in
	examples/*) base=tests/golden/examples/$(basename "${site%.xml}") ;;
	*) base=${site%.xml} ;;
	esac
	"$FTPCFG" validate "$site" >/dev/null 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then
		golden=$base.render
		"$FTPCFG" render "$site" >"$tmp/actual" 2>&1
		echo "exit $?" >>"$tmp/actual"
		# The effective site validates again and renders exactly the same.
		"$FTPCFG" render --effective "$site" >"$tmp/effective.xml" 2>/dev/null &&
			"$FTPCFG" -q render "$site" >"$tmp/r1" 2>/dev/null &&
			"$FTPCFG" -q render "$tmp/effective.xml" >"$tmp/r2" 2>/dev/null
		if [ "$update" = 0 ] && ! cmp -s "$tmp/r1" "$tmp/r2"; then
			diff -u "$tmp/r1" "$tmp/r2" | head -20
			echo "FAIL: $site: render --effective does not render the same"
			failed=$((failed + 1))
			continue
		fi
	else
		golden=$base.err
		{ echo "exit $rc"; "$FTPCFG" validate "$site" 2>&1; } >"$tmp/actual"
	fi
	if [ "$update" = 1 ]; then
		mkdir -p "$(dirname "$golden")"
		rm -f "$base.render" "$base.err"
		cp "$tmp/actual" "$golden"
		continue
	fi
	if [ ! -f "$golden" ]; then
		echo "FAIL: $site: no golden $golden (run 'make golden' and review it)"
		failed=$((failed + 1))
	elif ! diff -u "$golden" "$tmp/actual"; then
		echo "FAIL: $site differs from $golden"
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
done
[ "$update" = 1 ] && { echo "golden: updated"; exit 0; }
echo "golden: $passed passed, $failed failed"
[ -n "${CHECK_COUNTS:-}" ] && echo "$passed $failed" >>"$CHECK_COUNTS"
[ "$failed" = 0 ]
