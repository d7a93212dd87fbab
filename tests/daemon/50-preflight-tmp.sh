#!/bin/sh
# The pre-flight check's scratch directory (issue 9, 17): with /tmp
# read-only, an apply whose TMPDIR is writable runs vsftpd's own check in
# a directory under TMPDIR, applies, and leaves nothing there; without
# TMPDIR it fails before changing anything and says to set TMPDIR.  In a
# private mount namespace (/tmp remounted read-only there only) and a
# private network namespace.
set -eu
. "$(dirname "$0")/lib.sh"
self=${top:?set by lib.sh}/tests/daemon/$(basename "$0")

inner() {
	w=$tmp/rw
	mkdir -p "$w"
	mount -t tmpfs ftpcfg-test "$w"
	mount --rbind /tmp /tmp
	mount -o remount,bind,ro /tmp
	if touch /tmp/ftpcfg-rw-probe 2>/dev/null; then
		rm -f /tmp/ftpcfg-rw-probe
		fail "/tmp is still writable in the namespace"
	fi
	root=$w/root
	mkdir -p "$root/etc" "$w/t"
	cat >"$w/site.xml" <<EOF2
<site name="t" version="1">
  <server name="s" daemon="vsftpd">
    <config path="/etc/vsftpd.conf" reload="true"/>
    <listen address="10.200.0.1" port="21"/>
    <passive min-port="40000" max-port="40049"/>
  </server>
</site>
EOF2
	PATH=${cache:?set by lib.sh}/vsftpd/usr/sbin:$PATH
	export PATH
	echo "# /tmp read-only, TMPDIR writable: the check runs under TMPDIR and the apply goes through"
	set +e
	TMPDIR=$w/t ASAN_OPTIONS=detect_leaks=0 strace -f -o "$w/trace" -e trace=mkdir,execve \
		"$FTPCFG" --root "$root" apply "$w/site.xml" >"$w/out" 2>"$w/err"
	rc=$?
	set -e
	[ "$rc" = 0 ] || { cat "$w/out" "$w/err"; fail "apply with a read-only /tmp and TMPDIR=$w/t exited $rc"; }
	grep -q "mkdir(\"$w/t/ftpcfg-check-" "$w/trace" || { grep -E 'mkdir|execve' "$w/trace"; fail "the check directory was not made under TMPDIR"; }
	grep -q 'execve("[^"]*/vsftpd"' "$w/trace" || fail "vsftpd's own check did not run"
	[ -z "$(ls -A "$w/t")" ] || { ls -la "$w/t"; fail "the check left files in TMPDIR"; }
	[ -f "$root/etc/vsftpd.conf" ] || fail "no vsftpd.conf after apply"
	echo "# /tmp read-only, no TMPDIR: exit 1, nothing changed, and it says to set TMPDIR"
	sed 's/40049/40048/' "$w/site.xml" >"$w/site2.xml"
	sum=$(sha256sum "$root/etc/vsftpd.conf")
	before=$(nft list ruleset | sha256sum)
	set +e
	env -u TMPDIR "$FTPCFG" --root "$root" apply "$w/site2.xml" >"$w/out" 2>"$w/err"
	rc=$?
	set -e
	[ "$rc" = 1 ] || { cat "$w/out" "$w/err"; fail "apply with a read-only /tmp exited $rc, expected 1"; }
	grep -q "set TMPDIR to a writable directory" "$w/err" || { cat "$w/err"; fail "no advice to set TMPDIR"; }
	[ "$(sha256sum "$root/etc/vsftpd.conf")" = "$sum" ] || fail "a failed pre-flight changed the file"
	[ "$(nft list ruleset | sha256sum)" = "$before" ] || fail "a failed pre-flight changed the ruleset"
	echo "PASS"
}

if [ "${1:-}" = --inner ]; then
	tmp=$2
	inner
	exit 0
fi
trap cleanup EXIT
daemon_setup
command -v strace >/dev/null 2>&1 || fail "strace is not installed (scripts/install-deps.sh installs it)"
unshare -n true 2>/dev/null || skip "cannot create a network namespace (unshare -n)"
FTPCFG=$FTPCFG cache=$cache unshare -n -m --propagation private sh "$self" --inner "$tmp"
