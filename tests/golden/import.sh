#!/bin/sh
# Golden tests of `ftpcfg import` on bad and hostile input: each case
# builds its input in a scratch --root, runs the import, and compares the
# exit code and every stderr line (the scratch path written as ROOT) with
# tests/import/golden/CASE.err.  Nothing may hang (a FIFO, a loop) and
# nothing but stdout may be written.  --update rewrites the goldens:
# review the diff.
set -u
cd "$(dirname "$0")/../.." || exit 1
FTPCFG=${FTPCFG:-./ftpcfg}
update=0
[ "${1:-}" = --update ] && update=1
passed=0
failed=0
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT

# case NAME DAEMON PATH: run the import of PATH below $root, compare.
case_() {
	name=$1 daemon=$2 path=$3
	golden=tests/import/golden/$name.err
	{
		# timeout: a FIFO or a loop must not hang the import.
		timeout 20 "$FTPCFG" --root "$root" import "$daemon" "$path" >/dev/null 2>"$top/err"
		echo "exit $?"
		sed "s|$root|ROOT|g" "$top/err"
	} >"$top/actual"
	find "$root" -newer "$top/stamp" ! -type d | grep -q . &&
		{ echo "FAIL: $name: import wrote into its root"; failed=$((failed + 1)); return; }
	if [ "$update" = 1 ]; then
		cp "$top/actual" "$golden"
	elif ! diff -u "$golden" "$top/actual"; then
		echo "FAIL: $name differs from $golden"
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
}

# fresh: a new empty root (and the stamp that tells writes).
fresh() {
	root=$top/$1
	mkdir -p "$root/etc/proftpd/conf.d" "$root/etc/pure-ftpd/conf"
}
stamp() {
	sleep 0.01
	touch "$top/stamp"
	sleep 0.01
}

fresh vsftpd-typo
printf 'listen=YES\nlocal_umsk=022\nanonymous_enabled=NO\n' >"$root/etc/vsftpd.conf"
stamp; case_ vsftpd-typo vsftpd /etc/vsftpd.conf

fresh vsftpd-values
printf 'listen=MAYBE\nlisten_port=70000\nlisten YES\n' >"$root/etc/vsftpd.conf"
stamp; case_ vsftpd-values vsftpd /etc/vsftpd.conf

fresh vsftpd-two-listeners
printf 'listen=YES\nlisten_ipv6=YES\n' >"$root/etc/vsftpd.conf"
stamp; case_ vsftpd-two-listeners vsftpd /etc/vsftpd.conf

fresh binary
printf 'listen=YES\n\000\001\002\377' >"$root/etc/vsftpd.conf"
stamp; case_ binary vsftpd /etc/vsftpd.conf

fresh huge
truncate -s $((1024 * 1024 + 1)) "$root/etc/vsftpd.conf"
stamp; case_ huge vsftpd /etc/vsftpd.conf

fresh long-line
{ printf 'ServerName "'; head -c 9000 /dev/zero | tr '\0' x; printf '"\n'; } \
	>"$root/etc/proftpd/proftpd.conf"
stamp; case_ long-line proftpd /etc/proftpd/proftpd.conf

fresh symlink
printf 'listen=YES\n' >"$root/etc/real.conf"
ln -s real.conf "$root/etc/vsftpd.conf"
stamp; case_ symlink vsftpd /etc/vsftpd.conf

fresh fifo
mkfifo "$root/etc/vsftpd.conf"
stamp; case_ fifo vsftpd /etc/vsftpd.conf

fresh directory
mkdir "$root/etc/vsftpd.conf"
stamp; case_ directory vsftpd /etc/vsftpd.conf

fresh missing
stamp; case_ missing vsftpd /etc/vsftpd.conf

fresh include-loop
printf 'Port 2121\nInclude /etc/proftpd/a.conf\n' >"$root/etc/proftpd/proftpd.conf"
printf 'Include /etc/proftpd/b.conf\n' >"$root/etc/proftpd/a.conf"
printf 'Include /etc/proftpd/proftpd.conf\n' >"$root/etc/proftpd/b.conf"
stamp; case_ include-loop proftpd /etc/proftpd/proftpd.conf

fresh include-deep
printf 'Include /etc/proftpd/d1.conf\n' >"$root/etc/proftpd/proftpd.conf"
i=1
while [ $i -le 12 ]; do
	printf 'Include /etc/proftpd/d%d.conf\n' $((i + 1)) >"$root/etc/proftpd/d$i.conf"
	i=$((i + 1))
done
stamp; case_ include-deep proftpd /etc/proftpd/proftpd.conf

fresh include-glob-many
printf 'Include /etc/proftpd/conf.d/*.conf\n' >"$root/etc/proftpd/proftpd.conf"
i=0
while [ $i -lt 300 ]; do
	printf 'MaxInstances 3\n' >"$root/etc/proftpd/conf.d/$i.conf"
	i=$((i + 1))
done
stamp; case_ include-glob-many proftpd /etc/proftpd/proftpd.conf

fresh include-symlink
printf 'Include /etc/proftpd/conf.d/\n' >"$root/etc/proftpd/proftpd.conf"
ln -s /etc/passwd "$root/etc/proftpd/conf.d/escape.conf"
stamp; case_ include-symlink proftpd /etc/proftpd/proftpd.conf

fresh include-relative
printf 'Include modules.conf\n' >"$root/etc/proftpd/proftpd.conf"
stamp; case_ include-relative proftpd /etc/proftpd/proftpd.conf

fresh blocks-broken
printf '<Directory /srv>\n  Umask 022\n</Limit>\n<Global\n' >"$root/etc/proftpd/proftpd.conf"
stamp; case_ blocks-broken proftpd /etc/proftpd/proftpd.conf

fresh block-unclosed
printf 'Port 2121\n<Anonymous ~ftp>\n  User ftp\n' >"$root/etc/proftpd/proftpd.conf"
stamp; case_ block-unclosed proftpd /etc/proftpd/proftpd.conf

fresh proftpd-typo
printf 'Port 2121\nPassivePort 30000 30100\nDisplayLogn welcome.msg\n' \
	>"$root/etc/proftpd/proftpd.conf"
stamp; case_ proftpd-typo proftpd /etc/proftpd/proftpd.conf

# Not carried, reported with its line; exit 0.
fresh proftpd-not-carried
cat >"$root/etc/proftpd/proftpd.conf" <<'EOC'
Port 2121
PassivePorts 30000 30100
RootRevoke on
<Directory /srv/ftp>
  <Limit STOR>
    DenyAll
  </Limit>
</Directory>
<Limit SITE_CHMOD>
  DenyAll
</Limit>
<IfModule mod_sql.c>
  SQLEngine on
</IfModule>
<IfModule !mod_sql.c>
  DisplayLogin welcome.msg
</IfModule>
<Anonymous /srv/ftp>
  MaxClients 5
</Anonymous>
<Anonymous /srv/other>
</Anonymous>
DefaultRoot /srv
ServerIdent off
MasqueradeAddress ftp.example.com
EOC
stamp; case_ proftpd-not-carried proftpd /etc/proftpd/proftpd.conf

fresh vsftpd-not-carried
cat >"$root/etc/vsftpd.conf" <<'EOC'
listen=YES
anonymous_enable=YES
local_enable=YES
connect_from_port_20=NO
pasv_min_port=30000
pasv_address=ftp.example.com
pasv_addr_resolve=YES
ssl_enable=YES
rsa_cert_file=/etc/ssl/certs/ftp.pem
force_local_data_ssl=NO
idle_session_timeout=0
EOC
stamp; case_ vsftpd-not-carried vsftpd /etc/vsftpd.conf

fresh pure-dir-symlink
echo yes >"$root/etc/pure-ftpd/real"
ln -s ../real "$root/etc/pure-ftpd/conf/ChrootEveryone"
stamp; case_ pure-dir-symlink pure-ftpd /etc/pure-ftpd/conf

fresh pure-dir-many
i=0
while [ $i -lt 300 ]; do
	: >"$root/etc/pure-ftpd/conf/Opt$i"
	i=$((i + 1))
done
stamp; case_ pure-dir-many pure-ftpd /etc/pure-ftpd/conf

fresh pure-values
printf 'PassivePortRange abc\nTLS 7\nChrootEveryOne yes\n' >"$root/etc/pure-ftpd/pure-ftpd.conf"
stamp; case_ pure-values pure-ftpd /etc/pure-ftpd/pure-ftpd.conf

[ "$update" = 1 ] && { echo "import golden: updated"; exit 0; }
echo "import-golden: $passed passed, $failed failed"
[ -n "${CHECK_COUNTS:-}" ] && echo "$passed $failed" >>"$CHECK_COUNTS"
[ "$failed" = 0 ]
