#!/bin/sh
# Runs a libFuzzer binary for a bounded time (FUZZ_SECONDS, default 60) on
# a temp copy of tests/fuzz/corpus, so the seeds stay as committed.  Crash,
# leak and timeout inputs are kept in build/fuzz/artifacts/; turn each into
# a fix and a unit test.  Usage: run.sh FUZZER [SECONDS]
set -eu
[ $# -ge 1 ] || { echo "usage: $0 FUZZER [SECONDS]" >&2; exit 64; }
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
secs=${2:-${FUZZ_SECONDS:-60}}
cd "$(dirname "$0")/../.."
top=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/corpus" build/fuzz/artifacts
# FUZZ_CORPUS: the seeds (default: the site parser's); FUZZ_DICT: its
# dictionary (default tests/fuzz/site.dict; empty: none).
cp "${FUZZ_CORPUS:-tests/fuzz/corpus}"/* "$tmp/corpus/"
dict=${FUZZ_DICT-tests/fuzz/site.dict}
echo "fuzz: $(basename "$bin") for ${secs}s on $(ls "$tmp/corpus" | wc -l) seeds"
# -timeout: one input may take this long; the hostile cases in test_site_hostile
# run in well under a second.  -rss_limit_mb: 16 MiB inputs are refused by
# size, so nothing legitimate comes near it.
FTPCFG_TEMPLATE_DIR=${FTPCFG_TEMPLATE_DIR:-$top/templates} \
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
	${dict:+-dict="$dict"} -artifact_prefix="$top/build/fuzz/artifacts/" \
	-print_final_stats=1 "$tmp/corpus"
