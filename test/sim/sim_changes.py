"""Changes made to the org while it is served (ctl actions), with Okta's rules
and timestamps, each recorded in the System Log (sim_log.py), and the ground
truth files (users.json, groups.json, memberships.json) rewritten after each
action so that they always describe what is served.

Timestamp rules (okta-api.md sections 5-6 and the recordings):
* a profile or status change moves the user's lastUpdated; a status change
  also moves statusChanged (and activated on activation, passwordChanged when
  the user sets a password);
* a membership change moves only the group's lastMembershipUpdated (not the
  group's lastUpdated, not the user's);
* renaming a group moves its lastUpdated;
* a new user joins Everyone without moving Everyone's lastMembershipUpdated
  (the recordings: users created at 03:38 and 03:49 are listed in an Everyone
  whose lastMembershipUpdated stays 02:19:52), and a deleted user leaves every
  group without moving any group's timestamps or logging membership events:
  Everyone is derived, and deletion is learnt from the log (or a listing).
"""

import json
import os
import random
import re
import secrets
import threading
import time

import sim_log
import sim_search
from sim_data import BASE62, DEPARTMENTS, DIVISIONS, FIRST_NAMES, LAST_NAMES, ORG_NOW_MS, \
    TITLES, ts

CHANGES_LOG = "changes.log"
TRUTH_FILES = ("users.json", "groups.json", "memberships.json")
TIMESTAMP_MODES = ("ms", "s")

# target status -> {current status: lifecycle operation}: what Okta's
# lifecycle operations allow (the single user's _links by status: suspend on
# ACTIVE/RECOVERY/PASSWORD_EXPIRED, unsuspend on SUSPENDED, unlock on
# LOCKED_OUT, activate on STAGED/DEPROVISIONED, deactivate on all but
# DEPROVISIONED, reset_password, expire_password); PROVISIONED, RECOVERY and
# PASSWORD_EXPIRED users become ACTIVE when they set a password; a user
# becomes LOCKED_OUT by failed sign-ins.  Nothing goes back to STAGED.
TRANSITIONS = {
    "ACTIVE": {"STAGED": "activate", "DEPROVISIONED": "activate", "SUSPENDED": "unsuspend",
               "LOCKED_OUT": "unlock", "PROVISIONED": "password", "RECOVERY": "password",
               "PASSWORD_EXPIRED": "password"},
    # activation of a user without a password
    "PROVISIONED": {"STAGED": "activate", "DEPROVISIONED": "activate"},
    "SUSPENDED": {"ACTIVE": "suspend", "RECOVERY": "suspend", "PASSWORD_EXPIRED": "suspend"},
    "DEPROVISIONED": {s: "deactivate" for s in ("STAGED", "PROVISIONED", "ACTIVE", "RECOVERY",
                                                "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED")},
    "LOCKED_OUT": {"ACTIVE": "lock"},
    "PASSWORD_EXPIRED": {"ACTIVE": "expire_password"},
    "RECOVERY": {"ACTIVE": "reset_password", "PASSWORD_EXPIRED": "reset_password",
                 "LOCKED_OUT": "reset_password"},
}
# operation -> (eventType, done by the user itself?, request path under /api/v1/users/ID)
OPERATIONS = {
    "activate": ("user.lifecycle.activate", False, "/lifecycle/activate"),
    "deactivate": ("user.lifecycle.deactivate", False, "/lifecycle/deactivate"),
    "suspend": ("user.lifecycle.suspend", False, "/lifecycle/suspend"),
    "unsuspend": ("user.lifecycle.unsuspend", False, "/lifecycle/unsuspend"),
    "unlock": ("user.account.unlock", False, "/lifecycle/unlock"),
    "expire_password": ("user.account.expire_password", False, "/lifecycle/expire_password"),
    "reset_password": ("user.account.reset_password", False, "/lifecycle/reset_password"),
    "lock": ("user.account.lock", True, None),
    "password": ("user.account.update_password", True, None),
}
# an operation's name as a user-status argument -> the status it leads to
OPERATION_TARGET = {"activate": "ACTIVE", "deactivate": "DEPROVISIONED", "suspend": "SUSPENDED",
                    "unsuspend": "ACTIVE", "unlock": "ACTIVE", "lock": "LOCKED_OUT",
                    "expire_password": "PASSWORD_EXPIRED", "reset_password": "RECOVERY"}
# update-user (the older, lenient edit) may set any status: its event
LENIENT_STATUS_OP = {"ACTIVE": "activate", "PROVISIONED": "activate", "SUSPENDED": "suspend",
                     "DEPROVISIONED": "deactivate", "LOCKED_OUT": "lock",
                     "PASSWORD_EXPIRED": "expire_password", "RECOVERY": "reset_password"}
REQUIRED_PROFILE = ("login", "email", "firstName", "lastName")
USER_PROFILE_ORDER = ("firstName", "lastName", "mobilePhone", "secondEmail", "login", "email")


class Clock:
    """Epoch milliseconds: the wall clock, never going back.  tick() gives
    each change its own, later millisecond even when changes come faster
    than the clock moves.  Object timestamps (lastUpdated, ...) are written
    with milliseconds (precision "ms") or in whole seconds ("s", what every
    recorded Okta object shows: .000Z, so changes within a second share a
    lastUpdated); log events' `published` always has milliseconds."""

    def __init__(self, floor_ms=ORG_NOW_MS, precision="ms"):
        self.lock = threading.Lock()
        self.last = floor_ms
        self.default_precision = precision
        self.precision = precision

    @staticmethod
    def wall_ms():
        return int(time.time() * 1000)

    def now_ms(self):
        with self.lock:
            return max(self.wall_ms(), self.last)

    def tick(self):
        with self.lock:
            self.last = max(self.wall_ms(), self.last + 1)
            return self.last

    def stamp(self, ms):
        return ts(ms if self.precision == "ms" else ms - ms % 1000)


_KEY_RE = re.compile(r"(?:^|(?<=\s))([A-Za-z_$][A-Za-z0-9_$]*)=")


def split_args(arg):
    """'A B k=v w k2=v2' -> (['A', 'B'], [('k', 'v w'), ('k2', 'v2')]): ctl
    joins its words with spaces, so a value runs to the next ` key=`."""
    text = (arg or "").strip()
    matches = list(_KEY_RE.finditer(text))
    head = text[:matches[0].start()] if matches else text
    pairs = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        pairs.append((m.group(1), text[m.end():end].strip()))
    return head.split(), pairs


def _same(a, b):
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _write_atomic(path, data):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


class Changes:
    """The ctl actions that change the org or its log.  Each action runs
    under the org's lock; the served lists are rebuilt (Org.commit) and the
    truth files rewritten once at its end."""

    def __init__(self, org, log, clock, directory):
        self.org = org
        self.log = log
        self.clock = clock
        self.directory = directory
        self.everyone = next((g["id"] for g in org.group_by_id.values()
                              if g["type"] == "BUILT_IN"), None)
        self.created_groups = set()     # made by group-create or churn: churn may delete them
        self.counter = 0                # for generated logins and names
        self.journal = os.path.join(directory, CHANGES_LOG)
        self.actions = {
            "user-create": self.ctl_user_create, "user-update": self.ctl_user_update,
            "user-status": self.ctl_user_status, "user-delete": self.ctl_user_delete,
            "group-create": self.ctl_group_create, "group-rename": self.ctl_group_rename,
            "group-update": self.ctl_group_update, "group-delete": self.ctl_group_delete,
            "member-add": self.ctl_member_add, "member-remove": self.ctl_member_remove,
            "add-member": self.ctl_member_add_lenient,
            "remove-member": self.ctl_member_remove_lenient,
            "update-user": self.ctl_update_user_lenient,
            "churn": self.ctl_churn,
            "batch": self.ctl_batch,
        }
        self.log_actions = {"log-delay": self.ctl_log_delay, "log-seed": self.ctl_log_seed,
                            "timestamps": self.ctl_timestamps}
        self._restore_truth()

    # ---- the truth files ----------------------------------------------------

    def _restore_truth(self):
        """A server started again serves the generated org (org.json): if an
        earlier one changed it, the truth files go back to match."""
        if os.path.exists(self.journal):
            self._write_truth()
            os.unlink(self.journal)

    def _write_truth(self):
        for name, data in self.org.truth().items():
            _write_atomic(os.path.join(self.directory, name), data)

    def _journal_write(self, done):
        lines = "".join(json.dumps(c, ensure_ascii=False, separators=(",", ":")) + "\n"
                        for c in done)
        fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, lines.encode("utf-8"))
        finally:
            os.close(fd)

    # ---- dispatch -----------------------------------------------------------------

    def control(self, action, arg):
        """Run a ctl action; KeyError if it is not one of these."""
        if action in self.log_actions:
            return self.log_actions[action](arg)
        handler = self.actions[action]
        done = []
        with self.org.lock:
            try:
                result = handler(arg, done)
            except KeyError as err:
                # not an unknown action (the caller's KeyError): a missing key
                raise ValueError("%s: missing %s" % (action, err))
            finally:
                if done:
                    self.org.commit()
                    self._write_truth()
                    self._journal_write(done)
        out = {"ok": True}
        out.update(result)
        return out

    # ---- helpers ------------------------------------------------------------------

    def _user(self, uid):
        user = self.org.user_by_id.get(uid)
        if user is None:
            raise ValueError("no user %r" % (uid,))
        return user

    def _group(self, gid):
        group = self.org.group_by_id.get(gid)
        if group is None:
            raise ValueError("no group %r" % (gid,))
        return group

    def _new_id(self, prefix, taken, rng=None):
        while True:
            tail = "".join((rng or secrets).choice(BASE62) for _ in range(17))
            if prefix + tail not in taken:
                return prefix + tail

    def _login_taken(self, login, except_uid=None):
        folded = login.casefold()
        return any(u["profile"].get("login", "").casefold() == folded
                   for uid, u in self.org.user_by_id.items() if uid != except_uid)

    def _event(self, event_type, ms, targets, tx, actor=None, **kw):
        obj = sim_log.make_event(event_type, ms, actor or sim_log.ADMIN_ACTOR, targets, tx, **kw)
        self.log.add(obj, ms)

    @staticmethod
    def _self_actor(user):
        target = sim_log.user_target(user)
        return dict(target)

    def profile_value(self, name, text):
        """A ctl word as the attribute's JSON type (the user schema's);
        `null` is null."""
        kind = self.org.profile_types.get(name)
        if kind is None:
            raise ValueError("Property name '%s' is not defined in profile" % name)
        if text == "null":
            return None
        if kind == sim_search.STRING:
            return text
        try:
            value = json.loads(text)
        except ValueError:
            if kind == sim_search.STRING_ARRAY:
                return [w.strip() for w in text.split(",") if w.strip()]
            raise ValueError("%s: %r is not a %s" % (name, text, kind))
        return value

    def _check_profile(self, profile, changed):
        for name in changed:
            kind = self.org.profile_types.get(name)
            if kind is None:
                raise ValueError("Property name '%s' is not defined in profile" % name)
            value = profile.get(name)
            if name in REQUIRED_PROFILE and (value is None or value == ""):
                raise ValueError("%s is required" % name)
            if value is None:
                continue
            ok = {sim_search.STRING: isinstance(value, str),
                  sim_search.BOOLEAN: isinstance(value, bool),
                  sim_search.INTEGER: isinstance(value, int) and not isinstance(value, bool),
                  sim_search.NUMBER: isinstance(value, (int, float))
                  and not isinstance(value, bool),
                  sim_search.STRING_ARRAY: isinstance(value, list)
                  and all(isinstance(v, str) for v in value)}[kind]
            if not ok:
                raise ValueError("%s: %r does not fit the schema's type %s" % (name, value, kind))

    def _parse_profile_arg(self, text, what):
        """Profile changes from `k=v ...` or one JSON object (the raw text)."""
        text = (text or "").strip()
        if text.startswith("{"):
            try:
                obj = json.loads(text)
            except ValueError as err:
                raise ValueError("%s: bad JSON: %s" % (what, err))
            if not isinstance(obj, dict):
                raise ValueError("%s: JSON object expected" % what)
            return obj
        words, pairs = split_args(text)
        if words:
            raise ValueError("%s: unexpected %r (key=value expected)" % (what, " ".join(words)))
        return {k: self.profile_value(k, v) for k, v in pairs}

    # ---- users ----------------------------------------------------------------------

    def create_user(self, done, profile=None, status="ACTIVE", rng=None):
        """POST /api/v1/users (activate unless STAGED): user.lifecycle.create,
        then user.lifecycle.activate; the user joins Everyone."""
        if status not in ("STAGED", "PROVISIONED", "ACTIVE"):
            raise ValueError("a new user is STAGED, PROVISIONED or ACTIVE (not %r)" % (status,))
        given = dict(profile or {})
        self.counter += 1
        if "login" not in given:
            n = self.counter
            while self._login_taken("sim.user%d@example.com" % n):
                n += 1
            given["login"] = "sim.user%d@example.com" % n
        given.setdefault("email", given["login"])
        given.setdefault("firstName", "Sim")
        given.setdefault("lastName", "User %d" % self.counter)
        profile = {"firstName": given["firstName"], "lastName": given["lastName"],
                   "mobilePhone": None, "secondEmail": None}
        profile.update(given)
        profile = {k: profile[k] for k in list(USER_PROFILE_ORDER) +
                   [k for k in profile if k not in USER_PROFILE_ORDER]}
        self._check_profile(profile, list(profile))
        if self._login_taken(profile["login"]):
            raise ValueError("login: An object with this field already exists in the current "
                             "organization (%s)" % profile["login"])
        uid = self._new_id("00u", self.org.user_by_id, rng)
        t1 = self.clock.tick()
        created = self.clock.stamp(t1)
        user = {"id": uid, "status": status, "created": created, "activated": None,
                "statusChanged": None, "lastLogin": None, "lastUpdated": created,
                "passwordChanged": None if status == "PROVISIONED" else created,
                "type": {"id": self.org.user_type_id}, "profile": profile,
                "credentials": {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}}}
        tx = sim_log.new_transaction_id(rng)
        self._event("user.lifecycle.create", t1, [sim_log.user_target(user)], tx,
                    request_uri="/api/v1/users")
        if status != "STAGED":
            t2 = self.clock.tick()
            user["activated"] = user["statusChanged"] = user["lastUpdated"] = \
                self.clock.stamp(t2)
            self._event("user.lifecycle.activate", t2, [sim_log.user_target(user)], tx,
                        request_uri="/api/v1/users")
        self.org.put_user(user)
        if self.everyone is not None:
            self.org.set_member(self.everyone, uid, True)
        change = {"action": "user-create", "id": uid, "status": status,
                  "login": profile["login"], "lastUpdated": user["lastUpdated"]}
        done.append(change)
        return change

    def update_user(self, done, uid, changes):
        """POST /api/v1/users/ID (partial profile): user.account.update_profile,
        lastUpdated moves; nothing changes when no value does."""
        user = self._user(uid)
        if user["status"] == "DEPROVISIONED":
            # Okta: a deactivated user's profile cannot be updated
            raise ValueError("user %s is DEPROVISIONED: its profile cannot be updated" % uid)
        profile = dict(user["profile"])
        changed = []
        for name, value in changes.items():
            if name not in profile or not _same(profile[name], value):
                profile[name] = value
                changed.append(name)
        self._check_profile(profile, changed)
        if "login" in changed and self._login_taken(profile["login"], uid):
            raise ValueError("login: An object with this field already exists in the current "
                             "organization (%s)" % profile["login"])
        change = {"action": "user-update", "id": uid, "changed": changed}
        if changed:
            t = self.clock.tick()
            user = dict(user, profile=profile, lastUpdated=self.clock.stamp(t))
            self.org.put_user(user)
            self._event("user.account.update_profile", t, [sim_log.user_target(user)],
                        sim_log.new_transaction_id(), request_uri="/api/v1/users/" + uid,
                        debug={"changedAttributes": ",".join(changed)})
            change["lastUpdated"] = user["lastUpdated"]
            done.append(change)
        return change

    def set_status(self, done, uid, target, rng=None):
        """A lifecycle operation, if Okta allows it from the user's status:
        status, statusChanged and lastUpdated move (activated on activation,
        passwordChanged when the user sets a password)."""
        user = self._user(uid)
        current = user["status"]
        wanted = target.upper()
        op_named = target.lower().replace("-", "_")
        if op_named in OPERATION_TARGET:
            wanted = OPERATION_TARGET[op_named]
            if op_named == "activate" and current in ("STAGED", "DEPROVISIONED"):
                wanted = "ACTIVE"
        if wanted not in TRANSITIONS and wanted != "STAGED":
            raise ValueError("unknown status %r" % (target,))
        op = TRANSITIONS.get(wanted, {}).get(current)
        if op is None or (op_named in OPERATION_TARGET and op != op_named):
            raise ValueError("Okta does not move a %s user to %s%s" % (
                current, wanted, " (%s)" % op_named if op_named in OPERATION_TARGET else ""))
        return self._apply_status(done, user, wanted, op, rng)

    def _apply_status(self, done, user, wanted, op, rng=None, t=None, tx=None):
        uid = user["id"]
        t = self.clock.tick() if t is None else t
        stamp = self.clock.stamp(t)
        new = dict(user, status=wanted, statusChanged=stamp, lastUpdated=stamp)
        new.pop("transitioningToStatus", None)
        if op == "activate":
            new["activated"] = stamp
        if op == "password":
            new["passwordChanged"] = stamp
        self.org.put_user(new)
        event_type, by_user, path = OPERATIONS[op]
        target = sim_log.user_target(new)
        if by_user:
            self._event(event_type, t, [target], tx or sim_log.new_transaction_id(rng),
                        actor=self._self_actor(new), api_token=False, ip="203.0.113.24",
                        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
                        severity="WARN" if op == "lock" else "INFO",
                        request_uri="/api/v1/authn")
        else:
            self._event(event_type, t, [target], tx or sim_log.new_transaction_id(rng),
                        request_uri="/api/v1/users/%s%s" % (uid, path))
        change = {"action": "user-status", "id": uid, "from": user["status"], "to": wanted,
                  "eventType": event_type, "lastUpdated": stamp}
        done.append(change)
        return change

    def delete_user(self, done, uid, rng=None):
        """DELETE /api/v1/users/ID: only a DEPROVISIONED user is deleted
        (user.lifecycle.delete.initiated by the admin, then .completed by
        Okta's job); on any other user Okta's DELETE deactivates it, and so
        does this (a second user-delete deletes it)."""
        user = self._user(uid)
        if user["status"] != "DEPROVISIONED":
            change = self._apply_status(done, user, "DEPROVISIONED", "deactivate", rng)
            return dict(change, action="user-delete", deleted=False)
        target = sim_log.user_target(user)
        t1 = self.clock.tick()
        self._event("user.lifecycle.delete.initiated", t1, [target],
                    sim_log.new_transaction_id(rng), request_uri="/api/v1/users/" + uid)
        t2 = self.clock.tick()
        self._event("user.lifecycle.delete.completed", t2, [target],
                    sim_log.new_transaction_id(rng), actor=sim_log.SYSTEM_ACTOR,
                    transaction_type="JOB")
        groups = sorted(g for g, m in self.org.member_ids.items() if uid in m)
        self.org.drop_user(uid)
        change = {"action": "user-delete", "id": uid, "deleted": True, "groups_left": groups}
        done.append(change)
        return change

    # ---- groups --------------------------------------------------------------------------

    def _okta_group(self, gid, what):
        group = self._group(gid)
        if group["type"] != "OKTA_GROUP":
            # Okta: Everyone (BUILT_IN) is every user and cannot be edited;
            # an APP_GROUP is managed by its source (e.g. Active Directory)
            raise ValueError("%s: %s is a %s group; only OKTA_GROUP groups can be changed"
                             % (what, gid, group["type"]))
        return group

    def _name_taken(self, name, except_gid=None):
        folded = name.casefold()
        return any(g["profile"]["name"].casefold() == folded and g["type"] == "OKTA_GROUP"
                   for gid, g in self.org.group_by_id.items() if gid != except_gid)

    def create_group(self, done, name, description=None, rng=None):
        if not name:
            raise ValueError("a group needs a name")
        if self._name_taken(name):
            raise ValueError("name: An object with this field already exists in the current "
                             "organization (%s)" % name)
        gid = self._new_id("00g", self.org.group_by_id, rng)
        t = self.clock.tick()
        stamp = self.clock.stamp(t)
        group = {"id": gid, "created": stamp, "lastUpdated": stamp,
                 "lastMembershipUpdated": stamp, "objectClass": ["okta:user_group"],
                 "type": "OKTA_GROUP", "profile": {"name": name, "description": description}}
        self.org.put_group(group)
        self.created_groups.add(gid)
        self._event("group.lifecycle.create", t, [sim_log.group_target(group)],
                    sim_log.new_transaction_id(rng), request_uri="/api/v1/groups")
        change = {"action": "group-create", "id": gid, "name": name, "lastUpdated": stamp}
        done.append(change)
        return change

    def update_group(self, done, gid, changes, rng=None):
        group = self._okta_group(gid, "group-update")
        for key in changes:
            if key not in ("name", "description"):
                raise ValueError("an OKTA_GROUP's profile has name and description (not %r)"
                                 % key)
        if "name" in changes and (not changes["name"] or self._name_taken(changes["name"], gid)):
            raise ValueError("name: missing or already taken (%r)" % (changes["name"],))
        profile = dict(group["profile"])
        changed = [k for k, v in changes.items() if not _same(profile.get(k), v)]
        profile.update(changes)
        change = {"action": "group-rename" if changed == ["name"] else "group-update",
                  "id": gid, "changed": changed}
        if changed:
            t = self.clock.tick()
            group = dict(group, profile=profile, lastUpdated=self.clock.stamp(t))
            self.org.put_group(group)
            self._event("group.profile.update", t, [sim_log.group_target(group)],
                        sim_log.new_transaction_id(rng), request_uri="/api/v1/groups/" + gid)
            change["lastUpdated"] = group["lastUpdated"]
            done.append(change)
        return change

    def delete_group(self, done, gid, rng=None):
        group = self._okta_group(gid, "group-delete")
        t = self.clock.tick()
        self._event("group.lifecycle.delete", t, [sim_log.group_target(group)],
                    sim_log.new_transaction_id(rng), request_uri="/api/v1/groups/" + gid)
        members = len(self.org.member_ids[gid])
        self.org.drop_group(gid)
        self.created_groups.discard(gid)
        change = {"action": "group-delete", "id": gid, "members": members}
        done.append(change)
        return change

    def membership(self, done, gid, uid, add, strict=True, rng=None):
        """PUT or DELETE /api/v1/groups/GID/users/UID: the group's
        lastMembershipUpdated moves (nothing else); adding a member or
        removing a non-member changes nothing."""
        group = self._okta_group(gid, "member-add" if add else "member-remove") if strict \
            else self._group(gid)
        if gid == self.everyone and not add:
            raise ValueError("a user cannot be removed from Everyone")
        user = self._user(uid)
        members = self.org.member_ids[gid]
        action = "member-add" if add else "member-remove"
        if (uid in members) == add:
            return {"action": action, "group": gid, "user": uid, "changed": False}
        t = self.clock.tick()
        stamp = self.clock.stamp(t)
        self.org.set_member(gid, uid, add)
        group = dict(group, lastMembershipUpdated=stamp)
        self.org.put_group(group)
        self._event("group.user_membership.add" if add else "group.user_membership.remove", t,
                    [sim_log.user_target(user), sim_log.group_target(group)],
                    sim_log.new_transaction_id(rng),
                    request_uri="/api/v1/groups/%s/users/%s" % (gid, uid))
        change = {"action": action, "group": gid, "user": uid, "changed": True,
                  "lastMembershipUpdated": stamp}
        done.append(change)
        return change

    # ---- ctl actions ---------------------------------------------------------------------

    def ctl_user_create(self, arg, done):
        text = (arg or "").strip()
        if text.startswith("{"):
            obj = self._parse_profile_arg(text, "user-create")
            status = obj.pop("status", "ACTIVE")
            profile = obj.pop("profile", obj)
            return self.create_user(done, profile, status)
        words, pairs = split_args(text)
        if words:
            raise ValueError("user-create [KEY=VALUE...] [status=S] | user-create {JSON}")
        status = next((v for k, v in pairs if k == "status"), "ACTIVE").upper()
        profile = {k: self.profile_value(k, v) for k, v in pairs if k != "status"}
        return self.create_user(done, profile, status)

    def ctl_user_update(self, arg, done):
        uid, _, rest = (arg or "").strip().partition(" ")
        if not uid or not rest.strip():
            raise ValueError("user-update ID KEY=VALUE... | user-update ID {JSON}")
        return self.update_user(done, uid, self._parse_profile_arg(rest, "user-update"))

    def ctl_user_status(self, arg, done):
        words = (arg or "").split()
        if len(words) != 2:
            raise ValueError("user-status ID STATUS|OPERATION")
        return self.set_status(done, words[0], words[1])

    def ctl_user_delete(self, arg, done):
        words = (arg or "").split()
        if len(words) != 1:
            raise ValueError("user-delete ID")
        return self.delete_user(done, words[0])

    def ctl_group_create(self, arg, done):
        words, pairs = split_args(arg)
        extra = dict(pairs)
        if set(extra) - {"name", "description"}:
            raise ValueError("group-create NAME [description=TEXT]")
        name = extra.get("name", " ".join(words))
        description = extra.get("description")
        return self.create_group(done, name, None if description == "null" else description)

    def ctl_group_rename(self, arg, done):
        gid, _, name = (arg or "").strip().partition(" ")
        if not gid or not name.strip():
            raise ValueError("group-rename GID NAME")
        return self.update_group(done, gid, {"name": name.strip()})

    def ctl_group_update(self, arg, done):
        words, pairs = split_args(arg)
        if len(words) != 1 or not pairs:
            raise ValueError("group-update GID name=TEXT description=TEXT")
        return self.update_group(done, words[0],
                                 {k: (None if v == "null" else v) for k, v in pairs})

    def ctl_group_delete(self, arg, done):
        words = (arg or "").split()
        if len(words) != 1:
            raise ValueError("group-delete GID")
        return self.delete_group(done, words[0])

    def _member_args(self, arg, action):
        words = (arg or "").split()
        if len(words) != 2:
            raise ValueError("%s GROUP_ID USER_ID" % action)
        return words

    def ctl_member_add(self, arg, done):
        gid, uid = self._member_args(arg, "member-add")
        return self.membership(done, gid, uid, True)

    def ctl_member_remove(self, arg, done):
        gid, uid = self._member_args(arg, "member-remove")
        return self.membership(done, gid, uid, False)

    def ctl_member_add_lenient(self, arg, done):
        gid, uid = self._member_args(arg, "add-member")
        change = self.membership(done, gid, uid, True, strict=False)
        return {"group": gid, "lastMembershipUpdated":
                self.org.group_by_id[gid]["lastMembershipUpdated"], "changed": change["changed"]}

    def ctl_member_remove_lenient(self, arg, done):
        gid, uid = self._member_args(arg, "remove-member")
        change = self.membership(done, gid, uid, False, strict=False)
        return {"group": gid, "lastMembershipUpdated":
                self.org.group_by_id[gid]["lastMembershipUpdated"], "changed": change["changed"]}

    def ctl_update_user_lenient(self, arg, done):
        """update-user JSON: the older, lenient admin's edit (any profile
        key, any status, lastLogin; login cannot change); one timestamp
        for the whole edit, its events at it."""
        changes = json.loads(arg or "{}")
        if not isinstance(changes, dict):
            raise ValueError("update-user {\"id\": ..., \"status\": ..., \"profile\": {...}}")
        user = self._user(changes.get("id"))
        new = dict(user)
        profile_changed = []
        for key, value in changes.items():
            if key == "profile":
                profile = dict(user["profile"])
                profile.update(value)
                if profile.get("login") != user["profile"].get("login"):
                    raise ValueError("changing a login is not supported")
                profile_changed = [k for k in value if k not in user["profile"]
                                   or not _same(user["profile"][k], value[k])]
                new["profile"] = profile
            elif key in ("status", "lastLogin"):
                new[key] = value
            elif key != "id":
                raise ValueError("cannot change %r" % (key,))
        t = self.clock.tick()
        stamp = self.clock.stamp(t)
        new["lastUpdated"] = stamp
        status_changed = new["status"] != user["status"]
        if status_changed:
            new["statusChanged"] = stamp
            new.pop("transitioningToStatus", None)
        self.org.put_user(new)
        tx = sim_log.new_transaction_id()
        if profile_changed:
            self._event("user.account.update_profile", t, [sim_log.user_target(new)], tx,
                        request_uri="/api/v1/users/" + new["id"],
                        debug={"changedAttributes": ",".join(profile_changed)})
        op = LENIENT_STATUS_OP.get(new["status"]) if status_changed else None
        if op is not None:
            event_type, _, path = OPERATIONS[op]
            self._event(event_type, t, [sim_log.user_target(new)], tx,
                        request_uri="/api/v1/users/%s%s" % (new["id"], path or ""))
        done.append({"action": "update-user", "id": new["id"], "lastUpdated": stamp,
                     "profile_changed": profile_changed,
                     "status": [user["status"], new["status"]] if status_changed else None})
        return {"id": new["id"], "lastUpdated": stamp}

    # ---- churn ---------------------------------------------------------------------------

    CHURN_WEIGHTS = (("user-update", 25), ("member-add", 18), ("user-status", 15),
                     ("user-create", 12), ("member-remove", 12), ("user-delete", 6),
                     ("group-rename", 5), ("group-create", 4), ("group-delete", 3))
    CHURN_ATTRIBUTES = ("title", "department", "division", "city", "costCenter",
                        "organization", "nickName", "mobilePhone", "badgeNumber",
                        "isContractor", "skills")

    def ctl_batch(self, arg, done):
        """batch [[ACTION, ARG], ...]: several changes of the actions above as
        one (one rebuild and truth write), e.g. a benchmark's hundreds of
        updates; replies {"results": [...], "count": N}."""
        try:
            steps = json.loads(arg or "")
        except ValueError:
            raise ValueError("batch [[ACTION, ARG], ...]")
        if not isinstance(steps, list):
            raise ValueError("batch [[ACTION, ARG], ...]")
        results = []
        for step in steps:
            if (not isinstance(step, list) or len(step) != 2 or step[0] in ("batch", "churn")
                    or step[0] not in self.actions):
                raise ValueError("batch: %r is not [ACTION, ARG] of a change" % (step,))
            results.append(self.actions[step[0]](step[1], done))
        return {"results": results, "count": len(results)}

    def ctl_churn(self, arg, done):
        """churn N [--seed S | seed=S]: N random changes of every kind, chosen
        from the seed and the org's current state (so the same seed on the
        same org makes the same changes, new ids included)."""
        words = (arg or "").replace("--seed", "seed=").replace("seed= ", "seed=").split()
        n, seed = None, 0
        for word in words:
            if word.startswith("seed="):
                seed = int(word[5:])
            elif n is None:
                n = int(word)
            else:
                raise ValueError("churn N [--seed S]")
        if n is None or n < 0:
            raise ValueError("churn N [--seed S]")
        rng = random.Random(seed)
        kinds = [k for k, w in self.CHURN_WEIGHTS for _ in range(w)]
        made = []
        for _ in range(n):
            for _attempt in range(20):
                change = self._churn_one(rng.choice(kinds), rng, done)
                if change is not None:
                    made.append(change)
                    break
        return {"changes": made, "count": len(made)}

    def _churn_one(self, kind, rng, done):
        org = self.org
        okta_groups = sorted(g for g, v in org.group_by_id.items() if v["type"] == "OKTA_GROUP")
        if kind == "user-create":
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            self.counter += 1
            login = "%s.%s.c%d@example.com" % (first.lower(), last.lower(), rng.randrange(10**6))
            if self._login_taken(login):
                return None
            status = rng.choice(["ACTIVE"] * 7 + ["STAGED", "PROVISIONED"])
            return self.create_user(done, {"firstName": first, "lastName": last,
                                           "login": login, "email": login}, status, rng)
        uids = sorted(org.user_by_id)
        if kind == "user-update":
            uid = rng.choice(uids)
            if org.user_by_id[uid]["status"] == "DEPROVISIONED":
                return None
            attr = rng.choice(self.CHURN_ATTRIBUTES)
            value = {"title": lambda: rng.choice(TITLES), "department": lambda: rng.choice(
                DEPARTMENTS), "division": lambda: rng.choice(DIVISIONS),
                "badgeNumber": lambda: rng.randint(1000, 999999),
                "isContractor": lambda: rng.random() < 0.5,
                "skills": lambda: rng.sample(["SQL", "Go", "C", "Excel"], rng.randint(0, 3)),
                "mobilePhone": lambda: "+1-555-%03d-%04d" % (rng.randint(100, 999),
                                                              rng.randint(0, 9999)),
                }.get(attr, lambda: "%s %d" % (attr, rng.randint(1, 99)))()
            if rng.random() < 0.1 and attr not in ("department",):
                value = None
            change = self.update_user(done, uid, {attr: value})
            return change if change["changed"] else None
        if kind == "user-status":
            uid = rng.choice(uids)
            current = org.user_by_id[uid]["status"]
            targets = sorted(t for t, froms in TRANSITIONS.items()
                             if current in froms and t != "DEPROVISIONED")
            if rng.random() < 0.25 and current != "DEPROVISIONED":
                targets = ["DEPROVISIONED"]
            if not targets:
                return None
            return self.set_status(done, uid, rng.choice(targets), rng)
        if kind == "user-delete":
            gone = [u for u in uids if org.user_by_id[u]["status"] == "DEPROVISIONED"]
            if not gone:
                return None
            return self.delete_user(done, rng.choice(gone), rng)
        if kind == "member-add":
            if not okta_groups:
                return None
            gid = rng.choice(okta_groups)
            uid = rng.choice(uids)
            change = self.membership(done, gid, uid, True, rng=rng)
            return change if change["changed"] else None
        if kind == "member-remove":
            with_members = [g for g in okta_groups if org.member_ids[g]]
            if not with_members:
                return None
            gid = rng.choice(with_members)
            uid = rng.choice(sorted(org.member_ids[gid]))
            return self.membership(done, gid, uid, False, rng=rng)
        if kind == "group-create":
            name = "Churn %s %d" % (rng.choice(DEPARTMENTS), rng.randrange(10**6))
            if self._name_taken(name):
                return None
            return self.create_group(done, name, rng.choice([None, "", "made by churn"]), rng)
        if kind == "group-rename":
            if not okta_groups:
                return None
            gid = rng.choice(okta_groups)
            name = "Renamed %s %d" % (rng.choice(DEPARTMENTS), rng.randrange(10**6))
            if self._name_taken(name):
                return None
            return self.update_group(done, gid, {"name": name}, rng)
        if kind == "group-delete":
            # only groups made by a test (the generated ones stay)
            mine = sorted(g for g in self.created_groups if g in org.group_by_id)
            if not mine:
                return None
            return self.delete_group(done, rng.choice(mine), rng)
        raise AssertionError(kind)

    # ---- the log ------------------------------------------------------------------------

    def ctl_log_delay(self, arg):
        """log-delay SECONDS [jitter=J]: events recorded from now on become
        visible in /api/v1/logs that long after they happen (published
        unchanged), each J seconds more at most (so, out of their order)."""
        words = (arg or "").split()
        try:
            seconds = float(words[0])
            jitter = float(words[1][len("jitter="):]) if len(words) == 2 and \
                words[1].startswith("jitter=") else (0.0 if len(words) == 1 else None)
        except (IndexError, TypeError, ValueError):
            raise ValueError("log-delay SECONDS [jitter=J]")
        if jitter is None or seconds < 0 or jitter < 0:
            raise ValueError("log-delay SECONDS [jitter=J] (>= 0)")
        self.log.delay_ms = int(round(seconds * 1000))
        self.log.jitter_ms = int(round(jitter * 1000))
        return {"ok": True, "log_delay_s": self.log.delay_ms / 1000.0,
                "log_jitter_s": self.log.jitter_ms / 1000.0}

    def ctl_timestamps(self, arg):
        if arg not in TIMESTAMP_MODES:
            raise ValueError("timestamps ms|s")
        self.clock.precision = arg
        return {"ok": True, "timestamps": arg}

    SEED_KINDS = (("user.session.start", 40), ("user.authentication.sso", 25),
                  ("user.session.end", 15), ("policy.evaluate_sign_on", 12),
                  ("user.authentication.auth_via_mfa", 8))
    SEED_APPS = (("0oaSeedSalesforce001", "Salesforce"), ("0oaSeedSlack00000001", "Slack"),
                 ("0oaSeedWorkday000001", "Workday"), ("0oaSeedGitHub0000001", "GitHub"))

    def ctl_log_seed(self, arg):
        """log-seed N [days=D] [seed=S]: N events of sign-in kinds (no change
        to the org), published evenly over the D days (default 100) before now,
        visible at once: history across the 90-day retention for since/until
        and retention tests."""
        words, pairs = split_args(arg)
        opts = dict(pairs)
        if len(words) != 1 or set(opts) - {"days", "seed"}:
            raise ValueError("log-seed N [days=D] [seed=S]")
        n, days, seed = int(words[0]), float(opts.get("days", 100)), int(opts.get("seed", 0))
        if n < 0 or days <= 0:
            raise ValueError("log-seed N [days=D] [seed=S]: N >= 0, D > 0")
        rng = random.Random(seed)
        with self.org.lock:
            users = [self.org.user_by_id[u] for u in sorted(self.org.user_by_id)]
        if not users:
            raise ValueError("log-seed: the org has no users")
        kinds = [k for k, w in self.SEED_KINDS for _ in range(w)]
        now = self.clock.now_ms()
        span = int(days * sim_log.DAY_MS)
        first = last = None
        for i in range(n):
            published = now - span + int((span - 60000) * (i + rng.random()) / max(n, 1))
            kind = rng.choice(kinds)
            user = rng.choice(users)
            actor = sim_log.user_target(user)
            targets, outcome, reason, severity = [], "SUCCESS", None, "INFO"
            if kind == "user.session.start" and rng.random() < 0.15:
                outcome, reason, severity = "FAILURE", "INVALID_CREDENTIALS", "WARN"
            if kind in ("user.authentication.sso", "policy.evaluate_sign_on"):
                app_id, app = rng.choice(self.SEED_APPS)
                targets = [{"id": app_id, "type": "AppInstance", "alternateId": app,
                            "displayName": app, "detailEntry": None}]
            if kind == "user.authentication.auth_via_mfa":
                targets = [{"id": "mfa" + "".join(rng.choice(BASE62) for _ in range(17)),
                            "type": "AuthenticatorEnrollment", "alternateId": "unknown",
                            "displayName": "Okta Verify", "detailEntry": None}]
            obj = sim_log.make_event(
                kind, published, actor, targets, sim_log.new_transaction_id(rng),
                outcome=outcome, reason=reason, severity=severity,
                ip="203.0.113.%d" % rng.randint(1, 254), api_token=False,
                user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/17.5",
                session_id="102" + "".join(rng.choice(BASE62) for _ in range(22)),
                request_uri="/idp/idx/identify", rng=rng)
            self.log.add(obj, published, persisted_ms=published)
            first = published if first is None else first
            last = published
        return {"ok": True, "seeded": n, "first": ts(first) if first else None,
                "last": ts(last) if last else None}
