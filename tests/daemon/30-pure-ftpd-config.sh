#!/bin/sh
# Every Pure-FTPd configuration ftpcfg renders makes Debian's pure-ftpd
# start and listen.  Pure-FTPd has no check mode, so each one is started
# for real, in its own network namespace, and stopped once it listens:
# - the pure-ftpd.conf format: `pure-ftpd FILE` (a copy with the TLS paths
#   rewritten to a throwaway pair);
# - Debian's conf/ directory: our files laid over the package's shipped
#   conf/ and auth/, read by a copy of pure-ftpd-wrapper whose hard-wired
#   /etc/pure-ftpd is rewritten to that directory; `--show-options` must
#   accept it, then pure-ftpd runs with the options it printed.
set -eu
# shellcheck source=tests/daemon/lib.sh
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

daemon_setup
pureftpd=$cache/pure-ftpd/usr/sbin/pure-ftpd
command -v perl >/dev/null || skip "perl not found (pure-ftpd-wrapper is perl)"
command -v ss >/dev/null || skip "ss (iproute2) not found"

# Bind "[ADDR],PORT" from the file or directory rendered for the server.
bind_of() {
	if [ -d "$1" ]; then
		cat "$1/Bind"
	else
		sed -n 's/^Bind //p' "$1"
	fi
}

for site in $(sites); do
	out=$(render_site "$site")
	servers_of "$site" pure-ftpd >"$tmp/servers"
	while read -r name path cert key; do
		bind=$(bind_of "$out$path")
		addr=${bind%,*}
		port=${bind##*,}
		case $path in
		*/)
			root=$tmp/pure/$name
			rm -rf "$root"
			mkdir -p "$root"
			cp -a "$cache/pure-ftpd-common/etc/pure-ftpd" "$root/"
			cp "$out$path"* "$root/pure-ftpd/conf/"
			sed "s|/etc/pure-ftpd|$root/pure-ftpd|g" \
				"$cache/pure-ftpd-common/usr/sbin/pure-ftpd-wrapper" >"$tmp/wrapper"
			echo "+ pure-ftpd-wrapper --show-options  ($(basename "$site"), server $name)"
			if ! opts=$(perl "$tmp/wrapper" --show-options 2>&1); then
				echo "$opts"
				fail "pure-ftpd-wrapper refused the conf/ files for server $name of $site"
			fi
			echo "  $opts"
			# shellcheck disable=SC2086 # the wrapper's options hold no spaces
			set -- $opts
			;;
		*)
			conf=$tmp/pure-ftpd-$name.conf
			with_test_tls "$out$path" "$conf" "$cert" "$key"
			set -- "$conf"
			;;
		esac
		echo "+ pure-ftpd $*  (listening on ${addr:-*}:$port?)"
		if ! start_listens "$addr" "$port" "$pureftpd" "$@" >"$tmp/log" 2>&1; then
			cat "$tmp/log"
			cat "$out$path" 2>/dev/null || head -n 50 "$out$path"*
			fail "pure-ftpd did not start with the configuration of server $name of $site"
		fi
		checked=$((checked + 1))
	done <"$tmp/servers"
done
daemon_done pure-ftpd
