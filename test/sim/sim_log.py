"""The System Log: LogEvent objects and GET /api/v1/logs.

Events are recorded by the org's changes (sim_changes.py) and by seeded
history (ctl log-seed).  Each event has a `published` time (when it happened,
what the event shows) and a persistence time (when it became visible: published
plus the publication delay in force when it was recorded).

The endpoint follows Okta's System Log query guide (okta-developer-docs,
docs/reference/system-log-query) and okta-api.md section 7:

* a *polling* request (no `until`, sortOrder ASCENDING) selects by persistence
  time and always has a `next` link, even on an empty page: it never ends;
* any other request is *bounded*: it selects by `published` in [since, until)
  (until defaults to now, since to until - 7 days), in `published` order, and
  its last page has no `next` link; events not yet visible are simply missing
  (Okta: "Not all events for the specified time range may be present");
* `since` and `after` are mutually exclusive; events published more than 90
  days ago are gone; a `since` more than 180 days back is refused.

Where Okta's documents are silent the choice is noted where it is made.
"""

import random
import re
import threading
import urllib.parse
import uuid as uuid_module

import sim_search
from sim_api import ApiError
from sim_common import CT_JSON, Response, json_bytes, okta_error, random_id
from sim_data import ts

DAY_MS = 86400 * 1000
RETENTION_MS = 90 * DAY_MS          # "System Log data older than 90 days isn't returned"
DEFAULT_WINDOW_MS = 7 * DAY_MS      # since defaults to 7 days before until
MAX_SINCE_MS = 180 * DAY_MS         # "The since parameter is over 180 days prior ..."
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
Q_MAX_KEYWORDS = 10
Q_MAX_KEYWORD_LENGTH = 40
ORDERS = ("ASCENDING", "DESCENDING")

# ---- the parts of a LogEvent ------------------------------------------------

# eventType -> (displayMessage, legacyEventType).  displayMessage and
# legacyEventType are free text in Okta's description; these follow what Okta
# shows for the events where known (e.g. "Suspend Okta user",
# core.user.config.user_status.suspended), a plausible text otherwise.
EVENT_TYPES = {
    "user.lifecycle.create": ("Create Okta user", "core.user.config.user_creation.success"),
    "user.lifecycle.activate": ("Activate Okta user", "core.user.config.user_activated"),
    "user.lifecycle.reactivate": ("Reactivate Okta user", "core.user.config.user_reactivated"),
    "user.lifecycle.deactivate": ("Deactivate Okta user", "core.user.config.user_deactivated"),
    "user.lifecycle.suspend": ("Suspend Okta user", "core.user.config.user_status.suspended"),
    "user.lifecycle.unsuspend": ("Unsuspend Okta user",
                                 "core.user.config.user_status.unsuspended"),
    "user.lifecycle.delete.initiated": ("Delete Okta user initiated",
                                        "core.user.config.user_delete_initiated"),
    "user.lifecycle.delete.completed": ("Delete Okta user completed",
                                        "core.user.config.user_deleted"),
    "user.account.update_profile": ("Update user profile for Okta",
                                    "core.user.config.profile_update.success"),
    "user.account.lock": ("Max sign in attempts exceeded",
                          "core.user.config.user_status.account_lock"),
    "user.account.unlock": ("Unlock user account",
                            "core.user.config.user_status.account_unlock"),
    "user.account.expire_password": ("Expire user password",
                                     "core.user.config.password_expired"),
    "user.account.reset_password": ("Reset user password", "core.user.config.password_reset"),
    "user.account.update_password": ("Update password for user",
                                      "core.user.config.password_update.success"),
    "group.lifecycle.create": ("Create okta user group", "core.user_group.created"),
    "group.lifecycle.delete": ("Delete okta user group", "core.user_group.deleted"),
    "group.profile.update": ("Update group profile", "core.user_group.profile_updated"),
    "group.user_membership.add": ("Add user to group membership",
                                  "core.user_group_member.user_add"),
    "group.user_membership.remove": ("Remove user from group membership",
                                     "core.user_group_member.user_remove"),
    # seeded history (ctl log-seed): sign-ins and the like, no change to the org
    "user.session.start": ("User login to Okta", "core.user_auth.login_success"),
    "user.session.end": ("User logout from Okta", "core.user_auth.logout_success"),
    "user.authentication.sso": ("User single sign on to app", "app.auth.sso"),
    "user.authentication.auth_via_mfa": ("Authentication of user via MFA",
                                         "core.user.factor.attempt_success"),
    "policy.evaluate_sign_on": ("Evaluation of sign-on policy", "policy.evaluate_sign_on"),
}

# who makes the changes made through ctl: an administrator with an API token
ADMIN_ACTOR = {"id": "00uSimAdmin000000001", "type": "User", "alternateId": "admin@example.com",
               "displayName": "Sim Admin", "detailEntry": None}
ADMIN_API_TOKEN_ID = "00TSimAdminApiToken1"
# who finishes asynchronous work (a user's deletion)
SYSTEM_ACTOR = {"id": "0oaOktaSystem0000001", "type": "SystemPrincipal",
                "alternateId": "system@okta.com", "displayName": "Okta System",
                "detailEntry": None}
ADMIN_IP = "198.51.100.7"           # documentation addresses (RFC 5737)
ADMIN_USER_AGENT = "okta-sdk-python/2.9.0 python/3.11 Linux/6.1"
_GEO = {"city": "San Francisco", "state": "California", "country": "United States",
        "postalCode": "94105", "geolocation": {"lat": 37.7852, "lon": -122.3874}}


def user_target(user):
    p = user["profile"]
    return {"id": user["id"], "type": "User", "alternateId": p.get("login"),
            "displayName": "%s %s" % (p.get("firstName"), p.get("lastName")),
            "detailEntry": None}


def group_target(group):
    # Okta shows a group's name as its displayName; alternateId "unknown"
    return {"id": group["id"], "type": "UserGroup", "alternateId": "unknown",
            "displayName": group["profile"]["name"], "detailEntry": None}


def new_transaction_id(rng=None):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    if rng is None:
        return random_id(27, alphabet)
    return "".join(rng.choice(alphabet) for _ in range(27))


def make_event(event_type, published_ms, actor, targets, transaction_id, *,
               request_uri=None, outcome="SUCCESS", reason=None, severity="INFO",
               debug=None, ip=ADMIN_IP, user_agent=ADMIN_USER_AGENT,
               transaction_type="WEB", api_token=True, session_id=None, rng=None):
    """A LogEvent, with the members (and member order) of the OpenAPI
    description's ListLogs example; nulls where the example has them."""
    display, legacy = EVENT_TYPES[event_type]
    debug_data = {"requestId": transaction_id}
    if request_uri is not None:
        debug_data["requestUri"] = request_uri
        debug_data["url"] = request_uri + "?"
    debug_data.update(debug or {})
    geo = dict(_GEO, geolocation=dict(_GEO["geolocation"]))
    if transaction_type == "JOB":
        # an asynchronous job: no HTTP request behind it
        client = {"userAgent": None, "zone": None, "device": None, "id": None,
                  "ipAddress": None, "geographicalContext": None}
        ip_chain = []
    else:
        client = {"userAgent": {"rawUserAgent": user_agent, "os": "Unknown",
                                "browser": "UNKNOWN"},
                  "zone": None, "device": "Unknown", "id": None, "ipAddress": ip,
                  "geographicalContext": geo}
        ip_chain = [{"ip": ip, "geographicalContext": dict(geo), "version": "V4",
                     "source": None}]
    if rng is None:
        event_uuid = str(uuid_module.uuid4())
    else:
        event_uuid = str(uuid_module.UUID(int=rng.getrandbits(128), version=4))
    return {
        "actor": dict(actor),
        "client": client,
        "authenticationContext": {
            "authenticationProvider": None, "credentialProvider": None,
            "credentialType": None, "issuer": None, "interface": None,
            "authenticationStep": 0,
            "externalSessionId": session_id or "unknown"},
        "displayMessage": display,
        "eventType": event_type,
        "outcome": {"result": outcome, "reason": reason},
        "published": ts(published_ms),
        "securityContext": {"asNumber": None, "asOrg": None, "isp": None, "domain": None,
                            "isProxy": None},
        "severity": severity,
        "debugContext": {"debugData": debug_data},
        "legacyEventType": legacy,
        "transaction": {"type": transaction_type, "id": transaction_id,
                        "detail": ({"requestApiTokenId": ADMIN_API_TOKEN_ID}
                                   if api_token and transaction_type == "WEB" else {})},
        "uuid": event_uuid,
        "version": "0",
        "request": {"ipChain": ip_chain},
        "target": [dict(t) for t in targets],
    }


# ---- filter: Okta's SCIM-like grammar (sim_search) over LogEvent paths -----

LOG_FILTER_ATTRIBUTES = (
    "uuid", "eventType", "version", "severity", "legacyEventType", "displayMessage",
    "actor.id", "actor.type", "actor.alternateId", "actor.displayName",
    "client.id", "client.ipAddress", "client.device", "client.zone",
    "client.userAgent.rawUserAgent", "client.userAgent.os", "client.userAgent.browser",
    "client.geographicalContext.city", "client.geographicalContext.state",
    "client.geographicalContext.country", "client.geographicalContext.postalCode",
    "outcome.result", "outcome.reason",
    "target.id", "target.type", "target.alternateId", "target.displayName",
    "transaction.id", "transaction.type", "transaction.detail.requestApiTokenId",
    "authenticationContext.externalSessionId", "authenticationContext.authenticationProvider",
    "authenticationContext.credentialProvider", "authenticationContext.credentialType",
    "authenticationContext.interface",
    "securityContext.asOrg", "securityContext.isp", "securityContext.domain",
    "request.ipChain.ip", "request.ipChain.version", "request.ipChain.source",
)
DEBUG_DATA_PREFIX = "debugContext.debugData."
# "a SCIM filter expression that uses the co (contains) operator with the
# debugContext.debugData.url or the debugContext.debugData.requestUri
# attribute isn't supported"
NO_CONTAINS = ("debugContext.debugData.url", "debugContext.debugData.requestUri")
# the operators Okta's log filter parser names in its error message
# ("Expected: eq,co,sw,pr,gt,ge,lt,le"); the guide's examples also show `ne`
# and `ew`, but the parser's own list is what a client can rely on
OPERATORS = "eq,co,sw,pr,gt,ge,lt,le"


class _LogAttributes(dict):
    """The filterable attributes: the fixed ones and any debugData key."""

    def get(self, name, default=None):
        if name.startswith(DEBUG_DATA_PREFIX) and len(name) > len(DEBUG_DATA_PREFIX):
            return sim_search.STRING
        return dict.get(self, name, default)

    def __getitem__(self, name):
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value


def log_filter_dialect():
    """Every attribute is text; every operator of the grammar on each (co
    refused on two, checked separately); values compared case-insensitively
    (SCIM's default; Okta does not say, and a client that does not recheck
    what it pushes shows up here)."""
    dialect = sim_search.Dialect("logs filter", {}, sim_search.ALL_SEARCH_OPS,
                                 case_insensitive=True)
    dialect.attrs = _LogAttributes({name: sim_search.STRING for name in LOG_FILTER_ATTRIBUTES})
    return dialect


def resolve_log(event, attr):
    """A dotted path into a LogEvent; arrays on the way (target[],
    request.ipChain[]) give every element's value (any may match)."""
    current = [event]
    for part in attr.split("."):
        found = []
        for item in current:
            for obj in (item if isinstance(item, list) else [item]):
                if isinstance(obj, dict) and part in obj:
                    found.append(obj[part])
        if not found:
            return sim_search.MISSING
        current = found
    values = []
    for v in current:
        values.extend(v if isinstance(v, list) else [v])
    if len(values) == 1:
        return values[0]
    return values


def _filter_error(expression, detail):
    return ApiError(okta_error(400, "E0000053", "Invalid filter '%s': %s" % (expression, detail)))


def _attributes(node):
    if isinstance(node, (sim_search.Or, sim_search.And)):
        for item in node.items:
            yield from _attributes(item)
    else:
        yield node


def compile_filter(expression, dialect):
    """Parse and check a logs `filter`; returns predicate(event dict).
    Raises ApiError with Okta's System Log error bodies."""
    try:
        node = sim_search.parse(expression)
    except sim_search.SearchError as err:
        detail = err.detail or err.summary
        m = re.match(r"unsupported operator '(.*)'", detail)
        if m:
            detail = "Unrecognized attribute operator '%s'. Expected: %s" % (m.group(1),
                                                                           OPERATORS)
        raise _filter_error(expression, detail)
    for leaf in _attributes(node):
        if dialect.attrs.get(leaf.attr) is None:
            # `published` included: "SCIM filter expressions can't use the
            # published attribute"
            raise ApiError(okta_error(400, "E0000053", "field is not valid: %s" % leaf.attr))
        if isinstance(leaf, sim_search.Compare) and leaf.op == "co" and leaf.attr in NO_CONTAINS:
            raise ApiError(okta_error(
                400, "E0000031", "The supplied combination of operator and field is not "
                "currently supported. Operator: co, Field: %s" % leaf.attr))
    try:
        sim_search.validate(node, dialect)
    except sim_search.SearchError as err:
        raise _filter_error(expression, err.detail or err.summary)
    return sim_search.compile_node(node, dialect, resolve_log)


# ---- q: keywords ------------------------------------------------------------

def _tokens(value, out):
    """Keyword candidates of a LogEvent: every string value, its words, and
    the parts of a hyphenated word ("XOxBw-2JIRn" matches "XOxBw", "2JIRn" and
    itself), lower-cased.  Okta: "all supplied keywords must be matched
    exactly", case-insensitively."""
    if isinstance(value, dict):
        for v in value.values():
            _tokens(v, out)
    elif isinstance(value, list):
        for v in value:
            _tokens(v, out)
    elif isinstance(value, str):
        text = value.casefold()
        out.add(text)
        for word in text.split():
            out.add(word)
            if "-" in word:
                out.update(p for p in word.split("-") if p)
    return out


def parse_keywords(q):
    """q's keywords; Okta's limits: 10 keywords of at most 40 characters."""
    if q is None:
        return []
    words = q.split()
    for word in words:
        if len(word) > Q_MAX_KEYWORD_LENGTH:
            raise ApiError(okta_error(
                400, "E0000001", "Api validation failed: 'q': Freeform search cannot contain "
                "items longer than 40 characters. Please shorten the items in your search or use "
                "an advanced filter to query by specific fields.",
                ["q: Freeform search cannot contain items longer than 40 characters."]))
    if len(words) > Q_MAX_KEYWORDS:
        # the limit is documented, the message is not
        raise ApiError(okta_error(
            400, "E0000001", "Api validation failed: 'q': Freeform search cannot contain more "
            "than 10 items.", ["q: Freeform search cannot contain more than 10 items."]))
    return [w.casefold() for w in words]


# ---- the log ------------------------------------------------------------------

class Event:
    __slots__ = ("seq", "published", "persisted", "obj", "body", "_tokens")

    def __init__(self, seq, published, persisted, obj):
        self.seq = seq
        self.published = published      # ms: what the event shows
        self.persisted = persisted      # ms: when it became visible
        self.obj = obj
        self.body = json_bytes(obj)
        self._tokens = None

    def tokens(self):
        if self._tokens is None:
            self._tokens = _tokens(self.obj, set())
        return self._tokens


def _bad_param(name, cause):
    return ApiError(okta_error(400, "E0000001", "Api validation failed: %s" % name,
                               ["%s: %s" % (name, cause)]))


def _bad_date(name):
    # the body of Okta's System Log guide (two causes, its double period kept)
    cause1 = ("%s: The date format in your query is not recognized. Please enter dates using "
              "ISO8601 string format." % name)
    return ApiError(okta_error(
        400, "E0000001", "Api validation failed: '%s': The date format in your query is not "
        "recognized. Please enter dates using ISO8601 string format.. '%s': must be a valid "
        "date-time or empty." % (name, name),
        [cause1, "%s: must be a valid date-time or empty." % name]))


_CURSOR_RE = re.compile(r"^(\d{1,15})_(\d{1,15})(?:_(\d{1,15}))?$")


class EventLog:
    """Every event recorded, in the order recorded (seq)."""

    def __init__(self, clock, base_url, delay_s=0.0):
        self.clock = clock              # sim_changes.Clock: now_ms()
        self.base_url = base_url
        self.default_delay_ms = int(round(delay_s * 1000))
        self.delay_ms = self.default_delay_ms
        self.jitter_ms = 0              # each event's delay: delay_ms + [0, jitter_ms]
        self.lock = threading.Lock()
        self.events = []
        self.seq = 0
        self.dialect = log_filter_dialect()

    # ---- recording ------------------------------------------------------------

    def add(self, obj, published_ms, persisted_ms=None):
        """Record a LogEvent; it becomes visible `delay_ms` after published
        (or at persisted_ms, for seeded history)."""
        with self.lock:
            self.seq += 1
            if persisted_ms is None:
                # with jitter, events become visible out of their order (a
                # pseudo-random part per event, the same on every run)
                persisted_ms = published_ms + self.delay_ms + (
                    random.Random(self.seq).randint(0, self.jitter_ms) if self.jitter_ms else 0)
            event = Event(self.seq, published_ms, persisted_ms, obj)
            self.events.append(event)
        return event

    def status(self):
        now = self.clock.now_ms()
        with self.lock:
            events = list(self.events)
        return {"events": len(events),
                "visible": sum(1 for e in events if e.persisted <= now
                               and e.published >= now - RETENTION_MS),
                "delay_s": self.delay_ms / 1000.0, "jitter_s": self.jitter_ms / 1000.0}

    # ---- GET /api/v1/logs -----------------------------------------------------------

    @staticmethod
    def _time(params, name):
        raw = params.get(name)
        if raw is None or raw == "":
            return None         # "must be a valid date-time or empty"
        value = sim_search.parse_timestamp(raw)
        if value is None:
            raise _bad_date(name)
        return value

    @staticmethod
    def _limit(params):
        raw = params.get("limit")
        if raw is None or raw == "":
            return DEFAULT_LIMIT
        try:
            value = int(raw.strip())
        except ValueError:
            value = -1
        if value < 0:
            raise _bad_param("limit", "The limit must be an integer between 0 and %d (got %r)."
                             % (MAX_LIMIT, raw))
        # "Integer between 0 and 1000": a larger one is served as 1000 (as the
        # simulator's other listings clamp; Okta does not say)
        return min(value, MAX_LIMIT)

    @staticmethod
    def _cursor(raw, descending):
        m = _CURSOR_RE.match(raw)
        if not m or (m.group(3) is None) == descending:
            raise _bad_param("after", "The pagination cursor is invalid.")
        return (int(m.group(1)), int(m.group(2))), (int(m.group(3)) if descending else None)

    def list_events(self, params):
        now = self.clock.now_ms()
        since = self._time(params, "since")
        until = self._time(params, "until")
        after = params.get("after")
        if params.get("since") is not None and after is not None:
            # "since and after are mutually exclusive and can't be specified
            # simultaneously" (the error body is not documented)
            raise _bad_param("after", "The since and after parameters are mutually exclusive.")
        order = params.get("sortOrder") or "ASCENDING"
        if order not in ORDERS:
            raise _bad_param("sortOrder", "sortOrder must be ASCENDING or DESCENDING.")
        descending = order == "DESCENDING"
        limit = self._limit(params)
        if since is not None and since < now - MAX_SINCE_MS:
            raise ApiError(okta_error(400, "E0000053", "Invalid parameter: The since parameter "
                                      "is over 180 days prior to the current day."))
        expression = params.get("filter")
        predicate = (compile_filter(expression, self.dialect)
                     if expression not in (None, "") else None)
        keywords = parse_keywords(params.get("q"))
        cursor, cursor_since = (self._cursor(after, descending) if after is not None
                                else (None, None))
        polling = until is None and not descending
        oldest = now - RETENTION_MS

        with self.lock:
            events = list(self.events)
        visible = [e for e in events if e.persisted <= now and e.published >= oldest]
        if polling:
            # by persistence time: an event that became visible late is still
            # found by a poller that is past its `published`
            start = cursor or ((now - DEFAULT_WINDOW_MS) if since is None else since, 0)
            chosen = sorted((e for e in visible if (e.persisted, e.seq) > start),
                            key=lambda e: (e.persisted, e.seq))
            position = lambda e: (e.persisted, e.seq)        # noqa: E731
        elif not descending:
            end = now if until is None else until
            start = cursor or ((end - DEFAULT_WINDOW_MS) if since is None else since, 0)
            chosen = sorted((e for e in visible
                             if (e.published, e.seq) > start and e.published < end),
                            key=lambda e: (e.published, e.seq))
            position = lambda e: (e.published, e.seq)        # noqa: E731
        else:
            end = now if until is None else until
            top = cursor or (end, 0)
            if cursor_since is not None:
                bottom = cursor_since
            else:
                bottom = (end - DEFAULT_WINDOW_MS) if since is None else since
            chosen = sorted((e for e in visible
                             if (e.published, e.seq) < top and e.published >= bottom),
                            key=lambda e: (e.published, e.seq), reverse=True)
            position = lambda e: (e.published, e.seq)        # noqa: E731

        page, more = [], False
        for e in chosen:
            if predicate is not None and not predicate(e.obj):
                continue
            if keywords and not all(k in e.tokens() for k in keywords):
                continue
            if len(page) == limit:
                more = True
                break
            page.append(e)

        body = b"[" + b",".join(e.body for e in page) + b"]"
        headers = [("link", self._link(self._self_pairs(params, limit), "self"))]
        if polling:
            last = position(page[-1]) if page else start
            headers.append(("link", self._next(params, limit, "%d_%d" % last)))
        elif more and page:
            last = position(page[-1])
            cur = ("%d_%d_%d" % (last[0], last[1], bottom) if descending
                   else "%d_%d" % last)
            headers.append(("link", self._next(params, limit, cur)))
        return Response(200, body, CT_JSON, headers)

    # ---- links ------------------------------------------------------------------

    def _link(self, pairs, rel):
        query = urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote_plus)
        return '<%s/api/v1/logs?%s>; rel="%s"' % (self.base_url, query, rel)

    @staticmethod
    def _self_pairs(params, limit):
        """The request's own parameters, in the order received (limit as served)."""
        pairs, seen = [], set()
        for name, value in params.pairs:
            if name in seen or name not in ("since", "until", "after", "filter", "q",
                                            "sortOrder", "limit"):
                continue
            seen.add(name)
            pairs.append((name, str(limit) if name == "limit" else (value or "")))
        if "limit" not in seen:
            pairs.insert(0, ("limit", str(limit)))
        return pairs

    def _next(self, params, limit, cursor):
        """limit and the cursor, then the request's other parameters but
        `since` (the cursor replaces it: since and after are exclusive)."""
        pairs = [("limit", str(limit)), ("after", cursor)]
        for name in ("sortOrder", "until", "filter", "q"):
            value = params.get(name)
            if value is not None:
                pairs.append((name, value))
        return self._link(pairs, "next")
