#!/bin/sh
# `make demo`: the main job on a bundled example, printed step by step.
set -eu
cd "$(dirname "$0")/.."
site=${1:-examples/vsftpd-both-tls.xml}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() { echo "\$ $*"; "$@"; }

run ./ftpcfg validate "$site"
echo "(silent: the site is valid)"
echo
run ./ftpcfg render "$site"
echo
run ./ftpcfg render -o "$out" "$site"
echo "written under $out:"
(cd "$out" && find . -type f | sort)
echo
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
	echo "\$ unshare -n sh -c 'nft -f $out/ftpcfg.nft && nft list ruleset'"
	unshare -n sh -c "nft -f '$out/ftpcfg.nft' && nft list ruleset"
else
	echo "(not root: skipping the load of the ruleset into a throwaway network namespace)"
fi
