#!/bin/sh
# The collection as a user gets it, without a network (everything below
# runs in unshare -n when we are root): ansible-galaxy builds it and
# installs the tarball; ansible-doc shows each module's DOCUMENTATION,
# EXAMPLES and RETURN and the role's argument spec; each module's
# argument_spec agrees with its DOCUMENTATION (argspec-doc.py); and
# ansible-test sanity runs every test that needs no download.
#
# ansible-test sanity's tests ansible-doc, import, pep8, pylint,
# runtime-metadata, validate-modules and yamllint install pinned
# requirements from PyPI into a venv first (pip's bootstrap script is
# downloaded too), so they cannot run here; ansible-doc on each module
# (below) and argspec-doc.py stand for their checks of the documentation,
# and 20-site.sh imports and runs every module.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/ansible/lib.sh
. "$here/lib.sh"
need_ansible
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Without a network when we can make a namespace (root); else as we are.
NONET=
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
	NONET="unshare -n"
fi

ansible_env "$tmp"
install_collection "$tmp"
echo "ok: ansible-galaxy collection build and install${NONET:+ (offline)}"

# doc TYPE NAME TEXT...: ansible-doc -t TYPE NAME exits 0 and shows each TEXT.
doc() {
	type=$1
	name=$2
	shift 2
	ansible-doc -t "$type" "$name" >"$tmp/doc" 2>"$tmp/doc.err" ||
		{ cat "$tmp/doc.err"; fail "ansible-doc -t $type $name exited $?"; }
	if [ -s "$tmp/doc.err" ]; then cat "$tmp/doc.err"; fail "ansible-doc -t $type $name warned"; fi
	for text in "$@"; do
		grep -qF -- "$text" "$tmp/doc" || { cat "$tmp/doc"; fail "ansible-doc -t $type $name does not show '$text'"; }
	done
	echo "ok: ansible-doc -t $type $name"
}

doc module ftpcfg.ftpcfg.site "> FTPCFG.FTPCFG.SITE" "ftpcfg apply" "- path" "- content" "- state" \
	"choices: [present, absent]" "- root" "- state_dir" "- reload" "- confirm" "- allow_conflicts" \
	"- executable" "check_mode:" "diff_mode:" "support: full" "EXAMPLES:" "ftpcfg.ftpcfg.site:" \
	"RETURN VALUES:" "- diagnostics" "- plan" "- diffs" "- outcome" "- ftpcfg" "format_version"
doc module ftpcfg.ftpcfg.status_info "> FTPCFG.FTPCFG.STATUS_INFO" "ftpcfg status --json" "- root" \
	"- state_dir" "EXAMPLES:" "ftpcfg.ftpcfg.status_info:" "RETURN VALUES:" "- status" "last_apply"
doc module ftpcfg.ftpcfg.confirm "> FTPCFG.FTPCFG.CONFIRM" "ftpcfg confirm" "- root" "- state_dir" \
	"EXAMPLES:" "ftpcfg.ftpcfg.confirm:" "RETURN VALUES:" "- outcome" "- generation"
doc role ftpcfg.ftpcfg.ftpcfg "ENTRY POINT: main" "ftpcfg_site_src" "ftpcfg_install" "ftpcfg_package_deb"
ansible-doc -l ftpcfg.ftpcfg >"$tmp/list" 2>&1 || { cat "$tmp/list"; fail "ansible-doc -l ftpcfg.ftpcfg failed"; }
[ "$(grep -c '^ftpcfg\.ftpcfg\.' "$tmp/list")" = 3 ] || { cat "$tmp/list"; fail "ansible-doc -l does not list the three modules"; }
echo "ok: ansible-doc -l lists the three modules"

/usr/bin/python3 "$here/argspec-doc.py" "$tmp/collections" ftpcfg.ftpcfg site status_info confirm ||
	fail "an argument_spec disagrees with its DOCUMENTATION"

echo "+ ansible-test sanity (the tests that need no download)"
(cd "$COLLECTION" && $NONET ansible-test sanity --python 3.11 --local --color no \
	--skip-test ansible-doc --skip-test import --skip-test pep8 --skip-test pylint \
	--skip-test runtime-metadata --skip-test validate-modules --skip-test yamllint) \
	>"$tmp/sanity.log" 2>&1 || { cat "$tmp/sanity.log"; fail "ansible-test sanity failed"; }
n=$(grep -c '^Running sanity test' "$tmp/sanity.log" || true)
[ "$n" -ge 20 ] || { cat "$tmp/sanity.log"; fail "ansible-test sanity ran $n tests, expected at least 20"; }
echo "ok: ansible-test sanity: $n tests passed"
echo "PASS"
