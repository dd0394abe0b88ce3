#!/bin/bash
# make test-deb: the Debian package, built and used as a user would.
#
#  1. dpkg-buildpackage -us -uc -b in a copy of the work tree (git's tracked
#     and untracked-not-ignored files), so the tree itself stays clean: it
#     must make postgresql-15-oktafdw_VERSION-1_amd64.deb without a compiler
#     warning, depending on postgresql-15 and the C libraries' packages.
#     Missing build dependencies are installed first (dpkg-checkbuilddeps).
#  2. A clean Debian 12 (bookworm) chroot with PostgreSQL 15, made with
#     mmdebstrap under /var/tmp/oktafdw-chroot-deb and kept for the next run
#     (made again when missing, broken or made with another package list).
#  3. In it: the package installed with apt-get install ./FILE.deb (its
#     dependencies from the archive), a throwaway cluster (pg_virtualenv) and
#     the Okta simulator (test/sim, copied in): CREATE EXTENSION oktafdw, a
#     server and a user mapping to the simulator, IMPORT FOREIGN SCHEMA, and
#     okta.users's row count against the simulator's users; then, in another
#     database, CREATE EXTENSION oktafdw VERSION '0.1.0' and ALTER EXTENSION
#     oktafdw UPDATE to the packaged default.  The package is purged again.
#
# Prints a line per check and `N passed, N failed`.  Needs root (chroot,
# mount).  OKTAFDW_CHROOTS=DIR (default /var/tmp), DEBIAN_MIRROR=URL,
# FRESH_CHROOTS=1 as for test/versions.sh; DEB_USERS (default 500) the
# simulated org's size.  Logs: CHROOT/work/build.log, install.log, use.log.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CACHE=${OKTAFDW_CHROOTS:-/var/tmp}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
C=$CACHE/oktafdw-chroot-deb
USERS=${DEB_USERS:-500}
VERSION=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" oktafdw.control)
DEB=postgresql-15-oktafdw_${VERSION}-1_amd64.deb
PKGS="postgresql-15,postgresql-common,python3,python3-cryptography"

passed=0 failed=0
check() { # check WHAT COMMAND...
	local what=$1
	shift
	if "$@"; then
		passed=$((passed + 1)); echo "ok: $what"
	else
		failed=$((failed + 1)); echo "FAILED: $what"
	fi
}
finish() {
	echo "test-deb: ${SECONDS}s"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

if [ "$(id -u)" != 0 ]; then
	echo "test-deb: needs root (it makes a chroot and mounts /proc and /dev in it)"
	failed=1; finish
fi
for tool in mmdebstrap dpkg-buildpackage; do
	command -v $tool >/dev/null || missing_tools="${missing_tools:-} $tool"
done
if [ -n "${missing_tools:-}" ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap dpkg-dev >/dev/null
fi

. test/chroot.sh
BUILD=$(mktemp -d /tmp/oktafdw-deb.XXXXXX)
cleanup() {
	unmount_chroot
	rm -rf "$BUILD"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. the package, built in a copy of the tree
before=$(git status --porcelain --ignored=no 2>/dev/null)
mkdir -p "$BUILD/oktafdw-$VERSION"
git ls-files -z --cached --others --exclude-standard |
	tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$BUILD/oktafdw-$VERSION" -xf -
if ! (cd "$BUILD/oktafdw-$VERSION" && dpkg-checkbuilddeps >/dev/null 2>&1); then
	echo "installing the build dependencies"
	(cd "$BUILD/oktafdw-$VERSION" && dpkg-checkbuilddeps 2>&1 | sed -n 's/.*Unmet build dependencies: //p')
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		dpkg-dev debhelper postgresql-server-dev-all libcurl4-openssl-dev libssl-dev libjson-c-dev pkg-config >/dev/null
fi
t0=$SECONDS
(cd "$BUILD/oktafdw-$VERSION" && dpkg-buildpackage -us -uc -b) > "$BUILD/build.log" 2>&1
status=$?
echo "dpkg-buildpackage: $((SECONDS - t0))s"
[ $status -eq 0 ] || tail -n 40 "$BUILD/build.log"
check "dpkg-buildpackage -us -uc -b makes $DEB" test -f "$BUILD/$DEB"
check "the build has no compiler warning" bash -c "! grep -E '(error|warning): ' '$BUILD/build.log' | grep -v '^dpkg-'"
depends=$(dpkg-deb -f "$BUILD/$DEB" Depends 2>/dev/null)
echo "Depends: $depends"
check "it depends on postgresql-15, libcurl4, libssl3 and libjson-c5" bash -c \
	"for p in postgresql-15 libcurl4 libssl3 libjson-c5; do [[ ', $depends,' == *\", \$p\"[\ ,]* ]] || exit 1; done"
check "it ships the module, the control file and both SQL scripts" bash -c \
	"dpkg-deb -c '$BUILD/$DEB' | grep -c -E '/usr/lib/postgresql/15/lib/oktafdw.so|/usr/share/postgresql/15/extension/oktafdw(.control|--0.1.0.sql|--0.1.0--0.2.0.sql)\$' | grep -qx 4"
check "the work tree is as it was (the build ran in a copy)" \
	test "$(git status --porcelain --ignored=no 2>/dev/null)" = "$before"
[ -f "$BUILD/$DEB" ] || finish

# ---- 2. the chroot
stamp="suite=bookworm packages=$PKGS"
chroot_ok() {
	[ -f "$C/.oktafdw-chroot" ] && [ "$(cat "$C/.oktafdw-chroot")" = "$stamp" ] &&
		chroot "$C" /usr/lib/postgresql/15/bin/postgres --version >/dev/null 2>&1 &&
		chroot "$C" /usr/bin/python3 -c 'import cryptography' >/dev/null 2>&1 &&
		chroot "$C" sh -c 'command -v pg_virtualenv' >/dev/null 2>&1
}
exec 9>"$C.lock"
flock 9
t0=$SECONDS
made=reused
if [ -n "${FRESH_CHROOTS:-}" ] || ! chroot_ok; then
	made=made
	if ! { remove_chroot "$C" && remove_chroot "$C.new" &&
		mmdebstrap --variant=apt --aptopt='Acquire::Check-Valid-Until "false"' \
			--include="$PKGS" bookworm "$C.new" "$MIRROR" > "$C.log" 2>&1 &&
		echo "$stamp" > "$C.new/.oktafdw-chroot" && mv "$C.new" "$C" && chroot_ok; }; then
		tail -n 30 "$C.log"
		check "a bookworm chroot (see $C.log)" false
		finish
	fi
fi
echo "chroot: $made in $((SECONDS - t0))s ($C)"

in_chroot() {
	chroot "$C" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive bash -c "$1"
}
check "/proc and /dev mounted in the chroot" mount_chroot "$C" || finish
rm -rf "$C/work"
mkdir -p "$C/work"
cp "$BUILD/$DEB" "$C/work/"
cp -r test/sim "$C/work/sim"
rm -rf "$C/work/sim/__pycache__"

# ---- 3. installed and used there
t0=$SECONDS
in_chroot "apt-get purge -y -q 'postgresql-*-oktafdw' >/dev/null 2>&1; apt-get update -q &&
	apt-get install -y -q /work/$DEB" > "$C/work/install.log" 2>&1 || tail -n 20 "$C/work/install.log"
echo "apt-get install ./$DEB: $((SECONDS - t0))s"
check "apt-get install ./$DEB (dependencies from the archive)" \
	in_chroot "dpkg-query -W -f='\${Status} \${Version}' postgresql-15-oktafdw | grep -qx 'install ok installed $VERSION-1'"

t0=$SECONDS
cat > "$C/work/use.sql" <<'SQL'
\set ON_ERROR_STOP 1
\getenv sim_dir OKTA_SIM_DIR
\getenv sim_url OKTA_SIM_URL
\set ca_file :sim_dir '/ca.pem'
CREATE EXTENSION oktafdw;
SELECT 'extversion=' || extversion FROM pg_extension WHERE extname = 'oktafdw';
SELECT 'oktafdw_version=' || oktafdw_version();
CREATE SERVER okta FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'sim_url', ca_file :'ca_file');
SELECT pg_read_file(:'sim_dir' || '/client-rsa.pem') AS rsa_key \gset
CREATE USER MAPPING FOR CURRENT_USER SERVER okta
  OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
CREATE SCHEMA okta;
IMPORT FOREIGN SCHEMA okta FROM SERVER okta INTO okta;
SELECT 'users=' || count(*) FROM okta.users;
SELECT 'sim_users=' || jsonb_array_length(pg_read_file(:'sim_dir' || '/users.json')::jsonb);
CREATE DATABASE upgrade_check;
\c upgrade_check
CREATE EXTENSION oktafdw VERSION '0.1.0';
ALTER EXTENSION oktafdw UPDATE;
SELECT 'updated=' || extversion FROM pg_extension WHERE extname = 'oktafdw';
SQL
in_chroot "set -e
	mkdir -p /tmp/okta && chmod 755 /tmp/okta
	python3 /work/sim/oktasim.py init /tmp/okta/org --users $USERS >/dev/null
	python3 /work/sim/oktasim.py serve /tmp/okta/org --port 0 & sim=\$!
	trap 'kill \$sim 2>/dev/null; wait \$sim 2>/dev/null; rm -rf /tmp/okta' EXIT
	for _ in \$(seq 1 100); do [ -s /tmp/okta/org/port ] && break; sleep 0.1; done
	export OKTA_SIM_DIR=/tmp/okta/org OKTA_SIM_URL=https://localhost:\$(cat /tmp/okta/org/port)
	pg_virtualenv -t -v 15 psql -X -A -t -q -f /work/use.sql" > "$C/work/use.log" 2>&1
status=$?
echo "cluster, simulator and queries: $((SECONDS - t0))s"
[ $status -eq 0 ] || tail -n 30 "$C/work/use.log"
val() { sed -n "s/^$1=//p" "$C/work/use.log" | tail -n 1; }
check "CREATE EXTENSION oktafdw: version $VERSION ($(val extversion), oktafdw_version() $(val oktafdw_version))" \
	test "$(val extversion)" = "$VERSION" -a "$(val oktafdw_version)" = "$VERSION"
check "SELECT count(*) FROM okta.users = the simulator's users ($(val users) = $(val sim_users))" \
	test -n "$(val users)" -a "$(val users)" = "$(val sim_users)" -a "$(val sim_users)" = "$USERS"
check "CREATE EXTENSION oktafdw VERSION '0.1.0'; ALTER EXTENSION oktafdw UPDATE: $(val updated)" \
	test "$(val updated)" = "$VERSION"
check "apt-get purge postgresql-15-oktafdw" \
	in_chroot "apt-get purge -y -q postgresql-15-oktafdw >/dev/null 2>&1 && ! test -e /usr/lib/postgresql/15/lib/oktafdw.so"
cp "$BUILD/build.log" "$C/work/build.log"
finish
