#!/bin/bash
# Install the Debian packages oktafdw needs to build and test (only those
# missing).  Used by .ci/run and make demo.
set -euo pipefail
PKGS="build-essential pkg-config postgresql-15 postgresql-server-dev-15 postgresql-common
      postgresql-15-cron
      libcurl4-openssl-dev libssl-dev libjson-c-dev
      python3 python3-cryptography python3-yaml valgrind gdb
      clang-14 libclang-rt-14-dev
      curl python3-psycopg2"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
