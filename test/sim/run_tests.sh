#!/bin/sh
# Runs the Okta simulator's own tests; exits non-zero if any fails.
# Uses Debian's /usr/bin/python3 (stdlib + python3-cryptography + python3-yaml).
# OKTA_SHARED may point at the shared/ reference data (default: ../shared
# beside the repository root).
cd "$(dirname "$0")" || exit 1
PYTHON=${OKTASIM_PYTHON:-/usr/bin/python3}
status=0
for t in test_search.py test_sim.py test_shapes.py test_changes.py test_apps.py; do
    echo "== $t"
    "$PYTHON" "$t" || status=1
done
if [ "$status" -eq 0 ]; then echo "oktasim tests: all passed"; else echo "oktasim tests: FAILED"; fi
exit $status
