#!/usr/bin/python3
"""The sync script a user would write instead of oktafdw: page through Okta's
users with urllib (Link: rel="next"), both listings (the plain one omits
DEPROVISIONED users), and COPY each page into a table with psycopg2, in one
transaction.  The table has the columns of oktafdw's imported users table, so
that the benchmark compares like with like (and checks the rows are equal).

    sync_users.py ORG_URL API_TOKEN CA_FILE TABLE

Connects with the libpq environment (PGHOST, PGPORT, ...).  Prints
"rows PAGES" on success.  Needs Debian's python3-psycopg2.
"""

import io
import json
import ssl
import sys
import urllib.parse
import urllib.request

import psycopg2

# column, type, JSON path (as oktafdw's IMPORT FOREIGN SCHEMA makes them)
TOP = ("id", "status", "created", "activated", "statusChanged", "lastLogin", "lastUpdated",
       "passwordChanged", "transitioningToStatus")
PROFILE = ("login", "email", "secondEmail", "firstName", "lastName", "middleName",
           "honorificPrefix", "honorificSuffix", "title", "displayName", "nickName",
           "profileUrl", "primaryPhone", "mobilePhone", "streetAddress", "city", "state",
           "zipCode", "countryCode", "postalAddress", "preferredLanguage", "locale", "timezone",
           "userType", "employeeNumber", "costCenter", "organization", "division", "department",
           "managerId", "manager")
TIMESTAMPS = {"created", "activated", "statusChanged", "lastLogin", "lastUpdated",
              "passwordChanged"}


def snake(name):
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


COLUMNS = ([(snake(n), "timestamptz" if n in TIMESTAMPS else "text") for n in TOP]
           + [("type_id", "text")]
           + [(snake(n), "text") for n in PROFILE]
           + [("profile", "jsonb")])

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_value(value):
    """One field in COPY's text format."""
    if value is None:
        return "\\N"
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value.translate(_ESCAPES)


def row_text(user):
    profile = user.get("profile") or {}
    fields = [user.get(n) for n in TOP]
    fields.append((user.get("type") or {}).get("id"))
    fields.extend(profile.get(n) for n in PROFILE)
    fields.append(profile)
    return "\t".join(copy_value(f) for f in fields) + "\n"


def next_link(headers):
    for value in headers.get_all("link") or []:
        for part in value.split(","):
            url, _, params = part.partition(";")
            if 'rel="next"' in params.replace(" ", ""):
                return url.strip().lstrip("<").rstrip(">")
    return None


def pages(org_url, token, context, query):
    url = org_url + "/api/v1/users?" + query
    while url:
        req = urllib.request.Request(url, headers={"Authorization": "SSWS " + token,
                                                   "Accept": "application/json"})
        with urllib.request.urlopen(req, context=context, timeout=60) as resp:
            body = resp.read()
            url = next_link(resp.headers)
        yield json.loads(body)


def main(argv):
    org_url, token, ca_file, table = argv[1:5]
    context = ssl.create_default_context(cafile=ca_file)
    conn = psycopg2.connect("")
    rows = n_pages = 0
    with conn:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS %s (%s)"
                        % (table, ", ".join("%s %s" % c for c in COLUMNS)))
            cur.execute("TRUNCATE %s" % table)
            deprovisioned = urllib.parse.urlencode({"filter": 'status eq "DEPROVISIONED"',
                                                    "limit": "200"})
            for query in ("limit=200", deprovisioned):
                for users in pages(org_url, token, context, query):
                    n_pages += 1
                    rows += len(users)
                    cur.copy_expert("COPY %s FROM STDIN" % table,
                                    io.StringIO("".join(row_text(u) for u in users)))
    conn.close()
    print(rows, n_pages)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
