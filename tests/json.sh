# shellcheck shell=sh
# json_check for the shell tests (sourced by tests/netns/lib.sh,
# tests/e2e/lib.sh, tests/golden/run.sh): every --json output a test
# captures goes through tests/json-check.py, which checks that it is
# exactly one document, valid against templates/json/<command>.schema.json,
# and that its error object matches the exit code.
# The sourcing script sets JSON_CHECK to tests/json-check.py's path first.
: "${JSON_CHECK:?set JSON_CHECK to the path of tests/json-check.py before sourcing tests/json.sh}"

# json_check RC FILE...: FILEs hold the stdout of runs that exited RC.
json_check() {
	_rc=$1
	shift
	python3 "$JSON_CHECK" --rc "$_rc" "$@" || {
		for _f in "$@"; do echo "--- $_f"; head -c 2000 "$_f"; done
		echo "FAIL: --json output does not follow its schema (tests/json-check.py)"
		exit 1
	}
}
