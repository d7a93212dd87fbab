# Drops the paragraph macros scdoc writes where a paragraph cannot start:
# right after .TH, .SH, .SS or another .P, and right before .SH, .SS or
# another .P; one right before .RE moves after it (the space between an
# indented block and the next text stays).  man(7) renders the dropped ones
# as nothing, and mandoc -T lint warns about each ("skipping paragraph
# macro"); the text is unchanged.  Used by the Makefile: scdoc | awk -f.
function is_break(l) { return l ~ /^\.(TH|SH|SS|P|PP|LP)( |$)/ }
{
	if ($0 ~ /^\.(P|PP|LP)$/) {
		if (pending || is_break(prev))
			next
		pending = 1
		next
	}
	if (pending && $0 ~ /^\.RE( |$)/) {
		print
		next
	}
	if (pending && !is_break($0))
		print ".P"
	pending = 0
	print
	if ($0 !~ /^\.\\"/)
		prev = $0
}
END { if (pending) print ".P" }
