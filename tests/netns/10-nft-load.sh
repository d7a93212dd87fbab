#!/bin/sh
# Every site that validates (examples/, tests/data/, and a generated one with
# a large allowlist) renders a ruleset that nft loads in a fresh network
# namespace and that nft lists back exactly as ftpcfg printed it, counter
# values aside.  Standalone: loading it again changes nothing.  Attach: the
# host's own rules survive, and loading again changes nothing but a second
# jump (the limitation nft_text.c documents).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/netns/lib.sh
. "$here/lib.sh"

# ---- inside `unshare -n` ------------------------------------------------

# The table block of a loadable file, without blank lines.
file_table() {
	sed -n '/^table .* {$/,/^}$/p' "$1" | grep -v '^$'
}

# The part of `nft list table` that is ftpcfg's in attach mode: the blocks
# named ftpcfg-*, without blank lines.
ftpcfg_blocks() {
	awk '
		/^table / || /^}$/ { print; next }
		/^$/ { next }
		/^\t[a-z].* \{$/ { n = split($0, w, " "); keep = (w[n - 1] ~ /^ftpcfg-/) }
		keep { print }
		/^\t}$/ { keep = 0 }
	'
}

inner_standalone() {
	file=$1
	dir=$2
	fam=$(sed -n '1s/^table \([a-z0-9]*\) [^ ]*$/\1/p' "$file")
	table=$(sed -n '1s/^table [a-z0-9]* \([^ ]*\)$/\1/p' "$file")
	if [ -z "$fam" ] || [ -z "$table" ]; then
		fail "$file does not start with 'table FAMILY NAME'"
	fi
	run nft -f "$file"
	run nft list table "$fam" "$table" | strip_counters >"$dir/listed"
	tail -n +3 "$file" >"$dir/expected"
	run diff -u "$dir/expected" "$dir/listed" ||
		fail "nft lists $fam $table differently from ftpcfg"
	run nft list ruleset | strip_counters >"$dir/ruleset1"
	run nft -f "$file"
	run nft list ruleset | strip_counters >"$dir/ruleset2"
	run diff -u "$dir/ruleset1" "$dir/ruleset2" || fail "a second load changed the ruleset"
}

inner_attach() {
	file=$1
	dir=$2
	# shellcheck disable=SC2046
	set -- $(sed -n 's/^insert rule \([a-z0-9]*\) \([^ ]*\) \([^ ]*\) jump \([^ ]*\)$/\1 \2 \3 \4/p' "$file")
	[ $# = 4 ] || fail "$file has no 'insert rule FAMILY TABLE CHAIN jump CHAIN' line"
	fam=$1 table=$2 chain=$3 jump=$4
	cat >"$dir/host.nft" <<EOF
table $fam $table {
	set host-set {
		type ipv4_addr
		elements = { 10.200.0.99 }
	}
	chain $chain {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		tcp dport 22 accept comment "host rule"
	}
}
EOF
	run nft -f "$dir/host.nft"
	run nft -f "$file"
	run nft list table "$fam" "$table" | strip_counters >"$dir/listed1"
	grep -q 'tcp dport 22 accept comment "host rule"' "$dir/listed1" || fail "the host's rule is gone"
	grep -q 'set host-set {' "$dir/listed1" || fail "the host's set is gone"
	grep -q 'policy drop;' "$dir/listed1" || fail "the host chain lost its policy"
	first=$(awk -v c="$chain" '$0 == "\tchain " c " {" { getline; getline; print; exit }' "$dir/listed1")
	[ "$first" = "		jump $jump" ] || fail "the jump is not the first rule of $chain: '$first'"
	file_table "$file" >"$dir/expected"
	ftpcfg_blocks <"$dir/listed1" >"$dir/ours1"
	run diff -u "$dir/expected" "$dir/ours1" || fail "nft lists ftpcfg's objects differently"

	run nft -f "$file"
	run nft list table "$fam" "$table" | strip_counters >"$dir/listed2"
	n=$(grep -c "^		jump $jump\$" "$dir/listed2" || true)
	[ "$n" = 2 ] || fail "expected exactly 2 jumps after a second load, found $n"
	grep -v "^		jump $jump\$" "$dir/listed1" >"$dir/rest1"
	grep -v "^		jump $jump\$" "$dir/listed2" >"$dir/rest2"
	run diff -u "$dir/rest1" "$dir/rest2" || fail "a second load changed more than the jump"
}

if [ "${1:-}" = --inner ]; then
	case $2 in
	standalone) inner_standalone "$3" "$4" ;;
	attach) inner_attach "$3" "$4" ;;
	*) fail "unknown mode '$2'" ;;
	esac
	exit 0
fi

# ---- outside ------------------------------------------------------------

need_netns
root=$(cd "$here/../.." && pwd)
FTPCFG=${FTPCFG:-./ftpcfg}
[ -x "$FTPCFG" ] || fail "no ftpcfg binary at '$FTPCFG' (build it, or set FTPCFG)"

work=$(mktemp -d "${TMPDIR:-/tmp}/ftpcfg-nftload.$$.XXXXXX")
cleanup() {
	rm -rf "$work"
}
trap cleanup EXIT

need_kernel_features "$work"

# A large allowlist, overlapping and adjacent on purpose, from a fixed seed,
# inside the test ranges: 10.200.0.0/24 and fd00:200::/64.
mkdir -p "$work/gen"
awk 'BEGIN {
	srand(42)
	print "<site name=\"large\" version=\"1\">"
	print "  <server name=\"big\" daemon=\"vsftpd\" mode=\"both\">"
	print "    <listen address=\"0.0.0.0\" port=\"21\"/>"
	print "    <listen address=\"::\" port=\"21\"/>"
	print "    <allow>"
	for (i = 0; i < 300; i++) {
		p = 26 + int(rand() * 7)
		a = int(rand() * 256)
		a -= a % (2 ^ (32 - p))
		printf "      <network>10.200.0.%d/%d</network>\n", a, p
	}
	for (i = 0; i < 2000; i++) {
		p = 116 + int(rand() * 13)
		h = int(rand() * 4096)
		h -= h % (2 ^ (128 - p))
		printf "      <network>fd00:200::%x:%x/%d</network>\n", int(rand() * 4), h, p
	}
	print "    </allow>"
	print "  </server>"
	print "</site>"
}' >"$work/gen/large-allow.xml"
gen_sharded "$work/gen"

n=0
for site in "$root"/examples/*.xml "$root"/tests/data/*.xml "$work"/gen/*.xml; do
	[ -e "$site" ] || continue
	if ! run "$FTPCFG" validate "$site" >/dev/null 2>&1; then
		echo "not valid, not loaded: $site"
		continue
	fi
	n=$((n + 1))
	d="$work/$n"
	mkdir -p "$d/out"
	run "$FTPCFG" render -o "$d/out" "$site" >/dev/null
	file="$d/out/ftpcfg.nft"
	mode=standalone
	if grep -q '^insert rule ' "$file"; then
		mode=attach
	fi
	echo "== $site ($mode)"
	run timeout 120 unshare -n sh "$self" --inner "$mode" "$file" "$d" ||
		fail "$site: see above"
done
[ "$n" -gt 1 ] || fail "no site was loaded"
echo "PASS: $n sites load, list back as rendered, and reload cleanly"
