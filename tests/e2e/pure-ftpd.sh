#!/bin/sh
# Debian's Pure-FTPd, configured only by `ftpcfg apply`, against curl and lftp
# across a veth pair: every configuration of the matrix (tests/e2e/lib.sh).
set -eu
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
matrix pure-ftpd
e2e_done pure-ftpd
