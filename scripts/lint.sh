#!/bin/sh
# The module boundaries (README "Source map"), checked by grep, then cppcheck, then
# the scripts checked by shellcheck.
set -eu
cd "$(dirname "$0")/.."
fail=0

nl=$(grep -l -E '#include <(libmnl|libnftnl)/' src/*.c include/*.h 2>/dev/null | grep -v '^src/nft_netlink' || true)
if [ -n "$nl" ]; then
	echo "lint: netlink headers outside src/nft_netlink*.c: $nl"; fail=1
fi
ex=$(grep -n -E '(^|[^_a-z])(exit|abort)[[:space:]]*\(' src/*.c | grep -v '^src/main.c:' || true)
if [ -n "$ex" ]; then
	echo "lint: exit()/abort() outside main.c:"; echo "$ex"; fail=1
fi
er=$(grep -n -E '(fprintf|fputs)\(stderr' src/*.c | grep -v -E '^src/(main|diag)\.c:' || true)
if [ -n "$er" ]; then
	echo "lint: only main.c and diag.c write to stderr:"; echo "$er"; fail=1
fi
# libnftables (nft's own printer, for rules ftpcfg did not write) is netlink too, in one file.
lnft=$(grep -l -E '#include <nftables/' src/*.c include/*.h 2>/dev/null | grep -v '^src/nft_netlink_libnftables\.c$' || true)
if [ -n "$lnft" ]; then
	echo "lint: libnftables outside src/nft_netlink_libnftables.c: $lnft"; fail=1
fi
xml=$(grep -l -E '#include <libxml/' src/*.c | grep -v -E '^src/(site|site_[a-z_]+|effective|render_conf|main)\.c$' || true)
if [ -n "$xml" ]; then
	echo "lint: libxml2 outside the parsing and rendering modules: $xml"; fail=1
fi
# The project explains itself: nothing it ships cites the founders' notes, which users do not have.
cite=$(grep -rln -E '(DESIGN|STYLE|ANCHOR-STYLES|FTP-DAEMONS|NETLINK-FACTS|FIREWALL-MANAGERS)\.md' \
	src include templates examples man tests scripts contrib Makefile README.md 2>/dev/null | grep -v '^scripts/lint.sh$' || true)
if [ -n "$cite" ]; then
	echo "lint: files cite notes users do not have: $cite"; fail=1
fi
if command -v cppcheck >/dev/null; then
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--suppress=missingIncludeSystem --suppress=unknownMacro --inline-suppr -Iinclude -D_GNU_SOURCE src/ || fail=1
else
	echo "lint: cppcheck is missing (scripts/install-deps.sh installs it)"; fail=1
fi
# The scripts the tests and the build run: a check whose command fails unnoticed is no check.
if command -v shellcheck >/dev/null; then
	shellcheck -S warning scripts/*.sh tests/*.sh tests/*/*.sh .ci/run || fail=1
else
	echo "lint: shellcheck is missing (scripts/install-deps.sh installs it)"; fail=1
fi
[ "$fail" = 0 ] && echo "lint: ok"
exit "$fail"
