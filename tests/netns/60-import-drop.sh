#!/bin/sh
# diff and apply warn about what the live daemon file has and the site
# would drop, read with import's parsers; once the site carries it as a
# <directive>, the warning goes and apply keeps it.  In a throwaway network
# namespace, under --root: the host's files and ruleset are never touched.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/netns/lib.sh
. "$here/lib.sh"
FTPCFG=${FTPCFG:-$here/../../ftpcfg}

inner() {
	tmp=$1
	root=$tmp/root
	mkdir -p "$root/etc"
	F="$FTPCFG --root $root"
	# The issue's case: a user allowlist and a umask the model has no element for.
	cat >"$root/etc/vsftpd.conf" <<-'EOC'
	listen=YES
	local_enable=YES
	userlist_enable=YES
	userlist_deny=NO
	local_umask=022
	EOC
	cp "$root/etc/vsftpd.conf" "$tmp/vsftpd.conf.orig"
	cat >"$tmp/bare.xml" <<-'EOC'
	<site name="t" version="1"><server name="s" daemon="vsftpd"/></site>
	EOC
	set +e
	$F diff "$tmp/bare.xml" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	[ "$rc" = 2 ] || { cat "$tmp/out" "$tmp/err"; fail "diff exited $rc, expected 2"; }
	for n in 3:userlist_enable=YES 4:userlist_deny=NO 5:local_umask=022; do
		grep -qF "ftpcfg: $root/etc/vsftpd.conf:${n%%:*}: warning: '${n#*:}' of the live file is not in the site" "$tmp/err" ||
			{ cat "$tmp/err"; fail "diff does not warn that ${n#*:} would be dropped"; }
	done
	echo "ok: diff warns about the three directives the site would drop"
	run $F apply --no-reload "$tmp/bare.xml" >"$tmp/out" 2>"$tmp/err" ||
		{ cat "$tmp/err"; fail "apply failed"; }
	[ "$(grep -c 'of the live file is not in the site' "$tmp/err")" = 3 ] ||
		{ cat "$tmp/err"; fail "apply does not warn about the three"; }
	! grep -q userlist_enable "$root/etc/vsftpd.conf" || fail "the directive survived apply?"
	echo "ok: apply warned, then dropped them"

	# Put them back as the import would write them; now nothing is dropped.
	cp "$tmp/vsftpd.conf.orig" "$root/etc/vsftpd.conf"
	run $F import vsftpd /etc/vsftpd.conf >"$tmp/kept.xml" 2>"$tmp/err" ||
		{ cat "$tmp/err"; fail "import failed"; }
	run $F apply --no-reload "$tmp/kept.xml" >"$tmp/out" 2>"$tmp/err" ||
		{ cat "$tmp/err"; fail "apply of the imported site failed"; }
	! grep -q 'of the live file' "$tmp/err" || { cat "$tmp/err"; fail "apply still warns"; }
	for d in userlist_enable=YES userlist_deny=NO local_umask=022; do
		grep -qx "$d" "$root/etc/vsftpd.conf" || fail "$d is not in the applied file"
	done
	echo "ok: the imported site keeps them, and apply says nothing"
	echo "PASS"
}

netns_inner "$@"

need_netns
netns_run
