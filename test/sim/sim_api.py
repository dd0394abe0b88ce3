"""The simulated org and the read-only Management API endpoints.

Objects are serialised once at start-up; a page is a join of pre-serialised
byte strings.  Lists are ordered by id; the `after` cursor is opaque
(base64url of a kind tag and the last id of the previous page).
"""

import base64
import binascii
import bisect
import json
import threading
import urllib.parse
from collections import OrderedDict

import sim_apps
import sim_search
from sim_common import CT_JSON, CT_JSON_UTF8, Response, json_bytes, not_found, okta_error

USERS_SCOPE = "okta.users.read"
GROUPS_SCOPE = "okta.groups.read"
SCHEMAS_SCOPE = "okta.schemas.read"
LOGS_SCOPE = "okta.logs.read"
APPS_SCOPE = "okta.apps.read"
ROLES_SCOPE = "okta.roles.read"

_LOGO_BASE = "https://ok12static.oktacdn.com/assets/img/logos/groups/odyssey/"
LOGO_LINKS = [   # member order as in the recorded samples
    {"name": "medium", "href": _LOGO_BASE + "okta-medium.30ce6d4085dff29412984e4c191bc874.png",
     "type": "image/png"},
    {"name": "large", "href": _LOGO_BASE + "okta-large.c3cb8cda8ae0add1b4fe928f5844dbe3.png",
     "type": "image/png"},
]

# _links rels of a single user, by status (lifecycle ones are POST links)
_LIFECYCLE = {
    "STAGED": ["schema", "activate", "self", "type"],
    "PROVISIONED": ["schema", "reactivate", "self", "type", "deactivate"],
    "ACTIVE": ["suspend", "schema", "resetPassword", "forgotPassword", "expirePassword",
               "changeRecoveryQuestion", "self", "resetFactors", "type", "changePassword",
               "deactivate"],
    "RECOVERY": ["suspend", "schema", "resetPassword", "self", "resetFactors", "type",
                 "deactivate"],
    "PASSWORD_EXPIRED": ["suspend", "schema", "resetPassword", "self", "resetFactors", "type",
                         "deactivate"],
    "LOCKED_OUT": ["schema", "unlock", "resetPassword", "self", "resetFactors", "type",
                   "deactivate"],
    "SUSPENDED": ["schema", "unsuspend", "self", "type", "deactivate"],
    "DEPROVISIONED": ["schema", "activate", "self", "type"],
}
_LINK_PATHS = {
    "activate": "lifecycle/activate", "reactivate": "lifecycle/reactivate",
    "deactivate": "lifecycle/deactivate", "suspend": "lifecycle/suspend",
    "unsuspend": "lifecycle/unsuspend", "unlock": "lifecycle/unlock",
    "resetPassword": "lifecycle/reset_password", "expirePassword": "lifecycle/expire_password",
    "resetFactors": "lifecycle/reset_factors",
    "forgotPassword": "credentials/forgot_password",
    "changePassword": "credentials/change_password",
    "changeRecoveryQuestion": "credentials/change_recovery_question",
}

# Standard profile attributes (name, title, extra schema members)
BASE_ATTRIBUTES = [
    ("login", "Username", {"required": True, "minLength": 5, "maxLength": 100}),
    ("firstName", "First name", {"required": True, "minLength": 1, "maxLength": 50}),
    ("lastName", "Last name", {"required": True, "minLength": 1, "maxLength": 50}),
    ("middleName", "Middle name", {}), ("honorificPrefix", "Honorific prefix", {}),
    ("honorificSuffix", "Honorific suffix", {}),
    ("email", "Primary email", {"required": True, "format": "email"}),
    ("title", "Title", {}), ("displayName", "Display name", {}), ("nickName", "Nickname", {}),
    ("profileUrl", "Profile Url", {"format": "uri"}),
    ("secondEmail", "Secondary email", {"format": "email"}),
    ("mobilePhone", "Mobile phone", {"maxLength": 100}),
    ("primaryPhone", "Primary phone", {"maxLength": 100}),
    ("streetAddress", "Street address", {}), ("city", "City", {}), ("state", "State", {}),
    ("zipCode", "Zip code", {}), ("countryCode", "Country code", {"format": "country-code"}),
    ("postalAddress", "Postal Address", {}),
    ("preferredLanguage", "Preferred language", {"format": "language-code"}),
    ("locale", "Locale", {"format": "locale"}), ("timezone", "Time zone", {"format": "timezone"}),
    ("userType", "User type", {}), ("employeeNumber", "Employee number", {}),
    ("costCenter", "Cost center", {}), ("organization", "Organization", {}),
    ("division", "Division", {}), ("department", "Department", {}),
    ("managerId", "ManagerId", {}), ("manager", "Manager", {}),
]
GROUP_PROFILE_ATTRIBUTES = ("name", "description", "dn", "externalId", "samAccountName",
                            "windowsDomainQualifiedName")
_TYPE_MAP = {"string": sim_search.STRING, "boolean": sim_search.BOOLEAN,
             "integer": sim_search.INTEGER, "number": sim_search.NUMBER,
             "array": sim_search.STRING_ARRAY}



class _GroupsWithStats:
    """A json_list for _page: each group serialised with its member count
    (expand=stats), when asked for."""

    def __init__(self, org):
        self.org = org

    def __getitem__(self, i):
        return self.org.group_with_stats(i)

class ApiError(Exception):
    def __init__(self, response):
        super().__init__()
        self.response = response


def _bad_request_limit(value):
    return ApiError(okta_error(400, "E0000001", "Api validation failed: limit",
                               ["limit: The limit must be an integer between 1 and the "
                                "maximum page size (got %r)." % value]))


def _bad_cursor():
    return ApiError(okta_error(400, "E0000001", "Api validation failed: after",
                               ["after: The pagination cursor is invalid."]))


def encode_cursor(kind, last_id):
    raw = ("%s1:%s" % (kind, last_id)).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(kind, cursor):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_cursor()
    prefix = kind + "1:"
    if not raw.startswith(prefix) or len(raw) == len(prefix) or \
            encode_cursor(kind, raw[len(prefix):]) != cursor:
        raise _bad_cursor()
    return raw[len(prefix):]


# okta-response="omitCredentials,omitCredentialsLinks[,omitTransitioningToStatus]"
LEAN_VARIANTS = (("credentials",), ("credentials", "transitioningToStatus"))


def omitted_fields(content_type):
    """The user fields an okta-response content-type parameter leaves out."""
    if "okta-response" not in (content_type or ""):
        return ()
    value = content_type.split("okta-response", 1)[1]
    omit = ()
    if "omitCredentials" in value:
        omit = ("credentials",)
        if "omitTransitioningToStatus" in value:
            omit = ("credentials", "transitioningToStatus")
    return omit


# ---- Okta's `fields` projection of user listings ----------------------------

# top-level user properties a `fields` value may name (the OpenAPI User schema)
USER_PROPERTIES = ("id", "status", "created", "activated", "statusChanged", "lastLogin",
                   "lastUpdated", "passwordChanged", "transitioningToStatus", "type",
                   "realmId", "profile", "credentials", "_links", "_embedded")
# the ones that are objects: NAME:(sub,...) selects their members
USER_OBJECT_PROPERTIES = ("profile", "type", "credentials", "_links", "_embedded")
FIELDS_MODES = ("on", "ignore", "reject")


def _fields_error(cause):
    return ApiError(okta_error(400, "E0000001", "Api validation failed: fields",
                               ["fields: " + cause]))


def parse_fields(text):
    """Okta's fields syntax, e.g. `id,status,profile:(firstName, city)`:
    comma-separated property names (spaces around names allowed), an object
    property optionally followed by `:(member,...)`, one level deep.
    Returns {name: None (whole) or set of members}.  Raises ApiError (400
    E0000001) for a syntax error or an unknown top-level property."""
    selection = {}
    pos, n = 0, len(text)

    def name():
        nonlocal pos
        while pos < n and text[pos] == " ":
            pos += 1
        start = pos
        while pos < n and (text[pos].isascii() and (text[pos].isalnum() or text[pos] in "_$")):
            pos += 1
        if pos == start:
            raise _fields_error("Expected a property name at position %d." % start)
        word = text[start:pos]
        while pos < n and text[pos] == " ":
            pos += 1
        return word

    while True:
        prop = name()
        if prop not in USER_PROPERTIES:
            raise _fields_error("Unknown user property %r." % prop)
        members = None
        if pos < n and text[pos] == ":":
            if prop not in USER_OBJECT_PROPERTIES:
                raise _fields_error("Property %r has no members to select." % prop)
            pos += 1
            if pos >= n or text[pos] != "(":
                raise _fields_error("Expected '(' after %r:." % prop)
            pos += 1
            members = set()
            while True:
                members.add(name())
                if pos < n and text[pos] == ",":
                    pos += 1
                    continue
                if pos < n and text[pos] == ")":
                    pos += 1
                    break
                raise _fields_error("Expected ',' or ')' at position %d." % pos)
            while pos < n and text[pos] == " ":
                pos += 1
        if prop in selection and (selection[prop] is None or members is None):
            selection[prop] = None          # the whole property wins
        elif prop in selection:
            selection[prop] |= members
        else:
            selection[prop] = members
        if pos == n:
            return selection
        if text[pos] != ",":
            raise _fields_error("Expected ',' at position %d." % pos)
        pos += 1


def project_user(user, selection):
    """The user (as listed) with only the selected properties; `id` always.
    Member order follows the full object; absent properties stay absent."""
    out = {}
    for key, value in user.items():
        if key != "id" and key not in selection:
            continue
        members = selection.get(key)
        if members is not None and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k in members}
        out[key] = value
    return out


class _Projected:
    """Serialised projected users by index, made on demand (the pre-serialised
    lists stay for requests without `fields`)."""

    def __init__(self, org, selection, omit):
        self.org, self.selection, self.omit = org, selection, omit

    def __getitem__(self, i):
        user = self.org._user_for_list(self.org.users[i], self.omit)
        return json_bytes(project_user(user, self.selection))


class Params:
    """Query parameters in the order received; the first occurrence wins."""

    def __init__(self, pairs):
        self.pairs = pairs
        # what the request's okta-response content-type parameter leaves out
        # of user objects: () or a tuple of top-level keys
        self.omit = ()
        self.first = {}
        for name, value in pairs:
            self.first.setdefault(name, value)

    def get(self, name):
        return self.first.get(name)


class Org:
    """Loaded org data, indexes and pre-serialised JSON.

    The canonical state is three dicts: users and groups by id, and each
    group's member ids.  Changes (sim_changes.py) edit them through the
    primitives below, under `lock`, then call commit(), which rebuilds what
    the handlers read (lists ordered by id, indexes, pre-serialised bytes) and
    swaps it in; handlers run under the same lock, so a request never sees
    half a change."""

    def __init__(self, data, base_url):
        self.base_url = base_url
        self.lock = threading.RLock()
        self.schema_id = data["schema_id"]
        self.user_types = data["user_types"]
        self.user_type_id = data["user_types"][0]["id"]
        self.custom_attributes = data["custom_attributes"]
        self.group_sources = data["group_sources"]
        self.user_by_id = {u["id"]: u for u in data["users"]}
        self.group_by_id = {g["id"]: g for g in data["groups"]}
        self.member_ids = {gid: set() for gid in self.group_by_id}
        for gid, uid in data["memberships"]:
            self.member_ids[gid].add(uid)
        # apps and their assignments, factors, admin roles (sim_apps.py)
        self.apps = sim_apps.AppsState(data, base_url)
        # serialised forms by id, dropped when the object changes
        self._user_bytes = {}       # uid -> (full, {omit: lean})
        self._group_bytes = {}      # gid -> bytes
        self._truth_bytes = {}      # id -> bytes as in users.json / groups.json
        self._membership_bytes = {}     # gid -> its rows of memberships.json

        self.profile_types = {name: sim_search.STRING for name, _, _ in BASE_ATTRIBUTES}
        for attr in self.custom_attributes:
            self.profile_types[attr["name"]] = _TYPE_MAP[attr["type"]]
        self.dialects = {
            ("users", "search"): sim_search.user_search_dialect(self.profile_types),
            ("users", "filter"): sim_search.user_filter_dialect(),
            ("groups", "search"): sim_search.group_search_dialect(
                {n: sim_search.STRING for n in GROUP_PROFILE_ATTRIBUTES}),
            ("groups", "filter"): sim_search.group_filter_dialect(),
        }
        self._cache = OrderedDict()     # (kind, param, expr) -> list of indexes
        self._cache_lock = threading.Lock()
        self.commit()

    # ---- primitives for changes (sim_changes.py), under `lock` --------------

    def put_user(self, user):
        """Add or replace a user (a new dict: the old one may be served)."""
        uid = user["id"]
        self.user_by_id[uid] = user
        self._user_bytes.pop(uid, None)
        self._truth_bytes.pop(uid, None)

    def drop_user(self, uid):
        """Remove a user and every membership it had."""
        del self.user_by_id[uid]
        self.apps.forget_user(uid)
        self._user_bytes.pop(uid, None)
        self._truth_bytes.pop(uid, None)
        for gid, members in self.member_ids.items():
            if uid in members:
                members.discard(uid)
                self._membership_bytes.pop(gid, None)

    def set_member(self, gid, uid, present):
        """Add or remove one membership; returns whether it changed."""
        members = self.member_ids[gid]
        if (uid in members) == present:
            return False
        (members.add if present else members.discard)(uid)
        self._membership_bytes.pop(gid, None)
        return True

    def put_group(self, group):
        gid = group["id"]
        self.group_by_id[gid] = group
        self.member_ids.setdefault(gid, set())
        self._group_bytes.pop(gid, None)
        self._truth_bytes.pop(gid, None)

    def drop_group(self, gid):
        del self.group_by_id[gid]
        del self.member_ids[gid]
        self.apps.forget_group(gid)
        self._membership_bytes.pop(gid, None)
        self._group_bytes.pop(gid, None)
        self._truth_bytes.pop(gid, None)

    def commit(self):
        """Rebuild the served lists and indexes from the canonical state."""
        users = [self.user_by_id[uid] for uid in sorted(self.user_by_id)]
        groups = [self.group_by_id[gid] for gid in sorted(self.group_by_id)]
        user_ids = [u["id"] for u in users]
        group_ids = [g["id"] for g in groups]
        user_index = {uid: i for i, uid in enumerate(user_ids)}
        group_index = {gid: i for i, gid in enumerate(group_ids)}
        login_index, short = {}, {}
        for i, u in enumerate(users):
            login = u["profile"]["login"]
            login_index[login.casefold()] = i
            short.setdefault(login.split("@")[0].casefold(), []).append(i)
        members = {gid: sorted(user_index[uid] for uid in self.member_ids[gid])
                   for gid in group_ids}
        user_groups = {uid: [] for uid in user_ids}
        for gi, gid in enumerate(group_ids):
            for uid in self.member_ids[gid]:
                user_groups[uid].append(gi)
        serialised = [self._serialised_user(u) for u in users]

        # swap in (handlers read these attributes under `lock`)
        self.users, self.groups = users, groups
        self.user_ids, self.group_ids = user_ids, group_ids
        self.user_index, self.group_index = user_index, group_index
        self.login_index = login_index
        self.short_index = {k: v[0] for k, v in short.items() if len(v) == 1}
        self.members, self.user_groups = members, user_groups
        self.visible_users = [i for i, u in enumerate(users) if u["status"] != "DEPROVISIONED"]
        self.user_json = [full for full, _ in serialised]
        # the same users as Okta sends them when asked to leave fields out
        self.user_json_lean = {omit: [lean[omit] for _, lean in serialised]
                               for omit in LEAN_VARIANTS}
        self.group_json = [self._serialised_group(g) for g in groups]
        self.apps.rebuild(self.user_by_id, self.group_by_id, self.member_ids)
        with self._cache_lock:
            self._cache.clear()

    def _serialised_user(self, user):
        hit = self._user_bytes.get(user["id"])
        if hit is None:
            hit = (json_bytes(self._user_for_list(user)),
                   {omit: json_bytes(self._user_for_list(user, omit)) for omit in LEAN_VARIANTS})
            self._user_bytes[user["id"]] = hit
        return hit

    def _serialised_group(self, group):
        hit = self._group_bytes.get(group["id"])
        if hit is None:
            hit = self._group_bytes[group["id"]] = json_bytes(self._group_served(group))
        return hit

    def truth(self):
        """The ground-truth files' contents (users.json, groups.json,
        memberships.json), as `init` writes them: objects without _links,
        ordered by id; memberships by group id, then user id."""
        def objects(items):
            out = []
            for item in items:
                hit = self._truth_bytes.get(item["id"])
                if hit is None:
                    hit = self._truth_bytes[item["id"]] = json_bytes(item)
                out.append(hit)
            return b"[" + b",".join(out) + b"]\n"
        rows = []
        for gid in self.group_ids:
            hit = self._membership_bytes.get(gid)
            if hit is None:
                hit = self._membership_bytes[gid] = b",".join(
                    json_bytes({"group_id": gid, "user_id": uid})
                    for uid in sorted(self.member_ids[gid]))
            if hit:
                rows.append(hit)
        out = {"users.json": objects(self.users), "groups.json": objects(self.groups),
               "memberships.json": b"[" + b",".join(rows) + b"]\n"}
        out.update(self.apps.truth(self.user_ids))
        return out

    # ---- serialisation --------------------------------------------------

    def user_href(self, uid):
        return "%s/api/v1/users/%s" % (self.base_url, uid)

    def users_json_for(self, params):
        """Pre-serialised users, full or without what the request omits."""
        return self.user_json_lean.get(params.omit, self.user_json)

    def _user_for_list(self, user, omit=()):
        out = {k: v for k, v in user.items() if k not in omit}
        out["_links"] = {"self": {"href": self.user_href(user["id"])}}
        return out

    def user_single(self, user):
        out = dict(user)
        links = {}
        for name in _LIFECYCLE.get(user["status"], ["schema", "self", "type"]):
            if name == "self":
                links[name] = {"href": self.user_href(user["id"])}
            elif name == "schema":
                links[name] = {"href": "%s/api/v1/meta/schemas/user/%s"
                               % (self.base_url, self.schema_id)}
            elif name == "type":
                links[name] = {"href": "%s/api/v1/meta/types/user/%s"
                               % (self.base_url, user["type"]["id"])}
            elif name == "forgotPassword" and user["credentials"]["provider"]["type"] != "OKTA":
                continue
            else:
                links[name] = {"href": "%s/%s" % (self.user_href(user["id"]), _LINK_PATHS[name]),
                               "method": "POST"}
        out["_links"] = links
        return json_bytes(out)

    def _group_served(self, group):
        out = dict(group)
        gid = group["id"]
        links = {"logo": LOGO_LINKS}
        if gid in self.group_sources:
            links["source"] = {"href": "%s/api/v1/apps/%s" % (self.base_url,
                                                            self.group_sources[gid])}
        links["users"] = {"href": "%s/api/v1/groups/%s/users" % (self.base_url, gid)}
        links["apps"] = {"href": "%s/api/v1/groups/%s/apps" % (self.base_url, gid)}
        out["_links"] = links
        return out

    def group_json_for(self, params):
        """The groups as served, with _embedded.stats when expand=stats."""
        expand = (params.get("expand") or "").split(",")
        if "stats" not in expand:
            return self.group_json
        return _GroupsWithStats(self)

    def group_with_stats(self, i):
        group = self.groups[i]
        out = self._group_served(group)
        out["_embedded"] = {"stats": {
            "usersCount": len(self.members[group["id"]]),
            "appsCount": 0,
            "groupPushMappingsCount": 0,
            "hasAdminPrivilege": False,
            "_links": {"self": {"href": "%s/api/v1/groups/%s/stats" % (self.base_url,
                                                                     group["id"])}}}}
        return json_bytes(out)

    def group_resolve(self, group, attr):
        if attr == "source.id":
            return self.group_sources.get(group["id"], sim_search.MISSING)
        return sim_search.resolve_path(group, attr)

    # ---- lookups ------------------------------------------------------------

    def find_user(self, key):
        """By id, by login (case-insensitive) or by unique short login."""
        if "/" in key:
            return None         # a login with '/' can only be fetched by id
        if key in self.user_index:
            return self.user_index[key]
        folded = key.casefold()
        if folded in self.login_index:
            return self.login_index[folded]
        if "@" not in key:
            return self.short_index.get(folded)
        return None

    def matching(self, kind, param, expression):
        """Indexes of users/groups matching a search/filter expression (cached)."""
        key = (kind, param, expression)
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        dialect = self.dialects[(kind, param)]
        if kind == "users":
            predicate = sim_search.compile_expression(expression, dialect)
            result = [i for i, u in enumerate(self.users) if predicate(u)]
        else:
            predicate = sim_search.compile_expression(expression, dialect, self.group_resolve)
            result = [i for i, g in enumerate(self.groups) if predicate(g)]
        with self._cache_lock:
            self._cache[key] = result
            while len(self._cache) > 128:
                self._cache.popitem(last=False)
        return result

    def user_schema(self):
        def attribute(title, typ, extra, items=None):
            out = {"title": title}
            if extra.get("description") is not None:
                out["description"] = extra["description"]
            out["type"] = typ
            if items:
                out["items"] = {"type": items}
            for k in ("required", "format", "minLength", "maxLength"):
                if k in extra:
                    out[k] = extra[k]
            out["mutability"] = "READ_WRITE"
            out["scope"] = "NONE"
            out["permissions"] = [{"principal": "SELF", "action": "READ_ONLY"}]
            return out
        custom = {a["name"]: attribute(a["title"], a["type"], {"description": ""}, a.get("items"))
                  for a in self.custom_attributes}
        base = {name: attribute(title, "string", extra) for name, title, extra in BASE_ATTRIBUTES}
        return {
            "id": "%s/meta/schemas/user/default" % self.base_url,
            "$schema": "http://json-schema.org/draft-04/schema#",
            "name": "user", "title": "User",
            "description": "Okta user profile template with default permission settings",
            "lastUpdated": "2025-06-02T10:11:12.000Z", "created": "2019-03-01T00:00:00.000Z",
            "definitions": {
                "custom": {"id": "#custom", "type": "object", "properties": custom,
                           "required": []},
                "base": {"id": "#base", "type": "object", "properties": base,
                         "required": ["login", "firstName", "lastName", "email"]},
            },
            "type": "object",
            "properties": {"profile": {"allOf": [{"$ref": "#/definitions/custom"},
                                                 {"$ref": "#/definitions/base"}]}},
            "_links": {
                "self": {"rel": "self", "href": "%s/api/v1/meta/schemas/user/%s"
                         % (self.base_url, self.schema_id), "method": "GET"},
                "type": {"rel": "type", "href": "%s/api/v1/meta/types/user/%s"
                         % (self.base_url, self.user_type_id), "method": "GET"},
            },
        }


class Api:
    """Routes /api/v1 paths to handlers. Each route: (bucket, scope, handler)."""

    # (first segment, segments after /api/v1, third segment) -> (bucket, scope,
    # method); a method of an object ({id}) is called with (id, params).
    # /api/v1/apps* share one bucket (okta-api.md section 8)
    ROUTES = {
        ("users", 1, None): ("users", USERS_SCOPE, "list_users"),
        ("users", 2, None): ("user", USERS_SCOPE, "get_user"),
        ("users", 3, "groups"): ("other", USERS_SCOPE, "list_user_groups"),
        ("users", 3, "factors"): ("other", USERS_SCOPE, "list_factors"),
        ("users", 3, "roles"): ("other", ROLES_SCOPE, "list_roles"),
        ("groups", 1, None): ("groups", GROUPS_SCOPE, "list_groups"),
        ("groups", 2, None): ("group", GROUPS_SCOPE, "get_group"),
        ("groups", 3, "users"): ("group_users", GROUPS_SCOPE, "list_group_users"),
        ("apps", 1, None): ("apps", APPS_SCOPE, "list_apps"),
        ("apps", 2, None): ("apps", APPS_SCOPE, "get_app"),
        ("apps", 3, "users"): ("apps", APPS_SCOPE, "list_app_users"),
        ("apps", 3, "groups"): ("apps", APPS_SCOPE, "list_app_groups"),
    }

    def __init__(self, org, fields_mode="on", log=None):
        self.org = org
        # `fields`: on (project), ignore (whole objects), reject (400)
        self.fields_mode = fields_mode
        self.log = log              # sim_log.EventLog: GET /api/v1/logs

    def route(self, segments):
        """segments: decoded path segments. Returns (bucket, scope, callable) or None."""
        if len(segments) < 3 or segments[0] != "api" or segments[1] != "v1":
            return None
        rest = segments[2:]
        if any(s == "" for s in rest):
            return None
        n = len(rest)
        entry = self.ROUTES.get((rest[0], n, rest[2] if n == 3 else None))
        if entry is not None:
            bucket, scope, name = entry
            method = getattr(self, name)
            if n == 1:
                return bucket, scope, method
            return bucket, scope, lambda p: method(rest[1], p)
        if rest == ["meta", "schemas", "user", "default"]:
            return "other", SCHEMAS_SCOPE, self.user_schema
        if rest == ["logs"] and self.log is not None:
            # its own bucket (okta-api.md section 8: a small one)
            return "logs", LOGS_SCOPE, self.log.list_events
        if rest == ["iam", "assignees", "users"]:
            return "other", ROLES_SCOPE, self.list_role_assignees
        return None

    # ---- helpers ----------------------------------------------------------------

    @staticmethod
    def _limit(params, default, maximum):
        raw = params.get("limit")
        if raw is None or raw == "":
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            raise _bad_request_limit(raw)
        if value < 1:
            raise _bad_request_limit(raw)
        return min(value, maximum)

    def _page(self, path, params, indexes, ids, json_list, kind, limit, keep=(),
              content_type=CT_JSON, paged=True):
        """One page of a list: body and Link headers.
        indexes: matching item indexes in id order; ids/json_list: all items."""
        after = params.get("after")
        start = 0
        if after is not None and paged:
            last_id = decode_cursor(kind, after)
            # items are sorted by id, so item indexes and ids order alike
            start = bisect.bisect_left(indexes, bisect.bisect_right(ids, last_id))
        chunk = indexes[start:start + limit]
        body = b"[" + b",".join(json_list[i] for i in chunk) + b"]"

        def link(query_pairs, rel):
            query = urllib.parse.urlencode(query_pairs, quote_via=urllib.parse.quote_plus)
            return '<%s%s?%s>; rel="%s"' % (self.org.base_url, path, query, rel)
        extra = [(k, params.get(k)) for k in keep if params.get(k) is not None]
        self_pairs = ([("after", after)] if after is not None and paged else []) + \
            [("limit", str(limit))] + extra
        headers = [("link", link(self_pairs, "self"))]
        if paged and start + limit < len(indexes) and chunk:
            cursor = encode_cursor(kind, ids[chunk[-1]])
            headers.append(("link", link([("after", cursor), ("limit", str(limit))] + extra,
                                         "next")))
        return Response(200, body, content_type, headers)

    def _expression(self, kind, params):
        search, filt = params.get("search"), params.get("filter")
        if search is not None and filt is not None:
            raise ApiError(okta_error(400, "E0000033", "Bad request. Can't specify a search "
                                      "query and filter in the same request."))
        param, expression = ("search", search) if search is not None else ("filter", filt)
        if expression is None:
            return None
        try:
            return self.org.matching(kind, param, expression)
        except sim_search.SearchError as err:
            raise ApiError(okta_error(400, err.code, err.summary))

    def _users_json(self, params, content_type=CT_JSON):
        """The serialised users a user listing serves: pre-serialised without
        `fields` (or when the org ignores it), projected with it."""
        fields = params.get("fields")
        if fields is None or self.fields_mode == "ignore":
            return self.org.users_json_for(params)
        if self.fields_mode == "reject":
            raise ApiError(okta_error(400, "E0000001", "Api validation failed: fields",
                                      ["fields: Field projection is not supported."],
                                      content_type=content_type))
        try:
            selection = parse_fields(fields)
        except ApiError as err:
            err.response.content_type = content_type
            raise
        return _Projected(self.org, selection, params.omit)

    # ---- endpoints ------------------------------------------------------------

    def list_users(self, params):
        org = self.org
        q = params.get("q")
        if q is not None and (params.get("search") is not None or params.get("filter") is not None):
            raise ApiError(okta_error(400, "E0000033", "Bad request. Can't specify a search "
                                      "query and filter in the same request."))
        if q is not None:
            limit = self._limit(params, 10, 200)
            prefix = q.casefold()
            hits = []
            for i in org.visible_users:
                p = org.users[i]["profile"]
                if any(isinstance(p.get(a), str) and p[a].casefold().startswith(prefix)
                       for a in ("firstName", "lastName", "email")):
                    hits.append(i)
                    if len(hits) == limit:
                        break
            return self._page("/api/v1/users", params, hits, org.user_ids, self._users_json(params), "u",
                              limit, keep=("q", "fields"), paged=False)
        limit = self._limit(params, 200, 200)
        indexes = self._expression("users", params)
        if indexes is None:
            indexes = org.visible_users
        return self._page("/api/v1/users", params, indexes, org.user_ids, self._users_json(params), "u",
                          limit, keep=("search", "filter", "fields"))

    def get_user(self, key, params=None):
        i = self.org.find_user(key)
        if i is None:
            raise ApiError(not_found("%s (User)" % key))
        return Response(200, self.org.user_single(self.org.users[i]))

    def list_user_groups(self, key, params):
        org = self.org
        i = org.find_user(key)
        if i is None:
            raise ApiError(not_found("%s (User)" % key))
        uid = org.user_ids[i]
        limit = self._limit(params, 200, 200)
        return self._page("/api/v1/users/%s/groups" % uid, params, org.user_groups[uid],
                          org.group_ids, org.group_json, "g", limit)

    def list_groups(self, params):
        org = self.org
        q = params.get("q")
        if q is not None and (params.get("search") is not None or params.get("filter") is not None):
            raise ApiError(okta_error(400, "E0000033", "Bad request. Can't specify a search "
                                      "query and filter in the same request.",
                                      content_type=CT_JSON_UTF8))
        if q is not None:
            limit = self._limit(params, 300, 10000)
            prefix = q.casefold()
            hits = [i for i, g in enumerate(org.groups)
                    if g["profile"]["name"].casefold().startswith(prefix)][:limit]
            return self._page("/api/v1/groups", params, hits, org.group_ids,
                              org.group_json_for(params), "g", limit, keep=("q", "expand"),
                              content_type=CT_JSON_UTF8, paged=False)
        limit = self._limit(params, 10000, 10000)
        indexes = self._expression("groups", params)
        if indexes is None:
            indexes = list(range(len(org.groups)))
        return self._page("/api/v1/groups", params, indexes, org.group_ids,
                          org.group_json_for(params), "g", limit,
                          keep=("search", "filter", "expand"), content_type=CT_JSON_UTF8)

    def get_group(self, gid, params=None):
        org = self.org
        if gid not in org.group_index:
            raise ApiError(not_found("%s (UserGroup)" % gid))
        return Response(200, org.group_json[org.group_index[gid]], CT_JSON_UTF8)

    def list_group_users(self, gid, params):
        org = self.org
        if gid not in org.group_index:
            raise ApiError(not_found("%s (UserGroup)" % gid))
        limit = self._limit(params, 1000, 1000)
        return self._page("/api/v1/groups/%s/users" % gid, params, org.members[gid],
                          org.user_ids, self._users_json(params, CT_JSON_UTF8), "u", limit,
                          keep=("fields",), content_type=CT_JSON_UTF8)

    def user_schema(self, params):
        return Response(200, json.dumps(self.org.user_schema(), ensure_ascii=False,
                                        separators=(",", ":")).encode("utf-8"))

    # ---- apps, factors, roles (sim_apps.py) -------------------------------------

    def _app(self, aid):
        apps = self.org.apps
        if aid not in apps.app_index:
            raise ApiError(not_found("%s (AppInstance)" % aid))
        return apps

    def _user_id(self, uid):
        """Factors and roles take a user id only (pathUserId), not a login."""
        if uid not in self.org.user_index:
            raise ApiError(not_found("%s (User)" % uid))
        return uid

    def list_apps(self, params):
        """Every app (ACTIVE and INACTIVE); limit default 20, max 200;
        `filter` (eq on id, status, name, credentials.signing.kid,
        settings.slo.enabled, user.id, group.id; case-sensitive); `q` (name or
        label prefix, case-insensitive); both may be given."""
        apps = self.org.apps
        limit = self._limit(params, 20, 200)
        indexes = range(len(apps.app_ids))
        if params.get("filter") is not None:
            try:
                predicate = sim_search.compile_expression(
                    params.get("filter"), sim_search.app_filter_dialect(), apps.resolve)
            except sim_search.SearchError as err:
                raise ApiError(okta_error(400, err.code, err.summary))
            indexes = [i for i in indexes if predicate(apps.apps[apps.app_ids[i]])]
        q = params.get("q")
        if q is not None:
            prefix = q.casefold()
            indexes = [i for i in indexes if any(
                apps.apps[apps.app_ids[i]][k].casefold().startswith(prefix)
                for k in ("name", "label"))]
        return self._page("/api/v1/apps", params, list(indexes), apps.app_ids, apps.app_json,
                          "a", limit, keep=("q", "filter"))

    def get_app(self, aid, params=None):
        apps = self._app(aid)
        return Response(200, apps.app_json[apps.app_index[aid]])

    def list_app_users(self, aid, params):
        """AppUser[] by user id; limit default 50, max 500; `q` prefix of
        credentials.userName or profile firstName/lastName/email."""
        ids, blobs, rows = self._app(aid).app_users[aid]
        limit = self._limit(params, 50, 500)
        indexes = range(len(ids))
        q = params.get("q")
        if q is not None:
            prefix = q.casefold()

            def hit(row):
                values = [row["user_name"]] + [row["profile"].get(k) for k in
                                               ("firstName", "lastName", "email")]
                return any(isinstance(v, str) and v.casefold().startswith(prefix)
                           for v in values)
            indexes = [i for i in indexes if hit(json.loads(rows[i]))]
        return self._page("/api/v1/apps/%s/users" % aid, params, list(indexes), ids, blobs,
                          "au", limit, keep=("q",))

    def list_app_groups(self, aid, params):
        """ApplicationGroupAssignment[] by group id; limit default 20, at
        least 20 (a smaller one is served as 20), max 200; `q` group name prefix."""
        gids, blobs, _ = self._app(aid).app_groups[aid]
        limit = max(20, self._limit(params, 20, 200))
        indexes = range(len(gids))
        q = params.get("q")
        if q is not None:
            prefix = q.casefold()
            names = self.org.group_by_id
            indexes = [i for i in indexes
                       if names[gids[i]]["profile"]["name"].casefold().startswith(prefix)]
        return self._page("/api/v1/apps/%s/groups" % aid, params, list(indexes), gids, blobs,
                          "ag", limit, keep=("q",))

    def list_factors(self, uid, params=None):
        """Every enrolled factor of the user, unpaged (Okta's has no limit)."""
        return Response(200, self.org.apps.factors_served(self._user_id(uid)))

    def list_roles(self, uid, params=None):
        """The user's role assignments (USER, then GROUP ones), unpaged."""
        return Response(200, self.org.apps.roles_served(self._user_id(uid)))

    def list_role_assignees(self, params):
        """Users holding a role directly or through a group, by id:
        {"value": [...], "_links": {"next": {"href"}}}; limit default 100,
        max 100; `after` is the last user id of the previous page (as the
        OpenAPI example shows); no Link header."""
        apps = self.org.apps
        limit = self._limit(params, 100, 100)
        after = params.get("after")
        start = bisect.bisect_right(apps.admin_ids, after) if after else 0
        chunk = apps.admin_ids[start:start + limit]
        links = {}
        if chunk and start + limit < len(apps.admin_ids):
            query = urllib.parse.urlencode([("after", chunk[-1]), ("limit", str(limit))])
            links["next"] = {"href": "%s/api/v1/iam/assignees/users?%s"
                             % (self.org.base_url, query)}
        return Response(200, {"value": [apps.assignee_served(u) for u in chunk],
                              "_links": links})
