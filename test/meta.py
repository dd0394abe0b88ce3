#!/usr/bin/python3
"""META.json against the PGXN Meta Spec v1.0.0 (https://pgxn.org/spec/),
and `make dist`: the zip PGXN takes.

The spec's required keys and their types, the optional keys' types,
custom keys only with an x_ prefix, semantic versions, and oktafdw's own
agreements: META.json's version = the control file's default_version =
OKTAFDW_VERSION_STR (src/client/okta_client.h), the provided extension's
file exists.  Then `make dist` into a temporary directory: a zip whose one
top folder is oktafdw-VERSION/, holding META.json, the control file, the
Makefile, sql/ and src/.  Prints `N passed, N failed`.

    /usr/bin/python3 test/meta.py
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pycheck import check as count_check, done  # noqa: E402 (it makes the root the working directory)


def check(ok, what):
    return count_check(ok, what, verbose=True)


# semantic versions as the spec has them (semver 1.0.0: MAJOR.MINOR.PATCH
# and an optional prerelease tag)
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)([A-Za-z][0-9A-Za-z-]*)?$")
# the licenses the spec names
LICENSES = {"agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd",
            "freebsd", "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1",
            "lgpl_3_0", "mit", "mozilla_1_0", "mozilla_1_1", "openssl", "perl_5",
            "postgresql", "qpl_1_0", "ssleay", "sun", "zlib", "open_source",
            "restricted", "unrestricted", "unknown"}
KNOWN = {"name", "abstract", "description", "version", "maintainer", "license", "provides",
         "no_index", "prereqs", "resources", "generated_by", "tags", "release_status",
         "meta-spec"}


def is_str(v):
    return isinstance(v, str) and v.strip() != ""


def is_version(v):
    return isinstance(v, str) and (v == "0" or SEMVER.match(v) is not None)


try:
    with open("META.json", encoding="utf-8") as f:
        meta = json.load(f)
    check(isinstance(meta, dict), "META.json is a JSON object")
except (OSError, ValueError) as e:
    check(False, "META.json is readable JSON (%s)" % e)
    meta = {}

# required keys
check(is_str(meta.get("name")) and re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]+$", meta["name"]) is not None,
      "name: a string of at least two characters, no slash, backslash, space or control character")
check(is_str(meta.get("abstract")), "abstract: a string")
m = meta.get("maintainer")
check(is_str(m) or (isinstance(m, list) and m and all(is_str(x) for x in m)),
      "maintainer: a string or a list of strings")
check(is_version(meta.get("version")), "version: a semantic version")
lic = meta.get("license")
check((isinstance(lic, str) and lic in LICENSES)
      or (isinstance(lic, list) and lic and all(x in LICENSES for x in lic))
      or (isinstance(lic, dict) and lic and all(is_str(u) for u in lic.values())),
      "license: one of the spec's names, a list of them, or an object of name: URL")
prov = meta.get("provides")
check(isinstance(prov, dict) and prov and all(
    isinstance(p, dict) and is_version(p.get("version"))
    and all(is_str(p[k]) for k in ("file", "abstract", "docfile") if k in p)
    and set(p) <= {"file", "version", "abstract", "docfile"} | {k for k in p if k.lower().startswith("x_")}
    for p in prov.values()),
    "provides: extensions, each with a semantic version and string file/abstract/docfile")
ms = meta.get("meta-spec")
check(isinstance(ms, dict) and ms.get("version") == "1.0.0" and is_str(ms.get("url", "x")),
      "meta-spec: version 1.0.0 (and a url string)")

# optional keys, when present
check(all(k in KNOWN or k.lower().startswith("x_") for k in meta),
      "no keys but the spec's and x_ custom ones (%s)" % ", ".join(sorted(set(meta) - KNOWN)))
check("description" not in meta or is_str(meta["description"]), "description: a string")
check("generated_by" not in meta or is_str(meta["generated_by"]), "generated_by: a string")
check("tags" not in meta or (isinstance(meta["tags"], list) and all(
    is_str(t) and len(t) <= 255 for t in meta["tags"])), "tags: a list of strings of 255 characters or fewer")
check(meta.get("release_status", "stable") in ("stable", "testing", "unstable"),
      "release_status: stable, testing or unstable")
res = meta.get("resources", {})
check(isinstance(res, dict) and set(k for k in res if not k.lower().startswith("x_"))
      <= {"homepage", "bugtracker", "repository"}, "resources: homepage, bugtracker, repository only")
pre = meta.get("prereqs", {})
check(isinstance(pre, dict) and all(
    phase in ("configure", "build", "test", "runtime", "develop") and isinstance(rels, dict)
    and all(rel in ("requires", "recommends", "suggests", "conflicts") and isinstance(deps, dict)
            and all(is_version(v) for v in deps.values())
            for rel, deps in rels.items())
    for phase, rels in pre.items()), "prereqs: phases, relations and version strings as the spec has them")
no_index = meta.get("no_index", {})
check(isinstance(no_index, dict) and all(k in ("file", "directory") and isinstance(v, list)
                                         for k, v in no_index.items()), "no_index: file and directory lists")

# oktafdw's own agreements
with open("oktafdw.control", encoding="utf-8") as f:
    control = re.search(r"^default_version\s*=\s*'([^']*)'", f.read(), re.M)
with open("src/client/okta_client.h", encoding="utf-8") as f:
    cver = re.search(r'^#define OKTAFDW_VERSION_STR "([^"]*)"', f.read(), re.M)
version = meta.get("version")
check(control is not None and control.group(1) == version,
      "version %s = oktafdw.control's default_version %s" % (version, control and control.group(1)))
check(cver is not None and cver.group(1) == version,
      "version %s = OKTAFDW_VERSION_STR %s" % (version, cver and cver.group(1)))
ext = prov.get("oktafdw") if isinstance(prov, dict) else None
check(isinstance(ext, dict) and ext.get("version") == version and os.path.isfile(ext.get("file", "")),
      "provides oktafdw at version %s, from a file that exists" % version)
check(meta.get("prereqs", {}).get("runtime", {}).get("requires", {}).get("PostgreSQL") == "15.0.0",
      "runtime requires PostgreSQL 15.0.0")
check(meta.get("license") == "postgresql" and os.path.isfile("LICENSE")
      and "PostgreSQL License" in open("LICENSE", encoding="utf-8").read(),
      "license postgresql, as LICENSE says")

# make dist: the zip PGXN takes
with tempfile.TemporaryDirectory() as tmp:
    zpath = os.path.join(tmp, "oktafdw-%s.zip" % version)
    r = subprocess.run(["make", "-s", "dist", "DIST=" + zpath], capture_output=True, text=True)
    check(r.returncode == 0 and os.path.isfile(zpath),
          "make dist makes oktafdw-%s.zip%s" % (version, "" if r.returncode == 0 else ": " + r.stderr.strip()))
    names = []
    if os.path.isfile(zpath):
        with zipfile.ZipFile(zpath) as z:
            names = z.namelist()
            check(z.testzip() is None, "the zip reads back without a CRC error")
    top = "oktafdw-%s/" % version
    check(names and all(n.startswith(top) for n in names), "every entry under one top folder %s" % top)
    for need in ("META.json", "oktafdw.control", "Makefile", "LICENSE", "README.md",
                 "sql/oktafdw--0.1.0.sql", "sql/oktafdw--0.1.0--0.2.0.sql", "src/oktafdw.c",
                 "src/client/okta_client.h", "test/fuzz/fuzz.mk", "CONTRIBUTING.md", "CHANGELOG.md",
                 "doc/tables.svg"):
        check(top + need in names, "the zip holds %s" % need)
    # everything git tracks goes in (nothing needed to build left out)
    tracked = subprocess.run(["git", "ls-tree", "-r", "--name-only", "HEAD"],
                             capture_output=True, text=True).stdout.split()
    missing = [t for t in tracked if top + t not in names]
    check(tracked and not missing, "the zip holds every file of HEAD (%d)%s" % (
        len(tracked), "; missing: " + " ".join(missing[:5]) if missing else ""))
    # what PGXN's client does with it: unpack, make, make install
    if names:
        with zipfile.ZipFile(zpath) as z:
            z.extractall(tmp)
        src = os.path.join(tmp, top.rstrip("/"))
        r = subprocess.run(["make", "-s", "-C", src], capture_output=True, text=True)
        check(r.returncode == 0 and os.path.isfile(os.path.join(src, "oktafdw.so")),
              "the zip builds with make%s" % ("" if r.returncode == 0 else ": " + r.stderr[-300:]))
        dest = os.path.join(tmp, "inst")
        r = subprocess.run(["make", "-s", "-C", src, "install", "DESTDIR=" + dest],
                           capture_output=True, text=True)
        installed = [os.path.join(dp, f) for dp, _, fs in os.walk(dest) for f in fs]
        check(r.returncode == 0 and any(f.endswith("/oktafdw.so") for f in installed)
              and any(f.endswith("/oktafdw.control") for f in installed)
              and any(f.endswith("/oktafdw--0.1.0--0.2.0.sql") for f in installed),
              "make install from the zip installs the module, control file and scripts")

done()
