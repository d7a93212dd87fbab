#!/bin/sh
# The systemd units, offline (CI containers run no systemd as PID 1):
# `make install` into a scratch root with the host's own units beside
# them, then `systemd-analyze verify --root` on each of ours (a broken
# copy must fail it: the check is real), `systemctl --root enable` for
# what [Install] makes of it, and systemd's own test mode (`systemd
# --test`, which loads the units and dumps every one with its parsed
# dependencies) for ftpcfg-restore.service's ordering and its ties to
# nftables.service.
. "$(dirname "$0")/lib.sh"
unit=ftpcfg-restore.service
for t in systemd-analyze systemctl setpriv; do
	command -v "$t" >/dev/null || { echo "FAIL: $t missing (make deps installs systemd)"; exit 1; }
done
[ -x /lib/systemd/systemd ] || { echo "FAIL: /lib/systemd/systemd missing (make deps installs systemd)"; exit 1; }
[ -f /lib/systemd/system/nftables.service ] || { echo "FAIL: nftables.service missing (make deps installs nftables)"; exit 1; }
[ -f "systemd/$unit" ] || { echo "FAIL: systemd/$unit is missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
root=$tmp/root

# The host's units (nftables.service, the targets), then ours over them,
# as the package installs them.
mkdir -p "$root/lib/systemd/system" "$root/etc/systemd/system"
cp -a /lib/systemd/system/. "$root/lib/systemd/system/"
# netfilter-persistent.service, which ours follows: the host's, else
# Debian's own copy (ufw, which the e2e tests need, Breaks the package).
[ -f "$root/lib/systemd/system/netfilter-persistent.service" ] ||
	cp "$(dirname "$0")/netfilter-persistent.service" "$root/lib/systemd/system/"
make --no-print-directory -s install DESTDIR="$root" PREFIX=/usr \
	SYSTEMDUNITDIR=/lib/systemd/system >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; echo "FAIL: make install"; exit 1; }
[ -x "$root/usr/sbin/ftpcfg" ] || fail "make install put no ftpcfg in /usr/sbin"

# Every unit of the tree, verified where it is installed (ExecStart's
# "ftpcfg" is looked up under the root too).
for u in systemd/*.service systemd/*.timer; do
	[ -e "$u" ] || continue
	b=$(basename "$u")
	[ -f "$root/lib/systemd/system/$b" ] || { fail "make install did not install $b"; continue; }
	if ! systemd-analyze verify --root="$root" --man=no "/lib/systemd/system/$b" >"$tmp/verify" 2>&1 ||
		[ -s "$tmp/verify" ]; then
		cat "$tmp/verify"
		fail "systemd-analyze verify $b"
	fi
done
# The check is real: without the binary it names the missing command.
mv "$root/usr/sbin/ftpcfg" "$tmp/ftpcfg.moved"
if systemd-analyze verify --root="$root" --man=no "/lib/systemd/system/$unit" >"$tmp/verify" 2>&1; then
	fail "systemd-analyze verify passes a unit whose command is missing"
fi
grep -q "Command ftpcfg is not executable" "$tmp/verify" || { cat "$tmp/verify"; fail "verify did not name the missing command"; }
mv "$tmp/ftpcfg.moved" "$root/usr/sbin/ftpcfg"
# ... and a broken unit fails it too.
sed 's/^Type=oneshot/Type=oneshoot/' "$root/lib/systemd/system/$unit" >"$root/etc/systemd/system/broken.service"
if systemd-analyze verify --root="$root" --man=no /etc/systemd/system/broken.service >"$tmp/verify" 2>&1 &&
	! [ -s "$tmp/verify" ]; then
	fail "systemd-analyze verify says nothing about Type=oneshoot"
fi
rm "$root/etc/systemd/system/broken.service"

# [Install]: enabled, it is wanted at boot and by nftables.service (so a
# start of nftables.service after a stop starts it again).
systemctl --root="$root" enable "$unit" >"$tmp/enable" 2>&1 || { cat "$tmp/enable"; fail "systemctl --root enable $unit"; }
for w in multi-user.target nftables.service netfilter-persistent.service; do
	[ -L "$root/etc/systemd/system/$w.wants/$unit" ] || fail "enabling $unit does not make $w want it"
done

# systemd's test mode loads the units and dumps each with its parsed
# dependencies.  It refuses to run as root: run it as nobody.
chmod -R a+rX "$tmp"
chmod a+x "$tmp"
if ! (cd / && setpriv --reuid 65534 --regid 65534 --clear-groups \
	env SYSTEMD_UNIT_PATH="$root/etc/systemd/system:$root/lib/systemd/system" \
	/lib/systemd/systemd --test --system --unit="$unit" --no-pager --log-target=console \
	--log-level=err) >"$tmp/dump" 2>"$tmp/dump.err"; then
	cat "$tmp/dump.err"
	fail "systemd --test could not load $unit"
	# The README shows the unit without its comments: the same lines.
awk '/^## Reboots and/ { sec = 1 } sec && /^```ini$/ { on = 1; next } on && /^```$/ { exit } on' \
	README.md | grep -v '^$' >"$tmp/readme.unit"
grep -v -e '^#' -e '^$' "systemd/$unit" >"$tmp/unit.lines"
cmp -s "$tmp/readme.unit" "$tmp/unit.lines" ||
	{ diff -u "$tmp/unit.lines" "$tmp/readme.unit"; fail "README's copy of $unit differs from systemd/$unit"; }
finish
fi
# The unit's own block: from "-> Unit NAME:" to the next unit.
awk -v u="-> Unit $unit:" '$0 ~ /^\t?-> Unit / { on = (index($0, u) > 0); next } on' "$tmp/dump" >"$tmp/unit"
[ -s "$tmp/unit" ] || { fail "systemd --test did not dump $unit"; finish; }
has() {
	grep -q -E "^[[:space:]]+$1: $2( |\$)" "$tmp/unit" || fail "$unit: no '$1: $2' in systemd's own reading of it"
}
has Type oneshot
has RemainAfterExit yes
# After the host's firewall managers (each loads its own rules first), as ordering only.
for d in nftables.service netfilter-persistent.service ufw.service firewalld.service; do
	has After "$d"
done
for d in netfilter-persistent.service ufw.service firewalld.service; do
	if grep -q -E "^[[:space:]]+(Requires|Wants|Requisite|BindsTo): $d( |\$)" "$tmp/unit"; then
		fail "$unit: a hard dependency on $d (ordering only)"
	fi
done
for d in vsftpd.service proftpd.service pure-ftpd.service; do
	has Before "$d"
done
has PartOf nftables.service
has PartOf netfilter-persistent.service
has ReloadPropagatedFrom nftables.service
# nftables.service, as systemd reads it with ours enabled: a reload
# propagates to ours, a stop or restart reaches ours, a start wants it.
awk '$0 ~ /^\t?-> Unit / { on = (index($0, "-> Unit nftables.service:") > 0); next } on' \
	"$tmp/dump" >"$tmp/nft"
for want in "PropagatesReloadTo: $unit" "ConsistsOf: $unit" "Wants: $unit" "Before: $unit"; do
	grep -q -E "^[[:space:]]+$want( |\$)" "$tmp/nft" || fail "nftables.service: no '$want' in systemd's reading"
done
# netfilter-persistent.service: its stop or restart reaches ours (its
# iptables-restore takes the iptables backend's jump away), its start
# wants it, and it runs first.  It has no reload to propagate.
awk '$0 ~ /^\t?-> Unit / { on = (index($0, "-> Unit netfilter-persistent.service:") > 0); next } on' \
	"$tmp/dump" >"$tmp/nfp"
for want in "ConsistsOf: $unit" "Wants: $unit" "Before: $unit"; do
	grep -q -E "^[[:space:]]+$want( |\$)" "$tmp/nfp" || fail "netfilter-persistent.service: no '$want' in systemd's reading"
done
# Both ExecStart and ExecReload run the restore, for the unit's active
# state to survive a first boot where nothing was applied yet.
grep -E '^(ExecStart|ExecReload)=' "systemd/$unit" >"$tmp/exec"
[ "$(grep -c 'ftpcfg restore --no-reload --if-applied$' "$tmp/exec")" = 2 ] ||
	{ cat "$tmp/exec"; fail "$unit: ExecStart and ExecReload must both run 'ftpcfg restore --no-reload --if-applied'"; }
# The README shows the unit without its comments: the same lines.
awk '/^## Reboots and/ { sec = 1 } sec && /^```ini$/ { on = 1; next } on && /^```$/ { exit } on' \
	README.md | grep -v '^$' >"$tmp/readme.unit"
grep -v -e '^#' -e '^$' "systemd/$unit" >"$tmp/unit.lines"
cmp -s "$tmp/readme.unit" "$tmp/unit.lines" ||
	{ diff -u "$tmp/unit.lines" "$tmp/readme.unit"; fail "README's copy of $unit differs from systemd/$unit"; }
finish
