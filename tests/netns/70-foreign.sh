#!/bin/sh
# Other hands in and around ftpcfg's tables, against the real kernel in a
# throwaway network namespace: a rule someone else put into ftpcfg's own
# chain (standalone and attached) is shown as nft prints it, with its real
# verdict, in diff, status and their --json, and apply removes it; attach
# mode refuses a table iptables-nft (ip and ip6) or firewalld manages,
# changes nothing there, and iptables-save keeps working; a foreign output
# chain (nft, iptables) that would drop active-mode data is a conflict.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/netns/lib.sh
. "$here/lib.sh"
FTPCFG=${FTPCFG:-$here/../../ftpcfg}

# attach_site FILE ATTACH: the lib's site, attached to ATTACH ("ip filter INPUT").
attach_site() {
	site "$1.tmp" 10.200.0.0/25
	sed "s#^<site name=\"t\" version=\"1\">#&\\
  <firewall attach=\"$2\"/>#" "$1.tmp" >"$1"
	grep -q "attach=\"$2\"" "$1" || fail "cannot write the attach site $1"
}

# No trace of ftpcfg's output format for rules it did not understand.
no_dump() {
	if grep -E -q 'not understood|\[ (meta|payload|immediate) ' "$1"; then
		cat "$1"
		fail "$2"
	fi
}

inner() {
	tmp=$1
	root=$tmp/root
	mkdir -p "$root"
	F="$FTPCFG --root $root"
	site "$tmp/a.xml" 10.200.0.0/25
	foreign='limit rate 5/second log accept'
	line="- rule in chain input (not written by ftpcfg): $foreign"

	echo "# a rule added by hand to ftpcfg's own chain is shown as nft prints it"
	expect_rc 0 $F apply "$tmp/a.xml"
	run nft add rule inet ftpcfg input limit rate 5/second log accept
	expect_rc 2 $F diff "$tmp/a.xml"
	grep -qxF -- "$line" "$tmp/out" || { cat "$tmp/out"; fail "diff does not show the foreign rule as nft prints it"; }
	grep -qxF -- "-		$foreign" "$tmp/out" || { cat "$tmp/out"; fail "the ruleset diff does not show it as nft prints it"; }
	grep -q 'Plan: 0 to add, 0 to change, 1 to delete' "$tmp/out" || { cat "$tmp/out"; fail "the plan is not one deletion"; }
	no_dump "$tmp/out" "diff shows an internal dump"
	expect_rc 2 $F --json diff "$tmp/a.xml"
	jq -e --arg t "$foreign" --arg s "$line" '.plan == [{"op": "delete", "object": "rule",
		"name": null, "in": "input", "text": $t, "foreign": true, "summary": $s}]' "$tmp/out" >/dev/null ||
		{ cat "$tmp/out"; fail "diff --json does not give the foreign rule as nft prints it"; }
	no_dump "$tmp/out" "diff --json shows an internal dump"
	expect_rc 0 $F status
	grep -qxF "  $line" "$tmp/out" || { cat "$tmp/out"; fail "status does not show the foreign rule"; }
	no_dump "$tmp/out" "status shows an internal dump"
	expect_rc 0 $F --json status
	jq -e --arg s "$line" '.drift == [$s]' "$tmp/out" >/dev/null ||
		{ cat "$tmp/out"; fail "status --json does not give the foreign rule"; }

	echo "# its own rules are still compared as before: only the foreign one goes"
	expect_rc 0 $F apply "$tmp/a.xml"
	if nft list chain inet ftpcfg input | grep -q 'limit rate'; then fail "apply left the foreign rule"; fi
	expect_rc 0 $F diff "$tmp/a.xml"

	echo "# in attach mode, a foreign rule in ftpcfg's chain of the host's table"
	run nft delete table inet ftpcfg
	run nft -f - <<-'EOF'
	table inet filter {
		chain input {
			type filter hook input priority filter; policy drop;
			tcp dport 22 accept
		}
	}
	EOF
	attach_site "$tmp/att.xml" "inet filter input"
	expect_rc 0 $F apply "$tmp/att.xml"
	run nft insert rule inet filter ftpcfg-input ip saddr 10.200.0.99 counter reject
	printed=$(nft --stateless list chain inet filter ftpcfg-input | sed -n 's/^[[:space:]]*\(ip saddr 10.200.0.99 .*\)$/\1/p')
	[ -n "$printed" ] || fail "nft does not list the rule just inserted"
	expect_rc 2 $F diff "$tmp/att.xml"
	grep -qxF -- "- rule in chain ftpcfg-input (not written by ftpcfg): $printed" "$tmp/out" ||
		{ cat "$tmp/out"; fail "diff does not show the foreign rule in the attach chain as nft prints it"; }
	no_dump "$tmp/out" "diff shows an internal dump in attach mode"
	expect_rc 0 $F apply "$tmp/att.xml"
	if nft list chain inet filter ftpcfg-input | grep -q '10.200.0.99'; then fail "apply left the foreign rule"; fi
	nft list chain inet filter input | grep -q 'tcp dport 22 accept' || fail "the host's own rule was lost"
	run nft delete table inet filter

	echo "# attach refuses iptables-nft's ip filter INPUT, and iptables-save still works"
	run iptables -P INPUT DROP
	run iptables -A INPUT -p tcp --dport 22 -j ACCEPT
	iptables-save >"$tmp/save.before"
	nft list ruleset >"$tmp/nft.before"
	attach_site "$tmp/ipt.xml" "ip filter INPUT"
	for cmd in diff apply "apply --allow-conflicts"; do
		# shellcheck disable=SC2086
		expect_rc 1 $F $cmd "$tmp/ipt.xml"
		grep -q "ipt.xml:2: attach names chain 'ip filter INPUT', in a table iptables-nft manages: .*iptables-save.*backend=\"iptables\"" "$tmp/err" ||
			{ cat "$tmp/err"; fail "$cmd into ip filter INPUT is not refused with the reason and the alternative"; }
	done
	expect_rc 1 $F --json apply "$tmp/ipt.xml"
	jq -e '.error.exit_code == 1 and (.error.diagnostics[0].line == 2) and
		(.error.message | test("iptables-nft manages"))' "$tmp/out" >/dev/null ||
		{ cat "$tmp/out"; fail "apply --json does not give the refusal"; }
	nft list ruleset >"$tmp/nft.after"
	cmp -s "$tmp/nft.before" "$tmp/nft.after" || { diff -u "$tmp/nft.before" "$tmp/nft.after"; fail "a refused attach changed the ruleset"; }
	iptables-save >"$tmp/save.after" || fail "iptables-save fails after a refused attach"
	grep -q '^-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT$' "$tmp/save.after" || { cat "$tmp/save.after"; fail "iptables-save lost the host's rule"; }
	if grep -q -i 'incompatible' "$tmp/save.after"; then cat "$tmp/save.after"; fail "iptables-save says the table is incompatible"; fi
	iptables -L INPUT -n >/dev/null || fail "iptables -L fails after a refused attach"

	echo "# the same for ip6tables' ip6 filter INPUT"
	run ip6tables -P INPUT DROP
	attach_site "$tmp/ip6t.xml" "ip6 filter INPUT"
	expect_rc 1 $F apply "$tmp/ip6t.xml"
	grep -q "attach names chain 'ip6 filter INPUT', in a table iptables-nft manages" "$tmp/err" ||
		{ cat "$tmp/err"; fail "attach into ip6 filter INPUT is not refused"; }
	ip6tables-save >/dev/null || fail "ip6tables-save fails"
	run iptables -F INPUT
	run iptables -P INPUT ACCEPT
	run ip6tables -P INPUT ACCEPT

	echo "# attach refuses firewalld's table"
	run nft -f - <<-'EOF'
	table inet firewalld {
		chain filter_INPUT {
			type filter hook input priority filter + 10; policy accept;
			ct state established,related accept
			reject with icmpx admin-prohibited
		}
	}
	EOF
	attach_site "$tmp/fwd.xml" "inet firewalld filter_INPUT"
	expect_rc 1 $F apply --allow-conflicts "$tmp/fwd.xml"
	grep -q "attach names chain 'inet firewalld filter_INPUT', in the table firewalld manages: .*reload.*backend=\"firewalld\"" "$tmp/err" ||
		{ cat "$tmp/err"; fail "attach into firewalld's table is not refused with the reason and the alternative"; }
	if nft list table inet firewalld | grep -q ftpcfg; then fail "a refused attach wrote into firewalld's table"; fi
	run nft delete table inet firewalld

	echo "# active data leaves through output: a foreign output chain that drops it is a conflict"
	mkdir -p "$tmp/root2"
	F="$FTPCFG --root $tmp/root2"
	MODE=active site "$tmp/act.xml" 10.200.0.0/25
	run nft -f - <<-'EOF'
	table inet host {
		chain output {
			type filter hook output priority filter; policy drop;
			oifname "lo" accept
			ct state established accept
		}
	}
	EOF
	expect_rc 2 $F diff "$tmp/act.xml"
	grep -qxF -- "! conflict: chain 'inet host output' (hook output, priority 0; no manager ftpcfg recognises) drops s: active (tcp source port 20, IPv4, outgoing, related to a control connection) after ftpcfg accepts it: policy drop" "$tmp/out" ||
		{ cat "$tmp/out"; fail "a foreign output chain's policy drop is not a conflict for active data"; }
	expect_rc 2 $F --json diff "$tmp/act.xml"
	jq -e '[.conflicts[] | select(.hook == "output" and .traffic.outbound and .traffic.port_lo == 20)] | length == 2' "$tmp/out" >/dev/null ||
		{ cat "$tmp/out"; fail "diff --json does not give the output conflicts"; }
	run nft add rule inet host output tcp sport 20 ct state related accept
	expect_rc 2 $F diff "$tmp/act.xml"
	if grep -q conflict "$tmp/out"; then cat "$tmp/out"; fail "an output chain that lets active data out is a conflict"; fi
	run nft delete table inet host

	echo "# the same with iptables' OUTPUT policy DROP, and its own rule that lets it out"
	run iptables -P OUTPUT DROP
	expect_rc 2 $F diff "$tmp/act.xml"
	grep -q "^! conflict: chain 'ip filter OUTPUT' (hook output, priority 0; iptables-nft) drops s: active (tcp source port 20, IPv4, outgoing" "$tmp/out" ||
		{ cat "$tmp/out"; fail "iptables' OUTPUT policy drop is not a conflict for active data"; }
	grep -q 'to fix: accept it with iptables itself, e.g. iptables -I OUTPUT -p tcp --sport 20 -j ACCEPT' "$tmp/out" ||
		{ cat "$tmp/out"; fail "no iptables advice for the output conflict"; }
	run iptables -A OUTPUT -p tcp --sport 20 -j ACCEPT
	expect_rc 2 $F diff "$tmp/act.xml"
	if grep -q "conflict: chain 'ip filter OUTPUT'" "$tmp/out"; then cat "$tmp/out"; fail "iptables' --sport 20 ACCEPT is not understood"; fi
	run iptables -F OUTPUT
	run iptables -P OUTPUT ACCEPT
	echo "PASS"
}

netns_inner "$@"

need_netns
command -v iptables-save >/dev/null 2>&1 || skip "iptables is not installed"
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
netns_run
