"""OAuth 2.0 for the simulator: the org authorization server's token endpoint
(client_credentials + private_key_jwt, optional/required DPoP) and the
resource server's check of `Authorization` (Bearer, DPoP, SSWS).

Deliberately strict, like Okta:
- a client_assertion's jti is consumed as soon as the assertion has been
  validated, even when the request then fails (DPoP nonce, scope): a retry
  must mint a new assertion;
- a DPoP proof's jti is single-use everywhere, a token-endpoint proof must
  carry the current nonce, and a resource proof's htu is the origin plus the
  percent-DECODED path, without query.
"""

import secrets
import threading
import time
import urllib.parse

import sim_jwt
from sim_common import (SUMMARY_FORBIDDEN, SUMMARY_INVALID_TOKEN, Response,
                        json_bytes, oauth_error, okta_error)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_LIFETIME = 3600
MAX_ASSERTION_LIFETIME = 3600
CLOCK_SKEW = 60
DPOP_MAX_AGE = 300
DPOP_ALGS = " ".join(sim_jwt.SUPPORTED_ALGS)

DESC_CLIENT_AUTH_FAILED = ("Client authentication failed. Either the client or the client "
                           "credentials are invalid.")


class Principal:
    """Who is calling a resource endpoint."""

    def __init__(self, kind, scheme, client_id, scopes, admin_role):
        self.kind = kind            # "oauth" or "ssws"
        self.scheme = scheme        # "Bearer", "DPoP" or "SSWS"
        self.client_id = client_id
        self.scopes = set(scopes)
        self.admin_role = admin_role


class _Reject(Exception):
    """Carries the error Response out of a validation step."""

    def __init__(self, response):
        super().__init__()
        self.response = response


def _scope_covers(granted, needed):
    """`.manage` includes `.read`."""
    return needed in granted or (needed.endswith(".read")
                                 and needed[:-5] + ".manage" in granted)


class AuthServer:
    def __init__(self, registry, base_url, clock=time.time, record=None):
        # record(kind, value): told every credential issued or received
        # (serve --record-secrets), for the FDW's secrecy test
        self.record = record or (lambda kind, value: None)
        self.clients = registry["clients"]
        self.api_token = registry["api_token"]
        self.api_token_scopes = registry.get("api_token_scopes", [])
        self.known_scopes = set(registry.get("known_scopes", []))
        self.base_url = base_url
        self.token_url = base_url + registry.get("token_endpoint_path", "/oauth2/v1/token")
        self.clock = clock
        self.lock = threading.Lock()
        self._keys = {}                 # (client_id, kid) -> public key object
        for cid, client in self.clients.items():
            for k in client["keys"]:
                self._keys[(cid, k["kid"])] = sim_jwt.load_public_key_pem(k["public_pem"])
        self.reset()

    # ---- state ----------------------------------------------------------

    def reset(self):
        with self.lock:
            self.nonce = self._new_nonce()
            self.tokens = {}            # access token -> dict
            self.assertion_jtis = {}    # jti -> expiry (epoch seconds)
            self.dpop_jtis = {}         # jti -> expiry
            self.dpop_skew = 0          # seconds the DPoP iat check runs ahead

    @staticmethod
    def _new_nonce():
        return secrets.token_urlsafe(32)

    def rotate_nonce(self):
        with self.lock:
            self.nonce = self._new_nonce()
            return self.nonce

    def expire_tokens(self):
        with self.lock:
            count = len(self.tokens)
            self.tokens.clear()
            return count

    def _prune(self, now):
        for cache in (self.assertion_jtis, self.dpop_jtis):
            if len(cache) > 10000:
                for jti in [j for j, exp in cache.items() if exp < now]:
                    del cache[jti]

    # ---- token endpoint ---------------------------------------------------

    def token_endpoint(self, headers, body, content_type):
        """POST /oauth2/v1/token. headers: an email.message.Message."""
        dpop_headers = headers.get_all("DPoP") or []
        for proof in dpop_headers:
            self.record("dpop_proof", proof)
        try:
            return self._token(headers, body, content_type, dpop_headers)
        except _Reject as rej:
            if dpop_headers:
                rej.response.add_header("DPoP-Nonce", self.nonce)
            return rej.response

    def _token(self, headers, body, content_type, dpop_headers):
        def invalid_request(desc):
            return _Reject(oauth_error(400, "invalid_request", desc))

        if not (content_type or "").lower().startswith("application/x-www-form-urlencoded"):
            raise invalid_request("The request must be sent as application/x-www-form-urlencoded.")
        try:
            pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                           strict_parsing=False)
        except (UnicodeDecodeError, ValueError):
            raise invalid_request("The request body is malformed.")
        form = {}
        for name, value in pairs:
            if name in ("client_assertion", "client_secret"):
                self.record(name, value)
            if name in form:
                raise invalid_request("The '%s' parameter is repeated." % name)
            form[name] = value

        grant_type = form.get("grant_type")
        if not grant_type:
            raise invalid_request("The grant_type parameter is required.")
        if grant_type != "client_credentials":
            raise _Reject(oauth_error(400, "unsupported_grant_type",
                                      "The authorization grant type is not supported by the "
                                      "authorization server. Configured grant types: "
                                      "[client_credentials]."))
        if "client_secret" in form or (headers.get("Authorization") or "").lower().startswith("basic "):
            raise _Reject(oauth_error(401, "invalid_client", DESC_CLIENT_AUTH_FAILED))
        assertion_type = form.get("client_assertion_type")
        assertion = form.get("client_assertion")
        if assertion_type is None and assertion is None:
            raise _Reject(oauth_error(401, "invalid_client", DESC_CLIENT_AUTH_FAILED))
        if assertion_type != ASSERTION_TYPE:
            raise invalid_request("The client_assertion_type must be '%s'." % ASSERTION_TYPE)
        if not assertion:
            raise invalid_request("The client_assertion parameter is required.")

        client = self._check_assertion(assertion)
        if "client_id" in form and form["client_id"] != client["client_id"]:
            raise _Reject(oauth_error(401, "invalid_client",
                                      "The client_id does not match the client_assertion."))

        jkt = None
        if len(dpop_headers) > 1:
            raise _Reject(oauth_error(400, "invalid_dpop_proof",
                                      "Multiple DPoP proof JWT headers are not allowed."))
        if dpop_headers:
            jkt = self._check_proof(dpop_headers[0], "POST", self.token_url,
                                    lambda d: _Reject(oauth_error(400, "invalid_dpop_proof", d)),
                                    need_nonce=True)
        elif client["dpop_required"]:
            raise _Reject(oauth_error(400, "invalid_dpop_proof",
                                      "The DPoP proof JWT header is missing."))

        scope_param = form.get("scope")
        if scope_param is None or not scope_param.strip():
            raise _Reject(oauth_error(400, "invalid_scope",
                                      "The authorization server resource does not have any "
                                      "configured default scopes, 'scope' must be provided."))
        asked = []
        for s in scope_param.split(" "):
            if s and s not in asked:
                asked.append(s)
        granted = set(client["scopes"])
        if any(s not in granted for s in asked):
            raise _Reject(oauth_error(400, "invalid_scope",
                                      "One or more scopes are not configured for the "
                                      "authorization server resource."))

        # An app that does not bind tokens (dpop_bound_access_tokens false)
        # is issued a plain Bearer token even when a valid proof came along
        # (as Okta appears to do); the client goes by token_type.
        return self._issue(client, asked, jkt if client["dpop_required"] else None)

    def _issue(self, client, scopes, jkt):
        now = int(self.clock())
        header = {"kid": "oktasim", "typ": "application/okta-internal-at+jwt", "alg": "RS256"}
        claims = {"ver": 1, "jti": "AT." + secrets.token_urlsafe(24), "iss": self.base_url,
                  "aud": self.base_url, "sub": client["client_id"], "iat": now,
                  "exp": now + TOKEN_LIFETIME, "cid": client["client_id"], "scp": scopes}
        if jkt:
            claims["cnf"] = {"jkt": jkt}
        token = ".".join([sim_jwt.b64url_encode(json_bytes(header)),
                          sim_jwt.b64url_encode(json_bytes(claims)),
                          sim_jwt.b64url_encode(secrets.token_bytes(256))])
        self.record("access_token", token)
        with self.lock:
            self.tokens[token] = {"client_id": client["client_id"], "scopes": scopes,
                                  "exp": now + TOKEN_LIFETIME, "jkt": jkt}
        body = {"token_type": "DPoP" if jkt else "Bearer", "expires_in": TOKEN_LIFETIME,
                "access_token": token, "scope": " ".join(scopes)}
        resp = Response(200, body)
        if jkt:
            resp.add_header("DPoP-Nonce", self.nonce)
        return resp

    def _check_assertion(self, assertion):
        """Validate the client_assertion JWT; returns the client, consumes its jti."""
        def fail(desc):
            return _Reject(oauth_error(401, "invalid_client", desc))

        try:
            jws = sim_jwt.Jws(assertion)
        except sim_jwt.JwtError:
            raise fail("The client_assertion token is malformed.")
        claims, header = jws.claims, jws.header
        iss, sub = claims.get("iss"), claims.get("sub")
        if not isinstance(iss, str) or not iss:
            raise fail("The client_assertion token must contain an 'iss' claim.")
        if sub != iss:
            raise fail("The issuer and subject claims in client_assertion must be the "
                       "client_id.")
        client = self.clients.get(iss)
        if client is None:
            raise fail("Invalid value for 'client_id' parameter.")
        if jws.alg not in sim_jwt.SUPPORTED_ALGS:
            raise fail("The client_assertion JWT alg is invalid.")
        kid = header.get("kid")
        keys = client["keys"]
        if kid is None:
            if len(keys) != 1:
                raise fail("The client_assertion JWT kid is invalid.")
            kid = keys[0]["kid"]
        if not isinstance(kid, str) or (iss, kid) not in self._keys:
            raise fail("The client_assertion JWT kid is invalid.")
        key = self._keys[(iss, kid)]
        if not sim_jwt.key_fits_alg(key, jws.alg):
            raise fail("The client_assertion JWT alg is invalid.")
        if not sim_jwt.verify_signature(jws, key):
            raise fail("The client_assertion signature is invalid.")

        aud = claims.get("aud")
        if isinstance(aud, list) and len(aud) == 1:
            aud = aud[0]
        if aud != self.token_url:
            raise fail("The audience claim for client_assertion must be the endpoint "
                       "invoked for the request.")
        now = self.clock()
        exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
        for name, value in (("exp", exp), ("iat", iat), ("nbf", nbf)):
            if value is not None and (isinstance(value, bool)
                                      or not isinstance(value, (int, float))):
                raise fail("The client_assertion token has an invalid '%s' claim." % name)
        if exp is None:
            raise fail("The client_assertion token must contain an 'exp' claim.")
        if exp <= now:
            raise fail("The client_assertion token is expired.")
        if iat is not None and iat > now + CLOCK_SKEW:
            raise fail("The client_assertion token was issued in the future.")
        start = iat if iat is not None else now
        if exp - start > MAX_ASSERTION_LIFETIME:
            raise fail("The client_assertion token has an expiration too far in the future.")
        if nbf is not None and nbf > now + CLOCK_SKEW:
            raise fail("The client_assertion token is not yet valid.")
        jti = claims.get("jti")
        if jti is not None:
            if not isinstance(jti, str) or not jti:
                raise fail("The client_assertion token has an invalid 'jti' claim.")
            with self.lock:
                self._prune(now)
                if jti in self.assertion_jtis:
                    raise fail("The client_assertion token has already been used.")
                self.assertion_jtis[jti] = exp
        return client

    # ---- DPoP proofs --------------------------------------------------------

    def _check_proof(self, proof, method, htu, fail, need_nonce=False, access_token=None,
                     jkt=None):
        """Validate a DPoP proof; returns the JWK thumbprint. `fail(desc)` builds
        the exception to raise."""
        def bad_header(name):
            return fail("'%s' header in the DPoP proof JWT is invalid." % name)

        def bad_claim(name):
            return fail("'%s' claim in the DPoP proof JWT is invalid." % name)

        try:
            jws = sim_jwt.Jws(proof)
        except sim_jwt.JwtError:
            raise fail("The DPoP proof JWT is malformed.")
        header, claims = jws.header, jws.claims
        if header.get("typ") != "dpop+jwt":
            raise bad_header("typ")
        if jws.alg not in sim_jwt.SUPPORTED_ALGS:
            raise bad_header("alg")
        jwk = header.get("jwk")
        try:
            key = sim_jwt.public_key_from_jwk(jwk)
            thumbprint = sim_jwt.jwk_thumbprint(jwk)
        except (sim_jwt.JwtError, KeyError, TypeError):
            raise bad_header("jwk")
        if not sim_jwt.key_fits_alg(key, jws.alg):
            raise bad_header("alg")
        if not sim_jwt.verify_signature(jws, key):
            raise fail("The DPoP proof JWT signature is invalid.")
        if claims.get("htm") != method:
            raise bad_claim("htm")
        if claims.get("htu") != htu:
            raise bad_claim("htu")
        now = self.clock() + self.dpop_skew
        iat = claims.get("iat")
        if (isinstance(iat, bool) or not isinstance(iat, (int, float))
                or iat > now + CLOCK_SKEW or iat < now - DPOP_MAX_AGE):
            raise bad_claim("iat")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise bad_claim("jti")
        if access_token is not None:
            if jkt != thumbprint:
                raise fail("The DPoP proof JWT key does not match the access token binding.")
            if claims.get("ath") != sim_jwt.sha256_b64url(access_token):
                raise bad_claim("ath")
        with self.lock:
            self._prune(now)
            if jti in self.dpop_jtis:
                raise fail("The DPoP proof JWT has already been used.")
            self.dpop_jtis[jti] = now + DPOP_MAX_AGE + CLOCK_SKEW
            current_nonce = self.nonce
        if need_nonce and claims.get("nonce") != current_nonce:
            raise _Reject(oauth_error(400, "use_dpop_nonce",
                                      "Authorization server requires nonce in DPoP proof."))
        return thumbprint

    # ---- resource server ------------------------------------------------------

    def _challenge(self, scheme, resource, scope=None, error=None, description=None):
        parts = []
        if scheme == "DPoP":
            parts.append('algs="%s"' % DPOP_ALGS)
        if scope is not None:
            parts.append('authorization_uri="%s/oauth2/v1/authorize"' % self.base_url)
            parts.append('realm="%s"' % self.base_url)
            parts.append('scope="%s"' % scope)
        if error:
            parts.append('error="%s"' % error)
        if description:
            parts.append('error_description="%s"' % description)
        parts.append('resource="%s"' % resource)
        return scheme + " " + ", ".join(parts)

    def _invalid_token(self, scheme, resource, scope, description="The access token is invalid."):
        resp = okta_error(401, "E0000011", SUMMARY_INVALID_TOKEN)
        resp.add_header("WWW-Authenticate",
                        self._challenge(scheme, resource, scope, "invalid_token", description))
        return resp

    def _dpop_failure(self, status, resource, scope, error, description):
        """Okta's resource server on a bad or missing proof: 400, an empty
        body, the reason in a DPoP challenge with authorization_uri, realm
        and scope like its other challenges (seen by Okta's Node SDK)."""
        return Response(status, b"", headers=[
            ("WWW-Authenticate", self._challenge("DPoP", resource, scope, error, description))])

    def authenticate(self, method, decoded_path, headers, scope):
        """Check the Authorization of a resource request.
        Returns (Principal, None) or (None, error Response)."""
        resource = decoded_path
        auth = headers.get("Authorization")
        if not auth or not auth.strip():
            return None, self._invalid_token("Bearer", resource, scope,
                                             "The access token is missing.")
        scheme, _, credential = auth.strip().partition(" ")
        credential = credential.strip()
        scheme_l = scheme.lower()
        self.record("authorization", credential)
        for proof in headers.get_all("DPoP") or []:
            self.record("dpop_proof", proof)
        if scheme_l == "ssws":
            if credential and secrets.compare_digest(credential, self.api_token):
                return Principal("ssws", "SSWS", None, self.api_token_scopes, True), None
            return None, okta_error(401, "E0000011", SUMMARY_INVALID_TOKEN)
        if scheme_l not in ("bearer", "dpop"):
            return None, self._invalid_token("Bearer", resource, scope)
        with self.lock:
            info = self.tokens.get(credential)
            if info is not None and info["exp"] <= self.clock():
                del self.tokens[credential]
                info = None
        if scheme_l == "bearer":
            if info is None:
                return None, self._invalid_token("Bearer", resource, scope)
            if info["jkt"]:
                return None, self._dpop_failure(
                    400, resource, scope, "dpop_authentication_scheme_required",
                    "The DPoP authentication scheme is required for a DPoP-bound access token.")
            return self._principal("Bearer", info), None
        # DPoP scheme
        if info is None:
            return None, self._invalid_token("DPoP", resource, scope)
        if not info["jkt"]:
            return None, self._invalid_token("DPoP", resource, scope,
                                             "The access token is not DPoP bound.")
        proofs = headers.get_all("DPoP") or []
        if len(proofs) != 1:
            return None, self._dpop_failure(
                400, resource, scope, "invalid_dpop_proof",
                "The DPoP proof JWT header is missing." if not proofs
                else "Multiple DPoP proof JWT headers are not allowed.")
        try:
            self._check_proof(proofs[0], method, self.base_url + decoded_path,
                              lambda d: _Reject(self._dpop_failure(400, resource, scope,
                                                                   "invalid_dpop_proof", d)),
                              access_token=credential, jkt=info["jkt"])
        except _Reject as rej:
            return None, rej.response
        return self._principal("DPoP", info), None

    def _principal(self, scheme, info):
        client = self.clients[info["client_id"]]
        return Principal("oauth", scheme, info["client_id"], info["scopes"],
                         client["admin_role"])

    def authorize(self, principal, scope, resource):
        """Scope and admin-role check; returns an error Response or None."""
        if not _scope_covers(principal.scopes, scope):
            resp = okta_error(403, "E0000006", SUMMARY_FORBIDDEN)
            scheme = principal.scheme if principal.scheme in ("Bearer", "DPoP") else "Bearer"
            resp.add_header("WWW-Authenticate", self._challenge(
                scheme, resource, scope, "insufficient_scope",
                "The access token provided does not contain the required scopes."))
            return resp
        if not principal.admin_role:
            return okta_error(403, "E0000006", SUMMARY_FORBIDDEN)
        return None
