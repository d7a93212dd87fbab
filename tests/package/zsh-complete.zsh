# zsh -f zsh-complete.zsh COMPDIR LINE...: for each LINE, prints a line
# "== LINE", then, one a line and sorted, the matches zsh offers for LINE
# followed by a Tab, in one interactive zsh (under zsh/zpty) whose fpath
# starts with COMPDIR and which ran compinit.  compadd is wrapped to print
# each match it adds, so what is printed is what the completion offered.  Exits 1 when the shell does not answer
# within about 10 seconds, or when compinit did not make _ftpcfg the
# completion of ftpcfg.
zmodload zsh/zpty || exit 1
compdir=$1
shift
out=

# wait_for TEXT: read the shell's output until it holds TEXT (bounded).
wait_for() {
	local chunk
	integer n=0
	while (( n++ < 500 )); do
		if zpty -r -t z chunk; then out+=$chunk; fi
		[[ $out == *"$1"* ]] && return 0
		sleep 0.02
	done
	print -u2 "no '$1' from the interactive zsh; it said: ${(V)out}"
	return 1
}

zpty z zsh -f -i || exit 1
{
	# Markers are written split ('<<''X>>') so that the echo of the
	# command line does not hold them; only the output does.
	zpty -w z "PS1='' PROMPT='' RPROMPT=''; unsetopt beep"
	zpty -w z "fpath=(${(q)compdir} \$fpath); autoload -Uz compinit; compinit -u -D"
	zpty -w z "(( \$+functions[_ftpcfg] )) || print -r -- '<<NO''FUNC>>'"
	zpty -w z "[[ \$_comps[ftpcfg] == _ftpcfg ]] || print -r -- '<<NO''COMPDEF>>'"
	zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __hits; builtin compadd -A __hits "$@"; local h; for h in $__hits; do print -r -- "<<""M>>$h"; done; builtin compadd "$@"; }'
	zpty -w z "print -r -- '<<''BEGIN>>'"
	wait_for '<<BEGIN>>' || exit 1
	[[ $out == *'<<NOFUNC>>'* ]] && { print -u2 "compinit did not define _ftpcfg"; exit 1; }
	[[ $out == *'<<NOCOMPDEF>>'* ]] && { print -u2 "_ftpcfg is not the completion of ftpcfg"; exit 1; }
	integer i=0
	for line in "$@"; do
		(( i++ ))
		out=
		# Tab on LINE, then end of line and kill it: ZLE takes the keys in order.
		zpty -w -n z "$line"$'\t'
		zpty -w -n z $'\C-e\C-u'
		zpty -w z "print -r -- '<<''END$i>>'"
		wait_for "<<END$i>>" || exit 1
		print -r -- "== $line"
		print -r -- "$out" | tr -d '\r' | grep -o '<<M>>[^<[:cntrl:]]*' | sed 's/^<<M>>//' | sort -u
	done
} always {
	zpty -d z
}
