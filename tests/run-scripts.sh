#!/bin/sh
# Runs every DIR/*.sh.  Exit 0 passes, 77 skips (loudly; under CI a skip
# fails the run: CI runs as root and must run everything), anything else
# fails.  Prints one closing line of counts.
set -u
name=$1
dir=$2
passed=0
failed=0
skipped=0
for t in "$dir"/*.sh; do
	[ -e "$t" ] || continue
	case "$(basename "$t")" in lib*.sh) continue ;; esac
	echo "== $name: $t"
	sh "$t"
	rc=$?
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
	elif [ "$rc" = 77 ]; then
		echo "SKIP: $t (exit 77)"
		if [ -n "${CI:-}" ]; then
			echo "FAIL: $t skipped under CI, where every test must run"
			failed=$((failed + 1))
		else
			skipped=$((skipped + 1))
		fi
	else
		echo "FAIL: $t (exit $rc)"
		failed=$((failed + 1))
	fi
done
echo "$name: $passed passed, $failed failed, $skipped skipped"
[ -n "${CHECK_COUNTS:-}" ] && echo "$passed $failed" >>"$CHECK_COUNTS"
[ "$failed" = 0 ]
