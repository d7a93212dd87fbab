# shellcheck shell=sh
# Helpers for the netns tests; sourced, never run (tests/run-scripts.sh skips lib*.sh).

# tests/json.sh: json_check, for every --json output (expect_rc calls it).
JSON_CHECK=${JSON_CHECK:-$here/../json-check.py}
# shellcheck source=tests/json.sh
. "$here/../json.sh"

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

# netns_inner ARGS...: the script's own arguments.  With --inner DIR it is
# this script run again inside its namespace: run inner DIR and exit.
netns_inner() {
	if [ "${1:-}" = --inner ]; then
		inner "$2"
		exit 0
	fi
}

# netns_run: run this script again inside a new network namespace
# (unshare -n), with --inner and a temporary directory removed on exit.
netns_run() {
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	FTPCFG=$FTPCFG run unshare -n sh "${self:?the script that sources lib.sh sets self}" --inner "$tmp"
}

# nft prints counter values; ftpcfg renders a bare `counter` (values are never a difference).
strip_counters() {
	sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/g'
}

# Skip unless the kernel has what the rulesets use: the FTP conntrack helper,
# ct count per source (a dynamic set) and ct count.  $1: a scratch directory.
need_kernel_features() {
	cat >"$1/probe.nft" <<'EOF'
table inet probe {
	ct helper h {
		type "ftp" protocol tcp
		l3proto inet
	}
	set s {
		type ipv4_addr
		size 16
		flags dynamic
	}
	chain c {
		tcp dport 21 ct state new add @s { ip saddr ct count over 1 } drop
		tcp dport 21 ct count over 1 drop
	}
}
EOF
	unshare -n nft -f "$1/probe.nft" 2>/dev/null ||
		skip "the kernel lacks nf_conntrack_ftp or nft_connlimit (nft -f of a probe table fails)"
}

# site FILE NETWORKS...: a vsftpd site on 10.200.0.1:21 allowing NETWORKS.
# MODE (passive), RELOAD (true) and PASV_MAX (40049) change it.
site() {
	f=$1
	shift
	{
		echo '<site name="t" version="1">'
		echo "  <server name=\"s\" daemon=\"vsftpd\" mode=\"${MODE:-passive}\">"
		echo "    <config path=\"/etc/vsftpd.conf\" reload=\"${RELOAD:-true}\"/>"
		echo '    <listen address="10.200.0.1" port="21"/>'
		echo "    <passive min-port=\"40000\" max-port=\"${PASV_MAX:-40049}\"/>"
		echo '    <allow>'
		for n in "$@"; do echo "      <network>$n</network>"; done
		echo '    </allow>'
		echo '  </server>'
		echo '</site>'
	} >"$f"
}

# expect_rc CODE COMMAND...: run it, its output in $tmp/out and $tmp/err; fail unless it exits CODE.
# With --json, $tmp/out must be one document valid against its schema (json_check).
expect_rc() {
	want=$1
	shift
	set +e
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	if [ "$rc" != "$want" ]; then
		cat "$tmp/out" "$tmp/err"
		fail "'$*' exited $rc, expected $want"
	fi
	case " $* " in
	*" --json "*) json_check "$rc" "$tmp/out" ;;
	esac
}

# said PATTERN MESSAGE: the last expect_rc printed PATTERN on stdout, else fail with MESSAGE.
said() {
	grep -q "$1" "$tmp/out" || { cat "$tmp/out"; fail "$2"; }
}

# said_v PATTERN MESSAGE: the same for a verbose (-v) line, which goes to stderr.
said_v() {
	grep -q "$1" "$tmp/err" || { cat "$tmp/err"; fail "$2"; }
}

# gen_sharded DIR: sites whose allowlists are sharded (ruleset.h
# RULESET_SHARD_MIN ranges or more per family), from a fixed seed: 9000
# IPv4 /24s and /32s spread over first octets 32-223 plus 10.0.0.0/7 and
# 16.0.0.0/5 (networks that reach more than one shard), 9000 IPv6 /48s
# spread over the shard byte plus 2001::/20 (every shard).  sharded-std:
# standalone, plain; sharded-tls: standalone, explicit FTPS, both modes, so
# that active data is allowed by destination (the destination map);
# sharded-attach: attach mode; sharded-iptables: as tls, with the iptables
# backend, so that every shard chain's accept sets the ct mark.
gen_sharded() {
	for kind in std tls attach iptables; do
		awk -v kind="$kind" 'BEGIN {
			srand(14)
			print "<site name=\"sharded\" version=\"1\">"
			if (kind == "attach")
				print "  <firewall attach=\"inet filter input\"/>"
			if (kind == "iptables")
				print "  <firewall backend=\"iptables\"/>"
			print "  <server name=\"big\" daemon=\"vsftpd\" mode=\"both\">"
			print "    <listen address=\"0.0.0.0\" port=\"21\"/>"
			print "    <listen address=\"::\" port=\"21\"/>"
			if (kind == "tls" || kind == "iptables")
				print "    <tls mode=\"explicit\" cert=\"/etc/ssl/certs/ftp.pem\"/>"
			print "    <allow>"
			print "      <network>10.0.0.0/7</network>"
			print "      <network>16.0.0.0/5</network>"
			print "      <network>2001::/20</network>"
			for (i = 0; i < 9000; i++) {
				if (i % 10 == 3)
					printf "      <network>%d.%d.%d.%d/32</network>\n", 32 + int(rand() * 192), int(rand() * 256), int(rand() * 256), int(rand() * 256)
				else
					printf "      <network>%d.%d.%d.0/24</network>\n", 32 + int(rand() * 192), int(rand() * 256), int(rand() * 256)
				printf "      <network>2a%02x:%x:%x::/48</network>\n", int(rand() * 16), int(rand() * 65536), int(rand() * 65536)
			}
			print "    </allow>"
			print "  </server>"
			print "</site>"
		}' >"$1/sharded-$kind.xml"
	done
}
