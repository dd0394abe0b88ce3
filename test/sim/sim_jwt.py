"""JWS/JWT verification for the simulator: client assertions and DPoP proofs.

Only what the token endpoint and the resource server need: compact JWS parsing,
RS256/384/512 and ES256/384/512 signature checks (ES signatures are raw R||S,
as JWS requires), public JWK import, RFC 7638 thumbprints.
"""

import base64
import binascii
import hashlib
import json
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
EC_CURVES = {"ES256": ("P-256", ec.SECP256R1, 32),
             "ES384": ("P-384", ec.SECP384R1, 48),
             "ES512": ("P-521", ec.SECP521R1, 66)}
CURVE_BY_CRV = {crv: (cls, size) for _, (crv, cls, size) in EC_CURVES.items()}
SUPPORTED_ALGS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
_B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")


class JwtError(Exception):
    """A JWT that cannot be used; `reason` names the problem for error messages."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    """Strict base64url without padding (as JWS requires)."""
    if not isinstance(text, str) or not _B64URL_RE.fullmatch(text) or len(text) % 4 == 1:
        raise JwtError("malformed")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise JwtError("malformed")


class Jws:
    """A decoded compact JWS: header and claims dicts, signing input, signature."""

    def __init__(self, token):
        if not isinstance(token, str):
            raise JwtError("malformed")
        parts = token.split(".")
        if len(parts) != 3:
            raise JwtError("malformed")
        try:
            self.header = json.loads(b64url_decode(parts[0]).decode("utf-8"))
            self.claims = json.loads(b64url_decode(parts[1]).decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise JwtError("malformed")
        if not isinstance(self.header, dict) or not isinstance(self.claims, dict):
            raise JwtError("malformed")
        self.signing_input = (parts[0] + "." + parts[1]).encode("ascii")
        self.signature = b64url_decode(parts[2])
        self.alg = self.header.get("alg")


def key_fits_alg(key, alg):
    """Whether a public key can verify signatures of alg."""
    if alg in ("RS256", "RS384", "RS512"):
        return isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048
    if alg in EC_CURVES:
        return (isinstance(key, ec.EllipticCurvePublicKey)
                and isinstance(key.curve, EC_CURVES[alg][1]))
    return False


def verify_signature(jws, key):
    """True when jws.signature is a valid signature of jws.alg with key."""
    alg = jws.alg
    if alg not in SUPPORTED_ALGS or not key_fits_alg(key, alg):
        return False
    digest = _HASHES[alg[2:]]()
    try:
        if alg.startswith("RS"):
            key.verify(jws.signature, jws.signing_input, padding.PKCS1v15(), digest)
        else:
            size = EC_CURVES[alg][2]
            if len(jws.signature) != 2 * size:
                return False  # e.g. a DER signature: invalid in JWS
            r = int.from_bytes(jws.signature[:size], "big")
            s = int.from_bytes(jws.signature[size:], "big")
            key.verify(encode_dss_signature(r, s), jws.signing_input, ec.ECDSA(digest))
    except InvalidSignature:
        return False
    return True


# --------------------------------------------------------------------------
# JWK
# --------------------------------------------------------------------------

PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


def _b64_int(text):
    raw = b64url_decode(text)
    if not raw:
        raise JwtError("bad jwk")
    return int.from_bytes(raw, "big"), raw


def public_key_from_jwk(jwk):
    """Import a public JWK (RSA or EC); JwtError if it is private or invalid."""
    if not isinstance(jwk, dict):
        raise JwtError("jwk is not an object")
    if any(m in jwk for m in PRIVATE_JWK_MEMBERS):
        raise JwtError("jwk contains private key material")
    kty = jwk.get("kty")
    try:
        if kty == "RSA":
            n, _ = _b64_int(jwk.get("n"))
            e, _ = _b64_int(jwk.get("e"))
            return rsa.RSAPublicNumbers(e, n).public_key()
        if kty == "EC":
            crv = jwk.get("crv")
            if crv not in CURVE_BY_CRV:
                raise JwtError("unsupported curve")
            cls, size = CURVE_BY_CRV[crv]
            x, xraw = _b64_int(jwk.get("x"))
            y, yraw = _b64_int(jwk.get("y"))
            if len(xraw) != size or len(yraw) != size:
                raise JwtError("bad EC coordinates")
            return ec.EllipticCurvePublicNumbers(x, y, cls()).public_key()
    except (ValueError, TypeError):
        raise JwtError("bad jwk")
    raise JwtError("unsupported kty")


def _int_b64(value, size=None):
    length = size or max(1, (value.bit_length() + 7) // 8)
    return b64url_encode(value.to_bytes(length, "big"))


def jwk_from_public_key(key):
    """The public JWK (required members only) of an RSA or EC public key."""
    if isinstance(key, rsa.RSAPublicKey):
        nums = key.public_numbers()
        return {"kty": "RSA", "n": _int_b64(nums.n), "e": _int_b64(nums.e)}
    if isinstance(key, ec.EllipticCurvePublicKey):
        for crv, (cls, size) in CURVE_BY_CRV.items():
            if isinstance(key.curve, cls):
                nums = key.public_numbers()
                return {"kty": "EC", "crv": crv, "x": _int_b64(nums.x, size),
                        "y": _int_b64(nums.y, size)}
    raise ValueError("unsupported key type")


def jwk_thumbprint(jwk):
    """RFC 7638 SHA-256 thumbprint, base64url without padding."""
    if jwk.get("kty") == "RSA":
        members = {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}
    elif jwk.get("kty") == "EC":
        members = {"crv": jwk["crv"], "kty": "EC", "x": jwk["x"], "y": jwk["y"]}
    else:
        raise JwtError("unsupported kty")
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":"))
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())


def load_public_key_pem(pem_text):
    return serialization.load_pem_public_key(pem_text.encode("ascii"))


def public_pem(key):
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def sha256_b64url(text):
    return b64url_encode(hashlib.sha256(text.encode("ascii", "replace")).digest())
