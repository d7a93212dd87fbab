#!/bin/sh
# nft_netlink against the real kernel, in throwaway network namespaces:
# - every valid site loaded through our netlink batch lists (`nft -j`,
#   handles removed) exactly as after `nft -f` of `ftpcfg render -o`'s
#   ftpcfg.nft, and a dump decodes back to the text we render;
# - the same for allowlists of 10 000 and 100 000 networks;
# - a batch the kernel rejects changes nothing, a moved generation is
#   refused as stale (exit 75), --check commits nothing, and one more
#   network is one element message.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/netns/lib.sh
. "$here/lib.sh"

# `nft -j list ruleset` without handles, keys sorted.
json() {
	nft -j list ruleset | jq -S 'del(.. | .handle?)'
}

# A foreign table with policy drop, for attach mode: FAMILY TABLE CHAIN.
host_table() {
	nft -f - <<EOF
table $1 $2 {
	set host-set {
		type ipv4_addr
		elements = { 10.200.0.99 }
	}
	chain $3 {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		tcp dport 22 accept comment "host rule"
	}
}
EOF
}

# ---- inside `unshare -n` ------------------------------------------------

inner_compare() {
	site=$1 file=$2 dir=$3 mode=$4
	# shellcheck disable=SC2046
	[ "$mode" = attach ] && run host_table $(sed -n \
		's/^insert rule \([a-z0-9]*\) \([^ ]*\) \([^ ]*\) jump .*$/\1 \2 \3/p' "$file")
	run "$NL_DRIVER" apply "$site"
	json >"$dir/netlink.json"
	run "$NL_DRIVER" dump "$site" >"$dir/dump.txt"
	run "$NL_DRIVER" render "$site" >"$dir/render.txt"
	run diff -u "$dir/render.txt" "$dir/dump.txt" || fail "$site: the dump decodes differently"
	# Again: the replace is idempotent (attach: still one jump).
	run "$NL_DRIVER" apply "$site"
	json >"$dir/netlink2.json"
	run diff -u "$dir/netlink.json" "$dir/netlink2.json" || fail "$site: a second apply differs"
	run nft flush ruleset
	# shellcheck disable=SC2046
	[ "$mode" = attach ] && run host_table $(sed -n \
		's/^insert rule \([a-z0-9]*\) \([^ ]*\) \([^ ]*\) jump .*$/\1 \2 \3/p' "$file")
	run nft -f "$file"
	json >"$dir/nft.json"
	run diff -u "$dir/nft.json" "$dir/netlink.json" ||
		fail "$site: netlink and nft -f build different rulesets"
}

inner_allow() {
	n=$1 dir=$2
	run "$NL_DRIVER" text "allow:$n" >"$dir/allow.nft"
	start=$(date +%s%N)
	run "$NL_DRIVER" apply "allow:$n"
	mid=$(date +%s%N)
	json >"$dir/netlink.json"
	run "$NL_DRIVER" dump "allow:$n" >"$dir/dump.txt"
	run "$NL_DRIVER" render "allow:$n" >"$dir/render.txt"
	cmp -s "$dir/render.txt" "$dir/dump.txt" || fail "allow:$n: the dump decodes differently"
	run nft flush ruleset
	t0=$(date +%s%N)
	run nft -f "$dir/allow.nft"
	t1=$(date +%s%N)
	json >"$dir/nft.json"
	cmp -s "$dir/nft.json" "$dir/netlink.json" ||
		fail "allow:$n: netlink and nft -f build different rulesets"
	# Informal figures only (no timing assertions: speed is for make bench).
	echo "allow:$n: netlink $(((mid - start) / 1000000)) ms, nft -f $(((t1 - t0) / 1000000)) ms"
}

inner_failures() {
	site=$1 dir=$2
	run "$NL_DRIVER" apply "$site"
	json >"$dir/before.json"

	# A rule naming a set that does not exist: refused, nothing changes.
	if run "$NL_DRIVER" apply --bad "$site" 2>"$dir/bad.err"; then
		fail "a batch with a rule on a missing set was accepted"
	fi
	cat "$dir/bad.err"
	grep -q "no-such-set\|rule in chain" "$dir/bad.err" || fail "the error does not name the rule"
	json >"$dir/after.json"
	run diff -u "$dir/before.json" "$dir/after.json" || fail "a rejected batch changed the ruleset"

	# The generation moves between reading and sending: stale, nothing changes.
	g=$(run "$NL_DRIVER" genid)
	run nft add table ip ftpcfg-race
	json >"$dir/raced.json"
	rc=0
	run "$NL_DRIVER" apply --genid "$g" "$site" || rc=$?
	[ "$rc" = 75 ] || fail "a stale batch gave exit $rc, not 75"
	json >"$dir/after2.json"
	run diff -u "$dir/raced.json" "$dir/after2.json" || fail "a stale batch changed the ruleset"

	# --check validates and commits nothing; a bad batch fails --check too.
	run nft flush ruleset
	run "$NL_DRIVER" apply --check "$site" || fail "--check refused a good batch"
	[ -z "$(nft list ruleset)" ] || fail "--check committed something"
	if run "$NL_DRIVER" apply --check --bad "$site"; then
		fail "--check accepted a bad batch"
	fi
	[ -z "$(nft list ruleset)" ] || fail "a failed --check committed something"

	# One more network: one element message, and the kernel has it.
	run "$NL_DRIVER" apply "$site"
	out=$(run "$NL_DRIVER" addnet "$site")
	[ "$out" = "1 messages" ] || fail "one more network took '$out'"
	nft list ruleset | grep -q '10.200.0.128/25' || fail "the added network is not listed"
}

if [ "${1:-}" = --inner ]; then
	shift
	case $1 in
	compare) inner_compare "$2" "$3" "$4" "$5" ;;
	allow) inner_allow "$2" "$3" ;;
	failures) inner_failures "$2" "$3" ;;
	*) fail "unknown inner step '$1'" ;;
	esac
	exit 0
fi

# ---- outside ------------------------------------------------------------

need_netns
command -v jq >/dev/null 2>&1 || skip "jq is not installed (scripts/install-deps.sh installs it)"
root=$(cd "$here/../.." && pwd)
FTPCFG=${FTPCFG:-$root/ftpcfg}
NL_DRIVER=${NL_DRIVER:-$root/build/tests/nl_driver}
export NL_DRIVER
export FTPCFG_TEMPLATE_DIR="${FTPCFG_TEMPLATE_DIR:-$root/templates}"
[ -x "$FTPCFG" ] || fail "no ftpcfg binary at '$FTPCFG' (build it, or set FTPCFG)"
[ -x "$NL_DRIVER" ] || run make -s -C "$root" build/tests/nl_driver >/dev/null
[ -x "$NL_DRIVER" ] || fail "no nl_driver at '$NL_DRIVER'"

work=$(mktemp -d "${TMPDIR:-/tmp}/ftpcfg-netlink.$$.XXXXXX")
cleanup() {
	rm -rf "$work"
}
trap cleanup EXIT

need_kernel_features "$work"

# The failure cases' site: an allowlist that 10.200.0.128/25 does not touch.
cat >"$work/nl.xml" <<'EOF'
<site name="nl" version="1">
  <server name="nl" daemon="vsftpd" mode="passive">
    <listen address="10.200.0.1" port="21"/>
    <passive min-port="40000" max-port="40009"/>
    <allow>
      <network>10.200.0.0/26</network>
    </allow>
  </server>
</site>
EOF
run "$FTPCFG" validate "$work/nl.xml" || fail "the generated site does not validate"

# Sharded allowlists: their maps, chains and shard sets, and the dump that
# folds them back into one set.
mkdir -p "$work/gen"
gen_sharded "$work/gen"

n=0
for site in "$root"/examples/*.xml "$root"/tests/data/*.xml "$work"/gen/*.xml; do
	[ -e "$site" ] || continue
	if ! "$FTPCFG" validate "$site" >/dev/null 2>&1; then
		continue
	fi
	n=$((n + 1))
	d="$work/$n"
	mkdir -p "$d/out"
	run "$FTPCFG" render -o "$d/out" "$site" >/dev/null 2>&1
	mode=standalone
	grep -q '^insert rule ' "$d/out/ftpcfg.nft" && mode=attach
	echo "== $site ($mode)"
	run timeout 120 unshare -n sh "$self" --inner compare "$site" "$d/out/ftpcfg.nft" "$d" \
		"$mode" || fail "$site: see above"
done
[ "$n" -gt 1 ] || fail "no site was loaded"

for size in 10000 100000; do
	mkdir -p "$work/allow$size"
	echo "== allow:$size"
	run timeout 300 unshare -n sh "$self" --inner allow "$size" "$work/allow$size" ||
		fail "allow:$size: see above"
done

mkdir -p "$work/failures"
echo "== failures"
run timeout 120 unshare -n sh "$self" --inner failures "$work/nl.xml" "$work/failures" ||
	fail "failure cases: see above"
echo "PASS: $n sites and 2 large allowlists load through netlink as through nft -f"
