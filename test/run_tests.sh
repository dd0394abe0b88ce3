#!/bin/bash
# make test: client unit tests, simulator self-tests, then the pg_regress
# suite against a throwaway cluster (pg_virtualenv) and the Okta simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${OKTA_SIM_USERS:-10000}

status=0
step() { printf '\n=== %s ===\n' "$*"; }
OUT=$(mktemp /tmp/oktafdw-test-out.XXXXXX)

# ONLY_REGRESS=1 skips straight to the regression tests (while developing)
if [ -z "${ONLY_REGRESS:-}" ]; then
	step "client unit tests"
	make -s unit 2>&1 | tee -a "$OUT" || status=1

	step "simulator self-tests"
	test/sim/run_tests.sh 2>&1 | tee -a "$OUT" || status=1
fi

step "regression tests (pg_regress, ${USERS}-user simulated org)"
. test/lib.sh
cleanup() {
	stop_env
	rm -f "$OUT"
}
trap cleanup EXIT
start_env "$USERS"
# pg_regress writes its results under $WORK.  REGRESS=... picks tests
# (setup always runs first).
mkdir -p "$WORK/regress"
chmod 777 "$WORK/regress"
regress_args=()
[ -n "${REGRESS:-}" ] && regress_args=("REGRESS=setup ${REGRESS#setup }")
# pg_cron runs the scheduled-refresh test's job in a background worker
if in_cluster -o shared_preload_libraries=pg_cron -o cron.database_name=contrib_regression \
		-o cron.use_background_workers=on \
		make -s installcheck "${regress_args[@]}" \
		REGRESS_OPTS="--inputdir=. --outputdir=$WORK/regress --dbname=contrib_regression" 2>&1 | tee -a "$OUT"; then :; else
	status=1
	if [ -f "$WORK/regress/regression.diffs" ]; then
		cp "$WORK/regress/regression.diffs" regression.diffs
		rm -rf results && cp -r "$WORK/regress/results" results
		head -n 300 regression.diffs
		echo "(full diff in regression.diffs)"
	fi
fi

if [ -z "${ONLY_REGRESS:-}" ]; then
	step "memory soak (smoke: 20 scans; make soak runs 200)"
	stop_env
	test/soak.sh 20 2>&1 | grep -E '^(soak:|[0-9]+ passed)' | tee -a "$OUT" || status=1
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
