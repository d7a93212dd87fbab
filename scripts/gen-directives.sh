#!/bin/sh
# Regenerate templates/directives.txt: the directives each daemon knows, as
# Debian 12's packages ship them, plus which of them the site model owns
# and which ones the stylesheets write with a fixed value.
#
#   vsftpd     the options vsftpd.conf(5) documents, plus the ones the
#              binary accepts that the page forgets (tried one by one with
#              vsftpd -oNAME=1: "unrecognised variable" means unknown)
#   proftpd    every CamelCase string of proftpd and its modules (core and
#              crypto packages) that `proftpd -t` does not call an "unknown
#              configuration directive", with every module that loads alone
#              loaded; and the modules compiled into the binary (proftpd -l)
#   pure-ftpd  the keys of pure-ftpd's configuration-file table (the
#              "Key <type>" patterns in the binary), and the options
#              Debian's pure-ftpd-wrapper reads from /etc/pure-ftpd/conf/
#
# Usage: scripts/gen-directives.sh [CACHE_DIR] > templates/directives.txt
# Needs the packages scripts/fetch-daemons.sh unpacks.  Takes about a minute.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-$top/tests/cache/daemons}
"$top/scripts/fetch-daemons.sh" "$cache" >&2
export LD_LIBRARY_PATH="$cache/lib"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

# ---- vsftpd
vsftpd=$cache/vsftpd/usr/sbin/vsftpd
zcat "$cache/vsftpd/usr/share/man/man5/vsftpd.conf.5.gz" | grep -A1 '^\.TP' |
	awk '$1 == ".B" { print $2 }' >"$w/vs"
echo "listen=NO" >"$w/vs.conf"
chmod 600 "$w/vs.conf"
for n in $(strings "$vsftpd" | grep -E '^[a-z][a-z0-9_]{2,}$' | sort -u); do
	: >"$w/stdin"
	# vsftpd reads its file only when not started by inetd: stdin a file.
	timeout 5 "$vsftpd" "$w/vs.conf" -olisten_ipv6=NO "-o$n=1" 0<>"$w/stdin" >/dev/null 2>&1 || true
	grep -q unrecognised "$w/stdin" || echo "$n" >>"$w/vs"
done
sort -u "$w/vs" >"$w/vs.sorted"

# ---- proftpd
proftpd=$cache/proftpd-core/usr/sbin/proftpd
mkdir -p "$w/mods"
cp "$cache"/proftpd-core/usr/lib/proftpd/*.so "$cache"/proftpd-mod-crypto/usr/lib/proftpd/*.so \
	"$w/mods/"
echo "ModulePath $w/mods" >"$w/base.conf"
# Twice: some modules load only after the one they extend.
for pass in 1 2; do
	for so in "$w"/mods/*.so; do
		m=$(basename "$so" .so)
		grep -q "^LoadModule $m.c\$" "$w/base.conf" && continue
		{ cat "$w/base.conf"; echo "LoadModule $m.c"; } >"$w/one.conf"
		"$proftpd" -t -c "$w/one.conf" >/dev/null 2>&1 && cp "$w/one.conf" "$w/base.conf"
	done
	: "$pass"
done
# The linker stores "Umask" as the tail of "DirUmask": try every CamelCase tail.
{ strings "$proftpd"; strings "$w"/mods/*.so; } | grep -E '^[A-Za-z][A-Za-z0-9]{2,40}$' |
	awk '{ for (i = 1; i <= length($0); i++) { t = substr($0, i)
		if (substr(t, 1, 1) ~ /[A-Z]/ && length(t) > 2) print t } }' | sort -u >"$w/cand"
: >"$w/pro"
while read -r n; do
	{ cat "$w/base.conf"; echo "$n"; } >"$w/t.conf"
	"$proftpd" -t -c "$w/t.conf" 2>&1 | grep -qi "unknown configuration directive" ||
		echo "$n" >>"$w/pro"
done <"$w/cand"
# proftpd matches names in any case, so "USER" (an FTP command's name in the
# binary) passes too: keep one spelling, the one with lower-case letters.
awk '{ k = tolower($0); if (!(k in seen) || $0 ~ /[a-z]/) seen[k] = $0 }
	END { for (k in seen) print seen[k] }' "$w/pro" | sort >"$w/pro.one"
mv "$w/pro.one" "$w/pro"
"$proftpd" -l | awk '/\.c$/ { print $1 }' >"$w/static"

# ---- pure-ftpd
strings "$cache/pure-ftpd/usr/sbin/pure-ftpd" | grep -E '^[A-Z][A-Za-z0-9]+\??( |$)' |
	grep -E '<|\?' | sed 's/[? ].*//' | sort -u >"$w/pure"
sed -n "s/^[[:space:]]*'\([A-Za-z0-9]*\)',\{0,1\} *=> \[.*/\1/p" \
	"$cache/pure-ftpd-common/usr/sbin/pure-ftpd-wrapper" | sort -u >"$w/puredir"

# ---- what the site model and the stylesheets set (kept here, by hand)
cat >"$w/notes" <<'NOTES'
vsftpd listen owned <listen>
vsftpd listen_ipv6 owned <listen>
vsftpd listen_address owned <listen address>
vsftpd listen_address6 owned <listen address>
vsftpd listen_port owned <listen port>
vsftpd port_enable owned <server mode>
vsftpd connect_from_port_20 owned <active>
vsftpd ftp_data_port owned <active data-port>
vsftpd pasv_enable owned <server mode>
vsftpd pasv_min_port owned <passive min-port>
vsftpd pasv_max_port owned <passive max-port>
vsftpd pasv_address owned <passive external-address>
vsftpd ssl_enable owned <tls mode>
vsftpd implicit_ssl owned <tls mode>
vsftpd rsa_cert_file owned <tls cert>
vsftpd rsa_private_key_file owned <tls key>
vsftpd force_local_logins_ssl owned <tls required>
vsftpd force_local_data_ssl owned <tls required>
vsftpd force_anon_logins_ssl owned <tls required>
vsftpd force_anon_data_ssl owned <tls required>
vsftpd anonymous_enable owned <users anonymous>
vsftpd anon_root owned <users anonymous-root>
vsftpd local_enable owned <users local>
vsftpd write_enable owned <users write>
vsftpd chroot_local_user owned <users chroot>
vsftpd max_clients owned <limits max-clients>
vsftpd max_per_ip owned <limits max-per-ip>
vsftpd idle_session_timeout owned <limits idle-timeout>
vsftpd ftpd_banner owned <banner>
vsftpd ssl_ciphers default HIGH
vsftpd allow_anon_ssl default YES
vsftpd no_anon_password default YES
vsftpd anon_upload_enable default NO
vsftpd anon_mkdir_write_enable default NO
vsftpd allow_writeable_chroot default YES
vsftpd pam_service_name default vsftpd
vsftpd secure_chroot_dir default /var/run/vsftpd/empty
vsftpd xferlog_enable default YES
proftpd Port owned <listen port>
proftpd DefaultAddress owned <listen address>
proftpd SocketBindTight owned <listen>
proftpd UseIPv6 owned <listen>
proftpd RootRevoke owned <active>
proftpd PassivePorts owned <passive min-port max-port>
proftpd MasqueradeAddress owned <passive external-address>
proftpd TLSEngine owned <tls mode>
proftpd TLSRSACertificateFile owned <tls cert>
proftpd TLSRSACertificateKeyFile owned <tls key>
proftpd TLSRequired owned <tls required>
proftpd DefaultRoot owned <users chroot>
proftpd MaxClients owned <limits max-clients>
proftpd MaxClientsPerHost owned <limits max-per-ip>
proftpd TimeoutIdle owned <limits idle-timeout>
proftpd ServerIdent owned <banner>
proftpd ServerType default standalone
proftpd User default proftpd
proftpd Group default nogroup
proftpd Umask default 022 022
proftpd SystemLog default /var/log/proftpd/proftpd.log
proftpd TransferLog default /var/log/proftpd/xferlog
proftpd DefaultServer default on
proftpd AllowOverwrite default on
proftpd TLSProtocol default TLSv1.2 TLSv1.3
proftpd ModulePath default /usr/lib/proftpd
pure-ftpd Bind owned <listen>
pure-ftpd IPV4Only owned <listen address>
pure-ftpd IPV6Only owned <listen address>
pure-ftpd NATmode owned <server mode>
pure-ftpd PassivePortRange owned <passive min-port max-port>
pure-ftpd ForcePassiveIP owned <passive external-address>
pure-ftpd TLS owned <tls mode required>
pure-ftpd CertFile owned <tls cert>
pure-ftpd CertFileAndKey owned <tls cert key>
pure-ftpd NoAnonymous owned <users anonymous>
pure-ftpd AnonymousOnly owned <users local>
pure-ftpd PAMAuthentication owned <users local>
pure-ftpd ChrootEveryone owned <users chroot>
pure-ftpd MaxClientsNumber owned <limits max-clients>
pure-ftpd MaxClientsPerIP owned <limits max-per-ip>
pure-ftpd MaxIdleTime owned <limits idle-timeout>
pure-ftpd AnonymousCantUpload default yes
pure-ftpd UnixAuthentication default no
NOTES
# Debian's conf/ directory: the same model, the wrapper's names.
sed -n 's/^pure-ftpd /pure-ftpd-dir /p' "$w/notes" | grep -v -E ' (CertFile|CertFileAndKey) ' \
	>>"$w/notes"

emit() {
	# emit SET FILE: one line per name, annotated from the notes.
	while read -r n; do
		note=$(awk -v s="$1" -v n="$n" '$1 == s && $2 == n { print; exit }' "$w/notes")
		if [ -n "$note" ]; then echo "$note"; else echo "$1 $n"; fi
	done <"$2"
}

cat <<'HEAD'
# The directives each daemon knows, as Debian 12 ships them, for
# <directive name="..."> and `ftpcfg import`.  Generated by
# scripts/gen-directives.sh; do not edit by hand (the notes on owned and
# default directives live in that script).
#
#   SET NAME                  only a <directive> sets it
#   SET NAME owned ELEMENT    the site sets it through ELEMENT: not a <directive>
#   SET NAME default VALUE    a stylesheet writes VALUE unless a <directive> replaces it
#   proftpd NAME module       a module compiled into Debian's proftpd binary
HEAD
emit vsftpd "$w/vs.sorted"
emit proftpd "$w/pro"
sed 's/^/proftpd /; s/$/ module/' "$w/static"
emit pure-ftpd "$w/pure"
emit pure-ftpd-dir "$w/puredir"
# Every note must name a known directive: a typo here would go unnoticed.
while read -r set n _; do
	f=$w/vs.sorted
	case $set in proftpd) f=$w/pro ;; pure-ftpd) f=$w/pure ;; pure-ftpd-dir) f=$w/puredir ;; esac
	grep -qx "$n" "$f" || { echo "gen-directives: $set has no directive $n" >&2; exit 1; }
done <"$w/notes"
