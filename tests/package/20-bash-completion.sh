#!/bin/sh
# Drives completion/ftpcfg.bash in a real bash with Debian's
# bash-completion: COMP_WORDS/COMP_CWORD set as bash sets them, _ftpcfg
# called, COMPREPLY checked.  Commands and options come from `ftpcfg
# --help`, so a command or option added there and not here fails.
. "$(dirname "$0")/lib.sh"
BASH_COMPLETION=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
[ -r "$BASH_COMPLETION" ] || { echo "FAIL: $BASH_COMPLETION missing (apt-get install bash-completion)"; exit 1; }
command -v bash >/dev/null || { echo "FAIL: bash missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Files for SITE: only *.xml and directories are offered.
mkdir "$tmp/files" "$tmp/files/sub.d"
: >"$tmp/files/a.xml"
: >"$tmp/files/b.xml"
: >"$tmp/files/notes.txt"

script=$(pwd)/completion/ftpcfg.bash

# complete_line WORD... : writes to $tmp/got the COMPREPLY for the command line
# "WORD...", the last word being the one completed (may be empty), one
# match a line, sorted.  Runs in $tmp/files.  Fails when bash fails or
# says anything on stderr.
complete_line() {
	rc=0
	(cd "$tmp/files" && bash --norc --noprofile -c '
		. "$1" || exit 1
		. "$2" || exit 1
		shift 2
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		complete -p ftpcfg >/dev/null || { echo "no completion for ftpcfg" >&2; exit 1; }
		_ftpcfg ftpcfg "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		[ ${#COMPREPLY[@]} = 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort
	' complete "$BASH_COMPLETION" "$script" "$@" >"$tmp/got" 2>"$tmp/stderr") || rc=$?
	if [ "$rc" != 0 ] || [ -s "$tmp/stderr" ]; then
		fail "bash exits $rc for: ftpcfg $*"
		cat "$tmp/stderr"
		return 1
	fi
}
# expect_set "DESCRIPTION" "EXPECTED WORDS" WORD...: COMPREPLY is exactly that.
expect_set() {
	what=$1
	want=$(printf '%s\n' $2 | sed '/^$/d' | sort)
	shift 2
	complete_line "$@" || return
	got=$(cat "$tmp/got")
	[ "$got" = "$want" ] || fail "$what: '$* <TAB>' gives [$(echo $got)], want [$(echo $want)]"
}
# expect_has "DESCRIPTION" "WORDS" WORD...: COMPREPLY holds each of WORDS.
expect_has() {
	what=$1
	want=$2
	shift 2
	complete_line "$@" || return
	for w in $want; do
		grep -q -x -e "$w" "$tmp/got" ||
			fail "$what: '$* <TAB>' lacks $w (gives: $(tr '\n' ' ' <"$tmp/got"))"
	done
}

cmds=$(help_commands)
[ -n "$cmds" ] || fail "no commands in ftpcfg --help"
expect_set "commands" "$cmds" ftpcfg ''
expect_has "global options" "$(help_global_options)" ftpcfg -
expect_set "--root takes a directory" "sub.d" ftpcfg --root ''
expect_set "--state-dir takes a directory" "sub.d" ftpcfg --state-dir ''
expect_set "--state-dir=DIR" "sub.d" ftpcfg --state-dir=''
expect_set "the command after an option's argument" "validate" ftpcfg --root /tmp --json va
expect_set "a prefix of commands" "remove render restore rollback" ftpcfg -q r
n=0
for c in $cmds; do
	n=$((n + 1))
	opts=$(help_command_options "$c")
	if [ -n "$opts" ]; then
		expect_has "options of $c" "$opts" ftpcfg "$c" -
		expect_has "options of $c after global options" "$opts" ftpcfg -v --root /tmp "$c" -
	fi
	if help_takes_site "$c"; then
		expect_set "SITE of $c" "a.xml b.xml sub.d" ftpcfg "$c" ''
		expect_set "SITE of $c, a prefix" "a.xml" ftpcfg --json "$c" a
		expect_set "SITE of $c after --" "a.xml b.xml sub.d" ftpcfg "$c" -- ''
	elif help_synopsis "$c" | grep -q 'COMMAND'; then
		expect_set "COMMAND of $c" "$cmds" ftpcfg "$c" ''
	elif help_synopsis "$c" | grep -q 'DAEMON'; then
		expect_set "DAEMON of $c" "proftpd pure-ftpd vsftpd" ftpcfg "$c" ''
		expect_set "PATH of $c" "a.xml b.xml notes.txt sub.d" ftpcfg "$c" vsftpd ''
	elif help_synopsis "$c" | sed 's/\[[^]]*\]//g' | grep -q '[A-Z][A-Z]'; then
		fail "the completion test does not know the operands of: $(help_synopsis "$c")"
	else
		expect_set "$c takes no SITE" "" ftpcfg "$c" ''
	fi
done
if help_synopsis render | grep -q -e '-o DIR'; then
	expect_set "render -o takes a directory" "sub.d" ftpcfg render -o ''
	expect_set "render --output takes a directory" "sub.d" ftpcfg render --output ''
fi
echo "checked $n commands"
finish
