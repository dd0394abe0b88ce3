"""Apps, their user and group assignments, users' factors and admin roles.

Generation (init) is deterministic from the seed and the generated users and
groups, with its own random stream (the users and groups do not change).  The
canonical state is kept in org.json:
  apps                    Application objects without _links, ordered by id
  app_user_assignments    [app id, user id, assignment timestamp ms]: direct (USER)
  app_group_assignments   [app id, ApplicationGroupAssignment without _links]
  user_factors            {user id: [UserFactor without _links]}
  user_roles, group_roles {user or group id: [role assignment without _links]}
What is served is derived from it (AppsView): an app's users are its direct
assignees (scope USER) and the members of its groups (scope GROUP), never a
DEPROVISIONED user (deactivation removes a user's app assignments); a user's
roles are its own and its groups'.  An AppUser depends only on (app, user,
scope, group), so a membership change while serving moves app users at once.
"""

import datetime
import random

import sim_search
from sim_common import json_bytes
from sim_data import BASE62, DAY_MS, ORG_CREATED_MS, ORG_NOW_MS, ts

NOTIFICATIONS = {"vpn": {"network": {"connection": "DISABLED"}, "message": None,
                         "helpUrl": None}}
PROVISIONING = ["IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "PUSH_NEW_USERS",
                "PUSH_PROFILE_UPDATES", "PUSH_USER_DEACTIVATION", "REACTIVATE_USERS",
                "GROUP_PUSH"]
# (signOnMode, name (None: a custom app's generated key), label, kind)
CATALOG = [
    ("BOOKMARK", "bookmark", "Intranet", None),
    ("SAML_2_0", "salesforce", "Salesforce.com", "provisioning"),
    ("OPENID_CONNECT", "oidc_client", "Internal Portal", "client_secret_basic"),
    ("SAML_2_0", "workday", "Workday", "provisioning"),
    ("AUTO_LOGIN", None, "Legacy Payroll", "SHARED_USERNAME_AND_PASSWORD"),
    ("BROWSER_PLUGIN", "template_swa", "Travel Booking", "EDIT_USERNAME_AND_PASSWORD"),
    ("OPENID_CONNECT", "oidc_client", "Reporting Service", "private_key_jwt"),
    ("SAML_2_0", None, 'Label "Quoted" App', None),
    ("BOOKMARK", "bookmark", "R&D Wiki / Ops #1 100%", None),
    ("OPENID_CONNECT", "oidc_client", "Mobile App", "none"),
    ("SAML_2_0", "slack", "Slack", "provisioning"),
    ("BROWSER_PLUGIN", "template_swa3field", "Zürich Büro Portal", "EDIT_USERNAME_AND_PASSWORD"),
    ("OPENID_CONNECT", "oidc_client", "Partner API", "client_secret_post"),
    ("AUTO_LOGIN", None, "Expense Reports", "EDIT_USERNAME_AND_PASSWORD"),
    ("SAML_2_0", "zendesk", "Zendesk", None),
]
ROLE_LABELS = {
    "SUPER_ADMIN": "Super Administrator", "ORG_ADMIN": "Organization Administrator",
    "APP_ADMIN": "Application Administrator", "READ_ONLY_ADMIN": "Read-only Administrator",
    "HELP_DESK_ADMIN": "Help Desk Administrator", "USER_ADMIN": "Group Administrator",
    "REPORT_ADMIN": "Report Administrator",
    "GROUP_MEMBERSHIP_ADMIN": "Group Membership Administrator",
}
QUESTIONS = [("disliked_food", "What is the food you least liked as a child?"),
             ("name_of_first_plush_toy", "What is the name of your first stuffed animal?"),
             ("favorite_art_piece", "What is your favorite piece of art?")]
FACTOR_PREFIX = {"push": "opf", "token:software:totp": "ost", "sms": "mbl", "call": "clf",
                 "email": "emf", "webauthn": "fwf", "question": "ufs"}
AUTHENTICATORS = ["MacBook Touch ID", "YubiKey 5 NFC", "Windows Hello", "iCloud Keychain"]


def _rand_chars(rng, n, alphabet=BASE62):
    return "".join(rng.choice(alphabet) for _ in range(n))


def _when(rng, lo, hi):
    lo, hi = int(lo) // 1000, max(int(lo) // 1000, int(hi) // 1000)
    return rng.randint(lo, hi) * 1000


# ---- generation -------------------------------------------------------------

class _Gen:
    def __init__(self, seed, users, groups, members):
        self.rng = random.Random("oktasim-apps:%d" % seed)
        self.seen = set()
        self.users = users
        self.groups = groups
        self.members = members
        self.org_id = "00o" + _rand_chars(self.rng, 17)

    def new_id(self, prefix):
        while True:
            value = prefix + _rand_chars(self.rng, 20 - len(prefix))
            if value not in self.seen:
                self.seen.add(value)
                return value

    def app(self, i):
        rng = self.rng
        mode, name, label, kind = CATALOG[i % len(CATALOG)]
        if i >= len(CATALOG):
            label = "%s %d" % (label, i // len(CATALOG) + 1)
        aid = self.new_id("0oa")
        if name is None:
            name = "acme_%s_%d" % ({"SAML_2_0": "customsaml20app",
                                   "AUTO_LOGIN": "customswaapp"}[mode], i + 1)
        created = _when(rng, ORG_CREATED_MS, ORG_NOW_MS - 90 * DAY_MS)
        updated = created if rng.random() < 0.5 else _when(rng, created, ORG_NOW_MS - DAY_MS)
        status = "INACTIVE" if i % 5 == 4 else "ACTIVE"
        link = "login" if name in ("bookmark", "salesforce", "workday", "slack", "zendesk",
                                   "template_swa", "template_swa3field") else name + "_link"
        app = {"id": aid, "orn": "orn:okta:idp:%s:apps:%s:%s" % (self.org_id, name, aid),
               "name": name, "label": label, "status": status,
               "lastUpdated": ts(updated), "created": ts(created),
               "accessibility": {"selfService": False, "errorRedirectUrl": None,
                                 "loginRedirectUrl": None},
               "visibility": {"autoLaunch": False, "autoSubmitToolbar": False,
                              "hide": {"iOS": mode == "OPENID_CONNECT",
                                       "web": mode == "OPENID_CONNECT"},
                              "appLinks": {link: True}},
               "features": list(PROVISIONING) if kind == "provisioning" else [],
               "signOnMode": mode}
        app["credentials"], app["settings"] = self.credentials_settings(app, kind)
        if mode == "OPENID_CONNECT":
            app["profile"] = {"label": label.lower()}
        return app

    def credentials_settings(self, app, kind):
        rng, mode = self.rng, app["signOnMode"]
        template = {"template": rng.choice(["${source.login}", "${source.email}"]),
                    "type": "BUILT_IN"}
        settings = {"app": {}, "notifications": NOTIFICATIONS, "manualProvisioning": False,
                    "implicitAssignment": False, "notes": {"admin": None, "enduser": None},
                    "emOptInStatus": "DISABLED"}
        kid = _rand_chars(rng, 43, BASE62 + "-_")
        if mode == "SAML_2_0":
            creds = {"userNameTemplate": template, "signing": {"kid": kid}}
            settings["signOn"] = {"defaultRelayState": None, "ssoAcsUrlOverride": None,
                                  "audienceOverride": None, "recipientOverride": None,
                                  "destinationOverride": None, "attributeStatements": []}
            if app["name"] != "salesforce":
                settings["app"] = {"siteURL": "https://%s.example.com" % app["name"]}
        elif mode == "OPENID_CONNECT":
            client = {"autoKeyRotation": True, "client_id": app["id"]}
            if kind.startswith("client_secret"):
                # what Okta's GET returns for a confidential client: the secret
                client["client_secret"] = _rand_chars(rng, 64, BASE62 + "-_")
            client["token_endpoint_auth_method"] = kind
            client["pkce_required"] = kind == "none"
            creds = {"userNameTemplate": template, "signing": {"kid": kid},
                     "oauthClient": client}
            app_type = {"none": "native", "private_key_jwt": "service"}.get(kind, "web")
            grants = ["client_credentials"] if app_type == "service" else \
                ["authorization_code", "refresh_token"]
            oauth = {"redirect_uris": [] if app_type == "service" else
                     ["https://%s.example.com/oauth2/callback" % app["id"].lower()],
                     "response_types": ["token"] if app_type == "service" else ["code"],
                     "grant_types": grants, "application_type": app_type,
                     "issuer_mode": "DYNAMIC", "wildcard_redirect": "DISABLED",
                     "dpop_bound_access_tokens": app_type == "service"}
            if app_type == "service":
                oauth["jwks"] = {"keys": [{"kty": "RSA", "kid": "k1", "e": "AQAB", "n": _rand_chars(rng, 342, BASE62 + "-_")}]}
            settings["oauthClient"] = oauth
        elif mode == "BOOKMARK":
            creds = {"userNameTemplate": template, "signing": {}}
            settings["app"] = {"requestIntegration": False,
                               "url": "https://intranet.example.com/%s" % app["id"]}
        else:   # AUTO_LOGIN, BROWSER_PLUGIN: credentials vaulted by Okta
            creds = {"scheme": kind, "userNameTemplate": template, "revealPassword": False,
                     "signing": {}}
            if kind == "SHARED_USERNAME_AND_PASSWORD":
                creds["userName"] = "shared-%s@example.com" % app["id"][-6:].lower()
                creds["password"] = {}
            url = "https://%s.example.com/login" % app["id"][-8:].lower()
            if mode == "AUTO_LOGIN":
                settings["signOn"] = {"loginUrl": url}
            elif app["name"] == "template_swa":
                settings["app"] = {"buttonField": "btn-login", "passwordField": "txtbox-password",
                                   "usernameField": "txtbox-username", "url": url}
            else:
                settings["app"] = {"extraFieldSelector": ".login", "extraFieldValue": "EU",
                                   "userNameSelector": "#user", "passwordSelector": "#pass",
                                   "buttonSelector": "#go", "targetURL": url}
        return creds, settings

    def assignments(self, apps):
        """(direct user assignments, group assignments)."""
        rng = self.rng
        live = [u["id"] for u in self.users if u["status"] != "DEPROVISIONED"]
        everyone = next((g["id"] for g in self.groups if g["type"] == "BUILT_IN"), None)
        others = [g["id"] for g in self.groups if g["type"] != "BUILT_IN"]
        direct, by_group = [], []
        for i, app in enumerate(apps):
            created = _ms(app["created"])
            gids = []
            if i == 0 and everyone:
                gids = [everyone]             # the Intranet: every user, through Everyone
            elif others and i % 7 != 6:      # every seventh app: direct users only
                gids = rng.sample(others, min(len(others), rng.randint(1, 3)))
            for priority, gid in enumerate(gids):
                profile = {}
                if "GROUP_PUSH" in app["features"]:
                    profile = {"role": rng.choice(["Standard User", "Manager"]),
                               "licenses": rng.sample(["basic", "analytics", "admin"], 2)}
                by_group.append([app["id"], {
                    "id": gid, "priority": priority,
                    "lastUpdated": ts(_when(rng, created, ORG_NOW_MS - DAY_MS)),
                    "profile": profile}])
            if i % 7 == 5 or not live:
                continue                      # some apps: groups only
            for uid in sorted(rng.sample(live, min(len(live), rng.randint(1, 12)))):
                direct.append([app["id"], uid, _when(rng, created, ORG_NOW_MS - DAY_MS)])
        return direct, by_group

    def factors(self, user):
        rng = self.rng
        if user["status"] in ("DEPROVISIONED", "STAGED") or rng.random() < 0.2:
            return []                          # never enrolled (or reset on deactivation)
        lo = _ms(user["activated"] or user["created"])
        kinds = rng.sample(["push", "token:software:totp", "sms", "webauthn", "email",
                            "question", "call"], rng.randint(1, 3))
        out = []
        for kind in kinds:
            created = _when(rng, lo, ORG_NOW_MS - DAY_MS)
            updated = created if rng.random() < 0.6 else _when(rng, created, ORG_NOW_MS - DAY_MS)
            pending = kind in ("token:software:totp", "sms", "push") and rng.random() < 0.15
            provider = {"webauthn": "FIDO"}.get(kind, "OKTA")
            if kind == "token:software:totp" and rng.random() < 0.4:
                provider = "GOOGLE"
            factor = {"id": self.new_id(FACTOR_PREFIX[kind]), "factorType": kind,
                      "provider": provider, "vendorName": provider,
                      "status": "PENDING_ACTIVATION" if pending else "ACTIVE",
                      "created": ts(created), "lastUpdated": ts(updated),
                      "profile": self.factor_profile(kind, user)}
            if pending and kind == "token:software:totp":
                # the enrollment's shared secret, as Okta returns it until activation
                factor["_embedded"] = {"activation": {
                    "timeStep": 30, "sharedSecret": _rand_chars(rng, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
                    "encoding": "base32", "keyLength": 16}}
            out.append(factor)
        return out

    def factor_profile(self, kind, user):
        rng = self.rng
        phone = "+1555%07d" % rng.randint(0, 9999999)
        login = user["profile"]["login"]
        if kind == "push":
            return {"credentialId": login, "deviceType": rng.choice(
                        ["SmartPhone_IPhone", "SmartPhone_Android"]),
                    "name": rng.choice(["My Phone", "Work iPhone", "Pixel 8"]),
                    "platform": rng.choice(["IOS", "ANDROID"]), "version": "17.1"}
        if kind == "token:software:totp":
            return {"credentialId": login}
        if kind in ("sms", "call"):
            return {"phoneNumber": phone}
        if kind == "email":
            return {"email": user["profile"]["email"]}
        if kind == "webauthn":
            return {"credentialId": _rand_chars(rng, 86, BASE62 + "-_"),
                    "authenticatorName": rng.choice(AUTHENTICATORS)}
        question, text = rng.choice(QUESTIONS)
        return {"question": question, "questionText": text}

    def role(self, rtype, assignment_type, prefix):
        created = _when(self.rng, ORG_CREATED_MS, ORG_NOW_MS - 30 * DAY_MS)
        role = {"id": self.new_id(prefix), "label": ROLE_LABELS.get(rtype, "Access Reviewer"),
                "type": rtype, "status": "ACTIVE", "created": ts(created),
                "lastUpdated": ts(created), "assignmentType": assignment_type}
        if rtype == "CUSTOM":
            role = {"id": role["id"], "role": self.new_id("cr0"), "label": role["label"],
                    "type": "CUSTOM", "status": "ACTIVE", "created": role["created"],
                    "lastUpdated": role["lastUpdated"], "assignmentType": assignment_type,
                    "resource-set": self.new_id("iam")}
        return role

    def roles(self):
        """(user roles, group roles): a handful of admins, direct and via groups."""
        active = [u["id"] for u in self.users if u["status"] == "ACTIVE"]
        user_roles = {}
        plan = [["SUPER_ADMIN"], ["ORG_ADMIN"], ["READ_ONLY_ADMIN"], ["READ_ONLY_ADMIN"],
                ["APP_ADMIN", "HELP_DESK_ADMIN"], ["REPORT_ADMIN"], ["CUSTOM"]]
        for uid, types in zip(self.rng.sample(active, min(len(active), len(plan))), plan):
            user_roles[uid] = [self.role(t, "USER", "ra1" if t != "CUSTOM" else "irb")
                               for t in types]
        # the smallest non-empty OKTA_GROUPs hold roles: super admins through a group
        small = sorted((len(self.members[g["id"]]), g["id"]) for g in self.groups
                       if g["type"] == "OKTA_GROUP" and self.members[g["id"]])
        group_roles = {}
        for (_, gid), types in zip(small, (["SUPER_ADMIN"], ["USER_ADMIN", "READ_ONLY_ADMIN"])):
            group_roles[gid] = [self.role(t, "GROUP", "gra") for t in types]
        return user_roles, group_roles


def _ms(stamp):
    dt = datetime.datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")
    secs = int((dt - datetime.datetime(1970, 1, 1)).total_seconds())
    return secs * 1000 + int(stamp[20:23])


def generate(users, groups, members, seed, n_apps=30):
    """The apps part of org.json (see the module's docstring)."""
    gen = _Gen(seed, users, groups, members)
    made = [gen.app(i) for i in range(n_apps)]          # catalogue order
    direct, by_group = gen.assignments(made)
    apps = sorted(made, key=lambda a: a["id"])
    factors = {}
    for u in users:
        fs = gen.factors(u)
        if fs:
            factors[u["id"]] = fs
    user_roles, group_roles = gen.roles()
    return {"org_id": gen.org_id, "apps": apps, "app_user_assignments": direct,
            "app_group_assignments": by_group, "user_factors": factors,
            "user_roles": user_roles, "group_roles": group_roles}


# ---- what is served ---------------------------------------------------------

def _app_user(app, user, scope, group, direct_ms):
    """The AppUser of a user in an app (without _links): a function of the
    app, the user, the scope and the group it came through only."""
    rng = random.Random("%s/%s/%s" % (app["id"], user["id"], group["id"] if group else ""))
    lo = max(_ms(app["created"]), _ms(user["created"]))
    created = direct_ms if direct_ms is not None else _when(rng, lo, ORG_NOW_MS - DAY_MS)
    updated = created if rng.random() < 0.6 else _when(rng, created, ORG_NOW_MS - 3600000)
    provisioning = "PUSH_NEW_USERS" in app["features"]
    template = app["credentials"]["userNameTemplate"]["template"]
    profile = user["profile"]
    creds = {"userName": profile["email"] if "email" in template else profile["login"]}
    swa = app["signOnMode"] in ("AUTO_LOGIN", "BROWSER_PLUGIN") and \
        app["credentials"].get("scheme") != "SHARED_USERNAME_AND_PASSWORD"
    if swa:
        creds["password"] = {}
    out = {"id": user["id"],
           "externalId": _rand_chars(rng, 32, "0123456789abcdef") if provisioning else None,
           "created": ts(created), "lastUpdated": ts(updated), "scope": scope,
           "status": "PROVISIONED" if provisioning else "ACTIVE",
           "statusChanged": ts(updated), "passwordChanged": ts(updated) if swa else None,
           "syncState": (rng.choice(["SYNCHRONIZED"] * 8 + ["OUT_OF_SYNC", "ERROR"])
                         if provisioning else "DISABLED"),
           "lastSync": ts(updated) if provisioning else None,
           "credentials": creds,
           "profile": {}}
    if provisioning:
        out["profile"] = {"email": profile["email"], "firstName": profile["firstName"],
                          "lastName": profile["lastName"],
                          "displayName": "%s %s" % (profile["firstName"], profile["lastName"]),
                          "role": rng.choice(["Standard User", "Manager"])}
    return out


class AppsState:
    """The canonical apps state (org.json) and the views served from it,
    rebuilt by rebuild() under the org's lock after every change."""

    def __init__(self, data, base_url):
        self.base_url = base_url
        self.org_id = data.get("org_id", "00o" + "0" * 17)
        self.apps = {a["id"]: a for a in data.get("apps", [])}
        self.direct = {}          # app id -> {user id: assigned ms}
        for aid, uid, ms in data.get("app_user_assignments", []):
            self.direct.setdefault(aid, {})[uid] = ms
        self.by_group = {}        # app id -> {group id: ApplicationGroupAssignment}
        for aid, rec in data.get("app_group_assignments", []):
            self.by_group.setdefault(aid, {})[rec["id"]] = rec
        self.factors = dict(data.get("user_factors", {}))
        self.user_roles = dict(data.get("user_roles", {}))
        self.group_roles = dict(data.get("group_roles", {}))
        self._cache = {}          # (app, user, scope, group) -> (AppUser bytes, truth row bytes)

    # ---- changes (under the org's lock) -------------------------------------

    def forget_user(self, uid):
        self.factors.pop(uid, None)
        self.user_roles.pop(uid, None)
        for users in self.direct.values():
            users.pop(uid, None)

    def forget_group(self, gid):
        self.group_roles.pop(gid, None)
        for groups in self.by_group.values():
            groups.pop(gid, None)

    # ---- the served views -----------------------------------------------------

    def href(self, path):
        return "%s/api/v1/%s" % (self.base_url, path)

    def rebuild(self, user_by_id, group_by_id, member_ids):
        self.app_ids = sorted(self.apps)
        self.app_json = [json_bytes(self._app_served(self.apps[a])) for a in self.app_ids]
        self.app_index = {a: i for i, a in enumerate(self.app_ids)}
        self.user_apps, self.group_apps = {}, {}
        self.app_users, self.app_groups = {}, {}    # app id -> (ids, bytes, truth rows)
        for aid in self.app_ids:
            self._rebuild_app(self.apps[aid], user_by_id, group_by_id, member_ids)
        admins = {uid for uid in self.user_roles if uid in user_by_id}
        self.roles_of_group_member = {}
        for gid in self.group_roles:
            for uid in member_ids.get(gid, ()):
                admins.add(uid)
                self.roles_of_group_member.setdefault(uid, []).append(gid)
        self.admin_ids = sorted(admins)

    def _rebuild_app(self, app, user_by_id, group_by_id, member_ids):
        aid = app["id"]
        assigned = sorted(self.by_group.get(aid, {}).values(),
                          key=lambda r: (r["priority"], r["id"]))
        chosen = {}                                   # uid -> (scope, group, direct ms)
        for rec in assigned:
            for uid in member_ids.get(rec["id"], ()):
                chosen.setdefault(uid, ("GROUP", group_by_id[rec["id"]], None))
        for uid, ms in self.direct.get(aid, {}).items():
            chosen[uid] = ("USER", None, ms)
        ids, blobs, rows = [], [], []
        for uid in sorted(chosen):
            user = user_by_id.get(uid)
            if user is None or user["status"] == "DEPROVISIONED":
                continue
            scope, group, ms = chosen[uid]
            key = (aid, uid, scope, group["id"] if group else None)
            hit = self._cache.get(key)
            if hit is None:
                hit = self._cache[key] = self._app_user_bytes(app, user, scope, group, ms)
            ids.append(uid)
            blobs.append(hit[0])
            rows.append(hit[1])
            self.user_apps.setdefault(uid, set()).add(aid)
        self.app_users[aid] = (ids, blobs, rows)
        gids = sorted(g for g in self.by_group.get(aid, {}) if g in group_by_id)
        for gid in gids:
            self.group_apps.setdefault(gid, set()).add(aid)
        self.app_groups[aid] = (gids, [json_bytes(self._group_assignment_served(
            aid, self.by_group[aid][g])) for g in gids],
            [json_bytes(_group_row(aid, self.by_group[aid][g])) for g in gids])

    def _app_user_bytes(self, app, user, scope, group, ms):
        record = _app_user(app, user, scope, group, ms)
        links = {"app": {"href": self.href("apps/" + app["id"])},
                 "user": {"href": self.href("users/" + user["id"])}}
        if group is not None:
            links["group"] = {"name": group["profile"]["name"],
                              "href": self.href("groups/" + group["id"])}
        row = {"app_id": app["id"], "user_id": user["id"], "scope": scope,
               "status": record["status"], "sync_state": record["syncState"],
               "created": record["created"], "last_updated": record["lastUpdated"],
               "status_changed": record["statusChanged"], "external_id": record["externalId"],
               "user_name": record["credentials"]["userName"], "profile": record["profile"]}
        return json_bytes(dict(record, _links=links)), json_bytes(row)

    def _app_served(self, app):
        aid = app["id"]
        out = dict(app)
        link = next(iter(app["visibility"]["appLinks"]))
        links = {"logo": [{"name": "medium", "href": "%s/assets/img/logos/default.png"
                           % self.base_url, "type": "image/png"}],
                 "appLinks": [{"name": link, "href": "%s/home/%s/%s/aln%s" % (
                     self.base_url, app["name"], aid, aid[3:]), "type": "text/html"}],
                 "users": {"href": self.href("apps/%s/users" % aid)}}
        if app["status"] == "ACTIVE":
            links["deactivate"] = {"href": self.href("apps/%s/lifecycle/deactivate" % aid)}
        else:
            links["activate"] = {"href": self.href("apps/%s/lifecycle/activate" % aid)}
        links["groups"] = {"href": self.href("apps/%s/groups" % aid)}
        if app["signOnMode"] == "SAML_2_0":
            links["metadata"] = {"href": self.href("apps/%s/sso/saml/metadata" % aid),
                                 "type": "application/xml"}
        links["self"] = {"href": self.href("apps/" + aid)}
        out["_links"] = links
        return out

    def _group_assignment_served(self, aid, rec):
        return dict(rec, _links={
            "app": {"href": self.href("apps/" + aid)},
            "self": {"href": self.href("apps/%s/groups/%s" % (aid, rec["id"]))},
            "group": {"href": self.href("groups/" + rec["id"])}})

    def factors_served(self, uid):
        out = []
        for f in self.factors.get(uid, []):
            base = self.href("users/%s/factors/%s" % (uid, f["id"]))
            links = {}
            if f["status"] == "PENDING_ACTIVATION":
                links["next"] = {"name": "activate", "href": base + "/lifecycle/activate",
                                 "hints": {"allow": ["POST"]}}
            elif f["factorType"] == "question":
                links["questions"] = {"href": self.href("users/%s/factors/questions" % uid),
                                      "hints": {"allow": ["GET"]}}
            else:
                links["verify"] = {"href": base + "/verify", "hints": {"allow": ["POST"]}}
            links["self"] = {"href": base, "hints": {"allow": ["GET", "DELETE"]}}
            links["user"] = {"href": self.href("users/" + uid), "hints": {"allow": ["GET"]}}
            served = {k: v for k, v in f.items() if k != "_embedded"}
            served["_links"] = links
            if "_embedded" in f:
                served["_embedded"] = f["_embedded"]
            out.append(served)
        return out

    def roles_served(self, uid):
        """A user's role assignments: its own, then its groups' (by group id)."""
        out = [self._role_served(r, "users/" + uid) for r in self.user_roles.get(uid, [])]
        for gid in sorted(self.roles_of_group_member.get(uid, [])):
            out.extend(self._role_served(r, "groups/" + gid) for r in self.group_roles[gid])
        return out

    def _role_served(self, role, assignee):
        links = {"assignee": {"href": self.href(assignee)}}
        if role["type"] == "CUSTOM":
            rs, rid = role["resource-set"], role["role"]
            links["resource-set"] = {"href": self.href("iam/resource-sets/" + rs)}
            links["member"] = {"href": self.href("iam/resource-sets/%s/bindings/%s/members/%s"
                                                 % (rs, rid, role["id"]))}
            links["role"] = {"href": self.href("iam/roles/" + rid)}
            links["permissions"] = {"href": self.href("iam/permission-sets/%s/permissions"
                                                      % rid)}
        return dict(role, _links=links)

    def assignee_served(self, uid):
        return {"id": uid, "orn": "orn:okta:%s:users:%s" % (self.org_id, uid),
                "_links": {"self": {"href": self.href("users/" + uid)},
                           "roles": {"href": self.href("users/%s/roles" % uid)}}}

    def resolve(self, app, attr):
        """Apps filter attributes: user.id and group.id are the app's assignees."""
        if attr == "user.id":
            return self.app_users[app["id"]][0]
        if attr == "group.id":
            return self.app_groups[app["id"]][0]
        return sim_search.resolve_path(app, attr)

    # ---- truth files ----------------------------------------------------------

    def truth(self, user_ids):
        """apps.json, app_users.json, app_groups.json, user_factors.json,
        user_roles.json: flat rows named as the SQL tables' columns."""
        apps = [{"id": a["id"], "name": a["name"], "label": a["label"], "status": a["status"],
                 "sign_on_mode": a["signOnMode"], "created": a["created"],
                 "last_updated": a["lastUpdated"], "features": a["features"], "app": a}
                for a in (self.apps[x] for x in self.app_ids)]
        app_users = [r for aid in self.app_ids for r in self.app_users[aid][2]]
        app_groups = [r for aid in self.app_ids for r in self.app_groups[aid][2]]
        factors = [{"user_id": uid, "id": f["id"], "factor_type": f["factorType"],
                    "provider": f["provider"], "vendor_name": f.get("vendorName"),
                    "status": f["status"], "created": f["created"],
                    "last_updated": f["lastUpdated"], "profile": f["profile"]}
                   for uid in user_ids for f in self.factors.get(uid, [])]
        roles = [{"user_id": uid, "id": r["id"], "type": r["type"], "label": r["label"],
                  "status": r["status"], "assignment_type": r["assignmentType"],
                  "created": r["created"], "last_updated": r["lastUpdated"]}
                 for uid in self.admin_ids for r in self.roles_served(uid)]

        def dump(rows):
            return b"[" + b",".join(r if isinstance(r, bytes) else json_bytes(r)
                                    for r in rows) + b"]\n"
        return {"apps.json": dump(apps), "app_users.json": dump(app_users),
                "app_groups.json": dump(app_groups), "user_factors.json": dump(factors),
                "user_roles.json": dump(roles)}


def _group_row(aid, rec):
    return {"app_id": aid, "group_id": rec["id"], "priority": rec["priority"],
            "last_updated": rec["lastUpdated"], "profile": rec["profile"]}

