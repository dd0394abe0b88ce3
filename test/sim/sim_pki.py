"""Test PKI and registered OAuth clients, written by `oktasim.py init`.

Files (all world-readable: the PostgreSQL server process reads some of them):
  ca.pem, server.pem, server-key.pem          TLS: test CA and a localhost server cert
  other-ca.pem          a CA that signed nothing here (a ca_file that does not fit)
  client-rsa.pem        RSA 2048, PKCS#8       registered as kid k1
  client-rsa-pkcs1.pem  the same key, PKCS#1 ("BEGIN RSA PRIVATE KEY")
  client-rsa-pub.pem    its public key (a key pasted by mistake)
  client-rsa2.pem       RSA 2048, PKCS#8       second key of 0oamulti (kid k2)
  client-ec.pem         EC P-256, PKCS#8       registered as kid e1
  client-ec-sec1.pem    the same EC key, SEC1 ("BEGIN EC PRIVATE KEY")
  client-rsa-encrypted.pem  client-rsa encrypted with passphrase "secret"
  other-rsa.pem         RSA 2048, PKCS#8, registered nowhere (the wrong key)
  clients.json          the registered clients and the SSWS API token
"""

import datetime
import ipaddress
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import sim_jwt

API_TOKEN = "00simApiToken0123456789abcdefghijklmnopqrs"   # 42 characters
DEFAULT_SCOPES = ["okta.users.read", "okta.groups.read"]
KNOWN_SCOPES = ("okta.users.read", "okta.users.manage", "okta.groups.read",
                "okta.groups.manage", "okta.apps.read", "okta.apps.manage",
                "okta.logs.read", "okta.schemas.read", "okta.schemas.manage",
                "okta.roles.read", "okta.roles.manage")
# every read scope the simulator serves (0oaall)
ALL_READ_SCOPES = ["okta.users.read", "okta.groups.read", "okta.apps.read", "okta.logs.read",
                   "okta.schemas.read", "okta.roles.read"]


def write_file(path, data, mode=0o644):
    """Write bytes or text and set the mode explicitly (umask-independent)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _pkcs8(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _traditional(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def _new_rsa():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _ca_builder(name, key, not_before, not_after):
    """A self-signed CA certificate, to add extensions to and sign."""
    return (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True))


def _make_ca_and_server(directory):
    now = datetime.datetime.now(datetime.timezone.utc)
    not_before = now - datetime.timedelta(days=1)
    not_after = now + datetime.timedelta(days=3650)

    ca_key = _new_rsa()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oktasim test CA"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "oktafdw tests")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (_ca_builder(ca_name, ca_key, not_before, not_after)
               .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, key_cert_sign=True,
                                            crl_sign=True, encipher_only=False,
                                            decipher_only=False), critical=True)
               .add_extension(ca_ski, critical=False)
               .sign(ca_key, hashes.SHA256()))

    server_key = _new_rsa()
    san = x509.SubjectAlternativeName([
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ])
    server_cert = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
                   .issuer_name(ca_name)
                   .public_key(server_key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(not_before).not_valid_after(not_after)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(san, critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                                  critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                       ca_ski), critical=False)
                   .sign(ca_key, hashes.SHA256()))

    # a CA that signed nothing here: a ca_file that does not fit the server
    other_key = _new_rsa()
    other_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oktasim other CA")])
    other_ca = (_ca_builder(other_name, other_key, not_before, not_after)
                .sign(other_key, hashes.SHA256()))

    pem = serialization.Encoding.PEM
    write_file(os.path.join(directory, "ca.pem"), ca_cert.public_bytes(pem))
    write_file(os.path.join(directory, "other-ca.pem"), other_ca.public_bytes(pem))
    write_file(os.path.join(directory, "server.pem"), server_cert.public_bytes(pem))
    write_file(os.path.join(directory, "server-key.pem"), _pkcs8(server_key))


def _key_entry(kid, key, key_file):
    public = key.public_key()
    alg = "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"
    jwk = sim_jwt.jwk_from_public_key(public)
    jwk.update({"kid": kid, "alg": alg, "use": "sig"})
    return {"kid": kid, "alg": alg, "private_key_file": key_file,
            "jwk": jwk, "public_pem": sim_jwt.public_pem(public)}


def _client(client_id, keys, scopes=None, admin_role=True, dpop_required=False, note=""):
    return {"client_id": client_id, "keys": keys,
            "scopes": list(scopes or DEFAULT_SCOPES),
            "admin_role": admin_role, "dpop_required": dpop_required,
            "token_endpoint_auth_method": "private_key_jwt",
            "grant_types": ["client_credentials"], "note": note}


def make_credentials(directory):
    """Generate every key and certificate and write clients.json."""
    _make_ca_and_server(directory)

    rsa1, rsa2, other = _new_rsa(), _new_rsa(), _new_rsa()
    eckey = ec.generate_private_key(ec.SECP256R1())
    files = {
        "client-rsa.pem": _pkcs8(rsa1),
        "client-rsa-pkcs1.pem": _traditional(rsa1),
        "client-rsa-encrypted.pem": rsa1.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret")),
        "client-rsa-pub.pem": sim_jwt.public_pem(rsa1.public_key()),
        "client-rsa2.pem": _pkcs8(rsa2),
        "client-ec.pem": _pkcs8(eckey),
        "client-ec-sec1.pem": _traditional(eckey),
        "other-rsa.pem": _pkcs8(other),
    }
    for name, data in files.items():
        write_file(os.path.join(directory, name), data)

    k1 = _key_entry("k1", rsa1, "client-rsa.pem")
    k2 = _key_entry("k2", rsa2, "client-rsa2.pem")
    e1 = _key_entry("e1", eckey, "client-ec.pem")
    clients = [
        _client("0oaplain", [k1], note="normal API Services app"),
        _client("0oadpop", [k1], dpop_required=True, note="DPoP required"),
        _client("0oaec", [e1], note="EC P-256 key (ES256)"),
        _client("0oaecdpop", [e1], dpop_required=True, note="EC key, DPoP required"),
        _client("0oamulti", [k1, k2], note="two keys: an assertion must name its kid"),
        _client("0oausersonly", [k1], scopes=["okta.users.read"], note="no okta.groups.read"),
        _client("0oanorole", [k1], admin_role=False, note="scopes granted, no admin role"),
        _client("0oaschema", [k1], scopes=DEFAULT_SCOPES + ["okta.schemas.read"],
                note="may read the user schema"),
        _client("0oalogs", [k1], scopes=DEFAULT_SCOPES + ["okta.schemas.read", "okta.logs.read"],
                note="may also read the user schema and the System Log"),
        _client("0oademo", [k1], scopes=DEFAULT_SCOPES + ["okta.schemas.read", "okta.logs.read"],
                dpop_required=True,
                note="make demo's app: DPoP required, the user schema and the System Log"),
        _client("0oaall", [k1], scopes=ALL_READ_SCOPES,
                note="every read scope: also apps, their users and groups, and admin roles"),
    ]
    registry = {
        "token_endpoint_path": "/oauth2/v1/token",
        "api_token": API_TOKEN,
        "api_token_scopes": list(KNOWN_SCOPES),
        "known_scopes": list(KNOWN_SCOPES),
        "clients": {c["client_id"]: c for c in clients},
    }
    write_file(os.path.join(directory, "clients.json"),
               json.dumps(registry, indent=2, sort_keys=False) + "\n")
    return registry
