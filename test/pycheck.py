"""The checks of the Python test scripts (test/doc_links.py, test/meta.py):
each script works from the repository's root, counts its checks with
check(), and ends with done(), which prints `N passed, N failed` (the line
make test sums up) and exits 1 when any check failed.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)

_counts = {"passed": 0, "failed": 0}


def check(ok, what, verbose=False):
    """Count one check; a failed one prints `FAILED: what` (a passed one
    `ok: what` when verbose)."""
    if ok:
        _counts["passed"] += 1
        if verbose:
            print("ok: " + what)
    else:
        _counts["failed"] += 1
        print("FAILED: " + what)
    return ok


def done():
    print("%d passed, %d failed" % (_counts["passed"], _counts["failed"]))
    sys.exit(1 if _counts["failed"] else 0)
