#!/bin/sh
# The collection's modules run by ansible-playbook -c local against a
# --root, each run in a throwaway network namespace (unshare -n), so the
# kernel is real and the host's ruleset is never touched: check mode says
# it would change and changes nothing (live ruleset and files compared
# before and after), diff mode shows the plan and the unified diffs, the
# first run changes and the second does not, reload on/off, a site given
# as content, an invalid site fails with its line number, status_info
# returns status, confirm (the change awaits confirmation, blocks another,
# the confirm module keeps it and its watcher ends), state=absent removes
# (check mode first, then for real, then again with nothing managed); then
# the example role and playbook from the installed collection.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/ansible/lib.sh
. "$here/lib.sh"
JSON_CHECK=${JSON_CHECK:-$top/tests/json-check.py}
# shellcheck source=tests/json.sh
. "$top/tests/json.sh"

# site FILE MAX-PORT NETWORK...: a vsftpd site on 10.200.0.1:21 whose
# reload command touches $tmp/reloaded, passive 40000-MAX-PORT, allowing NETWORKs.
site() {
	f=$1
	max=$2
	shift 2
	{
		echo '<site name="t" version="1">'
		echo '  <server name="s" daemon="vsftpd" mode="passive">'
		echo "    <config path=\"/etc/vsftpd.conf\" reload=\"touch $tmp/reloaded\"/>"
		echo '    <listen address="10.200.0.1" port="21"/>'
		echo "    <passive min-port=\"40000\" max-port=\"$max\"/>"
		echo '    <allow>'
		for n in "$@"; do echo "      <network>$n</network>"; done
		echo '    </allow>'
		echo '  </server>'
		echo '</site>'
	} >"$f"
}

# r NAME: the registered result of task NAME (in $tmp/results.json) in $tmp/NAME.json.
r() {
	jq ".$1" "$tmp/results.json" >"$tmp/$1.json"
}

# is NAME JQ-EXPRESSION MESSAGE: the result of task NAME satisfies it.
is() {
	r "$1"
	jq -e "$2" "$tmp/$1.json" >/dev/null || { cat "$tmp/$1.json"; fail "$1: $3"; }
	echo "ok: $1: $3"
}

# shown TASK TEXT MESSAGE: ansible-playbook's output of the task whose name
# starts with TASK has TEXT (a fixed string): the diff it showed.
shown() {
	awk -v t="TASK [$1 " 'index($0, t) == 1 { on = 1; next } /^TASK \[/ { on = 0 } on' "$tmp/modules.log" >"$tmp/shown"
	grep -qF -- "$2" "$tmp/shown" || { cat "$tmp/modules.log"; fail "$1: $3"; }
	echo "ok: $1: $3"
}

# document NAME RC COMMAND: the result's ftpcfg member is ftpcfg's --json
# document of COMMAND for exit code RC, valid against its schema.
document() {
	r "$1"
	jq '.ftpcfg' "$tmp/$1.json" >"$tmp/$1.doc.json"
	json_check "$2" --command "$3" "$tmp/$1.doc.json"
}

# snap ROOT FILE: the live ruleset and every file under ROOT (the state
# directory included) with its type, mode, size and SHA-256, in FILE.
snap() {
	{
		nft list ruleset
		(cd "$1" && find . -printf '%p %y %m %s\n' | LC_ALL=C sort &&
			find . -type f -exec sha256sum {} + | LC_ALL=C sort)
	} >"$2"
}

# same NAME-A NAME-B MESSAGE: two snaps are identical.
same() {
	cmp -s "$tmp/snap-$1" "$tmp/snap-$2" || { diff -u "$tmp/snap-$1" "$tmp/snap-$2" || true; fail "$3"; }
	echo "ok: $3"
}

inner() {
	tmp=$1
	root=$tmp/root
	mkdir -p "$root"
	site "$tmp/good.xml" 40049 10.200.0.0/25
	# A changed ruleset and a changed file (the passive range), so the daemon is reloaded.
	site "$tmp/more.xml" 40048 10.200.0.0/25 10.200.0.192/26
	printf '<site name="t" version="1">\n  <server name="s" daemon="vsftpd">\n    <passive min-port="40010" max-port="40005"/>\n  </server>\n</site>\n' \
		>"$tmp/bad.xml"
	jq -n --arg tmp "$tmp" --arg root "$root" --arg exe "$FTPCFG" --arg snap "sh $self --snap $root" \
		'{tmp: $tmp, root: $root, exe: $exe, snap: $snap}' >"$tmp/vars.json"
	echo "+ ansible-playbook modules.yml"
	ansible-playbook -i "$tmp/inventory" "$here/modules.yml" -e @"$tmp/vars.json" >"$tmp/modules.log" 2>&1 ||
		{ cat "$tmp/modules.log"; fail "ansible-playbook modules.yml failed"; }
	[ -s "$tmp/results.json" ] || fail "modules.yml kept no results"

	echo "# check mode on an empty host: it would change, and changes nothing"
	is check0 '.changed == true and .outcome == "checked"' "check mode says it would change"
	is check0 '[.plan[].summary] | index("+ table ftpcfg") != null' "check mode returns the plan"
	is check0 '.changes == (.plan | length) and ([.diffs[].path] | sort) == ["/etc/vsftpd.conf", "ruleset"]' \
		"check mode returns the diffs"
	is check0 '(.cmd | index("--check")) != null and (.cmd | index("apply")) != null' "check mode ran apply --check"
	is check0 '(has("diff") | not)' "without diff mode, no diff"
	document check0 0 apply
	shown "check0" "changed: [localhost]" "check mode reports changed"

	echo "# check and diff mode: the plan and the unified diffs, as Ansible shows diffs"
	is checkdiff '.changed == true and (.diff | length) == 3 and (.diff[0].prepared | startswith("ftpcfg plan (2):\n"))' \
		"the diff is the plan and one prepared diff per file and ruleset"
	shown checkdiff "ftpcfg plan (2):" "the diff shows the plan's heading"
	shown checkdiff "+ table ftpcfg" "the diff shows the plan"
	shown checkdiff "+++ /etc/vsftpd.conf" "the diff shows the file's unified diff"
	shown checkdiff "+	set s_allow_v4 {" "the diff shows the ruleset's unified diff"
	same empty after-check "check and diff mode changed neither the ruleset nor a file"

	echo "# the first run changes (diff mode, reload off), the second does not"
	is first '.changed == true and .outcome == "applied" and .ftpcfg.outcome == "applied"' "the first run applied"
	is first '(.cmd | index("--no-reload")) != null' "reload: false is --no-reload"
	document first 0 apply
	shown first "+ table ftpcfg" "diff mode shows the plan of a real run"
	grep -q '^table inet ftpcfg {' "$tmp/snap-first" || fail "the table was not there after the first run"
	grep -q '^\./etc/vsftpd.conf f' "$tmp/snap-first" || fail "vsftpd.conf was not written under the root"
	is second '.changed == false and .outcome == "unchanged"' "the second run changes nothing"
	shown second "ok: [localhost]" "the second run reports ok, not changed"
	is second_check '.changed == false and .outcome == "unchanged" and .changes == 0 and .plan == []' \
		"check mode: nothing would change"
	is same_content '.changed == false and .outcome == "unchanged"' "the same site as content changes nothing"
	same first unchanged "runs that changed nothing changed nothing"

	echo "# a changed site: check mode would, then the run does and reloads"
	is more_check '.changed == true and ([.plan[].summary] | index("+ element 10.200.0.192/26 in set s_allow_v4")) != null' \
		"check mode plans the new network"
	same unchanged more-check "check mode of a changed site changed nothing"
	is more '.changed == true and .outcome == "applied"' "the changed site is applied"
	grep -q '10.200.0.192/26' "$tmp/snap-more" || fail "the new network is not in the live set"
	[ -f "$tmp/reloaded" ] || fail "reload: true (the default) did not run the reload command"
	echo "ok: the reload command ran"

	echo "# an invalid site fails with ftpcfg's diagnostics and its line"
	is bad '.failed == true and .rc == 65' "an invalid site fails with exit 65"
	is bad '.diagnostics[0].level == "error" and .diagnostics[0].file == "'"$tmp/bad.xml"'" and .diagnostics[0].line == 3 and (.diagnostics[0].message | contains("max-port"))' \
		"the first diagnostic has the file, line 3 and the message"
	is bad '.msg | contains("bad.xml:3: ")' "the message names FILE:3"
	document bad 65 apply
	is bad_content '.failed == true and .diagnostics[0].file == "content" and .diagnostics[0].line == 3' \
		"content: the diagnostic names content, line 3"
	is bad_content '(.msg | startswith("ftpcfg apply failed (exit 65): content:3: ")) and (.ftpcfg.error.message | startswith("content:3: "))' \
		"content: the message says content:3"
	is bad_check '.failed == true and .diagnostics[0].line == 3 and .ftpcfg.command == "diff"' \
		"check mode: an invalid site fails with its line"

	same more after-bad "invalid sites changed nothing"

	echo "# status_info"
	is info '.changed == false and .status.command == "status" and .status.format_version == 1' \
		"status_info returns status's document"
	is info '.status.last_apply.site == "'"$tmp/more.xml"'" and .status.table_present == true' "status names the site applied"
	is info '[.status.files[].state] == ["as applied"] and .status.drift == []' "status: the file as applied, no drift"
	jq '.status' "$tmp/info.json" >"$tmp/info.doc.json"
	json_check 0 --command status "$tmp/info.doc.json"

	echo "# confirm: the change awaits confirmation, blocks another, and is kept"
	r confirm_apply
	watcher=$(jq -r '.ftpcfg.confirm.watcher_pid' "$tmp/confirm_apply.json")
	case $watcher in '' | null | *[!0-9]*) cat "$tmp/confirm_apply.json"; fail "confirm_apply: no watcher PID" ;; esac
	is confirm_apply '.changed == true and .outcome == "applied, awaiting confirmation" and .ftpcfg.confirm.seconds == 120' \
		"confirm: 120 applies and awaits confirmation"
	is confirm_apply '(.cmd | index("--confirm")) != null' "confirm is apply --confirm"
	document confirm_apply 0 apply
	is confirm_info '.status.pending_confirm.generation == '"$(jq .ftpcfg.generation "$tmp/confirm_apply.json")"' and .status.pending_confirm.expired == false' \
		"status_info shows the generation awaiting confirmation"
	is confirm_blocked '.failed == true and .rc == 75 and (.msg | contains("awaits confirmation"))' \
		"another change while one awaits confirmation fails with 75"
	is confirm_check '.changed == true and .outcome == "pending" and .generation == '"$(jq .ftpcfg.generation "$tmp/confirm_apply.json")" \
		"the confirm module in check mode: it would confirm"
	is confirm_keep '.changed == true and .outcome == "confirmed" and .generation == '"$(jq .ftpcfg.generation "$tmp/confirm_apply.json")" \
		"the confirm module keeps the change"
	document confirm_keep 0 confirm
	is confirm_again '.changed == false and .outcome == "nothing pending" and .generation == null' \
		"confirming again changes nothing"
	is confirm_after '.status.pending_confirm == null and .status.last_apply.site == "'"$tmp/good.xml"'"' \
		"after the confirmation the first site stays, nothing pending"
	# The watcher sees the confirmation at its next poll and ends.
	i=0
	while kill -0 "$watcher" 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$watcher" 2>/dev/null; then
		kill "$watcher"
		fail "the watcher (PID $watcher) still runs 5 s after the confirmation"
	fi
	echo "ok: the watcher ended after the confirmation"
	grep -q '10.200.0.192/26' "$tmp/snap-confirmed" && fail "the confirmed first site still has the second's network"
	echo "ok: the confirmed ruleset is the first site's"

	echo "# state=absent: check mode changes nothing, then everything comes off, then nothing to do"
	is absent_check '.changed == true and .outcome == "checked" and (.cmd | index("--check")) != null and (.cmd | index("remove")) != null' \
		"check mode runs remove --check and would change"
	is absent_check '(.diff[0].prepared | startswith("ftpcfg remove (2):\n")) and (.diff[0].prepared | contains("- table inet ftpcfg")) and (.diff[0].prepared | contains("- /etc/vsftpd.conf"))' \
		"diff mode shows what would come off"
	document absent_check 0 remove
	same confirmed absent-check "state=absent in check mode changed nothing"
	is absent '.changed == true and .outcome == "removed" and .ftpcfg.outcome == "removed"' "state=absent removes"
	document absent 0 remove
	grep -q '^table inet ftpcfg' "$tmp/snap-absent" && fail "state=absent left the table"
	grep -q '^\./etc/vsftpd.conf ' "$tmp/snap-absent" && fail "state=absent left the vsftpd.conf ftpcfg created"
	echo "ok: the table and the file ftpcfg created are gone"
	is absent_again '.changed == false and .outcome == "nothing managed"' "state=absent again changes nothing"
	is absent_again_check '.changed == false and .outcome == "nothing managed"' "and in check mode neither"
	same absent absent-again "state=absent with nothing managed changed nothing"

	echo "# without ignore_errors, an invalid site fails the run and its output names the line"
	cat >"$tmp/loud.yml" <<EOF
- name: An invalid site
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Apply it
      ftpcfg.ftpcfg.site:
        path: $tmp/bad.xml
        root: $root
        executable: $FTPCFG
EOF
	set +e
	ansible-playbook -i "$tmp/inventory" "$tmp/loud.yml" >"$tmp/loud.log" 2>&1
	rc=$?
	set -e
	[ "$rc" = 2 ] || { cat "$tmp/loud.log"; fail "ansible-playbook of an invalid site exited $rc, expected 2"; }
	grep -qF "bad.xml:3: " "$tmp/loud.log" || { cat "$tmp/loud.log"; fail "the failed task's output does not name the line"; }
	grep -qE '^localhost +: ok=0 +changed=0 +unreachable=0 +failed=1' "$tmp/loud.log" ||
		{ cat "$tmp/loud.log"; fail "the recap does not count one failed task"; }
	echo "ok: the run fails (exit 2) and names bad.xml:3"
	echo "PASS"
}

# The example role and playbook, installed with the collection: package
# installation off (that would write the host's /usr), the site copied
# under the root and applied there.  Check mode first, then twice for real.
inner_role() {
	tmp=$1
	root=$tmp/role-root
	mkdir -p "$root"
	site "$tmp/role-site.xml" 40049 10.200.0.0/24
	jq -n --arg root "$root" --arg exe "$FTPCFG" --arg site "$tmp/role-site.xml" \
		'{ftpcfg_hosts: "localhost", ftpcfg_install: false, ftpcfg_root: $root,
		  ftpcfg_site_path: ($root + "/etc/ftpcfg/site.xml"), ftpcfg_executable: $exe,
		  ftpcfg_site: $site}' >"$tmp/role.vars.json"
	pb=$COLLECTION/playbooks/site.yml
	[ -f "$pb" ] || fail "the installed collection has no playbooks/site.yml"
	for run in check apply again; do
		opt=
		[ "$run" = check ] && opt=--check
		echo "+ ansible-playbook playbooks/site.yml --diff $opt ($run)"
		# shellcheck disable=SC2086 # $opt is one option or none
		ansible-playbook -i "$tmp/inventory" "$pb" -e @"$tmp/role.vars.json" --diff $opt \
			>"$tmp/role-$run.log" 2>&1 || { cat "$tmp/role-$run.log"; fail "the role's $run run failed"; }
	done
	# The site's directory, its copy and the apply: three changes, in check mode too.
	grep -qE '^localhost +: ok=[0-9]+ +changed=3 +unreachable=0 +failed=0' "$tmp/role-check.log" ||
		{ cat "$tmp/role-check.log"; fail "role, check mode: not three changes"; }
	grep -qF "+ table ftpcfg" "$tmp/role-check.log" ||
		{ cat "$tmp/role-check.log"; fail "role, check mode: the plan of the site it would copy is not shown"; }
	grep -qE '^localhost +: ok=[0-9]+ +changed=3 +unreachable=0 +failed=0' "$tmp/role-apply.log" ||
		{ cat "$tmp/role-apply.log"; fail "role: the first run did not make three changes"; }
	cmp -s "$tmp/role-site.xml" "$root/etc/ftpcfg/site.xml" || fail "role: the site was not copied"
	nft list table inet ftpcfg >/dev/null || fail "role: the table is not there"
	grep -qE '^localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0' "$tmp/role-again.log" ||
		{ cat "$tmp/role-again.log"; fail "role: the second run changed something"; }
	echo "ok: the role: check mode would change three things and changed none, the first run did, the second none"
	echo "PASS"
}

case ${1:-} in
--snap)
	snap "$2" "$3"
	exit 0
	;;
--inner | --inner-role)
	ansible_env "$2"
	export ANSIBLE_COLLECTIONS_PATH="$3"
	COLLECTION=$3/ansible_collections/ftpcfg/ftpcfg
	printf 'localhost ansible_connection=local ansible_become=false\n' >"$2/inventory"
	if [ "$1" = --inner ]; then inner "$2"; else inner_role "$2"; fi
	exit 0
	;;
esac

[ "$(id -u)" = 0 ] || skip "needs root (unshare -n, nft)"
command -v nft >/dev/null 2>&1 || skip "nft is not installed"
unshare -n true 2>/dev/null || skip "cannot create a network namespace (unshare -n)"
need_ansible
python3 -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema is not installed (scripts/install-deps.sh installs it)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(ansible_env "$tmp/build" && install_collection "$tmp/build")
mkdir "$tmp/modules" "$tmp/role"
# Each in a network namespace of its own: both use the table ftpcfg.
unshare -n sh "$self" --inner "$tmp/modules" "$tmp/build/collections"
unshare -n sh "$self" --inner-role "$tmp/role" "$tmp/build/collections"
