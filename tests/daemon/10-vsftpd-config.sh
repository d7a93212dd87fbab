#!/bin/sh
# Every vsftpd.conf ftpcfg renders is accepted by Debian's vsftpd itself.
# vsftpd has no check mode; started with listen off and a file for stdin it
# parses the whole file (and loads the TLS files), then stops with "not
# configured for standalone" (see src/daemon.c).  Anything else is a failure.
set -eu
# shellcheck source=tests/daemon/lib.sh
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

daemon_setup
vsftpd=$cache/vsftpd/usr/sbin/vsftpd

for site in $(sites); do
	out=$(render_site "$site")
	servers_of "$site" vsftpd >"$tmp/servers"
	while read -r name path cert key; do
		conf=$tmp/vsftpd-$name.conf
		with_test_tls "$out$path" "$conf" "$cert" "$key"
		: >"$tmp/stdin"
		echo "+ vsftpd $conf  ($(basename "$site"), server $name)"
		in_debian_ns "$vsftpd" "$conf" -olisten=NO -olisten_ipv6=NO 0<>"$tmp/stdin" || true
		if ! grep -q 'not configured for standalone' "$tmp/stdin"; then
			cat "$tmp/stdin"
			cat "$conf"
			fail "vsftpd refused the file rendered for server $name of $site"
		fi
		checked=$((checked + 1))
	done <"$tmp/servers"
done
daemon_done vsftpd
