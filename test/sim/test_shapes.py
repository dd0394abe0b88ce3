#!/usr/bin/python3
"""Shape tests: the simulator's responses against real recorded Okta responses
($OKTA_SHARED/okta-samples/recorded.jsonl) and against Okta's OpenAPI `User`
and `Group` schemas ($OKTA_SHARED/okta-openapi/management.yaml).

Compared: key sets (top level, profile, credentials, _links), null-vs-absent
conventions, timestamp format, header names, Link header syntax, error bodies,
token responses, the user schema document.  Schema deviations that real Okta
itself shows in the recordings (e.g. a null group description) are tolerated.
"""

import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import testlib as T     # noqa: E402

checks = T.Checks()
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
LINK_RE = re.compile(r'^<https://[^<>\s]+>; rel="(self|next)"$')
ERROR_ID_RE = re.compile(r"^oae[A-Za-z0-9_-]{10,}$")
USER_TIMESTAMPS = ("created", "activated", "statusChanged", "lastLogin", "lastUpdated",
                   "passwordChanged")
GROUP_TIMESTAMPS = ("created", "lastUpdated", "lastMembershipUpdated")
# Headers the recordings carry that a local HTTP/1.1 server need not send.
IGNORED_HEADERS = {"content-encoding"}
# Properties the simulator sends that the recordings happen not to show, with why.
DOCUMENTED_EXTRAS = {
    "transitioningToStatus",   # in the OpenAPI User schema; only sent while transitioning
}


# --------------------------------------------------------------------------
# Recorded samples
# --------------------------------------------------------------------------

def classify(sample):
    """A name for what a recorded exchange shows, or None."""
    path = urllib.parse.urlsplit(sample["uri"]).path
    method, status = sample["method"], sample["status"]
    parts = path.strip("/").split("/")
    if status == 429:
        return "429"
    if path == "/oauth2/v1/token":
        body = json.loads(sample["body"])
        return "token_200" if status == 200 else "token_" + body.get("error", "?")
    if method != "GET":
        return "error_%d" % status if status >= 400 else None
    if parts[:3] == ["api", "v1", "users"]:
        kind = {3: "users_list", 4: "user", 5: "user_groups"}.get(len(parts))
    elif parts[:3] == ["api", "v1", "groups"]:
        kind = {3: "groups_list", 4: "group", 5: "group_users"}.get(len(parts))
    elif path == "/api/v1/meta/schemas/user/default":
        kind = "schema"
    else:
        return None
    return kind if status == 200 else "%s_%d" % (kind, status)


def load_samples(shared):
    samples = {}
    with open(os.path.join(shared, "okta-samples", "recorded.jsonl"), encoding="utf-8") as f:
        for line in f:
            sample = json.loads(line)
            kind = classify(sample)
            if kind:
                samples.setdefault(kind, []).append(sample)
    return samples


def body_of(sample):
    return json.loads(sample["body"]) if sample["body"] else None


def items_of(kind, samples):
    out = []
    for s in samples.get(kind, []):
        body = body_of(s)
        out.extend(body if isinstance(body, list) else [body])
    return out


# --------------------------------------------------------------------------
# OpenAPI schema validation (the subset the User/Group schemas use)
# --------------------------------------------------------------------------

class SchemaChecker:
    def __init__(self, spec):
        self.spec = spec

    def resolve(self, schema):
        while "$ref" in schema:
            name = schema["$ref"].split("/")[-1]
            schema = self.spec["components"]["schemas"][name]
        return schema

    def merged(self, schema):
        """Flatten allOf into one schema (properties, required, flags)."""
        schema = self.resolve(schema)
        if "allOf" not in schema:
            return schema
        out = {k: v for k, v in schema.items() if k != "allOf"}
        props = dict(out.get("properties", {}))
        required = list(out.get("required", []))
        for part in schema["allOf"]:
            part = self.merged(part)
            props.update(part.get("properties", {}))
            required.extend(part.get("required", []))
            for k in ("type", "nullable", "additionalProperties", "enum", "format", "items"):
                if k in part and k not in out:
                    out[k] = part[k]
        out["properties"] = props
        out["required"] = required
        return out

    def validate(self, value, schema, path="$"):
        """List of (path with [] for indexes, problem)."""
        schema = self.merged(schema)
        errors = []
        # a discriminated base (Application by signOnMode, UserFactor by
        # factorType): the mapped schema (allOf the base and its own part)
        disc = schema.get("discriminator") or {}
        if isinstance(value, dict) and value.get(disc.get("propertyName")) in \
                disc.get("mapping", {}):
            return self.validate(value, {"$ref": disc["mapping"][value[disc["propertyName"]]]},
                                 path)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [self.validate(value, opt, path) for opt in schema[key]]
                best = min(options, key=len)
                if best:
                    errors.extend(best)
                return errors
        if value is None:
            if not schema.get("nullable"):
                errors.append((path, "null not allowed"))
            return errors
        typ = schema.get("type")
        if typ is None and "properties" in schema:
            typ = "object"
        ok = {
            None: True,
            "string": isinstance(value, str),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "boolean": isinstance(value, bool),
            "array": isinstance(value, list),
            "object": isinstance(value, dict),
        }.get(typ, True)
        if not ok:
            errors.append((path, "type %s expected, got %s" % (typ, type(value).__name__)))
            return errors
        if "enum" in schema and value not in schema["enum"]:
            errors.append((path, "value %r not in enum" % (value,)))
        if schema.get("format") == "date-time" and isinstance(value, str) \
                and not TS_RE.match(value):
            errors.append((path, "timestamp format"))
        if isinstance(value, list) and "items" in schema:
            for item in value:
                errors.extend(self.validate(item, schema["items"], path + "[]"))
        if isinstance(value, dict):
            props = schema.get("properties", {})
            extra = schema.get("additionalProperties")
            for k, v in value.items():
                if k in props:
                    errors.extend(self.validate(v, props[k], path + "." + k))
                elif isinstance(extra, dict):
                    errors.extend(self.validate(v, extra, path + "." + k))
                elif not extra:
                    errors.append((path + "." + k, "property not in schema"))
            for k in schema.get("required", []):
                if k not in value:
                    errors.append((path + "." + k, "required property missing"))
        return errors


def load_spec(shared):
    import yaml
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(os.path.join(shared, "okta-openapi", "management.yaml"), encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)


# --------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------

def key_union(objs, key=None):
    out = set()
    for o in objs:
        sub = o.get(key) if key else o
        if isinstance(sub, dict):
            out |= set(sub)
    return out


def always_present(objs, key=None):
    """Keys present in every object (or sub-object)."""
    sets = [set(o.get(key) or {}) if key else set(o) for o in objs]
    return set.intersection(*sets) if sets else set()


def header_names(sample):
    return {h.lower() for h in sample["headers"]} - IGNORED_HEADERS


def compare_headers(name, samples, reply):
    want = set()
    for s in samples:
        want |= header_names(s)
    if any("link" not in header_names(s) for s in samples):
        want.discard("link")
    got = {k.lower() for k, _ in reply.headers}
    checks.check(name + ": header names", want <= got, "missing %s" % sorted(want - got))
    types = {s["headers"].get("content-type") for s in samples}
    checks.check(name + ": content-type as recorded", reply.header("Content-Type") in types,
                 "%r not in %r" % (reply.header("Content-Type"), types))
    for value in reply.header_all("link"):
        checks.check(name + ": link syntax", LINK_RE.match(value), value)
    if "link" in want:
        rels = [LINK_RE.match(v).group(1) for v in reply.header_all("link") if LINK_RE.match(v)]
        checks.check(name + ": self link first", rels[:1] == ["self"], rels)
    for h in ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"):
        checks.check(name + ": %s numeric" % h, (reply.header(h) or "").isdigit(), reply.header(h))


class Findings:
    """Collects problems per rule, then reports one check per rule."""

    def __init__(self, name):
        self.name = name
        self.rules = {}

    def expect(self, rule, ok, detail=""):
        found = self.rules.setdefault(rule, [])
        if not ok:
            found.append(detail)

    def report(self):
        for rule, problems in self.rules.items():
            checks.check("%s: %s" % (self.name, rule), not problems,
                         "%d objects, e.g. %s" % (len(problems), problems[:3]))


def compare_users(name, sim_users, recorded, single=False):
    """recorded: every recorded user object (any endpoint) for the conventions."""
    out = Findings(name)
    top = key_union(recorded)
    top_always = always_present(recorded)
    prof_always = always_present(recorded, "profile")
    cred_keys = key_union(recorded, "credentials")
    for u in sim_users:
        keys = set(u)
        out.expect("top-level keys are recorded ones", keys <= top | DOCUMENTED_EXTRAS,
                   sorted(keys - top - DOCUMENTED_EXTRAS))
        out.expect("always-recorded keys present", top_always <= keys, sorted(top_always - keys))
        for k in USER_TIMESTAMPS:
            out.expect("%s present (null, not absent)" % k, k in u, u.get("id"))
            out.expect("%s format" % k, u.get(k) is None or TS_RE.match(u[k]), u.get(k))
        for k in ("created", "lastUpdated"):
            out.expect("%s not null" % k, u.get(k) is not None, u.get("id"))
        out.expect("transitioningToStatus only while transitioning",
                   u.get("transitioningToStatus", "ACTIVE") in ("ACTIVE", "DEPROVISIONED",
                                                                "PROVISIONED"),
                   u.get("transitioningToStatus"))
        out.expect("profile keys always recorded are present", prof_always <= set(u["profile"]),
                   sorted(prof_always - set(u["profile"])))
        for k in ("login", "email"):
            out.expect("profile.%s is a string" % k, isinstance(u["profile"].get(k), str), u["id"])
        out.expect("credentials keys are recorded ones", set(u["credentials"]) <= cred_keys,
                   sorted(set(u["credentials"]) - cred_keys))
        out.expect("provider keys", sorted(u["credentials"]["provider"]) == ["name", "type"],
                   u["credentials"])
        if "_links" not in u:
            continue
        links = u["_links"]
        if single:
            allowed = key_union(recorded, "_links") | {"reactivate", "unsuspend", "unlock",
                                                       "activate"}
            out.expect("single-user _links rels", set(links) <= allowed,
                       sorted(set(links) - allowed))
            for rel, link in links.items():
                want = {"href", "method"} if rel not in ("self", "schema", "type") else {"href"}
                out.expect("link members", set(link) == want, (rel, link))
        else:
            out.expect("list _links is self only", list(links) == ["self"], list(links))
            out.expect("self link members", list(links["self"]) == ["href"], links["self"])
    out.report()


def compare_groups(name, sim_groups, recorded):
    out = Findings(name)
    top = key_union(recorded)
    order = list(recorded[0])
    logo = [sorted(x) for x in recorded[0]["_links"]["logo"]]
    for g in sim_groups:
        out.expect("group keys", set(g) == top, sorted(set(g) ^ top))
        out.expect("group key order", list(g) == order, list(g))
        for k in GROUP_TIMESTAMPS:
            out.expect("%s format" % k, TS_RE.match(g.get(k) or ""), g.get(k))
        out.expect("objectClass", isinstance(g["objectClass"], list) and g["objectClass"][0]
                   in ("okta:user_group", "okta:windows_security_principal"), g["objectClass"])
        out.expect("profile name/description present", {"name", "description"} <= set(g["profile"]),
                   g["profile"])
        links = g["_links"]
        want = set(recorded[0]["_links"]) | ({"source"} if g["type"] == "APP_GROUP" else set())
        out.expect("_links rels", set(links) == want, sorted(set(links) ^ want))
        out.expect("logo entries", [sorted(x) for x in links["logo"]] == logo, links["logo"])
    out.report()


def compare_error(name, sample, reply, exact_summary=False):
    want = body_of(sample)
    got = reply.json()
    checks.equal(name + ": status", reply.status, sample["status"])
    checks.equal(name + ": error keys", list(got), list(want))
    checks.check(name + ": errorId format", ERROR_ID_RE.match(got.get("errorId", "")),
                 got.get("errorId"))
    checks.equal(name + ": errorCode", got.get("errorCode"), want["errorCode"])
    checks.equal(name + ": errorLink", got.get("errorLink"), want["errorLink"])
    checks.equal(name + ": errorCauses", got.get("errorCauses"), [])
    if exact_summary:
        checks.equal(name + ": errorSummary", got.get("errorSummary"), want["errorSummary"])
    compare_headers(name, [sample], reply)


# --------------------------------------------------------------------------

def run(sim, samples, spec):
    ctx_http = sim.client()
    ssws = {"Authorization": "SSWS " + sim.api_token}
    users = sim.load_json("users.json")
    groups = sim.load_json("groups.json")

    def get(target, headers=ssws):
        return ctx_http.request("GET", target, headers)

    # ---- users ----
    all_users = (items_of("users_list", samples) + items_of("user", samples)
                 + items_of("group_users", samples))
    all_groups = (items_of("groups_list", samples) + items_of("group", samples)
                  + items_of("user_groups", samples))
    r = get("/api/v1/users?limit=10")
    compare_headers("users list", samples["users_list"], r)
    compare_users("users list", r.json(), all_users)
    r = get("/api/v1/users?filter=" + urllib.parse.quote('status eq "ACTIVE"'))
    compare_users("users filter", r.json(), all_users)
    # users.json is stored without _links (they depend on the port)
    compare_users("every user in users.json",
                  [dict(u, _links={"self": {"href": "-"}}) for u in users], all_users)
    by_status = {}
    for u in users:
        by_status.setdefault(u["status"], u)
    for status, u in sorted(by_status.items()):
        r = get("/api/v1/users/" + u["id"])
        compare_users("single %s user" % status, [r.json()], all_users, single=True)
    compare_headers("single user", samples["user"], r)
    r = get("/api/v1/users/" + urllib.parse.quote(users[0]["profile"]["login"], safe=""))
    checks.equal("single user by login", r.status, 200)

    uid = next(m["user_id"] for m in sim.load_json("memberships.json"))
    r = get("/api/v1/users/%s/groups" % uid)
    compare_headers("user groups", samples["user_groups"], r)
    compare_groups("user groups", r.json(), all_groups)

    # ---- groups ----
    r = get("/api/v1/groups")
    compare_headers("groups list", samples["groups_list"], r)
    compare_groups("groups list", r.json(), all_groups)
    recorded_self = samples["groups_list"][0]["headers"]["link"]
    checks.equal("groups list default self link",
                 r.header("link").replace(sim.base, "https://test.okta.com"), recorded_self)
    r = get("/api/v1/groups/" + groups[0]["id"])
    compare_headers("single group", samples["group"], r)
    compare_groups("single group", [r.json()], all_groups)
    gid = next(m["group_id"] for m in sim.load_json("memberships.json"))
    r = get("/api/v1/groups/%s/users" % gid)
    compare_headers("group users", samples["group_users"], r)
    compare_users("group users", r.json(), all_users)
    checks.equal("group users default self link",
                 r.header_all("link")[0].replace(sim.base, "https://test.okta.com")
                 .replace(gid, "GID"),
                 samples["group_users"][0]["headers"]["link"].replace(
                     urllib.parse.urlsplit(samples["group_users"][0]["uri"]).path.split("/")[4],
                     "GID"))

    # ---- errors ----
    compare_error("user 404", samples["user_404"][0], get("/api/v1/users/00uNOPE"))
    checks.equal("user 404 summary", get("/api/v1/users/00uNOPE").json()["errorSummary"],
                 "Not found: Resource not found: 00uNOPE (User)")
    r = get("/api/v1/groups/00gNOPE")
    compare_error("group 404", samples["group_404"][0], r)
    checks.equal("group 404 summary", r.json()["errorSummary"],
                 "Not found: Resource not found: 00gNOPE (UserGroup)")
    sim.ctl("rate-limit", "1")
    get("/api/v1/users/00uNOPE")
    r = get("/api/v1/users/00uNOPE")
    compare_error("429", samples["429"][0], r, exact_summary=True)
    checks.equal("429 remaining 0", r.header("X-Rate-Limit-Remaining"), "0")
    sim.ctl("reset")
    r = get("/api/v1/users", {"Authorization": "SSWS nope"})
    for err_sample in samples.get("error_401", [])[:1] + samples.get("error_403", [])[:1]:
        checks.equal("error body keys like recorded %d" % err_sample["status"],
                     list(r.json()), list(body_of(err_sample)))

    # ---- token endpoint ----
    key = sim.key("client-rsa.pem")
    a = T.assertion("0oaplain", key, sim.token_url, kid="k1")
    r = T.token_request(ctx_http, sim, a, scope="okta.users.read okta.groups.read")
    want = body_of(samples["token_200"][0])
    checks.equal("token keys/order", list(r.json()), list(want))
    checks.equal("token content-type", r.header("Content-Type"),
                 samples["token_200"][0]["headers"]["content-type"])
    checks.check("token_type Bearer", r.json()["token_type"] == "Bearer")
    dpop_key = T.new_dpop_key()
    r = T.token_request(ctx_http, sim, T.assertion("0oadpop", key, sim.token_url, kid="k1"),
                        dpop=T.dpop_proof(dpop_key, "POST", sim.token_url))
    checks.equal("use_dpop_nonce body", r.json(), body_of(samples["token_use_dpop_nonce"][0]))
    compare_headers("use_dpop_nonce", samples["token_use_dpop_nonce"], r)
    nonce = r.header("DPoP-Nonce")
    r = T.token_request(ctx_http, sim, T.assertion("0oadpop", key, sim.token_url, kid="k1"),
                        dpop=T.dpop_proof(dpop_key, "POST", sim.token_url, nonce=nonce))
    compare_headers("DPoP token", samples["token_200"], r)
    checks.equal("DPoP token keys/order", list(r.json()), list(want))
    checks.equal("DPoP token_type", r.json()["token_type"], want["token_type"])
    r = T.token_request(ctx_http, sim, T.assertion("0oadpop", key, sim.token_url, kid="k1"))
    checks.equal("missing proof body", r.json(), body_of(samples["token_invalid_dpop_proof"][0]))
    checks.equal("missing proof status", r.status, samples["token_invalid_dpop_proof"][0]["status"])
    compare_headers("missing proof", samples["token_invalid_dpop_proof"], r)

    # ---- user schema document ----
    tok = T.token_request(ctx_http, sim, T.assertion("0oaschema", key, sim.token_url, kid="k1"),
                          scope="okta.schemas.read").json()["access_token"]
    r = get("/api/v1/meta/schemas/user/default", {"Authorization": "Bearer " + tok})
    doc, rec = r.json(), body_of(samples["schema"][0])
    compare_headers("user schema", samples["schema"], r)
    checks.equal("schema top-level keys", list(doc), list(rec))
    checks.equal("schema definitions", sorted(doc["definitions"]), sorted(rec["definitions"]))
    rec_base = rec["definitions"]["base"]["properties"]
    checks.equal("schema base attributes", sorted(doc["definitions"]["base"]["properties"]),
                 sorted(rec_base))
    for name, prop in doc["definitions"]["base"]["properties"].items():
        checks.equal("schema base %s keys" % name, sorted(set(prop) - {"permissions"}),
                     sorted(set(rec_base[name]) - {"permissions"}))
    for name, prop in doc["definitions"]["custom"]["properties"].items():
        checks.check("schema custom %s members" % name,
                     {"title", "type", "mutability", "scope", "permissions"} <= set(prop), prop)
    checks.equal("schema properties", doc["properties"], rec["properties"])
    checks.equal("schema _links keys", sorted(doc["_links"]), sorted(rec["_links"]))

    # ---- OpenAPI ----
    schema_checks(sim, spec, samples, users, groups, get)
    apps_checks(sim, spec, get)
    log_checks(sim, spec, users, groups, get)


def schema_checks(sim, spec, samples, users, groups, get):
    checker = SchemaChecker(spec)
    user_schema = spec["components"]["schemas"]["User"]
    group_schema = spec["components"]["schemas"]["Group"]

    def tolerated(schema, objects):
        """Deviations real Okta itself shows in the recordings."""
        out = set()
        for o in objects:
            out |= set(checker.validate(o, schema))
        return out

    real_users = items_of("users_list", samples) + items_of("user", samples) + \
        items_of("group_users", samples)
    real_groups = items_of("groups_list", samples) + items_of("group", samples) + \
        items_of("user_groups", samples)
    user_ok, group_ok = tolerated(user_schema, real_users), tolerated(group_schema, real_groups)
    checks.check("recorded users mostly fit the OpenAPI schema", len(user_ok) <= 3, user_ok)
    checks.check("recorded groups mostly fit the OpenAPI schema", len(group_ok) <= 3, group_ok)

    served = get("/api/v1/users?limit=200").json()
    first_of_status = {}
    for u in users:
        first_of_status.setdefault(u["status"], u["id"])
    served += [get("/api/v1/users/" + uid).json() for uid in first_of_status.values()]
    problems = set()
    for u in served + [dict(u) for u in users]:
        problems |= set(checker.validate(u, user_schema)) - user_ok
    checks.check("users fit the OpenAPI User schema", not problems, sorted(problems)[:20])
    served_groups = get("/api/v1/groups").json()
    problems = set()
    for g in served_groups:
        problems |= set(checker.validate(g, group_schema)) - group_ok
    checks.check("groups fit the OpenAPI Group schema", not problems, sorted(problems)[:20])
    # the null description is the one real-Okta deviation we copy
    checks.check("null group description tolerated only because Okta sends it",
                 all(p[0] == "$.profile.description" for p in group_ok), group_ok)

    # sanity: the checker does catch problems
    bad = dict(users[0], status="ENABLED", bogus=1, created=5)
    found = {p for p in checker.validate(bad, user_schema)}
    checks.check("schema checker catches a bad enum, property and type",
                 {"$.status", "$.bogus", "$.created"} <= {p[0] for p in found}, found)


# OpenAPI schema -> its examples (their own deviations are tolerated, as the
# recordings' are for users): apps, app users and groups, factors, roles
APPS_SCHEMAS = {
    "Application": ("GetApplicationsByGroupResponseEx", "OpenidConnectResponseEx",
                    "BookmarkAppResponseEx", "AutoLoginAppResponseEx",
                    "BrowserPluginSwa3FieldResponseEx"),
    "AppUser": ("AppUserListEx",),
    "ApplicationGroupAssignment": ("GroupAssignmentExListResponse",),
    "UserFactor": ("ListFactorsResults",),
    "StandardRole": ("StandardRolesListResponse",),
    "CustomRole": ("StandardAndCustomRolesListResponse",),
    "RoleAssignedUsers": ("RoleAssignedUsersResponseExample",),
}


def _nested(value):
    """Every object inside a JSON value."""
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _nested(v)
    elif isinstance(value, list):
        for v in value:
            yield from _nested(v)


def apps_checks(sim, spec, get):
    """Apps, app users, app group assignments, factors, role assignments and
    role assignees against the OpenAPI schemas and the examples' conventions."""
    checker = SchemaChecker(spec)
    schemas = spec["components"]["schemas"]
    examples = spec["components"]["examples"]
    tolerated = {}
    for name, example_names in APPS_SCHEMAS.items():
        found = set()
        for ex in example_names:
            value = examples[ex]["value"]
            for item in (value if isinstance(value, list) else [value]):
                found |= set(checker.validate(item, schemas[name]))
        tolerated[name] = found
    # the app users embedded in the apps examples show null externalId/lastSync
    for item in _nested(examples["GetApplicationsByUserResponseEx"]["value"]):
        if {"scope", "syncState"} <= set(item):
            tolerated["AppUser"] |= set(checker.validate(item, schemas["AppUser"]))

    def fits(name, objects, schema=None):
        problems = set()
        for o in objects:
            problems |= set(checker.validate(o, schemas[schema or name])) - tolerated[name]
        checks.check("%d %s fit the OpenAPI schema" % (len(objects), name),
                     objects and not problems, sorted(problems)[:10])

    apps = get("/api/v1/apps?limit=200").json()
    fits("Application", apps)
    checks.check("apps' credentials as Okta sends them (client_secret of a confidential "
                 "OIDC client)", any("client_secret" in a["credentials"].get("oauthClient", {})
                                     for a in apps))
    checks.check("every app has users, groups, logo and appLinks links", all(
        {"users", "groups", "logo", "appLinks", "self"} <= set(a["_links"]) for a in apps))
    app_users, app_groups = [], []
    for a in apps:
        app_users += get("/api/v1/apps/%s/users?limit=500" % a["id"]).json()
        app_groups += get("/api/v1/apps/%s/groups?limit=200" % a["id"]).json()
    fits("AppUser", app_users)
    rec = examples["AppUserListEx"]["value"][0]
    order = [k for k in rec if k != "_embedded"]
    checks.check("AppUser member order of the example",
                 all(list(u) == order for u in app_users), list(app_users[0]))
    fits("ApplicationGroupAssignment", app_groups)
    rec = examples["GroupAssignmentExListResponse"]["value"][0]
    checks.check("group assignment members of the example", all(
        list(g) == [k for k in rec if k != "_embedded"] for g in app_groups), list(app_groups[0]))
    factors = []
    for f in sim.load_json("user_factors.json")[:200]:
        if not factors or factors[-1]["id"] != f["id"]:
            factors += [x for x in get("/api/v1/users/%s/factors" % f["user_id"]).json()
                        if x["id"] == f["id"]]
    fits("UserFactor", factors)
    roles = []
    for uid in sorted({r["user_id"] for r in sim.load_json("user_roles.json")}):
        roles += get("/api/v1/users/%s/roles" % uid).json()
    fits("StandardRole", [r for r in roles if r["type"] != "CUSTOM"])
    fits("CustomRole", [r for r in roles if r["type"] == "CUSTOM"])
    fits("RoleAssignedUsers", [get("/api/v1/iam/assignees/users?limit=2").json()])
    # sanity: the discriminator is followed (an OIDC app's own properties)
    bad = dict(apps[0], signOnMode="OPENID_CONNECT", name="not_oidc")
    found = {p[0] for p in checker.validate(bad, schemas["Application"])}
    checks.check("schema checker follows the discriminator", "$.name" in found, found)


# the eventTypes the org's changes must log (SPEC section 8 names the ones
# okta_sync reads: the membership ones and user.lifecycle.delete.completed)
CHANGE_EVENT_TYPES = {
    "user.lifecycle.create", "user.lifecycle.activate", "user.lifecycle.deactivate",
    "user.lifecycle.suspend", "user.lifecycle.unsuspend", "user.account.update_profile",
    "user.lifecycle.delete.initiated", "user.lifecycle.delete.completed",
    "group.lifecycle.create", "group.lifecycle.delete", "group.profile.update",
    "group.user_membership.add", "group.user_membership.remove"}
# Okta's events of asynchronous jobs (transaction type JOB) have no HTTP
# request behind them: LogClient's description says the client object is
# then blank; its members are sent as null, which the schema does not allow
JOB_CLIENT_NULLS = {("$.client.%s" % k, "null not allowed")
                    for k in ("userAgent", "device", "ipAddress", "geographicalContext")}


def log_checks(sim, spec, users, groups, get):
    """LogEvent objects from GET /api/v1/logs against the OpenAPI LogEvent
    schema and its ListLogs example (member order; the nulls the example
    shows are tolerated, as the recordings' deviations are for users)."""
    import json as _json
    import time as _time
    checker = SchemaChecker(spec)
    schema = spec["components"]["schemas"]["LogEvent"]
    example = spec["components"]["examples"]["ListLogs"]["value"]
    tolerated = set()
    for e in example:
        tolerated |= set(checker.validate(e, schema))
    checks.check("the OpenAPI example mostly fits LogEvent", len(tolerated) <= 20, tolerated)

    def ctl(action, *args):
        out = sim.control(action, *args)
        checks.equal("ctl %s" % action, out.returncode, 0)
        return _json.loads(out.stdout)
    started = _time.time()
    active = next(u for u in users if u["status"] == "ACTIVE")
    group = next(g for g in groups if g["type"] == "OKTA_GROUP")
    uid = ctl("user-create", "firstName=Shape", "lastName=Test")["id"]
    ctl("user-update", uid, "title=Shaped")
    ctl("member-add", group["id"], uid)
    ctl("member-remove", group["id"], uid)
    ctl("user-status", uid, "suspend")
    ctl("user-status", uid, "unsuspend")
    ctl("user-status", uid, "deactivate")
    ctl("user-delete", uid)
    gid = ctl("group-create", "Shape Group")["id"]
    ctl("group-rename", gid, "Shape Group 2")
    ctl("group-delete", gid)
    ctl("user-status", active["id"], "LOCKED_OUT")
    ctl("log-seed", "60", "days=3", "seed=1")

    def stamp(t):
        return _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime(t))
    r = get("/api/v1/logs?limit=1000&since=%s&until=%s" % (stamp(started - 4 * 86400),
                                                           stamp(_time.time() + 2)))
    checks.equal("logs status", r.status, 200)
    checks.equal("logs content-type", r.header("Content-Type"), "application/json")
    for value in r.header_all("link"):
        checks.check("logs link syntax", LINK_RE.match(value), value)
    for h in ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset",
              "x-okta-request-id", "date"):
        checks.check("logs header " + h, r.header(h), r.headers)
    events = r.json()
    types = {e["eventType"] for e in events}
    checks.check("every change's eventType is logged", CHANGE_EVENT_TYPES <= types,
                 sorted(CHANGE_EVENT_TYPES - types))
    out = Findings("LogEvent")
    order = [k for k in example[0] if k in schema["properties"]]
    for e in events:
        allowed = tolerated | (JOB_CLIENT_NULLS if e["transaction"]["type"] == "JOB" else set())
        problems = set(checker.validate(e, schema)) - allowed
        out.expect("fits the OpenAPI LogEvent schema", not problems, sorted(problems)[:5])
        out.expect("member order of the OpenAPI example", list(e) == order, list(e))
        out.expect("uuid, published, eventType, version, severity", all(
            isinstance(e.get(k), str) and e[k] for k in
            ("uuid", "published", "eventType", "version", "severity")), e.get("uuid"))
        out.expect("published format", TS_RE.match(e["published"]), e["published"])
        out.expect("actor id and type", isinstance(e["actor"].get("id"), str)
                   and isinstance(e["actor"].get("type"), str), e["actor"])
        out.expect("target[] members", all(
            list(t) == ["id", "type", "alternateId", "displayName", "detailEntry"]
            and isinstance(t["id"], str) for t in e["target"]), e["target"])
        out.expect("transaction type WEB or JOB", e["transaction"]["type"] in ("WEB", "JOB"),
                   e["transaction"])
        out.expect("ipChain empty only for jobs",
                   bool(e["request"]["ipChain"]) == (e["transaction"]["type"] == "WEB"),
                   e["request"])
    out.report()
    changes = [e for e in events if e["eventType"] in CHANGE_EVENT_TYPES]
    checks.check("change events target ids", all(
        {t["type"] for t in e["target"]} <= {"User", "UserGroup"} and e["target"]
        for e in changes), [e["target"] for e in changes[:3]])
    # sanity: the checker does catch problems in a LogEvent
    bad = dict(events[0], severity="LOUD", published=5, extra=1)
    found = {p[0] for p in checker.validate(bad, schema)}
    checks.check("schema checker catches bad LogEvent members",
                 {"$.severity", "$.published", "$.extra"} <= found, found)


def main():
    shared = T.shared_dir()
    if not os.path.isdir(shared):
        print("FAIL: shared reference data not found at %s (set OKTA_SHARED)" % shared)
        print("0 passed, 1 failed")
        return 1
    samples = load_samples(shared)
    needed = ("users_list", "user", "user_groups", "groups_list", "group", "group_users",
              "user_404", "group_404", "429", "token_200", "token_use_dpop_nonce",
              "token_invalid_dpop_proof", "schema")
    for kind in needed:
        checks.check("recorded sample of " + kind, kind in samples, sorted(samples))
    spec = load_spec(shared)
    sim = T.Sim(users=300, groups=30, seed=11)
    try:
        checks.run(run, sim, samples, spec)
    finally:
        sim.stop()
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
