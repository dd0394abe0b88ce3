"""HTTPS plumbing of the simulator: the threaded server, request parsing,
rate limits, common headers, the request log and the /__sim control endpoints.
"""

import gzip
import hashlib
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sim_api
import sim_auth
import sim_changes
import sim_data
import sim_log
from sim_common import (CT_JSON, SUMMARY_INVALID_TOKEN, SUMMARY_RATE_LIMIT, Response,
                        method_not_allowed, new_request_id, not_found,
                        oauth_error, okta_error)

TOKEN_PATH = "/oauth2/v1/token"
CONTROL_PREFIX = "/__sim/"
MAX_BODY = 1 << 20
RATE_WINDOW = 60
# the System Log's bucket: okta-api.md section 8, /api/v1/logs 120 a minute
# (Workforce; 20/50/50 for Integrator Free/One App/Enterprise)
LOGS_RATE_LIMIT = 120
BUCKETS = ("token", "users", "user", "groups", "group", "group_users", "apps", "logs", "other")
# requests remembered for ctl arrivals (the older half goes when full)
MAX_ARRIVALS = 200000
GZIP_LEVEL = 6
GZIP_CACHE_BYTES = 256 << 20


def accepts_gzip(header):
    """Whether an Accept-Encoding value allows gzip (gzip, x-gzip or *, q > 0;
    an explicit gzip;q=0 refuses it even with *)."""
    if not header:
        return False
    star = named = None
    for item in header.split(","):
        coding, _, params = item.strip().partition(";")
        coding = coding.strip().lower()
        q = 1.0
        for param in params.split(";"):
            name, eq, value = param.strip().partition("=")
            if eq and name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        if coding in ("gzip", "x-gzip"):
            named = q > 0 if named is None else (named or q > 0)
        elif coding == "*":
            star = q > 0
    return named if named is not None else bool(star)


class GzipCache:
    """Compressed bodies by digest of the plain body (LRU, bounded in bytes):
    a page served again is not compressed again, so the simulator's CPU does
    not weigh on a benchmark that reads the same listing several times."""

    def __init__(self, max_bytes=GZIP_CACHE_BYTES):
        self.max_bytes = max_bytes
        self.lock = threading.Lock()
        self.items = OrderedDict()
        self.size = 0

    def compress(self, body):
        key = hashlib.blake2b(body, digest_size=16).digest()
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
                return hit
        packed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        with self.lock:
            if key not in self.items:
                self.items[key] = packed
                self.size += len(packed)
                while self.size > self.max_bytes and self.items:
                    _, old = self.items.popitem(last=False)
                    self.size -= len(old)
        return packed


class Traffic:
    """What the server sent, for benchmarks: replies (control ones excluded),
    bytes written (status line, headers and body, before TLS), body bytes as
    sent and as they were before compression."""

    FIELDS = ("responses", "gzip_responses", "bytes", "body_bytes", "identity_body_bytes",
              "connections", "resumed_sessions")

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = dict.fromkeys(self.FIELDS, 0)

    def add(self, written, body_sent, body_identity, gzipped):
        with self.lock:
            c = self.counts
            c["responses"] += 1
            c["gzip_responses"] += 1 if gzipped else 0
            c["bytes"] += written
            c["body_bytes"] += body_sent
            c["identity_body_bytes"] += body_identity

    def add_connection(self, resumed):
        """A TLS connection accepted; resumed: the client offered a session
        it had from an earlier connection (no full handshake)."""
        with self.lock:
            self.counts["connections"] += 1
            self.counts["resumed_sessions"] += 1 if resumed else 0

    def snapshot(self, reset=False):
        with self.lock:
            out = dict(self.counts)
            if reset:
                self.counts = dict.fromkeys(self.FIELDS, 0)
        return out


def write_atomic(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def remove_dot_segments(path):
    """RFC 3986 5.2.4 on literal '.' and '..' segments (encoded ones are data)."""
    segments = path.split("/")
    out = []
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def strip_path_parameters(path):
    """What a servlet stack (Okta's) does first: cut each raw segment's
    ";parameters" off ("/a/..;x/b" is "/a/../b", walking up); an encoded
    %3B is data."""
    return "/".join(seg.partition(";")[0] for seg in path.split("/"))


def decode_segment(segment):
    """Percent-decode one path segment as UTF-8; None if not valid UTF-8."""
    try:
        return urllib.parse.unquote_to_bytes(segment).decode("utf-8")
    except UnicodeDecodeError:
        return None


def parse_query(raw_query):
    """[(name, value)] in order, '+' as space, percent-decoded as UTF-8.
    Raises ValueError on bad UTF-8."""
    pairs = []
    for piece in raw_query.split("&"):
        if not piece:
            continue
        name, eq, value = piece.partition("=")
        name = urllib.parse.unquote_plus(name, errors="strict")
        value = urllib.parse.unquote_plus(value, errors="strict") if eq else None
        pairs.append((name, value))
    return pairs


def _log_escape(text):
    return text.replace("\r", "\\r").replace("\n", "\\n")


class RateLimiter:
    """Fixed windows per bucket (60 s, as Okta's, unless a bucket is given a
    shorter one for a test), started by the first request.  One limit for
    every bucket, but for the buckets given their own (the System Log's:
    okta-api.md section 8)."""

    def __init__(self, limit, bucket_limits=None):
        self.default_limit = limit
        self.default_bucket_limits = dict(bucket_limits or {})
        self.limit = limit
        self.bucket_limits = dict(self.default_bucket_limits)
        self.windows = {}           # bucket -> window length, s
        self.lock = threading.Lock()
        self.buckets = {}

    def reset(self):
        with self.lock:
            self.limit = self.default_limit
            self.bucket_limits = dict(self.default_bucket_limits)
            self.windows.clear()
            self.buckets.clear()

    def set_limit(self, limit, bucket=None, window=None):
        """Every bucket's limit (bucket None), or one bucket's (and its
        window's length)."""
        with self.lock:
            if bucket is None:
                self.limit = limit
                self.bucket_limits.clear()
                self.windows.clear()
            else:
                self.bucket_limits[bucket] = limit
                if window is not None:
                    self.windows[bucket] = window
                else:
                    self.windows.pop(bucket, None)
            self.buckets.clear()

    def limit_of(self, bucket):
        return self.bucket_limits.get(bucket, self.limit)

    def take(self, bucket):
        """Count one request; returns (allowed, limit, remaining, reset_epoch)."""
        now = time.time()
        with self.lock:
            window = self.windows.get(bucket, RATE_WINDOW)
            start, count = self.buckets.get(bucket, (now, 0))
            if now >= start + window:
                start, count = now, 0
            count += 1
            self.buckets[bucket] = (start, count)
            limit = self.bucket_limits.get(bucket, self.limit)
        # the window's end, rounded up to the second: never before it ends
        reset = int(start + window + 0.999)
        return count <= limit, limit, max(0, limit - count), reset


BODY_FAULTS = ("malformed", "truncated", "short", "reset", "duplicate-keys")


def _parse_fault_arg(arg, usage, options=()):
    """'A[:B] [key=N ...]' -> (A, B or None, {key: int}).  Raises ValueError."""
    words = (arg or "").split()
    if not words:
        raise ValueError(usage)
    head, _, second = words[0].partition(":")
    opts = {}
    for word in words[1:]:
        key, eq, value = word.partition("=")
        if not eq or key not in options:
            raise ValueError("%s (unknown option %r)" % (usage, word))
        try:
            opts[key] = int(value)
        except ValueError:
            raise ValueError("%s (%s must be an integer)" % (usage, key))
        if opts[key] < 0:
            raise ValueError("%s (%s must be >= 0)" % (usage, key))
    return head, (second or None), opts


class FaultPlan:
    """What one /api/v1 request gets: the faults armed for it."""

    def __init__(self):
        self.fail_status = None     # answer this status (before authentication)
        self.reset_s = 1            # 429: X-Rate-Limit-Reset = Date + reset_s
        self.delay_ms = 0           # wait before the reply's first byte
        self.body = None            # one of BODY_FAULTS
        self.slow_ms = 0            # spread the body over this many ms
        self.expire = False         # expire every access token first
        self.names = []             # for the request log

    def add(self, name):
        self.names.append(name)


class Fault:
    """One armed fault: skips `after` requests, then hits `count` (None:
    every following request)."""

    def __init__(self, value, count, after=0, **extra):
        self.value = value
        self.count = count
        self.after = after
        self.extra = extra

    def take(self):
        if self.after > 0:
            self.after -= 1
            return False
        if self.count is None:
            return True
        if self.count > 0:
            self.count -= 1
            return True
        return False

    def live(self):
        return self.count is None or self.count > 0

    def describe(self):
        d = {"value": self.value, "count": self.count, "after": self.after}
        d.update(self.extra)
        return d


class Faults:
    """Injected failures and delays for client retry/cancel tests.

    Each kind is armed independently (arming one again replaces it) and
    counts the requests to known /api/v1 endpoints only (token requests and
    control requests are never counted or faulted)."""

    KINDS = ("fail", "delay", "body", "slow", "expire")

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.armed = {}

    def arm(self, kind, fault):
        with self.lock:
            self.armed[kind] = fault

    def take(self):
        """Count one /api/v1 request; returns its FaultPlan."""
        plan = FaultPlan()
        with self.lock:
            for kind in self.KINDS:
                fault = self.armed.get(kind)
                if fault is None or not fault.take():
                    continue
                if kind == "fail":
                    plan.fail_status = fault.value
                    plan.reset_s = fault.extra.get("reset", 1)
                    plan.add("fail-next")
                elif kind == "delay":
                    plan.delay_ms = fault.value
                    plan.add("delay")
                elif kind == "body":
                    plan.body = fault.value
                    plan.add(fault.value)
                elif kind == "slow":
                    plan.slow_ms = fault.value
                    plan.add("slow")
                elif kind == "expire":
                    plan.expire = True
                    plan.add("expire-tokens")
            for kind in [k for k, f in self.armed.items() if not f.live()]:
                del self.armed[kind]
        return plan

    def status(self):
        with self.lock:
            return {kind: f.describe() for kind, f in self.armed.items()}


class Simulator:
    """Everything the request handler needs, independent of the socket layer."""

    def __init__(self, directory, org_data, registry, base_url, rate_limit, verbose=False,
                 record_secrets=False, gzip_replies=False, fields_mode="on",
                 logs_rate_limit=LOGS_RATE_LIMIT, log_delay=0.0, timestamps="ms"):
        self.directory = directory
        self.gzip_default = gzip_replies
        self.gzip = gzip_replies
        self.gzip_cache = GzipCache()
        self.traffic = Traffic()
        self.base_url = base_url
        self.verbose = verbose
        self.org = sim_api.Org(org_data, base_url)
        self.fields_default = fields_mode
        # the org's changes (ctl) and their System Log
        self.clock = sim_changes.Clock(precision=timestamps)
        self.log = sim_log.EventLog(self.clock, base_url, log_delay)
        self.changes = sim_changes.Changes(self.org, self.log, self.clock, directory)
        self.api = sim_api.Api(self.org, fields_mode, self.log)
        self.secrets_path = os.path.join(directory, "secrets.log") if record_secrets else None
        self.secrets_lock = threading.Lock()
        self.in_flight_lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0      # high-water mark since start or reset (ctl status)
        self.auth = sim_auth.AuthServer(registry, base_url,
                                        record=self.record_secret if record_secrets else None)
        self.rates = RateLimiter(rate_limit, {"logs": logs_rate_limit})
        self.arrivals_lock = threading.Lock()
        self.arrivals = []          # (time, bucket, status, reset): ctl arrivals
        self.faults = Faults()
        self.log_path = os.path.join(directory, "requests.log")
        self.log_lock = threading.Lock()

    # ---- request log ------------------------------------------------------

    def log_request(self, method, raw_path, pairs, status, faults=()):
        line = "%s %s" % (method, raw_path)
        if pairs:
            line += "?" + "&".join(n if v is None else "%s=%s" % (n, v) for n, v in pairs)
        line = _log_escape(line) + " %d" % status
        if faults:
            line += " fault=" + ",".join(faults)
        line += "\n"
        with self.log_lock:
            fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
        if self.verbose:
            sys.stderr.write(line)

    def record_secret(self, kind, value):
        """serve --record-secrets: every credential issued or received, one
        per line (KIND VALUE), for the FDW's secrecy test to look for."""
        if not value or self.secrets_path is None:
            return
        line = "%s %s\n" % (kind, _log_escape(str(value)))
        with self.secrets_lock:
            fd = os.open(self.secrets_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode("utf-8", "replace"))
            finally:
                os.close(fd)

    # ---- dispatch -------------------------------------------------------------

    def handle(self, method, target, headers, body):
        """Returns (Response, raw_path, query pairs for the log)."""
        if target.startswith(("https://", "http://")):
            target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
        raw_path, _, raw_query = target.partition("?")
        raw_path = raw_path.partition("#")[0]
        try:
            pairs = parse_query(raw_query)
        except UnicodeDecodeError:
            return (okta_error(400, "E0000001", "Api validation failed: query",
                               ["The query string is not valid UTF-8."]),
                    raw_path, [(raw_query, None)])
        params = sim_api.Params(pairs)
        params.omit = sim_api.omitted_fields(headers.get("Content-Type"))
        norm = remove_dot_segments(strip_path_parameters(raw_path))
        segments = [decode_segment(s) for s in norm.split("/")[1:]]
        decoded_path = urllib.parse.unquote(raw_path)

        route = None
        if norm == TOKEN_PATH:
            bucket = "token"
        elif None in segments:
            bucket = "other"
        else:
            route = self.api.route(segments)
            bucket = route[0] if route else "other"

        arrived = time.time()
        allowed, limit, remaining, reset = self.rates.take(bucket)
        if not allowed:
            resp = (oauth_error(429, "user_rate_limited", SUMMARY_RATE_LIMIT)
                    if bucket == "token" else okta_error(429, "E0000047", SUMMARY_RATE_LIMIT))
        else:
            resp = self._respond(method, norm, decoded_path, route, params, headers, body)
        plan = getattr(resp, "fault_plan", None)
        if resp.status == 429 and allowed:   # injected
            reset_s = plan.reset_s if plan is not None else 1
            # Reset = the Date header's second + reset_s: a client that sleeps
            # Reset - Date (+ 1, as Okta's SDKs do) waits at least reset_s
            limit, remaining, reset = limit, 0, int(time.time()) + reset_s
        resp.headers[:0] = [("X-Rate-Limit-Limit", str(limit)),
                            ("X-Rate-Limit-Remaining", str(remaining)),
                            ("X-Rate-Limit-Reset", str(reset))]
        resp.headers.append(("X-Okta-Request-Id", new_request_id()))
        self.note_arrival(arrived, bucket, resp.status, reset)
        return resp, raw_path, pairs

    def note_arrival(self, when, bucket, status, reset):
        """When each request came, its bucket, status and the Reset it was
        told (ctl arrivals): what a client sent during a 429's pause, how
        near a bucket's limit it ran."""
        with self.arrivals_lock:
            if len(self.arrivals) >= MAX_ARRIVALS:
                del self.arrivals[:MAX_ARRIVALS // 2]
            self.arrivals.append((round(when, 3), bucket, status, reset))

    def _respond(self, method, norm, decoded_path, route, params, headers, body):
        if norm == TOKEN_PATH:
            if method != "POST":
                return method_not_allowed()
            return self.auth.token_endpoint(headers, body, headers.get("Content-Type"))
        if route is None:
            return not_found("%s (Path)" % decoded_path)
        if method != "GET":
            return method_not_allowed()
        plan = self.faults.take()
        if plan.expire:
            self.auth.expire_tokens()
        if plan.fail_status:
            resp = self._injected(plan.fail_status)
        else:
            resp = self._api(method, decoded_path, route, params, headers)
        # the HTTP layer applies delay, body and slow faults when it sends
        resp.fault_plan = plan
        return resp

    def _api(self, method, decoded_path, route, params, headers):
        bucket, scope, handler = route
        principal, error = self.auth.authenticate(method, decoded_path, headers, scope)
        if error is not None:
            return error
        error = self.auth.authorize(principal, scope, decoded_path)
        if error is not None:
            return error
        try:
            # under the org's lock: a change (ctl) is never seen half made
            with self.org.lock:
                return handler(params)
        except sim_api.ApiError as err:
            return err.response

    @staticmethod
    def _injected(status):
        if status == 429:
            return okta_error(429, "E0000047", SUMMARY_RATE_LIMIT)
        if status == 401:
            return okta_error(401, "E0000011", SUMMARY_INVALID_TOKEN)
        if status == 403:
            return okta_error(403, "E0000006", "You do not have permission to perform the "
                              "requested action")
        if status == 400:
            return okta_error(400, "E0000001", "Api validation failed")
        if status == 404:
            return okta_error(404, "E0000007", "Not found: Resource not found")
        if status == 503:
            return okta_error(503, "E0000100", "Search is unavailable. Try again later.")
        return okta_error(status, "E0000009", "Internal Server Error")

    # ---- control endpoints ------------------------------------------------------

    def enter_request(self):
        """Count requests being answered at once (clients that fan out)."""
        with self.in_flight_lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave_request(self):
        with self.in_flight_lock:
            self.in_flight -= 1

    def control(self, action, arg):
        auth, faults = self.auth, self.faults
        if action == "rotate-nonce":
            return {"ok": True, "nonce": auth.rotate_nonce()}
        if action == "expire-tokens":
            return {"ok": True, "expired": auth.expire_tokens()}
        if action == "reset":
            with self.in_flight_lock:
                self.max_in_flight = self.in_flight
            auth.reset()
            self.rates.reset()
            with self.arrivals_lock:
                self.arrivals = []
            with faults.lock:
                faults.reset()
            self.gzip = self.gzip_default
            self.api.fields_mode = self.fields_default
            self.log.delay_ms = self.log.default_delay_ms
            self.log.jitter_ms = 0
            self.clock.precision = self.clock.default_precision
            return {"ok": True}
        if action == "gzip":
            if arg not in ("on", "off"):
                raise ValueError("gzip on|off")
            self.gzip = arg == "on"
            return {"ok": True, "gzip": self.gzip}
        if action == "fields":
            # what user listings do with `fields`: project, ignore it, refuse it
            if arg not in sim_api.FIELDS_MODES:
                raise ValueError("fields %s" % "|".join(sim_api.FIELDS_MODES))
            self.api.fields_mode = arg
            return {"ok": True, "fields": arg}
        if action == "traffic":
            if arg not in (None, "reset"):
                raise ValueError("traffic [reset]")
            out = {"ok": True}
            out.update(self.traffic.snapshot(reset=arg == "reset"))
            return out
        if action == "rate-limit":
            # rate-limit N: every bucket; rate-limit N BUCKET [window=S]:
            # that one (its window S seconds long instead of 60)
            usage = "rate-limit N [%s [window=S]]" % "|".join(BUCKETS)
            words = (arg or "").split()
            window = None
            if len(words) == 3 and words[2].startswith("window="):
                window = int(words[2][len("window="):])
                if window < 1:
                    raise ValueError("window must be >= 1")
                words = words[:2]
            if len(words) not in (1, 2):
                raise ValueError(usage)
            limit = int(words[0])
            if limit < 0:
                raise ValueError("limit must be >= 0")
            bucket = words[1] if len(words) == 2 else None
            if bucket is not None and bucket not in BUCKETS:
                raise ValueError(usage)
            self.rates.set_limit(limit, bucket, window)
            out = {"ok": True, "rate_limit": limit}
            if bucket is not None:
                out = {"ok": True, "bucket": bucket, "rate_limit": limit,
                       "window": window or RATE_WINDOW}
            return out
        if action == "arrivals":
            # arrivals [BUCKET] [clear]: the requests since the last reset
            # or clear, each [time, bucket, status, reset]
            words = (arg or "").split()
            with self.arrivals_lock:
                if words == ["clear"]:
                    self.arrivals = []
                    return {"ok": True}
                if len(words) > 1 or (words and words[0] not in BUCKETS):
                    raise ValueError("arrivals [%s] | arrivals clear" % "|".join(BUCKETS))
                got = [list(a) for a in self.arrivals if not words or a[1] == words[0]]
            return {"ok": True, "arrivals": got}
        if action == "fail-next":
            usage = "fail-next STATUS[:COUNT] [after=N] [reset=S] with a 4xx/5xx status"
            status, count, opts = _parse_fault_arg(arg, usage, ("after", "reset"))
            try:
                status, count = int(status), int(count or "1")
            except ValueError:
                raise ValueError(usage)
            if not 400 <= status <= 599 or count < 0:
                raise ValueError(usage)
            faults.arm("fail", Fault(status, count, opts.get("after", 0),
                                     reset=opts.get("reset", 1)))
            return {"ok": True, "status": status, "count": count,
                    "after": opts.get("after", 0), "reset": opts.get("reset", 1)}
        if action == "dpop-skew":
            # proofs look this many seconds old: a client with a wrong clock
            auth.dpop_skew = int(arg)
            return {"ok": True, "dpop_skew": auth.dpop_skew}
        if action in ("delay", "slow"):
            usage = "%s MS[:COUNT] [after=N]" % action
            ms, count, opts = _parse_fault_arg(arg, usage, ("after",))
            try:
                ms, count = int(ms), (None if count is None else int(count))
            except ValueError:
                raise ValueError(usage)
            if ms < 0 or (count is not None and count < 0):
                raise ValueError("%s must be >= 0" % action)
            kind = action
            if ms == 0:
                with faults.lock:
                    faults.armed.pop(kind, None)
            else:
                faults.arm(kind, Fault(ms, count, opts.get("after", 0)))
            return {"ok": True, action + "_ms": ms, "count": count,
                    "after": opts.get("after", 0)}
        if action == "bad-body":
            usage = "bad-body %s[:COUNT] [after=N]" % "|".join(BODY_FAULTS)
            kind, count, opts = _parse_fault_arg(arg, usage, ("after",))
            try:
                count = int(count or "1")
            except ValueError:
                raise ValueError(usage)
            if kind not in BODY_FAULTS or count < 0:
                raise ValueError(usage)
            faults.arm("body", Fault(kind, count, opts.get("after", 0)))
            return {"ok": True, "body": kind, "count": count, "after": opts.get("after", 0)}
        if action == "expire-tokens-after":
            usage = "expire-tokens-after N"
            n, extra, _ = _parse_fault_arg(arg, usage)
            try:
                n = int(n)
            except ValueError:
                raise ValueError(usage)
            if n < 0 or extra is not None:
                raise ValueError(usage)
            faults.arm("expire", Fault(True, 1, n))
            return {"ok": True, "expire_tokens_after": n}
        if action == "status":
            with auth.lock:
                tokens = len(auth.tokens)
            with self.org.lock:
                users, groups = len(self.org.users), len(self.org.groups)
                apps = len(self.org.apps.app_ids)
            return {"ok": True, "nonce": auth.nonce, "tokens": tokens,
                    "rate_limit": self.rates.limit,
                    "logs_rate_limit": self.rates.limit_of("logs"),
                    "faults": faults.status(),
                    "max_in_flight": self.max_in_flight,
                    "gzip": self.gzip, "fields": self.api.fields_mode,
                    "users": users, "groups": groups, "apps": apps,
                    "timestamps": self.clock.precision,
                    "clock": sim_data.ts(self.clock.now_ms()),
                    "log": self.log.status()}
        # the org's changes and its System Log (sim_changes.py)
        return self.changes.control(action, arg)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "oktasim"
    sys_version = ""
    timeout = 120
    # TCP_NODELAY: a reply goes out as many TLS records; with Nagle's
    # algorithm each one after the first waits for the client's (delayed)
    # ACK, which added ~40 ms to every page on a kept-alive connection
    disable_nagle_algorithm = True

    def version_string(self):
        return self.server_version

    def setup(self):
        super().setup()
        self.wfile = _CountingWriter(self.wfile)

    def log_message(self, fmt, *args):
        if self.server.sim.verbose:
            sys.stderr.write("oktasim: %s\n" % (fmt % args))

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(length) if length else b""

    def _dispatch(self):
        sim = self.server.sim
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send(okta_error(400, "E0000003", "The request body was not well-formed."))
            return
        if self.path.startswith(CONTROL_PREFIX):
            self._control(sim, body)
            return
        sim.enter_request()
        try:
            try:
                resp, raw_path, pairs = sim.handle(self.command, self.path, self.headers, body)
            except Exception:       # a simulator bug: answer 500 and say so on stderr
                traceback.print_exc()
                resp = okta_error(500, "E0000009", "Internal Server Error")
                raw_path, pairs = self.path, []
            plan = getattr(resp, "fault_plan", None)
            # log first: a client that has its reply must find the line there
            # (a delayed or cut reply is logged when it starts, so the log keeps
            # the order in which requests arrived)
            sim.log_request(self.command, raw_path, pairs, resp.status,
                            plan.names if plan is not None else ())
            if plan is not None and plan.delay_ms:
                time.sleep(plan.delay_ms / 1000.0)
            # compressed when asked for and enabled (serve --gzip, ctl gzip on);
            # never a reply with a body fault, whose bytes the fault defines
            use_gzip = (sim.gzip and accepts_gzip(self.headers.get("Accept-Encoding"))
                        and not (plan is not None and plan.body))
            written = self.wfile.count
            sent, identity, gzipped = self._send(resp, plan, use_gzip)
            sim.traffic.add(self.wfile.count - written, sent, identity, gzipped)
        finally:
            sim.leave_request()

    def _control(self, sim, body):
        action = self.path[len(CONTROL_PREFIX):].partition("?")[0]
        if self.command != "POST":
            self._send(method_not_allowed())
            return
        arg = body.decode("utf-8", "replace").strip() or None
        try:
            result = sim.control(action, arg)
            self._send(Response(200, result))
        except KeyError:
            self._send(Response(404, {"ok": False, "error": "unknown action %s" % action}))
        except (TypeError, ValueError) as err:
            self._send(Response(400, {"ok": False, "error": str(err)}))

    def _send(self, resp, plan=None, use_gzip=False):
        """Returns (body bytes sent, body bytes before compression, compressed?)."""
        body = resp.body
        identity = len(body)
        fault = plan.body if plan is not None else None
        gzipped = bool(use_gzip and body and self.command != "HEAD")
        if gzipped:
            body = self.server.sim.gzip_cache.compress(body)
        if fault == "malformed":
            # valid UTF-8, honest length, not JSON: the first ':' becomes ';'
            body = body.replace(b":", b";", 1) if b":" in body else b"[{]"
        elif fault == "truncated":
            # the JSON cut in the middle, with a Content-Length that says so
            body = body[:len(body) // 2]
        elif fault == "duplicate-keys":
            # valid JSON that Okta does not send: every profile starts with
            # keys that may come again later (JSON parsers keep the last)
            body = body.replace(b'"profile":{', b'"profile":{"login":"shadowed",'
                                b'"department":{"a":[1,2]},', -1)
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type or CT_JSON)
        # "short" and "reset" announce the whole body, then send half of it
        self.send_header("Content-Length", str(len(body)))
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        if self.server.sim.gzip:
            self.send_header("Vary", "Accept-Encoding")
        for name, value in resp.headers:
            self.send_header(name, value)
        if self.close_connection or fault in ("short", "reset"):
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD" or not body:
            self.wfile.flush()
            return 0, identity, False
        if fault in ("short", "reset"):
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            time.sleep(0.05)        # let the client see the first half
            self._drop_connection(reset=fault == "reset")
            return len(body) // 2, identity, False
        if plan is not None and plan.slow_ms:
            # headers at once, then the body in ten parts, each after a
            # tenth of slow_ms: the last byte comes slow_ms after the headers
            parts = 10
            step = max(1, (len(body) + parts - 1) // parts)
            for i in range(0, len(body), step):
                time.sleep(plan.slow_ms / 1000.0 / parts)
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
            return len(body), identity, gzipped
        self.wfile.write(body)
        self.wfile.flush()
        return len(body), identity, gzipped

    def _drop_connection(self, reset):
        """Close mid-body: a TCP FIN without TLS close_notify, or an RST."""
        self.close_connection = True
        sock = self.connection
        try:
            if reset:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.rfile.close()      # the last reference: close() closes for real
            sock.close()
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch


class _CountingWriter:
    """The handler's wfile, counting the bytes written through it."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def write(self, data):
        self.count += len(data)
        return self.raw.write(data)

    def flush(self):
        return self.raw.flush()

    def close(self):
        return self.raw.close()

    @property
    def closed(self):
        return getattr(self.raw, "closed", False)


class TLSThreadingServer(ThreadingHTTPServer):
    """Threaded HTTPS server; the TLS handshake runs in the worker thread."""
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, family, ssl_context, verbose):
        self.address_family = family
        self.ssl_context = ssl_context
        self.verbose = verbose
        self.sim = None
        super().__init__(address, Handler)

    def finish_request(self, request, client_address):
        request.settimeout(Handler.timeout)
        try:
            conn = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as err:
            if self.verbose:
                sys.stderr.write("oktasim: TLS handshake failed: %s\n" % err)
            return
        if self.sim is not None:
            self.sim.traffic.add_connection(conn.session_reused)
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


def serve(directory, port=0, bind="127.0.0.1", rate_limit=10000, verbose=False,
          record_secrets=False, gzip_replies=False, fields_mode="on",
          logs_rate_limit=LOGS_RATE_LIMIT, log_delay=0.0, timestamps="ms"):
    directory = os.path.abspath(directory)
    for stale in ("port", "pid") + (("secrets.log",) if record_secrets else ()):
        try:
            os.unlink(os.path.join(directory, stale))
        except FileNotFoundError:
            pass
    with open(os.path.join(directory, "clients.json"), encoding="utf-8") as f:
        registry = json.load(f)
    with open(os.path.join(directory, "org.json"), encoding="utf-8") as f:
        org_data = json.load(f)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(os.path.join(directory, "server.pem"),
                            os.path.join(directory, "server-key.pem"))
    context.set_alpn_protocols(["http/1.1"])

    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    server = TLSThreadingServer((bind, port), family, context, verbose)
    actual_port = server.server_address[1]
    base_url = "https://localhost:%d" % actual_port
    server.sim = Simulator(directory, org_data, registry, base_url, rate_limit, verbose,
                           record_secrets, gzip_replies, fields_mode, logs_rate_limit,
                           log_delay, timestamps)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    write_atomic(os.path.join(directory, "pid"), "%d\n" % os.getpid())
    write_atomic(os.path.join(directory, "port"), "%d\n" % actual_port)
    if verbose:
        sys.stderr.write("oktasim: serving %s (%d users, %d groups)\n"
                         % (base_url, len(server.sim.org.users), len(server.sim.org.groups)))
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        for name in ("port", "pid"):
            try:
                os.unlink(os.path.join(directory, name))
            except FileNotFoundError:
                pass
    return 0


def control_request(directory, action, arg=None):
    """POST to the running server's control endpoint; returns (status, text)."""
    import http.client
    with open(os.path.join(directory, "port")) as f:
        port = int(f.read().strip())
    context = ssl.create_default_context(cafile=os.path.join(directory, "ca.pem"))
    error = None
    # the server certificate names localhost, 127.0.0.1 and ::1; the server may
    # listen on either address family
    for host in ("localhost", "127.0.0.1", "::1"):
        conn = http.client.HTTPSConnection(host, port, context=context, timeout=30)
        try:
            conn.connect()
        except ConnectionRefusedError as err:
            error = err
            conn.close()
            continue
        try:
            conn.request("POST", CONTROL_PREFIX + action, body=(arg or "").encode("utf-8"),
                         headers={"Content-Type": "text/plain"})
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8", "replace")
        finally:
            conn.close()
    raise error
