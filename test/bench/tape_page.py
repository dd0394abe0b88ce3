#!/usr/bin/python3
"""tape_page.py OUT: write an Okta-like users page for test/bench/tape_bench.c.

The page is what the simulator serves for GET /api/v1/users?limit=200: the
first 200 users (by id) of the org `oktasim.py init --users 2000 --groups 0`
generates (seed 42), each with its list `_links`, as a compact JSON array
(separators "," and ":", UTF-8 as is).  Deterministic: the same bytes on
every run.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sim"))

import sim_data  # noqa: E402


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: tape_page.py OUT\n")
        return 2
    org = sim_data.generate_org(2000, 0, 42)
    page = []
    for user in org["users"][:200]:
        out = dict(user)
        out["_links"] = {"self": {"href": "https://localhost:1234/api/v1/users/%s" % user["id"]}}
        page.append(out)
    with open(sys.argv[1], "wb") as f:
        f.write(json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
