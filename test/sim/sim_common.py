"""Small shared pieces of the simulator: responses, Okta error bodies, ids."""

import json
import secrets
import string

CT_JSON = "application/json"
CT_JSON_UTF8 = "application/json;charset=UTF-8"

_ALNUM = string.ascii_letters + string.digits


def random_id(length, alphabet=_ALNUM):
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_error_id():
    """Okta errorId: 'oae' + 22 characters (base64url-ish)."""
    return "oae" + random_id(22, _ALNUM + "-_")


def new_request_id():
    return random_id(27, _ALNUM + "-_")


def json_bytes(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Response:
    """What a handler returns; the HTTP layer adds the common headers."""

    def __init__(self, status, body=b"", content_type=CT_JSON, headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else json_bytes(body)
        self.content_type = content_type
        self.headers = list(headers or [])    # [(name, value)], repeats allowed

    def add_header(self, name, value):
        self.headers.append((name, value))
        return self


def okta_error(status, code, summary, causes=(), content_type=CT_JSON, headers=None):
    """An Okta Management API error body (errorCode/errorSummary/...)."""
    body = {"errorCode": code, "errorSummary": summary, "errorLink": code,
            "errorId": new_error_id(),
            "errorCauses": [{"errorSummary": c} for c in causes]}
    return Response(status, body, content_type, headers)


def oauth_error(status, error, description, headers=None):
    """An OAuth 2.0 error body as the token endpoint sends it."""
    return Response(status, {"error": error, "error_description": description},
                    CT_JSON, headers)


def not_found(summary_object, content_type=CT_JSON_UTF8):
    return okta_error(404, "E0000007", "Not found: Resource not found: %s" % summary_object,
                      content_type=content_type)


def method_not_allowed():
    return okta_error(405, "E0000022", "The endpoint does not support the provided HTTP method")


SUMMARY_FORBIDDEN = "You do not have permission to perform the requested action"
SUMMARY_INVALID_TOKEN = "Invalid token provided"
SUMMARY_RATE_LIMIT = "API call exceeded rate limit due to too many requests."
