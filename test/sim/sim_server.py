"""HTTPS plumbing of the simulator: the threaded server, request parsing,
rate limits, common headers, the request log and the /__sim control endpoints.
"""

import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sim_api
import sim_auth
from sim_common import (CT_JSON, SUMMARY_INVALID_TOKEN, SUMMARY_RATE_LIMIT, Response,
                        method_not_allowed, new_request_id, not_found,
                        oauth_error, okta_error)

TOKEN_PATH = "/oauth2/v1/token"
CONTROL_PREFIX = "/__sim/"
MAX_BODY = 1 << 20
RATE_WINDOW = 60


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
    """Fixed 60 s windows per bucket, started by the first request."""

    def __init__(self, limit):
        self.default_limit = limit
        self.limit = limit
        self.lock = threading.Lock()
        self.buckets = {}

    def reset(self):
        with self.lock:
            self.limit = self.default_limit
            self.buckets.clear()

    def set_limit(self, limit):
        with self.lock:
            self.limit = limit
            self.buckets.clear()

    def take(self, bucket):
        """Count one request; returns (allowed, limit, remaining, reset_epoch)."""
        now = time.time()
        with self.lock:
            start, count = self.buckets.get(bucket, (now, 0))
            if now >= start + RATE_WINDOW:
                start, count = now, 0
            count += 1
            self.buckets[bucket] = (start, count)
            limit = self.limit
        reset = int(start + RATE_WINDOW + 0.999)
        return count <= limit, limit, max(0, limit - count), reset


class Faults:
    """Injected failures and delays for client retry/cancel tests."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.fail_status = None
        self.fail_count = 0
        self.delay_ms = 0

    def next_failure(self):
        with self.lock:
            if self.fail_count > 0:
                self.fail_count -= 1
                return self.fail_status
        return None


class Simulator:
    """Everything the request handler needs, independent of the socket layer."""

    def __init__(self, directory, org_data, registry, base_url, rate_limit, verbose=False):
        self.directory = directory
        self.base_url = base_url
        self.verbose = verbose
        self.org = sim_api.Org(org_data, base_url)
        self.api = sim_api.Api(self.org)
        self.auth = sim_auth.AuthServer(registry, base_url)
        self.rates = RateLimiter(rate_limit)
        self.faults = Faults()
        self.log_path = os.path.join(directory, "requests.log")
        self.log_lock = threading.Lock()

    # ---- request log ------------------------------------------------------

    def log_request(self, method, raw_path, pairs, status):
        line = "%s %s" % (method, raw_path)
        if pairs:
            line += "?" + "&".join(n if v is None else "%s=%s" % (n, v) for n, v in pairs)
        line = _log_escape(line) + " %d\n" % status
        with self.log_lock:
            fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
        if self.verbose:
            sys.stderr.write(line)

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
        norm = remove_dot_segments(raw_path)
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

        allowed, limit, remaining, reset = self.rates.take(bucket)
        if not allowed:
            resp = (oauth_error(429, "user_rate_limited", SUMMARY_RATE_LIMIT)
                    if bucket == "token" else okta_error(429, "E0000047", SUMMARY_RATE_LIMIT))
        else:
            resp = self._respond(method, norm, decoded_path, route, params, headers, body)
        if resp.status == 429 and allowed:   # injected
            limit, remaining, reset = limit, 0, int(time.time()) + 1
        resp.headers[:0] = [("X-Rate-Limit-Limit", str(limit)),
                            ("X-Rate-Limit-Remaining", str(remaining)),
                            ("X-Rate-Limit-Reset", str(reset))]
        resp.headers.append(("X-Okta-Request-Id", new_request_id()))
        return resp, raw_path, pairs

    def _respond(self, method, norm, decoded_path, route, params, headers, body):
        if norm == TOKEN_PATH:
            if method != "POST":
                return method_not_allowed()
            return self.auth.token_endpoint(headers, body, headers.get("Content-Type"))
        if route is None:
            return not_found("%s (Path)" % decoded_path)
        if method != "GET":
            return method_not_allowed()
        injected = self.faults.next_failure()
        delay = self.faults.delay_ms
        if delay:
            time.sleep(delay / 1000.0)
        if injected:
            return self._injected(injected)
        bucket, scope, handler = route
        principal, error = self.auth.authenticate(method, decoded_path, headers, scope)
        if error is not None:
            return error
        error = self.auth.authorize(principal, scope, decoded_path)
        if error is not None:
            return error
        try:
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

    def control(self, action, arg):
        auth, faults = self.auth, self.faults
        if action == "rotate-nonce":
            return {"ok": True, "nonce": auth.rotate_nonce()}
        if action == "expire-tokens":
            return {"ok": True, "expired": auth.expire_tokens()}
        if action == "reset":
            auth.reset()
            self.rates.reset()
            with faults.lock:
                faults.reset()
            return {"ok": True}
        if action == "rate-limit":
            limit = int(arg)
            if limit < 0:
                raise ValueError("limit must be >= 0")
            self.rates.set_limit(limit)
            return {"ok": True, "rate_limit": limit}
        if action == "fail-next":
            status, _, count = (arg or "").partition(":")
            status, count = int(status), int(count or "1")
            if not 400 <= status <= 599 or count < 0:
                raise ValueError("fail-next STATUS[:COUNT] with a 4xx/5xx status")
            with faults.lock:
                faults.fail_status, faults.fail_count = status, count
            return {"ok": True, "status": status, "count": count}
        if action == "update-user":
            # an admin edits a user: {"id": ..., "status": ..., "profile": {...}}
            now = time.time()
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (int(now * 1000) % 1000)
            user = self.org.update_user(json.loads(arg or "{}"), stamp)
            return {"ok": True, "id": user["id"], "lastUpdated": user["lastUpdated"]}
        if action == "dpop-skew":
            # proofs look this many seconds old: a client with a wrong clock
            auth.dpop_skew = int(arg)
            return {"ok": True, "dpop_skew": auth.dpop_skew}
        if action == "delay":
            ms = int(arg)
            if ms < 0:
                raise ValueError("delay must be >= 0")
            faults.delay_ms = ms
            return {"ok": True, "delay_ms": ms}
        if action == "status":
            with auth.lock:
                tokens = len(auth.tokens)
            return {"ok": True, "nonce": auth.nonce, "tokens": tokens,
                    "rate_limit": self.rates.limit, "delay_ms": faults.delay_ms,
                    "fail_status": faults.fail_status, "fail_count": faults.fail_count,
                    "users": len(self.org.users), "groups": len(self.org.groups)}
        raise KeyError(action)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "oktasim"
    sys_version = ""
    timeout = 120

    def version_string(self):
        return self.server_version

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
        try:
            resp, raw_path, pairs = sim.handle(self.command, self.path, self.headers, body)
        except Exception:       # a simulator bug: answer 500 and say so on stderr
            traceback.print_exc()
            resp = okta_error(500, "E0000009", "Internal Server Error")
            raw_path, pairs = self.path, []
        # log first: a client that has its reply must find the line there
        sim.log_request(self.command, raw_path, pairs, resp.status)
        self._send(resp)

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

    def _send(self, resp):
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type or CT_JSON)
        self.send_header("Content-Length", str(len(resp.body)))
        for name, value in resp.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and resp.body:
            self.wfile.write(resp.body)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch


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


def serve(directory, port=0, bind="127.0.0.1", rate_limit=10000, verbose=False):
    directory = os.path.abspath(directory)
    for stale in ("port", "pid"):
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
    server.sim = Simulator(directory, org_data, registry, base_url, rate_limit, verbose)

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
