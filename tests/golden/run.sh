#!/bin/sh
# Golden tests.  Every tests/data/*.xml and examples/*.xml is run through
# the binary: a site that validates must render exactly its golden
# (<case>.render: render's stdout and stderr, then the exit code); one that
# does not must fail exactly as its <case>.err says (exit code, then every
# message).  `make golden` (--update) rewrites them: review the diff.
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
