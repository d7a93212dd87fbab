#!/bin/sh
# Every proftpd.conf ftpcfg renders passes Debian's `proftpd -t -c FILE`.
# The check runs on a copy whose ModulePath points at the unpacked
# proftpd-mod-crypto package (mod_tls.so) instead of /usr/lib/proftpd, and
# whose TLS paths name a throwaway pair; nothing else is changed.
set -eu
# shellcheck source=tests/daemon/lib.sh
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

daemon_setup
proftpd=$cache/proftpd-core/usr/sbin/proftpd
modules=$cache/proftpd-mod-crypto/usr/lib/proftpd

for site in $(sites); do
	out=$(render_site "$site")
	servers_of "$site" proftpd >"$tmp/servers"
	while read -r name path cert key; do
		conf=$tmp/proftpd-$name.conf
		with_test_tls "$out$path" "$conf.tls" "$cert" "$key"
		sed "s|^ModulePath /usr/lib/proftpd\$|ModulePath $modules|" "$conf.tls" >"$conf"
		echo "+ proftpd -t -c $conf  ($(basename "$site"), server $name)"
		if ! in_debian_ns "$proftpd" -t -c "$conf" >"$tmp/log" 2>&1; then
			cat "$tmp/log"
			cat "$conf"
			fail "proftpd refused the file rendered for server $name of $site"
		fi
		checked=$((checked + 1))
	done <"$tmp/servers"
done
daemon_done proftpd
