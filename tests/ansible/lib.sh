# shellcheck shell=sh
# Shared by tests/ansible/*.sh (tests/run-scripts.sh skips lib*.sh): the
# collection in contrib/ansible, built with ansible-galaxy as a user would
# and installed from that tarball into a scratch collections path, and an
# Ansible that reads nothing of the host's: no ansible.cfg, HOME and its
# temporary directories under $tmp, Debian's python3 on the target.
top=$(cd "$(dirname "$0")/../.." && pwd)
FTPCFG=${FTPCFG:-$top/ftpcfg}
export FTPCFG_TEMPLATE_DIR="${FTPCFG_TEMPLATE_DIR:-$top/templates}"
COLLECTION_SRC=$top/contrib/ansible

fail() {
	echo "FAIL: $*"
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

# need_ansible: the tools these tests run; missing ones are named, the test skips.
need_ansible() {
	for t in ansible-galaxy ansible-doc ansible-playbook ansible-test jq; do
		command -v "$t" >/dev/null 2>&1 ||
			skip "$t is not installed (scripts/install-deps.sh installs ansible-core and jq)"
	done
}

# ansible_env TMP: Ansible's settings for the tests, everything under TMP.
ansible_env() {
	mkdir -p "$1/home" "$1/collections"
	: >"$1/ansible.cfg"
	export HOME="$1/home" TMPDIR="$1" ANSIBLE_CONFIG="$1/ansible.cfg"
	export ANSIBLE_COLLECTIONS_PATH="$1/collections" ANSIBLE_LOCAL_TEMP="$1/home/tmp"
	export ANSIBLE_REMOTE_TEMP="$1/home/remote-tmp" ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
	export ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_DEPRECATION_WARNINGS=0
	export ANSIBLE_CALLBACK_RESULT_FORMAT=json LC_ALL=C.UTF-8
}

# install_collection TMP: build the collection into TMP/dist and install
# that tarball into TMP/collections; sets COLLECTION (its directory).
# $NONET prefixes both commands (10-collection.sh: unshare -n).
install_collection() {
	${NONET:-} ansible-galaxy collection build "$COLLECTION_SRC" --output-path "$1/dist" >"$1/build.log" 2>&1 ||
		{ cat "$1/build.log"; fail "ansible-galaxy collection build failed"; }
	tarball=$(ls "$1"/dist/ftpcfg-ftpcfg-*.tar.gz) || fail "the build wrote no ftpcfg-ftpcfg-*.tar.gz"
	${NONET:-} ansible-galaxy collection install --offline -p "$1/collections" "$tarball" >"$1/install.log" 2>&1 ||
		{ cat "$1/install.log"; fail "ansible-galaxy collection install of $tarball failed"; }
	COLLECTION=$1/collections/ansible_collections/ftpcfg/ftpcfg
	[ -f "$COLLECTION/plugins/modules/site.py" ] || fail "the installed collection has no site module"
}
