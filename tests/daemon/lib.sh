# shellcheck shell=sh
# Shared by tests/daemon/*.sh (the runner skips lib*.sh): render every site
# we have and hand each server's files to the daemon's own parser.
#
# Sites: examples/*.xml, tests/data/*.xml (those that validate) and a matrix
# of combinations written below.  Daemons: Debian's packages, unpacked by
# scripts/fetch-daemons.sh into tests/cache/daemons/, never installed.
#
# The daemons' checks read things the rendered file names on the target
# host (users proftpd and ftp, /var/log/proftpd, TLS files).  They run in a
# private mount namespace (unshare -m) where a copy of /etc/passwd and a
# tmpfs stand in; the host's /etc is never written.  Certificate and key
# paths are rewritten in a copy of each file to a throwaway pair.
# POSIX sh: tests/run-scripts.sh runs these with sh.

top=$(cd "$(dirname "$0")/../.." && pwd)
FTPCFG=${FTPCFG:-$top/ftpcfg}
export FTPCFG_TEMPLATE_DIR="${FTPCFG_TEMPLATE_DIR:-$top/templates}"
cache=$top/tests/cache/daemons
tmp=
checked=0

cleanup() {
	[ -z "$tmp" ] || rm -rf "$tmp"
}

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	exit 1
}

# Run a command, printing it first.
run() {
	echo "+ $*"
	"$@"
}

daemon_setup() {
	[ "$(id -u)" = 0 ] || skip "needs root for unshare -m (the daemons' checks read /etc/passwd)"
	command -v unshare >/dev/null || skip "unshare (util-linux) not found"
	command -v xmllint >/dev/null || skip "xmllint (libxml2-utils) not found"
	command -v openssl >/dev/null || skip "openssl not found"
	[ -x "$FTPCFG" ] || fail "no ftpcfg binary at $FTPCFG (make, or set FTPCFG)"
	"$top/scripts/fetch-daemons.sh" || skip "cannot fetch the Debian daemon packages"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/ftpcfg-daemon.$$.XXXXXX")
	# A copy: a rebuild in the tree while the checks run must not swap it.
	cp "$FTPCFG" "$tmp/ftpcfg"
	FTPCFG=$tmp/ftpcfg
	export LD_LIBRARY_PATH="$cache/lib"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ftpcfg-test \
		-keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
	cat "$tmp/cert.pem" "$tmp/key.pem" >"$tmp/bundle.pem"
	# The users Debian's packages would create, for a copy of /etc/passwd.
	cp /etc/passwd "$tmp/passwd"
	getent passwd proftpd >/dev/null ||
		echo 'proftpd:x:64990:65534::/run/proftpd:/usr/sbin/nologin' >>"$tmp/passwd"
	getent passwd ftp >/dev/null ||
		echo 'ftp:x:64991:65534::/srv/ftp:/usr/sbin/nologin' >>"$tmp/passwd"
	write_matrix "$tmp/matrix"
}

# Every site that validates, one path per line.
sites() {
	for f in "$top"/examples/*.xml "$top"/tests/data/*.xml "$tmp"/matrix/*.xml; do
		[ -e "$f" ] || continue
		if "$FTPCFG" validate "$f" >/dev/null 2>&1; then
			echo "$f"
		else
			# Our own matrix must be valid; examples and tests/data may hold
			# the error cases of other tests.
			case $f in
			"$tmp"/matrix/*) echo "note: matrix site $(basename "$f") is not valid:" \
				"$("$FTPCFG" validate "$f" 2>&1 | head -n 1)" >&2 ;;
			esac
		fi
	done
}

# For SITE, print "NAME PATH CERT KEY" for each server run by DAEMON
# (CERT and KEY are "-" without TLS).
servers_of() {
	eff=$tmp/effective.xml
	"$FTPCFG" render --effective "$1" >"$eff" 2>"$tmp/err" ||
		{ cat "$tmp/err"; fail "ftpcfg render --effective $1"; }
	n=$(xmllint --xpath 'count(/site/server)' "$eff")
	i=1
	while [ "$i" -le "$n" ]; do
		s="/site/server[$i]"
		if [ "$(xmllint --xpath "string($s/@daemon)" "$eff")" = "$2" ]; then
			cert=$(xmllint --xpath "string($s/tls/@cert)" "$eff")
			key=$(xmllint --xpath "string($s/tls/@key)" "$eff")
			echo "$(xmllint --xpath "string($s/@name)" "$eff")" \
				"$(xmllint --xpath "string($s/config/@path)" "$eff")" \
				"${cert:--}" "${key:--}"
		fi
		i=$((i + 1))
	done
}

# Render SITE into a fresh directory; print that directory.
render_site() {
	out=$tmp/out/$(basename "$1" .xml)
	rm -rf "$out"
	mkdir -p "$out"
	"$FTPCFG" render -o "$out" "$1" >/dev/null 2>"$tmp/err" ||
		{ cat "$tmp/err" >&2; fail "ftpcfg render -o $out $1"; }
	echo "$out"
}

# Copy FILE to DEST with CERT and KEY pointing at the throwaway pair.
with_test_tls() {
	if [ "$3" = "-" ]; then
		cp "$1" "$2"
	elif [ "$3" = "$4" ]; then
		sed "s|$3|$tmp/bundle.pem|g" "$1" >"$2"
	else
		sed -e "s|$3|$tmp/cert.pem|g" -e "s|$4|$tmp/key.pem|g" "$1" >"$2"
	fi
}

# Run a command in a private mount namespace where the host's users and
# log directories look as Debian's packages would leave them.
in_debian_ns() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m sh -c '
		set -e
		mount --bind "$0" /etc/passwd
		mount -t tmpfs tmpfs /var/log
		mkdir -p /var/log/proftpd /var/log/pure-ftpd
		mount -t tmpfs tmpfs /run
		mkdir -p /run/pure-ftpd /run/vsftpd/empty
		# Where Debian'"'"'s pure-ftpd-wrapper makes the daemon look for its TLS pair.
		if [ -d /etc/ssl/private ]; then
			mount -t tmpfs tmpfs /etc/ssl/private
			cp "$1" /etc/ssl/private/pure-ftpd.pem
		fi
		shift
		exec "$@"' "$tmp/passwd" "$tmp/bundle.pem" "$@"
}

# The combinations the examples may not cover, as small sites.
write_matrix() {
	mkdir -p "$1"
	tls='<tls cert="/etc/ssl/certs/m.pem" key="/etc/ssl/private/m.key"/>'
	n=0
	for daemon in vsftpd proftpd pure-ftpd; do
		for mode in active passive both; do
			for variant in v4 v6 dual wild4 tls-optional anon-only anon-write nolimits \
				nat implicit; do
				listen='' extra='' users='' limits='' path=''
				case $variant in
				v4) listen='<listen address="10.200.0.1" port="2121"/>' ;;
				v6) listen='<listen address="fd00:200::1" port="2121"/>' ;;
				dual) listen='<listen address="0.0.0.0"/><listen address="::"/>' ;;
				wild4) listen='<listen address="0.0.0.0" port="2121"/>' ;;
				tls-optional) extra='<tls required="no" cert="/etc/ssl/private/m.pem"/>' ;;
				anon-only) users='<users anonymous="yes" local="no" anonymous-root="/srv/ftp"/>' ;;
				anon-write) users='<users anonymous="yes" write="yes" chroot="no"/>'
					extra=$tls ;;
				nolimits) limits='<limits max-clients="0" max-per-ip="0" idle-timeout="59"/>' ;;
				nat) extra='<passive external-address="203.0.113.10"/>' ;;
				implicit)
					[ "$daemon" != pure-ftpd ] || continue
					extra='<tls mode="implicit" cert="/etc/ssl/private/m.pem"/>' ;;
				esac
				# proftpd sends active data from the control port minus one.
				if [ "$daemon" = proftpd ] && [ "$mode" != passive ]; then
					case $variant in
					v4 | v6 | wild4) extra="$extra<active data-port=\"2120\"/>" ;;
					implicit) extra="$extra<active data-port=\"989\"/>" ;;
					esac
				fi
				# pure-ftpd: both formats; Debian's wrapper wants its own cert path.
				if [ "$daemon" = pure-ftpd ] && [ $((n % 2)) = 0 ]; then
					case $extra in
					*'<tls'*) extra=$(echo "$extra" | sed -e 's|cert="[^"]*"|cert="/etc/ssl/private/pure-ftpd.pem"|' -e 's| key="[^"]*"||') ;;
					esac
					path='/etc/pure-ftpd/conf/'
				elif [ "$daemon" = pure-ftpd ]; then
					path='/etc/pure-ftpd/pure-ftpd.conf'
				fi
				[ -z "$path" ] || path="<config path=\"$path\"/>"
				n=$((n + 1))
				cat >"$1/$daemon-$mode-$variant.xml" <<-EOF
				<site name="m$n" version="1">
				  <server name="s" daemon="$daemon" mode="$mode">
				    $path$listen$extra$users$limits
				    <banner>Matrix "$variant" \\ site</banner>
				  </server>
				</site>
				EOF
			done
		done
	done
}

# Start a daemon (the command after ADDR PORT) in a new network namespace
# holding ADDR (may be empty) on lo; pass when PORT is listening within 5 s
# (then stop it by its PID).
start_listens() {
	addr=$1
	port=$2
	shift 2
	# shellcheck disable=SC2016 # expanded by the inner shell
	in_debian_ns unshare -n sh -c '
		addr=$1 port=$2
		shift 2
		ip link set lo up
		case $addr in
		"") ;;
		*:*) ip -6 addr add "$addr/128" dev lo nodad ;;
		*) ip addr add "$addr/32" dev lo ;;
		esac
		"$@" &
		pid=$!
		i=0
		while [ $i -lt 50 ]; do
			if ss -Hltn "sport = :$port" | grep -q .; then
				kill "$pid"
				wait "$pid" || true
				exit 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		kill "$pid" 2>/dev/null || true
		wait "$pid" || echo "pure-ftpd exited with status $?"
		exit 1' sh "$addr" "$port" "$@"
}

# Fail when nothing was checked: a green run must have run the daemon.
daemon_done() {
	[ "$checked" -gt 0 ] || fail "no $1 configuration was checked"
	echo "PASS: $checked $1 configurations accepted by $1 itself"
}
