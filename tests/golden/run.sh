#!/bin/sh
# Golden tests.  Every tests/data/*.xml and examples/*.xml is run through
# the binary: a site that validates must render exactly its golden
# (<case>.render: render's stdout and stderr, then the exit code); one that
# does not must fail exactly as its <case>.err says (exit code, then every
# message).  A valid site's `render --effective` must render the same.
# `make golden` (--update) rewrites them: review the diff.
set -u
cd "$(dirname "$0")/../.." || exit 1
FTPCFG=${FTPCFG:-./ftpcfg}
update=0
[ "${1:-}" = --update ] && update=1
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Every site's `--json validate`, and a valid site's `--json render` and
# `--json render --effective`, go through tests/json-check.py at the end
# (one run: each document alone, valid against its schema, its error
# matching the exit code).  $tmp/json/list: "--rc CODE FILE" per output.
JSON_CHECK=tests/json-check.py
# shellcheck source=tests/json.sh
. tests/json.sh
mkdir "$tmp/json"
n_json=0
json_run() {
	n_json=$((n_json + 1))
	"$FTPCFG" --json "$@" >"$tmp/json/$n_json.json" 2>/dev/null
	echo "--rc $? $tmp/json/$n_json.json" >>"$tmp/json/list"
}

# GOLDEN_SITES: other sites than all of them (tests/golden/selftest.sh runs one).
# shellcheck disable=SC2086 # a list of paths, split on purpose
for site in ${GOLDEN_SITES:-tests/data/*.xml examples/*.xml}; do
	case $site in
	examples/*) base=tests/golden/examples/$(basename "${site%.xml}") ;;
	*) base=${site%.xml} ;;
	esac
	"$FTPCFG" validate "$site" >/dev/null 2>&1
	rc=$?
	[ "$update" = 0 ] && json_run validate "$site"
	if [ "$rc" = 0 ]; then
		golden=$base.render
		[ "$update" = 0 ] && json_run render "$site" && json_run render --effective "$site"
		"$FTPCFG" render "$site" >"$tmp/actual" 2>&1
		echo "exit $?" >>"$tmp/actual"
		# The effective site validates again and renders exactly the same;
		# each step must succeed (files of the previous site never count).
		rm -f "$tmp/effective.xml" "$tmp/r1" "$tmp/r2"
		eff_ok=1
		"$FTPCFG" render --effective "$site" >"$tmp/effective.xml" 2>/dev/null || eff_ok=0
		"$FTPCFG" -q render "$site" >"$tmp/r1" 2>/dev/null || eff_ok=0
		"$FTPCFG" -q render "$tmp/effective.xml" >"$tmp/r2" 2>/dev/null || eff_ok=0
		if [ "$update" = 0 ] && [ "$eff_ok" = 0 ]; then
			echo "FAIL: $site: render --effective, or rendering what it printed, failed"
			failed=$((failed + 1))
			continue
		fi
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
# shellcheck disable=SC2046 # the list's words are options and mktemp paths
if python3 "$JSON_CHECK" $(cat "$tmp/json/list"); then
	passed=$((passed + 1))
else
	echo "FAIL: $n_json --json outputs checked against templates/json/, see above"
	failed=$((failed + 1))
fi
echo "golden: $passed passed, $failed failed"
[ -n "${CHECK_COUNTS:-}" ] && echo "$passed $failed" >>"$CHECK_COUNTS"
[ "$failed" = 0 ]
