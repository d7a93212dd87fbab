#!/bin/sh
# Fault injection at every system call of apply (first, change, no-op),
# rollback and the recovery itself: each call killed, failed with EIO, and
# (the write-side ones) with ENOSPC and EROFS; after each, the next run
# leaves the host wholly the old or the new site.  tests/faults/inject.py
# says exactly what is injected and checked.  Phase 1 counts the calls of
# clean runs; phase 2 runs $FAULT_WORKERS workers (2), each in its own
# network and mount namespace (a tmpfs holds the root and TMPDIR).
#
# It runs the unsanitized build ($FTPCFG_PLAIN): ptrace and the
# sanitizers' own start-up calls do not mix, and the suite must fit its time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/netns/lib.sh
. "$here/../netns/lib.sh"
FTPCFG_PLAIN=${FTPCFG_PLAIN:-$here/../../build/ftpcfg}
export FTPCFG_PLAIN
WORKERS=${FAULT_WORKERS:-2}

need_netns
command -v strace >/dev/null 2>&1 || fail "strace is not installed (scripts/install-deps.sh installs it)"
[ -x "$FTPCFG_PLAIN" ] || fail "no unsanitized ftpcfg at $FTPCFG_PLAIN (make builds it)"
tmp=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
# A copy: a rebuild while the suite runs must not change the binary under it.
cp "$FTPCFG_PLAIN" "$tmp/ftpcfg"
FTPCFG_PLAIN=$tmp/ftpcfg
site "$tmp/a.xml" 10.200.0.0/25
cat >"$tmp/b.xml" <<EOF2
<site name="t" version="1">
  <server name="s" daemon="vsftpd" mode="passive">
    <config path="/etc/vsftpd.conf" reload="true"/>
    <listen address="10.200.0.1" port="21"/>
    <passive min-port="40000" max-port="40048"/>
    <allow>
      <network>10.200.0.0/25</network>
      <network>10.200.0.192/26</network>
    </allow>
  </server>
  <server name="p" daemon="proftpd">
    <config path="/etc/proftpd/proftpd.conf" reload="true"/>
    <listen address="10.200.0.1" port="2121"/>
    <passive min-port="41000" max-port="41049"/>
  </server>
</site>
EOF2
# The daemons' own checks are other suites' business: here only ftpcfg runs.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
start=$(date +%s)
unshare -n -m --propagation private python3 "$here/inject.py" count "$tmp" || fail "counting the calls failed"
w=0
while [ "$w" -lt "$WORKERS" ]; do
	unshare -n -m --propagation private python3 "$here/inject.py" work "$tmp" "$w" "$WORKERS" &
	pids="$pids $!"
	w=$((w + 1))
done
rc=0
for p in $pids; do wait "$p" || rc=1; done
pids=
[ "$rc" = 0 ] || fail "a worker failed"
python3 "$here/inject.py" report "$tmp" $(($(date +%s) - start))
