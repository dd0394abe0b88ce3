#!/usr/bin/python3
"""End-to-end tests of the simulator over HTTPS: token endpoint (private_key_jwt,
DPoP), resource authentication, listings, pagination, lookups, errors, request
log, control actions, rate limits, clean shutdown, and 10k-user paging speed."""

import email.utils
import http.client
import json
import os
import ssl
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import testlib as T     # noqa: E402

checks = T.Checks()
SCOPES = "okta.users.read okta.groups.read"


class Ctx:
    """Shared state of one run."""

    def __init__(self, sim):
        self.sim = sim
        self.http = sim.client()
        self.rsa = sim.key("client-rsa.pem")
        self.rsa2 = sim.key("client-rsa2.pem")
        self.ec = sim.key("client-ec.pem")
        self.other = sim.key("other-rsa.pem")
        self.users = sim.load_json("users.json")
        self.groups = sim.load_json("groups.json")
        self.memberships = sim.load_json("memberships.json")
        self.ssws = {"Authorization": "SSWS " + sim.api_token}

    def assertion(self, client_id="0oaplain", key=None, kid="k1", **kw):
        return T.assertion(client_id, key or self.rsa, self.sim.token_url, kid=kid, **kw)

    def token(self, client_id="0oaplain", key=None, kid="k1", scope=SCOPES, **kw):
        return T.token_request(self.http, self.sim, self.assertion(client_id, key, kid, **kw),
                               scope=scope)

    def bearer(self, client_id="0oaplain", scope=SCOPES):
        reply = self.token(client_id, scope=scope)
        assert reply.status == 200, reply
        return reply.json()["access_token"]

    def dpop_token(self, client_id="0oadpop", key=None, kid="k1", dpop_key=None):
        """Full DPoP dance; returns (access token, DPoP key)."""
        dpop_key = dpop_key or T.new_dpop_key()
        first = T.token_request(self.http, self.sim, self.assertion(client_id, key, kid),
                                dpop=T.dpop_proof(dpop_key, "POST", self.sim.token_url))
        nonce = first.header("DPoP-Nonce")
        reply = T.token_request(self.http, self.sim, self.assertion(client_id, key, kid),
                                dpop=T.dpop_proof(dpop_key, "POST", self.sim.token_url,
                                                  nonce=nonce))
        assert reply.status == 200, reply
        return reply.json()["access_token"], dpop_key

    def get(self, target, headers=None):
        return self.http.request("GET", target, headers or self.ssws)

    def dpop_get(self, target, token, key, htu=None, **kw):
        path = target.split("?")[0]
        htu = htu or self.sim.base + urllib.parse.unquote(path)
        proof = T.dpop_proof(key, "GET", htu, access_token=token, **kw)
        return self.http.request("GET", target, {"Authorization": "DPoP " + token, "DPoP": proof})


def oauth_error_is(name, reply, status, error, desc_part=None):
    ok = checks.equal(name + " status", reply.status, status)
    try:
        body = reply.json()
    except ValueError:
        return checks.check(name + " json body", False, reply)
    ok = checks.equal(name + " error", body.get("error"), error) and ok
    checks.equal(name + " body keys", sorted(body), ["error", "error_description"])
    if desc_part:
        ok = checks.check(name + " description", desc_part in body.get("error_description", ""),
                          body) and ok
    return ok


def okta_error_is(name, reply, status, code, summary_part=None):
    checks.equal(name + " status", reply.status, status)
    try:
        body = reply.json()
    except ValueError:
        return checks.check(name + " json body", False, reply)
    checks.equal(name + " errorCode", body.get("errorCode"), code)
    checks.equal(name + " error keys", sorted(body),
                 ["errorCauses", "errorCode", "errorId", "errorLink", "errorSummary"])
    if summary_part:
        checks.check(name + " summary", summary_part in body.get("errorSummary", ""), body)


def follow(ctx, target, headers=None, max_pages=10000):
    """Follow next links; returns (items, replies)."""
    items, replies = [], []
    while target and len(replies) < max_pages:
        reply = ctx.get(target, headers)
        replies.append(reply)
        if reply.status != 200:
            break
        items.extend(reply.json())
        nxt = reply.links().get("next")
        target = nxt[len(ctx.sim.base):] if nxt else None
    return items, replies


# --------------------------------------------------------------------------

def test_token_success(ctx):
    reply = ctx.token()
    checks.equal("RS256 token status", reply.status, 200)
    body = reply.json()
    checks.equal("token keys", sorted(body), ["access_token", "expires_in", "scope", "token_type"])
    checks.equal("token_type Bearer", body["token_type"], "Bearer")
    checks.equal("expires_in", body["expires_in"], 3600)
    checks.equal("scope echoed", body["scope"], SCOPES)
    checks.equal("token content-type", reply.header("Content-Type"), "application/json")
    for h in ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset", "Date",
              "X-Okta-Request-Id"):
        checks.check("token header " + h, reply.header(h), reply.headers)
    checks.check("no DPoP-Nonce on Bearer", reply.header("DPoP-Nonce") is None)

    reply = ctx.token("0oaec", key=ctx.ec, kid="e1")
    checks.equal("ES256 token", reply.status, 200)
    checks.equal("ES256 token type", reply.json().get("token_type"), "Bearer")
    reply = ctx.token("0oaec", key=ctx.ec, kid=None)
    checks.equal("single key: kid optional", reply.status, 200)
    reply = ctx.token(scope="okta.users.read")
    checks.equal("subset of scopes", reply.json().get("scope"), "okta.users.read")
    reply = ctx.token("0oamulti", kid="k1")
    checks.equal("multi-key client with k1", reply.status, 200)
    reply = ctx.token("0oamulti", key=ctx.rsa2, kid="k2")
    checks.equal("multi-key client with k2", reply.status, 200)
    reply = ctx.token(omit=("iat",))
    checks.equal("iat optional", reply.status, 200)
    reply = ctx.token(omit=("jti",))
    checks.equal("jti optional", reply.status, 200)
    reply = ctx.token(lifetime=3600)
    checks.equal("exp exactly 1 h after iat", reply.status, 200)
    reply = ctx.token(alg="RS384")
    checks.equal("RS384 accepted", reply.status, 200)


def test_token_rejections(ctx):
    sim = ctx.sim
    T_ = T.token_request
    r = T_(ctx.http, sim, T.assertion("0oaplain", ctx.rsa, sim.base + "/oauth2/default/v1/token",
                                      kid="k1"))
    oauth_error_is("wrong aud", r, 401, "invalid_client", "audience claim")
    r = T_(ctx.http, sim, T.assertion("0oaplain", ctx.rsa, "https://127.0.0.1:%d/oauth2/v1/token"
                                      % sim.port, kid="k1"))
    oauth_error_is("aud with another host name", r, 401, "invalid_client", "audience")
    r = ctx.token(now=int(time.time()) - 1000)
    oauth_error_is("expired assertion", r, 401, "invalid_client", "expired")
    r = ctx.token(lifetime=3700)
    oauth_error_is("exp > 1 h after iat", r, 401, "invalid_client", "too far")
    r = ctx.token(lifetime=3700, omit=("iat",))
    oauth_error_is("exp > 1 h from now without iat", r, 401, "invalid_client", "too far")
    r = ctx.token(now=int(time.time()) + 600)
    oauth_error_is("iat in the future", r, 401, "invalid_client", "future")
    r = ctx.token(omit=("exp",))
    oauth_error_is("missing exp", r, 401, "invalid_client", "exp")

    a = ctx.assertion()
    first = T_(ctx.http, sim, a)
    checks.equal("first use of jti", first.status, 200)
    oauth_error_is("reused jti", T_(ctx.http, sim, a), 401, "invalid_client", "already been used")

    oauth_error_is("wrong key", ctx.token(key=ctx.other), 401, "invalid_client",
                   "signature is invalid")
    oauth_error_is("unknown kid", ctx.token(kid="nope"), 401, "invalid_client", "kid is invalid")
    oauth_error_is("multi-key client without kid", ctx.token("0oamulti", kid=None), 401,
                   "invalid_client", "client_assertion JWT kid is invalid")
    oauth_error_is("multi-key client, k2 signed by k1", ctx.token("0oamulti", kid="k2"), 401,
                   "invalid_client", "signature")
    oauth_error_is("unknown client", ctx.token("0oaunknown"), 401, "invalid_client")
    oauth_error_is("iss != sub", ctx.token(extra_claims={"sub": "0oadpop"}), 401,
                   "invalid_client")
    oauth_error_is("HS256 alg", ctx.token(extra_header={"alg": "HS256"}), 401, "invalid_client",
                   "alg")
    oauth_error_is("RS256 on EC key", ctx.token("0oaec", key=ctx.ec, kid="e1",
                                                extra_header={"alg": "RS256"}),
                   401, "invalid_client")
    oauth_error_is("ES256 DER signature", ctx.token("0oaec", key=ctx.ec, kid="e1",
                                                    der_signature=True),
                   401, "invalid_client", "signature")
    oauth_error_is("EC client with RSA key", ctx.token("0oaec", key=ctx.rsa, kid="e1"), 401,
                   "invalid_client")
    oauth_error_is("bad scope for usersonly", ctx.token("0oausersonly"), 400, "invalid_scope")
    checks.equal("usersonly with its scope", ctx.token("0oausersonly", scope="okta.users.read")
                 .status, 200)
    oauth_error_is("unknown scope", ctx.token(scope="okta.users.read okta.nope.read"), 400,
                   "invalid_scope")
    oauth_error_is("manage scope not granted", ctx.token(scope="okta.users.manage"), 400,
                   "invalid_scope")
    oauth_error_is("schemas scope not granted", ctx.token(scope="okta.schemas.read"), 400,
                   "invalid_scope")
    r = T_(ctx.http, sim, ctx.assertion(), omit=("scope",))
    oauth_error_is("missing scope", r, 400, "invalid_scope")
    r = T_(ctx.http, sim, ctx.assertion(), extra={"grant_type": "password"})
    oauth_error_is("unsupported grant", r, 400, "unsupported_grant_type")
    r = T_(ctx.http, sim, ctx.assertion(), omit=("grant_type",))
    oauth_error_is("missing grant_type", r, 400, "invalid_request")
    r = T_(ctx.http, sim, ctx.assertion(), extra={"client_assertion_type": "jwt"})
    oauth_error_is("bad assertion type", r, 400, "invalid_request")
    r = T_(ctx.http, sim, ctx.assertion(), omit=("client_assertion", "client_assertion_type"))
    oauth_error_is("no client authentication", r, 401, "invalid_client")
    r = T_(ctx.http, sim, "not.a.jwt")
    oauth_error_is("malformed assertion", r, 401, "invalid_client")
    r = T_(ctx.http, sim, ctx.assertion(), extra={"client_id": "0oadpop"})
    oauth_error_is("client_id mismatch", r, 401, "invalid_client")
    r = ctx.http.request("POST", "/oauth2/v1/token", {"Content-Type": "application/json"},
                         json.dumps({"grant_type": "client_credentials"}).encode())
    oauth_error_is("JSON body", r, 400, "invalid_request")
    r = ctx.http.request("GET", "/oauth2/v1/token", {})
    checks.equal("GET token endpoint", r.status, 405)


def test_dpop_token(ctx):
    sim, T_ = ctx.sim, T.token_request
    r = ctx.token("0oadpop")
    oauth_error_is("DPoP required, no proof", r, 400, "invalid_dpop_proof",
                   "The DPoP proof JWT header is missing.")
    checks.equal("missing proof: exact description", r.json().get("error_description"),
                  "The DPoP proof JWT header is missing.")
    key = T.new_dpop_key()
    r = T_(ctx.http, sim, ctx.assertion("0oadpop"), dpop=T.dpop_proof(key, "POST", sim.token_url))
    oauth_error_is("proof without nonce", r, 400, "use_dpop_nonce",
                   "Authorization server requires nonce in DPoP proof.")
    nonce = r.header("DPoP-Nonce")
    checks.check("DPoP-Nonce header", nonce, r.headers)
    a = ctx.assertion("0oadpop")
    r = T_(ctx.http, sim, a, dpop=T.dpop_proof(key, "POST", sim.token_url, nonce=nonce))
    checks.equal("DPoP token status", r.status, 200)
    body = r.json()
    checks.equal("token_type DPoP", body.get("token_type"), "DPoP")
    checks.check("DPoP-Nonce on success", r.header("DPoP-Nonce") == nonce, r.headers)
    r = T_(ctx.http, sim, a, dpop=T.dpop_proof(key, "POST", sim.token_url, nonce=nonce))
    oauth_error_is("assertion reused on retry", r, 401, "invalid_client", "already been used")

    def proof_error(name, proof, part):
        reply = T_(ctx.http, sim, ctx.assertion("0oadpop"), dpop=proof)
        oauth_error_is(name, reply, 400, "invalid_dpop_proof", part)

    proof_error("proof wrong htu", T.dpop_proof(key, "POST", sim.base + "/oauth2/v1/tokens",
                                                nonce=nonce), "'htu'")
    proof_error("proof htu other host", T.dpop_proof(
        key, "POST", "https://127.0.0.1:%d/oauth2/v1/token" % sim.port, nonce=nonce), "'htu'")
    proof_error("proof wrong htm", T.dpop_proof(key, "GET", sim.token_url, nonce=nonce), "'htm'")
    proof_error("proof wrong typ", T.dpop_proof(key, "POST", sim.token_url, nonce=nonce,
                                                typ="JWT"), "'typ'")
    private_jwk = dict(T.public_jwk(key), d="AAAA")
    proof_error("proof with private jwk", T.dpop_proof(key, "POST", sim.token_url, nonce=nonce,
                                                       jwk=private_jwk), "'jwk'")
    proof_error("proof jwk of another key", T.dpop_proof(
        key, "POST", sim.token_url, nonce=nonce, jwk=T.public_jwk(T.new_dpop_key("ec"))), "")
    proof_error("proof too old", T.dpop_proof(key, "POST", sim.token_url, nonce=nonce,
                                              iat=int(time.time()) - 600), "'iat'")
    proof_error("proof from the future", T.dpop_proof(key, "POST", sim.token_url, nonce=nonce,
                                                      iat=int(time.time()) + 600), "'iat'")
    proof_error("proof without jti", T.dpop_proof(key, "POST", sim.token_url, nonce=nonce,
                                                  omit=("jti",)), "'jti'")
    used = T.dpop_proof(key, "POST", sim.token_url, nonce=nonce)
    checks.equal("proof first use", T_(ctx.http, sim, ctx.assertion("0oadpop"), dpop=used).status,
                 200)
    proof_error("proof jti reused", used, "already been used")

    rotated = sim.ctl("rotate-nonce")
    checks.equal("ctl rotate-nonce exit", rotated.returncode, 0)
    r = T_(ctx.http, sim, ctx.assertion("0oadpop"),
           dpop=T.dpop_proof(key, "POST", sim.token_url, nonce=nonce))
    oauth_error_is("stale nonce", r, 400, "use_dpop_nonce")
    new_nonce = r.header("DPoP-Nonce")
    checks.check("new nonce differs", new_nonce and new_nonce != nonce, r.headers)
    r = T_(ctx.http, sim, ctx.assertion("0oadpop"),
           dpop=T.dpop_proof(key, "POST", sim.token_url, nonce=new_nonce))
    checks.equal("new nonce works", r.status, 200)

    token, _ = ctx.dpop_token("0oaecdpop", key=ctx.ec, kid="e1", dpop_key=T.new_dpop_key("ec"))
    checks.check("EC client, EC DPoP key", token)
    token, _ = ctx.dpop_token("0oaplain")
    checks.check("a proof to an app that does not bind tokens: a token", token)
    first = T.token_request(ctx.http, sim, ctx.assertion("0oaplain"),
                            dpop=T.dpop_proof(T.new_dpop_key(), "POST", sim.token_url))
    nonce = first.header("DPoP-Nonce")
    r = T_(ctx.http, sim, ctx.assertion("0oaplain"),
           dpop=T.dpop_proof(T.new_dpop_key(), "POST", sim.token_url, nonce=nonce))
    checks.equal("... a plain Bearer token (token_type)", r.json().get("token_type"), "Bearer")
    checks.equal("... which works as Bearer", ctx.get("/api/v1/users?limit=1",
                 {"Authorization": "Bearer " + r.json()["access_token"]}).status, 200)


def test_dpop_resource(ctx):
    token, key = ctx.dpop_token()
    r = ctx.dpop_get("/api/v1/users?limit=5", token, key)
    checks.equal("DPoP resource call", r.status, 200)
    checks.equal("DPoP page size", len(r.json()), 5)

    def rejected(name, reply, status=400, error="invalid_dpop_proof", part=None):
        # Okta: 400, an empty body, the reason in a DPoP challenge that also
        # names authorization_uri, realm and scope (okta-sdk-nodejs 8.1.0)
        checks.equal(name + " status", reply.status, status)
        checks.equal(name + " empty body", reply.body, b"")
        www = reply.header("WWW-Authenticate") or ""
        checks.check(name + " challenge", www.startswith("DPoP ") and
                     ('error="%s"' % error) in www and 'resource="/api/v1/users"' in www and
                     'authorization_uri="%s/oauth2/v1/authorize"' % ctx.sim.base in www and
                     'realm="%s"' % ctx.sim.base in www and 'scope="okta.users.read"' in www, www)
        if part:
            checks.check(name + " description", part in www, www)

    rejected("wrong htu", ctx.dpop_get("/api/v1/users", token, key,
                                       htu=ctx.sim.base + "/api/v1/groups"), part="'htu'")
    rejected("htu with query", ctx.dpop_get("/api/v1/users?limit=5", token, key,
                                            htu=ctx.sim.base + "/api/v1/users?limit=5"))
    rejected("wrong ath", ctx.dpop_get("/api/v1/users", token, key,
                                       extra_claims={"ath": T.ath("other")}), part="'ath'")
    rejected("missing ath", ctx.dpop_get("/api/v1/users", token, key, omit=("ath",)))
    rejected("wrong htm", ctx.dpop_get("/api/v1/users", token, key,
                                       extra_claims={"htm": "POST"}), part="'htm'")
    other = T.new_dpop_key()
    rejected("proof by an unbound key", ctx.dpop_get("/api/v1/users", token, other))
    proof = T.dpop_proof(key, "GET", ctx.sim.base + "/api/v1/users", access_token=token)
    hdrs = {"Authorization": "DPoP " + token, "DPoP": proof}
    checks.equal("proof first use", ctx.http.request("GET", "/api/v1/users", hdrs).status, 200)
    rejected("proof jti reused", ctx.http.request("GET", "/api/v1/users", hdrs),
             part="already been used")
    r = ctx.http.request("GET", "/api/v1/users", {"Authorization": "DPoP " + token})
    rejected("DPoP token without proof", r)
    r = ctx.http.request("GET", "/api/v1/users", {"Authorization": "Bearer " + token})
    checks.equal("DPoP token as Bearer rejected", r.status, 400)
    www = r.header("WWW-Authenticate") or ""
    checks.check("DPoP token as Bearer challenge", www.startswith("DPoP ") and
                 "dpop_authentication_scheme_required" in www, www)
    bearer = ctx.bearer()
    r = ctx.dpop_get("/api/v1/users", bearer, key)
    checks.equal("Bearer token with DPoP scheme", r.status, 401)

    # htu is the percent-decoded path
    nasty = next(u for u in ctx.users if u["profile"]["login"] == "plus+tag@example.com")
    login_path = "/api/v1/users/" + urllib.parse.quote(nasty["profile"]["login"], safe="")
    r = ctx.dpop_get(login_path, token, key)
    checks.equal("htu decoded path accepted", r.status, 200)
    checks.equal("lookup by encoded login", r.json().get("id"), nasty["id"])
    r = ctx.dpop_get(login_path, token, key, htu=ctx.sim.base + login_path)
    checks.equal("htu with %40 (encoded) rejected", r.status, 400)


def test_auth_failures(ctx):
    r = ctx.http.request("GET", "/api/v1/users", {})
    okta_error_is("no Authorization", r, 401, "E0000011")
    r = ctx.http.request("GET", "/api/v1/users", {"Authorization": "Bearer nope"})
    okta_error_is("unknown bearer", r, 401, "E0000011", "Invalid token provided")
    www = r.header("WWW-Authenticate") or ""
    checks.check("invalid_token challenge", www.startswith("Bearer ") and
                 'error="invalid_token"' in www and
                 'error_description="The access token is invalid."' in www and
                 'resource="/api/v1/users"' in www, www)
    r = ctx.http.request("GET", "/api/v1/users", {"Authorization": "SSWS wrong"})
    okta_error_is("bad SSWS", r, 401, "E0000011")

    norole = ctx.bearer("0oanorole")
    r = ctx.http.request("GET", "/api/v1/users", {"Authorization": "Bearer " + norole})
    okta_error_is("no admin role", r, 403, "E0000006",
                  "You do not have permission to perform the requested action")
    r = ctx.http.request("GET", "/api/v1/groups", {"Authorization": "Bearer " + norole})
    okta_error_is("no admin role on groups", r, 403, "E0000006")

    users_only = ctx.bearer("0oausersonly", scope="okta.users.read")
    auth = {"Authorization": "Bearer " + users_only}
    checks.equal("usersonly lists users", ctx.http.request("GET", "/api/v1/users?limit=1",
                                                           auth).status, 200)
    for path in ("/api/v1/groups", "/api/v1/groups/" + ctx.groups[0]["id"] + "/users"):
        r = ctx.http.request("GET", path, auth)
        okta_error_is("insufficient scope " + path, r, 403, "E0000006")
        www = r.header("WWW-Authenticate") or ""
        checks.check("insufficient_scope challenge " + path,
                     'error="insufficient_scope"' in www and 'scope="okta.groups.read"' in www,
                     www)
    r = ctx.get("/api/v1/meta/schemas/user/default", {"Authorization": "Bearer " + ctx.bearer()})
    checks.equal("schema needs okta.schemas.read", r.status, 403)
    schema_token = ctx.bearer("0oaschema", scope=SCOPES + " okta.schemas.read")
    r = ctx.get("/api/v1/meta/schemas/user/default", {"Authorization": "Bearer " + schema_token})
    checks.equal("schema with scope", r.status, 200)
    custom = r.json()["definitions"]["custom"]["properties"]
    checks.equal("schema custom attribute types",
                 {k: v["type"] for k, v in custom.items()},
                 {"costCenterCode": "string", "isContractor": "boolean", "badgeNumber": "integer",
                  "hourlyRate": "number", "skills": "array", "startDate": "string"})


def test_listing(ctx):
    visible = sorted(u["id"] for u in ctx.users if u["status"] != "DEPROVISIONED")
    deprov = sorted(u["id"] for u in ctx.users if u["status"] == "DEPROVISIONED")
    checks.check("org has >= 3% DEPROVISIONED", len(deprov) >= 0.03 * len(ctx.users), len(deprov))
    items, replies = follow(ctx, "/api/v1/users?limit=200")
    got = [u["id"] for u in items]
    checks.equal("plain list = non-DEPROVISIONED users", sorted(got), visible)
    checks.equal("plain list: no duplicates", len(got), len(set(got)))
    checks.equal("plain list ordered by id", got, sorted(got))
    checks.equal("pages at limit 200", len(replies), (len(visible) + 199) // 200)
    first = replies[0]
    links = first.header_all("link")
    checks.equal("two separate link headers", len(links), 2)
    checks.equal("self link", links[0], '<%s/api/v1/users?limit=200>; rel="self"' % ctx.sim.base)
    checks.check("next link", links[1].startswith("<%s/api/v1/users?after=" % ctx.sim.base)
                 and links[1].endswith('&limit=200>; rel="next"'), links)
    checks.equal("last page: self only", len(replies[-1].header_all("link")), 1)
    checks.equal("content-type users", first.header("Content-Type"), "application/json")

    items, _ = follow(ctx, "/api/v1/users?filter=" + urllib.parse.quote('status eq "DEPROVISIONED"'))
    checks.equal("filter DEPROVISIONED", sorted(u["id"] for u in items), deprov)

    search = urllib.parse.quote('status eq "ACTIVE" or status eq "DEPROVISIONED"')
    items, replies = follow(ctx, "/api/v1/users?limit=7&search=" + search)
    want = sorted(u["id"] for u in ctx.users if u["status"] in ("ACTIVE", "DEPROVISIONED"))
    checks.equal("search paged at limit 7", sorted(u["id"] for u in items), want)
    checks.equal("search page count", len(replies), (len(want) + 6) // 7)
    nxt = replies[0].links().get("next", "")
    checks.check("next link keeps search", "search=status+eq+%22ACTIVE%22+or" in nxt, nxt)

    r = ctx.get("/api/v1/users?limit=1000")
    checks.equal("limit clamped to 200", len(r.json()), 200)
    checks.check("clamped limit in self link", "limit=200>" in r.header_all("link")[0], r.headers)
    r = ctx.get("/api/v1/users?limit=0")
    okta_error_is("limit 0", r, 400, "E0000001")
    r = ctx.get("/api/v1/users?limit=abc")
    okta_error_is("limit abc", r, 400, "E0000001")
    r = ctx.get("/api/v1/users?after=garbage")
    okta_error_is("invalid cursor", r, 400, "E0000001")
    r = ctx.get("/api/v1/users?search=x&filter=y")
    okta_error_is("search + filter", r, 400, "E0000033")
    r = ctx.get("/api/v1/users?search=" + urllib.parse.quote('status ne "ACTIVE"'))
    okta_error_is("ne unsupported", r, 400, "E0000031", "Invalid search criteria.")
    r = ctx.get("/api/v1/users?search=" + urllib.parse.quote('lastUpdated gt "2024-99-01"'))
    okta_error_is("bad date", r, 400, "E0000030")
    r = ctx.get("/api/v1/users?filter=" + urllib.parse.quote('profile.title eq "x"'))
    okta_error_is("filter on unsupported attribute", r, 400, "E0000031")

    def search_ids(expr):
        items, _ = follow(ctx, "/api/v1/users?search=" + urllib.parse.quote(expr, safe=""))
        return [u["profile"]["login"] for u in items]
    checks.equal("search escaped quote", search_ids('profile.lastName eq "Quote\\"d"'),
                 ["quote.user@example.com"])
    checks.equal("search escaped backslash", search_ids('profile.lastName eq "Back\\\\slash"'),
                 ["backslash.user@example.com"])
    checks.equal("search injection-looking value",
                 search_ids('profile.costCenterCode eq "\\" or status eq \\"ACTIVE"'),
                 ["injection.attempt@example.com"])
    checks.equal("search login with +", search_ids('profile.login eq "plus+tag@example.com"'),
                 ["plus+tag@example.com"])
    checks.equal("search apostrophe", search_ids('profile.lastName eq "o\'brien"'),
                 ["sean.obrien@example.com"])
    checks.equal("search non-ASCII", search_ids('profile.lastName eq "渡辺"'),
                 ["watanabe.kenta@example.com"])
    r = ctx.get("/api/v1/users?q=zo")
    names = [u["profile"]["firstName"] for u in r.json()]
    checks.check("q prefix", "Zoë" in names and len(names) <= 10, names)
    checks.equal("q: no next link", len(r.header_all("link")), 1)

    everyone = next(g for g in ctx.groups if g["profile"]["name"] == "Everyone")
    empty = next(g for g in ctx.groups if g["profile"]["name"] == "Empty Group")
    r = ctx.get("/api/v1/groups")
    checks.equal("groups list", [g["id"] for g in r.json()], [g["id"] for g in ctx.groups])
    checks.equal("groups self link", r.header_all("link"),
                 ['<%s/api/v1/groups?limit=10000>; rel="self"' % ctx.sim.base])
    checks.equal("groups content-type", r.header("Content-Type"), "application/json;charset=UTF-8")
    items, replies = follow(ctx, "/api/v1/groups?limit=4")
    checks.equal("groups paged", [g["id"] for g in items], [g["id"] for g in ctx.groups])
    r = ctx.get("/api/v1/groups?filter=" + urllib.parse.quote('type eq "BUILT_IN"'))
    checks.equal("groups filter BUILT_IN", [g["id"] for g in r.json()], [everyone["id"]])
    r = ctx.get("/api/v1/groups?search=" + urllib.parse.quote('profile.name sw "group \\"q"'))
    checks.equal("groups search quoted", [g["profile"]["name"] for g in r.json()],
                 ['Group "Quoted"'])
    r = ctx.get("/api/v1/groups/" + everyone["id"])
    checks.equal("group by id", r.json().get("id"), everyone["id"])
    r = ctx.get("/api/v1/groups/00gNOPE")
    okta_error_is("unknown group", r, 404, "E0000007", "00gNOPE (UserGroup)")

    members = {}
    for m in ctx.memberships:
        members.setdefault(m["group_id"], []).append(m["user_id"])
    big = max(ctx.groups, key=lambda g: len(members.get(g["id"], [])) if g["type"] != "BUILT_IN"
              else -1)
    items, replies = follow(ctx, "/api/v1/groups/%s/users?limit=20" % big["id"])
    checks.equal("big group members", sorted(u["id"] for u in items), sorted(members[big["id"]]))
    checks.check("big group: several pages", len(replies) > 2, len(replies))
    items, _ = follow(ctx, "/api/v1/groups/%s/users" % everyone["id"])
    checks.equal("Everyone has every user", len(items), len(ctx.users))
    former = next(g for g in ctx.groups if g["profile"]["name"] == "Former Staff")
    items, _ = follow(ctx, "/api/v1/groups/%s/users" % former["id"])
    checks.check("members include DEPROVISIONED",
                 any(u["status"] == "DEPROVISIONED" for u in items), len(items))
    r = ctx.get("/api/v1/groups/%s/users" % empty["id"])
    checks.equal("empty group", r.body, b"[]")
    checks.equal("empty group: self link only", len(r.header_all("link")), 1)
    checks.check("self link default 1000", "limit=1000" in r.header_all("link")[0], r.headers)
    r = ctx.get("/api/v1/groups/00gNOPE/users")
    okta_error_is("members of unknown group", r, 404, "E0000007")

    # expand=stats: each group's member count, kept on every page's links
    items, replies = follow(ctx, "/api/v1/groups?expand=stats&limit=4")
    checks.equal("groups expand=stats paged", [g["id"] for g in items],
                 [g["id"] for g in ctx.groups])
    checks.equal("expand=stats: usersCount", [g["_embedded"]["stats"]["usersCount"] for g in items],
                 [len(members.get(g["id"], [])) for g in ctx.groups])
    checks.check("expand=stats kept in next links",
                 all("expand=stats" in link for r in replies for link in r.header_all("link")),
                 [r.header_all("link") for r in replies[:2]])
    r = ctx.get("/api/v1/groups?limit=2")
    checks.check("no _embedded without expand", all("_embedded" not in g for g in r.json()),
                 r.body[:200])

    user_groups = {}
    for m in ctx.memberships:
        user_groups.setdefault(m["user_id"], []).append(m["group_id"])
    uid = max(user_groups, key=lambda u: len(user_groups[u]))
    items, replies = follow(ctx, "/api/v1/users/%s/groups?limit=2" % uid)
    checks.equal("user groups paged", sorted(g["id"] for g in items), sorted(user_groups[uid]))
    checks.check("user groups several pages", len(replies) >= 2, len(replies))


def test_lookups(ctx):
    by_login = {u["profile"]["login"]: u for u in ctx.users}
    some = ctx.users[5]
    r = ctx.get("/api/v1/users/" + some["id"])
    checks.equal("user by id", r.json().get("id"), some["id"])
    checks.check("single user has full _links", {"self", "schema", "type"} <=
                 set(r.json().get("_links", {})), r.json().get("_links"))
    mixed = by_login["Mixed.Case@Example.COM"]
    r = ctx.get("/api/v1/users/mixed.case%40example.com")
    checks.equal("login case-insensitive", r.json().get("id"), mixed["id"])
    r = ctx.get("/api/v1/users/MIXED.CASE")
    checks.equal("unique short name", r.json().get("id"), mixed["id"])
    r = ctx.get("/api/v1/users/dup.name")
    okta_error_is("ambiguous short name", r, 404, "E0000007")
    r = ctx.get("/api/v1/users/..%2Fapps")
    okta_error_is("..%2Fapps is a user lookup", r, 404, "E0000007",
                  "Not found: Resource not found: ../apps (User)")
    r = ctx.get("/api/v1/users/a%2Fb%40example.com")
    okta_error_is("login with / not fetchable", r, 404, "E0000007")
    slash = by_login["a/b@example.com"]
    r = ctx.get("/api/v1/users/" + slash["id"])
    checks.equal("slash login by id", r.json().get("profile", {}).get("login"), "a/b@example.com")
    r = ctx.get("/api/v1/users/00uNOPE")
    okta_error_is("unknown user", r, 404, "E0000007",
                  "Not found: Resource not found: 00uNOPE (User)")
    gone = next(u for u in ctx.users if u["status"] == "DEPROVISIONED")
    checks.equal("DEPROVISIONED user by id", ctx.get("/api/v1/users/" + gone["id"]).status, 200)
    checks.equal("dot segments walk up to /api/v1/apps",
                 ctx.get("/api/v1/users/../apps").status, 200)
    for path in ("/api/v1/users/../idps", "/api/v1/idps", "/api/v1/nope", "/api/v1/users/x/y",
                 "/api/v1/users/", "/nope", "/api/v1/groups/x/apps"):
        r = ctx.get(path)
        okta_error_is("unknown endpoint " + path, r, 404, "E0000007")
    r = ctx.get("/api/v1/users/00uNOPE/groups")
    okta_error_is("groups of unknown user", r, 404, "E0000007")
    # a servlet stack cuts ";..." off a segment: "..;" walks up, %3B is data
    r = ctx.get("/api/v1/groups/..;x/users?limit=1")
    checks.equal("..; walks up to /api/v1/users", r.status, 200)
    checks.check("..; lists users", "profile" in (r.json() or [{}])[0], r.body[:200])
    r = ctx.get("/api/v1/users/" + some["id"] + ";jsessionid=1")
    checks.equal("path parameter cut off", r.json().get("id"), some["id"])
    r = ctx.get("/api/v1/groups/..%3B/users")
    okta_error_is("encoded ; is data", r, 404, "E0000007")
    r = ctx.get("/api/v1/users/" + mixed["profile"]["login"].split("@")[0].lower() + "/groups")
    checks.equal("groups by short login, other case", r.status, 200)
    r = ctx.http.request("DELETE", "/api/v1/users/" + some["id"], ctx.ssws)
    checks.equal("DELETE not allowed", r.status, 405)


def test_request_log(ctx):
    sim = ctx.sim
    sim.truncate_log()
    ctx.get("/api/v1/users?limit=200&search=" + urllib.parse.quote('status eq "ACTIVE"'))
    ctx.get("/api/v1/users?limit=3&search=profile.login+eq+%22plus%2Btag%40example.com%22")
    ctx.token()
    ctx.get("/api/v1/users/..%2Fapps")
    ctx.get("/api/v1/groups?flag&x=%26")
    sim.ctl("status")
    checks.equal("request log lines", sim.log_lines(), [
        'GET /api/v1/users?limit=200&search=status eq "ACTIVE" 200',
        'GET /api/v1/users?limit=3&search=profile.login eq "plus+tag@example.com" 200',
        "POST /oauth2/v1/token 200",
        "GET /api/v1/users/..%2Fapps 404",
        "GET /api/v1/groups?flag&x=& 200",
    ])


def test_control(ctx):
    sim = ctx.sim
    token = ctx.bearer()
    auth = {"Authorization": "Bearer " + token}
    checks.equal("token valid before expire", ctx.get("/api/v1/users?limit=1", auth).status, 200)
    out = sim.ctl("expire-tokens")
    checks.equal("ctl expire-tokens", out.returncode, 0)
    r = ctx.get("/api/v1/users?limit=1", auth)
    okta_error_is("expired token", r, 401, "E0000011")

    checks.equal("ctl rate-limit", sim.ctl("rate-limit", "3").returncode, 0)
    statuses = [ctx.get("/api/v1/groups").status for _ in range(4)]
    checks.equal("rate limit statuses", statuses, [200, 200, 200, 429])
    r = ctx.get("/api/v1/groups")
    okta_error_is("429 body", r, 429, "E0000047",
                  "API call exceeded rate limit due to too many requests.")
    checks.equal("429 remaining", r.header("X-Rate-Limit-Remaining"), "0")
    checks.equal("429 limit", r.header("X-Rate-Limit-Limit"), "3")
    reset = int(r.header("X-Rate-Limit-Reset"))
    checks.check("reset within 60 s", time.time() - 1 <= reset <= time.time() + 61, reset)
    checks.equal("other bucket unaffected", ctx.get("/api/v1/users?limit=1").status, 200)

    # a bucket's own window (seconds), and what came when (ctl arrivals)
    checks.equal("ctl rate-limit window", sim.ctl("rate-limit", "2 groups window=2").returncode, 0)
    sim.ctl("arrivals", "clear")
    statuses = [ctx.get("/api/v1/groups").status for _ in range(3)]
    checks.equal("short window statuses", statuses, [200, 200, 429])
    r = ctx.get("/api/v1/groups")
    reset = int(r.header("X-Rate-Limit-Reset"))
    checks.check("reset within 2 s", time.time() - 1 <= reset <= time.time() + 3, reset)
    got = json.loads(sim.ctl("arrivals", "groups").stdout)["arrivals"]
    checks.equal("arrivals: statuses", [a[2] for a in got], [200, 200, 429, 429])
    checks.equal("arrivals: bucket, reset", set((a[1], a[3]) for a in got[2:]), {("groups", reset)})
    checks.check("arrivals: times", all(abs(a[0] - time.time()) < 30 for a in got), got)
    checks.equal("arrivals of another bucket", json.loads(sim.ctl("arrivals", "users").stdout)["arrivals"], [])
    time.sleep(max(0.0, reset - time.time()) + 0.1)
    checks.equal("the next window", ctx.get("/api/v1/groups").status, 200)

    checks.equal("ctl reset", sim.ctl("reset").returncode, 0)
    r = ctx.get("/api/v1/groups")
    checks.equal("limit restored", (r.status, r.header("X-Rate-Limit-Limit")), (200, "10000"))
    checks.equal("arrivals cleared by reset", len(json.loads(sim.ctl("arrivals").stdout)["arrivals"]), 1)

    sim.ctl("fail-next", "503:2")
    statuses = [ctx.get("/api/v1/users?limit=1").status for _ in range(3)]
    checks.equal("injected failures", statuses, [503, 503, 200])
    sim.ctl("delay", "300")
    started = time.time()
    ctx.get("/api/v1/users?limit=1")
    checks.check("injected delay", time.time() - started >= 0.3)
    sim.ctl("reset")
    out = sim.ctl("no-such-action")
    checks.check("unknown ctl action fails", out.returncode != 0)

    before = ctx.http.connections
    for _ in range(5):
        ctx.get("/api/v1/users?limit=1")
    checks.equal("keep-alive: one connection", ctx.http.connections, before)


def test_admin_edits(ctx):
    """update-user, add-member, remove-member: what a test changes in the org."""
    sim = ctx.sim
    users, _ = follow(ctx, "/api/v1/users?limit=200")
    user = next(u for u in users if u["status"] == "ACTIVE")
    groups, _ = follow(ctx, "/api/v1/groups?limit=200")
    member_ids = lambda gid: {u["id"] for u in follow(ctx, "/api/v1/groups/%s/users?limit=200" % gid)[0]}
    group = next(g for g in groups if g["type"] == "OKTA_GROUP" and user["id"] not in member_ids(g["id"]))

    out = sim.ctl("update-user", json.dumps({"id": user["id"], "status": "SUSPENDED",
                                              "profile": {"department": "Edited"}}))
    checks.equal("ctl update-user", out.returncode, 0)
    after = ctx.get("/api/v1/users/" + user["id"]).json()
    checks.equal("edited status", after["status"], "SUSPENDED")
    checks.equal("edited profile", after["profile"]["department"], "Edited")
    checks.equal("other profile kept", after["profile"]["login"], user["profile"]["login"])
    checks.check("lastUpdated moved", after["lastUpdated"] > user["lastUpdated"], after["lastUpdated"])
    listed = [u for u in follow(ctx, '/api/v1/users?limit=200&filter=status%20eq%20%22SUSPENDED%22')[0]
              if u["id"] == user["id"]]
    checks.equal("listing and filter see the edit", [u["profile"]["department"] for u in listed], ["Edited"])
    checks.check("login cannot change",
                 sim.ctl("update-user", json.dumps({"id": user["id"], "profile": {"login": "x@y"}})).returncode != 0)

    checks.equal("ctl add-member", sim.ctl("add-member", group["id"], user["id"]).returncode, 0)
    checks.check("member added", user["id"] in member_ids(group["id"]))
    user_groups = {g["id"] for g in follow(ctx, "/api/v1/users/%s/groups?limit=200" % user["id"])[0]}
    checks.check("seen from the user", group["id"] in user_groups)
    moved = ctx.get("/api/v1/groups/" + group["id"]).json()["lastMembershipUpdated"]
    checks.check("lastMembershipUpdated moved", moved > group["lastMembershipUpdated"], moved)
    checks.equal("ctl remove-member", sim.ctl("remove-member", group["id"], user["id"]).returncode, 0)
    checks.check("member removed", user["id"] not in member_ids(group["id"]))
    checks.check("bad add-member fails", sim.ctl("add-member", "00gnope", user["id"]).returncode != 0)


def raw_get(ctx, target, headers=None):
    """One GET on a fresh connection, no retry: (status, headers, body or the
    exception raised while reading)."""
    conn = http.client.HTTPSConnection("localhost", ctx.sim.port, context=ctx.sim.ssl_context,
                                       timeout=30)
    try:
        conn.request("GET", target, headers=headers or ctx.ssws)
        try:
            resp = conn.getresponse()
        except (http.client.HTTPException, OSError) as err:
            return None, {}, err
        try:
            body = resp.read()
        except (http.client.HTTPException, OSError) as err:
            body = err
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), body
    finally:
        conn.close()


def test_faults(ctx):
    """The fault-injection ctl actions the FDW's faults regression test uses."""
    sim = ctx.sim
    target = "/api/v1/users?limit=5"
    good = ctx.get(target)
    checks.equal("faults: baseline", good.status, 200)

    # fail-next with after= and reset=: X-Rate-Limit-Reset = Date + reset
    sim.truncate_log()
    out = sim.ctl("fail-next", "429:2", "after=1", "reset=5")     # the CLI, words joined
    checks.equal("fail-next 429:2 after=1 reset=5", out.returncode, 0)
    replies = [ctx.get(target) for _ in range(4)]
    checks.equal("429s after one good request", [r.status for r in replies], [200, 429, 429, 200])
    r = replies[1]
    okta_error_is("injected 429", r, 429, "E0000047")
    date = int(email.utils.parsedate_to_datetime(r.header("Date")).timestamp())
    checks.equal("injected 429 Reset = Date + 5", int(r.header("X-Rate-Limit-Reset")) - date, 5)
    checks.equal("injected 429 Remaining", r.header("X-Rate-Limit-Remaining"), "0")
    checks.equal("faulted requests are marked in the log", sim.log_lines(), [
        "GET /api/v1/users?limit=5 200",
        "GET /api/v1/users?limit=5 429 fault=fail-next",
        "GET /api/v1/users?limit=5 429 fault=fail-next",
        "GET /api/v1/users?limit=5 200"])

    # token requests are neither faulted nor counted
    sim.control("fail-next", "503:1")
    checks.equal("token request not faulted", ctx.token().status, 200)
    okta_error_is("503 after a token request", ctx.get(target), 503, "E0000100")
    checks.equal("503 used up", ctx.get(target).status, 200)

    # bodies: malformed and truncated arrive whole (honest Content-Length)
    sim.control("bad-body", "malformed")
    status, headers, body = raw_get(ctx, target)
    checks.equal("malformed: status", status, 200)
    checks.equal("malformed: honest length", int(headers["content-length"]), len(body))
    checks.check("malformed: not JSON", not _parses(body), body[:80])
    checks.equal("malformed: same length as the good page", len(body), len(good.body))
    sim.control("bad-body", "truncated:1")
    status, headers, body = raw_get(ctx, target)
    checks.equal("truncated: honest length", int(headers["content-length"]), len(body))
    checks.check("truncated: a prefix of the page", good.body.startswith(body)
                 and 0 < len(body) < len(good.body), len(body))
    checks.check("truncated: not JSON", not _parses(body))
    checks.check("bad-body used up", _parses(raw_get(ctx, target)[2]))
    # short: Content-Length of the whole page, half sent, connection closed
    sim.control("bad-body", "short")
    status, headers, body = raw_get(ctx, target)
    checks.equal("short: announces the whole page", int(headers["content-length"]),
                 len(good.body))
    checks.check("short: the read fails", isinstance(body, http.client.IncompleteRead), body)
    # reset: the connection is reset mid-body
    sim.control("bad-body", "reset")
    status, headers, body = raw_get(ctx, target)
    # (the reset may reach the client before it has read the headers)
    checks.check("reset: the read fails", isinstance(body, (ConnectionResetError, ssl.SSLError,
                                                            http.client.HTTPException)),
                 repr(body))
    checks.check("after reset: served again", _parses(raw_get(ctx, target)[2]))
    # duplicate-keys: valid JSON whose profiles hold keys twice, the later kept
    sim.control("bad-body", "duplicate-keys")
    status, headers, body = raw_get(ctx, target)
    checks.equal("duplicate-keys: status", status, 200)
    checks.equal("duplicate-keys: honest length", int(headers["content-length"]), len(body))
    parsed, want = json.loads(body), json.loads(good.body)
    checks.equal("duplicate-keys: the later login wins", [u["profile"]["login"] for u in parsed],
                 [u["profile"]["login"] for u in want])
    checks.check("duplicate-keys: login sent twice", body.count(b'"login"') == 2 * len(want))
    checks.equal("duplicate-keys: department",
                 [u["profile"]["department"] for u in parsed],
                 [u["profile"].get("department", {"a": [1, 2]}) for u in want])
    checks.check("duplicate-keys used up", raw_get(ctx, target)[2] == good.body)
    # bad-body after=N
    sim.control("bad-body", "truncated:1", "after=2")
    bodies = [raw_get(ctx, target)[2] for _ in range(4)]
    checks.equal("bad-body after=2", [_parses(b) for b in bodies], [True, True, False, True])

    # delay MS:COUNT: only the next COUNT requests
    sim.control("delay", "400:1")
    started = time.time()
    ctx.get(target)
    first = time.time() - started
    started = time.time()
    ctx.get(target)
    second = time.time() - started
    checks.check("delay 400:1: first delayed", first >= 0.4, first)
    checks.check("delay 400:1: second not", second < 0.3, second)
    # slow MS: the body arrives whole, spread over MS
    sim.control("slow", "500:1")
    started = time.time()
    r = ctx.get("/api/v1/users?limit=50")
    elapsed = time.time() - started
    checks.check("slow 500: takes 0.45 s or more", elapsed >= 0.45, elapsed)
    checks.equal("slow 500: whole body", len(r.json()), 50)

    # expire-tokens-after N: the N+1th API request finds every token expired
    token = ctx.bearer()
    auth = {"Authorization": "Bearer " + token}
    sim.control("expire-tokens-after", "2")
    statuses = [ctx.get(target, auth).status for _ in range(3)]
    checks.equal("expire-tokens-after 2", statuses, [200, 200, 401])
    auth = {"Authorization": "Bearer " + ctx.bearer()}
    checks.equal("a new token works", [ctx.get(target, auth).status for _ in range(2)],
                 [200, 200])

    # status shows armed faults; reset clears every one
    sim.control("fail-next", "500:3", "after=7")
    sim.control("delay", "10")
    sim.control("slow", "10:2")
    sim.control("bad-body", "reset:1", "after=9")
    sim.control("expire-tokens-after", "9")
    status = json.loads(sim.control("status").stdout)
    checks.equal("status lists armed faults", sorted(status["faults"]),
                 ["body", "delay", "expire", "fail", "slow"])
    checks.equal("status: fail-next", status["faults"]["fail"],
                 {"value": 500, "count": 3, "after": 7, "reset": 1})
    sim.control("reset")
    checks.equal("reset clears faults", json.loads(sim.control("status").stdout)["faults"], {})
    sim.truncate_log()
    checks.equal("no fault after reset", ctx.get(target).status, 200)
    checks.equal("log after reset", sim.log_lines(), ["GET /api/v1/users?limit=5 200"])
    checks.check("no secrets.log without --record-secrets",
                 not os.path.exists(sim.path("secrets.log")))

    # bad arguments are refused
    for args in (["fail-next", "200"], ["fail-next", "503:x"], ["fail-next", "503", "foo=1"],
                 ["fail-next", "503", "after=-1"], ["bad-body", "garbage"],
                 ["delay", "-5"], ["slow", "x"], ["expire-tokens-after", "x"],
                 ["expire-tokens-after"]):
        out = sim.control(*args)
        checks.check("ctl %s refused" % " ".join(args), out.returncode != 0, out.stdout)
    checks.check("ctl CLI: a refused action exits non-zero",
                 sim.ctl("bad-body", "garbage").returncode != 0)
    checks.equal("refused actions armed nothing",
                 json.loads(sim.control("status").stdout)["faults"], {})


def _parses(body):
    if not isinstance(body, bytes):
        return False
    try:
        json.loads(body.decode("utf-8"))
        return True
    except ValueError:
        return False


def test_gzip(ctx):
    """ctl gzip on: replies are gzipped for requests that accept it; ctl traffic
    counts what was sent."""
    import gzip
    sim = ctx.sim
    target = "/api/v1/users?limit=50"
    plain = ctx.get(target)
    checks.equal("gzip off by default: identity", plain.header("Content-Encoding"), None)
    gz = dict(ctx.ssws, **{"Accept-Encoding": "gzip, deflate"})
    r = ctx.get(target, gz)
    checks.equal("gzip off: identity even when asked", r.header("Content-Encoding"), None)
    out = sim.ctl("gzip", "on")
    checks.equal("ctl gzip on", (out.returncode, json.loads(out.stdout)["gzip"]), (0, True))
    checks.equal("status shows gzip", json.loads(sim.ctl("status").stdout)["gzip"], True)
    sim.ctl("traffic", "reset")
    r = ctx.get(target, gz)
    checks.equal("gzip on + asked: gzip", r.header("Content-Encoding"), "gzip")
    checks.equal("Vary", r.header("Vary"), "Accept-Encoding")
    checks.equal("decompressed = identity body", gzip.decompress(r.body), plain.body)
    checks.check("compressed smaller", len(r.body) < len(plain.body) / 2,
                 (len(r.body), len(plain.body)))
    checks.equal("links unchanged", r.header_all("link"), plain.header_all("link"))
    again = ctx.get(target, gz)
    checks.equal("same page compressed alike (cache)", again.body, r.body)
    for value in ("identity", "gzip;q=0", "br", "*;q=0", "gzip;q=0, *"):
        r2 = ctx.get(target, dict(ctx.ssws, **{"Accept-Encoding": value}))
        checks.equal("Accept-Encoding %r: identity" % value,
                     (r2.header("Content-Encoding"), r2.body), (None, plain.body))
    r2 = ctx.get(target, dict(ctx.ssws, **{"Accept-Encoding": "deflate;q=0.5, *;q=0.1"}))
    checks.equal("Accept-Encoding *: gzip", r2.header("Content-Encoding"), "gzip")
    r2 = ctx.get(target, dict(ctx.ssws, **{"Accept-Encoding": "x-gzip"}))
    checks.equal("Accept-Encoding x-gzip: gzip", r2.header("Content-Encoding"), "gzip")
    sim.ctl("bad-body", "truncated")
    r2 = raw_get(ctx, target, gz)
    checks.check("a body fault is never compressed",
                 r2[1].get("content-encoding") is None and isinstance(r2[2], bytes)
                 and len(r2[2]) == len(plain.body) // 2, r2[1])
    t = json.loads(sim.ctl("traffic").stdout)
    checks.equal("traffic responses", t["responses"], 10)
    checks.equal("traffic gzip responses", t["gzip_responses"], 4)
    checks.check("traffic bytes > body bytes", t["bytes"] > t["body_bytes"] > 0, t)
    checks.check("identity bytes > body bytes", t["identity_body_bytes"] > t["body_bytes"], t)
    t = json.loads(sim.ctl("traffic", "reset").stdout)
    checks.equal("traffic reset returns the counts", t["responses"], 10)
    checks.equal("traffic after reset", json.loads(sim.ctl("traffic").stdout)["responses"], 0)
    checks.check("ctl gzip bad arg fails", sim.ctl("gzip", "maybe").returncode != 0)
    sim.ctl("reset")
    r = ctx.get(target, gz)
    checks.equal("reset: gzip back to serve's default (off)", r.header("Content-Encoding"), None)


def test_fields(ctx):
    """`fields` projection of user listings; ctl fields on|ignore|reject."""
    sim = ctx.sim
    full, _ = follow(ctx, "/api/v1/users?limit=200")
    by_id = {u["id"]: u for u in full}
    quote = urllib.parse.quote

    # the OpenAPI example: fields=status,profile:(firstName,city)
    r = ctx.get("/api/v1/users?limit=50&fields=" + quote("status,profile:(firstName,city)"))
    checks.equal("fields status", r.status, 200)
    items = r.json()
    checks.equal("fields: a page", len(items), 50)
    checks.equal("fields: id, status, profile (as in the OpenAPI example)",
                 {tuple(u) for u in items}, {("id", "status", "profile")})
    checks.check("fields: only the profile members asked for",
                 all(set(u["profile"]) <= {"firstName", "city"} and "firstName" in u["profile"]
                     for u in items), items[:2])
    checks.check("fields: values as in the whole object",
                 all(u["status"] == by_id[u["id"]]["status"] and
                     all(by_id[u["id"]]["profile"][k] == v for k, v in u["profile"].items())
                     for u in items))
    nulls = [u for u in items if by_id[u["id"]]["profile"].get("city", 0) is None]
    checks.check("fields: a profile member set to null stays null",
                 all(u["profile"].get("city", 0) is None for u in nulls), nulls[:2])

    # id always; spaces allowed; top-level timestamps and type
    r = ctx.get("/api/v1/users?limit=3&fields=" + quote("lastLogin, type , profile:( login , email )"))
    checks.equal("fields with spaces", r.status, 200)
    u = r.json()[0]
    checks.equal("fields: id always, order of the object", list(u),
                 ["id", "lastLogin", "type", "profile"])
    checks.equal("fields: type whole", u["type"], by_id[u["id"]]["type"])
    checks.equal("fields: profile members", sorted(u["profile"]), ["email", "login"])
    r = ctx.get("/api/v1/users?limit=2&fields=id")
    checks.equal("fields=id", [list(x) for x in r.json()], [["id"], ["id"]])
    r = ctx.get("/api/v1/users?limit=2&fields=" + quote("id,_links"))
    checks.equal("_links only when asked", [sorted(x) for x in r.json()], [["_links", "id"]] * 2)
    checks.equal("_links of a listing: self", list(r.json()[0]["_links"]), ["self"])
    r = ctx.get("/api/v1/users?limit=2&fields=" + quote("id,profile"))
    checks.equal("profile without members: whole", r.json()[0]["profile"],
                 by_id[r.json()[0]["id"]]["profile"])
    r = ctx.get("/api/v1/users?limit=2&fields=" + quote("id,credentials,transitioningToStatus"),
                dict(ctx.ssws, **{"Content-Type": 'application/json; okta-response='
                                  '"omitCredentials,omitCredentialsLinks"'}))
    checks.equal("okta-response omit wins over fields", [list(x) for x in r.json()],
                 [["id"], ["id"]])

    # every page projected, the next link keeps fields; search and filter too
    items, replies = follow(ctx, "/api/v1/users?limit=40&fields=" + quote("status,profile:(login)"))
    checks.equal("fields: every user, paged", sorted(x["id"] for x in items), sorted(by_id))
    checks.check("fields: every page projected", all(set(x) == {"id", "status", "profile"}
                                                     for x in items))
    nxt = replies[0].links().get("next", "")
    checks.check("next link keeps fields", "fields=status%2Cprofile%3A%28login%29" in nxt, nxt)
    items, _ = follow(ctx, "/api/v1/users?fields=id%2Cstatus&filter="
                      + quote('status eq "DEPROVISIONED"'))
    checks.check("fields with filter", items and all(x["status"] == "DEPROVISIONED" and
                                                    list(x) == ["id", "status"] for x in items))
    r = ctx.get("/api/v1/users?q=zo&fields=" + quote("profile:(firstName)"))
    checks.check("fields with q", r.status == 200 and
                 all(list(x) == ["id", "profile"] for x in r.json()), r.body[:200])
    members = {}
    for m in ctx.memberships:
        members.setdefault(m["group_id"], []).append(m["user_id"])
    gid = max(members, key=lambda g: len(members[g]))
    items, replies = follow(ctx, "/api/v1/groups/%s/users?limit=10&fields=%s"
                            % (gid, quote("id,status,profile:(login)")))
    checks.equal("group members with fields", sorted(x["id"] for x in items), sorted(members[gid]))
    checks.check("group members projected", all(list(x) == ["id", "status", "profile"]
                                                and list(x["profile"]) == ["login"] for x in items))
    checks.check("group members: next link keeps fields",
                 "fields=" in replies[0].links().get("next", ""), replies[0].headers)

    # syntax and unknown properties: 400 E0000001
    for bad in ("profile:(a", "id,,status", "nope", "status:(x)", "profile:()", "", "id,",
                "profile:(a)x", "profile(a)"):
        r = ctx.get("/api/v1/users?limit=1&fields=" + quote(bad))
        okta_error_is("bad fields %r" % bad, r, 400, "E0000001", "fields")
    r = ctx.get("/api/v1/groups/%s/users?fields=nope" % gid)
    okta_error_is("bad fields, group members", r, 400, "E0000001")
    checks.equal("group members error content-type", r.header("Content-Type"),
                 "application/json;charset=UTF-8")
    r = ctx.get("/api/v1/groups?limit=2&fields=nope")
    checks.equal("groups: fields not a users thing (ignored)", r.status, 200)

    # ignore: whole objects; reject: 400 to a request with fields only
    plain = ctx.get("/api/v1/users?limit=20")
    out = sim.ctl("fields", "ignore")
    checks.equal("ctl fields ignore", (out.returncode, json.loads(out.stdout)["fields"]), (0, "ignore"))
    checks.equal("status shows fields", json.loads(sim.ctl("status").stdout)["fields"], "ignore")
    r = ctx.get("/api/v1/users?limit=20&fields=id")
    checks.equal("ignore: whole objects", r.body, plain.body)
    checks.equal("ignore: even a bad value", ctx.get("/api/v1/users?limit=1&fields=((").status, 200)
    checks.equal("ctl fields reject", sim.ctl("fields", "reject").returncode, 0)
    r = ctx.get("/api/v1/users?limit=20&fields=id")
    okta_error_is("reject", r, 400, "E0000001", "Api validation failed: fields")
    r = ctx.get("/api/v1/groups/%s/users?fields=id" % gid)
    okta_error_is("reject, group members", r, 400, "E0000001")
    checks.equal("reject: plain listing works", ctx.get("/api/v1/users?limit=20").body, plain.body)
    checks.check("ctl fields bad arg fails", sim.ctl("fields", "maybe").returncode != 0)
    sim.ctl("reset")
    r = ctx.get("/api/v1/users?limit=2&fields=id")
    checks.equal("reset: fields back to serve's default (on)", [list(x) for x in r.json()],
                 [["id"], ["id"]])
    sim.truncate_log()
    ctx.get("/api/v1/users?limit=2&fields=id%2Cstatus%2Cprofile%3A%28login%29")
    checks.equal("log shows fields decoded", sim.log_lines(),
                 ["GET /api/v1/users?limit=2&fields=id,status,profile:(login) 200"])


def test_record_secrets():
    """serve --record-secrets writes every credential issued or received."""
    sim = T.Sim(users=20, groups=5, seed=3, extra_args=["--record-secrets"])
    try:
        ctx = Ctx(sim)
        token = ctx.bearer()
        dpop_token, dpop_key = ctx.dpop_token()
        ctx.dpop_get("/api/v1/groups", dpop_token, dpop_key)
        ctx.get("/api/v1/users?limit=1")
        lines = open(sim.path("secrets.log"), encoding="utf-8").read().splitlines()
        kinds = {}
        for line in lines:
            kind, _, value = line.partition(" ")
            kinds.setdefault(kind, set()).add(value)
        checks.equal("recorded kinds", sorted(kinds),
                     ["access_token", "authorization", "client_assertion", "dpop_proof"])
        checks.check("issued tokens recorded", {token, dpop_token} <= kinds["access_token"])
        checks.equal("assertions recorded (1 + 2 DPoP)", len(kinds["client_assertion"]), 3)
        checks.equal("DPoP proofs recorded (2 token + 1 API)", len(kinds["dpop_proof"]), 3)
        checks.check("SSWS token recorded", sim.api_token in kinds["authorization"])
    finally:
        sim.stop()


def test_shutdown(sim):
    code = sim.stop(cleanup=False)
    checks.equal("SIGTERM exit code", code, 0)
    checks.check("pid/port removed", not os.path.exists(sim.path("port"))
                 and not os.path.exists(sim.path("pid")))


def test_speed():
    started = time.time()
    sim = T.Sim(users=10000, groups=60, seed=42)
    init_time = time.time() - started
    checks.check("init + start 10,000 users < 20 s", init_time < 20, init_time)
    try:
        ctx = Ctx(sim)
        started = time.time()
        items, replies = follow(ctx, "/api/v1/users?limit=200")
        elapsed = time.time() - started
        checks.check("10,000 users paged < 10 s", elapsed < 10, elapsed)
        visible = sum(1 for u in ctx.users if u["status"] != "DEPROVISIONED")
        checks.equal("10,000-user org listing", len(items), visible)
        print("speed: init+start %.1f s, %d users in %d pages in %.2f s"
              % (init_time, len(items), len(replies), elapsed))
    finally:
        sim.stop()


def main():
    started = time.time()
    sim = T.Sim(users=300, groups=30, seed=7)
    try:
        ctx = Ctx(sim)
        for test in (test_token_success, test_token_rejections, test_dpop_token,
                     test_dpop_resource, test_auth_failures, test_listing, test_lookups,
                     test_request_log, test_control, test_faults, test_admin_edits,
                     test_gzip, test_fields):
            checks.run(test, ctx)
        checks.run(test_shutdown, sim)
    finally:
        sim.stop()
    checks.run(test_record_secrets)
    checks.run(test_speed)
    print("test_sim: %.1f s" % (time.time() - started))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
