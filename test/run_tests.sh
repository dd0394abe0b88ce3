#!/bin/bash
# make test: client unit tests, simulator self-tests, then the pg_regress
# suite against a throwaway cluster (pg_virtualenv) and the Okta simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=/usr/bin/python3
USERS=${OKTA_SIM_USERS:-10000}

status=0
step() { printf '\n=== %s ===\n' "$*"; }
OUT=$(mktemp /tmp/oktafdw-test-out.XXXXXX)

# ONLY_REGRESS=1 skips straight to the regression tests (while developing)
if [ -z "${ONLY_REGRESS:-}" ]; then
	step "client unit tests"
	make -s unit 2>&1 | tee -a "$OUT" || status=1

	step "fuzz smoke (libFuzzer, ${FUZZ_SMOKE_SECONDS:-8}s per harness)"
	make -s fuzz-smoke 2>&1 | tee -a "$OUT" || status=1

	step "simulator self-tests"
	test/sim/run_tests.sh 2>&1 | tee -a "$OUT" || status=1
fi

step "regression tests (pg_regress, ${USERS}-user simulated org)"
WORK=$(mktemp -d /tmp/oktafdw-test.XXXXXX)
chmod 755 "$WORK"
SIM_PID=
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	rm -rf "$WORK"
	rm -f "$OUT"
}
trap cleanup EXIT
"$PY" test/sim/oktasim.py init "$WORK/org" --users "$USERS" >/dev/null
"$PY" test/sim/oktasim.py serve "$WORK/org" --port 0 &
SIM_PID=$!
for _ in $(seq 1 100); do
	[ -s "$WORK/org/port" ] && break
	sleep 0.1
done
[ -s "$WORK/org/port" ] || { echo "simulator did not start"; exit 1; }
export OKTA_SIM_DIR="$WORK/org"
export OKTA_SIM_URL="https://localhost:$(cat "$WORK/org/port")"
export OKTA_SIM_CTL="$PY $ROOT/test/sim/oktasim.py ctl $WORK/org"

# Install into a private tree that the test cluster loads from
# (extension_destdir, Debian's PostgreSQL): no root needed, and parallel runs
# of different work trees do not see each other's builds.
make -s install DESTDIR="$WORK/inst" >/dev/null
chmod -R a+rX "$WORK/inst"
# A private cluster (-t: in a temporary directory even as root, so runs do
# not collide); the server runs as postgres.  pg_regress writes its results
# under $WORK.  REGRESS=... picks tests (setup always runs first).
mkdir -p "$WORK/regress"
chmod 777 "$WORK/regress"
regress_args=()
[ -n "${REGRESS:-}" ] && regress_args=("REGRESS=setup ${REGRESS#setup }")
if pg_virtualenv -t -o "extension_destdir=$WORK/inst" make -s installcheck "${regress_args[@]}" \
		REGRESS_OPTS="--inputdir=. --outputdir=$WORK/regress" 2>&1 | tee -a "$OUT"; then :; else
	status=1
	if [ -f "$WORK/regress/regression.diffs" ]; then
		cp "$WORK/regress/regression.diffs" regression.diffs
		head -n 300 regression.diffs
		echo "(full diff in regression.diffs)"
	fi
fi

# one closing line for everything: the suites' own counts, plus one per
# pg_regress test
passed=0 failed=0
while read -r p f; do
	passed=$((passed + p)); failed=$((failed + f))
done < <(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*$/\1 \2/p' "$OUT")
passed=$((passed + $(grep -cE '^(ok|test) .* ok ' "$OUT" || true)))
failed=$((failed + $(grep -cE '^(not ok|test) .* FAILED' "$OUT" || true)))
[ $status -eq 0 ] || [ $failed -gt 0 ] || failed=1
echo
echo "$passed passed, $failed failed"
[ $status -eq 0 ] && [ $failed -eq 0 ]
