#!/bin/sh
# `make demo`: the main job on a bundled example, printed step by step.
set -eu
cd "$(dirname "$0")/.."
site=${1:-examples/vsftpd-both-tls.xml}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() { echo "\$ $*"; "$@"; }

echo "\$ ./ftpcfg validate $site"
rc=0
./ftpcfg validate "$site" 2>"$out/validate.err" || rc=$?
cat "$out/validate.err"
if [ "$rc" != 0 ]; then
	exit "$rc"
elif [ -s "$out/validate.err" ]; then
	echo "(valid, but read the warnings above)"
else
	echo "(silent: the site is valid)"
fi
echo
run ./ftpcfg render "$site"
echo
run ./ftpcfg render -o "$out" "$site"
echo "written under $out:"
(cd "$out" && find . -type f | sort)
echo
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
	# Everything below runs in a throwaway network namespace, with the
	# files under a temporary root: the host is not touched.
	root=$out/root
	mkdir -p "$root/etc/ssl/certs" "$root/etc/ssl/private"
	# The example names a certificate; pre-flight checks it exists: a throwaway one.
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=ftpcfg-demo \
		-keyout "$root/etc/ssl/private/ftp.key" -out "$root/etc/ssl/certs/ftp.pem" 2>/dev/null
	unshare -n sh -eu -c '
		run() { echo "\$ $*"; "$@"; }
		F="./ftpcfg --root $1"
		run $F diff "$2" || [ $? = 2 ]
		echo
		run $F apply --no-reload "$2"
		echo
		run nft list ruleset
		echo
		run $F diff "$2"
		echo
		run $F status
	' demo "$root" "$site"
else
	echo "(not root: skipping apply inside a throwaway network namespace)"
fi
