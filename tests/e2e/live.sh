#!/bin/sh
# Live changes, for each daemon running on what `ftpcfg apply` wrote:
# - an apply of a changed banner, passive range or allowlist reloads (or,
#   for Pure-FTPd, restarts) the running daemon, and the next login sees it;
# - a download in progress survives an apply that adds a network to the
#   allowlist: its control connection keeps its conntrack entry, and the
#   next transfer on the same session still gets through the passive
#   range, which takes only connections the FTP helper marked related: the
#   session kept its helper (/proc/net/nf_conntrack does not show helpers);
# - an apply whose pre-flight fails leaves the files, the ruleset and the
#   running daemon as they were: the next login still sees the old config.
# The reload commands are the site's, run by ftpcfg (with FTPCFG_ROOT):
# vsftpd SIGHUP, proftpd -t then SIGHUP, Pure-FTPd a restart (it dies on
# SIGHUP), each signalling the PID the test recorded.
# shellcheck disable=SC2086,SC2317,SC2015 # as in lib.sh
set -eu
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup

# A larger file, for a download that is still running during an apply:
# 4 MiB read at 1 MB/s, the client's receive buffer kept small so that the
# slow reader holds the sender back (the client's namespace only).
head -c 4194304 /dev/urandom >"$tmp/big"
cli sysctl -q -w net.ipv4.tcp_rmem="4096 65536 131072"
cp "$tmp/big" "$tmp/home/$FTP_USER/big.bin"
chown 64100:64100 "$tmp/home/$FTP_USER/big.bin"

write_reload_scripts() {
	cat >"$tmp/reload-vsftpd" <<-EOF
	kill -HUP "\$(cat $tmp/daemon.pid)"
	EOF
	# A HUP with a broken file kills ProFTPD: check first (proftpd -t).
	cat >"$tmp/reload-proftpd" <<-EOF
	proftpd -t -c "\$FTPCFG_ROOT/etc/proftpd/proftpd.conf" >/dev/null 2>&1 || exit 1
	kill -HUP "\$(cat $tmp/daemon.pid)"
	EOF
	cat >"$tmp/reload-pure-ftpd" <<-EOF
	pid=\$(cat $tmp/daemon.pid)
	kill "\$pid"
	i=0
	while kill -0 "\$pid" 2>/dev/null && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
	kill -0 "\$pid" 2>/dev/null && exit 1
	sh $tmp/start-daemon pure-ftpd $tmp/site.xml
	i=0
	until ss -Hltn "sport = :21" | grep -q .; do
		[ \$i -lt 50 ] || exit 1
		sleep 0.1
		i=\$((i + 1))
	done
	EOF
}

# live_site FILE DAEMON BANNER MIN MAX NETWORKS [EXTRA XML]
live_site() {
	nets=
	for n in $6; do nets="$nets<network>$n</network>"; done
	b=
	[ "$2" = pure-ftpd ] || b="<banner>$3</banner>"
	site "$1" attach "$2" passive "
	    <config path=\"$(default_path "$2")\" reload=\"sh $tmp/reload-$2\"/>
	    <listen address=\"0.0.0.0\"/>
	    <passive min-port=\"$4\" max-port=\"$5\"/>
	    <users local=\"yes\" chroot=\"yes\"/>
	    <allow>$nets</allow>$b${7:-}"
}

default_path() {
	case $1 in
	vsftpd) echo /etc/vsftpd.conf ;;
	proftpd) echo /etc/proftpd/proftpd.conf ;;
	pure-ftpd) echo /etc/pure-ftpd/conf/ ;;
	esac
}

# apply SITE: ftpcfg apply with the site's reload command.
apply() {
	cp "$1" "$tmp/site.xml"
	echo "+ ftpcfg --root $R apply $(basename "$1")"
	srv "$FTPCFG" --root "$R" -v apply "$1"
}

# The greeting shows BANNER within 5 s (a HUP is handled asynchronously).
sees_banner() {
	i=0
	while [ "$i" -lt 25 ]; do
		cli curl -sS -v --max-time 5 $U "ftp://10.200.0.1/" >/dev/null 2>"$tmp/banner.log" || true
		grep -q "^< 220 $1" "$tmp/banner.log" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	grep '^< 220' "$tmp/banner.log"
	die "the greeting is not '$1'"
}

c_banner() {
	live_site "$tmp/l2.xml" "$1" "Live banner two" 40400 40419 10.200.0.2/32
	apply "$tmp/l2.xml" || die "apply failed"
	sees_banner "Live banner two"
	[ "$(cat "$tmp/daemon.pid")" = "$pid0" ] || die "the daemon was restarted, not reloaded"
	kill -0 "$pid0" || die "the daemon died"
}

c_range() {
	live_site "$tmp/l3.xml" "$1" "Live banner two" 40420 40439 10.200.0.2/32
	apply "$tmp/l3.xml" || die "apply failed"
	i=0
	while :; do
		m_epsv r1 10.200.0.1 $U
		port=$(sed -n 's/^< 229 .*(|||\([0-9]*\)|).*/\1/p' "$tmp/dl/r1.log")
		echo "EPSV port: $port"
		[ "$port" -ge 40420 ] && [ "$port" -le 40439 ] && break
		[ "$i" -lt 10 ] || die "EPSV still answers port $port, outside the new range"
		sleep 0.2
		i=$((i + 1))
	done
}

c_allow() {
	expect_probe timeout 10.200.0.1 21 10.200.0.3
	live_site "$tmp/l4.xml" "$1" "Live banner two" 40420 40439 "10.200.0.2/32 10.200.0.3/32"
	apply "$tmp/l4.xml" || die "apply failed"
	ftp_get al "ftp://10.200.0.1/payload.bin" $U --interface 10.200.0.3
	saw al '^< 230'
}

# The control connection of the session from client port SPORT, as
# conntrack has it in the server's namespace.
ct_control() {
	srv cat /proc/net/nf_conntrack | grep "sport=$1 dport=21 " || true
}

c_inflight() {
	out=$tmp/dl/big
	log=$tmp/dl/big.log
	rm -f "$out" "$log"
	# Two files on one session: the second one's data connection is opened
	# after the apply, through the helper of the same control connection.
	# Both go to a reader that takes 1 MB/s: the first is still in flight.
	# shellcheck disable=SC2016 # expanded by the inner shell
	cli sh -c 'curl -sS -v --max-time 30 $1 "ftp://10.200.0.1/big.bin" "ftp://10.200.0.1/payload.bin" \
		2>"$2.log" | perl "$3" slow 1000000 >"$2"' sh "$U" "$out" "$tmp/probe.pl" &
	cpid=$!
	started "$cpid"
	wait_for 50 test -s "$out" || die "the download did not start"
	echo "in flight: $(wc -c <"$out") of 4194304 bytes"
	# The one established control connection from the client.
	sport=$(srv cat /proc/net/nf_conntrack |
		sed -n 's/.* ESTABLISHED src=10.200.0.2 dst=10.200.0.1 sport=\([0-9]*\) dport=21 .*/\1/p')
	echo "control connection from port $sport"
	[ -n "$sport" ] && [ "$sport" = "$(echo "$sport" | head -n 1)" ] ||
		{ srv cat /proc/net/nf_conntrack; die "not one control connection: '$sport'"; }
	ct_control "$sport" | tee "$tmp/ct.before"
	live_site "$tmp/l5.xml" "$1" "Live banner two" 40420 40439 "10.200.0.2/32 10.200.0.3/32 192.0.2.0/24"
	apply "$tmp/l5.xml" >"$tmp/apply.log" 2>&1 || { cat "$tmp/apply.log"; die "apply failed"; }
	cat "$tmp/apply.log"
	size=$(wc -c <"$out")
	echo "after the apply: $size of 4194304 bytes"
	[ "$size" -lt 4194304 ] && kill -0 "$cpid" ||
		{ grep -v '^[{}*] ' "$log" | tail -n 20; die "the download was not in progress during the apply"; }
	ct_control "$sport" | tee "$tmp/ct.after"
	grep -q ' ESTABLISHED ' "$tmp/ct.after" || die "the control connection lost its conntrack entry"
	set +e
	wait "$cpid"
	rc=$?
	set -e
	[ "$rc" = 0 ] || { grep -v '^[{}*] ' "$log" | tail -n 20; die "curl exited $rc"; }
	head -c 4194304 "$out" | cmp "$tmp/big" - || die "the file in flight arrived damaged"
	# The passive range takes only connections related to an FTP control
	# connection: the second file came through because the session kept
	# its helper across the apply.
	grep -q 'Re-using existing connection' "$log" || die "curl did not reuse the session"
	tail -c +4194305 "$out" | cmp "$tmp/payload" - || die "the next file on the same session differs"
	echo "the next file on the same session arrived: the helper stayed"
}

# The ruleset without what the kernel changes by itself: counter values and
# the per-source elements of the max-per-ip sets (they come and go with
# connections).
rules() {
	srv nft list ruleset | sed -E -e 's/counter packets [0-9]+ bytes [0-9]+/counter/' \
		-e '/elements = .* ct count over /d'
}

# Pre-flight fails: for vsftpd and ProFTPD their own check (the certificate
# exists below the root, where ftpcfg looks, but not where the daemon
# does); for Pure-FTPd, which has no check, a missing certificate.
c_preflight() {
	d=$1
	if [ "$d" = pure-ftpd ]; then
		tls='<tls mode="explicit" required="no" cert="/etc/ssl/private/pure-ftpd.pem"/>'
		mv "$R/etc/ssl/private/pure-ftpd.pem" "$tmp/aside.pem"
	else
		tls='<tls mode="explicit" required="no" cert="/etc/ssl/private/only-below-root.pem"/>'
		cp "$tmp/bundle.pem" "$R/etc/ssl/private/only-below-root.pem"
	fi
	live_site "$tmp/l6.xml" "$d" "Live banner three" 40440 40459 10.200.0.2/32 "$tls"
	find "$R/etc" -type f ! -path '*/ssl/*' -exec sha256sum {} + | sort >"$tmp/files.before"
	rules >"$tmp/rules.before"
	pid=$(cat "$tmp/daemon.pid")
	set +e
	apply "$tmp/l6.xml" >"$tmp/apply.log" 2>&1
	rc=$?
	set -e
	cat "$tmp/apply.log"
	[ "$d" != pure-ftpd ] || mv "$tmp/aside.pem" "$R/etc/ssl/private/pure-ftpd.pem"
	# 1 (a failed step) or 65 (ftpcfg reports a daemon's refusal as 65).
	case $rc in
	1 | 65) echo "apply exited $rc" ;;
	*) die "apply exited $rc, expected a failure" ;;
	esac
	case $d in
	pure-ftpd) grep -q 'TLS certificate .* is missing' "$tmp/apply.log" || die "not the TLS pre-flight" ;;
	*) grep -q "$d refuses the configuration" "$tmp/apply.log" || die "not the daemon's own check" ;;
	esac
	find "$R/etc" -type f ! -path '*/ssl/*' -exec sha256sum {} + | sort >"$tmp/files.after"
	cmp "$tmp/files.before" "$tmp/files.after" || die "files changed"
	rules >"$tmp/rules.after"
	diff -u "$tmp/rules.before" "$tmp/rules.after" || die "the ruleset changed"
	[ "$(cat "$tmp/daemon.pid")" = "$pid" ] && kill -0 "$pid" || die "the daemon was restarted or died"
	[ "$d" = pure-ftpd ] || sees_banner "Live banner two"
	m_epsv p1 10.200.0.1 $U
	port=$(sed -n 's/^< 229 .*(|||\([0-9]*\)|).*/\1/p' "$tmp/dl/p1.log")
	[ "$port" -ge 40420 ] && [ "$port" -le 40439 ] || die "EPSV port $port is not in the old range"
}

write_start_script
write_reload_scripts
for d in ${E2E_DAEMONS:-vsftpd proftpd pure-ftpd}; do
	live_site "$tmp/l1.xml" "$d" "Live banner one" 40400 40419 10.200.0.2/32
	config "$d live" attach "$tmp/l1.xml" "$d" 21
	pid0=$(cat "$tmp/daemon.pid" 2>/dev/null || echo none)
	if [ "$d" = pure-ftpd ]; then
		echo "note: $d cannot change its greeting (ftpcfg validate says so): no banner case"
	else
		t "banner changed: apply reloads, the next login sees it" c_banner "$d"
	fi
	t "passive range changed: apply reloads, EPSV answers from the new range" c_range "$d"
	t "allowlist widened: 10.200.0.3 logs in after apply" c_allow "$d"
	t "a download in flight survives an apply adding a network" c_inflight "$d"
	t "a failed pre-flight leaves the running daemon on the old config" c_preflight "$d"
	stop_daemon
done
e2e_done live
