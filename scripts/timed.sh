#!/bin/sh
# Runs one part of `make check` and prints how long it took:
#   scripts/timed.sh NAME COMMAND [ARG...]
# The exit status is the command's.
set -u
name=$1
shift
start=$(date +%s)
rc=0
"$@" || rc=$?
end=$(date +%s)
echo "time: $name took $((end - start)) s (exit $rc)"
[ -n "${CHECK_TIMES:-}" ] && echo "$name $((end - start))" >>"$CHECK_TIMES"
exit "$rc"
