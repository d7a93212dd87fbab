# shellcheck shell=sh
# Helpers for the netns tests; sourced, never run (tests/run-scripts.sh skips lib*.sh).

# Print a command, then run it.
run() {
	echo "+ $*" >&2
	"$@"
}

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	exit 1
}

# Skip unless we are root and can make a network namespace with nft in it.
need_netns() {
	[ "$(id -u)" = 0 ] || skip "needs root (unshare -n, nft)"
	command -v nft >/dev/null 2>&1 || skip "nft is not installed"
	command -v unshare >/dev/null 2>&1 || skip "unshare is not installed"
	unshare -n true 2>/dev/null || skip "cannot create a network namespace (unshare -n)"
}

# nft prints counter values; ftpcfg renders a bare `counter` (values are never a difference).
strip_counters() {
	sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/g'
}
