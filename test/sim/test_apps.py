#!/usr/bin/python3
"""Behaviour of the apps, app users/groups, factors and admin-role endpoints:
scopes, paging (Link headers, limits), filters, 404s, rate buckets, the truth
files, and app users following group membership changes."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import testlib as T     # noqa: E402

checks = T.Checks()


class Ctx:
    def __init__(self, sim):
        self.sim = sim
        self.http = sim.client()
        self.ssws = {"Authorization": "SSWS " + sim.api_token}
        self.key = sim.key("client-rsa.pem")
        self.load()

    def load(self):
        for name in ("users", "groups", "memberships", "apps", "app_users", "app_groups",
                     "user_factors", "user_roles"):
            setattr(self, name, self.sim.load_json(name + ".json"))

    def get(self, target, headers=None):
        return self.http.request("GET", target, headers or self.ssws)

    def bearer(self, client_id, scope):
        reply = T.token_request(self.http, self.sim, T.assertion(
            client_id, self.key, self.sim.token_url, kid="k1"), scope=scope)
        return reply

    def follow(self, target, headers=None):
        """Every item of a Link-paged listing; (items, replies)."""
        items, replies = [], []
        while target:
            r = self.get(target, headers)
            assert r.status == 200, r
            replies.append(r)
            items.extend(r.json())
            nxt = r.links().get("next")
            target = nxt[len(self.sim.base):] if nxt else None
        return items, replies


def q(expression):
    return urllib.parse.quote(expression)


def error_is(name, reply, status, code, summary=None):
    checks.equal(name + " status", reply.status, status)
    body = reply.json() if reply.body else {}
    checks.equal(name + " errorCode", body.get("errorCode"), code)
    if summary is not None:
        checks.equal(name + " errorSummary", body.get("errorSummary"), summary)


def test_scopes(ctx):
    app = ctx.apps[0]["id"]
    uid = ctx.user_roles[0]["user_id"]
    plain = ctx.bearer("0oaplain", "okta.users.read okta.groups.read").json()["access_token"]
    for path, scope in (("/api/v1/apps", "okta.apps.read"),
                        ("/api/v1/apps/" + app, "okta.apps.read"),
                        ("/api/v1/apps/%s/users" % app, "okta.apps.read"),
                        ("/api/v1/apps/%s/groups" % app, "okta.apps.read"),
                        ("/api/v1/users/%s/roles" % uid, "okta.roles.read"),
                        ("/api/v1/iam/assignees/users", "okta.roles.read")):
        r = ctx.get(path, {"Authorization": "Bearer " + plain})
        error_is("no scope " + path, r, 403, "E0000006")
        www = r.header("WWW-Authenticate") or ""
        checks.check("insufficient_scope challenge " + path,
                     'error="insufficient_scope"' in www and 'scope="%s"' % scope in www, www)
    r = ctx.get("/api/v1/users/%s/factors" % uid, {"Authorization": "Bearer " + plain})
    checks.equal("factors need okta.users.read only", r.status, 200)
    r = ctx.bearer("0oaplain", "okta.apps.read")
    checks.equal("okta.apps.read not granted to 0oaplain", r.json().get("error"), "invalid_scope")
    r = ctx.bearer("0oaall", "okta.users.read okta.apps.read okta.roles.read")
    checks.equal("0oaall gets apps and roles", r.status, 200)
    tok = {"Authorization": "Bearer " + r.json()["access_token"]}
    for path in ("/api/v1/apps", "/api/v1/apps/%s/users" % app,
                 "/api/v1/users/%s/roles" % uid, "/api/v1/iam/assignees/users"):
        checks.equal("0oaall reads " + path, ctx.get(path, tok).status, 200)
    norole = ctx.bearer("0oanorole", "okta.users.read").json()["access_token"]
    r = ctx.get("/api/v1/users/%s/factors" % uid, {"Authorization": "Bearer " + norole})
    error_is("no admin role: factors", r, 403, "E0000006")


def test_apps_listing(ctx):
    want = [a["id"] for a in ctx.apps]
    checks.equal("apps.json ordered by id", want, sorted(want))
    modes = {a["sign_on_mode"] for a in ctx.apps}
    checks.check("several sign-on modes", {"SAML_2_0", "OPENID_CONNECT", "BOOKMARK",
                                            "AUTO_LOGIN", "BROWSER_PLUGIN"} <= modes, modes)
    checks.equal("statuses", {a["status"] for a in ctx.apps}, {"ACTIVE", "INACTIVE"})
    r = ctx.get("/api/v1/apps")
    checks.equal("default limit 20", len(r.json()), min(20, len(want)))
    items, replies = ctx.follow("/api/v1/apps?limit=7")
    checks.equal("paged apps = apps.json", [a["id"] for a in items], want)
    checks.equal("pages of 7", len(replies), (len(want) + 6) // 7)
    checks.check("self link first", all(r.header_all("link")[0].endswith('rel="self"')
                                        for r in replies))
    r = ctx.get("/api/v1/apps?limit=1000")
    checks.check("limit clamped to 200", "limit=200" in r.header_all("link")[0],
                 r.header_all("link"))
    error_is("limit 0", ctx.get("/api/v1/apps?limit=0"), 400, "E0000001")
    error_is("bad cursor", ctx.get("/api/v1/apps?after=nope"), 400, "E0000001")
    by_id = {a["id"]: a for a in ctx.apps}
    for a in items:
        checks.check("listed app = truth (no _links) " + a["id"],
                     {k: v for k, v in a.items() if k != "_links"} == by_id[a["id"]]["app"])
    one = ctx.get("/api/v1/apps/" + want[0])
    checks.equal("single app = listed one", one.json(), items[0])
    error_is("unknown app", ctx.get("/api/v1/apps/0oaNOPE"), 404, "E0000007",
             "Not found: Resource not found: 0oaNOPE (AppInstance)")
    for path in ("/api/v1/apps/0oaNOPE/users", "/api/v1/apps/0oaNOPE/groups"):
        error_is("unknown app " + path, ctx.get(path), 404, "E0000007")
    # credentials as Okta returns them: the FDW must leave them out
    secrets = [a for a in ctx.apps if a["app"]["credentials"].get("oauthClient", {})
               .get("client_secret")]
    checks.check("some OIDC apps carry credentials.oauthClient.client_secret", secrets)
    served = ctx.get("/api/v1/apps/" + secrets[0]["id"]).json()
    checks.check("served with its client_secret",
                 len(served["credentials"]["oauthClient"]["client_secret"]) >= 14)
    checks.check("a shared SWA account (credentials.userName, password {})", any(
        a["app"]["credentials"].get("password") == {} for a in ctx.apps))


def test_apps_filters(ctx):
    def ids(target):
        items, _ = ctx.follow(target)
        return [a["id"] for a in items]
    inactive = [a["id"] for a in ctx.apps if a["status"] == "INACTIVE"]
    checks.equal("status eq INACTIVE", ids("/api/v1/apps?limit=200&filter="
                                           + q('status eq "INACTIVE"')), inactive)
    checks.equal("filter values are case-sensitive",
                 ids("/api/v1/apps?filter=" + q('status eq "inactive"')), [])
    name = "oidc_client"
    checks.equal("name eq", ids("/api/v1/apps?limit=200&filter=" + q('name eq "%s"' % name)),
                 [a["id"] for a in ctx.apps if a["name"] == name])
    both = 'name eq "%s" and status eq "ACTIVE"' % name
    checks.equal("and", ids("/api/v1/apps?filter=" + q(both)),
                 [a["id"] for a in ctx.apps if a["name"] == name and a["status"] == "ACTIVE"])
    uid = ctx.app_users[0]["user_id"]
    checks.equal("user.id eq (direct and through groups)",
                 ids("/api/v1/apps?limit=200&filter=" + q('user.id eq "%s"' % uid)),
                 sorted({r["app_id"] for r in ctx.app_users if r["user_id"] == uid}))
    gid = ctx.app_groups[0]["group_id"]
    checks.equal("group.id eq", ids("/api/v1/apps?limit=200&filter=" + q('group.id eq "%s"' % gid)),
                 sorted({r["app_id"] for r in ctx.app_groups if r["group_id"] == gid}))
    kid = ctx.apps[0]["app"]["credentials"]["signing"].get("kid") or "none"
    checks.equal("credentials.signing.kid eq",
                 ids("/api/v1/apps?filter=" + q('credentials.signing.kid eq "%s"' % kid)),
                 [a["id"] for a in ctx.apps
                  if a["app"]["credentials"]["signing"].get("kid") == kid])
    for bad in ('label eq "Slack"', 'status sw "ACT"', 'status ne "ACTIVE"', 'status eq'):
        r = ctx.get("/api/v1/apps?filter=" + q(bad))
        checks.equal("refused filter %r" % bad, r.status, 400)
    label = ctx.apps[0]["label"]
    checks.equal("q: label prefix, case-insensitive",
                 ids("/api/v1/apps?limit=200&q=" + q(label[:4].lower())),
                 [a["id"] for a in ctx.apps
                  if a["label"].lower().startswith(label[:4].lower())
                  or a["name"].lower().startswith(label[:4].lower())])
    r = ctx.get("/api/v1/apps?limit=3&filter=" + q('status eq "ACTIVE"'))
    checks.check("next link keeps filter", "filter=status+eq+%22ACTIVE%22"
                 in r.links().get("next", ""), r.header_all("link"))


def test_app_users(ctx):
    users = {u["id"]: u for u in ctx.users}
    members = {}
    for m in ctx.memberships:
        members.setdefault(m["group_id"], set()).add(m["user_id"])
    direct_seen = group_seen = 0
    for app in ctx.apps:
        aid = app["id"]
        items, replies = ctx.follow("/api/v1/apps/%s/users?limit=500" % aid)
        rows = [r for r in ctx.app_users if r["app_id"] == aid]
        checks.equal("app users = truth " + aid, [(u["id"], u["scope"]) for u in items],
                     [(r["user_id"], r["scope"]) for r in rows])
        checks.check("no DEPROVISIONED app user " + aid,
                     all(users[u["id"]]["status"] != "DEPROVISIONED" for u in items))
        groups = [r["group_id"] for r in ctx.app_groups if r["app_id"] == aid]
        via = set().union(*(members.get(g, set()) for g in groups)) if groups else set()
        via = {u for u in via if users[u]["status"] != "DEPROVISIONED"}
        direct = {u["id"] for u in items if u["scope"] == "USER"}
        checks.equal("GROUP-scope users = members of its groups - direct " + aid,
                     {u["id"] for u in items if u["scope"] == "GROUP"}, via - direct)
        for u in items:
            checks.check("group link iff GROUP scope", ("group" in u["_links"])
                         == (u["scope"] == "GROUP"), u["_links"])
        direct_seen += len(direct)
        group_seen += len(items) - len(direct)
    checks.check("both scopes occur", direct_seen and group_seen, (direct_seen, group_seen))
    big = max(ctx.apps, key=lambda a: sum(r["app_id"] == a["id"] for r in ctx.app_users))["id"]
    r = ctx.get("/api/v1/apps/%s/users" % big)
    checks.equal("app users default limit 50", len(r.json()), 50)
    r = ctx.get("/api/v1/apps/%s/users?limit=100000" % big)
    checks.check("app users limit clamped to 500", "limit=500" in r.header_all("link")[0],
                 r.header_all("link"))
    row = next(r for r in ctx.app_users if r["app_id"] == big)
    r = ctx.get("/api/v1/apps/%s/users?q=%s" % (big, q(row["user_name"][:6])))
    checks.check("q on userName", row["user_id"] in [u["id"] for u in r.json()])


def test_app_groups(ctx):
    total = 0
    for app in ctx.apps:
        aid = app["id"]
        items, _ = ctx.follow("/api/v1/apps/%s/groups?limit=200" % aid)
        rows = [r for r in ctx.app_groups if r["app_id"] == aid]
        checks.equal("app groups = truth " + aid,
                     [(g["id"], g["priority"], g["lastUpdated"], g["profile"]) for g in items],
                     [(r["group_id"], r["priority"], r["last_updated"], r["profile"])
                      for r in rows])
        total += len(items)
    checks.check("groups assigned", total > 0)
    aid = ctx.app_groups[0]["app_id"]
    r = ctx.get("/api/v1/apps/%s/groups?limit=5" % aid)
    checks.check("app groups limit below 20 served as 20", "limit=20" in
                 r.header_all("link")[0], r.header_all("link"))
    r = ctx.get("/api/v1/apps/%s/groups?limit=999" % aid)
    checks.check("app groups limit clamped to 200", "limit=200" in r.header_all("link")[0])
    everyone = next(g["id"] for g in ctx.groups if g["type"] == "BUILT_IN")
    checks.check("Everyone assigned to an app",
                 any(r["group_id"] == everyone for r in ctx.app_groups))


def test_membership_moves_app_users(ctx):
    okta_groups = {g["id"] for g in ctx.groups if g["type"] == "OKTA_GROUP"}
    row = next(r for r in ctx.app_groups if r["group_id"] in okta_groups)
    aid, gid = row["app_id"], row["group_id"]
    have = {r["user_id"] for r in ctx.app_users if r["app_id"] == aid}
    uid = next(u["id"] for u in ctx.users if u["status"] == "ACTIVE" and u["id"] not in have)
    out = ctx.sim.control("member-add", gid, uid)
    checks.equal("member-add", out.returncode, 0)
    items, _ = ctx.follow("/api/v1/apps/%s/users?limit=500" % aid)
    got = {u["id"]: u for u in items}
    checks.check("new member is an app user", uid in got)
    checks.equal("through its group", got.get(uid, {}).get("scope"), "GROUP")
    checks.check("app_users.json follows", any(r["user_id"] == uid and r["app_id"] == aid
                                               for r in ctx.sim.load_json("app_users.json")))
    ctx.sim.control("member-remove", gid, uid)
    items, _ = ctx.follow("/api/v1/apps/%s/users?limit=500" % aid)
    checks.check("removed member is no app user", uid not in {u["id"] for u in items})
    checks.check("app_users.json follows removal", not any(
        r["user_id"] == uid and r["app_id"] == aid
        for r in ctx.sim.load_json("app_users.json")))


def test_factors(ctx):
    by_user = {}
    for f in ctx.user_factors:
        by_user.setdefault(f["user_id"], []).append(f)
    kinds = {f["factor_type"] for f in ctx.user_factors}
    checks.check("factor types", {"push", "token:software:totp", "sms", "webauthn"} <= kinds,
                 kinds)
    checks.equal("factor statuses", {f["status"] for f in ctx.user_factors},
                 {"ACTIVE", "PENDING_ACTIVATION"})
    without = [u["id"] for u in ctx.users if u["id"] not in by_user]
    checks.check("some users have no factor, most have some",
                 0 < len(without) < len(ctx.users) / 2, len(without))
    for uid in list(by_user)[:25] + without[:5]:
        r = ctx.get("/api/v1/users/%s/factors?limit=1" % uid)
        got = [(f["id"], f["factorType"], f["status"], f["profile"]) for f in r.json()]
        checks.equal("factors = truth " + uid, got, [
            (f["id"], f["factor_type"], f["status"], f["profile"]) for f in by_user.get(uid, [])])
        checks.equal("no paging", r.header_all("link"), [])
    pending = next(f for f in ctx.user_factors if f["status"] == "PENDING_ACTIVATION"
                   and f["factor_type"] == "token:software:totp")
    served = [f for f in ctx.get("/api/v1/users/%s/factors" % pending["user_id"]).json()
              if f["id"] == pending["id"]][0]
    checks.check("a pending TOTP shows its shared secret (_embedded.activation)",
                 served["_embedded"]["activation"]["sharedSecret"])
    error_is("factors of an unknown user", ctx.get("/api/v1/users/00uNOPE/factors"), 404,
             "E0000007", "Not found: Resource not found: 00uNOPE (User)")
    login = ctx.users[0]["profile"]["login"]
    error_is("factors by login", ctx.get("/api/v1/users/%s/factors" % q(login)), 404, "E0000007")


def test_roles(ctx):
    by_user = {}
    for r in ctx.user_roles:
        by_user.setdefault(r["user_id"], []).append(r)
    supers = [r for r in ctx.user_roles if r["type"] == "SUPER_ADMIN"]
    checks.equal("super admins direct and via a group",
                 {r["assignment_type"] for r in supers}, {"USER", "GROUP"})
    for uid, rows in by_user.items():
        got = ctx.get("/api/v1/users/%s/roles" % uid).json()
        checks.equal("roles = truth " + uid,
                      [(r["id"], r["type"], r["assignmentType"]) for r in got],
                      [(r["id"], r["type"], r["assignment_type"]) for r in rows])
        for r in got:
            want = "/api/v1/%s/" % ("users" if r["assignmentType"] == "USER" else "groups")
            checks.check("assignee link " + r["id"], want in r["_links"]["assignee"]["href"])
    nobody = next(u["id"] for u in ctx.users if u["id"] not in by_user)
    checks.equal("no roles", ctx.get("/api/v1/users/%s/roles" % nobody).json(), [])
    error_is("roles of an unknown user", ctx.get("/api/v1/users/00uNOPE/roles"), 404, "E0000007")
    # the users holding a role: body-paged {"value", "_links": {"next"}}
    seen, target, pages = [], "/api/v1/iam/assignees/users?limit=3", 0
    while target:
        r = ctx.get(target)
        checks.equal("assignees status", r.status, 200)
        checks.equal("assignees: no Link header", r.header_all("link"), [])
        body = r.json()
        seen.extend(v["id"] for v in body["value"])
        nxt = body["_links"].get("next", {}).get("href")
        target = nxt[len(ctx.sim.base):] if nxt else None
        pages += 1
    checks.equal("assignees = users in user_roles.json", seen, sorted(by_user))
    checks.equal("assignee pages of 3", pages, (len(by_user) + 2) // 3)
    r = ctx.get("/api/v1/iam/assignees/users")
    checks.equal("assignees default (100) page", len(r.json()["value"]), min(100, len(by_user)))


def test_buckets(ctx):
    ctx.sim.control("rate-limit", "2", "apps")
    aid = ctx.apps[0]["id"]
    statuses = [ctx.get(p).status for p in ("/api/v1/apps", "/api/v1/apps/%s/users" % aid,
                                            "/api/v1/apps/%s/groups" % aid)]
    checks.equal("/api/v1/apps* share the apps bucket", statuses, [200, 200, 429])
    r = ctx.get("/api/v1/apps/" + aid)
    checks.equal("apps bucket limit header", r.header("X-Rate-Limit-Limit"), "2")
    uid = ctx.user_roles[0]["user_id"]
    checks.equal("users bucket unaffected", ctx.get("/api/v1/users?limit=1").status, 200)
    ctx.sim.control("reset")
    ctx.sim.control("rate-limit", "2", "other")
    statuses = [ctx.get(p).status for p in ("/api/v1/users/%s/factors" % uid,
                                            "/api/v1/users/%s/roles" % uid,
                                            "/api/v1/iam/assignees/users")]
    checks.equal("factors, roles and assignees count in other", statuses, [200, 200, 429])
    ctx.sim.control("reset")
    status = json.loads(ctx.sim.control("status").stdout)
    checks.equal("ctl status apps", status.get("apps"), len(ctx.apps))


def test_deterministic():
    """The same seed gives the same apps, assignments, factors and roles."""
    dirs = [tempfile.mkdtemp(prefix="oktasim-apps-") for _ in range(2)]
    try:
        for d in dirs:
            subprocess.run([T.PYTHON, T.OKTASIM, "init", d, "--users", "60", "--groups", "12",
                            "--seed", "3", "--apps", "9"], check=True, stdout=subprocess.DEVNULL)
        for name in ("apps.json", "app_users.json", "app_groups.json", "user_factors.json",
                     "user_roles.json", "users.json"):
            with open(os.path.join(dirs[0], name), "rb") as f1, \
                    open(os.path.join(dirs[1], name), "rb") as f2:
                checks.check("deterministic " + name, f1.read() == f2.read())
        with open(os.path.join(dirs[0], "apps.json")) as f:
            checks.equal("--apps 9", len(json.load(f)), 9)
    finally:
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)


TESTS = (test_scopes, test_apps_listing, test_apps_filters, test_app_users, test_app_groups,
         test_membership_moves_app_users, test_factors, test_roles, test_buckets)


def main():
    started = time.time()
    checks.run(test_deterministic)
    sim = T.Sim(users=300, groups=30, seed=7)
    try:
        ctx = Ctx(sim)
        for test in TESTS:
            checks.run(test, ctx)
    finally:
        sim.stop()
    print("test_apps: %.1f s" % (time.time() - started))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
