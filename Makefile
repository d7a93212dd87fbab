# ftpcfg — one Makefile.  `make` builds ./ftpcfg; `make check` installs the
# Debian build dependencies it lacks and runs every test; `make demo` shows
# the main job on a bundled example.

PREFIX ?= /usr/local
# An administrator's tool: sbin, as for nft(8) and the FTP daemons.
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share/ftpcfg
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# zsh reads $(PREFIX)/share/zsh/site-functions; Debian's package uses
# /usr/share/zsh/vendor-completions (debian/rules says so).
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
# systemd units, when the source has any (systemd/*.service, *.timer).
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
UNITS := $(wildcard systemd/*.service systemd/*.timer)
DESTDIR ?=

VERSION := 0.1.0
CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := libxml-2.0 libxslt libnftnl libmnl libnftables jansson nettle

# Where objects go: build/ for the plain build, build/san/ for the
# sanitizer build that `make check` tests.
BUILD ?= build
SANITIZE ?=

# CPPFLAGS, CFLAGS and LDFLAGS are the caller's (dpkg-buildflags gives
# them for the package).  Warnings are errors in development and CI; the
# package build sets WERROR= so that a newer compiler's new warning does
# not fail a build on a user's machine.
CFLAGS ?= -O2 -g
WERROR ?= -Werror
WARNINGS := -std=c17 -Wall -Wextra $(WERROR) -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wwrite-strings -Wswitch-enum
ifneq ($(SANITIZE),)
SANFLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS))
ALL_CFLAGS = $(WARNINGS) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -pthread -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) \
	-DFTPCFG_VERSION='"$(VERSION)"' -DFTPCFG_DATADIR='"$(DATADIR)"' -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS) -pthread

SRCS := $(sort $(wildcard src/*.c))
OBJS := $(SRCS:src/%.c=$(BUILD)/%.o)
LIB_OBJS := $(filter-out $(BUILD)/main.o,$(OBJS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all man install uninstall check check-noroot deps lint unit golden-check netns faults ansible e2e \
	daemon-check package-check golden demo fuzz bench clean

all: ftpcfg

ftpcfg: $(BUILD)/ftpcfg
	$(Q)cp $< $@

$(BUILD)/ftpcfg: $(OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/%.o: src/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(shell $(PKG_CONFIG) --cflags cmocka) -c -o $@ $<

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(LIB_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

# tests/netns/20-netlink.sh drives nft_netlink against the kernel through this.
$(BUILD)/tests/nl_driver.o: tests/netns/nl_driver.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/nl_driver: $(BUILD)/tests/nl_driver.o $(LIB_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d) $(BUILD)/tests/nl_driver.d

# The man pages: scdoc source in man/, roff in $(BUILD)/man/.  The awk
# step drops the empty paragraph macros scdoc writes, which mandoc -T lint
# warns about (scripts/man-tidy.awk says which).
MANPAGES := $(BUILD)/man/ftpcfg.8 $(BUILD)/man/ftpcfg-site.5

man: $(MANPAGES)

$(BUILD)/man/%: man/%.scd scripts/man-tidy.awk
	@mkdir -p $(@D)
	@$(if $(Q),echo "  SCDOC   $@")
	$(Q)scdoc <$< >$@.scdoc
	$(Q)awk -f scripts/man-tidy.awk $@.scdoc >$@.tmp
	$(Q)rm -f $@.scdoc && mv $@.tmp $@

# Everything under templates/ (schema, stylesheets, and whatever
# subdirectories the binary reads) goes to DATADIR as it is.
install: $(BUILD)/ftpcfg $(MANPAGES)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 $(BUILD)/ftpcfg $(DESTDIR)$(SBINDIR)/ftpcfg
	cd templates && find . -type d -exec install -d '$(DESTDIR)$(DATADIR)/{}' ';' && \
		find . -type f -exec install -m 0644 '{}' '$(DESTDIR)$(DATADIR)/{}' ';'
	install -m 0644 $(BUILD)/man/ftpcfg.8 $(DESTDIR)$(MANDIR)/man8/ftpcfg.8
	install -m 0644 $(BUILD)/man/ftpcfg-site.5 $(DESTDIR)$(MANDIR)/man5/ftpcfg-site.5
	install -m 0644 completion/ftpcfg.bash $(DESTDIR)$(BASHCOMPDIR)/ftpcfg
	install -m 0644 completion/_ftpcfg $(DESTDIR)$(ZSHCOMPDIR)/_ftpcfg
	$(if $(UNITS),install -d $(DESTDIR)$(SYSTEMDUNITDIR))
	$(if $(UNITS),install -m 0644 $(UNITS) $(DESTDIR)$(SYSTEMDUNITDIR)/)

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ftpcfg $(DESTDIR)$(MANDIR)/man8/ftpcfg.8 \
		$(DESTDIR)$(MANDIR)/man5/ftpcfg-site.5 $(DESTDIR)$(BASHCOMPDIR)/ftpcfg \
		$(DESTDIR)$(ZSHCOMPDIR)/_ftpcfg $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(notdir $(UNITS)))
	rm -rf $(DESTDIR)$(DATADIR)

# ---- set-up -------------------------------------------------------------

# Installs the Debian packages the build and the tests need, when missing.
deps:
	@scripts/install-deps.sh

# ---- tests --------------------------------------------------------------

SAN_BUILD := build/san
SAN := address,undefined
# The test build: sanitizers, and the fault-injection seam (FTPCFG_TESTING).
SAN_MAKE = $(MAKE) --no-print-directory BUILD=$(SAN_BUILD) SANITIZE=$(SAN) CFLAGS='-O1 -g -DFTPCFG_TESTING'
# The tests run the sanitizer build; leaks are errors too.
TEST_ENV = FTPCFG=$(CURDIR)/$(SAN_BUILD)/ftpcfg FTPCFG_TEMPLATE_DIR=$(CURDIR)/templates \
	NL_DRIVER=$(CURDIR)/$(SAN_BUILD)/tests/nl_driver \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1

# Each part prints how long it took (scripts/timed.sh); the parts run in
# order and the first failing one stops the run.
CHECK_PARTS := unit golden-check package-check netns faults ansible daemon-check e2e

check: deps
	@mkdir -p build
	@rm -f build/check-counts build/check-times
	$(Q)CHECK_TIMES=$(CURDIR)/build/check-times scripts/timed.sh lint \
		$(MAKE) --no-print-directory lint
	$(Q)CHECK_TIMES=$(CURDIR)/build/check-times scripts/timed.sh build $(SAN_MAKE) \
		$(SAN_BUILD)/ftpcfg $(addprefix $(SAN_BUILD)/tests/,$(notdir $(UNIT_BINS))) \
		$(SAN_BUILD)/tests/nl_driver
	$(Q)for part in $(CHECK_PARTS); do \
		CHECK_COUNTS=$(CURDIR)/build/check-counts CHECK_TIMES=$(CURDIR)/build/check-times \
			scripts/timed.sh $$part $(MAKE) --no-print-directory $$part || exit 1; \
	done
	@awk '{ printf "time: %-14s %5d s\n", $$1, $$2; t += $$2 } END { printf "time: %-14s %5d s\n", "total", t }' \
		build/check-times
	@awk '{ p += $$1; f += $$2 } END { printf "check: %d passed, %d failed\n", p, f }' \
		build/check-counts

lint:
	@scripts/lint.sh

unit:
	@$(TEST_ENV) tests/run-unit.sh $(addprefix $(SAN_BUILD)/tests/,$(notdir $(UNIT_BINS)))

golden-check:
	@$(TEST_ENV) tests/golden/run.sh
	@$(TEST_ENV) sh tests/golden/hostile.sh
	@$(TEST_ENV) sh tests/golden/readme.sh
	@$(TEST_ENV) sh tests/golden/import.sh
	@$(TEST_ENV) sh tests/golden/selftest.sh

# The man pages, the completion and the Debian package (tests/package/).
package-check: man
	@$(TEST_ENV) MAN_DIR=$(CURDIR)/$(BUILD)/man tests/run-scripts.sh package tests/package

# What needs no root, on the build as it is (no sanitizers): the package
# build runs it (debian/rules), with the package's flags.
check-noroot: $(BUILD)/ftpcfg $(UNIT_BINS)
	@FTPCFG_TEMPLATE_DIR=$(CURDIR)/templates tests/run-unit.sh $(UNIT_BINS)
	@FTPCFG=$(CURDIR)/$(BUILD)/ftpcfg FTPCFG_TEMPLATE_DIR=$(CURDIR)/templates tests/golden/run.sh
	@FTPCFG=$(CURDIR)/$(BUILD)/ftpcfg FTPCFG_TEMPLATE_DIR=$(CURDIR)/templates sh tests/golden/hostile.sh
	@FTPCFG=$(CURDIR)/$(BUILD)/ftpcfg FTPCFG_TEMPLATE_DIR=$(CURDIR)/templates sh tests/golden/readme.sh
	@FTPCFG=$(CURDIR)/$(BUILD)/ftpcfg FTPCFG_TEMPLATE_DIR=$(CURDIR)/templates sh tests/golden/import.sh

golden: $(BUILD)/ftpcfg
	@FTPCFG=$(CURDIR)/$(BUILD)/ftpcfg FTPCFG_TEMPLATE_DIR=$(CURDIR)/templates \
		tests/golden/run.sh --update
	@FTPCFG=$(CURDIR)/$(BUILD)/ftpcfg FTPCFG_TEMPLATE_DIR=$(CURDIR)/templates \
		sh tests/golden/import.sh --update

netns:
	@$(TEST_ENV) tests/run-scripts.sh netns tests/netns

# Fault injection at every system call (tests/faults/): strace and the
# sanitizers do not mix, so it runs the unsanitized build.
faults: $(BUILD)/ftpcfg
	@$(TEST_ENV) FTPCFG_PLAIN=$(CURDIR)/$(BUILD)/ftpcfg tests/run-scripts.sh faults tests/faults

# The Ansible collection in contrib/ansible (tests/ansible/).
ansible:
	@$(TEST_ENV) tests/run-scripts.sh ansible tests/ansible

daemon-check:
	@$(TEST_ENV) tests/run-scripts.sh daemon tests/daemon

e2e:
	@$(TEST_ENV) tests/run-scripts.sh e2e tests/e2e

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	@scripts/demo.sh

fuzz:
	$(Q)$(MAKE) --no-print-directory -C . BUILD=build/fuzz CC=clang \
		SANITIZE=address,undefined,fuzzer-no-link CFLAGS='-O1 -g -DFTPCFG_FUZZING' \
		build/fuzz/fuzz_site build/fuzz/fuzz_import
	@tests/fuzz/run.sh build/fuzz/fuzz_site
	@FUZZ_CORPUS=tests/fuzz/import-corpus FUZZ_DICT= tests/fuzz/run.sh build/fuzz/fuzz_import

build/fuzz/fuzz_site: tests/fuzz/fuzz_site.c $(LIB_OBJS)
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

build/fuzz/fuzz_import: tests/fuzz/fuzz_import.c $(LIB_OBJS)
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

# A benchmark, never part of check: an -O2 build without sanitizers, then
# scripts/bench.sh prints ftpcfg apply against nft -f (needs root).  The
# reference `nft -f` loads the same networks in one interval set: a second
# build that never shards renders it.
BENCH_BUILD := build/bench
BENCH_ONESET := build/bench-oneset

bench:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BENCH_BUILD) SANITIZE= CFLAGS='-O2 -g' \
		$(BENCH_BUILD)/ftpcfg $(BENCH_BUILD)/bench-run
	$(Q)$(MAKE) --no-print-directory BUILD=$(BENCH_ONESET) SANITIZE= \
		CFLAGS='-O2 -DRULESET_SHARD_MIN=2000000000' $(BENCH_ONESET)/ftpcfg
	@FTPCFG=$(CURDIR)/$(BENCH_BUILD)/ftpcfg FTPCFG_ONESET=$(CURDIR)/$(BENCH_ONESET)/ftpcfg \
		FTPCFG_TEMPLATE_DIR=$(CURDIR)/templates \
		BENCH_RUN=$(CURDIR)/$(BENCH_BUILD)/bench-run scripts/bench.sh

$(BENCH_BUILD)/bench-run: scripts/bench-run.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(WARNINGS) -O2 -D_GNU_SOURCE -o $@ $<

clean:
	rm -rf build ftpcfg
