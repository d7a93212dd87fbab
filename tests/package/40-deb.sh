#!/bin/sh
# The Debian package: a copy of the tree (outside it: dpkg-buildpackage
# writes to ..) is built with `dpkg-buildpackage -us -uc -b`, which runs
# the tests that need no root; lintian passes it without errors or
# warnings (every tag it prints is shown); the .deb holds what it must, in
# Debian's places; the binary is hardened (PIE, stack protector, fortify,
# full RELRO, BIND_NOW, read from the ELF with readelf); the version is
# the Makefile's; the unpacked binary finds its templates and works; and
# the Ansible collection's package holds every file of contrib/ansible
# where Ansible finds it, and ansible-doc and ansible-galaxy read it.
. "$(dirname "$0")/lib.sh"
for t in dpkg-buildpackage dh lintian readelf fakeroot; do
	command -v "$t" >/dev/null || { echo "FAIL: $t missing (make deps installs it)"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

version=$(sed -n 's/^VERSION := //p' Makefile)
debversion=$(dpkg-parsechangelog -l debian/changelog -S Version)
[ -n "$version" ] || fail "no VERSION in the Makefile"
case $debversion in
"$version"-*) ;;
*) fail "debian/changelog is at $debversion, the Makefile's VERSION is $version: add a changelog entry" ;;
esac

# The source as a release would have it: no build output, no fetched
# daemons, no VCS.
src=$tmp/ftpcfg-$version
mkdir "$src"
tar -C . --exclude=./build --exclude=./tests/cache --exclude=./ftpcfg --exclude-vcs \
	--exclude=./debian/ftpcfg --exclude=./debian/.debhelper --exclude=./debian/tmp \
	-cf - . | tar -C "$src" -xf - || { fail "cannot copy the tree"; finish; }

echo "building the package (log: dpkg-buildpackage.log on failure)"
# Built as a Debian builder would, not with the flags of the make that runs
# this test (make -s would hide the commands the log is read for).
if ! (cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL DEB_BUILD_OPTIONS=parallel=2 \
	dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
	tail -40 "$tmp/build.log"
	fail "dpkg-buildpackage -us -uc -b failed"
	finish
fi
# The package build ran the tests that need no root, and they passed.
grep -E '^(unit|golden|hostile)[^:]*: [0-9]+ passed' "$tmp/build.log" || true
grep -q -E '^unit: [0-9]+ passed, 0 failed' "$tmp/build.log" ||
	fail "the package build did not run the unit tests"
grep -q -E 'check-noroot' "$tmp/build.log" || fail "dh_auto_test did not run make check-noroot"
# Warnings from the compiler are errors upstream; here, shown, and none.
if grep -E '(warning|error):' "$tmp/build.log" | grep -v -E '^(dpkg|dh|ftpcfg)' >"$tmp/cc-warnings"; then
	if [ -s "$tmp/cc-warnings" ]; then
		cat "$tmp/cc-warnings"
		fail "the package build printed compiler warnings"
	fi
fi

# Build-Depends names the -dev package of every library the Makefile
# links (pkg-config names), so a clean build machine has them.
for pc in $(sed -n 's/^PKGS := //p' Makefile); do
	dev=$(dpkg -S "$(pkg-config --variable=pcfiledir "$pc")/$pc.pc" 2>/dev/null | cut -d: -f1 | head -1)
	[ -n "$dev" ] || { fail "no Debian package ships $pc.pc"; continue; }
	grep -q -E "^ *(Build-Depends: *)?${dev}[ ,]" debian/control ||
		fail "debian/control's Build-Depends lacks $dev (for $pc, which the Makefile links)"
done

deb=$(ls "$tmp"/ftpcfg_"$debversion"_*.deb 2>/dev/null)
changes=$(ls "$tmp"/ftpcfg_"$debversion"_*.changes 2>/dev/null)
[ -f "$deb" ] || { fail "no .deb was built"; finish; }

echo "lintian:"
# Every tag is shown, overridden ones (O:) too, with the override's
# comment; an error (E:) or warning (W:) fails.
lintian --display-info --show-overrides --fail-on none "$changes" >"$tmp/lintian" 2>&1
rc=$?
sed 's/^/  /' "$tmp/lintian"
[ "$rc" = 0 ] || fail "lintian exits $rc"
grep -q -E '^[IWEOP]: ' "$tmp/lintian" || echo "  (no tags)"
if grep -q -E '^[EW]: ' "$tmp/lintian"; then
	fail "lintian: errors or warnings above"
fi

dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$tmp/contents"
for f in /usr/sbin/ftpcfg /usr/share/ftpcfg/site.xsd /usr/share/ftpcfg/vsftpd.conf.xsl \
	/usr/share/ftpcfg/proftpd.conf.xsl /usr/share/ftpcfg/pure-ftpd.xsl \
	/usr/share/man/man8/ftpcfg.8.gz /usr/share/man/man5/ftpcfg-site.5.gz \
	/usr/share/bash-completion/completions/ftpcfg /usr/share/zsh/vendor-completions/_ftpcfg \
	/usr/share/doc/ftpcfg/copyright /usr/share/doc/ftpcfg/changelog.Debian.gz \
	/usr/share/doc/ftpcfg/examples/vsftpd-passive.xml; do
	grep -q -x -e "$f" "$tmp/contents" || fail "the package lacks $f"
done
# Everything the binary reads from templates/, and every example.
for f in $(cd templates && find . -type f | sed 's|^\./||'); do
	grep -q -x -e "/usr/share/ftpcfg/$f" "$tmp/contents" || fail "the package lacks /usr/share/ftpcfg/$f"
done
for f in examples/*.xml; do
	grep -q -x -e "/usr/share/doc/ftpcfg/$f" "$tmp/contents" ||
		grep -q -x -e "/usr/share/doc/ftpcfg/$f.gz" "$tmp/contents" ||
		fail "the package lacks /usr/share/doc/ftpcfg/$f"
done
# A systemd unit in the source (not a test's fixture) goes into the
# package: the Makefile installs systemd/*.service and *.timer.
find . \( -path ./build -o -path ./debian -o -path ./tests -o -path ./.git \) -prune -o \
	\( -name '*.service' -o -name '*.timer' \) -print >"$tmp/units"
[ -s "$tmp/units" ] || fail "no systemd unit found in the source"
while read -r u; do
	grep -q -e "/lib/systemd/system/$(basename "$u")\$" "$tmp/contents" ||
		fail "the package lacks the systemd unit $(basename "$u")"
done <"$tmp/units"

# The Ansible collection, as its own package, where Ansible looks for
# collections by default; loadable from there: ansible-doc reads each
# module's documentation and ansible-galaxy lists it.
coll=$(ls "$tmp"/ansible-collection-ftpcfg-ftpcfg_"$debversion"_all.deb 2>/dev/null)
cdir=/usr/share/ansible/collections/ansible_collections/ftpcfg/ftpcfg
if [ -f "$coll" ]; then
	dpkg-deb -c "$coll" | awk '{ print $6 }' | sed 's|^\./|/|' >"$tmp/ccontents"
	for f in $(cd contrib/ansible && find . -type f | sed 's|^\./||'); do
		grep -q -x -e "$cdir/$f" "$tmp/ccontents" || fail "the collection package lacks $cdir/$f"
	done
	mkdir "$tmp/croot"
	dpkg-deb -x "$coll" "$tmp/croot" || fail "dpkg-deb -x of the collection failed"
	if command -v ansible-doc >/dev/null; then
		for m in site confirm status_info; do
			ANSIBLE_COLLECTIONS_PATH=$tmp/croot/usr/share/ansible/collections \
				ansible-doc -t module "ftpcfg.ftpcfg.$m" >"$tmp/adoc" 2>&1 &&
				grep -q "ftpcfg.ftpcfg.$m" "$tmp/adoc" ||
				{ cat "$tmp/adoc"; fail "ansible-doc cannot read ftpcfg.ftpcfg.$m from the package"; }
		done
		ANSIBLE_COLLECTIONS_PATH=$tmp/croot/usr/share/ansible/collections \
			ansible-galaxy collection list ftpcfg.ftpcfg >"$tmp/alist" 2>&1 &&
			grep -q -E "^ftpcfg\.ftpcfg +$version" "$tmp/alist" ||
			{ cat "$tmp/alist"; fail "ansible-galaxy does not list ftpcfg.ftpcfg $version from the package"; }
		echo "collection: ftpcfg.ftpcfg $version loads from $cdir"
	else
		fail "ansible-doc is missing (make deps installs ansible-core)"
	fi
else
	fail "no ansible-collection-ftpcfg-ftpcfg package was built"
fi
mkdir "$tmp/root"
dpkg-deb -x "$deb" "$tmp/root" || fail "dpkg-deb -x failed"
bin=$tmp/root/usr/sbin/ftpcfg

# Hardening, read from the ELF file.
readelf -h "$bin" | grep -q 'Type:.*DYN' || fail "not PIE: the ELF type is not DYN"
readelf -d "$bin" >"$tmp/dyn"
grep -q 'FLAGS_1.*PIE' "$tmp/dyn" || fail "not PIE: no DF_1_PIE"
grep -q -E 'BIND_NOW|FLAGS_1.*NOW' "$tmp/dyn" || fail "no BIND_NOW"
readelf -l "$bin" | grep -q 'GNU_RELRO' || fail "no RELRO segment"
readelf --dyn-syms -W "$bin" >"$tmp/syms"
grep -q '__stack_chk_fail' "$tmp/syms" || fail "no stack protector (__stack_chk_fail not used)"
grep -q -E '__[a-z]+_chk(@|$| )' "$tmp/syms" || fail "not fortified (no __*_chk function used)"
echo "hardening: PIE, BIND_NOW, RELRO, stack protector, fortify ($(grep -o -E '__[a-z]+_chk' "$tmp/syms" | sort -u | wc -l) _chk functions)"

# The installed binary: its version, its templates (found beside it as
# ../share/ftpcfg, so unset the test override), an example from the doc.
out=$(env -u FTPCFG_TEMPLATE_DIR "$bin" --version) || fail "ftpcfg --version fails"
[ "$out" = "ftpcfg $version" ] || fail "ftpcfg --version says '$out', want 'ftpcfg $version'"
ex=$tmp/root/usr/share/doc/ftpcfg/examples/vsftpd-passive.xml
[ -f "$ex" ] || { gzip -dk "$ex.gz" 2>/dev/null || true; }
env -u FTPCFG_TEMPLATE_DIR "$bin" validate "$ex" || fail "the packaged ftpcfg cannot validate its own example"
env -u FTPCFG_TEMPLATE_DIR "$bin" render "$ex" >"$tmp/render" || fail "the packaged ftpcfg cannot render its example"
grep -q 'listen' "$tmp/render" || fail "the packaged render holds no vsftpd listen line"
finish
