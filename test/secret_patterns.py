#!/usr/bin/python3
"""secret_patterns.py SIMLOG OUTDIR [FIRST_LINE]: the credentials the
simulator recorded (`oktasim.py serve --record-secrets`: "KIND VALUE" per
line) as grep -F pattern files in OUTDIR, one per class: access_tokens,
client_assertions, dpop_proofs, credentials_received.  A JWT also by its
payload and signature alone (its header is not secret: alg, kid, typ, the
public DPoP key); strings shorter than 16 characters are left out.  With
FIRST_LINE (1-based), only the lines from there on.  Used by test/secrets.sh
and test/demo_secrets.sh; prints nothing."""
import os
import sys

log, out = sys.argv[1], sys.argv[2]
first = int(sys.argv[3]) if len(sys.argv) > 3 else 1
files = {"access_token": "access_tokens", "client_assertion": "client_assertions",
         "client_secret": "client_assertions", "dpop_proof": "dpop_proofs",
         "authorization": "credentials_received"}
found = {name: set() for name in files.values()}
if os.path.exists(log):
    for n, line in enumerate(open(log, encoding="utf-8", errors="replace"), 1):
        kind, _, value = line.rstrip("\n").partition(" ")
        if n < first or kind not in files or not value:
            continue
        pats = found[files[kind]]
        pats.add(value)
        parts = value.split(".")
        if len(parts) == 3:
            pats.update(parts[1:])
for name, pats in found.items():
    with open(os.path.join(out, name), "w") as f:
        for p in sorted(pats):
            if len(p) >= 16:
                f.write(p + "\n")
