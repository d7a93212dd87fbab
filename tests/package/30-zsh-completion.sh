#!/bin/sh
# completion/_ftpcfg in a real interactive zsh (zsh -f, compinit, driven
# through zsh/zpty by zsh-complete.zsh): compinit makes _ftpcfg the
# completion of ftpcfg, and a Tab offers the commands, the options and the
# files that `ftpcfg --help` says, so a command or option added there and
# not here fails.  One zsh answers every case (compinit is slow).
. "$(dirname "$0")/lib.sh"
command -v zsh >/dev/null || { echo "FAIL: zsh missing (apt-get install zsh)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/files" "$tmp/files/sub.d"
: >"$tmp/files/a.xml"
: >"$tmp/files/b.xml"
: >"$tmp/files/notes.txt"

# Each case: LINE<TAB>KIND<TAB>WORDS; KIND "set" (exactly WORDS) or "has".
cmds=$(help_commands)
[ -n "$cmds" ] || fail "no commands in ftpcfg --help"
{
	printf 'ftpcfg \tset\t%s\n' "$(echo $cmds)"
	printf 'ftpcfg -\thas\t%s\n' "$(help_global_options | tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//')"
	printf 'ftpcfg --root \tset\tsub.d\n'
	printf 'ftpcfg --state-dir=\tset\tsub.d\n'
	printf 'ftpcfg --json va\tset\tvalidate\n'
	for c in $cmds; do
		opts=$(help_command_options "$c")
		[ -n "$opts" ] && printf 'ftpcfg -q --root /tmp %s -\thas\t%s\n' "$c" "$(echo $opts)"
		help_takes_site "$c" && printf 'ftpcfg %s \tset\ta.xml b.xml sub.d\n' "$c"
		help_synopsis "$c" | grep -q 'COMMAND' && printf 'ftpcfg %s \tset\t%s\n' "$c" "$(echo $cmds)"
		help_synopsis "$c" | grep -q 'DAEMON' && printf 'ftpcfg %s \tset\tproftpd pure-ftpd vsftpd\n' "$c"
	done
	help_synopsis render | grep -q -e '-o DIR' && printf 'ftpcfg render -o \tset\tsub.d\n'
} >"$tmp/cases"

# The driver gets every LINE (xargs: one argument a line); its answer is
# "== LINE" then the matches.
top=$(pwd)
rc=0
cut -f1 "$tmp/cases" | (cd "$tmp/files" &&
	xargs -d '\n' timeout 60 zsh -f "$top/tests/package/zsh-complete.zsh" "$top/completion") \
	>"$tmp/answers" 2>"$tmp/stderr" || rc=$?
if [ "$rc" != 0 ] || [ -s "$tmp/stderr" ]; then
	fail "the zsh driver exits $rc:"
	cat "$tmp/stderr"
	finish
fi

n=0
while IFS='	' read -r line kind words; do
	n=$((n + 1))
	got=$(awk -v l="== $line" '/^== / { on = ($0 == l); next } on' "$tmp/answers" | sort)
	grep -q -x -F -e "== $line" "$tmp/answers" || { fail "no answer for '$line<Tab>'"; continue; }
	if [ "$kind" = set ]; then
		want=$(printf '%s\n' $words | sort)
		[ "$got" = "$want" ] || fail "'$line<Tab>' gives [$(echo $got)], want [$(echo $want)]"
	else
		for w in $words; do
			printf '%s\n' "$got" | grep -q -x -e "$w" ||
				fail "'$line<Tab>' lacks $w (gives: $(echo $got))"
		done
	fi
done <"$tmp/cases"
echo "checked $n completions"
finish
