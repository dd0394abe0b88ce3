#!/usr/bin/env python3
"""Regenerate the seed corpora under test/fuzz/corpus/ (run from anywhere).

    python3 test/fuzz/gen_corpus.py [--okta-samples PATH] [--keys]

fuzz_link and fuzz_page seeds come from the recorded Okta exchanges
(okta-samples/recorded.jsonl, default ../shared/okta-samples/ next to the
work tree) plus hand-written edge cases.  fuzz_search seeds are encoded in
the harness's input format (see build() in fuzz_search.c).  fuzz_pem seeds
are test keys made with the openssl command line; they are regenerated only
with --keys (so re-running the script does not churn them).  They are
throw-away test keys, not secrets.  crash-* files are never touched.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(HERE, "corpus")


def write(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def clear(harness):
    d = os.path.join(CORPUS, harness)
    if os.path.isdir(d):
        for f in os.listdir(d):
            if not f.startswith("crash-"):
                os.unlink(os.path.join(d, f))


def recorded(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


# ---------------------------------------------------------------- link

def gen_link(recs):
    clear("fuzz_link")
    seen = set()
    for r in recs:
        v = r["headers"].get("link")
        if v and v not in seen:
            seen.add(v)
            write("fuzz_link", "recorded-%s" % hashlib.sha1(v.encode()).hexdigest()[:8], v)
    extra = {
        "next-only": '<https://acme.okta.com/api/v1/users?after=00u1&limit=200>; rel="next"',
        "self-next": '<https://a/api/v1/users?limit=2>; rel="self", '
                     '<https://a/api/v1/users?after=x&limit=2>; rel="next"',
        "next-first": '<https://a/n>; rel="next", <https://a/s>; rel="self"',
        "rel-list": '<https://a/n>; rel="self next"',
        "rel-unquoted": "<https://a/n>; rel=next",
        "rel-upper": '<https://a/n>; REL="NEXT"',
        "params": '<https://a/n>; title="x, y; z"; rel="next"; type=text/html',
        "no-close": '<https://a/n; rel="next"',
        "empty-url": '<>; rel="next"',
        "no-rel": "<https://a/n>",
        "garbage": 'rel="next" <https://a/n>',
        "tabs": '\t<https://a/n>\t;\trel="next"\t,',
        "nexts": '<https://a/1>; rel="nextx", <https://a/2>; rel=" next "',
        "semis": '<https://a/n>;;;rel=;rel="next',
    }
    for k, v in extra.items():
        write("fuzz_link", k, v)


# ---------------------------------------------------------------- page

WWW_AUTH = {
    "www-dpop-nonce": 'DPoP algs="RS256 ES256", error="use_dpop_nonce", '
                      'error_description="Resource server requires nonce in DPoP proof"',
    "www-bearer": 'Bearer authorization_uri="http://a/oauth2/v1/authorize", realm="http://a", '
                  'scope="okta.users.read", error="insufficient_scope", '
                  'error_description="The access token provided does not contain the required scopes.", '
                  'resource="/api/v1/users"',
    "www-escapes": 'DPoP error="invalid_dpop_proof", error_description="a \\"quoted\\" \\\\ word\\',
    "www-unquoted": "Bearer error=invalid_token,error_description=expired",
}

# for the tape oracle (see fuzz_page.c): RFC 8259 texts, and "strict-*" ones
# that json-c's strict mode takes but the tape refuses
TAPE = {
    "tape-nested": b'\x01[{"a":[{"b":{"c":[[],{},[null,true,false]]}}],"d":{}},{"e":[[[1]]]}]',
    "tape-deep-64": b"\x01[" + b'{"a":' * 62 + b"[]" + b"}" * 62 + b"]",
    "tape-escapes": b'\x00{"e":"\\/\\b\\f\\n\\r\\t\\"\\\\","u":"\\u0041\\u00e9\\u20ac\\uFFFF",'
                    b'"k\\u0065y":"x","nul":"a\\u0000b","raw":"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f"}',
    "tape-surrogates": b'\x01[{"s":["\\ud83d\\ude00","\\uD834\\uDD1E","\\udbff\\udfff","x\\ud800\\udc00y"]}]',
    "tape-duplicates": b'\x00{"a":1,"b":2,"a":[3],"\\u0061":{"x":4,"x":5},"a\\u0000":5,'
                       b'"a\\u0000b":6,"":7,"":8,"b":null}',
    "tape-numbers": b'\x01[{"n":[0,-0,1,-1,0.5,-0.5,1e5,1E+5,1e-5,0e0,-0.0e-0,'
                    b'123456789012345678901234567890,1.5e308,1e400,-1e-400,'
                    b'9223372036854775808,-9223372036854775809]}]',
    "tape-top-number": b"\x00 -1.5e3\n",
    "tape-top-string": b'\x00"\\u00e9"',
    # oc_json_key_eq missed escaped keys longer than 256 bytes, so oc_json_get
    # returned an earlier duplicate: the same 50-byte key, then by the fuzzer
    "tape-long-escaped-key": b'\x00{"' + b"a" * 50 + b'":1,"' + b"\\u0061" * 50 + b'":2}',
    "tape-long-escaped-key-found": (
        b'\x00{"err99999999sssssssssssssss\xf0\x9f\x98\x80sssssssssssssssssssssssssssssss'
        b'ssssssssssssssssssssssssss}ssssssssssssssssssssssssss\xf0\x9f\x98\x80sssssss'
        b'sssssssssssssssssssssssssssssss}ssssssssssssssssssssssssssssssss'
        b'sssssssssssssssssssssssssssssssssssssssssssssss\\/ssssssssdescrip'
        b'tion":""}'),
    # json-c 0.16 takes the pair for U+6D800 for a surrogate: U+FFFD (the
    # harness knows); so the two keys are one to json-c
    "tape-jsonc-surrogate-bug": b'\x01[{"s":"x\\ud976\\udc00y","\\ud976\\udc00":1,"\\ufffd":2,'
                                b'"t":"\\ud83f\\udfff\\ud976\\udfff\\ud835\\udc00"}]',
    "strict-nan": b'\x01[{"a":NaN}]',
    "strict-infinity": b'\x00{"a":[1,-Infinity,Infinity]}',
    "strict-leading-zero": b'\x00{"a":[0,-0,1.5],"b":-01}',
    "strict-trailing-dot": b'\x00{"a":1.,"b":-.5}',
    "strict-control": b'\x00{"a":"x\x01y\x1f"}',
    "strict-lone-surrogate": b'\x00{"a":"\\ud800\\u0041","b":"\\udc00"}',
    "strict-utf8-surrogate": b'\x00{"a":"\xed\xa0\x80"}',
    "strict-utf8-long": b'\x00{"a":"abcdefghijk\xed\xa0\x80lmnopqrstuvwxyz\xc3\xa9abcdefghijk"}',
    "bad-utf8-long": b'\x01[{"a":"abcdefghijk\xfflmnopqrstuvwxyz\x80abcdefghijk"}]',
    "strict-utf8-overlong": b'\x00{"a":"\xc0\xaf\xe0\x80\xaf"}',
    "strict-utf8-above": b'\x00{"a":"\xf4\x90\x80\x80\xf7\xbf\xbf\xbf"}',
    "strict-single-quote": b"\x00{\"a\":1,'b':2}",
    "strict-deep-65": b"\x01" + b"[" * 65 + b"]" * 65,
}


def gen_page(recs):
    clear("fuzz_page")
    seen = set()
    for r in recs:
        body = r.get("body")
        if not body or body in seen:
            continue
        seen.add(body)
        h = hashlib.sha1(body.encode()).hexdigest()[:8]
        is_array = body.lstrip().startswith("[")
        kind = "array" if is_array else "object"
        # byte 0 bit 0: want_array; seed the shape the body has
        write("fuzz_page", "recorded-%d-%s-%s" % (r["status"], kind, h),
              (b"\x01" if is_array else b"\x00") + body.encode())
    extra = {
        "array-empty": b"\x01[]",
        "array-nonobject": b"\x01[{}, 1]",
        "object-as-array": b'\x01{"id":"00u1"}',
        "trailing": b'\x00{"a":1} \r\n\t x',
        "nul-inside": b'\x00{"a":"b\\u0000c"}\x00',
        "deep": b"\x01[" + b'{"a":' * 70 + b"1" + b"}" * 70 + b"]",
        "numbers": b'\x00{"i":9223372036854775807,"j":-9223372036854775809,"d":1e308,"e":-0.0,"u":18446744073709551615}',
        "unicode": '\x00{"n":"\u00e9\u4e2d\U0001F600","s":"\\ud83d\\ude00","bad":"\\udc00"}'.encode(),
        "bad-utf8": b'\x00{"n":"\xc3\x28"}',
        "truncated": b'\x01[{"id":"00u1","profile":{"login":"a@b',
        "api-error": b'\x00{"errorCode":"E0000011","errorSummary":"Invalid token provided",'
                     b'"errorLink":"E0000011","errorId":"oaeXXX","errorCauses":[]}',
        "oauth-error": b'\x00{"error":"invalid_client","error_description":"The client_assertion '
                       b'signature is invalid."}',
        "error-types": b'\x00{"errorCode":5,"errorSummary":null,"error":"x","error_description":["y"]}',
        "long-summary": b'\x00{"errorCode":"E' + b"9" * 100 + b'","errorSummary":"' + b"s" * 1500 + b'"}',
    }
    for k, v in extra.items():
        write("fuzz_page", k, v)
    for k, v in TAPE.items():
        write("fuzz_page", k, v)
    for k, v in WWW_AUTH.items():
        write("fuzz_page", k, b"\x00" + v.encode())


# ---------------------------------------------------------------- search
# Mirror of the harness's input format (fuzz_search.c):
#   node  := kind%5 (0 cmp, 1 pr, 2 and, 3 or, 4 none) ...
#   cmp   := attr op q value   (q: bit 0 = quoted)
#   pr    := attr
#   and/or:= node node
#   attr  := byte < 224 -> attr_words[byte % N] | byte >= 224, raw
#   op    := byte < 240 -> op_words[byte % N]   | byte >= 240, raw
#   value := byte < 64  -> words[byte % N]      | byte >= 64, raw
#   raw   := len%49, len bytes
# Whatever is left after the tree is checked as one more string.

ATTR = ["status", "id", "type", "created", "lastUpdated", "profile.login"]
OPS = ["eq", "sw", "co", "gt", "ge", "lt", "le"]


def raw(s, marker):
    b = s.encode() if isinstance(s, str) else s
    assert len(b) <= 48
    return bytes([marker, len(b)]) + b


def cmp_(attr, op, value, quoted=True):
    a = bytes([ATTR.index(attr)]) if attr in ATTR else raw(attr, 224)
    o = bytes([OPS.index(op)]) if op in OPS else raw(op, 240)
    return b"\x00" + a + o + bytes([1 if quoted else 0]) + raw(value, 64)


def pr(attr):
    return b"\x01" + (bytes([ATTR.index(attr)]) if attr in ATTR else raw(attr, 224))


def and_(a, b):
    return b"\x02" + a + b


def or_(a, b):
    return b"\x03" + a + b


NONE = b"\x04"


def gen_search():
    clear("fuzz_search")
    s = {
        "status-eq": cmp_("status", "eq", "ACTIVE"),
        "login-sw": cmp_("profile.login", "sw", "john.doe@"),
        "and-or": and_(or_(cmp_("status", "eq", "ACTIVE"), cmp_("status", "eq", "STAGED")),
                       cmp_("lastUpdated", "gt", "2020-01-01T00:00:00.000Z")),
        "or-and": or_(and_(pr("profile.login"), cmp_("type", "eq", "OKTA_GROUP")),
                      cmp_("id", "eq", "00g1")),
        "escapes": cmp_("profile.login", "eq", 'a"b\\c\\"d'),
        "injection": cmp_("profile.login", "eq", 'x" or id pr or "'),
        "control": cmp_("profile.login", "eq", "a\nb"),
        "unicode": cmp_("profile.login", "co", "\u00e9\u4e2d"),
        "number": cmp_("profile.age", "gt", "42", quoted=False),
        "bool": cmp_("profile.admin", "eq", "true", quoted=False),
        "bad-number": cmp_("profile.age", "gt", "1 or 1", quoted=False),
        "bad-attr": cmp_("profile..login", "eq", "x"),
        "bad-op": cmp_("status", "ne", "x"),
        "none-and": and_(NONE, and_(cmp_("status", "eq", "A"), NONE)),
        "deep": and_(or_(and_(or_(pr("id"), pr("type")), pr("created")), pr("status")),
                     or_(pr("profile.login"), and_(pr("id"), pr("type")))),
        "rest-string": cmp_("status", "eq", "A") + b"../%2e%2E/?#x y\xff",
        "rest-dots": NONE + b"..",
    }
    for k, v in s.items():
        write("fuzz_search", k, v)


# ---------------------------------------------------------------- pem

def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], input=stdin, check=True,
                          capture_output=True).stdout


def gen_pem():
    clear("fuzz_pem")
    with tempfile.TemporaryDirectory() as t:
        rsa = os.path.join(t, "rsa.pem")
        ec = os.path.join(t, "ec.pem")
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsa)
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ec)
        rsa8 = open(rsa, "rb").read()
        ec8 = open(ec, "rb").read()
        write("fuzz_pem", "rsa2048-pkcs8.pem", rsa8)
        write("fuzz_pem", "rsa2048-pkcs1.pem", openssl("pkey", "-in", rsa, "-traditional"))
        write("fuzz_pem", "rsa1024-pkcs8.pem",
              openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"))
        write("fuzz_pem", "ec-p256-pkcs8.pem", ec8)
        write("fuzz_pem", "ec-p256-sec1.pem", openssl("pkey", "-in", ec, "-traditional"))
        write("fuzz_pem", "ec-p384-pkcs8.pem",
              openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"))
        write("fuzz_pem", "ed25519.pem", openssl("genpkey", "-algorithm", "ED25519"))
        write("fuzz_pem", "ec-p256-encrypted-pkcs8.pem",
              openssl("pkey", "-in", ec, "-aes-128-cbc", "-passout", "pass:test"))
        write("fuzz_pem", "rsa2048-encrypted-pkcs1.pem",
              openssl("rsa", "-in", rsa, "-traditional", "-aes128", "-passout", "pass:test"))
        # an encryption header OpenSSL accepts but the text sniffing misses
        write("fuzz_pem", "ec-p256-encrypted-sec1-spaced.pem",
              openssl("ec", "-in", ec, "-aes128", "-passout", "pass:test").replace(
                  b"Proc-Type: 4,ENCRYPTED", b"Proc-Type: 4, ENCRYPTED"))
        write("fuzz_pem", "rsa2048-public.pem", openssl("pkey", "-in", rsa, "-pubout"))
        write("fuzz_pem", "rsa2048-public-pkcs1.pem",
              openssl("rsa", "-in", rsa, "-RSAPublicKey_out"))
        cert = openssl("req", "-new", "-x509", "-key", ec, "-subj", "/CN=oktafdw fuzz test",
                       "-days", "1")
        write("fuzz_pem", "ec-p256-cert.pem", cert)
        write("fuzz_pem", "ec-p256-key-and-cert.pem", ec8 + cert)
        # a PKCS#8 header around PKCS#1 contents, and the reverse
        p1 = openssl("pkey", "-in", ec, "-traditional").decode()
        write("fuzz_pem", "ec-sec1-in-pkcs8-armor.pem",
              p1.replace("EC PRIVATE KEY", "PRIVATE KEY"))
        body = b"".join(rsa8.splitlines()[1:-1])
        write("fuzz_pem", "rsa-pkcs8-no-newlines.pem",
              b"-----BEGIN PRIVATE KEY-----" + body + b"-----END PRIVATE KEY-----")
        write("fuzz_pem", "rsa-pkcs8-truncated.pem", rsa8[: len(rsa8) // 2])
        write("fuzz_pem", "rsa-pkcs8-crlf.pem", rsa8.replace(b"\n", b"\r\n"))
    write("fuzz_pem", "garbage-begin.pem", "-----BEGIN PRIVATE KEY-----\n%%%not base64%%%\n-----END PRIVATE KEY-----\n")
    write("fuzz_pem", "garbage-text", "not a key at all")
    write("fuzz_pem", "url-https", "https://acme.okta.com")
    write("fuzz_pem", "url-port-slash", "https://acme.oktapreview.com:8443/")
    write("fuzz_pem", "url-http-loopback", "http://127.0.0.1:8080")
    write("fuzz_pem", "url-ipv6", "http://[::1]:443/")
    write("fuzz_pem", "url-path", "https://acme.okta.com/oauth2/default")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--okta-samples",
                    default=os.path.join(ROOT, "..", "shared", "okta-samples", "recorded.jsonl"))
    ap.add_argument("--keys", action="store_true", help="regenerate the fuzz_pem test keys")
    a = ap.parse_args()
    recs = recorded(a.okta_samples)
    gen_link(recs)
    gen_page(recs)
    gen_search()
    if a.keys or not os.path.isdir(os.path.join(CORPUS, "fuzz_pem")):
        gen_pem()
    for h in sorted(os.listdir(CORPUS)):
        print("%-12s %d files" % (h, len(os.listdir(os.path.join(CORPUS, h)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
