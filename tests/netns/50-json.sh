#!/bin/sh
# The --json contract, command by command, in a throwaway network
# namespace: each command's success, failure (exit 1, 65, 66, 75, 77) and
# usage-error (64) paths print
# exactly one document on stdout, valid against its schema in
# templates/json/ (tests/json-check.py, once for all at the end), with
# "error" exactly when the exit code is neither 0 nor 2 and its exit_code
# that code; a mistake on the command line before --json still gives one;
# warnings are in the document, -v lines on stderr.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/netns/lib.sh
. "$here/lib.sh"
FTPCFG=${FTPCFG:-$here/../../ftpcfg}
data=$(cd "$here/../data" && pwd)

# j RC COMMAND ARGS...: ftpcfg ARGS must exit RC; its stdout (in $tmp/out
# for `is`) is queued for json-check as a document of COMMAND ("null": none).
j() {
	want=$1
	cmd=$2
	shift 2
	n_doc=$((n_doc + 1))
	set +e
	$F "$@" >"$tmp/j/$n_doc.json" 2>"$tmp/err"
	rc=$?
	set -e
	cp "$tmp/j/$n_doc.json" "$tmp/out"
	if [ "$rc" != "$want" ]; then
		cat "$tmp/out" "$tmp/err"
		fail "'ftpcfg $*' exited $rc, expected $want"
	fi
	echo "--rc $rc --command $cmd $tmp/j/$n_doc.json" >>"$tmp/j/list"
	echo "ok: exit $rc: ftpcfg $*"
}

# is JQ-EXPRESSION MESSAGE: the last document satisfies it.
is() {
	jq -e "$1" "$tmp/out" >/dev/null || { cat "$tmp/out"; fail "$2"; }
}

inner() {
	tmp=$1
	root=$tmp/root
	state=$root/var/lib/ftpcfg
	mkdir -p "$root" "$tmp/j"
	n_doc=0
	F="$FTPCFG --root $root"
	site "$tmp/a.xml" 10.200.0.0/25
	printf '<site name="t" version="1"><server name="s" daemon="vsftpd"><banner>a&#10;listen=YES</banner></server></site>' >"$tmp/bad.xml"
	# A valid site with warnings (what pure-ftpd cannot honour).
	warn=$data/ruleset-pureftpd.xml

	echo "# no command, or no such command: command is null"
	j 64 null --json
	is '.error.message | test("no command given")' "no command: no message"
	j 64 null --json nosuch
	is '.error.message | test("not a command")' "no such command: no message"
	j 64 null --bogus nosuch --json
	is '(.error.diagnostics | length) == 2' "both mistakes are not in the diagnostics"

	echo "# help and version"
	j 0 help --json help
	is '.topic == null and ([.commands[].name] | index("apply")) != null and (.global_options | length) > 0' "help overview"
	j 0 help help apply --json
	is '.topic == "apply" and (.commands | length) == 1 and ([.commands[0].options[].name] | index("--check")) != null' "help apply"
	j 0 help apply --help --json
	is '.topic == "apply" and (.text | startswith("usage: ftpcfg apply"))' "apply --help"
	j 64 help --json help nosuch
	j 64 help --json help apply diff
	j 0 version --json version
	is '.version | length > 0' "no version"
	j 0 version --version --json
	j 64 version --json version extra

	echo "# import"
	printf 'listen=YES\nlocal_umask=022\n' >"$root/vsftpd.conf"
	printf 'listen=YES\nlocal_umsk=022\n' >"$root/typo.conf"
	j 0 import --json import vsftpd /vsftpd.conf
	is '[.directives[].fate] == ["mapped", "passed"]' "import: not every directive accounted for"
	is '.site | test("<directive name=\"local_umask\">022</directive>")' "import: no pass-through"
	j 65 import --json import vsftpd /typo.conf
	is '.error.message | test("did you mean .local_umask.")' "import: no did-you-mean"
	j 66 import --json import vsftpd /missing.conf
	j 64 import --json import wu-ftpd /vsftpd.conf
	j 64 import --json import vsftpd

	echo "# validate"
	j 0 validate validate "$tmp/a.xml" --json
	is '.valid == true and .diagnostics == [] and .warnings == []' "a valid site"
	j 0 validate --json validate "$warn"
	is '.valid == true and (.warnings | length) > 0 and all(.warnings[]; .level == "warning")' "warnings are not in the document"
	j 65 validate --json validate "$tmp/bad.xml"
	is '.valid == false and .error.exit_code == 65 and (.error.message | test("control character"))' "an invalid site"
	j 66 validate --json validate "$tmp/missing.xml"
	j 64 validate --json validate
	j 64 validate --json validate --check "$tmp/a.xml"
	is '.error.message | test("option of .apply.")' "an option of another command is not named as such"

	echo "# render"
	j 0 render --json render "$tmp/a.xml"
	is '(.files | length) == 1 and .files[0].path == "/etc/vsftpd.conf" and (.ruleset | test("table inet ftpcfg"))' "render"
	j 0 render render --effective "$tmp/a.xml" --json
	is '.effective | startswith("<?xml")' "render --effective is not wrapped"
	j 0 render --json render -o "$tmp/o" "$tmp/a.xml"
	is ".output == \"$tmp/o\" and (.written | length) == 2" "render -o does not say what it wrote"
	for p in $(jq -r '.written[]' "$tmp/out"); do
		[ -f "$p" ] || fail "render -o names '$p', which it did not write"
	done
	j 65 render --json render "$tmp/bad.xml"
	j 64 render --json render --effective -o "$tmp/o" "$tmp/a.xml"
	j 64 render --json render "$tmp/a.xml" -o

	echo "# before any apply: status, rollback, diff (as root, and as nobody)"
	j 0 status --json status
	is '.last_apply == null and .files == [] and .drift == []' "status with nothing applied"
	j 64 status status --json extra
	j 1 rollback --json rollback
	is '.error.message | test("nothing to roll back")' "rollback with nothing applied"
	j 1 restore --json restore
	is '.error.exit_code == 1 and (.error.message | test("nothing to restore from"))' "restore with nothing applied"
	j 64 restore --json restore extra
	j 64 status --json status --check
	j 0 remove --json remove
	is '.outcome == "nothing managed" and .target == null and .files == []' "remove with nothing applied"
	j 2 diff --json diff "$tmp/a.xml"
	is '.changes > 0 and any(.plan[]; .object == "table" and .op == "add")' "diff on an empty namespace"
	j 65 diff --json diff "$tmp/bad.xml"
	j 66 diff --json diff "$tmp/missing.xml"
	j 64 diff --json diff "$tmp/a.xml" "$tmp/a.xml"
	# Not root: the kernel says no (77).
	chmod 0755 "$tmp"
	chmod 0644 "$tmp/a.xml"
	F="setpriv --reuid 65534 --regid 65534 --clear-groups $FTPCFG --root $root"
	j 77 diff --json diff "$tmp/a.xml"
	is '.error.message | test("Operation not permitted|Permission denied")' "permission denied is not said"
	F="$FTPCFG --root $root"

	echo "# apply"
	j 0 apply --json apply --check "$tmp/a.xml"
	is '.outcome == "checked"' "apply --check"
	j 2 apply -v --json apply --detailed-exitcode "$tmp/a.xml"
	is '.outcome == "applied"' "apply"
	grep -q '^batch: ' "$tmp/err" || { cat "$tmp/err"; fail "-v did not say the batch on stderr"; }
	j 0 apply apply "$tmp/a.xml" --json
	is '.outcome == "unchanged"' "a second apply"
	j 65 apply --json apply "$tmp/bad.xml"
	j 66 apply --json apply "$tmp/missing.xml"
	j 64 apply --json apply
	j 64 apply --json apply --effective "$tmp/a.xml"
	echo "# the transaction fails: the kernel rejects the batch (1), the lock is held (75)"
	site "$tmp/b.xml" 10.200.0.0/25 10.200.0.192/26
	export FTPCFG_FAULT=badbatch
	j 1 apply --json apply "$tmp/b.xml"
	unset FTPCFG_FAULT
	# The holder is one process (flock, then exec sleep) so its PID ends it.
	(exec 9>"$state/lock" && flock 9 && exec sleep 60) &
	holder=$!
	trap 'kill "$holder" 2>/dev/null || true' EXIT
	i=0
	while flock -n "$state/lock" true 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	# (at most 5 s for the holder to take the lock)
	j 75 apply --json apply "$tmp/b.xml"
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	j 0 diff --json diff "$tmp/a.xml"
	is '.changes == 0 and .plan == [] and .diffs == []' "diff after apply"
	j 0 status --json status
	is '.last_apply.outcome == "applied" and .table_present == true and .files[0].state == "as applied" and .drift == []' "status after apply"
	j 0 status --json status --detailed-exitcode
	is '.clean == true and .journal_left == false' "status --detailed-exitcode after apply"

	echo "# restore"
	j 0 restore --json restore
	is '.outcome == "nothing to restore" and .messages == 0 and .table == "ftpcfg"' "restore after apply"
	nft flush ruleset
	j 2 status --json status --detailed-exitcode
	is '.clean == false and .table_present == false' "status --detailed-exitcode without the table"
	j 0 restore --json restore
	is '.outcome == "restored" and .messages > 0 and .attach_chain == null' "restore after a flush"

	echo "# rollback"
	j 64 rollback --json rollback --check
	j 64 rollback --json rollback extra
	j 0 rollback --json rollback
	is '.outcome == "rolled back"' "rollback"
	# That was the first apply: rolled back, nothing is managed any more.
	j 0 status --json status
	is '.last_apply == null and .files == []' "status after rolling back the first apply"
	# A second rollback undoes the first.
	j 0 rollback --json rollback
	j 0 status --json status
	is '.last_apply != null and .files[0].state == "as applied" and .drift == []' "status after rolling back the rollback"

	echo "# history, rollback --to, confirm"
	j 0 history --json history
	is '(.generations | length) >= 3 and .generations[0].generation == 1 and .generations[0].command == "apply" and (.generations[0].site_sha256 | test("^[0-9a-f]{64}$"))' "history"
	j 64 history --json history extra
	j 64 rollback --json rollback --to zero
	j 1 rollback --json rollback --to 999
	is '.error.message | test("no generation 999")' "rollback --to a generation not kept"
	j 0 rollback --json rollback --to 1
	is '.outcome == "rolled back" and .to == 1 and .generation > 1 and .summary != null' "rollback --to"
	j 0 confirm --json confirm
	is '.outcome == "nothing pending" and .generation == null' "confirm with nothing pending"
	j 64 confirm --json confirm extra
	j 64 apply --json apply --confirm 0 "$tmp/a.xml"
	j 64 apply --json apply --check --confirm 5 "$tmp/a.xml"
	j 0 apply --json apply --no-reload --confirm 600 "$tmp/b.xml"
	is '.outcome == "applied, awaiting confirmation" and .confirm.seconds == 600 and .generation > 1' "apply --confirm"
	j 0 status --json status
	is '.pending_confirm.expired == false and .pending_confirm.watcher_pid > 0' "status with a pending confirmation"
	j 75 apply --json apply --no-reload "$tmp/a.xml"
	j 0 confirm --json confirm
	is '.outcome == "confirmed" and .generation > 1' "confirm"
	j 0 status --json status
	is '.pending_confirm == null' "status after confirm"
	echo "# remove"
	j 64 remove --json remove extra
	j 64 remove --json remove --effective
	j 0 remove --json remove --check
	is '.outcome == "checked" and .target.table == "ftpcfg" and .ruleset[0].object == "table" and .files[0].action == "delete"' "remove --check"
	export FTPCFG_FAULT=commit
	j 1 remove --json remove
	unset FTPCFG_FAULT
	is '.error.message | test("fault injected after step .commit.")' "a failed remove"
	F="setpriv --reuid 65534 --regid 65534 --clear-groups $FTPCFG --root $root"
	j 77 remove --json remove
	F="$FTPCFG --root $root"
	j 2 remove --json remove --detailed-exitcode
	is '.outcome == "removed" and .reloads == ["true"] and .files[0].changes == true' "remove"
	j 0 status --json status
	is '.last_apply == null and (.removed_at | type) == "string"' "status after remove"
	j 0 remove --json remove
	is '.outcome == "nothing managed"' "a second remove"

	echo "# $n_doc documents against templates/json/"
	# shellcheck disable=SC2046 # the list's words are options and mktemp paths
	python3 "$JSON_CHECK" $(cat "$tmp/j/list") || fail "a --json document does not follow its schema"
	echo "PASS"
}

netns_inner "$@"

need_netns
command -v setpriv >/dev/null 2>&1 || skip "setpriv is not installed (util-linux)"
command -v jq >/dev/null 2>&1 || skip "jq is not installed (scripts/install-deps.sh installs it)"
python3 -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema is not installed (scripts/install-deps.sh installs it)"
netns_run
