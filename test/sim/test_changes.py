#!/usr/bin/python3
"""Tests of the org's changes made while serving (ctl user-*, group-*,
member-*, churn) and of the System Log (GET /api/v1/logs): each change's
effect on listings, search/filter, projection, expand=stats, timestamps and
the ground-truth files; the log's parameters (since/until, sortOrder, limit,
after, polling, filter, q, retention), its scope, bucket and publication
delay."""

import json
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import testlib as T     # noqa: E402

checks = T.Checks()
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
Q = urllib.parse.quote
DAY = 86400.0


def iso(epoch_s):
    ms = int(round(epoch_s * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def epoch(text):
    import calendar
    seconds = calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))
    return seconds + int(text[20:23]) / 1000.0


class Ctx:
    def __init__(self, sim):
        self.sim = sim
        self.http = sim.client()
        self.ssws = {"Authorization": "SSWS " + sim.api_token}
        self.everyone = next(g["id"] for g in sim.load_json("groups.json")
                             if g["type"] == "BUILT_IN")

    def get(self, target, headers=None):
        return self.http.request("GET", target, headers or self.ssws)

    def ctl(self, action, *args, ok=True):
        """A ctl action over HTTPS; its JSON reply (None when it failed and
        ok is False)."""
        out = self.sim.control(action, *args)
        if ok:
            if not checks.equal("ctl %s %s succeeds" % (action, " ".join(args)[:60]),
                                out.returncode, 0):
                print(out.stdout)
                return None
        elif out.returncode == 0:
            checks.check("ctl %s %s refused" % (action, " ".join(args)[:60]), False, out.stdout)
            return None
        return json.loads(out.stdout)

    def refused(self, action, *args):
        out = self.sim.control(action, *args)
        checks.check("ctl %s %s refused" % (action, " ".join(args)[:60]), out.returncode != 0,
                     out.stdout)
        return out.stdout

    def follow(self, target, headers=None):
        items, replies = [], []
        while target:
            reply = self.get(target, headers)
            replies.append(reply)
            if reply.status != 200:
                break
            items.extend(reply.json())
            nxt = reply.links().get("next")
            target = nxt[len(self.sim.base):] if nxt else None
            if len(replies) > 500:
                raise AssertionError("too many pages: %s" % target)
        return items, replies

    def user(self, uid):
        r = self.get("/api/v1/users/" + uid)
        return r.json() if r.status == 200 else None

    def group(self, gid):
        r = self.get("/api/v1/groups/" + gid)
        return r.json() if r.status == 200 else None

    def members(self, gid):
        return [u["id"] for u in self.follow("/api/v1/groups/%s/users?limit=200" % gid)[0]]

    def user_groups(self, uid):
        return [g["id"] for g in self.follow("/api/v1/users/%s/groups" % uid)[0]]

    def all_users(self):
        """Every served user: the plain listing and the DEPROVISIONED ones."""
        plain = self.follow("/api/v1/users?limit=200")[0]
        gone = self.follow("/api/v1/users?limit=200&filter=" + Q('status eq "DEPROVISIONED"'))[0]
        return plain + gone

    def events(self, query):
        """A bounded query's events (every page)."""
        items, replies = self.follow("/api/v1/logs?" + query)
        for r in replies:
            assert r.status == 200, r
        return items

    def recent(self, extra=""):
        """Events of the last hour, oldest first."""
        until = iso(time.time() + 5)
        return self.events("since=%s&until=%s&limit=1000%s" % (Q(iso(time.time() - 3600)),
                                                               Q(until), extra))


def a_user(ctx, status="ACTIVE", not_in=()):
    return next(u for u in ctx.sim.load_json("users.json")
                if u["status"] == status and u["id"] not in not_in)


def an_okta_group(ctx, without=None):
    members = {}
    for m in ctx.sim.load_json("memberships.json"):
        members.setdefault(m["group_id"], set()).add(m["user_id"])
    return next(g for g in ctx.sim.load_json("groups.json")
                if g["type"] == "OKTA_GROUP" and without not in members.get(g["id"], set()))


def truth_consistent(ctx, name):
    """The truth files describe exactly what is served."""
    users = ctx.sim.load_json("users.json")
    served = {u["id"]: {k: v for k, v in u.items() if k != "_links"} for u in ctx.all_users()}
    checks.equal(name + ": users.json ids = served ids", sorted(u["id"] for u in users),
                 sorted(served))
    checks.check(name + ": users.json objects = served", all(served.get(u["id"]) == u
                                                             for u in users))
    groups = ctx.sim.load_json("groups.json")
    sg = ctx.follow("/api/v1/groups")[0]
    checks.equal(name + ": groups.json = served", groups,
                 [{k: v for k, v in g.items() if k != "_links"} for g in sg])
    memberships = ctx.sim.load_json("memberships.json")
    listed = [{"group_id": g["id"], "user_id": uid} for g in sg for uid in ctx.members(g["id"])]
    checks.equal(name + ": memberships.json = served members", memberships, listed)
    stats = {g["id"]: g["_embedded"]["stats"]["usersCount"]
             for g in ctx.follow("/api/v1/groups?expand=stats")[0]}
    counts = {}
    for m in memberships:
        counts[m["group_id"]] = counts.get(m["group_id"], 0) + 1
    checks.check(name + ": expand=stats usersCount", all(stats[g] == counts.get(g, 0)
                                                         for g in stats), stats)


# --------------------------------------------------------------------------
# changes
# --------------------------------------------------------------------------

def test_user_create(ctx):
    before = ctx.group(ctx.everyone)
    everyone_count = len(ctx.members(ctx.everyone))
    started = iso(time.time() - 1)
    out = ctx.ctl("user-create", "firstName=Ada", "lastName=Quux Lovelace",
                  "login=ada.quux@example.com", "title=Chief  Engineer", "badgeNumber=42",
                  "skills=[\"SQL\", \"Go\"]", "isContractor=true")
    uid = out["id"]
    u = ctx.user(uid)
    checks.equal("new user status", u["status"], "ACTIVE")
    checks.equal("new user profile", {k: u["profile"].get(k) for k in (
        "firstName", "lastName", "login", "email", "title", "badgeNumber", "skills",
        "isContractor")}, {"firstName": "Ada", "lastName": "Quux Lovelace",
                           "login": "ada.quux@example.com", "email": "ada.quux@example.com",
                           "title": "Chief  Engineer", "badgeNumber": 42,
                           "skills": ["SQL", "Go"], "isContractor": True})
    checks.check("new user timestamps format", all(TS_RE.match(u[k]) for k in (
        "created", "activated", "statusChanged", "lastUpdated", "passwordChanged")), u)
    checks.check("activated after created", u["activated"] > u["created"], u)
    checks.equal("statusChanged = lastUpdated = activated",
                 {u["statusChanged"], u["lastUpdated"]}, {u["activated"]})
    checks.equal("passwordChanged = created", u["passwordChanged"], u["created"])
    checks.equal("lastLogin null", u["lastLogin"], None)
    checks.check("new user in the plain listing",
                 uid in [x["id"] for x in ctx.follow("/api/v1/users?limit=200")[0]])
    r = ctx.get("/api/v1/users?search=" + Q('profile.lastName eq "quux lovelace"'))
    checks.equal("new user found by search", [x["id"] for x in r.json()], [uid])
    r = ctx.get("/api/v1/users?q=quux")
    checks.equal("new user found by q", [x["id"] for x in r.json()], [uid])
    r = ctx.get("/api/v1/users?filter=" + Q('lastUpdated gt "%s"' % started))
    checks.check("new user found by filter lastUpdated gt", uid in [x["id"] for x in r.json()])
    r = ctx.get("/api/v1/users/ada.quux")
    checks.equal("new user by short login", r.json().get("id"), uid)
    r = ctx.get("/api/v1/users?filter=" + Q('id eq "%s"' % uid) + "&fields=id,profile:(title)")
    checks.equal("fields projection of the new user", r.json(),
                 [{"id": uid, "profile": {"title": "Chief  Engineer"}}])
    checks.equal("new user is in Everyone only", ctx.user_groups(uid), [ctx.everyone])
    checks.equal("Everyone has one more member", len(ctx.members(ctx.everyone)),
                 everyone_count + 1)
    after = ctx.group(ctx.everyone)
    checks.equal("Everyone's lastMembershipUpdated does not move",
                 after["lastMembershipUpdated"], before["lastMembershipUpdated"])
    checks.check("new user in users.json",
                 uid in [x["id"] for x in ctx.sim.load_json("users.json")])
    checks.check("new user in Everyone in memberships.json",
                 {"group_id": ctx.everyone, "user_id": uid}
                 in ctx.sim.load_json("memberships.json"))

    out = ctx.ctl("user-create", "status=STAGED")
    u = ctx.user(out["id"])
    checks.equal("STAGED user", (u["status"], u["activated"], u["statusChanged"]),
                 ("STAGED", None, None))
    checks.equal("STAGED lastUpdated = created", u["lastUpdated"], u["created"])
    out = ctx.ctl("user-create", '{"status": "PROVISIONED", "profile": {"firstName": "Pro", '
                  '"lastName": "Visioned", "login": "pro.visioned@example.com", '
                  '"email": "pv@example.net"}}')
    u = ctx.user(out["id"])
    checks.equal("PROVISIONED user from JSON", (u["status"], u["profile"]["email"],
                                                u["passwordChanged"]),
                 ("PROVISIONED", "pv@example.net", None))
    ctx.refused("user-create", "login=ADA.QUUX@example.com")       # taken, case-insensitively
    ctx.refused("user-create", "favouriteColour=blue")              # not in the schema
    ctx.refused("user-create", "badgeNumber=many")                  # not an integer
    ctx.refused("user-create", "status=SUSPENDED")
    ctx.refused("user-create", "firstName=null")


def test_user_update(ctx):
    u0 = a_user(ctx)
    uid = u0["id"]
    out = ctx.ctl("user-update", uid, "title=Head of Things", "department=R&D = fun",
                  "costCenterCode=null")
    checks.equal("changed attributes", sorted(out["changed"]),
                 sorted(["title", "department"] + (["costCenterCode"]
                                                   if u0["profile"].get("costCenterCode",
                                                                        0) is not None else [])))
    u = ctx.user(uid)
    checks.equal("updated profile", (u["profile"]["title"], u["profile"]["department"],
                                     u["profile"].get("costCenterCode")),
                 ("Head of Things", "R&D = fun", None))
    checks.check("lastUpdated moved", u["lastUpdated"] > u0["lastUpdated"], u["lastUpdated"])
    checks.equal("lastUpdated as reported", u["lastUpdated"], out["lastUpdated"])
    for k in ("created", "statusChanged", "activated", "status", "passwordChanged"):
        checks.equal("%s unchanged by a profile update" % k, u[k], u0[k])
    r = ctx.get("/api/v1/users?filter=" + Q('lastUpdated ge "%s"' % u["lastUpdated"]))
    checks.check("filter lastUpdated ge finds it", uid in [x["id"] for x in r.json()])
    r = ctx.get("/api/v1/users?search=" + Q('profile.department eq "r&d = FUN"'))
    checks.equal("search sees the new value", [x["id"] for x in r.json()], [uid])
    again = ctx.ctl("user-update", uid, "title=Head of Things")
    checks.equal("same value: nothing changes", again["changed"], [])
    checks.equal("same value: lastUpdated kept", ctx.user(uid)["lastUpdated"], u["lastUpdated"])
    out = ctx.ctl("user-update", uid, '{"hourlyRate": 12.5, "skills": ["a,b", "c"], '
                  '"nickName": "two  spaces x=y"}')
    u2 = ctx.user(uid)
    checks.equal("JSON update", (u2["profile"]["hourlyRate"], u2["profile"]["skills"],
                                 u2["profile"]["nickName"]),
                 (12.5, ["a,b", "c"], "two  spaces x=y"))
    checks.check("second update moves lastUpdated again", u2["lastUpdated"] > u["lastUpdated"])
    ctx.refused("user-update", uid, "badgeNumber=1.5x")
    ctx.refused("user-update", uid, "nope=1")
    ctx.refused("user-update", uid, "email=null")
    ctx.refused("user-update", "00uNOPE", "title=x")
    gone = a_user(ctx, "DEPROVISIONED")
    ctx.refused("user-update", gone["id"], "title=x")


def test_user_status(ctx):
    u0 = a_user(ctx, "ACTIVE", not_in=(a_user(ctx)["id"],))
    uid = u0["id"]
    groups0 = ctx.user_groups(uid)
    out = ctx.ctl("user-status", uid, "SUSPENDED")
    u = ctx.user(uid)
    checks.equal("suspended", (u["status"], out["eventType"]),
                 ("SUSPENDED", "user.lifecycle.suspend"))
    checks.check("statusChanged and lastUpdated moved",
                 u["statusChanged"] == u["lastUpdated"] > u0["lastUpdated"], u)
    checks.equal("activated kept", u["activated"], u0["activated"])
    checks.check("single user's _links follow the status", "unsuspend" in u["_links"], u["_links"])
    ctx.refused("user-status", uid, "SUSPENDED")            # already
    ctx.refused("user-status", uid, "LOCKED_OUT")           # not from SUSPENDED
    out = ctx.ctl("user-status", uid, "unsuspend")
    checks.equal("unsuspend by operation name", (ctx.user(uid)["status"], out["eventType"]),
                 ("ACTIVE", "user.lifecycle.unsuspend"))
    out = ctx.ctl("user-status", uid, "DEPROVISIONED")
    u = ctx.user(uid)
    checks.equal("deactivated", (u["status"], out["eventType"]),
                 ("DEPROVISIONED", "user.lifecycle.deactivate"))
    checks.check("DEPROVISIONED: not in the plain listing",
                 uid not in [x["id"] for x in ctx.follow("/api/v1/users?limit=200")[0]])
    r = ctx.follow("/api/v1/users?filter=" + Q('status eq "DEPROVISIONED"'))[0]
    checks.check("DEPROVISIONED: found by filter", uid in [x["id"] for x in r])
    r = ctx.follow("/api/v1/users?search=" + Q('id eq "%s"' % uid))[0]
    checks.equal("DEPROVISIONED: found by search", [x["status"] for x in r], ["DEPROVISIONED"])
    checks.equal("DEPROVISIONED: keeps its groups", ctx.user_groups(uid), groups0)
    checks.check("DEPROVISIONED: still listed in Everyone", uid in ctx.members(ctx.everyone))
    r = ctx.get("/api/v1/users?q=" + Q(u["profile"]["firstName"]) + "&limit=200")
    checks.check("DEPROVISIONED: not found by q", uid not in [x["id"] for x in r.json()])
    out = ctx.ctl("user-status", uid, "ACTIVE")
    u2 = ctx.user(uid)
    checks.equal("reactivated", (u2["status"], out["eventType"]),
                 ("ACTIVE", "user.lifecycle.activate"))
    checks.check("activated moved on activation", u2["activated"] > u0["activated"]
                 if u0["activated"] else u2["activated"] is not None, u2)
    ctx.ctl("user-status", uid, "LOCKED_OUT")
    out = ctx.ctl("user-status", uid, "ACTIVE")
    checks.equal("unlocked", out["eventType"], "user.account.unlock")
    ctx.ctl("user-status", uid, "PASSWORD_EXPIRED")
    out = ctx.ctl("user-status", uid, "ACTIVE")
    checks.check("password set: passwordChanged moved",
                 ctx.user(uid)["passwordChanged"] == out["lastUpdated"], out)
    staged = a_user(ctx, "STAGED")
    ctx.refused("user-status", staged["id"], "SUSPENDED")
    ctx.refused("user-status", staged["id"], "suspend")
    ctx.refused("user-status", staged["id"], "STAGED")
    ctx.refused("user-status", uid, "ENABLED")
    out = ctx.ctl("user-status", staged["id"], "PROVISIONED")
    checks.equal("STAGED -> PROVISIONED by activation", out["eventType"], "user.lifecycle.activate")


def test_user_delete(ctx):
    u0 = a_user(ctx, "ACTIVE", not_in=[u["id"] for u in ctx.sim.load_json("users.json")[:40]])
    uid = u0["id"]
    groups = ctx.user_groups(uid)
    lmu = {g: ctx.group(g)["lastMembershipUpdated"] for g in groups}
    everyone = len(ctx.members(ctx.everyone))
    out = ctx.ctl("user-delete", uid)
    checks.equal("delete of an ACTIVE user deactivates it", (out["deleted"],
                                                             ctx.user(uid)["status"]),
                 (False, "DEPROVISIONED"))
    out = ctx.ctl("user-delete", uid)
    checks.equal("delete of a DEPROVISIONED user", (out["deleted"], sorted(out["groups_left"])),
                 (True, sorted(groups)))
    checks.equal("deleted: 404", ctx.get("/api/v1/users/" + uid).status, 404)
    checks.equal("deleted: its groups 404", ctx.get("/api/v1/users/%s/groups" % uid).status, 404)
    checks.check("deleted: in no user listing", uid not in [x["id"] for x in ctx.all_users()])
    r = ctx.get("/api/v1/users?search=" + Q('id eq "%s"' % uid))
    checks.equal("deleted: not found by search", r.json(), [])
    checks.check("deleted: in no group", all(uid not in ctx.members(g) for g in groups))
    checks.equal("deleted: Everyone has one member less", len(ctx.members(ctx.everyone)),
                 everyone - 1)
    checks.equal("deleted: groups' lastMembershipUpdated unchanged",
                 {g: ctx.group(g)["lastMembershipUpdated"] for g in groups}, lmu)
    checks.check("deleted: not in users.json",
                 uid not in [u["id"] for u in ctx.sim.load_json("users.json")])
    checks.check("deleted: not in memberships.json",
                 all(m["user_id"] != uid for m in ctx.sim.load_json("memberships.json")))
    ctx.refused("user-delete", uid)


def test_groups(ctx):
    started = iso(time.time() - 1)
    out = ctx.ctl("group-create", "Sim Team Ω", "description=made here")
    gid = out["id"]
    g = ctx.group(gid)
    checks.equal("new group", (g["type"], g["objectClass"], g["profile"]),
                 ("OKTA_GROUP", ["okta:user_group"], {"name": "Sim Team Ω",
                                                      "description": "made here"}))
    checks.equal("new group: created = lastUpdated = lastMembershipUpdated",
                 {g["lastUpdated"], g["lastMembershipUpdated"]}, {g["created"]})
    checks.equal("new group has no members", ctx.members(gid), [])
    r = ctx.get("/api/v1/groups?filter=" + Q('lastUpdated gt "%s"' % started))
    checks.check("new group by filter lastUpdated gt", gid in [x["id"] for x in r.json()])
    r = ctx.get("/api/v1/groups?q=" + Q("sim team"))
    checks.equal("new group by q", [x["id"] for x in r.json()], [gid])
    out = ctx.ctl("group-create", "Nameless")
    checks.equal("description defaults to null", ctx.group(out["id"])["profile"]["description"],
                 None)
    ctx.refused("group-create", "sim team ω")                  # name taken
    ctx.refused("group-create", "")

    out = ctx.ctl("group-rename", gid, "Sim Team Renamed")
    g2 = ctx.group(gid)
    checks.equal("renamed", (g2["profile"]["name"], out["action"]),
                 ("Sim Team Renamed", "group-rename"))
    checks.check("rename moves lastUpdated", g2["lastUpdated"] > g["lastUpdated"])
    checks.equal("rename keeps lastMembershipUpdated", g2["lastMembershipUpdated"],
                 g["lastMembershipUpdated"])
    r = ctx.get("/api/v1/groups?search=" + Q('profile.name eq "sim team renamed"'))
    checks.equal("search sees the new name", [x["id"] for x in r.json()], [gid])
    ctx.ctl("group-update", gid, "description=null")
    checks.equal("group-update description", ctx.group(gid)["profile"]["description"], None)

    u = a_user(ctx)
    uid = u["id"]
    u_before = ctx.user(uid)
    out = ctx.ctl("member-add", gid, uid)
    g3 = ctx.group(gid)
    checks.check("member-add moves lastMembershipUpdated",
                 g3["lastMembershipUpdated"] == out["lastMembershipUpdated"]
                 > g2["lastMembershipUpdated"], g3)
    checks.equal("member-add keeps the group's lastUpdated", g3["lastUpdated"],
                 ctx.group(gid)["lastUpdated"])
    checks.equal("member-add keeps the user's lastUpdated", ctx.user(uid)["lastUpdated"],
                 u_before["lastUpdated"])
    checks.equal("member listed", ctx.members(gid), [uid])
    checks.check("seen from the user", gid in ctx.user_groups(uid))
    r = ctx.get("/api/v1/groups?filter=" + Q('lastMembershipUpdated ge "%s"'
                                               % g3["lastMembershipUpdated"]))
    checks.equal("filter lastMembershipUpdated ge", [x["id"] for x in r.json()], [gid])
    out = ctx.ctl("member-add", gid, uid)
    checks.equal("adding a member again changes nothing",
                 (out["changed"], ctx.group(gid)["lastMembershipUpdated"]),
                 (False, g3["lastMembershipUpdated"]))
    r = ctx.get("/api/v1/groups/%s/users?fields=id,status" % gid)
    checks.equal("member with fields", r.json(), [{"id": uid, "status": "ACTIVE"}])
    out = ctx.ctl("member-remove", gid, uid)
    checks.equal("member removed", (out["changed"], ctx.members(gid)), (True, []))
    checks.check("member-remove moves lastMembershipUpdated",
                 ctx.group(gid)["lastMembershipUpdated"] > g3["lastMembershipUpdated"])
    checks.equal("member-remove of a non-member", ctx.ctl("member-remove", gid, uid)["changed"],
                 False)

    ctx.ctl("member-add", gid, uid)
    out = ctx.ctl("group-delete", gid)
    checks.equal("group-delete", (out["members"], ctx.get("/api/v1/groups/" + gid).status),
                 (1, 404))
    checks.check("deleted group not listed", gid not in [x["id"] for x in
                                                         ctx.follow("/api/v1/groups")[0]])
    checks.check("deleted group gone from the user's groups", gid not in ctx.user_groups(uid))
    checks.check("deleted group not in the truth files",
                 gid not in [x["id"] for x in ctx.sim.load_json("groups.json")]
                 and all(m["group_id"] != gid for m in ctx.sim.load_json("memberships.json")))
    app = next(x for x in ctx.sim.load_json("groups.json") if x["type"] == "APP_GROUP")
    for args in (("member-add", ctx.everyone, uid), ("member-remove", ctx.everyone, uid),
                 ("member-add", app["id"], uid), ("group-delete", ctx.everyone),
                 ("group-rename", app["id"], "x"), ("group-delete", "00gNOPE"),
                 ("member-add", "00gNOPE", uid), ("member-add", out["id"], "00uNOPE")):
        ctx.refused(*args)
    truth_consistent(ctx, "after the group tests")


def test_timestamps(ctx):
    used = [u["id"] for u in ctx.sim.load_json("users.json")[:60]]
    uid = a_user(ctx, "ACTIVE", not_in=used)["id"]
    stamps = [ctx.ctl("user-update", uid, "nickName=n%d" % i)["lastUpdated"] for i in range(8)]
    checks.check("quick changes: distinct increasing milliseconds",
                 stamps == sorted(set(stamps)) and len(stamps) == 8, stamps)
    checks.check("Okta's format", all(TS_RE.match(s) for s in stamps), stamps)
    # filter lastUpdated gt: what an incremental sync asks for
    mark = stamps[3]
    r = ctx.follow("/api/v1/users?limit=200&filter=" + Q('lastUpdated gt "%s"' % mark))[0]
    want = sorted(u["id"] for u in ctx.sim.load_json("users.json") if u["lastUpdated"] > mark)
    checks.equal("filter lastUpdated gt = truth", sorted(x["id"] for x in r), want)
    checks.equal("... and it is the user changed since", want, [uid])
    # whole seconds, as recorded Okta objects show
    ctx.ctl("timestamps", "s")
    s_stamps = [ctx.ctl("user-update", uid, "nickName=s%d" % i)["lastUpdated"] for i in range(3)]
    checks.check("timestamps s: whole seconds", all(s.endswith(".000Z") for s in s_stamps),
                 s_stamps)
    events = [e for e in ctx.recent("&filter=" + Q('target.id eq "%s"' % uid))
              if e["eventType"] == "user.account.update_profile"][-3:]
    checks.check("timestamps s: events keep milliseconds, distinct",
                 len({e["published"] for e in events}) == 3, [e["published"] for e in events])
    checks.equal("status shows the mode", ctx.ctl("status")["timestamps"], "s")
    ctx.ctl("reset")
    checks.equal("reset: back to ms", ctx.ctl("status")["timestamps"], "ms")


def test_lenient_edits(ctx):
    """update-user / add-member / remove-member (the older actions) keep
    the truth files and the log too."""
    u = a_user(ctx, "ACTIVE", not_in=[x["id"] for x in ctx.sim.load_json("users.json")[:80]])
    out = ctx.ctl("update-user", json.dumps({"id": u["id"], "status": "SUSPENDED",
                                             "profile": {"department": "Lenient"}}))
    truth = next(x for x in ctx.sim.load_json("users.json") if x["id"] == u["id"])
    checks.equal("update-user in users.json", (truth["status"], truth["profile"]["department"],
                                               truth["lastUpdated"]),
                 ("SUSPENDED", "Lenient", out["lastUpdated"]))
    types = [e["eventType"] for e in ctx.recent("&filter=" + Q('target.id eq "%s"' % u["id"]))]
    checks.equal("update-user events", types[-2:], ["user.account.update_profile",
                                                    "user.lifecycle.suspend"])
    g = an_okta_group(ctx, without=u["id"])
    ctx.ctl("add-member", g["id"], u["id"])
    checks.check("add-member in memberships.json", {"group_id": g["id"], "user_id": u["id"]}
                 in ctx.sim.load_json("memberships.json"))
    ctx.ctl("remove-member", g["id"], u["id"])
    checks.check("remove-member in memberships.json", {"group_id": g["id"], "user_id": u["id"]}
                 not in ctx.sim.load_json("memberships.json"))


def test_churn(ctx):
    before = len(ctx.recent())
    proc = ctx.sim.ctl("churn", "40", "--seed", "5")        # the command line, as tests use it
    checks.equal("ctl churn exit status", proc.returncode, 0)
    out = json.loads(proc.stdout)
    checks.equal("churn made 40 changes", (out["count"], len(out["changes"])), (40, 40))
    kinds = {c["action"] for c in out["changes"]}
    checks.check("churn mixes kinds", len(kinds) >= 5, kinds)
    events = ctx.recent()
    checks.check("churn logged at least one event a change", len(events) - before >= 40,
                 (before, len(events)))
    truth_consistent(ctx, "after churn")
    # 50 rounds, cheaply
    started = time.time()
    for i in range(50):
        ctx.ctl("churn", "3", "seed=%d" % (100 + i))
    elapsed = time.time() - started
    checks.check("50 rounds of churn < 10 s", elapsed < 10, elapsed)
    truth_consistent(ctx, "after 50 rounds")
    ctx.refused("churn", "x")
    ctx.refused("churn", "-1")


def test_batch(ctx):
    """batch: several changes as one ctl call (a benchmark's hundreds)."""
    u = next(x for x in ctx.sim.load_json("users.json") if x["status"] == "ACTIVE")
    g = next(x for x in ctx.sim.load_json("groups.json") if x["type"] == "OKTA_GROUP")
    steps = [["user-update", "%s title=batched" % u["id"]],
             ["member-add", "%s %s" % (g["id"], u["id"])],
             ["user-create", "status=STAGED"]]
    out = ctx.ctl("batch", json.dumps(steps))
    checks.equal("batch made 3 changes", out["count"], 3)
    users = {x["id"]: x for x in ctx.sim.load_json("users.json")}
    checks.equal("batch: the update is in users.json", users[u["id"]]["profile"]["title"],
                 "batched")
    checks.check("batch: the membership is in memberships.json",
                 {"group_id": g["id"], "user_id": u["id"]} in ctx.sim.load_json("memberships.json"))
    checks.check("batch: the new user is in users.json", out["results"][2]["id"] in users)
    truth_consistent(ctx, "after a batch")
    ctx.refused("batch", "not json")
    ctx.refused("batch", json.dumps([["churn", "3"]]))
    ctx.refused("batch", json.dumps([["no-such-action", ""]]))


def test_churn_deterministic():
    """The same seed on the same org makes the same changes (ids too):
    two orgs built in this process, no server needed."""
    import tempfile
    import sim_api
    import sim_changes
    import sim_data
    import sim_log
    outs = []
    for _ in range(2):
        with tempfile.TemporaryDirectory() as directory:
            org = sim_api.Org(sim_data.generate_org(60, 12, 9), "https://localhost:1")
            clock = sim_changes.Clock()
            log = sim_log.EventLog(clock, org.base_url)
            changes = sim_changes.Changes(org, log, clock, directory)
            made = changes.control("churn", "25 --seed 3")["changes"]
            outs.append([{k: v for k, v in c.items() if k not in ("lastUpdated",
                                                                   "lastMembershipUpdated")}
                         for c in made])
            checks.check("in-process churn logged", len(log.events) >= 25, len(log.events))
    checks.equal("churn is deterministic", outs[0], outs[1])


def test_restart_restores_truth(sim):
    """A server started again in the same directory serves the generated org
    (org.json): the truth files go back to it."""
    import subprocess
    checks.check("changes.log written", os.path.exists(sim.path("changes.log")))
    sim.stop(cleanup=False)
    generated = json.loads(open(sim.path("org.json"), encoding="utf-8").read())["users"]
    checks.check("the changes left users.json different",
                 sim.load_json("users.json") != generated)
    proc = subprocess.Popen([T.PYTHON, T.OKTASIM, "serve", sim.dir, "--port", "0"])
    try:
        deadline = time.time() + 30
        while not os.path.exists(sim.path("port")) and time.time() < deadline:
            time.sleep(0.05)
        checks.equal("restart: users.json is the generated org's", sim.load_json("users.json"),
                     generated)
        checks.check("restart: changes.log gone", not os.path.exists(sim.path("changes.log")))
    finally:
        proc.terminate()
        proc.wait(10)


# --------------------------------------------------------------------------
# System Log
# --------------------------------------------------------------------------

def test_log_events_of_changes(ctx):
    uid = ctx.ctl("user-create", "firstName=Log", "lastName=Subject",
                  "login=log.subject@example.com")["id"]
    gid = ctx.ctl("group-create", "Log Group")["id"]
    ctx.ctl("member-add", gid, uid)
    ctx.ctl("member-remove", gid, uid)
    ctx.ctl("group-rename", gid, "Log Group 2")
    upd = ctx.ctl("user-update", uid, "title=Logged")
    ctx.ctl("user-status", uid, "suspend")
    ctx.ctl("user-status", uid, "unsuspend")
    ctx.ctl("user-status", uid, "deactivate")
    ctx.ctl("user-delete", uid)
    ctx.ctl("group-delete", gid)
    events = [e for e in ctx.recent()
              if uid in [t["id"] for t in e["target"]] or gid in [t["id"] for t in e["target"]]]
    checks.equal("event types in order", [e["eventType"] for e in events], [
        "user.lifecycle.create", "user.lifecycle.activate", "group.lifecycle.create",
        "group.user_membership.add", "group.user_membership.remove", "group.profile.update",
        "user.account.update_profile", "user.lifecycle.suspend", "user.lifecycle.unsuspend",
        "user.lifecycle.deactivate", "user.lifecycle.delete.initiated",
        "user.lifecycle.delete.completed", "group.lifecycle.delete"])
    by_type = {e["eventType"]: e for e in events}
    add = by_type["group.user_membership.add"]
    checks.equal("membership event targets", [(t["type"], t["id"]) for t in add["target"]],
                 [("User", uid), ("UserGroup", gid)])
    checks.equal("user target", {k: add["target"][0][k] for k in ("alternateId", "displayName")},
                 {"alternateId": "log.subject@example.com", "displayName": "Log Subject"})
    checks.equal("group target displayName", add["target"][1]["displayName"], "Log Group")
    checks.equal("profile event published = lastUpdated",
                 by_type["user.account.update_profile"]["published"], upd["lastUpdated"])
    checks.equal("changedAttributes",
                 by_type["user.account.update_profile"]["debugContext"]["debugData"]
                 ["changedAttributes"], "title")
    done = by_type["user.lifecycle.delete.completed"]
    checks.equal("delete.completed by Okta's job",
                 (done["actor"]["type"], done["transaction"]["type"]), ("SystemPrincipal", "JOB"))
    checks.equal("create and activate share a transaction",
                 by_type["user.lifecycle.create"]["transaction"]["id"],
                 by_type["user.lifecycle.activate"]["transaction"]["id"])
    checks.equal("uuids unique", len({e["uuid"] for e in events}), len(events))
    checks.check("published increasing", [e["published"] for e in events] ==
                 sorted(e["published"] for e in events))


def test_log_scope_and_bucket(ctx):
    sim = ctx.sim
    key = sim.key("client-rsa.pem")

    def bearer(client_id, scope):
        r = T.token_request(ctx.http, sim, T.assertion(client_id, key, sim.token_url, kid="k1"),
                            scope=scope)
        assert r.status == 200, r
        return {"Authorization": "Bearer " + r.json()["access_token"]}
    plain = bearer("0oaplain", "okta.users.read okta.groups.read")
    r = ctx.get("/api/v1/logs", plain)
    checks.equal("no okta.logs.read: 403", (r.status, r.json().get("errorCode")),
                 (403, "E0000006"))
    www = r.header("WWW-Authenticate") or ""
    checks.check("insufficient_scope names okta.logs.read",
                 'error="insufficient_scope"' in www and 'scope="okta.logs.read"' in www, www)
    out = T.token_request(ctx.http, sim, T.assertion("0oaplain", key, sim.token_url, kid="k1"),
                          scope="okta.logs.read")
    checks.equal("0oaplain may not ask for okta.logs.read", out.json().get("error"),
                 "invalid_scope")
    logs = bearer("0oalogs", "okta.users.read okta.groups.read okta.logs.read")
    r = ctx.get("/api/v1/logs", logs)
    checks.equal("0oalogs reads the log", r.status, 200)
    checks.equal("logs bucket: 120 a minute", r.header("X-Rate-Limit-Limit"), "120")
    checks.equal("content-type", r.header("Content-Type"), "application/json")
    checks.equal("users bucket unchanged", ctx.get("/api/v1/users?limit=1")
                 .header("X-Rate-Limit-Limit"), "10000")
    ctx.ctl("rate-limit", "3", "logs")
    statuses = [ctx.get("/api/v1/logs").status for _ in range(4)]
    checks.equal("logs bucket of 3", statuses, [200, 200, 200, 429])
    r = ctx.get("/api/v1/logs")
    checks.equal("logs 429 body", (r.status, r.json()["errorCode"],
                                   r.header("X-Rate-Limit-Remaining")), (429, "E0000047", "0"))
    checks.equal("other buckets unaffected", ctx.get("/api/v1/users?limit=1").status, 200)
    ctx.refused("rate-limit", "3", "nope")
    ctx.ctl("reset")
    r = ctx.get("/api/v1/logs")
    checks.equal("reset: logs bucket back to 120", (r.status, r.header("X-Rate-Limit-Limit")),
                 (200, "120"))
    ctx.ctl("rate-limit", "7")
    checks.equal("rate-limit N sets the logs bucket too",
                 ctx.get("/api/v1/logs").header("X-Rate-Limit-Limit"), "7")
    ctx.ctl("reset")


def test_log_parameters(ctx):
    now = time.time()
    seeded = ctx.ctl("log-seed", "400", "days=120", "seed=4")
    checks.equal("log-seed count", seeded["seeded"], 400)
    checks.check("seeded back to 120 days", epoch(seeded["first"]) < now - 119 * DAY, seeded)
    everything = ctx.events("since=%s&until=%s&limit=1000" % (Q(iso(now - 179 * DAY)),
                                                              Q(iso(now + 5))))
    oldest = min(epoch(e["published"]) for e in everything)
    checks.check("retention: nothing older than 90 days", oldest >= now - 90 * DAY - 5, oldest)
    checks.check("retention: the rest is there", oldest < now - 85 * DAY, oldest)
    seeded_kept = [e for e in everything if e["actor"]["type"] == "User"
                   and e["transaction"]["detail"] == {}]
    checks.check("about 3/4 of the seeded events are kept", 250 < len(seeded_kept) < 330,
                 len(seeded_kept))
    r = ctx.get("/api/v1/logs?since=" + Q(iso(now - 181 * DAY)))
    checks.equal("since over 180 days back: 400 E0000053", (r.status, r.json().get("errorCode")),
                 (400, "E0000053"))

    # since inclusive, until exclusive
    ev = everything[len(everything) // 2]
    p = ev["published"]
    p_plus = iso(epoch(p) + 0.001)

    def uuids(query):
        return [e["uuid"] for e in ctx.events(query)]
    checks.check("since is inclusive", ev["uuid"] in uuids("since=%s&until=%s" % (Q(p),
                                                                                    Q(p_plus))))
    checks.check("until is exclusive", ev["uuid"] not in uuids("since=%s&until=%s" % (
        Q(iso(epoch(p) - 1)), Q(p))))
    checks.check("offsets accepted", ev["uuid"] in uuids("since=%s&until=%s" % (
        Q(p[:-1] + "+00:00"), Q(p_plus[:-1].replace("T", "T") + "+00:00"))))
    # without since: 7 days before until
    week = ctx.events("until=%s&limit=1000" % Q(iso(now + 5)))
    want = [e["uuid"] for e in everything if epoch(e["published"]) >= now + 5 - 7 * DAY]
    checks.equal("without since: the 7 days before until", [e["uuid"] for e in week], want)

    # sortOrder and limit
    window = "since=%s&until=%s" % (Q(iso(now - 60 * DAY)), Q(iso(now + 5)))
    asc = ctx.events(window + "&limit=1000")
    desc = ctx.events(window + "&limit=1000&sortOrder=DESCENDING")
    checks.equal("DESCENDING is ASCENDING reversed", [e["uuid"] for e in desc],
                 [e["uuid"] for e in reversed(asc)])
    checks.check("ASCENDING by published", [e["published"] for e in asc] ==
                 sorted(e["published"] for e in asc))
    r = ctx.get("/api/v1/logs?" + window)
    checks.equal("default limit 100", len(r.json()), min(100, len(asc)))
    r = ctx.get("/api/v1/logs?" + window + "&limit=5000")
    checks.equal("limit over 1000 served as 1000", (len(r.json()) == min(1000, len(asc)),
                                                     "limit=1000" in r.header_all("link")[0]),
                 (True, True))
    for bad in ("limit=-1", "limit=abc", "sortOrder=ascending", "sortOrder=UP",
                "since=2024-01-01", "until=yesterday", "after=nope", "after=12_3_4"):
        r = ctx.get("/api/v1/logs?" + bad)
        checks.equal("400 for " + bad, (r.status, r.json().get("errorCode")), (400, "E0000001"))
    r = ctx.get("/api/v1/logs?until=01-01-2017")
    checks.equal("bad date: Okta's body", r.json()["errorSummary"],
                 "Api validation failed: 'until': The date format in your query is not "
                 "recognized. Please enter dates using ISO8601 string format.. 'until': must be "
                 "a valid date-time or empty.")
    checks.equal("bad date: two causes", len(r.json()["errorCauses"]), 2)

    # paging with after (bounded, both orders)
    for order in ("ASCENDING", "DESCENDING"):
        items, replies = ctx.follow("/api/v1/logs?%s&limit=37&sortOrder=%s" % (window, order))
        full = asc if order == "ASCENDING" else desc
        checks.equal("paged %s = one page" % order, [e["uuid"] for e in items],
                     [e["uuid"] for e in full])
        checks.equal("paged %s: pages" % order, len(replies), (len(full) + 36) // 37)
        checks.check("paged %s: no next on the last page" % order,
                     "next" not in replies[-1].links())
        nexts = [r.links()["next"] for r in replies[:-1]]
        checks.check("paged %s: next links carry after, not since" % order,
                     all("after=" in n and "since=" not in n for n in nexts), nexts[:2])
        checks.check("paged %s: next links keep until and sortOrder" % order,
                     all("until=" in n and ("sortOrder=DESCENDING" in n) == (order == "DESCENDING")
                         for n in nexts), nexts[:1])
    nxt = ctx.get("/api/v1/logs?%s&limit=10" % window).links()["next"]
    r = ctx.get(nxt[len(ctx.sim.base):] + "&since=" + Q(iso(now - DAY)))
    checks.equal("since with after: 400", (r.status, r.json().get("errorCode")),
                 (400, "E0000001"))

    # filter
    def count(filt, base=window):
        return len(ctx.events(base + "&limit=1000&filter=" + Q(filt)))
    starts = [e for e in asc if e["eventType"] == "user.session.start"]
    checks.equal("filter eventType eq", count('eventType eq "user.session.start"'), len(starts))
    checks.equal("filter is case-insensitive", count('eventType eq "USER.Session.Start"'),
                 len(starts))
    failed = [e for e in starts if e["outcome"]["result"] == "FAILURE"]
    checks.check("seeded failures exist", failed)
    checks.equal("filter and", count('eventType eq "user.session.start" and '
                                     'outcome.result eq "FAILURE"'), len(failed))
    checks.equal("filter severity", count('severity eq "WARN"'),
                 len([e for e in asc if e["severity"] == "WARN"]))
    checks.equal("filter or", count('eventType eq "user.session.end" or eventType eq '
                                    '"user.session.start"'),
                 len([e for e in asc if e["eventType"] in ("user.session.end",
                                                           "user.session.start")]))
    actor = starts[0]["actor"]["id"]
    checks.equal("filter actor.id", count('actor.id eq "%s"' % actor),
                 len([e for e in asc if e["actor"]["id"] == actor]))
    app = next(e for e in asc if e["eventType"] == "user.authentication.sso")["target"][0]["id"]
    checks.equal("filter target.id", count('target.id eq "%s"' % app),
                 len([e for e in asc if app in [t["id"] for t in e["target"]]]))
    checks.equal("filter sw", count('eventType sw "user.session."'),
                 len([e for e in asc if e["eventType"].startswith("user.session.")]))
    checks.equal("filter pr + debugData", count('debugContext.debugData.requestUri pr'),
                 len([e for e in asc if e["debugContext"]["debugData"].get("requestUri")]))
    for bad, code in (('published gt "2024-01-01T00:00:00.000Z"', "E0000053"),
                      ('nope eq "x"', "E0000053"), ('actor.id ne "x"', "E0000053"),
                      ('eventType ew "start"', "E0000053"), ('eventType eq', "E0000053"),
                      ('eventType EQ "x"', "E0000053"), ('not (eventType eq "x")', "E0000053"),
                      ('debugContext.debugData.url co "/api"', "E0000031")):
        r = ctx.get("/api/v1/logs?filter=" + Q(bad))
        checks.equal("filter refused: " + bad, (r.status, r.json().get("errorCode")), (400, code))
    r = ctx.get("/api/v1/logs?filter=" + Q('actor.id ne "x"'))
    checks.check("ne: Okta's message", "Unrecognized attribute operator 'ne'" in
                 r.json()["errorSummary"] and "Expected: eq,co,sw,pr,gt,ge,lt,le" in
                 r.json()["errorSummary"], r.json())

    # q
    login = starts[0]["actor"]["alternateId"]
    got = ctx.events(window + "&limit=1000&q=" + Q(login))
    checks.check("q: a login", got and all(login in json.dumps(e) for e in got), len(got))
    checks.equal("q is case-insensitive", len(ctx.events(window + "&limit=1000&q=" +
                                                         Q(login.upper()))), len(got))
    two = ctx.events(window + "&limit=1000&q=" + Q(login + " FAILURE"))
    checks.equal("q: every keyword must match", len(two),
                 len([e for e in got if e["outcome"]["result"] == "FAILURE"]))
    part = ev["uuid"].split("-")[1]
    checks.check("q: a part of a hyphenated value",
                 ev["uuid"] in [e["uuid"] for e in ctx.events(
                     "since=%s&until=%s&q=%s" % (Q(p), Q(p_plus), part))])
    checks.equal("q: words, not substrings", ctx.events(window + "&q=" + Q(login[:-3])), [])
    r = ctx.get("/api/v1/logs?q=" + "x" * 41)
    checks.equal("q: keyword over 40 characters", (r.status, r.json().get("errorCode")),
                 (400, "E0000001"))
    r = ctx.get("/api/v1/logs?q=" + Q(" ".join("k%d" % i for i in range(11))))
    checks.equal("q: over 10 keywords", r.status, 400)


def test_log_polling(ctx):
    # a poll: no until, ASCENDING; every page has a next link, empty ones too
    since = iso(time.time() - 2)
    items, replies = [], []
    target = "/api/v1/logs?limit=50&since=" + Q(since)
    for _ in range(100):
        r = ctx.get(target)
        replies.append(r)
        items.extend(r.json())
        checks.check("poll page has next", "next" in r.links(), r.headers)
        target = r.links()["next"][len(ctx.sim.base):]
        if not r.json():
            break
    checks.equal("poll ends with an empty page", replies[-1].json(), [])
    checks.check("poll next link: after, no since, no until",
                 "after=" in target and "since=" not in target and "until=" not in target, target)
    r = ctx.get(target)
    checks.equal("polling again: still empty, still next", (r.json(), "next" in r.links()),
                 ([], True))
    uid = ctx.ctl("user-create", "firstName=Polled")["id"]
    r = ctx.get(target)
    got = [(e["eventType"], e["target"][0]["id"]) for e in r.json()]
    checks.equal("the poll's next link finds the new events", got,
                 [("user.lifecycle.create", uid), ("user.lifecycle.activate", uid)])
    target = r.links()["next"][len(ctx.sim.base):]
    checks.equal("and then nothing", ctx.get(target).json(), [])
    r = ctx.get("/api/v1/logs?until=&since=" + Q(since))
    checks.check("an empty until is a poll", "next" in r.links())
    r = ctx.get("/api/v1/logs?since=%s&until=%s" % (Q(since), Q(iso(time.time() + 1))))
    checks.check("a bounded query ends", "next" not in r.links())
    r = ctx.get("/api/v1/logs?sortOrder=DESCENDING&limit=1000&since=" + Q(since))
    checks.check("DESCENDING without until is bounded", "next" not in r.links()
                 and r.json()[0]["target"][0]["id"] == uid)


def test_log_delay(ctx):
    ctx.ctl("log-delay", "1.5")
    checks.equal("status shows the delay", ctx.ctl("status")["log"]["delay_s"], 1.5)
    r = ctx.get("/api/v1/logs?limit=1000&since=" + Q(iso(time.time() - 1)))
    cursor = r.links()["next"][len(ctx.sim.base):]
    while r.json():
        r = ctx.get(cursor)
        cursor = r.links()["next"][len(ctx.sim.base):]
    made = time.time()
    fresh = a_user(ctx, not_in=[u["id"] for u in ctx.sim.load_json("users.json")[:150]])
    out = ctx.ctl("user-update", fresh["id"], "title=Delayed")
    uid = out["id"]
    bounded = "since=%s&until=%s&filter=%s" % (Q(iso(made - 1)), Q(iso(time.time() + 60)),
                                              Q('target.id eq "%s"' % uid))
    checks.equal("delayed: not in a bounded query yet", ctx.events(bounded), [])
    checks.equal("delayed: not in the poll yet", ctx.get(cursor).json(), [])
    time.sleep(max(0, made + 1.7 - time.time()))
    got = ctx.events(bounded)
    checks.equal("visible after the delay", [e["eventType"] for e in got],
                 ["user.account.update_profile"])
    checks.equal("published is when it happened", got[0]["published"] if got else None,
                 out["lastUpdated"])
    polled = ctx.get(cursor).json()
    checks.equal("the poll's cursor from before finds it",
                 [e["uuid"] for e in polled if e["target"][0]["id"] == uid],
                 [e["uuid"] for e in got])
    ctx.refused("log-delay", "-1")
    ctx.refused("log-delay", "soon")
    ctx.refused("log-delay", "1 jitter=-1")
    ctx.refused("log-delay", "1 later=2")
    # jitter: events become visible out of their order
    out = ctx.ctl("log-delay", "0 jitter=2")
    checks.equal("jitter set", (out["log_delay_s"], out["log_jitter_s"]), (0.0, 2.0))
    made = time.time()
    ctx.ctl("batch", json.dumps([["user-update", "%s title=Jitter%d" % (fresh["id"], i)]
                                 for i in range(12)]))
    window = "since=%s&until=%s&filter=%s" % (Q(iso(made - 1)), Q(iso(time.time() + 60)),
                                              Q('target.id eq "%s"' % uid))
    time.sleep(max(0, made + 1.0 - time.time()))
    seen_early = [e["uuid"] for e in ctx.events(window)]
    time.sleep(max(0, made + 2.5 - time.time()))
    seen_late = ctx.events(window)
    checks.equal("jitter: all visible after delay + jitter", len(seen_late), 12)
    order = [e["uuid"] for e in seen_late]          # published order
    checks.check("jitter: visible out of order (a later event seen before an earlier one)",
                 any(u in seen_early and any(v not in seen_early for v in order[:order.index(u)])
                     for u in order), (len(seen_early), time.time() - made))
    ctx.ctl("reset")
    checks.equal("reset: no delay", ctx.ctl("status")["log"]["delay_s"], 0.0)
    checks.equal("reset: no jitter", ctx.ctl("status")["log"]["jitter_s"], 0.0)


def main():
    started = time.time()
    sim = T.Sim(users=300, groups=30, seed=7)
    try:
        ctx = Ctx(sim)
        for test in (test_user_create, test_user_update, test_user_status, test_user_delete,
                     test_groups, test_timestamps, test_lenient_edits, test_log_events_of_changes,
                     test_log_scope_and_bucket, test_log_parameters, test_log_polling,
                     test_log_delay, test_churn, test_batch):
            t0 = time.time()
            checks.run(test, ctx)
            if os.environ.get("TIMINGS"):
                print("%s: %.2f s" % (test.__name__, time.time() - t0))
        checks.run(truth_consistent, ctx, "at the end")
        checks.run(test_restart_restores_truth, sim)
    finally:
        sim.stop()
    checks.run(test_churn_deterministic)
    print("test_changes: %.1f s" % (time.time() - started))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
