#!/bin/bash
# make test-versions: build oktafdw and run its regression suite on the
# other PostgreSQL versions it supports, each in a Debian chroot that has
# that version's packages (the host's 15 is `make test` itself):
#
#   17  Debian trixie     18  Debian sid
#
# For each version: make the chroot under /var/tmp (or reuse it: it is
# kept, and made again when missing or broken), copy the work tree in
# (git's tracked and untracked-not-ignored files, no build products), build
# there with that version's PGXS and fail on any compiler warning, then run
# `ONLY_REGRESS=1 test/run_tests.sh` inside it: the pg_regress suite and the
# secrecy test against a throwaway cluster (pg_virtualenv) and the Okta
# simulator, as on the host.  pg_cron is installed where Debian packages it
# for that version; where it does not, the cron test is skipped and says so.
# Then `make installcheck` the PGXS way: `make install` into the chroot's
# PostgreSQL and a plain running server (pg_virtualenv, no pg_cron
# preloaded, so the cron test is left out), uninstalled afterwards.
#
# Prints one line per version and a last line `N passed, N failed` adding
# up the builds (one check each) and every version's tests.
#
#   VERSIONS="17 18"   the versions to test (default: all of them)
#   OKTAFDW_CHROOTS=DIR  where the chroots are kept (default /var/tmp)
#   DEBIAN_MIRROR=URL  the Debian archive (default http://deb.debian.org/debian)
#   FRESH_CHROOTS=1    make the chroots again even when they look fine
#   NO_INSTALLCHECK=1  leave out the make installcheck step
#
# Needs root (chroot, mount) and mmdebstrap (installed when missing).
# Logs stay in each chroot: CHROOT/work/build.log, test.log (the suite),
# installcheck.log, and when a test fails suite.diffs, or regression.diffs
# and results/ in CHROOT/work/oktafdw for make installcheck.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VERSIONS=${VERSIONS:-17 18}
CACHE=${OKTAFDW_CHROOTS:-/var/tmp}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

suite_of() {
	case $1 in
		17) echo trixie ;;
		18) echo sid ;;
		*) return 1 ;;
	esac
}

# what the build and the suite need inside (test/deps.sh's list, less the
# host-only tools: valgrind, clang, psycopg2)
packages() {
	echo "postgresql-$1 postgresql-server-dev-$1 postgresql-common build-essential pkg-config" \
		"libcurl4-openssl-dev libssl-dev libjson-c-dev ca-certificates python3 python3-cryptography python3-yaml curl" \
		"gdb"
}

if [ "$(id -u)" != 0 ]; then
	echo "test-versions: needs root (it makes chroots and mounts /proc and /dev in them)"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! command -v mmdebstrap >/dev/null; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
fi

. test/chroot.sh
trap unmount_chroot EXIT
trap 'exit 130' INT TERM

# the stamp says what a chroot was made with; written last, so a chroot
# whose making was interrupted has none and is made again
stamp_of() {
	echo "suite=$(suite_of "$1") packages=$(packages "$1") cron=optional"
}

chroot_ok() {
	local v=$1 c=$2
	[ -f "$c/.oktafdw-chroot" ] && [ "$(cat "$c/.oktafdw-chroot")" = "$(stamp_of "$v")" ] &&
		chroot "$c" /usr/lib/postgresql/"$v"/bin/pg_config --version >/dev/null 2>&1 &&
		chroot "$c" /usr/bin/python3 -c 'import cryptography' >/dev/null 2>&1 &&
		chroot "$c" sh -c 'command -v make && command -v gcc && command -v pg_virtualenv' >/dev/null 2>&1
}

# make_chroot VERSION DIR: Debian's SUITE with the packages; the version's
# pg_cron too when the archive has it.  The archive here is a snapshot,
# whose Release files are past their Valid-Until.
make_chroot() {
	local v=$1 c=$2 pkgs
	pkgs=$(packages "$v")
	remove_chroot "$c" && remove_chroot "$c.new" || return 1
	mmdebstrap --variant=apt --aptopt='Acquire::Check-Valid-Until "false"' \
		--include="${pkgs// /,}" \
		--customize-hook="chroot \"\$1\" sh -c 'if apt-cache show postgresql-$v-cron >/dev/null 2>&1; then apt-get install -y -q postgresql-$v-cron; else echo no postgresql-$v-cron in $(suite_of "$v"); fi'" \
		"$(suite_of "$v")" "$c.new" "$MIRROR" || return 1
	stamp_of "$v" > "$c.new/.oktafdw-chroot"
	mv "$c.new" "$c"
}

# copy the work tree in: tracked files and untracked ones git does not
# ignore (no objects, no results); a tree that is not a git checkout goes
# whole, less its build products
copy_tree() {
	local dest=$1
	rm -rf "$dest"
	mkdir -p "$dest"
	if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
			tar -C "$ROOT" --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$dest" -xf -
	else
		tar -C "$ROOT" --exclude-vcs --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
			--exclude=./results --exclude=./tmp_check -cf - . | tar -C "$dest" -xf -
	fi
}

# in_chroot DIR COMMAND: a clean environment, as a login would have it
in_chroot() {
	chroot "$1" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM=dumb PG_CONFIG=/usr/lib/postgresql/"$2"/bin/pg_config \
		bash -c "$3"
}

total_passed=0 total_failed=0
lines=()

run_version() {
	local v=$1 c suite t0 t_chroot=0 t_build=0 t_suite=0 t_ic=0 made=reused
	local p=0 f=0 note="" result status ic_p ic_f
	suite=$(suite_of "$v") || { lines+=("PostgreSQL $v: no Debian suite known for it"); total_failed=$((total_failed + 1)); return; }
	c=$CACHE/oktafdw-chroot-$v
	echo
	echo "=== PostgreSQL $v (Debian $suite chroot $c) ==="
	exec 9>"$c.lock"
	flock 9

	t0=$(date +%s)
	if [ -n "${FRESH_CHROOTS:-}" ] || ! chroot_ok "$v" "$c"; then
		[ -d "$c" ] && echo "chroot missing pieces or out of date: making it again"
		made=made
		if ! make_chroot "$v" "$c" > "$CACHE/oktafdw-chroot-$v.log" 2>&1 || ! chroot_ok "$v" "$c"; then
			tail -n 30 "$CACHE/oktafdw-chroot-$v.log"
			lines+=("PostgreSQL $v ($suite chroot): FAILED: could not make the chroot (see $CACHE/oktafdw-chroot-$v.log)")
			total_failed=$((total_failed + 1))
			exec 9>&-
			return
		fi
	fi
	t_chroot=$(( $(date +%s) - t0 ))
	echo "chroot: $made in ${t_chroot}s ($(in_chroot "$c" "$v" '$PG_CONFIG --version'), $(in_chroot "$c" "$v" 'gcc --version | head -n 1'))"

	copy_tree "$c/work/oktafdw"
	rm -f "$c/work/suite.diffs"

	# the build: PGXS of this version, no warning allowed
	t0=$(date +%s)
	if in_chroot "$c" "$v" 'cd /work/oktafdw && make -j2' > "$c/work/build.log" 2>&1 &&
			! grep -q "warning:" "$c/work/build.log"; then
		p=$((p + 1))
		echo "build: clean"
	else
		f=$((f + 1))
		grep -E "warning:|error:" -A3 "$c/work/build.log" | head -n 60
		echo "build: FAILED (log: $c/work/build.log)"
	fi
	t_build=$(( $(date +%s) - t0 ))

	# the suite, when it built: the same script as on the host
	if [ "$f" -eq 0 ] && mount_chroot "$c"; then
		t0=$(date +%s)
		in_chroot "$c" "$v" 'cd /work/oktafdw && ONLY_REGRESS=1 test/run_tests.sh' 2>&1 |
			tee "$c/work/test.log" | grep -E '^(ok|not ok|test) |skipped|^[0-9]+ passed|FAILED'
		result=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$c/work/test.log" | tail -n 1)
		if [ -n "$result" ]; then
			p=$((p + ${result% *}))
			f=$((f + ${result#* }))
		else
			f=$((f + 1))
			tail -n 30 "$c/work/test.log"
		fi
		if [ -f "$c/work/oktafdw/regression.diffs" ]; then
			mv "$c/work/oktafdw/regression.diffs" "$c/work/suite.diffs"
			note="; diffs in $c/work/suite.diffs"
		fi
		grep -q "^cron: skipped" "$c/work/test.log" &&
			note="; cron test skipped (no postgresql-$v-cron)$note"
		t_suite=$(( $(date +%s) - t0 ))

		# make installcheck the PGXS way: installed in the chroot's
		# PostgreSQL, against a plain running server (no pg_cron preloaded)
		if [ -z "${NO_INSTALLCHECK:-}" ]; then
			t0=$(date +%s)
			echo "make installcheck (make install, a running server without pg_cron):"
			in_chroot "$c" "$v" 'cd /work/oktafdw && make -s install >/dev/null &&
				pg_virtualenv -t make installcheck; s=$?; make -s uninstall >/dev/null; exit $s' \
				> "$c/work/installcheck.log" 2>&1
			status=$?
			grep -E '^(ok|not ok) [0-9]+ |skipped' "$c/work/installcheck.log"
			ic_p=$(grep -cE '^ok [0-9]+ ' "$c/work/installcheck.log")
			ic_f=$(grep -cE '^not ok [0-9]+ ' "$c/work/installcheck.log")
			[ "$status" -ne 0 ] && [ "$ic_f" -eq 0 ] && { ic_f=1; tail -n 30 "$c/work/installcheck.log"; }
			p=$((p + ic_p))
			f=$((f + ic_f))
			note="$note; make installcheck: $ic_p passed, $ic_f failed"
			grep -q "^cron: skipped" "$c/work/installcheck.log" && note="$note (cron skipped: not preloaded)"
			[ -f "$c/work/oktafdw/regression.diffs" ] && note="$note, diffs in $c/work/oktafdw/regression.diffs"
			t_ic=$(( $(date +%s) - t0 ))
		fi
		unmount_chroot
	elif [ "$f" -eq 0 ]; then
		echo "could not mount /proc and /dev in $c"
		unmount_chroot
		f=$((f + 1))
	fi
	exec 9>&-

	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
	lines+=("PostgreSQL $v ($suite chroot): $([ "$f" -eq 0 ] && echo ok || echo FAILED): $p passed, $f failed$note [chroot ${made} ${t_chroot}s, build ${t_build}s, suite ${t_suite}s, installcheck ${t_ic}s]")
}

for v in $VERSIONS; do
	run_version "$v"
done

echo
printf '%s\n' "${lines[@]}"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
