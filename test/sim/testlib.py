"""Helpers for the simulator's own tests: a check counter, a running simulator,
an HTTPS client, and JWT / DPoP builders (client side, written independently
of the simulator's verifier)."""

import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
OKTASIM = os.path.join(HERE, "oktasim.py")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def shared_dir():
    """Okta reference data: $OKTA_SHARED, else ../shared beside the repo root."""
    env = os.environ.get("OKTA_SHARED")
    if env:
        return env
    repo_root = os.path.dirname(os.path.dirname(HERE))
    return os.path.join(os.path.dirname(repo_root), "shared")


# --------------------------------------------------------------------------
# Check counter
# --------------------------------------------------------------------------

class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, condition, detail=""):
        if condition:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: %s%s" % (name, (" -- " + str(detail)[:600]) if detail else ""))
        return bool(condition)

    def equal(self, name, got, want):
        return self.check(name, got == want, "got %r, want %r" % (got, want))

    def run(self, func, *args):
        """Run one test function; an exception counts as a failure."""
        try:
            func(*args)
        except Exception:
            self.failed += 1
            print("FAIL: %s raised\n%s" % (func.__name__, traceback.format_exc()))

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


# --------------------------------------------------------------------------
# Simulator process
# --------------------------------------------------------------------------

class Sim:
    """init + serve in a temporary directory; stop() kills only our child."""

    def __init__(self, users=300, groups=30, seed=7, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="oktasim-test-")
        subprocess.run([PYTHON, OKTASIM, "init", self.dir, "--users", str(users),
                        "--groups", str(groups), "--seed", str(seed)],
                       check=True, stdout=subprocess.DEVNULL)
        self.proc = subprocess.Popen([PYTHON, OKTASIM, "serve", self.dir, "--port", "0"]
                                     + list(extra_args))
        port_file = os.path.join(self.dir, "port")
        deadline = time.time() + 30
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("simulator did not start")
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read())
        self.base = "https://localhost:%d" % self.port
        self.token_url = self.base + "/oauth2/v1/token"
        with open(os.path.join(self.dir, "clients.json")) as f:
            self.registry = json.load(f)
        self.api_token = self.registry["api_token"]
        self.ssl_context = ssl.create_default_context(cafile=os.path.join(self.dir, "ca.pem"))

    def path(self, name):
        return os.path.join(self.dir, name)

    def load_json(self, name):
        with open(self.path(name), encoding="utf-8") as f:
            return json.load(f)

    def key(self, name):
        with open(self.path(name), "rb") as f:
            return serialization.load_pem_private_key(f.read(), password=None)

    def ctl(self, action, *args):
        cmd = [PYTHON, OKTASIM, "ctl", self.dir, action] + [a for a in args if a is not None]
        return subprocess.run(cmd, capture_output=True, text=True)

    def control(self, action, *args):
        """The same as ctl, straight over HTTPS (no process start): returns
        an object with returncode (0 when the server said 200) and stdout."""
        conn = http.client.HTTPSConnection("localhost", self.port, context=self.ssl_context,
                                           timeout=30)
        try:
            conn.request("POST", "/__sim/" + action,
                         body=" ".join(a for a in args if a is not None).encode("utf-8"),
                         headers={"Content-Type": "text/plain"})
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
        finally:
            conn.close()
        return subprocess.CompletedProcess([action] + list(args),
                                           0 if resp.status == 200 else 1, text, "")

    def log_lines(self):
        with open(self.path("requests.log"), encoding="utf-8") as f:
            return f.read().splitlines()

    def truncate_log(self):
        with open(self.path("requests.log"), "r+") as f:
            f.truncate(0)

    def client(self):
        return Client(self.port, self.ssl_context)

    def stop(self, cleanup=True):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if cleanup:
            shutil.rmtree(self.dir, ignore_errors=True)
        return self.proc.returncode


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # [(name, value)] as received
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def links(self):
        """{rel: url} from the link headers."""
        out = {}
        for value in self.header_all("link"):
            url, _, rel = value.partition(">; rel=")
            out[rel.strip('"')] = url.lstrip("<")
        return out

    def __repr__(self):
        return "Reply(%d, %r, %r)" % (self.status, self.headers, self.body[:300])


class Client:
    """A keep-alive HTTPS client (one connection, reopened when closed)."""

    def __init__(self, port, context):
        self.port = port
        self.context = context
        self.conn = None
        self.connections = 0

    def request(self, method, target, headers=None, body=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection("localhost", self.port,
                                                        context=self.context, timeout=60)
                self.connections += 1
            try:
                self.conn.request(method, target, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                reply = Reply(resp.status, resp.getheaders(), data)
                if resp.will_close:
                    self.close()
                return reply
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --------------------------------------------------------------------------
# JWT building (client side)
# --------------------------------------------------------------------------

def b64u(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def alg_for(key):
    return "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"


def sign(header, claims, key, alg=None, der_signature=False):
    alg = alg or header.get("alg") or alg_for(key)
    signing_input = (b64u(json.dumps(header, separators=(",", ":"))) + "." +
                     b64u(json.dumps(claims, separators=(",", ":")))).encode("ascii")
    digest = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[alg[2:]]
    if alg.startswith("RS"):
        sig = key.sign(signing_input, padding.PKCS1v15(), digest)
    else:
        der = key.sign(signing_input, ec.ECDSA(digest))
        if der_signature:
            sig = der
        else:
            r, s = decode_dss_signature(der)
            size = (key.curve.key_size + 7) // 8
            sig = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return signing_input.decode("ascii") + "." + b64u(sig)


def assertion(client_id, key, aud, kid=None, alg=None, now=None, lifetime=300,
              omit=(), extra_claims=None, extra_header=None, der_signature=False):
    now = int(time.time()) if now is None else now
    alg = alg or alg_for(key)
    header = {"alg": alg, "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    header.update(extra_header or {})
    claims = {"iss": client_id, "sub": client_id, "aud": aud, "iat": now,
              "exp": now + lifetime, "jti": str(uuid.uuid4())}
    claims.update(extra_claims or {})
    for name in omit:
        claims.pop(name, None)
    return sign(header, claims, key, alg, der_signature)


def public_jwk(key):
    pub = key.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        n = pub.public_numbers()
        return {"kty": "RSA", "e": b64u(n.e.to_bytes((n.e.bit_length() + 7) // 8, "big")),
                "n": b64u(n.n.to_bytes((n.n.bit_length() + 7) // 8, "big"))}
    n = pub.public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64u(n.x.to_bytes(32, "big")),
            "y": b64u(n.y.to_bytes(32, "big"))}


def thumbprint(jwk):
    members = ({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]} if jwk["kty"] == "RSA"
               else {"crv": jwk["crv"], "kty": "EC", "x": jwk["x"], "y": jwk["y"]})
    return b64u(hashlib.sha256(json.dumps(members, sort_keys=True,
                                          separators=(",", ":")).encode()).digest())


def ath(token):
    return b64u(hashlib.sha256(token.encode("ascii")).digest())


def dpop_proof(key, htm, htu, nonce=None, access_token=None, jti=None, iat=None,
               typ="dpop+jwt", jwk=None, omit=(), extra_claims=None):
    header = {"typ": typ, "alg": alg_for(key), "jwk": jwk or public_jwk(key)}
    claims = {"htm": htm, "htu": htu, "iat": int(time.time()) if iat is None else iat,
              "jti": jti or str(uuid.uuid4())}
    if nonce is not None:
        claims["nonce"] = nonce
    if access_token is not None:
        claims["ath"] = ath(access_token)
    claims.update(extra_claims or {})
    for name in omit:
        claims.pop(name, None)
    return sign(header, claims, key)


def new_dpop_key(kind="rsa"):
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def form(**fields):
    from urllib.parse import urlencode
    return urlencode(fields).encode("ascii")


def token_request(client, sim, assertion_jwt, scope="okta.users.read okta.groups.read",
                  dpop=None, extra=None, omit=()):
    fields = {"grant_type": "client_credentials", "scope": scope,
              "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion_jwt}
    fields.update(extra or {})
    for name in omit:
        fields.pop(name, None)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    if dpop:
        headers["DPoP"] = dpop
    return client.request("POST", "/oauth2/v1/token", headers, form(**fields))
