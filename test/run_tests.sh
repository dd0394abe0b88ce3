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

step "client unit tests"
make -s unit 2>&1 | tee -a "$OUT" || status=1

step "simulator self-tests"
test/sim/run_tests.sh 2>&1 | tee -a "$OUT" || status=1

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

if [ "$(id -u)" = 0 ]; then
	make -s install >/dev/null
else
	echo "not root: assuming 'sudo make install' was run"
fi
# the cluster runs as postgres; pg_regress writes results/ here
if pg_virtualenv make -s installcheck 2>&1 | tee -a "$OUT"; then :; else
	status=1
	[ -f regression.diffs ] && head -n 200 regression.diffs
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
