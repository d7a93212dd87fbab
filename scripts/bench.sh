#!/bin/sh
# make bench: `ftpcfg apply` and `ftpcfg diff` against `nft -f` of the same
# networks in one interval set, side by side in one run, for allowlists of 10 .. 100 000 IPv4 networks and
# 10 000 IPv6 ones.  Prints one Markdown table (median wall time, median peak
# RSS, median per-pair ratio) and the machine it ran on.  A benchmark, not a
# test: nothing here asserts a time.  Needs root (unshare -n).
#
# Each repetition runs in fresh network namespaces: one where `nft -f`
# loads the rendered ftpcfg.nft into an empty kernel, one where ftpcfg
# applies the site to an empty kernel and an empty --root (first apply),
# then a site with one network changed (one changed), then that site again
# (no-op: the generation is the one recorded), and once more after another
# table was added, so that the generation moved (no-op, generation moved:
# dump + compare), and `diff` of the changed site after the first apply
# (its output lines in the last column).  Every ratio is against the `nft
# -f` load of the same repetition.  The `nft -f` file is rendered by
# FTPCFG_ONESET, a build that never shards (one interval set per family).
#
# Environment: FTPCFG (the binary), BENCH_RUN (scripts/bench-run.c), FTPCFG_TEMPLATE_DIR, BENCH_SIZES
# (default "10 1000 10000 100000 v6:10000"), BENCH_RUNS (default 5),
# BENCH_RUNS_BIG (runs at 100 000, default 5).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
FTPCFG=${FTPCFG:-$here/../build/bench/ftpcfg}
FTPCFG_ONESET=${FTPCFG_ONESET:-$here/../build/bench-oneset/ftpcfg}
BENCH_RUN=${BENCH_RUN:-$here/../build/bench/bench-run}
SIZES=${BENCH_SIZES:-10 1000 10000 100000 v6:10000}
RUNS=${BENCH_RUNS:-5}
RUNS_BIG=${BENCH_RUNS_BIG:-5}

# site FILE FAMILY N CHANGED: a vsftpd passive site allowing N distinct
# networks drawn from a deterministic bijection (i * K + C mod M, K prime to
# M), so that every run benches the same sites.  IPv4: /24s in 1.0.0.0 -
# 223.255.255.0, every 50th a /16 and every 20th a /32 (a realistic mix;
# the /16s swallow some /24s, as real lists do).  IPv6: as real allocations
# are, /48s (every 20th a /56) inside 16 /32s, and every 1000th a whole other /32,
# spread over five registries' blocks (2001::/16, 2400::/12, 2600::/12,
# 2a00::/12, 2c00::/12), each /32 holding its share of /48s spread over
# its 65 536.  CHANGED=1 swaps the network in the middle for one not in the
# list.
gen_site() {
	awk -v fam="$2" -v n="$3" -v changed="$4" 'BEGIN {
		split("2001 2001 2001 2400 2401 2404 2600 2602 2604 2607 2a00 2a01 2a02 2a03 2a05 2c0f", top, " ")
		print "<site name=\"bench\" version=\"1\">"
		print "  <server name=\"s\" daemon=\"vsftpd\" mode=\"passive\">"
		print "    <config path=\"/etc/vsftpd.conf\" reload=\"true\"/>"
		print "    <listen address=\"0.0.0.0\" port=\"21\"/>"
		print "    <listen address=\"::\" port=\"21\"/>"
		print "    <passive min-port=\"40000\" max-port=\"40099\"/>"
		print "    <allow>"
		mid = int(n / 2)
		for (i = 0; i < n; i++) {
			j = (changed && i == mid) ? n : i
			if (fam == "v4") {
				idx = (j * 1000003 + 4242) % (223 * 65536)
				a = 1 + int(idx / 65536); b = int(idx / 256) % 256; c = idx % 256
				if (j % 50 == 7)
					net = a "." b ".0.0/16"
				else if (j % 20 == 3)
					net = a "." b "." c "." (j % 256) "/32"
				else
					net = a "." b "." c ".0/24"
			} else {
				k = j % 16
				p32 = sprintf("%s:%x", top[k + 1], (k * 7919 + 1283) % 65536)
				idx = (int(j / 16) * 40503 + 77) % 65536
				if (j % 1000 == 999)
					net = sprintf("%s:%x::/32", top[int(j / 1000) % 16 + 1], (int(j / 1000) * 7919 + 40000) % 65536)
				else if (j % 20 == 3)
					net = sprintf("%s:%x:%x00::/56", p32, idx, j % 256)
				else
					net = sprintf("%s:%x::/48", p32, idx)
			}
			print "      <network>" net "</network>"
		}
		print "    </allow>"
		print "  </server>"
		print "</site>"
	}' >"$1"
}

# shard_spread FILE: for the IPv6 networks of site FILE, how 256 shards
# keyed by bits 24-31 (what ftpcfg uses), 32-39 and 40-47 would hold them:
# shards used, the largest, and the elements in all (a network shorter
# than the key goes into every shard it covers).  Reads the forms gen_site
# writes (leading groups, then "::").
shard_spread() {
	awk -F'[<>]' '/<network>.*:/ {
		split($3, pn, "/"); p = pn[2]
		split(pn[1], half, "::"); ng = split(half[1], g, ":")
		for (i = ng + 1; i <= 8; i++) g[i] = "0"
		for (s = 24; s <= 40; s += 8) {
			grp = int(s / 16) + 1
			v = 0
			for (c = 1; c <= length(g[grp]); c++)
				v = v * 16 + index("0123456789abcdef", substr(g[grp], c, 1)) - 1
			byte = (s % 16 == 0) ? int(v / 256) : v % 256
			if (p <= s) { lo = 0; hi = 255 }
			else if (p < s + 8) { span = 2 ^ (s + 8 - p); lo = byte - byte % span; hi = lo + span - 1 }
			else { lo = byte; hi = byte }
			for (k = lo; k <= hi; k++) cnt[s, k]++
		}
	} END {
		for (s = 24; s <= 40; s += 8) {
			used = 0; big = 0; all = 0
			for (k = 0; k < 256; k++)
				if (cnt[s, k]) { used++; all += cnt[s, k]; if (cnt[s, k] > big) big = cnt[s, k] }
			printf "bits %d-%d: %d shards used, the largest %d networks, %d elements in all%s\n", s, s + 7, used, big, all, s == 24 ? " (ftpcfg)" : ""
		}
	}' "$1"
}

# measure OUT CMD...: append "MICROSECONDS KIB" (wall time, peak RSS) to OUT.
# bench-run (scripts/bench-run.c) times fork to wait4 and reads the child's
# peak RSS from wait4's rusage, with nothing else in between.
measure() {
	out=$1
	shift
	"$BENCH_RUN" "$out" "$@" >"$tmp/m.out" 2>"$tmp/m.err" || {
		cat "$tmp/m.out" "$tmp/m.err" >&2
		echo "bench: '$*' failed" >&2
		exit 1
	}
}

# ---- inside a fresh `unshare -n` ----------------------------------------

inner_nft() {
	tmp=$1
	measure "$tmp/res.nft" nft -f "$tmp/render/ftpcfg.nft"
}

inner_ftpcfg() {
	tmp=$1
	root=$tmp/root
	rm -rf "$root"
	mkdir -p "$root"
	measure "$tmp/res.first" "$FTPCFG" --root "$root" apply --no-reload "$tmp/a.xml"
	# diff exits 2: something differs.
	"$BENCH_RUN" "$tmp/res.diff" "$FTPCFG" --no-color --root "$root" diff "$tmp/b.xml" \
		>"$tmp/diff.out" 2>"$tmp/m.err" && { echo "bench: diff found nothing" >&2; exit 1; }
	[ $? = 2 ] || { cat "$tmp/m.err" >&2; echo "bench: diff failed" >&2; exit 1; }
	wc -l <"$tmp/diff.out" >>"$tmp/res.difflines"
	measure "$tmp/res.change" "$FTPCFG" --root "$root" apply --no-reload "$tmp/b.xml"
	measure "$tmp/res.noop" "$FTPCFG" --root "$root" apply --no-reload "$tmp/b.xml"
	nft add table ip bench_other
	measure "$tmp/res.moved" "$FTPCFG" --root "$root" apply --no-reload "$tmp/b.xml"
	# The bench is only worth something if apply did what it says.
	"$FTPCFG" --root "$root" diff "$tmp/b.xml" >/dev/null || { echo "bench: diff after apply is not empty" >&2; exit 1; }
}

if [ "${1:-}" = --inner-nft ]; then
	inner_nft "$2"
	exit 0
fi
if [ "${1:-}" = --inner-ftpcfg ]; then
	inner_ftpcfg "$2"
	exit 0
fi

# ---- outside ------------------------------------------------------------

if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
	echo "bench: needs root and unshare -n (a throwaway network namespace per run)" >&2
	exit 1
fi
for t in nft awk; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench: '$t' is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
for b in "$FTPCFG" "$FTPCFG_ONESET" "$BENCH_RUN"; do
	[ -x "$b" ] || { echo "bench: no binary at '$b'; run 'make bench'" >&2; exit 1; }
done
export FTPCFG FTPCFG_ONESET BENCH_RUN

top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT

# median FILE COLUMN: the median of one column (lower middle for an even count).
median() {
	sort -n -k "$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

# ratios A B: per-pair ratios of column 1 (time) and 2 (memory), one pair a line.
ratios() {
	paste -d ' ' "$1" "$2" | awk '{ printf "%.4f %.4f\n", $1 / $3, $2 / $4 }'
}

ms() {
	awk -v us="$1" 'BEGIN { if (us < 10000) printf "%.1f ms", us / 1000; else printf "%.0f ms", us / 1000 }'
}

mib() {
	awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'
}

table=$top/table
: >"$table"
for size in $SIZES; do
	case $size in
	v6:*) fam=v6 n=${size#v6:} ;;
	*) fam=v4 n=$size ;;
	esac
	case $n in
	'' | *[!0-9]*) echo "bench: '$size' is not a size (N or v6:N)" >&2; exit 1 ;;
	esac
	runs=$RUNS
	[ "$n" -ge 100000 ] && runs=$RUNS_BIG
	tmp=$top/$fam-$n
	mkdir -p "$tmp"
	gen_site "$tmp/a.xml" "$fam" "$n" 0
	gen_site "$tmp/b.xml" "$fam" "$n" 1
	"$FTPCFG_ONESET" render -o "$tmp/render" "$tmp/a.xml" >/dev/null
	echo "bench: $fam $n networks, $runs runs" >&2
	for r in $(seq "$runs"); do
		# Alternate which side goes first, so that neither always gets a warm cache.
		if [ $((r % 2)) = 1 ]; then
			unshare -n sh "$0" --inner-nft "$tmp"
			unshare -n sh "$0" --inner-ftpcfg "$tmp"
		else
			unshare -n sh "$0" --inner-ftpcfg "$tmp"
			unshare -n sh "$0" --inner-nft "$tmp"
		fi
	done
	label="$n"
	[ "$fam" = v6 ] && label="$n IPv6"
	nft_t=$(median "$tmp/res.nft" 1)
	nft_m=$(median "$tmp/res.nft" 2)
	for case in first change noop moved diff; do
		ratios "$tmp/res.$case" "$tmp/res.nft" >"$tmp/ratio.$case"
		case $case in
		first) what="first apply" ;;
		change) what="one network changed" ;;
		noop) what="no-op (generation unchanged)" ;;
		moved) what="no-op (generation moved)" ;;
		diff) what="diff, one network changed ($(median "$tmp/res.difflines" 1) lines)" ;;
		esac
		printf '| %s | %s | %s | %s | %s | %s | %.3f | %.2f |\n' "$label" "$what" \
			"$(ms "$(median "$tmp/res.$case" 1)")" "$(ms "$nft_t")" \
			"$(mib "$(median "$tmp/res.$case" 2)")" "$(mib "$nft_m")" \
			"$(median "$tmp/ratio.$case" 1)" "$(median "$tmp/ratio.$case" 2)" >>"$table"
	done
	[ "$fam" = v6 ] && shard_spread "$tmp/a.xml" | sed "s/^/IPv6 at $n networks, shard key /" >>"$top/spread"
	rm -rf "$tmp/root" "$tmp/render"
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo
echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}; kernel $(uname -r); $(nft --version);"
echo "$("$FTPCFG" --version 2>/dev/null | head -n 1), -O2, no sanitizers.  Medians of $RUNS runs" \
	"($RUNS_BIG at 100 000); each run in fresh network namespaces (unshare -n)."
echo "Ratios are per-pair medians against \`nft -f\` of \`ftpcfg render -o\`'s ftpcfg.nft on an empty namespace."
echo
# shellcheck disable=SC2016 # backquotes are Markdown here
echo '| networks | ftpcfg apply | ftpcfg time | `nft -f` time | ftpcfg peak RSS | `nft -f` peak RSS | time ratio | memory ratio |'
echo '|---|---|---|---|---|---|---|---|'
cat "$table"
if [ -s "$top/spread" ]; then
	echo
	cat "$top/spread"
fi
