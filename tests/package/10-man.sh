#!/bin/sh
# The man pages: `mandoc -T lint` finds nothing to say (no style message
# either), and ftpcfg(8) documents every command, option and exit code that
# `ftpcfg --help` (and `ftpcfg CMD --help`) names, each option in its
# command's section or among the global options, and no command that does
# not exist.  The README's Commands table names every command too.
. "$(dirname "$0")/lib.sh"
MAN_DIR=${MAN_DIR:-build/man}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for page in "$MAN_DIR/ftpcfg.8" "$MAN_DIR/ftpcfg-site.5"; do
	if [ ! -s "$page" ]; then
		fail "$page is missing (make man)"
		continue
	fi
	mandoc -T lint -W style "$page" >"$tmp/lint" 2>&1
	rc=$?
	if [ "$rc" != 0 ] || [ -s "$tmp/lint" ]; then
		fail "mandoc -T lint $page (exit $rc):"
		cat "$tmp/lint"
	fi
	# groff, as man --warnings and lintian run it.
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" >/dev/null 2>"$tmp/groff"
	if [ -s "$tmp/groff" ]; then
		fail "man --warnings $page:"
		cat "$tmp/groff"
	fi
done
[ "${failed:?set by lib.sh}" = 0 ] || finish

# The page as a reader sees it, on lines wide enough that no option name is
# broken across two.
mandoc -T ascii -O width=400 "$MAN_DIR/ftpcfg.8" | col -b >"$tmp/man.txt" ||
	{ fail "mandoc cannot render ftpcfg.8"; finish; }
# NAME is a section; SECTION NAME: its text.
section() {
	awk -v s="$1" '/^[A-Z]/ { on = ($0 == s); next } on' "$tmp/man.txt"
}
section COMMANDS >"$tmp/commands"
section 'GLOBAL OPTIONS' >"$tmp/global"
section 'EXIT STATUS' >"$tmp/exit"
[ -s "$tmp/commands" ] || fail "ftpcfg.8 has no COMMANDS section"
[ -s "$tmp/global" ] || fail "ftpcfg.8 has no GLOBAL OPTIONS section"
[ -s "$tmp/exit" ] || fail "ftpcfg.8 has no EXIT STATUS section"

# A command's entry starts with its name at the first indent (7 spaces).
man_commands() {
	awk '/^       [a-z]/ { print $1 }' "$tmp/commands" | sort -u
}
command_section() {
	awk -v c="$1" '/^       [a-z]/ { on = ($1 == c) } on' "$tmp/commands"
}
has_word() { # WORD FILE: WORD stands alone in FILE
	grep -q -e "\(^\|[^-A-Za-z0-9]\)$1\([^-A-Za-z0-9]\|\$\)" "$2"
}

cmds=$(help_commands)
[ -n "$cmds" ] || fail "no commands found in ftpcfg --help"
n=0
for c in $cmds; do
	n=$((n + 1))
	if ! man_commands | grep -q -x -e "$c"; then
		fail "command '$c' of ftpcfg --help has no entry in ftpcfg.8 COMMANDS (man/ftpcfg.8.scd)"
		continue
	fi
	command_section "$c" >"$tmp/this"
	for o in $(help_command_options "$c"); do
		has_word "$o" "$tmp/this" || has_word "$o" "$tmp/global" ||
			fail "option $o of '$c' is not in its ftpcfg.8 entry nor among GLOBAL OPTIONS"
	done
	grep -q -e "^| \`$c\( \|\`\)" README.md || fail "command '$c' is not in README.md's Commands table"
done
for c in $(man_commands); do
	printf '%s\n' $cmds | grep -q -x -e "$c" ||
		fail "ftpcfg.8 documents '$c', which ftpcfg --help does not know"
done
for o in $(help_global_options); do
	has_word "$o" "$tmp/global" || fail "global option $o is not in ftpcfg.8 GLOBAL OPTIONS"
	grep -q -e "\`$o\( \|\`\)" README.md || fail "global option $o is not in README.md"
done
# Exit codes: "N meaning" items of the help's closing paragraph.
codes=$(printf '%s\n' "$HELP" | awk '/^Exit codes:/ { on = 1 } on' |
	grep -oE '(^|[:;] *|^Exit codes: )[0-9]+ [a-z]' | grep -oE '[0-9]+')
[ -n "$codes" ] || fail "no exit codes found in ftpcfg --help"
for e in $codes; do
	grep -q -x -e "       $e" "$tmp/exit" || fail "exit code $e is not in ftpcfg.8 EXIT STATUS"
done
echo "checked $n commands, $(help_global_options | wc -l) global options, $(echo $codes | wc -w) exit codes"
finish
