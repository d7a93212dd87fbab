#!/bin/sh
# ftpcfg import on the configurations Debian 12 ships (vsftpd.conf,
# proftpd.conf with modules.conf, pure-ftpd's conf/ and pure-ftpd.conf) and
# on hand-written ones (tests/import/).  For each:
#   - every directive line of every file read is in the accounting, with a
#     fate (mapped, implied, passed, reported), counted independently here;
#     every passed one is a <directive> of the site; every reported one
#     (but the lines inside a reported block) has a warning at its line;
#   - the --json document validates against templates/json/import.schema.json;
#   - the site renders, and the daemon's own parser accepts the result;
#   - importing the rendered file gives the same site (round trip).
set -eu
# shellcheck source=tests/daemon/lib.sh
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

daemon_setup
command -v jq >/dev/null || skip "jq not found"
command -v perl >/dev/null || skip "perl not found (pure-ftpd-wrapper is perl)"
command -v ss >/dev/null || skip "ss (iproute2) not found"
vsftpd=$cache/vsftpd/usr/sbin/vsftpd
proftpd=$cache/proftpd-core/usr/sbin/proftpd
pureftpd=$cache/pure-ftpd/usr/sbin/pure-ftpd
cases=$top/tests/import

# Every module of Debian's two proftpd packages in one directory.
mkdir -p "$tmp/mods"
ln -s "$cache"/proftpd-core/usr/lib/proftpd/*.so "$cache"/proftpd-mod-crypto/usr/lib/proftpd/*.so \
	"$tmp/mods/"

# Debian's proftpd.conf and modules.conf as postinst installs them from the templates.
deb_pro=$tmp/debian-proftpd
mkdir -p "$deb_pro/etc/proftpd/conf.d"
cp "$cache/proftpd-core/usr/share/proftpd/templates/proftpd.conf" \
	"$cache/proftpd-core/usr/share/proftpd/templates/modules.conf" "$deb_pro/etc/proftpd/"
deb_pure=$tmp/debian-pure
mkdir -p "$deb_pure/etc"
cp -a "$cache/pure-ftpd-common/etc/pure-ftpd" "$deb_pure/etc/"

# Directive lines of one file, counted without ftpcfg's parsers: not blank,
# not a comment.  (None of these files continues a line with '\'.)
directive_lines() {
	grep -c -v -E '^[[:space:]]*(#|$)' "$1" || true
}

# The daemon's own check of what SITE renders for DAEMON.
check_rendered() {
	site=$1 daemon=$2
	out=$(render_site "$site")
	servers_of "$site" "$daemon" >"$tmp/servers"
	read -r _ path cert key <"$tmp/servers"
	case $daemon in
	vsftpd)
		conf=$tmp/check.conf
		with_test_tls "$out$path" "$conf" "$cert" "$key"
		: >"$tmp/stdin"
		run in_debian_ns "$vsftpd" "$conf" -olisten=NO -olisten_ipv6=NO 0<>"$tmp/stdin" || true
		grep -q 'not configured for standalone' "$tmp/stdin" ||
			{ cat "$tmp/stdin" "$conf"; fail "vsftpd refused the rendered $path"; }
		;;
	proftpd)
		conf=$tmp/check.conf
		with_test_tls "$out$path" "$conf.tls" "$cert" "$key"
		# Debian's module path, here: where the packages were unpacked.
		{ echo "ModulePath $tmp/mods"; grep -v '^ModulePath ' "$conf.tls"; } >"$conf"
		run in_debian_ns "$proftpd" -t -c "$conf" >"$tmp/log" 2>&1 ||
			{ cat "$tmp/log" "$conf"; fail "proftpd refused the rendered $path"; }
		;;
	pure-ftpd)
		case $path in
		*/)
			root=$tmp/pure-root
			rm -rf "$root"
			mkdir -p "$root"
			cp -a "$cache/pure-ftpd-common/etc/pure-ftpd" "$root/"
			rm -f "$root"/pure-ftpd/conf/*
			cp "$out$path"* "$root/pure-ftpd/conf/"
			sed "s|/etc/pure-ftpd|$root/pure-ftpd|g" \
				"$cache/pure-ftpd-common/usr/sbin/pure-ftpd-wrapper" >"$tmp/wrapper"
			opts=$(perl "$tmp/wrapper" --show-options 2>&1) ||
				{ echo "$opts"; fail "pure-ftpd-wrapper refused the rendered $path"; }
			bind=$(cat "$out${path}Bind")
			# shellcheck disable=SC2086 # the wrapper's options hold no spaces
			set -- $opts
			;;
		*)
			conf=$tmp/check.conf
			# Daemonize would leave a child behind that this test did not start.
			with_test_tls "$out$path" "$conf.tls" "$cert" "$key"
			sed 's/^Daemonize yes$/Daemonize no/' "$conf.tls" >"$conf"
			bind=$(sed -n 's/^Bind //p' "$conf")
			set -- "$conf"
			;;
		esac
		run start_listens "${bind%,*}" "${bind##*,}" "$pureftpd" "$@" >"$tmp/log" 2>&1 ||
			{ cat "$tmp/log"; fail "pure-ftpd did not start with the rendered $path"; }
		;;
	esac
}

one_case() {
	label=$1 daemon=$2 root=$3 path=$4
	echo "== $label: ftpcfg --root $root import $daemon $path"
	doc=$tmp/$label.json
	rc=0
	"$FTPCFG" --json --root "$root" import "$daemon" "$path" >"$doc" 2>"$tmp/stderr" || rc=$?
	[ "$rc" = 0 ] || { cat "$doc" "$tmp/stderr"; fail "$label: import exited $rc"; }
	python3 "$top/tests/json-check.py" --rc 0 --command import "$doc" ||
		fail "$label: the --json document does not match its schema"
	jq -j .site "$doc" >"$tmp/$label.xml"
	"$FTPCFG" -q validate "$tmp/$label.xml" || fail "$label: the imported site does not validate"

	# Accounting, file by file.
	jq -r '.directives[].file' "$doc" | sort -u >"$tmp/files"
	[ -s "$tmp/files" ] || fail "$label: no directive accounted for"
	while read -r f; do
		if [ "$daemon" = pure-ftpd ] && [ -d "$root$path" ]; then
			want=1	# one value per conf/ file
		else
			want=$(directive_lines "$f")
		fi
		got=$(jq --arg f "$f" '[.directives[] | select(.file == $f)] | length' "$doc")
		[ "$got" = "$want" ] ||
			fail "$label: $f has $want directive lines, the accounting lists $got"
	done <"$tmp/files"
	if [ "$daemon" = pure-ftpd ] && [ -d "$root$path" ]; then
		want=$(find "$root$path" -mindepth 1 -maxdepth 1 ! -name '.*' | wc -l)
		got=$(wc -l <"$tmp/files")
		[ "$got" = "$want" ] || fail "$label: $want files in $path, $got accounted for"
	fi
	bad=$(jq '[.directives[] | select(.fate | IN("mapped", "implied", "passed", "reported") | not)] | length' "$doc")
	[ "$bad" = 0 ] || fail "$label: $bad directives without a fate"
	passed=$(jq '[.directives[] | select(.fate == "passed")] | length' "$doc")
	dirs=$(grep -c '<directive ' "$tmp/$label.xml" || true)
	[ "$passed" = "$dirs" ] || fail "$label: $passed passed through, $dirs <directive> elements"
	jq -r '.not_carried[] | select(.why | startswith("inside ") | not) | "\(.file):\(.line)"' \
		"$doc" >"$tmp/reported"
	jq -r '.warnings[] | "\(.file):\(.line)"' "$doc" >"$tmp/warned"
	while read -r at; do
		grep -qxF "$at" "$tmp/warned" || fail "$label: $at is not carried but not reported"
	done <"$tmp/reported"
	echo "   accounted: $(jq -c '[.directives[].fate] | group_by(.) | map({(.[0]): length}) | add' "$doc")"

	check_rendered "$tmp/$label.xml" "$daemon"
	checked=$((checked + 1))

	# Round trip: import what was rendered; the same site comes back.
	"$FTPCFG" -q --root "$out" import "$daemon" "$path" >"$tmp/$label.again.xml" ||
		fail "$label: importing the rendered file failed"
	diff -u "$tmp/$label.xml" "$tmp/$label.again.xml" ||
		fail "$label: import, render, import does not give the same site"
}

one_case debian-vsftpd vsftpd "$cache/vsftpd" /etc/vsftpd.conf
one_case debian-proftpd proftpd "$deb_pro" /etc/proftpd/proftpd.conf
one_case debian-pure-conf-dir pure-ftpd "$deb_pure" /etc/pure-ftpd/conf
one_case debian-pure-ftpd.conf pure-ftpd "$deb_pure" /etc/pure-ftpd/pure-ftpd.conf
one_case vsftpd-allowlist vsftpd "$cases/vsftpd-allowlist" /vsftpd.conf
one_case vsftpd-anon vsftpd "$cases/vsftpd-anon" /vsftpd.conf
one_case proftpd-site proftpd "$cases/proftpd-site" /etc/proftpd/proftpd.conf
one_case pure-ftpd-tls pure-ftpd "$cases/pure-ftpd-tls" /etc/pure-ftpd/conf
one_case pure-ftpd-file pure-ftpd "$cases/pure-ftpd-file" /etc/pure-ftpd/pure-ftpd.conf
[ "$checked" = 9 ] || fail "$checked of 9 imports checked"
echo "PASS: $checked imports accounted for, rendered, accepted by their daemon, and stable"
