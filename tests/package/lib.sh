# shellcheck shell=sh
# What `ftpcfg --help` (and `ftpcfg CMD --help`, where a command has its
# own help) says, for the man page and completion tests.  Sourced.
set -u
cd "$(dirname "$0")/../.." || exit 1
FTPCFG=${FTPCFG:-./ftpcfg}
export FTPCFG_TEMPLATE_DIR=${FTPCFG_TEMPLATE_DIR:-$(pwd)/templates}
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

# The main help, once; a failing --help fails the test.
HELP=$("$FTPCFG" --help) || { echo "FAIL: $FTPCFG --help exits $?"; exit 1; }

# Option words in text on stdin: -x or --long-name, standing alone.
option_words() {
	grep -oE '(^|[][ ,|(=])--?[A-Za-z][-A-Za-z0-9]*' | sed 's/^[][ ,|(=]//' | sort -u
}

# The commands: lines "  NAME  summary" of the Commands section.
help_commands() {
	printf '%s\n' "$HELP" | awk '/^Commands:/ { on = 1; next } /^[^ ]/ { on = 0 }
		on && /^  [a-z][a-z-]*( |$)/ { print $1 }'
}

# The option words of the first column (before two spaces) of the lines of
# the sections on stdin whose heading matches the regular expression $1.
option_column() {
	awk -v h="$1" '/^[^ ]/ { on = ($0 ~ h); next }
		on && /^ +-/ { sub(/^ +/, ""); sub(/  .*/, ""); print }' | option_words
}

# The global options: those of the "Global options" section.
help_global_options() {
	printf '%s\n' "$HELP" | option_column '^Global options'
}

# The synopsis of CMD: the "ftpcfg CMD ..." line of the main help.
help_synopsis() {
	printf '%s\n' "$HELP" | awk -v c="$1" '$1 == "ftpcfg" && $2 == c { print; exit }'
}

# The options of CMD: those of its synopsis, and those of the option
# sections of `ftpcfg CMD --help` (its own and the global ones, which may
# follow the command) when that exits 0.  --help and -h are left out.
help_command_options() {
	{
		help_synopsis "$1" | option_words
		if out=$("$FTPCFG" "$1" --help 2>/dev/null); then
			printf '%s\n' "$out" | option_column 'ptions.*:$'
		fi
	} | grep -v -x -e '--help' -e '-h' | sort -u
	return 0
}

# Whether CMD takes a SITE.xml.
help_takes_site() {
	help_synopsis "$1" | grep -q 'SITE'
}

finish() {
	[ "$failed" = 0 ] && echo "ok: $(basename "$0")"
	exit "$failed"
}
