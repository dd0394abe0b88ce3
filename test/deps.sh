#!/bin/bash
# Install the Debian packages oktafdw needs to build and test (only those
# missing).  Used by .ci/run and make demo.
#   --demo     only what make demo needs: the build, PostgreSQL with
#              pg_virtualenv, and the simulator's Python (no valgrind, clang,
#              gdb, pg_cron, curl or psycopg2)
#   --missing  print the missing packages (one line, empty when none), install
#              nothing
# apt-get asks no question (-y, noninteractive).
set -euo pipefail
DEMO_PKGS="build-essential pkg-config postgresql-15 postgresql-server-dev-15 postgresql-common
      libcurl4-openssl-dev libssl-dev libjson-c-dev
      python3 python3-cryptography"
TEST_PKGS="postgresql-15-cron python3-yaml valgrind gdb
      clang-14 libclang-rt-14-dev
      curl python3-psycopg2"
PKGS="$DEMO_PKGS $TEST_PKGS"
list=
for a in "$@"; do
	case $a in
		--demo) PKGS=$DEMO_PKGS ;;
		--missing) list=1 ;;
		*) echo "usage: test/deps.sh [--demo] [--missing]" >&2; exit 2 ;;
	esac
done
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$list" ]; then
	echo "${missing# }"
	exit 0
fi
if [ -n "$missing" ]; then
	echo "installing:$missing"
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
